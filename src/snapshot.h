/* SPDX-License-Identifier: MIT */
/*
 * snapshot.h - what the explorer needs from snapshot.c beyond the public
 * hvo_snapshot_*(): per-step footprints for the DFS's sleep sets, a digest
 * of the machine state that lives outside the frame arena, and the frames
 * a run allocated (for leak accounting).
 */
#ifndef HVOSIM_SRC_SNAPSHOT_H
#define HVOSIM_SRC_SNAPSHOT_H

#include "hugetlb_internal.h"

/* while paused (read-only work: the checker), touches are not seen at all */
void hvo__track_pause(struct hvo_sim *sim, struct hvo_snapshot *sn, bool paused);

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

#endif /* HVOSIM_SRC_SNAPSHOT_H */
