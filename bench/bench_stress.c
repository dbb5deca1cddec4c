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

#include "bench.h"
#include "harness.h"
#include "stress.h"

#define CMD "bench stress"

static const char about[] =
	"Runs, for fake-head (rcu-sync on) and shared-tail, interleaved: 1 and 2 optimizer\n"
	"threads alone, 1 and 2 walker threads alone, and 1 optimizer + 1 walker (the\n"
	"2-thread mixed run compared side by side).  Each run builds a fresh machine\n"
	"with a 2M pool; optimizers take/put folios and grow/shrink the pool (demote\n"
	"is left to 'hvosim run --threads').  Reports throughput, faults and violations\n"
	"(0 for these correct variants), synchronize_rcu() calls and time.\n";

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
	if (cli_create(CMD, &cfg, &sim))
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

static const enum hvo_scheme schemes[2] = { HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL };

struct stress_bench {
	struct cli_args args;
	double duration;
	struct result res[NROWS][2];
	uint64_t viol, faults;
};

/* every row under both schemes, interleaved run by run */
static int stress_runs(struct stress_bench *B)
{
	const struct hvo_config *cfg = &B->args.cfg;
	size_t k;
	int s;

	if (!B->args.json)
		fprintf(stderr, "bench stress: seed %" PRIu64 ", %.1fs per run, %zu runs\n",
			cfg->seed, B->duration, 2 * NROWS);
	for (k = 0; k < NROWS; k++)
		for (s = 0; s < 2; s++) {
			struct result *x = &B->res[k][s];

			if (!B->args.json)
				fprintf(stderr, "  %-18s %s...\n", rows[k].label,
					hvo_scheme_name(schemes[s]));
			if (one(cfg, schemes[s], &rows[k], B->duration, cfg->seed + k, x))
				return -1;
			B->viol += x->r.violations > 0 ? (uint64_t)x->r.violations : 0;
			B->faults += x->r.faults;
		}
	return 0;
}

static void stress_row_json(struct json *j, int s, size_t k, const struct result *x)
{
	json_obj(j, NULL);
	json_str(j, "scheme", hvo_scheme_name(schemes[s]));
	json_u64(j, "optimizers", rows[k].opt);
	json_u64(j, "walkers", rows[k].walk);
	json_dbl(j, "seconds", x->r.seconds);
	json_dbl(j, "optimize_restore_per_s", x->optres);
	json_dbl(j, "walks_per_s", x->walks);
	json_u64(j, "optimize", x->r.optimize);
	json_u64(j, "restore", x->r.restore);
	json_u64(j, "takes", x->r.takes);
	json_u64(j, "demotes", x->r.demotes);
	json_u64(j, "walk_faults", x->r.walk_fault);
	json_u64(j, "faults", x->r.faults);
	json_i64(j, "violations", x->r.violations);
	json_u64(j, "synchronize_rcu_calls", x->r.sync_rcu);
	json_dbl(j, "synchronize_rcu_ms", (double)x->r.sync_rcu_ns / 1e6);
	json_end_obj(j);
}

static void stress_json(const struct stress_bench *B)
{
	const struct result (*res)[2] = B->res;
	struct json j;
	size_t k;
	int s;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "bench", "stress");
	json_u64(&j, "seed", B->args.cfg.seed);
	json_dbl(&j, "duration", B->duration);
	json_arr(&j, "rows");
	for (k = 0; k < NROWS; k++)
		for (s = 0; s < 2; s++)
			stress_row_json(&j, s, k, &res[k][s]);
	json_end_arr(&j);
	json_dbl(&j, "mixed_walks_ratio_shared_vs_fake", res[4][1].walks / res[4][0].walks);
	json_dbl(&j, "mixed_optres_ratio_shared_vs_fake", res[4][1].optres / res[4][0].optres);
	json_obj(&j, "scaling_1_to_2");
	json_dbl(&j, "fake_head_optimizers", res[1][0].optres / res[0][0].optres);
	json_dbl(&j, "shared_tail_optimizers", res[1][1].optres / res[0][1].optres);
	json_dbl(&j, "fake_head_walkers", res[3][0].walks / res[2][0].walks);
	json_dbl(&j, "shared_tail_walkers", res[3][1].walks / res[2][1].walks);
	json_end_obj(&j);
	json_u64(&j, "violations", B->viol);
	json_u64(&j, "faults", B->faults);
	json_end_obj(&j);
	json_done(&j);
}

static void stress_table(const struct stress_bench *B)
{
	const struct result (*res)[2] = B->res;
	size_t k;

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
	printf("faults %" PRIu64 ", checker violations %" PRIu64 " (both must be 0)\n",
	       B->faults, B->viol);
}

int bench_stress(int argc, char **argv)
{
	struct stress_bench B;
	const struct cli_opt opts[] = {
		{ .name = "duration", .meta = "S", .kind = CLI_DBL, .val = &B.duration,
		  .dmax = 600, .help = "seconds per run (10 runs)" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts,
				       .machine = "seed mem" };
	struct hvo_config c;
	int r, s;

	memset(&B, 0, sizeof(B));
	B.duration = 1.0;
	cli_args_init(&B.args);
	B.args.cfg.node_mem_bytes[0] = 4ull << 30;
	B.args.cfg.boot_gigantic[0] = 1;
	r = cli_parse(&spec, &B.args, argc, argv);
	if (r != CLI_GO)
		return r;
	for (s = 0; s < 2; s++) {
		c = B.args.cfg;
		c.scheme = schemes[s];
		c.rcu_sync = true;
		if (cli_check_machine(CMD, &c))
			return CLI_USAGE;
	}
	if (stress_runs(&B))
		return CLI_FINDING;
	if (B.args.json)
		stress_json(&B);
	else
		stress_table(&B);
	return B.viol || B.faults ? CLI_FINDING : CLI_OK;
}
