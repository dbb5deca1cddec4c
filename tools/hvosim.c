// SPDX-License-Identifier: MIT
/*
 * hvosim.c - the hvosim command-line tool: dispatch.
 */
#include <string.h>

#include "cmd.h"
#include "harness.h"

static const struct cli_cmd cmds[] = {
	{ "demo", "the main job: a realistic machine under every scheme, side by side", cmd_demo },
	{ "dump", "vmemmap pages, frames, RW/RO and struct page decoding of a pfn range", cmd_dump },
	{ "savings", "vmemmap per huge page and what HVO frees, measured by running it", cmd_savings },
	{ "run", "build a machine, fill pools (optionally with threads and walkers), check it", cmd_run },
	{ "kpageflags", "the /proc/kpageflags view of a pfn range", cmd_kpageflags },
	{ "explore", "run a scenario's threads under a schedule explorer: random, PCT, DFS, replay", cmd_explore },
	{ "bench", "benchmarks: lookup, cycle, scale, stress, explore", cmd_bench },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: hvosim COMMAND [options]   (hvosim COMMAND --help)\n\n"
		"Simulates the Linux kernel's HugeTLB Vmemmap Optimization in userspace.\n\n"
		"commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n  --help, --version\n\n" CLI_EXIT_HELP);
}

int main(int argc, char **argv)
{
	int r = cli_dispatch(cmds, sizeof(cmds) / sizeof(cmds[0]), usage, argc, argv);

	if (r >= 0)
		return r;
	fprintf(stderr, "hvosim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
