// SPDX-License-Identifier: MIT
/*
 * afl_driver.c - AFL++ persistent mode around LLVMFuzzerTestOneInput():
 * the input arrives in shared memory and one process runs many of them
 * (__AFL_LOOP).  Every target frees all it allocates per input, so no
 * state leaks from one input to the next (afl-fuzz's "stability").
 *
 * With file or directory arguments it replays them, as the standalone
 * driver does.  Built without afl-cc, the fallback macros read one input
 * from stdin, as AFL++'s instrumentation/README.persistent_mode.md does.
 */
#include <stdio.h>
#include <unistd.h>

#include "fuzz_driver.h"

/* afl-cc's macros are GNU C: a statement expression, a stray ';' */
#ifdef __clang__
#pragma clang diagnostic ignored "-Wgnu-statement-expression"
#pragma clang diagnostic ignored "-Wextra-semi"
#pragma clang diagnostic ignored "-Wlanguage-extension-token"
#endif

#ifndef __AFL_FUZZ_TESTCASE_LEN
static ssize_t fuzz_len;
static unsigned char fuzz_buf[1 << 20];
#define __AFL_FUZZ_TESTCASE_LEN fuzz_len
#define __AFL_FUZZ_TESTCASE_BUF fuzz_buf
#define __AFL_FUZZ_INIT() void sync(void)
#define __AFL_LOOP(x) ((fuzz_len = read(0, fuzz_buf, sizeof(fuzz_buf))) > 0 ? 1 : 0)
#define __AFL_INIT() sync()
#endif

__AFL_FUZZ_INIT();

int main(int argc, char **argv)
{
	unsigned char *buf;

	if (argc > 1)
		return fz_replay(argc, argv);
	__AFL_INIT();
	buf = __AFL_FUZZ_TESTCASE_BUF;
	while (__AFL_LOOP(10000))
		LLVMFuzzerTestOneInput(buf, (size_t)__AFL_FUZZ_TESTCASE_LEN);
	return 0;
}
