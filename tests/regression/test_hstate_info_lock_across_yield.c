// SPDX-License-Identifier: MIT
/*
 * test_hstate_info_lock_across_yield.c - hvo_hstate_info() must not hold
 * hugetlb_lock across a yield point.
 *
 * Found in review, not in the kernel: hvo_hstate_info() counted the
 * optimized folios of an hstate by reading each one's HPG_vmemmap_optimized
 * flag (a struct page load, hence a HVO_YP_PAGE_LOAD yield point) while it
 * held hugetlb_lock for its snapshot.  A fiber scheduler that switches at
 * that point leaves the lock held by a fiber that is not running, and the
 * next fiber that takes it blocks the one OS thread: a deadlock.  The
 * kernel's nearest readers (the sysfs nr_hugepages/free_hugepages shows)
 * read counters under hugetlb_lock and touch no struct page.  Fixed by
 * copying the hstate's head pfns under the lock and reading their flags
 * after dropping it.
 *
 * The check, on real threads: a parker runs hvo_hstate_info() and stops at
 * its first HVO_YP_PAGE_LOAD; another thread then takes a folio from the
 * pool (hvo_folio_alloc(), which takes hugetlb_lock) and must finish while
 * the parker is still parked.  If the lock were held across the yield the
 * taker would wait for the parker, which is released only after the taker
 * finished: the test then hangs and meson's timeout fails it.  No clock is
 * read, so a slow machine (TSan, load) cannot fail a correct library.
 */
#include "regress.h"

struct info_call {
	unsigned int h;
	struct hvo_hstate_info info;
	int ret;
};

static void run_hstate_info(struct park *pk)
{
	struct info_call *c = pk->arg;

	c->ret = hvo_hstate_info(pk->sim, c->h, &c->info);
}

struct taker {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hvo_sim *sim;
	unsigned int h;
	uint64_t pfn;
	int ret;
	bool done;
};

static void *take_folio(void *arg)
{
	struct taker *t = arg;
	int r = hvo_folio_alloc(t->sim, t->h, 0, &t->pfn);

	pthread_mutex_lock(&t->lock);
	t->ret = r;
	t->done = true;
	pthread_cond_broadcast(&t->cond);
	pthread_mutex_unlock(&t->lock);
	return NULL;
}

/* wait for the taker: it finishes only if hugetlb_lock is free */
static bool wait_taker(struct taker *t)
{
	pthread_mutex_lock(&t->lock);
	while (!t->done)
		pthread_cond_wait(&t->cond, &t->lock);
	pthread_mutex_unlock(&t->lock);
	return true;
}

static void test_pool_usable_while_hstate_info_yields(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct info_call call = { 0 };
	struct park pk = { 0 };
	struct taker t = { .lock = PTHREAD_MUTEX_INITIALIZER, .cond = PTHREAD_COND_INITIALIZER };
	pthread_t th;
	bool parked, finished;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	sim = machine(&c);
	call.h = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_resize(sim, call.h, 0, 4, NULL), 0);

	pk.sim = sim;
	pk.park_at = HVO_YP_PAGE_LOAD;
	pk.release_at = -1;
	pk.fn = run_hstate_info;
	pk.arg = &call;
	parked = park_start(&pk);
	if (parked) {
		t.sim = sim;
		t.h = call.h;
		assert_int_equal(pthread_create(&th, NULL, take_folio, &t), 0);
		finished = wait_taker(&t);
		park_finish(&pk);	/* releases the parker either way */
		assert_int_equal(pthread_join(th, NULL), 0);
	} else {
		park_finish(&pk);
		finished = false;
	}
	if (!parked)
		failf("hvo_hstate_info() never reached a struct page load: test setup");
	if (!finished)
		failf("hvo_folio_alloc() waited for a thread parked at a yield point inside "
		      "hvo_hstate_info(): hugetlb_lock is held across the yield");
	assert_int_equal(t.ret, 0);
	assert_int_equal(call.ret, 0);
	/* the snapshot still counts every folio, optimized */
	assert_int_equal(call.info.nr_huge_pages, 4);
	assert_int_equal(call.info.vmemmap_pages_in_use, 4);
	assert_int_equal(hvo_folio_put(sim, t.pfn), 0);
	check_clean(sim, "after");
	assert_int_equal(hvo_pool_resize(sim, call.h, 0, 0, NULL), 0);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pool_usable_while_hstate_info_yields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
