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
#include "flat.h"
#include "harness.h"
#include "stress.h"

#define CMD "bench stress"
#define MAX_REPEAT 20
#define FLOOR_WALKS 2000000
#define FLOOR_PAIRS 2000

static const char about[] =
	"Runs, for fake-head (rcu-sync on) and shared-tail, interleaved: 1 and 2 optimizer\n"
	"threads alone, 1 and 2 walker threads alone, and 1 optimizer + 1 walker (the\n"
	"2-thread mixed run compared side by side).  Each run builds a fresh machine\n"
	"with a 2M pool; optimizers take/put folios and grow/shrink the pool (demote\n"
	"is left to 'hvosim run --threads').  Reports throughput, faults and violations\n"
	"(0 for these correct variants), synchronize_rcu() calls and time.\n"
	"Floors, per scheme, measured in the same run on one thread: the walker's\n"
	"steps (compound_head, page_ref_add_unless, recheck, put) on a flat host\n"
	"array mirroring the machine, and memcpy() of the vmemmap pages an\n"
	"optimize+restore pair writes; each row is compared with them per thread.\n";

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

/* one scheme's floors: what one thread does without the simulator */
struct floor {
	double walks;		/* per second, flat array */
	double optres;		/* optimize + restore operations per second, memcpy */
	uint64_t pages;		/* vmemmap pages one pair writes */
};

static inline bool flat_ref_add_unless(uintptr_t page)
{
	uint32_t *rc = (uint32_t *)(page + FLAT_COUNTS) + 1;
	uint32_t cur = __atomic_load_n(rc, __ATOMIC_RELAXED);

	while (cur)
		if (__atomic_compare_exchange_n(rc, &cur, cur + 1, false, __ATOMIC_SEQ_CST,
						__ATOMIC_RELAXED))
			return true;
	return false;
}

static inline void flat_ref_put(uintptr_t page)
{
	__atomic_fetch_sub((uint32_t *)(page + FLAT_COUNTS) + 1, 1, __ATOMIC_SEQ_CST);
}

/* hvo_walk_pfn() on the flat array, with the walkers' choice of pfns */
static BENCH_TIMED uint64_t walk_flat(const struct flat *f, uint64_t nr_pfns,
				      uint64_t per_page, uint64_t n, uint64_t rng)
{
	uint64_t i, got = 0, r, pfn;
	uintptr_t page, head;

	for (i = 0; i < n; i++) {
		r = cli_splitmix64(&rng);
		pfn = r % nr_pfns;
		if ((r >> 62) & 1)
			pfn -= pfn % per_page;
		page = f->base + pfn * f->stride;
		/* folio mode: page_folio(), folio_try_get(), recheck, put; page
		 * mode: get_page_unless_zero(), recheck it is a head, put */
		head = (r >> 63) ? flat_head(f, page) : page;
		if (flat_ref_add_unless(head)) {
			got += flat_head(f, page) == head;
			flat_ref_put(head);
		}
	}
	return got;
}

static BENCH_TIMED void copy_pairs(unsigned char *dst, const unsigned char *src, size_t bytes,
				   uint64_t n)
{
	static void *(*volatile copy)(void *, const void *, size_t) = memcpy;
	uint64_t i;

	for (i = 0; i < n; i++)
		copy(dst, src, bytes);
}

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

/* the memcpy floor of an optimize+restore pair: the pages it writes */
static int floor_copy(struct hvo_sim *sim, struct floor *fl)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	struct hvo_hstate_info hi;
	size_t bytes;
	unsigned char *src, *dst;
	int h = hvo_hstate_find(sim, 2ull << 20);
	double t0;

	if (h < 0 || hvo_hstate_info(sim, (unsigned int)h, &hi))
		return -1;
	fl->pages = hi.vmemmap_pages;
	bytes = (size_t)(fl->pages * g->page_size);
	src = malloc(bytes);
	dst = malloc(bytes);
	if (!src || !dst) {
		free(src);
		free(dst);
		return -1;
	}
	memset(src, 0x5a, bytes);
	memset(dst, 0, bytes);
	copy_pairs(dst, src, bytes, 1);
	t0 = cli_now();
	copy_pairs(dst, src, bytes, FLOOR_PAIRS);
	fl->optres = 2.0 * FLOOR_PAIRS / (cli_now() - t0);
	free(src);
	free(dst);
	return 0;
}

/* @scheme's floors, on a machine built and filled as the runs' are */
static int floor_measure(const struct hvo_config *base, enum hvo_scheme scheme,
			 struct floor *fl)
{
	struct hvo_config cfg = *base;
	const struct hvo_geometry *g;
	struct hvo_sim *sim;
	struct flat f;
	double t0;
	int r = -1;

	cfg.scheme = scheme;
	cfg.rcu_sync = true;
	if (cli_create(CMD, &cfg, &sim))
		return -1;
	g = hvo_sim_geometry(sim);
	if (!cli_fill_pools(sim, "2M:256", true) && !flat_build(CMD, sim, &f)) {
		walk_flat(&f, g->nr_pfns, g->page_size / g->stride, FLOOR_WALKS / 10, cfg.seed);
		t0 = cli_now();
		walk_flat(&f, g->nr_pfns, g->page_size / g->stride, FLOOR_WALKS, cfg.seed);
		fl->walks = FLOOR_WALKS / (cli_now() - t0);
		flat_free(&f);
		r = floor_copy(sim, fl);
	}
	if (hvo_sim_destroy(sim))
		r = -1;
	return r;
}

struct stress_bench {
	struct cli_args args;
	double duration;
	uint64_t repeat;
	struct bench_host host;
	struct floor floor[2];
	struct result runs[NROWS][2][MAX_REPEAT];
	struct result res[NROWS][2];	/* medians of the runs' rates */
	/* per thread: floor rate / simulated rate, per run */
	double x_walk[NROWS][2][MAX_REPEAT], x_opt[NROWS][2][MAX_REPEAT];
	struct bench_spread s_walk[NROWS][2], s_opt[NROWS][2];
	uint64_t viol, faults;
};


/* every row under both schemes, interleaved run by run, --repeat times */
static int stress_runs(struct stress_bench *B)
{
	const struct hvo_config *cfg = &B->args.cfg;
	unsigned int k, rep;
	int s;

	if (!B->args.json)
		fprintf(stderr, "bench stress: seed %" PRIu64 ", %.1fs per run, %zu runs x %"
			PRIu64 "\n", cfg->seed, B->duration, 2 * NROWS, B->repeat);
	for (rep = 0; rep < B->repeat; rep++)
		for (k = 0; k < NROWS; k++)
			for (s = 0; s < 2; s++) {
				struct result *x = &B->runs[k][s][rep];

				if (!B->args.json)
					fprintf(stderr, "  %-18s %s...\n", rows[k].label,
						hvo_scheme_name(schemes[s]));
				if (one(cfg, schemes[s], &rows[k], B->duration, cfg->seed + k, x))
					return -1;
				B->viol += x->r.violations > 0 ? (uint64_t)x->r.violations : 0;
				B->faults += x->r.faults;
				B->x_walk[k][s][rep] = rows[k].walk && x->walks > 0 ?
					B->floor[s].walks * rows[k].walk / x->walks : 0;
				B->x_opt[k][s][rep] = rows[k].opt && x->optres > 0 ?
					B->floor[s].optres * rows[k].opt / x->optres : 0;
			}
	return 0;
}

/* row @k of scheme @s: the run whose rates are the medians, the spreads */
static void stress_sum(struct stress_bench *B, size_t k, int s)
{
	double w[MAX_REPEAT], o[MAX_REPEAT];
	unsigned int rep, n = (unsigned int)B->repeat;

	for (rep = 0; rep < n; rep++) {
		w[rep] = B->runs[k][s][rep].walks;
		o[rep] = B->runs[k][s][rep].optres;
	}
	/* counts (sync_rcu, faults) from the last run, rates the medians */
	B->res[k][s] = B->runs[k][s][n - 1];
	B->res[k][s].walks = cli_median(w, n);
	B->res[k][s].optres = cli_median(o, n);
	bench_spread_of(B->x_walk[k][s], n, &B->s_walk[k][s]);
	bench_spread_of(B->x_opt[k][s], n, &B->s_opt[k][s]);
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

static void stress_x_json(struct json *j, const struct stress_bench *B, int s, size_t k)
{
	json_obj(j, NULL);
	json_str(j, "scheme", hvo_scheme_name(schemes[s]));
	json_u64(j, "optimizers", rows[k].opt);
	json_u64(j, "walkers", rows[k].walk);
	if (rows[k].walk)
		bench_spread_json(j, "walks_x_floor", &B->s_walk[k][s], B->x_walk[k][s]);
	if (rows[k].opt)
		bench_spread_json(j, "optimize_restore_x_floor", &B->s_opt[k][s], B->x_opt[k][s]);
	json_end_obj(j);
}

static void stress_floor_json(struct json *j, const struct stress_bench *B)
{
	size_t k;
	int s;

	json_u64(j, "repeat", B->repeat);
	json_arr(j, "floors");
	for (s = 0; s < 2; s++) {
		json_obj(j, NULL);
		json_str(j, "scheme", hvo_scheme_name(schemes[s]));
		json_dbl(j, "walks_per_s", B->floor[s].walks);
		json_dbl(j, "optimize_restore_per_s", B->floor[s].optres);
		json_u64(j, "pages_per_pair", B->floor[s].pages);
		json_end_obj(j);
	}
	json_end_arr(j);
	/* per thread: floor rate / simulated rate, over the runs */
	json_arr(j, "x_floor");
	for (k = 0; k < NROWS; k++)
		for (s = 0; s < 2; s++)
			stress_x_json(j, B, s, k);
	json_end_arr(j);
	bench_host_json(j, &B->host);
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
	stress_floor_json(&j, B);
	json_end_obj(&j);
	json_done(&j);
}

/* per thread, floor rate / simulated rate: "12.3 (11.0..14.1)" or "-" */
static const char *x_str(const struct bench_spread *sp, bool run, char *buf, size_t len)
{
	if (!run)
		snprintf(buf, len, "-");
	else if (sp->n > 1)
		snprintf(buf, len, "%.1f (%.1f..%.1f)", sp->median, sp->min, sp->max);
	else
		snprintf(buf, len, "%.1f", sp->median);
	return buf;
}

static void stress_floor_table(const struct stress_bench *B)
{
	char a[32], b[32], c[32], d[32];
	size_t k;
	int s;

	for (s = 0; s < 2; s++)
		printf("floor, %s (one thread, this run): %.0f walks/s on a flat array, %.0f "
		       "opt+rst/s (memcpy of %" PRIu64 " pages per pair)\n",
		       hvo_scheme_name(schemes[s]), B->floor[s].walks, B->floor[s].optres,
		       B->floor[s].pages);
	printf("x floor, per thread (floor rate / simulated rate%s):\n",
	       B->repeat > 1 ? "; median of the runs (min..max)" : "");
	printf("%-18s | %-18s %-18s | %-18s %-18s\n", "run", "fake-head walks", "opt+rst",
	       "shared-tail walks", "opt+rst");
	for (k = 0; k < NROWS; k++)
		printf("%-18s | %-18s %-18s | %-18s %-18s\n", rows[k].label,
		       x_str(&B->s_walk[k][0], rows[k].walk, a, sizeof(a)),
		       x_str(&B->s_opt[k][0], rows[k].opt, b, sizeof(b)),
		       x_str(&B->s_walk[k][1], rows[k].walk, c, sizeof(c)),
		       x_str(&B->s_opt[k][1], rows[k].opt, d, sizeof(d)));
}

static void stress_table(const struct stress_bench *B)
{
	const struct result (*res)[2] = B->res;
	size_t k;

	printf("hvosim bench stress: seed %" PRIu64 ", %.1f s per run, %" PRIu64 " run(s) of "
	       "each%s\n", B->args.cfg.seed, B->duration, B->repeat,
	       B->repeat > 1 ? "; rates are medians over the runs" : "");
	bench_host_print(&B->host, stdout);

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
	stress_floor_table(B);
}

int bench_stress(int argc, char **argv)
{
	struct stress_bench *B = calloc(1, sizeof(*B));
	const struct cli_opt opts[] = {
		{ .name = "duration", .meta = "S", .kind = CLI_DBL, .val = B ? &B->duration : NULL,
		  .dmax = 600, .help = "seconds per run (10 runs)" },
		{ .name = "repeat", .meta = "N", .kind = CLI_U64, .val = B ? &B->repeat : NULL,
		  .min = 1, .max = MAX_REPEAT,
		  .help = "runs of each row and scheme; rates are the medians" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts,
				       .machine = "seed mem" };
	struct hvo_config c;
	int r, s;
	size_t k;

	if (!B) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return CLI_FINDING;
	}
	B->duration = 1.0;
	B->repeat = 1;
	cli_args_init(&B->args);
	B->args.cfg.node_mem_bytes[0] = 4ull << 30;
	B->args.cfg.boot_gigantic[0] = 1;
	r = cli_parse(&spec, &B->args, argc, argv);
	for (s = 0; s < 2 && r == CLI_GO; s++) {
		c = B->args.cfg;
		c.scheme = schemes[s];
		c.rcu_sync = true;
		if (cli_check_machine(CMD, &c))
			r = CLI_USAGE;
	}
	if (r != CLI_GO)
		goto out;
	r = CLI_FINDING;
	bench_host_start(&B->host);
	for (s = 0; s < 2; s++)
		if (floor_measure(&B->args.cfg, schemes[s], &B->floor[s]))
			goto out;
	if (stress_runs(B))
		goto out;
	bench_host_end(&B->host);
	for (k = 0; k < NROWS; k++)
		for (s = 0; s < 2; s++)
			stress_sum(B, k, s);
	if (B->args.json)
		stress_json(B);
	else
		stress_table(B);
	r = B->viol || B->faults ? CLI_FINDING : CLI_OK;
out:
	free(B);
	return r;
}
