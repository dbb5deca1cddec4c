// SPDX-License-Identifier: MIT
/*
 * refmodel.c - the reference model's state and the kernel's rules for
 * changing it: pool counters (add_hugetlb_folio() / remove_hugetlb_folio()
 * with adjust_surplus), what optimize and restore do to the frames in use,
 * PMD splits, shared tails and their lifetime.
 *
 * Nothing here calls libhvosim (see refmodel.h).
 */
#include <stdlib.h>
#include <string.h>

#include "refmodel.h"

/* ---- lookups ---- */

int rm_pfn_zone(const struct refmodel *m, uint64_t pfn, unsigned int *nid,
		unsigned int *zone)
{
	unsigned int n, z;

	for (n = 0; n < m->nr_nodes; n++)
		for (z = 0; z < HVO_NR_ZONES; z++)
			if (pfn >= m->zone_start[n][z] && pfn < m->zone_end[n][z]) {
				*nid = n;
				*zone = z;
				return 0;
			}
	return -1;
}

/* the index of the first folio whose pfn is >= pfn */
static uint64_t lower_bound(const struct refmodel *m, uint64_t pfn)
{
	uint64_t lo = 0, hi = m->nf;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (m->f[mid].pfn < pfn)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

struct rm_folio *rm_folio(struct refmodel *m, uint64_t pfn)
{
	uint64_t i = lower_bound(m, pfn);

	return i < m->nf && m->f[i].pfn == pfn ? &m->f[i] : NULL;
}

struct rm_folio *rm_folio_containing(struct refmodel *m, uint64_t pfn)
{
	uint64_t i = lower_bound(m, pfn + 1);
	struct rm_folio *f;

	if (!i)
		return NULL;
	f = &m->f[i - 1];
	return pfn < f->pfn + (1ull << m->hs[f->h].order) ? f : NULL;
}

/* folios of hstate h (all if h is ~0u) in a state (-1: any) on a node
 * (-1: any) */
uint64_t rm_count(const struct refmodel *m, unsigned int h, int state, int nid)
{
	uint64_t i, n = 0;

	for (i = 0; i < m->nf; i++) {
		const struct rm_folio *f = &m->f[i];

		if ((h == ~0u || f->h == h) && (state < 0 || f->state == state) &&
		    (nid < 0 || f->nid == nid))
			n++;
	}
	return n;
}

/* rm_count() for every hstate, node and state at once, and the vmemmap
 * pages the folios use: all of a folio's, or the one HVO keeps */
void rm_tally(const struct refmodel *m, struct rm_tally *t)
{
	uint64_t i;

	memset(t, 0, sizeof(*t));
	for (i = 0; i < m->nf; i++) {
		const struct rm_folio *f = &m->f[i];
		const struct rm_hstate *hs = &m->hs[f->h];
		bool free_ = f->state == RM_FREE;

		t->nr[f->h][f->nid]++;
		t->free[f->h][f->nid] += free_;
		t->free_h[f->h] += free_;
		t->opt_h[f->h] += f->opt;
		t->vmemmap_h[f->h] += f->opt ? 1 : hs->vp;
		t->hugetlb_pages += 1ull << hs->order;
		t->optimized += f->opt;
	}
}

/* what one shared tail is shared by: (zone, order) as merged, (node, order)
 * in v2..v6, the hstate in v1 */
uint32_t rm_tail_key(const struct refmodel *m, const struct rm_folio *f)
{
	unsigned int order = m->hs[f->h].order;

	switch (m->cfg.tail_scope) {
	case HVO_SCOPE_NODE:
		return 2u << 24 | (uint32_t)f->nid << 16 | order;
	case HVO_SCOPE_HSTATE:
		return 3u << 24 | order;
	default:
		return 1u << 24 | (uint32_t)f->nid << 16 | (uint32_t)f->zone << 8 | order;
	}
}

struct rm_tail *rm_tail(struct refmodel *m, uint32_t key, bool create)
{
	unsigned int i;

	for (i = 0; i < m->ntails; i++)
		if (m->tails[i].key == key)
			return &m->tails[i];
	if (!create || m->ntails == RM_MAX_TAILS)
		return NULL;
	m->tails[m->ntails] = (struct rm_tail){ .key = key, .frame = RM_NONE };
	return &m->tails[m->ntails++];
}

uint64_t rm_tails_live(const struct refmodel *m)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < m->ntails; i++)
		n += m->tails[i].live;
	return n;
}

uint64_t rm_tails_maybe(const struct refmodel *m)
{
	uint64_t n = 0;
	unsigned int i;

	for (i = 0; i < m->ntails; i++)
		n += !m->tails[i].live && m->tails[i].maybe;
	return n;
}

/*
 * Free pages outside ZONE_MOVABLE: where every vmemmap, page-table and
 * shared-tail frame comes from.  Order-0 allocations of those kinds fall
 * back across zones and nodes, so while this is positive they succeed.
 */
uint64_t rm_free_nonmovable(const struct refmodel *m)
{
	uint64_t total = 0, used, i;
	unsigned int n;

	for (n = 0; n < m->nr_nodes; n++)
		total += m->zone_start[n][HVO_ZONE_MOVABLE] - m->node_start[n];
	used = m->vm_frames + m->pt_frames + rm_tails_live(m) + rm_tails_maybe(m);
	for (i = 0; i < m->nf; i++)
		if (m->f[i].zone != HVO_ZONE_MOVABLE)
			used += 1ull << m->hs[m->f[i].h].order;
	for (i = 0; i < m->nblk; i++)
		if (!m->blk[i].movable)
			used += 1ull << m->blk[i].order;
	return used < total ? total - used : 0;
}

uint64_t rm_folio_vaddr(const struct refmodel *m, uint64_t pfn)
{
	return m->vmemmap_base + pfn * m->stride;
}

uint64_t rm_pmd_vaddr(const struct refmodel *m, uint64_t idx)
{
	return (m->pmd0 + idx) << m->pmd_shift;
}

/* vmemmap_should_optimize_folio(): the sysctl on and an optimizable hstate */
bool rm_hvo_wanted(const struct refmodel *m, unsigned int h)
{
	return m->hvo_on && m->hs[h].optimizable;
}

/*
 * A new folio of @h asked from @zone (-1: the hstate's own gfp mask,
 * htlb_alloc_mask(): GFP_HIGHUSER_MOVABLE if hugepage_movable_supported(),
 * else GFP_HIGHUSER) may come from that zone or any below it in the
 * zonelist, never above.
 */
bool rm_zone_allowed(const struct refmodel *m, unsigned int h, int zone,
		     unsigned int folio_zone)
{
	bool movable_ok = !m->hs[h].gigantic || m->cfg.movable_gigantic_pages;
	int top = zone >= 0 ? zone : movable_ok ? HVO_ZONE_MOVABLE : HVO_ZONE_NORMAL;

	return (int)folio_zone <= top;
}

bool rm_pmd_is_leaf(const struct refmodel *m, uint64_t idx)
{
	return idx < m->npmd && m->pmd_leaf[idx];
}

/* the vmemmap PMDs a folio's struct pages lie in */
uint64_t rm_folio_pmds(const struct refmodel *m, const struct rm_folio *f,
		       uint64_t *first)
{
	uint64_t s = rm_folio_vaddr(m, f->pfn);
	uint64_t e = s + (1ull << m->hs[f->h].order) * m->stride;

	*first = (s >> m->pmd_shift) - m->pmd0;
	return ((e - 1) >> m->pmd_shift) - m->pmd0 - *first + 1;
}

/* ---- folios and blocks ---- */

static bool overlaps_block(const struct refmodel *m, uint64_t pfn, uint64_t n)
{
	uint64_t i;

	for (i = 0; i < m->nblk; i++) {
		uint64_t b = m->blk[i].pfn, bn = 1ull << m->blk[i].order;

		if (pfn < b + bn && b < pfn + n)
			return true;
	}
	return false;
}

static bool overlaps_folio(struct refmodel *m, uint64_t pfn, uint64_t n)
{
	uint64_t i = lower_bound(m, pfn);

	if (i < m->nf && m->f[i].pfn < pfn + n)
		return true;
	return rm_folio_containing(m, pfn) != NULL;
}

/* a new folio: naturally aligned, inside one zone, on no other folio or
 * harness block */
int rm_add_folio(struct refmodel *m, uint64_t pfn, unsigned int h, int state,
		 bool boot)
{
	uint64_t n = 1ull << m->hs[h].order, i;
	unsigned int nid, zone, nid2, zone2;

	if (pfn & (n - 1) || pfn + n > m->nr_pfns || pfn + n < pfn)
		return -1;
	/* a folio lies in one zone: the buddy never merges across zones, and
	 * a boot page that spans two is given back
	 * (hugetlb_bootmem_page_zones_valid()) */
	if (rm_pfn_zone(m, pfn, &nid, &zone) || rm_pfn_zone(m, pfn + n - 1, &nid2, &zone2) ||
	    nid != nid2 || zone != zone2)
		return -1;
	if (overlaps_folio(m, pfn, n) || overlaps_block(m, pfn, n))
		return -1;
	if (m->nf == m->capf) {
		uint64_t cap = m->capf ? m->capf * 2 : 64;
		struct rm_folio *p = realloc(m->f, cap * sizeof(*p));

		if (!p)
			return -1;
		m->f = p;
		m->capf = cap;
	}
	i = lower_bound(m, pfn);
	memmove(&m->f[i + 1], &m->f[i], (m->nf - i) * sizeof(*m->f));
	m->f[i] = (struct rm_folio){
		.pfn = pfn, .h = (uint8_t)h, .nid = (uint8_t)nid, .zone = (uint8_t)zone,
		.state = (uint8_t)state, .boot = boot, .ref = state == RM_ACTIVE,
	};
	m->nf++;
	return 0;
}

void rm_del_folio(struct refmodel *m, uint64_t pfn)
{
	uint64_t i = lower_bound(m, pfn);

	if (i < m->nf && m->f[i].pfn == pfn) {
		memmove(&m->f[i], &m->f[i + 1], (m->nf - i - 1) * sizeof(*m->f));
		m->nf--;
	}
}

int rm_add_block(struct refmodel *m, uint64_t pfn, unsigned int order)
{
	uint64_t n = 1ull << order;
	unsigned int nid, zone;

	if (pfn & (n - 1) || pfn + n > m->nr_pfns || overlaps_block(m, pfn, n) ||
	    overlaps_folio(m, pfn, n) || rm_pfn_zone(m, pfn, &nid, &zone))
		return -1;
	if (m->nblk == m->capblk) {
		uint64_t cap = m->capblk ? m->capblk * 2 : 16;
		struct rm_block *p = realloc(m->blk, cap * sizeof(*p));

		if (!p)
			return -1;
		m->blk = p;
		m->capblk = cap;
	}
	m->blk[m->nblk++] = (struct rm_block){ pfn, order, zone == HVO_ZONE_MOVABLE };
	m->other_frames += n;
	return 0;
}

int rm_del_block(struct refmodel *m, uint64_t idx)
{
	if (idx >= m->nblk)
		return -1;
	m->other_frames -= 1ull << m->blk[idx].order;
	m->blk[idx] = m->blk[--m->nblk];
	return 0;
}

/* ---- pool counters ---- */

/* add_hugetlb_folio(h, folio, adjust_surplus) */
void rm_pool_add(struct refmodel *m, unsigned int h, unsigned int nid, bool surplus)
{
	struct rm_hstate *hs = &m->hs[h];

	hs->nr[nid]++;
	if (surplus)
		hs->surplus[nid]++;
}

/* remove_hugetlb_folio(h, folio, adjust_surplus); hvosim clamps surplus to
 * the node's pool, as its documentation says, so it can never exceed it */
void rm_pool_remove(struct refmodel *m, unsigned int h, unsigned int nid,
		    bool surplus)
{
	struct rm_hstate *hs = &m->hs[h];

	hs->nr[nid]--;
	if (surplus && hs->surplus[nid])
		hs->surplus[nid]--;
	if (hs->surplus[nid] > hs->nr[nid])
		hs->surplus[nid] = hs->nr[nid];
}

/* ---- HVO ---- */

/* vmemmap_split_pmd(): a PMD-mapped block gets a PTE table; never undone */
void rm_set_pmd_split(struct refmodel *m, uint64_t idx)
{
	if (idx < m->npmd && m->pmd_leaf[idx]) {
		m->pmd_leaf[idx] = 0;
		m->pt_frames++;
	}
}

void rm_split_pmds(struct refmodel *m, const struct rm_folio *f)
{
	uint64_t first, n = rm_folio_pmds(m, f, &first), i;

	for (i = 0; i < n; i++)
		rm_set_pmd_split(m, first + i);
}

/*
 * hugetlb_vmemmap_optimize_folio(): the folio keeps one vmemmap page (a
 * fresh copy of its head page, or in fake-head the old one if no copy could
 * be had: the count is the same) and frees the rest; shared-tail maps the
 * slot's tail, allocating it if the slot is empty; fake-head counts the
 * static key.
 */
void rm_optimize(struct refmodel *m, struct rm_folio *f)
{
	struct rm_hstate *hs = &m->hs[f->h];

	f->opt = true;
	m->vm_frames -= hs->vp - 1;
	hs->nr_optimized++;
	hs->vm_freed += hs->vp - 1;
	if (m->cfg.scheme == HVO_SCHEME_SHARED_TAIL) {
		struct rm_tail *t = rm_tail(m, rm_tail_key(m, f), true);

		t->live = true;
		t->maybe = false;
		t->users++;
	} else {
		m->static_key++;
	}
}

/* a boot page populated in HVO form: optimized without freeing anything */
void rm_mark_prehvo(struct refmodel *m, struct rm_folio *f)
{
	struct rm_hstate *hs = &m->hs[f->h];

	f->opt = true;
	hs->nr_optimized++;
	hs->vm_freed += hs->vp - 1;
	rm_tail(m, rm_tail_key(m, f), true)->users++;
}

/* hugetlb_vmemmap_restore_folio(): all the freed pages back; lifetime
 * last-user frees the tail with its last user */
void rm_restore(struct refmodel *m, struct rm_folio *f)
{
	struct rm_hstate *hs = &m->hs[f->h];

	f->opt = false;
	m->vm_frames += hs->vp - 1;
	hs->nr_optimized--;
	hs->vm_restored += hs->vp - 1;
	if (m->cfg.scheme == HVO_SCHEME_SHARED_TAIL) {
		struct rm_tail *t = rm_tail(m, rm_tail_key(m, f), true);

		t->users--;
		if (m->cfg.tail_lifetime == HVO_TAIL_LAST_USER && !t->users) {
			t->live = false;
			t->frame = RM_NONE;
		}
	} else {
		m->static_key--;
	}
}

/* an optimize that failed: with lifetime never, the tail it allocated
 * before failing (if the failure came later) stays */
void rm_tail_attempt(struct refmodel *m, const struct rm_folio *f)
{
	struct rm_tail *t;

	if (m->cfg.scheme != HVO_SCHEME_SHARED_TAIL ||
	    m->cfg.tail_lifetime != HVO_TAIL_NEVER)
		return;
	t = rm_tail(m, rm_tail_key(m, f), true);
	if (t && !t->live)
		t->maybe = true;
}
