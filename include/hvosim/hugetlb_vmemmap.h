/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hugetlb_vmemmap.h - HVO itself (mm/hugetlb_vmemmap.c): optimize and
 * restore one folio or a batch, in the configured scheme.
 *
 * The pool calls these on its own; a harness calls them to drive HVO step by
 * step on free pool folios.  Each call isolates the folios from the free
 * list for the duration, as the kernel's callers own their folios.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                 [1] [2] [3]
 *   [1] hvo_folio_optimize, hvo_folios_optimize    X   X   X
 *   [2] hvo_folio_restore, hvo_folios_restore      X   X   X
 *   [3] hvo_sim_set_timing                         X   X   X
 *
 *   [1] [2] isolate their folios under hugetlb_lock and work outside it; a
 *       folio another call has isolated gives -EBUSY, so calls may overlap
 *       even on one folio.  PTEs change under the ptl, frames come and go
 *       under zone->lock, old frames are freed only after a TLB flush.  The
 *       shared tail is published per tail_alloc: cmpxchg, under
 *       hugetlb_lock, or (none) not at all, the seed patch's race kept on
 *       purpose: two first optimizes of one (zone, order) may then map two
 *       tails.  With lifetime last-user the slot and its user count change
 *       together under the tail lock.
 *   [3] an atomic flag.
 *   Other headers: X with the pool calls (hugetlb.h), which isolate folios
 *   the same way, and with speculative walkers (walker.h); in the
 *   fake-head scheme a walker is safe only with rcu_sync on (commit
 *   bd225530a4c7).  - with writes to the struct pages or PTEs of a folio
 *   being worked on (page.h [2] [4] [5], pgtable.h [3]).  In the fake-head
 *   scheme with rcu_sync on, [1] [2] wait for a grace period: not inside
 *   an RCU read-side section on the same thread (walker.h).
 *   hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook (sched.h): - with
 *   every call here; hvo_check (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_HUGETLB_VMEMMAP_H
#define HVOSIM_HUGETLB_VMEMMAP_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * hvo_folio_optimize() - hugetlb_vmemmap_optimize_folio() on one free folio.
 * @sim: the machine.
 * @pfn: its head pfn.
 *
 * Shared-tail (v7.1): get the (zone, order) tail, set the optimized flag,
 * copy the head vmemmap page to a new frame, remap page 0 RW to the copy and
 * pages 1.. RO to the tail, flush, free every old page.  Fake-head: static
 * key inc, synchronize_rcu() if rcu_sync, remap tails RO onto the head copy.
 * A failed walk rolls back the walked prefix (the head keeps its copy).
 *
 * Return: 0 (also when the hstate is not optimizable: nothing happens, as in
 * the kernel; check hvo_folio_lookup()), -EINVAL if already optimized or not
 * a free folio, -EBUSY if isolated by someone else, -ENOMEM.
 */
int hvo_folio_optimize(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_folio_restore() - hugetlb_vmemmap_restore_folio() on one free folio.
 * @sim: the machine.
 * @pfn: its head pfn.
 *
 * All or nothing: allocates every tail vmemmap page first; on failure the
 * folio stays optimized.
 *
 * Return: 0, -EINVAL if not optimized or not a free folio, -EBUSY,
 * -ENOMEM.
 */
int hvo_folio_restore(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_folios_optimize() - hugetlb_vmemmap_optimize_folios() on a batch of
 * free folios: split every PMD, one flush, remap all (retrying once after a
 * flush and free on -ENOMEM), one flush, then free.
 * @sim: the machine.
 * @pfns: head pfns.
 * @nr: how many.
 * @optimized: how many ended up optimized (may be NULL).
 *
 * Return: 0 or -errno for bad input; running out of memory is not an
 * error, it leaves folios unoptimized.
 */
int hvo_folios_optimize(struct hvo_sim *sim, const uint64_t *pfns, uint64_t nr,
			uint64_t *optimized);

/**
 * hvo_folios_restore() - hugetlb_vmemmap_restore_folios() on a batch of free
 * folios: restore each without flushing, stop at the first failure, flush
 * once.
 * @sim: the machine.
 * @pfns: head pfns.
 * @nr: how many.
 * @restored: how many are restored now (may be NULL).
 *
 * Return: 0, -ENOMEM if one failed (it and those after it stay optimized),
 * -EINVAL for bad input.
 */
int hvo_folios_restore(struct hvo_sim *sim, const uint64_t *pfns, uint64_t nr,
		       uint64_t *restored);

/**
 * hvo_sim_set_timing() - measure synchronize_rcu() time (reads the
 * monotonic clock; off by default so the library never reads a clock unless
 * a benchmark asks).
 * @sim: the machine.
 * @on: measure or not.
 */
void hvo_sim_set_timing(struct hvo_sim *sim, bool on);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_HUGETLB_VMEMMAP_H */
