/* SPDX-License-Identifier: MIT */
/*
 * The Linux twins of the kernel benchmarks (bench.c), from the same
 * definitions (bench.h). A static host program that scripts/bench
 * --vs-linux packs into an initramfs and boots under the same QEMU; it
 * prints the same lines,
 *
 *   BENCH <name> <operations> <trial> <tsc cycles>
 *
 * then ends QEMU through isa-debug-exit (status 33 when every benchmark
 * measured something, 3 otherwise).
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/io.h>
#include <sys/mman.h>
#include <sys/reboot.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/vfs.h>
#include <sys/wait.h>
#include <time.h>
#include <ucontext.h>
#include <unistd.h>

#include "bench.h"

#define DEBUG_EXIT_PORT 0xf4 /* QEMU's isa-debug-exit, as scripts/bench */

static int failed;
static volatile uint64_t *page; /* the first of PROT_REGION_PAGES */
static long page_size;

static inline uint64_t read_cycles(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return ((uint64_t)hi << 32) | lo;
}

static void report(const char *name, uint64_t ops, int trial, uint64_t cycles)
{
	if (cycles == 0) {
		printf("bench: %s measured nothing\n", name);
		failed = 1;
	}
	printf("BENCH %s %lu %d %lu\n", name, (unsigned long)ops, trial,
	       (unsigned long)cycles);
	fflush(stdout);
}

/* The TSC's rate against CLOCK_MONOTONIC over about 50 ms. */
static uint64_t tsc_hz(void)
{
	struct timespec a, b;
	uint64_t c0, c1;
	int64_t ns;

	clock_gettime(CLOCK_MONOTONIC, &a);
	c0 = read_cycles();
	do {
		clock_gettime(CLOCK_MONOTONIC, &b);
		ns = (b.tv_sec - a.tv_sec) * 1000000000ll + b.tv_nsec -
		     a.tv_nsec;
	} while (ns < 50000000);
	c1 = read_cycles();
	return (c1 - c0) * 1000000000ull / (uint64_t)ns;
}

static void bench_null(int trial)
{
	uint64_t t0 = read_cycles();

	for (int i = 0; i < NULL_SYSCALL_ITERS; i++) {
		syscall(SYS_getpid);
	}
	report("null_syscall", NULL_SYSCALL_ITERS, trial, read_cycles() - t0);
}

static void unprotect(int sig, siginfo_t *si, void *ctx)
{
	(void)sig;
	(void)ctx;
	uintptr_t va = (uintptr_t)si->si_addr & ~(uintptr_t)(page_size - 1);

	if (va < (uintptr_t)page ||
	    va >= (uintptr_t)page + PROT_REGION_PAGES * page_size) {
		static const char msg[] = "bench: unexpected fault\n";

		write(1, msg, sizeof(msg) - 1);
		_exit(1);
	}
	mprotect((void *)va, page_size, PROT_READ | PROT_WRITE);
}

/* prot1: mprotect of one page, alternating read-only/read-write. */
static uint64_t bench_prot1(int trial)
{
	uint64_t t0 = read_cycles(), t;

	for (int i = 0; i < PROT1_ITERS; i++) {
		mprotect((void *)page, page_size,
			 (i & 1) ? PROT_READ | PROT_WRITE : PROT_READ);
	}
	t = read_cycles() - t0;
	report("prot1", PROT1_ITERS, trial, t);
	return t;
}

/* trap: [protect; write -> SIGSEGV -> unprotect -> resume] less prot1. */
static void bench_trap(int trial, uint64_t prot1)
{
	uint64_t t0, t;

	t0 = read_cycles();
	for (int i = 0; i < TRAP_ITERS; i++) {
		mprotect((void *)page, page_size, PROT_READ);
		*page = (uint64_t)i; /* faults; the handler unprotects */
	}
	t = read_cycles() - t0;
	if (*page != (uint64_t)(TRAP_ITERS - 1)) {
		printf("bench: trap writes were lost\n");
		failed = 1;
	}
	report("trap", TRAP_ITERS, trial, t - prot1 * TRAP_ITERS / PROT1_ITERS);
}

/* prot100 and unprot100: mprotect of the whole region, each timed. */
static void bench_protn(int trial)
{
	size_t len = PROT_REGION_PAGES * page_size;
	uint64_t prot = 0, unp = 0, t0;

	for (int i = 0; i < PROT100_ITERS; i++) {
		t0 = read_cycles();
		mprotect((void *)page, len, PROT_READ);
		prot += read_cycles() - t0;
		t0 = read_cycles();
		mprotect((void *)page, len, PROT_READ | PROT_WRITE);
		unp += read_cycles() - t0;
	}
	report("prot100", PROT100_ITERS, trial, prot);
	report("unprot100", PROT100_ITERS, trial, unp);
}

static int order[PROT_REGION_PAGES];

/* appel1: per page in a random order, prot1 + trap + unprot. */
static void bench_appel1(int trial)
{
	uint64_t t0 = read_cycles();

	for (int r = 0; r < APPEL_ROUNDS; r++) {
		for (int i = 0; i < PROT_REGION_PAGES; i++) {
			volatile uint64_t *va = (volatile uint64_t *)(
				(uintptr_t)page + (uintptr_t)order[i] * page_size);

			mprotect((void *)va, page_size, PROT_READ);
			*va = (uint64_t)r;
		}
	}
	report("appel1", (uint64_t)APPEL_ROUNDS * PROT_REGION_PAGES, trial,
	       read_cycles() - t0);
}

/* appel2: protN, then per page in a random order trap + unprot. */
static void bench_appel2(int trial)
{
	uint64_t t0 = read_cycles();

	for (int r = 0; r < APPEL_ROUNDS; r++) {
		mprotect((void *)page, PROT_REGION_PAGES * page_size,
			 PROT_READ);
		for (int i = 0; i < PROT_REGION_PAGES; i++) {
			*(volatile uint64_t *)((uintptr_t)page +
					       (uintptr_t)order[i] *
						       page_size) = (uint64_t)r;
		}
	}
	report("appel2", (uint64_t)APPEL_ROUNDS * PROT_REGION_PAGES, trial,
	       read_cycles() - t0);
}

/* dirty: the soft-dirty bit (55) of the page's /proc/self/pagemap entry. */
static void bench_dirty(int trial)
{
	int fd = open("/proc/self/pagemap", O_RDONLY);
	uint64_t t0, n = 0, e;

	if (fd < 0) {
		printf("bench: no /proc/self/pagemap\n");
		failed = 1;
		return;
	}
	t0 = read_cycles();
	for (int i = 0; i < DIRTY_ITERS; i++) {
		off_t off = (off_t)(((uintptr_t)page +
				     (uintptr_t)(i & 1) * page_size) /
				    page_size * 8);

		if (pread(fd, &e, sizeof(e), off) == sizeof(e)) {
			n += (e >> 55) & 1;
		}
	}
	report("dirty", DIRTY_ITERS, trial, read_cycles() - t0);
	close(fd);
	if (n != DIRTY_ITERS) {
		printf("bench: written pages read as clean\n");
		failed = 1;
	}
}

/* pagefault_anon: first writes to the pages of a fresh anonymous mapping. */
static void bench_pagefault(int trial)
{
	size_t len = PAGEFAULT_ANON_PAGES * page_size;
	char *r = mmap(NULL, len, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	uint64_t t0, t;

	if (r == MAP_FAILED) {
		failed = 1;
		return;
	}
	t0 = read_cycles();
	for (size_t i = 0; i < PAGEFAULT_ANON_PAGES; i++) {
		*(volatile uint64_t *)(r + i * page_size) = i;
	}
	t = read_cycles() - t0;
	munmap(r, len);
	report("pagefault_anon", PAGEFAULT_ANON_PAGES, trial, t);
}

/* ipc_rtt: one 8-byte message each way through two pipes. */
static void bench_ipc(int trial)
{
	int to[2], from[2];
	uint64_t m = 0, t0;
	pid_t pid;

	if (pipe(to) || pipe(from)) {
		failed = 1;
		return;
	}
	pid = fork();
	if (pid == 0) {
		close(to[1]);
		close(from[0]);
		while (read(to[0], &m, sizeof(m)) == sizeof(m)) {
			m++;
			write(from[1], &m, sizeof(m));
		}
		_exit(0);
	}
	close(to[0]);
	close(from[1]);
	/* One round first so the server is waiting when the clock starts. */
	write(to[1], &m, sizeof(m));
	read(from[0], &m, sizeof(m));
	t0 = read_cycles();
	for (int i = 0; i < IPC_RTT_ITERS; i++) {
		write(to[1], &m, sizeof(m));
		read(from[0], &m, sizeof(m));
	}
	report("ipc_rtt", IPC_RTT_ITERS, trial, read_cycles() - t0);
	if (m != IPC_RTT_ITERS + 1) {
		printf("bench: IPC replies were wrong\n");
		failed = 1;
	}
	close(to[1]);
	close(from[0]);
	waitpid(pid, NULL, 0);
}

/* env_switch: two processes on one CPU calling sched_yield. */
static void bench_switch(int trial)
{
	int ready[2];
	cpu_set_t one;
	uint64_t t0;
	pid_t pid;
	char c = 0;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	if (pipe(ready)) {
		failed = 1;
		return;
	}
	pid = fork();
	if (pid == 0) {
		write(ready[1], &c, 1);
		for (;;) {
			sched_yield();
		}
	}
	read(ready[0], &c, 1);
	close(ready[0]);
	close(ready[1]);
	sched_yield();
	t0 = read_cycles();
	for (int i = 0; i < ENV_SWITCH_ITERS; i++) {
		sched_yield();
	}
	/* Each iteration is two switches: there and back. */
	report("env_switch", 2ul * ENV_SWITCH_ITERS, trial, read_cycles() - t0);
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* fork_exit_wait: fork, _exit(0), waitpid. */
static void bench_spawn(int trial)
{
	uint64_t t0 = read_cycles();
	int status;

	for (int i = 0; i < FORK_EXIT_WAIT_ITERS; i++) {
		pid_t pid = fork();

		if (pid == 0) {
			_exit(0);
		}
		if (pid < 0 || waitpid(pid, &status, 0) != pid ||
		    !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
			printf("bench: fork, exit, wait failed\n");
			failed = 1;
			return;
		}
	}
	report("fork_exit_wait", FORK_EXIT_WAIT_ITERS, trial,
	       read_cycles() - t0);
}

/*
 * thread_yield's twin: two user-level contexts of one process switching
 * to each other with glibc's swapcontext (which also saves and restores
 * the signal mask with a system call: the user-level switch most Linux
 * programs would reach for, not a hand-written one).
 */
static ucontext_t ctx_main, ctx_other;
static volatile int ctx_stop;

static void other_context(void)
{
	while (!ctx_stop) {
		swapcontext(&ctx_other, &ctx_main);
	}
}

static void bench_thread_yield(int trial)
{
	static char stack[64 * 1024];
	uint64_t t0;

	ctx_stop = 0;
	getcontext(&ctx_other);
	ctx_other.uc_stack.ss_sp = stack;
	ctx_other.uc_stack.ss_size = sizeof(stack);
	ctx_other.uc_link = &ctx_main;
	makecontext(&ctx_other, other_context, 0);
	swapcontext(&ctx_main, &ctx_other);
	t0 = read_cycles();
	for (int i = 0; i < THREAD_YIELD_ITERS; i++) {
		swapcontext(&ctx_main, &ctx_other);
	}
	/* Each iteration is two switches: there and back. */
	report("thread_yield", 2ul * THREAD_YIELD_ITERS, trial,
	       read_cycles() - t0);
	ctx_stop = 1;
	swapcontext(&ctx_main, &ctx_other); /* it returns to uc_link */
}

/*
 * mutex_handoff's twin: two threads on one CPU hand a pthread mutex to
 * each other in strict turns (a turn variable and a condition variable:
 * Linux's unlock does not hand over, so a bare lock/unlock loop would
 * mostly reacquire its own mutex).
 */
static pthread_mutex_t handoff_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t handoff_cond = PTHREAD_COND_INITIALIZER;
static int handoff_turn;

static void *handoff_thread(void *arg)
{
	int me = (int)(intptr_t)arg;

	for (int i = 0; i < MUTEX_HANDOFF_ITERS; i++) {
		pthread_mutex_lock(&handoff_lock);
		while (handoff_turn != me) {
			pthread_cond_wait(&handoff_cond, &handoff_lock);
		}
		handoff_turn = !me;
		pthread_cond_signal(&handoff_cond);
		pthread_mutex_unlock(&handoff_lock);
	}
	return NULL;
}

static void bench_mutex_handoff(int trial)
{
	pthread_t a, b;
	cpu_set_t one;
	uint64_t t0;

	CPU_ZERO(&one);
	CPU_SET(0, &one);
	sched_setaffinity(0, sizeof(one), &one);
	handoff_turn = 0;
	t0 = read_cycles();
	if (pthread_create(&a, NULL, handoff_thread, (void *)0) ||
	    pthread_create(&b, NULL, handoff_thread, (void *)1)) {
		failed = 1;
		return;
	}
	pthread_join(a, NULL);
	pthread_join(b, NULL);
	report("mutex_handoff", 2ul * MUTEX_HANDOFF_ITERS, trial,
	       read_cycles() - t0);
}

/*
 * thread_create_join's twin: pthread_create of a thread with a 64 KiB
 * stack that returns at once, then pthread_join (glibc keeps a joined
 * thread's stack for the next, as the pager keeps a slot's pages).
 */
static void *thread_returns(void *arg)
{
	return arg;
}

static void bench_thread_create_join(int trial)
{
	pthread_attr_t attr;
	pthread_t t;
	uint64_t t0;
	int err = 0;

	pthread_attr_init(&attr);
	pthread_attr_setstacksize(&attr, 64 * 1024);
	t0 = read_cycles();
	for (int i = 0; i < THREAD_CREATE_ITERS && !err; i++) {
		err = pthread_create(&t, &attr, thread_returns, NULL) ||
		      pthread_join(t, NULL);
	}
	report("thread_create_join", THREAD_CREATE_ITERS, trial,
	       err ? 0 : read_cycles() - t0);
	pthread_attr_destroy(&attr);
}

/*
 * The raw-disk twins (bench.h): O_DIRECT reads and writes on /dev/vda, the
 * scratch disk scripts/bench attaches, which the initramfs's /init makes
 * available by loading the virtio modules. Without it they are skipped.
 */
static void bench_disk(int trial, int fd, uint8_t *buf)
{
	const size_t call = (size_t)DISK_SEQ_CALL_BLOCKS * 4096;
	const off_t seq = (off_t)DISK_SEQ_MB << 20;
	uint64_t t0;
	int err = 0;

	for (int write = 1; write >= 0; write--) {
		t0 = read_cycles();
		for (int i = 0; i < DISK_4K_ITERS && !err; i++) {
			ssize_t n = write ? pwrite(fd, buf, 4096, i * 4096l)
					  : pread(fd, buf, 4096, i * 4096l);
			err = n != 4096;
		}
		report(write ? "disk_write_4k" : "disk_read_4k",
		       DISK_4K_ITERS, trial, err ? 0 : read_cycles() - t0);
	}
	for (int write = 1; write >= 0; write--) {
		t0 = read_cycles();
		for (off_t o = 0; o < seq && !err; o += (off_t)call) {
			ssize_t n = write ? pwrite(fd, buf, call, o)
					  : pread(fd, buf, call, o);
			err = n != (ssize_t)call;
		}
		report(write ? "disk_seq_write_16m" : "disk_seq_read_16m", 1,
		       trial, err ? 0 : read_cycles() - t0);
	}
}

/*
 * The file-system twins (bench.h): ext4 on /dev/vdb, made by the host's
 * mkfs.ext4 and mounted at /mnt by the initramfs's /init; the same files,
 * sizes and calls as apps/bench-fs. The cold read drops the page cache
 * where Axolotl mounts afresh. Without /mnt on ext4 they are skipped.
 */
static void fs_fail(const char *what)
{
	printf("FAIL: %s\n", what);
	failed = 1;
}

static void bench_fs(int trial, uint8_t *buf)
{
	char path[64];
	uint64_t t0, total = 0;
	int fd, dc;

	snprintf(path, sizeof(path), "/mnt/t%d", trial);
	if (mkdir(path, 0755)) {
		fs_fail("mkdir");
		return;
	}
	t0 = read_cycles();
	for (int i = 0; i < FS_CREATE_FILES; i++) {
		snprintf(path, sizeof(path), "/mnt/t%d/f%d", trial, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, buf, FS_SMALL_FILE) != FS_SMALL_FILE ||
		    fsync(fd) || close(fd)) {
			fs_fail("create+write+fsync");
			return;
		}
	}
	report("fs_create_fsync_1000", FS_CREATE_FILES, trial,
	       read_cycles() - t0);
	for (int i = 0; i < FS_CREATE_FILES; i++) {
		snprintf(path, sizeof(path), "/mnt/t%d/f%d", trial, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "/mnt/t%d", trial);
	rmdir(path);

	fd = open("/mnt/seq", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t0 = read_cycles();
	for (uint32_t done = 0; done < FS_SEQ_BYTES; done += FS_IO_CHUNK) {
		if (write(fd, buf, FS_IO_CHUNK) != (ssize_t)FS_IO_CHUNK) {
			fs_fail("sequential write");
			break;
		}
	}
	if (fsync(fd)) {
		fs_fail("fsync");
	}
	report("fs_seq_write_64m", 1, trial, read_cycles() - t0);
	close(fd);
	sync();
	dc = open("/proc/sys/vm/drop_caches", O_WRONLY);
	if (dc < 0 || write(dc, "3", 1) != 1) {
		fs_fail("drop_caches");
	}
	if (dc >= 0) {
		close(dc);
	}
	fd = open("/mnt/seq", O_RDONLY);
	t0 = read_cycles();
	for (uint32_t done = 0; done < FS_SEQ_BYTES; done += FS_IO_CHUNK) {
		if (read(fd, buf, FS_IO_CHUNK) != (ssize_t)FS_IO_CHUNK) {
			fs_fail("sequential read");
			break;
		}
	}
	report("fs_seq_read_64m", 1, trial, read_cycles() - t0);
	close(fd);
	unlink("/mnt/seq");

	fd = open("/mnt/sync", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	for (int i = 0; i < FS_FSYNC_ITERS; i++) {
		buf[0] = (uint8_t)i;
		if (pwrite(fd, buf, FS_SMALL_FILE, 0) != FS_SMALL_FILE) {
			fs_fail("overwrite");
			break;
		}
		t0 = read_cycles();
		if (fsync(fd)) {
			fs_fail("fsync");
			break;
		}
		total += read_cycles() - t0;
	}
	close(fd);
	report("fs_fsync", FS_FSYNC_ITERS, trial, total);
}

/* Ends QEMU with status (code << 1) | 1; powers off if that fails. */
static void finish(int code)
{
	fflush(stdout);
	if (ioperm(DEBUG_EXIT_PORT, 4, 1) == 0) {
		outl((unsigned)code, DEBUG_EXIT_PORT);
	}
	sync();
	reboot(RB_POWER_OFF);
	exit(code);
}

int main(void)
{
	struct sigaction sa;
	void *disk_buf = NULL;
	int disk_fd;
	struct statfs mnt;
	uint8_t *fs_buf = NULL;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = unprotect;
	sa.sa_flags = SA_SIGINFO;
	page_size = sysconf(_SC_PAGESIZE);
	if (sigaction(SIGSEGV, &sa, NULL)) {
		printf("bench: set-up failed\n");
		finish(1);
	}
	printf("BENCH-TSC-HZ %lu\n", (unsigned long)tsc_hz());
	bench_page_order(order, PROT_REGION_PAGES);
	disk_fd = open("/dev/vda", O_RDWR | O_DIRECT);
	if (disk_fd < 0 ||
	    posix_memalign(&disk_buf, 4096,
			   (size_t)DISK_SEQ_CALL_BLOCKS * 4096)) {
		printf("bench: no /dev/vda: the disk benchmarks are skipped\n");
		disk_fd = -1;
	} else {
		memset(disk_buf, 0x5a, (size_t)DISK_SEQ_CALL_BLOCKS * 4096);
	}
	if (statfs("/mnt", &mnt) == 0 && mnt.f_type == 0xEF53) {
		fs_buf = malloc(FS_IO_CHUNK);
		if (fs_buf) {
			memset(fs_buf, 0x5a, FS_IO_CHUNK);
		}
	}
	if (!fs_buf) {
		printf("bench: no ext4 at /mnt: the fs benchmarks are skipped\n");
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		bench_null(t);
		/*
		 * The region lives only for prot1 and trap, so that fork in
		 * the later benchmarks does not copy it.
		 */
		page = mmap(NULL, PROT_REGION_PAGES * page_size,
			    PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS,
			    -1, 0);
		if (page == MAP_FAILED) {
			printf("bench: cannot map the region\n");
			finish(1);
		}
		memset((void *)page, 0, PROT_REGION_PAGES * page_size);
		bench_trap(t, bench_prot1(t));
		bench_protn(t);
		bench_appel1(t);
		bench_appel2(t);
		bench_dirty(t);
		munmap((void *)page, PROT_REGION_PAGES * page_size);
		bench_ipc(t);
		bench_switch(t);
		bench_spawn(t);
		bench_thread_yield(t);
		bench_mutex_handoff(t);
		bench_thread_create_join(t);
		bench_pagefault(t);
		if (disk_fd >= 0) {
			bench_disk(t, disk_fd, disk_buf);
		}
		if (fs_buf) {
			bench_fs(t, fs_buf);
		}
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	finish(failed ? 1 : 16);
	return failed;
}
