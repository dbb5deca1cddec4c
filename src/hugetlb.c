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
#include "error.h"
#include "fault.h"
#include "hugetlb_vmemmap.h"
#include "hugetlb_vmemmap_boot.h"
#include "memblock.h"
#include "page.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "rcu.h"

/* MAX_PAGE_ORDER: x86-64 and arm64 4K 10, arm64 16K 11, arm64 64K 13 */
static unsigned int max_page_order(const struct hvo_sim *sim)
{
	switch (sim->geo.page_shift) {
	case 14: return 11;
	case 16: return 13;
	default: return 10;
	}
}

static void add_hstate(struct hvo_sim *sim, unsigned int order)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_hstate *h = &hg->hs[hg->nr_hstates++];

	h->order = order;
	h->bytes = 1ull << (order + sim->geo.page_shift);
	snprintf(h->name, sizeof(h->name), "hugepages-%" PRIu64 "kB", h->bytes >> 10);
	h->gigantic = order > max_page_order(sim);
	h->optimizable = hvo__hugetlb_vmemmap_optimizable(sim, order);
	/* hugetlb_vmemmap_init(): the sysctl exists once an hstate can use it */
	if (h->optimizable)
		sim->hugetlb->sysctl_registered = true;
}

int hvo__hugetlb_init(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = calloc(1, sizeof(*hg));

	if (!hg)
		return hvo__err(-ENOMEM, "hugetlb: out of host memory");
	sim->hugetlb = hg;
	atomic_store(&hg->optimize_enabled, sim->cfg.optimize_vmemmap);
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

/*
 * __prep_new_hugetlb_folio(): page type, HPageFlags clear, refcount frozen;
 * init_new_hugetlb_folio(): no subpool, no cgroup, no reserved cgroup
 * (page[3] words that prep_compound_tail() left TAIL_MAPPING and 0 in)
 */
static int prep_hugetlb_head(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn);
	int r;

	r = hvo_page_write(sim, head, HVO_PW_COUNTS, HVO_PGTY_HUGETLB);
	if (!r)
		r = hvo_page_write(sim, head, HVO_PW_PRIVATE, 0);
	if (!r)
		r = hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_SUBPOOL, 0);
	if (!r)
		r = hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_CGROUP, 0);
	if (!r)
		r = hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_CGROUP_RSVD, 0);
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
	hvo__pfn_nid_zone(sim, pfn, &nid, &zone);
	f->pfn = pfn;
	f->h = (uint8_t)hi;
	f->nid = (uint8_t)nid;
	f->zone = (uint8_t)zone;
	f->boot = boot;
	f->state = HVO_FOLIO_ISOLATED;
	return f;
}

/*
 * The first zone of the zonelist an hstate's allocations walk down:
 * gfp_zone() of htlb_alloc_mask(h), which is GFP_HIGHUSER_MOVABLE when
 * hugepage_movable_supported(h) and GFP_HIGHUSER otherwise.  Every size
 * hvosim has can migrate (hugepage_migration_supported()); a gigantic one
 * is still not movable unless movable_gigantic_pages is set.  So:
 * Movable, Normal, DMA32 for the others, Normal, DMA32 for gigantic ones.
 */
static int htlb_zone(const struct hvo_sim *sim, const struct hvo_hstate *h)
{
	return !h->gigantic || sim->cfg.movable_gigantic_pages ? HVO_ZONE_MOVABLE :
								  HVO_ZONE_NORMAL;
}

/*
 * A preferred zone argument of @fn: HVO_ZONE_ANY (the hstate's own mask), or
 * a zone to start the zonelist at, as a gfp mask whose gfp_zone() it is
 * would.  Movable for an hstate that is not movable is refused: no mask the
 * kernel builds for it reaches ZONE_MOVABLE.  Return: the first zone, or
 * -errno.
 */
static int zone_arg(struct hvo_sim *sim, const char *fn, unsigned int hi, int zone)
{
	const struct hvo_hstate *h = &sim->hugetlb->hs[hi];
	int r = hvo__check_zone(fn, zone, true);

	if (r)
		return r;
	if (zone == HVO_ZONE_ANY)
		return htlb_zone(sim, h);
	if (zone > htlb_zone(sim, h))
		return hvo__err(-EINVAL, "%s: zone %d (Movable): %s is gigantic, so not movable "
				"(hugepage_movable_supported(); see movable_gigantic_pages)",
				fn, zone, h->name);
	return zone;
}

/* alloc_fresh_hugetlb_folio() without HVO: buddy (the zonelist from @zone
 * down, on @nid only), prep compound, registered */
static int alloc_fresh(struct hvo_sim *sim, unsigned int hi, unsigned int nid, int zone,
		       bool surplus, struct hvo_folio **out)
{
	struct hvo_hstate *h = &sim->hugetlb->hs[hi];
	struct hvo_folio *f;
	uint64_t pfn;
	int r;

	r = hvo__alloc(sim, HVO_SITE_HUGETLB_FOLIO, nid, zone, h->order,
		       HVO_KIND_HUGETLB, HVO_GFP_THISNODE | HVO__GFP_ZONELIST, &pfn);
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

	hvo__hugetlb_vmemmap_restore_folios(sim, fs, n, &restored);
	for (i = 0; i < n; i++) {
		struct hvo_folio *f = fs[i];

		if (hvo__folio_test_optimized(sim, f->pfn))
			hvo__hugetlb_vmemmap_restore_folio(sim, f, 0, NULL);
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

/*
 * vm.hugetlb_optimize_vmemmap as the sysctl reads it; HVO itself reads it
 * per folio in vmemmap_should_optimize_folio() (hugetlb_vmemmap.c).
 */
static bool optimize_enabled(struct hvo_sim *sim)
{
	return atomic_load_explicit(&sim->hugetlb->optimize_enabled, memory_order_relaxed);
}

/* prep_and_add_allocated_folios(): optimize as a batch, then enqueue */
static void prep_and_add(struct hvo_sim *sim, struct hvo_folio **fs, uint64_t n)
{
	uint64_t i;

	hvo__hugetlb_vmemmap_optimize_folios(sim, fs, n);
	pthread_mutex_lock(&sim->hugetlb->lock);
	for (i = 0; i < n; i++) {
		pool_add(sim->hugetlb, fs[i], false);
		enqueue(sim->hugetlb, fs[i]);
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
}

/* the hstate argument of @fn (and its machine) */
static int check_h(struct hvo_sim *sim, const char *fn, unsigned int hi)
{
	HVO_NONNULL(fn, sim);
	if (hi >= sim->hugetlb->nr_hstates)
		return hvo__err(-EINVAL, "%s: hstate %u does not exist (%u hstates)", fn, hi,
				sim->hugetlb->nr_hstates);
	return 0;
}

/* the hstate and node arguments of a per-node pool call */
static int check_h_node(struct hvo_sim *sim, const char *fn, unsigned int hi,
			unsigned int nid)
{
	int r = check_h(sim, fn, hi);

	return r ? r : hvo__check_node(sim, fn, (int)nid, 0);
}

#define POOL_BATCH 64

/* hvo_pool_grow() and hvo_pool_grow_zone(): the zonelist from @zone down */
static int pool_grow(struct hvo_sim *sim, const char *fn, unsigned int hi, unsigned int nid,
		     int zone, uint64_t nr, uint64_t *done)
{
	struct hvo_folio *batch[POOL_BATCH];
	uint64_t d = 0, n, i;
	int r = check_h_node(sim, fn, hi, nid);

	if (!r)
		r = zone = zone_arg(sim, fn, hi, zone);
	if (r < 0)
		return r;
	r = 0;
	while (d < nr) {
		n = nr - d < POOL_BATCH ? nr - d : POOL_BATCH;
		for (i = 0; i < n; i++)
			if (alloc_fresh(sim, hi, nid, zone, false, &batch[i]))
				break;
		if (i)
			prep_and_add(sim, batch, i);
		d += i;
		if (i < n) {
			r = hvo__err(-ENOMEM, "%s: %s node %u: out of memory after %" PRIu64, fn,
				     sim->hugetlb->hs[hi].name, nid, d);
			break;
		}
	}
	if (done)
		*done = d;
	return r;
}

HVO_EXPORT int hvo_pool_grow(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
			     uint64_t nr, uint64_t *done)
{
	return pool_grow(sim, "pool_grow", hi, nid, HVO_ZONE_ANY, nr, done);
}

HVO_EXPORT int hvo_pool_grow_zone(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
				  int zone, uint64_t nr, uint64_t *done)
{
	return pool_grow(sim, "pool_grow_zone", hi, nid, zone, nr, done);
}

HVO_EXPORT int hvo_pool_shrink(struct hvo_sim *sim, unsigned int hi, unsigned int nid,
			       uint64_t nr, uint64_t *done)
{
	struct hvo_hugetlb *hg;
	struct hvo_hstate *h;
	struct hvo_folio *batch[POOL_BATCH];
	uint64_t d = 0, n, freed;
	int r = check_h_node(sim, "pool_shrink", hi, nid);

	if (r)
		return r;
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
	int r = check_h_node(sim, "pool_resize", hi, nid);

	if (r)
		return r;
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
	int r = check_h(sim, "pool_set_overcommit", hi);

	if (r)
		return r;
	pthread_mutex_lock(&sim->hugetlb->lock);
	sim->hugetlb->hs[hi].overcommit = count;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	return 0;
}

/*
 * What alloc_hugetlb_folio() leaves in page[3] of a folio it hands out:
 * hugetlb_set_folio_subpool(folio, spool) and the hugetlb cgroup charge
 * (set_hugetlb_cgroup()).  There are no subpools or cgroups here; these
 * are kernel pointers nothing dereferences, one per hstate, so that tails
 * 1..3 of a folio in use hold what they hold in the kernel and a copy of
 * them into a tail ("corrupted mapping in tail page") shows.
 */
#define HVO_SUBPOOL_PTR(h) (0xffff888004000000ull + (uint64_t)(h) * 0x100)
#define HVO_HCG_PTR(h) (0xffff888004800000ull + (uint64_t)(h) * 0x100)

static void folio_set_owner(struct hvo_sim *sim, const struct hvo_folio *f, bool in_use)
{
	uint64_t head = hvo_pfn_to_page(sim, f->pfn);

	hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_SUBPOOL, in_use ? HVO_SUBPOOL_PTR(f->h) : 0);
	hvo_folio_set(sim, head, HVO_FOLIO_HUGETLB_CGROUP, in_use ? HVO_HCG_PTR(f->h) : 0);
}

/*
 * dequeue_hugetlb_folio_nodemask(), hugetlb_lock held: the preferred node
 * first, then the others.  With a preferred zone the node's free list is
 * searched for a folio in that zone, then in each zone below it (the
 * zonelist); without one the kernel takes the first folio of the node's
 * list whatever its zone (dequeue_hugetlb_folio_node_exact()).
 */
static struct hvo_folio *dequeue_pref(struct hvo_sim *sim, struct hvo_hstate *h, int nid,
				      int zone)
{
	unsigned int i, n;
	struct hvo_folio *f;
	int z;

	for (i = 0; i < sim->cfg.nr_nodes; i++) {
		n = ((nid < 0 ? 0 : (unsigned int)nid) + i) % sim->cfg.nr_nodes;
		if (zone == HVO_ZONE_ANY) {
			if (h->free_list[n])
				return h->free_list[n];
			continue;
		}
		for (z = zone; z >= 0; z--)
			for (f = h->free_list[n]; f; f = f->next)
				if (f->zone == z)
					return f;
	}
	return NULL;
}

/* alloc_surplus_hugetlb_folio(): a fresh folio within the overcommit limit,
 * optimized, in use */
static int alloc_surplus(struct hvo_sim *sim, const char *fn, unsigned int hi, int nid,
			 int zone, struct hvo_folio **out)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_hstate *h = &hg->hs[hi];
	struct hvo_folio *f = NULL;
	bool ok;
	int r;

	pthread_mutex_lock(&hg->lock);
	ok = h->surplus + h->surplus_pending < h->overcommit;
	if (ok)
		h->surplus_pending++;	/* reserve the slot before dropping the lock */
	pthread_mutex_unlock(&hg->lock);
	if (!ok)
		return hvo__err(-ENOMEM, "%s: %s has no free folio%s and no surplus allowed", fn,
				h->name, zone == HVO_ZONE_ANY ? "" : " in that zone or below");
	r = alloc_fresh(sim, hi, nid < 0 ? 0 : (unsigned int)nid,
			zone == HVO_ZONE_ANY ? htlb_zone(sim, h) : zone, true, &f);
	if (!r)
		hvo__hugetlb_vmemmap_optimize_folios(sim, &f, 1);
	pthread_mutex_lock(&hg->lock);
	h->surplus_pending--;
	if (!r) {
		pool_add(hg, f, true);
		f->state = HVO_FOLIO_ACTIVE;
	}
	pthread_mutex_unlock(&hg->lock);
	if (r)
		return hvo__err(r, "%s: %s: cannot allocate a surplus folio", fn, h->name);
	*out = f;
	return 0;
}

/* alloc_hugetlb_folio(): dequeue, or a surplus folio; refcount 0 -> 1 */
static int folio_alloc(struct hvo_sim *sim, const char *fn, unsigned int hi, int nid,
		       int zone, uint64_t *pfn)
{
	struct hvo_hugetlb *hg;
	struct hvo_folio *f;
	int r = check_h(sim, fn, hi);

	if (r)
		return r;
	HVO_NONNULL(fn, pfn);
	r = hvo__check_node(sim, fn, nid, HVO_NUMA_ANY);
	if (!r && zone != HVO_ZONE_ANY)
		r = zone_arg(sim, fn, hi, zone);
	if (r < 0)
		return r;
	hg = sim->hugetlb;
	pthread_mutex_lock(&hg->lock);
	f = dequeue_pref(sim, &hg->hs[hi], nid, zone);
	if (f) {
		dequeue(hg, f);
		f->state = HVO_FOLIO_ACTIVE;
	}
	pthread_mutex_unlock(&hg->lock);
	if (!f) {
		r = alloc_surplus(sim, fn, hi, nid, zone, &f);
		if (r)
			return r;
	}
	folio_set_owner(sim, f, true);
	/* folio_ref_unfreeze(folio, 1) */
	hvo_page_ref_add(sim, hvo_pfn_to_page(sim, f->pfn), 1, NULL);
	*pfn = f->pfn;
	return 0;
}

HVO_EXPORT int hvo_folio_alloc(struct hvo_sim *sim, unsigned int hi, int nid,
			       uint64_t *pfn)
{
	return folio_alloc(sim, "folio_alloc", hi, nid, HVO_ZONE_ANY, pfn);
}

HVO_EXPORT int hvo_folio_alloc_zone(struct hvo_sim *sim, unsigned int hi, int nid,
				    int zone, uint64_t *pfn)
{
	return folio_alloc(sim, "folio_alloc_zone", hi, nid, zone, pfn);
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
		/* a reference taken on a free pool folio by hand, and put */
		return hvo__err(-EINVAL, "free_huge_folio: pfn %#" PRIx64 " is %s; its "
				"refcount went to 0 from a reference the pool never gave",
				pfn, !f ? "not a hugetlb folio" : f->state == HVO_FOLIO_FREE ?
				"a free pool folio" : "isolated by another call");
	}
	/* hugetlb_set_folio_subpool(folio, NULL), the cgroup uncharged; the
	 * folio is ours alone (refcount 0, not on a list yet) */
	folio_set_owner(sim, f, false);
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

	HVO_NONNULL("folio_put", sim);
	pthread_mutex_lock(&sim->hugetlb->lock);
	f = hvo__folio_find(sim, pfn);
	r = f && f->state == HVO_FOLIO_ACTIVE;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (!r)
		return hvo__err(-EINVAL, "folio_put: pfn %#" PRIx64 " is not the head of a "
				"hugetlb folio in use", pfn);
	/* folio_put_testzero(): an underflow is refused and logged */
	r = hvo__page_ref_add(sim, hvo_pfn_to_page(sim, pfn), -1, &v, "folio_put");
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

	HVO_NONNULL("folio_dissolve", sim);
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

/* a source folio that could not be demoted goes back to the pool as it was */
static void demote_put_back(struct hvo_hugetlb *hg, struct hvo_folio *f)
{
	pthread_mutex_lock(&hg->lock);
	pool_add(hg, f, false);
	enqueue(hg, f);
	pthread_mutex_unlock(&hg->lock);
}

/* a free folio of @hs on @nid, out of the pool with its vmemmap restored
 * (demote_free_hugetlb_folios() restores the source first); NULL: *r says
 * why */
static struct hvo_folio *demote_isolate(struct hvo_sim *sim, struct hvo_hstate *hs,
					unsigned int nid, int *r)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_folio *f;
	uint64_t restored = 0;

	pthread_mutex_lock(&hg->lock);
	f = hs->free_list[nid];
	if (!f) {
		pthread_mutex_unlock(&hg->lock);
		*r = hvo__err(-EBUSY, "demote: no free %s folio on node %u", hs->name, nid);
		return NULL;
	}
	dequeue(hg, f);
	pool_remove(hg, f, false);
	pthread_mutex_unlock(&hg->lock);
	hvo__hugetlb_vmemmap_restore_folios(sim, &f, 1, &restored);
	if (hvo__folio_test_optimized(sim, f->pfn)) {
		demote_put_back(hg, f);
		*r = hvo__err(-ENOMEM, "demote: cannot restore the vmemmap of %#" PRIx64,
			      f->pfn);
		return NULL;
	}
	return f;
}

/* a registered folio of hstate @dst at @pfn; NULL only short of host
 * memory (the frames were just restored writable), leaving nothing behind */
static struct hvo_folio *demote_new_folio(struct hvo_sim *sim, unsigned int dst,
					  uint64_t pfn)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	unsigned int order = hg->hs[dst].order;
	struct hvo_folio *nf = new_folio(sim, dst, pfn, false);
	int r;

	if (!nf)
		return NULL;
	r = hvo__prep_compound(sim, pfn, order, 1ull << order);
	if (!r)
		r = prep_hugetlb_head(sim, pfn);
	if (!r) {
		pthread_mutex_lock(&hg->lock);
		r = reg_insert(hg, nf);
		pthread_mutex_unlock(&hg->lock);
	}
	if (r) {
		hvo_page_write(sim, hvo_pfn_to_page(sim, pfn), HVO_PW_COUNTS,
			       HVO_MAPCOUNT_NONE);
		hvo__destroy_compound(sim, pfn, order, 1ull << order);
		free(nf);
		return NULL;
	}
	return nf;
}

/*
 * Split an isolated, restored folio into folios of @dst and add them to the
 * pool: its compound page and buddy block become n.  If host memory runs
 * out midway, the folios made so far join the pool and the rest of the
 * frames go back to the buddy.
 */
static int demote_split(struct hvo_sim *sim, struct hvo_folio *f, unsigned int dst)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_hstate *hs = &hg->hs[f->h], *hd = &hg->hs[dst];
	uint64_t n = 1ull << (hs->order - hd->order), i, j, pfn = f->pfn;
	struct hvo_folio **dfs = calloc(n, sizeof(*dfs));

	if (!dfs) {
		demote_put_back(hg, f);
		return hvo__err(-ENOMEM, "demote: out of host memory");
	}
	hvo_page_write(sim, hvo_pfn_to_page(sim, pfn), HVO_PW_COUNTS, HVO_MAPCOUNT_NONE);
	hvo__destroy_compound(sim, pfn, hs->order, 1ull << hs->order);
	hvo__split_block_to(sim, pfn, hd->order);
	pthread_mutex_lock(&hg->lock);
	reg_remove(hg, pfn);
	pthread_mutex_unlock(&hg->lock);
	free(f);
	for (i = 0; i < n; i++) {
		dfs[i] = demote_new_folio(sim, dst, pfn + (i << hd->order));
		if (!dfs[i])
			break;
	}
	prep_and_add(sim, dfs, i);
	for (j = i; j < n; j++)
		hvo__free(sim, pfn + (j << hd->order), hd->order, true);
	free(dfs);
	if (i < n)
		return hvo__err(-ENOMEM, "demote: out of host memory after %" PRIu64 " of %"
				PRIu64 " %s folios of %#" PRIx64 "; its other frames went back "
				"to the buddy", i, n, hd->name, pfn);
	return 0;
}

HVO_EXPORT int hvo_demote(struct hvo_sim *sim, unsigned int src, unsigned int dst,
			  unsigned int nid, uint64_t nr, uint64_t *done)
{
	struct hvo_hstate *hs, *hd;
	struct hvo_folio *f;
	uint64_t d = 0;
	int r = check_h_node(sim, "demote", src, nid), ret = 0;

	if (!r)
		r = check_h(sim, "demote", dst);
	if (r)
		return r;
	hs = &sim->hugetlb->hs[src];
	hd = &sim->hugetlb->hs[dst];
	if (hd->order >= hs->order)
		return hvo__err(-EINVAL, "demote: hstate %u (%s) is not smaller than hstate %u "
				"(%s)", dst, hd->name, src, hs->name);
	for (; d < nr; d++) {
		f = demote_isolate(sim, hs, nid, &ret);
		if (!f)
			break;
		ret = demote_split(sim, f, dst);
		if (ret)
			break;
	}
	if (done)
		*done = d;
	return ret;
}

HVO_EXPORT unsigned int hvo_hstate_count(const struct hvo_sim *sim)
{
	HVO_NONNULL_OR("hstate_count", sim, 0);
	return sim->hugetlb->nr_hstates;
}

/*
 * The hstate's folios, head pfns copied under hugetlb_lock (isolated ones
 * included): the caller reads their struct pages after dropping it, since
 * every struct page load is a yield point and no lock may be held across
 * one (a fiber scheduler would switch away with hugetlb_lock held).
 * Return: how many, or -ENOMEM; *@pfns is malloc()ed.
 */
static int64_t hstate_folios(struct hvo_sim *sim, unsigned int hi, uint64_t **pfns)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_folio_iter it;
	struct hvo_folio *f;
	uint64_t n = 0;

	*pfns = malloc((hg->count + 1) * sizeof(**pfns));
	if (!*pfns)
		return hvo__err(-ENOMEM, "hstate_info: out of host memory");
	for_each_hvo_folio(sim, &it, f)
		if (f->h == hi)
			(*pfns)[n++] = f->pfn;
	return (int64_t)n;
}

/* hugetlb_lock held: the pool counters of one hstate */
static void hstate_counts(const struct hvo_hstate *h, struct hvo_hstate_info *info)
{
	unsigned int n;

	info->nr_huge_pages = h->nr;
	info->free_huge_pages = h->free;
	info->surplus_huge_pages = h->surplus;
	info->nr_overcommit_huge_pages = h->overcommit;
	for (n = 0; n < HVO_MAX_NODES; n++) {
		info->nr_huge_pages_node[n] = h->nr_node[n];
		info->free_huge_pages_node[n] = h->free_node[n];
		info->surplus_huge_pages_node[n] = h->surplus_node[n];
	}
}

HVO_EXPORT int hvo_hstate_info(struct hvo_sim *sim, unsigned int hi,
			       struct hvo_hstate_info *info)
{
	struct hvo_hstate *h;
	uint64_t *pfns, i, opt = 0;
	int64_t all;
	int r = check_h(sim, "hstate_info", hi);

	if (r)
		return r;
	HVO_NONNULL("hstate_info", info);
	h = &sim->hugetlb->hs[hi];
	pthread_mutex_lock(&sim->hugetlb->lock);
	all = hstate_folios(sim, hi, &pfns);
	if (all >= 0) {
		memset(info, 0, sizeof(*info));
		hstate_counts(h, info);
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (all < 0)
		return (int)all;
	info->index = hi;
	info->order = h->order;
	info->bytes = h->bytes;
	snprintf(info->name, sizeof(info->name), "%s", h->name);
	info->gigantic = h->gigantic;
	info->optimizable = h->optimizable;
	info->vmemmap_bytes = (1ull << h->order) * sim->geo.stride;
	info->vmemmap_pages = hvo__hugetlb_vmemmap_pages(sim, h->order);
	info->optimizable_pages = h->optimizable ? info->vmemmap_pages - 1 : 0;
	info->nr_optimized = atomic_load(&h->nr_optimized);
	info->vmemmap_pages_freed = atomic_load(&h->vmemmap_freed);
	info->vmemmap_pages_restored = atomic_load(&h->vmemmap_restored);
	/* all its pages, or one if optimized: the flags read outside the lock,
	 * so a folio freed meanwhile reads as its struct page now says */
	for (i = 0; h->optimizable && i < (uint64_t)all; i++)
		if (hvo__folio_test_optimized(sim, pfns[i]))
			opt++;
	free(pfns);
	info->vmemmap_pages_in_use = (uint64_t)all * info->vmemmap_pages -
				     opt * info->optimizable_pages;
	return 0;
}

HVO_EXPORT int hvo_hstate_find(const struct hvo_sim *sim, uint64_t bytes)
{
	unsigned int i;

	HVO_NONNULL("hstate_find", sim);
	for (i = 0; i < sim->hugetlb->nr_hstates; i++)
		if (sim->hugetlb->hs[i].bytes == bytes)
			return (int)i;
	return hvo__err(-ENOENT, "hstate_find: bytes %" PRIu64 ": no such huge pages at "
			"%llu-byte base pages (%s)", bytes, 1ull << sim->geo.page_shift,
			sim->geo.page_shift == 12 ? "2M, 1G; 64K, 32M with cont_hstates" :
			sim->geo.page_shift == 14 ? "32M, 1G; 2M with cont_hstates" :
			"512M, 16G; 2M with cont_hstates");
}

HVO_EXPORT int hvo_folio_lookup(struct hvo_sim *sim, uint64_t pfn,
				struct hvo_folio_info *info)
{
	struct hvo_folio *f;
	uint64_t head;

	int r;

	HVO_NONNULL("folio_lookup", sim);
	HVO_NONNULL("folio_lookup", info);
	r = hvo__check_pfn(sim, "folio_lookup", pfn);
	if (r)
		return r;
	head = hvo__block_head(sim, pfn, HVO_KIND_HUGETLB);
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

HVO_EXPORT int hvo_folio_vmemmap_frames(struct hvo_sim *sim, uint64_t pfn,
					struct hvo_vmemmap_frame *frames, uint64_t max,
					uint64_t *nr)
{
	struct hvo_translation tr;
	struct hvo_folio *f;
	uint64_t start, end, v, n = 0, ps;
	unsigned int order = 0;
	int r;

	HVO_NONNULL("folio_vmemmap_frames", sim);
	HVO_NONNULL("folio_vmemmap_frames", nr);
	if (max)
		HVO_NONNULL("folio_vmemmap_frames", frames);
	pthread_mutex_lock(&sim->hugetlb->lock);
	f = hvo__folio_find(sim, pfn);
	if (f)
		order = sim->hugetlb->hs[f->h].order;
	pthread_mutex_unlock(&sim->hugetlb->lock);
	if (!f)
		return hvo__err(-EINVAL, "folio_vmemmap_frames: pfn %#" PRIx64 " is not the head "
				"of a hugetlb folio", pfn);
	/* every vmemmap page its struct pages touch, the partial ones at the
	 * ends included (a stride that is not a power of 2) */
	ps = sim->geo.page_size;
	hvo_vmemmap_range(sim, pfn, 1ull << order, &start, &end);
	for (v = start & ~(ps - 1); v < end; v += ps, n++) {
		r = hvo_vmemmap_translate(sim, v, &tr);
		if (r)
			return hvo__err(r, "folio_vmemmap_frames: vmemmap page %#" PRIx64 " of folio %#"
					PRIx64 " is not mapped", v, pfn);
		if (n < max)
			frames[n] = (struct hvo_vmemmap_frame){
				.vaddr = v, .frame_pfn = tr.frame_pfn, .writable = tr.writable,
			};
	}
	*nr = n;
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
	int r = check_h(sim, "folio_list", hi);

	if (r)
		return r;
	if (max)
		HVO_NONNULL("folio_list", pfns);
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

/*
 * hugetlb_bootmem_init_migratetype(): every pageblock of a boot folio gets
 * its migratetype, and get_pfnblock_bitmap_bitidx() finds the bitmap from
 * the zone of the pageblock's first struct page, read through whatever its
 * vmemmap maps (the boot tail, for a page in HVO form), with DEBUG_VM
 * VM_BUG_ON_PAGE(!zone_spans_pfn(page_zone(page), pfn)).  No bitmap is
 * kept here: the read and the check are the point, a zeroed tail names
 * node 0, zone 0.
 */
static void hugetlb_bootmem_init_migratetype(struct hvo_sim *sim, const struct hvo_folio *f)
{
	uint64_t nr = 1ull << sim->hugetlb->hs[f->h].order, i, page;
	uint64_t block = 1ull << (sim->geo.pmd_shift - sim->geo.page_shift);
	unsigned int nid = 0, zone = 0, tnid = 0;
	enum hvo_zone_type tzone = HVO_ZONE_DMA32;

	for (i = 0; i < nr; i += block) {
		page = hvo_pfn_to_page(sim, f->pfn + i);
		if (hvo_page_node_zone(sim, page, &nid, &zone) ||
		    hvo__pfn_nid_zone(sim, f->pfn + i, &tnid, &tzone) ||
		    nid != tnid || zone != (unsigned int)tzone)
			hvo__fault(sim, HVO_FAULT_VM_BUG, page, f->pfn + i, f->pfn,
				   "init_migratetype: !zone_spans_pfn(page_zone(page), pfn)",
				   HVO_PW_FLAGS);
	}
}

/*
 * gather_bootmem_prealloc(), once hugetlb_vmemmap_init_tails() has
 * initialised the boot tails (hvo_sim_create()): prep each boot folio
 * (only the head page's struct pages if its vmemmap is HVO form,
 * hugetlb_folio_init_vmemmap()), write-protect the tail range, and add the
 * folios to the pool; fake-head boot folios are optimized as a batch.
 */
int hvo__hugetlb_late_init(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	struct hvo_folio **batch;
	uint64_t i, nb = 0;
	int r;

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
				       b->hvo ? hvo__hugetlb_vmemmap_reserve_pages(sim) : 1ull << order);
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
		hugetlb_bootmem_init_migratetype(sim, f);
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

	HVO_NONNULL("folio_optimize", sim);
	r = isolate_free(sim, &pfn, 1, &f, "folio_optimize");
	if (r)
		return r;
	r = hvo__hugetlb_vmemmap_optimize_folio(sim, f, HVO_VMEMMAP_SYNCHRONIZE_RCU, &pl);
	hvo__free_vmemmap_page_list(sim, &pl);
	put_back(sim, &f, 1);
	return r;
}

HVO_EXPORT int hvo_folio_restore(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio *f;
	int r;

	HVO_NONNULL("folio_restore", sim);
	r = isolate_free(sim, &pfn, 1, &f, "folio_restore");
	if (r)
		return r;
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD && sim->cfg.rcu_sync &&
	    hvo__folio_test_optimized(sim, pfn))
		hvo__synchronize_rcu(sim);
	r = hvo__hugetlb_vmemmap_restore_folio(sim, f, 0, NULL);
	put_back(sim, &f, 1);
	return r;
}

HVO_EXPORT int hvo_folios_optimize(struct hvo_sim *sim, const uint64_t *pfns,
				   uint64_t nr, uint64_t *optimized)
{
	struct hvo_folio **fs;
	uint64_t done;
	int r;

	HVO_NONNULL("folios_optimize", sim);
	if (nr)
		HVO_NONNULL("folios_optimize", pfns);
	fs = calloc(nr ? nr : 1, sizeof(*fs));
	if (!fs)
		return hvo__err(-ENOMEM, "folios_optimize: out of host memory");
	r = isolate_free(sim, pfns, nr, fs, "folios_optimize");
	if (!r) {
		done = hvo__hugetlb_vmemmap_optimize_folios(sim, fs, nr);
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

	HVO_NONNULL("folios_restore", sim);
	if (nr)
		HVO_NONNULL("folios_restore", pfns);
	fs = calloc(nr ? nr : 1, sizeof(*fs));
	if (!fs)
		return hvo__err(-ENOMEM, "folios_restore: out of host memory");
	r = isolate_free(sim, pfns, nr, fs, "folios_restore");
	if (!r) {
		r = hvo__hugetlb_vmemmap_restore_folios(sim, fs, nr, restored);
		if (r)
			r = hvo__err(r, "folios_restore: out of memory; the rest stay optimized");
		put_back(sim, fs, nr);
	}
	free(fs);
	return r;
}

/* ---- vm.hugetlb_optimize_vmemmap ---- */

/*
 * The kernel's rules for the sysctl (mm/hugetlb_vmemmap.c):
 *  - it exists only when HVO can run: hugetlb_vmemmap_init() registers it
 *    once some hstate is hugetlb_vmemmap_optimizable(), which needs a
 *    power-of-2 struct page (5.19's hugetlb_vmemmap_sysctls_init() said so
 *    directly, and also left it out while memory_hotplug.memmap_on_memory
 *    was on; 6.1 dropped that conflict: vmemmap_pmd_entry() now refuses
 *    self-hosted vmemmap per folio, and hvosim models no hotplug).  Here an
 *    HVO scheme with an optimizable hstate; otherwise -ENOENT, the file
 *    that is not there;
 *  - its value is a bool (proc_dobool() since 6.1; 5.19's
 *    hugetlb_optimize_vmemmap_handler() took 0 or 1 under a mutex, for
 *    CAP_SYS_ADMIN only, which hvosim does not model), read with READ_ONCE()
 *    for each folio in vmemmap_should_optimize_folio();
 *  - newer trees make it read-only (mode 0444) on architectures that select
 *    ARCH_WANT_HUGETLB_VMEMMAP_RO_AFTER_INIT; hvosim models none of those.
 * Its boot value is hugetlb_free_vmemmap= (struct hvo_config's
 * optimize_vmemmap), which also decides whether boot gigantic pages are
 * populated in HVO form (hugetlb_vmemmap_optimize_bootmem_page()).
 */
static int sysctl_check(struct hvo_sim *sim, const char *fn)
{
	HVO_NONNULL(fn, sim);
	if (!sim->hugetlb->sysctl_registered)
		return hvo__err(-ENOENT, "%s: vm.hugetlb_optimize_vmemmap does not exist on this "
				"machine: no hstate is optimizable (scheme %s, %u-byte struct page)",
				fn, hvo_scheme_name(sim->cfg.scheme), sim->geo.stride);
	return 0;
}

HVO_EXPORT int hvo_sysctl_optimize_vmemmap_read(struct hvo_sim *sim)
{
	int r = sysctl_check(sim, "sysctl_optimize_vmemmap_read");

	return r ? r : (int)optimize_enabled(sim);
}

HVO_EXPORT int hvo_sysctl_optimize_vmemmap_write(struct hvo_sim *sim, bool on)
{
	int r = sysctl_check(sim, "sysctl_optimize_vmemmap_write");

	if (!r)
		atomic_store(&sim->hugetlb->optimize_enabled, on);
	return r;
}

/* ---- walking the folio registry (hugetlb_lock) ---- */

/*
 * The registry is hugetlb.c's own: readers outside it (the checker) walk it
 * here rather than its open-addressing table, so the table can change shape
 * without them.  The kernel has no such registry; its nearest walk is every
 * hstate's hugepage_activelist and hugepage_freelists under hugetlb_lock.
 */
static struct hvo_folio *folio_from(struct hvo_hugetlb *hg, uint64_t i,
				    struct hvo_folio_iter *it)
{
	for (; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (f && f != HVO_FOLIO_TOMB) {
			it->pos = i + 1;
			return f;
		}
	}
	it->pos = hg->cap;
	return NULL;
}

struct hvo_folio *hvo__folio_first(struct hvo_sim *sim, struct hvo_folio_iter *it)
{
	return folio_from(sim->hugetlb, 0, it);
}

struct hvo_folio *hvo__folio_next(struct hvo_sim *sim, struct hvo_folio_iter *it)
{
	return folio_from(sim->hugetlb, it->pos, it);
}
