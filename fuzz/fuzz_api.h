/* SPDX-License-Identifier: MIT */
/*
 * fuzz_api.h - what the API fuzzer's files share: its context, the checks
 * of a call's result (fuzz_api.c), the argument generators (api_args.c)
 * and the table of calls (api_calls.c, api_calls2.c).
 */
#ifndef HVOSIM_FUZZ_API_H
#define HVOSIM_FUZZ_API_H

#include <stdbool.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

#include "fuzz_input.h"

#define FA_MAX_CALLS 256
#define FA_MAX_BLOCKS 16
#define FA_MAX_HELD 16

/* a block of frames this harness allocated: the only frames whose struct
 * pages it writes */
struct fa_block {
	uint64_t pfn;
	unsigned int order;
	int prepped;		/* compound order prepared at its start, or -1 */
};

struct fa {
	struct hvo_sim *sim;
	const struct hvo_geometry *geo;
	struct hvo_report *rep;
	struct fz_in *in;
	const char *call;
	unsigned int ncall;
	struct fa_block blk[FA_MAX_BLOCKS];
	unsigned int nblk;
	uint64_t held[FA_MAX_HELD];	/* one entry per reference held */
	unsigned int nheld;
};

struct fa_call {
	const char *name;
	void (*fn)(struct fa *a);
	bool mutates;
};

/* fuzz_api.c */
void fa_fail(struct fa *a, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));
int fa_rc(struct fa *a, int rc, int max);
void fa_rc_in(struct fa *a, int rc, int e1, int e2, int e3);

/* api_args.c: arbitrary arguments */
uint8_t fa_u8(struct fa *a);
uint64_t fa_u64(struct fa *a);
uint64_t fa_pfn(struct fa *a);
uint64_t fa_page(struct fa *a);
unsigned int fa_order(struct fa *a);
unsigned int fa_nid(struct fa *a);
int fa_snid(struct fa *a);
unsigned int fa_h(struct fa *a);
uint64_t fa_bytes(struct fa *a);
void fa_string(struct fa *a, char *buf, unsigned int len, const char *const *dict);
struct fa_block *fa_own(struct fa *a);
uint64_t fa_own_or_bad_page(struct fa *a, bool *own);
bool fa_is_held(const struct fa *a, uint64_t pfn);
void fa_drop_held(struct fa *a, uint64_t pfn);
void fa_add_held(struct fa *a, uint64_t pfn);
void fa_add_block(struct fa *a, uint64_t pfn, unsigned int order);

/* the calls, hvo_<name> each: api_calls.c (pools, HVO, frames, walkers,
 * fault injection), api_calls2.c (struct pages, page table),
 * api_machine.c (machine, config, names) and api_contract.c (NULL
 * arguments, zones, the sysctl); M(): may change the machine, so
 * hvo_check() runs after it; R(): reads only.  New calls go at the end: an
 * opcode byte below the old count still means the same call */
#define FA_CALLS(M, R) \
	R(hstate_count) R(hstate_info) R(hstate_find) M(pool_resize) \
	M(pool_grow) M(pool_shrink) M(pool_set_overcommit) M(folio_alloc) \
	M(folio_put) M(folio_dissolve) M(demote) R(folio_lookup) \
	R(folio_list) M(folio_optimize) M(folio_restore) M(folios_optimize) \
	M(folios_restore) M(alloc_frames) M(alloc_frames_zone) \
	M(free_frames) R(frame_info) R(frame_bytes) R(zone_free_pages) \
	M(walk_pfn) M(page_ref_add_unless_spec) M(page_put) R(rcu_read_lock) \
	R(synchronize_rcu) R(kpageflags) R(fail_set) R(fail_clear) \
	R(fail_injected) R(fault_log_count) R(fault_log_get) \
	R(fault_log_clear) R(check) R(pfn_to_page) R(page_to_pfn) \
	R(page_read) M(page_write) R(compound_info_value) R(compound_head) \
	R(page_fixed_fake_head) R(page_head) R(page_tail) R(page_refcount) \
	M(page_ref_add_unless) M(page_ref_add) M(page_ref_freeze) \
	R(page_test_flag) R(page_node_zone) M(prep_compound_page) \
	M(destroy_compound_page) R(init_compound_tail) R(folio_get) \
	M(folio_set) R(page_word_present) R(vmemmap_translate) \
	M(vmemmap_split_pmd) M(vmemmap_set_pte) M(vmemmap_set_ro) \
	R(flush_tlb_kernel_range) R(flush_tlb_all) R(vmemmap_range) \
	R(sim_stats) R(sim_geometry) R(names) R(site_parse) R(zone_span) \
	R(pfn_zone) R(config_validate) R(config_set) R(parse_size) \
	R(sim_create) M(sim_set_yield_hook) R(sim_set_timing) \
	M(pool_grow_zone) M(folio_alloc_zone) M(sysctl) R(folio_vmemmap_frames) \
	R(fault_log_newest) M(null_args)

#define FA_DECLARE(n) void fa_c_##n(struct fa *a);
FA_CALLS(FA_DECLARE, FA_DECLARE)
#undef FA_DECLARE

#endif /* HVOSIM_FUZZ_API_H */
