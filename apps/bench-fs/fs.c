/* SPDX-License-Identifier: MIT */
/*
 * The file-system benchmarks of apps/bench/bench.h, through the POSIX
 * face, on fs.journal over the virtio disk scripts/bench attaches (the
 * whole disk, init's extent). Without a disk they run over a RAM block
 * device instead, and their names carry the suffix _ramdev. Prints BENCH
 * lines like apps/bench.
 */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <arch/cycles.h>
#include <libos/disk.h>
#include <libos/fs.h>
#include <libos/mount.h>
#include <libos/ramdev.h>
#include <libos/runtime.h>

#include "../bench/bench.h"

/* The RAM disk: the big file, the small ones and the metadata. */
#define DISK_BYTES (FS_SEQ_BYTES + FS_SEQ_BYTES / 8 + (8u << 20))

static int failed;
static struct ramdev ram;
static struct disk disk;
static struct blockdev *dev;
static const char *suffix = "";
static uint8_t *chunk;

static void report(const char *name, uint64_t ops, int trial, uint64_t cycles)
{
	printf("BENCH %s%s %lu %d %lu\n", name, suffix, (unsigned long)ops,
	       trial, (unsigned long)cycles);
}

static void bad(const char *what)
{
	printf("FAIL: %s\n", what);
	failed = 1;
}

static void create_fsync(int trial)
{
	char path[64];
	uint64_t t0;

	snprintf(path, sizeof(path), "/disk/t%d", trial);
	if (mkdir(path, 0755)) {
		bad("mkdir");
		return;
	}
	t0 = arch_read_cycles();
	for (int i = 0; i < FS_CREATE_FILES; i++) {
		int fd;

		snprintf(path, sizeof(path), "/disk/t%d/f%d", trial, i);
		fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
		if (fd < 0 || write(fd, chunk, FS_SMALL_FILE) != FS_SMALL_FILE ||
		    fsync(fd) || close(fd)) {
			bad("create+write+fsync");
			return;
		}
	}
	report("fs_create_fsync_1000", FS_CREATE_FILES, trial,
	       arch_read_cycles() - t0);
	for (int i = 0; i < FS_CREATE_FILES; i++) {
		snprintf(path, sizeof(path), "/disk/t%d/f%d", trial, i);
		unlink(path);
	}
	snprintf(path, sizeof(path), "/disk/t%d", trial);
	rmdir(path);
}

static void seq(int trial)
{
	uint64_t t0, t;
	int fd;

	fd = open("/disk/seq", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	t0 = arch_read_cycles();
	for (uint32_t done = 0; done < FS_SEQ_BYTES; done += FS_IO_CHUNK) {
		if (write(fd, chunk, FS_IO_CHUNK) != (ssize_t)FS_IO_CHUNK) {
			bad("sequential write");
			close(fd);
			return;
		}
	}
	if (fsync(fd)) {
		bad("fsync");
	}
	t = arch_read_cycles() - t0;
	close(fd);
	report("fs_seq_write_64m", 1, trial, t);
	/* A fresh mount: nothing of the file is cached. */
	if (mount_detach("/disk") || mount_disk("/disk", dev)) {
		bad("remount");
		return;
	}
	fd = open("/disk/seq", O_RDONLY);
	t0 = arch_read_cycles();
	for (uint32_t done = 0; done < FS_SEQ_BYTES; done += FS_IO_CHUNK) {
		if (read(fd, chunk, FS_IO_CHUNK) != (ssize_t)FS_IO_CHUNK) {
			bad("sequential read");
			close(fd);
			return;
		}
	}
	t = arch_read_cycles() - t0;
	close(fd);
	report("fs_seq_read_64m", 1, trial, t);
	unlink("/disk/seq");
	sync(); /* freed blocks come back at the checkpoint */
}

static void fsync_latency(int trial)
{
	uint64_t total = 0;
	int fd = open("/disk/sync", O_WRONLY | O_CREAT | O_TRUNC, 0644);

	for (int i = 0; i < FS_FSYNC_ITERS; i++) {
		uint64_t t0;

		chunk[0] = (uint8_t)i;
		if (lseek(fd, 0, SEEK_SET) != 0 ||
		    write(fd, chunk, FS_SMALL_FILE) != FS_SMALL_FILE) {
			bad("overwrite");
			break;
		}
		t0 = arch_read_cycles();
		if (fsync(fd)) {
			bad("fsync");
			break;
		}
		total += arch_read_cycles() - t0;
	}
	close(fd);
	report("fs_fsync", FS_FSYNC_ITERS, trial, total);
}

int main(void)
{
	int64_t slot = disk_extent();
	int err;

	printf("BENCH-TSC-HZ %lu\n", (unsigned long)exo_sys_info()->tsc_hz);
	chunk = malloc(FS_IO_CHUNK);
	if (!chunk) {
		printf("bench-fs: no memory\n");
		return 1;
	}
	memset(chunk, 0x5a, FS_IO_CHUNK);
	if (slot >= 0 && disk_open(&disk, slot) == 0 &&
	    disk.bd.nblocks >= DISK_BYTES / 4096) {
		dev = &disk.bd;
		printf("bench-fs: fs.journal on the virtio disk, %lu blocks\n",
		       (unsigned long)dev->nblocks);
	} else {
		uint8_t *mem = malloc(DISK_BYTES);

		if (!mem) {
			printf("bench-fs: no memory for the RAM disk\n");
			return 1;
		}
		ramdev_init(&ram, mem, DISK_BYTES / 4096);
		dev = &ram.bd;
		suffix = "_ramdev";
		printf("bench-fs: no disk of %u MiB: fs.journal on a RAM block "
		       "device (_ramdev)\n",
		       DISK_BYTES >> 20);
	}
	err = fs_journal_format(dev);
	if (!err) {
		err = mount_disk("/disk", dev);
	}
	if (err) {
		printf("bench-fs: %s %s\n", exo_status_name(err),
		       fs_mount_error());
		return 1;
	}
	for (int t = 0; t < BENCH_TRIALS; t++) {
		create_fsync(t);
		seq(t);
		fsync_latency(t);
	}
	if (mount_detach("/disk")) {
		bad("unmount");
	}
	printf("bench: done%s\n", failed ? " with failures" : "");
	return failed;
}
