// SPDX-License-Identifier: MIT
/* A tiny hvosim consumer: build the default machine and tear it down. */
#include <stdio.h>

#include <hvosim/hvosim.h>

int main(void)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	int err;

	hvo_config_init(&cfg);
	err = hvo_sim_create(&cfg, &sim);
	if (err) {
		fprintf(stderr, "hvo_sim_create: %d (%s)\n", err, hvo_last_error());
		return 1;
	}
	printf("hvosim %s: %llu pfns\n", hvo_version(),
	       (unsigned long long)hvo_sim_geometry(sim)->nr_pfns);
	return hvo_sim_destroy(sim) == 0 ? 0 : 1;
}
