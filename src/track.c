// SPDX-License-Identifier: MIT
/*
 * track.c - the touch log behind snapshots (snapshot.c): hvo__frame() and
 * hvo__meta() report every pfn they are asked for while a snapshot exists,
 * and the first report of a pfn since the last restore saves its metadata
 * or its frame before the caller can write.  The same reports make a
 * step's footprint for the explorer's sleep sets.
 *
 * A leaf: every file that touches frames calls in here, so nothing here
 * calls back out into the library.
 */
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "internal.h"

/* room for @need elements, or false with *@p and *@cap as they were */
static bool grow(void **p, uint64_t *cap, uint64_t need, size_t elem)
{
	uint64_t c = *cap ? *cap : 64;
	void *np;

	while (c < need)
		c *= 2;
	np = hvo__host_realloc(*p, c * elem);
	if (!np)
		return false;
	*p = np;
	*cap = c;
	return true;
}

/*
 * A pfn the log cannot hold is written anyway (the caller cannot be told),
 * so the snapshot can no longer bring the machine back: the log is marked
 * failed, hvo_snapshot_restore() refuses with -ENOMEM, and the explorer
 * ends the run and the exploration with -ENOMEM.
 */
static void save_meta(const struct hvo_sim *sim, struct hvo_track *t, uint64_t pfn)
{
	struct hvo_undo *u;

	if (t->nlog == t->caplog &&
	    !grow((void **)&t->log, &t->caplog, t->nlog + 1, sizeof(*t->log))) {
		t->failed = true;
		return;
	}
	u = &t->log[t->nlog++];
	u->pfn = pfn;
	memcpy(&u->meta, hvo__meta_raw(sim, pfn), sizeof(u->meta));
}

/* a frame's bytes, before anything can write them (a frame that never had
 * bytes reads as zeros, and is given back as zeros) */
static void save_bytes(const struct hvo_sim *sim, struct hvo_track *t, uint64_t pfn)
{
	uint64_t ps = sim->geo.page_size;

	if (t->nbpfn == t->capbpfn) {
		uint64_t cap = t->capbytes;

		/* bytes first: bpfn's capacity is the one both go by */
		if (!grow((void **)&t->bytes, &cap, t->nbpfn + 1, ps) ||
		    !grow((void **)&t->bpfn, &t->capbpfn, t->nbpfn + 1, sizeof(*t->bpfn))) {
			t->failed = true;
			return;
		}
		t->capbytes = cap;
	}
	t->bpfn[t->nbpfn] = pfn;
	memcpy(t->bytes + t->nbpfn * ps, sim->mem + (pfn << sim->geo.page_shift), ps);
	t->nbpfn++;
}

void hvo__track_touch(const struct hvo_sim *sim, uint64_t pfn, bool bytes)
{
	struct hvo_track *t = sim->track;
	uint32_t *st, s;
	bool seen;

	if (pfn >= sim->geo.nr_pfns)
		return;
	st = bytes ? t->bstamp : t->mstamp;
	s = st[pfn];
	if (likely(s == t->tick))
		return;
	/* already in this step's footprint through the other kind of touch */
	seen = (bytes ? t->mstamp : t->bstamp)[pfn] == t->tick;
	st[pfn] = t->tick;
	if (s < t->run_tick) {
		if (bytes)
			save_bytes(sim, t, pfn);
		else
			save_meta(sim, t, pfn);
	}
	if (t->fp_on && !seen) {
		/* a footprint short of a pfn is taken to meet every step */
		if (t->nfp == t->capfp &&
		    !grow((void **)&t->fp, &t->capfp, t->nfp + 1, sizeof(*t->fp)))
			t->fp_lost = true;
		else
			t->fp[t->nfp++] = pfn;
	}
}

/* a new tick; stamps are rewritten before the 32-bit tick can wrap */
void hvo__track_tick(struct hvo_sim *sim, struct hvo_track *t, bool new_run)
{
	if (t->tick == UINT32_MAX - 1) {
		uint64_t i;

		for (i = 0; i < sim->geo.nr_pfns; i++) {
			t->mstamp[i] = t->mstamp[i] >= t->run_tick ? 2 : 0;
			t->bstamp[i] = t->bstamp[i] >= t->run_tick ? 2 : 0;
		}
		t->tick = 2;
		if (!new_run)
			t->run_tick = 1;
	}
	t->tick++;
	if (new_run)
		t->run_tick = t->tick;
}

void hvo__track_step(struct hvo_sim *sim, bool footprint)
{
	struct hvo_track *t = sim->track;

	if (!t)
		return;
	hvo__track_tick(sim, t, false);
	t->fp_on = footprint;
	t->nfp = 0;
	t->fp_lost = false;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

uint64_t hvo__track_footprint(struct hvo_sim *sim, const uint64_t **pfns)
{
	struct hvo_track *t = sim->track;

	if (!t) {
		*pfns = NULL;
		return 0;
	}
	if (t->nfp > 1)
		qsort(t->fp, t->nfp, sizeof(*t->fp), cmp_u64);
	*pfns = t->fp;
	return t->nfp;
}

