// SPDX-License-Identifier: MIT
/*
 * refmodel_boot.c - the reference model's geometry and boot layout, from
 * the kernel's rules: the arch's huge page sizes, zones, memblock's
 * top-down boot gigantic pages, sparse_init()'s vmemmap population and the
 * page-table pages it takes, and which boot pages are pre-HVO'd.
 *
 * Nothing here calls libhvosim (see refmodel.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "refmodel.h"

static char why[256];

const char *rm_why(void)
{
	return why;
}

static int fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static int fail(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	return -1;
}

static unsigned int ilog2(uint64_t v)
{
	return 63u - (unsigned int)__builtin_clzll(v);
}

/* the huge page sizes of each arch configuration (x86-64 4K; arm64 4K, 16K
 * and 64K with the contiguous-bit sizes), ascending */
static void add_hstates(struct refmodel *m)
{
	static const unsigned int o4k[] = { 9, 18 }, o4kc[] = { 4, 9, 13, 18 };
	static const unsigned int o16k[] = { 11, 16 }, o16kc[] = { 7, 11, 16 };
	static const unsigned int o64k[] = { 13, 18 }, o64kc[] = { 5, 13, 18 };
	const unsigned int *o;
	unsigned int n, i;

	switch (m->page_shift) {
	case 12:
		o = m->cfg.cont_hstates ? o4kc : o4k;
		n = m->cfg.cont_hstates ? 4 : 2;
		break;
	case 14:
		o = m->cfg.cont_hstates ? o16kc : o16k;
		n = m->cfg.cont_hstates ? 3 : 2;
		break;
	default:
		o = m->cfg.cont_hstates ? o64kc : o64k;
		n = m->cfg.cont_hstates ? 3 : 2;
		break;
	}
	m->nr_hstates = n;
	for (i = 0; i < n; i++) {
		struct rm_hstate *h = &m->hs[i];
		uint64_t bytes = (1ull << o[i]) * m->stride;

		h->order = o[i];
		h->bytes = 1ull << (o[i] + m->page_shift);
		h->gigantic = o[i] > m->max_page_order;
		/* hugetlb_vmemmap_optimizable(): HVO on, a power-of-2 struct page,
		 * and at least VMEMMAP_TAIL_MIN_ORDER */
		h->optimizable = m->cfg.scheme != HVO_SCHEME_NONE && m->pow2 &&
				 o[i] >= m->tail_min_order;
		h->vp = (bytes + m->page_size - 1) >> m->page_shift;
	}
}

/* DMA32 below 4 GiB, Movable at the top of each node, Normal between */
static void add_zones(struct refmodel *m)
{
	uint64_t start = 0, dma32_end = (4ull << 30) >> m->page_shift;
	unsigned int n;

	for (n = 0; n < m->nr_nodes; n++) {
		uint64_t end = start + (m->cfg.node_mem_bytes[n] >> m->page_shift);
		uint64_t mov = end - (m->cfg.node_movable_bytes[n] >> m->page_shift);
		uint64_t d = dma32_end < mov ? dma32_end : mov;

		m->node_start[n] = start;
		m->node_end[n] = end;
		m->zone_start[n][HVO_ZONE_DMA32] = start;
		m->zone_end[n][HVO_ZONE_DMA32] = start < d ? d : start;
		m->zone_start[n][HVO_ZONE_NORMAL] = m->zone_end[n][HVO_ZONE_DMA32];
		m->zone_end[n][HVO_ZONE_NORMAL] = mov;
		m->zone_start[n][HVO_ZONE_MOVABLE] = mov;
		m->zone_end[n][HVO_ZONE_MOVABLE] = end;
		start = end;
	}
	m->nr_pfns = start;
}

int rm_init(struct refmodel *m, const struct hvo_config *cfg)
{
	unsigned int i;

	memset(m, 0, sizeof(*m));
	m->cfg = *cfg;
	m->page_shift = cfg->page_shift;
	m->page_size = 1ull << cfg->page_shift;
	m->stride = cfg->struct_page_size;
	m->pow2 = !(m->stride & (m->stride - 1));
	m->nr_nodes = cfg->nr_nodes;
	if (m->page_shift != 12 && m->page_shift != 14 && m->page_shift != 16)
		return fail("page_shift %u", m->page_shift);
	if (!m->nr_nodes || m->nr_nodes > RM_MAX_NODES || m->stride < 8)
		return fail("nodes %u stride %u", m->nr_nodes, m->stride);
	/* 4K: 4 levels of 512; 16K: 4 levels (2, 2048, 2048, 2048); 64K: 3 */
	m->levels = m->page_shift == 16 ? 3 : 4;
	m->pmd_shift = m->page_shift + (m->page_shift - 3);
	m->max_page_order = m->page_shift == 12 ? 10 : m->page_shift == 14 ? 11 : 13;
	m->tail_min_order = ilog2(2 * m->page_size / m->stride);
	m->vmemmap_base = cfg->vmemmap_base ? cfg->vmemmap_base : 0xffffea0000000000ull;
	m->boot_h = -1;
	/* hugetlb_free_vmemmap=; the sysctl exists if some hstate is optimizable
	 * (hugetlb_vmemmap_init() registers it only then) */
	m->hvo_on = cfg->optimize_vmemmap;
	add_zones(m);
	add_hstates(m);
	m->has_sysctl = false;
	for (i = 0; i < m->nr_hstates; i++)
		m->has_sysctl |= m->hs[i].optimizable;
	m->pmd0 = m->vmemmap_base >> m->pmd_shift;
	m->npmd = ((m->vmemmap_base + m->nr_pfns * m->stride - 1) >> m->pmd_shift) - m->pmd0 + 1;
	m->pmd_leaf = calloc(m->npmd, 1);
	return m->pmd_leaf ? 0 : fail("out of memory");
}

void rm_free(struct refmodel *m)
{
	free(m->boot);
	free(m->f);
	free(m->blk);
	free(m->pmd_leaf);
	memset(m, 0, sizeof(*m));
}

/* ---- boot ---- */

/* the boot hstate: the configured size, else the largest gigantic one */
static int boot_hstate(const struct refmodel *m)
{
	int i;

	if (m->cfg.boot_gigantic_bytes) {
		for (i = 0; i < (int)m->nr_hstates; i++)
			if (m->hs[i].bytes == m->cfg.boot_gigantic_bytes)
				return i;
		return -1;
	}
	for (i = (int)m->nr_hstates - 1; i >= 0; i--)
		if (m->hs[i].gigantic)
			return i;
	return (int)m->nr_hstates - 1;
}

/* vmemmap_should_optimize_bootmem_page(): pre-HVO only for pages aligned
 * to a memory section and to what one vmemmap PMD maps */
static bool prehvo_wanted(const struct refmodel *m, uint64_t pfn)
{
	const struct rm_hstate *h = &m->hs[m->boot_h];
	uint64_t paddr = pfn << m->page_shift, psize = h->bytes;
	uint64_t section = 1ull << (m->page_shift == 16 ? 29 : 27);
	uint64_t pmd_vmemmap = ((1ull << m->pmd_shift) / m->stride) << m->page_shift;

	if (m->cfg.scheme != HVO_SCHEME_SHARED_TAIL || !h->optimizable || !m->hvo_on)
		return false;
	if (paddr % section || psize % section)
		return false;
	return !(paddr % pmd_vmemmap) && !(psize % pmd_vmemmap);
}

/* memblock_alloc_try_nid(): top-down and naturally aligned, per node */
static int place_boot_pages(struct refmodel *m)
{
	uint64_t total = 0, top, n, start;
	unsigned int nid, k;

	for (nid = 0; nid < m->nr_nodes; nid++)
		total += m->cfg.boot_gigantic[nid];
	if (!total)
		return 0;
	m->boot_h = boot_hstate(m);
	if (m->boot_h < 0)
		return fail("boot_gigantic_bytes is no hstate size");
	m->boot = calloc(total, sizeof(*m->boot));
	if (!m->boot)
		return fail("out of memory");
	n = 1ull << m->hs[m->boot_h].order;
	for (nid = 0; nid < m->nr_nodes; nid++) {
		top = m->node_end[nid];
		for (k = 0; k < m->cfg.boot_gigantic[nid]; k++) {
			if (top < m->node_start[nid] + n)
				return fail("boot page %u of node %u does not fit", k, nid);
			start = (top - n) & ~(n - 1);
			if (start < m->node_start[nid])
				return fail("boot page %u of node %u does not fit", k, nid);
			m->boot[m->nr_boot++] = (struct rm_boot_page){
				.pfn = start, .nid = nid, .prehvo = prehvo_wanted(m, start),
			};
			top = start;
		}
	}
	return 0;
}

/* hugetlb_bootmem_page_zones_valid() */
static bool spans_zones(const struct refmodel *m, uint64_t pfn, uint64_t n)
{
	unsigned int n1 = 0, z1 = 0, n2 = 0, z2 = 0;

	rm_pfn_zone(m, pfn, &n1, &z1);
	rm_pfn_zone(m, pfn + n - 1, &n2, &z2);
	return n1 != n2 || z1 != z2;
}

/*
 * Population state during boot: which vmemmap pages are mapped by a PTE
 * (pte) and which PMDs hold a PTE table (has_pte); m->pmd_leaf holds the
 * PMD-mapped ones.
 */
struct boot_map {
	uint8_t *pte;
	uint8_t *has_pte;
	uint64_t pg0;
};

/* vmemmap_populate_hugepages() on 4K (a PMD block wherever the PMD is
 * empty), vmemmap_populate_basepages() otherwise */
static void populate(struct refmodel *m, struct boot_map *bm, uint64_t s, uint64_t e)
{
	uint64_t ps = m->page_size, addr = s & ~(ps - 1), next, idx, pg;
	uint64_t pmd = 1ull << m->pmd_shift;

	while (addr < e) {
		idx = (addr >> m->pmd_shift) - m->pmd0;
		next = (addr & ~(pmd - 1)) + pmd;
		if (m->pmd_leaf[idx]) {
			addr = next;
			continue;
		}
		if (m->page_shift == 12 && !bm->has_pte[idx]) {
			m->pmd_leaf[idx] = 1;
			m->vm_frames += pmd >> m->page_shift;
			addr = next;
			continue;
		}
		for (; addr < e && addr < next; addr += ps) {
			pg = (addr >> m->page_shift) - bm->pg0;
			if (!bm->pte[pg]) {
				bm->pte[pg] = 1;
				bm->has_pte[idx] = 1;
				m->vm_frames++;
			}
		}
	}
}

static bool section_skipped(const struct refmodel *m, uint64_t pfn)
{
	uint64_t n = m->boot_h < 0 ? 0 : 1ull << m->hs[m->boot_h].order;
	unsigned int i;

	for (i = 0; i < m->nr_boot; i++)
		if (m->boot[i].prehvo && pfn >= m->boot[i].pfn && pfn < m->boot[i].pfn + n)
			return true;
	return false;
}

/* sparse_init(): every present section, but SECTION_IS_VMEMMAP_PREINIT */
static void sparse_init(struct refmodel *m, struct boot_map *bm)
{
	uint64_t sec = 1ull << ((m->page_shift == 16 ? 29 : 27) - m->page_shift);
	uint64_t pfn, run;
	unsigned int n;

	for (n = 0; n < m->nr_nodes; n++) {
		run = RM_NONE;
		for (pfn = m->node_start[n];; pfn += sec) {
			bool live = pfn < m->node_end[n] && !section_skipped(m, pfn);

			if (live) {
				if (run == RM_NONE)
					run = pfn;
				continue;
			}
			if (run != RM_NONE)
				populate(m, bm, m->vmemmap_base + run * m->stride,
					 m->vmemmap_base + pfn * m->stride);
			run = RM_NONE;
			if (pfn >= m->node_end[n])
				break;
		}
	}
}

/* hugetlb_vmemmap_init_late(): pre-HVO pages get a head page and the
 * slot's tail, PTE-mapped; one that spans zones is populated normally and
 * given back */
static void prehvo_populate(struct refmodel *m, struct boot_map *bm)
{
	uint64_t n = m->boot_h < 0 ? 0 : 1ull << m->hs[m->boot_h].order, s, e, i;
	unsigned int b;

	for (b = 0; b < m->nr_boot; b++) {
		struct rm_boot_page *bp = &m->boot[b];
		struct rm_folio tmp = { .pfn = bp->pfn, .h = (uint8_t)m->boot_h };
		unsigned int nid = 0, zone = 0;

		if (!bp->prehvo)
			continue;
		s = m->vmemmap_base + bp->pfn * m->stride;
		e = s + n * m->stride;
		if (!bp->valid) {
			populate(m, bm, s, e);
			continue;
		}
		rm_pfn_zone(m, bp->pfn, &nid, &zone);
		tmp.nid = (uint8_t)bp->nid;
		tmp.zone = (uint8_t)zone;
		rm_tail(m, rm_tail_key(m, &tmp), true)->live = true;
		m->vm_frames++;		/* the head page */
		for (i = (s >> m->pmd_shift) - m->pmd0; i <= ((e - 1) >> m->pmd_shift) - m->pmd0; i++)
			bm->has_pte[i] = 1;
	}
}

/* page-table pages: the root, one table per distinct index at each upper
 * level, one PTE table per PMD that is not a leaf */
static void count_tables(struct refmodel *m, const struct boot_map *bm)
{
	unsigned int lvl, bits = m->page_shift - 3;
	uint64_t i, last, v;

	m->pt_frames = 1;
	for (i = 0; i < m->npmd; i++)
		if (bm->has_pte[i] && !m->pmd_leaf[i])
			m->pt_frames++;
	for (lvl = 1; lvl + 2 <= m->levels; lvl++) {
		last = RM_NONE;
		for (i = 0; i < m->npmd; i++) {
			if (!bm->has_pte[i] && !m->pmd_leaf[i])
				continue;
			v = ((m->pmd0 + i) << m->pmd_shift) >> (m->pmd_shift + lvl * bits);
			if (v != last)
				m->pt_frames++;
			last = v;
		}
	}
}

/* gather_bootmem_prealloc(): valid pages become free pool folios, pre-HVO
 * ones optimized already; the caller runs the batch that optimizes the
 * rest (prep_and_add_bootmem_folios()) */
static int boot_folios(struct refmodel *m)
{
	unsigned int b;

	for (b = 0; b < m->nr_boot; b++) {
		struct rm_boot_page *bp = &m->boot[b];

		if (!bp->valid)
			continue;
		if (rm_add_folio(m, bp->pfn, (unsigned int)m->boot_h, RM_FREE, true))
			return fail("boot page %#llx overlaps", (unsigned long long)bp->pfn);
		rm_pool_add(m, (unsigned int)m->boot_h, bp->nid, false);
		if (bp->prehvo)
			rm_mark_prehvo(m, rm_folio(m, bp->pfn));
	}
	return 0;
}

int rm_boot(struct refmodel *m)
{
	uint64_t n, span = (m->nr_pfns * m->stride >> m->page_shift) + 2;
	struct boot_map bm = { 0 };
	unsigned int b;
	int r;

	r = place_boot_pages(m);
	if (r)
		return r;
	n = m->boot_h < 0 ? 0 : 1ull << m->hs[m->boot_h].order;
	for (b = 0; b < m->nr_boot; b++)
		m->boot[b].valid = !spans_zones(m, m->boot[b].pfn, n);
	bm.pg0 = m->vmemmap_base >> m->page_shift;
	bm.pte = calloc(span, 1);
	bm.has_pte = calloc(m->npmd, 1);
	if (!bm.pte || !bm.has_pte) {
		free(bm.pte);
		free(bm.has_pte);
		return fail("out of memory");
	}
	sparse_init(m, &bm);
	prehvo_populate(m, &bm);
	count_tables(m, &bm);
	free(bm.pte);
	free(bm.has_pte);
	return boot_folios(m);
}
