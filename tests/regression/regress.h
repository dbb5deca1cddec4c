/* SPDX-License-Identifier: MIT */
/*
 * regress.h - what the regression tests share: CMocka, a machine that fails
 * the test if it cannot be built, the checker's verdict printed as TAP
 * comments, and a deterministic two-thread handshake through the yield hook.
 *
 * The handshake: a "parker" thread runs one library call and stops, once,
 * at a chosen yield point; the main thread then runs its own calls, and the
 * parker goes on either when the main thread reaches a chosen yield point of
 * its own or when the test releases it.  That fixes the one interleaving a
 * bug needs, on real threads (so the sanitizers see it too), with no timing.
 * It relies on the library's promise that no lock is held across a yield.
 *
 * Every helper is static inline so test files stay -Wmissing-prototypes
 * clean.
 */
#ifndef HVOSIM_TESTS_REGRESS_H
#define HVOSIM_TESTS_REGRESS_H

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <hvosim/hvosim.h>

#define GiB (1ull << 30)
#define MiB (1ull << 20)

/* fail with a message; TAP comment lines so the harness's parser is happy */
#define failf(...)                                                           \
	do {                                                                 \
		print_message("# " __VA_ARGS__);                             \
		print_message("\n");                                         \
		fail();                                                      \
	} while (0)

static inline struct hvo_sim *machine(const struct hvo_config *c)
{
	struct hvo_sim *sim = NULL;
	int r = hvo_sim_create(c, &sim);

	if (r)
		failf("hvo_sim_create: %d (%s)", r, hvo_last_error());
	assert_non_null(sim);
	return sim;
}

static inline unsigned int hstate_of(struct hvo_sim *sim, uint64_t bytes)
{
	int h = hvo_hstate_find(sim, bytes);

	if (h < 0)
		failf("no hstate of %" PRIu64 " bytes: %s", bytes, hvo_last_error());
	return (unsigned int)h;
}

/*
 * hvo_check() into @rep (caller-allocated: it is large), violations printed
 * as TAP comments.  Return: the number of violations.
 */
static inline int64_t violations(struct hvo_sim *sim, struct hvo_report *rep,
				 const char *when)
{
	int64_t n = hvo_check(sim, rep);
	uint64_t i;

	assert_true(n >= 0);
	for (i = 0; i < rep->nr && i < 8; i++)
		print_message("# %s: %s at %s: expected %s, found %s\n", when,
			      rep->v[i].invariant, rep->v[i].where, rep->v[i].expected,
			      rep->v[i].found);
	return n;
}

static inline void check_clean(struct hvo_sim *sim, const char *when)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	int64_t n;

	assert_non_null(rep);
	n = violations(sim, rep, when);
	free(rep);
	if (n)
		failf("%s: %" PRId64 " violation(s)", when, n);
}

/* the frame that maps vmemmap page @k of the folio at @pfn, and its mode */
static inline uint64_t vmemmap_frame(struct hvo_sim *sim, uint64_t pfn, uint64_t k,
				     bool *writable)
{
	struct hvo_translation tr;
	uint64_t s, e;

	hvo_vmemmap_range(sim, pfn, 1, &s, &e);
	s &= ~(hvo_sim_geometry(sim)->page_size - 1);
	if (hvo_vmemmap_translate(sim, s + k * hvo_sim_geometry(sim)->page_size, &tr))
		failf("vmemmap page %" PRIu64 " of %#" PRIx64 " is not mapped", k, pfn);
	if (writable)
		*writable = tr.writable;
	return tr.frame_pfn;
}

/* ---- the two-thread handshake ---- */

struct park {
	pthread_mutex_t lock;
	pthread_cond_t cond;
	struct hvo_sim *sim;
	enum hvo_yield_point park_at;	/* the parker stops here, the first time */
	int release_at;			/* the main thread lets it go here; -1: never */
	void (*fn)(struct park *);	/* what the parker runs */
	void (*on_release)(struct park *); /* main, at @release_at (may be NULL) */
	void *arg;
	bool parked, released, done;
	bool released_by_point;		/* main reached @release_at while it waited */
	pthread_t thread;
};

static _Thread_local bool park_parker;	/* this thread is the parker */

static inline void park_release(struct park *pk, bool by_point)
{
	pthread_mutex_lock(&pk->lock);
	if (pk->parked && !pk->released) {
		pk->released = true;
		pk->released_by_point = by_point;
		pthread_cond_broadcast(&pk->cond);
	}
	pthread_mutex_unlock(&pk->lock);
}

static inline void park_hook(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	struct park *pk = ctx;

	(void)addr;
	if (!park_parker) {
		if ((int)p == pk->release_at && pk->parked && !pk->released) {
			/* what the main thread has done when the parker goes on */
			if (pk->on_release)
				pk->on_release(pk);
			park_release(pk, true);
		}
		return;
	}
	if (p != pk->park_at)
		return;
	pthread_mutex_lock(&pk->lock);
	if (!pk->parked) {
		pk->parked = true;
		pthread_cond_broadcast(&pk->cond);
		while (!pk->released)
			pthread_cond_wait(&pk->cond, &pk->lock);
	}
	pthread_mutex_unlock(&pk->lock);
}

static inline void *park_thread(void *arg)
{
	struct park *pk = arg;

	park_parker = true;
	pk->fn(pk);		/* no cmocka asserts in here: results go in @pk */
	pthread_mutex_lock(&pk->lock);
	pk->done = true;
	pthread_cond_broadcast(&pk->cond);
	pthread_mutex_unlock(&pk->lock);
	return NULL;
}

/*
 * Install the hook, start the parker and wait until it is parked.  Return:
 * true if it parked; false if it finished without reaching the point (the
 * test's setup is wrong: the caller fails, after park_finish()).
 */
static inline bool park_start(struct park *pk)
{
	bool parked;

	pthread_mutex_init(&pk->lock, NULL);
	pthread_cond_init(&pk->cond, NULL);
	hvo_sim_set_yield_hook(pk->sim, park_hook, pk);
	assert_int_equal(pthread_create(&pk->thread, NULL, park_thread, pk), 0);
	pthread_mutex_lock(&pk->lock);
	while (!pk->parked && !pk->done)
		pthread_cond_wait(&pk->cond, &pk->lock);
	parked = pk->parked;
	pthread_mutex_unlock(&pk->lock);
	return parked;
}

/* release the parker if the main thread's point never came, join, unhook */
static inline void park_finish(struct park *pk)
{
	park_release(pk, false);
	assert_int_equal(pthread_join(pk->thread, NULL), 0);
	hvo_sim_set_yield_hook(pk->sim, NULL, NULL);
	pthread_cond_destroy(&pk->cond);
	pthread_mutex_destroy(&pk->lock);
}

#endif /* HVOSIM_TESTS_REGRESS_H */
