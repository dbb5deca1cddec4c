// SPDX-License-Identifier: MIT
/*
 * api_calls2.c - the API fuzzer's calls of page.h, pgtable.h, sched.h,
 * config.h and the machine half of sim.h.  Calls that write struct pages
 * or the page table get frames this harness allocated, or addresses they
 * must refuse (see fuzz_api.c).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz_api.h"

/* ---- page.h ---- */

void fa_c_pfn_to_page(struct fa *a)
{
	(void)hvo_pfn_to_page(a->sim, fa_pfn(a));
}

void fa_c_page_to_pfn(struct fa *a)
{
	uint64_t page = fa_page(a), pfn;
	int r = hvo_page_to_pfn(a->sim, page, &pfn);

	fa_rc_in(a, r, -EINVAL, -ERANGE, 0);
	if (!r && hvo_pfn_to_page(a->sim, pfn) != page)
		fa_fail(a, "page %#" PRIx64 " -> pfn %#" PRIx64 " -> another page", page, pfn);
}

void fa_c_page_read(struct fa *a)
{
	uint64_t page = fa_page(a), v;
	unsigned int word = fa_u8(a) % 12;

	fa_rc_in(a, hvo_page_read(a->sim, page, word, &v), -EINVAL, -ERANGE, -EFAULT);
}

void fa_c_page_write(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own);
	unsigned int word = fa_u8(a) % 12;
	int r;

	/* the flags word holds node and zone: a harness keeps those */
	if (own && word == HVO_PW_FLAGS)
		return;
	r = hvo_page_write(a->sim, page, word, fa_u64(a));
	fa_rc_in(a, r, -EINVAL, -ERANGE, -EFAULT);
	if (!own && !r)
		fa_fail(a, "wrote through a bad address %#" PRIx64, page);
	if (own && r && word < HVO_NR_PAGE_WORDS)
		fa_fail(a, "could not write word %u of a frame it holds", word);
}

void fa_c_compound_info_value(struct fa *a)
{
	uint64_t head = fa_page(a);

	(void)hvo_compound_info_value(a->sim, head, fa_order(a));
}

void fa_c_compound_head(struct fa *a)
{
	(void)hvo_compound_head(a->sim, fa_page(a));
}

void fa_c_page_fixed_fake_head(struct fa *a)
{
	(void)hvo_page_fixed_fake_head(a->sim, fa_page(a));
}

void fa_c_page_head(struct fa *a)
{
	fa_rc(a, hvo_page_head(a->sim, fa_page(a)), 1);
}

void fa_c_page_tail(struct fa *a)
{
	fa_rc(a, hvo_page_tail(a->sim, fa_page(a)), 1);
}

void fa_c_page_refcount(struct fa *a)
{
	int32_t v;

	fa_rc(a, hvo_page_refcount(a->sim, fa_page(a), &v), 0);
}

/* refcount changes on a frame this harness holds are undone at once */
void fa_c_page_ref_add_unless(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own);
	int32_t nr = (int32_t)(fa_u8(a) % 5) - 2, u = (int32_t)(fa_u8(a) % 4) - 1;
	int r = fa_rc(a, hvo_page_ref_add_unless(a->sim, page, nr, u), 1);

	if (!own && r >= 0)
		fa_fail(a, "a bad address %#" PRIx64 " gave %d", page, r);
	if (r == 1)
		fa_rc(a, hvo_page_ref_add(a->sim, page, -nr, NULL), 0);
}

void fa_c_page_ref_add(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own);
	int32_t nr = (int32_t)(fa_u8(a) % 9) - 4, v;
	int r = fa_rc(a, hvo_page_ref_add(a->sim, page, nr, fa_u8(a) & 1 ? NULL : &v), 0);

	if (!own && !r)
		fa_fail(a, "changed a refcount through a bad address %#" PRIx64, page);
	if (!r)
		fa_rc(a, hvo_page_ref_add(a->sim, page, -nr, NULL), 0);
}

void fa_c_page_ref_freeze(struct fa *a)
{
	bool own;
	uint64_t page = fa_own_or_bad_page(a, &own);
	int32_t count = (int32_t)(fa_u8(a) % 3);
	int r = fa_rc(a, hvo_page_ref_freeze(a->sim, page, count), 1);

	if (!own && r >= 0)
		fa_fail(a, "a bad address %#" PRIx64 " gave %d", page, r);
	if (r == 1)
		fa_rc(a, hvo_page_ref_add(a->sim, page, count, NULL), 0);
}

void fa_c_page_test_flag(struct fa *a)
{
	uint64_t page = fa_page(a);

	fa_rc(a, hvo_page_test_flag(a->sim, page, fa_u8(a)), 1);
}

void fa_c_page_node_zone(struct fa *a)
{
	unsigned int nid, zone;
	uint8_t b = fa_u8(a);

	fa_rc(a, hvo_page_node_zone(a->sim, fa_page(a), b & 1 ? NULL : &nid,
				    b & 2 ? NULL : &zone), 0);
}

/* a compound page on a block this harness holds (never wider than it), or
 * a pfn and order that must be refused */
void fa_c_prep_compound_page(struct fa *a)
{
	struct fa_block *blk = fa_own(a);
	uint8_t b = fa_u8(a);
	int r;

	if (blk && b % 4) {
		unsigned int order = b % (blk->order + 1);

		if (blk->prepped >= 0)
			hvo_destroy_compound_page(a->sim, blk->pfn, (unsigned int)blk->prepped);
		blk->prepped = -1;
		r = fa_rc(a, hvo_prep_compound_page(a->sim, blk->pfn, order), 0);
		if (!order)
			fa_rc_in(a, r, -EINVAL, 0, 0);
		else if (r)
			fa_fail(a, "could not prepare order %u on block %#" PRIx64 " order %u",
				order, blk->pfn, blk->order);
		else
			blk->prepped = (int)order;
		return;
	}
	r = fa_rc(a, hvo_prep_compound_page(a->sim, a->geo->nr_pfns + b, 1 + b % 9), 0);
	if (!r)
		fa_fail(a, "prepared a compound page past the machine");
}

void fa_c_destroy_compound_page(struct fa *a)
{
	struct fa_block *blk = fa_own(a);
	uint8_t b = fa_u8(a);
	int r;

	if (blk && blk->prepped >= 0 && b % 4) {
		fa_rc_in(a, hvo_destroy_compound_page(a->sim, blk->pfn,
						      (unsigned int)blk->prepped), 0, 0, 0);
		blk->prepped = -1;
		return;
	}
	r = fa_rc(a, hvo_destroy_compound_page(a->sim, a->geo->nr_pfns + b, 1 + b % 9), 0);
	if (!r)
		fa_fail(a, "destroyed a compound page past the machine");
}

void fa_c_init_compound_tail(struct fa *a)
{
	uint64_t words[HVO_NR_PAGE_WORDS], head = fa_page(a);
	unsigned int order = fa_order(a), nid = fa_nid(a);

	hvo_init_compound_tail(a->sim, words, head, order, nid, fa_u8(a) % 5);
}

void fa_c_folio_get(struct fa *a)
{
	uint64_t head = fa_page(a), v;
	unsigned int field = fa_u8(a) % 14;

	fa_rc_in(a, hvo_folio_get(a->sim, head, field, &v), -EINVAL, -ERANGE, -EFAULT);
}

/* folio metadata lives in tails 1..3: a block of at least 4 frames */
void fa_c_folio_set(struct fa *a)
{
	struct fa_block *blk = fa_own(a);
	unsigned int field = fa_u8(a) % 14;
	uint64_t head = blk && blk->order >= 2 ? hvo_pfn_to_page(a->sim, blk->pfn) :
			hvo_pfn_to_page(a->sim, a->geo->nr_pfns + 7);
	int r = hvo_folio_set(a->sim, head, field, fa_u64(a));

	fa_rc_in(a, r, -EINVAL, -ERANGE, -EFAULT);
	if (!(blk && blk->order >= 2) && !r)
		fa_fail(a, "set folio metadata past the machine");
}

void fa_c_page_word_present(struct fa *a)
{
	(void)hvo_page_word_present(a->sim, fa_u8(a));
}

/* ---- pgtable.h ---- */

void fa_c_vmemmap_translate(struct fa *a)
{
	struct hvo_translation tr;

	fa_rc_in(a, hvo_vmemmap_translate(a->sim, fa_page(a), &tr), -EFAULT, 0, 0);
}

void fa_c_vmemmap_split_pmd(struct fa *a)
{
	uint64_t v = fa_page(a);

	fa_rc_in(a, hvo_vmemmap_split_pmd(a->sim, v, fa_u8(a) & 1), -ENOMEM, -EFAULT, -EINVAL);
}

/* remapping the machine's vmemmap would be the harness's corruption: only
 * calls that must be refused (a frame past the machine, or a misaligned
 * address) */
void fa_c_vmemmap_set_pte(struct fa *a)
{
	uint64_t v = fa_page(a), old, pfn;
	uint8_t b = fa_u8(a);
	int r;

	if (b & 1) {
		pfn = a->geo->nr_pfns + fa_u8(a);
	} else {
		pfn = fa_pfn(a);
		v |= 1 + b % (a->geo->page_size - 1);
	}
	r = hvo_vmemmap_set_pte(a->sim, v, pfn, b & 2, b & 4 ? NULL : &old);
	fa_rc_in(a, r, -EINVAL, -EFAULT, 0);
	if (!r)
		fa_fail(a, "mapped %#" PRIx64 " to frame %#" PRIx64, v, pfn);
}

void fa_c_vmemmap_set_ro(struct fa *a)
{
	uint64_t s = fa_page(a) | 1, e = s + fa_bytes(a);
	int r = hvo_vmemmap_set_ro(a->sim, s, e, fa_u8(a) & 1);

	fa_rc_in(a, r, -EINVAL, -EFAULT, 0);
	if (!r && e > s)
		fa_fail(a, "changed the protection of misaligned %#" PRIx64, s);
}

void fa_c_flush_tlb_kernel_range(struct fa *a)
{
	uint64_t s = fa_page(a);

	hvo_flush_tlb_kernel_range(a->sim, s, s + fa_bytes(a));
}

void fa_c_flush_tlb_all(struct fa *a)
{
	hvo_flush_tlb_all(a->sim);
}

void fa_c_vmemmap_range(struct fa *a)
{
	uint64_t s, e, pfn = fa_pfn(a), nr = fa_bytes(a);

	hvo_vmemmap_range(a->sim, pfn, nr, &s, &e);
}
