// SPDX-License-Identifier: MIT
/*
 * test_zone_placement.c - which zone a hugetlb folio comes from (issue 8.7).
 *
 * The kernel allocates pool folios with htlb_alloc_mask(h):
 * GFP_HIGHUSER_MOVABLE when hugepage_movable_supported(h), GFP_HIGHUSER
 * otherwise, and hugepage_movable_supported() is false for a gigantic
 * hstate unless vm.movable_gigantic_pages is set.  gfp_zone() of the mask is
 * the first zone of the zonelist the allocation walks down: Movable, Normal,
 * DMA32 for 2M; Normal, DMA32 for 1G.  hvo_pool_grow_zone() and
 * hvo_folio_alloc_zone() start the walk at a zone the harness picks, so a
 * harness can put folios in a zone without filling the zones above it (the
 * independent harness of issue 8 grew 700 folios to reach the next zone).
 *
 * The machine: one node of 9 GiB, DMA32 [0, 4G), Normal [4G, 6G), Movable
 * [6G, 9G), whose top holds the boot vmemmap (memblock allocates top-down):
 * room for two 1G folios in Movable.
 */
#include "hvotest.h"
#include "hvotest_hvo.h"

static struct hvo_sim *machine(bool movable_gigantic)
{
	struct hvo_config c;

	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 9 * GiB);
	c.node_movable_bytes[0] = 3 * GiB;
	c.movable_gigantic_pages = movable_gigantic;
	return sim_new(&c);
}

static enum hvo_zone_type zone_of(struct hvo_sim *sim, uint64_t pfn)
{
	return finfo(sim, pfn).zone;
}

/* pool folios of every hstate in @zone */
static unsigned int folios_in(struct hvo_sim *sim, enum hvo_zone_type zone)
{
	static uint64_t pfns[4096];
	unsigned int h, n = 0;
	int64_t i, nr;

	for (h = 0; h < hvo_hstate_count(sim); h++) {
		nr = hvo_folio_list(sim, h, pfns, 4096);
		assert_true(nr >= 0 && nr <= 4096);
		for (i = 0; i < nr; i++)
			n += zone_of(sim, pfns[i]) == zone;
	}
	return n;
}

/* the newest folio of @h: grow one and find it */
static uint64_t grow_one(struct hvo_sim *sim, unsigned int h, int zone)
{
	static uint64_t before[4096], after[4096];
	int64_t nb = hvo_folio_list(sim, h, before, 4096), na, i, j;

	assert_int_equal(hvo_pool_grow_zone(sim, h, 0, zone, 1, NULL), 0);
	na = hvo_folio_list(sim, h, after, 4096);
	assert_int_equal(na, nb + 1);
	for (i = 0; i < na; i++) {
		for (j = 0; j < nb && before[j] != after[i]; j++)
			;
		if (j == nb)
			return after[i];
	}
	fail();
	return 0;
}

/* the kernel's masks: 2M walks from Movable, 1G from Normal */
static void test_default_masks(void **state)
{
	struct hvo_sim *sim = machine(false);
	unsigned int h2 = hstate_of(sim, 2 * MiB), h1 = hstate_of(sim, 1 * GiB);
	uint64_t pfn;

	(void)state;
	pfn = grow_one(sim, h2, HVO_ZONE_ANY);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_MOVABLE);
	/* gigantic: not movable, so Normal although Movable has room */
	pfn = grow_one(sim, h1, HVO_ZONE_ANY);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_NORMAL);
	/* Normal has no other free 1G block (page tables and HVO's head
	 * copies took pages of the other one): the next 1G falls back to
	 * DMA32, never to Movable, which has two (test_movable_gigantic_pages) */
	pfn = grow_one(sim, h1, HVO_ZONE_ANY);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_DMA32);
	pfn = grow_one(sim, h1, HVO_ZONE_ANY);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_DMA32);
	assert_int_equal(folios_in(sim, HVO_ZONE_MOVABLE), 1);	/* the 2M one */
	check_clean(sim, "default masks");
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 3, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 1, NULL), 0);
	sim_done(sim);
}

/* a zone of the harness's choice, the zones above it untouched */
static void test_grow_in_a_zone(void **state)
{
	struct hvo_sim *sim = machine(false);
	unsigned int h2 = hstate_of(sim, 2 * MiB), h1 = hstate_of(sim, 1 * GiB);
	uint64_t pfn;
	struct hvo_stats st;

	(void)state;
	pfn = grow_one(sim, h2, HVO_ZONE_DMA32);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_DMA32);
	/* the zones above hold no folio: nothing was filled first */
	assert_int_equal(folios_in(sim, HVO_ZONE_MOVABLE), 0);
	assert_int_equal(folios_in(sim, HVO_ZONE_NORMAL), 0);
	pfn = grow_one(sim, h2, HVO_ZONE_NORMAL);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_NORMAL);
	assert_int_equal(folios_in(sim, HVO_ZONE_MOVABLE), 0);
	pfn = grow_one(sim, h2, HVO_ZONE_MOVABLE);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_MOVABLE);
	/* one shared tail per zone the order is used in: what per-zone tails
	 * are for, reached with three folios */
	hvo_sim_stats(sim, &st);
	assert_int_equal(st.shared_tails_live, 3);
	check_clean(sim, "one 2M folio per zone");
	/* a gigantic folio in DMA32 on request; Movable is refused for it */
	pfn = grow_one(sim, h1, HVO_ZONE_DMA32);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_DMA32);
	assert_int_equal(hvo_pool_grow_zone(sim, h1, 0, HVO_ZONE_MOVABLE, 1, NULL), -EINVAL);
	assert_error_names("not movable");
	check_clean(sim, "and a 1G folio in DMA32");
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 1, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 3, NULL), 0);
	sim_done(sim);
}

/* taking a folio for use from a zone, and a surplus folio made there */
static void test_alloc_from_a_zone(void **state)
{
	struct hvo_sim *sim = machine(false);
	unsigned int h2 = hstate_of(sim, 2 * MiB);
	uint64_t dma, nrm, mov, got;

	(void)state;
	dma = grow_one(sim, h2, HVO_ZONE_DMA32);
	nrm = grow_one(sim, h2, HVO_ZONE_NORMAL);
	mov = grow_one(sim, h2, HVO_ZONE_MOVABLE);
	/* the newest free folio is first on the node's list: a plain
	 * allocation takes it whatever its zone (dequeue_hugetlb_folio_node_exact()) */
	assert_int_equal(hvo_folio_alloc(sim, h2, 0, &got), 0);
	assert_int_equal(got, mov);
	assert_int_equal(hvo_folio_put(sim, got), 0);
	/* asking for DMA32 takes the DMA32 one */
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, -1, HVO_ZONE_DMA32, &got), 0);
	assert_int_equal(got, dma);
	assert_int_equal(hvo_folio_put(sim, got), 0);
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, 0, HVO_ZONE_NORMAL, &got), 0);
	assert_int_equal(got, nrm);
	/* Normal has none free now: the zonelist goes on to DMA32 */
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, 0, HVO_ZONE_NORMAL, &got), 0);
	assert_int_equal(zone_of(sim, got), HVO_ZONE_DMA32);
	assert_int_equal(hvo_folio_put(sim, got), 0);
	assert_int_equal(hvo_folio_put(sim, nrm), 0);
	/* no free folio in DMA32 or below and no surplus: -ENOMEM */
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, 0, HVO_ZONE_DMA32, &got), 0);
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, 0, HVO_ZONE_DMA32, &got), -ENOMEM);
	assert_int_equal(hvo_folio_put(sim, dma), 0);
	/* a surplus folio is allocated from the zone asked for */
	assert_int_equal(hvo_pool_resize(sim, h2, 0, 0, NULL), 0);
	assert_int_equal(hvo_pool_set_overcommit(sim, h2, 1), 0);
	assert_int_equal(hvo_folio_alloc_zone(sim, h2, 0, HVO_ZONE_NORMAL, &got), 0);
	assert_int_equal(zone_of(sim, got), HVO_ZONE_NORMAL);
	assert_true(finfo(sim, got).surplus);
	assert_int_equal(hvo_folio_put(sim, got), 0);
	check_clean(sim, "after");
	sim_done(sim);
}

/* vm.movable_gigantic_pages: 1G folios walk from Movable too */
static void test_movable_gigantic_pages(void **state)
{
	struct hvo_sim *sim = machine(true);
	unsigned int h1 = hstate_of(sim, 1 * GiB);
	uint64_t pfn;

	(void)state;
	pfn = grow_one(sim, h1, HVO_ZONE_ANY);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_MOVABLE);
	pfn = grow_one(sim, h1, HVO_ZONE_MOVABLE);
	assert_int_equal(zone_of(sim, pfn), HVO_ZONE_MOVABLE);
	check_clean(sim, "movable gigantic");
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 2, NULL), 0);
	sim_done(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_default_masks),
		cmocka_unit_test(test_grow_in_a_zone),
		cmocka_unit_test(test_alloc_from_a_zone),
		cmocka_unit_test(test_movable_gigantic_pages),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
