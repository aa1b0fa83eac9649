/* SPDX-License-Identifier: MIT */
/*
 * The raw-disk benchmarks (definitions in apps/bench/bench.h), run as
 * init with the whole scratch disk scripts/bench attaches. Prints the
 * same BENCH lines as apps/bench.
 */
#include <stdint.h>

#include <arch/cycles.h>
#include <libos/disk.h>
#include <libos/runtime.h>

#include "bench.h"
#include "../bench/report.h"

#define BUF_VA 0x0000480100000000ul
#define BLOCK BLOCKDEV_BLOCK_SIZE
#define SEQ_BLOCKS (DISK_SEQ_MB * 1024u * 1024 / BLOCK)

static struct disk d;

static void check(int err, const char *what)
{
	if (err) {
		printf("bench: %s failed: %s\n", what, exo_status_name(err));
		failed = 1;
	}
}

static void bench_4k(int trial, int write)
{
	uint64_t t0 = arch_read_cycles();
	int err = 0;

	for (uint32_t i = 0; i < DISK_4K_ITERS && !err; i++) {
		err = write ? blockdev_write(&d.bd, i, 1, (void *)BUF_VA)
			    : blockdev_read(&d.bd, i, 1, (void *)BUF_VA);
	}
	check(err, write ? "disk_write_4k" : "disk_read_4k");
	report(write ? "disk_write_4k" : "disk_read_4k", DISK_4K_ITERS, trial,
	       arch_read_cycles() - t0);
}

static void bench_seq(int trial, int write)
{
	uint64_t t0 = arch_read_cycles();
	int err = 0;

	for (uint32_t b = 0; b < SEQ_BLOCKS && !err;
	     b += DISK_SEQ_CALL_BLOCKS) {
		err = write ? blockdev_write(&d.bd, b, DISK_SEQ_CALL_BLOCKS,
					     (void *)BUF_VA)
			    : blockdev_read(&d.bd, b, DISK_SEQ_CALL_BLOCKS,
					    (void *)BUF_VA);
	}
	check(err, write ? "disk_seq_write_16m" : "disk_seq_read_16m");
	report(write ? "disk_seq_write_16m" : "disk_seq_read_16m", 1, trial,
	       arch_read_cycles() - t0);
}

int main(void)
{
	int err;

	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	err = disk_open(&d, disk_extent());
	if (!err && d.bd.nblocks < SEQ_BLOCKS) {
		err = EXO_ERR_TOO_BIG;
	}
	if (!err) {
		err = map_anon(BUF_VA, DISK_SEQ_CALL_BLOCKS);
	}
	if (err) {
		printf("bench: no scratch disk to use: %s\n",
		       exo_status_name(err));
		return 1;
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		bench_4k(t, 1);
		bench_4k(t, 0);
		bench_seq(t, 1);
		bench_seq(t, 0);
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
