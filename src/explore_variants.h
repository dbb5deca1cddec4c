/* SPDX-License-Identifier: MIT */
/*
 * explore_variants.h - the variants of the built-in scenarios
 * (explore_variants.c), for explore.c's hvo_scenario_variants() and
 * hvo_scenario_variant_name(), which check the arguments first.
 */
#ifndef HVOSIM_SRC_EXPLORE_VARIANTS_H
#define HVOSIM_SRC_EXPLORE_VARIANTS_H

#include "hvosim/explore.h"

/* @sc is a built-in scenario */
unsigned int hvo__scenario_variants(const struct hvo_scenario *sc, struct hvo_config *out,
				    unsigned int max);
/* @cfg's scheme and tail enums are in range, @buf is not NULL, @len > 0 */
char *hvo__scenario_variant_name(const struct hvo_config *cfg, char *buf, size_t len);

#endif /* HVOSIM_SRC_EXPLORE_VARIANTS_H */
