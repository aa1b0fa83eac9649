/* SPDX-License-Identifier: MIT */
/*
 * axo-fsck: check an fs.journal image in a host file, and with -y repair
 * it (replaying its journal first). Prints one line per finding and a
 * summary.
 *
 * usage: axo-fsck [-y] IMAGE
 * Exit: 0 clean, 1 errors found and all repaired, 4 errors left
 * (found without -y, or not repairable), 8 not checkable (unreadable file,
 * unusable superblock).
 */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <libos/fs.h>

#include "filedev.h"
#include "fs/journal.h"

static void say(void *ctx, const char *line)
{
	printf("%s: %s\n", (const char *)ctx, line);
}

int main(int argc, char **argv)
{
	struct jfs_check_report r;
	struct filedev dev;
	int c, repair = 0, err;

	while ((c = getopt(argc, argv, "yh")) != -1) {
		if (c == 'y') {
			repair = 1;
		} else {
			fprintf(stderr, "usage: axo-fsck [-y] IMAGE\n");
			return 8;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: axo-fsck [-y] IMAGE\n");
		return 8;
	}
	if (filedev_open(&dev, argv[optind], !repair, 0, 0)) {
		fprintf(stderr, "axo-fsck: %s: %s\n", argv[optind],
			strerror(errno));
		return 8;
	}
	err = jfs_check(&dev.bd, repair, &r, say, argv[optind]);
	filedev_close(&dev);
	if (err) {
		printf("%s: not checked (%s)\n", argv[optind],
		       exo_status_name(err));
		return 8;
	}
	printf("%s: %u files, %u directories, %llu blocks in use; %u errors, "
	       "%u repaired%s\n",
	       argv[optind], r.files, r.dirs,
	       (unsigned long long)r.blocks_used, r.errors, r.repaired,
	       r.replayed ? ", journal replayed" : "");
	if (r.errors == 0) {
		return 0;
	}
	return r.repaired == r.errors ? 1 : 4;
}
