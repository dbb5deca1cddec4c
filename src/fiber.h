/* SPDX-License-Identifier: MIT */
/*
 * fiber.h - stackful fibers on one OS thread, for the schedule explorer.
 *
 * A fiber runs a function on its own mmap()ed stack with a PROT_NONE guard
 * page below it; a switch saves the callee-saved registers of one fiber and
 * loads another's.  On x86-64 and aarch64 the switch is a few instructions
 * of assembly and makes no system call; elsewhere it falls back to
 * swapcontext(), which saves the signal mask with a sigprocmask() call.
 *
 * The switches tell AddressSanitizer (__sanitizer_{start,finish}_switch_fiber)
 * and ThreadSanitizer (__tsan_switch_to_fiber) about the change of stack, so
 * the explorer runs in the sanitizer builds.  Under TSan every fiber is a
 * thread of its own: a switch made with HVO_FIBER_SYNC creates a
 * happens-before edge from the fiber left to the fiber entered, one made
 * without it creates none, so races between simulated threads stay visible.
 */
#ifndef HVOSIM_SRC_FIBER_H
#define HVOSIM_SRC_FIBER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* -Dfiber_switch=ucontext (meson) forces the fallback everywhere */
#if (!defined(__x86_64__) && !defined(__aarch64__)) || defined(HVO_FIBER_FORCE_UCONTEXT)
#define HVO_FIBER_UCONTEXT 1
#include <ucontext.h>
#endif

/* a switch creates a happens-before edge (TSan) */
#define HVO_FIBER_SYNC 0x1u
/* the fiber switched away from is finished and will only be reset */
#define HVO_FIBER_EXIT 0x2u

struct hvo_fiber {
	void *sp;			/* saved stack pointer while switched out */
#ifdef HVO_FIBER_UCONTEXT
	ucontext_t uc;
#endif
	void *map;			/* the mapping: guard page, then the stack */
	size_t map_len;
	void *stack;			/* lowest usable byte of the stack */
	size_t stack_size;
	void (*fn)(void *arg);		/* never returns: switches away when done */
	void *arg;
	void *tsan;			/* TSan's fiber, NULL without TSan */
	void *asan_fake;		/* ASan's fake stack while switched out */
	const void *asan_bottom;	/* the stack as ASan must be told of it */
	size_t asan_size;
	bool own_tsan;			/* tsan was created here (not the thread's) */
};

/* the calling thread's own context, which fibers switch back to */
void hvo__fiber_main(struct hvo_fiber *f);

/* a fiber with a @stack_size stack (rounded up to pages) that will run @fn */
int hvo__fiber_create(struct hvo_fiber *f, size_t stack_size, void (*fn)(void *),
		      void *arg);

/* run @fn from its start at the next switch to @f; the stack is reused.
 * @fresh_tsan: give TSan a new fiber (the old one was left mid-call). */
void hvo__fiber_reset(struct hvo_fiber *f, bool fresh_tsan);

/* stop running @from and run @to; returns when something switches back */
void hvo__fiber_switch(struct hvo_fiber *from, struct hvo_fiber *to, unsigned int flags);

void hvo__fiber_destroy(struct hvo_fiber *f);

/* "asm x86-64", "asm aarch64" or "ucontext": what hvo__fiber_switch() uses */
const char *hvo__fiber_switch_kind(void);

/* hvo_explore_pingpong(): @n round trips to a fiber and back */
int hvo__fiber_pingpong(uint64_t n, const char **kind);

#endif /* HVOSIM_SRC_FIBER_H */
