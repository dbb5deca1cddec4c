// SPDX-License-Identifier: MIT
/*
 * ops_check.c - the operation fuzzer's oracle: what the library reports
 * (hvo_hstate_info(), hvo_sim_stats(), hvo_folio_list(),
 * hvo_folio_lookup(), the vmemmap page table) against what the reference
 * model predicts, and hvo_check() after every operation.
 *
 * Where an outcome depends on which allocation failed (fault injection or
 * a machine out of memory), the library's state is observed and accepted
 * only if it is one the kernel's rules allow; the model then follows it.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_ops.h"

void fo_fail(struct fo *c, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "fuzz_ops: op #%u %s(%s): ", c->opno, c->op ? c->op : "boot", c->args);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, "\nfuzz_ops: last library message: %s\n", hvo_last_error());
	abort();
}

void fo_expect_rc(struct fo *c, int rc, int want)
{
	if (rc != want)
		fo_fail(c, "returned %d, the model expects %d", rc, want);
}

void fo_expect_rc2(struct fo *c, int rc, int a, int b)
{
	if (rc != a && rc != b)
		fo_fail(c, "returned %d, the model expects %d or %d", rc, a, b);
}

/* can the op's allocations fail?  Not if no rule covers its sites and the
 * order-0 frames it may need are there (they fall back across zones) */
bool fo_exact(struct fo *c, unsigned int sites, uint64_t need)
{
	if (c->armed && (c->site == HVO_SITE_ANY || (sites & FO_SITE(c->site))))
		return false;
	return rm_free_nonmovable(&c->m) >= need + 16;
}

void fo_touch(struct fo *c, uint64_t pfn)
{
	if (c->ntouched < FO_MAX_TOUCHED)
		c->touched[c->ntouched++] = pfn;
}

static void diff_push(struct fo *c, bool add, uint64_t pfn, unsigned int h)
{
	uint64_t n = c->nadded > c->nremoved ? c->nadded : c->nremoved;

	if (n == c->capdiff) {
		uint64_t cap = c->capdiff ? c->capdiff * 2 : 64;
		struct fo_diff *a = realloc(c->added, cap * sizeof(*a));
		struct fo_diff *r = a ? realloc(c->removed, cap * sizeof(*r)) : NULL;

		if (!a || !r)
			fo_fail(c, "out of host memory");
		c->added = a;
		c->removed = r;
		c->capdiff = cap;
	}
	if (add)
		c->added[c->nadded++] = (struct fo_diff){ pfn, h };
	else
		c->removed[c->nremoved++] = (struct fo_diff){ pfn, h };
}

static int64_t lib_list(struct fo *c, unsigned int h)
{
	int64_t n = hvo_folio_list(c->sim, h, c->scratch, c->capscratch);

	if (n < 0)
		fo_fail(c, "hvo_folio_list(%u) returned %" PRId64, h, n);
	if ((uint64_t)n > c->capscratch) {
		free(c->scratch);
		c->capscratch = (uint64_t)n * 2;
		c->scratch = malloc(c->capscratch * sizeof(*c->scratch));
		if (!c->scratch)
			fo_fail(c, "out of host memory");
		n = hvo_folio_list(c->sim, h, c->scratch, c->capscratch);
	}
	return n;
}

/* the folios the library has and the model has not (added), and back */
void fo_diff(struct fo *c)
{
	unsigned int h;

	c->nadded = c->nremoved = 0;
	for (h = 0; h < c->m.nr_hstates; h++) {
		int64_t n = lib_list(c, h), i = 0;
		uint64_t j = 0;

		while (i < n || j < c->m.nf) {
			if (j < c->m.nf && c->m.f[j].h != h) {
				j++;
				continue;
			}
			if (j < c->m.nf && (i == n || c->m.f[j].pfn < c->scratch[i])) {
				diff_push(c, false, c->m.f[j++].pfn, h);
			} else if (j == c->m.nf || c->scratch[i] < c->m.f[j].pfn) {
				diff_push(c, true, c->scratch[i++], h);
			} else {
				i++;
				j++;
			}
		}
	}
}

void fo_expect_no_diff(struct fo *c)
{
	fo_diff(c);
	if (c->nadded)
		fo_fail(c, "folio %#" PRIx64 " (hstate %u) appeared", c->added[0].pfn,
			c->added[0].h);
	if (c->nremoved)
		fo_fail(c, "folio %#" PRIx64 " (hstate %u) disappeared", c->removed[0].pfn,
			c->removed[0].h);
}

bool fo_lib_optimized(struct fo *c, uint64_t pfn)
{
	struct hvo_folio_info fi;
	int r = hvo_folio_lookup(c->sim, pfn, &fi);

	if (r || fi.head_pfn != pfn)
		fo_fail(c, "hvo_folio_lookup(%#" PRIx64 ") returned %d", pfn, r);
	return fi.optimized;
}

bool fo_lib_has(struct fo *c, uint64_t pfn)
{
	struct hvo_folio_info fi;

	return hvo_folio_lookup(c->sim, pfn, &fi) == 0 && fi.head_pfn == pfn;
}

/* which of the folio's PMDs the model still has as leaves were split */
void fo_observe_pmds(struct fo *c, const struct rm_folio *f)
{
	uint64_t first, n = rm_folio_pmds(&c->m, f, &first), i;
	struct hvo_translation tr;

	for (i = 0; i < n; i++) {
		if (!rm_pmd_is_leaf(&c->m, first + i))
			continue;
		if (hvo_vmemmap_translate(c->sim, rm_pmd_vaddr(&c->m, first + i), &tr))
			fo_fail(c, "vmemmap PMD %" PRIu64 " is unmapped", first + i);
		if (tr.level == 0)
			rm_set_pmd_split(&c->m, first + i);
	}
}

/*
 * hugetlb_vmemmap_optimize_folios() as the model sees it: every PMD of an
 * optimizable folio in the batch is split first, then every optimizable
 * folio not optimized yet is optimized.  Not exact: each folio may have
 * been left unoptimized (never the other way round).
 */
void fo_batch_optimize(struct fo *c, const uint64_t *pfns, uint64_t n, bool exact,
		       uint64_t *newly)
{
	struct refmodel *m = &c->m;
	uint64_t i, k = 0;

	for (i = 0; i < n; i++) {
		struct rm_folio *f = rm_folio(m, pfns[i]);
		bool opt;

		fo_touch(c, pfns[i]);
		if (!rm_hvo_wanted(m, f->h)) {
			if (!exact && fo_lib_optimized(c, f->pfn) && !f->opt)
				fo_fail(c, "folio %#" PRIx64 " is optimized with HVO off or "
					"unable to", f->pfn);
			continue;
		}
		if (exact)
			rm_split_pmds(m, f);
		opt = exact ? true : fo_lib_optimized(c, f->pfn);
		if (f->opt && !opt)
			fo_fail(c, "optimizing a batch restored folio %#" PRIx64, f->pfn);
		if (opt && !f->opt) {
			rm_split_pmds(m, f);
			rm_optimize(m, f);
			k++;
		} else if (!opt) {
			rm_tail_attempt(m, f);
		}
		if (!exact)
			fo_observe_pmds(c, f);
	}
	if (newly)
		*newly = k;
}
