// SPDX-License-Identifier: MIT
/*
 * hugetlb.c - hstates and huge-page pools (mm/hugetlb.c), boot gigantic
 * pages (hugetlb_bootmem, gather_bootmem_prealloc()).
 *
 * hugetlb_lock protects pool state and the folio registry.  It is never
 * held while frames are allocated or freed or while HVO runs: as in the
 * kernel, a folio is isolated under the lock and worked on outside it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hugetlb_internal.h"

/* MAX_PAGE_ORDER: x86-64 and arm64 4K 10, arm64 16K 11, arm64 64K 13 */
static unsigned int max_page_order(const struct hvo_sim *sim)
{
	switch (sim->geo.page_shift) {
	case 14: return 11;
	case 16: return 13;
	default: return 10;
	}
}

bool hvo__hstate_optimizable(const struct hvo_sim *sim, unsigned int order)
{
	/* hugetlb_vmemmap_optimizable(): a power-of-2 struct page and a vmemmap
	 * of at least two pages (order >= VMEMMAP_TAIL_MIN_ORDER) */
	return sim->cfg.scheme != HVO_SCHEME_NONE && sim->geo.hvo_possible &&
	       order >= sim->geo.vmemmap_tail_min_order;
}

/* HUGETLB_VMEMMAP_RESERVE_PAGES: struct pages in the head vmemmap page */
uint64_t hvo__reserve_pages(const struct hvo_sim *sim)
{
	return sim->geo.page_size / sim->geo.stride;
}

uint64_t hvo__vmemmap_pages(const struct hvo_sim *sim, unsigned int order)
{
	uint64_t bytes = (1ull << order) * sim->geo.stride;

	return (bytes + sim->geo.page_size - 1) >> sim->geo.page_shift;
}

static void add_hstate(struct hvo_sim *sim, unsigned int order)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_hstate *h = &hg->hs[hg->nr_hstates++];

	h->order = order;
	h->bytes = 1ull << (order + sim->geo.page_shift);
	snprintf(h->name, sizeof(h->name), "hugepages-%" PRIu64 "kB", h->bytes >> 10);
	h->gigantic = order > max_page_order(sim);
	h->optimizable = hvo__hstate_optimizable(sim, order);
}

int hvo__hugetlb_init(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = calloc(1, sizeof(*hg));

	if (!hg)
		return hvo__err(-ENOMEM, "hugetlb: out of host memory");
	sim->hugetlb = hg;
	pthread_mutex_init(&hg->lock, NULL);
	pthread_mutex_init(&hg->tail_lock, NULL);
	/* the arm64 contiguous sizes (CONT_PTE/CONT_PMD) on request */
	switch (sim->geo.page_shift) {
	case 12:
		if (sim->cfg.cont_hstates)
			add_hstate(sim, 4);	/* 64K */
		add_hstate(sim, 9);		/* 2M */
		if (sim->cfg.cont_hstates)
			add_hstate(sim, 13);	/* 32M */
		add_hstate(sim, 18);		/* 1G */
		break;
	case 14:
		if (sim->cfg.cont_hstates)
			add_hstate(sim, 7);	/* 2M */
		add_hstate(sim, 11);		/* 32M */
		add_hstate(sim, 16);		/* 1G */
		break;
	default:
		if (sim->cfg.cont_hstates)
			add_hstate(sim, 5);	/* 2M */
		add_hstate(sim, 13);		/* 512M */
		add_hstate(sim, 18);		/* 16G */
		break;
	}
	hg->cap = 64;
	hg->tab = calloc(hg->cap, sizeof(*hg->tab));
	return hg->tab ? 0 : hvo__err(-ENOMEM, "hugetlb: out of host memory");
}

/* ---- the folio registry: head pfn -> struct hvo_folio (hugetlb_lock) ---- */

static uint64_t hash_pfn(uint64_t pfn)
{
	return (pfn * 0x9e3779b97f4a7c15ull) >> 17;
}

static int reg_grow(struct hvo_hugetlb *hg)
{
	uint64_t ncap = hg->count * 4 > hg->cap ? hg->cap * 2 : hg->cap, i, j;
	struct hvo_folio **nt = calloc(ncap, sizeof(*nt));

	if (!nt)
		return -ENOMEM;
	for (i = 0; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (!f || f == HVO_FOLIO_TOMB)
			continue;
		for (j = hash_pfn(f->pfn) & (ncap - 1); nt[j]; j = (j + 1) & (ncap - 1))
			;
		nt[j] = f;
	}
	free(hg->tab);
	hg->tab = nt;
	hg->cap = ncap;
	hg->tombs = 0;
	return 0;
}

static int reg_insert(struct hvo_hugetlb *hg, struct hvo_folio *f)
{
	uint64_t j;

	if ((hg->count + hg->tombs + 1) * 2 > hg->cap && reg_grow(hg))
		return -ENOMEM;
	for (j = hash_pfn(f->pfn) & (hg->cap - 1);
	     hg->tab[j] && hg->tab[j] != HVO_FOLIO_TOMB; j = (j + 1) & (hg->cap - 1))
		;
	if (hg->tab[j] == HVO_FOLIO_TOMB)
		hg->tombs--;
	hg->tab[j] = f;
	hg->count++;
	return 0;
}

static struct hvo_folio **reg_slot(struct hvo_hugetlb *hg, uint64_t pfn)
{
	uint64_t j;

	for (j = hash_pfn(pfn) & (hg->cap - 1); hg->tab[j]; j = (j + 1) & (hg->cap - 1))
		if (hg->tab[j] != HVO_FOLIO_TOMB && hg->tab[j]->pfn == pfn)
			return &hg->tab[j];
	return NULL;
}

static void reg_remove(struct hvo_hugetlb *hg, uint64_t pfn)
{
	struct hvo_folio **s = reg_slot(hg, pfn);

	if (s) {
		*s = HVO_FOLIO_TOMB;
		hg->count--;
		hg->tombs++;
	}
}

/* hugetlb_lock held */
struct hvo_folio *hvo__folio_find(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio **s = reg_slot(sim->hugetlb, pfn);

	return s ? *s : NULL;
}

bool hvo__folio_registered(struct hvo_sim *sim, uint64_t pfn)
{
	bool r;

	if (!sim->hugetlb)
		return false;
	pthread_mutex_lock(&sim->hugetlb->lock);
	r = hvo__folio_find(sim, pfn) != NULL;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	return r;
}

/* the head pfn of the hugetlb folio holding pfn, from the buddy's blocks */
uint64_t hvo__folio_of_pfn(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_frame_info fi;

	if (pfn >= sim->geo.nr_pfns || hvo_frame_info(sim, pfn, &fi) ||
	    !fi.allocated || fi.kind != HVO_KIND_HUGETLB)
		return UINT64_MAX;
	return fi.head_pfn;
}

/* ---- free lists (hugetlb_lock) ---- */

static void enqueue(struct hvo_hugetlb *hg, struct hvo_folio *f)
{
	struct hvo_hstate *h = &hg->hs[f->h];

	f->state = HVO_FOLIO_FREE;
	f->prev = NULL;
	f->next = h->free_list[f->nid];
	if (f->next)
		f->next->prev = f;
	h->free_list[f->nid] = f;
	h->free++;
	h->free_node[f->nid]++;
}

static void dequeue(struct hvo_hugetlb *hg, struct hvo_folio *f)
{
	struct hvo_hstate *h = &hg->hs[f->h];

	if (f->prev)
		f->prev->next = f->next;
	else
		h->free_list[f->nid] = f->next;
	if (f->next)
		f->next->prev = f->prev;
	f->next = f->prev = NULL;
	f->state = HVO_FOLIO_ISOLATED;
	h->free--;
	h->free_node[f->nid]--;
}

/*
 * Pool accounting, as the kernel keeps it: counters, not a property of a
 * folio.  add_hugetlb_folio(h, folio, adjust_surplus) and
 * remove_hugetlb_folio(h, folio, adjust_surplus); surplus can never exceed
 * the pool, so a removal that would leave it larger clamps it.
 * f->surplus only remembers how a folio entered, for hvo_folio_lookup().
 */
static void pool_add(struct hvo_hugetlb *hg, struct hvo_folio *f, bool surplus)
{
	struct hvo_hstate *h = &hg->hs[f->h];

	h->nr++;
	h->nr_node[f->nid]++;
	f->surplus = surplus;
	if (surplus) {
		h->surplus++;
		h->surplus_node[f->nid]++;
	}
}

static void pool_remove(struct hvo_hugetlb *hg, struct hvo_folio *f, bool surplus)
{
	struct hvo_hstate *h = &hg->hs[f->h];

	h->nr--;
	h->nr_node[f->nid]--;
	if (surplus && h->surplus_node[f->nid]) {
		h->surplus--;
		h->surplus_node[f->nid]--;
	}
	if (h->surplus_node[f->nid] > h->nr_node[f->nid]) {
		h->surplus -= h->surplus_node[f->nid] - h->nr_node[f->nid];
		h->surplus_node[f->nid] = h->nr_node[f->nid];
	}
	f->surplus = false;
}

/* ---- new and freed folios (no lock held) ---- */

/* __prep_new_hugetlb_folio(): page type, HPageFlags clear, refcount frozen */
static int prep_hugetlb_head(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn);
	int r;

	r = hvo_page_write(sim, head, HVO_PW_COUNTS, HVO_PGTY_HUGETLB);
	if (!r)
		r = hvo_page_write(sim, head, HVO_PW_PRIVATE, 0);
	if (!r)
		r = hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_SUBPOOL, 0);
	return r;
}

static struct hvo_folio *new_folio(struct hvo_sim *sim, unsigned int hi,
				   uint64_t pfn, bool boot)
{
	struct hvo_folio *f = calloc(1, sizeof(*f));
	unsigned int nid = 0;
	enum hvo_zone_type zone = HVO_ZONE_NORMAL;

	if (!f)
		return NULL;
	hvo_pfn_zone(sim, pfn, &nid, &zone);
	f->pfn = pfn;
	f->h = (uint8_t)hi;
	f->nid = (uint8_t)nid;
	f->zone = (uint8_t)zone;
	f->boot = boot;
	f->state = HVO_FOLIO_ISOLATED;
	return f;
}

/* alloc_fresh_hugetlb_folio() without HVO: buddy, prep compound, registered */
static int alloc_fresh(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
		       bool surplus, struct hvo_folio **out)
{
	struct hvo_hstate *h = &sim->hugetlb->hs[hi];
	struct hvo_folio *f;
	uint64_t pfn;
	int r;

	r = hvo__alloc(sim, HVO_SITE_HUGETLB_FOLIO, nid, -1, h->order,
		       HVO_KIND_HUGETLB, HVO_GFP_THISNODE, &pfn);
	if (r)
		return r;
	r = hvo__prep_compound(sim, pfn, h->order, 1ull << h->order);
	if (!r)
		r = prep_hugetlb_head(sim, pfn);
	f = r ? NULL : new_folio(sim, hi, pfn, false);
	if (f) {
		f->surplus = surplus;
		pthread_mutex_lock(&sim->hugetlb->lock);
		r = reg_insert(sim->hugetlb, f);
		pthread_mutex_unlock(&sim->hugetlb->lock);
	}
	if (r || !f) {
		free(f);
		hvo__destroy_compound(sim, pfn, h->order, 1ull << h->order);
		hvo__free(sim, pfn, h->order, true);
		return r ? r : -ENOMEM;
	}
	*out = f;
	return 0;
}

/* __update_and_free_hugetlb_folio() after a successful restore */
static void free_folio_frames(struct hvo_sim *sim, struct hvo_folio *f)
{
	unsigned int order = sim->hugetlb->hs[f->h].order;
	uint64_t head = hvo_pfn_to_page(sim, f->pfn);

	hvo_page_write(sim, head, HVO_PW_COUNTS, HVO_MAPCOUNT_NONE);
	hvo_page_write(sim, head, HVO_PW_PRIVATE, 0);
	hvo__destroy_compound(sim, f->pfn, order, 1ull << order);
	pthread_mutex_lock(&sim->hugetlb->lock);
	reg_remove(sim->hugetlb, f->pfn);
	pthread_mutex_unlock(&sim->hugetlb->lock);
	hvo__free(sim, f->pfn, order, true);
	free(f);
}

/*
 * update_and_free_pages_bulk(): restore the batch's vmemmap and free what
 * was restored; if the batch restore stopped on -ENOMEM, retry the rest one
 * by one (bulk_vmemmap_restore_error()); a folio that still cannot be
 * restored must stay a hugetlb folio: it goes back into the pool, as a
 * surplus folio when @surplus (add_hugetlb_folio(h, folio, true)).  Folios
 * are isolated and already out of the pool counts.
 */
static uint64_t update_and_free_bulk(struct hvo_sim *sim, struct hvo_folio **fs,
				     uint64_t n, bool surplus)
{
	uint64_t restored = 0, i, freed = 0;

	hvo__vmemmap_restore_folios(sim, fs, n, &restored);
	for (i = 0; i < n; i++) {
		struct hvo_folio *f = fs[i];

		if (hvo__folio_test_optimized(sim, f->pfn))
			hvo__vmemmap_restore_folio(sim, f, 0, NULL);
		if (hvo__folio_test_optimized(sim, f->pfn)) {
			pthread_mutex_lock(&sim->hugetlb->lock);
			pool_add(sim->hugetlb, f, surplus);
			enqueue(sim->hugetlb, f);
			pthread_mutex_unlock(&sim->hugetlb->lock);
			continue;
		}
		free_folio_frames(sim, f);
		freed++;
	}
	return freed;
}

/* prep_and_add_allocated_folios(): optimize as a batch, then enqueue */
static void prep_and_add(struct hvo_sim *sim, struct hvo_folio **fs, uint64_t n)
{
	uint64_t i;

	hvo__vmemmap_optimize_folios(sim, fs, n);
	pthread_mutex_lock(&sim->hugetlb->lock);
	for (i = 0; i < n; i++) {
		pool_add(sim->hugetlb, fs[i], false);
		enqueue(sim->hugetlb, fs[i]);
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
}

static int check_h(struct hvo_sim *sim, unsigned int hi)
{
	if (!sim)
		return hvo__err(-EINVAL, "hugetlb: NULL sim");
	if (hi >= sim->hugetlb->nr_hstates)
		return hvo__err(-EINVAL, "hugetlb: hstate %u does not exist (%u hstates)", hi,
				sim->hugetlb->nr_hstates);
	return 0;
}

#define POOL_BATCH 64

HVO_EXPORT int hvo_pool_grow(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
			     uint64_t nr, uint64_t *done)
{
	struct hvo_folio *batch[POOL_BATCH];
	uint64_t d = 0, n, i;
	int r = check_h(sim, hi);

	if (r)
		return r;
	if (nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "pool_grow: node %u does not exist", nid);
	while (d < nr) {
		n = nr - d < POOL_BATCH ? nr - d : POOL_BATCH;
		for (i = 0; i < n; i++)
			if (alloc_fresh(sim, hi, nid, false, &batch[i]))
				break;
		if (i)
			prep_and_add(sim, batch, i);
		d += i;
		if (i < n) {
			r = hvo__err(-ENOMEM, "pool_grow: %s node %u: out of memory after %" PRIu64,
				     sim->hugetlb->hs[hi].name, nid, d);
			break;
		}
	}
	if (done)
		*done = d;
	return r;
}

HVO_EXPORT int hvo_pool_shrink(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
			       uint64_t nr, uint64_t *done)
{
	struct hvo_hugetlb *hg;
	struct hvo_hstate *h;
	struct hvo_folio *batch[POOL_BATCH];
	uint64_t d = 0, n, freed;
	int r = check_h(sim, hi);

	if (r)
		return r;
	if (nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "pool_shrink: node %u does not exist", nid);
	hg = sim->hugetlb;
	h = &hg->hs[hi];
	while (d < nr) {
		n = 0;
		pthread_mutex_lock(&hg->lock);
		while (n < POOL_BATCH && d + n < nr && h->free_list[nid]) {
			struct hvo_folio *f = h->free_list[nid];

			dequeue(hg, f);
			pool_remove(hg, f, false);
			batch[n++] = f;
		}
		pthread_mutex_unlock(&hg->lock);
		if (!n) {
			r = hvo__err(-EBUSY, "pool_shrink: %s node %u: no free folio left after %"
				     PRIu64, h->name, nid, d);
			break;
		}
		/* folios that could not be restored stay as surplus: the persistent
		 * pool shrank either way, as set_max_huge_pages() sees it */
		freed = update_and_free_bulk(sim, batch, n, true);
		d += n;
		if (freed < n) {
			r = hvo__err(-ENOMEM, "pool_shrink: %s node %u: %" PRIu64 " folio(s) could "
				     "not have their vmemmap restored (out of memory) and stay as "
				     "surplus", h->name, nid, n - freed);
			break;
		}
	}
	if (done)
		*done = d;
	return r;
}

HVO_EXPORT int hvo_pool_resize(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
			       uint64_t count, uint64_t *actual)
{
	struct hvo_hstate *h;
	uint64_t have;
	int r = check_h(sim, hi);

	if (r)
		return r;
	if (nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "pool_resize: node %u does not exist", nid);
	h = &sim->hugetlb->hs[hi];
	pthread_mutex_lock(&sim->hugetlb->lock);
	have = h->nr_node[nid] - h->surplus_node[nid];
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (have < count)
		r = hvo_pool_grow(sim, hi, nid, count - have, NULL);
	else if (have > count)
		r = hvo_pool_shrink(sim, hi, nid, have - count, NULL);
	if (actual) {
		pthread_mutex_lock(&sim->hugetlb->lock);
		*actual = h->nr_node[nid] - h->surplus_node[nid];
		pthread_mutex_unlock(&sim->hugetlb->lock);
	}
	return r;
}

HVO_EXPORT int hvo_pool_set_overcommit(struct hvo_sim *sim, unsigned int hi,
				       uint64_t count)
{
	int r = check_h(sim, hi);

	if (r)
		return r;
	pthread_mutex_lock(&sim->hugetlb->lock);
	sim->hugetlb->hs[hi].overcommit = count;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	return 0;
}

HVO_EXPORT int hvo_folio_alloc(struct hvo_sim *sim, unsigned int hi, int nid,
			       uint64_t *pfn)
{
	struct hvo_hugetlb *hg;
	struct hvo_hstate *h;
	struct hvo_folio *f = NULL;
	unsigned int i, n;
	int r = check_h(sim, hi);

	if (r)
		return r;
	if (!pfn || nid >= (int)sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "folio_alloc: bad node %d or NULL pfn", nid);
	hg = sim->hugetlb;
	h = &hg->hs[hi];
	pthread_mutex_lock(&hg->lock);
	/* dequeue_hugetlb_folio_nodemask(): preferred node first */
	for (i = 0; i < sim->cfg.nr_nodes && !f; i++) {
		n = ((nid < 0 ? 0 : (unsigned int)nid) + i) % sim->cfg.nr_nodes;
		if (h->free_list[n])
			f = h->free_list[n];
	}
	if (f) {
		dequeue(hg, f);
		f->state = HVO_FOLIO_ACTIVE;
		pthread_mutex_unlock(&hg->lock);
	} else {
		bool ok = h->surplus + h->surplus_pending < h->overcommit;

		if (ok) {
			/* reserve the surplus slot before dropping the lock */
			h->surplus_pending++;
		}
		pthread_mutex_unlock(&hg->lock);
		if (!ok)
			return hvo__err(-ENOMEM, "folio_alloc: %s has no free folio and no "
					"surplus allowed", h->name);
		r = alloc_fresh(sim, hi, nid < 0 ? 0 : (unsigned int)nid, true, &f);
		if (!r)
			hvo__vmemmap_optimize_folios(sim, &f, 1);
		pthread_mutex_lock(&hg->lock);
		h->surplus_pending--;
		if (!r) {
			pool_add(hg, f, true);
			f->state = HVO_FOLIO_ACTIVE;
		}
		pthread_mutex_unlock(&hg->lock);
		if (r)
			return hvo__err(r, "folio_alloc: %s: cannot allocate a surplus folio",
					h->name);
	}
	/* folio_ref_unfreeze(folio, 1) */
	hvo_page_ref_add(sim, hvo_pfn_to_page(sim, f->pfn), 1, NULL);
	*pfn = f->pfn;
	return 0;
}

/* free_huge_folio(): the last reference is gone */
int hvo__free_huge_folio(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_folio *f;

	pthread_mutex_lock(&hg->lock);
	f = hvo__folio_find(sim, pfn);
	if (!f || f->state != HVO_FOLIO_ACTIVE) {
		pthread_mutex_unlock(&hg->lock);
		return -EINVAL;
	}
	if (hg->hs[f->h].surplus_node[f->nid]) {
		/* remove_hugetlb_folio(h, folio, true): a surplus folio leaves */
		pool_remove(hg, f, true);
		f->state = HVO_FOLIO_ISOLATED;
		pthread_mutex_unlock(&hg->lock);
		update_and_free_bulk(sim, &f, 1, true);
		return 0;
	}
	/* no surplus left on the node: whatever it entered as, it stays as a
	 * persistent folio (f->surplus is information only) */
	f->surplus = false;
	enqueue(hg, f);
	pthread_mutex_unlock(&hg->lock);
	return 0;
}

HVO_EXPORT int hvo_folio_put(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio *f;
	int32_t v = 0;
	int r;

	if (!sim)
		return hvo__err(-EINVAL, "folio_put: NULL sim");
	pthread_mutex_lock(&sim->hugetlb->lock);
	f = hvo__folio_find(sim, pfn);
	r = f && f->state == HVO_FOLIO_ACTIVE;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (!r)
		return hvo__err(-EINVAL, "folio_put: pfn %#" PRIx64 " is not the head of a "
				"hugetlb folio in use", pfn);
	r = hvo_page_ref_add(sim, hvo_pfn_to_page(sim, pfn), -1, &v);
	if (r)
		return r;
	if (v == 0)
		return hvo__free_huge_folio(sim, pfn);
	return 0;
}

HVO_EXPORT int hvo_folio_dissolve(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_hugetlb *hg;
	struct hvo_folio *f;
	bool adjust;

	if (!sim)
		return hvo__err(-EINVAL, "dissolve: NULL sim");
	hg = sim->hugetlb;
	pthread_mutex_lock(&hg->lock);
	f = hvo__folio_find(sim, pfn);
	if (!f) {
		pthread_mutex_unlock(&hg->lock);
		return hvo__err(-EINVAL, "dissolve: pfn %#" PRIx64 " is not the head of a "
				"hugetlb folio", pfn);
	}
	if (f->state != HVO_FOLIO_FREE) {
		pthread_mutex_unlock(&hg->lock);
		return hvo__err(-EBUSY, "dissolve: folio %#" PRIx64 " is %s", pfn,
				f->state == HVO_FOLIO_ACTIVE ? "in use" : "being worked on");
	}
	/* dissolve_free_hugetlb_folio(): adjust_surplus if the node has surplus
	 * folios, both when it leaves and if it has to come back */
	adjust = hg->hs[f->h].surplus_node[f->nid] != 0;
	dequeue(hg, f);
	pool_remove(hg, f, adjust);
	pthread_mutex_unlock(&hg->lock);
	if (!update_and_free_bulk(sim, &f, 1, adjust))
		return hvo__err(-ENOMEM, "dissolve: cannot restore the vmemmap of %#" PRIx64
				"; it stays in the pool", pfn);
	return 0;
}

HVO_EXPORT int hvo_demote(struct hvo_sim *sim, unsigned int src, unsigned int dst,
			  unsigned int nid, uint64_t nr, uint64_t *done)
{
	struct hvo_hugetlb *hg;
	struct hvo_hstate *hs, *hd;
	uint64_t d = 0;
	int r = check_h(sim, src), ret = 0;

	if (!r)
		r = check_h(sim, dst);
	if (r)
		return r;
	hg = sim->hugetlb;
	hs = &hg->hs[src];
	hd = &hg->hs[dst];
	if (hd->order >= hs->order)
		return hvo__err(-EINVAL, "demote: %s is not smaller than %s", hd->name, hs->name);
	if (nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "demote: node %u does not exist", nid);
	while (d < nr) {
		struct hvo_folio *f, **dfs;
		uint64_t n = 1ull << (hs->order - hd->order), i, restored = 0;

		pthread_mutex_lock(&hg->lock);
		f = hs->free_list[nid];
		if (!f) {
			pthread_mutex_unlock(&hg->lock);
			ret = hvo__err(-EBUSY, "demote: no free %s folio on node %u", hs->name, nid);
			break;
		}
		dequeue(hg, f);
		pool_remove(hg, f, false);
		pthread_mutex_unlock(&hg->lock);
		/* demote_free_hugetlb_folios(): restore the source first */
		hvo__vmemmap_restore_folios(sim, &f, 1, &restored);
		if (hvo__folio_test_optimized(sim, f->pfn)) {
			pthread_mutex_lock(&hg->lock);
			pool_add(hg, f, false);
			enqueue(hg, f);
			pthread_mutex_unlock(&hg->lock);
			ret = hvo__err(-ENOMEM, "demote: cannot restore the vmemmap of %#" PRIx64,
				       f->pfn);
			break;
		}
		dfs = calloc(n, sizeof(*dfs));
		if (!dfs) {
			ret = hvo__err(-ENOMEM, "demote: out of host memory");
			pthread_mutex_lock(&hg->lock);
			pool_add(hg, f, false);
			enqueue(hg, f);
			pthread_mutex_unlock(&hg->lock);
			break;
		}
		/* split: the source's compound page and buddy block become n folios */
		hvo_page_write(sim, hvo_pfn_to_page(sim, f->pfn), HVO_PW_COUNTS,
			       HVO_MAPCOUNT_NONE);
		hvo__destroy_compound(sim, f->pfn, hs->order, 1ull << hs->order);
		hvo__split_block_to(sim, f->pfn, hd->order);
		pthread_mutex_lock(&hg->lock);
		reg_remove(hg, f->pfn);
		pthread_mutex_unlock(&hg->lock);
		for (i = 0; i < n; i++) {
			uint64_t p = f->pfn + (i << hd->order);
			struct hvo_folio *nf = new_folio(sim, dst, p, false);

			if (!nf || hvo__prep_compound(sim, p, hd->order, 1ull << hd->order) ||
			    prep_hugetlb_head(sim, p)) {
				/* cannot happen short of host OOM: the frames were just
				 * restored writable; stop rather than leak state */
				fprintf(stderr, "hvosim: demote: prep of %#" PRIx64 " failed\n", p);
				abort();
			}
			pthread_mutex_lock(&hg->lock);
			reg_insert(hg, nf);
			pthread_mutex_unlock(&hg->lock);
			dfs[i] = nf;
		}
		free(f);
		prep_and_add(sim, dfs, n);
		free(dfs);
		d++;
	}
	if (done)
		*done = d;
	return ret;
}

HVO_EXPORT unsigned int hvo_hstate_count(const struct hvo_sim *sim)
{
	return sim->hugetlb->nr_hstates;
}

HVO_EXPORT int hvo_hstate_info(struct hvo_sim *sim, unsigned int hi,
			       struct hvo_hstate_info *info)
{
	struct hvo_hstate *h;
	unsigned int n;
	int r = check_h(sim, hi);

	if (r)
		return r;
	h = &sim->hugetlb->hs[hi];
	memset(info, 0, sizeof(*info));
	info->index = hi;
	info->order = h->order;
	info->bytes = h->bytes;
	snprintf(info->name, sizeof(info->name), "%s", h->name);
	info->gigantic = h->gigantic;
	info->optimizable = h->optimizable;
	info->vmemmap_bytes = (1ull << h->order) * sim->geo.stride;
	info->vmemmap_pages = hvo__vmemmap_pages(sim, h->order);
	info->optimizable_pages = h->optimizable ? info->vmemmap_pages - 1 : 0;
	info->nr_optimized = atomic_load(&h->nr_optimized);
	info->vmemmap_pages_freed = atomic_load(&h->vmemmap_freed);
	info->vmemmap_pages_restored = atomic_load(&h->vmemmap_restored);
	pthread_mutex_lock(&sim->hugetlb->lock);
	info->nr_huge_pages = h->nr;
	info->free_huge_pages = h->free;
	info->surplus_huge_pages = h->surplus;
	info->nr_overcommit_huge_pages = h->overcommit;
	for (n = 0; n < HVO_MAX_NODES; n++) {
		info->nr_huge_pages_node[n] = h->nr_node[n];
		info->free_huge_pages_node[n] = h->free_node[n];
		info->surplus_huge_pages_node[n] = h->surplus_node[n];
	}
	{
		/* every folio of the hstate, isolated ones included, in one
		 * snapshot: all its pages, or one if optimized */
		struct hvo_hugetlb *hg = sim->hugetlb;
		uint64_t i, all = 0, opt = 0;

		for (i = 0; i < hg->cap; i++) {
			struct hvo_folio *f = hg->tab[i];

			if (!f || f == HVO_FOLIO_TOMB || f->h != hi)
				continue;
			all++;
			if (h->optimizable && hvo__folio_test_optimized(sim, f->pfn))
				opt++;
		}
		info->vmemmap_pages_in_use = all * info->vmemmap_pages -
					     opt * info->optimizable_pages;
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
	return 0;
}

HVO_EXPORT int hvo_hstate_find(const struct hvo_sim *sim, uint64_t bytes)
{
	unsigned int i;

	for (i = 0; i < sim->hugetlb->nr_hstates; i++)
		if (sim->hugetlb->hs[i].bytes == bytes)
			return (int)i;
	return hvo__err(-ENOENT, "hstate: no %" PRIu64 "-byte huge pages at %llu-byte base "
			"pages (%s)", bytes, 1ull << sim->geo.page_shift,
			sim->geo.page_shift == 12 ? "2M, 1G; 64K, 32M with cont_hstates" :
			sim->geo.page_shift == 14 ? "32M, 1G; 2M with cont_hstates" :
			"512M, 16G; 2M with cont_hstates");
}

HVO_EXPORT int hvo_folio_lookup(struct hvo_sim *sim, uint64_t pfn,
				struct hvo_folio_info *info)
{
	struct hvo_folio *f;
	uint64_t head;

	if (!sim || !info)
		return hvo__err(-EINVAL, "folio_lookup: NULL argument");
	if (pfn >= sim->geo.nr_pfns)
		return hvo__err(-ERANGE, "folio_lookup: pfn %#" PRIx64 " is beyond the machine",
				pfn);
	head = hvo__folio_of_pfn(sim, pfn);
	if (head == UINT64_MAX)
		return hvo__err(-ENOENT, "folio_lookup: pfn %#" PRIx64 " is in no hugetlb folio",
				pfn);
	pthread_mutex_lock(&sim->hugetlb->lock);
	f = hvo__folio_find(sim, head);
	if (f) {
		memset(info, 0, sizeof(*info));
		info->head_pfn = f->pfn;
		info->hstate = f->h;
		info->order = sim->hugetlb->hs[f->h].order;
		info->nid = f->nid;
		info->zone = f->zone;
		info->state = (enum hvo_folio_state)f->state;
		info->boot = f->boot;
		info->surplus = f->surplus;
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (!f)
		return hvo__err(-ENOENT, "folio_lookup: pfn %#" PRIx64 " is in no hugetlb folio",
				pfn);
	info->optimized = hvo__folio_test_optimized(sim, head);
	return 0;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

HVO_EXPORT int64_t hvo_folio_list(struct hvo_sim *sim, unsigned int hi,
				  uint64_t *pfns, uint64_t max)
{
	struct hvo_hugetlb *hg;
	uint64_t i, n = 0, *all;
	int r = check_h(sim, hi);

	if (r)
		return r;
	hg = sim->hugetlb;
	pthread_mutex_lock(&hg->lock);
	all = malloc((hg->count + 1) * sizeof(*all));
	if (!all) {
		pthread_mutex_unlock(&hg->lock);
		return hvo__err(-ENOMEM, "folio_list: out of host memory");
	}
	for (i = 0; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (f && f != HVO_FOLIO_TOMB && f->h == hi)
			all[n++] = f->pfn;
	}
	pthread_mutex_unlock(&hg->lock);
	qsort(all, n, sizeof(*all), cmp_u64);
	for (i = 0; i < n && i < max; i++)
		pfns[i] = all[i];
	free(all);
	return (int64_t)n;
}

/* ---- boot: hugepages= on the command line ---- */

static int boot_hstate(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	int i;

	if (sim->cfg.boot_gigantic_bytes)
		return hvo_hstate_find(sim, sim->cfg.boot_gigantic_bytes);
	for (i = (int)hg->nr_hstates - 1; i >= 0; i--)
		if (hg->hs[i].gigantic)
			return i;
	return (int)hg->nr_hstates - 1;
}

/* hugetlb_hstate_alloc_pages() at boot: memblock, top-down */
int hvo__hugetlb_boot_reserve(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t total = 0, k;
	unsigned int n;
	int hi, r;

	for (n = 0; n < sim->cfg.nr_nodes; n++)
		total += sim->cfg.boot_gigantic[n];
	if (!total)
		return 0;
	hi = boot_hstate(sim);
	if (hi < 0)
		return hvo__err(-EINVAL, "boot_gigantic_bytes: not a huge page size of this "
				"geometry");
	hg->boot = calloc(total, sizeof(*hg->boot));
	if (!hg->boot)
		return hvo__err(-ENOMEM, "hugetlb: out of host memory");
	for (n = 0; n < sim->cfg.nr_nodes; n++)
		for (k = 0; k < sim->cfg.boot_gigantic[n]; k++) {
			uint64_t pfn;

			r = hvo__memblock_alloc(sim, n, hg->hs[hi].order, HVO_KIND_HUGETLB, &pfn);
			if (r)
				return hvo__err(-EINVAL, "boot_gigantic[%u]: only %" PRIu64 " of %u %s "
						"pages fit in node %u", n, k,
						sim->cfg.boot_gigantic[n], hg->hs[hi].name, n);
			hg->boot[hg->nr_boot++] = (struct hvo_boot_page){
				.pfn = pfn, .h = (unsigned int)hi, .nid = n, .valid = true,
			};
		}
	return 0;
}

/* vmemmap_should_optimize_bootmem_page(): pre-HVO only for a page aligned
 * to a memory section and to what one vmemmap PMD maps, in address and
 * size, so it owns whole sections and never needs a PMD split */
static bool boot_hvo_wanted(struct hvo_sim *sim, const struct hvo_boot_page *b)
{
	uint64_t paddr = b->pfn << sim->geo.page_shift, psize = sim->hugetlb->hs[b->h].bytes;
	uint64_t section = 1ull << sim->geo.section_shift;
	uint64_t pmd_vmemmap = ((1ull << sim->geo.pmd_shift) / sim->geo.stride) <<
			       sim->geo.page_shift;

	return sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL &&
	       sim->hugetlb->hs[b->h].optimizable &&
	       !(paddr % section) && !(psize % section) &&
	       !(paddr % pmd_vmemmap) && !(psize % pmd_vmemmap);
}

/* SECTION_IS_VMEMMAP_PREINIT: sparse_init() leaves these sections alone */
bool hvo__hugetlb_skip_populate(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;

	for (i = 0; i < hg->nr_boot; i++) {
		struct hvo_boot_page *b = &hg->boot[i];

		if (pfn >= b->pfn && pfn < b->pfn + (1ull << hg->hs[b->h].order))
			return boot_hvo_wanted(sim, b);
	}
	return false;
}

static bool spans_zones(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	unsigned int n1, n2;
	enum hvo_zone_type z1, z2;

	hvo_pfn_zone(sim, pfn, &n1, &z1);
	hvo_pfn_zone(sim, pfn + (1ull << order) - 1, &n2, &z2);
	return n1 != n2 || z1 != z2;
}

/*
 * hugetlb_vmemmap_init_late(): zones exist now.  Populate each boot page's
 * vmemmap in HVO form (vmemmap_populate_hvo()): the head page gets its own
 * frame, every other page maps the zone's boot tail; a page that spans zones
 * (pre-HVO or not) is given back, its vmemmap populated normally.  Still the
 * memblock phase.
 */
int hvo__hugetlb_vmemmap_init_late(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;
	int r;

	for (i = 0; i < hg->nr_boot; i++) {
		struct hvo_boot_page *b = &hg->boot[i];
		unsigned int order = hg->hs[b->h].order;
		bool wanted = boot_hvo_wanted(sim, b);
		uint64_t s, e;

		hvo_vmemmap_range(sim, b->pfn, 1ull << order, &s, &e);
		/* hugetlb_bootmem_page_zones_valid(): any boot page that spans
		 * zones is given back, HVO or not (a pre-HVO one gets the vmemmap
		 * sparse_init() skipped) */
		if (spans_zones(sim, b->pfn, order)) {
			r = wanted ? hvo__populate_range(sim, s, e, b->nid, true, true) : 0;
			if (r)
				return hvo__err(r, "boot: cannot populate the vmemmap of %#" PRIx64,
						b->pfn);
			hvo__memblock_free(sim, b->pfn, order, HVO_KIND_HUGETLB);
			b->valid = false;
			continue;
		}
		if (!wanted)
			continue;
		r = hvo__vmemmap_populate_hvo(sim, b->pfn, b->h, b->nid);
		if (r) {
			/* fall back to normal population, boot counted in full */
			r = hvo__populate_range(sim, s, e, b->nid, true, true);
			if (r)
				return hvo__err(r, "boot: cannot populate the vmemmap of %#" PRIx64,
						b->pfn);
			continue;
		}
		b->hvo = true;
	}
	return 0;
}

/*
 * hugetlb_vmemmap_init_tails() then gather_bootmem_prealloc(): initialise
 * the boot tails before anything reads zone or node through them, prep each
 * boot folio (only the head page's struct pages if its vmemmap is HVO form,
 * hugetlb_folio_init_vmemmap()), write-protect the tail range, and add the
 * folios to the pool; fake-head boot folios are optimized as a batch.
 */
int hvo__hugetlb_late_init(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_folio **batch;
	uint64_t i, nb = 0;
	int r;

	hvo__vmemmap_init_boot_tails(sim);
	if (!hg->nr_boot)
		return 0;
	batch = calloc(hg->nr_boot, sizeof(*batch));
	if (!batch)
		return hvo__err(-ENOMEM, "hugetlb: out of host memory");
	for (i = 0; i < hg->nr_boot; i++) {
		struct hvo_boot_page *b = &hg->boot[i];
		unsigned int order = hg->hs[b->h].order;
		struct hvo_folio *f;

		if (!b->valid)
			continue;
		r = hvo__prep_compound(sim, b->pfn, order,
				       b->hvo ? hvo__reserve_pages(sim) : 1ull << order);
		if (!r)
			r = prep_hugetlb_head(sim, b->pfn);
		f = r ? NULL : new_folio(sim, b->h, b->pfn, true);
		if (!f || reg_insert(hg, f)) {
			free(f);
			free(batch);
			return hvo__err(r ? r : -ENOMEM, "boot: cannot prepare boot folio %#" PRIx64,
					b->pfn);
		}
		if (b->hvo) {
			r = hvo__vmemmap_finish_boot_hvo(sim, f);
			if (r) {
				free(batch);
				return r;
			}
		}
		batch[nb++] = f;
	}
	/* prep_and_add_bootmem_folios(): the rest are optimized now (fake-head) */
	prep_and_add(sim, batch, nb);
	free(batch);
	return 0;
}

/* in-use folios the harness never put back are leaks */
uint64_t hvo__hugetlb_leaked(struct hvo_sim *sim, bool report)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i, n = 0;

	if (!hg)
		return 0;
	pthread_mutex_lock(&hg->lock);
	for (i = 0; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (f && f != HVO_FOLIO_TOMB && f->state == HVO_FOLIO_ACTIVE) {
			n += 1ull << hg->hs[f->h].order;
			if (report)
				fprintf(stderr, "hvosim: hugetlb folio %#" PRIx64 " (%s) still in use "
					"at destroy\n", f->pfn, hg->hs[f->h].name);
		}
	}
	pthread_mutex_unlock(&hg->lock);
	return n;
}

void hvo__hugetlb_destroy(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;

	if (!hg)
		return;
	for (i = 0; i < hg->cap; i++)
		if (hg->tab && hg->tab[i] && hg->tab[i] != HVO_FOLIO_TOMB)
			free(hg->tab[i]);
	free(hg->tab);
	free(hg->boot);
	pthread_mutex_destroy(&hg->lock);
	pthread_mutex_destroy(&hg->tail_lock);
	free(hg);
	sim->hugetlb = NULL;
}

/* ---- HVO on demand: isolate free folios, run, put them back ---- */

static int isolate_free(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n,
			struct hvo_folio **fs, const char *what)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;
	int r = 0;

	pthread_mutex_lock(&hg->lock);
	for (i = 0; i < n; i++) {
		struct hvo_folio *f = hvo__folio_find(sim, pfns[i]);

		if (!f) {
			r = hvo__err(-EINVAL, "%s: pfn %#" PRIx64 " is not the head of a hugetlb "
				     "folio", what, pfns[i]);
			break;
		}
		if (f->state != HVO_FOLIO_FREE) {
			r = hvo__err(f->state == HVO_FOLIO_ACTIVE ? -EINVAL : -EBUSY,
				     "%s: folio %#" PRIx64 " is %s", what, pfns[i],
				     f->state == HVO_FOLIO_ACTIVE ? "in use, not a free pool folio" :
				     "being worked on by another thread");
			break;
		}
		dequeue(hg, f);
		fs[i] = f;
	}
	if (r)
		while (i--)
			enqueue(hg, fs[i]);
	pthread_mutex_unlock(&hg->lock);
	return r;
}

static void put_back(struct hvo_sim *sim, struct hvo_folio **fs, uint64_t n)
{
	uint64_t i;

	pthread_mutex_lock(&sim->hugetlb->lock);
	for (i = 0; i < n; i++)
		enqueue(sim->hugetlb, fs[i]);
	pthread_mutex_unlock(&sim->hugetlb->lock);
}

HVO_EXPORT int hvo_folio_optimize(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_pagelist pl = { 0 };
	struct hvo_folio *f;
	int r;

	if (!sim)
		return hvo__err(-EINVAL, "optimize: NULL sim");
	r = isolate_free(sim, &pfn, 1, &f, "optimize");
	if (r)
		return r;
	r = hvo__vmemmap_optimize_folio(sim, f, HVO_VMEMMAP_SYNCHRONIZE_RCU, &pl);
	hvo__pagelist_free(sim, &pl);
	put_back(sim, &f, 1);
	return r;
}

HVO_EXPORT int hvo_folio_restore(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio *f;
	int r;

	if (!sim)
		return hvo__err(-EINVAL, "restore: NULL sim");
	r = isolate_free(sim, &pfn, 1, &f, "restore");
	if (r)
		return r;
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD && sim->cfg.rcu_sync &&
	    hvo__folio_test_optimized(sim, pfn))
		hvo__synchronize_rcu(sim);
	r = hvo__vmemmap_restore_folio(sim, f, 0, NULL);
	put_back(sim, &f, 1);
	return r;
}

HVO_EXPORT int hvo_folios_optimize(struct hvo_sim *sim, const uint64_t *pfns,
				   uint64_t nr, uint64_t *optimized)
{
	struct hvo_folio **fs;
	uint64_t done;
	int r;

	if (!sim || (!pfns && nr))
		return hvo__err(-EINVAL, "optimize_folios: NULL argument");
	fs = calloc(nr ? nr : 1, sizeof(*fs));
	if (!fs)
		return hvo__err(-ENOMEM, "optimize_folios: out of host memory");
	r = isolate_free(sim, pfns, nr, fs, "optimize_folios");
	if (!r) {
		done = hvo__vmemmap_optimize_folios(sim, fs, nr);
		put_back(sim, fs, nr);
		if (optimized)
			*optimized = done;
	}
	free(fs);
	return r;
}

HVO_EXPORT int hvo_folios_restore(struct hvo_sim *sim, const uint64_t *pfns,
				  uint64_t nr, uint64_t *restored)
{
	struct hvo_folio **fs;
	int r;

	if (!sim || (!pfns && nr))
		return hvo__err(-EINVAL, "restore_folios: NULL argument");
	fs = calloc(nr ? nr : 1, sizeof(*fs));
	if (!fs)
		return hvo__err(-ENOMEM, "restore_folios: out of host memory");
	r = isolate_free(sim, pfns, nr, fs, "restore_folios");
	if (!r) {
		r = hvo__vmemmap_restore_folios(sim, fs, nr, restored);
		if (r)
			r = hvo__err(r, "restore_folios: out of memory; the rest stay optimized");
		put_back(sim, fs, nr);
	}
	free(fs);
	return r;
}
