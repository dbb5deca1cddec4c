/* SPDX-License-Identifier: MIT */
/*
 * hvosim/kpageflags.h - the /proc/kpageflags view (fs/proc/page.c
 * stable_page_flags()), so the kernel selftest's checks
 * (tools/testing/selftests/mm/hugepage-vmemmap.c) can run on a simulated
 * machine: the head pfn of a hugetlb folio is COMPOUND_HEAD|HUGE, every
 * other pfn COMPOUND_TAIL|HUGE and not HEAD.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                           [1]
 *   [1] hvo_kpageflags       X
 *
 *   [1] reads struct pages with atomic loads: a racy snapshot, as reading
 *       /proc/kpageflags is, and X with every call of the other headers
 *       too, but hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook
 *       (sched.h); hvo_check (check.h) wants it not in flight.
 */
#ifndef HVOSIM_KPAGEFLAGS_H
#define HVOSIM_KPAGEFLAGS_H

#include <stdint.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/* bit numbers of include/uapi/linux/kernel-page-flags.h */
#define HVO_KPF_BUDDY		10
#define HVO_KPF_COMPOUND_HEAD	15
#define HVO_KPF_COMPOUND_TAIL	16
#define HVO_KPF_HUGE		17
#define HVO_KPF_NOPAGE		20
#define HVO_KPF_RESERVED	32

/**
 * hvo_kpageflags() - the 64-bit /proc/kpageflags word of a pfn.
 * @sim: the machine.
 * @pfn: the pfn.
 * @flags: the word (1ull << HVO_KPF_* bits).
 *
 * Computed the way the kernel of the configured scheme does: through
 * page_folio() (mask or pointer decode) in 7.1+, through PageHead() /
 * PageTail() with fake-head detection before.
 *
 * Return: 0; -ERANGE for a pfn the machine does not have (the kernel
 * reports KPF_NOPAGE; *@flags is set to that too).
 */
int hvo_kpageflags(struct hvo_sim *sim, uint64_t pfn, uint64_t *flags);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_KPAGEFLAGS_H */
