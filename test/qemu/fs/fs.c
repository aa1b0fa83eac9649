/* SPDX-License-Identifier: MIT */
/*
 * The file systems in a running program, run as init: the POSIX face on
 * the default RAM root, then an fs.journal image made on the host by
 * axo-mkfs (the boot module disk.img, filled from test/qemu/fs/tree),
 * read, written, unmounted and mounted again. Exits 0 when all checks
 * pass.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libos/fs.h>
#include <libos/mount.h>
#include <libos/ramdev.h>
#include <libos/runtime.h>

#include "check.h"

static void posix_on_ram(void)
{
	char buf[64];
	struct stat st;
	DIR *d;
	struct dirent *e;
	int fd, n = 0;

	CHECK(mkdir("/a", 0755) == 0);
	CHECK(mkdir("/a", 0755) == -1 && errno == EEXIST);
	fd = open("/a/f.txt", O_RDWR | O_CREAT, 0644);
	CHECK(fd >= 3);
	CHECK(write(fd, "hello, files", 12) == 12);
	CHECK(lseek(fd, 7, SEEK_SET) == 7);
	CHECK(read(fd, buf, sizeof(buf)) == 5 && memcmp(buf, "files", 5) == 0);
	CHECK(fstat(fd, &st) == 0 && st.st_size == 12 && S_ISREG(st.st_mode));
	CHECK(fsync(fd) == 0);
	CHECK(ftruncate(fd, 5) == 0);
	CHECK(close(fd) == 0);
	CHECK(close(fd) == -1 && errno == EBADF);
	CHECK(read(fd, buf, 1) == -1 && errno == EBADF);
	/* Relative and dotted paths resolve from the root. */
	CHECK(stat("a/./../a/f.txt", &st) == 0 && st.st_size == 5);
	CHECK(rename("/a/f.txt", "/a/g.txt") == 0);
	CHECK(open("/a/f.txt", O_RDONLY) == -1 && errno == ENOENT);
	CHECK(open("/a/g.txt/x", O_RDONLY) == -1 && errno == ENOTDIR);
	CHECK(open("/a", O_RDONLY) == -1 && errno == EISDIR);
	CHECK(open("/a/g.txt", O_WRONLY | O_CREAT | O_EXCL) == -1 &&
	      errno == EEXIST);
	CHECK(rmdir("/a") == -1 && errno == ENOTEMPTY);
	CHECK(lseek(1, 0, SEEK_SET) == -1 && errno == ESPIPE);
	d = opendir("/a");
	CHECK(d != NULL);
	while (d && (e = readdir(d)) != NULL) {
		CHECK(strcmp(e->d_name, "g.txt") == 0 && e->d_type == DT_REG);
		n++;
	}
	CHECK(n == 1);
	CHECK(d && closedir(d) == 0);
	CHECK(unlink("/a/g.txt") == 0);
	CHECK(rmdir("/a") == 0);
	CHECK(stat("/a", &st) == -1 && errno == ENOENT);
	{
		char rest[8];
		int err;
		struct fs *root = mount_resolve("/", rest, sizeof(rest), &err);

		CHECK(root != NULL);
		printf("posix: files at / on %s (slot fs: %s)\n",
		       root ? root->type->name : "-", fs_current()->name);
	}
}

/* The boot module @name, or NULL. */
static const struct exo_bootmod *module(const char *name)
{
	const struct exo_bootmods *mods =
		(const struct exo_bootmods *)EXO_BOOTMODS_VA;

	for (uint32_t i = 0; i < mods->count; i++) {
		if (strcmp(mods->mod[i].name, name) == 0) {
			return &mods->mod[i];
		}
	}
	return NULL;
}

static void read_numbers(const char *path)
{
	static char text[20000];
	char want[16];
	size_t len = 0, at = 0;
	ssize_t r;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 3);
	while (fd >= 0 && (r = read(fd, text + len, 1000)) > 0) {
		len += (size_t)r;
	}
	CHECK(close(fd) == 0);
	CHECK(len == 13893);
	for (int i = 1; i <= 3000 && at < len; i++) {
		int k = snprintf(want, sizeof(want), "%d\n", i);

		if (memcmp(text + at, want, (size_t)k) != 0) {
			CHECK(!"numbers.txt differs");
			return;
		}
		at += (size_t)k;
	}
	CHECK(at == len);
}

static void host_image(void)
{
	const struct exo_bootmod *m = module("disk.img");
	static struct ramdev dev;
	char buf[64];
	uint8_t *mem, *block;
	struct stat st;
	int fd, err;

	CHECK(m != NULL && m->size % 4096 == 0);
	if (!m) {
		return;
	}
	/* The module is read-only: the disk is a copy. */
	mem = malloc(m->size);
	CHECK(mem != NULL);
	memcpy(mem, (const void *)m->va, m->size);
	ramdev_init(&dev, mem, m->size / 4096);
	err = mount_disk("/disk", &dev.bd);
	CHECK(err == 0);
	if (err) {
		printf("mount: %s\n", fs_mount_error());
		return;
	}
	fd = open("/disk/hello.txt", O_RDONLY);
	CHECK(fd >= 3 && read(fd, buf, sizeof(buf)) == 20);
	CHECK(memcmp(buf, "hello from the host\n", 20) == 0);
	CHECK(close(fd) == 0);
	read_numbers("/disk/dir/numbers.txt");
	/* Write in the guest, make it durable, unmount, mount again. */
	block = malloc(1 << 20);
	for (int i = 0; i < (1 << 20); i++) {
		block[i] = (uint8_t)(i * 7 + i / 4096);
	}
	CHECK(mkdir("/disk/guest", 0755) == 0);
	fd = open("/disk/guest/big.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	CHECK(write(fd, block, 1 << 20) == 1 << 20);
	CHECK(fsync(fd) == 0);
	CHECK(close(fd) == 0);
	CHECK(rename("/disk/hello.txt", "/hello.txt") == -1 && errno == EXDEV);
	CHECK(mount_detach("/disk") == 0);
	CHECK(stat("/disk/guest/big.bin", &st) == -1 && errno == ENOENT);
	CHECK(mount_disk("/disk", &dev.bd) == 0);
	CHECK(stat("/disk/guest/big.bin", &st) == 0 && st.st_size == 1 << 20);
	fd = open("/disk/guest/big.bin", O_RDONLY);
	for (int i = 0; i < 16; i++) {
		static uint8_t chunk[65536];

		CHECK(read(fd, chunk, sizeof(chunk)) == (ssize_t)sizeof(chunk));
		if (memcmp(chunk, block + i * 65536, sizeof(chunk)) != 0) {
			CHECK(!"big.bin differs after remount");
			break;
		}
	}
	CHECK(close(fd) == 0);
	read_numbers("/disk/dir/numbers.txt");
	CHECK(mount_detach("/disk") == 0);
	free(block);
	free(mem);
	printf("disk: host image read, 1 MiB written, remounted and verified\n");
}

int main(void)
{
	posix_on_ram();
	host_image();
	printf("fs: %d checks, %d failed\n", checks, failed);
	return failed ? 1 : 0;
}
