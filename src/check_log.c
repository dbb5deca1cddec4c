// SPDX-License-Identifier: MIT
/*
 * check_log.c - the change log behind hvo_check_track(): while it is on,
 * hvo__frame() and hvo__meta() (and a vmemmap load or store that goes
 * straight to a frame's bytes through the flat view) note the pfn asked
 * for, so the next hvo_check() re-verifies only what those frames feed.
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

#include "internal.h"

void hvo__cklog_note(const struct hvo_sim *sim, uint64_t pfn, bool bytes)
{
	struct hvo_cklog *l = __atomic_load_n(&sim->cklog, __ATOMIC_RELAXED);
	unsigned int sh = (unsigned int)(pfn & 31) * 2;
	uint64_t bit = (uint64_t)(bytes ? HVO_CKLOG_BYTES : HVO_CKLOG_META) << sh, old, i;
	_Atomic uint64_t *w;

	if (!l || pfn >= l->nr_pfns)
		return;
	w = &l->bits[pfn >> 5];
	if (atomic_load_explicit(w, memory_order_relaxed) & bit)
		return;
	old = atomic_fetch_or_explicit(w, bit, memory_order_relaxed);
	if (old & (3ull << sh))
		return;		/* listed by its other kind of note */
	i = atomic_fetch_add_explicit(&l->n, 1, memory_order_relaxed);
	if (i < l->cap)
		atomic_store_explicit(&l->list[i], pfn, memory_order_relaxed);
}

struct hvo_cklog *hvo__cklog_new(uint64_t nr_pfns, uint64_t cap)
{
	struct hvo_cklog *l = calloc(1, sizeof(*l));

	if (!l)
		return NULL;
	l->nr_pfns = nr_pfns;
	l->cap = cap;
	l->bits = calloc((nr_pfns + 31) / 32 + 1, sizeof(*l->bits));
	l->list = calloc(cap + 1, sizeof(*l->list));
	if (!l->bits || !l->list) {
		hvo__cklog_free(l);
		return NULL;
	}
	return l;
}

void hvo__cklog_free(struct hvo_cklog *l)
{
	if (!l)
		return;
	free((void *)l->bits);
	free((void *)l->list);
	free(l);
}

unsigned int hvo__cklog_bits(const struct hvo_cklog *l, uint64_t pfn)
{
	if (pfn >= l->nr_pfns)
		return 0;
	return (unsigned int)(atomic_load_explicit(&l->bits[pfn >> 5], memory_order_relaxed) >>
			      ((pfn & 31) * 2)) & 3u;
}

void hvo__cklog_reset(struct hvo_cklog *l)
{
	uint64_t n = atomic_load(&l->n), i, w;

	if (n > l->cap) {
		for (w = 0; w < (l->nr_pfns + 31) / 32; w++)
			atomic_store_explicit(&l->bits[w], 0, memory_order_relaxed);
	} else {
		for (i = 0; i < n; i++)
			atomic_store_explicit(&l->bits[atomic_load_explicit(&l->list[i],
						memory_order_relaxed) >> 5], 0, memory_order_relaxed);
	}
	atomic_store(&l->n, 0);
}
