// SPDX-License-Identifier: MIT
/*
 * memblock.c - the boot-time allocator (mm/memblock.c), top-down per node,
 * used before the buddy exists: boot gigantic pages (hugepages= at boot),
 * the vmemmap (sparse_init()) and its page tables.
 */
#include <errno.h>
#include <stdbool.h>
#include <stdlib.h>

#include "internal.h"
#include "arena.h"
#include "memblock.h"

/*
 * The highest naturally aligned free range of the node, as the kernel's
 * top-down memblock_find_in_range_node() finds it: for the holes that the
 * bump pointer below leaves above an aligned allocation (4 1G pages at the
 * top of a 4G+128M node leave 128M above them for the vmemmap).
 */
static bool memblock_find_hole(struct hvo_sim *sim, unsigned int nid, uint64_t n,
			       uint64_t *out)
{
	const struct hvo_node *node = &sim->nodes[nid];
	uint64_t cand;
	size_t i;

	if (node->end < node->start + n)
		return false;
	cand = (node->end - n) & ~(n - 1);
	while (cand >= node->start) {
		for (i = 0; i < sim->nr_mb; i++)
			if (sim->mb[i].start < cand + n && cand < sim->mb[i].start + sim->mb[i].nr)
				break;
		if (i == sim->nr_mb) {
			*out = cand;
			return true;
		}
		if (sim->mb[i].start < node->start + n)
			return false;
		cand = (sim->mb[i].start - n) & ~(n - 1);
	}
	return false;
}

int hvo__memblock_alloc(struct hvo_sim *sim, unsigned int nid, unsigned int order,
			enum hvo_frame_kind kind, uint64_t *pfn)
{
	struct hvo_node *node = &sim->nodes[nid];
	struct hvo_frame_meta *m;
	uint64_t n = 1ull << order, start = 0;
	bool bump;

	/* top-down, naturally aligned, like memblock_alloc_try_nid(); a bump
	 * pointer while there is room below it, the holes above after */
	bump = node->memblock_top >= node->start + n &&
	       ((node->memblock_top - n) & ~(n - 1)) >= node->start;
	if (bump)
		start = (node->memblock_top - n) & ~(n - 1);
	else if (!memblock_find_hole(sim, nid, n, &start))
		return -ENOMEM;
	if (sim->nr_mb == sim->cap_mb) {
		size_t cap = sim->cap_mb ? sim->cap_mb * 2 : 256;
		struct hvo_memblock_range *p = realloc(sim->mb, cap * sizeof(*p));

		if (!p)
			return -ENOMEM;
		sim->mb = p;
		sim->cap_mb = cap;
	}
	sim->mb[sim->nr_mb++] = (struct hvo_memblock_range){ start, n, nid };
	if (bump)
		node->memblock_top = start;
	m = hvo__meta(sim, start);
	m->state = FM_ALLOC;
	m->order = (uint8_t)order;
	m->kind = (uint8_t)kind;
	m->flags = (uint8_t)((m->flags & FMF_FRAME_BITS) | FMF_BOOT |
			     (kind == HVO_KIND_PGTABLE ? FMF_MACHINE : 0) |
			     ((kind == HVO_KIND_VMEMMAP || kind == HVO_KIND_PGTABLE ||
			       kind == HVO_KIND_SHARED_TAIL) ? FMF_BYTES : 0));
	cnt_add(sim, allocated[kind], n);
	cnt_add(sim, in_use[kind], n);
	cnt_add(sim, boot_in_use[kind], n);
	if (m->flags & FMF_MACHINE)
		cnt_add(sim, machine_pgtables, n);
	if (m->flags & FMF_BYTES)
		hvo__frame_give_bytes(sim, start, n, false, false);
	*pfn = start;
	return 0;
}

/* memblock_free() during the memblock phase: the range goes to the buddy
 * with everything else memblock did not keep */
void hvo__memblock_free(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
			enum hvo_frame_kind kind)
{
	uint64_t i, n = 1ull << order;

	for (i = 0; i < sim->nr_mb; i++)
		if (sim->mb[i].start == pfn) {
			sim->mb[i] = sim->mb[--sim->nr_mb];
			break;
		}
	hvo__meta(sim, pfn)->state = FM_NONE;
	if (hvo__meta(sim, pfn)->flags & FMF_MACHINE)
		cnt_sub(sim, machine_pgtables, n);
	if (hvo__meta(sim, pfn)->flags & FMF_BYTES)
		for (i = 0; i < n; i++) {
			atomic_store(&hvo__meta(sim, pfn + i)->unmap_gen, 0);
			atomic_store(&hvo__meta(sim, pfn + i)->vmap_count, 0);
		}
	cnt_add(sim, freed[kind], n);
	cnt_sub(sim, in_use[kind], n);
	cnt_sub(sim, boot_in_use[kind], n);
}
