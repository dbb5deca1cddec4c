// SPDX-License-Identifier: MIT
/*
 * bench_stress.c - `hvosim bench stress`: the stress engine on real pthreads,
 * fake-head (with its RCU synchronisation) and shared-tail side by side,
 * interleaved run by run: optimize+restore/s, walker lookups/s, faults,
 * checker violations, synchronize_rcu count and time, and the scaling from
 * one to two threads of each kind.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fill.h"
#include "stress.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: hvosim bench stress [--duration S] [--json] [--seed N] [--mem SIZE]\n\n"
		"Runs, for fake-head (rcu-sync on) and shared-tail, interleaved: 1 and 2 optimizer\n"
		"threads alone, 1 and 2 walker threads alone, and 1 optimizer + 1 walker (the\n"
		"2-thread mixed run compared side by side).  Each run builds a fresh machine\n"
		"with a 2M pool; optimizers take/put folios and grow/shrink the pool (demote\n"
		"is left to 'hvosim run --threads').  Reports throughput, faults and violations\n"
		"(0 for these correct variants), synchronize_rcu() calls and time.\n");
}

struct cfgrow {
	unsigned int opt, walk;
	const char *label;
};

static const struct cfgrow rows[] = {
	{ 1, 0, "1 optimizer" }, { 2, 0, "2 optimizers" },
	{ 0, 1, "1 walker" }, { 0, 2, "2 walkers" },
	{ 1, 1, "1 opt + 1 walker" },
};
#define NROWS (sizeof(rows) / sizeof(rows[0]))

struct result {
	struct stress_result r;
	double optres, walks;
};

static int one(const struct hvo_config *base, enum hvo_scheme scheme, const struct cfgrow *row,
	       double duration, uint64_t seed, struct result *out)
{
	struct hvo_config cfg = *base;
	struct stress_opts so = { .optimizers = row->opt, .walkers = row->walk,
				  .duration = duration, .seed = seed, .hold = 1,
				  /* one 1G folio would make demote a contended no-op for
				   * all but one thread and skew the scaling */
				  .demote = false };
	struct hvo_sim *sim;

	cfg.scheme = scheme;
	cfg.rcu_sync = true;
	if (cli_create(&cfg, &sim))
		return -1;
	hvo_sim_set_timing(sim, true);
	if (cli_fill_pools(sim, "2M:256", true)) {
		hvo_sim_destroy(sim);
		return -1;
	}
	stress_run(sim, &so, &out->r);
	out->optres = (double)(out->r.optimize + out->r.restore) / out->r.seconds;
	out->walks = (double)out->r.walks / out->r.seconds;
	if (hvo_sim_destroy(sim))
		return -1;
	return 0;
}

int bench_stress(int argc, char **argv)
{
	static const enum hvo_scheme schemes[2] = { HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL };
	struct hvo_config cfg;
	struct result res[NROWS][2];
	double duration = 1.0;
	uint64_t viol = 0, faults = 0;
	bool json = false;
	struct json j;
	size_t k;
	int i, s, r;

	cli_config_defaults(&cfg);
	cfg.node_mem_bytes[0] = 4ull << 30;
	cfg.boot_gigantic[0] = 1;
	for (i = 1; i < argc; i++) {
		if (cli_is_help(argv[i])) {
			usage(stdout);
			return 0;
		}
		if (cli_is_version(argv[i]))
			return cli_version();
		if (!strcmp(argv[i], "--json")) {
			json = true;
		} else if (!strcmp(argv[i], "--duration") && i + 1 < argc) {
			duration = strtod(argv[++i], NULL);
			if (!(duration > 0 && duration <= 600))
				return cli_bad("bench stress", "--duration '%s' not in (0, 600]", argv[i]);
		} else if ((!strcmp(argv[i], "--seed") || !strcmp(argv[i], "--mem")) && i + 1 < argc) {
			if (hvo_config_set(&cfg, argv[i] + 2, argv[i + 1])) {
				fprintf(stderr, "hvosim bench stress: %s\n", hvo_last_error());
				return 2;
			}
			i++;
		} else {
			return cli_bad("bench stress", "unknown option '%s'", argv[i]);
		}
	}
	if (!json)
		fprintf(stderr, "bench stress: seed %" PRIu64 ", %.1fs per run, %zu runs\n", cfg.seed,
			duration, 2 * NROWS);
	for (k = 0; k < NROWS; k++)
		for (s = 0; s < 2; s++) {
			if (!json)
				fprintf(stderr, "  %-18s %s...\n", rows[k].label,
					hvo_scheme_name(schemes[s]));
			r = one(&cfg, schemes[s], &rows[k], duration, cfg.seed + k, &res[k][s]);
			if (r)
				return 1;
			viol += res[k][s].r.violations > 0 ? (uint64_t)res[k][s].r.violations : 0;
			faults += res[k][s].r.faults;
		}
	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "bench", "stress");
		json_u64(&j, "seed", cfg.seed);
		json_dbl(&j, "duration", duration);
		json_arr(&j, "rows");
		for (k = 0; k < NROWS; k++)
			for (s = 0; s < 2; s++) {
				struct result *x = &res[k][s];

				json_obj(&j, NULL);
				json_str(&j, "scheme", hvo_scheme_name(schemes[s]));
				json_u64(&j, "optimizers", rows[k].opt);
				json_u64(&j, "walkers", rows[k].walk);
				json_dbl(&j, "seconds", x->r.seconds);
				json_dbl(&j, "optimize_restore_per_s", x->optres);
				json_dbl(&j, "walks_per_s", x->walks);
				json_u64(&j, "optimize", x->r.optimize);
				json_u64(&j, "restore", x->r.restore);
				json_u64(&j, "takes", x->r.takes);
				json_u64(&j, "demotes", x->r.demotes);
				json_u64(&j, "walk_faults", x->r.walk_fault);
				json_u64(&j, "faults", x->r.faults);
				json_i64(&j, "violations", x->r.violations);
				json_u64(&j, "synchronize_rcu_calls", x->r.sync_rcu);
				json_dbl(&j, "synchronize_rcu_ms", (double)x->r.sync_rcu_ns / 1e6);
				json_end_obj(&j);
			}
		json_end_arr(&j);
		json_dbl(&j, "mixed_walks_ratio_shared_vs_fake", res[4][1].walks / res[4][0].walks);
		json_dbl(&j, "mixed_optres_ratio_shared_vs_fake", res[4][1].optres / res[4][0].optres);
		json_obj(&j, "scaling_1_to_2");
		json_dbl(&j, "fake_head_optimizers", res[1][0].optres / res[0][0].optres);
		json_dbl(&j, "shared_tail_optimizers", res[1][1].optres / res[0][1].optres);
		json_dbl(&j, "fake_head_walkers", res[3][0].walks / res[2][0].walks);
		json_dbl(&j, "shared_tail_walkers", res[3][1].walks / res[2][1].walks);
		json_end_obj(&j);
		json_u64(&j, "violations", viol);
		json_u64(&j, "faults", faults);
		json_end_obj(&j);
		json_done(&j);
		return viol || faults ? 1 : 0;
	}
	printf("%-18s | %-34s | %-34s\n", "", "fake-head (+RCU sync)", "shared-tail (zone)");
	printf("%-18s | %11s %11s %10s | %11s %11s %10s\n", "run", "opt+rst/s", "walks/s",
	       "sync_rcu", "opt+rst/s", "walks/s", "sync_rcu");
	for (k = 0; k < NROWS; k++)
		printf("%-18s | %11.0f %11.0f %10" PRIu64 " | %11.0f %11.0f %10" PRIu64 "\n",
		       rows[k].label, res[k][0].optres, res[k][0].walks, res[k][0].r.sync_rcu,
		       res[k][1].optres, res[k][1].walks, res[k][1].r.sync_rcu);
	printf("mixed 2-thread run, shared-tail / fake-head: walks x%.2f, optimize+restore x%.2f\n",
	       res[4][1].walks / res[4][0].walks, res[4][1].optres / res[4][0].optres);
	printf("scaling 1 -> 2 threads: optimizers fake-head x%.2f shared-tail x%.2f; walkers "
	       "fake-head x%.2f shared-tail x%.2f\n", res[1][0].optres / res[0][0].optres,
	       res[1][1].optres / res[0][1].optres, res[3][0].walks / res[2][0].walks,
	       res[3][1].walks / res[2][1].walks);
	printf("synchronize_rcu time (fake-head, mixed run): %.3f ms over %" PRIu64 " calls\n",
	       (double)res[4][0].r.sync_rcu_ns / 1e6, res[4][0].r.sync_rcu);
	printf("faults %" PRIu64 ", checker violations %" PRIu64 " (both must be 0)\n", faults, viol);
	return viol || faults ? 1 : 0;
}
