/* SPDX-License-Identifier: MIT */
/*
 * hugetlb_vmemmap.h - the private interface of hugetlb_vmemmap.c and
 * hugetlb_vmemmap_boot.c (mm/hugetlb_vmemmap.h): the sizes HVO works in,
 * and the optimize/restore entry points that hugetlb.c calls.
 */
/* not HVOSIM_HUGETLB_VMEMMAP_H: that guards the public hvosim/hugetlb_vmemmap.h */
#ifndef HVOSIM_SRC_HUGETLB_VMEMMAP_H
#define HVOSIM_SRC_HUGETLB_VMEMMAP_H

#include "internal.h"

struct hvo_folio;

/* ---- sizes (the static inlines of mm/hugetlb_vmemmap.h) ---- */

/* HUGETLB_VMEMMAP_RESERVE_SIZE: the head's vmemmap page, which HVO keeps */
static inline uint64_t hvo__hugetlb_vmemmap_reserve_size(const struct hvo_sim *sim)
{
	return sim->geo.page_size;
}

/* HUGETLB_VMEMMAP_RESERVE_PAGES: the struct pages in that page */
static inline uint64_t hvo__hugetlb_vmemmap_reserve_pages(const struct hvo_sim *sim)
{
	return hvo__hugetlb_vmemmap_reserve_size(sim) / sim->geo.stride;
}

/* hugetlb_vmemmap_size(): bytes of struct pages of one huge page of @order */
static inline uint64_t hvo__hugetlb_vmemmap_size(const struct hvo_sim *sim,
						 unsigned int order)
{
	return (1ull << order) * sim->geo.stride;
}

/*
 * The vmemmap pages those bytes occupy: hugetlb_vmemmap_size() >> PAGE_SHIFT,
 * rounded up because a struct page size that is not a power of 2 need not
 * fill whole pages (such a machine cannot do HVO, but still reports it).
 */
static inline uint64_t hvo__hugetlb_vmemmap_pages(const struct hvo_sim *sim,
						  unsigned int order)
{
	return (hvo__hugetlb_vmemmap_size(sim, order) + sim->geo.page_size - 1) >>
	       sim->geo.page_shift;
}

/*
 * hugetlb_vmemmap_optimizable_size(): the bytes HVO can free, 0 when a
 * struct page size is not a power of 2 or the struct pages do not fill two
 * or more pages (order < VMEMMAP_TAIL_MIN_ORDER, the 7.1 rule).
 */
static inline uint64_t hvo__hugetlb_vmemmap_optimizable_size(const struct hvo_sim *sim,
							     unsigned int order)
{
	if (!sim->geo.hvo_possible || order < sim->geo.vmemmap_tail_min_order)
		return 0;
	return hvo__hugetlb_vmemmap_size(sim, order) - hvo__hugetlb_vmemmap_reserve_size(sim);
}

/*
 * hugetlb_vmemmap_optimizable(), with hugetlb_free_vmemmap=off (scheme
 * none) folded in: the kernel checks that switch per folio in
 * vmemmap_should_optimize_folio(), here it is fixed per machine, so hstates
 * cache the answer as h->optimizable.
 */
static inline bool hvo__hugetlb_vmemmap_optimizable(const struct hvo_sim *sim,
						    unsigned int order)
{
	return sim->cfg.scheme != HVO_SCHEME_NONE &&
	       hvo__hugetlb_vmemmap_optimizable_size(sim, order) != 0;
}

/* ---- hugetlb_vmemmap.c ---- */

/* struct vmemmap_remap_walk's flags, as the kernel's */
#define HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH 0x1u	/* no flush per PMD split */
#define HVO_VMEMMAP_REMAP_NO_TLB_FLUSH 0x2u	/* the caller flushes once */
#define HVO_VMEMMAP_SYNCHRONIZE_RCU 0x4u	/* fake-head: a grace period first */

/* the list of vmemmap pages a remap unmapped, to free after the flush */
struct hvo_pagelist {
	uint64_t *pfn;
	uint64_t n, cap;
};

bool hvo__folio_test_optimized(struct hvo_sim *sim, uint64_t pfn);
int hvo__folio_set_optimized(struct hvo_sim *sim, uint64_t pfn, bool on);
int hvo__hugetlb_vmemmap_optimize_folio(struct hvo_sim *sim, struct hvo_folio *f,
					unsigned int flags, struct hvo_pagelist *pl);
int hvo__hugetlb_vmemmap_restore_folio(struct hvo_sim *sim, struct hvo_folio *f,
				       unsigned int flags, uint64_t *tail_to_put);
uint64_t hvo__hugetlb_vmemmap_optimize_folios(struct hvo_sim *sim, struct hvo_folio **fs,
					      uint64_t n);
int hvo__hugetlb_vmemmap_restore_folios(struct hvo_sim *sim, struct hvo_folio **fs,
					uint64_t n, uint64_t *restored);
void hvo__free_vmemmap_page_list(struct hvo_sim *sim, struct hvo_pagelist *pl);
void hvo__tail_slot(struct hvo_sim *sim, unsigned int h, unsigned int nid,
		    unsigned int zone, _Atomic uint64_t **slot, _Atomic uint64_t **users);
void hvo__fill_tail_frame(struct hvo_sim *sim, uint64_t frame, unsigned int order,
			  unsigned int nid, unsigned int zone);

#endif /* HVOSIM_SRC_HUGETLB_VMEMMAP_H */
