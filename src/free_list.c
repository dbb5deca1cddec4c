// SPDX-License-Identifier: MIT
/*
 * free_list.c - the buddy's free lists as the kernel threads them through
 * the struct pages (mm/page_alloc.c __add_to_free_list(),
 * __del_page_from_free_list()): the head of a free block has PageBuddy
 * (page_type PGTY_buddy), its order in ->private, and its ->lru on the
 * zone's free_area[order] list, so its second word, which a tail's
 * compound_info shares, holds an aligned pointer: what compound_head()
 * must not mistake for a tail.
 *
 * The buddy's own state stays host-side (page_alloc.c, struct
 * hvo_frame_meta) and is the truth; the struct pages show it.  So that a
 * free simulated terabyte still costs no host memory, nothing here makes a
 * vmemmap page hold struct pages: a list change is written through the
 * vmemmap only where the struct page's vmemmap page holds struct pages
 * already, and the lazy memmap_init() of a page (pgtable.c) computes its
 * free heads' words from the host-side state at that moment.  The two meet
 * under zone->lock: the buddy changes its state and decides whether to
 * write under it, and a lazy init holds the lock of every zone it covers
 * from reading the state until its entry is no longer lazy.
 *
 * Deliberate difference: a block taken off a list has its words cleared
 * back to what memmap_init() left (->lru 0, ->private 0, no page type),
 * where the kernel's list_del() leaves LIST_POISON1/2 in ->lru; an
 * allocated page reads as it always has here.
 */
#include "internal.h"
#include "free_list.h"
#include "pgtable.h"	/* for vmm.h; only resolve() is used, no call up */
#include "tlb.h"
#include "vmm.h"

/* page_type of a free block's head: PGTY_buddy << 24 in the _mapcount word */
#define HVO_PGTY_BUDDY 0xf0000000u

/* MIGRATE_MOVABLE: one list per order here, the kernel's commonest */
#define FREE_LIST_MT 1

/*
 * &zone->free_area[order].free_list[MIGRATE_MOVABLE]: a kernel address in
 * a simulated struct zone (one 4 KiB slot per zone in a simulated
 * pglist_data per node, free_area at 0x100, 6 lists of 16 bytes and
 * nr_free per order) that nothing dereferences.
 */
static uint64_t free_list_head(const struct hvo_zone *z, unsigned int order)
{
	return 0xffff88807f000000ull + (uint64_t)z->nid * 0x10000 + (uint64_t)z->type * 0x1000 +
	       0x100 + order * 0x68 + FREE_LIST_MT * 0x10;
}

/* pfn_to_page() */
static uint64_t page_of(const struct hvo_sim *sim, uint64_t pfn)
{
	return sim->geo.vmemmap_base + pfn * sim->geo.stride;
}

/* &page->lru of @pfn: the list_head is the struct page's second word */
static uint64_t lru_of(const struct hvo_sim *sim, uint64_t pfn)
{
	return page_of(sim, pfn) + 8u * (unsigned int)sim->word_off[HVO_PW_COMPOUND_INFO];
}

enum { FL_NEXT, FL_PREV, FL_PRIVATE, FL_COUNTS, FL_WORDS };

static const unsigned int fl_word[FL_WORDS] = {
	HVO_PW_COMPOUND_INFO, HVO_PW_LRU_PREV, HVO_PW_PRIVATE, HVO_PW_COUNTS,
};

/* the buddy's words of @pfn in zone @z, as its state says now */
static void words_of(const struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn,
		     uint64_t out[FL_WORDS])
{
	const struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	if (m->state != FM_FREE) {
		/* memmap_init(): no list, no order, _mapcount -1, _refcount 0 */
		out[FL_NEXT] = out[FL_PREV] = out[FL_PRIVATE] = 0;
		out[FL_COUNTS] = HVO_MAPCOUNT_NONE;
		return;
	}
	out[FL_NEXT] = m->next != HVO_NIL ? lru_of(sim, m->next) : free_list_head(z, m->order);
	out[FL_PREV] = m->prev != HVO_NIL ? lru_of(sim, m->prev) : free_list_head(z, m->order);
	out[FL_PRIVATE] = m->order;	/* set_buddy_order() */
	out[FL_COUNTS] = HVO_PGTY_BUDDY;	/* __SetPageBuddy(), _refcount 0 */
}

/*
 * Write @pfn's words through the vmemmap if its vmemmap page holds struct
 * pages (resolve() says -EAGAIN for a lazy one: its init will compute
 * them); zone->lock held, inside the caller's access section.  No yield
 * and no lazy init here: the lock is held, and a lazy init takes zone
 * locks under the ptl.  One resolve() per vmemmap page the words are in.
 */
static void write_through(struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn)
{
	uint64_t words[FL_WORDS], va, vpage = HVO_NIL, *p = NULL, frame;
	uint64_t mask = sim->geo.page_size - 1;
	unsigned int i;
	bool ok = false, rw;

	words_of(sim, z, pfn, words);
	for (i = 0; i < FL_WORDS; i++) {
		if (sim->word_off[fl_word[i]] < 0)
			continue;
		va = page_of(sim, pfn) + 8u * (unsigned int)sim->word_off[fl_word[i]];
		if ((va & ~mask) != vpage) {
			vpage = va & ~mask;
			ok = !resolve(sim, vpage, &p, &rw, &frame) && rw;
		}
		if (ok)
			__atomic_store_n(p + (va & mask) / 8, words[i], HVO_STORE_ORDER);
	}
}

void hvo__free_list_write(struct hvo_sim *sim, struct hvo_fl_batch *b)
{
	struct hvo_access_tok t;
	unsigned int i;

	if (!b->n)
		return;
	t = hvo__access_begin(sim);
	for (i = 0; i < b->n; i++)
		write_through(sim, b->z, b->pfn[i]);
	hvo__access_end(t);
	b->n = 0;
}

/* a struct page to write; one noted among the last few is not noted again
 * (a list change notes its neighbours, the next one often the same) */
static void note(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn)
{
	unsigned int i;

	for (i = b->n; i > 0 && i + 4 > b->n; i--)
		if (b->pfn[i - 1] == pfn)
			return;
	if (b->n == HVO_FL_BATCH)
		hvo__free_list_write(sim, b);
	b->pfn[b->n++] = pfn;
}

void hvo__free_list_added(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn)
{
	const struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	note(sim, b, pfn);
	if (m->next != HVO_NIL)
		note(sim, b, m->next);
}

void hvo__free_list_deleted(struct hvo_sim *sim, struct hvo_fl_batch *b, uint64_t pfn,
			    uint64_t prev, uint64_t next)
{
	note(sim, b, pfn);
	if (prev != HVO_NIL)
		note(sim, b, prev);
	if (next != HVO_NIL)
		note(sim, b, next);
}

/* ---- lazy memmap_init() ---- */

/* the pfns whose struct pages overlap [vaddr, vaddr + n pages) */
static void pfn_span(const struct hvo_sim *sim, uint64_t vaddr, uint64_t n, uint64_t *first,
		     uint64_t *end)
{
	uint64_t lo = vaddr - sim->geo.vmemmap_base, hi = lo + (n << sim->geo.page_shift);

	*first = lo / sim->geo.stride;
	*end = (hi + sim->geo.stride - 1) / sim->geo.stride;
	if (*end > sim->geo.nr_pfns)
		*end = sim->geo.nr_pfns;
}

/* every zone overlapping [first, end), in pfn order (the lock order) */
#define for_each_zone_in(sim, z, n, zi, first, end)                                   \
	for ((n) = 0; (n) < (sim)->cfg.nr_nodes; (n)++)                                 \
		for ((zi) = 0; (zi) < HVO_NR_ZONES; (zi)++)                             \
			if ((z) = &(sim)->nodes[n].zones[zi], (z)->start < (z)->end &&  \
			    (z)->start < (end) && (first) < (z)->end)

void hvo__free_list_lock(struct hvo_sim *sim, uint64_t vaddr, uint64_t n)
{
	uint64_t first, end;
	struct hvo_zone *z;
	unsigned int nd, zi;

	pfn_span(sim, vaddr, n, &first, &end);
	for_each_zone_in(sim, z, nd, zi, first, end)
		pthread_mutex_lock(&z->lock);
}

void hvo__free_list_unlock(struct hvo_sim *sim, uint64_t vaddr, uint64_t n)
{
	uint64_t first, end;
	struct hvo_zone *z;
	unsigned int nd, zi;

	pfn_span(sim, vaddr, n, &first, &end);
	for_each_zone_in(sim, z, nd, zi, first, end)
		pthread_mutex_unlock(&z->lock);
}

/* store one word into the frames behind [vaddr, vaddr + n pages), if there */
static void frame_store(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr, uint64_t n,
			uint64_t at, uint64_t val)
{
	uint64_t off = at - vaddr;

	if (at < vaddr || off >= (n << sim->geo.page_shift))
		return;
	__atomic_store_n((uint64_t *)(hvo__frame(sim, frame) + off), val, HVO_STORE_ORDER);
}

/*
 * The first pfn past the block of zone @z that holds @pfn, pfn + 1 if none
 * does: only a block's head carries its state, so a walk over a range
 * steps block by block instead of reading every pfn's metadata.
 */
static uint64_t block_end(const struct hvo_sim *sim, const struct hvo_zone *z, uint64_t pfn)
{
	const struct hvo_frame_meta *m = hvo__meta(sim, pfn);
	unsigned int o;
	uint64_t h;

	if (m->state != FM_NONE)
		return pfn + (1ull << m->order);
	for (o = 1; o <= sim->geo.max_folio_order; o++) {
		h = pfn & ~((1ull << o) - 1);
		if (h < z->start)
			break;
		m = hvo__meta(sim, h);
		if (m->state != FM_NONE && h + (1ull << m->order) > pfn)
			return h + (1ull << m->order);
	}
	return pfn + 1;
}

void hvo__free_list_memmap_init(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr, uint64_t n)
{
	uint64_t first, end, pfn, next, words[FL_WORDS], page;
	struct hvo_zone *z;
	unsigned int nd, zi, i;

	pfn_span(sim, vaddr, n, &first, &end);
	for_each_zone_in(sim, z, nd, zi, first, end)
		for (pfn = first > z->start ? first : z->start; pfn < end && pfn < z->end;
		     pfn = next) {
			next = block_end(sim, z, pfn);
			if (hvo__meta(sim, pfn)->state != FM_FREE)
				continue;
			words_of(sim, z, pfn, words);
			page = page_of(sim, pfn);
			for (i = 0; i < FL_WORDS; i++)
				if (sim->word_off[fl_word[i]] >= 0)
					frame_store(sim, frame, vaddr, n, page + 8u *
						    (unsigned int)sim->word_off[fl_word[i]], words[i]);
		}
}

/* ---- the checker ---- */

/*
 * zone->lock held: if the struct page of the free head @pfn exists already,
 * whether it shows what the buddy's state says; the first word that does
 * not, in *@word, *@want and *@got.  A struct page still lazy is not read
 * (reading it would make it: its init computes the words from the state).
 */
bool hvo__free_list_shows(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn,
			  unsigned int *word, uint64_t *want, uint64_t *got)
{
	uint64_t words[FL_WORDS], *p, frame;
	struct hvo_access_tok t;
	unsigned int i;
	bool rw;
	int r;

	words_of(sim, z, pfn, words);
	for (i = 0; i < FL_WORDS; i++) {
		if (sim->word_off[fl_word[i]] < 0)
			continue;
		t = hvo__access_begin(sim);
		r = resolve(sim, page_of(sim, pfn) + 8u * (unsigned int)sim->word_off[fl_word[i]],
			    &p, &rw, &frame);
		*got = r ? 0 : __atomic_load_n(p, __ATOMIC_RELAXED);
		hvo__access_end(t);
		if (r == -EAGAIN)
			return true;
		if (r || *got != words[i]) {
			*word = fl_word[i];
			*want = words[i];
			return false;
		}
	}
	return true;
}
