/* SPDX-License-Identifier: MIT */
/*
 * hugetlb_internal.h - hstates, folios and the pool, shared by hugetlb.c,
 * hugetlb_vmemmap.c, check.c and walker.c.
 */
#ifndef HVOSIM_HUGETLB_INTERNAL_H
#define HVOSIM_HUGETLB_INTERNAL_H

#include "internal.h"

struct hvo_folio {
	uint64_t pfn;
	struct hvo_folio *next, *prev;	/* free list (hugetlb_lock) */
	uint8_t h;
	uint8_t nid;
	uint8_t zone;
	uint8_t state;			/* enum hvo_folio_state (hugetlb_lock) */
	bool boot;
	bool surplus;
	/* the shared tail (struct page address) this folio maps while optimized;
	 * written only by the thread that has the folio isolated */
	uint64_t tail_page;
};

struct hvo_hstate {
	unsigned int order;
	uint64_t bytes;
	char name[32];
	bool gigantic;
	bool optimizable;
	/* hugetlb_lock */
	uint64_t nr, free, surplus, overcommit;
	uint64_t surplus_pending;	/* being allocated by hvo_folio_alloc() */
	uint64_t nr_node[HVO_MAX_NODES], free_node[HVO_MAX_NODES];
	uint64_t surplus_node[HVO_MAX_NODES];
	struct hvo_folio *free_list[HVO_MAX_NODES];
	/* scope hstate (the seed patch): h->vmemmap_tail */
	_Atomic uint64_t vmemmap_tail;
	_Atomic uint64_t tail_users;
	_Atomic uint64_t nr_optimized;
	_Atomic uint64_t vmemmap_freed, vmemmap_restored;	/* pages, ever */
};

struct hvo_boot_page {
	uint64_t pfn;
	unsigned int h;
	unsigned int nid;
	bool valid;		/* not dropped for spanning zones */
	bool hvo;		/* vmemmap populated in HVO form */
};

#define HVO_MAX_BOOT_TAILS (HVO_MAX_NODES * HVO_NR_ZONES * HVO_MAX_HSTATES)
struct hvo_boot_tail {
	uint64_t frame;
	unsigned int order, nid, zone;
};

struct hvo_hugetlb {
	pthread_mutex_t lock;		/* hugetlb_lock */
	pthread_mutex_t tail_lock;	/* lifetime last-user: slot + users */
	unsigned int nr_hstates;
	struct hvo_hstate hs[HVO_MAX_HSTATES];
	/* head pfn -> folio, open addressing (hugetlb_lock) */
	struct hvo_folio **tab;
	uint64_t cap, count, tombs;
	struct hvo_boot_page *boot;
	uint64_t nr_boot;
	struct hvo_boot_tail boot_tails[HVO_MAX_BOOT_TAILS];
	unsigned int nr_boot_tails;
	_Atomic bool timing;
	/* vm.hugetlb_optimize_vmemmap (vmemmap_optimize_enabled), from the
	 * config's boot value (hugetlb_free_vmemmap=) */
	_Atomic bool optimize_enabled;
	bool sysctl_registered;	/* some hstate is optimizable */
};

#define HVO_FOLIO_TOMB ((struct hvo_folio *)1)

/* hugetlb.c */
int hvo__hugetlb_init(struct hvo_sim *sim);
int hvo__hugetlb_boot_reserve(struct hvo_sim *sim);
int hvo__hugetlb_late_init(struct hvo_sim *sim);
void hvo__hugetlb_destroy(struct hvo_sim *sim);
uint64_t hvo__hugetlb_leaked(struct hvo_sim *sim, bool report);
bool hvo__folio_registered(struct hvo_sim *sim, uint64_t pfn);
struct hvo_folio *hvo__folio_find(struct hvo_sim *sim, uint64_t pfn);
int hvo__free_huge_folio(struct hvo_sim *sim, uint64_t pfn);

/*
 * for_each_hvo_folio() - every registered folio once, in no particular order
 * (sort by pfn if the order matters).  It takes no lock: the caller holds
 * hugetlb_lock across the whole walk, so the folios it visits agree with the
 * pool counters read under the same hold, and must not register or
 * unregister a folio itself during the walk (either may rehash the
 * registry).  A struct hvo_folio may be freed once the lock is dropped: copy
 * what is needed first.
 */
struct hvo_folio_iter {
	uint64_t pos;	/* hugetlb.c's: where the walk resumes */
};
struct hvo_folio *hvo__folio_first(struct hvo_sim *sim, struct hvo_folio_iter *it);
struct hvo_folio *hvo__folio_next(struct hvo_sim *sim, struct hvo_folio_iter *it);
#define for_each_hvo_folio(sim, it, f) \
	for ((f) = hvo__folio_first((sim), (it)); (f); (f) = hvo__folio_next((sim), (it)))


#endif /* HVOSIM_HUGETLB_INTERNAL_H */
