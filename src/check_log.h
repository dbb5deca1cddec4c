/* SPDX-License-Identifier: MIT */
/*
 * check_log.h - the change log behind hvo_check_track() (check_log.c): every
 * frame whose bytes or metadata the machine may change is noted, once, for
 * the next tracked hvo_check().  internal.h includes this header for
 * hvo__cklog_note(), which its hvo__frame() and hvo__meta() call, so it
 * needs nothing but the struct names.
 */
#ifndef HVOSIM_SRC_CHECK_LOG_H
#define HVOSIM_SRC_CHECK_LOG_H

#include <stdbool.h>
#include <stdint.h>

struct hvo_sim;

/* the notes of a pfn (hvo__cklog_bits()) */
#define HVO_CKLOG_BYTES 1u	/* hvo__frame(), or a load/store's resolve() */
#define HVO_CKLOG_META 2u	/* hvo__meta() of it or a pfn near it */

/*
 * Metadata is noted by blocks of 2^HVO_CKLOG_META_SHIFT pfns: the buddy and
 * the memmap init read it pfn after pfn, and one note a block keeps those
 * scans cheap (the checker takes the whole block as noted).
 */
#define HVO_CKLOG_META_SHIFT 6

/* what a list entry notes: its low bits */
#define HVO_CKLOG_KIND_BYTES 0u	/* pfn << 2 */
#define HVO_CKLOG_KIND_META 1u	/* block << 2 */
#define HVO_CKLOG_KIND_FLAT 2u	/* flat view index << 2 */

struct hvo_cklog {
	uint64_t nr_pfns, flat_n;
	_Atomic uint64_t *bytes;	/* a bit per pfn */
	_Atomic uint64_t *meta;		/* a bit per block of pfns */
	_Atomic uint64_t *flat;		/* a bit per entry of the flat view */
	/* what was noted, in the order first noted: x << 2 | HVO_CKLOG_KIND_* */
	_Atomic uint64_t *list;
	uint64_t cap;
	_Atomic uint64_t n;		/* notes; more than cap: some went unlisted */
	_Atomic uint64_t nflat;		/* of them, flat view entries */
	/* the checker's own reads are not noted (frame bytes and metadata);
	 * a flat view entry still is: a lazy memmap_init() a read causes */
	_Atomic bool paused;
	/* the checker that keeps the log lets go of it and its own state
	 * (hvo__cklog_release(): the machine is destroyed) */
	void (*release)(struct hvo_sim *sim);
};

/* hvo__frame() (@bytes) or hvo__meta() was asked for @pfn */
void hvo__cklog_note(const struct hvo_sim *sim, uint64_t pfn, bool bytes);
/* hvo__flat_set() changed entry @idx of the flat view */
void hvo__cklog_flat(const struct hvo_sim *sim, uint64_t idx);
/* a log for @nr_pfns pfns and @flat_n flat entries, listing up to @cap
 * notes; NULL: out of memory */
struct hvo_cklog *hvo__cklog_new(uint64_t nr_pfns, uint64_t flat_n, uint64_t cap);
void hvo__cklog_free(struct hvo_cklog *l);
/* HVO_CKLOG_* noted for @pfn (its block, for metadata) since the last reset */
unsigned int hvo__cklog_bits(const struct hvo_cklog *l, uint64_t pfn);
/* hvo_sim_destroy(): the log's keeper frees it and all it keeps */
void hvo__cklog_release(struct hvo_sim *sim);
/* forget every note (the machine quiescent, the log off) */
void hvo__cklog_reset(struct hvo_cklog *l);

#endif /* HVOSIM_SRC_CHECK_LOG_H */
