/* SPDX-License-Identifier: MIT */
/*
 * sched.h - yield points (sched.c): hvo__yield() marks a place where a
 * scheduler may switch simulated threads; with no hook set it costs one
 * relaxed load and a branch.
 */
#ifndef HVOSIM_SRC_SCHED_H
#define HVOSIM_SRC_SCHED_H

#include "internal.h"

void hvo__yield_slow(struct hvo_sim *sim, enum hvo_yield_point p, uint64_t addr);

/* a scheduler hook is set: every yield point must be reached */
static inline bool hvo__yield_hooked(struct hvo_sim *sim)
{
	return atomic_load_explicit(&sim->yield_fn, memory_order_relaxed) != NULL;
}

static inline void hvo__yield(struct hvo_sim *sim, enum hvo_yield_point p,
			      uint64_t addr)
{
	if (unlikely(atomic_load_explicit(&sim->yield_fn, memory_order_relaxed)))
		hvo__yield_slow(sim, p, addr);
}

#endif /* HVOSIM_SRC_SCHED_H */
