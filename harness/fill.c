// SPDX-License-Identifier: MIT
/*
 * fill.c - `--hugepages 2M:N,1G:M`: fill pools like writing nr_hugepages,
 * spread evenly over the nodes.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "fill.h"

int cli_fill_pools(struct hvo_sim *sim, const char *spec, bool quiet)
{
	char buf[256], *save = NULL, *tok;
	unsigned int nodes = hvo_sim_config(sim)->nr_nodes, n;

	if (!spec || !*spec)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		fprintf(stderr, "hvosim: --hugepages: too long\n");
		return -1;
	}
	strcpy(buf, spec);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		char *colon = strchr(tok, ':');
		uint64_t size, count, got;
		int h;

		if (!colon) {
			fprintf(stderr, "hvosim: --hugepages: '%s' is not SIZE:COUNT\n", tok);
			return -1;
		}
		*colon = 0;
		if (colon[1] == '-') {
			fprintf(stderr, "hvosim: --hugepages: '%s:%s': the count must be >= 0\n",
				tok, colon + 1);
			return -1;
		}
		if (hvo_parse_size(tok, &size) || !cli_parse_u64(colon + 1, &count)) {
			fprintf(stderr, "hvosim: --hugepages: '%s:%s' is not SIZE:COUNT\n", tok,
				colon + 1);
			return -1;
		}
		h = hvo_hstate_find(sim, size);
		if (h < 0) {
			fprintf(stderr, "hvosim: --hugepages: %s\n", hvo_last_error());
			return -1;
		}
		for (n = 0; n < nodes; n++) {
			struct hvo_hstate_info hi;
			uint64_t want = count / nodes + (n < count % nodes);

			hvo_hstate_info(sim, (unsigned int)h, &hi);
			/* boot pages already in the pool count towards the target */
			want += hi.nr_huge_pages_node[n];
			if (hvo_pool_resize(sim, (unsigned int)h, n, want, &got) && !quiet)
				fprintf(stderr, "hvosim: %s node %u: got %" PRIu64 " of %" PRIu64 ": %s\n",
					hi.name, n, got, want, hvo_last_error());
		}
	}
	return 0;
}

const char *cli_default_pools(struct hvo_sim *sim, uint64_t n, char *buf, size_t len)
{
	const struct hvo_config *cfg = hvo_sim_config(sim);
	struct hvo_hstate_info hi, small = { .bytes = UINT64_MAX };
	uint64_t mem = 0, fit;
	unsigned int h;
	char size[24];

	for (h = 0; h < hvo_hstate_count(sim); h++)
		if (!hvo_hstate_info(sim, h, &hi) && hi.bytes < small.bytes)
			small = hi;
	for (h = 0; h < cfg->nr_nodes; h++)
		mem += cfg->node_mem_bytes[h];
	fit = mem / 4 / small.bytes;
	snprintf(buf, len, "%s:%" PRIu64, cli_size(small.bytes, size, sizeof(size)),
		 n < fit ? n : fit ? fit : 1);
	return buf;
}

bool cli_parse_range(const char *s, uint64_t *a, uint64_t *b)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return false;
	strcpy(buf, s);
	dash = strchr(buf + 1, '-');
	if (!dash)
		return cli_parse_u64(buf, a) && (*b = *a, true);
	*dash = 0;
	return cli_parse_u64(buf, a) && cli_parse_u64(dash + 1, b);
}

int cli_first_folio(struct hvo_sim *sim, uint64_t *head, uint64_t *nr)
{
	unsigned int h;

	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi;
		uint64_t pfn;

		if (hvo_folio_list(sim, h, &pfn, 1) > 0) {
			hvo_hstate_info(sim, h, &hi);
			*head = pfn;
			*nr = 1ull << hi.order;
			return 0;
		}
	}
	return -1;
}
