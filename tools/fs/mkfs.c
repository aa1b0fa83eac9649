/* SPDX-License-Identifier: MIT */
/*
 * axo-mkfs: make an fs.journal image in a host file, optionally filled
 * from a host folder (regular files and directories; other kinds are
 * skipped with a warning).
 *
 * usage: axo-mkfs [-s SIZE] [-i INODES] [-j JOURNAL] [-d DIR] IMAGE
 *   SIZE     bytes, with K, M or G suffix (default: the file's size, or 64M)
 *   INODES   number of inodes (default: one per 16 KiB)
 *   JOURNAL  journal blocks (default: 1/64 of the device, 256..4096)
 * Exit: 0 done, 1 bad usage, 2 failure (message on stderr).
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

#include "filedev.h"
#include "fs/journal.h"

static unsigned long long files, dirs, bytes;

static int usage(void)
{
	fprintf(stderr, "usage: axo-mkfs [-s SIZE] [-i INODES] [-j JOURNAL] "
			"[-d DIR] IMAGE\n");
	return 1;
}

static int parse_size(const char *s, unsigned long long *out)
{
	char *end;
	unsigned long long v = strtoull(s, &end, 10);

	switch (*end) {
	case 'G':
	case 'g':
		v <<= 10;
		/* fall through */
	case 'M':
	case 'm':
		v <<= 10;
		/* fall through */
	case 'K':
	case 'k':
		v <<= 10;
		end++;
		break;
	default:
		break;
	}
	if (*end || end == s) {
		return -1;
	}
	*out = v;
	return 0;
}

/* Copy host folder @host into the file system at @path. */
static int copy_in(struct fs *fs, const char *host, const char *path)
{
	DIR *d = opendir(host);
	struct dirent *e;
	int rc = 0;

	if (!d) {
		fprintf(stderr, "axo-mkfs: %s: %s\n", host, strerror(errno));
		return -1;
	}
	while (rc == 0 && (e = readdir(d)) != NULL) {
		char hsub[4096], sub[FS_PATH_MAX];
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0) {
			continue;
		}
		snprintf(hsub, sizeof(hsub), "%s/%s", host, e->d_name);
		if ((size_t)snprintf(sub, sizeof(sub), "%s/%s", path,
				     e->d_name) >= sizeof(sub) ||
		    strlen(e->d_name) > FS_NAME_MAX) {
			fprintf(stderr, "axo-mkfs: %s: name too long\n", hsub);
			rc = -1;
			break;
		}
		if (lstat(hsub, &st)) {
			fprintf(stderr, "axo-mkfs: %s: %s\n", hsub,
				strerror(errno));
			rc = -1;
		} else if (S_ISDIR(st.st_mode)) {
			int err = fs_mkdir(fs, sub);

			if (err) {
				fprintf(stderr, "axo-mkfs: mkdir %s: %s\n", sub,
					exo_status_name(err));
				rc = -1;
			} else {
				dirs++;
				rc = copy_in(fs, hsub, sub);
			}
		} else if (S_ISREG(st.st_mode)) {
			int in = open(hsub, O_RDONLY), h;
			char buf[65536];
			ssize_t n;

			h = fs_open(fs, sub, FS_O_WRITE | FS_O_CREATE);
			if (in < 0 || h < 0) {
				fprintf(stderr, "axo-mkfs: %s: %s\n", hsub,
					in < 0 ? strerror(errno)
					       : exo_status_name(h));
				rc = -1;
			}
			while (rc == 0 && (n = read(in, buf, sizeof(buf))) > 0) {
				int64_t w = fs_write(fs, h, buf, (size_t)n);

				if (w != n) {
					fprintf(stderr,
						"axo-mkfs: %s: %s\n", sub,
						w < 0 ? exo_status_name(w)
						      : "short write");
					rc = -1;
				}
				bytes += (unsigned long long)n;
			}
			if (in >= 0) {
				close(in);
			}
			if (h >= 0) {
				fs_close(fs, h);
			}
			files++;
		} else {
			fprintf(stderr, "axo-mkfs: %s: not a file or "
					"directory, skipped\n", hsub);
		}
	}
	closedir(d);
	return rc;
}

int main(int argc, char **argv)
{
	struct jfs_mkfs_opts o = { 0 };
	unsigned long long size = 0, v;
	const char *dir = NULL, *why = "";
	struct filedev dev;
	struct fs_statfs sf;
	struct fs *fs;
	int c, err;

	while ((c = getopt(argc, argv, "s:i:j:d:h")) != -1) {
		switch (c) {
		case 's':
			if (parse_size(optarg, &size) || size < 65536) {
				return usage();
			}
			break;
		case 'i':
			if (parse_size(optarg, &v) || v > UINT32_MAX) {
				return usage();
			}
			o.ninodes = (uint32_t)v;
			break;
		case 'j':
			if (parse_size(optarg, &v) || v > UINT32_MAX) {
				return usage();
			}
			o.journal_blocks = (uint32_t)v;
			break;
		case 'd':
			dir = optarg;
			break;
		default:
			return usage();
		}
	}
	if (optind != argc - 1) {
		return usage();
	}
	if (filedev_open(&dev, argv[optind], 0, 1, size / 4096)) {
		fprintf(stderr, "axo-mkfs: %s: %s\n", argv[optind],
			strerror(errno));
		return 2;
	}
	if (dev.bd.nblocks == 0) {
		filedev_close(&dev);
		if (filedev_open(&dev, argv[optind], 0, 1, (64u << 20) / 4096)) {
			fprintf(stderr, "axo-mkfs: %s: %s\n", argv[optind],
				strerror(errno));
			return 2;
		}
	}
	err = jfs_mkfs(&dev.bd, &o, &why);
	if (err) {
		fprintf(stderr, "axo-mkfs: %s: %s\n", argv[optind], why);
		return 2;
	}
	err = fs_mount(&fs_journal_type, &dev.bd, NULL, &fs);
	if (err) {
		fprintf(stderr, "axo-mkfs: cannot mount the new file system: "
				"%s\n", fs_mount_error());
		return 2;
	}
	if (dir && copy_in(fs, dir, "") != 0) {
		fs_unmount(fs);
		return 2;
	}
	fs_statfs(fs, &sf);
	err = fs_unmount(fs);
	filedev_close(&dev);
	if (err) {
		fprintf(stderr, "axo-mkfs: writing the image failed: %s\n",
			exo_status_name(err));
		return 2;
	}
	printf("%s: fs.journal format %u, %llu blocks of 4096, %llu free; "
	       "%llu inodes, %llu free",
	       argv[optind], sf.format_version,
	       (unsigned long long)dev.bd.nblocks,
	       (unsigned long long)sf.blocks_free,
	       (unsigned long long)sf.inodes,
	       (unsigned long long)sf.inodes_free);
	if (dir) {
		printf("; copied %llu files (%llu bytes), %llu directories "
		       "from %s",
		       files, bytes, dirs, dir);
	}
	printf("\n");
	return 0;
}
