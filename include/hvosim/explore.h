/* SPDX-License-Identifier: MIT */
/*
 * hvosim/explore.h - the schedule explorer: run a scenario's simulated
 * threads as fibers on one OS thread and choose, at every yield point
 * (sched.h), which one runs next -- at random, by PCT, exhaustively within a
 * preemption bound, or as a recorded schedule says.  Every run is
 * reproducible from its seed or its schedule string.
 *
 * A scenario is a setup function, 2..HVO_EXPLORE_MAX_THREADS thread bodies,
 * an optional invariant checked after every step and an optional final
 * check.  The setup runs once on a fresh machine; every run starts from the
 * state it left, restored from a snapshot (snapshot.h).
 *
 * Concurrency (X: may run concurrently, -: must not):
 *
 *                                                 [1] [2] [3] [4] [5] [6]
 *   [1] hvo_explore, hvo_explore_run               X   X   -   -   X   X
 *   [2] hvo_explore_note                           X   X   X   X   X   X
 *   [3] hvo_explore_print                          -   X   X   -   X   X
 *   [4] hvo_explore_result_free                    -   X   -   -   X   X
 *   [5] hvo_explore_parse_strategy,                X   X   X   X   X   X
 *       hvo_explore_pingpong, hvo_finding_name,
 *       hvo_scenario_count, hvo_scenario_get,
 *       hvo_scenario_find, hvo_scenario_variants,
 *       hvo_scenario_variant_name
 *   [6] hvo_explore_open, hvo_explore_close        X   X   X   X   X   X
 *
 *   [1] builds its own machine (hvo_explore()) or runs on the one its
 *       exploration built (hvo_explore_run()), and runs all its fibers on
 *       the calling thread: explorations on different threads share
 *       nothing.  The - with [3] [4] is for the result it is filling; other
 *       results X.  One exploration of hvo_explore_open() runs one
 *       hvo_explore_run() at a time, and hvo_explore_close() of it runs
 *       with no call on it at all; different explorations X.
 *   [2] only from a thread body of a running [1], with the context it was
 *       given; the fibers of one exploration take turns.
 *   [3] [4] on one struct hvo_explore_result: [3] reads it, [4] frees what
 *       it points to; on different results X.
 *   [5] touch no machine and no result (hvo_explore_parse_strategy()
 *       writes only the options it is given).
 *   [6] hvo_explore_open() builds a new exploration; hvo_explore_close()
 *       frees one, as [1] above says.
 *   Other headers: a scenario's callbacks may call anything on ctx->sim,
 *   which only their exploration uses, except hvo_sim_destroy (sim.h),
 *   hvo_sim_set_yield_hook (sched.h), as the explorer's hook is
 *   installed, and the snapshot calls (snapshot.h), as the explorer holds
 *   the machine's one snapshot.
 */
#ifndef HVOSIM_EXPLORE_H
#define HVOSIM_EXPLORE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "config.h"
#include "sched.h"
#include "sim.h"
#include "snapshot.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Most simulated threads a scenario may have. */
#define HVO_EXPLORE_MAX_THREADS 4

/** A yield point kind as a bit of a scheduling-point set. */
#define HVO_EXPLORE_POINT(p) (1u << (p))

/**
 * HVO_EXPLORE_POINTS_DEFAULT - the yield points where the scheduler may
 * switch threads unless a scenario says otherwise: the tail slot, locks,
 * refcounts, PTE stores, frame frees, flushes and RCU; not the struct page
 * word loads and stores (thousands per folio).  A thread that spins
 * (repeats the same yield point and address with nothing in between) is
 * always switched away from, whatever the set.
 */
#define HVO_EXPLORE_POINTS_DEFAULT                                          \
	(HVO_EXPLORE_POINT(HVO_YP_TAIL_SLOT_LOAD) |                         \
	 HVO_EXPLORE_POINT(HVO_YP_TAIL_SLOT_PUBLISH) |                      \
	 HVO_EXPLORE_POINT(HVO_YP_TAIL_USERS) | HVO_EXPLORE_POINT(HVO_YP_LOCK) | \
	 HVO_EXPLORE_POINT(HVO_YP_REFCOUNT) | HVO_EXPLORE_POINT(HVO_YP_PTE_STORE) | \
	 HVO_EXPLORE_POINT(HVO_YP_FRAME_FREE) |                             \
	 HVO_EXPLORE_POINT(HVO_YP_TLB_FLUSH) | HVO_EXPLORE_POINT(HVO_YP_RCU))

/**
 * struct hvo_scenario_ctx - what every scenario callback gets.
 * @sim: the machine.
 * @priv: the scenario's own pointer (struct hvo_scenario.priv).
 * @data: data_size bytes, zeroed before the setup, kept for the whole
 *	exploration: the setup writes what the threads need (pfns, hstate
 *	indexes), the threads and checks only read it.
 * @run: run_size bytes, zeroed before every run, for the threads to leave
 *	results in for the final check (each thread its own part).
 * @tid: in a thread body, the thread's index; elsewhere 0.
 * @nr_threads: the number of threads.
 * @explore: the exploration (for hvo_explore_note()).
 */
struct hvo_scenario_ctx {
	struct hvo_sim *sim;
	void *priv;
	void *data;
	void *run;
	unsigned int tid;
	unsigned int nr_threads;
	struct hvo_explore *explore;
};

/**
 * struct hvo_scenario - a concurrency test.
 * @name: short name (the CLI's --scenario).
 * @summary: one line.
 * @nr_threads: 2..HVO_EXPLORE_MAX_THREADS.
 * @config: optional: adjust a config (from hvo_config_init()) to the
 *	machine the scenario wants by default; the user's options go on top.
 * @applies: optional: 0 if the scenario can run on @cfg, else -EINVAL with
 *	a message saying which option it needs.
 * @known_bad: optional: true if @cfg is a variant the library keeps wrong on
 *	purpose and this scenario must find.
 * @setup: builds the state the threads start from on a new machine; 0 or
 *	a negative errno.  Runs once: runs start from its end state.
 * @thread: the thread bodies.
 * @invariant: optional: called after every step (on a quiescent machine);
 *	return 0 if it holds, else nonzero with a message in @msg.
 * @check: optional: called after the run, as @invariant.
 * @points: scheduling points (HVO_EXPLORE_POINT() bits); 0 for
 *	HVO_EXPLORE_POINTS_DEFAULT.
 * @data_size: bytes of struct hvo_scenario_ctx.data.
 * @run_size: bytes of per-run scratch (struct hvo_scenario_ctx.run).
 * @priv: passed to every callback.
 */
struct hvo_scenario {
	const char *name;
	const char *summary;
	unsigned int nr_threads;
	void (*config)(struct hvo_config *cfg);
	int (*applies)(const struct hvo_config *cfg);
	bool (*known_bad)(const struct hvo_config *cfg);
	int (*setup)(const struct hvo_scenario_ctx *ctx);
	void (*thread[HVO_EXPLORE_MAX_THREADS])(const struct hvo_scenario_ctx *ctx);
	int (*invariant)(const struct hvo_scenario_ctx *ctx, char *msg, size_t len);
	int (*check)(const struct hvo_scenario_ctx *ctx, char *msg, size_t len);
	uint32_t points;
	size_t data_size;
	size_t run_size;
	void *priv;
};

/**
 * enum hvo_explore_strategy - how the next thread is chosen.
 * @HVO_EXPLORE_RANDOM: uniformly among the runnable threads.
 * @HVO_EXPLORE_PCT: PCT of depth d (Burckhardt et al., ASPLOS'10): random
 *	distinct priorities, d - 1 change points among the steps where more
 *	than one thread can run, the highest runnable priority runs; a thread
 *	that spins is demoted below all others.
 * @HVO_EXPLORE_DFS: every schedule with at most C preemptions (CHESS),
 *	depth first, with sleep sets: a schedule that only reorders two steps
 *	that touch nothing in common is not run again.
 * @HVO_EXPLORE_REPLAY: one schedule, from a schedule string: the thread
 *	chosen at every decision, a..d, a run of one thread as the letter and
 *	a count ("a2b20a18"), or as the letter and * ("a3b*a*b*": b at every
 *	decision as long as it can run, i.e. until its body returns or it
 *	waits for another thread).  The run records the schedule it took,
 *	letters and counts only.
 */
enum hvo_explore_strategy {
	HVO_EXPLORE_RANDOM = 0,
	HVO_EXPLORE_PCT,
	HVO_EXPLORE_DFS,
	HVO_EXPLORE_REPLAY,
};

/**
 * struct hvo_explore_opts - how to explore.
 * @strategy: see enum hvo_explore_strategy.
 * @depth: PCT depth d (>= 1).
 * @preemptions: DFS preemption bound C.
 * @replay: the schedule string for HVO_EXPLORE_REPLAY (copied).
 * @runs: schedules to run (random, PCT; 0: 1000); for DFS a cap (0: none).
 * @seed: seed of the first run; run i + 1's seed is derived from run i's.
 * @max_steps: steps after which a run is a livelock (0: 100000).
 * @check_every_step: run hvo_check() after every step, not only at the end.
 * @keep_going: do not stop at the first finding.
 * @rebuild: build the machine and run setup for every run instead of
 *	restoring the snapshot (slow; for comparing the two).
 * @trace: when nothing is found, keep the last run's schedule and trace in
 *	the result anyway (a replay to look at).
 * @progress: optional, called every 256 runs.
 * @progress_ctx: passed to @progress.
 */
struct hvo_explore_opts {
	enum hvo_explore_strategy strategy;
	unsigned int depth;
	unsigned int preemptions;
	const char *replay;
	uint64_t runs;
	uint64_t seed;
	uint64_t max_steps;
	bool check_every_step;
	bool keep_going;
	bool rebuild;
	bool trace;
	void (*progress)(void *ctx, uint64_t runs_done, uint64_t findings);
	void *progress_ctx;
};

/**
 * enum hvo_finding_kind - what a run found.
 */
enum hvo_finding_kind {
	HVO_FINDING_NONE = 0,
	HVO_FINDING_INVARIANT,	/* the scenario's invariant failed after a step */
	HVO_FINDING_CHECK,	/* hvo_check() reported violations */
	HVO_FINDING_FAULT,	/* the fault log grew: RO write, early or mapped free */
	HVO_FINDING_LEAK,	/* a frame allocated in the run is accounted nowhere */
	HVO_FINDING_FINAL,	/* the scenario's final check failed */
	HVO_FINDING_DEADLOCK,	/* no thread can run, some are blocked */
	HVO_FINDING_LIVELOCK,	/* the step bound was reached */
	HVO_FINDING_DIVERGED,	/* a replay asked for a thread that cannot run */
	HVO_NR_FINDING_KINDS,
};

/**
 * struct hvo_explore_result - what an exploration did.
 * @schedules: runs completed.
 * @steps: steps run, over all runs.
 * @max_run_steps: the longest run, in steps.
 * @pruned: DFS: choices not taken because a sleep set proved them redundant.
 * @complete: DFS: the bounded space was explored to the end.
 * @findings: runs that found something.
 * @kind: the first finding's kind (HVO_FINDING_NONE: none).
 * @seed: the seed of the first finding's run (with opts.trace and no
 *	finding: of the last run, and so are the fields below).
 * @run_index: which run it was (0-based).
 * @step: the step after which it was found.
 * @schedule: its schedule string (malloc()ed; hvo_explore_result_free()).
 * @message: what was found.
 * @trace: the readable trace of the run (malloc()ed).
 * @switch_kind: the fiber switch used ("asm x86-64", "ucontext", ...).
 */
struct hvo_explore_result {
	uint64_t schedules;
	uint64_t steps;
	uint64_t max_run_steps;
	uint64_t pruned;
	bool complete;
	uint64_t findings;
	enum hvo_finding_kind kind;
	uint64_t seed;
	uint64_t run_index;
	uint64_t step;
	char *schedule;
	char message[512];
	char *trace;
	const char *switch_kind;
};

struct hvo_explore;

/**
 * hvo_explore() - build a machine from @cfg, run @sc's setup, and explore.
 * @cfg: the machine.
 * @sc: the scenario.
 * @opts: how.
 * @res: what happened (release with hvo_explore_result_free()).
 *
 * Return: 0 when the exploration ran (whether or not it found anything:
 * see @res->findings), or a negative errno: -EINVAL, with @res untouched,
 * if an argument is NULL, @sc's nr_threads, thread bodies or points or
 * @opts' strategy, depth or replay string are out of range, or @cfg is
 * invalid (hvo_config_validate()); @sc's applies() error, @res untouched
 * too; the setup's error; or -ENOMEM when the host ran out of memory for
 * the explorer's own bookkeeping (the DFS search stack, a run's schedule or
 * step records, the snapshot's touch log, a finding's schedule string):
 * hvo_last_error() names which, the exploration stops there, @res keeps
 * the counters of the runs done but no schedule or trace (nothing to free),
 * and everything the call built is freed, so a later call starts afresh.
 * Less than that is no error: a trace cut short ends with a
 * "[truncated: out of host memory]" line, a note that found no room is
 * dropped and the trace counts it, and a step footprint that found none is
 * taken to meet every other step (DFS prunes less, misses nothing).
 */
int hvo_explore(const struct hvo_config *cfg, const struct hvo_scenario *sc,
		const struct hvo_explore_opts *opts, struct hvo_explore_result *res);

/**
 * typedef hvo_choose_fn - the caller's decision in hvo_explore_run().
 * @ctx: hvo_explore_run()'s @ctx.
 * @runnable: the threads that can run now, bit i for thread i (never 0).
 * @prev: the thread that ran the last step, or -1 at a run's first
 *	decision.
 *
 * Called in the calling thread's own context (no fiber runs), at every
 * decision, also where only one thread can run, so the recorded schedule
 * string is the whole run.
 *
 * Return: the thread to run: one of @runnable's bits.  Any other value
 * ends the run as HVO_FINDING_DIVERGED.
 */
typedef int (*hvo_choose_fn)(void *ctx, uint32_t runnable, int prev);

/**
 * hvo_explore_open() - build a machine from @cfg, run @sc's setup and
 * keep both, with the scenario's fibers, for schedules whose every
 * decision the caller makes (hvo_explore_run()): a fuzzer's harness, or a
 * search strategy of the caller's own.  Every run starts from the setup's
 * end state, restored from a snapshot in microseconds, where a new
 * hvo_explore() call builds the machine again (a millisecond and more).
 * @cfg: the machine.
 * @sc: the scenario; it must outlive the exploration.
 * @opts: @opts->max_steps, check_every_step, rebuild and trace are used as
 *	hvo_explore() uses them; the strategy, its fields, runs, seed,
 *	keep_going and progress are not.
 * @out: the exploration, for hvo_explore_run() and hvo_explore_close().
 *
 * Return: 0, or as hvo_explore() for the same arguments: -EINVAL, with
 * *@out untouched, if an argument is NULL, @sc is out of range, @cfg is
 * invalid or @sc does not apply to it; the setup's error; -ENOMEM.
 */
int hvo_explore_open(const struct hvo_config *cfg, const struct hvo_scenario *sc,
		     const struct hvo_explore_opts *opts, struct hvo_explore **out);

/**
 * hvo_explore_run() - run one schedule of an exploration of
 * hvo_explore_open(), every decision @choose's, with every oracle
 * hvo_explore() runs.
 * @x: the exploration.
 * @choose: picks the thread at every decision (typedef hvo_choose_fn).
 * @ctx: passed to @choose.
 * @res: what the run found, as hvo_explore() fills it for one run
 *	(schedules 1, findings 0 or 1, seed 0, run_index the number of runs
 *	@x ran before); its schedule string replays with
 *	HVO_EXPLORE_REPLAY, on the same config and scenario.  Release it
 *	with hvo_explore_result_free().
 *
 * Return: 0 when the run ran, whether or not it found anything; -EINVAL,
 * with @res untouched, if an argument is NULL; -ENOMEM as hvo_explore()
 * (@res then holds no schedule or trace), after which @x builds its
 * machine afresh for the next run.
 */
int hvo_explore_run(struct hvo_explore *x, hvo_choose_fn choose, void *ctx,
		    struct hvo_explore_result *res);

/**
 * hvo_explore_close() - free an exploration of hvo_explore_open(): its
 * machine, snapshot and fibers.
 * @x: the exploration; NULL: nothing happens (as free(NULL)).
 */
void hvo_explore_close(struct hvo_explore *x);

/**
 * hvo_explore_result_free() - free what a result points to.
 * @res: the result; its counters stay.  NULL: nothing happens (message
 *	set).
 */
void hvo_explore_result_free(struct hvo_explore_result *res);

/**
 * hvo_explore_print() - print a result's first finding: the seed first,
 * then the schedule string, then the message and the trace.
 * @res: the result.
 * @out: where.
 *
 * A NULL argument or a @res->kind that is no finding kind prints nothing
 * and sets hvo_last_error().
 */
void hvo_explore_print(const struct hvo_explore_result *res, FILE *out);

/**
 * hvo_explore_parse_strategy() - parse "random", "pct:D", "dfs:C" or
 * "replay:STRING" into @opts.
 * @s: the string.
 * @opts: strategy, depth, preemptions or replay are set (replay points
 *	into @s).
 *
 * Return: 0, or -EINVAL if an argument is NULL or @s is none of these,
 * with a message naming it and @opts untouched.
 */
int hvo_explore_parse_strategy(const char *s, struct hvo_explore_opts *opts);

/**
 * hvo_explore_note() - add a line to the current step of the trace, from
 * a thread body (e.g. what a call returned).
 * @ctx: the thread's context.
 * @fmt: printf format.
 *
 * A NULL @ctx, @fmt or @ctx->explore (not an exploration's context) adds
 * nothing and sets hvo_last_error().
 */
void hvo_explore_note(const struct hvo_scenario_ctx *ctx, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/**
 * hvo_finding_name() - a short name of a finding kind.
 * @kind: the kind.
 *
 * Return: a static string; "?" (and hvo_last_error() set) if @kind is not
 * a finding kind.
 */
const char *hvo_finding_name(enum hvo_finding_kind kind);

/**
 * hvo_scenario_count() - the number of built-in scenarios.
 *
 * Return: the count (never fails).
 */
unsigned int hvo_scenario_count(void);

/**
 * hvo_scenario_get() - a built-in scenario by index.
 * @i: 0..hvo_scenario_count() - 1.
 *
 * Return: the scenario, or NULL (hvo_last_error() set) if @i is out of
 * range.
 */
const struct hvo_scenario *hvo_scenario_get(unsigned int i);

/**
 * hvo_scenario_find() - a built-in scenario by name.
 * @name: its name.
 *
 * Return: the scenario, or NULL if @name is NULL or names no scenario,
 * with a message naming it (and listing the names).
 */
const struct hvo_scenario *hvo_scenario_find(const char *name);

/**
 * hvo_scenario_variants() - every scheme and knob combination a built-in
 * scenario applies to, each as a config built from its default machine.
 * @sc: a built-in scenario (hvo_scenario_get(), hvo_scenario_find()).
 * @out: configs (may be NULL to count).
 * @max: room in @out.
 *
 * Return: the number of variants (which may exceed @max); 0, with @out
 * untouched and hvo_last_error() set, if @sc is NULL or not built in.
 */
unsigned int hvo_scenario_variants(const struct hvo_scenario *sc,
				   struct hvo_config *out, unsigned int max);

/**
 * hvo_scenario_variant_name() - a variant's scheme and knobs as CLI options,
 * e.g. "--scheme shared-tail --scope zone --alloc none --lifetime never".
 * @cfg: the variant.
 * @buf: where.
 * @len: its size.
 *
 * Return: @buf; NULL, with @buf untouched and hvo_last_error() set, if
 * @cfg or @buf is NULL, @len is 0, or @cfg's scheme, tail_scope,
 * tail_alloc or tail_lifetime is out of range.
 */
char *hvo_scenario_variant_name(const struct hvo_config *cfg, char *buf, size_t len);

/**
 * hvo_explore_pingpong() - switch @n times from the calling thread to a
 * fiber and back, with the switch the explorer uses: time it and divide
 * by 2 * @n for the cost of one switch (the library reads no clock).
 * @n: round trips.
 * @kind: if not NULL, set to the switch used: "asm x86-64", "asm aarch64"
 *	or "ucontext".
 *
 * Return: 0, or -ENOMEM if no fiber stack could be mapped.  Every @n is
 * valid (0: no switch) and @kind is optional, so nothing is refused.
 */
int hvo_explore_pingpong(uint64_t n, const char **kind);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_EXPLORE_H */
