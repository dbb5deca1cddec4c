// SPDX-License-Identifier: MIT
/*
 * examples/harness.c - a minimal test harness that links the *installed*
 * libhvosim through pkg-config:
 *
 *	cc $(pkg-config --cflags hvosim) harness.c $(pkg-config --libs hvosim)
 *
 * It builds the default machine, turns an order-9 block of frames into a
 * compound page, checks that compound_head() of every tail is the head, tears
 * everything down and exits 0 only if the machine reports no leaked frames.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <hvosim/hvosim.h>

#define ORDER 9u

static int fail(const char *what, int err)
{
	fprintf(stderr, "harness: %s: %s (%s)\n", what, strerror(-err),
		hvo_last_error());
	return 1;
}

int main(void)
{
	struct hvo_config cfg;
	struct hvo_sim *sim = NULL;
	const struct hvo_geometry *g;
	uint64_t pfn, head, info = 0, leaked;
	uint64_t nr = 1ull << ORDER, bad = 0;
	int err, rc = 1;
	int allocated = 0, prepped = 0;

	hvo_config_init(&cfg);
	err = hvo_sim_create(&cfg, &sim);
	if (err)
		return fail("hvo_sim_create", err);

	printf("hvosim %s (built against headers %s)\n", hvo_version(),
	       HVO_VERSION_STRING);

	g = hvo_sim_geometry(sim);
	printf("geometry: page %" PRIu64 " B, struct page %u B, %s encoding, "
	       "%u-level vmemmap table, %" PRIu64 " pfns, vmemmap at 0x%" PRIx64
	       "\n", g->page_size, g->stride,
	       g->mask_encoding ? "mask" : "pointer", g->pgtable_levels,
	       g->nr_pfns, g->vmemmap_base);

	err = hvo_alloc_frames(sim, 0, ORDER, HVO_KIND_OTHER, 0, &pfn);
	if (err) {
		fail("hvo_alloc_frames", err);
		goto out;
	}
	allocated = 1;

	err = hvo_prep_compound_page(sim, pfn, ORDER);
	if (err) {
		fail("hvo_prep_compound_page", err);
		goto out;
	}
	prepped = 1;

	head = hvo_pfn_to_page(sim, pfn);
	for (uint64_t i = 1; i < nr; i++) {
		uint64_t tail = hvo_pfn_to_page(sim, pfn + i);

		if (hvo_compound_head(sim, tail) != head) {
			if (!bad)
				fprintf(stderr, "harness: compound_head(pfn %"
					PRIu64 ") = 0x%" PRIx64 ", want 0x%"
					PRIx64 "\n", pfn + i,
					hvo_compound_head(sim, tail), head);
			bad++;
		}
	}
	err = hvo_page_read(sim, hvo_pfn_to_page(sim, pfn + nr - 1),
			    HVO_PW_COMPOUND_INFO, &info);
	if (err) {
		fail("hvo_page_read", err);
		goto out;
	}
	printf("order-%u compound page at pfn %" PRIu64 ": head 0x%" PRIx64
	       ", last tail compound_info 0x%016" PRIx64 "\n",
	       ORDER, pfn, head, info);
	printf("compound_head() of %" PRIu64 " tails: %" PRIu64 " correct, %"
	       PRIu64 " wrong\n", nr - 1, nr - 1 - bad, bad);
	if (bad)
		goto out;
	rc = 0;

out:
	if (prepped) {
		err = hvo_destroy_compound_page(sim, pfn, ORDER);
		if (err)
			rc = fail("hvo_destroy_compound_page", err);
	}
	if (allocated) {
		err = hvo_free_frames(sim, pfn, ORDER);
		if (err)
			rc = fail("hvo_free_frames", err);
	}
	leaked = hvo_sim_destroy(sim);
	printf("hvo_sim_destroy: %" PRIu64 " leaked frames\n", leaked);
	if (leaked)
		rc = 1;
	printf("%s\n", rc ? "FAIL" : "OK");
	return rc;
}
