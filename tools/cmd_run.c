// SPDX-License-Identifier: MIT
/*
 * cmd_run.c - `hvosim run`: build a machine, fill its pools, optionally run
 * optimizer and walker threads against it, and give the checker's verdict.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"
#include "stress.h"

#define CMD "run"

static const char about[] =
	"Builds the machine (boot gigantic pages with --boot-gigantic), fills the pools,\n"
	"optionally runs optimizer and walker threads against it (--threads, --walkers)\n"
	"or race rounds (--race), prints what happened and runs hvo_check().\n";

static const char *const races[] = { "first-optimize", "last-user", NULL };

struct run {
	struct cli_args args;
	const char *spec;
	uint64_t threads, walkers, hold, race_rounds;
	unsigned int race;
	bool stress, race_set;
	uint64_t filled[HVO_MAX_HSTATES];	/* pool sizes before the stress */
	struct stress_opts so;
	struct stress_result sr;
};

static int run_parse(struct run *R, int argc, char **argv)
{
	const struct cli_opt opts[] = {
		{ .name = "hugepages", .meta = "SPEC", .kind = CLI_STR, .val = &R->spec,
		  .def = "64 of the smallest size, at most 1/4 of memory",
		  .help = "pools to fill, e.g. 2M:512,1G:2, spread over the nodes" },
		{ .name = "threads", .meta = "N", .kind = CLI_U64, .val = &R->threads, .max = 64,
		  .seen = &R->stress, .help = "optimizer threads cycling grow/shrink, take/put, demote" },
		{ .name = "walkers", .meta = "M", .kind = CLI_U64, .val = &R->walkers, .max = 64,
		  .seen = &R->stress, .help = "speculative PFN walker threads" },
		{ .name = "duration", .meta = "S", .kind = CLI_DBL, .val = &R->so.duration,
		  .dmax = 3600, .help = "seconds of stress" },
		{ .name = "ops", .meta = "N", .kind = CLI_U64, .val = &R->so.max_ops, .min = 1,
		  .max = UINT64_MAX, .def = "", .help = "instead of a duration, N steps per thread" },
		{ .name = "hold", .meta = "N", .kind = CLI_U64, .val = &R->hold, .max = 1024,
		  .help = "folios kept in use by the main thread meanwhile" },
		{ .name = "race", .meta = "NAME", .kind = CLI_CHOICE, .val = &R->race,
		  .choices = races, .seen = &R->race_set, .def = "",
		  .help = "race rounds instead: first-optimize (2 threads grow one\n"
			  "empty pool at once) or last-user (one thread restores the\n"
			  "tail's last user while another optimizes); yields are\n"
			  "injected at the tail slot to widen the window" },
		{ .name = "race-rounds", .meta = "R", .kind = CLI_U64, .val = &R->race_rounds,
		  .min = 1, .max = 100000, .seen = &R->race_set, .help = "rounds of --race" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts, .machine = "*" };

	R->so.duration = 2;
	R->hold = 1;
	R->race_rounds = 100;
	cli_args_init(&R->args);
	return cli_parse(&spec, &R->args, argc, argv);
}

/*
 * The hstates.  JSON vmemmap_pages_saved is the hstate's count (net of the
 * new head copies, boot pages included); counters.vmemmap_pages_freed is
 * the machine's (every page optimize freed).  @filled: the pool sizes
 * before a stress run, or NULL.
 */
static void print_hstates(struct hvo_sim *sim, struct json *j, bool json,
			  const uint64_t *filled)
{
	unsigned int h;

	if (json)
		json_arr(j, "hstates");
	else
		printf("%-20s %8s %8s %8s %10s %12s %12s %12s\n", "hstate", "nr", "free",
		       "surplus", "optimized", "optimizable", "vmemmap pg", "HVO saved");
	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi;

		hvo_hstate_info(sim, h, &hi);
		if (json) {
			json_obj(j, NULL);
			json_str(j, "name", hi.name);
			json_u64(j, "nr_huge_pages", hi.nr_huge_pages);
			json_u64(j, "free_huge_pages", hi.free_huge_pages);
			json_u64(j, "surplus_huge_pages", hi.surplus_huge_pages);
			json_u64(j, "optimized", hi.nr_optimized);
			json_bool(j, "optimizable", hi.optimizable);
			json_u64(j, "vmemmap_pages_in_use", hi.vmemmap_pages_in_use);
			json_u64(j, "vmemmap_pages_saved", hi.vmemmap_pages_freed);
			json_u64(j, "vmemmap_pages_restored", hi.vmemmap_pages_restored);
			if (filled)
				json_u64(j, "nr_huge_pages_before_stress", filled[h]);
			json_end_obj(j);
		} else {
			printf("%-20s %8" PRIu64 " %8" PRIu64 " %8" PRIu64 " %10" PRIu64 " %12s %12"
			       PRIu64 " %12" PRIu64 "\n", hi.name, hi.nr_huge_pages, hi.free_huge_pages,
			       hi.surplus_huge_pages, hi.nr_optimized, hi.optimizable ? "yes" : "no",
			       hi.vmemmap_pages_in_use, hi.vmemmap_pages_freed);
		}
	}
	if (json)
		json_end_arr(j);
}

static const char *alloc_name(enum hvo_tail_alloc a)
{
	return a == HVO_TAIL_ALLOC_CMPXCHG ? "cmpxchg" : a == HVO_TAIL_ALLOC_LOCK ? "lock" : "none";
}

/* --race: rounds on fresh machines; a round with a violation is a finding */
static int run_race(struct run *R)
{
	const struct hvo_config *cfg = &R->args.cfg;
	enum stress_race race = R->race ? STRESS_RACE_LAST_USER : STRESS_RACE_FIRST_OPTIMIZE;
	struct race_result rr;
	struct json j;

	if (cli_check_machine(CMD, cfg))
		return CLI_USAGE;
	if (!R->args.json)
		printf("%s race: %" PRIu64 " rounds, 2 threads, scheme %s, alloc %s, seed %" PRIu64
		       "\n", stress_race_name(race), R->race_rounds, hvo_scheme_name(cfg->scheme),
		       alloc_name(cfg->tail_alloc), cfg->seed);
	if (stress_race(cfg, race, 2, (unsigned int)R->race_rounds, true, &rr)) {
		fprintf(stderr, "hvosim " CMD ": race rounds failed: %s\n", hvo_last_error());
		return CLI_FINDING;
	}
	if (R->args.json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "seed", cfg->seed);
		json_u64(&j, "rounds", rr.rounds);
		json_u64(&j, "rounds_with_violations", rr.rounds_with_violations);
		json_u64(&j, "violations", rr.violations);
		json_str(&j, "race", stress_race_name(race));
		json_u64(&j, "races_lost", rr.races_lost);
		json_u64(&j, "tails_freed", rr.tails_freed);
		json_u64(&j, "faults", rr.faults);
		json_end_obj(&j);
		json_done(&j);
	} else {
		printf("rounds %u, caught in %u (%" PRIu64 " violations, %" PRIu64 " faults); "
		       "lost races resolved %" PRIu64 ", tails freed %" PRIu64 "\n", rr.rounds,
		       rr.rounds_with_violations, rr.violations, rr.faults, rr.races_lost,
		       rr.tails_freed);
	}
	return rr.rounds_with_violations ? CLI_FINDING : CLI_OK;
}

static void stress_json(struct json *j, const struct stress_result *sr)
{
	json_obj(j, "stress");
	json_dbl(j, "seconds", sr->seconds);
	json_u64(j, "optimize", sr->optimize);
	json_u64(j, "restore", sr->restore);
	json_u64(j, "takes", sr->takes);
	json_u64(j, "puts", sr->puts);
	json_u64(j, "grows", sr->grows);
	json_u64(j, "shrinks", sr->shrinks);
	json_u64(j, "demotes", sr->demotes);
	json_u64(j, "walks", sr->walks);
	json_u64(j, "walk_got", sr->walk_got);
	json_u64(j, "walk_raced", sr->walk_raced);
	json_u64(j, "walk_fault", sr->walk_fault);
	json_u64(j, "synchronize_rcu_calls", sr->sync_rcu);
	json_dbl(j, "synchronize_rcu_ms", (double)sr->sync_rcu_ns / 1e6);
	json_end_obj(j);
}

static void run_json(struct run *R, struct hvo_sim *sim, const struct hvo_stats *st,
		     int64_t viol)
{
	struct json j;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_u64(&j, "seed", R->args.cfg.seed);
	json_str(&j, "scheme", hvo_scheme_name(R->args.cfg.scheme));
	print_hstates(sim, &j, true, R->stress ? R->filled : NULL);
	json_stats(&j, "counters", st);
	if (R->stress)
		stress_json(&j, &R->sr);
	json_u64(&j, "faults", hvo_fault_log_count(sim));
	json_i64(&j, "violations", viol);
	json_end_obj(&j);
	json_done(&j);
}

static void run_text_counters(struct hvo_sim *sim, const struct hvo_stats *st)
{
	uint64_t ps = hvo_sim_geometry(sim)->page_size;
	char b1[32], b2[32];

	printf("vmemmap in use %s (%" PRId64 " runtime + %" PRId64 " boot pages), shared "
	       "tails %" PRIu64 " (%s)\n", cli_bytes(st->in_use[HVO_KIND_VMEMMAP] * ps, b1,
							sizeof(b1)),
	       st->memmap_pages, st->memmap_boot_pages, st->shared_tails_live,
	       cli_bytes(st->shared_tails_live * ps, b2, sizeof(b2)));
	printf("optimize %" PRIu64 " (failed %" PRIu64 "), restore %" PRIu64 " (failed %"
	       PRIu64 "), TLB flushes %" PRIu64 ", PMD splits %" PRIu64
	       ", synchronize_rcu %" PRIu64 " (%.3f ms)\n", st->optimize_done,
	       st->optimize_failed, st->restore_done, st->restore_failed,
	       st->tlb_flush_all + st->tlb_flush_range, st->pmd_splits,
	       st->synchronize_rcu_calls, (double)st->synchronize_rcu_ns / 1e6);
}

/* the optimizer threads demote the biggest size and grow it back when they
 * can: say so, and how the pools differ from what was filled */
static void run_text_pools(const struct run *R, struct hvo_sim *sim)
{
	unsigned int h, changed = 0;

	if (!R->sr.demotes)
		return;
	printf("the stress demoted %" PRIu64 " folio(s) of the biggest size", R->sr.demotes);
	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi;
		char size[24];

		hvo_hstate_info(sim, h, &hi);
		if (hi.nr_huge_pages == R->filled[h])
			continue;
		printf("%s %s pool %" PRIu64 " -> %" PRIu64, changed++ ? "," : "; now",
		       cli_size(hi.bytes, size, sizeof(size)), R->filled[h], hi.nr_huge_pages);
	}
	printf("%s\n", changed ? " (not grown back)" : " and grew them back: the pools are as filled");
}

/* the fault log is a ring: its oldest record is the first only if none
 * was dropped */
static void run_text_faults(struct hvo_sim *sim)
{
	uint64_t n = hvo_fault_log_count(sim), kept = hvo_sim_config(sim)->fault_log_size;
	struct hvo_fault f;
	char buf[256];

	printf("faults logged: %" PRIu64 "\n", n);
	if (!n || hvo_fault_log_get(sim, 0, &f))
		return;
	if (n <= kept)
		printf("  first: %s\n", hvo_fault_format(&f, buf, sizeof(buf)));
	else
		printf("  oldest kept (%" PRIu64 " older dropped): %s\n", n - kept,
		       hvo_fault_format(&f, buf, sizeof(buf)));
}

static void run_text(struct run *R, struct hvo_sim *sim, const struct hvo_stats *st,
		     int64_t viol, const struct hvo_report *rep)
{
	const struct stress_result *sr = &R->sr;

	print_hstates(sim, NULL, false, NULL);
	run_text_counters(sim, st);
	if (R->stress)
		printf("stress %.2fs: optimize %.0f/s, restore %.0f/s, take+put %.0f/s, "
		       "walks %.0f/s (got %" PRIu64 ", raced %" PRIu64 ", faults %" PRIu64
		       "), demotes %" PRIu64 "\n", sr->seconds, sr->optimize / sr->seconds,
		       sr->restore / sr->seconds, sr->puts / sr->seconds, sr->walks / sr->seconds,
		       sr->walk_got, sr->walk_raced, sr->walk_fault, sr->demotes);
	if (R->stress)
		run_text_pools(R, sim);
	run_text_faults(sim);
	printf("checker: %" PRId64 " violation(s)\n", viol);
	if (viol > 0)
		hvo_report_print(rep, stdout);
}

static void run_stress(struct run *R, struct hvo_sim *sim)
{
	struct hvo_hstate_info hi;
	unsigned int h;

	for (h = 0; h < hvo_hstate_count(sim); h++)
		if (!hvo_hstate_info(sim, h, &hi))
			R->filled[h] = hi.nr_huge_pages;
	R->so.optimizers = (unsigned int)R->threads;
	R->so.walkers = (unsigned int)R->walkers;
	R->so.hold = (unsigned int)R->hold;
	R->so.demote = true;
	R->so.seed = R->args.cfg.seed;
	R->so.progress = !R->args.json;
	/* the CLI may read clocks: count synchronize_rcu() time too */
	hvo_sim_set_timing(sim, true);
	if (!R->args.json)
		printf("stress: %u optimizer thread(s), %u walker(s), %s\n", R->so.optimizers,
		       R->so.walkers, R->so.max_ops ? "bounded ops" : "timed");
	stress_run(sim, &R->so, &R->sr);
}

int cmd_run(int argc, char **argv)
{
	struct run R;
	struct hvo_sim *sim;
	struct hvo_report *rep;
	struct hvo_stats st;
	char pools[48];
	int64_t viol;
	int r;

	memset(&R, 0, sizeof(R));
	r = run_parse(&R, argc, argv);
	if (r != CLI_GO)
		return r;
	if (R.race_set)
		return run_race(&R);
	r = cli_create(CMD, &R.args.cfg, &sim);
	if (r)
		return r;
	if (!R.spec)
		R.spec = cli_default_pools(sim, 64, pools, sizeof(pools));
	if (cli_fill_pools(sim, R.spec, R.args.json)) {
		hvo_sim_destroy(sim);
		return CLI_USAGE;
	}
	if (!R.args.json)
		printf("seed %" PRIu64 ", scheme %s, pools %s\n", R.args.cfg.seed,
		       hvo_scheme_name(R.args.cfg.scheme), R.spec);
	if (R.stress)
		run_stress(&R, sim);
	rep = malloc(sizeof(*rep));
	viol = rep ? hvo_check(sim, rep) : -1;
	hvo_sim_stats(sim, &st);
	if (R.args.json)
		run_json(&R, sim, &st, viol);
	else
		run_text(&R, sim, &st, viol, rep);
	r = viol || hvo_fault_log_count(sim) ? CLI_FINDING : CLI_OK;
	free(rep);
	return hvo_sim_destroy(sim) ? CLI_FINDING : r;
}
