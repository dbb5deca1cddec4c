/* SPDX-License-Identifier: MIT */
/*
 * rcu.h - the fake-head scheme's RCU (rcu.c): read-side sections and
 * synchronize_rcu(), on the epochs of epoch.h.
 */
#ifndef HVOSIM_SRC_RCU_H
#define HVOSIM_SRC_RCU_H

#include "epoch.h"

#define hvo_rcu_tok hvo_epoch_tok

int hvo__rcu_init(struct hvo_sim *sim);
void hvo__rcu_destroy(struct hvo_sim *sim);
struct hvo_rcu_tok hvo__rcu_read_lock(struct hvo_sim *sim);
void hvo__rcu_read_unlock(struct hvo_sim *sim, struct hvo_rcu_tok t);
void hvo__synchronize_rcu(struct hvo_sim *sim);
void hvo__rcu_set_timing(struct hvo_sim *sim, bool on);
size_t hvo__rcu_state_size(void);	/* snapshot.c copies it as bytes */

#endif /* HVOSIM_SRC_RCU_H */
