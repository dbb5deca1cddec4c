// SPDX-License-Identifier: MIT
/*
 * cli.c - shared pieces of the hvosim tool.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "cli.h"

void cli_config_defaults(struct hvo_config *cfg)
{
	hvo_config_init(cfg);
	/* a tool reports faults; tests and fuzzers abort on them */
	cfg->fault_policy = HVO_FAULT_RECORD;
}

int cli_machine_opt(struct hvo_config *cfg, int argc, char **argv, int *i)
{
	static const char *const keys[] = {
		"page-shift", "struct-page-size", "nodes", "mem", "movable",
		"boot-gigantic", "boot-gigantic-size", "scheme", "scope", "alloc",
		"lifetime", "encoding", "rcu-sync", "cont-hstates", "fault-policy",
		"seed", "vmemmap-base",
	};
	const char *a = argv[*i], *val = NULL, *eq;
	char key[64];
	size_t k, len;

	if (strncmp(a, "--", 2))
		return 0;
	a += 2;
	eq = strchr(a, '=');
	len = eq ? (size_t)(eq - a) : strlen(a);
	if (len >= sizeof(key))
		return 0;
	memcpy(key, a, len);
	key[len] = 0;
	for (k = 0; k < sizeof(keys) / sizeof(keys[0]); k++)
		if (!strcmp(key, keys[k]))
			break;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return 0;
	if (eq) {
		val = eq + 1;
	} else {
		if (*i + 1 >= argc) {
			fprintf(stderr, "hvosim: --%s needs a value\n", key);
			return -1;
		}
		val = argv[++*i];
	}
	if (hvo_config_set(cfg, key, val)) {
		fprintf(stderr, "hvosim: --%s %s: %s\n", key, val, hvo_last_error());
		return -1;
	}
	/* a single per-node value fills the nodes that exist when it is set, so
	 * re-apply them when --nodes comes after (order must not matter) */
	for (k = 0; k < 3; k++) {
		static const char *const per_node[3] = { "mem", "movable", "boot-gigantic" };
		static char saved[3][128];

		if (!strcmp(key, per_node[k]) && strlen(val) < sizeof(saved[k]))
			strcpy(saved[k], val);
		if (!strcmp(key, "nodes") && saved[k][0])
			hvo_config_set(cfg, per_node[k], saved[k]);
	}
	return 1;
}

int cli_common_opt(struct hvo_config *cfg, int argc, char **argv, int *i,
		   void (*usage)(FILE *out), int *code)
{
	int r;

	if (cli_is_help(argv[*i])) {
		usage(stdout);
		*code = 0;
		return CLI_OPT_EXIT;
	}
	if (cli_is_version(argv[*i])) {
		*code = cli_version();
		return CLI_OPT_EXIT;
	}
	r = cli_machine_opt(cfg, argc, argv, i);
	if (r < 0) {
		*code = 2;
		return CLI_OPT_EXIT;
	}
	return r ? CLI_OPT_TAKEN : CLI_OPT_NONE;
}

int cli_dispatch(const struct cli_cmd *cmds, size_t n, void (*usage)(FILE *out),
		 int argc, char **argv)
{
	size_t i;

	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (cli_is_help(argv[1])) {
		usage(stdout);
		return 0;
	}
	if (cli_is_version(argv[1]))
		return cli_version();
	for (i = 0; i < n; i++)
		if (!strcmp(argv[1], cmds[i].name))
			return cmds[i].run(argc - 1, argv + 1);
	return -1;
}

int cli_create(const struct hvo_config *cfg, struct hvo_sim **sim)
{
	int r = hvo_sim_create(cfg, sim);

	if (r)
		fprintf(stderr, "hvosim: cannot build the machine: %s (%s)\n", hvo_last_error(),
			strerror(-r));
	return r;
}

bool cli_is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

bool cli_is_version(const char *a)
{
	return !strcmp(a, "--version") || !strcmp(a, "-V");
}

int cli_version(void)
{
	printf("hvosim %s\n", hvo_version());
	return 0;
}

int cli_bad(const char *cmd, const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, "hvosim %s: ", cmd);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " (try 'hvosim %s --help')\n", cmd);
	return 2;
}

bool cli_parse_u64(const char *s, uint64_t *out)
{
	char *end;

	if (!s || !*s || *s == '-')
		return false;
	errno = 0;
	*out = strtoull(s, &end, 0);
	return !errno && !*end;
}

int cli_opt_u64(const char *cmd, const char *name, int argc, char **argv, int *i,
		uint64_t *out, uint64_t min, uint64_t max)
{
	const char *a = argv[*i], *v;
	size_t n = strlen(name);

	if (!cli_is_opt(a, name))
		return 0;
	if (a[2 + n] == '=') {
		v = a + 3 + n;
	} else {
		if (*i + 1 >= argc)
			return cli_bad(cmd, "--%s needs a value", name);
		v = argv[++*i];
	}
	if (cli_parse_u64(v, out) && *out >= min && *out <= max)
		return 1;
	if (min == 1 && max == UINT64_MAX)	/* any count of something */
		return cli_bad(cmd, "--%s %s: not a positive number", name, v);
	return cli_bad(cmd, "--%s %s: not a number in [%" PRIu64 ", %" PRIu64 "]", name, v,
		       min, max);
}

bool cli_is_opt(const char *a, const char *key)
{
	size_t n = strlen(key);

	return !strncmp(a, "--", 2) && !strncmp(a + 2, key, n) && (!a[2 + n] || a[2 + n] == '=');
}

static int cmp_dbl(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

double cli_median(const double *v, unsigned int n)
{
	double *s = malloc(n * sizeof(*s)), m;

	if (!s)
		return v[0];
	memcpy(s, v, n * sizeof(*s));
	qsort(s, n, sizeof(*s), cmp_dbl);
	m = n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
	free(s);
	return m;
}

void cli_min_max(const double *v, unsigned int n, double *min, double *max)
{
	unsigned int i;

	*min = *max = v[0];
	for (i = 1; i < n; i++) {
		if (v[i] < *min)
			*min = v[i];
		if (v[i] > *max)
			*max = v[i];
	}
}

/* ---- JSON ---- */

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
	json_sep(j, key);
	fprintf(j->out, "%" PRIu64, v);
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

double cli_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

uint64_t cli_peak_rss_bytes(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return (uint64_t)ru.ru_maxrss * 1024;
}

const char *cli_bytes(uint64_t b, char *buf, size_t len)
{
	static const char *const u[] = { "B", "KiB", "MiB", "GiB", "TiB" };
	double v = (double)b;
	int i = 0;

	while (v >= 1024 && i < 4) {
		v /= 1024;
		i++;
	}
	if (i == 0)
		snprintf(buf, len, "%" PRIu64 " B", b);
	else
		snprintf(buf, len, "%.*f %s", v < 10 ? 2 : 1, v, u[i]);
	return buf;
}

void cli_stats_json(struct json *j, const char *key, const struct hvo_stats *st)
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
	json_u64(j, "injected_failures", st->injected_failures);
	json_end_obj(j);
}
