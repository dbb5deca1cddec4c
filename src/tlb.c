// SPDX-License-Identifier: MIT
/*
 * tlb.c - flush_tlb_kernel_range() / flush_tlb_all() and the rule they
 * enforce.
 *
 * No translation is cached, so a PTE store is visible to the next access at
 * once.  What the kernel's flush really buys HVO is the shootdown: when it
 * returns, no CPU is still using the old translation, so the old frames may
 * be freed.  Here every struct page write is a short section counted in the
 * TLB's epochs (epoch.c), and a flush returns only when every write that
 * began before it has finished; loads are validated against the flush
 * counter instead (vmm.h).
 */
#include "internal.h"
#include "epoch.h"
#include "error.h"
#include "fault.h"
#include "tlb.h"

void hvo__tlb_flush(struct hvo_sim *sim)
{
	hvo__lock_yielding(sim, &sim->flush_lock, HVO_YP_TLB_FLUSH);
	atomic_fetch_add(&sim->flush_started, 1);
	hvo__epoch_wait(sim, &sim->tlb, HVO_YP_TLB_FLUSH);
	atomic_store(&sim->flush_done, atomic_load(&sim->flush_started));
	pthread_mutex_unlock(&sim->flush_lock);
}

HVO_EXPORT void hvo_flush_tlb_kernel_range(struct hvo_sim *sim, uint64_t start,
					   uint64_t end)
{
	(void)start;
	(void)end;
	HVO_NONNULL_OR("flush_tlb_kernel_range", sim, );
	cnt_add(sim, tlb_flush_range, 1);
	hvo__tlb_flush(sim);
}

HVO_EXPORT void hvo_flush_tlb_all(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("flush_tlb_all", sim, );
	cnt_add(sim, tlb_flush_all, 1);
	hvo__tlb_flush(sim);
}

void hvo__record_map(struct hvo_sim *sim, uint64_t frame)
{
	hvo__record_map_n(sim, frame, 1);
}

/* @n more entries map @frame */
void hvo__record_map_n(struct hvo_sim *sim, uint64_t frame, uint32_t n)
{
	atomic_fetch_add(&hvo__meta(sim, frame)->vmap_count, n);
}

void hvo__record_unmap(struct hvo_sim *sim, uint64_t frame)
{
	hvo__record_unmap_n(sim, frame, 1);
}

/* @n entries that mapped @frame were changed: the frame may be freed once
 * a flush that starts after this completes */
void hvo__record_unmap_n(struct hvo_sim *sim, uint64_t frame, uint32_t n)
{
	struct hvo_frame_meta *m = hvo__meta(sim, frame);
	uint64_t gen = atomic_load(&sim->flush_started) + 1, cur;
	uint32_t maps = atomic_load(&m->vmap_count);

	/* the frame's map count, as page_mapcount() of a vmemmap page: an
	 * unmap of a frame nothing maps is a bookkeeping bug, refused */
	while (maps >= n && !atomic_compare_exchange_weak(&m->vmap_count, &maps, maps - n))
		;
	if (maps < n)
		hvo__fault(sim, HVO_FAULT_MAPCOUNT_UNDERFLOW, 0, frame, UINT64_MAX, "unmap", -1);
	/* a maximum: two unmaps of a shared frame must not move it back */
	cur = atomic_load(&m->unmap_gen);
	while (cur < gen && !atomic_compare_exchange_weak(&m->unmap_gen, &cur, gen))
		;
}
