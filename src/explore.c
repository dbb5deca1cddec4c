// SPDX-License-Identifier: MIT
/*
 * explore.c - the schedule explorer's runs: simulated threads as fibers on
 * the calling thread, switched only at the library's yield points; and
 * every call of hvosim/explore.h, which checks its arguments here and
 * hands the rest to the file that does it (explore_strategy.c,
 * explore_trace.c, explore_scenarios.c, explore_variants.c, fiber.c).
 *
 * A run restores the machine to the end of the scenario's setup, lets every
 * fiber reach its first yield point, then loops: the strategy picks a
 * runnable thread, the main context switches to it, and it runs until its
 * next scheduling point (a step) or until its body returns.  After every
 * step the oracles run in the main context: the fault log, the scenario's
 * invariant, optionally hvo_check().
 *
 * Spins.  The library never blocks the OS thread on a lock a fiber could
 * hold: it trylocks and yields (epoch.c: the flush and grace-period locks),
 * and waits for readers by yielding too, always at a TLB-flush or RCU yield
 * point with address 0.  A thread that yields at such a point twice in a
 * row, with no other yield in between, has found what it waits for
 * unavailable: it is blocked until another thread makes a step that is not
 * a spin.  (Two flushes or grace periods back to back look the same; the
 * retry below lets such a thread go on.)  When every live thread is
 * blocked, each gets one retry; if all of them spin again with nothing
 * changed, that is a deadlock.
 *
 * ThreadSanitizer sees every fiber as a thread of its own (fiber.c), and
 * every switch here synchronises: TSan then checks the one interleaving
 * that actually ran, in the order it ran.  Switches without that edge would
 * let it report races between simulated threads, but also between the
 * fibers' shared thread-locals (the error message) and between a run and
 * the restore before the next one; races between simulated threads are
 * checked by the stress suite, on real threads.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "explore_dfs.h"
#include "explore_scenarios.h"
#include "explore_strategy.h"
#include "sim.h"
#include "explore_trace.h"
#include "explore_variants.h"

#define FIBER_STACK (256 * 1024)
/* the yield points epoch.c waits at */
#define SPIN_POINTS ((1u << HVO_YP_TLB_FLUSH) | (1u << HVO_YP_RCU))
#define DEFAULT_MAX_STEPS 100000

/* ---- the fibers ---- */

static void hook(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	struct hvo_explore *x = ctx;
	struct xthread *t = x->cur;
	bool spin;

	if (!t)
		return;		/* the main context: setup, checks */
	spin = t->last_p == (uint8_t)p && t->last_addr == addr && !addr &&
	       (SPIN_POINTS & (1u << p));
	t->last_p = (uint8_t)p;
	t->last_addr = addr;
	if (!spin && !(x->points & (1u << p)))
		return;
	t->at_p = (uint8_t)p;
	t->at_addr = addr;
	t->spun = spin;
	hvo__fiber_switch(&t->fib, &x->main, HVO_FIBER_SYNC);
}

/* a fiber's life: be ready for a run, run the body, say so, again */
static void thread_main(void *arg)
{
	struct xthread *t = arg;
	struct hvo_explore *x = t->x;

	for (;;) {
		hvo__fiber_switch(&t->fib, &x->main, HVO_FIBER_SYNC);
		x->sc->thread[t->id](&x->ctx[t->id]);
		t->done = true;
		t->at_p = YP_DONE;
		t->at_addr = 0;
	}
}

/* every fiber to the top of its loop, with a happens-before edge from the
 * restored machine (TSan) */
static void start_fibers(struct hvo_explore *x)
{
	unsigned int i;

	for (i = 0; i < x->n; i++) {
		struct xthread *t = &x->t[i];

		/* a body that returned waits at the top of its loop already; one
		 * left mid-call starts over, and runs to the top of the loop */
		if (t->dirty) {
			hvo__fiber_reset(&t->fib, true);
			x->cur = t;
			hvo__fiber_switch(&x->main, &t->fib, HVO_FIBER_SYNC);
			x->cur = NULL;
		}
		t->dirty = false;
		t->done = t->blocked = t->retried = t->spun = false;
		t->at_p = YP_START;
		t->at_addr = 0;
		t->last_p = YP_START;
		t->last_addr = 0;
	}
}

/* run thread t until its next scheduling point or the end of its body */
static void resume(struct hvo_explore *x, struct xthread *t)
{
	x->cur = t;
	hvo__fiber_switch(&x->main, &t->fib, HVO_FIBER_SYNC);
	x->cur = NULL;
}

/* ---- findings ---- */

__attribute__((format(printf, 3, 4)))
static void finding(struct hvo_explore *x, enum hvo_finding_kind kind, const char *fmt, ...)
{
	va_list ap;

	if (x->fkind != HVO_FINDING_NONE)
		return;
	x->fkind = kind;
	x->fstep = x->step;
	va_start(ap, fmt);
	vsnprintf(x->fmsg, sizeof(x->fmsg), fmt, ap);
	va_end(ap);
}

static void check_machine(struct hvo_explore *x, const char *when)
{
	int64_t v;

	hvo__track_pause(x->sim, x->snap, true);
	v = hvo_check(x->sim, x->rep);
	hvo__track_pause(x->sim, x->snap, false);
	if (v > 0) {
		const struct hvo_violation *vi = &x->rep->v[0];

		finding(x, HVO_FINDING_CHECK, "hvo_check() %s: %" PRId64 " violation(s); first: %s "
			"at %s: expected %s, found %s", when, v, vi->invariant, vi->where,
			vi->expected, vi->found);
	}
}

static void fault_message(struct hvo_explore *x, uint64_t first)
{
	struct hvo_fault f;
	char buf[256];

	if (hvo_fault_log_get(x->sim, first, &f))
		finding(x, HVO_FINDING_FAULT, "the fault log grew to %" PRIu64 " record(s)",
			hvo_fault_log_count(x->sim));
	else
		finding(x, HVO_FINDING_FAULT, "fault: %s", hvo_fault_format(&f, buf, sizeof(buf)));
}

/* the oracles after a step */
static void after_step(struct hvo_explore *x)
{
	uint64_t nf = hvo_fault_log_count(x->sim);
	char msg[256] = "";

	if (nf != x->faults) {
		x->trace[x->ntrace - 1].faults = nf - x->faults;
		fault_message(x, x->faults);
		x->faults = nf;
	}
	if (x->sc->invariant && x->sc->invariant(&x->ctx[x->n], msg, sizeof(msg)))
		finding(x, HVO_FINDING_INVARIANT, "invariant: %s", msg);
	if (x->o.check_every_step)
		check_machine(x, "after the step");
}

static void after_run(struct hvo_explore *x)
{
	char msg[256] = "";
	uint64_t leaks;

	check_machine(x, "at the end");
	leaks = hvo__snap_leaks(x->sim, msg, sizeof(msg));
	if (leaks)
		finding(x, HVO_FINDING_LEAK, "%" PRIu64 " leaked block(s); first: %s", leaks, msg);
	if (x->sc->check && x->sc->check(&x->ctx[x->n], msg, sizeof(msg)))
		finding(x, HVO_FINDING_FINAL, "final check: %s", msg);
}

/* ---- one run ---- */

/* room for @need elements, or -ENOMEM naming @what, *@p and *@cap kept */
static int grow(void **p, uint64_t *cap, uint64_t need, size_t elem, const char *what)
{
	uint64_t c = *cap ? *cap : 256;
	void *np;

	while (c < need)
		c *= 2;
	np = hvo__host_realloc(*p, c * elem);
	if (!np)
		return hvo__err(-ENOMEM, "explore: out of host memory for the %s (%" PRIu64
				" entries)", what, need);
	*p = np;
	*cap = c;
	return 0;
}

static uint32_t runnable_mask(struct hvo_explore *x, bool *retry)
{
	uint32_t m = 0, live = 0;
	unsigned int i;

	*retry = false;
	for (i = 0; i < x->n && i < HVO_EXPLORE_MAX_THREADS; i++) {
		if (x->t[i].done)
			continue;
		live |= 1u << i;
		if (!x->t[i].blocked)
			m |= 1u << i;
	}
	if (m || !live)
		return m;
	/* every live thread waits: each may look once more */
	for (i = 0; i < x->n && i < HVO_EXPLORE_MAX_THREADS; i++)
		if ((live & (1u << i)) && !x->t[i].retried)
			m |= 1u << i;
	*retry = m != 0;
	return m;
}

/*
 * After thread t's step: who is blocked now.  A step that ends in a spin
 * made progress unless it also began at one and changed nothing: a
 * retried thread whose step changed the machine (two flushes in a row look
 * like a spin) is not a deadlock.
 */
static void update_blocked(struct hvo_explore *x, struct xthread *t, bool was_spin,
			   uint64_t digest)
{
	unsigned int i;
	bool progress = t->done || !t->spun || !was_spin ||
			(t->retried && hvo__snap_digest(x->sim) != digest);

	t->blocked = !t->done && t->spun;
	if (!progress)
		return;
	for (i = 0; i < x->n; i++) {
		if (&x->t[i] == t)
			continue;
		x->t[i].blocked = false;
		x->t[i].retried = false;
	}
	t->retried = false;
}

static int record_step(struct hvo_explore *x, struct xthread *t, uint8_t from_p,
		       uint64_t from_addr, bool retry)
{
	struct xstep *s;

	if (x->ntrace == x->captrace &&
	    grow((void **)&x->trace, &x->captrace, x->ntrace + 1, sizeof(*x->trace), "trace"))
		return -ENOMEM;
	s = &x->trace[x->ntrace++];
	memset(s, 0, sizeof(*s));
	s->thread = (uint8_t)t->id;
	s->from_p = from_p;
	s->from_addr = from_addr;
	s->to_p = t->at_p;
	s->to_addr = t->at_addr;
	s->spin = t->spun && !t->done;
	s->retry = retry;
	s->note = x->pending_note;
	x->pending_note = UINT32_MAX;
	return 0;
}

static int record_decision(struct hvo_explore *x, unsigned int tid)
{
	if (x->nsched == x->capsched &&
	    grow((void **)&x->sched, &x->capsched, x->nsched + 1, 1, "schedule"))
		return -ENOMEM;
	x->sched[x->nsched++] = (uint8_t)tid;
	return 0;
}

static int prepare_machine(struct hvo_explore *x);

/* how a run ended: every body returned; a deadlock or livelock; a divergence
 * drained; out of host memory (hvo__err() set) */
enum run_end { RUN_DONE, RUN_STUCK, RUN_DRAINED, RUN_NOMEM };

/* no thread can run: every body returned, or a deadlock */
static enum run_end no_runnable(struct hvo_explore *x)
{
	unsigned int i;

	for (i = 0; i < x->n && i < HVO_EXPLORE_MAX_THREADS; i++)
		if (!x->t[i].done) {
			finding(x, HVO_FINDING_DEADLOCK, "deadlock: no thread can run; %c waits at %s",
				'a' + i, hvo_yield_point_name((enum hvo_yield_point)x->t[i].at_p));
			return RUN_STUCK;
		}
	return RUN_DONE;
}

/* one step of thread @pick; @retry: every thread was blocked.  0, or
 * -ENOMEM if the step could not be recorded (it ran) */
static int step(struct hvo_explore *x, unsigned int pick, bool retry, bool record)
{
	struct xthread *t = &x->t[pick];
	uint8_t from_p = t->at_p;
	uint64_t from_addr = t->at_addr, digest = 0;
	bool was_spin = t->spun;

	if (retry) {
		t->retried = true;
		digest = hvo__snap_digest(x->sim);
	}
	if (record && x->dfs)
		hvo__dfs_before_step(x);	/* footprints for the sleep sets */
	resume(x, t);
	x->step++;
	x->prev = (uint8_t)pick;
	if (record && record_step(x, t, from_p, from_addr, retry))
		return -ENOMEM;
	update_blocked(x, t, was_spin, digest);
	return 0;
}

/*
 * After a divergence the run is over, but its threads hold what they hold
 * (a page list, a lock): let them finish without preemptions, unrecorded
 * and unchecked, rather than leave them (and it) behind.
 */
static enum run_end drain(struct hvo_explore *x, uint64_t max)
{
	for (;;) {
		bool retry;
		uint32_t m = runnable_mask(x, &retry);

		if (!m)
			return no_runnable(x) == RUN_DONE ? RUN_DRAINED : RUN_STUCK;
		if (x->step >= max)
			return RUN_STUCK;
		/* unrecorded: cannot fail */
		(void)step(x, x->prev != XT_NONE && (m & (1u << x->prev)) ? x->prev :
			   (unsigned int)__builtin_ctz(m), retry, false);
	}
}

/*
 * The touch log lost a pfn (track.c): the run's leak check and the next
 * restore would be wrong, so the run ends here.
 */
static bool track_failed(struct hvo_explore *x)
{
	if (!x->sim->track || !x->sim->track->failed)
		return false;
	hvo__err(-ENOMEM, "explore: out of host memory for the snapshot's touch log "
		 "(%" PRIu64 " metadata, %" PRIu64 " frame entries)", x->sim->track->nlog,
		 x->sim->track->nbpfn);
	return true;
}

/* run steps until every body returned, or a deadlock, livelock, divergence */
static enum run_end run_steps(struct hvo_explore *x)
{
	uint64_t max = x->o.max_steps ? x->o.max_steps : DEFAULT_MAX_STEPS;

	for (;;) {
		bool retry;
		uint32_t m = runnable_mask(x, &retry);
		int pick;

		if (track_failed(x))
			return RUN_NOMEM;
		if (!m)
			return no_runnable(x);
		if (x->step >= max) {
			finding(x, HVO_FINDING_LIVELOCK, "livelock: %" PRIu64 " steps and the threads "
				"have not finished", x->step);
			return RUN_STUCK;
		}
		pick = x->dfs ? hvo__dfs_pick(x, m) : hvo__xs_pick(x, m);
		if (pick == -ENOMEM)
			return RUN_NOMEM;
		if (pick < 0) {
			finding(x, HVO_FINDING_DIVERGED, "the replay diverged at decision %" PRIu64
				": %s", x->nsched, x->why);
			return drain(x, max + x->step);
		}
		if (record_decision(x, (unsigned int)pick) ||
		    step(x, (unsigned int)pick, retry, true))
			return RUN_NOMEM;
		if (x->dfs)
			hvo__dfs_after_step(x, (unsigned int)pick);
		else
			hvo__xs_after_step(x, (unsigned int)pick);
		after_step(x);
	}
}

static void begin_run(struct hvo_explore *x)
{
	x->step = 0;
	x->prev = XT_NONE;
	x->nsched = 0;
	x->ntrace = 0;
	x->nnotes = 0;
	x->notes_lost = 0;
	x->pending_note = UINT32_MAX;
	x->fkind = HVO_FINDING_NONE;
	x->fmsg[0] = 0;
	x->fstep = 0;
	x->faults = hvo_fault_log_count(x->sim);
	memset(x->run_buf, 0, x->sc->run_size ? x->sc->run_size : 1);
	if (x->dfs)
		hvo__dfs_begin_run(x);
	else
		hvo__xs_begin_run(x);
}

/* one schedule: 0 (a finding is in x->fkind), or a negative errno */
static int run_one(struct hvo_explore *x)
{
	enum run_end end;
	unsigned int i;
	int r;

	r = prepare_machine(x);
	if (r)
		return r;
	begin_run(x);
	start_fibers(x);
	end = run_steps(x);
	if (end == RUN_DONE && x->rseq && hvo__xs_replay_left(x))
		finding(x, HVO_FINDING_DIVERGED, "the replay diverged: every thread finished with "
			"%" PRIu64 " of its %" PRIu64 " elements left", hvo__xs_replay_left(x),
			x->rlen);
	if (end == RUN_DONE)
		after_run(x);
	if (end == RUN_DONE && track_failed(x))
		end = RUN_NOMEM;
	for (i = 0; i < x->n; i++)
		if (!x->t[i].done) {
			x->t[i].dirty = true;	/* left mid-call: reset next run */
			x->tainted = true;
		}
	return end == RUN_NOMEM ? -ENOMEM : 0;
}

/* ---- the machine ---- */

static void setup_ctx(struct hvo_explore *x)
{
	unsigned int i;

	for (i = 0; i <= x->n; i++) {
		x->ctx[i].sim = x->sim;
		x->ctx[i].priv = x->sc->priv;
		x->ctx[i].data = x->data_buf;
		x->ctx[i].run = x->run_buf;
		x->ctx[i].tid = i < x->n ? i : 0;
		x->ctx[i].nr_threads = x->n;
		x->ctx[i].explore = x;
	}
}

/*
 * A machine whose run was abandoned (deadlock, livelock, divergence) may
 * have a lock held by a fiber that will never run again.  ThreadSanitizer
 * keeps that fiber as the owner and would report the next lock, or the
 * destroy, of that mutex; so under TSan such a machine is left alone
 * (leaked) and a new one is built.
 */
static void drop_machine(struct hvo_explore *x)
{
	if (x->snap) {
		hvo_snapshot_free(x->snap);
		x->snap = NULL;
	}
	if (x->sim) {
		hvo_sim_set_yield_hook(x->sim, NULL, NULL);
#ifdef HVO_TSAN
		if (x->tainted) {
			x->sim = NULL;
			return;
		}
#endif
		/* an abandoned run's held folios are its state, not leaks:
		 * every completed run was checked for leaks already */
		hvo__sim_destroy(x->sim, !x->tainted);
	}
	x->sim = NULL;
}

static int build_machine(struct hvo_explore *x)
{
	int r;

	drop_machine(x);
	x->tainted = false;
	r = hvo_sim_create(&x->cfg, &x->sim);
	if (r)
		return r;
	setup_ctx(x);
	memset(x->data_buf, 0, x->sc->data_size ? x->sc->data_size : 1);
	r = x->sc->setup ? x->sc->setup(&x->ctx[x->n]) : 0;
	if (r)
		return hvo__err(r, "explore: %s: setup failed: %s", x->sc->name, hvo_last_error());
	r = hvo_snapshot_take(x->sim, &x->snap);
	if (r)
		return r;
	hvo_sim_set_yield_hook(x->sim, hook, x);
	return 0;
}

static int prepare_machine(struct hvo_explore *x)
{
#ifdef HVO_TSAN
	if (x->tainted)
		return build_machine(x);
#endif
	if (!x->sim || x->o.rebuild)
		return build_machine(x);
	return hvo_snapshot_restore(x->sim, x->snap);
}

/* ---- the exploration ---- */

/* hvo_explore()'s scenario: its threads and points (hvosim.h's rule) */
static int check_scenario(const struct hvo_scenario *sc)
{
	const char *name = sc->name ? sc->name : "?";
	unsigned int i;

	if (sc->nr_threads < 2 || sc->nr_threads > HVO_EXPLORE_MAX_THREADS)
		return hvo__err(-EINVAL, "explore: sc->nr_threads %u is not 2..%u (scenario %s)",
				sc->nr_threads, HVO_EXPLORE_MAX_THREADS, name);
	for (i = 0; i < sc->nr_threads; i++)
		if (!sc->thread[i])
			return hvo__err(-EINVAL, "explore: sc->thread[%u] is NULL (scenario %s)", i,
					name);
	if (sc->points & ~((1u << HVO_NR_YIELD_POINTS) - 1))
		return hvo__err(-EINVAL, "explore: sc->points %#x has unknown scheduling points "
				"(scenario %s)", sc->points, name);
	return 0;
}

static int check_opts(const struct hvo_explore_opts *opts)
{
	if ((unsigned int)opts->strategy > HVO_EXPLORE_REPLAY)
		return hvo__err(-EINVAL, "explore: opts->strategy %d is not a strategy",
				(int)opts->strategy);
	if (opts->strategy == HVO_EXPLORE_PCT && (opts->depth < 1 || opts->depth > 16))
		return hvo__err(-EINVAL, "explore: opts->depth %u is not 1..16 (PCT)", opts->depth);
	if (opts->strategy == HVO_EXPLORE_REPLAY) {
		HVO_NONNULL("explore", opts->replay);
		if (hvo__xt_schedule_parse(opts->replay, NULL, 0) < 0)
			return hvo__err(-EINVAL, "explore: opts->replay '%s' is not a schedule "
					"string (letters a-d for threads 0-3, each optionally "
					"followed by a count or *)", opts->replay);
	}
	return 0;
}

/* the scenario on the machine, for hvo_explore() and hvo_explore_open() */
static int check_scenario_cfg(const struct hvo_config *cfg, const struct hvo_scenario *sc)
{
	int r = check_scenario(sc);

	if (!r)
		r = hvo_config_validate(cfg);
	if (!r && sc->applies)
		r = sc->applies(cfg);
	return r;
}

/* every argument of hvo_explore(), before anything is written */
static int check_args(const struct hvo_config *cfg, const struct hvo_scenario *sc,
		      const struct hvo_explore_opts *opts, const struct hvo_explore_result *res)
{
	int r;

	HVO_NONNULL("explore", cfg);
	HVO_NONNULL("explore", sc);
	HVO_NONNULL("explore", opts);
	HVO_NONNULL("explore", res);
	r = check_opts(opts);
	return r ? r : check_scenario_cfg(cfg, sc);
}

static int explorer_init(struct hvo_explore *x, const struct hvo_config *cfg,
			 const struct hvo_scenario *sc, const struct hvo_explore_opts *o)
{
	unsigned int i;
	int r;

	x->sc = sc;
	x->cfg = *cfg;
	x->o = *o;
	x->n = sc->nr_threads;
	x->points = sc->points ? sc->points : HVO_EXPLORE_POINTS_DEFAULT;
	x->rep = malloc(sizeof(*x->rep));
	x->run_buf = calloc(1, sc->run_size ? sc->run_size : 1);
	x->data_buf = calloc(1, sc->data_size ? sc->data_size : 1);
	if (!x->rep || !x->run_buf || !x->data_buf)
		return hvo__err(-ENOMEM, "explore: out of host memory");
	if (o->replay) {
		x->replay = strdup(o->replay);
		if (!x->replay)
			return hvo__err(-ENOMEM, "explore: out of host memory");
		x->o.replay = x->replay;
	}
	hvo__fiber_main(&x->main);
	for (i = 0; i < x->n; i++) {
		x->t[i].x = x;
		x->t[i].id = i;
		x->t[i].dirty = true;
		r = hvo__fiber_create(&x->t[i].fib, FIBER_STACK, thread_main, &x->t[i]);
		if (r)
			return hvo__err(r, "explore: cannot map a fiber stack");
	}
	return 0;
}

static void explorer_destroy(struct hvo_explore *x)
{
	unsigned int i;

	if (x->dfs)
		hvo__dfs_destroy(x);
	hvo__xs_destroy(x);
	for (i = 0; i < x->n; i++)
		hvo__fiber_destroy(&x->t[i].fib);
	drop_machine(x);
	free(x->rep);
	free(x->run_buf);
	free(x->data_buf);
	free(x->replay);
	free(x->sched);
	free(x->trace);
	free(x->notes);
}

/* the run's schedule string and trace into @res: 0, or -ENOMEM */
static int keep_run(struct hvo_explore *x, struct hvo_explore_result *res)
{
	res->schedule = hvo__xt_schedule_string(x);
	if (!res->schedule)
		return -ENOMEM;
	res->trace = hvo__xt_trace(x);
	return res->trace ? 0 : -ENOMEM;
}

/* keep the first finding's particulars: 0, or -ENOMEM */
static int keep_finding(struct hvo_explore *x, struct hvo_explore_result *res)
{
	res->findings++;
	if (res->kind != HVO_FINDING_NONE)
		return 0;
	res->kind = x->fkind;
	res->seed = x->run_seed;
	res->run_index = x->run_index;
	res->step = x->fstep;
	snprintf(res->message, sizeof(res->message), "%s", x->fmsg);
	return keep_run(x, res);
}

static int explore_loop(struct hvo_explore *x, struct hvo_explore_result *res)
{
	uint64_t limit = x->o.runs ? x->o.runs : (x->o.strategy == HVO_EXPLORE_DFS ? 0 : 1000);
	uint64_t last_seed = 0, last_index = 0;
	int r;

	for (x->run_index = 0; !limit || x->run_index < limit; x->run_index++) {
		r = run_one(x);
		if (r)
			return r;
		last_seed = x->run_seed;
		last_index = x->run_index;
		res->schedules++;
		res->steps += x->step;
		if (x->step > res->max_run_steps)
			res->max_run_steps = x->step;
		if (x->fkind != HVO_FINDING_NONE && keep_finding(x, res))
			return -ENOMEM;
		if (x->o.progress && !((x->run_index + 1) & 255))
			x->o.progress(x->o.progress_ctx, x->run_index + 1, res->findings);
		if (x->fkind != HVO_FINDING_NONE && !x->o.keep_going)
			break;
		if (!(x->dfs ? hvo__dfs_end_run(x) : hvo__xs_end_run(x)))
			break;
	}
	if (x->o.trace && res->kind == HVO_FINDING_NONE && res->schedules) {
		res->seed = last_seed;
		res->run_index = last_index;
		res->step = x->step;
		return keep_run(x, res);
	}
	return 0;
}

HVO_EXPORT int hvo_explore(const struct hvo_config *cfg, const struct hvo_scenario *sc,
			   const struct hvo_explore_opts *opts, struct hvo_explore_result *res)
{
	struct hvo_explore *x;
	int r;

	r = check_args(cfg, sc, opts, res);
	if (r)
		return r;
	memset(res, 0, sizeof(*res));
	res->switch_kind = hvo__fiber_switch_kind();
	x = calloc(1, sizeof(*x));
	if (!x)
		return hvo__err(-ENOMEM, "explore: out of host memory");
	x->res = res;
	r = explorer_init(x, cfg, sc, opts);
	if (!r)
		r = build_machine(x);
	if (!r)
		r = opts->strategy == HVO_EXPLORE_DFS ? hvo__dfs_init(x) : hvo__xs_init(x);
	/* k for PCT: the most steps with a choice among a round-robin run and a
	 * run without preemptions from each thread */
	for (x->calibrating = 1; !r && opts->strategy == HVO_EXPLORE_PCT &&
	     x->calibrating < 2 + (int)x->n; x->calibrating++) {
		r = run_one(x);
		hvo__xs_end_run(x);
	}
	x->calibrating = 0;
	if (!r)
		r = explore_loop(x, res);
	res->pruned = x->pruned;
	res->complete = x->complete;
	explorer_destroy(x);
	free(x);
	/* a failed exploration hands back counters only, nothing to free */
	if (r)
		hvo_explore_result_free(res);
	return r;
}

/* ---- runs the caller decides: hvo_explore_open(), _run(), _close() ---- */

HVO_EXPORT int hvo_explore_open(const struct hvo_config *cfg, const struct hvo_scenario *sc,
				const struct hvo_explore_opts *opts, struct hvo_explore **out)
{
	struct hvo_explore_opts o;
	struct hvo_explore *x;
	int r;

	HVO_NONNULL("explore_open", cfg);
	HVO_NONNULL("explore_open", sc);
	HVO_NONNULL("explore_open", opts);
	HVO_NONNULL("explore_open", out);
	r = check_scenario_cfg(cfg, sc);
	if (r)
		return r;
	x = calloc(1, sizeof(*x));
	if (!x)
		return hvo__err(-ENOMEM, "explore_open: out of host memory");
	/* only the options a run reads; the strategy is the caller's */
	o = *opts;
	o.strategy = HVO_EXPLORE_RANDOM;
	o.replay = NULL;
	o.progress = NULL;
	r = explorer_init(x, cfg, sc, &o);
	if (!r)
		r = build_machine(x);
	if (r) {
		explorer_destroy(x);
		free(x);
		return r;
	}
	*out = x;
	return 0;
}

/* hvo_explore_run()'s result, as explore_loop() keeps a run's: 0 or -ENOMEM */
static int keep_chosen(struct hvo_explore *x, struct hvo_explore_result *res)
{
	res->schedules = 1;
	res->steps = x->step;
	res->max_run_steps = x->step;
	res->run_index = x->run_index;
	if (x->fkind != HVO_FINDING_NONE)
		return keep_finding(x, res);
	if (!x->o.trace)
		return 0;
	res->step = x->step;
	return keep_run(x, res);
}

HVO_EXPORT int hvo_explore_run(struct hvo_explore *x, hvo_choose_fn choose, void *ctx,
			       struct hvo_explore_result *res)
{
	int r;

	HVO_NONNULL("explore_run", x);
	HVO_NONNULL("explore_run", choose);
	HVO_NONNULL("explore_run", res);
	memset(res, 0, sizeof(*res));
	res->switch_kind = hvo__fiber_switch_kind();
	x->res = res;
	x->choose = choose;
	x->choose_ctx = ctx;
	r = run_one(x);
	if (!r)
		r = keep_chosen(x, res);
	x->choose = NULL;
	x->run_index++;
	if (r) {
		/* a run cut short may have lost touch log entries: the next one
		 * starts from a new machine, not from a restore */
		drop_machine(x);
		hvo_explore_result_free(res);
	}
	return r;
}

HVO_EXPORT void hvo_explore_close(struct hvo_explore *x)
{
	/* NULL is allowed, like free(NULL) */
	if (!x)
		return;
	explorer_destroy(x);
	free(x);
}

HVO_EXPORT void hvo_explore_result_free(struct hvo_explore_result *res)
{
	HVO_NONNULL_OR("explore_result_free", res, );
	free(res->schedule);
	free(res->trace);
	res->schedule = NULL;
	res->trace = NULL;
}

HVO_EXPORT void hvo_explore_note(const struct hvo_scenario_ctx *ctx, const char *fmt, ...)
{
	va_list ap;

	HVO_NONNULL_OR("explore_note", ctx, );
	HVO_NONNULL_OR("explore_note", fmt, );
	HVO_NONNULL_OR("explore_note", ctx->explore, );
	va_start(ap, fmt);
	hvo__xt_note(ctx->explore, fmt, ap);
	va_end(ap);
}

/* ---- the rest of explore.h: argument checks, then the file that models it ---- */

HVO_EXPORT void hvo_explore_print(const struct hvo_explore_result *res, FILE *out)
{
	HVO_NONNULL_OR("explore_print", res, );
	HVO_NONNULL_OR("explore_print", out, );
	if ((unsigned int)res->kind >= HVO_NR_FINDING_KINDS) {
		hvo__err(-EINVAL, "explore_print: res->kind %d is not a finding kind",
			 (int)res->kind);
		return;
	}
	hvo__xt_print(res, out);
}

HVO_EXPORT const char *hvo_finding_name(enum hvo_finding_kind kind)
{
	if ((unsigned int)kind >= HVO_NR_FINDING_KINDS) {
		hvo__err(-EINVAL, "finding_name: kind %d is not a finding kind", (int)kind);
		return "?";
	}
	return hvo__xt_finding_name(kind);
}

HVO_EXPORT int hvo_explore_parse_strategy(const char *s, struct hvo_explore_opts *opts)
{
	HVO_NONNULL("explore_parse_strategy", s);
	HVO_NONNULL("explore_parse_strategy", opts);
	return hvo__xs_parse(s, opts);
}

HVO_EXPORT int hvo_explore_pingpong(uint64_t n, const char **kind)
{
	return hvo__fiber_pingpong(n, kind);
}

HVO_EXPORT unsigned int hvo_scenario_count(void)
{
	return hvo__scenario_count();
}

HVO_EXPORT const struct hvo_scenario *hvo_scenario_get(unsigned int i)
{
	if (i >= hvo__scenario_count()) {
		hvo__err(-EINVAL, "scenario_get: i %u is not a built-in scenario (0..%u)", i,
			 hvo__scenario_count() - 1);
		return NULL;
	}
	return hvo__scenario_get(i);
}

HVO_EXPORT const struct hvo_scenario *hvo_scenario_find(const char *name)
{
	HVO_NONNULL_OR("scenario_find", name, NULL);
	return hvo__scenario_find(name);
}

static bool builtin(const struct hvo_scenario *sc)
{
	unsigned int i;

	for (i = 0; i < hvo__scenario_count(); i++)
		if (hvo__scenario_get(i) == sc)
			return true;
	return false;
}

HVO_EXPORT unsigned int hvo_scenario_variants(const struct hvo_scenario *sc,
					      struct hvo_config *out, unsigned int max)
{
	HVO_NONNULL_OR("scenario_variants", sc, 0);
	if (!builtin(sc)) {
		hvo__err(-EINVAL, "scenario_variants: sc (%s) is not a built-in scenario",
			 sc->name ? sc->name : "?");
		return 0;
	}
	return hvo__scenario_variants(sc, out, max);
}

/* the enums a variant name spells, in range (hvo_config_validate() checks more) */
static int variant_enums_bad(const struct hvo_config *cfg)
{
	const char *fn = "scenario_variant_name";

	if ((unsigned int)cfg->scheme > HVO_SCHEME_SHARED_TAIL)
		return hvo__err(-EINVAL, "%s: cfg->scheme %d is not a scheme", fn, (int)cfg->scheme);
	if ((unsigned int)cfg->tail_scope > HVO_SCOPE_HSTATE)
		return hvo__err(-EINVAL, "%s: cfg->tail_scope %d is not a scope", fn,
				(int)cfg->tail_scope);
	if ((unsigned int)cfg->tail_alloc > HVO_TAIL_ALLOC_NONE)
		return hvo__err(-EINVAL, "%s: cfg->tail_alloc %d is not an allocation", fn,
				(int)cfg->tail_alloc);
	if ((unsigned int)cfg->tail_lifetime > HVO_TAIL_LAST_USER)
		return hvo__err(-EINVAL, "%s: cfg->tail_lifetime %d is not a lifetime", fn,
				(int)cfg->tail_lifetime);
	return 0;
}

HVO_EXPORT char *hvo_scenario_variant_name(const struct hvo_config *cfg, char *buf, size_t len)
{
	HVO_NONNULL_OR("scenario_variant_name", cfg, NULL);
	HVO_NONNULL_OR("scenario_variant_name", buf, NULL);
	if (!len) {
		hvo__err(-EINVAL, "scenario_variant_name: len 0 leaves no room");
		return NULL;
	}
	if (variant_enums_bad(cfg))
		return NULL;
	return hvo__scenario_variant_name(cfg, buf, len);
}
