// SPDX-License-Identifier: MIT
/*
 * rcu.c - the RCU of the fake-head scheme's readers: rcu_read_lock() in
 * page_ref_add_unless() and synchronize_rcu() in HVO (commit bd225530a4c7).
 *
 * Our own, not liburcu, so a deterministic scheduler can drive it: read-side
 * sections and grace periods are the epochs of epoch.c, which yield at
 * every spin.
 * The cost that mattered in the kernel was wall time, so calls are counted
 * and, when a benchmark turns timing on, their duration too.
 */
#include <sched.h>
#include <stdlib.h>
#include <time.h>

#include "hugetlb_internal.h"
#include "epoch.h"
#include "error.h"
#include "rcu.h"
#include "sched.h"

struct hvo_rcu {
	struct hvo_epochs ep;
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
	hvo__yield(sim, HVO_YP_RCU, 0);
	return hvo__epoch_enter(&sim->rcu->ep);
}

void hvo__rcu_read_unlock(struct hvo_sim *sim, struct hvo_rcu_tok t)
{
	hvo__epoch_exit(t);
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

	hvo__lock_yielding(sim, &rcu->gp_lock, HVO_YP_RCU);
	hvo__epoch_wait(sim, &rcu->ep, HVO_YP_RCU);
	pthread_mutex_unlock(&rcu->gp_lock);
	cnt_add(sim, synchronize_rcu_calls, 1);
	if (timing)
		cnt_add(sim, synchronize_rcu_ns, now_ns() - t0);
}

/* snapshot.c saves and restores the RCU state as bytes */
size_t hvo__rcu_state_size(void)
{
	return sizeof(struct hvo_rcu);
}

void hvo__rcu_set_timing(struct hvo_sim *sim, bool on)
{
	atomic_store(&sim->rcu->timing, on);
}
