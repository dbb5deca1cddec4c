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
#define HVO_CKLOG_META 2u	/* hvo__meta() */

struct hvo_cklog {
	uint64_t nr_pfns;
	_Atomic uint64_t *bits;		/* two bits per pfn: HVO_CKLOG_* */
	_Atomic uint64_t *list;		/* the pfns noted, in the order first noted */
	uint64_t cap;
	_Atomic uint64_t n;		/* pfns noted; more than cap: some went unlisted */
};

/* hvo__frame() (@bytes) or hvo__meta() was asked for @pfn */
void hvo__cklog_note(const struct hvo_sim *sim, uint64_t pfn, bool bytes);
/* a log for @nr_pfns pfns listing up to @cap of them; NULL: out of memory */
struct hvo_cklog *hvo__cklog_new(uint64_t nr_pfns, uint64_t cap);
void hvo__cklog_free(struct hvo_cklog *l);
/* HVO_CKLOG_* noted for @pfn since the last reset */
unsigned int hvo__cklog_bits(const struct hvo_cklog *l, uint64_t pfn);
/* forget every note (the machine quiescent, the log off) */
void hvo__cklog_reset(struct hvo_cklog *l);

#endif /* HVOSIM_SRC_CHECK_LOG_H */
