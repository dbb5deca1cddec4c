// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator over simulated pfns (mm/page_alloc.c).
 *
 * The buddy's own state (PageBuddy, the order, the list links) is kept in
 * a host-side per-pfn array (struct hvo_frame_meta) and is the truth; the
 * struct pages of free blocks show it as the kernel's do (free_list.c),
 * only where the vmemmap holds struct pages already, so a free simulated
 * terabyte still costs no host memory.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "arena.h"
#include "error.h"
#include "fault.h"
#include "free_list.h"
#include "memblock.h"
#include "page_alloc.h"
#include "sched.h"

static bool find_block(struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn,
		       uint64_t *head, struct hvo_frame_meta **hm);

static bool kind_has_bytes(enum hvo_frame_kind kind)
{
	return kind == HVO_KIND_VMEMMAP || kind == HVO_KIND_PGTABLE ||
	       kind == HVO_KIND_SHARED_TAIL;
}

/*
 * page_zone() by pfn: the zone whose span holds pfn, NULL if none.  The
 * one zone lookup of the machine; like strchr(), it takes the machine
 * const and hands out the zone for the caller to lock or just read.
 */
struct hvo_zone *hvo__pfn_zone(const struct hvo_sim *sim, uint64_t pfn)
{
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		const struct hvo_node *node = &sim->nodes[n];

		if (pfn < node->start || pfn >= node->end)
			continue;
		for (z = 0; z < HVO_NR_ZONES; z++)
			if (pfn >= node->zones[z].start && pfn < node->zones[z].end)
				return (struct hvo_zone *)&node->zones[z];
	}
	return NULL;
}

/* hvo_zone_name()'s, for messages down here (sim.c is above) */
static const char *const zone_names[HVO_NR_ZONES] = { "DMA32", "Normal", "Movable" };

/* ---- argument checks: one rule for every node, zone, pfn and order ---- */

/*
 * A node argument is a node of the machine, or HVO_NUMA_NO_NODE (-1) where
 * the call takes a preferred node and @flags has HVO_NUMA_ANY; anything
 * else (-2, nr_nodes, ...) is refused.  Unsigned node arguments are passed
 * as int, so (unsigned)-2 reads as -2 in the message.
 */
int hvo__check_node(const struct hvo_sim *sim, const char *fn, int nid, int flags)
{
	if (nid == HVO_NUMA_NO_NODE && (flags & HVO_NUMA_ANY))
		return 0;
	if (nid < 0 || (unsigned int)nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "%s: node %d does not exist (nodes 0..%u%s)", fn, nid,
				sim->cfg.nr_nodes - 1,
				(flags & HVO_NUMA_ANY) ? ", or -1 for any" : "");
	return 0;
}

/* a zone argument: enum hvo_zone_type, or -1 for any where @any */
int hvo__check_zone(const char *fn, int zone, bool any)
{
	if (zone == -1 && any)
		return 0;
	if (zone < 0 || zone >= HVO_NR_ZONES)
		return hvo__err(-EINVAL, "%s: zone %d is not a zone (0 DMA32, 1 Normal, 2 Movable%s)",
				fn, zone, any ? ", or -1 for any" : "");
	return 0;
}

int hvo__check_pfn(const struct hvo_sim *sim, const char *fn, uint64_t pfn)
{
	if (pfn >= sim->geo.nr_pfns)
		return hvo__err(-ERANGE, "%s: pfn %#" PRIx64 " is beyond the machine (last pfn %#"
				PRIx64 ")", fn, pfn, sim->geo.nr_pfns - 1);
	return 0;
}

int hvo__check_order(const struct hvo_sim *sim, const char *fn, unsigned int order)
{
	if (order > sim->geo.max_folio_order)
		return hvo__err(-EINVAL, "%s: order %u exceeds MAX_FOLIO_ORDER %u", fn, order,
				sim->geo.max_folio_order);
	return 0;
}

/* ---- free lists, zone->lock held ---- */

/* nr_free changes under zone->lock only: no read-modify-write needed */
static void nr_free_add(struct hvo_zone *z, int64_t d)
{
	atomic_store_explicit(&z->nr_free, atomic_load_explicit(&z->nr_free,
				memory_order_relaxed) + (uint64_t)d, memory_order_relaxed);
}

static void list_push(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn,
		      unsigned int o)
{
	struct hvo_zone *z = b->z;
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	m->state = FM_FREE;
	m->order = (uint8_t)o;
	m->kind = 0;
	m->flags &= FMF_FRAME_BITS;
	m->prev = HVO_NIL;
	m->next = z->free_head[o];
	if (m->next != HVO_NIL)
		hvo__meta(sim, m->next)->prev = pfn;
	z->free_head[o] = pfn;
	nr_free_add(z, (int64_t)(1ull << o));
	hvo__free_list_added(sim, b, pfn);
}

static void list_unlink(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn)
{
	struct hvo_zone *z = b->z;
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);
	unsigned int o = m->order;

	if (m->prev != HVO_NIL)
		hvo__meta(sim, m->prev)->next = m->next;
	else
		z->free_head[o] = m->next;
	if (m->next != HVO_NIL)
		hvo__meta(sim, m->next)->prev = m->prev;
	m->state = FM_NONE;
	nr_free_add(z, -(int64_t)(1ull << o));
	hvo__free_list_deleted(sim, b, pfn, m->prev, m->next);
}

/* __free_one_page(): merge with free buddies, then put on the list */
static void free_one_locked(struct hvo_sim *sim, struct hvo_fl_batch *b,
			    uint64_t pfn, unsigned int o)
{
	const struct hvo_zone *z = b->z;

	while (o < sim->geo.max_folio_order) {
		uint64_t buddy = pfn ^ (1ull << o);
		struct hvo_frame_meta *bm;

		if (buddy < z->start || buddy + (1ull << o) > z->end)
			break;
		bm = hvo__meta(sim, buddy);
		if (bm->state != FM_FREE || bm->order != o)
			break;
		list_unlink(sim, b, buddy);
		pfn &= ~(1ull << o);
		o++;
	}
	list_push(sim, b, pfn, o);
}

/* split [start, end) of one zone into maximal aligned blocks and free them */
static void free_range_zone(struct hvo_sim *sim, struct hvo_fl_batch *b,
			    uint64_t start, uint64_t end)
{
	while (start < end) {
		unsigned int o = start ? (unsigned int)__builtin_ctzll(start) : 63;
		unsigned int fit = hvo__ilog2(end - start);

		if (o > fit)
			o = fit;
		if (o > sim->geo.max_folio_order)
			o = sim->geo.max_folio_order;
		free_one_locked(sim, b, start, o);
		start += 1ull << o;
	}
}

static void buddy_free_range(struct hvo_sim *sim, uint64_t start, uint64_t end)
{
	struct hvo_fl_batch b;
	unsigned int n, zi;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		for (zi = 0; zi < HVO_NR_ZONES; zi++) {
			struct hvo_zone *z = &sim->nodes[n].zones[zi];
			uint64_t s = start > z->start ? start : z->start;
			uint64_t e = end < z->end ? end : z->end;

			if (s >= e)
				continue;
			pthread_mutex_lock(&z->lock);
			hvo__fl_batch_init(&b, z);
			free_range_zone(sim, &b, s, e);
			hvo__free_list_write(sim, &b);
			pthread_mutex_unlock(&z->lock);
		}
	}
}

static int mb_cmp(const void *a, const void *b)
{
	const struct hvo_memblock_range *x = a, *y = b;

	return x->start < y->start ? -1 : x->start > y->start;
}

/* memblock_free_all(): everything memblock did not reserve goes to the buddy */
int hvo__buddy_init(struct hvo_sim *sim)
{
	unsigned int n;
	size_t i;

	qsort(sim->mb, sim->nr_mb, sizeof(*sim->mb), mb_cmp);
	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];
		uint64_t cur = node->start;

		for (i = 0; i < sim->nr_mb; i++) {
			struct hvo_memblock_range *r = &sim->mb[i];

			if (r->nid != n)
				continue;
			if (r->start > cur)
				buddy_free_range(sim, cur, r->start);
			if (r->start + r->nr > cur)
				cur = r->start + r->nr;
		}
		if (cur < node->end)
			buddy_free_range(sim, cur, node->end);
	}
	sim->booting = false;
	return 0;
}

/*
 * The counter changes of one allocation or free call, added to the
 * machine's counters once at its end: one atomic per counter that moved,
 * not per page.
 */
struct tally {
	uint64_t pages[HVO_NR_KINDS], boot[HVO_NR_KINDS], harness, machine;
};

static void tally_block(struct tally *t, const struct hvo_frame_meta *m, uint64_t n)
{
	t->pages[m->kind] += n;
	if (m->flags & FMF_BOOT)
		t->boot[m->kind] += n;
	if (m->flags & FMF_HARNESS)
		t->harness += n;
	if (m->flags & FMF_MACHINE)
		t->machine += n;
}

/* @sign 1: allocated, -1: freed */
static void tally_apply(struct hvo_sim *sim, const struct tally *t, int sign)
{
	unsigned int k;

	for (k = 0; k < HVO_NR_KINDS; k++) {
		if (!t->pages[k])
			continue;
		if (sign > 0) {
			cnt_add(sim, allocated[k], t->pages[k]);
			cnt_add(sim, in_use[k], t->pages[k]);
		} else {
			cnt_add(sim, freed[k], t->pages[k]);
			cnt_sub(sim, in_use[k], t->pages[k]);
		}
		if (t->boot[k])
			cnt_add(sim, boot_in_use[k], sign > 0 ? t->boot[k] : -t->boot[k]);
	}
	if (t->harness)
		cnt_add(sim, harness_in_use, sign > 0 ? t->harness : -t->harness);
	if (t->machine)
		cnt_add(sim, machine_pgtables, sign > 0 ? t->machine : -t->machine);
}

static void mark_alloc(struct hvo_sim *sim, uint64_t pfn, unsigned int o,
		       enum hvo_frame_kind kind, uint8_t owner, struct tally *t)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	m->state = FM_ALLOC;
	m->order = (uint8_t)o;
	m->kind = (uint8_t)kind;
	m->flags = (uint8_t)((m->flags & FMF_FRAME_BITS) | (kind_has_bytes(kind) ? FMF_BYTES : 0) |
			     owner);
	tally_block(t, m, 1ull << o);
}

/* one allocation's request, the same for every page of a bulk one */
struct alloc_req {
	unsigned int order;
	enum hvo_frame_kind kind;
	unsigned int flags;
	uint8_t owner;
};

/* __rmqueue_smallest() and expand() in the zone of @b; zone->lock held */
static bool zone_take_locked(struct hvo_sim *sim, struct hvo_fl_batch *b,
			     const struct alloc_req *q, struct tally *t, uint64_t *pfn)
{
	struct hvo_zone *z = b->z;
	bool zero = (q->flags & HVO_GFP_ZERO) || q->kind == HVO_KIND_PGTABLE;
	unsigned int o;
	uint64_t p;

	for (o = q->order; o <= sim->geo.max_folio_order; o++)
		if (z->free_head[o] != HVO_NIL)
			break;
	if (o > sim->geo.max_folio_order)
		return false;
	p = z->free_head[o];
	list_unlink(sim, b, p);
	/* expand(): hand the upper halves back */
	while (o > q->order) {
		o--;
		list_push(sim, b, p + (1ull << o), o);
	}
	mark_alloc(sim, p, q->order, q->kind, q->owner, t);
	if (kind_has_bytes(q->kind))
		hvo__frame_give_bytes(sim, p, 1ull << q->order, zero,
				      q->flags & HVO__GFP_OVERWRITE);
	*pfn = p;
	return true;
}

/*
 * The zones an allocation tries, in order: @nid's from the highest down,
 * then the other nodes' unless HVO_GFP_THISNODE; one zone, or the zonelist
 * from it down with HVO__GFP_ZONELIST; ZONE_MOVABLE only for movable kinds.
 */
static unsigned int alloc_zones(struct hvo_sim *sim, unsigned int nid, int zone,
				enum hvo_frame_kind kind, unsigned int flags,
				struct hvo_zone **zs)
{
	unsigned int i, zi, nz = 0;

	for (i = 0; i < sim->cfg.nr_nodes; i++) {
		unsigned int n = (nid + i) % sim->cfg.nr_nodes;

		if (i && (flags & HVO_GFP_THISNODE))
			break;
		for (zi = HVO_NR_ZONES; zi-- > 0;) {
			struct hvo_zone *z = &sim->nodes[n].zones[zi];

			if (zone >= 0 && ((flags & HVO__GFP_ZONELIST) ? (int)zi > zone :
					  (int)zi != zone))
				continue;
			/* only movable allocations may land in ZONE_MOVABLE */
			if (zone < 0 && zi == HVO_ZONE_MOVABLE &&
			    kind != HVO_KIND_HUGETLB && kind != HVO_KIND_OTHER)
				continue;
			if (z->start != z->end)
				zs[nz++] = z;
		}
		if (zone >= 0 && !(flags & HVO__GFP_ZONELIST))
			break;
	}
	return nz;
}

static int alloc_args(struct hvo_sim *sim, unsigned int nid, int zone, unsigned int order,
		      enum hvo_frame_kind kind)
{
	int r = hvo__check_node(sim, "alloc", (int)nid, 0);

	if (!r)
		r = hvo__check_order(sim, "alloc", order);
	if (!r && (unsigned int)kind >= HVO_NR_KINDS)
		r = hvo__err(-EINVAL, "alloc: kind %d is not a frame kind", (int)kind);
	if (!r)
		r = hvo__check_zone("alloc", zone, true);
	return r;
}

static uint8_t site_owner(enum hvo_alloc_site site)
{
	return site == HVO_SITE_PGTABLE ? FMF_MACHINE : site == HVO_SITE_GENERIC ? FMF_HARNESS : 0;
}

static int alloc_failed(struct hvo_sim *sim, enum hvo_alloc_site site, bool injected,
			unsigned int nid, int zone, const struct alloc_req *q)
{
	cnt_add(sim, alloc_failures[site], 1);
	if (injected) {
		cnt_add(sim, injected_failures, 1);
		return hvo__err(-ENOMEM, "alloc: injected failure at site %s",
				hvo_site_name(site));
	}
	return hvo__err(-ENOMEM, "alloc: no free block of order %u on node %u%s%s%s",
			q->order, nid, zone < 0 ? "" : " in zone ", zone < 0 ? "" :
			zone_names[zone],
			zone >= 0 && (q->flags & HVO__GFP_ZONELIST) ? " or below" : "");
}

/*
 * @n blocks, one after the other, each with its own fault injection draw,
 * from the first zone in alloc_zones() order that has one.  The zone lock
 * is held from one block to the next while the same zone serves them (the
 * kernel's per-cpu lists take it once per batch as well); nothing here is
 * a yield point.  0: all @n in @pfns; else *@got were taken.
 */
static int alloc_blocks(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
			int zone, const struct alloc_req *q, uint64_t n, uint64_t *pfns,
			uint64_t *got)
{
	struct hvo_zone *zs[HVO_MAX_NODES * HVO_NR_ZONES];
	unsigned int j = 0, nz = alloc_zones(sim, nid, zone, q->kind, q->flags, zs);
	struct tally t = { 0 };
	struct hvo_fl_batch b = { .z = NULL };
	bool injected = false;
	uint64_t i;

	for (i = 0; i < n; i++) {
		if (hvo__fail_should(sim, site)) {
			injected = true;
			break;
		}
		for (; j < nz; j++) {
			if (b.z != zs[j]) {
				if (b.z) {
					hvo__free_list_write(sim, &b);
					pthread_mutex_unlock(&b.z->lock);
				}
				pthread_mutex_lock(&zs[j]->lock);
				hvo__fl_batch_init(&b, zs[j]);
			}
			if (zone_take_locked(sim, &b, q, &t, &pfns[i]))
				break;
		}
		if (j == nz)
			break;
	}
	if (b.z) {
		hvo__free_list_write(sim, &b);
		pthread_mutex_unlock(&b.z->lock);
	}
	tally_apply(sim, &t, 1);
	cnt_add(sim, alloc_calls[site], i < n ? i + 1 : n);
	*got = i;
	return i < n ? alloc_failed(sim, site, injected, nid, zone, q) : 0;
}

int hvo__alloc(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
	       int zone, unsigned int order, enum hvo_frame_kind kind,
	       unsigned int flags, uint64_t *pfn)
{
	const struct alloc_req q = { order, kind, flags, site_owner(site) };
	uint64_t got;
	int r = alloc_args(sim, nid, zone, order, kind);

	if (r)
		return r;
	if (!sim->booting)
		return alloc_blocks(sim, site, nid, zone, &q, 1, pfn, &got);
	cnt_add(sim, alloc_calls[site], 1);
	if (hvo__fail_should(sim, site))
		return alloc_failed(sim, site, true, nid, zone, &q);
	r = hvo__memblock_alloc(sim, nid, order, kind, pfn);
	if (r)
		return alloc_failed(sim, site, false, nid, zone, &q);
	if (flags & HVO_GFP_ZERO)
		hvo__frame_give_bytes(sim, *pfn, 1ull << order, true, false);
	return 0;
}

int hvo__alloc_bulk(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
		    enum hvo_frame_kind kind, unsigned int flags, uint64_t n, uint64_t *pfns,
		    uint64_t *got)
{
	const struct alloc_req q = { 0, kind, flags, site_owner(site) };
	uint64_t i;
	int r = alloc_args(sim, nid, -1, 0, kind);

	*got = 0;
	if (r)
		return r;
	if (!sim->booting)
		return alloc_blocks(sim, site, nid, -1, &q, n, pfns, got);
	for (i = 0; i < n; i++) {
		r = hvo__alloc(sim, site, nid, -1, 0, kind, flags, &pfns[i]);
		if (r)
			return r;
		*got = i + 1;
	}
	return 0;
}

/* the TLB rule: a frame that was in the vmemmap may go back to the buddy only
 * when nothing maps it and a flush has completed since it was unmapped */
static int check_unmapped(struct hvo_sim *sim, uint64_t pfn, uint64_t n)
{
	uint64_t i, done = atomic_load(&sim->flush_done);

	for (i = 0; i < n; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		if (atomic_load(&m->vmap_count)) {
			hvo__fault(sim, HVO_FAULT_MAPPED_FREE, 0, pfn + i, UINT64_MAX, "free", -1);
			return hvo__err(-EBUSY, "free: frame %#" PRIx64
					" is still mapped in the vmemmap", pfn + i);
		}
		if (atomic_load(&m->unmap_gen) > done) {
			cnt_add(sim, early_frees, 1);
			hvo__fault(sim, HVO_FAULT_EARLY_FREE, 0, pfn + i, UINT64_MAX, "free", -1);
			return hvo__err(-EBUSY, "free: frame %#" PRIx64 " was unmapped but no "
					"TLB flush has completed since", pfn + i);
		}
	}
	return 0;
}

/*
 * The block at pfn leaves the allocated state: what had bytes is poisoned
 * (PAGE_POISON) and queued in its zone @z to give its host bytes back
 * (hvo__frame_poison(), arena.c), count it out; zone->lock held.  The
 * poison is owed, not written, outside boot: see hvo__frame_poison().
 */
static void release_block(struct hvo_sim *sim, struct hvo_zone *z, struct hvo_frame_meta *m,
			  uint64_t pfn, uint64_t n, struct tally *t)
{
	uint64_t i;

	/* unmap_gen stays: a flush has completed since (check_unmapped()), so
	 * it stays <= flush_done for good, and non-zero it says the frame was
	 * in the vmemmap once, where a late reader may still point */
	if (m->flags & FMF_BYTES)
		for (i = 0; i < n; i++) {
			hvo__frame_poison(sim, z, pfn + i, !sim->booting);
			hvo__meta(sim, pfn + i)->next = hvo__meta(sim, pfn + i)->prev = 0;
		}
	m->state = FM_NONE;
	tally_block(t, m, n);
}

int hvo__free_boot(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
		   bool check_tlb, bool *boot)
{
	struct hvo_zone *z, *zl;
	struct hvo_frame_meta *m;
	struct hvo_fl_batch b;
	struct tally t = { 0 };
	/* the order is checked before shifting by it (UBSan, found by fuzz_api) */
	uint64_t n = order <= sim->geo.max_folio_order ? 1ull << order : 0;
	int ret;

	if (!n || pfn >= sim->geo.nr_pfns || pfn + n > sim->geo.nr_pfns)
		return hvo__err(-EINVAL, "free: pfn %#" PRIx64 " order %u is outside the machine",
				pfn, order);
	hvo__yield(sim, HVO_YP_FRAME_FREE, pfn);
	z = hvo__pfn_zone(sim, pfn);
	zl = hvo__pfn_zone(sim, pfn + n - 1);
	if (!z || !zl)
		return hvo__err(-EINVAL, "free: pfn %#" PRIx64 " is in no zone", pfn);
	/* a block memblock reserved across a zone boundary: lock both ends */
	pthread_mutex_lock(&z->lock);
	if (zl != z)
		pthread_mutex_lock(&zl->lock);
	m = hvo__meta(sim, pfn);
	if (m->state != FM_ALLOC || m->order != order) {
		ret = hvo__err(-EINVAL, "free: pfn %#" PRIx64 " is not an allocated block of "
			       "order %u (%s)", pfn, order,
			       m->state == FM_FREE ? "double free" :
			       m->state == FM_ALLOC ? "wrong order" : "not a block head");
		goto unlock;
	}
	ret = (m->flags & FMF_BYTES) && check_tlb ? check_unmapped(sim, pfn, n) : 0;
	if (ret)
		goto unlock;
	if (boot)
		*boot = m->flags & FMF_BOOT;
	release_block(sim, z, m, pfn, n, &t);
	tally_apply(sim, &t, -1);
	if (zl != z) {
		pthread_mutex_unlock(&zl->lock);
		pthread_mutex_unlock(&z->lock);
		buddy_free_range(sim, pfn, pfn + n);
		return 0;
	}
	hvo__fl_batch_init(&b, z);
	free_one_locked(sim, &b, pfn, order);
	hvo__free_list_write(sim, &b);
unlock:
	if (zl != z)
		pthread_mutex_unlock(&zl->lock);
	pthread_mutex_unlock(&z->lock);
	return ret;
}

int hvo__free(struct hvo_sim *sim, uint64_t pfn, unsigned int order, bool check_tlb)
{
	return hvo__free_boot(sim, pfn, order, check_tlb, NULL);
}

/* the zone lock of a bulk free: @z's, after writing what the last one changed */
static void bulk_relock(struct hvo_sim *sim, struct hvo_fl_batch *b, struct hvo_zone *z)
{
	if (b->z == z)
		return;
	if (b->z) {
		hvo__free_list_write(sim, b);
		pthread_mutex_unlock(&b->z->lock);
	}
	if (z)
		pthread_mutex_lock(&z->lock);
	hvo__fl_batch_init(b, z);
}

void hvo__free_bulk(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n, uint64_t *freed,
		    uint64_t *boot)
{
	struct hvo_fl_batch b = { .z = NULL };
	struct tally t = { 0 };
	struct hvo_frame_meta *m;
	struct hvo_zone *z;
	uint64_t i;
	bool bt;

	*freed = *boot = 0;
	for (i = 0; i < n; i++) {
		z = hvo__yield_hooked(sim) || pfns[i] >= sim->geo.nr_pfns ? NULL :
		    hvo__pfn_zone(sim, pfns[i]);
		bulk_relock(sim, &b, z);
		m = z ? hvo__meta(sim, pfns[i]) : NULL;
		if (!m || m->state != FM_ALLOC || m->order) {
			/* a hook, or a free to refuse: hvo__free() says why */
			bulk_relock(sim, &b, NULL);
			if (!hvo__free_boot(sim, pfns[i], 0, true, &bt)) {
				++*freed;
				*boot += bt;
			}
			continue;
		}
		if ((m->flags & FMF_BYTES) && check_unmapped(sim, pfns[i], 1))
			continue;	/* refused and logged */
		*boot += !!(m->flags & FMF_BOOT);
		++*freed;
		release_block(sim, z, m, pfns[i], 1, &t);
		free_one_locked(sim, &b, pfns[i], 0);
	}
	bulk_relock(sim, &b, NULL);
	tally_apply(sim, &t, -1);
}

/*
 * A harness block one of whose frames is mapped into the vmemmap becomes
 * the machine's (hvo_vmemmap_set_pte()): the owner bit is the buddy's block
 * metadata, under zone->lock, so the buddy clears it.
 */
void hvo__adopt_frame(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_zone *z = hvo__pfn_zone(sim, pfn);
	struct hvo_frame_meta *m;
	uint64_t head;

	if (!z)
		return;
	pthread_mutex_lock(&z->lock);
	if (find_block(sim, z, pfn, &head, &m) && m->state == FM_ALLOC &&
	    (m->flags & FMF_HARNESS)) {
		m->flags &= (uint8_t)~FMF_HARNESS;
		cnt_sub(sim, harness_in_use, 1ull << m->order);
	}
	pthread_mutex_unlock(&z->lock);
}

/* split_page(): an allocated order-n block becomes 2^n order-0 blocks */
int hvo__split_block(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_zone *z = hvo__pfn_zone(sim, pfn);
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);
	uint64_t i, n;

	if (!z)
		return -EINVAL;
	pthread_mutex_lock(&z->lock);
	if (m->state != FM_ALLOC) {
		pthread_mutex_unlock(&z->lock);
		return -EINVAL;
	}
	n = 1ull << m->order;
	for (i = 1; i < n; i++) {
		struct hvo_frame_meta *t = hvo__meta(sim, pfn + i);

		t->state = FM_ALLOC;
		t->order = 0;
		t->kind = m->kind;
		t->flags = (uint8_t)((t->flags & FMF_FRAME_BITS) |
				     (m->flags & (FMF_BOOT | FMF_BYTES)));
	}
	m->order = 0;
	pthread_mutex_unlock(&z->lock);
	return 0;
}

/* split an allocated block into blocks of a smaller order (demote) */
int hvo__split_block_to(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	struct hvo_zone *z = hvo__pfn_zone(sim, pfn);
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);
	uint64_t i, n;

	if (!z)
		return -EINVAL;
	pthread_mutex_lock(&z->lock);
	if (m->state != FM_ALLOC || m->order < order) {
		pthread_mutex_unlock(&z->lock);
		return -EINVAL;
	}
	n = 1ull << m->order;
	for (i = 1ull << order; i < n; i += 1ull << order) {
		struct hvo_frame_meta *t = hvo__meta(sim, pfn + i);

		t->state = FM_ALLOC;
		t->order = (uint8_t)order;
		t->kind = m->kind;
		t->flags = (uint8_t)((t->flags & FMF_FRAME_BITS) |
				     (m->flags & (FMF_BOOT | FMF_BYTES)));
	}
	m->order = (uint8_t)order;
	pthread_mutex_unlock(&z->lock);
	return 0;
}

/* find the block containing pfn: blocks are aligned, so try each order */
static bool find_block(struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn,
		       uint64_t *head, struct hvo_frame_meta **hm)
{
	unsigned int o;

	for (o = 0; o <= sim->geo.max_folio_order; o++) {
		uint64_t h = pfn & ~((1ull << o) - 1);
		struct hvo_frame_meta *m;

		/* another zone's metadata is another lock's */
		if (z && h < z->start)
			break;
		m = hvo__meta(sim, h);

		if (m->state != FM_NONE && h + (1ull << m->order) > pfn) {
			*head = h;
			*hm = m;
			return true;
		}
	}
	return false;
}

HVO_EXPORT int hvo_frame_info(struct hvo_sim *sim, uint64_t pfn,
			      struct hvo_frame_info *info)
{
	struct hvo_zone *z;
	struct hvo_frame_meta *m;
	uint64_t head;

	int r;

	HVO_NONNULL("frame_info", sim);
	HVO_NONNULL("frame_info", info);
	r = hvo__check_pfn(sim, "frame_info", pfn);
	if (r)
		return r;
	memset(info, 0, sizeof(*info));
	z = hvo__pfn_zone(sim, pfn);
	if (z)
		pthread_mutex_lock(&z->lock);
	if (find_block(sim, z, pfn, &head, &m)) {
		info->allocated = m->state == FM_ALLOC;
		info->head_pfn = head;
		info->order = m->order;
		info->kind = (enum hvo_frame_kind)m->kind;
		info->boot = !!(m->flags & FMF_BOOT);
		info->buddy = m->state == FM_FREE && head == pfn;
	} else {
		info->head_pfn = pfn;
	}
	info->vmap_count = atomic_load(&hvo__meta(sim, pfn)->vmap_count);
	if (z)
		pthread_mutex_unlock(&z->lock);
	return 0;
}

/* the head of the allocated block of @kind holding pfn, UINT64_MAX if none:
 * for HVO_KIND_HUGETLB, the hugetlb folio as the buddy sees it */
uint64_t hvo__block_head(struct hvo_sim *sim, uint64_t pfn, enum hvo_frame_kind kind)
{
	struct hvo_frame_info fi;

	if (pfn >= sim->geo.nr_pfns || hvo_frame_info(sim, pfn, &fi) ||
	    !fi.allocated || fi.kind != kind)
		return UINT64_MAX;
	return fi.head_pfn;
}

HVO_EXPORT uint64_t hvo_zone_free_pages(struct hvo_sim *sim, unsigned int nid,
					enum hvo_zone_type zone)
{
	HVO_NONNULL_OR("zone_free_pages", sim, 0);
	if (hvo__check_node(sim, "zone_free_pages", (int)nid, 0) ||
	    hvo__check_zone("zone_free_pages", (int)zone, false))
		return 0;
	return atomic_load(&sim->nodes[nid].zones[zone].nr_free);
}
