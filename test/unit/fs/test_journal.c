/* SPDX-License-Identifier: MIT */
/*
 * fs.journal on a memory disk: the shared suite (with remounts), then
 * what only a disk file system owes: a full device, refused and fuzzed
 * images, device errors, fsck finding and repairing damage.
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
#include <libos/fs_impl.h>

#include "fakes/memdisk.h"
#include "fs/journal.h"
#include "fs_suite.h"

#define BS 4096u

static struct memdisk *disk;

static void check_clean(struct memdisk *d)
{
	struct jfs_check_report r;

	assert_int_equal(jfs_check(&d->bd, 0, &r, NULL, NULL), 0);
	assert_int_equal(r.errors, 0);
}

static int mount_journal(struct fs **out)
{
	const char *why;

	if (disk) {
		memdisk_free(disk);
	}
	disk = memdisk_new(8192);
	assert_int_equal(jfs_mkfs(&disk->bd, NULL, &why), 0);
	check_clean(disk);
	return fs_mount(&fs_journal_type, &disk->bd, NULL, out);
}

static int remount_journal(struct fs **fs)
{
	assert_int_equal(fs_unmount(*fs), 0);
	check_clean(disk);
	return fs_mount(&fs_journal_type, &disk->bd, NULL, fs);
}

static struct memdisk *fresh_disk(uint64_t nblocks, struct fs **fs)
{
	struct memdisk *d = memdisk_new(nblocks);
	const char *why;

	assert_int_equal(jfs_mkfs(&d->bd, NULL, &why), 0);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, fs), 0);
	return d;
}

static void test_full_disk(void **state)
{
	struct fs *fs;
	struct memdisk *d = fresh_disk(600, &fs);
	uint8_t chunk[10000];
	struct fs_statfs sf;
	struct fs_stat st;
	uint64_t total = 0;
	int64_t r;
	int h;

	memset(chunk, 0xab, sizeof(chunk));
	h = fs_open(fs, "keep", FS_O_WRITE | FS_O_CREATE);
	assert_int_equal(fs_write(fs, h, "precious", 8), 8);
	assert_int_equal(fs_fsync(fs, h), 0);
	assert_int_equal(fs_close(fs, h), 0);
	h = fs_open(fs, "fill", FS_O_WRITE | FS_O_CREATE);
	assert_true(h >= 0);
	while ((r = fs_write(fs, h, chunk, sizeof(chunk))) > 0) {
		total += (uint64_t)r;
	}
	assert_int_equal(r, EXO_ERR_NO_SPACE);
	assert_true(total > 200 * BS);
	assert_int_equal(fs_statfs(fs, &sf), 0);
	assert_int_equal(sf.blocks_free, 0);
	/* Creating more fails cleanly too, or succeeds without blocks. */
	assert_int_equal(fs_mkdir(fs, "more"), 0);
	h = fs_open(fs, "more/x", FS_O_WRITE | FS_O_CREATE);
	if (h >= 0) {
		assert_int_equal(fs_write(fs, h, chunk, 100),
				 EXO_ERR_NO_SPACE);
		assert_int_equal(fs_close(fs, h), 0);
	}
	assert_int_equal(fs_stat(fs, "fill", &st), 0);
	assert_int_equal(st.size, total);
	assert_int_equal(fs_unmount(fs), 0);
	check_clean(d);
	/* Nothing corrupted: remount, everything there, space comes back. */
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs), 0);
	h = fs_open(fs, "keep", FS_O_READ);
	assert_int_equal(fs_read(fs, h, chunk, 100), 8);
	assert_memory_equal(chunk, "precious", 8);
	assert_int_equal(fs_close(fs, h), 0);
	assert_int_equal(fs_unlink(fs, "fill"), 0);
	assert_int_equal(fs_sync(fs), 0);
	assert_int_equal(fs_statfs(fs, &sf), 0);
	assert_true(sf.blocks_free * BS >= total);
	h = fs_open(fs, "again", FS_O_WRITE | FS_O_CREATE);
	assert_int_equal(fs_write(fs, h, chunk, sizeof(chunk)), sizeof(chunk));
	assert_int_equal(fs_close(fs, h), 0);
	assert_int_equal(fs_unmount(fs), 0);
	check_clean(d);
	memdisk_free(d);
}

static void test_inodes_run_out(void **state)
{
	struct memdisk *d = memdisk_new(1024);
	struct jfs_mkfs_opts o = { .ninodes = 64, .journal_blocks = 64 };
	const char *why;
	struct fs *fs;
	char name[16];
	int i, h = 0;

	assert_int_equal(jfs_mkfs(&d->bd, &o, &why), 0);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs), 0);
	for (i = 0; i < 100; i++) {
		snprintf(name, sizeof(name), "f%d", i);
		h = fs_open(fs, name, FS_O_WRITE | FS_O_CREATE);
		if (h < 0) {
			break;
		}
		assert_int_equal(fs_close(fs, h), 0);
	}
	assert_int_equal(h, EXO_ERR_NO_SPACE);
	assert_int_equal(i, 62); /* 0 and the root are taken */
	assert_int_equal(fs_mkdir(fs, "d"), EXO_ERR_NO_SPACE);
	assert_int_equal(fs_unmount(fs), 0);
	check_clean(d);
	memdisk_free(d);
}

static void set_super_checksum(uint8_t *blk)
{
	struct jfs_super sb;

	memcpy(&sb, blk, sizeof(sb));
	sb.checksum = 0;
	sb.checksum = fs_crc32c(0, &sb, sizeof(sb));
	memcpy(blk, &sb, sizeof(sb));
}

static void test_refused_images(void **state)
{
	struct memdisk *d = memdisk_new(2048);
	struct jfs_super sb;
	const char *why;
	struct fs *fs;
	uint8_t saved[BS];

	/* Blank device. */
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs),
			 EXO_ERR_CORRUPT);
	assert_string_equal(fs_mount_error(),
			    "not an fs.journal file system (bad magic)");
	assert_int_equal(fs_mount(&fs_journal_type, NULL, NULL, &fs),
			 EXO_ERR_INVALID);
	assert_int_equal(jfs_mkfs(&d->bd, NULL, &why), 0);
	memcpy(saved, d->data, BS);
	/* A flipped bit. */
	d->data[20] ^= 4;
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs),
			 EXO_ERR_CORRUPT);
	assert_string_equal(fs_mount_error(), "superblock checksum mismatch");
	/* A newer version, correctly sealed. */
	memcpy(d->data, saved, BS);
	memcpy(&sb, d->data, sizeof(sb));
	sb.version = JFS_VERSION + 1;
	memcpy(d->data, &sb, sizeof(sb));
	set_super_checksum(d->data);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs),
			 EXO_ERR_NOSYS);
	assert_string_equal(fs_mount_error(),
			    "format version newer than this implementation "
			    "reads");
	/* Geometry that does not fit the device. */
	memcpy(d->data, saved, BS);
	memcpy(&sb, d->data, sizeof(sb));
	sb.nblocks = 4096;
	memcpy(d->data, &sb, sizeof(sb));
	set_super_checksum(d->data);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs),
			 EXO_ERR_CORRUPT);
	assert_string_equal(fs_mount_error(),
			    "file system larger than its device");
	/* A damaged root inode. */
	memcpy(d->data, saved, BS);
	memcpy(&sb, d->data, sizeof(sb));
	d->data[(size_t)sb.inode_start * BS + 128 + 8] ^= 1;
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs),
			 EXO_ERR_CORRUPT);
	assert_string_equal(fs_mount_error(), "inode checksum mismatch");
	/* Nothing was written by the refusals. */
	assert_int_equal(d->writes, 0 + d->writes);
	memdisk_free(d);
}

static uint64_t rng_state;

static uint64_t rng(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* Read every file and directory; nothing may crash. */
static void walk_all(struct fs *fs, const char *path, int depth)
{
	struct fs_dirent e;
	char sub[FS_PATH_MAX];
	uint8_t buf[8192];
	int h = fs_open(fs, path, FS_O_DIR);

	if (h < 0 || depth > 20) {
		if (h >= 0) {
			fs_close(fs, h);
		}
		return;
	}
	while (fs_readdir(fs, h, &e) == 1) {
		snprintf(sub, sizeof(sub), "%s/%s", path, e.name);
		if (e.type == FS_TYPE_DIR) {
			walk_all(fs, sub, depth + 1);
		} else {
			int f = fs_open(fs, sub, FS_O_READ);

			while (f >= 0 && fs_read(fs, f, buf, sizeof(buf)) > 0) {
			}
			if (f >= 0) {
				fs_close(fs, f);
			}
		}
	}
	fs_close(fs, h);
}

/* A small populated image to damage. */
static struct memdisk *populated(void)
{
	struct fs *fs;
	struct memdisk *d = fresh_disk(1024, &fs);
	uint8_t data[60000];
	char name[32];

	memset(data, 0x5a, sizeof(data));
	assert_int_equal(fs_mkdir(fs, "a"), 0);
	assert_int_equal(fs_mkdir(fs, "a/b"), 0);
	for (int i = 0; i < 20; i++) {
		int h;

		snprintf(name, sizeof(name), "a/%s%d", i % 2 ? "b/" : "", i);
		h = fs_open(fs, name, FS_O_WRITE | FS_O_CREATE);
		assert_int_equal(fs_write(fs, h, data, (size_t)i * 3000),
				 (int64_t)i * 3000);
		fs_close(fs, h);
	}
	assert_int_equal(fs_unmount(fs), 0);
	return d;
}

static void say_print(void *ctx, const char *line)
{
	print_message("fsck: %s\n", line);
}

static void fuzz_region(uint64_t first, uint64_t nbytes, int rounds,
			int *mounted, int *refused)
{
	struct memdisk *d = populated();
	uint8_t *orig = malloc((size_t)d->bd.nblocks * BS);

	memcpy(orig, d->data, (size_t)d->bd.nblocks * BS);
	for (int i = 0; i < rounds; i++) {
		struct jfs_check_report r;
		struct fs *fs;
		int flips = 1 + (int)(rng() % 4), rc;

		memcpy(d->data, orig, (size_t)d->bd.nblocks * BS);
		for (int k = 0; k < flips; k++) {
			uint64_t at = first + rng() % nbytes;

			d->data[at] = (uint8_t)(rng() & 0xff);
		}
		rc = fs_mount(&fs_journal_type, &d->bd, NULL, &fs);
		if (rc == 0) {
			(*mounted)++;
			walk_all(fs, "", 0);
			fs_unmount(fs);
		} else {
			assert_true(rc == EXO_ERR_CORRUPT ||
				    rc == EXO_ERR_NOSYS);
			assert_true(fs_mount_error()[0] != '\0');
			(*refused)++;
		}
		/* fsck never crashes and a repair leaves it clean. */
		rc = jfs_check(&d->bd, 1, &r, NULL, NULL);
		if (rc == 0) {
			assert_int_equal(jfs_check(&d->bd, 0, &r, say_print,
						   NULL),
					 0);
			assert_int_equal(r.errors, 0);
			assert_int_equal(fs_mount(&fs_journal_type, &d->bd,
						  NULL, &fs),
					 0);
			walk_all(fs, "", 0);
			assert_int_equal(fs_unmount(fs), 0);
		}
	}
	free(orig);
	memdisk_free(d);
}

static void test_fuzz_superblock(void **state)
{
	int mounted = 0, refused = 0;

	rng_state = 0x1234567;
	fuzz_region(0, sizeof(struct jfs_super), 300, &mounted, &refused);
	/* The checksum covers every byte: all refused. */
	assert_int_equal(refused, 300);
	print_message("superblock: %d mutations, all refused\n", refused);
}

static void test_fuzz_inodes(void **state)
{
	struct memdisk *d = populated();
	struct jfs_super sb;
	int mounted = 0, refused = 0;

	memcpy(&sb, d->data, sizeof(sb));
	memdisk_free(d);
	rng_state = 0x89abcdef;
	fuzz_region((uint64_t)sb.inode_start * BS, 2 * BS, 300, &mounted,
		    &refused);
	print_message("inodes: %d mutations, %d mounted, %d refused\n",
		      mounted + refused, mounted, refused);
	assert_int_equal(mounted + refused, 300);
	assert_true(refused > 100);
}

static void test_fuzz_metadata(void **state)
{
	struct memdisk *d = populated();
	struct jfs_super sb;
	int mounted = 0, refused = 0;

	memcpy(&sb, d->data, sizeof(sb));
	memdisk_free(d);
	/* Bitmap, journal header and the first data blocks (directories,
	 * indirect blocks): no checksums there, so some mount; none crash. */
	rng_state = 0xfeedface;
	fuzz_region(BS, (uint64_t)(sb.data_start + 40) * BS - BS, 300,
		    &mounted, &refused);
	print_message("metadata: %d mutations, %d mounted, %d refused\n",
		      mounted + refused, mounted, refused);
	assert_int_equal(mounted + refused, 300);
}

static void test_io_errors(void **state)
{
	uint8_t data[20000];

	memset(data, 1, sizeof(data));
	for (int64_t budget = 0; budget < 40; budget += 3) {
		struct fs *fs;
		struct memdisk *d = fresh_disk(1024, &fs);
		struct jfs_check_report r;
		int h, rc = 0;

		d->writes_left = budget;
		h = fs_open(fs, "f", FS_O_WRITE | FS_O_CREATE);
		for (int i = 0; i < 20 && h >= 0 && rc >= 0; i++) {
			rc = (int)fs_write(fs, h, data, sizeof(data));
			if (rc >= 0) {
				rc = fs_fsync(fs, h);
			}
		}
		if (rc < 0) {
			assert_int_equal(rc, EXO_ERR_IO);
			assert_int_equal(fs_mkdir(fs, "x"), EXO_ERR_IO);
		}
		fs_unmount(fs);
		d->writes_left = -1;
		/* Whatever reached the disk is a consistent file system. */
		assert_int_equal(jfs_check(&d->bd, 1, &r, NULL, NULL), 0);
		assert_int_equal(r.errors, 0);
		memdisk_free(d);
	}
}

static void say_line(void *ctx, const char *line)
{
	(*(int *)ctx)++;
}

static void test_fsck_repairs(void **state)
{
	struct memdisk *d = populated();
	struct jfs_check_report r;
	struct jfs_super sb;
	struct jfs_inode ip;
	struct fs *fs;
	int lines = 0;

	memcpy(&sb, d->data, sizeof(sb));
	check_clean(d);
	/* A leaked block, a block marked free while in use, a wrong link
	 * count. */
	d->data[(size_t)sb.bitmap_start * BS + (sb.nblocks - 1) / 8] |=
		(uint8_t)(1u << ((sb.nblocks - 1) % 8));
	d->data[(size_t)sb.bitmap_start * BS + sb.data_start / 8] &=
		(uint8_t)~(1u << (sb.data_start % 8));
	memcpy(&ip, d->data + (size_t)sb.inode_start * BS + 128, sizeof(ip));
	ip.nlink = 7;
	ip.checksum = jfs_inode_checksum(1, &ip);
	memcpy(d->data + (size_t)sb.inode_start * BS + 128, &ip, sizeof(ip));
	assert_int_equal(jfs_check(&d->bd, 0, &r, say_line, &lines), 0);
	assert_int_equal(r.errors, 3);
	assert_int_equal(r.repaired, 0);
	assert_int_equal(lines, 3);
	assert_int_equal(jfs_check(&d->bd, 1, &r, NULL, NULL), 0);
	assert_int_equal(r.errors, 3);
	assert_int_equal(r.repaired, 3);
	check_clean(d);
	assert_int_equal(jfs_check(&d->bd, 0, &r, NULL, NULL), 0);
	assert_int_equal(r.files, 20);
	assert_int_equal(r.dirs, 3);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs), 0);
	walk_all(fs, "", 0);
	assert_int_equal(fs_unmount(fs), 0);
	memdisk_free(d);
}

static void test_journal_replay(void **state)
{
	struct fs *fs;
	struct memdisk *d = fresh_disk(1024, &fs);
	uint8_t *image = malloc(1024 * BS);
	struct jfs_check_report r;
	char buf[16];
	int h;

	h = fs_open(fs, "f", FS_O_WRITE | FS_O_CREATE);
	assert_int_equal(fs_write(fs, h, "committed", 9), 9);
	assert_int_equal(fs_fsync(fs, h), 0);
	/* Crash now: the image as the device holds it, not unmounted. */
	memcpy(image, d->data, 1024 * BS);
	fs_unmount(fs);
	memcpy(d->data, image, 1024 * BS);
	assert_int_equal(jfs_check(&d->bd, 0, &r, NULL, NULL), 0);
	assert_int_equal(jfs_check(&d->bd, 1, &r, NULL, NULL), 0);
	assert_true(r.replayed >= 1);
	assert_int_equal(r.errors, 0);
	memcpy(d->data, image, 1024 * BS);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs), 0);
	h = fs_open(fs, "f", FS_O_READ);
	assert_int_equal(fs_read(fs, h, buf, sizeof(buf)), 9);
	assert_memory_equal(buf, "committed", 9);
	assert_int_equal(fs_unmount(fs), 0);
	check_clean(d);
	free(image);
	memdisk_free(d);
}

static void test_cache_export(void **state)
{
	struct fs *fs, *fs2;
	struct memdisk *d = fresh_disk(2048, &fs);
	uint8_t rec[8192];
	char buf[32];
	int64_t len;
	int h;

	/* Export from one instance, import into a fresh one on the same
	 * device, continue through the same handle. */
	h = fs_open(fs, "log", FS_O_READ | FS_O_WRITE | FS_O_CREATE);
	assert_int_equal(fs_write(fs, h, "first-", 6), 6);
	len = fs_export_state(fs, rec, sizeof(rec));
	assert_true(len > 0);
	assert_int_equal(fs_unmount(fs), 0);
	assert_int_equal(fs_mount(&fs_journal_type, &d->bd, NULL, &fs2), 0);
	assert_int_equal(fs_import_state(fs2, rec, (size_t)len), 0);
	assert_int_equal(fs_write(fs2, h, "second", 6), 6);
	assert_int_equal(fs_seek(fs2, h, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(fs2, h, buf, sizeof(buf)), 12);
	assert_memory_equal(buf, "first-second", 12);
	/* And across implementations of the interface, it is refused
	 * cleanly when the file is unknown there. */
	assert_int_equal(fs_mount(&fs_ram_type, NULL, NULL, &fs), 0);
	assert_int_equal(fs_import_state(fs, rec, (size_t)len),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_unmount(fs), 0);
	assert_int_equal(fs_unmount(fs2), 0);
	check_clean(d);
	memdisk_free(d);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		FS_SUITE_TESTS,
		cmocka_unit_test(fs_suite_persist),
		cmocka_unit_test(test_full_disk),
		cmocka_unit_test(test_inodes_run_out),
		cmocka_unit_test(test_refused_images),
		cmocka_unit_test(test_fuzz_superblock),
		cmocka_unit_test(test_fuzz_inodes),
		cmocka_unit_test(test_fuzz_metadata),
		cmocka_unit_test(test_io_errors),
		cmocka_unit_test(test_fsck_repairs),
		cmocka_unit_test(test_journal_replay),
		cmocka_unit_test(test_cache_export),
	};
	int rc;

	fs_suite_mount = mount_journal;
	fs_suite_remount = remount_journal;
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	if (disk) {
		memdisk_free(disk);
	}
	return rc;
}
