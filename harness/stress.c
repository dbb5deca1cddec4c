// SPDX-License-Identifier: MIT
/*
 * stress.c - the concurrency stress engine (see stress.h).
 *
 * Optimizer threads pick, per step, one of: take a folio for use and put it
 * back (alloc/free), grow the pool by one and shrink it by one (optimize and
 * restore), or demote a big folio and shrink the small pool again.  Walker
 * threads pick pfns at random, half of them at the PAGE_SIZE-aligned struct
 * pages where fake heads live, and take speculative references.  All
 * randomness comes from --seed; the interleaving is the OS's.
 */
#include <inttypes.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"
#include "stress.h"

struct shared {
	struct hvo_sim *sim;
	const struct stress_opts *o;
	_Atomic bool stop;
	unsigned int h_small, h_big;
	bool have_big;
	uint64_t nr_pfns;
	pthread_barrier_t start;
};

struct worker {
	pthread_t t;
	struct shared *sh;
	unsigned int id;
	uint64_t rng;
	/* results, read by the main thread after join */
	uint64_t grows, shrinks, takes, puts, demotes, errors;
	uint64_t walks, res[4];
};

/*
 * Hold a folio taken for use a little, so walkers see it in use: its user
 * reads its head's refcount a few times.  Not sched_yield(): with a walker
 * on the same CPU that hands the walker a whole time slice per take, and
 * the optimizer's rate measures the host's scheduler, not the simulator.
 */
static void hold_a_little(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn);
	int32_t ref;
	unsigned int k;

	for (k = 0; k < 16; k++)
		hvo_page_refcount(sim, head, &ref);
}

static void *optimizer(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	unsigned int nodes = hvo_sim_config(sh->sim)->nr_nodes;
	uint64_t n, pfn, ops = 0;

	pthread_barrier_wait(&sh->start);
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		unsigned int nid = (unsigned int)(cli_splitmix64(&w->rng) % nodes),
			     op = cli_splitmix64(&w->rng) % 16;

		if (sh->o->max_ops && ops++ >= sh->o->max_ops)
			break;
		if (op < 6) {
			if (hvo_folio_alloc(sh->sim, sh->h_small, (int)nid, &pfn) == 0) {
				w->takes++;
				hold_a_little(sh->sim, pfn);
				if (hvo_folio_put(sh->sim, pfn) == 0)
					w->puts++;
				else
					w->errors++;
			}
		} else if (op < 15 || !sh->have_big || !sh->o->demote) {
			if (hvo_pool_grow(sh->sim, sh->h_small, nid, 1, &n) == 0)
				w->grows++;
			if (hvo_pool_shrink(sh->sim, sh->h_small, nid, 1, &n) == 0)
				w->shrinks++;
		} else {
			struct hvo_hstate_info hs, hb;

			hvo_hstate_info(sh->sim, sh->h_small, &hs);
			hvo_hstate_info(sh->sim, sh->h_big, &hb);
			if (hvo_demote(sh->sim, sh->h_big, sh->h_small, nid, 1, &n) == 0) {
				w->demotes++;
				/* give the memory back as a big folio again */
				hvo_pool_shrink(sh->sim, sh->h_small, nid,
						1ull << (hb.order - hs.order), &n);
				hvo_pool_grow(sh->sim, sh->h_big, nid, 1, &n);
			}
		}
	}
	return NULL;
}

static void *walker(void *arg)
{
	struct worker *w = arg;
	struct shared *sh = w->sh;
	const struct hvo_geometry *g = hvo_sim_geometry(sh->sim);
	uint64_t per_page = g->page_size / g->stride, ops = 0;

	pthread_barrier_wait(&sh->start);
	while (!atomic_load_explicit(&sh->stop, memory_order_relaxed)) {
		uint64_t r = cli_splitmix64(&w->rng), pfn = r % sh->nr_pfns;
		int res;

		if (sh->o->max_ops && ops++ >= 16 * sh->o->max_ops)
			break;
		/* half the walks hit struct pages at PAGE_SIZE-aligned addresses,
		 * where the fake-head scheme's aliases of the head live */
		if ((r >> 62) & 1)
			pfn -= pfn % per_page;
		res = hvo_walk_pfn(sh->sim, pfn, (r >> 63) ? HVO_WALK_FOLIO : HVO_WALK_PAGE);
		w->walks++;
		if (res >= 0 && res < 4)
			w->res[res]++;
		else
			w->errors++;
	}
	return NULL;
}

/* the pools the optimizers cycle, and every vmemmap page touched once: its
 * struct pages are initialised on first use, and that one-off cost must not
 * land in the timed part */
static void stress_prepare(struct hvo_sim *sim, struct shared *sh)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t pfn, step = g->page_size / g->stride ? g->page_size / g->stride : 1;
	int h = hvo_hstate_find(sim, 2ull << 20);

	sh->h_small = h < 0 ? 0 : (unsigned int)h;
	sh->h_big = hvo_hstate_count(sim) - 1;
	sh->have_big = sh->h_big != sh->h_small;
	sh->nr_pfns = g->nr_pfns;
	for (pfn = 0; pfn < sh->nr_pfns; pfn += step)
		hvo_compound_head(sim, hvo_pfn_to_page(sim, pfn));
}

static void stress_start(struct shared *sh, struct worker *w, unsigned int nt)
{
	unsigned int i;

	pthread_barrier_init(&sh->start, NULL, nt + 1);
	for (i = 0; i < nt; i++) {
		w[i].sh = sh;
		w[i].id = i;
		w[i].rng = sh->o->seed * 0x100000001b3ull + i + 1;
		pthread_create(&w[i].t, NULL, i < sh->o->optimizers ? optimizer : walker, &w[i]);
	}
}

/* timed runs: wait out the duration (a progress line a second on a
 * terminal), then stop the workers; bounded runs (tests) end when every
 * worker has done its ops */
static void stress_wait(struct shared *sh, const struct hvo_stats *s0, double t0)
{
	const struct stress_opts *o = sh->o;
	double last = t0;

	while (!o->max_ops) {
		double now = cli_now();
		struct timespec ts = { 0, 20 * 1000 * 1000 };

		if (now - t0 >= o->duration)
			break;
		if (o->progress && now - last >= 1.0) {
			struct hvo_stats s;

			hvo_sim_stats(sh->sim, &s);
			cli_progress("  %.0fs: optimize %" PRIu64 " restore %" PRIu64 " faults %"
				     PRIu64, now - t0, s.optimize_done - s0->optimize_done,
				     s.restore_done - s0->restore_done,
				     hvo_fault_log_count(sh->sim));
			last = now;
		}
		nanosleep(&ts, NULL);
	}
	if (o->progress)
		cli_progress_end();
	if (!o->max_ops)
		atomic_store(&sh->stop, true);
}

static void stress_collect(struct hvo_sim *sim, const struct worker *w, unsigned int nt,
			   const struct hvo_stats *s0, struct stress_result *res)
{
	struct hvo_stats s1;
	struct hvo_report *rep;
	unsigned int i;

	hvo_sim_stats(sim, &s1);
	for (i = 0; i < nt; i++) {
		res->grows += w[i].grows;
		res->shrinks += w[i].shrinks;
		res->takes += w[i].takes;
		res->puts += w[i].puts;
		res->demotes += w[i].demotes;
		res->errors += w[i].errors;
		res->walks += w[i].walks;
		res->walk_noref += w[i].res[HVO_WALK_NOREF];
		res->walk_got += w[i].res[HVO_WALK_GOT];
		res->walk_raced += w[i].res[HVO_WALK_RACED];
		res->walk_fault += w[i].res[HVO_WALK_FAULT];
	}
	res->optimize = s1.optimize_done - s0->optimize_done;
	res->restore = s1.restore_done - s0->restore_done;
	res->sync_rcu = s1.synchronize_rcu_calls - s0->synchronize_rcu_calls;
	res->sync_rcu_ns = s1.synchronize_rcu_ns - s0->synchronize_rcu_ns;
	res->faults = hvo_fault_log_count(sim);
	rep = malloc(sizeof(*rep));
	res->violations = rep ? hvo_check(sim, rep) : -1;
	if (rep && res->violations > 0)
		hvo_report_print(rep, stderr);
	free(rep);
}

int stress_run(struct hvo_sim *sim, const struct stress_opts *o, struct stress_result *res)
{
	struct shared sh = { .sim = sim, .o = o };
	unsigned int nt = o->optimizers + o->walkers, i;
	struct worker *w = calloc(nt ? nt : 1, sizeof(*w));
	uint64_t *held = calloc(o->hold + 1, sizeof(*held)), nheld = 0;
	struct hvo_stats s0;
	double t0;

	memset(res, 0, sizeof(*res));
	if (!w || !held) {
		free(w);
		free(held);
		return -1;
	}
	stress_prepare(sim, &sh);
	/* folios in use for the whole run: fake heads with a live refcount */
	for (i = 0; i < o->hold; i++)
		if (hvo_folio_alloc(sim, sh.h_small, -1, &held[nheld]) == 0)
			nheld++;
	stress_start(&sh, w, nt);
	hvo_sim_stats(sim, &s0);
	pthread_barrier_wait(&sh.start);
	t0 = cli_now();
	stress_wait(&sh, &s0, t0);
	for (i = 0; i < nt; i++)
		pthread_join(w[i].t, NULL);
	res->seconds = cli_now() - t0;
	pthread_barrier_destroy(&sh.start);
	for (i = 0; i < nheld; i++)
		hvo_folio_put(sim, held[i]);
	stress_collect(sim, w, nt, &s0, res);
	free(w);
	free(held);
	return 0;
}

/* ---- first-optimize race rounds ---- */

struct race_arg {
	struct hvo_sim *sim;
	pthread_barrier_t *b;
	unsigned int h;
	bool shrink;
	long delay_ns;		/* before the grow, after the barrier */
};

static void widen(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	struct timespec ts = { 0, 2 * 1000 * 1000 };

	(void)ctx;
	(void)addr;
	/* like urcu's debug-yield: stall between reading the tail slot or its
	 * user count and acting on it, so the other thread lands in the window */
	if (p == HVO_YP_TAIL_SLOT_PUBLISH || p == HVO_YP_TAIL_USERS)
		nanosleep(&ts, NULL);
}

static void *race_thread(void *arg)
{
	struct race_arg *a = arg;
	uint64_t n;

	pthread_barrier_wait(a->b);
	if (a->delay_ns) {
		struct timespec ts = { a->delay_ns / 1000000000L, a->delay_ns % 1000000000L };

		nanosleep(&ts, NULL);
	}
	if (a->shrink)
		hvo_pool_shrink(a->sim, a->h, 0, 1, &n);
	else
		hvo_pool_grow(a->sim, a->h, 0, 1, &n);
	return NULL;
}

/*
 * Last-user rounds: the growers start 0, 1, 2 or 3 ms after the shrinker,
 * by round.  Started together, a grower whose fresh folio comes quickly
 * takes a user of the tail before the shrinker drops the last one, every
 * round (widen()'s 2 ms stalls are on both sides), and the 1 -> 0 path
 * that frees the tail never runs; a late grower lands in the shrinker's
 * window, or after it, where it allocates the tail again.
 */
static long last_user_delay(enum stress_race race, unsigned int round, unsigned int thread)
{
	if (race != STRESS_RACE_LAST_USER || thread == 0)
		return 0;
	return (long)(round % 4) * 1000000L;
}

const char *stress_race_name(enum stress_race race)
{
	return race == STRESS_RACE_LAST_USER ? "last-user" : "first-optimize";
}

int stress_race(const struct hvo_config *cfg, enum stress_race race, unsigned int threads,
		unsigned int rounds, bool inject, struct race_result *res)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	unsigned int r, i;

	memset(res, 0, sizeof(*res));
	if (!rep || threads < 2 || threads > 8) {
		free(rep);
		return -1;
	}
	for (r = 0; r < rounds; r++) {
		struct hvo_config c = *cfg;
		struct hvo_sim *sim;
		pthread_t t[8];
		pthread_barrier_t b;
		struct race_arg a[8];
		struct hvo_stats st;
		uint64_t n;
		int64_t v;
		int h;

		c.seed = cfg->seed + r;
		if (hvo_sim_create(&c, &sim)) {
			free(rep);
			return -1;
		}
		h = hvo_hstate_find(sim, 2ull << 20);
		if (h < 0)
			h = 0;
		/* last-user: one folio holds the tail; one thread restores it (the
		 * last user goes) while the others optimize new folios */
		if (race == STRESS_RACE_LAST_USER)
			hvo_pool_grow(sim, (unsigned int)h, 0, 1, &n);
		if (inject)
			hvo_sim_set_yield_hook(sim, widen, NULL);
		pthread_barrier_init(&b, NULL, threads);
		for (i = 0; i < threads; i++) {
			a[i] = (struct race_arg){ sim, &b, (unsigned int)h,
						  race == STRESS_RACE_LAST_USER && i == 0,
						  last_user_delay(race, r, i) };
			pthread_create(&t[i], NULL, race_thread, &a[i]);
		}
		for (i = 0; i < threads; i++)
			pthread_join(t[i], NULL);
		pthread_barrier_destroy(&b);
		hvo_sim_set_yield_hook(sim, NULL, NULL);
		v = hvo_check(sim, rep);
		hvo_sim_stats(sim, &st);
		res->races_lost += st.shared_tail_races;
		res->tails_freed += st.shared_tails_freed;
		res->faults += hvo_fault_log_count(sim);
		if (v > 0 || hvo_fault_log_count(sim)) {
			res->rounds_with_violations++;
			res->violations += v > 0 ? (uint64_t)v : 0;
		}
		res->rounds++;
		hvo_sim_destroy(sim);
	}
	free(rep);
	return 0;
}
