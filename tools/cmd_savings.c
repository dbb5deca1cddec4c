// SPDX-License-Identifier: MIT
/*
 * cmd_savings.c - `hvosim savings`: per hstate of a geometry, the vmemmap of
 * one huge page and what HVO frees, measured by running the simulator:
 * prepare a compound page and count the vmemmap frames its struct pages
 * occupy, then grow the pool by one folio (which HVO optimizes) and count
 * the vmemmap frames that went away.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"

#define CMD "savings"

static const char about[] =
	"For every hstate of the geometry (with the arm64 contiguous sizes): vmemmap\n"
	"pages per huge page, pages HVO frees, whether it is optimizable, and bytes\n"
	"saved per huge page and per TiB of huge pages, measured on a machine built for\n"
	"each size.  A struct page that is not a power of 2 is measured as the kernel\n"
	"runs it: the scheme stays, no hstate is optimizable, nothing is freed.\n";

struct row {
	uint64_t bytes;
	char name[32];
	uint64_t vmemmap_bytes;		/* measured: span of its struct pages */
	uint64_t vmemmap_frames;	/* measured: distinct frames mapping it */
	int64_t freed;			/* measured: vmemmap frames HVO gave back */
	bool optimizable;
	uint64_t shared_tails;		/* frames the first folio of a zone adds */
};

/* a machine big enough for two folios of hstate @h: learn the size on a
 * probe machine first */
static int sized_config(const struct hvo_config *base, unsigned int h, struct hvo_config *cfg)
{
	uint64_t sec = 1ull << (base->page_shift == 16 ? 29 : 27), mem;
	struct hvo_hstate_info hi;
	struct hvo_sim *sim;
	int r;

	*cfg = *base;
	cfg->nr_nodes = 1;
	cfg->node_mem_bytes[0] = cfg->page_shift == 16 ? 2ull << 30 : 1ull << 30;
	r = cli_create(CMD, cfg, &sim);
	if (r)
		return r;
	hvo_hstate_info(sim, h, &hi);
	hvo_sim_destroy(sim);
	mem = 2 * hi.bytes + (512ull << 20);
	mem = (mem + sec - 1) / sec * sec;
	if (mem > cfg->node_mem_bytes[0])
		cfg->node_mem_bytes[0] = mem;
	return 0;
}

/* vmemmap of one huge page: the frames its struct pages live in */
static int measure_vmemmap(struct hvo_sim *sim, const struct hvo_hstate_info *hi,
			   struct row *row)
{
	uint64_t blk, start, end, v, last = UINT64_MAX, frames = 0;
	int r = hvo_alloc_frames(sim, 0, hi->order, HVO_KIND_OTHER, 0, &blk);

	if (!r && hvo_prep_compound_page(sim, blk, hi->order)) {
		hvo_free_frames(sim, blk, hi->order);
		r = -1;
	}
	if (r) {
		fprintf(stderr, "hvosim " CMD ": %s: %s\n", hi->name, hvo_last_error());
		return -1;
	}
	hvo_vmemmap_range(sim, blk, 1ull << hi->order, &start, &end);
	row->vmemmap_bytes = end - start;
	for (v = start; v < end; v = (v | (hvo_sim_geometry(sim)->page_size - 1)) + 1) {
		struct hvo_translation tr;

		if (!hvo_vmemmap_translate(sim, v, &tr) && tr.frame_pfn != last) {
			frames++;
			last = tr.frame_pfn;
		}
	}
	row->vmemmap_frames = frames;
	hvo_destroy_compound_page(sim, blk, hi->order);
	hvo_free_frames(sim, blk, hi->order);
	return 0;
}

/* what HVO frees: one folio into the pool, optimized on the way in */
static int measure_hvo(struct hvo_sim *sim, const struct hvo_hstate_info *hi, struct row *row)
{
	struct hvo_stats s0, s1;
	struct hvo_folio_info fi;
	uint64_t got, pfn;
	int r;

	hvo_sim_stats(sim, &s0);
	r = hvo_pool_resize(sim, hi->index, 0, 1, &got);
	hvo_sim_stats(sim, &s1);
	if (r || got != 1) {
		fprintf(stderr, "hvosim " CMD ": %s: cannot allocate one: %s\n", hi->name,
			hvo_last_error());
		return -1;
	}
	row->freed = (int64_t)s0.in_use[HVO_KIND_VMEMMAP] - (int64_t)s1.in_use[HVO_KIND_VMEMMAP];
	row->shared_tails = s1.in_use[HVO_KIND_SHARED_TAIL] - s0.in_use[HVO_KIND_SHARED_TAIL];
	hvo_folio_list(sim, hi->index, &pfn, 1);
	hvo_folio_lookup(sim, pfn, &fi);
	if (row->optimizable != fi.optimized)
		fprintf(stderr, "hvosim " CMD ": %s: optimizable %d but folio optimized %d\n",
			hi->name, row->optimizable, fi.optimized);
	hvo_pool_resize(sim, hi->index, 0, 0, &got);
	return 0;
}

static int measure(const struct hvo_config *base, unsigned int h, struct row *row)
{
	struct hvo_config cfg;
	struct hvo_hstate_info hi;
	struct hvo_sim *sim;
	int r = sized_config(base, h, &cfg);

	if (r)
		return r;
	r = cli_create(CMD, &cfg, &sim);
	if (r)
		return r;
	hvo_hstate_info(sim, h, &hi);
	row->bytes = hi.bytes;
	snprintf(row->name, sizeof(row->name), "%s", hi.name);
	row->optimizable = hi.optimizable;
	if (measure_vmemmap(sim, &hi, row) || measure_hvo(sim, &hi, row)) {
		hvo_sim_destroy(sim);
		return CLI_FINDING;
	}
	return hvo_sim_destroy(sim) ? CLI_FINDING : CLI_OK;
}

static void savings_json(const struct hvo_config *cfg, const struct row *rows, unsigned int n)
{
	struct json j;
	unsigned int h;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_u64(&j, "page_shift", cfg->page_shift);
	json_u64(&j, "struct_page_size", cfg->struct_page_size);
	json_arr(&j, "rows");
	for (h = 0; h < n; h++) {
		double vp = (double)rows[h].vmemmap_bytes / (double)(1ull << cfg->page_shift);
		uint64_t saved = rows[h].freed > 0 ? (uint64_t)rows[h].freed << cfg->page_shift : 0;

		json_obj(&j, NULL);
		json_str(&j, "name", rows[h].name);
		json_u64(&j, "hugepage_bytes", rows[h].bytes);
		if (vp == (double)(uint64_t)vp)
			json_u64(&j, "vmemmap_pages", (uint64_t)vp);
		else
			json_dbl(&j, "vmemmap_pages", vp);
		json_u64(&j, "vmemmap_frames", rows[h].vmemmap_frames);
		json_i64(&j, "freed_pages", rows[h].freed);
		json_bool(&j, "optimizable", rows[h].optimizable);
		json_u64(&j, "saved_bytes_per_hugepage", saved);
		json_dbl(&j, "saved_bytes_per_tib", (double)saved * ((double)(1ull << 40) /
								 (double)rows[h].bytes));
		json_u64(&j, "shared_tail_pages_per_zone", rows[h].shared_tails);
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_end_obj(&j);
	json_done(&j);
}

static void savings_table(const struct hvo_config *cfg, const struct row *rows, unsigned int n)
{
	unsigned int h;

	printf("%-22s %14s %12s %8s %10s %14s %14s\n", "hstate", "huge page", "vmemmap pg",
	       "freed", "HVO", "saved/page", "saved/TiB");
	for (h = 0; h < n; h++) {
		char b1[32], b2[32], b3[32], vp[32];
		uint64_t saved = rows[h].freed > 0 ? (uint64_t)rows[h].freed << cfg->page_shift : 0;
		double v = (double)rows[h].vmemmap_bytes / (double)(1ull << cfg->page_shift);

		snprintf(vp, sizeof(vp), v < 1 ? "%.2f" : "%.0f", v);
		printf("%-22s %14s %12s %8" PRId64 " %10s %14s %14s\n", rows[h].name,
		       cli_bytes(rows[h].bytes, b1, sizeof(b1)), vp, rows[h].freed,
		       rows[h].optimizable ? "yes" : "no", cli_bytes(saved, b2, sizeof(b2)),
		       cli_bytes((uint64_t)((double)saved * ((double)(1ull << 40) /
							     (double)rows[h].bytes)), b3, sizeof(b3)));
	}
	if (cfg->struct_page_size & (cfg->struct_page_size - 1))
		printf("(%u-byte base pages, %u-byte struct page: not a power of 2, so struct "
		       "pages cross vmemmap pages and no hstate is optimizable)\n",
		       1u << cfg->page_shift, cfg->struct_page_size);
	else
		printf("(%u-byte base pages, %u-byte struct page; plus one shared tail page per "
		       "zone and order in use)\n", 1u << cfg->page_shift, cfg->struct_page_size);
}

int cmd_savings(int argc, char **argv)
{
	const struct cli_spec spec = { .cmd = CMD, .about = about,
				       .machine = "page-shift struct-page-size" };
	struct cli_args args;
	struct hvo_config *cfg = &args.cfg;
	struct hvo_sim *sim;
	struct row rows[HVO_MAX_HSTATES];
	unsigned int n, h;
	int r;

	cli_args_init(&args);
	cfg->cont_hstates = true;
	r = cli_parse(&spec, &args, argc, argv);
	if (r != CLI_GO)
		return r;
	cfg->node_mem_bytes[0] = cfg->page_shift == 16 ? 2ull << 30 : 1ull << 30;
	r = cli_create(CMD, cfg, &sim);
	if (r)
		return r;
	n = hvo_hstate_count(sim);
	hvo_sim_destroy(sim);
	for (h = 0; h < n; h++) {
		memset(&rows[h], 0, sizeof(rows[h]));
		if (!args.json)
			cli_progress("measuring hstate %u of %u...", h + 1, n);
		r = measure(cfg, h, &rows[h]);
		if (r)
			return r;
	}
	if (!args.json)
		cli_progress_end();
	if (args.json)
		savings_json(cfg, rows, n);
	else
		savings_table(cfg, rows, n);
	return CLI_OK;
}
