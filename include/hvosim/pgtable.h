/* SPDX-License-Identifier: MIT */
/*
 * hvosim/pgtable.h - the fake vmemmap page table (arch pgtable,
 * mm/sparse-vmemmap.c).
 *
 * Tables are frames with host bytes; an entry is a 64-bit word:
 *   bits 12..51: pfn, bit 0: present, bit 1: writable, bit 7: leaf (a PMD
 *   or higher entry that maps a block, like _PAGE_PSE).
 * Geometry: 4K pages: 4 levels of 512; 16K: 4 levels (2, 2048, 2048,
 * 2048); 64K: 3 levels (64, 8192, 8192), i.e. 48-bit VAs as on x86-64 and
 * arm64.
 *
 * The TLB and its flushes are in tlb.h, included here.
 *
 * Concurrency on one machine (X: may run concurrently; o: may, on
 * different PTEs only; -: must not):
 *
 *                                                 [1] [2] [3]
 *   [1] hvo_vmemmap_translate                      X   X   X
 *   [2] hvo_vmemmap_split_pmd                      X   X   X
 *   [3] hvo_vmemmap_set_pte, hvo_vmemmap_set_ro    X   X   o
 *
 *   [1] walks with atomic loads; a page-table page, once published, is
 *       never freed.
 *   [2] allocates the PTE table first, then rechecks the leaf under
 *       init_mm's page_table_lock (the ptl); the loser of a race frees its
 *       table (vmemmap_split_pmd()).
 *   [3] change an entry and its flat view together under the ptl, but a
 *       PTE has one writer, as the kernel's callers own the folio: two
 *       writers of one PTE must not overlap.
 *   No machine state, X with everything: hvo_vmemmap_range.
 *   Other headers: X with the flushes (tlb.h).  [3] on the vmemmap of a
 *   hugetlb folio - with the pool and HVO calls (hugetlb.h) that work on
 *   it.
 *   hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook (sched.h): - with
 *   every call here; hvo_check (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_PGTABLE_H
#define HVOSIM_PGTABLE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"
#include "tlb.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HVO_PTE_PRESENT 0x1ull
#define HVO_PTE_RW	0x2ull
#define HVO_PTE_LEAF	0x80ull
#define HVO_PTE_PFN_SHIFT 12
#define HVO_PTE_PFN_MASK 0x000ffffffffff000ull

/**
 * struct hvo_translation - the result of a walk.
 * @level: level of the entry that mapped the address: 0 = PTE, 1 = PMD, ...
 * @entry: the entry's raw value.
 * @entry_pfn: the table frame the entry lives in.
 * @entry_index: its index in that table.
 * @frame_pfn: the frame the address falls in.
 * @offset: byte offset inside that frame.
 * @writable: the mapping is RW.
 */
struct hvo_translation {
	unsigned int level;
	uint64_t entry;
	uint64_t entry_pfn;
	unsigned int entry_index;
	uint64_t frame_pfn;
	uint64_t offset;
	bool writable;
};

/**
 * hvo_vmemmap_translate() - walk the vmemmap page table for @vaddr.
 * @sim: the machine.
 * @vaddr: a simulated kernel virtual address.
 * @tr: the result.
 *
 * Return: 0, or -EFAULT if nothing maps @vaddr.
 */
int hvo_vmemmap_translate(struct hvo_sim *sim, uint64_t vaddr,
			  struct hvo_translation *tr);

/**
 * hvo_vmemmap_split_pmd() - split the PMD leaf that maps @vaddr into a PTE
 * table (vmemmap_split_pmd()).
 * @sim: the machine.
 * @vaddr: an address inside the leaf.
 * @flush: flush the range afterwards (not in batch mode).
 *
 * Allocates the table first, then under the page-table lock rechecks that
 * the entry is still a leaf; the loser of a race frees its table.  The
 * leaf's block of frames is split into order-0 frames so each can be freed
 * on its own (split_page()).
 *
 * Return: 0 (also if it was already split), -ENOMEM, -EFAULT if unmapped.
 */
int hvo_vmemmap_split_pmd(struct hvo_sim *sim, uint64_t vaddr, bool flush);

/**
 * hvo_vmemmap_set_pte() - point the PTE of @vaddr at @pfn.
 * @sim: the machine.
 * @vaddr: a PAGE_SIZE-aligned vmemmap address mapped by a PTE (split first).
 * @pfn: the new frame; it must be an allocated frame with host bytes.
 * @writable: PAGE_KERNEL (true) or PAGE_KERNEL_RO.
 * @old_pfn: the frame it mapped before (may be NULL).
 *
 * The old frame's unmap is recorded: it may be freed after the next flush.
 * A frame the harness allocated becomes the machine's once mapped here: it
 * is no longer the harness's to free, nor a leak at hvo_sim_destroy().
 *
 * Return: 0, -EINVAL (unaligned, not a PTE, bad frame), -EFAULT (unmapped).
 */
int hvo_vmemmap_set_pte(struct hvo_sim *sim, uint64_t vaddr, uint64_t pfn,
			bool writable, uint64_t *old_pfn);

/**
 * hvo_vmemmap_set_ro() - make the PTEs of [@start, @end) RO or RW without
 * changing the frames (vmemmap_wrprotect_hvo() and friends).
 * @sim: the machine.
 * @start: PAGE_SIZE-aligned start.
 * @end: end.
 * @writable: RW (true) or RO.
 *
 * Return: 0, -EINVAL if a part is mapped by a leaf or not aligned, -EFAULT.
 */
int hvo_vmemmap_set_ro(struct hvo_sim *sim, uint64_t start, uint64_t end,
		       bool writable);

/**
 * hvo_vmemmap_range() - the vmemmap address range of pfns [@pfn, @pfn + @nr).
 * @sim: the machine.
 * @pfn: first pfn.
 * @nr: how many.
 * @start: first byte of the first struct page.
 * @end: one past the last byte of the last struct page.
 *
 * Arithmetic, like hvo_pfn_to_page(): not range-checked.  A NULL argument:
 * nothing is written.
 */
void hvo_vmemmap_range(const struct hvo_sim *sim, uint64_t pfn, uint64_t nr,
		       uint64_t *start, uint64_t *end);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_PGTABLE_H */
