/* SPDX-License-Identifier: MIT */
/*
 * The behaviour every file system owes through <libos/fs.h>, as cmocka
 * tests shared by the suites of each implementation. The suite sets
 * fs_suite_mount (a fresh, empty mount) and fs_suite_remount (unmount and
 * mount again the same storage, or NULL when nothing survives).
 */
#ifndef TEST_FS_SUITE_H
#define TEST_FS_SUITE_H

#include <libos/fs.h>

extern int (*fs_suite_mount)(struct fs **out);
extern int (*fs_suite_remount)(struct fs **fs);

void fs_suite_create_write_read(void **state);
void fs_suite_open_errors(void **state);
void fs_suite_seek_and_holes(void **state);
void fs_suite_truncate(void **state);
void fs_suite_dirs(void **state);
void fs_suite_readdir(void **state);
void fs_suite_unlink_rmdir(void **state);
void fs_suite_rename(void **state);
void fs_suite_paths(void **state);
void fs_suite_handles(void **state);
void fs_suite_large_file(void **state);
void fs_suite_deep_dirs(void **state);
void fs_suite_many_files(void **state);
void fs_suite_export_import(void **state);
/* Only for file systems that keep anything: needs fs_suite_remount. */
void fs_suite_persist(void **state);

#define FS_SUITE_TESTS                                                         \
	cmocka_unit_test(fs_suite_create_write_read),                          \
		cmocka_unit_test(fs_suite_open_errors),                        \
		cmocka_unit_test(fs_suite_seek_and_holes),                     \
		cmocka_unit_test(fs_suite_truncate),                           \
		cmocka_unit_test(fs_suite_dirs),                               \
		cmocka_unit_test(fs_suite_readdir),                            \
		cmocka_unit_test(fs_suite_unlink_rmdir),                       \
		cmocka_unit_test(fs_suite_rename),                             \
		cmocka_unit_test(fs_suite_paths),                              \
		cmocka_unit_test(fs_suite_handles),                            \
		cmocka_unit_test(fs_suite_large_file),                         \
		cmocka_unit_test(fs_suite_deep_dirs),                          \
		cmocka_unit_test(fs_suite_many_files),                         \
		cmocka_unit_test(fs_suite_export_import)

#endif
