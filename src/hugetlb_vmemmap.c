// SPDX-License-Identifier: MIT
/*
 * hugetlb_vmemmap.c - HugeTLB Vmemmap Optimization (mm/hugetlb_vmemmap.c)
 * in two eras:
 *
 *   fake-head (5.18 .. 7.0): the tails' vmemmap pages are remapped RO onto a
 *   fresh copy of the folio's head page, so every PAGE_SIZE-aligned tail
 *   struct page reads as a (fake) head; static key, VMEMMAP_SYNCHRONIZE_RCU.
 *
 *   shared-tail (7.1+, and the v1..v6 proposals by scope/alloc/lifetime): the
 *   tails map one pre-initialised, mask-encoded tail frame per (zone, order)
 *   RO; the head page gets a private RW copy; every old page is freed.
 *
 * Both run the kernel's remap walk: vmemmap_remap_range() walks a vmemmap
 * range, splitting PMD leaves as it reaches them, and calls the walk's
 * remap_pte on every PTE: vmemmap_remap_pte() to optimize,
 * vmemmap_restore_pte() to restore or to walk a failed optimize back.  What
 * the eras do differently sits in one table, struct vmemmap_ops.
 *
 * Steps follow the kernel's order: get the tail, set the optimized flag
 * before copying the head (the deferred-flush subtlety), split the PMDs,
 * remap, flush, and only then free the old pages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "hugetlb_internal.h"
#include "arena.h"
#include "error.h"
#include "fault.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "rcu.h"
#include "sched.h"
#include "hugetlb_vmemmap.h"

/*
 * struct vmemmap_remap_walk, as the kernel's.  @reuse_addr is the head's
 * vmemmap page and @reuse_page the page its PTE gets (the fake-head era's
 * names; 7.1 calls the page vmemmap_head); @vmemmap_tail is the page every
 * other PTE gets, and on a walk back the only page whose PTEs are restored.
 * Pages are frame numbers, HVO_NIL for none.
 */
struct vmemmap_remap_walk {
	int (*remap_pte)(struct hvo_sim *sim, uint64_t addr, uint64_t frame,
			 struct vmemmap_remap_walk *walk);
	/* remap_pte over @n PTEs of one table at once (optional): -EINVAL if
	 * it cannot, having changed nothing the single steps would not redo */
	int (*remap_ptes)(struct hvo_sim *sim, uint64_t addr, uint64_t n, const uint64_t *pte,
			  struct vmemmap_remap_walk *walk);
	uint64_t nr_walked;
	uint64_t reuse_addr;
	uint64_t reuse_page;
	uint64_t vmemmap_tail;
	struct hvo_pagelist *vmemmap_pages;
	unsigned int flags;		/* HVO_VMEMMAP_* */
	const struct vmemmap_ops *ops;
	/* shared-tail restore: the struct page every restored one gets */
	bool has_tmpl;
	uint64_t tmpl[HVO_NR_PAGE_WORDS];
};

/*
 * What the two eras do differently, chosen once per machine.  fake-head has
 * no shared tail (its tails map the folio's own head copy): what its
 * optimize takes first and gives back on failure is the static key and an
 * RCU grace period, so those are its get_tail/put_tail.
 */
struct vmemmap_ops {
	/* before the optimized flag is set; *tail_page 0: the tails map the head */
	int (*get_tail)(struct hvo_sim *sim, const struct hvo_folio *f,
			unsigned int flags, uint64_t *tail_page);
	/* undoes get_tail() when the optimize fails */
	void (*put_tail)(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t tail_page);
	/* no page for the head copy: reuse the mapped head instead of failing */
	bool head_copy_optional;
	/* restore, before it allocates (optional) */
	void (*restore_begin)(struct hvo_sim *sim, unsigned int flags);
	/* restore, once its pages are there (optional) */
	void (*restore_source)(struct hvo_sim *sim, struct vmemmap_remap_walk *walk);
	/* fill @dst for a PTE that maps @src now */
	void (*restore_page)(struct hvo_sim *sim, uint64_t dst, uint64_t src,
			     const struct vmemmap_remap_walk *walk);
	/* restore, once the optimized flag is clear (optional) */
	void (*restore_end)(struct hvo_sim *sim);
};

static const struct vmemmap_ops *vmemmap_ops(const struct hvo_sim *sim);

/* NR_RESET_STRUCT_PAGE: struct pages [4..7] are copied over [0..3] */
#define NR_RESET_STRUCT_PAGE 4

/* ---- the page list ---- */

/*
 * The kernel's page list threads page->lru and cannot fail; an array must
 * have room before a PTE changes, or the page it unmaps would be lost.  Out
 * of host memory is -ENOMEM, unwound like any failed walk.
 */
static int pagelist_reserve(struct hvo_pagelist *pl, uint64_t extra)
{
	uint64_t cap = pl->cap ? pl->cap : 64, *p;

	if (pl->n + extra <= pl->cap)
		return 0;
	while (cap < pl->n + extra)
		cap *= 2;
	p = realloc(pl->pfn, cap * sizeof(*p));
	if (!p)
		return -ENOMEM;
	pl->pfn = p;
	pl->cap = cap;
	return 0;
}

static int pagelist_add(struct hvo_pagelist *pl, uint64_t pfn)
{
	int r = pagelist_reserve(pl, 1);

	if (!r)
		pl->pfn[pl->n++] = pfn;
	return r;
}

/* list_del(); the entry is at or near the end */
static void pagelist_del(struct hvo_pagelist *pl, uint64_t pfn)
{
	uint64_t i = pl->n;

	while (i--) {
		if (pl->pfn[i] != pfn)
			continue;
		memmove(&pl->pfn[i], &pl->pfn[i + 1], (pl->n - i - 1) * sizeof(*pl->pfn));
		pl->n--;
		return;
	}
}

/*
 * free_vmemmap_page_list(): only after the flush that follows the remap.
 * free_vmemmap_page() accounts a memblock page as free_bootmem_page() does,
 * any other as __free_page().
 */
void hvo__free_vmemmap_page_list(struct hvo_sim *sim, struct hvo_pagelist *pl)
{
	uint64_t freed, boot_freed;

	/* what is refused is logged; the checker will see it */
	hvo__free_bulk(sim, pl->pfn, pl->n, &freed, &boot_freed);
	if (boot_freed)
		cnt_sub(sim, memmap_boot_pages, (int64_t)boot_freed);
	if (freed - boot_freed)
		cnt_sub(sim, memmap_pages, (int64_t)(freed - boot_freed));
	if (freed)
		cnt_add(sim, vmemmap_pages_freed, freed);
	free(pl->pfn);
	memset(pl, 0, sizeof(*pl));
}

/* ---- the folio ---- */

bool hvo__folio_test_optimized(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t priv = 0;

	hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), HVO_PW_PRIVATE, &priv);
	return priv & (1ull << HVO_HPG_vmemmap_optimized);
}

/* folio_{set,clear}_hugetlb_vmemmap_optimized(): the owner's RMW */
int hvo__folio_set_optimized(struct hvo_sim *sim, uint64_t pfn, bool on)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), priv = 0;

	hvo_page_read(sim, head, HVO_PW_PRIVATE, &priv);
	if (on)
		priv |= 1ull << HVO_HPG_vmemmap_optimized;
	else
		priv &= ~(1ull << HVO_HPG_vmemmap_optimized);
	return hvo_page_write(sim, head, HVO_PW_PRIVATE, priv);
}

/* [&folio->page, + hugetlb_vmemmap_size(h)) */
static void folio_range(struct hvo_sim *sim, const struct hvo_folio *f,
			uint64_t *start, uint64_t *end)
{
	hvo_vmemmap_range(sim, f->pfn, 1ull << sim->hugetlb->hs[f->h].order, start, end);
}

/* pte_page(ptep_get(pte)) */
static uint64_t frame_at(struct hvo_sim *sim, uint64_t vaddr)
{
	uint64_t frame = HVO_NIL;

	hvo__vmm_frame_of(sim, vaddr, &frame, NULL);
	return frame;
}

static uint64_t page_to_frame(struct hvo_sim *sim, uint64_t page)
{
	return (page - sim->geo.vmemmap_base) / sim->geo.stride;
}

/* ---- the remap walk ---- */

/*
 * vmemmap_pmd_entry() and vmemmap_split_pmd(): split the PMD leaf that maps
 * @addr into PTEs; a no-op where a PTE table is already there.
 */
static int vmemmap_pmd_entry(struct hvo_sim *sim, uint64_t addr,
			     const struct vmemmap_remap_walk *walk)
{
	return hvo_vmemmap_split_pmd(sim, addr, !(walk->flags & HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH));
}

/* pte_offset_kernel(): @addr's PTE, NULL if no PTE table maps it */
static const uint64_t *pte_offset_kernel(struct hvo_sim *sim, uint64_t addr)
{
	struct hvo_translation tr;

	if (hvo_vmemmap_translate(sim, addr, &tr) || tr.level)
		return NULL;
	return (const uint64_t *)hvo__frame(sim, tr.entry_pfn) + tr.entry_index;
}

/* PTEs a batched walk changes at once */
#define PTE_BATCH 64

/*
 * vmemmap_pte_entry() over [addr, end), one PMD's worth: nr_walked counts
 * the PTEs done.  The PMD is split, so its PTEs are consecutive entries of
 * one table, read in turn as the kernel's walk does (pte_offset_kernel()
 * once, then the next entry), not looked up from the root each time.
 * Without a scheduler hook (no PTE store is a yield point) the walk's
 * remap_ptes takes them PTE_BATCH at a time: one table lookup and one ptl
 * section per run (hvo__map_ptes()), the same stores in the same order.
 */
static int vmemmap_pte_range(struct hvo_sim *sim, uint64_t addr, uint64_t end,
			     struct vmemmap_remap_walk *walk)
{
	const uint64_t *pte = pte_offset_kernel(sim, addr);
	bool batch = pte && walk->remap_ptes && !hvo__yield_hooked(sim);
	uint64_t e, frame, n;
	int r;

	while (addr < end) {
		n = (end - addr) >> sim->geo.page_shift;
		n = n < PTE_BATCH ? n : PTE_BATCH;
		if (batch && addr != walk->reuse_addr) {
			r = walk->remap_ptes(sim, addr, n, pte, walk);
			if (r != -EINVAL) {
				if (r)
					return r;
				addr += n << sim->geo.page_shift;
				pte += n;
				continue;
			}
			batch = false;	/* one step at a time from here */
		}
		if (pte) {
			e = __atomic_load_n(pte++, __ATOMIC_SEQ_CST);
			frame = (e & HVO_PTE_PRESENT) ?
				(e & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT : HVO_NIL;
		} else {
			frame = frame_at(sim, addr);
		}
		r = walk->remap_pte(sim, addr, frame, walk);
		if (r)
			return r;
		walk->nr_walked++;
		addr += sim->geo.page_size;
	}
	return 0;
}

/*
 * vmemmap_remap_range(): walk [start, end) a PMD at a time, splitting each
 * as the walk reaches it, and call walk->remap_pte on every PTE (no
 * remap_pte: split only, for vmemmap_remap_split()).  A walk that remapped
 * flushes once, unless VMEMMAP_REMAP_NO_TLB_FLUSH.  Unlike the kernel's, a
 * failed walk does not flush: vmemmap_remap_free() walks it back at once,
 * and that walk flushes.
 */
static int vmemmap_remap_range(struct hvo_sim *sim, uint64_t start, uint64_t end,
			       struct vmemmap_remap_walk *walk)
{
	uint64_t pmd_size = 1ull << sim->geo.pmd_shift, addr, next;
	int r;

	for (addr = start; addr < end; addr = next) {
		next = (addr & ~(pmd_size - 1)) + pmd_size;
		if (next > end)
			next = end;
		r = vmemmap_pmd_entry(sim, addr, walk);
		if (!r && walk->remap_pte)
			r = vmemmap_pte_range(sim, addr, next, walk);
		if (r)
			return r;
	}
	if (walk->remap_pte && !(walk->flags & HVO_VMEMMAP_REMAP_NO_TLB_FLUSH))
		hvo_flush_tlb_kernel_range(sim, start, end);
	return 0;
}

/*
 * vmemmap_remap_pte(): the head's PTE gets @reuse_page RW (its copy was
 * written first; the seq_cst PTE store orders that, as smp_wmb() does), any
 * other PTE @vmemmap_tail RO, "to catch illegal write".  The page a PTE
 * mapped goes on the list; the head copy, mapped now, leaves it.  Without a
 * head copy (HVO_NIL) the head PTE keeps its page, the pre-7.1 fallback.
 */
static int vmemmap_remap_pte(struct hvo_sim *sim, uint64_t addr, uint64_t frame,
			     struct vmemmap_remap_walk *walk)
{
	struct hvo_pagelist *pl = walk->vmemmap_pages;
	bool head = addr == walk->reuse_addr;
	uint64_t page = head ? walk->reuse_page : walk->vmemmap_tail;
	int r;

	if (head && page == HVO_NIL)
		return 0;
	r = pagelist_reserve(pl, 1);
	if (!r)
		r = hvo__map_pte(sim, addr, page, head, false, NULL);
	if (r)
		return r;
	if (head)
		pagelist_del(pl, page);
	if (frame != HVO_NIL)
		pl->pfn[pl->n++] = frame;
	return 0;
}

/*
 * vmemmap_remap_pte() over @n PTEs after the head's: each gets the tail RO,
 * the pages they mapped go on the list in order.
 */
static int vmemmap_remap_ptes(struct hvo_sim *sim, uint64_t addr, uint64_t n,
			      const uint64_t *pte, struct vmemmap_remap_walk *walk)
{
	struct hvo_pagelist *pl = walk->vmemmap_pages;
	uint64_t pfn[PTE_BATCH], old[PTE_BATCH], i;
	bool rw[PTE_BATCH];
	int r;

	(void)pte;
	if (walk->reuse_addr - addr < (n << sim->geo.page_shift))
		return -EINVAL;		/* the head's PTE: one step of its own */
	r = pagelist_reserve(pl, n);
	if (r)
		return r;
	for (i = 0; i < n; i++) {
		pfn[i] = walk->vmemmap_tail;
		rw[i] = false;
	}
	r = hvo__map_ptes(sim, addr, n, pfn, rw, old);
	if (r)
		return r;
	for (i = 0; i < n; i++)
		if (old[i] != HVO_NIL)
			pl->pfn[pl->n++] = old[i];
	walk->nr_walked += n;
	return 0;
}

/*
 * copy_page() and reset_struct_pages() in one pass: a restored page copied
 * from the head must not clone head metadata into tails ("corrupted mapping
 * in tail page"), so its struct pages [0, 4) are copies of [4, 8), the rest
 * of the page as it is.  What the two leave, each word written once.
 */
static void copy_page_reset(struct hvo_sim *sim, uint64_t dst, uint64_t src)
{
	uint64_t *d = (uint64_t *)hvo__frame(sim, dst);
	const uint64_t *s = (const uint64_t *)hvo__frame(sim, src);
	uint64_t n = NR_RESET_STRUCT_PAGE * (sim->geo.stride / 8);

	hvo__words_copy(d, s + n, n);
	hvo__words_copy(d + n, s + n, sim->geo.page_size / 8 - n);
}

/* struct_page_size is at most 256 bytes (hvo_config_validate()) */
#define MAX_STRUCT_PAGE_WORDS (256 / 8)

/*
 * Every struct page of @frame gets @words, the rest of the page is zero:
 * one struct page image stored over the page, one pass.  @plain: plain
 * stores, as the kernel's init_compound_tail() makes (see
 * hvo__fill_tail_frame()); otherwise the atomic stores every frame write
 * of the model uses, 64 bytes unrolled (HVO runs only with a power-of-2
 * struct page, 64 to 256 bytes: a whole number of 64-byte blocks).
 */
static void fill_struct_pages(struct hvo_sim *sim, uint64_t frame, const uint64_t *words,
			      bool plain)
{
	uint64_t *dst = (uint64_t *)hvo__frame(sim, frame), img[MAX_STRUCT_PAGE_WORDS] = { 0 };
	uint64_t i, n = hvo__hugetlb_vmemmap_reserve_pages(sim);
	uint64_t all = sim->geo.page_size / 8;
	unsigned int w, spw = sim->geo.stride / 8;

	for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
		if (sim->word_off[w] >= 0)
			img[sim->word_off[w]] = words[w];
	if (!plain && spw == 8) {
		/* the common 64-byte struct page: the image stays in registers */
		const uint64_t t[8] = { img[0], img[1], img[2], img[3],
					img[4], img[5], img[6], img[7] };

		for (i = 0; i < n; i++, dst += 8) {
			/* the line 512 bytes on, for writing: more lines in
			 * flight than the store buffer holds of 8-byte stores */
			if (i + 8 < n)
				__builtin_prefetch(dst + 64, 1, 3);
			hvo__store_page64(dst, t);
		}
	} else if (!plain && !(spw % 8)) {
		for (i = 0; i < n; i++, dst += spw)
			for (w = 0; w < spw; w += 8)
				hvo__store_page64(dst + w, img + w);
	} else {
		for (i = 0; i < n; i++, dst += spw)
			for (w = 0; w < spw; w++) {
				if (plain)
					dst[w] = img[w];
				else
					__atomic_store_n(&dst[w], img[w], HVO_STORE_ORDER);
			}
	}
	for (i = n * spw; i < all; i++, dst++) {
		if (plain)
			*dst = 0;
		else
			__atomic_store_n(dst, 0, HVO_STORE_ORDER);
	}
}

/*
 * vmemmap_restore_pte(): the PTE gets a page of its own, RW, filled by the
 * scheme from the page it maps now.  Walking back a failed optimize
 * (@vmemmap_tail set), only PTEs that map the tail are restored, so the head
 * keeps its copy: "mm/hugetlb_vmemmap: fix incorrect vmemmap restore in
 * rollback" (Fixes: c0b495b91a47).  The page taken is the list's first
 * (the kernel's list_add() makes the list a stack).
 */
static int vmemmap_restore_pte(struct hvo_sim *sim, uint64_t addr, uint64_t frame,
			       struct vmemmap_remap_walk *walk)
{
	struct hvo_pagelist *pl = walk->vmemmap_pages;
	uint64_t page;
	int r;

	if (walk->vmemmap_tail != HVO_NIL && frame != walk->vmemmap_tail)
		return 0;
	if (!pl->n)
		return 0;	/* cannot happen: each remapped PTE left a page */
	page = pl->pfn[pl->n - 1];
	walk->ops->restore_page(sim, page, frame, walk);
	r = hvo__map_pte(sim, addr, page, true, false, NULL);
	if (r)
		return r;
	pl->n--;
	return 0;
}

/*
 * vmemmap_restore_pte() of a restore (every PTE) over @n PTEs: each page
 * filled from the page its PTE maps now, then all mapped RW.  A page is
 * filled before any PTE maps it, as one at a time.
 */
static int vmemmap_restore_ptes(struct hvo_sim *sim, uint64_t addr, uint64_t n,
				const uint64_t *pte, struct vmemmap_remap_walk *walk)
{
	struct hvo_pagelist *pl = walk->vmemmap_pages;
	uint64_t pfn[PTE_BATCH], old[PTE_BATCH], e, i;
	bool rw[PTE_BATCH];
	int r;

	if (walk->vmemmap_tail != HVO_NIL || pl->n < n)
		return -EINVAL;
	for (i = 0; i < n; i++) {
		e = __atomic_load_n(&pte[i], __ATOMIC_SEQ_CST);
		if (!(e & HVO_PTE_PRESENT))
			return -EINVAL;
		pfn[i] = pl->pfn[pl->n - 1 - i];
		rw[i] = true;
		walk->ops->restore_page(sim, pfn[i], (e & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT,
					walk);
	}
	r = hvo__map_ptes(sim, addr, n, pfn, rw, old);
	if (r)
		return r;
	pl->n -= n;
	walk->nr_walked += n;
	return 0;
}

/* vmemmap_remap_split(): split the PMDs of [start, end), remap nothing */
static int vmemmap_remap_split(struct hvo_sim *sim, uint64_t start, uint64_t end)
{
	struct vmemmap_remap_walk walk = {
		.remap_pte = NULL,
		.flags = HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH,
	};

	return vmemmap_remap_range(sim, start, end, &walk);
}

/*
 * vmemmap_remap_free(): remap [start, end) to @head (the first PTE, RW;
 * HVO_NIL keeps the mapped page) and @tail (every other, RO), leaving the
 * pages they mapped on @pages for the caller to free after its flush.  A
 * walk that fails halfway (a PMD split found no memory) is walked back with
 * vmemmap_restore_pte() over what it remapped, the head excluded: in
 * fake-head the head copy is the tail too.  Unlike the kernel, the walk back
 * also runs when nothing was walked, so a failed optimize always counts one
 * rollback and one flush.
 */
static int vmemmap_remap_free(struct hvo_sim *sim, uint64_t start, uint64_t end,
			      uint64_t head, uint64_t tail, struct hvo_pagelist *pages,
			      unsigned int flags)
{
	uint64_t ps = sim->geo.page_size;
	struct vmemmap_remap_walk walk = {
		.remap_pte = vmemmap_remap_pte,
		.remap_ptes = vmemmap_remap_ptes,
		.reuse_addr = start,
		.reuse_page = head,
		.vmemmap_tail = tail,
		.vmemmap_pages = pages,
		.flags = flags,
		.ops = vmemmap_ops(sim),
	};
	int r;

	r = vmemmap_remap_range(sim, start, end, &walk);
	if (!r)
		return 0;
	end = start + (walk.nr_walked ? walk.nr_walked : 1) * ps;
	walk = (struct vmemmap_remap_walk){
		.remap_pte = vmemmap_restore_pte,
		.reuse_addr = start,
		.vmemmap_tail = tail,
		.vmemmap_pages = pages,
		.flags = 0,
		.ops = vmemmap_ops(sim),
	};
	vmemmap_remap_range(sim, start + ps, end, &walk);
	cnt_add(sim, rollbacks, 1);
	return r;
}

/*
 * alloc_vmemmap_page_list(): @nr pages on @f's node, all or none
 * (GFP_KERNEL | __GFP_RETRY_MAYFAIL).  Stored top down: the walk takes
 * pages from the end, so the first tail gets the first page allocated.
 */
static int alloc_vmemmap_page_list(struct hvo_sim *sim, const struct hvo_folio *f,
				   uint64_t nr, struct hvo_pagelist *list)
{
	uint64_t i, got, *slot;
	int r;

	if (pagelist_reserve(list, nr))
		return hvo__err(-ENOMEM, "restore: out of host memory");
	slot = list->pfn + list->n;
	/* restore_page() writes every byte before the walk maps it */
	r = hvo__alloc_bulk(sim, HVO_SITE_VMEMMAP_RESTORE, f->nid, HVO_KIND_VMEMMAP,
			    HVO__GFP_OVERWRITE, nr, slot, &got);
	if (r) {
		while (got--)
			hvo__free(sim, slot[got], 0, true);
		cnt_add(sim, restore_failed, 1);
		return hvo__err(-ENOMEM, "restore: folio %#" PRIx64 ": cannot allocate %" PRIu64
				" vmemmap pages; it stays optimized", f->pfn, nr);
	}
	/* top down */
	for (i = 0; i < nr / 2; i++) {
		uint64_t x = slot[i];

		slot[i] = slot[nr - 1 - i];
		slot[nr - 1 - i] = x;
	}
	list->n += nr;
	cnt_add(sim, memmap_pages, (int64_t)nr);
	return 0;
}

/*
 * vmemmap_remap_alloc(): every PTE of [start, end) gets a page of its own
 * again, filled by vmemmap_restore_pte().  No @vmemmap_tail: every PTE is
 * restored (the kernel passes the shared tail, which they all map).
 */
static int vmemmap_remap_alloc(struct hvo_sim *sim, const struct hvo_folio *f,
			       uint64_t start, uint64_t end, unsigned int flags,
			       uint64_t *mapped)
{
	struct hvo_pagelist pages = { 0 };
	struct vmemmap_remap_walk walk = {
		.remap_pte = vmemmap_restore_pte,
		.remap_ptes = vmemmap_restore_ptes,
		.reuse_addr = start - hvo__hugetlb_vmemmap_reserve_size(sim),
		.vmemmap_tail = HVO_NIL,
		.vmemmap_pages = &pages,
		.flags = flags,
		.ops = vmemmap_ops(sim),
	};
	uint64_t nr = (end - start) >> sim->geo.page_shift;
	int r;

	r = alloc_vmemmap_page_list(sim, f, nr, &pages);
	if (!r) {
		if (walk.ops->restore_source)
			walk.ops->restore_source(sim, &walk);
		r = vmemmap_remap_range(sim, start, end, &walk);
		/* what the walk mapped, not what the sizes say it should have:
		 * the checker compares the two ("vmemmap-pages") */
		*mapped = nr - pages.n;
	}
	/* not all pages may have been consumed */
	hvo__free_vmemmap_page_list(sim, &pages);
	return r;
}

/* ---- the shared tail (vmemmap_get_tail()) ---- */

void hvo__tail_slot(struct hvo_sim *sim, unsigned int h, unsigned int nid,
		    unsigned int zone, _Atomic uint64_t **slot, _Atomic uint64_t **users)
{
	struct hvo_hstate *hs = &sim->hugetlb->hs[h];
	unsigned int idx = hs->order - sim->geo.vmemmap_tail_min_order;

	switch (sim->cfg.tail_scope) {
	case HVO_SCOPE_HSTATE:		/* v1: h->vmemmap_tail */
		*slot = &hs->vmemmap_tail;
		*users = &hs->tail_users;
		break;
	case HVO_SCOPE_NODE:		/* v2..v6: pgdat->vmemmap_tails[] */
		*slot = &sim->nodes[nid].vmemmap_tails[idx];
		*users = &sim->nodes[nid].tail_users[idx];
		break;
	default:			/* v7: zone->vmemmap_tails[] */
		*slot = &sim->nodes[nid].zones[zone].vmemmap_tails[idx];
		*users = &sim->nodes[nid].zones[zone].tail_users[idx];
		break;
	}
}

/*
 * init_compound_tail() on every entry; written before it is published.
 *
 * Ordering that ThreadSanitizer can see: the kernel writes the entries with
 * plain stores and publishes the page with the release of its cmpxchg
 * (smp_store_release() under the lock in v2), and a CPU that finds the page
 * through the slot or through a PTE mapped to it reads the entries
 * afterwards.  In a TSan build the entries are plain stores here too, so
 * the release is all that orders them before a reader on another thread: a
 * publish without it (config tail_publish_relaxed) is a data race report.
 * Only for a frame never mapped in the vmemmap before (unmap_gen 0): a
 * reused one may still be read by a late reader of its old mapping, whose
 * validated load (vmm.h) discards what it read but would be reported, so
 * it keeps the atomic stores of every other frame write.  Other builds
 * store atomically throughout; the model is sequentially consistent there
 * and cannot see the ordering at all.
 */
void hvo__fill_tail_frame(struct hvo_sim *sim, uint64_t frame, unsigned int order,
			  unsigned int nid, unsigned int zone)
{
	uint64_t words[HVO_NR_PAGE_WORDS];
	bool plain = false;

#ifdef HVO_TSAN
	plain = atomic_load(&hvo__meta(sim, frame)->unmap_gen) == 0;
#endif
	hvo_init_compound_tail(sim, words, 0, order, nid, zone);
	fill_struct_pages(sim, frame, words, plain);
}

static int alloc_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t *page)
{
	uint64_t frame;
	int r;

	/* alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO, 0) */
	r = hvo__alloc(sim, HVO_SITE_VMEMMAP_TAIL, f->nid, -1, 0, HVO_KIND_SHARED_TAIL,
		       HVO_GFP_ZERO, &frame);
	if (r)
		return r;
	/* node and zone of the folio that happens to allocate it: right for
	 * every user only in zone scope */
	hvo__fill_tail_frame(sim, frame, sim->hugetlb->hs[f->h].order, f->nid, f->zone);
	*page = hvo_pfn_to_page(sim, frame);
	cnt_add(sim, shared_tails_allocated, 1);
	cnt_add(sim, shared_tails_live, 1);
	return 0;
}

static void drop_tail_frame(struct hvo_sim *sim, uint64_t page)
{
	if (hvo__free(sim, page_to_frame(sim, page), 0, true) == 0) {
		cnt_sub(sim, shared_tails_live, 1);
		cnt_add(sim, shared_tails_freed, 1);
	}
}

static bool tail_last_user(const struct hvo_sim *sim)
{
	return sim->cfg.tail_lifetime == HVO_TAIL_LAST_USER;
}

/*
 * lifetime last-user with a synchronised alloc: the 0 -> 1 user transition
 * and the slot change together under the tail lock; the page is allocated
 * outside it, so a thread that finds the slot filled on relocking drops its
 * own (Usama Arif's free-on-zero idea, which the kernel did not take).
 */
static int get_tail_last_user(struct hvo_sim *sim, const struct hvo_folio *f,
			      _Atomic uint64_t *slot, _Atomic uint64_t *users,
			      uint64_t *out)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t v, mine = 0;
	int r;

	hvo__yield(sim, HVO_YP_LOCK, 0);
	pthread_mutex_lock(&hg->tail_lock);
	v = atomic_load(slot);
	if (!v) {
		pthread_mutex_unlock(&hg->tail_lock);
		r = alloc_tail(sim, f, &mine);
		if (r)
			return r;
		hvo__yield(sim, HVO_YP_LOCK, 0);
		pthread_mutex_lock(&hg->tail_lock);
		v = atomic_load(slot);
		if (!v) {
			atomic_store(slot, mine);
			v = mine;
			mine = 0;
		}
	}
	atomic_fetch_add(users, 1);
	pthread_mutex_unlock(&hg->tail_lock);
	if (mine) {
		cnt_add(sim, shared_tail_races, 1);
		drop_tail_frame(sim, mine);
	}
	*out = v;
	return 0;
}

/*
 * v5+ and 7.1: cmpxchg() (fully ordered: the release publishes the tail's
 * init, the acquire of a loser sees the winner's); the loser frees its page
 * and uses the winner's.  tail_publish_relaxed drops both, known-bad.
 */
static uint64_t publish_tail_cmpxchg(struct hvo_sim *sim, _Atomic uint64_t *slot,
				     uint64_t mine)
{
	bool relaxed = sim->cfg.tail_publish_relaxed;
	uint64_t expected = 0;

	if (atomic_compare_exchange_strong_explicit(slot, &expected, mine,
						    relaxed ? memory_order_relaxed :
							      memory_order_acq_rel,
						    relaxed ? memory_order_relaxed :
							      memory_order_acquire))
		return mine;
	cnt_add(sim, shared_tail_races, 1);
	drop_tail_frame(sim, mine);
	return expected;
}

/* v2: publish under hugetlb_lock, the loser frees its page */
static uint64_t publish_tail_locked(struct hvo_sim *sim, _Atomic uint64_t *slot,
				    uint64_t mine)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t v;

	hvo__yield(sim, HVO_YP_LOCK, 0);
	pthread_mutex_lock(&hg->lock);
	v = atomic_load_explicit(slot, memory_order_relaxed);
	if (!v)
		atomic_store_explicit(slot, mine, memory_order_release);
	pthread_mutex_unlock(&hg->lock);
	if (!v)
		return mine;
	cnt_add(sim, shared_tail_races, 1);
	drop_tail_frame(sim, mine);
	return v;
}

/*
 * v1, the bug Usama Arif found: two threads can both see NULL, both
 * allocate and both publish; the first one's page is lost from the slot
 * while its folio still maps it.  Kept unsynchronised on purpose.
 */
static uint64_t publish_tail_none(struct hvo_sim *sim, _Atomic uint64_t *slot,
				  uint64_t mine)
{
	(void)sim;
	atomic_store_explicit(slot, mine, memory_order_release);
	return mine;
}

/* READ_ONCE() the slot; if empty, allocate and publish per tail_alloc */
static int get_tail_lockless(struct hvo_sim *sim, const struct hvo_folio *f,
			     _Atomic uint64_t *slot, uint64_t *out)
{
	uint64_t v, mine = 0;
	int r;

	hvo__yield(sim, HVO_YP_TAIL_SLOT_LOAD, (uint64_t)(uintptr_t)slot);
	v = atomic_load_explicit(slot, memory_order_acquire);	/* READ_ONCE() */
	if (v) {
		*out = v;
		return 0;
	}
	r = alloc_tail(sim, f, &mine);
	if (r)
		return r;
	hvo__yield(sim, HVO_YP_TAIL_SLOT_PUBLISH, (uint64_t)(uintptr_t)slot);
	switch (sim->cfg.tail_alloc) {
	case HVO_TAIL_ALLOC_CMPXCHG:
		*out = publish_tail_cmpxchg(sim, slot, mine);
		break;
	case HVO_TAIL_ALLOC_LOCK:
		*out = publish_tail_locked(sim, slot, mine);
		break;
	default:
		*out = publish_tail_none(sim, slot, mine);
		break;
	}
	return 0;
}

/* lifetime last-user with tail_alloc none: the count is as unsynchronised
 * as the slot */
static void tail_users_inc_none(struct hvo_sim *sim, _Atomic uint64_t *users)
{
	uint64_t u = atomic_load_explicit(users, memory_order_relaxed);

	hvo__yield(sim, HVO_YP_TAIL_USERS, u);
	atomic_store_explicit(users, u + 1, memory_order_relaxed);
}

/*
 * vmemmap_get_tail() (7.1): the shared tail page for @f's (zone, order), or
 * per the v1..v6 scope, allocated on first use.  -ENOMEM before the folio
 * has been touched.
 */
static int vmemmap_get_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t *out)
{
	_Atomic uint64_t *slot, *users;
	int r;

	hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
	if (tail_last_user(sim) && sim->cfg.tail_alloc != HVO_TAIL_ALLOC_NONE)
		return get_tail_last_user(sim, f, slot, users, out);
	r = get_tail_lockless(sim, f, slot, out);
	if (r)
		return r;
	if (tail_last_user(sim))
		tail_users_inc_none(sim, users);
	return 0;
}

/*
 * lifetime last-user: the 1 -> 0 transition frees the frame, after the
 * flush that followed its last unmap (the caller flushed).  The kernel never
 * frees a shared tail.
 */
static void vmemmap_put_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t tail_page)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	_Atomic uint64_t *slot, *users;
	uint64_t v = 0, u;

	if (sim->cfg.tail_lifetime != HVO_TAIL_LAST_USER || !tail_page)
		return;
	hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
	if (sim->cfg.tail_alloc != HVO_TAIL_ALLOC_NONE) {
		hvo__yield(sim, HVO_YP_LOCK, 0);
		pthread_mutex_lock(&hg->tail_lock);
		if (hvo__count_dec(sim, users, tail_page, "tail_put") == 1) {
			v = atomic_load(slot);
			atomic_store(slot, 0);
		}
		pthread_mutex_unlock(&hg->tail_lock);
	} else {
		u = atomic_load_explicit(users, memory_order_relaxed);
		hvo__yield(sim, HVO_YP_TAIL_USERS, u);
		atomic_store_explicit(users, u - 1, memory_order_relaxed);
		if (u == 1) {
			v = atomic_load_explicit(slot, memory_order_relaxed);
			atomic_store_explicit(slot, 0, memory_order_relaxed);
		}
	}
	if (v)
		drop_tail_frame(sim, v);
}

/* ---- the two eras ---- */

/* static_branch_inc/dec(&hugetlb_optimize_vmemmap_key) */
static void static_key_add(struct hvo_sim *sim, int d)
{
	atomic_fetch_add(&sim->c.static_key_count, d);
}

/*
 * VMEMMAP_SYNCHRONIZE_RCU, once per batch: a speculative PFN walker that
 * looked up a struct page before its vmemmap changed must be done with it
 * (bd225530a4c7).  Fake heads only; 7.1 dropped the flag with them.
 */
static void fake_head_synchronize_rcu(struct hvo_sim *sim, unsigned int flags)
{
	if ((flags & HVO_VMEMMAP_SYNCHRONIZE_RCU) && sim->cfg.rcu_sync)
		hvo__synchronize_rcu(sim);
}

/* readers check for fake heads from here on */
static int fake_head_get_tail(struct hvo_sim *sim, const struct hvo_folio *f,
			      unsigned int flags, uint64_t *tail_page)
{
	(void)f;
	static_key_add(sim, 1);
	fake_head_synchronize_rcu(sim, flags);
	*tail_page = 0;
	return 0;
}

static void fake_head_put_tail(struct hvo_sim *sim, const struct hvo_folio *f,
			       uint64_t tail_page)
{
	(void)f;
	(void)tail_page;
	static_key_add(sim, -1);
}

/*
 * The fake-head era's vmemmap_restore_pte(): a copy of the head page, which
 * every tail PTE maps (the kernel BUG()s otherwise), with
 * reset_struct_pages().
 */
static void fake_head_restore_page(struct hvo_sim *sim, uint64_t dst, uint64_t src,
				   const struct vmemmap_remap_walk *walk)
{
	(void)walk;
	copy_page_reset(sim, dst, src);
}

static void fake_head_restore_end(struct hvo_sim *sim)
{
	static_key_add(sim, -1);
}

static int shared_tail_get_tail(struct hvo_sim *sim, const struct hvo_folio *f,
				unsigned int flags, uint64_t *tail_page)
{
	(void)flags;
	return vmemmap_get_tail(sim, f, tail_page);
}

/*
 * v7 as merged: a restore replicates the last struct page of the head's
 * vmemmap page, a tail of this very folio, so its node and zone are right
 * whatever the tail's scope.
 */
static void shared_tail_restore_source(struct hvo_sim *sim, struct vmemmap_remap_walk *walk)
{
	uint64_t page = walk->reuse_addr +
			(hvo__hugetlb_vmemmap_reserve_pages(sim) - 1) * sim->geo.stride;
	unsigned int w;

	for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
		hvo_page_read(sim, page, w, &walk->tmpl[w]);
	walk->has_tmpl = true;
}

/* restore: the template; walking back: a copy of the shared tail it maps */
static void shared_tail_restore_page(struct hvo_sim *sim, uint64_t dst, uint64_t src,
				     const struct vmemmap_remap_walk *walk)
{
	if (walk->has_tmpl)
		fill_struct_pages(sim, dst, walk->tmpl, false);
	else
		hvo__frame_copy(sim, dst, src);
}

/* 5.18 .. 7.0 */
static const struct vmemmap_ops fake_head_ops = {
	.get_tail = fake_head_get_tail,
	.put_tail = fake_head_put_tail,
	.head_copy_optional = true,
	.restore_begin = fake_head_synchronize_rcu,
	.restore_page = fake_head_restore_page,
	.restore_end = fake_head_restore_end,
};

/* 7.1, and the v1..v6 proposals by scope/alloc/lifetime (v7 10/18: no head
 * copy, no optimize) */
static const struct vmemmap_ops shared_tail_ops = {
	.get_tail = shared_tail_get_tail,
	.put_tail = vmemmap_put_tail,
	.head_copy_optional = false,
	.restore_source = shared_tail_restore_source,
	.restore_page = shared_tail_restore_page,
};

static const struct vmemmap_ops *vmemmap_ops(const struct hvo_sim *sim)
{
	return sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD ? &fake_head_ops : &shared_tail_ops;
}

/* ---- optimize and restore ---- */

/*
 * READ_ONCE(vmemmap_optimize_enabled): vm.hugetlb_optimize_vmemmap, read per
 * folio as the kernel does, so a folio that enters the pool while it is off
 * stays as it is and restore never looks at it.
 */
static bool vmemmap_optimize_enabled(const struct hvo_sim *sim)
{
	return atomic_load_explicit(&sim->hugetlb->optimize_enabled, memory_order_relaxed);
}

/* hugetlb_vmemmap_optimizable() and the sysctl: whether HVO applies at all */
static bool vmemmap_optimize_applies(struct hvo_sim *sim, const struct hvo_folio *f)
{
	return sim->hugetlb->hs[f->h].optimizable && vmemmap_optimize_enabled(sim);
}

/*
 * vmemmap_should_optimize_folio(); hugetlb_free_vmemmap= is folded into
 * h->optimizable (hvo__hugetlb_vmemmap_optimizable()).
 */
static bool vmemmap_should_optimize_folio(struct hvo_sim *sim, const struct hvo_folio *f)
{
	return vmemmap_optimize_applies(sim, f) && !hvo__folio_test_optimized(sim, f->pfn);
}

/*
 * The head copy: a fresh page, so the old head page can be freed with the
 * rest and the block stays whole; on @pl until the walk maps it.
 */
static int vmemmap_alloc_head(struct hvo_sim *sim, const struct hvo_folio *f,
			      uint64_t start, struct hvo_pagelist *pl, uint64_t *out)
{
	uint64_t frame, dummy;
	int r;

	/* copy_page() below writes every byte */
	r = hvo__alloc(sim, HVO_SITE_VMEMMAP_HEAD, f->nid, -1, 0, HVO_KIND_VMEMMAP,
		       HVO__GFP_OVERWRITE, &frame);
	if (r)
		return r;
	r = pagelist_add(pl, frame);
	if (r) {
		hvo__free(sim, frame, 0, true);
		return hvo__err(r, "optimize: out of host memory");
	}
	cnt_add(sim, memmap_pages, 1);
	/* make sure the struct pages exist before copy_page() reads them */
	hvo__vmm_load(sim, start, &dummy);
	hvo__frame_copy(sim, frame, frame_at(sim, start));
	*out = frame;
	return 0;
}

/* an optimize that got its tail failed: clear the flag, give the tail back */
static int optimize_undo(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t tail_page,
			 int r, const char *why)
{
	hvo__folio_set_optimized(sim, f->pfn, false);
	vmemmap_ops(sim)->put_tail(sim, f, tail_page);
	cnt_add(sim, optimize_failed, 1);
	return hvo__err(r, "optimize: folio %#" PRIx64 ": %s", f->pfn, why);
}

/*
 * __hugetlb_vmemmap_optimize_folio().  Unlike the kernel's, optimizing a
 * folio that is optimized already is an error (hvo_folio_optimize()
 * reports it).
 */
int hvo__hugetlb_vmemmap_optimize_folio(struct hvo_sim *sim, struct hvo_folio *f,
					unsigned int flags, struct hvo_pagelist *pl)
{
	const struct vmemmap_ops *ops = vmemmap_ops(sim);
	struct hvo_hstate *h = &sim->hugetlb->hs[f->h];
	uint64_t start, end, head = HVO_NIL, tail, tail_page = 0, n0 = pl->n;
	int r;

	/* the kernel's silent no-op; optimizing an optimized folio is an
	 * error here, where the kernel's callers never do it */
	if (!vmemmap_optimize_applies(sim, f))
		return 0;
	cnt_add(sim, optimize_calls, 1);
	if (!vmemmap_should_optimize_folio(sim, f))
		return hvo__err(-EINVAL, "optimize: folio %#" PRIx64 " is already optimized",
				f->pfn);
	folio_range(sim, f, &start, &end);
	r = ops->get_tail(sim, f, flags, &tail_page);
	if (r) {
		cnt_add(sim, optimize_failed, 1);
		return hvo__err(r, "optimize: folio %#" PRIx64 ": no shared tail page", f->pfn);
	}
	/* "Very subtle": with VMEMMAP_REMAP_NO_TLB_FLUSH, writes may reach the
	 * old head until the flush, so the flag is set before the copy */
	hvo__folio_set_optimized(sim, f->pfn, true);
	r = vmemmap_alloc_head(sim, f, start, pl, &head);
	if (r && !ops->head_copy_optional)
		return optimize_undo(sim, f, tail_page, r, "no head page");
	/* no shared tail: the tails map the head page, and read as (fake) heads */
	if (tail_page)
		tail = page_to_frame(sim, tail_page);
	else
		tail = head != HVO_NIL ? head : frame_at(sim, start);
	r = vmemmap_remap_free(sim, start, end, head, tail, pl, flags);
	if (r)
		return optimize_undo(sim, f, tail_page, r, "PMD split failed, rolled back");
	f->tail_page = tail_page;
	cnt_add(sim, optimized_folios, 1);
	cnt_add(sim, optimize_done, 1);
	atomic_fetch_add(&h->nr_optimized, 1);
	/* the pages the walk unmapped, less the head copy it mapped: measured,
	 * so the checker can hold it against the sizes ("vmemmap-pages") */
	atomic_fetch_add(&h->vmemmap_freed, pl->n - n0 - (head != HVO_NIL));
	return 0;
}

/*
 * __hugetlb_vmemmap_restore_folio().  Unlike the kernel's, restoring a folio
 * that is not optimized is an error.  The shared tail is put only after the
 * flush that unmapped it: the walk's, or with VMEMMAP_REMAP_NO_TLB_FLUSH the
 * caller's, which gets the tail in *@tail_to_put.
 */
int hvo__hugetlb_vmemmap_restore_folio(struct hvo_sim *sim, struct hvo_folio *f,
				       unsigned int flags, uint64_t *tail_to_put)
{
	const struct vmemmap_ops *ops = vmemmap_ops(sim);
	struct hvo_hstate *h = &sim->hugetlb->hs[f->h];
	uint64_t start, end, n = 0;
	int r;

	if (tail_to_put)
		*tail_to_put = 0;
	if (!hvo__folio_test_optimized(sim, f->pfn))
		return hvo__err(-EINVAL, "restore: folio %#" PRIx64 " is not optimized", f->pfn);
	cnt_add(sim, restore_calls, 1);
	folio_range(sim, f, &start, &end);
	if (ops->restore_begin)
		ops->restore_begin(sim, flags);
	r = vmemmap_remap_alloc(sim, f, start + hvo__hugetlb_vmemmap_reserve_size(sim), end,
				flags, &n);
	if (r)
		return r;
	hvo__folio_set_optimized(sim, f->pfn, false);
	if (ops->restore_end)
		ops->restore_end(sim);
	cnt_sub(sim, optimized_folios, 1);
	cnt_add(sim, restore_done, 1);
	cnt_add(sim, vmemmap_pages_restored, n);
	atomic_fetch_sub(&h->nr_optimized, 1);
	atomic_fetch_add(&h->vmemmap_restored, n);
	if (!(flags & HVO_VMEMMAP_REMAP_NO_TLB_FLUSH))
		vmemmap_put_tail(sim, f, f->tail_page);
	else if (tail_to_put)
		*tail_to_put = f->tail_page;
	f->tail_page = 0;
	return 0;
}

/* hugetlb_vmemmap_split_folio() */
static int hugetlb_vmemmap_split_folio(struct hvo_sim *sim, const struct hvo_folio *f)
{
	uint64_t start, end;

	folio_range(sim, f, &start, &end);
	return vmemmap_remap_split(sim, start, end);
}

/*
 * hugetlb_vmemmap_optimize_folios(): split every PMD first, one flush, then
 * remap with the flushes deferred to one at the end.  The split pass asks
 * only h->optimizable, not vmemmap_should_optimize_folio(): reading the
 * head's flag would initialise a lazily initialised memmap PMD whole before
 * its split, and an optimized folio's PMDs are split already.
 */
uint64_t hvo__hugetlb_vmemmap_optimize_folios(struct hvo_sim *sim, struct hvo_folio **fs,
					      uint64_t n)
{
	struct hvo_pagelist pl = { 0 };
	unsigned int flags = HVO_VMEMMAP_REMAP_NO_TLB_FLUSH | HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH |
			     HVO_VMEMMAP_SYNCHRONIZE_RCU;
	uint64_t i, done = 0;
	bool any = false;
	int r;

	for (i = 0; i < n; i++) {
		if (!vmemmap_optimize_applies(sim, fs[i]))
			continue;
		any = true;
		/* no memory for a split: stop, the remap splits with what HVO frees */
		if (hugetlb_vmemmap_split_folio(sim, fs[i]) == -ENOMEM)
			break;
	}
	if (!any)
		return 0;
	hvo_flush_tlb_all(sim);
	for (i = 0; i < n; i++) {
		if (!vmemmap_should_optimize_folio(sim, fs[i]))
			continue;
		r = hvo__hugetlb_vmemmap_optimize_folio(sim, fs[i], flags, &pl);
		/* VMEMMAP_SYNCHRONIZE_RCU: once per batch */
		flags &= ~HVO_VMEMMAP_SYNCHRONIZE_RCU;
		if (r == -ENOMEM && pl.n) {
			/* free what we have collected and retry once */
			hvo_flush_tlb_all(sim);
			hvo__free_vmemmap_page_list(sim, &pl);
			r = hvo__hugetlb_vmemmap_optimize_folio(sim, fs[i], flags, &pl);
		}
		if (!r)
			done++;
	}
	hvo_flush_tlb_all(sim);
	hvo__free_vmemmap_page_list(sim, &pl);
	return done;
}

/*
 * hugetlb_vmemmap_restore_folios(): stops at the first folio that cannot
 * be restored; *@restored counts the folios before it.  One flush for the
 * batch, then the last-user puts.
 */
int hvo__hugetlb_vmemmap_restore_folios(struct hvo_sim *sim, struct hvo_folio **fs,
					uint64_t n, uint64_t *restored)
{
	unsigned int flags = HVO_VMEMMAP_REMAP_NO_TLB_FLUSH | HVO_VMEMMAP_SYNCHRONIZE_RCU;
	uint64_t i, nr = 0, *tails = calloc(n ? n : 1, sizeof(*tails));
	bool any = false;
	int r = 0;

	if (!tails)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!hvo__folio_test_optimized(sim, fs[i]->pfn)) {
			nr++;
			continue;
		}
		r = hvo__hugetlb_vmemmap_restore_folio(sim, fs[i], flags, &tails[i]);
		if (r)
			break;
		/* VMEMMAP_SYNCHRONIZE_RCU: once per batch */
		flags &= ~HVO_VMEMMAP_SYNCHRONIZE_RCU;
		any = true;
		nr++;
	}
	if (any)
		hvo_flush_tlb_all(sim);
	/* last-user puts come after the flush that unmapped the tails */
	for (i = 0; i < n; i++)
		if (tails[i])
			vmemmap_put_tail(sim, fs[i], tails[i]);
	free(tails);
	if (restored)
		*restored = nr;
	return r;
}
