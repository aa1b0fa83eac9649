/* SPDX-License-Identifier: MIT */
/*
 * Files for the POSIX face: the mount table and the descriptors 3 and up,
 * each an open handle of one mounted file system (<libos/mount.h>).
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <libos/disk.h>
#include <libos/file.h>
#include <libos/fs.h>
#include <libos/mount.h>

#define NFILES 64

struct mount {
	char where[FS_PATH_MAX]; /* normalised, "/" or "/a/b" */
	size_t len;
	struct fs *fs;
	void *owned; /* freed at detach (mount_extent's struct disk) */
};

struct file {
	struct fs *fs; /* NULL: free */
	int h;
};

static struct mount mounts[MOUNT_MAX];
static struct file files[NFILES];

struct dir_stream {
	int fd;
	struct dirent ent;
};

/* @path made absolute and normalised into @out: "/", or "/a/b". */
static int normalise(const char *path, char *out, size_t cap)
{
	size_t len = 0;
	const char *p = path;

	if (!path || !*path) {
		return EXO_ERR_NOT_FOUND;
	}
	out[0] = '\0';
	while (*p) {
		const char *s;
		size_t n;

		while (*p == '/') {
			p++;
		}
		s = p;
		while (*p && *p != '/') {
			p++;
		}
		n = (size_t)(p - s);
		if (n == 0 || (n == 1 && s[0] == '.')) {
			continue;
		}
		if (n == 2 && s[0] == '.' && s[1] == '.') {
			while (len > 0 && out[len - 1] != '/') {
				len--;
			}
			if (len > 0) {
				len--;
			}
			out[len] = '\0';
			continue;
		}
		if (len + 1 + n + 1 > cap) {
			return EXO_ERR_INVALID;
		}
		out[len++] = '/';
		memcpy(out + len, s, n);
		len += n;
		out[len] = '\0';
	}
	if (len == 0) {
		out[0] = '/';
		out[1] = '\0';
	}
	return 0;
}

static int root_ready(void)
{
	struct fs_type *t = fs_current();
	struct fs *fs;
	int err;

	if (mounts[0].fs) {
		return 0;
	}
	for (size_t i = 1; i < MOUNT_MAX; i++) {
		if (mounts[i].fs && strcmp(mounts[i].where, "/") == 0) {
			return 0;
		}
	}
	if (!t || fs_mount(t, NULL, NULL, &fs) != 0) {
		err = fs_mount(&fs_ram_type, NULL, NULL, &fs);
		if (err) {
			return err;
		}
	}
	strcpy(mounts[0].where, "/");
	mounts[0].len = 1;
	mounts[0].fs = fs;
	return 0;
}

struct fs *mount_resolve(const char *path, char *rest, size_t cap, int *err)
{
	char norm[FS_PATH_MAX];
	struct mount *best = NULL;

	*err = normalise(path, norm, sizeof(norm));
	if (*err) {
		return NULL;
	}
	*err = root_ready();
	if (*err) {
		return NULL;
	}
	for (size_t i = 0; i < MOUNT_MAX; i++) {
		struct mount *m = &mounts[i];

		if (!m->fs) {
			continue;
		}
		if (m->len == 1 ||
		    (strncmp(norm, m->where, m->len) == 0 &&
		     (norm[m->len] == '\0' || norm[m->len] == '/'))) {
			if (!best || m->len > best->len) {
				best = m;
			}
		}
	}
	if (!best) {
		*err = EXO_ERR_NOT_FOUND;
		return NULL;
	}
	if (strlen(norm + (best->len == 1 ? 0 : best->len)) >= cap) {
		*err = EXO_ERR_INVALID;
		return NULL;
	}
	strcpy(rest, norm + (best->len == 1 ? 0 : best->len));
	return best->fs;
}

/* Is mount @i exactly @where? */
static int mount_resolve_exact(size_t i, const char *where)
{
	char norm[FS_PATH_MAX];

	return normalise(where, norm, sizeof(norm)) == 0 &&
	       strcmp(mounts[i].where, norm) == 0;
}

int mount_attach(const char *where, struct fs *fs)
{
	char norm[FS_PATH_MAX];
	struct mount *slot = NULL;

	if (!where || where[0] != '/' || normalise(where, norm, sizeof(norm))) {
		return EXO_ERR_INVALID;
	}
	for (size_t i = 0; i < MOUNT_MAX; i++) {
		if (mounts[i].fs && strcmp(mounts[i].where, norm) == 0) {
			return EXO_ERR_EXISTS;
		}
		/* Slot 0 is the default root's. */
		if (!mounts[i].fs && !slot && (i > 0 || strcmp(norm, "/") == 0)) {
			slot = &mounts[i];
		}
	}
	if (!slot) {
		return EXO_ERR_LIMIT;
	}
	strcpy(slot->where, norm);
	slot->len = strlen(norm);
	slot->fs = fs;
	return 0;
}

int mount_detach(const char *where)
{
	char norm[FS_PATH_MAX];
	int err;

	if (!where || normalise(where, norm, sizeof(norm))) {
		return EXO_ERR_INVALID;
	}
	for (size_t i = 0; i < MOUNT_MAX; i++) {
		struct fs *fs = mounts[i].fs;

		if (!fs || strcmp(mounts[i].where, norm) != 0) {
			continue;
		}
		for (size_t f = 0; f < NFILES; f++) {
			if (files[f].fs == fs) {
				return EXO_ERR_BUSY;
			}
		}
		mounts[i].fs = NULL;
		err = fs_unmount(fs);
		free(mounts[i].owned);
		mounts[i].owned = NULL;
		return err;
	}
	return EXO_ERR_NOT_FOUND;
}

int mount_disk(const char *where, struct blockdev *bd)
{
	struct fs *fs;
	int err = fs_mount(&fs_journal_type, bd, NULL, &fs);

	if (err) {
		return err;
	}
	err = mount_attach(where, fs);
	if (err) {
		fs_unmount(fs);
	}
	return err;
}

int mount_extent(const char *where)
{
	int64_t slot = disk_extent();
	struct disk *d;
	int err;

	if (slot < 0) {
		return (int)slot;
	}
	d = malloc(sizeof(*d));
	if (!d) {
		return EXO_ERR_NO_MEMORY;
	}
	err = disk_open(d, slot);
	if (!err) {
		err = mount_disk(where, &d->bd);
	}
	if (err) {
		free(d);
		return err;
	}
	for (size_t i = 0; i < MOUNT_MAX; i++) {
		if (mounts[i].fs && mount_resolve_exact(i, where)) {
			mounts[i].owned = d;
			break;
		}
	}
	return 0;
}

int mount_sync_all(void)
{
	int first = 0;

	for (size_t i = 0; i < MOUNT_MAX; i++) {
		if (mounts[i].fs) {
			int err = fs_sync(mounts[i].fs);

			if (err && !first) {
				first = err;
			}
		}
	}
	return first;
}

static int fail(int64_t status)
{
	errno = errno_from_exo(status);
	return -1;
}

static struct file *file_of(int fd)
{
	if (fd < FILE_FD_BASE || fd >= FILE_FD_BASE + NFILES ||
	    !files[fd - FILE_FD_BASE].fs) {
		return NULL;
	}
	return &files[fd - FILE_FD_BASE];
}

int open(const char *path, int flags, ...)
{
	char rest[FS_PATH_MAX];
	uint32_t f = 0;
	struct fs *fs;
	int err, h, fd;

	for (fd = 0; fd < NFILES && files[fd].fs; fd++) {
	}
	if (fd == NFILES) {
		errno = EMFILE;
		return -1;
	}
	fs = mount_resolve(path, rest, sizeof(rest), &err);
	if (!fs) {
		return fail(err);
	}
	switch (flags & O_ACCMODE) {
	case O_RDONLY:
		f = FS_O_READ;
		break;
	case O_WRONLY:
		f = FS_O_WRITE;
		break;
	case O_RDWR:
		f = FS_O_READ | FS_O_WRITE;
		break;
	default:
		errno = EINVAL;
		return -1;
	}
	f |= flags & O_CREAT ? FS_O_CREATE : 0;
	f |= flags & O_EXCL ? FS_O_EXCL : 0;
	f |= flags & O_TRUNC ? FS_O_TRUNC : 0;
	f |= flags & O_APPEND ? FS_O_APPEND : 0;
	if (flags & O_DIRECTORY) {
		if (f & FS_O_WRITE) {
			errno = EISDIR;
			return -1;
		}
		f = FS_O_DIR;
	}
	h = fs_open(fs, rest, f);
	if (h < 0) {
		if (h == EXO_ERR_TOO_BIG) {
			errno = ENAMETOOLONG;
			return -1;
		}
		return fail(h);
	}
	files[fd].fs = fs;
	files[fd].h = h;
	return fd + FILE_FD_BASE;
}

int creat(const char *path, int mode)
{
	return open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
}

int file_is_open(int fd)
{
	return file_of(fd) != NULL;
}

ssize_t file_read(int fd, void *buf, size_t n)
{
	struct file *f = file_of(fd);
	int64_t r;

	if (!f) {
		errno = EBADF;
		return -1;
	}
	r = fs_read(f->fs, f->h, buf, n);
	if (r == EXO_ERR_DENIED) {
		errno = EBADF;
		return -1;
	}
	return r < 0 ? fail(r) : (ssize_t)r;
}

ssize_t file_write(int fd, const void *buf, size_t n)
{
	struct file *f = file_of(fd);
	int64_t r;

	if (!f) {
		errno = EBADF;
		return -1;
	}
	r = fs_write(f->fs, f->h, buf, n);
	if (r == EXO_ERR_DENIED) {
		errno = EBADF;
		return -1;
	}
	if (r == EXO_ERR_TOO_BIG) {
		errno = EFBIG;
		return -1;
	}
	return r < 0 ? fail(r) : (ssize_t)r;
}

int file_close(int fd)
{
	struct file *f = file_of(fd);

	if (!f) {
		errno = EBADF;
		return -1;
	}
	fs_close(f->fs, f->h);
	f->fs = NULL;
	return 0;
}

off_t lseek(int fd, off_t off, int whence)
{
	struct file *f = file_of(fd);
	int64_t r;

	if (!f) {
		errno = fd >= 0 && fd < FILE_FD_BASE ? ESPIPE : EBADF;
		return -1;
	}
	r = fs_seek(f->fs, f->h, off, whence);
	return r < 0 ? fail(r) : (off_t)r;
}

int fsync(int fd)
{
	struct file *f = file_of(fd);
	int err;

	if (!f) {
		errno = EBADF;
		return -1;
	}
	err = fs_fsync(f->fs, f->h);
	return err ? fail(err) : 0;
}

int ftruncate(int fd, off_t size)
{
	struct file *f = file_of(fd);
	int err;

	if (!f || size < 0) {
		errno = f ? EINVAL : EBADF;
		return -1;
	}
	err = fs_truncate(f->fs, f->h, (uint64_t)size);
	if (err == EXO_ERR_DENIED) {
		errno = EBADF;
		return -1;
	}
	return err ? fail(err) : 0;
}

void sync(void)
{
	mount_sync_all();
}

/* Run @op on the fs serving @path with the path inside it. */
#define PATH_CALL(path, op, ...)                                               \
	do {                                                                   \
		char rest_[FS_PATH_MAX];                                       \
		int err_;                                                      \
		struct fs *fs_ = mount_resolve(path, rest_, sizeof(rest_),     \
					       &err_);                         \
		if (!fs_) {                                                    \
			return fail(err_);                                     \
		}                                                              \
		err_ = op(fs_, rest_, ##__VA_ARGS__);                          \
		return err_ ? fail(err_) : 0;                                  \
	} while (0)

int unlink(const char *path)
{
	PATH_CALL(path, fs_unlink);
}

int rmdir(const char *path)
{
	PATH_CALL(path, fs_rmdir);
}

int mkdir(const char *path, mode_t mode)
{
	PATH_CALL(path, fs_mkdir);
}

int rename(const char *from, const char *to)
{
	char a[FS_PATH_MAX], b[FS_PATH_MAX];
	struct fs *fa, *fb;
	int err;

	fa = mount_resolve(from, a, sizeof(a), &err);
	if (!fa) {
		return fail(err);
	}
	fb = mount_resolve(to, b, sizeof(b), &err);
	if (!fb) {
		return fail(err);
	}
	if (fa != fb) {
		errno = EXDEV;
		return -1;
	}
	err = fs_rename(fa, a, b);
	return err ? fail(err) : 0;
}

static void to_stat(const struct fs_stat *s, struct stat *st)
{
	memset(st, 0, sizeof(*st));
	st->st_ino = s->ino;
	st->st_mode = s->type == FS_TYPE_DIR ? S_IFDIR | 0755 : S_IFREG | 0644;
	st->st_nlink = s->nlink;
	st->st_size = (off_t)s->size;
	st->st_blocks = s->blocks * 8;
	st->st_blksize = 4096;
	st->st_mtime = s->mtime;
}

int stat(const char *path, struct stat *st)
{
	char rest[FS_PATH_MAX];
	struct fs_stat s;
	struct fs *fs;
	int err;

	fs = mount_resolve(path, rest, sizeof(rest), &err);
	if (!fs) {
		return fail(err);
	}
	err = fs_stat(fs, rest, &s);
	if (err) {
		return fail(err);
	}
	to_stat(&s, st);
	return 0;
}

int fstat(int fd, struct stat *st)
{
	struct file *f = file_of(fd);
	struct fs_stat s;
	int err;

	if (!f) {
		errno = EBADF;
		return -1;
	}
	err = fs_fstat(f->fs, f->h, &s);
	if (err) {
		return fail(err);
	}
	to_stat(&s, st);
	return 0;
}

DIR *opendir(const char *path)
{
	DIR *d = malloc(sizeof(*d));

	if (!d) {
		errno = ENOMEM;
		return NULL;
	}
	d->fd = open(path, O_RDONLY | O_DIRECTORY);
	if (d->fd < 0) {
		free(d);
		return NULL;
	}
	return d;
}

struct dirent *readdir(DIR *d)
{
	struct file *f = file_of(d->fd);
	struct fs_dirent e;
	int r;

	if (!f) {
		errno = EBADF;
		return NULL;
	}
	r = fs_readdir(f->fs, f->h, &e);
	if (r <= 0) {
		if (r < 0) {
			fail(r);
		}
		return NULL;
	}
	d->ent.d_ino = e.ino;
	d->ent.d_type = e.type == FS_TYPE_DIR ? DT_DIR : DT_REG;
	memcpy(d->ent.d_name, e.name, sizeof(e.name));
	return &d->ent;
}

int closedir(DIR *d)
{
	int r = file_close(d->fd);

	free(d);
	return r;
}
