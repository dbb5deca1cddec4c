// SPDX-License-Identifier: MIT
/*
 * cmd_bench.c - `hvosim bench NAME`: the benchmarks of bench/.
 */
#include "bench.h"
#include "cmd.h"

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: hvosim bench NAME [--json] [options]   (hvosim bench NAME --help)\n\n");
	for (i = 0; i < bench_nr_cmds; i++)
		fprintf(out, "  %-8s %s\n", bench_cmds[i].name, bench_cmds[i].summary);
}

int cmd_bench(int argc, char **argv)
{
	int r = cli_dispatch(bench_cmds, bench_nr_cmds, usage, argc, argv);

	if (r >= 0)
		return r;
	return cli_bad("bench", "unknown benchmark '%s'", argv[1]);
}
