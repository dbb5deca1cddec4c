// SPDX-License-Identifier: MIT
/*
 * test_refcount.c - a put without a reference (issue 8.1).
 *
 * The kernel stops at VM_BUG_ON_PAGE() in put_page_testzero() /
 * folio_put_testzero() when a refcount would go below 0.  hvosim refuses
 * the put: a negative errno, a message naming the page (pfn and address)
 * and the refcount it found, a HVO_FAULT_REFCOUNT_UNDERFLOW record in the
 * fault log (or, under HVO_FAULT_ABORT, the process stops as the kernel
 * would), and a machine that is exactly as before: refcount 0, checker
 * clean, the folio still allocatable, nothing leaked at destroy.
 */
#include "hvotest.h"

static int setup(void **state)
{
	struct hvo_config c;

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	c.fault_policy = HVO_FAULT_RECORD;
	*state = fx_new(&c);
	return 0;
}

static unsigned int h2m(struct hvo_sim *sim)
{
	int h = hvo_hstate_find(sim, 2 * MiB);

	assert_true(h >= 0);
	return (unsigned int)h;
}

static int32_t refcount(struct hvo_sim *sim, uint64_t pfn)
{
	int32_t r = -99;

	assert_int_equal(hvo_page_refcount(sim, hvo_pfn_to_page(sim, pfn), &r), 0);
	return r;
}

static void assert_clean(struct hvo_sim *sim)
{
	struct hvo_report *rep = malloc(sizeof(*rep));

	assert_non_null(rep);
	if (hvo_check(sim, rep) != 0) {
		hvo_report_print(rep, stderr);
		fail();
	}
	free(rep);
}

/* the newest fault record is an underflow of @pfn's refcount, found @found */
static void assert_underflow_logged(struct hvo_sim *sim, uint64_t nfaults, uint64_t pfn,
				    int32_t found, uint64_t folio)
{
	struct hvo_fault f;
	char buf[256];

	assert_int_equal(hvo_fault_log_count(sim), nfaults);
	assert_int_equal(hvo_fault_log_get(sim, nfaults - 1, &f), 0);
	assert_int_equal(f.type, HVO_FAULT_REFCOUNT_UNDERFLOW);
	assert_int_equal(f.page_pfn, pfn);
	assert_int_equal(f.folio_pfn, folio);
	assert_int_equal(f.count, found);
	assert_int_equal(f.field, HVO_PW_COUNTS);
	hvo_fault_format(&f, buf, sizeof(buf));
	assert_non_null(strstr(buf, "refcount-underflow"));
}

/* the message names the page's address, its pfn and the refcount found */
static void assert_message(struct hvo_sim *sim, uint64_t pfn, int32_t found)
{
	char want[64];

	snprintf(want, sizeof(want), "%#" PRIx64, hvo_pfn_to_page(sim, pfn));
	assert_error_names(want);
	snprintf(want, sizeof(want), "pfn %#" PRIx64, pfn);
	assert_error_names(want);
	snprintf(want, sizeof(want), "refcount %d", found);
	assert_error_names(want);
}

/* a free pool folio's head is frozen at 0: hvo_page_put() on it */
static void test_put_free_pool_folio(void **state)
{
	struct fx *f = *state;
	struct hvo_sim *sim = f->sim;
	unsigned int h = h2m(sim);
	struct hvo_stats before, after;
	struct hvo_hstate_info hi;
	uint64_t pfn, got;

	assert_int_equal(hvo_pool_resize(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_int_equal(refcount(sim, pfn), 0);
	hvo_sim_stats(sim, &before);

	assert_int_equal(hvo_page_put(sim, hvo_pfn_to_page(sim, pfn)), -EINVAL);
	assert_message(sim, pfn, 0);
	assert_underflow_logged(sim, 1, pfn, 0, pfn);

	/* the machine is unchanged but for the count of refused puts */
	assert_int_equal(refcount(sim, pfn), 0);
	hvo_sim_stats(sim, &after);
	assert_int_equal(after.count_underflows, before.count_underflows + 1);
	after.count_underflows = before.count_underflows;
	assert_memory_equal(&before, &after, sizeof(before));
	assert_clean(sim);
	assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
	assert_int_equal(hi.free_huge_pages, 1);

	/* and it still works: the folio is allocated, put and freed */
	assert_int_equal(hvo_folio_alloc(sim, h, -1, &got), 0);
	assert_int_equal(got, pfn);
	assert_int_equal(refcount(sim, pfn), 1);
	assert_int_equal(hvo_folio_put(sim, got), 0);
	assert_int_equal(refcount(sim, pfn), 0);
	assert_clean(sim);
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, NULL), 0);
}

/* a folio after its last put: folio_put and page_put again */
static void test_put_after_last_put(void **state)
{
	struct fx *f = *state;
	struct hvo_sim *sim = f->sim;
	unsigned int h = h2m(sim);
	uint64_t pfn;

	assert_int_equal(hvo_pool_resize(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &pfn), 0);
	assert_int_equal(hvo_folio_put(sim, pfn), 0);
	/* not in use any more: the pool refuses it before touching it */
	assert_int_equal(hvo_folio_put(sim, pfn), -EINVAL);
	assert_int_equal(hvo_fault_log_count(sim), 0);
	/* the raw put reaches the refcount and is refused there */
	assert_int_equal(hvo_page_put(sim, hvo_pfn_to_page(sim, pfn)), -EINVAL);
	assert_message(sim, pfn, 0);
	assert_underflow_logged(sim, 1, pfn, 0, pfn);
	assert_int_equal(refcount(sim, pfn), 0);
	assert_clean(sim);
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, NULL), 0);
}

/* a folio in use whose reference the harness dropped behind its back:
 * hvo_folio_put() finds refcount 0 and refuses */
static void test_folio_put_underflow(void **state)
{
	struct fx *f = *state;
	struct hvo_sim *sim = f->sim;
	unsigned int h = h2m(sim);
	uint64_t pfn, head;
	int32_t v = -1;

	assert_int_equal(hvo_pool_resize(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &pfn), 0);
	head = hvo_pfn_to_page(sim, pfn);
	assert_int_equal(hvo_page_ref_add(sim, head, -1, &v), 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_folio_put(sim, pfn), -EINVAL);
	assert_message(sim, pfn, 0);
	assert_error_names("folio_put");
	assert_underflow_logged(sim, 1, pfn, 0, pfn);
	assert_int_equal(refcount(sim, pfn), 0);
	/* give the reference back: the folio returns to the pool normally */
	assert_int_equal(hvo_page_ref_add(sim, head, 1, NULL), 0);
	assert_int_equal(hvo_folio_put(sim, pfn), 0);
	assert_clean(sim);
	assert_int_equal(hvo_pool_resize(sim, h, 0, 0, NULL), 0);
}

/* a free buddy page, and page_ref_sub()/add_unless() by more than is there */
static void test_buddy_page_and_ref_sub(void **state)
{
	struct fx *f = *state;
	struct hvo_sim *sim = f->sim;
	struct hvo_frame_info fi;
	uint64_t pfn, page;
	int32_t v = 7;

	/* a frame that was allocated and freed is a buddy page now */
	assert_int_equal(hvo_alloc_frames(sim, 0, 0, HVO_KIND_OTHER, 0, &pfn), 0);
	assert_int_equal(hvo_free_frames(sim, pfn, 0), 0);
	assert_int_equal(hvo_frame_info(sim, pfn, &fi), 0);
	assert_false(fi.allocated);
	page = hvo_pfn_to_page(sim, pfn);
	assert_int_equal(hvo_page_put(sim, page), -EINVAL);
	assert_message(sim, pfn, 0);
	assert_underflow_logged(sim, 1, pfn, 0, UINT64_MAX);
	assert_int_equal(refcount(sim, pfn), 0);

	/* page_ref_sub(2) of a page holding 1 */
	assert_int_equal(hvo_page_ref_add(sim, page, 1, NULL), 0);
	assert_int_equal(hvo_page_ref_add(sim, page, -2, &v), -EINVAL);
	assert_int_equal(v, 7);		/* not written on failure */
	assert_message(sim, pfn, 1);
	assert_underflow_logged(sim, 2, pfn, 1, UINT64_MAX);
	assert_int_equal(refcount(sim, pfn), 1);
	/* atomic_add_unless(-2, 5) of a page holding 1 */
	assert_int_equal(hvo_page_ref_add_unless(sim, page, -2, 5), -EINVAL);
	assert_underflow_logged(sim, 3, pfn, 1, UINT64_MAX);
	assert_int_equal(refcount(sim, pfn), 1);
	/* unless the count is the one that stops it: nothing to refuse */
	assert_int_equal(hvo_page_ref_add_unless(sim, page, -2, 1), 0);
	assert_int_equal(hvo_fault_log_count(sim), 3);
	assert_int_equal(hvo_page_ref_add(sim, page, -1, &v), 0);
	assert_int_equal(v, 0);
	assert_clean(sim);
}

/* policy count: the call fails the same way, only the record is not kept */
static void test_policy_count(void **state)
{
	struct hvo_config c;
	struct fx *f;
	struct hvo_fault rec;
	uint64_t pfn;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	c.fault_policy = HVO_FAULT_COUNT;
	f = fx_new(&c);
	pfn = 4096;
	assert_int_equal(hvo_page_put(f->sim, hvo_pfn_to_page(f->sim, pfn)), -EINVAL);
	assert_int_equal(hvo_fault_log_count(f->sim), 1);
	assert_int_equal(hvo_fault_log_get(f->sim, 0, &rec), -ENOENT);
	assert_int_equal(stats_of(f->sim).count_underflows, 1);
	assert_int_equal(refcount(f->sim, pfn), 0);
	*state = f;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_put_free_pool_folio, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_put_after_last_put, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_folio_put_underflow, setup, fx_teardown),
		cmocka_unit_test_setup_teardown(test_buddy_page_and_ref_sub, setup, fx_teardown),
		cmocka_unit_test_teardown(test_policy_count, fx_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
