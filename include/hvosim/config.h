/* SPDX-License-Identifier: MIT */
/*
 * hvosim/config.h - the description of a simulated machine.
 *
 * A config is a plain value: fill it with hvo_config_init(), change what you
 * need, hand it to hvo_sim_create().  Nothing in it is read after creation.
 *
 * Concurrency on one struct hvo_config (X: may run concurrently, -: must
 * not); on different configs everything is X:
 *
 *                                          [1] [2] [3]
 *   [1] hvo_config_init, hvo_config_set     -   -   X
 *   [2] hvo_config_validate                 -   X   X
 *   [3] hvo_scheme_name, hvo_parse_size     X   X   X
 *
 *   [1] write the config, [2] reads it, [3] touch none.  hvo_sim_create()
 *   (sim.h) reads its config as [2] does, and not after it returns.
 */
#ifndef HVOSIM_CONFIG_H
#define HVOSIM_CONFIG_H

#include <stdbool.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/** Most NUMA nodes a simulated machine may have. */
#define HVO_MAX_NODES 8

/**
 * enum hvo_scheme - which HVO design the machine runs.
 * @HVO_SCHEME_NONE: HVO off; every struct page has its own vmemmap frame.
 * @HVO_SCHEME_FAKE_HEAD: Linux 5.18 .. 7.0: tails remapped RO onto a copy of
 *	the folio's own head frame, hence fake heads, page_fixed_fake_head(),
 *	the static key and VMEMMAP_SYNCHRONIZE_RCU.
 * @HVO_SCHEME_SHARED_TAIL: Linux 7.1+ and the v1..v6 proposals: tails
 *	remapped RO onto one shared, pre-initialised tail frame; mask-encoded
 *	compound_info so every tail of an order is byte-identical.
 */
enum hvo_scheme {
	HVO_SCHEME_NONE = 0,
	HVO_SCHEME_FAKE_HEAD,
	HVO_SCHEME_SHARED_TAIL,
};

/**
 * enum hvo_tail_scope - what one shared tail frame is shared by.
 * @HVO_SCOPE_ZONE: one per (zone, order): v7, as merged.
 * @HVO_SCOPE_NODE: one per (node, order): v2..v6.
 * @HVO_SCOPE_HSTATE: one per hstate: v1, the seed patch.
 */
enum hvo_tail_scope {
	HVO_SCOPE_ZONE = 0,
	HVO_SCOPE_NODE,
	HVO_SCOPE_HSTATE,
};

/**
 * enum hvo_tail_alloc - how the lazily allocated shared tail is published.
 * @HVO_TAIL_ALLOC_CMPXCHG: read, allocate, cmpxchg, loser frees (merged).
 * @HVO_TAIL_ALLOC_LOCK: check and publish under hugetlb_lock (v2).
 * @HVO_TAIL_ALLOC_NONE: unsynchronised (v1): a known bug, kept on purpose.
 */
enum hvo_tail_alloc {
	HVO_TAIL_ALLOC_CMPXCHG = 0,
	HVO_TAIL_ALLOC_LOCK,
	HVO_TAIL_ALLOC_NONE,
};

/**
 * enum hvo_tail_lifetime - when a shared tail frame is freed.
 * @HVO_TAIL_NEVER: never (merged).
 * @HVO_TAIL_LAST_USER: when the last folio mapping it is restored (asked
 *	for in review, never merged).
 */
enum hvo_tail_lifetime {
	HVO_TAIL_NEVER = 0,
	HVO_TAIL_LAST_USER,
};

/**
 * enum hvo_encoding - how a tail's compound_info names its head.
 * @HVO_ENC_AUTO: mask if the scheme is shared-tail and the struct page size
 *	is a power of 2 (compound_info_has_mask()), pointer otherwise.
 * @HVO_ENC_POINTER: compound_info = head | 1 (every kernel before 7.1).
 * @HVO_ENC_MASK: compound_info = GENMASK(63, order + log2(stride)) | 1.
 */
enum hvo_encoding {
	HVO_ENC_AUTO = 0,
	HVO_ENC_POINTER,
	HVO_ENC_MASK,
};

/**
 * enum hvo_fault_policy - what a fault (enum hvo_fault_type in fault.h: a
 * write through a read-only vmemmap PTE, a free that breaks the TLB rule,
 * a refcount or map count underflow) does.
 * @HVO_FAULT_ABORT: print the fault record and abort(), as the kernel
 *	would oops or hit its VM_BUG_ON (tests, fuzzers that want a crash).
 * @HVO_FAULT_RECORD: keep the record in the sim's fault log and fail the
 *	call (-EFAULT for a write, -EBUSY for a free, -EINVAL for an
 *	underflow).
 * @HVO_FAULT_COUNT: only count it (hvo_fault_log_count()), fail the call.
 *
 * In every policy the access itself never lands: the machine is unchanged.
 */
enum hvo_fault_policy {
	HVO_FAULT_ABORT = 0,
	HVO_FAULT_RECORD,
	HVO_FAULT_COUNT,
};

/**
 * enum hvo_alloc_site - allocation sites, for fault injection and counters.
 */
enum hvo_alloc_site {
	HVO_SITE_ANY = 0,	/* in hvo_fail_set(): every site */
	HVO_SITE_GENERIC,	/* hvo_alloc_frames() by a harness */
	HVO_SITE_PGTABLE,	/* a page-table page (PMD split, populate) */
	HVO_SITE_VMEMMAP_POPULATE, /* boot/hotplug vmemmap population */
	HVO_SITE_VMEMMAP_HEAD,	/* HVO: the new private head frame */
	HVO_SITE_VMEMMAP_TAIL,	/* HVO: the shared tail frame */
	HVO_SITE_VMEMMAP_RESTORE, /* restore: alloc_vmemmap_page_list() */
	HVO_SITE_HUGETLB_FOLIO,	/* a huge page for the pool */
	HVO_SITE_BOOT_HVO,	/* boot: vmemmap_populate_hvo() */
	HVO_NR_SITES,
};

/**
 * struct hvo_fail_spec - a fault-injection rule.
 * @site: where (HVO_SITE_ANY: every site, counted together).
 * @nth: fail the nth allocation at @site counted from hvo_fail_set()
 *	(1-based); 0: no nth rule.
 * @probability: also fail each allocation with this probability (seeded
 *	from the config's seed); 0 for none.
 * @persistent: once one allocation has failed, fail every later one too.
 */
struct hvo_fail_spec {
	enum hvo_alloc_site site;
	uint64_t nth;
	double probability;
	bool persistent;
};

/**
 * struct hvo_config - everything a simulated machine is made from.
 * @page_shift: base page size: 12, 14 or 16.
 * @struct_page_size: bytes per struct page: a multiple of 8 in [40, 256].
 *	Not a power of 2 means pointer encoding and no HVO.
 * @nr_nodes: NUMA nodes, 1..HVO_MAX_NODES.
 * @node_mem_bytes: memory per node, a multiple of the memory section size.
 *	Nodes are laid out one after another from physical address 0.
 * @node_movable_bytes: the top part of each node that is ZONE_MOVABLE, a
 *	multiple of the base page size.  A boundary that is not aligned to a
 *	gigantic page lets boot gigantic pages span two zones.
 * @boot_gigantic: gigantic pages of @boot_gigantic_bytes reserved per node
 *	at boot, memblock-style (hugepages= on the kernel command line).
 * @boot_gigantic_bytes: their size; 0 picks the largest gigantic hstate.
 * @scheme: which HVO design runs.
 * @tail_scope: shared-tail scope.
 * @tail_alloc: shared-tail lazy allocation.
 * @tail_lifetime: shared-tail lifetime.
 * @encoding: compound_info encoding (see enum hvo_encoding).
 * @optimize_vmemmap: the boot value of vm.hugetlb_optimize_vmemmap, the
 *	kernel's hugetlb_free_vmemmap= parameter: with it off no folio is
 *	optimized (boot gigantic pages included) until
 *	hvo_sysctl_optimize_vmemmap_write() turns it on.  hvo_config_init()
 *	sets it on.
 * @rcu_sync: fake-head: run synchronize_rcu() before remapping
 *	(VMEMMAP_SYNCHRONIZE_RCU).  Switching it off reopens the race fixed by
 *	commit bd225530a4c7.
 * @cont_hstates: also create the arm64 contiguous-bit hstates.
 * @movable_gigantic_pages: the sysctl vm.movable_gigantic_pages: gigantic
 *	pool folios may come from ZONE_MOVABLE (hugepage_movable_supported()
 *	then says yes for them too).  Off by default, as in the kernel.
 * @boot_tails_late: known-bad, a test hook: initialise the boot shared
 *	tails only after gather_bootmem_prealloc() has read node and zone
 *	through them (as late_initcall hugetlb_vmemmap_init() did before
 *	"mm/hugetlb: init tails before init_migratetype"), so the read is seen
 *	to catch it: a HVO_FAULT_VM_BUG record where the zeroed tail names a
 *	zone that does not span the pageblock.  false (the fix) by default;
 *	shared-tail only.
 * @tail_publish_relaxed: known-bad, a test hook: shared-tail alloc
 *	cmpxchg publishes the tail with a relaxed cmpxchg, without the
 *	release that orders its init_compound_tail() stores before it.  The
 *	model runs sequentially consistent on x86-like hosts, so only a TSan
 *	build sees it: there the tail is initialised with plain stores and a
 *	reader through another thread's mapping is a data race report.
 *	Shared-tail with tail_alloc cmpxchg only.
 * @vmemmap_base: simulated virtual address of struct page for pfn 0; 0 picks
 *	a default aligned to MAX_FOLIO_NR_PAGES * stride.
 * @fault_policy: what a write through a read-only PTE does.
 * @fault_log_size: records kept by the fault log (a ring), 1..65536.
 * @seed: seed for everything random in the simulator (fault injection).
 * @fail: a fault-injection rule installed before the first allocation, so
 *	boot (memblock, sparse_init(), boot HVO population) can be failed
 *	too; it stays installed after creation until hvo_fail_clear().
 *	All zero: none.
 */
struct hvo_config {
	unsigned int page_shift;
	unsigned int struct_page_size;
	unsigned int nr_nodes;
	uint64_t node_mem_bytes[HVO_MAX_NODES];
	uint64_t node_movable_bytes[HVO_MAX_NODES];
	unsigned int boot_gigantic[HVO_MAX_NODES];
	uint64_t boot_gigantic_bytes;
	enum hvo_scheme scheme;
	enum hvo_tail_scope tail_scope;
	enum hvo_tail_alloc tail_alloc;
	enum hvo_tail_lifetime tail_lifetime;
	enum hvo_encoding encoding;
	bool optimize_vmemmap;
	bool rcu_sync;
	bool cont_hstates;
	bool movable_gigantic_pages;
	bool boot_tails_late;
	bool tail_publish_relaxed;
	uint64_t vmemmap_base;
	enum hvo_fault_policy fault_policy;
	unsigned int fault_log_size;
	uint64_t seed;
	struct hvo_fail_spec fail;
};

/**
 * hvo_config_init() - fill a config with the defaults.
 * @cfg: the config to fill (NULL: nothing happens).
 *
 * Defaults: 4K pages, 64-byte struct page, one node of 4 GiB, scheme
 * shared-tail with per-zone tails, cmpxchg allocation, tails never freed,
 * automatic encoding, optimize_vmemmap on, RCU sync on, fault policy abort,
 * seed 1.
 */
void hvo_config_init(struct hvo_config *cfg);

/**
 * hvo_config_validate() - check a config without building anything.
 * @cfg: the config.
 *
 * Return: 0, or -EINVAL with hvo_last_error() naming the field and why.
 */
int hvo_config_validate(const struct hvo_config *cfg);

/**
 * hvo_scheme_name() - the CLI name of a scheme ("none", "fake-head",
 * "shared-tail").
 * @scheme: the scheme.
 *
 * Return: a static string, "?" for a value that is not a scheme.
 */
const char *hvo_scheme_name(enum hvo_scheme scheme);

/**
 * hvo_config_set() - set one config field from its CLI spelling.
 * @cfg: the config.
 * @key: field name, e.g. "scheme", "scope", "alloc", "lifetime", "encoding",
 *	"page-shift", "struct-page-size", "nodes", "mem", "seed", "rcu-sync",
 *	"optimize-vmemmap", "movable-gigantic-pages", "fault-policy",
 *	"boot-gigantic", "movable"; the known-bad hooks "boot-tails-late",
 *	"tail-publish-relaxed" (on|off).
 * @value: its value, e.g. "shared-tail", "zone", "16G", "2".
 *
 * A value no config can ever hold (page shift 13, struct page size 60, 9
 * nodes, memory not a multiple of 128 MiB, ...) is refused here, the field
 * left as it was; hvo_config_validate() judges the fields together.
 *
 * Return: 0, or -EINVAL with hvo_last_error() naming what was wrong.
 */
int hvo_config_set(struct hvo_config *cfg, const char *key, const char *value);

/**
 * hvo_parse_size() - parse "4096", "64K", "2M", "16G", "1T".
 * @s: the string: decimal or 0x hex digits, then optionally K, M, G or T
 *	(powers of 1024), optionally followed by "iB" or "B".
 * @out: the value in bytes (not written on failure).
 *
 * Return: 0, or -EINVAL (NULL, empty, a sign, an unknown suffix, 2^64 bytes
 * or more) with hvo_last_error() saying which.
 */
int hvo_parse_size(const char *s, uint64_t *out);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_CONFIG_H */
