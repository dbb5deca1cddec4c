// SPDX-License-Identifier: MIT
/*
 * check.c - hvo_check(): every invariant of "Implications for a userspace
 * simulator" (reference/kernel-hvo.md), applied per scheme:
 *
 *   encoding, compound-head, tail-flag: every tail of every folio, read
 *     through whatever its vmemmap maps, encodes and decodes to its head;
 *   head, fake-head: PageHead() only for real heads (page_fixed_fake_head()
 *     must hide the aliases of the fake-head scheme);
 *   tail-refcount: tails read refcount 0 (except the fake-head scheme's
 *     aliases of the head, which is exactly why it needed RCU);
 *   tail-node-zone: node and zone through any tail are the folio's (the
 *     reason the kernel moved to per-zone tails);
 *   alignment: vmemmap base and head struct pages naturally aligned;
 *   layout, read-only: page 0 private RW, pages 1.. the shared tail (or the
 *     head copy) RO, or every page its own RW frame when not optimized;
 *   shared-tail, shared-tail-mapcount: one published, correctly initialised
 *     frame per (scope, order), mapped exactly sum(N - 1) times, no orphans;
 *   frame-ownership: a vmemmap frame belongs to at most one folio;
 *   static-key, accounting, pool: counters agree with the machine.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugetlb_internal.h"
#include "hugetlb_vmemmap.h"
#include "vmm.h"

struct u64set {
	uint64_t *k;
	uint64_t cap, n;
};

static int set_add(struct u64set *s, uint64_t key)
{
	uint64_t i;

	if ((s->n + 1) * 2 > s->cap) {
		uint64_t ncap = s->cap ? s->cap * 2 : 1024, j;
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
	}
	for (i = (key * 0x9e3779b97f4a7c15ull >> 20) & (s->cap - 1); s->k[i] != UINT64_MAX;
	     i = (i + 1) & (s->cap - 1))
		if (s->k[i] == key)
			return 1;
	s->k[i] = key;
	s->n++;
	return 0;
}

struct ctx {
	struct hvo_sim *sim;
	struct hvo_report *rep;
	uint32_t dedup;		/* per folio: invariants already reported */
};

enum {
	I_ENCODING, I_CHEAD, I_HEAD, I_FAKEHEAD, I_TAILFLAG, I_TAILREF, I_NODEZONE,
	I_ALIGN, I_LAYOUT, I_RO, I_SHARED, I_SHAREDMAP, I_OWNER, I_KEY, I_ACCT, I_POOL,
	I_PGTABLE,
};
static const char *const inv_names[] = {
	"encoding", "compound-head", "head", "fake-head", "tail-flag", "tail-refcount",
	"tail-node-zone", "alignment", "layout", "read-only", "shared-tail",
	"shared-tail-mapcount", "frame-ownership", "static-key", "accounting", "pool",
	"page-table",
};

__attribute__((format(printf, 6, 7)))
static void viol(struct ctx *c, int inv, uint64_t pfn, const char *expected,
		 const char *found, const char *wfmt, ...)
{
	struct hvo_report *rep = c->rep;
	struct hvo_violation *v;
	va_list ap;

	if (c->dedup & (1u << inv))
		return;
	c->dedup |= 1u << inv;
	rep->count++;
	if (rep->nr >= HVO_REPORT_MAX)
		return;
	v = &rep->v[rep->nr++];
	v->invariant = inv_names[inv];
	v->pfn = pfn;
	va_start(ap, wfmt);
	vsnprintf(v->where, sizeof(v->where), wfmt, ap);
	va_end(ap);
	snprintf(v->expected, sizeof(v->expected), "%s", expected);
	snprintf(v->found, sizeof(v->found), "%s", found);
}

#define FMT(buf, ...) (snprintf(buf, sizeof(buf), __VA_ARGS__), buf)

struct fsnap {
	uint64_t pfn, tail_page;
	unsigned int h, nid, zone, state;
};

static void check_tail(struct ctx *c, const struct fsnap *f, uint64_t head,
		       unsigned int order, uint64_t i, bool alias_of_head)
{
	struct hvo_sim *sim = c->sim;
	uint64_t page = head + i * sim->geo.stride, info = 0, exp;
	unsigned int nid = 0, zone = 0;
	char e[96], g[96];
	int32_t ref = 0;

	c->rep->pages++;
	if (hvo_page_read(sim, page, HVO_PW_COMPOUND_INFO, &info)) {
		viol(c, I_LAYOUT, f->pfn, "mapped", "unmapped", "folio %#" PRIx64 " page %" PRIu64,
		     f->pfn, i);
		return;
	}
	exp = hvo_compound_info_value(sim, head, order);
	/* a fake head reads the head's words: its encoding is the head's */
	if (!alias_of_head && info != exp)
		viol(c, I_ENCODING, f->pfn, FMT(e, "compound_info %#" PRIx64, exp),
		     FMT(g, "%#" PRIx64, info), "folio %#" PRIx64 " tail %" PRIu64, f->pfn, i);
	if (hvo_compound_head(sim, page) != head)
		viol(c, I_CHEAD, f->pfn, FMT(e, "compound_head %#" PRIx64, head),
		     FMT(g, "%#" PRIx64, hvo_compound_head(sim, page)),
		     "folio %#" PRIx64 " tail %" PRIu64, f->pfn, i);
	if (hvo_page_tail(sim, page) != 1)
		viol(c, I_TAILFLAG, f->pfn, "PageTail", "not a tail",
		     "folio %#" PRIx64 " tail %" PRIu64, f->pfn, i);
	if (hvo_page_head(sim, page) != 0)
		viol(c, I_FAKEHEAD, f->pfn, "PageHead false", "PageHead true (a fake head)",
		     "folio %#" PRIx64 " tail %" PRIu64, f->pfn, i);
	if (!alias_of_head && (hvo_page_refcount(sim, page, &ref) || ref != 0))
		viol(c, I_TAILREF, f->pfn, "refcount 0", FMT(g, "refcount %d", ref),
		     "folio %#" PRIx64 " tail %" PRIu64, f->pfn, i);
	hvo_page_node_zone(sim, page, &nid, &zone);
	if (nid != f->nid || zone != f->zone)
		viol(c, I_NODEZONE, f->pfn,
		     FMT(e, "node %u zone %s", f->nid, hvo_zone_name((enum hvo_zone_type)f->zone)),
		     FMT(g, "node %u zone %s", nid, hvo_zone_name((enum hvo_zone_type)zone)),
		     "folio %#" PRIx64 " tail %" PRIu64 "%s", f->pfn, i,
		     i >= hvo__hugetlb_vmemmap_reserve_pages(sim) ? " (through its shared tail)" : "");
}

static uint64_t frame_of(struct hvo_sim *sim, uint64_t v, bool *rw)
{
	uint64_t fr = HVO_NIL;

	if (hvo__vmm_frame_of(sim, v, &fr, rw))
		return HVO_NIL;
	return fr;
}

static void check_folio(struct ctx *c, const struct fsnap *f, struct u64set *owned)
{
	struct hvo_sim *sim = c->sim;
	struct hvo_hstate *h = &sim->hugetlb->hs[f->h];
	uint64_t n = 1ull << h->order, head = hvo_pfn_to_page(sim, f->pfn);
	uint64_t R = hvo__hugetlb_vmemmap_reserve_pages(sim), vp = hvo__hugetlb_vmemmap_pages(sim, h->order);
	uint64_t start, end, k, i, f0, fr, order_v = 0, tailframe = HVO_NIL;
	bool opt = hvo__folio_test_optimized(sim, f->pfn), rw, fake;
	char e[96], g[96];
	int32_t ref;

	c->dedup = 0;
	c->rep->folios++;
	fake = sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD;
	if (sim->geo.mask_encoding && (head & (n * sim->geo.stride - 1)))
		viol(c, I_ALIGN, f->pfn, "head struct page aligned to 2^order * stride",
		     FMT(g, "%#" PRIx64, head), "folio %#" PRIx64, f->pfn);
	/* the head */
	if (hvo_page_test_flag(sim, head, HVO_PG_head) != 1 || hvo_page_head(sim, head) != 1)
		viol(c, I_HEAD, f->pfn, "PG_head and PageHead", "not a head",
		     "folio %#" PRIx64, f->pfn);
	hvo_folio_get(sim, head, HVO_FOLIO_ORDER, &order_v);
	if (order_v != h->order)
		viol(c, I_HEAD, f->pfn, FMT(e, "folio order %u", h->order),
		     FMT(g, "%" PRIu64, order_v), "folio %#" PRIx64 " page[1]", f->pfn);
	if (hvo_compound_head(sim, head) != head)
		viol(c, I_CHEAD, f->pfn, "head decodes to itself", "another page",
		     "folio %#" PRIx64, f->pfn);
	if (!hvo_page_refcount(sim, head, &ref) &&
	    ((f->state == HVO_FOLIO_FREE && ref != 0) || (f->state == HVO_FOLIO_ACTIVE && ref < 1)))
		viol(c, I_POOL, f->pfn, f->state == HVO_FOLIO_FREE ? "refcount 0 (free)" :
		     "refcount >= 1 (in use)", FMT(g, "%d", ref), "folio %#" PRIx64, f->pfn);
	if (opt && !h->optimizable)
		viol(c, I_LAYOUT, f->pfn, "not optimized (hstate not optimizable)",
		     "HPG_vmemmap_optimized set", "folio %#" PRIx64, f->pfn);

	/* the vmemmap layout */
	hvo_vmemmap_range(sim, f->pfn, n, &start, &end);
	f0 = frame_of(sim, start & ~(sim->geo.page_size - 1), &rw);
	if (opt && h->optimizable) {
		struct hvo_frame_info fi;

		if (f0 == HVO_NIL || !rw)
			viol(c, I_LAYOUT, f->pfn, "page 0 mapped RW to a private copy",
			     f0 == HVO_NIL ? "unmapped" : "read-only", "folio %#" PRIx64, f->pfn);
		if (!fake && f0 != HVO_NIL &&
		    atomic_load(&hvo__meta(sim, f0)->vmap_count) != 1)
			viol(c, I_LAYOUT, f->pfn, "head page mapped once",
			     FMT(g, "mapped %u times", atomic_load(&hvo__meta(sim, f0)->vmap_count)),
			     "folio %#" PRIx64, f->pfn);
		if (f0 != HVO_NIL && set_add(owned, f0) == 1)
			viol(c, I_OWNER, f->pfn, "head frame private to the folio",
			     FMT(g, "frame %#" PRIx64 " is also another folio's", f0),
			     "folio %#" PRIx64, f->pfn);
		if (!fake) {
			_Atomic uint64_t *slot, *users;
			uint64_t sv;

			hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
			sv = atomic_load(slot);
			tailframe = sv ? (sv - sim->geo.vmemmap_base) / sim->geo.stride : HVO_NIL;
		} else {
			tailframe = f0;
		}
		for (k = 1; k < vp; k++) {
			fr = frame_of(sim, start + k * sim->geo.page_size, &rw);
			if (fr != tailframe) {
				hvo_frame_info(sim, fr == HVO_NIL ? 0 : fr, &fi);
				viol(c, fake ? I_LAYOUT : I_SHARED, f->pfn,
				     FMT(e, fake ? "page %" PRIu64 " -> head copy %#" PRIx64 :
					 "page %" PRIu64 " -> the (scope, order) tail %#" PRIx64, k,
					 tailframe),
				     FMT(g, "frame %#" PRIx64 " (%s)", fr,
					 fr == HVO_NIL ? "unmapped" : hvo_kind_name(fi.kind)),
				     "folio %#" PRIx64, f->pfn);
			}
			if (rw)
				viol(c, I_RO, f->pfn, "tail vmemmap page read-only", "writable",
				     "folio %#" PRIx64 " page %" PRIu64, f->pfn, k);
		}
		for (i = 1; i < R && i < n; i++)
			check_tail(c, f, head, h->order, i, false);
		for (k = 1; k < vp; k++)
			check_tail(c, f, head, h->order, k * R, fake);
		return;
	}
	/* not optimized: every page its own RW frame */
	for (k = 0; k * sim->geo.page_size < end - (start & ~(sim->geo.page_size - 1)); k++) {
		uint64_t v = (start & ~(sim->geo.page_size - 1)) + k * sim->geo.page_size;

		fr = frame_of(sim, v, &rw);
		if (fr == HVO_NIL || !rw) {
			viol(c, I_LAYOUT, f->pfn, "every vmemmap page mapped RW",
			     fr == HVO_NIL ? "unmapped" : "read-only",
			     "folio %#" PRIx64 " page %" PRIu64, f->pfn, k);
			continue;
		}
		/* pages at the folio's edges may be shared with a neighbour when
		 * the stride is not a power of 2, and a folio whose struct pages
		 * fill less than a page shares it with its neighbours */
		if (sim->geo.hvo_possible && !(start & (sim->geo.page_size - 1)) &&
		    !(end & (sim->geo.page_size - 1)) && set_add(owned, fr) == 1)
			viol(c, I_OWNER, f->pfn, "vmemmap frame private to the folio",
			     FMT(g, "frame %#" PRIx64 " is also mapped for another folio", fr),
			     "folio %#" PRIx64 " page %" PRIu64, f->pfn, k);
	}
	for (i = 1; i < n; i++)
		check_tail(c, f, head, h->order, i, false);
}

static void check_tail_frame(struct ctx *c, uint64_t sv, unsigned int order,
			     int nid, int zone, uint64_t users, const char *where)
{
	struct hvo_sim *sim = c->sim;
	uint64_t frame = (sv - sim->geo.vmemmap_base) / sim->geo.stride, i, words[HVO_NR_PAGE_WORDS];
	const uint64_t *b;
	struct hvo_frame_info fi;
	unsigned int w;
	char g[96];

	c->dedup = 0;
	hvo_frame_info(sim, frame, &fi);
	if (!fi.allocated || fi.kind != HVO_KIND_SHARED_TAIL) {
		viol(c, I_SHARED, frame, "an allocated shared tail frame",
		     FMT(g, "%s frame %#" PRIx64, fi.allocated ? hvo_kind_name(fi.kind) : "free",
			 frame), "%s", where);
		return;
	}
	b = hvo_frame_bytes(sim, frame);
	hvo_init_compound_tail(sim, words, 0, order, nid < 0 ? 0 : (unsigned int)nid,
			       zone < 0 ? 0 : (unsigned int)zone);
	for (i = 0; b && i < hvo__hugetlb_vmemmap_reserve_pages(sim); i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
			uint64_t got;

			if (sim->word_off[w] < 0)
				continue;
			got = __atomic_load_n(&b[i * (sim->geo.stride / 8) +
						 (unsigned int)sim->word_off[w]], __ATOMIC_RELAXED);
			if (w == HVO_PW_FLAGS) {
				/* node/zone are checked per folio; here only when known */
				if ((nid < 0 || zone < 0) || got == words[w])
					continue;
			}
			if (got != words[w])
				viol(c, I_SHARED, frame,
				     "every entry init_compound_tail() of its order",
				     FMT(g, "entry %" PRIu64 " word %u = %#" PRIx64, i, w, got),
				     "%s", where);
		}
	if (atomic_load(&hvo__meta(sim, frame)->vmap_count) != users)
		viol(c, I_SHAREDMAP, frame, "mapped sum(N - 1) times by its folios",
		     FMT(g, "mapped %u times, folios need %" PRIu64,
			 atomic_load(&hvo__meta(sim, frame)->vmap_count), users), "%s", where);
}

/* the flat view of leaf entries agrees with the page table, page by page */
static void check_flat(struct ctx *c)
{
	struct hvo_sim *sim = c->sim;
	uint64_t i, ps = sim->geo.page_size;
	char e[96], g[96];

	c->dedup = 0;
	for (i = 0; i < sim->flat_n; i++) {
		uint64_t v = sim->flat_base + i * ps, fe = atomic_load(&sim->flat[i]), *slot, we, f;
		unsigned int level;

		if (walk(sim, v, &slot, &level, &we)) {
			if (fe & HVO_PTE_PRESENT)
				viol(c, I_PGTABLE, i, "not mapped (as the walk says)",
				     FMT(g, "flat entry %#" PRIx64, fe), "vmemmap %#" PRIx64, v);
			continue;
		}
		f = frame_in_entry(sim, we, level, v);
		if (!(fe & HVO_PTE_PRESENT) || entry_pfn(fe) != f ||
		    (fe & (HVO_PTE_RW | HVO_PTE_LAZY)) != (we & (HVO_PTE_RW | HVO_PTE_LAZY)))
			viol(c, I_PGTABLE, f,
			     FMT(e, "frame %#" PRIx64 " %s%s", f, we & HVO_PTE_RW ? "RW" : "RO",
				 we & HVO_PTE_LAZY ? " lazy" : ""),
			     FMT(g, "flat entry %#" PRIx64, fe), "vmemmap %#" PRIx64, v);
	}
}

/* vmemmap frames the page table maps, each counted once */
static int64_t mapped_vmemmap(struct hvo_sim *sim, uint64_t tpfn, unsigned int level,
			      struct u64set *multi)
{
	const uint64_t *t = (const uint64_t *)hvo__frame(sim, tpfn);
	unsigned int i;
	int64_t n = 0;

	for (i = 0; i < sim->level_entries[level]; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED), pfn, span, j;
		struct hvo_frame_info fi;

		if (!(e & HVO_PTE_PRESENT))
			continue;
		pfn = (e & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT;
		if (level && !(e & HVO_PTE_LEAF)) {
			n += mapped_vmemmap(sim, pfn, level - 1, multi);
			continue;
		}
		span = 1ull << (sim->level_shift[level] - sim->geo.page_shift);
		for (j = 0; j < span; j++) {
			if (j == 0 || level == 0)
				hvo_frame_info(sim, pfn + j, &fi);
			if (!fi.allocated || fi.kind != HVO_KIND_VMEMMAP)
				continue;
			if (atomic_load(&hvo__meta(sim, pfn + j)->vmap_count) > 1) {
				if (set_add(multi, pfn + j) == 0)
					n++;
			} else {
				n++;
			}
		}
	}
	return n;
}

static int cmp_snap(const void *a, const void *b)
{
	const struct fsnap *x = a, *y = b;

	return x->pfn < y->pfn ? -1 : x->pfn > y->pfn;
}

HVO_EXPORT int64_t hvo_check(struct hvo_sim *sim, struct hvo_report *rep)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct ctx c = { .sim = sim, .rep = rep };
	struct u64set owned = { 0 }, multi = { 0 };
	struct fsnap *fs;
	uint64_t nf = 0, i, users_need[HVO_MAX_NODES][HVO_NR_ZONES][32] = { { { 0 } } };
	uint64_t node_need[HVO_MAX_NODES][32] = { { 0 } }, hs_need[HVO_MAX_HSTATES] = { 0 };
	uint64_t nopt = 0, nopt_h[HVO_MAX_HSTATES] = { 0 }, slots = 0, sum = 0;
	uint64_t cnt_nr[HVO_MAX_HSTATES] = { 0 }, cnt_free[HVO_MAX_HSTATES] = { 0 };
	struct hvo_stats st;
	unsigned int n, z, h, k;
	int64_t mapped;
	char e[96], g[96];

	if (!sim || !rep)
		return hvo__err(-EINVAL, "check: NULL argument");
	memset(rep, 0, sizeof(*rep));
	if (sim->geo.mask_encoding &&
	    sim->geo.vmemmap_base % ((1ull << sim->geo.max_folio_order) * sim->geo.stride))
		viol(&c, I_ALIGN, UINT64_MAX, "vmemmap base aligned to MAX_FOLIO_NR_PAGES * stride",
		     FMT(g, "%#" PRIx64, sim->geo.vmemmap_base), "vmemmap_base");

	pthread_mutex_lock(&hg->lock);
	fs = malloc((hg->count + 1) * sizeof(*fs));
	if (!fs) {
		pthread_mutex_unlock(&hg->lock);
		return hvo__err(-ENOMEM, "check: out of host memory");
	}
	for (i = 0; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (!f || f == HVO_FOLIO_TOMB)
			continue;
		fs[nf++] = (struct fsnap){ f->pfn, f->tail_page, f->h, f->nid, f->zone, f->state };
		cnt_nr[f->h]++;
		if (f->state == HVO_FOLIO_FREE)
			cnt_free[f->h]++;
	}
	for (h = 0; h < hg->nr_hstates; h++)
		for (n = 0; n < sim->cfg.nr_nodes; n++)
			if (hg->hs[h].surplus_node[n] > hg->hs[h].nr_node[n]) {
				c.dedup = 0;
				viol(&c, I_POOL, UINT64_MAX, "surplus <= nr_huge_pages on the node",
				     FMT(g, "surplus %" PRIu64 " of %" PRIu64,
					 hg->hs[h].surplus_node[n], hg->hs[h].nr_node[n]),
				     "%s node %u", hg->hs[h].name, n);
			}
	for (h = 0; h < hg->nr_hstates; h++)
		if (cnt_nr[h] != hg->hs[h].nr || cnt_free[h] != hg->hs[h].free) {
			c.dedup = 0;
			viol(&c, I_POOL, UINT64_MAX,
			     FMT(e, "nr %" PRIu64 " free %" PRIu64, cnt_nr[h], cnt_free[h]),
			     FMT(g, "nr %" PRIu64 " free %" PRIu64, hg->hs[h].nr, hg->hs[h].free),
			     "%s counters", hg->hs[h].name);
		}
	pthread_mutex_unlock(&hg->lock);
	qsort(fs, nf, sizeof(*fs), cmp_snap);

	for (i = 0; i < nf; i++) {
		struct hvo_hstate *hs = &hg->hs[fs[i].h];
		bool opt;

		check_folio(&c, &fs[i], &owned);
		opt = hvo__folio_test_optimized(sim, fs[i].pfn);
		if (!opt || !hs->optimizable)
			continue;
		nopt++;
		nopt_h[fs[i].h]++;
		if (sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL) {
			unsigned int idx = hs->order - sim->geo.vmemmap_tail_min_order;
			uint64_t need = hvo__hugetlb_vmemmap_pages(sim, hs->order) - 1;

			users_need[fs[i].nid][fs[i].zone][idx] += need;
			node_need[fs[i].nid][idx] += need;
			hs_need[fs[i].h] += need;
		}
	}

	/* the shared tails */
	if (sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL) {
		for (h = 0; h < hg->nr_hstates; h++) {
			struct hvo_hstate *hs = &hg->hs[h];
			unsigned int idx;
			char where[64];

			if (!hs->optimizable)
				continue;
			idx = hs->order - sim->geo.vmemmap_tail_min_order;
			for (n = 0; n < sim->cfg.nr_nodes; n++) {
				for (z = 0; z < HVO_NR_ZONES; z++) {
					uint64_t sv = atomic_load(&sim->nodes[n].zones[z].vmemmap_tails[idx]);

					if (!sv)
						continue;
					slots++;
					snprintf(where, sizeof(where), "zone %u/%s order %u tail", n,
						 hvo_zone_name((enum hvo_zone_type)z), hs->order);
					check_tail_frame(&c, sv, hs->order, (int)n, (int)z,
							 users_need[n][z][idx], where);
				}
				if (sim->cfg.tail_scope == HVO_SCOPE_NODE) {
					uint64_t sv = atomic_load(&sim->nodes[n].vmemmap_tails[idx]);

					if (!sv)
						continue;
					slots++;
					snprintf(where, sizeof(where), "node %u order %u tail", n,
						 hs->order);
					check_tail_frame(&c, sv, hs->order, (int)n, -1,
							 node_need[n][idx], where);
				}
			}
			if (sim->cfg.tail_scope == HVO_SCOPE_HSTATE) {
				uint64_t sv = atomic_load(&hs->vmemmap_tail);

				if (sv) {
					slots++;
					snprintf(where, sizeof(where), "%s tail", hs->name);
					check_tail_frame(&c, sv, hs->order, -1, -1, hs_need[h], where);
				}
			}
		}
	}
	hvo_sim_stats(sim, &st);
	c.dedup = 0;
	if (st.in_use[HVO_KIND_SHARED_TAIL] != slots)
		viol(&c, I_SHARED, UINT64_MAX,
		     FMT(e, "%" PRIu64 " shared tail frames (one per published slot)", slots),
		     FMT(g, "%" PRIu64 " allocated: the rest are orphans still mapped or leaked",
			 st.in_use[HVO_KIND_SHARED_TAIL]), "shared tails");
	c.dedup = 0;
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD && (uint64_t)st.static_key_count != nopt)
		viol(&c, I_KEY, UINT64_MAX, FMT(e, "hugetlb_optimize_vmemmap_key %" PRIu64, nopt),
		     FMT(g, "%" PRId64, st.static_key_count), "static key");
	c.dedup = 0;
	if (st.optimized_folios != nopt)
		viol(&c, I_ACCT, UINT64_MAX, FMT(e, "%" PRIu64 " optimized folios", nopt),
		     FMT(g, "counter says %" PRIu64, st.optimized_folios), "optimized_folios");
	for (h = 0; h < hg->nr_hstates; h++) {
		c.dedup = 0;
		if (atomic_load(&hg->hs[h].nr_optimized) != nopt_h[h])
			viol(&c, I_ACCT, UINT64_MAX, FMT(e, "%" PRIu64, nopt_h[h]),
			     FMT(g, "%" PRIu64, atomic_load(&hg->hs[h].nr_optimized)),
			     "%s nr_optimized", hg->hs[h].name);
	}
	/* every pfn is either free in the buddy or allocated to some kind */
	for (k = 0; k < HVO_NR_KINDS; k++)
		sum += st.in_use[k];
	c.dedup = 0;
	if (sum + st.free_pages != sim->geo.nr_pfns)
		viol(&c, I_ACCT, UINT64_MAX, FMT(e, "in use + free = %" PRIu64 " pfns",
						 sim->geo.nr_pfns),
		     FMT(g, "%" PRIu64 " + %" PRIu64, sum, st.free_pages), "buddy");
	check_flat(&c);
	/* memmap_pages_add() / memmap_boot_pages_add() agree with the page table */
	mapped = mapped_vmemmap(sim, sim->root_pfn, sim->geo.pgtable_levels - 1, &multi);
	c.dedup = 0;
	if (mapped != st.memmap_pages + st.memmap_boot_pages)
		viol(&c, I_ACCT, UINT64_MAX,
		     FMT(e, "memmap + memmap_boot = %" PRId64 " mapped vmemmap frames", mapped),
		     FMT(g, "%" PRId64 " + %" PRId64, st.memmap_pages, st.memmap_boot_pages),
		     "memmap counters");
	free(owned.k);
	free(multi.k);
	free(fs);
	return (int64_t)rep->count;
}

HVO_EXPORT void hvo_report_print(const struct hvo_report *rep, FILE *out)
{
	uint64_t i;

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

	for (i = 0; i < rep->nr; i++)
		if (!strcmp(rep->v[i].invariant, invariant))
			n++;
	return n;
}
