// SPDX-License-Identifier: MIT
/*
 * test_api_badinput.c - the whole public API against bad input, one table
 * row per exported function (issue 8.2, 8.3, 8.4), the schedule explorer's
 * (explore.h, snapshot.h) included.
 *
 * The rule (hvosim.h, README "Using the library"): a NULL pointer argument
 * or an out-of-range node, zone, hstate, order, pfn or enum value makes an
 * errno-returning call fail with -EINVAL (-ERANGE for a pfn where its
 * kerneldoc says so), and any other call return its documented failure
 * value (NULL, 0, false, "?", nothing); either way hvo_last_error() names
 * the argument, and nothing changes: the machine's counters, its fault log,
 * the checker's verdict, the caller's output arguments.
 *
 * The list of functions is the linker map (argv[1]): a function exported
 * without a row here fails the test, and so does a row for a function that
 * is not exported.  Before each call the thread's last error is set to a
 * sentinel, so a call that fails without setting it is caught too.
 */
#include "hvotest.h"

#define CANARY 0x5a5a5a5a5a5a5a5aull

static char sentinel[512];	/* the message prime() leaves */
static int failures;		/* of test_rows: every row runs, then it fails */

/* a broken promise: printed, counted, and the rows go on */
#define miss(...)                                                            \
	do {                                                                 \
		print_message("# " __VA_ARGS__);                             \
		print_message("\n");                                         \
		failures++;                                                  \
	} while (0)

struct bx {
	struct hvo_sim *sim;
	const struct hvo_geometry *g;
	unsigned int h2m, h1g, nh;	/* hstate indexes, their count */
	uint64_t pool_pfn;		/* a free 2M pool folio */
	uint64_t page;			/* a valid struct page */
	uint64_t bad_page;		/* one past the last struct page */
	uint64_t npfn;			/* nr_pfns: the first pfn beyond */
	const char *row;		/* the row running, for messages */
};

/* put a known message in hvo_last_error() */
static void prime(void)
{
	assert_true(hvo_site_parse("#sentinel#") < 0);
	snprintf(sentinel, sizeof(sentinel), "%s", hvo_last_error());
}

/* the call set a message of its own, and it names @needle */
static void names(struct bx *b, const char *call, const char *needle)
{
	const char *m = hvo_last_error();

	if (!strcmp(m, sentinel))
		miss("%s: %s failed without setting hvo_last_error()", b->row, call);
	else if (!strstr(m, needle))
		miss("%s: %s: hvo_last_error() \"%s\" does not name \"%s\"", b->row, call, m,
		     needle);
}

static void check_err(struct bx *b, const char *call, int64_t got, int64_t want,
		      const char *needle)
{
	if (got != want)
		miss("%s: %s returned %" PRId64 ", expected %" PRId64 " (%s)", b->row, call, got,
		     want, hvo_last_error());
	names(b, call, needle);
}

static void check_val(struct bx *b, const char *call, uint64_t got, uint64_t want,
		      const char *needle)
{
	if (got != want)
		miss("%s: %s returned %#" PRIx64 ", expected %#" PRIx64, b->row, call, got, want);
	names(b, call, needle);
}

static void check_str(struct bx *b, const char *call, const char *got, const char *needle)
{
	if (!got || strcmp(got, "?"))
		miss("%s: %s returned \"%s\", expected \"?\"", b->row, call, got ? got : "NULL");
	names(b, call, needle);
}

/* an errno-returning call: its return and the message */
#define ERR(want, needle, call)                                              \
	do {                                                                 \
		prime();                                                     \
		check_err(b, #call, (int64_t)(call), (want), (needle));      \
	} while (0)
/* a call whose failure value is a number (0, false) */
#define VAL(want, needle, call)                                              \
	do {                                                                 \
		prime();                                                     \
		check_val(b, #call, (uint64_t)(call), (uint64_t)(want), (needle)); \
	} while (0)
/* a call whose failure value is a NULL pointer */
#define NUL(needle, call)                                                    \
	do {                                                                 \
		prime();                                                     \
		check_val(b, #call, (uint64_t)(uintptr_t)(call), 0, (needle)); \
	} while (0)
/* a name lookup whose failure value is "?" */
#define STR(needle, call)                                                    \
	do {                                                                 \
		prime();                                                     \
		check_str(b, #call, (call), (needle));                       \
	} while (0)
/* a void call that refuses its arguments */
#define VOID(needle, call)                                                   \
	do {                                                                 \
		prime();                                                     \
		call;                                                        \
		names(b, #call, (needle));                                   \
	} while (0)
/* anything else the rule promises */
#define EXPECT(cond)                                                         \
	do {                                                                 \
		if (!(cond))                                                 \
			miss("%s: expected %s", b->row, #cond);              \
	} while (0)

/* an output argument the refused call must not have written */
#define UNTOUCHED(x)                                                         \
	do {                                                                 \
		if ((uint64_t)(x) != CANARY)                                 \
			miss("%s: %s was written by a refused call", b->row, #x); \
	} while (0)

/* ---- error.h, version.h: no arguments ---- */

static void r_last_error(struct bx *b)
{
	(void)b;
	assert_non_null(hvo_last_error());
}

static void r_thread_id(struct bx *b)
{
	(void)b;
	assert_true(hvo_thread_id() > 0);
}

static void r_version(struct bx *b)
{
	(void)b;
	assert_non_null(hvo_version());
}

/* ---- config.h ---- */

static void r_config_init(struct bx *b)
{
	VOID("cfg is NULL", hvo_config_init(NULL));
}

static void r_config_validate(struct bx *b)
{
	ERR(-EINVAL, "cfg is NULL", hvo_config_validate(NULL));
}

static void r_scheme_name(struct bx *b)
{
	STR("scheme 3", hvo_scheme_name((enum hvo_scheme)3));
	STR("scheme -1", hvo_scheme_name((enum hvo_scheme)-1));
}

static void r_config_set(struct bx *b)
{
	struct hvo_config c, before;

	hvo_config_init(&c);
	before = c;
	ERR(-EINVAL, "cfg is NULL", hvo_config_set(NULL, "seed", "1"));
	ERR(-EINVAL, "key is NULL", hvo_config_set(&c, NULL, "1"));
	ERR(-EINVAL, "value is NULL", hvo_config_set(&c, "seed", NULL));
	ERR(-EINVAL, "key 'no-such-key'", hvo_config_set(&c, "no-such-key", "1"));
	/* values no config can ever hold are refused at once (issue 8.8) */
	ERR(-EINVAL, "page-shift", hvo_config_set(&c, "page-shift", "13"));
	ERR(-EINVAL, "page-shift", hvo_config_set(&c, "page-shift", "10"));
	ERR(-EINVAL, "struct-page-size", hvo_config_set(&c, "struct-page-size", "60"));
	ERR(-EINVAL, "struct-page-size", hvo_config_set(&c, "struct-page-size", "264"));
	ERR(-EINVAL, "nodes", hvo_config_set(&c, "nodes", "9"));
	ERR(-EINVAL, "nodes", hvo_config_set(&c, "nodes", "0"));
	ERR(-EINVAL, "fault-log-size", hvo_config_set(&c, "fault-log-size", "0"));
	ERR(-EINVAL, "mem", hvo_config_set(&c, "mem", "100M"));
	ERR(-EINVAL, "mem", hvo_config_set(&c, "mem", "0"));
	ERR(-EINVAL, "movable", hvo_config_set(&c, "movable", "1000"));
	ERR(-EINVAL, "boot-gigantic-size", hvo_config_set(&c, "boot-gigantic-size", "3M"));
	ERR(-EINVAL, "scheme", hvo_config_set(&c, "scheme", "bogus"));
	EXPECT(!memcmp(&c, &before, sizeof(c)));
}

static void r_parse_size(struct bx *b)
{
	uint64_t v = CANARY;

	ERR(-EINVAL, "s is NULL", hvo_parse_size(NULL, &v));
	ERR(-EINVAL, "out is NULL", hvo_parse_size("4G", NULL));
	ERR(-EINVAL, "''", hvo_parse_size("", &v));
	ERR(-EINVAL, "'-4G'", hvo_parse_size("-4G", &v));
	ERR(-EINVAL, "' 4G'", hvo_parse_size(" 4G", &v));
	ERR(-EINVAL, "'99999999999T'", hvo_parse_size("99999999999T", &v));
	ERR(-EINVAL, "'99999999999999999999'", hvo_parse_size("99999999999999999999", &v));
	ERR(-EINVAL, "'4Q'", hvo_parse_size("4Q", &v));
	ERR(-EINVAL, "'4Gx'", hvo_parse_size("4Gx", &v));
	UNTOUCHED(v);
}

/* ---- sched.h ---- */

static void hook(void *ctx, enum hvo_yield_point p, uint64_t a)
{
	(void)ctx;
	(void)p;
	(void)a;
}

static void r_sim_set_yield_hook(struct bx *b)
{
	VOID("sim is NULL", hvo_sim_set_yield_hook(NULL, hook, NULL));
}

static void r_yield_point_name(struct bx *b)
{
	STR("point", hvo_yield_point_name(HVO_NR_YIELD_POINTS));
	STR("point", hvo_yield_point_name((enum hvo_yield_point)-1));
}

/* ---- fault.h ---- */

static void r_site_name(struct bx *b)
{
	STR("site", hvo_site_name(HVO_NR_SITES));
}

static void r_site_parse(struct bx *b)
{
	ERR(-EINVAL, "name is NULL", hvo_site_parse(NULL));
	ERR(-EINVAL, "name 'nosuch'", hvo_site_parse("nosuch"));
}

static void r_fail_set(struct bx *b)
{
	struct hvo_fail_spec s = { .site = HVO_SITE_GENERIC, .nth = 1 };

	ERR(-EINVAL, "sim is NULL", hvo_fail_set(NULL, &s));
	ERR(-EINVAL, "spec is NULL", hvo_fail_set(b->sim, NULL));
	s.site = HVO_NR_SITES;
	ERR(-EINVAL, "spec->site", hvo_fail_set(b->sim, &s));
	s.site = HVO_SITE_GENERIC;
	s.probability = 1.5;
	ERR(-EINVAL, "spec->probability", hvo_fail_set(b->sim, &s));
}

static void r_fail_clear(struct bx *b)
{
	VOID("sim is NULL", hvo_fail_clear(NULL));
}

static void r_fail_injected(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_fail_injected(NULL));
}

static void r_fault_log_count(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_fault_log_count(NULL));
}

static void r_fault_log_get(struct bx *b)
{
	struct hvo_fault f;

	memset(&f, 0x5a, sizeof(f));
	ERR(-EINVAL, "sim is NULL", hvo_fault_log_get(NULL, 0, &f));
	ERR(-EINVAL, "out is NULL", hvo_fault_log_get(b->sim, 0, NULL));
	/* past the end (issue 8.3): the log of this machine is empty */
	ERR(-ENOENT, "index 0", hvo_fault_log_get(b->sim, 0, &f));
	ERR(-ENOENT, "index 1000", hvo_fault_log_get(b->sim, 1000, &f));
	UNTOUCHED(f.vaddr);
}

static void r_fault_log_newest(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_fault_log_newest(NULL));
	ERR(-ENOENT, "no record", hvo_fault_log_newest(b->sim));
}

static void r_fault_log_clear(struct bx *b)
{
	VOID("sim is NULL", hvo_fault_log_clear(NULL));
}

static void r_fault_format(struct bx *b)
{
	struct hvo_fault f = { .type = HVO_FAULT_RO_WRITE };
	char buf[128];

	NUL("f is NULL", hvo_fault_format(NULL, buf, sizeof(buf)));
	NUL("buf is NULL", hvo_fault_format(&f, NULL, sizeof(buf)));
	NUL("len", hvo_fault_format(&f, buf, 0));
}

/* ---- sim.h ---- */

static void r_sim_create(struct bx *b)
{
	struct hvo_config c;
	struct hvo_sim *s = (struct hvo_sim *)&c;

	hvo_config_init(&c);
	ERR(-EINVAL, "cfg is NULL", hvo_sim_create(NULL, &s));
	EXPECT(s == NULL);
	ERR(-EINVAL, "out is NULL", hvo_sim_create(&c, NULL));
	c.page_shift = 13;
	ERR(-EINVAL, "page_shift", hvo_sim_create(&c, &s));
	EXPECT(s == NULL);
}

static void r_sim_destroy(struct bx *b)
{
	/* NULL is allowed, like free(NULL): not a failure */
	prime();
	if (hvo_sim_destroy(NULL) != 0 || strcmp(hvo_last_error(), sentinel))
		miss("%s: hvo_sim_destroy(NULL) is not the no-op it is documented to be", b->row);
}

static void r_sim_geometry(struct bx *b)
{
	NUL("sim is NULL", hvo_sim_geometry(NULL));
}

static void r_sim_config(struct bx *b)
{
	NUL("sim is NULL", hvo_sim_config(NULL));
}

static void r_sim_stats(struct bx *b)
{
	struct hvo_stats st;

	memset(&st, 0x5a, sizeof(st));
	VOID("sim is NULL", hvo_sim_stats(NULL, &st));
	UNTOUCHED(st.free_pages);
	VOID("st is NULL", hvo_sim_stats(b->sim, NULL));
}

static void r_zone_name(struct bx *b)
{
	STR("zone 3", hvo_zone_name(HVO_NR_ZONES));
	STR("zone -2", hvo_zone_name((enum hvo_zone_type)-2));
}

static void r_kind_name(struct bx *b)
{
	STR("kind", hvo_kind_name(HVO_NR_KINDS));
}

static void r_zone_span(struct bx *b)
{
	uint64_t s = CANARY, e = CANARY;
	struct hvo_sim *sim = b->sim;

	ERR(-EINVAL, "sim is NULL", hvo_zone_span(NULL, 0, HVO_ZONE_NORMAL, &s, &e));
	ERR(-EINVAL, "start is NULL", hvo_zone_span(sim, 0, HVO_ZONE_NORMAL, NULL, &e));
	ERR(-EINVAL, "end is NULL", hvo_zone_span(sim, 0, HVO_ZONE_NORMAL, &s, NULL));
	ERR(-EINVAL, "node -2", hvo_zone_span(sim, (unsigned int)-2, HVO_ZONE_NORMAL, &s, &e));
	ERR(-EINVAL, "node 2", hvo_zone_span(sim, 2, HVO_ZONE_NORMAL, &s, &e));
	ERR(-EINVAL, "zone 3", hvo_zone_span(sim, 0, HVO_NR_ZONES, &s, &e));
	ERR(-EINVAL, "zone -1", hvo_zone_span(sim, 0, (enum hvo_zone_type)-1, &s, &e));
	UNTOUCHED(s);
	UNTOUCHED(e);
}

static void r_pfn_zone(struct bx *b)
{
	unsigned int nid = 77;
	enum hvo_zone_type z = HVO_ZONE_MOVABLE;

	ERR(-EINVAL, "sim is NULL", hvo_pfn_zone(NULL, 0, &nid, &z));
	ERR(-ERANGE, "pfn", hvo_pfn_zone(b->sim, b->npfn, &nid, &z));
	ERR(-ERANGE, "pfn", hvo_pfn_zone(b->sim, UINT64_MAX, &nid, &z));
	EXPECT(nid == 77);
	EXPECT(z == HVO_ZONE_MOVABLE);
}

static void r_sim_set_timing(struct bx *b)
{
	VOID("sim is NULL", hvo_sim_set_timing(NULL, true));
}

/* ---- page_alloc.h, frames.h ---- */

static void r_frame_info(struct bx *b)
{
	struct hvo_frame_info fi;

	memset(&fi, 0x5a, sizeof(fi));
	ERR(-EINVAL, "sim is NULL", hvo_frame_info(NULL, 0, &fi));
	ERR(-EINVAL, "info is NULL", hvo_frame_info(b->sim, 0, NULL));
	ERR(-ERANGE, "pfn", hvo_frame_info(b->sim, b->npfn, &fi));
	UNTOUCHED(fi.head_pfn);
}

static void r_zone_free_pages(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_zone_free_pages(NULL, 0, HVO_ZONE_NORMAL));
	VAL(0, "node 2", hvo_zone_free_pages(b->sim, 2, HVO_ZONE_NORMAL));
	VAL(0, "node -2", hvo_zone_free_pages(b->sim, (unsigned int)-2, HVO_ZONE_NORMAL));
	VAL(0, "zone 3", hvo_zone_free_pages(b->sim, 0, HVO_NR_ZONES));
}

static void r_alloc_frames(struct bx *b)
{
	struct hvo_sim *sim = b->sim;
	uint64_t p = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_alloc_frames(NULL, 0, 0, HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "pfn is NULL", hvo_alloc_frames(sim, 0, 0, HVO_KIND_OTHER, 0, NULL));
	ERR(-EINVAL, "node -2", hvo_alloc_frames(sim, (unsigned int)-2, 0, HVO_KIND_OTHER,
						  0, &p));
	ERR(-EINVAL, "node 2", hvo_alloc_frames(sim, 2, 0, HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "order", hvo_alloc_frames(sim, 0, b->g->max_folio_order + 1,
					       HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "kind", hvo_alloc_frames(sim, 0, 0, HVO_NR_KINDS, 0, &p));
	ERR(-EINVAL, "flags", hvo_alloc_frames(sim, 0, 0, HVO_KIND_OTHER, 0x40, &p));
	UNTOUCHED(p);
}

static void r_alloc_frames_zone(struct bx *b)
{
	struct hvo_sim *sim = b->sim;
	uint64_t p = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_alloc_frames_zone(NULL, 0, HVO_ZONE_NORMAL, 0,
							  HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "pfn is NULL", hvo_alloc_frames_zone(sim, 0, HVO_ZONE_NORMAL, 0,
							  HVO_KIND_OTHER, 0, NULL));
	ERR(-EINVAL, "node 2", hvo_alloc_frames_zone(sim, 2, HVO_ZONE_NORMAL, 0,
						     HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "zone 3", hvo_alloc_frames_zone(sim, 0, HVO_NR_ZONES, 0,
						     HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "zone -1", hvo_alloc_frames_zone(sim, 0, (enum hvo_zone_type)-1, 0,
						      HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "order", hvo_alloc_frames_zone(sim, 0, HVO_ZONE_NORMAL,
						    b->g->max_folio_order + 1,
						    HVO_KIND_OTHER, 0, &p));
	ERR(-EINVAL, "kind", hvo_alloc_frames_zone(sim, 0, HVO_ZONE_NORMAL, 0,
						   HVO_NR_KINDS, 0, &p));
	ERR(-EINVAL, "flags", hvo_alloc_frames_zone(sim, 0, HVO_ZONE_NORMAL, 0,
						    HVO_KIND_OTHER, HVO_GFP_THISNODE, &p));
	UNTOUCHED(p);
}

static void r_free_frames(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_free_frames(NULL, 0, 0));
	ERR(-EINVAL, "pfn", hvo_free_frames(b->sim, b->npfn, 0));
	ERR(-EINVAL, "pfn", hvo_free_frames(b->sim, UINT64_MAX, 0));
	ERR(-EINVAL, "order", hvo_free_frames(b->sim, 0, b->g->max_folio_order + 1));
	/* a free buddy block is not an allocated one */
	ERR(-EINVAL, "pfn", hvo_free_frames(b->sim, b->npfn - 1, 0));
}

static void r_frame_bytes(struct bx *b)
{
	NUL("sim is NULL", hvo_frame_bytes(NULL, 0));
	NUL("pfn", hvo_frame_bytes(b->sim, b->npfn));
}

/* ---- page.h ---- */

static void r_pfn_to_page(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_pfn_to_page(NULL, 0));
}

static void r_page_to_pfn(struct bx *b)
{
	uint64_t pfn = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_page_to_pfn(NULL, b->page, &pfn));
	ERR(-EINVAL, "pfn is NULL", hvo_page_to_pfn(b->sim, b->page, NULL));
	ERR(-ERANGE, "page", hvo_page_to_pfn(b->sim, b->bad_page, &pfn));
	ERR(-ERANGE, "page", hvo_page_to_pfn(b->sim, 0, &pfn));
	ERR(-EINVAL, "page", hvo_page_to_pfn(b->sim, b->page + 8, &pfn));
	UNTOUCHED(pfn);
}

static void r_page_read(struct bx *b)
{
	uint64_t v = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_page_read(NULL, b->page, HVO_PW_FLAGS, &v));
	ERR(-EINVAL, "val is NULL", hvo_page_read(b->sim, b->page, HVO_PW_FLAGS, NULL));
	ERR(-EINVAL, "word 8", hvo_page_read(b->sim, b->page, HVO_NR_PAGE_WORDS, &v));
	ERR(-ERANGE, "page", hvo_page_read(b->sim, b->bad_page, HVO_PW_FLAGS, &v));
	UNTOUCHED(v);
}

static void r_page_write(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_write(NULL, b->page, HVO_PW_INDEX, 1));
	ERR(-EINVAL, "word 8", hvo_page_write(b->sim, b->page, HVO_NR_PAGE_WORDS, 1));
	ERR(-ERANGE, "page", hvo_page_write(b->sim, b->bad_page, HVO_PW_INDEX, 1));
	ERR(-EINVAL, "page", hvo_page_write(b->sim, b->page + 1, HVO_PW_INDEX, 1));
}

static void r_compound_info_value(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_compound_info_value(NULL, b->page, 9));
	VAL(0, "order", hvo_compound_info_value(b->sim, b->page, b->g->max_folio_order + 1));
}

static void r_compound_head(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_compound_head(NULL, b->page));
	VAL(0, "page", hvo_compound_head(b->sim, b->bad_page));
	VAL(0, "page", hvo_compound_head(b->sim, 0));
	VAL(0, "page", hvo_compound_head(b->sim, b->page + 8));
}

static void r_page_fixed_fake_head(struct bx *b)
{
	/* with the static key off (shared-tail) @page is returned unread, as
	 * the kernel's page_fixed_fake_head() does: only NULL is refused */
	VAL(0, "sim is NULL", hvo_page_fixed_fake_head(NULL, b->page));
}

static void r_page_head(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_head(NULL, b->page));
	ERR(-ERANGE, "page", hvo_page_head(b->sim, b->bad_page));
}

static void r_page_tail(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_tail(NULL, b->page));
	ERR(-ERANGE, "page", hvo_page_tail(b->sim, b->bad_page));
}

static void r_page_refcount(struct bx *b)
{
	int32_t v = 0x5a5a;

	ERR(-EINVAL, "sim is NULL", hvo_page_refcount(NULL, b->page, &v));
	ERR(-EINVAL, "out is NULL", hvo_page_refcount(b->sim, b->page, NULL));
	ERR(-ERANGE, "page", hvo_page_refcount(b->sim, b->bad_page, &v));
	EXPECT(v == 0x5a5a);
}

static void r_page_ref_add_unless(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_ref_add_unless(NULL, b->page, 1, 0));
	ERR(-ERANGE, "page", hvo_page_ref_add_unless(b->sim, b->bad_page, 1, 0));
}

static void r_page_ref_add(struct bx *b)
{
	int32_t v = 0x5a5a;

	ERR(-EINVAL, "sim is NULL", hvo_page_ref_add(NULL, b->page, 1, &v));
	ERR(-ERANGE, "page", hvo_page_ref_add(b->sim, b->bad_page, 1, &v));
	EXPECT(v == 0x5a5a);
}

static void r_page_ref_freeze(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_ref_freeze(NULL, b->page, 1));
	ERR(-EINVAL, "count -1", hvo_page_ref_freeze(b->sim, b->page, -1));
	ERR(-ERANGE, "page", hvo_page_ref_freeze(b->sim, b->bad_page, 1));
}

static void r_page_test_flag(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_test_flag(NULL, b->page, HVO_PG_head));
	ERR(-EINVAL, "bit 64", hvo_page_test_flag(b->sim, b->page, 64));
	ERR(-ERANGE, "page", hvo_page_test_flag(b->sim, b->bad_page, HVO_PG_head));
}

static void r_page_node_zone(struct bx *b)
{
	unsigned int nid = 77;
	enum hvo_zone_type z = HVO_ZONE_MOVABLE;

	ERR(-EINVAL, "sim is NULL", hvo_page_node_zone(NULL, b->page, &nid, &z));
	ERR(-ERANGE, "page", hvo_page_node_zone(b->sim, b->bad_page, &nid, &z));
	EXPECT(nid == 77);
	EXPECT(z == HVO_ZONE_MOVABLE);
}

static void r_prep_compound_page(struct bx *b)
{
	struct hvo_sim *sim = b->sim;

	ERR(-EINVAL, "sim is NULL", hvo_prep_compound_page(NULL, 512, 9));
	ERR(-EINVAL, "order 0", hvo_prep_compound_page(sim, 512, 0));
	ERR(-EINVAL, "order", hvo_prep_compound_page(sim, 0, b->g->max_folio_order + 1));
	ERR(-EINVAL, "pfn", hvo_prep_compound_page(sim, 513, 9));
	ERR(-ERANGE, "pfn", hvo_prep_compound_page(sim, b->npfn, 9));
}

static void r_destroy_compound_page(struct bx *b)
{
	struct hvo_sim *sim = b->sim;

	ERR(-EINVAL, "sim is NULL", hvo_destroy_compound_page(NULL, 512, 9));
	ERR(-EINVAL, "order", hvo_destroy_compound_page(sim, 512, 0));
	ERR(-EINVAL, "pfn", hvo_destroy_compound_page(sim, 513, 9));
	ERR(-ERANGE, "pfn", hvo_destroy_compound_page(sim, b->npfn, 9));
}

static void r_init_compound_tail(struct bx *b)
{
	uint64_t w[HVO_NR_PAGE_WORDS];
	unsigned int i;

	for (i = 0; i < HVO_NR_PAGE_WORDS; i++)
		w[i] = CANARY;
	VOID("sim is NULL", hvo_init_compound_tail(NULL, w, b->page, 9, 0, HVO_ZONE_NORMAL));
	VOID("words is NULL", hvo_init_compound_tail(b->sim, NULL, b->page, 9, 0,
						     HVO_ZONE_NORMAL));
	VOID("order", hvo_init_compound_tail(b->sim, w, b->page, b->g->max_folio_order + 1, 0,
					     HVO_ZONE_NORMAL));
	VOID("node 8", hvo_init_compound_tail(b->sim, w, b->page, 9, HVO_MAX_NODES,
					      HVO_ZONE_NORMAL));
	VOID("zone 3", hvo_init_compound_tail(b->sim, w, b->page, 9, 0, HVO_NR_ZONES));
	for (i = 0; i < HVO_NR_PAGE_WORDS; i++)
		UNTOUCHED(w[i]);
}

static void r_folio_get(struct bx *b)
{
	uint64_t v = CANARY, head = hvo_pfn_to_page(b->sim, b->pool_pfn);

	ERR(-EINVAL, "sim is NULL", hvo_folio_get(NULL, head, HVO_FOLIO_ORDER, &v));
	ERR(-EINVAL, "val is NULL", hvo_folio_get(b->sim, head, HVO_FOLIO_ORDER, NULL));
	ERR(-EINVAL, "field 11", hvo_folio_get(b->sim, head, HVO_NR_FOLIO_FIELDS, &v));
	ERR(-ERANGE, "page", hvo_folio_get(b->sim, b->bad_page, HVO_FOLIO_ORDER, &v));
	UNTOUCHED(v);
}

static void r_folio_set(struct bx *b)
{
	uint64_t head = hvo_pfn_to_page(b->sim, b->pool_pfn);

	ERR(-EINVAL, "sim is NULL", hvo_folio_set(NULL, head, HVO_FOLIO_PINCOUNT, 1));
	ERR(-EINVAL, "field 11", hvo_folio_set(b->sim, head, HVO_NR_FOLIO_FIELDS, 1));
	ERR(-ERANGE, "page", hvo_folio_set(b->sim, b->bad_page, HVO_FOLIO_PINCOUNT, 1));
}

static void r_page_word_present(struct bx *b)
{
	VAL(false, "sim is NULL", hvo_page_word_present(NULL, HVO_PW_FLAGS));
	VAL(false, "word 8", hvo_page_word_present(b->sim, HVO_NR_PAGE_WORDS));
}

/* ---- tlb.h, pgtable.h ---- */

static void r_flush_tlb_kernel_range(struct bx *b)
{
	VOID("sim is NULL", hvo_flush_tlb_kernel_range(NULL, 0, 4096));
}

static void r_flush_tlb_all(struct bx *b)
{
	VOID("sim is NULL", hvo_flush_tlb_all(NULL));
}

static void r_vmemmap_translate(struct bx *b)
{
	struct hvo_translation tr;

	memset(&tr, 0x5a, sizeof(tr));
	ERR(-EINVAL, "sim is NULL", hvo_vmemmap_translate(NULL, b->page, &tr));
	ERR(-EINVAL, "tr is NULL", hvo_vmemmap_translate(b->sim, b->page, NULL));
	ERR(-EFAULT, "not mapped", hvo_vmemmap_translate(b->sim, 0x1000, &tr));
	UNTOUCHED(tr.entry);
}

static void r_vmemmap_split_pmd(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_vmemmap_split_pmd(NULL, b->page, true));
	ERR(-EFAULT, "not mapped", hvo_vmemmap_split_pmd(b->sim, 0x1000, true));
}

static void r_vmemmap_set_pte(struct bx *b)
{
	uint64_t old = CANARY, v = b->page & ~(b->g->page_size - 1);

	ERR(-EINVAL, "sim is NULL", hvo_vmemmap_set_pte(NULL, v, 0, true, &old));
	ERR(-EINVAL, "page aligned", hvo_vmemmap_set_pte(b->sim, v + 64, 0, true, &old));
	ERR(-EFAULT, "not mapped", hvo_vmemmap_set_pte(b->sim, 0x1000, 0, true, &old));
	UNTOUCHED(old);
}

static void r_vmemmap_set_ro(struct bx *b)
{
	uint64_t v = b->page & ~(b->g->page_size - 1);

	ERR(-EINVAL, "sim is NULL", hvo_vmemmap_set_ro(NULL, v, v + 4096, false));
	ERR(-EINVAL, "start", hvo_vmemmap_set_ro(b->sim, v + 64, v + 4096, false));
	ERR(-EINVAL, "end", hvo_vmemmap_set_ro(b->sim, v + 4096, v, false));
}

static void r_vmemmap_range(struct bx *b)
{
	uint64_t s = CANARY, e = CANARY;

	VOID("sim is NULL", hvo_vmemmap_range(NULL, 0, 1, &s, &e));
	VOID("start is NULL", hvo_vmemmap_range(b->sim, 0, 1, NULL, &e));
	VOID("end is NULL", hvo_vmemmap_range(b->sim, 0, 1, &s, NULL));
	UNTOUCHED(s);
	UNTOUCHED(e);
}

/* ---- hugetlb.h ---- */

static void r_hstate_count(struct bx *b)
{
	VAL(0, "sim is NULL", hvo_hstate_count(NULL));
}

static void r_hstate_info(struct bx *b)
{
	struct hvo_hstate_info hi;

	memset(&hi, 0x5a, sizeof(hi));
	ERR(-EINVAL, "sim is NULL", hvo_hstate_info(NULL, 0, &hi));
	ERR(-EINVAL, "info is NULL", hvo_hstate_info(b->sim, 0, NULL));
	ERR(-EINVAL, "hstate", hvo_hstate_info(b->sim, b->nh, &hi));
	UNTOUCHED(hi.bytes);
}

static void r_hstate_find(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_hstate_find(NULL, 2 * MiB));
	ERR(-ENOENT, "bytes 3145728", hvo_hstate_find(b->sim, 3 * MiB));
}

/* the per-node pool calls share one shape */
#define POOL_ROW(fn)                                                         \
	static void r_##fn(struct bx *b)                                     \
	{                                                                    \
		uint64_t d = CANARY;                                         \
		ERR(-EINVAL, "sim is NULL", hvo_##fn(NULL, b->h2m, 0, 1, &d)); \
		ERR(-EINVAL, "hstate", hvo_##fn(b->sim, b->nh, 0, 1, &d));   \
		ERR(-EINVAL, "node -2", hvo_##fn(b->sim, b->h2m, (unsigned int)-2, 1, &d)); \
		ERR(-EINVAL, "node -1", hvo_##fn(b->sim, b->h2m, (unsigned int)-1, 1, &d)); \
		ERR(-EINVAL, "node 2", hvo_##fn(b->sim, b->h2m, 2, 1, &d));  \
		UNTOUCHED(d);                                                \
	}
POOL_ROW(pool_resize)
POOL_ROW(pool_grow)
POOL_ROW(pool_shrink)

static void r_pool_grow_zone(struct bx *b)
{
	uint64_t d = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_pool_grow_zone(NULL, b->h2m, 0, HVO_ZONE_NORMAL, 1, &d));
	ERR(-EINVAL, "hstate", hvo_pool_grow_zone(b->sim, b->nh, 0, HVO_ZONE_NORMAL, 1, &d));
	ERR(-EINVAL, "node -2", hvo_pool_grow_zone(b->sim, b->h2m, (unsigned int)-2,
						    HVO_ZONE_NORMAL, 1, &d));
	ERR(-EINVAL, "node 2", hvo_pool_grow_zone(b->sim, b->h2m, 2, HVO_ZONE_NORMAL, 1, &d));
	ERR(-EINVAL, "zone 3", hvo_pool_grow_zone(b->sim, b->h2m, 0, HVO_NR_ZONES, 1, &d));
	ERR(-EINVAL, "zone -2", hvo_pool_grow_zone(b->sim, b->h2m, 0, -2, 1, &d));
	/* a gigantic hstate is not movable (hugepage_movable_supported()) */
	ERR(-EINVAL, "not movable", hvo_pool_grow_zone(b->sim, b->h1g, 1, HVO_ZONE_MOVABLE,
							1, &d));
	UNTOUCHED(d);
}

static void r_pool_set_overcommit(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_pool_set_overcommit(NULL, b->h2m, 1));
	ERR(-EINVAL, "hstate", hvo_pool_set_overcommit(b->sim, b->nh, 1));
}

static void r_folio_alloc(struct bx *b)
{
	uint64_t p = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_folio_alloc(NULL, b->h2m, -1, &p));
	ERR(-EINVAL, "pfn is NULL", hvo_folio_alloc(b->sim, b->h2m, -1, NULL));
	ERR(-EINVAL, "hstate", hvo_folio_alloc(b->sim, b->nh, -1, &p));
	/* issue 8.4: -1 is any node, -2 is no node */
	ERR(-EINVAL, "node -2", hvo_folio_alloc(b->sim, b->h2m, -2, &p));
	ERR(-EINVAL, "node 2", hvo_folio_alloc(b->sim, b->h2m, 2, &p));
	ERR(-EINVAL, "node -2147483648", hvo_folio_alloc(b->sim, b->h2m, INT32_MIN, &p));
	UNTOUCHED(p);
}

static void r_folio_alloc_zone(struct bx *b)
{
	uint64_t p = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_folio_alloc_zone(NULL, b->h2m, -1, HVO_ZONE_NORMAL, &p));
	ERR(-EINVAL, "pfn is NULL", hvo_folio_alloc_zone(b->sim, b->h2m, -1, HVO_ZONE_NORMAL,
							 NULL));
	ERR(-EINVAL, "hstate", hvo_folio_alloc_zone(b->sim, b->nh, -1, HVO_ZONE_NORMAL, &p));
	ERR(-EINVAL, "node -2", hvo_folio_alloc_zone(b->sim, b->h2m, -2, HVO_ZONE_NORMAL, &p));
	ERR(-EINVAL, "node 2", hvo_folio_alloc_zone(b->sim, b->h2m, 2, HVO_ZONE_NORMAL, &p));
	ERR(-EINVAL, "zone 3", hvo_folio_alloc_zone(b->sim, b->h2m, -1, HVO_NR_ZONES, &p));
	ERR(-EINVAL, "zone -2", hvo_folio_alloc_zone(b->sim, b->h2m, -1, -2, &p));
	ERR(-EINVAL, "not movable", hvo_folio_alloc_zone(b->sim, b->h1g, -1, HVO_ZONE_MOVABLE,
							 &p));
	UNTOUCHED(p);
}

static void r_folio_put(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_folio_put(NULL, b->pool_pfn));
	ERR(-EINVAL, "pfn", hvo_folio_put(b->sim, b->npfn));
	ERR(-EINVAL, "pfn", hvo_folio_put(b->sim, 1));
}

static void r_folio_dissolve(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_folio_dissolve(NULL, b->pool_pfn));
	ERR(-EINVAL, "pfn", hvo_folio_dissolve(b->sim, b->npfn));
	ERR(-EINVAL, "pfn", hvo_folio_dissolve(b->sim, b->pool_pfn + 1));
}

static void r_demote(struct bx *b)
{
	uint64_t d = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_demote(NULL, b->h1g, b->h2m, 0, 1, &d));
	ERR(-EINVAL, "hstate", hvo_demote(b->sim, b->nh, b->h2m, 0, 1, &d));
	ERR(-EINVAL, "hstate", hvo_demote(b->sim, b->h1g, b->nh, 0, 1, &d));
	ERR(-EINVAL, "node -2", hvo_demote(b->sim, b->h1g, b->h2m, (unsigned int)-2, 1, &d));
	ERR(-EINVAL, "node 2", hvo_demote(b->sim, b->h1g, b->h2m, 2, 1, &d));
	ERR(-EINVAL, "not smaller", hvo_demote(b->sim, b->h2m, b->h1g, 0, 1, &d));
	UNTOUCHED(d);
}

static void r_folio_lookup(struct bx *b)
{
	struct hvo_folio_info fi;

	memset(&fi, 0x5a, sizeof(fi));
	ERR(-EINVAL, "sim is NULL", hvo_folio_lookup(NULL, b->pool_pfn, &fi));
	ERR(-EINVAL, "info is NULL", hvo_folio_lookup(b->sim, b->pool_pfn, NULL));
	ERR(-ERANGE, "pfn", hvo_folio_lookup(b->sim, b->npfn, &fi));
	ERR(-ENOENT, "pfn", hvo_folio_lookup(b->sim, 1, &fi));
	UNTOUCHED(fi.head_pfn);
}

static void r_folio_vmemmap_frames(struct bx *b)
{
	struct hvo_vmemmap_frame fr[2];
	uint64_t n = CANARY;

	memset(fr, 0x5a, sizeof(fr));
	ERR(-EINVAL, "sim is NULL", hvo_folio_vmemmap_frames(NULL, b->pool_pfn, fr, 2, &n));
	ERR(-EINVAL, "nr is NULL", hvo_folio_vmemmap_frames(b->sim, b->pool_pfn, fr, 2, NULL));
	ERR(-EINVAL, "frames is NULL", hvo_folio_vmemmap_frames(b->sim, b->pool_pfn, NULL, 2,
								  &n));
	ERR(-EINVAL, "pfn", hvo_folio_vmemmap_frames(b->sim, b->npfn, fr, 2, &n));
	ERR(-EINVAL, "pfn", hvo_folio_vmemmap_frames(b->sim, b->pool_pfn + 1, fr, 2, &n));
	UNTOUCHED(n);
	UNTOUCHED(fr[0].vaddr);
}

static void r_folio_list(struct bx *b)
{
	uint64_t pfns[2] = { CANARY, CANARY };

	ERR(-EINVAL, "sim is NULL", hvo_folio_list(NULL, b->h2m, pfns, 2));
	ERR(-EINVAL, "hstate", hvo_folio_list(b->sim, b->nh, pfns, 2));
	ERR(-EINVAL, "pfns is NULL", hvo_folio_list(b->sim, b->h2m, NULL, 2));
	UNTOUCHED(pfns[0]);
}

#define ONE_FOLIO_ROW(fn)                                                    \
	static void r_##fn(struct bx *b)                                     \
	{                                                                    \
		ERR(-EINVAL, "sim is NULL", hvo_##fn(NULL, b->pool_pfn));    \
		ERR(-EINVAL, "pfn", hvo_##fn(b->sim, b->npfn));              \
		ERR(-EINVAL, "pfn", hvo_##fn(b->sim, b->pool_pfn + 1));      \
	}
ONE_FOLIO_ROW(folio_optimize)
ONE_FOLIO_ROW(folio_restore)

#define BATCH_ROW(fn)                                                        \
	static void r_##fn(struct bx *b)                                     \
	{                                                                    \
		uint64_t bad[2] = { b->pool_pfn, b->npfn }, d = CANARY;      \
		ERR(-EINVAL, "sim is NULL", hvo_##fn(NULL, bad, 1, &d));     \
		ERR(-EINVAL, "pfns is NULL", hvo_##fn(b->sim, NULL, 1, &d)); \
		ERR(-EINVAL, "pfn", hvo_##fn(b->sim, bad, 2, &d));           \
		UNTOUCHED(d);                                                \
	}
BATCH_ROW(folios_optimize)
BATCH_ROW(folios_restore)

static void r_sysctl_optimize_vmemmap_read(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_sysctl_optimize_vmemmap_read(NULL));
}

static void r_sysctl_optimize_vmemmap_write(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_sysctl_optimize_vmemmap_write(NULL, false));
}

/* ---- check.h ---- */

static void r_check(struct bx *b)
{
	struct hvo_report *rep = malloc(sizeof(*rep));

	assert_non_null(rep);
	ERR(-EINVAL, "sim is NULL", hvo_check(NULL, rep));
	ERR(-EINVAL, "rep is NULL", hvo_check(b->sim, NULL));
	free(rep);
}

static void r_check_track(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_check_track(NULL, HVO_CHECK_TRACKED));
	ERR(-EINVAL, "mode", hvo_check_track(b->sim, (enum hvo_check_mode)3));
	ERR(-EINVAL, "mode", hvo_check_track(b->sim, (enum hvo_check_mode)-1));
}

static void r_report_print(struct bx *b)
{
	struct hvo_report *rep = calloc(1, sizeof(*rep));

	assert_non_null(rep);
	VOID("rep is NULL", hvo_report_print(NULL, stderr));
	VOID("out is NULL", hvo_report_print(rep, NULL));
	free(rep);
}

static void r_report_has(struct bx *b)
{
	struct hvo_report *rep = calloc(1, sizeof(*rep));

	assert_non_null(rep);
	VAL(0, "rep is NULL", hvo_report_has(NULL, "pool"));
	VAL(0, "invariant is NULL", hvo_report_has(rep, NULL));
	free(rep);
}

/* ---- walker.h, kpageflags.h ---- */

static void r_page_ref_add_unless_spec(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_ref_add_unless_spec(NULL, b->page, 1, 0));
	ERR(-ERANGE, "page", hvo_page_ref_add_unless_spec(b->sim, b->bad_page, 1, 0));
}

static void r_page_put(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_page_put(NULL, b->page));
	ERR(-ERANGE, "page", hvo_page_put(b->sim, b->bad_page));
}

static void r_walk_pfn(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_walk_pfn(NULL, 0, HVO_WALK_PAGE));
	ERR(-ERANGE, "pfn", hvo_walk_pfn(b->sim, b->npfn, HVO_WALK_PAGE));
	ERR(-EINVAL, "mode 2", hvo_walk_pfn(b->sim, 0, (enum hvo_walk_mode)2));
}

static void r_walk_pfn_flags(struct bx *b)
{
	ERR(-EINVAL, "sim is NULL", hvo_walk_pfn_flags(NULL, 0, HVO_WALK_PAGE, 0));
	ERR(-ERANGE, "pfn", hvo_walk_pfn_flags(b->sim, b->npfn, HVO_WALK_PAGE, 0));
	ERR(-EINVAL, "mode 2", hvo_walk_pfn_flags(b->sim, 0, (enum hvo_walk_mode)2, 0));
	ERR(-EINVAL, "mode -1", hvo_walk_pfn_flags(b->sim, 0, (enum hvo_walk_mode)-1, 0));
	ERR(-EINVAL, "flags 0x4", hvo_walk_pfn_flags(b->sim, 0, HVO_WALK_PAGE, 1u << 2));
	ERR(-EINVAL, "flags 0x80000001", hvo_walk_pfn_flags(b->sim, 0, HVO_WALK_FOLIO,
							     HVO_WALK_NO_RCU | 1u << 31));
}

static void r_rcu_read_lock(struct bx *b)
{
	struct hvo_rcu_token t;

	prime();
	t = hvo_rcu_read_lock(NULL);
	EXPECT(t.shard == NULL);
	names(b, "hvo_rcu_read_lock(NULL)", "sim is NULL");
}

static void r_rcu_read_unlock(struct bx *b)
{
	struct hvo_rcu_token t = hvo_rcu_read_lock(b->sim);

	VOID("sim is NULL", hvo_rcu_read_unlock(NULL, t));
	hvo_rcu_read_unlock(b->sim, t);
	t.shard = NULL;
	VOID("shard is NULL", hvo_rcu_read_unlock(b->sim, t));
}

static void r_synchronize_rcu(struct bx *b)
{
	VOID("sim is NULL", hvo_synchronize_rcu(NULL));
}

static void r_kpageflags(struct bx *b)
{
	uint64_t f = CANARY;

	ERR(-EINVAL, "sim is NULL", hvo_kpageflags(NULL, 0, &f));
	ERR(-EINVAL, "flags is NULL", hvo_kpageflags(b->sim, 0, NULL));
	UNTOUCHED(f);
	/* the kernel reports KPF_NOPAGE beyond memory: so does the flags word */
	ERR(-ERANGE, "pfn", hvo_kpageflags(b->sim, b->npfn, &f));
	EXPECT(f == 1ull << HVO_KPF_NOPAGE);
}

/* ---- snapshot.h ---- */

/* a small machine of its own with a snapshot: b->sim must stay unsnapped */
static struct hvo_sim *snapped(struct hvo_snapshot **sn)
{
	struct hvo_config c;
	struct hvo_sim *sim;

	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 128 * MiB);
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	assert_int_equal(hvo_snapshot_take(sim, sn), 0);
	return sim;
}

static void r_snapshot_take(struct bx *b)
{
	struct hvo_snapshot *sn = (struct hvo_snapshot *)CANARY, *mine;
	struct hvo_sim *other = snapped(&mine);

	ERR(-EINVAL, "sim is NULL", hvo_snapshot_take(NULL, &sn));
	ERR(-EINVAL, "out is NULL", hvo_snapshot_take(b->sim, NULL));
	UNTOUCHED((uintptr_t)sn);
	/* not bad input but a busy machine: *out is NULL, as documented */
	ERR(-EBUSY, "already has a snapshot", hvo_snapshot_take(other, &sn));
	EXPECT(sn == NULL);
	/* the refused second take left the first one working */
	EXPECT(hvo_snapshot_restore(other, mine) == 0);
	hvo_snapshot_free(mine);
	assert_int_equal(hvo_sim_destroy(other), 0);
}

static void r_snapshot_restore(struct bx *b)
{
	struct hvo_snapshot *sn;
	struct hvo_sim *other = snapped(&sn);

	ERR(-EINVAL, "sim is NULL", hvo_snapshot_restore(NULL, sn));
	ERR(-EINVAL, "snap is NULL", hvo_snapshot_restore(b->sim, NULL));
	/* another machine's: b->sim is left alone (test_rows checks it) */
	ERR(-EINVAL, "snap is not this machine's", hvo_snapshot_restore(b->sim, sn));
	EXPECT(hvo_snapshot_restore(other, sn) == 0);
	hvo_snapshot_free(sn);
	assert_int_equal(hvo_sim_destroy(other), 0);
}

static void r_snapshot_free(struct bx *b)
{
	/* NULL is allowed, like free(NULL): not a failure */
	prime();
	hvo_snapshot_free(NULL);
	if (strcmp(hvo_last_error(), sentinel))
		miss("%s: hvo_snapshot_free(NULL) is not the no-op it is documented to be", b->row);
}

/* ---- explore.h: no machine of b's; hvo_explore() builds its own ---- */

static void r_explore(struct bx *b)
{
	const struct hvo_scenario *sc = hvo_scenario_get(0);
	struct hvo_explore_opts o = { .strategy = HVO_EXPLORE_RANDOM, .runs = 1 };
	struct hvo_explore_result res;
	struct hvo_scenario bad;
	struct hvo_config c;

	assert_non_null(sc);
	hvo_config_init(&c);
	if (sc->config)
		sc->config(&c);
	memset(&res, 0x5a, sizeof(res));
	ERR(-EINVAL, "cfg is NULL", hvo_explore(NULL, sc, &o, &res));
	ERR(-EINVAL, "sc is NULL", hvo_explore(&c, NULL, &o, &res));
	ERR(-EINVAL, "opts is NULL", hvo_explore(&c, sc, NULL, &res));
	ERR(-EINVAL, "res is NULL", hvo_explore(&c, sc, &o, NULL));
	bad = *sc;
	bad.nr_threads = 1;
	ERR(-EINVAL, "sc->nr_threads 1", hvo_explore(&c, &bad, &o, &res));
	bad.nr_threads = HVO_EXPLORE_MAX_THREADS + 1;
	ERR(-EINVAL, "sc->nr_threads 5", hvo_explore(&c, &bad, &o, &res));
	bad = *sc;
	bad.thread[1] = NULL;
	ERR(-EINVAL, "sc->thread[1] is NULL", hvo_explore(&c, &bad, &o, &res));
	bad = *sc;
	bad.points = 1u << HVO_NR_YIELD_POINTS;
	ERR(-EINVAL, "sc->points", hvo_explore(&c, &bad, &o, &res));
	o.strategy = (enum hvo_explore_strategy)(HVO_EXPLORE_REPLAY + 1);
	ERR(-EINVAL, "opts->strategy 4", hvo_explore(&c, sc, &o, &res));
	o.strategy = HVO_EXPLORE_PCT;
	ERR(-EINVAL, "opts->depth 0", hvo_explore(&c, sc, &o, &res));
	o.depth = 17;
	ERR(-EINVAL, "opts->depth 17", hvo_explore(&c, sc, &o, &res));
	o.strategy = HVO_EXPLORE_REPLAY;
	ERR(-EINVAL, "opts->replay is NULL", hvo_explore(&c, sc, &o, &res));
	o.replay = "a0";
	ERR(-EINVAL, "opts->replay 'a0'", hvo_explore(&c, sc, &o, &res));
	o.strategy = HVO_EXPLORE_RANDOM;
	c.page_shift = 13;
	ERR(-EINVAL, "page_shift", hvo_explore(&c, sc, &o, &res));
	UNTOUCHED(res.schedules);
	UNTOUCHED(res.findings);
	UNTOUCHED((uintptr_t)res.schedule);
	UNTOUCHED((uintptr_t)res.switch_kind);
}

/* hvo_explore()'s refusals, for an exploration the caller runs */
static void r_explore_open(struct bx *b)
{
	const struct hvo_scenario *sc = hvo_scenario_get(0);
	struct hvo_explore_opts o = { .strategy = HVO_EXPLORE_RANDOM };
	struct hvo_explore *x = (struct hvo_explore *)(uintptr_t)CANARY;
	struct hvo_scenario bad;
	struct hvo_config c;

	assert_non_null(sc);
	hvo_config_init(&c);
	if (sc->config)
		sc->config(&c);
	ERR(-EINVAL, "cfg is NULL", hvo_explore_open(NULL, sc, &o, &x));
	ERR(-EINVAL, "sc is NULL", hvo_explore_open(&c, NULL, &o, &x));
	ERR(-EINVAL, "opts is NULL", hvo_explore_open(&c, sc, NULL, &x));
	ERR(-EINVAL, "out is NULL", hvo_explore_open(&c, sc, &o, NULL));
	bad = *sc;
	bad.nr_threads = 1;
	ERR(-EINVAL, "sc->nr_threads 1", hvo_explore_open(&c, &bad, &o, &x));
	bad = *sc;
	bad.thread[1] = NULL;
	ERR(-EINVAL, "sc->thread[1] is NULL", hvo_explore_open(&c, &bad, &o, &x));
	bad = *sc;
	bad.points = 1u << HVO_NR_YIELD_POINTS;
	ERR(-EINVAL, "sc->points", hvo_explore_open(&c, &bad, &o, &x));
	c.page_shift = 13;
	ERR(-EINVAL, "page_shift", hvo_explore_open(&c, sc, &o, &x));
	UNTOUCHED((uintptr_t)x);
}

static int choose_first(void *ctx, uint32_t runnable, int prev)
{
	(void)ctx;
	(void)prev;
	return __builtin_ctz(runnable);
}

static void r_explore_run(struct bx *b)
{
	const struct hvo_scenario *sc = hvo_scenario_get(0);
	struct hvo_explore_opts o = { .strategy = HVO_EXPLORE_RANDOM };
	struct hvo_explore_result res;
	struct hvo_explore *x;
	struct hvo_config c;

	assert_non_null(sc);
	hvo_config_init(&c);
	if (sc->config)
		sc->config(&c);
	assert_int_equal(hvo_explore_open(&c, sc, &o, &x), 0);
	memset(&res, 0x5a, sizeof(res));
	ERR(-EINVAL, "x is NULL", hvo_explore_run(NULL, choose_first, NULL, &res));
	ERR(-EINVAL, "choose is NULL", hvo_explore_run(x, NULL, NULL, &res));
	ERR(-EINVAL, "res is NULL", hvo_explore_run(x, choose_first, NULL, NULL));
	UNTOUCHED(res.schedules);
	UNTOUCHED((uintptr_t)res.schedule);
	/* the exploration is still whole: a run runs */
	EXPECT(hvo_explore_run(x, choose_first, NULL, &res) == 0 && res.schedules == 1 &&
	       res.run_index == 0);
	hvo_explore_result_free(&res);
	hvo_explore_close(x);
}

static void r_explore_close(struct bx *b)
{
	/* NULL is allowed, like free(NULL): not a failure */
	prime();
	hvo_explore_close(NULL);
	if (strcmp(hvo_last_error(), sentinel))
		miss("%s: hvo_explore_close(NULL) is not the no-op it is documented to be", b->row);
}

static void r_explore_note(struct bx *b)
{
	struct hvo_scenario_ctx ctx = { .sim = b->sim };
	const char *volatile no_fmt = NULL;

	VOID("ctx is NULL", hvo_explore_note(NULL, "%d", 1));
	VOID("fmt is NULL", hvo_explore_note(&ctx, no_fmt, 1));
	/* not an exploration's context: there is no trace to add to */
	VOID("ctx->explore is NULL", hvo_explore_note(&ctx, "%d", 1));
}

static void r_explore_print(struct bx *b)
{
	struct hvo_explore_result r = { .kind = HVO_FINDING_FINAL, .message = "m" };
	FILE *f = tmpfile();

	assert_non_null(f);
	VOID("res is NULL", hvo_explore_print(NULL, f));
	VOID("out is NULL", hvo_explore_print(&r, NULL));
	r.kind = HVO_NR_FINDING_KINDS;
	VOID("res->kind 9", hvo_explore_print(&r, f));
	r.kind = (enum hvo_finding_kind)-1;
	VOID("res->kind -1", hvo_explore_print(&r, f));
	EXPECT(ftell(f) == 0);
	fclose(f);
}

static void r_explore_result_free(struct bx *b)
{
	VOID("res is NULL", hvo_explore_result_free(NULL));
}

static void r_explore_parse_strategy(struct bx *b)
{
	struct hvo_explore_opts o, before;

	memset(&o, 0x5a, sizeof(o));
	before = o;
	ERR(-EINVAL, "s is NULL", hvo_explore_parse_strategy(NULL, &o));
	ERR(-EINVAL, "opts is NULL", hvo_explore_parse_strategy("random", NULL));
	ERR(-EINVAL, "s 'bfs'", hvo_explore_parse_strategy("bfs", &o));
	ERR(-EINVAL, "s ''", hvo_explore_parse_strategy("", &o));
	ERR(-EINVAL, "s 'pct:0'", hvo_explore_parse_strategy("pct:0", &o));
	ERR(-EINVAL, "s 'pct:17'", hvo_explore_parse_strategy("pct:17", &o));
	ERR(-EINVAL, "s 'pct:-1'", hvo_explore_parse_strategy("pct:-1", &o));
	ERR(-EINVAL, "s 'dfs:'", hvo_explore_parse_strategy("dfs:", &o));
	ERR(-EINVAL, "s 'dfs:65'", hvo_explore_parse_strategy("dfs:65", &o));
	ERR(-EINVAL, "s 'replay:x'", hvo_explore_parse_strategy("replay:x", &o));
	ERR(-EINVAL, "s 'replay:a0'", hvo_explore_parse_strategy("replay:a0", &o));
	EXPECT(!memcmp(&o, &before, sizeof(o)));
}

static void r_explore_pingpong(struct bx *b)
{
	const char *kind = NULL;

	/* every n is valid and kind is optional: nothing to refuse */
	prime();
	if (hvo_explore_pingpong(0, &kind) != 0 || !kind || hvo_explore_pingpong(1, NULL) != 0 ||
	    strcmp(hvo_last_error(), sentinel))
		miss("%s: hvo_explore_pingpong(0 or 1) failed: %s", b->row, hvo_last_error());
}

static void r_finding_name(struct bx *b)
{
	STR("kind 9", hvo_finding_name(HVO_NR_FINDING_KINDS));
	STR("kind -1", hvo_finding_name((enum hvo_finding_kind)-1));
}

static void r_scenario_count(struct bx *b)
{
	(void)b;
	assert_true(hvo_scenario_count() > 0);
}

static void r_scenario_get(struct bx *b)
{
	char needle[32];

	snprintf(needle, sizeof(needle), "i %u", hvo_scenario_count());
	NUL(needle, hvo_scenario_get(hvo_scenario_count()));
	NUL("i 4294967295", hvo_scenario_get(UINT32_MAX));
}

static void r_scenario_find(struct bx *b)
{
	NUL("name is NULL", hvo_scenario_find(NULL));
	NUL("name 'nosuch'", hvo_scenario_find("nosuch"));
	NUL("name ''", hvo_scenario_find(""));
}

static void r_scenario_variants(struct bx *b)
{
	struct hvo_config out[2], before[2];
	struct hvo_scenario mine = *hvo_scenario_get(0);

	memset(out, 0x5a, sizeof(out));
	memcpy(before, out, sizeof(out));
	VAL(0, "sc is NULL", hvo_scenario_variants(NULL, out, 2));
	/* a copy of a built-in one is the caller's scenario, not built in */
	VAL(0, "not a built-in scenario", hvo_scenario_variants(&mine, out, 2));
	EXPECT(!memcmp(out, before, sizeof(out)));
}

static void r_scenario_variant_name(struct bx *b)
{
	struct hvo_config c;
	char buf[128];

	memset(buf, 'Z', sizeof(buf));
	hvo_config_init(&c);
	NUL("cfg is NULL", hvo_scenario_variant_name(NULL, buf, sizeof(buf)));
	NUL("buf is NULL", hvo_scenario_variant_name(&c, NULL, sizeof(buf)));
	NUL("len 0", hvo_scenario_variant_name(&c, buf, 0));
	c.scheme = (enum hvo_scheme)3;
	NUL("cfg->scheme 3", hvo_scenario_variant_name(&c, buf, sizeof(buf)));
	hvo_config_init(&c);
	c.tail_scope = (enum hvo_tail_scope)3;
	NUL("cfg->tail_scope 3", hvo_scenario_variant_name(&c, buf, sizeof(buf)));
	hvo_config_init(&c);
	c.tail_alloc = (enum hvo_tail_alloc)-1;
	NUL("cfg->tail_alloc -1", hvo_scenario_variant_name(&c, buf, sizeof(buf)));
	hvo_config_init(&c);
	c.tail_lifetime = (enum hvo_tail_lifetime)2;
	NUL("cfg->tail_lifetime 2", hvo_scenario_variant_name(&c, buf, sizeof(buf)));
	EXPECT(buf[0] == 'Z' && buf[sizeof(buf) - 1] == 'Z');
}

/* ---- the table ---- */

#define ROW(fn) { "hvo_" #fn, r_##fn }
static const struct row {
	const char *name;
	void (*run)(struct bx *b);
} rows[] = {
	ROW(last_error), ROW(thread_id), ROW(version),
	ROW(config_init), ROW(config_validate), ROW(scheme_name), ROW(config_set),
	ROW(parse_size),
	ROW(sim_set_yield_hook), ROW(yield_point_name),
	ROW(site_name), ROW(site_parse), ROW(fail_set), ROW(fail_clear), ROW(fail_injected),
	ROW(fault_log_count), ROW(fault_log_get), ROW(fault_log_newest), ROW(fault_log_clear),
	ROW(fault_format),
	ROW(sim_create), ROW(sim_destroy), ROW(sim_geometry), ROW(sim_config), ROW(sim_stats),
	ROW(zone_name), ROW(kind_name), ROW(zone_span), ROW(pfn_zone), ROW(sim_set_timing),
	ROW(frame_info), ROW(zone_free_pages), ROW(alloc_frames), ROW(alloc_frames_zone),
	ROW(free_frames), ROW(frame_bytes),
	ROW(pfn_to_page), ROW(page_to_pfn), ROW(page_read), ROW(page_write),
	ROW(compound_info_value), ROW(compound_head), ROW(page_fixed_fake_head),
	ROW(page_head), ROW(page_tail), ROW(page_refcount), ROW(page_ref_add_unless),
	ROW(page_ref_add), ROW(page_ref_freeze), ROW(page_test_flag), ROW(page_node_zone),
	ROW(prep_compound_page), ROW(destroy_compound_page), ROW(init_compound_tail),
	ROW(folio_get), ROW(folio_set), ROW(page_word_present),
	ROW(flush_tlb_kernel_range), ROW(flush_tlb_all),
	ROW(vmemmap_translate), ROW(vmemmap_split_pmd), ROW(vmemmap_set_pte),
	ROW(vmemmap_set_ro), ROW(vmemmap_range),
	ROW(hstate_count), ROW(hstate_info), ROW(hstate_find), ROW(pool_resize),
	ROW(pool_grow), ROW(pool_grow_zone), ROW(pool_shrink), ROW(pool_set_overcommit),
	ROW(folio_alloc), ROW(folio_alloc_zone),
	ROW(folio_put), ROW(folio_dissolve), ROW(demote), ROW(folio_lookup), ROW(folio_list),
	ROW(folio_vmemmap_frames),
	ROW(folio_optimize), ROW(folio_restore), ROW(folios_optimize), ROW(folios_restore),
	ROW(sysctl_optimize_vmemmap_read), ROW(sysctl_optimize_vmemmap_write),
	ROW(check), ROW(check_track), ROW(report_print), ROW(report_has),
	ROW(page_ref_add_unless_spec), ROW(page_put), ROW(walk_pfn), ROW(walk_pfn_flags),
	ROW(rcu_read_lock),
	ROW(rcu_read_unlock), ROW(synchronize_rcu), ROW(kpageflags),
	ROW(snapshot_take), ROW(snapshot_restore), ROW(snapshot_free),
	ROW(explore), ROW(explore_open), ROW(explore_run), ROW(explore_close),
	ROW(explore_note), ROW(explore_print), ROW(explore_result_free),
	ROW(explore_parse_strategy), ROW(explore_pingpong), ROW(finding_name),
	ROW(scenario_count), ROW(scenario_get), ROW(scenario_find), ROW(scenario_variants),
	ROW(scenario_variant_name),
};

static const char *map_path;

/* the exported names, from the linker map's global: section */
static size_t map_names(char names[][64], size_t max)
{
	FILE *f = fopen(map_path, "r");
	char line[256];
	size_t n = 0;
	bool global = false;

	if (!f)
		failf("cannot open the map %s", map_path);
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		char name[64];

		if (strstr(line, "global:"))
			global = true;
		else if (strstr(line, "local:"))
			global = false;
		else if (global && sscanf(line, " %63[A-Za-z0-9_];", name) == 1 &&
			 !strncmp(name, "hvo_", 4)) {
			assert_true(n < max);
			strcpy(names[n++], name);
		}
	}
	fclose(f);
	return n;
}

static const struct row *row_of(const char *name)
{
	size_t i;

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		if (!strcmp(rows[i].name, name))
			return &rows[i];
	return NULL;
}

/* every exported function has a row, every row an exported function */
static void test_every_function_has_a_row(void **state)
{
	static char names[256][64];
	size_t n = map_names(names, 256), i, j;
	int missing = 0;

	(void)state;
	assert_true(n > 50);
	for (i = 0; i < n; i++)
		if (!row_of(names[i])) {
			print_message("# %s: exported, but no row in test_api_badinput.c\n",
				      names[i]);
			missing++;
		}
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		for (j = 0; j < n && strcmp(rows[i].name, names[j]); j++)
			;
		if (j == n) {
			print_message("# %s: a row, but not in the map\n", rows[i].name);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

static void bx_setup(struct bx *b, struct hvo_config *c)
{
	int h;

	cfg_make(c, 12, 64, HVO_SCHEME_SHARED_TAIL, 2, 2 * GiB);
	c->node_movable_bytes[1] = 512 * MiB;
	c->fault_policy = HVO_FAULT_RECORD;
	assert_int_equal(hvo_sim_create(c, &b->sim), 0);
	b->g = hvo_sim_geometry(b->sim);
	b->nh = hvo_hstate_count(b->sim);
	h = hvo_hstate_find(b->sim, 2 * MiB);
	assert_true(h >= 0);
	b->h2m = (unsigned int)h;
	h = hvo_hstate_find(b->sim, 1 * GiB);
	assert_true(h >= 0);
	b->h1g = (unsigned int)h;
	assert_int_equal(hvo_pool_resize(b->sim, b->h2m, 0, 2, NULL), 0);
	assert_int_equal(hvo_folio_list(b->sim, b->h2m, &b->pool_pfn, 1), 2);
	b->npfn = b->g->nr_pfns;
	b->page = hvo_pfn_to_page(b->sim, 4096);
	b->bad_page = hvo_pfn_to_page(b->sim, b->npfn);
}

/* what a refused call must leave alone: the counters and every pool */
struct snap {
	struct hvo_stats st;
	struct hvo_hstate_info hi[HVO_MAX_HSTATES];
};

static void snap(struct bx *b, struct snap *s)
{
	unsigned int h;

	memset(s, 0, sizeof(*s));
	hvo_sim_stats(b->sim, &s->st);
	for (h = 0; h < b->nh; h++)
		assert_int_equal(hvo_hstate_info(b->sim, h, &s->hi[h]), 0);
}

/* every row on one machine: each leaves it exactly as it found it */
static void test_rows(void **state)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct snap before, after;
	struct hvo_config c;
	struct bx b = { 0 };
	size_t i;

	(void)state;
	assert_non_null(rep);
	bx_setup(&b, &c);
	for (i = 0; i < ARRAY_SIZE(rows); i++) {
		b.row = rows[i].name;
		snap(&b, &before);
		rows[i].run(&b);
		snap(&b, &after);
		if (memcmp(&before.st, &after.st, sizeof(before.st)))
			miss("%s: the refused calls changed the machine's counters", b.row);
		if (memcmp(before.hi, after.hi, sizeof(before.hi)))
			miss("%s: the refused calls changed a pool", b.row);
		if (hvo_fault_log_count(b.sim))
			miss("%s: the refused calls logged a fault", b.row);
		if (hvo_check(b.sim, rep)) {
			hvo_report_print(rep, stderr);
			miss("%s: the checker is not clean", b.row);
		}
	}
	assert_int_equal(failures, 0);
	/* the machine still works after all that */
	assert_int_equal(hvo_pool_resize(b.sim, b.h2m, 0, 0, NULL), 0);
	assert_int_equal(hvo_sim_destroy(b.sim), 0);
	free(rep);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_function_has_a_row),
		cmocka_unit_test(test_rows),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s src/libhvosim.map\n", argv[0]);
		return 2;
	}
	map_path = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
