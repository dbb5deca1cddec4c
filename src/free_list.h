/* SPDX-License-Identifier: MIT */
/*
 * free_list.h - the buddy's free lists in the struct pages (free_list.c):
 * the links, order and PageBuddy of each free block's head, written
 * through the vmemmap where it holds struct pages already and computed at
 * lazy memmap_init() elsewhere.
 */
#ifndef HVOSIM_SRC_FREE_LIST_H
#define HVOSIM_SRC_FREE_LIST_H

#include "internal.h"

/*
 * The struct pages one zone->lock section of the buddy changed, written
 * through the vmemmap together before the lock is dropped: one access
 * section, each struct page once, showing the buddy's state at the end.
 * Nobody else writes them meanwhile (the lock), and no yield point falls
 * inside the section, so the explorer sees what it saw when each list
 * change wrote at once.
 */
#define HVO_FL_BATCH 32
struct hvo_fl_batch {
	struct hvo_zone *z;
	unsigned int n;
	uint64_t pfn[HVO_FL_BATCH];
};

static inline void hvo__fl_batch_init(struct hvo_fl_batch *b, struct hvo_zone *z)
{
	b->z = z;
	b->n = 0;
}

/* write the batch's struct pages, empty it; zone->lock held */
void hvo__free_list_write(struct hvo_sim *sim, struct hvo_fl_batch *b);

/* zone->lock held: @pfn was added to its list / taken off it (between
 * @prev and @next, HVO_NIL for the list head); the struct pages to write
 * go on @b */
void hvo__free_list_added(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn);
void hvo__free_list_deleted(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn,
			    uint64_t prev, uint64_t next);

/* lazy memmap_init() of the @n vmemmap pages at @vaddr, in frames from
 * @frame: lock the zones their struct pages cover (under the ptl), fill in
 * the free heads' words after memmap_init(), unlock once no longer lazy */
void hvo__free_list_lock(struct hvo_sim *sim, uint64_t vaddr, uint64_t n);
void hvo__free_list_memmap_init(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr,
				uint64_t n);
void hvo__free_list_unlock(struct hvo_sim *sim, uint64_t vaddr, uint64_t n);

/* the checker, zone->lock held: does free head @pfn's struct page, if it
 * exists yet, show the buddy's state?  If not, the first word that does not */
bool hvo__free_list_shows(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn,
			  unsigned int *word, uint64_t *want, uint64_t *got);

#endif /* HVOSIM_SRC_FREE_LIST_H */
