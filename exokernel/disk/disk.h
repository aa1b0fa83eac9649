/* SPDX-License-Identifier: MIT */
/*
 * Disk extents and requests: the secure binding between environments and
 * the blocks of the disk. The kernel gives init a root extent capability
 * over the whole disk (disk_give_root); init carves it with disk_derive.
 * Every request is checked against the caller's extent, its buffer pages
 * are pinned (a frame reference each) and handed to the driver as they
 * are, and the completion is recorded for the environment and announced
 * with EXO_NOTIFY_DISK. The system calls are in docs/syscalls.md.
 */
#ifndef DISK_DISK_H
#define DISK_DISK_H

#include <stdbool.h>

#include "env/env.h"

/* disk_init - bring up the device, if there is one. */
void disk_init(void);

/*
 * disk_give_root - put a root extent capability over the whole disk, with
 * EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, in the first free slot of @e
 * (init: slot 0). Nothing to do without a disk.
 * Return: the slot, EXO_ERR_NOT_FOUND (no disk), or cap_create_extent's
 * errors.
 */
int disk_give_root(struct env *e);

/*
 * disk_busy - requests are on the device: the frames they pin come back
 * when it completes them, so the run may not end yet, and a system where
 * every environment is blocked is waiting for the disk, not deadlocked.
 */
bool disk_busy(void);

#endif
