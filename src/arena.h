/* SPDX-License-Identifier: MIT */
/*
 * arena.h - the host memory behind the simulated frames (arena.c).
 */
#ifndef HVOSIM_SRC_ARENA_H
#define HVOSIM_SRC_ARENA_H

#include "internal.h"

int hvo__arena_map(struct hvo_sim *sim, uint64_t bytes);
void hvo__arena_unmap(struct hvo_sim *sim);
void hvo__frame_give_bytes(struct hvo_sim *sim, uint64_t pfn, uint64_t nr,
			   bool zero, bool overwrite);
/* the poisoning of a freed frame that had bytes, and its host bytes given
 * back when free frames hold too much (zone->lock held for both) */
void hvo__frame_poison(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn, bool lazy);
/* the poison a free frame owes written (its host bytes back if released) */
void hvo__frame_unrelease(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn);
/* atomic word by word: TSan-clean */
void hvo__frame_fill_words(struct hvo_sim *sim, uint64_t pfn, uint64_t val);
void hvo__frame_copy(struct hvo_sim *sim, uint64_t dst, uint64_t src);
void hvo__words_copy(uint64_t *d, const uint64_t *s, uint64_t n);
/* [pfn, pfn + nr) is about to be written whole for the first time */
void hvo__arena_prefault(struct hvo_sim *sim, uint64_t pfn, uint64_t nr);

#endif /* HVOSIM_SRC_ARENA_H */
