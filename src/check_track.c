// SPDX-License-Identifier: MIT
/*
 * check_track.c - hvo_check() and hvo_check_track(): with tracking on, a
 * check re-verifies only what can have changed since the last one, and
 * reports exactly what the full check (check.c) would.
 *
 * Why it is exact.  Every invariant of check.c reads, besides state read
 * afresh each time (the folio registry and pool counters under
 * hugetlb_lock, the machine's counters, the shared tail slots, the zones'
 * free_area heads, the static key), only these:
 *   - frame bytes: struct pages through the vmemmap, page-table entries,
 *     shared tails.  Every write of a frame's bytes takes its pointer from
 *     hvo__frame() or from a load/store's resolve(), and both note the pfn
 *     in the change log (check_log.c) -- the doors snapshots rely on too;
 *     a snapshot restore, the one writer past them, notes what it writes.
 *     For a noted frame the driver compares the bytes with its copy from
 *     the last check, so it knows the struct pages that changed.
 *   - frame metadata (a frame's block as hvo__check_block() finds it, its
 *     kind, vmap_count): every write goes through hvo__meta(), noted
 *     likewise (by blocks of 64 pfns).  hvo__check_block(F) reads the
 *     metadata of F aligned down to each order until it finds F's block;
 *     the driver keeps, per frame it watches, how deep that search went,
 *     and looks again when a noted pfn is one it read.
 *   - the flat view of leaf entries: hvo__flat_set() notes each entry it
 *     changes (a snapshot restore, which copies the view back whole, makes
 *     the next check walk everything): a changed entry is a vmemmap page
 *     whose every struct page must be read again.
 * A struct page reads differently only if its vmemmap entry or the bytes it
 * maps changed (or, in the fake-head scheme, page[1] of a page-aligned page
 * did, or the static key went on or off: then everything is walked); a
 * vmemmap page's checks only if its entry, its frame's vmap_count or its
 * folio changed; a folio's own checks only if its registry entry, its first
 * FOLIO_META_PAGES struct pages or its shared tail slot did; a table's
 * entries only if its bytes did (compared with a copy); a zone's free lists
 * only if a pfn of it was noted, one of its struct pages changed or its
 * free_area heads moved; a shared tail's bytes only if its frame was noted
 * or its slot moved.  Everything else is what the last check saw and found
 * right.  Frame-ownership, accounting and pgtable-frames are totals: the
 * driver keeps their sets and counts up to date from the same changes.
 *
 * Why the report is the full check's.  The checks run in the full check's
 * order (MACHINE, folios by pfn, shared tails, TOTALS), each on what it
 * would read there; a folio whose partial walk finds anything is walked
 * again whole (and whole at every check until it is right), so it reports
 * each invariant at its first place; a shared tail with a finding is
 * walked again too.  Only the totals the driver keeps itself cannot name
 * the place (which frame is owned twice, which table or flat entry is
 * wrong, which free block): a finding there, or a record the driver could
 * not keep (out of host memory), has the report redone by a full check.
 *
 * When a check walks more: the first after hvo_check_track(), one after
 * more notes than the log lists, a flipped static key: everything, from
 * scratch; one after many vmemmap pages were remapped (a PMD's lazy memmap
 * init): every folio with a remapped page, or whose frame changed, whole
 * (listing their struct pages one by one costs more).  HVO_CHECK_VERIFY
 * runs a full check after every tracked one, returns its report and adds
 * "track" if the two differ.
 *
 * The checker's own reads are not noted (the log is paused during a
 * check); a lazy memmap init one of them would cause (not on a right
 * machine: folios' struct pages are never lazy) still notes its flat
 * entries, and makes the next check start over.
 *
 * The top of the checker: it calls check.c's walk and the library's
 * lookups; nothing calls back here but hvo_check()'s callers.  (sim.c
 * frees the record through the log's release hook, check_log.c.)
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check_internal.h"
#include "error.h"
#include "hugetlb_internal.h"
#include "hugetlb_vmemmap.h"
#include "page_alloc.h"
#include "vmm.h"

#define CKT_NONE UINT32_MAX
/* pfns the log lists before a check gives up and walks everything */
#define CKT_LOG_MIN 4096
#define CKT_MAX_SLOTS (HVO_MAX_HSTATES * (HVO_MAX_NODES * (HVO_NR_ZONES + 1) + 1))
#define CKT_NR_ZONES (HVO_MAX_NODES * HVO_NR_ZONES)

/* a frame the driver watches: one the flat view maps, or a page table */
struct ckt_frame {
	uint64_t key;			/* its pfn + 1; 0: a free slot (calloc()ed) */
	uint32_t first;			/* first flat index mapping it */
	uint32_t nmap;			/* flat indices mapping it */
	uint32_t nown;			/* of them, owned by a folio (frame-ownership) */
	uint32_t tab;			/* its page-table record, CKT_NONE */
	/* hvo__check_block(), as the last look found it */
	uint8_t depth;			/* the orders its block search read: 0..depth */
	bool vmemmap;			/* an allocated vmemmap frame (accounting) */
	bool table;			/* an allocated page-table frame of the machine */
	uint8_t *copy;			/* its bytes at the last check, or NULL */
};

/* a page-table frame reachable from the root, and its entries last seen */
struct ckt_table {
	uint64_t pfn;
	unsigned int level;
	uint64_t vbase;			/* the first address it maps */
	uint64_t *copy;
	uint32_t *kids;			/* entry indices that link a table */
	uint32_t nkids;
	uint32_t seen;			/* check number it was last reached in */
};

/* a folio as the last check left it */
struct ckt_folio {
	uint64_t pfn;
	uint8_t h, nid, zone, state;
	bool flag, optimized;
	uint64_t tail;
	uint32_t vmap0;			/* vmap_count of its page 0 frame */
	bool bad;			/* its walk reported something: walk it whole */
};

struct hvo_ckt {
	pthread_mutex_t lock;		/* one tracked check at a time */
	enum hvo_check_mode mode;
	struct hvo_cklog *log;
	bool valid;			/* what follows is as the last check found it */
	uint32_t gen;			/* checks so far */
	/*
	 * The vmemmap pages the driver follows, from base: the flat view's
	 * (at off) and the rest of the PMDs around it, which a PMD leaf maps
	 * too (the frames past the last struct page count as mapped).  Their
	 * entries as the last check saw them -- the flat view's, the others
	 * as the page table gave them -- and per entry: the other entries
	 * mapping the same frame, whether a folio owns it.
	 */
	uint64_t base, n, off;
	uint64_t *flat;
	uint32_t *rnext, *rprev;
	uint8_t *own;
	/* the watched frames: a hash by pfn, and a bitmap of them by pfn */
	struct ckt_frame *fr;
	uint64_t frcap, frn;
	uint64_t *wbits;
	int64_t mapped;			/* accounting: watched, mapped and vmemmap */
	unsigned int max_depth;		/* deepest block search of a watched frame */
	uint64_t conflicts;		/* frames owned through two entries */
	/* the page table */
	struct ckt_table *tabs;
	uint32_t ntabs, captabs;
	uint64_t reach;
	bool census_bad, pt_bad;
	uint64_t pt_bad_i;
	/* the folios, by pfn */
	struct ckt_folio *folios;
	uint64_t nfolios;
	/* the shared tail slots: value now and last, the frame found right;
	 * the machine's (list_slots()) are the first nslots */
	uint64_t slot_val[CKT_MAX_SLOTS], slot_ok[CKT_MAX_SLOTS], slot_seen[CKT_MAX_SLOTS];
	unsigned int nslots;
	bool slots_moved;
	/* the zones' free_area heads */
	uint64_t free_head[CKT_NR_ZONES][HVO_MAX_ORDER_LIMIT + 1];
	uint64_t zones;			/* dirty this check */
	bool key_on;			/* fake-head: the static key was on */
	/* this check goes by vmemmap pages, not struct pages (too many
	 * remapped to read their struct pages one by one): a folio with one
	 * remapped, or whose frame changed, is walked whole, every zone and
	 * shared tail too */
	bool wide;
	uint64_t geo_max_order;
	/* this check's changes: struct pages (a bitmap by pfn, the words of
	 * it set, and the pfns in order), vmemmap pages remapped, and in a
	 * wide walk the vmemmap pages whose frame's bytes changed */
	uint64_t *dpgbits, *dpw, ndpw, capdpw;
	uint64_t *dpg, ndpg, capdpg;
	uint64_t *dvi, ndvi, capdvi;
	uint64_t *dix, ndix, capdix;
	bool oom;
};

/* ---- growable lists ---- */

static void push(struct hvo_ckt *t, uint64_t **a, uint64_t *n, uint64_t *cap, uint64_t v)
{
	if (*n == *cap) {
		uint64_t nc = *cap ? *cap * 2 : 256, *na = realloc(*a, nc * sizeof(*na));

		if (!na) {
			t->oom = true;
			return;
		}
		*a = na;
		*cap = nc;
	}
	(*a)[(*n)++] = v;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* a list not yet allocated is empty: qsort() wants a pointer anyway */
static void sort_u64(uint64_t *a, uint64_t n)
{
	if (n > 1)
		qsort(a, n, sizeof(*a), cmp_u64);
}

/* the first element >= v of the sorted a[0..n) */
static uint64_t lower_bound(const uint64_t *a, uint64_t n, uint64_t v)
{
	uint64_t lo = 0, hi = n;

	while (lo < hi) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (a[mid] < v)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* whether the sorted a[0..n) holds a value in [lo, hi) */
static bool any_in(const uint64_t *a, uint64_t n, uint64_t lo, uint64_t hi)
{
	uint64_t i = lower_bound(a, n, lo);

	return i < n && a[i] < hi;
}

/* ---- the watched frames ---- */

static uint64_t fr_hash(const struct hvo_ckt *t, uint64_t pfn)
{
	return (pfn * 0x9e3779b97f4a7c15ull >> 17) & (t->frcap - 1);
}

static uint64_t fr_pfn(const struct ckt_frame *e)
{
	return e->key - 1;
}

/* wbits has the bit of every frame in the table: most pfns asked for are
 * not, and the bitmap answers that without probing */
static struct ckt_frame *fr_find(struct hvo_ckt *t, uint64_t pfn)
{
	uint64_t i;

	if (!((t->wbits[pfn >> 6] >> (pfn & 63)) & 1))
		return NULL;
	for (i = fr_hash(t, pfn); t->fr[i].key; i = (i + 1) & (t->frcap - 1))
		if (t->fr[i].key == pfn + 1)
			return &t->fr[i];
	return NULL;
}

static int fr_grow(struct hvo_ckt *t, uint64_t want)
{
	struct ckt_frame *old = t->fr;
	uint64_t ocap = t->frcap, i, j;

	for (t->frcap = ocap ? ocap * 2 : 1024; t->frcap < want; t->frcap *= 2)
		;
	t->fr = calloc(t->frcap, sizeof(*t->fr));
	if (!t->fr) {
		t->fr = old;
		t->frcap = ocap;
		return -ENOMEM;
	}
	for (i = 0; i < ocap; i++) {
		if (!old[i].key)
			continue;
		for (j = fr_hash(t, fr_pfn(&old[i])); t->fr[j].key;
		     j = (j + 1) & (t->frcap - 1))
			;
		t->fr[j] = old[i];
	}
	free(old);
	return 0;
}

/* what the checks ask of a watched frame's block, again */
static void fr_look(struct hvo_sim *sim, struct hvo_ckt *t, struct ckt_frame *e)
{
	const struct hvo_frame_meta *m;
	bool was = e->vmemmap;
	unsigned int depth;
	uint64_t head;

	m = hvo__check_block(sim, fr_pfn(e), &head, &depth);
	e->depth = (uint8_t)depth;
	if (depth > t->max_depth)
		t->max_depth = depth < 64 ? depth : sim->geo.max_folio_order;
	e->vmemmap = m && m->state == FM_ALLOC && m->kind == HVO_KIND_VMEMMAP;
	/* hvo__check_table_frame(), from the same search */
	e->table = m && m->state == FM_ALLOC && m->kind == HVO_KIND_PGTABLE &&
		   head == fr_pfn(e) && (hvo__meta(sim, fr_pfn(e))->flags & FMF_MACHINE);
	if (e->nmap && was != e->vmemmap)
		t->mapped += e->vmemmap ? 1 : -1;
}

static struct ckt_frame *fr_get(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t pfn)
{
	struct ckt_frame *e = fr_find(t, pfn);
	uint64_t i;

	if (e)
		return e;
	if ((t->frn + 1) * 2 > t->frcap && fr_grow(t, 0)) {
		t->oom = true;
		return NULL;
	}
	for (i = fr_hash(t, pfn); t->fr[i].key; i = (i + 1) & (t->frcap - 1))
		;
	e = &t->fr[i];
	*e = (struct ckt_frame){ .key = pfn + 1, .first = CKT_NONE, .tab = CKT_NONE };
	t->frn++;
	t->wbits[pfn >> 6] |= 1ull << (pfn & 63);
	fr_look(sim, t, e);
	return e;
}

/* drop a frame nothing maps and no table record names (backward shift) */
static void fr_put(struct hvo_ckt *t, struct ckt_frame *e)
{
	uint64_t i = (uint64_t)(e - t->fr), j = i, h;

	if (e->nmap || e->tab != CKT_NONE)
		return;
	t->wbits[fr_pfn(e) >> 6] &= ~(1ull << (fr_pfn(e) & 63));
	free(e->copy);
	for (;;) {
		t->fr[i] = (struct ckt_frame){ .key = 0 };
		do {
			j = (j + 1) & (t->frcap - 1);
			if (!t->fr[j].key) {
				t->frn--;
				return;
			}
			h = fr_hash(t, fr_pfn(&t->fr[j]));
		} while (i <= j ? (i < h && h <= j) : (i < h || h <= j));
		t->fr[i] = t->fr[j];
		i = j;
	}
}

/* ---- which flat entries map a frame, and which a folio owns ---- */

static void own_count(struct hvo_ckt *t, struct ckt_frame *e, int d)
{
	if (d > 0 && ++e->nown == 2)
		t->conflicts++;
	else if (d < 0 && e->nown-- == 2)
		t->conflicts--;
}

static void map_index(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t i, uint64_t pfn)
{
	struct ckt_frame *e = fr_get(sim, t, pfn);

	if (!e)
		return;
	t->rprev[i] = CKT_NONE;
	t->rnext[i] = e->first;
	if (e->first != CKT_NONE)
		t->rprev[e->first] = (uint32_t)i;
	e->first = (uint32_t)i;
	if (e->nmap++ == 0 && e->vmemmap)
		t->mapped++;
	if (t->own[i])
		own_count(t, e, 1);
}

static void unmap_index(struct hvo_ckt *t, uint64_t i, uint64_t pfn)
{
	struct ckt_frame *e = fr_find(t, pfn);

	if (!e)
		return;
	if (t->rprev[i] != CKT_NONE)
		t->rnext[t->rprev[i]] = t->rnext[i];
	else
		e->first = t->rnext[i];
	if (t->rnext[i] != CKT_NONE)
		t->rprev[t->rnext[i]] = t->rprev[i];
	if (t->own[i])
		own_count(t, e, -1);
	if (--e->nmap == 0 && e->vmemmap)
		t->mapped--;
	fr_put(t, e);
}

static void own_set(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t i, bool on)
{
	struct ckt_frame *e;

	if (i >= t->n || t->own[i] == on)
		return;
	t->own[i] = on;
	e = (t->flat[i] & HVO_PTE_PRESENT) ? fr_find(t, flat_entry_pfn(sim, t->flat[i])) : NULL;
	if (e)
		own_count(t, e, on ? 1 : -1);
}

/* ---- geometry ---- */

static uint64_t index_of(const struct hvo_sim *sim, const struct hvo_ckt *t, uint64_t vaddr)
{
	return (vaddr - t->base) >> sim->geo.page_shift;
}

static uint64_t vaddr_of(const struct hvo_sim *sim, const struct hvo_ckt *t, uint64_t i)
{
	return t->base + (i << sim->geo.page_shift);
}

/* the folio's vmemmap pages: [*first, *first + *n) */
static void folio_pages(const struct hvo_sim *sim, const struct hvo_ckt *t, uint64_t pfn,
			unsigned int order, uint64_t *first, uint64_t *n)
{
	uint64_t s, e, vs, vp = hvo__hugetlb_vmemmap_pages(sim, order), w;

	hvo_vmemmap_range(sim, pfn, 1ull << order, &s, &e);
	vs = s & ~(sim->geo.page_size - 1);
	w = (e - vs + sim->geo.page_size - 1) >> sim->geo.page_shift;
	*first = index_of(sim, t, vs);
	*n = w > vp ? w : vp;
}

/* the struct pages (pfns) with a byte in [v, v + len) of the vmemmap */
static void push_pages(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t v, uint64_t len)
{
	uint64_t base = sim->geo.vmemmap_base, p, last, w, mask;

	if (t->wide || v + len <= base)
		return;
	p = v < base ? 0 : (v - base) / sim->geo.stride;
	last = (v + len - 1 - base) / sim->geo.stride;
	/* the fake-head scheme reads page[1] of a page-aligned struct page */
	if (p && sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD)
		p--;
	if (last >= sim->geo.nr_pfns)
		last = sim->geo.nr_pfns - 1;
	/* a word of the bitmap at a time */
	for (; p <= last; p = (p | 63) + 1) {
		w = p >> 6;
		mask = ~0ull << (p & 63);
		if (w == last >> 6)
			mask &= ~0ull >> (63 - (last & 63));
		if (!t->dpgbits[w])
			push(t, &t->dpw, &t->ndpw, &t->capdpw, w);
		t->dpgbits[w] |= mask;
	}
}

/* ---- what changed: the flat view ---- */

static void flat_changed(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t i, uint64_t e,
			 bool all)
{
	bool pages = !all && i >= t->off && i - t->off < sim->flat_n;
	uint64_t o = t->flat[i];

	t->flat[i] = e;
	/* the same frame (a lazy entry initialised, RW or RO): still mapped */
	if (all || !(o & HVO_PTE_PRESENT) || !(e & HVO_PTE_PRESENT) ||
	    flat_entry_pfn(sim, o) != flat_entry_pfn(sim, e)) {
		if (!all && (o & HVO_PTE_PRESENT))
			unmap_index(t, i, flat_entry_pfn(sim, o));
		if (e & HVO_PTE_PRESENT)
			map_index(sim, t, i, flat_entry_pfn(sim, e));
	}
	/* a vmemmap page mapped anew: every struct page on it, its entry and
	 * the page table's agreement with it (outside the flat view: no
	 * struct page) */
	if (!pages)
		return;
	push(t, &t->dvi, &t->ndvi, &t->capdvi, i);
	push_pages(sim, t, vaddr_of(sim, t, i), sim->geo.page_size);
}

/* the flat entries hvo__flat_set() changed (all of them: every entry) */
static void diff_flat(struct hvo_sim *sim, struct hvo_ckt *t, bool all)
{
	uint64_t n = all ? sim->flat_n : atomic_load(&t->log->n), i, j, v, e;

	for (i = 0; i < n; i++) {
		if (all) {
			j = i;
		} else {
			v = atomic_load_explicit(&t->log->list[i], memory_order_relaxed);
			if ((v & 3) != HVO_CKLOG_KIND_FLAT)
				continue;
			j = v >> 2;
		}
		e = atomic_load_explicit(&sim->flat[j], memory_order_relaxed);
		if (all || e != t->flat[t->off + j])
			flat_changed(sim, t, t->off + j, e, all);
	}
	sort_u64(t->dvi, t->ndvi);
}

/* ---- what changed: the noted frames ---- */

/* the struct pages changed bytes [@off, @off + @len) of @e are in, through
 * every vmemmap page mapping it */
static void word_changed(struct hvo_sim *sim, struct hvo_ckt *t, const struct ckt_frame *e,
			 uint64_t off, uint64_t len)
{
	uint64_t j;

	for (j = e->first; j != CKT_NONE; j = t->rnext[j])
		push_pages(sim, t, vaddr_of(sim, t, j) + off, len);
}

/* a mapped frame whose bytes may have changed: which words did */
static void bytes_noted(struct hvo_sim *sim, struct hvo_ckt *t, struct ckt_frame *e)
{
	const uint64_t *now = (const uint64_t *)(sim->mem + (fr_pfn(e) << sim->geo.page_shift));
	uint64_t ps = sim->geo.page_size, w, run, *cp;

	/* mapped by one vmemmap page, whose entry changed too: all its struct
	 * pages are read again anyway; a copy waits for the frame's next note */
	if (!e->copy && e->nmap == 1 && any_in(t->dvi, t->ndvi, e->first, e->first + 1))
		return;
	/* a wide walk goes by vmemmap pages: those of a frame that changed */
	if (t->wide) {
		if (e->copy && !memcmp(e->copy, now, ps))
			return;
		if (e->copy)
			memcpy(e->copy, now, ps);
		for (w = e->first; w != CKT_NONE; w = t->rnext[w])
			push(t, &t->dix, &t->ndix, &t->capdix, w);
		return;
	}
	if (!e->copy) {
		e->copy = malloc(ps);
		if (!e->copy) {
			t->oom = true;
			return;
		}
		memcpy(e->copy, now, ps);
		word_changed(sim, t, e, 0, ps);
		return;
	}
	if (!memcmp(e->copy, now, ps))
		return;
	/* each run of changed words at once: the struct pages it covers are
	 * those of its words */
	cp = (uint64_t *)e->copy;
	for (w = 0, run = 0; w <= ps / 8; w++) {
		uint64_t v = w < ps / 8 ? __atomic_load_n(&now[w], __ATOMIC_RELAXED) : 0;

		if (w < ps / 8 && v != cp[w]) {
			cp[w] = v;
			run++;
		} else if (run) {
			word_changed(sim, t, e, (w - run) * 8, run * 8);
			run = 0;
		}
	}
}

/* the zones holding a pfn of [p, end) */
static void zones_dirty(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t p, uint64_t end)
{
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++)
		for (z = 0; z < HVO_NR_ZONES; z++) {
			const struct hvo_zone *zn = &sim->nodes[n].zones[z];

			if (zn->start < end && p < zn->end)
				t->zones |= 1ull << (n * HVO_NR_ZONES + z);
		}
}

/*
 * A block of pfns [p, p + 2^HVO_CKLOG_META_SHIFT) whose metadata may have
 * changed: hvo__check_block() again for every watched frame in it, and every
 * one further up whose block search read p (hvo__check_block(w) reads
 * the metadata of w aligned down to each order until it finds w's block).
 */
static void meta_noted(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t p)
{
	unsigned int tz = p ? (unsigned int)__builtin_ctzll(p) : 64, mo = sim->geo.max_folio_order;
	uint64_t blk = p + (1ull << HVO_CKLOG_META_SHIFT), end, f, w, bits;
	struct ckt_frame *e;

	/* no watched frame's search went deeper than max_depth orders */
	if (mo > t->max_depth)
		mo = t->max_depth;
	end = p + (1ull << (tz < mo ? tz : mo));
	if (end < blk)
		end = blk;
	zones_dirty(sim, t, p, blk);
	if (end > sim->geo.nr_pfns)
		end = sim->geo.nr_pfns;
	for (f = p; f < end; f = (f | 63) + 1) {
		bits = t->wbits[f >> 6] & (~0ull << (f & 63));
		if ((f | 63) >= end)
			bits &= ~0ull >> (63 - ((end - 1) & 63));
		while (bits) {
			w = (f & ~63ull) + (uint64_t)__builtin_ctzll(bits);
			bits &= bits - 1;
			e = fr_find(t, w);
			if (e && (w < blk || e->depth >= 64 ||
				  w - p < 1ull << (e->depth < tz ? e->depth : tz)))
				fr_look(sim, t, e);
		}
	}
}

/* the changed pages in pfn order: the bitmap's words set, in order */
static void sort_pages(struct hvo_ckt *t)
{
	uint64_t i, w, bits;

	sort_u64(t->dpw, t->ndpw);
	for (i = 0; i < t->ndpw; i++)
		for (w = t->dpw[i], bits = t->dpgbits[w]; bits; bits &= bits - 1)
			push(t, &t->dpg, &t->ndpg, &t->capdpg,
			     (w << 6) + (uint64_t)__builtin_ctzll(bits));
}

static void read_log(struct hvo_sim *sim, struct hvo_ckt *t)
{
	uint64_t n = atomic_load(&t->log->n), i, v;
	struct ckt_frame *e;

	for (i = 0; i < n; i++) {
		v = atomic_load_explicit(&t->log->list[i], memory_order_relaxed);
		if ((v & 3) == HVO_CKLOG_KIND_META) {
			meta_noted(sim, t, (v >> 2) << HVO_CKLOG_META_SHIFT);
			continue;
		}
		e = (v & 3) == HVO_CKLOG_KIND_BYTES ? fr_find(t, v >> 2) : NULL;
		if (e && e->nmap)
			bytes_noted(sim, t, e);
	}
	sort_pages(t);
	sort_u64(t->dix, t->ndix);
	/* the pages whose bytes changed: their zones' free heads */
	for (i = 0; i < (uint64_t)sim->cfg.nr_nodes * HVO_NR_ZONES; i++) {
		const struct hvo_zone *z = &sim->nodes[i / HVO_NR_ZONES].zones[i % HVO_NR_ZONES];

		if (any_in(t->dpg, t->ndpg, z->start, z->end))
			t->zones |= 1ull << i;
	}
}

/* ---- what changed: slots, zone heads, the static key ---- */

static unsigned int list_slots(struct hvo_sim *sim, _Atomic uint64_t **s)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	unsigned int h, n, z, idx, k = 0;

	for (h = 0; h < hg->nr_hstates; h++) {
		if (!hg->hs[h].optimizable)
			continue;
		idx = hg->hs[h].order - sim->geo.vmemmap_tail_min_order;
		for (n = 0; n < sim->cfg.nr_nodes; n++) {
			for (z = 0; z < HVO_NR_ZONES; z++)
				s[k++] = &sim->nodes[n].zones[z].vmemmap_tails[idx];
			if (sim->cfg.tail_scope == HVO_SCOPE_NODE)
				s[k++] = &sim->nodes[n].vmemmap_tails[idx];
		}
		if (sim->cfg.tail_scope == HVO_SCOPE_HSTATE)
			s[k++] = &hg->hs[h].vmemmap_tail;
	}
	return k;
}

static void read_host_state(struct hvo_sim *sim, struct hvo_ckt *t, bool all)
{
	_Atomic uint64_t *s[CKT_MAX_SLOTS];
	unsigned int k = sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL ? list_slots(sim, s) : 0;
	unsigned int i, n, z;
	uint64_t v;

	t->slots_moved = all;
	t->nslots = k;
	for (i = 0; i < k; i++) {
		v = atomic_load(s[i]);
		t->slots_moved |= v != t->slot_val[i];
		t->slot_val[i] = v;
	}
	for (n = 0; n < sim->cfg.nr_nodes; n++)
		for (z = 0; z < HVO_NR_ZONES; z++) {
			struct hvo_zone *zn = &sim->nodes[n].zones[z];

			pthread_mutex_lock(&zn->lock);
			if (all || memcmp(t->free_head[n * HVO_NR_ZONES + z], zn->free_head,
					  sizeof(zn->free_head))) {
				memcpy(t->free_head[n * HVO_NR_ZONES + z], zn->free_head,
				       sizeof(zn->free_head));
				t->zones |= 1ull << (n * HVO_NR_ZONES + z);
			}
			pthread_mutex_unlock(&zn->lock);
		}
}

/* ---- the page table ---- */

static struct ckt_table *table_rec(struct hvo_sim *sim, struct hvo_ckt *t,
				   struct ckt_frame *e, bool *fresh)
{
	struct ckt_table *tb;

	*fresh = e->tab == CKT_NONE;
	if (!*fresh)
		return &t->tabs[e->tab];
	if (t->ntabs == t->captabs) {
		uint32_t cap = t->captabs ? 2 * t->captabs : 16;
		struct ckt_table *n = realloc(t->tabs, cap * sizeof(*n));

		if (!n)
			return NULL;
		t->tabs = n;
		t->captabs = cap;
	}
	tb = &t->tabs[t->ntabs];
	*tb = (struct ckt_table){ .pfn = fr_pfn(e) };
	/* no level has more entries than a page holds */
	tb->copy = calloc(sim->geo.page_size / 8, sizeof(*tb->copy));
	tb->kids = calloc(sim->geo.page_size / 8, sizeof(*tb->kids));
	if (!tb->copy || !tb->kids) {
		free(tb->copy);
		free(tb->kids);
		return NULL;
	}
	e->tab = t->ntabs++;
	return tb;
}

/* the entry at @level mapping @v (0: none) as the flat view would hold it */
static uint64_t as_flat(struct hvo_sim *sim, uint64_t we, unsigned int level, uint64_t v)
{
	if (!(we & HVO_PTE_PRESENT))
		return 0;
	return flat_entry(sim, (frame_in_entry(sim, we, level, v) << HVO_PTE_PFN_SHIFT) |
			  (we & HVO_FLAT_BITS));
}

/*
 * A leaf or empty entry of a changed table, mapping [v, v + 2^shift): the
 * flat view must show it (page-table); past the flat view, it is what the
 * driver counts as mapped there.
 */
static void leaf_vs_flat(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t we,
			 unsigned int level, uint64_t v)
{
	uint64_t ps = sim->geo.page_size, last = v + ((1ull << sim->level_shift[level]) - 1);
	uint64_t tlast = t->base + t->n * ps - 1, lo, hi, i, va, fe;

	if (last < t->base || v > tlast)
		return;
	if ((we & HVO_PTE_PRESENT) && (v < t->base || last > tlast)) {
		t->oom = true;	/* a leaf bigger than a PMD: let a full check count */
		return;
	}
	lo = v < t->base ? 0 : index_of(sim, t, v);
	hi = last > tlast ? t->n : index_of(sim, t, last) + 1;
	for (i = lo; i < hi && !t->pt_bad; i++) {
		va = vaddr_of(sim, t, i);
		if (i < t->off || i - t->off >= sim->flat_n) {
			fe = as_flat(sim, we, level, va);
			if (fe != t->flat[i])
				flat_changed(sim, t, i, fe, false);
			continue;
		}
		fe = atomic_load(&sim->flat[i - t->off]);
		if (!(we & HVO_PTE_PRESENT) ? (fe & HVO_PTE_PRESENT) :
		    !hvo__check_leaf_agrees(sim, fe, we, level, va)) {
			t->pt_bad = true;
			t->pt_bad_i = i - t->off;
		}
	}
}

static void visit_table(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t pfn,
			unsigned int level, uint64_t vbase, bool changed);

/* a table holds at most a page of entries: 8192 at 64K */
#define CKT_TABLE_WORDS (65536 / 8 / 64)

/*
 * table_changed() for a table of leaves (level 0: no children) that stayed
 * where it was: its entries are compared with the copy 64 at a time, and
 * only those that moved are looked at, in order.
 */
static void leaves_changed(struct hvo_sim *sim, struct hvo_ckt *t, struct ckt_table *tb,
			   const uint64_t *now, unsigned int n)
{
	unsigned int i, b, lim;
	uint64_t m, e;

	for (i = 0; i < n; i += 64) {
		lim = n - i < 64 ? n - i : 64;
		for (m = 0, b = 0; b < lim; b++) {
			e = __atomic_load_n(&now[i + b], __ATOMIC_RELAXED);
			m |= (uint64_t)(e != tb->copy[i + b]) << b;
			tb->copy[i + b] = e;
		}
		for (; m; m &= m - 1) {
			b = (unsigned int)__builtin_ctzll(m);
			leaf_vs_flat(sim, t, tb->copy[i + b], 0,
				     tb->vbase + ((uint64_t)(i + b) << sim->level_shift[0]));
		}
	}
}

/*
 * A table whose entries moved: its entries that did (@all: every one, for a
 * table new here or moved itself) against the flat view, its children list
 * anew, a child whose entry moved visited as moved.  Records are appended
 * while children are visited: hold the index.
 */
static void table_changed(struct hvo_sim *sim, struct hvo_ckt *t, uint32_t tab, bool all)
{
	struct ckt_table *tb = &t->tabs[tab];
	unsigned int i, n = sim->level_entries[tb->level], level = tb->level, nkids, k;
	const uint64_t *now = (const uint64_t *)(sim->mem + (tb->pfn << sim->geo.page_shift));
	uint64_t e, vbase = tb->vbase, moved[CKT_TABLE_WORDS];

	tb->nkids = 0;
	if (!level && !all) {
		leaves_changed(sim, t, tb, now, n);
		return;
	}
	memset(moved, 0, ((n + 63) / 64) * sizeof(*moved));
	for (i = 0; i < n; i++) {
		e = __atomic_load_n(&now[i], __ATOMIC_RELAXED);
		if (all || e != tb->copy[i]) {
			moved[i / 64] |= 1ull << (i % 64);
			tb->copy[i] = e;
		}
		if (level && (e & HVO_PTE_PRESENT) && !(e & HVO_PTE_LEAF))
			tb->kids[tb->nkids++] = i;
		else if ((moved[i / 64] >> (i % 64)) & 1)
			leaf_vs_flat(sim, t, e, level,
				     vbase + ((uint64_t)i << sim->level_shift[level]));
	}
	nkids = tb->nkids;
	for (i = 0; i < nkids; i++) {
		tb = &t->tabs[tab];
		k = tb->kids[i];
		visit_table(sim, t, entry_pfn(tb->copy[k]), level - 1,
			    vbase + ((uint64_t)k << sim->level_shift[level]),
			    (moved[k / 64] >> (k % 64)) & 1);
	}
}

static void visit_table(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t pfn,
			unsigned int level, uint64_t vbase, bool changed)
{
	struct ckt_frame *e;
	struct ckt_table *tb;
	uint32_t i, tab;
	bool fresh;

	t->reach++;
	if (pfn >= sim->geo.nr_pfns) {
		t->census_bad = true;
		return;
	}
	e = fr_get(sim, t, pfn);
	tb = e ? table_rec(sim, t, e, &fresh) : NULL;
	if (!tb) {
		t->oom = true;
		return;
	}
	if (tb->seen == t->gen) {
		t->census_bad = true;	/* linked twice */
		return;
	}
	if (!e->table)
		t->census_bad = true;
	/* moved whole: new here, linked elsewhere, or its parent entry moved */
	changed |= fresh || tb->level != level || tb->vbase != vbase;
	tb->level = level;
	tb->vbase = vbase;
	tb->seen = t->gen;
	tab = e->tab;
	/* a walk reads a table through hvo__frame() too: compare first */
	if (changed || ((hvo__cklog_bits(t->log, pfn) & HVO_CKLOG_BYTES) &&
			memcmp(tb->copy, sim->mem + (pfn << sim->geo.page_shift),
			       sim->level_entries[level] * sizeof(uint64_t)))) {
		table_changed(sim, t, tab, changed);
		return;
	}
	for (i = 0; i < t->tabs[tab].nkids; i++) {
		tb = &t->tabs[tab];
		visit_table(sim, t, entry_pfn(tb->copy[tb->kids[i]]), level - 1,
			    vbase + ((uint64_t)tb->kids[i] << sim->level_shift[level]), false);
	}
}

/* drop the records of tables no longer reached */
static void prune_tables(struct hvo_ckt *t)
{
	uint32_t i = 0;
	struct ckt_frame *e;

	while (i < t->ntabs) {
		struct ckt_table *tb = &t->tabs[i];

		if (tb->seen == t->gen) {
			i++;
			continue;
		}
		e = fr_find(t, tb->pfn);
		free(tb->copy);
		free(tb->kids);
		t->tabs[i] = t->tabs[--t->ntabs];
		if (i < t->ntabs)
			fr_find(t, t->tabs[i].pfn)->tab = i;
		if (e) {
			e->tab = CKT_NONE;
			fr_put(t, e);
		}
	}
}

/* page-table and pgtable-frames: the tables that changed, and the flat
 * entries that did */
static void check_tables(struct hvo_sim *sim, struct hvo_ckt *t, bool all)
{
	uint64_t i;

	t->reach = 0;
	t->census_bad = t->pt_bad = false;
	visit_table(sim, t, sim->root_pfn, sim->geo.pgtable_levels - 1,
		    sim->flat_base & ~((1ull << 48) - 1), all);
	prune_tables(t);
	for (i = 0; i < t->ndvi && !t->pt_bad; i++)
		if (!hvo__check_flat_agrees(sim, t->dvi[i] - t->off)) {
			t->pt_bad = true;
			t->pt_bad_i = t->dvi[i] - t->off;
		}
}

/* ---- the folios ---- */

/* whether the full walk of the folio begun reads struct page i, and how */
static bool page_walked(const struct check_ctx *c, uint64_t i, uint64_t R, bool *alias)
{
	*alias = false;
	if (i == 0 || i >= c->f.nr_pages)
		return false;
	if (!c->f.optimized)
		return true;
	if (i < R)
		return true;
	*alias = c->fake;
	return i % R == 0 && i / R < c->f.vmemmap_pages;
}

/* the folio's owned vmemmap pages: none, then what its walk noted */
static void own_folio(struct hvo_sim *sim, struct hvo_ckt *t, const struct ckt_folio *old,
		      const struct check_ctx *c)
{
	uint64_t first, n, k;

	if (old) {
		folio_pages(sim, t, old->pfn, sim->hugetlb->hs[old->h].order, &first, &n);
		for (k = 0; k < n; k++)
			own_set(sim, t, first + k, false);
	}
	if (!c)
		return;
	first = index_of(sim, t, c->f.vstart);
	for (k = 0; k < c->d->n_own; k++)
		own_set(sim, t, first + c->d->own_k[k], true);
}

/* the frame page 0 of an optimized folio maps, and how often it is mapped */
static uint32_t vmap0(struct hvo_sim *sim, struct hvo_ckt *t, uint64_t vstart)
{
	uint64_t i = index_of(sim, t, vstart), fe = i < t->n ? t->flat[i] : 0;

	if (!(fe & HVO_PTE_PRESENT))
		return UINT32_MAX;
	return atomic_load(&hvo__meta(sim, flat_entry_pfn(sim, fe))->vmap_count);
}

/* a folio that stayed what it was: the parts that changed */
static void walk_changes(struct check_ctx *c, struct hvo_ckt *t, const struct ckt_folio *old,
			 uint32_t v0)
{
	struct hvo_sim *sim = c->sim;
	uint64_t R = hvo__hugetlb_vmemmap_reserve_pages(sim), pfn = c->f.s->pfn, first, n, i, k;
	bool alias;

	if (old->state != c->f.s->state || any_in(t->dpg, t->ndpg, pfn, pfn + FOLIO_META_PAGES)) {
		c->rep->folios++;
		hvo__check_run(c, CHECK_FOLIO);
	}
	folio_pages(sim, t, pfn, c->f.hs->order, &first, &n);
	n = c->f.optimized ? c->f.vmemmap_pages :
	    (c->f.end - c->f.vstart + sim->geo.page_size - 1) >> sim->geo.page_shift;
	k = c->f.optimized && !c->fake && v0 != old->vmap0;
	if (k)
		hvo__check_scan_vmemmap(c, 0);
	for (i = lower_bound(t->dvi, t->ndvi, first); i < t->ndvi && t->dvi[i] < first + n; i++)
		if (!k || t->dvi[i] != first)
			hvo__check_scan_vmemmap(c, t->dvi[i] - first);
	for (i = lower_bound(t->dpg, t->ndpg, pfn + 1);
	     i < t->ndpg && t->dpg[i] < pfn + c->f.nr_pages; i++)
		if (page_walked(c, t->dpg[i] - pfn, R, &alias))
			hvo__check_scan_page(c, t->dpg[i] - pfn, alias);
}

/* the whole folio, noting the vmemmap pages it owns */
static void walk_whole(struct check_ctx *c, struct hvo_ckt *t, const struct folio_snap *s,
		       const struct ckt_folio *old)
{
	c->d->own_note = true;
	c->d->n_own = 0;
	hvo__check_scan_folio(c, s);
	c->d->own_note = false;
	own_folio(c->sim, t, old, c);
}

/* nothing a folio's checks read changed since its last walk found it right */
static bool folio_same(struct check_ctx *c, struct hvo_ckt *t, const struct folio_snap *s,
		       const struct ckt_folio *old)
{
	struct hvo_sim *sim = c->sim;
	unsigned int order = sim->hugetlb->hs[s->h].order;
	uint64_t first, n;

	if (!old || old->bad || old->nid != s->nid || old->zone != s->zone ||
	    old->state != s->state || (old->optimized && t->slots_moved) ||
	    any_in(t->dpg, t->ndpg, s->pfn, s->pfn + (1ull << order)))
		return false;
	/* most checks remapped no vmemmap page: the folio's pages are asked
	 * for only where they are needed */
	if (!t->ndvi && !t->ndix && (!old->optimized || c->fake))
		return true;
	folio_pages(sim, t, s->pfn, order, &first, &n);
	return !any_in(t->dvi, t->ndvi, first, first + n) &&
	       !any_in(t->dix, t->ndix, first, first + n) &&
	       (!old->optimized || c->fake ||
		vmap0(sim, t, vaddr_of(sim, t, first)) == old->vmap0);
}

/*
 * One folio of the registry (@old: as the last check left it, or NULL).  A
 * folio is walked in part only while it stays what it was and the part
 * finds nothing: a folio with a finding is walked whole, so its report
 * reads as the full check's (each invariant at its first place).
 */
static void walk_folio(struct check_ctx *c, struct hvo_ckt *t, const struct folio_snap *s,
		       const struct ckt_folio *old, struct ckt_folio *now)
{
	struct hvo_report *rep = c->rep;
	uint64_t nr = rep->nr, count = rep->count;
	uint32_t v0;

	if (folio_same(c, t, s, old)) {
		*now = *old;
		return;
	}
	hvo__check_folio_begin(c, s);
	v0 = c->f.optimized ? vmap0(c->sim, t, c->f.vstart) : 0;
	if (!t->wide && old && !old->bad && old->nid == s->nid && old->zone == s->zone &&
	    old->flag == c->f.flag && old->optimized == c->f.optimized && old->tail == c->f.tail)
		walk_changes(c, t, old, v0);
	if (t->wide || rep->count != count || !old || old->bad || old->nid != s->nid ||
	    old->zone != s->zone || old->flag != c->f.flag || old->optimized != c->f.optimized ||
	    old->tail != c->f.tail) {
		rep->nr = nr;
		rep->count = count;
		walk_whole(c, t, s, old);
	}
	*now = (struct ckt_folio){ s->pfn, (uint8_t)s->h, (uint8_t)s->nid, (uint8_t)s->zone,
				   (uint8_t)s->state, c->f.flag, c->f.optimized, c->f.tail, v0,
				   rep->count != count };
}

/*
 * The registry against the folios of the last check, in pfn order (both
 * lists are sorted by pfn, each pfn once: one pass over each finds the
 * pairs).  The vmemmap pages of folios gone or resized are owned by nobody
 * first, so a folio made over them (demote, or a pool grown where one was
 * dissolved) notes its own after.
 */
static int walk_folios(struct check_ctx *c, struct hvo_ckt *t, const struct folio_snap *fs,
		       uint64_t nf)
{
	struct ckt_folio *now = malloc((nf + 1) * sizeof(*now));
	const struct ckt_folio *old;
	uint64_t i, j;

	if (!now)
		return -ENOMEM;
	for (i = j = 0; i < t->nfolios; i++) {
		old = &t->folios[i];
		while (j < nf && fs[j].pfn < old->pfn)
			j++;
		if (j == nf || fs[j].pfn != old->pfn || fs[j].h != old->h)
			own_folio(c->sim, t, old, NULL);
	}
	for (i = j = 0; i < nf; i++) {
		while (j < t->nfolios && t->folios[j].pfn < fs[i].pfn)
			j++;
		old = j < t->nfolios && t->folios[j].pfn == fs[i].pfn ? &t->folios[j] : NULL;
		walk_folio(c, t, &fs[i], old && old->h == fs[i].h ? old : NULL, &now[i]);
		if (now[i].optimized)
			hvo__check_count_optimized(c, &fs[i]);
	}
	free(t->folios);
	t->folios = now;
	t->nfolios = nf;
	return 0;
}

/* hvo__check_scan_tails()'s question: a tail whose bytes were found right
 * and were not written since */
static bool tail_clean(void *arg, unsigned int slot, uint64_t frame)
{
	struct hvo_ckt *t = arg;

	if (slot >= CKT_MAX_SLOTS)
		return false;
	t->slot_seen[slot] = frame;
	return !t->wide && t->slot_ok[slot] == frame &&
	       !(hvo__cklog_bits(t->log, frame) & HVO_CKLOG_BYTES);
}

/* ---- the driver ---- */

/* forget everything: the next check walks the whole machine */
static void ckt_reset(struct hvo_sim *sim, struct hvo_ckt *t)
{
	uint64_t i;

	for (i = 0; t->frn && i < t->frcap; i++)
		if (t->fr[i].key)
			free(t->fr[i].copy);
	if (t->frn)
		memset(t->fr, 0, t->frcap * sizeof(*t->fr));
	t->frn = 0;
	memset(t->wbits, 0, ((sim->geo.nr_pfns >> 6) + 1) * sizeof(*t->wbits));
	for (i = 0; i < t->ntabs; i++) {
		free(t->tabs[i].copy);
		free(t->tabs[i].kids);
	}
	t->ntabs = 0;
	memset(t->own, 0, t->n);
	memset(t->flat, 0, t->n * sizeof(*t->flat));
	t->mapped = 0;
	t->max_depth = 0;
	t->conflicts = 0;
	free(t->folios);
	t->folios = NULL;
	t->nfolios = 0;
	memset(t->slot_ok, 0xff, sizeof(t->slot_ok));
	t->valid = false;
}

/*
 * What no walk looks at again (the static key, the geometry), or a log
 * that lost notes: the record is no good, everything is walked from
 * scratch.
 */
static bool must_walk_all(struct hvo_sim *sim, struct hvo_ckt *t, bool key)
{
	return !t->valid || atomic_load(&t->log->n) > t->log->cap ||
	       key != t->key_on || t->geo_max_order != sim->geo.max_folio_order;
}

/* everything but the folios, tails and totals: what changed since */
static void find_changes(struct hvo_sim *sim, struct hvo_ckt *t, bool all)
{
	uint64_t i, nflat;

	t->gen++;
	t->oom = false;
	for (i = 0; i < t->ndpw; i++)
		t->dpgbits[t->dpw[i]] = 0;
	t->ndpw = t->ndpg = t->ndvi = t->ndix = 0;
	/* so many vmemmap pages remapped (a PMD's lazy memmap init remaps
	 * hundreds) that listing their struct pages one by one costs more
	 * than walking their folios whole */
	nflat = atomic_load(&t->log->nflat);
	t->wide = all || nflat > 64 || nflat * 8 > sim->flat_n;
	t->zones = t->wide ? ~0ull : 0;
	if (all)
		ckt_reset(sim, t);
	diff_flat(sim, t, all);
	if (!all)
		read_log(sim, t);
	read_host_state(sim, t, all);
	check_tables(sim, t, all);
}

/* the tracked walk; false: it found something, or could not tell */
static bool tracked(struct hvo_sim *sim, struct hvo_ckt *t, struct hvo_report *rep)
{
	struct check_delta d = { 0 };
	struct check_ctx ctx, *c = &ctx;
	struct folio_snap *fs = NULL;
	uint64_t nf = 0, count;
	bool key, ok;

	hvo__check_ctx_init(c, sim, rep, &d);
	key = c->fake && atomic_load(&sim->c.static_key_count) != 0;
	find_changes(sim, t, must_walk_all(sim, t, key));
	t->key_on = key;
	t->geo_max_order = sim->geo.max_folio_order;
	if (hvo__check_snapshot(c, &fs, &nf) || walk_folios(c, t, fs, nf)) {
		free(fs);
		free(d.own_k);
		t->valid = false;
		return false;
	}
	memset(t->slot_seen, 0xff, t->nslots * sizeof(*t->slot_seen));
	count = rep->count;
	if (sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL)
		hvo__check_scan_tails(c, tail_clean, t);
	/* a tail with a finding is walked again next time */
	if (rep->count != count)
		memset(t->slot_seen, 0xff, t->nslots * sizeof(*t->slot_seen));
	hvo_sim_stats(sim, &c->st);
	c->once = false;
	d.mapped = t->mapped;
	d.pt_bad = t->pt_bad;
	d.pt_bad_i = t->pt_bad_i;
	d.reach = t->reach;
	d.census_bad = t->census_bad;
	d.zones = t->zones;
	hvo__check_run(c, CHECK_TOTALS);
	free(fs);
	free(d.own_k);
	/* the totals the driver keeps name no place: a full check does */
	ok = !t->conflicts && !t->oom && !d.oom && !d.pt_bad && !d.census_bad && !d.zones_bad;
	memcpy(t->slot_ok, t->slot_seen, t->nslots * sizeof(*t->slot_ok));
	t->valid = ok;
	return ok;
}

static bool same_report(const struct hvo_report *a, const struct hvo_report *b)
{
	uint64_t i;

	if (a->count != b->count || a->nr != b->nr)
		return false;
	for (i = 0; i < a->nr; i++)
		if (strcmp(a->v[i].invariant, b->v[i].invariant) || a->v[i].pfn != b->v[i].pfn ||
		    strcmp(a->v[i].where, b->v[i].where) ||
		    strcmp(a->v[i].expected, b->v[i].expected) ||
		    strcmp(a->v[i].found, b->v[i].found))
			return false;
	return true;
}

/* HVO_CHECK_VERIFY: a full check must report the same */
static int64_t verify(struct hvo_sim *sim, struct hvo_report *rep)
{
	struct hvo_report *full = malloc(sizeof(*full));
	int64_t n;

	if (!full)
		return hvo__err(-ENOMEM, "check: out of host memory");
	n = hvo__check_full(sim, full);
	if (n < 0) {
		free(full);
		return n;
	}
	/* the full check's report (its folios and pages read too) */
	if (same_report(rep, full)) {
		memcpy(rep, full, sizeof(*rep));
	} else {
		memcpy(rep, full, sizeof(*rep));
		rep->count++;
		if (rep->nr < HVO_REPORT_MAX) {
			struct hvo_violation *v = &rep->v[rep->nr++];

			v->invariant = "track";
			v->pfn = UINT64_MAX;
			snprintf(v->where, sizeof(v->where), "hvo_check_track()");
			snprintf(v->expected, sizeof(v->expected), "the full check's report (%" PRId64
				 " violation(s))", n);
			snprintf(v->found, sizeof(v->found), "another report from the tracked check");
		}
	}
	free(full);
	return (int64_t)rep->count;
}

static int64_t check_tracked(struct hvo_sim *sim, struct hvo_ckt *t, struct hvo_report *rep)
{
	int64_t n;
	uint64_t notes;

	pthread_mutex_lock(&t->lock);
	/* the checker's own reads note nothing; a lazy memmap_init() one of
	 * them causes (not on a right machine) notes its flat entries, which
	 * makes the next check read their struct pages again */
	atomic_store(&t->log->paused, true);
	notes = atomic_load(&t->log->n);
	if (!tracked(sim, t, rep)) {
		n = hvo__check_full(sim, rep);
	} else if (t->mode == HVO_CHECK_VERIFY) {
		n = verify(sim, rep);
	} else {
		n = (int64_t)rep->count;
	}
	/* entries the check itself changed would be lost with the log */
	if (atomic_load(&t->log->n) != notes)
		t->valid = false;
	hvo__cklog_reset(t->log);
	atomic_store(&t->log->paused, false);
	pthread_mutex_unlock(&t->lock);
	return n;
}

HVO_EXPORT int64_t hvo_check(struct hvo_sim *sim, struct hvo_report *rep)
{
	HVO_NONNULL("check", sim);
	HVO_NONNULL("check", rep);
	if (!sim->ckt)
		return hvo__check_full(sim, rep);
	return check_tracked(sim, sim->ckt, rep);
}

/* ---- on and off ---- */

static void ckt_free(struct hvo_sim *sim)
{
	struct hvo_ckt *t = sim->ckt;

	if (!t)
		return;
	__atomic_store_n(&sim->cklog, NULL, __ATOMIC_RELAXED);
	if (t->fr)
		ckt_reset(sim, t);
	hvo__cklog_free(t->log);
	free(t->fr);
	free(t->wbits);
	free(t->dpgbits);
	free(t->dpw);
	free(t->dix);
	free(t->tabs);
	free(t->flat);
	free(t->rnext);
	free(t->rprev);
	free(t->own);
	free(t->dpg);
	free(t->dvi);
	pthread_mutex_destroy(&t->lock);
	free(t);
	sim->ckt = NULL;
}

static struct hvo_ckt *ckt_new(struct hvo_sim *sim)
{
	struct hvo_ckt *t = calloc(1, sizeof(*t));
	uint64_t pmd = 1ull << sim->geo.pmd_shift, ps = sim->geo.page_size;
	uint64_t end = sim->flat_base + sim->flat_n * ps, n, cap;

	if (!t)
		return NULL;
	t->base = sim->flat_base & ~(pmd - 1);
	t->n = n = (((end + pmd - 1) & ~(pmd - 1)) - t->base) / ps;
	t->off = (sim->flat_base - t->base) / ps;
	cap = sim->flat_n > CKT_LOG_MIN ? sim->flat_n : CKT_LOG_MIN;
	pthread_mutex_init(&t->lock, NULL);
	sim->ckt = t;
	t->log = hvo__cklog_new(sim->geo.nr_pfns, sim->flat_n, cap);
	if (t->log)
		t->log->release = ckt_free;
	t->flat = calloc(n + 1, sizeof(*t->flat));
	t->rnext = calloc(n + 1, sizeof(*t->rnext));
	t->rprev = calloc(n + 1, sizeof(*t->rprev));
	t->own = calloc(n + 1, 1);
	t->wbits = calloc((sim->geo.nr_pfns >> 6) + 1, sizeof(*t->wbits));
	t->dpgbits = calloc((sim->geo.nr_pfns >> 6) + 1, sizeof(*t->dpgbits));
	/* room for every entry's own frame without growing */
	if (!t->log || !t->flat || !t->rnext || !t->rprev || !t->own || !t->wbits || !t->dpgbits ||
	    fr_grow(t, 2 * (sim->flat_n + 64))) {
		ckt_free(sim);
		return NULL;
	}
	return t;
}

HVO_EXPORT int hvo_check_track(struct hvo_sim *sim, enum hvo_check_mode mode)
{
	HVO_NONNULL("check_track", sim);
	if ((unsigned int)mode > HVO_CHECK_VERIFY)
		return hvo__err(-EINVAL, "check_track: mode %d is not an hvo_check_mode", (int)mode);
	if (mode == HVO_CHECK_FULL) {
		ckt_free(sim);
		return 0;
	}
	if (!sim->flat)
		return hvo__err(-EINVAL, "check_track: the machine has no flat view of its "
				"vmemmap entries to compare");
	if (!sim->ckt && !ckt_new(sim))
		return hvo__err(-ENOMEM, "check_track: out of host memory");
	sim->ckt->mode = mode;
	__atomic_store_n(&sim->cklog, sim->ckt->log, __ATOMIC_RELAXED);
	return 0;
}
