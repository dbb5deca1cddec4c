// SPDX-License-Identifier: MIT
/*
 * test_pgtable.c - the fake vmemmap page table: geometry, boot population,
 * translation, PMD split (with a fault-injection sweep), set_pte checks,
 * read-only PTEs and the fault log, the TLB rule on frees, flush counters,
 * and readers running while another thread flushes.
 */
#include <pthread.h>
#include <stdatomic.h>

#include "hvotest.h"

#define VMEMMAP_BASE 0xffffea0000000000ull

/* ---- machines ---- */

struct mdesc {
	unsigned int shift;
	enum hvo_fault_policy policy;
	unsigned int log_size;		/* 0: the default */
};

static struct mdesc m4k = { 12, HVO_FAULT_RECORD, 0 };
static struct mdesc m16k = { 14, HVO_FAULT_RECORD, 0 };
static struct mdesc m64k = { 16, HVO_FAULT_RECORD, 0 };
static struct mdesc m4k_count = { 12, HVO_FAULT_COUNT, 0 };
static struct mdesc m4k_log2 = { 12, HVO_FAULT_RECORD, 2 };

/* one node of 1 GiB: at 4K its vmemmap is 16 MiB, eight PMD leaves */
static int setup_m(void **state)
{
	const struct mdesc *m = *state;
	struct hvo_config c;

	cfg_make(&c, m->shift, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	c.fault_policy = m->policy;
	if (m->log_size)
		c.fault_log_size = m->log_size;
	*state = fx_new(&c);
	return 0;
}

static struct hvo_sim *sim_of(void **state)
{
	return ((struct fx *)*state)->sim;
}

static uint64_t page_of(struct hvo_sim *sim, uint64_t pfn)
{
	return hvo_pfn_to_page(sim, pfn);
}

/* the pfn whose struct page starts at vaddr */
static uint64_t pfn_at(struct hvo_sim *sim, uint64_t vaddr)
{
	return (vaddr - VMEMMAP_BASE) / hvo_sim_geometry(sim)->stride;
}

static uint64_t pmd_vaddr(struct hvo_sim *sim, unsigned int k)
{
	return VMEMMAP_BASE + ((uint64_t)k << hvo_sim_geometry(sim)->pmd_shift);
}

static struct hvo_translation tr_of(struct hvo_sim *sim, uint64_t vaddr)
{
	struct hvo_translation tr;
	int r = hvo_vmemmap_translate(sim, vaddr, &tr);

	if (r)
		failf("translate %#llx: %d (%s)", (unsigned long long)vaddr, r,
			 hvo_last_error());
	return tr;
}

static struct hvo_frame_info info_of(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_frame_info fi;

	assert_int_equal(hvo_frame_info(sim, pfn, &fi), 0);
	return fi;
}

static uint64_t rd(struct hvo_sim *sim, uint64_t pfn, unsigned int w)
{
	uint64_t v = 0;

	assert_int_equal(hvo_page_read(sim, page_of(sim, pfn), w, &v), 0);
	return v;
}

static uint64_t alloc_ok(struct hvo_sim *sim, unsigned int order,
			 enum hvo_frame_kind kind, unsigned int flags)
{
	uint64_t pfn = UINT64_MAX;
	int r = hvo_alloc_frames(sim, 0, order, kind, flags, &pfn);

	if (r)
		failf("alloc: %d (%s)", r, hvo_last_error());
	return pfn;
}

static void split_ok(struct hvo_sim *sim, uint64_t vaddr, bool flush)
{
	int r = hvo_vmemmap_split_pmd(sim, vaddr, flush);

	if (r)
		failf("split %#llx: %d (%s)", (unsigned long long)vaddr, r,
			 hvo_last_error());
}

static struct hvo_fault fault_at(struct hvo_sim *sim, uint64_t i)
{
	struct hvo_fault f;

	assert_int_equal(hvo_fault_log_get(sim, i, &f), 0);
	return f;
}

/* ---- geometry and boot population ---- */

static void test_geometry(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);

	assert_int_equal(g->page_size, 1ull << g->page_shift);
	assert_int_equal(g->vmemmap_base, VMEMMAP_BASE);
	assert_int_equal(g->nr_pfns, GiB >> g->page_shift);
	switch (g->page_shift) {
	case 12:
		assert_int_equal(g->pgtable_levels, 4);
		assert_int_equal(g->pmd_shift, 21);
		assert_int_equal(g->section_shift, 27);
		assert_int_equal(g->max_folio_order, 22);
		assert_int_equal(g->vmemmap_tail_min_order, 7);
		assert_int_equal(g->nr_vmemmap_tails, 16);
		break;
	case 14:
		assert_int_equal(g->pgtable_levels, 4);
		assert_int_equal(g->pmd_shift, 25);
		assert_int_equal(g->section_shift, 27);
		assert_int_equal(g->max_folio_order, 20);
		assert_int_equal(g->vmemmap_tail_min_order, 9);
		assert_int_equal(g->nr_vmemmap_tails, 12);
		break;
	case 16:
		assert_int_equal(g->pgtable_levels, 3);
		assert_int_equal(g->pmd_shift, 29);
		assert_int_equal(g->section_shift, 29);
		assert_int_equal(g->max_folio_order, 18);
		assert_int_equal(g->vmemmap_tail_min_order, 11);
		assert_int_equal(g->nr_vmemmap_tails, 8);
		break;
	default:
		fail();
	}
}

static void test_boot_vmemmap(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const unsigned int level = g->page_shift == 12 ? 1 : 0;
	uint64_t pfn, vaddr, end, last_frame = UINT64_MAX, v;
	struct hvo_translation tr;
	struct hvo_frame_info fi;
	const uint64_t *bytes;

	/* every struct page of a range (and of the last pfns) */
	for (pfn = 0; pfn < g->nr_pfns; pfn += pfn == 8191 ? g->nr_pfns - 8192 - 4096 : 1) {
		vaddr = page_of(sim, pfn);
		tr = tr_of(sim, vaddr);
		assert_int_equal(tr.level, level);
		assert_true(tr.writable);
		assert_true(tr.entry & HVO_PTE_PRESENT);
		assert_int_equal(!!(tr.entry & HVO_PTE_LEAF), level > 0);
		assert_int_equal(tr.offset, vaddr & (g->page_size - 1));
		if (level == 0)
			assert_int_equal((tr.entry & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT,
					 tr.frame_pfn);
		if (tr.frame_pfn == last_frame)
			continue;
		last_frame = tr.frame_pfn;
		fi = info_of(sim, tr.frame_pfn);
		assert_true(fi.allocated);
		assert_int_equal(fi.kind, HVO_KIND_VMEMMAP);
		assert_true(fi.boot);
		assert_int_equal(fi.vmap_count, 1);
		/* the table the entry lives in is a page-table page */
		fi = info_of(sim, tr.entry_pfn);
		assert_true(fi.allocated);
		assert_int_equal(fi.kind, HVO_KIND_PGTABLE);
	}
	/* the bytes of the frame are the struct page */
	pfn = 4242;
	v = rd(sim, pfn, HVO_PW_FLAGS);
	tr = tr_of(sim, page_of(sim, pfn));
	bytes = hvo_frame_bytes(sim, tr.frame_pfn);
	assert_non_null(bytes);
	assert_int_equal(bytes[tr.offset / 8 + HVO_PW_FLAGS], v);
	assert_int_equal(bytes[tr.offset / 8 + HVO_PW_COUNTS], HVO_MAPCOUNT_NONE);

	/* nothing is mapped past the vmemmap or below it */
	end = VMEMMAP_BASE + g->nr_pfns * g->stride;
	end = (end + (1ull << g->pmd_shift) - 1) & ~((1ull << g->pmd_shift) - 1);
	assert_int_equal(hvo_vmemmap_translate(sim, end, &tr), -EFAULT);
	assert_int_equal(hvo_vmemmap_translate(sim, VMEMMAP_BASE - g->page_size, &tr), -EFAULT);
	assert_int_equal(hvo_vmemmap_translate(sim, 0, &tr), -EFAULT);
	assert_int_equal(hvo_vmemmap_translate(sim, page_of(sim, 0), NULL), -EINVAL);
	/* all of the vmemmap's frames are counted */
	assert_int_equal(stats_of(sim).in_use[HVO_KIND_VMEMMAP],
			 level ? (g->nr_pfns * g->stride) >> g->page_shift
			       : (g->nr_pfns * g->stride + g->page_size - 1) >> g->page_shift);
}

/* ---- PMD split ---- */

static void test_split_pmd(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t ps = g->page_size, pmd = pmd_vaddr(sim, 2);
	const uint64_t npages = 1ull << (g->pmd_shift - g->page_shift);
	uint64_t frames[512], i, first = pfn_at(sim, pmd), last;
	struct hvo_stats st0, st;
	struct hvo_translation tr;
	struct hvo_frame_info fi;
	uint8_t *snap;

	assert_int_equal(npages, 512);
	last = first + (npages * ps) / g->stride - 1;
	/* touch: the whole leaf gets its memmap_init() content */
	assert_int_equal(hvo_page_write(sim, page_of(sim, first), HVO_PW_INDEX, 0x111), 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, first + 777), HVO_PW_INDEX, 0x222), 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, last), HVO_PW_PRIVATE, 0x333), 0);
	snap = malloc(npages * ps);
	assert_non_null(snap);
	for (i = 0; i < npages; i++) {
		tr = tr_of(sim, pmd + i * ps);
		assert_int_equal(tr.level, 1);
		frames[i] = tr.frame_pfn;
		if (i)
			assert_int_equal(frames[i], frames[0] + i);
		assert_non_null(hvo_frame_bytes(sim, frames[i]));
		memcpy(snap + i * ps, hvo_frame_bytes(sim, frames[i]), ps);
	}
	fi = info_of(sim, frames[0]);
	assert_int_equal(fi.order, 9);

	st0 = stats_of(sim);
	split_ok(sim, pmd + 12345 * 8, false);
	st = stats_of(sim);
	assert_int_equal(st.pmd_splits, st0.pmd_splits + 1);
	assert_int_equal(st.in_use[HVO_KIND_PGTABLE], st0.in_use[HVO_KIND_PGTABLE] + 1);
	assert_int_equal(st.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP]);
	assert_int_equal(st.tlb_flush_range, st0.tlb_flush_range);
	for (i = 0; i < npages; i++) {
		tr = tr_of(sim, pmd + i * ps);
		assert_int_equal(tr.level, 0);
		assert_true(tr.writable);
		assert_int_equal(tr.frame_pfn, frames[i]);
		assert_memory_equal(hvo_frame_bytes(sim, frames[i]), snap + i * ps, ps);
		/* split_page(): each frame is its own order-0 block now */
		fi = info_of(sim, frames[i]);
		assert_true(fi.allocated);
		assert_int_equal(fi.head_pfn, frames[i]);
		assert_int_equal(fi.order, 0);
		assert_int_equal(fi.kind, HVO_KIND_VMEMMAP);
		assert_true(fi.boot);
		assert_int_equal(fi.vmap_count, 1);
	}
	free(snap);
	assert_int_equal(rd(sim, first, HVO_PW_INDEX), 0x111);
	assert_int_equal(rd(sim, first + 777, HVO_PW_INDEX), 0x222);
	assert_int_equal(rd(sim, last, HVO_PW_PRIVATE), 0x333);
	assert_int_equal(rd(sim, first + 778, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
	/* the neighbours are still leaves */
	assert_int_equal(tr_of(sim, pmd_vaddr(sim, 1)).level, 1);
	assert_int_equal(tr_of(sim, pmd_vaddr(sim, 3)).level, 1);

	/* again: a no-op */
	split_ok(sim, pmd, false);
	split_ok(sim, pmd + 511 * ps, true);
	st0 = stats_of(sim);
	assert_int_equal(st0.pmd_splits, st.pmd_splits);
	assert_int_equal(st0.in_use[HVO_KIND_PGTABLE], st.in_use[HVO_KIND_PGTABLE]);

	/* with a flush */
	split_ok(sim, pmd_vaddr(sim, 3), true);
	st = stats_of(sim);
	assert_int_equal(st.tlb_flush_range, st0.tlb_flush_range + 1);
	assert_int_equal(st.pmd_splits, st0.pmd_splits + 1);
	/* a never-touched leaf keeps reading memmap_init() content */
	assert_int_equal(rd(sim, pfn_at(sim, pmd_vaddr(sim, 3)) + 5, HVO_PW_COUNTS),
			 HVO_MAPCOUNT_NONE);

	/* nothing to split */
	assert_int_equal(hvo_vmemmap_split_pmd(sim, VMEMMAP_BASE - (1ull << 30), false),
			 -EFAULT);
	assert_int_equal(hvo_vmemmap_split_pmd(sim, pmd_vaddr(sim, 9), false), -EFAULT);
	assert_int_equal(hvo_vmemmap_split_pmd(NULL, pmd, false), -EINVAL);
}

/* 16K/64K: the vmemmap is base pages, there is no leaf to split */
static void test_split_pmd_base_pages(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	struct hvo_stats st0 = stats_of(sim), st;
	uint64_t v = page_of(sim, 100);

	split_ok(sim, v, true);
	st = stats_of(sim);
	assert_int_equal(st.pmd_splits, st0.pmd_splits);
	assert_int_equal(st.in_use[HVO_KIND_PGTABLE], st0.in_use[HVO_KIND_PGTABLE]);
	assert_int_equal(tr_of(sim, v).level, 0);
}

static void split_sweep(struct hvo_sim *sim, enum hvo_alloc_site site, uint64_t pmd)
{
	struct hvo_fail_spec spec = { .site = site };
	struct hvo_stats before, after;
	struct hvo_translation tr0 = tr_of(sim, pmd), tr;
	uint64_t n, failures = 0;
	int r;

	for (n = 1; n < 64; n++) {
		spec.nth = n;
		assert_int_equal(hvo_fail_set(sim, &spec), 0);
		before = stats_of(sim);
		r = hvo_vmemmap_split_pmd(sim, pmd, true);
		after = stats_of(sim);
		if (r == 0)
			break;
		failures++;
		assert_int_equal(r, -ENOMEM);
		assert_int_equal(hvo_fail_injected(sim), 1);
		tr = tr_of(sim, pmd);
		assert_int_equal(tr.level, 1);
		assert_int_equal(tr.entry, tr0.entry);
		assert_memory_equal(after.in_use, before.in_use, sizeof(before.in_use));
		assert_int_equal(after.free_pages, before.free_pages);
		assert_int_equal(after.pmd_splits, before.pmd_splits);
		assert_int_equal(after.host_frames, before.host_frames);
		assert_int_equal(info_of(sim, tr0.frame_pfn).order, 9);
	}
	hvo_fail_clear(sim);
	assert_int_equal(r, 0);
	/* one allocation (the PTE table): only nth == 1 can fail it */
	assert_int_equal(failures, 1);
	assert_int_equal(after.pmd_splits, before.pmd_splits + 1);
	assert_int_equal(after.in_use[HVO_KIND_PGTABLE], before.in_use[HVO_KIND_PGTABLE] + 1);
	assert_int_equal(tr_of(sim, pmd).level, 0);
}

static void test_split_fault_sweep(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	struct hvo_fail_spec spec = { .site = HVO_SITE_PGTABLE, .probability = 1.0 };
	struct hvo_stats before, after;
	unsigned int i;

	split_sweep(sim, HVO_SITE_PGTABLE, pmd_vaddr(sim, 4));
	split_sweep(sim, HVO_SITE_ANY, pmd_vaddr(sim, 5));

	/* always failing: nothing changes, however often it is tried */
	assert_int_equal(hvo_fail_set(sim, &spec), 0);
	before = stats_of(sim);
	for (i = 0; i < 8; i++)
		assert_int_equal(hvo_vmemmap_split_pmd(sim, pmd_vaddr(sim, 6), false), -ENOMEM);
	after = stats_of(sim);
	hvo_fail_clear(sim);
	assert_int_equal(hvo_fail_injected(sim), 8);
	assert_int_equal(after.alloc_failures[HVO_SITE_PGTABLE] -
			 before.alloc_failures[HVO_SITE_PGTABLE], 8);
	assert_memory_equal(after.in_use, before.in_use, sizeof(before.in_use));
	assert_int_equal(after.free_pages, before.free_pages);
	assert_int_equal(tr_of(sim, pmd_vaddr(sim, 6)).level, 1);

	/* a rule for another site does not affect the split */
	spec.site = HVO_SITE_GENERIC;
	assert_int_equal(hvo_fail_set(sim, &spec), 0);
	split_ok(sim, pmd_vaddr(sim, 6), false);
	hvo_fail_clear(sim);
	assert_int_equal(tr_of(sim, pmd_vaddr(sim, 6)).level, 0);
}

/* ---- set_pte ---- */

static void test_set_pte(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t ps = g->page_size, pmd = pmd_vaddr(sim, 2), va = pmd + 5 * ps;
	struct hvo_translation tr0, tr;
	uint64_t f, h, o, t, x, old = 0, old2 = 0, pfn = pfn_at(sim, va);
	const uint64_t *bytes;

	f = alloc_ok(sim, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO);
	h = alloc_ok(sim, 0, HVO_KIND_HUGETLB, 0);
	o = alloc_ok(sim, 0, HVO_KIND_OTHER, 0);
	t = alloc_ok(sim, 0, HVO_KIND_PGTABLE, 0);
	x = alloc_ok(sim, 0, HVO_KIND_VMEMMAP, 0);
	assert_int_equal(hvo_free_frames(sim, x, 0), 0);

	/* a PMD leaf has no PTE */
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, f, true, &old), -EINVAL);
	assert_error_names("split");
	tr = tr_of(sim, va);
	assert_int_equal(tr.level, 1);

	split_ok(sim, pmd, false);
	tr0 = tr_of(sim, va);
	assert_int_equal(tr0.level, 0);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va + 8, f, true, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va + ps / 2, f, true, &old), -EINVAL);
	/* frames that are not allocated vmemmap frames */
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, h, true, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, o, true, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, t, false, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, x, true, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, g->nr_pfns, true, &old), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, UINT64_MAX, true, &old), -EINVAL);
	assert_false(info_of(sim, 12345).allocated);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, 12345, true, &old), -EINVAL);
	/* not mapped at all */
	assert_int_equal(hvo_vmemmap_set_pte(sim, pmd_vaddr(sim, 9), f, true, &old), -EFAULT);
	tr = tr_of(sim, va);
	assert_int_equal(tr.level, tr0.level);
	assert_int_equal(tr.entry, tr0.entry);
	assert_int_equal(tr.entry_pfn, tr0.entry_pfn);
	assert_int_equal(tr.frame_pfn, tr0.frame_pfn);
	assert_int_equal(tr.writable, tr0.writable);
	assert_int_equal(info_of(sim, f).vmap_count, 0);
	assert_int_equal(old, 0);

	/* a good one */
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, f, false, &old), 0);
	assert_int_equal(old, tr0.frame_pfn);
	tr = tr_of(sim, va);
	assert_int_equal(tr.frame_pfn, f);
	assert_false(tr.writable);
	assert_int_equal(tr.level, 0);
	assert_int_equal(info_of(sim, f).vmap_count, 1);
	assert_int_equal(info_of(sim, old).vmap_count, 0);
	/* the struct pages now read the new frame's bytes (zeroes) */
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), 0);
	assert_int_equal(rd(sim, pfn + 3, HVO_PW_FLAGS), 0);
	bytes = hvo_frame_bytes(sim, f);
	assert_int_equal(bytes[0], 0);
	/* and back */
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, old, true, &old2), 0);
	assert_int_equal(old2, f);
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
	assert_true(tr_of(sim, va).writable);
	hvo_flush_tlb_all(sim);
	assert_int_equal(hvo_free_frames(sim, f, 0), 0);
	assert_int_equal(hvo_free_frames(sim, h, 0), 0);
	assert_int_equal(hvo_free_frames(sim, o, 0), 0);
	assert_int_equal(hvo_free_frames(sim, t, 0), 0);
	assert_int_equal(hvo_fault_log_count(sim), 0);
}

/* ---- read-only PTEs and the fault log ---- */

static void test_ro_write_fault(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t ps = g->page_size, pmd = pmd_vaddr(sim, 2), va = pmd + 5 * ps;
	const uint64_t pfn = pfn_at(sim, va), per_page = ps / g->stride;
	struct hvo_translation tr;
	struct hvo_fault f;
	uint8_t *snap = malloc(ps);
	uint64_t nf, old, v;
	char buf[256];

	assert_non_null(snap);
	split_ok(sim, pmd, false);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 0x77), 0);
	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, false), 0);
	tr = tr_of(sim, va);
	assert_false(tr.writable);
	assert_true(tr_of(sim, va - ps).writable);
	assert_true(tr_of(sim, va + ps).writable);
	memcpy(snap, hvo_frame_bytes(sim, tr.frame_pfn), ps);

	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 0x99), -EFAULT);
	assert_int_equal(rd(sim, pfn, HVO_PW_INDEX), 0x77);
	assert_memory_equal(hvo_frame_bytes(sim, tr.frame_pfn), snap, ps);
	assert_int_equal(hvo_fault_log_count(sim), 1);
	f = fault_at(sim, 0);
	assert_int_equal(f.type, HVO_FAULT_RO_WRITE);
	assert_int_equal(f.vaddr, page_of(sim, pfn) + 8 * HVO_PW_INDEX);
	assert_int_equal(f.frame_pfn, tr.frame_pfn);
	assert_int_equal(f.page_pfn, pfn);
	assert_int_equal(f.folio_pfn, UINT64_MAX);
	assert_non_null(f.op);
	assert_string_equal(f.op, "store");
	assert_int_equal(f.field, HVO_PW_INDEX);
	assert_int_equal(f.thread, hvo_thread_id());
	assert_int_equal(hvo_fault_log_get(sim, 1, &f), -ENOENT);
	assert_int_equal(stats_of(sim).ro_faults, 1);
	assert_non_null(strstr(hvo_fault_format(&f, buf, sizeof(buf)), "ro-write"));

	/* the last struct page of the RO vmemmap page, its last word */
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn + per_page - 1), HVO_PW_MEMCG, 1),
			 -EFAULT);
	f = fault_at(sim, 1);
	assert_int_equal(f.page_pfn, pfn + per_page - 1);
	assert_int_equal(f.vaddr, page_of(sim, pfn + per_page - 1) + 8 * HVO_PW_MEMCG);
	assert_int_equal(f.field, HVO_PW_MEMCG);
	assert_true(f.seq > fault_at(sim, 0).seq);
	/* the next vmemmap page is writable */
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn + per_page), HVO_PW_INDEX, 5), 0);
	assert_int_equal(hvo_fault_log_count(sim), 2);

	/* prep refuses a compound page whose struct pages are read-only and
	 * writes nothing (not even a fault) */
	nf = hvo_fault_log_count(sim);
	assert_int_equal(hvo_prep_compound_page(sim, pfn, 6), -EFAULT);
	assert_int_equal(hvo_prep_compound_page(sim, pfn - per_page, 7), -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), nf);
	assert_int_equal(rd(sim, pfn - per_page, HVO_PW_FLAGS) & (1ull << HVO_PG_head), 0);
	assert_int_equal(rd(sim, pfn - per_page + 1, HVO_PW_COMPOUND_INFO), 0);
	assert_memory_equal(hvo_frame_bytes(sim, tr.frame_pfn), snap, ps);

	/* writable again */
	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, true), 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 0x99), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_INDEX), 0x99);
	assert_int_equal(hvo_fault_log_count(sim), 2);

	/* an RO PTE onto another frame: the fault names that frame */
	nf = alloc_ok(sim, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va + ps, nf, false, &old), 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn + per_page + 2), HVO_PW_FLAGS, 1),
			 -EFAULT);
	f = fault_at(sim, 2);
	assert_int_equal(f.frame_pfn, nf);
	assert_int_equal(f.page_pfn, pfn + per_page + 2);
	assert_int_equal(f.field, HVO_PW_FLAGS);
	assert_int_equal(hvo_page_read(sim, page_of(sim, pfn + per_page + 2), HVO_PW_FLAGS, &v),
			 0);
	assert_int_equal(v, 0);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va + ps, old, true, NULL), 0);
	hvo_flush_tlb_all(sim);
	assert_int_equal(hvo_free_frames(sim, nf, 0), 0);

	hvo_fault_log_clear(sim);
	assert_int_equal(hvo_fault_log_count(sim), 0);
	assert_int_equal(hvo_fault_log_get(sim, 0, &f), -ENOENT);
	free(snap);
}

static void test_fault_count_policy(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size, pmd = pmd_vaddr(sim, 1);
	struct hvo_fault f;

	split_ok(sim, pmd, false);
	assert_int_equal(hvo_vmemmap_set_ro(sim, pmd, pmd + 2 * ps, false), 0);
	assert_int_equal(hvo_page_write(sim, pmd, HVO_PW_FLAGS, 1), -EFAULT);
	assert_int_equal(hvo_page_write(sim, pmd + ps, HVO_PW_MAPPING, 1), -EFAULT);
	assert_int_equal(hvo_page_ref_add(sim, pmd, 1, NULL), -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), 3);
	assert_int_equal(hvo_fault_log_get(sim, 0, &f), -ENOENT);
	assert_int_equal(stats_of(sim).ro_faults, 3);
	assert_int_equal(rd(sim, pfn_at(sim, pmd), HVO_PW_FLAGS), 0);
	assert_int_equal(rd(sim, pfn_at(sim, pmd + ps), HVO_PW_MAPPING), 0);
	hvo_fault_log_clear(sim);
	assert_int_equal(hvo_fault_log_count(sim), 0);
}

/* the log is a ring: the oldest records go, the count keeps counting */
static void test_fault_log_ring(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size, pmd = pmd_vaddr(sim, 1);
	const uint64_t pfn = pfn_at(sim, pmd);
	struct hvo_fault f;
	unsigned int i;

	split_ok(sim, pmd, false);
	assert_int_equal(hvo_vmemmap_set_ro(sim, pmd, pmd + ps, false), 0);
	for (i = 0; i < 5; i++)
		assert_int_equal(hvo_page_write(sim, page_of(sim, pfn + i), HVO_PW_INDEX, 1),
				 -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), 5);
	f = fault_at(sim, 0);
	assert_int_equal(f.page_pfn, pfn + 3);
	assert_int_equal(f.seq, 3);
	f = fault_at(sim, 1);
	assert_int_equal(f.page_pfn, pfn + 4);
	assert_int_equal(f.seq, 4);
	/* the newest record's index, whatever the ring dropped (issue 8.8) */
	assert_int_equal(hvo_fault_log_newest(sim), 1);
	assert_int_equal(fault_at(sim, (uint64_t)hvo_fault_log_newest(sim)).seq, 4);
	assert_int_equal(hvo_fault_log_get(sim, 2, &f), -ENOENT);
	assert_error_names("index 2");
	hvo_fault_log_clear(sim);
	assert_int_equal(hvo_fault_log_newest(sim), -ENOENT);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 1), -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), 1);
	assert_int_equal(hvo_fault_log_newest(sim), 0);
	assert_int_equal(fault_at(sim, 0).page_pfn, pfn);
	assert_int_equal(hvo_fault_log_get(sim, 1, &f), -ENOENT);
}

/*
 * Library bug (reported): the boot vmemmap is initialised lazily, on the
 * first access through the page table (src/sparse_vmemmap.c, src/pgtable.c
 * lazy_init()), and src/sparse_vmemmap.c says nobody can observe that.  But
 * hvo_frame_bytes() of a vmemmap frame whose struct pages were never
 * accessed returns zeroes instead of memmap_init() content (flags with the
 * node and zone, _mapcount -1): a tool that dumps frames sees wrong bytes.
 */
static void test_frame_bytes_of_untouched_vmemmap(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t pfn = 300000 % hvo_sim_geometry(sim)->nr_pfns;
	struct hvo_translation tr = tr_of(sim, page_of(sim, pfn));
	const uint64_t *b = hvo_frame_bytes(sim, tr.frame_pfn);
	uint64_t counts_before;

	assert_non_null(b);
	counts_before = b[tr.offset / 8 + HVO_PW_COUNTS];
	/* through the page table the struct page has memmap_init() content */
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
	assert_int_equal(b[tr.offset / 8 + HVO_PW_COUNTS], HVO_MAPCOUNT_NONE);
	/* and the frame's bytes must have said so before that access too */
	assert_int_equal(counts_before, HVO_MAPCOUNT_NONE);
}

static void test_refcount_on_ro(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size, pmd = pmd_vaddr(sim, 2);
	const uint64_t va = pmd + 9 * ps, p = pfn_at(sim, va), q = p + 1;
	struct hvo_fault f;
	int32_t rc;

	split_ok(sim, pmd, false);
	assert_int_equal(hvo_page_ref_add(sim, page_of(sim, q), 1, NULL), 0);
	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, false), 0);

	/* refcount 0: add_unless reads, finds 0, writes nothing: no fault */
	assert_int_equal(hvo_page_ref_add_unless(sim, page_of(sim, p), 1, 0), 0);
	assert_int_equal(hvo_fault_log_count(sim), 0);
	assert_int_equal(hvo_page_refcount(sim, page_of(sim, p), &rc), 0);
	assert_int_equal(rc, 0);
	/* no match for a freeze: nothing written either */
	assert_int_equal(hvo_page_ref_freeze(sim, page_of(sim, q), 5), 0);
	assert_int_equal(hvo_fault_log_count(sim), 0);

	/* refcount 1: the add would write: a fault, and it does not land */
	assert_int_equal(hvo_page_ref_add_unless(sim, page_of(sim, q), 1, 0), -EFAULT);
	assert_int_equal(hvo_fault_log_count(sim), 1);
	f = fault_at(sim, 0);
	assert_int_equal(f.type, HVO_FAULT_RO_WRITE);
	assert_string_equal(f.op, "add_unless");
	assert_int_equal(f.field, HVO_PW_COUNTS);
	assert_int_equal(f.page_pfn, q);
	assert_int_equal(f.vaddr, page_of(sim, q) + 8 * HVO_PW_COUNTS);
	assert_int_equal(f.frame_pfn, tr_of(sim, va).frame_pfn);
	assert_int_equal(hvo_page_refcount(sim, page_of(sim, q), &rc), 0);
	assert_int_equal(rc, 1);

	assert_int_equal(hvo_page_ref_add(sim, page_of(sim, q), 1, NULL), -EFAULT);
	assert_string_equal(fault_at(sim, 1).op, "ref_add");
	assert_int_equal(hvo_page_ref_freeze(sim, page_of(sim, q), 1), -EFAULT);
	assert_string_equal(fault_at(sim, 2).op, "cmpxchg");
	assert_int_equal(hvo_fault_log_count(sim), 3);
	assert_int_equal(hvo_page_refcount(sim, page_of(sim, q), &rc), 0);
	assert_int_equal(rc, 1);
	assert_int_equal(stats_of(sim).ro_faults, 3);

	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, true), 0);
	assert_int_equal(hvo_page_ref_add_unless(sim, page_of(sim, q), 1, 0), 1);
	assert_int_equal(hvo_page_ref_freeze(sim, page_of(sim, q), 2), 1);
	assert_int_equal(hvo_fault_log_count(sim), 3);
}

/* ---- the TLB rule on frees ---- */

static void test_free_mapped_and_early(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size, pmd = pmd_vaddr(sim, 2);
	const uint64_t va = pmd + 7 * ps, va2 = pmd + 8 * ps;
	struct hvo_stats st0, st;
	struct hvo_fault f;
	struct hvo_frame_info fi;
	uint64_t nf, nf2, old, old2, i, cnt;
	uint8_t *snap = malloc(ps);
	const uint8_t *b;

	assert_non_null(snap);
	split_ok(sim, pmd, false);
	/* touch so the old frame holds real struct pages */
	assert_int_equal(hvo_page_write(sim, va, HVO_PW_INDEX, 0xabc), 0);
	nf = alloc_ok(sim, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va, nf, true, &old), 0);
	memcpy(snap, hvo_frame_bytes(sim, old), ps);

	/* still mapped */
	st0 = stats_of(sim);
	assert_int_equal(hvo_free_frames(sim, nf, 0), -EBUSY);
	assert_int_equal(hvo_fault_log_count(sim), 1);
	f = fault_at(sim, 0);
	assert_int_equal(f.type, HVO_FAULT_MAPPED_FREE);
	assert_int_equal(f.frame_pfn, nf);
	assert_string_equal(f.op, "free");
	fi = info_of(sim, nf);
	assert_true(fi.allocated);
	assert_int_equal(fi.vmap_count, 1);

	/* unmapped, not flushed */
	assert_int_equal(hvo_free_frames(sim, old, 0), -EBUSY);
	assert_int_equal(hvo_fault_log_count(sim), 2);
	f = fault_at(sim, 1);
	assert_int_equal(f.type, HVO_FAULT_EARLY_FREE);
	assert_int_equal(f.frame_pfn, old);
	assert_string_equal(f.op, "free");
	st = stats_of(sim);
	assert_int_equal(st.early_frees, st0.early_frees + 1);
	assert_int_equal(st.free_pages, st0.free_pages);
	assert_memory_equal(st.in_use, st0.in_use, sizeof(st.in_use));
	assert_memory_equal(st.freed, st0.freed, sizeof(st.freed));
	fi = info_of(sim, old);
	assert_true(fi.allocated);
	assert_int_equal(fi.kind, HVO_KIND_VMEMMAP);
	assert_int_equal(fi.vmap_count, 0);
	assert_memory_equal(hvo_frame_bytes(sim, old), snap, ps);

	/* after a flush it may go */
	hvo_flush_tlb_all(sim);
	assert_int_equal(hvo_free_frames(sim, old, 0), 0);
	fi = info_of(sim, old);
	assert_false(fi.allocated);
	b = hvo_frame_bytes(sim, old);
	for (i = 0; i < ps; i++)
		assert_int_equal(b[i], HVO_PAGE_POISON);
	st = stats_of(sim);
	assert_int_equal(st.free_pages, st0.free_pages + 1);
	assert_int_equal(st.in_use[HVO_KIND_VMEMMAP], st0.in_use[HVO_KIND_VMEMMAP] - 1);
	assert_int_equal(hvo_fault_log_count(sim), 2);

	/* a flush that began before the unmap does not count; a range flush
	 * after it does */
	nf2 = alloc_ok(sim, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO);
	hvo_flush_tlb_all(sim);
	assert_int_equal(hvo_vmemmap_set_pte(sim, va2, nf2, true, &old2), 0);
	cnt = hvo_fault_log_count(sim);
	assert_int_equal(hvo_free_frames(sim, old2, 0), -EBUSY);
	assert_int_equal(hvo_fault_log_count(sim), cnt + 1);
	assert_int_equal(fault_at(sim, cnt).type, HVO_FAULT_EARLY_FREE);
	hvo_flush_tlb_kernel_range(sim, va2, va2 + ps);
	assert_int_equal(hvo_free_frames(sim, old2, 0), 0);
	free(snap);
}

/* ---- set_ro ranges ---- */

static void test_set_ro_range(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size;
	const uint64_t p2 = pmd_vaddr(sim, 2), p3 = pmd_vaddr(sim, 3), p4 = pmd_vaddr(sim, 4);
	const uint64_t s = p2 + 3 * ps, e = p3 + 5 * ps;
	uint64_t v;

	split_ok(sim, p2, false);
	split_ok(sim, p3, false);
	assert_int_equal(hvo_vmemmap_set_ro(sim, s, e, false), 0);
	for (v = p2; v < p3 + 512 * ps; v += ps)
		assert_int_equal(tr_of(sim, v).writable, !(v >= s && v < e));
	assert_int_equal(hvo_vmemmap_set_ro(sim, s, e, true), 0);
	for (v = p2; v < p3 + 512 * ps; v += ps)
		assert_true(tr_of(sim, v).writable);

	/* a part mapped by a leaf: refused, and nothing is changed */
	assert_int_equal(hvo_vmemmap_set_ro(sim, p3, p4 + ps, false), -EINVAL);
	for (v = p3; v < p3 + 512 * ps; v += ps)
		assert_true(tr_of(sim, v).writable);
	assert_int_equal(hvo_vmemmap_set_ro(sim, p2 + 8, p2 + ps, false), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_ro(sim, p2 + ps, p2, false), -EINVAL);
	assert_int_equal(hvo_vmemmap_set_ro(sim, pmd_vaddr(sim, 9), pmd_vaddr(sim, 9) + ps,
					    false), -EFAULT);
	assert_int_equal(hvo_vmemmap_set_ro(sim, p2, p2, false), 0);
	assert_true(tr_of(sim, p2).writable);
	/* an end inside a page covers that page */
	assert_int_equal(hvo_vmemmap_set_ro(sim, p2, p2 + 1, false), 0);
	assert_false(tr_of(sim, p2).writable);
	assert_true(tr_of(sim, p2 + ps).writable);
	assert_int_equal(hvo_vmemmap_set_ro(sim, p2, p2 + 1, true), 0);
}

/* 16K and 64K: PTEs from boot, set_ro works without a split */
static void test_set_ro_base_pages(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const uint64_t ps = hvo_sim_geometry(sim)->page_size, va = VMEMMAP_BASE + 2 * ps;
	const uint64_t pfn = pfn_at(sim, va);

	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, false), 0);
	assert_false(tr_of(sim, va).writable);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 1), -EFAULT);
	assert_int_equal(fault_at(sim, 0).page_pfn, pfn);
	assert_int_equal(hvo_vmemmap_set_ro(sim, va, va + ps, true), 0);
	assert_int_equal(hvo_page_write(sim, page_of(sim, pfn), HVO_PW_INDEX, 1), 0);
	assert_int_equal(hvo_fault_log_count(sim), 1);
}

static void test_flush_counters(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	struct hvo_stats st0 = stats_of(sim), st;
	unsigned int i;

	for (i = 0; i < 3; i++)
		hvo_flush_tlb_all(sim);
	st = stats_of(sim);
	assert_int_equal(st.tlb_flush_all, st0.tlb_flush_all + 3);
	assert_int_equal(st.tlb_flush_range, st0.tlb_flush_range);
	for (i = 0; i < 2; i++)
		hvo_flush_tlb_kernel_range(sim, VMEMMAP_BASE, VMEMMAP_BASE + 4096);
	st = stats_of(sim);
	assert_int_equal(st.tlb_flush_all, st0.tlb_flush_all + 3);
	assert_int_equal(st.tlb_flush_range, st0.tlb_flush_range + 2);
}

/* ---- readers while another thread flushes ---- */

#define NREADERS 2
#define READS_PER_THREAD 100000

struct reader {
	struct hvo_sim *sim;
	uint64_t head;
	unsigned int stride;
	atomic_int *go;
	atomic_int *done;
	/* results, checked by the main thread after join */
	uint64_t reads, bad_head, bad_read, bad_flags;
};

static void *reader_fn(void *arg)
{
	struct reader *r = arg;
	uint64_t i, page, h, v;

	while (!atomic_load(r->go))
		;
	for (i = 0; i < READS_PER_THREAD; i++) {
		page = r->head + (i % 512) * r->stride;
		h = hvo_compound_head(r->sim, page);
		if (h != r->head)
			r->bad_head++;
		if ((i & 15) == 0) {
			if (hvo_page_read(r->sim, page, HVO_PW_COUNTS, &v))
				r->bad_read++;
			else if (v != HVO_MAPCOUNT_NONE)
				r->bad_flags++;
		}
		r->reads++;
	}
	atomic_fetch_add(r->done, 1);
	return NULL;
}

static void test_reads_during_flushes(void **state)
{
	struct hvo_sim *sim = sim_of(state);
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	const uint64_t head_pfn = pfn_at(sim, pmd_vaddr(sim, 2));
	const uint64_t ps = g->page_size;
	struct reader rd_[NREADERS];
	pthread_t th[NREADERS];
	atomic_int go = 0, done = 0;
	uint64_t flushes = 0, set_ro_errors = 0, s, e;
	struct hvo_stats st0;
	unsigned int i;

	split_ok(sim, pmd_vaddr(sim, 2), false);
	assert_int_equal(hvo_prep_compound_page(sim, head_pfn, 9), 0);
	hvo_vmemmap_range(sim, head_pfn + 64, 512 - 64, &s, &e);
	st0 = stats_of(sim);
	for (i = 0; i < NREADERS; i++) {
		memset(&rd_[i], 0, sizeof(rd_[i]));
		rd_[i].sim = sim;
		rd_[i].head = page_of(sim, head_pfn);
		rd_[i].stride = g->stride;
		rd_[i].go = &go;
		rd_[i].done = &done;
		assert_int_equal(pthread_create(&th[i], NULL, reader_fn, &rd_[i]), 0);
	}
	atomic_store(&go, 1);
	do {
		hvo_flush_tlb_all(sim);
		/* reads are unaffected by the permission of the PTE; no
		 * cmocka assert while the readers run (it would longjmp) */
		if (hvo_vmemmap_set_ro(sim, s & ~(ps - 1), e, flushes & 1))
			set_ro_errors++;
		flushes++;
	} while (atomic_load(&done) < NREADERS);
	for (i = 0; i < NREADERS; i++)
		assert_int_equal(pthread_join(th[i], NULL), 0);
	assert_int_equal(hvo_vmemmap_set_ro(sim, s & ~(ps - 1), e, true), 0);

	for (i = 0; i < NREADERS; i++) {
		assert_int_equal(rd_[i].reads, READS_PER_THREAD);
		assert_int_equal(rd_[i].bad_head, 0);
		assert_int_equal(rd_[i].bad_read, 0);
		assert_int_equal(rd_[i].bad_flags, 0);
	}
	print_message("# %llu flushes while %d threads did %d reads each\n",
		      (unsigned long long)flushes, NREADERS, READS_PER_THREAD);
	assert_int_equal(set_ro_errors, 0);
	assert_true(flushes >= 1);
	assert_int_equal(stats_of(sim).tlb_flush_all, st0.tlb_flush_all + flushes);
	assert_int_equal(hvo_fault_log_count(sim), 0);
	assert_int_equal(hvo_destroy_compound_page(sim, head_pfn, 9), 0);
}

/* a test on machine @m, named fn/m so parameterised runs stay distinct */
#define P(fn, m) { .name = #fn "/" #m, .test_func = fn, .setup_func = setup_m, \
		   .teardown_func = fx_teardown, .initial_state = &(m) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		P(test_geometry, m4k),
		P(test_geometry, m16k),
		P(test_geometry, m64k),
		P(test_boot_vmemmap, m4k),
		P(test_boot_vmemmap, m16k),
		P(test_boot_vmemmap, m64k),
		P(test_split_pmd, m4k),
		P(test_split_pmd_base_pages, m16k),
		P(test_split_pmd_base_pages, m64k),
		P(test_split_fault_sweep, m4k),
		P(test_set_pte, m4k),
		P(test_ro_write_fault, m4k),
		P(test_fault_count_policy, m4k_count),
		P(test_fault_log_ring, m4k_log2),
		P(test_frame_bytes_of_untouched_vmemmap, m4k),
		P(test_frame_bytes_of_untouched_vmemmap, m64k),
		P(test_refcount_on_ro, m4k),
		P(test_free_mapped_and_early, m4k),
		P(test_set_ro_range, m4k),
		P(test_set_ro_base_pages, m16k),
		P(test_set_ro_base_pages, m64k),
		P(test_flush_counters, m4k),
		P(test_reads_during_flushes, m4k),
	};

	return cmocka_run_group_tests_name("pgtable", tests, NULL, NULL);
}
