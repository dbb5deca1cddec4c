// SPDX-License-Identifier: MIT
/*
 * test_hvo_faults.c - allocation failures injected into every HVO path.
 *
 * For each operation (single and batch optimize, single and batch restore,
 * demote, pool grow, pool shrink, dissolve), each allocation site it can
 * reach and n = 1, 2, ...: a fresh machine is brought to the operation's
 * starting state, the nth allocation at the site fails, and the operation
 * must either succeed or fail with -ENOMEM/-EBUSY and leave a machine the
 * checker finds clean: a failed optimize leaves the folio unoptimized with
 * its head struct pages byte-identical, a failed restore leaves it
 * optimized, and once everything is restored and the pools are empty no
 * vmemmap frame is missing or extra (page tables from PMD splits and
 * shared tails excepted).  The sweep stops at the first n that injects
 * nothing: the operation ran to completion.  n is dense up to 64, then
 * grows by half each step; demote of a 1G folio makes ~4600 allocations
 * (4095 to restore the source, 512 head copies, a tail), so its n is dense
 * up to 8, then quadruples.
 *
 * Boot population (vmemmap_populate_hvo() of boot gigantic pages) cannot be
 * reached: hvo_fail_set() needs a machine, and the machine is built by
 * hvo_sim_create(), which runs the boot path before returning.
 *
 * Then: a partial-walk rollback of a 1G folio (the kth PMD split fails),
 * and optimize-then-restore leaving every struct page as it was.
 */
#include "hvotest_hvo.h"

/* ---- helpers ---- */

static bool optimized(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio_info fi;

	assert_int_equal(hvo_folio_lookup(sim, pfn, &fi), 0);
	return fi.optimized;
}

static bool in_pool(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio_info fi;

	return hvo_folio_lookup(sim, pfn, &fi) == 0 && fi.head_pfn == pfn;
}

static uint64_t pool_nr(struct hvo_sim *sim, unsigned int h)
{
	struct hvo_hstate_info hi;

	assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
	return hi.nr_huge_pages;
}

/* every word of struct pages [first, first + n) of the folio at @pfn */
static void snap_pages(struct hvo_sim *sim, uint64_t pfn, uint64_t first, uint64_t n,
		       uint64_t *out)
{
	uint64_t i;
	unsigned int w;

	for (i = 0; i < n; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn + first + i), w,
						       &out[i * HVO_NR_PAGE_WORDS + w]), 0);
}

/* returns the number of differing words, printing the first few */
static uint64_t diff_pages(struct hvo_sim *sim, uint64_t pfn, uint64_t first, uint64_t n,
			   const uint64_t *before, const char *what)
{
	uint64_t *now = scratch_alloc(n * HVO_NR_PAGE_WORDS * sizeof(*now)), i, bad = 0;
	unsigned int w;

	assert_non_null(now);
	snap_pages(sim, pfn, first, n, now);
	for (i = 0; i < n; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
			uint64_t a = before[i * HVO_NR_PAGE_WORDS + w], b = now[i * HVO_NR_PAGE_WORDS + w];

			if (a == b)
				continue;
			if (bad++ < 8)
				print_message("# %s: folio %#llx struct page %llu word %u: %#llx -> %#llx\n",
					      what, (unsigned long long)pfn,
					      (unsigned long long)(first + i), w,
					      (unsigned long long)a, (unsigned long long)b);
		}
	scratch_free(now);
	return bad;
}


/*
 * Grow @nr folios that stay unoptimized with their vmemmap PMDs unsplit:
 * every allocation after the folios' own fails, so the batch's first PMD
 * split and then each optimize's first allocation fail before anything is
 * touched.
 */
static void grow_unoptimized(struct hvo_sim *sim, unsigned int h, uint64_t nr)
{
	struct hvo_fail_spec fs = { .site = HVO_SITE_ANY, .nth = nr + 1, .persistent = true };
	uint64_t done = 0;

	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, nr, &done), 0);
	hvo_fail_clear(sim);
	assert_int_equal(done, nr);
}

/* ---- the sweep ---- */

#define MAXF 4
#define SNAP_PAGES 4	/* struct pages 0..3: the head and folio metadata */

struct ctx {
	struct hvo_sim *sim;
	enum hvo_scheme scheme;
	unsigned int h2, h1;
	uint64_t pfn[MAXF];
	uint64_t nf;
	bool opt[MAXF];
	uint64_t snap[MAXF][SNAP_PAGES * HVO_NR_PAGE_WORDS];
	uint64_t count;		/* done / optimized / restored out of run() */
};

struct op {
	const char *name;
	unsigned int dense;	/* every n up to this, then n grows by @grow / 2 */
	unsigned int grow;
	void (*prep)(struct ctx *c);
	int (*run)(struct ctx *c);
	void (*post)(struct ctx *c, int rc);
};

static void list_pool(struct ctx *c, unsigned int h)
{
	int64_t n = hvo_folio_list(c->sim, h, c->pfn, MAXF);

	assert_true(n >= 0 && n <= MAXF);
	c->nf = (uint64_t)n;
}

/* a failed optimize or restore left folio @i as it was */
static void unchanged(struct ctx *c, uint64_t i, const char *what)
{
	assert_int_equal(optimized(c->sim, c->pfn[i]), c->opt[i]);
	if (diff_pages(c->sim, c->pfn[i], 0, SNAP_PAGES, c->snap[i], what))
		failf("%s changed the head struct pages of %#llx", what,
		      (unsigned long long)c->pfn[i]);
}

/* optimize, one folio that was never optimized (PMDs unsplit, no tail yet) */
static void prep_one_fresh(struct ctx *c)
{
	grow_unoptimized(c->sim, c->h2, 1);
	list_pool(c, c->h2);
}

/* optimize, one folio that was optimized and restored (PMDs split, tail exists) */
static void prep_one_restored(struct ctx *c)
{
	assert_int_equal(hvo_pool_grow(c->sim, c->h2, 0, 1, NULL), 0);
	list_pool(c, c->h2);
	assert_int_equal(hvo_folio_restore(c->sim, c->pfn[0]), 0);
}

static int run_optimize(struct ctx *c)
{
	return hvo_folio_optimize(c->sim, c->pfn[0]);
}

static void post_optimize(struct ctx *c, int rc)
{
	if (rc == 0)
		assert_true(optimized(c->sim, c->pfn[0]));
	else
		unchanged(c, 0, "failed optimize");
}

static void prep_three_fresh(struct ctx *c)
{
	grow_unoptimized(c->sim, c->h2, 3);
	list_pool(c, c->h2);
}

static int run_optimize_batch(struct ctx *c)
{
	return hvo_folios_optimize(c->sim, c->pfn, c->nf, &c->count);
}

static void post_optimize_batch(struct ctx *c, int rc)
{
	uint64_t i, n = 0;

	/* running out of memory is not an error: folios stay unoptimized */
	assert_int_equal(rc, 0);
	for (i = 0; i < c->nf; i++) {
		if (optimized(c->sim, c->pfn[i]))
			n++;
		else
			unchanged(c, i, "failed batch optimize");
	}
	assert_int_equal(n, c->count);
}

static void prep_one(struct ctx *c)
{
	assert_int_equal(hvo_pool_grow(c->sim, c->h2, 0, 1, NULL), 0);
	list_pool(c, c->h2);
}

static int run_restore(struct ctx *c)
{
	return hvo_folio_restore(c->sim, c->pfn[0]);
}

static void post_restore(struct ctx *c, int rc)
{
	if (rc == 0)
		assert_false(optimized(c->sim, c->pfn[0]));
	else
		unchanged(c, 0, "failed restore");
}

static void prep_three(struct ctx *c)
{
	assert_int_equal(hvo_pool_grow(c->sim, c->h2, 0, 3, NULL), 0);
	list_pool(c, c->h2);
}

static int run_restore_batch(struct ctx *c)
{
	return hvo_folios_restore(c->sim, c->pfn, c->nf, &c->count);
}

static void post_restore_batch(struct ctx *c, int rc)
{
	uint64_t i;

	if (rc == 0)
		assert_int_equal(c->count, c->nf);
	assert_true(c->count <= c->nf);
	/* restored up to the first failure, the rest untouched */
	for (i = 0; i < c->nf; i++) {
		if (i < c->count)
			assert_false(optimized(c->sim, c->pfn[i]));
		else
			unchanged(c, i, "failed batch restore");
	}
}

static void prep_one_1g(struct ctx *c)
{
	assert_int_equal(hvo_pool_grow(c->sim, c->h1, 0, 1, NULL), 0);
	list_pool(c, c->h1);
}

static int run_demote(struct ctx *c)
{
	return hvo_demote(c->sim, c->h1, c->h2, 0, 1, &c->count);
}

static void post_demote(struct ctx *c, int rc)
{
	if (rc == 0) {
		assert_int_equal(c->count, 1);
		assert_int_equal(pool_nr(c->sim, c->h1), 0);
		assert_int_equal(pool_nr(c->sim, c->h2), 512);
	} else {
		/* the source could not be restored: it stays, optimized */
		assert_int_equal(c->count, 0);
		assert_int_equal(pool_nr(c->sim, c->h1), 1);
		assert_int_equal(pool_nr(c->sim, c->h2), 0);
		assert_true(in_pool(c->sim, c->pfn[0]));
		unchanged(c, 0, "failed demote");
	}
}

static void prep_nothing(struct ctx *c)
{
	c->nf = 0;
}

static int run_grow(struct ctx *c)
{
	return hvo_pool_grow(c->sim, c->h2, 0, 3, &c->count);
}

static int run_grow_1g(struct ctx *c)
{
	return hvo_pool_grow(c->sim, c->h1, 0, 1, &c->count);
}

static void post_grow(struct ctx *c, int rc)
{
	if (rc == 0)
		assert_int_equal(c->count, 3);
	assert_int_equal(pool_nr(c->sim, c->h2), c->count);
}

static void post_grow_1g(struct ctx *c, int rc)
{
	if (rc == 0)
		assert_int_equal(c->count, 1);
	assert_int_equal(pool_nr(c->sim, c->h1), c->count);
}

static int run_shrink(struct ctx *c)
{
	return hvo_pool_shrink(c->sim, c->h2, 0, 3, &c->count);
}

static void post_shrink(struct ctx *c, int rc)
{
	uint64_t i, left = 0;

	assert_int_equal(pool_nr(c->sim, c->h2), 3 - c->count);
	if (rc == 0)
		assert_int_equal(c->count, 3);
	/* what is left was not restored */
	for (i = 0; i < c->nf; i++)
		if (in_pool(c->sim, c->pfn[i])) {
			left++;
			unchanged(c, i, "failed shrink");
		}
	assert_int_equal(left, 3 - c->count);
}

static int run_dissolve(struct ctx *c)
{
	return hvo_folio_dissolve(c->sim, c->pfn[0]);
}

static void post_dissolve(struct ctx *c, int rc)
{
	if (rc == 0) {
		assert_false(in_pool(c->sim, c->pfn[0]));
	} else {
		assert_true(in_pool(c->sim, c->pfn[0]));
		unchanged(c, 0, "failed dissolve");
	}
}

static const struct op ops[] = {
	{ "optimize (fresh folio)", 64, 3, prep_one_fresh, run_optimize, post_optimize },
	{ "optimize (restored folio)", 64, 3, prep_one_restored, run_optimize, post_optimize },
	{ "batch optimize", 64, 3, prep_three_fresh, run_optimize_batch, post_optimize_batch },
	{ "restore", 64, 3, prep_one, run_restore, post_restore },
	{ "batch restore", 64, 3, prep_three, run_restore_batch, post_restore_batch },
	{ "demote 1G->2M", 8, 8, prep_one_1g, run_demote, post_demote },
	{ "pool grow 2M", 64, 3, prep_nothing, run_grow, post_grow },
	{ "pool grow 1G", 64, 3, prep_nothing, run_grow_1g, post_grow_1g },
	{ "pool shrink", 64, 3, prep_three, run_shrink, post_shrink },
	{ "dissolve", 64, 3, prep_one, run_dissolve, post_dissolve },
};

static const enum hvo_alloc_site sites[] = {
	HVO_SITE_VMEMMAP_TAIL, HVO_SITE_VMEMMAP_HEAD, HVO_SITE_PGTABLE,
	HVO_SITE_VMEMMAP_RESTORE, HVO_SITE_HUGETLB_FOLIO, HVO_SITE_ANY,
};

static uint64_t next_n(const struct op *op, uint64_t n)
{
	/* a stride thins out the dense part only: the sparse tail must still
	 * reach the point where the operation completes within N_CAP */
	if (n < op->dense)
		return n + hvotest_sweep_stride() < op->dense ? n + hvotest_sweep_stride()
							       : op->dense;
	return n * op->grow / 2;
}

#define N_CAP 20000

/* one step: returns whether a failure was injected */
static bool step(enum hvo_scheme scheme, const struct op *op, enum hvo_alloc_site site,
		 uint64_t n)
{
	struct hvo_config cfg;
	struct ctx *c = scratch_alloc(sizeof(*c));
	struct hvo_fail_spec fs = { .site = site, .nth = n };
	struct hvo_stats base, after;
	unsigned int h;
	uint64_t i, injected;
	int rc;

	assert_non_null(c);
	cfg_make(&cfg, 12, 64, scheme, 1, 2 * GiB);
	c->sim = sim_new(&cfg);
	c->scheme = scheme;
	c->h2 = (unsigned int)hvo_hstate_find(c->sim, 2 * MiB);
	c->h1 = (unsigned int)hvo_hstate_find(c->sim, 1 * GiB);
	base = stats_of(c->sim);

	op->prep(c);
	check_clean(c->sim, "after prep");
	for (i = 0; i < c->nf; i++) {
		c->opt[i] = optimized(c->sim, c->pfn[i]);
		snap_pages(c->sim, c->pfn[i], 0, SNAP_PAGES, c->snap[i]);
	}

	assert_int_equal(hvo_fail_set(c->sim, &fs), 0);
	rc = op->run(c);
	injected = hvo_fail_injected(c->sim);
	hvo_fail_clear(c->sim);
	if (rc != 0 && rc != -ENOMEM && rc != -EBUSY)
		failf("%s: %s failure %llu: returned %d (%s)", op->name, hvo_site_name(site),
		      (unsigned long long)n, rc, hvo_last_error());
	if (!injected)
		assert_int_equal(rc, 0);
	assert_true(injected <= 1);
	op->post(c, rc);
	{
		char when[96];

		snprintf(when, sizeof(when), "after %s with failure %llu at %s", op->name,
			 (unsigned long long)n, hvo_site_name(site));
		check_clean(c->sim, when);
	}

	/* restore everything, empty the pools: no frame may be missing */
	for (h = 0; h < hvo_hstate_count(c->sim); h++) {
		uint64_t left = pool_nr(c->sim, h), done = 0;

		if (left)
			assert_int_equal(hvo_pool_shrink(c->sim, h, 0, left, &done), 0);
		assert_int_equal(pool_nr(c->sim, h), 0);
	}
	after = stats_of(c->sim);
	if (after.in_use[HVO_KIND_VMEMMAP] != base.in_use[HVO_KIND_VMEMMAP])
		failf("%s with failure %llu at %s: %lld vmemmap frame(s) leaked", op->name,
		      (unsigned long long)n, hvo_site_name(site),
		      (long long)(after.in_use[HVO_KIND_VMEMMAP] - base.in_use[HVO_KIND_VMEMMAP]));
	assert_int_equal(after.in_use[HVO_KIND_HUGETLB], base.in_use[HVO_KIND_HUGETLB]);
	assert_int_equal(after.in_use[HVO_KIND_OTHER], base.in_use[HVO_KIND_OTHER]);
	assert_int_equal(after.in_use[HVO_KIND_PGTABLE] - base.in_use[HVO_KIND_PGTABLE],
			 after.pmd_splits - base.pmd_splits);
	assert_int_equal(after.in_use[HVO_KIND_SHARED_TAIL] - base.in_use[HVO_KIND_SHARED_TAIL],
			 after.shared_tails_live - base.shared_tails_live);
	assert_true(after.shared_tails_live <= 2);	/* (zone, order): 2M and 1G */
	assert_int_equal(after.optimized_folios, 0);
	assert_int_equal(after.static_key_count, 0);
	assert_int_equal(after.memmap_pages + after.memmap_boot_pages,
			 base.memmap_pages + base.memmap_boot_pages);
	check_clean(c->sim, "after emptying the pools");
	sim_done(c->sim);
	scratch_free(c);
	return injected != 0;
}

static void sweep(enum hvo_scheme scheme, const struct op *op)
{
	size_t s;

	for (s = 0; s < ARRAY_SIZE(sites); s++) {
		uint64_t n, steps = 0;
		bool completed = false;

		for (n = 1; n <= N_CAP; n = next_n(op, n)) {
			steps++;
			if (!step(scheme, op, sites[s], n)) {
				completed = true;
				break;
			}
		}
		assert_true(completed);
		print_message("# %s %s, site %s: completes at n = %llu (%llu steps)\n",
			      hvo_scheme_name(scheme), op->name, hvo_site_name(sites[s]),
			      (unsigned long long)n, (unsigned long long)steps);
	}
}

struct sweep_param {
	enum hvo_scheme scheme;
	size_t op;
};

static void test_sweep(void **state)
{
	const struct sweep_param *p = *state;

	sweep(p->scheme, &ops[p->op]);
}

/* ---- rollback of a partial walk ---- */

/*
 * A 1G folio at 4K: its 16 MiB of vmemmap is 8 PMD leaves, split as the
 * walk reaches them.  Failing the kth split (k >= 2) fails the walk after
 * (k - 1) * 512 PTEs were remapped: they are restored, the head keeps its
 * copy, and the folio reads exactly as before.
 */
static void rollback(enum hvo_scheme scheme)
{
	const uint64_t R = 64, vp = 4096;
	struct hvo_config cfg;
	struct hvo_sim *sim;
	struct hvo_stats base, a, b;
	unsigned int h1, hh;
	uint64_t pfn, k, i, s, e, *head, *firsts;

	head = scratch_alloc(R * HVO_NR_PAGE_WORDS * sizeof(*head));
	firsts = scratch_alloc(vp * HVO_NR_PAGE_WORDS * sizeof(*firsts));
	assert_non_null(head);
	assert_non_null(firsts);
	for (k = 2; k <= 9; k++) {
		struct hvo_fail_spec fs = { .site = HVO_SITE_PGTABLE, .nth = k };
		int rc;

		print_message("# %s: fail PMD split %llu\n", hvo_scheme_name(scheme),
			      (unsigned long long)k);
		cfg_make(&cfg, 12, 64, scheme, 1, 2 * GiB);
		sim = sim_new(&cfg);
		h1 = (unsigned int)hvo_hstate_find(sim, 1 * GiB);
		base = stats_of(sim);
		grow_unoptimized(sim, h1, 1);
		assert_int_equal(hvo_folio_list(sim, h1, &pfn, 1), 1);
		assert_false(optimized(sim, pfn));
		check_clean(sim, "unoptimized 1G folio");
		/* struct pages 0..63, and the first struct page of every vmemmap page */
		snap_pages(sim, pfn, 0, R, head);
		for (i = 0; i < vp; i++)
			snap_pages(sim, pfn, i * R, 1, &firsts[i * HVO_NR_PAGE_WORDS]);

		a = stats_of(sim);
		assert_int_equal(hvo_fail_set(sim, &fs), 0);
		rc = hvo_folio_optimize(sim, pfn);
		hvo_fail_clear(sim);
		b = stats_of(sim);
		if (k == 9) {
			/* only 8 splits: nothing failed */
			assert_int_equal(rc, 0);
			assert_int_equal(hvo_fail_injected(sim), 0);
			assert_true(optimized(sim, pfn));
			assert_int_equal(b.rollbacks, a.rollbacks);
			assert_int_equal(b.pmd_splits - a.pmd_splits, 8);
		} else {
			assert_int_equal(rc, -ENOMEM);
			assert_int_equal(hvo_fail_injected(sim), 1);
			assert_false(optimized(sim, pfn));
			assert_int_equal(b.rollbacks - a.rollbacks, 1);
			assert_int_equal(b.pmd_splits - a.pmd_splits, k - 1);
			assert_int_equal(b.optimize_failed - a.optimize_failed, 1);
			if (diff_pages(sim, pfn, 0, R, head, "rollback (head page)"))
				failf("rollback after split %llu changed the head struct pages",
				      (unsigned long long)k);
			for (i = 1; i < vp; i++)
				if (diff_pages(sim, pfn, i * R, 1, &firsts[i * HVO_NR_PAGE_WORDS],
					       "rollback (tail)"))
					failf("rollback after split %llu changed struct page %llu",
					      (unsigned long long)k, (unsigned long long)(i * R));
			/* every vmemmap page of the folio is RW again */
			hvo_vmemmap_range(sim, pfn, 1ull << 18, &s, &e);
			for (i = 0; i < vp; i++) {
				struct hvo_translation tr;

				assert_int_equal(hvo_vmemmap_translate(sim, s + i * 4096, &tr), 0);
				if (!tr.writable)
					failf("rollback after split %llu: vmemmap page %llu is read-only",
					      (unsigned long long)k, (unsigned long long)i);
			}
			check_clean(sim, "after the rollback");
			/* and the folio can still be optimized */
			assert_int_equal(hvo_folio_optimize(sim, pfn), 0);
		}
		check_clean(sim, "optimized");
		assert_int_equal(hvo_pool_shrink(sim, h1, 0, 1, NULL), 0);
		b = stats_of(sim);
		for (hh = 0; hh < HVO_NR_KINDS; hh++)
			if (hh != HVO_KIND_PGTABLE && hh != HVO_KIND_SHARED_TAIL &&
			    b.in_use[hh] != base.in_use[hh])
				failf("rollback after split %llu: %lld frame(s) of kind %s leaked",
				      (unsigned long long)k,
				      (long long)(b.in_use[hh] - base.in_use[hh]),
				      hvo_kind_name((enum hvo_frame_kind)hh));
		check_clean(sim, "emptied");
		sim_done(sim);
	}
	scratch_free(head);
	scratch_free(firsts);
}

static void test_rollback_shared_tail(void **state)
{
	(void)state;
	rollback(HVO_SCHEME_SHARED_TAIL);
}

static void test_rollback_fake_head(void **state)
{
	(void)state;
	rollback(HVO_SCHEME_FAKE_HEAD);
}

/* ---- optimize then restore: every struct page as it was ---- */

static void round_trip(enum hvo_scheme scheme, uint64_t bytes)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	unsigned int h;
	uint64_t pfn, nr, *before, bad;
	struct hvo_hstate_info hi;

	cfg_make(&cfg, 12, 64, scheme, 1, 2 * GiB);
	sim = sim_new(&cfg);
	h = (unsigned int)hvo_hstate_find(sim, bytes);
	assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
	nr = 1ull << hi.order;
	before = scratch_alloc(nr * HVO_NR_PAGE_WORDS * sizeof(*before));
	assert_non_null(before);
	/* a pool folio that was never optimized */
	grow_unoptimized(sim, h, 1);
	assert_int_equal(hvo_folio_list(sim, h, &pfn, 1), 1);
	assert_false(optimized(sim, pfn));
	snap_pages(sim, pfn, 0, nr, before);
	assert_int_equal(hvo_folio_optimize(sim, pfn), 0);
	assert_true(optimized(sim, pfn));
	check_clean(sim, "optimized");
	assert_int_equal(hvo_folio_restore(sim, pfn), 0);
	assert_false(optimized(sim, pfn));
	check_clean(sim, "restored");
	bad = diff_pages(sim, pfn, 0, nr, before, "optimize + restore");
	if (bad)
		failf("%s: optimize + restore changed %llu word(s) of the folio's struct pages",
		      hvo_scheme_name(scheme), (unsigned long long)bad);
	/* and again through the batch paths */
	assert_int_equal(hvo_folios_optimize(sim, &pfn, 1, &nr), 0);
	assert_int_equal(nr, 1);
	assert_int_equal(hvo_folios_restore(sim, &pfn, 1, &nr), 0);
	assert_int_equal(nr, 1);
	nr = 1ull << hi.order;
	bad = diff_pages(sim, pfn, 0, nr, before, "batch optimize + restore");
	if (bad)
		failf("%s: batch optimize + restore changed %llu word(s)",
		      hvo_scheme_name(scheme), (unsigned long long)bad);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	scratch_free(before);
	sim_done(sim);
}

static void test_round_trip_shared_tail(void **state)
{
	(void)state;
	round_trip(HVO_SCHEME_SHARED_TAIL, 2 * MiB);
	round_trip(HVO_SCHEME_SHARED_TAIL, 1 * GiB);
}

static void test_round_trip_fake_head(void **state)
{
	(void)state;
	round_trip(HVO_SCHEME_FAKE_HEAD, 2 * MiB);
	round_trip(HVO_SCHEME_FAKE_HEAD, 1 * GiB);
}

/* ---- probability and persistence, and the rule API itself ---- */

static void test_fail_rules(void **state)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	struct hvo_fail_spec fs = { 0 };
	uint64_t done = 0, pfn;
	unsigned int h;

	(void)state;
	cfg_make(&cfg, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	sim = sim_new(&cfg);
	h = (unsigned int)hvo_hstate_find(sim, 2 * MiB);
	fs.site = HVO_NR_SITES;
	assert_int_equal(hvo_fail_set(sim, &fs), -EINVAL);
	fs.site = HVO_SITE_ANY;
	fs.probability = 1.5;
	assert_int_equal(hvo_fail_set(sim, &fs), -EINVAL);

	/* persistent: every restore allocation after the first failure fails;
	 * as update_and_free_pages_bulk() does, the folios that cannot be
	 * restored stay in the pool as surplus: the persistent pool shrank */
	assert_int_equal(hvo_pool_grow(sim, h, 0, 2, NULL), 0);
	fs = (struct hvo_fail_spec){ .site = HVO_SITE_VMEMMAP_RESTORE, .nth = 3, .persistent = true };
	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 2, &done), -ENOMEM);
	assert_int_equal(done, 2);
	assert_true(hvo_fail_injected(sim) >= 1);
	{
		struct hvo_hstate_info hi;

		assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
		assert_int_equal(hi.nr_huge_pages, 2);
		assert_int_equal(hi.surplus_huge_pages, 2);
		assert_int_equal(hi.nr_optimized, 2);
	}
	hvo_fail_clear(sim);
	check_clean(sim, "persistent restore failure");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 2, &done), 0);
	assert_int_equal(done, 2);

	/* probability 1 at the folio site: nothing can be grown */
	fs = (struct hvo_fail_spec){ .site = HVO_SITE_HUGETLB_FOLIO, .probability = 1.0 };
	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 2, &done), -ENOMEM);
	assert_int_equal(done, 0);
	assert_int_equal(hvo_pool_set_overcommit(sim, h, 1), 0);
	assert_int_equal(hvo_folio_alloc(sim, h, 0, &pfn), -ENOMEM);
	hvo_fail_clear(sim);
	check_clean(sim, "probability 1");

	/* probability 0.5 on the head copies of a batch: some folios stay
	 * unoptimized, the rest are fine (seeded: the same run every time) */
	fs = (struct hvo_fail_spec){ .site = HVO_SITE_VMEMMAP_HEAD, .probability = 0.5 };
	assert_int_equal(hvo_fail_set(sim, &fs), 0);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 16, &done), 0);
	assert_int_equal(done, 16);
	hvo_fail_clear(sim);
	check_clean(sim, "probability 0.5");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 16, &done), 0);
	check_clean(sim, "emptied");
	sim_done(sim);
}

#define SW(nm, s, i) { .name = "sweep/" nm, .test_func = test_sweep, \
			 .teardown_func = cleanup, \
			 .initial_state = (void *)&(const struct sweep_param){ s, i } }
#define CT(fn) cmocka_unit_test_teardown(fn, cleanup)
#define ST HVO_SCHEME_SHARED_TAIL
#define FH HVO_SCHEME_FAKE_HEAD

int main(void)
{
	const struct CMUnitTest tests[] = {
		SW("shared-tail/optimize-fresh", ST, 0),
		SW("shared-tail/optimize-restored", ST, 1),
		SW("shared-tail/batch-optimize", ST, 2),
		SW("shared-tail/restore", ST, 3),
		SW("shared-tail/batch-restore", ST, 4),
		SW("shared-tail/demote", ST, 5),
		SW("shared-tail/grow-2M", ST, 6),
		SW("shared-tail/grow-1G", ST, 7),
		SW("shared-tail/shrink", ST, 8),
		SW("shared-tail/dissolve", ST, 9),
		SW("fake-head/optimize-fresh", FH, 0),
		SW("fake-head/optimize-restored", FH, 1),
		SW("fake-head/batch-optimize", FH, 2),
		SW("fake-head/restore", FH, 3),
		SW("fake-head/batch-restore", FH, 4),
		SW("fake-head/demote", FH, 5),
		SW("fake-head/grow-2M", FH, 6),
		SW("fake-head/grow-1G", FH, 7),
		SW("fake-head/shrink", FH, 8),
		SW("fake-head/dissolve", FH, 9),
		CT(test_rollback_shared_tail),
		CT(test_rollback_fake_head),
		CT(test_round_trip_shared_tail),
		CT(test_round_trip_fake_head),
		CT(test_fail_rules),
	};

	return cmocka_run_group_tests_name("hvo_faults", tests, NULL, NULL);
}
