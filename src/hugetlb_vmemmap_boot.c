// SPDX-License-Identifier: MIT
/*
 * hugetlb_vmemmap_boot.c - boot gigantic pages populated directly in HVO
 * form: hugetlb_vmemmap_init_early() and _late(), vmemmap_populate_hvo()
 * and the boot vmemmap_get_tail() of mm/sparse-vmemmap.c,
 * hugetlb_vmemmap_init_tails(), and the part of gather_bootmem_prealloc()
 * that finishes them.
 */
#include <errno.h>
#include <inttypes.h>

#include "hugetlb_internal.h"
#include "error.h"
#include "hugetlb_vmemmap.h"
#include "hugetlb_vmemmap_boot.h"
#include "memblock.h"
#include "page_alloc.h"
#include "pgtable.h"
#include "sparse_vmemmap.h"

/*
 * vmemmap_populate_hvo(): the head page gets its own frame, every later
 * vmemmap page maps the boot tail of the folio's zone.  The boot tail is a
 * zeroed memblock page, deliberately left uninitialised here ("Any
 * initialization done here will be overwritten by memmap_init()");
 * hvo__vmemmap_init_boot_tails() fills it once zones exist.
 */
static int vmemmap_populate_hvo(struct hvo_sim *sim, uint64_t pfn, unsigned int h,
			      unsigned int nid)
{
	struct hvo_hstate *hs = &sim->hugetlb->hs[h];
	_Atomic uint64_t *slot, *users;
	uint64_t start, end, v, head, tail, ps = sim->geo.page_size;
	enum hvo_zone_type zone = HVO_ZONE_NORMAL;
	unsigned int znid = nid;
	int r;

	hvo__pfn_nid_zone(sim, pfn, &znid, &zone);
	hvo_vmemmap_range(sim, pfn, 1ull << hs->order, &start, &end);
	r = hvo__alloc(sim, HVO_SITE_BOOT_HVO, nid, -1, 0, HVO_KIND_VMEMMAP, 0, &head);
	if (r)
		return r;
	hvo__tail_slot(sim, h, nid, zone, &slot, &users);
	tail = atomic_load(slot);
	if (!tail) {
		uint64_t frame;

		r = hvo__alloc(sim, HVO_SITE_BOOT_HVO, nid, -1, 0, HVO_KIND_SHARED_TAIL,
			       HVO_GFP_ZERO, &frame);
		if (r) {
			hvo__memblock_free(sim, head, 0, HVO_KIND_VMEMMAP);
			return r;
		}
		tail = hvo_pfn_to_page(sim, frame);
		atomic_store(slot, tail);
		if (sim->hugetlb->nr_boot_tails < HVO_MAX_BOOT_TAILS)
			sim->hugetlb->boot_tails[sim->hugetlb->nr_boot_tails++] =
				(struct hvo_boot_tail){ frame, hs->order, znid, zone };
		cnt_add(sim, shared_tails_allocated, 1);
		cnt_add(sim, shared_tails_live, 1);
	}
	/* the head page's struct pages get memmap_init() content on first use */
	r = hvo__map_pte(sim, start, head, true, true, NULL);
	for (v = start + ps; !r && v < end; v += ps)
		r = hvo__map_pte(sim, v, (tail - sim->geo.vmemmap_base) / sim->geo.stride,
				 true, false, NULL);
	if (r) {
		for (v = start; v < end; v += ps)
			hvo__clear_pte(sim, v);
		hvo__memblock_free(sim, head, 0, HVO_KIND_VMEMMAP);
		return r;
	}
	return 0;
}

/*
 * hugetlb_vmemmap_init_tails(): init_compound_tail() over every boot tail
 * before gather_bootmem_prealloc() reads zone or node through them (the fix
 * "mm/hugetlb: init tails before init_migratetype").  Each carries the node
 * and zone of the boot folio that allocated it.
 */
void hvo__vmemmap_init_boot_tails(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;

	/* boot vmemmap pages were all memblock pages */
	atomic_store(&sim->c.memmap_boot_pages,
		     (int64_t)atomic_load(&sim->c.boot_in_use[HVO_KIND_VMEMMAP]));
	for (i = 0; i < hg->nr_boot_tails; i++) {
		struct hvo_boot_tail *t = &hg->boot_tails[i];

		hvo__fill_tail_frame(sim, t->frame, t->order, t->nid, t->zone);
	}
}

/*
 * The HVO half of gather_bootmem_prealloc() for a page whose vmemmap was
 * populated in HVO form: mark it optimized and write-protect the whole tail
 * range, [start + PAGE_SIZE, start + hugetlb_vmemmap_size(h)) (the length
 * in bytes of struct pages, not pages_per_huge_page(): the fix to
 * 752fe17af693, lore:20260612035903.2468601-3-songmuchun@bytedance.com;
 * tests/regression/test_prehvo_wrprotect_range.c).
 */
int hvo__vmemmap_finish_boot_hvo(struct hvo_sim *sim, struct hvo_folio *f)
{
	struct hvo_hstate *hs = &sim->hugetlb->hs[f->h];
	_Atomic uint64_t *slot, *users;
	uint64_t start, end;
	int r;

	hvo_vmemmap_range(sim, f->pfn, 1ull << hs->order, &start, &end);
	r = hvo__folio_set_optimized(sim, f->pfn, true);
	if (!r)
		r = hvo_vmemmap_set_ro(sim, start + sim->geo.page_size, end, false);
	if (r)
		return hvo__err(r, "boot: cannot finish HVO of %#" PRIx64, f->pfn);
	hvo__tail_slot(sim, f->h, f->nid, f->zone, &slot, &users);
	f->tail_page = atomic_load(slot);
	atomic_fetch_add(users, 1);
	cnt_add(sim, optimized_folios, 1);
	atomic_fetch_add(&hs->nr_optimized, 1);
	atomic_fetch_add(&hs->vmemmap_freed, hvo__hugetlb_vmemmap_pages(sim, hs->order) - 1);
	return 0;
}

/*
 * hugetlb_vmemmap_optimize_bootmem_page(): only with hugetlb_free_vmemmap= on
 * (vmemmap_optimize_enabled at boot), for an optimizable hstate; and, as
 * hugetlb_vmemmap_init_early() checks, only for a page aligned to a memory
 * section and to what one vmemmap PMD maps, in address and size, so that it
 * owns whole sections and never needs a PMD split.
 */
static bool boot_hvo_wanted(struct hvo_sim *sim, const struct hvo_boot_page *b)
{
	uint64_t paddr = b->pfn << sim->geo.page_shift, psize = sim->hugetlb->hs[b->h].bytes;
	uint64_t section = 1ull << sim->geo.section_shift;
	uint64_t pmd_vmemmap = ((1ull << sim->geo.pmd_shift) / sim->geo.stride) <<
			       sim->geo.page_shift;

	return sim->cfg.scheme == HVO_SCHEME_SHARED_TAIL && sim->cfg.optimize_vmemmap &&
	       sim->hugetlb->hs[b->h].optimizable &&
	       !(paddr % section) && !(psize % section) &&
	       !(paddr % pmd_vmemmap) && !(psize % pmd_vmemmap);
}

/*
 * hugetlb_vmemmap_init_early(): mark the memory sections of the boot pages
 * whose vmemmap HVO will populate (SECTION_IS_VMEMMAP_PREINIT), so that
 * sparse_init() leaves them alone.  The kernel populates them here already;
 * here that waits for hugetlb_vmemmap_init_late(), where zones exist.
 */
void hvo__hugetlb_vmemmap_init_early(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t sec_pages = 1ull << (sim->geo.section_shift - sim->geo.page_shift);
	uint64_t i, s, end;

	for (i = 0; i < hg->nr_boot; i++) {
		struct hvo_boot_page *b = &hg->boot[i];

		if (!boot_hvo_wanted(sim, b))
			continue;
		/* every section that starts inside the page */
		end = b->pfn + (1ull << hg->hs[b->h].order);
		for (s = (b->pfn + sec_pages - 1) / sec_pages; s * sec_pages < end; s++)
			hvo__section_set_preinit(sim, s * sec_pages);
	}
}

static bool spans_zones(struct hvo_sim *sim, uint64_t pfn, unsigned int order)
{
	return hvo__pfn_zone(sim, pfn) != hvo__pfn_zone(sim, pfn + (1ull << order) - 1);
}

/*
 * hugetlb_vmemmap_init_late(): zones exist now.  Populate each boot page's
 * vmemmap in HVO form (vmemmap_populate_hvo()): the head page gets its own
 * frame, every other page maps the zone's boot tail.  A page that spans
 * zones is given back whatever the scheme (hugetlb_bootmem_page_zones_valid()
 * in gather_bootmem_prealloc_node()); a pre-HVO one first gets the vmemmap
 * sparse_init() skipped.  Still the memblock phase.
 */
int hvo__hugetlb_vmemmap_init_late(struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;
	uint64_t i;
	int r;

	for (i = 0; i < hg->nr_boot; i++) {
		struct hvo_boot_page *b = &hg->boot[i];
		unsigned int order = hg->hs[b->h].order;
		bool wanted = boot_hvo_wanted(sim, b);
		uint64_t s, e;

		hvo_vmemmap_range(sim, b->pfn, 1ull << order, &s, &e);
		if (spans_zones(sim, b->pfn, order)) {
			r = wanted ? hvo__populate_range(sim, s, e, b->nid, true, true) : 0;
			if (r)
				return hvo__err(r, "boot: cannot populate the vmemmap of %#" PRIx64,
						b->pfn);
			hvo__memblock_free(sim, b->pfn, order, HVO_KIND_HUGETLB);
			b->valid = false;
			continue;
		}
		if (!wanted)
			continue;
		r = vmemmap_populate_hvo(sim, b->pfn, b->h, b->nid);
		if (r) {
			/* fall back to normal population, boot counted in full */
			r = hvo__populate_range(sim, s, e, b->nid, true, true);
			if (r)
				return hvo__err(r, "boot: cannot populate the vmemmap of %#" PRIx64,
						b->pfn);
			continue;
		}
		b->hvo = true;
	}
	return 0;
}
