/* SPDX-License-Identifier: MIT */
/*
 * page.h - struct page words and compound pages (page.c).
 */
#ifndef HVOSIM_SRC_PAGE_H
#define HVOSIM_SRC_PAGE_H

#include "internal.h"

/* set_page_node() and set_page_zone(): the node and zone bits of flags */
static inline uint64_t hvo__flags_node_zone(unsigned int nid, unsigned int zone)
{
	return ((uint64_t)nid << HVO_NODES_PGSHIFT) |
	       ((uint64_t)zone << HVO_ZONES_PGSHIFT);
}

int hvo__word_vaddr(const struct hvo_sim *sim, uint64_t page, unsigned int word,
		    uint64_t *vaddr);
int hvo__check_rw(struct hvo_sim *sim, uint64_t pfn, uint64_t nr);
int hvo__prep_compound(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
		       uint64_t nr_init);
int hvo__page_ref_add(struct hvo_sim *sim, uint64_t page, int32_t nr,
		      int32_t *newval, const char *op);
int hvo__destroy_compound(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
			  uint64_t nr_init);

#endif /* HVOSIM_SRC_PAGE_H */
