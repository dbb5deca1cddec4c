/* SPDX-License-Identifier: MIT */
/*
 * hvosim/frames.h - frames for the harness: allocate, free and read
 * simulated frames from a test harness (the buddy underneath is
 * page_alloc.h).
 *
 * A block allocated here is the harness's until it frees it, or until it
 * maps one of its frames into the vmemmap (hvo_vmemmap_set_pte()), which
 * makes the block the machine's; hvo_sim_destroy() reports the harness's
 * blocks still allocated as leaks.
 *
 * Concurrency on one machine (X: may run concurrently; o: may, but not on
 * the same block; -: must not):
 *
 *                                                 [1] [2] [3]
 *   [1] hvo_alloc_frames, hvo_alloc_frames_zone    X   X   X
 *   [2] hvo_free_frames                            X   o   X
 *   [3] hvo_frame_bytes                            X   X   X
 *
 *   Each zone has its own lock (zone->lock): [1] [2] take the locks of the
 *   zones they touch, [3] that of the frame's zone.
 *   [2] o: a block is freed once, by its owner.  Two frees of one block
 *       are serialised by the zone lock and the second is refused as a
 *       double free, unless the block was allocated again in between: then
 *       it frees someone else's block.
 *   [3] the pointer stays valid for the machine's life; while other threads
 *       may write the frame, read it with atomic loads.
 *   Other headers: X with page_alloc.h; hvo_sim_destroy (sim.h) and
 *   hvo_sim_set_yield_hook (sched.h): - with every call here; hvo_check
 *   (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_FRAMES_H
#define HVOSIM_FRAMES_H

#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** hvo_alloc_frames() flags */
#define HVO_GFP_THISNODE 0x1u	/* __GFP_THISNODE: no fallback to other nodes */
#define HVO_GFP_ZERO	 0x2u	/* __GFP_ZERO: zero the host bytes */

/**
 * hvo_alloc_frames() - allocate 2^order contiguous frames.
 * @sim: the machine.
 * @nid: preferred node.
 * @order: 0..max_folio_order.
 * @kind: what the frames are for (decides whether they get host bytes).
 * @flags: HVO_GFP_*.
 * @pfn: the first frame.
 *
 * Zones are tried from the highest to the lowest (Movable is used only for
 * HVO_KIND_HUGETLB and HVO_KIND_OTHER, as with __GFP_MOVABLE), then other
 * nodes in order unless HVO_GFP_THISNODE.
 *
 * Return: 0; -ENOMEM (no memory, or injected); -EINVAL for a bad node,
 * order or kind.
 */
int hvo_alloc_frames(struct hvo_sim *sim, unsigned int nid, unsigned int order,
		     enum hvo_frame_kind kind, unsigned int flags, uint64_t *pfn);

/**
 * hvo_alloc_frames_zone() - allocate from one zone only.
 * @sim: the machine.
 * @nid: node.
 * @zone: zone.
 * @order: order.
 * @kind: kind.
 * @flags: HVO_GFP_ZERO only.
 * @pfn: the first frame.
 *
 * Return: as hvo_alloc_frames().
 */
int hvo_alloc_frames_zone(struct hvo_sim *sim, unsigned int nid,
			  enum hvo_zone_type zone, unsigned int order,
			  enum hvo_frame_kind kind, unsigned int flags,
			  uint64_t *pfn);

/**
 * hvo_free_frames() - free a block from hvo_alloc_frames().
 * @sim: the machine.
 * @pfn: its first frame.
 * @order: its order.
 *
 * A frame that was mapped in the vmemmap may be freed only once it is
 * unmapped and a TLB flush has completed since: otherwise the free is
 * refused, a fault record is logged and nothing changes.
 *
 * The machine's own frames are refused with -EBUSY: a page table of the
 * vmemmap, and the frames of a hugetlb folio (free those with
 * hvo_folio_put(), hvo_folio_dissolve() or hvo_pool_shrink()).
 *
 * Return: 0; -EINVAL if @pfn/@order is not an allocated block; -EBUSY if it
 * is still mapped or not yet flushed, or is the machine's.
 */
int hvo_free_frames(struct hvo_sim *sim, uint64_t pfn, unsigned int order);

/**
 * hvo_frame_bytes() - host bytes of a frame, for reading in tests and tools.
 * @sim: the machine.
 * @pfn: the frame.
 *
 * Return: the PAGE_SIZE bytes, or NULL if the frame has never held bytes
 * (not a failure), or for a NULL @sim or a pfn beyond the machine (a
 * failure: hvo_last_error() names it).
 * Concurrent writers use atomic word stores; read with atomic loads.
 */
const void *hvo_frame_bytes(struct hvo_sim *sim, uint64_t pfn);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_FRAMES_H */
