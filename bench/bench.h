/* SPDX-License-Identifier: MIT */
/*
 * bench.h - the benchmarks behind `hvosim bench NAME`.  Each prints a table,
 * or with --json one object, and compares against a floor measured in the
 * same run; none is pass/fail on time.  Every one also prints the host it
 * ran on (CPU model, CPUs, load average at start and end) and the spread of
 * its per-round ratios (min, median, max), because on a shared machine a
 * single figure says little.
 */
#ifndef HVOSIM_BENCH_H
#define HVOSIM_BENCH_H

#include <stddef.h>

#include "harness.h"

int bench_lookup(int argc, char **argv);
int bench_cycle(int argc, char **argv);
int bench_scale(int argc, char **argv);
int bench_stress(int argc, char **argv);
int bench_explore(int argc, char **argv);
int bench_init(int argc, char **argv);

/* every benchmark, for the dispatcher */
extern const struct cli_cmd bench_cmds[];
extern const size_t bench_nr_cmds;

/* ---- shared by the benchmarks (bench.c) ---- */

/* a timed loop is a function of its own, never inlined, cloned or merged
 * with a twin, so a profiler can collect exactly what is timed
 * (bench/profile.sh toggles on these names) */
#if defined(__GNUC__) && !defined(__clang__)
#define BENCH_TIMED __attribute__((noipa))
#else
#define BENCH_TIMED __attribute__((noinline))
#endif

/* the conditions a run measured under */
struct bench_host {
	char cpu[128];
	unsigned int nproc;
	double load_start[3];	/* 1, 5, 15 minutes; -1: unknown */
	double load_end[3];
};

/* read at the start of a run, before anything is built */
void bench_host_start(struct bench_host *h);
/* the load average again, when the timing is over */
void bench_host_end(struct bench_host *h);
/* "host: CPU, N CPUs, load average a b c at start, x y z at end" */
void bench_host_print(const struct bench_host *h, FILE *out);
/* "host": { "cpu_model", "nproc", "loadavg_start": [..], "loadavg_end": [..] } */
void bench_host_json(struct json *j, const struct bench_host *h);

/* min/median/max of per-round (or per-run) values */
struct bench_spread {
	double min, median, max;
	unsigned int n;
};

void bench_spread_of(const double *v, unsigned int n, struct bench_spread *s);
/* "2.31 (min 1.80, max 2.47, 5 rounds)" with @what naming the unit counted */
const char *bench_spread_str(const struct bench_spread *s, const char *what, char *buf,
			     size_t len);
/* @key: { "min", "median", "max", "n", "values": [...] } (values may be NULL) */
void bench_spread_json(struct json *j, const char *key, const struct bench_spread *s,
		       const double *values);

#endif
