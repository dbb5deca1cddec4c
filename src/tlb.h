/* SPDX-License-Identifier: MIT */
/*
 * tlb.h - the read side of the simulated TLB shootdown: every struct page
 * write is bracketed by hvo__access_begin()/hvo__access_end().
 */
#ifndef HVOSIM_SRC_TLB_H
#define HVOSIM_SRC_TLB_H

#include "internal.h"

#define hvo_access_tok hvo_epoch_tok

/* the seq_cst RMW of the enter is ordered before the PTE loads that follow */
static inline struct hvo_access_tok hvo__access_begin(struct hvo_sim *sim)
{
	return hvo__epoch_enter(&sim->tlb);
}

static inline void hvo__access_end(struct hvo_access_tok t)
{
	hvo__epoch_exit(t);
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

#endif /* HVOSIM_SRC_TLB_H */

