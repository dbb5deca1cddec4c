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

/*
 * Wait until @c, one shard's count of the old epoch, has no reader left.
 * The sections it counts are a few loads and a store long, what the model
 * takes as atomic as one instruction of the kernel's; a reader can still be
 * preempted inside one by the host, and then it holds a shootdown or a
 * grace period up until it runs again.  After some spinning the waiter
 * marks the count (HVO_EPOCH_WAITER) and yields, and the reader that
 * empties it yields back at once (hvo__epoch_handoff()): on a shared CPU a
 * wait costs two switches, not the reader's whole time slice.  A fiber
 * scheduler (a hook set) runs everyone on one thread: no marks there.
 */
static void drain(struct hvo_sim *sim, _Atomic long *c, enum hvo_yield_point p)
{
	unsigned long spins = 0;
	bool marked = false;

	while (atomic_load(c) & (HVO_EPOCH_WAITER - 1)) {
		hvo__yield(sim, p, 0);
		if (++spins <= 64)
			continue;
		if (!marked && !hvo__yield_hooked(sim)) {
			atomic_fetch_add(c, HVO_EPOCH_WAITER);
			marked = true;
		}
		sched_yield();
	}
	if (marked)
		atomic_fetch_sub(c, HVO_EPOCH_WAITER);
}

/* flip twice, letting the old epoch drain each time; yield at every spin */
void hvo__epoch_wait(struct hvo_sim *sim, struct hvo_epochs *e, enum hvo_yield_point p)
{
	unsigned int phase, s, old;

	for (phase = 0; phase < 2; phase++) {
		old = atomic_load(&e->idx) & 1;
		atomic_store(&e->idx, old ^ 1);
		for (s = 0; s < HVO_EPOCH_SHARDS; s++)
			drain(sim, &e->shard[s].cnt[old], p);
	}
}

/* the last reader out of an epoch a waiter marked: let the waiter run */
void hvo__epoch_handoff(void)
{
	sched_yield();
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
