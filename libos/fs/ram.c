/* SPDX-License-Identifier: MIT */
/*
 * fs.ram: a file system in memory. Nodes live in a table indexed by
 * inode number; a file is an array of 4096-byte pages (NULL: a hole,
 * reading as zeros); a directory is an array of entries. Nothing is
 * durable, so fsync and sync only check their argument.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/fs_impl.h>

#define PAGE 4096u
#define RAM_MAX_SIZE (1ull << 40) /* largest file */

struct ram_dirent {
	uint64_t ino;
	char name[FS_NAME_MAX + 1];
};

struct ram_node {
	uint32_t type; /* 0: free slot, FS_TYPE_* */
	uint32_t nlink;
	uint64_t gen; /* bumped when the slot is freed */
	uint64_t size; /* files: bytes; directories: entries */
	uint64_t mtime;
	uint64_t parent; /* directories: the parent's number */
	/* files */
	uint8_t **pages;
	uint64_t npages; /* slots in pages */
	uint64_t held; /* pages allocated */
	/* directories */
	struct ram_dirent *ents;
	uint64_t cap;
};

struct ram_fs {
	struct fs base;
	struct ram_node *nodes;
	uint64_t nnodes;
	uint64_t clock;
	uint64_t pages_held;
	struct fs_handle handles[FS_MAX_HANDLES];
};

static const struct fs_ops ram_ops;

static struct ram_fs *to_ram(struct fs *fs)
{
	return container_of(fs, struct ram_fs, base);
}

static int node_new(struct ram_fs *r, uint32_t type, uint64_t *out)
{
	uint64_t i;

	for (i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].type == 0) {
			break;
		}
	}
	if (i >= r->nnodes) {
		uint64_t n = r->nnodes ? r->nnodes * 2 : 16;
		struct ram_node *t = realloc(r->nodes, n * sizeof(*t));

		if (!t) {
			return EXO_ERR_NO_MEMORY;
		}
		memset(t + r->nnodes, 0, (n - r->nnodes) * sizeof(*t));
		r->nodes = t;
		i = r->nnodes ? r->nnodes : 1;
		r->nnodes = n;
	}
	uint64_t gen = r->nodes[i].gen;

	memset(&r->nodes[i], 0, sizeof(r->nodes[i]));
	r->nodes[i].gen = gen;
	r->nodes[i].type = type;
	r->nodes[i].nlink = type == FS_TYPE_DIR ? 2 : 1;
	r->nodes[i].mtime = ++r->clock;
	*out = i;
	return 0;
}

static void file_shrink(struct ram_fs *r, struct ram_node *n, uint64_t size)
{
	uint64_t keep = (size + PAGE - 1) / PAGE;

	for (uint64_t i = keep; i < n->npages; i++) {
		if (n->pages[i]) {
			free(n->pages[i]);
			n->pages[i] = NULL;
			n->held--;
			r->pages_held--;
		}
	}
	if (size % PAGE && keep - 1 < n->npages && n->pages[keep - 1]) {
		memset(n->pages[keep - 1] + size % PAGE, 0, PAGE - size % PAGE);
	}
}

static void node_free(struct ram_fs *r, uint64_t ino)
{
	struct ram_node *n = &r->nodes[ino];
	uint64_t gen = n->gen + 1;

	file_shrink(r, n, 0);
	free(n->pages);
	free(n->ents);
	memset(n, 0, sizeof(*n));
	n->gen = gen;
}

static int64_t dir_find(struct ram_node *d, const char *name, size_t len)
{
	for (uint64_t i = 0; i < d->size; i++) {
		if (strncmp(d->ents[i].name, name, len) == 0 &&
		    d->ents[i].name[len] == '\0') {
			return (int64_t)i;
		}
	}
	return -1;
}

static int dir_add(struct ram_node *d, const char *name, size_t len,
		   uint64_t ino)
{
	if (d->size == d->cap) {
		uint64_t n = d->cap ? d->cap * 2 : 8;
		struct ram_dirent *e = realloc(d->ents, n * sizeof(*e));

		if (!e) {
			return EXO_ERR_NO_MEMORY;
		}
		d->ents = e;
		d->cap = n;
	}
	memcpy(d->ents[d->size].name, name, len);
	d->ents[d->size].name[len] = '\0';
	d->ents[d->size].ino = ino;
	d->size++;
	return 0;
}

static void dir_remove(struct ram_node *d, uint64_t i)
{
	d->ents[i] = d->ents[d->size - 1];
	d->size--;
}

/* Walk @path up to @end; the directory reached in *@ino. */
static int walk(struct ram_fs *r, const char *path, size_t end, uint64_t *ino)
{
	char buf[FS_PATH_MAX];
	const char *p = buf, *name;
	size_t len;
	uint64_t cur = 1;
	int rc;

	if (end >= FS_PATH_MAX) {
		return EXO_ERR_INVALID;
	}
	memcpy(buf, path, end);
	buf[end] = '\0';
	while ((rc = fs_path_next(&p, &name, &len)) == 1) {
		int64_t i;

		if (r->nodes[cur].type != FS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		i = dir_find(&r->nodes[cur], name, len);
		if (i < 0) {
			return EXO_ERR_NOT_FOUND;
		}
		cur = r->nodes[cur].ents[i].ino;
	}
	if (rc < 0) {
		return rc;
	}
	*ino = cur;
	return 0;
}

static int lookup(struct ram_fs *r, const char *path, uint64_t *ino)
{
	size_t n = strlen(path);

	if (n >= FS_PATH_MAX) {
		return EXO_ERR_INVALID;
	}
	return walk(r, path, n, ino);
}

/* The parent directory of @path's last component, and that component. */
static int parent_of(struct ram_fs *r, const char *path, uint64_t *dir,
		     const char **name, size_t *len)
{
	size_t end;
	int rc = fs_path_split(path, &end, name, len);

	if (rc) {
		return rc;
	}
	rc = walk(r, path, end, dir);
	if (rc) {
		return rc;
	}
	return r->nodes[*dir].type == FS_TYPE_DIR ? 0 : EXO_ERR_NOT_DIR;
}

static struct fs_handle *live(struct ram_fs *r, int h, struct ram_node **n,
			      int *err)
{
	struct fs_handle *fh = fs_handle_get(r->handles, h);

	if (!fh) {
		*err = EXO_ERR_INVALID;
		return NULL;
	}
	if (fh->ino >= r->nnodes || r->nodes[fh->ino].type == 0 ||
	    r->nodes[fh->ino].gen != fh->gen) {
		*err = EXO_ERR_NOT_FOUND;
		return NULL;
	}
	*n = &r->nodes[fh->ino];
	return fh;
}

static int ram_unmount(struct fs *fs)
{
	struct ram_fs *r = to_ram(fs);

	for (uint64_t i = 1; i < r->nnodes; i++) {
		if (r->nodes[i].type) {
			node_free(r, i);
		}
	}
	free(r->nodes);
	free(r);
	return 0;
}

static int ram_open(struct fs *fs, const char *path, uint32_t flags)
{
	struct ram_fs *r = to_ram(fs);
	uint64_t ino, dir;
	const char *name;
	size_t len;
	int rc, h;

	if (flags & ~0x7fu || (flags & (FS_O_READ | FS_O_WRITE | FS_O_DIR)) == 0) {
		return EXO_ERR_INVALID;
	}
	rc = lookup(r, path, &ino);
	if (rc == EXO_ERR_NOT_FOUND && (flags & FS_O_CREATE)) {
		rc = parent_of(r, path, &dir, &name, &len);
		if (rc) {
			return rc;
		}
		if (dir_find(&r->nodes[dir], name, len) >= 0) {
			return EXO_ERR_EXISTS; /* cannot happen: lookup failed */
		}
		h = fs_handle_alloc(r->handles);
		if (h < 0) {
			return h;
		}
		rc = node_new(r, FS_TYPE_FILE, &ino);
		if (rc == 0) {
			rc = dir_add(&r->nodes[dir], name, len, ino);
			if (rc) {
				node_free(r, ino);
			}
		}
		if (rc) {
			r->handles[h].used = 0;
			return rc;
		}
		r->nodes[dir].mtime = ++r->clock;
		goto opened;
	}
	if (rc) {
		return rc;
	}
	if ((flags & FS_O_CREATE) && (flags & FS_O_EXCL)) {
		return EXO_ERR_EXISTS;
	}
	if (flags & FS_O_DIR) {
		if (r->nodes[ino].type != FS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		if (flags & (FS_O_WRITE | FS_O_TRUNC | FS_O_APPEND)) {
			return EXO_ERR_IS_DIR;
		}
	} else if (r->nodes[ino].type == FS_TYPE_DIR) {
		return EXO_ERR_IS_DIR;
	}
	h = fs_handle_alloc(r->handles);
	if (h < 0) {
		return h;
	}
	if ((flags & FS_O_TRUNC) && (flags & FS_O_WRITE)) {
		file_shrink(r, &r->nodes[ino], 0);
		r->nodes[ino].size = 0;
		r->nodes[ino].mtime = ++r->clock;
	}
opened:
	r->handles[h].flags = flags;
	r->handles[h].ino = ino;
	r->handles[h].gen = r->nodes[ino].gen;
	return h;
}

static int ram_close(struct fs *fs, int h)
{
	return fs_handle_close(to_ram(fs)->handles, h);
}

static int64_t ram_read(struct fs *fs, int h, void *buf, size_t n)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *f;
	struct fs_handle *fh;
	uint8_t *out = buf;
	size_t done = 0;
	int err;

	if (!(fh = live(r, h, &f, &err))) {
		return err;
	}
	if (f->type != FS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_READ)) {
		return EXO_ERR_DENIED;
	}
	if (fh->offset >= f->size) {
		return 0;
	}
	if (n > f->size - fh->offset) {
		n = (size_t)(f->size - fh->offset);
	}
	while (done < n) {
		uint64_t pos = fh->offset + done, pg = pos / PAGE;
		size_t in = (size_t)(pos % PAGE), k = PAGE - in;

		if (k > n - done) {
			k = n - done;
		}
		if (pg < f->npages && f->pages[pg]) {
			memcpy(out + done, f->pages[pg] + in, k);
		} else {
			memset(out + done, 0, k);
		}
		done += k;
	}
	fh->offset += done;
	return (int64_t)done;
}

static int ram_write_at(struct ram_fs *r, struct ram_node *f, uint64_t off,
			const uint8_t *in, size_t n, size_t *done)
{
	uint64_t last = (off + n + PAGE - 1) / PAGE;

	*done = 0;
	if (last > f->npages) {
		uint64_t cap = f->npages ? f->npages : 4;
		uint8_t **p;

		while (cap < last) {
			cap *= 2;
		}
		p = realloc(f->pages, cap * sizeof(*p));
		if (!p) {
			return EXO_ERR_NO_MEMORY;
		}
		memset(p + f->npages, 0, (cap - f->npages) * sizeof(*p));
		f->pages = p;
		f->npages = cap;
	}
	while (*done < n) {
		uint64_t pos = off + *done, pg = pos / PAGE;
		size_t at = (size_t)(pos % PAGE), k = PAGE - at;

		if (k > n - *done) {
			k = n - *done;
		}
		if (!f->pages[pg]) {
			f->pages[pg] = calloc(1, PAGE);
			if (!f->pages[pg]) {
				return *done ? 0 : EXO_ERR_NO_SPACE;
			}
			f->held++;
			r->pages_held++;
		}
		memcpy(f->pages[pg] + at, in + *done, k);
		*done += k;
	}
	return 0;
}

static int64_t ram_write(struct fs *fs, int h, const void *buf, size_t n)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *f;
	struct fs_handle *fh;
	size_t done;
	int err;

	if (!(fh = live(r, h, &f, &err))) {
		return err;
	}
	if (f->type != FS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_WRITE)) {
		return EXO_ERR_DENIED;
	}
	if (fh->flags & FS_O_APPEND) {
		fh->offset = f->size;
	}
	if (n == 0) {
		return 0;
	}
	if (fh->offset >= RAM_MAX_SIZE || n > RAM_MAX_SIZE - fh->offset) {
		return EXO_ERR_TOO_BIG;
	}
	err = ram_write_at(r, f, fh->offset, buf, n, &done);
	if (err) {
		return err;
	}
	fh->offset += done;
	if (fh->offset > f->size) {
		f->size = fh->offset;
	}
	f->mtime = ++r->clock;
	return (int64_t)done;
}

static int64_t ram_seek(struct fs *fs, int h, int64_t off, int whence)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *f;
	struct fs_handle *fh;
	int64_t base;
	int err;

	if (!(fh = live(r, h, &f, &err))) {
		return err;
	}
	switch (whence) {
	case FS_SEEK_SET:
		base = 0;
		break;
	case FS_SEEK_CUR:
		base = (int64_t)fh->offset;
		break;
	case FS_SEEK_END:
		base = (int64_t)f->size;
		break;
	default:
		return EXO_ERR_INVALID;
	}
	if ((off < 0 && base + off < 0) ||
	    (off > 0 && (uint64_t)off > RAM_MAX_SIZE - (uint64_t)base)) {
		return EXO_ERR_INVALID;
	}
	fh->offset = (uint64_t)(base + off);
	return (int64_t)fh->offset;
}

static int ram_truncate(struct fs *fs, int h, uint64_t size)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *f;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(r, h, &f, &err))) {
		return err;
	}
	if (f->type != FS_TYPE_FILE) {
		return EXO_ERR_IS_DIR;
	}
	if (!(fh->flags & FS_O_WRITE)) {
		return EXO_ERR_DENIED;
	}
	if (size > RAM_MAX_SIZE) {
		return EXO_ERR_TOO_BIG;
	}
	if (size < f->size) {
		file_shrink(r, f, size);
	}
	f->size = size;
	f->mtime = ++r->clock;
	return 0;
}

static int ram_readdir(struct fs *fs, int h, struct fs_dirent *out)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *d;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(r, h, &d, &err))) {
		return err;
	}
	if (d->type != FS_TYPE_DIR) {
		return EXO_ERR_NOT_DIR;
	}
	if (fh->offset >= d->size) {
		return 0;
	}
	out->ino = d->ents[fh->offset].ino;
	out->type = r->nodes[out->ino].type;
	memcpy(out->name, d->ents[fh->offset].name, sizeof(out->name));
	fh->offset++;
	return 1;
}

static int ram_mkdir(struct fs *fs, const char *path)
{
	struct ram_fs *r = to_ram(fs);
	uint64_t dir, ino;
	const char *name;
	size_t len;
	int rc = parent_of(r, path, &dir, &name, &len);

	if (rc) {
		return rc;
	}
	if (dir_find(&r->nodes[dir], name, len) >= 0) {
		return EXO_ERR_EXISTS;
	}
	rc = node_new(r, FS_TYPE_DIR, &ino);
	if (rc) {
		return rc;
	}
	rc = dir_add(&r->nodes[dir], name, len, ino);
	if (rc) {
		node_free(r, ino);
		return rc;
	}
	r->nodes[ino].parent = dir;
	r->nodes[dir].nlink++;
	r->nodes[dir].mtime = ++r->clock;
	return 0;
}

static int remove_entry(struct ram_fs *r, const char *path, int want_dir)
{
	uint64_t dir, ino;
	const char *name;
	size_t len;
	int64_t i;
	int rc = parent_of(r, path, &dir, &name, &len);

	if (rc == EXO_ERR_INVALID && want_dir && lookup(r, path, &ino) == 0 &&
	    ino == 1) {
		return EXO_ERR_BUSY;
	}
	if (rc) {
		return rc;
	}
	i = dir_find(&r->nodes[dir], name, len);
	if (i < 0) {
		return EXO_ERR_NOT_FOUND;
	}
	ino = r->nodes[dir].ents[i].ino;
	if (want_dir) {
		if (r->nodes[ino].type != FS_TYPE_DIR) {
			return EXO_ERR_NOT_DIR;
		}
		if (r->nodes[ino].size) {
			return EXO_ERR_NOT_EMPTY;
		}
		r->nodes[dir].nlink--;
	} else if (r->nodes[ino].type == FS_TYPE_DIR) {
		return EXO_ERR_IS_DIR;
	}
	dir_remove(&r->nodes[dir], (uint64_t)i);
	r->nodes[dir].mtime = ++r->clock;
	node_free(r, ino);
	return 0;
}

static int ram_unlink(struct fs *fs, const char *path)
{
	return remove_entry(to_ram(fs), path, 0);
}

static int ram_rmdir(struct fs *fs, const char *path)
{
	return remove_entry(to_ram(fs), path, 1);
}

static int ram_rename(struct fs *fs, const char *from, const char *to)
{
	struct ram_fs *r = to_ram(fs);
	uint64_t fdir, tdir, ino, victim = 0;
	const char *fname, *tname;
	size_t flen, tlen;
	int64_t fi, ti;
	int rc;

	rc = parent_of(r, from, &fdir, &fname, &flen);
	if (rc) {
		return rc;
	}
	fi = dir_find(&r->nodes[fdir], fname, flen);
	if (fi < 0) {
		return EXO_ERR_NOT_FOUND;
	}
	ino = r->nodes[fdir].ents[fi].ino;
	rc = parent_of(r, to, &tdir, &tname, &tlen);
	if (rc) {
		return rc;
	}
	/* A directory may not move into its own subtree. */
	if (r->nodes[ino].type == FS_TYPE_DIR) {
		for (uint64_t a = tdir; a != 1; a = r->nodes[a].parent) {
			if (a == ino) {
				return EXO_ERR_INVALID;
			}
		}
	}
	ti = dir_find(&r->nodes[tdir], tname, tlen);
	if (ti >= 0) {
		victim = r->nodes[tdir].ents[ti].ino;
		if (victim == ino) {
			return 0;
		}
		if (r->nodes[ino].type == FS_TYPE_DIR) {
			if (r->nodes[victim].type != FS_TYPE_DIR) {
				return EXO_ERR_NOT_DIR;
			}
			if (r->nodes[victim].size) {
				return EXO_ERR_NOT_EMPTY;
			}
		} else if (r->nodes[victim].type == FS_TYPE_DIR) {
			return EXO_ERR_IS_DIR;
		}
	} else if (r->nodes[tdir].size == r->nodes[tdir].cap) {
		/* Make room first, so the move below cannot fail. */
		struct ram_dirent *e;
		uint64_t n = r->nodes[tdir].cap ? r->nodes[tdir].cap * 2 : 8;

		e = realloc(r->nodes[tdir].ents, n * sizeof(*e));
		if (!e) {
			return EXO_ERR_NO_MEMORY;
		}
		r->nodes[tdir].ents = e;
		r->nodes[tdir].cap = n;
	}
	if (ti >= 0) {
		r->nodes[tdir].ents[ti].ino = ino;
		if (r->nodes[victim].type == FS_TYPE_DIR) {
			r->nodes[tdir].nlink--;
		}
		node_free(r, victim);
	} else {
		dir_add(&r->nodes[tdir], tname, tlen, ino);
	}
	/* Entries may have moved (dir_remove swaps in the last): find again. */
	fi = dir_find(&r->nodes[fdir], fname, flen);
	dir_remove(&r->nodes[fdir], (uint64_t)fi);
	if (r->nodes[ino].type == FS_TYPE_DIR && fdir != tdir) {
		r->nodes[fdir].nlink--;
		r->nodes[tdir].nlink++;
		r->nodes[ino].parent = tdir;
	}
	r->nodes[fdir].mtime = r->nodes[tdir].mtime = ++r->clock;
	return 0;
}

static void fill_stat(struct ram_node *n, uint64_t ino, struct fs_stat *out)
{
	out->ino = ino;
	out->type = n->type;
	out->nlink = n->nlink;
	out->mtime = n->mtime;
	if (n->type == FS_TYPE_DIR) {
		out->size = n->size * 64;
		out->blocks = (n->size * 64 + PAGE - 1) / PAGE;
	} else {
		out->size = n->size;
		out->blocks = n->held;
	}
}

static int ram_stat(struct fs *fs, const char *path, struct fs_stat *out)
{
	struct ram_fs *r = to_ram(fs);
	uint64_t ino;
	int rc = lookup(r, path, &ino);

	if (rc) {
		return rc;
	}
	fill_stat(&r->nodes[ino], ino, out);
	return 0;
}

static int ram_fstat(struct fs *fs, int h, struct fs_stat *out)
{
	struct ram_fs *r = to_ram(fs);
	struct ram_node *n;
	struct fs_handle *fh;
	int err;

	if (!(fh = live(r, h, &n, &err))) {
		return err;
	}
	fill_stat(n, fh->ino, out);
	return 0;
}

static int ram_fsync(struct fs *fs, int h)
{
	struct ram_node *n;
	int err;

	return live(to_ram(fs), h, &n, &err) ? 0 : err;
}

static int ram_sync(struct fs *fs)
{
	return 0;
}

static int ram_statfs(struct fs *fs, struct fs_statfs *out)
{
	struct ram_fs *r = to_ram(fs);
	uint64_t used = 0;

	for (uint64_t i = 1; i < r->nnodes; i++) {
		used += r->nodes[i].type != 0;
	}
	memset(out, 0, sizeof(*out));
	out->block_size = PAGE;
	out->blocks = r->pages_held;
	out->inodes = used;
	out->name_max = FS_NAME_MAX;
	return 0;
}

static int64_t ram_export(struct fs *fs, void *buf, size_t cap)
{
	return fs_handles_export(to_ram(fs)->handles, NULL, 0, buf, cap);
}

static int ram_valid(void *ctx, uint64_t ino, uint64_t gen, uint32_t flags)
{
	struct ram_fs *r = ctx;

	if (ino == 0 || ino >= r->nnodes || r->nodes[ino].type == 0 ||
	    r->nodes[ino].gen != gen) {
		return EXO_ERR_NOT_FOUND;
	}
	return 0;
}

static int ram_import(struct fs *fs, const void *buf, size_t len)
{
	struct ram_fs *r = to_ram(fs);
	const uint8_t *blocks;
	uint32_t nblocks;

	return fs_handles_import(r->handles, buf, len, ram_valid, r, &blocks,
				 &nblocks);
}

static const struct fs_ops ram_ops = {
	.unmount = ram_unmount,
	.open = ram_open,
	.close = ram_close,
	.read = ram_read,
	.write = ram_write,
	.seek = ram_seek,
	.truncate = ram_truncate,
	.readdir = ram_readdir,
	.mkdir = ram_mkdir,
	.unlink = ram_unlink,
	.rmdir = ram_rmdir,
	.rename = ram_rename,
	.stat = ram_stat,
	.fstat = ram_fstat,
	.fsync = ram_fsync,
	.sync = ram_sync,
	.statfs = ram_statfs,
	.export_state = ram_export,
	.import_state = ram_import,
};

static int ram_mount(struct fs_type *t, struct blockdev *bd,
		     const struct fs_mount_opts *opts, struct fs **out)
{
	struct ram_fs *r = calloc(1, sizeof(*r));
	uint64_t root;

	if (!r) {
		return EXO_ERR_NO_MEMORY;
	}
	r->base.ops = &ram_ops;
	r->base.type = t;
	if (node_new(r, FS_TYPE_DIR, &root)) {
		free(r);
		return EXO_ERR_NO_MEMORY;
	}
	r->nodes[root].parent = root;
	*out = &r->base;
	return 0;
}

const struct fs_type_ops fs_ram_type_ops = {
	.mount = ram_mount,
};

struct fs_type fs_ram_type = {
	.ops = &fs_ram_type_ops,
	.name = "fs.ram",
};

FS_IMPL(ram_impl, "fs.ram", &fs_ram_type, &fs_ram_type_ops,
	LIBOS_PRIO_DEFAULT);

LIBOS_DEFAULT_DEF(fs);
