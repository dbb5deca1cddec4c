/* SPDX-License-Identifier: MIT */
/*
 * hvosim/hvosim.h - the umbrella header: include this one.
 *
 * hvosim simulates the Linux kernel's HugeTLB Vmemmap Optimization in
 * userspace.  Every function returns 0 or a negative errno unless it says
 * otherwise; on failure hvo_last_error() tells what was wrong.
 */
#ifndef HVOSIM_HVOSIM_H
#define HVOSIM_HVOSIM_H

#include "hvosim/version.h"
#include "config.h"
#include "sched.h"
#include "sim.h"
#include "page_alloc.h"
#include "page.h"
#include "pgtable.h"
#include "hugetlb.h"
#include "hugetlb_vmemmap.h"
#include "check.h"
#include "walker.h"
#include "kpageflags.h"
#include "explore.h"

#endif /* HVOSIM_HVOSIM_H */
