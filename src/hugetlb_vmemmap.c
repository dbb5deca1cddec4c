// SPDX-License-Identifier: MIT
/*
 * hugetlb_vmemmap.c - HugeTLB Vmemmap Optimization (mm/hugetlb_vmemmap.c)
 * in two eras:
 *
 *   fake-head (5.18 .. 7.0): the tails' vmemmap pages are remapped RO onto a
 *   fresh copy of the folio's head page, so every PAGE_SIZE-aligned tail
 *   struct page reads as a (fake) head; static key, VMEMMAP_SYNCHRONIZE_RCU.
 *
 *   shared-tail (7.1+, and the v1..v6 proposals by scope/alloc/lifetime): the
 *   tails map one pre-initialised, mask-encoded tail frame per (zone, order)
 *   RO; the head page gets a private RW copy; every old page is freed.
 *
 * Steps follow the kernel's order: get the tail, set the optimized flag
 * before copying the head (the deferred-flush subtlety), split the PMDs,
 * remap, flush, and only then free the old pages.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "hugetlb_internal.h"
#include "arena.h"
#include "error.h"
#include "fault.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "rcu.h"
#include "sched.h"

/* NR_RESET_STRUCT_PAGE: struct pages [4..7] are copied over [0..3] */
#define NR_RESET_STRUCT_PAGE 4

static void pl_push(struct hvo_pagelist *pl, uint64_t pfn)
{
	if (pl->n == pl->cap) {
		uint64_t cap = pl->cap ? pl->cap * 2 : 64;
		uint64_t *p = realloc(pl->pfn, cap * sizeof(*p));

		if (!p) {
			fprintf(stderr, "hvosim: out of host memory\n");
			abort();
		}
		pl->pfn = p;
		pl->cap = cap;
	}
	pl->pfn[pl->n++] = pfn;
}

/* free_vmemmap_page_list(): only after the flush that follows the remap */
void hvo__pagelist_free(struct hvo_sim *sim, struct hvo_pagelist *pl)
{
	uint64_t i;

	for (i = 0; i < pl->n; i++) {
		struct hvo_frame_info fi;

		hvo_frame_info(sim, pl->pfn[i], &fi);
		if (hvo__free(sim, pl->pfn[i], 0, true))
			continue;	/* refused and logged; the checker will see it */
		/* free_bootmem_page() vs __free_page() accounting */
		if (fi.boot)
			cnt_sub(sim, memmap_boot_pages, 1);
		else
			cnt_sub(sim, memmap_pages, 1);
		cnt_add(sim, vmemmap_pages_freed, 1);
	}
	free(pl->pfn);
	memset(pl, 0, sizeof(*pl));
}

bool hvo__folio_test_optimized(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t priv = 0;

	hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), HVO_PW_PRIVATE, &priv);
	return priv & (1ull << HVO_HPG_vmemmap_optimized);
}

/* folio_{set,clear}_hugetlb_vmemmap_optimized(): the owner's RMW */
int hvo__folio_set_optimized(struct hvo_sim *sim, uint64_t pfn, bool on)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), priv = 0;

	hvo_page_read(sim, head, HVO_PW_PRIVATE, &priv);
	if (on)
		priv |= 1ull << HVO_HPG_vmemmap_optimized;
	else
		priv &= ~(1ull << HVO_HPG_vmemmap_optimized);
	return hvo_page_write(sim, head, HVO_PW_PRIVATE, priv);
}

static void folio_range(struct hvo_sim *sim, const struct hvo_folio *f,
			uint64_t *start, uint64_t *end)
{
	hvo_vmemmap_range(sim, f->pfn, 1ull << sim->hugetlb->hs[f->h].order, start, end);
}

static uint64_t frame_at(struct hvo_sim *sim, uint64_t vaddr)
{
	uint64_t frame = HVO_NIL;

	hvo__vmm_frame_of(sim, vaddr, &frame, NULL);
	return frame;
}

static uint64_t page_to_frame(struct hvo_sim *sim, uint64_t page)
{
	return (page - sim->geo.vmemmap_base) / sim->geo.stride;
}

/* ---- the shared tail (vmemmap_get_tail()) ---- */

void hvo__tail_slot(struct hvo_sim *sim, unsigned int h, unsigned int nid,
		    unsigned int zone, _Atomic uint64_t **slot, _Atomic uint64_t **users)
{
	struct hvo_hstate *hs = &sim->hugetlb->hs[h];
	unsigned int idx = hs->order - sim->geo.vmemmap_tail_min_order;

	switch (sim->cfg.tail_scope) {
	case HVO_SCOPE_HSTATE:		/* v1: h->vmemmap_tail */
		*slot = &hs->vmemmap_tail;
		*users = &hs->tail_users;
		break;
	case HVO_SCOPE_NODE:		/* v2..v6: pgdat->vmemmap_tails[] */
		*slot = &sim->nodes[nid].vmemmap_tails[idx];
		*users = &sim->nodes[nid].tail_users[idx];
		break;
	default:			/* v7: zone->vmemmap_tails[] */
		*slot = &sim->nodes[nid].zones[zone].vmemmap_tails[idx];
		*users = &sim->nodes[nid].zones[zone].tail_users[idx];
		break;
	}
}

/* init_compound_tail() on every entry; written before it is published */
void hvo__fill_tail_frame(struct hvo_sim *sim, uint64_t frame, unsigned int order,
			  unsigned int nid, unsigned int zone)
{
	uint64_t words[HVO_NR_PAGE_WORDS], *dst = (uint64_t *)hvo__frame(sim, frame);
	uint64_t i, n = hvo__reserve_pages(sim);
	unsigned int w;

	hvo_init_compound_tail(sim, words, 0, order, nid, zone);
	hvo__frame_fill_words(sim, frame, 0);
	for (i = 0; i < n; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			if (sim->word_off[w] >= 0)
				__atomic_store_n(&dst[i * (sim->geo.stride / 8) +
						     (unsigned int)sim->word_off[w]],
						 words[w], HVO_STORE_ORDER);
}

static int alloc_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t *page)
{
	uint64_t frame;
	int r;

	/* alloc_pages_node(nid, GFP_KERNEL | __GFP_ZERO, 0) */
	r = hvo__alloc(sim, HVO_SITE_VMEMMAP_TAIL, f->nid, -1, 0, HVO_KIND_SHARED_TAIL,
		       HVO_GFP_ZERO, &frame);
	if (r)
		return r;
	/* node and zone of the folio that happens to allocate it: right for
	 * every user only in zone scope */
	hvo__fill_tail_frame(sim, frame, sim->hugetlb->hs[f->h].order, f->nid, f->zone);
	*page = hvo_pfn_to_page(sim, frame);
	cnt_add(sim, shared_tails_allocated, 1);
	cnt_add(sim, shared_tails_live, 1);
	return 0;
}

static void drop_tail_frame(struct hvo_sim *sim, uint64_t page)
{
	if (hvo__free(sim, page_to_frame(sim, page), 0, true) == 0) {
		cnt_sub(sim, shared_tails_live, 1);
		cnt_add(sim, shared_tails_freed, 1);
	}
}

static int get_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t *out)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	_Atomic uint64_t *slot, *users;
	uint64_t v, mine = 0, expected;
	bool last_user = sim->cfg.tail_lifetime == HVO_TAIL_LAST_USER;
	int r;

	hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
	if (last_user && sim->cfg.tail_alloc != HVO_TAIL_ALLOC_NONE) {
		/* the 0 -> 1 user transition and the slot change together */
		hvo__yield(sim, HVO_YP_LOCK, 0);
		pthread_mutex_lock(&hg->tail_lock);
		v = atomic_load(slot);
		if (!v) {
			pthread_mutex_unlock(&hg->tail_lock);
			r = alloc_tail(sim, f, &mine);
			if (r)
				return r;
			hvo__yield(sim, HVO_YP_LOCK, 0);
			pthread_mutex_lock(&hg->tail_lock);
			v = atomic_load(slot);
			if (!v) {
				atomic_store(slot, mine);
				v = mine;
				mine = 0;
			}
		}
		atomic_fetch_add(users, 1);
		pthread_mutex_unlock(&hg->tail_lock);
		if (mine) {
			cnt_add(sim, shared_tail_races, 1);
			drop_tail_frame(sim, mine);
		}
		*out = v;
		return 0;
	}
	hvo__yield(sim, HVO_YP_TAIL_SLOT_LOAD, (uint64_t)(uintptr_t)slot);
	v = atomic_load_explicit(slot, memory_order_acquire);	/* READ_ONCE() */
	if (v)
		goto got;
	r = alloc_tail(sim, f, &mine);
	if (r)
		return r;
	hvo__yield(sim, HVO_YP_TAIL_SLOT_PUBLISH, (uint64_t)(uintptr_t)slot);
	switch (sim->cfg.tail_alloc) {
	case HVO_TAIL_ALLOC_CMPXCHG:
		/* v5+: cmpxchg(); the loser frees its page and uses the winner's */
		expected = 0;
		if (atomic_compare_exchange_strong_explicit(slot, &expected, mine,
							    memory_order_acq_rel,
							    memory_order_acquire)) {
			v = mine;
		} else {
			cnt_add(sim, shared_tail_races, 1);
			drop_tail_frame(sim, mine);
			v = expected;
		}
		break;
	case HVO_TAIL_ALLOC_LOCK:
		/* v2: publish under hugetlb_lock, the loser frees its page */
		hvo__yield(sim, HVO_YP_LOCK, 0);
		pthread_mutex_lock(&hg->lock);
		v = atomic_load_explicit(slot, memory_order_relaxed);
		if (!v)
			atomic_store_explicit(slot, mine, memory_order_release);
		pthread_mutex_unlock(&hg->lock);
		if (v) {
			cnt_add(sim, shared_tail_races, 1);
			drop_tail_frame(sim, mine);
		} else {
			v = mine;
		}
		break;
	default:
		/* v1, the bug Usama Arif found: two threads can both see NULL,
		 * both allocate and both publish; the first one's page is lost
		 * from the slot while its folio still maps it */
		atomic_store_explicit(slot, mine, memory_order_release);
		v = mine;
		break;
	}
got:
	if (last_user) {
		/* tail_alloc none: the count is as unsynchronised as the slot */
		uint64_t u = atomic_load_explicit(users, memory_order_relaxed);

		hvo__yield(sim, HVO_YP_TAIL_USERS, u);
		atomic_store_explicit(users, u + 1, memory_order_relaxed);
	}
	*out = v;
	return 0;
}

/* lifetime last-user: the 1 -> 0 transition frees the frame (after the flush
 * that followed its last unmap: the caller flushed) */
void hvo__put_tail(struct hvo_sim *sim, const struct hvo_folio *f, uint64_t tail_page)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	_Atomic uint64_t *slot, *users;
	uint64_t v = 0, u;

	if (sim->cfg.tail_lifetime != HVO_TAIL_LAST_USER || !tail_page)
		return;
	hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
	if (sim->cfg.tail_alloc != HVO_TAIL_ALLOC_NONE) {
		hvo__yield(sim, HVO_YP_LOCK, 0);
		pthread_mutex_lock(&hg->tail_lock);
		if (hvo__count_dec(sim, users, tail_page, "tail_put") == 1) {
			v = atomic_load(slot);
			atomic_store(slot, 0);
		}
		pthread_mutex_unlock(&hg->tail_lock);
	} else {
		u = atomic_load_explicit(users, memory_order_relaxed);
		hvo__yield(sim, HVO_YP_TAIL_USERS, u);
		atomic_store_explicit(users, u - 1, memory_order_relaxed);
		if (u == 1) {
			v = atomic_load_explicit(slot, memory_order_relaxed);
			atomic_store_explicit(slot, 0, memory_order_relaxed);
		}
	}
	if (v)
		drop_tail_frame(sim, v);
}

/* ---- the remap walk (vmemmap_remap_free()) ---- */

/* reset_struct_pages(): don't clone head metadata into tails on restore */
static void reset_struct_pages(struct hvo_sim *sim, uint64_t frame)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, frame);
	unsigned int spw = sim->geo.stride / 8, i, k;

	for (i = 0; i < NR_RESET_STRUCT_PAGE; i++)
		for (k = 0; k < spw; k++)
			__atomic_store_n(&w[i * spw + k],
					 __atomic_load_n(&w[(i + NR_RESET_STRUCT_PAGE) * spw + k],
							 __ATOMIC_RELAXED), HVO_STORE_ORDER);
}

/*
 * Page 0 of [start, end) -> @head (RW; HVO_NIL keeps the mapped page), the
 * rest -> @tail (RO).  Old pages go on @pl.  PMDs are split as the walk
 * reaches them; if a split fails the walked prefix is rolled back: only PTEs
 * that map @tail are restored, each onto one of the old pages with a copy of
 * what it maps now (the May 2026 fix), so the head keeps its copy.
 */
static int remap_free(struct hvo_sim *sim, uint64_t start, uint64_t end,
		      uint64_t head, uint64_t tail, unsigned int flags,
		      struct hvo_pagelist *pl, bool fake)
{
	uint64_t ps = sim->geo.page_size, pmd_mask = (1ull << sim->geo.pmd_shift) - 1;
	uint64_t v, old, walked = 0, i;
	int r = 0;

	for (v = start; v < end; v += ps) {
		if (v == start || !(v & pmd_mask)) {
			r = hvo_vmemmap_split_pmd(sim, v, !(flags & HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH));
			if (r)
				break;
		}
		if (v == start && head == HVO_NIL) {
			walked++;
			continue;
		}
		r = hvo__map_pte(sim, v, v == start ? head : tail, v == start, false, &old);
		if (r)
			break;
		if (old != HVO_NIL)
			pl_push(pl, old);
		walked++;
	}
	if (!r) {
		if (!(flags & HVO_VMEMMAP_REMAP_NO_TLB_FLUSH))
			hvo_flush_tlb_kernel_range(sim, start, end);
		return 0;
	}
	/* a head copy the walk never mapped goes with the old pages */
	if (head != HVO_NIL && frame_at(sim, start) != head)
		pl_push(pl, head);
	/* vmemmap_restore_pte() over the walked prefix, skipping the head PTE
	 * (it keeps its copy; in fake-head it is also the "tail" frame) */
	for (i = 1, v = start + ps; i < walked; i++, v += ps) {
		uint64_t p;

		if (frame_at(sim, v) != tail || !pl->n)
			continue;
		p = pl->pfn[--pl->n];
		hvo__frame_copy(sim, p, tail);
		if (fake)
			reset_struct_pages(sim, p);
		hvo__map_pte(sim, v, p, true, false, NULL);
	}
	hvo_flush_tlb_kernel_range(sim, start, end);
	cnt_add(sim, rollbacks, 1);
	return r;
}

static int alloc_head_copy(struct hvo_sim *sim, const struct hvo_folio *f,
			   uint64_t start, uint64_t *out)
{
	uint64_t frame, dummy;
	int r;

	r = hvo__alloc(sim, HVO_SITE_VMEMMAP_HEAD, f->nid, -1, 0, HVO_KIND_VMEMMAP, 0,
		       &frame);
	if (r)
		return r;
	cnt_add(sim, memmap_pages, 1);
	/* make sure the struct pages exist before copy_page() reads them */
	hvo__vmm_load(sim, start, &dummy);
	hvo__frame_copy(sim, frame, frame_at(sim, start));
	*out = frame;
	return 0;
}

static void static_key(struct hvo_sim *sim, int d)
{
	atomic_fetch_add(&sim->c.static_key_count, d);
}

int hvo__vmemmap_optimize_folio(struct hvo_sim *sim, struct hvo_folio *f,
				unsigned int flags, struct hvo_pagelist *pl)
{
	struct hvo_hstate *h = &sim->hugetlb->hs[f->h];
	uint64_t start, end, head = HVO_NIL, tail_page = 0;
	int r;

	if (!h->optimizable)
		return 0;
	cnt_add(sim, optimize_calls, 1);
	if (hvo__folio_test_optimized(sim, f->pfn))
		return hvo__err(-EINVAL, "optimize: folio %#" PRIx64 " is already optimized",
				f->pfn);
	folio_range(sim, f, &start, &end);
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD) {
		/* static_branch_inc() first: readers detect fake heads from now */
		static_key(sim, 1);
		if ((flags & HVO_VMEMMAP_SYNCHRONIZE_RCU) && sim->cfg.rcu_sync)
			hvo__synchronize_rcu(sim);
		hvo__folio_set_optimized(sim, f->pfn, true);
		/* a fresh head; if that fails, reuse the mapped one */
		if (alloc_head_copy(sim, f, start, &head))
			head = HVO_NIL;
		r = remap_free(sim, start, end, head, head == HVO_NIL ? frame_at(sim, start) : head,
			       flags, pl, true);
		if (r) {
			hvo__folio_set_optimized(sim, f->pfn, false);
			static_key(sim, -1);
			cnt_add(sim, optimize_failed, 1);
			return hvo__err(r, "optimize: folio %#" PRIx64 ": PMD split failed, rolled "
					"back", f->pfn);
		}
	} else {
		r = get_tail(sim, f, &tail_page);
		if (r) {
			cnt_add(sim, optimize_failed, 1);
			return hvo__err(r, "optimize: folio %#" PRIx64 ": no shared tail page",
					f->pfn);
		}
		/* the flag is set before the head is copied, so with a deferred
		 * flush the old and the new head agree */
		hvo__folio_set_optimized(sim, f->pfn, true);
		r = alloc_head_copy(sim, f, start, &head);
		if (r) {
			hvo__folio_set_optimized(sim, f->pfn, false);
			hvo__put_tail(sim, f, tail_page);
			cnt_add(sim, optimize_failed, 1);
			return hvo__err(r, "optimize: folio %#" PRIx64 ": no head page", f->pfn);
		}
		r = remap_free(sim, start, end, head, page_to_frame(sim, tail_page), flags,
			       pl, false);
		if (r) {
			hvo__folio_set_optimized(sim, f->pfn, false);
			hvo__put_tail(sim, f, tail_page);
			cnt_add(sim, optimize_failed, 1);
			return hvo__err(r, "optimize: folio %#" PRIx64 ": PMD split failed, rolled "
					"back", f->pfn);
		}
		f->tail_page = tail_page;
	}
	cnt_add(sim, optimized_folios, 1);
	cnt_add(sim, optimize_done, 1);
	atomic_fetch_add(&h->nr_optimized, 1);
	atomic_fetch_add(&h->vmemmap_freed, hvo__vmemmap_pages(sim, h->order) - 1);
	return 0;
}

int hvo__vmemmap_restore_folio(struct hvo_sim *sim, struct hvo_folio *f,
			       unsigned int flags, uint64_t *tail_to_put)
{
	struct hvo_hstate *h = &sim->hugetlb->hs[f->h];
	uint64_t start, end, n, i, *frames, reuse, ps = sim->geo.page_size;
	uint64_t tmpl[HVO_NR_PAGE_WORDS], tmpl_page;
	int r = 0;

	if (tail_to_put)
		*tail_to_put = 0;
	if (!hvo__folio_test_optimized(sim, f->pfn))
		return hvo__err(-EINVAL, "restore: folio %#" PRIx64 " is not optimized", f->pfn);
	cnt_add(sim, restore_calls, 1);
	folio_range(sim, f, &start, &end);
	n = hvo__vmemmap_pages(sim, h->order) - 1;
	frames = calloc(n, sizeof(*frames));
	if (!frames)
		return hvo__err(-ENOMEM, "restore: out of host memory");
	/* alloc_vmemmap_page_list(): all or nothing */
	for (i = 0; i < n; i++) {
		r = hvo__alloc(sim, HVO_SITE_VMEMMAP_RESTORE, f->nid, -1, 0,
			       HVO_KIND_VMEMMAP, 0, &frames[i]);
		if (r)
			break;
	}
	if (r) {
		while (i--)
			hvo__free(sim, frames[i], 0, true);
		free(frames);
		cnt_add(sim, restore_failed, 1);
		return hvo__err(-ENOMEM, "restore: folio %#" PRIx64 ": cannot allocate %" PRIu64
				" vmemmap pages; it stays optimized", f->pfn, n);
	}
	cnt_add(sim, memmap_pages, (int64_t)n);
	reuse = frame_at(sim, start);
	if (sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL) {
		unsigned int w;

		/* replicate the last struct page of the head page into each: build
		 * the first page, copy it to the rest */
		uint64_t *dst = (uint64_t *)hvo__frame(sim, frames[0]), k, R = hvo__reserve_pages(sim);
		unsigned int spw = sim->geo.stride / 8;

		tmpl_page = start + (R - 1) * sim->geo.stride;
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			hvo_page_read(sim, tmpl_page, w, &tmpl[w]);
		hvo__frame_fill_words(sim, frames[0], 0);
		for (k = 0; k < R; k++)
			for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
				if (sim->word_off[w] >= 0)
					__atomic_store_n(&dst[k * spw + (unsigned int)sim->word_off[w]],
							 tmpl[w], HVO_STORE_ORDER);
		for (i = 1; i < n; i++)
			hvo__frame_copy(sim, frames[i], frames[0]);
	} else {
		for (i = 0; i < n; i++) {
			hvo__frame_copy(sim, frames[i], reuse);
			reset_struct_pages(sim, frames[i]);
		}
	}
	for (i = 0; i < n; i++)
		hvo__map_pte(sim, start + (i + 1) * ps, frames[i], true, false, NULL);
	free(frames);
	hvo__folio_set_optimized(sim, f->pfn, false);
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD)
		static_key(sim, -1);
	cnt_sub(sim, optimized_folios, 1);
	cnt_add(sim, restore_done, 1);
	cnt_add(sim, vmemmap_pages_restored, n);
	atomic_fetch_sub(&h->nr_optimized, 1);
	atomic_fetch_add(&h->vmemmap_restored, n);
	if (!(flags & HVO_VMEMMAP_REMAP_NO_TLB_FLUSH)) {
		hvo_flush_tlb_kernel_range(sim, start, end);
		hvo__put_tail(sim, f, f->tail_page);
	} else if (tail_to_put) {
		*tail_to_put = f->tail_page;
	}
	f->tail_page = 0;
	return 0;
}

static int split_folio(struct hvo_sim *sim, const struct hvo_folio *f)
{
	uint64_t start, end, v, pmd = 1ull << sim->geo.pmd_shift;
	int r;

	folio_range(sim, f, &start, &end);
	for (v = start; v < end; v = (v & ~(pmd - 1)) + pmd) {
		r = hvo_vmemmap_split_pmd(sim, v, false);
		if (r)
			return r;
	}
	return 0;
}

/* hugetlb_vmemmap_optimize_folios() */
uint64_t hvo__vmemmap_optimize_folios(struct hvo_sim *sim, struct hvo_folio **fs,
				      uint64_t n)
{
	struct hvo_pagelist pl = { 0 };
	unsigned int sync = HVO_VMEMMAP_SYNCHRONIZE_RCU;
	const unsigned int flags = HVO_VMEMMAP_REMAP_NO_TLB_FLUSH |
				   HVO_VMEMMAP_SPLIT_NO_TLB_FLUSH;
	uint64_t i, done = 0;
	bool any = false;
	int r;

	for (i = 0; i < n; i++) {
		if (!sim->hugetlb->hs[fs[i]->h].optimizable)
			continue;
		any = true;
		if (split_folio(sim, fs[i]) == -ENOMEM)
			break;
	}
	if (!any)
		return 0;
	hvo_flush_tlb_all(sim);
	for (i = 0; i < n; i++) {
		struct hvo_folio *f = fs[i];

		if (!sim->hugetlb->hs[f->h].optimizable ||
		    hvo__folio_test_optimized(sim, f->pfn))
			continue;
		r = hvo__vmemmap_optimize_folio(sim, f, flags | sync, &pl);
		/* VMEMMAP_SYNCHRONIZE_RCU: once per batch */
		sync = 0;
		if (r == -ENOMEM && pl.n) {
			/* free what we have collected and retry once */
			hvo_flush_tlb_all(sim);
			hvo__pagelist_free(sim, &pl);
			r = hvo__vmemmap_optimize_folio(sim, f, flags, &pl);
		}
		if (!r)
			done++;
	}
	hvo_flush_tlb_all(sim);
	hvo__pagelist_free(sim, &pl);
	return done;
}

/* hugetlb_vmemmap_restore_folios() */
int hvo__vmemmap_restore_folios(struct hvo_sim *sim, struct hvo_folio **fs,
				uint64_t n, uint64_t *restored)
{
	uint64_t i, nr = 0, *tails = calloc(n ? n : 1, sizeof(*tails));
	bool any = false;
	int r = 0;

	if (!tails)
		return -ENOMEM;
	for (i = 0; i < n; i++) {
		if (!hvo__folio_test_optimized(sim, fs[i]->pfn)) {
			nr++;
			continue;
		}
		/* VMEMMAP_SYNCHRONIZE_RCU: once per batch */
		if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD && !any && sim->cfg.rcu_sync)
			hvo__synchronize_rcu(sim);
		r = hvo__vmemmap_restore_folio(sim, fs[i], HVO_VMEMMAP_REMAP_NO_TLB_FLUSH,
					       &tails[i]);
		if (r)
			break;
		any = true;
		nr++;
	}
	if (any)
		hvo_flush_tlb_all(sim);
	/* last-user puts come after the flush that unmapped the tails */
	for (i = 0; i < n; i++)
		if (tails[i])
			hvo__put_tail(sim, fs[i], tails[i]);
	free(tails);
	if (restored)
		*restored = nr;
	return r;
}
