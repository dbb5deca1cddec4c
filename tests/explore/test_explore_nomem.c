// SPDX-License-Identifier: MIT
/*
 * test_explore_nomem.c - the explorer and snapshots run out of host memory
 * without aborting (issue 7).
 *
 * hvo__host_alloc_fail_after (src/error.h) fails the Nth host allocation
 * of the explorer and the touch log from now.  The tests check:
 *
 *   - a touch log that cannot grow makes hvo_snapshot_restore() refuse with
 *     -ENOMEM, every time, with the machine left as the run left it and
 *     usable; a new snapshot then works;
 *   - a restore that finds no memory for its folio structs fails with
 *     -ENOMEM and changes nothing; the next one restores;
 *   - hvo_explore() under a failure at each of the first allocations and
 *     the last ones of a DFS exploration either gives the very result of a
 *     clean one (a lost footprint or note costs nothing but pruning or the
 *     note; a trace cut short says so) or -ENOMEM naming what ran out, with
 *     nothing in the result to free; every kind of failure is reached, and
 *     a later exploration gives the clean result again;
 *   - hvo_explore_run() likewise, and the next run on the same open
 *     exploration is the clean run again.
 * The ASan build checks that nothing leaks on the way.
 */
#include "hvotest.h"
#include "../../src/snapshot.h"
#include "../../src/error.h"

#define TRUNC "[truncated: out of host memory]"

static struct hvo_sim *small_machine(int *h)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t done;

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 128ull << 20;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	*h = hvo_hstate_find(sim, 2ull << 20);
	assert_true(*h >= 0);
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)*h, 0, 2, &done), 0);
	return sim;
}

static int64_t folios(struct hvo_sim *sim, int h)
{
	uint64_t pfns[16];

	return hvo_folio_list(sim, (unsigned int)h, pfns, 16);
}

/* the touch log cannot grow: every restore refuses, the machine goes on */
static void test_touch_log_nomem(void **state)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_snapshot *snap;
	struct hvo_sim *sim;
	uint64_t pfn, done;
	int h;

	(void)state;
	assert_non_null(rep);
	sim = small_machine(&h);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	hvo__host_alloc_fail_after = 1;
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)h, 0, 1, &done), 0);
	assert_int_equal(hvo__host_alloc_fail_after, 0);	/* it did fail */
	assert_int_equal(folios(sim, h), 3);
	assert_int_equal(hvo_snapshot_restore(sim, snap), -ENOMEM);
	assert_non_null(strstr(hvo_last_error(), "touch log ran out of host memory"));
	assert_int_equal(hvo_snapshot_restore(sim, snap), -ENOMEM);
	/* not restored, and usable */
	assert_int_equal(folios(sim, h), 3);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_folio_alloc(sim, (unsigned int)h, 0, &pfn), 0);
	assert_int_equal(hvo_folio_put(sim, pfn), 0);
	/* a new snapshot of it works */
	hvo_snapshot_free(snap);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)h, 0, 1, &done), 0);
	assert_int_equal(folios(sim, h), 4);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	assert_int_equal(folios(sim, h), 3);
	assert_int_equal(hvo_check(sim, rep), 0);
	hvo_snapshot_free(snap);
	assert_int_equal(hvo_sim_destroy(sim), 0);
	free(rep);
}

/* the restore itself finds no memory: nothing changes, the next one works */
static void test_restore_nomem(void **state)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_snapshot *snap;
	struct hvo_sim *sim;
	uint64_t done;
	int h;

	(void)state;
	assert_non_null(rep);
	sim = small_machine(&h);
	assert_int_equal(hvo_snapshot_take(sim, &snap), 0);
	assert_int_equal(hvo_pool_grow(sim, (unsigned int)h, 0, 2, &done), 0);
	assert_int_equal(folios(sim, h), 4);
	hvo__host_alloc_fail_after = 2;		/* the second folio struct */
	assert_int_equal(hvo_snapshot_restore(sim, snap), -ENOMEM);
	assert_int_equal(hvo__host_alloc_fail_after, 0);
	assert_non_null(strstr(hvo_last_error(), "folio structs"));
	assert_int_equal(folios(sim, h), 4);
	assert_int_equal(hvo_check(sim, rep), 0);
	assert_int_equal(hvo_snapshot_restore(sim, snap), 0);
	assert_int_equal(folios(sim, h), 2);
	assert_int_equal(hvo_check(sim, rep), 0);
	hvo_snapshot_free(snap);
	assert_int_equal(hvo_sim_destroy(sim), 0);
	free(rep);
}

/* ---- hvo_explore() ---- */

struct counter {
	uint64_t page;
};

static int counter_setup(const struct hvo_scenario_ctx *c)
{
	struct counter *d = c->data;

	d->page = hvo_pfn_to_page(c->sim, 12345);
	return hvo_page_write(c->sim, d->page, HVO_PW_PRIVATE, 0);
}

/* long enough that a run's trace outgrows the text buffer's first size */
#define PAD "................................................................" \
	    "................................................................"

/* a lost update, with notes for the note buffer */
static void counter_inc(const struct hvo_scenario_ctx *c)
{
	const struct counter *d = c->data;
	uint64_t v = 0;

	hvo_page_read(c->sim, d->page, HVO_PW_PRIVATE, &v);
	hvo_explore_note(c, "read %" PRIu64 " %s", v, PAD);
	hvo_page_write(c->sim, d->page, HVO_PW_PRIVATE, v + 1);
	hvo_explore_note(c, "wrote %" PRIu64 " %s", v + 1, PAD);
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

static const struct hvo_scenario lost_update = {
	.name = "lost-update", .nr_threads = 2, .setup = counter_setup,
	.thread = { counter_inc, counter_inc }, .check = counter_check,
	.points = HVO_EXPLORE_POINT(HVO_YP_PAGE_LOAD) | HVO_EXPLORE_POINT(HVO_YP_PAGE_STORE),
	.data_size = sizeof(struct counter),
};

/*
 * @one: a single random run with its trace kept (every note of the run is
 * in it); else every dfs:2 schedule, going on after findings, so the DFS
 * backtracks and grows its stack
 */
static int explore(bool one, struct hvo_explore_result *r)
{
	struct hvo_explore_opts o;
	struct hvo_config c;

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 128ull << 20;
	memset(&o, 0, sizeof(o));
	assert_int_equal(hvo_explore_parse_strategy(one ? "random" : "dfs:2", &o), 0);
	o.seed = 1;
	o.runs = one ? 1 : 0;
	o.trace = one;
	o.keep_going = !one;
	return hvo_explore(&c, &lost_update, &o, r);
}

static void same_result(const struct hvo_explore_result *a, const struct hvo_explore_result *b)
{
	assert_int_equal(a->schedules, b->schedules);
	assert_int_equal(a->pruned, b->pruned);
	assert_int_equal(a->complete, b->complete);
	assert_int_equal(a->findings, b->findings);
	assert_int_equal(a->kind, b->kind);
	assert_int_equal(a->run_index, b->run_index);
	assert_string_equal(a->message, b->message);
	assert_string_equal(a->schedule, b->schedule);
}

/*
 * A DFS step whose footprint found no memory meets every other step: sleep
 * sets prune less and the choices they would have pruned run instead, so
 * nothing is missed.  True if the search changed.
 */
static bool superset(const struct hvo_explore_result *a, const struct hvo_explore_result *b)
{
	assert_true(a->complete);
	assert_true(a->schedules >= b->schedules);
	assert_true(a->findings >= b->findings);
	assert_int_equal(a->kind, b->kind);
	return a->schedules != b->schedules || a->pruned != b->pruned;
}

/* what a failure at allocation @n did; the kinds seen go into @seen */
static void one_failure(bool one, uint64_t n, const struct hvo_explore_result *clean,
			unsigned int *seen)
{
	static const char *const kinds[] = {
		"search stack", "for the schedule (", "for the trace (", "touch log",
		"folio structs", "for the schedule string", "for the trace",
	};
	struct hvo_explore_result r;
	unsigned int k;
	int e;

	hvo__host_alloc_fail_after = n;
	e = explore(one, &r);
	if (hvo__host_alloc_fail_after)
		failf("allocation %" PRIu64 " of %s was never made", n, lost_update.name);
	if (e == -ENOMEM) {
		for (k = 0; k < ARRAY_SIZE(kinds); k++)
			if (strstr(hvo_last_error(), kinds[k]))
				break;
		if (k == ARRAY_SIZE(kinds) || !strstr(hvo_last_error(), "out of host memory"))
			failf("allocation %" PRIu64 ": -ENOMEM with '%s'", n, hvo_last_error());
		*seen |= 1u << k;
		assert_null(r.schedule);
		assert_null(r.trace);
		return;
	}
	if (e)
		failf("allocation %" PRIu64 ": %d (%s)", n, e, hvo_last_error());
	/* a soft failure: the same exploration (DFS: or a larger one), a trace
	 * that says what it lost */
	if (!one && superset(&r, clean)) {
		*seen |= 1u << 9;
		hvo_explore_result_free(&r);
		return;
	}
	same_result(&r, clean);
	if (strcmp(r.trace, clean->trace)) {
		if (strstr(r.trace, TRUNC))
			*seen |= 1u << 7;
		else if (strstr(r.trace, "note(s) dropped: out of host memory"))
			*seen |= 1u << 8;
		else
			failf("allocation %" PRIu64 ": the trace differs, and says nothing lost", n);
	} else {
		*seen |= 1u << 10;	/* a note of another run, a copied footprint */
	}
	hvo_explore_result_free(&r);
}

/* a clean exploration, counting the allocations that can be failed */
static uint64_t clean_run(bool one, struct hvo_explore_result *clean)
{
	uint64_t total;

	hvo__host_alloc_fail_after = UINT64_MAX;
	assert_int_equal(explore(one, clean), 0);
	total = UINT64_MAX - hvo__host_alloc_fail_after;
	hvo__host_alloc_fail_after = 0;
	assert_non_null(clean->schedule);
	assert_non_null(clean->trace);
	assert_null(strstr(clean->trace, TRUNC));
	print_message("# %s: %" PRIu64 " schedules, %" PRIu64 " findings, %" PRIu64
		      " host allocations on the failable paths\n", one ? "one random run" : "dfs:2",
		      clean->schedules, clean->findings, total);
	return total;
}

static void test_explore_nomem(void **state)
{
	struct hvo_explore_result clean, one, again;
	unsigned int seen = 0;
	uint64_t total, n;

	(void)state;
	/* one run: every allocation in turn */
	total = clean_run(true, &one);
	assert_true(strstr(one.trace, "note: read 0") != NULL);
	for (n = 1; n <= total; n++)
		one_failure(true, n, &one, &seen);
	/* DFS, every allocation in turn: the buffers' first growth, the search
	 * stack, the footprints, the first finding's schedule string and
	 * trace at the end */
	total = clean_run(false, &clean);
	assert_true(clean.findings > 0);
	assert_true(clean.complete);
	for (n = 1; n <= total; n++)
		one_failure(false, n, &clean, &seen);
	print_message("# kinds of failure seen: %#x\n", seen);
	/* every -ENOMEM kind, a truncated trace, a dropped note, a lost
	 * footprint, and a failure that cost nothing */
	for (n = 0; n < 11; n++)
		if (!(seen & (1u << n)))
			failf("failure kind %" PRIu64 " never reached (seen %#x)", n, seen);
	/* and afterwards all is as before */
	assert_int_equal(explore(false, &again), 0);
	same_result(&again, &clean);
	assert_string_equal(again.trace, clean.trace);
	hvo_explore_result_free(&again);
	hvo_explore_result_free(&clean);
	hvo_explore_result_free(&one);
}

/* a thread switch at every decision where another thread can run */
static int alternate(void *ctx, uint32_t runnable, int prev)
{
	uint32_t others = prev >= 0 ? runnable & ~(1u << prev) : runnable;

	(void)ctx;
	return __builtin_ctz(others ? others : runnable);
}

static struct hvo_explore *open_lost_update(void)
{
	struct hvo_explore_opts o = { .trace = true };
	struct hvo_explore *x;
	struct hvo_config c;

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 128ull << 20;
	assert_int_equal(hvo_explore_open(&c, &lost_update, &o, &x), 0);
	return x;
}

/*
 * hvo_explore_run() out of host memory at each allocation of a first run
 * on a new exploration (its schedule and trace buffers, the touch log, the
 * result's strings): the result of a clean run, or -ENOMEM with nothing to
 * free; either way the next run on the same exploration (on a machine
 * built afresh after -ENOMEM) is the clean run again.
 */
static void test_run_nomem(void **state)
{
	struct hvo_explore_result clean, r;
	struct hvo_explore *x;
	unsigned int enomem = 0;
	uint64_t total, n;
	int e;

	(void)state;
	x = open_lost_update();
	hvo__host_alloc_fail_after = UINT64_MAX;
	assert_int_equal(hvo_explore_run(x, alternate, NULL, &clean), 0);
	total = UINT64_MAX - hvo__host_alloc_fail_after;
	hvo__host_alloc_fail_after = 0;
	hvo_explore_close(x);
	assert_int_equal(clean.findings, 1);
	print_message("# one chosen run: %" PRIu64 " host allocations\n", total);
	for (n = 1; n <= total; n++) {
		x = open_lost_update();
		hvo__host_alloc_fail_after = n;
		e = hvo_explore_run(x, alternate, NULL, &r);
		if (hvo__host_alloc_fail_after)
			failf("allocation %" PRIu64 " was never made", n);
		if (e == -ENOMEM) {
			enomem++;
			assert_non_null(strstr(hvo_last_error(), "out of host memory"));
			assert_null(r.schedule);
			assert_null(r.trace);
		} else {
			assert_int_equal(e, 0);
			assert_int_equal(r.kind, clean.kind);
			assert_string_equal(r.schedule, clean.schedule);
			hvo_explore_result_free(&r);
		}
		assert_int_equal(hvo_explore_run(x, alternate, NULL, &r), 0);
		assert_int_equal(r.run_index, 1);
		assert_int_equal(r.kind, clean.kind);
		assert_string_equal(r.message, clean.message);
		assert_string_equal(r.schedule, clean.schedule);
		assert_string_equal(r.trace, clean.trace);
		hvo_explore_result_free(&r);
		hvo_explore_close(x);
	}
	assert_true(enomem > 0);
	hvo_explore_result_free(&clean);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_touch_log_nomem),
		cmocka_unit_test(test_restore_nomem),
		cmocka_unit_test(test_explore_nomem),
		cmocka_unit_test(test_run_nomem),
	};

	return cmocka_run_group_tests_name("explore_nomem", tests, NULL, NULL);
}
