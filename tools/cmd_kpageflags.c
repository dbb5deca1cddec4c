// SPDX-License-Identifier: MIT
/*
 * cmd_kpageflags.c - `hvosim kpageflags`: the /proc/kpageflags view, and the
 * kernel selftest's rule (hugepage-vmemmap.c) checked on every folio shown.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fill.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: hvosim kpageflags [--pfn A-B] [--hugepages SPEC] [--json] [machine options]\n\n"
		"Prints the /proc/kpageflags bits HVO can affect (COMPOUND_HEAD, COMPOUND_TAIL,\n"
		"HUGE, BUDDY) for pfns A..B inclusive (default: the first huge page), and checks\n"
		"the kernel selftest's rule: a hugetlb head pfn is HEAD|HUGE, every other pfn\n"
		"of the folio TAIL|HUGE and not HEAD.\n\n"
		"  --pfn A-B          pfn range (hex with 0x or decimal), at most 1M pfns\n"
		"  --hugepages SPEC   pools to fill first, e.g. 2M:16,1G:1  [2M:4]\n\n%s",
		CLI_MACHINE_HELP);
}

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

int cmd_kpageflags(int argc, char **argv)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	const char *spec = "2M:4", *range = NULL;
	uint64_t a = 0, b = 0, p, prev = UINT64_MAX, run = 0, bad = 0;
	bool json = false;
	struct json j;
	int i, r, code;

	cli_config_defaults(&cfg);
	for (i = 1; i < argc; i++) {
		r = cli_common_opt(&cfg, argc, argv, &i, usage, &code);
		if (r == CLI_OPT_EXIT)
			return code;
		if (r == CLI_OPT_TAKEN)
			continue;
		if (!strcmp(argv[i], "--json"))
			json = true;
		else if (!strcmp(argv[i], "--pfn") && i + 1 < argc)
			range = argv[++i];
		else if (!strcmp(argv[i], "--hugepages") && i + 1 < argc)
			spec = argv[++i];
		else
			return cli_bad("kpageflags", "unknown option '%s'", argv[i]);
	}
	if (range && !cli_parse_range(range, &a, &b))
		return cli_bad("kpageflags", "--pfn '%s' is not A-B", range);
	if (cli_create(&cfg, &sim))
		return 1;
	if (cli_fill_pools(sim, spec, false)) {
		hvo_sim_destroy(sim);
		return 1;
	}
	if (!range) {
		uint64_t head;

		if (cli_first_folio(sim, &head, &b)) {
			fprintf(stderr, "hvosim kpageflags: no huge page to show; give --pfn\n");
			hvo_sim_destroy(sim);
			return 1;
		}
		a = head;
		b = head + b - 1;
	}
	if (b < a || b - a >= (1u << 20) || b >= hvo_sim_geometry(sim)->nr_pfns) {
		fprintf(stderr, "hvosim kpageflags: pfn range %#" PRIx64 "-%#" PRIx64
			" is empty, too long or beyond the last pfn %#" PRIx64 "\n", a, b,
			hvo_sim_geometry(sim)->nr_pfns - 1);
		hvo_sim_destroy(sim);
		return 2;
	}
	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "scheme", hvo_scheme_name(cfg.scheme));
		json_arr(&j, "pfns");
	} else {
		printf("scheme %s, pfns %#" PRIx64 "-%#" PRIx64 "\n", hvo_scheme_name(cfg.scheme), a, b);
	}
	for (p = a; p <= b + 1; p++) {
		uint64_t f = 0;
		struct hvo_folio_info fi;
		char buf[96];

		if (p <= b) {
			hvo_kpageflags(sim, p, &f);
			/* the selftest's rule for hugetlb folios */
			if (!hvo_folio_lookup(sim, p, &fi)) {
				uint64_t want = (1ull << HVO_KPF_HUGE) |
					(1ull << (p == fi.head_pfn ? HVO_KPF_COMPOUND_HEAD :
						  HVO_KPF_COMPOUND_TAIL));

				if ((f & ((1ull << HVO_KPF_HUGE) | (1ull << HVO_KPF_COMPOUND_HEAD) |
					  (1ull << HVO_KPF_COMPOUND_TAIL))) != want)
					bad++;
			}
		}
		if (json) {
			if (p > b)
				break;
			json_obj(&j, NULL);
			json_u64(&j, "pfn", p);
			json_u64(&j, "flags", f);
			json_end_obj(&j);
			continue;
		}
		/* text: one line per run of equal flags */
		if (p <= b && f == prev) {
			run++;
			continue;
		}
		if (prev != UINT64_MAX) {
			flags_str(prev, buf, sizeof(buf));
			printf("  %#10" PRIx64 "  x%-8" PRIu64 " %#018" PRIx64 "  %s\n", p - run, run,
			       prev, buf);
		}
		prev = f;
		run = 1;
	}
	if (json) {
		json_end_arr(&j);
		json_u64(&j, "selftest_violations", bad);
		json_end_obj(&j);
		json_done(&j);
	} else {
		printf("selftest rule (head HEAD|HUGE, tails TAIL|HUGE): %s (%" PRIu64 " bad pfns)\n",
		       bad ? "FAIL" : "pass", bad);
	}
	hvo_sim_destroy(sim);
	return bad ? 1 : 0;
}
