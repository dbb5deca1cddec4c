// SPDX-License-Identifier: MIT
/*
 * page.c - struct page words, compound_info encodings and compound_head()
 * (include/linux/page-flags.h, mm/internal.h prep_compound_*()).
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "internal.h"
#include "error.h"
#include "fault.h"
#include "page.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "sparse_vmemmap.h"
#include "vmm.h"

/*
 * Whether @off is a multiple of the stride, without a divide (struct pages
 * of 40, 56, 72 ... bytes are not a power of 2): with stride = d * 2^k, d
 * odd, off * d^-1 mod 2^64 rotated right by k is off / stride when it
 * divides, and above UINT64_MAX / stride when not (Granlund and
 * Montgomery; Hacker's Delight 10-17).  *@q: the quotient if it divides.
 */
static inline bool stride_divides(const struct hvo_sim *sim, uint64_t off, uint64_t *q)
{
	unsigned int k = (unsigned int)__builtin_ctzll(sim->geo.stride);
	uint64_t m = off * sim->stride_inv;

	*q = (m >> k) | (m << ((64 - k) & 63));
	return *q <= sim->stride_lim;
}

int hvo__word_vaddr(const struct hvo_sim *sim, uint64_t page, unsigned int word,
		    uint64_t *vaddr)
{
	uint64_t pfn;

	if (word >= HVO_NR_PAGE_WORDS)
		return hvo__err(-EINVAL, "page: word %u is not a struct page word", word);
	if (page < sim->geo.vmemmap_base)
		return hvo__err(-ERANGE, "page: %#" PRIx64 " is below the vmemmap", page);
	if (!stride_divides(sim, page - sim->geo.vmemmap_base, &pfn))
		return hvo__err(-EINVAL, "page: %#" PRIx64 " is not the start of a struct page",
				page);
	if (pfn >= sim->geo.nr_pfns)
		return hvo__err(-ERANGE, "page: %#" PRIx64 " (pfn %#" PRIx64 ") is beyond the "
				"last pfn %#" PRIx64, page, pfn, sim->geo.nr_pfns - 1);
	if (sim->word_off[word] < 0)
		return -ENOENT;
	*vaddr = page + 8u * (unsigned int)sim->word_off[word];
	return 0;
}

HVO_EXPORT bool hvo_page_word_present(const struct hvo_sim *sim, unsigned int word)
{
	HVO_NONNULL_OR("page_word_present", sim, false);
	if (word >= HVO_NR_PAGE_WORDS) {
		hvo__err(-EINVAL, "page_word_present: word %u is not a struct page word", word);
		return false;
	}
	return sim->word_off[word] >= 0;
}

HVO_EXPORT uint64_t hvo_pfn_to_page(const struct hvo_sim *sim, uint64_t pfn)
{
	HVO_NONNULL_OR("pfn_to_page", sim, 0);
	return sim->geo.vmemmap_base + pfn * sim->geo.stride;
}

HVO_EXPORT int hvo_page_to_pfn(const struct hvo_sim *sim, uint64_t page,
			       uint64_t *pfn)
{
	uint64_t v = 0;
	int r;

	HVO_NONNULL("page_to_pfn", sim);
	HVO_NONNULL("page_to_pfn", pfn);
	r = hvo__word_vaddr(sim, page, 0, &v);
	if (r)
		return r;
	*pfn = (page - sim->geo.vmemmap_base) / sim->geo.stride;
	return 0;
}

HVO_EXPORT int hvo_page_read(struct hvo_sim *sim, uint64_t page,
			     unsigned int word, uint64_t *val)
{
	uint64_t v = 0;
	int r;

	HVO_NONNULL("page_read", sim);
	HVO_NONNULL("page_read", val);
	r = hvo__word_vaddr(sim, page, word, &v);
	if (r == -ENOENT) {
		*val = 0;
		return 0;
	}
	if (r)
		return r;
	r = hvo__vmm_load(sim, v, val);
	if (r)
		return hvo__err(r, "page_read: vmemmap %#" PRIx64 " is not mapped", v);
	return 0;
}

HVO_EXPORT int hvo_page_write(struct hvo_sim *sim, uint64_t page,
			      unsigned int word, uint64_t val)
{
	uint64_t v = 0;
	int r;

	HVO_NONNULL("page_write", sim);
	r = hvo__word_vaddr(sim, page, word, &v);
	if (r == -ENOENT)
		return 0;
	if (r)
		return r;
	r = hvo__vmm_store(sim, v, val, "store", (int)word);
	if (r)
		return hvo__err(r, "page_write: vmemmap %#" PRIx64 " is %s", v,
				r == -EFAULT ? "read-only or unmapped" : "bad");
	return 0;
}

/* a struct page that cannot be read: the 0 of compound_head() and friends */
static uint64_t unreadable(struct hvo_sim *sim, const char *fn, uint64_t page)
{
	uint64_t off = page - sim->geo.vmemmap_base;

	if (page < sim->geo.vmemmap_base || off % sim->geo.stride ||
	    off / sim->geo.stride >= sim->geo.nr_pfns)
		hvo__err(-ERANGE, "%s: page %#" PRIx64 " is not a struct page of the machine", fn,
			 page);
	else
		hvo__err(-EFAULT, "%s: page %#" PRIx64 " (pfn %#" PRIx64 ") is not mapped", fn,
			 page, off / sim->geo.stride);
	return 0;
}

/* set_compound_head() */
HVO_EXPORT uint64_t hvo_compound_info_value(const struct hvo_sim *sim,
					    uint64_t head, unsigned int order)
{
	unsigned int shift;

	HVO_NONNULL_OR("compound_info_value", sim, 0);
	if (hvo__check_order(sim, "compound_info_value", order))
		return 0;
	if (!sim->geo.mask_encoding)
		return head | 1;
	shift = order + sim->stride_shift;
	return (shift >= 64 ? 0 : ~0ull << shift) | 1;
}

HVO_EXPORT uint64_t hvo_page_fixed_fake_head(struct hvo_sim *sim, uint64_t page)
{
	uint64_t flags, info, v = 0;

	HVO_NONNULL_OR("page_fixed_fake_head", sim, 0);
	if (sim->cfg.scheme != HVO_SCHEME_FAKE_HEAD ||
	    !atomic_load(&sim->c.static_key_count))
		return page;
	/* only a PAGE_SIZE-aligned struct page can be an alias of the head */
	if (page & (sim->geo.page_size - 1))
		return page;
	if (hvo__word_vaddr(sim, page, HVO_PW_FLAGS, &v) || hvo__vmm_load(sim, v, &flags))
		return unreadable(sim, "page_fixed_fake_head", page);
	if (!(flags & (1ull << HVO_PG_head)))
		return page;
	/* a PG_head page starts a compound page of >= 2, so page[1] exists */
	if (hvo__word_vaddr(sim, page + sim->geo.stride, HVO_PW_COMPOUND_INFO, &v) ||
	    hvo__vmm_load(sim, v, &info))
		return unreadable(sim, "page_fixed_fake_head", page + sim->geo.stride);
	if (info & 1)
		return info - 1;
	return page;
}

/* _compound_head() of @page whose compound_info word is @info */
static inline uint64_t compound_head_of(struct hvo_sim *sim, uint64_t page, uint64_t info)
{
	uint64_t mask;

	if (likely(sim->geo.mask_encoding)) {
		/* branchless (v7 16/18): non-tail ~0, tail the mask */
		mask = (info & 1) - 1;
		mask |= info;
		return page & mask;
	}
	if (info & 1)
		return info - 1;
	return hvo_page_fixed_fake_head(sim, page);
}

static uint64_t ci_vaddr(const struct hvo_sim *sim, uint64_t page)
{
	return page + sim->ci_off;
}

/* the load's uncommon cases (a hook, lazy init, a flush overlapping) out of
 * line, so the common path of hvo_compound_head() saves no register */
static __attribute__((noinline)) uint64_t compound_head_slow(struct hvo_sim *sim,
							     uint64_t page)
{
	uint64_t info, off = page - sim->geo.vmemmap_base, pfn;

	/* hvo_compound_head() sends here every page of a stride that is not
	 * a power of 2 */
	if (off >= sim->vmemmap_bytes || !stride_divides(sim, off, &pfn))
		return unreadable(sim, "compound_head", page);
	if (hvo__vmm_load_slow(sim, ci_vaddr(sim, page), &info))
		return unreadable(sim, "compound_head", page);
	return compound_head_of(sim, page, info);
}

/* _compound_head() */
HVO_EXPORT uint64_t hvo_compound_head(struct hvo_sim *sim, uint64_t page)
{
	uint64_t info, off;

	HVO_NONNULL_OR("compound_head", sim, 0);
	off = page - sim->geo.vmemmap_base;
	/* outside the memmap, or not the start of a struct page */
	if (unlikely(off >= sim->vmemmap_bytes || (off & sim->stride_mask)))
		return compound_head_slow(sim, page);
	if (unlikely(!hvo__vmm_try_load(sim, ci_vaddr(sim, page), &info)))
		return compound_head_slow(sim, page);
	return compound_head_of(sim, page, info);
}

static int read_word(struct hvo_sim *sim, uint64_t page, unsigned int w,
		     uint64_t *val)
{
	return hvo_page_read(sim, page, w, val);
}

HVO_EXPORT int hvo_page_test_flag(struct hvo_sim *sim, uint64_t page,
				  unsigned int bit)
{
	uint64_t f;
	int r;

	HVO_NONNULL("page_test_flag", sim);
	if (bit >= 64)
		return hvo__err(-EINVAL, "page_test_flag: bit %u is not a flag bit (0..63)", bit);
	r = read_word(sim, page, HVO_PW_FLAGS, &f);
	return r ? r : (int)((f >> bit) & 1);
}

HVO_EXPORT int hvo_page_head(struct hvo_sim *sim, uint64_t page)
{
	int r = hvo_page_test_flag(sim, page, HVO_PG_head);

	if (r <= 0 || sim->cfg.scheme != HVO_SCHEME_FAKE_HEAD)
		return r;
	/* PageHead(): PG_head && !page_is_fake_head() */
	return hvo_page_fixed_fake_head(sim, page) == page;
}

HVO_EXPORT int hvo_page_tail(struct hvo_sim *sim, uint64_t page)
{
	uint64_t info;
	int r;

	HVO_NONNULL("page_tail", sim);
	r = read_word(sim, page, HVO_PW_COMPOUND_INFO, &info);
	if (r)
		return r;
	if (info & 1)
		return 1;
	if (sim->cfg.scheme != HVO_SCHEME_FAKE_HEAD)
		return 0;
	return hvo_page_fixed_fake_head(sim, page) != page;
}

static int counts_vaddr(struct hvo_sim *sim, uint64_t page, uint64_t *v)
{
	return hvo__word_vaddr(sim, page, HVO_PW_COUNTS, v);
}

HVO_EXPORT int hvo_page_refcount(struct hvo_sim *sim, uint64_t page, int32_t *out)
{
	uint64_t w;
	int r;

	HVO_NONNULL("page_refcount", sim);
	HVO_NONNULL("page_refcount", out);
	r = read_word(sim, page, HVO_PW_COUNTS, &w);
	if (!r)
		*out = (int32_t)(uint32_t)(w >> 32);
	return r;
}

/*
 * A put or page_ref_sub() that would take _refcount below 0: the kernel
 * stops at VM_BUG_ON_PAGE() (put_page_testzero(), folio_put_testzero());
 * here it is refused, logged and nothing changes.  @v: the _refcount word.
 */
static int ref_underflow(struct hvo_sim *sim, const char *op, uint64_t page,
			 uint64_t v, int32_t found, int32_t nr)
{
	uint64_t pfn = (page - sim->geo.vmemmap_base) / sim->geo.stride, frame = UINT64_MAX;
	struct hvo_fault f = {
		.type = HVO_FAULT_REFCOUNT_UNDERFLOW, .vaddr = v, .op = op,
		.field = HVO_PW_COUNTS, .count = found,
	};

	hvo__vmm_frame_of(sim, v, &frame, NULL);
	f.frame_pfn = frame;
	f.folio_pfn = hvo__block_head(sim, pfn, HVO_KIND_HUGETLB);
	hvo__fault_log(sim, &f);
	return hvo__err(-EINVAL, "%s: page %#" PRIx64 " (pfn %#" PRIx64 ") has refcount %d: "
			"dropping %d would take it below 0 (a put without a reference; the "
			"kernel stops at VM_BUG_ON_PAGE)", op, page, pfn, found, -nr);
}

HVO_EXPORT int hvo_page_ref_add_unless(struct hvo_sim *sim, uint64_t page,
				       int32_t nr, int32_t u)
{
	uint64_t v = 0;
	int32_t seen = 0;
	int r;

	if (!sim)
		return hvo__err_null("ref_add_unless", "sim");
	r = counts_vaddr(sim, page, &v);
	if (r)
		return r;
	r = hvo__vmm_add_unless32(sim, v, nr, u, HVO_PW_COUNTS, &seen);
	if (r == -ERANGE)
		return ref_underflow(sim, "add_unless", page, v, seen, nr);
	if (r < 0)
		return hvo__err(r, "ref_add_unless: %#" PRIx64 " %s", page,
				r == -EFAULT ? "write through a read-only PTE" : "failed");
	return r;
}

/* page_ref_add() / page_ref_sub(): @op names the caller in messages */
int hvo__page_ref_add(struct hvo_sim *sim, uint64_t page, int32_t nr,
		      int32_t *newval, const char *op)
{
	uint64_t v = 0;
	int32_t cur = 0;
	int r = counts_vaddr(sim, page, &v);

	if (r)
		return r;
	r = hvo__vmm_add32(sim, v, nr, &cur, HVO_PW_COUNTS);
	if (r == -ERANGE)
		return ref_underflow(sim, op, page, v, cur, nr);
	if (r)
		return hvo__err(r, "%s: %#" PRIx64 " is read-only or unmapped", op, page);
	if (newval)
		*newval = cur;
	return 0;
}

HVO_EXPORT int hvo_page_ref_add(struct hvo_sim *sim, uint64_t page, int32_t nr,
				int32_t *newval)
{
	if (!sim)
		return hvo__err_null("ref_add", "sim");
	return hvo__page_ref_add(sim, page, nr, newval, "ref_add");
}

HVO_EXPORT int hvo_page_ref_freeze(struct hvo_sim *sim, uint64_t page,
				   int32_t count)
{
	uint64_t v = 0;
	int r;

	HVO_NONNULL("page_ref_freeze", sim);
	if (count < 0)
		return hvo__err(-EINVAL, "page_ref_freeze: count %d is negative", count);
	r = counts_vaddr(sim, page, &v);
	if (r)
		return r;
	r = hvo__vmm_cmpxchg32(sim, v, (uint32_t)count, 0, HVO_PW_COUNTS);
	if (r < 0)
		return hvo__err(r, "page_ref_freeze: page %#" PRIx64 " is %s", page,
				r == -EFAULT ? "read-only or unmapped" : "not accessible");
	return r;
}

HVO_EXPORT int hvo_page_node_zone(struct hvo_sim *sim, uint64_t page,
				  unsigned int *nid, enum hvo_zone_type *zone)
{
	uint64_t f;
	int r;

	HVO_NONNULL("page_node_zone", sim);
	r = read_word(sim, page, HVO_PW_FLAGS, &f);
	if (r)
		return r;
	if (nid)
		*nid = (unsigned int)((f >> HVO_NODES_PGSHIFT) & ((1u << HVO_NODES_SHIFT) - 1));
	if (zone)
		*zone = (enum hvo_zone_type)((f >> HVO_ZONES_PGSHIFT) &
					     ((1u << HVO_ZONES_SHIFT) - 1));
	return 0;
}

HVO_EXPORT void hvo_init_compound_tail(const struct hvo_sim *sim, uint64_t *words,
				       uint64_t head, unsigned int order,
				       unsigned int nid, enum hvo_zone_type zone)
{
	HVO_NONNULL_OR("init_compound_tail", sim, );
	HVO_NONNULL_OR("init_compound_tail", words, );
	/* the words are a pure function of the arguments: any node a machine
	 * can have, not only this machine's */
	if (hvo__check_order(sim, "init_compound_tail", order) ||
	    hvo__check_zone("init_compound_tail", (int)zone, false))
		return;
	if (nid >= HVO_MAX_NODES) {
		hvo__err(-EINVAL, "init_compound_tail: node %u is not below HVO_MAX_NODES", nid);
		return;
	}
	memset(words, 0, HVO_NR_PAGE_WORDS * sizeof(*words));
	/* set_page_count(0), _mapcount = -1, set_page_node/zone */
	words[HVO_PW_COUNTS] = HVO_MAPCOUNT_NONE;
	words[HVO_PW_FLAGS] = hvo__flags_node_zone(nid, zone);
	/* prep_compound_tail() */
	words[HVO_PW_MAPPING] = HVO_TAIL_MAPPING;
	words[HVO_PW_COMPOUND_INFO] = hvo_compound_info_value(sim, head, order);
	words[HVO_PW_PRIVATE] = 0;
}

/* write a whole struct page from words[]; the caller checked it is RW */
static int store_all(struct hvo_writer *wr, uint64_t page, const uint64_t *words,
		     const char *op)
{
	unsigned int w;
	uint64_t v = 0;
	int r;

	for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
		if (hvo__word_vaddr(wr->sim, page, w, &v))
			continue;
		r = hvo__writer_store(wr, v, words[w], op, (int)w);
		if (r)
			return r;
	}
	return 0;
}

/*
 * Write words[] into the @nr struct pages from @first (in range: the caller
 * checked), the same stores in the same order as store_all() on each.
 * Without a scheduler hook they go straight into each vmemmap page's frame,
 * one walk and one access section per vmemmap page and the word offsets
 * computed once; with a hook every store keeps its own yield point, where
 * the explorer interleaves other threads.
 */
static int store_range(struct hvo_writer *wr, uint64_t first, uint64_t nr,
		       const uint64_t *words, const char *op)
{
	struct hvo_sim *sim = wr->sim;
	unsigned int w, nw = 0, off[HVO_NR_PAGE_WORDS], field[HVO_NR_PAGE_WORDS];
	uint64_t i, page, val[HVO_NR_PAGE_WORDS];
	bool dense;
	int r;

	if (hvo__yield_hooked(sim)) {
		for (i = 0, page = first; i < nr; i++, page += sim->geo.stride) {
			r = store_all(wr, page, words, op);
			if (r)
				return r;
		}
		return 0;
	}
	for (w = 0; w < HVO_NR_PAGE_WORDS; w++) {
		if (sim->word_off[w] < 0)
			continue;
		off[nw] = 8u * (unsigned int)sim->word_off[w];
		field[nw] = w;
		val[nw++] = words[w];
	}
	/* 64-byte struct pages holding all eight words in order */
	dense = nw == 8 && sim->geo.stride == 64;
	for (w = 0; w < nw; w++)
		dense &= off[w] == 8 * w;
	for (i = 0, page = first; i < nr; i++, page += sim->geo.stride) {
		/* a struct page that starts past the open vmemmap page opens
		 * the next one, as its first word's store would */
		if (!wr->open || page - wr->page > sim->geo.page_size - sim->geo.stride) {
			r = hvo__writer_open(wr, page + off[0], op, (int)field[0]);
			if (r)
				return r;
		}
		if (dense) {
			/* every whole struct page left in the open vmemmap page */
			uint64_t *d = (uint64_t *)(wr->base + (page - wr->page));
			uint64_t k = (sim->geo.page_size - (page - wr->page)) / 64;

			if (k > nr - i)
				k = nr - i;
			for (i += k - 1, page += (k - 1) * 64; k; k--, d += 8)
				hvo__store_page64(d, val);
			continue;
		}
		for (w = 0; w < nw; w++) {
			r = hvo__writer_put(wr, page + off[w], val[w], op, (int)field[w]);
			if (r)
				return r;
		}
	}
	return 0;
}

static const struct {
	uint8_t page, word, shift, width;
} folio_fields[HVO_NR_FOLIO_FIELDS] = {
	[HVO_FOLIO_ORDER] = { 1, HVO_PW_FLAGS, 0, 8 },
	[HVO_FOLIO_LARGE_MAPCOUNT] = { 1, HVO_PW_LRU_PREV, 0, 32 },
	[HVO_FOLIO_NR_PAGES_MAPPED] = { 1, HVO_PW_LRU_PREV, 32, 32 },
	[HVO_FOLIO_ENTIRE_MAPCOUNT] = { 1, HVO_PW_MAPPING, 0, 32 },
	[HVO_FOLIO_PINCOUNT] = { 1, HVO_PW_MAPPING, 32, 32 },
	[HVO_FOLIO_NR_PAGES] = { 1, HVO_PW_INDEX, 0, 64 },
	[HVO_FOLIO_DEFERRED_LIST] = { 2, HVO_PW_LRU_PREV, 0, 64 },
	[HVO_FOLIO_HUGETLB_SUBPOOL] = { 3, HVO_PW_LRU_PREV, 0, 64 },
	[HVO_FOLIO_HUGETLB_CGROUP] = { 3, HVO_PW_MAPPING, 0, 64 },
	[HVO_FOLIO_HUGETLB_CGROUP_RSVD] = { 3, HVO_PW_INDEX, 0, 64 },
	[HVO_FOLIO_HUGETLB_HWPOISON] = { 3, HVO_PW_PRIVATE, 0, 64 },
};

HVO_EXPORT int hvo_folio_get(struct hvo_sim *sim, uint64_t head,
			     unsigned int field, uint64_t *val)
{
	uint64_t w, mask;
	int r;

	HVO_NONNULL("folio_get", sim);
	HVO_NONNULL("folio_get", val);
	if (field >= HVO_NR_FOLIO_FIELDS)
		return hvo__err(-EINVAL, "folio_get: field %u is not a folio field", field);
	r = hvo_page_read(sim, head + folio_fields[field].page * sim->geo.stride,
			  folio_fields[field].word, &w);
	if (r)
		return r;
	mask = folio_fields[field].width == 64 ? ~0ull :
	       (1ull << folio_fields[field].width) - 1;
	*val = (w >> folio_fields[field].shift) & mask;
	return 0;
}

HVO_EXPORT int hvo_folio_set(struct hvo_sim *sim, uint64_t head,
			     unsigned int field, uint64_t val)
{
	uint64_t w, mask, page;
	int r;

	HVO_NONNULL("folio_set", sim);
	if (field >= HVO_NR_FOLIO_FIELDS)
		return hvo__err(-EINVAL, "folio_set: field %u is not a folio field", field);
	page = head + folio_fields[field].page * sim->geo.stride;
	mask = folio_fields[field].width == 64 ? ~0ull :
	       (1ull << folio_fields[field].width) - 1;
	r = hvo_page_read(sim, page, folio_fields[field].word, &w);
	if (r)
		return r;
	w &= ~(mask << folio_fields[field].shift);
	w |= (val & mask) << folio_fields[field].shift;
	return hvo_page_write(sim, page, folio_fields[field].word, w);
}

static int check_compound_args(struct hvo_sim *sim, uint64_t pfn,
			       unsigned int order)
{
	if (order < 1 || order > sim->geo.max_folio_order)
		return hvo__err(-EINVAL, "compound: order %u is not in [1, %u]", order,
				sim->geo.max_folio_order);
	if (pfn & ((1ull << order) - 1))
		return hvo__err(-EINVAL, "compound: head pfn %#" PRIx64 " is not aligned to "
				"order %u (its struct page would not be aligned to 2^order * "
				"stride and the mask would decode another head)", pfn, order);
	if (pfn >= sim->geo.nr_pfns || pfn + (1ull << order) > sim->geo.nr_pfns)
		return hvo__err(-ERANGE, "compound: pfns %#" PRIx64 "+%#llx are beyond the "
				"last pfn %#" PRIx64, pfn, 1ull << order, sim->geo.nr_pfns - 1);
	return 0;
}

/* every vmemmap page of [first, first + nr) struct pages is mapped RW */
int hvo__check_rw(struct hvo_sim *sim, uint64_t pfn, uint64_t nr)
{
	uint64_t s, e, v, f;
	bool rw;

	hvo_vmemmap_range(sim, pfn, nr, &s, &e);
	for (v = s & ~(sim->geo.page_size - 1); v < e; v += sim->geo.page_size) {
		if (hvo__vmm_frame_of(sim, v, &f, &rw))
			return hvo__err(-EFAULT, "compound: vmemmap %#" PRIx64 " is not mapped", v);
		if (!rw)
			return hvo__err(-EFAULT, "compound: vmemmap %#" PRIx64 " is read-only", v);
	}
	return 0;
}

/*
 * prep_compound_page() for the first @nr_init struct pages (all of them
 * normally; HUGETLB_VMEMMAP_RESERVE_PAGES for a boot page whose vmemmap was
 * populated in HVO form, as hugetlb_folio_init_vmemmap() does).
 */
int hvo__prep_compound(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
		       uint64_t nr_init)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), words[HVO_NR_PAGE_WORDS], f = 0, v = 0;
	unsigned int nid = 0, zone = 0;
	struct hvo_writer wr;
	int r;

	/* hugetlb and HVO refuse a page that spans zones, so one node and zone
	 * (set_page_node/zone) hold for every tail */
	r = check_compound_args(sim, pfn, order);
	if (r)
		return r;
	if (nr_init > (1ull << order))
		nr_init = 1ull << order;
	r = hvo__check_rw(sim, pfn, nr_init);
	if (r)
		return r;
	hvo__pfn_nid_zone(sim, pfn, &nid, (enum hvo_zone_type *)&zone);
	hvo__writer_init(&wr, sim);
	hvo_init_compound_tail(sim, words, head, order, nid, zone);
	r = nr_init > 1 ? store_range(&wr, head + sim->geo.stride, nr_init - 1, words, "prep") : 0;
	hvo__writer_close(&wr);
	if (r)
		return r;
	/* __SetPageHead() and folio_set_order() */
	hvo__word_vaddr(sim, head, HVO_PW_FLAGS, &v);
	hvo__vmm_load(sim, v, &f);
	r = hvo__vmm_store(sim, v, f | (1ull << HVO_PG_head), "prep", HVO_PW_FLAGS);
	if (r)
		return r;
	hvo_folio_set(sim, head, HVO_FOLIO_ORDER, order);
	hvo_folio_set(sim, head, HVO_FOLIO_NR_PAGES, 1ull << order);
	hvo_folio_set(sim, head, HVO_FOLIO_ENTIRE_MAPCOUNT, 0xffffffffu);
	hvo_folio_set(sim, head, HVO_FOLIO_LARGE_MAPCOUNT, 0xffffffffu);
	hvo_folio_set(sim, head, HVO_FOLIO_PINCOUNT, 0);
	return 0;
}

HVO_EXPORT int hvo_prep_compound_page(struct hvo_sim *sim, uint64_t pfn,
				      unsigned int order)
{
	HVO_NONNULL("prep_compound_page", sim);
	return hvo__prep_compound(sim, pfn, order, 1ull << order);
}

/* destroy_large_folio() side: tails back to plain memmap_init() state */
int hvo__destroy_compound(struct hvo_sim *sim, uint64_t pfn, unsigned int order,
			  uint64_t nr_init)
{
	uint64_t head = hvo_pfn_to_page(sim, pfn), w, v = 0, f = 0, words[HVO_NR_PAGE_WORDS];
	struct hvo_writer wr;
	int r;

	r = check_compound_args(sim, pfn, order);
	if (r)
		return r;
	if (nr_init > (1ull << order))
		nr_init = 1ull << order;
	r = hvo__check_rw(sim, pfn, nr_init);
	if (r)
		return r;
	hvo__writer_init(&wr, sim);
	for (w = 0; w < HVO_NR_PAGE_WORDS; w++)
		words[w] = hvo__memmap_init_word(sim, pfn, (unsigned int)w);
	r = nr_init > 1 ? store_range(&wr, head + sim->geo.stride, nr_init - 1, words,
				      "destroy") : 0;
	hvo__writer_close(&wr);
	if (r)
		return r;
	hvo__word_vaddr(sim, head, HVO_PW_FLAGS, &v);
	hvo__vmm_load(sim, v, &f);
	return hvo__vmm_store(sim, v, f & ~(1ull << HVO_PG_head), "destroy", HVO_PW_FLAGS);
}

HVO_EXPORT int hvo_destroy_compound_page(struct hvo_sim *sim, uint64_t pfn,
					 unsigned int order)
{
	HVO_NONNULL("destroy_compound_page", sim);
	return hvo__destroy_compound(sim, pfn, order, 1ull << order);
}
