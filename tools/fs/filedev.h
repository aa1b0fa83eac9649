/* SPDX-License-Identifier: MIT */
/* A block device over a host file, for the host tools. */
#ifndef TOOLS_FS_FILEDEV_H
#define TOOLS_FS_FILEDEV_H

#include <stdint.h>

#include <libos/blockdev.h>

struct filedev {
	struct blockdev bd;
	int fd;
};

/*
 * filedev_open - open @path (read-write unless @readonly); with @create
 * and @nblocks, create it or grow it to @nblocks blocks. The device is as
 * many whole blocks as the file holds. Return: 0, or -1 with errno.
 */
int filedev_open(struct filedev *d, const char *path, int readonly,
		 int create, uint64_t nblocks);

void filedev_close(struct filedev *d);

#endif
