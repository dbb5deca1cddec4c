/* SPDX-License-Identifier: MIT */
/*
 * tlb.h - the read side of the simulated TLB shootdown: every struct page
 * access is bracketed by hvo__access_begin()/hvo__access_end().
 */
#ifndef HVOSIM_TLB_H
#define HVOSIM_TLB_H

#include "internal.h"

struct hvo_access_tok {
	struct hvo_tlb_shard *shard;
	unsigned int idx;
};

static inline struct hvo_access_tok hvo__access_begin(struct hvo_sim *sim)
{
	struct hvo_access_tok t;

	t.shard = &sim->tlb[hvo_thread_id() % HVO_TLB_SHARDS];
	t.idx = atomic_load_explicit(&sim->tlb_idx, memory_order_relaxed) & 1;
	/* seq_cst RMW: ordered before the PTE loads that follow */
	atomic_fetch_add(&t.shard->cnt[t.idx], 1);
	return t;
}

static inline void hvo__access_end(struct hvo_access_tok t)
{
	atomic_fetch_sub_explicit(&t.shard->cnt[t.idx], 1, memory_order_release);
}

#endif /* HVOSIM_TLB_H */

