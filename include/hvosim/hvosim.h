/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hvosim.h - the umbrella header: include this one.
 *
 * hvosim simulates the Linux kernel's HugeTLB Vmemmap Optimization in
 * userspace.  Every function returns 0 or a negative errno unless it says
 * otherwise; on failure hvo_last_error() tells what was wrong.
 *
 * Bad arguments, one rule for every function, checked at run time:
 *   - a function that returns an errno (int, int64_t) refuses a NULL
 *     pointer argument, a node, zone, hstate, order, pfn or enum value out
 *     of range with -EINVAL (-ERANGE for a pfn beyond the machine, where
 *     its kerneldoc says so), and hvo_last_error() names the argument
 *     ("folio_alloc: pfn is NULL", "pool_grow: node 3 does not exist");
 *   - every other function returns the failure value its kerneldoc names
 *     (NULL, 0, false, "?"; a void function does nothing) and sets
 *     hvo_last_error() the same way;
 *   - a refused call changes nothing: the machine, its counters and the
 *     caller's output arguments are as before.
 * Optional pointers ("may be NULL" in the kerneldoc) are the exception.
 *
 * hvo_last_error() is meaningful only right after a call that reported a
 * failure; after a success it is unspecified (a success does not clear it,
 * so the hot paths, compound_head() and struct page reads, cost nothing
 * extra).
 *
 * Concurrency: each header has a table of which of its calls may run
 * concurrently with which on one machine.  In short, almost everything
 * may; not hvo_sim_destroy() or hvo_sim_set_yield_hook() with anything,
 * nor two writers of one struct page, PTE or block that one owner should
 * write; and hvo_check() and the snapshot calls want a quiescent machine.
 */
#ifndef HVOSIM_HVOSIM_H
#define HVOSIM_HVOSIM_H

#include "hvosim/version.h"
#include "config.h"
#include "sched.h"
#include "error.h"
#include "fault.h"
#include "sim.h"
#include "page_alloc.h"
#include "frames.h"
#include "page.h"
#include "tlb.h"
#include "pgtable.h"
#include "hugetlb.h"
#include "hugetlb_vmemmap.h"
#include "check.h"
#include "walker.h"
#include "kpageflags.h"
#include "snapshot.h"
#include "explore.h"

#endif /* HVOSIM_HVOSIM_H */
