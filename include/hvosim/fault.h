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
 *   [2] hvo_fault_log_count, hvo_fault_log_get    X   X   X
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
 * Return: a static string.
 */
const char *hvo_site_name(enum hvo_alloc_site site);

/**
 * hvo_site_parse() - the site of a name from hvo_site_name().
 * @name: the name.
 *
 * Return: the site, or -EINVAL.
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
 * @sim: the machine.
 */
void hvo_fail_clear(struct hvo_sim *sim);

/**
 * hvo_fail_injected() - allocations failed by injection since
 * hvo_fail_set().
 * @sim: the machine.
 *
 * Return: the count.
 */
uint64_t hvo_fail_injected(struct hvo_sim *sim);

/** What a fault record is about. */
enum hvo_fault_type {
	HVO_FAULT_RO_WRITE = 0,	/* a store or RMW through an RO PTE */
	HVO_FAULT_EARLY_FREE,	/* a frame freed before the TLB flush */
	HVO_FAULT_MAPPED_FREE,	/* a frame freed while still mapped */
	HVO_FAULT_WALKER,	/* a walker's reference disagrees with the pool (walker.h) */
	HVO_FAULT_VM_BUG,	/* a read that a DEBUG_VM VM_BUG_ON() of the kernel rejects */
};

/**
 * struct hvo_fault - one fault log record.
 * @type: what happened.
 * @vaddr: simulated virtual address accessed (RO write), the struct page
 *	of the pfn walked (walker), or 0.
 * @frame_pfn: the frame written or freed; for a walker, the pfn whose
 *	struct page it holds its reference on (the head it computed).
 * @page_pfn: pfn whose struct page was addressed, or ~0.
 * @folio_pfn: head pfn of the hugetlb folio that contains @page_pfn, or ~0.
 * @op: "store", "add_unless", "cmpxchg", "free", ...; for a walker what it
 *	got wrong ("walk: wrong head", "walk: reference on a tail", ...); for
 *	a VM_BUG_ON() the check and where ("init_migratetype: ...").
 * @field: struct page word index written, or -1.
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
	uint32_t thread;
	uint64_t seq;
};

/**
 * hvo_fault_log_count() - records ever logged (including those the ring
 * dropped and, in count policy, those not kept).
 * @sim: the machine.
 *
 * Return: the count.
 */
uint64_t hvo_fault_log_count(struct hvo_sim *sim);

/**
 * hvo_fault_log_get() - copy a kept record.
 * @sim: the machine.
 * @i: index among kept records, oldest first.
 * @out: the record.
 *
 * Return: 0, or -ENOENT if there is no such record.
 */
int hvo_fault_log_get(struct hvo_sim *sim, uint64_t i, struct hvo_fault *out);

/**
 * hvo_fault_log_clear() - forget all records and the count.
 * @sim: the machine.
 */
void hvo_fault_log_clear(struct hvo_sim *sim);

/**
 * hvo_fault_format() - one line describing a record.
 * @f: the record.
 * @buf: output.
 * @len: its size.
 *
 * Return: @buf.
 */
char *hvo_fault_format(const struct hvo_fault *f, char *buf, size_t len);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_FAULT_H */
