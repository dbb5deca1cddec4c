/* SPDX-License-Identifier: MIT */
/*
 * json.h - a tiny JSON writer.
 *
 * Numbers a JSON reader would round are written as strings: a double holds
 * integers up to 2^53 exactly, so json_u64() writes larger values as a hex
 * string, and json_hex() writes addresses and encodings (vmemmap addresses,
 * compound_info, kpageflags bits) as "0x..." whatever their size.  Counts
 * stay numbers.
 */
#ifndef HVOSIM_HARNESS_JSON_H
#define HVOSIM_HARNESS_JSON_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hvosim/hvosim.h>

#define JSON_MAX_SAFE_INT (1ull << 53)

struct json {
	int depth;
	bool first[32];
	FILE *out;
};

void json_init(struct json *j, FILE *out);
/* @key NULL inside arrays and at the top */
void json_obj(struct json *j, const char *key);
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_hex(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_dbl(struct json *j, const char *key, double v);
void json_str(struct json *j, const char *key, const char *v);
void json_bool(struct json *j, const char *key, bool v);
void json_done(struct json *j);

/* every field of struct hvo_stats, named as in the struct */
void json_stats(struct json *j, const char *key, const struct hvo_stats *st);

#endif
