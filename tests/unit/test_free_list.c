// SPDX-License-Identifier: MIT
/*
 * test_free_list.c - the buddy's free lists threaded through the struct
 * pages, as the kernel's (__add_to_free_list(), __del_page_from_free_list()):
 * a free block's head has PageBuddy, its order in ->private and ->lru on
 * the zone's free_area[order] list, so the word a tail's compound_info
 * shares holds an aligned pointer, which compound_head() must not take for
 * a tail in either encoding.  The links are written where the vmemmap holds
 * struct pages already and computed by the lazy memmap_init() of a page
 * that does not yet, so a free machine still costs no host memory.
 */
#include <pthread.h>
#include <unistd.h>

#include "hvotest_hvo.h"

#define PGTY_BUDDY 0xf0000000ull

static uint64_t rd(struct hvo_sim *sim, uint64_t pfn, unsigned int w)
{
	uint64_t v = 0;

	assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), w, &v), 0);
	return v;
}

/* &page->lru of @pfn */
static uint64_t lru(struct hvo_sim *sim, uint64_t pfn)
{
	return hvo_pfn_to_page(sim, pfn) + 8;
}

static bool is_buddy(struct hvo_sim *sim, uint64_t pfn)
{
	return frinfo(sim, pfn).buddy;
}

/* the head of a free block reads as the kernel's, and as no tail */
static void free_head_ok(struct hvo_sim *sim, uint64_t pfn)
{
	uint64_t page = hvo_pfn_to_page(sim, pfn), next = rd(sim, pfn, HVO_PW_COMPOUND_INFO);
	uint64_t kpf = 0;

	assert_true(is_buddy(sim, pfn));
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), PGTY_BUDDY);
	assert_int_equal(rd(sim, pfn, HVO_PW_PRIVATE), frinfo(sim, pfn).order);
	assert_true(next != 0 && (next & 7) == 0);
	assert_true(rd(sim, pfn, HVO_PW_LRU_PREV) != 0);
	assert_int_equal(hvo_page_tail(sim, page), 0);
	assert_int_equal(hvo_page_head(sim, page), 0);
	assert_int_equal(hvo_compound_head(sim, page), page);
	assert_int_equal(hvo_kpageflags(sim, pfn, &kpf), 0);
	assert_int_equal(kpf & (KPF(COMPOUND_TAIL) | KPF(COMPOUND_HEAD)), 0);
	assert_true(kpf & KPF(BUDDY));
}

/* what memmap_init() left: an allocated page shows no list */
static void plain_ok(struct hvo_sim *sim, uint64_t pfn)
{
	assert_int_equal(rd(sim, pfn, HVO_PW_COMPOUND_INFO), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_LRU_PREV), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_PRIVATE), 0);
	assert_int_equal(rd(sim, pfn, HVO_PW_COUNTS), HVO_MAPCOUNT_NONE);
}

static enum hvo_scheme scheme_of(void **state)
{
	return *(const enum hvo_scheme *)*state;
}

#define N 8

/*
 * Frames whose struct pages exist, freed every other one: four order-0
 * blocks on the list, last freed first, each ->lru pointing at its
 * neighbours' and the first one's ->prev at the list head in struct zone.
 */
#define TRIES 256

/* N order-0 frames f[i] = f[0] + i, f[0] aligned to N, all ours: their
 * buddies stay in use; the others taken on the way are in *extra */
static void eight_frames(struct hvo_sim *sim, uint64_t *f, uint64_t *extra, unsigned int *nx)
{
	uint64_t all[TRIES], g;
	unsigned int n, i, j, have;

	for (n = 0; n < TRIES; n++) {
		assert_int_equal(hvo_alloc_frames(sim, 0, 0, HVO_KIND_OTHER, 0, &all[n]), 0);
		g = all[n] & ~(uint64_t)(N - 1);
		for (i = 0, have = 0; i <= n; i++)
			have += all[i] - g < N;
		if (have == N)
			break;
	}
	assert_true(n < TRIES);
	for (i = 0; i < N; i++)
		f[i] = g + i;
	for (i = 0, *nx = 0; i <= n; i++)
		if (all[i] - g >= N)
			extra[(*nx)++] = all[i];
	for (j = 0; j < N; j++)
		plain_ok(sim, f[j]);	/* and now its struct page exists */
}

static void test_links(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t f[N], extra[TRIES], head, again;
	unsigned int i, nx;

	cfg_make(&c, 12, 64, scheme_of(state), 1, 1 * GiB);
	sim = sim_new(&c);
	eight_frames(sim, f, extra, &nx);
	/* odd ones freed: their buddies are in use, nothing merges */
	for (i = 1; i < N; i += 2) {
		assert_int_equal(hvo_free_frames(sim, f[i], 0), 0);
		free_head_ok(sim, f[i]);
	}
	/* the list, from the last freed: f[7] -> f[5] -> f[3] -> f[1] */
	head = rd(sim, f[N - 1], HVO_PW_LRU_PREV);
	assert_true(head < hvo_sim_geometry(sim)->vmemmap_base);
	for (i = N - 1; i >= 3; i -= 2) {
		assert_int_equal(frinfo(sim, f[i]).order, 0);
		assert_int_equal(rd(sim, f[i], HVO_PW_COMPOUND_INFO), lru(sim, f[i - 2]));
		assert_int_equal(rd(sim, f[i - 2], HVO_PW_LRU_PREV), lru(sim, f[i]));
	}
	check_clean(sim, "four on the list");
	/* taken again: the first one off the list, cleared; the next one first */
	assert_int_equal(hvo_alloc_frames(sim, 0, 0, HVO_KIND_OTHER, 0, &again), 0);
	assert_int_equal(again, f[N - 1]);
	plain_ok(sim, again);
	assert_int_equal(rd(sim, f[N - 3], HVO_PW_LRU_PREV), head);
	check_clean(sim, "one taken");
	assert_int_equal(hvo_free_frames(sim, again, 0), 0);
	for (i = 0; i < N; i += 2)
		assert_int_equal(hvo_free_frames(sim, f[i], 0), 0);
	for (i = 0; i < nx; i++)
		assert_int_equal(hvo_free_frames(sim, extra[i], 0), 0);
	check_clean(sim, "all back");
	sim_done(sim);
}

/* a sanitizer's shadow memory is resident too: no RSS bound holds there */
#if defined(__SANITIZE_THREAD__) || defined(__SANITIZE_ADDRESS__)
#define SANITIZED 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer) || __has_feature(address_sanitizer)
#define SANITIZED 1
#endif
#endif
#ifndef SANITIZED
#define SANITIZED 0
#endif

/* resident bytes of this process (/proc/self/statm) */
static uint64_t rss(void)
{
	unsigned long long size = 0, res = 0;
	FILE *f = fopen("/proc/self/statm", "r");

	assert_non_null(f);
	assert_int_equal(fscanf(f, "%llu %llu", &size, &res), 2);
	fclose(f);
	return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

/*
 * A block freed at boot, whose struct pages do not exist yet: their first
 * read computes the links from the buddy's state (lazy memmap_init()), and
 * a split of it then writes through.
 */
static void test_lazy(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t b, half, before;
	unsigned int o;

	cfg_make(&c, 12, 64, scheme_of(state), 1, 1 * GiB);
	sim = sim_new(&c);
	/* pfn 0 starts the biggest free block and nothing touched it */
	assert_true(is_buddy(sim, 0));
	o = frinfo(sim, 0).order;
	assert_true(o >= 9);
	before = rss();
	free_head_ok(sim, 0);
	/* only the vmemmap of the first 128 MiB (one 2 MiB PMD leaf) was made */
	assert_true(SANITIZED || rss() - before <= 3 * MiB);
	/* take 2M of it: pfn 0 leaves the list, the upper halves join theirs */
	assert_int_equal(hvo_alloc_frames_zone(sim, 0, HVO_ZONE_DMA32, 9, HVO_KIND_OTHER, 0, &b),
			 0);
	if (b == 0) {
		plain_ok(sim, 0);
		half = 512;
		assert_true(is_buddy(sim, half));
		free_head_ok(sim, half);
	}
	check_clean(sim, "split");
	assert_int_equal(hvo_free_frames(sim, b, 9), 0);
	check_clean(sim, "merged again");
	sim_done(sim);
}

/* a pool cycle: the folios' blocks come and go through the lists, the
 * checker holds every existing head against the buddy */
static void test_pool_cycle(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	unsigned int h;
	uint64_t p[4];
	unsigned int i;

	cfg_make(&c, 12, 64, scheme_of(state), 1, 1 * GiB);
	sim = sim_new(&c);
	h = hstate_of(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 4, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, p, 4), 4);
	assert_int_equal(hvo_folio_dissolve(sim, p[1]), 0);
	assert_int_equal(hvo_folio_dissolve(sim, p[2]), 0);
	check_clean(sim, "two dissolved");
	for (i = 1; i < 3; i++)
		if (is_buddy(sim, p[i]))
			free_head_ok(sim, p[i]);
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 2, NULL), 0);
	check_clean(sim, "emptied");
	sim_done(sim);
}

/* a free 64 GiB costs next to nothing: the buddy links 4096 1G-or-larger
 * blocks at boot without making a struct page (its 1 GiB of vmemmap) */
static void test_host_memory(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	uint64_t before, after;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 64 * GiB);
	before = rss();
	sim = sim_new(&c);
	after = rss();
	print_message("# 64 GiB free: %llu KiB resident for the machine\n",
		      (unsigned long long)((after - before) >> 10));
	assert_true(SANITIZED || after - before < 16 * MiB);
	sim_done(sim);
}

/* ---- the buddy against lazy memmap_init(), on threads ---- */

struct churn {
	struct hvo_sim *sim;
	uint64_t seed;
	bool reader;
};

static uint64_t next_rnd(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#define CHURN_OPS 4000
#define CHURN_HELD 64

/* allocators take and give back blocks of random orders; readers make the
 * struct pages of random pfns (a lazy init each time one is new) */
static void *churn(void *arg)
{
	struct churn *ch = arg;
	const struct hvo_geometry *g = hvo_sim_geometry(ch->sim);
	uint64_t held[CHURN_HELD] = { 0 }, v, pfn;
	unsigned int order[CHURN_HELD] = { 0 }, i, k;
	bool used[CHURN_HELD] = { false };

	for (i = 0; i < CHURN_OPS; i++) {
		uint64_t r = next_rnd(&ch->seed);

		if (ch->reader) {
			pfn = r % g->nr_pfns;
			hvo_page_read(ch->sim, hvo_pfn_to_page(ch->sim, pfn), HVO_PW_COMPOUND_INFO, &v);
			continue;
		}
		k = (unsigned int)(r % CHURN_HELD);
		if (used[k]) {
			hvo_free_frames(ch->sim, held[k], order[k]);
			used[k] = false;
		} else {
			order[k] = (unsigned int)((r >> 32) % 10);
			used[k] = !hvo_alloc_frames(ch->sim, 0, order[k], HVO_KIND_OTHER, 0, &held[k]);
		}
	}
	for (k = 0; k < CHURN_HELD; k++)
		if (used[k])
			hvo_free_frames(ch->sim, held[k], order[k]);
	return NULL;
}

static void test_lazy_vs_buddy(void **state)
{
	struct hvo_config c;
	struct churn ch[4];
	pthread_t t[4];
	unsigned int i;

	cfg_make(&c, 12, 64, scheme_of(state), 1, 4 * GiB);
	ch[0].sim = sim_new(&c);
	for (i = 0; i < 4; i++) {
		ch[i] = (struct churn){ .sim = ch[0].sim, .seed = i + 1, .reader = i >= 2 };
		assert_int_equal(pthread_create(&t[i], NULL, churn, &ch[i]), 0);
	}
	for (i = 0; i < 4; i++)
		assert_int_equal(pthread_join(t[i], NULL), 0);
	check_clean(ch[0].sim, "after the churn");
	sim_done(ch[0].sim);
}

static const enum hvo_scheme s_none = HVO_SCHEME_NONE;
static const enum hvo_scheme s_fake = HVO_SCHEME_FAKE_HEAD;
static const enum hvo_scheme s_shared = HVO_SCHEME_SHARED_TAIL;

#define S(fn, s) { .name = #fn "/" #s, .test_func = fn, .teardown_func = cleanup, \
		   .initial_state = (void *)&(s) }

int main(void)
{
	const struct CMUnitTest tests[] = {
		S(test_links, s_shared),	/* mask encoding */
		S(test_links, s_fake),		/* pointer encoding, fake heads */
		S(test_links, s_none),
		S(test_lazy, s_shared),
		S(test_lazy, s_fake),
		S(test_pool_cycle, s_shared),
		S(test_pool_cycle, s_fake),
		S(test_lazy_vs_buddy, s_shared),
		cmocka_unit_test_teardown(test_host_memory, cleanup),
	};

	return cmocka_run_group_tests_name("free_list", tests, NULL, NULL);
}
