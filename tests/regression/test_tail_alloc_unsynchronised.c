// SPDX-License-Identifier: MIT
/*
 * test_tail_alloc_unsynchronised.c - the seed patch's lazy allocation of the
 * shared tail, with no synchronisation.
 *
 * Kernel: "[PATCH 06/11] mm/hugetlb: Remove fake head pages" (Kiryl
 * Shutsemau, v1 of "mm: Eliminate fake head pages from vmemmap
 * optimization", lore:20251205194351.1646318-7-kas@kernel.org):
 * hugetlb_vmemmap_tail_alloc() tests h->vmemmap_tail, allocates and stores
 * it with no lock.  Usama Arif (lore:db4538c3-84f8-4fb4-8307-b4fcf46ebe38@
 * gmail.com): two threads can both see NULL and both allocate.  Kiryl
 * agreed; v2 published it under hugetlb_lock (the loser frees its page),
 * v5 with cmpxchg() (Muchun), as merged in vmemmap_get_tail().
 *
 * The interleaving, fixed by the yield hook: thread A reads the empty slot,
 * allocates and initialises its tail, and stops just before publishing it
 * (HVO_YP_TAIL_SLOT_PUBLISH); thread B optimizes a folio of the same zone
 * and order from start to end; then A publishes.
 *   alloc none (v1):  A overwrites B's tail: the two folios map two
 *                     different "shared" tails, B's no longer in the slot.
 *                     Caught: two frames, and hvo_check() violations.
 *   alloc lock (v2), cmpxchg (v5+): A finds B's tail, frees its own and
 *                     maps B's: one frame, one lost race counted, clean.
 */
#include "regress.h"

static const char *const alloc_name[] = { "cmpxchg", "lock", "none" };

struct grow {
	unsigned int h;
	int rc;
	uint64_t done;
};

static void grow_one(struct park *pk)
{
	struct grow *g = pk->arg;

	g->rc = hvo_pool_grow(pk->sim, g->h, 0, 1, &g->done);
}

static void race(enum hvo_tail_alloc alloc)
{
	struct hvo_config c;
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_stats st;
	struct grow a = { 0 };
	struct park pk = { .park_at = HVO_YP_TAIL_SLOT_PUBLISH, .release_at = -1,
			   .fn = grow_one, .arg = &a };
	uint64_t pfns[2], done = 0, tail_a, tail_b;
	unsigned int h;
	bool parked;
	int64_t v;

	assert_non_null(rep);
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	c.scheme = HVO_SCHEME_SHARED_TAIL;
	c.tail_alloc = alloc;
	c.fault_policy = HVO_FAULT_RECORD;
	pk.sim = machine(&c);
	h = hstate_of(pk.sim, 2 * MiB);
	a.h = h;

	parked = park_start(&pk);
	/* B, on this thread, while A waits with its unpublished tail */
	if (parked)
		assert_int_equal(hvo_pool_grow(pk.sim, h, 0, 1, &done), 0);
	park_finish(&pk);
	if (!parked)
		failf("thread A never reached the tail publish: nothing was tested");
	assert_int_equal(a.rc, 0);
	assert_int_equal(a.done, 1);
	assert_int_equal(done, 1);

	assert_int_equal(hvo_folio_list(pk.sim, h, pfns, 2), 2);
	tail_a = vmemmap_frame(pk.sim, pfns[0], 1, NULL);
	tail_b = vmemmap_frame(pk.sim, pfns[1], 1, NULL);
	hvo_sim_stats(pk.sim, &st);
	v = violations(pk.sim, rep, alloc_name[alloc]);
	print_message("# alloc %s: tails %#" PRIx64 " %#" PRIx64 ", %" PRIu64 " allocated, %"
		      PRIu64 " lost races, %" PRId64 " violations\n", alloc_name[alloc], tail_a, tail_b,
		      st.shared_tails_allocated, st.shared_tail_races, v);
	/* both threads allocated a tail in every variant: the race was run */
	assert_int_equal(st.shared_tails_allocated, 2);
	if (alloc == HVO_TAIL_ALLOC_NONE) {
		/* caught: one (zone, order), two tails, one orphaned */
		assert_int_not_equal(tail_a, tail_b);
		assert_int_equal(st.shared_tail_races, 0);
		assert_true(v > 0);
		assert_true(hvo_report_has(rep, "shared-tail") > 0);
	} else {
		assert_int_equal(tail_a, tail_b);
		assert_int_equal(st.shared_tail_races, 1);
		assert_int_equal(st.shared_tails_live, 1);
		assert_int_equal(v, 0);
	}
	free(rep);
	assert_int_equal(hvo_sim_destroy(pk.sim), 0);
}

static void test_alloc_none_caught(void **state)
{
	(void)state;
	race(HVO_TAIL_ALLOC_NONE);
}

static void test_alloc_lock_passes(void **state)
{
	(void)state;
	race(HVO_TAIL_ALLOC_LOCK);
}

static void test_alloc_cmpxchg_passes(void **state)
{
	(void)state;
	race(HVO_TAIL_ALLOC_CMPXCHG);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_alloc_none_caught),
		cmocka_unit_test(test_alloc_lock_passes),
		cmocka_unit_test(test_alloc_cmpxchg_passes),
	};

	return cmocka_run_group_tests_name("tail_alloc_unsynchronised", tests, NULL, NULL);
}
