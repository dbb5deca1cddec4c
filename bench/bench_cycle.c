// SPDX-License-Identifier: MIT
/*
 * bench_cycle.c - hvosim bench cycle: one restore + optimize cycle of a
 * free pool folio, per scheme and huge page size, against the memory
 * traffic the same cycle cannot avoid.
 *
 * A cycle writes vmemmap_pages pages of struct pages: optimize copies the
 * head page, restore fills the other vmemmap_pages - 1.  The floor is a
 * memcpy of that many pages between two host buffers; everything above it
 * (allocation, page-table walks and splits, TLB flushes, RCU grace periods,
 * the frees and their checks) is what the simulator adds.  Simulated cycles
 * and floor copies alternate round by round in one process.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "bench.h"
#include "harness.h"

#define CMD "bench cycle"
#define MAX_ROUNDS 1000
#define MAX_REPEAT 20

static const char about[] =
	"Times hvo_folio_restore() + hvo_folio_optimize() cycles on free pool folios\n"
	"for the fake-head and shared-tail schemes at 2M and 1G, against a floor of\n"
	"memcpy() of the vmemmap pages one cycle writes (8 pages for 2M, 4096 for 1G\n"
	"at 4K pages), alternating round by round.  Scheme none does no HVO work and\n"
	"is not run.  Each row carries the counters that prove the work happened.\n";

static const char notes[] =
	"The machine options apply to every scheme (the shared-tail knobs only to\n"
	"shared-tail); the machine is one node of the --mem size.\n";

/* called through a volatile pointer so the compiler cannot drop copies
 * whose destination nobody reads */
static void *(*volatile floor_copy)(void *, const void *, size_t) = memcpy;

struct row {
	const char *scheme;
	const char *size;
	uint64_t cycles;		/* per round */
	uint64_t folios;
	uint64_t vmemmap_pages;		/* pages one cycle writes: the floor's copy */
	double sim_us, floor_us, ratio, ratio_min, ratio_max;
	struct hvo_stats d;		/* counter deltas over the timed rounds */
	/* per-round ratios (of every run, once summed: rounds x repeat is at
	 * most MAX_ROUNDS), each run's median ratio, and their spread */
	double ratios[MAX_ROUNDS];
	unsigned int nratios, runs;
	double run_ratio[MAX_REPEAT];
	struct bench_spread spread;
};

static void stats_delta(struct hvo_stats *d, const struct hvo_stats *a,
			const struct hvo_stats *b)
{
	d->optimize_done += b->optimize_done - a->optimize_done;
	d->optimize_failed += b->optimize_failed - a->optimize_failed;
	d->restore_done += b->restore_done - a->restore_done;
	d->restore_failed += b->restore_failed - a->restore_failed;
	d->tlb_flush_range += b->tlb_flush_range - a->tlb_flush_range;
	d->tlb_flush_all += b->tlb_flush_all - a->tlb_flush_all;
	d->synchronize_rcu_calls += b->synchronize_rcu_calls - a->synchronize_rcu_calls;
	d->synchronize_rcu_ns += b->synchronize_rcu_ns - a->synchronize_rcu_ns;
	d->vmemmap_pages_freed += b->vmemmap_pages_freed - a->vmemmap_pages_freed;
	d->vmemmap_pages_restored += b->vmemmap_pages_restored - a->vmemmap_pages_restored;
	d->pmd_splits += b->pmd_splits - a->pmd_splits;
	d->ro_faults += b->ro_faults - a->ro_faults;
}

static int one_cycle(struct hvo_sim *sim, uint64_t pfn)
{
	int r = hvo_folio_restore(sim, pfn);

	if (!r)
		r = hvo_folio_optimize(sim, pfn);
	if (r)
		fprintf(stderr, "hvosim " CMD ": cycle on folio %#" PRIx64 ": %s\n", pfn,
			hvo_last_error());
	return r;
}

static int all_optimized(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n)
{
	struct hvo_folio_info fi;
	uint64_t i;

	for (i = 0; i < n; i++)
		if (hvo_folio_lookup(sim, pfns[i], &fi) || !fi.optimized) {
			fprintf(stderr, "hvosim " CMD ": folio %#" PRIx64 " is not optimized "
				"after its cycle\n", pfns[i]);
			return -1;
		}
	return 0;
}

/* one row's working state: the folios to cycle and the floor's buffers */
struct cyc {
	struct hvo_sim *sim;
	uint64_t *pfns, nf, cycles, pages, ps;
	unsigned char *src, *dst;
};

static void cyc_free(struct cyc *c)
{
	free(c->src);
	free(c->dst);
	free(c->pfns);
}

static void floor_pass(const struct cyc *c)
{
	uint64_t p;

	for (p = 0; p < c->pages; p++)
		floor_copy(c->dst + p * c->ps, c->src + p * c->ps, c->ps);
}

/* the free folios of @h, the floor's buffers faulted in, and a warm-up */
static int cyc_prepare(struct hvo_sim *sim, unsigned int h, struct cyc *c, struct row *row)
{
	struct hvo_hstate_info hi;
	uint64_t i, bytes;

	hvo_hstate_info(sim, h, &hi);
	c->sim = sim;
	c->nf = hi.free_huge_pages;
	c->pages = hi.vmemmap_pages;
	c->ps = hvo_sim_geometry(sim)->page_size;
	c->pfns = calloc(c->nf ? c->nf : 1, sizeof(*c->pfns));
	if (!c->pfns || hvo_folio_list(sim, h, c->pfns, c->nf) < (int64_t)c->nf || !c->nf) {
		fprintf(stderr, "hvosim " CMD ": no free %s folios to cycle\n", hi.name);
		return -1;
	}
	row->folios = c->nf;
	row->vmemmap_pages = hi.vmemmap_pages;
	row->cycles = c->cycles;
	bytes = c->pages * c->ps;
	c->src = malloc(bytes);
	c->dst = malloc(bytes);
	if (!c->src || !c->dst) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return -1;
	}
	/* fault both buffers in: the floor is copying, not page faults */
	memset(c->src, 0x5a, bytes);
	memset(c->dst, 0, bytes);
	/* a warm-up cycle per folio gives every frame it will reuse host bytes;
	 * one warm-up copy does the same for the floor's TLB and caches */
	for (i = 0; i < c->nf; i++)
		if (one_cycle(sim, c->pfns[i]))
			return -1;
	floor_pass(c);
	return 0;
}

/* one round of simulated cycles, checked: every cycle really restored and
 * optimized, and every folio is optimized after it */
static BENCH_TIMED int cyc_sim(struct cyc *c, struct row *row, double *us)
{
	struct hvo_stats a, b;
	uint64_t i;
	double t0;

	hvo_sim_stats(c->sim, &a);
	t0 = cli_now();
	for (i = 0; i < c->cycles; i++)
		if (one_cycle(c->sim, c->pfns[i % c->nf]))
			return -1;
	*us = (cli_now() - t0) * 1e6 / (double)c->cycles;
	hvo_sim_stats(c->sim, &b);
	stats_delta(&row->d, &a, &b);
	if (b.optimize_done - a.optimize_done != c->cycles ||
	    b.restore_done - a.restore_done != c->cycles) {
		fprintf(stderr, "hvosim " CMD ": %" PRIu64 " cycles did %" PRIu64 " optimizes and %"
			PRIu64 " restores\n", c->cycles, b.optimize_done - a.optimize_done,
			b.restore_done - a.restore_done);
		return -1;
	}
	return all_optimized(c->sim, c->pfns, c->nf);
}

static BENCH_TIMED double cyc_floor(const struct cyc *c)
{
	double t0 = cli_now();
	uint64_t i;

	for (i = 0; i < c->cycles; i++)
		floor_pass(c);
	return (cli_now() - t0) * 1e6 / (double)c->cycles;
}

/*
 * One (scheme, size) row on an existing machine whose pool already holds
 * the folios of @h.  Per round: N simulated cycles and N floor copies, in
 * alternating order so neither always runs on the cache the other left.
 */
static int run_row(struct hvo_sim *sim, unsigned int h, uint64_t cycles,
		   unsigned int rounds, struct row *row)
{
	double sim_us[MAX_ROUNDS], floor_us[MAX_ROUNDS], ratio[MAX_ROUNDS];
	struct cyc c = { .cycles = cycles };
	unsigned int r, k;
	int ret = -1;

	if (cyc_prepare(sim, h, &c, row))
		goto out;
	memset(&row->d, 0, sizeof(row->d));
	for (r = 0; r < rounds; r++) {
		for (k = 0; k < 2; k++) {
			if ((k == 0) != (r % 2 == 0))
				floor_us[r] = cyc_floor(&c);
			else if (cyc_sim(&c, row, &sim_us[r]))
				goto out;
		}
		ratio[r] = floor_us[r] > 0 ? sim_us[r] / floor_us[r] : 0;
		row->ratios[row->nratios++] = ratio[r];
		fprintf(stderr, "hvosim " CMD ": %s %s round %u/%u: %.1f us vs floor %.2f us, "
			"ratio %.1f\n", row->scheme, row->size, r + 1, rounds, sim_us[r],
			floor_us[r], ratio[r]);
	}
	row->sim_us = cli_median(sim_us, rounds);
	row->floor_us = cli_median(floor_us, rounds);
	row->ratio = cli_median(ratio, rounds);
	cli_min_max(ratio, rounds, &row->ratio_min, &row->ratio_max);
	ret = 0;
out:
	cyc_free(&c);
	return ret;
}

static const struct {
	const char *name;
	uint64_t bytes;
	uint64_t folios;	/* in the pool: cycles rotate over them */
} sizes[] = {
	{ "2M", 2ull << 20, 8 },
	{ "1G", 1ull << 30, 2 },
};
#define NR_SIZES (sizeof(sizes) / sizeof(sizes[0]))

/* what was not run and why, for both outputs */
struct skipped {
	char what[2 * NR_SIZES + 1][48];
	unsigned int n;
};

static void skip(struct skipped *sk, const char *scheme, const char *size, const char *why)
{
	if (sk->n < sizeof(sk->what) / sizeof(sk->what[0]))
		snprintf(sk->what[sk->n++], sizeof(sk->what[0]), "%s%s%s", scheme,
			 size ? "/" : "", size ? size : "");
	fprintf(stderr, "hvosim " CMD ": %s%s%s skipped: %s\n", scheme, size ? " " : "",
		size ? size : "", why);
}

/* the machine of one scheme: the user's, less the knobs it has no use for */
static void scheme_config(const struct hvo_config *base, enum hvo_scheme scheme,
			  struct hvo_config *cfg)
{
	*cfg = *base;
	cfg->scheme = scheme;
	if (scheme != HVO_SCHEME_SHARED_TAIL) {
		/* the shared-tail knobs mean nothing to the other schemes */
		cfg->tail_scope = HVO_SCOPE_ZONE;
		cfg->tail_alloc = HVO_TAIL_ALLOC_CMPXCHG;
		cfg->tail_lifetime = HVO_TAIL_NEVER;
		if (cfg->encoding == HVO_ENC_MASK)
			cfg->encoding = HVO_ENC_AUTO;
	}
}

/* one machine per scheme, both sizes' pools on node 0 */
static int run_scheme(const struct hvo_config *base, enum hvo_scheme scheme,
		      uint64_t cycles, unsigned int rounds, unsigned int size_sel,
		      struct row *rows, unsigned int *nrows, struct skipped *sk)
{
	struct hvo_config cfg;
	struct hvo_hstate_info hi;
	struct hvo_sim *sim;
	uint64_t got, leaked;
	unsigned int s;
	int h, ret = 0;

	scheme_config(base, scheme, &cfg);
	if (cli_create(CMD, &cfg, &sim))
		return -1;
	/* synchronize_rcu() wall time is part of what fake-head costs */
	hvo_sim_set_timing(sim, true);
	for (s = 0; s < NR_SIZES && !ret; s++) {
		struct row *row = &rows[*nrows];

		/* --size: 0 both, else 1 + the index in sizes[] */
		if (size_sel && size_sel != s + 1)
			continue;
		h = hvo_hstate_find(sim, sizes[s].bytes);
		if (h < 0) {
			skip(sk, hvo_scheme_name(scheme), sizes[s].name,
			     "no such huge page size with this base page size");
			continue;
		}
		hvo_hstate_info(sim, (unsigned int)h, &hi);
		if (!hi.optimizable) {
			skip(sk, hvo_scheme_name(scheme), sizes[s].name,
			     "HVO cannot optimize it with this geometry");
			continue;
		}
		if (hvo_pool_resize(sim, (unsigned int)h, 0, sizes[s].folios, &got)) {
			fprintf(stderr, "hvosim " CMD ": %s pool of %" PRIu64 " %s folios: %s "
				"(got %" PRIu64 "; try a larger --mem)\n", hvo_scheme_name(scheme),
				sizes[s].folios, sizes[s].name, hvo_last_error(), got);
			ret = -1;
			break;
		}
		memset(row, 0, sizeof(*row));
		row->scheme = hvo_scheme_name(scheme);
		row->size = sizes[s].name;
		if (run_row(sim, (unsigned int)h,
			    s == 0 ? cycles : (cycles / 50 ? cycles / 50 : 1), rounds, row))
			ret = -1;
		else
			(*nrows)++;
	}
	leaked = hvo_sim_destroy(sim);
	if (leaked) {
		fprintf(stderr, "hvosim " CMD ": %" PRIu64 " frames leaked\n", leaked);
		ret = -1;
	}
	return ret;
}

static void row_json(struct json *j, const struct row *r, unsigned int rounds)
{
	unsigned int k;

	json_obj(j, NULL);
	json_str(j, "scheme", r->scheme);
	json_str(j, "size", r->size);
	json_u64(j, "cycles", r->cycles);
	json_u64(j, "rounds", rounds);
	json_u64(j, "repeat", r->runs);
	json_u64(j, "cycles_timed", r->cycles * rounds * r->runs);
	json_u64(j, "folios", r->folios);
	json_dbl(j, "sim_us", r->sim_us);
	json_dbl(j, "floor_us", r->floor_us);
	json_dbl(j, "ratio", r->ratio);
	json_dbl(j, "ratio_min", r->ratio_min);
	json_dbl(j, "ratio_max", r->ratio_max);
	bench_spread_json(j, "ratio_spread", &r->spread, r->ratios);
	json_arr(j, "run_ratios");
	for (k = 0; k < r->runs; k++)
		json_dbl(j, NULL, r->run_ratio[k]);
	json_end_arr(j);
	json_u64(j, "floor_pages", r->vmemmap_pages);
	/* totals over the timed cycles */
	json_u64(j, "optimize_done", r->d.optimize_done);
	json_u64(j, "restore_done", r->d.restore_done);
	json_u64(j, "optimize_failed", r->d.optimize_failed);
	json_u64(j, "restore_failed", r->d.restore_failed);
	json_u64(j, "vmemmap_pages_freed", r->d.vmemmap_pages_freed);
	json_u64(j, "vmemmap_pages_restored", r->d.vmemmap_pages_restored);
	json_u64(j, "tlb_flush_range", r->d.tlb_flush_range);
	json_u64(j, "tlb_flush_all", r->d.tlb_flush_all);
	json_u64(j, "pmd_splits", r->d.pmd_splits);
	json_u64(j, "synchronize_rcu_calls", r->d.synchronize_rcu_calls);
	json_u64(j, "synchronize_rcu_ns", r->d.synchronize_rcu_ns);
	json_u64(j, "ro_faults", r->d.ro_faults);
	json_end_obj(j);
}

static void cycle_json(const struct hvo_config *cfg, uint64_t rounds, const struct row *rows,
		       unsigned int nrows, const struct skipped *sk,
		       const struct bench_host *host)
{
	struct json j;
	unsigned int s;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "bench", "cycle");
	json_u64(&j, "seed", cfg->seed);
	json_u64(&j, "rounds", rounds);
	json_u64(&j, "repeat", nrows ? rows[0].runs : 1);
	bench_host_json(&j, host);
	json_u64(&j, "mem_bytes", cfg->node_mem_bytes[0]);
	json_arr(&j, "rows");
	for (s = 0; s < nrows; s++)
		row_json(&j, &rows[s], (unsigned int)rounds);
	json_end_arr(&j);
	json_arr(&j, "skipped");
	for (s = 0; s < sk->n; s++)
		json_str(&j, NULL, sk->what[s]);
	json_end_arr(&j);
	json_end_obj(&j);
	json_done(&j);
}

static void cycle_table(const struct hvo_config *cfg, uint64_t rounds, const struct row *rows,
			unsigned int nrows, const struct skipped *sk,
			const struct bench_host *host)
{
	unsigned int s, runs = nrows ? rows[0].runs : 1;
	char buf[32];

	printf("hvosim bench cycle: seed %" PRIu64 ", %s on node 0, %" PRIu64 " rounds x %u "
	       "run(s); medians over rounds%s\n", cfg->seed,
	       cli_bytes(cfg->node_mem_bytes[0], buf, sizeof(buf)), rounds, runs,
	       runs > 1 ? ", then over runs" : "");
	bench_host_print(host, stdout);
	printf("  cycle = hvo_folio_restore() + hvo_folio_optimize() of a free pool folio;\n"
	       "  floor = memcpy() of the vmemmap pages one cycle writes\n\n");
	printf("%-12s %-4s %7s %6s %12s %12s %8s %15s %9s %9s %8s %9s\n", "scheme", "size",
	       "cycles", "pages", "sim us", "floor us", "ratio", "(min..max)", "optimize",
	       "restore", "flushes", "rcu syncs");
	for (s = 0; s < nrows; s++) {
		const struct row *w = &rows[s];
		char range[32];

		snprintf(range, sizeof(range), "(%.1f..%.1f)", w->ratio_min, w->ratio_max);
		printf("%-12s %-4s %7" PRIu64 " %6" PRIu64 " %12.2f %12.2f %8.1f %15s %9" PRIu64
		       " %9" PRIu64 " %8" PRIu64 " %9" PRIu64 "\n", w->scheme, w->size, w->cycles,
		       w->vmemmap_pages, w->sim_us, w->floor_us, w->ratio, range,
		       w->d.optimize_done, w->d.restore_done,
		       w->d.tlb_flush_range + w->d.tlb_flush_all, w->d.synchronize_rcu_calls);
	}
	for (s = 0; s < sk->n; s++)
		printf("%-17s not run: %s\n", sk->what[s], !strcmp(sk->what[s], "none") ?
		       "no HVO work to time" : "HVO does not run at this size here");
	printf("\nratio (min..max): the median over rounds%s and the extremes of every round;\n"
	       "optimize/restore/flushes/rcu syncs: totals over the timed cycles "
	       "(cycles x rounds x runs)\n", runs > 1 ? " (then over runs)" : "");
	if (runs > 1)
		for (s = 0; s < nrows; s++) {
			unsigned int k;

			printf("  %s %s run medians:", rows[s].scheme, rows[s].size);
			for (k = 0; k < runs; k++)
				printf(" %.2f", rows[s].run_ratio[k]);
			putchar('\n');
		}
}

static void stats_add(struct hvo_stats *d, const struct hvo_stats *a)
{
	struct hvo_stats zero;

	memset(&zero, 0, sizeof(zero));
	stats_delta(d, &zero, a);
}

/* the benchmark: --repeat runs of every row, then each row summed */
struct cycle_run {
	struct cli_args args;
	uint64_t cycles, rounds, repeat;
	unsigned int size_sel, nrows;
	struct bench_host host;
	struct skipped sk;
	struct row (*reps)[2 * NR_SIZES];	/* per run */
	struct row rows[2 * NR_SIZES];		/* summed */
};

static int cycle_parse(struct cycle_run *C, int argc, char **argv)
{
	static const struct cli_override override[] = {
		{ .name = "scheme", .help = "run only this scheme (fake-head or shared-tail)",
		  .def = "both" },
		{ .name = NULL },
	};
	static const char *const size_names[] = { "both", "2M", "1G", NULL };
	const struct cli_opt opts[] = {
		{ .name = "cycles", .meta = "N", .kind = CLI_U64, .val = &C->cycles, .min = 1,
		  .max = UINT64_MAX, .help = "2M cycles per round; 1G rows run N/50, at least 1" },
		{ .name = "rounds", .meta = "R", .kind = CLI_U64, .val = &C->rounds, .min = 1,
		  .max = MAX_ROUNDS, .help = "rounds" },
		{ .name = "size", .meta = "S", .kind = CLI_CHOICE, .val = &C->size_sel,
		  .choices = size_names, .help = "huge page size to cycle: both | 2M | 1G" },
		{ .name = "repeat", .meta = "N", .kind = CLI_U64, .val = &C->repeat, .min = 1,
		  .max = MAX_REPEAT, .help = "runs of every row, each on fresh machines; the\n"
		  "figures are the medians of the runs' medians" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts, .machine = "*",
				       .override = override, .notes = notes };
	int r;

	C->cycles = 200;
	C->rounds = 5;
	C->repeat = 1;
	cli_args_init(&C->args);
	C->args.cfg.node_mem_bytes[0] = 8ull << 30;
	r = cli_parse(&spec, &C->args, argc, argv);
	if (r == CLI_GO && C->rounds * C->repeat > MAX_ROUNDS)
		return cli_bad(CMD, "--rounds x --repeat is %" PRIu64 ", at most %d",
			       C->rounds * C->repeat, MAX_ROUNDS);
	return r;
}

/* every row of every scheme, --repeat times */
static int cycle_runs(struct cycle_run *C)
{
	static const enum hvo_scheme all[] = { HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL };
	bool only = cli_machine_seen(&C->args, "scheme");
	unsigned int s, k;

	for (k = 0; k < C->repeat; k++) {
		C->nrows = 0;
		C->sk.n = 0;
		if (!only || C->args.cfg.scheme == HVO_SCHEME_NONE)
			skip(&C->sk, "none", NULL, "it does no HVO work");
		for (s = 0; s < sizeof(all) / sizeof(all[0]); s++) {
			if (only && all[s] != C->args.cfg.scheme)
				continue;
			if (run_scheme(&C->args.cfg, all[s], C->cycles, (unsigned int)C->rounds,
				       C->size_sel, C->reps[k], &C->nrows, &C->sk))
				return -1;
		}
	}
	return 0;
}

/* row @i of every run: medians of the runs' medians, every round's ratio */
static void cycle_sum(struct cycle_run *C, unsigned int i)
{
	struct row *w = &C->rows[i];
	double sim[MAX_REPEAT], fl[MAX_REPEAT];
	unsigned int k, n = (unsigned int)C->repeat;

	*w = C->reps[0][i];
	w->nratios = 0;
	memset(&w->d, 0, sizeof(w->d));
	for (k = 0; k < n; k++) {
		const struct row *x = &C->reps[k][i];

		sim[k] = x->sim_us;
		fl[k] = x->floor_us;
		w->run_ratio[k] = x->ratio;
		memcpy(w->ratios + w->nratios, x->ratios, x->nratios * sizeof(double));
		w->nratios += x->nratios;
		stats_add(&w->d, &x->d);
	}
	w->runs = n;
	w->sim_us = cli_median(sim, n);
	w->floor_us = cli_median(fl, n);
	w->ratio = cli_median(w->run_ratio, n);
	bench_spread_of(w->ratios, w->nratios, &w->spread);
	w->ratio_min = w->spread.min;
	w->ratio_max = w->spread.max;
}

int bench_cycle(int argc, char **argv)
{
	static const enum hvo_scheme all[] = { HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL };
	struct cycle_run *C = calloc(1, sizeof(*C));
	bool only;
	unsigned int s;
	int r = CLI_FINDING;

	if (!C) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return CLI_FINDING;
	}
	r = cycle_parse(C, argc, argv);
	if (r != CLI_GO)
		goto out;
	only = cli_machine_seen(&C->args, "scheme");
	/* every machine is checked before the first is built and timed */
	for (s = 0; s < sizeof(all) / sizeof(all[0]); s++) {
		struct hvo_config c;

		scheme_config(&C->args.cfg, all[s], &c);
		r = CLI_USAGE;
		if ((!only || all[s] == C->args.cfg.scheme) && cli_check_machine(CMD, &c))
			goto out;
	}
	r = CLI_FINDING;
	C->reps = calloc(C->repeat, sizeof(*C->reps));
	bench_host_start(&C->host);
	if (!C->reps || cycle_runs(C))
		goto out;
	bench_host_end(&C->host);
	for (s = 0; s < C->nrows; s++)
		cycle_sum(C, s);
	if (C->args.json)
		cycle_json(&C->args.cfg, C->rounds, C->rows, C->nrows, &C->sk, &C->host);
	else
		cycle_table(&C->args.cfg, C->rounds, C->rows, C->nrows, &C->sk, &C->host);
	r = CLI_OK;
out:
	free(C->reps);
	free(C);
	return r;
}
