/* SPDX-License-Identifier: MIT */
/*
 * frames.h - the harness's frames (frames.c).
 */
#ifndef HVOSIM_SRC_FRAMES_H
#define HVOSIM_SRC_FRAMES_H

#include "internal.h"

uint64_t hvo__frames_leaked(struct hvo_sim *sim, bool report);

#endif /* HVOSIM_SRC_FRAMES_H */
