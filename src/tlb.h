/* SPDX-License-Identifier: MIT */
/*
 * tlb.h - the simulated TLB shootdown (tlb.c): every struct page write is
 * bracketed by hvo__access_begin()/hvo__access_end(), a flush waits for
 * the writes that began before it, and a frame unmapped from the vmemmap
 * is recorded so it can be freed only after a later flush.
 */
#ifndef HVOSIM_SRC_TLB_H
#define HVOSIM_SRC_TLB_H

#include "epoch.h"

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

void hvo__tlb_flush(struct hvo_sim *sim);
void hvo__record_map(struct hvo_sim *sim, uint64_t frame);
void hvo__record_unmap(struct hvo_sim *sim, uint64_t frame);
/* the same for @n entries of one frame at once */
void hvo__record_map_n(struct hvo_sim *sim, uint64_t frame, uint32_t n);
void hvo__record_unmap_n(struct hvo_sim *sim, uint64_t frame, uint32_t n);

#endif /* HVOSIM_SRC_TLB_H */
