// SPDX-License-Identifier: MIT
/*
 * arena.c - the host memory behind the simulated frames: one reserved
 * mapping for the frames' bytes (frame pfn -> mem + (pfn << page_shift))
 * and one for the per-pfn metadata, both committed by the host only where
 * touched; giving frames their bytes, and filling and copying frames word
 * by word with atomics (TSan-clean against concurrent validated loads).
 */
#include <errno.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "arena.h"

/*
 * The arena is reserved, not committed.  ThreadSanitizer's mmap interceptor
 * (LLVM 14) marks a whole new mapping as written, which commits shadow for
 * all of it: four times a simulated machine's size.  Under TSan, reserve it
 * with the raw system call so shadow is only made for what is touched;
 * munmap() still goes through TSan, which drops the range's shadow.
 */
static void *arena_map(size_t len)
{
	void *p;

#ifdef HVO_TSAN
	p = (void *)syscall(SYS_mmap, NULL, len, PROT_READ | PROT_WRITE,
			    MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#else
	p = mmap(NULL, len, PROT_READ | PROT_WRITE,
		 MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
#endif
	return p == MAP_FAILED ? NULL : p;
}

/* reserved address space; only frames that get bytes become resident */
int hvo__arena_map(struct hvo_sim *sim, uint64_t bytes)
{
	sim->mem_len = (size_t)bytes;
	sim->mem = arena_map(sim->mem_len);
	sim->meta_len = (size_t)sim->geo.nr_pfns * sizeof(struct hvo_frame_meta);
	sim->meta = arena_map(sim->meta_len);
	return sim->mem && sim->meta ? 0 : -ENOMEM;
}

void hvo__arena_unmap(struct hvo_sim *sim)
{
	if (sim->mem)
		munmap(sim->mem, sim->mem_len);
	if (sim->meta)
		munmap(sim->meta, sim->meta_len);
	sim->mem = NULL;
	sim->meta = NULL;
}

void hvo__frame_fill_words(struct hvo_sim *sim, uint64_t pfn, uint64_t val)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, pfn);
	uint64_t i, n = sim->geo.page_size / 8;

	for (i = 0; i < n; i++)
		__atomic_store_n(&w[i], val, HVO_STORE_ORDER);
}

void hvo__words_copy(uint64_t *d, const uint64_t *s, uint64_t n)
{
	uint64_t i;

	/* 64 bytes a step, written out: compilers do not unroll loops of atomics */
#define COPY_WORD(k) __atomic_store_n(&d[i + (k)], __atomic_load_n(&s[i + (k)], __ATOMIC_RELAXED), \
				      HVO_STORE_ORDER)
	for (i = 0; i + 8 <= n; i += 8) {
		/* the line 512 bytes on, for writing (see fill_struct_pages()) */
		if (i + 64 < n)
			__builtin_prefetch(&d[i + 64], 1, 3);
		COPY_WORD(0);
		COPY_WORD(1);
		COPY_WORD(2);
		COPY_WORD(3);
		COPY_WORD(4);
		COPY_WORD(5);
		COPY_WORD(6);
		COPY_WORD(7);
	}
	for (; i < n; i++)
		COPY_WORD(0);
#undef COPY_WORD
}

void hvo__frame_copy(struct hvo_sim *sim, uint64_t dst, uint64_t src)
{
	hvo__words_copy((uint64_t *)hvo__frame(sim, dst), (const uint64_t *)hvo__frame(sim, src),
			sim->geo.page_size / 8);
}

/* only frames that hold struct pages or page tables ever get host bytes */
void hvo__frame_give_bytes(struct hvo_sim *sim, uint64_t pfn, uint64_t nr,
			   bool zero)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		if (!(m->flags & FMF_EVER_BYTES)) {
			m->flags |= FMF_EVER_BYTES;
			cnt_add(sim, host_frames, 1);
		} else if (zero) {
			hvo__frame_fill_words(sim, pfn + i, 0);
		}
	}
}

/* Linux 5.14; older headers lack the name, older kernels say EINVAL */
#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23
#endif

/*
 * The frames [pfn, pfn + nr) are about to be written whole for the first
 * time (the lazy memmap init of a PMD-mapped vmemmap block): fault their
 * host pages in with one call instead of one page fault each.  Host memory
 * does not grow: written whole, the block is resident either way.  Where
 * the kernel cannot (before 5.14), the writes fault as before.
 *
 * Not MADV_HUGEPAGE: a huge page saves the faults too, but it is often
 * memory the host has never handed out (in a VM, not even backed yet), and
 * a 1 TiB bench scale filled its pool three times slower with it.
 */
void hvo__arena_prefault(struct hvo_sim *sim, uint64_t pfn, uint64_t nr)
{
	if (nr > 1)
		(void)madvise(hvo__frame(sim, pfn), (size_t)(nr << sim->geo.page_shift),
			      MADV_POPULATE_WRITE);
}
