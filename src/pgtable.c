// SPDX-License-Identifier: MIT
/*
 * pgtable.c - the fake vmemmap page table: walk, translate, struct page word
 * access through it, PTE updates and PMD split (vmemmap_split_pmd()).
 *
 * Entries are 64-bit words in table frames with host bytes, loaded and
 * stored with seq_cst atomics so a PTE store and the access counter of
 * tlb.h form the store-buffering pattern a shootdown needs.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <string.h>

#include "internal.h"
#include "arena.h"
#include "error.h"
#include "fault.h"
#include "free_list.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "sched.h"
#include "sparse_vmemmap.h"
#include "tlb.h"
#include "vmm.h"

int hvo__pgtable_init(struct hvo_sim *sim)
{
	unsigned int ps = sim->geo.page_shift, bits = ps - 3, l;

	/* 48-bit VAs: 4K 9/9/9/9, 16K 1/11/11/11, 64K 6/13/13 */
	sim->geo.pgtable_levels = ps == 16 ? 3 : 4;
	for (l = 0; l < sim->geo.pgtable_levels; l++) {
		sim->level_shift[l] = ps + l * bits;
		sim->level_entries[l] = 1u << bits;
	}
	l = sim->geo.pgtable_levels - 1;
	sim->level_entries[l] = 1u << (48 - sim->level_shift[l]);
	sim->geo.pmd_shift = sim->level_shift[1];
	{
		uint64_t start, end;

		hvo_vmemmap_range(sim, 0, sim->geo.nr_pfns, &start, &end);
		sim->vmemmap_bytes = end - start;
		sim->page_mask = sim->geo.page_size - 1;
		/* every stride keeps compound_info (layout_words()) */
		sim->ci_off = 8u * (unsigned int)sim->word_off[HVO_PW_COMPOUND_INFO];
		sim->flat_base = start & ~(sim->geo.page_size - 1);
		sim->flat_n = (end - sim->flat_base + sim->geo.page_size - 1) >> ps;
		/* zero pages until written: untouched parts cost nothing */
		sim->flat = mmap(NULL, sim->flat_n * sizeof(*sim->flat), PROT_READ | PROT_WRITE,
				 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
		if (sim->flat == MAP_FAILED) {
			sim->flat = NULL;
			sim->flat_n = 0;
			return hvo__err(-ENOMEM, "pgtable: cannot reserve the flat entry view");
		}
		atomic_store(&sim->fast_n, sim->flat_n);
	}
	return hvo__alloc(sim, HVO_SITE_PGTABLE, 0, -1, 0, HVO_KIND_PGTABLE,
			  HVO_GFP_ZERO, &sim->root_pfn);
}

/* first touch of never-initialised struct pages: memmap_init() them now */
void hvo__lazy_init(struct hvo_sim *sim, uint64_t vaddr)
{
	uint64_t *slot, e, span, i, base;
	unsigned int level;

	pthread_mutex_lock(&sim->ptl);
	if (walk(sim, vaddr, &slot, &level, &e) == 0 && (e & HVO_PTE_LAZY)) {
		span = 1ull << (sim->level_shift[level] - sim->geo.page_shift);
		base = vaddr & ~((1ull << sim->level_shift[level]) - 1);
		/* the buddy's state stays still until the entry is not lazy */
		hvo__free_list_lock(sim, base, span);
		/* a PMD leaf maps a contiguous block of frames */
		if (level)
			hvo__arena_prefault(sim, entry_pfn(e), span);
		hvo__memmap_init_block(sim, entry_pfn(e), base, span);
		hvo__free_list_memmap_init(sim, entry_pfn(e), base, span);
		__atomic_store_n(slot, e & ~HVO_PTE_LAZY, __ATOMIC_SEQ_CST);
		for (i = 0; i < span; i++)
			hvo__flat_set(sim, base + (i << sim->geo.page_shift),
				      ((entry_pfn(e) + i) << HVO_PTE_PFN_SHIFT) |
				      (e & (HVO_PTE_PRESENT | HVO_PTE_RW)));
		hvo__free_list_unlock(sim, base, span);
	}
	pthread_mutex_unlock(&sim->ptl);
}

/*
 * A write through a read-only PTE.  The record names the hugetlb folio the
 * struct page belongs to at the time of the write, as the buddy's blocks
 * say (a folio looked up later may be gone or reused).
 */
static void ro_write_fault(struct hvo_sim *sim, uint64_t vaddr, uint64_t frame,
			   const char *op, int field)
{
	uint64_t folio = UINT64_MAX;

	if (vaddr >= sim->geo.vmemmap_base)
		folio = hvo__block_head(sim, (vaddr - sim->geo.vmemmap_base) / sim->geo.stride,
					HVO_KIND_HUGETLB);
	hvo__fault(sim, HVO_FAULT_RO_WRITE, vaddr, frame, folio, op, field);
}

#define ACCESS_BEGIN(sim, vaddr, w, rw, frame, r)                       \
	struct hvo_access_tok tok_;                                     \
	for (;;) {                                                      \
		tok_ = hvo__access_begin(sim);                          \
		r = resolve(sim, vaddr, &w, &rw, &frame);               \
		if (likely(r != -EAGAIN))                               \
			break;                                          \
		hvo__access_end(tok_);                                  \
		hvo__lazy_init(sim, vaddr);                                  \
	}

/*
 * A writer that keeps one vmemmap page open: one walk and one access
 * section per page instead of per word, for code that writes many struct
 * pages of a folio it owns (prep, destroy).  Same rules as hvo__vmm_store():
 * hvo__writer_open() opens the page of @vaddr (its lazy init first), and a
 * read-only page is a fault reported for @vaddr's word.
 */
int hvo__writer_open(struct hvo_writer *wr, uint64_t vaddr, const char *op, int field)
{
	struct hvo_sim *sim = wr->sim;
	uint64_t page = vaddr & ~(sim->geo.page_size - 1), *w, frame;
	bool rw;
	int r;

	hvo__writer_close(wr);
	for (;;) {
		wr->tok = hvo__access_begin(sim);
		r = resolve(sim, page, &w, &rw, &frame);
		if (r != -EAGAIN)
			break;
		hvo__access_end(wr->tok);
		hvo__lazy_init(sim, page);
	}
	if (r) {
		hvo__access_end(wr->tok);
		return r;
	}
	if (!rw) {
		hvo__access_end(wr->tok);
		ro_write_fault(sim, vaddr, frame, op, field);
		return -EFAULT;
	}
	wr->open = true;
	wr->page = page;
	wr->base = (uint8_t *)w;
	return 0;
}

int hvo__writer_store(struct hvo_writer *wr, uint64_t vaddr, uint64_t val,
		      const char *op, int field)
{
	struct hvo_sim *sim = wr->sim;
	uint64_t page = vaddr & ~(sim->geo.page_size - 1);
	int r;

	if (page != wr->page || !wr->open) {
		r = hvo__writer_open(wr, vaddr, op, field);
		if (r)
			return r;
	}
	hvo__yield(sim, HVO_YP_PAGE_STORE, vaddr);
	__atomic_store_n((uint64_t *)(wr->base + (vaddr - page)), val, HVO_STORE_ORDER);
	return 0;
}

void hvo__writer_close(struct hvo_writer *wr)
{
	if (wr->open)
		hvo__access_end(wr->tok);
	wr->open = false;
	wr->page = UINT64_MAX;
}

int hvo__vmm_load_slow(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val)
{
	uint64_t *w, frame, v, g;
	bool rw;
	int r;

	hvo__yield(sim, HVO_YP_PAGE_LOAD, vaddr);
	for (;;) {
		/* seq_cst: ordered before the PTE loads of the walk */
		g = atomic_load(&sim->flush_started);
		r = resolve(sim, vaddr, &w, &rw, &frame);
		if (unlikely(r == -EAGAIN)) {
			hvo__lazy_init(sim, vaddr);
			continue;
		}
		if (unlikely(r))
			return r;
		/* acquire: as in hvo__vmm_load_inline() */
		v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
		if (likely(atomic_load_explicit(&sim->flush_started, memory_order_relaxed) == g)) {
			*val = v;
			return 0;
		}
	}
}

int hvo__vmm_load(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val)
{
	return hvo__vmm_load_inline(sim, vaddr, val);
}

int hvo__vmm_store(struct hvo_sim *sim, uint64_t vaddr, uint64_t val,
		   const char *op, int field)
{
	uint64_t *w = NULL, frame = 0;
	bool rw = false;
	int r;

	hvo__yield(sim, HVO_YP_PAGE_STORE, vaddr);
	ACCESS_BEGIN(sim, vaddr, w, rw, frame, r);
	if (likely(!r)) {
		if (likely(rw))
			__atomic_store_n(w, val, HVO_STORE_ORDER);
		else
			r = -EFAULT;
	}
	hvo__access_end(tok_);
	if (r == -EFAULT && !rw && w)
		ro_write_fault(sim, vaddr, frame, op, field);
	return r;
}

/* _refcount is the high half of word 6 on a little-endian host */
static inline uint32_t *refcount_ptr(uint64_t *w)
{
	return (uint32_t *)w + 1;
}

/* a negative delta that would take the 32-bit count below 0 */
static bool underflows(uint32_t cur, int32_t nr)
{
	return nr < 0 && (int64_t)(int32_t)cur + nr < 0;
}

int hvo__vmm_add_unless32(struct hvo_sim *sim, uint64_t vaddr, int32_t nr,
			  int32_t u, int field, int32_t *seen)
{
	uint64_t *w = NULL, frame = 0;
	uint32_t *p, cur = 0;
	bool rw = false, faulted = false, under = false;
	int r, added = 0;

	hvo__yield(sim, HVO_YP_REFCOUNT, vaddr);
	ACCESS_BEGIN(sim, vaddr, w, rw, frame, r);
	if (likely(!r)) {
		/* atomic_add_unless(): a read that finds u writes nothing */
		p = refcount_ptr(w);
		cur = __atomic_load_n(p, __ATOMIC_RELAXED);
		while ((int32_t)cur != u) {
			if (underflows(cur, nr)) {
				under = true;
				break;
			}
			if (!rw) {
				faulted = true;
				break;
			}
			if (__atomic_compare_exchange_n(p, &cur, cur + (uint32_t)nr, false,
							__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
				added = 1;
				break;
			}
		}
	}
	hvo__access_end(tok_);
	if (seen)
		*seen = (int32_t)cur;
	if (faulted) {
		ro_write_fault(sim, vaddr, frame, "add_unless", field);
		return -EFAULT;
	}
	if (under)
		return -ERANGE;
	return r ? r : added;
}

/* atomic_add_return() on _refcount, refusing a result below 0 (-ERANGE,
 * nothing written, *newval the count found) */
int hvo__vmm_add32(struct hvo_sim *sim, uint64_t vaddr, int32_t nr,
		   int32_t *newval, int field)
{
	uint64_t *w = NULL, frame = 0;
	bool rw = false;
	int r;
	uint32_t *p, cur = 0;

	hvo__yield(sim, HVO_YP_REFCOUNT, vaddr);
	ACCESS_BEGIN(sim, vaddr, w, rw, frame, r);
	if (likely(!r)) {
		p = refcount_ptr(w);
		cur = __atomic_load_n(p, __ATOMIC_RELAXED);
		for (;;) {
			if (underflows(cur, nr)) {
				r = -ERANGE;
				break;
			}
			if (!rw) {
				r = -EFAULT;
				break;
			}
			if (__atomic_compare_exchange_n(p, &cur, cur + (uint32_t)nr, false,
							__ATOMIC_SEQ_CST, __ATOMIC_RELAXED)) {
				cur += (uint32_t)nr;
				break;
			}
		}
	}
	hvo__access_end(tok_);
	if (r == -EFAULT && w && !rw) {
		ro_write_fault(sim, vaddr, frame, "ref_add", field);
		return r;
	}
	if ((!r || r == -ERANGE) && newval)
		*newval = (int32_t)cur;
	return r;
}

int hvo__vmm_cmpxchg32(struct hvo_sim *sim, uint64_t vaddr, uint32_t old,
		       uint32_t new, int field)
{
	uint64_t *w = NULL, frame = 0;
	bool rw = false, faulted = false;
	int r, ok = 0;
	uint32_t cur;

	hvo__yield(sim, HVO_YP_REFCOUNT, vaddr);
	ACCESS_BEGIN(sim, vaddr, w, rw, frame, r);
	if (likely(!r)) {
		cur = __atomic_load_n(refcount_ptr(w), __ATOMIC_RELAXED);
		if (cur == old) {
			if (!rw)
				faulted = true;
			else
				ok = __atomic_compare_exchange_n(refcount_ptr(w), &cur, new,
								 false, __ATOMIC_SEQ_CST,
								 __ATOMIC_RELAXED);
		}
	}
	hvo__access_end(tok_);
	if (faulted) {
		ro_write_fault(sim, vaddr, frame, "cmpxchg", field);
		return -EFAULT;
	}
	return r ? r : ok;
}

int hvo__vmm_frame_of(struct hvo_sim *sim, uint64_t vaddr, uint64_t *frame,
		      bool *writable)
{
	uint64_t *slot, e;
	unsigned int level;
	int r = walk(sim, vaddr, &slot, &level, &e);

	if (r)
		return r;
	*frame = frame_in_entry(sim, e, level, vaddr);
	if (writable)
		*writable = e & HVO_PTE_RW;
	return 0;
}

HVO_EXPORT int hvo_vmemmap_translate(struct hvo_sim *sim, uint64_t vaddr,
				     struct hvo_translation *tr)
{
	uint64_t *slot, e;
	unsigned int level;
	int r;

	HVO_NONNULL("vmemmap_translate", sim);
	HVO_NONNULL("vmemmap_translate", tr);
	r = walk(sim, vaddr, &slot, &level, &e);
	if (r)
		return hvo__err(r, "translate: %#" PRIx64 " is not mapped", vaddr);
	tr->level = level;
	tr->entry = e;
	tr->entry_pfn = (uint64_t)((uint8_t *)slot - sim->mem) >> sim->geo.page_shift;
	tr->entry_index = idx_at(sim, vaddr, level);
	tr->frame_pfn = frame_in_entry(sim, e, level, vaddr);
	tr->offset = vaddr & (sim->geo.page_size - 1);
	tr->writable = e & HVO_PTE_RW;
	return 0;
}

/* one vmemmap page's leaf entry in the flat view (entry: a PTE for the
 * page's own frame, with its present/RW/lazy bits) */
void hvo__flat_set(struct hvo_sim *sim, uint64_t vaddr, uint64_t entry)
{
	uint64_t idx = (vaddr - sim->flat_base) >> sim->geo.page_shift;

	if (sim->flat && idx < sim->flat_n) {
		atomic_store(&sim->flat[idx], flat_entry(sim, entry));
		hvo__cklog_flat(sim, idx);	/* hvo_check_track() */
	}
}

/* the level-1 (PMD) slot for vaddr, creating upper tables if asked */
int hvo__pmd_slot(struct hvo_sim *sim, uint64_t vaddr, unsigned int nid,
		  bool create, uint64_t **slotp)
{
	uint64_t tpfn = sim->root_pfn, e, *slot, npfn;
	unsigned int l = sim->geo.pgtable_levels - 1;
	int r;

	for (; l > 1; l--) {
		slot = table_of(sim, tpfn) + idx_at(sim, vaddr, l);
		e = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
		if (!(e & HVO_PTE_PRESENT)) {
			if (!create)
				return -EFAULT;
			r = hvo__alloc(sim, HVO_SITE_PGTABLE, nid, -1, 0,
				       HVO_KIND_PGTABLE, HVO_GFP_ZERO, &npfn);
			if (r)
				return r;
			e = (npfn << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT | HVO_PTE_RW;
			__atomic_store_n(slot, e, __ATOMIC_SEQ_CST);
		}
		tpfn = entry_pfn(e);
	}
	*slotp = table_of(sim, tpfn) + idx_at(sim, vaddr, 1);
	return 0;
}

/*
 * vmemmap_set_pmd(): map a PMD-size block of frames from pfn by a PMD leaf
 * at the (empty) slot pmd for vaddr, and its pages in the flat view.  Boot
 * population only: nobody else walks the table yet.
 */
void hvo__set_pmd_leaf(struct hvo_sim *sim, uint64_t *pmd, uint64_t vaddr,
		       uint64_t pfn, bool lazy)
{
	uint64_t pmd_size = 1ull << sim->geo.pmd_shift, i;
	uint64_t n = 1ull << (sim->geo.pmd_shift - sim->geo.page_shift);

	__atomic_store_n(pmd, (pfn << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT |
			 HVO_PTE_RW | HVO_PTE_LEAF | (lazy ? HVO_PTE_LAZY : 0),
			 __ATOMIC_SEQ_CST);
	for (i = 0; i < n; i++)
		hvo__flat_set(sim, (vaddr & ~(pmd_size - 1)) + (i << sim->geo.page_shift),
			      ((pfn + i) << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT |
			      HVO_PTE_RW | (lazy ? HVO_PTE_LAZY : 0));
}

/*
 * Map one vmemmap page.  Used by boot population and HVO remapping; the
 * caller serialises writers of one PTE.  PTE tables are created on demand.
 */
int hvo__map_pte(struct hvo_sim *sim, uint64_t vaddr, uint64_t pfn,
		 bool writable, bool lazy, uint64_t *old_pfn)
{
	uint64_t *pmd, e, tpfn, *pte, old;
	unsigned int nid = 0;
	int r;

	r = hvo__pmd_slot(sim, vaddr, nid, true, &pmd);
	if (r)
		return r;
	e = __atomic_load_n(pmd, __ATOMIC_SEQ_CST);
	if (e & HVO_PTE_LEAF)
		return hvo__err(-EINVAL, "set_pte: %#" PRIx64 " is mapped by a PMD leaf; "
				"split it first", vaddr);
	if (!(e & HVO_PTE_PRESENT)) {
		r = hvo__alloc(sim, HVO_SITE_PGTABLE, nid, -1, 0, HVO_KIND_PGTABLE,
			       HVO_GFP_ZERO, &tpfn);
		if (r)
			return r;
		e = (tpfn << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT | HVO_PTE_RW;
		__atomic_store_n(pmd, e, __ATOMIC_SEQ_CST);
	}
	pte = table_of(sim, entry_pfn(e)) + idx_at(sim, vaddr, 0);
	hvo__yield(sim, HVO_YP_PTE_STORE, vaddr);
	hvo__record_map(sim, pfn);
	e = (pfn << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT | (writable ? HVO_PTE_RW : 0) |
	    (lazy ? HVO_PTE_LAZY : 0);
	/* entry writers serialise on the ptl, so the entry and its flat view
	 * change together (lazy init rewrites entries too) */
	pthread_mutex_lock(&sim->ptl);
	old = __atomic_exchange_n(pte, e, __ATOMIC_SEQ_CST);
	/* the flat view changes before the unmap is recorded: a reader that
	 * still used the old entry is covered by the next flush */
	hvo__flat_set(sim, vaddr, e);
	pthread_mutex_unlock(&sim->ptl);
	if (old & HVO_PTE_PRESENT) {
		hvo__record_unmap(sim, entry_pfn(old));
		if (old_pfn)
			*old_pfn = entry_pfn(old);
	} else if (old_pfn) {
		*old_pfn = HVO_NIL;
	}
	return 0;
}

/*
 * hvo__map_pte() of @n consecutive vmemmap pages from @vaddr in one PTE
 * table (the remap walk of a split PMD): page i's PTE gets pfn[i], RW if
 * rw[i], and old[i] the frame it mapped (HVO_NIL for none).  One table
 * lookup and one ptl section for the run, each frame's map count moved
 * once per run of equal frames; the stores are the same, in order.  Only
 * without a scheduler hook (each PTE store is a yield point there), and
 * only where a PTE table maps the run already: else -EINVAL, nothing done.
 */
int hvo__map_ptes(struct hvo_sim *sim, uint64_t vaddr, uint64_t n, const uint64_t *pfn,
		  const bool *rw, uint64_t *old)
{
	uint64_t *pmd, *pte, e, o, i, j;
	unsigned int first = idx_at(sim, vaddr, 0);

	if (hvo__yield_hooked(sim) || first + n > sim->level_entries[0] ||
	    hvo__pmd_slot(sim, vaddr, 0, false, &pmd))
		return -EINVAL;
	e = __atomic_load_n(pmd, __ATOMIC_SEQ_CST);
	if (!(e & HVO_PTE_PRESENT) || (e & HVO_PTE_LEAF))
		return -EINVAL;
	pte = table_of(sim, entry_pfn(e)) + first;
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && pfn[j] == pfn[i]; j++)
			;
		hvo__record_map_n(sim, pfn[i], (uint32_t)(j - i));
	}
	pthread_mutex_lock(&sim->ptl);
	for (i = 0; i < n; i++) {
		e = (pfn[i] << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT | (rw[i] ? HVO_PTE_RW : 0);
		o = __atomic_exchange_n(&pte[i], e, __ATOMIC_SEQ_CST);
		hvo__flat_set(sim, vaddr + (i << sim->geo.page_shift), e);
		old[i] = (o & HVO_PTE_PRESENT) ? entry_pfn(o) : HVO_NIL;
	}
	pthread_mutex_unlock(&sim->ptl);
	for (i = 0; i < n; i = j) {
		for (j = i + 1; j < n && old[j] == old[i]; j++)
			;
		if (old[i] != HVO_NIL)
			hvo__record_unmap_n(sim, old[i], (uint32_t)(j - i));
	}
	return 0;
}

/* pte_clear(): used only to undo a failed boot HVO population */
int hvo__clear_pte(struct hvo_sim *sim, uint64_t vaddr)
{
	uint64_t *slot, e;
	unsigned int level;

	if (walk(sim, vaddr, &slot, &level, &e) || level)
		return -EINVAL;
	pthread_mutex_lock(&sim->ptl);
	__atomic_store_n(slot, 0, __ATOMIC_SEQ_CST);
	hvo__flat_set(sim, vaddr, 0);
	pthread_mutex_unlock(&sim->ptl);
	hvo__record_unmap(sim, entry_pfn(e));
	return 0;
}

static int frame_mappable(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_frame_info fi;

	if (pfn >= sim->geo.nr_pfns)
		return hvo__err(-EINVAL, "set_pte: frame %#" PRIx64 " is outside the machine", pfn);
	hvo_frame_info(sim, pfn, &fi);
	if (!fi.allocated || (fi.kind != HVO_KIND_VMEMMAP &&
			      fi.kind != HVO_KIND_SHARED_TAIL))
		return hvo__err(-EINVAL, "set_pte: frame %#" PRIx64 " is not an allocated "
				"vmemmap frame", pfn);
	return 0;
}

HVO_EXPORT int hvo_vmemmap_set_pte(struct hvo_sim *sim, uint64_t vaddr,
				   uint64_t pfn, bool writable, uint64_t *old_pfn)
{
	uint64_t *slot, e;
	unsigned int level;
	int r;

	HVO_NONNULL("vmemmap_set_pte", sim);
	if (vaddr & (sim->geo.page_size - 1))
		return hvo__err(-EINVAL, "set_pte: %#" PRIx64 " is not page aligned", vaddr);
	r = walk(sim, vaddr, &slot, &level, &e);
	if (r)
		return hvo__err(-EFAULT, "set_pte: %#" PRIx64 " is not mapped", vaddr);
	if (level != 0)
		return hvo__err(-EINVAL, "set_pte: %#" PRIx64 " is mapped by a level-%u leaf; "
				"split it first", vaddr, level);
	r = frame_mappable(sim, pfn);
	if (r)
		return r;
	if (e & HVO_PTE_LAZY)
		hvo__lazy_init(sim, vaddr);
	r = hvo__map_pte(sim, vaddr, pfn, writable, false, old_pfn);
	if (!r)
		hvo__adopt_frame(sim, pfn);
	return r;
}

HVO_EXPORT int hvo_vmemmap_set_ro(struct hvo_sim *sim, uint64_t start,
				  uint64_t end, bool writable)
{
	uint64_t v, *slot, e;
	unsigned int level;
	int r;

	HVO_NONNULL("vmemmap_set_ro", sim);
	if ((start & (sim->geo.page_size - 1)) || end < start)
		return hvo__err(-EINVAL, "vmemmap_set_ro: start %#" PRIx64 " to end %#" PRIx64
				" is not a page-aligned range", start, end);
	/* check first: all or nothing */
	for (v = start; v < end; v += sim->geo.page_size) {
		r = walk(sim, v, &slot, &level, &e);
		if (r)
			return hvo__err(-EFAULT, "set_ro: %#" PRIx64 " is not mapped", v);
		if (level)
			return hvo__err(-EINVAL, "set_ro: %#" PRIx64 " is mapped by a leaf", v);
	}
	for (v = start; v < end; v += sim->geo.page_size) {
		hvo__yield(sim, HVO_YP_PTE_STORE, v);
		pthread_mutex_lock(&sim->ptl);
		walk(sim, v, &slot, &level, &e);
		if (writable)
			e = __atomic_or_fetch(slot, HVO_PTE_RW, __ATOMIC_SEQ_CST);
		else
			e = __atomic_and_fetch(slot, ~HVO_PTE_RW, __ATOMIC_SEQ_CST);
		hvo__flat_set(sim, v, e);
		pthread_mutex_unlock(&sim->ptl);
	}
	return 0;
}

HVO_EXPORT int hvo_vmemmap_split_pmd(struct hvo_sim *sim, uint64_t vaddr,
				     bool flush)
{
	uint64_t *pmd, e, tpfn, leaf, *pte, i, n;
	struct hvo_frame_info fi;
	int r;

	HVO_NONNULL("vmemmap_split_pmd", sim);
	r = hvo__pmd_slot(sim, vaddr, 0, false, &pmd);
	if (r)
		return hvo__err(-EFAULT, "split_pmd: %#" PRIx64 " is not mapped", vaddr);
	e = __atomic_load_n(pmd, __ATOMIC_SEQ_CST);
	if (!(e & HVO_PTE_PRESENT))
		return hvo__err(-EFAULT, "split_pmd: %#" PRIx64 " is not mapped", vaddr);
	if (!(e & HVO_PTE_LEAF))
		return 0;
	leaf = entry_pfn(e);
	hvo_frame_info(sim, leaf, &fi);
	/* the table comes first, outside the lock, like pte_alloc_one_kernel() */
	r = hvo__alloc(sim, HVO_SITE_PGTABLE, 0, -1, 0, HVO_KIND_PGTABLE,
		       HVO_GFP_ZERO, &tpfn);
	if (r)
		return r;
	hvo__yield(sim, HVO_YP_LOCK, vaddr);
	pthread_mutex_lock(&sim->ptl);
	e = __atomic_load_n(pmd, __ATOMIC_SEQ_CST);
	if (!(e & HVO_PTE_LEAF)) {
		/* someone split it while we allocated: the loser frees its table */
		pthread_mutex_unlock(&sim->ptl);
		cnt_add(sim, pmd_split_races, 1);
		hvo__free(sim, tpfn, 0, false);
		return 0;
	}
	/* entries are built under the lock so the lazy bit is the current one */
	pte = table_of(sim, tpfn);
	n = sim->level_entries[0];
	for (i = 0; i < n; i++)
		__atomic_store_n(&pte[i], ((leaf + i) << HVO_PTE_PFN_SHIFT) |
				 (e & (HVO_PTE_PRESENT | HVO_PTE_RW | HVO_PTE_LAZY)),
				 __ATOMIC_RELAXED);
	/* split_page(): each frame can now be freed on its own */
	if (fi.allocated && fi.head_pfn == leaf && fi.order)
		hvo__split_block(sim, leaf);
	/* smp_wmb() + pmd_populate_kernel(): seq_cst store publishes the table */
	__atomic_store_n(pmd, (tpfn << HVO_PTE_PFN_SHIFT) | HVO_PTE_PRESENT | HVO_PTE_RW,
			 __ATOMIC_SEQ_CST);
	cnt_add(sim, pmd_splits, 1);
	pthread_mutex_unlock(&sim->ptl);
	if (flush)
		hvo_flush_tlb_kernel_range(sim, vaddr, vaddr + (1ull << sim->geo.pmd_shift));
	return 0;
}

/* the tables under @tpfn (a table of @level), @tpfn included */
static uint64_t tables_under(struct hvo_sim *sim, uint64_t tpfn, unsigned int level,
			     hvo__table_fn fn, void *ctx)
{
	const uint64_t *t = table_of(sim, tpfn);
	uint64_t n = 1, e;
	unsigned int i;

	if (fn)
		fn(ctx, tpfn, level);
	for (i = 0; level && i < sim->level_entries[level]; i++) {
		e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);
		if ((e & HVO_PTE_PRESENT) && !(e & HVO_PTE_LEAF))
			n += tables_under(sim, entry_pfn(e), level - 1, fn, ctx);
	}
	return n;
}

uint64_t hvo__pgtable_for_each_table(struct hvo_sim *sim, hvo__table_fn fn, void *ctx)
{
	return tables_under(sim, sim->root_pfn, sim->geo.pgtable_levels - 1, fn, ctx);
}

/*
 * hvo_sim_destroy(): a page-table frame the machine allocated that its page
 * table no longer reaches is a leak, as the kernel's free_pgtables() would
 * never find it (a PMD split that lost its race and kept its table, say).
 */
uint64_t hvo__pgtable_leaked(struct hvo_sim *sim, bool report)
{
	uint64_t have = atomic_load(&sim->c.machine_pgtables), reach, leaked;

	reach = hvo__pgtable_for_each_table(sim, NULL, NULL);
	leaked = have > reach ? have - reach : 0;
	if (leaked && report)
		fprintf(stderr, "hvosim: %" PRIu64 " page-table frame(s) of the vmemmap no longer "
			"reachable from its page table at destroy\n", leaked);
	return leaked;
}

HVO_EXPORT void hvo_vmemmap_range(const struct hvo_sim *sim, uint64_t pfn,
				  uint64_t nr, uint64_t *start, uint64_t *end)
{
	HVO_NONNULL_OR("vmemmap_range", sim, );
	HVO_NONNULL_OR("vmemmap_range", start, );
	HVO_NONNULL_OR("vmemmap_range", end, );
	*start = sim->geo.vmemmap_base + pfn * sim->geo.stride;
	*end = *start + nr * sim->geo.stride;
}
