// SPDX-License-Identifier: MIT
/*
 * fuzz_ops.c - the operation fuzzer: the first bytes choose a machine, the
 * rest is a program of pool and HVO operations.  After every operation the
 * library must agree with the reference model (refmodel.h) and hvo_check()
 * must be clean; at the end everything is released and hvo_sim_destroy()
 * must report no leaked frame.  A config the library refuses ends the
 * input, but only with -EINVAL and a message.
 *
 * Input layout (fuzz/gen_seeds.py writes seeds in it):
 *   byte 0   page size (% 3: 4K 16K 64K), bit 2 contiguous hstates,
 *            bits 3-4 nodes (1 + x % 3), bit 5 fault policy count (else
 *            record), >= 0xf0: raw mode (out-of-range fields, to be refused)
 *   byte 1   struct page size (low nibble, a table), bits 4-5 scheme
 *            (none, fake-head, shared-tail x2), bit 6 RCU sync off, bit 7
 *            explicit encoding
 *   byte 2   shared-tail scope (% 3), alloc (bits 2-3 % 3), lifetime (bit 4)
 *   byte 3-5 per node: sections (1 + x & 3), movable (bits 2-3: none, a
 *            quarter, half plus 3 pages, none), boot gigantic pages
 *            (high nibble >= 12: x - 11)
 *   byte 6   boot page size: 0-1 the default, else an hstate's
 *   byte 7   bits 0-2 and 7 all set: node 0 is 4 GiB bigger (a Normal zone;
 *            one input in 16: such a machine costs ten small ones);
 *            bit 4: vmemmap_base (default, another aligned one); bit 5:
 *            hugetlb_free_vmemmap=off (optimize_vmemmap); bit 6:
 *            movable_gigantic_pages
 *   byte 8-9 seed
 *   byte 10  low nibble 15: a boot fault-injection rule on the HVO head
 *            (bit 4 clear) or tail site, nth 1 + (x >> 5)
 *   then     operations: an opcode byte (% FO_NR_OPS) and its operands
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fuzz_driver.h"
#include "fuzz_ops.h"

#define FO_MAX_OPS 256

/*
 * What the inputs cost: at exit, the inputs run and the mean operations per
 * input (libFuzzer's -max_len decides it: an operation takes about four
 * bytes); with HVOSIM_FUZZ_PROFILE=1, also the CPU time an input spends in
 * each phase, in microseconds (a clock read per phase and operation), and
 * a table of what one operation of each kind costs in those phases.
 */
enum fo_phase { PH_CREATE, PH_BOOT, PH_OPS, PH_COMPARE, PH_CHECK, PH_WIND_DOWN, PH_DESTROY,
		PH_NR };
static const char *const phase_names[PH_NR] = {
	"create", "boot", "operations", "model comparison", "hvo_check", "wind-down", "destroy",
};
/* the operations' phases again, per operation (the opcode's name) */
enum { OP_RUN, OP_COMPARE, OP_CHECK, OP_NR_PHASES };
#define FO_PROF_OPS 32
static struct {
	unsigned long inputs, ops;
	int profile;		/* -1: not decided yet */
	double us[PH_NR];
	unsigned long op_n[FO_PROF_OPS];
	double op_us[FO_PROF_OPS][OP_NR_PHASES];
} stats = { .profile = -1 };

static double cpu_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

#define PHASE(ph, stmt) PHASE_OP(ph, FO_PROF_OPS, 0, stmt)

/* and, for an operation (op < FO_PROF_OPS), in its row of the table */
#define PHASE_OP(ph, op, oph, stmt)						\
	do {									\
		double t0_ = stats.profile > 0 ? cpu_us() : 0, d_;		\
		stmt;								\
		if (stats.profile > 0) {					\
			d_ = cpu_us() - t0_;					\
			stats.us[ph] += d_;					\
			if ((op) < FO_PROF_OPS)					\
				stats.op_us[op][oph] += d_;			\
		}								\
	} while (0)

static void print_op_stats(void);

__attribute__((destructor)) static void print_stats(void)
{
	unsigned int i;

	if (!stats.inputs)
		return;
	fprintf(stderr, "fuzz_ops: %lu inputs, %lu operations, %.1f operations per input\n",
		stats.inputs, stats.ops, (double)stats.ops / (double)stats.inputs);
	for (i = 0; stats.profile > 0 && i < PH_NR; i++)
		fprintf(stderr, "fuzz_ops:   %-16s %9.1f us per input\n", phase_names[i],
			stats.us[i] / (double)stats.inputs);
	if (stats.profile > 0)
		print_op_stats();
}

static const struct {
	const char *name;
	void (*fn)(struct fo *c, struct fz_in *in);
} ops[] = {
	{ "grow", fo_op_grow },
	{ "shrink", fo_op_shrink },
	{ "resize", fo_op_resize },
	{ "overcommit", fo_op_overcommit },
	{ "alloc", fo_op_alloc },
	{ "put", fo_op_put },
	{ "get", fo_op_get },
	{ "demote", fo_op_demote },
	{ "dissolve", fo_op_dissolve },
	{ "optimize", fo_op_optimize },
	{ "restore", fo_op_restore },
	{ "optimize_batch", fo_op_optimize_batch },
	{ "restore_batch", fo_op_restore_batch },
	{ "fail_set", fo_op_fail_set },
	{ "fail_clear", fo_op_fail_clear },
	{ "walk", fo_op_walk },
	{ "kpageflags", fo_op_kpageflags },
	{ "frames_alloc", fo_op_frames_alloc },
	{ "frames_free", fo_op_frames_free },
	/* added after the first corpus: an opcode byte below 19 means the same */
	{ "sysctl", fo_op_sysctl },
	{ "grow_zone", fo_op_grow_zone },
	{ "ref_drop", fo_op_ref_drop },
};
#define FO_NR_OPS (sizeof(ops) / sizeof(ops[0]))
_Static_assert(FO_NR_OPS <= FO_PROF_OPS, "FO_PROF_OPS: room for every operation");

/* per operation: its share of the operations, and the microseconds one
 * takes itself, in the model comparison after it and in hvo_check() */
static void print_op_stats(void)
{
	unsigned int i;

	fprintf(stderr, "fuzz_ops:   %-16s %6s %8s %8s %8s  (us per operation)\n", "operation",
		"share", "op", "compare", "check");
	for (i = 0; i < FO_NR_OPS; i++) {
		double n = (double)stats.op_n[i];

		if (!stats.op_n[i])
			continue;
		fprintf(stderr, "fuzz_ops:   %-16s %5.1f%% %8.1f %8.1f %8.1f\n", ops[i].name,
			100.0 * n / (double)stats.ops, stats.op_us[i][OP_RUN] / n,
			stats.op_us[i][OP_COMPARE] / n, stats.op_us[i][OP_CHECK] / n);
	}
}

/* ---- operands ---- */

unsigned int fo_pick_h(struct fo *c, struct fz_in *in)
{
	return fz_below(in, c->m.nr_hstates);
}

unsigned int fo_pick_node(struct fo *c, struct fz_in *in)
{
	return fz_below(in, c->m.nr_nodes);
}

/* mostly a folio head; sometimes a tail, or a pfn past the machine */
uint64_t fo_pick_pfn(struct fo *c, struct fz_in *in)
{
	uint16_t x = fz_u16(in);

	if (!c->m.nf)
		return x;
	switch (x % 8) {
	case 6:
		return c->m.f[(x >> 3) % c->m.nf].pfn + 1;
	case 7:
		return c->m.nr_pfns + (x >> 3);
	default:
		return c->m.f[(x >> 3) % c->m.nf].pfn;
	}
}

struct rm_folio *fo_pick_active(struct fo *c, struct fz_in *in)
{
	uint64_t n = rm_count(&c->m, ~0u, RM_ACTIVE, -1), k, i;

	if (!n)
		return NULL;
	k = fz_u8(in) % n;
	for (i = 0; i < c->m.nf; i++)
		if (c->m.f[i].state == RM_ACTIVE && !k--)
			return &c->m.f[i];
	return NULL;
}

/* ---- the machine ---- */

static void decode_nodes(struct fz_in *in, struct hvo_config *cfg, bool raw)
{
	uint64_t sec = cfg->page_shift == 16 ? 512ull << 20 : 128ull << 20;
	unsigned int n;

	for (n = 0; n < 3; n++) {
		uint8_t b = fz_u8(in);
		uint64_t mem = sec * (1 + (b & 3));

		if (n >= cfg->nr_nodes)
			continue;
		cfg->node_mem_bytes[n] = raw && (b & 3) == 3 ? mem + 4096 : mem;
		switch ((b >> 2) & 3) {
		case 1:
			cfg->node_movable_bytes[n] = mem / 4;
			break;
		case 2:
			cfg->node_movable_bytes[n] = mem / 2 + 3 * (1ull << cfg->page_shift);
			break;
		default:
			break;
		}
		cfg->boot_gigantic[n] = (b >> 4) >= 12 ? (b >> 4) - 11 : 0;
	}
}

static const unsigned int strides[16] = {
	64, 64, 64, 64, 64, 64, 128, 128, 256, 40, 48, 56, 72, 96, 120, 200,
};

static void decode_scheme(struct fz_in *in, struct hvo_config *cfg, bool raw)
{
	static const enum hvo_scheme schemes[4] = {
		HVO_SCHEME_NONE, HVO_SCHEME_FAKE_HEAD, HVO_SCHEME_SHARED_TAIL,
		HVO_SCHEME_SHARED_TAIL,
	};
	uint8_t b = fz_u8(in), t = fz_u8(in);

	cfg->struct_page_size = raw ? b : strides[b & 15];
	cfg->scheme = schemes[(b >> 4) & 3];
	cfg->rcu_sync = !(b & 0x40);
	if (b & 0x80)
		cfg->encoding = cfg->scheme == HVO_SCHEME_SHARED_TAIL ? HVO_ENC_MASK :
				(t & 0x80) ? HVO_ENC_MASK : HVO_ENC_POINTER;
	if (cfg->scheme == HVO_SCHEME_SHARED_TAIL || raw) {
		cfg->tail_scope = (enum hvo_tail_scope)(t % 3);
		cfg->tail_alloc = (enum hvo_tail_alloc)(((t >> 2) & 3) % 3);
		cfg->tail_lifetime = (enum hvo_tail_lifetime)((t >> 4) & 1);
	}
}

/* a huge page size of the geometry (the contiguous ones are refused
 * without cont_hstates) */
static uint64_t boot_size(const struct hvo_config *cfg, uint8_t b)
{
	static const unsigned int lg[3][4] = {
		{ 21, 30, 16, 25 }, { 25, 30, 21, 21 }, { 29, 34, 21, 21 },
	};

	return 1ull << lg[(cfg->page_shift - 12) / 2][b % 4];
}

/* boot folios of 2^16 pages or more cost a full prep (tens of ms), and
 * every check after it, unless they are pre-HVO'd: keep those only at 4K
 * with shared-tail, hugetlb_free_vmemmap= on and a power-of-2 struct page */
static void drop_slow_boot_pages(struct hvo_config *cfg)
{
	uint64_t sz = cfg->boot_gigantic_bytes ? cfg->boot_gigantic_bytes :
		      cfg->page_shift == 16 ? 16ull << 30 : 1ull << 30;
	unsigned int sp = cfg->struct_page_size;

	if (sz >> cfg->page_shift >= 1ull << FO_HUGE_ORDER &&
	    (cfg->page_shift != 12 || cfg->scheme != HVO_SCHEME_SHARED_TAIL ||
	     !cfg->optimize_vmemmap || (sp & (sp - 1))))
		memset(cfg->boot_gigantic, 0, sizeof(cfg->boot_gigantic));
}

/* returns whether a boot fault-injection rule is installed */
static bool decode_config(struct fz_in *in, struct hvo_config *cfg)
{
	uint8_t b0 = fz_u8(in), b6, b7, b10;
	bool raw = b0 >= 0xf0;

	hvo_config_init(cfg);
	cfg->page_shift = raw ? b0 & 0x1f : (unsigned int[]){ 12, 14, 16 }[b0 % 3];
	cfg->cont_hstates = b0 & 4;
	cfg->nr_nodes = raw ? (b0 >> 2) & 3 : 1 + ((b0 >> 3) & 3) % 3;
	cfg->fault_policy = b0 & 0x20 ? HVO_FAULT_COUNT : HVO_FAULT_RECORD;
	cfg->node_mem_bytes[0] = 0;
	decode_scheme(in, cfg, raw);
	decode_nodes(in, cfg, raw);
	b6 = fz_u8(in);
	b7 = fz_u8(in);
	if (b6 > 1)
		cfg->boot_gigantic_bytes = raw ? (uint64_t)b6 << 20 : boot_size(cfg, b6);
	cfg->optimize_vmemmap = !(b7 & 0x20);
	cfg->movable_gigantic_pages = b7 & 0x40;
	if (!raw)
		drop_slow_boot_pages(cfg);
	if ((b7 & 0x87) == 0x87 && cfg->nr_nodes)
		cfg->node_mem_bytes[0] += 4ull << 30;
	if ((b7 >> 4) & 1)
		cfg->vmemmap_base = raw ? 0xffffc00000001000ull : 0xffffc00000000000ull;
	cfg->seed = fz_u16(in);
	b10 = fz_u8(in);
	if ((b10 & 15) != 15)
		return false;
	cfg->fail.site = b10 & 0x10 ? HVO_SITE_VMEMMAP_TAIL : HVO_SITE_VMEMMAP_HEAD;
	cfg->fail.nth = 1 + (b10 >> 5);
	return true;
}

/* boot as the model lays it out; the boot folios that were not pre-HVO'd
 * are optimized by one batch (prep_and_add_bootmem_folios()) */
static void boot(struct fo *c, bool boot_rule)
{
	uint64_t *pfns = malloc((c->m.nf + 1) * sizeof(*pfns)), i, need = 0;
	bool exact;

	if (!pfns)
		fo_fail(c, "out of host memory");
	for (i = 0; i < c->m.nf; i++) {
		pfns[i] = c->m.f[i].pfn;
		need += 8 + ((1ull << c->m.hs[c->m.f[i].h].order) * c->m.stride >> c->m.pmd_shift);
	}
	c->armed = c->ever_armed = boot_rule;
	c->site = c->m.cfg.fail.site;
	exact = fo_exact(c, FO_OPT_SITES, need);
	fo_diff(c);
	if (c->nadded || c->nremoved)
		fo_fail(c, "boot folios: %" PRIu64 " unexpected (first %#" PRIx64 "), %" PRIu64
			" missing (first %#" PRIx64 ")", c->nadded, c->nadded ? c->added[0].pfn : 0,
			c->nremoved, c->nremoved ? c->removed[0].pfn : 0);
	fo_batch_optimize(c, pfns, c->m.nf, exact, NULL);
	free(pfns);
	fo_compare(c, true);
	fo_check(c);
}

/*
 * hvo_check() runs after every operation, tracked (hvo_check_track()): it
 * re-verifies what the operation changed, with the report a full check
 * would give; the check at the end of the input is a full one.
 * HVOSIM_FUZZ_CHECK=full checks everything every time, =verify runs a full
 * check after each tracked one and fails if they disagree (meson test's
 * corpus replay does).  HVOSIM_FUZZ_CHECK_EVERY=N runs it after every Nth
 * operation only (and at the end), to measure what the checker costs (the
 * model's comparison still runs after every one).
 */
static enum hvo_check_mode check_mode(void)
{
	const char *e = getenv("HVOSIM_FUZZ_CHECK");

	if (e && !strcmp(e, "full"))
		return HVO_CHECK_FULL;
	if (e && !strcmp(e, "verify"))
		return HVO_CHECK_VERIFY;
	return HVO_CHECK_TRACKED;
}

static unsigned int check_every(void)
{
	const char *e = getenv("HVOSIM_FUZZ_CHECK_EVERY");
	long v = e ? atol(e) : 1;

	return v > 0 ? (unsigned int)v : 1;
}

static void run_ops(struct fo *c, struct fz_in *in)
{
	unsigned int every = check_every();

	while (in->n && c->opno < FO_MAX_OPS && c->cost < FO_BUDGET) {
		unsigned int op = fz_u8(in) % FO_NR_OPS;

		c->opno++;
		c->op = ops[op].name;
		c->args[0] = 0;
		PHASE_OP(PH_OPS, op, OP_RUN, ops[op].fn(c, in));
		if (c->verbose)
			fprintf(stderr, "fuzz_ops: op #%u %s(%s)\n", c->opno, c->op, c->args);
		PHASE_OP(PH_COMPARE, op, OP_COMPARE, fo_compare(c, c->opno % 16 == 0));
		if (c->opno % every == 0)
			PHASE_OP(PH_CHECK, op, OP_CHECK, fo_check(c));
		stats.ops++;
		stats.op_n[op]++;
	}
}

/* dissolve what can be: folios that need no memory first, then the rest,
 * as long as that frees something; boot folios of 1G and more stay (free
 * pool folios are no leak, and tearing down 2^18 struct pages is slow) */
static void dissolve_all(struct fo *c)
{
	uint64_t before, i, pfn;
	int pass;

	do {
		before = c->m.nf;
		for (pass = 0; pass < 2; pass++)
			for (i = c->m.nf; i-- > 0;) {
				if (i >= c->m.nf || c->m.f[i].opt != pass ||
				    c->m.hs[c->m.f[i].h].order >= FO_HUGE_ORDER)
					continue;
				pfn = c->m.f[i].pfn;
				fo_dissolve_pfn(c, pfn);
			}
	} while (c->m.nf && c->m.nf < before);
}

/* release everything; the machine must then have leaked nothing */
static void wind_down(struct fo *c)
{
	uint64_t i;

	c->op = "wind-down";
	c->args[0] = 0;
	c->cost = 0;	/* bounded by what the ops made */
	hvo_fail_clear(c->sim);
	c->armed = false;
	/* the last check walks everything */
	if (hvo_check_track(c->sim, HVO_CHECK_FULL))
		fo_fail(c, "hvo_check_track(off) failed");
	while (c->m.nblk) {
		fo_expect_rc(c, hvo_free_frames(c->sim, c->m.blk[0].pfn, c->m.blk[0].order), 0);
		rm_del_block(&c->m, 0);
	}
	for (i = 0; i < c->m.nf; i++)
		while (i < c->m.nf && c->m.f[i].state == RM_ACTIVE)
			fo_put_pfn(c, c->m.f[i].pfn);
	dissolve_all(c);
	fo_compare(c, true);
	fo_check(c);
}

static void cleanup(struct fo *c)
{
	rm_free(&c->m);
	free(c->rep);
	free(c->added);
	free(c->removed);
	free(c->scratch);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz_in in = { data, size };
	struct fo c = { 0 };
	struct hvo_config cfg;
	bool boot_rule = decode_config(&in, &cfg);
	uint64_t leaked;
	int rc;

	c.verbose = getenv("HVOSIM_FUZZ_VERBOSE") != NULL;
	if (stats.profile < 0)
		stats.profile = getenv("HVOSIM_FUZZ_PROFILE") != NULL;
	stats.inputs++;
	PHASE(PH_CREATE, rc = hvo_sim_create(&cfg, &c.sim));
	if (rc) {
		if (rc != -EINVAL || !hvo_last_error()[0])
			fo_fail(&c, "hvo_sim_create returned %d (%s)", rc, hvo_last_error());
		return 0;
	}
	c.rep = malloc(sizeof(*c.rep));
	if (!c.rep || rm_init(&c.m, &cfg) || rm_boot(&c.m))
		fo_fail(&c, "the model cannot follow a config the library took: %s", rm_why());
	c.memmap_boot = INT64_MAX;
	if (hvo_check_track(c.sim, check_mode()))
		fo_fail(&c, "hvo_check_track() failed");
	PHASE(PH_BOOT, boot(&c, boot_rule));
	run_ops(&c, &in);
	PHASE(PH_WIND_DOWN, wind_down(&c));
	PHASE(PH_DESTROY, leaked = hvo_sim_destroy(c.sim));
	c.sim = NULL;
	if (leaked)
		fo_fail(&c, "hvo_sim_destroy reports %" PRIu64 " leaked frames", leaked);
	cleanup(&c);
	return 0;
}
