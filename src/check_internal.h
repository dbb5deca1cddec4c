/* SPDX-License-Identifier: MIT */
/*
 * check_internal.h - what the checker's two drivers share: the context the
 * invariants of check.c read, and the walk primitives (a folio, one of its
 * vmemmap pages or struct pages, the shared tails, a level of checks).
 * check.c's full driver walks the whole machine with them; check_track.c's
 * tracked driver (hvo_check_track()) walks only what changed, and hands the
 * checks what it worked out about the rest in struct check_delta.
 */
#ifndef HVOSIM_SRC_CHECK_INTERNAL_H
#define HVOSIM_SRC_CHECK_INTERNAL_H

#include <stdbool.h>
#include <stdint.h>

#include "internal.h"

/* a set of pfns (frame-ownership, accounting) */
struct u64set {
	uint64_t *k;
	uint64_t cap, n;
};

/* 1 if @key was already in the set, 0 if added, -ENOMEM */
int hvo__u64set_add(struct u64set *s, uint64_t key);

enum check_level {
	CHECK_MACHINE = 1u << 0,
	CHECK_FOLIO = 1u << 1,
	CHECK_VMEMMAP = 1u << 2,
	CHECK_PAGE = 1u << 3,
	CHECK_TAIL = 1u << 4,
	CHECK_TOTALS = 1u << 5,
};

/* slots per (scope, order) table: NR_VMEMMAP_TAILS is 16 at 4K */
#define CHECK_MAX_TAILS 32

/* struct folio overlays the head and tails 1..3: what the FOLIO checks read */
#define FOLIO_META_PAGES 4

/* a folio as hugetlb_lock saw it: the registry is not read again */
struct folio_snap {
	uint64_t pfn;
	unsigned int h, nid, zone, state;
};

/*
 * The tracked driver's findings about what it did not walk again (NULL in
 * ctx.d: a full check, every invariant computes its own).
 */
struct check_delta {
	/* a folio walked whole: frame-ownership notes its private vmemmap
	 * pages (k) here instead of in ctx.owned; the driver keeps the set */
	bool own_note;
	uint64_t *own_k;
	uint64_t n_own, cap_own;
	bool oom;			/* a note was lost: the driver starts over */
	/* the shared tail about to be walked has not changed since a walk
	 * that found its bytes right */
	bool tail_clean;
	/* accounting: the vmemmap frames the page table maps, each once */
	int64_t mapped;
	/* page-table: a flat entry disagreeing with the table (its index) */
	bool pt_bad;
	uint64_t pt_bad_i;
	/* pgtable-frames: tables reachable, and one reached twice or not an
	 * allocated page-table frame of the machine */
	uint64_t reach;
	bool census_bad;
	/* free-lists: the zones (bit nid * HVO_NR_ZONES + zone) to walk, and
	 * whether one of them had a finding (a zone not walked may have one) */
	uint64_t zones;
	bool zones_bad;
};

struct check_ctx {
	struct hvo_sim *sim;
	struct hvo_report *rep;
	unsigned int level;		/* enum check_level */
	unsigned int inv;		/* the check running: its index in invariants[] */
	const char *name;		/* and its name */
	bool once;			/* in a folio or a tail: each invariant once */
	uint32_t reported;		/* invariants reported in this folio or tail */
	bool fake;			/* HVO_SCHEME_FAKE_HEAD */
	/* FOLIO, VMEMMAP, PAGE: the folio */
	struct {
		const struct folio_snap *s;
		const struct hvo_hstate *hs;
		uint64_t head;		/* its head struct page */
		uint64_t info;		/* what its tails' compound_info holds */
		uint64_t nr_pages, vmemmap_pages;
		uint64_t start, end;	/* its struct pages in the vmemmap */
		uint64_t vstart;	/* start, rounded down to a page */
		bool flag;		/* HPG_vmemmap_optimized */
		bool optimized;		/* the flag on an optimizable hstate */
		uint64_t tail;		/* what vmemmap pages 1.. map when optimized */
	} f;
	/* VMEMMAP: vmemmap page k of the folio and the frame its PTE maps */
	struct {
		uint64_t k, frame;
		bool rw;
	} v;
	/* PAGE: struct page i of the folio and its compound_info */
	struct {
		uint64_t i, page, info;
		bool mapped, alias_of_head;
	} p;
	/* PAGE: the vmemmap page the last word was read in (check.c's
	 * page_word()), and its bytes */
	struct {
		uint64_t idx;
		const uint8_t *base;
	} pw;
	/* TAIL: a published shared tail, and the folios that should map it */
	struct {
		uint64_t frame, users;
		unsigned int order, h;
		int nid, zone;		/* -1: the scope does not fix it */
		char where[64];		/* its slot, written for a report */
	} t;
	/* MACHINE, TOTALS: what the folios add up to */
	uint64_t nr[HVO_MAX_HSTATES], free[HVO_MAX_HSTATES];
	uint64_t nr_optimized, nr_optimized_h[HVO_MAX_HSTATES], slots;
	uint64_t users_hstate[HVO_MAX_HSTATES];
	struct u64set owned;		/* vmemmap frames some folio owns */
	struct hvo_stats st;		/* TOTALS */
	struct check_delta *d;		/* the tracked driver's, or NULL */
	/* last (hvo__check_ctx_init() zeroes only the machine's nodes) */
	uint64_t users_zone[HVO_MAX_NODES][HVO_NR_ZONES][CHECK_MAX_TAILS];
	uint64_t users_node[HVO_MAX_NODES][CHECK_MAX_TAILS];
};

/* a context for a check of @sim into @rep (@d: the tracked driver's) */
void hvo__check_ctx_init(struct check_ctx *c, struct hvo_sim *sim, struct hvo_report *rep,
			 struct check_delta *d);

/* the checks of @level, in table order, until one says stop */
void hvo__check_run(struct check_ctx *c, unsigned int level);
/* copy the folios (sorted by pfn) and run the MACHINE checks under one
 * hugetlb_lock hold; the caller frees *fsp */
int hvo__check_snapshot(struct check_ctx *c, struct folio_snap **fsp, uint64_t *nfp);
/* the folio's geometry and what its remapped vmemmap pages should map */
void hvo__check_folio_begin(struct check_ctx *c, const struct folio_snap *s);
/* vmemmap page k of the folio begun, and the VMEMMAP checks */
void hvo__check_scan_vmemmap(struct check_ctx *c, uint64_t k);
/* struct page i of the folio begun, and the PAGE checks */
void hvo__check_scan_page(struct check_ctx *c, uint64_t i, bool alias_of_head);
/* the whole folio: FOLIO, every VMEMMAP and the PAGE checks */
void hvo__check_scan_folio(struct check_ctx *c, const struct folio_snap *s);
/* what the folio begun adds to the TOTALS and TAIL checks */
void hvo__check_count_optimized(struct check_ctx *c, const struct folio_snap *s);
/* every published shared tail (shared-tail scheme): the TAIL checks; @clean,
 * if not NULL, says whether a tail's bytes can be taken as checked */
void hvo__check_scan_tails(struct check_ctx *c,
			   bool (*clean)(void *arg, unsigned int slot, uint64_t frame), void *arg);
/* page-table: the flat entry @fe shows the leaf @we of @level mapping @v */
bool hvo__check_leaf_agrees(struct hvo_sim *sim, uint64_t fe, uint64_t we, unsigned int level,
			    uint64_t v);
/* page-table: flat entry i shows what the walk of its address finds */
bool hvo__check_flat_agrees(struct hvo_sim *sim, uint64_t i);
/*
 * The block holding @pfn as the buddy's metadata says (find_block()'s
 * search, across zone boundaries: a boot memblock allocation such as a
 * vmemmap PMD block may straddle one): its metadata and head, NULL if none;
 * *@depth: the orders whose candidate heads were read, 0..*depth (64: all).
 */
const struct hvo_frame_meta *hvo__check_block(struct hvo_sim *sim, uint64_t pfn, uint64_t *head,
					     unsigned int *depth);
/* pgtable-frames: @pfn is an allocated page-table frame of the machine */
bool hvo__check_table_frame(struct hvo_sim *sim, uint64_t pfn);
/* hvo_check() without tracking: everything, from scratch */
int64_t hvo__check_full(struct hvo_sim *sim, struct hvo_report *rep);

#endif /* HVOSIM_SRC_CHECK_INTERNAL_H */
