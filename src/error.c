// SPDX-License-Identifier: MIT
/*
 * error.c - the thread-local "what was wrong" message behind every -errno,
 * thread ids for fault records and epoch shards, and the host allocator
 * of the paths whose -ENOMEM the tests force.
 */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

#include "internal.h"
#include "error.h"

static _Thread_local char hvo_errbuf[512];
static _Thread_local uint32_t hvo_tid;
/* only hands out ids for log records; no simulation state depends on it */
static _Atomic uint32_t hvo_next_tid = 1;

_Thread_local uint64_t hvo__host_alloc_fail_after;

void *hvo__host_realloc(void *p, size_t size)
{
	if (unlikely(hvo__host_alloc_fail_after) && !--hvo__host_alloc_fail_after)
		return NULL;
	return realloc(p, size);
}

int hvo__err(int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(hvo_errbuf, sizeof(hvo_errbuf), fmt, ap);
	va_end(ap);
	return err;
}

/* the one NULL rule: a NULL pointer argument is -EINVAL, named */
int hvo__err_null(const char *fn, const char *arg)
{
	return hvo__err(-EINVAL, "%s: %s is NULL", fn, arg);
}

HVO_EXPORT const char *hvo_last_error(void)
{
	return hvo_errbuf;
}

HVO_EXPORT uint32_t hvo_thread_id(void)
{
	if (!hvo_tid)
		hvo_tid = atomic_fetch_add(&hvo_next_tid, 1);
	return hvo_tid;
}
