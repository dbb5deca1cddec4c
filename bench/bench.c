// SPDX-License-Identifier: MIT
/*
 * bench.c - the list of benchmarks `hvosim bench` dispatches to, and what
 * they share: the host conditions of a run and the spread of its ratios.
 */
#include "bench.h"

const struct cli_cmd bench_cmds[] = {
	{ "lookup", "compound_head() through the simulated vmemmap vs a flat array", bench_lookup },
	{ "cycle", "optimize+restore cycles per scheme vs memcpy of the same pages", bench_cycle },
	{ "init", "first touch of struct pages and 2M pool growth vs their initialised floors",
	  bench_init },
	{ "scale", "a simulated 1 TiB host: build time, peak RSS, vmemmap saved", bench_scale },
	{ "stress", "optimizers and walkers on threads: fake-head (+RCU) vs shared-tail", bench_stress },
	{ "explore", "the schedule explorer: switch, reset, schedules/s, runs to each known race", bench_explore },
};
const size_t bench_nr_cmds = sizeof(bench_cmds) / sizeof(bench_cmds[0]);

void bench_host_start(struct bench_host *h)
{
	cli_cpu_model(h->cpu, sizeof(h->cpu));
	h->nproc = cli_nproc();
	cli_loadavg(h->load_start);
	h->load_end[0] = h->load_end[1] = h->load_end[2] = -1;
}

void bench_host_end(struct bench_host *h)
{
	cli_loadavg(h->load_end);
}

void bench_host_print(const struct bench_host *h, FILE *out)
{
	fprintf(out, "host: %s, %u CPU%s, load average %.2f %.2f %.2f at start", h->cpu,
		h->nproc, h->nproc == 1 ? "" : "s", h->load_start[0], h->load_start[1],
		h->load_start[2]);
	if (h->load_end[0] >= 0)
		fprintf(out, ", %.2f %.2f %.2f at end", h->load_end[0], h->load_end[1],
			h->load_end[2]);
	fputc('\n', out);
	/* a load above the CPU count means the figures were shared with others */
	if (h->load_start[0] > (double)h->nproc || h->load_end[0] > (double)h->nproc)
		fprintf(out, "note: the load exceeded the CPU count: other work shared the "
			"CPUs, absolute times are pessimistic; compare the ratios\n");
}

void bench_host_json(struct json *j, const struct bench_host *h)
{
	unsigned int i;

	json_obj(j, "host");
	json_str(j, "cpu_model", h->cpu);
	json_u64(j, "nproc", h->nproc);
	json_arr(j, "loadavg_start");
	for (i = 0; i < 3; i++)
		json_dbl(j, NULL, h->load_start[i]);
	json_end_arr(j);
	json_arr(j, "loadavg_end");
	for (i = 0; i < 3; i++)
		json_dbl(j, NULL, h->load_end[i]);
	json_end_arr(j);
	json_end_obj(j);
}

void bench_spread_of(const double *v, unsigned int n, struct bench_spread *s)
{
	s->n = n;
	if (!n) {
		s->min = s->median = s->max = 0;
		return;
	}
	s->median = cli_median(v, n);
	cli_min_max(v, n, &s->min, &s->max);
}

const char *bench_spread_str(const struct bench_spread *s, const char *what, char *buf,
			     size_t len)
{
	snprintf(buf, len, "%.2f (min %.2f, max %.2f, %u %s)", s->median, s->min, s->max, s->n,
		 what);
	return buf;
}

void bench_spread_json(struct json *j, const char *key, const struct bench_spread *s,
		       const double *values)
{
	unsigned int i;

	json_obj(j, key);
	json_dbl(j, "min", s->min);
	json_dbl(j, "median", s->median);
	json_dbl(j, "max", s->max);
	json_u64(j, "n", s->n);
	if (values) {
		json_arr(j, "values");
		for (i = 0; i < s->n; i++)
			json_dbl(j, NULL, values[i]);
		json_end_arr(j);
	}
	json_end_obj(j);
}
