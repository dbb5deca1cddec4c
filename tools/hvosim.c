// SPDX-License-Identifier: MIT
/*
 * hvosim.c - the hvosim command-line tool: dispatch.
 */
#include <string.h>

#include "cli.h"

static const struct cli_cmd cmds[] = {
	{ "demo", "the main job: a realistic machine under every scheme, side by side", cmd_demo },
	{ "dump", "vmemmap pages, frames, RW/RO and struct page decoding of a pfn range", cmd_dump },
	{ "savings", "vmemmap per huge page and what HVO frees, measured by running it", cmd_savings },
	{ "run", "build a machine, fill pools (optionally with threads and walkers), check it", cmd_run },
	{ "kpageflags", "the /proc/kpageflags view of a pfn range", cmd_kpageflags },
	{ "bench", "benchmarks: lookup, cycle, scale, stress", cmd_bench },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: hvosim COMMAND [options]   (hvosim COMMAND --help)\n\n"
		"Simulates the Linux kernel's HugeTLB Vmemmap Optimization in userspace.\n\n"
		"commands:\n");
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %-11s %s\n", cmds[i].name, cmds[i].summary);
	fprintf(out, "\n  --help, --version\n");
}

int main(int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (cli_is_version(argv[1]))
		return cli_version();
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	fprintf(stderr, "hvosim: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
