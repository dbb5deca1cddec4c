// SPDX-License-Identifier: MIT
/*
 * check.c - hvo_check(): the invariants of "Implications for a userspace
 * simulator" (reference/kernel-hvo.md), one function each, listed with the
 * property and the kernel rule they mirror in invariants[] below and run
 * from it by a short driver.
 *
 * The checker walks the machine in levels; each invariant names the levels
 * it applies at:
 *   MACHINE  once, under hugetlb_lock, beside the snapshot of the folios;
 *   FOLIO    each folio, in pfn order;
 *   VMEMMAP  each vmemmap page of the folio: the PTEs HVO remaps;
 *   PAGE     each struct page of the folio that reads through a different
 *            vmemmap mapping: all of them, or when optimized those in the
 *            head page and one through each remapped vmemmap page;
 *   TAIL     each published shared tail (the shared-tail scheme);
 *   TOTALS   once, against what the folios add up to.
 * At each level the checks run in table order, which is therefore the order
 * of the report.  Within a folio, and within a shared tail, an invariant is
 * reported once, at its first violation (one broken PTE would otherwise
 * report every struct page behind it); the machine-wide counters are each
 * reported on their own.  A check returns false when what it looked at is
 * too broken for the checks after it to mean anything there (an unmapped
 * struct page has no flags to read): the rest of the table skips it.
 *
 * It wants a quiescent machine (include/hvosim/check.h) and only reads; it
 * holds hugetlb_lock only while it copies the folios and reads the pool.
 *
 * Two drivers walk with these checks (check_internal.h): the full one at
 * the bottom of this file, and check_track.c's, which walks only what
 * changed (hvo_check_track()) and hands the totals it keeps itself to the
 * checks in ctx.d.  A tail whose words read right passes every PAGE check
 * in one look (page_reads_right()); only a page that does not runs them
 * one by one.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugetlb_internal.h"
#include "check_internal.h"
#include "error.h"
#include "free_list.h"
#include "hugetlb_vmemmap.h"
#include "pgtable.h"
#include "vmm.h"

/* ---- a set of frames (frame-ownership, accounting) ---- */

static int set_grow(struct u64set *s)
{
	uint64_t ncap = s->cap ? s->cap * 2 : 1024, i, j;
	uint64_t *nk = malloc(ncap * sizeof(*nk));

	if (!nk)
		return -ENOMEM;
	memset(nk, 0xff, ncap * sizeof(*nk));
	for (j = 0; j < s->cap; j++) {
		if (s->k[j] == UINT64_MAX)
			continue;
		for (i = (s->k[j] * 0x9e3779b97f4a7c15ull >> 20) & (ncap - 1);
		     nk[i] != UINT64_MAX; i = (i + 1) & (ncap - 1))
			;
		nk[i] = s->k[j];
	}
	free(s->k);
	s->k = nk;
	s->cap = ncap;
	return 0;
}

int hvo__u64set_add(struct u64set *s, uint64_t key)
{
	uint64_t i;

	if ((s->n + 1) * 2 > s->cap && set_grow(s))
		return -ENOMEM;
	for (i = (key * 0x9e3779b97f4a7c15ull >> 20) & (s->cap - 1); s->k[i] != UINT64_MAX;
	     i = (i + 1) & (s->cap - 1))
		if (s->k[i] == key)
			return 1;
	s->k[i] = key;
	s->n++;
	return 0;
}

/* ---- the invariants ---- */

struct check_inv {
	const char *name;		/* as reported */
	const char *rule;		/* the property, and the kernel rule it mirrors */
	unsigned int levels;		/* enum check_level */
	bool (*check)(struct check_ctx *c);
};

/* ---- reporting ---- */

/* the violation of the running invariant, about @pfn */
__attribute__((format(printf, 5, 6)))
static void report(struct check_ctx *c, uint64_t pfn, const char *expected,
		   const char *found, const char *wfmt, ...)
{
	struct hvo_report *rep = c->rep;
	struct hvo_violation *v;
	va_list ap;

	if (c->once) {
		if (c->reported & (1u << c->inv))
			return;
		c->reported |= 1u << c->inv;
	}
	rep->count++;
	if (rep->nr >= HVO_REPORT_MAX)
		return;
	v = &rep->v[rep->nr++];
	v->invariant = c->name;
	v->pfn = pfn;
	va_start(ap, wfmt);
	vsnprintf(v->where, sizeof(v->where), wfmt, ap);
	va_end(ap);
	snprintf(v->expected, sizeof(v->expected), "%s", expected);
	snprintf(v->found, sizeof(v->found), "%s", found);
}

#define FMT(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

/* shorthands for the violations about the folio under check */
#define report_folio(c, e, g) \
	report(c, (c)->f.s->pfn, e, g, "folio %#" PRIx64, (c)->f.s->pfn)
#define report_vpage(c, e, g) \
	report(c, (c)->f.s->pfn, e, g, "folio %#" PRIx64 " page %" PRIu64, (c)->f.s->pfn, (c)->v.k)
#define report_tail(c, e, g) \
	report(c, (c)->f.s->pfn, e, g, "folio %#" PRIx64 " tail %" PRIu64, (c)->f.s->pfn, (c)->p.i)

/* "frame 0x.. (kind)" for the frame the PTE of vmemmap page k maps */
static const char *frame_desc(struct check_ctx *c, char *buf, size_t size)
{
	struct hvo_frame_info fi;
	uint64_t fr = c->v.frame;

	hvo_frame_info(c->sim, fr == HVO_NIL ? 0 : fr, &fi);
	snprintf(buf, size, "frame %#" PRIx64 " (%s)", fr,
		 fr == HVO_NIL ? "unmapped" : hvo_kind_name(fi.kind));
	return buf;
}

static unsigned int vmap_count(struct hvo_sim *sim, uint64_t frame)
{
	return atomic_load(&hvo__meta(sim, frame)->vmap_count);
}

const struct hvo_frame_meta *hvo__check_block(struct hvo_sim *sim, uint64_t pfn, uint64_t *head,
					     unsigned int *depth)
{
	unsigned int o;

	for (o = 0; o <= sim->geo.max_folio_order; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		const struct hvo_frame_meta *m = hvo__meta(sim, h);

		if (m->state != FM_NONE && h + (1ull << m->order) > pfn) {
			*head = h;
			*depth = o;
			return m;
		}
	}
	*head = pfn;
	*depth = 64;
	return NULL;
}

/* the block of @pfn is an allocated one of @kind */
static bool block_is(struct hvo_sim *sim, uint64_t pfn, enum hvo_frame_kind kind, uint64_t *head)
{
	unsigned int depth;
	const struct hvo_frame_meta *m = hvo__check_block(sim, pfn, head, &depth);

	return m && m->state == FM_ALLOC && m->kind == kind;
}

/* ---- the invariants, in table order ---- */

static bool check_alignment(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	char g[96];

	/* only the mask encoding derives the head from the tail's address */
	if (!sim->geo.mask_encoding)
		return true;
	if (c->level == CHECK_MACHINE) {
		if (sim->geo.vmemmap_base %
		    ((1ull << sim->geo.max_folio_order) * sim->geo.stride))
			report(c, UINT64_MAX, "vmemmap base aligned to MAX_FOLIO_NR_PAGES * stride",
			       FMT(g, "%#" PRIx64, sim->geo.vmemmap_base), "vmemmap_base");
		return true;
	}
	if (c->f.head & (c->f.nr_pages * sim->geo.stride - 1))
		report_folio(c, "head struct page aligned to 2^order * stride",
			     FMT(g, "%#" PRIx64, c->f.head));
	return true;
}

static bool check_head(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t order = 0;
	char e[96], g[96];

	if (hvo_page_test_flag(sim, c->f.head, HVO_PG_head) != 1 ||
	    hvo_page_head(sim, c->f.head) != 1)
		report_folio(c, "PG_head and PageHead", "not a head");
	/* folio_order(): page[1]'s order byte, in the private head page */
	hvo_folio_get(sim, c->f.head, HVO_FOLIO_ORDER, &order);
	if (order != c->f.hs->order)
		report(c, c->f.s->pfn, FMT(e, "folio order %u", c->f.hs->order),
		       FMT(g, "%" PRIu64, order), "folio %#" PRIx64 " page[1]", c->f.s->pfn);
	return true;
}

/* vmemmap_remap_free(): page 0 a private RW copy mapped once (the fake-head
 * scheme maps it N times), pages 1.. the fake-head scheme's head copy */
static void layout_optimized(struct check_ctx *c)
{
	char e[96], g[96];

	if (c->v.k == 0) {
		if (c->v.frame == HVO_NIL || !c->v.rw)
			report_folio(c, "page 0 mapped RW to a private copy",
				     c->v.frame == HVO_NIL ? "unmapped" : "read-only");
		if (!c->fake && c->v.frame != HVO_NIL && vmap_count(c->sim, c->v.frame) != 1)
			report_folio(c, "head page mapped once",
				     FMT(g, "mapped %u times", vmap_count(c->sim, c->v.frame)));
		return;
	}
	/* the shared-tail scheme's pages 1.. are the shared-tail invariant */
	if (c->fake && c->v.frame != c->f.tail)
		report_folio(c, FMT(e, "page %" PRIu64 " -> head copy %#" PRIx64, c->v.k,
				    c->f.tail), frame_desc(c, g, sizeof(g)));
}

static bool check_layout(struct check_ctx *c)
{
	if (c->level == CHECK_PAGE) {
		if (!c->p.mapped)
			report(c, c->f.s->pfn, "mapped", "unmapped",
			       "folio %#" PRIx64 " page %" PRIu64, c->f.s->pfn, c->p.i);
		return c->p.mapped;
	}
	/* hugetlb_vmemmap_optimizable() said no: the flag must never be set */
	if (c->v.k == 0 && c->f.flag && !c->f.hs->optimizable)
		report_folio(c, "not optimized (hstate not optimizable)",
			     "HPG_vmemmap_optimized set");
	if (c->f.optimized) {
		layout_optimized(c);
		return true;
	}
	/* not optimized: vmemmap_populate() gave every page its own RW frame */
	if (c->v.frame == HVO_NIL || !c->v.rw) {
		report_vpage(c, "every vmemmap page mapped RW",
			     c->v.frame == HVO_NIL ? "unmapped" : "read-only");
		return false;
	}
	return true;
}

/* the tracked driver keeps the owned pages of every folio itself */
static void note_owned(struct check_ctx *c)
{
	struct check_delta *d = c->d;

	if (!d->own_note)
		return;		/* the folio's owned pages are as noted before */
	if (d->n_own == d->cap_own) {
		uint64_t cap = d->cap_own ? 2 * d->cap_own : 64;
		uint64_t *k = realloc(d->own_k, cap * sizeof(*k));

		if (!k) {
			d->oom = true;
			return;
		}
		d->own_k = k;
		d->cap_own = cap;
	}
	d->own_k[d->n_own++] = c->v.k;
}

static bool check_frame_ownership(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t mask = sim->geo.page_size - 1;
	char g[96];

	if (c->f.optimized) {
		/* page 0 is the folio's own copy; pages 1.. are shared by design */
		if (c->v.k == 0 && c->v.frame != HVO_NIL && c->d)
			note_owned(c);
		else if (c->v.k == 0 && c->v.frame != HVO_NIL &&
			 hvo__u64set_add(&c->owned, c->v.frame) == 1)
			report_folio(c, "head frame private to the folio",
				     FMT(g, "frame %#" PRIx64 " is also another folio's",
					 c->v.frame));
		return true;
	}
	/* pages at the folio's edges may be shared with a neighbour when the
	 * stride is not a power of 2, and a folio whose struct pages fill less
	 * than a page shares it with its neighbours */
	if (!sim->geo.hvo_possible || (c->f.start & mask) || (c->f.end & mask))
		return true;
	if (c->d)
		note_owned(c);
	else if (hvo__u64set_add(&c->owned, c->v.frame) == 1)
		report_vpage(c, "vmemmap frame private to the folio",
			     FMT(g, "frame %#" PRIx64 " is also mapped for another folio",
				 c->v.frame));
	return true;
}

/* where the shared tail walked sits: its slot, for a report */
static const char *tail_where(struct check_ctx *c)
{
	unsigned int order = c->t.order;

	if (c->t.nid < 0)
		snprintf(c->t.where, sizeof(c->t.where), "%s tail",
			 c->sim->hugetlb->hs[c->t.h].name);
	else if (c->t.zone < 0)
		snprintf(c->t.where, sizeof(c->t.where), "node %d order %u tail", c->t.nid, order);
	else
		snprintf(c->t.where, sizeof(c->t.where), "zone %d/%s order %u tail", c->t.nid,
			 hvo_zone_name((enum hvo_zone_type)c->t.zone), order);
	return c->t.where;
}

/* TAIL: one shared tail, filled as init_compound_tail() fills every entry */
static bool shared_tail_frame(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t words[HVO_NR_PAGE_WORDS], i, got;
	const uint64_t *b = hvo_frame_bytes(sim, c->t.frame);
	struct hvo_frame_info fi;
	unsigned int w;
	char g[96];

	hvo_frame_info(sim, c->t.frame, &fi);
	if (!fi.allocated || fi.kind != HVO_KIND_SHARED_TAIL) {
		report(c, c->t.frame, "an allocated shared tail frame",
		       FMT(g, "%s frame %#" PRIx64, fi.allocated ? hvo_kind_name(fi.kind) : "free",
			   c->t.frame), "%s", tail_where(c));
		return false;
	}
	/* the tracked driver: these bytes were found right and not written since */
	if (c->d && c->d->tail_clean)
		return true;
	hvo_init_compound_tail(sim, words, 0, c->t.order, c->t.nid < 0 ? 0 : (unsigned int)c->t.nid,
			       c->t.zone < 0 ? 0 : (unsigned int)c->t.zone);
	for (i = 0; b && i < hvo__hugetlb_vmemmap_reserve_pages(sim); i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
			if (sim->word_off[w] < 0)
				continue;
			got = __atomic_load_n(&b[i * (sim->geo.stride / 8) +
						 (unsigned int)sim->word_off[w]], __ATOMIC_RELAXED);
			/* node/zone are checked per folio; here only when the
			 * scope fixes them (per-zone tails: the v7 fix) */
			if (w == HVO_PW_FLAGS && (c->t.nid < 0 || c->t.zone < 0))
				continue;
			if (got != words[w])
				report(c, c->t.frame, "every entry init_compound_tail() of its order",
				       FMT(g, "entry %" PRIu64 " word %u = %#" PRIx64, i, w, got),
				       "%s", tail_where(c));
		}
	return true;
}

static bool check_shared_tail(struct check_ctx *c)
{
	char e[96], g[96];

	switch (c->level) {
	case CHECK_VMEMMAP:
		/* vmemmap_remap_pte(): pages 1.. -> the (scope, order) tail */
		if (c->f.optimized && !c->fake && c->v.k > 0 && c->v.frame != c->f.tail)
			report_folio(c, FMT(e, "page %" PRIu64 " -> the (scope, order) tail %#"
					    PRIx64, c->v.k, c->f.tail),
				     frame_desc(c, g, sizeof(g)));
		return true;
	case CHECK_TAIL:
		return shared_tail_frame(c);
	default:	/* CHECK_TOTALS */
		/* the tails are never freed while published, and only then */
		if (c->st.in_use[HVO_KIND_SHARED_TAIL] != c->slots)
			report(c, UINT64_MAX,
			       FMT(e, "%" PRIu64 " shared tail frames (one per published slot)",
				   c->slots),
			       FMT(g, "%" PRIu64 " allocated: the rest are orphans still "
				   "mapped or leaked", c->st.in_use[HVO_KIND_SHARED_TAIL]),
			       "shared tails");
		return true;
	}
}

static bool check_read_only(struct check_ctx *c)
{
	/*
	 * NOTE: the previous page's rw stands when this page's PTE is missing
	 * (see scan_vmemmap()), so an unmapped tail page after a writable one
	 * reads "writable" too; layout/shared-tail name the real fault.
	 */
	if (c->f.optimized && c->v.k > 0 && c->v.rw)
		report_vpage(c, "tail vmemmap page read-only", "writable");
	return true;
}

static bool check_encoding(struct check_ctx *c)
{
	uint64_t exp = c->f.info;
	char e[96], g[96];

	/* a fake head reads the head's words: its encoding is the head's */
	if (!c->p.alias_of_head && c->p.info != exp)
		report_tail(c, FMT(e, "compound_info %#" PRIx64, exp),
			    FMT(g, "%#" PRIx64, c->p.info));
	return true;
}

static bool check_compound_head(struct check_ctx *c)
{
	uint64_t head = c->f.head, got;
	char e[96], g[96];

	if (c->level == CHECK_FOLIO) {
		if (hvo_compound_head(c->sim, head) != head)
			report_folio(c, "head decodes to itself", "another page");
		return true;
	}
	got = hvo_compound_head(c->sim, c->p.page);
	if (got != head)
		report_tail(c, FMT(e, "compound_head %#" PRIx64, head), FMT(g, "%#" PRIx64, got));
	return true;
}

static bool check_tail_flag(struct check_ctx *c)
{
	if (hvo_page_tail(c->sim, c->p.page) != 1)
		report_tail(c, "PageTail", "not a tail");
	return true;
}

static bool check_fake_head(struct check_ctx *c)
{
	if (hvo_page_head(c->sim, c->p.page) != 0)
		report_tail(c, "PageHead false", "PageHead true (a fake head)");
	return true;
}

static bool check_tail_refcount(struct check_ctx *c)
{
	int32_t ref = 0;
	char g[96];

	/* the fake-head scheme's aliases of the head read its refcount */
	if (!c->p.alias_of_head && (hvo_page_refcount(c->sim, c->p.page, &ref) || ref != 0))
		report_tail(c, "refcount 0", FMT(g, "refcount %d", ref));
	return true;
}

/* FOLIO_META_PAGES (check_internal.h): page[3]'s ->mapping is the hugetlb
 * cgroup */

static bool check_tail_mapping(struct check_ctx *c)
{
	uint64_t mapping = 0;
	char e[96], g[96];

	if (c->p.alias_of_head || c->p.i < FOLIO_META_PAGES)
		return true;
	hvo_page_read(c->sim, c->p.page, HVO_PW_MAPPING, &mapping);
	if (mapping != HVO_TAIL_MAPPING)
		report_tail(c, FMT(e, "mapping TAIL_MAPPING %#llx", HVO_TAIL_MAPPING),
			    FMT(g, "%#" PRIx64, mapping));
	return true;
}

static bool check_tail_node_zone(struct check_ctx *c)
{
	unsigned int nid = 0, zone = 0, fnid = c->f.s->nid, fzone = c->f.s->zone;
	char e[96], g[96];

	hvo_page_node_zone(c->sim, c->p.page, &nid, &zone);
	if (nid != fnid || zone != fzone)
		report(c, c->f.s->pfn,
		       FMT(e, "node %u zone %s", fnid, hvo_zone_name((enum hvo_zone_type)fzone)),
		       FMT(g, "node %u zone %s", nid, hvo_zone_name((enum hvo_zone_type)zone)),
		       "folio %#" PRIx64 " tail %" PRIu64 "%s", c->f.s->pfn, c->p.i,
		       c->p.i >= hvo__hugetlb_vmemmap_reserve_pages(c->sim) ? " (through its shared tail)" : "");
	return true;
}

static bool check_shared_tail_mapcount(struct check_ctx *c)
{
	unsigned int n = vmap_count(c->sim, c->t.frame);
	char g[96];

	if (n != c->t.users)
		report(c, c->t.frame, "mapped sum(N - 1) times by its folios",
		       FMT(g, "mapped %u times, folios need %" PRIu64, n, c->t.users),
		       "%s", tail_where(c));
	return true;
}

/* MACHINE: the hstate counters agree with its folios (hugetlb_lock held) */
static void pool_counters(struct check_ctx *c)
{
	struct hvo_hugetlb *hg = c->sim->hugetlb;
	const struct hvo_hstate *hs;
	unsigned int h, n;
	char e[96], g[96];

	for (h = 0; h < hg->nr_hstates; h++)
		for (n = 0, hs = &hg->hs[h]; n < c->sim->cfg.nr_nodes; n++)
			if (hs->surplus_node[n] > hs->nr_node[n])
				report(c, UINT64_MAX, "surplus <= nr_huge_pages on the node",
				       FMT(g, "surplus %" PRIu64 " of %" PRIu64,
					   hs->surplus_node[n], hs->nr_node[n]),
				       "%s node %u", hs->name, n);
	for (h = 0; h < hg->nr_hstates; h++) {
		hs = &hg->hs[h];
		if (c->nr[h] != hs->nr || c->free[h] != hs->free)
			report(c, UINT64_MAX,
			       FMT(e, "nr %" PRIu64 " free %" PRIu64, c->nr[h], c->free[h]),
			       FMT(g, "nr %" PRIu64 " free %" PRIu64, hs->nr, hs->free),
			       "%s counters", hs->name);
	}
}

static bool check_pool(struct check_ctx *c)
{
	unsigned int state;
	int32_t ref;
	char g[96];

	if (c->level == CHECK_MACHINE) {
		pool_counters(c);
		return true;
	}
	/* a free folio is frozen at refcount 0; an allocated one is held */
	state = c->f.s->state;
	if (!hvo_page_refcount(c->sim, c->f.head, &ref) &&
	    ((state == HVO_FOLIO_FREE && ref != 0) || (state == HVO_FOLIO_ACTIVE && ref < 1)))
		report_folio(c, state == HVO_FOLIO_FREE ? "refcount 0 (free)" :
			     "refcount >= 1 (in use)", FMT(g, "%d", ref));
	return true;
}

static bool check_static_key(struct check_ctx *c)
{
	char e[96], g[96];

	if (c->fake && (uint64_t)c->st.static_key_count != c->nr_optimized)
		report(c, UINT64_MAX,
		       FMT(e, "hugetlb_optimize_vmemmap_key %" PRIu64, c->nr_optimized),
		       FMT(g, "%" PRId64, c->st.static_key_count), "static key");
	return true;
}

/*
 * The vmemmap frames the page table maps, each counted once however many
 * entries map it: the frames a leaf maps whose block (hvo__check_block())
 * is an allocated vmemmap block.
 */
/* the frames [pfn, pfn + span) of one leaf that count */
static int64_t mapped_leaf(struct hvo_sim *sim, uint64_t pfn, uint64_t span, struct u64set *seen)
{
	const struct hvo_frame_meta *m;
	uint64_t head, j;
	unsigned int depth;
	int64_t n = 0;
	bool one = false;

	/* a PMD leaf over one block whose inner frames head nothing: every
	 * frame's search ends at the block's head, as pfn's does */
	if (span > 1) {
		m = hvo__check_block(sim, pfn, &head, &depth);
		one = m && head == pfn && (1ull << m->order) >= span;
		for (j = 1; one && j < span; j++)
			one = hvo__meta(sim, pfn + j)->state == FM_NONE;
		if (one && !(m->state == FM_ALLOC && m->kind == HVO_KIND_VMEMMAP))
			return 0;
	}
	for (j = 0; j < span; j++)
		if ((one || block_is(sim, pfn + j, HVO_KIND_VMEMMAP, &head)) &&
		    hvo__u64set_add(seen, pfn + j) == 0)
			n++;
	return n;
}

static int64_t mapped_vmemmap(struct hvo_sim *sim, uint64_t tpfn, unsigned int level,
			      struct u64set *seen)
{
	const uint64_t *t = (const uint64_t *)hvo__frame(sim, tpfn);
	unsigned int i;
	int64_t n = 0;

	for (i = 0; i < sim->level_entries[level]; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED), pfn, span;

		if (!(e & HVO_PTE_PRESENT))
			continue;
		pfn = (e & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT;
		if (level && !(e & HVO_PTE_LEAF)) {
			n += mapped_vmemmap(sim, pfn, level - 1, seen);
			continue;
		}
		span = 1ull << (sim->level_shift[level] - sim->geo.page_shift);
		n += mapped_leaf(sim, pfn, span, seen);
	}
	return n;
}

/* memmap_pages_add() / memmap_boot_pages_add() agree with the page table */
static void accounting_memmap(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	struct u64set seen = { 0 };
	int64_t mapped;
	char e[96], g[96];

	if (c->d) {
		mapped = c->d->mapped;
	} else {
		mapped = mapped_vmemmap(sim, sim->root_pfn, sim->geo.pgtable_levels - 1, &seen);
		free(seen.k);
	}
	if (mapped != c->st.memmap_pages + c->st.memmap_boot_pages)
		report(c, UINT64_MAX,
		       FMT(e, "memmap + memmap_boot = %" PRId64 " mapped vmemmap frames", mapped),
		       FMT(g, "%" PRId64 " + %" PRId64, c->st.memmap_pages,
			   c->st.memmap_boot_pages), "memmap counters");
}

static bool check_accounting(struct check_ctx *c)
{
	struct hvo_hugetlb *hg = c->sim->hugetlb;
	uint64_t sum = 0, n;
	unsigned int h, k;
	char e[96], g[96];

	if (c->st.optimized_folios != c->nr_optimized)
		report(c, UINT64_MAX, FMT(e, "%" PRIu64 " optimized folios", c->nr_optimized),
		       FMT(g, "counter says %" PRIu64, c->st.optimized_folios), "optimized_folios");
	for (h = 0; h < hg->nr_hstates; h++) {
		n = atomic_load(&hg->hs[h].nr_optimized);
		if (n != c->nr_optimized_h[h])
			report(c, UINT64_MAX, FMT(e, "%" PRIu64, c->nr_optimized_h[h]),
			       FMT(g, "%" PRIu64, n), "%s nr_optimized", hg->hs[h].name);
	}
	/* every pfn is either free in the buddy or allocated to some kind */
	for (k = 0; k < HVO_NR_KINDS; k++)
		sum += c->st.in_use[k];
	if (sum + c->st.free_pages != c->sim->geo.nr_pfns)
		report(c, UINT64_MAX, FMT(e, "in use + free = %" PRIu64 " pfns", c->sim->geo.nr_pfns),
		       FMT(g, "%" PRIu64 " + %" PRIu64, sum, c->st.free_pages), "buddy");
	accounting_memmap(c);
	return true;
}

/*
 * Per hstate, the vmemmap pages optimize freed less those restore gave back
 * (both as the walks measured them, hugetlb.c's boot HVO pages counted as
 * freed at gather) must be what the folios' optimized flags imply:
 * hugetlb_vmemmap_optimizable_size() >> PAGE_SHIFT per optimized folio.
 * Demote restores the source in its hstate and optimizes the new folios in
 * theirs, so each hstate balances on its own.
 */
static bool check_vmemmap_pages(struct check_ctx *c)
{
	struct hvo_hugetlb *hg = c->sim->hugetlb;
	uint64_t freed, restored, per, want;
	unsigned int h;
	char e[96], g[96];

	for (h = 0; h < hg->nr_hstates; h++) {
		const struct hvo_hstate *hs = &hg->hs[h];

		freed = atomic_load(&hs->vmemmap_freed);
		restored = atomic_load(&hs->vmemmap_restored);
		per = hvo__hugetlb_vmemmap_optimizable_size(c->sim, hs->order) >>
		      c->sim->geo.page_shift;
		want = c->nr_optimized_h[h] * per;
		if (freed - restored != want)
			report(c, UINT64_MAX,
			       FMT(e, "freed - restored = %" PRIu64 " (%" PRIu64 " optimized x %"
				   PRIu64 ")", want, c->nr_optimized_h[h], per),
			       FMT(g, "%" PRIu64 " - %" PRIu64 " = %" PRId64, freed, restored,
				   (int64_t)(freed - restored)),
			       "%s vmemmap pages", hs->name);
	}
	return true;
}

/* what the walk of the page table found: each table frame once, its kind */
struct table_census {
	struct check_ctx *c;
	struct u64set seen;
	uint64_t bad;
};

bool hvo__check_table_frame(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t head;

	return block_is(sim, pfn, HVO_KIND_PGTABLE, &head) && head == pfn &&
	       (hvo__meta(sim, pfn)->flags & FMF_MACHINE);
}

static void census_table(void *ctx, uint64_t pfn, unsigned int level)
{
	struct table_census *tc = ctx;
	struct hvo_frame_info fi;
	char g[96];

	if (hvo__u64set_add(&tc->seen, pfn) == 1) {
		report(tc->c, pfn, "each table linked from one entry",
		       FMT(g, "table %#" PRIx64 " linked twice", pfn), "page table level %u",
		       level);
		tc->bad++;
	}
	if (!hvo__check_table_frame(tc->c->sim, pfn)) {
		hvo_frame_info(tc->c->sim, pfn, &fi);
		report(tc->c, pfn, "an allocated page-table frame of the machine",
		       FMT(g, "%s frame %#" PRIx64, fi.allocated ? hvo_kind_name(fi.kind) : "free",
			   pfn), "page table level %u", level);
		tc->bad++;
	}
}

/*
 * Every page-table frame the machine allocated (HVO_KIND_PGTABLE, counted
 * as it is allocated and freed) is reachable from the root, and every table
 * the root reaches is one of them: a table that is allocated and unlinked
 * is the leak hvo_sim_destroy() reports (a PMD split that lost its race and
 * kept its table), one linked and freed a use after free.
 */
static bool check_pgtable_frames(struct check_ctx *c)
{
	struct table_census tc = { .c = c };
	uint64_t reach, have = atomic_load(&c->sim->c.machine_pgtables);
	char e[96], g[96];

	if (c->d) {
		/* the tracked driver walked the tables it had to: the full check
		 * that follows any finding names the frame */
		if (c->d->census_bad)
			report(c, UINT64_MAX, "each table linked once, an allocated page-table "
			       "frame of the machine", "a table that is not", "page-table frames");
		reach = c->d->reach;
		tc.bad = c->d->census_bad;
	} else {
		reach = hvo__pgtable_for_each_table(c->sim, census_table, &tc);
		free(tc.seen.k);
	}
	if (!tc.bad && reach != have)
		report(c, UINT64_MAX, FMT(e, "%" PRIu64 " page-table frames allocated, all "
					  "reachable", have),
		       FMT(g, "%" PRIu64 " reachable from the root", reach), "page-table frames");
	return true;
}

bool hvo__check_leaf_agrees(struct hvo_sim *sim, uint64_t fe, uint64_t we, unsigned int level,
			    uint64_t v)
{
	uint64_t f = frame_in_entry(sim, we, level, v);

	return (fe & HVO_PTE_PRESENT) && flat_entry_pfn(sim, fe) == f &&
	       (fe & (HVO_PTE_RW | HVO_PTE_LAZY)) == (we & (HVO_PTE_RW | HVO_PTE_LAZY));
}

bool hvo__check_flat_agrees(struct hvo_sim *sim, uint64_t i)
{
	uint64_t v = sim->flat_base + i * sim->geo.page_size, fe = atomic_load(&sim->flat[i]);
	uint64_t *slot, we;
	unsigned int level;

	if (walk(sim, v, &slot, &level, &we))
		return !(fe & HVO_PTE_PRESENT);
	return hvo__check_leaf_agrees(sim, fe, we, level, v);
}

/* the flat view of leaf entries agrees with the page table, page by page */
static bool check_page_table(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t i, v, fe, *slot, we, f;
	unsigned int level;
	char e[96], g[96];

	if (c->d) {
		if (c->d->pt_bad)
			report(c, c->d->pt_bad_i, "the flat entry the walk gives",
			       "another", "vmemmap page %" PRIu64, c->d->pt_bad_i);
		return true;
	}
	for (i = 0; i < sim->flat_n; i++) {
		v = sim->flat_base + i * sim->geo.page_size;
		fe = atomic_load(&sim->flat[i]);
		if (walk(sim, v, &slot, &level, &we)) {
			if (fe & HVO_PTE_PRESENT) {
				report(c, i, "not mapped (as the walk says)",
				       FMT(g, "flat entry for frame %#" PRIx64, flat_entry_pfn(sim, fe)),
				       "vmemmap %#" PRIx64, v);
				return true;
			}
			continue;
		}
		if (hvo__check_leaf_agrees(sim, fe, we, level, v))
			continue;
		f = frame_in_entry(sim, we, level, v);
		report(c, f, FMT(e, "frame %#" PRIx64 " %s%s", f, we & HVO_PTE_RW ? "RW" : "RO",
				 we & HVO_PTE_LAZY ? " lazy" : ""),
		       FMT(g, "flat entry %s: frame %#" PRIx64 " %s%s",
			   fe & HVO_PTE_PRESENT ? "present" : "empty", flat_entry_pfn(sim, fe),
			   fe & HVO_PTE_RW ? "RW" : "RO", fe & HVO_PTE_LAZY ? " lazy" : ""),
		       "vmemmap %#" PRIx64, v);
		/* the first disagreement is enough: the view is stale */
		return true;
	}
	return true;
}

/* the first free head of @z whose struct page does not show the buddy's
 * state (HVO_NIL: none), its order and the word */
static uint64_t zone_free_list_bad(struct hvo_sim *sim, struct hvo_zone *z, unsigned int *order,
				   unsigned int *word, uint64_t *want, uint64_t *got)
{
	uint64_t pfn, bad = HVO_NIL;
	unsigned int o;

	pthread_mutex_lock(&z->lock);
	for (o = 0; bad == HVO_NIL && o <= HVO_MAX_ORDER_LIMIT; o++)
		for (pfn = z->free_head[o]; pfn != HVO_NIL; pfn = hvo__meta(sim, pfn)->next)
			if (!hvo__free_list_shows(sim, z, pfn, word, want, got)) {
				bad = pfn;
				*order = o;
				break;
			}
	pthread_mutex_unlock(&z->lock);
	return bad;
}

/*
 * Every free block's head, where its struct page exists yet, shows what the
 * buddy's host-side state says: PageBuddy, the order in ->private, ->lru
 * between its neighbours on the zone's free_area list.  One report per
 * zone: the first head that does not.
 */
static bool check_free_lists(struct check_ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t pfn, want = 0, got = 0;
	unsigned int n, zi, o = 0, word = 0;
	char e[96], g[96];

	for (n = 0; n < sim->cfg.nr_nodes; n++)
		for (zi = 0; zi < HVO_NR_ZONES; zi++) {
			/* the tracked driver: a zone nothing touched since its walk */
			if (c->d && !(c->d->zones & (1ull << (n * HVO_NR_ZONES + zi))))
				continue;
			pfn = zone_free_list_bad(sim, &sim->nodes[n].zones[zi], &o, &word, &want,
						 &got);
			if (pfn != HVO_NIL && c->d)
				c->d->zones_bad = true;
			if (pfn != HVO_NIL)
				report(c, pfn, FMT(e, "word %u %#" PRIx64, word, want),
				       FMT(g, "%#" PRIx64, got), "zone %u/%s free block %#" PRIx64
				       " order %u", n, hvo_zone_name((enum hvo_zone_type)zi), pfn, o);
		}
	return true;
}

/*
 * The invariants.  At each level the checks run, and report, in table order:
 * the order the checker always reported in (a folio's head, its vmemmap
 * PTEs, its struct pages; then the shared tails; then the counters), so
 * reports stay comparable from one version to the next.  The names are the
 * public ones (include/hvosim/check.h).
 */
static const struct check_inv invariants[] = {
	{ "alignment", "vmemmap base aligned to MAX_FOLIO_NR_PAGES * sizeof(struct page), "
	  "each head to 2^order * sizeof(struct page): compound_head()'s mask encoding "
	  "finds the head by masking the tail's own address",
	  CHECK_MACHINE | CHECK_FOLIO, check_alignment },
	{ "head", "the head has PG_head and PageHead() (the hugepage-vmemmap selftest: "
	  "PFN 0 is HEAD in /proc/kpageflags) and page[1] holds folio_order()",
	  CHECK_FOLIO, check_head },
	{ "layout", "optimized: vmemmap page 0 a private RW copy mapped once "
	  "(vmemmap_remap_free()), in the fake-head scheme pages 1.. map page 0's frame; "
	  "not optimized: every page its own RW frame (vmemmap_populate()); no struct "
	  "page unmapped; HPG_vmemmap_optimized only where hugetlb_vmemmap_optimizable()",
	  CHECK_VMEMMAP | CHECK_PAGE, check_layout },
	{ "frame-ownership", "a vmemmap frame belongs to at most one folio, the shared "
	  "tails excepted: page 0 stays the folio's own after vmemmap_remap_free()",
	  CHECK_VMEMMAP, check_frame_ownership },
	{ "shared-tail", "optimized pages 1.. map the one published tail of their (scope, "
	  "order), zone->vmemmap_tails[] as merged, every entry init_compound_tail(); no "
	  "shared tail frame outside a slot",
	  CHECK_VMEMMAP | CHECK_TAIL | CHECK_TOTALS, check_shared_tail },
	{ "read-only", "the remapped vmemmap pages 1.. are mapped read-only "
	  "(vmemmap_remap_pte() maps them PAGE_KERNEL_RO)",
	  CHECK_VMEMMAP, check_read_only },
	{ "encoding", "every tail's compound_info encodes its head, read through whatever "
	  "its vmemmap maps (set_compound_head(); the mask form under HVO)",
	  CHECK_PAGE, check_encoding },
	{ "compound-head", "compound_head() of the head is the head, and of every tail, "
	  "read through the shared page too, its own head",
	  CHECK_FOLIO | CHECK_PAGE, check_compound_head },
	{ "tail-flag", "PageTail() for every index > 0 (the hugepage-vmemmap selftest: "
	  "every PFN but 0 is TAIL)",
	  CHECK_PAGE, check_tail_flag },
	{ "fake-head", "PageHead() only for real heads (the same selftest: no PFN but 0 is "
	  "HEAD); page_fixed_fake_head() must hide the fake-head scheme's aliases",
	  CHECK_PAGE, check_fake_head },
	{ "tail-refcount", "tails read refcount 0, so get_page_unless_zero() never writes "
	  "them (the fake-head aliases of the head are why bd225530a4c7 needed RCU)",
	  CHECK_PAGE, check_tail_refcount },
	{ "tail-mapping", "every tail past the folio's own (index >= 4) has ->mapping "
	  "TAIL_MAPPING: free_tail_page_prepare()'s \"corrupted mapping in tail page\", "
	  "which the fake-head restore's reset_struct_pages() exists to prevent",
	  CHECK_PAGE, check_tail_mapping },
	{ "tail-node-zone", "node and zone read through any tail are the folio's: the "
	  "flags of the per-zone tail (v7, so page_zonenum() needs no special case)",
	  CHECK_PAGE, check_tail_node_zone },
	{ "shared-tail-mapcount", "each shared tail is mapped sum(N - 1) times over the "
	  "optimized folios of its (scope, order)",
	  CHECK_TAIL, check_shared_tail_mapcount },
	{ "pool", "the hstate counters agree with its folios (nr/free_huge_pages; surplus "
	  "<= nr per node); a free folio has refcount 0, an in-use one >= 1",
	  CHECK_MACHINE | CHECK_FOLIO, check_pool },
	{ "static-key", "hugetlb_optimize_vmemmap_key counts the optimized folios "
	  "(static_branch_inc() per optimize, _dec() per restore; fake-head scheme)",
	  CHECK_TOTALS, check_static_key },
	{ "accounting", "optimized_folios and each hstate's nr_optimized count the optimized "
	  "folios; buddy in use + free = all pfns; memmap_pages_add() + "
	  "memmap_boot_pages_add() = the vmemmap frames mapped",
	  CHECK_TOTALS, check_accounting },
	{ "page-table", "the flat view of leaf entries that loads use agrees with the "
	  "hierarchical page table (a model detail, no kernel rule)",
	  CHECK_TOTALS, check_page_table },
	{ "free-lists", "every free block's head, where its struct page exists, shows "
	  "the buddy's state: PageBuddy (PGTY_buddy), the order in ->private, ->lru "
	  "linked between its neighbours on zone->free_area[order] "
	  "(__add_to_free_list()), so its compound_info word is an aligned pointer",
	  CHECK_TOTALS, check_free_lists },
	{ "vmemmap-pages", "per hstate, the vmemmap pages optimize freed less those "
	  "restore allocated, as the remap walks counted them, equal the optimized "
	  "folios x hugetlb_vmemmap_optimizable_size() >> PAGE_SHIFT (boot HVO pages: "
	  "memmap_boot_pages_add(RESERVE_SIZE / PAGE_SIZE), the rest counted freed)",
	  CHECK_TOTALS, check_vmemmap_pages },
	{ "pgtable-frames", "every page-table frame the machine allocated is reachable "
	  "from the root once, and every table the walk reaches is one of them "
	  "(allocated HVO_KIND_PGTABLE): no table leaked by a lost PMD-split race, "
	  "none used after its free",
	  CHECK_TOTALS, check_pgtable_frames },
};

#define NR_INVARIANTS (sizeof(invariants) / sizeof(invariants[0]))
_Static_assert(NR_INVARIANTS <= 32, "check_ctx.reported has a bit per invariant");

/* ---- the driver ---- */

void hvo__check_run(struct check_ctx *c, unsigned int level)
{
	c->level = level;
	for (c->inv = 0; c->inv < NR_INVARIANTS; c->inv++) {
		if (!(invariants[c->inv].levels & level))
			continue;
		c->name = invariants[c->inv].name;
		if (!invariants[c->inv].check(c))
			return;
	}
}

static int cmp_snap(const void *a, const void *b)
{
	const struct folio_snap *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

int hvo__check_snapshot(struct check_ctx *c, struct folio_snap **fsp, uint64_t *nfp)
{
	struct hvo_hugetlb *hg = c->sim->hugetlb;
	struct hvo_folio_iter it;
	struct hvo_folio *f;
	struct folio_snap *fs;
	uint64_t nf = 0;

	pthread_mutex_lock(&hg->lock);
	/* one walk of the registry (it is walked for every check): it holds
	 * hg->count folios, as hvo_folio_list() counts on too */
	fs = malloc((hg->count + 1) * sizeof(*fs));
	if (!fs) {
		pthread_mutex_unlock(&hg->lock);
		return hvo__err(-ENOMEM, "check: out of host memory");
	}
	for_each_hvo_folio(c->sim, &it, f) {
		if (nf > hg->count)	/* a registry that lost count: no overrun */
			break;
		fs[nf++] = (struct folio_snap){ f->pfn, f->h, f->nid, f->zone, f->state };
		c->nr[f->h]++;
		if (f->state == HVO_FOLIO_FREE)
			c->free[f->h]++;
	}
	hvo__check_run(c, CHECK_MACHINE);
	pthread_mutex_unlock(&hg->lock);
	qsort(fs, nf, sizeof(*fs), cmp_snap);
	*fsp = fs;
	*nfp = nf;
	return 0;
}

void hvo__check_count_optimized(struct check_ctx *c, const struct folio_snap *s)
{
	struct hvo_sim *sim = c->sim;
	unsigned int order = sim->hugetlb->hs[s->h].order;
	unsigned int idx = order - sim->geo.vmemmap_tail_min_order;
	uint64_t need = hvo__hugetlb_vmemmap_pages(sim, order) - 1;

	c->nr_optimized++;
	c->nr_optimized_h[s->h]++;
	if (sim->cfg.scheme != HVO_SCHEME_SHARED_TAIL)
		return;
	c->users_zone[s->nid][s->zone][idx] += need;
	c->users_node[s->nid][idx] += need;
	c->users_hstate[s->h] += need;
}

void hvo__check_folio_begin(struct check_ctx *c, const struct folio_snap *s)
{
	struct hvo_sim *sim = c->sim;
	const struct hvo_hstate *hs = &sim->hugetlb->hs[s->h];
	_Atomic uint64_t *slot, *users;
	uint64_t sv;

	c->f.s = s;
	c->f.hs = hs;
	c->f.head = hvo_pfn_to_page(sim, s->pfn);
	c->f.nr_pages = 1ull << hs->order;
	c->f.info = hvo_compound_info_value(sim, c->f.head, hs->order);
	c->f.vmemmap_pages = hvo__hugetlb_vmemmap_pages(sim, hs->order);
	hvo_vmemmap_range(sim, s->pfn, c->f.nr_pages, &c->f.start, &c->f.end);
	c->f.vstart = c->f.start & ~(sim->geo.page_size - 1);
	c->f.flag = hvo__folio_test_optimized(sim, s->pfn);
	c->f.optimized = c->f.flag && hs->optimizable;
	c->f.tail = HVO_NIL;
	if (c->f.optimized && c->fake) {
		/* the fake-head scheme maps pages 1.. to page 0's frame */
		if (hvo__vmm_frame_of(sim, c->f.vstart, &c->f.tail, NULL))
			c->f.tail = HVO_NIL;
	} else if (c->f.optimized) {
		hvo__tail_slot(sim, s->h, s->nid, s->zone, &slot, &users);
		sv = atomic_load(slot);
		if (sv)
			c->f.tail = (sv - sim->geo.vmemmap_base) / sim->geo.stride;
	}
	c->once = true;
	c->reported = 0;
	c->v.rw = false;
	c->pw.idx = HVO_NIL;
}

void hvo__check_scan_vmemmap(struct check_ctx *c, uint64_t k)
{
	uint64_t fr;

	/*
	 * A missing PTE leaves rw as the previous page's, as the checker always
	 * has: see check_read_only().
	 */
	c->v.k = k;
	if (hvo__vmm_frame_of(c->sim, c->f.vstart + k * c->sim->geo.page_size, &fr, &c->v.rw))
		fr = HVO_NIL;
	c->v.frame = fr;
	hvo__check_run(c, CHECK_VMEMMAP);
}

/*
 * Word @w of the struct page being walked, as hvo_page_read() reads it (a
 * word the stride drops reads 0; the page is the machine's): through the
 * flat view's entry for its vmemmap page, kept while the walk stays in
 * that page -- a present entry does not change under a check (a lazy one
 * does, when read: it goes the load's own way).
 */
static int page_word(struct check_ctx *c, unsigned int w, uint64_t *v)
{
	struct hvo_sim *sim = c->sim;
	int off = sim->word_off[w];
	uint64_t va, idx, e;

	*v = 0;
	if (off < 0)
		return 0;
	va = c->p.page + 8u * (unsigned int)off;
	idx = (va - sim->flat_base) >> sim->geo.page_shift;
	if (idx != c->pw.idx) {
		e = idx < sim->flat_n ? atomic_load(&sim->flat[idx]) : 0;
		if ((e & (HVO_PTE_PRESENT | HVO_PTE_LAZY)) != HVO_PTE_PRESENT)
			return hvo__vmm_load_inline(sim, va, v);
		c->pw.idx = idx;
		c->pw.base = (const uint8_t *)(uintptr_t)(e & HVO_FLAT_ADDR);
	}
	*v = __atomic_load_n((const uint64_t *)(c->pw.base + (va & sim->page_mask)),
			     __ATOMIC_ACQUIRE);
	return 0;
}

/*
 * A tail that reads right, in one look at its words: compound_info encoding
 * the head (so PageTail()), no PG_head (so PageHead() is false before any
 * page_fixed_fake_head()), refcount 0, TAIL_MAPPING past the folio's own
 * pages, the folio's node and zone, and compound_head() the head.  Every
 * PAGE check then passes -- the accessors they call decode these same
 * words -- and none needs to run; anything else (an alias of the head, an
 * unreadable word, a wrong one) runs them one by one, and they report.
 */
static bool page_reads_right(struct check_ctx *c)
{
	uint64_t info, flags, counts, mapping = HVO_TAIL_MAPPING;
	const uint64_t nmask = (1u << HVO_NODES_SHIFT) - 1, zmask = (1u << HVO_ZONES_SHIFT) - 1;

	if (c->p.alias_of_head || page_word(c, HVO_PW_COMPOUND_INFO, &info) ||
	    info != c->f.info || page_word(c, HVO_PW_FLAGS, &flags) ||
	    page_word(c, HVO_PW_COUNTS, &counts) ||
	    (c->p.i >= FOLIO_META_PAGES && page_word(c, HVO_PW_MAPPING, &mapping)))
		return false;
	return !(flags & (1ull << HVO_PG_head)) && !(counts >> 32) &&
	       mapping == HVO_TAIL_MAPPING &&
	       ((flags >> HVO_NODES_PGSHIFT) & nmask) == c->f.s->nid &&
	       ((flags >> HVO_ZONES_PGSHIFT) & zmask) == c->f.s->zone &&
	       hvo_compound_head(c->sim, c->p.page) == c->f.head;
}

void hvo__check_scan_page(struct check_ctx *c, uint64_t i, bool alias_of_head)
{
	c->rep->pages++;
	c->p.i = i;
	c->p.page = c->f.head + i * c->sim->geo.stride;
	c->p.alias_of_head = alias_of_head;
	if (page_reads_right(c))
		return;
	c->p.info = 0;
	c->p.mapped = !hvo_page_read(c->sim, c->p.page, HVO_PW_COMPOUND_INFO, &c->p.info);
	hvo__check_run(c, CHECK_PAGE);
}

void hvo__check_scan_folio(struct check_ctx *c, const struct folio_snap *s)
{
	uint64_t R = hvo__hugetlb_vmemmap_reserve_pages(c->sim), ps = c->sim->geo.page_size, k, i;

	c->rep->folios++;
	hvo__check_folio_begin(c, s);
	hvo__check_run(c, CHECK_FOLIO);
	if (c->f.optimized) {
		for (k = 0; k < c->f.vmemmap_pages; k++)
			hvo__check_scan_vmemmap(c, k);
		/* the head page's own struct pages, then one through each
		 * remapped page: the rest of a remapped page reads the same */
		for (i = 1; i < R && i < c->f.nr_pages; i++)
			hvo__check_scan_page(c, i, false);
		for (k = 1; k < c->f.vmemmap_pages; k++)
			hvo__check_scan_page(c, k * R, c->fake);
		return;
	}
	for (k = 0; k * ps < c->f.end - c->f.vstart; k++)
		hvo__check_scan_vmemmap(c, k);
	for (i = 1; i < c->f.nr_pages; i++)
		hvo__check_scan_page(c, i, false);
}

/* one published shared tail: the TAIL checks */
struct tail_walk {
	bool (*clean)(void *arg, unsigned int slot, uint64_t frame);
	void *arg;
	unsigned int slot;		/* slots looked at so far */
};

static void scan_tail(struct check_ctx *c, struct tail_walk *tw, _Atomic uint64_t *slot,
		      unsigned int h, int nid, int zone, uint64_t users)
{
	uint64_t sv = atomic_load(slot);

	tw->slot++;
	if (!sv)
		return;
	c->slots++;
	c->t.frame = (sv - c->sim->geo.vmemmap_base) / c->sim->geo.stride;
	if (c->d)
		c->d->tail_clean = tw->clean && tw->clean(tw->arg, tw->slot - 1, c->t.frame);
	c->t.order = c->sim->hugetlb->hs[h].order;
	c->t.h = h;
	c->t.nid = nid;
	c->t.zone = zone;
	c->t.users = users;
	c->once = true;
	c->reported = 0;
	hvo__check_run(c, CHECK_TAIL);
}

void hvo__check_scan_tails(struct check_ctx *c,
			   bool (*clean)(void *arg, unsigned int slot, uint64_t frame), void *arg)
{
	struct hvo_sim *sim = c->sim;
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct tail_walk tw = { clean, arg, 0 };
	unsigned int h, n, z, idx;

	for (h = 0; h < hg->nr_hstates; h++) {
		struct hvo_hstate *hs = &hg->hs[h];

		if (!hs->optimizable)
			continue;
		idx = hs->order - sim->geo.vmemmap_tail_min_order;
		for (n = 0; n < sim->cfg.nr_nodes; n++) {
			for (z = 0; z < HVO_NR_ZONES; z++) {
				scan_tail(c, &tw, &sim->nodes[n].zones[z].vmemmap_tails[idx],
					  h, (int)n, (int)z, c->users_zone[n][z][idx]);
			}
			if (sim->cfg.tail_scope != HVO_SCOPE_NODE)
				continue;
			scan_tail(c, &tw, &sim->nodes[n].vmemmap_tails[idx], h, (int)n, -1,
				  c->users_node[n][idx]);
		}
		if (sim->cfg.tail_scope != HVO_SCOPE_HSTATE)
			continue;
		scan_tail(c, &tw, &hs->vmemmap_tail, h, -1, -1, c->users_hstate[h]);
	}
}

void hvo__check_ctx_init(struct check_ctx *c, struct hvo_sim *sim, struct hvo_report *rep,
			 struct check_delta *d)
{
	unsigned int n = sim->cfg.nr_nodes;

	/* the per-node tables are large: only the machine's nodes */
	memset(c, 0, offsetof(struct check_ctx, users_zone));
	memset(c->users_zone, 0, n * sizeof(c->users_zone[0]));
	memset(c->users_node, 0, n * sizeof(c->users_node[0]));
	c->sim = sim;
	c->rep = rep;
	c->d = d;
	c->fake = sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD;
	/* the violations past nr are not read: a report is 70 KiB */
	rep->count = rep->nr = rep->folios = rep->pages = 0;
}

int64_t hvo__check_full(struct hvo_sim *sim, struct hvo_report *rep)
{
	struct check_ctx ctx, *c = &ctx;
	struct folio_snap *fs = NULL;
	uint64_t nf = 0, i;
	int r;

	hvo__check_ctx_init(c, sim, rep, NULL);
	r = hvo__check_snapshot(c, &fs, &nf);
	if (r)
		return r;
	for (i = 0; i < nf; i++) {
		hvo__check_scan_folio(c, &fs[i]);
		if (c->f.optimized)
			hvo__check_count_optimized(c, &fs[i]);
	}
	if (sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL)
		hvo__check_scan_tails(c, NULL, NULL);
	hvo_sim_stats(sim, &c->st);
	c->once = false;
	hvo__check_run(c, CHECK_TOTALS);
	free(c->owned.k);
	free(fs);
	return (int64_t)rep->count;
}

HVO_EXPORT void hvo_report_print(const struct hvo_report *rep, FILE *out)
{
	uint64_t i;

	HVO_NONNULL_OR("report_print", rep, );
	HVO_NONNULL_OR("report_print", out, );
	for (i = 0; i < rep->nr; i++) {
		const struct hvo_violation *v = &rep->v[i];

		fprintf(out, "VIOLATION %s at %s: expected %s, found %s\n", v->invariant,
			v->where, v->expected, v->found);
	}
	if (rep->count > rep->nr)
		fprintf(out, "... and %" PRIu64 " more\n", rep->count - rep->nr);
}

HVO_EXPORT uint64_t hvo_report_has(const struct hvo_report *rep, const char *invariant)
{
	uint64_t i, n = 0;

	HVO_NONNULL_OR("report_has", rep, 0);
	HVO_NONNULL_OR("report_has", invariant, 0);
	for (i = 0; i < rep->nr; i++)
		if (!strcmp(rep->v[i].invariant, invariant))
			n++;
	return n;
}
