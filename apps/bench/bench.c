/* SPDX-License-Identifier: MIT */
/*
 * The kernel benchmarks, run as init. Each prints one line per trial,
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 *
 * which scripts/bench turns into per-operation figures (guest
 * instructions under -icount shift=0, nanoseconds otherwise).
 */
#include <stdint.h>

#include <arch/cycles.h>
#include <libos/runtime.h>
#include <libos/spawn.h>

#include "bench.h"
#include "report.h"

#define PAGE_VA 0x0000000040000000ul /* the page the trap benchmark uses */

static void bench_null(int trial)
{
	uint64_t t0 = arch_read_cycles();

	for (int i = 0; i < NULL_SYSCALL_ITERS; i++) {
		exo_null(0, 0, 0, 0, 0, 0);
	}
	report("null_syscall", NULL_SYSCALL_ITERS, trial,
	       arch_read_cycles() - t0);
}

static int unprotect(struct exo_upcall_frame *f)
{
	if (f->vector != 14 || (f->addr & ~0xffful) != PAGE_VA) {
		printf("bench: unexpected fault %lu at 0x%lx\n",
		       (unsigned long)f->vector, (unsigned long)f->addr);
		return 1;
	}
	exo_page_protect(EXO_ENV_SELF, PAGE_VA, 1, EXO_PERM_R | EXO_PERM_W, 0,
			 0);
	return 0;
}

/* prot1_raw: one page_protect of one page, alternating read-only/read-write. */
static uint64_t bench_prot1(int trial)
{
	uint64_t t0 = arch_read_cycles(), t;

	for (int i = 0; i < PROT1_ITERS; i++) {
		exo_page_protect(EXO_ENV_SELF, PAGE_VA, 1,
				 (i & 1) ? EXO_PERM_R | EXO_PERM_W : EXO_PERM_R,
				 0, 0);
	}
	t = arch_read_cycles() - t0;
	report("prot1_raw", PROT1_ITERS, trial, t);
	return t;
}

/* trap_raw: [protect; write -> fault -> unprotect -> resume] less prot1. */
static void bench_trap(int trial, uint64_t prot1)
{
	volatile uint64_t *p = (volatile uint64_t *)PAGE_VA;
	uint64_t t0, t;

	t0 = arch_read_cycles();
	for (int i = 0; i < TRAP_ITERS; i++) {
		exo_page_protect(EXO_ENV_SELF, PAGE_VA, 1, EXO_PERM_R, 0, 0);
		*p = (uint64_t)i; /* faults; the handler unprotects */
	}
	t = arch_read_cycles() - t0;
	if (*p != (uint64_t)(TRAP_ITERS - 1)) {
		printf("bench: trap writes were lost\n");
		failed = 1;
	}
	report("trap_raw", TRAP_ITERS, trial, t - prot1 * TRAP_ITERS / PROT1_ITERS);
}

static int ipc_server(uint64_t arg)
{
	struct exo_msg m = { .cap = EXO_CAP_NONE };
	int64_t r = exo_ipc_recv_msg(0, &m);

	(void)arg;
	while (r == EXO_IPC_CALL) {
		m.w[0]++;
		m.cap = EXO_CAP_NONE;
		r = exo_ipc_reply_recv_msg(m.peer, &m);
	}
	return 0; /* a notification: time to stop */
}

static void bench_ipc(int trial)
{
	struct exo_msg m;
	int64_t server = spawn_fn(ipc_server, 0);
	uint64_t t0;

	if (server < 0) {
		printf("bench: cannot start the IPC server: %s\n",
		       exo_status_name(server));
		failed = 1;
		return;
	}
	/* One call first so the server is waiting when the clock starts. */
	m.cap = EXO_CAP_NONE;
	m.w[0] = 0;
	exo_ipc_call_msg((uint64_t)server, &m);
	t0 = arch_read_cycles();
	for (int i = 0; i < IPC_RTT_ITERS; i++) {
		m.cap = EXO_CAP_NONE;
		exo_ipc_call_msg((uint64_t)server, &m);
	}
	report("ipc_rtt", IPC_RTT_ITERS, trial, arch_read_cycles() - t0);
	if (m.w[0] != IPC_RTT_ITERS + 1) {
		printf("bench: IPC replies were wrong\n");
		failed = 1;
	}
	exo_notify((uint64_t)server, 1, 0, 0, 0, 0);
	wait_child((exo_envid_t)server, NULL);
}

static volatile int never;

static int yielder(uint64_t parent)
{
	/* Runs until the parent destroys it. */
	while (!never) {
		exo_yield(parent, 0, 0, 0, 0, 0);
	}
	return 0;
}

static void bench_switch(int trial)
{
	int64_t other = spawn_fn(yielder, env_self());
	uint64_t t0;

	if (other < 0) {
		failed = 1;
		return;
	}
	/* Let it start and yield back once. */
	exo_yield((uint64_t)other, 0, 0, 0, 0, 0);
	t0 = arch_read_cycles();
	for (int i = 0; i < ENV_SWITCH_ITERS; i++) {
		exo_yield((uint64_t)other, 0, 0, 0, 0, 0);
	}
	/* Each iteration is two switches: there and back. */
	report("env_switch", 2ul * ENV_SWITCH_ITERS, trial,
	       arch_read_cycles() - t0);
	exo_env_destroy((uint64_t)other, 0, 0, 0, 0, 0);
	wait_child((exo_envid_t)other, NULL);
}

/* spawn_exit_wait: the boot module "nop" from its ELF image to its end. */
static void bench_spawn(int trial)
{
	static const char *const argv[] = { "nop", NULL };
	struct exo_exit_info x;
	uint64_t t0 = arch_read_cycles(), t;

	for (int i = 0; i < SPAWN_EXIT_WAIT_ITERS; i++) {
		int64_t id = spawn_module("nop", argv);

		if (id < 0 || wait_child((exo_envid_t)id, &x) != id ||
		    x.reason != EXO_EXIT_NORMAL || x.code != 0) {
			printf("bench: spawning nop failed: %s\n",
			       exo_status_name(id < 0 ? id : 0));
			failed = 1;
			return;
		}
	}
	t = arch_read_cycles() - t0;
	report("spawn_exit_wait", SPAWN_EXIT_WAIT_ITERS, trial, t);
}

int main(void)
{
	int err;

	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	err = map_anon(PAGE_VA, 1);
	if (!err) {
		err = set_fault_handler(unprotect, NULL);
	}
	if (err) {
		printf("bench: set-up failed: %s\n", exo_status_name(err));
		return 1;
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		bench_null(t);
		bench_trap(t, bench_prot1(t));
		bench_ipc(t);
		bench_switch(t);
		bench_spawn(t);
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
