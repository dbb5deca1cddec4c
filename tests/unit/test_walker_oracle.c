// SPDX-License-Identifier: MIT
/*
 * test_walker_oracle.c - the reader-side oracle: a speculative walker is
 * stalled at each of its steps in turn while the folio under it changes,
 * and what it then believes it holds is held against the pool.
 *
 * Four changes, in every scheme, under a walker in both modes (PAGE:
 * get_page_unless_zero(pfn_to_page()), FOLIO: folio_try_get(page_folio()))
 * stalled at its k-th yield point for k = 0, 1, ... until it runs out of
 * steps:
 *   optimize  the walked page is a plain page in use; it is freed, the pool
 *             takes its block and optimizes it, and the folio is taken for
 *             use: the page becomes a tail (in fake-head, a read-only fake
 *             head of a folio with refcount 1): the exact race of
 *             bd225530a4c7 ("mm/hugetlb_vmemmap: fix race with speculative
 *             PFN walkers");
 *   restore   the walked page is a tail of a free folio; the folio is
 *             restored and taken for use;
 *   demote    the walked page is a tail of a free 32M folio; it is demoted
 *             to 2M folios and they are all taken for use, so the 32M head
 *             the walker computed is the head of another folio now;
 *   dissolve  the same 32M folio is dissolved and its memory (the only
 *             free memory of ZONE_MOVABLE, where the pool allocates first)
 *             grown back as 2M folios, all taken for use.
 * The correct walker passes every step: no fault of any kind (no write
 * through a read-only PTE, no reference the oracle rejects), no reference
 * left behind (every folio's refcount is its owner's alone afterwards),
 * and a clean hvo_check().  The known-bad walkers of hvo_walk_pfn_flags()
 * fail: without its RCU read side the fake-head walker writes through the
 * fake head (the step between its fake-head check and its add), without
 * its recheck the FOLIO walker keeps a reference on the demoted or
 * dissolved 32M head for a page that is another folio's (the oracle's
 * "wrong head").
 *
 * The stall is a baton on real threads, so the sanitizers see it: the
 * walker runs alone up to its k-th yield and parks; the main thread runs
 * the change alone; if the change waits for a grace period while the
 * walker is parked inside its RCU read-side section, the walker runs to
 * its end first (what the grace period waits for); otherwise the walker
 * runs to its end after the change.  Only one thread runs at a time and
 * they switch only at yield points: every run is one fixed interleaving.
 */
#include <pthread.h>

#include "hvotest_hvo.h"

/* ---- the stepper ---- */

struct stepper {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hvo_sim *sim;
	unsigned int stall_at;		/* the walker parks at its stall_at-th yield */
	unsigned int yields;
	bool parked, released, done;
	bool entering_rcu, in_rcu;	/* the walker's RCU read side */
	bool parked_in_rcu;
	bool released_by_gp;		/* let go by the main thread's grace period */
	/* the walk */
	uint64_t pfn;
	enum hvo_walk_mode mode;
	unsigned int flags;
	int result;
	pthread_t thread;
};

static _Thread_local bool is_walker;

static void step_release(struct stepper *st, bool wait_done)
{
	pthread_mutex_lock(&st->lock);
	st->released = true;
	pthread_cond_broadcast(&st->cond);
	while (wait_done && !st->done)
		pthread_cond_wait(&st->cond, &st->lock);
	pthread_mutex_unlock(&st->lock);
}

static void step_walker_yield(struct stepper *st, enum hvo_yield_point p, uint64_t addr)
{
	/* hvo__rcu_read_lock() yields before it enters the section, _unlock()
	 * after it left: the section starts after an (RCU, 0) yield */
	if (st->entering_rcu)
		st->in_rcu = true;
	st->entering_rcu = p == HVO_YP_RCU && addr == 0 && !st->in_rcu;
	if (p == HVO_YP_RCU && addr == 1)
		st->in_rcu = false;
	pthread_mutex_lock(&st->lock);
	if (!st->released && st->yields++ == st->stall_at) {
		st->parked = true;
		st->parked_in_rcu = st->in_rcu;
		pthread_cond_broadcast(&st->cond);
		while (!st->released)
			pthread_cond_wait(&st->cond, &st->lock);
	}
	pthread_mutex_unlock(&st->lock);
}

static void step_hook(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	struct stepper *st = ctx;

	if (is_walker) {
		step_walker_yield(st, p, addr);
		return;
	}
	/* the main thread is about to wait for a grace period that the parked
	 * walker's read-side section holds up: the walker finishes first */
	if (p == HVO_YP_RCU && st->parked && !st->released && st->parked_in_rcu) {
		st->released_by_gp = true;
		step_release(st, true);
	}
}

static void *step_thread(void *arg)
{
	struct stepper *st = arg;

	is_walker = true;
	st->result = hvo_walk_pfn_flags(st->sim, st->pfn, st->mode, st->flags);
	pthread_mutex_lock(&st->lock);
	st->done = true;
	pthread_cond_broadcast(&st->cond);
	pthread_mutex_unlock(&st->lock);
	return NULL;
}

/* start the walker; true once it is parked, false if it ended first */
static bool step_start(struct stepper *st)
{
	bool parked;

	pthread_mutex_init(&st->lock, NULL);
	pthread_cond_init(&st->cond, NULL);
	hvo_sim_set_yield_hook(st->sim, step_hook, st);
	assert_int_equal(pthread_create(&st->thread, NULL, step_thread, st), 0);
	pthread_mutex_lock(&st->lock);
	while (!st->parked && !st->done)
		pthread_cond_wait(&st->cond, &st->lock);
	parked = st->parked;
	pthread_mutex_unlock(&st->lock);
	return parked;
}

static void step_finish(struct stepper *st)
{
	step_release(st, false);
	assert_int_equal(pthread_join(st->thread, NULL), 0);
	hvo_sim_set_yield_hook(st->sim, NULL, NULL);
	pthread_cond_destroy(&st->cond);
	pthread_mutex_destroy(&st->lock);
}

/* ---- the scenarios ---- */

enum change { CH_OPTIMIZE, CH_RESTORE, CH_DEMOTE, CH_DISSOLVE, NR_CHANGES };

static const char *const change_name[NR_CHANGES] = {
	"optimize", "restore", "demote", "dissolve",
};

#define NR_SMALL 16	/* 2M folios in 32M */
#define MAX_DRAIN 128

struct scen {
	enum hvo_scheme scheme;
	enum change ch;
	struct hvo_sim *sim;
	unsigned int h2, h32;
	uint64_t pfn;			/* walked */
	uint64_t base;			/* the block, folio or 32M folio walked */
	uint64_t used[NR_SMALL];	/* folios taken for use */
	unsigned int nused;
	uint64_t drained[MAX_DRAIN];	/* dissolve: ZONE_MOVABLE's other blocks */
	unsigned int ndrained;
	bool kept;			/* optimize: the walker's reference kept the page */
	const char *broken;		/* the change could not be made as planned */
};

static uint64_t page_of(struct scen *sc, uint64_t pfn)
{
	return hvo_pfn_to_page(sc->sim, pfn);
}

static uint64_t the_folio(struct scen *sc, unsigned int h)
{
	uint64_t pfn = 0;

	assert_int_equal(hvo_folio_list(sc->sim, h, &pfn, 1), 1);
	return pfn;
}

static void scen_setup(struct scen *sc)
{
	struct hvo_config c;
	uint64_t x;

	cfg_make(&c, 12, 64, sc->scheme, 1, 256 * MiB);
	c.fault_policy = HVO_FAULT_RECORD;
	c.cont_hstates = true;
	if (sc->ch == CH_DISSOLVE) {
		c.node_movable_bytes[0] = 64 * MiB;
		/* the 32M folio is gigantic: only with the sysctl may it come
		 * from ZONE_MOVABLE (hugepage_movable_supported()) */
		c.movable_gigantic_pages = true;
	}
	sc->sim = sim_new(&c);
	sc->h2 = hstate_of(sc->sim, 2 * MiB);
	sc->h32 = hstate_of(sc->sim, 32 * MiB);
	switch (sc->ch) {
	case CH_OPTIMIZE:
		/* a plain page in use, at the first fake-head position of the
		 * folio its block will become */
		assert_int_equal(hvo_alloc_frames(sc->sim, 0, 9, HVO_KIND_OTHER, 0, &sc->base), 0);
		assert_int_equal(hvo_page_ref_add(sc->sim, page_of(sc, sc->base + 64), 1, NULL), 0);
		sc->pfn = sc->base + 64;
		break;
	case CH_RESTORE:
		assert_int_equal(hvo_pool_grow(sc->sim, sc->h2, 0, 1, NULL), 0);
		sc->base = the_folio(sc, sc->h2);
		sc->pfn = sc->base + 64;
		break;
	default:
		assert_int_equal(hvo_pool_grow(sc->sim, sc->h32, 0, 1, NULL), 0);
		sc->base = the_folio(sc, sc->h32);
		/* a fake-head position of the second 2M folio of the demote */
		sc->pfn = sc->base + 512 + 64;
		if (sc->ch != CH_DISSOLVE)
			break;
		assert_int_equal(finfo(sc->sim, sc->base).zone, HVO_ZONE_MOVABLE);
		while (sc->ndrained < MAX_DRAIN &&
		       hvo_alloc_frames_zone(sc->sim, 0, HVO_ZONE_MOVABLE, 9, HVO_KIND_OTHER,
					     0, &x) == 0)
			sc->drained[sc->ndrained++] = x;
		assert_true(sc->ndrained < MAX_DRAIN);
		break;
	}
}

/* take every free 2M folio for use */
static void take_all_small(struct scen *sc)
{
	uint64_t pfn;

	while (sc->nused < NR_SMALL && hvo_folio_alloc(sc->sim, sc->h2, 0, &pfn) == 0)
		sc->used[sc->nused++] = pfn;
	if (sc->nused != NR_SMALL)
		sc->broken = "not 16 2M folios";
}

/* the change, on the main thread while the walker is parked: no cmocka
 * assertion here (the walker would stay parked): sc->broken says what
 * went wrong */
static void scen_change(struct scen *sc)
{
	uint64_t pfn = 0, done = 0;
	int32_t v = -1;
	unsigned int i;

	switch (sc->ch) {
	case CH_OPTIMIZE:
		hvo_page_ref_add(sc->sim, page_of(sc, sc->pfn), -1, &v);
		if (v) {
			sc->kept = true;	/* a referenced page is not freed */
			return;
		}
		if (hvo_free_frames(sc->sim, sc->base, 9) ||
		    hvo_pool_grow(sc->sim, sc->h2, 0, 1, NULL) ||
		    hvo_folio_alloc(sc->sim, sc->h2, 0, &pfn) || pfn != sc->base)
			sc->broken = "the pool did not take the freed block";
		else
			sc->used[sc->nused++] = pfn;
		return;
	case CH_RESTORE:
		if ((sc->scheme != HVO_SCHEME_NONE && hvo_folio_restore(sc->sim, sc->base)) ||
		    hvo_folio_alloc(sc->sim, sc->h2, 0, &pfn) || pfn != sc->base)
			sc->broken = "restore and take";
		else
			sc->used[sc->nused++] = pfn;
		return;
	case CH_DEMOTE:
		if (hvo_demote(sc->sim, sc->h32, sc->h2, 0, 1, &done) || done != 1)
			sc->broken = "demote";
		else
			take_all_small(sc);
		return;
	default:
		if (hvo_folio_dissolve(sc->sim, sc->base) ||
		    hvo_pool_grow(sc->sim, sc->h2, 0, NR_SMALL, NULL))
			sc->broken = "dissolve and grow";
		else
			take_all_small(sc);
		for (i = 0; i < sc->nused; i++)
			if (sc->used[i] - sc->base >= NR_SMALL * 512)
				sc->broken = "a 2M folio outside the dissolved 32M";
		return;
	}
}

static int32_t refcount_of(struct scen *sc, uint64_t pfn)
{
	int32_t ref = -1;

	assert_int_equal(hvo_page_refcount(sc->sim, page_of(sc, pfn), &ref), 0);
	return ref;
}

/* what one run left, after the walker's end: no reference of the walker's
 * anywhere, then everything given back, the checker clean */
static void scen_finish(struct scen *sc)
{
	unsigned int i;

	if (sc->broken)
		failf("%s/%s: the change went wrong: %s", hvo_scheme_name(sc->scheme),
		      change_name[sc->ch], sc->broken);
	for (i = 0; i < sc->nused; i++)
		if (refcount_of(sc, sc->used[i]) != 1)
			failf("%s/%s: folio %#" PRIx64 " has refcount %d after the walk, not "
			      "its owner's 1", hvo_scheme_name(sc->scheme), change_name[sc->ch],
			      sc->used[i], refcount_of(sc, sc->used[i]));
	if (sc->ch == CH_OPTIMIZE && sc->kept)
		assert_int_equal(refcount_of(sc, sc->pfn), 0);
	for (i = 0; i < sc->nused; i++)
		assert_int_equal(hvo_folio_put(sc->sim, sc->used[i]), 0);
	if (sc->ch == CH_OPTIMIZE && sc->kept)
		assert_int_equal(hvo_free_frames(sc->sim, sc->base, 9), 0);
	for (i = 0; i < sc->ndrained; i++)
		assert_int_equal(hvo_free_frames(sc->sim, sc->drained[i], 9), 0);
	check_clean(sc->sim, "after the walk");
}

/* ---- one walker variant over every step ---- */

struct tally {
	unsigned int runs, gp_releases;
	unsigned int res[4];
	unsigned int ro_faults, walker_faults, other_faults;
	struct hvo_fault first_walker;
};

static void count_faults(struct scen *sc, struct tally *t)
{
	uint64_t i, n = hvo_fault_log_count(sc->sim);
	struct hvo_fault f;

	for (i = 0; i < n; i++) {
		assert_int_equal(hvo_fault_log_get(sc->sim, i, &f), 0);
		if (f.type == HVO_FAULT_RO_WRITE) {
			t->ro_faults++;
		} else if (f.type == HVO_FAULT_WALKER) {
			if (!t->walker_faults++)
				t->first_walker = f;
		} else {
			t->other_faults++;
		}
	}
	hvo_fault_log_clear(sc->sim);
}

static void one_run(enum hvo_scheme scheme, enum change ch, enum hvo_walk_mode mode,
		    unsigned int flags, unsigned int k, struct tally *t, bool *more)
{
	struct scen sc = { .scheme = scheme, .ch = ch };
	struct stepper st = { .stall_at = k, .mode = mode, .flags = flags };
	bool parked;

	scen_setup(&sc);
	st.sim = sc.sim;
	st.pfn = sc.pfn;
	parked = step_start(&st);
	/* a walker that ended before its k-th yield saw the change after it */
	if (parked)
		scen_change(&sc);
	step_finish(&st);
	if (!parked)
		scen_change(&sc);
	*more = parked;
	assert_true(st.result >= 0 && st.result < 4);
	t->runs++;
	t->res[st.result]++;
	t->gp_releases += st.released_by_gp;
	count_faults(&sc, t);
	scen_finish(&sc);
	sim_done(sc.sim);
}

static struct tally sweep(enum hvo_scheme scheme, enum change ch, enum hvo_walk_mode mode,
			  unsigned int flags)
{
	struct tally t = { 0 };
	bool more = true;
	unsigned int k;
	char buf[256];

	for (k = 0; more; k++)
		one_run(scheme, ch, mode, flags, k, &t, &more);
	print_message("# %-11s %-8s %-5s %-10s %2u steps: noref %u got %u raced %u fault %u; "
		      "faults ro %u walker %u; grace periods waited %u\n",
		      hvo_scheme_name(scheme), change_name[ch], mode == HVO_WALK_PAGE ? "page" :
		      "folio", flags == HVO_WALK_NO_RCU ? "no-rcu" : flags == HVO_WALK_NO_RECHECK ?
		      "no-recheck" : "correct", t.runs, t.res[HVO_WALK_NOREF],
		      t.res[HVO_WALK_GOT], t.res[HVO_WALK_RACED], t.res[HVO_WALK_FAULT],
		      t.ro_faults, t.walker_faults, t.gp_releases);
	if (t.walker_faults)
		print_message("#   first: %s\n", hvo_fault_format(&t.first_walker, buf,
								    sizeof(buf)));
	return t;
}

static enum hvo_scheme scheme_of(void **state)
{
	return *(const enum hvo_scheme *)*state;
}

/* the correct walker passes every step of every change, in both modes */
static void test_correct_walker(void **state)
{
	enum hvo_scheme scheme = scheme_of(state);
	unsigned int ch, mode, raced = 0;

	for (ch = 0; ch < NR_CHANGES; ch++)
		for (mode = HVO_WALK_PAGE; mode <= HVO_WALK_FOLIO; mode++) {
			struct tally t = sweep(scheme, ch, mode, 0);

			assert_true(t.runs >= 2);
			assert_int_equal(t.ro_faults + t.walker_faults + t.other_faults, 0);
			assert_int_equal(t.res[HVO_WALK_FAULT], 0);
			if (ch >= CH_DEMOTE && mode == HVO_WALK_FOLIO)
				raced += t.res[HVO_WALK_RACED];
			/* bd225530a4c7's grace period waited for the walker */
			if (scheme == HVO_SCHEME_FAKE_HEAD && ch == CH_OPTIMIZE)
				assert_true(t.gp_releases > 0);
		}
	/* the recheck did have something to catch */
	assert_true(raced > 0);
}

/* without its recheck, the FOLIO walker keeps the demoted or dissolved
 * 32M head for a page of another folio: the oracle names the wrong head */
static void test_no_recheck_caught(void **state)
{
	enum hvo_scheme scheme = scheme_of(state);
	unsigned int ch;

	for (ch = CH_DEMOTE; ch <= CH_DISSOLVE; ch++) {
		struct tally t = sweep(scheme, ch, HVO_WALK_FOLIO, HVO_WALK_NO_RECHECK);

		assert_true(t.walker_faults > 0);
		assert_string_equal(t.first_walker.op, "walk: wrong head");
		assert_int_equal(t.ro_faults, 0);
	}
}

/* without its RCU read side the fake-head walker's add lands on the fake
 * head HVO remapped read-only after its check; in the other schemes there
 * is no read side to drop, and nothing to catch */
static void test_no_rcu_caught(void **state)
{
	enum hvo_scheme scheme = scheme_of(state);
	unsigned int mode;

	for (mode = HVO_WALK_PAGE; mode <= HVO_WALK_FOLIO; mode++) {
		struct tally t = sweep(scheme, CH_OPTIMIZE, mode, HVO_WALK_NO_RCU);

		if (scheme == HVO_SCHEME_FAKE_HEAD) {
			assert_true(t.ro_faults > 0);
			assert_true(t.res[HVO_WALK_FAULT] > 0);
		} else {
			assert_int_equal(t.ro_faults + t.walker_faults, 0);
		}
	}
}

static const enum hvo_scheme s_none = HVO_SCHEME_NONE;
static const enum hvo_scheme s_fake = HVO_SCHEME_FAKE_HEAD;
static const enum hvo_scheme s_shared = HVO_SCHEME_SHARED_TAIL;

#define S(fn, s) { .name = #fn "/" #s, .test_func = fn, .teardown_func = cleanup, \
		   .initial_state = (void *)&(s) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		S(test_correct_walker, s_none),
		S(test_correct_walker, s_fake),
		S(test_correct_walker, s_shared),
		S(test_no_recheck_caught, s_none),
		S(test_no_recheck_caught, s_fake),
		S(test_no_recheck_caught, s_shared),
		S(test_no_rcu_caught, s_fake),
		S(test_no_rcu_caught, s_shared),
	};

	return cmocka_run_group_tests_name("walker_oracle", tests, NULL, NULL);
}
