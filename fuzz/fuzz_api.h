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
 * fault injection) and api_calls2.c (struct pages, page table, machine,
 * config, names) */
#define FA_CALLS(X)							\
	X(hstate_count) X(hstate_info) X(hstate_find) X(pool_resize)	\
	X(pool_grow) X(pool_shrink) X(pool_set_overcommit) X(folio_alloc) \
	X(folio_put) X(folio_dissolve) X(demote) X(folio_lookup)	\
	X(folio_list) X(folio_optimize) X(folio_restore)		\
	X(folios_optimize) X(folios_restore) X(alloc_frames)		\
	X(alloc_frames_zone) X(free_frames) X(frame_info) X(frame_bytes) \
	X(zone_free_pages) X(walk_pfn) X(page_ref_add_unless_spec)	\
	X(page_put) X(rcu_read_lock) X(synchronize_rcu) X(kpageflags)	\
	X(fail_set) X(fail_clear) X(fail_injected) X(fault_log_count)	\
	X(fault_log_get) X(fault_log_clear) X(check)			\
	X(pfn_to_page) X(page_to_pfn) X(page_read) X(page_write)	\
	X(compound_info_value) X(compound_head) X(page_fixed_fake_head)	\
	X(page_head) X(page_tail) X(page_refcount) X(page_ref_add_unless) \
	X(page_ref_add) X(page_ref_freeze) X(page_test_flag)		\
	X(page_node_zone) X(prep_compound_page) X(destroy_compound_page) \
	X(init_compound_tail) X(folio_get) X(folio_set)			\
	X(page_word_present) X(vmemmap_translate) X(vmemmap_split_pmd)	\
	X(vmemmap_set_pte) X(vmemmap_set_ro) X(flush_tlb_kernel_range)	\
	X(flush_tlb_all) X(vmemmap_range) X(sim_stats) X(sim_geometry)	\
	X(names) X(site_parse) X(zone_span) X(pfn_zone)			\
	X(config_validate) X(config_set) X(parse_size) X(sim_create)	\
	X(sim_set_yield_hook) X(sim_set_timing)

#define FA_DECLARE(n) void fa_c_##n(struct fa *a);
FA_CALLS(FA_DECLARE)
#undef FA_DECLARE

#endif /* HVOSIM_FUZZ_API_H */
