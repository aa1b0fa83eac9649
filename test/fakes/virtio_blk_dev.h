/* SPDX-License-Identifier: MIT */
/*
 * A fake legacy virtio-blk PCI function behind the driver's struct
 * vblk_hw: configuration space on bus 0, the I/O BAR registers, fake
 * physical memory the driver's ring and the tests' buffers live in, and a
 * device model that takes requests from the available ring, checks every
 * descriptor the way a strict device would (failing the test otherwise),
 * reads and writes a RAM disk, and completes them in the order the test
 * asks. ctx is a struct fake_vblk.
 */
#ifndef FAKES_VIRTIO_BLK_DEV_H
#define FAKES_VIRTIO_BLK_DEV_H

#include <stdbool.h>
#include <stdint.h>

#include "disk/virtio_blk.h"

#define FAKE_MEM_PAGES 512
#define FAKE_MEM_BASE 0x100000ul /* physical address of fake page 0 */
#define FAKE_DISK_SECTORS 4096 /* 2 MiB */
#define FAKE_MAX_PENDING 256

struct fake_request {
	uint16_t head; /* ring descriptor */
	uint32_t type;
	uint64_t sector;
	uint32_t npages;
	uint64_t pages[VBLK_MAX_PAGES];
	uint64_t status_pa;
};

struct fake_vblk {
	/* Set up by the test before vblk_init. */
	uint8_t pci_dev, pci_fn; /* where the function is */
	bool multifunction; /* slot pci_dev has functions 1..7 too */
	uint16_t device_id; /* 0x1001 transitional, 0x1042 modern */
	uint32_t bar0; /* I/O BAR: port | 1 */
	uint32_t irq_line;
	uint32_t features; /* offered */
	uint16_t qsize;
	uint32_t alloc_budget; /* pages alloc_pages will still give */
	bool present;
	uint64_t fail_sector; /* a request touching it fails (~0: none) */

	/* Seen by the test. */
	uint32_t command; /* PCI command register */
	uint32_t driver_features;
	uint32_t queue_pfn;
	uint8_t status_log[16]; /* every write to the status register */
	uint32_t nstatus;
	int unmasked_irq; /* -1 until irq_unmask */
	uint32_t fn_probes; /* configuration reads of functions other than 0 */
	uint32_t notifies;
	uint32_t isr_reads;
	uint8_t isr;
	uint32_t done_count;
	uint32_t done_slot[4 * FAKE_MAX_PENDING];
	int done_status[4 * FAKE_MAX_PENDING];

	/* The device's own state. */
	uint16_t last_avail;
	uint16_t used_idx;
	struct fake_request pending[FAKE_MAX_PENDING];
	uint32_t npending;
	uint32_t mem_used; /* pages of mem handed out */
	uint8_t mem[FAKE_MEM_PAGES][4096] __attribute__((aligned(4096)));
	uint8_t disk[FAKE_DISK_SECTORS][512];
};

/* A fresh device with the usual settings at 00:04.0 and its ops table. */
void fake_vblk_reset(struct fake_vblk *f, struct vblk_hw *hw);

/* A page of fake memory for a test buffer: its physical address. */
uint64_t fake_vblk_page(struct fake_vblk *f);

/* The bytes at fake physical address @pa (for @len bytes). */
uint8_t *fake_vblk_mem(struct fake_vblk *f, uint64_t pa, uint32_t len);

/*
 * Complete the pending requests, newest first when @reverse, writing the
 * used ring and raising the ISR. Return: how many.
 */
uint32_t fake_vblk_process(struct fake_vblk *f, bool reverse);

#endif
