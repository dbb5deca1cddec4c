/* SPDX-License-Identifier: MIT */
/*
 * hvosim/snapshot.h - remember a machine's state and bring it back, as
 * often as wanted: the schedule explorer's reset between runs (explore.h),
 * open to any harness that wants to run many things from one state.
 *
 * While a snapshot exists the machine logs the frames it touches, and a
 * restore writes back only those: a restore costs what the run since the
 * last one touched, not the machine's size.
 *
 * Concurrency on one machine (X: may run concurrently, -: must not):
 *
 *                                                 [1]
 *   [1] hvo_snapshot_take, hvo_snapshot_restore,   -
 *       hvo_snapshot_free
 *
 *   [1] want the machine quiescent: - with each other and with every call
 *       of every other header on that machine; on different machines X.
 *   While a snapshot exists the machine must be used by one OS thread only
 *   (fibers taking turns, as the explorer's do, are fine): the touch log
 *   is not atomic.
 *   Other headers: - with every call on the snapshot's machine.
 */
#ifndef HVOSIM_SNAPSHOT_H
#define HVOSIM_SNAPSHOT_H

#ifdef __cplusplus
extern "C" {
#endif

struct hvo_sim;
struct hvo_snapshot;

/**
 * hvo_snapshot_take() - remember a machine's state so that it can be
 * brought back by hvo_snapshot_restore() as often as wanted.
 * @sim: the machine, quiescent.
 * @out: the snapshot.
 *
 * While a snapshot exists the machine logs the frames it touches, and it
 * must be used by one OS thread only (fibers are fine).  One snapshot per
 * machine.
 *
 * Return: 0; -EINVAL if @sim or @out is NULL (nothing is written or
 * changed); -EBUSY if the machine has a snapshot, or -ENOMEM if the host
 * had no memory for the copy, both with *@out set to NULL and the machine
 * as it was (it has no snapshot and may be used as before).
 */
int hvo_snapshot_take(struct hvo_sim *sim, struct hvo_snapshot **out);

/**
 * hvo_snapshot_restore() - bring a machine back to its snapshot's state.
 * @sim: the machine, quiescent.
 * @snap: its snapshot.
 *
 * Only what was touched since the last restore is written back.  The yield
 * hook is left as it is.
 *
 * The touch log grows as the machine runs; if the host runs out of memory
 * for it, a frame is written without being logged, and the snapshot can no
 * longer bring the machine back.  Nothing stops the machine then; this
 * call says so.
 *
 * Return: 0; -EINVAL if @sim or @snap is NULL or @snap is not @sim's (the
 * machine is then left alone); or -ENOMEM, with the machine left as it was
 * (not restored, still usable): either the host had no memory for the
 * restore itself (a later call may succeed), or the touch log ran out of
 * host memory since the last restore (every later call fails too; free
 * the snapshot, and take a new one if wanted).  hvo_last_error() says
 * which.
 */
int hvo_snapshot_restore(struct hvo_sim *sim, struct hvo_snapshot *snap);

/**
 * hvo_snapshot_free() - forget a snapshot (the machine stays as it is).
 * @snap: the snapshot, or NULL (nothing happens, as with free(NULL)).
 */
void hvo_snapshot_free(struct hvo_snapshot *snap);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_SNAPSHOT_H */
