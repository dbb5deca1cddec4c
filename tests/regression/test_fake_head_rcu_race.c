// SPDX-License-Identifier: MIT
/*
 * test_fake_head_rcu_race.c - a speculative PFN walker writes through a
 * fake head that HVO mapped read-only under it.
 *
 * Kernel: commit bd225530a4c7 ("mm/hugetlb_vmemmap: fix race with
 * speculative PFN walkers", Yu Zhao, 2024).  Its race, on the fake-head
 * scheme:
 *   walker                          HVO
 *   sees page1 (a page in use)
 *                                   page1 is freed, becomes a tail of a
 *                                   fresh hugetlb folio, HVO remaps the
 *                                   folio's vmemmap: page1 is a read-only
 *                                   fake head aliasing the head
 *   get_page_unless_zero(page1)     (the head's refcount is not 0)
 * and the walker's atomic add lands on read-only memory.  The fix:
 * page_ref_add_unless() checks under rcu_read_lock() that the page is not a
 * fake head, and HVO runs synchronize_rcu() before remapping
 * (VMEMMAP_SYNCHRONIZE_RCU), so a walker that passed the check finishes
 * before any PTE changes.  Removed again with the fake heads in 7.1 (v7
 * 13/18 and 14/18 of the series, lore:20260227194302.274384-1-kas@kernel.org).
 *
 * The interleaving, fixed by the yield hook: the walker (a second thread)
 * takes its reference on page1 = pfn B + 64 while B is a plain block with
 * page1 in use; it stops at the refcount add (HVO_YP_REFCOUNT), after its
 * fake-head check.  This thread then drops page1, frees B, grows the 2M
 * pool (B becomes the folio, optimized: page1 becomes a fake head) and
 * takes the folio for use (refcount 1).
 *   rcu_sync off (before bd225530a4c7): the walker goes on after all that
 *     and its add writes through the RO fake head: caught as an RO-write
 *     fault on page1's struct page.
 *   rcu_sync on: HVO's synchronize_rcu() waits for the walker's read-side
 *     section; the walker is let go there (HVO_YP_RCU on this thread) and
 *     finishes on page1 before the remap, where it sees a tail with
 *     refcount 0 and takes nothing.  Clean.
 */
#include "regress.h"

#define FAKE 64		/* page1: the first fake head, struct page 64 */

struct walk {
	uint64_t pfn, block;
	int result;
	bool folio_unmapped;	/* at release: B is a pool folio, not yet remapped */
};

static void walker(struct park *pk)
{
	struct walk *w = pk->arg;

	w->result = hvo_walk_pfn(pk->sim, w->pfn, HVO_WALK_PAGE);
}

/* on this thread, in HVO's synchronize_rcu(): the interleaving is the race's */
static void at_grace_period(struct park *pk)
{
	struct walk *w = pk->arg;
	struct hvo_folio_info fi;

	w->folio_unmapped = hvo_folio_lookup(pk->sim, w->pfn, &fi) == 0 &&
			    fi.head_pfn == w->block && !fi.optimized;
}

static int32_t refcount(struct hvo_sim *sim, uint64_t pfn)
{
	int32_t ref = -1;

	assert_int_equal(hvo_page_refcount(sim, hvo_pfn_to_page(sim, pfn), &ref), 0);
	return ref;
}

static void race(bool rcu_sync)
{
	struct hvo_config c;
	struct hvo_stats st;
	struct hvo_fault f;
	struct walk w = { 0 };
	struct park pk = { .park_at = HVO_YP_REFCOUNT, .release_at = HVO_YP_RCU,
			   .fn = walker, .on_release = at_grace_period, .arg = &w };
	uint64_t b, folio = 0, page1;
	unsigned int h;
	bool parked;

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	c.scheme = HVO_SCHEME_FAKE_HEAD;
	c.rcu_sync = rcu_sync;
	c.fault_policy = HVO_FAULT_RECORD;
	pk.sim = machine(&c);
	h = hstate_of(pk.sim, 2 * MiB);

	/* page1 in use: a plain order-9 block, its page 64 holding a reference
	 * (what post_alloc_hook() gives the page of an LRU folio) */
	assert_int_equal(hvo_alloc_frames(pk.sim, 0, 9, HVO_KIND_OTHER, 0, &b), 0);
	page1 = hvo_pfn_to_page(pk.sim, b + FAKE);
	assert_int_equal(hvo_page_ref_add(pk.sim, page1, 1, NULL), 0);
	w.pfn = b + FAKE;
	w.block = b;

	parked = park_start(&pk);
	if (parked) {
		assert_int_equal(hvo_page_ref_add(pk.sim, page1, -1, NULL), 0);
		assert_int_equal(hvo_free_frames(pk.sim, b, 9), 0);
		assert_int_equal(hvo_pool_grow(pk.sim, h, 0, 1, NULL), 0);
		assert_int_equal(hvo_folio_alloc(pk.sim, h, 0, &folio), 0);
	}
	park_finish(&pk);
	if (!parked)
		failf("the walker never reached its refcount add: nothing was tested");
	/* the setup: the pool took the freed block, so page1 is its fake head */
	if (folio != b)
		failf("the pool folio is %#" PRIx64 ", not the freed block %#" PRIx64, folio, b);
	assert_int_equal(vmemmap_frame(pk.sim, b, 1, NULL), vmemmap_frame(pk.sim, b, 0, NULL));

	hvo_sim_stats(pk.sim, &st);
	print_message("# rcu_sync %s: walk %d, %" PRIu64 " RO faults, %" PRIu64
		      " grace periods, walker let go %s\n", rcu_sync ? "on" : "off", w.result,
		      st.ro_faults, st.synchronize_rcu_calls,
		      pk.released_by_point ? "by the grace period" : "at the end");
	/* either way the folio's head holds exactly our reference */
	assert_int_equal(refcount(pk.sim, b), 1);
	if (!rcu_sync) {
		/* caught: the walker's add went to the RO fake head */
		assert_int_equal(w.result, HVO_WALK_FAULT);
		assert_int_equal(st.synchronize_rcu_calls, 0);
		assert_true(hvo_fault_log_count(pk.sim) >= 1);
		assert_int_equal(hvo_fault_log_get(pk.sim, 0, &f), 0);
		assert_int_equal(f.type, HVO_FAULT_RO_WRITE);
		assert_int_equal(f.page_pfn, b + FAKE);
		assert_string_equal(f.op, "add_unless");
	} else {
		/* the grace period waited for the walker, which went on once page1
		 * was a tail of the new folio and before the remap: it saw a tail */
		assert_true(pk.released_by_point);
		assert_true(w.folio_unmapped);
		assert_true(st.synchronize_rcu_calls >= 1);
		assert_int_equal(w.result, HVO_WALK_NOREF);
		assert_int_equal(st.ro_faults, 0);
		assert_int_equal(hvo_fault_log_count(pk.sim), 0);
	}
	check_clean(pk.sim, rcu_sync ? "rcu_sync on" : "rcu_sync off");
	assert_int_equal(hvo_folio_put(pk.sim, folio), 0);
	assert_int_equal(hvo_sim_destroy(pk.sim), 0);
}

static void test_rcu_sync_off_caught(void **state)
{
	(void)state;
	race(false);
}

static void test_rcu_sync_on_passes(void **state)
{
	(void)state;
	race(true);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rcu_sync_off_caught),
		cmocka_unit_test(test_rcu_sync_on_passes),
	};

	return cmocka_run_group_tests_name("fake_head_rcu_race", tests, NULL, NULL);
}
