/* SPDX-License-Identifier: MIT */
/*
 * fault.h - recording faults (fault.c).
 */
#ifndef HVOSIM_SRC_FAULT_H
#define HVOSIM_SRC_FAULT_H

#include "internal.h"

void hvo__fault(struct hvo_sim *sim, enum hvo_fault_type type, uint64_t vaddr,
		uint64_t frame, const char *op, int field);

#endif /* HVOSIM_SRC_FAULT_H */
