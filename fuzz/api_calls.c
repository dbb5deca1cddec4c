// SPDX-License-Identifier: MIT
/*
 * api_calls.c - the API fuzzer's calls of hugetlb.h, hugetlb_vmemmap.h,
 * page_alloc.h, walker.h, kpageflags.h, check.h and the fault injection and
 * fault log of sim.h, each with arbitrary arguments and the results its
 * header documents.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <string.h>

#include "fuzz_api.h"

/* ---- hugetlb.h ---- */

void fa_c_hstate_count(struct fa *a)
{
	unsigned int n = hvo_hstate_count(a->sim);

	if (n < 2 || n > HVO_MAX_HSTATES)
		fa_fail(a, "%u hstates", n);
}

void fa_c_hstate_info(struct fa *a)
{
	struct hvo_hstate_info hi;
	unsigned int h = fa_h(a);
	int r = hvo_hstate_info(a->sim, h, &hi);

	fa_rc_in(a, r, -EINVAL, 0, 0);
	if ((r == 0) != (h < hvo_hstate_count(a->sim)))
		fa_fail(a, "hstate %u: returned %d", h, r);
}

void fa_c_hstate_find(struct fa *a)
{
	uint64_t b = fa_u8(a) & 1 ? 1ull << (fa_u8(a) % 40) : fa_bytes(a);
	int r = fa_rc(a, hvo_hstate_find(a->sim, b), (int)hvo_hstate_count(a->sim) - 1);

	if (r < 0 && r != -ENOENT)
		fa_fail(a, "returned %d", r);
}

void fa_c_pool_resize(struct fa *a)
{
	unsigned int h = fa_h(a), nid = fa_nid(a);
	uint64_t actual, count = fa_u8(a) % 16;

	fa_rc_in(a, hvo_pool_resize(a->sim, h, nid, count, fa_u8(a) & 1 ? NULL : &actual),
		 -ENOMEM, -EBUSY, -EINVAL);
}

void fa_c_pool_grow(struct fa *a)
{
	unsigned int h = fa_h(a), nid = fa_nid(a);
	uint64_t done, nr = fa_u8(a) % 8;

	fa_rc_in(a, hvo_pool_grow(a->sim, h, nid, nr, fa_u8(a) & 1 ? NULL : &done),
		 -ENOMEM, -EINVAL, 0);
}

void fa_c_pool_shrink(struct fa *a)
{
	unsigned int h = fa_h(a), nid = fa_nid(a);
	uint64_t done, nr = fa_u8(a) % 8;

	fa_rc_in(a, hvo_pool_shrink(a->sim, h, nid, nr, fa_u8(a) & 1 ? NULL : &done),
		 -EBUSY, -ENOMEM, -EINVAL);
}

void fa_c_pool_set_overcommit(struct fa *a)
{
	unsigned int h = fa_h(a);

	fa_rc_in(a, hvo_pool_set_overcommit(a->sim, h, fa_u8(a) % 4), -EINVAL, 0, 0);
}

void fa_c_folio_alloc(struct fa *a)
{
	unsigned int h = fa_h(a);
	int nid = fa_snid(a), r;
	uint64_t pfn = 0;

	r = hvo_folio_alloc(a->sim, h, nid, &pfn);
	fa_rc_in(a, r, -ENOMEM, -EINVAL, 0);
	if (!r)
		fa_add_held(a, pfn);
}

/* only a folio this harness took can be put */
void fa_c_folio_put(struct fa *a)
{
	uint64_t pfn = fa_pfn(a);
	int r = hvo_folio_put(a->sim, pfn);

	fa_rc_in(a, r, -EINVAL, 0, 0);
	if (!r && !fa_is_held(a, pfn))
		fa_fail(a, "put %#" PRIx64 ", a folio nobody took", pfn);
	if (!r)
		fa_drop_held(a, pfn);
	if (r && fa_is_held(a, pfn))
		fa_fail(a, "refused to put held folio %#" PRIx64, pfn);
}

void fa_c_folio_dissolve(struct fa *a)
{
	uint64_t pfn = fa_pfn(a);
	int r = hvo_folio_dissolve(a->sim, pfn);

	fa_rc_in(a, r, -EBUSY, -ENOMEM, -EINVAL);
	if (!r && fa_is_held(a, pfn))
		fa_fail(a, "dissolved folio %#" PRIx64 " in use", pfn);
}

void fa_c_demote(struct fa *a)
{
	unsigned int src = fa_h(a), dst = fa_h(a), nid = fa_nid(a);
	uint64_t done, nr = fa_u8(a) % 3;

	fa_rc_in(a, hvo_demote(a->sim, src, dst, nid, nr, fa_u8(a) & 1 ? NULL : &done),
		 -EBUSY, -ENOMEM, -EINVAL);
}

void fa_c_folio_lookup(struct fa *a)
{
	struct hvo_folio_info fi;
	uint64_t pfn = fa_pfn(a);
	int r = hvo_folio_lookup(a->sim, pfn, &fi);

	fa_rc_in(a, r, -ENOENT, -ERANGE, 0);
	if (!r && (pfn < fi.head_pfn || pfn >= fi.head_pfn + (1ull << fi.order)))
		fa_fail(a, "pfn %#" PRIx64 " is not in the folio %#" PRIx64 " it names", pfn,
			fi.head_pfn);
}

void fa_c_folio_list(struct fa *a)
{
	uint64_t buf[16];
	unsigned int h = fa_h(a);
	int64_t r = hvo_folio_list(a->sim, h, buf, fa_u8(a) % 17);

	if (r < 0)
		fa_rc_in(a, (int)r, -EINVAL, -ENOMEM, 0);
}

void fa_c_folio_optimize(struct fa *a)
{
	fa_rc_in(a, hvo_folio_optimize(a->sim, fa_pfn(a)), -EINVAL, -EBUSY, -ENOMEM);
}

void fa_c_folio_restore(struct fa *a)
{
	fa_rc_in(a, hvo_folio_restore(a->sim, fa_pfn(a)), -EINVAL, -EBUSY, -ENOMEM);
}

static unsigned int pfn_array(struct fa *a, uint64_t *pfns)
{
	unsigned int n = fa_u8(a) % 9, i;

	for (i = 0; i < n; i++)
		pfns[i] = fa_pfn(a);
	return n;
}

void fa_c_folios_optimize(struct fa *a)
{
	uint64_t pfns[8], done;
	unsigned int n = pfn_array(a, pfns);

	fa_rc_in(a, hvo_folios_optimize(a->sim, pfns, n, fa_u8(a) & 1 ? NULL : &done),
		 -EINVAL, -EBUSY, -ENOMEM);
}

void fa_c_folios_restore(struct fa *a)
{
	uint64_t pfns[8], done;
	unsigned int n = pfn_array(a, pfns);

	fa_rc_in(a, hvo_folios_restore(a->sim, pfns, n, fa_u8(a) & 1 ? NULL : &done),
		 -EINVAL, -EBUSY, -ENOMEM);
}

/* ---- page_alloc.h ---- */

/*
 * Kinds: a harness's own (other), a frame with bytes (vmemmap), or none that
 * exists.  A page-table, hugetlb or shared-tail frame a harness allocates
 * stands for the machine's own structures: tests plant one on purpose to
 * make the checker report an orphan, so the fuzzer does not.
 */
void fa_c_alloc_frames(struct fa *a)
{
	unsigned int nid = fa_nid(a), order = fa_order(a), b = fa_u8(a);
	enum hvo_frame_kind kind = (enum hvo_frame_kind)(b & 0x80 ? b : b % 3 ?
			       HVO_KIND_OTHER : HVO_KIND_VMEMMAP);
	uint64_t pfn;
	int r = hvo_alloc_frames(a->sim, nid, order, kind, fa_u8(a) & 3, &pfn);

	fa_rc_in(a, r, -ENOMEM, -EINVAL, 0);
	if (!r)
		fa_add_block(a, pfn, order);
}

void fa_c_alloc_frames_zone(struct fa *a)
{
	unsigned int nid = fa_nid(a), order = fa_order(a), b = fa_u8(a);
	enum hvo_zone_type zone = (enum hvo_zone_type)(b % 5);
	uint64_t pfn;
	int r = hvo_alloc_frames_zone(a->sim, nid, zone, order, HVO_KIND_OTHER, b & 2, &pfn);

	fa_rc_in(a, r, -ENOMEM, -EINVAL, 0);
	if (!r)
		fa_add_block(a, pfn, order);
}

/* a block of this harness, or anything: the machine's frames must be
 * refused */
void fa_c_free_frames(struct fa *a)
{
	struct fa_block *blk = fa_u8(a) & 1 ? fa_own(a) : NULL;
	uint64_t pfn = blk ? blk->pfn : fa_pfn(a);
	unsigned int order = blk && fa_u8(a) % 4 ? blk->order : fa_order(a), i;
	int r;

	if (blk && blk->prepped >= 0 && order == blk->order) {
		hvo_destroy_compound_page(a->sim, blk->pfn, (unsigned int)blk->prepped);
		blk->prepped = -1;
	}
	r = hvo_free_frames(a->sim, pfn, order);
	fa_rc_in(a, r, -EINVAL, -EBUSY, 0);
	for (i = 0; !r && i < a->nblk; i++)
		if (a->blk[i].pfn == pfn && a->blk[i].order == order) {
			a->blk[i] = a->blk[--a->nblk];
			return;
		}
	if (!r)
		fa_fail(a, "freed %#" PRIx64 " order %u, frames this harness never allocated",
			pfn, order);
	if (blk && order == blk->order)
		fa_fail(a, "refused to free block %#" PRIx64 " order %u it allocated", pfn, order);
}

void fa_c_frame_info(struct fa *a)
{
	struct hvo_frame_info fi;
	uint64_t pfn = fa_pfn(a);
	int r = hvo_frame_info(a->sim, pfn, &fi);

	fa_rc_in(a, r, -ERANGE, 0, 0);
	if ((r == 0) != (pfn < a->geo->nr_pfns))
		fa_fail(a, "pfn %#" PRIx64 ": returned %d", pfn, r);
}

void fa_c_frame_bytes(struct fa *a)
{
	const uint8_t *p = hvo_frame_bytes(a->sim, fa_pfn(a));
	volatile uint8_t x;

	if (p)
		x = p[a->geo->page_size - 1];
	(void)x;
}

void fa_c_zone_free_pages(struct fa *a)
{
	unsigned int nid = fa_nid(a);

	(void)hvo_zone_free_pages(a->sim, nid, (enum hvo_zone_type)(fa_u8(a) % 5));
}

/* ---- walker.h, kpageflags.h ---- */

void fa_c_walk_pfn(struct fa *a)
{
	uint64_t pfn = fa_pfn(a);
	uint8_t m = fa_u8(a);
	int r = hvo_walk_pfn(a->sim, pfn, (enum hvo_walk_mode)(m & 0x80 ? m : m % 2));

	fa_rc(a, r, HVO_WALK_FAULT);
	if (r == HVO_WALK_RACED || (r == HVO_WALK_FAULT &&
				    (hvo_sim_config(a->sim)->scheme != HVO_SCHEME_FAKE_HEAD ||
				     hvo_sim_config(a->sim)->rcu_sync)))
		fa_fail(a, "walk of %#" PRIx64 " gave %d on one thread", pfn, r);
}

void fa_c_page_ref_add_unless_spec(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own);
	int r = hvo_page_ref_add_unless_spec(a->sim, page, 1, (int32_t)(fa_u8(a) % 3));

	fa_rc(a, r, 1);
	if (!own && r >= 0)
		fa_fail(a, "took a reference through a bad address %#" PRIx64, page);
	if (r == 1)
		fa_rc(a, hvo_page_ref_add(a->sim, page, -1, NULL), 0);
}

/* put_page() on a held folio (drops that reference) or a bad address */
void fa_c_page_put(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own), pfn;
	int r;

	if (fa_u8(a) & 1 && a->nheld) {
		pfn = a->held[fa_u8(a) % a->nheld];
		fa_rc(a, hvo_page_put(a->sim, hvo_pfn_to_page(a->sim, pfn)), 0);
		fa_drop_held(a, pfn);
		return;
	}
	if (own)
		return;		/* refcounts of harness frames are left alone */
	r = hvo_page_put(a->sim, page);
	fa_rc(a, r, 0);
	if (!r)
		fa_fail(a, "put through a bad address %#" PRIx64, page);
}

/* a read-side section around a few lookups; synchronize_rcu() outside */
void fa_c_rcu_read_lock(struct fa *a)
{
	struct hvo_rcu_token t[3];
	unsigned int n = 1 + fa_u8(a) % 3, i;

	for (i = 0; i < n; i++)
		t[i] = hvo_rcu_read_lock(a->sim);
	(void)hvo_compound_head(a->sim, fa_page(a));
	while (n--)
		hvo_rcu_read_unlock(a->sim, t[n]);
}

void fa_c_synchronize_rcu(struct fa *a)
{
	hvo_synchronize_rcu(a->sim);
}

void fa_c_kpageflags(struct fa *a)
{
	uint64_t pfn = fa_pfn(a), fl;
	int r = hvo_kpageflags(a->sim, pfn, &fl);

	fa_rc_in(a, r, -ERANGE, 0, 0);
	if (r && fl != 1ull << HVO_KPF_NOPAGE)
		fa_fail(a, "pfn %#" PRIx64 ": %d with flags %#" PRIx64, pfn, r, fl);
}

/* ---- fault injection, the fault log, the checker ---- */

void fa_c_fail_set(struct fa *a)
{
	static const double probs[8] = { 0, 0.25, 1, -0.5, 1.5, NAN, INFINITY, 1e-9 };
	uint8_t b = fa_u8(a), nth = fa_u8(a), p = fa_u8(a);
	struct hvo_fail_spec s = {
		.site = (enum hvo_alloc_site)(b & 0x80 ? (int)b - 200 : b % HVO_NR_SITES),
		.nth = nth % 5,
		.probability = probs[p % 8],
		.persistent = b & 0x40,
	};

	fa_rc_in(a, hvo_fail_set(a->sim, &s), -EINVAL, 0, 0);
}

void fa_c_fail_clear(struct fa *a)
{
	hvo_fail_clear(a->sim);
}

void fa_c_fail_injected(struct fa *a)
{
	(void)hvo_fail_injected(a->sim);
}

void fa_c_fault_log_count(struct fa *a)
{
	(void)hvo_fault_log_count(a->sim);
}

void fa_c_fault_log_get(struct fa *a)
{
	struct hvo_fault f;
	char buf[160];
	uint64_t i = fa_u8(a) & 1 ? fa_u64(a) : fa_u8(a) % 4;
	int r = hvo_fault_log_get(a->sim, i, &f);

	fa_rc_in(a, r, -ENOENT, 0, 0);
	if (!r && hvo_fault_format(&f, buf, 1 + fa_u8(a) % sizeof(buf)) != buf)
		fa_fail(a, "hvo_fault_format did not return its buffer");
}

void fa_c_fault_log_clear(struct fa *a)
{
	hvo_fault_log_clear(a->sim);
}

void fa_c_check(struct fa *a)
{
	static const char *const names[] = { "pool", "accounting", "read-only", "nonsense" };
	int64_t v = hvo_check(a->sim, a->rep);

	if (v || hvo_report_has(a->rep, names[fa_u8(a) % 4]))
		fa_fail(a, "%" PRId64 " violation(s)", v);
}
