// SPDX-License-Identifier: MIT
/*
 * flat.c - a machine's struct pages mirrored into a flat host array, the
 * floor the lookup and walker benchmarks compare against (flat.h).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>

#include "flat.h"

static int flat_map(const char *cmd, const struct hvo_geometry *g, struct flat *f)
{
	uint64_t align, bytes = g->nr_pfns * g->stride;

	align = g->hvo_possible ? ((uint64_t)1 << g->max_folio_order) * g->stride : g->page_size;
	f->map_len = (size_t)(bytes + align);
	/* huge pages where the host gives them: the simulator's arena holds
	 * a machine's first lazily initialised vmemmap blocks in huge pages
	 * (hvo__arena_prefault()), so the floor gets them too, for all of
	 * its array; host TLB misses and the host memory's layout then favour
	 * the floor if either (base pages here made the sim look 10 % better
	 * in bench lookup than it is) */
	f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE,
		      MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		fprintf(stderr, "hvosim %s: cannot map %" PRIu64 " bytes for the flat array: %s\n",
			cmd, bytes, strerror(errno));
		return -1;
	}
	f->base = ((uintptr_t)f->map + (uintptr_t)align - 1) & ~(uintptr_t)(align - 1);
	(void)madvise(f->map, f->map_len, MADV_HUGEPAGE);
	return 0;
}

int flat_build(const char *cmd, struct hvo_sim *sim, struct flat *f)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	struct hvo_stats st;
	uint64_t pfn;
	uint8_t *p;

	memset(f, 0, sizeof(*f));
	if (flat_map(cmd, g, f))
		return -1;
	f->stride = g->stride;
	f->page_size = g->page_size;
	f->mask = g->mask_encoding;
	hvo_sim_stats(sim, &st);
	f->fake_head = hvo_sim_config(sim)->scheme == HVO_SCHEME_FAKE_HEAD &&
		       st.static_key_count > 0;
	for (pfn = 0; pfn < g->nr_pfns; pfn++) {
		uint64_t page = hvo_pfn_to_page(sim, pfn), flags, info, counts;

		if (hvo_page_read(sim, page, HVO_PW_FLAGS, &flags) ||
		    hvo_page_read(sim, page, HVO_PW_COMPOUND_INFO, &info) ||
		    hvo_page_read(sim, page, HVO_PW_COUNTS, &counts)) {
			fprintf(stderr, "hvosim %s: cannot read the struct page of pfn %#" PRIx64
				": %s\n", cmd, pfn, hvo_last_error());
			return -1;
		}
		if (!f->mask && (info & 1))
			info = (f->base + (info - 1 - g->vmemmap_base)) | 1;
		p = (uint8_t *)(f->base + pfn * f->stride);
		memcpy(p + FLAT_FLAGS, &flags, 8);
		memcpy(p + FLAT_INFO, &info, 8);
		memcpy(p + FLAT_COUNTS, &counts, 8);
	}
	return 0;
}

void flat_free(struct flat *f)
{
	if (f->map)
		munmap(f->map, f->map_len);
	f->map = NULL;
}
