/* SPDX-License-Identifier: MIT */
/*
 * explore_strategy.h - who runs next under random, PCT and replay
 * (explore_strategy.c), and the strategy string's parser, for explore.c.
 */
#ifndef HVOSIM_SRC_EXPLORE_STRATEGY_H
#define HVOSIM_SRC_EXPLORE_STRATEGY_H

#include "explore_internal.h"

int hvo__xs_init(struct hvo_explore *x);
void hvo__xs_begin_run(struct hvo_explore *x);
/* the thread to run among @runnable (bit mask), or -1: the replay diverged */
int hvo__xs_pick(struct hvo_explore *x, uint32_t runnable);
void hvo__xs_after_step(struct hvo_explore *x, unsigned int tid);
/* replay: the elements left when every thread has returned (0: all taken) */
uint64_t hvo__xs_replay_left(const struct hvo_explore *x);
/* false when the strategy has nothing more to run */
bool hvo__xs_end_run(struct hvo_explore *x);
void hvo__xs_destroy(struct hvo_explore *x);
/* hvo_explore_parse_strategy() for non-NULL arguments */
int hvo__xs_parse(const char *s, struct hvo_explore_opts *o);

#endif /* HVOSIM_SRC_EXPLORE_STRATEGY_H */
