/* SPDX-License-Identifier: MIT */
/*
 * pgtable.h - the fake vmemmap page table (pgtable.c): struct page word
 * access through it, entry updates, lazy memmap init on first touch.
 * The walk and the load fast path are inline in vmm.h.
 */
#ifndef HVOSIM_SRC_PGTABLE_H
#define HVOSIM_SRC_PGTABLE_H

#include "internal.h"
#include "tlb.h"

int hvo__pgtable_init(struct hvo_sim *sim);
int hvo__vmm_load(struct hvo_sim *sim, uint64_t vaddr, uint64_t *val);
int hvo__vmm_store(struct hvo_sim *sim, uint64_t vaddr, uint64_t val,
		   const char *op, int field);
/* the _refcount RMWs refuse a result below 0 with -ERANGE, writing nothing
 * (the caller reports the underflow: it knows the page) */
int hvo__vmm_add_unless32(struct hvo_sim *sim, uint64_t vaddr, int32_t nr,
			  int32_t u, int field, int32_t *seen);
int hvo__vmm_add32(struct hvo_sim *sim, uint64_t vaddr, int32_t nr,
		   int32_t *newval, int field);
int hvo__vmm_cmpxchg32(struct hvo_sim *sim, uint64_t vaddr, uint32_t old,
		       uint32_t new, int field);
int hvo__vmm_frame_of(struct hvo_sim *sim, uint64_t vaddr, uint64_t *frame,
		      bool *writable);
int hvo__pmd_slot(struct hvo_sim *sim, uint64_t vaddr, unsigned int nid,
		  bool create, uint64_t **slotp);
void hvo__set_pmd_leaf(struct hvo_sim *sim, uint64_t *pmd, uint64_t vaddr,
		       uint64_t pfn, bool lazy);
int hvo__map_pte(struct hvo_sim *sim, uint64_t vaddr, uint64_t pfn,
		 bool writable, bool lazy, uint64_t *old_pfn);
/* hvo__map_pte() of a run of pages in one PTE table, no hook set (pgtable.c) */
int hvo__map_ptes(struct hvo_sim *sim, uint64_t vaddr, uint64_t n, const uint64_t *pfn,
		  const bool *rw, uint64_t *old);
int hvo__clear_pte(struct hvo_sim *sim, uint64_t vaddr);
void hvo__lazy_init(struct hvo_sim *sim, uint64_t vaddr);
void hvo__flat_set(struct hvo_sim *sim, uint64_t vaddr, uint64_t entry);

/* every table frame reachable from the root, once each in a tree (@fn may
 * be NULL); returns how many */
typedef void (*hvo__table_fn)(void *ctx, uint64_t pfn, unsigned int level);
uint64_t hvo__pgtable_for_each_table(struct hvo_sim *sim, hvo__table_fn fn, void *ctx);
uint64_t hvo__pgtable_leaked(struct hvo_sim *sim, bool report);

/* several stores to one vmemmap page under one walk and one access section */
struct hvo_writer {
	struct hvo_sim *sim;
	uint64_t page;
	uint8_t *base;
	struct hvo_access_tok tok;
	bool open;
};

static inline void hvo__writer_init(struct hvo_writer *wr, struct hvo_sim *sim)
{
	wr->sim = sim;
	wr->page = UINT64_MAX;
	wr->base = NULL;
	wr->open = false;
}

int hvo__writer_open(struct hvo_writer *wr, uint64_t vaddr, const char *op, int field);
int hvo__writer_store(struct hvo_writer *wr, uint64_t vaddr, uint64_t val,
		      const char *op, int field);
void hvo__writer_close(struct hvo_writer *wr);

/* one 64-byte struct page from t[], unrolled: compilers do not unroll loops
 * of atomic stores */
static inline void hvo__store_page64(uint64_t *d, const uint64_t *t)
{
	__atomic_store_n(&d[0], t[0], HVO_STORE_ORDER);
	__atomic_store_n(&d[1], t[1], HVO_STORE_ORDER);
	__atomic_store_n(&d[2], t[2], HVO_STORE_ORDER);
	__atomic_store_n(&d[3], t[3], HVO_STORE_ORDER);
	__atomic_store_n(&d[4], t[4], HVO_STORE_ORDER);
	__atomic_store_n(&d[5], t[5], HVO_STORE_ORDER);
	__atomic_store_n(&d[6], t[6], HVO_STORE_ORDER);
	__atomic_store_n(&d[7], t[7], HVO_STORE_ORDER);
}

/*
 * hvo__writer_store() without its yield point: a bulk writer's store, for
 * callers that run it only while no scheduler hook is set (hvo__yield()
 * would do nothing).  One compare and one store into the open frame.
 */
static inline int hvo__writer_put(struct hvo_writer *wr, uint64_t vaddr, uint64_t val,
				  const char *op, int field)
{
	uint64_t off = vaddr - wr->page;
	int r;

	if (unlikely(!wr->open || off >= wr->sim->geo.page_size)) {
		r = hvo__writer_open(wr, vaddr, op, field);
		if (r)
			return r;
		off = vaddr - wr->page;
	}
	__atomic_store_n((uint64_t *)(wr->base + off), val, HVO_STORE_ORDER);
	return 0;
}

#endif /* HVOSIM_SRC_PGTABLE_H */
