// SPDX-License-Identifier: MIT
/*
 * walker.c - speculative PFN walkers: page_ref_add_unless() per scheme,
 * get_page_unless_zero() / folio_try_get(), recheck, put.
 */
#include <errno.h>
#include <inttypes.h>

#include "hugetlb_internal.h"
#include "error.h"
#include "page.h"
#include "page_alloc.h"
#include "rcu.h"

HVO_EXPORT struct hvo_rcu_token hvo_rcu_read_lock(struct hvo_sim *sim)
{
	struct hvo_rcu_tok t;

	HVO_NONNULL_OR("rcu_read_lock", sim, (struct hvo_rcu_token){ .shard = NULL });
	t = hvo__rcu_read_lock(sim);
	return (struct hvo_rcu_token){ .shard = t.shard, .idx = t.idx };
}

HVO_EXPORT void hvo_rcu_read_unlock(struct hvo_sim *sim, struct hvo_rcu_token tok)
{
	HVO_NONNULL_OR("rcu_read_unlock", sim, );
	/* a token from a refused hvo_rcu_read_lock() holds no section */
	HVO_NONNULL_OR("rcu_read_unlock", tok.shard, );
	hvo__rcu_read_unlock(sim, (struct hvo_rcu_tok){ .shard = tok.shard, .idx = tok.idx });
}

HVO_EXPORT void hvo_synchronize_rcu(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("synchronize_rcu", sim, );
	hvo__synchronize_rcu(sim);
}

HVO_EXPORT int hvo_page_ref_add_unless_spec(struct hvo_sim *sim, uint64_t page,
					    int32_t nr, int32_t u)
{
	struct hvo_rcu_tok t;
	int32_t ref;
	int r;

	HVO_NONNULL("ref_add_unless_spec", sim);
	if (sim->cfg.scheme != HVO_SCHEME_FAKE_HEAD || !sim->cfg.rcu_sync)
		return hvo_page_ref_add_unless(sim, page, nr, u);
	/* the page_ref_add_unless() of bd225530a4c7 .. 7.0 */
	t = hvo__rcu_read_lock(sim);
	/* page_count_writable(): frozen, or a fake head (RO: don't write); a
	 * page that cannot be read is an error, as without the RCU */
	r = hvo_page_refcount(sim, page, &ref);
	if (!r && ref != u && hvo_page_fixed_fake_head(sim, page) == page)
		r = hvo_page_ref_add_unless(sim, page, nr, u);
	hvo__rcu_read_unlock(sim, t);
	return r;
}

static bool hugetlb_head(struct hvo_sim *sim, uint64_t head)
{
	uint64_t counts = 0;

	return !hvo_page_read(sim, head, HVO_PW_COUNTS, &counts) &&
	       ((uint32_t)counts >> 24) == (HVO_PGTY_HUGETLB >> 24);
}

HVO_EXPORT int hvo_page_put(struct hvo_sim *sim, uint64_t page)
{
	int32_t v = 1;
	uint64_t pfn;
	int r;

	HVO_NONNULL("page_put", sim);
	/* put_page_testzero(): an underflow is refused and logged */
	r = hvo__page_ref_add(sim, page, -1, &v, "page_put");
	if (r)
		return r;
	/* folio_put() -> free_huge_folio() for the last reference */
	if (v == 0 && hugetlb_head(sim, page) && !hvo_page_to_pfn(sim, page, &pfn))
		return hvo__free_huge_folio(sim, pfn);
	return 0;
}

HVO_EXPORT int hvo_walk_pfn(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode)
{
	uint64_t page, head;
	int r;

	HVO_NONNULL("walk_pfn", sim);
	r = hvo__check_pfn(sim, "walk_pfn", pfn);
	if (r)
		return r;
	if ((unsigned int)mode > HVO_WALK_FOLIO)
		return hvo__err(-EINVAL, "walk_pfn: mode %d is not an enum hvo_walk_mode", (int)mode);
	page = hvo_pfn_to_page(sim, pfn);
	if (mode == HVO_WALK_PAGE) {
		r = hvo_page_ref_add_unless_spec(sim, page, 1, 0);
		if (r == -EFAULT)
			return HVO_WALK_FAULT;
		if (r <= 0)
			return r < 0 ? r : HVO_WALK_NOREF;
		/* it had a reference, so it is a head or a plain page: recheck */
		head = hvo_compound_head(sim, page);
		hvo_page_put(sim, page);
		return head == page ? HVO_WALK_GOT : HVO_WALK_RACED;
	}
	head = hvo_compound_head(sim, page);
	if (!head)
		return hvo__err(-EFAULT, "walk: struct page of %#" PRIx64 " is unmapped", pfn);
	r = hvo_page_ref_add_unless_spec(sim, head, 1, 0);
	if (r == -EFAULT)
		return HVO_WALK_FAULT;
	if (r <= 0)
		return r < 0 ? r : HVO_WALK_NOREF;
	/* the folio may have been freed and reused: page_folio() again */
	r = hvo_compound_head(sim, page) == head ? HVO_WALK_GOT : HVO_WALK_RACED;
	hvo_page_put(sim, head);
	return r;
}
