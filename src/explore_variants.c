// SPDX-License-Identifier: MIT
/*
 * explore_variants.c - the scheme and knob combinations each built-in
 * scenario applies to, for --all-variants, the explore suite and the
 * benchmark: every scope x alloc for the first optimize, lifetime
 * last-user for the last-user race, every scheme (fake-head with and
 * without its RCU synchronisation) for the walkers.
 */
#include <stdio.h>
#include <string.h>

#include "hvosim/hvosim.h"
#include "explore_variants.h"

struct vbuild {
	struct hvo_config *out;
	unsigned int n, max;
	struct hvo_config base;
};

static void vadd(struct vbuild *b, enum hvo_scheme scheme, enum hvo_tail_scope scope,
		 enum hvo_tail_alloc alloc, enum hvo_tail_lifetime life, bool rcu)
{
	struct hvo_config c = b->base;

	c.scheme = scheme;
	c.tail_scope = scope;
	c.tail_alloc = alloc;
	c.tail_lifetime = life;
	c.rcu_sync = rcu;
	if (b->out && b->n < b->max)
		b->out[b->n] = c;
	b->n++;
}

static void v_shared(struct vbuild *b, bool scopes, bool lives_never, bool lives_last)
{
	unsigned int s, a;

	for (s = 0; s < (scopes ? 3u : 1u); s++)
		for (a = 0; a < 3; a++) {
			if (lives_never)
				vadd(b, HVO_SCHEME_SHARED_TAIL, (enum hvo_tail_scope)s,
				     (enum hvo_tail_alloc)a, HVO_TAIL_NEVER, true);
			if (lives_last)
				vadd(b, HVO_SCHEME_SHARED_TAIL, (enum hvo_tail_scope)s,
				     (enum hvo_tail_alloc)a, HVO_TAIL_LAST_USER, true);
		}
}

static void v_schemes(struct vbuild *b, bool none, bool rcu_off)
{
	if (none)
		vadd(b, HVO_SCHEME_NONE, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG, HVO_TAIL_NEVER, true);
	vadd(b, HVO_SCHEME_FAKE_HEAD, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG, HVO_TAIL_NEVER, true);
	if (rcu_off)
		vadd(b, HVO_SCHEME_FAKE_HEAD, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG,
		     HVO_TAIL_NEVER, false);
}

unsigned int hvo__scenario_variants(const struct hvo_scenario *sc, struct hvo_config *out,
				    unsigned int max)
{
	struct vbuild b = { .out = out, .max = max };
	const char *n;

	hvo_config_init(&b.base);
	if (sc->config)
		sc->config(&b.base);
	n = sc->name;
	if (!strcmp(n, "first-optimize")) {
		v_shared(&b, true, true, false);
	} else if (!strcmp(n, "last-user")) {
		v_shared(&b, true, false, true);
	} else if (!strcmp(n, "shrink-grow") || !strcmp(n, "dissolve-alloc")) {
		v_schemes(&b, false, false);
		v_shared(&b, false, true, true);
	} else if (!strcmp(n, "pmd-split")) {
		v_schemes(&b, false, false);
		v_shared(&b, false, true, false);
	} else {
		/* the walkers: every scheme, fake-head with and without RCU sync */
		v_schemes(&b, true, true);
		vadd(&b, HVO_SCHEME_SHARED_TAIL, HVO_SCOPE_ZONE, HVO_TAIL_ALLOC_CMPXCHG,
		     HVO_TAIL_NEVER, true);
	}
	return b.n;
}

char *hvo__scenario_variant_name(const struct hvo_config *cfg, char *buf, size_t len)
{
	static const char *const scopes[] = { "zone", "node", "hstate" };
	static const char *const allocs[] = { "cmpxchg", "lock", "none" };

	if (cfg->scheme == HVO_SCHEME_SHARED_TAIL)
		snprintf(buf, len, "--scheme shared-tail --scope %s --alloc %s --lifetime %s",
			 scopes[cfg->tail_scope], allocs[cfg->tail_alloc],
			 cfg->tail_lifetime == HVO_TAIL_LAST_USER ? "last-user" : "never");
	else if (cfg->scheme == HVO_SCHEME_FAKE_HEAD)
		snprintf(buf, len, "--scheme fake-head --rcu-sync %s", cfg->rcu_sync ? "on" : "off");
	else
		snprintf(buf, len, "--scheme none");
	return buf;
}
