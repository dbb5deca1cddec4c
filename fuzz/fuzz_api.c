// SPDX-License-Identifier: MIT
#include <stddef.h>
#include <stdint.h>
#include "fuzz_driver.h"
int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n) { (void)d; (void)n; return 0; }
