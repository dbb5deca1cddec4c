/* SPDX-License-Identifier: MIT */
/*
 * internal.h - the simulated machine's private state, shared by src/ only:
 * struct hvo_sim and the per-machine state types, and tiny inline helpers
 * used everywhere.  It declares no function defined in a .c file: each
 * src/<file>.c that exports library-private (hvo__) functions declares them
 * in its own src/<file>.h.
 *
 * Everything a machine owns hangs off struct hvo_sim: there is no global
 * state besides the thread-local error message and thread id, so several
 * machines can live in one process and a scheduler can interleave the same
 * code paths deterministically.
 */
#ifndef HVOSIM_INTERNAL_H
#define HVOSIM_INTERNAL_H

#include <pthread.h>
#include <stdalign.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "hvosim/hvosim.h"
/* hvo__track_touch() and hvo__cklog_note(), which hvo__frame() and
 * hvo__meta() below call */
#include "track.h"
#include "check_log.h"

#define HVO_EXPORT __attribute__((visibility("default")))

#if defined(__SANITIZE_THREAD__)
#define HVO_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HVO_TSAN 1
#endif
#endif

/*
 * Stores of struct page and frame words are release stores, so a validated
 * load (vmm.h) that reads a frame poisoned or reused after a free also sees
 * the flush that allowed the free.  On x86 they cost nothing; under
 * ThreadSanitizer every release store creates a sync object for its word,
 * which for millions of vmemmap words exhausts memory, so TSan builds store
 * relaxed: TSan checks races, and for atomics the order it would check
 * here is the one x86 gives anyway.
 */
#ifdef HVO_TSAN
#define HVO_STORE_ORDER __ATOMIC_RELAXED
#else
#define HVO_STORE_ORDER __ATOMIC_RELEASE
#endif
#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)
#define HVO_NIL UINT64_MAX
#define HVO_MAX_ORDER_LIMIT 24
#define HVO_MAX_LEVELS 4

/* a software PTE bit: the frames this entry maps hold no struct pages yet;
 * memmap_init() content is written on first access (host memory follows use) */
#define HVO_PTE_LAZY 0x200ull

/* ---- per-pfn metadata, an mmap(MAP_NORESERVE) array indexed by pfn ---- */
enum { FM_NONE = 0, FM_FREE, FM_ALLOC };
#define FMF_BOOT	0x1	/* allocated by memblock */
#define FMF_BYTES	0x2	/* the block's kind holds host bytes */
#define FMF_EVER_BYTES	0x4	/* this frame has ever been given bytes */
#define FMF_MACHINE	0x8	/* the machine's own page table: not the harness's */
#define FMF_HARNESS	0x10	/* allocated by hvo_alloc_frames(): the harness must free it */
/*
 * Per frame, like EVER_BYTES, not per block (arena.c, page_alloc.c): a
 * frame freed with bytes keeps them resident (POISONED, counted in
 * free_resident) with its PAGE_POISON owed (POISON: written when the frame
 * is read or handed out again, skipped when its new owner overwrites it)
 * until its zone's release queue (QUEUED) gives the host bytes back; a
 * released frame reads zero and still owes its poison: POISON without
 * POISONED (hvo__frame_released()).
 */
#define FMF_POISONED	0x20
#define FMF_POISON	0x40
#define FMF_QUEUED	0x80
/* the bits of one frame, not of the block it is in: kept by block changes */
#define FMF_FRAME_BITS	(FMF_EVER_BYTES | FMF_POISONED | FMF_POISON | FMF_QUEUED)

/* SECTION_IS_VMEMMAP_PREINIT: hugetlb populates this section's vmemmap in
 * HVO form at boot, sparse_init() leaves it alone */
#define HVO_SECTION_VMEMMAP_PREINIT 0x1

/* in an allocated frame's unused list links: next holds the vmemmap address
 * its struct pages will be memmap_init()ed for (lazy population) */
#define HVO_META_LAZY 0x4c415a59ull
/* in a frame's prev right after it gets host bytes (arena.c): the bytes were
 * never written, they read zero (no pfn is this large) */
#define HVO_META_FRESH ((1ull << 63) | 0x46524553ull)

struct hvo_frame_meta {
	uint64_t next, prev;		/* buddy free list (zone->lock) */
	uint8_t state;			/* FM_*, head of a block only (zone->lock) */
	uint8_t order;
	uint8_t kind;
	uint8_t flags;			/* FMF_* of the block, EVER_BYTES per frame */
	_Atomic uint32_t vmap_count;	/* vmemmap entries mapping this frame */
	_Atomic uint64_t unmap_gen;	/* tlb flush number + 1 at last unmap; 0: never
					 * unmapped (kept across a free) */
};

/* a free frame whose host bytes went back to the host: they read zero and
 * it still owes its PAGE_POISON (arena.c) */
static inline bool hvo__frame_released(const struct hvo_frame_meta *m)
{
	return (m->flags & (FMF_POISON | FMF_POISONED)) == FMF_POISON;
}

struct hvo_zone {
	pthread_mutex_t lock;		/* zone->lock */
	unsigned int nid;
	enum hvo_zone_type type;
	uint64_t start, end;		/* pfns; start == end: not present */
	uint64_t free_head[HVO_MAX_ORDER_LIMIT + 1];
	_Atomic uint64_t nr_free;	/* pages */
	/* zone->vmemmap_tails[]: struct page address of the shared tail frame,
	 * 0 for NULL (a struct page pointer, never a pfn: pfn 0 is valid) */
	_Atomic uint64_t *vmemmap_tails;
	_Atomic uint64_t *tail_users;	/* lifetime last-user: folios mapping it */
};

struct hvo_node {
	uint64_t start, end;		/* pfns */
	struct hvo_zone zones[HVO_NR_ZONES];
	/* memblock: top-down bump allocator, then a list of reserved ranges */
	uint64_t memblock_top;
	_Atomic uint64_t *vmemmap_tails;	/* scope node: per order */
	_Atomic uint64_t *tail_users;
};

struct hvo_memblock_range {
	uint64_t start, nr;
	unsigned int nid;
};

/*
 * ---- epochs: the one wait-for-readers mechanism (epoch.c, epoch.h) ----
 * Readers count themselves into one of two per-shard epochs; a waiter flips
 * the epoch twice and lets the old one drain each time, so it returns only
 * when every section that began before it has ended (an SRCU-like scheme).
 * Used by the TLB shootdown (struct page writes) and by RCU.
 */
#define HVO_EPOCH_SHARDS 16
struct hvo_epoch_shard {
	alignas(64) _Atomic long cnt[2];
};
struct hvo_epochs {
	_Atomic unsigned int idx;
	struct hvo_epoch_shard shard[HVO_EPOCH_SHARDS];
};
struct hvo_epoch_tok {
	struct hvo_epoch_shard *shard;
	unsigned int idx;
};

/* ---- counters: atomics mirroring struct hvo_stats ---- */
struct hvo_counters {
	_Atomic uint64_t allocated[HVO_NR_KINDS];
	_Atomic uint64_t freed[HVO_NR_KINDS];
	_Atomic uint64_t in_use[HVO_NR_KINDS];
	_Atomic uint64_t boot_in_use[HVO_NR_KINDS];
	_Atomic uint64_t alloc_calls[HVO_NR_SITES];
	_Atomic uint64_t alloc_failures[HVO_NR_SITES];
	_Atomic uint64_t injected_failures;
	_Atomic uint64_t harness_in_use;
	_Atomic uint64_t host_frames;
	_Atomic uint64_t tlb_flush_all, tlb_flush_range;
	_Atomic uint64_t pmd_splits, pmd_split_races;
	_Atomic uint64_t ro_faults, early_frees, count_underflows;
	_Atomic int64_t memmap_pages, memmap_boot_pages;
	_Atomic uint64_t optimized_folios;
	_Atomic uint64_t optimize_calls, optimize_done, optimize_failed;
	_Atomic uint64_t restore_calls, restore_done, restore_failed;
	_Atomic uint64_t vmemmap_pages_freed, vmemmap_pages_restored;
	_Atomic uint64_t shared_tails_live, shared_tails_allocated, shared_tails_freed;
	_Atomic uint64_t shared_tail_races;
	_Atomic uint64_t synchronize_rcu_calls, synchronize_rcu_ns;
	_Atomic int64_t static_key_count;
	_Atomic uint64_t rollbacks;
	_Atomic uint64_t machine_pgtables;	/* FMF_MACHINE frames in use (page tables) */
	_Atomic uint64_t free_resident;		/* FMF_POISONED frames (arena.c) */
};

struct hvo_failinj {
	pthread_mutex_t lock;
	/* written under lock; read without it first, so an allocation takes
	 * the lock only while a rule is set (should_fail()'s static key) */
	_Atomic bool active;
	struct hvo_fail_spec spec;
	uint64_t threshold;		/* probability as a 64-bit threshold */
	uint64_t seen;			/* matching allocations since set */
	bool tripped;
	_Atomic uint64_t injected;
	uint64_t rng;			/* splitmix64 state (lock) */
};

struct hvo_faultlog {
	pthread_mutex_t lock;
	struct hvo_fault *ring;
	unsigned int cap;
	uint64_t kept;			/* records in ring (<= cap) */
	uint64_t head;			/* next slot */
	_Atomic uint64_t total;
};

/*
 * ---- the touch log of a snapshot (track.c, snapshot.c) ----
 * While a snapshot exists, hvo__frame() and hvo__meta() report every pfn
 * they are asked for; the first report of a pfn in a run saves its metadata
 * or its frame bytes (the undo log a restore writes back), and the reports
 * of one explorer step form its footprint.
 */
struct hvo_undo {
	uint64_t pfn;
	struct hvo_frame_meta meta;
};

struct hvo_track {
	uint32_t *mstamp;		/* per pfn: tick of its last metadata touch */
	uint32_t *bstamp;		/* per pfn: tick of its last frame touch */
	uint32_t tick;			/* the current step, or run */
	uint32_t run_tick;		/* first tick of the current run */
	/* undo logs: every pfn touched since the last restore, once each */
	struct hvo_undo *log;		/* metadata */
	uint64_t nlog, caplog;
	uint64_t *bpfn;			/* frames, and their bytes */
	uint64_t nbpfn, capbpfn;
	uint8_t *bytes;			/* page_size per entry of bpfn */
	uint64_t capbytes;
	/* the current step's footprint: pfns touched */
	bool fp_on;
	uint64_t *fp;
	uint64_t nfp, capfp;
	/* out of host memory: a pfn went unlogged (the snapshot can no longer
	 * restore), or a footprint lost pfns (the step meets every other) */
	bool failed;
	bool fp_lost;
};

struct hvo_hugetlb;	/* hugetlb.c */
struct hvo_release;	/* arena.c */
struct hvo_rcu;		/* rcu.c */

struct hvo_sim {
	struct hvo_config cfg;
	struct hvo_geometry geo;
	unsigned int stride_shift;	/* log2(stride) if a power of 2 */
	/* exact division by the stride without a divide (page.c): the
	 * inverse of its odd part mod 2^64, and UINT64_MAX / stride */
	uint64_t stride_inv, stride_lim;
	int8_t word_off[HVO_NR_PAGE_WORDS]; /* byte offset / 8, -1: dropped */
	int8_t off_word[32];		/* inverse: word slot -> logical word */

	/* host arena: frame pfn -> mem + (pfn << page_shift) */
	uint8_t *mem;
	size_t mem_len;
	struct hvo_frame_meta *meta;	/* by hvo__meta_idx(), not by pfn */
	size_t meta_len;
	unsigned int meta_order;	/* hvo__meta_idx() */
	uint64_t meta_full;
	/* free frames whose host bytes may go back to the host, per zone; not
	 * part of a snapshot (its entries are checked against the metadata) */
	struct hvo_release *release;

	struct hvo_node nodes[HVO_MAX_NODES];
	uint8_t *section_flags;		/* per memory section: HVO_SECTION_* */
	struct hvo_memblock_range *mb;	/* memblock reservations */
	size_t nr_mb, cap_mb;
	bool booting;			/* memblock phase: no buddy yet */

	/* vmemmap page table */
	uint64_t root_pfn;
	unsigned int level_shift[HVO_MAX_LEVELS];
	unsigned int level_entries[HVO_MAX_LEVELS];
	pthread_mutex_t ptl;		/* init_mm.page_table_lock */
	/*
	 * The leaf entry of every vmemmap page, flat: what a linear (recursive)
	 * page-table mapping gives a kernel, one load instead of a walk.  Every
	 * change of a leaf entry (map, RO/RW, lazy init, clear, PMD leaf
	 * populate) writes it too, before recording an unmap; the hierarchical
	 * table stays the one that walks, splits and dumps see.  An entry
	 * holds the host address of the frame (4K-aligned at least) with the
	 * PRESENT, RW and LAZY bits below it, 0 for none: one step from the
	 * entry to the bytes (vmm.h).
	 */
	_Atomic uint64_t *flat;
	uint64_t flat_base, flat_n;
	/* the load fast path's constants (vmm.h), set with the flat view */
	uint64_t vmemmap_bytes;		/* nr_pfns * stride */
	uint64_t page_mask;		/* page_size - 1 */
	uint64_t ci_off;		/* byte offset of compound_info in a struct page */
	/* stride - 1 for a power-of-2 stride, else ~0: off & stride_mask is
	 * 0 for a struct page's start (or every page to the slow path) */
	uint64_t stride_mask;
	/* the fast path's window on the flat view: flat_n, or 0 while a
	 * scheduler hook is set (every load then yields on the slow path) */
	_Atomic uint64_t fast_n;

	/* TLB: struct page writes are epoch sections a flush waits for */
	struct hvo_epochs tlb;
	pthread_mutex_t flush_lock;
	_Atomic uint64_t flush_started, flush_done;

	struct hvo_counters c;
	struct hvo_failinj fail;
	struct hvo_faultlog flog;

	/* scheduler hook for the explorer: NULL costs one branch */
	_Atomic(hvo_yield_fn) yield_fn;
	void *yield_ctx;

	struct hvo_hugetlb *hugetlb;
	struct hvo_rcu *rcu;

	/* snapshot.c: while a snapshot exists, every frame and metadata entry
	 * the machine touches is logged (track.c; NULL: off, one branch) */
	struct hvo_track *track;

	/* check_log.c: while hvo_check_track() is on, the same touches are
	 * noted for the next hvo_check() (NULL: off, one branch) */
	struct hvo_cklog *cklog;
	struct hvo_ckt *ckt;		/* check_track.c: what that check keeps */
};

/* ---- small helpers ---- */

/* hvo_check_track()'s log: a pfn's first note since the last check only */
static inline void hvo__cklog_touch(const struct hvo_sim *sim, uint64_t pfn, bool bytes)
{
	struct hvo_cklog *l = __atomic_load_n(&sim->cklog, __ATOMIC_RELAXED);
	uint64_t b = bytes ? pfn : pfn >> HVO_CKLOG_META_SHIFT;

	if (unlikely(l) && pfn < l->nr_pfns &&
	    !((atomic_load_explicit(&(bytes ? l->bytes : l->meta)[b >> 6],
				    memory_order_relaxed) >> (b & 63)) & 1))
		hvo__cklog_note(sim, pfn, bytes);
}

/* a touch of pfn's bytes or metadata, for whoever watches: a snapshot's
 * undo log (track.c) and the tracked checker's log (check_log.c) */
static inline void hvo__touch(const struct hvo_sim *sim, uint64_t pfn, bool bytes)
{
	if (unlikely(sim->track))
		hvo__track_touch(sim, pfn, bytes);
	hvo__cklog_touch(sim, pfn, bytes);
}

static inline uint8_t *hvo__frame(const struct hvo_sim *sim, uint64_t pfn)
{
	hvo__touch(sim, pfn, true);
	return sim->mem + (pfn << sim->geo.page_shift);
}

/*
 * Where pfn's metadata sits in sim->meta: a permutation that puts the heads
 * of 2^meta_order-aligned blocks (a PMD's worth of pfns: 2M at 4K pages)
 * together, HVO_META_GROUP to a 4 KiB host page.  Metadata is written at a
 * block's head, so a pool of 2M folios would otherwise commit one host page
 * per folio (4 KiB for 32 bytes, 144 MiB at 4 TiB).  Within each whole group
 * of HVO_META_GROUP blocks, the head of block j (j >= 1) and pfn j of block
 * 0 trade places; everything else, and the last partial group, stays.  A
 * bijection of [0, nr_pfns): sim->meta stays one array of nr_pfns entries.
 */
#define HVO_META_GROUP 128u
static inline uint64_t hvo__meta_idx(const struct hvo_sim *sim, uint64_t pfn)
{
	unsigned int o = sim->meta_order;
	uint64_t blk = (pfn >> o) & (HVO_META_GROUP - 1), lo = pfn & ((1ull << o) - 1);

	if (unlikely(pfn >= sim->meta_full))
		return pfn;
	if (!lo)
		return pfn - (blk << o) + blk;
	if (unlikely(!blk && lo < HVO_META_GROUP))
		return pfn - lo + (lo << o);
	return pfn;
}

/* pfn's metadata, not reported to a snapshot's touch log (track.c's own) */
static inline struct hvo_frame_meta *hvo__meta_raw(const struct hvo_sim *sim, uint64_t pfn)
{
	return &sim->meta[hvo__meta_idx(sim, pfn)];
}

static inline struct hvo_frame_meta *hvo__meta(const struct hvo_sim *sim,
					       uint64_t pfn)
{
	hvo__touch(sim, pfn, false);
	return hvo__meta_raw(sim, pfn);
}

#define cnt_add(sim, field, n) \
	atomic_fetch_add_explicit(&(sim)->c.field, (n), memory_order_relaxed)
#define cnt_sub(sim, field, n) \
	atomic_fetch_sub_explicit(&(sim)->c.field, (n), memory_order_relaxed)

static inline unsigned int hvo__ilog2(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

/* splitmix64: the one seeded PRNG (fault injection's draws, the explorer's
 * schedules), so a printed seed replays everywhere */
static inline uint64_t hvo__splitmix64(uint64_t *state)
{
	uint64_t z = (*state += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static inline bool hvo__is_pow2(uint64_t v)
{
	return v && !(v & (v - 1));
}

#endif /* HVOSIM_INTERNAL_H */
