// SPDX-License-Identifier: MIT
/*
 * walker.c - speculative PFN walkers: page_ref_add_unless() per scheme,
 * get_page_unless_zero() / folio_try_get(), recheck, put; and the oracle
 * that holds what a walker believes it got against the pool.
 */
#include <errno.h>
#include <inttypes.h>

#include "hugetlb_internal.h"
#include "error.h"
#include "fault.h"
#include "page.h"
#include "page_alloc.h"
#include "rcu.h"
#include "sched.h"

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

/*
 * page_ref_add_unless() as the scheme's kernel has it.  @rcu false is the
 * known-bad walker of HVO_WALK_NO_RCU: the fake-head check without the read
 * side that makes HVO's synchronize_rcu() wait for it.
 */
static int ref_add_unless_spec(struct hvo_sim *sim, uint64_t page, int32_t nr, int32_t u,
			       bool rcu)
{
	struct hvo_rcu_tok t = { 0 };
	int32_t ref;
	int r;

	HVO_NONNULL("ref_add_unless_spec", sim);
	if (sim->cfg.scheme != HVO_SCHEME_FAKE_HEAD || !sim->cfg.rcu_sync)
		return hvo_page_ref_add_unless(sim, page, nr, u);
	/* the page_ref_add_unless() of bd225530a4c7 .. 7.0 */
	if (rcu)
		t = hvo__rcu_read_lock(sim);
	/* page_count_writable(): frozen, or a fake head (RO: don't write); a
	 * page that cannot be read is an error, as without the RCU */
	r = hvo_page_refcount(sim, page, &ref);
	if (!r && ref != u && hvo_page_fixed_fake_head(sim, page) == page)
		r = hvo_page_ref_add_unless(sim, page, nr, u);
	if (rcu)
		hvo__rcu_read_unlock(sim, t);
	return r;
}

HVO_EXPORT int hvo_page_ref_add_unless_spec(struct hvo_sim *sim, uint64_t page,
					    int32_t nr, int32_t u)
{
	return ref_add_unless_spec(sim, page, nr, u, true);
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

/* ---- the reader-side oracle ---- */

/* hugetlb_lock without blocking a fiber scheduler's one OS thread */
static void hugetlb_lock_yielding(struct hvo_sim *sim)
{
	while (pthread_mutex_trylock(&sim->hugetlb->lock))
		hvo__yield(sim, HVO_YP_LOCK, 0);
}

/*
 * What the registry says about @pfn and about @head, under hugetlb_lock:
 * the folio holding @pfn (*fhead, *state; false if none) and whether @head
 * starts a folio at all.  The folio a correct walker holds a reference on
 * cannot change under it: it is in use and pinned.
 */
static bool folio_truth(struct hvo_sim *sim, uint64_t pfn, uint64_t head_pfn, uint64_t *fhead,
			unsigned int *state, bool *head_is_folio)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t b = hvo__block_head(sim, pfn, HVO_KIND_HUGETLB);
	struct hvo_folio *f;
	bool found = false;

	hugetlb_lock_yielding(sim);
	f = b == UINT64_MAX ? NULL : hvo__folio_find(sim, b);
	if (f && pfn - f->pfn < (1ull << hg->hs[f->h].order)) {
		*fhead = f->pfn;
		*state = f->state;
		found = true;
	}
	*head_is_folio = hvo__folio_find(sim, head_pfn) != NULL;
	pthread_mutex_unlock(&hg->lock);
	return found;
}

/*
 * A walker that got a reference and passed its recheck (HVO_WALK_GOT)
 * believes it holds @head, the head of the folio @pfn is in.  Before it
 * lets go, hold that against the pool: if @pfn is in a hugetlb folio, @head
 * must be that folio's head and the folio in use (a free or isolated folio
 * is frozen at refcount 0: no reference can be had); if not, @head must
 * not start one.  A violation is a fault record (type HVO_FAULT_WALKER),
 * under the machine's fault policy.  It is what the reader saw, not how
 * often HVO waited for it: the check of the fake-head RCU protocol and of
 * every walker's recheck.
 */
static void walker_oracle(struct hvo_sim *sim, uint64_t pfn, uint64_t head)
{
	uint64_t hpfn = (head - sim->geo.vmemmap_base) / sim->geo.stride, fhead = 0;
	unsigned int state = 0;
	bool head_is_folio;
	const char *why = NULL;

	if (folio_truth(sim, pfn, hpfn, &fhead, &state, &head_is_folio)) {
		if (hpfn != fhead)
			why = hpfn == pfn ? "walk: reference on a tail" : "walk: wrong head";
		else if (state != HVO_FOLIO_ACTIVE)
			why = "walk: reference on a folio not in use";
	} else if (head_is_folio) {
		why = "walk: head of a folio that does not hold the pfn";
	}
	if (why)
		hvo__fault(sim, HVO_FAULT_WALKER, hvo_pfn_to_page(sim, pfn), hpfn,
			   fhead && fhead != hpfn ? fhead : UINT64_MAX, why, -1);
}

/* the verdict on a reference taken on @held for @pfn: recheck, oracle, put */
static int walk_verdict(struct hvo_sim *sim, uint64_t pfn, uint64_t held, bool recheck,
			enum hvo_walk_mode mode)
{
	uint64_t page = hvo_pfn_to_page(sim, pfn);
	bool same;

	/* PAGE: it had a reference, so it is a head or a plain page; FOLIO: the
	 * folio may have been freed and reused, page_folio() again */
	if (mode == HVO_WALK_PAGE)
		same = hvo_compound_head(sim, page) == page;
	else
		same = hvo_compound_head(sim, page) == held;
	if (!recheck)
		same = true;
	if (same)
		walker_oracle(sim, pfn, held);
	hvo_page_put(sim, held);
	return same ? HVO_WALK_GOT : HVO_WALK_RACED;
}

/* the bad-input rule for both walker entry points, named after the caller */
static int walk_args(struct hvo_sim *sim, const char *fn, uint64_t pfn, enum hvo_walk_mode mode,
		     unsigned int flags)
{
	int r;

	HVO_NONNULL(fn, sim);
	r = hvo__check_pfn(sim, fn, pfn);
	if (r)
		return r;
	if ((unsigned int)mode > HVO_WALK_FOLIO)
		return hvo__err(-EINVAL, "%s: mode %d is not an enum hvo_walk_mode", fn, (int)mode);
	if (flags & ~HVO_WALK_KNOWN_BAD)
		return hvo__err(-EINVAL, "%s: flags %#x has bits outside HVO_WALK_KNOWN_BAD", fn,
				flags);
	return 0;
}

static int walk_pfn(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode, unsigned int flags)
{
	bool rcu = !(flags & HVO_WALK_NO_RCU), recheck = !(flags & HVO_WALK_NO_RECHECK);
	uint64_t page, head;
	int r;

	page = hvo_pfn_to_page(sim, pfn);
	/* PAGE: get_page_unless_zero(pfn_to_page(pfn)); FOLIO: folio_try_get(page_folio()) */
	head = mode == HVO_WALK_PAGE ? page : hvo_compound_head(sim, page);
	if (!head)
		return hvo__err(-EFAULT, "walk: struct page of %#" PRIx64 " is unmapped", pfn);
	r = ref_add_unless_spec(sim, head, 1, 0, rcu);
	if (r == -EFAULT)
		return HVO_WALK_FAULT;
	if (r <= 0)
		return r < 0 ? r : HVO_WALK_NOREF;
	return walk_verdict(sim, pfn, head, recheck, mode);
}

HVO_EXPORT int hvo_walk_pfn_flags(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode,
				  unsigned int flags)
{
	int r = walk_args(sim, "walk_pfn_flags", pfn, mode, flags);

	return r ? r : walk_pfn(sim, pfn, mode, flags);
}

HVO_EXPORT int hvo_walk_pfn(struct hvo_sim *sim, uint64_t pfn, enum hvo_walk_mode mode)
{
	int r = walk_args(sim, "walk_pfn", pfn, mode, 0);

	return r ? r : walk_pfn(sim, pfn, mode, 0);
}
