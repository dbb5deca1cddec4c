// SPDX-License-Identifier: MIT
/*
 * machine.c - the machine options every command that builds a machine
 * takes: each one a key of hvo_config_set(), with its help line and a way
 * to show its current value (the default --help prints).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "opt.h"
#include "util.h"

enum {
	M_PAGE_SHIFT, M_STRUCT_PAGE_SIZE, M_NODES, M_MEM, M_MOVABLE, M_BOOT_GIGANTIC,
	M_BOOT_GIGANTIC_SIZE, M_SCHEME, M_SCOPE, M_ALLOC, M_LIFETIME, M_ENCODING,
	M_RCU_SYNC, M_OPTIMIZE_VMEMMAP, M_CONT_HSTATES, M_MOVABLE_GIGANTIC, M_BOOT_TAILS_LATE,
	M_TAIL_PUBLISH_RELAXED, M_FAULT_POLICY, M_FAULT_LOG_SIZE,
	M_SEED, M_VMEMMAP_BASE, M_NR,
};

static const struct cli_machine_key keys[M_NR] = {
	[M_PAGE_SHIFT] = { "page-shift", "N", "12, 14 or 16 (4K, 16K, 64K base pages)" },
	[M_STRUCT_PAGE_SIZE] = { "struct-page-size", "N",
				 "bytes per struct page, multiple of 8 in [40,256]" },
	[M_NODES] = { "nodes", "N", "NUMA nodes" },
	[M_MEM] = { "mem", "SIZE[,SIZE...]", "memory per node, e.g. 8G or 4G,4G" },
	[M_MOVABLE] = { "movable", "SIZE[,...]", "ZONE_MOVABLE at the top of each node" },
	[M_BOOT_GIGANTIC] = { "boot-gigantic", "N[,..]", "gigantic pages reserved at boot per node" },
	[M_BOOT_GIGANTIC_SIZE] = { "boot-gigantic-size", "S", "their size" },
	[M_SCHEME] = { "scheme", "S", "none | fake-head | shared-tail" },
	[M_SCOPE] = { "scope", "S", "shared-tail: zone | node | hstate" },
	[M_ALLOC] = { "alloc", "S", "shared-tail: cmpxchg | lock | none" },
	[M_LIFETIME] = { "lifetime", "S", "shared-tail: never | last-user" },
	[M_ENCODING] = { "encoding", "E", "auto | pointer | mask" },
	[M_RCU_SYNC] = { "rcu-sync", "on|off", "fake-head: VMEMMAP_SYNCHRONIZE_RCU" },
	[M_OPTIMIZE_VMEMMAP] = { "optimize-vmemmap", "on|off",
				 "vm.hugetlb_optimize_vmemmap at boot (hugetlb_free_vmemmap=);\n"
				 "off: no folio is optimized" },
	[M_CONT_HSTATES] = { "cont-hstates", "on|off", "arm64 contiguous hstates" },
	[M_MOVABLE_GIGANTIC] = { "movable-gigantic-pages", "on|off",
				 "vm.movable_gigantic_pages: gigantic pool folios\n"
				 "may come from ZONE_MOVABLE" },
	[M_BOOT_TAILS_LATE] = { "boot-tails-late", "on|off",
				"known-bad: boot shared tails initialised after\n"
				"gather_bootmem_prealloc() read them" },
	[M_TAIL_PUBLISH_RELAXED] = { "tail-publish-relaxed", "on|off",
				     "known-bad: shared tail published without\n"
				     "release (only a TSan build sees it)" },
	[M_FAULT_POLICY] = { "fault-policy", "P", "abort | record | count" },
	[M_FAULT_LOG_SIZE] = { "fault-log-size", "N", "fault records kept (a ring)" },
	[M_SEED] = { "seed", "N", "seed for everything random" },
	[M_VMEMMAP_BASE] = { "vmemmap-base", "ADDR", "the vmemmap's virtual address" },
};

/* the names hvo_config_set() takes, by enum value */
static const char *const scopes[] = { "zone", "node", "hstate" };
static const char *const allocs[] = { "cmpxchg", "lock", "none" };
static const char *const lifetimes[] = { "never", "last-user" };
static const char *const encodings[] = { "auto", "pointer", "mask" };
static const char *const policies[] = { "abort", "record", "count" };

unsigned int cli_machine_count(void)
{
	return M_NR;
}

const struct cli_machine_key *cli_machine_key(unsigned int k)
{
	return k < M_NR ? &keys[k] : NULL;
}

int cli_machine_find(const char *name, size_t len)
{
	unsigned int k;

	for (k = 0; k < M_NR; k++)
		if (strlen(keys[k].name) == len && !strncmp(name, keys[k].name, len))
			return (int)k;
	return -1;
}

/* "4G" when every node has the same, else "4G,2G" */
static void show_per_node(const struct hvo_config *cfg, const uint64_t *v64,
			  const unsigned int *v32, char *buf, size_t len)
{
	unsigned int n, same = 1;
	size_t o = 0;

	for (n = 1; n < cfg->nr_nodes; n++)
		same &= v64 ? v64[n] == v64[0] : v32[n] == v32[0];
	buf[0] = 0;
	for (n = 0; n < (same ? 1 : cfg->nr_nodes) && o < len; n++) {
		char s[24];

		if (v64)
			cli_size(v64[n], s, sizeof(s));
		else
			snprintf(s, sizeof(s), "%u", v32[n]);
		o += (size_t)snprintf(buf + o, len - o, "%s%s", n ? "," : "", s);
	}
}

static const char *name_of(const char *const *names, size_t n, unsigned int v)
{
	return v < n ? names[v] : "?";
}

#define NAME(tab, v) name_of(tab, sizeof(tab) / sizeof(tab[0]), (unsigned int)(v))

void cli_machine_show(const struct hvo_config *c, unsigned int k, char *b, size_t n)
{
	switch (k) {
	case M_PAGE_SHIFT: snprintf(b, n, "%u", c->page_shift); break;
	case M_STRUCT_PAGE_SIZE: snprintf(b, n, "%u", c->struct_page_size); break;
	case M_NODES: snprintf(b, n, "%u", c->nr_nodes); break;
	case M_MEM: show_per_node(c, c->node_mem_bytes, NULL, b, n); break;
	case M_MOVABLE: show_per_node(c, c->node_movable_bytes, NULL, b, n); break;
	case M_BOOT_GIGANTIC: show_per_node(c, NULL, c->boot_gigantic, b, n); break;
	case M_BOOT_GIGANTIC_SIZE:
		if (c->boot_gigantic_bytes)
			cli_size(c->boot_gigantic_bytes, b, n);
		else
			snprintf(b, n, "largest gigantic hstate");
		break;
	case M_SCHEME: snprintf(b, n, "%s", hvo_scheme_name(c->scheme)); break;
	case M_SCOPE: snprintf(b, n, "%s", NAME(scopes, c->tail_scope)); break;
	case M_ALLOC: snprintf(b, n, "%s", NAME(allocs, c->tail_alloc)); break;
	case M_LIFETIME: snprintf(b, n, "%s", NAME(lifetimes, c->tail_lifetime)); break;
	case M_ENCODING: snprintf(b, n, "%s", NAME(encodings, c->encoding)); break;
	case M_RCU_SYNC: snprintf(b, n, "%s", c->rcu_sync ? "on" : "off"); break;
	case M_OPTIMIZE_VMEMMAP:
		snprintf(b, n, "%s", c->optimize_vmemmap ? "on" : "off");
		break;
	case M_CONT_HSTATES: snprintf(b, n, "%s", c->cont_hstates ? "on" : "off"); break;
	case M_MOVABLE_GIGANTIC:
		snprintf(b, n, "%s", c->movable_gigantic_pages ? "on" : "off");
		break;
	case M_BOOT_TAILS_LATE: snprintf(b, n, "%s", c->boot_tails_late ? "on" : "off"); break;
	case M_TAIL_PUBLISH_RELAXED:
		snprintf(b, n, "%s", c->tail_publish_relaxed ? "on" : "off");
		break;
	case M_FAULT_POLICY: snprintf(b, n, "%s", NAME(policies, c->fault_policy)); break;
	case M_FAULT_LOG_SIZE: snprintf(b, n, "%u", c->fault_log_size); break;
	case M_SEED: snprintf(b, n, "%" PRIu64, c->seed); break;
	case M_VMEMMAP_BASE:
		if (c->vmemmap_base)
			snprintf(b, n, "%#" PRIx64, c->vmemmap_base);
		else
			snprintf(b, n, "the architecture's");
		break;
	default: b[0] = 0;
	}
}

int cli_machine_apply(const char *cmd, struct cli_args *a, unsigned int k, const char *val)
{
	static const unsigned int per_node[3] = { M_MEM, M_MOVABLE, M_BOOT_GIGANTIC };
	unsigned int i;

	/* every machine value is a count, a size, an address or a name */
	if (val[0] == '-' && val[1] >= '0' && val[1] <= '9')
		return cli_bad(cmd, "--%s %s: must be >= 0", keys[k].name, val);
	if (hvo_config_set(&a->cfg, keys[k].name, val))
		return cli_bad(cmd, "--%s %s: %s", keys[k].name, val, hvo_last_error());
	a->machine_seen |= 1u << k;
	/* a single per-node value fills the nodes that exist when it is set, so
	 * re-apply them when --nodes comes after (order must not matter) */
	for (i = 0; i < 3; i++) {
		if (k == per_node[i] && strlen(val) < sizeof(a->per_node[i]))
			strcpy(a->per_node[i], val);
		if (k == M_NODES && a->per_node[i][0])
			hvo_config_set(&a->cfg, keys[per_node[i]].name, a->per_node[i]);
	}
	return 0;
}

void cli_args_init(struct cli_args *a)
{
	memset(a, 0, sizeof(*a));
	hvo_config_init(&a->cfg);
	/* a tool reports faults; tests and fuzzers abort on them */
	a->cfg.fault_policy = HVO_FAULT_RECORD;
}

int cli_check_machine(const char *cmd, const struct hvo_config *cfg)
{
	if (!hvo_config_validate(cfg))
		return 0;
	fprintf(stderr, "hvosim %s: the machine cannot be built: %s\n", cmd, hvo_last_error());
	return CLI_USAGE;
}

int cli_create(const char *cmd, const struct hvo_config *cfg, struct hvo_sim **sim)
{
	int r = hvo_sim_create(cfg, sim);

	if (!r)
		return 0;
	fprintf(stderr, "hvosim %s: cannot build the machine: %s (%s)\n", cmd, hvo_last_error(),
		strerror(-r));
	return CLI_USAGE;
}
