// SPDX-License-Identifier: MIT
/*
 * page_alloc.c - the buddy allocator over simulated pfns (mm/page_alloc.c).
 *
 * Deliberate difference from the kernel: the buddy's own state (PageBuddy,
 * the order in ->private, the lru links) lives in a host-side per-pfn array
 * (struct hvo_frame_meta), not in the simulated struct pages.  Keeping it
 * out of the vmemmap is what lets a free simulated terabyte cost no host
 * memory, and it keeps HVO's view of struct pages about HVO alone.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"

static bool find_block(struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn,
		       uint64_t *head, struct hvo_frame_meta **hm);

static bool kind_has_bytes(enum hvo_frame_kind kind)
{
	return kind == HVO_KIND_VMEMMAP || kind == HVO_KIND_PGTABLE ||
	       kind == HVO_KIND_SHARED_TAIL;
}

struct hvo_zone *hvo__pfn_zone(struct hvo_sim *sim, uint64_t pfn)
{
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];

		if (pfn < node->start || pfn >= node->end)
			continue;
		for (z = 0; z < HVO_NR_ZONES; z++)
			if (pfn >= node->zones[z].start && pfn < node->zones[z].end)
				return &node->zones[z];
	}
	return NULL;
}

/* ---- free lists, zone->lock held ---- */

static void list_push(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn,
		      unsigned int o)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	m->state = FM_FREE;
	m->order = (uint8_t)o;
	m->kind = 0;
	m->flags &= FMF_EVER_BYTES;
	m->prev = HVO_NIL;
	m->next = z->free_head[o];
	if (m->next != HVO_NIL)
		hvo__meta(sim, m->next)->prev = pfn;
	z->free_head[o] = pfn;
	atomic_fetch_add_explicit(&z->nr_free, 1ull << o, memory_order_relaxed);
}

static void list_unlink(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);
	unsigned int o = m->order;

	if (m->prev != HVO_NIL)
		hvo__meta(sim, m->prev)->next = m->next;
	else
		z->free_head[o] = m->next;
	if (m->next != HVO_NIL)
		hvo__meta(sim, m->next)->prev = m->prev;
	m->state = FM_NONE;
	atomic_fetch_sub_explicit(&z->nr_free, 1ull << o, memory_order_relaxed);
}

/* __free_one_page(): merge with free buddies, then put on the list */
static void free_one_locked(struct hvo_sim *sim, struct hvo_zone *z,
			    uint64_t pfn, unsigned int o)
{
	while (o < sim->geo.max_folio_order) {
		uint64_t buddy = pfn ^ (1ull << o);
		struct hvo_frame_meta *bm;

		if (buddy < z->start || buddy + (1ull << o) > z->end)
			break;
		bm = hvo__meta(sim, buddy);
		if (bm->state != FM_FREE || bm->order != o)
			break;
		list_unlink(sim, z, buddy);
		pfn &= ~(1ull << o);
		o++;
	}
	list_push(sim, z, pfn, o);
}

/* split [start, end) of one zone into maximal aligned blocks and free them */
static void free_range_zone(struct hvo_sim *sim, struct hvo_zone *z,
			    uint64_t start, uint64_t end)
{
	while (start < end) {
		unsigned int o = start ? (unsigned int)__builtin_ctzll(start) : 63;
		unsigned int fit = hvo__ilog2(end - start);

		if (o > fit)
			o = fit;
		if (o > sim->geo.max_folio_order)
			o = sim->geo.max_folio_order;
		free_one_locked(sim, z, start, o);
		start += 1ull << o;
	}
}

void hvo__buddy_free_range(struct hvo_sim *sim, uint64_t start, uint64_t end)
{
	unsigned int n, zi;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		for (zi = 0; zi < HVO_NR_ZONES; zi++) {
			struct hvo_zone *z = &sim->nodes[n].zones[zi];
			uint64_t s = start > z->start ? start : z->start;
			uint64_t e = end < z->end ? end : z->end;

			if (s >= e)
				continue;
			pthread_mutex_lock(&z->lock);
			free_range_zone(sim, z, s, e);
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
				hvo__buddy_free_range(sim, cur, r->start);
			if (r->start + r->nr > cur)
				cur = r->start + r->nr;
		}
		if (cur < node->end)
			hvo__buddy_free_range(sim, cur, node->end);
	}
	sim->booting = false;
	return 0;
}

void hvo__frame_fill_words(struct hvo_sim *sim, uint64_t pfn, uint64_t val)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, pfn);
	uint64_t i, n = sim->geo.page_size / 8;

	for (i = 0; i < n; i++)
		__atomic_store_n(&w[i], val, HVO_STORE_ORDER);
}

void hvo__frame_copy(struct hvo_sim *sim, uint64_t dst, uint64_t src)
{
	uint64_t *d = (uint64_t *)hvo__frame(sim, dst);
	const uint64_t *s = (const uint64_t *)hvo__frame(sim, src);
	uint64_t i, n = sim->geo.page_size / 8;

	for (i = 0; i < n; i++)
		__atomic_store_n(&d[i], __atomic_load_n(&s[i], __ATOMIC_RELAXED),
				 HVO_STORE_ORDER);
}

/* only frames that hold struct pages or page tables ever get host bytes */
void hvo__frame_give_bytes(struct hvo_sim *sim, uint64_t pfn, uint64_t nr,
			   bool zero)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		if (!(m->flags & FMF_EVER_BYTES)) {
			m->flags |= FMF_EVER_BYTES;
			cnt_add(sim, host_frames, 1);
		} else if (zero) {
			hvo__frame_fill_words(sim, pfn + i, 0);
		}
	}
}

static void mark_alloc(struct hvo_sim *sim, uint64_t pfn, unsigned int o,
		       enum hvo_frame_kind kind, bool boot, uint8_t owner)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	m->state = FM_ALLOC;
	m->order = (uint8_t)o;
	m->kind = (uint8_t)kind;
	m->flags = (uint8_t)((m->flags & FMF_EVER_BYTES) | (boot ? FMF_BOOT : 0) |
			     (kind_has_bytes(kind) ? FMF_BYTES : 0) | owner);
	if (owner & FMF_HARNESS)
		cnt_add(sim, harness_in_use, 1ull << o);
	cnt_add(sim, allocated[kind], 1ull << o);
	cnt_add(sim, in_use[kind], 1ull << o);
	if (boot)
		cnt_add(sim, boot_in_use[kind], 1ull << o);
}

static bool zone_take(struct hvo_sim *sim, struct hvo_zone *z, unsigned int order,
		      enum hvo_frame_kind kind, bool zero, uint8_t owner, uint64_t *pfn)
{
	unsigned int o;
	uint64_t p;

	if (z->start == z->end)
		return false;
	pthread_mutex_lock(&z->lock);
	for (o = order; o <= sim->geo.max_folio_order; o++)
		if (z->free_head[o] != HVO_NIL)
			break;
	if (o > sim->geo.max_folio_order) {
		pthread_mutex_unlock(&z->lock);
		return false;
	}
	p = z->free_head[o];
	list_unlink(sim, z, p);
	/* expand(): hand the upper halves back */
	while (o > order) {
		o--;
		list_push(sim, z, p + (1ull << o), o);
	}
	mark_alloc(sim, p, order, kind, false, owner);
	if (kind_has_bytes(kind))
		hvo__frame_give_bytes(sim, p, 1ull << order, zero);
	pthread_mutex_unlock(&z->lock);
	*pfn = p;
	return true;
}

bool hvo__fail_should(struct hvo_sim *sim, enum hvo_alloc_site site)
{
	struct hvo_failinj *f = &sim->fail;
	bool fail = false;

	pthread_mutex_lock(&f->lock);
	if (f->active && (f->spec.site == HVO_SITE_ANY || f->spec.site == site)) {
		f->seen++;
		if (f->tripped && f->spec.persistent)
			fail = true;
		else if (f->spec.nth && f->seen == f->spec.nth)
			fail = true;
		else if (f->threshold && hvo__splitmix64(&f->rng) < f->threshold)
			fail = true;
		if (fail) {
			f->tripped = true;
			atomic_fetch_add(&f->injected, 1);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return fail;
}

int hvo__alloc(struct hvo_sim *sim, enum hvo_alloc_site site, unsigned int nid,
	       int zone, unsigned int order, enum hvo_frame_kind kind,
	       unsigned int flags, uint64_t *pfn)
{
	unsigned int i, zi;
	int ret = -ENOMEM;

	if (nid >= sim->cfg.nr_nodes)
		return hvo__err(-EINVAL, "alloc: node %u does not exist (%u nodes)",
				nid, sim->cfg.nr_nodes);
	if (order > sim->geo.max_folio_order)
		return hvo__err(-EINVAL, "alloc: order %u exceeds MAX_FOLIO_ORDER %u",
				order, sim->geo.max_folio_order);
	if ((unsigned int)kind >= HVO_NR_KINDS)
		return hvo__err(-EINVAL, "alloc: unknown frame kind %d", (int)kind);
	if (zone >= HVO_NR_ZONES)
		return hvo__err(-EINVAL, "alloc: unknown zone %d", zone);
	cnt_add(sim, alloc_calls[site], 1);
	if (hvo__fail_should(sim, site)) {
		cnt_add(sim, alloc_failures[site], 1);
		cnt_add(sim, injected_failures, 1);
		return hvo__err(-ENOMEM, "alloc: injected failure at site %s",
				hvo_site_name(site));
	}
	if (sim->booting) {
		ret = hvo__memblock_alloc(sim, nid, order, kind, pfn);
		if (!ret && (flags & HVO_GFP_ZERO))
			hvo__frame_give_bytes(sim, *pfn, 1ull << order, true);
		goto out;
	}
	for (i = 0; i < sim->cfg.nr_nodes; i++) {
		unsigned int n = (nid + i) % sim->cfg.nr_nodes;

		if (i && (flags & HVO_GFP_THISNODE))
			break;
		for (zi = HVO_NR_ZONES; zi-- > 0;) {
			if (zone >= 0 && (int)zi != zone)
				continue;
			/* only movable allocations may land in ZONE_MOVABLE */
			if (zone < 0 && zi == HVO_ZONE_MOVABLE &&
			    kind != HVO_KIND_HUGETLB && kind != HVO_KIND_OTHER)
				continue;
			if (zone_take(sim, &sim->nodes[n].zones[zi], order, kind,
				      (flags & HVO_GFP_ZERO) || kind == HVO_KIND_PGTABLE,
				      site == HVO_SITE_PGTABLE ? FMF_MACHINE :
				      site == HVO_SITE_GENERIC ? FMF_HARNESS : 0, pfn)) {
				ret = 0;
				goto found;
			}
		}
		if (zone >= 0)
			break;
	}
found:
out:
	if (ret) {
		cnt_add(sim, alloc_failures[site], 1);
		return hvo__err(ret, "alloc: no free block of order %u on node %u%s",
				order, nid, zone >= 0 ? " in that zone" : "");
	}
	return 0;
}

HVO_EXPORT int hvo_alloc_frames(struct hvo_sim *sim, unsigned int nid,
				unsigned int order, enum hvo_frame_kind kind,
				unsigned int flags, uint64_t *pfn)
{
	if (!sim || !pfn)
		return hvo__err(-EINVAL, "alloc: NULL argument");
	if (flags & ~(HVO_GFP_THISNODE | HVO_GFP_ZERO))
		return hvo__err(-EINVAL, "alloc: unknown flags 0x%x", flags);
	return hvo__alloc(sim, HVO_SITE_GENERIC, nid, -1, order, kind, flags, pfn);
}

HVO_EXPORT int hvo_alloc_frames_zone(struct hvo_sim *sim, unsigned int nid,
				     enum hvo_zone_type zone, unsigned int order,
				     enum hvo_frame_kind kind, unsigned int flags,
				     uint64_t *pfn)
{
	if (!sim || !pfn)
		return hvo__err(-EINVAL, "alloc: NULL argument");
	if ((unsigned int)zone >= HVO_NR_ZONES)
		return hvo__err(-EINVAL, "alloc: unknown zone %d", (int)zone);
	if (flags & ~HVO_GFP_ZERO)
		return hvo__err(-EINVAL, "alloc: flags 0x%x not allowed for a zone allocation",
				flags);
	return hvo__alloc(sim, HVO_SITE_GENERIC, nid, (int)zone, order, kind,
			  flags, pfn);
}

/* the TLB rule: a frame that was in the vmemmap may go back to the buddy only
 * when nothing maps it and a flush has completed since it was unmapped */
static int check_unmapped(struct hvo_sim *sim, uint64_t pfn, uint64_t n)
{
	uint64_t i, done = atomic_load(&sim->flush_done);

	for (i = 0; i < n; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		if (atomic_load(&m->vmap_count)) {
			hvo__fault(sim, HVO_FAULT_MAPPED_FREE, 0, pfn + i, "free", -1);
			return hvo__err(-EBUSY, "free: frame %#" PRIx64
					" is still mapped in the vmemmap", pfn + i);
		}
		if (atomic_load(&m->unmap_gen) > done) {
			cnt_add(sim, early_frees, 1);
			hvo__fault(sim, HVO_FAULT_EARLY_FREE, 0, pfn + i, "free", -1);
			return hvo__err(-EBUSY, "free: frame %#" PRIx64 " was unmapped but no "
					"TLB flush has completed since", pfn + i);
		}
	}
	return 0;
}

int hvo__free(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
	      bool check_tlb)
{
	struct hvo_zone *z, *zl;
	struct hvo_frame_meta *m;
	uint64_t n = order <= sim->geo.max_folio_order ? 1ull << order : 0, i;
	enum hvo_frame_kind kind;
	bool boot, bytes;
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
	kind = (enum hvo_frame_kind)m->kind;
	boot = m->flags & FMF_BOOT;
	bytes = m->flags & FMF_BYTES;
	if (bytes && check_tlb) {
		ret = check_unmapped(sim, pfn, n);
		if (ret)
			goto unlock;
	}
	if (bytes)
		for (i = 0; i < n; i++) {
			hvo__frame_fill_words(sim, pfn + i, 0xaaaaaaaaaaaaaaaaull);
			atomic_store(&hvo__meta(sim, pfn + i)->unmap_gen, 0);
			hvo__meta(sim, pfn + i)->next = hvo__meta(sim, pfn + i)->prev = 0;
		}
	m->state = FM_NONE;
	if (m->flags & FMF_HARNESS)
		cnt_sub(sim, harness_in_use, n);
	cnt_add(sim, freed[kind], n);
	cnt_sub(sim, in_use[kind], n);
	if (boot)
		cnt_sub(sim, boot_in_use[kind], n);
	if (zl != z) {
		pthread_mutex_unlock(&zl->lock);
		pthread_mutex_unlock(&z->lock);
		hvo__buddy_free_range(sim, pfn, pfn + n);
		return 0;
	}
	free_one_locked(sim, z, pfn, order);
	ret = 0;
unlock:
	if (zl != z)
		pthread_mutex_unlock(&zl->lock);
	pthread_mutex_unlock(&z->lock);
	return ret;
}

HVO_EXPORT int hvo_free_frames(struct hvo_sim *sim, uint64_t pfn,
			       unsigned int order)
{
	struct hvo_frame_info fi;

	if (!sim)
		return hvo__err(-EINVAL, "free: NULL sim");
	/* the machine's own frames are not the harness's to free */
	if (order <= sim->geo.max_folio_order && pfn < sim->geo.nr_pfns &&
	    pfn + (1ull << order) <= sim->geo.nr_pfns && !(pfn & ((1ull << order) - 1)) &&
	    !hvo_frame_info(sim, pfn, &fi) && fi.allocated && fi.order == order) {
		if (fi.kind == HVO_KIND_PGTABLE && fi.head_pfn == pfn &&
		    (hvo__meta(sim, pfn)->flags & FMF_MACHINE))
			return hvo__err(-EBUSY, "free: frame %#" PRIx64 " is a page table of the "
					"vmemmap", pfn);
		if (fi.kind == HVO_KIND_HUGETLB && hvo__folio_registered(sim, fi.head_pfn))
			return hvo__err(-EBUSY, "free: pfn %#" PRIx64 " belongs to hugetlb folio %#"
					PRIx64 "; use hvo_folio_put(), hvo_folio_dissolve() or "
					"hvo_pool_shrink()", pfn, fi.head_pfn);
	}
	return hvo__free(sim, pfn, order, true);
}

/* a harness frame mapped into the vmemmap becomes the machine's */
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
		t->flags = (uint8_t)((t->flags & FMF_EVER_BYTES) |
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
		t->flags = (uint8_t)((t->flags & FMF_EVER_BYTES) |
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

	if (!sim || !info)
		return hvo__err(-EINVAL, "frame_info: NULL argument");
	if (pfn >= sim->geo.nr_pfns)
		return hvo__err(-ERANGE, "frame_info: pfn %#" PRIx64 " is beyond the last pfn %#"
				PRIx64, pfn, sim->geo.nr_pfns - 1);
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

HVO_EXPORT const void *hvo_frame_bytes(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_zone *z;
	uint64_t lazy_vaddr = 0;
	bool has;

	if (!sim || pfn >= sim->geo.nr_pfns)
		return NULL;
	z = hvo__pfn_zone(sim, pfn);
	if (z)
		pthread_mutex_lock(&z->lock);
	has = hvo__meta(sim, pfn)->flags & FMF_EVER_BYTES;
	if (hvo__meta(sim, pfn)->prev == HVO_META_LAZY)
		lazy_vaddr = hvo__meta(sim, pfn)->next;
	if (z)
		pthread_mutex_unlock(&z->lock);
	/* never-touched struct pages hold memmap_init() content, as a reader
	 * through the vmemmap would see: write it now if still pending */
	if (lazy_vaddr) {
		uint64_t frame;

		if (!hvo__vmm_frame_of(sim, lazy_vaddr, &frame, NULL) && frame == pfn)
			hvo__lazy_init(sim, lazy_vaddr);
	}
	return has ? hvo__frame(sim, pfn) : NULL;
}

HVO_EXPORT uint64_t hvo_zone_free_pages(struct hvo_sim *sim, unsigned int nid,
					enum hvo_zone_type zone)
{
	if (!sim || nid >= sim->cfg.nr_nodes || (unsigned int)zone >= HVO_NR_ZONES)
		return 0;
	return atomic_load(&sim->nodes[nid].zones[zone].nr_free);
}

/* hvo_sim_destroy(): harness allocations still out are leaks */
uint64_t hvo__leaked_frames(struct hvo_sim *sim, bool report)
{
	uint64_t leaked = atomic_load(&sim->c.harness_in_use);

	if (leaked && report)
		fprintf(stderr, "hvosim: %" PRIu64 " frame(s) allocated with hvo_alloc_frames() "
			"still allocated at destroy\n", leaked);
	return leaked;
}
