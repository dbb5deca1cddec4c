/* SPDX-License-Identifier: MIT */
/*
 * hvosim/page_alloc.h - the simulated buddy allocator (mm/page_alloc.c).
 *
 * Frames are simulated pfns.  Only frames of kind vmemmap, page table and
 * shared tail get host bytes, so a machine's host footprint follows what it
 * uses.  Freed frames that had bytes are poisoned (HVO_PAGE_POISON) and kept:
 * hvo_frame_bytes() of one reads poison, never freed host memory.  The
 * poison is written when the frame is read or handed out again; a load
 * through the vmemmap never sees a freed frame (nothing maps it, and a load
 * that raced with the flush that allowed the free is repeated).  The host
 * bytes of the most recently freed 32 MiB of them stay; older ones go back
 * to the host, and still read poison through hvo_frame_bytes().
 *
 * The harness's own allocations (hvo_alloc_frames(), hvo_free_frames(),
 * hvo_frame_bytes()) are in frames.h, included here.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                 [1] [2]
 *   [1] hvo_frame_info                             X   X
 *   [2] hvo_zone_free_pages                        X   X
 *
 *   Each zone has its own lock (zone->lock): [1] takes that of the frame's
 *   zone, [2] reads an atomic count.
 *   Other headers: X with frames.h; hvo_sim_destroy (sim.h) and
 *   hvo_sim_set_yield_hook (sched.h): - with every call here; hvo_check
 *   (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_PAGE_ALLOC_H
#define HVOSIM_PAGE_ALLOC_H

#include <stdint.h>

#include "frames.h"
#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** The byte pattern freed frames are filled with (PAGE_POISON). */
#define HVO_PAGE_POISON 0xaa

/**
 * struct hvo_frame_info - what the allocator knows of a frame.
 * @allocated: inside an allocated block.
 * @head_pfn: first frame of the block it is in (free or allocated).
 * @order: that block's order.
 * @kind: its kind (allocated blocks).
 * @boot: allocated by memblock at boot.
 * @vmap_count: vmemmap PTEs (or PMD leaves) that map it now.
 * @buddy: it is the first frame of a free buddy block (PageBuddy()).
 */
struct hvo_frame_info {
	int allocated;
	uint64_t head_pfn;
	unsigned int order;
	enum hvo_frame_kind kind;
	int boot;
	uint32_t vmap_count;
	int buddy;
};

/**
 * hvo_frame_info() - look a frame up.
 * @sim: the machine.
 * @pfn: the frame.
 * @info: filled in.
 *
 * Return: 0, or -ERANGE for a pfn the machine does not have.
 */
int hvo_frame_info(struct hvo_sim *sim, uint64_t pfn, struct hvo_frame_info *info);

/**
 * hvo_zone_free_pages() - free pages in one zone's buddy lists.
 * @sim: the machine.
 * @nid: node.
 * @zone: zone.
 *
 * Return: the count; 0 for a node or zone that does not exist or a NULL
 * @sim (hvo_last_error() says which).
 */
uint64_t hvo_zone_free_pages(struct hvo_sim *sim, unsigned int nid,
			     enum hvo_zone_type zone);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_PAGE_ALLOC_H */
