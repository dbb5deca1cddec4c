// SPDX-License-Identifier: MIT
/*
 * test_rollback_head_overwritten.c - the rollback of a partial remap walk
 * must leave the head vmemmap page as it was.
 *
 * Kernel: "mm/hugetlb_vmemmap: fix incorrect vmemmap restore in rollback"
 * (Muchun Song, lore:20260525025213.2229628-1-songmuchun@bytedance.com;
 * Fixes: c0b495b91a47, the remap walk of the series that removed fake
 * heads).  When vmemmap_remap_free() fails part way (a PMD split cannot
 * allocate its PTE table), vmemmap_restore_pte() replays the walked prefix.
 * The first PTE walked is the head's, already pointing at its fresh copy;
 * rebuilding it from the tail template overwrote the head struct pages
 * (PG_head, the order, the hugetlb metadata of page[1..3]) with tails.  The
 * fix copies from whatever page the PTE maps now and restores only PTEs
 * that map the shared tail, so the head PTE keeps its copy.
 *
 * Here: a 1G folio at 4K pages has 4096 vmemmap pages under 8 PMD leaves,
 * split as the walk reaches them; the kth split fails (fault injection at
 * HVO_SITE_PGTABLE), after (k - 1) * 512 PTEs were remapped.  The head's
 * struct pages 0..63 must read exactly as before, through the vmemmap and
 * as the bytes of the frame its PTE maps, and that PTE must be RW.  Both
 * schemes: in fake-head the head copy is also the frame every tail PTE
 * maps, so "restore what maps the tail" alone would hit the head too.
 *
 * The library keeps no buggy rollback; test_control_catches_tail_template
 * shows the comparison rejects a head page rebuilt from the tail template,
 * which is what the bug left.
 */
#include "regress.h"

#define R 64		/* struct pages per 4K vmemmap page at stride 64 */
#define NW HVO_NR_PAGE_WORDS

struct head_snap {
	uint64_t words[R][NW];
	uint8_t bytes[4096];
};

static void read_head(struct hvo_sim *sim, uint64_t pfn, uint64_t words[R][NW])
{
	unsigned int i, w;

	for (i = 0; i < R; i++)
		for (w = 0; w < NW; w++)
			assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn + i), w,
						       &words[i][w]), 0);
}

/* the number of words that differ, the first few printed */
static unsigned int diff_words(const uint64_t a[R][NW], const uint64_t b[R][NW])
{
	unsigned int i, w, bad = 0;

	for (i = 0; i < R; i++)
		for (w = 0; w < NW; w++)
			if (a[i][w] != b[i][w] && bad++ < 4)
				print_message("#   struct page %u word %u: %#" PRIx64 " -> %#" PRIx64
					      "\n", i, w, a[i][w], b[i][w]);
	return bad;
}

static void snapshot(struct hvo_sim *sim, uint64_t pfn, struct head_snap *s)
{
	const void *bytes;

	/* reading every struct page first makes the frame hold them */
	read_head(sim, pfn, s->words);
	bytes = hvo_frame_bytes(sim, vmemmap_frame(sim, pfn, 0, NULL));
	assert_non_null(bytes);
	memcpy(s->bytes, bytes, sizeof(s->bytes));
}

/* a free 1G folio, unoptimized, with its vmemmap PMDs still leaves */
static uint64_t grow_unoptimized(struct hvo_sim *sim, unsigned int h)
{
	/* everything after the folio's own allocation fails: no split, no copy */
	struct hvo_fail_spec fs = { .site = HVO_SITE_ANY, .nth = 2, .persistent = true };
	struct hvo_folio_info fi;
	uint64_t pfn;

	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	hvo_fail_clear(sim);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_int_equal(hvo_folio_lookup(sim, pfn, &fi), 0);
	assert_false(fi.optimized);
	return pfn;
}

static void rollback(enum hvo_scheme scheme, uint64_t k)
{
	struct hvo_fail_spec fs = { .site = HVO_SITE_PGTABLE, .nth = k };
	struct head_snap *before = malloc(sizeof(*before)), *after = malloc(sizeof(*after));
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_folio_info fi;
	struct hvo_stats a, b;
	uint64_t pfn, head_frame, i;
	unsigned int h;
	bool rw;

	assert_non_null(before);
	assert_non_null(after);
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 2 * GiB;
	c.scheme = scheme;
	c.fault_policy = HVO_FAULT_RECORD;
	sim = machine(&c);
	h = hstate_of(sim, GiB);
	pfn = grow_unoptimized(sim, h);
	/* head state the tail template does not have: page[0] and page[3] */
	assert_int_equal(hvo_page_write(sim, hvo_pfn_to_page(sim, pfn), HVO_PW_INDEX, 0x1d), 0);
	assert_int_equal(hvo_folio_set(sim, hvo_pfn_to_page(sim, pfn), HVO_FOLIO_HUGETLB_SUBPOOL,
				       0x5ab9001), 0);
	assert_int_equal(hvo_folio_set(sim, hvo_pfn_to_page(sim, pfn), HVO_FOLIO_HUGETLB_CGROUP,
				       0xc9001), 0);
	snapshot(sim, pfn, before);

	hvo_sim_stats(sim, &a);
	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_folio_optimize(sim, pfn), -ENOMEM);
	assert_int_equal(hvo_fail_injected(sim), 1);
	hvo_fail_clear(sim);
	hvo_sim_stats(sim, &b);
	/* a real mid-walk failure: k - 1 PMDs were split and walked */
	assert_int_equal(b.rollbacks - a.rollbacks, 1);
	assert_int_equal(b.pmd_splits - a.pmd_splits, k - 1);
	assert_int_equal(hvo_folio_lookup(sim, pfn, &fi), 0);
	assert_false(fi.optimized);

	/* the head PTE keeps its copy: RW, byte-identical */
	head_frame = vmemmap_frame(sim, pfn, 0, &rw);
	assert_true(rw);
	snapshot(sim, pfn, after);
	if (diff_words((const uint64_t(*)[NW])before->words, (const uint64_t(*)[NW])after->words))
		failf("%s, split %" PRIu64 " failed: the rollback changed the head struct pages",
		      hvo_scheme_name(scheme), k);
	if (memcmp(before->bytes, after->bytes, sizeof(before->bytes)))
		failf("%s, split %" PRIu64 " failed: head frame %#" PRIx64 " is not byte-identical",
		      hvo_scheme_name(scheme), k, head_frame);
	/* every tail PTE is RW again, on its own frame, and names the head */
	for (i = 1; i < 4096; i++) {
		uint64_t t = pfn + i * R + 1;

		if (vmemmap_frame(sim, pfn, i, &rw) == head_frame || !rw)
			failf("vmemmap page %" PRIu64 " not restored", i);
		if (hvo_compound_head(sim, hvo_pfn_to_page(sim, t)) != hvo_pfn_to_page(sim, pfn))
			failf("struct page %" PRIu64 " does not name its head", i * R + 1);
	}
	check_clean(sim, "after the rollback");
	/* and the folio can be optimized and freed as usual */
	assert_int_equal(hvo_folio_optimize(sim, pfn), 0);
	read_head(sim, pfn, after->words);
	before->words[0][HVO_PW_PRIVATE] |= 1ull << HVO_HPG_vmemmap_optimized;
	assert_int_equal(diff_words((const uint64_t(*)[NW])before->words,
				    (const uint64_t(*)[NW])after->words), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	check_clean(sim, "emptied");
	assert_int_equal(hvo_sim_destroy(sim), 0);
	free(before);
	free(after);
}

/* the first, a middle and the last PMD after the head's: k = 2, 5, 8 */
static void test_shared_tail(void **state)
{
	(void)state;
	rollback(HVO_SCHEME_SHARED_TAIL, 2);
	rollback(HVO_SCHEME_SHARED_TAIL, 5);
	rollback(HVO_SCHEME_SHARED_TAIL, 8);
}

static void test_fake_head(void **state)
{
	(void)state;
	rollback(HVO_SCHEME_FAKE_HEAD, 2);
	rollback(HVO_SCHEME_FAKE_HEAD, 8);
}

/*
 * What the bug left: the head PTE restored like a tail PTE, a fresh page
 * filled with struct page 63 of the head page (the template of the merged
 * vmemmap_restore_pte()) in all 64 slots.  The comparison must reject it,
 * starting with struct page 0 having lost PG_head.
 */
static void test_control_catches_tail_template(void **state)
{
	struct head_snap *s = malloc(sizeof(*s));
	uint64_t tmpl[R][NW];
	struct hvo_config c;
	struct hvo_sim *sim;
	unsigned int i, h;
	uint64_t pfn;

	(void)state;
	assert_non_null(s);
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 2 * GiB;
	sim = machine(&c);
	h = hstate_of(sim, GiB);
	pfn = grow_unoptimized(sim, h);
	read_head(sim, pfn, s->words);
	for (i = 0; i < R; i++)
		memcpy(tmpl[i], s->words[R - 1], sizeof(tmpl[i]));
	assert_true(s->words[0][HVO_PW_FLAGS] & (1ull << HVO_PG_head));
	assert_false(tmpl[0][HVO_PW_FLAGS] & (1ull << HVO_PG_head));
	assert_true(diff_words((const uint64_t(*)[NW])s->words, (const uint64_t(*)[NW])tmpl) > 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
	free(s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_tail),
		cmocka_unit_test(test_fake_head),
		cmocka_unit_test(test_control_catches_tail_template),
	};

	return cmocka_run_group_tests_name("rollback_head_overwritten", tests, NULL, NULL);
}
