// SPDX-License-Identifier: MIT
/*
 * cmd_dump.c - `hvosim dump`: for a pfn range, each vmemmap page, the frame
 * it maps, RW/RO, and what each struct page decodes to.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"

#define CMD "dump"

static const char about[] =
	"Shows, for the struct pages of pfns A..B, every vmemmap page: the frame it maps,\n"
	"RW or RO, the entry level, and what each struct page decodes to: a head (with\n"
	"its order), a tail of which head (and its compound_info), or a plain page.\n"
	"With --json every struct page is listed.\n";

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

struct dump {
	struct cli_args args;
	const char *spec, *range;
	uint64_t order;
	bool all, have_compound;
	struct hvo_sim *sim;
	const struct hvo_geometry *g;
	uint64_t a, b, block;
	struct json j;
};

static int dump_parse(struct dump *D, int argc, char **argv)
{
	const struct cli_opt opts[] = {
		{ .name = "pfn", .meta = "A-B", .kind = CLI_STR, .val = &D->range,
		  .def = "the compound page or first huge page", .help = "pfn range" },
		{ .name = "compound", .meta = "ORDER", .kind = CLI_U64, .val = &D->order, .min = 1,
		  .max = 30, .seen = &D->have_compound, .def = "",
		  .help = "allocate and prep a compound page of ORDER first (not hugetlb)" },
		{ .name = "hugepages", .meta = "SPEC", .kind = CLI_STR, .val = &D->spec,
		  .def = "1 of the smallest size, unless --compound",
		  .help = "fill pools first, e.g. 2M:2" },
		{ .name = "all", .kind = CLI_FLAG, .val = &D->all,
		  .help = "text: one line per struct page instead of runs" },
		{ .name = NULL },
	};
	const struct cli_spec spec = { .cmd = CMD, .about = about, .opts = opts, .machine = "*" };

	cli_args_init(&D->args);
	return cli_parse(&spec, &D->args, argc, argv);
}

static int dump_no_compound(const struct dump *D)
{
	fprintf(stderr, "hvosim " CMD ": cannot make a compound page of order %" PRIu64 ": %s\n",
		D->order, hvo_last_error());
	return CLI_USAGE;
}

/* the compound page to show, if asked for, and the pfn range */
static int dump_target(struct dump *D)
{
	uint64_t nr;

	if (D->have_compound) {
		unsigned int order = (unsigned int)D->order;
		uint64_t blk;

		if (hvo_alloc_frames(D->sim, 0, order, HVO_KIND_OTHER, 0, &blk))
			return dump_no_compound(D);
		if (hvo_prep_compound_page(D->sim, blk, order)) {
			hvo_free_frames(D->sim, blk, order);
			return dump_no_compound(D);
		}
		D->block = blk;
		if (!D->range) {
			D->a = D->block;
			D->b = D->block + (1ull << D->order) - 1;
		}
	} else if (!D->range) {
		if (cli_first_folio(D->sim, &D->a, &nr)) {
			fprintf(stderr, "hvosim " CMD ": nothing to show; give --pfn\n");
			return CLI_USAGE;
		}
		D->b = D->a + nr - 1;
	}
	if (D->b < D->a || D->b >= D->g->nr_pfns || D->b - D->a >= (1u << 20)) {
		fprintf(stderr, "hvosim " CMD ": pfn range %#" PRIx64 "-%#" PRIx64 " is empty, longer "
			"than 1M pfns or beyond the last pfn %#" PRIx64 "\n", D->a, D->b,
			D->g->nr_pfns - 1);
		return CLI_USAGE;
	}
	return CLI_OK;
}

static void dump_head(struct dump *D)
{
	const struct hvo_geometry *g = D->g;
	const char *scheme = hvo_scheme_name(D->args.cfg.scheme);

	if (!D->args.json) {
		printf("scheme %s, %s encoding, %u-byte struct page, %" PRIu64 "-byte pages; "
		       "pfns %#" PRIx64 "-%#" PRIx64 "\n", scheme,
		       g->mask_encoding ? "mask" : "pointer", g->stride, g->page_size, D->a, D->b);
		return;
	}
	json_init(&D->j, stdout);
	json_obj(&D->j, NULL);
	json_str(&D->j, "scheme", scheme);
	json_str(&D->j, "encoding", g->mask_encoding ? "mask" : "pointer");
	json_u64(&D->j, "page_shift", g->page_shift);
	json_u64(&D->j, "struct_page_size", g->stride);
	json_hex(&D->j, "vmemmap_base", g->vmemmap_base);
	json_u64(&D->j, "first_pfn", D->a);
	json_u64(&D->j, "last_pfn", D->b);
	json_arr(&D->j, "vmemmap_pages");
}

static void json_struct_pages(struct dump *D, uint64_t first, uint64_t last)
{
	struct json *j = &D->j;
	struct decoded d;
	uint64_t p;

	for (p = first; p < last; p++) {
		decode(D->sim, p, &d);
		json_obj(j, NULL);
		json_u64(j, "pfn", p);
		json_str(j, "kind", d.kind);
		if (!strcmp(d.kind, "tail")) {
			json_u64(j, "head", d.head_pfn);
			json_hex(j, "compound_info", d.info);
		}
		if (!strcmp(d.kind, "head"))
			json_u64(j, "order", d.order);
		if (d.fake_head)
			json_bool(j, "fake_head", true);
		json_end_obj(j);
	}
}

static void print_tail_run(const struct decoded *d, uint64_t start, uint64_t n)
{
	if (n > 1)
		printf("    pfn %#" PRIx64 "-%#" PRIx64 ": tail of %#" PRIx64 " (x%" PRIu64
		       ", compound_info %#" PRIx64 "%s)\n", start, start + n - 1, d->head_pfn, n,
		       d->info, d->fake_head ? ", fake head" : "");
	else
		printf("    pfn %#" PRIx64 ": tail of %#" PRIx64 " (compound_info %#" PRIx64 "%s)\n",
		       start, d->head_pfn, d->info, d->fake_head ? ", fake head" : "");
}

/* text: runs of tails of the same head in one line, unless --all */
static void text_struct_pages(struct dump *D, uint64_t first, uint64_t last)
{
	struct decoded d, prev = { .kind = "" };
	uint64_t p, run_start = 0, run = 0;

	for (p = first; p < last; p++) {
		decode(D->sim, p, &d);
		if (!D->all && run && same_run(&prev, &d)) {
			run++;
			continue;
		}
		if (run)
			print_tail_run(&prev, run_start, run);
		run = 0;
		if (!strcmp(d.kind, "tail")) {
			prev = d;
			run_start = p;
			run = 1;
		} else if (!strcmp(d.kind, "head")) {
			printf("    pfn %#" PRIx64 ": head, order %" PRIu64 "\n", p, d.order);
		} else {
			printf("    pfn %#" PRIx64 ": %s\n", p, d.kind);
		}
	}
	if (run)
		print_tail_run(&prev, run_start, run);
}

/* one vmemmap page: the frame it maps, and the struct pages that start in it */
static void dump_page(struct dump *D, uint64_t v, uint64_t start)
{
	const struct hvo_geometry *g = D->g;
	uint64_t first, last, ps = g->page_size;
	struct hvo_translation tr;
	struct hvo_frame_info fi;
	int r = hvo_vmemmap_translate(D->sim, v, &tr);

	first = v <= start ? D->a : D->a + (v - start + g->stride - 1) / g->stride;
	last = D->a + (v + ps - start + g->stride - 1) / g->stride;
	if (last > D->b + 1)
		last = D->b + 1;
	if (D->args.json) {
		json_obj(&D->j, NULL);
		json_hex(&D->j, "vaddr", v);
		json_bool(&D->j, "mapped", r == 0);
		if (!r) {
			json_u64(&D->j, "frame", tr.frame_pfn);
			json_bool(&D->j, "writable", tr.writable);
			json_str(&D->j, "level", tr.level ? "pmd" : "pte");
		}
		json_arr(&D->j, "struct_pages");
		if (!r)
			json_struct_pages(D, first, last);
		json_end_arr(&D->j);
		json_end_obj(&D->j);
		return;
	}
	if (r) {
		printf("vmemmap %#" PRIx64 ": not mapped\n", v);
		return;
	}
	hvo_frame_info(D->sim, tr.frame_pfn, &fi);
	printf("vmemmap %#" PRIx64 " -> frame %#" PRIx64 " %s %s (%s)\n", v, tr.frame_pfn,
	       tr.writable ? "RW" : "RO", tr.level ? "PMD leaf" : "PTE", hvo_kind_name(fi.kind));
	text_struct_pages(D, first, last);
}

static void dump_release(struct dump *D)
{
	if (D->block != UINT64_MAX) {
		hvo_destroy_compound_page(D->sim, D->block, (unsigned int)D->order);
		hvo_free_frames(D->sim, D->block, (unsigned int)D->order);
	}
	hvo_sim_destroy(D->sim);
}

int cmd_dump(int argc, char **argv)
{
	struct dump D = { .block = UINT64_MAX };
	uint64_t start, end, v;
	char pools[48];
	int r = dump_parse(&D, argc, argv);

	if (r != CLI_GO)
		return r;
	if (D.range && !cli_parse_range(D.range, &D.a, &D.b))
		return cli_bad(CMD, "--pfn '%s' is not A-B", D.range);
	r = cli_create(CMD, &D.args.cfg, &D.sim);
	if (r)
		return r;
	D.g = hvo_sim_geometry(D.sim);
	if (!D.spec && !D.have_compound)
		D.spec = cli_default_pools(D.sim, 1, pools, sizeof(pools));
	r = cli_fill_pools(D.sim, D.spec, false) ? CLI_USAGE : dump_target(&D);
	if (r) {
		dump_release(&D);
		return r;
	}
	hvo_vmemmap_range(D.sim, D.a, D.b - D.a + 1, &start, &end);
	dump_head(&D);
	for (v = start & ~(D.g->page_size - 1); v < end; v += D.g->page_size)
		dump_page(&D, v, start);
	if (D.args.json) {
		json_end_arr(&D.j);
		json_end_obj(&D.j);
		json_done(&D.j);
	}
	dump_release(&D);
	return CLI_OK;
}
