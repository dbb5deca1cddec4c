// SPDX-License-Identifier: MIT
/*
 * test_tsan_publish.c - a publish of the shared tail without release
 * ordering is a ThreadSanitizer report (built and run only in TSan builds).
 *
 * The kernel initialises a shared tail page with plain stores
 * (init_compound_tail() on every entry) and publishes it in
 * zone->vmemmap_tails[] with cmpxchg(), fully ordered: its release is all
 * that makes a CPU that finds the page through the slot, or through a PTE
 * another CPU mapped to it, read the initialised entries.  hvosim's model
 * is sequentially consistent, so no functional test can see that release
 * go missing; a TSan build can: there the entries are plain stores too
 * (hugetlb_vmemmap.c, hvo__fill_tail_frame()), and config
 * tail_publish_relaxed drops the release from the cmpxchg.
 *
 * The interleaving: thread A grows an empty 2M pool and so allocates,
 * fills and publishes the zone's tail; at its next yield point it stops.
 * Thread B then grows the pool by one folio, which finds A's tail in the
 * slot and maps its tail pages to it, and reads a tail struct page of its
 * folio through the vmemmap.  A and B share no lock or atomic between A's
 * fill and B's read but the slot (they hand over with relaxed atomics,
 * which order nothing for TSan), so:
 *   release publish: B's acquire of the slot orders the fill before the
 *     read: no report;
 *   relaxed publish: the read races with the fill: "data race".
 * A report ends a TSan process (halt_on_error), so each variant runs in a
 * child process, this program re-executed, and the parent reads its exit
 * status and its stderr.
 */
#include <pthread.h>
#include <sched.h>
#include <spawn.h>
#include <stdatomic.h>
#include <sys/wait.h>
#include <unistd.h>

#include "hvotest.h"

extern char **environ;

/* ---- the child ---- */

struct relay {
	struct hvo_sim *sim;
	unsigned int h;
	_Atomic bool published, go;
};

static _Thread_local bool is_a;
static _Thread_local bool a_passed_publish;

/* A stops at its first yield after the publish, until B is done: relaxed
 * atomics only, so the hand-over orders nothing */
static void relay_hook(void *ctx, enum hvo_yield_point p, uint64_t addr)
{
	struct relay *r = ctx;

	(void)addr;
	if (!is_a)
		return;
	if (p == HVO_YP_TAIL_SLOT_PUBLISH) {
		a_passed_publish = true;
		return;
	}
	if (!a_passed_publish || atomic_load_explicit(&r->published, memory_order_relaxed))
		return;
	atomic_store_explicit(&r->published, true, memory_order_relaxed);
	while (!atomic_load_explicit(&r->go, memory_order_relaxed))
		sched_yield();
}

static void *thread_a(void *arg)
{
	struct relay *r = arg;

	is_a = true;
	if (hvo_pool_grow(r->sim, r->h, 0, 1, NULL))
		abort();
	return NULL;
}

static void *thread_b(void *arg)
{
	struct relay *r = arg;
	uint64_t pfns[2], flags = 0;

	while (!atomic_load_explicit(&r->published, memory_order_relaxed))
		sched_yield();
	if (hvo_pool_grow(r->sim, r->h, 0, 1, NULL) || hvo_folio_list(r->sim, r->h, pfns, 2) != 2)
		abort();
	/* tail 64 of both (A's is not remapped yet): B's reads the shared tail */
	if (hvo_page_read(r->sim, hvo_pfn_to_page(r->sim, pfns[0] + 64), HVO_PW_FLAGS, &flags) ||
	    hvo_page_read(r->sim, hvo_pfn_to_page(r->sim, pfns[1] + 64), HVO_PW_FLAGS, &flags))
		abort();
	atomic_store_explicit(&r->go, true, memory_order_relaxed);
	return NULL;
}

static int child(bool relaxed)
{
	struct hvo_config c;
	struct relay r = { 0 };
	pthread_t a, b;

	cfg_make(&c, 12, 64, HVO_SCHEME_SHARED_TAIL, 1, 1 * GiB);
	c.tail_publish_relaxed = relaxed;
	if (hvo_sim_create(&c, &r.sim))
		return 3;
	r.h = (unsigned int)hvo_hstate_find(r.sim, 2 * MiB);
	hvo_sim_set_yield_hook(r.sim, relay_hook, &r);
	pthread_create(&a, NULL, thread_a, &r);
	pthread_create(&b, NULL, thread_b, &r);
	pthread_join(b, NULL);
	pthread_join(a, NULL);
	hvo_sim_set_yield_hook(r.sim, NULL, NULL);
	if (hvo_pool_shrink(r.sim, r.h, 0, 2, NULL))
		return 4;
	return hvo_sim_destroy(r.sim) ? 5 : 0;
}

/* ---- the parent ---- */

struct outcome {
	int status;		/* exit status, or 128 + signal */
	char err[16384];	/* its stderr */
};

static void run_child(const char *variant, struct outcome *o)
{
	char *argv[] = { "test_tsan_publish", (char *)variant, NULL };
	char *envp[256], opts[] = "TSAN_OPTIONS=halt_on_error=1 exitcode=66";
	posix_spawn_file_actions_t fa;
	size_t n = 0, i, got = 0;
	ssize_t k;
	int pipefd[2], ws = 0;
	pid_t pid;

	for (i = 0; environ[i] && n < 254; i++)
		if (strncmp(environ[i], "TSAN_OPTIONS=", 13))
			envp[n++] = environ[i];
	envp[n++] = opts;
	envp[n] = NULL;
	assert_int_equal(pipe(pipefd), 0);
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_adddup2(&fa, pipefd[1], 2);
	posix_spawn_file_actions_addclose(&fa, pipefd[0]);
	assert_int_equal(posix_spawn(&pid, "/proc/self/exe", &fa, NULL, argv, envp), 0);
	posix_spawn_file_actions_destroy(&fa);
	close(pipefd[1]);
	while ((k = read(pipefd[0], o->err + got, sizeof(o->err) - 1 - got)) > 0)
		got += (size_t)k;
	o->err[got] = 0;
	close(pipefd[0]);
	assert_int_equal(waitpid(pid, &ws, 0), pid);
	o->status = WIFEXITED(ws) ? WEXITSTATUS(ws) : 128 + WTERMSIG(ws);
	print_message("# %s publish: exit %d, %zu bytes on stderr\n", variant, o->status, got);
}

static void test_release_publish_clean(void **state)
{
	static struct outcome o;

	(void)state;
	run_child("release", &o);
	if (o.status != 0 || strstr(o.err, "ThreadSanitizer"))
		failf("the release publish was reported or failed (exit %d):\n%s", o.status, o.err);
}

static void test_relaxed_publish_reported(void **state)
{
	static struct outcome o;

	(void)state;
	run_child("relaxed", &o);
	if (o.status != 66 || !strstr(o.err, "ThreadSanitizer: data race"))
		failf("the relaxed publish was not reported (exit %d):\n%s", o.status, o.err);
	/* the racing write is the tail's init */
	if (!strstr(o.err, "fill_struct_pages") && !strstr(o.err, "hvo__fill_tail_frame"))
		failf("the report is not about the tail's init:\n%s", o.err);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_release_publish_clean),
		cmocka_unit_test(test_relaxed_publish_reported),
	};

	if (argc == 2)
		return child(!strcmp(argv[1], "relaxed"));
	return cmocka_run_group_tests_name("tsan_publish", tests, NULL, NULL);
}
