// SPDX-License-Identifier: MIT
/*
 * fuzz_sched.c - the schedule fuzzer: the first bytes choose one of the
 * schedule explorer's built-in scenarios (explore.h), one of the scheme
 * and knob variants it applies to, correct and known-bad alike, and its
 * thread count; the rest of the input is the scheduler's decisions.  Every
 * oracle of the explorer runs (the fault log and the scenario's invariant
 * after every step; hvo_check(), frame leaks and the scenario's final
 * check after the run; deadlock and livelock), and the library's edges,
 * which the decisions reach, guide the fuzzer to new schedules.
 *
 * Input layout (fuzz/gen_seeds.py writes seeds in it):
 *   byte 0  scenario (% hvo_scenario_count(), in the order of --list)
 *   byte 1  variant (% hvo_scenario_variants(), the order of --all-variants)
 *   byte 2  threads 2 + x % 3, for scenarios whose threads are alike (the
 *           CLI's --threads); ignored by the others
 *   then    decisions.  Where more than one thread can run and the last
 *           decision byte's run is over, one byte: bits 0-1 pick the
 *           ((x & 3) % runnable)-th runnable thread, bits 2-7 how many more
 *           such decisions it keeps running while it can (0-63).  Where
 *           one thread can run, no byte.  Out of bytes, the thread that ran
 *           last goes on while it can, else the lowest runnable one: a
 *           short input is a schedule with few preemptions, as the bugs
 *           of the built-in scenarios need (CHESS's observation).
 *
 * A finding in a correct variant prints the command line that replays it
 * (`hvosim explore --scenario ... --strategy replay:SCHEDULE`), what that
 * replay finds on a new machine, the finding and its trace, and aborts:
 * the fuzzer's crash.  A finding
 * in a known-bad variant is what that variant is kept for, and no crash,
 * unless HVOSIM_FUZZ_SCHED_BAD says so:
 *
 *   HVOSIM_FUZZ_SCHED_BAD=all       known-bad findings crash too
 *   HVOSIM_FUZZ_SCHED_BAD=SCENARIO  every input runs SCENARIO, byte 1
 *                                   picking among its known-bad variants
 *                                   only, and a finding crashes: the time
 *                                   to it is the fuzzer's time to find that
 *                                   bug (README "Fuzzing")
 *
 * Each (scenario, variant, threads) is opened once (hvo_explore_open())
 * and every input is one hvo_explore_run() on it, from the setup's end
 * state restored: about 100 us where building the machine again costs a
 * millisecond.  At most FS_OPEN of them stay open at a time.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvosim/hvosim.h>

#include "fuzz_driver.h"
#include "fuzz_input.h"

#define FS_MAX_VARIANTS 32
/* explorations kept open, the least recently used closed first: about 2 MiB
 * each, and room for every (scenario, variant, threads): 74 today */
#define FS_OPEN 96

/* one scenario's variants, known-bad ones marked */
struct fs_scenario {
	const struct hvo_scenario *sc;
	struct hvo_config v[FS_MAX_VARIANTS];
	bool bad[FS_MAX_VARIANTS];
	unsigned int nv, nbad;
	bool alike;			/* --threads applies */
};

/* an open exploration and what it is */
struct fs_open {
	struct hvo_explore *x;
	struct hvo_scenario sc;		/* with the thread count: must outlive x */
	unsigned int si, vi, threads;
	uint64_t used;			/* for least recently used */
};

static struct {
	bool ready;
	struct fs_scenario s[16];
	unsigned int ns;
	int only;			/* HVOSIM_FUZZ_SCHED_BAD=SCENARIO: its index */
	bool bad_crash;			/* known-bad findings crash */
	bool verbose;
	struct fs_open open[FS_OPEN];
	uint64_t clock;
} fs;

/* the chooser's state: the decision bytes and the current run */
struct fs_choice {
	struct fz_in *in;
	unsigned int keep;		/* decisions the running thread keeps */
};

static void fs_die(const char *what)
{
	fprintf(stderr, "fuzz_sched: %s: %s\n", what, hvo_last_error());
	abort();
}

static bool alike(const struct hvo_scenario *sc)
{
	unsigned int i;

	for (i = 1; i < HVO_EXPLORE_MAX_THREADS; i++)
		if (sc->thread[i] != sc->thread[0])
			return false;
	return true;
}

static void fs_scenario_init(struct fs_scenario *s, const struct hvo_scenario *sc)
{
	unsigned int i;

	s->sc = sc;
	s->nv = hvo_scenario_variants(sc, s->v, FS_MAX_VARIANTS);
	if (!s->nv || s->nv > FS_MAX_VARIANTS)
		fs_die("hvo_scenario_variants: none, or more than FS_MAX_VARIANTS");
	for (i = 0; i < s->nv; i++) {
		s->bad[i] = sc->known_bad && sc->known_bad(&s->v[i]);
		s->nbad += s->bad[i];
	}
	s->alike = alike(sc);
}

/* the scenarios, and HVOSIM_FUZZ_SCHED_BAD */
static void fs_init(void)
{
	const char *bad = getenv("HVOSIM_FUZZ_SCHED_BAD");
	unsigned int i;

	fs.ns = hvo_scenario_count();
	if (fs.ns > sizeof(fs.s) / sizeof(fs.s[0]))
		fs_die("more built-in scenarios than fuzz_sched has room for");
	for (i = 0; i < fs.ns; i++)
		fs_scenario_init(&fs.s[i], hvo_scenario_get(i));
	fs.only = -1;
	fs.verbose = getenv("HVOSIM_FUZZ_VERBOSE") != NULL;
	if (bad && *bad) {
		fs.bad_crash = true;
		if (strcmp(bad, "all")) {
			const struct hvo_scenario *sc = hvo_scenario_find(bad);

			for (i = 0; sc && i < fs.ns; i++)
				if (fs.s[i].sc == sc)
					fs.only = (int)i;
			if (fs.only < 0)
				fs_die("HVOSIM_FUZZ_SCHED_BAD is neither 'all' nor a scenario");
			if (!fs.s[fs.only].nbad) {
				fprintf(stderr, "fuzz_sched: scenario %s has no known-bad variant\n",
					bad);
				abort();
			}
		}
	}
	fs.ready = true;
}

/* the exploration of (si, vi, threads), opened if need be */
static struct fs_open *fs_get(unsigned int si, unsigned int vi, unsigned int threads)
{
	/* verbose: every run's schedule is kept, to be printed */
	struct hvo_explore_opts o = { .strategy = HVO_EXPLORE_RANDOM, .trace = fs.verbose };
	struct fs_open *e, *lru = &fs.open[0];
	unsigned int i;

	for (i = 0; i < FS_OPEN; i++) {
		e = &fs.open[i];
		if (e->x && e->si == si && e->vi == vi && e->threads == threads) {
			e->used = ++fs.clock;
			return e;
		}
		if (!e->x || (lru->x && e->used < lru->used))
			lru = e;
	}
	e = lru;
	hvo_explore_close(e->x);
	e->sc = *fs.s[si].sc;
	e->sc.nr_threads = threads;
	e->si = si;
	e->vi = vi;
	e->threads = threads;
	e->used = ++fs.clock;
	if (hvo_explore_open(&fs.s[si].v[vi], &e->sc, &o, &e->x)) {
		e->x = NULL;
		fs_die("hvo_explore_open of a built-in variant");
	}
	return e;
}

/* the bit number of runnable's n-th (0-based) set bit */
static int nth_runnable(uint32_t runnable, unsigned int n)
{
	while (n--)
		runnable &= runnable - 1;
	return __builtin_ctz(runnable);
}

/* hvo_choose_fn: the input's decisions (the layout above) */
static int fs_choose(void *ctx, uint32_t runnable, int prev)
{
	struct fs_choice *c = ctx;
	unsigned int n = (unsigned int)__builtin_popcount(runnable);
	bool prev_ok = prev >= 0 && (runnable & (1u << prev));
	uint8_t b;

	if (n == 1)
		return __builtin_ctz(runnable);
	if (c->keep && prev_ok) {
		c->keep--;
		return prev;
	}
	if (!c->in->n) {
		c->keep = 0;
		return prev_ok ? prev : __builtin_ctz(runnable);
	}
	b = fz_u8(c->in);
	c->keep = b >> 2;
	return nth_runnable(runnable, (b & 3u) % n);
}

/*
 * The schedule replayed by hvo_explore() on a machine built afresh, as the
 * printed command line will: a finding it does not reproduce is a bug of
 * the snapshot restore the runs here start from.
 */
static void fs_confirm(const struct fs_open *e, const struct hvo_explore_result *r)
{
	struct hvo_explore_opts o = { .strategy = HVO_EXPLORE_REPLAY, .runs = 1 };
	struct hvo_explore_result rr;

	o.replay = r->schedule;
	if (!r->schedule || hvo_explore(&fs.s[e->si].v[e->vi], &e->sc, &o, &rr)) {
		fprintf(stderr, "fuzz_sched: no replay on a new machine: %s\n", hvo_last_error());
		return;
	}
	fprintf(stderr, "fuzz_sched: replayed on a new machine: %s after step %" PRIu64 "%s\n",
		hvo_finding_name(rr.kind), rr.step,
		rr.kind == r->kind && rr.step == r->step ? ", the same" :
		" -- NOT the same: the snapshot restore differs from a new machine");
	hvo_explore_result_free(&rr);
}

/* the command line that replays @r, then what was found and the trace; abort */
static void fs_crash(const struct fs_open *e, const struct hvo_explore_result *r)
{
	const struct fs_scenario *s = &fs.s[e->si];
	char name[160], threads[32] = "";

	if (s->alike)
		snprintf(threads, sizeof(threads), " --threads %u", e->threads);
	fprintf(stderr, "fuzz_sched: %s in scenario %s, %s variant%s\n",
		hvo_finding_name(r->kind), s->sc->name, s->bad[e->vi] ? "known-bad" : "CORRECT",
		s->bad[e->vi] ? " (HVOSIM_FUZZ_SCHED_BAD)" : "");
	fprintf(stderr, "fuzz_sched: replay: hvosim explore --scenario %s %s%s "
		"--strategy replay:%s\n", s->sc->name,
		hvo_scenario_variant_name(&s->v[e->vi], name, sizeof(name)), threads,
		r->schedule ? r->schedule : "?");
	fs_confirm(e, r);
	/* hvo_explore_print() less its seed line: these runs have no seed */
	fprintf(stderr, "finding: %s after step %" PRIu64 ": %s\n", hvo_finding_name(r->kind),
		r->step, r->message);
	if (r->trace)
		fprintf(stderr, "trace (threads a..d, every step from one scheduling point to the "
			"next):\n%s", r->trace);
	fflush(stderr);
	abort();
}

/* the k-th (mod their number) known-bad variant of @s */
static unsigned int fs_bad_variant(const struct fs_scenario *s, unsigned int k)
{
	unsigned int i;

	k %= s->nbad;
	for (i = 0; i < s->nv; i++)
		if (s->bad[i] && !k--)
			return i;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fs_choice c = { .in = &in };
	struct hvo_explore_result r;
	const struct fs_scenario *s;
	unsigned int si, vi, threads;
	struct fs_open *e;

	if (!fs.ready)
		fs_init();
	si = fz_below(&in, fs.ns);
	vi = fz_u8(&in);
	threads = 2 + fz_u8(&in) % 3u;
	if (fs.only >= 0)
		si = (unsigned int)fs.only;
	s = &fs.s[si];
	vi = fs.only >= 0 ? fs_bad_variant(s, vi) : vi % s->nv;
	if (!s->alike)
		threads = s->sc->nr_threads;
	e = fs_get(si, vi, threads);
	if (hvo_explore_run(e->x, fs_choose, &c, &r))
		fs_die("hvo_explore_run");
	if (fs.verbose)
		fprintf(stderr, "fuzz_sched: %s variant %u%s, %u threads: %s, schedule %s\n",
			s->sc->name, vi, s->bad[vi] ? " (known-bad)" : "", threads,
			hvo_finding_name(r.kind), r.schedule ? r.schedule : "(not kept)");
	if (r.findings && (!s->bad[vi] || fs.bad_crash))
		fs_crash(e, &r);
	hvo_explore_result_free(&r);
	return 0;
}
