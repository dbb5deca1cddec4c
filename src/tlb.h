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

/* several stores to one vmemmap page under one walk (pgtable.c) */
struct hvo_writer {
	struct hvo_sim *sim;
	uint64_t page;
	uint8_t *base;
	struct hvo_access_tok tok;
	bool open;
};

static inline void hvo__writer_init(struct hvo_writer *wr, struct hvo_sim *sim)
{
	wr->sim = sim;
	wr->page = UINT64_MAX;
	wr->base = NULL;
	wr->open = false;
}

int hvo__writer_store(struct hvo_writer *wr, uint64_t vaddr, uint64_t val,
		      const char *op, int field);
void hvo__writer_close(struct hvo_writer *wr);

#endif /* HVOSIM_TLB_H */

