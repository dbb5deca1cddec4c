// SPDX-License-Identifier: MIT
/*
 * sim.c - create and destroy a simulated machine, in the kernel's boot
 * order: memblock reservations (boot gigantic pages), the vmemmap page
 * table and sparse_init(), the buddy (memblock_free_all()), then hugetlb's
 * late vmemmap init and gathering of boot pages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"

#define HVO_DEFAULT_VMEMMAP_BASE 0xffffea0000000000ull /* x86-64's */

/*
 * The arena is reserved, not committed.  ThreadSanitizer's mmap interceptor
 * (LLVM 14) marks a whole new mapping as written, which commits shadow for
 * all of it: four times a simulated machine's size.  Under TSan, reserve it
 * with the raw system call so shadow is only made for what is touched;
 * munmap() still goes through TSan, which drops the range's shadow.
 */
static void *arena_map(size_t len)
{
#ifdef HVO_TSAN
	return (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
			       MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#else
	return mmap(NULL, len, PROT_READ | PROT_WRITE,
		    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#endif
}

static void layout_words(struct hvo_sim *sim)
{
	/* the words a smaller stride drops, in order: memcg_data, private, index */
	static const int drop[] = { HVO_PW_MEMCG, HVO_PW_PRIVATE, HVO_PW_INDEX };
	unsigned int ndrop = 0, w, slot = 0, i;

	if (sim->geo.stride < 64)
		ndrop = (64 - sim->geo.stride) / 8;
	memset(sim->off_word, -1, sizeof(sim->off_word));
	for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
		bool dropped = false;

		for (i = 0; i < ndrop; i++)
			if (drop[i] == (int)w)
				dropped = true;
		if (dropped) {
			sim->word_off[w] = -1;
			continue;
		}
		sim->word_off[w] = (int8_t)slot;
		sim->off_word[slot] = (int8_t)w;
		slot++;
	}
}

static void layout_nodes(struct hvo_sim *sim)
{
	uint64_t start = 0, dma32_end = (4ull << 30) >> sim->geo.page_shift;
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];
		uint64_t end = start + (sim->cfg.node_mem_bytes[n] >> sim->geo.page_shift);
		uint64_t mov = end - (sim->cfg.node_movable_bytes[n] >> sim->geo.page_shift);
		uint64_t d_end = dma32_end < mov ? dma32_end : mov;

		node->start = start;
		node->end = end;
		node->memblock_top = end;
		for (z = 0; z < HVO_NR_ZONES; z++) {
			struct hvo_zone *zone = &node->zones[z];

			zone->nid = n;
			zone->type = (enum hvo_zone_type)z;
			memset(zone->free_head, 0xff, sizeof(zone->free_head));
			pthread_mutex_init(&zone->lock, NULL);
		}
		/* DMA32 below 4 GiB, Normal above, Movable at the top of the node */
		node->zones[HVO_ZONE_DMA32].start = start;
		node->zones[HVO_ZONE_DMA32].end = start < d_end ? d_end : start;
		node->zones[HVO_ZONE_NORMAL].start = node->zones[HVO_ZONE_DMA32].end;
		node->zones[HVO_ZONE_NORMAL].end = mov;
		node->zones[HVO_ZONE_MOVABLE].start = mov;
		node->zones[HVO_ZONE_MOVABLE].end = end;
		start = end;
	}
}

static void sim_free(struct hvo_sim *sim)
{
	unsigned int n, z;

	if (sim->mem && sim->mem != MAP_FAILED)
		munmap(sim->mem, sim->mem_len);
	if (sim->meta && (void *)sim->meta != MAP_FAILED)
		munmap(sim->meta, sim->meta_len);
	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		for (z = 0; z < HVO_NR_ZONES; z++) {
			pthread_mutex_destroy(&sim->nodes[n].zones[z].lock);
			free((void *)sim->nodes[n].zones[z].vmemmap_tails);
			free((void *)sim->nodes[n].zones[z].tail_users);
		}
		free((void *)sim->nodes[n].vmemmap_tails);
		free((void *)sim->nodes[n].tail_users);
	}
	pthread_mutex_destroy(&sim->ptl);
	pthread_mutex_destroy(&sim->flush_lock);
	pthread_mutex_destroy(&sim->fail.lock);
	pthread_mutex_destroy(&sim->flog.lock);
	free(sim->flog.ring);
	if (sim->flat)
		munmap((void *)sim->flat, sim->flat_n * sizeof(*sim->flat));
	free(sim->mb);
	free(sim);
}

static int alloc_tail_slots(struct hvo_sim *sim)
{
	unsigned int n, z, nr = sim->geo.nr_vmemmap_tails ? sim->geo.nr_vmemmap_tails : 1;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];

		node->vmemmap_tails = calloc(nr, sizeof(*node->vmemmap_tails));
		node->tail_users = calloc(nr, sizeof(*node->tail_users));
		if (!node->vmemmap_tails || !node->tail_users)
			return -ENOMEM;
		for (z = 0; z < HVO_NR_ZONES; z++) {
			node->zones[z].vmemmap_tails = calloc(nr, sizeof(uint64_t));
			node->zones[z].tail_users = calloc(nr, sizeof(uint64_t));
			if (!node->zones[z].vmemmap_tails || !node->zones[z].tail_users)
				return -ENOMEM;
		}
	}
	return 0;
}

HVO_EXPORT int hvo_sim_create(const struct hvo_config *cfg, struct hvo_sim **out)
{
	struct hvo_sim *sim;
	uint64_t total = 0;
	unsigned int n;
	int r;

	if (!out)
		return hvo__err(-EINVAL, "sim_create: NULL out");
	*out = NULL;
	r = hvo_config_validate(cfg);
	if (r)
		return r;
	sim = calloc(1, sizeof(*sim));
	if (!sim)
		return hvo__err(-ENOMEM, "sim_create: out of host memory");
	sim->cfg = *cfg;
	pthread_mutex_init(&sim->ptl, NULL);
	pthread_mutex_init(&sim->flush_lock, NULL);
	pthread_mutex_init(&sim->fail.lock, NULL);
	pthread_mutex_init(&sim->flog.lock, NULL);

	for (n = 0; n < cfg->nr_nodes; n++)
		total += cfg->node_mem_bytes[n];
	sim->geo.page_shift = cfg->page_shift;
	sim->geo.page_size = 1ull << cfg->page_shift;
	sim->geo.stride = cfg->struct_page_size;
	sim->geo.hvo_possible = hvo__is_pow2(cfg->struct_page_size);
	sim->stride_shift = hvo__ilog2(cfg->struct_page_size);
	/* compound_info_has_mask() */
	sim->geo.mask_encoding = cfg->encoding == HVO_ENC_MASK ||
		(cfg->encoding == HVO_ENC_AUTO && cfg->scheme == HVO_SCHEME_SHARED_TAIL &&
		 sim->geo.hvo_possible);
	sim->geo.section_shift = hvo__section_shift(cfg->page_shift);
	/* MAX_FOLIO_ORDER = ilog2(SZ_16G) - PAGE_SHIFT */
	sim->geo.max_folio_order = 34 - cfg->page_shift;
	/* VMEMMAP_TAIL_MIN_ORDER = ilog2(2 * PAGE_SIZE / sizeof(struct page)) */
	sim->geo.vmemmap_tail_min_order =
		hvo__ilog2(2 * sim->geo.page_size / cfg->struct_page_size);
	sim->geo.nr_vmemmap_tails =
		sim->geo.max_folio_order >= sim->geo.vmemmap_tail_min_order ?
		sim->geo.max_folio_order - sim->geo.vmemmap_tail_min_order + 1 : 0;
	sim->geo.vmemmap_base = cfg->vmemmap_base ? cfg->vmemmap_base
						  : HVO_DEFAULT_VMEMMAP_BASE;
	sim->geo.nr_pfns = total >> cfg->page_shift;
	layout_words(sim);
	layout_nodes(sim);

	/* reserved address space; only frames that get bytes become resident */
	sim->mem_len = (size_t)total;
	sim->mem = arena_map(sim->mem_len);
	sim->meta_len = (size_t)sim->geo.nr_pfns * sizeof(struct hvo_frame_meta);
	sim->meta = arena_map(sim->meta_len);
	sim->flog.cap = cfg->fault_log_size;
	sim->flog.ring = calloc(cfg->fault_log_size, sizeof(*sim->flog.ring));
	if (sim->mem == MAP_FAILED || (void *)sim->meta == MAP_FAILED ||
	    !sim->flog.ring || alloc_tail_slots(sim)) {
		sim_free(sim);
		return hvo__err(-ENOMEM, "sim_create: cannot reserve host address space for "
				"%" PRIu64 " MiB of simulated memory", total >> 20);
	}

	sim->booting = true;
	r = 0;
	if (cfg->fail.nth || cfg->fail.probability > 0)
		r = hvo_fail_set(sim, &cfg->fail);
	if (!r)
		r = hvo__hugetlb_init(sim);
	if (!r)
		r = hvo__hugetlb_boot_reserve(sim);
	if (!r)
		r = hvo__pgtable_init(sim);
	if (!r)
		r = hvo__sparse_init(sim);
	if (!r)
		r = hvo__hugetlb_vmemmap_init_late(sim);
	if (!r)
		r = hvo__buddy_init(sim);
	if (!r)
		r = hvo__rcu_init(sim);
	if (!r)
		r = hvo__hugetlb_late_init(sim);
	if (r) {
		const char *msg = hvo_last_error();
		char buf[512];

		snprintf(buf, sizeof(buf), "%s", msg);
		hvo__hugetlb_destroy(sim);
		hvo__rcu_destroy(sim);
		sim_free(sim);
		return hvo__err(r, "%s", buf[0] ? buf : "sim_create: boot failed");
	}
	*out = sim;
	return 0;
}

HVO_EXPORT uint64_t hvo_sim_destroy(struct hvo_sim *sim)
{
	uint64_t leaked;

	if (!sim)
		return 0;
	leaked = hvo__hugetlb_leaked(sim, true);
	leaked += hvo__leaked_frames(sim, true);
	hvo__hugetlb_destroy(sim);
	hvo__rcu_destroy(sim);
	sim_free(sim);
	return leaked;
}

HVO_EXPORT const struct hvo_geometry *hvo_sim_geometry(const struct hvo_sim *sim)
{
	return &sim->geo;
}

HVO_EXPORT const struct hvo_config *hvo_sim_config(const struct hvo_sim *sim)
{
	return &sim->cfg;
}

HVO_EXPORT const char *hvo_zone_name(enum hvo_zone_type zone)
{
	static const char *const names[HVO_NR_ZONES] = { "DMA32", "Normal", "Movable" };

	return (unsigned int)zone < HVO_NR_ZONES ? names[zone] : "?";
}

HVO_EXPORT int hvo_zone_span(const struct hvo_sim *sim, unsigned int nid,
			     enum hvo_zone_type zone, uint64_t *start, uint64_t *end)
{
	if (!sim || nid >= sim->cfg.nr_nodes || (unsigned int)zone >= HVO_NR_ZONES)
		return hvo__err(-EINVAL, "zone_span: no node %u zone %d", nid, (int)zone);
	*start = sim->nodes[nid].zones[zone].start;
	*end = sim->nodes[nid].zones[zone].end;
	return 0;
}

HVO_EXPORT int hvo_pfn_zone(const struct hvo_sim *sim, uint64_t pfn,
			    unsigned int *nid, enum hvo_zone_type *zone)
{
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		const struct hvo_node *node = &sim->nodes[n];

		if (pfn < node->start || pfn >= node->end)
			continue;
		for (z = 0; z < HVO_NR_ZONES; z++)
			if (pfn >= node->zones[z].start && pfn < node->zones[z].end) {
				if (nid)
					*nid = n;
				if (zone)
					*zone = (enum hvo_zone_type)z;
				return 0;
			}
	}
	return hvo__err(-ERANGE, "pfn_zone: pfn %#" PRIx64 " is beyond the machine", pfn);
}

#define LOAD(f) atomic_load_explicit(&sim->c.f, memory_order_relaxed)

HVO_EXPORT void hvo_sim_stats(struct hvo_sim *sim, struct hvo_stats *st)
{
	unsigned int i, n, z;

	memset(st, 0, sizeof(*st));
	for (i = 0; i < HVO_NR_KINDS; i++) {
		st->allocated[i] = LOAD(allocated[i]);
		st->freed[i] = LOAD(freed[i]);
		st->in_use[i] = LOAD(in_use[i]);
		st->boot_in_use[i] = LOAD(boot_in_use[i]);
	}
	for (i = 0; i < HVO_NR_SITES; i++) {
		st->alloc_calls[i] = LOAD(alloc_calls[i]);
		st->alloc_failures[i] = LOAD(alloc_failures[i]);
	}
	for (n = 0; n < sim->cfg.nr_nodes; n++)
		for (z = 0; z < HVO_NR_ZONES; z++)
			st->free_pages += atomic_load(&sim->nodes[n].zones[z].nr_free);
	st->injected_failures = LOAD(injected_failures);
	st->host_frames = LOAD(host_frames);
	st->tlb_flush_all = LOAD(tlb_flush_all);
	st->tlb_flush_range = LOAD(tlb_flush_range);
	st->pmd_splits = LOAD(pmd_splits);
	st->pmd_split_races = LOAD(pmd_split_races);
	st->ro_faults = LOAD(ro_faults);
	st->early_frees = LOAD(early_frees);
	st->memmap_pages = LOAD(memmap_pages);
	st->memmap_boot_pages = LOAD(memmap_boot_pages);
	st->optimized_folios = LOAD(optimized_folios);
	st->optimize_calls = LOAD(optimize_calls);
	st->optimize_done = LOAD(optimize_done);
	st->optimize_failed = LOAD(optimize_failed);
	st->restore_calls = LOAD(restore_calls);
	st->restore_done = LOAD(restore_done);
	st->restore_failed = LOAD(restore_failed);
	st->vmemmap_pages_freed = LOAD(vmemmap_pages_freed);
	st->vmemmap_pages_restored = LOAD(vmemmap_pages_restored);
	st->shared_tails_live = LOAD(shared_tails_live);
	st->shared_tails_allocated = LOAD(shared_tails_allocated);
	st->shared_tails_freed = LOAD(shared_tails_freed);
	st->shared_tail_races = LOAD(shared_tail_races);
	st->synchronize_rcu_calls = LOAD(synchronize_rcu_calls);
	st->synchronize_rcu_ns = LOAD(synchronize_rcu_ns);
	st->static_key_count = LOAD(static_key_count);
	st->rollbacks = LOAD(rollbacks);
}

HVO_EXPORT const char *hvo_version(void)
{
	return HVO_VERSION_STRING;
}
