/* SPDX-License-Identifier: MIT */
/*
 * stress.h - the concurrency stress engine behind `hvosim run --threads`,
 * `hvosim bench stress` and tests/stress: optimizer threads cycling pool
 * grow/shrink, take/put and demote, and speculative walker threads, on real
 * pthreads.
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
	bool progress;			/* a line a second, on a terminal */
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

/*
 * Race rounds: a fresh machine per round, threads released by a barrier,
 * yields injected at the tail slot so the window is wide:
 *   first-optimize: every thread grows the same empty (zone, order) pool by
 *     one (the seed patch's lazy-allocation race);
 *   last-user: one folio holds the tail; thread 0 shrinks it away (the last
 *     user's restore frees the tail with lifetime last-user) while the others
 *     grow new folios that need the tail.
 */
enum stress_race {
	STRESS_RACE_FIRST_OPTIMIZE = 0,
	STRESS_RACE_LAST_USER,
};
struct race_result {
	unsigned int rounds, rounds_with_violations;
	uint64_t violations, races_lost, tails_freed, faults;
};
const char *stress_race_name(enum stress_race race);
int stress_race(const struct hvo_config *cfg, enum stress_race race, unsigned int threads,
		unsigned int rounds, bool inject, struct race_result *res);

#endif
