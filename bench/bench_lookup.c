// SPDX-License-Identifier: MIT
/*
 * bench_lookup.c - hvosim bench lookup: what compound_head() costs through
 * the simulator compared with the same decode on a flat host array.
 *
 * The simulated lookup walks the fake vmemmap page table inside a TLB
 * access section; the floor is what a kernel does: one load from a real
 * struct page array and the mask (or pointer) decode.  Both read the same
 * compound_info values (the flat array is a copy taken once), decode the
 * same seeded pfn sequence, and run alternately in one process so that
 * machine noise hits both; the ratio is what the report is about.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"
#include "flat.h"
#include "harness.h"

#define CMD "bench lookup"

static const char about[] =
	"Times N simulated compound_head(pfn_to_page(pfn)) calls against the same\n"
	"decode on a flat host array of struct pages holding the same compound_info\n"
	"words, alternating round by round.  Half of memory is hugetlb pool folios\n"
	"(HVO-optimized when the scheme does it), a quarter compound pages of the\n"
	"same order, the rest free; pfns are drawn uniformly from a seeded sequence.\n"
	"Every lookup is checked to decode to the same head before timing starts.\n"
	"Target (informational): simulated/flat <= 2.\n";

/*
 * The timed loops.  Each returns the sum of the head addresses so nothing
 * can be optimised away; since both arrays have the same stride, the two
 * sums differ by exactly n * (vmemmap_base - flat base) when every lookup
 * agrees, which rechecks the timed passes for free.
 */
static BENCH_TIMED uint64_t run_sim(struct hvo_sim *sim, const uint64_t *pfns, uint64_t n)
{
	uint64_t i, sum = 0;

	for (i = 0; i < n; i++)
		sum += hvo_compound_head(sim, hvo_pfn_to_page(sim, pfns[i]));
	return sum;
}

static BENCH_TIMED uint64_t run_flat(const struct flat *f, const uint64_t *pfns, uint64_t n)
{
	uint64_t i, sum = 0;

	/* the encoding is fixed per kernel build: choose the loop once */
	if (f->mask) {
		for (i = 0; i < n; i++)
			sum += flat_head_mask(f->base + pfns[i] * f->stride);
	} else {
		for (i = 0; i < n; i++)
			sum += flat_head_pointer(f, f->base + pfns[i] * f->stride);
	}
	return sum;
}

static int verify(struct hvo_sim *sim, const struct flat *f, const uint64_t *pfns,
		  uint64_t n)
{
	uint64_t i, sim_pfn = 0, flat_pfn, sh;
	uintptr_t fh, page;

	for (i = 0; i < n; i++) {
		sh = hvo_compound_head(sim, hvo_pfn_to_page(sim, pfns[i]));
		page = f->base + pfns[i] * f->stride;
		fh = f->mask ? flat_head_mask(page) : flat_head_pointer(f, page);
		flat_pfn = (uint64_t)(fh - f->base) / f->stride;
		if (!sh || hvo_page_to_pfn(sim, sh, &sim_pfn) || sim_pfn != flat_pfn ||
		    (uint64_t)(fh - f->base) % f->stride) {
			fprintf(stderr, "hvosim " CMD ": lookup %" PRIu64 " (pfn %#" PRIx64
				"): simulated head %#" PRIx64 " (pfn %#" PRIx64 "), flat head pfn %#"
				PRIx64 "\n", i, pfns[i], sh, sh ? sim_pfn : UINT64_MAX, flat_pfn);
			return -1;
		}
	}
	return 0;
}

/* the hstate to fill: 2M where it exists, else the smallest non-gigantic */
static int pick_hstate(struct hvo_sim *sim, struct hvo_hstate_info *hi)
{
	unsigned int i, n = hvo_hstate_count(sim);
	int h = hvo_hstate_find(sim, 2ull << 20);

	for (i = 0; h < 0 && i < n; i++) {
		hvo_hstate_info(sim, i, hi);
		if (!hi->gigantic)
			h = (int)i;
	}
	if (h < 0)
		return -1;
	return hvo_hstate_info(sim, (unsigned int)h, hi);
}

struct compound_pages {
	uint64_t *pfn;
	uint64_t n;
};

static void compound_free(struct hvo_sim *sim, struct compound_pages *cp,
			  unsigned int order)
{
	uint64_t i;

	for (i = 0; i < cp->n; i++) {
		hvo_destroy_compound_page(sim, cp->pfn[i], order);
		hvo_free_frames(sim, cp->pfn[i], order);
	}
	free(cp->pfn);
	cp->pfn = NULL;
	cp->n = 0;
}

/* half of each node as pool folios, a quarter as compound pages */
static int populate(struct hvo_sim *sim, const struct hvo_config *cfg,
		    const struct hvo_hstate_info *hi, struct compound_pages *cp)
{
	uint64_t want = 0, k, got, pfn;
	unsigned int n;
	int r;

	for (n = 0; n < cfg->nr_nodes; n++)
		want += cfg->node_mem_bytes[n] / 4 / hi->bytes;
	cp->pfn = calloc(want ? want : 1, sizeof(*cp->pfn));
	if (!cp->pfn) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return -1;
	}
	for (n = 0; n < cfg->nr_nodes; n++) {
		r = hvo_pool_resize(sim, hi->index, n, cfg->node_mem_bytes[n] / 2 / hi->bytes,
				    &got);
		/* a pool short of its target still makes lookups meaningful */
		if (r && r != -ENOMEM) {
			fprintf(stderr, "hvosim " CMD ": pool: %s\n", hvo_last_error());
			return -1;
		}
		for (k = 0; k < cfg->node_mem_bytes[n] / 4 / hi->bytes; k++) {
			if (hvo_alloc_frames(sim, n, hi->order, HVO_KIND_OTHER, HVO_GFP_THISNODE,
					     &pfn))
				break;
			if (hvo_prep_compound_page(sim, pfn, hi->order)) {
				fprintf(stderr, "hvosim " CMD ": prep_compound_page(%#" PRIx64
					"): %s\n", pfn, hvo_last_error());
				hvo_free_frames(sim, pfn, hi->order);
				return -1;
			}
			cp->pfn[cp->n++] = pfn;
		}
	}
	return 0;
}

#define MAX_RUNS 100
#define TARGET 2.0

struct result {
	double sim_ns, flat_ns, ratio, ratio_min, ratio_max;
};

/* @ratio: the @rounds per-round ratios, for the spread over every run */
static int measure(struct hvo_sim *sim, const struct flat *f, const uint64_t *pfns,
		   uint64_t n, unsigned int rounds, struct result *res, double *ratio)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	double *sim_ns = calloc(rounds, sizeof(double)), *flat_ns = calloc(rounds, sizeof(double));
	double t0;
	uint64_t s_sum = 0, f_sum = 0;
	unsigned int r, k;
	int ret = -1;

	if (!sim_ns || !flat_ns) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		goto out;
	}
	for (r = 0; r < rounds; r++) {
		/* alternate which variant goes first so neither always gets the
		 * cache the other left behind */
		for (k = 0; k < 2; k++) {
			if ((k == 0) == (r % 2 == 0)) {
				t0 = cli_now();
				s_sum = run_sim(sim, pfns, n);
				sim_ns[r] = (cli_now() - t0) * 1e9 / (double)n;
			} else {
				t0 = cli_now();
				f_sum = run_flat(f, pfns, n);
				flat_ns[r] = (cli_now() - t0) * 1e9 / (double)n;
			}
		}
		if (s_sum - n * g->vmemmap_base != f_sum - n * (uint64_t)f->base) {
			fprintf(stderr, "hvosim " CMD ": round %u: the simulated and flat "
				"lookups disagree (checksums differ)\n", r);
			goto out;
		}
		ratio[r] = flat_ns[r] > 0 ? sim_ns[r] / flat_ns[r] : 0;
		fprintf(stderr, "hvosim " CMD ": round %u/%u: simulated %.1f ns, flat %.1f ns, "
			"ratio %.2f\n", r + 1, rounds, sim_ns[r], flat_ns[r], ratio[r]);
	}
	res->sim_ns = cli_median(sim_ns, rounds);
	res->flat_ns = cli_median(flat_ns, rounds);
	res->ratio = cli_median(ratio, rounds);
	cli_min_max(ratio, rounds, &res->ratio_min, &res->ratio_max);
	ret = 0;
out:
	free(sim_ns);
	free(flat_ns);
	return ret;
}

/*
 * The benchmark: --repeat runs, each a fresh machine, what fills it, the
 * floor and the pfns to look up; the result is the median of the runs'
 * medians, and the spread that of every round of every run.
 */
struct lookup {
	struct cli_args args;
	uint64_t lookups, rounds, repeat, total;
	struct bench_host host;
	/* the run in progress */
	struct hvo_sim *sim;
	struct hvo_geometry geo;	/* a copy: the report outlives the machine */
	const struct hvo_geometry *g;
	struct hvo_hstate_info hi;
	struct compound_pages cp;
	struct flat f;
	uint64_t *pfns;
	/* what the runs found */
	struct result run[MAX_RUNS], res;
	double *ratio;			/* repeat x rounds per-round ratios */
	struct bench_spread spread;
};

static int lookup_parse(struct lookup *L, int argc, char **argv)
{
	const struct cli_opt opts[] = {
		{ .name = "lookups", .meta = "N", .kind = CLI_U64, .val = &L->lookups, .min = 1,
		  .max = UINT64_MAX, .help = "lookups per round and variant" },
		{ .name = "rounds", .meta = "R", .kind = CLI_U64, .val = &L->rounds, .min = 1,
		  .max = 1000, .help = "rounds" },
		{ .name = "repeat", .meta = "N", .kind = CLI_U64, .val = &L->repeat, .min = 1,
		  .max = MAX_RUNS, .help = "runs, each on a fresh machine; the figure is the\n"
		  "median of the runs' medians" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts, .machine = "*" };

	L->lookups = 2000000;
	L->rounds = 5;
	L->repeat = 1;
	cli_args_init(&L->args);
	return cli_parse(&spec, &L->args, argc, argv);
}

/* the machine filled, mirrored into the flat array, and the pfns checked */
static int lookup_setup(struct lookup *L)
{
	const struct hvo_config *cfg = &L->args.cfg;
	uint64_t rng, i;
	unsigned int n;
	char buf[32];

	L->total = 0;
	for (n = 0; n < cfg->nr_nodes; n++)
		L->total += cfg->node_mem_bytes[n];
	if (pick_hstate(L->sim, &L->hi)) {
		fprintf(stderr, "hvosim " CMD ": no huge page size to fill the pool with\n");
		return -1;
	}
	fprintf(stderr, "hvosim " CMD ": seed %" PRIu64 ", %s machine (%s, %s encoding): "
		"filling %s pool and compound pages\n", cfg->seed,
		cli_bytes(L->total, buf, sizeof(buf)), hvo_scheme_name(cfg->scheme),
		L->g->mask_encoding ? "mask" : "pointer", L->hi.name);
	if (populate(L->sim, cfg, &L->hi, &L->cp))
		return -1;
	hvo_hstate_info(L->sim, L->hi.index, &L->hi);
	fprintf(stderr, "hvosim " CMD ": mirroring %" PRIu64 " struct pages into the flat "
		"array\n", L->g->nr_pfns);
	if (flat_build(CMD, L->sim, &L->f))
		return -1;
	L->pfns = malloc(L->lookups * sizeof(*L->pfns));
	if (!L->pfns) {
		fprintf(stderr, "hvosim " CMD ": out of host memory for %" PRIu64 " pfns\n",
			L->lookups);
		return -1;
	}
	rng = cfg->seed;
	for (i = 0; i < L->lookups; i++)
		L->pfns[i] = cli_splitmix64(&rng) % L->g->nr_pfns;
	return verify(L->sim, &L->f, L->pfns, L->lookups);
}

static void result_json(struct json *j, const char *key, const struct result *r)
{
	json_obj(j, key);
	json_dbl(j, "sim_ns", r->sim_ns);
	json_dbl(j, "flat_ns", r->flat_ns);
	json_dbl(j, "ratio", r->ratio);
	json_dbl(j, "ratio_min", r->ratio_min);
	json_dbl(j, "ratio_max", r->ratio_max);
	json_end_obj(j);
}

static void lookup_json(const struct lookup *L)
{
	const struct hvo_config *cfg = &L->args.cfg;
	struct json j;
	unsigned int k;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "bench", "lookup");
	json_u64(&j, "seed", cfg->seed);
	json_u64(&j, "lookups", L->lookups);
	json_u64(&j, "rounds", L->rounds);
	json_u64(&j, "repeat", L->repeat);
	json_dbl(&j, "sim_ns", L->res.sim_ns);
	json_dbl(&j, "flat_ns", L->res.flat_ns);
	/* the floor, by the name every benchmark uses: the flat array's lookup */
	json_dbl(&j, "floor_ns", L->res.flat_ns);
	json_dbl(&j, "ratio", L->res.ratio);
	json_dbl(&j, "ratio_min", L->res.ratio_min);
	json_dbl(&j, "ratio_max", L->res.ratio_max);
	bench_spread_json(&j, "ratio_spread", &L->spread, L->ratio);
	json_dbl(&j, "target", TARGET);
	json_bool(&j, "target_met", L->res.ratio <= TARGET);
	json_arr(&j, "runs");
	for (k = 0; k < L->repeat; k++)
		result_json(&j, NULL, &L->run[k]);
	json_end_arr(&j);
	bench_host_json(&j, &L->host);
	json_str(&j, "scheme", hvo_scheme_name(cfg->scheme));
	json_str(&j, "encoding", L->g->mask_encoding ? "mask" : "pointer");
	json_u64(&j, "mem_bytes", L->total);
	json_u64(&j, "pfns", L->g->nr_pfns);
	json_str(&j, "hstate", L->hi.name);
	json_u64(&j, "pool_folios", L->hi.nr_huge_pages);
	json_u64(&j, "pool_optimized", L->hi.nr_optimized);
	json_u64(&j, "compound_pages", L->cp.n);
	json_end_obj(&j);
	json_done(&j);
}

static void lookup_table(const struct lookup *L)
{
	const struct hvo_config *cfg = &L->args.cfg;
	const struct result *res = &L->res;
	char buf[32], sp[96];
	unsigned int k;

	printf("hvosim bench lookup: seed %" PRIu64 ", %s machine, %s, %s encoding\n",
	       cfg->seed, cli_bytes(L->total, buf, sizeof(buf)), hvo_scheme_name(cfg->scheme),
	       L->g->mask_encoding ? "mask" : "pointer");
	bench_host_print(&L->host, stdout);
	printf("  %" PRIu64 " pfns: %" PRIu64 " %s pool folios (%" PRIu64
	       " HVO-optimized), %" PRIu64 " order-%u compound pages, the rest free\n",
	       L->g->nr_pfns, L->hi.nr_huge_pages, L->hi.name, L->hi.nr_optimized, L->cp.n,
	       L->hi.order);
	printf("  %" PRIu64 " random lookups x %" PRIu64 " rounds x %" PRIu64 " run(s), "
	       "alternating; medians over rounds%s\n\n", L->lookups, L->rounds, L->repeat,
	       L->repeat > 1 ? ", then over runs" : "");
	printf("%-24s %10s %12s\n", "variant", "ns/lookup", "Mlookups/s");
	printf("%-24s %10.2f %12.1f\n", "simulated (page table)", res->sim_ns,
	       res->sim_ns > 0 ? 1e3 / res->sim_ns : 0);
	printf("%-24s %10.2f %12.1f\n", "flat array (floor)", res->flat_ns,
	       res->flat_ns > 0 ? 1e3 / res->flat_ns : 0);
	if (L->repeat > 1)
		for (k = 0; k < L->repeat; k++)
			printf("  run %u: ratio %.2f (min %.2f, max %.2f)\n", k + 1, L->run[k].ratio,
			       L->run[k].ratio_min, L->run[k].ratio_max);
	printf("\nratio simulated/flat: %.2f (min %.2f, max %.2f)\n", res->ratio,
	       res->ratio_min, res->ratio_max);
	printf("spread of the per-round ratios: %s\n",
	       bench_spread_str(&L->spread, "rounds", sp, sizeof(sp)));
	printf("target ratio <= %.0f: %s\n", TARGET, res->ratio <= TARGET ? "met" : "not met");
}

/* everything the run holds goes back; leaked frames are a finding */
static int lookup_teardown(struct lookup *L, int ret)
{
	uint64_t leaked;

	free(L->pfns);
	L->pfns = NULL;
	flat_free(&L->f);
	if (!L->sim)
		return ret;
	compound_free(L->sim, &L->cp, L->hi.order);
	leaked = hvo_sim_destroy(L->sim);
	L->sim = NULL;
	if (leaked) {
		fprintf(stderr, "hvosim " CMD ": %" PRIu64 " frames leaked\n", leaked);
		return CLI_FINDING;
	}
	return ret;
}

/* run @k: a fresh machine, filled, mirrored, timed, torn down (but its
 * geometry, hstate and counts stay for the report) */
static int lookup_run(struct lookup *L, unsigned int k)
{
	double t0 = cli_now();
	int r = cli_create(CMD, &L->args.cfg, &L->sim);

	if (r)
		return r;
	L->geo = *hvo_sim_geometry(L->sim);
	L->g = &L->geo;
	if (lookup_setup(L))
		return lookup_teardown(L, CLI_FINDING);
	fprintf(stderr, "hvosim " CMD ": run %u/%" PRIu64 ": setup and check took %.1f s; "
		"timing %" PRIu64 " rounds of %" PRIu64 " lookups\n", k + 1, L->repeat,
		cli_now() - t0, L->rounds, L->lookups);
	if (measure(L->sim, &L->f, L->pfns, L->lookups, (unsigned int)L->rounds, &L->run[k],
		    L->ratio + k * L->rounds))
		return lookup_teardown(L, CLI_FINDING);
	return lookup_teardown(L, CLI_OK);
}

/* the runs' medians, and the spread of every round */
static void lookup_sum(struct lookup *L)
{
	double v[MAX_RUNS];
	unsigned int k, n = (unsigned int)L->repeat;

	for (k = 0; k < n; k++)
		v[k] = L->run[k].sim_ns;
	L->res.sim_ns = cli_median(v, n);
	for (k = 0; k < n; k++)
		v[k] = L->run[k].flat_ns;
	L->res.flat_ns = cli_median(v, n);
	for (k = 0; k < n; k++)
		v[k] = L->run[k].ratio;
	L->res.ratio = cli_median(v, n);
	bench_spread_of(L->ratio, n * (unsigned int)L->rounds, &L->spread);
	L->res.ratio_min = L->spread.min;
	L->res.ratio_max = L->spread.max;
}

int bench_lookup(int argc, char **argv)
{
	struct lookup L;
	unsigned int k;
	int r;

	memset(&L, 0, sizeof(L));
	r = lookup_parse(&L, argc, argv);
	if (r != CLI_GO)
		return r;
	L.ratio = calloc(L.repeat * L.rounds, sizeof(double));
	if (!L.ratio) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return CLI_FINDING;
	}
	bench_host_start(&L.host);
	for (k = 0, r = CLI_OK; k < L.repeat && r == CLI_OK; k++)
		r = lookup_run(&L, k);
	bench_host_end(&L.host);
	if (r == CLI_OK) {
		lookup_sum(&L);
		if (L.args.json)
			lookup_json(&L);
		else
			lookup_table(&L);
	}
	free(L.ratio);
	return r;
}
