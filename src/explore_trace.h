/* SPDX-License-Identifier: MIT */
/*
 * explore_trace.h - schedule strings and readable traces (explore_trace.c),
 * for explore.c and explore_strategy.c (replay parses a schedule string).
 */
#ifndef HVOSIM_SRC_EXPLORE_TRACE_H
#define HVOSIM_SRC_EXPLORE_TRACE_H

#include <stdarg.h>

#include "explore_internal.h"

char *hvo__xt_schedule_string(const struct hvo_explore *x);
/* the decoded schedule's length, or -1 if @s is not a schedule string */
int64_t hvo__xt_schedule_parse(const char *s, uint8_t *out, uint64_t max);
char *hvo__xt_trace(const struct hvo_explore *x);
void hvo__xt_note(struct hvo_explore *x, const char *fmt, va_list ap);

#endif /* HVOSIM_SRC_EXPLORE_TRACE_H */
