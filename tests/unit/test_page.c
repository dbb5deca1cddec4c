// SPDX-License-Identifier: MIT
/*
 * test_page.c - struct page words, the two compound_info encodings with
 * exact values, compound_head() at every stride, prep/destroy of compound
 * pages, folio metadata in tails 1..3, memmap_init() content and refcount
 * operations.
 */
#include "hvotest.h"

#define VMEMMAP_BASE 0xffffea0000000000ull

/* ---- machines ---- */

struct mdesc {
	unsigned int shift, stride;
	enum hvo_scheme scheme;
	unsigned int nodes;
	uint64_t mem;
	uint64_t movable_last;	/* ZONE_MOVABLE of the last node */
};

static struct mdesc m4k = { 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB, 0 };
static struct mdesc m16k = { 14, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB, 0 };
static struct mdesc m64k = { 16, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB, 0 };
static struct mdesc m4k_none = { 12, 64, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m4k_fake = { 12, 64, HVO_SCHEME_FAKE_HEAD, 1, 1 * GiB, 0 };
static struct mdesc m_s40 = { 12, 40, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m_s56 = { 12, 56, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m_s72 = { 12, 72, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m_s80 = { 12, 80, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m_s72_16k = { 14, 72, HVO_SCHEME_NONE, 1, 1 * GiB, 0 };
static struct mdesc m_s128 = { 12, 128, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB, 0 };
static struct mdesc m_s256 = { 12, 256, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB, 0 };
static struct mdesc m_2node = { 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 1 * GiB, 0 };
/* node 0: DMA32 0..4G; node 1: Normal 4..7G, Movable 7..8G */
static struct mdesc m_2node_big = { 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 4 * GiB, 1 * GiB };

static int setup_m(void **state)
{
	const struct mdesc *m = *state;
	struct hvo_config c;

	cfg_make(&c, m->shift, m->stride, m->scheme, m->nodes, m->mem);
	c.node_movable_bytes[m->nodes - 1] = m->movable_last;
	c.fault_policy = HVO_FAULT_RECORD;
	*state = fx_new(&c);
	return 0;
}

static struct hvo_sim *sim_of(void **state)
{
	return ((struct fx *)*state)->sim;
}

static uint64_t page_of(struct hvo_sim *sim, uint64_t pfn)
{
	return hvo_pfn_to_page(sim, pfn);
}

static uint64_t rd(struct hvo_sim *sim, uint64_t pfn, unsigned int w)
{
	uint64_t v = 0;
	int r = hvo_page_read(sim, page_of(sim, pfn), w, &v);

	if (r)
		failf("read pfn %#llx word %u: %d (%s)", (unsigned long long)pfn, w, r,
			 hvo_last_error());
	return v;
}

static void prep_ok(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	int r = hvo_prep_compound_page(sim, pfn, order);

	if (r)
		failf("prep pfn %#llx order %u: %d (%s)", (unsigned long long)pfn, order,
			 r, hvo_last_error());
}

static void destroy_ok(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	int r = hvo_destroy_compound_page(sim, pfn, order);

	if (r)
		failf("destroy pfn %#llx order %u: %d (%s)", (unsigned long long)pfn,
			 order, r, hvo_last_error());
}

/*
 * Prep a compound page and check every struct page of it: the tails'
 * compound_info is @info (or head|1 if @info is 0), they all decode to the
 * head, PageHead/PageTail are right.  Then destroy it again.
 */
static void check_compound(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
			   uint64_t info)
{
	uint64_t head = page_of(sim, pfn), i, n = 1ull << order, page;

	prep_ok(sim, pfn, order);
	if (!info)
		info = head | 1;
	assert_int_equal(hvo_compound_info_value(sim, head, order), info);
	assert_int_equal(hvo_compound_head(sim, head), head);
	assert_int_equal(hvo_page_head(sim, head), 1);
	assert_int_equal(hvo_page_tail(sim, head), 0);
	for (i = 1; i < n; i++) {
		page = page_of(sim, pfn + i);
		if (rd(sim, pfn + i, HVO_PW_COMPOUND_INFO) != info)
			failf("tail %llu: compound_info %#llx, expected %#llx",
				 (unsigned long long)i,
				 (unsigned long long)rd(sim, pfn + i, HVO_PW_COMPOUND_INFO),
				 (unsigned long long)info);
		if (hvo_compound_head(sim, page) != head)
			failf("tail %llu: compound_head %#llx, expected %#llx",
				 (unsigned long long)i,
				 (unsigned long long)hvo_compound_head(sim, page),
				 (unsigned long long)head);
		assert_int_equal(hvo_page_tail(sim, page), 1);
		assert_int_equal(hvo_page_head(sim, page), 0);
	}
	/* the neighbours are not part of it */
	if (pfn + n < hvo_sim_geometry(sim)->nr_pfns)
		assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn + n)),
				 page_of(sim, pfn + n));
	if (pfn)
		assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn - 1)),
				 page_of(sim, pfn - 1));
	destroy_ok(sim, pfn, order);
	for (i = 0; i < n; i++)
		assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn + i)),
				 page_of(sim, pfn + i));
}

/* ---- mask encoding ---- */

static void test_mask_4k(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t h1 = page_of(sim, 512), h2 = page_of(sim, 1ull << 18);

	assert_true(g->mask_encoding);
	assert_true(g->hvo_possible);
	assert_int_equal(g->max_folio_order, 22);
	assert_int_equal(hvo_compound_info_value(sim, h1, 9), 0xFFFFFFFFFFFF8001ull);
	assert_int_equal(hvo_compound_info_value(sim, h2, 9), 0xFFFFFFFFFFFF8001ull);
	assert_int_equal(hvo_compound_info_value(sim, h1, 18), 0xFFFFFFFFFF000001ull);
	assert_int_equal(hvo_compound_info_value(sim, 0, 18), 0xFFFFFFFFFF000001ull);
	assert_int_equal(hvo_compound_info_value(sim, h1, 1), 0xFFFFFFFFFFFFFF81ull);
	assert_int_equal(hvo_compound_info_value(sim, h1, 2), 0xFFFFFFFFFFFFFF01ull);
	assert_int_equal(hvo_compound_info_value(sim, h1, 22), 0xFFFFFFFFF0000001ull);
	check_compound(sim, 512, 9, 0xFFFFFFFFFFFF8001ull);
	check_compound(sim, 6, 1, 0xFFFFFFFFFFFFFF81ull);
	check_compound(sim, 1ull << 12, 12, 0xFFFFFFFFFFFC0001ull);
	/* the head's own struct page sits at an aligned address */
	assert_int_equal(page_of(sim, 512) & ((512ull * 64) - 1), 0);
}

static void test_mask_16k(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t h = page_of(sim, 2048);

	assert_true(g->mask_encoding);
	assert_int_equal(g->max_folio_order, 20);
	/* GENMASK(63, order + 6) | 1 */
	assert_int_equal(hvo_compound_info_value(sim, h, 7), 0xFFFFFFFFFFFFE001ull);
	assert_int_equal(hvo_compound_info_value(sim, h, 11), 0xFFFFFFFFFFFE0001ull);
	assert_int_equal(hvo_compound_info_value(sim, h, 20), 0xFFFFFFFFFC000001ull);
	check_compound(sim, 128, 7, 0xFFFFFFFFFFFFE001ull);
	check_compound(sim, 2048, 11, 0xFFFFFFFFFFFE0001ull);
}

static void test_mask_64k(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t h = page_of(sim, 8192);

	assert_true(g->mask_encoding);
	assert_int_equal(g->max_folio_order, 18);
	assert_int_equal(g->nr_pfns, 16384);
	assert_int_equal(hvo_compound_info_value(sim, h, 5), 0xFFFFFFFFFFFFF801ull);
	assert_int_equal(hvo_compound_info_value(sim, h, 13), 0xFFFFFFFFFFF80001ull);
	assert_int_equal(hvo_compound_info_value(sim, h, 18), 0xFFFFFFFFFF000001ull);
	check_compound(sim, 32, 5, 0xFFFFFFFFFFFFF801ull);
	check_compound(sim, 8192, 13, 0xFFFFFFFFFFF80001ull);
}

static void test_mask_big_strides(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t v9, v1;

	assert_true(g->mask_encoding);
	assert_true(g->hvo_possible);
	assert_true(hvo_page_word_present(sim, HVO_PW_MEMCG));
	if (g->stride == 128) {
		v9 = 0xFFFFFFFFFFFF0001ull;	/* GENMASK(63, 16) | 1 */
		v1 = 0xFFFFFFFFFFFFFF01ull;	/* GENMASK(63, 8) | 1 */
	} else {
		assert_int_equal(g->stride, 256);
		v9 = 0xFFFFFFFFFFFE0001ull;	/* GENMASK(63, 17) | 1 */
		v1 = 0xFFFFFFFFFFFFFE01ull;	/* GENMASK(63, 9) | 1 */
	}
	assert_int_equal(hvo_compound_info_value(sim, page_of(sim, 512), 9), v9);
	assert_int_equal(hvo_compound_info_value(sim, page_of(sim, 512), 1), v1);
	check_compound(sim, 512, 9, v9);
	check_compound(sim, 2, 1, v1);
	/* padding: address arithmetic uses the stride */
	assert_int_equal(page_of(sim, 3) - page_of(sim, 2), g->stride);
}

/* ---- pointer encoding ---- */

static void test_pointer_none(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);

	assert_false(g->mask_encoding);
	assert_true(g->hvo_possible);
	assert_int_equal(page_of(sim, 512), 0xffffea0000008000ull);
	assert_int_equal(hvo_compound_info_value(sim, page_of(sim, 512), 9),
			 0xffffea0000008001ull);
	assert_int_equal(hvo_compound_info_value(sim, page_of(sim, 1024), 9),
			 0xffffea0000010001ull);
	assert_int_equal(hvo_compound_info_value(sim, page_of(sim, 1024), 10),
			 0xffffea0000010001ull);
	check_compound(sim, 512, 9, 0xffffea0000008001ull);
	check_compound(sim, 4, 2, 0xffffea0000000101ull);
}

static void test_pointer_fake_head(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t head = page_of(sim, 512), t64 = page_of(sim, 576), flags;

	assert_false(g->mask_encoding);
	assert_int_equal(hvo_compound_info_value(sim, head, 9), 0xffffea0000008001ull);
	check_compound(sim, 512, 9, 0xffffea0000008001ull);

	/* no folio was optimised: the static key is 0 */
	assert_int_equal(stats_of(sim).static_key_count, 0);
	prep_ok(sim, 512, 9);
	assert_int_equal(hvo_page_fixed_fake_head(sim, head), head);
	/* tail 64's struct page is PAGE_SIZE aligned: the fake-head candidate */
	assert_int_equal(t64 & 4095, 0);
	assert_int_equal(hvo_page_fixed_fake_head(sim, t64), t64);
	assert_int_equal(hvo_page_fixed_fake_head(sim, page_of(sim, 513)), page_of(sim, 513));
	/* even with PG_head set on it (what a fake head looks like), key off */
	flags = rd(sim, 576, HVO_PW_FLAGS);
	assert_int_equal(hvo_page_write(sim, t64, HVO_PW_FLAGS, flags | (1ull << HVO_PG_head)),
			 0);
	assert_int_equal(hvo_page_fixed_fake_head(sim, t64), t64);
	assert_int_equal(hvo_page_head(sim, t64), 1);
	assert_int_equal(hvo_compound_head(sim, t64), head);	/* compound_info wins */
	assert_int_equal(hvo_page_write(sim, t64, HVO_PW_FLAGS, flags), 0);
	/* a plain page, key off */
	assert_int_equal(hvo_page_fixed_fake_head(sim, page_of(sim, 4096)), page_of(sim, 4096));
	assert_int_equal(hvo_page_head(sim, head), 1);
	assert_int_equal(hvo_page_tail(sim, head), 0);
	destroy_ok(sim, 512, 9);
}

/* ---- strides that are not a power of 2 (and 40) ---- */

static void test_odd_stride(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t ps = g->page_size, head_pfn = 512;
	uint64_t pfn, page, back, head = page_of(sim, head_pfn), v;
	unsigned int straddlers = 0, w;
	bool memcg = g->stride >= 64;

	assert_false(g->mask_encoding);
	assert_false(g->hvo_possible);
	assert_int_equal(g->stride, hvo_sim_config(sim)->struct_page_size);
	assert_int_equal(head, VMEMMAP_BASE + head_pfn * g->stride);
	assert_int_equal(hvo_compound_info_value(sim, head, 9), head | 1);
	if (g->stride == 56)
		assert_int_equal(head | 1, 0xffffea0000007001ull);
	else if (g->stride == 72)
		assert_int_equal(head | 1, 0xffffea0000009001ull);
	else if (g->stride == 80)
		assert_int_equal(head | 1, 0xffffea000000a001ull);

	/* words dropped by a small stride */
	assert_int_equal(hvo_page_word_present(sim, HVO_PW_MEMCG), memcg);
	assert_int_equal(hvo_page_word_present(sim, HVO_PW_PRIVATE), g->stride >= 56);
	assert_int_equal(hvo_page_word_present(sim, HVO_PW_INDEX), g->stride >= 48);
	for (w = HVO_PW_FLAGS; w <= HVO_PW_COUNTS; w++)
		if (w != HVO_PW_PRIVATE && w != HVO_PW_INDEX)
			assert_true(hvo_page_word_present(sim, w));
	assert_false(hvo_page_word_present(sim, HVO_NR_PAGE_WORDS));

	check_compound(sim, head_pfn, 9, head | 1);
	prep_ok(sim, head_pfn, 9);
	for (pfn = head_pfn; pfn < head_pfn + 512; pfn++) {
		page = page_of(sim, pfn);
		if ((page % ps) + g->stride > ps)
			straddlers++;
		assert_int_equal(hvo_compound_head(sim, page), head);
	}
	assert_true(straddlers > 0);

	/* memcg_data of a dropped word: reads 0, a write is a no-op */
	assert_int_equal(hvo_page_write(sim, page_of(sim, 600), HVO_PW_MEMCG, 0x1234), 0);
	assert_int_equal(hvo_page_read(sim, page_of(sim, 600), HVO_PW_MEMCG, &v), 0);
	assert_int_equal(v, memcg ? 0x1234 : 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, 600), HVO_PW_MEMCG, 0), 0);
	/* the next struct page is not disturbed by the write */
	assert_int_equal(rd(sim, 601, HVO_PW_FLAGS), memmap_init_word(sim, 601, HVO_PW_FLAGS));
	assert_int_equal(rd(sim, 601, HVO_PW_COMPOUND_INFO), head | 1);
	destroy_ok(sim, head_pfn, 9);

	/* pfn_to_page / page_to_pfn round trip */
	for (pfn = 0; pfn < 4096; pfn++) {
		page = page_of(sim, pfn);
		assert_int_equal(page, VMEMMAP_BASE + pfn * g->stride);
		assert_int_equal(hvo_page_to_pfn(sim, page, &back), 0);
		assert_int_equal(back, pfn);
	}
	for (pfn = g->nr_pfns - 4096; pfn < g->nr_pfns; pfn++) {
		assert_int_equal(hvo_page_to_pfn(sim, page_of(sim, pfn), &back), 0);
		assert_int_equal(back, pfn);
	}
	assert_int_equal(hvo_page_to_pfn(sim, page_of(sim, 7) + 8, &back), -EINVAL);
	assert_int_equal(hvo_page_to_pfn(sim, page_of(sim, g->nr_pfns), &back), -ERANGE);

	/* straddling struct pages read and write whole through the table */
	for (pfn = 0; pfn < 512; pfn++) {
		page = page_of(sim, pfn);
		if ((page % ps) + g->stride <= ps)
			continue;
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			assert_int_equal(rd(sim, pfn, w), memmap_init_word(sim, pfn, w));
		assert_int_equal(hvo_page_write(sim, page, HVO_PW_COUNTS, 5ull << 32 | 0xffffffffu),
				 0);
		assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), 5ull << 32 | 0xffffffffu);
		assert_int_equal(hvo_page_write(sim, page, HVO_PW_COUNTS, 0xffffffffu), 0);
	}
}

/* ---- PageHead/PageTail/compound_head of ordinary pages ---- */

static void test_head_tail_plain(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	uint64_t pfn;

	for (pfn = 0; pfn < 1024; pfn += 7) {
		uint64_t page = page_of(sim, pfn);

		assert_int_equal(hvo_compound_head(sim, page), page);
		assert_int_equal(hvo_page_head(sim, page), 0);
		assert_int_equal(hvo_page_tail(sim, page), 0);
	}
	/* the last pfn and beyond */
	pfn = hvo_sim_geometry(sim)->nr_pfns;
	assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn - 1)), page_of(sim, pfn - 1));
	assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn)), 0);
	assert_int_equal(hvo_compound_head(sim, VMEMMAP_BASE - 64), 0);
	assert_int_equal(hvo_page_head(sim, page_of(sim, pfn)), -ERANGE);
	assert_int_equal(hvo_page_tail(sim, page_of(sim, pfn)), -ERANGE);

	/* an order-1 page: the smallest compound page */
	prep_ok(sim, 2, 1);
	assert_int_equal(hvo_page_head(sim, page_of(sim, 2)), 1);
	assert_int_equal(hvo_page_tail(sim, page_of(sim, 3)), 1);
	assert_int_equal(hvo_compound_head(sim, page_of(sim, 3)), page_of(sim, 2));
	assert_int_equal(hvo_page_test_flag(sim, page_of(sim, 2), HVO_PG_head), 1);
	assert_int_equal(hvo_page_test_flag(sim, page_of(sim, 3), HVO_PG_head), 0);
	assert_int_equal(hvo_page_test_flag(sim, page_of(sim, 2), 64), -EINVAL);
	destroy_ok(sim, 2, 1);
}

/* ---- prep/destroy argument checks ---- */

static void snapshot(struct hvo_sim *sim, uint64_t first, uint64_t n, uint64_t *out)
{
	uint64_t i;

	for (i = 0; i < n; i++)
		read_page_words(sim, first + i, &out[i * HVO_NR_PAGE_WORDS]);
}

static void test_prep_errors(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t first = 448, n = 1200;
	uint64_t *before = calloc(n * HVO_NR_PAGE_WORDS, 8);
	uint64_t *after = calloc(n * HVO_NR_PAGE_WORDS, 8);

	assert_non_null(before);
	assert_non_null(after);
	snapshot(sim, first, n, before);

	assert_int_equal(hvo_prep_compound_page(sim, 513, 9), -EINVAL);
	assert_error_names("aligned");
	assert_int_equal(hvo_prep_compound_page(sim, 768, 9), -EINVAL);
	assert_int_equal(hvo_prep_compound_page(sim, 1024 + 2, 2), -EINVAL);
	assert_int_equal(hvo_prep_compound_page(sim, 512, 0), -EINVAL);
	assert_error_names("order");
	assert_int_equal(hvo_prep_compound_page(sim, 0, g->max_folio_order + 1), -EINVAL);
	assert_int_equal(hvo_prep_compound_page(sim, g->nr_pfns, 9), -ERANGE);
	assert_int_equal(hvo_prep_compound_page(sim, g->nr_pfns + 512, 9), -ERANGE);
	assert_int_equal(hvo_prep_compound_page(sim, 1ull << 40, 9), -ERANGE);
	assert_int_equal(hvo_prep_compound_page(NULL, 512, 9), -EINVAL);
	assert_int_equal(hvo_destroy_compound_page(sim, 513, 9), -EINVAL);
	assert_int_equal(hvo_destroy_compound_page(sim, 512, 0), -EINVAL);
	assert_int_equal(hvo_destroy_compound_page(sim, g->nr_pfns, 9), -ERANGE);

	snapshot(sim, first, n, after);
	assert_memory_equal(before, after, n * HVO_NR_PAGE_WORDS * 8);
	free(before);
	free(after);
}

/* a machine whose size is not a power of 2 pages: an aligned head that runs
 * past the last pfn */
static void test_prep_partly_beyond(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 384 * MiB);
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	assert_int_equal(hvo_sim_geometry(sim)->nr_pfns, 98304);
	assert_int_equal(hvo_prep_compound_page(sim, 65536, 16), -ERANGE);
	assert_int_equal(hvo_prep_compound_page(sim, 65536, 15), 0);
	assert_int_equal(hvo_destroy_compound_page(sim, 65536, 15), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

static void test_page_access_errors(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t page = page_of(sim, 100), v = 42, pfn;
	int32_t rc;

	assert_int_equal(hvo_page_read(sim, page + 8, HVO_PW_FLAGS, &v), -EINVAL);
	assert_int_equal(hvo_page_read(sim, page + 1, HVO_PW_FLAGS, &v), -EINVAL);
	assert_int_equal(hvo_page_read(sim, page + 63, HVO_PW_FLAGS, &v), -EINVAL);
	assert_int_equal(hvo_page_read(sim, page_of(sim, g->nr_pfns), HVO_PW_FLAGS, &v),
			 -ERANGE);
	assert_int_equal(hvo_page_read(sim, page_of(sim, g->nr_pfns + 12345), 0, &v), -ERANGE);
	assert_int_equal(hvo_page_read(sim, VMEMMAP_BASE - 64, 0, &v), -ERANGE);
	assert_int_equal(hvo_page_read(sim, page, HVO_NR_PAGE_WORDS, &v), -EINVAL);
	assert_int_equal(hvo_page_read(sim, page, 0, NULL), -EINVAL);
	assert_int_equal(v, 42);
	assert_int_equal(hvo_page_write(sim, page + 8, HVO_PW_INDEX, 1), -EINVAL);
	assert_int_equal(hvo_page_write(sim, page_of(sim, g->nr_pfns), HVO_PW_INDEX, 1),
			 -ERANGE);
	assert_int_equal(hvo_page_write(sim, page, HVO_NR_PAGE_WORDS, 1), -EINVAL);
	assert_int_equal(hvo_page_to_pfn(sim, page + 8, &pfn), -EINVAL);
	assert_int_equal(hvo_page_to_pfn(sim, page_of(sim, g->nr_pfns), &pfn), -ERANGE);
	assert_int_equal(hvo_page_refcount(sim, page + 8, &rc), -EINVAL);
	assert_int_equal(hvo_page_ref_add(sim, page + 8, 1, NULL), -EINVAL);
	assert_int_equal(hvo_page_ref_add(sim, page_of(sim, g->nr_pfns), 1, NULL), -ERANGE);
	assert_int_equal(hvo_page_ref_add_unless(sim, page + 8, 1, 0), -EINVAL);
	assert_int_equal(hvo_page_ref_freeze(sim, page + 8, 1), -EINVAL);
	/* the last pfn is fine */
	assert_int_equal(hvo_page_read(sim, page_of(sim, g->nr_pfns - 1), HVO_PW_FLAGS, &v), 0);
	/* nothing was written */
	assert_int_equal(rd(sim, 100, HVO_PW_INDEX), 0);
	assert_int_equal(rd(sim, 100, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
}

/* ---- what prep writes ---- */

static void test_tail_words(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t pfn = (1ull << 18) + 1024;	/* on node 1 */
	uint64_t head = page_of(sim, pfn), i, v;
	unsigned int nid, zone, pnid;
	enum hvo_zone_type pzone;
	int32_t rc;

	assert_int_equal(hvo_pfn_zone(sim, pfn, &pnid, &pzone), 0);
	assert_int_equal(pnid, 1);
	prep_ok(sim, pfn, 9);

	/* head: PG_head on top of memmap_init(), nothing else */
	assert_int_equal(rd(sim, pfn, HVO_PW_FLAGS),
			 memmap_init_word(sim, pfn, HVO_PW_FLAGS) | (1ull << HVO_PG_head));
	assert_int_equal(rd(sim, pfn, HVO_PW_COMPOUND_INFO), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
	assert_int_equal(rd(sim, pfn, HVO_PW_MAPPING), 0);

	for (i = 1; i < 512; i++) {
		uint64_t t = pfn + i;

		assert_int_equal(rd(sim, t, HVO_PW_COMPOUND_INFO), 0xFFFFFFFFFFFF8001ull);
		/* refcount 0, mapcount -1 */
		assert_int_equal(rd(sim, t, HVO_PW_COUNTS), 0x00000000ffffffffull);
		assert_int_equal(rd(sim, t, HVO_PW_COUNTS) & 0xffffffffu, 0xffffffffu);
		assert_int_equal(hvo_page_refcount(sim, page_of(sim, t), &rc), 0);
		assert_int_equal(rc, 0);
		assert_int_equal(rd(sim, t, HVO_PW_PRIVATE), 0);
		assert_int_equal(rd(sim, t, HVO_PW_MEMCG), 0);
		assert_int_equal(hvo_page_node_zone(sim, page_of(sim, t), &nid, &zone), 0);
		assert_int_equal(hvo_pfn_zone(sim, t, &pnid, &pzone), 0);
		assert_int_equal(nid, pnid);
		assert_int_equal(zone, pzone);
		assert_int_equal(nid, 1);
		/* tail 1 keeps the folio's own fields in place of ->mapping */
		if (i >= 2)
			assert_int_equal(rd(sim, t, HVO_PW_MAPPING), HVO_TAIL_MAPPING);
		if (i >= 2)
			assert_int_equal(rd(sim, t, HVO_PW_FLAGS),
					 memmap_init_word(sim, t, HVO_PW_FLAGS));
		if (i >= 4) {
			assert_int_equal(rd(sim, t, HVO_PW_LRU_PREV), 0);
			assert_int_equal(rd(sim, t, HVO_PW_INDEX), 0);
		}
	}
	/* tail 1's flags: node/zone of the pfn plus the folio order */
	assert_int_equal(rd(sim, pfn + 1, HVO_PW_FLAGS),
			 memmap_init_word(sim, pfn + 1, HVO_PW_FLAGS) | 9);

	/* folio metadata prep_compound_head() sets */
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_ORDER, &v), 0);
	assert_int_equal(v, 9);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_NR_PAGES, &v), 0);
	assert_int_equal(v, 512);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_ENTIRE_MAPCOUNT, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_LARGE_MAPCOUNT, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_PINCOUNT, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_NR_PAGES_MAPPED, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_DEFERRED_LIST, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_HUGETLB_SUBPOOL, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_HUGETLB_HWPOISON, &v), 0);
	assert_int_equal(v, 0);
	destroy_ok(sim, pfn, 9);
}

static void test_folio_fields(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	static const struct {
		unsigned int field;
		uint64_t val;
	} vals[] = {
		{ HVO_FOLIO_ORDER, 0x5a },
		{ HVO_FOLIO_LARGE_MAPCOUNT, 0x11223344 },
		{ HVO_FOLIO_NR_PAGES_MAPPED, 0x55667788 },
		{ HVO_FOLIO_ENTIRE_MAPCOUNT, 0x99aabbcc },
		{ HVO_FOLIO_PINCOUNT, 0xddeeff01 },
		{ HVO_FOLIO_NR_PAGES, 0x0123456789abcdefull },
		{ HVO_FOLIO_DEFERRED_LIST, 0xffffea0000001230ull },
		{ HVO_FOLIO_HUGETLB_SUBPOOL, 0xffff888000001000ull },
		{ HVO_FOLIO_HUGETLB_CGROUP, 0xffff888000002000ull },
		{ HVO_FOLIO_HUGETLB_CGROUP_RSVD, 0xffff888000003000ull },
		{ HVO_FOLIO_HUGETLB_HWPOISON, 0xffff888000004000ull },
	};
	const uint64_t pfn = 4096;
	uint64_t head = page_of(sim, pfn), v, i;
	unsigned int f, nid;
	enum hvo_zone_type zone;

	assert_int_equal(ARRAY_SIZE(vals), HVO_NR_FOLIO_FIELDS);
	prep_ok(sim, pfn, 10);
	for (f = 0; f < HVO_NR_FOLIO_FIELDS; f++) {
		assert_int_equal(vals[f].field, f);
		assert_int_equal(hvo_folio_set(sim, head, f, vals[f].val), 0);
	}
	for (f = 0; f < HVO_NR_FOLIO_FIELDS; f++) {
		assert_int_equal(hvo_folio_get(sim, head, f, &v), 0);
		if (v != vals[f].val)
			failf("folio field %u: %#llx, expected %#llx", f,
				 (unsigned long long)v, (unsigned long long)vals[f].val);
	}
	/* values wider than a field are cut to it */
	assert_int_equal(hvo_folio_set(sim, head, HVO_FOLIO_ORDER, 0x10a), 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_ORDER, &v), 0);
	assert_int_equal(v, 0x0a);
	assert_int_equal(hvo_folio_set(sim, head, HVO_FOLIO_PINCOUNT, 0x1ffffffffull), 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_PINCOUNT, &v), 0);
	assert_int_equal(v, 0xffffffffu);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_ENTIRE_MAPCOUNT, &v), 0);
	assert_int_equal(v, 0x99aabbcc);
	/* tails 1..3 still decode, tail 1 keeps its node and zone */
	for (i = 1; i < 4; i++)
		assert_int_equal(hvo_compound_head(sim, page_of(sim, pfn + i)), head);
	assert_int_equal(hvo_page_node_zone(sim, page_of(sim, pfn + 1), &nid, &zone), 0);
	assert_int_equal(nid, 0);
	assert_int_equal(zone, HVO_ZONE_DMA32);
	/* the order reads back */
	assert_int_equal(hvo_folio_set(sim, head, HVO_FOLIO_ORDER, 10), 0);
	assert_int_equal(hvo_folio_get(sim, head, HVO_FOLIO_ORDER, &v), 0);
	assert_int_equal(v, 10);
	assert_int_equal(hvo_folio_get(sim, head, HVO_NR_FOLIO_FIELDS, &v), -EINVAL);
	assert_int_equal(hvo_folio_set(sim, head, HVO_NR_FOLIO_FIELDS, 0), -EINVAL);
	destroy_ok(sim, pfn, 10);
}

static void test_destroy_restores(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t pfn = 1ull << 12, n = 1ull << 12;
	uint64_t *before = calloc((n + 2) * HVO_NR_PAGE_WORDS, 8);
	uint64_t *after = calloc((n + 2) * HVO_NR_PAGE_WORDS, 8);
	uint64_t i;
	unsigned int w;

	assert_non_null(before);
	assert_non_null(after);
	snapshot(sim, pfn - 1, n + 2, before);
	/* untouched pages hold memmap_init() content */
	for (i = 0; i < n + 2; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			assert_int_equal(before[i * HVO_NR_PAGE_WORDS + w],
					 memmap_init_word(sim, pfn - 1 + i, w));
	prep_ok(sim, pfn, 12);
	assert_int_equal(hvo_folio_set(sim, page_of(sim, pfn), HVO_FOLIO_HUGETLB_SUBPOOL, 77),
			 0);
	assert_int_equal(hvo_folio_set(sim, page_of(sim, pfn), HVO_FOLIO_DEFERRED_LIST, 78),
			 0);
	destroy_ok(sim, pfn, 12);
	snapshot(sim, pfn - 1, n + 2, after);
	assert_memory_equal(before, after, (n + 2) * HVO_NR_PAGE_WORDS * 8);
	assert_int_equal(hvo_page_test_flag(sim, page_of(sim, pfn), HVO_PG_head), 0);
	for (i = 1; i < n; i++)
		assert_int_equal(rd(sim, pfn + i, HVO_PW_COMPOUND_INFO), 0);
	/* and it can be prepared again, with another order */
	check_compound(sim, pfn, 11, 0xFFFFFFFFFFFE0001ull);
	free(before);
	free(after);
}

/* ---- memmap_init() content ---- */

static bool frinfo_buddy(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_frame_info fi;

	assert_int_equal(hvo_frame_info(sim, pfn, &fi), 0);
	return fi.buddy;
}

static void test_memmap_init(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t n1 = (4 * GiB) >> 12;	/* first pfn of node 1 */
	static const struct {
		uint64_t pfn;
		unsigned int nid;
		enum hvo_zone_type zone;
		uint64_t flags;
	} cases[] = {
		{ 0, 0, HVO_ZONE_DMA32, 0 },
		{ 12345, 0, HVO_ZONE_DMA32, 0 },
		{ ((4 * GiB) >> 12) - 1, 0, HVO_ZONE_DMA32, 0 },
		{ (4 * GiB) >> 12, 1, HVO_ZONE_NORMAL, 0x4100000000000000ull },
		{ ((6 * GiB) >> 12) + 3, 1, HVO_ZONE_NORMAL, 0x4100000000000000ull },
		{ ((7 * GiB) >> 12) - 1, 1, HVO_ZONE_NORMAL, 0x4100000000000000ull },
		{ (7 * GiB) >> 12, 1, HVO_ZONE_MOVABLE, 0x8100000000000000ull },
		{ ((8 * GiB) >> 12) - 1, 1, HVO_ZONE_MOVABLE, 0x8100000000000000ull },
	};
	unsigned int nid, zone, w, buddies = 0;
	size_t i;
	int32_t rc;

	assert_int_equal(g->nr_pfns, 2 * n1);
	for (i = 0; i < ARRAY_SIZE(cases); i++) {
		uint64_t pfn = cases[i].pfn, page = page_of(sim, pfn);

		assert_int_equal(hvo_page_node_zone(sim, page, &nid, &zone), 0);
		assert_int_equal(nid, cases[i].nid);
		assert_int_equal(zone, cases[i].zone);
		assert_int_equal(rd(sim, pfn, HVO_PW_FLAGS), cases[i].flags);
		assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
		assert_int_equal(rc, 0);
		if (frinfo_buddy(sim, pfn)) {
			/* the head of a free block: PageBuddy, its order, and ->lru
			 * on the zone's free list, an aligned pointer in the word a
			 * tail's compound_info shares (free_list.c) */
			struct hvo_frame_info fi;

			buddies++;
			assert_int_equal(hvo_frame_info(sim, pfn, &fi), 0);
			assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), 0x00000000f0000000ull);
			assert_int_equal(rd(sim, pfn, HVO_PW_PRIVATE), fi.order);
			assert_true(rd(sim, pfn, HVO_PW_COMPOUND_INFO) != 0);
			assert_int_equal(rd(sim, pfn, HVO_PW_COMPOUND_INFO) & 7, 0);
			assert_true(rd(sim, pfn, HVO_PW_LRU_PREV) != 0);
			assert_int_equal(rd(sim, pfn, HVO_PW_LRU_PREV) & 7, 0);
			for (w = HVO_PW_MAPPING; w < HVO_NR_PAGE_WORDS; w++)
				if (w != HVO_PW_COUNTS && w != HVO_PW_PRIVATE)
					assert_int_equal(rd(sim, pfn, w), 0);
		} else {
			assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), 0x00000000ffffffffull);
			for (w = HVO_PW_COMPOUND_INFO; w < HVO_NR_PAGE_WORDS; w++)
				if (w != HVO_PW_COUNTS)
					assert_int_equal(rd(sim, pfn, w), 0);
		}
		assert_int_equal(hvo_page_head(sim, page), 0);
		assert_int_equal(hvo_page_tail(sim, page), 0);
		assert_int_equal(hvo_compound_head(sim, page), page);
	}
	/* the first pfn of each node and zone starts a free block */
	assert_true(buddies >= 3);
}

/* ---- refcount ---- */

static void test_refcount_ops(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t pfn = 1000;
	uint64_t page = page_of(sim, pfn), counts;
	int32_t rc = 99, nv = 99;

	assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
	assert_int_equal(rc, 0);
	/* get_page_unless_zero() on a free page: nothing written */
	counts = rd(sim, pfn, HVO_PW_COUNTS);
	assert_int_equal(hvo_page_ref_add_unless(sim, page, 1, 0), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), counts);

	assert_int_equal(hvo_page_ref_add(sim, page, 1, &nv), 0);
	assert_int_equal(nv, 1);
	assert_int_equal(hvo_page_ref_add_unless(sim, page, 1, 0), 1);
	assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
	assert_int_equal(rc, 2);
	assert_int_equal(hvo_page_ref_add(sim, page, 3, NULL), 0);
	assert_int_equal(hvo_page_ref_add(sim, page, -4, &nv), 0);
	assert_int_equal(nv, 1);
	/* the mapcount half is never touched */
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), (1ull << 32) | 0xffffffffu);

	/* page_ref_freeze(): only from the expected count */
	assert_int_equal(hvo_page_ref_freeze(sim, page, 5), 0);
	assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
	assert_int_equal(rc, 1);
	assert_int_equal(hvo_page_ref_freeze(sim, page, 1), 1);
	assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
	assert_int_equal(rc, 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), 0x00000000ffffffffull);
	/* frozen: get_page_unless_zero() fails again */
	assert_int_equal(hvo_page_ref_add_unless(sim, page, 1, 0), 0);
	/* add_unless with another forbidden value */
	assert_int_equal(hvo_page_ref_add_unless(sim, page, 2, 7), 1);
	assert_int_equal(hvo_page_refcount(sim, page, &rc), 0);
	assert_int_equal(rc, 2);
	assert_int_equal(hvo_page_ref_add(sim, page, -2, &nv), 0);
	assert_int_equal(nv, 0);
	/* the neighbours are not touched */
	assert_int_equal(rd(sim, pfn - 1, HVO_PW_COUNTS), 0x00000000ffffffffull);
	assert_int_equal(rd(sim, pfn + 1, HVO_PW_COUNTS), 0x00000000ffffffffull);
}

/* hvo_init_compound_tail() fills host words as prep does */
static void test_init_compound_tail(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	uint64_t w[HVO_NR_PAGE_WORDS];

	memset(w, 0x5a, sizeof(w));
	hvo_init_compound_tail(sim, w, page_of(sim, 512), 9, 1, HVO_ZONE_MOVABLE);
	assert_int_equal(w[HVO_PW_FLAGS], 0x8100000000000000ull);
	assert_int_equal(w[HVO_PW_COMPOUND_INFO], 0xFFFFFFFFFFFF8001ull);
	assert_int_equal(w[HVO_PW_LRU_PREV], 0);
	assert_int_equal(w[HVO_PW_MAPPING], HVO_TAIL_MAPPING);
	assert_int_equal(w[HVO_PW_INDEX], 0);
	assert_int_equal(w[HVO_PW_PRIVATE], 0);
	assert_int_equal(w[HVO_PW_COUNTS], 0x00000000ffffffffull);
	assert_int_equal(w[HVO_PW_MEMCG], 0);
}

/* a test on machine @m, named fn/m so parameterised runs stay distinct */
#define P(fn, m) { .name = #fn "/" #m, .test_func = fn, .setup_func = setup_m, \
		   .teardown_func = fx_teardown, .initial_state = &(m) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		P(test_mask_4k, m4k),
		P(test_mask_16k, m16k),
		P(test_mask_64k, m64k),
		P(test_mask_big_strides, m_s128),
		P(test_mask_big_strides, m_s256),
		P(test_pointer_none, m4k_none),
		P(test_pointer_fake_head, m4k_fake),
		P(test_odd_stride, m_s56),
		P(test_odd_stride, m_s72),
		P(test_odd_stride, m_s80),
		P(test_odd_stride, m_s40),
		P(test_odd_stride, m_s72_16k),
		P(test_head_tail_plain, m4k),
		P(test_head_tail_plain, m4k_none),
		P(test_prep_errors, m4k),
		cmocka_unit_test(test_prep_partly_beyond),
		P(test_page_access_errors, m4k),
		P(test_tail_words, m_2node),
		P(test_folio_fields, m4k),
		P(test_folio_fields, m4k_fake),
		P(test_destroy_restores, m4k),
		P(test_memmap_init, m_2node_big),
		P(test_refcount_ops, m4k),
		P(test_refcount_ops, m_s56),
		P(test_init_compound_tail, m4k),
	};

	return cmocka_run_group_tests_name("page", tests, NULL, NULL);
}
