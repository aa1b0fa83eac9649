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
 *
 * The driver reaches the machine only through struct vblk_hw, so it runs
 * in host tests against a fake device; the kernel's table is in disk.c.
 * Not locked: the kernel serialises calls, and interrupts are masked in
 * the kernel.
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

/* What the driver needs of the machine. */
struct vblk_hw {
	/* The 32-bit word at @off of function @dev.@fn on PCI bus 0. */
	uint32_t (*pci_read32)(void *ctx, uint8_t dev, uint8_t fn, uint8_t off);
	void (*pci_write32)(void *ctx, uint8_t dev, uint8_t fn, uint8_t off,
			    uint32_t v);
	/* Port I/O of @size (1, 2 or 4) bytes. */
	uint32_t (*io_read)(void *ctx, uint16_t port, int size);
	void (*io_write)(void *ctx, uint16_t port, int size, uint32_t v);
	/* Memory shared with the device is ordered before what follows. */
	void (*barrier)(void *ctx);
	/* Let interrupt line @irq through. */
	void (*irq_unmask)(void *ctx, unsigned irq);
	/*
	 * @n physically contiguous zeroed pages the device may reach, for
	 * good: the kernel address, and the physical one in *@pa; NULL when
	 * there is no memory.
	 */
	void *(*alloc_pages)(void *ctx, uint32_t n, paddr_t *pa);
	/* vblk_interrupt calls this for each request the device completed. */
	void (*done)(void *ctx, uint32_t slot, int status);
	void *ctx;
};

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct vring_desc) == 16, "virtq descriptor");

/* Descriptor flags. */
#define VRING_DESC_F_NEXT 1
#define VRING_DESC_F_WRITE 2 /* the device writes this buffer */
#define VRING_DESC_F_INDIRECT 4

struct virtio_blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct virtio_blk_header) == 16, "virtio-blk header");

/*
 * A request slot's page: its header, its status byte, and its indirect
 * descriptor table (header, pages, status).
 */
struct vblk_slot_page {
	struct virtio_blk_header hdr;
	volatile uint8_t status;
	uint8_t pad[47];
	struct vring_desc table[VBLK_MAX_PAGES + 2];
};
_Static_assert(sizeof(struct vblk_slot_page) <= 4096, "a request fits a page");
_Static_assert(__builtin_offsetof(struct vblk_slot_page, status) == 16 &&
		       __builtin_offsetof(struct vblk_slot_page, table) == 64,
	       "slot page layout");

/* The device. Fields are the driver's; tests may read them. */
struct vblk {
	const struct vblk_hw *hw;
	bool present;
	uint16_t io; /* I/O BAR base */
	uint8_t irq;
	uint16_t qsize;
	uint64_t sectors;
	bool flush; /* the device has a write cache (VIRTIO_BLK_F_FLUSH) */
	struct vring_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[qsize] */
	volatile uint16_t *used; /* flags, idx, then {u32 id, u32 len} */
	uint16_t avail_idx, used_seen;
	struct vblk_slot_page *slot[VBLK_SLOTS];
	paddr_t slot_pa[VBLK_SLOTS];
};

/*
 * vblk_init - find the device on PCI bus 0 through @hw, reset and set it
 * up, unmask its interrupt. On failure @v is not present.
 * Return: 0, EXO_ERR_NOT_FOUND (no usable device; said on the console,
 * with the reason, when one was found but cannot be used: modern-only, no
 * I/O BAR, no interrupt line, no indirect descriptors, read-only, a queue
 * smaller than VBLK_SLOTS, no memory for the ring).
 */
int vblk_init(struct vblk *v, const struct vblk_hw *hw);

/*
 * vblk_start - put request @slot (< VBLK_SLOTS, not in use) on the device:
 * @type at 512-byte @sector over the @npages (<= VBLK_MAX_PAGES) frames
 * @pages (each a full page; none for a flush). The caller has checked
 * everything; this cannot fail. hw->done is called for it later.
 */
void vblk_start(struct vblk *v, uint32_t slot, uint32_t type, uint64_t sector,
		const paddr_t *pages, uint32_t npages);

/*
 * vblk_interrupt - if the interrupt on @irq is the device's, acknowledge
 * it and hand every completed request to hw->done, with 0 or EXO_ERR_IO.
 * Return: whether it was the device's line.
 */
bool vblk_interrupt(struct vblk *v, unsigned irq);

#endif
