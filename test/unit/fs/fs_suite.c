/* SPDX-License-Identifier: MIT */
/* The behaviour every file system owes through <libos/fs.h>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fs_suite.h"

int (*fs_suite_mount)(struct fs **out);
int (*fs_suite_remount)(struct fs **fs);

static struct fs *fresh(void)
{
	struct fs *fs = NULL;

	assert_int_equal(fs_suite_mount(&fs), 0);
	assert_non_null(fs);
	return fs;
}

static void done(struct fs *fs)
{
	assert_int_equal(fs_unmount(fs), 0);
}

static void pattern(uint8_t *p, size_t n, uint64_t seed)
{
	for (size_t i = 0; i < n; i++) {
		uint64_t x = (seed + i) * 0x9e3779b97f4a7c15ull;

		p[i] = (uint8_t)(x >> 56);
	}
}

static void put(struct fs *fs, const char *path, const void *data, size_t n)
{
	int h = fs_open(fs, path,
			FS_O_WRITE | FS_O_CREATE | FS_O_TRUNC);

	assert_true(h >= 0);
	assert_int_equal(fs_write(fs, h, data, n), (int64_t)n);
	assert_int_equal(fs_close(fs, h), 0);
}

static void expect(struct fs *fs, const char *path, const void *data,
		   size_t n)
{
	uint8_t *buf = malloc(n + 16);
	int h = fs_open(fs, path, FS_O_READ);

	assert_true(h >= 0);
	assert_int_equal(fs_read(fs, h, buf, n + 16), (int64_t)n);
	assert_memory_equal(buf, data, n);
	assert_int_equal(fs_read(fs, h, buf, 16), 0);
	assert_int_equal(fs_close(fs, h), 0);
	free(buf);
}

void fs_suite_create_write_read(void **state)
{
	struct fs *fs = fresh();
	struct fs_stat st;
	uint8_t data[10000], buf[10000];
	int h;

	pattern(data, sizeof(data), 1);
	h = fs_open(fs, "/a", FS_O_READ | FS_O_WRITE | FS_O_CREATE);
	assert_true(h >= 0);
	/* Small writes crossing block boundaries. */
	for (size_t off = 0; off < sizeof(data); off += 777) {
		size_t k = sizeof(data) - off < 777 ? sizeof(data) - off : 777;

		assert_int_equal(fs_write(fs, h, data + off, k), (int64_t)k);
	}
	assert_int_equal(fs_fstat(fs, h, &st), 0);
	assert_int_equal(st.size, sizeof(data));
	assert_int_equal(st.type, FS_TYPE_FILE);
	assert_int_equal(st.nlink, 1);
	assert_int_equal(fs_seek(fs, h, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(fs, h, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, data, sizeof(data));
	assert_int_equal(fs_read(fs, h, buf, 1), 0);
	/* Overwrite in the middle. */
	assert_int_equal(fs_seek(fs, h, 4090, FS_SEEK_SET), 4090);
	assert_int_equal(fs_write(fs, h, "XYZXYZXYZXYZ", 12), 12);
	memcpy(data + 4090, "XYZXYZXYZXYZ", 12);
	assert_int_equal(fs_fsync(fs, h), 0);
	assert_int_equal(fs_close(fs, h), 0);
	expect(fs, "a", data, sizeof(data));
	assert_int_equal(fs_stat(fs, "a", &st), 0);
	assert_int_equal(st.size, sizeof(data));
	/* Append mode. */
	h = fs_open(fs, "a", FS_O_WRITE | FS_O_APPEND);
	assert_true(h >= 0);
	assert_int_equal(fs_write(fs, h, "tail", 4), 4);
	assert_int_equal(fs_close(fs, h), 0);
	assert_int_equal(fs_stat(fs, "a", &st), 0);
	assert_int_equal(st.size, sizeof(data) + 4);
	/* Truncate on open. */
	h = fs_open(fs, "a", FS_O_WRITE | FS_O_TRUNC);
	assert_true(h >= 0);
	assert_int_equal(fs_close(fs, h), 0);
	assert_int_equal(fs_stat(fs, "a", &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(fs_sync(fs), 0);
	done(fs);
}

void fs_suite_open_errors(void **state)
{
	struct fs *fs = fresh();
	char buf[8];
	int h;

	assert_int_equal(fs_open(fs, "nope", FS_O_READ), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_open(fs, "a/b", FS_O_READ | FS_O_CREATE | FS_O_WRITE),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_open(fs, "x", 0), EXO_ERR_INVALID);
	assert_int_equal(fs_open(fs, "x", 0x8000 | FS_O_READ), EXO_ERR_INVALID);
	put(fs, "f", "hello", 5);
	assert_int_equal(fs_open(fs, "f", FS_O_WRITE | FS_O_CREATE | FS_O_EXCL),
			 EXO_ERR_EXISTS);
	assert_int_equal(fs_open(fs, "f/x", FS_O_READ), EXO_ERR_NOT_DIR);
	assert_int_equal(fs_open(fs, "f", FS_O_DIR), EXO_ERR_NOT_DIR);
	assert_int_equal(fs_mkdir(fs, "d"), 0);
	assert_int_equal(fs_open(fs, "d", FS_O_READ), EXO_ERR_IS_DIR);
	assert_int_equal(fs_open(fs, "d", FS_O_DIR | FS_O_WRITE), EXO_ERR_IS_DIR);
	/* Rights of the handle. */
	h = fs_open(fs, "f", FS_O_READ);
	assert_true(h >= 0);
	assert_int_equal(fs_write(fs, h, "x", 1), EXO_ERR_DENIED);
	assert_int_equal(fs_truncate(fs, h, 0), EXO_ERR_DENIED);
	assert_int_equal(fs_readdir(fs, h, &(struct fs_dirent){ 0 }),
			 EXO_ERR_NOT_DIR);
	assert_int_equal(fs_close(fs, h), 0);
	h = fs_open(fs, "f", FS_O_WRITE);
	assert_true(h >= 0);
	assert_int_equal(fs_read(fs, h, buf, 1), EXO_ERR_DENIED);
	assert_int_equal(fs_close(fs, h), 0);
	/* Handles not open. */
	assert_int_equal(fs_close(fs, h), EXO_ERR_INVALID);
	assert_int_equal(fs_close(fs, -1), EXO_ERR_INVALID);
	assert_int_equal(fs_close(fs, 100000), EXO_ERR_INVALID);
	assert_int_equal(fs_read(fs, 7, buf, 1), EXO_ERR_INVALID);
	assert_int_equal(fs_fsync(fs, 7), EXO_ERR_INVALID);
	/* Nothing changed. */
	expect(fs, "f", "hello", 5);
	done(fs);
}

void fs_suite_seek_and_holes(void **state)
{
	struct fs *fs = fresh();
	uint8_t buf[20000], zero[20000] = { 0 };
	struct fs_stat st;
	int h;

	h = fs_open(fs, "s", FS_O_READ | FS_O_WRITE | FS_O_CREATE);
	assert_true(h >= 0);
	assert_int_equal(fs_seek(fs, h, 20000, FS_SEEK_SET), 20000);
	assert_int_equal(fs_write(fs, h, "end", 3), 3);
	assert_int_equal(fs_seek(fs, h, 0, FS_SEEK_CUR), 20003);
	assert_int_equal(fs_seek(fs, h, -3, FS_SEEK_END), 20000);
	assert_int_equal(fs_seek(fs, h, -30000, FS_SEEK_CUR), EXO_ERR_INVALID);
	assert_int_equal(fs_seek(fs, h, 0, 9), EXO_ERR_INVALID);
	assert_int_equal(fs_seek(fs, h, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(fs, h, buf, sizeof(buf)), sizeof(buf));
	assert_memory_equal(buf, zero, sizeof(buf));
	assert_int_equal(fs_read(fs, h, buf, 10), 3);
	assert_memory_equal(buf, "end", 3);
	assert_int_equal(fs_fstat(fs, h, &st), 0);
	assert_int_equal(st.size, 20003);
	assert_true(st.blocks < 4); /* the hole holds nothing */
	assert_int_equal(fs_close(fs, h), 0);
	done(fs);
}

void fs_suite_truncate(void **state)
{
	struct fs *fs = fresh();
	uint8_t data[30000], buf[30000];
	struct fs_stat st;
	int h;

	pattern(data, sizeof(data), 7);
	h = fs_open(fs, "t", FS_O_READ | FS_O_WRITE | FS_O_CREATE);
	assert_true(h >= 0);
	assert_int_equal(fs_write(fs, h, data, sizeof(data)), sizeof(data));
	assert_int_equal(fs_truncate(fs, h, 5000), 0);
	assert_int_equal(fs_fstat(fs, h, &st), 0);
	assert_int_equal(st.size, 5000);
	assert_true(st.blocks <= 3);
	/* Growing again reads zeros past the old cut. */
	assert_int_equal(fs_truncate(fs, h, 12000), 0);
	assert_int_equal(fs_seek(fs, h, 0, FS_SEEK_SET), 0);
	assert_int_equal(fs_read(fs, h, buf, sizeof(buf)), 12000);
	assert_memory_equal(buf, data, 5000);
	for (int i = 5000; i < 12000; i++) {
		assert_int_equal(buf[i], 0);
	}
	assert_int_equal(fs_truncate(fs, h, 0), 0);
	assert_int_equal(fs_fstat(fs, h, &st), 0);
	assert_int_equal(st.size, 0);
	assert_int_equal(st.blocks, 0);
	assert_int_equal(fs_close(fs, h), 0);
	done(fs);
}

void fs_suite_dirs(void **state)
{
	struct fs *fs = fresh();
	struct fs_stat st;

	assert_int_equal(fs_mkdir(fs, "a"), 0);
	assert_int_equal(fs_mkdir(fs, "a"), EXO_ERR_EXISTS);
	assert_int_equal(fs_mkdir(fs, "a/b"), 0);
	assert_int_equal(fs_mkdir(fs, "/a/b/c/"), 0);
	assert_int_equal(fs_mkdir(fs, "x/y"), EXO_ERR_NOT_FOUND);
	put(fs, "a/b/c/file", "data", 4);
	assert_int_equal(fs_mkdir(fs, "a/b/c/file/z"), EXO_ERR_NOT_DIR);
	assert_int_equal(fs_mkdir(fs, "a/b/c/file"), EXO_ERR_EXISTS);
	assert_int_equal(fs_stat(fs, "a", &st), 0);
	assert_int_equal(st.type, FS_TYPE_DIR);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(fs_stat(fs, "/", &st), 0);
	assert_int_equal(st.type, FS_TYPE_DIR);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(fs_stat(fs, "a/b/c/file", &st), 0);
	assert_int_equal(st.size, 4);
	assert_int_equal(fs_stat(fs, "a/b/c/nope", &st), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_stat(fs, "a/b/c/file/x", &st), EXO_ERR_NOT_DIR);
	expect(fs, "//a//b/c/file", "data", 4);
	done(fs);
}

void fs_suite_readdir(void **state)
{
	struct fs *fs = fresh();
	struct fs_dirent e;
	int h, seen = 0;

	assert_int_equal(fs_mkdir(fs, "d"), 0);
	assert_int_equal(fs_mkdir(fs, "d/sub"), 0);
	put(fs, "d/one", "1", 1);
	put(fs, "d/two", "22", 2);
	h = fs_open(fs, "d", FS_O_DIR);
	assert_true(h >= 0);
	while (fs_readdir(fs, h, &e) == 1) {
		if (strcmp(e.name, "sub") == 0) {
			assert_int_equal(e.type, FS_TYPE_DIR);
			seen |= 1;
		} else if (strcmp(e.name, "one") == 0) {
			assert_int_equal(e.type, FS_TYPE_FILE);
			seen |= 2;
		} else if (strcmp(e.name, "two") == 0) {
			assert_int_equal(e.type, FS_TYPE_FILE);
			seen |= 4;
		} else {
			fail_msg("unexpected entry %s", e.name);
		}
		assert_true(e.ino != 0);
	}
	assert_int_equal(seen, 7);
	assert_int_equal(fs_readdir(fs, h, &e), 0);
	assert_int_equal(fs_close(fs, h), 0);
	/* The root lists d only. */
	h = fs_open(fs, "", FS_O_DIR);
	assert_true(h >= 0);
	assert_int_equal(fs_readdir(fs, h, &e), 1);
	assert_string_equal(e.name, "d");
	assert_int_equal(fs_readdir(fs, h, &e), 0);
	assert_int_equal(fs_close(fs, h), 0);
	done(fs);
}

void fs_suite_unlink_rmdir(void **state)
{
	struct fs *fs = fresh();
	struct fs_statfs before, after;
	uint8_t big[50000];
	struct fs_stat st;
	char c;
	int h;

	pattern(big, sizeof(big), 3);
	/* Directories keep the blocks of their entries: warm d up first. */
	assert_int_equal(fs_mkdir(fs, "d"), 0);
	put(fs, "d/warm", "w", 1);
	assert_int_equal(fs_unlink(fs, "d/warm"), 0);
	assert_int_equal(fs_sync(fs), 0);
	assert_int_equal(fs_statfs(fs, &before), 0);
	put(fs, "d/f", big, sizeof(big));
	assert_int_equal(fs_rmdir(fs, "d"), EXO_ERR_NOT_EMPTY);
	assert_int_equal(fs_unlink(fs, "d"), EXO_ERR_IS_DIR);
	assert_int_equal(fs_rmdir(fs, "d/f"), EXO_ERR_NOT_DIR);
	assert_int_equal(fs_unlink(fs, "d/g"), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_rmdir(fs, "/"), EXO_ERR_BUSY);
	assert_int_equal(fs_unlink(fs, "/"), EXO_ERR_INVALID);
	h = fs_open(fs, "d/f", FS_O_READ);
	assert_true(h >= 0);
	assert_int_equal(fs_unlink(fs, "d/f"), 0);
	/* A handle on a removed file is told so. */
	assert_int_equal(fs_read(fs, h, &c, 1), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_close(fs, h), 0);
	assert_int_equal(fs_stat(fs, "d/f", &st), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_sync(fs), 0);
	assert_int_equal(fs_statfs(fs, &after), 0);
	assert_int_equal(after.blocks_free, before.blocks_free);
	assert_int_equal(after.inodes_free, before.inodes_free);
	assert_int_equal(fs_rmdir(fs, "d"), 0);
	assert_int_equal(fs_stat(fs, "d", &st), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_stat(fs, "", &st), 0);
	assert_int_equal(st.nlink, 2);
	done(fs);
}

void fs_suite_rename(void **state)
{
	struct fs *fs = fresh();
	struct fs_stat st;

	assert_int_equal(fs_mkdir(fs, "a"), 0);
	assert_int_equal(fs_mkdir(fs, "b"), 0);
	put(fs, "a/f", "first", 5);
	put(fs, "b/g", "second", 6);
	/* Within a directory, across directories, replacing a file. */
	assert_int_equal(fs_rename(fs, "a/f", "a/f2"), 0);
	expect(fs, "a/f2", "first", 5);
	assert_int_equal(fs_stat(fs, "a/f", &st), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_rename(fs, "a/f2", "b/g"), 0);
	expect(fs, "b/g", "first", 5);
	assert_int_equal(fs_stat(fs, "a/f2", &st), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_rename(fs, "b/g", "b/g"), 0);
	expect(fs, "b/g", "first", 5);
	/* Errors change nothing. */
	assert_int_equal(fs_rename(fs, "nope", "x"), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_rename(fs, "b/g", "zz/g"), EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_rename(fs, "b/g", "a"), EXO_ERR_IS_DIR);
	assert_int_equal(fs_rename(fs, "a", "b/g"), EXO_ERR_NOT_DIR);
	assert_int_equal(fs_rename(fs, "a", "a/inside"), EXO_ERR_INVALID);
	assert_int_equal(fs_mkdir(fs, "a/sub"), 0);
	assert_int_equal(fs_rename(fs, "a", "a/sub/deeper"), EXO_ERR_INVALID);
	put(fs, "b/keep", "k", 1);
	assert_int_equal(fs_rename(fs, "a", "b"), EXO_ERR_NOT_EMPTY);
	expect(fs, "b/g", "first", 5);
	/* Directories move with their contents; link counts follow. */
	assert_int_equal(fs_rename(fs, "a", "b/a"), 0);
	assert_int_equal(fs_stat(fs, "b/a/sub", &st), 0);
	assert_int_equal(fs_stat(fs, "b", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_int_equal(fs_stat(fs, "", &st), 0);
	assert_int_equal(st.nlink, 3);
	/* A directory replacing an empty one. */
	assert_int_equal(fs_mkdir(fs, "empty"), 0);
	assert_int_equal(fs_rename(fs, "b/a", "empty"), 0);
	assert_int_equal(fs_stat(fs, "empty/sub", &st), 0);
	assert_int_equal(fs_stat(fs, "", &st), 0);
	assert_int_equal(st.nlink, 4);
	assert_int_equal(fs_rename(fs, "/", "x"), EXO_ERR_INVALID);
	done(fs);
}

void fs_suite_paths(void **state)
{
	struct fs *fs = fresh();
	char name[FS_NAME_MAX + 2], path[FS_PATH_MAX + 8];
	struct fs_stat st;

	memset(name, 'n', FS_NAME_MAX);
	name[FS_NAME_MAX] = '\0';
	put(fs, name, "max", 3);
	expect(fs, name, "max", 3);
	name[FS_NAME_MAX] = 'n';
	name[FS_NAME_MAX + 1] = '\0';
	assert_int_equal(fs_open(fs, name, FS_O_WRITE | FS_O_CREATE),
			 EXO_ERR_TOO_BIG);
	assert_int_equal(fs_mkdir(fs, name), EXO_ERR_TOO_BIG);
	assert_int_equal(fs_mkdir(fs, "."), EXO_ERR_INVALID);
	assert_int_equal(fs_mkdir(fs, "a/.."), EXO_ERR_INVALID);
	assert_int_equal(fs_stat(fs, "./x", &st), EXO_ERR_INVALID);
	assert_int_equal(fs_mkdir(fs, ""), EXO_ERR_INVALID);
	memset(path, 'p', sizeof(path) - 1);
	path[sizeof(path) - 1] = '\0';
	for (size_t i = 10; i < sizeof(path) - 1; i += 11) {
		path[i] = '/';
	}
	assert_int_equal(fs_stat(fs, path, &st), EXO_ERR_INVALID);
	done(fs);
}

void fs_suite_handles(void **state)
{
	struct fs *fs = fresh();
	int h[200], n = 0, last;

	put(fs, "f", "x", 1);
	while (n < 200 && (last = fs_open(fs, "f", FS_O_READ)) >= 0) {
		h[n++] = last;
	}
	assert_true(n >= 16 && n < 200);
	assert_int_equal(last, EXO_ERR_LIMIT);
	assert_int_equal(fs_close(fs, h[3]), 0);
	assert_int_equal(fs_open(fs, "f", FS_O_READ), h[3]);
	/* Two handles keep their own offsets. */
	{
		int a = h[0], b = h[1];
		char c;

		assert_int_equal(fs_read(fs, a, &c, 1), 1);
		assert_int_equal(fs_read(fs, a, &c, 1), 0);
		assert_int_equal(fs_read(fs, b, &c, 1), 1);
	}
	done(fs);
}

void fs_suite_large_file(void **state)
{
	struct fs *fs = fresh();
	const size_t chunk = 65536, total = 6u << 20; /* into double indirect */
	uint8_t *data = malloc(chunk), *buf = malloc(chunk);
	const uint64_t far = (5ull << 30) - 100; /* triple indirect */
	struct fs_stat st;
	int h;

	h = fs_open(fs, "big", FS_O_READ | FS_O_WRITE | FS_O_CREATE);
	assert_true(h >= 0);
	for (size_t off = 0; off < total; off += chunk) {
		pattern(data, chunk, off);
		assert_int_equal(fs_write(fs, h, data, chunk), (int64_t)chunk);
	}
	assert_int_equal(fs_seek(fs, h, (int64_t)far, FS_SEEK_SET),
			 (int64_t)far);
	pattern(data, 8192, 99);
	assert_int_equal(fs_write(fs, h, data, 8192), 8192);
	assert_int_equal(fs_fsync(fs, h), 0);
	assert_int_equal(fs_close(fs, h), 0);
	if (fs_suite_remount) {
		assert_int_equal(fs_suite_remount(&fs), 0);
	}
	h = fs_open(fs, "big", FS_O_READ);
	assert_true(h >= 0);
	assert_int_equal(fs_fstat(fs, h, &st), 0);
	assert_int_equal(st.size, far + 8192);
	for (size_t off = 0; off < total; off += chunk) {
		pattern(data, chunk, off);
		assert_int_equal(fs_read(fs, h, buf, chunk), (int64_t)chunk);
		assert_memory_equal(buf, data, chunk);
	}
	assert_int_equal(fs_read(fs, h, buf, 4096), 4096);
	for (int i = 0; i < 4096; i++) {
		assert_int_equal(buf[i], 0);
	}
	assert_int_equal(fs_seek(fs, h, (int64_t)far, FS_SEEK_SET),
			 (int64_t)far);
	pattern(data, 8192, 99);
	assert_int_equal(fs_read(fs, h, buf, chunk), 8192);
	assert_memory_equal(buf, data, 8192);
	assert_int_equal(fs_close(fs, h), 0);
	/* Freeing it all gives every block back. */
	assert_int_equal(fs_unlink(fs, "big"), 0);
	free(data);
	free(buf);
	done(fs);
}

void fs_suite_deep_dirs(void **state)
{
	struct fs *fs = fresh();
	char path[FS_PATH_MAX];
	size_t len = 0;
	int depth = 0;
	struct fs_stat st;

	while (len + 3 < 900) {
		path[len++] = 'd';
		path[len] = '\0';
		assert_int_equal(fs_mkdir(fs, path), 0);
		path[len++] = '/';
		path[len] = '\0';
		depth++;
	}
	memcpy(path + len, "leaf", 5);
	put(fs, path, "deep", 4);
	if (fs_suite_remount) {
		assert_int_equal(fs_suite_remount(&fs), 0);
	}
	expect(fs, path, "deep", 4);
	assert_int_equal(fs_stat(fs, "d/d/d", &st), 0);
	assert_int_equal(st.nlink, 3);
	assert_true(depth >= 400);
	done(fs);
}

void fs_suite_many_files(void **state)
{
	struct fs *fs = fresh();
	struct fs_dirent e;
	char name[32];
	int h, n = 0;
	uint8_t seen[1000] = { 0 };

	assert_int_equal(fs_mkdir(fs, "m"), 0);
	for (int i = 0; i < 1000; i++) {
		snprintf(name, sizeof(name), "m/file-%04d", i);
		put(fs, name, name, strlen(name));
	}
	for (int i = 0; i < 1000; i += 2) {
		snprintf(name, sizeof(name), "m/file-%04d", i);
		assert_int_equal(fs_unlink(fs, name), 0);
	}
	if (fs_suite_remount) {
		assert_int_equal(fs_suite_remount(&fs), 0);
	}
	h = fs_open(fs, "m", FS_O_DIR);
	assert_true(h >= 0);
	while (fs_readdir(fs, h, &e) == 1) {
		int i = atoi(e.name + 5);

		assert_true(i % 2 == 1 && i < 1000);
		assert_int_equal(seen[i], 0);
		seen[i] = 1;
		n++;
	}
	assert_int_equal(n, 500);
	assert_int_equal(fs_close(fs, h), 0);
	for (int i = 1; i < 1000; i += 2) {
		snprintf(name, sizeof(name), "m/file-%04d", i);
		expect(fs, name, name, strlen(name));
	}
	done(fs);
}

void fs_suite_export_import(void **state)
{
	struct fs *fs = fresh();
	uint8_t rec[4096];
	int64_t len;
	char buf[16];
	int a, b;

	put(fs, "f", "0123456789", 10);
	a = fs_open(fs, "f", FS_O_READ);
	b = fs_open(fs, "f", FS_O_WRITE | FS_O_APPEND);
	assert_true(a >= 0 && b >= 0);
	assert_int_equal(fs_read(fs, a, buf, 4), 4);
	assert_int_equal(fs_export_state(fs, rec, 10), EXO_ERR_TOO_BIG);
	len = fs_export_state(fs, rec, sizeof(rec));
	assert_true(len > 0);
	/* A mount with handles open refuses; bad records are refused. */
	assert_int_equal(fs_import_state(fs, rec, (size_t)len), EXO_ERR_BUSY);
	assert_int_equal(fs_close(fs, a), 0);
	assert_int_equal(fs_close(fs, b), 0);
	rec[30] ^= 1;
	assert_int_equal(fs_import_state(fs, rec, (size_t)len),
			 EXO_ERR_CORRUPT);
	rec[30] ^= 1;
	assert_int_equal(fs_import_state(fs, rec, (size_t)len - 1),
			 EXO_ERR_CORRUPT);
	rec[4] = 9; /* a newer version */
	assert_int_equal(fs_import_state(fs, rec, (size_t)len), EXO_ERR_NOSYS);
	rec[4] = 1;
	/* Same numbers, same offsets, same modes. */
	assert_int_equal(fs_import_state(fs, rec, (size_t)len), 0);
	assert_int_equal(fs_read(fs, a, buf, 3), 3);
	assert_memory_equal(buf, "456", 3);
	assert_int_equal(fs_write(fs, b, "AB", 2), 2);
	assert_int_equal(fs_close(fs, a), 0);
	assert_int_equal(fs_close(fs, b), 0);
	expect(fs, "f", "0123456789AB", 12);
	/* A record naming a file that has gone is refused. */
	a = fs_open(fs, "f", FS_O_READ);
	len = fs_export_state(fs, rec, sizeof(rec));
	assert_int_equal(fs_close(fs, a), 0);
	assert_int_equal(fs_unlink(fs, "f"), 0);
	assert_int_equal(fs_import_state(fs, rec, (size_t)len),
			 EXO_ERR_NOT_FOUND);
	assert_int_equal(fs_close(fs, a), EXO_ERR_INVALID);
	done(fs);
}

void fs_suite_persist(void **state)
{
	struct fs *fs = fresh();
	struct fs_stat st;

	assert_non_null(fs_suite_remount);
	assert_int_equal(fs_mkdir(fs, "keep"), 0);
	put(fs, "keep/it", "persisted", 9);
	assert_int_equal(fs_rename(fs, "keep/it", "keep/that"), 0);
	assert_int_equal(fs_suite_remount(&fs), 0);
	expect(fs, "keep/that", "persisted", 9);
	assert_int_equal(fs_stat(fs, "keep/it", &st), EXO_ERR_NOT_FOUND);
	done(fs);
}
