/* SPDX-License-Identifier: MIT */
/*
 * fs.journal on the virtio disk (the whole disk, init's extent), run as
 * init. If the disk holds a file system made on the host (axo-mkfs -d
 * tree/), its files are checked; a blank disk is formatted. Then files
 * are written, fsynced, the disk unmounted, mounted again and everything
 * verified; the disk is left unmounted for the host to check
 * (check-guest-image). Exits 0 when all checks pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libos/disk.h>
#include <libos/fs.h>
#include <libos/mount.h>
#include <libos/runtime.h>

#define LINES 100000

#include "check.h"

static char text[1 << 21];

/* The whole of @path into text; its length. */
static size_t slurp(const char *path)
{
	size_t len = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 3);
	while (fd >= 0 && len < sizeof(text) &&
	       (r = read(fd, text + len, sizeof(text) - len)) > 0) {
		len += (size_t)r;
	}
	CHECK(fd < 0 || close(fd) == 0);
	return len;
}

/* Is text[0..len) "PREFIX 1\n" .. "PREFIX n\n"? */
static int counted(const char *prefix, size_t len, int n)
{
	char want[32];
	size_t at = 0;

	for (int i = 1; i <= n; i++) {
		int k = snprintf(want, sizeof(want), "%s%d\n", prefix, i);

		if (at + (size_t)k > len || memcmp(text + at, want, (size_t)k)) {
			return 0;
		}
		at += (size_t)k;
	}
	return at == len;
}

static void host_files(void)
{
	size_t len = slurp("/disk/hello.txt");

	CHECK(len == 20 && memcmp(text, "hello from the host\n", 20) == 0);
	len = slurp("/disk/dir/numbers.txt");
	CHECK(counted("", len, 3000));
	printf("virtio: the host's files are there\n");
}

static void verify_guest_files(void)
{
	size_t len = slurp("/disk/guest/lines.txt");

	CHECK(counted("line ", len, LINES));
	len = slurp("/disk/guest/note.txt");
	CHECK(len == 18 && memcmp(text, "made in the guest\n", 18) == 0);
}

int main(void)
{
	static struct disk d;
	struct stat st;
	int64_t slot = disk_extent();
	size_t len = 0;
	int err, fd;

	CHECK(slot >= 0 && disk_open(&d, slot) == 0);
	if (failed) {
		return 1;
	}
	err = mount_disk("/disk", &d.bd);
	if (err == EXO_ERR_CORRUPT) {
		printf("virtio: blank disk (%s): formatting %lu blocks\n",
		       fs_mount_error(), (unsigned long)d.bd.nblocks);
		CHECK(fs_journal_format(&d.bd) == 0);
		err = mount_disk("/disk", &d.bd);
	}
	CHECK(err == 0);
	if (err) {
		printf("virtio: mount: %s\n", fs_mount_error());
		return 1;
	}
	if (stat("/disk/hello.txt", &st) == 0) {
		host_files();
	}
	CHECK(mkdir("/disk/guest", 0755) == 0);
	fd = open("/disk/guest/lines.txt", O_WRONLY | O_CREAT | O_TRUNC);
	for (int i = 1; i <= LINES; i++) {
		len += (size_t)snprintf(text + len, sizeof(text) - len,
					"line %d\n", i);
	}
	/* In uneven pieces, through partial and whole blocks. */
	for (size_t at = 0; at < len;) {
		size_t k = len - at < 70001 ? len - at : 70001;

		CHECK(write(fd, text + at, k) == (ssize_t)k);
		at += k;
	}
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	fd = open("/disk/guest/note.txt", O_WRONLY | O_CREAT);
	CHECK(write(fd, "made in the guest\n", 18) == 18);
	CHECK(close(fd) == 0);
	verify_guest_files();
	CHECK(mount_detach("/disk") == 0);
	CHECK(mount_disk("/disk", &d.bd) == 0);
	verify_guest_files();
	CHECK(mount_detach("/disk") == 0);
	printf("virtio: %lu bytes written, remounted and verified\n",
	       (unsigned long)len);
	printf("fs-virtio: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
