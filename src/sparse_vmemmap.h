/* SPDX-License-Identifier: MIT */
/*
 * sparse_vmemmap.h - vmemmap population and memmap init (sparse_vmemmap.c).
 */
#ifndef HVOSIM_SRC_SPARSE_VMEMMAP_H
#define HVOSIM_SRC_SPARSE_VMEMMAP_H

#include "internal.h"

uint64_t hvo__memmap_init_word(const struct hvo_sim *sim, uint64_t pfn,
			       unsigned int word);
/* memmap_init() of a lazy block's frames, all of them (ptl held) */
void hvo__memmap_init_block(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr,
			    uint64_t span);
int hvo__populate_range(struct hvo_sim *sim, uint64_t start, uint64_t end,
			unsigned int nid, bool boot, bool lazy);
void hvo__section_set_preinit(struct hvo_sim *sim, uint64_t pfn);
int hvo__sparse_init(struct hvo_sim *sim);

#endif /* HVOSIM_SRC_SPARSE_VMEMMAP_H */
