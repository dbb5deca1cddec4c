// SPDX-License-Identifier: MIT
/*
 * test_hvo_boot.c - boot gigantic pages under fault injection: the config's
 * fail rule is installed before the first allocation, so memblock,
 * sparse_init() and the boot HVO population can all fail.  Every outcome is
 * either a clean -ENOMEM with nothing created, or a machine the checker
 * finds clean with every boot page in the pool.
 */
#include "hvotest.h"

static void boot_config(struct hvo_config *c, enum hvo_scheme scheme)
{
	hvo_config_init(c);
	c->fault_policy = HVO_FAULT_RECORD;
	c->nr_nodes = 2;
	c->node_mem_bytes[0] = c->node_mem_bytes[1] = 3 * GiB;
	c->boot_gigantic[0] = 1;
	c->boot_gigantic[1] = 1;
	c->scheme = scheme;
}

static void check_clean(struct hvo_sim *sim, uint64_t want_boot)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_hstate_info hi;
	int h = hvo_hstate_find(sim, GiB);
	int64_t v;

	assert_non_null(rep);
	v = hvo_check(sim, rep);
	if (v) {
		uint64_t i;

		for (i = 0; i < rep->nr; i++)
			print_message("# %s at %s: expected %s, found %s\n", rep->v[i].invariant,
				      rep->v[i].where, rep->v[i].expected, rep->v[i].found);
	}
	free(rep);
	assert_int_equal(v, 0);
	assert_true(h >= 0);
	assert_int_equal(hvo_hstate_info(sim, (unsigned int)h, &hi), 0);
	assert_int_equal(hi.nr_huge_pages, want_boot);
	if (hi.optimizable)
		assert_int_equal(hi.nr_optimized, want_boot);
}

static uint64_t next_n(uint64_t n)
{
	/* a stride thins out the dense part only */
	if (n < 64)
		return n + hvotest_sweep_stride() < 64 ? n + hvotest_sweep_stride() : 64;
	return n + n / 2;
}

static void sweep(enum hvo_scheme scheme, enum hvo_alloc_site site)
{
	uint64_t n, failed = 0;

	for (n = 1; n < 100000; n = next_n(n)) {
		struct hvo_config c;
		struct hvo_sim *sim = (struct hvo_sim *)1;
		struct hvo_stats st;
		int r;

		boot_config(&c, scheme);
		c.fail = (struct hvo_fail_spec){ .site = site, .nth = n };
		r = hvo_sim_create(&c, &sim);
		if (r) {
			/* boot cannot continue: nothing is half-created */
			assert_int_equal(r, -ENOMEM);
			assert_null(sim);
			failed++;
			continue;
		}
		hvo_sim_stats(sim, &st);
		check_clean(sim, 2);
		assert_int_equal(hvo_sim_destroy(sim), 0);
		if (!st.injected_failures)
			break;	/* the nth allocation never came: swept */
	}
	print_message("# %s site %s: swept to n=%" PRIu64 ", %" PRIu64 " boots failed\n",
		      hvo_scheme_name(scheme), hvo_site_name(site), n, failed);
	assert_true(n < 100000);
}

static void test_sweep_shared_tail(void **state)
{
	(void)state;
	sweep(HVO_SCHEME_SHARED_TAIL, HVO_SITE_BOOT_HVO);
	sweep(HVO_SCHEME_SHARED_TAIL, HVO_SITE_VMEMMAP_POPULATE);
	sweep(HVO_SCHEME_SHARED_TAIL, HVO_SITE_PGTABLE);
	sweep(HVO_SCHEME_SHARED_TAIL, HVO_SITE_ANY);
}

static void test_sweep_fake_head(void **state)
{
	(void)state;
	sweep(HVO_SCHEME_FAKE_HEAD, HVO_SITE_VMEMMAP_POPULATE);
	sweep(HVO_SCHEME_FAKE_HEAD, HVO_SITE_VMEMMAP_HEAD);
	sweep(HVO_SCHEME_FAKE_HEAD, HVO_SITE_ANY);
}

/* vmemmap_populate_hvo() fails: the page is populated normally and HVO runs
 * on it later at runtime, as hugetlb_vmemmap_init_late() falls back */
static void test_boot_hvo_fallback(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_stats st;
	struct hvo_folio_info fi;
	uint64_t pfns[2];
	int h;

	(void)state;
	boot_config(&c, HVO_SCHEME_SHARED_TAIL);
	c.fail = (struct hvo_fail_spec){ .site = HVO_SITE_BOOT_HVO, .nth = 1 };
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	hvo_sim_stats(sim, &st);
	assert_int_equal(st.injected_failures, 1);
	/* the fallback page's full vmemmap was freed by the runtime optimize */
	assert_true(st.vmemmap_pages_freed >= 4096);
	h = hvo_hstate_find(sim, GiB);
	assert_int_equal(hvo_folio_list(sim, (unsigned int)h, pfns, 2), 2);
	assert_int_equal(hvo_folio_lookup(sim, pfns[0], &fi), 0);
	assert_true(fi.optimized && fi.boot);
	assert_int_equal(hvo_folio_lookup(sim, pfns[1], &fi), 0);
	assert_true(fi.optimized && fi.boot);
	check_clean(sim, 2);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/* a boot page that spans zones is populated normally and given back */
static void test_boot_page_spanning_zones(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;

	(void)state;
	boot_config(&c, HVO_SCHEME_SHARED_TAIL);
	c.nr_nodes = 1;
	c.node_mem_bytes[1] = 0;
	c.boot_gigantic[1] = 0;
	/* ZONE_MOVABLE starts 512 MiB below the top: inside the top 1G page */
	c.node_movable_bytes[0] = 512 * MiB;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	check_clean(sim, 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sweep_shared_tail),
		cmocka_unit_test(test_sweep_fake_head),
		cmocka_unit_test(test_boot_hvo_fallback),
		cmocka_unit_test(test_boot_page_spanning_zones),
	};

	return cmocka_run_group_tests_name("hvo_boot", tests, NULL, NULL);
}
