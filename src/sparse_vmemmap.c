// SPDX-License-Identifier: MIT
/*
 * sparse_vmemmap.c - boot population of the vmemmap (sparse_init(),
 * mm/sparse-vmemmap.c) and lazy memmap_init().
 *
 * Deliberate difference: the kernel writes every struct page in
 * memmap_init() at boot.  Here a populated entry carries a software "lazy"
 * bit and its struct pages are written with exactly the memmap_init()
 * content the first time anything reads or writes them, so a simulated
 * terabyte costs host memory only where it is used.  Nobody can observe the
 * difference: the bytes read are the same.
 */
#include <errno.h>

#include "internal.h"
#include "hugetlb_internal.h"
#include "error.h"
#include "page.h"
#include "pgtable.h"
#include "sparse_vmemmap.h"

void hvo__memmap_init_frame(struct hvo_sim *sim, uint64_t frame, uint64_t vaddr)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, frame);
	uint64_t i, n = sim->geo.page_size / 8, off, pfn, limit;
	unsigned int stride = sim->geo.stride, pw;
	int lw;

	limit = sim->geo.nr_pfns * stride;
	for (i = 0; i < n; i++) {
		uint64_t val = 0;

		off = vaddr + 8 * i - sim->geo.vmemmap_base;
		if (off < limit) {
			pfn = off / stride;
			pw = (unsigned int)((off % stride) / 8);
			lw = pw < 32 ? sim->off_word[pw] : -1;
			if (lw >= 0)
				val = hvo__memmap_init_word(sim, pfn, (unsigned int)lw);
		}
		__atomic_store_n(&w[i], val, HVO_STORE_ORDER);
	}
}

/*
 * sparse_init(): populate the vmemmap of every present section, section by
 * section, skipping the sections of boot gigantic pages whose vmemmap HVO
 * populates later (SECTION_IS_VMEMMAP_PREINIT).
 */
int hvo__sparse_init(struct hvo_sim *sim)
{
	uint64_t sec_pages = 1ull << (sim->geo.section_shift - sim->geo.page_shift);
	unsigned int n;
	int r;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		struct hvo_node *node = &sim->nodes[n];
		uint64_t pfn = node->start, run = HVO_NIL, s, e;

		for (;; pfn += sec_pages) {
			bool skip = pfn < node->end && hvo__hugetlb_skip_populate(sim, pfn);

			if (pfn < node->end && !skip) {
				if (run == HVO_NIL)
					run = pfn;
				continue;
			}
			if (run != HVO_NIL) {
				hvo_vmemmap_range(sim, run, pfn - run, &s, &e);
				r = hvo__populate_range(sim, s, e, n, true, true);
				if (r)
					return hvo__err(r, "boot: cannot populate the vmemmap of "
							"node %u (%s)", n,
							r == -ENOMEM ? "out of memory" : "error");
				run = HVO_NIL;
			}
			if (pfn >= node->end)
				break;
		}
	}
	return 0;
}
