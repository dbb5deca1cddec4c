/* SPDX-License-Identifier: MIT */
/*
 * flat.h - the floor of the lookup benchmarks (flat.c): a machine's struct
 * pages mirrored into a plain host array, read the way a kernel reads its
 * vmemmap, with no page table in between.
 */
#ifndef HVOSIM_BENCH_FLAT_H
#define HVOSIM_BENCH_FLAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hvosim/hvosim.h>

/*
 * A host array laid out like the kernel's vmemmap (same stride, base
 * aligned to MAX_FOLIO_NR_PAGES * stride as the kernel requires, or the
 * mask would decode a different head), holding the flags, compound_info
 * and refcount words the simulator holds for each pfn.  Pointer-encoded
 * values are rebased onto host addresses so the decode stays a plain load.
 */
struct flat {
	void *map;
	size_t map_len;
	uintptr_t base;
	uint64_t stride;
	uint64_t page_size;
	bool mask;
	bool fake_head;		/* page_fixed_fake_head() is live (static key on) */
};

/* words 0, 1 and 2 of every stride the simulator accepts (>= 40 bytes):
 * flags, compound_info and the counts word (_mapcount | _refcount << 32) */
#define FLAT_FLAGS 0
#define FLAT_INFO 8
#define FLAT_COUNTS 16

/* the machine's struct pages into @f: 0, or -1 with the reason printed for
 * hvosim @cmd */
int flat_build(const char *cmd, struct hvo_sim *sim, struct flat *f);
void flat_free(struct flat *f);

static inline uint64_t flat_load(uintptr_t addr)
{
	/* READ_ONCE(): one real load per lookup, as the kernel does */
	return __atomic_load_n((const uint64_t *)addr, __ATOMIC_RELAXED);
}

/* _compound_head(), mask encoding: branchless */
static inline uintptr_t flat_head_mask(uintptr_t page)
{
	uint64_t info = flat_load(page + FLAT_INFO);
	uint64_t mask = (info & 1) - 1;

	mask |= info;
	return page & mask;
}

/* _compound_head(), pointer encoding, with page_fixed_fake_head() when live */
static inline uintptr_t flat_head_pointer(const struct flat *f, uintptr_t page)
{
	uint64_t info = flat_load(page + FLAT_INFO);

	if (info & 1)
		return (uintptr_t)(info - 1);
	if (!f->fake_head || (page & (f->page_size - 1)))
		return page;
	if (!(flat_load(page + FLAT_FLAGS) & (1ull << HVO_PG_head)))
		return page;
	info = flat_load(page + f->stride + FLAT_INFO);
	return info & 1 ? (uintptr_t)(info - 1) : page;
}

static inline uintptr_t flat_head(const struct flat *f, uintptr_t page)
{
	return f->mask ? flat_head_mask(page) : flat_head_pointer(f, page);
}

#endif
