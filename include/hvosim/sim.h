/* SPDX-License-Identifier: MIT */
/*
 * hvosim/sim.h - the simulated machine: create, destroy, geometry, counters,
 * zones.  Errors (error.h), and fault injection and the fault log (fault.h)
 * are included here.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not), from
 * the locking in src/:
 *
 *                                                [1] [2] [3] [4]
 *   [1] hvo_sim_destroy                           -   -   -   -
 *   [2] hvo_sim_geometry, hvo_sim_config,         -   X   X   X
 *       hvo_zone_span, hvo_pfn_zone
 *   [3] hvo_sim_stats                             -   X   X   X
 *   [4] hvo_sim_set_timing                        -   X   X   X
 *
 *   [1] frees the machine: every call of every header on it must have
 *       returned, and none may start.
 *   [2] read what hvo_sim_create() fixed; nothing changes it later.
 *   [3] relaxed atomic loads: each counter is exact, the set is not one
 *       instant.
 *   [4] an atomic flag, read at the start of each synchronize_rcu().
 *   Without a machine, X with everything: hvo_sim_create (it builds a new
 *   one), hvo_zone_name, hvo_kind_name.
 *   Other headers: hvo_sim_set_yield_hook (sched.h) - with every call here.
 */
#ifndef HVOSIM_SIM_H
#define HVOSIM_SIM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "error.h"
#include "fault.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hvo_sim;

/** Zones, in the kernel's order (ZONE_DMA is not modelled). */
enum hvo_zone_type {
	HVO_ZONE_DMA32 = 0,
	HVO_ZONE_NORMAL,
	HVO_ZONE_MOVABLE,
	HVO_NR_ZONES,
};

/*
 * Node and zone arguments.  A node is 0..nr_nodes-1; where a call takes a
 * preferred node (hvo_folio_alloc()), HVO_NUMA_NO_NODE (-1) means any.  A
 * zone is an enum hvo_zone_type; where a call takes a preferred zone,
 * HVO_ZONE_ANY (-1) means the kernel's own zonelist order.  Every other
 * value is refused with -EINVAL, by every call, the same way.
 */
#define HVO_NUMA_NO_NODE (-1)
#define HVO_ZONE_ANY (-1)

/**
 * struct hvo_geometry - derived constants of a machine.
 * @page_shift: log2 of the base page size.
 * @page_size: base page size in bytes.
 * @stride: bytes per struct page (the config's struct_page_size).
 * @mask_encoding: true if compound_info uses the mask encoding.
 * @hvo_possible: the stride is a power of 2 (HVO can run at all).
 * @pgtable_levels: levels of the vmemmap page table.
 * @pmd_shift: log2 of the size a PMD entry maps.
 * @section_shift: log2 of a memory section (SECTION_SIZE_BITS).
 * @max_folio_order: MAX_FOLIO_ORDER (ilog2(16G) - page_shift).
 * @vmemmap_tail_min_order: VMEMMAP_TAIL_MIN_ORDER, the smallest order HVO
 *	optimises: ilog2(2 * PAGE_SIZE / stride).
 * @nr_vmemmap_tails: NR_VMEMMAP_TAILS, slots per zone.
 * @vmemmap_base: simulated address of the struct page of pfn 0.
 * @nr_pfns: simulated pfns (all nodes).
 */
struct hvo_geometry {
	unsigned int page_shift;
	uint64_t page_size;
	unsigned int stride;
	bool mask_encoding;
	bool hvo_possible;
	unsigned int pgtable_levels;
	unsigned int pmd_shift;
	unsigned int section_shift;
	unsigned int max_folio_order;
	unsigned int vmemmap_tail_min_order;
	unsigned int nr_vmemmap_tails;
	uint64_t vmemmap_base;
	uint64_t nr_pfns;
};

/**
 * enum hvo_frame_kind - what an allocated frame is used for.
 */
enum hvo_frame_kind {
	HVO_KIND_OTHER = 0,	/* a generic allocation by a harness */
	HVO_KIND_VMEMMAP,	/* holds struct pages */
	HVO_KIND_PGTABLE,	/* a page-table page of the vmemmap */
	HVO_KIND_HUGETLB,	/* huge-page data (no host bytes) */
	HVO_KIND_SHARED_TAIL,	/* a shared tail vmemmap frame */
	HVO_NR_KINDS,
};

/**
 * struct hvo_stats - counters of a machine.  Page counts are base pages.
 */
struct hvo_stats {
	uint64_t allocated[HVO_NR_KINDS];	/* allocations ever, pages */
	uint64_t freed[HVO_NR_KINDS];		/* frees ever, pages */
	uint64_t in_use[HVO_NR_KINDS];		/* now, pages */
	uint64_t boot_in_use[HVO_NR_KINDS];	/* of in_use: memblock (boot) */
	uint64_t alloc_calls[HVO_NR_SITES];
	uint64_t alloc_failures[HVO_NR_SITES];	/* real and injected */
	uint64_t injected_failures;
	uint64_t free_pages;			/* buddy, all zones */
	uint64_t host_frames;			/* frames that ever got host bytes */
	uint64_t tlb_flush_all;
	uint64_t tlb_flush_range;
	uint64_t pmd_splits;
	uint64_t pmd_split_races;		/* loser freed its table */
	uint64_t ro_faults;			/* writes through RO PTEs */
	uint64_t count_underflows;		/* refused: refcount/map count < 0 */
	uint64_t early_frees;			/* refused: freed before flush */
	/* HVO (hugetlb_vmemmap.c) */
	int64_t memmap_pages;			/* memmap_pages_add() total */
	int64_t memmap_boot_pages;		/* memmap_boot_pages_add() total */
	uint64_t optimized_folios;		/* folios optimized now */
	uint64_t optimize_calls, optimize_done, optimize_failed;
	uint64_t restore_calls, restore_done, restore_failed;
	uint64_t vmemmap_pages_freed;		/* by optimize, ever */
	uint64_t vmemmap_pages_restored;	/* by restore, ever */
	uint64_t shared_tails_live;
	uint64_t shared_tails_allocated;
	uint64_t shared_tails_freed;
	uint64_t shared_tail_races;		/* lost cmpxchg/lock recheck */
	uint64_t synchronize_rcu_calls;
	uint64_t synchronize_rcu_ns;
	int64_t static_key_count;		/* hugetlb_optimize_vmemmap_key */
	uint64_t rollbacks;
};

/**
 * hvo_sim_create() - build a machine: memblock, sparse vmemmap, buddy,
 * hstates and boot gigantic pages.
 * @cfg: the config; not referenced after return.
 * @out: the new machine (NULL on failure).
 *
 * Return: 0; -EINVAL for a bad config (hvo_last_error() names the field) or
 * a NULL argument;
 * -ENOMEM if the host cannot back it.  Nothing is half-created.
 */
int hvo_sim_create(const struct hvo_config *cfg, struct hvo_sim **out);

/**
 * hvo_sim_destroy() - tear a machine down.
 * @sim: the machine (NULL is allowed).
 *
 * Return: frames still allocated that are not part of the machine's own
 * structures (page tables, vmemmap, pool folios and shared tails are the
 * machine's; frames from hvo_alloc_frames() are the harness's unless it
 * mapped them with hvo_vmemmap_set_pte(), and so are folios taken with
 * hvo_folio_alloc() and never put), and page-table frames of the machine
 * that its page table no longer reaches.  They are reported on stderr.
 * Tests assert 0.
 */
uint64_t hvo_sim_destroy(struct hvo_sim *sim);

/**
 * hvo_sim_geometry() - the machine's derived constants.
 * @sim: the machine.
 *
 * Return: a pointer valid for the machine's life; NULL for a NULL @sim.
 */
const struct hvo_geometry *hvo_sim_geometry(const struct hvo_sim *sim);

/**
 * hvo_sim_config() - the config the machine was built from.
 * @sim: the machine.
 *
 * Return: a pointer valid for the machine's life; NULL for a NULL @sim.
 */
const struct hvo_config *hvo_sim_config(const struct hvo_sim *sim);

/**
 * hvo_sim_stats() - snapshot the counters.
 * @sim: the machine.
 * @st: filled in (left alone if either argument is NULL).
 */
void hvo_sim_stats(struct hvo_sim *sim, struct hvo_stats *st);

/**
 * hvo_zone_name() - "DMA32", "Normal", "Movable".
 * @zone: the zone type.
 *
 * Return: a static string; "?" for a value that is not a zone.
 */
const char *hvo_zone_name(enum hvo_zone_type zone);

/**
 * hvo_kind_name() - the name of a frame kind.
 * @kind: the kind.
 *
 * Return: a static string; "?" for a value that is not a kind.
 */
const char *hvo_kind_name(enum hvo_frame_kind kind);

/**
 * hvo_zone_span() - the pfn range of a zone.
 * @sim: the machine.
 * @nid: node.
 * @zone: zone type.
 * @start: first pfn.
 * @end: one past the last pfn (== @start for an empty zone).
 *
 * Return: 0, or -EINVAL for a node or zone that does not exist or a NULL
 * argument.
 */
int hvo_zone_span(const struct hvo_sim *sim, unsigned int nid,
		  enum hvo_zone_type zone, uint64_t *start, uint64_t *end);

/**
 * hvo_pfn_zone() - node and zone of a pfn, as memmap_init() sets them.
 * @sim: the machine.
 * @pfn: the pfn.
 * @nid: node (may be NULL).
 * @zone: zone (may be NULL).
 *
 * The same out-parameter types as hvo_page_node_zone() and struct
 * hvo_folio_info: unsigned int for the node, enum hvo_zone_type for the zone.
 *
 * Return: 0, or -ERANGE for a pfn the machine does not have.
 */
int hvo_pfn_zone(const struct hvo_sim *sim, uint64_t pfn, unsigned int *nid,
		 enum hvo_zone_type *zone);

/**
 * hvo_sim_set_timing() - measure synchronize_rcu() time (reads the
 * monotonic clock; off by default so the library never reads a clock unless
 * a benchmark asks).
 * @sim: the machine (NULL: nothing happens).
 * @on: measure or not.
 */
void hvo_sim_set_timing(struct hvo_sim *sim, bool on);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_SIM_H */
