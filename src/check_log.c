// SPDX-License-Identifier: MIT
/*
 * check_log.c - the change log behind hvo_check_track(): while it is on,
 * hvo__frame() and hvo__meta() (and a vmemmap load or store that goes
 * straight to a frame's bytes through the flat view) note the pfn asked
 * for, and hvo__flat_set() the flat view entry it changes, so the next
 * hvo_check() re-verifies only what those feed.
 *
 * Those are the doors every write of a frame's bytes or metadata goes
 * through: snapshots (track.c) save a frame before its first write by the
 * same hook, and restore nothing else.  A note is conservative (a read
 * notes too); a pfn is listed once until the checker resets the log.
 *
 * A leaf: every file that touches frames calls in here, so nothing here
 * calls back out into the library.  Notes may come from several threads:
 * the bitmap and the list index are atomics.
 */
#include <stdlib.h>
#include <string.h>

#include "internal.h"

/* set bit @b of @bm; whether it was clear */
static bool set_bit(_Atomic uint64_t *bm, uint64_t b)
{
	uint64_t bit = 1ull << (b & 63);
	_Atomic uint64_t *w = &bm[b >> 6];

	if (atomic_load_explicit(w, memory_order_relaxed) & bit)
		return false;
	return !(atomic_fetch_or_explicit(w, bit, memory_order_relaxed) & bit);
}

static void list_add(struct hvo_cklog *l, uint64_t v)
{
	uint64_t i = atomic_fetch_add_explicit(&l->n, 1, memory_order_relaxed);

	if (i < l->cap)
		atomic_store_explicit(&l->list[i], v, memory_order_relaxed);
}

void hvo__cklog_note(const struct hvo_sim *sim, uint64_t pfn, bool bytes)
{
	struct hvo_cklog *l = __atomic_load_n(&sim->cklog, __ATOMIC_RELAXED);

	if (!l || pfn >= l->nr_pfns || atomic_load_explicit(&l->paused, memory_order_relaxed))
		return;
	if (bytes && set_bit(l->bytes, pfn))
		list_add(l, pfn << 2 | HVO_CKLOG_KIND_BYTES);
	else if (!bytes && set_bit(l->meta, pfn >> HVO_CKLOG_META_SHIFT))
		list_add(l, (pfn >> HVO_CKLOG_META_SHIFT) << 2 | HVO_CKLOG_KIND_META);
}

void hvo__cklog_flat(const struct hvo_sim *sim, uint64_t idx)
{
	struct hvo_cklog *l = __atomic_load_n(&sim->cklog, __ATOMIC_RELAXED);

	if (l && idx < l->flat_n && set_bit(l->flat, idx)) {
		atomic_fetch_add_explicit(&l->nflat, 1, memory_order_relaxed);
		list_add(l, idx << 2 | HVO_CKLOG_KIND_FLAT);
	}
}

struct hvo_cklog *hvo__cklog_new(uint64_t nr_pfns, uint64_t flat_n, uint64_t cap)
{
	struct hvo_cklog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->nr_pfns = nr_pfns;
	l->flat_n = flat_n;
	l->cap = cap;
	l->bytes = calloc((nr_pfns >> 6) + 1, sizeof(*l->bytes));
	l->meta = calloc((nr_pfns >> (6 + HVO_CKLOG_META_SHIFT)) + 1, sizeof(*l->meta));
	l->flat = calloc((flat_n >> 6) + 1, sizeof(*l->flat));
	l->list = malloc((cap + 1) * sizeof(*l->list));	/* written before read */
	if (!l->bytes || !l->meta || !l->flat || !l->list) {
		hvo__cklog_free(l);
		return NULL;
	}
	return l;
}

void hvo__cklog_release(struct hvo_sim *sim)
{
	struct hvo_cklog *l = __atomic_load_n(&sim->cklog, __ATOMIC_RELAXED);

	if (l && l->release)
		l->release(sim);
}

void hvo__cklog_free(struct hvo_cklog *l)
{
	if (!l)
		return;
	free((void *)l->bytes);
	free((void *)l->meta);
	free((void *)l->flat);
	free((void *)l->list);
	free(l);
}

static bool test_bit(const _Atomic uint64_t *bm, uint64_t b)
{
	return (atomic_load_explicit(&bm[b >> 6], memory_order_relaxed) >> (b & 63)) & 1;
}

unsigned int hvo__cklog_bits(const struct hvo_cklog *l, uint64_t pfn)
{
	if (pfn >= l->nr_pfns)
		return 0;
	return (test_bit(l->bytes, pfn) ? HVO_CKLOG_BYTES : 0) |
	       (test_bit(l->meta, pfn >> HVO_CKLOG_META_SHIFT) ? HVO_CKLOG_META : 0);
}

void hvo__cklog_reset(struct hvo_cklog *l)
{
	uint64_t n = atomic_load(&l->n), i, v;
	_Atomic uint64_t *bm[3] = { l->bytes, l->meta, l->flat };

	if (n > l->cap) {
		memset((void *)l->bytes, 0, ((l->nr_pfns >> 6) + 1) * sizeof(*l->bytes));
		memset((void *)l->meta, 0,
		       ((l->nr_pfns >> (6 + HVO_CKLOG_META_SHIFT)) + 1) * sizeof(*l->meta));
		memset((void *)l->flat, 0, ((l->flat_n >> 6) + 1) * sizeof(*l->flat));
	} else {
		for (i = 0; i < n; i++) {
			v = atomic_load_explicit(&l->list[i], memory_order_relaxed);
			atomic_store_explicit(&bm[v & 3][v >> 8], 0, memory_order_relaxed);
		}
	}
	atomic_store(&l->n, 0);
	atomic_store(&l->nflat, 0);
}
