/* SPDX-License-Identifier: MIT */
/*
 * hugetlb_vmemmap_boot.h - boot gigantic pages populated in HVO form
 * (hugetlb_vmemmap_boot.c).
 */
#ifndef HVOSIM_SRC_HUGETLB_VMEMMAP_BOOT_H
#define HVOSIM_SRC_HUGETLB_VMEMMAP_BOOT_H

#include "internal.h"

struct hvo_folio;

void hvo__hugetlb_vmemmap_init_early(struct hvo_sim *sim);
int hvo__hugetlb_vmemmap_init_late(struct hvo_sim *sim);
void hvo__vmemmap_init_boot_tails(struct hvo_sim *sim);
int hvo__vmemmap_finish_boot_hvo(struct hvo_sim *sim, struct hvo_folio *f);

#endif /* HVOSIM_SRC_HUGETLB_VMEMMAP_BOOT_H */
