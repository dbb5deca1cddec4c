/* SPDX-License-Identifier: MIT */
/*
 * explore_dfs.h - the bounded exhaustive search with sleep sets
 * (explore_dfs.c), for explore.c.
 */
#ifndef HVOSIM_SRC_EXPLORE_DFS_H
#define HVOSIM_SRC_EXPLORE_DFS_H

#include "explore_internal.h"

int hvo__dfs_init(struct hvo_explore *x);
void hvo__dfs_begin_run(struct hvo_explore *x);
/* the thread to run; -1: the replayed prefix diverged (x->why says how);
 * -ENOMEM: no room for the search stack (hvo__err() set) */
int hvo__dfs_pick(struct hvo_explore *x, uint32_t runnable);
void hvo__dfs_before_step(struct hvo_explore *x);
void hvo__dfs_after_step(struct hvo_explore *x, unsigned int tid);
bool hvo__dfs_end_run(struct hvo_explore *x);
void hvo__dfs_destroy(struct hvo_explore *x);

#endif /* HVOSIM_SRC_EXPLORE_DFS_H */
