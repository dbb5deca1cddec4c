/* SPDX-License-Identifier: MIT */
/*
 * hvosim/tlb.h - the TLB of the fake vmemmap: flush_tlb_kernel_range() and
 * flush_tlb_all() (arch tlbflush.h).
 *
 * TLB model: no translation is cached, so a PTE store is seen by every later
 * access at once; what a flush gives is the shootdown's guarantee: it returns
 * only when every access that began before it has finished.  A frame that
 * was unmapped may be freed only after a flush that began after the unmap.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                 [1]
 *   [1] hvo_flush_tlb_kernel_range,                X
 *       hvo_flush_tlb_all
 *
 *   [1] serialise on the flush lock and wait for every struct page write
 *       that began before them.
 *   Other headers: X with pgtable.h; hvo_sim_destroy (sim.h) and
 *   hvo_sim_set_yield_hook (sched.h): - with every call here.
 */
#ifndef HVOSIM_TLB_H
#define HVOSIM_TLB_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hvo_sim;

/**
 * hvo_flush_tlb_kernel_range() - flush_tlb_kernel_range().
 * @sim: the machine (NULL: nothing happens).
 * @start: start of the range (counted only; every flush waits for all
 *	in-flight accesses, as a shootdown IPI would).
 * @end: end of the range.
 */
void hvo_flush_tlb_kernel_range(struct hvo_sim *sim, uint64_t start,
				uint64_t end);

/**
 * hvo_flush_tlb_all() - flush_tlb_all().
 * @sim: the machine (NULL: nothing happens).
 */
void hvo_flush_tlb_all(struct hvo_sim *sim);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_TLB_H */
