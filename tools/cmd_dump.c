// SPDX-License-Identifier: MIT
/*
 * cmd_dump.c - `hvosim dump`: for a pfn range, each vmemmap page, the frame
 * it maps, RW/RO, and what each struct page decodes to.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "fill.h"

static void usage(FILE *out)
{
	fprintf(out, "usage: hvosim dump [--pfn A-B] [--compound ORDER] [--hugepages SPEC] [--all]\n"
		"                   [--json] [machine options]\n\n"
		"Shows, for the struct pages of pfns A..B, every vmemmap page: the frame it maps,\n"
		"RW or RO, the entry level, and what each struct page decodes to: a head (with\n"
		"its order), a tail of which head (and its compound_info), or a plain page.\n\n"
		"  --pfn A-B          pfn range (default: the compound page or first huge page)\n"
		"  --compound ORDER   allocate and prep a compound page of ORDER first (not hugetlb)\n"
		"  --hugepages SPEC   fill pools first, e.g. 2M:2  [2M:1 unless --compound]\n"
		"  --all              text: one line per struct page instead of runs\n"
		"  --json             one JSON object; every struct page listed\n\n%s",
		CLI_MACHINE_HELP);
}

struct decoded {
	const char *kind;	/* head, tail, plain */
	uint64_t head_pfn;
	uint64_t info;
	uint64_t order;
	bool fake_head;		/* PG_head set but PageHead() false */
};

static void decode(struct hvo_sim *sim, uint64_t pfn, struct decoded *d)
{
	uint64_t page = hvo_pfn_to_page(sim, pfn), head = hvo_compound_head(sim, page), hp = 0;

	memset(d, 0, sizeof(*d));
	hvo_page_read(sim, page, HVO_PW_COMPOUND_INFO, &d->info);
	d->fake_head = hvo_page_test_flag(sim, page, HVO_PG_head) == 1 &&
		       hvo_page_head(sim, page) == 0;
	if (!head) {
		d->kind = "unmapped";
		return;
	}
	hvo_page_to_pfn(sim, head, &hp);
	d->head_pfn = hp;
	if (head != page) {
		d->kind = "tail";
		return;
	}
	if (hvo_page_head(sim, page) == 1) {
		d->kind = "head";
		hvo_folio_get(sim, page, HVO_FOLIO_ORDER, &d->order);
		return;
	}
	d->kind = "plain";
}

static bool same_run(const struct decoded *a, const struct decoded *b)
{
	return !strcmp(a->kind, b->kind) && !strcmp(a->kind, "tail") &&
	       a->head_pfn == b->head_pfn && a->info == b->info && a->fake_head == b->fake_head;
}

int cmd_dump(int argc, char **argv)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	const struct hvo_geometry *g;
	const char *spec = NULL, *range = NULL;
	uint64_t a = 0, b = 0, order = 0, block = UINT64_MAX, start, end, v, ps;
	bool json = false, all = false, have_compound = false;
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
		else if (!strcmp(argv[i], "--all"))
			all = true;
		else if (!strcmp(argv[i], "--pfn") && i + 1 < argc)
			range = argv[++i];
		else if (!strcmp(argv[i], "--hugepages") && i + 1 < argc)
			spec = argv[++i];
		else if (!strcmp(argv[i], "--compound") && i + 1 < argc) {
			if (!cli_parse_u64(argv[++i], &order) || order < 1 || order > 30)
				return cli_bad("dump", "--compound '%s' is not an order in [1, 30]",
					       argv[i]);
			have_compound = true;
		} else
			return cli_bad("dump", "unknown option '%s'", argv[i]);
	}
	if (range && !cli_parse_range(range, &a, &b))
		return cli_bad("dump", "--pfn '%s' is not A-B", range);
	if (!spec && !have_compound)
		spec = "2M:1";
	if (cli_create(&cfg, &sim))
		return 1;
	g = hvo_sim_geometry(sim);
	ps = g->page_size;
	if (cli_fill_pools(sim, spec, false))
		goto fail;
	if (have_compound) {
		if (hvo_alloc_frames(sim, 0, (unsigned int)order, HVO_KIND_OTHER, 0, &block) ||
		    hvo_prep_compound_page(sim, block, (unsigned int)order)) {
			fprintf(stderr, "hvosim dump: cannot make a compound page of order %" PRIu64
				": %s\n", order, hvo_last_error());
			goto fail;
		}
		if (!range) {
			a = block;
			b = block + (1ull << order) - 1;
		}
	} else if (!range) {
		uint64_t nr;

		if (cli_first_folio(sim, &a, &nr)) {
			fprintf(stderr, "hvosim dump: nothing to show; give --pfn\n");
			goto fail;
		}
		b = a + nr - 1;
	}
	if (b < a || b >= g->nr_pfns || b - a >= (1u << 20)) {
		fprintf(stderr, "hvosim dump: pfn range %#" PRIx64 "-%#" PRIx64 " is empty, longer "
			"than 1M pfns or beyond the last pfn %#" PRIx64 "\n", a, b, g->nr_pfns - 1);
		goto fail;
	}
	hvo_vmemmap_range(sim, a, b - a + 1, &start, &end);
	if (json) {
		json_init(&j, stdout);
		json_obj(&j, NULL);
		json_str(&j, "scheme", hvo_scheme_name(cfg.scheme));
		json_str(&j, "encoding", g->mask_encoding ? "mask" : "pointer");
		json_u64(&j, "page_shift", g->page_shift);
		json_u64(&j, "struct_page_size", g->stride);
		json_u64(&j, "vmemmap_base", g->vmemmap_base);
		json_u64(&j, "first_pfn", a);
		json_u64(&j, "last_pfn", b);
		json_arr(&j, "vmemmap_pages");
	} else {
		printf("scheme %s, %s encoding, %u-byte struct page, %" PRIu64 "-byte pages; "
		       "pfns %#" PRIx64 "-%#" PRIx64 "\n", hvo_scheme_name(cfg.scheme),
		       g->mask_encoding ? "mask" : "pointer", g->stride, ps, a, b);
	}
	for (v = start & ~(ps - 1); v < end; v += ps) {
		struct hvo_translation tr;
		uint64_t first, last, p;
		struct decoded d, prev = { .kind = "" };
		uint64_t run_start = 0, run = 0;

		/* the struct pages that start in this vmemmap page */
		first = v <= start ? a : a + (v - start + g->stride - 1) / g->stride;
		last = a + (v + ps - start + g->stride - 1) / g->stride;
		if (last > b + 1)
			last = b + 1;
		r = hvo_vmemmap_translate(sim, v, &tr);
		if (json) {
			json_obj(&j, NULL);
			json_u64(&j, "vaddr", v);
			json_bool(&j, "mapped", r == 0);
			if (!r) {
				json_u64(&j, "frame", tr.frame_pfn);
				json_bool(&j, "writable", tr.writable);
				json_str(&j, "level", tr.level ? "pmd" : "pte");
			}
			json_arr(&j, "struct_pages");
		} else if (r) {
			printf("vmemmap %#" PRIx64 ": not mapped\n", v);
		} else {
			struct hvo_frame_info fi;

			hvo_frame_info(sim, tr.frame_pfn, &fi);
			printf("vmemmap %#" PRIx64 " -> frame %#" PRIx64 " %s %s (%s)\n", v,
			       tr.frame_pfn, tr.writable ? "RW" : "RO", tr.level ? "PMD leaf" : "PTE",
			       hvo_kind_name(fi.kind));
		}
		for (p = first; !r && p < last; p++) {
			decode(sim, p, &d);
			if (json) {
				json_obj(&j, NULL);
				json_u64(&j, "pfn", p);
				json_str(&j, "kind", d.kind);
				if (!strcmp(d.kind, "tail")) {
					json_u64(&j, "head", d.head_pfn);
					json_u64(&j, "compound_info", d.info);
				}
				if (!strcmp(d.kind, "head"))
					json_u64(&j, "order", d.order);
				if (d.fake_head)
					json_bool(&j, "fake_head", true);
				json_end_obj(&j);
				continue;
			}
			if (!all && run && same_run(&prev, &d)) {
				run++;
				continue;
			}
			if (run > 1)
				printf("    pfn %#" PRIx64 "-%#" PRIx64 ": tail of %#" PRIx64 " (x%" PRIu64
				       ", compound_info %#" PRIx64 "%s)\n", run_start, p - 1,
				       prev.head_pfn, run, prev.info, prev.fake_head ? ", fake head" : "");
			else if (run == 1 && !strcmp(prev.kind, "tail"))
				printf("    pfn %#" PRIx64 ": tail of %#" PRIx64 " (compound_info %#"
				       PRIx64 "%s)\n", run_start, prev.head_pfn, prev.info,
				       prev.fake_head ? ", fake head" : "");
			run = 0;
			if (!strcmp(d.kind, "tail")) {
				prev = d;
				run_start = p;
				run = 1;
				continue;
			}
			if (!strcmp(d.kind, "head"))
				printf("    pfn %#" PRIx64 ": head, order %" PRIu64 "\n", p, d.order);
			else
				printf("    pfn %#" PRIx64 ": %s\n", p, d.kind);
		}
		if (!json && run > 1)
			printf("    pfn %#" PRIx64 "-%#" PRIx64 ": tail of %#" PRIx64 " (x%" PRIu64
			       ", compound_info %#" PRIx64 "%s)\n", run_start, last - 1, prev.head_pfn,
			       run, prev.info, prev.fake_head ? ", fake head" : "");
		else if (!json && run == 1)
			printf("    pfn %#" PRIx64 ": tail of %#" PRIx64 " (compound_info %#" PRIx64
			       "%s)\n", run_start, prev.head_pfn, prev.info,
			       prev.fake_head ? ", fake head" : "");
		if (json) {
			json_end_arr(&j);
			json_end_obj(&j);
		}
	}
	if (json) {
		json_end_arr(&j);
		json_end_obj(&j);
		json_done(&j);
	}
	if (block != UINT64_MAX) {
		hvo_destroy_compound_page(sim, block, (unsigned int)order);
		hvo_free_frames(sim, block, (unsigned int)order);
	}
	hvo_sim_destroy(sim);
	return 0;
fail:
	if (block != UINT64_MAX)
		hvo_free_frames(sim, block, (unsigned int)order);
	hvo_sim_destroy(sim);
	return 1;
}
