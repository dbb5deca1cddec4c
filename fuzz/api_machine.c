// SPDX-License-Identifier: MIT
/*
 * api_machine.c - the API fuzzer's calls of config.h, sched.h and the
 * machine half of sim.h: counters, geometry, names, zones, configs from
 * arbitrary bytes, and machines created and destroyed on the side.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>

#include "fuzz_api.h"

static const char *const site_dict[] = {
	"any", "generic", "pgtable", "vmemmap_populate", "vmemmap_head", "vmemmap_tail",
	"vmemmap_restore", "hugetlb_folio", "boot_hvo", "", NULL,
};
static const char *const key_dict[] = {
	"scheme", "scope", "alloc", "lifetime", "encoding", "page-shift", "struct-page-size",
	"nodes", "mem", "seed", "rcu-sync", "fault-policy", "boot-gigantic", "movable",
	"cont-hstates", "fault-log-size", "vmemmap-base", "boot-gigantic-size", NULL,
};
static const char *const value_dict[] = {
	"shared-tail", "fake-head", "none", "zone", "node", "hstate", "cmpxchg", "lock",
	"never", "last-user", "auto", "pointer", "mask", "abort", "record", "count", "on",
	"off", "12", "14", "16", "13", "64", "40", "0", "1", "2", "8", "9", "65537", "-1",
	"2M", "1G", "16G", "4K", "0x10", "010G", "99999999999T", "128M,256M", "1,2,3",
	"1,,2", "17T", "0x", "1Gi", "1GiB", "18446744073709551615", "", NULL,
};

void fa_c_sim_stats(struct fa *a)
{
	struct hvo_stats st;
	uint64_t used = 0;
	unsigned int k;

	hvo_sim_stats(a->sim, &st);
	for (k = 0; k < HVO_NR_KINDS; k++)
		used += st.in_use[k];
	/* every frame is free in the buddy or in use by some kind */
	if (used + st.free_pages != a->geo->nr_pfns)
		fa_fail(a, "%" PRIu64 " frames in use + %" PRIu64 " free != %" PRIu64, used,
			st.free_pages, a->geo->nr_pfns);
}

void fa_c_sim_geometry(struct fa *a)
{
	if (hvo_sim_geometry(a->sim) != a->geo || !hvo_sim_config(a->sim))
		fa_fail(a, "the geometry or config moved");
}

/* every name function gives a string for any value */
void fa_c_names(struct fa *a)
{
	int v = (int)(int8_t)fa_u8(a);

	if (!hvo_scheme_name((enum hvo_scheme)v) || !hvo_zone_name((enum hvo_zone_type)v) ||
	    !hvo_kind_name((enum hvo_frame_kind)v) || !hvo_site_name((enum hvo_alloc_site)v) ||
	    !hvo_yield_point_name((enum hvo_yield_point)v) || !hvo_version() ||
	    !hvo_last_error() || !hvo_thread_id())
		fa_fail(a, "a name of %d is NULL", v);
}

void fa_c_site_parse(struct fa *a)
{
	char buf[32];
	int r;

	fa_string(a, buf, sizeof(buf), site_dict);
	r = fa_rc(a, hvo_site_parse(buf), HVO_NR_SITES - 1);
	if (r >= 0 && strcmp(hvo_site_name((enum hvo_alloc_site)r), buf))
		fa_fail(a, "'%s' parsed as %s", buf, hvo_site_name((enum hvo_alloc_site)r));
	if (r < 0 && r != -EINVAL)
		fa_fail(a, "returned %d", r);
}

void fa_c_zone_span(struct fa *a)
{
	uint64_t s, e;
	unsigned int nid = fa_nid(a);

	fa_rc_in(a, hvo_zone_span(a->sim, nid, (enum hvo_zone_type)(fa_u8(a) % 5), &s, &e),
		 -EINVAL, 0, 0);
}

void fa_c_pfn_zone(struct fa *a)
{
	unsigned int nid;
	enum hvo_zone_type zone;
	uint8_t b = fa_u8(a);

	fa_rc_in(a, hvo_pfn_zone(a->sim, fa_pfn(a), b & 1 ? NULL : &nid, b & 2 ? NULL : &zone),
		 -ERANGE, 0, 0);
}

/* a config from bytes: every field may be out of range; memory is kept to
 * a few sections so a machine built from it is small */
static void random_config(struct fa *a, struct hvo_config *c)
{
	static const uint64_t mems[8] = {
		128ull << 20, 256ull << 20, 512ull << 20, 0, 4096, 128ull << 20 | 4096,
		1ull << 30, 3ull << 40,
	};
	uint8_t b = fa_u8(a), d = fa_u8(a);
	unsigned int n;

	hvo_config_init(c);
	c->page_shift = b & 0x80 ? fa_u8(a) % 20 : 12 + 2 * (b % 3);
	c->struct_page_size = d & 0x80 ? fa_u8(a) : 64;
	c->nr_nodes = b & 0x40 ? fa_u8(a) % 10 : 1 + (d & 1);
	for (n = 0; n < HVO_MAX_NODES; n++) {
		uint8_t m = n < 3 ? fa_u8(a) : 0;

		c->node_mem_bytes[n] = n < c->nr_nodes || m == 0xff ? mems[m % 8] : 0;
		c->node_movable_bytes[n] = m & 0x20 ? c->node_mem_bytes[n] / 4 + (m & 1) : 0;
		c->boot_gigantic[n] = m & 0x10 ? 1 + m % 3 : 0;
	}
	c->boot_gigantic_bytes = d & 0x40 ? 1ull << (12 + fa_u8(a) % 24) : 0;
	c->scheme = (enum hvo_scheme)(d & 0x20 ? (int)fa_u8(a) - 100 : d % 3);
	c->tail_scope = (enum hvo_tail_scope)(d & 0x10 ? fa_u8(a) % 4 : 0);
	c->tail_alloc = (enum hvo_tail_alloc)(d & 0x10 ? fa_u8(a) % 4 : 0);
	c->tail_lifetime = (enum hvo_tail_lifetime)(d & 0x10 ? fa_u8(a) % 3 : 0);
	c->encoding = (enum hvo_encoding)(d & 0x08 ? fa_u8(a) % 4 : 0);
	c->rcu_sync = d & 4;
	c->cont_hstates = d & 2;
	c->vmemmap_base = b & 0x20 ? fa_u64(a) : 0;
	c->fault_policy = (enum hvo_fault_policy)(b & 0x10 ? fa_u8(a) % 4 : HVO_FAULT_RECORD);
	c->fault_log_size = b & 0x08 ? fa_u8(a) : 64;
	c->fail.site = (enum hvo_alloc_site)(b & 0x04 ? fa_u8(a) % (HVO_NR_SITES + 1) : 0);
	c->fail.nth = b & 0x04 ? fa_u8(a) % 40 : 0;
	c->fail.persistent = b & 0x02;
}

void fa_c_config_validate(struct fa *a)
{
	struct hvo_config c;

	random_config(a, &c);
	fa_rc_in(a, hvo_config_validate(&c), -EINVAL, 0, 0);
}

void fa_c_config_set(struct fa *a)
{
	struct hvo_config c;
	char key[40], value[48];

	hvo_config_init(&c);
	fa_string(a, key, sizeof(key), key_dict);
	fa_string(a, value, sizeof(value), value_dict);
	fa_rc_in(a, hvo_config_set(&c, key, value), -EINVAL, 0, 0);
}

void fa_c_parse_size(struct fa *a)
{
	char s[48];
	uint64_t v;

	fa_string(a, s, sizeof(s), value_dict);
	fa_rc_in(a, hvo_parse_size(s, &v), -EINVAL, 0, 0);
}

/* another machine, from arbitrary bytes: refused with -EINVAL, failed by
 * its boot fault-injection rule with -ENOMEM, or built clean and torn down
 * with nothing leaked */
void fa_c_sim_create(struct fa *a)
{
	struct hvo_config c;
	struct hvo_sim *s = NULL;
	uint64_t total = 0, leaked;
	unsigned int n;
	int r;

	random_config(a, &c);
	for (n = 0; n < HVO_MAX_NODES; n++)
		total += c.node_mem_bytes[n];
	if (total > (2ull << 30) || c.fault_policy == HVO_FAULT_ABORT)
		return;		/* a validate call is enough for those */
	r = hvo_sim_create(&c, &s);
	fa_rc_in(a, r, -EINVAL, c.fail.nth ? -ENOMEM : -EINVAL, 0);
	if (r)
		return;
	if (hvo_check(s, a->rep))
		fa_fail(a, "a new machine fails hvo_check(): %s", a->rep->v[0].invariant);
	leaked = hvo_sim_destroy(s);
	if (leaked)
		fa_fail(a, "a new machine leaks %" PRIu64 " frames", leaked);
}

static void count_yields(void *ctx, enum hvo_yield_point point, uint64_t addr)
{
	(void)point;
	(void)addr;
	(*(uint64_t *)ctx)++;
}

void fa_c_sim_set_yield_hook(struct fa *a)
{
	uint64_t n = 0;

	hvo_sim_set_yield_hook(a->sim, count_yields, &n);
	(void)hvo_compound_head(a->sim, fa_page(a));
	hvo_pool_grow(a->sim, 0, 0, fa_u8(a) % 2, NULL);
	hvo_sim_set_yield_hook(a->sim, NULL, NULL);
}

void fa_c_sim_set_timing(struct fa *a)
{
	hvo_sim_set_timing(a->sim, fa_u8(a) & 1);
}
