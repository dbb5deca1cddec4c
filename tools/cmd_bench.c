// SPDX-License-Identifier: MIT
/*
 * cmd_bench.c - `hvosim bench NAME`: benchmarks print a table, or with --json
 * one object, and always compare against a floor measured in the same run.
 * No test asserts their times.
 */
#include <string.h>

#include "cli.h"

static const struct cli_cmd benches[] = {
	{ "lookup", "compound_head() through the simulated vmemmap vs a flat array", bench_lookup },
	{ "cycle", "optimize+restore cycles per scheme vs memcpy of the same pages", bench_cycle },
	{ "scale", "a simulated 1 TiB host: build time, peak RSS, vmemmap saved", bench_scale },
	{ "stress", "optimizers and walkers on threads: fake-head (+RCU) vs shared-tail", bench_stress },
	{ "explore", "the schedule explorer: switch, reset, schedules/s, runs to each known race", bench_explore },
};

static void usage(FILE *out)
{
	size_t i;

	fprintf(out, "usage: hvosim bench NAME [--json] [options]   (hvosim bench NAME --help)\n\n");
	for (i = 0; i < sizeof(benches) / sizeof(benches[0]); i++)
		fprintf(out, "  %-8s %s\n", benches[i].name, benches[i].summary);
}

int cmd_bench(int argc, char **argv)
{
	int r = cli_dispatch(benches, sizeof(benches) / sizeof(benches[0]), usage, argc, argv);

	if (r >= 0)
		return r;
	return cli_bad("bench", "unknown benchmark '%s'", argv[1]);
}
