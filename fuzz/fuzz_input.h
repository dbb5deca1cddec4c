/* SPDX-License-Identifier: MIT */
/*
 * fuzz_input.h - reading a fuzzer's bytes: one byte or a small integer at a
 * time from the front; past the end every read gives 0, so any input, even
 * an empty one, decodes to something.
 */
#ifndef HVOSIM_FUZZ_INPUT_H
#define HVOSIM_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

struct fz_in {
	const uint8_t *p;
	size_t n;
};

static inline uint8_t fz_u8(struct fz_in *in)
{
	uint8_t v = 0;

	if (in->n) {
		v = *in->p++;
		in->n--;
	}
	return v;
}

static inline uint16_t fz_u16(struct fz_in *in)
{
	uint16_t lo = fz_u8(in);

	return (uint16_t)(lo | (uint16_t)fz_u8(in) << 8);
}

static inline uint64_t fz_u64(struct fz_in *in)
{
	uint64_t v = 0;
	unsigned int i;

	for (i = 0; i < 8; i++)
		v |= (uint64_t)fz_u8(in) << (8 * i);
	return v;
}

/* a value in [0, n) (0 if n is 0) */
static inline unsigned int fz_below(struct fz_in *in, unsigned int n)
{
	return n ? fz_u8(in) % n : 0;
}

#endif /* HVOSIM_FUZZ_INPUT_H */
