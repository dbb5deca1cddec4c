/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - what the explorer needs from snapshot.c beyond the public
 * hvo_snapshot_*(): per-step footprints for the DFS's sleep sets, a digest
 * of the machine state that lives outside the frame arena, and the frames
 * a run allocated (for leak accounting).
 */
#ifndef HVOSIM_SNAPSHOT_H
#define HVOSIM_SNAPSHOT_H

#include "hugetlb_internal.h"

struct hvo_track {
	uint32_t *mstamp;		/* per pfn: tick of its last metadata touch */
	uint32_t *bstamp;		/* per pfn: tick of its last frame touch */
	uint32_t tick;			/* the current step, or run */
	uint32_t run_tick;		/* first tick of the current run */
	/* undo logs: every pfn touched since the last restore, once each */
	struct hvo_undo *log;		/* metadata */
	uint64_t nlog, caplog;
	uint64_t *bpfn;			/* frames, and their bytes */
	uint64_t nbpfn, capbpfn;
	uint8_t *bytes;			/* page_size per entry of bpfn */
	uint64_t capbytes;
	/* the current step's footprint: pfns touched */
	bool fp_on;
	uint64_t *fp;
	uint64_t nfp, capfp;
};

struct hvo_undo {
	uint64_t pfn;
	struct hvo_frame_meta meta;
};

/* a new tick (a step; with @new_run, a run: everything may be saved again) */
void hvo__track_tick(struct hvo_sim *sim, struct hvo_track *t, bool new_run);
/* start a new step: its touches form a fresh footprint */
void hvo__track_step(struct hvo_sim *sim, bool footprint);
/* while paused (read-only work: the checker), touches are not seen at all */
void hvo__track_pause(struct hvo_sim *sim, struct hvo_snapshot *sn, bool paused);
/* the pfns of the current step's footprint, sorted, and their number */
uint64_t hvo__track_footprint(struct hvo_sim *sim, const uint64_t **pfns);

/* a hash of everything a step can change outside the frame arena, less the
 * statistics counters (additions commute) */
uint64_t hvo__snap_digest(struct hvo_sim *sim);

/*
 * Frames a run allocated that nothing accounts for: vmemmap and shared-tail
 * frames mapped nowhere, hugetlb blocks that are no registered folio.
 * Looks only at pfns touched since the last restore.  Writes a description
 * of the first into @msg.
 */
uint64_t hvo__snap_leaks(struct hvo_sim *sim, char *msg, size_t len);

#endif /* HVOSIM_SNAPSHOT_H */
