// SPDX-License-Identifier: MIT
/*
 * test_hvo_random.c - seeded random sequences of pool and HVO operations,
 * with fault injection switched on and off along the way, and the checker
 * run after every step (the oracle a fuzzer will use).  Every return value
 * must be one of the documented ones and the machine must stay consistent;
 * at the end everything is put back, the pools emptied and nothing leaks.
 * The seed of a failing run is printed, so the run can be replayed;
 * HVOSIM_RANDOM_RUNS=N runs more seeds.
 */
#include "hvotest.h"

static uint64_t rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static bool allowed(int r)
{
	return r == 0 || r == -ENOMEM || r == -EBUSY || r == -EINVAL || r == -ENOENT;
}

#define MAX_HELD 16

struct run {
	struct hvo_sim *sim;
	uint64_t seed, rng, step;
	uint64_t held[MAX_HELD];
	unsigned int nheld, h2m, h1g;
	struct hvo_report *rep;
};

static void check(struct run *r, const char *op, int rc)
{
	int64_t v;

	if (!allowed(rc))
		failf("seed %" PRIu64 " step %" PRIu64 " %s: unexpected %d (%s)", r->seed, r->step,
		      op, rc, hvo_last_error());
	v = hvo_check(r->sim, r->rep);
	if (v) {
		uint64_t i;

		for (i = 0; i < r->rep->nr && i < 5; i++)
			print_message("# %s at %s: expected %s, found %s\n", r->rep->v[i].invariant,
				      r->rep->v[i].where, r->rep->v[i].expected, r->rep->v[i].found);
		failf("seed %" PRIu64 " step %" PRIu64 " after %s (rc %d): %" PRId64 " violations",
		      r->seed, r->step, op, rc, v);
	}
}

/* a random free (or any) folio of an hstate, or UINT64_MAX */
static uint64_t pick(struct run *r, unsigned int h)
{
	uint64_t pfns[256];
	int64_t n = hvo_folio_list(r->sim, h, pfns, 256);

	if (n <= 0)
		return UINT64_MAX;
	if (n > 256)
		n = 256;
	return pfns[rnd(&r->rng) % (uint64_t)n];
}

static void one_step(struct run *r)
{
	unsigned int nodes = hvo_sim_config(r->sim)->nr_nodes;
	unsigned int nid = (unsigned int)(rnd(&r->rng) % nodes);
	unsigned int h = rnd(&r->rng) % 4 ? r->h2m : r->h1g;
	uint64_t n = 1 + rnd(&r->rng) % 4, done, pfn;
	unsigned int op = (unsigned int)(rnd(&r->rng) % 11);
	int rc = 0;

	switch (op) {
	case 0:
		rc = hvo_pool_grow(r->sim, h, nid, n, &done);
		check(r, "grow", rc);
		break;
	case 1:
		rc = hvo_pool_shrink(r->sim, h, nid, n, &done);
		check(r, "shrink", rc);
		break;
	case 2:
		if (r->nheld < MAX_HELD) {
			rc = hvo_folio_alloc(r->sim, h, (int)nid, &pfn);
			if (!rc)
				r->held[r->nheld++] = pfn;
		}
		check(r, "alloc", rc);
		break;
	case 3:
		if (r->nheld) {
			unsigned int i = (unsigned int)(rnd(&r->rng) % r->nheld);

			rc = hvo_folio_put(r->sim, r->held[i]);
			assert_int_equal(rc, 0);
			r->held[i] = r->held[--r->nheld];
		}
		check(r, "put", rc);
		break;
	case 4:
		if (r->h1g != r->h2m)
			rc = hvo_demote(r->sim, r->h1g, r->h2m, nid, 1, &done);
		check(r, "demote", rc);
		break;
	case 5:
		pfn = pick(r, h);
		if (pfn != UINT64_MAX)
			rc = hvo_folio_optimize(r->sim, pfn);
		check(r, "optimize", rc);
		break;
	case 6:
		pfn = pick(r, h);
		if (pfn != UINT64_MAX)
			rc = hvo_folio_restore(r->sim, pfn);
		check(r, "restore", rc);
		break;
	case 7:
		pfn = pick(r, h);
		if (pfn != UINT64_MAX)
			rc = hvo_folio_dissolve(r->sim, pfn);
		check(r, "dissolve", rc);
		break;
	case 8: {
		struct hvo_fail_spec fs = {
			.site = (enum hvo_alloc_site)(rnd(&r->rng) % HVO_NR_SITES),
			.nth = 1 + rnd(&r->rng) % 8,
			.persistent = rnd(&r->rng) % 2,
		};

		rc = hvo_fail_set(r->sim, &fs);
		assert_int_equal(rc, 0);
		break;
	}
	case 9:
		hvo_fail_clear(r->sim);
		break;
	default: {
		unsigned int i;

		for (i = 0; i < 64; i++) {
			int w = hvo_walk_pfn(r->sim, rnd(&r->rng) %
					     hvo_sim_geometry(r->sim)->nr_pfns,
					     rnd(&r->rng) % 2 ? HVO_WALK_FOLIO : HVO_WALK_PAGE);

			if (w < 0 || w == HVO_WALK_FAULT)
				failf("seed %" PRIu64 " step %" PRIu64 ": walk gave %d", r->seed,
				      r->step, w);
		}
		break;
	}
	}
}

static void run_one(const struct hvo_config *cfg, uint64_t seed, unsigned int steps)
{
	struct run r = { .seed = seed, .rng = seed };
	struct hvo_config c = *cfg;
	unsigned int i, h, k;

	/* a sweep stride (hvotest.h: the tsan setup) shortens each run too */
	if (hvotest_sweep_stride() > 1)
		steps = steps / hvotest_sweep_stride() > 40 ? steps / hvotest_sweep_stride() : 40;

	c.seed = seed;
	r.rep = malloc(sizeof(*r.rep));
	assert_non_null(r.rep);
	assert_int_equal(hvo_sim_create(&c, &r.sim), 0);
	/* the smallest and the largest hstate of the geometry */
	r.h2m = 0;
	r.h1g = hvo_hstate_count(r.sim) - 1;
	for (r.step = 0; r.step < steps; r.step++)
		one_step(&r);
	/* wind down: clean up and nothing may be left behind */
	hvo_fail_clear(r.sim);
	for (i = 0; i < r.nheld; i++)
		assert_int_equal(hvo_folio_put(r.sim, r.held[i]), 0);
	for (h = 0; h < hvo_hstate_count(r.sim); h++)
		for (k = 0; k < c.nr_nodes; k++) {
			int rc = hvo_pool_resize(r.sim, h, k, 0, NULL);

			if (rc) {
				struct hvo_hstate_info hi;
				uint64_t pf[64];
				int64_t m = hvo_folio_list(r.sim, h, pf, 64), q;

				hvo_hstate_info(r.sim, h, &hi);
				print_message("# node %u: nr %" PRIu64 " free %" PRIu64 " surplus %" PRIu64
					      "\n", k, hi.nr_huge_pages_node[k],
					      hi.free_huge_pages_node[k], hi.surplus_huge_pages_node[k]);
				for (q = 0; q < m && q < 64; q++) {
					struct hvo_folio_info fi;

					hvo_folio_lookup(r.sim, pf[q], &fi);
					print_message("#  folio %#" PRIx64 " nid %u state %d surplus %d\n",
						      pf[q], fi.nid, fi.state, fi.surplus);
				}
			}
			if (rc)
				failf("seed %" PRIu64 ": emptying hstate %u node %u: %d (%s)", seed, h,
				      k, rc, hvo_last_error());
		}
	check(&r, "wind down", 0);
	print_message("# %s seed %" PRIu64 ": %u steps clean\n", hvo_scheme_name(c.scheme), seed,
		      steps);
	assert_int_equal(hvo_sim_destroy(r.sim), 0);
	free(r.rep);
}

/* HVOSIM_RANDOM_RUNS=N runs N seeds per scheme instead of a few; a sweep
 * stride (the tsan setup, hvotest.h) runs one */
static uint64_t runs(uint64_t dflt)
{
	const char *e = getenv("HVOSIM_RANDOM_RUNS");
	long v = e ? atol(e) : 0;

	if (v > 0)
		return (uint64_t)v;
	return hvotest_sweep_stride() > 1 ? 1 : dflt;
}

static void base(struct hvo_config *c, enum hvo_scheme scheme)
{
	hvo_config_init(c);
	c->fault_policy = HVO_FAULT_RECORD;
	c->scheme = scheme;
	c->nr_nodes = 2;
	c->node_mem_bytes[0] = c->node_mem_bytes[1] = 2 * GiB;
	c->boot_gigantic[0] = 1;
}

static void test_shared_tail(void **state)
{
	struct hvo_config c;
	uint64_t s;

	(void)state;
	base(&c, HVO_SCHEME_SHARED_TAIL);
	for (s = 1; s <= runs(3); s++)
		run_one(&c, s, 250);
}

static void test_shared_tail_last_user(void **state)
{
	struct hvo_config c;
	uint64_t s;

	(void)state;
	base(&c, HVO_SCHEME_SHARED_TAIL);
	c.tail_lifetime = HVO_TAIL_LAST_USER;
	c.tail_alloc = HVO_TAIL_ALLOC_LOCK;
	for (s = 11; s < 11 + runs(3); s++)
		run_one(&c, s, 250);
}

static void test_fake_head(void **state)
{
	struct hvo_config c;
	uint64_t s;

	(void)state;
	base(&c, HVO_SCHEME_FAKE_HEAD);
	for (s = 21; s < 21 + runs(3); s++)
		run_one(&c, s, 250);
}

/* other geometries: 16K pages (32M, 1G), 64K pages with the contiguous 2M
 * hstate (512M; 2M folios share vmemmap pages), a 128-byte struct page */
static void test_geometries(void **state)
{
	struct hvo_config c;

	(void)state;
	base(&c, HVO_SCHEME_SHARED_TAIL);
	c.page_shift = 14;
	run_one(&c, 41, 200);
	base(&c, HVO_SCHEME_FAKE_HEAD);
	c.page_shift = 14;
	run_one(&c, 42, 200);
	base(&c, HVO_SCHEME_SHARED_TAIL);
	c.page_shift = 16;
	c.cont_hstates = true;
	c.boot_gigantic[0] = 0;
	run_one(&c, 43, 200);
	base(&c, HVO_SCHEME_SHARED_TAIL);
	c.struct_page_size = 128;
	c.node_mem_bytes[0] = c.node_mem_bytes[1] = 3 * GiB;
	run_one(&c, 44, 200);
}

static void test_none(void **state)
{
	struct hvo_config c;

	(void)state;
	base(&c, HVO_SCHEME_NONE);
	run_one(&c, 31, 250);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shared_tail),
		cmocka_unit_test(test_shared_tail_last_user),
		cmocka_unit_test(test_fake_head),
		cmocka_unit_test(test_geometries),
		cmocka_unit_test(test_none),
	};

	return cmocka_run_group_tests_name("hvo_random", tests, NULL, NULL);
}
