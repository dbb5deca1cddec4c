// SPDX-License-Identifier: MIT
/*
 * test_yield.c - the yield-hook contract a schedule explorer relies on:
 * simulated threads run as fibers on one OS thread, switched round-robin at
 * every yield point.  No library lock may be held across a yield (or the
 * OS thread blocks on a fiber that cannot run), and the HVO races become
 * deterministic: the v1 lazy-allocation race is hit on every run.
 *
 * Not built under sanitizers (tests/meson.build): they need fiber
 * annotations this small scheduler does not make.
 */
#include <ucontext.h>

#include "hvotest.h"

#define NF 3
#define STACK (256 * 1024)

struct fibers {
	ucontext_t main, ctx[NF];
	int cur, n, done[NF];
	int switch_at;		/* a yield point to switch at only; -1: every one */
	unsigned long yields;
	struct hvo_sim *sim;
	void (*fn[NF])(struct fibers *);
	char *stack[NF];
};

static struct fibers *g_fib;	/* makecontext() passes no pointer portably */

static void hook(void *ctx, enum hvo_yield_point p, uint64_t a)
{
	struct fibers *f = ctx;
	int me = f->cur, i;

	(void)a;
	f->yields++;
	if (f->switch_at >= 0 && (int)p != f->switch_at)
		return;
	for (i = 1; i <= f->n; i++) {
		int nx = (me + i) % f->n;

		if (nx != me && !f->done[nx]) {
			f->cur = nx;
			swapcontext(&f->ctx[me], &f->ctx[nx]);
			f->cur = me;
			return;
		}
	}
}

static void trampoline(void)
{
	struct fibers *f = g_fib;
	int me = f->cur, i;

	f->fn[me](f);
	f->done[me] = 1;
	for (i = 0; i < f->n; i++)
		if (!f->done[i]) {
			f->cur = i;
			setcontext(&f->ctx[i]);
		}
	setcontext(&f->main);
}

static void run_fibers(struct fibers *f)
{
	/* live across swapcontext(), which returns twice */
	volatile int i;

	g_fib = f;
	for (i = 0; i < f->n; i++) {
		f->stack[i] = malloc(STACK);
		assert_non_null(f->stack[i]);
		getcontext(&f->ctx[i]);
		f->ctx[i].uc_stack.ss_sp = f->stack[i];
		f->ctx[i].uc_stack.ss_size = STACK;
		f->ctx[i].uc_link = &f->main;
		makecontext(&f->ctx[i], trampoline, 0);
	}
	hvo_sim_set_yield_hook(f->sim, hook, f);
	f->cur = 0;
	swapcontext(&f->main, &f->ctx[0]);
	hvo_sim_set_yield_hook(f->sim, NULL, NULL);
	for (i = 0; i < f->n; i++) {
		assert_true(f->done[i]);
		free(f->stack[i]);
	}
}

static struct hvo_sim *machine(enum hvo_scheme scheme, enum hvo_tail_alloc alloc)
{
	struct hvo_config c;
	struct hvo_sim *sim;

	hvo_config_init(&c);
	c.fault_policy = HVO_FAULT_RECORD;
	c.node_mem_bytes[0] = 1 * GiB;
	c.scheme = scheme;
	c.tail_alloc = alloc;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	return sim;
}

static void grow_one(struct fibers *f)
{
	uint64_t d;

	assert_int_equal(hvo_pool_grow(f->sim, 0, 0, 1, &d), 0);
}

static void flush(struct fibers *f)
{
	hvo_flush_tlb_all(f->sim);
}

static void reader(struct fibers *f)
{
	struct hvo_rcu_token t = hvo_rcu_read_lock(f->sim);
	unsigned int i;

	for (i = 0; i < 50; i++)
		hvo_compound_head(f->sim, hvo_pfn_to_page(f->sim, i));
	hvo_rcu_read_unlock(f->sim, t);
}

static void sync_rcu(struct fibers *f)
{
	hvo_synchronize_rcu(f->sim);
}

static int64_t checked(struct hvo_sim *sim)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	int64_t v;

	assert_non_null(rep);
	v = hvo_check(sim, rep);
	free(rep);
	return v;
}

/* two flushes and an optimizer: the flush lock is never held across a yield */
static void test_concurrent_flushes(void **state)
{
	struct fibers f = { .n = 3, .switch_at = -1, .fn = { grow_one, flush, flush } };

	(void)state;
	f.sim = machine(HVO_SCHEME_SHARED_TAIL, HVO_TAIL_ALLOC_CMPXCHG);
	run_fibers(&f);
	assert_true(f.yields > 0);
	assert_int_equal(checked(f.sim), 0);
	assert_int_equal(hvo_sim_destroy(f.sim), 0);
}

/* a reader inside its RCU section and two grace periods */
static void test_concurrent_grace_periods(void **state)
{
	struct fibers f = { .n = 3, .switch_at = -1, .fn = { reader, sync_rcu, sync_rcu } };
	struct hvo_stats st;

	(void)state;
	f.sim = machine(HVO_SCHEME_FAKE_HEAD, HVO_TAIL_ALLOC_CMPXCHG);
	run_fibers(&f);
	hvo_sim_stats(f.sim, &st);
	assert_int_equal(st.synchronize_rcu_calls, 2);
	assert_int_equal(hvo_sim_destroy(f.sim), 0);
}

/*
 * The seed patch's race, deterministically: a one-change-point schedule
 * (as PCT would pick) that switches only where a thread has read the empty
 * slot and is about to publish its page: the other thread then reads the
 * slot empty too.
 */
static void test_first_optimize_change_point(void **state)
{
	static const enum hvo_tail_alloc allocs[] = { HVO_TAIL_ALLOC_NONE, HVO_TAIL_ALLOC_LOCK,
						      HVO_TAIL_ALLOC_CMPXCHG };
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(allocs); i++) {
		struct fibers f = { .n = 2, .switch_at = HVO_YP_TAIL_SLOT_PUBLISH,
				    .fn = { grow_one, grow_one } };
		struct hvo_stats st;
		int64_t v;

		f.sim = machine(HVO_SCHEME_SHARED_TAIL, allocs[i]);
		run_fibers(&f);
		hvo_sim_stats(f.sim, &st);
		v = checked(f.sim);
		print_message("# alloc %d: %" PRId64 " violations, %" PRIu64 " races resolved\n",
			      (int)allocs[i], v, st.shared_tail_races);
		if (allocs[i] == HVO_TAIL_ALLOC_NONE) {
			assert_true(v > 0);
		} else {
			assert_int_equal(v, 0);
			assert_int_equal(st.shared_tail_races, 1);
		}
		assert_int_equal(hvo_sim_destroy(f.sim), 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_concurrent_flushes),
		cmocka_unit_test(test_concurrent_grace_periods),
		cmocka_unit_test(test_first_optimize_change_point),
	};

	return cmocka_run_group_tests_name("yield", tests, NULL, NULL);
}
