// SPDX-License-Identifier: MIT
/*
 * ops_hvo.c - the operation fuzzer's HVO operations (explicit and batch
 * optimize/restore), fault-injection rules, speculative walkers,
 * /proc/kpageflags reads and harness frame allocations, each checked
 * against the reference model.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "fuzz_ops.h"

/* what hvo_folio_optimize()/restore() say before any HVO work: not a folio
 * head or in use: -EINVAL; 1 if the op goes on */
static int isolate_one(struct fo *c, struct rm_folio *f, int rc)
{
	if (!f || f->state != RM_FREE) {
		fo_expect_rc(c, rc, -EINVAL);
		fo_expect_no_diff(c);
		return 0;
	}
	return 1;
}

void fo_op_optimize(struct fo *c, struct fz_in *in)
{
	uint64_t pfn = fo_pick_pfn(c, in);
	struct rm_folio *f = rm_folio(&c->m, pfn);
	bool exact = f && fo_exact(c, FO_OPT_SITES, 8 + (1ull << c->m.hs[f->h].order) *
				   c->m.stride / (1ull << c->m.pmd_shift));
	int rc;

	ARGS(c, "pfn %#" PRIx64, pfn);
	if (f)
		c->cost += 8 * c->m.hs[f->h].vp;
	rc = hvo_folio_optimize(c->sim, pfn);
	fo_touch(c, pfn);
	if (!isolate_one(c, f, rc))
		return;
	fo_expect_no_diff(c);
	/* vmemmap_should_optimize_folio() false: nothing happens, 0 (the
	 * kernel's answer to an optimized folio too; hvosim's is -EINVAL) */
	if (!rm_hvo_wanted(&c->m, f->h) || f->opt) {
		fo_expect_rc(c, rc, f->opt && rm_hvo_wanted(&c->m, f->h) ? -EINVAL : 0);
		return;
	}
	if (exact)
		fo_expect_rc(c, rc, 0);
	else
		fo_expect_rc2(c, rc, 0, -ENOMEM);
	if (!rc) {
		rm_split_pmds(&c->m, f);
		rm_optimize(&c->m, f);
		return;
	}
	rm_tail_attempt(&c->m, f);
	fo_observe_pmds(c, f);
}

void fo_op_restore(struct fo *c, struct fz_in *in)
{
	uint64_t pfn = fo_pick_pfn(c, in);
	struct rm_folio *f = rm_folio(&c->m, pfn);
	bool exact = f && fo_exact(c, FO_RESTORE_SITES, c->m.hs[f->h].vp);
	int rc;

	ARGS(c, "pfn %#" PRIx64, pfn);
	if (f)
		c->cost += 8 * c->m.hs[f->h].vp;
	rc = hvo_folio_restore(c->sim, pfn);
	fo_touch(c, pfn);
	if (!isolate_one(c, f, rc))
		return;
	fo_expect_no_diff(c);
	if (!f->opt) {
		fo_expect_rc(c, rc, -EINVAL);
		return;
	}
	if (exact)
		fo_expect_rc(c, rc, 0);
	else
		fo_expect_rc2(c, rc, 0, -ENOMEM);
	if (!rc)
		rm_restore(&c->m, f);
}

/* isolate_free() over a batch: the first pfn that is no folio head or in
 * use gives -EINVAL, one already taken by this batch -EBUSY */
static int isolate_batch(struct fo *c, const uint64_t *pfns, unsigned int n)
{
	unsigned int i, j;

	for (i = 0; i < n; i++) {
		struct rm_folio *f = rm_folio(&c->m, pfns[i]);

		if (!f || f->state != RM_FREE)
			return -EINVAL;
		for (j = 0; j < i; j++)
			if (pfns[j] == pfns[i])
				return -EBUSY;
	}
	return 0;
}

/* the budget pays copies of vmemmap pages too */
static unsigned int pick_batch(struct fo *c, struct fz_in *in, uint64_t *pfns)
{
	unsigned int n = fz_u8(in) % (FO_MAX_BATCH + 1), i;
	const struct rm_folio *f;

	for (i = 0; i < n; i++) {
		pfns[i] = fo_pick_pfn(c, in);
		f = rm_folio(&c->m, pfns[i]);
		if (f)
			c->cost += 8 * c->m.hs[f->h].vp;
	}
	ARGS(c, "%u folios, first %#" PRIx64, n, n ? pfns[0] : 0);
	for (i = 0; i < n; i++)
		fo_touch(c, pfns[i]);
	return n;
}

static uint64_t batch_need(const struct fo *c, const uint64_t *pfns, unsigned int n,
			   bool restore)
{
	uint64_t need = 0;
	unsigned int i;

	for (i = 0; i < n; i++) {
		const struct rm_folio *f = rm_folio((struct refmodel *)&c->m, pfns[i]);

		if (f)
			need += restore ? c->m.hs[f->h].vp : 4 + (1ull << c->m.hs[f->h].order) *
				c->m.stride / (1ull << c->m.pmd_shift);
	}
	return need;
}

void fo_op_optimize_batch(struct fo *c, struct fz_in *in)
{
	uint64_t pfns[FO_MAX_BATCH], done = ~0ull, newly;
	unsigned int n = pick_batch(c, in, pfns);
	bool exact = fo_exact(c, FO_OPT_SITES, batch_need(c, pfns, n, false));
	int want = isolate_batch(c, pfns, n);
	int rc = hvo_folios_optimize(c->sim, n ? pfns : NULL, n, &done);

	fo_expect_rc(c, rc, want);
	fo_expect_no_diff(c);
	if (rc)
		return;
	fo_batch_optimize(c, pfns, n, exact, &newly);
	if (done != newly)
		fo_fail(c, "reports %" PRIu64 " optimized, %" PRIu64 " were", done, newly);
}

/* hugetlb_vmemmap_restore_folios(): in order, stopping at the first that
 * cannot be restored; folios that are not optimized count as restored */
void fo_op_restore_batch(struct fo *c, struct fz_in *in)
{
	uint64_t pfns[FO_MAX_BATCH], done = ~0ull;
	unsigned int n = pick_batch(c, in, pfns), i;
	bool exact = fo_exact(c, FO_RESTORE_SITES, batch_need(c, pfns, n, true));
	int want = isolate_batch(c, pfns, n);
	int rc = hvo_folios_restore(c->sim, n ? pfns : NULL, n, &done);

	fo_expect_no_diff(c);
	if (want) {
		fo_expect_rc(c, rc, want);
		return;
	}
	if (exact || !rc)
		fo_expect_rc(c, rc, 0);
	else
		fo_expect_rc(c, rc, -ENOMEM);
	if (done > n || (!rc && done != n) || (rc && (done == n || !rm_folio(&c->m, pfns[done])->opt)))
		fo_fail(c, "reports %" PRIu64 " of %u restored (rc %d)", done, n, rc);
	for (i = 0; i < done; i++) {
		struct rm_folio *f = rm_folio(&c->m, pfns[i]);

		if (f->opt)
			rm_restore(&c->m, f);
	}
}

void fo_op_fail_set(struct fo *c, struct fz_in *in)
{
	uint8_t b = fz_u8(in);
	struct hvo_fail_spec s = {
		.site = (enum hvo_alloc_site)(fz_u8(in) % HVO_NR_SITES),
		.nth = b & 0x80 ? 0 : 1 + (b & 7),
		.probability = b & 0x80 ? (b & 0x40 ? 1.0 : 0.5) : 0.0,
		.persistent = b & 0x10,
	};

	ARGS(c, "site %s nth %" PRIu64 " p %.1f%s", hvo_site_name(s.site), s.nth,
	     s.probability, s.persistent ? " persistent" : "");
	fo_expect_rc(c, hvo_fail_set(c->sim, &s), 0);
	c->armed = c->ever_armed = true;
	c->site = s.site;
}

void fo_op_fail_clear(struct fo *c, struct fz_in *in)
{
	(void)in;
	ARGS(c, "-");
	hvo_fail_clear(c->sim);
	c->armed = false;
}

/* a PAGE_SIZE-aligned tail struct page outside the head vmemmap page: in
 * fake-head it reads as a (fake) head */
static bool fake_head_page(const struct fo *c, const struct rm_folio *f, uint64_t pfn)
{
	uint64_t off = (pfn - f->pfn) * c->m.stride;

	return c->m.cfg.scheme == HVO_SCHEME_FAKE_HEAD && f->opt &&
	       off >= c->m.page_size && !(off % c->m.page_size);
}

/*
 * What one speculative walker step sees on a pfn of a folio: a folio in use
 * gives a reference through its head (folio mode always, page mode on the
 * head); a tail has refcount 0.  Fake-head without the RCU sync is the
 * kernel before bd225530a4c7: get_page_unless_zero() on a fake head of a
 * folio in use writes through the read-only mapping.  -1: not a folio.
 */
static int expect_walk(struct fo *c, uint64_t pfn, enum hvo_walk_mode mode)
{
	struct rm_folio *f = rm_folio_containing(&c->m, pfn);
	bool active;

	if (!f)
		return -1;
	active = f->state == RM_ACTIVE;
	if (mode == HVO_WALK_FOLIO || pfn == f->pfn)
		return active ? HVO_WALK_GOT : HVO_WALK_NOREF;
	if (active && !c->m.cfg.rcu_sync && fake_head_page(c, f, pfn))
		return HVO_WALK_FAULT;
	return HVO_WALK_NOREF;
}

/* a pfn in or around a folio: its head, a tail, a fake head, or anywhere */
static uint64_t pick_walk_pfn(struct fo *c, struct fz_in *in)
{
	uint8_t how = fz_u8(in);
	uint16_t x = fz_u16(in);
	const struct rm_folio *f;

	if (!c->m.nf || (how & 3) == 3)
		return x % (c->m.nr_pfns + 2);
	f = &c->m.f[x % c->m.nf];
	switch (how & 3) {
	case 0:
		return f->pfn;
	case 1:
		/* a tail at a vmemmap page boundary */
		return f->pfn + ((uint64_t)(how >> 2) * c->m.page_size / c->m.stride) %
				(1ull << c->m.hs[f->h].order);
	default:
		return f->pfn + ((uint64_t)x * 7 + (how >> 2)) % (1ull << c->m.hs[f->h].order);
	}
}

void fo_op_walk(struct fo *c, struct fz_in *in)
{
	unsigned int n = 1 + fz_u8(in) % 4, i;

	ARGS(c, "%u walks", n);
	for (i = 0; i < n; i++) {
		enum hvo_walk_mode mode = fz_u8(in) & 1 ? HVO_WALK_FOLIO : HVO_WALK_PAGE;
		uint64_t pfn = pick_walk_pfn(c, in);
		int r = hvo_walk_pfn(c->sim, pfn, mode), want;

		ARGS(c, "pfn %#" PRIx64 " mode %s", pfn, mode == HVO_WALK_FOLIO ? "folio" : "page");
		if (pfn >= c->m.nr_pfns) {
			fo_expect_rc(c, r, -ERANGE);
			continue;
		}
		want = expect_walk(c, pfn, mode);
		if (want < 0 && r != HVO_WALK_NOREF && r != HVO_WALK_GOT)
			fo_fail(c, "walk outside a folio gave %d", r);
		if (want >= 0)
			fo_expect_rc(c, r, want);
		c->m.expect_ro_faults += r == HVO_WALK_FAULT;
		fo_touch(c, pfn);
	}
}

void fo_op_kpageflags(struct fo *c, struct fz_in *in)
{
	uint64_t pfn = pick_walk_pfn(c, in), fl = 0;
	uint64_t head = 1ull << HVO_KPF_COMPOUND_HEAD, tail = 1ull << HVO_KPF_COMPOUND_TAIL;
	uint64_t huge = 1ull << HVO_KPF_HUGE;
	struct rm_folio *f = rm_folio_containing(&c->m, pfn);
	int r = hvo_kpageflags(c->sim, pfn, &fl);

	ARGS(c, "pfn %#" PRIx64, pfn);
	if (pfn >= c->m.nr_pfns) {
		fo_expect_rc(c, r, -ERANGE);
		if (fl != 1ull << HVO_KPF_NOPAGE)
			fo_fail(c, "flags %#" PRIx64 " for a missing pfn", fl);
		return;
	}
	fo_expect_rc(c, r, 0);
	/* tools/testing/selftests/mm/hugepage-vmemmap.c: the head is
	 * COMPOUND_HEAD|HUGE, every other pfn COMPOUND_TAIL|HUGE */
	if (f && (fl & (head | tail | huge)) != (huge | (pfn == f->pfn ? head : tail)))
		fo_fail(c, "flags %#" PRIx64 " for %s of folio %#" PRIx64, fl,
			pfn == f->pfn ? "the head" : "a tail", f->pfn);
	if (!f && (fl & huge))
		fo_fail(c, "flags %#" PRIx64 ": HUGE outside any folio", fl);
}

void fo_op_frames_alloc(struct fo *c, struct fz_in *in)
{
	unsigned int nid = fo_pick_node(c, in), b = fz_u8(in), order = b % 10;
	unsigned int flags = b & 0x10 ? HVO_GFP_THISNODE : 0;
	uint64_t pfn = ~0ull;
	unsigned int n, z;
	int r;

	ARGS(c, "node %u order %u%s", nid, order, flags ? " thisnode" : "");
	if (c->m.nblk >= 32)
		return;
	r = hvo_alloc_frames(c->sim, nid, order, HVO_KIND_OTHER, flags, &pfn);
	fo_expect_rc2(c, r, 0, -ENOMEM);
	if (r)
		return;
	if (rm_add_block(&c->m, pfn, order))
		fo_fail(c, "block %#" PRIx64 " order %u is misplaced or overlaps", pfn, order);
	rm_pfn_zone(&c->m, pfn, &n, &z);
	if (flags && n != nid)
		fo_fail(c, "block %#" PRIx64 " is on node %u, not %u", pfn, n, nid);
}

void fo_op_frames_free(struct fo *c, struct fz_in *in)
{
	uint64_t i;

	if (!c->m.nblk)
		return;
	i = fz_u8(in) % c->m.nblk;
	ARGS(c, "block %#" PRIx64 " order %u", c->m.blk[i].pfn, c->m.blk[i].order);
	fo_expect_rc(c, hvo_free_frames(c->sim, c->m.blk[i].pfn, c->m.blk[i].order), 0);
	rm_del_block(&c->m, i);
}

/*
 * vm.hugetlb_optimize_vmemmap: read it, or write it.  Off, folios entering
 * the pool and explicit optimizes stay unoptimized
 * (vmemmap_should_optimize_folio()); optimized ones keep their state.  The
 * sysctl exists only where some hstate is optimizable.
 */
void fo_op_sysctl(struct fo *c, struct fz_in *in)
{
	uint8_t how = fz_u8(in);
	bool write = how & 1, on = how & 2;
	int rc;

	ARGS(c, "%s %d", write ? "write" : "read", on);
	rc = write ? hvo_sysctl_optimize_vmemmap_write(c->sim, on)
		   : hvo_sysctl_optimize_vmemmap_read(c->sim);
	fo_expect_no_diff(c);
	if (!c->m.has_sysctl) {
		fo_expect_rc(c, rc, -ENOENT);
		return;
	}
	fo_expect_rc(c, rc, write ? 0 : c->m.hvo_on);
	if (write)
		c->m.hvo_on = on;
}
