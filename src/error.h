/* SPDX-License-Identifier: MIT */
/*
 * error.h - the message behind every -errno (error.c): set it with
 * hvo__err(), the caller reads it with hvo_last_error().
 */
#ifndef HVOSIM_SRC_ERROR_H
#define HVOSIM_SRC_ERROR_H

int hvo__err(int err, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int hvo__err_null(const char *fn, const char *arg);

#endif /* HVOSIM_SRC_ERROR_H */
