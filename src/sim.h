/* SPDX-License-Identifier: MIT */
/*
 * sim.h - the machine's life (sim.c), for the library's own callers.
 */
#ifndef HVOSIM_SRC_SIM_H
#define HVOSIM_SRC_SIM_H

#include <stdbool.h>

#include "internal.h"

/* hvo_sim_destroy(), saying on stderr what leaked only if @report: the
 * explorer drops a machine a run abandoned mid-call (a finding stops it
 * there), whose held folios and frames are that run's, not leaks */
uint64_t hvo__sim_destroy(struct hvo_sim *sim, bool report);

#endif
