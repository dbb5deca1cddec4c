/* SPDX-License-Identifier: MIT */
/*
 * hvosim/fault.h - fault injection at the allocation sites (should_fail()
 * of lib/fault-inject.c) and the fault log: writes through read-only
 * vmemmap PTEs, frees that break the TLB rule, and speculative walkers
 * whose reference disagrees with the pool.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                [1] [2] [3]
 *   [1] hvo_fail_set, hvo_fail_clear,             X   X   X
 *       hvo_fail_injected
 *   [2] hvo_fault_log_count, hvo_fault_log_get,   X   X   X
 *       hvo_fault_log_newest
 *   [3] hvo_fault_log_clear                       X   X   X
 *
 *   [1] the rule is changed and consulted under the fault-injection lock;
 *       it applies to allocations that start after hvo_fail_set() returns.
 *   [2] [3] a record is kept under the fault-log lock and counted
 *       atomically: a fault logged during hvo_fault_log_clear() may be
 *       counted before it and kept after it.
 *   Without a machine, X with everything: hvo_site_name, hvo_site_parse,
 *   hvo_fault_format.
 *   Other headers: hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook
 *   (sched.h): - with every call here.
 */
#ifndef HVOSIM_FAULT_H
#define HVOSIM_FAULT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"

#ifdef __cplusplus
extern "C" {
#endif

struct hvo_sim;

/**
 * hvo_site_name() - the name of an allocation site.
 * @site: the site.
 *
 * Return: a static string; "?" for a value that is not a site.
 */
const char *hvo_site_name(enum hvo_alloc_site site);

/**
 * hvo_site_parse() - the site of a name from hvo_site_name().
 * @name: the name.
 *
 * Return: the site, or -EINVAL (unknown name, or NULL).
 */
int hvo_site_parse(const char *name);

/**
 * hvo_fail_set() - install a fault-injection rule (replaces the old one).
 * @sim: the machine.
 * @spec: the rule.
 *
 * Return: 0, or -EINVAL for a bad site or a probability outside [0, 1].
 */
int hvo_fail_set(struct hvo_sim *sim, const struct hvo_fail_spec *spec);

/**
 * hvo_fail_clear() - remove the fault-injection rule.
 * @sim: the machine (NULL: nothing happens).
 */
void hvo_fail_clear(struct hvo_sim *sim);

/**
 * hvo_fail_injected() - allocations failed by injection since
 * hvo_fail_set().
 * @sim: the machine.
 *
 * Return: the count; 0 for a NULL @sim.
 */
uint64_t hvo_fail_injected(struct hvo_sim *sim);

/**
 * enum hvo_fault_type - what a fault record is about.  Each one is a bug in
 * the code driving the machine that the kernel would crash on or corrupt
 * memory with; hvosim refuses the access and changes nothing.
 * @HVO_FAULT_RO_WRITE: a store or RMW through a read-only vmemmap PTE.
 * @HVO_FAULT_EARLY_FREE: a frame freed before the TLB flush that follows
 *	its unmap.
 * @HVO_FAULT_MAPPED_FREE: a frame freed while still mapped in the vmemmap.
 * @HVO_FAULT_REFCOUNT_UNDERFLOW: a put or page_ref_sub() that would take a
 *	_refcount below 0 (the kernel's VM_BUG_ON_PAGE() in
 *	put_page_testzero() / folio_put_testzero()); @count is the refcount
 *	found.
 * @HVO_FAULT_MAPCOUNT_UNDERFLOW: an unmap of a vmemmap frame, or a put of a
 *	shared tail's user, whose count is already 0; @count is 0.
 * @HVO_FAULT_WALKER: a pfn walker's reference disagrees with the pool (the
 *	reader-side oracle, walker.h): it holds a reference on a struct page
 *	that is not its folio's head, or on a folio that is not in use.
 * @HVO_FAULT_VM_BUG: a read that a DEBUG_VM VM_BUG_ON() of the kernel
 *	rejects (gather_bootmem_prealloc()'s node and zone reads).
 */
enum hvo_fault_type {
	HVO_FAULT_RO_WRITE = 0,
	HVO_FAULT_EARLY_FREE,
	HVO_FAULT_MAPPED_FREE,
	HVO_FAULT_REFCOUNT_UNDERFLOW,
	HVO_FAULT_MAPCOUNT_UNDERFLOW,
	HVO_FAULT_WALKER,
	HVO_FAULT_VM_BUG,
	HVO_NR_FAULT_TYPES,
};

/**
 * struct hvo_fault - one fault log record.
 * @type: what happened.
 * @vaddr: simulated virtual address accessed (RO write: the word written;
 *	refcount underflow: the _refcount word; walker: the struct page of the
 *	pfn walked), or 0.
 * @frame_pfn: the frame written, freed or unmapped, or the one holding the
 *	struct page whose count underflowed (~0 if unmapped); for a walker, the
 *	pfn whose struct page it holds its reference on (the head it computed).
 * @page_pfn: pfn whose struct page was addressed, or ~0.
 * @folio_pfn: head pfn of the hugetlb folio that contains @page_pfn, or ~0.
 * @op: "store", "add_unless", "cmpxchg", "free", "page_put", "folio_put",
 *	"ref_add", "unmap", "tail_put", ...; for a walker what it got wrong
 *	("walk: wrong head", "walk: reference on a tail", ...); for a
 *	VM_BUG_ON() the check and where ("init_migratetype: ...").
 * @field: struct page word index written, or -1.
 * @count: underflow records: the count found (the refcount a put found, 0
 *	for a map count); 0 otherwise.
 * @thread: the thread id (hvo_thread_id()) that did it.
 * @seq: global sequence number of the record.
 */
struct hvo_fault {
	enum hvo_fault_type type;
	uint64_t vaddr;
	uint64_t frame_pfn;
	uint64_t page_pfn;
	uint64_t folio_pfn;
	const char *op;
	int field;
	int64_t count;
	uint32_t thread;
	uint64_t seq;
};

/**
 * hvo_fault_log_count() - records ever logged (including those the ring
 * dropped and, in count policy, those not kept).
 * @sim: the machine.
 *
 * Return: the count; 0 for a NULL @sim.
 */
uint64_t hvo_fault_log_count(struct hvo_sim *sim);

/**
 * hvo_fault_log_get() - copy a kept record.
 * @sim: the machine.
 * @index: index among kept records, oldest first (0 .. the index
 *	hvo_fault_log_newest() gives).
 * @out: the record.
 *
 * Return: 0, or -ENOENT if there is no such record (hvo_last_error() says
 * how many are kept).
 */
int hvo_fault_log_get(struct hvo_sim *sim, uint64_t index, struct hvo_fault *out);

/**
 * hvo_fault_log_newest() - the index of the newest kept record, for
 * hvo_fault_log_get(): a harness running many steps reads what its last
 * step logged without counting the records the ring dropped.
 * @sim: the machine.
 *
 * Return: the index (>= 0), -ENOENT if no record is kept (none logged since
 * hvo_fault_log_clear(), or fault policy count), -EINVAL.
 */
int64_t hvo_fault_log_newest(struct hvo_sim *sim);

/**
 * hvo_fault_log_clear() - forget all records and the count.
 * @sim: the machine (NULL: nothing happens).
 */
void hvo_fault_log_clear(struct hvo_sim *sim);

/**
 * hvo_fault_format() - one line describing a record.
 * @f: the record.
 * @buf: output.
 * @len: its size.
 *
 * Return: @buf; NULL if @f or @buf is NULL or @len is 0.
 */
char *hvo_fault_format(const struct hvo_fault *f, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_FAULT_H */
