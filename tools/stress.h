/* SPDX-License-Identifier: MIT */
/*
 * stress.h - the concurrency stress engine behind `hvosim run --threads` and
 * `hvosim bench stress`: optimizer threads cycling pool grow/shrink,
 * take/put and demote, and speculative walker threads, on real pthreads.
 * Worker threads only count; the caller checks.
 */
#ifndef HVOSIM_STRESS_H
#define HVOSIM_STRESS_H

#include <stdbool.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

struct stress_opts {
	unsigned int optimizers;	/* threads cycling the pool */
	unsigned int walkers;		/* speculative PFN walker threads */
	double duration;		/* seconds (wall clock: this is the CLI) */
	uint64_t max_ops;		/* per thread; 0 = until duration */
	uint64_t seed;
	unsigned int hold;		/* folios the main thread keeps in use */
	bool demote;			/* optimizers also demote big folios */
	bool progress;			/* a line on stderr every second */
};

struct stress_result {
	double seconds;
	uint64_t grows, shrinks, takes, puts, demotes, errors;
	uint64_t walks, walk_got, walk_noref, walk_raced, walk_fault;
	uint64_t optimize, restore;	/* from the machine's counters */
	uint64_t faults;		/* fault log records */
	uint64_t sync_rcu, sync_rcu_ns;
	int64_t violations;		/* hvo_check() at the end */
};

int stress_run(struct hvo_sim *sim, const struct stress_opts *o, struct stress_result *res);

/* first-optimize race rounds: fresh machine per round, threads grow the
 * same (zone, order) pool by one at the same moment; yields are injected at
 * the tail slot so the window is wide */
struct race_result {
	unsigned int rounds, rounds_with_violations;
	uint64_t violations, races_lost, faults;
};
int stress_first_optimize(const struct hvo_config *cfg, unsigned int threads,
			  unsigned int rounds, bool inject, struct race_result *res);

#endif
