// SPDX-License-Identifier: MIT
/*
 * test_hvo_pool.c - hstates and their pools: the hstates of each geometry,
 * per-node grow/shrink/resize and counters, folios taken for use and put
 * back, surplus folios, demote, boot gigantic pages (HVO-populated without
 * ever having had a full vmemmap, and the one that spans zones), and bad
 * input refused cleanly with nothing changed.
 */
#include "hvotest_hvo.h"

/* ---- helpers ---- */

static int32_t refcount(struct hvo_sim *sim, uint64_t pfn)
{
	int32_t ref = -1;

	assert_int_equal(hvo_page_refcount(sim, hvo_pfn_to_page(sim, pfn), &ref), 0);
	return ref;
}

/* every tail decodes to its head and the kpageflags selftest rule holds */
static void check_folio_pages(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), i, fl, m = KPF(COMPOUND_HEAD) |
		 KPF(COMPOUND_TAIL) | KPF(HUGE);

	assert_int_equal(hvo_kpageflags(sim, pfn, &fl), 0);
	assert_int_equal(fl & m, KPF(COMPOUND_HEAD) | KPF(HUGE));
	for (i = 1; i < 1ull << order; i++) {
		if (hvo_compound_head(sim, hvo_pfn_to_page(sim, pfn + i)) != head)
			failf("folio %#llx tail %llu does not decode to its head",
			      (unsigned long long)pfn, (unsigned long long)i);
		assert_int_equal(hvo_kpageflags(sim, pfn + i, &fl), 0);
		if ((fl & m) != (KPF(COMPOUND_TAIL) | KPF(HUGE)))
			failf("kpageflags of folio %#llx tail %llu: %#llx", (unsigned long long)pfn,
			      (unsigned long long)i, (unsigned long long)fl);
	}
}

/* ---- hstates per geometry ---- */

struct hs_expect {
	uint64_t bytes;
	unsigned int order;
	bool gigantic;
	uint64_t vmemmap_pages;	/* at a 64-byte struct page */
	uint64_t optimizable_pages;
};

struct geo_expect {
	unsigned int shift;
	bool cont;
	unsigned int n;
	struct hs_expect hs[4];
};

static const struct geo_expect geos[] = {
	{ 12, false, 2, { { 2 * MiB, 9, false, 8, 7 }, { 1 * GiB, 18, true, 4096, 4095 } } },
	{ 12, true, 4, { { 64 * 1024, 4, false, 1, 0 }, { 2 * MiB, 9, false, 8, 7 },
			 { 32 * MiB, 13, true, 128, 127 }, { 1 * GiB, 18, true, 4096, 4095 } } },
	{ 14, false, 2, { { 32 * MiB, 11, false, 8, 7 }, { 1 * GiB, 16, true, 256, 255 } } },
	{ 14, true, 3, { { 2 * MiB, 7, false, 1, 0 }, { 32 * MiB, 11, false, 8, 7 },
			 { 1 * GiB, 16, true, 256, 255 } } },
	{ 16, false, 2, { { 512 * MiB, 13, false, 8, 7 }, { 16 * GiB, 18, true, 256, 255 } } },
	{ 16, true, 3, { { 2 * MiB, 5, false, 1, 0 }, { 512 * MiB, 13, false, 8, 7 },
			 { 16 * GiB, 18, true, 256, 255 } } },
};

static void test_hstates(void **state)
{
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_SHARED_TAIL, HVO_SCHEME_NONE };
	static const uint64_t bad[] = { 0, 4096, 16384, 65536 * 3, 1 * MiB, 3 * MiB, 4 * MiB,
					2 * GiB, 32 * GiB, ~0ull };
	struct hvo_config c;
	struct hvo_sim *sim;
	size_t g, s, b;
	unsigned int i;

	(void)state;
	for (g = 0; g < ARRAY_SIZE(geos); g++)
		for (s = 0; s < ARRAY_SIZE(schemes); s++) {
			const struct geo_expect *ge = &geos[g];

			cfg_make(&c, ge->shift, 64, schemes[s], 1,
				 ge->shift == 16 ? 2 * GiB : 1 * GiB);
			c.cont_hstates = ge->cont;
			sim = sim_new(&c);
			assert_int_equal(hvo_hstate_count(sim), ge->n);
			for (i = 0; i < ge->n; i++) {
				const struct hs_expect *e = &ge->hs[i];
				struct hvo_hstate_info hi = hinfo(sim, i);
				bool opt = schemes[s] != HVO_SCHEME_NONE && e->optimizable_pages;
				char name[32];

				assert_int_equal(hi.index, i);
				assert_int_equal(hi.bytes, e->bytes);
				assert_int_equal(hi.order, e->order);
				assert_int_equal(hi.gigantic, e->gigantic);
				assert_int_equal(hi.optimizable, opt);
				assert_int_equal(hi.vmemmap_bytes, (1ull << e->order) * 64);
				assert_int_equal(hi.vmemmap_pages, e->vmemmap_pages);
				assert_int_equal(hi.optimizable_pages, opt ? e->optimizable_pages : 0);
				snprintf(name, sizeof(name), "hugepages-%llukB",
					 (unsigned long long)(e->bytes >> 10));
				assert_string_equal(hi.name, name);
				assert_int_equal(hi.nr_huge_pages, 0);
				assert_int_equal(hi.free_huge_pages, 0);
				assert_int_equal(hi.surplus_huge_pages, 0);
				assert_int_equal(hi.nr_optimized, 0);
				assert_int_equal(hvo_hstate_find(sim, e->bytes), (int)i);
			}
			for (b = 0; b < ARRAY_SIZE(bad); b++) {
				bool valid = false;

				for (i = 0; i < ge->n; i++)
					valid |= ge->hs[i].bytes == bad[b];
				if (valid)
					continue;
				assert_int_equal(hvo_hstate_find(sim, bad[b]), -ENOENT);
				/* the message lists the sizes there are */
				assert_error_names(ge->shift == 12 ? "2M, 1G" :
						   ge->shift == 14 ? "32M, 1G" : "512M, 16G");
			}
			assert_int_equal(hvo_hstate_info(sim, ge->n, &(struct hvo_hstate_info){ 0 }),
					 -EINVAL);
			sim_done(sim);
		}
}

/* ---- per node: grow, shrink, resize ---- */

static void node_counts(struct hvo_sim *sim, unsigned int h, uint64_t n0, uint64_t n1,
			uint64_t f0, uint64_t f1)
{
	struct hvo_hstate_info hi = hinfo(sim, h);

	assert_int_equal(hi.nr_huge_pages_node[0], n0);
	assert_int_equal(hi.nr_huge_pages_node[1], n1);
	assert_int_equal(hi.free_huge_pages_node[0], f0);
	assert_int_equal(hi.free_huge_pages_node[1], f1);
	assert_int_equal(hi.nr_huge_pages, n0 + n1);
	assert_int_equal(hi.free_huge_pages, f0 + f1);
	assert_int_equal(hi.nr_optimized, n0 + n1);
	assert_int_equal(hi.surplus_huge_pages, 0);
}

static void test_pool_per_node(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st0, st;
	uint64_t pfns[8], actual = 0, done = 0, i;
	unsigned int h;
	int64_t n;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	hvo_sim_stats(sim, &st0);

	assert_int_equal(hvo_pool_resize(sim, h, 0, 3, &actual), 0);
	assert_int_equal(actual, 3);
	assert_int_equal(hvo_pool_resize(sim, h, 1, 2, &actual), 0);
	assert_int_equal(actual, 2);
	node_counts(sim, h, 3, 2, 3, 2);
	n = hvo_folio_list(sim, h, pfns, 8);
	assert_int_equal(n, 5);
	for (i = 0; i < 5; i++) {
		struct hvo_folio_info fi = finfo(sim, pfns[i]);
		unsigned int nid;

		assert_int_equal(hvo_pfn_zone(sim, pfns[i], &nid, NULL), 0);
		assert_int_equal(fi.nid, nid);
		assert_true(fi.optimized);
		assert_int_equal(fi.state, HVO_FOLIO_FREE);
		assert_int_equal(refcount(sim, pfns[i]), 0);
		if (i)
			assert_true(pfns[i] > pfns[i - 1]);
	}
	/* hvo_folio_list() reports the total even when the array is short */
	assert_int_equal(hvo_folio_list(sim, h, pfns, 2), 5);
	check_clean(sim, "3 + 2");

	assert_int_equal(hvo_pool_grow(sim, h, 1, 1, &done), 0);
	assert_int_equal(done, 1);
	node_counts(sim, h, 3, 3, 3, 3);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, &done), 0);
	assert_int_equal(done, 1);
	node_counts(sim, h, 2, 3, 2, 3);
	/* resize to the same count is a no-op */
	assert_int_equal(hvo_pool_resize(sim, h, 1, 3, &actual), 0);
	assert_int_equal(actual, 3);
	node_counts(sim, h, 2, 3, 2, 3);
	/* shrinking more than there is frees what there is */
	assert_int_equal(hvo_pool_shrink(sim, h, 1, 5, &done), -EBUSY);
	assert_int_equal(done, 3);
	node_counts(sim, h, 2, 0, 2, 0);
	check_clean(sim, "2 + 0");

	/* growing past the node's memory stops where memory ends */
	assert_int_equal(hvo_pool_resize(sim, h, 1, 1000, &actual), -ENOMEM);
	assert_true(actual > 400 && actual < 512);
	node_counts(sim, h, 2, actual, 2, actual);
	check_clean(sim, "node 1 full");
	assert_int_equal(hvo_pool_resize(sim, h, 1, 0, &actual), 0);
	assert_int_equal(actual, 0);
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, &actual), 0);
	node_counts(sim, h, 0, 0, 0, 0);
	hvo_sim_stats(sim, &st);
	assert_int_equal(st.in_use[HVO_KIND_HUGETLB], st0.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(st.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	/* one tail per node (one zone each) */
	assert_int_equal(st.in_use[HVO_KIND_SHARED_TAIL], 2);
	check_clean(sim, "empty");
	sim_done(sim);
}

/* ---- folios in use ---- */

static void test_alloc_put(void **state)
{
	const enum hvo_scheme scheme = *(const enum hvo_scheme *)*state;
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_hstate_info hi;
	uint64_t a = 0, b = 0, x;
	unsigned int h;
	int32_t nv = 0;

	cfg_make(&c, 12, 64, scheme, 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 2, NULL), 0);

	assert_int_equal(hvo_folio_alloc(sim, h, 0, &a), 0);
	assert_int_equal(finfo(sim, a).state, HVO_FOLIO_ACTIVE);
	assert_int_equal(finfo(sim, a).optimized, scheme != HVO_SCHEME_NONE);
	assert_int_equal(refcount(sim, a), 1);
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 2);
	assert_int_equal(hi.free_huge_pages, 1);
	assert_int_equal(hi.nr_optimized, scheme != HVO_SCHEME_NONE ? 2 : 0);
	check_clean(sim, "one in use");

	/* nid -1: any node */
	assert_int_equal(hvo_folio_alloc(sim, h, -1, &b), 0);
	assert_int_not_equal(a, b);
	assert_int_equal(hinfo(sim, h).free_huge_pages, 0);
	/* no free folio, no overcommit */
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &x), -ENOMEM);
	check_clean(sim, "two in use");

	/* a second reference: the first put does not free it */
	assert_int_equal(hvo_page_ref_add(sim, hvo_pfn_to_page(sim, a), 1, &nv), 0);
	assert_int_equal(nv, 2);
	assert_int_equal(hvo_folio_put(sim, a), 0);
	assert_int_equal(finfo(sim, a).state, HVO_FOLIO_ACTIVE);
	assert_int_equal(refcount(sim, a), 1);
	assert_int_equal(hvo_folio_put(sim, a), 0);
	assert_int_equal(finfo(sim, a).state, HVO_FOLIO_FREE);
	assert_int_equal(refcount(sim, a), 0);
	assert_int_equal(finfo(sim, a).optimized, scheme != HVO_SCHEME_NONE);
	assert_int_equal(hvo_folio_put(sim, a), -EINVAL);	/* already free */
	assert_int_equal(hvo_folio_put(sim, b), 0);
	hi = hinfo(sim, h);
	assert_int_equal(hi.free_huge_pages, 2);
	check_clean(sim, "both back");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 2, NULL), 0);
	sim_done(sim);
}

/* ---- surplus ---- */

static void test_surplus(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st0, st;
	struct hvo_hstate_info hi;
	uint64_t s = 0, x;
	unsigned int h;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	hvo_sim_stats(sim, &st0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &x), -ENOMEM);
	assert_int_equal(hvo_pool_set_overcommit(sim, h, 1), 0);
	assert_int_equal(hinfo(sim, h).nr_overcommit_huge_pages, 1);

	assert_int_equal(hvo_folio_alloc(sim, h, 0, &s), 0);
	assert_true(finfo(sim, s).surplus);
	assert_true(finfo(sim, s).optimized);
	assert_int_equal(finfo(sim, s).state, HVO_FOLIO_ACTIVE);
	assert_int_equal(refcount(sim, s), 1);
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 1);
	assert_int_equal(hi.free_huge_pages, 0);
	assert_int_equal(hi.surplus_huge_pages, 1);
	assert_int_equal(hi.surplus_huge_pages_node[0], 1);
	check_clean(sim, "surplus in use");
	/* the limit */
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &x), -ENOMEM);
	/* resize counts persistent folios only */
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, NULL), 0);
	assert_int_equal(hinfo(sim, h).nr_huge_pages, 1);

	/* the last put frees a surplus folio back to the buddy */
	assert_int_equal(hvo_folio_put(sim, s), 0);
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 0);
	assert_int_equal(hi.surplus_huge_pages, 0);
	assert_int_equal(hvo_folio_lookup(sim, s, &(struct hvo_folio_info){ 0 }), -ENOENT);
	hvo_sim_stats(sim, &st);
	assert_int_equal(st.in_use[HVO_KIND_HUGETLB], st0.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(st.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	check_clean(sim, "surplus freed");
	sim_done(sim);
}

/*
 * free_huge_folio() frees whichever folio of a node with surplus is put
 * first, as the kernel does; the folio left behind is then persistent.
 */
static void test_surplus_put_order(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_hstate_info hi;
	uint64_t p = 0, s = 0, left[2], actual = 9;
	unsigned int h;
	bool stale;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_pool_set_overcommit(sim, h, 1), 0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &p), 0);	/* the persistent one */
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &s), 0);	/* a surplus one */
	assert_false(finfo(sim, p).surplus);
	assert_true(finfo(sim, s).surplus);
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 2);
	assert_int_equal(hi.surplus_huge_pages, 1);

	assert_int_equal(hvo_folio_put(sim, p), 0);	/* freed: the node had surplus */
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 1);
	assert_int_equal(hi.surplus_huge_pages, 0);
	assert_int_equal(hvo_folio_put(sim, s), 0);	/* kept: no surplus left */
	hi = hinfo(sim, h);
	assert_int_equal(hi.nr_huge_pages, 1);
	assert_int_equal(hi.free_huge_pages, 1);
	assert_int_equal(hi.surplus_huge_pages, 0);
	assert_int_equal(hvo_folio_list(sim, h, left, 2), 1);
	assert_int_equal(left[0], s);
	stale = finfo(sim, s).surplus;
	check_clean(sim, "after the puts");
	/* it leaves the pool as a persistent folio: resize to 0 frees it */
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, &actual), 0);
	hi = hinfo(sim, h);
	assert_int_equal(hi.surplus_huge_pages, 0);
	assert_int_equal(hi.surplus_huge_pages_node[0], 0);
	assert_int_equal(hi.nr_huge_pages, 0);
	assert_int_equal(actual, 0);
	/* and while it was in the pool it was an ordinary persistent folio */
	assert_false(stale);
	check_clean(sim, "empty");
	sim_done(sim);
}

/* ---- dissolve ---- */

static void test_dissolve(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st0, st;
	uint64_t pfns[2], used = 0;
	unsigned int h;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	hvo_sim_stats(sim, &st0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 2, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, pfns, 2), 2);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &used), 0);
	assert_int_equal(hvo_folio_dissolve(sim, used), -EBUSY);
	assert_int_equal(hvo_folio_dissolve(sim, used == pfns[0] ? pfns[1] : pfns[0]), 0);
	assert_int_equal(hinfo(sim, h).nr_huge_pages, 1);
	assert_int_equal(hvo_folio_dissolve(sim, used == pfns[0] ? pfns[1] : pfns[0]), -EINVAL);
	check_clean(sim, "one dissolved");
	assert_int_equal(hvo_folio_put(sim, used), 0);
	assert_int_equal(hvo_folio_dissolve(sim, used), 0);
	hvo_sim_stats(sim, &st);
	assert_int_equal(st.in_use[HVO_KIND_HUGETLB], st0.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(st.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	check_clean(sim, "both dissolved");
	sim_done(sim);
}

/* ---- demote 1G -> 2M ---- */

static void test_demote(void **state)
{
	const enum hvo_scheme scheme = *(const enum hvo_scheme *)*state;
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st0, a, b;
	struct hvo_hstate_info hi;
	uint64_t big = 0, *pfns, i, done = 9, tail1 = 0, tail2 = 0;
	unsigned int h1, h2;
	bool st = scheme == HVO_SCHEME_SHARED_TAIL;

	cfg_make(&c, 12, 64, scheme, 1, 2 * GiB);
	sim = sim_new(&c);
	h1 = hstate_of(sim, 1 * GiB);
	h2 = hstate_of(sim, 2 * MiB);
	hvo_sim_stats(sim, &st0);
	/* nothing to demote */
	assert_int_equal(hvo_demote(sim, h1, h2, 0, 1, &done), -EBUSY);
	assert_int_equal(done, 0);

	assert_int_equal(hvo_pool_grow(sim, h1, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h1, &big, 1), 1);
	if (st)
		tail1 = vpage(sim, big, 1).frame_pfn;
	hvo_sim_stats(sim, &a);
	assert_int_equal(hvo_demote(sim, h1, h2, 0, 1, &done), 0);
	assert_int_equal(done, 1);
	hvo_sim_stats(sim, &b);

	assert_int_equal(hinfo(sim, h1).nr_huge_pages, 0);
	hi = hinfo(sim, h2);
	assert_int_equal(hi.nr_huge_pages, 512);
	assert_int_equal(hi.free_huge_pages, 512);
	assert_int_equal(hi.nr_optimized, 512);
	pfns = scratch_alloc(512 * sizeof(*pfns));
	assert_non_null(pfns);
	assert_int_equal(hvo_folio_list(sim, h2, pfns, 512), 512);
	for (i = 0; i < 512; i++) {
		struct hvo_folio_info fi = finfo(sim, pfns[i]);

		/* the 1G folio became 512 2M folios, in place */
		assert_int_equal(pfns[i], big + i * 512);
		assert_true(fi.optimized);
		assert_int_equal(fi.order, 9);
		assert_int_equal(fi.state, HVO_FOLIO_FREE);
		assert_false(fi.boot);
		assert_true(vpage(sim, pfns[i], 0).writable);
		if (st) {
			struct hvo_translation t = vpage(sim, pfns[i], 1);

			if (i == 0)
				tail2 = t.frame_pfn;
			/* each against the 2M tail, not the 1G one */
			assert_int_equal(t.frame_pfn, tail2);
			assert_false(t.writable);
		}
	}
	check_folio_pages(sim, pfns[0], 9);
	check_folio_pages(sim, pfns[511], 9);
	if (st) {
		struct hvo_frame_info f1 = frinfo(sim, tail1), f2 = frinfo(sim, tail2);

		assert_int_not_equal(tail1, tail2);
		assert_int_equal(f2.kind, HVO_KIND_SHARED_TAIL);
		assert_int_equal(f2.vmap_count, 512 * 7);
		/* the 1G tail is not freed, only unmapped */
		assert_true(f1.allocated);
		assert_int_equal(f1.kind, HVO_KIND_SHARED_TAIL);
		assert_int_equal(f1.vmap_count, 0);
		assert_int_equal(b.in_use[HVO_KIND_SHARED_TAIL], 2);
		assert_int_equal(b.shared_tails_freed, 0);
	} else {
		assert_int_equal(b.static_key_count, 512);
	}
	/* 1G optimized: 1 vmemmap frame; 512 2M optimized: 512 */
	assert_int_equal(b.in_use[HVO_KIND_VMEMMAP] - a.in_use[HVO_KIND_VMEMMAP], 511);
	assert_int_equal(b.optimized_folios, 512);
	check_clean(sim, "after demote");

	/* demote more than there is */
	assert_int_equal(hvo_pool_grow(sim, h1, 0, 1, NULL), -ENOMEM);	/* no 1G left free */
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 512, &done), 0);
	assert_int_equal(done, 512);
	assert_int_equal(hvo_pool_grow(sim, h1, 0, 1, NULL), 0);
	assert_int_equal(hvo_demote(sim, h1, h2, 0, 2, &done), -EBUSY);
	assert_int_equal(done, 1);
	assert_int_equal(hinfo(sim, h2).nr_huge_pages, 512);
	check_clean(sim, "demoted again");
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 512, NULL), 0);
	hvo_sim_stats(sim, &b);
	assert_int_equal(b.in_use[HVO_KIND_HUGETLB], st0.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(b.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	check_clean(sim, "empty");
	scratch_free(pfns);
	sim_done(sim);
}

/* ---- boot gigantic pages ---- */

static void test_boot_gigantic(void **state)
{
	const enum hvo_scheme scheme = *(const enum hvo_scheme *)*state;
	struct hvo_config c;
	struct hvo_sim *ref, *sim;
	struct hvo_stats r, s, s2;
	struct hvo_hstate_info hi;
	uint64_t pfns[3], i, tail = 0;
	unsigned int h1;
	bool st = scheme == HVO_SCHEME_SHARED_TAIL, opt = scheme != HVO_SCHEME_NONE;

	/* the same machine without boot pages, for the vmemmap counts */
	cfg_make(&c, 12, 64, scheme, 1, 4 * GiB);
	ref = sim_new(&c);
	hvo_sim_stats(ref, &r);
	c.boot_gigantic[0] = 2;
	sim = sim_new(&c);
	hvo_sim_stats(sim, &s);
	h1 = hstate_of(sim, 1 * GiB);
	hi = hinfo(sim, h1);
	assert_int_equal(hi.nr_huge_pages, 2);
	assert_int_equal(hi.free_huge_pages, 2);
	assert_int_equal(hi.nr_huge_pages_node[0], 2);
	assert_int_equal(hi.nr_optimized, opt ? 2 : 0);
	assert_int_equal(hvo_folio_list(sim, h1, pfns, 3), 2);
	for (i = 0; i < 2; i++) {
		struct hvo_folio_info fi = finfo(sim, pfns[i]);
		struct hvo_frame_info ff = frinfo(sim, pfns[i]);

		assert_true(fi.boot);
		assert_int_equal(fi.optimized, opt);
		assert_int_equal(fi.state, HVO_FOLIO_FREE);
		/* memblock: top-down from the end of the node */
		assert_true(ff.boot);
		assert_int_equal(ff.kind, HVO_KIND_HUGETLB);
		assert_true(pfns[i] >= (2 * GiB) >> 12);
		if (opt) {
			struct hvo_translation t0 = vpage(sim, pfns[i], 0), t1 = vpage(sim, pfns[i], 1);
			uint64_t k;

			assert_true(t0.writable);
			assert_false(t1.writable);
			for (k = 2; k < 4096; k += 97)
				assert_int_equal(vpage(sim, pfns[i], k).frame_pfn, t1.frame_pfn);
			assert_false(vpage(sim, pfns[i], 4095).writable);
			if (st) {
				struct hvo_frame_info ft = frinfo(sim, t1.frame_pfn);

				/* the boot tail: a memblock page */
				assert_int_equal(ft.kind, HVO_KIND_SHARED_TAIL);
				assert_true(ft.boot);
				if (i == 0)
					tail = t1.frame_pfn;
				assert_int_equal(t1.frame_pfn, tail);
			}
		}
	}
	check_folio_pages(sim, pfns[0], 18);
	check_clean(sim, "boot");
	if (st) {
		/* never had a full vmemmap: 4095 frames per page never allocated,
		 * nothing freed by an optimize */
		assert_int_equal(r.allocated[HVO_KIND_VMEMMAP] - s.allocated[HVO_KIND_VMEMMAP],
				 2 * 4095);
		assert_int_equal(r.memmap_boot_pages - s.memmap_boot_pages, 2 * 4095);
		assert_int_equal(s.vmemmap_pages_freed, 0);
		assert_int_equal(s.optimize_calls, 0);
		assert_int_equal(s.in_use[HVO_KIND_SHARED_TAIL], 1);
		assert_int_equal(s.boot_in_use[HVO_KIND_SHARED_TAIL], 1);
	} else if (opt) {
		/* fake-head: populated in full, optimized while gathered (two
		 * head copies) */
		assert_int_equal(s.allocated[HVO_KIND_VMEMMAP], r.allocated[HVO_KIND_VMEMMAP] + 2);
		assert_int_equal(s.vmemmap_pages_freed, 2 * 4096);
		assert_int_equal(r.memmap_boot_pages - s.memmap_boot_pages, 2 * 4096);
		assert_int_equal(s.memmap_pages, 2);
		assert_int_equal(s.static_key_count, 2);
	} else {
		assert_int_equal(s.memmap_boot_pages, r.memmap_boot_pages);
	}
	assert_int_equal(s.in_use[HVO_KIND_HUGETLB], 2 * 262144);
	assert_int_equal(s.boot_in_use[HVO_KIND_HUGETLB], 2 * 262144);

	/* a 1G folio grown at run time shares the boot tail (same zone, order) */
	assert_int_equal(hvo_pool_grow(sim, h1, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h1, pfns, 3), 3);
	assert_false(finfo(sim, pfns[0]).boot);
	if (st) {
		assert_int_equal(vpage(sim, pfns[0], 1).frame_pfn, tail);
		assert_int_equal(stats_of(sim).in_use[HVO_KIND_SHARED_TAIL], 1);
	}
	check_clean(sim, "boot + run time");

	/* boot pages leave the pool like any other, restored first */
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 3, NULL), 0);
	hvo_sim_stats(sim, &s2);
	assert_int_equal(s2.in_use[HVO_KIND_HUGETLB], 0);
	assert_int_equal(s2.in_use[HVO_KIND_VMEMMAP], r.in_use[HVO_KIND_VMEMMAP]);
	assert_int_equal(s2.free_pages, r.free_pages - (s2.in_use[HVO_KIND_SHARED_TAIL] -
							 r.in_use[HVO_KIND_SHARED_TAIL]) -
			 (s2.in_use[HVO_KIND_PGTABLE] - r.in_use[HVO_KIND_PGTABLE]));
	check_clean(sim, "boot pages freed");
	sim_done(sim);
	sim_done(ref);
}

/* a boot page across the DMA32/Movable boundary is dropped, its memory freed */
static void test_boot_spanning_zones(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats s;
	struct hvo_hstate_info hi;
	struct hvo_folio_info fi;
	uint64_t pfns[2], top = (3 * GiB) >> 12, mid = (3 * GiB + 512 * MiB) >> 12, mov_s, mov_e;
	unsigned int h1, nid;
	enum hvo_zone_type zone;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 4 * GiB);
	c.node_movable_bytes[0] = 512 * MiB;	/* Movable from 3.5G: inside [3G, 4G) */
	c.boot_gigantic[0] = 2;
	sim = sim_new(&c);
	assert_int_equal(hvo_zone_span(sim, 0, HVO_ZONE_MOVABLE, &mov_s, &mov_e), 0);
	assert_int_equal(mov_s, mid);
	h1 = hstate_of(sim, 1 * GiB);
	hi = hinfo(sim, h1);
	assert_int_equal(hi.nr_huge_pages, 1);
	assert_int_equal(hvo_folio_list(sim, h1, pfns, 2), 1);
	assert_int_equal(pfns[0], (2 * GiB) >> 12);
	assert_true(finfo(sim, pfns[0]).boot);
	assert_true(finfo(sim, pfns[0]).optimized);
	/* the topmost 1G went back to the buddy */
	assert_int_equal(hvo_folio_lookup(sim, top, &fi), -ENOENT);
	assert_false(frinfo(sim, top).allocated);
	assert_false(frinfo(sim, mid).allocated);
	assert_int_equal(hvo_zone_free_pages(sim, 0, HVO_ZONE_MOVABLE), mov_e - mov_s);
	hvo_sim_stats(sim, &s);
	assert_int_equal(s.in_use[HVO_KIND_HUGETLB], 262144);
	assert_int_equal(s.boot_in_use[HVO_KIND_HUGETLB], 262144);
	/* and its vmemmap was populated normally: plain struct pages, each
	 * with its own zone */
	assert_int_equal(hvo_page_node_zone(sim, hvo_pfn_to_page(sim, top), &nid, &zone), 0);
	assert_int_equal(zone, HVO_ZONE_DMA32);
	assert_int_equal(hvo_page_node_zone(sim, hvo_pfn_to_page(sim, mid), &nid, &zone), 0);
	assert_int_equal(zone, HVO_ZONE_MOVABLE);
	assert_int_equal(hvo_page_tail(sim, hvo_pfn_to_page(sim, top + 1)), 0);
	assert_true(vpage(sim, top, 1).writable);
	check_clean(sim, "one boot page dropped");
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 1, NULL), 0);
	check_clean(sim, "empty");
	sim_done(sim);
}

/* ---- bad input: refused, nothing changed ---- */

struct state {
	uint64_t in_use[HVO_NR_KINDS], allocated[HVO_NR_KINDS], freed[HVO_NR_KINDS];
	uint64_t free_pages, optimized_folios, shared_tails_live, pmd_splits;
	int64_t memmap_pages, memmap_boot_pages, static_key_count;
	uint64_t nr[HVO_MAX_HSTATES], free[HVO_MAX_HSTATES], surplus[HVO_MAX_HSTATES];
	uint64_t nr_optimized[HVO_MAX_HSTATES];
};

static void state_of(struct hvo_sim *sim, struct state *out)
{
	struct hvo_stats st;
	unsigned int h, k;

	memset(out, 0, sizeof(*out));
	hvo_sim_stats(sim, &st);
	for (k = 0; k < HVO_NR_KINDS; k++) {
		out->in_use[k] = st.in_use[k];
		out->allocated[k] = st.allocated[k];
		out->freed[k] = st.freed[k];
	}
	out->free_pages = st.free_pages;
	out->optimized_folios = st.optimized_folios;
	out->shared_tails_live = st.shared_tails_live;
	out->pmd_splits = st.pmd_splits;
	out->memmap_pages = st.memmap_pages;
	out->memmap_boot_pages = st.memmap_boot_pages;
	out->static_key_count = st.static_key_count;
	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi = hinfo(sim, h);

		out->nr[h] = hi.nr_huge_pages;
		out->free[h] = hi.free_huge_pages;
		out->surplus[h] = hi.surplus_huge_pages;
		out->nr_optimized[h] = hi.nr_optimized;
	}
}

/* @call fails with @err (0: any -errno), says why, and changes nothing */
#define REFUSED(call, err)                                                      \
	do {                                                                    \
		struct state after_;                                            \
		int rc_ = (call);                                               \
		if ((err) ? rc_ != (err) : rc_ >= 0)                            \
			failf("%s: %d, expected %d", #call, rc_, (err));        \
		assert_true(hvo_last_error()[0] != '\0');                       \
		state_of(sim, &after_);                                         \
		if (memcmp(&before, &after_, sizeof(before)))                   \
			failf("%s changed the machine", #call);                 \
	} while (0)

static void test_bad_input(void **state)
{
	const enum hvo_scheme scheme = *(const enum hvo_scheme *)*state;
	struct hvo_config c;
	struct hvo_sim *sim;
	struct state before;
	struct hvo_folio_info fi;
	uint64_t pfns[3], used = 0, opt, plain, nopfn, nr_pfns, x, batch[2];
	unsigned int h2, h1;
	int64_t n;

	cfg_make(&c, 12, 64, scheme, 1, 2 * GiB);
	sim = sim_new(&c);
	h2 = hstate_of(sim, 2 * MiB);
	h1 = hstate_of(sim, 1 * GiB);
	nr_pfns = hvo_sim_geometry(sim)->nr_pfns;
	assert_int_equal(hvo_pool_grow(sim, h2, 0, 3, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h2, pfns, 3), 3);
	assert_int_equal(hvo_folio_alloc(sim, h2, 0, &used), 0);
	opt = used == pfns[0] ? pfns[1] : pfns[0];
	plain = used == pfns[2] ? pfns[1] : pfns[2];
	assert_int_equal(hvo_folio_restore(sim, plain), 0);	/* a free, unoptimized folio */
	assert_false(finfo(sim, plain).optimized);
	assert_true(finfo(sim, opt).optimized);
	/* a pfn in no folio: the buddy's */
	nopfn = 0x1000;
	assert_int_equal(hvo_folio_lookup(sim, nopfn, &fi), -ENOENT);
	assert_false(frinfo(sim, nopfn).allocated);
	check_clean(sim, "before");
	state_of(sim, &before);

	/* optimize twice, restore what is not optimized */
	REFUSED(hvo_folio_optimize(sim, opt), -EINVAL);
	REFUSED(hvo_folio_restore(sim, plain), -EINVAL);
	/* folios in use */
	REFUSED(hvo_folio_optimize(sim, used), -EINVAL);
	REFUSED(hvo_folio_restore(sim, used), -EINVAL);
	REFUSED(hvo_folio_dissolve(sim, used), -EBUSY);
	REFUSED(hvo_folios_optimize(sim, &used, 1, NULL), -EINVAL);
	REFUSED(hvo_folios_restore(sim, &used, 1, NULL), -EINVAL);
	assert_int_equal(finfo(sim, used).state, HVO_FOLIO_ACTIVE);
	/* put of a free folio, of a tail */
	REFUSED(hvo_folio_put(sim, opt), -EINVAL);
	REFUSED(hvo_folio_put(sim, used + 1), -EINVAL);
	/* pfns that are no folio's head */
	REFUSED(hvo_folio_optimize(sim, nopfn), -EINVAL);
	REFUSED(hvo_folio_restore(sim, nopfn), -EINVAL);
	REFUSED(hvo_folio_dissolve(sim, nopfn), -EINVAL);
	REFUSED(hvo_folio_put(sim, nopfn), -EINVAL);
	REFUSED(hvo_folio_optimize(sim, plain + 1), -EINVAL);
	REFUSED(hvo_folio_restore(sim, opt + 5), -EINVAL);
	REFUSED(hvo_folio_dissolve(sim, opt + 511), -EINVAL);
	REFUSED(hvo_folio_optimize(sim, nr_pfns + 7), -EINVAL);
	REFUSED(hvo_folio_dissolve(sim, UINT64_MAX), -EINVAL);
	REFUSED(hvo_folio_lookup(sim, nopfn, &fi), -ENOENT);
	REFUSED(hvo_folio_lookup(sim, nr_pfns, &fi), -ERANGE);
	REFUSED(hvo_folio_lookup(sim, UINT64_MAX, &fi), -ERANGE);
	REFUSED(hvo_kpageflags(sim, nr_pfns, &x), -ERANGE);
	assert_int_equal(x, 1ull << HVO_KPF_NOPAGE);
	/* a batch with one bad pfn is refused as a whole, the good one untouched */
	batch[0] = plain;
	batch[1] = nopfn;
	REFUSED(hvo_folios_optimize(sim, batch, 2, NULL), -EINVAL);
	assert_false(finfo(sim, plain).optimized);
	assert_int_equal(finfo(sim, plain).state, HVO_FOLIO_FREE);
	batch[0] = opt;
	REFUSED(hvo_folios_restore(sim, batch, 2, NULL), -EINVAL);
	assert_true(finfo(sim, opt).optimized);
	REFUSED(hvo_folios_optimize(sim, NULL, 1, NULL), -EINVAL);
	REFUSED(hvo_folios_restore(sim, NULL, 1, NULL), -EINVAL);
	/* the same folio twice in a batch: the second is already isolated */
	batch[0] = batch[1] = plain;
	REFUSED(hvo_folios_optimize(sim, batch, 2, NULL), -EBUSY);
	assert_false(finfo(sim, plain).optimized);
	/* bad hstate or node */
	REFUSED(hvo_pool_grow(sim, 99, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_grow(sim, h2, 1, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_shrink(sim, 99, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_shrink(sim, h2, 3, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_resize(sim, 99, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_resize(sim, h2, HVO_MAX_NODES, 1, NULL), -EINVAL);
	REFUSED(hvo_pool_set_overcommit(sim, hvo_hstate_count(sim), 1), -EINVAL);
	REFUSED(hvo_folio_alloc(sim, 99, 0, &x), -EINVAL);
	REFUSED(hvo_folio_alloc(sim, h2, 5, &x), -EINVAL);
	REFUSED(hvo_folio_alloc(sim, h2, 0, NULL), -EINVAL);
	REFUSED(hvo_hstate_info(sim, 99, &(struct hvo_hstate_info){ 0 }), -EINVAL);
	n = hvo_folio_list(sim, 99, pfns, 3);
	assert_int_equal(n, -EINVAL);
	REFUSED(hvo_demote(sim, 99, h2, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_demote(sim, h1, 99, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_demote(sim, h1, h2, 4, 1, NULL), -EINVAL);
	/* demote to a bigger hstate, or to itself */
	REFUSED(hvo_demote(sim, h2, h1, 0, 1, NULL), -EINVAL);
	REFUSED(hvo_demote(sim, h2, h2, 0, 1, NULL), -EINVAL);
	/* a folio's frames are not the harness's to free, in any order */
	REFUSED(hvo_free_frames(sim, opt, 0), 0);
	REFUSED(hvo_free_frames(sim, opt + 1, 0), 0);
	REFUSED(hvo_free_frames(sim, nopfn, 0), -EINVAL);
	REFUSED(hvo_free_frames(sim, nr_pfns, 0), -EINVAL);

	check_clean(sim, "after all that");
	assert_int_equal(hvo_folio_put(sim, used), 0);
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 3, NULL), 0);
	check_clean(sim, "empty");
	sim_done(sim);
}

/* hvo_free_frames() on a pool folio's own block must not free pool memory */
static void test_free_frames_on_folio(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct state before;
	uint64_t pfns[2], used = 0, free_folio;
	unsigned int h2;
	int r;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	sim = sim_new(&c);
	h2 = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h2, 0, 2, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h2, pfns, 2), 2);
	assert_int_equal(hvo_folio_alloc(sim, h2, 0, &used), 0);
	free_folio = used == pfns[0] ? pfns[1] : pfns[0];
	state_of(sim, &before);

	r = hvo_free_frames(sim, free_folio, 9);
	if (r == 0)
		failf("hvo_free_frames() freed the block of free pool folio %#llx to the buddy",
		      (unsigned long long)free_folio);
	assert_true(r < 0);
	REFUSED(hvo_free_frames(sim, used, 9), r);
	assert_true(frinfo(sim, free_folio).allocated);
	assert_int_equal(frinfo(sim, free_folio).kind, HVO_KIND_HUGETLB);
	check_clean(sim, "refused");
	assert_int_equal(hvo_folio_put(sim, used), 0);
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 2, NULL), 0);
	sim_done(sim);
}

static const enum hvo_scheme s_shared = HVO_SCHEME_SHARED_TAIL;
static const enum hvo_scheme s_fake = HVO_SCHEME_FAKE_HEAD;
static const enum hvo_scheme s_none = HVO_SCHEME_NONE;

#define S(fn, s) { .name = #fn "/" #s, .test_func = fn, .teardown_func = cleanup, \
		   .initial_state = (void *)&(s) }
#define CT(fn) cmocka_unit_test_teardown(fn, cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		CT(test_hstates),
		CT(test_pool_per_node),
		S(test_alloc_put, s_shared),
		S(test_alloc_put, s_fake),
		S(test_alloc_put, s_none),
		CT(test_surplus),
		CT(test_surplus_put_order),
		CT(test_dissolve),
		S(test_demote, s_shared),
		S(test_demote, s_fake),
		S(test_boot_gigantic, s_shared),
		S(test_boot_gigantic, s_fake),
		S(test_boot_gigantic, s_none),
		CT(test_boot_spanning_zones),
		S(test_bad_input, s_shared),
		S(test_bad_input, s_fake),
		CT(test_free_frames_on_folio),
	};

	return cmocka_run_group_tests_name("hvo_pool", tests, NULL, NULL);
}
