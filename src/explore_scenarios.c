// SPDX-License-Identifier: MIT
/*
 * explore_scenarios.c - the built-in scenarios: one small concurrency test
 * for every HVO race the kernel had or was warned about, written against
 * the public API only, as a harness author would write one.
 *
 *   first-optimize  the seed patch's race: threads optimize folios of one
 *                   zone and order while the shared-tail slot is empty
 *   last-user       the last restore of a (zone, order) against a new
 *                   optimize, with lifetime last-user
 *   shrink-grow     the pool shrinks to zero while another thread grows it
 *   walker-optimize a speculative PFN walker against an optimize (and the
 *   walker-restore  folio's use) and against a restore (bd225530a4c7)
 *   demote-walker   a walker against demote and the use of a new folio
 *   pmd-split       two optimizers split the same vmemmap PMD
 *   dissolve-alloc  dissolve against an allocation that may need a surplus
 *                   folio (and a new shared tail)
 *   walker-norcu-optimize      (h) the known-bad walkers of
 *   walker-norecheck-demote    hvo_walk_pfn_flags() against the changes
 *   walker-norecheck-dissolve  that catch them: a walker without its RCU
 *                   read side while its plain page becomes a fake head of
 *                   a folio in use (bd225530a4c7), one without its recheck
 *                   while a 32M folio is demoted, or dissolved and grown
 *                   back, into 2M folios in use
 *
 * The scenarios use only the public calls, but for their trace notes:
 * explore.c calls down into this file (hvo_scenario_get() and kin), so
 * they add them with note() straight into explore_trace.c rather than
 * calling up through hvo_explore_note() (no file loop).
 *
 * Machines are 128 MiB with 4K pages (one PMD of vmemmap, one zone), so a
 * run costs microseconds.  Known-bad variants: shared-tail alloc none where
 * two threads can publish or drop the tail, fake-head without its RCU
 * synchronisation where a walker meets a fake head of a folio in use; and
 * (h) with its bad walker: fake-head for the walker without RCU (with
 * rcu_sync off HVO does not wait for any walker), every scheme for the
 * walker without its recheck.  The reader-side oracle (walker.c) and the
 * RO PTEs make the fault log the finding.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "hvosim/hvosim.h"
#include "error.h"
#include "explore_scenarios.h"
#include "explore_trace.h"

#define NMAX HVO_EXPLORE_MAX_THREADS
#define MAX_DRAINED 32

static int needs(const char *name, const char *opts);

/* hvo_explore_note() for the thread bodies below */
__attribute__((format(printf, 2, 3)))
static void note(const struct hvo_scenario_ctx *c, const char *fmt, ...)
{
	va_list ap;

	/* a body run outside the explorer (bench explore's reset timing) */
	if (!c->explore)
		return;
	va_start(ap, fmt);
	hvo__xt_note(c->explore, fmt, ap);
	va_end(ap);
}

struct sdata {
	unsigned int h;			/* the 2M hstate */
	unsigned int big;		/* demote: the source hstate */
	uint64_t pfn[NMAX];		/* folios, by thread */
	uint64_t nr;			/* valid pfns */
	uint64_t per_page;		/* struct pages per vmemmap page */
	uint64_t folio_pages;		/* base pages per 2M folio */
	uint64_t drained[MAX_DRAINED];	/* walker-norecheck-dissolve: ZONE_MOVABLE's */
	uint64_t ndrained;		/* other 2M blocks, taken */
};

struct srun {
	int ret[NMAX];			/* what each thread's main call returned */
	bool done[NMAX];
	uint64_t held[16];		/* (h): 2M folios still in use */
	unsigned int nheld;
	bool kept;			/* (h) no-rcu: a walker's reference kept the block */
};

/* the 2M hstate, and the geometry the checks need */
static int hstate_2m(struct hvo_sim *sim, struct sdata *d)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	int r = hvo_hstate_find(sim, 2ull << 20);

	if (r < 0)
		return r;
	d->h = (unsigned int)r;
	d->per_page = g->page_size / g->stride;
	d->folio_pages = (2ull << 20) / g->page_size;
	return 0;
}

static void small_machine(struct hvo_config *cfg)
{
	cfg->page_shift = 12;
	cfg->nr_nodes = 1;
	cfg->node_mem_bytes[0] = 128ull << 20;
	cfg->node_movable_bytes[0] = 0;
	cfg->fault_policy = HVO_FAULT_RECORD;
}

/* the folios of hstate h, lowest pfn first, into d->pfn */
static int list_folios(struct hvo_sim *sim, struct sdata *d, unsigned int h)
{
	int64_t n = hvo_folio_list(sim, h, d->pfn, NMAX);

	if (n < 0)
		return (int)n;
	d->nr = (uint64_t)n < NMAX ? (uint64_t)n : NMAX;
	return 0;
}

/*
 * Grow the pool by @n folios that stay unoptimized: with the shared-tail
 * scheme the tail allocation is failed on purpose, so the slot stays empty
 * (the first optimize is still to come); otherwise each is restored again.
 */
static int grow_unoptimized(struct hvo_sim *sim, unsigned int h, unsigned int n)
{
	const struct hvo_config *cfg = hvo_sim_config(sim);
	struct hvo_fail_spec fail = { .site = HVO_SITE_VMEMMAP_TAIL, .nth = 1,
				      .persistent = true };
	uint64_t done, pfns[NMAX];
	int64_t nf, i;
	int r;

	if (cfg->scheme == HVO_SCHEME_SHARED_TAIL) {
		r = hvo_fail_set(sim, &fail);
		if (!r)
			r = hvo_pool_grow(sim, h, 0, n, &done);
		hvo_fail_clear(sim);
		return r;
	}
	r = hvo_pool_grow(sim, h, 0, n, &done);
	if (r || cfg->scheme == HVO_SCHEME_NONE)
		return r;
	nf = hvo_folio_list(sim, h, pfns, NMAX);
	for (i = 0; i < nf && i < NMAX; i++)
		if (hvo_folio_restore(sim, pfns[i]))
			return -EIO;
	return 0;
}


/* ---- (a) first-optimize ---- */

static int first_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	int r = hstate_2m(c->sim, d);

	if (!r)
		r = grow_unoptimized(c->sim, d->h, c->nr_threads);
	if (!r)
		r = list_folios(c->sim, d, d->h);
	return r ? r : d->nr == c->nr_threads ? 0 : -ENOMEM;
}

static void optimize_own(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	run->ret[c->tid] = hvo_folio_optimize(c->sim, d->pfn[c->tid]);
	note(c, "hvo_folio_optimize(%#" PRIx64 ") = %d", d->pfn[c->tid],
			 run->ret[c->tid]);
	run->done[c->tid] = true;
}

/* every folio whose optimize returned decodes its aligned tails to its head */
static int optimized_decode(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	const struct sdata *d = c->data;
	const struct srun *run = c->run;
	uint64_t k, head, vp = d->folio_pages / d->per_page;
	unsigned int i;

	for (i = 0; i < c->nr_threads; i++) {
		if (!run->done[i] || run->ret[i])
			continue;
		head = hvo_pfn_to_page(c->sim, d->pfn[i]);
		for (k = 1; k < vp; k++)
			if (hvo_compound_head(c->sim, hvo_pfn_to_page(c->sim, d->pfn[i] +
								       k * d->per_page)) != head) {
				snprintf(msg, len, "tail %" PRIu64 " of folio %#" PRIx64 " does not "
					 "decode to its head", k * d->per_page, d->pfn[i]);
				return 1;
			}
	}
	return 0;
}

static int all_returned_zero(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	const struct srun *run = c->run;
	unsigned int i;

	for (i = 0; i < c->nr_threads; i++)
		if (run->ret[i]) {
			snprintf(msg, len, "thread %c's call returned %d", 'a' + i, run->ret[i]);
			return 1;
		}
	return 0;
}

static int need_shared_tail(const struct hvo_config *cfg)
{
	if (cfg->scheme != HVO_SCHEME_SHARED_TAIL)
		return -EINVAL;
	return 0;
}

static int first_applies(const struct hvo_config *cfg)
{
	if (need_shared_tail(cfg))
		return needs("first-optimize", "--scheme shared-tail");
	return 0;
}

static bool alloc_none(const struct hvo_config *cfg)
{
	return cfg->scheme == HVO_SCHEME_SHARED_TAIL && cfg->tail_alloc == HVO_TAIL_ALLOC_NONE;
}

/* ---- (b) last-user ---- */

static int last_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	uint64_t done, pfns[2];
	int64_t n;
	int r = hstate_2m(c->sim, d);

	/* B first, unoptimized; then A, optimized: A is the tail's only user */
	if (!r)
		r = grow_unoptimized(c->sim, d->h, 1);
	if (!r && list_folios(c->sim, d, d->h) == 0 && d->nr == 1)
		d->pfn[1] = d->pfn[0];
	if (!r)
		r = hvo_pool_grow(c->sim, d->h, 0, 1, &done);
	n = r ? 0 : hvo_folio_list(c->sim, d->h, pfns, 2);
	if (!r && n != 2)
		r = -ENOMEM;
	if (!r)
		d->pfn[0] = pfns[0] == d->pfn[1] ? pfns[1] : pfns[0];
	return r;
}

static void restore_own(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	run->ret[c->tid] = hvo_folio_restore(c->sim, d->pfn[c->tid]);
	note(c, "hvo_folio_restore(%#" PRIx64 ") = %d", d->pfn[c->tid],
			 run->ret[c->tid]);
	run->done[c->tid] = true;
}

static void last_user_machine(struct hvo_config *cfg)
{
	small_machine(cfg);
	cfg->tail_lifetime = HVO_TAIL_LAST_USER;
}

static int last_applies(const struct hvo_config *cfg)
{
	if (need_shared_tail(cfg) || cfg->tail_lifetime != HVO_TAIL_LAST_USER)
		return needs("last-user", "--scheme shared-tail --lifetime last-user");
	return 0;
}

/* ---- (c) shrink-grow ---- */

static int one_folio_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	uint64_t done;
	int r = hstate_2m(c->sim, d);

	if (!r)
		r = hvo_pool_grow(c->sim, d->h, 0, 1, &done);
	if (!r)
		r = list_folios(c->sim, d, d->h);
	return r;
}

static void shrink_one(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t done = 0;

	run->ret[c->tid] = hvo_pool_shrink(c->sim, d->h, 0, 1, &done);
	note(c, "hvo_pool_shrink(1) = %d", run->ret[c->tid]);
	run->done[c->tid] = true;
}

static void grow_one(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t done = 0;

	run->ret[c->tid] = hvo_pool_grow(c->sim, d->h, 0, 1, &done);
	note(c, "hvo_pool_grow(1) = %d", run->ret[c->tid]);
	run->done[c->tid] = true;
}

static int optimizing_scheme(const char *name, const struct hvo_config *cfg)
{
	if (cfg->scheme == HVO_SCHEME_NONE)
		return needs(name, "--scheme fake-head or shared-tail");
	return 0;
}

static int shrink_applies(const struct hvo_config *cfg)
{
	return optimizing_scheme("shrink-grow", cfg);
}

static bool last_user_none(const struct hvo_config *cfg)
{
	return alloc_none(cfg) && cfg->tail_lifetime == HVO_TAIL_LAST_USER;
}

/* ---- (d) walkers ---- */

static bool fake_head_no_rcu(const struct hvo_config *cfg)
{
	return cfg->scheme == HVO_SCHEME_FAKE_HEAD && !cfg->rcu_sync;
}

static int walker_opt_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	int r = hstate_2m(c->sim, d);

	if (!r)
		r = grow_unoptimized(c->sim, d->h, 1);
	if (!r)
		r = list_folios(c->sim, d, d->h);
	return r;
}

static int walker_rest_setup(const struct hvo_scenario_ctx *c)
{
	return one_folio_setup(c);
}

/* take the folio for use, pin and unpin it a few times as GUP would, give
 * it back: its refcount is at least 1 all that time */
static void use_folio(const struct hvo_scenario_ctx *c, unsigned int h)
{
	uint64_t pfn, head;
	unsigned int i;
	int r = hvo_folio_alloc(c->sim, h, 0, &pfn);

	note(c, "hvo_folio_alloc() = %d (%#" PRIx64 ")", r, r ? 0 : pfn);
	if (r)
		return;
	head = hvo_pfn_to_page(c->sim, pfn);
	for (i = 0; i < 3; i++) {
		hvo_page_ref_add(c->sim, head, 1, NULL);
		hvo_page_ref_add(c->sim, head, -1, NULL);
	}
	hvo_folio_put(c->sim, pfn);
}

static void optimize_then_use(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	run->ret[c->tid] = hvo_folio_optimize(c->sim, d->pfn[0]);
	note(c, "hvo_folio_optimize(%#" PRIx64 ") = %d", d->pfn[0],
			 run->ret[c->tid]);
	use_folio(c, d->h);
}

static void use_then_restore(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	use_folio(c, d->h);
	run->ret[c->tid] = hvo_folio_restore(c->sim, d->pfn[0]);
	note(c, "hvo_folio_restore(%#" PRIx64 ") = %d", d->pfn[0],
			 run->ret[c->tid]);
}

/* PFN scanners: the raw page at the fake-head position, the head, a tail */
static void walker(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	uint64_t pfn = d->pfn[0];
	int a = hvo_walk_pfn(c->sim, pfn + d->per_page, HVO_WALK_PAGE);
	int b = hvo_walk_pfn(c->sim, pfn, HVO_WALK_PAGE);
	int e = hvo_walk_pfn(c->sim, pfn + d->per_page + 1, HVO_WALK_FOLIO);

	note(c, "walks: page %d, head %d, folio %d (0 noref, 1 got, 2 raced, "
			 "3 fault)", a, b, e);
}

static int walker_applies(const struct hvo_config *cfg)
{
	(void)cfg;
	return 0;
}

/* ---- (e) demote-walker ---- */

static void demote_machine(struct hvo_config *cfg)
{
	small_machine(cfg);
	cfg->cont_hstates = true;	/* 32M folios demote to 2M ones */
}

static int demote_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	uint64_t done;
	int big = hvo_hstate_find(c->sim, 32ull << 20), r;

	if (big < 0)
		return big;
	d->big = (unsigned int)big;
	r = hstate_2m(c->sim, d);
	if (!r)
		r = hvo_pool_grow(c->sim, d->big, 0, 1, &done);
	if (!r)
		r = list_folios(c->sim, d, d->big);
	return r;
}

static void demote_then_use(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t done = 0;

	run->ret[c->tid] = hvo_demote(c->sim, d->big, d->h, 0, 1, &done);
	note(c, "hvo_demote(32M -> 2M) = %d", run->ret[c->tid]);
	use_folio(c, d->h);
}

/* the fake-head position of every 2M folio the 32M one becomes */
static void demote_walker(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	unsigned int i, faults = 0;

	for (i = 0; i < 16; i++)
		if (hvo_walk_pfn(c->sim, d->pfn[0] + i * d->folio_pages + d->per_page, HVO_WALK_PAGE) ==
		    HVO_WALK_FAULT)
			faults++;
	note(c, "16 walks, %u faulted", faults);
}

static int demote_applies(const struct hvo_config *cfg)
{
	if (cfg->page_shift != 12 || !cfg->cont_hstates)
		return needs("demote-walker", "--page-shift 12 --cont-hstates on");
	return 0;
}

/* ---- (h) the known-bad walkers ---- */

/*
 * The walkers of (d) and (e) as hvo_walk_pfn_flags() has them without a
 * part of the protocol, for the reader-side oracle (walker.c's
 * walker_oracle()) to catch: the HVO side is correct, the reader is not.
 */

/*
 * bd225530a4c7's race as the walker meets it: the page it reads is a plain
 * page in use at the first fake-head position of the 2M block it is in;
 * its owner frees the block, the pool grows into it (optimizing it) and
 * the folio is taken for use.  A walker that checked "not a fake head" on
 * the plain page and adds after the remap writes through the read-only
 * fake head, unless HVO's synchronize_rcu() waited for it.
 */
static int norcu_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	int r = hstate_2m(c->sim, d);

	if (!r)
		r = hvo_alloc_frames(c->sim, 0, 9, HVO_KIND_OTHER, 0, &d->pfn[0]);
	if (!r)
		r = hvo_page_ref_add(c->sim, hvo_pfn_to_page(c->sim, d->pfn[0] + d->per_page), 1,
				     NULL);
	return r;
}

/* the final check of the scenarios that keep folios in use: give them
 * back (the fault log is what catches the walker) */
static int put_held(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	struct srun *run = c->run;
	unsigned int i;

	(void)msg;
	(void)len;
	for (i = 0; i < run->nheld; i++)
		hvo_folio_put(c->sim, run->held[i]);
	run->nheld = 0;
	return 0;
}

/*
 * Put the plain page; if that was the last reference, free the block, let
 * the pool take it (optimizing it: the page becomes a fake head) and take
 * the folio for use, kept until the final check: a put here would only add
 * steps after the race that dilute PCT's change points.  If a walker's
 * reference kept the page, the block stays: in the kernel the walker's
 * put_page() would free the page, here norcu_check() frees the block.
 */
static void free_grow_take(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	int32_t v = -1;
	uint64_t done = 0;

	hvo_page_ref_add(c->sim, hvo_pfn_to_page(c->sim, d->pfn[0] + d->per_page), -1, &v);
	note(c, "the plain page's owner put it: refcount %d", v);
	if (v) {
		run->kept = true;
		return;
	}
	run->ret[c->tid] = hvo_free_frames(c->sim, d->pfn[0], 9);
	if (!run->ret[c->tid])
		run->ret[c->tid] = hvo_pool_grow(c->sim, d->h, 0, 1, &done);
	note(c, "block freed, hvo_pool_grow(1) = %d", run->ret[c->tid]);
	if (!run->ret[c->tid] && !hvo_folio_alloc(c->sim, d->h, 0, &run->held[0]))
		run->nheld = 1;
}

/*
 * The final check of walker-norcu-optimize: the folio in use is given back;
 * a block a walker's reference kept is freed now that the walker has let
 * go, as its put_page() would have (left allocated, the last run's block
 * was reported at destroy as the harness's leak).  The walker must have
 * left no reference on the page.
 */
static int norcu_check(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t page = hvo_pfn_to_page(c->sim, d->pfn[0] + d->per_page);
	int32_t ref = -1;

	put_held(c, msg, len);
	if (!run->kept)
		return 0;
	run->kept = false;
	if (hvo_page_refcount(c->sim, page, &ref) || ref) {
		snprintf(msg, len, "the plain page kept by a walker has refcount %d after it", ref);
		return 1;
	}
	if (hvo_free_frames(c->sim, d->pfn[0], 9)) {
		snprintf(msg, len, "free of the kept block: %s", hvo_last_error());
		return 1;
	}
	return 0;
}

/* as walker(), on the plain page, without the RCU read side around
 * page_count_writable() and the add */
static void walker_no_rcu(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	uint64_t pfn = d->pfn[0] + d->per_page;
	int a = hvo_walk_pfn_flags(c->sim, pfn, HVO_WALK_PAGE, HVO_WALK_NO_RCU);
	int e = hvo_walk_pfn_flags(c->sim, pfn, HVO_WALK_FOLIO, HVO_WALK_NO_RCU);

	note(c, "no-rcu walks: page %d, folio %d (0 noref, 1 got, 2 raced, 3 fault)", a, e);
}

/* take every 2M folio for use and keep them: the pool hands them out from
 * the top, so the one at the 32M head is the last taken.  They are put back
 * by put_held(), the final check, after the threads: a put in the thread
 * body would only add steps after the race that dilute PCT's change points */
static void take_all(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	while (run->nheld < 16 && !hvo_folio_alloc(c->sim, d->h, 0, &run->held[run->nheld]))
		run->nheld++;
	note(c, "%u 2M folios taken", run->nheld);
}

static void demote_take_all(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t done = 0;

	run->ret[c->tid] = hvo_demote(c->sim, d->big, d->h, 0, 1, &done);
	note(c, "hvo_demote(32M -> 2M) = %d", run->ret[c->tid]);
	take_all(c);
}

/*
 * folio_try_get(page_folio()) on the fake-head position of the second 2M
 * folio the 32M one becomes, without the page_folio() recheck: a walker
 * that computed the 32M head before the demote and took its reference
 * once the 2M folio at that head was in use holds the wrong head, and
 * says it got it.
 */
static void demote_walker_no_recheck(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	int r = hvo_walk_pfn_flags(c->sim, d->pfn[0] + d->folio_pages + d->per_page,
				   HVO_WALK_FOLIO, HVO_WALK_NO_RECHECK);

	note(c, "no-recheck walk: %d (0 noref, 1 got, 2 raced, 3 fault)", r);
}

/*
 * The same walker against dissolve: the 32M folio is in ZONE_MOVABLE (the
 * sysctl lets a gigantic folio be there), every other block of the zone is
 * taken, so the 2M folios the pool grows after the dissolve are the 32M
 * folio's memory again and the walker's 32M head is one of their heads.
 */
static void dissolve32_machine(struct hvo_config *cfg)
{
	demote_machine(cfg);
	cfg->node_movable_bytes[0] = 64ull << 20;
	cfg->movable_gigantic_pages = true;
}

static int dissolve32_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	int r = demote_setup(c);

	while (!r && d->ndrained < MAX_DRAINED &&
	       !hvo_alloc_frames_zone(c->sim, 0, HVO_ZONE_MOVABLE, 9, HVO_KIND_OTHER, 0,
				      &d->drained[d->ndrained]))
		d->ndrained++;
	if (!r && (d->ndrained == MAX_DRAINED || d->nr != 1))
		r = -ENOMEM;
	return r;
}

/* dissolve the 32M folio, grow the pool by 16 2M folios, take them all */
static void dissolve_grow_take(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t done = 0, i;

	run->ret[c->tid] = hvo_folio_dissolve(c->sim, d->pfn[0]);
	if (!run->ret[c->tid])
		run->ret[c->tid] = hvo_pool_grow(c->sim, d->h, 0, 16, &done);
	note(c, "32M dissolved, hvo_pool_grow(16) = %d", run->ret[c->tid]);
	/* the zone's other blocks have done their job */
	for (i = 0; i < d->ndrained; i++)
		hvo_free_frames(c->sim, d->drained[i], 9);
	take_all(c);
}

static int dissolve32_applies(const struct hvo_config *cfg)
{
	if (cfg->page_shift != 12 || !cfg->cont_hstates || !cfg->node_movable_bytes[0] ||
	    !cfg->movable_gigantic_pages)
		return needs("walker-norecheck-dissolve", "--page-shift 12 --cont-hstates on, "
			     "ZONE_MOVABLE and --movable-gigantic on");
	return 0;
}

static bool fake_head(const struct hvo_config *cfg)
{
	return cfg->scheme == HVO_SCHEME_FAKE_HEAD;
}

static bool always(const struct hvo_config *cfg)
{
	(void)cfg;
	return true;
}

/* ---- (f) pmd-split ---- */

static int pmd_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	struct hvo_fail_spec fail = { .site = HVO_SITE_PGTABLE, .nth = 1, .persistent = true };
	uint64_t done;
	int r = hstate_2m(c->sim, d);

	/* two folios enter the pool unoptimized, their vmemmap PMD unsplit */
	if (!r)
		r = hvo_fail_set(c->sim, &fail);
	if (!r)
		r = hvo_pool_grow(c->sim, d->h, 0, c->nr_threads, &done);
	hvo_fail_clear(c->sim);
	if (!r)
		r = list_folios(c->sim, d, d->h);
	return r ? r : d->nr == c->nr_threads ? 0 : -ENOMEM;
}

static int pmd_check(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	struct hvo_stats st;

	if (all_returned_zero(c, msg, len))
		return 1;
	hvo_sim_stats(c->sim, &st);
	if (st.pmd_splits != 1) {
		snprintf(msg, len, "%" PRIu64 " PMD splits, expected exactly one", st.pmd_splits);
		return 1;
	}
	return 0;
}

static int pmd_applies(const struct hvo_config *cfg)
{
	if (cfg->page_shift != 12)
		return needs("pmd-split", "--page-shift 12 (PMD-mapped vmemmap)");
	return optimizing_scheme("pmd-split", cfg);
}

/* ---- (g) dissolve-alloc ---- */

static int dissolve_setup(const struct hvo_scenario_ctx *c)
{
	struct sdata *d = c->data;
	int r = one_folio_setup(c);

	if (!r)
		r = hvo_pool_set_overcommit(c->sim, d->h, 1);
	return r;
}

static void dissolve_own(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	run->ret[c->tid] = hvo_folio_dissolve(c->sim, d->pfn[0]);
	note(c, "hvo_folio_dissolve(%#" PRIx64 ") = %d", d->pfn[0],
			 run->ret[c->tid]);
}

static void alloc_put(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;

	use_folio(c, d->h);
}

static int dissolve_applies(const struct hvo_config *cfg)
{
	return optimizing_scheme("dissolve-alloc", cfg);
}

/* ---- the table ---- */

/* pool-level races: the PTE stores of a remap (seven per 2M folio) are not
 * where they race, and leaving them out shortens every run */
#define POOL_POINTS (HVO_EXPLORE_POINTS_DEFAULT & ~HVO_EXPLORE_POINT(HVO_YP_PTE_STORE))
/* demote remaps 17 folios and frees hundreds of vmemmap pages: its PTE
 * stores and frame frees would make every run hundreds of steps long, and
 * the walker's race is with the refcount of the folio in use */
#define DEMOTE_POINTS (POOL_POINTS & ~HVO_EXPLORE_POINT(HVO_YP_FRAME_FREE))
/* a walker without its recheck races the refcounts of the folios in use,
 * not how demote or dissolve get there: the tail slot and flush steps of
 * the remaps only dilute PCT's change points.  RCU stays: in fake-head
 * with rcu_sync on, the walker's only stop between its head and its add
 * that a grace period does not wait for is before its rcu_read_lock() */
#define RECHECK_POINTS (HVO_EXPLORE_POINT(HVO_YP_REFCOUNT) | HVO_EXPLORE_POINT(HVO_YP_LOCK) | \
			HVO_EXPLORE_POINT(HVO_YP_RCU))

static const struct hvo_scenario scenarios[] = {
	{
		.name = "first-optimize",
		.summary = "(a) threads optimize folios of one zone and order; the tail slot is empty",
		.nr_threads = 2, .config = small_machine, .applies = first_applies,
		.known_bad = alloc_none, .setup = first_setup,
		.thread = { optimize_own, optimize_own, optimize_own, optimize_own },
		.invariant = optimized_decode, .check = all_returned_zero,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "last-user",
		.summary = "(b) the last user's restore frees the tail while another folio is optimized",
		.nr_threads = 2, .config = last_user_machine, .applies = last_applies,
		.known_bad = alloc_none, .setup = last_setup,
		.thread = { restore_own, optimize_own },
		.check = all_returned_zero,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "shrink-grow",
		.summary = "(c) the pool shrinks to zero while another thread grows it",
		.nr_threads = 2, .config = small_machine, .applies = shrink_applies,
		.known_bad = last_user_none, .setup = one_folio_setup,
		.thread = { shrink_one, grow_one },
		.check = all_returned_zero,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "walker-optimize",
		.summary = "(d) a speculative PFN walker while a folio is optimized and then used",
		.nr_threads = 2, .config = small_machine, .applies = walker_applies,
		.known_bad = fake_head_no_rcu, .setup = walker_opt_setup,
		.thread = { optimize_then_use, walker },
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "walker-restore",
		.summary = "(d) a speculative PFN walker while a folio is used and then restored",
		.nr_threads = 2, .config = small_machine, .applies = walker_applies,
		.known_bad = fake_head_no_rcu, .setup = walker_rest_setup,
		.thread = { use_then_restore, walker },
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "demote-walker",
		.summary = "(e) a walker over a 32M folio while it is demoted to 2M ones, one then used",
		.nr_threads = 2, .config = demote_machine, .applies = demote_applies,
		.known_bad = fake_head_no_rcu, .setup = demote_setup,
		.thread = { demote_then_use, demote_walker }, .points = DEMOTE_POINTS,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "walker-norcu-optimize",
		.summary = "(h) walker-optimize with a walker that has no RCU read side",
		.nr_threads = 2, .config = small_machine, .applies = walker_applies,
		.known_bad = fake_head, .setup = norcu_setup,
		.thread = { free_grow_take, walker_no_rcu }, .check = norcu_check,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "walker-norecheck-demote",
		.summary = "(h) demote-walker with a folio walker that has no page_folio() recheck",
		.nr_threads = 2, .config = demote_machine, .applies = demote_applies,
		.known_bad = always, .setup = demote_setup,
		.thread = { demote_take_all, demote_walker_no_recheck }, .points = RECHECK_POINTS,
		.check = put_held,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "walker-norecheck-dissolve",
		.summary = "(h) a folio walker without its recheck while a 32M folio is dissolved "
			   "and its memory grown back as 2M folios in use",
		.nr_threads = 2, .config = dissolve32_machine, .applies = dissolve32_applies,
		.known_bad = always, .setup = dissolve32_setup,
		.thread = { dissolve_grow_take, demote_walker_no_recheck }, .points = RECHECK_POINTS,
		.check = put_held,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "pmd-split",
		.summary = "(f) two optimizers split the same vmemmap PMD",
		.nr_threads = 2, .config = small_machine, .applies = pmd_applies,
		.setup = pmd_setup,
		.thread = { optimize_own, optimize_own, optimize_own, optimize_own },
		.check = pmd_check,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
	{
		.name = "dissolve-alloc",
		.summary = "(g) dissolve against an allocation that may make a surplus folio",
		.nr_threads = 2, .config = small_machine, .applies = dissolve_applies,
		.known_bad = last_user_none, .setup = dissolve_setup,
		.thread = { dissolve_own, alloc_put }, .points = POOL_POINTS,
		.data_size = sizeof(struct sdata), .run_size = sizeof(struct srun),
	},
};

#define NR_SCENARIOS (sizeof(scenarios) / sizeof(scenarios[0]))

/* -EINVAL: @name needs @opts, or (opts NULL) does not exist */
static int needs(const char *name, const char *opts)
{
	char names[512] = "";
	unsigned int i;

	if (opts)
		return hvo__err(-EINVAL, "explore: scenario %s needs %s", name, opts);
	for (i = 0; i < NR_SCENARIOS; i++)
		snprintf(names + strlen(names), sizeof(names) - strlen(names), "%s%s",
			 i ? ", " : "", scenarios[i].name);
	return hvo__err(-EINVAL, "scenario_find: name '%s' is no built-in scenario (%s)",
			name, names);
}

unsigned int hvo__scenario_count(void)
{
	return NR_SCENARIOS;
}

const struct hvo_scenario *hvo__scenario_get(unsigned int i)
{
	return &scenarios[i];
}

const struct hvo_scenario *hvo__scenario_find(const char *name)
{
	unsigned int i;

	for (i = 0; i < NR_SCENARIOS; i++)
		if (!strcmp(name, scenarios[i].name))
			return &scenarios[i];
	needs(name, NULL);
	return NULL;
}
