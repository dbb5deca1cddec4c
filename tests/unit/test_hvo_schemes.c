// SPDX-License-Identifier: MIT
/*
 * test_hvo_schemes.c - every HVO scheme on every geometry: pool grow and
 * shrink of the smallest optimizable hstate, the optimized flag, the
 * checker, compound_head() of every tail, the kpageflags selftest rule, the
 * counters before and after; exact accounting at 4K/64B; the fake-head
 * scheme's static key and synchronize_rcu(); the vmemmap layout after
 * optimize; and which folios share a tail frame in each scope.
 */
#include "hvotest_hvo.h"

/* ---- helpers ---- */

/* head pfns of hstate @h, sorted; returns how many */
static uint64_t folios_of(struct hvo_sim *sim, unsigned int h, uint64_t *pfns,
			  uint64_t max)
{
	int64_t n = hvo_folio_list(sim, h, pfns, max);

	assert_true(n >= 0);
	assert_true((uint64_t)n <= max);
	return (uint64_t)n;
}

static void grow(struct hvo_sim *sim, unsigned int h, unsigned int nid, uint64_t nr)
{
	uint64_t done = 0;
	int r = hvo_pool_grow(sim, h, nid, nr, &done);

	if (r || done != nr)
		failf("pool_grow(%u, node %u, %llu): %d done %llu (%s)", h, nid,
		      (unsigned long long)nr, r, (unsigned long long)done, hvo_last_error());
}

static void shrink(struct hvo_sim *sim, unsigned int h, unsigned int nid, uint64_t nr)
{
	uint64_t done = 0;
	int r = hvo_pool_shrink(sim, h, nid, nr, &done);

	if (r || done != nr)
		failf("pool_shrink(%u, node %u, %llu): %d done %llu (%s)", h, nid,
		      (unsigned long long)nr, r, (unsigned long long)done, hvo_last_error());
}

/*
 * Every tail decodes to its head; the kernel selftest's kpageflags rule:
 * head HEAD|HUGE, every other pfn TAIL|HUGE and not HEAD.
 */
static void check_folio_pages(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), i, n = 1ull << order, fl;

	assert_int_equal(hvo_compound_head(sim, head), head);
	assert_int_equal(hvo_page_head(sim, head), 1);
	assert_int_equal(hvo_kpageflags(sim, pfn, &fl), 0);
	if ((fl & (KPF(COMPOUND_HEAD) | KPF(HUGE) | KPF(COMPOUND_TAIL))) !=
	    (KPF(COMPOUND_HEAD) | KPF(HUGE)))
		failf("kpageflags of head %#llx = %#llx", (unsigned long long)pfn,
		      (unsigned long long)fl);
	for (i = 1; i < n; i++) {
		uint64_t page = hvo_pfn_to_page(sim, pfn + i), got = hvo_compound_head(sim, page);

		if (got != head)
			failf("folio %#llx tail %llu decodes to %#llx, not %#llx",
			      (unsigned long long)pfn, (unsigned long long)i,
			      (unsigned long long)got, (unsigned long long)head);
		assert_int_equal(hvo_page_tail(sim, page), 1);
		assert_int_equal(hvo_page_head(sim, page), 0);
		assert_int_equal(hvo_kpageflags(sim, pfn + i, &fl), 0);
		if ((fl & (KPF(COMPOUND_HEAD) | KPF(HUGE) | KPF(COMPOUND_TAIL))) !=
		    (KPF(COMPOUND_TAIL) | KPF(HUGE)))
			failf("kpageflags of folio %#llx tail %llu = %#llx",
			      (unsigned long long)pfn, (unsigned long long)i,
			      (unsigned long long)fl);
	}
}

/*
 * The layout after optimize: page 0 RW and private; pages 1.. RO, all on
 * one frame: the (scope, order) tail in shared-tail, the head copy in
 * fake-head.  Returns that frame.
 */
static uint64_t check_layout(struct hvo_sim *sim, uint64_t pfn, uint64_t vpages)
{
	struct hvo_translation t0 = vpage(sim, pfn, 0), t;
	struct hvo_frame_info f0 = frinfo(sim, t0.frame_pfn), ft;
	bool fake = hvo_sim_config(sim)->scheme == HVO_SCHEME_FAKE_HEAD;
	uint64_t k, tail = UINT64_MAX;

	assert_int_equal(t0.level, 0);
	assert_true(t0.writable);
	assert_true(f0.allocated);
	assert_int_equal(f0.kind, HVO_KIND_VMEMMAP);
	/* private: only this folio maps it (its own pages too in fake-head) */
	assert_int_equal(f0.vmap_count, fake ? vpages : 1);
	for (k = 1; k < vpages; k++) {
		t = vpage(sim, pfn, k);
		assert_int_equal(t.level, 0);
		assert_false(t.writable);
		if (k == 1)
			tail = t.frame_pfn;
		assert_int_equal(t.frame_pfn, tail);
	}
	ft = frinfo(sim, tail);
	assert_true(ft.allocated);
	if (fake) {
		assert_int_equal(tail, t0.frame_pfn);
	} else {
		assert_int_not_equal(tail, t0.frame_pfn);
		assert_int_equal(ft.kind, HVO_KIND_SHARED_TAIL);
	}
	return tail;
}

/* ---- every scheme on every geometry ---- */

struct variant {
	enum hvo_scheme scheme;
	enum hvo_tail_scope scope;
	enum hvo_tail_alloc alloc;
	const char *name;
};

static const struct variant variants[] = {
	{ HVO_SCHEME_NONE, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG, "none" },
	{ HVO_SCHEME_FAKE_HEAD, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG, "fake-head" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG, "shared-tail zone cmpxchg" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_LOCK, "shared-tail zone lock" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_NODE, HVO_TAIL_ALLOC_CMPXCHG, "shared-tail node cmpxchg" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_NODE, HVO_TAIL_ALLOC_LOCK, "shared-tail node lock" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_HSTATE, HVO_TAIL_ALLOC_CMPXCHG, "shared-tail hstate cmpxchg" },
	{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_HSTATE, HVO_TAIL_ALLOC_LOCK, "shared-tail hstate lock" },
};

struct geo {
	unsigned int shift;
	unsigned int stride;
};

/* the smallest huge page HVO could optimize: 2M at 4K, 32M at 16K, 512M at 64K */
static uint64_t smallest_size(unsigned int shift)
{
	return shift == 12 ? 2 * MiB : shift == 14 ? 32 * MiB : 512 * MiB;
}

#define NFOLIOS 2

static void run_variant(const struct geo *g, const struct variant *v)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	const struct hvo_geometry *geo;
	struct hvo_hstate_info hi;
	struct hvo_stats st0, st1, st2;
	uint64_t pfns[NFOLIOS], tails[NFOLIOS], i, vp, bytes;
	unsigned int h, k, best = ~0u;
	bool pow2 = !(g->stride & (g->stride - 1)), expect_opt;
	uint64_t mem = g->shift == 16 ? 2 * GiB : 1 * GiB;

	print_message("# %u-byte pages, %u-byte struct page, %s\n", 1u << g->shift,
		      g->stride, v->name);
	cfg_make(&c, g->shift, g->stride, v->scheme, 1, mem);
	c.tail_scope = v->scope;
	c.tail_alloc = v->alloc;
	sim = sim_new(&c);
	geo = hvo_sim_geometry(sim);
	assert_int_equal(geo->hvo_possible, pow2);

	h = hstate_of(sim, smallest_size(g->shift));
	hi = hinfo(sim, h);
	/* it needs at most a quarter of the node */
	assert_true(hi.bytes * NFOLIOS * 2 <= mem);
	expect_opt = v->scheme != HVO_SCHEME_NONE && pow2 &&
		     hi.order >= geo->vmemmap_tail_min_order;
	assert_int_equal(hi.optimizable, expect_opt);
	if (v->scheme != HVO_SCHEME_NONE)
		assert_true(expect_opt);	/* HVO schemes only run at powers of 2 */
	bytes = (1ull << hi.order) * g->stride;
	assert_int_equal(hi.vmemmap_bytes, bytes);
	vp = (bytes + geo->page_size - 1) / geo->page_size;
	assert_int_equal(hi.vmemmap_pages, vp);
	assert_int_equal(hi.optimizable_pages, expect_opt ? vp - 1 : 0);
	/* it is the smallest optimizable hstate */
	for (k = 0; k < hvo_hstate_count(sim); k++) {
		struct hvo_hstate_info o = hinfo(sim, k);

		if (o.optimizable && (best == ~0u || o.order < hinfo(sim, best).order))
			best = k;
	}
	if (expect_opt)
		assert_int_equal(best, h);
	else
		assert_int_equal(best, ~0u);

	hvo_sim_stats(sim, &st0);
	grow(sim, h, 0, NFOLIOS);
	assert_int_equal(folios_of(sim, h, pfns, NFOLIOS), NFOLIOS);
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, NFOLIOS);
	assert_int_equal(hi.free_huge_pages, NFOLIOS);
	assert_int_equal(hi.nr_optimized, expect_opt ? NFOLIOS : 0);
	check_clean(sim, "after grow");
	for (i = 0; i < NFOLIOS; i++) {
		struct hvo_folio_info fi = finfo(sim, pfns[i]);

		assert_int_equal(fi.head_pfn, pfns[i]);
		assert_int_equal(fi.hstate, h);
		assert_int_equal(fi.order, hi.order);
		assert_int_equal(fi.state, HVO_FOLIO_FREE);
		assert_int_equal(fi.optimized, expect_opt);
		assert_false(fi.boot);
		/* a tail pfn finds the same folio */
		assert_int_equal(finfo(sim, pfns[i] + 1).head_pfn, pfns[i]);
		check_folio_pages(sim, pfns[i], hi.order);
		if (expect_opt)
			tails[i] = check_layout(sim, pfns[i], vp);
	}
	hvo_sim_stats(sim, &st1);
	assert_int_equal(st1.optimized_folios, expect_opt ? NFOLIOS : 0);
	if (expect_opt && v->scheme == HVO_SCHEME_SHARED_TAIL) {
		/* one node, one zone: every scope gives both folios one tail */
		assert_int_equal(tails[0], tails[1]);
		assert_int_equal(frinfo(sim, tails[0]).vmap_count, NFOLIOS * (vp - 1));
		assert_int_equal(st1.in_use[HVO_KIND_SHARED_TAIL],
				 st0.in_use[HVO_KIND_SHARED_TAIL] + 1);
	}
	if (expect_opt && v->scheme == HVO_SCHEME_FAKE_HEAD) {
		assert_int_not_equal(tails[0], tails[1]);
		assert_int_equal(st1.static_key_count, NFOLIOS);
	}
	if (expect_opt)
		assert_int_equal(st1.in_use[HVO_KIND_VMEMMAP],
				 st0.in_use[HVO_KIND_VMEMMAP] - NFOLIOS * (vp - 1));
	else
		assert_int_equal(st1.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);

	shrink(sim, h, 0, NFOLIOS);
	check_clean(sim, "after shrink");
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 0);
	assert_int_equal(hi.free_huge_pages, 0);
	assert_int_equal(hi.nr_optimized, 0);
	hvo_sim_stats(sim, &st2);
	assert_int_equal(st2.optimized_folios, 0);
	assert_int_equal(st2.static_key_count, 0);
	assert_int_equal(st2.in_use[HVO_KIND_OTHER], st0.in_use[HVO_KIND_OTHER]);
	assert_int_equal(st2.in_use[HVO_KIND_HUGETLB], st0.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(st2.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	/* PMD splits are not undone; shared tails live forever */
	assert_int_equal(st2.in_use[HVO_KIND_PGTABLE] - st0.in_use[HVO_KIND_PGTABLE],
			 st2.pmd_splits - st0.pmd_splits);
	assert_int_equal(st2.in_use[HVO_KIND_SHARED_TAIL] - st0.in_use[HVO_KIND_SHARED_TAIL],
			 st2.shared_tails_live - st0.shared_tails_live);
	assert_int_equal(st2.in_use[HVO_KIND_SHARED_TAIL], st1.in_use[HVO_KIND_SHARED_TAIL]);
	assert_int_equal(st2.shared_tails_freed, 0);
	assert_int_equal(st2.free_pages + st2.in_use[HVO_KIND_OTHER] +
			 st2.in_use[HVO_KIND_VMEMMAP] + st2.in_use[HVO_KIND_PGTABLE] +
			 st2.in_use[HVO_KIND_HUGETLB] + st2.in_use[HVO_KIND_SHARED_TAIL],
			 geo->nr_pfns);
	sim_done(sim);
}

static void test_geometry(void **state)
{
	const struct geo *g = *state;
	bool pow2 = !(g->stride & (g->stride - 1));
	size_t i;

	for (i = 0; i < ARRAY_SIZE(variants); i++)
		if (pow2 || variants[i].scheme == HVO_SCHEME_NONE)
			run_variant(g, &variants[i]);
}

/*
 * A struct page that is not a power of 2 with an HVO scheme (issue 8.5): the
 * kernel boots such a machine and does not optimize
 * (hugetlb_vmemmap_optimizable() checks is_power_of_2(sizeof(struct
 * page))), so hvosim builds it too.  This replaces the test that such a
 * config was refused: the behaviour changed on purpose.  Every hstate is not
 * optimizable, pool folios and boot gigantic pages are never optimized, an
 * explicit optimize does nothing, no frame is freed or shared, and the
 * checker is clean.
 */
static void test_non_pow2_runs_unoptimized(void **state)
{
	static const unsigned int strides[] = { 56, 72, 80 };
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_FAKE_HEAD,
						   HVO_SCHEME_SHARED_TAIL };
	static const unsigned int shifts[] = { 12, 14, 16 };
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st;
	uint64_t pfns[2];
	size_t i, j, k;
	unsigned int h, n;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(strides); i++)
		for (j = 0; j < ARRAY_SIZE(schemes); j++)
			for (k = 0; k < ARRAY_SIZE(shifts); k++) {
				cfg_make(&c, shifts[k], strides[i], schemes[j], 1,
					 shifts[k] == 16 ? 4 * GiB : 2 * GiB);
				/* one boot gigantic page at 4K: populated normally */
				if (shifts[k] == 12)
					c.boot_gigantic[0] = 1;
				assert_int_equal(hvo_config_validate(&c), 0);
				sim = sim_new(&c);
				assert_false(hvo_sim_geometry(sim)->hvo_possible);
				assert_false(hvo_sim_geometry(sim)->mask_encoding);
				for (n = 0; n < hvo_hstate_count(sim); n++) {
					assert_false(hinfo(sim, n).optimizable);
					assert_int_equal(hinfo(sim, n).optimizable_pages, 0);
				}
				h = hstate_of(sim, smallest_size(shifts[k]));
				grow(sim, h, 0, 2);
				assert_int_equal(folios_of(sim, h, pfns, 2), 2);
				assert_false(finfo(sim, pfns[0]).optimized);
				assert_int_equal(hvo_folio_optimize(sim, pfns[0]), 0);
				assert_false(finfo(sim, pfns[0]).optimized);
				assert_int_equal(hinfo(sim, h).vmemmap_pages_in_use,
						 2 * hinfo(sim, h).vmemmap_pages);
				hvo_sim_stats(sim, &st);
				assert_int_equal(st.optimized_folios, 0);
				assert_int_equal(st.vmemmap_pages_freed, 0);
				assert_int_equal(st.shared_tails_allocated, 0);
				assert_int_equal(st.static_key_count, 0);
				check_clean(sim, "non power of 2, HVO scheme");
				assert_int_equal(hvo_pool_shrink(sim, h, 0, 2, NULL), 0);
				sim_done(sim);
			}
}

/* ---- exact accounting at 4K / 64-byte struct page, shared-tail ---- */

static void test_accounting_4k(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats a, b;
	struct hvo_hstate_info i2, i1;
	unsigned int h2, h1;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 2 * GiB);
	sim = sim_new(&c);
	h2 = hstate_of(sim, 2 * MiB);
	h1 = hstate_of(sim, 1 * GiB);
	i2 = hinfo(sim, h2);
	i1 = hinfo(sim, h1);
	assert_true(i2.optimizable);
	assert_true(i1.optimizable);
	assert_int_equal(i2.vmemmap_bytes, 32768);
	assert_int_equal(i2.vmemmap_pages, 8);
	assert_int_equal(i2.optimizable_pages, 7);
	assert_int_equal(i1.vmemmap_pages, 4096);
	assert_int_equal(i1.optimizable_pages, 4095);
	assert_false(i2.gigantic);
	assert_true(i1.gigantic);

	/* the first 2M folio: 8 frames freed, a head copy, the zone's tail */
	hvo_sim_stats(sim, &a);
	grow(sim, h2, 0, 1);
	hvo_sim_stats(sim, &b);
	assert_int_equal(a.in_use[HVO_KIND_VMEMMAP] - b.in_use[HVO_KIND_VMEMMAP], 7);
	assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL] - a.in_use[HVO_KIND_SHARED_TAIL], 1);
	assert_int_equal(b.shared_tails_allocated - a.shared_tails_allocated, 1);
	assert_int_equal(b.shared_tails_live - a.shared_tails_live, 1);
	assert_int_equal(b.vmemmap_pages_freed - a.vmemmap_pages_freed, 8);
	assert_int_equal((a.memmap_pages + a.memmap_boot_pages) -
			 (b.memmap_pages + b.memmap_boot_pages), 7);
	assert_int_equal(b.in_use[HVO_KIND_HUGETLB] - a.in_use[HVO_KIND_HUGETLB], 512);
	assert_int_equal(b.in_use[HVO_KIND_PGTABLE] - a.in_use[HVO_KIND_PGTABLE],
			 b.pmd_splits - a.pmd_splits);
	assert_int_equal(b.optimize_done - a.optimize_done, 1);
	check_clean(sim, "after the first 2M folio");

	/* the second: the same tail */
	a = b;
	grow(sim, h2, 0, 1);
	hvo_sim_stats(sim, &b);
	assert_int_equal(a.in_use[HVO_KIND_VMEMMAP] - b.in_use[HVO_KIND_VMEMMAP], 7);
	assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL], a.in_use[HVO_KIND_SHARED_TAIL]);
	assert_int_equal(b.shared_tails_allocated, a.shared_tails_allocated);

	/* a 1G folio: 4096 freed, one head copy, the order-18 tail */
	a = b;
	grow(sim, h1, 0, 1);
	hvo_sim_stats(sim, &b);
	assert_int_equal(a.in_use[HVO_KIND_VMEMMAP] - b.in_use[HVO_KIND_VMEMMAP], 4095);
	assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL] - a.in_use[HVO_KIND_SHARED_TAIL], 1);
	assert_int_equal(b.vmemmap_pages_freed - a.vmemmap_pages_freed, 4096);
	/* 16 MiB of vmemmap is 8 PMDs, each split once */
	assert_int_equal(b.pmd_splits - a.pmd_splits, 8);
	assert_int_equal(b.in_use[HVO_KIND_PGTABLE] - a.in_use[HVO_KIND_PGTABLE], 8);
	check_clean(sim, "after the 1G folio");

	/* restore gives every page back; the tails stay */
	a = b;
	shrink(sim, h1, 0, 1);
	hvo_sim_stats(sim, &b);
	assert_int_equal(b.in_use[HVO_KIND_VMEMMAP] - a.in_use[HVO_KIND_VMEMMAP], 4095);
	assert_int_equal(b.vmemmap_pages_restored - a.vmemmap_pages_restored, 4095);
	assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL], a.in_use[HVO_KIND_SHARED_TAIL]);
	a = b;
	shrink(sim, h2, 0, 2);
	hvo_sim_stats(sim, &b);
	assert_int_equal(b.in_use[HVO_KIND_VMEMMAP] - a.in_use[HVO_KIND_VMEMMAP], 14);
	assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL], 2);
	assert_int_equal(b.shared_tails_live, 2);
	assert_int_equal(b.shared_tails_freed, 0);
	assert_int_equal(b.in_use[HVO_KIND_HUGETLB], 0);
	check_clean(sim, "after shrinking");
	sim_done(sim);
}

/* ---- fake-head: static key and VMEMMAP_SYNCHRONIZE_RCU ---- */

static void test_fake_head_key_rcu(void **state)
{
	static const bool syncs[] = { true, false };
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats a, b;
	uint64_t pfns[3], n = 0;
	unsigned int h;
	size_t s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(syncs); s++) {
		uint64_t per = syncs[s] ? 1 : 0;

		cfg_make(&c, 12, 64, HVO_SCHEME_FAKE_HEAD, 1, 1 * GiB);
		c.rcu_sync = syncs[s];
		sim = sim_new(&c);
		h = hstate_of(sim, 2 * MiB);

		hvo_sim_stats(sim, &a);
		assert_int_equal(a.static_key_count, 0);
		grow(sim, h, 0, 3);	/* one batch */
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 3);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		assert_int_equal(folios_of(sim, h, pfns, 3), 3);
		check_clean(sim, "fake-head grow");

		a = b;
		assert_int_equal(hvo_folio_restore(sim, pfns[1]), 0);
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 2);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		assert_false(finfo(sim, pfns[1]).optimized);
		check_clean(sim, "fake-head single restore");

		a = b;
		assert_int_equal(hvo_folio_optimize(sim, pfns[1]), 0);
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 3);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		check_clean(sim, "fake-head single optimize");

		a = b;
		assert_int_equal(hvo_folios_restore(sim, pfns, 3, &n), 0);
		assert_int_equal(n, 3);
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 0);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		check_clean(sim, "fake-head batch restore");

		a = b;
		assert_int_equal(hvo_folios_optimize(sim, pfns, 3, &n), 0);
		assert_int_equal(n, 3);
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 3);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		check_clean(sim, "fake-head batch optimize");

		a = b;
		shrink(sim, h, 0, 3);
		hvo_sim_stats(sim, &b);
		assert_int_equal(b.static_key_count, 0);
		assert_int_equal(b.synchronize_rcu_calls - a.synchronize_rcu_calls, per);
		check_clean(sim, "fake-head shrink");
		sim_done(sim);
	}
}

/* ---- the layout, on each geometry ---- */

static void layout_one(unsigned int shift, enum hvo_scheme scheme)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_hstate_info hi;
	uint64_t pfns[2], t[2], k, i;
	unsigned int h, w;

	cfg_make(&c, shift, 64, scheme, 1, shift == 16 ? 2 * GiB : 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, smallest_size(shift));
	hi = hinfo(sim, h);
	grow(sim, h, 0, 2);
	assert_int_equal(folios_of(sim, h, pfns, 2), 2);
	for (i = 0; i < 2; i++)
		t[i] = check_layout(sim, pfns[i], hi.vmemmap_pages);
	/* the head frames are private to each folio */
	assert_int_not_equal(vpage(sim, pfns[0], 0).frame_pfn, vpage(sim, pfns[1], 0).frame_pfn);
	if (scheme == HVO_SCHEME_SHARED_TAIL) {
		const uint64_t *bytes = hvo_frame_bytes(sim, t[0]);
		uint64_t words[HVO_NR_PAGE_WORDS];
		struct hvo_folio_info fi = finfo(sim, pfns[0]);

		assert_int_equal(t[0], t[1]);
		assert_int_equal(frinfo(sim, t[0]).vmap_count, 2 * (hi.vmemmap_pages - 1));
		/* every entry is init_compound_tail() of the folio's order and zone */
		assert_non_null(bytes);
		hvo_init_compound_tail(sim, words, 0, hi.order, fi.nid, fi.zone);
		for (k = 0; k < hvo_sim_geometry(sim)->page_size / 64; k++)
			for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
				assert_int_equal(__atomic_load_n(&bytes[k * 8 + w], __ATOMIC_RELAXED),
						 words[w]);
	} else {
		assert_int_not_equal(t[0], t[1]);
		assert_int_equal(t[0], vpage(sim, pfns[0], 0).frame_pfn);
	}
	check_clean(sim, "layout");
	shrink(sim, h, 0, 2);
	/* after restore: every page its own RW frame again */
	sim_done(sim);
}

static void test_layout(void **state)
{
	static const unsigned int shifts[] = { 12, 14, 16 };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shifts); i++) {
		layout_one(shifts[i], HVO_SCHEME_SHARED_TAIL);
		layout_one(shifts[i], HVO_SCHEME_FAKE_HEAD);
	}
}

/* after restore every vmemmap page of a folio is its own RW frame */
static void test_layout_after_restore(void **state)
{
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_SHARED_TAIL,
						   HVO_SCHEME_FAKE_HEAD };
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t pfn, k, j;
	unsigned int h;
	size_t s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(schemes); s++) {
		cfg_make(&c, 12, 64, schemes[s], 1, 1 * GiB);
		sim = sim_new(&c);
		h = hstate_of(sim, 2 * MiB);
		grow(sim, h, 0, 1);
		assert_int_equal(folios_of(sim, h, &pfn, 1), 1);
		assert_int_equal(hvo_folio_restore(sim, pfn), 0);
		assert_false(finfo(sim, pfn).optimized);
		for (k = 0; k < 8; k++) {
			struct hvo_translation t = vpage(sim, pfn, k);

			assert_true(t.writable);
			assert_int_equal(frinfo(sim, t.frame_pfn).kind, HVO_KIND_VMEMMAP);
			assert_int_equal(frinfo(sim, t.frame_pfn).vmap_count, 1);
			for (j = 0; j < k; j++)
				assert_int_not_equal(vpage(sim, pfn, j).frame_pfn, t.frame_pfn);
		}
		check_folio_pages(sim, pfn, 9);
		check_clean(sim, "after restore");
		shrink(sim, h, 0, 1);
		sim_done(sim);
	}
}

/* ---- which folios share a tail ---- */

static const char *scope_name(enum hvo_tail_scope s)
{
	return s == HVO_SCOPE_ZONE ? "zone" : s == HVO_SCOPE_NODE ? "node" : "hstate";
}

/* the report names nothing but @inv */
static void check_only(struct hvo_sim *sim, const char *inv)
{
	struct hvo_report *rep = scratch_alloc(sizeof(*rep));
	int64_t n;
	uint64_t i;

	assert_non_null(rep);
	n = hvo_check(sim, rep);
	assert_true(n > 0);
	assert_true(hvo_report_has(rep, inv) > 0);
	for (i = 0; i < rep->nr; i++)
		if (strcmp(rep->v[i].invariant, inv)) {
			print_report(rep);
			scratch_free(rep);
			failf("unexpected violation besides %s", inv);
			return;	/* not reached: fail() does not return */
		}
	scratch_free(rep);
}

/* one node, ZONE_MOVABLE on top: folios in two zones of one node */
static void test_tail_sharing_zones(void **state)
{
	static const enum hvo_tail_scope scopes[] = { HVO_SCOPE_ZONE, HVO_SCOPE_NODE,
						      HVO_SCOPE_HSTATE };
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t *pfns, n, i, nr, pm = UINT64_MAX, pd = UINT64_MAX, tm, td;
	unsigned int h, nid, zone;
	size_t s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(scopes); s++) {
		print_message("# scope %s\n", scope_name(scopes[s]));
		cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 2 * GiB);
		c.node_movable_bytes[0] = 128 * MiB;
		c.tail_scope = scopes[s];
		sim = sim_new(&c);
		h = hstate_of(sim, 2 * MiB);
		/* enough 2M folios to fill Movable and spill into DMA32 */
		nr = hvo_zone_free_pages(sim, 0, HVO_ZONE_MOVABLE) / 512 + 2;
		grow(sim, h, 0, nr);
		pfns = scratch_alloc(nr * sizeof(*pfns));
		assert_non_null(pfns);
		n = folios_of(sim, h, pfns, nr);
		assert_int_equal(n, nr);
		pm = pd = UINT64_MAX;
		for (i = 0; i < n; i++) {
			struct hvo_folio_info fi = finfo(sim, pfns[i]);

			assert_true(fi.optimized);
			if (fi.zone == HVO_ZONE_MOVABLE)
				pm = pfns[i];
			else if (fi.zone == HVO_ZONE_DMA32)
				pd = pfns[i];
		}
		assert_int_not_equal(pm, UINT64_MAX);
		assert_int_not_equal(pd, UINT64_MAX);
		tm = check_layout(sim, pm, 8);
		td = check_layout(sim, pd, 8);
		if (scopes[s] == HVO_SCOPE_ZONE) {
			assert_int_not_equal(tm, td);
			/* node and zone through a shared tail are the folio's own */
			assert_int_equal(hvo_page_node_zone(sim, hvo_pfn_to_page(sim, pm + 64),
							    &nid, &zone), 0);
			assert_int_equal(zone, HVO_ZONE_MOVABLE);
			assert_int_equal(hvo_page_node_zone(sim, hvo_pfn_to_page(sim, pd + 64),
							    &nid, &zone), 0);
			assert_int_equal(zone, HVO_ZONE_DMA32);
			assert_int_equal(stats_of(sim).in_use[HVO_KIND_SHARED_TAIL], 2);
			check_clean(sim, "zone scope, two zones");
		} else {
			/* one tail for both zones: its zone bits are wrong for one
			 * of them, which is what the checker says */
			assert_int_equal(tm, td);
			assert_int_equal(stats_of(sim).in_use[HVO_KIND_SHARED_TAIL], 1);
			check_only(sim, "tail-node-zone");
		}
		shrink(sim, h, 0, nr);
		scratch_free(pfns);
		sim_done(sim);
	}
}

/* two nodes: zone and node scopes give each node its tail, hstate one */
static void test_tail_sharing_nodes(void **state)
{
	static const enum hvo_tail_scope scopes[] = { HVO_SCOPE_ZONE, HVO_SCOPE_NODE,
						      HVO_SCOPE_HSTATE };
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t pfns[2], t0, t1;
	unsigned int h;
	size_t s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(scopes); s++) {
		print_message("# scope %s\n", scope_name(scopes[s]));
		cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 1 * GiB);
		c.tail_scope = scopes[s];
		sim = sim_new(&c);
		h = hstate_of(sim, 2 * MiB);
		grow(sim, h, 0, 1);
		grow(sim, h, 1, 1);
		assert_int_equal(folios_of(sim, h, pfns, 2), 2);
		assert_int_equal(finfo(sim, pfns[0]).nid, 0);
		assert_int_equal(finfo(sim, pfns[1]).nid, 1);
		t0 = check_layout(sim, pfns[0], 8);
		t1 = check_layout(sim, pfns[1], 8);
		if (scopes[s] == HVO_SCOPE_HSTATE) {
			assert_int_equal(t0, t1);
			check_only(sim, "tail-node-zone");
		} else {
			unsigned int nid;
			enum hvo_zone_type z;

			assert_int_not_equal(t0, t1);
			/* each node's tail frame is on that node */
			assert_int_equal(hvo_pfn_zone(sim, t1, &nid, &z), 0);
			assert_int_equal(nid, 1);
			assert_int_equal(hvo_pfn_zone(sim, t0, &nid, &z), 0);
			assert_int_equal(nid, 0);
			check_clean(sim, "two nodes");
		}
		shrink(sim, h, 0, 1);
		shrink(sim, h, 1, 1);
		sim_done(sim);
	}
}

/* two orders in one zone: a tail each */
static void test_tail_per_order(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t p2, p1;
	unsigned int h2, h1;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 2 * GiB);
	sim = sim_new(&c);
	h2 = hstate_of(sim, 2 * MiB);
	h1 = hstate_of(sim, 1 * GiB);
	grow(sim, h1, 0, 1);
	grow(sim, h2, 0, 1);
	assert_int_equal(folios_of(sim, h2, &p2, 1), 1);
	assert_int_equal(folios_of(sim, h1, &p1, 1), 1);
	assert_int_not_equal(check_layout(sim, p2, 8), check_layout(sim, p1, 4096));
	assert_int_equal(finfo(sim, p1).zone, finfo(sim, p2).zone);
	check_folio_pages(sim, p1, 18);
	check_clean(sim, "two orders");
	shrink(sim, h1, 0, 1);
	shrink(sim, h2, 0, 1);
	sim_done(sim);
}

static const struct geo g12_64 = { 12, 64 }, g12_128 = { 12, 128 }, g12_56 = { 12, 56 },
			g12_72 = { 12, 72 }, g12_80 = { 12, 80 };
static const struct geo g14_64 = { 14, 64 }, g14_128 = { 14, 128 }, g14_56 = { 14, 56 },
			g14_72 = { 14, 72 }, g14_80 = { 14, 80 };
static const struct geo g16_64 = { 16, 64 }, g16_128 = { 16, 128 }, g16_56 = { 16, 56 },
			g16_72 = { 16, 72 }, g16_80 = { 16, 80 };

#define G(g) { .name = "geometry/" #g, .test_func = test_geometry, \
	       .teardown_func = cleanup, .initial_state = (void *)&(g) }
#define CT(fn) cmocka_unit_test_teardown(fn, cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		G(g12_64), G(g12_128), G(g12_56), G(g12_72), G(g12_80),
		G(g14_64), G(g14_128), G(g14_56), G(g14_72), G(g14_80),
		G(g16_64), G(g16_128), G(g16_56), G(g16_72), G(g16_80),
		CT(test_non_pow2_runs_unoptimized),
		CT(test_accounting_4k),
		CT(test_fake_head_key_rcu),
		CT(test_layout),
		CT(test_layout_after_restore),
		CT(test_tail_sharing_zones),
		CT(test_tail_sharing_nodes),
		CT(test_tail_per_order),
	};

	return cmocka_run_group_tests_name("hvo_schemes", tests, NULL, NULL);
}
