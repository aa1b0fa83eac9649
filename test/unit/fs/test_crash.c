/* SPDX-License-Identifier: MIT */
/*
 * Crash consistency of fs.journal. A workload runs on a memory disk that
 * records every write and flush. Then, for every prefix of that sequence
 * (a crash after the i-th request), and for sampled subsets of the
 * writes since the last flush (a device may keep or lose any of them, in
 * any order, down to single blocks), the crashed image is rebuilt,
 * checked and repaired by fsck, mounted, and every byte an fsync
 * promised before the crash is read back. Subsets are drawn from a
 * fixed-seed generator, so every run tries the same crash points.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <libos/fs.h>

#include "fakes/memdisk.h"
#include "fs/journal.h"

#define BS 4096u
#define NBLOCKS 512u
#define EXHAUSTIVE 4 /* in-flight blocks up to which all subsets are tried */
#define SAMPLES 8 /* subsets sampled above that */

/* What an fsync promised: @len bytes of pattern @seed at @path. */
struct promise {
	char path[32];
	size_t len;
	uint32_t seed;
	size_t made; /* requests in the log when fsync returned */
	size_t broken; /* requests when a later change to @path began */
};

static struct promise promises[1024];
static size_t npromises;
static struct memdisk *disk;
static struct fs *fs;

static uint8_t byte_of(uint32_t seed, size_t i)
{
	return (uint8_t)(((seed + i) * 2654435761u) >> 13);
}

static void fill(uint8_t *p, size_t n, uint32_t seed, size_t from)
{
	for (size_t i = 0; i < n; i++) {
		p[i] = byte_of(seed, from + i);
	}
}

/* Every promise about @path ends here (a change to it is starting). */
static void touch(const char *path)
{
	for (size_t i = 0; i < npromises; i++) {
		if (strcmp(promises[i].path, path) == 0 &&
		    promises[i].broken == SIZE_MAX) {
			promises[i].broken = disk->nops;
		}
	}
}

static void promise(const char *path, size_t len, uint32_t seed)
{
	struct promise *p = &promises[npromises++];

	snprintf(p->path, sizeof(p->path), "%s", path);
	p->len = len;
	p->seed = seed;
	p->made = disk->nops;
	p->broken = SIZE_MAX;
}

/* Write @len bytes of pattern @seed to @path (from @from), fsync or not. */
static void write_file(const char *path, size_t from, size_t len,
		       uint32_t seed, int sync)
{
	uint8_t *buf = malloc(len);
	int h = fs_open(fs, path, FS_O_WRITE | FS_O_CREATE);

	assert_true(h >= 0);
	fill(buf, len, seed, from);
	assert_int_equal(fs_seek(fs, h, (int64_t)from, FS_SEEK_SET),
			 (int64_t)from);
	assert_int_equal(fs_write(fs, h, buf, len), (int64_t)len);
	if (sync) {
		assert_int_equal(fs_fsync(fs, h), 0);
		promise(path, from + len, seed);
	}
	assert_int_equal(fs_close(fs, h), 0);
	free(buf);
}

static void workload(void)
{
	char path[32], to[32];
	const char *why;
	struct jfs_mkfs_opts o = { .ninodes = 128, .journal_blocks = 64 };

	disk = memdisk_new(NBLOCKS);
	assert_int_equal(jfs_mkfs(&disk->bd, &o, &why), 0);
	memdisk_record(disk); /* the base image is the fresh file system */
	assert_int_equal(fs_mount(&fs_journal_type, &disk->bd, NULL, &fs), 0);
	assert_int_equal(fs_mkdir(fs, "d0"), 0);
	assert_int_equal(fs_mkdir(fs, "d1"), 0);
	for (uint32_t i = 0; i < 40; i++) {
		size_t len = 1 + (i * 7919u) % 20000;

		snprintf(path, sizeof(path), "d%u/f%u", i % 2, i);
		/* Most files are fsynced; every third is not. */
		write_file(path, 0, len, i, i % 3 != 0);
		if (i % 5 == 1) {
			/* Append, then fsync: the longer file is promised. */
			write_file(path, len, 3000, i, 0);
			write_file(path, len + 3000, 5000, i, 1);
		}
		if (i % 7 == 2) {
			/* Rename an fsynced file, then make it durable. */
			snprintf(to, sizeof(to), "d%u/r%u", (i + 1) % 2, i);
			touch(path);
			assert_int_equal(fs_rename(fs, path, to), 0);
			assert_int_equal(fs_sync(fs), 0);
			if (i % 3 != 0) {
				promise(to, len + (i % 5 == 1 ? 8000 : 0), i);
			}
		}
		if (i % 6 == 5) {
			/* Remove an older unsynced file. */
			snprintf(path, sizeof(path), "d%u/f%u", (i - 5) % 2,
				 i - 5);
			touch(path);
			fs_unlink(fs, path);
		}
		if (i == 20) {
			/* A file through the single-indirect block. */
			write_file("d0/big", 0, 300000, 777, 1);
			assert_int_equal(fs_mkdir(fs, "d0/sub"), 0);
		}
		if (i == 30) {
			int h = fs_open(fs, "d0/big", FS_O_WRITE);

			touch("d0/big");
			assert_int_equal(fs_truncate(fs, h, 5000), 0);
			assert_int_equal(fs_fsync(fs, h), 0);
			assert_int_equal(fs_close(fs, h), 0);
			promise("d0/big", 5000, 777);
			assert_int_equal(fs_rmdir(fs, "d0/sub"), 0);
		}
	}
	/*
	 * Free most of the files of d1, then fill most of the free space
	 * with one file, fsynced chunk by chunk: its blocks are ones other
	 * files held, so data written out of order would show their bytes.
	 */
	for (uint32_t i = 1; i < 40; i += 2) {
		snprintf(path, sizeof(path), "d1/f%u", i);
		touch(path);
		fs_unlink(fs, path);
	}
	assert_int_equal(fs_sync(fs), 0);
	{
		struct fs_statfs sf;
		size_t total, chunk = 20000;

		assert_int_equal(fs_statfs(fs, &sf), 0);
		total = (size_t)sf.blocks_free * BS * 3 / 4;
		for (size_t off = 0; off + chunk <= total; off += chunk) {
			touch("d0/f999");
			write_file("d0/f999", off, chunk, 999, 1);
		}
	}
	assert_int_equal(fs_unmount(fs), 0);
	disk->recording = 0;
}

static uint64_t rng_state = 0x2545f4914f6cdd1dull;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

static uint8_t *readback; /* 4 MiB, for check_promises */

static void check_promises(struct fs *f, size_t point)
{
	uint8_t *buf = readback;

	for (size_t i = 0; i < npromises; i++) {
		struct promise *p = &promises[i];
		int h;

		if (p->made > point || p->broken < point) {
			continue;
		}
		h = fs_open(f, p->path, FS_O_READ);
		if (h < 0) {
			fail_msg("crash after request %zu: %s (fsynced) is "
				 "missing: %d", point, p->path, h);
		}
		assert_true(fs_read(f, h, buf, 4 << 20) >= (int64_t)p->len);
		for (size_t k = 0; k < p->len; k++) {
			if (buf[k] != byte_of(p->seed, k)) {
				fail_msg("crash after request %zu: %s byte %zu "
					 "wrong", point, p->path, k);
			}
		}
		assert_int_equal(fs_close(f, h), 0);
	}
}

/* Every file readable, every directory listable. */
static void read_all(struct fs *f, const char *dir)
{
	struct fs_dirent e;
	char sub[FS_PATH_MAX];
	uint8_t buf[8192];
	int h = fs_open(f, dir, FS_O_DIR);

	assert_true(h >= 0);
	while (fs_readdir(f, h, &e) == 1) {
		snprintf(sub, sizeof(sub), "%s/%s", dir, e.name);
		if (e.type == FS_TYPE_DIR) {
			read_all(f, sub);
		} else {
			/*
			 * Every byte is the file's own pattern or zero (not
			 * yet written): never what a block held before it
			 * was given to this file.
			 */
			uint32_t seed = strcmp(e.name, "big") == 0
						? 777
						: (uint32_t)atoi(e.name + 1);
			int g = fs_open(f, sub, FS_O_READ);
			size_t off = 0;
			int64_t r;

			assert_true(g >= 0);
			while ((r = fs_read(f, g, buf, sizeof(buf))) > 0) {
				for (int64_t k = 0; k < r; k++, off++) {
					if (buf[k] && buf[k] != byte_of(seed, off)) {
						fail_msg("%s byte %zu: stale data",
							 sub, off);
					}
				}
			}
			assert_int_equal(r, 0);
			assert_int_equal(fs_close(f, g), 0);
		}
	}
	assert_int_equal(fs_close(f, h), 0);
}

static struct memdisk *scratch;

static void say_print(void *ctx, const char *line)
{
	print_message("fsck: %s\n", line);
}

/* Check the crashed image in scratch: fsck, mount, promises, fsck. */
static void verify(size_t point, int fsck_first)
{
	struct jfs_check_report r;
	struct fs_mount_opts mo = { .cache_blocks = 128 };
	struct fs *f;

	if (fsck_first) {
		assert_int_equal(jfs_check(&scratch->bd, 1, &r, NULL, NULL), 0);
		if (r.errors) {
			jfs_check(&scratch->bd, 0, &r, say_print, NULL);
			fail_msg("crash after request %zu: fsck found %u errors",
				 point, r.errors);
		}
	}
	if (fs_mount(&fs_journal_type, &scratch->bd, &mo, &f) != 0) {
		fail_msg("crash after request %zu: mount refused: %s", point,
			 fs_mount_error());
	}
	check_promises(f, point);
	read_all(f, "");
	assert_int_equal(fs_unmount(f), 0);
	assert_int_equal(jfs_check(&scratch->bd, 0, &r, NULL, NULL), 0);
	if (r.errors) {
		jfs_check(&scratch->bd, 0, &r, say_print, NULL);
		fail_msg("crash after request %zu: fsck after mount found %u "
			 "errors", point, r.errors);
	}
}

static void test_every_crash_point(void **state)
{
	uint8_t *base, *cur, *durable;
	size_t image = (size_t)NBLOCKS * BS, last_flush = 0, tried = 0;
	size_t subsets = 0, writes = 0, flushes = 0, exhaustive = 0, nb;
	struct memdisk *d;

	workload();
	d = disk;
	base = malloc(image);
	cur = malloc(image);
	durable = malloc(image);
	scratch = memdisk_new(NBLOCKS);
	readback = malloc(4 << 20);
	/* The base: the fresh file system, before any recorded request. */
	{
		/* The base: mkfs again (mkfs is deterministic). */
		struct jfs_mkfs_opts o = { .ninodes = 128, .journal_blocks = 64 };
		const char *why;
		struct memdisk *b = memdisk_new(NBLOCKS);

		assert_int_equal(jfs_mkfs(&b->bd, &o, &why), 0);
		memcpy(base, b->data, image);
		memdisk_free(b);
	}
	memcpy(cur, base, image);
	memcpy(durable, base, image);
	for (size_t i = 0; i <= d->nops; i++) {
		/* Crash with requests [0, i) done. */
		memcpy(scratch->data, cur, image);
		verify(i, i % 2 == 0);
		tried++;
		/*
		 * The same point, the device having kept only some of the
		 * blocks written since the last flush: every subset when
		 * there are at most EXHAUSTIVE of them, else SAMPLES drawn
		 * with the fixed seed.
		 */
		nb = 0;
		for (size_t k = last_flush; k < i; k++) {
			if (d->ops[k].kind == MEMDISK_WRITE) {
				nb += d->ops[k].count;
			}
		}
		if (nb > 1) {
			uint64_t nsub = nb <= EXHAUSTIVE ? (1ull << nb) - 1
							 : SAMPLES;

			for (uint64_t s = 0; s < nsub; s++) {
				uint64_t bitno = 0;

				memcpy(scratch->data, durable, image);
				for (size_t k = last_flush; k < i; k++) {
					const struct memdisk_op *op = &d->ops[k];

					if (op->kind != MEMDISK_WRITE) {
						continue;
					}
					for (uint32_t b = 0; b < op->count;
					     b++, bitno++) {
						int keep = nb <= EXHAUSTIVE
								   ? (int)((s >> bitno) & 1)
								   : (int)(rng() & 1);

						if (keep) {
							memcpy(scratch->data +
								       (op->block + b) * BS,
							       d->blob + op->data_off +
								       (size_t)b * BS,
							       BS);
						}
					}
				}
				verify(i, (int)(s % 2));
				tried++;
				subsets++;
				if (nb <= EXHAUSTIVE) {
					exhaustive++;
				}
			}
		}
		if (i == d->nops) {
			break;
		}
		memdisk_apply(d, i, cur);
		if (d->ops[i].kind == MEMDISK_FLUSH) {
			memcpy(durable, cur, image);
			last_flush = i + 1;
			flushes++;
		} else {
			writes++;
		}
	}
	print_message("crash points tried: %zu (%zu prefixes of %zu writes and "
		      "%zu flushes; %zu with some writes in flight lost, %zu "
		      "of them enumerated, the rest sampled), %zu promises\n",
		      tried, d->nops + 1, writes, flushes, subsets, exhaustive,
		      npromises);
	assert_true(tried >= 3000);
	assert_true(npromises >= 30);
	free(base);
	free(cur);
	free(durable);
	memdisk_free(scratch);
	memdisk_free(d);
	free(readback);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_crash_point),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
