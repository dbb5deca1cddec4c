// SPDX-License-Identifier: MIT
/*
 * snapshot.c - bring a machine back to an earlier state without building it
 * again: the schedule explorer's reset between runs.
 *
 * A machine's state is (1) the frame arena and its per-pfn metadata, which
 * can be large, and (2) a few kilobytes of structures: struct hvo_sim, the
 * hugetlb state with its folio registry and boot pages, the RCU epochs, the
 * shared-tail slots, the flat entry view, the fault log, the memblock
 * reservations and the mem_section flags (SECTION_IS_VMEMMAP_PREINIT).  (2) is copied whole at the
 * snapshot and copied back at every restore.  (1) is an undo log: while a
 * snapshot exists, hvo__frame() and hvo__meta() report every pfn they are
 * asked for, and the first report of a pfn after a restore saves its
 * metadata and, if it has host bytes, its frame, before the caller can
 * write.  A restore writes back exactly the pfns a run touched.
 *
 * Folio structs are heap objects that runs free and allocate; a restore
 * frees the current ones and rebuilds the snapshot's, fixing the pointers
 * (free lists, registry) that lead to them.
 *
 * Restrictions: one snapshot per machine, taken and restored while nothing
 * runs on the machine, which is used by one OS thread only while the
 * snapshot exists (fibers are fine: they take turns).
 */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "error.h"
#include "pgtable.h"
#include "rcu.h"
#include "snapshot.h"
#include "vmm.h"

struct folio_ref {
	const struct hvo_folio *orig;	/* its address at the snapshot */
	uint64_t idx;
};

struct hvo_snapshot {
	struct hvo_sim *sim;
	struct hvo_sim s;		/* struct hvo_sim as it was */
	struct hvo_hugetlb hg;
	struct hvo_folio *folios;	/* values */
	struct folio_ref *refs;		/* sorted by orig */
	uint64_t nr_folios;
	struct hvo_folio **tab;		/* the registry, original pointers */
	struct hvo_boot_page *boot;
	uint8_t *rcu;
	_Atomic uint64_t *slots;	/* every tail slot and user count */
	_Atomic uint64_t *flat;
	struct hvo_fault *ring;		/* fault log records, if any were kept */
	struct hvo_memblock_range *mb;
	uint8_t *sections;		/* sim->section_flags */
	struct hvo_track track;
};

/* ---- taking a snapshot ---- */

static uint64_t nr_slots(const struct hvo_sim *sim)
{
	uint64_t nr = sim->geo.nr_vmemmap_tails ? sim->geo.nr_vmemmap_tails : 1;

	return (uint64_t)sim->cfg.nr_nodes * (1 + HVO_NR_ZONES) * 2 * nr;
}

/* mem_section flags, one byte per section (sim.c sizes them so) */
static uint64_t nr_sections(const struct hvo_sim *sim)
{
	return sim->geo.nr_pfns >> (sim->geo.section_shift - sim->geo.page_shift);
}

/* every tail slot array, in one order, for save (to_sim false) and restore */
static void copy_slots(struct hvo_sim *sim, _Atomic uint64_t *buf, bool to_sim)
{
	uint64_t nr = sim->geo.nr_vmemmap_tails ? sim->geo.nr_vmemmap_tails : 1, k = 0;
	size_t len = nr * sizeof(uint64_t);
	unsigned int n, z;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		_Atomic uint64_t *arr[2 + 2 * HVO_NR_ZONES];
		unsigned int a = 0, i;

		arr[a++] = sim->nodes[n].vmemmap_tails;
		arr[a++] = sim->nodes[n].tail_users;
		for (z = 0; z < HVO_NR_ZONES; z++) {
			arr[a++] = sim->nodes[n].zones[z].vmemmap_tails;
			arr[a++] = sim->nodes[n].zones[z].tail_users;
		}
		for (i = 0; i < a; i++, k += nr) {
			if (to_sim)
				memcpy((void *)arr[i], (const void *)(buf + k), len);
			else
				memcpy((void *)(buf + k), (const void *)arr[i], len);
		}
	}
}

static int cmp_ref(const void *a, const void *b)
{
	const struct folio_ref *x = a, *y = b;

	return x->orig < y->orig ? -1 : x->orig > y->orig;
}

static int save_folios(struct hvo_snapshot *sn, struct hvo_hugetlb *hg)
{
	uint64_t i, n = 0;

	sn->tab = calloc(hg->cap, sizeof(*sn->tab));
	sn->folios = calloc(hg->count ? hg->count : 1, sizeof(*sn->folios));
	sn->refs = calloc(hg->count ? hg->count : 1, sizeof(*sn->refs));
	if (!sn->tab || !sn->folios || !sn->refs)
		return -ENOMEM;
	memcpy(sn->tab, hg->tab, hg->cap * sizeof(*sn->tab));
	for (i = 0; i < hg->cap; i++) {
		struct hvo_folio *f = hg->tab[i];

		if (!f || f == HVO_FOLIO_TOMB)
			continue;
		sn->folios[n] = *f;
		sn->refs[n].orig = f;
		sn->refs[n].idx = n;
		n++;
	}
	sn->nr_folios = n;
	qsort(sn->refs, n, sizeof(*sn->refs), cmp_ref);
	return 0;
}

/* every vmemmap page initialised now, so runs do not pay for it */
static void touch_vmemmap(struct hvo_sim *sim)
{
	uint64_t per = sim->geo.page_size / sim->geo.stride, pfn, v;

	if (!per || sim->geo.nr_pfns * sim->geo.stride > (64ull << 20))
		return;
	for (pfn = 0; pfn < sim->geo.nr_pfns; pfn += per)
		hvo__vmm_load(sim, hvo_pfn_to_page(sim, pfn), &v);
}

static int save_state(struct hvo_snapshot *sn, struct hvo_sim *sim)
{
	struct hvo_hugetlb *hg = sim->hugetlb;

	sn->s = *sim;
	sn->hg = *hg;
	sn->rcu = malloc(hvo__rcu_state_size());
	sn->slots = calloc(nr_slots(sim), sizeof(uint64_t));
	sn->flat = calloc(sim->flat_n ? sim->flat_n : 1, sizeof(uint64_t));
	sn->mb = calloc(sim->nr_mb ? sim->nr_mb : 1, sizeof(*sn->mb));
	sn->sections = malloc(nr_sections(sim) ? nr_sections(sim) : 1);
	if (!sn->rcu || !sn->slots || !sn->flat || !sn->mb || !sn->sections ||
	    save_folios(sn, hg))
		return -ENOMEM;
	memcpy(sn->sections, sim->section_flags, nr_sections(sim));
	memcpy(sn->rcu, sim->rcu, hvo__rcu_state_size());
	copy_slots(sim, sn->slots, false);
	memcpy((void *)sn->flat, (const void *)sim->flat, sim->flat_n * sizeof(uint64_t));
	memcpy(sn->mb, sim->mb, sim->nr_mb * sizeof(*sn->mb));
	if (hg->nr_boot) {
		sn->boot = calloc(hg->nr_boot, sizeof(*sn->boot));
		if (!sn->boot)
			return -ENOMEM;
		memcpy(sn->boot, hg->boot, hg->nr_boot * sizeof(*sn->boot));
	}
	if (sim->flog.kept) {
		sn->ring = calloc(sim->flog.cap, sizeof(*sn->ring));
		if (!sn->ring)
			return -ENOMEM;
		memcpy(sn->ring, sim->flog.ring, sim->flog.cap * sizeof(*sn->ring));
	}
	return 0;
}

static void snap_free(struct hvo_snapshot *sn)
{
	free(sn->folios);
	free(sn->refs);
	free(sn->tab);
	free(sn->boot);
	free(sn->rcu);
	free((void *)sn->slots);
	free((void *)sn->flat);
	free(sn->ring);
	free(sn->mb);
	free(sn->sections);
	free(sn->track.mstamp);
	free(sn->track.bstamp);
	free(sn->track.log);
	free(sn->track.bpfn);
	free(sn->track.bytes);
	free(sn->track.fp);
	free(sn);
}

HVO_EXPORT int hvo_snapshot_take(struct hvo_sim *sim, struct hvo_snapshot **out)
{
	struct hvo_snapshot *sn;

	HVO_NONNULL("snapshot_take", sim);
	HVO_NONNULL("snapshot_take", out);
	*out = NULL;
	if (sim->track)
		return hvo__err(-EBUSY, "snapshot_take: the machine already has a snapshot");
	touch_vmemmap(sim);
	sn = calloc(1, sizeof(*sn));
	if (!sn)
		return hvo__err(-ENOMEM, "snapshot_take: out of host memory");
	sn->sim = sim;
	sn->track.mstamp = calloc(sim->geo.nr_pfns, sizeof(uint32_t));
	sn->track.bstamp = calloc(sim->geo.nr_pfns, sizeof(uint32_t));
	if (!sn->track.mstamp || !sn->track.bstamp || save_state(sn, sim)) {
		snap_free(sn);
		return hvo__err(-ENOMEM, "snapshot_take: out of host memory");
	}
	sn->track.tick = 1;
	sn->track.run_tick = 1;
	sim->track = &sn->track;
	*out = sn;
	return 0;
}

/* ---- restoring one ---- */

static struct hvo_folio *remap(const struct hvo_snapshot *sn, struct hvo_folio **made,
			       const struct hvo_folio *orig)
{
	struct folio_ref key = { .orig = orig }, *r;

	if (!orig || orig == HVO_FOLIO_TOMB)
		return (struct hvo_folio *)orig;
	r = bsearch(&key, sn->refs, sn->nr_folios, sizeof(*sn->refs), cmp_ref);
	return r ? made[r->idx] : NULL;
}

/*
 * The snapshot's folio structs, made anew (and the registry table, if its
 * size changed) before anything is written: a restore that runs out of
 * host memory leaves the machine as it was.
 */
static int make_folios(const struct hvo_snapshot *sn, const struct hvo_hugetlb *hg,
		       struct hvo_folio ***made, struct hvo_folio ***tab)
{
	uint64_t i, n = sn->nr_folios ? sn->nr_folios : 1;

	*tab = hg->tab;
	*made = hvo__host_realloc(NULL, n * sizeof(**made));
	if (!*made)
		return -ENOMEM;
	for (i = 0; i < sn->nr_folios; i++) {
		(*made)[i] = hvo__host_realloc(NULL, sizeof(***made));
		if (!(*made)[i])
			goto fail;
		*(*made)[i] = sn->folios[i];
	}
	if (hg->cap != sn->hg.cap) {
		*tab = hvo__host_realloc(NULL, sn->hg.cap * sizeof(**tab));
		if (!*tab)
			goto fail;
	}
	return 0;
fail:
	while (i--)
		free((*made)[i]);
	free(*made);
	return -ENOMEM;
}

/* free today's folio structs; point everything at the ones make_folios() made */
static void restore_folios(struct hvo_snapshot *sn, struct hvo_hugetlb *hg,
			   struct hvo_folio **made, struct hvo_folio **tab)
{
	uint64_t i;
	unsigned int h, n;

	for (i = 0; i < hg->cap; i++)
		if (hg->tab[i] && hg->tab[i] != HVO_FOLIO_TOMB)
			free(hg->tab[i]);
	if (tab != hg->tab)
		free(hg->tab);
	*hg = sn->hg;
	hg->tab = tab;
	for (i = 0; i < hg->cap; i++)
		tab[i] = remap(sn, made, sn->tab[i]);
	for (i = 0; i < sn->nr_folios; i++) {
		made[i]->next = remap(sn, made, made[i]->next);
		made[i]->prev = remap(sn, made, made[i]->prev);
	}
	for (h = 0; h < hg->nr_hstates; h++)
		for (n = 0; n < HVO_MAX_NODES; n++)
			hg->hs[h].free_list[n] = remap(sn, made, hg->hs[h].free_list[n]);
	free(made);
}

static void restore_arena(struct hvo_sim *sim, struct hvo_track *t)
{
	uint64_t i, ps = sim->geo.page_size;

	/* past hvo__frame() and hvo__meta(): tell hvo_check_track()'s log */
	for (i = 0; i < t->nbpfn; i++) {
		hvo__cklog_note(sim, t->bpfn[i], true);
		memcpy(sim->mem + (t->bpfn[i] << sim->geo.page_shift), t->bytes + i * ps, ps);
	}
	for (i = 0; i < t->nlog; i++) {
		hvo__cklog_note(sim, t->log[i].pfn, false);
		memcpy(hvo__meta_raw(sim, t->log[i].pfn), &t->log[i].meta, sizeof(t->log[i].meta));
	}
	t->nlog = 0;
	t->nbpfn = 0;
}

/*
 * The flat view back, entry by entry where a run changed it, each change
 * told to hvo_check_track()'s log as hvo__flat_set() would: a tracked
 * check after a restore then re-verifies what the restore changed, not
 * the whole machine.  Comparing costs what copying would.
 */
static void restore_flat(struct hvo_sim *sim, const struct hvo_snapshot *snap)
{
	uint64_t i, v;

	for (i = 0; i < sim->flat_n; i++) {
		v = atomic_load_explicit(&snap->flat[i], memory_order_relaxed);
		if (atomic_load_explicit(&sim->flat[i], memory_order_relaxed) == v)
			continue;
		atomic_store_explicit(&sim->flat[i], v, memory_order_relaxed);
		hvo__cklog_flat(sim, i);
	}
}

HVO_EXPORT int hvo_snapshot_restore(struct hvo_sim *sim, struct hvo_snapshot *snap)
{
	struct hvo_folio **made, **tab;
	struct hvo_track *t;
	hvo_yield_fn fn;
	void *ctx;
	struct hvo_ckt *ckt;
	struct hvo_cklog *cklog;

	HVO_NONNULL("snapshot_restore", sim);
	HVO_NONNULL("snapshot_restore", snap);
	if (snap->sim != sim || sim->track != &snap->track)
		return hvo__err(-EINVAL, "snapshot_restore: snap is not this machine's snapshot");
	if (sim->hugetlb != snap->s.hugetlb || sim->rcu != snap->s.rcu || sim->mb != snap->s.mb ||
	    sim->section_flags != snap->s.section_flags)
		return hvo__err(-EINVAL, "snapshot_restore: the machine's structures moved");
	t = sim->track;
	if (t->failed)
		return hvo__err(-ENOMEM, "snapshot_restore: the touch log ran out of host memory "
				"during the run: the machine is as the run left it and this "
				"snapshot cannot bring it back");
	if (make_folios(snap, sim->hugetlb, &made, &tab))
		return hvo__err(-ENOMEM, "snapshot_restore: out of host memory for %" PRIu64
				" folio structs; the machine is left as it was",
				snap->nr_folios);
	sim->track = NULL;
	restore_arena(sim, t);
	/* the hook is the caller's, not machine state */
	fn = atomic_load(&sim->yield_fn);
	ctx = sim->yield_ctx;
	ckt = sim->ckt;
	cklog = sim->cklog;
	*sim = snap->s;
	sim->track = t;
	sim->yield_ctx = ctx;
	/* hvo_check_track()'s state is the caller's choice too */
	sim->ckt = ckt;
	sim->cklog = cklog;
	atomic_store(&sim->yield_fn, fn);
	/* and so is the load fast path's window, closed while a hook is set
	 * (hvo_sim_set_yield_hook()), whatever it was at the snapshot */
	atomic_store(&sim->fast_n, fn ? 0 : sim->flat_n);
	restore_folios(snap, sim->hugetlb, made, tab);
	if (snap->boot)
		memcpy(sim->hugetlb->boot, snap->boot, sim->hugetlb->nr_boot * sizeof(*snap->boot));
	memcpy(sim->rcu, snap->rcu, hvo__rcu_state_size());
	copy_slots(sim, snap->slots, true);
	restore_flat(sim, snap);
	memcpy(sim->mb, snap->mb, sim->nr_mb * sizeof(*snap->mb));
	memcpy(sim->section_flags, snap->sections, nr_sections(sim));
	if (snap->ring)
		memcpy(sim->flog.ring, snap->ring, sim->flog.cap * sizeof(*snap->ring));
	hvo__track_tick(sim, t, true);
	t->fp_on = false;
	t->nfp = 0;
	return 0;
}

HVO_EXPORT void hvo_snapshot_free(struct hvo_snapshot *snap)
{
	if (!snap)
		return;
	if (snap->sim && snap->sim->track == &snap->track)
		snap->sim->track = NULL;
	snap_free(snap);
}

/* read-only work runs with the hook off altogether: not even a call */
void hvo__track_pause(struct hvo_sim *sim, struct hvo_snapshot *sn, bool paused)
{
	if (sn && sn->sim == sim)
		sim->track = paused ? NULL : &sn->track;
}

/* ---- what the explorer reads ---- */

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9e3779b97f4a7c15ull + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdull;
}

static uint64_t mix_bytes(uint64_t h, const void *p, size_t len)
{
	const uint8_t *b = p;
	size_t i;
	uint64_t w;

	for (i = 0; i + 8 <= len; i += 8) {
		memcpy(&w, b + i, 8);
		h = mix(h, w);
	}
	for (; i < len; i++)
		h = mix(h, b[i]);
	return h;
}

static uint64_t fpfn(const struct hvo_folio *f)
{
	return f ? f->pfn : UINT64_MAX;
}

static uint64_t digest_hugetlb(struct hvo_hugetlb *hg, uint64_t h)
{
	unsigned int i, n;
	uint64_t k;

	h = mix_bytes(h, &hg->lock, sizeof(hg->lock));
	h = mix_bytes(h, &hg->tail_lock, sizeof(hg->tail_lock));
	for (i = 0; i < hg->nr_hstates; i++) {
		struct hvo_hstate *s = &hg->hs[i];

		h = mix(mix(mix(mix(h, s->nr), s->free), s->surplus), s->overcommit);
		h = mix(h, s->surplus_pending);
		for (n = 0; n < HVO_MAX_NODES; n++)
			h = mix(mix(mix(mix(h, s->nr_node[n]), s->free_node[n]),
				    s->surplus_node[n]), fpfn(s->free_list[n]));
		h = mix(mix(h, atomic_load(&s->vmemmap_tail)), atomic_load(&s->tail_users));
		/* what the checker's vmemmap-pages invariant counts */
		h = mix(mix(h, atomic_load(&s->vmemmap_freed)), atomic_load(&s->vmemmap_restored));
	}
	h = mix(mix(mix(h, hg->cap), hg->count), hg->tombs);
	for (k = 0; k < hg->cap; k++) {
		struct hvo_folio *f = hg->tab[k];

		if (!f)
			continue;
		h = mix(h, k);
		if (f == HVO_FOLIO_TOMB)
			continue;
		h = mix(mix(mix(h, f->pfn), fpfn(f->next)), fpfn(f->prev));
		h = mix(mix(mix(h, f->state), f->surplus), f->tail_page);
	}
	return h;
}

uint64_t hvo__snap_digest(struct hvo_sim *sim)
{
	uint64_t h = 0x243f6a8885a308d3ull, i, nr = sim->geo.nr_vmemmap_tails;
	unsigned int n, z, k;

	for (n = 0; n < sim->cfg.nr_nodes; n++) {
		for (z = 0; z < HVO_NR_ZONES; z++) {
			struct hvo_zone *zn = &sim->nodes[n].zones[z];

			h = mix_bytes(h, &zn->lock, sizeof(zn->lock));
			h = mix_bytes(h, zn->free_head, sizeof(zn->free_head));
			h = mix(h, atomic_load(&zn->nr_free));
			for (i = 0; i < nr; i++)
				h = mix(mix(h, atomic_load(&zn->vmemmap_tails[i])),
					atomic_load(&zn->tail_users[i]));
		}
		for (i = 0; i < nr; i++)
			h = mix(mix(h, atomic_load(&sim->nodes[n].vmemmap_tails[i])),
				atomic_load(&sim->nodes[n].tail_users[i]));
	}
	h = mix_bytes(h, &sim->ptl, sizeof(sim->ptl));
	h = mix_bytes(h, &sim->flush_lock, sizeof(sim->flush_lock));
	h = mix(mix(h, atomic_load(&sim->flush_started)), atomic_load(&sim->flush_done));
	h = mix(h, atomic_load(&sim->tlb.idx));
	for (k = 0; k < HVO_EPOCH_SHARDS; k++)
		h = mix(mix(h, (uint64_t)atomic_load(&sim->tlb.shard[k].cnt[0])),
			(uint64_t)atomic_load(&sim->tlb.shard[k].cnt[1]));
	h = mix(h, (uint64_t)atomic_load(&sim->c.static_key_count));
	/* what the checker's pgtable-frames invariant and the leak count at
	 * destroy hold the page table against */
	h = mix(h, atomic_load(&sim->c.machine_pgtables));
	h = mix(h, atomic_load(&sim->flog.total));
	h = mix(mix(mix(h, sim->fail.seen), sim->fail.rng), sim->fail.tripped);
	h = mix_bytes(h, sim->rcu, hvo__rcu_state_size());
	return digest_hugetlb(sim->hugetlb, h);
}

/* page-table frames reachable from the root (levels above the PTEs) */
static bool table_referenced(struct hvo_sim *sim, uint64_t tpfn, unsigned int level,
			     uint64_t want)
{
	const uint64_t *t = (const uint64_t *)(sim->mem + (tpfn << sim->geo.page_shift));
	unsigned int i;

	if (tpfn == want)
		return true;
	if (level == 0)
		return false;
	for (i = 0; i < sim->level_entries[level]; i++) {
		uint64_t e = __atomic_load_n(&t[i], __ATOMIC_RELAXED);

		if ((e & HVO_PTE_PRESENT) && !(e & HVO_PTE_LEAF) &&
		    table_referenced(sim, entry_pfn(e), level - 1, want))
			return true;
	}
	return false;
}

static const char *leak_of(struct hvo_sim *sim, const struct hvo_undo *u)
{
	const struct hvo_frame_meta *m = hvo__meta_raw(sim, u->pfn);

	/* blocks that were allocated at the snapshot are not the run's */
	if (m->state != FM_ALLOC || (u->meta.state == FM_ALLOC && u->meta.order == m->order))
		return NULL;
	switch (m->kind) {
	case HVO_KIND_VMEMMAP:
	case HVO_KIND_SHARED_TAIL:
		return atomic_load(&m->vmap_count) ? NULL : "is mapped nowhere in the vmemmap";
	case HVO_KIND_PGTABLE:
		return table_referenced(sim, sim->root_pfn, sim->geo.pgtable_levels - 1, u->pfn) ?
		       NULL : "is referenced by no page table";
	case HVO_KIND_HUGETLB:
		return hvo__folio_find(sim, u->pfn) ? NULL : "is the head of no hugetlb folio";
	default:
		return NULL;
	}
}

uint64_t hvo__snap_leaks(struct hvo_sim *sim, char *msg, size_t len)
{
	struct hvo_track *t = sim->track;
	uint64_t i, n = 0;

	if (!t)
		return 0;
	sim->track = NULL;
	pthread_mutex_lock(&sim->hugetlb->lock);
	for (i = 0; i < t->nlog; i++) {
		const char *why = leak_of(sim, &t->log[i]);

		if (!why)
			continue;
		if (!n++)
			snprintf(msg, len, "%s frame %#" PRIx64 " (order %u), allocated in the run, %s",
				 hvo_kind_name((enum hvo_frame_kind)hvo__meta_raw(sim, t->log[i].pfn)->kind),
				 t->log[i].pfn, hvo__meta_raw(sim, t->log[i].pfn)->order, why);
	}
	pthread_mutex_unlock(&sim->hugetlb->lock);
	sim->track = t;
	return n;
}
