// SPDX-License-Identifier: MIT
/*
 * fiber.c - fibers for the schedule explorer: guarded mmap() stacks and a
 * context switch that makes no system call.
 *
 * Why not swapcontext(): glibc's saves and restores the signal mask with
 * rt_sigprocmask() on every switch, a system call that costs more than
 * everything else in a switch together (hvosim bench explore measures
 * both).  The explorer switches at every scheduling point of every run, so
 * on x86-64 and aarch64 the switch is our own: push the callee-saved
 * registers and the floating-point control state, swap the stack pointer,
 * pop.  The signal mask is never changed by the code fibers run, so there
 * is nothing to save there.  Other architectures use ucontext.
 */
#include <errno.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "error.h"
#include "fiber.h"

#if defined(__SANITIZE_ADDRESS__)
#define HVO_FIBER_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define HVO_FIBER_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define HVO_FIBER_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define HVO_FIBER_TSAN 1
#endif
#endif

#ifdef HVO_FIBER_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef HVO_FIBER_TSAN
#include <sanitizer/tsan_interface.h>
#endif

void hvo__ctx_switch(void **save_sp, void *new_sp);
void hvo__ctx_entry(void);

#if defined(HVO_FIBER_UCONTEXT)
/* swapcontext() below */
#elif defined(__x86_64__)
/*
 * hvo__ctx_switch(save_sp, new_sp): SysV callee-saved rbx, rbp, r12-r15,
 * MXCSR and the x87 control word; the return address is the resume point.
 * A new fiber's stack is laid out as if it had called the switch from
 * hvo__ctx_entry, with the start function in r12 and its argument in r13.
 */
__asm__(".text\n"
	".globl hvo__ctx_switch\n"
	".hidden hvo__ctx_switch\n"
	".type hvo__ctx_switch,@function\n"
	"hvo__ctx_switch:\n"
	"	pushq %rbp\n"
	"	pushq %rbx\n"
	"	pushq %r12\n"
	"	pushq %r13\n"
	"	pushq %r14\n"
	"	pushq %r15\n"
	"	subq $8, %rsp\n"
	"	stmxcsr (%rsp)\n"
	"	fnstcw 4(%rsp)\n"
	"	movq %rsp, (%rdi)\n"
	"	movq %rsi, %rsp\n"
	"	ldmxcsr (%rsp)\n"
	"	fldcw 4(%rsp)\n"
	"	addq $8, %rsp\n"
	"	popq %r15\n"
	"	popq %r14\n"
	"	popq %r13\n"
	"	popq %r12\n"
	"	popq %rbx\n"
	"	popq %rbp\n"
	"	ret\n"
	".size hvo__ctx_switch, .-hvo__ctx_switch\n"
	".globl hvo__ctx_entry\n"
	".hidden hvo__ctx_entry\n"
	".type hvo__ctx_entry,@function\n"
	"hvo__ctx_entry:\n"
	"	movq %r13, %rdi\n"
	"	callq *%r12\n"
	"	ud2\n"
	".size hvo__ctx_entry, .-hvo__ctx_entry\n");

#define FRAME_WORDS 8

static void frame_init(struct hvo_fiber *f, void (*start)(void *))
{
	uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 16) - FRAME_WORDS;
	uint32_t mxcsr;
	uint16_t fpucw;

	__asm__ volatile("stmxcsr %0" : "=m"(mxcsr));
	__asm__ volatile("fnstcw %0" : "=m"(fpucw));
	memset(sp, 0, FRAME_WORDS * sizeof(*sp));
	sp[0] = mxcsr | ((uint64_t)fpucw << 32);
	sp[3] = (uint64_t)(uintptr_t)f;			/* r13 */
	sp[4] = (uint64_t)(uintptr_t)start;		/* r12 */
	sp[7] = (uint64_t)(uintptr_t)hvo__ctx_entry;	/* return address */
	f->sp = sp;
}
#elif defined(__aarch64__)
/*
 * AAPCS64 callee-saved x19-x28, fp, lr, d8-d15 and FPCR in a 176-byte
 * frame; a new fiber "returns" into hvo__ctx_entry with the start function
 * in x19 and its argument in x20.
 */
__asm__(".text\n"
	".globl hvo__ctx_switch\n"
	".hidden hvo__ctx_switch\n"
	".type hvo__ctx_switch,%function\n"
	"hvo__ctx_switch:\n"
	"	sub sp, sp, #176\n"
	"	stp x19, x20, [sp, #0]\n"
	"	stp x21, x22, [sp, #16]\n"
	"	stp x23, x24, [sp, #32]\n"
	"	stp x25, x26, [sp, #48]\n"
	"	stp x27, x28, [sp, #64]\n"
	"	stp x29, x30, [sp, #80]\n"
	"	stp d8, d9, [sp, #96]\n"
	"	stp d10, d11, [sp, #112]\n"
	"	stp d12, d13, [sp, #128]\n"
	"	stp d14, d15, [sp, #144]\n"
	"	mrs x9, fpcr\n"
	"	str x9, [sp, #160]\n"
	"	mov x9, sp\n"
	"	str x9, [x0]\n"
	"	mov sp, x1\n"
	"	ldr x9, [sp, #160]\n"
	"	msr fpcr, x9\n"
	"	ldp x19, x20, [sp, #0]\n"
	"	ldp x21, x22, [sp, #16]\n"
	"	ldp x23, x24, [sp, #32]\n"
	"	ldp x25, x26, [sp, #48]\n"
	"	ldp x27, x28, [sp, #64]\n"
	"	ldp x29, x30, [sp, #80]\n"
	"	ldp d8, d9, [sp, #96]\n"
	"	ldp d10, d11, [sp, #112]\n"
	"	ldp d12, d13, [sp, #128]\n"
	"	ldp d14, d15, [sp, #144]\n"
	"	add sp, sp, #176\n"
	"	ret\n"
	".size hvo__ctx_switch, .-hvo__ctx_switch\n"
	".globl hvo__ctx_entry\n"
	".hidden hvo__ctx_entry\n"
	".type hvo__ctx_entry,%function\n"
	"hvo__ctx_entry:\n"
	"	mov x0, x20\n"
	"	blr x19\n"
	"	brk #0\n"
	".size hvo__ctx_entry, .-hvo__ctx_entry\n");

#define FRAME_WORDS 22

static void frame_init(struct hvo_fiber *f, void (*start)(void *))
{
	uintptr_t top = ((uintptr_t)f->stack + f->stack_size) & ~(uintptr_t)15;
	uint64_t *sp = (uint64_t *)(top - 16) - FRAME_WORDS, fpcr;

	__asm__ volatile("mrs %0, fpcr" : "=r"(fpcr));
	memset(sp, 0, FRAME_WORDS * sizeof(*sp));
	sp[0] = (uint64_t)(uintptr_t)start;		/* x19 */
	sp[1] = (uint64_t)(uintptr_t)f;			/* x20 */
	sp[11] = (uint64_t)(uintptr_t)hvo__ctx_entry;	/* x30 */
	sp[20] = fpcr;
	f->sp = sp;
}
#endif

#ifdef HVO_FIBER_UCONTEXT
static _Thread_local struct hvo_fiber *starting;
static void fiber_start(void *arg);

static void uc_entry(void)
{
	fiber_start(starting);
}

static void frame_init(struct hvo_fiber *f, void (*start)(void *))
{
	(void)start;
	getcontext(&f->uc);
	f->uc.uc_stack.ss_sp = f->stack;
	f->uc.uc_stack.ss_size = f->stack_size;
	f->uc.uc_link = NULL;
	makecontext(&f->uc, uc_entry, 0);
}
#endif

/* the first code a fiber runs: finish the sanitizers' half of the switch */
static void fiber_start(void *arg)
{
	struct hvo_fiber *f = arg;

#ifdef HVO_FIBER_ASAN
	__sanitizer_finish_switch_fiber(NULL, NULL, NULL);
#endif
	f->fn(f->arg);
	fprintf(stderr, "hvosim: a fiber function returned\n");
	abort();
}

void hvo__fiber_main(struct hvo_fiber *f)
{
	memset(f, 0, sizeof(*f));
#ifdef HVO_FIBER_TSAN
	f->tsan = __tsan_get_current_fiber();
#endif
#ifdef HVO_FIBER_ASAN
	{
		pthread_attr_t a;
		void *addr;
		size_t size;

		if (!pthread_getattr_np(pthread_self(), &a)) {
			if (!pthread_attr_getstack(&a, &addr, &size)) {
				f->asan_bottom = addr;
				f->asan_size = size;
			}
			pthread_attr_destroy(&a);
		}
	}
#endif
}

int hvo__fiber_create(struct hvo_fiber *f, size_t stack_size, void (*fn)(void *), void *arg)
{
	size_t pg = (size_t)sysconf(_SC_PAGESIZE);

	memset(f, 0, sizeof(*f));
	f->stack_size = (stack_size + pg - 1) & ~(pg - 1);
	f->map_len = f->stack_size + pg;
	f->map = mmap(NULL, f->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
		      -1, 0);
	if (f->map == MAP_FAILED) {
		f->map = NULL;
		return -ENOMEM;
	}
	/* the guard: an overflow faults at once instead of corrupting memory */
	if (mprotect(f->map, pg, PROT_NONE)) {
		munmap(f->map, f->map_len);
		f->map = NULL;
		return -errno;
	}
	f->stack = (uint8_t *)f->map + pg;
	f->fn = fn;
	f->arg = arg;
	f->asan_bottom = f->stack;
	f->asan_size = f->stack_size;
	hvo__fiber_reset(f, true);
	return 0;
}

void hvo__fiber_reset(struct hvo_fiber *f, bool fresh_tsan)
{
#ifdef HVO_FIBER_TSAN
	/* a fiber left in the middle of a call keeps TSan's shadow call stack
	 * of that call; starting it over on the same TSan fiber would grow it
	 * without bound */
	if (fresh_tsan || !f->tsan) {
		if (f->tsan && f->own_tsan)
			__tsan_destroy_fiber(f->tsan);
		f->tsan = __tsan_create_fiber(0);
		f->own_tsan = true;
	}
#else
	(void)fresh_tsan;
#endif
#ifdef HVO_FIBER_ASAN
	/* frames abandoned mid-call leave their redzones poisoned */
	__asan_unpoison_memory_region(f->stack, f->stack_size);
	f->asan_fake = NULL;
#endif
	frame_init(f, fiber_start);
}

void hvo__fiber_switch(struct hvo_fiber *from, struct hvo_fiber *to, unsigned int flags)
{
#ifdef HVO_FIBER_ASAN
	__sanitizer_start_switch_fiber((flags & HVO_FIBER_EXIT) ? NULL : &from->asan_fake,
				       to->asan_bottom, to->asan_size);
#endif
#ifdef HVO_FIBER_TSAN
	__tsan_switch_to_fiber(to->tsan, (flags & HVO_FIBER_SYNC) ? 0 :
				       __tsan_switch_to_fiber_no_sync);
#else
	(void)flags;
#endif
#ifdef HVO_FIBER_UCONTEXT
	starting = to;
	swapcontext(&from->uc, &to->uc);
#else
	hvo__ctx_switch(&from->sp, to->sp);
#endif
#ifdef HVO_FIBER_ASAN
	__sanitizer_finish_switch_fiber(from->asan_fake, NULL, NULL);
#endif
}

void hvo__fiber_destroy(struct hvo_fiber *f)
{
#ifdef HVO_FIBER_TSAN
	if (f->tsan && f->own_tsan)
		__tsan_destroy_fiber(f->tsan);
#endif
#ifdef HVO_FIBER_ASAN
	if (f->stack)
		__asan_unpoison_memory_region(f->stack, f->stack_size);
#endif
	if (f->map)
		munmap(f->map, f->map_len);
	memset(f, 0, sizeof(*f));
}

const char *hvo__fiber_switch_kind(void)
{
#ifdef HVO_FIBER_UCONTEXT
	return "ucontext";
#elif defined(__x86_64__)
	return "asm x86-64";
#else
	return "asm aarch64";
#endif
}

/* ---- hvo_explore_pingpong() (explore.c): the switch, measured by the caller ---- */

struct pingpong {
	struct hvo_fiber main, f;
};

static void pong(void *arg)
{
	struct pingpong *p = arg;

	/* HVO_FIBER_SYNC as the explorer's switches (explore.c): TSan sees
	 * the fiber's reads of the frame frame_init() wrote, and the free of
	 * @p, ordered with this fiber's accesses (no-op outside TSan) */
	for (;;)
		hvo__fiber_switch(&p->f, &p->main, HVO_FIBER_SYNC);
}

int hvo__fiber_pingpong(uint64_t n, const char **kind)
{
	struct pingpong *p = calloc(1, sizeof(*p));
	uint64_t i;

	if (kind)
		*kind = hvo__fiber_switch_kind();
	if (!p)
		return hvo__err(-ENOMEM, "pingpong: out of host memory");
	hvo__fiber_main(&p->main);
	if (hvo__fiber_create(&p->f, 64 * 1024, pong, p)) {
		free(p);
		return hvo__err(-ENOMEM, "pingpong: cannot map a fiber stack");
	}
	for (i = 0; i < n; i++)
		hvo__fiber_switch(&p->main, &p->f, HVO_FIBER_SYNC);
	/* the fiber is left at its switch: its stack goes with it */
	hvo__fiber_destroy(&p->f);
	free(p);
	return 0;
}
