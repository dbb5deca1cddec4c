// SPDX-License-Identifier: MIT
/*
 * cmd_kpageflags.c - `hvosim kpageflags`: the /proc/kpageflags view, and the
 * kernel selftest's rule (hugepage-vmemmap.c) checked on every folio shown.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"

#define CMD "kpageflags"

static const char about[] =
	"Prints the /proc/kpageflags bits HVO can affect (COMPOUND_HEAD, COMPOUND_TAIL,\n"
	"HUGE, BUDDY) for pfns A..B inclusive (default: the first huge page), and checks\n"
	"the kernel selftest's rule: a hugetlb head pfn is HEAD|HUGE, every other pfn\n"
	"of the folio TAIL|HUGE and not HEAD.\n";

static void flags_str(uint64_t f, char *buf, size_t len)
{
	buf[0] = 0;
	if (f & (1ull << HVO_KPF_COMPOUND_HEAD))
		strncat(buf, "COMPOUND_HEAD|", len - strlen(buf) - 1);
	if (f & (1ull << HVO_KPF_COMPOUND_TAIL))
		strncat(buf, "COMPOUND_TAIL|", len - strlen(buf) - 1);
	if (f & (1ull << HVO_KPF_HUGE))
		strncat(buf, "HUGE|", len - strlen(buf) - 1);
	if (f & (1ull << HVO_KPF_BUDDY))
		strncat(buf, "BUDDY|", len - strlen(buf) - 1);
	if (buf[0])
		buf[strlen(buf) - 1] = 0;
	else
		snprintf(buf, len, "-");
}

/* the selftest's rule (hugepage-vmemmap.c) for a pfn of a hugetlb folio */
static bool selftest_bad(struct hvo_sim *sim, uint64_t pfn, uint64_t f)
{
	const uint64_t bits = (1ull << HVO_KPF_HUGE) | (1ull << HVO_KPF_COMPOUND_HEAD) |
			      (1ull << HVO_KPF_COMPOUND_TAIL);
	struct hvo_folio_info fi;
	uint64_t want;

	if (hvo_folio_lookup(sim, pfn, &fi))
		return false;
	want = (1ull << HVO_KPF_HUGE) |
	       (1ull << (pfn == fi.head_pfn ? HVO_KPF_COMPOUND_HEAD : HVO_KPF_COMPOUND_TAIL));
	return (f & bits) != want;
}

static void flags_line(uint64_t first, uint64_t n, uint64_t f)
{
	char buf[96];

	flags_str(f, buf, sizeof(buf));
	printf("  %#10" PRIx64 "  x%-8" PRIu64 " 0x%016" PRIx64 "  %s\n", first, n, f, buf);
}

/* every pfn of [a, b]: JSON one object each, text one line per run of equal
 * flags; returns the pfns that break the selftest's rule */
static uint64_t show_range(struct hvo_sim *sim, uint64_t a, uint64_t b, struct json *j)
{
	uint64_t p, f, prev = 0, run = 0, bad = 0;

	for (p = a; p <= b; p++) {
		f = 0;
		hvo_kpageflags(sim, p, &f);
		bad += selftest_bad(sim, p, f);
		if (j) {
			json_obj(j, NULL);
			json_u64(j, "pfn", p);
			json_hex(j, "flags", f);
			json_end_obj(j);
			continue;
		}
		if (run && f == prev) {
			run++;
			continue;
		}
		if (run)
			flags_line(p - run, run, prev);
		prev = f;
		run = 1;
	}
	if (run)
		flags_line(b + 1 - run, run, prev);
	return bad;
}

static int kpf_range(struct hvo_sim *sim, const char *range, uint64_t *a, uint64_t *b)
{
	uint64_t nr_pfns = hvo_sim_geometry(sim)->nr_pfns;

	if (!range && cli_first_folio(sim, a, b)) {
		fprintf(stderr, "hvosim " CMD ": no huge page to show; give --pfn\n");
		return CLI_USAGE;
	}
	if (!range)
		*b = *a + *b - 1;
	if (*b < *a || *b - *a >= (1u << 20) || *b >= nr_pfns) {
		fprintf(stderr, "hvosim " CMD ": pfn range %#" PRIx64 "-%#" PRIx64 " is empty, too "
			"long or beyond the last pfn %#" PRIx64 "\n", *a, *b, nr_pfns - 1);
		return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_kpageflags(int argc, char **argv)
{
	const char *spec = NULL, *range = NULL;
	const struct cli_opt opts[] = {
		{ .name = "pfn", .meta = "A-B", .kind = CLI_STR, .val = &range,
		  .def = "the first huge page",
		  .help = "pfn range (hex with 0x or decimal), at most 1M pfns" },
		{ .name = "hugepages", .meta = "SPEC", .kind = CLI_STR, .val = &spec,
		  .def = "4 of the smallest size, at most 1/4 of memory",
		  .help = "pools to fill first, e.g. 2M:16,1G:1" },
		{ .name = NULL },
	};
	const struct cli_spec cs = { .cmd = CMD, .about = about, .opts = opts, .machine = "*" };
	struct cli_args args;
	struct hvo_sim *sim;
	uint64_t a = 0, b = 0, bad;
	char pools[48];
	struct json j;
	int r;

	cli_args_init(&args);
	r = cli_parse(&cs, &args, argc, argv);
	if (r != CLI_GO)
		return r;
	if (range && !cli_parse_range(range, &a, &b))
		return cli_bad(CMD, "--pfn '%s' is not A-B", range);
	r = cli_create(CMD, &args.cfg, &sim);
	if (r)
		return r;
	if (!spec)
		spec = cli_default_pools(sim, 4, pools, sizeof(pools));
	r = cli_fill_pools(sim, spec, false) ? CLI_USAGE : kpf_range(sim, range, &a, &b);
	if (r) {
		hvo_sim_destroy(sim);
		return r;
	}
	if (args.json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "scheme", hvo_scheme_name(args.cfg.scheme));
		json_arr(&j, "pfns");
		bad = show_range(sim, a, b, &j);
		json_end_arr(&j);
		json_u64(&j, "selftest_violations", bad);
		json_end_obj(&j);
		json_done(&j);
	} else {
		printf("scheme %s, pfns %#" PRIx64 "-%#" PRIx64 "\n",
		       hvo_scheme_name(args.cfg.scheme), a, b);
		bad = show_range(sim, a, b, NULL);
		printf("selftest rule (head HEAD|HUGE, tails TAIL|HUGE): %s (%" PRIu64 " bad pfns)\n",
		       bad ? "FAIL" : "pass", bad);
	}
	hvo_sim_destroy(sim);
	return bad ? CLI_FINDING : CLI_OK;
}
