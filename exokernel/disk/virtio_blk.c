/* SPDX-License-Identifier: MIT */
/*
 * virtio-blk over the legacy PCI interface. References: the virtio 1.0
 * specification, section 4.1.4.8 (legacy interfaces: PCI I/O layout),
 * 2.4 (split virtqueues, with the legacy alignment of 4096) and 5.2
 * (block device).
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "disk/virtio_blk.h"
#include "log/log.h"

#define VIRTIO_VENDOR 0x1af4
#define VIRTIO_BLK_LEGACY 0x1001
#define VIRTIO_BLK_MODERN 0x1042

/* Legacy I/O BAR registers. */
#define R_DEVICE_FEATURES 0x00
#define R_DRIVER_FEATURES 0x04
#define R_QUEUE_PFN 0x08
#define R_QUEUE_SIZE 0x0c
#define R_QUEUE_SELECT 0x0e
#define R_QUEUE_NOTIFY 0x10
#define R_STATUS 0x12
#define R_ISR 0x13
#define R_CONFIG 0x14 /* device config, without MSI-X */

#define S_ACKNOWLEDGE 1
#define S_DRIVER 2
#define S_DRIVER_OK 4
#define S_FAILED 128

#define F_BLK_RO (1u << 5)
#define F_BLK_FLUSH (1u << 9)
#define F_RING_INDIRECT (1u << 28)

/* PCI configuration registers. */
#define PCI_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_HEADER 0x0c
#define PCI_BAR0 0x10
#define PCI_IRQ 0x3c
#define CMD_IO 0x1
#define CMD_MASTER 0x4

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

static uint32_t rd(struct vblk *v, uint16_t reg, int size)
{
	return v->hw->io_read(v->hw->ctx, (uint16_t)(v->io + reg), size);
}

static void wr(struct vblk *v, uint16_t reg, int size, uint32_t val)
{
	v->hw->io_write(v->hw->ctx, (uint16_t)(v->io + reg), size, val);
}

/* Find the first virtio-blk function on bus 0. */
static int find(struct vblk *v, uint8_t *d_out, uint8_t *f_out,
		uint16_t *id_out)
{
	const struct vblk_hw *hw = v->hw;

	for (uint8_t d = 0; d < 32; d++) {
		uint8_t nfn = 1;

		for (uint8_t f = 0; f < nfn; f++) {
			uint32_t id = hw->pci_read32(hw->ctx, d, f, PCI_ID);

			if ((id & 0xffff) == 0xffff) {
				continue;
			}
			if (f == 0 &&
			    (hw->pci_read32(hw->ctx, d, 0, PCI_HEADER) >> 16) &
				    0x80) {
				nfn = 8; /* multi-function */
			}
			if ((id & 0xffff) == VIRTIO_VENDOR &&
			    (id >> 16 == VIRTIO_BLK_LEGACY ||
			     id >> 16 == VIRTIO_BLK_MODERN)) {
				*d_out = d;
				*f_out = f;
				*id_out = (uint16_t)(id >> 16);
				return 0;
			}
		}
	}
	return EXO_ERR_NOT_FOUND;
}

static int refuse(struct vblk *v, const char *why)
{
	log_warn("disk", "virtio-blk unusable: %s", why);
	if (v->io) {
		wr(v, R_STATUS, 1, S_FAILED);
	}
	v->present = false;
	return EXO_ERR_NOT_FOUND;
}

/* The ring: descriptors, available ring, then the used ring on a page. */
static int ring_alloc(struct vblk *v)
{
	uint32_t n = v->qsize;
	uint32_t used_off = align_up(16 * n + 2 * (3 + n), 4096);
	uint32_t bytes = used_off + align_up(2 * 3 + 8 * n, 4096);
	paddr_t pa;
	uint8_t *va;

	va = v->hw->alloc_pages(v->hw->ctx, bytes / 4096, &pa);
	if (!va) {
		return EXO_ERR_NO_MEMORY;
	}
	v->desc = (struct vring_desc *)va;
	v->avail = (volatile uint16_t *)(va + 16 * n);
	v->used = (volatile uint16_t *)(va + used_off);
	for (uint32_t i = 0; i < VBLK_SLOTS; i++) {
		v->slot[i] = v->hw->alloc_pages(v->hw->ctx, 1, &v->slot_pa[i]);
		if (!v->slot[i]) {
			return EXO_ERR_NO_MEMORY;
		}
	}
	wr(v, R_QUEUE_PFN, 4, (uint32_t)(pa >> 12));
	return 0;
}

int vblk_init(struct vblk *v, const struct vblk_hw *hw)
{
	uint8_t d, f;
	uint16_t id;
	uint32_t bar, features, cmd, irq;

	memset(v, 0, sizeof(*v));
	v->hw = hw;
	if (find(v, &d, &f, &id)) {
		log_info("disk", "no virtio-blk device on PCI bus 0");
		return EXO_ERR_NOT_FOUND;
	}
	if (id == VIRTIO_BLK_MODERN) {
		return refuse(v, "a modern-only device (no legacy I/O BAR)");
	}
	bar = hw->pci_read32(hw->ctx, d, f, PCI_BAR0);
	if (!(bar & 1) || !(bar & 0xfffc)) {
		return refuse(v, "BAR0 is not an I/O BAR");
	}
	v->io = (uint16_t)(bar & 0xfffc);
	irq = hw->pci_read32(hw->ctx, d, f, PCI_IRQ) & 0xff;
	if (irq == 0 || irq > 15 || irq == 2) {
		return refuse(v, "no usable legacy interrupt line");
	}
	v->irq = (uint8_t)irq;
	cmd = hw->pci_read32(hw->ctx, d, f, PCI_COMMAND);
	hw->pci_write32(hw->ctx, d, f, PCI_COMMAND,
			(cmd & 0xffff) | CMD_IO | CMD_MASTER);

	wr(v, R_STATUS, 1, 0); /* reset */
	wr(v, R_STATUS, 1, S_ACKNOWLEDGE);
	wr(v, R_STATUS, 1, S_ACKNOWLEDGE | S_DRIVER);
	features = rd(v, R_DEVICE_FEATURES, 4);
	if (!(features & F_RING_INDIRECT)) {
		return refuse(v, "no indirect descriptors");
	}
	if (features & F_BLK_RO) {
		return refuse(v, "the device is read-only");
	}
	v->flush = (features & F_BLK_FLUSH) != 0;
	wr(v, R_DRIVER_FEATURES, 4, F_RING_INDIRECT | (features & F_BLK_FLUSH));

	wr(v, R_QUEUE_SELECT, 2, 0);
	v->qsize = (uint16_t)rd(v, R_QUEUE_SIZE, 2);
	if (v->qsize < VBLK_SLOTS || (v->qsize & (v->qsize - 1))) {
		return refuse(v, "queue 0 is too small");
	}
	if (ring_alloc(v)) {
		return refuse(v, "no memory for the ring");
	}
	v->sectors = (uint64_t)rd(v, R_CONFIG, 4) |
		     (uint64_t)rd(v, R_CONFIG + 4, 4) << 32;
	wr(v, R_STATUS, 1, S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
	v->present = true;
	hw->irq_unmask(hw->ctx, v->irq);
	log_info("disk",
		 "virtio-blk at 00:%02x.%u, I/O 0x%x, IRQ %u, queue %u, "
		 "%lu sectors (%lu KiB)%s",
		 d, f, v->io, v->irq, v->qsize, (unsigned long)v->sectors,
		 (unsigned long)(v->sectors / 2),
		 v->flush ? ", write cache" : "");
	return 0;
}

void vblk_start(struct vblk *v, uint32_t slot, uint32_t type, uint64_t sector,
		const paddr_t *pages, uint32_t npages)
{
	struct vblk_slot_page *s = v->slot[slot];
	paddr_t spa = v->slot_pa[slot];
	uint16_t data_flags = VRING_DESC_F_NEXT;
	uint32_t n = 0;
	uint16_t idx;

	if (type == VBLK_T_IN) {
		data_flags |= VRING_DESC_F_WRITE;
	}
	s->hdr.type = type;
	s->hdr.reserved = 0;
	s->hdr.sector = type == VBLK_T_FLUSH ? 0 : sector;
	s->status = 0xff;
	s->table[n++] = (struct vring_desc){ spa, sizeof(s->hdr),
					     VRING_DESC_F_NEXT, 1 };
	for (uint32_t i = 0; i < npages; i++, n++) {
		s->table[n] = (struct vring_desc){ pages[i], 4096, data_flags,
						   (uint16_t)(n + 1) };
	}
	s->table[n++] = (struct vring_desc){
		spa + __builtin_offsetof(struct vblk_slot_page, status), 1,
		VRING_DESC_F_WRITE, 0
	};

	/* Ring descriptor @slot is always request slot @slot's. */
	v->desc[slot] = (struct vring_desc){
		spa + __builtin_offsetof(struct vblk_slot_page, table),
		(uint32_t)(n * sizeof(struct vring_desc)),
		VRING_DESC_F_INDIRECT, 0
	};
	idx = v->avail_idx++;
	v->avail[2 + idx % v->qsize] = (uint16_t)slot;
	v->hw->barrier(v->hw->ctx);
	v->avail[1] = v->avail_idx;
	v->hw->barrier(v->hw->ctx);
	wr(v, R_QUEUE_NOTIFY, 2, 0);
}

bool vblk_interrupt(struct vblk *v, unsigned irq)
{
	if (!v->present || irq != v->irq) {
		return false;
	}
	/* Reading the ISR acknowledges it and lowers the line. */
	(void)rd(v, R_ISR, 1);
	v->hw->barrier(v->hw->ctx);
	while (v->used_seen != v->used[1]) {
		const volatile uint32_t *e =
			(const volatile uint32_t *)(v->used + 2) +
			2 * (v->used_seen % v->qsize);
		uint32_t slot = e[0];

		v->used_seen++;
		if (slot >= VBLK_SLOTS) {
			log_error("disk", "device completed unknown slot %u",
				  slot);
			continue;
		}
		v->hw->done(v->hw->ctx, slot,
			    v->slot[slot]->status == 0 ? 0 : EXO_ERR_IO);
	}
	return true;
}
