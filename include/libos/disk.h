/* SPDX-License-Identifier: MIT */
/*
 * The libOS block device over a disk extent capability (docs/disk.md).
 *
 * An extent is a range of the disk the kernel lets this environment use;
 * init grants one to a program whose manifest line says `disk=...`, and
 * the kernel gives init the whole disk. Blocks are numbered from the start
 * of the extent.
 *
 * Two faces:
 *  - struct disk embeds a struct blockdev (<libos/blockdev.h>): read,
 *    write and flush that return when the request is done. A transfer is
 *    cut into requests of EXO_DISK_MAX_BLOCKS blocks, DISK_DEPTH of them
 *    on the device at once. A page-aligned buffer goes to and from the
 *    device as it is (no copy); any other buffer is staged through pages
 *    of the library's own (a copy).
 *  - disk_submit / disk_wait / disk_poll: requests the caller keeps in
 *    flight itself, completions collected by tag.
 * Both touch every page of a buffer before handing it to the kernel (a
 * write for reads), so memory the pager has not filled in yet, or shares
 * copy-on-write, is made present and private first; a buffer that is not
 * valid memory therefore faults in the caller, as memcpy would.
 * Waiting sleeps in ipc_recv until the kernel's EXO_NOTIFY_DISK
 * notification; IPC calls that arrive meanwhile are refused with
 * EXO_ERR_BUSY. Not thread-safe. The library collects this environment's
 * completions itself: a program that also calls exo_disk_submit or
 * exo_disk_complete directly may see its completions taken by the other
 * side.
 */
#ifndef LIBOS_DISK_H
#define LIBOS_DISK_H

#include <stdint.h>

#include <exo/abi.h>
#include <libos/blockdev.h>

/* Requests a synchronous transfer keeps on the device at once. */
#define DISK_DEPTH 8

/* Tags of disk_submit must leave this bit clear (the library's own). */
#define DISK_TAG_LIBRARY (1ul << 63)

/* Where the staging pages for unaligned buffers live. */
#define DISK_STAGING_VA 0x0000480000000000ul

struct disk {
	struct blockdev bd; /* first: nblocks is the extent's length */
	int64_t slot; /* the extent capability */
	uint64_t start; /* the extent's first block on the device */
	uint32_t rights; /* EXO_CAP_R, EXO_CAP_W, EXO_CAP_GRANT */
};

/*
 * disk_extent - the slot of the first disk extent capability this
 * environment holds (the one init granted it, or init's whole disk).
 * Return: the slot, or EXO_ERR_NOT_FOUND.
 */
int64_t disk_extent(void);

/*
 * disk_open - make @d the block device over extent capability @slot.
 * Return: 0, or disk_info's errors: EXO_ERR_INVALID (@slot out of range
 * or not an extent), EXO_ERR_NOT_FOUND (empty slot).
 */
int disk_open(struct disk *d, int64_t slot);

/*
 * disk_submit - start one request: @op (EXO_DISK_READ, EXO_DISK_WRITE or
 * EXO_DISK_FLUSH) of @count blocks at @block of the extent, straight to
 * or from @buf (page-aligned; @block, @count and @buf 0 for a flush). Its
 * completion carries @tag.
 * Return: 0, EXO_ERR_INVALID (@tag has DISK_TAG_LIBRARY, bad @op, the
 * range leaves the extent), or disk_submit's errors (docs/syscalls.md):
 * EXO_ERR_ALIGN, EXO_ERR_FAULT, EXO_ERR_TOO_BIG, EXO_ERR_DENIED,
 * EXO_ERR_LIMIT (EXO_DISK_QUEUE requests outstanding), EXO_ERR_BUSY (the
 * device's ring is full).
 */
int disk_submit(struct disk *d, uint32_t op, uint64_t block, uint32_t count,
		void *buf, uint64_t tag);

/*
 * disk_wait - wait for the next completion of a disk_submit request and
 * copy it to @out (status 0 or EXO_ERR_IO).
 * Return: 0, or EXO_ERR_STATE (nothing of disk_submit's is outstanding).
 */
int disk_wait(struct exo_disk_completion *out);

/* disk_poll - disk_wait without waiting. Return: 1 (got one) or 0. */
int disk_poll(struct exo_disk_completion *out);

#endif
