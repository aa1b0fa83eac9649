/* SPDX-License-Identifier: MIT */
/*
 * disk-files: an application writes, reads back and verifies files on a
 * virtio disk, with the journaled file system (fs.journal) over the libOS
 * block device of the extent init gave it.
 *
 *   t_disk_files write   make the file system, write the files, check
 *                        them, unmount, mount again, check them again
 *   t_disk_files verify  (another environment, later) mount what the
 *                        first left on the disk, check every file, then
 *                        change one and check that too
 */
#include <stdint.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/fs.h>
#include <libos/runtime.h>

#include "../family/check.h"
#include "journal.h"

#define NFILES 6

static const struct {
	const char *path;
	uint32_t size;
} files[NFILES] = {
	{ "/empty", 0 },
	{ "/one", 1 },
	{ "/data/almost-a-block", 4095 },
	{ "/data/a-block", 4096 },
	{ "/data/deep/hundred-k", 100000 },
	{ "/data/deep/one-meg", 1 << 20 },
};

static uint8_t buf[1 << 20];

static uint8_t pattern(uint32_t file, uint32_t i)
{
	return (uint8_t)(file * 37 + i * 11 + (i >> 9));
}

static void write_file(struct fs *fs, uint32_t k)
{
	int h = fs_open(fs, files[k].path,
			FS_O_WRITE | FS_O_CREATE | FS_O_EXCL);

	CHECK(h >= 0);
	for (uint32_t i = 0; i < files[k].size; i++) {
		buf[i] = pattern(k, i);
	}
	CHECK_EQ(fs_write(fs, h, buf, files[k].size), files[k].size);
	CHECK_EQ(fs_fsync(fs, h), 0);
	CHECK_EQ(fs_close(fs, h), 0);
}

static void check_file(struct fs *fs, uint32_t k)
{
	struct fs_stat st;
	int h = fs_open(fs, files[k].path, FS_O_READ);

	CHECK(h >= 0);
	CHECK_EQ(fs_fstat(fs, h, &st), 0);
	CHECK_EQ(st.size, files[k].size);
	CHECK_EQ(st.type, FS_TYPE_FILE);
	memset(buf, 0xee, sizeof(buf));
	CHECK_EQ(fs_read(fs, h, buf, sizeof(buf)), files[k].size);
	for (uint32_t i = 0; i < files[k].size; i++) {
		if (buf[i] != pattern(k, i)) {
			CHECK_EQ(buf[i], pattern(k, i));
		}
	}
	CHECK_EQ(fs_read(fs, h, buf, 1), 0); /* the end */
	CHECK_EQ(fs_close(fs, h), 0);
}

static void check_all(struct fs *fs)
{
	struct fs_dirent de;
	uint32_t n = 0;
	int h;

	for (uint32_t k = 0; k < NFILES; k++) {
		check_file(fs, k);
	}
	h = fs_open(fs, "/data/deep", FS_O_READ | FS_O_DIR);
	CHECK(h >= 0);
	while (fs_readdir(fs, h, &de) == 1) {
		CHECK(strcmp(de.name, "hundred-k") == 0 ||
		      strcmp(de.name, "one-meg") == 0);
		n++;
	}
	CHECK_EQ(n, 2);
	CHECK_EQ(fs_close(fs, h), 0);
}

static struct fs *mount(struct disk *d)
{
	struct fs *fs = NULL;
	int err = fs_mount(&fs_journal_type, &d->bd, NULL, &fs);

	if (err) {
		printf("disk-files: mount failed: %s (%s)\n",
		       exo_status_name(err), fs_mount_error());
	}
	CHECK_EQ(err, 0);
	return fs;
}

int main(int argc, char **argv)
{
	const char *why = NULL;
	struct disk d;
	struct fs *fs;
	int h;

	check_begin("disk-files");
	CHECK_EQ(argc, 2);
	CHECK_EQ(disk_open(&d, disk_extent()), 0);
	printf("disk-files: %s, extent of %lu blocks from %lu\n", argv[1],
	       (unsigned long)d.bd.nblocks, (unsigned long)d.start);

	if (strcmp(argv[1], "write") == 0) {
		step("mkfs fs.journal on the extent");
		CHECK_EQ(jfs_mkfs(&d.bd, NULL, &why), 0);
		fs = mount(&d);
		step("write the files, fsync each, read them back");
		CHECK_EQ(fs_mkdir(fs, "/data"), 0);
		CHECK_EQ(fs_mkdir(fs, "/data/deep"), 0);
		for (uint32_t k = 0; k < NFILES; k++) {
			write_file(fs, k);
		}
		check_all(fs);
		step("unmount, mount again from the disk, check again");
		CHECK_EQ(fs_unmount(fs), 0);
		fs = mount(&d);
		check_all(fs);
		CHECK_EQ(fs_unmount(fs), 0);
		return check_end();
	}

	CHECK(strcmp(argv[1], "verify") == 0);
	step("mount what the writer left, check every file");
	fs = mount(&d);
	check_all(fs);
	step("append to a file, sync, check it");
	h = fs_open(fs, "/one", FS_O_WRITE | FS_O_APPEND);
	CHECK(h >= 0);
	CHECK_EQ(fs_write(fs, h, "xyz", 3), 3);
	CHECK_EQ(fs_close(fs, h), 0);
	CHECK_EQ(fs_sync(fs), 0);
	h = fs_open(fs, "/one", FS_O_READ);
	CHECK(h >= 0);
	CHECK_EQ(fs_read(fs, h, buf, 16), 4);
	CHECK_EQ(buf[0], pattern(1, 0));
	CHECK(memcmp(buf + 1, "xyz", 3) == 0);
	CHECK_EQ(fs_close(fs, h), 0);
	CHECK_EQ(fs_unmount(fs), 0);
	return check_end();
}
