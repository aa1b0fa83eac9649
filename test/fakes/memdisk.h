/* SPDX-License-Identifier: MIT */
/*
 * A block device in memory for host tests: optionally records every write
 * and flush (for the crash harness) and fails writes on request (for I/O
 * error paths).
 */
#ifndef TEST_FAKES_MEMDISK_H
#define TEST_FAKES_MEMDISK_H

#include <stddef.h>
#include <stdint.h>

#include <libos/blockdev.h>

#define MEMDISK_WRITE 1
#define MEMDISK_FLUSH 2

/* One recorded request; a write's data is at data_off in the blob. */
struct memdisk_op {
	uint32_t kind; /* MEMDISK_WRITE or MEMDISK_FLUSH */
	uint32_t count;
	uint64_t block;
	size_t data_off;
};

struct memdisk {
	struct blockdev bd;
	uint8_t *data;
	int recording;
	struct memdisk_op *ops;
	size_t nops, ops_cap;
	uint8_t *blob;
	size_t blob_len, blob_cap;
	int64_t writes_left; /* < 0: never fail; else writes until EXO_ERR_IO */
	uint64_t reads, writes, flushes;
};

/* A zeroed disk of @nblocks blocks (freed with memdisk_free). */
struct memdisk *memdisk_new(uint64_t nblocks);
void memdisk_free(struct memdisk *d);

/* Start recording writes and flushes from now (the log is emptied). */
void memdisk_record(struct memdisk *d);

/* Apply recorded write @i to @image (nblocks * 4096 bytes). */
void memdisk_apply(const struct memdisk *d, size_t i, uint8_t *image);

#endif
