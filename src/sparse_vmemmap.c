// SPDX-License-Identifier: MIT
/*
 * sparse_vmemmap.c - boot population of the vmemmap (sparse_init(),
 * mm/sparse-vmemmap.c) and lazy memmap_init().
 *
 * Deliberate difference: the kernel writes every struct page in
 * memmap_init() at boot.  Here a populated entry carries a software "lazy"
 * bit and its struct pages are written with exactly the memmap_init()
 * content the first time anything reads or writes them, so a simulated
 * terabyte costs host memory only where it is used.  Nobody can observe the
 * difference: the bytes read are the same.
 */
#include <errno.h>

#include "internal.h"
#include "hugetlb_internal.h"
#include "error.h"
#include "page.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "sparse_vmemmap.h"
#include "tlb.h"

/* memmap_init_range(): what every struct page holds before anyone uses it */
uint64_t hvo__memmap_init_word(const struct hvo_sim *sim, uint64_t pfn,
			       unsigned int word)
{
	const struct hvo_zone *z;

	if (pfn >= sim->geo.nr_pfns)
		return 0;
	switch (word) {
	case HVO_PW_FLAGS:
		z = hvo__pfn_zone(sim, pfn);
		return z ? hvo__flags_node_zone(z->nid, z->type) : 0;
	case HVO_PW_COUNTS:
		return HVO_MAPCOUNT_NONE;	/* _mapcount -1, _refcount 0 */
	default:
		return 0;
	}
}

/* a populated frame whose struct pages wait for their first touch: its
 * unused list links say which vmemmap address it backs (hvo_frame_bytes()),
 * bit 0 of that address whether its host bytes were never written yet */
static void mark_lazy(struct hvo_sim *sim, uint64_t pfn, uint64_t vaddr)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	m->next = vaddr | (m->prev == HVO_META_FRESH);
	m->prev = HVO_META_LAZY;
}

/* a lazy frame's bytes read zero: memmap_init() need not store zeroes */
static bool lazy_reads_zero(const struct hvo_sim *sim, uint64_t frame)
{
	const struct hvo_frame_meta *m = hvo__meta(sim, frame);

	return m->prev == HVO_META_LAZY && (m->next & 1);
}

/* one struct page of @pfn's zone as memmap_init_range() leaves it, slot by
 * slot: every pfn of a zone gets the same words */
static void init_template(const struct hvo_sim *sim, uint64_t pfn, unsigned int sw,
			  uint64_t *t)
{
	unsigned int pw;
	int lw;

	for (pw = 0; pw < sw; pw++) {
		lw = pw < 32 ? sim->off_word[pw] : -1;
		t[pw] = lw >= 0 ? hvo__memmap_init_word(sim, pfn, (unsigned int)lw) : 0;
	}
}

/* the line PF_AHEAD words on, for writing, in this frame or else in the
 * one below it (@below: initialised next, its host bytes right below
 * these): the hardware's prefetcher stops at a page's end */
#define PF_AHEAD 128

static inline void prefetch_ahead(uint64_t *w, uint64_t i, uint64_t n, bool below)
{
	if (i + PF_AHEAD < n)
		__builtin_prefetch(&w[i + PF_AHEAD], 1, 3);
	else if (below)
		__builtin_prefetch(&(w - n)[i + PF_AHEAD - n], 1, 3);
}

/*
 * memmap_init_range() for the struct pages one vmemmap frame holds.  The
 * frame is written whole, in runs of struct pages of one zone stored from a
 * template, straight into its host bytes: the caller (hvo__lazy_init())
 * holds the ptl and the entry is still lazy, so no reader goes through it
 * yet.  The stores stay atomic all the same (HVO_STORE_ORDER), so the
 * frame's words are never plain-written under TSan.  A frame whose bytes
 * were never written (the common case: populated at boot from fresh
 * memory) reads zero already, and gets only the template's other words.
 * @below: the frame below is initialised next (memmap_init_block()).
 */
static void memmap_init_frame(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr, bool below)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, frame), t[32];
	uint64_t i = 0, n = sim->geo.page_size / 8, gw, pfn, end, run, k, j;
	const struct hvo_zone *z;
	unsigned int sw = sim->geo.stride / 8, pw, nz[32], nnz, q;
	bool zero = lazy_reads_zero(sim, frame);

	/* a vmemmap base that is not page aligned: the words below it are 0 */
	for (; i < n && vaddr + 8 * i < sim->geo.vmemmap_base; i++)
		if (!zero)
			__atomic_store_n(&w[i], 0, HVO_STORE_ORDER);
	while (i < n) {
		gw = (vaddr + 8 * i - sim->geo.vmemmap_base) / 8;
		pfn = gw / sw;
		pw = (unsigned int)(gw % sw);
		if (pfn >= sim->geo.nr_pfns)
			break;
		z = hvo__pfn_zone(sim, pfn);
		end = z && z->end <= sim->geo.nr_pfns ? z->end : pfn + 1;
		init_template(sim, pfn, sw, t);
		for (nnz = 0, q = 0; q < sw; q++)
			if (t[q])
				nz[nnz++] = q;
		run = (end - pfn) * sw - pw;
		if (run > n - i)
			run = n - i;
		/* the usual template: the counts, and flags unless node 0
		 * zone 0: one or two stores */
		for (; zero && nnz && nnz <= 2 && pw == 0 && run >= sw; run -= sw, i += sw) {
			prefetch_ahead(w, i, n, below);
			__atomic_store_n(&w[i + nz[0]], t[nz[0]], HVO_STORE_ORDER);
			if (nnz == 2)
				__atomic_store_n(&w[i + nz[1]], t[nz[1]], HVO_STORE_ORDER);
		}
		for (; zero && pw == 0 && run >= sw; run -= sw, i += sw)
			for (q = 0; q < nnz; q++)
				__atomic_store_n(&w[i + nz[q]], t[nz[q]], HVO_STORE_ORDER);
		/* 64-byte struct pages (every HVO machine's default): whole ones
		 * unrolled, compilers do not unroll loops of atomic stores */
		for (; sw == 8 && pw == 0 && run >= 8; run -= 8, i += 8)
			hvo__store_page64(&w[i], t);
		for (; run; run -= k, pw = 0) {
			k = sw - pw < run ? sw - pw : run;
			for (j = 0; j < k; j++)
				if (!zero || t[pw + j])
					__atomic_store_n(&w[i + j], t[pw + j], HVO_STORE_ORDER);
			i += k;
		}
	}
	/* past the last pfn */
	for (; !zero && i < n; i++)
		__atomic_store_n(&w[i], 0, HVO_STORE_ORDER);
}

/*
 * memmap_init_range() for the @span frames of a lazy block from @frame,
 * mapped at @vaddr; the caller holds the ptl, the entry still lazy.  Last
 * frame first: the host's clear of a huge page ends at the block's start
 * (process_huge_page() clears towards the faulting address), so what is
 * still in cache of it goes last, and the block's first struct pages,
 * which the caller is about to touch, are the ones left in cache.
 */
void hvo__memmap_init_block(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr,
			    uint64_t span)
{
	uint64_t i;

	for (i = span; i--;)
		memmap_init_frame(sim, frame + i, vaddr + (i << sim->geo.page_shift), i > 0);
}

/* vmemmap_populate_basepages(): a frame for every vmemmap page of
 * [addr, end) not mapped yet */
static int populate_basepages(struct hvo_sim *sim, uint64_t addr, uint64_t end,
			      unsigned int nid, bool lazy)
{
	uint64_t pfn, old;
	int r;

	for (; addr < end; addr += sim->geo.page_size) {
		struct hvo_translation tr;

		if (hvo_vmemmap_translate(sim, addr, &tr) == 0)
			continue;
		r = hvo__alloc(sim, HVO_SITE_VMEMMAP_POPULATE, nid, -1, 0,
			       HVO_KIND_VMEMMAP, 0, &pfn);
		if (r)
			return r;
		r = hvo__map_pte(sim, addr, pfn, true, lazy, &old);
		if (r) {
			hvo__free(sim, pfn, 0, false);
			return r;
		}
		if (lazy)
			mark_lazy(sim, pfn, addr);
	}
	return 0;
}

/* vmemmap_populate_hugepages(): a PMD leaf for the PMD-aligned block at
 * addr if the PMD is empty, 4K pages (like x86-64 and arm64) and a
 * PMD-size block can be had; false: use base pages */
static bool populate_pmd_leaf(struct hvo_sim *sim, uint64_t *pmd, uint64_t addr,
			      unsigned int nid, bool lazy)
{
	unsigned int order = sim->geo.pmd_shift - sim->geo.page_shift;
	uint64_t pfn, i;

	if ((__atomic_load_n(pmd, __ATOMIC_SEQ_CST) & HVO_PTE_PRESENT) ||
	    sim->geo.page_shift != 12 || (addr & ((1ull << sim->geo.pmd_shift) - 1)) ||
	    hvo__alloc(sim, HVO_SITE_VMEMMAP_POPULATE, nid, -1, order,
		       HVO_KIND_VMEMMAP, 0, &pfn))
		return false;
	for (i = 0; i < (1ull << order); i++) {
		hvo__record_map(sim, pfn + i);
		if (lazy)
			mark_lazy(sim, pfn + i, addr + (i << sim->geo.page_shift));
	}
	hvo__set_pmd_leaf(sim, pmd, addr, pfn, lazy);
	return true;
}

/*
 * vmemmap_populate(): PMD leaves where a PMD-size block can be had, base
 * pages otherwise.  @lazy: the struct pages are memmap_init()ed on first
 * touch (hvo__lazy_init()), not now.
 */
int hvo__populate_range(struct hvo_sim *sim, uint64_t start, uint64_t end,
			unsigned int nid, bool boot, bool lazy)
{
	uint64_t pmd_size = 1ull << sim->geo.pmd_shift;
	uint64_t addr = start & ~(sim->geo.page_size - 1), next, *pmd;
	int r;

	(void)boot;
	for (; addr < end; addr = next) {
		next = (addr & ~(pmd_size - 1)) + pmd_size;
		r = hvo__pmd_slot(sim, addr, nid, true, &pmd);
		if (r)
			return r;
		if (__atomic_load_n(pmd, __ATOMIC_SEQ_CST) & HVO_PTE_LEAF)
			continue;
		if (populate_pmd_leaf(sim, pmd, addr, nid, lazy))
			continue;
		r = populate_basepages(sim, addr, end < next ? end : next, nid, lazy);
		if (r)
			return r;
	}
	return 0;
}

static uint64_t pfn_to_section_nr(const struct hvo_sim *sim, uint64_t pfn)
{
	return pfn >> (sim->geo.section_shift - sim->geo.page_shift);
}

/* sparse_init_early_section(..., SECTION_IS_VMEMMAP_PREINIT) */
void hvo__section_set_preinit(struct hvo_sim *sim, uint64_t pfn)
{
	sim->section_flags[pfn_to_section_nr(sim, pfn)] |= HVO_SECTION_VMEMMAP_PREINIT;
}

static bool section_preinit(const struct hvo_sim *sim, uint64_t pfn)
{
	return sim->section_flags[pfn_to_section_nr(sim, pfn)] & HVO_SECTION_VMEMMAP_PREINIT;
}

/*
 * sparse_init(): populate the vmemmap of every present section, section by
 * section, skipping the sections of boot gigantic pages whose vmemmap HVO
 * populates later (SECTION_IS_VMEMMAP_PREINIT).
 */
int hvo__sparse_init(struct hvo_sim *sim)
{
	uint64_t sec_pages = 1ull << (sim->geo.section_shift - sim->geo.page_shift);
	unsigned int n;
	int r;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];
		uint64_t pfn = node->start, run = HVO_NIL, s, e;

		for (;; pfn += sec_pages) {
			bool skip = pfn < node->end && section_preinit(sim, pfn);

			if (pfn < node->end && !skip) {
				if (run == HVO_NIL)
					run = pfn;
				continue;
			}
			if (run != HVO_NIL) {
				hvo_vmemmap_range(sim, run, pfn - run, &s, &e);
				r = hvo__populate_range(sim, s, e, n, true, true);
				if (r)
					return hvo__err(r, "boot: cannot populate the vmemmap of "
							"node %u (%s)", n,
							r == -ENOMEM ? "out of memory" : "error");
				run = HVO_NIL;
			}
			if (pfn >= node->end)
				break;
		}
	}
	return 0;
}
