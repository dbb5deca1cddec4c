// SPDX-License-Identifier: MIT
/*
 * epoch.c - waiting for readers, for the TLB shootdown and for RCU alike,
 * and taking a lock without ever blocking the one OS thread a fiber
 * scheduler runs everything on.
 */
#include <sched.h>

#include "internal.h"
#include "epoch.h"
#include "sched.h"

/* flip twice, letting the old epoch drain each time; yield at every spin */
void hvo__epoch_wait(struct hvo_sim *sim, struct hvo_epochs *e, enum hvo_yield_point p)
{
	unsigned int phase, s, old;
	unsigned long spins;

	for (phase = 0; phase < 2; phase++) {
		old = atomic_load(&e->idx) & 1;
		atomic_store(&e->idx, old ^ 1);
		for (s = 0; s < HVO_EPOCH_SHARDS; s++) {
			spins = 0;
			while (atomic_load(&e->shard[s].cnt[old])) {
				hvo__yield(sim, p, 0);
				if (++spins > 64)
					sched_yield();
			}
		}
	}
}

/* the holder may be waiting in hvo__epoch_wait(), yielding: never block on
 * the lock, or a fiber scheduler could never run the holder again */
void hvo__lock_yielding(struct hvo_sim *sim, pthread_mutex_t *m, enum hvo_yield_point p)
{
	hvo__yield(sim, p, 0);
	while (pthread_mutex_trylock(m)) {
		hvo__yield(sim, p, 0);
		sched_yield();
	}
}
