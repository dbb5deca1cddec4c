// SPDX-License-Identifier: MIT
/*
 * cmd_run.c - `hvosim run`: build a machine, fill its pools, optionally run
 * optimizer and walker threads against it, and give the checker's verdict.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fill.h"
#include "stress.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: hvosim run [--hugepages SPEC] [--threads N --walkers M --duration S]\n"
		"                  [--race-rounds R] [--json] [machine options]\n\n"
		"Builds the machine (boot gigantic pages with --boot-gigantic), fills the pools,\n"
		"prints what happened and runs hvo_check().\n\n"
		"  --hugepages SPEC   e.g. 2M:512,1G:2, spread over the nodes  [2M:64]\n"
		"  --threads N        optimizer threads cycling grow/shrink, take/put, demote\n"
		"  --walkers M        speculative PFN walker threads\n"
		"  --duration S       seconds of stress  [2]\n"
		"  --ops N            instead of a duration, N steps per thread\n"
		"  --hold N           folios kept in use by the main thread meanwhile  [1]\n"
		"  --race NAME        race rounds instead: first-optimize (2 threads grow one\n"
		"                     empty pool at once) or last-user (one thread restores the\n"
		"                     tail's last user while another optimizes); yields are\n"
		"                     injected at the tail slot to widen the window\n"
		"  --race-rounds R    rounds  [100]\n\n%s",
		CLI_MACHINE_HELP);
}

static void print_hstates(struct hvo_sim *sim, struct json *j, bool json)
{
	unsigned int h;

	if (json)
		json_arr(j, "hstates");
	else
		printf("%-20s %8s %8s %8s %10s %12s %12s %12s\n", "hstate", "nr", "free",
		       "surplus", "optimized", "optimizable", "vmemmap pg", "HVO freed");
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
			json_u64(j, "vmemmap_pages_freed", hi.vmemmap_pages_freed);
			json_u64(j, "vmemmap_pages_restored", hi.vmemmap_pages_restored);
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

int cmd_run(int argc, char **argv)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	struct stress_opts so = { .duration = 2, .hold = 1, .demote = true };
	struct stress_result sr;
	struct hvo_report *rep;
	struct hvo_stats st;
	const char *spec = "2M:64";
	uint64_t v, race_rounds = 0;
	enum stress_race race = STRESS_RACE_FIRST_OPTIMIZE;
	bool json = false, stress = false;
	int64_t viol;
	struct json j;
	double d;
	int i, r, rc = 0, code;

	cli_config_defaults(&cfg);
	for (i = 1; i < argc; i++) {
		r = cli_common_opt(&cfg, argc, argv, &i, usage, &code);
		if (r == CLI_OPT_EXIT)
			return code;
		if (r == CLI_OPT_TAKEN)
			continue;
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--hugepages") && i + 1 < argc) {
			spec = argv[++i];
		} else if (!strcmp(argv[i], "--threads") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &v) || v > 64)
				return cli_bad("run", "--threads '%s' is not 0..64", argv[i]);
			so.optimizers = (unsigned int)v;
			stress = true;
		} else if (!strcmp(argv[i], "--walkers") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &v) || v > 64)
				return cli_bad("run", "--walkers '%s' is not 0..64", argv[i]);
			so.walkers = (unsigned int)v;
			stress = true;
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			d = strtod(argv[++i], NULL);
			if (!(d > 0 && d <= 3600))
				return cli_bad("run", "--duration '%s' is not in (0, 3600]", argv[i]);
			so.duration = d;
		} else if (!strcmp(argv[i], "--ops") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &so.max_ops) || !so.max_ops)
				return cli_bad("run", "--ops '%s' is not a positive number", argv[i]);
		} else if (!strcmp(argv[i], "--hold") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &v) || v > 1024)
				return cli_bad("run", "--hold '%s' is not 0..1024", argv[i]);
			so.hold = (unsigned int)v;
		} else if (!strcmp(argv[i], "--race") && i + 1 < argc) {
			i++;
			if (!strcmp(argv[i], "first-optimize"))
				race = STRESS_RACE_FIRST_OPTIMIZE;
			else if (!strcmp(argv[i], "last-user"))
				race = STRESS_RACE_LAST_USER;
			else
				return cli_bad("run", "--race '%s' is not first-optimize or last-user",
					       argv[i]);
			if (!race_rounds)
				race_rounds = 100;
		} else if (!strcmp(argv[i], "--race-rounds") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &race_rounds) || race_rounds > 100000)
				return cli_bad("run", "--race-rounds '%s' is not 1..100000", argv[i]);
		} else {
			return cli_bad("run", "unknown option '%s'", argv[i]);
		}
	}
	so.seed = cfg.seed;
	so.progress = !json;
	if (race_rounds) {
		struct race_result rr;

		if (!json)
			printf("%s race: %" PRIu64 " rounds, 2 threads, scheme %s, alloc "
			       "%s, seed %" PRIu64 "\n", stress_race_name(race), race_rounds,
			       hvo_scheme_name(cfg.scheme),
			       cfg.tail_alloc == HVO_TAIL_ALLOC_CMPXCHG ? "cmpxchg" :
			       cfg.tail_alloc == HVO_TAIL_ALLOC_LOCK ? "lock" : "none", cfg.seed);
		if (stress_race(&cfg, race, 2, (unsigned int)race_rounds, true, &rr)) {
			fprintf(stderr, "hvosim run: race rounds failed: %s\n", hvo_last_error());
			return 1;
		}
		if (json) {
			json_init(&j, stdout);
			json_obj(&j, NULL);
			json_u64(&j, "seed", cfg.seed);
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
		return rr.rounds_with_violations ? 1 : 0;
	}
	if (!json)
		printf("seed %" PRIu64 ", scheme %s\n", cfg.seed, hvo_scheme_name(cfg.scheme));
	if (cli_create(&cfg, &sim))
		return 1;
	if (cli_fill_pools(sim, spec, json)) {
		hvo_sim_destroy(sim);
		return 2;
	}
	if (stress) {
		/* the CLI may read clocks: count synchronize_rcu() time too */
		hvo_sim_set_timing(sim, true);
		if (!json)
			printf("stress: %u optimizer thread(s), %u walker(s), %s\n", so.optimizers,
			       so.walkers, so.max_ops ? "bounded ops" : "timed");
		stress_run(sim, &so, &sr);
	}
	rep = malloc(sizeof(*rep));
	viol = rep ? hvo_check(sim, rep) : -1;
	hvo_sim_stats(sim, &st);
	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_u64(&j, "seed", cfg.seed);
		json_str(&j, "scheme", hvo_scheme_name(cfg.scheme));
		print_hstates(sim, &j, true);
		cli_stats_json(&j, "counters", &st);
		if (stress) {
			json_obj(&j, "stress");
			json_dbl(&j, "seconds", sr.seconds);
			json_u64(&j, "optimize", sr.optimize);
			json_u64(&j, "restore", sr.restore);
			json_u64(&j, "takes", sr.takes);
			json_u64(&j, "puts", sr.puts);
			json_u64(&j, "grows", sr.grows);
			json_u64(&j, "shrinks", sr.shrinks);
			json_u64(&j, "demotes", sr.demotes);
			json_u64(&j, "walks", sr.walks);
			json_u64(&j, "walk_got", sr.walk_got);
			json_u64(&j, "walk_raced", sr.walk_raced);
			json_u64(&j, "walk_fault", sr.walk_fault);
			json_u64(&j, "synchronize_rcu_calls", sr.sync_rcu);
			json_dbl(&j, "synchronize_rcu_ms", (double)sr.sync_rcu_ns / 1e6);
			json_end_obj(&j);
		}
		json_u64(&j, "faults", hvo_fault_log_count(sim));
		json_i64(&j, "violations", viol);
		json_end_obj(&j);
		json_done(&j);
	} else {
		char b1[32], b2[32];

		print_hstates(sim, NULL, false);
		printf("vmemmap in use %s (%" PRId64 " runtime + %" PRId64 " boot pages), shared "
		       "tails %" PRIu64 " (%s)\n",
		       cli_bytes(st.in_use[HVO_KIND_VMEMMAP] * hvo_sim_geometry(sim)->page_size,
				 b1, sizeof(b1)), st.memmap_pages, st.memmap_boot_pages,
		       st.shared_tails_live,
		       cli_bytes(st.shared_tails_live * hvo_sim_geometry(sim)->page_size, b2,
				 sizeof(b2)));
		printf("optimize %" PRIu64 " (failed %" PRIu64 "), restore %" PRIu64 " (failed %"
		       PRIu64 "), TLB flushes %" PRIu64 ", PMD splits %" PRIu64
		       ", synchronize_rcu %" PRIu64 " (%.3f ms)\n", st.optimize_done,
		       st.optimize_failed, st.restore_done, st.restore_failed,
		       st.tlb_flush_all + st.tlb_flush_range, st.pmd_splits, st.synchronize_rcu_calls,
		       (double)st.synchronize_rcu_ns / 1e6);
		if (stress)
			printf("stress %.2fs: optimize %.0f/s, restore %.0f/s, take+put %.0f/s, "
			       "walks %.0f/s (got %" PRIu64 ", raced %" PRIu64 ", faults %" PRIu64
			       "), demotes %" PRIu64 "\n", sr.seconds, sr.optimize / sr.seconds,
			       sr.restore / sr.seconds, sr.puts / sr.seconds, sr.walks / sr.seconds,
			       sr.walk_got, sr.walk_raced, sr.walk_fault, sr.demotes);
		printf("faults logged: %" PRIu64 "\n", hvo_fault_log_count(sim));
		if (hvo_fault_log_count(sim)) {
			struct hvo_fault f;
			char buf[256];

			if (!hvo_fault_log_get(sim, 0, &f))
				printf("  first: %s\n", hvo_fault_format(&f, buf, sizeof(buf)));
		}
		printf("checker: %" PRId64 " violation(s)\n", viol);
		if (viol > 0)
			hvo_report_print(rep, stdout);
	}
	if (viol || hvo_fault_log_count(sim))
		rc = 1;
	free(rep);
	if (hvo_sim_destroy(sim))
		rc = 1;
	return rc;
}
