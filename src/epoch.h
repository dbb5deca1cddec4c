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

static inline void hvo__epoch_exit(struct hvo_epoch_tok t)
{
	atomic_fetch_sub_explicit(&t.shard->cnt[t.idx], 1, memory_order_release);
}

void hvo__epoch_wait(struct hvo_sim *sim, struct hvo_epochs *e, enum hvo_yield_point p);
void hvo__lock_yielding(struct hvo_sim *sim, pthread_mutex_t *m, enum hvo_yield_point p);

#endif /* HVOSIM_SRC_EPOCH_H */
