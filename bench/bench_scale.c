// SPDX-License-Identifier: MIT
/*
 * bench_scale.c - hvosim bench scale: a simulated terabyte host full of
 * huge pages, to show that host memory follows what the simulation uses,
 * not what it simulates.
 *
 * Boot gigantic pages are reserved by hvo_sim_create() and their vmemmap is
 * populated directly in HVO form; the 2M pool is filled at runtime and
 * optimized as it grows.  The report is wall time per phase, the process's
 * peak RSS and the vmemmap HVO saved, computed two independent ways (from
 * the hstates' optimized counts, and from the vmemmap frames actually in
 * use against what a machine without HVO would hold) so a reader can see
 * they agree.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#include "bench.h"
#include "harness.h"

#define CMD "bench scale"
#define GIB (1ull << 30)
#define MIB (1ull << 20)
#define RSS_TARGET (512 * MIB)
#define FILL_STEP 1024		/* folios per resize call, for progress */
#define MAX_REPEAT 20

static const char about[] =
	"Builds a simulated host with N 1 GiB pages reserved at boot (vmemmap populated\n"
	"in HVO form) and fills a pool of 2 MiB pages at runtime, both split evenly\n"
	"over the nodes, then reports wall time per phase, the process's peak RSS, the\n"
	"vmemmap HVO saved and the machine's leaks after destroy.  Each node gets its\n"
	"pages plus room for its own vmemmap and page tables (twice the vmemmap boot\n"
	"populates in full, at least 2 GiB), rounded up to 512 MiB.\n"
	"seconds = build + pool fill.\n"
	"The floor, measured in the same run: the simulated state the machine must\n"
	"hold (vmemmap frames in use and page tables) plus the process's RSS before\n"
	"the build, for peak RSS; writing that state into fresh host memory, for\n"
	"the seconds.\n"
	"Target (informational): peak RSS <= 512 MiB.\n";

/* the share of @total that node @n of @nodes gets (the first ones get the rest) */
static uint64_t share(uint64_t total, unsigned int nodes, unsigned int n)
{
	return total / nodes + (n < total % nodes ? 1 : 0);
}

struct scale {
	double t_build, t_fill, t_check, t_destroy;
	uint64_t peak_rss;
	uint64_t folios_1g, folios_2m, opt_1g, opt_2m;
	uint64_t saved, saved_measured, in_use, nohvo, pgtable, host_frames;
	uint64_t shared_tails, leaked;
	int64_t violations;		/* -1: not checked */
	/* the floor: the simulated state, and writing it into fresh memory */
	uint64_t rss_before, floor_bytes;
	double floor_seconds;
};

/* grow the 2M pool node by node, a step at a time so progress can be shown */
static int fill(struct hvo_sim *sim, unsigned int h, const uint64_t *want,
		unsigned int nodes)
{
	uint64_t cur, got;
	unsigned int n;
	double last = cli_now();

	for (n = 0; n < nodes; n++) {
		for (cur = 0; cur < want[n];) {
			cur = want[n] - cur > FILL_STEP ? cur + FILL_STEP : want[n];
			if (hvo_pool_resize(sim, h, n, cur, &got)) {
				fprintf(stderr, "hvosim " CMD ": node %u: 2M pool reached %" PRIu64
					" of %" PRIu64 ": %s\n", n, got, want[n], hvo_last_error());
				return -1;
			}
			if (cli_now() - last > 2) {
				last = cli_now();
				fprintf(stderr, "hvosim " CMD ": 2M pool: node %u at %" PRIu64 "/%"
					PRIu64 "\n", n, cur, want[n]);
			}
		}
	}
	return 0;
}

static void measure(struct hvo_sim *sim, int h1g, int h2m, struct scale *sc)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	struct hvo_hstate_info hi;
	struct hvo_stats st;
	uint64_t opt_pages = 0;
	unsigned int i;

	hvo_sim_stats(sim, &st);
	for (i = 0; i < hvo_hstate_count(sim); i++) {
		hvo_hstate_info(sim, i, &hi);
		opt_pages += hi.nr_optimized * hi.optimizable_pages;
		if ((int)i == h1g) {
			sc->folios_1g = hi.nr_huge_pages;
			sc->opt_1g = hi.nr_optimized;
		}
		if ((int)i == h2m) {
			sc->folios_2m = hi.nr_huge_pages;
			sc->opt_2m = hi.nr_optimized;
		}
	}
	/* what HVO stopped holding: each optimized folio's freed vmemmap pages,
	 * less the shared tails they all map instead */
	sc->shared_tails = st.shared_tails_live;
	sc->saved = opt_pages > st.shared_tails_live ?
		    (opt_pages - st.shared_tails_live) * g->page_size : 0;
	/* cross-check: every struct page in its own vmemmap frame (no HVO)
	 * against the vmemmap and shared-tail frames in use now */
	sc->nohvo = (g->nr_pfns * g->stride + g->page_size - 1) / g->page_size * g->page_size;
	sc->in_use = (st.in_use[HVO_KIND_VMEMMAP] + st.in_use[HVO_KIND_SHARED_TAIL]) *
		     g->page_size;
	sc->saved_measured = sc->nohvo > sc->in_use ? sc->nohvo - sc->in_use : 0;
	sc->pgtable = st.in_use[HVO_KIND_PGTABLE] * g->page_size;
	sc->host_frames = st.host_frames;
	sc->floor_bytes = sc->in_use + sc->pgtable;
}

/* the time floor: @bytes written into fresh host memory (faults included,
 * as the simulator's frames fault too) and given back */
static double floor_write(uint64_t bytes)
{
	double t0 = cli_now();
	void *p;

	if (!bytes)
		return 0;
	p = mmap(NULL, (size_t)bytes, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (p == MAP_FAILED)
		return 0;
	memset(p, 0x5a, (size_t)bytes);
	munmap(p, (size_t)bytes);
	return cli_now() - t0;
}

struct scale_run {
	struct cli_args args;
	uint64_t gigantic, small, want[HVO_MAX_NODES], repeat;
	bool check, peak_reset;
	struct bench_host host;
	struct scale runs[MAX_REPEAT];
	struct scale sc;		/* the last run, with medians of the timings */
	double v_seconds[MAX_REPEAT], v_rss[MAX_REPEAT];
	double v_rss_ratio[MAX_REPEAT], v_sec_ratio[MAX_REPEAT];
	struct bench_spread s_seconds, s_rss, s_rss_ratio, s_sec_ratio;
};

static double rss_floor(const struct scale *sc)
{
	return (double)(sc->floor_bytes + sc->rss_before);
}

static void floor_json(struct json *j, const struct scale_run *S)
{
	const struct scale *sc = &S->sc;

	json_u64(j, "repeat", S->repeat);
	json_bool(j, "peak_rss_per_run", S->peak_reset);
	json_u64(j, "floor_bytes", sc->floor_bytes);
	json_u64(j, "rss_before_bytes", sc->rss_before);
	json_dbl(j, "floor_seconds", sc->floor_seconds);
	json_dbl(j, "rss_ratio", S->s_rss_ratio.median);
	json_dbl(j, "seconds_ratio", S->s_sec_ratio.median);
	bench_spread_json(j, "seconds_spread", &S->s_seconds, S->v_seconds);
	bench_spread_json(j, "peak_rss_spread", &S->s_rss, S->v_rss);
	bench_spread_json(j, "rss_ratio_spread", &S->s_rss_ratio, S->v_rss_ratio);
	bench_spread_json(j, "seconds_ratio_spread", &S->s_sec_ratio, S->v_sec_ratio);
	bench_host_json(j, &S->host);
}

static void print_json(const struct scale_run *S)
{
	const struct hvo_config *cfg = &S->args.cfg;
	const struct scale *sc = &S->sc;
	struct json j;
	uint64_t total = 0;
	unsigned int n;

	for (n = 0; n < cfg->nr_nodes; n++)
		total += cfg->node_mem_bytes[n];

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_str(&j, "bench", "scale");
	json_u64(&j, "seed", cfg->seed);
	json_u64(&j, "nodes", cfg->nr_nodes);
	json_u64(&j, "node_mem_bytes", cfg->node_mem_bytes[0]);
	json_u64(&j, "mem_bytes", total);
	json_str(&j, "scheme", hvo_scheme_name(cfg->scheme));
	json_u64(&j, "folios_1g", sc->folios_1g);
	json_u64(&j, "folios_2m", sc->folios_2m);
	json_u64(&j, "optimized_1g", sc->opt_1g);
	json_u64(&j, "optimized_2m", sc->opt_2m);
	json_dbl(&j, "seconds", sc->t_build + sc->t_fill);
	json_dbl(&j, "seconds_build", sc->t_build);
	json_dbl(&j, "seconds_fill", sc->t_fill);
	if (sc->violations >= 0)
		json_dbl(&j, "seconds_check", sc->t_check);
	json_dbl(&j, "seconds_destroy", sc->t_destroy);
	json_u64(&j, "peak_rss_bytes", sc->peak_rss);
	json_bool(&j, "target_met", sc->peak_rss <= RSS_TARGET);
	json_u64(&j, "saved_bytes", sc->saved);
	json_u64(&j, "saved_bytes_measured", sc->saved_measured);
	json_u64(&j, "vmemmap_in_use_bytes", sc->in_use);
	json_u64(&j, "vmemmap_nohvo_bytes", sc->nohvo);
	json_u64(&j, "pgtable_bytes", sc->pgtable);
	json_u64(&j, "shared_tails", sc->shared_tails);
	json_u64(&j, "host_frames", sc->host_frames);
	if (sc->violations >= 0)
		json_i64(&j, "check_violations", sc->violations);
	json_u64(&j, "leaked", sc->leaked);
	floor_json(&j, S);
	json_end_obj(&j);
	json_done(&j);
}

static void floor_table(const struct scale_run *S)
{
	const struct scale *sc = &S->sc;
	char a[32], b[32], c[32], sp[96];

	printf("%-34s %12s  (vmemmap %s + page tables %s in use)\n", "floor: simulated state",
	       cli_bytes(sc->floor_bytes, a, sizeof(a)), cli_bytes(sc->in_use, b, sizeof(b)),
	       cli_bytes(sc->pgtable, c, sizeof(c)));
	printf("%-34s %12s\n", "floor: RSS before the build", cli_bytes(sc->rss_before, a,
									 sizeof(a)));
	printf("%-34s %10.2f s\n", "floor: writing the state", sc->floor_seconds);
	printf("peak RSS / (state + RSS before):  %s\n",
	       bench_spread_str(&S->s_rss_ratio, "runs", sp, sizeof(sp)));
	printf("seconds / writing the state:      %s\n",
	       bench_spread_str(&S->s_sec_ratio, "runs", sp, sizeof(sp)));
	if (S->repeat > 1) {
		printf("seconds over the runs:            %s\n",
		       bench_spread_str(&S->s_seconds, "runs", sp, sizeof(sp)));
		printf("peak RSS MiB over the runs:       %s%s\n",
		       bench_spread_str(&S->s_rss, "runs", sp, sizeof(sp)),
		       S->peak_reset ? "" : " (the process's peak: no per-run reset here)");
	}
}

static void print_table(const struct scale_run *S)
{
	const struct hvo_config *cfg = &S->args.cfg;
	const struct scale *sc = &S->sc;
	char a[32], b[32], c[32];
	uint64_t total = 0;
	unsigned int n;
	bool even = true;

	for (n = 0; n < cfg->nr_nodes; n++) {
		total += cfg->node_mem_bytes[n];
		even &= cfg->node_mem_bytes[n] == cfg->node_mem_bytes[0];
	}
	printf("hvosim bench scale: seed %" PRIu64 ", %u node(s)%s%s = %s simulated, %s, %"
	       PRIu64 " run(s)%s\n", cfg->seed, cfg->nr_nodes, even ? " x " : "",
	       even ? cli_bytes(cfg->node_mem_bytes[0], a, sizeof(a)) : "",
	       cli_bytes(total, b, sizeof(b)), hvo_scheme_name(cfg->scheme), S->repeat,
	       S->repeat > 1 ? " (timings and peak RSS: medians)" : "");
	bench_host_print(&S->host, stdout);
	printf("  %" PRIu64 " x 1G boot folios (%" PRIu64 " optimized), %" PRIu64
	       " x 2M pool folios (%" PRIu64 " optimized)\n\n", sc->folios_1g, sc->opt_1g,
	       sc->folios_2m, sc->opt_2m);
	printf("%-34s %10.2f s\n", "build (hvo_sim_create)", sc->t_build);
	printf("%-34s %10.2f s\n", "2M pool fill (hvo_pool_resize)", sc->t_fill);
	printf("%-34s %10.2f s\n", "total (build + fill)", sc->t_build + sc->t_fill);
	if (sc->violations >= 0)
		printf("%-34s %10.2f s  (%" PRId64 " violations)\n", "check (hvo_check)",
		       sc->t_check, sc->violations);
	printf("%-34s %10.2f s\n", "destroy", sc->t_destroy);
	printf("%-34s %12s\n", "peak RSS", cli_bytes(sc->peak_rss, a, sizeof(a)));
	printf("%-34s %12s\n", "vmemmap saved (hstate counts)", cli_bytes(sc->saved, a, sizeof(a)));
	printf("%-34s %12s  (= %s without HVO - %s in use)\n", "vmemmap saved (frames in use)",
	       cli_bytes(sc->saved_measured, a, sizeof(a)), cli_bytes(sc->nohvo, b, sizeof(b)),
	       cli_bytes(sc->in_use, c, sizeof(c)));
	printf("%-34s %12s  (%" PRIu64 " shared tails)\n", "vmemmap in use",
	       cli_bytes(sc->in_use, a, sizeof(a)), sc->shared_tails);
	printf("%-34s %12s\n", "vmemmap page tables", cli_bytes(sc->pgtable, a, sizeof(a)));
	printf("%-34s %12" PRIu64 "\n", "frames that ever held host bytes", sc->host_frames);
	printf("%-34s %12" PRIu64 "\n", "leaked frames after destroy", sc->leaked);
	if (sc->saved != sc->saved_measured)
		printf("note: the two savings differ by %" PRId64 " bytes\n",
		       (int64_t)(sc->saved_measured - sc->saved));
	floor_table(S);
	printf("\ntarget peak RSS <= 512 MiB: %s\n", sc->peak_rss <= RSS_TARGET ? "met" : "not met");
}


static int scale_parse(struct scale_run *S, int argc, char **argv)
{
	static const struct cli_override override[] = {
		{ .name = "mem", .help = "memory per node", .def = "pages + room, see above" },
		{ .name = NULL },
	};
	const struct cli_opt opts[] = {
		{ .name = "gigantic", .meta = "N", .kind = CLI_U64, .val = &S->gigantic,
		  .max = 1u << 24, .help = "1 GiB boot pages in all, split over the nodes" },
		{ .name = "small", .meta = "N", .kind = CLI_U64, .val = &S->small,
		  .max = 1ull << 32, .help = "2 MiB runtime pages in all" },
		{ .name = "check", .kind = CLI_FLAG, .val = &S->check,
		  .help = "run the invariant checker at the end (walks everything)" },
		{ .name = "repeat", .meta = "N", .kind = CLI_U64, .val = &S->repeat, .min = 1,
		  .max = MAX_REPEAT, .help = "runs, each a fresh machine; timings and peak RSS\n"
		  "are the medians (the peak restarts per run where /proc allows)" },
		{ .name = NULL },
	};
	/* the boot pages are --gigantic's, split over the nodes */
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts,
				       .machine = "* -boot-gigantic -boot-gigantic-size",
				       .override = override };

	S->gigantic = 1024;
	S->small = 8192;
	S->repeat = 1;
	cli_args_init(&S->args);
	S->args.cfg.nr_nodes = 2;
	return cli_parse(&spec, &S->args, argc, argv);
}

/* each node holds its share of both page sizes, and room for its vmemmap */
static void scale_layout(struct scale_run *S)
{
	struct hvo_config *cfg = &S->args.cfg;
	bool mem_set = cli_machine_seen(&S->args, "mem");
	/* only shared-tail populates boot pages in HVO form */
	bool hvo_boot = cfg->scheme == HVO_SCHEME_SHARED_TAIL;
	unsigned int n;

	cfg->boot_gigantic_bytes = GIB;
	for (n = 0; n < cfg->nr_nodes; n++) {
		uint64_t g = share(S->gigantic, cfg->nr_nodes, n);
		uint64_t s = share(S->small, cfg->nr_nodes, n);
		/* memory whose vmemmap boot populates in full; twice that leaves
		 * room for page tables and the rest of the node's own vmemmap */
		uint64_t full = (s * 2 * MIB + (hvo_boot ? 0 : g * GIB)) /
				(1ull << cfg->page_shift) * cfg->struct_page_size;
		uint64_t room = 2 * full > 2 * GIB ? 2 * full : 2 * GIB;

		cfg->boot_gigantic[n] = (unsigned int)g;
		S->want[n] = s;
		if (!mem_set)
			cfg->node_mem_bytes[n] = (g * GIB + s * 2 * MIB + room + 512 * MIB - 1) &
						 ~(512 * MIB - 1);
		else if (!cfg->node_mem_bytes[n])
			cfg->node_mem_bytes[n] = cfg->node_mem_bytes[0];
	}
}

static void scale_announce(const struct scale_run *S)
{
	const struct hvo_config *cfg = &S->args.cfg;
	uint64_t total = 0, est;
	unsigned int n;
	char buf[32];

	for (n = 0; n < cfg->nr_nodes; n++)
		total += cfg->node_mem_bytes[n];
	/* the schemes other than shared-tail write every boot struct page
	 * first, and that is host memory */
	est = S->gigantic * (GIB >> cfg->page_shift) * cfg->struct_page_size;
	if (cfg->scheme != HVO_SCHEME_SHARED_TAIL && est > 2 * GIB)
		fprintf(stderr, "hvosim " CMD ": warning: scheme %s populates the boot pages' "
			"vmemmap in full: expect about %s of host memory\n",
			hvo_scheme_name(cfg->scheme), cli_bytes(est, buf, sizeof(buf)));
	fprintf(stderr, "hvosim " CMD ": building %u node(s), %s, %" PRIu64 " x 1G boot pages "
		"(seed %" PRIu64 ")\n", cfg->nr_nodes, cli_bytes(total, buf, sizeof(buf)),
		S->gigantic, cfg->seed);
}

/* hvo_check() over everything, timed */
static int scale_check(struct hvo_sim *sim, struct scale *sc)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	double t0;

	fprintf(stderr, "hvosim " CMD ": checking every invariant\n");
	if (!rep) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return -1;
	}
	t0 = cli_now();
	sc->violations = hvo_check(sim, rep);
	sc->t_check = cli_now() - t0;
	if (sc->violations > 0)
		hvo_report_print(rep, stderr);
	else if (sc->violations < 0)
		fprintf(stderr, "hvosim " CMD ": check: %s\n", hvo_last_error());
	free(rep);
	return 0;
}

/* build, fill, measure, check, destroy: each phase timed */
static int scale_phases(struct scale_run *S, struct hvo_sim *sim, double t_build,
			struct scale *sc)
{
	int h2m = hvo_hstate_find(sim, 2 * MIB), h1g = hvo_hstate_find(sim, GIB);
	double t0;

	sc->t_build = t_build;
	if (h2m < 0 || h1g < 0) {
		fprintf(stderr, "hvosim " CMD ": %s\n", hvo_last_error());
		hvo_sim_destroy(sim);
		return CLI_USAGE;
	}
	fprintf(stderr, "hvosim " CMD ": built in %.1f s; filling the 2M pool with %" PRIu64
		" pages\n", sc->t_build, S->small);
	t0 = cli_now();
	if (fill(sim, (unsigned int)h2m, S->want, S->args.cfg.nr_nodes)) {
		hvo_sim_destroy(sim);
		return CLI_FINDING;
	}
	sc->t_fill = cli_now() - t0;
	measure(sim, h1g, h2m, sc);
	if (S->check && scale_check(sim, sc)) {
		hvo_sim_destroy(sim);
		return CLI_FINDING;
	}
	/* the peak is of the whole run so far, which is what a user pays */
	sc->peak_rss = cli_peak_rss_bytes();
	t0 = cli_now();
	sc->leaked = hvo_sim_destroy(sim);
	sc->t_destroy = cli_now() - t0;
	sc->floor_seconds = floor_write(sc->floor_bytes);
	return CLI_OK;
}

/* run @k: a fresh machine built, filled, measured, destroyed; the floor */
static int scale_one(struct scale_run *S, unsigned int k)
{
	struct scale *sc = &S->runs[k];
	struct hvo_sim *sim = NULL;
	double t0;
	int r;

	memset(sc, 0, sizeof(*sc));
	sc->violations = -1;
	S->peak_reset = cli_peak_rss_reset();
	sc->rss_before = cli_rss_bytes();
	t0 = cli_now();
	r = cli_create(CMD, &S->args.cfg, &sim);
	if (r)
		return r;
	r = scale_phases(S, sim, cli_now() - t0, sc);
	if (r)
		return r;
	S->v_seconds[k] = sc->t_build + sc->t_fill;
	S->v_rss[k] = (double)sc->peak_rss / (double)MIB;
	S->v_rss_ratio[k] = rss_floor(sc) > 0 ? (double)sc->peak_rss / rss_floor(sc) : 0;
	S->v_sec_ratio[k] = sc->floor_seconds > 0 ? S->v_seconds[k] / sc->floor_seconds : 0;
	return CLI_OK;
}

/* the last run's counts, the medians of the runs' timings and peaks */
static void scale_sum(struct scale_run *S)
{
	double v[4][MAX_REPEAT];
	unsigned int k, n = (unsigned int)S->repeat;

	S->sc = S->runs[n - 1];
	S->sc.leaked = 0;
	for (k = 0; k < n; k++) {
		/* a leak or a violation in any run is a finding */
		S->sc.leaked += S->runs[k].leaked;
		if (S->runs[k].violations > S->sc.violations)
			S->sc.violations = S->runs[k].violations;
		v[0][k] = S->runs[k].t_build;
		v[1][k] = S->runs[k].t_fill;
		v[2][k] = S->runs[k].t_destroy;
		v[3][k] = S->runs[k].floor_seconds;
	}
	S->sc.t_build = cli_median(v[0], n);
	S->sc.t_fill = cli_median(v[1], n);
	S->sc.t_destroy = cli_median(v[2], n);
	S->sc.floor_seconds = cli_median(v[3], n);
	bench_spread_of(S->v_seconds, n, &S->s_seconds);
	bench_spread_of(S->v_rss, n, &S->s_rss);
	bench_spread_of(S->v_rss_ratio, n, &S->s_rss_ratio);
	bench_spread_of(S->v_sec_ratio, n, &S->s_sec_ratio);
	S->sc.peak_rss = (uint64_t)(S->s_rss.median * (double)MIB);
}

int bench_scale(int argc, char **argv)
{
	struct scale_run *S = calloc(1, sizeof(*S));
	unsigned int k;
	int r;

	if (!S) {
		fprintf(stderr, "hvosim " CMD ": out of host memory\n");
		return CLI_FINDING;
	}
	r = scale_parse(S, argc, argv);
	if (r == CLI_GO) {
		scale_layout(S);
		r = cli_check_machine(CMD, &S->args.cfg) ? CLI_USAGE : CLI_GO;
	}
	if (r != CLI_GO) {
		free(S);
		return r;
	}
	scale_announce(S);
	bench_host_start(&S->host);
	for (k = 0, r = CLI_OK; k < S->repeat && r == CLI_OK; k++)
		r = scale_one(S, k);
	bench_host_end(&S->host);
	if (r == CLI_OK) {
		scale_sum(S);
		if (S->args.json)
			print_json(S);
		else
			print_table(S);
		r = S->sc.leaked || S->sc.violations > 0 || (S->check && S->sc.violations < 0) ?
		    CLI_FINDING : CLI_OK;
	}
	free(S);
	return r;
}
