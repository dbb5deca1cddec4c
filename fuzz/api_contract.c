// SPDX-License-Identifier: MIT
/*
 * api_contract.c - the API fuzzer's calls of issue 8's contract: one
 * bad-input rule for the whole API.  A NULL machine, config or required
 * pointer is refused with -EINVAL (or the value the header documents for
 * functions that return no errno) and a message; nothing is written,
 * allocated or leaked.  Also the calls that came with the contract: zone
 * placement (hvo_pool_grow_zone(), hvo_folio_alloc_zone()), the
 * vm.hugetlb_optimize_vmemmap sysctl, hvo_folio_vmemmap_frames() and
 * hvo_fault_log_newest().
 *
 * The schedule explorer's exports (explore.h: hvo_explore*, hvo_scenario_*,
 * hvo_snapshot_*) are left out: their NULL rules are not written yet.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "fuzz_api.h"

/* where a pointer the call must not touch points: big enough for any
 * out-parameter, so a library that writes it anyway is caught by
 * comparing, not by a crash */
static union {
	uint64_t u[64];
	struct hvo_hstate_info hi;
	struct hvo_folio_info fi;
	struct hvo_fault f;
	struct hvo_frame_info fr;
	struct hvo_translation tr;
	struct hvo_fail_spec fs;
	struct hvo_config cfg;
	struct hvo_stats st;
} scratch;
#define P ((void *)&scratch)

/* ---- a NULL machine (or config): -EINVAL ---- */

#define NS(name, ...) \
	static int ns_##name(uint64_t x)					\
	{ (void)x; return (int)hvo_##name(NULL, __VA_ARGS__); }
#define NS0(name) \
	static int ns_##name(uint64_t x) { (void)x; return (int)hvo_##name(NULL); }

NS(fail_set, P)
NS(fault_log_get, x, P)
NS0(fault_log_newest)
NS(check, P)
NS(alloc_frames, (unsigned int)x, (unsigned int)x, HVO_KIND_OTHER, 0, P)
NS(alloc_frames_zone, (unsigned int)x, HVO_ZONE_NORMAL, (unsigned int)x, HVO_KIND_OTHER,
   0, P)
NS(free_frames, x, (unsigned int)x)
NS(hstate_info, (unsigned int)x, P)
NS(hstate_find, x)
NS(pool_resize, (unsigned int)x, 0, x, P)
NS(pool_grow, (unsigned int)x, 0, x, P)
NS(pool_grow_zone, (unsigned int)x, 0, (int)x, x, P)
NS(pool_shrink, (unsigned int)x, 0, x, P)
NS(pool_set_overcommit, (unsigned int)x, x)
NS(folio_alloc, (unsigned int)x, (int)x, P)
NS(folio_alloc_zone, (unsigned int)x, (int)x, (int)x, P)
NS(folio_put, x)
NS(folio_dissolve, x)
NS(demote, (unsigned int)x, 0, 0, x, P)
NS(folio_lookup, x, P)
NS(folio_list, (unsigned int)x, P, 4)
NS(folio_vmemmap_frames, x, P, 4, P)
NS(folio_optimize, x)
NS(folio_restore, x)
NS(folios_optimize, P, 1, P)
NS(folios_restore, P, 1, P)
NS0(sysctl_optimize_vmemmap_read)
NS(sysctl_optimize_vmemmap_write, x & 1)
NS(kpageflags, x, P)
NS(page_to_pfn, x, P)
NS(page_read, x, (unsigned int)x, P)
NS(page_write, x, (unsigned int)x, x)
NS(page_head, x)
NS(page_tail, x)
NS(page_refcount, x, P)
NS(page_ref_add_unless, x, (int32_t)x, (int32_t)x)
NS(page_ref_add_unless_spec, x, (int32_t)x, (int32_t)x)
NS(page_ref_add, x, (int32_t)x, P)
NS(page_ref_freeze, x, (int32_t)x)
NS(page_put, x)
NS(page_test_flag, x, (unsigned int)x)
NS(page_node_zone, x, P, P)
NS(prep_compound_page, x, (unsigned int)x)
NS(destroy_compound_page, x, (unsigned int)x)
NS(folio_get, x, (unsigned int)x, P)
NS(folio_set, x, (unsigned int)x, x)
NS(frame_info, x, P)
NS(vmemmap_translate, x, P)
NS(vmemmap_split_pmd, x, x & 1)
NS(vmemmap_set_pte, x, x, x & 1, P)
NS(vmemmap_set_ro, x, x, x & 1)
NS(zone_span, (unsigned int)x, HVO_ZONE_NORMAL, P, P)
NS(pfn_zone, x, P, P)
NS(walk_pfn, x, HVO_WALK_PAGE)
NS(config_set, "seed", "1")
NS(parse_size, P)
/* the one out-parameter a refused call writes: NULL, as documented */
static int ns_sim_create(uint64_t x)
{
	struct hvo_sim *out = (struct hvo_sim *)P;
	int r = hvo_sim_create(NULL, &out);

	(void)x;
	return out ? 1 : r;
}
NS0(config_validate)

#undef NS
#undef NS0

struct fa_null {
	const char *name;
	int (*fn)(uint64_t x);
};

#define E(name) { "hvo_" #name, ns_##name },
static const struct fa_null null_sim[] = {
	E(fail_set) E(fault_log_get) E(fault_log_newest) E(check) E(alloc_frames)
	E(alloc_frames_zone) E(free_frames) E(hstate_info) E(hstate_find) E(pool_resize)
	E(pool_grow) E(pool_grow_zone) E(pool_shrink) E(pool_set_overcommit) E(folio_alloc)
	E(folio_alloc_zone) E(folio_put) E(folio_dissolve) E(demote) E(folio_lookup)
	E(folio_list) E(folio_vmemmap_frames) E(folio_optimize) E(folio_restore)
	E(folios_optimize) E(folios_restore) E(sysctl_optimize_vmemmap_read)
	E(sysctl_optimize_vmemmap_write) E(kpageflags) E(page_to_pfn) E(page_read)
	E(page_write) E(page_head) E(page_tail) E(page_refcount) E(page_ref_add_unless)
	E(page_ref_add_unless_spec) E(page_ref_add) E(page_ref_freeze) E(page_put)
	E(page_test_flag) E(page_node_zone) E(prep_compound_page) E(destroy_compound_page)
	E(folio_get) E(folio_set) E(frame_info) E(vmemmap_translate) E(vmemmap_split_pmd)
	E(vmemmap_set_pte) E(vmemmap_set_ro) E(zone_span) E(pfn_zone) E(walk_pfn)
	E(config_set) E(parse_size) E(sim_create) E(config_validate)
};
#undef E
#define NR_NULL_SIM (sizeof(null_sim) / sizeof(null_sim[0]))

/* the calls that return no errno: the value documented for a NULL @sim */
static void null_sim_values(struct fa *a, uint64_t x)
{
	struct hvo_rcu_token t;

	if (hvo_fail_injected(NULL) || hvo_fault_log_count(NULL) || hvo_hstate_count(NULL) ||
	    hvo_pfn_to_page(NULL, x) || hvo_compound_head(NULL, x) ||
	    hvo_page_fixed_fake_head(NULL, x) ||
	    hvo_zone_free_pages(NULL, 0, HVO_ZONE_NORMAL) ||
	    hvo_page_word_present(NULL, (unsigned int)x) || hvo_frame_bytes(NULL, x) ||
	    hvo_sim_geometry(NULL) || hvo_sim_config(NULL) || hvo_report_has(NULL, "x") ||
	    hvo_fault_format(NULL, (char *)P, 8) || hvo_sim_destroy(NULL))
		fa_fail(a, "a NULL argument gave something other than 0 or NULL");
	/* the void ones: nothing happens */
	hvo_fail_clear(NULL);
	hvo_fault_log_clear(NULL);
	hvo_sim_stats(NULL, P);
	hvo_sim_stats(a->sim, NULL);
	hvo_vmemmap_range(NULL, x, x, P, P);
	hvo_init_compound_tail(NULL, P, x, 0, 0, HVO_ZONE_NORMAL);
	hvo_sim_set_timing(NULL, true);
	hvo_flush_tlb_kernel_range(NULL, x, x);
	hvo_flush_tlb_all(NULL);
	hvo_synchronize_rcu(NULL);
	hvo_config_init(NULL);
	/* a refused lock holds no section: unlocking it, on any machine, is a
	 * no-op */
	t = hvo_rcu_read_lock(NULL);
	hvo_rcu_read_unlock(NULL, t);
	hvo_rcu_read_unlock(a->sim, t);
}

/* ---- a real machine, a NULL required pointer: -EINVAL (or -ERANGE for a
 * pfn or page the machine does not have, if checked first) ---- */

#define NP(name, ...) \
	static int np_##name(struct hvo_sim *s, uint64_t x)			\
	{ (void)x; return (int)hvo_##name(s, __VA_ARGS__); }

NP(fail_set, NULL)
NP(fault_log_get, x % 4, NULL)
NP(check, NULL)
NP(alloc_frames, 0, (unsigned int)x % 4, HVO_KIND_OTHER, 0, NULL)
NP(alloc_frames_zone, 0, HVO_ZONE_NORMAL, (unsigned int)x % 4, HVO_KIND_OTHER, 0, NULL)
NP(hstate_info, (unsigned int)x % 2, NULL)
NP(folio_alloc, (unsigned int)x % 2, -1, NULL)
NP(folio_alloc_zone, (unsigned int)x % 2, -1, (int)(x % 4) - 1, NULL)
NP(folio_lookup, x, NULL)
NP(folio_list, (unsigned int)x % 2, NULL, 1 + x % 4)
NP(folio_vmemmap_frames, x, NULL, 4, NULL)
NP(folios_optimize, NULL, 1 + x % 4, NULL)
NP(folios_restore, NULL, 1 + x % 4, NULL)
NP(kpageflags, x, NULL)
NP(page_to_pfn, x, NULL)
NP(page_read, x, 0, NULL)
NP(page_refcount, x, NULL)
NP(folio_get, x, 0, NULL)
NP(frame_info, x, NULL)
NP(vmemmap_translate, x, NULL)

#undef NP

struct fa_nullp {
	const char *name;
	int (*fn)(struct hvo_sim *s, uint64_t x);
};

#define E(name) { "hvo_" #name, np_##name },
static const struct fa_nullp null_ptr[] = {
	E(fail_set) E(fault_log_get) E(check) E(alloc_frames) E(alloc_frames_zone)
	E(hstate_info) E(folio_alloc) E(folio_alloc_zone) E(folio_lookup) E(folio_list)
	E(folio_vmemmap_frames) E(folios_optimize) E(folios_restore) E(kpageflags)
	E(page_to_pfn) E(page_read) E(page_refcount) E(folio_get) E(frame_info)
	E(vmemmap_translate)
};
#undef E
#define NR_NULL_PTR (sizeof(null_ptr) / sizeof(null_ptr[0]))

/* the untouched scratch must stay so */
static void scratch_fill(void)
{
	memset(&scratch, 0xa5, sizeof(scratch));
}

static void scratch_same(struct fa *a, const char *name)
{
	const unsigned char *p = (const unsigned char *)&scratch;
	size_t i;

	for (i = 0; i < sizeof(scratch); i++)
		if (p[i] != 0xa5)
			fa_fail(a, "%s wrote through a pointer of a refused call", name);
}

/* one call of the contract: a NULL machine, or a NULL required pointer */
void fa_c_null_args(struct fa *a)
{
	uint8_t k = fa_u8(a);
	uint64_t x = fa_u8(a) & 1 ? fa_u64(a) : fa_pfn(a);
	const char *name;
	int r;

	scratch_fill();
	if (k & 1) {
		name = null_sim[(k >> 1) % NR_NULL_SIM].name;
		r = null_sim[(k >> 1) % NR_NULL_SIM].fn(x);
		fa_rc_in(a, r, -EINVAL, 0, 0);
		if (r != -EINVAL)
			fa_fail(a, "%s with a NULL machine returned %d", name, r);
		if (k == 0xff)
			null_sim_values(a, x);
	} else {
		name = null_ptr[(k >> 1) % NR_NULL_PTR].name;
		r = null_ptr[(k >> 1) % NR_NULL_PTR].fn(a->sim, x);
		fa_rc_in(a, r, -EINVAL, -ERANGE, 0);
		if (!r)
			fa_fail(a, "%s with a NULL pointer returned 0", name);
	}
	scratch_same(a, name);
}

/* ---- the calls that came with the contract ---- */

void fa_c_pool_grow_zone(struct fa *a)
{
	unsigned int h = fa_h(a), nid = fa_nid(a);
	int zone = (int)(fa_u8(a) % 6) - 2;
	uint64_t done, nr = fa_u8(a) % 4;
	bool want_done = fa_u8(a) & 1;

	fa_rc_in(a, hvo_pool_grow_zone(a->sim, h, nid, zone, nr, want_done ? &done : NULL),
		 -ENOMEM, -EINVAL, 0);
}

void fa_c_folio_alloc_zone(struct fa *a)
{
	unsigned int h = fa_h(a);
	int nid = fa_snid(a), zone = (int)(fa_u8(a) % 6) - 2, r;
	uint64_t pfn = 0;

	r = hvo_folio_alloc_zone(a->sim, h, nid, zone, &pfn);
	fa_rc_in(a, r, -ENOMEM, -EINVAL, 0);
	if (!r)
		fa_add_held(a, pfn);
}

/* read or write vm.hugetlb_optimize_vmemmap: 1/0, or -ENOENT on a
 * machine where no hstate is optimizable */
void fa_c_sysctl(struct fa *a)
{
	uint8_t b = fa_u8(a);
	int r = b & 1 ? hvo_sysctl_optimize_vmemmap_write(a->sim, b & 2)
		      : hvo_sysctl_optimize_vmemmap_read(a->sim);

	fa_rc_in(a, r < 0 ? r : 0, -ENOENT, 0, 0);
	if (r > 1 || (b & 1 && r > 0))
		fa_fail(a, "returned %d", r);
}

void fa_c_folio_vmemmap_frames(struct fa *a)
{
	struct hvo_vmemmap_frame fr[8];
	uint64_t pfn = fa_pfn(a), nr = ~0ull, max = fa_u8(a) % 9;
	int r = hvo_folio_vmemmap_frames(a->sim, pfn, max ? fr : NULL, max, &nr);

	fa_rc_in(a, r, -EINVAL, -ERANGE, -EFAULT);
}

void fa_c_fault_log_newest(struct fa *a)
{
	int64_t r = hvo_fault_log_newest(a->sim);

	if (r < 0)
		fa_rc_in(a, (int)r, -ENOENT, 0, 0);
	else if ((uint64_t)r >= hvo_fault_log_count(a->sim))
		fa_fail(a, "newest record %" PRId64 " of %" PRIu64, r,
			hvo_fault_log_count(a->sim));
}
