/* SPDX-License-Identifier: MIT */
/*
 * hvosim/check.h - the invariant checker.
 *
 * hvo_check() verifies every invariant of merged HVO (and the matching ones
 * of the scheme in use) over the whole machine and reports each violation
 * with what, where, expected and found; hvo_check_track() makes it
 * re-verify only what changed since the last check, with the same report.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                            [1] [2] [3]
 *   [1] hvo_check                             X   X   -
 *   [2] hvo_report_print, hvo_report_has      X   X   X
 *   [3] hvo_check_track                       -   X   -
 *
 *   [1] only reads: the folio registry under hugetlb_lock, everything else
 *       with atomic loads and no lock.  It is memory-safe against every
 *       call, but an operation in flight is seen half done and reported as
 *       violations, and so is a first read of never-touched struct pages by
 *       anyone (the lazy memmap_init changes an entry and its flat view
 *       under the ptl, which the checker does not take).  So it wants a
 *       quiescent machine: X only with calls that touch no struct page,
 *       PTE, frame or pool state (hvo_sim_stats, hvo_sim_geometry,
 *       hvo_sim_config, hvo_hstate_count, hvo_hstate_find,
 *       hvo_fault_log_count, hvo_fault_log_get, hvo_fault_log_newest,
 *       hvo_sysctl_optimize_vmemmap_read, hvo_sysctl_optimize_vmemmap_write),
 *       - with every other call of every header.  Run it between steps, or
 *       after joining the threads.
 *       With tracking on (hvo_check_track()), concurrent checks take
 *       turns.
 *   [2] read only the report they are given: not one hvo_check() is
 *       filling.
 *   [3] turns tracking on or off, which every call that touches a frame
 *       reads: - with every call of every header but [2].
 *   hvo_sim_destroy (sim.h) and hvo_sim_set_yield_hook (sched.h): - with
 *   [1].
 */
#ifndef HVOSIM_CHECK_H
#define HVOSIM_CHECK_H

#include <stdint.h>
#include <stdio.h>

#include "sim.h"

#ifdef __cplusplus
extern "C" {
#endif

/**
 * struct hvo_violation - one broken invariant.
 * @invariant: its name, one of: "encoding", "compound-head", "head",
 *	"fake-head", "tail-flag", "tail-refcount", "tail-node-zone",
 *	"alignment", "layout", "read-only", "shared-tail",
 *	"shared-tail-mapcount", "frame-ownership", "static-key",
 *	"accounting", "pool", "page-table" (the flat view of leaf entries
 *	that loads use disagrees with the hierarchical table),
 *	"vmemmap-pages" (an hstate's freed less restored vmemmap pages
 *	disagree with its optimized folios), "pgtable-frames" (a page-table
 *	frame allocated and unreachable, or reachable and not one),
 *	"tail-mapping" (a tail past the folio's own four without
 *	TAIL_MAPPING), "free-lists" (a free block's head whose struct page
 *	does not show the buddy's state), "track" (HVO_CHECK_VERIFY only:
 *	the tracked check's report differs from the full check's, the rest
 *	of the report).
 * @pfn: the folio head pfn or frame it is about (~0 if global).
 * @where: a short location ("folio 0x1000 page 64", "zone 0/Normal order 9").
 * @expected: what should be there.
 * @found: what is there.
 */
struct hvo_violation {
	const char *invariant;
	uint64_t pfn;
	char where[80];
	char expected[96];
	char found[96];
};

/**
 * struct hvo_report - the checker's result.
 * @count: violations found (all of them).
 * @nr: violations kept in @v (at most HVO_REPORT_MAX).
 * @folios: folios checked (tracked, hvo_check_track(): re-verified).
 * @pages: struct pages read (tracked: re-read).
 * @v: the violations.
 */
#define HVO_REPORT_MAX 256
struct hvo_report {
	uint64_t count;
	uint64_t nr;
	uint64_t folios;
	uint64_t pages;
	struct hvo_violation v[HVO_REPORT_MAX];
};

/**
 * hvo_check() - check every invariant.
 * @sim: the machine.
 * @rep: filled in (may be large: allocate it, e.g. with malloc).
 *
 * Return: the number of violations (>= 0), or -errno (-ENOMEM; -EINVAL for
 * a NULL argument).
 */
int64_t hvo_check(struct hvo_sim *sim, struct hvo_report *rep);

/**
 * enum hvo_check_mode - what hvo_check() walks (hvo_check_track()).
 * @HVO_CHECK_FULL: everything, every time (the default).
 * @HVO_CHECK_TRACKED: the machine records what changes (every frame whose
 *	bytes or metadata are written, the vmemmap entries, the folio
 *	registry, the shared tail slots, the free lists' heads) and each
 *	hvo_check() re-verifies only what that can affect; the report is the
 *	one a full check would give (any finding is reported by a full check).
 * @HVO_CHECK_VERIFY: tracked, and each check followed by a full one whose
 *	report (folios and pages too) it returns; a tracked report that
 *	differs adds the violation "track".
 */
enum hvo_check_mode {
	HVO_CHECK_FULL = 0,
	HVO_CHECK_TRACKED,
	HVO_CHECK_VERIFY,
};

/**
 * hvo_check_track() - make hvo_check() walk only what changed.
 * @sim: the machine.
 * @mode: an enum hvo_check_mode; HVO_CHECK_FULL turns tracking off and
 *	frees what it kept.
 *
 * Meant for a harness that checks after every small step of a long run
 * (the operation fuzzer): a check then costs what the step changed, not
 * what the machine holds.  The first check after turning it on walks
 * everything; so does a check after more changes than the record keeps.
 * Tracking costs every frame access a branch and the first write of a
 * frame between two checks a note.
 *
 * Return: 0, -EINVAL (NULL @sim, an unknown @mode), -ENOMEM.
 */
int hvo_check_track(struct hvo_sim *sim, enum hvo_check_mode mode);

/**
 * hvo_report_print() - print a report, one violation a line.
 * @rep: the report.
 * @out: where.
 *
 * A NULL argument: nothing is printed.
 */
void hvo_report_print(const struct hvo_report *rep, FILE *out);

/**
 * hvo_report_has() - whether a report names an invariant.
 * @rep: the report.
 * @invariant: its name.
 *
 * Return: how many kept violations name it; 0 for a NULL argument.
 */
uint64_t hvo_report_has(const struct hvo_report *rep, const char *invariant);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_CHECK_H */
