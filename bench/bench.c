// SPDX-License-Identifier: MIT
/*
 * bench.c - the list of benchmarks `hvosim bench` dispatches to.
 */
#include "bench.h"

const struct cli_cmd bench_cmds[] = {
	{ "lookup", "compound_head() through the simulated vmemmap vs a flat array", bench_lookup },
	{ "cycle", "optimize+restore cycles per scheme vs memcpy of the same pages", bench_cycle },
	{ "scale", "a simulated 1 TiB host: build time, peak RSS, vmemmap saved", bench_scale },
	{ "stress", "optimizers and walkers on threads: fake-head (+RCU) vs shared-tail", bench_stress },
	{ "explore", "the schedule explorer: switch, reset, schedules/s, runs to each known race", bench_explore },
};
const size_t bench_nr_cmds = sizeof(bench_cmds) / sizeof(bench_cmds[0]);
