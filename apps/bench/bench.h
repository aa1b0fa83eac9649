/* SPDX-License-Identifier: MIT */
/*
 * Benchmark definitions shared by every system they run on: names (as in
 * DESIGN.md §8), iteration counts and what one operation is. Figures are
 * per operation.
 *
 *   null_syscall  one system call that does nothing (Linux: getpid)
 *   prot1         changing the protection of one page (Appel & Li), the
 *                 loop alternating read-only and read-write
 *   trap          a write to a read-only page, delivered to a user fault
 *                 handler that unprotects the page and resumes the write
 *                 (Appel & Li "trap"); measured as a loop of
 *                 [protect; write] less prot1
 *   ipc_rtt       a call and its reply between two environments (Linux:
 *                 a pipe ping-pong between two processes)
 *   env_switch    one switch from an environment to another by directed
 *                 yield, two environments yielding to each other (Linux:
 *                 sched_yield between two processes on one CPU)
 *   spawn_exit_wait
 *                 start a program that returns 0 at once from its ELF
 *                 image (a boot module, as init has them), let it run and
 *                 exit, and collect its exit record (Linux: fork, _exit
 *                 in the child, waitpid)
 *   boot_to_hello_ms
 *                 milliseconds from starting QEMU until a hello program,
 *                 spawned by init from the boot manifest, prints its line;
 *                 measured by scripts/bench from outside, never by the
 *                 guest (Linux: until its first user-space line)
 */
#ifndef BENCH_BENCH_H
#define BENCH_BENCH_H

#ifndef BENCH_SCALE
#define BENCH_SCALE 1 /* the quick test builds with a larger divisor */
/*
 * The scheduler benchmarks (apps/bench-sched), from the same scale:
 *
 *   thread_yield  one switch between two user-level threads of one
 *                 program, each yielding to the other in turn (Linux
 *                 twin: swapcontext between two ucontexts, one switch)
 *   mutex_handoff one hand-over of a contended mutex between two threads
 *                 that each lock, count and unlock it in a loop: unlock
 *                 hands it to the waiter, the next lock blocks and
 *                 switches to it (Linux twin: two threads on one CPU
 *                 doing the same with a pthread mutex)
 *   sched_pick_<policy>_<n>
 *                 one scheduling decision with n runnable threads:
 *                 charge the running one a tick, queue it, pick the next
 *                 (Axolotl only)
 */
#define THREAD_YIELD_ITERS (100000 / BENCH_SCALE)
#define MUTEX_HANDOFF_ITERS (100000 / BENCH_SCALE)
#define SCHED_PICK_ITERS (20000 / BENCH_SCALE)

#endif

#define BENCH_TRIALS 5
#define NULL_SYSCALL_ITERS (100000 / BENCH_SCALE)
#define PROT1_ITERS (20000 / BENCH_SCALE)
#define TRAP_ITERS (20000 / BENCH_SCALE)
#define IPC_RTT_ITERS (50000 / BENCH_SCALE)
#define ENV_SWITCH_ITERS (50000 / BENCH_SCALE)
#define SPAWN_EXIT_WAIT_ITERS (1000 / BENCH_SCALE)

/*
 * prot1 and trap use the first page of a region this many pages long, all
 * touched (Appel & Li protect pages of a heap). On Linux each protection
 * then splits the region's mapping and the next merges it back; protecting
 * a mapping of its own one page costs Linux less than half as much. Axolotl
 * keeps no regions, so its one-page mapping is the same case.
 */
#define PROT_REGION_PAGES 100

/*
 * The scheduler benchmarks (apps/bench-sched), from the same scale:
 *
 *   thread_yield  one switch between two user-level threads of one
 *                 program, each yielding to the other in turn (Linux
 *                 twin: swapcontext between two ucontexts, one switch)
 *   mutex_handoff one hand-over of a contended mutex between two threads
 *                 that each lock, count and unlock it in a loop: unlock
 *                 hands it to the waiter, the next lock blocks and
 *                 switches to it (Linux twin: two threads on one CPU
 *                 doing the same with a pthread mutex)
 *   sched_pick_<policy>_<n>
 *                 one scheduling decision with n runnable threads:
 *                 charge the running one a tick, queue it, pick the next
 *                 (Axolotl only)
 */
#define THREAD_YIELD_ITERS (100000 / BENCH_SCALE)
#define MUTEX_HANDOFF_ITERS (100000 / BENCH_SCALE)
#define SCHED_PICK_ITERS (20000 / BENCH_SCALE)

#endif
