/* SPDX-License-Identifier: MIT */
/* A block device over a host file; see filedev.h. */
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <exo/errors.h>

#include "filedev.h"

#define BS BLOCKDEV_BLOCK_SIZE

static int fd_read(struct blockdev *bd, uint64_t block, uint32_t count,
		   void *buf)
{
	struct filedev *d = (struct filedev *)bd;
	size_t n = (size_t)count * BS;

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	return pread(d->fd, buf, n, (off_t)(block * BS)) == (ssize_t)n
		       ? 0
		       : EXO_ERR_IO;
}

static int fd_write(struct blockdev *bd, uint64_t block, uint32_t count,
		    const void *buf)
{
	struct filedev *d = (struct filedev *)bd;
	size_t n = (size_t)count * BS;

	if (block >= bd->nblocks || count > bd->nblocks - block) {
		return EXO_ERR_INVALID;
	}
	return pwrite(d->fd, buf, n, (off_t)(block * BS)) == (ssize_t)n
		       ? 0
		       : EXO_ERR_IO;
}

static int fd_flush(struct blockdev *bd)
{
	return fdatasync(((struct filedev *)bd)->fd) == 0 ? 0 : EXO_ERR_IO;
}

static const struct blockdev_ops fd_ops = {
	.read = fd_read,
	.write = fd_write,
	.flush = fd_flush,
};

int filedev_open(struct filedev *d, const char *path, int readonly,
		 int create, uint64_t nblocks)
{
	struct stat st;

	d->fd = open(path, (readonly ? O_RDONLY : O_RDWR) |
				   (create ? O_CREAT : 0),
		     0644);
	if (d->fd < 0) {
		return -1;
	}
	if (create && nblocks && ftruncate(d->fd, (off_t)(nblocks * BS))) {
		close(d->fd);
		return -1;
	}
	if (fstat(d->fd, &st)) {
		close(d->fd);
		return -1;
	}
	d->bd.ops = &fd_ops;
	d->bd.nblocks = (uint64_t)st.st_size / BS;
	return 0;
}

void filedev_close(struct filedev *d)
{
	close(d->fd);
}
