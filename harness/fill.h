/* SPDX-License-Identifier: MIT */
/* fill.h - pool filling and range parsing shared by the CLI commands */
#ifndef HVOSIM_FILL_H
#define HVOSIM_FILL_H

#include <stdbool.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

/* "2M:16,1G:2": N huge pages of each size, spread over the nodes */
int cli_fill_pools(struct hvo_sim *sim, const char *spec, bool quiet);
bool cli_parse_range(const char *s, uint64_t *a, uint64_t *b);
/* head pfn and page count of the first hugetlb folio */
int cli_first_folio(struct hvo_sim *sim, uint64_t *head, uint64_t *nr);

#endif
