/* SPDX-License-Identifier: MIT */
/*
 * fuzz_driver.h - the entry point every target defines (libFuzzer's) and
 * the replay half of the standalone driver, which the AFL++ driver reuses.
 */
#ifndef HVOSIM_FUZZ_DRIVER_H
#define HVOSIM_FUZZ_DRIVER_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int fz_replay(int argc, char **argv);

#endif /* HVOSIM_FUZZ_DRIVER_H */
