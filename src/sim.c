// SPDX-License-Identifier: MIT
/*
 * sim.c - create and destroy a simulated machine, in the kernel's boot
 * order: memblock reservations (boot gigantic pages), the vmemmap page
 * table and sparse_init(), boot gigantic pages in HVO form, the buddy
 * (memblock_free_all()), then the boot tails and gathering of boot pages.
 * The top floor: it calls every file below it, none calls it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "sim.h"
#include "internal.h"
#include "hugetlb_internal.h"
#include "arena.h"
#include "config.h"
#include "error.h"
#include "frames.h"
#include "hugetlb_vmemmap_boot.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "rcu.h"
#include "sparse_vmemmap.h"

#define HVO_DEFAULT_VMEMMAP_BASE 0xffffea0000000000ull /* x86-64's */

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

	hvo__arena_unmap(sim);
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
	free(sim->section_flags);
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

static struct hvo_sim *sim_alloc(const struct hvo_config *cfg)
{
	struct hvo_sim *sim = calloc(1, sizeof(*sim));

	if (!sim)
		return NULL;
	sim->cfg = *cfg;
	pthread_mutex_init(&sim->ptl, NULL);
	pthread_mutex_init(&sim->flush_lock, NULL);
	pthread_mutex_init(&sim->fail.lock, NULL);
	pthread_mutex_init(&sim->flog.lock, NULL);
	return sim;
}

/* the geometry a validated config implies; returns the memory size */
/*
 * page.c's exact division by the stride: the inverse of its odd part mod
 * 2^64 by Newton's iteration, which doubles the correct low bits each step
 * (an odd d is its own inverse mod 8: 3 -> 6 -> ... -> 96 bits).
 */
static void stride_reciprocal(struct hvo_sim *sim, uint64_t stride)
{
	uint64_t d = stride >> __builtin_ctzll(stride), x = d;
	unsigned int i;

	for (i = 0; i < 5; i++)
		x *= 2 - d * x;
	sim->stride_inv = x;
	sim->stride_lim = UINT64_MAX / stride;
}

static uint64_t setup_geometry(struct hvo_sim *sim)
{
	const struct hvo_config *cfg = &sim->cfg;
	uint64_t total = 0;
	unsigned int n;

	for (n = 0; n < cfg->nr_nodes; n++)
		total += cfg->node_mem_bytes[n];
	sim->geo.page_shift = cfg->page_shift;
	sim->geo.page_size = 1ull << cfg->page_shift;
	sim->geo.stride = cfg->struct_page_size;
	sim->geo.hvo_possible = hvo__is_pow2(cfg->struct_page_size);
	sim->stride_shift = hvo__ilog2(cfg->struct_page_size);
	sim->stride_mask = sim->geo.hvo_possible ? cfg->struct_page_size - 1u : ~0ull;
	stride_reciprocal(sim, cfg->struct_page_size);
	/* compound_info_has_mask() */
	sim->geo.mask_encoding = cfg->encoding == HVO_ENC_MASK ||
		(cfg->encoding == HVO_ENC_AUTO && cfg->scheme == HVO_SCHEME_SHARED_TAIL &&
		 sim->geo.hvo_possible);
	sim->geo.section_shift = hvo__section_shift(cfg->page_shift);
	/* PMD_SHIFT, a constant in the kernel: hugetlb_vmemmap_init_early()
	 * reads it before the page table exists (hvo__pgtable_init() agrees) */
	sim->geo.pmd_shift = 2 * cfg->page_shift - 3;
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
	return total;
}

/* the host side of the machine: the arena, the fault log ring, the
 * mem_section flags, the shared tail slots */
static int alloc_host_state(struct hvo_sim *sim, uint64_t total)
{
	sim->flog.cap = sim->cfg.fault_log_size;
	sim->flog.ring = calloc(sim->cfg.fault_log_size, sizeof(*sim->flog.ring));
	sim->section_flags = calloc(sim->geo.nr_pfns >> (sim->geo.section_shift -
							 sim->geo.page_shift), 1);
	if (hvo__arena_map(sim, total) || !sim->flog.ring || !sim->section_flags ||
	    alloc_tail_slots(sim))
		return hvo__err(-ENOMEM, "sim_create: cannot reserve host address space for "
				"%" PRIu64 " MiB of simulated memory", total >> 20);
	return 0;
}

/*
 * setup_arch(): memblock, with the boot gigantic pages reserved from it
 * (hugetlb_bootmem_alloc()) and their sections marked for HVO population
 * (hugetlb_vmemmap_init_early()).  Fault injection is armed first, so
 * boot allocations can fail too.
 */
static int boot_memblock(struct hvo_sim *sim)
{
	int r = 0;

	sim->booting = true;
	if (sim->cfg.fail.nth || sim->cfg.fail.probability > 0)
		r = hvo_fail_set(sim, &sim->cfg.fail);
	if (!r)
		r = hvo__hugetlb_init(sim);
	if (!r)
		r = hvo__hugetlb_boot_reserve(sim);
	if (!r)
		hvo__hugetlb_vmemmap_init_early(sim);
	return r;
}

/* hugetlb_vmemmap_init_tails(): before gather reads zone or node through them */
static int boot_init_tails(struct hvo_sim *sim)
{
	if (!sim->cfg.boot_tails_late)
		hvo__vmemmap_init_boot_tails(sim);
	return 0;
}

/* boot_tails_late: late_initcall hugetlb_vmemmap_init(), after gather, as
 * before "mm/hugetlb: init tails before init_migratetype" */
static int boot_init_tails_late(struct hvo_sim *sim)
{
	if (sim->cfg.boot_tails_late)
		hvo__vmemmap_init_boot_tails(sim);
	return 0;
}

/* the boot, in the kernel's order as far as HVO is concerned */
static int (*const boot_steps[])(struct hvo_sim *sim) = {
	boot_memblock,			/* memblock, boot gigantic pages */
	hvo__pgtable_init,		/* the vmemmap's page table */
	hvo__sparse_init,		/* sparse_init(): populate the vmemmap */
	hvo__hugetlb_vmemmap_init_late,	/* boot gigantic pages in HVO form */
	hvo__buddy_init,		/* memblock_free_all(): the buddy */
	hvo__rcu_init,
	boot_init_tails,		/* hugetlb_vmemmap_init_tails() */
	hvo__hugetlb_late_init,		/* gather_bootmem_prealloc() */
	boot_init_tails_late,		/* boot_tails_late: too late */
};

static int boot(struct hvo_sim *sim)
{
	const char *msg;
	char buf[512];
	size_t i;
	int r = 0;

	for (i = 0; !r && i < sizeof(boot_steps) / sizeof(boot_steps[0]); i++)
		r = boot_steps[i](sim);
	if (!r)
		return 0;
	/* tearing down may set messages of its own: keep the step's */
	msg = hvo_last_error();
	snprintf(buf, sizeof(buf), "%s", msg);
	hvo__hugetlb_destroy(sim);
	hvo__rcu_destroy(sim);
	return hvo__err(r, "%s", buf[0] ? buf : "sim_create: boot failed");
}

HVO_EXPORT int hvo_sim_create(const struct hvo_config *cfg, struct hvo_sim **out)
{
	struct hvo_sim *sim;
	uint64_t total;
	int r;

	HVO_NONNULL("sim_create", out);
	*out = NULL;
	HVO_NONNULL("sim_create", cfg);
	r = hvo_config_validate(cfg);
	if (r)
		return r;
	sim = sim_alloc(cfg);
	if (!sim)
		return hvo__err(-ENOMEM, "sim_create: out of host memory");
	total = setup_geometry(sim);
	r = alloc_host_state(sim, total);
	if (!r)
		r = boot(sim);
	if (r) {
		sim_free(sim);
		return r;
	}
	*out = sim;
	return 0;
}

uint64_t hvo__sim_destroy(struct hvo_sim *sim, bool report)
{
	uint64_t leaked;

	if (!sim)
		return 0;
	hvo__cklog_release(sim);	/* hvo_check_track()'s */
	leaked = hvo__hugetlb_leaked(sim, report);
	leaked += hvo__frames_leaked(sim, report);
	leaked += hvo__pgtable_leaked(sim, report);
	hvo__hugetlb_destroy(sim);
	hvo__rcu_destroy(sim);
	sim_free(sim);
	return leaked;
}

HVO_EXPORT uint64_t hvo_sim_destroy(struct hvo_sim *sim)
{
	return hvo__sim_destroy(sim, true);
}

HVO_EXPORT const struct hvo_geometry *hvo_sim_geometry(const struct hvo_sim *sim)
{
	HVO_NONNULL_OR("sim_geometry", sim, NULL);
	return &sim->geo;
}

HVO_EXPORT const struct hvo_config *hvo_sim_config(const struct hvo_sim *sim)
{
	HVO_NONNULL_OR("sim_config", sim, NULL);
	return &sim->cfg;
}

HVO_EXPORT const char *hvo_zone_name(enum hvo_zone_type zone)
{
	static const char *const names[HVO_NR_ZONES] = { "DMA32", "Normal", "Movable" };

	if ((unsigned int)zone < HVO_NR_ZONES)
		return names[zone];
	hvo__check_zone("zone_name", (int)zone, false);
	return "?";
}

HVO_EXPORT const char *hvo_kind_name(enum hvo_frame_kind kind)
{
	static const char *const names[HVO_NR_KINDS] = {
		"other", "vmemmap", "pgtable", "hugetlb", "shared_tail",
	};

	if ((unsigned int)kind < HVO_NR_KINDS)
		return names[kind];
	hvo__err(-EINVAL, "kind_name: kind %d is not a frame kind", (int)kind);
	return "?";
}

HVO_EXPORT int hvo_zone_span(const struct hvo_sim *sim, unsigned int nid,
			     enum hvo_zone_type zone, uint64_t *start, uint64_t *end)
{
	int r;

	HVO_NONNULL("zone_span", sim);
	HVO_NONNULL("zone_span", start);
	HVO_NONNULL("zone_span", end);
	r = hvo__check_node(sim, "zone_span", (int)nid, 0);
	if (!r)
		r = hvo__check_zone("zone_span", (int)zone, false);
	if (r)
		return r;
	*start = sim->nodes[nid].zones[zone].start;
	*end = sim->nodes[nid].zones[zone].end;
	return 0;
}

HVO_EXPORT int hvo_pfn_zone(const struct hvo_sim *sim, uint64_t pfn,
			    unsigned int *nid, enum hvo_zone_type *zone)
{
	int r;

	HVO_NONNULL("pfn_zone", sim);
	r = hvo__check_pfn(sim, "pfn_zone", pfn);
	/* every failure sets the message (found by fuzz_api) */
	if (!r && hvo__pfn_nid_zone(sim, pfn, nid, zone))
		r = hvo__err(-ERANGE, "pfn_zone: pfn %#" PRIx64 " is in no zone", pfn);
	return r;
}

/* the one clock the library reads, and only when asked: synchronize_rcu() */
HVO_EXPORT void hvo_sim_set_timing(struct hvo_sim *sim, bool on)
{
	HVO_NONNULL_OR("sim_set_timing", sim, );
	hvo__rcu_set_timing(sim, on);
}

#define LOAD(f) atomic_load_explicit(&sim->c.f, memory_order_relaxed)

HVO_EXPORT void hvo_sim_stats(struct hvo_sim *sim, struct hvo_stats *st)
{
	unsigned int i, n, z;

	HVO_NONNULL_OR("sim_stats", sim, );
	HVO_NONNULL_OR("sim_stats", st, );
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
	st->count_underflows = LOAD(count_underflows);
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
