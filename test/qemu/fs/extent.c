/* SPDX-License-Identifier: MIT */
/*
 * An application started by init with `disk=` in its manifest line
 * mounts the file system on its extent with mount_extent() (an image made
 * by axo-mkfs on the host), reads the host's file, writes its own,
 * unmounts, mounts again and finds it. Exits 0 when all checks pass.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libos/fs.h>
#include <libos/mount.h>
#include <libos/runtime.h>

#include "check.h"

static int has(const char *path, const char *text)
{
	char buf[64];
	size_t n = strlen(text);
	int fd = open(path, O_RDONLY), ok;

	if (fd < 0) {
		return 0;
	}
	ok = read(fd, buf, sizeof(buf)) == (ssize_t)n &&
	     memcmp(buf, text, n) == 0;
	close(fd);
	return ok;
}

int main(void)
{
	int err = mount_extent("/data"), fd;

	CHECK(err == 0);
	if (err) {
		printf("extent: %s %s\n", exo_status_name(err),
		       fs_mount_error());
		return 1;
	}
	CHECK(has("/data/hello.txt", "hello from the host\n"));
	CHECK(mkdir("/data/app", 0755) == 0);
	fd = open("/data/app/note.txt", O_WRONLY | O_CREAT);
	CHECK(write(fd, "kept on the extent\n", 19) == 19);
	CHECK(fsync(fd) == 0);
	CHECK(mount_detach("/data") == EXO_ERR_BUSY); /* a file is open */
	CHECK(close(fd) == 0);
	CHECK(mount_detach("/data") == 0);
	CHECK(mount_extent("/data") == 0);
	CHECK(has("/data/app/note.txt", "kept on the extent\n"));
	CHECK(mount_detach("/data") == 0);
	printf("extent: mounted from the manifest's disk=, %d checks, %d "
	       "failed\n",
	       checks, failed);
	return failed ? 1 : 0;
}
