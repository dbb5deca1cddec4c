// SPDX-License-Identifier: MIT
/*
 * test_boot_tails_uninitialised.c - the shared tails of boot gigantic pages
 * populated in HVO form must be initialised before anything reads node or
 * zone through them.
 *
 * Kernel: "mm/hugetlb: init tails before init_migratetype" (Michal
 * Clapinski, lore:20260622101901.223961-1-mclapinski@google.com; Fixes:
 * 622026e87c40, the patch that removed fake heads).  The boot
 * vmemmap_get_tail() of mm/sparse-vmemmap.c maps a zeroed memblock page and
 * leaves it uninitialised on purpose ("Any initialization done here will be
 * overwritten by memmap_init()"); hugetlb_vmemmap_init() re-ran
 * init_compound_tail() over it only as a late_initcall, after
 * gather_bootmem_prealloc() -> hugetlb_bootmem_init_migratetype() had
 * looked up the zone of every pageblock of the page through those tails:
 * with DEBUG_VM, VM_BUG_ON_PAGE(!zone_spans_pfn(page_zone(page), pfn)) in
 * get_pfnblock_bitmap_bitidx().  The fix, hugetlb_vmemmap_init_tails(),
 * runs in hugetlb_init() before gather_bootmem_prealloc().
 *
 * Here: two nodes, a boot 1G page on each (node 0 DMA32, node 1 Normal),
 * shared-tail scheme, per-zone tails.  The first reads after
 * hvo_sim_create() returns must find each boot tail frame fully
 * initialised, read as raw bytes (no lazy memmap_init to hide a zero page),
 * and the kernel's own check must hold at every pageblock of each page.
 * test_control_zeroed_tail shows both checks reject the zeroed page the bug
 * left.  The library's gather makes the kernel's reads itself
 * (hugetlb_bootmem_init_migratetype()) and logs a VM_BUG_ON() the kernel
 * would hit as a HVO_FAULT_VM_BUG record; config boot_tails_late puts the
 * tail init back after gather, and test_late_tails_caught sees the read
 * catch it for the Normal page, and, as in the kernel, not for the DMA32
 * page of node 0, which a zeroed struct page happens to name.
 */
#include "regress.h"

#define R 64			/* struct pages per 4K vmemmap page at stride 64 */
#define PAGEBLOCK 512		/* pageblock_nr_pages at 4K */

static struct hvo_sim *boot_machine_late(bool late)
{
	struct hvo_config c;

	hvo_config_init(&c);
	c.boot_tails_late = late;
	c.fault_policy = HVO_FAULT_RECORD;
	c.nr_nodes = 2;
	c.node_mem_bytes[0] = c.node_mem_bytes[1] = 3 * GiB;
	c.boot_gigantic[0] = c.boot_gigantic[1] = 1;
	c.scheme = HVO_SCHEME_SHARED_TAIL;
	c.tail_scope = HVO_SCOPE_ZONE;
	return machine(&c);
}

static struct hvo_sim *boot_machine(void)
{
	return boot_machine_late(false);
}

/*
 * Whether the raw frame @bytes holds init_compound_tail() of (@order, @nid,
 * @zone) in every slot; the first mismatch is printed.
 */
static bool tail_frame_ok(struct hvo_sim *sim, const uint64_t *bytes, unsigned int order,
			  unsigned int nid, unsigned int zone)
{
	uint64_t want[HVO_NR_PAGE_WORDS];
	unsigned int i, w;

	hvo_init_compound_tail(sim, want, 0, order, nid, zone);
	for (i = 0; i < R; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			if (bytes[i * HVO_NR_PAGE_WORDS + w] != want[w]) {
				print_message("# tail slot %u word %u: %#" PRIx64 ", want %#" PRIx64
					      "\n", i, w, bytes[i * HVO_NR_PAGE_WORDS + w], want[w]);
				return false;
			}
	return true;
}

/* zone_spans_pfn(page_zone(page), pfn), from the flags word of the page */
static bool zone_spans(struct hvo_sim *sim, uint64_t flags, uint64_t pfn)
{
	unsigned int nid = (unsigned int)(flags >> HVO_NODES_PGSHIFT) &
			   ((1u << HVO_NODES_SHIFT) - 1);
	unsigned int zone = (unsigned int)(flags >> HVO_ZONES_PGSHIFT);
	uint64_t s, e;

	return hvo_zone_span(sim, nid, (enum hvo_zone_type)zone, &s, &e) == 0 &&
	       pfn >= s && pfn < e;
}

static void test_boot_tails_initialised(void **state)
{
	struct hvo_sim *sim = boot_machine();
	unsigned int h = hstate_of(sim, GiB);
	uint64_t pfns[2], tails[2], i, kpf, flags;
	struct hvo_folio_info fi;
	int f;

	(void)state;
	assert_int_equal(hvo_sim_geometry(sim)->stride, 64);
	assert_int_equal(hvo_folio_list(sim, h, pfns, 2), 2);
	for (f = 0; f < 2; f++) {
		const uint64_t *bytes;

		assert_int_equal(hvo_folio_lookup(sim, pfns[f], &fi), 0);
		assert_true(fi.boot && fi.optimized);
		assert_int_equal(fi.nid, (unsigned int)f);
		/* the page the tails map, as memory: nothing has read it yet */
		tails[f] = vmemmap_frame(sim, pfns[f], 1, NULL);
		bytes = hvo_frame_bytes(sim, tails[f]);
		assert_non_null(bytes);
		if (!tail_frame_ok(sim, bytes, fi.order, fi.nid, fi.zone))
			failf("boot tail %#" PRIx64 " of folio %#" PRIx64 " (node %u zone %s) is "
			      "not initialised", tails[f], pfns[f], fi.nid,
			      hvo_zone_name((enum hvo_zone_type)fi.zone));
		/* hugetlb_bootmem_init_migratetype(): every pageblock's zone */
		for (i = PAGEBLOCK; i < (1ull << fi.order); i += PAGEBLOCK) {
			uint64_t page = hvo_pfn_to_page(sim, pfns[f] + i);

			assert_int_equal(hvo_page_read(sim, page, HVO_PW_FLAGS, &flags), 0);
			if (!zone_spans(sim, flags, pfns[f] + i))
				failf("pfn %#" PRIx64 ": its struct page names a zone that does not "
				      "span it", pfns[f] + i);
		}
		/* and the selftest's view (hugepage-vmemmap.c) */
		assert_int_equal(hvo_kpageflags(sim, pfns[f] + R, &kpf), 0);
		assert_int_equal(kpf & ((1ull << HVO_KPF_COMPOUND_TAIL) | (1ull << HVO_KPF_HUGE) |
					(1ull << HVO_KPF_COMPOUND_HEAD)),
				 (1ull << HVO_KPF_COMPOUND_TAIL) | (1ull << HVO_KPF_HUGE));
	}
	/* two zones, two tails: each says its own node and zone */
	assert_int_not_equal(tails[0], tails[1]);
	/* and gather's own reads found nothing wrong */
	assert_int_equal(hvo_fault_log_count(sim), 0);
	check_clean(sim, "after boot");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 1, 1, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/*
 * What the bug left: the boot tail as vmemmap_alloc_block_zero() gives it.
 * Both checks above reject it: it is no tail, and its flags name node 0,
 * zone DMA32, which does not span the Normal pages of node 1's boot page.
 */
static void test_control_zeroed_tail(void **state)
{
	struct hvo_sim *sim = boot_machine();
	unsigned int h = hstate_of(sim, GiB);
	struct hvo_folio_info fi;
	uint64_t pfns[2], zero;
	const uint64_t *bytes;

	(void)state;
	assert_int_equal(hvo_folio_list(sim, h, pfns, 2), 2);
	assert_int_equal(hvo_folio_lookup(sim, pfns[1], &fi), 0);
	assert_int_equal(fi.nid, 1);
	assert_int_equal(fi.zone, HVO_ZONE_NORMAL);
	assert_int_equal(hvo_alloc_frames(sim, 1, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO, &zero), 0);
	bytes = hvo_frame_bytes(sim, zero);
	assert_non_null(bytes);
	assert_false(tail_frame_ok(sim, bytes, fi.order, fi.nid, fi.zone));
	assert_false(zone_spans(sim, bytes[HVO_PW_FLAGS], pfns[1] + PAGEBLOCK));
	assert_int_equal(hvo_free_frames(sim, zero, 0), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 1, 1, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/*
 * The tail init after gather, as before the fix: gather's
 * hugetlb_bootmem_init_migratetype() reads the zeroed tails.  Node 1's page
 * is in Normal: every pageblock but the first (read through the head page)
 * hits VM_BUG_ON_PAGE(!zone_spans_pfn()).  Node 0's page is in DMA32 of
 * node 0, which a zeroed struct page names too: nothing to catch there,
 * as in the kernel.  The late init then fixes the tails, and the checker
 * finds nothing left.
 */
static void test_late_tails_caught(void **state)
{
	struct hvo_sim *sim = boot_machine_late(true);
	unsigned int h = hstate_of(sim, GiB);
	uint64_t pfns[2], i, n;
	struct hvo_fault f;

	(void)state;
	assert_int_equal(hvo_folio_list(sim, h, pfns, 2), 2);
	n = hvo_fault_log_count(sim);
	print_message("# boot_tails_late: %" PRIu64 " VM_BUG_ON()s at gather\n", n);
	assert_int_equal(n, (1ull << 18) / PAGEBLOCK - 1);
	for (i = 0; i < n; i++) {
		assert_int_equal(hvo_fault_log_get(sim, i, &f), 0);
		assert_int_equal(f.type, HVO_FAULT_VM_BUG);
		assert_int_equal(f.folio_pfn, pfns[1]);
		assert_int_equal(f.page_pfn, pfns[1] + (i + 1) * PAGEBLOCK);
		assert_int_equal(f.field, HVO_PW_FLAGS);
	}
	check_clean(sim, "after the late init");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 1, 1, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_boot_tails_initialised),
		cmocka_unit_test(test_control_zeroed_tail),
		cmocka_unit_test(test_late_tails_caught),
	};

	return cmocka_run_group_tests_name("boot_tails_uninitialised", tests, NULL, NULL);
}
