/* SPDX-License-Identifier: MIT */
/*
 * util.h - small helpers the CLI, the benchmarks and the stress tests share:
 * clocks (a harness may read them; the library does not), sizes in words,
 * medians, the one seeded random sequence, and progress lines.
 */
#ifndef HVOSIM_HARNESS_UTIL_H
#define HVOSIM_HARNESS_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

double cli_now(void);
/* the peak resident set since the start or the last cli_peak_rss_reset()
 * (VmHWM; getrusage()'s ru_maxrss where /proc has none) */
uint64_t cli_peak_rss_bytes(void);
/* restart the peak (/proc/self/clear_refs); false: it cannot, the peak
 * stays that of the whole process */
bool cli_peak_rss_reset(void);
/* the resident set now (VmRSS), 0 if unknown */
uint64_t cli_rss_bytes(void);

/* "1.50 GiB": for people */
const char *cli_bytes(uint64_t b, char *buf, size_t len);
/* "2M", "1G", "4096": exact, in the form hvo_parse_size() reads back */
const char *cli_size(uint64_t b, char *buf, size_t len);
/* "4,096" */
const char *cli_thousands(uint64_t v, char *buf, size_t len);

/* a whole non-negative number (decimal, or hex with 0x) */
bool cli_parse_u64(const char *s, uint64_t *out);

/* the median of @n values (the mean of the middle two when @n is even) */
double cli_median(const double *v, unsigned int n);
/* the smallest and the largest of @n >= 1 values */
void cli_min_max(const double *v, unsigned int n, double *min, double *max);

/*
 * The host a measurement ran on, for benchmarks to print next to their
 * figures: the CPU model (/proc/cpuinfo "model name", else "unknown"), the
 * CPUs online, and the load averages (/proc/loadavg; -1 when unreadable).
 */
void cli_cpu_model(char *buf, size_t len);
unsigned int cli_nproc(void);
void cli_loadavg(double load[3]);

/*
 * Progress: on a terminal, one line on stderr rewritten in place ("\r");
 * anywhere else (a log, a pipe) nothing, so logs hold only whole lines.
 * cli_progress_end() clears the line.
 */
bool cli_tty(void);
void cli_progress(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void cli_progress_end(void);
/* a step of a long command worth a line in a log too: the progress line on
 * a terminal, a whole line on stderr anywhere else */
void cli_step(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* splitmix64: the harness's one seeded pseudo-random sequence */
static inline uint64_t cli_splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

#endif
