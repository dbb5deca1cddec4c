// SPDX-License-Identifier: MIT
/*
 * cmd_explore.c - `hvosim explore`: run a built-in scenario's threads under
 * the schedule explorer and report what it found, with a replayable
 * schedule.  Exit status (opt.h): 1 on a finding, 0 when clean, 2 on bad
 * usage.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"

#define CMD "explore"

static const char about[] =
	"Runs the scenario's simulated threads as fibers and chooses at every yield\n"
	"point which one goes on.  A finding prints its seed, its schedule string and\n"
	"a trace; --strategy replay:SCHEDULE runs that schedule again.\n";

static const char notes[] =
	"Each scenario starts from its own machine (one node of 128M, 4K pages; the\n"
	"defaults above are those of --scenario when it comes first); the machine\n"
	"options change it.  --all-variants runs the scenario's own variants and\n"
	"ignores the machine options.  --seed is the exploration's: run i+1's seed\n"
	"is derived from run i's, so a printed seed with --runs 1 is that run again.\n";

struct xopts {
	struct cli_args args;
	const struct hvo_scenario *sc;
	struct hvo_scenario copy;	/* with --threads */
	struct hvo_explore_opts o;
	const char *scenario, *strategy;
	uint64_t threads;
	bool threads_seen, runs_seen, all, list, show_trace;
};

/* the library's messages start with "explore: "; cli_bad() names the command */
static const char *msg(void)
{
	const char *m = hvo_last_error();

	return strncmp(m, "explore: ", 9) ? m : m + 9;
}

static void list(bool json)
{
	struct json j;
	unsigned int i;

	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_arr(&j, "scenarios");
	}
	for (i = 0; i < hvo_scenario_count(); i++) {
		const struct hvo_scenario *sc = hvo_scenario_get(i);

		if (!json) {
			printf("  %-16s %s (%u variants)\n", sc->name, sc->summary,
			       hvo_scenario_variants(sc, NULL, 0));
			continue;
		}
		json_obj(&j, NULL);
		json_str(&j, "name", sc->name);
		json_str(&j, "summary", sc->summary);
		json_u64(&j, "threads", sc->nr_threads);
		json_u64(&j, "variants", hvo_scenario_variants(sc, NULL, 0));
		json_end_obj(&j);
	}
	if (json) {
		json_end_arr(&j);
		json_end_obj(&j);
		json_done(&j);
	}
}

/* the scenario first: its machine is the base the machine options change */
static int find_scenario(int argc, char **argv, struct xopts *x)
{
	int i;

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
			return cli_bad(CMD, "%s", msg());
		if (x->sc->config)
			x->sc->config(&x->args.cfg);
	}
	return CLI_GO;
}

static int parse(int argc, char **argv, struct xopts *x)
{
	const struct cli_opt opts[] = {
		{ .name = "scenario", .meta = "NAME", .kind = CLI_STR, .val = &x->scenario,
		  .def = "", .help = "a built-in scenario (--list)" },
		{ .name = "list", .kind = CLI_FLAG, .val = &x->list,
		  .help = "the built-in scenarios and how many variants each has" },
		{ .name = "strategy", .meta = "S", .kind = CLI_STR, .val = &x->strategy,
		  .help = "random | pct:D | dfs:C | replay:SCHEDULE\n"
			  "pct:D  PCT of depth D (D - 1 priority change points)\n"
			  "dfs:C  every schedule with at most C preemptions" },
		{ .name = "runs", .meta = "N", .kind = CLI_U64, .val = &x->o.runs, .min = 1,
		  .max = UINT64_MAX, .seen = &x->runs_seen,
		  .help = "schedules to run (random, pct); for dfs a cap (none\nby default)" },
		{ .name = "seed", .meta = "S", .kind = CLI_U64, .val = &x->o.seed,
		  .max = UINT64_MAX, .help = "seed of the first run" },
		{ .name = "threads", .meta = "N", .kind = CLI_U64, .val = &x->threads, .min = 2,
		  .max = HVO_EXPLORE_MAX_THREADS, .seen = &x->threads_seen, .def = "the scenario's",
		  .help = "2..4 threads, for scenarios whose threads are alike" },
		{ .name = "max-steps", .meta = "N", .kind = CLI_U64, .val = &x->o.max_steps,
		  .min = 1, .max = UINT64_MAX, .help = "steps after which a run is a livelock" },
		{ .name = "check-every-step", .kind = CLI_FLAG, .val = &x->o.check_every_step,
		  .help = "run hvo_check() after every step, not just at the end" },
		{ .name = "keep-going", .kind = CLI_FLAG, .val = &x->o.keep_going,
		  .help = "do not stop at the first finding" },
		{ .name = "trace", .kind = CLI_FLAG, .val = &x->show_trace,
		  .help = "print the last run's trace even if nothing was found" },
		{ .name = "all-variants", .kind = CLI_FLAG, .val = &x->all,
		  .help = "run every scheme/knob variant of the scenario; exit 0\n"
			  "if the known-bad ones were found and the rest were clean" },
		{ .name = NULL },
	};
	/* without --scenario, --help shows the generic machine's defaults
	 * but for the size every scenario sets */
	static const struct cli_override generic[] = {
		{ .name = "mem", .def = "128M, the scenario's" },
		{ .name = NULL },
	};
	struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts,
				 .machine = "* -seed", .notes = notes };
	int r;

	r = find_scenario(argc, argv, x);
	if (r != CLI_GO)
		return r;
	if (!x->sc)
		spec.override = generic;
	return cli_parse(&spec, &x->args, argc, argv);
}

static int set_threads(struct xopts *x)
{
	unsigned int i;

	for (i = 0; i < x->threads; i++)
		if (!x->sc->thread[i] || (i && x->sc->thread[i] != x->sc->thread[0]))
			return cli_bad(CMD, "scenario %s has distinct threads: --threads does "
				       "not apply", x->sc->name);
	x->copy = *x->sc;
	x->copy.nr_threads = (unsigned int)x->threads;
	x->sc = &x->copy;
	return CLI_GO;
}

static void progress(void *ctx, uint64_t runs, uint64_t findings)
{
	(void)ctx;
	cli_progress("  %" PRIu64 " schedules, %" PRIu64 " finding(s)", runs, findings);
}

static void print_finding_json(const struct hvo_explore_result *r, struct json *j)
{
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
	if (r->kind != HVO_FINDING_NONE || r->schedule)
		print_finding_json(r, j);
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

/* one exploration: 0 (*found set), or 2 with the message printed */
static int explore_one(struct xopts *x, const struct hvo_config *cfg, struct json *j,
		       bool *found)
{
	struct hvo_explore_result r;
	double t0 = cli_now(), secs;
	int e;

	e = hvo_explore(cfg, x->sc, &x->o, &r);
	secs = cli_now() - t0;
	if (x->o.progress)
		cli_progress_end();
	if (e) {
		fprintf(stderr, "hvosim " CMD ": %s\n", msg());
		return CLI_USAGE;
	}
	if (x->args.json && x->all)
		json_obj(j, NULL);
	if (x->args.json)
		print_json(x, cfg, &r, j, secs);
	if (x->args.json && x->all)
		json_end_obj(j);
	if (!x->args.json)
		print_text(x, cfg, &r, secs);
	*found = r.findings > 0;
	hvo_explore_result_free(&r);
	return CLI_OK;
}

/* every variant: 1 if a known-bad one was missed or a correct one failed */
static int all_variants(struct xopts *x, struct json *j)
{
	unsigned int n = hvo_scenario_variants(x->sc, NULL, 0), i, wrong = 0;
	struct hvo_config *v = calloc(n ? n : 1, sizeof(*v));
	bool found;

	if (!v) {
		fprintf(stderr, "hvosim " CMD ": out of memory\n");
		return CLI_USAGE;
	}
	hvo_scenario_variants(x->sc, v, n);
	if (x->args.json) {
		json_str(j, "scenario", x->sc->name);
		json_arr(j, "variants");
	}
	for (i = 0; i < n; i++) {
		bool bad = x->sc->known_bad && x->sc->known_bad(&v[i]);

		if (explore_one(x, &v[i], j, &found)) {
			free(v);
			return CLI_USAGE;
		}
		if (found != bad)
			wrong++;
		if (!x->args.json)
			printf("  => %s\n\n", found == bad ? (bad ? "found, as expected" : "clean, as "
				"expected") : (bad ? "NOT FOUND (known-bad)" : "UNEXPECTED FINDING"));
	}
	if (x->args.json)
		json_end_arr(j);
	free(v);
	return wrong ? CLI_FINDING : CLI_OK;
}

/* after parsing: the scenario, --threads, the strategy and the progress */
static int prepare(struct xopts *x)
{
	if (!x->sc)
		return cli_bad(CMD, "--scenario NAME is needed (--list shows them)");
	if (x->threads_seen && set_threads(x) != CLI_GO)
		return CLI_USAGE;
	if (hvo_explore_parse_strategy(x->strategy, &x->o))
		return cli_bad(CMD, "%s", msg());
	if (x->o.strategy == HVO_EXPLORE_DFS && !x->runs_seen)
		x->o.runs = 0;	/* exhaustive unless capped */
	x->o.trace = x->show_trace;
	if (!x->args.json && cli_tty()) {
		x->o.progress = progress;
		x->o.progress_ctx = x;
	}
	if (x->all)
		return CLI_GO;
	if (x->sc->applies && x->sc->applies(&x->args.cfg))
		return cli_bad(CMD, "%s", msg());
	return cli_check_machine(CMD, &x->args.cfg) ? CLI_USAGE : CLI_GO;
}

int cmd_explore(int argc, char **argv)
{
	struct xopts x;
	struct json j;
	bool found = false;
	int rc;

	memset(&x, 0, sizeof(x));
	cli_args_init(&x.args);
	x.strategy = "random";
	x.o.seed = 1;
	x.o.runs = 1000;
	x.o.max_steps = 100000;
	rc = parse(argc, argv, &x);
	if (rc != CLI_GO)
		return rc;
	if (x.list) {
		list(x.args.json);
		return CLI_OK;
	}
	rc = prepare(&x);
	if (rc != CLI_GO)
		return rc;
	if (x.args.json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
	} else {
		memset(&j, 0, sizeof(j));
	}
	if (x.all)
		rc = all_variants(&x, &j);
	else
		rc = explore_one(&x, &x.args.cfg, &j, &found) ? CLI_USAGE :
		     found ? CLI_FINDING : CLI_OK;
	if (x.args.json) {
		json_end_obj(&j);
		json_done(&j);
	}
	return rc;
}
