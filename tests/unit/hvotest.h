/* SPDX-License-Identifier: MIT */
/*
 * hvotest.h - small helpers shared by the CMocka unit tests.
 *
 * Every helper is static inline so test files stay -Wmissing-prototypes
 * clean.  Include after <cmocka.h>'s prerequisites (this header pulls them
 * in itself).
 */
#ifndef HVOSIM_TESTS_HVOTEST_H
#define HVOSIM_TESTS_HVOTEST_H

#include <errno.h>
#include <inttypes.h>
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

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

/*
 * HVOSIM_SWEEP_STRIDE=k: the single-threaded fault-injection sweeps visit
 * every k-th point of the dense start of their sequence (the sparse tail,
 * up to the point where the operation completes, is run whole) and the
 * random-operation test runs one seed
 * per scheme.  The tsan test setup sets it: ThreadSanitizer reports races
 * between threads, these tests run on one, so under TSan a sample finds all
 * that the full sweep would (they still run there, as a check that the TSan
 * build behaves); the gcc, clang and ASan+UBSan passes run every point.
 */
static inline unsigned int hvotest_sweep_stride(void)
{
	const char *e = getenv("HVOSIM_SWEEP_STRIDE");
	long v = e ? atol(e) : 1;

	return v > 1 ? (unsigned int)v : 1;
}

/* the fixture every test gets: one machine, built in setup */
struct fx {
	struct hvo_sim *sim;
	struct hvo_config cfg;
};

/* fail with a message; TAP comment lines so the harness's parser is happy */
#define failf(...)                                                           \
	do {                                                                 \
		print_message("# " __VA_ARGS__);                             \
		print_message("\n");                                         \
		fail();                                                      \
	} while (0)

/* last error contains @needle; prints the message on failure */
#define assert_error_names(needle)                                           \
	do {                                                                 \
		const char *msg_ = hvo_last_error();                         \
		if (!strstr(msg_, (needle)))                                 \
			failf("hvo_last_error() \"%s\" does not name \"%s\"", \
				 msg_, (needle));                            \
	} while (0)

static inline struct fx *fx_new(const struct hvo_config *cfg)
{
	struct fx *f = calloc(1, sizeof(*f));
	int r;

	assert_non_null(f);
	f->cfg = *cfg;
	r = hvo_sim_create(&f->cfg, &f->sim);
	if (r)
		failf("hvo_sim_create: %d (%s)", r, hvo_last_error());
	assert_non_null(f->sim);
	return f;
}

/* teardown: destroy the machine; it must not report leaked frames */
static inline int fx_teardown(void **state)
{
	struct fx *f = *state;
	uint64_t leaked = 0;

	if (f) {
		if (f->sim)
			leaked = hvo_sim_destroy(f->sim);
		free(f);
		*state = NULL;
	}
	assert_int_equal(leaked, 0);
	return 0;
}

/* a config: @nodes nodes of @mem bytes each */
static inline void cfg_make(struct hvo_config *c, unsigned int page_shift,
			    unsigned int stride, enum hvo_scheme scheme,
			    unsigned int nodes, uint64_t mem)
{
	unsigned int i;

	hvo_config_init(c);
	c->page_shift = page_shift;
	c->struct_page_size = stride;
	c->scheme = scheme;
	c->nr_nodes = nodes;
	for (i = 0; i < HVO_MAX_NODES; i++)
		c->node_mem_bytes[i] = i < nodes ? mem : 0;
}

static inline struct hvo_stats stats_of(struct hvo_sim *sim)
{
	struct hvo_stats st;

	hvo_sim_stats(sim, &st);
	return st;
}

/* all words of one struct page, read through the vmemmap */
static inline void read_page_words(struct hvo_sim *sim, uint64_t pfn,
				   uint64_t words[HVO_NR_PAGE_WORDS])
{
	unsigned int w;

	for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
		assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), w,
					       &words[w]), 0);
}

/* what memmap_init() leaves in word @w of @pfn */
static inline uint64_t memmap_init_word(struct hvo_sim *sim, uint64_t pfn,
					unsigned int w)
{
	unsigned int nid = 0;
	enum hvo_zone_type zone = HVO_ZONE_DMA32;

	if (!hvo_page_word_present(sim, w))
		return 0;
	switch (w) {
	case HVO_PW_FLAGS:
		assert_int_equal(hvo_pfn_zone(sim, pfn, &nid, &zone), 0);
		return ((uint64_t)nid << HVO_NODES_PGSHIFT) |
		       ((uint64_t)zone << HVO_ZONES_PGSHIFT);
	case HVO_PW_COUNTS:
		return HVO_MAPCOUNT_NONE;
	default:
		return 0;
	}
}

#endif /* HVOSIM_TESTS_HVOTEST_H */
