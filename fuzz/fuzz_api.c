// SPDX-License-Identifier: MIT
/*
 * fuzz_api.c - the API fuzzer: bytes become calls of the public functions
 * with arbitrary arguments on a small machine.  Every call must return 0,
 * a documented positive value or a negative errno with a message
 * (hvo_last_error()), nothing may crash, hvo_check() must stay clean after
 * every call, and the machine must be left with no leaked frame.
 *
 * Arguments are arbitrary: pfns and struct page addresses from anywhere
 * (the machine's folios, its edges, past its end, misaligned), orders,
 * sizes, node ids, enum values out of range.  Two limits keep a clean
 * checker meaningful: functions that write struct pages or the page table
 * by their caller's authority (hvo_page_write(), hvo_prep_compound_page(),
 * refcount changes, hvo_vmemmap_set_pte() with a valid frame) get
 * addresses of frames this harness allocated, or invalid ones, never the
 * machine's own.  NULL goes everywhere (api_contract.c): a NULL machine or
 * required pointer must be refused with -EINVAL and a message, or give the
 * value the header documents.
 *
 * Input layout: byte 0 picks the machine (% 4, see machines[]), then each
 * call is an opcode byte (% the number of calls) and its operands, read as
 * needed (fuzz_input.h: past the end they are 0).  Operands are read in
 * separate statements, never two in one argument list, whose order C
 * leaves open: the same input must be the same calls in every build.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hvosim/hvosim.h>

#include "fuzz_api.h"
#include "fuzz_driver.h"

void fa_fail(struct fa *a, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_api: call #%u %s: ", a->ncall, a->call ? a->call : "setup");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfuzz_api: last library message: %s\n", hvo_last_error());
	abort();
}

/*
 * A sentinel message before each call: a failing call that does not set
 * its own leaves it in place.  Every failure sets one (issue 8, point 3).
 */
static void sentinel(void)
{
	struct hvo_config c;

	hvo_config_init(&c);
	hvo_config_set(&c, "fuzz-api-sentinel", "x");
}

static bool no_message(void)
{
	const char *m = hvo_last_error();

	return !m[0] || strstr(m, "fuzz-api-sentinel");
}

/* 0, a positive value up to max, or a negative errno with a message */
int fa_rc(struct fa *a, int rc, int max)
{
	if (rc > max || rc < -4095)
		fa_fail(a, "returned %d", rc);
	if (rc < 0 && no_message())
		fa_fail(a, "returned %d without a message", rc);
	return rc;
}

/* one of the errors listed (0 for none) */
void fa_rc_in(struct fa *a, int rc, int e1, int e2, int e3)
{
	fa_rc(a, rc, 0);
	if (rc && rc != e1 && rc != e2 && rc != e3)
		fa_fail(a, "returned %d, not one of the documented errors", rc);
}

#define FA_MUT(n) { "hvo_" #n, fa_c_##n, true },
#define FA_READ(n) { "hvo_" #n, fa_c_##n, false },
static const struct fa_call fa_calls[] = { FA_CALLS(FA_MUT, FA_READ) };
#undef FA_MUT
#undef FA_READ
#define FA_NR_CALLS (sizeof(fa_calls) / sizeof(fa_calls[0]))

static void fa_check(struct fa *a)
{
	int64_t v = hvo_check(a->sim, a->rep);

	if (v) {
		hvo_report_print(a->rep, stderr);
		fa_fail(a, "hvo_check() found %" PRId64 " violation(s)", v);
	}
}

static const struct {
	unsigned int page_shift, nodes, stride;
	uint64_t mem, movable;
	enum hvo_scheme scheme;
	enum hvo_tail_lifetime lifetime;
	enum hvo_fault_policy policy;
} machines[4] = {
	{ 12, 1, 64, 128ull << 20, 0, HVO_SCHEME_SHARED_TAIL, HVO_TAIL_NEVER, HVO_FAULT_RECORD },
	{ 12, 2, 64, 128ull << 20, 32ull << 20, HVO_SCHEME_FAKE_HEAD, HVO_TAIL_NEVER,
	  HVO_FAULT_COUNT },
	{ 14, 1, 56, 128ull << 20, 0, HVO_SCHEME_NONE, HVO_TAIL_NEVER, HVO_FAULT_RECORD },
	{ 16, 1, 64, 1024ull << 20, 0, HVO_SCHEME_SHARED_TAIL, HVO_TAIL_LAST_USER,
	  HVO_FAULT_RECORD },
};

static void setup(struct fa *a, uint8_t which)
{
	struct hvo_config c;
	unsigned int n, i = which % 4;
	uint64_t d;

	hvo_config_init(&c);
	c.page_shift = machines[i].page_shift;
	c.struct_page_size = machines[i].stride;
	c.nr_nodes = machines[i].nodes;
	for (n = 0; n < c.nr_nodes; n++) {
		c.node_mem_bytes[n] = machines[i].mem;
		c.node_movable_bytes[n] = machines[i].movable;
	}
	c.scheme = machines[i].scheme;
	c.tail_lifetime = machines[i].lifetime;
	c.fault_policy = machines[i].policy;
	if (hvo_sim_create(&c, &a->sim))
		fa_fail(a, "hvo_sim_create of machine %u", i);
	a->geo = hvo_sim_geometry(a->sim);
	/* a few folios to aim at: two free, one in use */
	hvo_pool_grow(a->sim, 0, 0, 2, &d);
	if (hvo_folio_alloc(a->sim, 0, -1, &d) == 0)
		fa_add_held(a, d);
}

static void teardown(struct fa *a)
{
	uint64_t leaked;
	unsigned int i;

	a->call = "teardown";
	hvo_fail_clear(a->sim);
	for (i = 0; i < a->nheld; i++)
		if (hvo_folio_put(a->sim, a->held[i]))
			fa_fail(a, "putting held folio %#" PRIx64, a->held[i]);
	for (i = 0; i < a->nblk; i++) {
		if (a->blk[i].prepped >= 0)
			hvo_destroy_compound_page(a->sim, a->blk[i].pfn,
						  (unsigned int)a->blk[i].prepped);
		if (hvo_free_frames(a->sim, a->blk[i].pfn, a->blk[i].order))
			fa_fail(a, "freeing block %#" PRIx64 " order %u", a->blk[i].pfn,
				a->blk[i].order);
	}
	fa_check(a);
	leaked = hvo_sim_destroy(a->sim);
	if (leaked)
		fa_fail(a, "hvo_sim_destroy reports %" PRIu64 " leaked frames", leaked);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fa a = { .in = &in };

	a.rep = calloc(1, sizeof(*a.rep));
	if (!a.rep)
		return 0;
	setup(&a, fz_u8(&in));
	while (in.n && a.ncall < FA_MAX_CALLS) {
		unsigned int k = fz_u8(&in) % FA_NR_CALLS;

		a.ncall++;
		a.call = fa_calls[k].name;
		sentinel();
		fa_calls[k].fn(&a);
		if (getenv("HVOSIM_FUZZ_VERBOSE"))
			fprintf(stderr, "fuzz_api: call #%u %s\n", a.ncall, a.call);
		/* the checker after everything that may change the machine, and
		 * now and then after reads too */
		if (fa_calls[k].mutates || a.ncall % 16 == 0)
			fa_check(&a);
	}
	teardown(&a);
	free(a.rep);
	return 0;
}
