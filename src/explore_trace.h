/* SPDX-License-Identifier: MIT */
/*
 * explore_trace.h - schedule strings and readable traces (explore_trace.c),
 * for explore.c, explore_strategy.c (replay parses a schedule string) and
 * explore_scenarios.c (the built-in scenarios' notes).
 */
#ifndef HVOSIM_SRC_EXPLORE_TRACE_H
#define HVOSIM_SRC_EXPLORE_TRACE_H

#include <stdarg.h>

#include "explore_internal.h"

/* malloc()ed; NULL when out of host memory (hvo__err() set) */
char *hvo__xt_schedule_string(const struct hvo_explore *x);
/* the decoded schedule's length, or -1 if @s is not a schedule string: one
 * element per decision, thread numbers, XT_AS_LONG set for a "t*" element */
int64_t hvo__xt_schedule_parse(const char *s, uint8_t *out, uint64_t max);
/* malloc()ed, ending in a "truncated" line if host memory ran out part way;
 * NULL if none was left for its first line (hvo__err() set) */
char *hvo__xt_trace(const struct hvo_explore *x);
void hvo__xt_note(struct hvo_explore *x, const char *fmt, va_list ap);
/* hvo_explore_print(), hvo_finding_name() past their argument checks */
void hvo__xt_print(const struct hvo_explore_result *res, FILE *out);
const char *hvo__xt_finding_name(enum hvo_finding_kind kind);

#endif /* HVOSIM_SRC_EXPLORE_TRACE_H */
