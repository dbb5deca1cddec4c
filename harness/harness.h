/* SPDX-License-Identifier: MIT */
/*
 * harness.h - what drives libhvosim from outside: the options every command
 * takes (opt.h), JSON output (json.h), pool filling (fill.h) and small
 * helpers (util.h).  The hvosim CLI, the benchmarks and the stress tests
 * link it; it links only libhvosim.  The stress engine is stress.h.
 */
#ifndef HVOSIM_HARNESS_H
#define HVOSIM_HARNESS_H

#include "fill.h"
#include "json.h"
#include "opt.h"
#include "util.h"

#endif
