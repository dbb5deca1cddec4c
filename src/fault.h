/* SPDX-License-Identifier: MIT */
/*
 * fault.h - fault injection and the fault log (fault.c).
 */
#ifndef HVOSIM_SRC_FAULT_H
#define HVOSIM_SRC_FAULT_H

#include "internal.h"

bool hvo__fail_should(struct hvo_sim *sim, enum hvo_alloc_site site);
void hvo__fault(struct hvo_sim *sim, enum hvo_fault_type type, uint64_t vaddr,
		uint64_t frame, uint64_t folio, const char *op, int field);
void hvo__fault_log(struct hvo_sim *sim, struct hvo_fault *f);
uint64_t hvo__count_dec(struct hvo_sim *sim, _Atomic uint64_t *count, uint64_t vaddr,
			const char *op);

#endif /* HVOSIM_SRC_FAULT_H */
