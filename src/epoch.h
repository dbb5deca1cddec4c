/* SPDX-License-Identifier: MIT */
/*
 * epoch.h - read sections and waiting for readers (epoch.c), and taking a
 * lock without blocking a fiber scheduler's one OS thread.
 */
#ifndef HVOSIM_SRC_EPOCH_H
#define HVOSIM_SRC_EPOCH_H

#include "internal.h"

static inline struct hvo_epoch_tok hvo__epoch_enter(struct hvo_epochs *e)
{
	struct hvo_epoch_tok t;

	t.shard = &e->shard[hvo_thread_id() % HVO_EPOCH_SHARDS];
	t.idx = atomic_load_explicit(&e->idx, memory_order_relaxed) & 1;
	/* seq_cst RMW: ordered before the loads of the section */
	atomic_fetch_add(&t.shard->cnt[t.idx], 1);
	return t;
}

/*
 * A waiter that has spun a while on an epoch adds this to its count: the
 * last readers out see it and give the CPU up (hvo__epoch_handoff()), so a
 * waiter that shares a CPU with a reader it waits for is not left behind a
 * whole time slice of the reader's.  Readers count below it.
 */
#define HVO_EPOCH_WAITER (1L << 40)

void hvo__epoch_handoff(void);

static inline void hvo__epoch_exit(struct hvo_epoch_tok t)
{
	if (unlikely(atomic_fetch_sub_explicit(&t.shard->cnt[t.idx], 1, memory_order_release) >
		     HVO_EPOCH_WAITER))
		hvo__epoch_handoff();
}

void hvo__epoch_wait(struct hvo_sim *sim, struct hvo_epochs *e, enum hvo_yield_point p);
void hvo__lock_yielding(struct hvo_sim *sim, pthread_mutex_t *m, enum hvo_yield_point p);

#endif /* HVOSIM_SRC_EPOCH_H */
