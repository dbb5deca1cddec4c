// SPDX-License-Identifier: MIT
/*
 * config.c - defaults, validation and CLI spellings of struct hvo_config.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "config.h"
#include "error.h"

HVO_EXPORT void hvo_config_init(struct hvo_config *cfg)
{
	HVO_NONNULL_OR("config_init", cfg, );
	memset(cfg, 0, sizeof(*cfg));
	cfg->page_shift = 12;
	cfg->struct_page_size = 64;
	cfg->nr_nodes = 1;
	cfg->node_mem_bytes[0] = 4ull << 30;
	cfg->scheme = HVO_SCHEME_SHARED_TAIL;
	cfg->tail_scope = HVO_SCOPE_ZONE;
	cfg->tail_alloc = HVO_TAIL_ALLOC_CMPXCHG;
	cfg->tail_lifetime = HVO_TAIL_NEVER;
	cfg->encoding = HVO_ENC_AUTO;
	cfg->optimize_vmemmap = true;
	cfg->rcu_sync = true;
	cfg->fault_policy = HVO_FAULT_ABORT;
	cfg->fault_log_size = 1024;
	cfg->seed = 1;
}

/* SECTION_SIZE_BITS: x86-64 27; arm64 27 for 4K/16K and 29 for 64K */
unsigned int hvo__section_shift(unsigned int page_shift)
{
	return page_shift == 16 ? 29 : 27;
}

/* largest size a config may simulate: the arena is reserved, not committed,
 * but it still needs host address space */
#define HVO_MAX_MEM (16ull << 40)

/* page size, struct page size, node count */
static int validate_geometry(const struct hvo_config *cfg)
{
	if (cfg->page_shift != 12 && cfg->page_shift != 14 && cfg->page_shift != 16)
		return hvo__err(-EINVAL, "page_shift: %u is not 12, 14 or 16 (4K, 16K, 64K pages)",
				cfg->page_shift);
	if (cfg->struct_page_size < 40 || cfg->struct_page_size > 256 ||
	    cfg->struct_page_size % 8)
		return hvo__err(-EINVAL, "struct_page_size: %u is not a multiple of 8 in [40, 256]",
				cfg->struct_page_size);
	if (cfg->nr_nodes < 1 || cfg->nr_nodes > HVO_MAX_NODES)
		return hvo__err(-EINVAL, "nr_nodes: %u is not in [1, %d]",
				cfg->nr_nodes, HVO_MAX_NODES);
	return 0;
}

/* every node's memory and movable part; nothing set beyond nr_nodes */
static int validate_nodes(const struct hvo_config *cfg, uint64_t *totalp)
{
	uint64_t total = 0, sec = 1ull << hvo__section_shift(cfg->page_shift);
	unsigned int i;

	for (i = 0; i < cfg->nr_nodes; i++) {
		uint64_t m = cfg->node_mem_bytes[i];

		if (!m || m % sec)
			return hvo__err(-EINVAL, "node_mem_bytes[%u]: %" PRIu64
					" is not a positive multiple of the %" PRIu64
					"-byte memory section", i, m, sec);
		if (cfg->node_movable_bytes[i] >= m ||
		    cfg->node_movable_bytes[i] % (1ull << cfg->page_shift))
			return hvo__err(-EINVAL, "node_movable_bytes[%u]: %" PRIu64
					" must be page aligned and smaller than the node (%" PRIu64 ")",
					i, cfg->node_movable_bytes[i], m);
		total += m;
		if (total > HVO_MAX_MEM)
			return hvo__err(-EINVAL, "node_mem_bytes: total exceeds the %" PRIu64
					" TiB hvosim can simulate", (uint64_t)(HVO_MAX_MEM >> 40));
	}
	for (; i < HVO_MAX_NODES; i++)
		if (cfg->node_mem_bytes[i] || cfg->boot_gigantic[i] ||
		    cfg->node_movable_bytes[i])
			return hvo__err(-EINVAL, "%s[%u]: node %u is beyond nr_nodes=%u",
					cfg->node_mem_bytes[i] ? "node_mem_bytes" :
					cfg->boot_gigantic[i] ? "boot_gigantic" : "node_movable_bytes",
					i, i, cfg->nr_nodes);
	*totalp = total;
	return 0;
}

/* every enum in range, and the fault log and injection knobs */
static int validate_ranges(const struct hvo_config *cfg)
{
	if ((unsigned int)cfg->scheme > HVO_SCHEME_SHARED_TAIL)
		return hvo__err(-EINVAL, "scheme: unknown value %d", (int)cfg->scheme);
	if ((unsigned int)cfg->tail_scope > HVO_SCOPE_HSTATE)
		return hvo__err(-EINVAL, "tail_scope: unknown value %d", (int)cfg->tail_scope);
	if ((unsigned int)cfg->tail_alloc > HVO_TAIL_ALLOC_NONE)
		return hvo__err(-EINVAL, "tail_alloc: unknown value %d", (int)cfg->tail_alloc);
	if ((unsigned int)cfg->tail_lifetime > HVO_TAIL_LAST_USER)
		return hvo__err(-EINVAL, "tail_lifetime: unknown value %d", (int)cfg->tail_lifetime);
	if ((unsigned int)cfg->encoding > HVO_ENC_MASK)
		return hvo__err(-EINVAL, "encoding: unknown value %d", (int)cfg->encoding);
	if ((unsigned int)cfg->fault_policy > HVO_FAULT_COUNT)
		return hvo__err(-EINVAL, "fault_policy: unknown value %d", (int)cfg->fault_policy);
	if (cfg->fault_log_size < 1 || cfg->fault_log_size > 65536)
		return hvo__err(-EINVAL, "fault_log_size: %u is not in [1, 65536]",
				cfg->fault_log_size);
	if ((unsigned int)cfg->fail.site >= HVO_NR_SITES ||
	    !(cfg->fail.probability >= 0.0 && cfg->fail.probability <= 1.0))
		return hvo__err(-EINVAL, "fail: site %d or probability %g is out of range",
				(int)cfg->fail.site, cfg->fail.probability);
	return 0;
}

/* the scheme, the encoding and the tail knobs together */
static int validate_scheme(const struct hvo_config *cfg)
{
	bool pow2 = hvo__is_pow2(cfg->struct_page_size);

	/*
	 * An HVO scheme with a struct page that is not a power of 2 is a
	 * machine the kernel boots: hugetlb_vmemmap_optimizable() is false
	 * for every hstate (is_power_of_2(sizeof(struct page))), so nothing
	 * is ever optimized, and compound_info_has_mask() is false, so tails
	 * use the pointer encoding.  Accepted; only the mask is refused.
	 */
	if (cfg->encoding == HVO_ENC_MASK && !pow2)
		return hvo__err(-EINVAL, "encoding: mask needs a power-of-2 struct_page_size, got %u",
				cfg->struct_page_size);
	/* the fake-head era predates compound_info masks */
	if (cfg->encoding == HVO_ENC_MASK && cfg->scheme == HVO_SCHEME_FAKE_HEAD)
		return hvo__err(-EINVAL, "encoding: mask cannot be used with scheme fake-head "
				"(kernels with fake heads encode head|1)");
	if (cfg->encoding == HVO_ENC_POINTER && cfg->scheme == HVO_SCHEME_SHARED_TAIL && pow2)
		return hvo__err(-EINVAL, "encoding: pointer cannot be used with scheme shared-tail "
				"(tails of different folios would differ and could not be shared)");
	if (cfg->scheme != HVO_SCHEME_SHARED_TAIL &&
	    (cfg->tail_scope || cfg->tail_alloc || cfg->tail_lifetime))
		return hvo__err(-EINVAL, "tail_scope/tail_alloc/tail_lifetime: only meaningful with "
				"scheme shared-tail (scheme is %s)", hvo_scheme_name(cfg->scheme));
	/* the known-bad hooks of the shared tail: a no-op elsewhere would read
	 * as a clean run of a bug that was never there */
	if (cfg->boot_tails_late && cfg->scheme != HVO_SCHEME_SHARED_TAIL)
		return hvo__err(-EINVAL, "boot_tails_late: only meaningful with scheme shared-tail "
				"(scheme is %s)", hvo_scheme_name(cfg->scheme));
	if (cfg->tail_publish_relaxed &&
	    (cfg->scheme != HVO_SCHEME_SHARED_TAIL || cfg->tail_alloc != HVO_TAIL_ALLOC_CMPXCHG))
		return hvo__err(-EINVAL, "tail_publish_relaxed: only meaningful with scheme "
				"shared-tail and tail_alloc cmpxchg");
	return 0;
}

static int validate_vmemmap_base(const struct hvo_config *cfg, uint64_t total)
{
	unsigned int max_order = 34 - cfg->page_shift;
	uint64_t align, span;

	if (!cfg->vmemmap_base)
		return 0;
	align = hvo__is_pow2(cfg->struct_page_size) ?
		(1ull << max_order) * cfg->struct_page_size : (1ull << cfg->page_shift);
	span = (total >> cfg->page_shift) * cfg->struct_page_size;
	if (cfg->vmemmap_base % align)
		return hvo__err(-EINVAL, "vmemmap_base: 0x%" PRIx64 " is not aligned to "
				"0x%" PRIx64 " (MAX_FOLIO_NR_PAGES * stride; compound_head() "
				"masks would decode wrongly for every compound page)",
				cfg->vmemmap_base, align);
	if (cfg->vmemmap_base < 0xffff800000000000ull ||
	    cfg->vmemmap_base + span < cfg->vmemmap_base)
		return hvo__err(-EINVAL, "vmemmap_base: 0x%" PRIx64 " is not a kernel "
				"address with room for %" PRIu64 " bytes of struct pages",
				cfg->vmemmap_base, span);
	return 0;
}

/* boot gigantic pages: a huge page size, and room left for the vmemmap */
static int validate_boot_gigantic(const struct hvo_config *cfg)
{
	uint64_t gsize, boot, rest;
	unsigned int i;

	for (i = 0; i < cfg->nr_nodes; i++) {
		if (cfg->boot_gigantic[i] && cfg->boot_gigantic_bytes &&
		    (!hvo__is_pow2(cfg->boot_gigantic_bytes) ||
		     cfg->boot_gigantic_bytes <= (1ull << cfg->page_shift)))
			return hvo__err(-EINVAL, "boot_gigantic_bytes: %" PRIu64
					" is not a huge page size", cfg->boot_gigantic_bytes);
		/* the largest gigantic hstate by default: 16G at 64K pages, else 1G;
		 * the rest of the node must still hold its own vmemmap */
		gsize = cfg->boot_gigantic_bytes ? cfg->boot_gigantic_bytes :
			cfg->page_shift == 16 ? 16ull << 30 : 1ull << 30;
		boot = (uint64_t)cfg->boot_gigantic[i] * gsize;
		rest = boot < cfg->node_mem_bytes[i] ? cfg->node_mem_bytes[i] - boot : 0;
		if (cfg->boot_gigantic[i] &&
		    (boot >= cfg->node_mem_bytes[i] ||
		     (rest >> cfg->page_shift) * cfg->struct_page_size +
		     (boot >> cfg->page_shift) * (cfg->scheme == HVO_SCHEME_SHARED_TAIL &&
						   hvo__is_pow2(cfg->struct_page_size) ? 0 :
						   cfg->struct_page_size) +
		     (8ull << 20) > rest))
			return hvo__err(-EINVAL, "boot_gigantic[%u]: %u pages of %" PRIu64 " bytes do "
					"not fit in node %u (%" PRIu64 " bytes) with room for its "
					"vmemmap", i, cfg->boot_gigantic[i], gsize, i,
					cfg->node_mem_bytes[i]);
	}
	return 0;
}

/* field group by field group, in an order that names the first bad field */
HVO_EXPORT int hvo_config_validate(const struct hvo_config *cfg)
{
	uint64_t total = 0;
	int r;

	HVO_NONNULL("config_validate", cfg);
	r = validate_geometry(cfg);
	if (!r)
		r = validate_nodes(cfg, &total);
	if (!r)
		r = validate_ranges(cfg);
	if (!r)
		r = validate_scheme(cfg);
	if (!r)
		r = validate_vmemmap_base(cfg, total);
	if (!r)
		r = validate_boot_gigantic(cfg);
	return r;
}

HVO_EXPORT const char *hvo_scheme_name(enum hvo_scheme scheme)
{
	switch (scheme) {
	case HVO_SCHEME_NONE: return "none";
	case HVO_SCHEME_FAKE_HEAD: return "fake-head";
	case HVO_SCHEME_SHARED_TAIL: return "shared-tail";
	}
	hvo__err(-EINVAL, "scheme_name: scheme %d is not a scheme", (int)scheme);
	return "?";
}

HVO_EXPORT int hvo_parse_size(const char *s, uint64_t *out)
{
	char *end;
	unsigned long long v;
	unsigned int sh = 0;

	HVO_NONNULL("parse_size", s);
	HVO_NONNULL("parse_size", out);
	/* strtoull() would skip spaces and accept a sign */
	if (*s < '0' || *s > '9')
		return hvo__err(-EINVAL, "parse_size: '%s' is not a size: it must start with "
				"a digit (4096, 64K, 2M, 16G, 1T)", s);
	errno = 0;
	/* decimal, or hex with 0x: never octal ("010G" is ten gigabytes) */
	v = strtoull(s, &end, s[0] == '0' && (s[1] == 'x' || s[1] == 'X') ? 16 : 10);
	if (errno || end == s)
		return hvo__err(-EINVAL, "parse_size: '%s' is not a size%s", s,
				errno == ERANGE ? ": too large" : "");
	switch (*end) {
	case '\0': break;
	case 'k': case 'K': sh = 10; end++; break;
	case 'm': case 'M': sh = 20; end++; break;
	case 'g': case 'G': sh = 30; end++; break;
	case 't': case 'T': sh = 40; end++; break;
	default: end = NULL; break;
	}
	if (end && *end == 'i')
		end++;
	if (end && (*end == 'B' || *end == 'b'))
		end++;
	if (!end || *end)
		return hvo__err(-EINVAL, "parse_size: '%s' is not a size: unknown suffix "
				"(K, M, G, T, optionally with iB or B)", s);
	if (sh && v > (UINT64_MAX >> sh))
		return hvo__err(-EINVAL, "parse_size: '%s' is too large (2^64 bytes or more)", s);
	*out = (uint64_t)v << sh;
	return 0;
}

static int parse_enum(const char *key, const char *v, const char *const *names,
		      int n, int *out)
{
	int i;

	for (i = 0; i < n; i++)
		if (names[i] && !strcmp(v, names[i])) {
			*out = i;
			return 0;
		}
	return hvo__err(-EINVAL, "%s: unknown value '%s'", key, v);
}

static int parse_u64(const char *key, const char *v, uint64_t *out)
{
	char *end;

	errno = 0;
	if (*v < '0' || *v > '9')
		return hvo__err(-EINVAL, "%s: '%s' is not a number", key, v);
	*out = strtoull(v, &end, v[0] == '0' && (v[1] == 'x' || v[1] == 'X') ? 16 : 10);
	if (errno || *end)
		return hvo__err(-EINVAL, "%s: '%s' is not a number", key, v);
	return 0;
}

/* "A" for all nodes or "A,B,C" per node */
static int parse_per_node(const char *key, const char *v, bool size,
			  uint64_t *vals, unsigned int *n)
{
	char buf[256], *save = NULL, *tok;
	unsigned int i = 0;

	if (strlen(v) >= sizeof(buf))
		return hvo__err(-EINVAL, "%s: value too long", key);
	strcpy(buf, v);
	for (tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		if (i >= HVO_MAX_NODES)
			return hvo__err(-EINVAL, "%s: more than %d nodes", key, HVO_MAX_NODES);
		if (size ? hvo_parse_size(tok, &vals[i]) : parse_u64(key, tok, &vals[i]))
			return hvo__err(-EINVAL, "%s: '%s' is not a %s", key, tok,
					size ? "size" : "number");
		i++;
	}
	if (!i)
		return hvo__err(-EINVAL, "%s: empty value", key);
	*n = i;
	return 0;
}

/* a setter's "not my key" (errors are negative) */
#define KEY_UNKNOWN 1

/* the keys spelled as one of a list of names, in enum order */
static int set_enum_key(struct hvo_config *cfg, const char *key, const char *value)
{
	static const char *const schemes[] = { "none", "fake-head", "shared-tail" };
	static const char *const scopes[] = { "zone", "node", "hstate" };
	static const char *const allocs[] = { "cmpxchg", "lock", "none" };
	static const char *const lifetimes[] = { "never", "last-user" };
	static const char *const encodings[] = { "auto", "pointer", "mask" };
	static const char *const policies[] = { "abort", "record", "count" };
	static const char *const bools[] = { "off", "on" };
	enum { K_SCHEME, K_SCOPE, K_ALLOC, K_LIFETIME, K_ENCODING, K_POLICY,
	       K_RCU_SYNC, K_CONT_HSTATES, K_OPTIMIZE_VMEMMAP, K_MOVABLE_GIGANTIC,
	       K_BOOT_TAILS_LATE, K_TAIL_PUBLISH_RELAXED, NR_KEYS };
	static const struct {
		const char *key;
		const char *const *names;
		int n;
	} keys[NR_KEYS] = {
		[K_SCHEME] = { "scheme", schemes, 3 },
		[K_SCOPE] = { "scope", scopes, 3 },
		[K_ALLOC] = { "alloc", allocs, 3 },
		[K_LIFETIME] = { "lifetime", lifetimes, 2 },
		[K_ENCODING] = { "encoding", encodings, 3 },
		[K_POLICY] = { "fault-policy", policies, 3 },
		[K_RCU_SYNC] = { "rcu-sync", bools, 2 },
		[K_CONT_HSTATES] = { "cont-hstates", bools, 2 },
		[K_OPTIMIZE_VMEMMAP] = { "optimize-vmemmap", bools, 2 },
		[K_MOVABLE_GIGANTIC] = { "movable-gigantic-pages", bools, 2 },
		[K_BOOT_TAILS_LATE] = { "boot-tails-late", bools, 2 },
		[K_TAIL_PUBLISH_RELAXED] = { "tail-publish-relaxed", bools, 2 },
	};
	int k, e = 0, r;

	for (k = 0; k < NR_KEYS && strcmp(key, keys[k].key); k++)
		;
	if (k == NR_KEYS)
		return KEY_UNKNOWN;
	r = parse_enum(key, value, keys[k].names, keys[k].n, &e);
	if (r)
		return r;
	switch (k) {
	case K_SCHEME: cfg->scheme = (enum hvo_scheme)e; break;
	case K_SCOPE: cfg->tail_scope = (enum hvo_tail_scope)e; break;
	case K_ALLOC: cfg->tail_alloc = (enum hvo_tail_alloc)e; break;
	case K_LIFETIME: cfg->tail_lifetime = (enum hvo_tail_lifetime)e; break;
	case K_ENCODING: cfg->encoding = (enum hvo_encoding)e; break;
	case K_POLICY: cfg->fault_policy = (enum hvo_fault_policy)e; break;
	case K_RCU_SYNC: cfg->rcu_sync = e; break;
	case K_OPTIMIZE_VMEMMAP: cfg->optimize_vmemmap = e; break;
	case K_MOVABLE_GIGANTIC: cfg->movable_gigantic_pages = e; break;
	case K_BOOT_TAILS_LATE: cfg->boot_tails_late = e; break;
	case K_TAIL_PUBLISH_RELAXED: cfg->tail_publish_relaxed = e; break;
	default: cfg->cont_hstates = e; break;
	}
	return 0;
}

/* the keys that take one number, and the values no config can ever hold
 * (refused at once, so a bad --page-shift is named where it was given) */
static int set_number_key(struct hvo_config *cfg, const char *key, const char *value)
{
	static const struct {
		const char *key;
		uint64_t min, max, step;	/* step: a multiple of it */
		const char *rule;
	} keys[] = {
		{ "page-shift", 12, 16, 2, "12, 14 or 16 (4K, 16K, 64K pages)" },
		{ "struct-page-size", 40, 256, 8, "a multiple of 8 in [40, 256]" },
		{ "nodes", 1, HVO_MAX_NODES, 1, "in [1, 8] (HVO_MAX_NODES)" },
		{ "fault-log-size", 1, 65536, 1, "in [1, 65536]" },
		{ "seed", 0, UINT64_MAX, 1, "" },
	};
	unsigned int k;
	uint64_t v;
	int r;

	for (k = 0; k < sizeof(keys) / sizeof(keys[0]) && strcmp(key, keys[k].key); k++)
		;
	if (k == sizeof(keys) / sizeof(keys[0]))
		return KEY_UNKNOWN;
	r = parse_u64(key, value, &v);
	if (r)
		return r;
	if (v < keys[k].min || v > keys[k].max || v % keys[k].step)
		return hvo__err(-EINVAL, "%s: %s can never be valid: %s", key, value,
				keys[k].rule);
	switch (k) {
	case 0: cfg->page_shift = (unsigned int)v; break;
	case 1: cfg->struct_page_size = (unsigned int)v; break;
	case 2: cfg->nr_nodes = (unsigned int)v; break;
	case 3: cfg->fault_log_size = (unsigned int)v; break;
	default: cfg->seed = v; break;
	}
	return 0;
}

/* a per-node value no geometry accepts: memory not a multiple of the
 * smallest memory section (SECTION_SIZE_BITS 27), a movable part not a
 * multiple of the smallest page */
static int check_per_node(const char *key, uint64_t v)
{
	if (!strcmp(key, "mem") && (!v || v % (1ull << 27)))
		return hvo__err(-EINVAL, "mem: %" PRIu64 " can never be valid: a positive multiple "
				"of the 128 MiB memory section", v);
	if (!strcmp(key, "movable") && v % 4096)
		return hvo__err(-EINVAL, "movable: %" PRIu64 " can never be valid: a multiple of "
				"the page size", v);
	if (!strcmp(key, "boot-gigantic") && v > 1u << 24)
		return hvo__err(-EINVAL, "%s: %" PRIu64 " is too many", key, v);
	return 0;
}

/* the keys with a value per node: "A" for all nodes or "A,B,C" */
static int set_per_node_key(struct hvo_config *cfg, const char *key, const char *value)
{
	uint64_t vals[HVO_MAX_NODES];
	unsigned int n = 0, i;
	bool size;
	int r;

	if (strcmp(key, "mem") && strcmp(key, "movable") && strcmp(key, "boot-gigantic"))
		return KEY_UNKNOWN;
	size = strcmp(key, "boot-gigantic") != 0;
	r = parse_per_node(key, value, size, vals, &n);
	if (r)
		return r;
	/* check everything before changing anything */
	for (i = 0; i < n; i++) {
		r = check_per_node(key, vals[i]);
		if (r)
			return r;
	}
	for (i = 0; i < HVO_MAX_NODES; i++) {
		uint64_t x = n == 1 ? (i < cfg->nr_nodes ? vals[0] : 0)
				    : (i < n ? vals[i] : 0);

		if (!strcmp(key, "mem"))
			cfg->node_mem_bytes[i] = x;
		else if (!strcmp(key, "movable"))
			cfg->node_movable_bytes[i] = x;
		else
			cfg->boot_gigantic[i] = (unsigned int)x;
	}
	return 0;
}

HVO_EXPORT int hvo_config_set(struct hvo_config *cfg, const char *key,
			      const char *value)
{
	int r;

	HVO_NONNULL("config_set", cfg);
	HVO_NONNULL("config_set", key);
	HVO_NONNULL("config_set", value);
	r = set_enum_key(cfg, key, value);
	if (r == KEY_UNKNOWN)
		r = set_number_key(cfg, key, value);
	if (r == KEY_UNKNOWN)
		r = set_per_node_key(cfg, key, value);
	if (r != KEY_UNKNOWN)
		return r;
	if (!strcmp(key, "vmemmap-base"))
		return parse_u64(key, value, &cfg->vmemmap_base);
	if (!strcmp(key, "boot-gigantic-size")) {
		uint64_t v;

		if (hvo_parse_size(value, &v))
			return hvo__err(-EINVAL, "%s: '%s' is not a size", key, value);
		/* 0: the largest gigantic hstate */
		if (v && (!hvo__is_pow2(v) || v <= 4096))
			return hvo__err(-EINVAL, "%s: %s can never be valid: a huge page size "
					"(a power of 2 above the page size)", key, value);
		cfg->boot_gigantic_bytes = v;
		return 0;
	}
	return hvo__err(-EINVAL, "config: unknown key '%s'", key);
}
