/* SPDX-License-Identifier: MIT */
/*
 * error.h - the message behind every -errno (error.c): set it with
 * hvo__err(), the caller reads it with hvo_last_error().
 */
#ifndef HVOSIM_SRC_ERROR_H
#define HVOSIM_SRC_ERROR_H

#include <errno.h>
#include <stddef.h>
#include <stdint.h>

int hvo__err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hvo__err_null(const char *fn, const char *arg);

/*
 * realloc() for the host allocations of the explorer and the snapshot's
 * touch log (issue 7: a library path returns -ENOMEM, it does not abort).
 * A test makes the Nth of them from now fail, once, by setting
 * hvo__host_alloc_fail_after to N (0: none fails; per OS thread, so
 * parallel tests do not see each other's).
 */
extern _Thread_local uint64_t hvo__host_alloc_fail_after;
void *hvo__host_realloc(void *p, size_t size);

/*
 * The NULL rule of the public API (hvosim.h): a NULL pointer argument fails
 * the call and hvo_last_error() names the argument ("fn: arg is NULL").
 * HVO_NONNULL returns -EINVAL from a call that returns an errno;
 * HVO_NONNULL_OR returns the call's documented failure value instead (NULL,
 * 0, "?"; nothing for a void call).
 */
#define HVO_NONNULL(fn, arg)                                                 \
	do {                                                                 \
		if (__builtin_expect(!(arg), 0))                             \
			return hvo__err_null(fn, #arg);                      \
	} while (0)
#define HVO_NONNULL_OR(fn, arg, ...)                                         \
	do {                                                                 \
		if (__builtin_expect(!(arg), 0)) {                           \
			hvo__err_null(fn, #arg);                             \
			return __VA_ARGS__;                                  \
		}                                                            \
	} while (0)

#endif /* HVOSIM_SRC_ERROR_H */
