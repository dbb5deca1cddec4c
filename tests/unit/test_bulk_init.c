// SPDX-License-Identifier: MIT
/*
 * test_bulk_init.c - struct pages written in bulk hold what word-by-word
 * writes would: the lazy memmap_init() of every vmemmap frame (the
 * padding of a stride that is not a whole number of words and the bytes
 * past the last pfn included), and prep_compound_page() and its undo, whose
 * bulk path runs only without a scheduler hook, against the same calls
 * with a hook (every store its own yield point, one word at a time).
 * Every stride class and base page size: 40 to 256 bytes, 4K/16K/64K.
 */
#include "hvotest.h"

static const unsigned int strides[] = { 40, 48, 56, 64, 72, 120, 128, 256 };
static const unsigned int shifts[] = { 12, 14, 16 };

/* every (stride, page size), or under HVOSIM_SWEEP_STRIDE=k every k-th and
 * the 64-byte 4K machine (these single-threaded checks find no race: under
 * TSan a sample is a check that the build behaves) */
static bool config_runs(size_t a, size_t b)
{
	return (a * ARRAY_SIZE(shifts) + b) % hvotest_sweep_stride() == 0 ||
	       (strides[a] == 64 && shifts[b] == 12);
}

/* two nodes: DMA32 and Normal on node 0, Normal and Movable on node 1 */
static struct hvo_sim *machine(unsigned int stride, unsigned int shift)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;

	hvo_config_init(&c);
	c.page_shift = shift;
	c.struct_page_size = stride;
	c.nr_nodes = 2;
	c.node_mem_bytes[0] = 4 * GiB + 512 * MiB;
	c.node_mem_bytes[1] = 1 * GiB;
	c.node_movable_bytes[1] = 512 * MiB;
	if (stride & (stride - 1))
		c.scheme = HVO_SCHEME_NONE;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	return sim;
}

/* slot k of a struct page holds the k-th present word; -1: padding */
static void slot_words(const struct hvo_sim *sim, int *slot, unsigned int nslots)
{
	unsigned int w, k = 0;

	for (w = 0; w < nslots; w++)
		slot[w] = -1;
	for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
		if (hvo_page_word_present(sim, w))
			slot[k++] = (int)w;
}

/* a word the buddy owns: any value with bit 0 clear (never a tail) */
#define BUDDY_WORD 0xdeadbeefdeadbeefull	/* no memmap_init() value */

/* @pfn heads a free buddy block (hvo_frame_info()) */
static bool free_block_head(struct hvo_sim *sim, uint64_t pfn, uint64_t *order)
{
	struct hvo_frame_info fi;

	if (hvo_frame_info(sim, pfn, &fi) || fi.allocated || !fi.buddy || fi.head_pfn != pfn)
		return false;
	*order = fi.order;
	return true;
}

/* what the words of one struct page depend on, looked up once per pfn
 * (a frame_info() per word made this test the slowest of the unit suite) */
struct pfn_info {
	uint64_t pfn;		/* UINT64_MAX: nothing looked up yet */
	bool head;		/* heads a free buddy block of @order */
	uint64_t order;
	bool zoned;		/* hvo_pfn_zone() said @nid, @zone */
	unsigned int nid;
	enum hvo_zone_type zone;
};

static const struct pfn_info *pfn_info(struct hvo_sim *sim, uint64_t pfn, struct pfn_info *pi)
{
	if (pi->pfn != pfn) {
		pi->pfn = pfn;
		pi->head = free_block_head(sim, pfn, &pi->order);
		pi->zoned = !hvo_pfn_zone(sim, pfn, &pi->nid, &pi->zone);
	}
	return pi;
}

/* memmap_init_range()'s value of the word at vmemmap address @v */
static uint64_t expected_word(struct hvo_sim *sim, const int *slot, uint64_t v,
			      struct pfn_info *cache)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t off = v - g->vmemmap_base, pfn = off / g->stride;
	const struct pfn_info *pi;
	int w;

	if (v < g->vmemmap_base || pfn >= g->nr_pfns)
		return 0;
	w = slot[(off % g->stride) / 8];
	pi = pfn_info(sim, pfn, cache);
	if (pi->head) {
		/* the buddy threads its free lists through the block's head
		 * (free_list.c; the free-lists invariant and test_free_list check
		 * the links' values): its order in ->private, its lru links, its
		 * page type in _mapcount -- what memmap_init() leaves then */
		if (w == HVO_PW_PRIVATE)
			return pi->order;
		if (w == HVO_PW_COMPOUND_INFO || w == HVO_PW_LRU_PREV || w == HVO_PW_COUNTS)
			return BUDDY_WORD;
	}
	if (w == HVO_PW_COUNTS)
		return 0x00000000ffffffffull;	/* _mapcount -1, _refcount 0 */
	if (w != HVO_PW_FLAGS || !pi->zoned)
		return 0;
	return ((uint64_t)pi->nid << HVO_NODES_PGSHIFT) |
	       ((uint64_t)pi->zone << HVO_ZONES_PGSHIFT);
}

/* every word of every vmemmap frame of a fresh machine, read raw */
static void check_frames(struct hvo_sim *sim)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	struct hvo_translation tr;
	uint64_t start, end, v, i, want;
	const uint64_t *w;
	int slot[32];
	struct pfn_info cache = { .pfn = UINT64_MAX };

	slot_words(sim, slot, 32);
	hvo_vmemmap_range(sim, 0, g->nr_pfns, &start, &end);
	for (v = start & ~(g->page_size - 1); v < end; v += g->page_size) {
		assert_int_equal(hvo_vmemmap_translate(sim, v, &tr), 0);
		w = hvo_frame_bytes(sim, tr.frame_pfn);
		assert_non_null(w);
		for (i = 0; i < g->page_size / 8; i++) {
			want = expected_word(sim, slot, v + 8 * i, &cache);
			if (want == BUDDY_WORD ? (w[i] & 1) != 0 : w[i] != want)
				failf("stride %u, %uK pages: vmemmap %#" PRIx64 " holds %#" PRIx64
				      ", memmap_init() writes %#" PRIx64, g->stride,
				      (unsigned int)(g->page_size >> 10), v + 8 * i, w[i], want);
		}
	}
}

static void test_lazy_init_frames(void **state)
{
	size_t a, b;

	(void)state;
	for (a = 0; a < ARRAY_SIZE(strides); a++)
		for (b = 0; b < ARRAY_SIZE(shifts); b++) {
			struct hvo_sim *sim;

			if (!config_runs(a, b))
				continue;
			sim = machine(strides[a], shifts[b]);

			check_frames(sim);
			assert_int_equal(hvo_sim_destroy(sim), 0);
		}
}

static void noop_hook(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	(void)ctx;
	(void)p;
	(void)addr;
}

/* every word of the 2^order struct pages from @pfn agree in both machines */
static void same_pages(struct hvo_sim *bulk, struct hvo_sim *word, uint64_t pfn,
		       unsigned int order, const char *what)
{
	uint64_t p, a, b;
	unsigned int w;

	for (p = pfn; p < pfn + (1ull << order); p++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
			assert_int_equal(hvo_page_read(bulk, hvo_pfn_to_page(bulk, p), w, &a), 0);
			assert_int_equal(hvo_page_read(word, hvo_pfn_to_page(word, p), w, &b), 0);
			if (a != b)
				failf("%s, stride %u, order %u: pfn %#" PRIx64 " word %u is %#" PRIx64
				      " in bulk, %#" PRIx64 " word by word", what,
				      hvo_sim_geometry(bulk)->stride, order, p, w, a, b);
		}
}

static void test_prep_bulk_matches_word_by_word(void **state)
{
	static const unsigned int orders[] = { 1, 2, 3, 9, 10 };
	uint64_t pfn[2];
	size_t a, b, o;
	int k;

	(void)state;
	for (a = 0; a < ARRAY_SIZE(strides); a++)
		for (b = 0; b < ARRAY_SIZE(shifts); b++) {
			struct hvo_sim *sim[2];

			if (!config_runs(a, b))
				continue;
			sim[0] = machine(strides[a], shifts[b]);
			sim[1] = machine(strides[a], shifts[b]);
			hvo_sim_set_yield_hook(sim[1], noop_hook, NULL);
			for (o = 0; o < ARRAY_SIZE(orders); o++) {
				for (k = 0; k < 2; k++) {
					assert_int_equal(hvo_alloc_frames(sim[k], 1, orders[o],
									  HVO_KIND_OTHER, 0,
									  &pfn[k]), 0);
					assert_int_equal(hvo_prep_compound_page(sim[k], pfn[k],
										orders[o]), 0);
				}
				assert_int_equal(pfn[0], pfn[1]);
				same_pages(sim[0], sim[1], pfn[0], orders[o], "prep");
				for (k = 0; k < 2; k++)
					assert_int_equal(hvo_destroy_compound_page(sim[k], pfn[k],
										   orders[o]), 0);
				same_pages(sim[0], sim[1], pfn[0], orders[o], "destroy");
				for (k = 0; k < 2; k++)
					assert_int_equal(hvo_free_frames(sim[k], pfn[k], orders[o]), 0);
			}
			for (k = 0; k < 2; k++)
				assert_int_equal(hvo_sim_destroy(sim[k]), 0);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lazy_init_frames),
		cmocka_unit_test(test_prep_bulk_matches_word_by_word),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
