// SPDX-License-Identifier: MIT
/*
 * tlb.c - flush_tlb_kernel_range() / flush_tlb_all() and the rule they
 * enforce.
 *
 * No translation is cached, so a PTE store is visible to the next access at
 * once.  What the kernel's flush really buys HVO is the shootdown: when it
 * returns, no CPU is still using the old translation, so the old frames may
 * be freed.  Here every struct page access (translate + load/store) is a
 * short read-side section counted in one of two per-shard epochs (an
 * SRCU-like scheme); a flush flips the epoch twice and waits for the
 * previous one to drain each time, so it returns only when every access that
 * began before it has finished.
 */
#include <sched.h>

#include "internal.h"
#include "tlb.h"

void hvo__tlb_flush(struct hvo_sim *sim)
{
	unsigned int phase, s, old;
	unsigned long spins;

	/* never block holding nothing but a yield away: a fiber scheduler must
	 * be able to run the holder (the flush yields while it waits) */
	hvo__yield(sim, HVO_YP_TLB_FLUSH, 0);
	while (pthread_mutex_trylock(&sim->flush_lock)) {
		hvo__yield(sim, HVO_YP_TLB_FLUSH, 0);
		sched_yield();
	}
	atomic_fetch_add(&sim->flush_started, 1);
	for (phase = 0; phase < 2; phase++) {
		old = atomic_load(&sim->tlb_idx) & 1;
		atomic_store(&sim->tlb_idx, old ^ 1);
		for (s = 0; s < HVO_TLB_SHARDS; s++) {
			spins = 0;
			while (atomic_load(&sim->tlb[s].cnt[old]) != 0) {
				hvo__yield(sim, HVO_YP_TLB_FLUSH, 0);
				if (++spins > 64)
					sched_yield();
			}
		}
	}
	atomic_store(&sim->flush_done, atomic_load(&sim->flush_started));
	pthread_mutex_unlock(&sim->flush_lock);
}

HVO_EXPORT void hvo_flush_tlb_kernel_range(struct hvo_sim *sim, uint64_t start,
					   uint64_t end)
{
	(void)start;
	(void)end;
	cnt_add(sim, tlb_flush_range, 1);
	hvo__tlb_flush(sim);
}

HVO_EXPORT void hvo_flush_tlb_all(struct hvo_sim *sim)
{
	cnt_add(sim, tlb_flush_all, 1);
	hvo__tlb_flush(sim);
}

void hvo__record_map(struct hvo_sim *sim, uint64_t frame)
{
	atomic_fetch_add(&hvo__meta(sim, frame)->vmap_count, 1);
}

/* the frame may be freed once a flush that starts after this completes */
void hvo__record_unmap(struct hvo_sim *sim, uint64_t frame)
{
	struct hvo_frame_meta *m = hvo__meta(sim, frame);
	uint64_t gen = atomic_load(&sim->flush_started) + 1, cur;

	atomic_fetch_sub(&m->vmap_count, 1);
	/* a maximum: two unmaps of a shared frame must not move it back */
	cur = atomic_load(&m->unmap_gen);
	while (cur < gen && !atomic_compare_exchange_weak(&m->unmap_gen, &cur, gen))
		;
}
