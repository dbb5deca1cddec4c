/* SPDX-License-Identifier: MIT */
/*
 * error.h - the message behind every -errno (error.c): set it with
 * hvo__err(), the caller reads it with hvo_last_error().
 */
#ifndef HVOSIM_SRC_ERROR_H
#define HVOSIM_SRC_ERROR_H

#include <errno.h>

int hvo__err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hvo__err_null(const char *fn, const char *arg);

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
