// SPDX-License-Identifier: MIT
/*
 * bench_init.c - hvosim bench init: what it costs to bring struct pages to
 * life, against the same work on struct pages that already are.
 *
 * Two rows, each on a fresh machine per round (built and destroyed outside
 * the timing):
 *
 *   first touch  compound_head(pfn_to_page(pfn)) for every pfn in order on
 *                a machine whose memmap nobody has touched: each populated
 *                vmemmap block is memmap_init()ed on its first touch (lazy
 *                init).  Floor: the same calls right after, on initialised
 *                struct pages.
 *   pool grow    hvo_pool_grow() of N 2M folios (buddy allocation, first
 *                touch of their memmap, prep_compound_page(), hugetlb head
 *                prep, HVO optimize), per folio.  Floor: one restore +
 *                optimize cycle of each of the grown folios, per folio.
 *   pool regrow  the same pool shrunk to nothing and grown again: the same
 *                work on struct pages already initialised and host memory
 *                already resident, so what is left is the simulator's own
 *                cost; the difference to pool grow is the host's (page
 *                faults and zeroing of fresh memory: in a VM, the
 *                hypervisor's too).  Same floor.
 *
 * The ratio of each round is the figure; its median, min and max over the
 * rounds are reported.  --repeat N does the rounds N times: the figure is
 * then the median of the runs' medians, the spread over every round.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"

#define CMD "bench init"
#define MAX_ROUNDS 100
#define MAX_RUNS 10
#define FLOOR_PASSES 3
#define TOUCH_TARGET 4.0
#define GROW_TARGET 3.0

static const char about[] =
	"Times, on a fresh machine per row and round: the first compound_head() of\n"
	"every pfn in order (the lazy memmap init of each vmemmap block included)\n"
	"against the same calls once the struct pages are initialised; and\n"
	"hvo_pool_grow() of N 2M folios against a restore + optimize cycle of each\n"
	"grown folio, per folio; and the same pool shrunk and grown again (struct\n"
	"pages initialised, host memory resident: the simulator's own cost).\n"
	"Targets (informational): first touch <= 4x the initialised lookup, pool\n"
	"grow and regrow <= 3x the cycle.\n";

enum { ROW_TOUCH, ROW_GROW, ROW_REGROW, NR_ROWS };

struct row {
	const char *name, *unit;
	/* every round of every run, run after run */
	double sim[MAX_RUNS * MAX_ROUNDS], floor[MAX_RUNS * MAX_ROUNDS];
	double ratio[MAX_RUNS * MAX_ROUNDS];
	struct bench_spread s_sim, s_floor, s_ratio;
	/* each run's medians, and the figures: the median of those */
	double run_sim[MAX_RUNS], run_floor[MAX_RUNS], run_ratio[MAX_RUNS];
	double fig_sim, fig_floor, fig_ratio;
	double target;
	bool run;
	const char *skipped;
};

struct init_run {
	struct cli_args args;
	uint64_t pfns, folios, rounds, repeat;
	struct bench_host host;
	struct row rows[NR_ROWS];
	uint64_t nr_pfns;
};

static inline uint64_t touch_pass(struct hvo_sim *sim, uint64_t n)
{
	uint64_t pfn, sum = 0;

	for (pfn = 0; pfn < n; pfn++)
		sum += hvo_compound_head(sim, hvo_pfn_to_page(sim, pfn));
	return sum;
}

static BENCH_TIMED uint64_t touch_first(struct hvo_sim *sim, uint64_t n)
{
	return touch_pass(sim, n);
}

static BENCH_TIMED uint64_t touch_again(struct hvo_sim *sim, uint64_t n)
{
	return touch_pass(sim, n);
}

/* one round of the first-touch row; the sums must agree or a pass lied */
static int round_touch(struct init_run *R, unsigned int r)
{
	struct row *row = &R->rows[ROW_TOUCH];
	struct hvo_sim *sim;
	uint64_t n, first, again;
	double t0, fl[FLOOR_PASSES];
	unsigned int p;

	if (cli_create(CMD, &R->args.cfg, &sim))
		return -1;
	R->nr_pfns = hvo_sim_geometry(sim)->nr_pfns;
	n = R->pfns && R->pfns < R->nr_pfns ? R->pfns : R->nr_pfns;
	t0 = cli_now();
	first = touch_first(sim, n);
	row->sim[r] = (cli_now() - t0) * 1e9 / (double)n;
	for (p = 0; p < FLOOR_PASSES; p++) {
		t0 = cli_now();
		again = touch_again(sim, n);
		fl[p] = (cli_now() - t0) * 1e9 / (double)n;
		if (again != first) {
			fprintf(stderr, "hvosim " CMD ": first touch and initialised lookups "
				"decode different heads\n");
			hvo_sim_destroy(sim);
			return -1;
		}
	}
	row->floor[r] = cli_median(fl, FLOOR_PASSES);
	R->pfns = n;
	return hvo_sim_destroy(sim) ? -1 : 0;
}

/* the two grows, apart for a profiler */
static BENCH_TIMED int grow_fresh(struct hvo_sim *sim, unsigned int h, uint64_t n,
				  uint64_t *got)
{
	return hvo_pool_grow(sim, h, 0, n, got);
}

static BENCH_TIMED int grow_again(struct hvo_sim *sim, unsigned int h, uint64_t n,
				  uint64_t *got)
{
	return hvo_pool_grow(sim, h, 0, n, got);
}

static BENCH_TIMED int cycle_all(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n)
{
	uint64_t i;
	int r = 0;

	for (i = 0; i < n && !r; i++) {
		r = hvo_folio_restore(sim, pfns[i]);
		if (!r)
			r = hvo_folio_optimize(sim, pfns[i]);
		if (r)
			fprintf(stderr, "hvosim " CMD ": cycle on folio %#" PRIx64 ": %s\n",
				pfns[i], hvo_last_error());
	}
	return r;
}

/* the pool shrunk to nothing, then grown again, timed; the cycle's floor */
static int regrow_measure(struct init_run *R, struct hvo_sim *sim, unsigned int h,
			  unsigned int r)
{
	struct row *row = &R->rows[ROW_REGROW];
	struct hvo_hstate_info hi;
	uint64_t got = 0;
	double t0;

	if (hvo_pool_shrink(sim, h, 0, R->folios, &got)) {
		fprintf(stderr, "hvosim " CMD ": pool shrink: %s\n", hvo_last_error());
		return -1;
	}
	t0 = cli_now();
	if (grow_again(sim, h, R->folios, &got)) {
		fprintf(stderr, "hvosim " CMD ": pool regrow reached %" PRIu64 " of %" PRIu64
			" folios: %s\n", got, R->folios, hvo_last_error());
		return -1;
	}
	row->sim[r] = (cli_now() - t0) * 1e6 / (double)R->folios;
	row->floor[r] = R->rows[ROW_GROW].floor[r];
	hvo_hstate_info(sim, h, &hi);
	if (hi.nr_optimized != R->folios) {
		fprintf(stderr, "hvosim " CMD ": after the regrow, %" PRIu64 " of %" PRIu64
			" folios are optimized\n", hi.nr_optimized, R->folios);
		return -1;
	}
	return 0;
}

/* grow timed, then a cycle of every grown folio timed, then the regrow;
 * each checked */
static int grow_measure(struct init_run *R, struct hvo_sim *sim, unsigned int h,
			unsigned int r, uint64_t *pfns)
{
	struct row *row = &R->rows[ROW_GROW];
	struct hvo_hstate_info hi;
	uint64_t got = 0;
	double t0;

	t0 = cli_now();
	if (grow_fresh(sim, h, R->folios, &got)) {
		fprintf(stderr, "hvosim " CMD ": pool grow reached %" PRIu64 " of %" PRIu64
			" folios: %s (try a larger --mem)\n", got, R->folios, hvo_last_error());
		return -1;
	}
	row->sim[r] = (cli_now() - t0) * 1e6 / (double)R->folios;
	hvo_hstate_info(sim, h, &hi);
	if (hi.nr_optimized != R->folios ||
	    hvo_folio_list(sim, h, pfns, R->folios) != (int64_t)R->folios) {
		fprintf(stderr, "hvosim " CMD ": after the grow, %" PRIu64 " of %" PRIu64
			" folios are optimized\n", hi.nr_optimized, R->folios);
		return -1;
	}
	t0 = cli_now();
	if (cycle_all(sim, pfns, R->folios))
		return -1;
	row->floor[r] = (cli_now() - t0) * 1e6 / (double)R->folios;
	return regrow_measure(R, sim, h, r);
}

static int round_grow(struct init_run *R, unsigned int r)
{
	struct row *row = &R->rows[ROW_GROW];
	struct hvo_hstate_info hi;
	struct hvo_sim *sim;
	uint64_t *pfns;
	int h, ret = -1;

	if (cli_create(CMD, &R->args.cfg, &sim))
		return -1;
	h = hvo_hstate_find(sim, 2ull << 20);
	if (h >= 0)
		hvo_hstate_info(sim, (unsigned int)h, &hi);
	if (h < 0 || !hi.optimizable) {
		row->run = R->rows[ROW_REGROW].run = false;
		row->skipped = R->rows[ROW_REGROW].skipped = h < 0 ?
			"no 2M huge page size with this base page size" :
			"HVO does not optimize 2M folios on this machine";
		return hvo_sim_destroy(sim) ? -1 : 0;
	}
	pfns = calloc(R->folios, sizeof(*pfns));
	if (!pfns)
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
	else
		ret = grow_measure(R, sim, (unsigned int)h, r, pfns);
	free(pfns);
	if (hvo_sim_destroy(sim))
		ret = -1;
	return ret;
}

/* the ratios and spreads of run @run's rounds, its medians kept */
static void run_finish(struct row *row, unsigned int run, unsigned int rounds)
{
	unsigned int r, b = run * rounds;

	for (r = b; r < b + rounds; r++)
		row->ratio[r] = row->floor[r] > 0 ? row->sim[r] / row->floor[r] : 0;
	bench_spread_of(row->sim + b, rounds, &row->s_sim);
	bench_spread_of(row->floor + b, rounds, &row->s_floor);
	bench_spread_of(row->ratio + b, rounds, &row->s_ratio);
	row->run_sim[run] = row->s_sim.median;
	row->run_floor[run] = row->s_floor.median;
	row->run_ratio[run] = row->s_ratio.median;
}

/* the figures over @runs runs, the spreads over all their rounds */
static void row_finish(struct row *row, unsigned int runs, unsigned int rounds)
{
	row->fig_sim = cli_median(row->run_sim, runs);
	row->fig_floor = cli_median(row->run_floor, runs);
	row->fig_ratio = cli_median(row->run_ratio, runs);
	bench_spread_of(row->sim, runs * rounds, &row->s_sim);
	bench_spread_of(row->floor, runs * rounds, &row->s_floor);
	bench_spread_of(row->ratio, runs * rounds, &row->s_ratio);
}

static void round_print(const struct init_run *R, unsigned int k, unsigned int run,
			unsigned int r)
{
	const struct row *row = &R->rows[k];
	unsigned int i = run * (unsigned int)R->rounds + r;

	if (row->run)
		fprintf(stderr, "hvosim " CMD ": run %u/%u round %u/%u: %s %.2f %s vs floor %.2f "
			"%s, ratio %.2f\n", run + 1, (unsigned int)R->repeat, r + 1,
			(unsigned int)R->rounds, row->name, row->sim[i], row->unit, row->floor[i],
			row->unit, row->floor[i] > 0 ? row->sim[i] / row->floor[i] : 0);
}

/*
 * The pool rows' rounds, every run's, before the first-touch row's: a
 * first-touch round writes a whole memmap (64 MiB at 4 GiB) and leaves the
 * host's caches full of its dirty lines, which a pool grow right after
 * paid for as writebacks (4.0x its floor after one, 2.6x without; the
 * floor, on warm memory, barely).  Each row's rounds follow only rounds of
 * their own kind, whose traffic they measure anyway.
 */
static int init_rounds(struct init_run *R)
{
	unsigned int r, k, rounds = (unsigned int)R->rounds, runs = (unsigned int)R->repeat;
	unsigned int run;

	for (run = 0; run < runs; run++)
		for (r = 0; r < rounds && R->rows[ROW_GROW].run; r++) {
			if (round_grow(R, run * rounds + r))
				return -1;
			round_print(R, ROW_GROW, run, r);
			round_print(R, ROW_REGROW, run, r);
		}
	for (run = 0; run < runs; run++)
		for (r = 0; r < rounds; r++) {
			if (round_touch(R, run * rounds + r))
				return -1;
			round_print(R, ROW_TOUCH, run, r);
		}
	for (k = 0; k < NR_ROWS; k++) {
		if (!R->rows[k].run)
			continue;
		for (run = 0; run < runs; run++)
			run_finish(&R->rows[k], run, rounds);
		row_finish(&R->rows[k], runs, rounds);
	}
	return 0;
}

static void init_json(const struct init_run *R)
{
	const struct hvo_config *cfg = &R->args.cfg;
	struct json j;
	unsigned int k;
	uint64_t r;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "bench", "init");
	json_u64(&j, "seed", cfg->seed);
	json_u64(&j, "rounds", R->rounds);
	json_u64(&j, "repeat", R->repeat);
	json_u64(&j, "mem_bytes", cfg->node_mem_bytes[0]);
	json_str(&j, "scheme", hvo_scheme_name(cfg->scheme));
	json_u64(&j, "pfns", R->pfns);
	json_u64(&j, "folios", R->folios);
	bench_host_json(&j, &R->host);
	json_arr(&j, "rows");
	for (k = 0; k < NR_ROWS; k++) {
		const struct row *row = &R->rows[k];

		if (!row->run)
			continue;
		json_obj(&j, NULL);
		json_str(&j, "name", row->name);
		json_str(&j, "unit", row->unit);
		json_dbl(&j, "sim", row->fig_sim);
		json_dbl(&j, "floor", row->fig_floor);
		json_dbl(&j, "ratio", row->fig_ratio);
		json_dbl(&j, "ratio_min", row->s_ratio.min);
		json_dbl(&j, "ratio_max", row->s_ratio.max);
		json_dbl(&j, "target", row->target);
		json_bool(&j, "target_met", row->fig_ratio <= row->target);
		json_arr(&j, "run_ratios");
		for (r = 0; r < R->repeat; r++)
			json_dbl(&j, NULL, row->run_ratio[r]);
		json_end_arr(&j);
		bench_spread_json(&j, "sim_spread", &row->s_sim, row->sim);
		bench_spread_json(&j, "floor_spread", &row->s_floor, row->floor);
		bench_spread_json(&j, "ratio_spread", &row->s_ratio, row->ratio);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_arr(&j, "skipped");
	for (k = 0; k < NR_ROWS; k++)
		if (!R->rows[k].run)
			json_str(&j, NULL, R->rows[k].name);
	json_end_arr(&j);
	json_end_obj(&j);
	json_done(&j);
}

static void init_table(const struct init_run *R)
{
	const struct hvo_config *cfg = &R->args.cfg;
	char a[32], b[32], sp[96];
	unsigned int k;
	uint64_t r;

	printf("hvosim bench init: seed %" PRIu64 ", %s machine, %s, %" PRIu64 " rounds x %"
	       PRIu64 " run(s) (a fresh machine per row and round); medians over rounds%s\n",
	       cfg->seed, cli_bytes(cfg->node_mem_bytes[0], a, sizeof(a)),
	       hvo_scheme_name(cfg->scheme), R->rounds, R->repeat,
	       R->repeat > 1 ? ", then over runs" : "");
	bench_host_print(&R->host, stdout);
	printf("  first touch: compound_head() of pfns 0..%s in order on a fresh machine;\n"
	       "               floor: the same calls once initialised (median of %d passes)\n"
	       "  pool grow:   hvo_pool_grow() of %" PRIu64 " 2M folios, per folio;\n"
	       "               floor: restore + optimize of each grown folio, per folio\n"
	       "  pool regrow: the pool shrunk to 0 and grown again (memmap initialised,\n"
	       "               host memory resident); same floor\n\n",
	       cli_thousands(R->pfns - 1, b, sizeof(b)), FLOOR_PASSES, R->folios);
	printf("%-12s %16s %16s  %-36s %s\n", "row", "sim", "floor", "ratio", "target");
	for (k = 0; k < NR_ROWS; k++) {
		const struct row *row = &R->rows[k];

		if (!row->run) {
			printf("%-12s not run: %s\n", row->name, row->skipped);
			continue;
		}
		snprintf(a, sizeof(a), "%.2f %s", row->fig_sim, row->unit);
		snprintf(b, sizeof(b), "%.2f %s", row->fig_floor, row->unit);
		/* the figure, then the spread of every round's ratio */
		snprintf(sp, sizeof(sp), "%.2f (min %.2f, max %.2f, %u rounds)", row->fig_ratio,
			 row->s_ratio.min, row->s_ratio.max, row->s_ratio.n);
		printf("%-12s %16s %16s  %-36s <= %.0f: %s\n", row->name, a, b, sp, row->target,
		       row->fig_ratio <= row->target ? "met" : "not met");
		for (r = 0; R->repeat > 1 && r < R->repeat; r++)
			printf("%-12s   run %" PRIu64 ": ratio %.2f\n", "", r + 1, row->run_ratio[r]);
	}
}

static int init_parse(struct init_run *R, int argc, char **argv)
{
	const struct cli_opt opts[] = {
		{ .name = "pfns", .meta = "N", .kind = CLI_U64, .val = &R->pfns,
		  .max = UINT64_MAX, .def = "all",
		  .help = "first touch: the pfns from 0 to look up (0: all)" },
		{ .name = "folios", .meta = "N", .kind = CLI_U64, .val = &R->folios, .min = 1,
		  .max = 1u << 20, .help = "pool grow: 2M folios per round" },
		{ .name = "rounds", .meta = "R", .kind = CLI_U64, .val = &R->rounds, .min = 1,
		  .max = MAX_ROUNDS, .help = "rounds (each a fresh machine per row)" },
		{ .name = "repeat", .meta = "N", .kind = CLI_U64, .val = &R->repeat, .min = 1,
		  .max = MAX_RUNS, .help = "runs of the rounds; the figure is the median of the\n"
		  "runs' medians" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts, .machine = "*" };

	R->folios = 256;
	R->rounds = 5;
	R->repeat = 1;
	cli_args_init(&R->args);
	return cli_parse(&spec, &R->args, argc, argv);
}

int bench_init(int argc, char **argv)
{
	struct init_run *R = calloc(1, sizeof(*R));
	int r;

	if (!R) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return CLI_FINDING;
	}
	r = init_parse(R, argc, argv);
	if (r == CLI_GO)
		r = cli_check_machine(CMD, &R->args.cfg) ? CLI_USAGE : CLI_GO;
	if (r != CLI_GO) {
		free(R);
		return r;
	}
	R->rows[ROW_TOUCH] = (struct row){ .name = "first touch", .unit = "ns/pfn",
					   .target = TOUCH_TARGET, .run = true };
	R->rows[ROW_GROW] = (struct row){ .name = "pool grow", .unit = "us/folio",
					  .target = GROW_TARGET, .run = true };
	R->rows[ROW_REGROW] = (struct row){ .name = "pool regrow", .unit = "us/folio",
					    .target = GROW_TARGET, .run = true };
	bench_host_start(&R->host);
	r = init_rounds(R) ? CLI_FINDING : CLI_OK;
	bench_host_end(&R->host);
	if (!r && R->args.json)
		init_json(R);
	else if (!r)
		init_table(R);
	free(R);
	return r;
}
