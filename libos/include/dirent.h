/* SPDX-License-Identifier: MIT */
/* <dirent.h>: listing directories. "." and ".." are not listed. */
#ifndef LIBOS_LIBC_DIRENT_H
#define LIBOS_LIBC_DIRENT_H

#include <stdint.h>

#define DT_REG 8
#define DT_DIR 4

struct dirent {
	uint64_t d_ino;
	unsigned char d_type; /* DT_REG or DT_DIR */
	char d_name[64];
};

typedef struct dir_stream DIR;

/* opendir - NULL with errno ENOENT, ENOTDIR, EMFILE, ENOMEM. */
DIR *opendir(const char *path);
/* readdir - the next entry, or NULL at the end (errno unchanged) or on
 * error (errno set). The entry lives until the next call. */
struct dirent *readdir(DIR *d);
int closedir(DIR *d);

#endif
