// SPDX-License-Identifier: MIT
/*
 * explore_trace.c - schedule strings and readable traces.
 *
 * A schedule string lists the thread chosen at every decision of a run,
 * letters a..d for threads 0..3, a run of one letter written once with its
 * length: "a4ba2" is a, a, a, a, b, a, a.  Every decision is in it, also the
 * ones where only one thread could run, so a replay notices at once when the
 * program no longer takes the recorded path.  A replay may also say "b*":
 * thread b at every decision as long as it can run (until its body returns
 * or it waits for another thread), however many decisions that is; the
 * schedule a run records is always the letters and counts it took.
 */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "explore_trace.h"

struct sbuf {
	char *p;
	size_t n, cap;
	bool lost;		/* out of host memory: text was dropped */
};

#define LOST_MARK "\n[truncated: out of host memory]\n"

__attribute__((format(printf, 2, 3)))
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
	va_list ap;
	int len;

	while (!b->lost) {
		size_t room = b->cap - b->n;
		char *np;

		va_start(ap, fmt);
		len = vsnprintf(b->p ? b->p + b->n : NULL, b->p ? room : 0, fmt, ap);
		va_end(ap);
		if (len < 0)
			return;
		if (b->p && (size_t)len < room) {
			b->n += (size_t)len;
			return;
		}
		np = hvo__host_realloc(b->p, (b->cap ? b->cap * 2 : 1024) + (size_t)len);
		if (!np) {
			b->lost = true;
			if (b->p)
				b->p[b->n] = 0;	/* vsnprintf() may have cut a line */
			return;
		}
		b->p = np;
		b->cap = (b->cap ? b->cap * 2 : 1024) + (size_t)len;
	}
}

/*
 * The text, or NULL if not even its first line fitted (hvo__err() set).
 * Text cut short ends with LOST_MARK, written over its tail if need be: a
 * trace is worth having even incomplete, as long as it says so.
 */
static char *sb_finish(struct sbuf *b, const char *what)
{
	size_t m = sizeof(LOST_MARK);

	if (!b->lost)
		return b->p;
	if (!b->p) {
		hvo__err(-ENOMEM, "explore: out of host memory for the %s", what);
		return NULL;
	}
	if (b->cap < m)
		memcpy(b->p, &LOST_MARK[m - b->cap], b->cap);
	else
		memcpy(b->p + (b->cap - b->n >= m ? b->n : b->cap - m), LOST_MARK, m);
	return b->p;
}

char *hvo__xt_schedule_string(const struct hvo_explore *x)
{
	struct sbuf b = { 0 };
	uint64_t i = 0;

	sb_printf(&b, "%s", "");
	while (i < x->nsched) {
		uint64_t j = i;

		while (j < x->nsched && x->sched[j] == x->sched[i])
			j++;
		if (j - i > 1)
			sb_printf(&b, "%c%" PRIu64, 'a' + x->sched[i], j - i);
		else
			sb_printf(&b, "%c", 'a' + x->sched[i]);
		i = j;
	}
	/* a schedule cut short would replay as another schedule: none at all */
	if (b.lost) {
		free(b.p);
		hvo__err(-ENOMEM, "explore: out of host memory for the schedule string "
			 "(%" PRIu64 " decisions)", x->nsched);
		return NULL;
	}
	return b.p;
}

int64_t hvo__xt_schedule_parse(const char *s, uint8_t *out, uint64_t max)
{
	uint64_t n = 0;

	if (!s)
		return -1;
	while (*s) {
		uint64_t count = 1, k;
		uint8_t t;
		char c = *s++;

		if (c < 'a' || c >= 'a' + HVO_EXPLORE_MAX_THREADS)
			return -1;
		t = (uint8_t)(c - 'a');
		if (*s == '*') {
			/* one element: the thread for as long as it can run */
			s++;
			t |= XT_AS_LONG;
		} else if (*s >= '0' && *s <= '9') {
			char *end;

			count = strtoull(s, &end, 10);
			if (!count || count > (1ull << 32))
				return -1;
			s = end;
		}
		for (k = 0; k < count; k++, n++)
			if (out && n < max)
				out[n] = t;
	}
	return (int64_t)n;
}

void hvo__xt_note(struct hvo_explore *x, const char *fmt, va_list ap)
{
	char line[256];
	size_t len;

	if (!x->cur)
		return;
	vsnprintf(line, sizeof(line), fmt, ap);
	len = strlen(line);
	if (x->nnotes + len + 4 > x->capnotes) {
		uint64_t cap = (x->capnotes ? x->capnotes * 2 : 4096) + len + 4;
		char *np = hvo__host_realloc(x->notes, cap);

		/* a note is not worth ending the run for: the trace says it lost one */
		if (!np) {
			x->notes_lost++;
			return;
		}
		x->notes = np;
		x->capnotes = cap;
	}
	if (x->pending_note == UINT32_MAX) {
		x->pending_note = (uint32_t)x->nnotes;
	} else {
		/* one more note in the same step: append to its string */
		x->nnotes--;
		memcpy(x->notes + x->nnotes, "; ", 2);
		x->nnotes += 2;
	}
	memcpy(x->notes + x->nnotes, line, len + 1);
	x->nnotes += len + 1;
}

static const char *pname(uint8_t p)
{
	if (p == YP_START)
		return "start";
	if (p == YP_DONE)
		return "return";
	return hvo_yield_point_name((enum hvo_yield_point)p);
}

/* the pfn whose struct page holds the simulated address a */
static uint64_t pfn_of(const struct hvo_explore *x, uint64_t a)
{
	const struct hvo_geometry *g = hvo_sim_geometry(x->sim);

	return a >= g->vmemmap_base ? (a - g->vmemmap_base) / g->stride : 0;
}

/* what the operation at a yield point is about to do */
static void describe(const struct hvo_explore *x, struct sbuf *b, uint8_t p, uint64_t a)
{
	uint64_t pfn = pfn_of(x, a);

	switch (p) {
	case YP_START:
		sb_printf(b, "starts");
		break;
	case HVO_YP_TAIL_SLOT_LOAD:
		sb_printf(b, "reads the shared-tail slot");
		break;
	case HVO_YP_TAIL_SLOT_PUBLISH:
		sb_printf(b, "publishes its tail page in the slot");
		break;
	case HVO_YP_TAIL_USERS:
		sb_printf(b, "writes the tail's user count (read %" PRIu64 ")", a);
		break;
	case HVO_YP_LOCK:
		sb_printf(b, a ? "takes the page-table lock (PMD split of %#" PRIx64 ")" :
			  "takes a lock", a);
		break;
	case HVO_YP_REFCOUNT:
		sb_printf(b, "refcount RMW on struct page %#" PRIx64 " (pfn %#" PRIx64 ")", a, pfn);
		break;
	case HVO_YP_PTE_STORE:
		sb_printf(b, "stores the vmemmap PTE of %#" PRIx64 " (struct pages of pfn %#" PRIx64
			  "..)", a, pfn);
		break;
	case HVO_YP_PAGE_LOAD:
	case HVO_YP_PAGE_STORE:
		sb_printf(b, "%s the struct page word at %#" PRIx64,
			  p == HVO_YP_PAGE_LOAD ? "loads" : "stores", a);
		break;
	case HVO_YP_FRAME_FREE:
		sb_printf(b, "frees frame %#" PRIx64, a);
		break;
	case HVO_YP_TLB_FLUSH:
		sb_printf(b, "flushes the TLB");
		break;
	case HVO_YP_RCU:
		sb_printf(b, a ? "rcu_read_unlock()" : "rcu_read_lock() or synchronize_rcu()");
		break;
	default:
		sb_printf(b, "?");
	}
}

static void trace_line(const struct hvo_explore *x, struct sbuf *b, uint64_t i)
{
	const struct xstep *s = &x->trace[i];
	char addr[24] = "-";

	if (s->from_p != YP_START && s->from_p != HVO_YP_TAIL_SLOT_LOAD &&
	    s->from_p != HVO_YP_TAIL_SLOT_PUBLISH && s->from_p != HVO_YP_TAIL_USERS && s->from_addr)
		snprintf(addr, sizeof(addr), "%#" PRIx64, s->from_addr);
	sb_printf(b, "%6" PRIu64 "  %c  %-17s %-19s ", i + 1, 'a' + s->thread, pname(s->from_p),
		  addr);
	if (s->retry)
		sb_printf(b, "(all blocked: tries again) ");
	describe(x, b, s->from_p, s->from_addr);
	if (s->to_p == YP_DONE)
		sb_printf(b, "; its body returns");
	else if (s->spin)
		sb_printf(b, "; then waits, spinning at %s", pname(s->to_p));
	else
		sb_printf(b, "; stops before %s", pname(s->to_p));
	if (s->faults)
		sb_printf(b, "; FAULT LOG +%" PRIu64, s->faults);
	if (x->fkind != HVO_FINDING_NONE && x->fstep == i + 1)
		sb_printf(b, "   <== %s", hvo__xt_finding_name(x->fkind));
	sb_printf(b, "\n");
	if (s->note != UINT32_MAX)
		sb_printf(b, "%6s  %c  note: %s\n", "", 'a' + s->thread, x->notes + s->note);
}

char *hvo__xt_trace(const struct hvo_explore *x)
{
	struct sbuf b = { 0 };
	uint64_t i;

	sb_printf(&b, "%6s  %s  %-17s %-19s %s\n", "step", "t", "point", "address",
		  "what the step did");
	for (i = 0; i < x->ntrace; i++)
		trace_line(x, &b, i);
	if (x->notes_lost)
		sb_printf(&b, "%6s  (%" PRIu64 " note(s) dropped: out of host memory)\n", "",
			  x->notes_lost);
	return sb_finish(&b, "trace");
}

/* hvo_explore_print() for non-NULL arguments */
void hvo__xt_print(const struct hvo_explore_result *res, FILE *out)
{
	if (res->kind == HVO_FINDING_NONE)
		return;
	fprintf(out, "seed: %#" PRIx64 "\n", res->seed);
	fprintf(out, "schedule: %s\n", res->schedule ? res->schedule : "");
	fprintf(out, "finding: %s after step %" PRIu64 " of run %" PRIu64 ": %s\n",
		hvo__xt_finding_name(res->kind), res->step, res->run_index, res->message);
	if (res->trace)
		fprintf(out, "trace (threads a..d, every step from one scheduling point to the "
			"next):\n%s", res->trace);
}

/* hvo_finding_name() without its message: the trace's kinds are valid */
const char *hvo__xt_finding_name(enum hvo_finding_kind kind)
{
	static const char *const names[HVO_NR_FINDING_KINDS] = {
		"none", "invariant", "check", "fault", "leak", "final", "deadlock",
		"livelock", "diverged",
	};

	return (unsigned int)kind < HVO_NR_FINDING_KINDS ? names[kind] : "?";
}
