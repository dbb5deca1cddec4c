/* SPDX-License-Identifier: MIT */
/*
 * page_alloc.h - the buddy allocator (page_alloc.c).
 */
#ifndef HVOSIM_SRC_PAGE_ALLOC_H
#define HVOSIM_SRC_PAGE_ALLOC_H

#include <errno.h>

#include "internal.h"

struct hvo_zone *hvo__pfn_zone(const struct hvo_sim *sim, uint64_t pfn);

/* page_to_nid() and page_zonenum() by pfn (hvo_pfn_zone()); -ERANGE: none */
static inline int hvo__pfn_nid_zone(const struct hvo_sim *sim, uint64_t pfn,
				    unsigned int *nid, enum hvo_zone_type *zone)
{
	const struct hvo_zone *z = hvo__pfn_zone(sim, pfn);

	if (!z)
		return -ERANGE;
	if (nid)
		*nid = z->nid;
	if (zone)
		*zone = z->type;
	return 0;
}
/* argument checks shared by every public call (-EINVAL, -ERANGE for a pfn),
 * each message naming @fn and the argument */
#define HVO_NUMA_ANY 1		/* hvo__check_node(): -1 means any node */
int hvo__check_node(const struct hvo_sim *sim, const char *fn, int nid, int flags);
int hvo__check_zone(const char *fn, int zone, bool any);
int hvo__check_pfn(const struct hvo_sim *sim, const char *fn, uint64_t pfn);
int hvo__check_order(const struct hvo_sim *sim, const char *fn, unsigned int order);
/*
 * hvo__alloc() @zone: -1 all zones, highest first (Movable only for movable
 * kinds); a zone: that zone only; a zone with HVO__GFP_ZONELIST in @flags:
 * the zonelist from that zone down, as gfp_zone() of a gfp mask makes it
 * the first zone an allocation walks (Movable, Normal, DMA32).
 */
#define HVO__GFP_ZONELIST 0x100u
/* the caller writes every byte of the frames before it maps them or lets
 * anyone else see them: their pending poison is not written (page_alloc.c) */
#define HVO__GFP_OVERWRITE 0x200u
/* PAGE_POISON in every byte */
#define HVO_POISON_WORD 0xaaaaaaaaaaaaaaaaull
int hvo__alloc(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
	       int zone, unsigned int order, enum hvo_frame_kind kind,
	       unsigned int flags, uint64_t *pfn);
/*
 * hvo__alloc() of @n order-0 pages of @kind on @nid (any zone), as many
 * calls would make them, each with its own fault injection draw (the
 * kernel's loop of alloc_pages_node()); the zone lock is taken once while
 * one zone serves them.  0: all in @pfns; else an error, *@got taken.
 */
int hvo__alloc_bulk(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
		    enum hvo_frame_kind kind, unsigned int flags, uint64_t n, uint64_t *pfns,
		    uint64_t *got);
int hvo__free(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
	      bool check_tlb);
/*
 * hvo__free(pfn, 0, true) of each of @pfns, as many calls would (what is
 * refused is logged and skipped); without a scheduler hook the zone lock
 * is taken once while one zone takes them, with one, every free is a yield
 * point of its own.  *@freed: frames freed, *@boot: of them memblock's.
 */
void hvo__free_bulk(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n, uint64_t *freed,
		    uint64_t *boot);
/* hvo__free() that also says whether memblock allocated the block (*@boot) */
int hvo__free_boot(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
		   bool check_tlb, bool *boot);
int hvo__split_block(struct hvo_sim *sim, uint64_t pfn);
int hvo__split_block_to(struct hvo_sim *sim, uint64_t pfn, unsigned int order);
void hvo__adopt_frame(struct hvo_sim *sim, uint64_t pfn);
/* write the poison a free left pending on @pfn's frame; zone->lock held */
uint64_t hvo__block_head(struct hvo_sim *sim, uint64_t pfn, enum hvo_frame_kind kind);
int hvo__buddy_init(struct hvo_sim *sim);

#endif /* HVOSIM_SRC_PAGE_ALLOC_H */
