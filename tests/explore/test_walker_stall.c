// SPDX-License-Identifier: MIT
/*
 * test_walker_stall.c - the reader-side oracle on the fiber scheduler: a
 * speculative walker (hvo_walk_pfn_flags()) is stopped at each of its
 * scheduling points in turn, by a fixed schedule, while the folio under it
 * changes, and what it then believes it holds is held against the pool.
 *
 * Two threads of a scenario written here against the public API: a, the
 * walker, one hvo_walk_pfn_flags() on one pfn in one mode (PAGE:
 * get_page_unless_zero(pfn_to_page()), FOLIO: folio_try_get(page_folio()));
 * b, the writer, one change:
 *   optimize  the walked page is a plain page in use at the first
 *             fake-head position of its 2M block; its owner puts it, frees
 *             the block, the pool grows into it (optimizing it: the page
 *             becomes a fake head, read-only in the fake-head scheme) and
 *             the folio is taken for use, so the fake head reads as a head
 *             with refcount 1: the race of bd225530a4c7
 *             ("mm/hugetlb_vmemmap: fix race with speculative PFN walkers");
 *   restore   the walked page is a tail of a free optimized 2M folio; it
 *             is restored and taken for use;
 *   demote    the walked page is a tail of a free 32M folio, at the
 *             fake-head position of the second 2M folio it demotes to;
 *             it is demoted and all 16 2M folios are taken for use, so the
 *             32M head the walker computed is the head of another folio;
 *   dissolve  the same, but the 32M folio (in ZONE_MOVABLE, whose other
 *             blocks are taken) is dissolved and its memory grown back as
 *             16 2M folios, all taken for use.
 * The folios stay in use until the final check gives them back.
 *
 * The schedule of position k is the replay string "a<k>b*a*b*" (k = 0:
 * "b*a*b*"): the walker runs to its k-th scheduling point, the writer as far
 * as it gets (to its end, or until it waits for the walker: a grace period
 * that the walker's RCU read side holds up), then the walker to its end,
 * then the writer.  k runs from 0 (the writer first) to the walker's step
 * count n (the walker first), which is counted, not written down: "a*b*"
 * runs the walker alone first and the schedule it records says how many
 * steps it took; a yield hook on a machine of its own counts its yield
 * points too, and every one of them is a scheduling point (the scenario's
 * points are all but the struct page stores, of which the walker makes
 * none and a 32M demote 130,000).
 *
 * A position passes when the explorer finds nothing (no fault-log record:
 * no write through a read-only PTE, no reference the oracle in walker.c
 * rejects; hvo_check() and the leak accounting clean at the end) and the
 * final check finds no reference of the walker's left behind (every folio
 * in use has its owner's refcount 1, a plain page its owner put has 0): the
 * walker's result is then NOREF, GOT with the head the pool agrees with, or
 * RACED with its reference put back.  A failing position prints the replay
 * string, the schedule and seed it ran, and the trace with the state drawn
 * before every step that changed it.
 *
 * Every scheme and knob combination the explorer's built-in scenarios use
 * (hvo_scenario_variants()): none, fake-head with and without its RCU
 * synchronisation, shared-tail in every scope, allocation and lifetime.
 * The correct walker passes every position in every variant but fake-head
 * with rcu_sync off, the kernel before bd225530a4c7, where HVO does not
 * wait for walkers and the correct walker writes through the fake head.
 * The known-bad walkers fail.  Which positions fail, from this test's
 * output (one letter per k, see outcome_char(); k counts from 0):
 *   HVO_WALK_NO_RCU, fake-head --rcu-sync on: optimize only, PAGE k=2 of
 *     0..5 ("nnWggg"), FOLIO k=3 of 0..6 ("ggnWggg"): the walker stopped
 *     after page_count_writable() (the refcount read, "not a fake head")
 *     and before its add; the writer frees the block, optimizes it and
 *     takes the folio without waiting (there is no read side to wait for),
 *     and the add writes through the fake head (W).  The correct walker
 *     stopped there (PAGE k=3 of 0..7) is inside its read-side section:
 *     the optimize's synchronize_rcu() waits for it, and its add finds
 *     the refcount its owner dropped to 0 on the plain page (n).
 *   HVO_WALK_NO_RECHECK, FOLIO mode, every scheme and knob: demote and
 *     dissolve only, k=2 of 0..3 in none and shared-tail ("ggHn"), k=4 of
 *     0..7 in fake-head ("ggggHnnn"): stopped after page_folio() read the
 *     32M head and before folio_try_get(); by then that head is a 2M
 *     folio's in use, the reference is taken and kept for a page of
 *     another folio (H, "walk: wrong head").  The correct walker's recheck
 *     sees it and reports RACED there (r).
 *   the correct walker in fake-head --rcu-sync off (the kernel before
 *     bd225530a4c7): PAGE k=0,1 of optimize ("WWggg"), demote and dissolve
 *     ("WWn"), FOLIO k=2 of optimize ("ggWggg"): without
 *     page_count_writable() a fake head of a folio in use is written
 *     through, also by a walker that comes after the change (k=0).
 *
 * HVOSIM_SWEEP_STRIDE=s (the TSan setup sets 8) runs every s-th shared-tail
 * variant only, and the known-bad walkers only against the changes where
 * they fail: one OS thread runs every fiber, so TSan has nothing more to
 * find in the others.
 */
#include <limits.h>

#include "hvotest_hvo.h"

/* every yield point but the struct page stores (see above) */
#define STALL_POINTS (((1u << HVO_NR_YIELD_POINTS) - 1) & \
		      ~HVO_EXPLORE_POINT(HVO_YP_PAGE_STORE))

enum op { OP_OPTIMIZE, OP_RESTORE, OP_DEMOTE, OP_DISSOLVE, NR_OPS };

static const char *const op_name[NR_OPS] = { "optimize", "restore", "demote", "dissolve" };

#define NR_SMALL 16		/* 2M folios in 32M */
#define MAX_DRAIN 64
#define MAX_K 60		/* the most steps of a walker alone */

/* what the setup leaves for the threads (ctx->data) */
struct sdata {
	unsigned int h2, h32;
	uint64_t base;			/* the block, 2M or 32M folio of the change */
	uint64_t pfn;			/* walked */
	uint64_t drained[MAX_DRAIN];	/* dissolve: ZONE_MOVABLE's other blocks */
	unsigned int ndrained;
};

/* one run (ctx->run) */
struct srun {
	int result;			/* the walker's */
	bool kept;			/* optimize: a walker's reference kept the page */
	uint64_t used[NR_SMALL];	/* folios the writer took for use */
	unsigned int nused;
	const char *broken;		/* the change could not be made as planned */
};

/* the test's side of the scenario (ctx->priv) */
struct stall {
	enum op op;
	enum hvo_walk_mode mode;
	unsigned int flags;
	int result;			/* the walker's, kept by the final check */
	bool draw;			/* draw the state after every step */
	uint64_t step;
	char *last;			/* the last drawing */
	char **drawn;			/* [i]: the state before step i + 1, if it changed */
	uint64_t ndrawn;
};

/* ---- drawing the state (tools/testing/vma style) ---- */

/* one 2M block: . no folio, F free, U in use, I isolated, lower case
 * optimized; a 32M folio's blocks B (b optimized) */
static char block_char(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio_info fi;

	if (hvo_folio_lookup(sim, pfn, &fi))
		return '.';
	if (fi.order > 9)
		return fi.optimized ? 'b' : 'B';
	return "FUI"[fi.state < 3 ? fi.state : 2] + (fi.optimized ? 'a' - 'A' : 0);
}

static char *drawing(const struct hvo_scenario_ctx *c)
{
	const struct stall *st = c->priv;
	const struct sdata *d = c->data;
	uint64_t page = hvo_pfn_to_page(c->sim, d->pfn), head, hpfn = 0;
	unsigned int i, n = st->op >= OP_DEMOTE ? NR_SMALL : 1;
	struct hvo_translation tr = { 0 };
	char cells[NR_SMALL + 1] = "", *s;
	int32_t ref = -1;

	for (i = 0; i < n; i++)
		cells[i] = block_char(c->sim, d->base + i * 512);
	if (hvo_vmemmap_translate(c->sim, page, &tr))
		tr.frame_pfn = UINT64_MAX;	/* unmapped */
	hvo_page_refcount(c->sim, page, &ref);
	head = hvo_compound_head(c->sim, page);
	if (head)
		hvo_page_to_pfn(c->sim, head, &hpfn);
	s = malloc(512);
	assert_non_null(s);
	snprintf(s, 512, "      | 2M blocks from %#" PRIx64 ": [%s]   pfn %#" PRIx64 ": struct "
		 "page in frame %#" PRIx64 " (%s), refcount %d, compound_head %#" PRIx64 "%s\n",
		 d->base, cells, d->pfn, tr.frame_pfn, tr.frame_pfn == UINT64_MAX ? "unmapped" :
		 tr.writable ? "rw" : "RO", ref, hpfn,
		 hvo_page_fixed_fake_head(c->sim, page) != page ? ", a fake head" : "");
	return s;
}

/* keep the drawing of the state before step st->step + 1 if it changed */
static void draw_step(const struct hvo_scenario_ctx *c)
{
	struct stall *st = c->priv;
	char *s = drawing(c);

	if (st->last && !strcmp(st->last, s)) {
		free(s);
		return;
	}
	if (st->step >= st->ndrawn) {
		uint64_t n = st->step * 2 + 64;

		st->drawn = realloc(st->drawn, n * sizeof(*st->drawn));
		assert_non_null(st->drawn);
		memset(st->drawn + st->ndrawn, 0, (n - st->ndrawn) * sizeof(*st->drawn));
		st->ndrawn = n;
	}
	st->drawn[st->step] = s;
	st->last = s;
}

static void drawings_free(struct stall *st)
{
	uint64_t i;

	for (i = 0; i < st->ndrawn; i++)
		free(st->drawn[i]);
	free(st->drawn);
	st->drawn = NULL;
	st->ndrawn = 0;
	st->last = NULL;
	st->step = 0;
}

/* a trace line's step number, thread and point ("   12  b  pte_store ..."),
 * or 0 for a note line */
static unsigned long step_of(const char *line, char *who, size_t len)
{
	unsigned long step = 0;

	if (sscanf(line, "%6lu", &step) != 1)
		return 0;
	snprintf(who, len, "%.*s", 20, line + 8);
	return step;
}

/*
 * The trace, with the state drawn before every step that changed it; a
 * run of steps of one thread at one kind of point that changed nothing is
 * cut to its first and last (a demote is hundreds of PTE stores).
 */
static void print_drawn_trace(const struct stall *st, const char *trace)
{
	const char *line = trace, *held = NULL;
	char who[24] = "", prev[24] = "";
	unsigned int skipped = 0;

	print_message("# legend: 2M blocks . no folio, F free, U in use, I isolated, B part of "
		      "the 32M folio; lower case: optimized\n");
	while (line && *line) {
		const char *end = strchr(line, '\n');
		int len = end ? (int)(end - line) : (int)strlen(line);
		unsigned long step = step_of(line, who, sizeof(who));
		const char *d = step && step - 1 < st->ndrawn ? st->drawn[step - 1] : NULL;

		if (step && !d && !strcmp(who, prev) && end && step_of(end + 1, who, sizeof(who)) &&
		    !strcmp(who, prev)) {
			held = line;	/* the middle of a run: the last one is printed */
			skipped++;
			line = end + 1;
			continue;
		}
		if (skipped > 1)
			print_message("#          ... %u more like it\n", skipped - 1);
		if (skipped)
			print_message("# %.*s\n", (int)(strchr(held, '\n') - held), held);
		skipped = 0;
		if (d)
			print_message("#%s", d);
		print_message("# %.*s\n", len, line);
		step_of(line, prev, sizeof(prev));
		line = end ? end + 1 : NULL;
	}
	if (st->last)
		print_message("# after the last step:\n#%s", st->last);
}

/* ---- the scenario ---- */

static int grow_one(struct hvo_sim *sim, unsigned int h, uint64_t *pfn)
{
	int r = hvo_pool_grow(sim, h, 0, 1, NULL);

	if (!r && hvo_folio_list(sim, h, pfn, 1) != 1)
		r = -ENOENT;
	return r;
}

/* dissolve: the 32M folio is in ZONE_MOVABLE and every other 2M block of
 * the zone is taken, so the pool grows back into its memory */
static int drain_movable(struct hvo_sim *sim, struct sdata *d)
{
	struct hvo_folio_info fi;

	if (hvo_folio_lookup(sim, d->base, &fi) || fi.zone != HVO_ZONE_MOVABLE)
		return -EINVAL;
	while (d->ndrained < MAX_DRAIN &&
	       !hvo_alloc_frames_zone(sim, 0, HVO_ZONE_MOVABLE, 9, HVO_KIND_OTHER, 0,
				      &d->drained[d->ndrained]))
		d->ndrained++;
	return d->ndrained < MAX_DRAIN ? 0 : -ENOSPC;
}

static int stall_setup(const struct hvo_scenario_ctx *c)
{
	struct stall *st = c->priv;
	struct sdata *d = c->data;
	const struct hvo_geometry *g = hvo_sim_geometry(c->sim);
	uint64_t per_page = g->page_size / g->stride;
	int h2 = hvo_hstate_find(c->sim, 2 * MiB), h32 = hvo_hstate_find(c->sim, 32 * MiB), r;

	if (h2 < 0 || h32 < 0)
		return -EINVAL;
	d->h2 = (unsigned int)h2;
	d->h32 = (unsigned int)h32;
	if (st->op == OP_OPTIMIZE) {
		r = hvo_alloc_frames(c->sim, 0, 9, HVO_KIND_OTHER, 0, &d->base);
		d->pfn = d->base + per_page;
		if (!r)
			r = hvo_page_ref_add(c->sim, hvo_pfn_to_page(c->sim, d->pfn), 1, NULL);
	} else if (st->op == OP_RESTORE) {
		r = grow_one(c->sim, d->h2, &d->base);
		d->pfn = d->base + per_page;
	} else {
		r = grow_one(c->sim, d->h32, &d->base);
		d->pfn = d->base + 512 + per_page;
		if (!r && st->op == OP_DISSOLVE)
			r = drain_movable(c->sim, d);
	}
	if (!r && st->draw)
		draw_step(c);
	return r;
}

static const char *result_name(int r)
{
	static const char *const names[] = { "noref", "got", "raced", "fault" };

	return r >= 0 && r < 4 ? names[r] : "error";
}

static void walker(const struct hvo_scenario_ctx *c)
{
	const struct stall *st = c->priv;
	const struct sdata *d = c->data;
	struct srun *run = c->run;

	run->result = hvo_walk_pfn_flags(c->sim, d->pfn, st->mode, st->flags);
	hvo_explore_note(c, "walk: %s", result_name(run->result));
}

static void take_all_small(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	unsigned int i;

	while (run->nused < NR_SMALL && !hvo_folio_alloc(c->sim, d->h2, 0, &run->used[run->nused]))
		run->nused++;
	if (run->nused != NR_SMALL)
		run->broken = "not 16 2M folios taken";
	for (i = 0; i < run->nused; i++)
		if (run->used[i] - d->base >= NR_SMALL * 512)
			run->broken = "a 2M folio outside the 32M one";
}

/* optimize: the owner's put; then free, grow into the block, take it */
static void free_grow_take(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	int32_t v = -1;
	uint64_t pfn = 0;

	hvo_page_ref_add(c->sim, hvo_pfn_to_page(c->sim, d->pfn), -1, &v);
	if (v) {
		run->kept = true;	/* a referenced page is not freed */
		return;
	}
	if (hvo_free_frames(c->sim, d->base, 9) || hvo_pool_grow(c->sim, d->h2, 0, 1, NULL) ||
	    hvo_folio_alloc(c->sim, d->h2, 0, &pfn) || pfn != d->base)
		run->broken = "the pool did not take the freed block";
	else
		run->used[run->nused++] = pfn;
}

static void writer(const struct hvo_scenario_ctx *c)
{
	const struct stall *st = c->priv;
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	uint64_t pfn = 0, done = 0;

	switch (st->op) {
	case OP_OPTIMIZE:
		free_grow_take(c);
		break;
	case OP_RESTORE:
		if ((hvo_sim_config(c->sim)->scheme != HVO_SCHEME_NONE &&
		     hvo_folio_restore(c->sim, d->base)) ||
		    hvo_folio_alloc(c->sim, d->h2, 0, &pfn) || pfn != d->base)
			run->broken = "restore and take";
		else
			run->used[run->nused++] = pfn;
		break;
	case OP_DEMOTE:
		if (hvo_demote(c->sim, d->h32, d->h2, 0, 1, &done) || done != 1)
			run->broken = "demote";
		take_all_small(c);
		break;
	default:
		if (hvo_folio_dissolve(c->sim, d->base) ||
		    hvo_pool_grow(c->sim, d->h2, 0, NR_SMALL, NULL))
			run->broken = "dissolve and grow";
		take_all_small(c);
		break;
	}
	hvo_explore_note(c, "%s done%s%s", op_name[st->op], run->broken ? ": " : "",
			 run->broken ? run->broken : "");
}

/* give back what the run holds and the setup took */
static void give_back(const struct hvo_scenario_ctx *c)
{
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	unsigned int i;

	for (i = 0; i < run->nused; i++)
		hvo_folio_put(c->sim, run->used[i]);
	run->nused = 0;
	if (run->kept)
		hvo_free_frames(c->sim, d->base, 9);
	run->kept = false;
	for (i = 0; i < d->ndrained; i++)
		hvo_free_frames(c->sim, d->drained[i], 9);
}

/* no reference of the walker's left behind; then give everything back */
static int stall_check(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	struct stall *st = c->priv;
	const struct sdata *d = c->data;
	struct srun *run = c->run;
	unsigned int i;
	int32_t ref = -1;
	int bad = 0;

	st->result = run->result;
	if (run->broken)
		bad = snprintf(msg, len, "the change went wrong: %s", run->broken);
	for (i = 0; !bad && i < run->nused; i++)
		if (hvo_page_refcount(c->sim, hvo_pfn_to_page(c->sim, run->used[i]), &ref) ||
		    ref != 1)
			bad = snprintf(msg, len, "folio %#" PRIx64 " has refcount %d after the "
				       "walk, not its owner's 1", run->used[i], ref);
	if (!bad && run->kept &&
	    (hvo_page_refcount(c->sim, hvo_pfn_to_page(c->sim, d->pfn), &ref) || ref))
		bad = snprintf(msg, len, "the plain page its owner put has refcount %d after "
			       "the walk, not 0", ref);
	give_back(c);
	return bad != 0;
}

static int stall_draw(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	struct stall *st = c->priv;

	(void)msg;
	(void)len;
	st->step++;
	if (st->draw)
		draw_step(c);
	return 0;
}

static void scenario_of(struct hvo_scenario *sc, struct stall *st)
{
	memset(sc, 0, sizeof(*sc));
	sc->name = "walker-stall";
	sc->summary = "a walker stopped at one step while its folio changes";
	sc->nr_threads = 2;
	sc->setup = stall_setup;
	sc->thread[0] = walker;
	sc->thread[1] = writer;
	sc->invariant = stall_draw;
	sc->check = stall_check;
	sc->points = STALL_POINTS;
	sc->data_size = sizeof(struct sdata);
	sc->run_size = sizeof(struct srun);
	sc->priv = st;
}

/* ---- the machines ---- */

#define MAX_VARIANTS 64

static void machine(struct hvo_config *c, const struct hvo_config *v, enum op op)
{
	hvo_config_init(c);
	c->page_shift = 12;
	c->nr_nodes = 1;
	c->node_mem_bytes[0] = 128 * MiB;
	c->fault_policy = HVO_FAULT_RECORD;
	c->cont_hstates = true;		/* 32M folios demote to 2M ones */
	if (op == OP_DISSOLVE) {
		c->node_movable_bytes[0] = 64 * MiB;
		/* the sysctl that lets a gigantic folio be in ZONE_MOVABLE */
		c->movable_gigantic_pages = true;
	}
	c->scheme = v->scheme;
	c->tail_scope = v->tail_scope;
	c->tail_alloc = v->tail_alloc;
	c->tail_lifetime = v->tail_lifetime;
	c->rcu_sync = v->rcu_sync;
}

static bool same_variant(const struct hvo_config *a, const struct hvo_config *b)
{
	if (a->scheme != b->scheme)
		return false;
	if (a->scheme == HVO_SCHEME_FAKE_HEAD)
		return a->rcu_sync == b->rcu_sync;
	if (a->scheme == HVO_SCHEME_NONE)
		return true;
	return a->tail_scope == b->tail_scope && a->tail_alloc == b->tail_alloc &&
	       a->tail_lifetime == b->tail_lifetime;
}

/* every scheme and knob combination of the built-in scenarios, once; under
 * HVOSIM_SWEEP_STRIDE every s-th shared-tail one */
static unsigned int variants(struct hvo_config *out)
{
	unsigned int s, i, j, n = 0, kept = 0, shared = 0, stride = hvotest_sweep_stride();
	struct hvo_config all[MAX_VARIANTS], v[32];

	for (s = 0; s < hvo_scenario_count(); s++) {
		unsigned int m = hvo_scenario_variants(hvo_scenario_get(s), v, 32);

		assert_true(m > 0 && m <= 32);
		for (i = 0; i < m; i++) {
			for (j = 0; j < n && !same_variant(&all[j], &v[i]); j++)
				;
			assert_true(n < MAX_VARIANTS);
			if (j == n)
				all[n++] = v[i];
		}
	}
	for (i = 0; i < n; i++)
		if (all[i].scheme != HVO_SCHEME_SHARED_TAIL || !(shared++ % stride))
			out[kept++] = all[i];
	return kept;
}

static const char *vname(const struct hvo_config *cfg)
{
	static char buf[160];

	return hvo_scenario_variant_name(cfg, buf, sizeof(buf)) + strlen("--scheme ");
}

static bool hvo_known_bad(const struct hvo_config *v)
{
	return v->scheme == HVO_SCHEME_FAKE_HEAD && !v->rcu_sync;
}

/* ---- one position, one sweep ---- */

/* k < 0: "a*b*", the walker alone first, which counts its steps */
static void run_position(const struct hvo_config *cfg, const struct hvo_scenario *sc,
			 struct stall *st, int k, char *replay, size_t len,
			 struct hvo_explore_result *r)
{
	struct hvo_explore_opts o;
	int e;

	if (k < 0)
		snprintf(replay, len, "replay:a*b*");
	else if (k == 0)
		snprintf(replay, len, "replay:b*a*b*");
	else
		snprintf(replay, len, "replay:a%db*a*b*", k);
	memset(&o, 0, sizeof(o));
	assert_int_equal(hvo_explore_parse_strategy(replay, &o), 0);
	o.runs = 1;
	o.seed = 1;
	o.trace = true;		/* the schedule it took, also without a finding */
	st->result = INT_MIN;
	st->step = 0;
	e = hvo_explore(cfg, sc, &o, r);
	if (e)
		failf("hvo_explore(%s): %d (%s)", replay, e, hvo_last_error());
	assert_non_null(r->schedule);
}

/* the leading run of thread a in a schedule string: "a7b20" -> 7 */
static unsigned int steps_of(const char *sched)
{
	if (sched[0] != 'a')
		return 0;
	return sched[1] >= '0' && sched[1] <= '9' ? (unsigned int)atoi(sched + 1) : 1;
}

/* the writer ran again after the walker had: it waited for it ("a3b5a4b9") */
static bool writer_waited(const char *sched)
{
	unsigned int seg = 0;
	char prev = 0;

	for (; *sched; sched++) {
		if (*sched < 'a' || *sched == prev)
			continue;
		prev = *sched;
		seg = seg || prev == 'b' ? seg + 1 : 0;
	}
	return seg >= 3;
}

/*
 * One letter per position: n noref, g got, r raced (the correct outcomes);
 * W a write through a read-only PTE, H a reference the oracle rejects,
 * L a reference left behind (or the change went wrong), F another fault
 * record, ! any other finding.
 */
static char outcome_char(const struct hvo_explore_result *r, const struct stall *st)
{
	switch (r->kind) {
	case HVO_FINDING_NONE:
		return st->result >= 0 && st->result < 3 ? "ngr"[st->result] : '!';
	case HVO_FINDING_FAULT:
		return strstr(r->message, " ro-write ") ? 'W' :
		       strstr(r->message, " walker ") ? 'H' : 'F';
	case HVO_FINDING_FINAL:
		return 'L';
	default:
		return '!';
	}
}

static bool failed(char c)
{
	return !strchr("ngr", c);
}

struct sweep {
	unsigned int n;			/* the walker's steps, alone */
	char cell[MAX_K + 2];		/* outcome_char() per k */
	unsigned int fails, waits, res[3];
	int first;			/* the first failing k, or -1 */
	char why[600];			/* its finding */
};

struct walk {
	const struct hvo_config *v;
	enum op op;
	enum hvo_walk_mode mode;
	unsigned int flags;
};

static const char *walk_name(const struct walk *w, char *buf, size_t len)
{
	snprintf(buf, len, "%-50s %-8s %-5s %-10s", vname(w->v), op_name[w->op],
		 w->mode == HVO_WALK_PAGE ? "page" : "folio",
		 w->flags == HVO_WALK_NO_RCU ? "no-rcu" :
		 w->flags == HVO_WALK_NO_RECHECK ? "no-recheck" : "correct");
	return buf;
}

static void hook_count(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	unsigned int *n = ctx;

	(void)addr;
	n[p]++;
}

/*
 * The walker alone, on a machine of its own with a yield hook: its yield
 * points are the n - 1 it stops at in the explorer (each a scheduling
 * point), then the writer and the final check as position n has them.
 */
static void count_yields(const struct hvo_config *cfg, struct stall *st, unsigned int n)
{
	unsigned int yields[HVO_NR_YIELD_POINTS] = { 0 }, i, total = 0;
	struct sdata d = { 0 };
	struct srun run = { 0 };
	struct hvo_scenario_ctx c = { .priv = st, .data = &d, .run = &run, .nr_threads = 2 };
	char msg[256] = "";

	c.sim = sim_new(cfg);
	assert_int_equal(stall_setup(&c), 0);
	hvo_sim_set_yield_hook(c.sim, hook_count, yields);
	walker(&c);
	hvo_sim_set_yield_hook(c.sim, NULL, NULL);
	for (i = 0; i < HVO_NR_YIELD_POINTS; i++)
		if (STALL_POINTS & HVO_EXPLORE_POINT(i))
			total += yields[i];
	assert_int_equal(yields[HVO_YP_PAGE_STORE], 0);
	assert_int_equal(total + 1, n);
	writer(&c);
	if (stall_check(&c, msg, sizeof(msg)))
		failf("the walker alone, then the writer: %s", msg);
	hvo_fault_log_clear(c.sim);
	sim_done(c.sim);
}

/* run position k again with the state drawn before every step, and print
 * it all: the replay string, the schedule and seed it ran, the finding */
static void show_position(const struct walk *w, int k, const char *title)
{
	struct stall st = { .op = w->op, .mode = w->mode, .flags = w->flags, .draw = true };
	struct hvo_explore_result r;
	struct hvo_scenario sc;
	struct hvo_config cfg;
	char replay[48], name[160];

	machine(&cfg, w->v, w->op);
	scenario_of(&sc, &st);
	run_position(&cfg, &sc, &st, k, replay, sizeof(replay), &r);
	print_message("# %s: %s, position k=%d\n#   %s (ran as schedule %s, seed %#" PRIx64
		      ")\n#   %s%s%s; the walk returned %s\n", title, walk_name(w, name,
		      sizeof(name)), k, replay, r.schedule, r.seed, hvo_finding_name(r.kind),
		      r.kind ? ": " : "", r.kind ? r.message : "", result_name(st.result));
	print_drawn_trace(&st, r.trace);
	drawings_free(&st);
	hvo_explore_result_free(&r);
}

static void record(struct sweep *sw, int k, const struct hvo_explore_result *r,
		   const struct stall *st, const char *replay)
{
	char c = outcome_char(r, st);

	sw->cell[k] = c;
	sw->waits += writer_waited(r->schedule);
	if (!failed(c)) {
		sw->res[st->result]++;
		return;
	}
	if (!sw->fails++) {
		sw->first = k;
		snprintf(sw->why, sizeof(sw->why), "k=%d %s (schedule %s): %s: %s", k, replay,
			 r->schedule, hvo_finding_name(r->kind), r->kind ? r->message : "?");
	}
}

/* every position of one walk against one change in one variant */
static void sweep(const struct walk *w, struct sweep *sw)
{
	struct stall st = { .op = w->op, .mode = w->mode, .flags = w->flags };
	struct hvo_explore_result r;
	struct hvo_scenario sc;
	struct hvo_config cfg;
	char replay[48], name[160];
	int k;

	memset(sw, 0, sizeof(*sw));
	sw->first = -1;
	machine(&cfg, w->v, w->op);
	scenario_of(&sc, &st);
	run_position(&cfg, &sc, &st, -1, replay, sizeof(replay), &r);
	sw->n = steps_of(r.schedule);
	if (sw->n < 2 || sw->n > MAX_K)
		failf("%s: the walker alone took %u steps (schedule %s)",
		      walk_name(w, name, sizeof(name)), sw->n, r.schedule);
	record(sw, (int)sw->n, &r, &st, replay);
	hvo_explore_result_free(&r);
	count_yields(&cfg, &st, sw->n);
	for (k = 0; k < (int)sw->n; k++) {
		run_position(&cfg, &sc, &st, k, replay, sizeof(replay), &r);
		record(sw, k, &r, &st, replay);
		hvo_explore_result_free(&r);
	}
	sw->cell[sw->n + 1] = 0;
	print_message("# %s k=0..%-2u %s%s\n", walk_name(w, name, sizeof(name)), sw->n,
		      sw->cell, sw->waits ? "  (the writer waited for the walker)" : "");
}

/* the letters' key, once per test */
static void print_key(void)
{
	print_message("# one letter per position k (the walker stopped at its k-th scheduling "
		      "point): n noref, g got, r raced; W write through a read-only PTE, H a "
		      "reference the oracle rejects, L a reference left behind, F another "
		      "fault, ! another finding\n");
}

/* ---- the tests ---- */

struct tally {
	unsigned int sweeps, positions, fails, raced, waits, shown;
	uint64_t failk[NR_OPS][2];	/* failing positions (bit k) by op and mode */
	char kinds[16];			/* the failures' letters */
};

/* add a sweep; the first @show failures are drawn */
static void tally_add(struct tally *t, const struct walk *w, const struct sweep *sw,
		      unsigned int show, const char *title)
{
	unsigned int k;

	t->sweeps++;
	t->positions += sw->n + 1;
	t->fails += sw->fails;
	t->raced += sw->res[HVO_WALK_RACED];
	t->waits += sw->waits;
	for (k = 0; k <= sw->n && sw->fails; k++) {
		if (!failed(sw->cell[k]))
			continue;
		t->failk[w->op][w->mode] |= 1ull << k;
		if (!strchr(t->kinds, sw->cell[k]) && strlen(t->kinds) < sizeof(t->kinds) - 1)
			t->kinds[strlen(t->kinds)] = sw->cell[k];
	}
	if (sw->fails && t->shown < show) {
		t->shown++;
		show_position(w, sw->first, title);
	}
}

/* "optimize page k=3,4; ..." for the failing positions */
static void print_failing(const struct tally *t, const char *who)
{
	char buf[512] = "";
	unsigned int op, mode, k;

	for (op = 0; op < NR_OPS; op++)
		for (mode = 0; mode < 2; mode++) {
			if (!t->failk[op][mode])
				continue;
			snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%s%s %s k=", *buf ?
				 "; " : "", op_name[op], mode ? "folio" : "page");
			for (k = 0; k <= MAX_K; k++)
				if (t->failk[op][mode] & (1ull << k))
					snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), "%u,",
						 k);
			buf[strlen(buf) - 1] = 0;
		}
	print_message("# %s: %u sweeps, %u positions, %u failed (%s) at: %s\n", who, t->sweeps,
		      t->positions, t->fails, *t->kinds ? t->kinds : "-", *buf ? buf : "none");
}

/* the correct walker passes every position of every change in every
 * variant whose HVO side is correct */
static void test_correct_walker(void **state)
{
	struct hvo_config v[MAX_VARIANTS];
	unsigned int n = variants(v), i, op, mode;
	struct tally all = { 0 };

	(void)state;
	print_key();
	for (i = 0; i < n; i++) {
		struct tally t = { 0 };
		unsigned int opt_waits = 0;

		if (hvo_known_bad(&v[i]))
			continue;
		for (op = 0; op < NR_OPS; op++)
			for (mode = HVO_WALK_PAGE; mode <= HVO_WALK_FOLIO; mode++) {
				struct walk w = { &v[i], op, mode, 0 };
				struct sweep sw;

				sweep(&w, &sw);
				tally_add(&t, &w, &sw, 2, "FAILED: the correct walker");
				if (op == OP_OPTIMIZE)
					opt_waits += sw.waits;
			}
		/* the recheck had something to catch */
		if (!t.raced)
			failf("%s: no position raced", vname(&v[i]));
		/* bd225530a4c7's synchronize_rcu() waited for the walker */
		if (v[i].scheme == HVO_SCHEME_FAKE_HEAD && !opt_waits)
			failf("%s: the optimize never waited for the walker", vname(&v[i]));
		all.sweeps += t.sweeps;
		all.positions += t.positions;
		all.fails += t.fails;
	}
	print_message("# the correct walker: %u sweeps, %u positions, %u failed\n", all.sweeps,
		      all.positions, all.fails);
	assert_int_equal(all.fails, 0);
	assert_true(all.sweeps >= 3 * NR_OPS * 2);
}

#define OP_BIT(op) (1u << (op))

/* @flags in the variants @pick chooses, every change (under
 * HVOSIM_SWEEP_STRIDE only those in @fails, where the flaw shows), both
 * modes: the failing positions, one of them drawn */
static struct tally known_bad(unsigned int flags, bool (*pick)(const struct hvo_config *),
			      unsigned int fails, const char *who)
{
	struct hvo_config v[MAX_VARIANTS];
	unsigned int n = variants(v), i, op, mode, picked = 0;
	unsigned int ops = hvotest_sweep_stride() > 1 ? fails : OP_BIT(NR_OPS) - 1;
	struct tally t = { 0 };

	print_key();
	for (i = 0; i < n; i++) {
		if (!pick(&v[i]))
			continue;
		picked++;
		for (op = 0; op < NR_OPS; op++)
			for (mode = HVO_WALK_PAGE; mode <= HVO_WALK_FOLIO && (ops & OP_BIT(op));
			     mode++) {
				struct walk w = { &v[i], op, mode, flags };
				struct sweep sw;

				sweep(&w, &sw);
				tally_add(&t, &w, &sw, 1, who);
			}
	}
	assert_true(picked > 0);
	print_failing(&t, who);
	return t;
}

static bool fake_head_rcu(const struct hvo_config *v)
{
	return v->scheme == HVO_SCHEME_FAKE_HEAD && v->rcu_sync;
}

static bool hvo_correct(const struct hvo_config *v)
{
	return !hvo_known_bad(v);
}

/* without its RCU read side, the fake-head walker's add lands on the fake
 * head HVO remapped read-only after the walker's check: a write through a
 * read-only PTE, in optimize and nowhere else */
static void test_no_rcu_walker(void **state)
{
	struct tally t = known_bad(HVO_WALK_NO_RCU, fake_head_rcu, OP_BIT(OP_OPTIMIZE),
				   "HVO_WALK_NO_RCU");

	(void)state;
	assert_true(t.failk[OP_OPTIMIZE][HVO_WALK_PAGE] | t.failk[OP_OPTIMIZE][HVO_WALK_FOLIO]);
	assert_string_equal(t.kinds, "W");
}

/* without its recheck, the folio walker keeps the demoted or dissolved 32M
 * head for a page of another folio: the oracle's "wrong head" */
static void test_no_recheck_walker(void **state)
{
	struct tally t = known_bad(HVO_WALK_NO_RECHECK, hvo_correct,
				   OP_BIT(OP_DEMOTE) | OP_BIT(OP_DISSOLVE), "HVO_WALK_NO_RECHECK");

	(void)state;
	assert_true(t.failk[OP_DEMOTE][HVO_WALK_FOLIO] != 0);
	assert_true(t.failk[OP_DISSOLVE][HVO_WALK_FOLIO] != 0);
	assert_string_equal(t.kinds, "H");
}

/* fake-head without its RCU synchronisation is the kernel before
 * bd225530a4c7: HVO does not wait for walkers, and the correct walker
 * writes through the fake head */
static void test_hvo_without_rcu(void **state)
{
	struct tally t = known_bad(0, hvo_known_bad, OP_BIT(OP_OPTIMIZE),
				   "fake-head --rcu-sync off");

	(void)state;
	assert_true(t.failk[OP_OPTIMIZE][HVO_WALK_PAGE] | t.failk[OP_OPTIMIZE][HVO_WALK_FOLIO]);
	assert_string_equal(t.kinds, "W");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_teardown(test_correct_walker, cleanup),
		cmocka_unit_test_teardown(test_no_rcu_walker, cleanup),
		cmocka_unit_test_teardown(test_no_recheck_walker, cleanup),
		cmocka_unit_test_teardown(test_hvo_without_rcu, cleanup),
	};

	return cmocka_run_group_tests_name("walker_stall", tests, NULL, NULL);
}
