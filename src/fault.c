// SPDX-License-Identifier: MIT
/*
 * fault.c - fault injection on allocation sites and the fault log of
 * writes through read-only vmemmap PTEs and frees that break the TLB rule.
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "error.h"
#include "fault.h"

static const char *const site_names[HVO_NR_SITES] = {
	"any", "generic", "pgtable", "vmemmap_populate", "vmemmap_head",
	"vmemmap_tail", "vmemmap_restore", "hugetlb_folio", "boot_hvo",
};

HVO_EXPORT const char *hvo_site_name(enum hvo_alloc_site site)
{
	if ((unsigned int)site < HVO_NR_SITES)
		return site_names[site];
	hvo__err(-EINVAL, "site_name: site %d is not an allocation site", (int)site);
	return "?";
}

HVO_EXPORT int hvo_site_parse(const char *name)
{
	int i;

	HVO_NONNULL("site_parse", name);
	for (i = 0; i < HVO_NR_SITES; i++)
		if (!strcmp(name, site_names[i]))
			return i;
	return hvo__err(-EINVAL, "site_parse: name '%s' is not an allocation site", name);
}

HVO_EXPORT int hvo_fail_set(struct hvo_sim *sim, const struct hvo_fail_spec *spec)
{
	struct hvo_failinj *f;

	HVO_NONNULL("fail_set", sim);
	HVO_NONNULL("fail_set", spec);
	if ((unsigned int)spec->site >= HVO_NR_SITES)
		return hvo__err(-EINVAL, "fail_set: spec->site %d is not an allocation site",
				(int)spec->site);
	if (!(spec->probability >= 0.0 && spec->probability <= 1.0))
		return hvo__err(-EINVAL, "fail_set: spec->probability %g is not in [0, 1]",
				spec->probability);
	f = &sim->fail;
	pthread_mutex_lock(&f->lock);
	f->spec = *spec;
	f->threshold = spec->probability >= 1.0 ? UINT64_MAX :
		       (uint64_t)(spec->probability * 18446744073709551616.0);
	f->seen = 0;
	f->tripped = false;
	f->rng = sim->cfg.seed ^ 0x5eed5eed5eed5eedull;
	atomic_store(&f->injected, 0);
	atomic_store(&f->active, spec->nth || f->threshold);
	pthread_mutex_unlock(&f->lock);
	return 0;
}

HVO_EXPORT void hvo_fail_clear(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("fail_clear", sim, );
	pthread_mutex_lock(&sim->fail.lock);
	atomic_store(&sim->fail.active, false);
	pthread_mutex_unlock(&sim->fail.lock);
}

HVO_EXPORT uint64_t hvo_fail_injected(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("fail_injected", sim, 0);
	return atomic_load(&sim->fail.injected);
}

/* should_fail(): does this allocation at @site fail by injection? */
bool hvo__fail_should(struct hvo_sim *sim, enum hvo_alloc_site site)
{
	struct hvo_failinj *f = &sim->fail;
	bool fail = false;

	if (!atomic_load_explicit(&f->active, memory_order_acquire))
		return false;
	pthread_mutex_lock(&f->lock);
	if (atomic_load_explicit(&f->active, memory_order_relaxed) &&
	    (f->spec.site == HVO_SITE_ANY || f->spec.site == site)) {
		f->seen++;
		if (f->tripped && f->spec.persistent)
			fail = true;
		else if (f->spec.nth && f->seen == f->spec.nth)
			fail = true;
		else if (f->threshold && hvo__splitmix64(&f->rng) < f->threshold)
			fail = true;
		if (fail) {
			f->tripped = true;
			atomic_fetch_add(&f->injected, 1);
		}
	}
	pthread_mutex_unlock(&f->lock);
	return fail;
}

/*
 * Log a fault record: @f has type, vaddr, frame_pfn, folio_pfn, op, field
 * and count set; the rest is filled here.  Then the policy: abort, keep, or
 * only count.
 */
void hvo__fault_log(struct hvo_sim *sim, struct hvo_fault *f)
{
	struct hvo_faultlog *l = &sim->flog;
	char buf[256];

	f->thread = hvo_thread_id();
	f->page_pfn = UINT64_MAX;
	if (f->vaddr >= sim->geo.vmemmap_base &&
	    (f->vaddr - sim->geo.vmemmap_base) / sim->geo.stride < sim->geo.nr_pfns)
		f->page_pfn = (f->vaddr - sim->geo.vmemmap_base) / sim->geo.stride;
	if (f->type == HVO_FAULT_RO_WRITE)
		cnt_add(sim, ro_faults, 1);
	else if (f->type == HVO_FAULT_REFCOUNT_UNDERFLOW ||
		 f->type == HVO_FAULT_MAPCOUNT_UNDERFLOW)
		cnt_add(sim, count_underflows, 1);
	f->seq = atomic_fetch_add(&l->total, 1);
	if (sim->cfg.fault_policy == HVO_FAULT_ABORT) {
		/* on purpose, not an error path: the user chose to stop at the
		 * first fault, as the kernel oopses (config.h, HVO_FAULT_ABORT) */
		fprintf(stderr, "hvosim: fault (policy abort): %s\n",
			hvo_fault_format(f, buf, sizeof(buf)));
		abort();
	}
	if (sim->cfg.fault_policy == HVO_FAULT_COUNT)
		return;
	pthread_mutex_lock(&l->lock);
	l->ring[l->head] = *f;
	l->head = (l->head + 1) % l->cap;
	if (l->kept < l->cap)
		l->kept++;
	pthread_mutex_unlock(&l->lock);
}

/* @folio: the hugetlb folio the faulting struct page belongs to, if the
 * caller knows one (UINT64_MAX: none) */
void hvo__fault(struct hvo_sim *sim, enum hvo_fault_type type, uint64_t vaddr,
		uint64_t frame, uint64_t folio, const char *op, int field)
{
	struct hvo_fault f = {
		.type = type, .vaddr = vaddr, .frame_pfn = frame, .op = op,
		.field = field, .folio_pfn = folio,
	};

	hvo__fault_log(sim, &f);
}

/*
 * Drop one from a count that must not go below 0 (a shared tail's users):
 * atomic_dec_return() whose underflow is refused and logged as
 * HVO_FAULT_MAPCOUNT_UNDERFLOW.  Return: the value before, 0 if refused.
 */
uint64_t hvo__count_dec(struct hvo_sim *sim, _Atomic uint64_t *count, uint64_t vaddr,
			const char *op)
{
	uint64_t cur = atomic_load(count);
	struct hvo_fault f = {
		.type = HVO_FAULT_MAPCOUNT_UNDERFLOW, .vaddr = vaddr, .frame_pfn = UINT64_MAX,
		.folio_pfn = UINT64_MAX, .op = op, .field = -1,
	};

	while (cur && !atomic_compare_exchange_weak(count, &cur, cur - 1))
		;
	if (!cur)
		hvo__fault_log(sim, &f);
	return cur;
}

HVO_EXPORT uint64_t hvo_fault_log_count(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("fault_log_count", sim, 0);
	return atomic_load(&sim->flog.total);
}

HVO_EXPORT int hvo_fault_log_get(struct hvo_sim *sim, uint64_t index,
				 struct hvo_fault *out)
{
	struct hvo_faultlog *l;
	uint64_t kept;

	HVO_NONNULL("fault_log_get", sim);
	HVO_NONNULL("fault_log_get", out);
	l = &sim->flog;
	pthread_mutex_lock(&l->lock);
	kept = l->kept;
	if (index < kept) {
		uint64_t first = (l->head + l->cap - l->kept) % l->cap;

		*out = l->ring[(first + index) % l->cap];
	}
	pthread_mutex_unlock(&l->lock);
	if (index >= kept)
		return hvo__err(-ENOENT, "fault_log_get: index %" PRIu64 " is past the %" PRIu64
				" record(s) kept", index, kept);
	return 0;
}

HVO_EXPORT int64_t hvo_fault_log_newest(struct hvo_sim *sim)
{
	uint64_t kept;

	HVO_NONNULL("fault_log_newest", sim);
	pthread_mutex_lock(&sim->flog.lock);
	kept = sim->flog.kept;
	pthread_mutex_unlock(&sim->flog.lock);
	if (!kept)
		return hvo__err(-ENOENT, "fault_log_newest: no record is kept%s",
				sim->cfg.fault_policy == HVO_FAULT_COUNT ?
				" (fault policy count keeps none)" : "");
	return (int64_t)(kept - 1);
}

HVO_EXPORT void hvo_fault_log_clear(struct hvo_sim *sim)
{
	HVO_NONNULL_OR("fault_log_clear", sim, );
	pthread_mutex_lock(&sim->flog.lock);
	sim->flog.kept = 0;
	sim->flog.head = 0;
	atomic_store(&sim->flog.total, 0);
	pthread_mutex_unlock(&sim->flog.lock);
}

HVO_EXPORT char *hvo_fault_format(const struct hvo_fault *f, char *buf, size_t len)
{
	static const char *const types[HVO_NR_FAULT_TYPES] = {
		"ro-write", "early-free", "mapped-free", "refcount-underflow",
		"mapcount-underflow", "walker", "vm-bug",
	};
	char folio[32] = "-", page[32] = "-", count[32] = "";

	HVO_NONNULL_OR("fault_format", f, NULL);
	HVO_NONNULL_OR("fault_format", buf, NULL);
	if (!len) {
		hvo__err(-EINVAL, "fault_format: len is 0");
		return NULL;
	}
	if (f->type == HVO_FAULT_REFCOUNT_UNDERFLOW || f->type == HVO_FAULT_MAPCOUNT_UNDERFLOW)
		snprintf(count, sizeof(count), " count=%" PRId64, f->count);
	if (f->page_pfn != UINT64_MAX)
		snprintf(page, sizeof(page), "%#" PRIx64, f->page_pfn);
	if (f->folio_pfn != UINT64_MAX)
		snprintf(folio, sizeof(folio), "%#" PRIx64, f->folio_pfn);
	snprintf(buf, len, "#%" PRIu64 " %s op=%s vaddr=%#" PRIx64 " frame=%#" PRIx64
		 " page_pfn=%s folio=%s word=%d%s thread=%u", f->seq,
		 (unsigned int)f->type < HVO_NR_FAULT_TYPES ? types[f->type] : "?",
		 f->op ? f->op : "?", f->vaddr, f->frame_pfn, page, folio, f->field, count,
		 f->thread);
	return buf;
}
