// SPDX-License-Identifier: MIT
/*
 * test_check_track.c - hvo_check_track(): a tracked hvo_check() re-reads
 * only what changed, and still sees every change the public API can make.
 *
 * The invariant tests (test_hvo_invariants.c) run again with tracking in
 * verify mode, where every check is compared with a full one; here the
 * tracked mode is checked on its own: that a check after nothing reads
 * nothing, that raw writes through the public API (a struct page word, a
 * vmemmap PTE, a frame allocated behind the pools' back) are caught by the
 * very next check without a full walk, that a snapshot restore is seen,
 * and that seeded random operations never make the two checks disagree.
 */
#include "hvotest_hvo.h"

static struct hvo_report *rep_new(void)
{
	return scratch_alloc(sizeof(struct hvo_report));
}

/* 4K pages, 1 GiB on one node, @n free 2M folios, tracking in @mode */
static struct hvo_sim *machine(enum hvo_scheme scheme, enum hvo_check_mode mode, uint64_t n,
			       unsigned int *h)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	int hs;

	cfg_make(&c, 12, 64, scheme, 1, 1 * GiB);
	sim = sim_new(&c);
	hs = hvo_hstate_find(sim, 2 * MiB);
	assert_true(hs >= 0);
	*h = (unsigned int)hs;
	if (n)
		assert_int_equal(hvo_pool_grow(sim, *h, 0, n, NULL), 0);
	assert_int_equal(hvo_check_track(sim, mode), 0);
	return sim;
}

/* a clean check that read nothing again: no folio, no struct page */
static void check_read_nothing(struct hvo_sim *sim, struct hvo_report *rep)
{
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->folios, 0);
	assert_int_equal(rep->pages, 0);
}

static void test_nothing_changed(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_sim *sim;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_NONE, HVO_CHECK_TRACKED, 4, &h);
	/* the first check walks everything */
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->folios, 4);
	assert_true(rep->pages >= 4 * 511);
	/* the next one, after nothing, reads no folio and no struct page */
	check_read_nothing(sim, rep);
	scratch_free(rep);
	sim_done(sim);
}

/*
 * Words of a tail written through hvo_page_write(): the next check reads
 * again only the struct pages whose words changed (the whole vmemmap page
 * the first time its frame is written: the check keeps its bytes from
 * then on), and names a wrong refcount.
 */
static void test_raw_page_write(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_sim *sim;
	uint64_t pfn, page, old = 0, index = 0;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_NONE, HVO_CHECK_TRACKED, 2, &h);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 2);
	assert_int_equal(hvo_check(sim, rep), 0);
	page = hvo_pfn_to_page(sim, pfn + 100);
	/* ->index of a tail: no invariant reads it */
	assert_int_equal(hvo_page_read(sim, page, HVO_PW_INDEX, &index), 0);
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_INDEX, 1), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_true(rep->pages > 0 && rep->pages <= 64 + 2);
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_INDEX, 2), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_true(rep->pages > 0 && rep->pages <= 2);
	/* a tail holding a reference */
	assert_int_equal(hvo_page_read(sim, page, HVO_PW_COUNTS, &old), 0);
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_COUNTS, old + (1ull << 32)), 0);
	assert_true(hvo_check(sim, rep) > 0);
	print_report(rep);
	assert_true(hvo_report_has(rep, "tail-refcount") > 0);
	assert_int_equal(rep->v[0].pfn, pfn);
	/* put back: the folio with the finding is walked whole until right */
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_COUNTS, old), 0);
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_INDEX, index), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->pages, 0);
	scratch_free(rep);
	sim_done(sim);
}

/* a vmemmap PTE moved through hvo_vmemmap_set_pte(): seen by the next check */
static void test_raw_pte_write(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_sim *sim;
	struct hvo_translation tr;
	uint64_t pfn, s, e, v, fresh, old;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_SHARED_TAIL, HVO_CHECK_TRACKED, 2, &h);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 2);
	assert_int_equal(hvo_check(sim, rep), 0);
	/* optimized: page 2 of the folio maps the shared tail; a fresh zeroed
	 * frame instead reads as no tail at all */
	hvo_vmemmap_range(sim, pfn, 1, &s, &e);
	v = (s & ~4095ull) + 2 * 4096;
	assert_int_equal(hvo_vmemmap_translate(sim, v, &tr), 0);
	assert_int_equal(hvo_alloc_frames(sim, 0, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO, &fresh), 0);
	assert_int_equal(hvo_vmemmap_set_pte(sim, v, fresh, false, &old), 0);
	assert_int_equal(old, tr.frame_pfn);
	assert_true(hvo_check(sim, rep) > 0);
	print_report(rep);
	assert_true(hvo_report_has(rep, "shared-tail") > 0);
	assert_int_equal(hvo_vmemmap_set_pte(sim, v, old, false, NULL), 0);
	hvo_flush_tlb_all(sim);
	assert_int_equal(hvo_free_frames(sim, fresh, 0), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	scratch_free(rep);
	sim_done(sim);
}

/* a shared tail frame allocated behind the pools' back: an orphan */
static void test_raw_frame_alloc(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_sim *sim;
	uint64_t orphan;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_SHARED_TAIL, HVO_CHECK_TRACKED, 1, &h);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_alloc_frames(sim, 0, 0, HVO_KIND_SHARED_TAIL, HVO_GFP_ZERO,
					  &orphan), 0);
	assert_true(hvo_check(sim, rep) > 0);
	assert_true(hvo_report_has(rep, "shared-tail") > 0);
	assert_int_equal(hvo_free_frames(sim, orphan, 0), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	scratch_free(rep);
	sim_done(sim);
}

/* a snapshot restored under a tracked check: the check follows it back */
static void test_snapshot_restore(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_snapshot *snap = NULL;
	struct hvo_sim *sim;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_SHARED_TAIL, HVO_CHECK_VERIFY, 1, &h);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 3, NULL), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->folios, 4);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	/* verify mode: a tracked report unlike the full one adds "track" */
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->folios, 1);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	hvo_snapshot_free(snap);
	scratch_free(rep);
	sim_done(sim);
}

/*
 * A restore is no full walk: the check after it re-reads what the run
 * changed and the restore undid, not the folios the run never touched.
 */
static void test_snapshot_restore_tracked(void **state)
{
	struct hvo_report *rep = rep_new();
	struct hvo_snapshot *snap = NULL;
	struct hvo_sim *sim;
	unsigned int h;

	(void)state;
	sim = machine(HVO_SCHEME_SHARED_TAIL, HVO_CHECK_TRACKED, 8, &h);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(rep->folios, 8);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_true(rep->folios < 8);
	/* nothing ran since: nothing to restore, nothing to re-read */
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	check_read_nothing(sim, rep);
	/* and the machine works on from the snapshot's state */
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 8, NULL), 0);
	assert_int_equal(hvo_check(sim, rep), 0);
	hvo_snapshot_free(snap);
	scratch_free(rep);
	sim_done(sim);
}

/* splitmix64 */
static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* one seeded random operation on the pools of @sim */
static void random_op(struct hvo_sim *sim, uint64_t *rng, unsigned int nh)
{
	unsigned int h = (unsigned int)(rnd(rng) % nh), op = (unsigned int)(rnd(rng) % 7);
	uint64_t pfns[16], n = 1 + rnd(rng) % 3, pfn;
	int64_t nf = hvo_folio_list(sim, h, pfns, 16);

	pfn = nf > 0 ? pfns[rnd(rng) % (uint64_t)(nf < 16 ? nf : 16)] : 0;
	switch (op) {
	case 0:
	case 1:
		hvo_pool_grow(sim, h, 0, n, NULL);
		break;
	case 2:
		hvo_pool_shrink(sim, h, 0, n, NULL);
		break;
	case 3:
		hvo_folio_restore(sim, pfn);
		break;
	case 4:
		hvo_folio_optimize(sim, pfn);
		break;
	case 5:
		if (!hvo_folio_alloc(sim, h, 0, &pfn))
			hvo_folio_put(sim, pfn);
		break;
	default:
		hvo_sysctl_optimize_vmemmap_write(sim, rnd(rng) & 1);
		break;
	}
}

/* seeded random operations, every tracked check compared with a full one */
static void test_random_verify(void **state)
{
	static const unsigned int shifts[] = { 12, 16 };
	static const enum hvo_scheme schemes[] = {
		HVO_SCHEME_NONE, HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL,
	};
	struct hvo_report *rep = rep_new();
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t rng = 7, step;
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(shifts); i++)
		for (j = 0; j < ARRAY_SIZE(schemes); j++) {
			cfg_make(&c, shifts[i], 64, schemes[j], 2, shifts[i] == 16 ? GiB : GiB / 4);
			sim = sim_new(&c);
			assert_int_equal(hvo_check_track(sim, HVO_CHECK_VERIFY), 0);
			for (step = 0; step < 200; step++) {
				random_op(sim, &rng, (unsigned int)hvo_hstate_count(sim));
				if (hvo_check(sim, rep)) {
					print_report(rep);
					failf("page shift %u scheme %d step %" PRIu64, shifts[i],
					      (int)schemes[j], step);
				}
			}
			assert_int_equal(hvo_check_track(sim, HVO_CHECK_FULL), 0);
			sim_done(sim);
		}
	scratch_free(rep);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_nothing_changed, cleanup),
		cmocka_unit_test_teardown(test_raw_page_write, cleanup),
		cmocka_unit_test_teardown(test_raw_pte_write, cleanup),
		cmocka_unit_test_teardown(test_raw_frame_alloc, cleanup),
		cmocka_unit_test_teardown(test_snapshot_restore, cleanup),
		cmocka_unit_test_teardown(test_snapshot_restore_tracked, cleanup),
		cmocka_unit_test_teardown(test_random_verify, cleanup),
	};

	return cmocka_run_group_tests_name("check_track", tests, NULL, NULL);
}
