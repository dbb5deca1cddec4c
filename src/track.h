/* SPDX-License-Identifier: MIT */
/*
 * track.h - the touch log behind snapshots (track.c; struct hvo_track is in
 * internal.h with the rest of the machine's state).  internal.h includes
 * this header for hvo__track_touch(), which its hvo__frame() and hvo__meta()
 * call, so it needs nothing but the struct names.
 */
#ifndef HVOSIM_SRC_TRACK_H
#define HVOSIM_SRC_TRACK_H

#include <stdbool.h>
#include <stdint.h>

struct hvo_sim;
struct hvo_track;

/* hvo__frame() (@bytes) or hvo__meta() was asked for @pfn */
void hvo__track_touch(const struct hvo_sim *sim, uint64_t pfn, bool bytes);
/* a new tick (a step; with @new_run, a run: everything may be saved again) */
void hvo__track_tick(struct hvo_sim *sim, struct hvo_track *t, bool new_run);
/* start a new step: its touches form a fresh footprint */
void hvo__track_step(struct hvo_sim *sim, bool footprint);
/* the pfns of the current step's footprint, sorted, and their number */
uint64_t hvo__track_footprint(struct hvo_sim *sim, const uint64_t **pfns);

#endif /* HVOSIM_SRC_TRACK_H */
