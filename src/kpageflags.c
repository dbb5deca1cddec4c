// SPDX-License-Identifier: MIT
/*
 * kpageflags.c - stable_page_flags() of fs/proc/page.c, the part HVO can
 * get wrong: compound head/tail and huge.
 */
#include <errno.h>
#include <inttypes.h>

#include "internal.h"
#include "error.h"
#include "page_alloc.h"

static bool is_hugetlb_head(struct hvo_sim *sim, uint64_t head)
{
	uint64_t counts = 0, flags = 0;

	/* folio_test_hugetlb(): PG_head and page_type PGTY_hugetlb */
	if (hvo_page_read(sim, head, HVO_PW_FLAGS, &flags) ||
	    hvo_page_read(sim, head, HVO_PW_COUNTS, &counts))
		return false;
	return (flags & (1ull << HVO_PG_head)) &&
	       ((uint32_t)counts >> 24) == (HVO_PGTY_HUGETLB >> 24);
}

HVO_EXPORT int hvo_kpageflags(struct hvo_sim *sim, uint64_t pfn, uint64_t *flags)
{
	uint64_t page, head, f = 0, u = 0;
	struct hvo_frame_info fi;
	int r;

	HVO_NONNULL("kpageflags", sim);
	HVO_NONNULL("kpageflags", flags);
	r = hvo__check_pfn(sim, "kpageflags", pfn);
	if (r) {
		*flags = 1ull << HVO_KPF_NOPAGE;
		return r;
	}
	page = hvo_pfn_to_page(sim, pfn);
	head = hvo_compound_head(sim, page);
	if (!head)
		return hvo__err(-EFAULT, "kpageflags: struct page of %#" PRIx64 " is unmapped", pfn);
	if (sim->cfg.scheme == HVO_SCHEME_FAKE_HEAD) {
		/* the old stable_page_flags(): PageHead()/PageTail() hide fake heads */
		r = hvo_page_head(sim, page);
		if (r == 1)
			u |= 1ull << HVO_KPF_COMPOUND_HEAD;
		r = hvo_page_tail(sim, page);
		if (r == 1)
			u |= 1ull << HVO_KPF_COMPOUND_TAIL;
	} else {
		/* folio_test_large(folio): page == &folio->page ? HEAD : TAIL */
		hvo_page_read(sim, head, HVO_PW_FLAGS, &f);
		if (f & (1ull << HVO_PG_head))
			u |= 1ull << (page == head ? HVO_KPF_COMPOUND_HEAD : HVO_KPF_COMPOUND_TAIL);
	}
	if (is_hugetlb_head(sim, head))
		u |= 1ull << HVO_KPF_HUGE;
	if (hvo_page_test_flag(sim, page, HVO_PG_reserved) == 1)
		u |= 1ull << HVO_KPF_RESERVED;
	/* PageBuddy(): the buddy keeps its state host-side, ask it */
	if (!hvo_frame_info(sim, pfn, &fi) && fi.buddy)
		u |= 1ull << HVO_KPF_BUDDY;
	*flags = u;
	return 0;
}
