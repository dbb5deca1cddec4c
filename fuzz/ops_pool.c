// SPDX-License-Identifier: MIT
/*
 * ops_pool.c - the operation fuzzer's pool operations (mm/hugetlb.c):
 * grow, shrink, resize, overcommit, alloc/put, demote, dissolve; each one
 * run on the library and applied to the reference model by the kernel's
 * rules.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_ops.h"

/* how many folios of an hstate one op may touch: few gigantic ones */
static uint64_t max_nr(const struct fo *c, unsigned int h)
{
	return c->m.hs[h].order >= 13 ? 1 : 4;
}

/* making or freeing n folios of hstate h: pay for it, or skip the op if
 * the input's budget cannot */
static bool afford(struct fo *c, unsigned int h, uint64_t n)
{
	uint64_t pages = n << c->m.hs[h].order;

	if (c->cost + pages > FO_BUDGET)
		return false;
	c->cost += pages;
	return true;
}

/* order-0 frames optimizing n folios of h may take: a head copy, a tail,
 * a page table per PMD; and the folios themselves may take non-movable
 * memory */
static uint64_t opt_need(const struct fo *c, unsigned int h, uint64_t n)
{
	uint64_t pmds = ((1ull << c->m.hs[h].order) * c->m.stride >> c->m.pmd_shift) + 2;

	return n * (2 + pmds + (1ull << c->m.hs[h].order));
}

/* a new folio asked from @zone (-1: the hstate's own mask) came from a zone
 * the zonelist allows */
static void check_zone(struct fo *c, const struct rm_folio *f, int zone)
{
	if (!rm_zone_allowed(&c->m, f->h, zone, f->zone))
		fo_fail(c, "new folio %#" PRIx64 " of hstate %u is in zone %u, asked from %d",
			f->pfn, f->h, f->zone, zone);
}

/* new free persistent folios of h on nid (grow): place them, then the
 * batch optimize of prep_and_add_allocated_folios() */
static void adopt_grown(struct fo *c, unsigned int h, unsigned int nid, uint64_t done,
			bool exact, int zone)
{
	uint64_t i, *pfns;

	if (c->nremoved)
		fo_fail(c, "folio %#" PRIx64 " disappeared", c->removed[0].pfn);
	if (c->nadded != done)
		fo_fail(c, "%" PRIu64 " folios appeared, %" PRIu64 " reported", c->nadded, done);
	pfns = malloc((done ? done : 1) * sizeof(*pfns));
	if (!pfns)
		fo_fail(c, "out of host memory");
	for (i = 0; i < done; i++) {
		struct rm_folio *f;

		pfns[i] = c->added[i].pfn;
		if (c->added[i].h != h || rm_add_folio(&c->m, pfns[i], h, RM_FREE, false))
			fo_fail(c, "new folio %#" PRIx64 " (hstate %u) is misplaced or overlaps",
				pfns[i], c->added[i].h);
		f = rm_folio(&c->m, pfns[i]);
		if (f->nid != nid)
			fo_fail(c, "new folio %#" PRIx64 " is on node %u, not %u", f->pfn, f->nid, nid);
		check_zone(c, f, zone);
		rm_pool_add(&c->m, h, nid, false);
	}
	fo_batch_optimize(c, pfns, done, exact, NULL);
	free(pfns);
}

/* hvo_pool_grow(), or hvo_pool_grow_zone() with @zone_op */
static void grow(struct fo *c, struct fz_in *in, bool zone_op)
{
	unsigned int h = fo_pick_h(c, in), nid = fo_pick_node(c, in);
	uint64_t nr = 1 + fz_u8(in) % max_nr(c, h), done = ~0ull;
	int zone = zone_op ? (int)fz_below(in, HVO_NR_ZONES + 1) - 1 : -1, rc;
	bool exact = fo_exact(c, FO_OPT_SITES, opt_need(c, h, nr));

	ARGS(c, "h %u node %u zone %d nr %" PRIu64, h, nid, zone, nr);
	if (c->m.hs[h].order >= FO_HUGE_ORDER || !afford(c, h, nr))
		return;
	rc = zone_op ? hvo_pool_grow_zone(c->sim, h, nid, zone, nr, &done)
		     : hvo_pool_grow(c->sim, h, nid, nr, &done);
	/* a gigantic folio is never asked from Movable unless it may move */
	if (zone == HVO_ZONE_MOVABLE && !rm_zone_allowed(&c->m, h, -1, HVO_ZONE_MOVABLE)) {
		fo_expect_rc(c, rc, -EINVAL);
		fo_expect_no_diff(c);
		return;
	}
	fo_expect_rc2(c, rc, 0, -ENOMEM);
	if ((rc == 0) != (done == nr) || done > nr)
		fo_fail(c, "rc %d with %" PRIu64 " of %" PRIu64 " done", rc, done, nr);
	fo_diff(c);
	adopt_grown(c, h, nid, done, exact, zone);
}

void fo_op_grow(struct fo *c, struct fz_in *in)
{
	grow(c, in, false);
}

void fo_op_grow_zone(struct fo *c, struct fz_in *in)
{
	grow(c, in, true);
}

/*
 * Folios that left a node's free list for the buddy (c->removed), and
 * @failed more that could not have their vmemmap restored: they went back
 * as surplus (add_hugetlb_folio(h, folio, true)).  All were removed first
 * (remove_hugetlb_folio(h, folio, false)).
 */
void fo_shrink_apply(struct fo *c, unsigned int h, unsigned int nid, uint64_t failed)
{
	uint64_t i;

	if (c->nadded)
		fo_fail(c, "folio %#" PRIx64 " appeared", c->added[0].pfn);
	for (i = 0; i < c->nremoved; i++) {
		struct rm_folio *f = rm_folio(&c->m, c->removed[i].pfn);

		if (c->removed[i].h != h || f->nid != nid || f->state != RM_FREE)
			fo_fail(c, "folio %#" PRIx64 " (hstate %u node %u state %u) was freed",
				f->pfn, f->h, f->nid, f->state);
		if (f->opt)
			rm_restore(&c->m, f);
		rm_del_folio(&c->m, f->pfn);
		rm_pool_remove(&c->m, h, nid, false);
	}
	for (i = 0; i < failed; i++)
		rm_pool_remove(&c->m, h, nid, false);
	for (i = 0; i < failed; i++)
		rm_pool_add(&c->m, h, nid, true);
}

/* optimized free folios on the node: the most a restore can fail on */
static uint64_t free_optimized(const struct fo *c, unsigned int h, unsigned int nid)
{
	uint64_t i, n = 0;

	for (i = 0; i < c->m.nf; i++) {
		const struct rm_folio *f = &c->m.f[i];

		n += f->h == h && f->nid == nid && f->state == RM_FREE && f->opt;
	}
	return n;
}

void fo_op_shrink(struct fo *c, struct fz_in *in)
{
	unsigned int h = fo_pick_h(c, in), nid = fo_pick_node(c, in);
	uint64_t nr = fz_u8(in) % 6, done = ~0ull, avail, taken, failed;
	bool exact;
	int rc;

	ARGS(c, "h %u node %u nr %" PRIu64, h, nid, nr);
	avail = rm_count(&c->m, h, RM_FREE, (int)nid);
	taken = nr < avail ? nr : avail;
	exact = fo_exact(c, FO_RESTORE_SITES, taken * c->m.hs[h].vp);
	if (!afford(c, h, taken))
		return;
	rc = hvo_pool_shrink(c->sim, h, nid, nr, &done);
	fo_diff(c);
	failed = done - c->nremoved;
	if (done > nr || c->nremoved > done || failed > free_optimized(c, h, nid))
		fo_fail(c, "%" PRIu64 " done, %" PRIu64 " freed", done, c->nremoved);
	if (exact && (failed || done != taken))
		fo_fail(c, "%" PRIu64 " done, %" PRIu64 " freed, the model expects %" PRIu64,
			done, c->nremoved, taken);
	if (failed)
		fo_expect_rc(c, rc, -ENOMEM);
	else
		fo_expect_rc(c, rc, done == nr ? 0 : -EBUSY);
	if (!failed && done != taken)
		fo_fail(c, "%" PRIu64 " of %" PRIu64 " free folios freed", done, taken);
	fo_shrink_apply(c, h, nid, failed);
}

/* the shrink half of a resize reports no count: find the number of folios
 * that stayed as surplus from the persistent count it reached */
static uint64_t resize_failed(struct fo *c, unsigned int h, unsigned int nid,
			      uint64_t take, uint64_t actual)
{
	const struct rm_hstate *hs = &c->m.hs[h];
	uint64_t nr = hs->nr[nid] - c->nremoved, k, s;

	for (k = 0; c->nremoved + k <= take && k <= free_optimized(c, h, nid); k++) {
		s = hs->surplus[nid] < nr - k ? hs->surplus[nid] : nr - k;
		if (nr - (s + k) == actual)
			return k;
	}
	fo_fail(c, "persistent count %" PRIu64 " after freeing %" PRIu64 " folios fits no "
		"number of failed restores", actual, c->nremoved);
}

static void resize_shrink(struct fo *c, unsigned int h, unsigned int nid, uint64_t take,
			  int rc, uint64_t actual, bool exact)
{
	uint64_t avail = rm_count(&c->m, h, RM_FREE, (int)nid), failed;

	failed = resize_failed(c, h, nid, take, actual);
	if (exact && failed)
		fo_fail(c, "a restore failed with no failure possible");
	if (failed)
		fo_expect_rc(c, rc, -ENOMEM);
	else if (c->nremoved != (take < avail ? take : avail))
		fo_fail(c, "%" PRIu64 " folios freed, the model expects %" PRIu64, c->nremoved,
			take < avail ? take : avail);
	else
		fo_expect_rc(c, rc, c->nremoved == take ? 0 : -EBUSY);
	fo_shrink_apply(c, h, nid, failed);
}

void fo_op_resize(struct fo *c, struct fz_in *in)
{
	unsigned int h = fo_pick_h(c, in), nid = fo_pick_node(c, in);
	const struct rm_hstate *hs = &c->m.hs[h];
	uint64_t have = hs->nr[nid] - hs->surplus[nid], count, actual = ~0ull, d;
	bool exact;
	int rc;

	count = fz_u8(in) % (have + max_nr(c, h) + 1);
	d = count > have ? count - have : have - count;
	ARGS(c, "h %u node %u count %" PRIu64 " (persistent %" PRIu64 ")", h, nid, count, have);
	exact = count > have ? fo_exact(c, FO_OPT_SITES, opt_need(c, h, d))
			     : fo_exact(c, FO_RESTORE_SITES, d * hs->vp);
	if (hs->order >= FO_HUGE_ORDER || !afford(c, h, d))
		return;
	rc = hvo_pool_resize(c->sim, h, nid, count, &actual);
	fo_diff(c);
	if (count > have) {
		fo_expect_rc(c, rc, c->nadded == d ? 0 : -ENOMEM);
		adopt_grown(c, h, nid, c->nadded, exact, -1);
	} else if (count < have) {
		resize_shrink(c, h, nid, d, rc, actual, exact);
	} else {
		fo_expect_rc(c, rc, 0);
		fo_expect_no_diff(c);
	}
	if (actual != hs->nr[nid] - hs->surplus[nid])
		fo_fail(c, "reports %" PRIu64 " persistent folios, the model has %" PRIu64, actual,
			hs->nr[nid] - hs->surplus[nid]);
}

void fo_op_overcommit(struct fo *c, struct fz_in *in)
{
	unsigned int h = fo_pick_h(c, in);
	uint64_t n = fz_u8(in) % 5;

	ARGS(c, "h %u count %" PRIu64, h, n);
	fo_expect_rc(c, hvo_pool_set_overcommit(c->sim, h, n), 0);
	c->m.hs[h].overcommit = n;
}

/* dequeue_hugetlb_folio_nodemask(): the preferred node, then the others */
static int first_node_with_free(const struct fo *c, unsigned int h, int nid)
{
	unsigned int i, n;

	for (i = 0; i < c->m.nr_nodes; i++) {
		n = ((nid < 0 ? 0 : (unsigned int)nid) + i) % c->m.nr_nodes;
		if (rm_count(&c->m, h, RM_FREE, (int)n))
			return (int)n;
	}
	return -1;
}

static uint64_t surplus_total(const struct rm_hstate *hs, unsigned int nodes)
{
	uint64_t s = 0;
	unsigned int n;

	for (n = 0; n < nodes; n++)
		s += hs->surplus[n];
	return s;
}

/* alloc_surplus_hugetlb_folio(): a fresh folio, counted surplus, optimized
 * on the way in as any new folio */
static void alloc_surplus(struct fo *c, unsigned int h, int rc, uint64_t pfn, bool exact)
{
	struct rm_folio *f;

	fo_expect_rc2(c, rc, 0, -ENOMEM);
	fo_diff(c);
	if (rc) {
		fo_expect_no_diff(c);
		return;
	}
	if (c->nremoved || c->nadded != 1 || c->added[0].pfn != pfn || c->added[0].h != h ||
	    rm_add_folio(&c->m, pfn, h, RM_ACTIVE, false))
		fo_fail(c, "surplus folio %#" PRIx64 ": %" PRIu64 " folios appeared, %" PRIu64
			" disappeared", pfn, c->nadded, c->nremoved);
	f = rm_folio(&c->m, pfn);
	check_zone(c, f, -1);
	rm_pool_add(&c->m, h, f->nid, true);
	fo_batch_optimize(c, &pfn, 1, exact, NULL);
}

void fo_op_alloc(struct fo *c, struct fz_in *in)
{
	unsigned int h = fo_pick_h(c, in);
	int nid = (int)fz_below(in, c->m.nr_nodes + 1) - 1, n, rc;
	const struct rm_hstate *hs = &c->m.hs[h];
	uint64_t pfn = ~0ull;
	struct rm_folio *f;
	bool exact = fo_exact(c, FO_OPT_SITES, opt_need(c, h, 1));

	ARGS(c, "h %u node %d", h, nid);
	if (rm_count(&c->m, ~0u, RM_ACTIVE, -1) >= FO_MAX_HELD)
		return;
	n = first_node_with_free(c, h, nid);
	if (n < 0 && (hs->order >= FO_HUGE_ORDER || !afford(c, h, 1)))
		return;
	rc = hvo_folio_alloc(c->sim, h, nid, &pfn);
	if (n < 0 && surplus_total(hs, c->m.nr_nodes) < hs->overcommit) {
		alloc_surplus(c, h, rc, pfn, exact);
		return;
	}
	if (n < 0) {
		fo_expect_rc(c, rc, -ENOMEM);
		fo_expect_no_diff(c);
		return;
	}
	fo_expect_rc(c, rc, 0);
	f = rm_folio(&c->m, pfn);
	if (!f || f->h != h || f->nid != n || f->state != RM_FREE)
		fo_fail(c, "took %#" PRIx64 ", not a free folio of node %d", pfn, n);
	f->state = RM_ACTIVE;
	f->ref = 1;
	fo_touch(c, pfn);
	fo_expect_no_diff(c);
}

/*
 * free_huge_folio(): with surplus on the node the folio leaves the pool
 * (remove_hugetlb_folio(h, folio, true)) and is restored and freed; if the
 * restore fails it comes back as surplus.  Otherwise it goes back on the
 * free list.
 */
static void last_put(struct fo *c, struct rm_folio *f, bool exact)
{
	uint64_t pfn = f->pfn;
	unsigned int h = f->h, nid = f->nid;

	f->state = RM_FREE;
	if (!c->m.hs[h].surplus[nid]) {
		fo_expect_no_diff(c);
		return;
	}
	rm_pool_remove(&c->m, h, nid, true);
	c->cost += 1ull << c->m.hs[h].order;
	fo_diff(c);
	if (c->nadded || c->nremoved > 1 || (exact && c->nremoved != 1))
		fo_fail(c, "%" PRIu64 " folios appeared, %" PRIu64 " disappeared", c->nadded,
			c->nremoved);
	if (c->nremoved) {
		if (c->removed[0].pfn != pfn)
			fo_fail(c, "folio %#" PRIx64 " disappeared", c->removed[0].pfn);
		if (f->opt)
			rm_restore(&c->m, f);
		rm_del_folio(&c->m, pfn);
		return;
	}
	if (!f->opt)
		fo_fail(c, "surplus folio %#" PRIx64 " was not freed", pfn);
	rm_pool_add(&c->m, h, nid, true);
}

void fo_put_pfn(struct fo *c, uint64_t pfn)
{
	struct rm_folio *f = rm_folio(&c->m, pfn);
	bool exact;
	int rc;

	exact = f && fo_exact(c, FO_RESTORE_SITES, c->m.hs[f->h].vp);
	rc = hvo_folio_put(c->sim, pfn);
	fo_touch(c, pfn);
	if (!f || f->state != RM_ACTIVE) {
		fo_expect_rc(c, rc, -EINVAL);
		fo_expect_no_diff(c);
		return;
	}
	fo_expect_rc(c, rc, 0);
	if (--f->ref)
		fo_expect_no_diff(c);
	else
		last_put(c, f, exact);
}

void fo_op_put(struct fo *c, struct fz_in *in)
{
	uint8_t how = fz_u8(in);
	struct rm_folio *f = how & 1 ? NULL : fo_pick_active(c, in);
	uint64_t pfn = f ? f->pfn : fo_pick_pfn(c, in);

	ARGS(c, "pfn %#" PRIx64, pfn);
	fo_put_pfn(c, pfn);
}

/* another reference on a folio in use (folio_get()) */
void fo_op_get(struct fo *c, struct fz_in *in)
{
	struct rm_folio *f = fo_pick_active(c, in);
	int32_t v = 0;

	if (!f)
		return;
	ARGS(c, "pfn %#" PRIx64 " ref %d", f->pfn, f->ref);
	if (f->ref >= 8)
		return;
	fo_expect_rc(c, hvo_page_ref_add(c->sim, rm_folio_vaddr(&c->m, f->pfn), 1, &v), 0);
	if (v != f->ref + 1)
		fo_fail(c, "refcount %d, the model expects %d", v, f->ref + 1);
	f->ref++;
	fo_touch(c, f->pfn);
}

/*
 * page_ref_sub(1) on a folio in use.  At refcount 1 it goes to 0 for the
 * length of the op only (hvo_check() rightly calls an in-use folio at 0 a
 * broken pool): there a put and another page_ref_sub() are underflows,
 * refused and logged, then page_ref_add() gives the reference back.
 */
void fo_op_ref_drop(struct fo *c, struct fz_in *in)
{
	struct rm_folio *f = fo_pick_active(c, in);
	uint64_t page;
	int32_t v = -1;

	if (!f)
		return;
	ARGS(c, "pfn %#" PRIx64 " ref %d", f->pfn, f->ref);
	page = rm_folio_vaddr(&c->m, f->pfn);
	fo_touch(c, f->pfn);
	fo_expect_rc(c, hvo_page_ref_add(c->sim, page, -1, &v), 0);
	if (v != f->ref - 1)
		fo_fail(c, "refcount %d, the model expects %d", v, f->ref - 1);
	if (--f->ref)
		return;
	fo_expect_rc(c, hvo_folio_put(c->sim, f->pfn), -EINVAL);
	fo_expect_rc(c, hvo_page_ref_add(c->sim, page, -1, &v), -EINVAL);
	c->m.expect_underflows += 2;
	fo_expect_no_diff(c);
	fo_expect_rc(c, hvo_page_ref_add(c->sim, page, 1, &v), 0);
	f->ref = 1;
}

/* the destination folios must tile the demoted source folios */
static void demote_apply(struct fo *c, unsigned int src, unsigned int dst,
			 unsigned int nid, bool exact)
{
	uint64_t ratio = 1ull << (c->m.hs[src].order - c->m.hs[dst].order), i, k;
	uint64_t *pfns = malloc(ratio * sizeof(*pfns));

	if (!pfns)
		fo_fail(c, "out of host memory");
	if (c->nadded != c->nremoved * ratio)
		fo_fail(c, "%" PRIu64 " folios demoted into %" PRIu64, c->nremoved, c->nadded);
	for (i = 0; i < c->nremoved; i++) {
		struct rm_folio *f = rm_folio(&c->m, c->removed[i].pfn);
		uint64_t base = f->pfn;

		if (c->removed[i].h != src || f->nid != nid || f->state != RM_FREE)
			fo_fail(c, "folio %#" PRIx64 " was demoted", f->pfn);
		if (f->opt)
			rm_restore(&c->m, f);
		rm_del_folio(&c->m, base);
		rm_pool_remove(&c->m, src, nid, false);
		for (k = 0; k < ratio; k++) {
			pfns[k] = base + (k << c->m.hs[dst].order);
			if (rm_add_folio(&c->m, pfns[k], dst, RM_FREE, false) ||
			    !fo_lib_has(c, pfns[k]))
				fo_fail(c, "demoted folio %#" PRIx64 " missing", pfns[k]);
			rm_pool_add(&c->m, dst, nid, false);
		}
		fo_batch_optimize(c, pfns, ratio, exact, NULL);
	}
	for (i = 0; i < c->nadded; i++)
		if (c->added[i].h != dst || !rm_folio(&c->m, c->added[i].pfn))
			fo_fail(c, "folio %#" PRIx64 " (hstate %u) appeared", c->added[i].pfn,
				c->added[i].h);
	free(pfns);
}

void fo_op_demote(struct fo *c, struct fz_in *in)
{
	unsigned int src = fo_pick_h(c, in), dst = fo_pick_h(c, in), nid = fo_pick_node(c, in);
	uint64_t nr = 1 + fz_u8(in) % 2, done = ~0ull, avail, ratio, want;
	bool exact;
	int rc;

	ARGS(c, "src %u dst %u node %u nr %" PRIu64, src, dst, nid, nr);
	if (c->m.hs[dst].order < c->m.hs[src].order &&
	    c->m.hs[src].order - c->m.hs[dst].order > 9)
		return;		/* thousands of folios: too slow to be worth it */
	if (c->m.hs[src].order >= FO_HUGE_ORDER || !afford(c, src, 2 * nr))
		return;
	rc = hvo_demote(c->sim, src, dst, nid, nr, &done);
	if (c->m.hs[dst].order >= c->m.hs[src].order) {
		fo_expect_rc(c, rc, -EINVAL);
		fo_expect_no_diff(c);
		return;
	}
	ratio = 1ull << (c->m.hs[src].order - c->m.hs[dst].order);
	avail = rm_count(&c->m, src, RM_FREE, (int)nid);
	want = nr < avail ? nr : avail;
	exact = fo_exact(c, FO_RESTORE_SITES | FO_OPT_SITES,
			 nr * (c->m.hs[src].vp + opt_need(c, dst, ratio)));
	fo_diff(c);
	if (done != c->nremoved || done > want || (exact && done != want))
		fo_fail(c, "%" PRIu64 " demoted, %" PRIu64 " gone, the model expects %" PRIu64,
			done, c->nremoved, want);
	if (done == want)
		fo_expect_rc(c, rc, done == nr ? 0 : -EBUSY);
	else
		fo_expect_rc(c, rc, -ENOMEM);
	demote_apply(c, src, dst, nid, exact);
	if (rc == -ENOMEM) {
		/* the source whose restore failed went back (add_hugetlb_folio()) */
		rm_pool_remove(&c->m, src, nid, false);
		rm_pool_add(&c->m, src, nid, false);
	}
}

/* dissolve_free_hugetlb_folio(): adjust_surplus if the node has surplus;
 * a folio whose vmemmap cannot be restored stays in the pool */
void fo_dissolve_pfn(struct fo *c, uint64_t pfn)
{
	struct rm_folio *f = rm_folio(&c->m, pfn);
	bool exact = f && fo_exact(c, FO_RESTORE_SITES, c->m.hs[f->h].vp), adj;
	int rc;
	unsigned int h, nid;

	if (f && (c->m.hs[f->h].order >= FO_HUGE_ORDER || !afford(c, f->h, 1)))
		return;
	rc = hvo_folio_dissolve(c->sim, pfn);
	fo_touch(c, pfn);
	if (!f || f->state != RM_FREE) {
		fo_expect_rc(c, rc, f ? -EBUSY : -EINVAL);
		fo_expect_no_diff(c);
		return;
	}
	h = f->h;
	nid = f->nid;
	adj = c->m.hs[h].surplus[nid] != 0;
	rm_pool_remove(&c->m, h, nid, adj);
	fo_diff(c);
	if (c->nadded || c->nremoved > 1 || (c->nremoved && c->removed[0].pfn != pfn))
		fo_fail(c, "%" PRIu64 " folios appeared, %" PRIu64 " disappeared", c->nadded,
			c->nremoved);
	if (c->nremoved) {
		fo_expect_rc(c, rc, 0);
		if (f->opt)
			rm_restore(&c->m, f);
		rm_del_folio(&c->m, pfn);
		return;
	}
	if (exact || !f->opt)
		fo_fail(c, "folio stayed (rc %d) though its restore could not fail", rc);
	fo_expect_rc(c, rc, -ENOMEM);
	rm_pool_add(&c->m, h, nid, adj);
}

void fo_op_dissolve(struct fo *c, struct fz_in *in)
{
	uint64_t pfn = fo_pick_pfn(c, in);

	ARGS(c, "pfn %#" PRIx64, pfn);
	fo_dissolve_pfn(c, pfn);
}
