// SPDX-License-Identifier: MIT
/*
 * cmd_explore.c - `hvosim explore`: run a built-in scenario's threads under
 * the schedule explorer and report what it found, with a replayable
 * schedule.  Exit status: 1 on a finding, 0 when clean, 2 on bad usage.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"

struct xopts {
	const struct hvo_scenario *sc;
	struct hvo_scenario copy;	/* with --threads */
	struct hvo_config cfg;
	struct hvo_explore_opts o;
	const char *strategy;
	bool json, all, list, show_trace;
};

static void usage(FILE *out)
{
	fprintf(out, "usage: hvosim explore --scenario NAME [--strategy S] [--runs N] [--seed S]\n"
		"                      [--threads N] [--json] [machine options]\n"
		"       hvosim explore --list\n\n"
		"Runs the scenario's simulated threads as fibers and chooses at every yield\n"
		"point which one goes on.  A finding prints its seed, its schedule string and\n"
		"a trace; --strategy replay:SCHEDULE runs that schedule again.\n\n"
		"  --scenario NAME    a built-in scenario (--list)\n"
		"  --strategy S       random | pct:D | dfs:C | replay:SCHEDULE  [random]\n"
		"                     pct:D   PCT of depth D (D - 1 priority change points)\n"
		"                     dfs:C   every schedule with at most C preemptions\n"
		"  --runs N           schedules to run (random, pct); a cap for dfs  [1000]\n"
		"  --seed S           seed of the first run  [1]\n"
		"  --threads N        2..4 threads, for scenarios whose threads are alike\n"
		"  --max-steps N      steps after which a run is a livelock  [100000]\n"
		"  --check-every-step run hvo_check() after every step, not just at the end\n"
		"  --keep-going       do not stop at the first finding\n"
		"  --trace            print the last run's trace even if nothing was found\n"
		"  --all-variants     run every scheme/knob variant of the scenario; exit 0\n"
		"                     if the known-bad ones were found and the rest were clean\n"
		"  --json             one JSON object\n\n"
		"Each scenario starts from its own machine (128M, 4K pages); machine options\n"
		"change it.\n\n%s", CLI_MACHINE_HELP);
}

/* the library's messages start with "explore: "; cli_bad() names the command */
static const char *msg(void)
{
	const char *m = hvo_last_error();

	return strncmp(m, "explore: ", 9) ? m : m + 9;
}

static void list(void)
{
	unsigned int i;

	for (i = 0; i < hvo_scenario_count(); i++) {
		const struct hvo_scenario *sc = hvo_scenario_get(i);

		printf("  %-16s %s (%u variants)\n", sc->name, sc->summary,
		       hvo_scenario_variants(sc, NULL, 0));
	}
}

/* the scenario first: its machine is the base the machine options change */
static int find_scenario(int argc, char **argv, struct xopts *x)
{
	int i;

	cli_config_defaults(&x->cfg);
	for (i = 1; i < argc; i++) {
		const char *v = NULL;

		if (!strcmp(argv[i], "--scenario") && i + 1 < argc)
			v = argv[i + 1];
		else if (!strncmp(argv[i], "--scenario=", 11))
			v = argv[i] + 11;
		if (!v)
			continue;
		x->sc = hvo_scenario_find(v);
		if (!x->sc)
			return cli_bad("explore", "%s", msg());
		if (x->sc->config)
			x->sc->config(&x->cfg);
	}
	return 0;
}

static int set_threads(struct xopts *x, uint64_t n)
{
	unsigned int i;

	if (!x->sc)
		return cli_bad("explore", "--threads needs --scenario");
	for (i = 0; i < n; i++)
		if (!x->sc->thread[i] || (i && x->sc->thread[i] != x->sc->thread[0]))
			return cli_bad("explore", "scenario %s has distinct threads: --threads does "
				       "not apply", x->sc->name);
	x->copy = *x->sc;
	x->copy.nr_threads = (unsigned int)n;
	x->sc = &x->copy;
	return 0;
}

/* archcheck: long: one flat option loop, as every command has */
static int parse(int argc, char **argv, struct xopts *x, int *code)
{
	uint64_t v;
	int i, r;

	for (i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--scenario")) {
			i++;
			continue;
		}
		if (!strncmp(argv[i], "--scenario=", 11))
			continue;
		r = cli_opt_u64("explore", "seed", argc, argv, &i, &x->o.seed, 0, UINT64_MAX);
		if (!r)
			r = cli_opt_u64("explore", "runs", argc, argv, &i, &x->o.runs, 1, UINT64_MAX);
		if (!r)
			r = cli_opt_u64("explore", "max-steps", argc, argv, &i, &x->o.max_steps, 1,
					UINT64_MAX);
		if (!r && (r = cli_opt_u64("explore", "threads", argc, argv, &i, &v, 2,
					   HVO_EXPLORE_MAX_THREADS)) == 1)
			r = set_threads(x, v) ? 2 : 1;
		if (r == 2)
			return *code = 2, -1;
		if (r)
			continue;
		r = cli_common_opt(&x->cfg, argc, argv, &i, usage, code);
		if (r == CLI_OPT_EXIT)
			return -1;
		if (r == CLI_OPT_TAKEN)
			continue;
		if (!strcmp(argv[i], "--json"))
			x->json = true;
		else if (!strcmp(argv[i], "--list"))
			x->list = true;
		else if (!strcmp(argv[i], "--all-variants"))
			x->all = true;
		else if (!strcmp(argv[i], "--check-every-step"))
			x->o.check_every_step = true;
		else if (!strcmp(argv[i], "--keep-going"))
			x->o.keep_going = true;
		else if (!strcmp(argv[i], "--trace"))
			x->show_trace = true;
		else if (!strcmp(argv[i], "--strategy") && i + 1 < argc)
			x->strategy = argv[++i];
		else if (!strncmp(argv[i], "--strategy=", 11))
			x->strategy = argv[i] + 11;
		else
			return *code = cli_bad("explore", "unknown option '%s'", argv[i]), -1;
	}
	return 0;
}

static bool runs_given(int argc, char **argv)
{
	int i;

	for (i = 1; i < argc; i++)
		if (cli_is_opt(argv[i], "runs"))
			return true;
	return false;
}

static void progress(void *ctx, uint64_t runs, uint64_t findings)
{
	(void)ctx;
	fprintf(stderr, "\r  %" PRIu64 " schedules, %" PRIu64 " finding(s)", runs, findings);
}

static void print_json(const struct xopts *x, const struct hvo_config *cfg,
		       const struct hvo_explore_result *r, struct json *j, double secs)
{
	char name[160];

	json_str(j, "scenario", x->sc->name);
	json_str(j, "variant", hvo_scenario_variant_name(cfg, name, sizeof(name)));
	json_bool(j, "known_bad", x->sc->known_bad && x->sc->known_bad(cfg));
	json_str(j, "strategy", x->strategy);
	json_u64(j, "threads", x->sc->nr_threads);
	json_u64(j, "schedules", r->schedules);
	json_u64(j, "steps", r->steps);
	json_dbl(j, "steps_per_schedule", r->schedules ? (double)r->steps / (double)r->schedules : 0);
	json_u64(j, "max_run_steps", r->max_run_steps);
	json_u64(j, "pruned", r->pruned);
	json_bool(j, "complete", r->complete);
	json_dbl(j, "seconds", secs);
	json_dbl(j, "schedules_per_second", secs > 0 ? (double)r->schedules / secs : 0);
	json_u64(j, "findings", r->findings);
	json_str(j, "switch", r->switch_kind);
	if (r->kind != HVO_FINDING_NONE || r->schedule) {
		json_obj(j, r->kind != HVO_FINDING_NONE ? "finding" : "last_run");
		json_str(j, "kind", hvo_finding_name(r->kind));
		json_u64(j, "seed", r->seed);
		json_u64(j, "run", r->run_index);
		json_u64(j, "step", r->step);
		json_str(j, "schedule", r->schedule ? r->schedule : "");
		json_str(j, "message", r->message);
		json_str(j, "trace", r->trace ? r->trace : "");
		json_end_obj(j);
	}
}

static void print_text(const struct xopts *x, const struct hvo_config *cfg,
		       const struct hvo_explore_result *r, double secs)
{
	char name[160];

	printf("%s %s, %s, %u threads: %" PRIu64 " schedules (%.1f steps each), %.0f/s",
	       x->sc->name, hvo_scenario_variant_name(cfg, name, sizeof(name)), x->strategy,
	       x->sc->nr_threads, r->schedules,
	       r->schedules ? (double)r->steps / (double)r->schedules : 0.0,
	       secs > 0 ? (double)r->schedules / secs : 0.0);
	if (x->o.strategy == HVO_EXPLORE_DFS)
		printf(", %" PRIu64 " pruned by sleep sets, %s", r->pruned,
		       r->complete ? "complete" : "stopped before the end");
	printf("\n");
	if (r->kind != HVO_FINDING_NONE) {
		hvo_explore_print(r, stdout);
	} else {
		printf("no finding%s\n", x->sc->known_bad && x->sc->known_bad(cfg) ?
		       " (this variant is known to be wrong: more runs or another strategy)" : "");
		if (x->show_trace && r->trace)
			printf("seed: %#" PRIx64 "\nschedule: %s\ntrace:\n%s", r->seed, r->schedule,
			       r->trace);
	}
}

/* one exploration; -1 on error (message printed), else findings > 0 */
static int explore_one(struct xopts *x, const struct hvo_config *cfg, struct json *j,
		       bool *found)
{
	struct hvo_explore_result r;
	double t0 = cli_now(), secs;
	int e;

	e = hvo_explore(cfg, x->sc, &x->o, &r);
	secs = cli_now() - t0;
	if (x->o.progress)
		fprintf(stderr, "\r%60s\r", "");
	if (e) {
		fprintf(stderr, "hvosim explore: %s\n", msg());
		return -1;
	}
	if (x->json && x->all)
		json_obj(j, NULL);
	if (x->json)
		print_json(x, cfg, &r, j, secs);
	if (x->json && x->all)
		json_end_obj(j);
	if (!x->json)
		print_text(x, cfg, &r, secs);
	*found = r.findings > 0;
	hvo_explore_result_free(&r);
	return 0;
}

static int all_variants(struct xopts *x, struct json *j)
{
	unsigned int n = hvo_scenario_variants(x->sc, NULL, 0), i, wrong = 0;
	struct hvo_config *v = calloc(n ? n : 1, sizeof(*v));
	bool found;

	if (!v)
		return 2;
	hvo_scenario_variants(x->sc, v, n);
	if (x->json) {
		json_str(j, "scenario", x->sc->name);
		json_arr(j, "variants");
	}
	for (i = 0; i < n; i++) {
		bool bad = x->sc->known_bad && x->sc->known_bad(&v[i]);

		if (explore_one(x, &v[i], j, &found)) {
			free(v);
			return 2;
		}
		if (found != bad)
			wrong++;
		if (!x->json)
			printf("  => %s\n\n", found == bad ? (bad ? "found, as expected" : "clean, as "
				"expected") : (bad ? "NOT FOUND (known-bad)" : "UNEXPECTED FINDING"));
	}
	if (x->json)
		json_end_arr(j);
	free(v);
	return wrong ? 1 : 0;
}

int cmd_explore(int argc, char **argv)
{
	struct xopts x = { .strategy = "random" };
	struct json j;
	bool found = false;
	int code = 0, rc;

	x.o.seed = 1;
	x.o.runs = 1000;
	if (find_scenario(argc, argv, &x))
		return 2;
	if (parse(argc, argv, &x, &code))
		return code;
	if (x.list) {
		list();
		return 0;
	}
	if (!x.sc)
		return cli_bad("explore", "--scenario NAME is needed (--list shows them)");
	if (hvo_explore_parse_strategy(x.strategy, &x.o))
		return cli_bad("explore", "%s", msg());
	if (x.o.strategy == HVO_EXPLORE_DFS && !runs_given(argc, argv))
		x.o.runs = 0;	/* exhaustive unless capped */
	x.o.trace = x.show_trace;
	if (!x.json && isatty(2)) {
		x.o.progress = progress;
		x.o.progress_ctx = &x;
	}
	if (x.json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
	} else {
		memset(&j, 0, sizeof(j));
	}
	if (!x.all && x.sc->applies && x.sc->applies(&x.cfg))
		return cli_bad("explore", "%s", msg());
	if (x.all) {
		rc = all_variants(&x, &j);
	} else {
		rc = explore_one(&x, &x.cfg, &j, &found) ? 2 : found;
	}
	if (x.json) {
		json_end_obj(&j);
		json_done(&j);
	}
	return rc;
}
