/* SPDX-License-Identifier: MIT */
/*
 * hvosim/walker.h - speculative PFN walkers and the RCU read side, the other
 * side of every HVO race (compaction, memory-failure, page_idle, ...: code
 * that picks a pfn with no reference, takes one speculatively and rechecks).
 *
 * page_ref_add_unless() is modelled per scheme:
 *   shared-tail, none: atomic_add_unless() (7.1 removed the RCU);
 *   fake-head, rcu_sync on: rcu_read_lock(); page_count_writable() (refcount
 *     not u, and not a fake head); atomic_add_unless(); rcu_read_unlock()
 *     (commit bd225530a4c7);
 *   fake-head, rcu_sync off: the kernel before that commit, a bare
 *     atomic_add_unless() that writes through a fake head's RO mapping.
 *
 * Every walk that gets a reference and passes its recheck is checked before
 * it lets go (the reader-side oracle): if the pfn is in a hugetlb folio,
 * the head the walker holds must be that folio's head and the folio in use;
 * if not, the head must not start a folio.  A walk that breaks this is a
 * fault record of type HVO_FAULT_WALKER under the machine's fault policy,
 * and still returns what the walker believed (HVO_WALK_GOT).  With its RCU
 * read side and its recheck the walker never breaks it; the known-bad
 * variants of hvo_walk_pfn_flags() do, and are kept so the tests and tools
 * can be shown to catch them.
 *
 * Concurrency on one machine, from any number of threads (X: may run
 * concurrently, -: must not):
 *
 *                                                    [1] [2] [3] [4]
 *   [1] hvo_walk_pfn, hvo_walk_pfn_flags,             X   X   X   X
 *       hvo_page_ref_add_unless_spec
 *   [2] hvo_page_put                                  X   X   X   X
 *   [3] hvo_rcu_read_lock, hvo_rcu_read_unlock        X   X   X   X
 *   [4] hvo_synchronize_rcu                           X   X   X   X
 *
 *   [1] takes and drops a speculative reference with atomic
 *       read-modify-writes of _refcount, and rechecks; the oracle reads
 *       the pool under hugetlb_lock while the reference is held.
 *   [2] drops a reference the caller holds; the last one of a hugetlb
 *       folio frees it (free_huge_folio()).
 *   [3] count the section in per-shard epochs; [4] serialises on the
 *       grace-period lock and waits for every section that began before it.
 *   On one thread, between hvo_rcu_read_lock() and hvo_rcu_read_unlock():
 *   not [4], nor, in the fake-head scheme with rcu_sync on, any call that
 *   may wait for a grace period (the HVO calls of hugetlb_vmemmap.h, the
 *   pool calls of hugetlb.h, [2] when it frees a folio): they would wait
 *   for the caller's own section.
 *   Other headers: X with HVO and the pool
 *   (hugetlb.h); in the fake-head scheme with rcu_sync off, [1] races with
 *   the remap as the kernel did before bd225530a4c7 (a write through a
 *   read-only fake head, caught as a fault), on purpose.
 *   hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook (sched.h): - with
 *   every call here; hvo_check (check.h) wants none of them in flight.
 */
#ifndef HVOSIM_WALKER_H
#define HVOSIM_WALKER_H

#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/** How the walker takes its reference. */
enum hvo_walk_mode {
	/* get_page_unless_zero(pfn_to_page(pfn)): the raw page, as PFN scanners
	 * did; on a fake head this is where the RO write happened */
	HVO_WALK_PAGE = 0,
	/* folio_try_get(page_folio(page)), then page_folio() recheck */
	HVO_WALK_FOLIO,
};

/** What one walk saw. */
enum hvo_walk_result {
	HVO_WALK_NOREF = 0,	/* refcount 0 (free, tail, frozen): no reference */
	HVO_WALK_GOT,		/* reference taken, recheck passed, put again */
	HVO_WALK_RACED,		/* reference taken, recheck failed, put again */
	HVO_WALK_FAULT,		/* the speculative get wrote through an RO PTE */
};

/**
 * enum hvo_walk_flags - known-bad walkers, for hvo_walk_pfn_flags().
 * @HVO_WALK_NO_RCU: fake-head scheme with rcu_sync on: page_count_writable()
 *	without rcu_read_lock() around it and the add, so HVO's
 *	synchronize_rcu() does not wait for a walker between its fake-head
 *	check and its add: the add can land on a fake head remapped read-only
 *	meanwhile (the window bd225530a4c7 closed).  No effect elsewhere.
 * @HVO_WALK_NO_RECHECK: no page_folio() / compound_head() recheck after
 *	the reference: whatever it got, it reports HVO_WALK_GOT, so a folio
 *	freed and reused under it (demoted, dissolved) goes unnoticed.
 */
enum hvo_walk_flags {
	HVO_WALK_NO_RCU = 1u << 0,
	HVO_WALK_NO_RECHECK = 1u << 1,
};
#define HVO_WALK_KNOWN_BAD (HVO_WALK_NO_RCU | HVO_WALK_NO_RECHECK)

/**
 * hvo_page_ref_add_unless_spec() - page_ref_add_unless() as the scheme's
 * kernel has it (see above), for a speculative reference on any page.
 * @sim: the machine.
 * @page: struct page address.
 * @nr: what to add.
 * @u: unless the refcount is this.
 *
 * Return: 1 added, 0 not, -EFAULT for a write through an RO PTE (logged).
 */
int hvo_page_ref_add_unless_spec(struct hvo_sim *sim, uint64_t page, int32_t nr,
				 int32_t u);

/**
 * hvo_page_put() - put_page(): drop a reference; the last reference of a
 * hugetlb folio returns it to the pool (free_huge_folio()).
 * @sim: the machine.
 * @page: struct page address (a head).
 *
 * A put of a page whose refcount is already 0 (a free pool folio's head, a
 * folio after its last put, a buddy page, a tail) is where the kernel stops
 * at VM_BUG_ON_PAGE(): it is refused, a HVO_FAULT_REFCOUNT_UNDERFLOW record
 * is logged (fault.h; under HVO_FAULT_ABORT the process stops, as the
 * kernel would) and nothing changes.
 *
 * Return: 0; -EINVAL for an underflow (hvo_last_error() names the page's
 * address, pfn and refcount); other -errno as hvo_page_ref_add().
 */
int hvo_page_put(struct hvo_sim *sim, uint64_t page);

/**
 * hvo_walk_pfn() - one speculative walker step on @pfn: take a reference,
 * recheck, put it back.
 * @sim: the machine.
 * @pfn: the pfn.
 * @mode: enum hvo_walk_mode.
 *
 * Return: enum hvo_walk_result, or -ERANGE (pfn beyond the machine),
 * -EFAULT (unmapped), -EINVAL (NULL @sim, @mode not a walk mode).
 */
int hvo_walk_pfn(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode);

/**
 * hvo_walk_pfn_flags() - hvo_walk_pfn() as a known-bad walker.
 * @sim: the machine.
 * @pfn: the pfn.
 * @mode: enum hvo_walk_mode.
 * @flags: enum hvo_walk_flags; 0 is hvo_walk_pfn().
 *
 * Return: as hvo_walk_pfn(); -EINVAL for an unknown mode or flag.
 */
int hvo_walk_pfn_flags(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode,
		       unsigned int flags);

/** An RCU read-side critical section, from hvo_rcu_read_lock(). */
struct hvo_rcu_token {
	void *shard;
	unsigned int idx;
};

/**
 * hvo_rcu_read_lock() - enter an RCU read-side critical section of the
 * machine's RCU (the one HVO's synchronize_rcu() waits for).
 * @sim: the machine.
 *
 * Return: the token for hvo_rcu_read_unlock(); for a NULL @sim one whose
 * shard is NULL, which holds no section (hvo_rcu_read_unlock() ignores it).
 */
struct hvo_rcu_token hvo_rcu_read_lock(struct hvo_sim *sim);

/**
 * hvo_rcu_read_unlock() - leave it.
 * @sim: the machine (NULL: nothing happens).
 * @tok: from hvo_rcu_read_lock() (one with a NULL shard: nothing happens).
 */
void hvo_rcu_read_unlock(struct hvo_sim *sim, struct hvo_rcu_token tok);

/**
 * hvo_synchronize_rcu() - wait for every read-side section that began
 * before the call (counted in hvo_stats.synchronize_rcu_calls).
 * @sim: the machine (NULL: nothing happens).
 */
void hvo_synchronize_rcu(struct hvo_sim *sim);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_WALKER_H */
