// SPDX-License-Identifier: MIT
/*
 * test_folio_vmemmap_frames.c - hvo_folio_vmemmap_frames(): the frames
 * behind a folio's vmemmap in one call (issue 8.8), checked against one
 * hvo_vmemmap_translate() per vmemmap page and against what HVO is known to
 * leave: page 0 on the folio's own head copy RW, the tails RO on the shared
 * tail (shared-tail) or on the head copy (fake-head).
 */
#include "hvotest.h"
#include "hvotest_hvo.h"

static struct hvo_sim *machine(enum hvo_scheme scheme, unsigned int stride)
{
	struct hvo_config c;

	cfg_make(&c, 12, stride, scheme, 1, 1 * GiB);
	return sim_new(&c);
}

/* every entry agrees with a translation of its own */
static void agree(struct hvo_sim *sim, const struct hvo_vmemmap_frame *fr, uint64_t n)
{
	struct hvo_translation tr;
	uint64_t i;

	for (i = 0; i < n; i++) {
		assert_int_equal(fr[i].vaddr % hvo_sim_geometry(sim)->page_size, 0);
		if (i)
			assert_int_equal(fr[i].vaddr, fr[i - 1].vaddr +
					 hvo_sim_geometry(sim)->page_size);
		assert_int_equal(hvo_vmemmap_translate(sim, fr[i].vaddr, &tr), 0);
		assert_int_equal(fr[i].frame_pfn, tr.frame_pfn);
		assert_int_equal(fr[i].writable, tr.writable);
	}
}

static void test_shared_tail(void **state)
{
	struct hvo_sim *sim = machine(HVO_SCHEME_SHARED_TAIL, 64);
	unsigned int h = hstate_of(sim, 2 * MiB), i;
	struct hvo_vmemmap_frame fr[16];
	uint64_t pfn, n = 99, head_before;

	(void)state;
	/* an unoptimized folio: 8 pages, 8 frames of its own, all RW */
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, false), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, fr, 16, &n), 0);
	assert_int_equal(n, 8);
	agree(sim, fr, n);
	for (i = 0; i < 8; i++) {
		assert_true(fr[i].writable);
		if (i)
			assert_int_not_equal(fr[i].frame_pfn, fr[i - 1].frame_pfn);
	}
	head_before = fr[0].frame_pfn;
	/* optimized: page 0 on a new head copy RW, 1..7 on one tail RO */
	assert_int_equal(hvo_sysctl_optimize_vmemmap_write(sim, true), 0);
	assert_int_equal(hvo_folio_optimize(sim, pfn), 0);
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, fr, 16, &n), 0);
	assert_int_equal(n, 8);
	agree(sim, fr, n);
	assert_true(fr[0].writable);
	assert_int_not_equal(fr[0].frame_pfn, head_before);
	for (i = 1; i < 8; i++) {
		assert_false(fr[i].writable);
		assert_int_equal(fr[i].frame_pfn, fr[1].frame_pfn);
	}
	assert_int_not_equal(fr[1].frame_pfn, fr[0].frame_pfn);
	/* counting only, and a short array */
	n = 0;
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, NULL, 0, &n), 0);
	assert_int_equal(n, 8);
	memset(fr, 0x5a, sizeof(fr));
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, fr, 2, &n), 0);
	assert_int_equal(n, 8);
	assert_true(fr[0].writable);
	assert_false(fr[1].writable);
	assert_int_equal(fr[2].vaddr, 0x5a5a5a5a5a5a5a5aull);
	/* not a folio head */
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn + 1, fr, 16, &n), -EINVAL);
	assert_error_names("pfn");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	sim_done(sim);
}

static void test_fake_head(void **state)
{
	struct hvo_sim *sim = machine(HVO_SCHEME_FAKE_HEAD, 64);
	unsigned int h = hstate_of(sim, 2 * MiB), i;
	struct hvo_vmemmap_frame fr[8];
	uint64_t pfn, n;

	(void)state;
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, fr, 8, &n), 0);
	assert_int_equal(n, 8);
	agree(sim, fr, n);
	assert_true(fr[0].writable);
	for (i = 1; i < 8; i++) {
		assert_false(fr[i].writable);
		assert_int_equal(fr[i].frame_pfn, fr[0].frame_pfn);
	}
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	sim_done(sim);
}

/* a 72-byte struct page: 2M of them is 9 pages, none optimized */
static void test_non_pow2(void **state)
{
	struct hvo_sim *sim = machine(HVO_SCHEME_SHARED_TAIL, 72);
	unsigned int h = hstate_of(sim, 2 * MiB), i;
	struct hvo_vmemmap_frame fr[16];
	uint64_t pfn, n;

	(void)state;
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_int_equal(hvo_folio_vmemmap_frames(sim, pfn, fr, 16, &n), 0);
	assert_int_equal(n, 9);
	agree(sim, fr, n);
	for (i = 0; i < n; i++)
		assert_true(fr[i].writable);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	sim_done(sim);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_tail),
		cmocka_unit_test(test_fake_head),
		cmocka_unit_test(test_non_pow2),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
