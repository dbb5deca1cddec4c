// SPDX-License-Identifier: MIT
/*
 * test_prehvo_wrprotect_range.c - the whole tail range of a boot page
 * populated in HVO form must be read-only, not the first pages of it.
 *
 * Kernel: Muchun Song's fix of the pre-HVO write protect
 * (lore:20260612035903.2468601-3-songmuchun@bytedance.com; Fixes:
 * 752fe17af693, "mm/hugetlb: add pre-HVO framework").  For a folio whose
 * vmemmap was populated in HVO form at boot, __hugetlb_vmemmap_optimize_
 * folios() only write-protects the mirrored tails:
 *	epfn = spfn + pages_per_huge_page(h);
 *	vmemmap_wrprotect_hvo(spfn, epfn, nid, HUGETLB_VMEMMAP_RESERVE_SIZE);
 * where spfn is the vmemmap address of the folio: a count of struct pages
 * used as a length in bytes.  For a 1G page at 4K that protects vmemmap
 * pages 1..63 of 4096 and "can leave part of the shared tail vmemmap
 * mapping writable": a tail write there lands in the frame every tail
 * maps.  The fix uses hugetlb_vmemmap_size(h).
 *
 * Here: a boot 1G page (shared-tail scheme, which populates boot pages in
 * HVO form).  Page 0 of its vmemmap is RW, pages 1..4095 are RO, and a
 * write to a tail in the range the bug left writable faults and leaves the
 * tail frame as it was.  The library keeps no buggy variant;
 * test_control_buggy_range makes [64, 4096) writable again, as the bug
 * left it, and both the range check and hvo_check() must reject it.
 */
#include "regress.h"

#define R 64			/* struct pages per 4K vmemmap page at stride 64 */
#define VPAGES 4096		/* vmemmap pages of a 1G folio at 4K, stride 64 */
#define BUGGY_END (262144 / 4096)	/* pages_per_huge_page bytes, in vmemmap pages */

static struct hvo_sim *boot_machine(uint64_t *pfn)
{
	struct hvo_config c;
	struct hvo_folio_info fi;
	struct hvo_sim *sim;

	hvo_config_init(&c);
	c.fault_policy = HVO_FAULT_RECORD;
	c.node_mem_bytes[0] = 2 * GiB;
	c.boot_gigantic[0] = 1;
	c.scheme = HVO_SCHEME_SHARED_TAIL;
	sim = machine(&c);
	assert_int_equal(hvo_sim_geometry(sim)->stride, 64);
	assert_int_equal(hvo_folio_list(sim, hstate_of(sim, GiB), pfn, 1), 1);
	assert_int_equal(hvo_folio_lookup(sim, *pfn, &fi), 0);
	assert_true(fi.boot && fi.optimized);
	return sim;
}

/* vmemmap pages of the folio in [1, VPAGES) mapped RW; the first printed */
static uint64_t rw_tail_pages(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t k, n = 0;
	bool rw;

	for (k = 1; k < VPAGES; k++) {
		vmemmap_frame(sim, pfn, k, &rw);
		if (rw && n++ == 0)
			print_message("# vmemmap page %" PRIu64 " of folio %#" PRIx64 " is RW\n", k,
				      pfn);
	}
	return n;
}

static void done(struct hvo_sim *sim)
{
	assert_int_equal(hvo_pool_shrink(sim, hstate_of(sim, GiB), 0, 1, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

static void test_tail_range_read_only(void **state)
{
	uint64_t pfn, tail, page, v, before[R * HVO_NR_PAGE_WORDS];
	struct hvo_fault f;
	struct hvo_sim *sim = boot_machine(&pfn);
	bool rw;

	(void)state;
	/* the head page stays RW: folio metadata lives in page[1..3] */
	vmemmap_frame(sim, pfn, 0, &rw);
	assert_true(rw);
	assert_int_equal(hvo_folio_set(sim, hvo_pfn_to_page(sim, pfn), HVO_FOLIO_HUGETLB_SUBPOOL,
				       0x5ab), 0);
	if (rw_tail_pages(sim, pfn))
		failf("the tail range of a boot HVO page is not all read-only");

	/* a tail in the range the bug left RW: the write faults, the shared
	 * tail frame is unchanged */
	tail = vmemmap_frame(sim, pfn, BUGGY_END + 1, NULL);
	memcpy(before, hvo_frame_bytes(sim, tail), sizeof(before));
	page = hvo_pfn_to_page(sim, pfn + (BUGGY_END + 1) * R + 3);
	assert_int_equal(hvo_page_write(sim, page, HVO_PW_MAPPING, 0xbad), -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), 1);
	assert_int_equal(hvo_fault_log_get(sim, 0, &f), 0);
	assert_int_equal(f.type, HVO_FAULT_RO_WRITE);
	assert_int_equal(f.frame_pfn, tail);
	assert_memory_equal(before, hvo_frame_bytes(sim, tail), sizeof(before));
	assert_int_equal(hvo_page_read(sim, page, HVO_PW_MAPPING, &v), 0);
	assert_int_equal(v, HVO_TAIL_MAPPING);
	hvo_fault_log_clear(sim);
	check_clean(sim, "boot page");
	done(sim);
}

static void test_control_buggy_range(void **state)
{
	uint64_t pfn, s, e, ps = 4096;
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_sim *sim = boot_machine(&pfn);

	(void)state;
	assert_non_null(rep);
	hvo_vmemmap_range(sim, pfn, 1ull << 18, &s, &e);
	assert_int_equal(e - s, (uint64_t)VPAGES * ps);
	/* what vmemmap_wrprotect_hvo(spfn, spfn + pages_per_huge_page(h)) left */
	assert_int_equal(hvo_vmemmap_set_ro(sim, s + BUGGY_END * ps, e, true), 0);
	hvo_flush_tlb_all(sim);
	assert_int_equal(rw_tail_pages(sim, pfn), VPAGES - BUGGY_END);
	assert_true(violations(sim, rep, "buggy range") > 0);
	assert_true(hvo_report_has(rep, "read-only") > 0);
	/* protected as the fix does: clean again */
	assert_int_equal(hvo_vmemmap_set_ro(sim, s + ps, e, false), 0);
	hvo_flush_tlb_all(sim);
	assert_int_equal(rw_tail_pages(sim, pfn), 0);
	check_clean(sim, "re-protected");
	free(rep);
	done(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_tail_range_read_only),
		cmocka_unit_test(test_control_buggy_range),
	};

	return cmocka_run_group_tests_name("prehvo_wrprotect_range", tests, NULL, NULL);
}
