/* SPDX-License-Identifier: MIT */
/*
 * hvosim/error.h - what each thread knows of itself: the message of its
 * last failed call, and its id in fault records.
 *
 * Concurrency: hvo_last_error and hvo_thread_id read thread-local state and
 * touch no machine: X with every call of every header, on any thread.
 */
#ifndef HVOSIM_ERROR_H
#define HVOSIM_ERROR_H

#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/**
 * hvo_last_error() - the message of the last failed call on this thread.
 *
 * Every call that fails sets it: an errno return, a documented failure
 * value (NULL, 0, "?") for a bad argument, a void call that refused its
 * arguments.  Read it right after such a failure: after a successful call
 * its content is unspecified (successes do not clear it, and a call that
 * succeeds after an internal retry may leave the retry's message).
 *
 * Return: a thread-local string, "" if no call on this thread failed yet.
 */
const char *hvo_last_error(void);

/**
 * hvo_thread_id() - the small id hvosim uses for the calling thread in
 * fault records (assigned on first use, 1, 2, ...).
 *
 * Return: the id.
 */
uint32_t hvo_thread_id(void);

#ifdef __cplusplus
}
#endif
#endif /* HVOSIM_ERROR_H */
