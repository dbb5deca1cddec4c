// SPDX-License-Identifier: MIT
/*
 * rcu.c - the RCU of the fake-head scheme's readers: rcu_read_lock() in
 * page_ref_add_unless() and synchronize_rcu() in HVO (commit bd225530a4c7).
 *
 * Our own, not liburcu, so a deterministic scheduler can drive it: readers
 * count themselves in one of two per-shard epochs, a grace period flips the
 * epoch twice and waits for the old one to drain, yielding at every spin.
 * The cost that mattered in the kernel was wall time, so calls are counted
 * and, when a benchmark turns timing on, their duration too.
 */
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "hugetlb_internal.h"

struct hvo_rcu {
	_Atomic unsigned int idx;
	struct hvo_tlb_shard shard[HVO_TLB_SHARDS];
	pthread_mutex_t gp_lock;
	_Atomic bool timing;
};

int hvo__rcu_init(struct hvo_sim *sim)
{
	sim->rcu = calloc(1, sizeof(*sim->rcu));
	if (!sim->rcu)
		return hvo__err(-12, "rcu: out of host memory");
	pthread_mutex_init(&sim->rcu->gp_lock, NULL);
	return 0;
}

void hvo__rcu_destroy(struct hvo_sim *sim)
{
	if (!sim->rcu)
		return;
	pthread_mutex_destroy(&sim->rcu->gp_lock);
	free(sim->rcu);
	sim->rcu = NULL;
}

struct hvo_rcu_tok hvo__rcu_read_lock(struct hvo_sim *sim)
{
	struct hvo_rcu_tok t;

	hvo__yield(sim, HVO_YP_RCU, 0);
	t.shard = &sim->rcu->shard[hvo_thread_id() % HVO_TLB_SHARDS];
	t.idx = atomic_load_explicit(&sim->rcu->idx, memory_order_relaxed) & 1;
	atomic_fetch_add(&t.shard->cnt[t.idx], 1);
	return t;
}

void hvo__rcu_read_unlock(struct hvo_sim *sim, struct hvo_rcu_tok t)
{
	atomic_fetch_sub_explicit(&t.shard->cnt[t.idx], 1, memory_order_release);
	hvo__yield(sim, HVO_YP_RCU, 1);
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

void hvo__synchronize_rcu(struct hvo_sim *sim)
{
	struct hvo_rcu *rcu = sim->rcu;
	bool timing = atomic_load(&rcu->timing);
	uint64_t t0 = timing ? now_ns() : 0;
	unsigned int phase, s, old;
	unsigned long spins;

	hvo__yield(sim, HVO_YP_RCU, 2);
	/* a grace period yields while it waits: never block on the lock */
	while (pthread_mutex_trylock(&rcu->gp_lock)) {
		hvo__yield(sim, HVO_YP_RCU, 2);
		sched_yield();
	}
	for (phase = 0; phase < 2; phase++) {
		old = atomic_load(&rcu->idx) & 1;
		atomic_store(&rcu->idx, old ^ 1);
		for (s = 0; s < HVO_TLB_SHARDS; s++) {
			spins = 0;
			while (atomic_load(&rcu->shard[s].cnt[old])) {
				hvo__yield(sim, HVO_YP_RCU, 3);
				if (++spins > 64)
					sched_yield();
			}
		}
	}
	pthread_mutex_unlock(&rcu->gp_lock);
	cnt_add(sim, synchronize_rcu_calls, 1);
	if (timing)
		cnt_add(sim, synchronize_rcu_ns, now_ns() - t0);
}

HVO_EXPORT void hvo_sim_set_timing(struct hvo_sim *sim, bool on)
{
	atomic_store(&sim->rcu->timing, on);
}
