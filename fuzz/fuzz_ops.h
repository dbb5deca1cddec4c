/* SPDX-License-Identifier: MIT */
/*
 * fuzz_ops.h - what the operation fuzzer's files share: the run's context,
 * the operations (ops_pool.c, ops_hvo.c), and the observations and
 * comparisons against the reference model (ops_check.c).
 */
#ifndef HVOSIM_FUZZ_OPS_H
#define HVOSIM_FUZZ_OPS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hvosim/hvosim.h>

#include "fuzz_input.h"
#include "refmodel.h"

#define FO_MAX_TOUCHED 64
#define FO_MAX_HELD 64
#define FO_MAX_BATCH 8

/* a folio seen appear or disappear in the library's lists */
struct fo_diff {
	uint64_t pfn;
	unsigned int h;
};

struct fo {
	struct hvo_sim *sim;
	struct refmodel m;
	struct hvo_report *rep;
	bool verbose;
	uint64_t cost;		/* struct pages prepared or torn down so far */
	unsigned int opno;
	const char *op;
	char args[96];
	/* the fault-injection rule in force */
	bool armed, ever_armed;
	enum hvo_alloc_site site;
	/* folios to look up after this op */
	uint64_t touched[FO_MAX_TOUCHED];
	unsigned int ntouched;
	/* the library's folio lists against the model's */
	struct fo_diff *added, *removed;
	uint64_t nadded, nremoved, capdiff;
	uint64_t *scratch;
	uint64_t capscratch;
	/* monotonic counters seen at the last comparison */
	int64_t memmap_boot;
	uint64_t rcu_calls;
};

/* an operation's operands, for the finding's message and verbose replay */
#define ARGS(c, ...) snprintf((c)->args, sizeof((c)->args), __VA_ARGS__)

/* sites whose failure an operation can meet */
#define FO_SITE(s) (1u << (s))
#define FO_OPT_SITES (FO_SITE(HVO_SITE_PGTABLE) | FO_SITE(HVO_SITE_VMEMMAP_HEAD) | \
		      FO_SITE(HVO_SITE_VMEMMAP_TAIL))
#define FO_RESTORE_SITES FO_SITE(HVO_SITE_VMEMMAP_RESTORE)

/*
 * A folio's struct pages are written when it is made and when it is freed:
 * that is most of an input's time.  An input stops taking operations once
 * it has paid this many (about 128 2M folios made or freed), so no input
 * takes more than a few tens of milliseconds.
 */
#define FO_BUDGET (1ull << 16)

/* hstates with folios of 2^16 pages or more (1G at 4K): only their boot
 * folios, no runtime allocation */
#define FO_HUGE_ORDER 16

/* ops_check.c */
void fo_fail(struct fo *c, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
void fo_expect_rc(struct fo *c, int rc, int want);
void fo_expect_rc2(struct fo *c, int rc, int a, int b);
bool fo_exact(struct fo *c, unsigned int sites, uint64_t need);
void fo_touch(struct fo *c, uint64_t pfn);
void fo_diff(struct fo *c);
void fo_expect_no_diff(struct fo *c);
bool fo_lib_optimized(struct fo *c, uint64_t pfn);
bool fo_lib_has(struct fo *c, uint64_t pfn);
void fo_observe_pmds(struct fo *c, const struct rm_folio *f);
void fo_batch_optimize(struct fo *c, const uint64_t *pfns, uint64_t n, bool exact,
		       uint64_t *newly);
void fo_compare(struct fo *c, bool all_folios);
void fo_check(struct fo *c);

/* ops_pool.c */
void fo_op_grow(struct fo *c, struct fz_in *in);
void fo_op_shrink(struct fo *c, struct fz_in *in);
void fo_op_resize(struct fo *c, struct fz_in *in);
void fo_op_overcommit(struct fo *c, struct fz_in *in);
void fo_op_alloc(struct fo *c, struct fz_in *in);
void fo_op_put(struct fo *c, struct fz_in *in);
void fo_op_get(struct fo *c, struct fz_in *in);
void fo_op_demote(struct fo *c, struct fz_in *in);
void fo_op_dissolve(struct fo *c, struct fz_in *in);
void fo_op_grow_zone(struct fo *c, struct fz_in *in);
void fo_op_ref_drop(struct fo *c, struct fz_in *in);
void fo_shrink_apply(struct fo *c, unsigned int h, unsigned int nid, uint64_t failed);
void fo_put_pfn(struct fo *c, uint64_t pfn);
void fo_dissolve_pfn(struct fo *c, uint64_t pfn);

/* ops_hvo.c */
void fo_op_optimize(struct fo *c, struct fz_in *in);
void fo_op_restore(struct fo *c, struct fz_in *in);
void fo_op_optimize_batch(struct fo *c, struct fz_in *in);
void fo_op_restore_batch(struct fo *c, struct fz_in *in);
void fo_op_fail_set(struct fo *c, struct fz_in *in);
void fo_op_fail_clear(struct fo *c, struct fz_in *in);
void fo_op_walk(struct fo *c, struct fz_in *in);
void fo_op_kpageflags(struct fo *c, struct fz_in *in);
void fo_op_frames_alloc(struct fo *c, struct fz_in *in);
void fo_op_frames_free(struct fo *c, struct fz_in *in);
void fo_op_sysctl(struct fo *c, struct fz_in *in);

/* picking operands from the model */
unsigned int fo_pick_h(struct fo *c, struct fz_in *in);
unsigned int fo_pick_node(struct fo *c, struct fz_in *in);
uint64_t fo_pick_pfn(struct fo *c, struct fz_in *in);
struct rm_folio *fo_pick_active(struct fo *c, struct fz_in *in);

#endif /* HVOSIM_FUZZ_OPS_H */
