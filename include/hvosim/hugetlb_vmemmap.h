/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hugetlb_vmemmap.h - HVO itself (mm/hugetlb_vmemmap.c).
 *
 * HVO runs inside the pool's calls; a harness drives it step by step on
 * free pool folios with hvo_folio_optimize(), hvo_folio_restore(),
 * hvo_folios_optimize() and hvo_folios_restore(), which isolate the folios
 * from the pool's free lists and so belong to the pool: they are declared
 * in hugetlb.h, included here.
 */
#ifndef HVOSIM_HUGETLB_VMEMMAP_H
#define HVOSIM_HUGETLB_VMEMMAP_H

#include "hugetlb.h"

#endif /* HVOSIM_HUGETLB_VMEMMAP_H */
