/* SPDX-License-Identifier: MIT */
/*
 * hvosim/sched.h - yield points for a deterministic scheduler.
 *
 * The library calls the hook at every shared access on the HVO paths.  With
 * no hook installed a yield point is one predictable branch.  A schedule
 * explorer installs a hook that switches fibers; a stress harness may install
 * one that injects sched_yield() to widen race windows.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                     [1] [2]
 *   [1] hvo_sim_set_yield_hook         -   X
 *   [2] hvo_yield_point_name           X   X
 *
 *   [1] stores the hook's context without synchronisation and every yield
 *       point reads it: - also with every call of every other header on
 *       the same machine.  Install the hook before starting threads and
 *       remove it after joining them.
 *   [2] no machine: X with everything.
 *
 * The hook runs on the thread that reached the point.  No mutex is held
 * there, except the TLB flush lock inside a flush's wait (HVO_YP_TLB_FLUSH)
 * and the grace-period lock inside hvo_synchronize_rcu()'s (HVO_YP_RCU),
 * which every other taker acquires by trying and yielding, so a fiber
 * scheduler never blocks on them.  What may be open: an RCU
 * read-side section (a walker's HVO_YP_REFCOUNT, HVO_YP_RCU) and, at the
 * HVO_YP_PAGE_STORE of a compound page being prepared or destroyed, a TLB
 * access section.  A hook that blocks its OS thread there holds up
 * hvo_synchronize_rcu() or every TLB flush on the other threads until it
 * returns; switching fibers is fine.
 */
#ifndef HVOSIM_SCHED_H
#define HVOSIM_SCHED_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

struct hvo_sim;

/** Where a yield point sits. */
enum hvo_yield_point {
	HVO_YP_TAIL_SLOT_LOAD = 0,	/* READ_ONCE(zone->vmemmap_tails[i]) */
	HVO_YP_TAIL_SLOT_PUBLISH,	/* cmpxchg / store of the slot */
	HVO_YP_TAIL_USERS,		/* last-user count change */
	HVO_YP_LOCK,			/* before taking hugetlb_lock / ptl */
	HVO_YP_REFCOUNT,		/* a refcount RMW */
	HVO_YP_PTE_STORE,		/* a vmemmap PTE store */
	HVO_YP_PAGE_LOAD,		/* a struct page word load (compound_info) */
	HVO_YP_PAGE_STORE,		/* a struct page word store */
	HVO_YP_FRAME_FREE,		/* a frame is about to be freed */
	HVO_YP_TLB_FLUSH,		/* inside a flush's wait */
	HVO_YP_RCU,			/* RCU read side / grace period wait */
	HVO_NR_YIELD_POINTS,
};

/** The hook: called with the point and the address or pfn concerned. */
typedef void (*hvo_yield_fn)(void *ctx, enum hvo_yield_point point,
			     uint64_t addr);

/**
 * hvo_sim_set_yield_hook() - install (or with @fn NULL remove) the hook.
 * @sim: the machine (NULL: nothing happens).
 * @fn: the hook.
 * @ctx: passed to @fn.
 */
void hvo_sim_set_yield_hook(struct hvo_sim *sim, hvo_yield_fn fn, void *ctx);

/**
 * hvo_yield_point_name() - a short name of a yield point.
 * @point: the point.
 *
 * Return: a static string; "?" for a value that is not a yield point.
 */
const char *hvo_yield_point_name(enum hvo_yield_point point);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_SCHED_H */
