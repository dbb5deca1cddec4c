/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hvosim.h - the umbrella header: include this one.
 *
 * hvosim simulates the Linux kernel's HugeTLB Vmemmap Optimization in
 * userspace.  Every function returns 0 or a negative errno unless it says
 * otherwise; on failure hvo_last_error() tells what was wrong.
 *
 * Concurrency: each header has a table of which of its calls may run
 * concurrently with which on one machine.  In short, almost everything
 * may; not hvo_sim_destroy() or hvo_sim_set_yield_hook() with anything,
 * nor two writers of one struct page, PTE or block that one owner should
 * write; and hvo_check() wants a quiescent machine.
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
#include "explore.h"

#endif /* HVOSIM_HVOSIM_H */
