// SPDX-License-Identifier: MIT
/*
 * test_sysctl_optimize_vmemmap.c - the kernel's runtime switch
 * /proc/sys/vm/hugetlb_optimize_vmemmap and its boot value
 * hugetlb_free_vmemmap= (issue 8.6).
 *
 * mm/hugetlb_vmemmap.c reads it per folio in vmemmap_should_optimize_folio():
 * a folio that enters the pool while it is off stays unoptimized, folios
 * optimized before keep their state (restore never looks at it), turning it
 * on optimizes nothing by itself.  hugetlb_vmemmap_init() registers it only
 * when some hstate is optimizable; hugetlb_vmemmap_optimize_bootmem_page()
 * skips boot pages when it is off at boot.
 */
#include "hvotest.h"
#include "hvotest_hvo.h"

static struct hvo_sim *machine(enum hvo_scheme scheme, unsigned int stride, bool boot_on,
			       unsigned int boot_gigantic)
{
	struct hvo_config c;

	cfg_make(&c, 12, stride, scheme, 1, 4 * GiB);
	c.optimize_vmemmap = boot_on;
	c.boot_gigantic[0] = boot_gigantic;
	c.fault_policy = HVO_FAULT_RECORD;
	return sim_new(&c);
}

/* the folios of @h in pfn order, and how many are optimized */
static unsigned int optimized_of(struct hvo_sim *sim, unsigned int h, uint64_t *pfns,
				 unsigned int max, unsigned int *nr)
{
	unsigned int i, n, opt = 0;
	int64_t got = hvo_folio_list(sim, h, pfns, max);

	assert_true(got >= 0 && got <= max);
	n = (unsigned int)got;
	for (i = 0; i < n; i++)
		opt += finfo(sim, pfns[i]).optimized;
	*nr = n;
	return opt;
}

static void switch_at_runtime(enum hvo_scheme scheme)
{
	struct hvo_sim *sim = machine(scheme, 64, true, 0);
	unsigned int h2 = hstate_of(sim, 2 * MiB), h1 = hstate_of(sim, 1 * GiB), n;
	uint64_t *pfns = calloc(1024, sizeof(*pfns)), before[2], surplus, freed;
	struct hvo_stats st;

	assert_non_null(pfns);
	assert_int_equal(hvo_sysctl_optimize_vmemmap_read(sim), 1);
	assert_int_equal(hvo_pool_grow(sim, h2, 0, 2, NULL), 0);
	assert_int_equal(hvo_pool_grow(sim, h1, 0, 1, NULL), 0);
	assert_int_equal(optimized_of(sim, h2, before, 2, &n), 2);

	/* off: what enters the pool now stays unoptimized */
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, false), 0);
	assert_int_equal(hvo_sysctl_optimize_vmemmap_read(sim), 0);
	freed = stats_of(sim).vmemmap_pages_freed;
	assert_int_equal(hvo_pool_grow(sim, h2, 0, 2, NULL), 0);
	assert_int_equal(optimized_of(sim, h2, pfns, 1024, &n), 2);
	assert_int_equal(n, 4);
	assert_true(finfo(sim, before[0]).optimized);	/* they keep their state */
	assert_true(finfo(sim, before[1]).optimized);
	/* an explicit optimize does nothing either, as the kernel's */
	assert_int_equal(hvo_folio_list(sim, h2, pfns, 1024), 4);
	for (n = 0; n < 4 && finfo(sim, pfns[n]).optimized; n++)
		;
	assert_int_equal(hvo_folio_optimize(sim, pfns[n]), 0);
	assert_false(finfo(sim, pfns[n]).optimized);
	assert_int_equal(hvo_folios_optimize(sim, &pfns[n], 1, &st.optimize_calls), 0);
	assert_int_equal(st.optimize_calls, 0);
	assert_false(finfo(sim, pfns[n]).optimized);
	/* a surplus folio made now, and the 2M folios a 1G folio demotes to */
	assert_int_equal(hvo_pool_set_overcommit(sim, h2, 1), 0);
	assert_int_equal(hvo_pool_resize(sim, h2, 0, 0, NULL), 0);
	assert_int_equal(hvo_folio_alloc(sim, h2, 0, &surplus), 0);
	assert_false(finfo(sim, surplus).optimized);
	assert_int_equal(hvo_folio_put(sim, surplus), 0);
	assert_int_equal(hvo_demote(sim, h1, h2, 0, 1, NULL), 0);
	assert_int_equal(optimized_of(sim, h2, pfns, 1024, &n), 0);
	assert_int_equal(n, 512);
	assert_int_equal(stats_of(sim).vmemmap_pages_freed, freed);
	check_clean(sim, "switched off");

	/* on again: nothing changes until folios enter the pool */
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, true), 0);
	assert_int_equal(optimized_of(sim, h2, pfns, 1024, &n), 0);
	assert_int_equal(hvo_folio_optimize(sim, pfns[0]), 0);
	assert_true(finfo(sim, pfns[0]).optimized);
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 512, NULL), 0);
	assert_int_equal(hvo_pool_grow(sim, h2, 0, 1, NULL), 0);
	assert_int_equal(optimized_of(sim, h2, pfns, 1024, &n), 1);
	check_clean(sim, "switched on");
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 1, NULL), 0);
	sim_done(sim);
	free(pfns);
}

static void test_switch_shared_tail(void **state)
{
	(void)state;
	switch_at_runtime(HVO_SCHEME_SHARED_TAIL);
}

static void test_switch_fake_head(void **state)
{
	(void)state;
	switch_at_runtime(HVO_SCHEME_FAKE_HEAD);
}

/* hugetlb_free_vmemmap=off: boot gigantic pages are not populated in HVO
 * form nor optimized at gather; the sysctl turns HVO on later */
static void test_boot_value_off(void **state)
{
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_SHARED_TAIL,
						   HVO_SCHEME_FAKE_HEAD };
	unsigned int s, h1, h2, n;
	uint64_t pfn, pfns[2];

	(void)state;
	for (s = 0; s < ARRAY_SIZE(schemes); s++) {
		struct hvo_sim *sim = machine(schemes[s], 64, false, 1);

		h1 = hstate_of(sim, 1 * GiB);
		h2 = hstate_of(sim, 2 * MiB);
		assert_int_equal(hvo_sysctl_optimize_vmemmap_read(sim), 0);
		assert_int_equal(hvo_folio_list(sim, h1, &pfn, 1), 1);
		assert_true(finfo(sim, pfn).boot);
		assert_false(finfo(sim, pfn).optimized);
		assert_int_equal(stats_of(sim).optimized_folios, 0);
		assert_int_equal(stats_of(sim).shared_tails_allocated, 0);
		assert_int_equal(hvo_pool_grow(sim, h2, 0, 1, NULL), 0);
		assert_int_equal(optimized_of(sim, h2, pfns, 2, &n), 0);
		check_clean(sim, "booted with hugetlb_free_vmemmap=off");
		assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, true), 0);
		assert_int_equal(hvo_pool_grow(sim, h2, 0, 1, NULL), 0);
		assert_int_equal(optimized_of(sim, h2, pfns, 2, &n), 1);
		check_clean(sim, "switched on after boot");
		assert_int_equal(hvo_pool_shrink(sim, h2, 0, 2, NULL), 0);
		sim_done(sim);
	}
}

/* the sysctl exists only when some hstate is optimizable */
static void test_not_registered(void **state)
{
	struct hvo_sim *sim;
	struct hvo_config c;

	(void)state;
	sim = machine(HVO_SCHEME_NONE, 64, true, 0);
	assert_int_equal(hvo_sysctl_optimize_vmemmap_read(sim), -ENOENT);
	assert_error_names("no hstate is optimizable");
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, true), -ENOENT);
	sim_done(sim);
	/* a struct page that is not a power of 2 (issue 8.5) */
	sim = machine(HVO_SCHEME_SHARED_TAIL, 72, true, 0);
	assert_int_equal(hvo_sysctl_optimize_vmemmap_read(sim), -ENOENT);
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, false), -ENOENT);
	assert_error_names("72-byte struct page");
	sim_done(sim);
	/* the boot value by its CLI spelling */
	hvo_config_init(&c);
	assert_int_equal(hvo_config_set(&c, "optimize-vmemmap", "off"), 0);
	assert_false(c.optimize_vmemmap);
	assert_int_equal(hvo_config_set(&c, "optimize-vmemmap", "on"), 0);
	assert_true(c.optimize_vmemmap);
	assert_int_equal(hvo_config_set(&c, "optimize-vmemmap", "2"), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_switch_shared_tail),
		cmocka_unit_test(test_switch_fake_head),
		cmocka_unit_test(test_boot_value_off),
		cmocka_unit_test(test_not_registered),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
