// SPDX-License-Identifier: MIT
/*
 * test_config.c - struct hvo_config: defaults, validation (every bad field is
 * -EINVAL and named in hvo_last_error()), hvo_config_set(), hvo_parse_size()
 * and hvo_sim_create() refusing a bad config.
 */
#include <math.h>

#include "hvotest.h"

/* validate must fail with -EINVAL and name @field */
#define assert_bad(cfgp, field)                                              \
	do {                                                                 \
		assert_int_equal(hvo_config_validate(cfgp), -EINVAL);        \
		assert_error_names(field);                                   \
	} while (0)

#define assert_good(cfgp)                                                    \
	do {                                                                 \
		int r_ = hvo_config_validate(cfgp);                          \
		if (r_)                                                      \
			failf("validate: %d (%s)", r_, hvo_last_error()); \
	} while (0)

static void test_defaults_validate(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	assert_good(&c);
	assert_int_equal(c.page_shift, 12);
	assert_int_equal(c.struct_page_size, 64);
	assert_int_equal(c.nr_nodes, 1);
	assert_int_equal(c.node_mem_bytes[0], 4 * GiB);
	assert_int_equal(c.scheme, HVO_SCHEME_SHARED_TAIL);
	assert_int_equal(c.tail_scope, HVO_SCOPE_ZONE);
	assert_int_equal(c.tail_alloc, HVO_TAIL_ALLOC_CMPXCHG);
	assert_int_equal(c.tail_lifetime, HVO_TAIL_NEVER);
	assert_int_equal(c.encoding, HVO_ENC_AUTO);
	assert_true(c.rcu_sync);
	assert_int_equal(c.fault_policy, HVO_FAULT_ABORT);
	assert_int_equal(c.seed, 1);
	assert_int_equal(hvo_config_validate(NULL), -EINVAL);
}

static void test_page_shift(void **state)
{
	static const unsigned int good[] = { 12, 14, 16 };
	static const unsigned int bad[] = { 0, 11, 13, 15, 17, 21 };
	struct hvo_config c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		hvo_config_init(&c);
		c.page_shift = good[i];
		/* 4 GiB is a section multiple at every page size */
		assert_good(&c);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		hvo_config_init(&c);
		c.page_shift = bad[i];
		assert_bad(&c, "page_shift");
	}
}

static void test_struct_page_size(void **state)
{
	static const unsigned int bad[] = { 0, 32, 36, 39, 41, 66, 100, 257, 260, 264 };
	static const unsigned int good_none[] = { 40, 48, 56, 64, 72, 80, 128, 256 };
	struct hvo_config c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		hvo_config_init(&c);
		c.scheme = HVO_SCHEME_NONE;
		c.struct_page_size = bad[i];
		assert_bad(&c, "struct_page_size");
	}
	for (i = 0; i < ARRAY_SIZE(good_none); i++) {
		hvo_config_init(&c);
		c.scheme = HVO_SCHEME_NONE;
		c.struct_page_size = good_none[i];
		assert_good(&c);
	}
}

static void test_nr_nodes(void **state)
{
	struct hvo_config c;
	unsigned int i;

	(void)state;
	hvo_config_init(&c);
	c.nr_nodes = 0;
	assert_bad(&c, "nr_nodes");
	hvo_config_init(&c);
	c.nr_nodes = HVO_MAX_NODES + 1;
	assert_bad(&c, "nr_nodes");
	hvo_config_init(&c);
	c.nr_nodes = HVO_MAX_NODES;
	for (i = 0; i < HVO_MAX_NODES; i++)
		c.node_mem_bytes[i] = 128 * MiB;
	assert_good(&c);
}

static void test_node_mem_section(void **state)
{
	static const struct {
		unsigned int shift;
		uint64_t section;
	} geo[] = { { 12, 128 * MiB }, { 14, 128 * MiB }, { 16, 512 * MiB } };
	struct hvo_config c;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(geo); i++) {
		hvo_config_init(&c);
		c.page_shift = geo[i].shift;
		c.node_mem_bytes[0] = geo[i].section;
		assert_good(&c);
		c.node_mem_bytes[0] = 3 * geo[i].section;
		assert_good(&c);
		c.node_mem_bytes[0] = geo[i].section + geo[i].section / 2;
		assert_bad(&c, "node_mem_bytes");
		c.node_mem_bytes[0] = geo[i].section - (1ull << geo[i].shift);
		assert_bad(&c, "node_mem_bytes");
		c.node_mem_bytes[0] = 4 * GiB + (1ull << geo[i].shift);
		assert_bad(&c, "node_mem_bytes");
		c.node_mem_bytes[0] = 0;
		assert_bad(&c, "node_mem_bytes");
	}
	/* 256 MiB: a section multiple at 4K and 16K, not at 64K */
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 256 * MiB;
	assert_good(&c);
	c.page_shift = 14;
	assert_good(&c);
	c.page_shift = 16;
	assert_bad(&c, "node_mem_bytes");

	/* the second node is checked too */
	hvo_config_init(&c);
	c.nr_nodes = 2;
	c.node_mem_bytes[1] = 0;
	assert_bad(&c, "node_mem_bytes[1]");
	c.node_mem_bytes[1] = 100 * MiB;
	assert_bad(&c, "node_mem_bytes[1]");
	c.node_mem_bytes[1] = 128 * MiB;
	assert_good(&c);
}

static void test_node_movable(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.node_movable_bytes[0] = c.node_mem_bytes[0];
	assert_bad(&c, "node_movable_bytes");
	c.node_movable_bytes[0] = c.node_mem_bytes[0] + 4096;
	assert_bad(&c, "node_movable_bytes");
	c.node_movable_bytes[0] = 1 * GiB + 1;	/* not page aligned */
	assert_bad(&c, "node_movable_bytes");
	c.node_movable_bytes[0] = c.node_mem_bytes[0] - 4096;
	assert_good(&c);
	c.node_movable_bytes[0] = 1 * GiB;
	assert_good(&c);
	/* page aligned at 4K is not page aligned at 64K */
	c.page_shift = 16;
	c.node_movable_bytes[0] = 1 * GiB + 4096;
	assert_bad(&c, "node_movable_bytes");
}

static void test_node_beyond_nr_nodes(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.node_mem_bytes[1] = 128 * MiB;
	assert_bad(&c, "node_mem_bytes[1]");
	assert_error_names("nr_nodes");

	hvo_config_init(&c);
	c.nr_nodes = 2;
	c.node_mem_bytes[1] = 128 * MiB;
	c.node_mem_bytes[HVO_MAX_NODES - 1] = 128 * MiB;
	assert_int_equal(hvo_config_validate(&c), -EINVAL);
	assert_error_names("nr_nodes");
}

/*
 * Library bug (reported): a boot_gigantic or node_movable_bytes entry for a
 * node beyond nr_nodes is refused, but the message names node_mem_bytes[i]
 * (src/config.c, the loop after the per-node checks), not the field that is
 * set.  config.h promises the message names the field.
 */
static void test_node_beyond_nr_nodes_names_field(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.boot_gigantic[2] = 1;
	assert_bad(&c, "boot_gigantic");

	hvo_config_init(&c);
	c.node_movable_bytes[3] = 4096;
	assert_bad(&c, "node_movable_bytes");
}

static void test_enum_ranges(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.scheme = (enum hvo_scheme)3;
	assert_bad(&c, "scheme");
	c.scheme = (enum hvo_scheme)-1;
	assert_bad(&c, "scheme");

	hvo_config_init(&c);
	c.tail_scope = (enum hvo_tail_scope)3;
	assert_bad(&c, "tail_scope");
	c.tail_scope = (enum hvo_tail_scope)-1;
	assert_bad(&c, "tail_scope");

	hvo_config_init(&c);
	c.tail_alloc = (enum hvo_tail_alloc)3;
	assert_bad(&c, "tail_alloc");

	hvo_config_init(&c);
	c.tail_lifetime = (enum hvo_tail_lifetime)2;
	assert_bad(&c, "tail_lifetime");

	hvo_config_init(&c);
	c.encoding = (enum hvo_encoding)3;
	assert_bad(&c, "encoding");

	hvo_config_init(&c);
	c.fault_policy = (enum hvo_fault_policy)3;
	assert_bad(&c, "fault_policy");

	hvo_config_init(&c);
	c.fault_log_size = 0;
	assert_bad(&c, "fault_log_size");
	c.fault_log_size = 65537;
	assert_bad(&c, "fault_log_size");
	c.fault_log_size = 65536;
	assert_good(&c);
	c.fault_log_size = 1;
	assert_good(&c);

	/* every in-range value of every knob is accepted with shared-tail */
	hvo_config_init(&c);
	c.tail_scope = HVO_SCOPE_HSTATE;
	c.tail_alloc = HVO_TAIL_ALLOC_NONE;
	c.tail_lifetime = HVO_TAIL_LAST_USER;
	c.encoding = HVO_ENC_MASK;
	c.fault_policy = HVO_FAULT_COUNT;
	assert_good(&c);
}

static void test_scheme_with_any_stride(void **state)
{
	static const unsigned int odd[] = { 40, 48, 56, 72, 80, 96, 248 };
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_FAKE_HEAD,
						   HVO_SCHEME_SHARED_TAIL };
	struct hvo_config c;
	size_t i, s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(schemes); s++) {
		/* issue 8.5, a change on purpose: the kernel runs such a machine
		 * and optimizes nothing, so the config is valid (was: refused) */
		for (i = 0; i < ARRAY_SIZE(odd); i++) {
			hvo_config_init(&c);
			c.scheme = schemes[s];
			c.struct_page_size = odd[i];
			assert_good(&c);
			/* the mask still needs a power of 2 */
			c.encoding = HVO_ENC_MASK;
			assert_bad(&c, "encoding");
		}
		hvo_config_init(&c);
		c.scheme = schemes[s];
		c.struct_page_size = 64;
		assert_good(&c);
		c.struct_page_size = 128;
		assert_good(&c);
		c.struct_page_size = 256;
		assert_good(&c);
	}
	/* HVO off: any stride */
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_NONE;
	c.struct_page_size = 72;
	assert_good(&c);
}

static void test_encoding_combinations(void **state)
{
	struct hvo_config c;

	(void)state;
	/* mask with fake-head */
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_FAKE_HEAD;
	c.encoding = HVO_ENC_MASK;
	assert_bad(&c, "encoding");
	c.encoding = HVO_ENC_POINTER;
	assert_good(&c);
	c.encoding = HVO_ENC_AUTO;
	assert_good(&c);

	/* pointer with shared-tail */
	hvo_config_init(&c);
	c.encoding = HVO_ENC_POINTER;
	assert_bad(&c, "encoding");
	c.encoding = HVO_ENC_MASK;
	assert_good(&c);

	/* mask with a non power of 2 stride, scheme none */
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_NONE;
	c.struct_page_size = 72;
	c.encoding = HVO_ENC_MASK;
	assert_bad(&c, "encoding");
	c.encoding = HVO_ENC_POINTER;
	assert_good(&c);
	/* mask with scheme none and a power of 2 stride is allowed */
	c.struct_page_size = 64;
	c.encoding = HVO_ENC_MASK;
	assert_good(&c);
}

static void test_tail_knobs_need_shared_tail(void **state)
{
	static const enum hvo_scheme schemes[] = { HVO_SCHEME_NONE,
						   HVO_SCHEME_FAKE_HEAD };
	struct hvo_config c;
	size_t s;

	(void)state;
	for (s = 0; s < ARRAY_SIZE(schemes); s++) {
		hvo_config_init(&c);
		c.scheme = schemes[s];
		assert_good(&c);
		c.tail_scope = HVO_SCOPE_NODE;
		assert_bad(&c, "tail_scope");

		hvo_config_init(&c);
		c.scheme = schemes[s];
		c.tail_alloc = HVO_TAIL_ALLOC_LOCK;
		assert_bad(&c, "tail_alloc");

		hvo_config_init(&c);
		c.scheme = schemes[s];
		c.tail_lifetime = HVO_TAIL_LAST_USER;
		assert_bad(&c, "tail_lifetime");

		hvo_config_init(&c);
		c.scheme = schemes[s];
		c.boot_tails_late = true;
		assert_bad(&c, "boot_tails_late");

		hvo_config_init(&c);
		c.scheme = schemes[s];
		c.tail_publish_relaxed = true;
		assert_bad(&c, "tail_publish_relaxed");
	}
	/* the relaxed publish is a cmpxchg's: not the locked or unsynchronised one */
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_SHARED_TAIL;
	c.boot_tails_late = true;
	c.tail_publish_relaxed = true;
	assert_good(&c);
	c.tail_alloc = HVO_TAIL_ALLOC_LOCK;
	assert_bad(&c, "tail_publish_relaxed");
}

static void test_vmemmap_base(void **state)
{
	struct hvo_config c;
	/* MAX_FOLIO_NR_PAGES * stride = 2^22 * 64 = 2^28 at 4K */
	const uint64_t good = 0xffffea0000000000ull;

	(void)state;
	hvo_config_init(&c);
	c.vmemmap_base = good;
	assert_good(&c);
	c.vmemmap_base = good + (1ull << 28);
	assert_good(&c);
	c.vmemmap_base = good + 4096;
	assert_bad(&c, "vmemmap_base");
	c.vmemmap_base = good + (1ull << 27);
	assert_bad(&c, "vmemmap_base");
	c.vmemmap_base = good + 1;
	assert_bad(&c, "vmemmap_base");
	/* aligned but not a kernel address */
	c.vmemmap_base = 1ull << 40;
	assert_bad(&c, "vmemmap_base");
	/* aligned, but 32 GiB of struct pages (512 MiB) would wrap past 2^64 */
	c.node_mem_bytes[0] = 32 * GiB;
	c.vmemmap_base = 0xfffffffff0000000ull;
	assert_bad(&c, "vmemmap_base");
	c.vmemmap_base = 0xffffffffd0000000ull;	/* ends below 2^64 */
	assert_good(&c);

	/* stride 128: alignment 2^29 */
	hvo_config_init(&c);
	c.struct_page_size = 128;
	c.vmemmap_base = good + (1ull << 28);
	assert_bad(&c, "vmemmap_base");
	c.vmemmap_base = good + (1ull << 29);
	assert_good(&c);

	/* non power of 2 stride: page alignment is enough */
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_NONE;
	c.struct_page_size = 72;
	c.vmemmap_base = good + 4096;
	assert_good(&c);
	c.vmemmap_base = good + 8;
	assert_bad(&c, "vmemmap_base");
}

static void test_boot_gigantic(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	c.boot_gigantic[0] = 3;		/* 3 x 1 GiB in 4 GiB */
	assert_good(&c);
	c.boot_gigantic[0] = 5;
	assert_bad(&c, "boot_gigantic");

	hvo_config_init(&c);
	c.boot_gigantic_bytes = 2 * MiB;
	c.boot_gigantic[0] = 2049;
	assert_bad(&c, "boot_gigantic");
	c.boot_gigantic[0] = 16;
	assert_good(&c);
	c.boot_gigantic_bytes = 3 * MiB;	/* not a power of 2 */
	assert_bad(&c, "boot_gigantic_bytes");
	c.boot_gigantic_bytes = 4096;		/* the base page */
	assert_bad(&c, "boot_gigantic_bytes");

	/* second node */
	hvo_config_init(&c);
	c.nr_nodes = 2;
	c.node_mem_bytes[1] = 2 * GiB;
	c.boot_gigantic[1] = 1;
	assert_good(&c);
	c.boot_gigantic[1] = 2;		/* fills the node: no room for its vmemmap */
	assert_bad(&c, "boot_gigantic[1]");
}

/* boot gigantic pages that leave room for the rest of the machine */
static void test_boot_gigantic_create(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;
	int r;

	(void)state;
	hvo_config_init(&c);
	c.boot_gigantic[0] = 2;
	r = hvo_sim_create(&c, &sim);
	if (r)
		failf("create: %d (%s)", r, hvo_last_error());
	/* pool folios are the machine's, not leaks */
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

/*
 * Library bug (reported): boot gigantic pages that pass the validate check
 * (count * size <= node memory) but leave no room for the node's vmemmap
 * and page tables make hvo_sim_create() fail with -ENOMEM and the message
 * of an internal allocation ("alloc: no free block of order 0 on node 0"),
 * not -EINVAL naming boot_gigantic (src/config.c boot_gigantic fit check,
 * src/hugetlb.c hvo__hugetlb_boot_reserve()).  sim.h: -ENOMEM is for "the
 * host cannot back it", -EINVAL names the field of a bad config.
 */
static void test_boot_gigantic_fills_node(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;

	(void)state;
	hvo_config_init(&c);
	c.boot_gigantic[0] = 4;		/* 4 x 1 GiB: all of the node */
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);
	assert_error_names("boot_gigantic");

	hvo_config_init(&c);
	c.node_mem_bytes[0] = 1 * GiB;
	c.boot_gigantic[0] = 1;
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);
	assert_error_names("boot_gigantic");
}

/*
 * Library bug (reported): with boot_gigantic_bytes 0 the validate check
 * assumes 1 GiB pages (src/config.c, the "1ull << 30" of the boot_gigantic
 * fit check), but at 64K base pages the boot hstate is the largest
 * gigantic one, 16 GiB (src/hugetlb.c boot_hstate()).  validate accepts a
 * config that hvo_sim_create() then refuses with -EINVAL.
 */
static void test_boot_gigantic_default_size_64k(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;
	int rv, rc;

	(void)state;
	hvo_config_init(&c);
	c.page_shift = 16;
	c.boot_gigantic[0] = 1;		/* one 16 GiB page in 4 GiB */
	rc = hvo_sim_create(&c, &sim);
	assert_null(sim);
	assert_int_equal(rc, -EINVAL);
	rv = hvo_config_validate(&c);
	assert_int_equal(rv, -EINVAL);
	assert_error_names("boot_gigantic");
}

/* ---- hvo_config_set ---- */

#define assert_set_ok(c, k, v)                                               \
	do {                                                                 \
		int r_ = hvo_config_set((c), (k), (v));                      \
		if (r_)                                                      \
			failf("config_set %s=%s: %d (%s)", (k), (v), r_,  \
				 hvo_last_error());                          \
	} while (0)

#define assert_set_bad(c, k, v)                                              \
	do {                                                                 \
		struct hvo_config before_;                                   \
		memcpy(&before_, (c), sizeof(before_));	/* with padding */  \
		assert_int_equal(hvo_config_set((c), (k), (v)), -EINVAL);    \
		assert_error_names(k);                                       \
		assert_memory_equal(&before_, (c), sizeof(before_));         \
	} while (0)

static void test_set_enums(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);

	assert_set_ok(&c, "scheme", "none");
	assert_int_equal(c.scheme, HVO_SCHEME_NONE);
	assert_set_ok(&c, "scheme", "fake-head");
	assert_int_equal(c.scheme, HVO_SCHEME_FAKE_HEAD);
	assert_set_ok(&c, "scheme", "shared-tail");
	assert_int_equal(c.scheme, HVO_SCHEME_SHARED_TAIL);
	assert_set_bad(&c, "scheme", "shared_tail");
	assert_set_bad(&c, "scheme", "");
	assert_set_bad(&c, "scheme", "SHARED-TAIL");

	assert_set_ok(&c, "scope", "node");
	assert_int_equal(c.tail_scope, HVO_SCOPE_NODE);
	assert_set_ok(&c, "scope", "hstate");
	assert_int_equal(c.tail_scope, HVO_SCOPE_HSTATE);
	assert_set_ok(&c, "scope", "zone");
	assert_int_equal(c.tail_scope, HVO_SCOPE_ZONE);
	assert_set_bad(&c, "scope", "global");

	assert_set_ok(&c, "alloc", "lock");
	assert_int_equal(c.tail_alloc, HVO_TAIL_ALLOC_LOCK);
	assert_set_ok(&c, "alloc", "none");
	assert_int_equal(c.tail_alloc, HVO_TAIL_ALLOC_NONE);
	assert_set_ok(&c, "alloc", "cmpxchg");
	assert_int_equal(c.tail_alloc, HVO_TAIL_ALLOC_CMPXCHG);
	assert_set_bad(&c, "alloc", "cas");

	assert_set_ok(&c, "lifetime", "last-user");
	assert_int_equal(c.tail_lifetime, HVO_TAIL_LAST_USER);
	assert_set_ok(&c, "lifetime", "never");
	assert_int_equal(c.tail_lifetime, HVO_TAIL_NEVER);
	assert_set_bad(&c, "lifetime", "always");

	assert_set_ok(&c, "encoding", "pointer");
	assert_int_equal(c.encoding, HVO_ENC_POINTER);
	assert_set_ok(&c, "encoding", "mask");
	assert_int_equal(c.encoding, HVO_ENC_MASK);
	assert_set_ok(&c, "encoding", "auto");
	assert_int_equal(c.encoding, HVO_ENC_AUTO);
	assert_set_bad(&c, "encoding", "head");

	assert_set_ok(&c, "fault-policy", "record");
	assert_int_equal(c.fault_policy, HVO_FAULT_RECORD);
	assert_set_ok(&c, "fault-policy", "count");
	assert_int_equal(c.fault_policy, HVO_FAULT_COUNT);
	assert_set_ok(&c, "fault-policy", "abort");
	assert_int_equal(c.fault_policy, HVO_FAULT_ABORT);
	assert_set_bad(&c, "fault-policy", "ignore");

	assert_set_ok(&c, "rcu-sync", "off");
	assert_false(c.rcu_sync);
	assert_set_ok(&c, "rcu-sync", "on");
	assert_true(c.rcu_sync);
	assert_set_bad(&c, "rcu-sync", "yes");
	assert_set_bad(&c, "rcu-sync", "1");

	assert_false(c.boot_tails_late);
	assert_set_ok(&c, "boot-tails-late", "on");
	assert_true(c.boot_tails_late);
	assert_set_ok(&c, "boot-tails-late", "off");
	assert_false(c.boot_tails_late);
	assert_set_bad(&c, "boot-tails-late", "true");
	assert_false(c.tail_publish_relaxed);
	assert_set_ok(&c, "tail-publish-relaxed", "on");
	assert_true(c.tail_publish_relaxed);
	assert_set_ok(&c, "tail-publish-relaxed", "off");
	assert_false(c.tail_publish_relaxed);
	assert_set_bad(&c, "tail-publish-relaxed", "2");
}

static void test_set_numbers(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);

	assert_set_ok(&c, "page-shift", "14");
	assert_int_equal(c.page_shift, 14);
	assert_set_ok(&c, "page-shift", "16");
	assert_int_equal(c.page_shift, 16);
	assert_set_bad(&c, "page-shift", "abc");
	assert_set_bad(&c, "page-shift", "");
	assert_set_bad(&c, "page-shift", "-1");
	assert_set_bad(&c, "page-shift", "12x");
	assert_set_bad(&c, "page-shift", "99999999999999999999999");
	assert_set_bad(&c, "page-shift", "65537");
	/* a value no config can ever hold is refused when set (issue 8.8),
	 * leaving the field as it was; validation judges combinations */
	assert_set_bad(&c, "page-shift", "13");
	assert_error_names("page-shift");
	assert_int_equal(c.page_shift, 16);
	c.page_shift = 13;
	assert_int_equal(hvo_config_validate(&c), -EINVAL);
	assert_set_ok(&c, "page-shift", "12");

	assert_set_ok(&c, "struct-page-size", "72");
	assert_int_equal(c.struct_page_size, 72);
	assert_set_bad(&c, "struct-page-size", "seventy-two");
	assert_set_bad(&c, "struct-page-size", "-64");
	assert_set_ok(&c, "struct-page-size", "64");

	assert_set_ok(&c, "nodes", "2");
	assert_int_equal(c.nr_nodes, 2);
	assert_set_bad(&c, "nodes", "two");
	assert_set_bad(&c, "nodes", "");

	assert_set_ok(&c, "seed", "12345");
	assert_int_equal(c.seed, 12345);
	assert_set_ok(&c, "seed", "0x10");
	assert_int_equal(c.seed, 16);
	/* seed has no 65536 cap */
	assert_set_ok(&c, "seed", "18446744073709551615");
	assert_int_equal(c.seed, UINT64_MAX);
	assert_set_bad(&c, "seed", "x");
	assert_set_bad(&c, "seed", "-5");
	assert_set_bad(&c, "seed", "18446744073709551616");
}

static void test_set_per_node(void **state)
{
	struct hvo_config c;
	unsigned int i;

	(void)state;
	hvo_config_init(&c);

	/* one value: every configured node */
	assert_set_ok(&c, "nodes", "2");
	assert_set_ok(&c, "mem", "8G");
	assert_int_equal(c.node_mem_bytes[0], 8 * GiB);
	assert_int_equal(c.node_mem_bytes[1], 8 * GiB);
	for (i = 2; i < HVO_MAX_NODES; i++)
		assert_int_equal(c.node_mem_bytes[i], 0);
	assert_good(&c);

	/* a list: per node, the rest 0 */
	assert_set_ok(&c, "mem", "4G,512M");
	assert_int_equal(c.node_mem_bytes[0], 4 * GiB);
	assert_int_equal(c.node_mem_bytes[1], 512 * MiB);
	for (i = 2; i < HVO_MAX_NODES; i++)
		assert_int_equal(c.node_mem_bytes[i], 0);
	assert_good(&c);

	assert_set_bad(&c, "mem", "4X");
	assert_set_bad(&c, "mem", "");
	assert_set_bad(&c, "mem", ",");
	assert_set_bad(&c, "mem", "1G,2G,1G,1G,1G,1G,1G,1G,1G");
	assert_set_bad(&c, "mem", "1G,-1");

	assert_set_ok(&c, "movable", "1G");
	assert_int_equal(c.node_movable_bytes[0], 1 * GiB);
	assert_int_equal(c.node_movable_bytes[1], 1 * GiB);
	assert_int_equal(hvo_config_validate(&c), -EINVAL);	/* node 1 is 512M */
	assert_set_ok(&c, "movable", "1G,256M");
	assert_int_equal(c.node_movable_bytes[1], 256 * MiB);
	assert_good(&c);
	assert_set_bad(&c, "movable", "lots");

	assert_set_ok(&c, "boot-gigantic", "2");
	assert_int_equal(c.boot_gigantic[0], 2);
	assert_int_equal(c.boot_gigantic[1], 2);
	assert_set_ok(&c, "boot-gigantic", "1,0");
	assert_int_equal(c.boot_gigantic[0], 1);
	assert_int_equal(c.boot_gigantic[1], 0);
	assert_good(&c);
	assert_set_bad(&c, "boot-gigantic", "abc");
	assert_set_bad(&c, "boot-gigantic", "1G");
	assert_set_bad(&c, "boot-gigantic", "99999999");
	assert_set_bad(&c, "boot-gigantic", "");
}

/*
 * Library bug (reported): a per-node list with a bad entry after a good one
 * leaves the good entries written (src/config.c hvo_config_set(), the
 * "boot-gigantic" range check runs inside the loop that assigns), while
 * every other failing hvo_config_set() leaves the config untouched.
 */
static void test_set_per_node_atomic(void **state)
{
	struct hvo_config c;

	(void)state;
	hvo_config_init(&c);
	assert_set_ok(&c, "nodes", "2");
	assert_set_bad(&c, "boot-gigantic", "1,99999999");
	assert_int_equal(c.boot_gigantic[0], 0);
}

static void test_set_misc(void **state)
{
	struct hvo_config c, before;

	(void)state;
	hvo_config_init(&c);
	memcpy(&before, &c, sizeof(c));
	assert_int_equal(hvo_config_set(&c, "no-such-key", "1"), -EINVAL);
	assert_error_names("no-such-key");
	assert_memory_equal(&before, &c, sizeof(c));
	assert_int_equal(hvo_config_set(NULL, "seed", "1"), -EINVAL);
	assert_int_equal(hvo_config_set(&c, NULL, "1"), -EINVAL);
	assert_int_equal(hvo_config_set(&c, "seed", NULL), -EINVAL);
	assert_memory_equal(&before, &c, sizeof(c));

	/* a full config built from CLI spellings validates and creates */
	assert_set_ok(&c, "scheme", "fake-head");
	assert_set_ok(&c, "page-shift", "14");
	assert_set_ok(&c, "nodes", "2");
	assert_set_ok(&c, "mem", "256M");
	assert_set_ok(&c, "fault-policy", "record");
	assert_good(&c);
}

/* ---- hvo_parse_size ---- */

static void test_parse_size(void **state)
{
	static const struct {
		const char *s;
		uint64_t v;
	} good[] = {
		{ "0", 0 },
		{ "4096", 4096 },
		{ "64K", 64ull << 10 },
		{ "64k", 64ull << 10 },
		{ "2M", 2ull << 20 },
		{ "2m", 2ull << 20 },
		{ "16G", 16ull << 30 },
		{ "1T", 1ull << 40 },
		{ "2MiB", 2ull << 20 },
		{ "4KiB", 4ull << 10 },
		{ "1GB", 1ull << 30 },
		{ "0x1000", 4096 },
		{ "16777215T", 16777215ull << 40 },
	};
	static const char *const bad[] = {
		"", "-1", "12Q", "K", "1KK", "1Ki B", "1 G", "G1",
		"16777216T", "18446744073709551616", "1.5G", "--1",
	};
	uint64_t v;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_SIZE(good); i++) {
		v = 0xdeadbeef;
		if (hvo_parse_size(good[i].s, &v))
			failf("parse_size(\"%s\") failed", good[i].s);
		assert_int_equal(v, good[i].v);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++) {
		v = 0xdeadbeef;
		if (hvo_parse_size(bad[i], &v) != -EINVAL)
			failf("parse_size(\"%s\") accepted: %llu", bad[i],
				 (unsigned long long)v);
		assert_int_equal(v, 0xdeadbeef);
	}
	assert_int_equal(hvo_parse_size(NULL, &v), -EINVAL);
}

/*
 * Library bug (reported): strtoull() skips leading white space and then
 * accepts a sign, so " -1" slips past the *s == '-' check and parses as
 * 2^64 - 1 (src/config.c hvo_parse_size() and parse_u64()).
 */
static void test_parse_size_negative_after_space(void **state)
{
	struct hvo_config c;
	uint64_t v = 7;

	(void)state;
	assert_int_equal(hvo_parse_size(" -1", &v), -EINVAL);
	assert_int_equal(hvo_parse_size("\t-4K", &v), -EINVAL);
	hvo_config_init(&c);
	assert_int_equal(hvo_config_set(&c, "seed", " -1"), -EINVAL);
	assert_int_equal(c.seed, 1);
}

/* ---- hvo_sim_create ---- */

static void test_create_bad_config(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;

	(void)state;
	hvo_config_init(&c);
	c.page_shift = 13;
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);
	assert_error_names("page_shift");

	/* *out is cleared even if it held something */
	sim = (struct hvo_sim *)(uintptr_t)0x1;
	hvo_config_init(&c);
	c.scheme = HVO_SCHEME_SHARED_TAIL;
	c.struct_page_size = 72;
	c.nr_nodes = 0;		/* (72 with shared-tail is valid since issue 8.5) */
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);

	sim = NULL;
	hvo_config_init(&c);
	c.node_mem_bytes[0] = 100 * MiB;
	assert_int_equal(hvo_sim_create(&c, &sim), -EINVAL);
	assert_null(sim);
	assert_error_names("node_mem_bytes");

	assert_int_equal(hvo_sim_create(NULL, &sim), -EINVAL);
	assert_null(sim);
	hvo_config_init(&c);
	assert_int_equal(hvo_sim_create(&c, NULL), -EINVAL);
	assert_int_equal(hvo_sim_destroy(NULL), 0);
}

static void test_create_good_config(void **state)
{
	struct hvo_config c;
	struct hvo_sim *sim = NULL;
	const struct hvo_geometry *g;
	const struct hvo_config *kept;

	(void)state;
	cfg_make(&c, 14, 64, HVO_SCHEME_SHARED_TAIL, 2, 256 * MiB);
	c.seed = 42;
	assert_int_equal(hvo_sim_create(&c, &sim), 0);
	assert_non_null(sim);
	/* the config is copied: changing ours changes nothing */
	c.seed = 43;
	kept = hvo_sim_config(sim);
	assert_int_equal(kept->seed, 42);
	assert_int_equal(kept->nr_nodes, 2);
	g = hvo_sim_geometry(sim);
	assert_int_equal(g->page_shift, 14);
	assert_int_equal(g->page_size, 16384);
	assert_int_equal(g->stride, 64);
	assert_true(g->mask_encoding);
	assert_true(g->hvo_possible);
	assert_int_equal(g->nr_pfns, (512 * MiB) >> 14);
	assert_int_equal(hvo_sim_destroy(sim), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults_validate),
		cmocka_unit_test(test_page_shift),
		cmocka_unit_test(test_struct_page_size),
		cmocka_unit_test(test_nr_nodes),
		cmocka_unit_test(test_node_mem_section),
		cmocka_unit_test(test_node_movable),
		cmocka_unit_test(test_node_beyond_nr_nodes),
		cmocka_unit_test(test_node_beyond_nr_nodes_names_field),
		cmocka_unit_test(test_enum_ranges),
		cmocka_unit_test(test_scheme_with_any_stride),
		cmocka_unit_test(test_encoding_combinations),
		cmocka_unit_test(test_tail_knobs_need_shared_tail),
		cmocka_unit_test(test_vmemmap_base),
		cmocka_unit_test(test_boot_gigantic),
		cmocka_unit_test(test_boot_gigantic_create),
		cmocka_unit_test(test_boot_gigantic_fills_node),
		cmocka_unit_test(test_boot_gigantic_default_size_64k),
		cmocka_unit_test(test_set_enums),
		cmocka_unit_test(test_set_numbers),
		cmocka_unit_test(test_set_per_node),
		cmocka_unit_test(test_set_per_node_atomic),
		cmocka_unit_test(test_set_misc),
		cmocka_unit_test(test_parse_size),
		cmocka_unit_test(test_parse_size_negative_after_space),
		cmocka_unit_test(test_create_bad_config),
		cmocka_unit_test(test_create_good_config),
	};

	return cmocka_run_group_tests_name("config", tests, NULL, NULL);
}
