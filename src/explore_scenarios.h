/* SPDX-License-Identifier: MIT */
/*
 * explore_scenarios.h - the built-in scenarios (explore_scenarios.c), for
 * explore.c's hvo_scenario_*() and explore_variants.c.
 */
#ifndef HVOSIM_SRC_EXPLORE_SCENARIOS_H
#define HVOSIM_SRC_EXPLORE_SCENARIOS_H

#include "hvosim/explore.h"

unsigned int hvo__scenario_count(void);
/* @i < hvo__scenario_count() */
const struct hvo_scenario *hvo__scenario_get(unsigned int i);
/* NULL with a message listing the names if no scenario is called @name */
const struct hvo_scenario *hvo__scenario_find(const char *name);

#endif /* HVOSIM_SRC_EXPLORE_SCENARIOS_H */
