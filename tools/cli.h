/* SPDX-License-Identifier: MIT */
/*
 * cli.h - shared pieces of the hvosim command-line tool: machine options,
 * a small JSON writer, tables and timing (the CLI may read clocks; the
 * library does not).
 */
#ifndef HVOSIM_CLI_H
#define HVOSIM_CLI_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include <hvosim/hvosim.h>

struct cli_cmd {
	const char *name;
	const char *summary;
	int (*run)(int argc, char **argv);
};

/* machine options shared by demo, dump, run, kpageflags, savings, bench */
#define CLI_MACHINE_HELP                                                                  \
	"machine options:\n"                                                              \
	"  --page-shift N         12, 14 or 16 (4K, 16K, 64K base pages)  [12]\n"          \
	"  --struct-page-size N   bytes per struct page, multiple of 8 in [40,256]  [64]\n" \
	"  --nodes N              NUMA nodes  [1]\n"                                       \
	"  --mem SIZE[,SIZE...]   memory per node, e.g. 8G or 4G,4G  [4G]\n"                \
	"  --movable SIZE[,...]   ZONE_MOVABLE at the top of each node  [0]\n"             \
	"  --boot-gigantic N[,..] gigantic pages reserved at boot per node  [0]\n"         \
	"  --boot-gigantic-size S their size  [largest gigantic hstate]\n"                 \
	"  --scheme S             none | fake-head | shared-tail  [shared-tail]\n"         \
	"  --scope S              shared-tail: zone | node | hstate  [zone]\n"             \
	"  --alloc S              shared-tail: cmpxchg | lock | none  [cmpxchg]\n"         \
	"  --lifetime S           shared-tail: never | last-user  [never]\n"               \
	"  --encoding E           auto | pointer | mask  [auto]\n"                         \
	"  --rcu-sync on|off      fake-head: VMEMMAP_SYNCHRONIZE_RCU  [on]\n"              \
	"  --cont-hstates on|off  arm64 contiguous hstates  [off]\n"                       \
	"  --fault-policy P       abort | record | count  [record]\n"                      \
	"  --seed N               seed for everything random  [1]\n"

/* if argv[*i] is a machine option, apply it (consuming its value) and return
 * 1; 0 if it is not one; -1 (message printed) if its value is bad */
int cli_machine_opt(struct hvo_config *cfg, int argc, char **argv, int *i);

/* the start of every machine command's option loop: --help, --version and
 * the machine options.  CLI_OPT_EXIT: return *code; CLI_OPT_TAKEN: next. */
enum { CLI_OPT_NONE = 0, CLI_OPT_TAKEN, CLI_OPT_EXIT };
int cli_common_opt(struct hvo_config *cfg, int argc, char **argv, int *i,
		   void (*usage)(FILE *out), int *code);

/* run argv[1] among @cmds (--help/--version/none handled too); -1 if argv[1]
 * names no command, else the exit code */
int cli_dispatch(const struct cli_cmd *cmds, size_t n, void (*usage)(FILE *out),
		 int argc, char **argv);
void cli_config_defaults(struct hvo_config *cfg);
int cli_create(const struct hvo_config *cfg, struct hvo_sim **sim);

bool cli_is_help(const char *a);
bool cli_is_version(const char *a);
int cli_version(void);
int cli_bad(const char *cmd, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* tiny JSON writer on stdout */
struct json {
	int depth;
	bool first[32];
	FILE *out;
};
void json_init(struct json *j, FILE *out);
void json_obj(struct json *j, const char *key);	/* key NULL inside arrays / top */
void json_arr(struct json *j, const char *key);
void json_end_obj(struct json *j);
void json_end_arr(struct json *j);
void json_u64(struct json *j, const char *key, uint64_t v);
void json_i64(struct json *j, const char *key, int64_t v);
void json_dbl(struct json *j, const char *key, double v);
void json_str(struct json *j, const char *key, const char *v);
void json_bool(struct json *j, const char *key, bool v);
void json_done(struct json *j);

double cli_now(void);
uint64_t cli_peak_rss_bytes(void);
void cli_stats_json(struct json *j, const char *key, const struct hvo_stats *st);
const char *cli_bytes(uint64_t b, char *buf, size_t len);
bool cli_parse_u64(const char *s, uint64_t *out);

/* a command's own "--name V" or "--name=V": 0 if argv[*i] is not --name; 1
 * with *out set (a separate value consumed); 2 (message printed for @cmd) if
 * the value is missing or not a number in [@min, @max] */
int cli_opt_u64(const char *cmd, const char *name, int argc, char **argv, int *i,
		uint64_t *out, uint64_t min, uint64_t max);
/* whether @a is the option --key (either spelling, with or without a value) */
bool cli_is_opt(const char *a, const char *key);

/* the median of @n values (the mean of the middle two when @n is even) */
double cli_median(const double *v, unsigned int n);
/* the smallest and the largest of @n >= 1 values */
void cli_min_max(const double *v, unsigned int n, double *min, double *max);

/* splitmix64: the tool's one seeded pseudo-random sequence */
static inline uint64_t cli_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* commands */
int cmd_demo(int argc, char **argv);
int cmd_dump(int argc, char **argv);
int cmd_savings(int argc, char **argv);
int cmd_run(int argc, char **argv);
int cmd_kpageflags(int argc, char **argv);
int cmd_bench(int argc, char **argv);
int cmd_explore(int argc, char **argv);
int bench_lookup(int argc, char **argv);
int bench_cycle(int argc, char **argv);
int bench_scale(int argc, char **argv);
int bench_stress(int argc, char **argv);
int bench_explore(int argc, char **argv);

#endif /* HVOSIM_CLI_H */
