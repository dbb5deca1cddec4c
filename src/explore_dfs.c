// SPDX-License-Identifier: MIT
/*
 * explore_dfs.c - every schedule with at most C preemptions, depth first,
 * with sleep sets.
 *
 * Stateless search as in CHESS (Musuvathi et al., OSDI'08): each run
 * replays a prefix of decisions from the snapshot, then goes on without
 * preempting (the thread that ran keeps running while it can); when the run
 * ends, the deepest decision with an untried choice inside the bound is
 * changed and the next run replays up to it.  A preemption is a switch
 * away from a thread that could have gone on; switching when it finished
 * or blocks is free.
 *
 * Sleep sets (Godefroid, 1996): after the subtree of choice t at a node is
 * done, t sleeps in the subtrees of the node's later choices u for as long
 * as the steps taken are independent of t's step, because running t there
 * would only commute t with steps it does not interact with.  Two steps are
 * independent when their footprints do not meet: the footprint of a step
 * is every pfn whose frame or metadata it touched (snapshot.c logs them),
 * and a step that changed anything outside the frame arena -- pool lists,
 * tail slots, locks, epochs, the flush counters, the fault log; everything
 * but the statistics counters, whose additions commute -- interacts with
 * every other.  The search still visits every state reachable within the
 * bound; what it skips are orderings of the same steps.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "explore_dfs.h"

struct xnode {
	uint32_t runnable;
	uint32_t explored;		/* choices whose subtrees are done */
	uint32_t sleep;			/* sleeping on entry */
	uint8_t chosen;
	uint8_t prev;			/* the thread that ran the step before */
	uint8_t pre;			/* preemptions before this node */
	bool dead;			/* nothing to try here: asleep or over the bound */
	struct xfp fp[HVO_EXPLORE_MAX_THREADS];
};

struct xdfs {
	struct xnode *nodes;
	uint64_t n, cap;		/* nodes of the current run */
	uint64_t prefix;		/* decisions the run replays */
	uint64_t digest;		/* before the running step */
	bool broken;			/* a replayed prefix did not repeat */
};

static void fp_clear(struct xfp *f)
{
	free(f->pfn);
	memset(f, 0, sizeof(*f));
}

/* a copy that runs out of host memory is left invalid: a footprint that is
 * not known meets every other (independent()), which costs pruning only */
static void fp_copy(struct xfp *dst, const struct xfp *src)
{
	fp_clear(dst);
	*dst = *src;
	dst->pfn = NULL;
	if (src->n) {
		dst->pfn = hvo__host_realloc(NULL, src->n * sizeof(*dst->pfn));
		if (!dst->pfn) {
			memset(dst, 0, sizeof(*dst));
			return;
		}
		memcpy(dst->pfn, src->pfn, src->n * sizeof(*dst->pfn));
	}
}

static bool independent(const struct xfp *a, const struct xfp *b)
{
	uint32_t i = 0, j = 0;

	if (!a->valid || !b->valid || a->global || b->global)
		return false;
	while (i < a->n && j < b->n) {
		if (a->pfn[i] == b->pfn[j])
			return false;
		if (a->pfn[i] < b->pfn[j])
			i++;
		else
			j++;
	}
	return true;
}

static void node_free(struct xnode *nd)
{
	unsigned int t;

	for (t = 0; t < HVO_EXPLORE_MAX_THREADS; t++)
		fp_clear(&nd->fp[t]);
}

int hvo__dfs_init(struct hvo_explore *x)
{
	x->dfs = calloc(1, sizeof(*x->dfs));
	if (!x->dfs)
		return hvo__err(-ENOMEM, "explore: out of host memory");
	x->run_seed = x->o.seed;
	return 0;
}

void hvo__dfs_destroy(struct hvo_explore *x)
{
	uint64_t i;

	for (i = 0; i < x->dfs->n; i++)
		node_free(&x->dfs->nodes[i]);
	free(x->dfs->nodes);
	free(x->dfs);
	x->dfs = NULL;
}

void hvo__dfs_begin_run(struct hvo_explore *x)
{
	x->dfs->broken = false;
}

static unsigned int cost(const struct xnode *nd, unsigned int t)
{
	return nd->prev != XT_NONE && t != nd->prev && (nd->runnable & (1u << nd->prev));
}

/* the threads a node may still choose: awake, untried, inside the bound */
static uint32_t choices(const struct hvo_explore *x, const struct xnode *nd)
{
	uint32_t m = nd->runnable & ~nd->sleep & ~nd->explored, ok = 0;
	unsigned int t;

	for (t = 0; t < x->n; t++)
		if ((m & (1u << t)) && nd->pre + cost(nd, t) <= x->o.preemptions)
			ok |= 1u << t;
	return ok;
}

/* a node reached for the first time: its sleep set from its parent's */
static void node_new(struct hvo_explore *x, struct xnode *nd, uint32_t runnable)
{
	struct xdfs *d = x->dfs;
	uint64_t i = d->n - 1;
	unsigned int u;

	memset(nd, 0, sizeof(*nd));
	nd->runnable = runnable;
	nd->prev = x->prev;
	if (!i)
		return;
	{
		struct xnode *p = &d->nodes[i - 1];
		uint32_t zp = (p->sleep | p->explored) & ~(1u << p->chosen);

		nd->pre = (uint8_t)(p->pre + cost(p, p->chosen));
		for (u = 0; u < x->n; u++)
			if ((zp & (1u << u)) && independent(&p->fp[u], &p->fp[p->chosen])) {
				nd->sleep |= 1u << u;
				fp_copy(&nd->fp[u], &p->fp[u]);
			}
	}
}

int hvo__dfs_pick(struct hvo_explore *x, uint32_t runnable)
{
	struct xdfs *d = x->dfs;
	uint64_t i = x->nsched;
	struct xnode *nd;
	uint32_t ok;

	if (i < d->prefix) {
		nd = &d->nodes[i];
		if (nd->runnable != runnable) {
			d->broken = true;
			snprintf(x->why, sizeof(x->why), "the scenario did not repeat itself: "
				 "runnable threads %#x, %#x before", runnable, nd->runnable);
			return -1;
		}
		return nd->chosen;
	}
	if (d->n == d->cap) {
		uint64_t cap = d->cap ? d->cap * 2 : 256;
		struct xnode *nodes = hvo__host_realloc(d->nodes, cap * sizeof(*nodes));

		if (!nodes)
			return hvo__err(-ENOMEM, "explore: dfs: out of host memory for the "
					"search stack (%" PRIu64 " decisions deep)", d->n);
		d->nodes = nodes;
		d->cap = cap;
	}
	nd = &d->nodes[d->n++];
	node_new(x, nd, runnable);
	ok = choices(x, nd);
	if (!ok) {
		/* every choice sleeps or needs a preemption too many: what follows
		 * only repeats explored orderings; run on without branching */
		nd->dead = true;
		nd->chosen = (uint8_t)((nd->prev != XT_NONE && (runnable & (1u << nd->prev))) ?
				       nd->prev : (unsigned int)__builtin_ctz(runnable));
	} else if (nd->prev != XT_NONE && (ok & (1u << nd->prev))) {
		nd->chosen = nd->prev;
	} else {
		nd->chosen = (uint8_t)__builtin_ctz(ok);
	}
	return nd->chosen;
}

void hvo__dfs_before_step(struct hvo_explore *x)
{
	hvo__track_step(x->sim, true);
	x->dfs->digest = hvo__snap_digest(x->sim);
}

void hvo__dfs_after_step(struct hvo_explore *x, unsigned int tid)
{
	struct xdfs *d = x->dfs;
	struct xnode *nd = &d->nodes[x->nsched - 1];
	struct xfp *f = &nd->fp[tid];
	const uint64_t *pfns;
	uint64_t n;

	x->sim->track->fp_on = false;
	if (f->valid)
		return;		/* a replayed step: the same footprint */
	n = hvo__track_footprint(x->sim, &pfns);
	fp_clear(f);
	f->valid = true;
	f->global = hvo__snap_digest(x->sim) != d->digest;
	/* a footprint short of pfns (out of host memory) meets every step */
	if (x->sim->track->fp_lost)
		f->global = true;
	else if (n && (f->pfn = hvo__host_realloc(NULL, n * sizeof(*f->pfn))))
		memcpy(f->pfn, pfns, n * sizeof(*f->pfn));
	else if (n)
		f->global = true;
	f->n = f->pfn ? (uint32_t)n : 0;
}

bool hvo__dfs_end_run(struct hvo_explore *x)
{
	struct xdfs *d = x->dfs;

	if (d->broken)
		return false;
	while (d->n) {
		struct xnode *nd = &d->nodes[d->n - 1];
		uint32_t ok;

		nd->explored |= 1u << nd->chosen;
		ok = nd->dead ? 0 : choices(x, nd);
		if (ok) {
			nd->chosen = (uint8_t)__builtin_ctz(ok);
			d->prefix = d->n;
			return true;
		}
		x->pruned += (uint64_t)__builtin_popcount(nd->runnable & nd->sleep &
							  ~nd->explored);
		node_free(nd);
		d->n--;
	}
	x->complete = true;
	return false;
}
