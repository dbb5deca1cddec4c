// SPDX-License-Identifier: MIT
/*
 * test_explore.c - the schedule explorer finds every race the library keeps
 * on purpose, passes every correct variant, and replays what it found.
 *
 *   - PCT (depth 3, fixed seed) finds each known-bad variant of every
 *     built-in scenario within 1,000 runs, and the schedule string it prints
 *     replays to the same finding: among them the known-bad walkers of
 *     hvo_walk_pfn_flags() (walker-norcu-optimize in fake-head,
 *     walker-norecheck-demote and -dissolve in every scheme), caught by
 *     the fault log: a write through a fake head, the reader-side oracle's
 *     "wrong head";
 *   - every correct variant passes random and PCT runs;
 *   - dfs:2 of first-optimize with two threads completes clean (counts in
 *     the output) and finds alloc none;
 *   - a replay is deterministic: twice, and from a rebuilt machine, the same
 *     trace;
 *   - a replay that asks for a thread that cannot run is a divergence;
 *     "t*" runs a thread as long as it can, and the run records the
 *     letters and counts it took;
 *   - walker-norcu-optimize, with its walker stopped at each of its steps,
 *     leaves hvo_sim_destroy() nothing to report (the block a walker's
 *     reference kept is freed by its final check);
 *   - a restored snapshot is the snapshot's machine, byte for byte: frames,
 *     metadata, statistics, mem_section flags, and a digest of the rest of
 *     the state outside the frame arena; a vmemmap frame a run initialised
 *     lazily is lazy again; and the struct page load's fast path stays
 *     closed while a hook is set, after a restore too;
 *   - a scenario written here, against the public API, with its own
 *     scheduling points, finds its lost update; deadlocks and livelocks
 *     are findings;
 *   - a caller's chooser (hvo_explore_run()) on one open exploration
 *     replays a finding, run after run, as hvo_explore() does.
 *
 * HVOSIM_EXPLORE_RUNS=N runs N random and N PCT schedules per correct
 * variant (10000 for the full check) instead of a few hundred.
 */
#include <unistd.h>

#include "hvotest.h"
#include "../../src/snapshot.h"

static uint64_t runs(uint64_t dflt)
{
	const char *e = getenv("HVOSIM_EXPLORE_RUNS");
	long v = e ? atol(e) : 0;

	return v > 0 ? (uint64_t)v : dflt;
}

static void opts(struct hvo_explore_opts *o, const char *strategy, uint64_t seed, uint64_t n)
{
	memset(o, 0, sizeof(*o));
	assert_int_equal(hvo_explore_parse_strategy(strategy, o), 0);
	o->seed = seed;
	o->runs = n;
}

static void explore_ok(const struct hvo_config *cfg, const struct hvo_scenario *sc,
		       const struct hvo_explore_opts *o, struct hvo_explore_result *r)
{
	int e = hvo_explore(cfg, sc, o, r);

	if (e)
		failf("hvo_explore(%s): %d (%s)", sc->name, e, hvo_last_error());
}

static const char *vname(const struct hvo_config *cfg)
{
	static char buf[160];

	return hvo_scenario_variant_name(cfg, buf, sizeof(buf));
}

/* PCT finds it; its schedule string, replayed, finds it again */
static void find_and_replay(const struct hvo_scenario *sc, const struct hvo_config *cfg)
{
	struct hvo_explore_opts o;
	struct hvo_explore_result r, rr;
	char *sched;

	opts(&o, "pct:3", 1, 1000);
	explore_ok(cfg, sc, &o, &r);
	if (!r.findings)
		failf("%s %s: PCT found nothing in %" PRIu64 " runs", sc->name, vname(cfg),
		      r.schedules);
	print_message("# %s %s: %s after %" PRIu64 " run(s), schedule %s\n", sc->name,
		      vname(cfg), hvo_finding_name(r.kind), r.run_index + 1, r.schedule);
	/* the known-bad walkers are caught by what they did: the fault log */
	if (!strncmp(sc->name, "walker-no", 9))
		assert_int_equal(r.kind, HVO_FINDING_FAULT);
	sched = malloc(strlen(r.schedule) + 8);
	assert_non_null(sched);
	sprintf(sched, "replay:%s", r.schedule);
	opts(&o, sched, 1, 1);
	explore_ok(cfg, sc, &o, &rr);
	assert_int_equal(rr.findings, 1);
	assert_int_equal(rr.kind, r.kind);
	assert_int_equal(rr.step, r.step);
	assert_string_equal(rr.message, r.message);
	assert_string_equal(rr.trace, r.trace);
	free(sched);
	hvo_explore_result_free(&r);
	hvo_explore_result_free(&rr);
}

static void clean_under(const struct hvo_scenario *sc, const struct hvo_config *cfg,
			const char *strategy, uint64_t n)
{
	struct hvo_explore_opts o;
	struct hvo_explore_result r;

	opts(&o, strategy, 7, n);
	explore_ok(cfg, sc, &o, &r);
	if (r.findings) {
		hvo_explore_print(&r, stderr);
		failf("%s %s: %s found %s in a correct variant", sc->name, vname(cfg), strategy,
		      hvo_finding_name(r.kind));
	}
	assert_int_equal(r.schedules, n);
	hvo_explore_result_free(&r);
}

/* every variant of every built-in scenario: the known-bad found, the rest clean */
static void test_builtin(void **state)
{
	unsigned int s, i, n, bad = 0, good = 0;
	uint64_t nr = runs(300), slow;

	(void)state;
	for (s = 0; s < hvo_scenario_count(); s++) {
		const struct hvo_scenario *sc = hvo_scenario_get(s);
		struct hvo_config v[32];

		n = hvo_scenario_variants(sc, v, 32);
		assert_true(n > 0 && n <= 32);
		for (i = 0; i < n; i++) {
			if (sc->known_bad && sc->known_bad(&v[i])) {
				find_and_replay(sc, &v[i]);
				bad++;
				continue;
			}
			/* the demote scenario costs ~1 ms a run: a third of the
			 * default runs (all of them when HVOSIM_EXPLORE_RUNS says) */
			slow = getenv("HVOSIM_EXPLORE_RUNS") ? nr : nr / 3 + 1;
			clean_under(sc, &v[i], "random",
				    strcmp(sc->name, "demote-walker") ? nr : slow);
			clean_under(sc, &v[i], "pct:3",
				    strcmp(sc->name, "demote-walker") ? nr : slow);
			good++;
		}
	}
	print_message("# %u known-bad variants found and replayed, %u correct variants clean "
		      "(%" PRIu64 " random + %" PRIu64 " PCT runs each)\n", bad, good, nr, nr);
	/* 10 of the seven races, 2 + 4 + 4 of the known-bad walkers */
	assert_true(bad >= 20);
	assert_true(good >= 30);
}

static void config_of(const char *name, struct hvo_config *c, const struct hvo_scenario **sc)
{
	*sc = hvo_scenario_find(name);
	assert_non_null(*sc);
	hvo_config_init(c);
	if ((*sc)->config)
		(*sc)->config(c);
}

/* dfs:2 of (a) with two threads: exhaustive, clean for cmpxchg and lock */
static void test_dfs_first_optimize(void **state)
{
	static const enum hvo_tail_alloc allocs[] = { HVO_TAIL_ALLOC_CMPXCHG, HVO_TAIL_ALLOC_LOCK,
						      HVO_TAIL_ALLOC_NONE };
	const struct hvo_scenario *sc;
	struct hvo_explore_opts o;
	struct hvo_explore_result r;
	struct hvo_config c;
	unsigned int i;

	(void)state;
	config_of("first-optimize", &c, &sc);
	for (i = 0; i < 3; i++) {
		c.tail_alloc = allocs[i];
		opts(&o, "dfs:2", 1, 0);
		explore_ok(&c, sc, &o, &r);
		print_message("# dfs:2 %s: %" PRIu64 " schedules, %" PRIu64 " pruned by sleep sets, "
			      "%s, %" PRIu64 " finding(s)\n", vname(&c), r.schedules, r.pruned,
			      r.complete ? "complete" : "stopped", r.findings);
		if (allocs[i] == HVO_TAIL_ALLOC_NONE) {
			assert_int_equal(r.findings, 1);
			assert_int_equal(r.kind, HVO_FINDING_CHECK);
		} else {
			assert_true(r.complete);
			assert_int_equal(r.findings, 0);
			assert_true(r.schedules > 100);
		}
		hvo_explore_result_free(&r);
	}
}

/* the same schedule, twice and on a rebuilt machine: the same trace */
static void test_replay_deterministic(void **state)
{
	const struct hvo_scenario *sc;
	struct hvo_explore_opts o;
	struct hvo_explore_result a, b, c;
	struct hvo_config cfg;
	char *s;

	(void)state;
	config_of("last-user", &cfg, &sc);
	cfg.tail_lifetime = HVO_TAIL_LAST_USER;
	opts(&o, "random", 99, 5);
	o.trace = true;
	explore_ok(&cfg, sc, &o, &a);
	assert_non_null(a.schedule);
	s = malloc(strlen(a.schedule) + 8);
	assert_non_null(s);
	sprintf(s, "replay:%s", a.schedule);
	opts(&o, s, 1, 1);
	o.trace = true;
	explore_ok(&cfg, sc, &o, &b);
	o.rebuild = true;
	explore_ok(&cfg, sc, &o, &c);
	assert_int_equal(b.findings, 0);
	assert_string_equal(a.schedule, b.schedule);
	assert_string_equal(a.trace, b.trace);
	assert_string_equal(b.trace, c.trace);
	/* the seed of a run, as the only run, is the same run */
	opts(&o, "random", a.seed, 1);
	o.trace = true;
	hvo_explore_result_free(&c);
	explore_ok(&cfg, sc, &o, &c);
	assert_string_equal(a.trace, c.trace);
	free(s);
	hvo_explore_result_free(&a);
	hvo_explore_result_free(&b);
	hvo_explore_result_free(&c);
}

/* replaying @schedule diverges; returns the step it diverged after */
static uint64_t replay_diverges(const struct hvo_config *cfg, const struct hvo_scenario *sc,
				const char *schedule)
{
	struct hvo_explore_opts o;
	struct hvo_explore_result r;
	uint64_t step;

	opts(&o, schedule, 1, 1);
	explore_ok(cfg, sc, &o, &r);
	assert_int_equal(r.kind, HVO_FINDING_DIVERGED);
	step = r.step;
	hvo_explore_result_free(&r);
	return step;
}

/* a schedule recorded in one variant asks the impossible of another */
static void test_replay_diverges(void **state)
{
	const struct hvo_scenario *sc;
	struct hvo_explore_opts o;
	struct hvo_config cfg;

	(void)state;
	config_of("first-optimize", &cfg, &sc);
	/* thread a twice, then thread c: there is no thread c */
	assert_int_equal(replay_diverges(&cfg, sc, "replay:a2c"), 2);
	/* too short */
	replay_diverges(&cfg, sc, "replay:ab");
	assert_int_equal(hvo_explore_parse_strategy("replay:a0", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("replay:x", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("pct:0", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("dfs:", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("bfs", &o), -EINVAL);
}

/* "t*": a thread as long as it can run; the run records letters and counts */
static void test_replay_as_long(void **state)
{
	const struct hvo_scenario *sc;
	struct hvo_explore_opts o;
	struct hvo_explore_result r, rr;
	struct hvo_config cfg;
	char s[64];

	(void)state;
	config_of("first-optimize", &cfg, &sc);
	opts(&o, "replay:a*b*", 1, 1);
	o.trace = true;
	explore_ok(&cfg, sc, &o, &r);
	assert_int_equal(r.findings, 0);
	/* a to its end, then b to its end: one switch */
	assert_int_equal(r.schedule[0], 'a');
	assert_non_null(strchr(r.schedule, 'b'));
	assert_null(strchr(strchr(r.schedule, 'b'), 'a'));
	snprintf(s, sizeof(s), "replay:%s", r.schedule);
	opts(&o, s, 1, 1);
	o.trace = true;
	explore_ok(&cfg, sc, &o, &rr);
	assert_string_equal(r.trace, rr.trace);
	hvo_explore_result_free(&r);
	hvo_explore_result_free(&rr);
	/* a "t*" of a thread the scenario does not have, or a schedule that
	 * ends while a thread still runs, diverges */
	replay_diverges(&cfg, sc, "replay:a*b*c*");
	replay_diverges(&cfg, sc, "replay:b*");
	assert_int_equal(hvo_explore_parse_strategy("replay:a*3", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("replay:a**", &o), -EINVAL);
	assert_int_equal(hvo_explore_parse_strategy("replay:*", &o), -EINVAL);
}

/* stderr into a file, for what hvo_sim_destroy() reports */
static FILE *stderr_to_file(int *saved)
{
	FILE *f = tmpfile();

	assert_non_null(f);
	fflush(stderr);
	*saved = dup(2);
	assert_true(*saved >= 0);
	assert_true(dup2(fileno(f), 2) >= 0);
	return f;
}

static void stderr_back(FILE *f, int saved, char *buf, size_t len)
{
	size_t n;

	fflush(stderr);
	assert_true(dup2(saved, 2) >= 0);
	close(saved);
	rewind(f);
	n = fread(buf, 1, len - 1, f);
	buf[n] = 0;
	fclose(f);
}

/*
 * walker-norcu-optimize, where a walker's reference keeps the plain page
 * from its owner's put and so the owner does not free its block: the final
 * check frees it once the walker let go (the walker's put_page() would
 * have).  It did not, and whichever run came last left the block to
 * hvo_sim_destroy(), which reported 512 harness frames still allocated.
 * The walker (b) is stopped at each of its steps in turn, the owner (a)
 * runs as far as it gets: nothing may be reported at destroy.
 */
static void test_norcu_kept_block(void **state)
{
	const struct hvo_scenario *sc = hvo_scenario_find("walker-norcu-optimize");
	unsigned int n, i, j, steps, kept = 0;
	struct hvo_explore_opts o;
	struct hvo_explore_result r;
	struct hvo_config v[8];
	char s[64], err[1024];
	int saved;
	FILE *f;

	(void)state;
	assert_non_null(sc);
	n = hvo_scenario_variants(sc, v, 8);
	for (i = 0; i < n && i < 8; i++) {
		if (sc->known_bad(&v[i]))
			continue;
		opts(&o, "replay:b*a*", 1, 1);
		o.trace = true;
		explore_ok(&v[i], sc, &o, &r);
		steps = (unsigned int)atoi(r.schedule + 1);
		hvo_explore_result_free(&r);
		for (j = 1; j < steps; j++) {
			snprintf(s, sizeof(s), "replay:b%ua*b*", j);
			opts(&o, s, 1, 1);
			o.trace = true;
			f = stderr_to_file(&saved);
			explore_ok(&v[i], sc, &o, &r);
			stderr_back(f, saved, err, sizeof(err));
			if (r.findings || *err)
				failf("walker-norcu-optimize %s %s: %s%s", vname(&v[i]), s,
				      r.findings ? r.message : "", err);
			kept += strstr(r.trace, "owner put it: refcount 1") != NULL;
			hvo_explore_result_free(&r);
		}
	}
	/* the schedules did make the walker keep the block */
	assert_true(kept > 0);
}

/* ---- snapshots ---- */

struct image {
	struct hvo_frame_meta *meta;
	uint8_t *bytes;
	struct hvo_stats st;
	uint8_t *sections;		/* mem_section flags */
	uint64_t nr_sections;
	uint64_t digest;		/* the rest of the state outside the arena */
};

static void image_of(struct hvo_sim *sim, struct image *im)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t pfn;

	im->meta = malloc(g->nr_pfns * sizeof(*im->meta));
	im->bytes = calloc(g->nr_pfns, g->page_size);
	assert_non_null(im->meta);
	assert_non_null(im->bytes);
	memcpy(im->meta, sim->meta, g->nr_pfns * sizeof(*im->meta));
	for (pfn = 0; pfn < g->nr_pfns; pfn++)
		if (hvo__meta_raw(sim, pfn)->flags & FMF_EVER_BYTES)
			memcpy(im->bytes + pfn * g->page_size, sim->mem + (pfn << g->page_shift),
			       g->page_size);
	hvo_sim_stats(sim, &im->st);
	im->nr_sections = g->nr_pfns >> (g->section_shift - g->page_shift);
	im->sections = malloc(im->nr_sections);
	assert_non_null(im->sections);
	memcpy(im->sections, sim->section_flags, im->nr_sections);
	im->digest = hvo__snap_digest(sim);
}

static void image_free(struct image *im)
{
	free(im->meta);
	free(im->bytes);
	free(im->sections);
}

static void image_equal(struct hvo_sim *sim, const struct image *a)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	struct image b;
	uint64_t pfn;

	image_of(sim, &b);
	for (pfn = 0; pfn < g->nr_pfns; pfn++) {
		if (memcmp(&a->meta[pfn], &b.meta[pfn], sizeof(b.meta[pfn])))
			failf("pfn %#" PRIx64 ": metadata differs after the restore", pfn);
		if (memcmp(a->bytes + pfn * g->page_size, b.bytes + pfn * g->page_size,
			   g->page_size))
			failf("pfn %#" PRIx64 ": frame bytes differ after the restore", pfn);
	}
	if (memcmp(&a->st, &b.st, sizeof(b.st)))
		failf("the statistics differ after the restore");
	if (memcmp(a->sections, b.sections, b.nr_sections))
		failf("the mem_section flags differ after the restore");
	if (a->digest != b.digest)
		failf("the state outside the arena differs after the restore");
	image_free(&b);
}

/* grow, take, put, optimize, restore, demote, dissolve: restore undoes all */
static void test_snapshot_restore(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_snapshot *snap, *second;
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct image im;
	uint64_t done, pfn, pfns[8], leaf;
	struct hvo_translation tr;
	int h, big, round;

	(void)state;
	assert_non_null(rep);
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 256ull << 20;
	c.cont_hstates = true;
	c.tail_lifetime = HVO_TAIL_LAST_USER;
	c.fault_policy = HVO_FAULT_RECORD;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	h = hvo_hstate_find(sim, 2ull << 20);
	big = hvo_hstate_find(sim, 32ull << 20);
	assert_true(h >= 0 && big >= 0);
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)h, 0, 3, &done), 0);
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)big, 0, 1, &done), 0);
	/* the first struct page's vmemmap is still a PMD leaf (the pool is at
	 * the top): the run's split allocates a page table, which the
	 * pgtable-frames invariant counts */
	leaf = hvo_pfn_to_page(sim, 0);
	assert_int_equal(hvo_vmemmap_translate(sim, leaf, &tr), 0);
	assert_int_equal(tr.level, 1);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	assert_int_equal(hvo_snapshot_take(sim, &second), -EBUSY);
	assert_null(second);
	image_of(sim, &im);
	for (round = 0; round < 3; round++) {
		uint64_t fr[2], nfr = 0, i;

		assert_int_equal(hvo_folio_alloc(sim, (unsigned int)h, 0, &pfn), 0);
		assert_int_equal(hvo_pool_grow(sim, (unsigned int)h, 0, 2, &done), 0);
		assert_true(hvo_folio_list(sim, (unsigned int)h, pfns, 8) >= 4);
		for (i = 0; i < 4 && nfr < 2; i++)
			if (pfns[i] != pfn)
				fr[nfr++] = pfns[i];
		assert_int_equal(hvo_folio_restore(sim, fr[0]), 0);
		assert_int_equal(hvo_folio_dissolve(sim, fr[1]), 0);
		assert_int_equal(hvo_demote(sim, (unsigned int)big, (unsigned int)h, 0, 1, &done), 0);
		assert_int_equal(hvo_folio_put(sim, pfn), 0);
		assert_int_equal(hvo_vmemmap_split_pmd(sim, leaf, true), 0);
		assert_int_equal(hvo_check(sim, rep), 0);
		/* state outside the arena no call changes after boot: the
		 * restore brings it back too */
		sim->section_flags[round % im.nr_sections] ^= 0x80;
		if (hvo_snapshot_restore(sim, snap))
			failf("restore: %s", hvo_last_error());
		image_equal(sim, &im);
		assert_int_equal(hvo_check(sim, rep), 0);
	}
	hvo_snapshot_free(snap);
	image_free(&im);
	free(rep);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/* a scheduler hook that counts struct page loads */
static void count_loads(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	(void)addr;
	if (p == HVO_YP_PAGE_LOAD)
		(*(uint64_t *)ctx)++;
}

/* hvo_compound_head() of @n struct pages from @pfn, each a single load */
static void heads(struct hvo_sim *sim, uint64_t pfn, uint64_t n)
{
	uint64_t i, page;

	for (i = 0; i < n; i++) {
		page = hvo_pfn_to_page(sim, pfn + i);
		assert_int_equal(hvo_compound_head(sim, page), page);
	}
}

/*
 * The struct page load's fast path (vmm.h) skips the yield point, so it is
 * closed while a hook is set: after a restore too, though the snapshot was
 * taken without one.  And a vmemmap frame a run initialises lazily (a
 * memmap larger than the 64 MiB hvo_snapshot_take() initialises) comes
 * back as it was, lazy.
 */
static void test_snapshot_fast_path(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_snapshot *snap;
	struct hvo_translation tr;
	const struct hvo_geometry *g;
	uint64_t pfn, frame, loads = 0;
	struct hvo_frame_meta meta;
	uint8_t *before;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 5 * GiB;
	c.encoding = HVO_ENC_MASK;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	g = hvo_sim_geometry(sim);
	assert_true(g->nr_pfns * g->stride > 64 * MiB);
	pfn = g->nr_pfns - 64;
	assert_int_equal(hvo_vmemmap_translate(sim, hvo_pfn_to_page(sim, pfn), &tr), 0);
	assert_true(tr.entry & HVO_PTE_LAZY);
	frame = tr.frame_pfn;
	before = malloc(g->page_size);
	assert_non_null(before);
	memcpy(before, sim->mem + (frame << g->page_shift), g->page_size);
	meta = *hvo__meta_raw(sim, frame);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	/* without a hook: the lazy init, then the fast path */
	heads(sim, pfn, 16);
	assert_memory_not_equal(before, sim->mem + (frame << g->page_shift), g->page_size);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	assert_memory_equal(before, sim->mem + (frame << g->page_shift), g->page_size);
	assert_memory_equal(&meta, hvo__meta_raw(sim, frame), sizeof(meta));
	assert_int_equal(hvo_vmemmap_translate(sim, hvo_pfn_to_page(sim, pfn), &tr), 0);
	assert_true(tr.entry & HVO_PTE_LAZY);
	/* with one: every load yields, before a restore and after */
	hvo_sim_set_yield_hook(sim, count_loads, &loads);
	heads(sim, pfn, 16);
	assert_int_equal(loads, 16);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	heads(sim, pfn, 16);
	assert_int_equal(loads, 32);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	hvo_sim_set_yield_hook(sim, NULL, NULL);
	/* the hook gone, the fast path is open again, after a restore too */
	assert_int_equal(atomic_load(&sim->fast_n), sim->flat_n);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	assert_int_equal(atomic_load(&sim->fast_n), sim->flat_n);
	heads(sim, pfn, 16);
	assert_int_equal(loads, 32);
	hvo_snapshot_free(snap);
	free(before);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/* ---- a scenario of our own, against the public API ---- */

struct counter {
	uint64_t page;		/* the struct page whose private word counts */
};

static int counter_setup(const struct hvo_scenario_ctx *c)
{
	struct counter *d = c->data;

	d->page = hvo_pfn_to_page(c->sim, 12345);
	return hvo_page_write(c->sim, d->page, HVO_PW_PRIVATE, 0);
}

/* a read-modify-write that is not atomic: load, then store */
static void counter_inc(const struct hvo_scenario_ctx *c)
{
	const struct counter *d = c->data;
	uint64_t v = 0;

	hvo_page_read(c->sim, d->page, HVO_PW_PRIVATE, &v);
	hvo_page_write(c->sim, d->page, HVO_PW_PRIVATE, v + 1);
}

static int counter_check(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	const struct counter *d = c->data;
	uint64_t v = 0;

	hvo_page_read(c->sim, d->page, HVO_PW_PRIVATE, &v);
	if (v == c->nr_threads)
		return 0;
	snprintf(msg, len, "counter is %" PRIu64 " after %u increments", v, c->nr_threads);
	return 1;
}

static void test_own_scenario(void **state)
{
	struct hvo_scenario sc = {
		.name = "lost-update", .nr_threads = 2, .setup = counter_setup,
		.thread = { counter_inc, counter_inc }, .check = counter_check,
		.points = HVO_EXPLORE_POINT(HVO_YP_PAGE_LOAD) | HVO_EXPLORE_POINT(HVO_YP_PAGE_STORE),
		.data_size = sizeof(struct counter),
	};
	struct hvo_explore_opts o;
	struct hvo_explore_result r;
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 128ull << 20;
	opts(&o, "dfs:1", 1, 0);
	explore_ok(&c, &sc, &o, &r);
	assert_int_equal(r.kind, HVO_FINDING_FINAL);
	print_message("# lost update: %s, schedule %s\n", r.message, r.schedule);
	hvo_explore_result_free(&r);
	/* with the struct page loads and stores not scheduling points, the
	 * increments never interleave */
	sc.points = 0;
	opts(&o, "dfs:2", 1, 0);
	explore_ok(&c, &sc, &o, &r);
	assert_int_equal(r.findings, 0);
	assert_true(r.complete);
	hvo_explore_result_free(&r);
}

static void reader_leaves_locked(const struct hvo_scenario_ctx *c)
{
	hvo_rcu_read_lock(c->sim);	/* and never unlocks */
}

static void syncer(const struct hvo_scenario_ctx *c)
{
	hvo_synchronize_rcu(c->sim);
}

/* flushes forever, reading a struct page in between */
static void flusher(const struct hvo_scenario_ctx *c)
{
	uint64_t v;

	for (;;) {
		hvo_flush_tlb_all(c->sim);
		hvo_page_read(c->sim, hvo_pfn_to_page(c->sim, 0), HVO_PW_FLAGS, &v);
	}
}

static void nothing(const struct hvo_scenario_ctx *c)
{
	(void)c;
}

/* a grace period that waits for a reader that is gone: a deadlock; a
 * thread that never ends: a livelock */
static void test_deadlock_livelock(void **state)
{
	struct hvo_scenario sc = {
		.name = "stuck-reader", .nr_threads = 2,
		.thread = { reader_leaves_locked, syncer },
	};
	struct hvo_scenario loop = {
		.name = "endless", .nr_threads = 2, .thread = { flusher, nothing },
	};
	struct hvo_explore_opts o;
	struct hvo_explore_result r;
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 128ull << 20;
	opts(&o, "replay:a2b3", 1, 1);
	explore_ok(&c, &sc, &o, &r);
	assert_int_equal(r.kind, HVO_FINDING_DEADLOCK);
	hvo_explore_result_free(&r);
	opts(&o, "dfs:1", 1, 0);
	explore_ok(&c, &sc, &o, &r);
	assert_int_equal(r.kind, HVO_FINDING_DEADLOCK);
	hvo_explore_result_free(&r);
	opts(&o, "random", 1, 1);
	o.max_steps = 50;
	explore_ok(&c, &loop, &o, &r);
	assert_int_equal(r.kind, HVO_FINDING_LIVELOCK);
	assert_int_equal(r.step, 50);
	hvo_explore_result_free(&r);
}

/* ---- runs the caller decides (hvo_explore_open(), hvo_explore_run()) ---- */

/* a chooser that follows a schedule string, and says where it went wrong */
struct follow {
	const char *s;			/* what is left of the schedule string */
	unsigned int left;		/* of the current letter's run */
	int letter;
	unsigned int decisions;
};

static int follow(void *ctx, uint32_t runnable, int prev)
{
	struct follow *f = ctx;
	char *end;

	(void)runnable;
	(void)prev;
	f->decisions++;
	if (!f->left) {
		if (!*f->s)
			return 7;		/* no such thread: the run diverges */
		f->letter = *f->s++ - 'a';
		f->left = (unsigned int)strtoul(f->s, &end, 10);
		f->left = f->left ? f->left : 1;
		f->s = end;
	}
	f->left--;
	return f->letter;
}

/* thread a while it can run, then b, ...: no preemption */
static int lowest(void *ctx, uint32_t runnable, int prev)
{
	(void)ctx;
	(void)prev;
	return __builtin_ctz(runnable);
}

static void run_chosen(struct hvo_explore *x, const char *sched, struct hvo_explore_result *r)
{
	struct follow f = { .s = sched };
	int e = hvo_explore_run(x, follow, &f, r);

	if (e)
		failf("hvo_explore_run(%s): %d (%s)", sched, e, hvo_last_error());
}

/*
 * PCT's finding, replayed by a chooser on one open exploration, twice: the
 * same finding each time, as from hvo_explore()'s own replay, and the
 * recorded schedule string is the one followed.  A chooser that names a
 * thread that cannot run makes the run diverge, and the next run on the
 * same exploration starts clean from the restored setup.
 */
static void test_chosen_runs(void **state)
{
	const struct hvo_scenario *sc;
	struct hvo_explore_opts o;
	struct hvo_explore_result p, r;
	struct hvo_config cfg;
	struct hvo_explore *x;
	unsigned int i;

	(void)state;
	config_of("first-optimize", &cfg, &sc);
	cfg.tail_alloc = HVO_TAIL_ALLOC_NONE;
	opts(&o, "pct:3", 1, 1000);
	explore_ok(&cfg, sc, &o, &p);
	assert_true(p.findings > 0);
	memset(&o, 0, sizeof(o));
	assert_int_equal(hvo_explore_open(&cfg, sc, &o, &x), 0);
	for (i = 0; i < 2; i++) {
		run_chosen(x, p.schedule, &r);
		assert_int_equal(r.schedules, 1);
		assert_int_equal(r.run_index, 2 * i);
		assert_int_equal(r.findings, 1);
		assert_int_equal(r.kind, p.kind);
		assert_int_equal(r.step, p.step);
		assert_string_equal(r.message, p.message);
		assert_string_equal(r.schedule, p.schedule);
		assert_string_equal(r.trace, p.trace);
		hvo_explore_result_free(&r);
		/* a, a, then thread 7: diverged after two steps */
		run_chosen(x, "a2", &r);
		assert_int_equal(r.kind, HVO_FINDING_DIVERGED);
		assert_int_equal(r.step, 2);
		assert_non_null(strstr(r.message, "chooser picked 7"));
		hvo_explore_result_free(&r);
	}
	hvo_explore_close(x);
	hvo_explore_result_free(&p);

	/* a correct variant: clean, and with opts.trace its schedule is kept */
	config_of("first-optimize", &cfg, &sc);
	o.trace = true;
	assert_int_equal(hvo_explore_open(&cfg, sc, &o, &x), 0);
	assert_int_equal(hvo_explore_run(x, lowest, NULL, &r), 0);
	assert_int_equal(r.findings, 0);
	assert_non_null(r.schedule);
	assert_int_equal(r.schedule[0], 'a');
	hvo_explore_result_free(&r);
	hvo_explore_close(x);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_snapshot_restore),
		cmocka_unit_test(test_snapshot_fast_path),
		cmocka_unit_test(test_replay_deterministic),
		cmocka_unit_test(test_replay_diverges),
		cmocka_unit_test(test_replay_as_long),
		cmocka_unit_test(test_norcu_kept_block),
		cmocka_unit_test(test_own_scenario),
		cmocka_unit_test(test_deadlock_livelock),
		cmocka_unit_test(test_chosen_runs),
		cmocka_unit_test(test_dfs_first_optimize),
		cmocka_unit_test(test_builtin),
	};

	return cmocka_run_group_tests_name("explore", tests, NULL, NULL);
}
