/* SPDX-License-Identifier: MIT */
/*
 * hvosim/page.h - struct page, compound pages and the two compound_info
 * encodings (include/linux/mm_types.h, include/linux/page-flags.h).
 *
 * A "page" here is a simulated kernel virtual address in the vmemmap:
 * vmemmap_base + pfn * stride.  Every read and write goes through the fake
 * vmemmap page table, so after HVO the struct page of tail #64 really is the
 * bytes of whatever frame its PTE maps.  Addresses are computed with the
 * configured stride, never sizeof.
 *
 * Word layout of a 64-byte struct page (mirrors the kernel's words):
 *   0 flags | 1 compound_info (= lru.next) | 2 lru.prev | 3 mapping |
 *   4 index | 5 private | 6 _mapcount (low 32) + _refcount (high 32) |
 *   7 memcg_data
 * A larger stride pads after word 7.  A smaller one drops words from the
 * end of the optional ones: 56 drops memcg_data, 48 also private, 40 also
 * index.  Reading a dropped word gives 0, writing it is a no-op.
 *
 * Concurrency on one machine (X: may run concurrently, also on the same
 * struct page; o: may, on different struct pages only; -: must not):
 *
 *                                                 [1] [2] [3] [4] [5]
 *   [1] hvo_page_read, hvo_compound_head,          X   X   X   X   X
 *       hvo_page_fixed_fake_head, hvo_page_head,
 *       hvo_page_tail, hvo_page_refcount,
 *       hvo_page_test_flag, hvo_page_node_zone,
 *       hvo_folio_get
 *   [2] hvo_page_write                             X   X   o   o   o
 *   [3] hvo_page_ref_add_unless,                   X   o   X   X   o
 *       hvo_page_ref_add, hvo_page_ref_freeze
 *   [4] hvo_folio_set                              X   o   X   o   o
 *   [5] hvo_prep_compound_page,                    X   o   o   o   o
 *       hvo_destroy_compound_page
 *
 *   Every word access is atomic, and atomic with respect to a TLB flush; a
 *   write through a read-only PTE never lands (enum hvo_fault_policy).
 *   [1] may see a compound page half prepared, as the kernel's speculative
 *       readers may: they recheck after taking a reference.
 *   [3] are atomic read-modify-writes of _refcount: the one write to
 *       another's struct page the kernel allows (speculative references).
 *   o: a plain store of a word ([2]; [5] writes every struct page of its
 *       range) or hvo_folio_set()'s read-modify-write of a word two fields
 *       share can undo another thread's change of that word.  In the
 *       kernel only the owner of a page writes it.
 *   No machine state, X with everything: hvo_pfn_to_page, hvo_page_to_pfn,
 *   hvo_compound_info_value, hvo_init_compound_tail, hvo_page_word_present.
 *   Other headers: the struct pages of a hugetlb folio are the pool's and
 *   HVO's (hugetlb.h) while it is free, being worked on, optimized or
 *   restored: [2] [4] [5] on them - with those calls, [1] [3] X.  hvo_sim_destroy (sim.h) and
 *   hvo_sim_set_yield_hook (sched.h): - with every call here; hvo_check
 *   (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_PAGE_H
#define HVOSIM_PAGE_H

#include <stdbool.h>
#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** struct page words */
enum hvo_page_word {
	HVO_PW_FLAGS = 0,
	HVO_PW_COMPOUND_INFO = 1,
	HVO_PW_LRU_PREV = 2,
	HVO_PW_MAPPING = 3,
	HVO_PW_INDEX = 4,
	HVO_PW_PRIVATE = 5,
	HVO_PW_COUNTS = 6,	/* _mapcount | (uint64_t)_refcount << 32 */
	HVO_PW_MEMCG = 7,
	HVO_NR_PAGE_WORDS = 8,
};

/** page flag bits (enum pageflags, in the kernel's order) */
enum hvo_pageflags {
	HVO_PG_locked = 0,
	HVO_PG_writeback,
	HVO_PG_referenced,
	HVO_PG_uptodate,
	HVO_PG_dirty,
	HVO_PG_lru,
	HVO_PG_head,
	HVO_PG_waiters,
	HVO_PG_active,
	HVO_PG_workingset,
	HVO_PG_owner_priv_1,
	HVO_PG_owner_2,
	HVO_PG_arch_1,
	HVO_PG_reserved,
	HVO_PG_private,
	HVO_PG_private_2,
	HVO_PG_reclaim,
	HVO_PG_swapbacked,
	HVO_PG_unevictable,
	HVO_PG_mlocked,
	HVO_PG_hwpoison,
};

/** flags layout: [node:6][zone:2] at the top of the word (page-flags-layout.h) */
#define HVO_ZONES_SHIFT 2
#define HVO_NODES_SHIFT 6
#define HVO_ZONES_PGSHIFT (64 - HVO_ZONES_SHIFT)
#define HVO_NODES_PGSHIFT (HVO_ZONES_PGSHIFT - HVO_NODES_SHIFT)

/** page->mapping of a tail page (TAIL_MAPPING, poison.h on x86-64) */
#define HVO_TAIL_MAPPING 0xdead000000000400ull
/** page_type of a hugetlb folio head, kept in _mapcount (PGTY_hugetlb << 24) */
#define HVO_PGTY_HUGETLB 0xf4000000u
/** _mapcount of a page with no type and no mappings (-1) */
#define HVO_MAPCOUNT_NONE 0xffffffffu

/** HPageFlags kept in the head's ->private (hugetlb.h enum hugetlb_page_flags) */
enum hvo_hpage_flags {
	HVO_HPG_restore_reserve = 0,
	HVO_HPG_migratable,
	HVO_HPG_temporary,
	HVO_HPG_freed,
	HVO_HPG_vmemmap_optimized,
	HVO_HPG_raw_hwp_unreliable,
	HVO_HPG_cma,
};

/**
 * enum hvo_folio_field - folio metadata kept in tails 1..3 (struct folio).
 * These words live in the head vmemmap page and stay writable after HVO.
 */
enum hvo_folio_field {
	HVO_FOLIO_ORDER = 0,		/* page[1] _flags_1 low byte */
	HVO_FOLIO_LARGE_MAPCOUNT,	/* page[1] word 2 low 32 */
	HVO_FOLIO_NR_PAGES_MAPPED,	/* page[1] word 2 high 32 */
	HVO_FOLIO_ENTIRE_MAPCOUNT,	/* page[1] word 3 low 32 */
	HVO_FOLIO_PINCOUNT,		/* page[1] word 3 high 32 */
	HVO_FOLIO_NR_PAGES,		/* page[1] word 4 */
	HVO_FOLIO_DEFERRED_LIST,	/* page[2] word 2 */
	HVO_FOLIO_HUGETLB_SUBPOOL,	/* page[3] word 2 */
	HVO_FOLIO_HUGETLB_CGROUP,	/* page[3] word 3 */
	HVO_FOLIO_HUGETLB_CGROUP_RSVD,	/* page[3] word 4 */
	HVO_FOLIO_HUGETLB_HWPOISON,	/* page[3] word 5 */
	HVO_NR_FOLIO_FIELDS,
};

/**
 * hvo_pfn_to_page() - the struct page address of a pfn (pfn_to_page()).
 * @sim: the machine.
 * @pfn: the pfn (not range-checked: pfn_to_page() is arithmetic, and the
 *	address one past the last struct page is a useful bound; see
 *	hvo_page_to_pfn()).
 *
 * Return: vmemmap_base + pfn * stride; 0 for a NULL @sim.
 */
uint64_t hvo_pfn_to_page(const struct hvo_sim *sim, uint64_t pfn);

/**
 * hvo_page_to_pfn() - the pfn of a struct page address (page_to_pfn()).
 * @sim: the machine.
 * @page: the address; must be the start of a struct page.
 * @pfn: the pfn.
 *
 * Return: 0, -EINVAL if @page is not the start of a struct page, -ERANGE if
 * it is outside the machine's vmemmap.
 */
int hvo_page_to_pfn(const struct hvo_sim *sim, uint64_t page, uint64_t *pfn);

/**
 * hvo_page_read() - read one word of a struct page through the page table.
 * @sim: the machine.
 * @page: struct page address.
 * @word: enum hvo_page_word.
 * @val: the value (0 for a word the stride drops).
 *
 * Return: 0; -EINVAL bad word or address; -ERANGE pfn outside the machine;
 * -EFAULT the vmemmap address is not mapped.
 */
int hvo_page_read(struct hvo_sim *sim, uint64_t page, unsigned int word,
		  uint64_t *val);

/**
 * hvo_page_write() - write one word of a struct page through the page table.
 * @sim: the machine.
 * @page: struct page address.
 * @word: enum hvo_page_word.
 * @val: the value.
 *
 * Return: 0; -EFAULT if the PTE is read-only (the write does not land; the
 * fault policy applies) or not mapped; -EINVAL / -ERANGE as hvo_page_read().
 */
int hvo_page_write(struct hvo_sim *sim, uint64_t page, unsigned int word,
		   uint64_t val);

/**
 * hvo_compound_info_value() - what prep_compound_tail() stores in a tail's
 * compound_info (set_compound_head()).
 * @sim: the machine.
 * @head: the head's struct page address.
 * @order: the folio order.
 *
 * Return: mask encoding: GENMASK(63, order + log2(stride)) | 1, which does
 * not depend on @head; pointer encoding: @head | 1.  0 (never a valid
 * value: bit 0 is always set) for a NULL @sim or an order above
 * max_folio_order.
 */
uint64_t hvo_compound_info_value(const struct hvo_sim *sim, uint64_t head,
				 unsigned int order);

/**
 * hvo_compound_head() - the head of the compound page @page belongs to
 * (_compound_head()).
 * @sim: the machine.
 * @page: struct page address.
 *
 * Mask encoding: branchless, page & (((info & 1) - 1) | info).  Pointer
 * encoding: info - 1 for a tail, else page_fixed_fake_head() in the
 * fake-head scheme, else @page.
 *
 * Return: the head's address, @page if it is not a tail, 0 if @page cannot
 * be read (not mapped, not a struct page of the machine, or a NULL @sim;
 * hvo_last_error() says which).
 */
uint64_t hvo_compound_head(struct hvo_sim *sim, uint64_t page);

/**
 * hvo_page_fixed_fake_head() - the fake-head scheme's page_fixed_fake_head().
 * @sim: the machine.
 * @page: struct page address.
 *
 * If the static key hugetlb_optimize_vmemmap_key is off, or @page is not
 * PAGE_SIZE aligned, or PG_head is clear: @page.  Otherwise reads
 * page[1].compound_info and, if bit 0 is set, returns it minus 1.
 *
 * Return: the real head, @page, or 0 if unreadable or @sim is NULL.
 */
uint64_t hvo_page_fixed_fake_head(struct hvo_sim *sim, uint64_t page);

/**
 * hvo_page_head() - PageHead() with the scheme's semantics.
 * @sim: the machine.
 * @page: struct page address.
 *
 * Fake-head scheme: PG_head && !page_is_fake_head(); otherwise PG_head.
 *
 * Return: 1, 0, or -errno if unreadable.
 */
int hvo_page_head(struct hvo_sim *sim, uint64_t page);

/**
 * hvo_page_tail() - PageTail() with the scheme's semantics.
 * @sim: the machine.
 * @page: struct page address.
 *
 * compound_info & 1, or in the fake-head scheme also page_is_fake_head().
 *
 * Return: 1, 0, or -errno if unreadable.
 */
int hvo_page_tail(struct hvo_sim *sim, uint64_t page);

/**
 * hvo_page_refcount() - page_ref_count().
 * @sim: the machine.
 * @page: struct page address.
 * @out: the refcount.
 *
 * Return: 0 or -errno as hvo_page_read().
 */
int hvo_page_refcount(struct hvo_sim *sim, uint64_t page, int32_t *out);

/**
 * hvo_page_ref_add_unless() - atomic_add_unless(&page->_refcount, nr, u).
 * @sim: the machine.
 * @page: struct page address.
 * @nr: what to add.
 * @u: the value that prevents the add.
 *
 * Like the kernel's atomic_add_unless(), a read that finds @u writes
 * nothing, so this never faults on a shared tail (refcount 0).  A write
 * attempted through an RO PTE does not land and is a fault.
 *
 * The fake-head scheme's RCU read side is the caller's (see walker.h).
 * A negative @nr that would take the refcount below 0 is refused as an
 * underflow (see hvo_page_ref_add()).
 *
 * Return: 1 if added, 0 if not, -EFAULT if the write faulted or the page is
 * unmapped, -EINVAL for an underflow, other -errno as hvo_page_read().
 */
int hvo_page_ref_add_unless(struct hvo_sim *sim, uint64_t page, int32_t nr,
			    int32_t u);

/**
 * hvo_page_ref_add() - atomic add to _refcount (page_ref_add(); negative
 * @nr for page_ref_sub()).
 * @sim: the machine.
 * @page: struct page address.
 * @nr: the delta.
 * @newval: the new value (may be NULL; not written on failure).
 *
 * A negative @nr that would take the refcount below 0 is refused, as the
 * kernel's put paths stop at VM_BUG_ON_PAGE(): nothing is written, a
 * HVO_FAULT_REFCOUNT_UNDERFLOW record is logged (fault.h) and the call
 * fails with hvo_last_error() naming the page and the refcount found.
 *
 * Return: 0, -EFAULT for an RO or unmapped PTE, -EINVAL for an underflow,
 * other -errno.
 */
int hvo_page_ref_add(struct hvo_sim *sim, uint64_t page, int32_t nr,
		     int32_t *newval);

/**
 * hvo_page_ref_freeze() - page_ref_freeze(): cmpxchg refcount @count -> 0.
 * @sim: the machine.
 * @page: struct page address.
 * @count: expected refcount (>= 0).
 *
 * Return: 1 frozen, 0 not (another value), -EINVAL for a negative @count,
 * other -errno.
 */
int hvo_page_ref_freeze(struct hvo_sim *sim, uint64_t page, int32_t count);

/**
 * hvo_page_test_flag() - test a page flag (PG_*).
 * @sim: the machine.
 * @page: struct page address.
 * @bit: enum hvo_pageflags.
 *
 * Return: 1, 0, or -errno.
 */
int hvo_page_test_flag(struct hvo_sim *sim, uint64_t page, unsigned int bit);

/**
 * hvo_page_node_zone() - page_to_nid() and page_zonenum() from the flags.
 * @sim: the machine.
 * @page: struct page address.
 * @nid: node (may be NULL).
 * @zone: zone (may be NULL).
 *
 * Return: 0 or -errno.
 */
int hvo_page_node_zone(struct hvo_sim *sim, uint64_t page, unsigned int *nid,
		       enum hvo_zone_type *zone);

/**
 * hvo_prep_compound_page() - prep_compound_page(): make pfns
 * [@pfn, @pfn + 2^@order) one compound page.
 * @sim: the machine.
 * @pfn: head pfn; must be aligned to 2^@order.
 * @order: 1..max_folio_order.
 *
 * Sets PG_head and the folio order and nr_pages on the head; every tail
 * gets init_compound_tail() (refcount 0, mapcount -1, node and zone, then
 * prep_compound_tail(): TAIL_MAPPING, compound_info, private 0).  Nothing is
 * written unless every struct page is writable.
 *
 * Return: 0; -EINVAL misaligned head or bad order (the head struct page must
 * be naturally aligned to 2^order * stride for the mask to decode); -ERANGE
 * outside the machine; -EFAULT a struct page is not mapped RW.
 */
int hvo_prep_compound_page(struct hvo_sim *sim, uint64_t pfn,
			   unsigned int order);

/**
 * hvo_destroy_compound_page() - undo hvo_prep_compound_page(): clear PG_head
 * and every tail's compound_info and mapping (as free_tail_page_prepare()
 * and the head's flag clear do before a free).
 * @sim: the machine.
 * @pfn: head pfn.
 * @order: the order it was prepared with.
 *
 * Return: 0 or -errno as hvo_prep_compound_page().
 */
int hvo_destroy_compound_page(struct hvo_sim *sim, uint64_t pfn,
			      unsigned int order);

/**
 * hvo_init_compound_tail() - init_compound_tail(): what a tail, or an entry
 * of a shared tail frame, is initialised to.
 * @sim: the machine.
 * @words: HVO_NR_PAGE_WORDS words to fill (host memory, not the vmemmap).
 * @head: the head's address (ignored in mask encoding, as NULL in the kernel).
 * @order: folio order.
 * @nid: node for the flags.
 * @zone: zone for the flags.
 *
 * A NULL @sim or @words, an order above max_folio_order, a node not below
 * HVO_MAX_NODES or a zone that is not one: nothing is written
 * (hvo_last_error() says why).  The words depend on the arguments only, so
 * @nid may be a node another machine has.
 */
void hvo_init_compound_tail(const struct hvo_sim *sim, uint64_t *words,
			    uint64_t head, unsigned int order, unsigned int nid,
			    enum hvo_zone_type zone);

/**
 * hvo_folio_get() - read folio metadata kept in tails 1..3.
 * @sim: the machine.
 * @head: head struct page address.
 * @field: enum hvo_folio_field.
 * @val: the value.
 *
 * Return: 0 or -errno.
 */
int hvo_folio_get(struct hvo_sim *sim, uint64_t head, unsigned int field,
		  uint64_t *val);

/**
 * hvo_folio_set() - write folio metadata kept in tails 1..3.
 * @sim: the machine.
 * @head: head struct page address.
 * @field: enum hvo_folio_field.
 * @val: the value.
 *
 * Return: 0, -EFAULT if it would land in a read-only vmemmap page (it never
 * does after correct HVO: tails 1..3 live in the private head page).
 */
int hvo_folio_set(struct hvo_sim *sim, uint64_t head, unsigned int field,
		  uint64_t val);

/**
 * hvo_page_word_present() - whether the configured stride keeps a word.
 * @sim: the machine.
 * @word: enum hvo_page_word.
 *
 * Return: true if kept; false also for a NULL @sim or a @word that is not
 * a struct page word (hvo_last_error() says so).
 */
bool hvo_page_word_present(const struct hvo_sim *sim, unsigned int word);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_PAGE_H */
