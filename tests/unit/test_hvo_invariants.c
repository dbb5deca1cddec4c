// SPDX-License-Identifier: MIT
/*
 * test_hvo_invariants.c - hvo_check() names every invariant it guards.
 *
 * Each test builds a small machine whose checker report is empty, breaks
 * one invariant on purpose (through the public API where it can be broken
 * at all), asserts that the report names it, that everything else in the
 * report is one of the invariants the break must drag along, and that the
 * report is empty again once the damage is undone.
 *
 * Three invariants cannot be broken through the public API; their tests
 * poke the machine's private state (src/internal.h, hugetlb_internal.h):
 *   alignment   - hvo_config_validate() refuses a misaligned vmemmap_base
 *                 and the buddy only hands out aligned folios, so the test
 *                 raises the machine's MAX_FOLIO_ORDER under the checker;
 *   static-key  - only optimize/restore move hugetlb_optimize_vmemmap_key;
 *   accounting  - its counter half (optimized_folios); the memmap half is
 *                 broken through the public API;
 *   pool        - its counter half (hstate nr); the refcount half is public.
 *   vmemmap-pages - its counter half (an hstate's freed pages); the flag
 *                 half is broken through the public API;
 *   free-lists  - broken through the public API (a free head's words);
 *   pgtable-frames - a page-table frame the machine allocated and never
 *                 linked (what a PMD split that lost its race and kept its
 *                 table leaves): hvo__alloc() at the page-table site.
 */
#include "hvotest_hvo.h"

#include "../../src/hugetlb_internal.h"
#include "../../src/page_alloc.h"

/* ---- helpers ---- */

static struct hvo_report *report_of(struct hvo_sim *sim, int64_t *n)
{
	struct hvo_report *rep = scratch_alloc(sizeof(*rep));

	assert_non_null(rep);
	*n = hvo_check(sim, rep);
	assert_true(*n >= 0);
	return rep;
}

/*
 * The report names @inv, and nothing outside @allowed (NULL-terminated; @inv
 * is always allowed).  Every violation is filled in.  Returns the report
 * (the caller frees it).
 */
static struct hvo_report *expect_v(struct hvo_sim *sim, const char *inv,
				   const char *const *allowed)
{
	int64_t n;
	struct hvo_report *rep = report_of(sim, &n);
	uint64_t i;
	size_t k;

	print_message("# breaking %s:\n", inv);
	for (i = 0; i < rep->nr; i++)
		print_message("#   %s at %s: expected %s, found %s\n", rep->v[i].invariant,
			      rep->v[i].where, rep->v[i].expected, rep->v[i].found);
	if (hvo_report_has(rep, inv) == 0) {
		scratch_free(rep);
		failf("the report does not name %s", inv);
	}
	assert_int_equal((uint64_t)n, rep->count);
	assert_true(rep->nr == rep->count || rep->nr == HVO_REPORT_MAX);
	for (i = 0; i < rep->nr; i++) {
		const struct hvo_violation *v = &rep->v[i];
		bool ok = !strcmp(v->invariant, inv);

		for (k = 0; !ok && allowed && allowed[k]; k++)
			ok = !strcmp(v->invariant, allowed[k]);
		if (!ok) {
			const char *name = v->invariant;

			scratch_free(rep);
			failf("breaking %s also reported %s", inv, name);
		}
		assert_true(v->where[0] && v->expected[0] && v->found[0]);
	}
	return rep;
}

static void expect_only(struct hvo_sim *sim, const char *inv, const char *const *allowed)
{
	scratch_free(expect_v(sim, inv, allowed));
}

/* the violation of @inv is about @pfn */
static void expect_pfn(const struct hvo_report *rep, const char *inv, uint64_t pfn)
{
	uint64_t i;

	for (i = 0; i < rep->nr; i++)
		if (!strcmp(rep->v[i].invariant, inv) && rep->v[i].pfn == pfn)
			return;
	failf("no %s violation about %#llx", inv, (unsigned long long)pfn);
}

static uint64_t rd(struct hvo_sim *sim, uint64_t pfn, unsigned int w)
{
	uint64_t v = 0;

	assert_int_equal(hvo_page_read(sim, hvo_pfn_to_page(sim, pfn), w, &v), 0);
	return v;
}

static void wr(struct hvo_sim *sim, uint64_t pfn, unsigned int w, uint64_t v)
{
	int r = hvo_page_write(sim, hvo_pfn_to_page(sim, pfn), w, v);

	if (r)
		failf("page_write pfn %#llx word %u: %d (%s)", (unsigned long long)pfn, w, r,
		      hvo_last_error());
}

/* vmemmap address of page @k of the folio at @pfn */
static uint64_t vaddr_of(struct hvo_sim *sim, uint64_t pfn, uint64_t k)
{
	uint64_t s, e;

	hvo_vmemmap_range(sim, pfn, 1, &s, &e);
	return (s & ~(hvo_sim_geometry(sim)->page_size - 1)) +
	       k * hvo_sim_geometry(sim)->page_size;
}

static uint64_t frame_at(struct hvo_sim *sim, uint64_t vaddr)
{
	struct hvo_translation tr;

	assert_int_equal(hvo_vmemmap_translate(sim, vaddr, &tr), 0);
	return tr.frame_pfn;
}

static bool writable_at(struct hvo_sim *sim, uint64_t vaddr)
{
	struct hvo_translation tr;

	assert_int_equal(hvo_vmemmap_translate(sim, vaddr, &tr), 0);
	return tr.writable;
}

/* ---- the machine most tests break ---- */

struct base {
	struct hvo_sim *sim;
	unsigned int h;
	uint64_t pfn[2];
};

/* 4K pages, one node, two free 2M folios; a write through an RO PTE aborts
 * unless the test expects one */
static void base_new_policy(struct base *b, enum hvo_scheme scheme,
			    enum hvo_fault_policy policy)
{
	struct hvo_config c;
	uint64_t done = 0;
	int h;

	cfg_make(&c, 12, 64, scheme, 1, 1 * GiB);
	c.fault_policy = policy;
	b->sim = sim_new(&c);
	h = hvo_hstate_find(b->sim, 2 * MiB);
	assert_true(h >= 0);
	b->h = (unsigned int)h;
	assert_int_equal(hvo_pool_grow(b->sim, b->h, 0, 2, &done), 0);
	assert_int_equal(hvo_folio_list(b->sim, b->h, b->pfn, 2), 2);
	check_clean(b->sim, "before breaking anything");
}

static void base_new(struct base *b, enum hvo_scheme scheme)
{
	base_new_policy(b, scheme, HVO_FAULT_ABORT);
}

static void base_done(struct base *b)
{
	check_clean(b->sim, "after the repair");
	/* no write through a read-only PTE happened on the way */
	assert_int_equal(hvo_fault_log_count(b->sim), 0);
	assert_int_equal(hvo_pool_shrink(b->sim, b->h, 0, 2, NULL), 0);
	check_clean(b->sim, "after shrinking");
	sim_done(b->sim);
}

static enum hvo_scheme scheme_of(void **state)
{
	return *(const enum hvo_scheme *)*state;
}

static const enum hvo_scheme s_shared = HVO_SCHEME_SHARED_TAIL;
static const enum hvo_scheme s_fake = HVO_SCHEME_FAKE_HEAD;
static const enum hvo_scheme s_none = HVO_SCHEME_NONE;

#define NONE_ELSE ((const char *const[]){ NULL })

/* ---- encoding ---- */

static void test_encoding(void **state)
{
	struct base b;
	uint64_t t, v;

	base_new(&b, scheme_of(state));
	t = b.pfn[0] + 5;
	v = rd(b.sim, t, HVO_PW_COMPOUND_INFO);
	assert_int_equal(v, hvo_compound_info_value(b.sim, hvo_pfn_to_page(b.sim, b.pfn[0]), 9));
	/* still a tail, a bit the encoding never sets: mask mode even still
	 * decodes to the right head (bit 1 of a struct page address is 0) */
	wr(b.sim, t, HVO_PW_COMPOUND_INFO, v | 2);
	if (scheme_of(state) == HVO_SCHEME_SHARED_TAIL) {
		struct hvo_report *rep = expect_v(b.sim, "encoding", NONE_ELSE);

		expect_pfn(rep, "encoding", b.pfn[0]);
		assert_non_null(strstr(rep->v[0].where, "tail 5"));
		scratch_free(rep);
	} else {
		/* pointer mode: head|3 decodes to head + 2 */
		expect_only(b.sim, "encoding", (const char *const[]){ "compound-head", NULL });
	}
	wr(b.sim, t, HVO_PW_COMPOUND_INFO, v);
	base_done(&b);
}

/* ---- compound-head ---- */

static void test_compound_head(void **state)
{
	struct base b;
	uint64_t t, v, other = 0;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	t = b.pfn[0] + 9;
	v = rd(b.sim, t, HVO_PW_COMPOUND_INFO);
	/* a tail that names pfn + 8 as its head: the order-3 mask, or a pointer */
	if (scheme_of(state) == HVO_SCHEME_SHARED_TAIL)
		wr(b.sim, t, HVO_PW_COMPOUND_INFO, hvo_compound_info_value(b.sim, 0, 3));
	else
		wr(b.sim, t, HVO_PW_COMPOUND_INFO, hvo_pfn_to_page(b.sim, b.pfn[0] + 8) | 1);
	other = hvo_compound_head(b.sim, hvo_pfn_to_page(b.sim, t));
	assert_int_equal(other, hvo_pfn_to_page(b.sim, b.pfn[0] + 8));
	rep = expect_v(b.sim, "compound-head", (const char *const[]){ "encoding", NULL });
	expect_pfn(rep, "compound-head", b.pfn[0]);
	scratch_free(rep);
	wr(b.sim, t, HVO_PW_COMPOUND_INFO, v);
	base_done(&b);
}

/* ---- head ---- */

static void test_head(void **state)
{
	struct base b;
	uint64_t f, o;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	f = rd(b.sim, b.pfn[1], HVO_PW_FLAGS);
	wr(b.sim, b.pfn[1], HVO_PW_FLAGS, f & ~(1ull << HVO_PG_head));
	if (scheme_of(state) == HVO_SCHEME_SHARED_TAIL) {
		rep = expect_v(b.sim, "head", NONE_ELSE);
	} else {
		/* the head frame is every page's: its aliases stop being fake
		 * heads, so they stop decoding as tails */
		rep = expect_v(b.sim, "head",
			       (const char *const[]){ "tail-flag", "compound-head", NULL });
	}
	expect_pfn(rep, "head", b.pfn[1]);
	scratch_free(rep);
	wr(b.sim, b.pfn[1], HVO_PW_FLAGS, f);
	check_clean(b.sim, "PG_head back");

	/* the folio order in page[1] is the head's too */
	assert_int_equal(hvo_folio_get(b.sim, hvo_pfn_to_page(b.sim, b.pfn[1]),
				       HVO_FOLIO_ORDER, &o), 0);
	assert_int_equal(o, 9);
	assert_int_equal(hvo_folio_set(b.sim, hvo_pfn_to_page(b.sim, b.pfn[1]),
				       HVO_FOLIO_ORDER, 8), 0);
	expect_only(b.sim, "head", NONE_ELSE);
	assert_int_equal(hvo_folio_set(b.sim, hvo_pfn_to_page(b.sim, b.pfn[1]),
				       HVO_FOLIO_ORDER, 9), 0);
	base_done(&b);
}

/* ---- fake-head: PageHead() on a tail ---- */

static void test_fake_head(void **state)
{
	struct base b;
	uint64_t t, f, kpf;

	base_new(&b, scheme_of(state));
	t = b.pfn[0] + 5;	/* not 1..3: their words hold folio metadata */
	f = rd(b.sim, t, HVO_PW_FLAGS);
	wr(b.sim, t, HVO_PW_FLAGS, f | (1ull << HVO_PG_head));
	assert_int_equal(hvo_page_head(b.sim, hvo_pfn_to_page(b.sim, t)), 1);
	assert_int_equal(hvo_kpageflags(b.sim, t, &kpf), 0);
	if (scheme_of(state) == HVO_SCHEME_FAKE_HEAD)
		/* the old stable_page_flags() trusts PageHead(): the selftest
		 * would see a head in the middle of the folio */
		assert_true(kpf & (1ull << HVO_KPF_COMPOUND_HEAD));
	expect_only(b.sim, "fake-head", NONE_ELSE);
	wr(b.sim, t, HVO_PW_FLAGS, f);
	base_done(&b);
}

/* ---- tail-flag ---- */

static void test_tail_flag(void **state)
{
	struct base b;
	uint64_t t, v;

	base_new(&b, scheme_of(state));
	t = b.pfn[0] + 17;
	v = rd(b.sim, t, HVO_PW_COMPOUND_INFO);
	wr(b.sim, t, HVO_PW_COMPOUND_INFO, v & ~1ull);
	assert_int_equal(hvo_page_tail(b.sim, hvo_pfn_to_page(b.sim, t)), 0);
	expect_only(b.sim, "tail-flag", (const char *const[]){ "compound-head", "encoding", NULL });
	wr(b.sim, t, HVO_PW_COMPOUND_INFO, v);
	base_done(&b);
}

/* ---- tail-refcount ---- */

static void test_tail_refcount(void **state)
{
	struct base b;
	uint64_t t, v;
	int32_t ref = 0;

	base_new(&b, scheme_of(state));
	t = b.pfn[0] + 33;
	v = rd(b.sim, t, HVO_PW_COUNTS);
	assert_int_equal(v >> 32, 0);
	wr(b.sim, t, HVO_PW_COUNTS, v | (1ull << 32));
	assert_int_equal(hvo_page_refcount(b.sim, hvo_pfn_to_page(b.sim, t), &ref), 0);
	assert_int_equal(ref, 1);
	expect_only(b.sim, "tail-refcount", NONE_ELSE);
	wr(b.sim, t, HVO_PW_COUNTS, v);
	base_done(&b);
}

/* ---- tail-node-zone ---- */

static void test_tail_node_zone(void **state)
{
	struct base b;
	uint64_t t, f, mask = ((1ull << HVO_NODES_SHIFT) - 1) << HVO_NODES_PGSHIFT;
	unsigned int nid = 0;

	base_new(&b, scheme_of(state));
	t = b.pfn[1] + 42;
	f = rd(b.sim, t, HVO_PW_FLAGS);
	wr(b.sim, t, HVO_PW_FLAGS, (f & ~mask) | (3ull << HVO_NODES_PGSHIFT));
	assert_int_equal(hvo_page_node_zone(b.sim, hvo_pfn_to_page(b.sim, t), &nid, NULL), 0);
	assert_int_equal(nid, 3);
	expect_only(b.sim, "tail-node-zone", NONE_ELSE);
	wr(b.sim, t, HVO_PW_FLAGS, f);
	base_done(&b);
}

/* ---- tail-mapping ---- */

static void test_tail_mapping(void **state)
{
	struct base b;
	uint64_t t, m, p3;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	/* a tail in the head page, and what a copy of page[3] would hold there
	 * (its ->mapping is the folio's hugetlb cgroup) */
	t = b.pfn[0] + 7;
	m = rd(b.sim, t, HVO_PW_MAPPING);
	assert_int_equal(m, HVO_TAIL_MAPPING);
	wr(b.sim, t, HVO_PW_MAPPING, 0xffff888004800000ull);
	rep = expect_v(b.sim, "tail-mapping", NONE_ELSE);
	expect_pfn(rep, "tail-mapping", b.pfn[0]);
	assert_non_null(strstr(rep->v[0].where, "tail 7"));
	scratch_free(rep);
	wr(b.sim, t, HVO_PW_MAPPING, m);
	/* page[3] is the folio's own: its ->mapping is the cgroup, no rule */
	p3 = rd(b.sim, b.pfn[0] + 3, HVO_PW_MAPPING);
	assert_int_equal(hvo_folio_set(b.sim, hvo_pfn_to_page(b.sim, b.pfn[0]),
				       HVO_FOLIO_HUGETLB_CGROUP, 0xffff888004800000ull), 0);
	check_clean(b.sim, "a cgroup in page[3]");
	wr(b.sim, b.pfn[0] + 3, HVO_PW_MAPPING, p3);
	base_done(&b);
}

/* the seed patch's per-hstate tail on two nodes: node 1 reads node 0 */
static void test_tail_node_zone_hstate_scope(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_report *rep;
	uint64_t p[2];
	unsigned int h, nid = 9;

	(void)state;
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 1 * GiB);
	c.tail_scope = HVO_SCOPE_HSTATE;
	sim = sim_new(&c);
	h = (unsigned int)hvo_hstate_find(sim, 2 * MiB);
	assert_int_equal(hvo_pool_grow(sim, h, 0, 1, NULL), 0);
	check_clean(sim, "one node used");
	assert_int_equal(hvo_pool_grow(sim, h, 1, 1, NULL), 0);
	assert_int_equal(hvo_folio_list(sim, h, p, 2), 2);
	assert_int_equal(hvo_page_node_zone(sim, hvo_pfn_to_page(sim, p[1] + 64), &nid, NULL), 0);
	assert_int_equal(nid, 0);
	rep = expect_v(sim, "tail-node-zone", NONE_ELSE);
	expect_pfn(rep, "tail-node-zone", p[1]);
	assert_non_null(strstr(rep->v[0].where, "shared tail"));
	scratch_free(rep);
	assert_int_equal(hvo_pool_shrink(sim, h, 1, 1, NULL), 0);
	check_clean(sim, "node 1 gone");
	assert_int_equal(hvo_pool_shrink(sim, h, 0, 1, NULL), 0);
	sim_done(sim);
}

/* ---- alignment ---- */

static void test_alignment(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;
	struct hvo_report *rep;
	const uint64_t base = 0xffffea0000000000ull;
	unsigned int saved;

	(void)state;
	/* not breakable through the API: a misaligned vmemmap base is refused */
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	c.vmemmap_base = base + 512 * 64;	/* 2M of struct pages, not 256M */
	assert_int_equal(hvo_config_validate(&c), -EINVAL);
	assert_error_names("vmemmap_base");
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);
	c.vmemmap_base = base + (1ull << 27);	/* half the alignment */
	assert_int_equal(hvo_config_validate(&c), -EINVAL);
	c.vmemmap_base = base + (1ull << 28);	/* MAX_FOLIO_NR_PAGES * 64 */
	assert_int_equal(hvo_config_validate(&c), 0);
	sim = sim_new(&c);
	assert_int_equal(hvo_sim_geometry(sim)->vmemmap_base, base + (1ull << 28));
	/* ... and so is a compound page whose head is not naturally aligned */
	assert_int_equal(hvo_prep_compound_page(sim, 0x8000 + 1, 9), -EINVAL);
	assert_int_equal(hvo_prep_compound_page(sim, 0x8000 + 256, 9), -EINVAL);
	check_clean(sim, "aligned base");

	/* internal: a MAX_FOLIO_ORDER the base is not aligned for */
	saved = sim->geo.max_folio_order;
	sim->geo.max_folio_order = 40;
	rep = expect_v(sim, "alignment", NONE_ELSE);
	expect_pfn(rep, "alignment", UINT64_MAX);
	assert_non_null(strstr(rep->v[0].where, "vmemmap_base"));
	scratch_free(rep);
	sim->geo.max_folio_order = saved;
	check_clean(sim, "MAX_FOLIO_ORDER back");
	sim_done(sim);
}

/* ---- layout ---- */

static void test_layout(void **state)
{
	struct base b;
	uint64_t v0, v3;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	/* an optimized folio's head page read-only */
	v0 = vaddr_of(b.sim, b.pfn[0], 0);
	assert_true(writable_at(b.sim, v0));
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v0, v0 + 4096, false), 0);
	rep = expect_v(b.sim, "layout", NONE_ELSE);
	expect_pfn(rep, "layout", b.pfn[0]);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v0, v0 + 4096, true), 0);
	check_clean(b.sim, "head page RW again");

	/* an unoptimized folio must be RW everywhere */
	assert_int_equal(hvo_folio_restore(b.sim, b.pfn[1]), 0);
	v3 = vaddr_of(b.sim, b.pfn[1], 3);
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v3, v3 + 4096, false), 0);
	rep = expect_v(b.sim, "layout", NONE_ELSE);
	expect_pfn(rep, "layout", b.pfn[1]);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v3, v3 + 4096, true), 0);
	base_done(&b);
}

/* ---- read-only ---- */

static void test_read_only(void **state)
{
	struct base b;
	uint64_t v1;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	v1 = vaddr_of(b.sim, b.pfn[0], 1);
	assert_false(writable_at(b.sim, v1));
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v1, v1 + 4096, true), 0);
	rep = expect_v(b.sim, "read-only", NONE_ELSE);
	expect_pfn(rep, "read-only", b.pfn[0]);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v1, v1 + 4096, false), 0);
	base_done(&b);
}

/* a write through a tail never lands, refcount speculation never writes */
static void test_tail_writes_fault(void **state)
{
	struct base b;
	uint64_t t, v, tail_frame;
	struct hvo_fault f;

	base_new_policy(&b, scheme_of(state), HVO_FAULT_RECORD);
	t = b.pfn[0] + 64;
	tail_frame = frame_at(b.sim, vaddr_of(b.sim, b.pfn[0], 1));
	v = rd(b.sim, t, HVO_PW_COUNTS);
	assert_int_equal(hvo_page_write(b.sim, hvo_pfn_to_page(b.sim, t), HVO_PW_COUNTS,
					v + (1ull << 32)), -EFAULT);
	assert_int_equal(rd(b.sim, t, HVO_PW_COUNTS), v);
	assert_int_equal(hvo_fault_log_count(b.sim), 1);
	assert_int_equal(hvo_fault_log_get(b.sim, 0, &f), 0);
	assert_int_equal(f.type, HVO_FAULT_RO_WRITE);
	assert_int_equal(f.frame_pfn, tail_frame);
	assert_int_equal(f.page_pfn, t);
	assert_int_equal(f.folio_pfn, b.pfn[0]);
	if (scheme_of(state) == HVO_SCHEME_SHARED_TAIL)
		/* get_page_unless_zero() on a shared tail: refcount 0, no write */
		assert_int_equal(hvo_page_ref_add_unless(b.sim, hvo_pfn_to_page(b.sim, t), 1, 0),
				 0);
	assert_int_equal(stats_of(b.sim).ro_faults, 1);
	hvo_fault_log_clear(b.sim);
	base_done(&b);
}

/* ---- shared-tail ---- */

/* write init_compound_tail() of the folio into every struct page of a frame
 * mapped RW at @v */
static void fill_tail_page(struct hvo_sim *sim, uint64_t folio, uint64_t v)
{
	uint64_t words[HVO_NR_PAGE_WORDS], first = (v - hvo_pfn_to_page(sim, 0)) / 64, i;
	unsigned int w;

	hvo_init_compound_tail(sim, words, hvo_pfn_to_page(sim, folio), 9, 0, HVO_ZONE_DMA32);
	for (i = 0; i < 64; i++)
		for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
			wr(sim, first + i, w, words[w]);
}

static void test_shared_tail_foreign_frame(void **state)
{
	struct base b;
	uint64_t v2, fresh, old, tail;
	struct hvo_report *rep;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	v2 = vaddr_of(b.sim, b.pfn[0], 2);
	tail = frame_at(b.sim, v2);
	/* a vmemmap frame holding a perfect copy of the tail, but not the tail */
	assert_int_equal(hvo_alloc_frames(b.sim, 0, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO, &fresh), 0);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v2, fresh, true, &old), 0);
	assert_int_equal(old, tail);
	fill_tail_page(b.sim, b.pfn[0], v2);
	assert_int_equal(hvo_vmemmap_set_ro(b.sim, v2, v2 + 4096, false), 0);
	/* the copy reads like the tail: only identity and counts give it away */
	rep = expect_v(b.sim, "shared-tail",
		       (const char *const[]){ "shared-tail-mapcount", "accounting", NULL });
	expect_pfn(rep, "shared-tail", b.pfn[0]);
	assert_true(hvo_report_has(rep, "shared-tail-mapcount") > 0);
	expect_pfn(rep, "shared-tail-mapcount", tail);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v2, tail, false, NULL), 0);
	hvo_flush_tlb_all(b.sim);
	assert_int_equal(hvo_free_frames(b.sim, fresh, 0), 0);
	base_done(&b);
}

static void test_shared_tail_orphan(void **state)
{
	struct base b;
	uint64_t orphan;
	struct hvo_report *rep;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	/* a second shared tail frame that no slot publishes */
	assert_int_equal(hvo_alloc_frames(b.sim, 0, 0, HVO_KIND_SHARED_TAIL, HVO_GFP_ZERO,
					  &orphan), 0);
	rep = expect_v(b.sim, "shared-tail", NONE_ELSE);
	expect_pfn(rep, "shared-tail", UINT64_MAX);
	scratch_free(rep);
	assert_int_equal(hvo_free_frames(b.sim, orphan, 0), 0);
	base_done(&b);
}

/* ---- shared-tail-mapcount ---- */

static void test_shared_tail_mapcount(void **state)
{
	struct base b;
	uint64_t tail, v1, old;
	struct hvo_report *rep;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	tail = frame_at(b.sim, vaddr_of(b.sim, b.pfn[0], 1));
	assert_int_equal(frinfo(b.sim, tail).vmap_count, 14);
	/* an unoptimized folio maps the tail too: its struct pages still read
	 * right (same order, same zone), but the tail is mapped once too often */
	assert_int_equal(hvo_folio_restore(b.sim, b.pfn[1]), 0);
	check_clean(b.sim, "one folio restored");
	v1 = vaddr_of(b.sim, b.pfn[1], 1);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v1, tail, true, &old), 0);
	assert_int_equal(frinfo(b.sim, tail).vmap_count, 8);
	rep = expect_v(b.sim, "shared-tail-mapcount", (const char *const[]){ "accounting", NULL });
	expect_pfn(rep, "shared-tail-mapcount", tail);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v1, old, true, NULL), 0);
	base_done(&b);
}

/* ---- frame-ownership ---- */

static void test_frame_ownership(void **state)
{
	struct base b;
	uint64_t va, vb, fb, old;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	if (scheme_of(state) == HVO_SCHEME_NONE) {
		/* PMD leaves: split them so one page can be remapped */
		assert_int_equal(hvo_vmemmap_split_pmd(b.sim, vaddr_of(b.sim, b.pfn[0], 0),
						       true), 0);
		assert_int_equal(hvo_vmemmap_split_pmd(b.sim, vaddr_of(b.sim, b.pfn[1], 0),
						       true), 0);
		check_clean(b.sim, "after splitting");
		/* folio A's page 3 onto folio B's head frame */
		va = vaddr_of(b.sim, b.pfn[0], 3);
		vb = vaddr_of(b.sim, b.pfn[1], 0);
		fb = frame_at(b.sim, vb);
		assert_int_equal(hvo_vmemmap_set_pte(b.sim, va, fb, true, &old), 0);
		/* A's tails 192.. now read B's head and tails: anything goes */
		rep = expect_v(b.sim, "frame-ownership",
			       (const char *const[]){ "accounting", "encoding", "compound-head",
						      "tail-flag", "fake-head", "tail-refcount",
						      "tail-node-zone", "tail-mapping", "head",
						      NULL });
	} else {
		/* an optimized folio A's head page onto B's private head copy; in
		 * fake-head A's head then reads as a fake head of B */
		va = vaddr_of(b.sim, b.pfn[0], 0);
		vb = vaddr_of(b.sim, b.pfn[1], 0);
		fb = frame_at(b.sim, vb);
		assert_int_equal(hvo_vmemmap_set_pte(b.sim, va, fb, true, &old), 0);
		rep = expect_v(b.sim, "frame-ownership",
			       (const char *const[]){ "accounting", "layout", "encoding",
						      "compound-head", "head", NULL });
	}
	assert_true(rep->v[0].pfn == b.pfn[0] || rep->v[0].pfn == b.pfn[1] ||
		    rep->v[0].pfn == UINT64_MAX);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, va, old, true, NULL), 0);
	hvo_flush_tlb_all(b.sim);
	base_done(&b);
}

/* ---- static-key (internal: nothing public moves it) ---- */

static void test_static_key(void **state)
{
	struct base b;
	int64_t saved;
	uint64_t kpf;
	struct hvo_report *rep;

	(void)state;
	base_new(&b, HVO_SCHEME_FAKE_HEAD);
	saved = atomic_load(&b.sim->c.static_key_count);
	assert_int_equal(saved, 2);
	atomic_store(&b.sim->c.static_key_count, saved + 1);
	rep = expect_v(b.sim, "static-key", NONE_ELSE);
	expect_pfn(rep, "static-key", UINT64_MAX);
	scratch_free(rep);
	/* key off with optimized folios: page_fixed_fake_head() stops looking,
	 * every PAGE_SIZE-aligned alias is a head again */
	atomic_store(&b.sim->c.static_key_count, 0);
	assert_int_equal(hvo_page_head(b.sim, hvo_pfn_to_page(b.sim, b.pfn[0] + 64)), 1);
	assert_int_equal(hvo_kpageflags(b.sim, b.pfn[0] + 64, &kpf), 0);
	assert_true(kpf & (1ull << HVO_KPF_COMPOUND_HEAD));
	rep = expect_v(b.sim, "static-key",
		       (const char *const[]){ "fake-head", "tail-flag", "compound-head", NULL });
	assert_true(hvo_report_has(rep, "fake-head") > 0);
	scratch_free(rep);
	atomic_store(&b.sim->c.static_key_count, saved);
	base_done(&b);
}

/* ---- accounting ---- */

static void test_accounting(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_report *rep;
	uint64_t pfn = 0x4000, vx, vy, fy, old;

	(void)state;
	/* public: one vmemmap frame mapped at two addresses, the other unmapped:
	 * memmap_pages no longer counts what the page table maps */
	cfg_make(&c, 12, 64, HVO_SCHEME_NONE, 1, 1 * GiB);
	sim = sim_new(&c);
	vx = vaddr_of(sim, pfn, 0);
	vy = vaddr_of(sim, pfn, 1);
	assert_int_equal(hvo_vmemmap_split_pmd(sim, vx, true), 0);
	check_clean(sim, "after the split");
	fy = frame_at(sim, vy);
	assert_int_equal(hvo_vmemmap_set_pte(sim, vx, fy, true, &old), 0);
	rep = expect_v(sim, "accounting", NONE_ELSE);
	expect_pfn(rep, "accounting", UINT64_MAX);
	assert_non_null(strstr(rep->v[0].where, "memmap"));
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_pte(sim, vx, old, true, NULL), 0);
	check_clean(sim, "mapping back");
	sim_done(sim);
}

static void test_accounting_counters(void **state)
{
	struct base b;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	/* internal: the optimized-folio counter disagrees with the folios */
	atomic_fetch_add(&b.sim->c.optimized_folios, 1);
	expect_only(b.sim, "accounting", NONE_ELSE);
	atomic_fetch_sub(&b.sim->c.optimized_folios, 1);
	check_clean(b.sim, "counter back");
	/* and the memmap counter */
	atomic_fetch_add(&b.sim->c.memmap_pages, 1);
	expect_only(b.sim, "accounting", NONE_ELSE);
	atomic_fetch_sub(&b.sim->c.memmap_pages, 1);
	base_done(&b);
}

/* ---- vmemmap-pages ---- */

static void test_vmemmap_pages(void **state)
{
	struct base b;
	uint64_t priv = 0, head;
	struct hvo_hstate_info hi;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	hi = hinfo(b.sim, b.h);
	assert_int_equal(hi.vmemmap_pages_freed - hi.vmemmap_pages_restored, 2 * 7);
	/* internal: the walk freed a page more than it should have */
	atomic_fetch_add(&b.sim->hugetlb->hs[b.h].vmemmap_freed, 1);
	rep = expect_v(b.sim, "vmemmap-pages", NONE_ELSE);
	expect_pfn(rep, "vmemmap-pages", UINT64_MAX);
	assert_non_null(strstr(rep->v[0].where, "hugepages-2048kB"));
	scratch_free(rep);
	atomic_fetch_sub(&b.sim->hugetlb->hs[b.h].vmemmap_freed, 1);
	check_clean(b.sim, "counter back");

	/* public: a restored folio whose head says it is optimized (its own
	 * RW frames still mapped): the pages it claims were never freed */
	assert_int_equal(hvo_folio_restore(b.sim, b.pfn[1]), 0);
	check_clean(b.sim, "one folio restored");
	head = hvo_pfn_to_page(b.sim, b.pfn[1]);
	assert_int_equal(hvo_page_read(b.sim, head, HVO_PW_PRIVATE, &priv), 0);
	wr(b.sim, b.pfn[1], HVO_PW_PRIVATE, priv | (1ull << HVO_HPG_vmemmap_optimized));
	rep = expect_v(b.sim, "vmemmap-pages",
		       (const char *const[]){ "layout", "shared-tail", "read-only",
					      "shared-tail-mapcount", "accounting",
					      "static-key", NULL });
	scratch_free(rep);
	wr(b.sim, b.pfn[1], HVO_PW_PRIVATE, priv);
	base_done(&b);
}

/* boot HVO pages count as freed, demote balances each hstate on its own */
static void test_vmemmap_pages_boot_demote(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim;
	unsigned int h1, h2;
	uint64_t done = 0;

	cfg_make(&c, 12, 64, scheme_of(state), 1, 3 * GiB);
	c.boot_gigantic[0] = 2;
	sim = sim_new(&c);
	h1 = hstate_of(sim, 1 * GiB);
	h2 = hstate_of(sim, 2 * MiB);
	check_clean(sim, "booted");
	assert_int_equal(hinfo(sim, h1).vmemmap_pages_freed,
			 scheme_of(state) == HVO_SCHEME_NONE ? 0 : 2 * 4095);
	assert_int_equal(hvo_demote(sim, h1, h2, 0, 1, &done), 0);
	assert_int_equal(done, 1);
	check_clean(sim, "one demoted");
	if (scheme_of(state) != HVO_SCHEME_NONE) {
		assert_int_equal(hinfo(sim, h1).vmemmap_pages_restored, 4095);
		assert_int_equal(hinfo(sim, h2).vmemmap_pages_freed, 512 * 7);
	}
	assert_int_equal(hvo_pool_shrink(sim, h2, 0, 512, NULL), 0);
	assert_int_equal(hvo_pool_shrink(sim, h1, 0, 1, NULL), 0);
	check_clean(sim, "emptied");
	sim_done(sim);
}

/* ---- free-lists ---- */

static void test_free_lists(void **state)
{
	struct base b;
	struct hvo_frame_info fi;
	uint64_t head, prev;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	/* a folio's block back in the buddy: its head's struct page exists */
	assert_int_equal(hvo_folio_dissolve(b.sim, b.pfn[1]), 0);
	check_clean(b.sim, "one dissolved");
	assert_int_equal(hvo_frame_info(b.sim, b.pfn[1], &fi), 0);
	head = fi.head_pfn;
	assert_int_equal(hvo_frame_info(b.sim, head, &fi), 0);
	assert_true(fi.buddy);
	/* ->lru.prev no longer where the buddy's list says */
	prev = rd(b.sim, head, HVO_PW_LRU_PREV);
	wr(b.sim, head, HVO_PW_LRU_PREV, prev + 64);
	rep = expect_v(b.sim, "free-lists", NONE_ELSE);
	expect_pfn(rep, "free-lists", head);
	scratch_free(rep);
	/* PageBuddy gone */
	wr(b.sim, head, HVO_PW_LRU_PREV, prev);
	check_clean(b.sim, "link back");
	wr(b.sim, head, HVO_PW_COUNTS, HVO_MAPCOUNT_NONE);
	expect_only(b.sim, "free-lists", NONE_ELSE);
	wr(b.sim, head, HVO_PW_COUNTS, 0xf0000000ull);
	check_clean(b.sim, "PageBuddy back");
	/* and the pool shrinks by the other one only */
	assert_int_equal(hvo_pool_shrink(b.sim, b.h, 0, 1, NULL), 0);
	check_clean(b.sim, "emptied");
	sim_done(b.sim);
}

/* ---- pgtable-frames ---- */

static void test_pgtable_frames(void **state)
{
	struct base b;
	struct hvo_sim *sim;
	struct hvo_config c;
	struct hvo_report *rep;
	uint64_t lost;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	/* internal: a table allocated at the page-table site and never linked */
	assert_int_equal(hvo__alloc(b.sim, HVO_SITE_PGTABLE, 0, -1, 0, HVO_KIND_PGTABLE,
				    HVO_GFP_ZERO, &lost), 0);
	assert_int_equal(frinfo(b.sim, lost).kind, HVO_KIND_PGTABLE);
	rep = expect_v(b.sim, "pgtable-frames", NONE_ELSE);
	expect_pfn(rep, "pgtable-frames", UINT64_MAX);
	scratch_free(rep);
	/* not the harness's to free: a machine table */
	assert_int_equal(hvo_free_frames(b.sim, lost, 0), -EBUSY);
	assert_int_equal(hvo__free(b.sim, lost, 0, false), 0);
	base_done(&b);

	/* and hvo_sim_destroy() reports it as a leak */
	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	assert_int_equal(hvo__alloc(sim, HVO_SITE_PGTABLE, 0, -1, 0, HVO_KIND_PGTABLE,
				    HVO_GFP_ZERO, &lost), 0);
	assert_int_equal(hvo_sim_destroy(sim), 1);
}

/* ---- pool ---- */

static void test_pool(void **state)
{
	struct base b;
	uint64_t head, used = 0;
	struct hvo_report *rep;

	base_new(&b, scheme_of(state));
	/* a free folio with a reference */
	head = hvo_pfn_to_page(b.sim, b.pfn[0]);
	assert_int_equal(hvo_page_ref_add(b.sim, head, 1, NULL), 0);
	rep = expect_v(b.sim, "pool", NONE_ELSE);
	expect_pfn(rep, "pool", b.pfn[0]);
	scratch_free(rep);
	assert_int_equal(hvo_page_ref_add(b.sim, head, -1, NULL), 0);
	check_clean(b.sim, "reference dropped");

	/* a folio in use without one */
	assert_int_equal(hvo_folio_alloc(b.sim, b.h, 0, &used), 0);
	check_clean(b.sim, "folio in use");
	assert_int_equal(hvo_page_ref_add(b.sim, hvo_pfn_to_page(b.sim, used), -1, NULL), 0);
	rep = expect_v(b.sim, "pool", NONE_ELSE);
	expect_pfn(rep, "pool", used);
	scratch_free(rep);
	assert_int_equal(hvo_page_ref_add(b.sim, hvo_pfn_to_page(b.sim, used), 1, NULL), 0);
	assert_int_equal(hvo_folio_put(b.sim, used), 0);
	check_clean(b.sim, "folio back");

	/* internal: the hstate's counters disagree with its folios */
	pthread_mutex_lock(&b.sim->hugetlb->lock);
	b.sim->hugetlb->hs[b.h].free++;
	pthread_mutex_unlock(&b.sim->hugetlb->lock);
	rep = expect_v(b.sim, "pool", NONE_ELSE);
	expect_pfn(rep, "pool", UINT64_MAX);
	scratch_free(rep);
	pthread_mutex_lock(&b.sim->hugetlb->lock);
	b.sim->hugetlb->hs[b.h].free--;
	pthread_mutex_unlock(&b.sim->hugetlb->lock);
	base_done(&b);
}

/* ---- clean machines report nothing ---- */

struct variant {
	enum hvo_scheme scheme;
	enum hvo_tail_scope scope;
};

static void test_clean_machines(void **state)
{
	static const struct variant vs[] = {
		{ HVO_SCHEME_NONE, HVO_SCOPE_ZONE },
		{ HVO_SCHEME_FAKE_HEAD, HVO_SCOPE_ZONE },
		{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_ZONE },
		{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_NODE },
		{ HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_HSTATE },
	};
	struct hvo_config c;
	struct hvo_sim *sim;
	struct hvo_report *rep;
	int64_t n;
	uint64_t used;
	unsigned int h2, h1;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(vs); i++) {
		cfg_make(&c, 12, 64, vs[i].scheme, 1, 2 * GiB);
		c.tail_scope = vs[i].scope;
		c.boot_gigantic[0] = 1;
		sim = sim_new(&c);
		h2 = (unsigned int)hvo_hstate_find(sim, 2 * MiB);
		h1 = (unsigned int)hvo_hstate_find(sim, 1 * GiB);
		rep = report_of(sim, &n);
		assert_int_equal(n, 0);
		assert_int_equal(rep->folios, 1);	/* the boot page */
		assert_true(rep->pages > 0);
		scratch_free(rep);
		assert_int_equal(hvo_pool_grow(sim, h2, 0, 4, NULL), 0);
		assert_int_equal(hvo_folio_alloc(sim, h2, 0, &used), 0);
		rep = report_of(sim, &n);
		if (n)
			print_report(rep);
		assert_int_equal(n, 0);
		assert_int_equal(rep->folios, 5);
		scratch_free(rep);
		assert_int_equal(hvo_folio_put(sim, used), 0);
		assert_int_equal(hvo_pool_shrink(sim, h2, 0, 4, NULL), 0);
		assert_int_equal(hvo_pool_shrink(sim, h1, 0, 1, NULL), 0);
		check_clean(sim, "emptied");
		sim_done(sim);
	}
}

/* ---- a zero-filled tail (boot tails before hugetlb_vmemmap_init_tails()) ---- */

static void test_zero_filled_tail(void **state)
{
	struct base b;
	uint64_t v1, zero, tail, t, page, kpf;
	struct hvo_report *rep;

	(void)state;
	base_new(&b, HVO_SCHEME_SHARED_TAIL);
	v1 = vaddr_of(b.sim, b.pfn[0], 1);
	assert_int_equal(hvo_alloc_frames(b.sim, 0, 0, HVO_KIND_VMEMMAP, HVO_GFP_ZERO, &zero), 0);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v1, zero, false, &tail), 0);
	t = b.pfn[0] + 64;
	page = hvo_pfn_to_page(b.sim, t);
	assert_int_equal(rd(b.sim, t, HVO_PW_COMPOUND_INFO), 0);
	assert_int_equal(hvo_page_tail(b.sim, page), 0);
	assert_int_equal(hvo_compound_head(b.sim, page), page);
	/* /proc/kpageflags: neither head nor tail, not huge: the selftest fails */
	assert_int_equal(hvo_kpageflags(b.sim, t, &kpf), 0);
	assert_int_equal(kpf & ((1ull << HVO_KPF_COMPOUND_HEAD) | (1ull << HVO_KPF_COMPOUND_TAIL) |
				(1ull << HVO_KPF_HUGE)), 0);
	rep = expect_v(b.sim, "tail-flag",
		       (const char *const[]){ "encoding", "compound-head", "shared-tail",
					      "shared-tail-mapcount", "accounting",
					      "tail-node-zone", "tail-mapping", NULL });
	assert_true(hvo_report_has(rep, "encoding") > 0);
	assert_true(hvo_report_has(rep, "compound-head") > 0);
	assert_true(hvo_report_has(rep, "shared-tail") > 0);
	expect_pfn(rep, "tail-flag", b.pfn[0]);
	scratch_free(rep);
	assert_int_equal(hvo_vmemmap_set_pte(b.sim, v1, tail, false, NULL), 0);
	hvo_flush_tlb_all(b.sim);
	assert_int_equal(hvo_free_frames(b.sim, zero, 0), 0);
	base_done(&b);
}

static int tracked_setup(void **state)
{
	(void)state;
	sim_check_mode = HVO_CHECK_VERIFY;
	return 0;
}

static int tracked_teardown(void **state)
{
	sim_check_mode = HVO_CHECK_FULL;
	return cleanup(state);
}

#define S(fn, s) { .name = #fn "/" #s, .test_func = fn, .teardown_func = cleanup, \
		   .initial_state = (void *)&(s) }
#define CT(fn) cmocka_unit_test_teardown(fn, cleanup)

int main(void)
{
	const struct CMUnitTest tests[] = {
		S(test_encoding, s_shared),
		S(test_encoding, s_fake),
		S(test_compound_head, s_shared),
		S(test_compound_head, s_fake),
		S(test_head, s_shared),
		S(test_head, s_fake),
		S(test_fake_head, s_shared),
		S(test_fake_head, s_fake),
		S(test_tail_flag, s_shared),
		S(test_tail_flag, s_fake),
		S(test_tail_refcount, s_shared),
		S(test_tail_refcount, s_fake),
		S(test_tail_mapping, s_shared),
		S(test_tail_mapping, s_fake),
		S(test_tail_mapping, s_none),
		S(test_tail_node_zone, s_shared),
		S(test_tail_node_zone, s_fake),
		CT(test_tail_node_zone_hstate_scope),
		CT(test_alignment),
		S(test_layout, s_shared),
		S(test_layout, s_fake),
		S(test_read_only, s_shared),
		S(test_read_only, s_fake),
		S(test_tail_writes_fault, s_shared),
		S(test_tail_writes_fault, s_fake),
		CT(test_shared_tail_foreign_frame),
		CT(test_shared_tail_orphan),
		CT(test_shared_tail_mapcount),
		S(test_frame_ownership, s_none),
		S(test_frame_ownership, s_shared),
		S(test_frame_ownership, s_fake),
		CT(test_static_key),
		CT(test_accounting),
		CT(test_accounting_counters),
		S(test_vmemmap_pages, s_shared),
		S(test_vmemmap_pages, s_fake),
		S(test_vmemmap_pages_boot_demote, s_shared),
		S(test_vmemmap_pages_boot_demote, s_fake),
		S(test_vmemmap_pages_boot_demote, s_none),
		CT(test_pgtable_frames),
		S(test_free_lists, s_shared),
		S(test_free_lists, s_fake),
		S(test_free_lists, s_none),
		S(test_pool, s_shared),
		S(test_pool, s_fake),
		S(test_pool, s_none),
		CT(test_clean_machines),
		CT(test_zero_filled_tail),
	};

	enum { N = sizeof(tests) / sizeof(tests[0]) };
	struct CMUnitTest all[2 * N];
	static char names[N][96];
	size_t i;

	/* each test again with hvo_check_track(): every check it makes must
	 * report what the full check reports (HVO_CHECK_VERIFY adds "track"
	 * if not), with only the changes since the last check to go by */
	for (i = 0; i < N; i++) {
		all[i] = tests[i];
		all[N + i] = tests[i];
		snprintf(names[i], sizeof(names[i]), "%s/tracked", tests[i].name);
		all[N + i].name = names[i];
		all[N + i].setup_func = tracked_setup;
		all[N + i].teardown_func = tracked_teardown;
	}
	return cmocka_run_group_tests_name("hvo_invariants", all, NULL, NULL);
}
