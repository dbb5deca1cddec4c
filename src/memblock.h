/* SPDX-License-Identifier: MIT */
/*
 * memblock.h - the boot-time allocator (memblock.c).
 */
#ifndef HVOSIM_SRC_MEMBLOCK_H
#define HVOSIM_SRC_MEMBLOCK_H

#include "internal.h"

int hvo__memblock_alloc(struct hvo_sim *sim, unsigned int nid, unsigned int order,
			enum hvo_frame_kind kind, uint64_t *pfn);
void hvo__memblock_free(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
			enum hvo_frame_kind kind);

#endif /* HVOSIM_SRC_MEMBLOCK_H */
