// SPDX-License-Identifier: MIT
/*
 * test_surplus_underflow.c - surplus_huge_pages must stay a count no larger
 * than the pool, whatever order folios enter and leave it in.
 *
 * Found here, not in the kernel: the seeded random sequences of
 * tests/unit/test_hvo_random.c underflowed surplus_huge_pages when the pool
 * kept "surplus" as a per-folio flag (fixed in commit 3920389, "pool
 * surplus kept as counters").  The kernel keeps it as counters:
 * add_hugetlb_folio(h, folio, adjust_surplus) and remove_hugetlb_folio(h,
 * folio, adjust_surplus) in mm/hugetlb.c, and free_huge_folio() turns
 * whichever folio is freed into the one that leaves while
 * surplus_huge_pages_node is not 0.  With flags, the folio that left took
 * the count with it while the flag stayed on another folio, whose later
 * removal decremented a count that was already 0.
 *
 * The sequence (2M folios, one node, no overcommit):
 *   1. grow 2 persistent folios; take one for use (P), the other (F) free;
 *   2. shrink 1 with every vmemmap restore failing: F cannot be freed and
 *      stays in the pool as surplus (update_and_free_hugetlb_folio()'s
 *      add_hugetlb_folio(h, folio, true));
 *   3. put P: surplus is 1 on the node, so P leaves as the surplus folio;
 *   4. shrink 1: F leaves.  With the flag still on F, surplus went from 0
 *      to 2^64 - 1 (checked on the tree before 3920389).
 * After every step, per node: surplus <= nr, the documented counts, and
 * hvo_check() (which verifies surplus <= nr since 3920389) clean.
 */
#include "regress.h"

struct want {
	uint64_t nr, free, surplus;
};

static void step(struct hvo_sim *sim, unsigned int h, const char *what, struct want w)
{
	struct hvo_hstate_info hi;

	assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
	print_message("# %s: nr %" PRIu64 " free %" PRIu64 " surplus %" PRIu64 "\n", what,
		      hi.nr_huge_pages_node[0], hi.free_huge_pages_node[0],
		      hi.surplus_huge_pages_node[0]);
	if (hi.surplus_huge_pages_node[0] > hi.nr_huge_pages_node[0] ||
	    hi.surplus_huge_pages > hi.nr_huge_pages)
		failf("%s: surplus %" PRIu64 " > nr %" PRIu64, what,
		      hi.surplus_huge_pages_node[0], hi.nr_huge_pages_node[0]);
	assert_int_equal(hi.nr_huge_pages_node[0], w.nr);
	assert_int_equal(hi.free_huge_pages_node[0], w.free);
	assert_int_equal(hi.surplus_huge_pages_node[0], w.surplus);
	check_clean(sim, what);
}

static void test_surplus_stays_counted(void **state)
{
	struct hvo_fail_spec no_restore = { .site = HVO_SITE_VMEMMAP_RESTORE, .nth = 1,
					    .persistent = true };
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t p, f, d = 0;
	struct hvo_folio_info fi;
	unsigned int h;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	sim = machine(&c);
	h = hstate_of(sim, 2 * MiB);

	assert_int_equal(hvo_pool_grow(sim, h, 0, 2, &d), 0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &p), 0);
	step(sim, h, "1. grown, one in use", (struct want){ 2, 1, 0 });

	assert_int_equal(hvo_fail_set(sim, &no_restore), 0);
	assert_int_not_equal(hvo_pool_shrink(sim, h, 0, 1, &d), 0);
	hvo_fail_clear(sim);
	step(sim, h, "2. shrink failed, F surplus", (struct want){ 2, 1, 1 });

	assert_int_equal(hvo_folio_put(sim, p), 0);
	step(sim, h, "3. P put, left as surplus", (struct want){ 1, 1, 0 });
	/* F is the one left, still optimized: its restore never happened */
	assert_int_equal(hvo_folio_list(sim, h, &f, 1), 1);
	assert_int_not_equal(f, p);
	assert_int_equal(hvo_folio_lookup(sim, f, &fi), 0);
	assert_true(fi.optimized);

	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, &d), 0);
	step(sim, h, "4. F shrunk", (struct want){ 0, 0, 0 });
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_surplus_stays_counted),
	};

	return cmocka_run_group_tests_name("surplus_underflow", tests, NULL, NULL);
}
