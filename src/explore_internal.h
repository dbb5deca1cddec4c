/* SPDX-License-Identifier: MIT */
/*
 * explore_internal.h - the explorer's state, shared by explore.c (runs and
 * fibers), explore_strategy.c (random, PCT, replay), explore_dfs.c
 * (bounded exhaustive search) and explore_trace.c (schedule strings and
 * traces).  It declares no function: explore.c calls down into the other
 * three, each of which declares its functions in its own header
 * (explore_strategy.h, explore_dfs.h, explore_trace.h).
 *
 * Everything here is touched by one OS thread: the main context and the
 * fibers take turns, so nothing needs to be atomic.
 */
#ifndef HVOSIM_SRC_EXPLORE_INTERNAL_H
#define HVOSIM_SRC_EXPLORE_INTERNAL_H

#include "fiber.h"
#include "snapshot.h"

#define XT_NONE 0xffu			/* no thread */
#define YP_START 0xfeu			/* a thread that has not run yet */
#define YP_DONE 0xffu			/* a thread that has returned */
#define XT_AS_LONG 0x80u		/* replay element "t*": t while it can run */

struct xthread {
	struct hvo_fiber fib;
	struct hvo_explore *x;
	unsigned int id;
	bool done, blocked, retried;
	bool dirty;			/* left mid-call by an abandoned run */
	bool spun;			/* its last step ended in a spin */
	uint8_t at_p;			/* where it is suspended: the op it does next */
	uint64_t at_addr;
	uint8_t last_p;			/* its last yield of any kind, for spins */
	uint64_t last_addr;
};

/* one step of a run, for the trace */
struct xstep {
	uint8_t thread, from_p, to_p;
	bool spin;			/* it stopped spinning: waits for another */
	bool retry;			/* every thread was blocked: a retry */
	uint64_t from_addr, to_addr;
	uint64_t faults;		/* fault log records it added */
	uint32_t note;			/* offset into notes, or UINT32_MAX */
};

/* a step's footprint, for the DFS's sleep sets */
struct xfp {
	uint64_t *pfn;
	uint32_t n;
	bool global;			/* wrote state outside the frame arena */
	bool valid;
};

struct xdfs;

struct hvo_explore {
	const struct hvo_scenario *sc;
	struct hvo_config cfg;
	struct hvo_explore_opts o;
	char *replay;			/* o.replay, copied */
	struct hvo_sim *sim;
	struct hvo_snapshot *snap;
	bool tainted;			/* a run was abandoned on this machine */
	struct hvo_report *rep;
	struct hvo_fiber main;
	struct xthread t[HVO_EXPLORE_MAX_THREADS];
	unsigned int n;
	struct xthread *cur;		/* the running fiber; NULL: main */
	uint32_t points;
	struct hvo_scenario_ctx ctx[HVO_EXPLORE_MAX_THREADS + 1];
	void *run_buf;
	void *data_buf;

	/* the current run */
	uint64_t run_index, run_seed, rng;
	uint64_t step;
	uint8_t prev;			/* the thread that ran the last step */
	uint8_t *sched;			/* the thread chosen at every decision */
	uint64_t nsched, capsched;
	struct xstep *trace;
	uint64_t ntrace, captrace;
	char *notes;
	uint64_t nnotes, capnotes;
	uint32_t pending_note;		/* the running step's notes, or UINT32_MAX */
	uint64_t notes_lost;		/* dropped: out of host memory */
	uint64_t faults;		/* fault log count before the step */
	enum hvo_finding_kind fkind;
	char fmsg[512];
	uint64_t fstep;

	/* PCT */
	int calibrating;		/* measuring k: 0 no, 1 round robin,
					 * 2 + i thread i first, no preemption */
	uint64_t pct_k;			/* estimated steps with a choice */
	uint64_t pct_count;		/* steps with a choice in this run */
	int prio[HVO_EXPLORE_MAX_THREADS];
	uint64_t change[16];		/* change points, at most 15 */
	unsigned int nchange;
	int prio_low;			/* the next priority a demotion gives */

	/* hvo_explore_run(): the caller decides */
	hvo_choose_fn choose;
	void *choose_ctx;

	/* replay */
	uint8_t *rseq;			/* the decoded schedule (XT_AS_LONG: "t*") */
	uint64_t rlen, rpos;
	char why[256];			/* why a replay diverged */

	/* DFS */
	struct xdfs *dfs;
	uint64_t pruned;
	bool complete;

	struct hvo_explore_result *res;
};

#endif /* HVOSIM_SRC_EXPLORE_INTERNAL_H */
