/* SPDX-License-Identifier: MIT */
/*
 * The virtio-blk driver: the legacy (virtio 0.9.5) I/O-port interface of
 * a transitional virtio-blk PCI function (vendor 0x1af4, device 0x1001),
 * as QEMU's `-drive if=virtio` provides on the i440fx `pc` machine. Only
 * bus 0 is searched, which is where that machine puts it.
 *
 * Mechanism only: one virtqueue in kernel frames, one request per ring
 * descriptor (an indirect table holds its header, data pages and status),
 * completions taken from the used ring on the device's interrupt (its
 * INTx line, routed through the 8259 PIC). No cache, no reordering, no
 * queue beyond the ring: whoever submits chooses the order.
 */
#ifndef DISK_VIRTIO_BLK_H
#define DISK_VIRTIO_BLK_H

#include <stdbool.h>
#include <stdint.h>

#include "mm/frame.h"

/* Requests that can be on the device at once (request slots). */
#define VBLK_SLOTS 64
/* Data pages one request may name (its indirect table has room). */
#define VBLK_MAX_PAGES 32

/* Request types, as the device spells them. */
#define VBLK_T_IN 0 /* read: device -> memory */
#define VBLK_T_OUT 1 /* write: memory -> device */
#define VBLK_T_FLUSH 4

/*
 * vblk_init - find the device on PCI bus 0, reset and set it up, unmask
 * its interrupt. Return: 0, EXO_ERR_NOT_FOUND (no usable device; said on
 * the console when one was found but cannot be used), EXO_ERR_NO_MEMORY.
 */
int vblk_init(void);

/* The device's size in 512-byte sectors (0 when there is none). */
uint64_t vblk_sectors(void);

/* Whether the device has a write cache that VBLK_T_FLUSH empties. */
bool vblk_has_flush(void);

/*
 * vblk_start - put request @slot (< VBLK_SLOTS, not in use) on the device:
 * @type at 512-byte @sector over the @npages frames @pages (each a full
 * page; none for a flush). The caller has checked everything; this cannot
 * fail. vblk_done is called for it later.
 */
void vblk_start(uint32_t slot, uint32_t type, uint64_t sector,
		const paddr_t *pages, uint32_t npages);

/*
 * vblk_interrupt - if the interrupt on @irq is the device's, acknowledge
 * it and hand every completed request to vblk_done. Return: whether it
 * was the device's line.
 */
bool vblk_interrupt(unsigned irq);

/* Provided by the caller: request @slot ended with @status (0, EXO_ERR_IO). */
void vblk_done(uint32_t slot, int status);

#endif
