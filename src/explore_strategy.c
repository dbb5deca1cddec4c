// SPDX-License-Identifier: MIT
/*
 * explore_strategy.c - who runs next: random, PCT and replay, or the
 * caller's choice (hvo_explore_run()).
 *
 * Every run has its own seed: run 0's is the one given, run i + 1's is
 * derived from run i's, so a finding's printed seed with --runs 1 runs the
 * same schedule again.
 *
 * PCT (Burckhardt, Kothari, Musuvathi, Nagarakatte, ASPLOS'10) as shuttle
 * implements it (awslabs/shuttle src/scheduler/pct.rs): n threads get the
 * distinct priorities d .. d+n-1 at random; d - 1 change points are drawn
 * among the k steps where more than one thread can run; the highest
 * runnable priority runs, and at the i-th change point the thread that
 * would run drops to priority i, below every initial one.  k is measured
 * once, before the first run: the most steps with a choice in a
 * round-robin run and in a run without preemptions started by each thread
 * (shuttle estimates k from a first run and raises it when a longer run
 * appears; a fixed k keeps every run a function of its seed alone).  A thread that spins drops below everyone, so
 * a waiter does not keep the thread it waits for from running.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "explore_strategy.h"
#include "explore_trace.h"

static uint64_t derive(uint64_t s)
{
	return hvo__splitmix64(&s);
}

static unsigned int popcount(uint32_t m)
{
	return (unsigned int)__builtin_popcount(m);
}

/* the i-th (0-based) set bit of m */
static unsigned int nth_bit(uint32_t m, unsigned int i)
{
	while (i--)
		m &= m - 1;
	return (unsigned int)__builtin_ctz(m);
}

/* round robin: the next runnable thread after the one that ran; or no
 * preemption, starting with thread @first */
static int calibration_pick(struct hvo_explore *x, uint32_t runnable)
{
	unsigned int i, t;

	if (x->calibrating >= 2) {
		unsigned int first = (unsigned int)x->calibrating - 2;

		if (x->prev != XT_NONE && (runnable & (1u << x->prev)))
			return x->prev;
		if (runnable & (1u << first))
			return (int)first;
		return __builtin_ctz(runnable);
	}
	for (i = 1; i <= x->n; i++) {
		t = (x->prev == XT_NONE ? x->n - 1 + i : x->prev + i) % x->n;
		if (runnable & (1u << t))
			return (int)t;
	}
	return __builtin_ctz(runnable);
}

int hvo__xs_init(struct hvo_explore *x)
{
	if (x->o.strategy == HVO_EXPLORE_REPLAY) {
		int64_t n = hvo__xt_schedule_parse(x->o.replay, NULL, 0);

		if (n < 0)
			return hvo__err(-EINVAL, "explore: '%s' is not a schedule string (letters "
					"a-d for threads 0-3, each optionally followed by a count "
					"or *)", x->o.replay);
		x->rseq = malloc(n ? (size_t)n : 1);
		if (!x->rseq)
			return hvo__err(-ENOMEM, "explore: out of host memory");
		hvo__xt_schedule_parse(x->o.replay, x->rseq, (uint64_t)n);
		x->rlen = (uint64_t)n;
	}
	x->run_seed = x->o.seed;
	return 0;
}

void hvo__xs_destroy(struct hvo_explore *x)
{
	free(x->rseq);
	x->rseq = NULL;
}

/* hvo_explore_run(): the caller's choice, or -1 (diverged) if it names a
 * thread that cannot run; never -ENOMEM, which would mean out of memory */
static int chooser_pick(struct hvo_explore *x, uint32_t runnable)
{
	int t = x->choose(x->choose_ctx, runnable, x->prev == XT_NONE ? -1 : x->prev);

	if (t < 0 || t >= (int)x->n || !(runnable & (1u << t))) {
		snprintf(x->why, sizeof(x->why), "the chooser picked %d, which cannot run "
			 "(runnable mask %#x)", t, runnable);
		return -1;
	}
	return t;
}

static void pct_begin(struct hvo_explore *x)
{
	unsigned int i, d = x->o.depth, n = x->n;

	/* a random permutation of d .. d+n-1 */
	for (i = 0; i < n; i++)
		x->prio[i] = (int)(d + i);
	for (i = n - 1; i > 0; i--) {
		unsigned int j = (unsigned int)(hvo__splitmix64(&x->rng) % (i + 1));
		int tmp = x->prio[i];

		x->prio[i] = x->prio[j];
		x->prio[j] = tmp;
	}
	x->nchange = d - 1;
	for (i = 0; i < x->nchange; i++)
		x->change[i] = 1 + hvo__splitmix64(&x->rng) % (x->pct_k ? x->pct_k : 1);
	x->pct_count = 0;
	x->prio_low = 0;
}

void hvo__xs_begin_run(struct hvo_explore *x)
{
	x->rng = x->run_seed;
	x->rpos = 0;
	if (x->o.strategy == HVO_EXPLORE_PCT)
		pct_begin(x);
}

static int highest(struct hvo_explore *x, uint32_t runnable)
{
	int best = -1;
	unsigned int i;

	for (i = 0; i < x->n; i++)
		if ((runnable & (1u << i)) && (best < 0 || x->prio[i] > x->prio[best]))
			best = (int)i;
	return best;
}

static int pct_pick(struct hvo_explore *x, uint32_t runnable)
{
	unsigned int i;
	int t = highest(x, runnable);

	if (popcount(runnable) < 2)
		return t;
	x->pct_count++;
	for (i = 0; i < x->nchange; i++)
		if (x->change[i] == x->pct_count) {
			x->prio[t] = (int)i + 1;	/* below every initial priority */
			t = highest(x, runnable);
		}
	return t;
}

/* the next element of the replay; a "t*" whose thread cannot run is over */
static int replay_pick(struct hvo_explore *x, uint32_t runnable)
{
	uint8_t t;

	while (x->rpos < x->rlen && (x->rseq[x->rpos] & XT_AS_LONG) &&
	       (x->rseq[x->rpos] & ~XT_AS_LONG) < x->n &&
	       !(runnable & (1u << (x->rseq[x->rpos] & ~XT_AS_LONG))))
		x->rpos++;
	if (x->rpos >= x->rlen) {
		snprintf(x->why, sizeof(x->why), "the schedule ended after %" PRIu64 " decisions "
			 "and threads still run", x->nsched);
		return -1;
	}
	t = x->rseq[x->rpos];
	if (!(t & XT_AS_LONG))
		x->rpos++;
	t &= (uint8_t)~XT_AS_LONG;
	if (t >= x->n || !(runnable & (1u << t))) {
		unsigned int i;
		char buf[64] = "";

		for (i = 0; i < x->n; i++)
			if (runnable & (1u << i))
				snprintf(buf + strlen(buf), sizeof(buf) - strlen(buf), " %c", 'a' + i);
		snprintf(x->why, sizeof(x->why), "it names thread %c, which cannot run (runnable:%s)",
			 'a' + t, buf);
		return -1;
	}
	return t;
}

/* elements of the replay not taken when every thread has returned; a "t*"
 * of a thread the scenario has is taken (its thread cannot run) */
uint64_t hvo__xs_replay_left(const struct hvo_explore *x)
{
	uint64_t i, left = 0;

	for (i = x->rpos; i < x->rlen; i++)
		if (!(x->rseq[i] & XT_AS_LONG) || (x->rseq[i] & ~XT_AS_LONG) >= x->n)
			left++;
	return left;
}

int hvo__xs_pick(struct hvo_explore *x, uint32_t runnable)
{
	if (x->choose)
		return chooser_pick(x, runnable);
	if (x->calibrating) {
		if (popcount(runnable) > 1)
			x->pct_count++;
		return calibration_pick(x, runnable);
	}
	switch (x->o.strategy) {
	case HVO_EXPLORE_PCT:
		return pct_pick(x, runnable);
	case HVO_EXPLORE_REPLAY:
		return replay_pick(x, runnable);
	default:
		return (int)nth_bit(runnable, (unsigned int)(hvo__splitmix64(&x->rng) %
							      popcount(runnable)));
	}
}

void hvo__xs_after_step(struct hvo_explore *x, unsigned int tid)
{
	struct xthread *t = &x->t[tid];

	/* shuttle demotes a thread that yields: a spinner goes below everyone */
	if (x->o.strategy == HVO_EXPLORE_PCT && t->spun && !t->done)
		x->prio[tid] = --x->prio_low;
}

bool hvo__xs_end_run(struct hvo_explore *x)
{
	if (x->calibrating) {
		if (x->pct_count > x->pct_k)
			x->pct_k = x->pct_count;
		return true;
	}
	if (x->o.strategy == HVO_EXPLORE_REPLAY)
		return false;
	x->run_seed = derive(x->run_seed);
	return true;
}

static int parse_num(const char *s, unsigned int *out, unsigned int max)
{
	char *end;
	unsigned long v;

	if (!*s || *s < '0' || *s > '9')
		return -1;
	v = strtoul(s, &end, 10);
	if (*end || v > max)
		return -1;
	*out = (unsigned int)v;
	return 0;
}

/* hvo_explore_parse_strategy() past its NULL checks: fills a copy and
 * writes *@o only on success, so a refused string changes nothing */
int hvo__xs_parse(const char *s, struct hvo_explore_opts *o)
{
	struct hvo_explore_opts t = *o;

	if (!strcmp(s, "random")) {
		t.strategy = HVO_EXPLORE_RANDOM;
	} else if (!strncmp(s, "pct:", 4)) {
		t.strategy = HVO_EXPLORE_PCT;
		if (parse_num(s + 4, &t.depth, 16) || !t.depth)
			return hvo__err(-EINVAL, "explore_parse_strategy: s '%s': the PCT depth "
					"must be 1..16", s);
	} else if (!strncmp(s, "dfs:", 4)) {
		t.strategy = HVO_EXPLORE_DFS;
		if (parse_num(s + 4, &t.preemptions, 64))
			return hvo__err(-EINVAL, "explore_parse_strategy: s '%s': the preemption "
					"bound must be 0..64", s);
	} else if (!strncmp(s, "replay:", 7)) {
		t.strategy = HVO_EXPLORE_REPLAY;
		t.replay = s + 7;
		if (hvo__xt_schedule_parse(t.replay, NULL, 0) < 0)
			return hvo__err(-EINVAL, "explore_parse_strategy: s '%s': not a schedule "
					"string", s);
	} else {
		return hvo__err(-EINVAL, "explore_parse_strategy: s '%s': not random, pct:D, "
				"dfs:C or replay:STRING", s);
	}
	*o = t;
	return 0;
}
