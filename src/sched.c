// SPDX-License-Identifier: MIT
/*
 * sched.c - the yield hook: a scheduler (a schedule explorer, the fiber
 * tests) is called at every yield point of the library, so it can switch
 * simulated threads exactly there (include/hvosim/sched.h).
 */
#include "internal.h"
#include "error.h"
#include "sched.h"

void hvo__yield_slow(struct hvo_sim *sim, enum hvo_yield_point p, uint64_t addr)
{
	hvo_yield_fn fn = atomic_load_explicit(&sim->yield_fn, memory_order_acquire);

	if (fn)
		fn(sim->yield_ctx, p, addr);
}

HVO_EXPORT void hvo_sim_set_yield_hook(struct hvo_sim *sim, hvo_yield_fn fn,
				       void *ctx)
{
	HVO_NONNULL_OR("set_yield_hook", sim, );
	sim->yield_ctx = ctx;
	atomic_store_explicit(&sim->yield_fn, fn, memory_order_release);
	/* loads take their slow path, which yields, while a hook is set */
	atomic_store_explicit(&sim->fast_n, fn ? 0 : sim->flat_n, memory_order_release);
}

HVO_EXPORT const char *hvo_yield_point_name(enum hvo_yield_point point)
{
	static const char *const names[HVO_NR_YIELD_POINTS] = {
		"tail_slot_load", "tail_slot_publish", "tail_users", "lock",
		"refcount", "pte_store", "page_load", "page_store",
		"frame_free", "tlb_flush", "rcu",
	};

	if ((unsigned int)point < HVO_NR_YIELD_POINTS)
		return names[point];
	hvo__err(-EINVAL, "yield_point_name: point %d is not a yield point", (int)point);
	return "?";
}
