/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the benchmarks behind `hvosim bench NAME`.  Each prints a table,
 * or with --json one object, and compares against a floor measured in the
 * same run; none is pass/fail on time.
 */
#ifndef HVOSIM_BENCH_H
#define HVOSIM_BENCH_H

#include <stddef.h>

#include "opt.h"

int bench_lookup(int argc, char **argv);
int bench_cycle(int argc, char **argv);
int bench_scale(int argc, char **argv);
int bench_stress(int argc, char **argv);
int bench_explore(int argc, char **argv);

/* every benchmark, for the dispatcher */
extern const struct cli_cmd bench_cmds[];
extern const size_t bench_nr_cmds;

#endif
