/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hugetlb.h - hstates and their huge-page pools (mm/hugetlb.c).
 *
 * HVO runs when a folio enters the pool (prep_and_add_allocated_folios())
 * and is undone when it leaves (update_and_free_pages_bulk()); a folio taken
 * for use stays optimized.  Free pool folios have refcount 0 (frozen), a
 * folio in use has refcount >= 1 and goes back to the pool when the last
 * reference is put (free_huge_folio()).
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                  [1] [2] [3] [4] [5] [6] [7]
 *   [1] hvo_hstate_count, hvo_hstate_find           X   X   X   X   X   X   X
 *   [2] hvo_hstate_info, hvo_folio_lookup,          X   X   X   X   X   X   X
 *       hvo_folio_list, hvo_folio_vmemmap_frames
 *   [3] hvo_pool_grow, hvo_pool_grow_zone,          X   X   X   X   X   X   X
 *       hvo_pool_shrink, hvo_pool_resize,
 *       hvo_pool_set_overcommit, hvo_demote,
 *       hvo_folio_dissolve
 *   [4] hvo_folio_alloc, hvo_folio_alloc_zone       X   X   X   X   X   X   X
 *   [5] hvo_folio_put                               X   X   X   X   X   X   X
 *   [6] hvo_folio_optimize, hvo_folio_restore,      X   X   X   X   X   X   X
 *       hvo_folios_optimize, hvo_folios_restore
 *   [7] hvo_sysctl_optimize_vmemmap_read,           X   X   X   X   X   X   X
 *       hvo_sysctl_optimize_vmemmap_write
 *
 *   [1] read the hstates, fixed at creation.
 *   [2] a snapshot under hugetlb_lock; hvo_folio_vmemmap_frames() walks
 *       the page table after dropping it, so a folio HVO works on meanwhile
 *       is seen half done, as a reader of the page table would.
 *   [3] [4] [5] change pool state under hugetlb_lock and never hold it
 *       while frames are allocated or freed or HVO runs: a folio is
 *       isolated under the lock and worked on outside it, as in the kernel,
 *       and a call that finds a folio isolated by another passes it by
 *       (hvo_folio_dissolve() returns -EBUSY).  hvo_pool_resize() reads the
 *       count, then grows or shrinks by the difference: two resizes of one
 *       node race like two writers of nr_hugepages; hvo_pool_grow() and
 *       hvo_pool_shrink() are relative and compose.
 *   [5] drops a reference the caller holds, as folio_put() does.
 *   [6] drive HVO step by step on free pool folios: they isolate their
 *       folios under hugetlb_lock and work outside it; a folio another
 *       call has isolated gives -EBUSY, so calls may overlap even on one
 *       folio.  PTEs change under the ptl, frames come and go under
 *       zone->lock, old frames are freed only after a TLB flush.  The
 *       shared tail is published per tail_alloc: cmpxchg, under
 *       hugetlb_lock, or (none) not at all, the seed patch's race kept on
 *       purpose: two first optimizes of one (zone, order) may then map two
 *       tails.  With lifetime last-user the slot and its user count change
 *       together under the tail lock.
 *   [7] an atomic flag, read each time [3] [4] [6] hand folios to HVO (a
 *       batch of up to 64): a write during a pool call applies to the
 *       batches it has not started (the kernel reads it per folio).
 *   Other headers: X with speculative walkers (walker.h); in the fake-head
 *   scheme a walker is safe only with rcu_sync on (commit bd225530a4c7).  - with writes to the struct pages or PTEs of a
 *   free folio (page.h [2] [4] [5], pgtable.h [3]); a folio in use is its
 *   taker's.  In the fake-head scheme with rcu_sync on, [3] [4] [5] may
 *   wait for a grace period: not inside an RCU read-side section on the
 *   same thread (walker.h).  hvo_sim_destroy (sim.h) and
 *   hvo_sim_set_yield_hook (sched.h): - with every call here; hvo_check
 *   (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_HUGETLB_H
#define HVOSIM_HUGETLB_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

#define HVO_MAX_HSTATES 6

/**
 * struct hvo_hstate_info - one hstate and its pool.
 * @index: index for the other calls.
 * @order: huge_page_order().
 * @bytes: huge_page_size().
 * @name: "hugepages-2048kB".
 * @gigantic: order > MAX_PAGE_ORDER (allocated with alloc_contig_range()).
 * @optimizable: HVO can run on it (hugetlb_vmemmap_optimizable()).
 * @vmemmap_bytes: hugetlb_vmemmap_size(): struct page bytes of one folio.
 * @vmemmap_pages: those in base pages, rounded up.
 * @optimizable_pages: vmemmap pages HVO frees per folio (0 if not
 *	optimizable): hugetlb_vmemmap_optimizable_size() / PAGE_SIZE.
 * @nr_huge_pages: pool size (all nodes), including surplus and in use.
 * @free_huge_pages: free folios.
 * @surplus_huge_pages: surplus folios.
 * @nr_overcommit_huge_pages: the overcommit limit.
 * @nr_optimized: folios whose vmemmap is optimized now.
 * @vmemmap_pages_in_use: vmemmap pages the hstate's folios use now, folios
 *	being worked on included (their own
 *	pages; the shared tails are counted in hvo_stats).
 * @vmemmap_pages_freed: vmemmap pages HVO gave back for this hstate, ever
 *	(net of the new head copies; boot pages populated in HVO form count
 *	what they never needed).
 * @vmemmap_pages_restored: vmemmap pages restore allocated, ever.
 * @nr_huge_pages_node: per node.
 * @free_huge_pages_node: per node.
 * @surplus_huge_pages_node: per node.
 */
struct hvo_hstate_info {
	unsigned int index;
	unsigned int order;
	uint64_t bytes;
	char name[32];
	bool gigantic;
	bool optimizable;
	uint64_t vmemmap_bytes;
	uint64_t vmemmap_pages;
	uint64_t optimizable_pages;
	uint64_t nr_huge_pages;
	uint64_t free_huge_pages;
	uint64_t surplus_huge_pages;
	uint64_t nr_overcommit_huge_pages;
	uint64_t nr_optimized;
	uint64_t vmemmap_pages_in_use;
	uint64_t vmemmap_pages_freed;
	uint64_t vmemmap_pages_restored;
	uint64_t nr_huge_pages_node[HVO_MAX_NODES];
	uint64_t free_huge_pages_node[HVO_MAX_NODES];
	uint64_t surplus_huge_pages_node[HVO_MAX_NODES];
};

/**
 * hvo_hstate_count() - how many hstates the geometry has.
 * @sim: the machine.
 *
 * Return: the count (4K: 2M and 1G, plus 64K and 32M with cont_hstates;
 * 16K: 32M and 1G, plus 2M; 64K: 512M and 16G, plus 2M); 0 for a NULL @sim.
 */
unsigned int hvo_hstate_count(const struct hvo_sim *sim);

/**
 * hvo_hstate_info() - describe an hstate.
 * @sim: the machine.
 * @h: hstate index.
 * @info: filled in.
 *
 * Return: 0, or -EINVAL for a bad index.
 */
int hvo_hstate_info(struct hvo_sim *sim, unsigned int h,
		    struct hvo_hstate_info *info);

/**
 * hvo_hstate_find() - the hstate of a huge page size (size_to_hstate()).
 * @sim: the machine.
 * @bytes: the size, e.g. 2 MiB.
 *
 * Return: the index, or -ENOENT (hvo_last_error() lists the sizes),
 * -EINVAL for a NULL @sim.
 */
int hvo_hstate_find(const struct hvo_sim *sim, uint64_t bytes);

/**
 * hvo_pool_resize() - set nr_hugepages of one node (set_max_huge_pages()).
 * @sim: the machine.
 * @h: hstate.
 * @nid: node.
 * @count: the wanted number of persistent huge pages on @nid.
 * @actual: the number reached (may be NULL).
 *
 * Growing allocates fresh folios, optimizes them as a batch and adds them
 * to the pool; shrinking takes free folios out, restores them as a batch and
 * frees them (a folio whose restore fails goes back into the pool).
 *
 * Zone placement, as the kernel's (htlb_alloc_mask(), gfp_zone() and the
 * zonelist): an hstate that can move (hugepage_movable_supported(): every
 * non-gigantic one, gigantic ones only with the config's
 * movable_gigantic_pages) allocates with GFP_HIGHUSER_MOVABLE and walks
 * Movable, Normal, DMA32; a gigantic one GFP_HIGHUSER: Normal, DMA32.
 * hvo_pool_grow_zone() starts the walk at another zone.
 * In-use folios are never freed.
 *
 * Return: 0 if @count was reached; -ENOMEM (grow: out of memory) or -EBUSY
 * (shrink: not enough free folios, or restore failed) with *@actual telling
 * how far it got; -EINVAL for a bad hstate or node.
 */
int hvo_pool_resize(struct hvo_sim *sim, unsigned int h, unsigned int nid,
		    uint64_t count, uint64_t *actual);

/**
 * hvo_pool_grow() - add @nr fresh persistent folios on @nid (relative, so
 * concurrent callers compose).
 * @sim: the machine.
 * @h: hstate.
 * @nid: node.
 * @nr: how many.
 * @done: how many were added (may be NULL).
 *
 * Return: 0, -ENOMEM with *@done, -EINVAL.
 */
int hvo_pool_grow(struct hvo_sim *sim, unsigned int h, unsigned int nid, uint64_t nr,
		  uint64_t *done);

/**
 * hvo_pool_grow_zone() - hvo_pool_grow() with the zonelist starting at
 * @zone: folios in a zone of the harness's choice, without filling the
 * zones above it first.
 * @sim: the machine.
 * @h: hstate.
 * @nid: node.
 * @zone: the first zone tried (enum hvo_zone_type), then each one below it,
 *	as an allocation whose gfp_zone() is @zone walks them (DMA32: DMA32
 *	only); HVO_ZONE_ANY (-1): the hstate's own mask, as hvo_pool_grow().
 *	Movable for a gigantic hstate without movable_gigantic_pages is refused:
 *	the kernel never puts one there.
 * @nr: how many.
 * @done: how many were added (may be NULL).
 *
 * Check a folio's zone with hvo_folio_lookup(); a zone that fills up spills
 * into the ones below it, as in the kernel.
 *
 * Return: 0, -ENOMEM with *@done (no room in @zone or below), -EINVAL for a
 * bad hstate, node or zone.
 */
int hvo_pool_grow_zone(struct hvo_sim *sim, unsigned int h, unsigned int nid,
		       int zone, uint64_t nr, uint64_t *done);

/**
 * hvo_pool_shrink() - free up to @nr free folios of @nid to the buddy
 * (restoring their vmemmap first).
 * @sim: the machine.
 * @h: hstate.
 * @nid: node.
 * @nr: how many.
 * @done: how many were freed (may be NULL).
 *
 * Return: 0, -EBUSY with *@done (not enough free folios, or a restore
 * failed: that folio stays in the pool), -EINVAL.
 */
int hvo_pool_shrink(struct hvo_sim *sim, unsigned int h, unsigned int nid, uint64_t nr,
		    uint64_t *done);

/**
 * hvo_pool_set_overcommit() - nr_overcommit_hugepages.
 * @sim: the machine.
 * @h: hstate.
 * @count: how many surplus folios hvo_folio_alloc() may create.
 *
 * Return: 0 or -EINVAL.
 */
int hvo_pool_set_overcommit(struct hvo_sim *sim, unsigned int h, uint64_t count);

/**
 * hvo_folio_alloc() - take a folio for use (alloc_hugetlb_folio()).
 * @sim: the machine.
 * @h: hstate.
 * @nid: preferred node, or HVO_NUMA_NO_NODE (-1) for any; any other
 *	negative value, or a node the machine does not have, is refused.
 * @pfn: the head pfn.
 *
 * Dequeues a free folio (refcount 0 -> 1): the first on the preferred
 * node's free list whatever its zone (dequeue_hugetlb_folio_node_exact()),
 * then the other nodes'; if none, allocates a surplus folio within the
 * overcommit limit, in the zones of hvo_pool_resize().  The folio stays
 * optimized.
 *
 * Return: 0, -ENOMEM if there is no free folio and no surplus allowed or
 * possible, -EINVAL.
 */
int hvo_folio_alloc(struct hvo_sim *sim, unsigned int h, int nid, uint64_t *pfn);

/**
 * hvo_folio_alloc_zone() - hvo_folio_alloc() preferring a zone.
 * @sim: the machine.
 * @h: hstate.
 * @nid: preferred node, or HVO_NUMA_NO_NODE (-1) for any.
 * @zone: a free folio in @zone is taken first, then one in each zone below
 *	it, on each node in turn; a surplus folio is allocated from @zone
 *	down (see hvo_pool_grow_zone()).  HVO_ZONE_ANY (-1): as
 *	hvo_folio_alloc().
 * @pfn: the head pfn.
 *
 * Return: 0, -ENOMEM (no folio in @zone or below, no surplus possible),
 * -EINVAL for a bad hstate, node or zone (Movable for a gigantic hstate
 * without movable_gigantic_pages).
 */
int hvo_folio_alloc_zone(struct hvo_sim *sim, unsigned int h, int nid, int zone,
			 uint64_t *pfn);

/**
 * hvo_folio_put() - drop a reference (folio_put()); the last one returns
 * the folio to the pool, or frees it if it is a surplus folio
 * (free_huge_folio()).
 * @sim: the machine.
 * @pfn: head pfn of a folio in use.
 *
 * A folio in use whose refcount is already 0 (its reference dropped with
 * hvo_page_ref_add()) is refused as an underflow, as hvo_page_put() does.
 *
 * Return: 0, -EINVAL if @pfn is not the head of a folio in use or its
 * refcount is 0 (logged as HVO_FAULT_REFCOUNT_UNDERFLOW).
 */
int hvo_folio_put(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_folio_dissolve() - free one free folio back to the buddy
 * (dissolve_free_hugetlb_folio()).
 * @sim: the machine.
 * @pfn: its head pfn.
 *
 * Return: 0; -EBUSY if it is in use or being worked on; -ENOMEM if its
 * vmemmap could not be restored (it stays in the pool); -EINVAL if @pfn is
 * not the head of a hugetlb folio.
 */
int hvo_folio_dissolve(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_demote() - demote free folios of @src into folios of @dst
 * (demote_pool_huge_page() / demote_free_hugetlb_folios()).
 * @sim: the machine.
 * @src: hstate to demote from (e.g. 1G).
 * @dst: a smaller hstate (e.g. 2M).
 * @nid: node.
 * @nr: how many @src folios.
 * @done: how many were demoted (may be NULL).
 *
 * Each source folio is restored (a failure leaves it optimized in @src),
 * split and every destination folio is optimized against its own order's
 * shared tail; the source order's tail is not freed.
 *
 * Return: 0 if @nr were demoted, -EBUSY/-ENOMEM with *@done, -EINVAL.
 */
int hvo_demote(struct hvo_sim *sim, unsigned int src, unsigned int dst,
	       unsigned int nid, uint64_t nr, uint64_t *done);

/** State of a hugetlb folio. */
enum hvo_folio_state {
	HVO_FOLIO_FREE = 0,	/* on the hstate's free list */
	HVO_FOLIO_ACTIVE,	/* in use (refcount >= 1) */
	HVO_FOLIO_ISOLATED,	/* being optimized, restored, demoted or freed */
};

/**
 * struct hvo_folio_info - a hugetlb folio.
 * @head_pfn: its head pfn.
 * @hstate: its hstate index.
 * @order: its order.
 * @nid: its node.
 * @zone: its zone.
 * @state: enum hvo_folio_state.
 * @optimized: HPG_vmemmap_optimized as read from the head's ->private.
 * @boot: allocated at boot (memblock).
 * @surplus: a surplus folio.
 */
struct hvo_folio_info {
	uint64_t head_pfn;
	unsigned int hstate;
	unsigned int order;
	unsigned int nid;
	enum hvo_zone_type zone;
	enum hvo_folio_state state;
	bool optimized;
	bool boot;
	bool surplus;
};

/**
 * hvo_folio_lookup() - the hugetlb folio that contains @pfn.
 * @sim: the machine.
 * @pfn: any pfn.
 * @info: filled in.
 *
 * Return: 0, -ENOENT if @pfn is in no hugetlb folio, -ERANGE.
 */
int hvo_folio_lookup(struct hvo_sim *sim, uint64_t pfn,
		     struct hvo_folio_info *info);

/**
 * hvo_folio_list() - head pfns of an hstate's folios, in pfn order.
 * @sim: the machine.
 * @h: hstate.
 * @pfns: output array.
 * @max: its size.
 *
 * @pfns may be NULL when @max is 0 (to count the folios).
 *
 * Return: the number of folios (may exceed @max; only @max are written),
 * or -EINVAL.
 */
int64_t hvo_folio_list(struct hvo_sim *sim, unsigned int h, uint64_t *pfns,
		       uint64_t max);

/**
 * struct hvo_vmemmap_frame - one vmemmap page of a folio and what maps it.
 * @vaddr: the vmemmap page (PAGE_SIZE aligned).
 * @frame_pfn: the frame its PTE (or the PMD leaf over it) maps.
 * @writable: the mapping is RW (false: RO, as HVO maps the tails).
 */
struct hvo_vmemmap_frame {
	uint64_t vaddr;
	uint64_t frame_pfn;
	bool writable;
};

/**
 * hvo_folio_vmemmap_frames() - the frames behind a folio's vmemmap, in one
 * call: what a harness otherwise gets with one hvo_vmemmap_translate() per
 * vmemmap page.
 * @sim: the machine.
 * @pfn: the head pfn of a hugetlb folio.
 * @frames: filled with up to @max entries, lowest address first (may be
 *	NULL when @max is 0, to count them).
 * @max: the size of @frames.
 * @nr: the number of vmemmap pages the folio's struct pages touch (may
 *	exceed @max; only @max are written): hugetlb_vmemmap_size() /
 *	PAGE_SIZE, plus the partly shared pages at the ends when the struct
 *	page is not a power of 2.
 *
 * After HVO: page 0 maps the folio's own head copy RW; the others map the
 * shared tail (shared-tail) or the head copy (fake-head) RO.
 *
 * Return: 0, -EINVAL if @pfn is not the head of a hugetlb folio or an
 * argument is NULL, -EFAULT if a vmemmap page is not mapped.
 */
int hvo_folio_vmemmap_frames(struct hvo_sim *sim, uint64_t pfn,
			     struct hvo_vmemmap_frame *frames, uint64_t max, uint64_t *nr);

/*
 * HVO on demand (mm/hugetlb_vmemmap.c): the pool calls these on its own; a
 * harness calls them to drive HVO step by step on free pool folios.  Each
 * call isolates the folios from the free list for the duration, as the
 * kernel's callers own their folios.
 */

/**
 * hvo_folio_optimize() - hugetlb_vmemmap_optimize_folio() on one free folio.
 * @sim: the machine.
 * @pfn: its head pfn.
 *
 * Shared-tail (v7.1): get the (zone, order) tail, set the optimized flag,
 * copy the head vmemmap page to a new frame, remap page 0 RW to the copy and
 * pages 1.. RO to the tail, flush, free every old page.  Fake-head: static
 * key inc, synchronize_rcu() if rcu_sync, remap tails RO onto the head copy.
 * A failed walk rolls back the walked prefix (the head keeps its copy).
 *
 * Return: 0 (also when the hstate is not optimizable or
 * vm.hugetlb_optimize_vmemmap is off: nothing happens, as in the kernel;
 * check hvo_folio_lookup()), -EINVAL if already optimized or not a free
 * folio, -EBUSY if isolated by someone else, -ENOMEM.
 */
int hvo_folio_optimize(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_folio_restore() - hugetlb_vmemmap_restore_folio() on one free folio.
 * @sim: the machine.
 * @pfn: its head pfn.
 *
 * All or nothing: allocates every tail vmemmap page first; on failure the
 * folio stays optimized.
 *
 * Return: 0, -EINVAL if not optimized or not a free folio, -EBUSY,
 * -ENOMEM.
 */
int hvo_folio_restore(struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_folios_optimize() - hugetlb_vmemmap_optimize_folios() on a batch of
 * free folios: split every PMD, one flush, remap all (retrying once after a
 * flush and free on -ENOMEM), one flush, then free.
 * @sim: the machine.
 * @pfns: head pfns.
 * @nr: how many.
 * @optimized: how many ended up optimized (may be NULL).
 *
 * Return: 0 or -errno for bad input; running out of memory is not an
 * error, it leaves folios unoptimized.
 */
int hvo_folios_optimize(struct hvo_sim *sim, const uint64_t *pfns, uint64_t nr,
			uint64_t *optimized);

/**
 * hvo_folios_restore() - hugetlb_vmemmap_restore_folios() on a batch of free
 * folios: restore each without flushing, stop at the first failure, flush
 * once.
 * @sim: the machine.
 * @pfns: head pfns.
 * @nr: how many.
 * @restored: how many are restored now (may be NULL).
 *
 * Return: 0, -ENOMEM if one failed (it and those after it stay optimized),
 * -EINVAL for bad input.
 */
int hvo_folios_restore(struct hvo_sim *sim, const uint64_t *pfns, uint64_t nr,
		       uint64_t *restored);

/**
 * hvo_sysctl_optimize_vmemmap_read() - read /proc/sys/vm/hugetlb_optimize_vmemmap.
 * @sim: the machine.
 *
 * Its boot value is the config's optimize_vmemmap (hugetlb_free_vmemmap=).
 *
 * Return: 1 on, 0 off; -ENOENT if the machine has no such sysctl (the
 * kernel registers it only when some hstate is optimizable: an HVO scheme
 * and a power-of-2 struct page); -EINVAL for a NULL @sim.
 */
int hvo_sysctl_optimize_vmemmap_read(struct hvo_sim *sim);

/**
 * hvo_sysctl_optimize_vmemmap_write() - write it.
 * @sim: the machine.
 * @on: the new value.
 *
 * Folios that enter the pool while it is off (grow, demote, a surplus
 * allocation) stay unoptimized, and so does a folio given to
 * hvo_folio_optimize() or hvo_folios_optimize(); folios already optimized
 * keep their state and are restored as usual when they leave the pool.
 * Turning it on optimizes nothing by itself, as in the kernel.
 *
 * Return: 0; -ENOENT if the machine has no such sysctl (see the read);
 * -EINVAL for a NULL @sim.
 */
int hvo_sysctl_optimize_vmemmap_write(struct hvo_sim *sim, bool on);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_HUGETLB_H */
