/* SPDX-License-Identifier: MIT */
/*
 * vmm.h - the hot path of a struct page access through the fake vmemmap
 * page table: the walk, and loads, inline so compound_head() is one call.
 *
 * Loads take no lock and do no read-modify-write.  They are validated like
 * a seqlock read against the flush counter: a frame can be freed only after
 * a flush that began after it was unmapped (tlb.c), and every flush bumps
 * flush_started first, so a load whose counter did not move read a frame
 * that was not yet freed -- what a shootdown guarantees a CPU.  A load that
 * overlapped a flush is simply repeated.  Stores and RMWs (tlb.h) count
 * themselves in and out instead: a write cannot be repeated.
 */
#ifndef HVOSIM_VMM_H
#define HVOSIM_VMM_H

#include <errno.h>

#include "internal.h"
#include "sched.h"

static inline uint64_t *table_of(struct hvo_sim *sim, uint64_t pfn)
{
	return (uint64_t *)hvo__frame(sim, pfn);
}

static inline uint64_t entry_pfn(uint64_t e)
{
	return (e & HVO_PTE_PFN_MASK) >> HVO_PTE_PFN_SHIFT;
}

/* the flat view's form of a present PTE: the frame's host address and the
 * PTE's bits below it (struct hvo_sim, flat) */
#define HVO_FLAT_BITS (HVO_PTE_PRESENT | HVO_PTE_RW | HVO_PTE_LAZY)
#define HVO_FLAT_ADDR (~0xfffull)

static inline uint64_t flat_entry(const struct hvo_sim *sim, uint64_t pte)
{
	if (!(pte & HVO_PTE_PRESENT))
		return 0;
	/* not hvo__frame(): mapping a frame does not touch its bytes (a
	 * snapshot's touch log, track.c, would save them for nothing) */
	return (uint64_t)(uintptr_t)(sim->mem + (entry_pfn(pte) << sim->geo.page_shift)) |
	       (pte & HVO_FLAT_BITS);
}

/* the pfn of the frame a present flat entry maps */
static inline uint64_t flat_entry_pfn(const struct hvo_sim *sim, uint64_t fe)
{
	return (uint64_t)((uint8_t *)(uintptr_t)(fe & HVO_FLAT_ADDR) - sim->mem) >>
	       sim->geo.page_shift;
}

static inline unsigned int idx_at(const struct hvo_sim *sim, uint64_t vaddr,
				  unsigned int level)
{
	return (unsigned int)((vaddr >> sim->level_shift[level]) &
			      (sim->level_entries[level] - 1));
}

/* the entry that maps vaddr: a PTE (level 0) or a leaf above it */
static inline int walk(struct hvo_sim *sim, uint64_t vaddr, uint64_t **slotp,
		       unsigned int *levelp, uint64_t *entryp)
{
	uint64_t tpfn = sim->root_pfn, e, *slot;
	unsigned int l = sim->geo.pgtable_levels - 1;

	for (;;) {
		slot = table_of(sim, tpfn) + idx_at(sim, vaddr, l);
		e = __atomic_load_n(slot, __ATOMIC_SEQ_CST);
		if (!(e & HVO_PTE_PRESENT))
			return -EFAULT;
		if (l == 0 || (e & HVO_PTE_LEAF)) {
			*slotp = slot;
			*levelp = l;
			*entryp = e;
			return 0;
		}
		tpfn = entry_pfn(e);
		l--;
	}
}

static inline uint64_t frame_in_entry(const struct hvo_sim *sim, uint64_t e,
				      unsigned int level, uint64_t vaddr)
{
	uint64_t span = 1ull << (sim->level_shift[level] - sim->geo.page_shift);

	return entry_pfn(e) + ((vaddr >> sim->geo.page_shift) & (span - 1));
}

/*
 * Resolve vaddr to a host word inside an access section.  -EAGAIN: the
 * frames are lazy; the caller leaves the section, runs lazy_init() and
 * retries (never initialise inside a section: a flusher may hold the ptl).
 */
static inline int resolve(struct hvo_sim *sim, uint64_t vaddr, uint64_t **word,
			  bool *rw, uint64_t *frame)
{
	uint64_t *slot, e, f, idx = (vaddr - sim->flat_base) >> sim->geo.page_shift;
	unsigned int level;
	int r;

	/* the flat view of leaf entries: one load */
	if (likely(idx < sim->flat_n)) {
		e = atomic_load(&sim->flat[idx]);
		if (unlikely(!(e & HVO_PTE_PRESENT)))
			return -EFAULT;
		if (unlikely(e & HVO_PTE_LAZY))
			return -EAGAIN;
		*word = (uint64_t *)(uintptr_t)((e & HVO_FLAT_ADDR) + (vaddr & sim->page_mask));
		*rw = e & HVO_PTE_RW;
		*frame = flat_entry_pfn(sim, e);
		/* the entry led straight to the bytes, past hvo__frame(): report
		 * the touch it would have (a snapshot's undo log, track.c; the
		 * tracked checker's log, check_log.c) */
		hvo__touch(sim, *frame, true);
		return 0;
	}
	r = walk(sim, vaddr, &slot, &level, &e);
	if (unlikely(r))
		return r;
	if (unlikely(e & HVO_PTE_LAZY))
		return -EAGAIN;
	f = frame_in_entry(sim, e, level, vaddr);
	*word = (uint64_t *)(hvo__frame(sim, f) + (vaddr & (sim->geo.page_size - 1)));
	*rw = e & HVO_PTE_RW;
	*frame = f;
	return 0;
}

/* the whole load: yield point, walk when the flat view cannot answer, lazy
 * init, retry after a flush (pgtable.c) */
int hvo__vmm_load_slow(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val);

/*
 * The load's common case, inline, calling nothing: no scheduler hook (the
 * yield point would do nothing: sim->fast_n is 0 while one is set), a
 * present and initialised entry in the flat view, no flush overlapping.  false: anything else; the caller runs
 * hvo__vmm_load_slow(), which starts over with the same rules.
 */
static inline bool hvo__vmm_try_load(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val)
{
	uint64_t idx = (vaddr - sim->flat_base) >> sim->geo.page_shift, e, g, v;
	const uint64_t *w;

	/* one compare for both: outside the flat view, or a hook is set */
	if (unlikely(idx >= atomic_load_explicit(&sim->fast_n, memory_order_relaxed)))
		return false;
	/* seq_cst: ordered before the entry load */
	g = atomic_load(&sim->flush_started);
	e = atomic_load(&sim->flat[idx]);
	if (unlikely((e & (HVO_PTE_PRESENT | HVO_PTE_LAZY)) != HVO_PTE_PRESENT))
		return false;
	w = (const uint64_t *)(uintptr_t)((e & HVO_FLAT_ADDR) + (vaddr & sim->page_mask));
	/* acquire: the recheck below cannot move above it, and a frame
	 * poisoned or reused after a free is written with release stores */
	v = __atomic_load_n(w, __ATOMIC_ACQUIRE);
	if (unlikely(atomic_load_explicit(&sim->flush_started, memory_order_relaxed) != g))
		return false;
	*val = v;
	return true;
}

static inline int hvo__vmm_load_inline(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val)
{
	if (likely(hvo__vmm_try_load(sim, vaddr, val)))
		return 0;
	return hvo__vmm_load_slow(sim, vaddr, val);
}

#endif /* HVOSIM_VMM_H */
