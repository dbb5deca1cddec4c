// SPDX-License-Identifier: MIT
/*
 * arena.c - the host memory behind the simulated frames: one reserved
 * mapping for the frames' bytes (frame pfn -> mem + (pfn << page_shift))
 * and one for the per-pfn metadata, both committed by the host only where
 * touched; giving frames their bytes, poisoning free frames and giving
 * their bytes back to the host, and filling and copying frames word by
 * word with atomics (TSan-clean against concurrent validated loads).
 */
#include <errno.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <unistd.h>

#include "internal.h"
#include "arena.h"

#define HOST_PMD (2ull << 20)	/* x86-64's and arm64's (4K) huge page */

/*
 * The arena is reserved, not committed.  ThreadSanitizer's mmap interceptor
 * (LLVM 14) marks a whole new mapping as written, which commits shadow for
 * all of it: four times a simulated machine's size.  Under TSan, reserve it
 * with the raw system call so shadow is only made for what is touched;
 * munmap() still goes through TSan, which drops the range's shadow.
 */
static void *arena_mmap(size_t len)
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

/* a part of the reservation outside the aligned arena; under TSan by the
 * system call too, as TSan never saw it mapped */
static void arena_trim(void *p, size_t len)
{
	if (!len)
		return;
#ifdef HVO_TSAN
	(void)syscall(SYS_munmap, p, len);
#else
	(void)munmap(p, len);
#endif
}

/*
 * Aligned to a host huge page, so that a PMD-mapped vmemmap block (2 MiB
 * of frames, order-aligned) is one host huge page's worth of the arena
 * (hvo__arena_prefault()): reserved 2 MiB too long, the ends cut off.
 * Base pages unless hvo__arena_prefault() says otherwise, even where the
 * host's THP mode is "always": a frame touched alone must not commit the
 * 2 MiB around it.
 */
static void *arena_map(size_t len)
{
	uint8_t *p = arena_mmap(len + HOST_PMD), *a;

	if (!p)
		return NULL;
	a = (uint8_t *)(((uintptr_t)p + HOST_PMD - 1) & ~(uintptr_t)(HOST_PMD - 1));
	arena_trim(p, (size_t)(a - p));
	arena_trim(a + len, (size_t)(p + HOST_PMD - a));
	(void)madvise(a, len, MADV_NOHUGEPAGE);
	return a;
}

/*
 * ---- the host bytes of free frames ----
 *
 * HVO frees 7 of the 8 vmemmap pages of every 2M folio (4095 of 4096 of a
 * 1G one), so the buddy of a big host fills with free frames that held
 * struct pages.  They are poisoned and kept (page_alloc.h), but their host
 * bytes would make host memory grow with every frame ever used instead of
 * with what is in use: 895 MiB of a 4 TiB bench scale were poisoned free
 * frames.  So each zone queues its poisoned free frames, oldest first, and
 * while the machine holds more than RELEASE_HIGH bytes of them, gives the
 * oldest back to the host (MADV_DONTNEED) down to RELEASE_LOW.  A frame
 * freed and allocated again soon (an optimize/restore cycle) stays
 * resident; a pool grown by thousands of folios keeps the folios' own
 * memory only.
 *
 * A released frame still holds PAGE_POISON as far as anyone can tell:
 * hvo_frame_bytes() and its next allocation write the poison back (an
 * allocation that wants zeroes takes the host's).  Readers through the
 * vmemmap cannot tell either: a frame is freed only after a flush that
 * follows its unmap, and a validated load that overlapped that flush is
 * repeated (vmm.h).  Not the kernel's business: its free pages are RAM.
 */
#define RELEASE_HIGH (32ull << 20)
#define RELEASE_LOW (16ull << 20)
/* queue slots per zone, in RELEASE_HIGH's frames: room for the entries of
 * frames allocated again since (dropped when they come up) */
#define RELEASE_SLOTS 4

/* a zone's queue (zone->lock): a ring of pfns, each frame once (FMF_QUEUED) */
struct hvo_release_ring {
	uint64_t *pfn;
	uint64_t head, n;
};

struct hvo_release {
	uint64_t high, low, cap;	/* frames; entries per ring */
	/* PMD blocks prefaulted as huge pages (hvo__arena_prefault()); ptl */
	uint64_t thp_blocks;
	struct hvo_release_ring ring[HVO_MAX_NODES][HVO_NR_ZONES];
};

/* reserved address space; only frames that get bytes become resident */
int hvo__arena_map(struct hvo_sim *sim, uint64_t bytes)
{
	sim->mem_len = (size_t)bytes;
	sim->mem = arena_map(sim->mem_len);
	sim->meta_len = (size_t)sim->geo.nr_pfns * sizeof(struct hvo_frame_meta);
	sim->meta = arena_map(sim->meta_len);
	/* a PMD's worth of pfns: 8-byte entries per table page */
	sim->meta_order = sim->geo.page_shift - 3;
	sim->meta_full = sim->geo.nr_pfns & ~(((uint64_t)HVO_META_GROUP << sim->meta_order) - 1);
	sim->release = calloc(1, sizeof(*sim->release));
	if (sim->release) {
		sim->release->high = RELEASE_HIGH >> sim->geo.page_shift;
		sim->release->low = RELEASE_LOW >> sim->geo.page_shift;
		sim->release->cap = RELEASE_SLOTS * sim->release->high;
	}
	return sim->mem && sim->meta && sim->release ? 0 : -ENOMEM;
}

void hvo__arena_unmap(struct hvo_sim *sim)
{
	unsigned int n, z;

	if (sim->mem)
		munmap(sim->mem, sim->mem_len);
	if (sim->meta)
		munmap(sim->meta, sim->meta_len);
	if (sim->release)
		for (n = 0; n < HVO_MAX_NODES; n++)
			for (z = 0; z < HVO_NR_ZONES; z++)
				free(sim->release->ring[n][z].pfn);
	free(sim->release);
	sim->mem = NULL;
	sim->meta = NULL;
	sim->release = NULL;
}

/* 64 bytes at a time, unrolled: compilers do not unroll loops of atomic
 * stores, and a frame is a multiple of 64 bytes */
void hvo__frame_fill_words(struct hvo_sim *sim, uint64_t pfn, uint64_t val)
{
	uint64_t *w = (uint64_t *)hvo__frame(sim, pfn);
	uint64_t i, n = sim->geo.page_size / 8;

	for (i = 0; i < n; i += 8) {
		__atomic_store_n(&w[i + 0], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 1], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 2], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 3], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 4], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 5], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 6], val, HVO_STORE_ORDER);
		__atomic_store_n(&w[i + 7], val, HVO_STORE_ORDER);
	}
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

#define POISON_WORD 0xaaaaaaaaaaaaaaaaull	/* HVO_PAGE_POISON */

/*
 * Only frames that hold struct pages or page tables ever get host bytes.
 * Fresh host memory and a released frame's read zero; a recycled frame
 * gets the poison its free left owed unless @zero (it is zeroed) or
 * @overwrite (its new owner writes every byte before anyone can read it,
 * as the vmemmap pages HVO allocates are).  zone->lock held, or boot.
 */
void hvo__frame_give_bytes(struct hvo_sim *sim, uint64_t pfn, uint64_t nr,
			   bool zero, bool overwrite)
{
	uint64_t i;

	for (i = 0; i < nr; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		/* until someone else says what they are (mark_lazy()) */
		m->prev = m->flags & FMF_EVER_BYTES ? 0 : HVO_META_FRESH;
		if (!(m->flags & FMF_EVER_BYTES)) {
			m->flags |= FMF_EVER_BYTES;
			cnt_add(sim, host_frames, 1);
		} else if (zero) {
			if (!hvo__frame_released(m))
				hvo__frame_fill_words(sim, pfn + i, 0);
		} else if ((m->flags & FMF_POISON) && !overwrite) {
			hvo__frame_fill_words(sim, pfn + i, POISON_WORD);
		}
		if (m->flags & FMF_POISONED)
			cnt_sub(sim, free_resident, 1);
		/* a queue entry stays, to be dropped when it comes up */
		m->flags &= (uint8_t)~(FMF_POISON | FMF_POISONED);
	}
}

static struct hvo_release_ring *ring_of(struct hvo_sim *sim, const struct hvo_zone *z)
{
	return &sim->release->ring[z->nid][z->type];
}

static bool ring_pop(struct hvo_release_ring *r, uint64_t cap, uint64_t *pfn)
{
	if (!r->n)
		return false;
	*pfn = r->pfn[r->head];
	r->head = (r->head + 1) % cap;
	r->n--;
	return true;
}

/* MADV_DONTNEED of [pfn, pfn + n), then they are released; a failure
 * leaves them poisoned and resident, out of the queue */
static void release_run(struct hvo_sim *sim, uint64_t pfn, uint64_t n)
{
	uint64_t i;

	if (!n)
		return;
	/* a snapshot's undo log saves the poisoned bytes first (track.c) */
	for (i = 0; unlikely(sim->track) && i < n; i++)
		(void)hvo__frame(sim, pfn + i);
	if (madvise(sim->mem + (pfn << sim->geo.page_shift),
		    (size_t)(n << sim->geo.page_shift), MADV_DONTNEED))
		return;
	for (i = 0; i < n; i++) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn + i);

		/* released: reads zero, still owes its poison */
		m->flags = (uint8_t)((m->flags & ~FMF_POISONED) | FMF_POISON);
	}
	cnt_sub(sim, free_resident, n);
}

/*
 * Release the oldest poisoned frames of zone @z, at least @must entries
 * taken off the queue, then as long as the machine holds more than
 * RELEASE_LOW; neighbouring frames in one call.  zone->lock held.
 */
static void release_oldest(struct hvo_sim *sim, struct hvo_zone *z, uint64_t must)
{
	struct hvo_release *rl = sim->release;
	struct hvo_release_ring *r = ring_of(sim, z);
	uint64_t pfn, run = 0, nrun = 0, taken = 0;

	while ((taken < must ||
		atomic_load_explicit(&sim->c.free_resident, memory_order_relaxed) - nrun > rl->low) &&
	       ring_pop(r, rl->cap, &pfn)) {
		struct hvo_frame_meta *m = hvo__meta(sim, pfn);

		taken++;
		m->flags &= (uint8_t)~FMF_QUEUED;
		/* allocated again since: its entry is dropped */
		if (!(m->flags & FMF_POISONED))
			continue;
		if (nrun && pfn == run + nrun) {
			nrun++;
			continue;
		}
		release_run(sim, run, nrun);
		run = pfn;
		nrun = 1;
	}
	release_run(sim, run, nrun);
}

/* @pfn is poisoned and resident: queue it in zone @z; zone->lock held */
static void release_queue(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn,
			  struct hvo_frame_meta *m)
{
	struct hvo_release *rl = sim->release;
	struct hvo_release_ring *r = ring_of(sim, z);

	/* a block memblock reserved across zones: its other zone's frames stay */
	if ((m->flags & FMF_QUEUED) || pfn < z->start || pfn >= z->end)
		return;
	if (!r->pfn) {
		r->pfn = malloc(rl->cap * sizeof(*r->pfn));
		if (!r->pfn)
			return;
	}
	if (r->n == rl->cap)
		release_oldest(sim, z, 1);
	r->pfn[(r->head + r->n++) % rl->cap] = pfn;
	m->flags |= FMF_QUEUED;
}

/*
 * free_pages_prepare()'s poisoning of a frame that held bytes, which then
 * waits in the queue of its zone @z; zone->lock held.  @lazy: the poison is
 * owed, written when somebody can see it (hvo__frame_unrelease(),
 * hvo__frame_give_bytes()); no load through the vmemmap can see a freed
 * frame (nothing maps it, check_unmapped(), and a load that used a
 * translation from before the flush that allowed the free is discarded by
 * its validation), so a cycle of HVO, which frees eight pages and allocates
 * eight it overwrites, writes no poison.  Not lazy during boot: memblock
 * may hand the frame out again and knows nothing of owed poison.
 */
void hvo__frame_poison(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn, bool lazy)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	if (lazy) {
		m->flags |= FMF_POISON;
	} else {
		hvo__frame_fill_words(sim, pfn, POISON_WORD);
		m->flags &= (uint8_t)~FMF_POISON;
	}
	if (!(m->flags & FMF_POISONED)) {
		m->flags |= FMF_POISONED;
		cnt_add(sim, free_resident, 1);
	}
	release_queue(sim, z, pfn, m);
	if (atomic_load_explicit(&sim->c.free_resident, memory_order_relaxed) >
	    sim->release->high)
		release_oldest(sim, z, 0);
}

/* a free frame of zone @z about to be read (hvo_frame_bytes()): the poison
 * it owes written, its host bytes back if they were released; zone->lock
 * held */
void hvo__frame_unrelease(struct hvo_sim *sim, struct hvo_zone *z, uint64_t pfn)
{
	struct hvo_frame_meta *m = hvo__meta(sim, pfn);

	if (!(m->flags & FMF_POISON))
		return;
	hvo__frame_fill_words(sim, pfn, POISON_WORD);
	m->flags &= (uint8_t)~FMF_POISON;
	if (m->flags & FMF_POISONED)
		return;
	m->flags |= FMF_POISONED;
	cnt_add(sim, free_resident, 1);
	release_queue(sim, z, pfn, m);
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
 * A block that is exactly one host huge page (4K pages: 512 frames, 2 MiB,
 * aligned by arena_map()) comes in as a transparent huge page, as the
 * kernel's vmemmap_populate_hugepages() maps it with one PMD: one fault and
 * one clear instead of 512 faults each taking the pte lock, a memcg charge
 * and a buddy page (~60 % of a fresh 2M pool grow's time, in a VM).
 * At most THP_BUDGET blocks per machine, because HVO frees 7 of the 8
 * vmemmap pages of each 2M folio and the release queue gives free frames
 * back with MADV_DONTNEED: inside a huge page that only splits its mapping,
 * and the host frees the 4K pages zapped when it splits the page itself,
 * under memory pressure (the deferred split queue); until then they are
 * host memory that RSS does not show.  The budget is 64 MiB, the whole
 * memmap of the default 4 GiB machine (random lookups through it then
 * miss the host TLB no more often than through a flat array in huge
 * pages: bench lookup), the first 4 GiB's of a bigger one; at most that
 * much host memory is held unseen.  Past it, base pages as before: a bench
 * scale whose pool fill thins thousands of blocks gives their freed frames
 * back for real (huge pages for every block made a 1 TiB one hold twice
 * the host memory at the same RSS, and once made its fill 3x slower).
 * Splitting the huge page at once instead (MADV_COLD of a part) cost ~1 ms
 * a block in a VM: more than the faults it saves.  MADV_NOHUGEPAGE once the
 * block is in, so that khugepaged never collapses a block with released
 * frames back into a huge page (which would bring them back); that also
 * merges the block's VMA back into the arena's.
 */
#define THP_BUDGET ((64ull << 20) / HOST_PMD)

void hvo__arena_prefault(struct hvo_sim *sim, uint64_t pfn, uint64_t nr)
{
	size_t len = (size_t)(nr << sim->geo.page_shift);
	void *p;
	bool thp;

	if (nr < 2)
		return;
	p = hvo__frame(sim, pfn);
	thp = len == HOST_PMD && !((uintptr_t)p & (HOST_PMD - 1)) &&
	      sim->release->thp_blocks < THP_BUDGET;
	if (thp && !madvise(p, len, MADV_HUGEPAGE))
		sim->release->thp_blocks++;
	else
		thp = false;
	(void)madvise(p, len, MADV_POPULATE_WRITE);
	if (thp)
		(void)madvise(p, len, MADV_NOHUGEPAGE);
}
