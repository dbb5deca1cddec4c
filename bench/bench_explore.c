// SPDX-License-Identifier: MIT
/*
 * bench_explore.c - `hvosim bench explore`: what the schedule explorer
 * costs and how fast it finds things.
 *
 *   switch     the explorer's fiber switch against swapcontext(), ns each
 *   reset      building the scenario's machine and running its setup
 *              against restoring the snapshot, per scenario
 *   throughput schedules per second and steps per schedule, per scenario
 *              (its default variant, random strategy)
 *   finding    for every known-bad variant, the median runs and seconds to
 *              the first finding under random, pct:3 (20 seeds each) and
 *              dfs:2 (one search: it does not depend on the seed)
 *   dfs        the exhaustive dfs:2 of first-optimize, two threads
 *
 * Targets (the explorer's issue): >= 10,000 schedules/s for first-optimize
 * with two threads, 2M folios, shared-tail; dfs:2 of it in <= 60 s; every
 * known-bad variant found by PCT in a median of <= 100 runs.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <ucontext.h>

#include "bench.h"
#include "harness.h"

#define CMD "bench explore"
#define SEEDS 20
#define CAP_RANDOM 2000
#define CAP_PCT 2000

static const char about[] =
	"The schedule explorer: its fiber switch against swapcontext(), the snapshot\n"
	"restore against building the machine again, schedules/s per scenario, and\n"
	"the median runs and seconds to the first finding of every known-bad variant\n"
	"under random, pct:3 and dfs:2, and the exhaustive dfs:2 of first-optimize.\n";

static const char notes[] =
	"Every scenario runs on its own machine (hvosim explore --list), so this\n"
	"benchmark takes no machine options.\n";

/* ---- the switch ---- */

static ucontext_t uc_main, uc_fib;

static void uc_body(void)
{
	for (;;)
		swapcontext(&uc_fib, &uc_main);
}

static double swapcontext_ns(uint64_t n)
{
	static char stack[64 * 1024];
	double t0;
	uint64_t i;

	getcontext(&uc_fib);
	uc_fib.uc_stack.ss_sp = stack;
	uc_fib.uc_stack.ss_size = sizeof(stack);
	uc_fib.uc_link = NULL;
	makecontext(&uc_fib, uc_body, 0);
	t0 = cli_now();
	for (i = 0; i < n; i++)
		swapcontext(&uc_main, &uc_fib);
	return (cli_now() - t0) * 1e9 / (double)(2 * n);
}

static double own_ns(uint64_t n, const char **kind)
{
	double t0 = cli_now();

	if (hvo_explore_pingpong(n, kind))
		return -1;
	return (cli_now() - t0) * 1e9 / (double)(2 * n);
}

/* ---- reset: create + setup against restore ---- */

struct reset {
	double create_us, restore_us;
};

/* the machine hvosim explore --scenario builds: the tool's defaults, then
 * the scenario's */
static void scenario_config(const struct hvo_scenario *sc, struct hvo_config *cfg)
{
	struct cli_args a;

	cli_args_init(&a);
	*cfg = a.cfg;
	if (sc->config)
		sc->config(cfg);
}

static int ctx_new(const struct hvo_scenario *sc, struct hvo_sim *sim,
		   struct hvo_scenario_ctx *c)
{
	memset(c, 0, sizeof(*c));
	c->sim = sim;
	c->priv = sc->priv;
	c->data = calloc(1, sc->data_size ? sc->data_size : 1);
	c->run = calloc(1, sc->run_size ? sc->run_size : 1);
	c->nr_threads = sc->nr_threads;
	return c->data && c->run ? 0 : -1;
}

static int create_setup(const struct hvo_scenario *sc, const struct hvo_config *cfg,
			struct hvo_sim **sim, struct hvo_scenario_ctx *c)
{
	if (hvo_sim_create(cfg, sim))
		return -1;
	if (ctx_new(sc, *sim, c) || (sc->setup && sc->setup(c))) {
		hvo_sim_destroy(*sim);
		return -1;
	}
	return 0;
}

static void ctx_free(struct hvo_scenario_ctx *c)
{
	free(c->data);
	free(c->run);
}

/* a run with the threads one after the other and the final check, which
 * puts back what the setup holds for the threads (not timed) */
static void run_serial(const struct hvo_scenario *sc, struct hvo_scenario_ctx *c)
{
	char msg[256];
	unsigned int t;

	for (t = 0; t < sc->nr_threads; t++) {
		c->tid = t;
		sc->thread[t](c);
	}
	c->tid = 0;	/* as hvo_explore() gives the final check */
	if (sc->check)
		(void)sc->check(c, msg, sizeof(msg));
}

/* the threads one after the other, then time the restore */
static int measure_reset(const struct hvo_scenario *sc, unsigned int rounds, struct reset *out)
{
	struct hvo_config cfg;
	struct hvo_scenario_ctx c;
	struct hvo_snapshot *snap;
	struct hvo_sim *sim;
	double t0, restore = 0, create = 0;
	unsigned int i, t;

	/* what a run would cost without the snapshot: a new machine and the
	 * setup (the destroy of the old one not counted) */
	scenario_config(sc, &cfg);
	for (i = 0; i < rounds / 10 + 1; i++) {
		t0 = cli_now();
		if (create_setup(sc, &cfg, &sim, &c))
			return -1;
		create += cli_now() - t0;
		run_serial(sc, &c);
		hvo_sim_destroy(sim);
		ctx_free(&c);
	}
	out->create_us = create * 1e6 / (rounds / 10 + 1);
	if (create_setup(sc, &cfg, &sim, &c) || hvo_snapshot_take(sim, &snap))
		return -1;
	for (i = 0; i < rounds; i++) {
		for (t = 0; t < sc->nr_threads; t++) {
			c.tid = t;
			sc->thread[t](&c);
		}
		t0 = cli_now();
		hvo_snapshot_restore(sim, snap);
		restore += cli_now() - t0;
	}
	out->restore_us = restore * 1e6 / rounds;
	hvo_snapshot_free(snap);
	run_serial(sc, &c);
	hvo_sim_destroy(sim);
	ctx_free(&c);
	return 0;
}

/* ---- explorations ---- */

struct outcome {
	uint64_t runs, schedules, steps, findings, pruned;
	bool complete;
	double secs;
};

static int run(const struct hvo_scenario *sc, const struct hvo_config *cfg, const char *strategy,
	       uint64_t seed, uint64_t runs, struct outcome *o)
{
	struct hvo_explore_opts opts;
	struct hvo_explore_result r;
	double t0;

	memset(&opts, 0, sizeof(opts));
	if (hvo_explore_parse_strategy(strategy, &opts))
		return -1;
	opts.seed = seed;
	opts.runs = runs;
	t0 = cli_now();
	if (hvo_explore(cfg, sc, &opts, &r)) {
		fprintf(stderr, "hvosim " CMD ": %s: %s\n", sc->name, hvo_last_error());
		return -1;
	}
	o->secs = cli_now() - t0;
	o->schedules = r.schedules;
	o->steps = r.steps;
	o->findings = r.findings;
	o->runs = r.findings ? r.run_index + 1 : 0;
	o->pruned = r.pruned;
	o->complete = r.complete;
	hvo_explore_result_free(&r);
	return 0;
}

/* median runs and seconds to the first finding over @seeds seeds */
struct tofind {
	unsigned int found, seeds;
	double runs, secs;
	uint64_t cap;
};

static int to_find(const struct hvo_scenario *sc, const struct hvo_config *cfg,
		   const char *strategy, unsigned int seeds, uint64_t cap, struct tofind *tf)
{
	double runs[SEEDS], secs[SEEDS];
	unsigned int i;
	struct outcome o;

	tf->found = 0;
	tf->seeds = seeds;
	tf->cap = cap;
	for (i = 0; i < seeds; i++) {
		if (run(sc, cfg, strategy, i + 1, cap, &o))
			return -1;
		tf->found += o.findings > 0;
		/* not found: counted as the cap, so the median says "more than" */
		runs[i] = o.findings ? (double)o.runs : (double)cap + 1;
		secs[i] = o.secs;
	}
	tf->runs = cli_median(runs, seeds);
	tf->secs = cli_median(secs, seeds);
	return 0;
}

/* ---- the report ---- */

struct bopts {
	bool json, quick;
	unsigned int seeds;
	struct json j;
};

static void print_switch(struct bopts *b)
{
	const char *kind = "?";
	uint64_t n = b->quick ? 200000 : 2000000;
	double own = own_ns(n, &kind), uc = swapcontext_ns(n / 10);

	if (b->json) {
		json_obj(&b->j, "switch");
		json_str(&b->j, "kind", kind);
		json_dbl(&b->j, "ns", own);
		json_dbl(&b->j, "swapcontext_ns", uc);
		json_dbl(&b->j, "ratio", own > 0 ? uc / own : 0);
		json_end_obj(&b->j);
		return;
	}
	printf("fiber switch: %s %.1f ns, swapcontext() %.1f ns (%.1fx: it saves the signal "
	       "mask with a system call)\n\n", kind, own, uc, own > 0 ? uc / own : 0);
}

/* per scenario: reset costs and throughput of its default variant */
static int print_scenarios(struct bopts *b, double *rate_of)
{
	unsigned int i;

	if (b->json)
		json_arr(&b->j, "scenarios");
	else
		printf("%-16s %-58s %12s %9s %12s %8s\n", "scenario", "default variant",
		       "create+setup", "restore", "schedules/s", "steps");
	for (i = 0; i < hvo_scenario_count(); i++) {
		const struct hvo_scenario *sc = hvo_scenario_get(i);
		bool slow = !strcmp(sc->name, "demote-walker");
		struct hvo_config cfg;
		struct reset rs;
		struct outcome o;
		char name[160];

		scenario_config(sc, &cfg);
		if (measure_reset(sc, slow || b->quick ? 40 : 200, &rs) ||
		    run(sc, &cfg, "random", 1, slow ? 300 : b->quick ? 1000 : 5000, &o))
			return -1;
		rate_of[i] = (double)o.schedules / o.secs;
		hvo_scenario_variant_name(&cfg, name, sizeof(name));
		if (b->json) {
			json_obj(&b->j, NULL);
			json_str(&b->j, "name", sc->name);
			json_str(&b->j, "variant", name);
			json_u64(&b->j, "threads", sc->nr_threads);
			json_dbl(&b->j, "create_setup_us", rs.create_us);
			json_dbl(&b->j, "restore_us", rs.restore_us);
			json_dbl(&b->j, "schedules_per_second", rate_of[i]);
			json_dbl(&b->j, "steps_per_schedule", (double)o.steps / (double)o.schedules);
			json_end_obj(&b->j);
		} else {
			printf("%-16s %-58s %10.0fus %7.1fus %12.0f %8.1f\n", sc->name, name + 9,
			       rs.create_us, rs.restore_us, rate_of[i],
			       (double)o.steps / (double)o.schedules);
		}
	}
	if (b->json)
		json_end_arr(&b->j);
	return 0;
}

static void tf_json(struct json *j, const char *key, const struct tofind *t)
{
	json_obj(j, key);
	json_u64(j, "found", t->found);
	json_u64(j, "seeds", t->seeds);
	json_u64(j, "cap", t->cap);
	json_dbl(j, "median_runs", t->runs);
	json_dbl(j, "median_seconds", t->secs);
	json_end_obj(j);
}

static const char *tf_text(const struct tofind *t, char *buf, size_t len)
{
	if (t->runs > (double)t->cap)
		snprintf(buf, len, ">%" PRIu64 " (%u/%u)", t->cap, t->found, t->seeds);
	else
		snprintf(buf, len, "%.0f %.3fs (%u/%u)", t->runs, t->secs, t->found, t->seeds);
	return buf;
}

static int print_variant(struct bopts *b, const struct hvo_scenario *sc,
			 const struct hvo_config *v, double rate)
{
	/* about a second of runs per seed at most */
	uint64_t cap = rate > CAP_RANDOM ? CAP_RANDOM : rate < 200 ? 200 : (uint64_t)rate;
	struct tofind tr, tp;
	struct outcome d;
	char name[160], a[48], p[48];

	if (to_find(sc, v, "random", b->seeds, cap, &tr) ||
	    to_find(sc, v, "pct:3", b->seeds, CAP_PCT, &tp) ||
	    run(sc, v, "dfs:2", 1, 0, &d))
		return -1;
	hvo_scenario_variant_name(v, name, sizeof(name));
	if (b->json) {
		json_obj(&b->j, NULL);
		json_str(&b->j, "scenario", sc->name);
		json_str(&b->j, "variant", name);
		tf_json(&b->j, "random", &tr);
		tf_json(&b->j, "pct3", &tp);
		json_obj(&b->j, "dfs2");
		json_bool(&b->j, "found", d.findings > 0);
		json_u64(&b->j, "runs", d.findings ? d.runs : d.schedules);
		json_dbl(&b->j, "seconds", d.secs);
		json_end_obj(&b->j);
		json_end_obj(&b->j);
		return 0;
	}
	printf("%-16s %-58s %-22s %-22s %s%" PRIu64 " %.3fs\n", sc->name, name + 9,
	       tf_text(&tr, a, sizeof(a)), tf_text(&tp, p, sizeof(p)), d.findings ? "" : "not found ",
	       d.findings ? d.runs : d.schedules, d.secs);
	return 0;
}

static int print_findings(struct bopts *b, const double *rate_of)
{
	unsigned int i, k, n;

	if (b->json)
		json_arr(&b->j, "known_bad");
	else
		printf("\nruns (median over %u seeds) and seconds to the first finding:\n"
		       "%-16s %-58s %-22s %-22s %s\n", b->seeds, "scenario", "known-bad variant",
		       "random", "pct:3", "dfs:2");
	for (i = 0; i < hvo_scenario_count(); i++) {
		const struct hvo_scenario *sc = hvo_scenario_get(i);
		struct hvo_config v[32];

		n = hvo_scenario_variants(sc, v, 32);
		for (k = 0; k < n && k < 32; k++)
			if (sc->known_bad && sc->known_bad(&v[k]) &&
			    print_variant(b, sc, &v[k], rate_of[i]))
				return -1;
	}
	if (b->json)
		json_end_arr(&b->j);
	return 0;
}

/* the exhaustive search of the target: first-optimize, two threads */
static int print_dfs(struct bopts *b)
{
	const struct hvo_scenario *sc = hvo_scenario_find("first-optimize");
	struct hvo_config cfg;
	struct outcome o;

	if (!sc)
		return -1;
	scenario_config(sc, &cfg);
	if (run(sc, &cfg, "dfs:2", 1, 0, &o))
		return -1;
	if (b->json) {
		json_obj(&b->j, "dfs2_first_optimize");
		json_u64(&b->j, "schedules", o.schedules);
		json_u64(&b->j, "pruned", o.pruned);
		json_bool(&b->j, "complete", o.complete);
		json_u64(&b->j, "findings", o.findings);
		json_dbl(&b->j, "seconds", o.secs);
		json_end_obj(&b->j);
		return 0;
	}
	printf("\ndfs:2 of first-optimize (2 threads, shared-tail cmpxchg): %" PRIu64 " schedules, "
	       "%" PRIu64 " pruned by sleep sets, %s, %" PRIu64 " findings, %.2f s\n", o.schedules,
	       o.pruned, o.complete ? "complete" : "INCOMPLETE", o.findings, o.secs);
	return 0;
}

int bench_explore(int argc, char **argv)
{
	struct bopts b = { .seeds = SEEDS };
	uint64_t seeds = SEEDS;
	bool seeds_seen = false;
	const struct cli_opt opts[] = {
		{ .name = "seeds", .meta = "N", .kind = CLI_U64, .val = &seeds, .min = 1,
		  .max = SEEDS, .seen = &seeds_seen,
		  .help = "seeds per known-bad variant and strategy" },
		{ .name = "quick", .kind = CLI_FLAG, .val = &b.quick,
		  .help = "fewer runs, and 5 seeds unless --seeds says" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts,
				       .notes = notes };
	struct cli_args args;
	struct bench_host host;
	double rate_of[64];
	int r;

	cli_args_init(&args);
	r = cli_parse(&spec, &args, argc, argv);
	if (r != CLI_GO)
		return r;
	b.json = args.json;
	b.seeds = (unsigned int)(b.quick && !seeds_seen ? 5 : seeds);
	if (hvo_scenario_count() > 64)
		return CLI_FINDING;
	if (b.json) {
		json_init(&b.j, stdout);
		json_obj(&b.j, NULL);
	}
	bench_host_start(&host);
	print_switch(&b);
	r = print_scenarios(&b, rate_of);
	if (!r)
		r = print_findings(&b, rate_of);
	if (!r)
		r = print_dfs(&b);
	/* last: the rows print as they are measured, and the load average
	 * at the end covers them all */
	bench_host_end(&host);
	if (!b.json) {
		printf("\n");
		bench_host_print(&host, stdout);
	}
	if (b.json) {
		bench_host_json(&b.j, &host);
		json_end_obj(&b.j);
		json_done(&b.j);
	}
	return r ? CLI_FINDING : CLI_OK;
}
