/* SPDX-License-Identifier: MIT */
/*
 * refmodel.h - a reference model of a simulated machine's hugetlb pools and
 * HVO frame accounting, written from the kernel's rules, never from the
 * library's code or counters.
 *
 * The model is pure: it calls nothing in libhvosim.  It only borrows the
 * public types (struct hvo_config and the enums) so a config can be handed
 * to both.  fuzz_ops.c drives the library and the model side by side and
 * compares what the library reports with what the model predicts.
 *
 * What the model knows, and from where:
 *   - geometry: the arch's huge page sizes per base page size,
 *     MAX_PAGE_ORDER, VMEMMAP_TAIL_MIN_ORDER = ilog2(2 * PAGE_SIZE /
 *     sizeof(struct page)), vmemmap pages per folio = huge page size /
 *     PAGE_SIZE * sizeof(struct page) / PAGE_SIZE (rounded up), and that HVO
 *     keeps one of them (HUGETLB_VMEMMAP_RESERVE_SIZE);
 *   - zones: DMA32 below 4 GiB, Movable at the top of each node;
 *   - boot: memblock's top-down, naturally aligned reservations,
 *     vmemmap_populate_hugepages()/basepages(), the page-table pages that
 *     takes, vmemmap_should_optimize_bootmem_page() for pre-HVO,
 *     hugetlb_bootmem_page_zones_valid() for pages that span zones;
 *   - pools: add_hugetlb_folio()/remove_hugetlb_folio() with
 *     adjust_surplus, free_huge_folio(), dissolve_free_hugetlb_folio(),
 *     demote, overcommit, and hvosim's documented clamp of surplus to the
 *     pool size on removal;
 *   - HVO: what optimize frees (vmemmap pages - 1), what restore allocates,
 *     PMD splits (one page-table page each, never merged back), one shared
 *     tail per (zone | node | hstate, order) and its lifetime, the
 *     fake-head static key; vmemmap_should_optimize_folio() reading
 *     vm.hugetlb_optimize_vmemmap (hugetlb_free_vmemmap= at boot);
 *   - zones a new folio may come from: htlb_alloc_mask() and the zonelist
 *     (Movable, Normal, DMA32 from the gfp's zone down; gigantic hstates
 *     not movable unless vm.movable_gigantic_pages);
 *   - a put or page_ref_sub() below refcount 0 is refused (VM_BUG_ON_PAGE()
 *     in the kernel) and logged.
 */
#ifndef HVOSIM_FUZZ_REFMODEL_H
#define HVOSIM_FUZZ_REFMODEL_H

#include <stdbool.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

#define RM_MAX_HSTATES 6
#define RM_MAX_NODES HVO_MAX_NODES
#define RM_MAX_TAILS (RM_MAX_NODES * HVO_NR_ZONES * RM_MAX_HSTATES)
#define RM_NONE UINT64_MAX

enum rm_state {
	RM_FREE = 0,	/* on the free list, refcount frozen at 0 */
	RM_ACTIVE,	/* taken with hvo_folio_alloc(), refcount >= 1 */
};

struct rm_folio {
	uint64_t pfn;
	uint8_t h, nid, zone, state;
	bool opt;
	bool boot;
	int32_t ref;
};

struct rm_hstate {
	unsigned int order;
	uint64_t bytes;
	bool gigantic;
	bool optimizable;
	uint64_t vp;			/* vmemmap pages of one folio */
	uint64_t nr[RM_MAX_NODES], surplus[RM_MAX_NODES];	/* counters */
	uint64_t overcommit;
	uint64_t nr_optimized;
	uint64_t vm_freed, vm_restored;	/* ever, net per optimize / restore */
};

/* a shared tail slot: live, how many optimized folios map it, its frame
 * once seen (RM_NONE before); maybe: a failed optimize may or may not have
 * left it allocated (lifetime never), resolved by the next count */
struct rm_tail {
	uint32_t key;
	bool live, maybe;
	uint64_t users;
	uint64_t frame;
};

struct rm_block {		/* hvo_alloc_frames() blocks the harness holds */
	uint64_t pfn;
	unsigned int order;
	bool movable;
};

struct rm_boot_page {
	uint64_t pfn;
	unsigned int nid;
	bool valid;		/* not spanning zones: becomes a folio */
	bool prehvo;		/* vmemmap populated in HVO form at boot */
};

struct refmodel {
	struct hvo_config cfg;
	/* geometry */
	unsigned int page_shift, stride, nr_nodes, levels, pmd_shift;
	uint64_t page_size, nr_pfns, vmemmap_base;
	bool pow2;
	unsigned int tail_min_order, max_page_order;
	uint64_t node_start[RM_MAX_NODES], node_end[RM_MAX_NODES];
	uint64_t zone_start[RM_MAX_NODES][HVO_NR_ZONES];
	uint64_t zone_end[RM_MAX_NODES][HVO_NR_ZONES];
	/* hstates */
	unsigned int nr_hstates;
	struct rm_hstate hs[RM_MAX_HSTATES];
	/* boot */
	int boot_h;
	unsigned int nr_boot;
	struct rm_boot_page *boot;
	/* folios, sorted by pfn */
	struct rm_folio *f;
	uint64_t nf, capf;
	/* harness blocks */
	struct rm_block *blk;
	uint64_t nblk, capblk;
	/* shared tails */
	struct rm_tail tails[RM_MAX_TAILS];
	unsigned int ntails;
	/* vmemmap PMDs mapped by a leaf (4K only), indexed from pmd0 */
	uint8_t *pmd_leaf;
	uint64_t pmd0, npmd;
	/* frames in use by kind */
	uint64_t vm_frames, pt_frames, other_frames;
	uint64_t expect_ro_faults;
	uint64_t expect_underflows;	/* refused puts and page_ref_sub()s */
	int64_t static_key;
	/* vm.hugetlb_optimize_vmemmap: its value, and whether it exists */
	bool hvo_on, has_sysctl;
};

/**
 * rm_init() - derive geometry, zones and hstates from a config the library
 * accepted.
 * @m: the model (zeroed by the call).
 * @cfg: the config.
 *
 * Return: 0, or -1 with a message in rm_why() if the model cannot follow it.
 */
int rm_init(struct refmodel *m, const struct hvo_config *cfg);
void rm_free(struct refmodel *m);

/**
 * rm_boot() - lay out boot: memblock's boot gigantic pages, vmemmap
 * population, page tables, pre-HVO pages and their tails, and the boot
 * folios (pre-HVO ones optimized).  The batch that optimizes the other
 * boot folios (prep_and_add_bootmem_folios()) is the caller's, as it may
 * meet fault injection.
 * @m: the model after rm_init().
 *
 * Return: 0, or -1 if the boot pages cannot be placed (the library must
 * then have refused the config).
 */
int rm_boot(struct refmodel *m);

const char *rm_why(void);

/* ---- lookups ---- */
int rm_pfn_zone(const struct refmodel *m, uint64_t pfn, unsigned int *nid,
		unsigned int *zone);
struct rm_folio *rm_folio(struct refmodel *m, uint64_t pfn);
struct rm_folio *rm_folio_containing(struct refmodel *m, uint64_t pfn);
uint64_t rm_count(const struct refmodel *m, unsigned int h, int state, int nid);

/* what the comparison after every operation counts over the folios, in
 * one pass (rm_count() passes once per question) */
struct rm_tally {
	uint64_t nr[RM_MAX_HSTATES][RM_MAX_NODES], free[RM_MAX_HSTATES][RM_MAX_NODES];
	uint64_t free_h[RM_MAX_HSTATES];
	uint64_t opt_h[RM_MAX_HSTATES], vmemmap_h[RM_MAX_HSTATES];
	uint64_t hugetlb_pages, optimized;
};
void rm_tally(const struct refmodel *m, struct rm_tally *t);
uint32_t rm_tail_key(const struct refmodel *m, const struct rm_folio *f);
struct rm_tail *rm_tail(struct refmodel *m, uint32_t key, bool create);
uint64_t rm_tails_live(const struct refmodel *m);
uint64_t rm_tails_maybe(const struct refmodel *m);
uint64_t rm_free_nonmovable(const struct refmodel *m);
uint64_t rm_folio_pmds(const struct refmodel *m, const struct rm_folio *f,
		       uint64_t *first);
bool rm_pmd_is_leaf(const struct refmodel *m, uint64_t idx);
uint64_t rm_pmd_vaddr(const struct refmodel *m, uint64_t idx);
uint64_t rm_folio_vaddr(const struct refmodel *m, uint64_t pfn);
bool rm_hvo_wanted(const struct refmodel *m, unsigned int h);
bool rm_zone_allowed(const struct refmodel *m, unsigned int h, int zone,
		     unsigned int folio_zone);

/* ---- transitions (the kernel's rules) ---- */
int rm_add_folio(struct refmodel *m, uint64_t pfn, unsigned int h, int state,
		 bool boot);
void rm_del_folio(struct refmodel *m, uint64_t pfn);
void rm_pool_add(struct refmodel *m, unsigned int h, unsigned int nid, bool surplus);
void rm_pool_remove(struct refmodel *m, unsigned int h, unsigned int nid,
		    bool surplus);
void rm_split_pmds(struct refmodel *m, const struct rm_folio *f);
void rm_set_pmd_split(struct refmodel *m, uint64_t idx);
void rm_optimize(struct refmodel *m, struct rm_folio *f);
void rm_restore(struct refmodel *m, struct rm_folio *f);
void rm_mark_prehvo(struct refmodel *m, struct rm_folio *f);
void rm_tail_attempt(struct refmodel *m, const struct rm_folio *f);
int rm_add_block(struct refmodel *m, uint64_t pfn, unsigned int order);
int rm_del_block(struct refmodel *m, uint64_t idx);

#endif /* HVOSIM_FUZZ_REFMODEL_H */
