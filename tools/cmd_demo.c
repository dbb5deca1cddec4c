// SPDX-License-Identifier: MIT
/*
 * cmd_demo.c - `hvosim demo`, the main job: one realistic machine (two
 * nodes, 2M and 1G pools, boot gigantic pages) built under every HVO design
 * the kernel has shipped or been asked to ship, side by side.
 */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "cmd.h"
#include "harness.h"

#define CMD "demo"

static const char about[] =
	"Builds a two-node machine with boot 1G pages and 2M and 1G pools under each\n"
	"scheme and variant, and shows vmemmap before and after HVO, what it saved, the\n"
	"shared tail frames, TLB flushes, synchronize_rcu() calls, what speculative PFN\n"
	"walkers ran into, the kernel selftest's kpageflags rule and the checker's\n"
	"verdict.  The known-bad variants are there to be caught.\n";

struct variant {
	const char *name;
	const char *era;
	const char *opts[6];	/* key, value pairs for hvo_config_set() */
};

static const struct variant variants[] = {
	{ "none", "HVO off", { "scheme", "none" } },
	{ "fake-head", "5.18..7.0", { "scheme", "fake-head" } },
	{ "fake-head, no RCU sync", "before bd225530a4c7",
	  { "scheme", "fake-head", "rcu-sync", "off" } },
	{ "shared-tail v1", "seed patch: per hstate, unlocked",
	  { "scheme", "shared-tail", "scope", "hstate", "alloc", "none" } },
	{ "shared-tail v2..v6", "per node, locked",
	  { "scheme", "shared-tail", "scope", "node", "alloc", "lock" } },
	{ "shared-tail v7", "7.1: per zone, cmpxchg",
	  { "scheme", "shared-tail", "scope", "zone", "alloc", "cmpxchg" } },
};
#define NV (sizeof(variants) / sizeof(variants[0]))

struct outcome {
	uint64_t vmemmap_bytes, tails, flushes, sync_rcu, walk_faults, walks;
	uint64_t folios, selftest_bad;
	int64_t violations;
	const char *first_violation;
	char first_where[320];
};

/* a few folios in use, then speculative walkers over the machine, half of
 * them on the in-use folios' PAGE_SIZE-aligned struct pages */
static void demo_walk(struct hvo_sim *sim, const struct hvo_config *cfg, struct outcome *o)
{
	const struct hvo_geometry *g = hvo_sim_geometry(sim);
	uint64_t held[4], nheld = 0, i, seed = cfg->seed, per_page = g->page_size / g->stride;

	for (i = 0; i < 4; i++)
		if (hvo_folio_alloc(sim, 0, (int)(i % cfg->nr_nodes), &held[nheld]) == 0)
			nheld++;
	for (i = 0; i < 20000; i++) {
		uint64_t r = cli_splitmix64(&seed), pfn;

		if (nheld && (r & 1))
			pfn = held[(r >> 1) % nheld] + ((r >> 8) % 8) * per_page;
		else
			pfn = (r >> 1) % g->nr_pfns;
		if (hvo_walk_pfn(sim, pfn, HVO_WALK_PAGE) == HVO_WALK_FAULT)
			o->walk_faults++;
		o->walks++;
	}
	for (i = 0; i < nheld; i++)
		hvo_folio_put(sim, held[i]);
}

/* the kernel selftest's kpageflags rule (hugepage-vmemmap.c) on every folio:
 * the head HEAD|HUGE, the tails TAIL|HUGE; a sample of each folio's pfns */
static void demo_selftest(struct hvo_sim *sim, struct outcome *o)
{
	const uint64_t bits = (1ull << HVO_KPF_HUGE) | (1ull << HVO_KPF_COMPOUND_HEAD) |
			      (1ull << HVO_KPF_COMPOUND_TAIL);
	unsigned int h;
	uint64_t i, n, p, f, want, *pfns;

	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi;

		hvo_hstate_info(sim, h, &hi);
		pfns = calloc(hi.nr_huge_pages + 1, sizeof(*pfns));
		if (!pfns)
			break;
		n = (uint64_t)hvo_folio_list(sim, h, pfns, hi.nr_huge_pages);
		for (i = 0; i < n; i++) {
			o->folios++;
			for (p = 0; p < (1ull << hi.order); p += (p < 64 ? 1 : 4093)) {
				want = (1ull << HVO_KPF_HUGE) |
				       (1ull << (p ? HVO_KPF_COMPOUND_TAIL : HVO_KPF_COMPOUND_HEAD));
				hvo_kpageflags(sim, pfns[i] + p, &f);
				if ((f & bits) != want)
					o->selftest_bad++;
			}
		}
		free(pfns);
	}
}

/* what the variant left: vmemmap, shared tails, flushes, the checker */
static void demo_tally(struct hvo_sim *sim, struct outcome *o)
{
	struct hvo_report *rep = malloc(sizeof(*rep));
	struct hvo_stats st;

	hvo_sim_stats(sim, &st);
	o->vmemmap_bytes = (st.in_use[HVO_KIND_VMEMMAP] + st.in_use[HVO_KIND_SHARED_TAIL]) *
			   hvo_sim_geometry(sim)->page_size;
	o->tails = st.in_use[HVO_KIND_SHARED_TAIL];
	o->flushes = st.tlb_flush_all + st.tlb_flush_range;
	o->sync_rcu = st.synchronize_rcu_calls;
	o->violations = rep ? hvo_check(sim, rep) : -1;
	if (rep && rep->nr) {
		o->first_violation = rep->v[0].invariant;
		snprintf(o->first_where, sizeof(o->first_where), "%s: expected %s, found %s",
			 rep->v[0].where, rep->v[0].expected, rep->v[0].found);
	}
	free(rep);
}

static int variant_config(const struct hvo_config *base, const struct variant *v,
			  struct hvo_config *cfg)
{
	unsigned int k;

	*cfg = *base;
	for (k = 0; k < 6 && v->opts[k]; k += 2)
		if (hvo_config_set(cfg, v->opts[k], v->opts[k + 1]))
			return -1;
	return 0;
}

static int run_variant(const struct hvo_config *base, const struct variant *v,
		       struct outcome *o)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;

	memset(o, 0, sizeof(*o));
	if (variant_config(base, v, &cfg) || cli_create(CMD, &cfg, &sim))
		return -1;
	if (cli_fill_pools(sim, "2M:1024,1G:2", false)) {
		hvo_sim_destroy(sim);
		return -1;
	}
	demo_walk(sim, &cfg, o);
	demo_selftest(sim, o);
	demo_tally(sim, o);
	if (hvo_sim_destroy(sim))
		return -1;
	return 0;
}

/* what HVO does to one folio of each size: the vmemmap pages its struct
 * pages fill, the one it keeps (the head's) and the rest it frees */
static void show_per_folio(struct hvo_sim *sim)
{
	unsigned int h;

	printf("per folio, HVO keeps the vmemmap page of the head and frees the rest:\n");
	for (h = 0; h < hvo_hstate_count(sim); h++) {
		struct hvo_hstate_info hi;
		char size[24], all[32], kept[32], freed[32];

		hvo_hstate_info(sim, h, &hi);
		cli_size(hi.bytes, size, sizeof(size));
		cli_thousands(hi.vmemmap_pages, all, sizeof(all));
		if (!hi.optimizable) {
			printf("  %s: %s vmemmap pages, not optimizable\n", size, all);
			continue;
		}
		printf("  %s: %s vmemmap pages -> %s kept, %s freed\n", size, all,
		       cli_thousands(hi.vmemmap_pages - hi.optimizable_pages, kept, sizeof(kept)),
		       cli_thousands(hi.optimizable_pages, freed, sizeof(freed)));
	}
	printf("(the freed pages' addresses stay mapped, read-only: fake-head to the kept page,\n"
	       "shared-tail to one tail page per zone)\n\n");
}

/* the machine's memory map and vmemmap, as the kernel prints at boot */
static void show_memory_map(const struct hvo_config *base)
{
	struct hvo_config cfg = *base;
	struct hvo_sim *sim;
	const struct hvo_geometry *g;
	unsigned int n, z;
	uint64_t s, e, ps;

	if (hvo_sim_create(&cfg, &sim))
		return;
	g = hvo_sim_geometry(sim);
	ps = g->page_size;
	printf("memory map:\n");
	for (n = 0; n < cfg.nr_nodes; n++)
		for (z = 0; z < HVO_NR_ZONES; z++) {
			char b[32];

			if (hvo_zone_span(sim, n, (enum hvo_zone_type)z, &s, &e) || s == e)
				continue;
			printf("  node %u %-8s [mem 0x%012" PRIx64 "-0x%012" PRIx64 "] %10s\n", n,
			       hvo_zone_name((enum hvo_zone_type)z), s * ps, e * ps - 1,
			       cli_bytes((e - s) * ps, b, sizeof(b)));
		}
	hvo_vmemmap_range(sim, 0, g->nr_pfns, &s, &e);
	printf("vmemmap: [%#" PRIx64 "-%#" PRIx64 "], %u-level table, %s PMD leaves where "
	       "contiguous, struct page %u bytes\n", s, e - 1, g->pgtable_levels,
	       g->page_shift == 12 ? "2M" : "no", g->stride);
	show_per_folio(sim);
	hvo_sim_destroy(sim);
}

static void show_decoding(void)
{
	struct hvo_config cfg;
	struct hvo_sim *sim;
	int e;

	printf("\nOne compound page of order 9, tail #77, decoded in both encodings:\n");
	for (e = 0; e < 2; e++) {
		uint64_t blk, head, tail, info;

		hvo_config_init(&cfg);
		cfg.node_mem_bytes[0] = 1ull << 30;
		cfg.scheme = e ? HVO_SCHEME_SHARED_TAIL : HVO_SCHEME_NONE;
		if (hvo_sim_create(&cfg, &sim))
			return;
		if (!hvo_alloc_frames(sim, 0, 9, HVO_KIND_OTHER, 0, &blk) &&
		    !hvo_prep_compound_page(sim, blk, 9)) {
			head = hvo_pfn_to_page(sim, blk);
			tail = head + 77 * hvo_sim_geometry(sim)->stride;
			hvo_page_read(sim, tail, HVO_PW_COMPOUND_INFO, &info);
			printf("  %-8s compound_info %#018" PRIx64 " -> head %#" PRIx64 " (pfn %#" PRIx64
			       ") %s\n", e ? "mask" : "pointer", info, hvo_compound_head(sim, tail),
			       blk, hvo_compound_head(sim, tail) == head ? "ok" : "WRONG");
			hvo_destroy_compound_page(sim, blk, 9);
			hvo_free_frames(sim, blk, 9);
		}
		hvo_sim_destroy(sim);
	}
}

static bool failed(const struct outcome *o)
{
	return o->walk_faults || o->violations || o->selftest_bad;
}

/* what the row amounts to: ok, or the first thing that went wrong */
static const char *verdict(const struct outcome *o, char *buf, size_t len)
{
	if (o->walk_faults)
		snprintf(buf, len, "FAIL: %" PRIu64 " RO writes", o->walk_faults);
	else if (o->violations)
		snprintf(buf, len, "FAIL: checker");
	else if (o->selftest_bad)
		snprintf(buf, len, "FAIL: selftest");
	else
		snprintf(buf, len, "ok");
	return buf;
}

static void demo_json(const struct hvo_config *cfg, const struct outcome *out)
{
	uint64_t before = out[0].vmemmap_bytes;
	struct json j;
	size_t k;

	json_init(&j, stdout);
	json_obj(&j, NULL);
	json_u64(&j, "seed", cfg->seed);
	json_arr(&j, "rows");
	for (k = 0; k < NV; k++) {
		json_obj(&j, NULL);
		json_str(&j, "variant", variants[k].name);
		json_str(&j, "era", variants[k].era);
		json_u64(&j, "vmemmap_before_bytes", before);
		json_u64(&j, "vmemmap_after_bytes", out[k].vmemmap_bytes);
		json_i64(&j, "saved_bytes", (int64_t)before - (int64_t)out[k].vmemmap_bytes);
		json_u64(&j, "shared_tail_frames", out[k].tails);
		json_u64(&j, "tlb_flushes", out[k].flushes);
		json_u64(&j, "synchronize_rcu", out[k].sync_rcu);
		json_u64(&j, "walker_faults", out[k].walk_faults);
		json_u64(&j, "selftest_bad_pfns", out[k].selftest_bad);
		json_i64(&j, "violations", out[k].violations);
		if (out[k].first_violation)
			json_str(&j, "first_violation", out[k].first_violation);
		json_str(&j, "verdict", failed(&out[k]) ? "fail" : "ok");
		json_end_obj(&j);
	}
	json_end_arr(&j);
	json_end_obj(&j);
	json_done(&j);
}

static void demo_header(const struct hvo_config *cfg)
{
	char b[32];

	printf("hvosim %s demo: 2 nodes x %s, 4K pages, 64-byte struct page, seed %" PRIu64 "\n",
	       hvo_version(), cli_bytes(cfg->node_mem_bytes[0], b, sizeof(b)), cfg->seed);
	printf("boot: 1 x 1G page per node (hugepages= at boot); pools: 1024 x 2M and 2 x 1G "
	       "more, spread over the nodes;\n4 folios in use while 20000 speculative PFN "
	       "walks run; then the checker.\n\n");
	show_memory_map(cfg);
}

static const char legend[] =
	"  vmemmap  vmemmap frames in use (shared tails included) with HVO off; after:\n"
	"           with the variant; saved: the difference\n"
	"  tails    shared tail frames in use; flushes: TLB flushes; rcu:\n"
	"           synchronize_rcu() calls\n"
	"  walk RO  speculative walker writes through a read-only vmemmap page (each\n"
	"           one an oops in a kernel)\n"
	"  selftest the kselftest's kpageflags rule on every folio (head HEAD|HUGE,\n"
	"           tails TAIL|HUGE)\n"
	"  checker  hvo_check(): clean, or N BAD: it found N invariant violations\n"
	"  verdict  ok, or FAIL and the first thing that went wrong (below)\n";

static void demo_row(const struct outcome *o, const struct variant *v, uint64_t before)
{
	char b1[32], b2[32], b3[32], chk[32], vd[48];

	snprintf(chk, sizeof(chk), o->violations ? "%" PRId64 " BAD" : "clean", o->violations);
	printf("%-24s %-34s %10s %10s %8s %6" PRIu64 " %8" PRIu64 " %6" PRIu64 " %9" PRIu64
	       " %9s %9s  %s\n", v->name, v->era, cli_bytes(before, b1, sizeof(b1)),
	       cli_bytes(o->vmemmap_bytes, b2, sizeof(b2)),
	       cli_bytes(before - o->vmemmap_bytes, b3, sizeof(b3)), o->tails, o->flushes,
	       o->sync_rcu, o->walk_faults, o->selftest_bad ? "FAIL" : "pass", chk,
	       verdict(o, vd, sizeof(vd)));
}

static void demo_table(const struct outcome *out)
{
	size_t k;

	printf("%-24s %-34s %10s %10s %8s %6s %8s %6s %9s %9s %9s  %s\n", "variant", "kernel",
	       "vmemmap", "after", "saved", "tails", "flushes", "rcu", "walk RO", "selftest",
	       "checker", "verdict");
	for (k = 0; k < NV; k++)
		demo_row(&out[k], &variants[k], out[0].vmemmap_bytes);
	printf("\n%s", legend);
	printf("\nwhat was caught:\n");
	for (k = 0; k < NV; k++) {
		if (out[k].walk_faults)
			printf("  %-24s %" PRIu64 " speculative get_page_unless_zero() wrote through a "
			       "read-only fake head\n", variants[k].name, out[k].walk_faults);
		if (out[k].violations > 0)
			printf("  %-24s %s at %s\n", variants[k].name, out[k].first_violation,
			       out[k].first_where);
		if (out[k].selftest_bad)
			printf("  %-24s %" PRIu64 " pfns break the kpageflags rule\n",
			       variants[k].name, out[k].selftest_bad);
	}
}

/* every variant's machine checked before anything is printed */
static int demo_check(const struct hvo_config *base)
{
	struct hvo_config cfg;
	size_t k;

	for (k = 0; k < NV; k++) {
		if (variant_config(base, &variants[k], &cfg))
			return cli_bad(CMD, "variant %s: %s", variants[k].name, hvo_last_error());
		if (cli_check_machine(CMD, &cfg))
			return CLI_USAGE;
	}
	return CLI_OK;
}

int cmd_demo(int argc, char **argv)
{
	const struct cli_spec spec = { .cmd = CMD, .about = about, .machine = "seed mem" };
	struct cli_args args;
	struct outcome out[NV];
	size_t k;
	int r;

	cli_args_init(&args);
	args.cfg.nr_nodes = 2;
	args.cfg.node_mem_bytes[0] = args.cfg.node_mem_bytes[1] = 6ull << 30;
	args.cfg.boot_gigantic[0] = args.cfg.boot_gigantic[1] = 1;
	r = cli_parse(&spec, &args, argc, argv);
	if (r != CLI_GO)
		return r;
	r = demo_check(&args.cfg);
	if (r)
		return r;
	if (!args.json)
		demo_header(&args.cfg);
	for (k = 0; k < NV; k++) {
		if (!args.json)
			cli_step("demo: variant %zu of %zu: %s", k + 1, NV, variants[k].name);
		if (run_variant(&args.cfg, &variants[k], &out[k]))
			return CLI_FINDING;
	}
	if (!args.json)
		cli_progress_end();
	if (args.json) {
		demo_json(&args.cfg, out);
		return CLI_OK;
	}
	demo_table(out);
	show_decoding();
	return CLI_OK;
}
