/* SPDX-License-Identifier: MIT */
/*
 * sparse_vmemmap.h - vmemmap population and memmap init (sparse_vmemmap.c).
 */
#ifndef HVOSIM_SRC_SPARSE_VMEMMAP_H
#define HVOSIM_SRC_SPARSE_VMEMMAP_H

#include "internal.h"

void hvo__memmap_init_frame(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr);
int hvo__sparse_init(struct hvo_sim *sim);

#endif /* HVOSIM_SRC_SPARSE_VMEMMAP_H */
