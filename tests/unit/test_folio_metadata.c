// SPDX-License-Identifier: MIT
/*
 * test_folio_metadata.c - the struct pages of a folio as the kernel has
 * them, through HVO.
 *
 * struct folio overlays the head and tails 1..3: page[1] holds the order,
 * the mapcounts, the pincount and nr_pages, page[2] the deferred list,
 * page[3] the hugetlb subpool, cgroup, reserved cgroup and the hwpoison
 * list (include/linux/mm_types.h; "mm: move hugetlb specific things in
 * folio to page[3]").  They live in the head's vmemmap page, the one HVO
 * keeps writable, so optimize, restore and demote must carry them over in
 * every scheme.  alloc_hugetlb_folio() sets the subpool and the cgroup of a
 * folio it hands out, free_huge_folio() clears them.
 *
 * A restore must also leave every other struct page a plain tail.  The
 * fake-head scheme's restore copies the head page into each new page and
 * then reset_struct_pages() copies struct pages 4..7 over 0..3, so no
 * head or folio metadata is cloned into tails ("corrupted mapping in tail
 * page"; NR_RESET_STRUCT_PAGE, 3 before the metadata moved to page[3], 4
 * since); the merged shared-tail restore fills every new page from struct
 * page #63, the last of the head page.  Marking the head page's tails with
 * distinct ->index values shows exactly which struct page each restored
 * one was copied from.
 */
#include "hvotest_hvo.h"

static const unsigned int meta_fields[] = {
	HVO_FOLIO_NR_PAGES_MAPPED, HVO_FOLIO_PINCOUNT, HVO_FOLIO_DEFERRED_LIST,
	HVO_FOLIO_HUGETLB_SUBPOOL, HVO_FOLIO_HUGETLB_CGROUP,
	HVO_FOLIO_HUGETLB_CGROUP_RSVD, HVO_FOLIO_HUGETLB_HWPOISON,
};

/* a value no other folio or field has; 32-bit fields get the low half */
static uint64_t meta_val(uint64_t pfn, unsigned int field)
{
	uint64_t v = 0xffff888010000000ull + (pfn << 6) + field * 8;

	return field == HVO_FOLIO_NR_PAGES_MAPPED || field == HVO_FOLIO_PINCOUNT ?
	       (uint32_t)v : v;
}

static uint64_t fget(struct hvo_sim *sim, uint64_t pfn, unsigned int field)
{
	uint64_t v = 0;

	assert_int_equal(hvo_folio_get(sim, hvo_pfn_to_page(sim, pfn), field, &v), 0);
	return v;
}

static void meta_set(struct hvo_sim *sim, uint64_t pfn)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(meta_fields); i++)
		assert_int_equal(hvo_folio_set(sim, hvo_pfn_to_page(sim, pfn), meta_fields[i],
					       meta_val(pfn, meta_fields[i])), 0);
}

/* every field as meta_set() left it, except @skip_owner: subpool and cgroup */
static void meta_check(struct hvo_sim *sim, uint64_t pfn, unsigned int order, bool skip_owner,
		       const char *when)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(meta_fields); i++) {
		unsigned int f = meta_fields[i];

		if (skip_owner && (f == HVO_FOLIO_HUGETLB_SUBPOOL || f == HVO_FOLIO_HUGETLB_CGROUP))
			continue;
		if (fget(sim, pfn, f) != meta_val(pfn, f))
			failf("%s: folio %#" PRIx64 " field %u is %#" PRIx64 ", not %#" PRIx64, when,
			      pfn, f, fget(sim, pfn, f), meta_val(pfn, f));
	}
	/* and what prep_compound_head() keeps there */
	assert_int_equal(fget(sim, pfn, HVO_FOLIO_ORDER), order);
	assert_int_equal(fget(sim, pfn, HVO_FOLIO_NR_PAGES), 1ull << order);
}

struct pool {
	struct hvo_sim *sim;
	unsigned int h2, h32, h1g;
	uint64_t p2[3], p32, p1g;
};

static void pool_new(struct pool *p, enum hvo_scheme scheme)
{
	struct hvo_config c;

	cfg_make(&c, 12, 64, scheme, 1, 3 * GiB);
	c.cont_hstates = true;
	c.boot_gigantic[0] = 1;
	p->sim = sim_new(&c);
	p->h2 = hstate_of(p->sim, 2 * MiB);
	p->h32 = hstate_of(p->sim, 32 * MiB);
	p->h1g = hstate_of(p->sim, GiB);
	assert_int_equal(hvo_pool_grow(p->sim, p->h2, 0, 3, NULL), 0);
	assert_int_equal(hvo_pool_grow(p->sim, p->h32, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(p->sim, p->h2, p->p2, 3), 3);
	assert_int_equal(hvo_folio_list(p->sim, p->h32, &p->p32, 1), 1);
	assert_int_equal(hvo_folio_list(p->sim, p->h1g, &p->p1g, 1), 1);
	/* a boot page, in HVO form from boot on in shared-tail */
	assert_true(finfo(p->sim, p->p1g).boot);
}

static void pool_check(struct pool *p, const char *when)
{
	unsigned int i;

	for (i = 0; i < 3; i++)
		meta_check(p->sim, p->p2[i], 9, false, when);
	meta_check(p->sim, p->p32, 13, false, when);
	meta_check(p->sim, p->p1g, 18, false, when);
	check_clean(p->sim, when);
}

static enum hvo_scheme scheme_of(void **state)
{
	return *(const enum hvo_scheme *)*state;
}

/* non-zero metadata in tails 1..3 survives restore, optimize, a folio's
 * use, and the demote of another folio */
static void test_metadata_preserved(void **state)
{
	enum hvo_scheme scheme = scheme_of(state);
	bool hvo = scheme != HVO_SCHEME_NONE;
	struct pool p;
	uint64_t all[5], done = 0, used = 0, small[16];
	unsigned int i;

	pool_new(&p, scheme);
	memcpy(all, p.p2, sizeof(p.p2));
	all[3] = p.p32;
	all[4] = p.p1g;
	for (i = 0; i < 5; i++)
		meta_set(p.sim, all[i]);
	pool_check(&p, "set");
	assert_int_equal(finfo(p.sim, p.p32).optimized, hvo);
	assert_int_equal(finfo(p.sim, p.p1g).optimized, hvo);

	/* batches both ways, then one folio each way */
	assert_int_equal(hvo_folios_restore(p.sim, all, 5, &done), 0);
	assert_int_equal(done, 5);
	assert_false(finfo(p.sim, p.p1g).optimized);
	pool_check(&p, "restored");
	assert_int_equal(hvo_folios_optimize(p.sim, all, 5, &done), 0);
	assert_int_equal(done, hvo ? 5 : 0);
	pool_check(&p, "optimized again");
	if (hvo) {
		assert_int_equal(hvo_folio_restore(p.sim, p.p2[1]), 0);
		pool_check(&p, "one restored");
		assert_int_equal(hvo_folio_optimize(p.sim, p.p2[1]), 0);
		pool_check(&p, "one optimized");
	}

	/* in use: alloc_hugetlb_folio() names a subpool and a cgroup; freed,
	 * free_huge_folio() clears them; the rest stays */
	assert_int_equal(hvo_folio_alloc(p.sim, p.h2, 0, &used), 0);
	assert_int_not_equal(fget(p.sim, used, HVO_FOLIO_HUGETLB_SUBPOOL), 0);
	assert_int_not_equal(fget(p.sim, used, HVO_FOLIO_HUGETLB_CGROUP), 0);
	meta_check(p.sim, used, 9, true, "in use");
	check_clean(p.sim, "in use");
	assert_int_equal(hvo_folio_put(p.sim, used), 0);
	assert_int_equal(fget(p.sim, used, HVO_FOLIO_HUGETLB_SUBPOOL), 0);
	assert_int_equal(fget(p.sim, used, HVO_FOLIO_HUGETLB_CGROUP), 0);
	meta_check(p.sim, used, 9, true, "put back");
	meta_set(p.sim, used);

	/* demote the 32M folio: the others keep theirs; the new ones start
	 * as init_new_hugetlb_folio() leaves them, and keep what is set then */
	assert_int_equal(hvo_demote(p.sim, p.h32, p.h2, 0, 1, &done), 0);
	assert_int_equal(done, 1);
	for (i = 0; i < 3; i++)
		meta_check(p.sim, p.p2[i], 9, false, "after the demote");
	meta_check(p.sim, p.p1g, 18, false, "after the demote");
	assert_int_equal(hvo_folio_list(p.sim, p.h2, NULL, 0), 19);
	for (i = 0; i < 16; i++) {
		small[i] = p.p32 + i * 512;
		assert_int_equal(fget(p.sim, small[i], HVO_FOLIO_HUGETLB_SUBPOOL), 0);
		assert_int_equal(fget(p.sim, small[i], HVO_FOLIO_HUGETLB_CGROUP), 0);
		assert_int_equal(fget(p.sim, small[i], HVO_FOLIO_HUGETLB_HWPOISON), 0);
		assert_int_equal(finfo(p.sim, small[i]).optimized, hvo);
		meta_set(p.sim, small[i]);
	}
	check_clean(p.sim, "demoted");
	assert_int_equal(hvo_folios_restore(p.sim, small, 16, &done), 0);
	assert_int_equal(hvo_folios_optimize(p.sim, small, 16, &done), 0);
	for (i = 0; i < 16; i++)
		meta_check(p.sim, small[i], 9, false, "demoted, restored, optimized");
	check_clean(p.sim, "demoted, restored, optimized");

	assert_int_equal(hvo_pool_shrink(p.sim, p.h2, 0, 19, NULL), 0);
	assert_int_equal(hvo_pool_shrink(p.sim, p.h1g, 0, 1, NULL), 0);
	check_clean(p.sim, "emptied");
	sim_done(p.sim);
}

/* ---- what a restore writes into the new tail pages ---- */

#define R 64			/* struct pages per 4K vmemmap page at stride 64 */
#define MARK 0x5eed000000ull	/* ->index of the head page's tail i: MARK + i */

static uint64_t word_of(struct hvo_sim *sim, uint64_t pfn, unsigned int w)
{
	uint64_t v = 0;

	assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), w, &v), 0);
	return v;
}

/*
 * Restore a 2M folio whose metadata and head-page tails are marked, and
 * check every struct page of the restored pages: a plain tail, whose
 * ->index says which struct page of the head page it was copied from.
 */
static void restore_marked(enum hvo_scheme scheme)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t pfn, want[HVO_NR_PAGE_WORDS], i, j;
	unsigned int h, w, nid = 0;
	enum hvo_zone_type zone = HVO_ZONE_DMA32;

	cfg_make(&c, 12, 64, scheme, 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_true(finfo(sim, pfn).optimized);
	meta_set(sim, pfn);
	for (i = 4; i < R; i++)
		assert_int_equal(hvo_page_write(sim, hvo_pfn_to_page(sim, pfn + i), HVO_PW_INDEX,
						MARK + i), 0);
	check_clean(sim, "marked");
	assert_int_equal(hvo_folio_restore(sim, pfn), 0);

	assert_int_equal(hvo_pfn_zone(sim, pfn, &nid, &zone), 0);
	hvo_init_compound_tail(sim, want, hvo_pfn_to_page(sim, pfn), 9, nid, zone);
	for (i = R; i < 512; i++) {
		j = i % R;
		/* fake-head: a copy of the head page, struct pages 4..7 over 0..3
		 * (reset_struct_pages()); shared-tail: struct page #63 everywhere */
		want[HVO_PW_INDEX] = MARK + (scheme == HVO_SCHEME_SHARED_TAIL ? R - 1 :
					     j < 4 ? j + 4 : j);
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			if (word_of(sim, pfn + i, w) != want[w])
				failf("%s: restored tail %" PRIu64 " word %u is %#" PRIx64 ", not %#"
				      PRIx64, hvo_scheme_name(scheme), i, w, word_of(sim, pfn + i, w),
				      want[w]);
	}
	/* the head page itself is untouched: its marks and the folio's own */
	for (i = 4; i < R; i++)
		assert_int_equal(word_of(sim, pfn + i, HVO_PW_INDEX), MARK + i);
	meta_check(sim, pfn, 9, false, "restored");
	check_clean(sim, "restored");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	sim_done(sim);
}

static void test_restore_resets_exactly(void **state)
{
	restore_marked(scheme_of(state));
}

static const enum hvo_scheme s_none = HVO_SCHEME_NONE;
static const enum hvo_scheme s_fake = HVO_SCHEME_FAKE_HEAD;
static const enum hvo_scheme s_shared = HVO_SCHEME_SHARED_TAIL;

#define S(fn, s) { .name = #fn "/" #s, .test_func = fn, .teardown_func = cleanup, \
		   .initial_state = (void *)&(s) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		S(test_metadata_preserved, s_none),
		S(test_metadata_preserved, s_fake),
		S(test_metadata_preserved, s_shared),
		S(test_restore_resets_exactly, s_fake),
		S(test_restore_resets_exactly, s_shared),
	};

	return cmocka_run_group_tests_name("folio_metadata", tests, NULL, NULL);
}
