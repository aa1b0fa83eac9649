/* SPDX-License-Identifier: MIT */
/*
 * Spinners: environments in endless loops without a single system call.
 * The timer must take the CPU back from them, so init keeps running (it
 * sees the tick count advance while it works and yields, and its turns
 * come at short intervals), the spinners all run too, and init can destroy
 * them at the end.
 */
#include <stdint.h>

#include <libos/runtime.h>

#include "check.h"
#include "probe.h"
#include "share.h"

#define NSPIN 4
#define SLICE_TICKS 10 /* docs/syscalls.md: a slice is 10 ticks */

struct spin_page {
	volatile uint64_t count[NSPIN]; /* loops made by each spinner */
	volatile uint64_t preempts; /* preemption upcalls (spinner 2) */
	volatile uint64_t in_handler; /* spinner 3 reached its handler */
};

static struct spin_page *sp;

/* Spinner 0: a counter in shared memory, nothing else. */
static _Noreturn int spin_count(uint64_t k)
{
	sp = share_wait();
	for (;;) {
		sp->count[k]++;
	}
}

/* Spinner 1: a jump to itself, not even a memory access. */
static _Noreturn int spin_tight(uint64_t k)
{
	sp = share_wait();
	sp->count[k] = 1;
	for (;;) {
	}
}

static _Noreturn int on_fault(struct exo_upcall_frame *f)
{
	/* Spinner 3 spins inside its handler, on the exception stack. */
	sp->in_handler = 1;
	for (;;) {
		sp->count[3]++;
	}
}

static int on_preempt(struct exo_upcall_frame *f)
{
	sp->preempts++;
	return 0; /* resume where the timer stopped us */
}

/* Spinner 2: counts, and sees every lost slice in its preemption upcall. */
static int spin_upcall(uint64_t k)
{
	sp = share_wait();
	if (set_fault_handler(on_fault, on_preempt)) {
		return 1;
	}
	for (;;) {
		sp->count[k]++;
	}
}

/* Spinner 3: faults, and spins in its fault handler. */
static int spin_in_handler(uint64_t k)
{
	sp = share_wait();
	if (set_fault_handler(on_fault, 0)) {
		return 1;
	}
	probe_ud2(0);
	return 2;
}

static int (*const spinners[NSPIN])(uint64_t) = {
	spin_count,
	spin_tight,
	spin_upcall,
	spin_in_handler,
};

/*
 * Work and yield for @span ticks; return the longest wait between two of
 * our turns, in ticks, and count the turns in *@turns.
 */
static uint64_t work_and_yield(uint64_t span, uint64_t *turns)
{
	uint64_t t0 = ticks(), last = t0, gap = 0, now;
	volatile uint64_t sum = 0;

	*turns = 0;
	while ((now = ticks()) - t0 < span) {
		if (now - last > gap) {
			gap = now - last;
		}
		last = now;
		for (int i = 0; i < 1000; i++) {
			sum += (uint64_t)i * now;
		}
		(*turns)++;
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	return gap;
}

/* Work without yielding for @span ticks; return the longest pause seen. */
static uint64_t work_only(uint64_t span)
{
	uint64_t t0 = ticks(), last = t0, gap = 0, now;

	while ((now = ticks()) - t0 < span) {
		if (now - last > gap) {
			gap = now - last;
		}
		last = now;
	}
	return gap;
}

static int all_counting(const uint64_t *before, int n)
{
	for (int k = 0; k < n; k++) {
		if (k != 1 && sp->count[k] == before[k]) {
			return 0;
		}
	}
	return 1;
}

int main(void)
{
	const volatile struct exo_env_info *me = exo_env_info();
	uint64_t pa, turns, gap, slices, before[NSPIN];
	struct exo_exit_info info;
	int64_t id[NSPIN];

	check_begin("spin");
	sp = share_new(0, &pa);
	if (!CHECK(sp)) {
		return check_end();
	}

	step("one spinner");
	id[0] = share_spawn(spinners[0], 0, pa);
	CHECK(id[0] > 0);
	slices = me->slices;
	gap = work_and_yield(300, &turns);
	printf("spin: %lu turns in 300 ticks, longest wait %lu ticks, "
	       "spinner at %lu\n",
	       (unsigned long)turns, (unsigned long)gap,
	       (unsigned long)sp->count[0]);
	/* Fair shares would give 300 / (2 * 10); allow for half. */
	CHECK(turns >= 300 / (4 * SLICE_TICKS));
	CHECK(gap <= 3 * SLICE_TICKS);
	CHECK(sp->count[0] > 0);
	CHECK(me->slices > slices);

	step("four spinners of different kinds");
	for (int k = 1; k < NSPIN; k++) {
		id[k] = share_spawn(spinners[k], (uint64_t)k, pa);
		CHECK(id[k] > 0);
	}
	/* Each must have run at least once before counting starts. */
	for (uint64_t t0 = ticks();
	     ticks() - t0 < 2000 && !(sp->count[1] && sp->in_handler);) {
		exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
	}
	CHECK(sp->count[1] && sp->in_handler);
	for (int k = 0; k < NSPIN; k++) {
		before[k] = sp->count[k];
	}
	gap = work_and_yield(500, &turns);
	printf("spin: %lu turns in 500 ticks, longest wait %lu ticks, "
	       "%lu preemption upcalls\n",
	       (unsigned long)turns, (unsigned long)gap,
	       (unsigned long)sp->preempts);
	CHECK(turns >= 500 / (2 * (NSPIN + 1) * SLICE_TICKS));
	CHECK(gap <= (NSPIN + 2) * SLICE_TICKS);
	CHECK(all_counting(before, NSPIN));
	CHECK(sp->preempts > 0);

	step("working without yielding among them");
	for (int k = 0; k < NSPIN; k++) {
		before[k] = sp->count[k];
	}
	slices = me->preemptions;
	gap = work_only(300);
	printf("spin: longest pause %lu ticks, preempted %lu times\n",
	       (unsigned long)gap, (unsigned long)(me->preemptions - slices));
	CHECK(gap <= (NSPIN + 2) * SLICE_TICKS);
	CHECK(me->preemptions > slices);
	CHECK(all_counting(before, NSPIN));

	step("destroying them");
	for (int k = 0; k < NSPIN; k++) {
		if (id[k] <= 0) {
			continue;
		}
		CHECK_EQ(exo_env_destroy(id[k], 0, 0, 0, 0, 0), 0);
		CHECK_EQ(exo_env_wait(id[k], (uint64_t)&info, 0, 0, 0, 0),
			 id[k]);
		CHECK_EQ(info.reason, EXO_EXIT_KILLED);
	}
	CHECK_EQ(exo_sys_info()->envs, 1);
	CHECK_EQ(exo_page_unmap(EXO_ENV_SELF, SHARE_PARENT_VA, 1, 0, 0, 0), 0);
	CHECK_EQ(exo_frame_free(pa, 0, 0, 0, 0, 0), 0);
	return check_end();
}
