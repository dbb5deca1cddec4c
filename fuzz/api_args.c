// SPDX-License-Identifier: MIT
/*
 * api_args.c - the API fuzzer's arguments: mostly plausible (the machine's
 * folios, frames this harness holds, the machine's edges), sometimes
 * anything at all, so both the paths that work and the checks that refuse
 * are reached.
 */
#include <stdio.h>
#include <string.h>

#include "fuzz_api.h"

uint8_t fa_u8(struct fa *a)
{
	return fz_u8(a->in);
}

uint64_t fa_u64(struct fa *a)
{
	return fz_u64(a->in);
}

/* a pfn: anywhere, at the edges, past the end, a held folio or its tails,
 * a pool folio, a frame this harness holds */
uint64_t fa_pfn(struct fa *a)
{
	uint8_t how = fa_u8(a);
	uint64_t n = a->geo->nr_pfns, list[8];
	int64_t k;

	switch (how % 8) {
	case 0:
		return fa_u64(a);
	case 1:
		return fz_u16(a->in);
	case 2:
		return n - 1 - (fa_u8(a) % n);
	case 3:
		return n + fa_u8(a);
	case 4:
		return a->nheld ? a->held[fa_u8(a) % a->nheld] + (how >> 3) : how;
	case 5:
		k = hvo_folio_list(a->sim, fa_u8(a) % 2, list, 8);
		return k > 0 ? list[(how >> 3) % (k < 8 ? k : 8)] : how;
	case 6:
		return a->nblk ? a->blk[fa_u8(a) % a->nblk].pfn + (how >> 3) % 4 : how;
	default:
		return a->nheld ? a->held[0] + fz_u16(a->in) % 4096 : n / 2;
	}
}

/* a struct page address: of a pfn, misaligned, before or past the vmemmap,
 * or anything */
uint64_t fa_page(struct fa *a)
{
	uint8_t how = fa_u8(a);
	uint64_t pfn = fa_pfn(a);

	switch (how % 8) {
	case 0:
		return fa_u64(a);
	case 1:
		return hvo_pfn_to_page(a->sim, pfn) + 1 + how % 7;
	case 2:
		return a->geo->vmemmap_base - 8 * (1 + how % 4);
	default:
		return hvo_pfn_to_page(a->sim, pfn);
	}
}

unsigned int fa_order(struct fa *a)
{
	uint8_t b = fa_u8(a);

	return b & 0x80 ? b : b % (a->geo->max_folio_order + 2);
}

/* a node id: one that exists, the next, or any */
unsigned int fa_nid(struct fa *a)
{
	uint8_t b = fa_u8(a);

	return b & 0x80 ? (unsigned int)b << 24 | b : b % 10;
}

int fa_snid(struct fa *a)
{
	return (int)(fa_u8(a) % 12) - 2;
}

unsigned int fa_h(struct fa *a)
{
	uint8_t b = fa_u8(a);

	return b == 0xff ? ~0u : b % 8;
}

/* sizes and counts: small ones, powers of two, the largest */
uint64_t fa_bytes(struct fa *a)
{
	uint8_t b = fa_u8(a);

	switch (b % 4) {
	case 0:
		return b >> 2;
	case 1:
		return 1ull << (b >> 2);
	case 2:
		return ~0ull >> (b >> 2);
	default:
		return fa_u64(a);
	}
}

/* a string: a word of the dictionary, maybe with bytes appended, or raw
 * bytes */
void fa_string(struct fa *a, char *buf, unsigned int len, const char *const *dict)
{
	uint8_t b = fa_u8(a);
	unsigned int n = 0, i, nd = 0, extra;

	while (dict && dict[nd])
		nd++;
	buf[0] = 0;
	if (nd && b % 4)
		snprintf(buf, len, "%s", dict[(b >> 2) % nd]);
	n = (unsigned int)strlen(buf);
	extra = b % 4 == 3 || !nd ? fa_u8(a) % 12 : 0;
	for (i = 0; i < extra && n + 1 < len; i++) {
		char ch = (char)fa_u8(a);

		buf[n++] = ch ? ch : '0';
	}
	buf[n] = 0;
}

struct fa_block *fa_own(struct fa *a)
{
	return a->nblk ? &a->blk[fa_u8(a) % a->nblk] : NULL;
}

/* the struct page of a frame this harness holds, or an address every
 * function must refuse (misaligned, or past the machine) */
uint64_t fa_own_or_bad_page(struct fa *a, bool *own)
{
	uint8_t b = fa_u8(a);
	struct fa_block *blk = fa_own(a);

	*own = blk && b % 4;
	if (*own)
		return hvo_pfn_to_page(a->sim, blk->pfn + b % (1u << blk->order));
	if (b & 1)
		return hvo_pfn_to_page(a->sim, a->geo->nr_pfns + b);
	return hvo_pfn_to_page(a->sim, b) + 1 + b % 7;
}

bool fa_is_held(const struct fa *a, uint64_t pfn)
{
	unsigned int i;

	for (i = 0; i < a->nheld; i++)
		if (a->held[i] == pfn)
			return true;
	return false;
}

void fa_drop_held(struct fa *a, uint64_t pfn)
{
	unsigned int i;

	for (i = 0; i < a->nheld; i++)
		if (a->held[i] == pfn) {
			a->held[i] = a->held[--a->nheld];
			return;
		}
}

/* a new reference; one too many is put back at once */
void fa_add_held(struct fa *a, uint64_t pfn)
{
	if (a->nheld < FA_MAX_HELD) {
		a->held[a->nheld++] = pfn;
		return;
	}
	if (hvo_folio_put(a->sim, pfn))
		fa_fail(a, "putting back folio %#llx", (unsigned long long)pfn);
}

void fa_add_block(struct fa *a, uint64_t pfn, unsigned int order)
{
	if (a->nblk < FA_MAX_BLOCKS) {
		a->blk[a->nblk++] = (struct fa_block){ pfn, order, -1 };
		return;
	}
	if (hvo_free_frames(a->sim, pfn, order))
		fa_fail(a, "freeing block %#llx", (unsigned long long)pfn);
}
