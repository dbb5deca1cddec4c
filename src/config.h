/* SPDX-License-Identifier: MIT */
/*
 * config.h - what config.c knows that the machine needs too.
 */
#ifndef HVOSIM_SRC_CONFIG_H
#define HVOSIM_SRC_CONFIG_H

unsigned int hvo__section_shift(unsigned int page_shift);

#endif /* HVOSIM_SRC_CONFIG_H */
