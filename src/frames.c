// SPDX-License-Identifier: MIT
/*
 * frames.c - the harness's frames (include/hvosim/frames.h): allocate and
 * free blocks of the buddy from a test harness, read a frame's bytes, and
 * the rules that keep the harness's blocks apart from the machine's: the
 * vmemmap's page tables and the pool's hugetlb folios are refused, and the
 * harness's blocks still allocated at destroy are leaks.  It sits above
 * hugetlb.c (whose folios it refuses) and the page table (whose lazy
 * memmap init a read of a vmemmap frame completes); the buddy underneath
 * (page_alloc.c) knows nothing of the harness but the owner bit of a block.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>

#include "internal.h"
#include "arena.h"
#include "hugetlb_internal.h"
#include "error.h"
#include "frames.h"
#include "page_alloc.h"
#include "pgtable.h"

HVO_EXPORT int hvo_alloc_frames(struct hvo_sim *sim, unsigned int nid,
				unsigned int order, enum hvo_frame_kind kind,
				unsigned int flags, uint64_t *pfn)
{
	HVO_NONNULL("alloc_frames", sim);
	HVO_NONNULL("alloc_frames", pfn);
	if (flags & ~(HVO_GFP_THISNODE | HVO_GFP_ZERO))
		return hvo__err(-EINVAL, "alloc_frames: flags 0x%x has unknown bits", flags);
	return hvo__alloc(sim, HVO_SITE_GENERIC, nid, -1, order, kind, flags, pfn);
}

HVO_EXPORT int hvo_alloc_frames_zone(struct hvo_sim *sim, unsigned int nid,
				     enum hvo_zone_type zone, unsigned int order,
				     enum hvo_frame_kind kind, unsigned int flags,
				     uint64_t *pfn)
{
	int r;

	HVO_NONNULL("alloc_frames_zone", sim);
	HVO_NONNULL("alloc_frames_zone", pfn);
	r = hvo__check_zone("alloc_frames_zone", (int)zone, false);
	if (r)
		return r;
	if (flags & ~HVO_GFP_ZERO)
		return hvo__err(-EINVAL, "alloc_frames_zone: flags 0x%x: only HVO_GFP_ZERO is "
				"allowed for a zone allocation", flags);
	return hvo__alloc(sim, HVO_SITE_GENERIC, nid, (int)zone, order, kind,
			  flags, pfn);
}

HVO_EXPORT int hvo_free_frames(struct hvo_sim *sim, uint64_t pfn,
			       unsigned int order)
{
	struct hvo_frame_info fi;

	HVO_NONNULL("free_frames", sim);
	/* the machine's own frames are not the harness's to free */
	if (order <= sim->geo.max_folio_order && pfn < sim->geo.nr_pfns &&
	    pfn + (1ull << order) <= sim->geo.nr_pfns && !(pfn & ((1ull << order) - 1)) &&
	    !hvo_frame_info(sim, pfn, &fi) && fi.allocated && fi.order == order) {
		if (fi.kind == HVO_KIND_PGTABLE && fi.head_pfn == pfn &&
		    (hvo__meta(sim, pfn)->flags & FMF_MACHINE))
			return hvo__err(-EBUSY, "free: frame %#" PRIx64 " is a page table of the "
					"vmemmap", pfn);
		if (fi.kind == HVO_KIND_HUGETLB && hvo__folio_registered(sim, fi.head_pfn))
			return hvo__err(-EBUSY, "free: pfn %#" PRIx64 " belongs to hugetlb folio %#"
					PRIx64 "; use hvo_folio_put(), hvo_folio_dissolve() or "
					"hvo_pool_shrink()", pfn, fi.head_pfn);
	}
	return hvo__free(sim, pfn, order, true);
}

HVO_EXPORT const void *hvo_frame_bytes(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_zone *z;
	uint64_t lazy_vaddr = 0;
	bool has;

	HVO_NONNULL_OR("frame_bytes", sim, NULL);
	if (hvo__check_pfn(sim, "frame_bytes", pfn))
		return NULL;
	z = hvo__pfn_zone(sim, pfn);
	if (z)
		pthread_mutex_lock(&z->lock);
	has = hvo__meta(sim, pfn)->flags & FMF_EVER_BYTES;
	/* a free frame reads its poison: written now if still owed */
	if (z)
		hvo__frame_unrelease(sim, z, pfn);
	if (hvo__meta(sim, pfn)->prev == HVO_META_LAZY)
		lazy_vaddr = hvo__meta(sim, pfn)->next;
	if (z)
		pthread_mutex_unlock(&z->lock);
	/* never-touched struct pages hold memmap_init() content, as a reader
	 * through the vmemmap would see: write it now if still pending */
	if (lazy_vaddr) {
		uint64_t frame;

		if (!hvo__vmm_frame_of(sim, lazy_vaddr, &frame, NULL) && frame == pfn)
			hvo__lazy_init(sim, lazy_vaddr);
	}
	return has ? hvo__frame(sim, pfn) : NULL;
}

/* hvo_sim_destroy(): harness allocations still out are leaks */
uint64_t hvo__frames_leaked(struct hvo_sim *sim, bool report)
{
	uint64_t leaked = atomic_load(&sim->c.harness_in_use);

	if (leaked && report)
		fprintf(stderr, "hvosim: %" PRIu64 " frame(s) allocated with hvo_alloc_frames() "
			"still allocated at destroy\n", leaked);
	return leaked;
}
