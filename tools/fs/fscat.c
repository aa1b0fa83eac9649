/* SPDX-License-Identifier: MIT */
/*
 * axo-fscat: read an fs.journal image in a host file without changing it
 * (mounted read-only; a journal that needs replaying is refused): a file
 * is copied to standard output, a directory listed one entry a line
 * ("d NAME" or "f NAME SIZE").
 *
 * usage: axo-fscat IMAGE PATH
 * Exit: 0 done, 1 bad usage or no such path, 2 image unreadable.
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <libos/fs.h>

#include "filedev.h"
#include "fs/journal.h"

int main(int argc, char **argv)
{
	struct fs_mount_opts mo = { .flags = FS_MOUNT_READONLY };
	struct filedev dev;
	struct fs_stat st;
	struct jfs_super sb;
	const char *why;
	uint32_t ntx;
	uint64_t next;
	struct fs *fs;
	int err, h, rc = 0;

	if (argc != 3) {
		fprintf(stderr, "usage: axo-fscat IMAGE PATH\n");
		return 1;
	}
	if (filedev_open(&dev, argv[1], 0, 0, 0)) {
		fprintf(stderr, "axo-fscat: %s: %s\n", argv[1], strerror(errno));
		return 2;
	}
	err = jfs_super_read(&dev.bd, &sb, &why);
	if (!err) {
		err = jfs_journal_replay(&dev.bd, &sb, 0, &ntx, &next, &why);
	}
	if (!err && ntx) {
		why = "the journal needs replaying: run axo-fsck -y first";
		err = EXO_ERR_STATE;
	}
	if (!err) {
		err = fs_mount(&fs_journal_type, &dev.bd, &mo, &fs);
		why = fs_mount_error();
	}
	if (err) {
		fprintf(stderr, "axo-fscat: %s: %s\n", argv[1], why);
		return 2;
	}
	err = fs_stat(fs, argv[2], &st);
	if (err) {
		fprintf(stderr, "axo-fscat: %s: %s\n", argv[2],
			exo_status_name(err));
		rc = 1;
	} else if (st.type == FS_TYPE_DIR) {
		struct fs_dirent e;

		h = fs_open(fs, argv[2], FS_O_DIR);
		while (h >= 0 && fs_readdir(fs, h, &e) == 1) {
			char sub[FS_PATH_MAX];
			struct fs_stat s2;

			snprintf(sub, sizeof(sub), "%s/%s", argv[2], e.name);
			if (e.type == FS_TYPE_DIR) {
				printf("d %s\n", e.name);
			} else if (fs_stat(fs, sub, &s2) == 0) {
				printf("f %s %llu\n", e.name,
				       (unsigned long long)s2.size);
			}
		}
	} else {
		char buf[65536];
		int64_t n;

		h = fs_open(fs, argv[2], FS_O_READ);
		while (h >= 0 && (n = fs_read(fs, h, buf, sizeof(buf))) > 0) {
			fwrite(buf, 1, (size_t)n, stdout);
		}
	}
	fs_unmount(fs);
	filedev_close(&dev);
	return rc;
}
