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

/*
 * The raw disk (apps/bench-disk, image img_bench_disk, a scratch virtio
 * disk of DISK_SCRATCH_MB attached by scripts/bench), through the libOS
 * block device over the whole disk:
 *
 *   disk_read_4k  one 4 KiB block read synchronously (one request, then
 *                 sleep until its completion is notified), the blocks in
 *                 order through the first DISK_4K_ITERS of the disk
 *                 (Linux: pread of 4 KiB with O_DIRECT on /dev/vda)
 *   disk_write_4k the same, writing
 *   disk_seq_read_16m
 *                 reading DISK_SEQ_MB MiB in order, in calls of
 *                 DISK_SEQ_CALL_BLOCKS blocks (the block device keeps
 *                 DISK_DEPTH requests of 32 blocks in flight); one
 *                 operation is the whole 16 MiB (Linux: O_DIRECT pread of
 *                 1 MiB at a time)
 *   disk_seq_write_16m
 *                 the same, writing
 *
 * While the CPU sleeps waiting for the device, -icount still advances the
 * time-stamp counter (one count per virtual nanosecond), so the
 * "instructions" of these four include the device's time: they are
 * virtual-time figures, not pure path lengths.
 */
#define DISK_SCRATCH_MB 64
#define DISK_4K_ITERS (2000 / BENCH_SCALE)
#define DISK_SEQ_MB 16
#define DISK_SEQ_CALL_BLOCKS 256

/*
 * File-system benchmarks (apps/bench-fs). Until the kernel has a disk
 * driver they run fs.journal over a RAM block device and carry the
 * suffix _ramdev; the virtio-disk figures keep the plain names.
 *
 *   fs_create_fsync_1000
 *                 create a file, write FS_SMALL_FILE bytes, fsync, close;
 *                 one operation is one file (1,000 per trial)
 *   fs_seq_write_64m
 *                 write FS_SEQ_BYTES to a new file in FS_IO_CHUNK writes,
 *                 then fsync; one operation is the whole file
 *   fs_seq_read_64m
 *                 read that file back in FS_IO_CHUNK reads, from a fresh
 *                 mount (cold cache); one operation is the whole file
 *   fs_fsync      fsync after overwriting FS_SMALL_FILE bytes of a file;
 *                 one operation is one fsync (the write is not timed)
 */
#define FS_CREATE_FILES (1000 / BENCH_SCALE)
#define FS_SMALL_FILE 1024
#define FS_SEQ_BYTES ((64u << 20) / BENCH_SCALE)
#define FS_IO_CHUNK (1u << 20)
#define FS_FSYNC_ITERS (1000 / BENCH_SCALE)

/*
 * Swapping the scheduling policy of a running program (apps/bench-sched,
 * boot module "picks"): n threads (blocked on a semaphore) and the main
 * one move between sched.rr and sched.stride through the gated "sched"
 * slot, SCHED_SWAP_ITERS swaps per trial:
 *
 *   swap_downtime_<n>  the cycles callers were held at the gate during one
 *                      swap (export, import, re-point), as the slot
 *                      reports it
 *   swap_total_<n>     the whole swap: the new instance's init, the
 *                      downtime, the health check and the log line
 *                      (Axolotl only)
 */
#define SCHED_SWAP_ITERS (BENCH_SCALE > 1 ? 2 : 20)

#endif

/*
 * The pager benchmarks (apps/bench-pager on Axolotl, through the pager
 * interface; mprotect, SIGSEGV and mmap on Linux). Appel & Li's suite
 * works on a region of PROT_REGION_PAGES touched pages:
 *
 *   trap          as above, the handler unprotecting through the pager
 *   prot1         as above, through the pager
 *   prot100       protecting all 100 pages read-only in one call
 *   unprot100     making them read-write again in one call
 *   appel1        per page, in a random order over the 100 pages: protect
 *                 it (prot1), write it, the handler unprotects it (trap +
 *                 unprot)
 *   appel2        protect all 100 pages (protN), then per page in a random
 *                 order: write it, the handler unprotects it; per page
 *   dirty         whether one page has been written (Axolotl: the dirty
 *                 bit from the page-table view; Linux: its soft-dirty bit,
 *                 bit 55 of its entry in /proc/self/pagemap)
 *   pagefault_anon
 *                 the first write to a page of an anonymous region
 *                 (lazily backed), including zeroing its frame
 *   fork_exit_wait
 *                 fork a small process (copy-on-write), the child exits
 *                 at once, the parent collects its exit record
 */
#define PROT100_ITERS (2000 / BENCH_SCALE)
#define APPEL_ROUNDS (200 / BENCH_SCALE)
#define DIRTY_ITERS (100000 / BENCH_SCALE)
#define PAGEFAULT_ANON_PAGES (2000 / BENCH_SCALE)
#define FORK_EXIT_WAIT_ITERS (1000 / BENCH_SCALE)

/* The random page order of appel1 and appel2: the same on both systems. */
static inline void bench_page_order(int *order, int n)
{
	uint64_t seed = 0x5eed;

	for (int i = 0; i < n; i++) {
		order[i] = i;
	}
	for (int i = n - 1; i > 0; i--) {
		int j, t;

		seed = seed * 6364136223846793005ull + 1442695040888963407ull;
		j = (int)((seed >> 33) % (uint64_t)(i + 1));
		t = order[i];
		order[i] = order[j];
		order[j] = t;
	}
}

/*
 * Thread creation on pager stacks (apps/bench-stacks):
 *
 *   thread_create_join  create a thread with the default 64 KiB stack
 *                       that returns at once, and join it (Linux twin:
 *                       pthread_create with a 64 KiB stack and
 *                       pthread_join)
 *   thread_create_100   create 100 such threads, then join them all
 *                       (per thread)
 *   thread_stack_8k     create a thread that uses 8 KiB of its stack, and
 *                       join it
 *   stack_alloc_free    pager_stack_alloc_flags and pager_stack_free of a
 *                       64 KiB stack
 *   thread_create_fresh create a thread on a stack slot never used before
 *                       and let it run to its end (the threads of earlier
 *                       trials keep their slots; joined at the end)
 *
 * (the others Axolotl only)
 */
#ifndef BENCH_STACKS_DEFS
#define BENCH_STACKS_DEFS
#define THREAD_CREATE_ITERS (2000 / BENCH_SCALE)
#define THREAD_CREATE_MANY_ROUNDS (BENCH_SCALE > 1 ? 1 : 20)
#endif
