/* SPDX-License-Identifier: MIT */
/* fill.h - pool filling and pfn ranges, as the commands take them */
#ifndef HVOSIM_FILL_H
#define HVOSIM_FILL_H

#include <stdbool.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

/* "2M:16,1G:2": N huge pages of each size, spread over the nodes; -1 (the
 * reason printed) if @spec is not one the machine can take */
int cli_fill_pools(struct hvo_sim *sim, const char *spec, bool quiet);
/* the pools a command fills when not told: @n of the geometry's smallest
 * huge page size, fewer if that is more than a quarter of memory */
const char *cli_default_pools(struct hvo_sim *sim, uint64_t n, char *buf, size_t len);
bool cli_parse_range(const char *s, uint64_t *a, uint64_t *b);
/* head pfn and page count of the first hugetlb folio */
int cli_first_folio(struct hvo_sim *sim, uint64_t *head, uint64_t *nr);

#endif
