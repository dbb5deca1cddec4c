/* SPDX-License-Identifier: MIT */
/*
 * hvotest_hvo.h - helpers shared by the test_hvo_*.c tests that build their
 * machines with sim_new() and end them with sim_done(): the scratch list the
 * teardown cleanup() empties, the checker's report, and lookups of hstates,
 * folios, frames and vmemmap pages that fail the test on error.
 *
 * Every helper is static inline so test files stay -Wmissing-prototypes
 * clean.  Each test file gets its own scratch list.
 */
#ifndef HVOSIM_TESTS_HVOTEST_HVO_H
#define HVOSIM_TESTS_HVOTEST_HVO_H

#include "hvotest.h"

/*
 * Scratch: machines and buffers a test still holds when an assertion fails
 * are released by its teardown, so sanitizer runs stay clean.
 */
#define NSCRATCH 64
static struct hvo_sim *scratch_sims[NSCRATCH];
static void *scratch_mem[NSCRATCH];

static inline void *scratch_alloc(size_t n)
{
	void *p = calloc(1, n);
	size_t i;

	assert_non_null(p);
	for (i = 0; i < NSCRATCH; i++)
		if (!scratch_mem[i]) {
			scratch_mem[i] = p;
			return p;
		}
	free(p);
	failf("scratch: more than %d buffers", NSCRATCH);
	return NULL;
}

static inline void scratch_free(void *p)
{
	size_t i;

	for (i = 0; p && i < NSCRATCH; i++)
		if (scratch_mem[i] == p) {
			scratch_mem[i] = NULL;
			break;
		}
	free(p);
}

/* hvo_check_track() mode every sim_new() machine gets (a test file may run
 * its tests again with the tracked checker) */
static enum hvo_check_mode sim_check_mode = HVO_CHECK_FULL;

static inline struct hvo_sim *sim_new(const struct hvo_config *c)
{
	struct hvo_sim *sim = NULL;
	int r = hvo_sim_create(c, &sim);
	size_t i;

	if (r)
		failf("hvo_sim_create: %d (%s)", r, hvo_last_error());
	assert_non_null(sim);
	if (sim_check_mode != HVO_CHECK_FULL)
		assert_int_equal(hvo_check_track(sim, sim_check_mode), 0);
	for (i = 0; i < NSCRATCH; i++)
		if (!scratch_sims[i]) {
			scratch_sims[i] = sim;
			return sim;
		}
	hvo_sim_destroy(sim);
	failf("scratch: more than %d machines", NSCRATCH);
	return NULL;
}

/* every test ends its machines here: nothing of the harness's may be left */
static inline void sim_done(struct hvo_sim *sim)
{
	size_t i;

	for (i = 0; i < NSCRATCH; i++)
		if (scratch_sims[i] == sim)
			scratch_sims[i] = NULL;
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/* teardown of every test */
static inline int cleanup(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < NSCRATCH; i++) {
		if (scratch_sims[i])
			hvo_sim_destroy(scratch_sims[i]);
		scratch_sims[i] = NULL;
		free(scratch_mem[i]);
		scratch_mem[i] = NULL;
	}
	return 0;
}

/* the report as TAP comment lines */
static inline void print_report(const struct hvo_report *rep)
{
	uint64_t i;

	for (i = 0; i < rep->nr; i++)
		print_message("# VIOLATION %s at %s: expected %s, found %s\n", rep->v[i].invariant,
			      rep->v[i].where, rep->v[i].expected, rep->v[i].found);
	if (rep->count > rep->nr)
		print_message("# ... and %llu more\n", (unsigned long long)(rep->count - rep->nr));
}

/* hvo_check() must find nothing; print the report if it does */
static inline void check_clean(struct hvo_sim *sim, const char *when)
{
	struct hvo_report *rep = scratch_alloc(sizeof(*rep));
	int64_t n;

	assert_non_null(rep);
	n = hvo_check(sim, rep);
	if (n != 0) {
		print_message("# hvo_check %s: %lld violation(s)\n", when, (long long)n);
		print_report(rep);
		scratch_free(rep);
		fail();
	}
	scratch_free(rep);
}

static inline unsigned int hstate_of(struct hvo_sim *sim, uint64_t bytes)
{
	int h = hvo_hstate_find(sim, bytes);

	if (h < 0)
		failf("no hstate of %llu bytes: %s", (unsigned long long)bytes,
		      hvo_last_error());
	return (unsigned int)h;
}

static inline struct hvo_hstate_info hinfo(struct hvo_sim *sim, unsigned int h)
{
	struct hvo_hstate_info hi;

	assert_int_equal(hvo_hstate_info(sim, h, &hi), 0);
	return hi;
}

static inline struct hvo_folio_info finfo(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_folio_info fi;
	int r = hvo_folio_lookup(sim, pfn, &fi);

	if (r)
		failf("folio_lookup %#llx: %d (%s)", (unsigned long long)pfn, r,
		      hvo_last_error());
	return fi;
}

static inline struct hvo_frame_info frinfo(struct hvo_sim *sim, uint64_t pfn)
{
	struct hvo_frame_info fi;

	assert_int_equal(hvo_frame_info(sim, pfn, &fi), 0);
	return fi;
}

static inline struct hvo_translation tr_of(struct hvo_sim *sim, uint64_t vaddr)
{
	struct hvo_translation tr;
	int r = hvo_vmemmap_translate(sim, vaddr, &tr);

	if (r)
		failf("translate %#llx: %d", (unsigned long long)vaddr, r);
	return tr;
}

/* the frame that maps vmemmap page @k of the folio at @pfn */
static inline struct hvo_translation vpage(struct hvo_sim *sim, uint64_t pfn, uint64_t k)
{
	uint64_t s, e;

	hvo_vmemmap_range(sim, pfn, 1, &s, &e);
	s &= ~(hvo_sim_geometry(sim)->page_size - 1);
	return tr_of(sim, s + k * hvo_sim_geometry(sim)->page_size);
}

/* one /proc/kpageflags bit */
#define KPF(b) (1ull << HVO_KPF_##b)

#endif /* HVOSIM_TESTS_HVOTEST_HVO_H */
