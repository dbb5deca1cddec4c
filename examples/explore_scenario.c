// SPDX-License-Identifier: MIT
/*
 * explore_scenario.c - a concurrency test of your own under hvosim's
 * schedule explorer, built against the installed library:
 *
 *	make explore_scenario && ./explore_scenario
 *
 * Two threads grow the 2M pool by one folio each on a fresh machine, so
 * both run the first optimize of that zone and order: the seed patch's
 * race.  With the unsynchronised tail allocation (v1, alloc "none") PCT
 * finds a schedule that breaks the machine; its schedule string replays it;
 * with cmpxchg (as merged) every schedule is clean.  Exits 0 when all that
 * holds.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvosim/hvosim.h>

struct data {
	unsigned int h;		/* the 2M hstate, found by setup */
};

struct results {
	int ret[2];		/* each thread's hvo_pool_grow() */
};

static int setup(const struct hvo_scenario_ctx *c)
{
	struct data *d = c->data;
	int h = hvo_hstate_find(c->sim, 2ull << 20);

	if (h < 0)
		return h;
	d->h = (unsigned int)h;
	return 0;
}

static void grow(const struct hvo_scenario_ctx *c)
{
	const struct data *d = c->data;
	struct results *res = c->run;
	uint64_t done;

	res->ret[c->tid] = hvo_pool_grow(c->sim, d->h, 0, 1, &done);
	hvo_explore_note(c, "hvo_pool_grow() = %d", res->ret[c->tid]);
}

/* after the run (hvo_check() runs anyway): both folios are in, optimized */
static int check(const struct hvo_scenario_ctx *c, char *msg, size_t len)
{
	const struct data *d = c->data;
	const struct results *res = c->run;
	struct hvo_hstate_info hi;

	if (res->ret[0] || res->ret[1]) {
		snprintf(msg, len, "a grow failed: %d, %d", res->ret[0], res->ret[1]);
		return 1;
	}
	hvo_hstate_info(c->sim, d->h, &hi);
	if (hi.nr_huge_pages != 2 || hi.nr_optimized != 2) {
		snprintf(msg, len, "%" PRIu64 " folios, %" PRIu64 " optimized", hi.nr_huge_pages,
			 hi.nr_optimized);
		return 1;
	}
	return 0;
}

static const struct hvo_scenario scenario = {
	.name = "two-growers",
	.summary = "two threads grow an empty 2M pool",
	.nr_threads = 2,
	.setup = setup,
	.thread = { grow, grow },
	.check = check,
	.points = HVO_EXPLORE_POINTS_DEFAULT,
	.data_size = sizeof(struct data),
	.run_size = sizeof(struct results),
};

static int explore(const struct hvo_config *cfg, const char *strategy, uint64_t runs,
		   struct hvo_explore_result *res)
{
	struct hvo_explore_opts o;

	memset(&o, 0, sizeof(o));
	if (hvo_explore_parse_strategy(strategy, &o))
		return fprintf(stderr, "%s\n", hvo_last_error()), -1;
	o.seed = 1;
	o.runs = runs;
	if (hvo_explore(cfg, &scenario, &o, res))
		return fprintf(stderr, "explore: %s\n", hvo_last_error()), -1;
	printf("%s: %" PRIu64 " schedules, %" PRIu64 " finding(s)\n", strategy, res->schedules,
	       res->findings);
	return 0;
}

int main(void)
{
	struct hvo_explore_result bad, again, good;
	struct hvo_config cfg;
	char replay[4096];
	int ok;

	hvo_config_init(&cfg);
	cfg.node_mem_bytes[0] = 128ull << 20;	/* small: a run takes microseconds */
	cfg.fault_policy = HVO_FAULT_RECORD;	/* faults are findings, not aborts */

	cfg.tail_alloc = HVO_TAIL_ALLOC_NONE;
	if (explore(&cfg, "pct:3", 1000, &bad))
		return 1;
	hvo_explore_print(&bad, stdout);
	if (!bad.findings)
		return 1;
	snprintf(replay, sizeof(replay), "replay:%s", bad.schedule);
	if (explore(&cfg, replay, 1, &again))
		return 1;

	cfg.tail_alloc = HVO_TAIL_ALLOC_CMPXCHG;
	if (explore(&cfg, "dfs:2", 0, &good))
		return 1;
	ok = again.kind == bad.kind && good.findings == 0 && good.complete;
	printf("%s\n", ok ? "as expected: v1 races, cmpxchg does not" : "UNEXPECTED");
	hvo_explore_result_free(&bad);
	hvo_explore_result_free(&again);
	hvo_explore_result_free(&good);
	return ok ? 0 : 1;
}
