// SPDX-License-Identifier: MIT
/*
 * json.c - the JSON writer (see json.h).
 */
#include <inttypes.h>
#include <string.h>

#include "json.h"

void json_init(struct json *j, FILE *out)
{
	memset(j, 0, sizeof(*j));
	j->out = out;
	j->first[0] = true;
}

static void json_sep(struct json *j, const char *key)
{
	if (!j->first[j->depth])
		fputc(',', j->out);
	j->first[j->depth] = false;
	if (key)
		fprintf(j->out, "\"%s\":", key);
}

static void json_open(struct json *j, const char *key, char c)
{
	json_sep(j, key);
	fputc(c, j->out);
	j->depth++;
	j->first[j->depth] = true;
}

void json_obj(struct json *j, const char *key)
{
	json_open(j, key, '{');
}

void json_arr(struct json *j, const char *key)
{
	json_open(j, key, '[');
}

void json_end_obj(struct json *j)
{
	j->depth--;
	fputc('}', j->out);
}

void json_end_arr(struct json *j)
{
	j->depth--;
	fputc(']', j->out);
}

void json_u64(struct json *j, const char *key, uint64_t v)
{
	if (v > JSON_MAX_SAFE_INT) {
		json_hex(j, key, v);
		return;
	}
	json_sep(j, key);
	fprintf(j->out, "%" PRIu64, v);
}

void json_hex(struct json *j, const char *key, uint64_t v)
{
	json_sep(j, key);
	fprintf(j->out, "\"0x%" PRIx64 "\"", v);
}

void json_i64(struct json *j, const char *key, int64_t v)
{
	json_sep(j, key);
	fprintf(j->out, "%" PRId64, v);
}

void json_dbl(struct json *j, const char *key, double v)
{
	json_sep(j, key);
	fprintf(j->out, "%.6g", v);
}

void json_bool(struct json *j, const char *key, bool v)
{
	json_sep(j, key);
	fputs(v ? "true" : "false", j->out);
}

void json_str(struct json *j, const char *key, const char *v)
{
	json_sep(j, key);
	fputc('"', j->out);
	for (; *v; v++) {
		if (*v == '"' || *v == '\\')
			fprintf(j->out, "\\%c", *v);
		else if ((unsigned char)*v < 0x20)
			fprintf(j->out, "\\u%04x", *v);
		else
			fputc(*v, j->out);
	}
	fputc('"', j->out);
}

void json_done(struct json *j)
{
	fputc('\n', j->out);
	fflush(j->out);
}

void json_stats(struct json *j, const char *key, const struct hvo_stats *st)
{
	unsigned int k;

	json_obj(j, key);
	json_obj(j, "in_use_pages");
	for (k = 0; k < HVO_NR_KINDS; k++)
		json_u64(j, hvo_kind_name((enum hvo_frame_kind)k), st->in_use[k]);
	json_end_obj(j);
	json_u64(j, "free_pages", st->free_pages);
	json_i64(j, "memmap_pages", st->memmap_pages);
	json_i64(j, "memmap_boot_pages", st->memmap_boot_pages);
	json_u64(j, "optimized_folios", st->optimized_folios);
	json_u64(j, "optimize_done", st->optimize_done);
	json_u64(j, "optimize_failed", st->optimize_failed);
	json_u64(j, "restore_done", st->restore_done);
	json_u64(j, "restore_failed", st->restore_failed);
	json_u64(j, "vmemmap_pages_freed", st->vmemmap_pages_freed);
	json_u64(j, "vmemmap_pages_restored", st->vmemmap_pages_restored);
	json_u64(j, "shared_tails_live", st->shared_tails_live);
	json_u64(j, "shared_tails_allocated", st->shared_tails_allocated);
	json_u64(j, "shared_tails_freed", st->shared_tails_freed);
	json_u64(j, "shared_tail_races", st->shared_tail_races);
	json_u64(j, "tlb_flush_all", st->tlb_flush_all);
	json_u64(j, "tlb_flush_range", st->tlb_flush_range);
	json_u64(j, "pmd_splits", st->pmd_splits);
	json_u64(j, "synchronize_rcu_calls", st->synchronize_rcu_calls);
	json_u64(j, "synchronize_rcu_ns", st->synchronize_rcu_ns);
	json_i64(j, "static_key_count", st->static_key_count);
	json_u64(j, "rollbacks", st->rollbacks);
	json_u64(j, "ro_faults", st->ro_faults);
	json_u64(j, "early_frees", st->early_frees);
	json_u64(j, "count_underflows", st->count_underflows);
	json_u64(j, "injected_failures", st->injected_failures);
	json_end_obj(j);
}
