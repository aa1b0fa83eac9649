/* SPDX-License-Identifier: MIT */
/*
 * sched-stacks: thread stacks on the pager. A thread's stack is backed
 * only as deep as it is used (resident pages counted through the
 * read-only page-table view); a joined thread's slot is reused without
 * taking more frames, and gives back what a deep stack left beyond what
 * a slot keeps; a thread can fork, and the child runs on its copy of the
 * thread's stack; a stack 320 KiB deep under a limit of 24 resident pages
 * is evicted and read back intact; an overflow far below the stack (an
 * alloca-like jump of 4 MiB) is still caught and named by the thread
 * library alone. The children (spawn_fn) come first, before this program
 * has threads, so that the thread a child starts is thread 2.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <libos/pager.h>
#include <libos/runtime.h>
#include <libos/sched.h>

#include "check.h"

#define PAGE EXO_PAGE_SIZE

volatile uint64_t checks_passed;

/*
 * Frames we own, less the runtime's exception stack: the runtime maps
 * most of it at the first upcall past the pager's hook, at a moment a
 * test cannot choose (a slice's end), and it is not a thread stack's.
 */
#define XSTACK_TOP 0x00007e0000000000ul
#define XSTACK_WINDOW (64 * PAGE)

static uint64_t frames(void)
{
	uint64_t n = exo_env_info()->frames;

	for (uint64_t va = XSTACK_TOP - XSTACK_WINDOW; va < XSTACK_TOP;
	     va += PAGE) {
		if (exo_pte(va) & EXO_PTE_P) {
			n--;
		}
	}
	return n;
}

/* The top of the stack slot the calling thread runs on. */
static uint64_t my_top(void)
{
	uint64_t sp = (uint64_t)__builtin_frame_address(0);

	return pager_stack_top(pager_stack_slot(sp));
}

static volatile uint64_t seen_top, seen_slot_pages, seen_stack_pages;

/* Use about @arg bytes of the stack, then count what is resident. */
static void *use_stack(void *arg)
{
	uint64_t bytes = (uint64_t)(uintptr_t)arg, top = my_top();
	volatile uint8_t *buf = __builtin_alloca(bytes);

	buf[0] = 1;
	for (uint64_t i = 0; i < bytes; i += 512) {
		buf[i] = (uint8_t)i;
	}
	seen_top = top;
	seen_slot_pages = resident(top - PAGER_STACK_SLOT, top);
	return (void *)(uintptr_t)buf[0];
}

static void grow_on_demand(void)
{
	struct thread_attr a = { .stack_size = 64 * 1024 };
	struct thread *t;

	/* 8 KiB of a 64 KiB stack: two pages, nothing below. */
	CHECK_EQ(thread_create(&t, use_stack, (void *)5000, &a), 0);
	CHECK_EQ(thread_join(t, NULL), 0);
	CHECK_EQ(seen_slot_pages, 2);
	/* 40 KiB of it: ten or eleven pages. */
	CHECK_EQ(thread_create(&t, use_stack, (void *)(36 * 1024), &a), 0);
	CHECK_EQ(thread_join(t, NULL), 0);
	CHECK(seen_slot_pages >= 10 && seen_slot_pages <= 11);
	printf("stacks: a thread using 8 KiB of a 64 KiB stack has 2 pages "
	       "resident, one using 40 KiB %lu\n",
	       (unsigned long)seen_slot_pages);
}

static void reuse(void)
{
	struct thread_attr big = { .stack_size = 1024 * 1024 };
	struct thread_attr small = { .stack_size = 4 * PAGE };
	struct thread *t;
	uint64_t f0, r0, top;

	/* Warm up: one slot in use, its pages and the heap settled. */
	CHECK_EQ(thread_create(&t, use_stack, (void *)5000, NULL), 0);
	CHECK_EQ(thread_join(t, NULL), 0);
	top = seen_top;
	f0 = frames();
	r0 = resident(top - PAGER_STACK_SLOT, top); /* what the slot kept */
	for (int i = 0; i < 500; i++) {
		CHECK_EQ(thread_create(&t, use_stack, (void *)5000, NULL), 0);
		CHECK_EQ(thread_join(t, NULL), 0);
		if (seen_top != top) {
			CHECK_EQ(seen_top, top); /* the same slot each time */
		}
	}
	CHECK_EQ(frames(), f0);
	printf("stacks: 500 threads joined one after another reused one slot "
	       "with no more frames\n");

	/* A deep stack (256 KiB used) gives back all but the kept pages. */
	CHECK_EQ(thread_create(&t, use_stack, (void *)(256 * 1024), &big), 0);
	CHECK_EQ(thread_join(t, NULL), 0);
	CHECK_EQ(seen_top, top);
	CHECK(seen_slot_pages >= 64);
	CHECK_EQ(resident(top - PAGER_STACK_SLOT, top), PAGER_STACK_KEEP);
	CHECK_EQ(frames(), f0 + PAGER_STACK_KEEP - r0);
	/* A smaller stack in that slot: what it kept below is guard again. */
	CHECK_EQ(thread_create(&t, use_stack, (void *)1000, &small), 0);
	CHECK_EQ(thread_join(t, NULL), 0);
	CHECK_EQ(seen_top, top);
	CHECK(seen_slot_pages <= 4);
	CHECK_EQ(resident(top - PAGER_STACK_SLOT, top - 4 * PAGE), 0);
	printf("stacks: a joined 256 KiB stack kept %d pages; a 16 KiB one "
	       "after it left none below itself\n", PAGER_STACK_KEEP);
}

/* A thread forks; the child runs on its copy of the thread's stack. */
static void *forker(void *arg)
{
	volatile uint8_t mine[3000];
	struct exo_exit_info x;
	int64_t id;

	memset((void *)mine, 7, sizeof(mine));
	id = pager_fork();
	if (id == 0) {
		/* Deeper than the parent went: fresh pages of the slot. */
		volatile uint8_t deeper[20000];

		deeper[0] = mine[0];
		deeper[sizeof(deeper) - 1] = mine[sizeof(mine) - 1];
		mine[0] = 99;
		exit(deeper[0] + deeper[sizeof(deeper) - 1] + mine[0]);
	}
	if (id < 0 || wait_child((exo_envid_t)id, &x) != id) {
		return (void *)1;
	}
	if (x.reason != EXO_EXIT_NORMAL || x.code != 7 + 7 + 99) {
		printf("FAIL: the forked child ended with %u/%ld\n", x.reason,
		       (long)x.code);
		return (void *)2;
	}
	return (void *)(uintptr_t)(mine[0] == 7 ? 0 : 3);
}

static void fork_from_thread(void)
{
	struct thread *t;
	void *r;

	CHECK_EQ(thread_create(&t, forker, NULL, NULL), 0);
	CHECK_EQ(thread_join(t, &r), 0);
	CHECK_EQ((uintptr_t)r, 0);
	printf("stacks: a thread forked; the child ran on its copy of the "
	       "thread's stack and grew it\n");
}

/* In a child: a 64 KiB stack whose owner jumps 4 MiB below its frame. */
static void *jump(void *arg)
{
	volatile uint8_t *far =
		(volatile uint8_t *)__builtin_frame_address(0) - (4ul << 20);

	*far = 1;
	return (void *)(uintptr_t)*far;
}

static int overflow_child(uint64_t arg)
{
	struct thread_attr a = { .stack_size = 64 * 1024 };
	struct thread *t;

	if (thread_create(&t, jump, NULL, &a)) {
		return 2;
	}
	thread_join(t, NULL);
	printf("stacks: still running after the overflow\n");
	return 3;
}

static void deep_overflow(void)
{
	CHECK_SPAWN_EXIT(overflow_child, 0, 139);
	printf("stacks: a 4 MiB jump below a thread's stack ended the child "
	       "with code 139\n");
}

/* Each frame 4 KiB of a pattern, checked on the way back up. */
static uint64_t fill(uint64_t n)
{
	volatile uint64_t pad[512];
	uint64_t bad;

	for (int i = 0; i < 512; i++) {
		pad[i] = n * 1000 + (uint64_t)i;
	}
	bad = n ? fill(n - 1) : 0;
	for (int i = 0; i < 512; i++) {
		bad += pad[i] != n * 1000 + (uint64_t)i;
	}
	return bad;
}

static void *deep_fill(void *arg)
{
	return (void *)(uintptr_t)fill((uintptr_t)arg);
}

/* In a child: a 320 KiB deep stack under a limit of 24 resident pages. */
static int evict_child(uint64_t arg)
{
	struct thread_attr a = { .stack_size = 1024 * 1024 };
	struct pager_stats st;
	struct thread *t;
	void *bad;

	if (pager_set_limit(24)) {
		return 2;
	}
	if (thread_create(&t, deep_fill, (void *)80, &a) ||
	    thread_join(t, &bad)) {
		return 3;
	}
	pager_stats(&st);
	printf("stacks: under a limit of 24 pages a 320 KiB deep stack came "
	       "back whole (%lu evictions, %lu swap-ins, %lu bad words)\n",
	       (unsigned long)st.evictions, (unsigned long)st.swap_ins,
	       (unsigned long)(uintptr_t)bad);
	return bad || !st.evictions || !st.swap_ins ? 4 : 0;
}

static void evicted_stack(void)
{
	CHECK_SPAWN_EXIT(evict_child, 0, 0);
}

int main(void)
{
	/* Children first: the thread each starts is thread 2. */
	deep_overflow();
	evicted_stack();
	grow_on_demand();
	reuse();
	fork_from_thread();
	printf("stacks: all %lu checks passed\n",
	       (unsigned long)checks_passed);
	return 0;
}
