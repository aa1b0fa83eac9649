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

#include <arch/mmu.h>
#include <arch/pci.h>
#include <exo/errors.h>

#include "disk/virtio_blk.h"
#include "log/log.h"
#include "mm/kmem.h"

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

#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

/* PCI configuration registers. */
#define PCI_ID 0x00
#define PCI_COMMAND 0x04
#define PCI_HEADER 0x0c
#define PCI_BAR0 0x10
#define PCI_IRQ 0x3c
#define CMD_IO 0x1
#define CMD_MASTER 0x4

struct vring_desc {
	uint64_t addr;
	uint32_t len;
	uint16_t flags;
	uint16_t next;
};
_Static_assert(sizeof(struct vring_desc) == 16, "virtq descriptor");

struct blk_header {
	uint32_t type;
	uint32_t reserved;
	uint64_t sector;
};
_Static_assert(sizeof(struct blk_header) == 16, "virtio-blk header");

/*
 * A request slot's page: its header, its status byte, and its indirect
 * descriptor table (header, pages, status).
 */
struct slot_page {
	struct blk_header hdr;
	volatile uint8_t status;
	uint8_t pad[47];
	struct vring_desc table[VBLK_MAX_PAGES + 2];
};
_Static_assert(sizeof(struct slot_page) <= 4096, "a request fits a page");

static struct {
	bool present;
	uint16_t io;
	uint8_t irq;
	uint16_t qsize;
	uint64_t sectors;
	bool flush;
	struct vring_desc *desc;
	volatile uint16_t *avail; /* flags, idx, ring[qsize] */
	volatile uint16_t *used; /* flags, idx, then {u32 id, u32 len} */
	uint16_t avail_idx, used_seen;
	struct slot_page *slot[VBLK_SLOTS];
	paddr_t slot_pa[VBLK_SLOTS];
} dev;

static uint32_t align_up(uint32_t v, uint32_t a)
{
	return (v + a - 1) & ~(a - 1);
}

/* Find the first virtio-blk function on bus 0. */
static int find(uint8_t *d_out, uint8_t *f_out, uint16_t *id_out)
{
	for (uint8_t d = 0; d < 32; d++) {
		uint8_t nfn = 1;

		for (uint8_t f = 0; f < nfn; f++) {
			uint32_t id = arch_pci_read32(0, d, f, PCI_ID);

			if ((id & 0xffff) == 0xffff) {
				continue;
			}
			if (f == 0 &&
			    (arch_pci_read32(0, d, 0, PCI_HEADER) >> 16) & 0x80) {
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

static int refuse(const char *why)
{
	log_warn("disk", "virtio-blk unusable: %s", why);
	if (dev.io) {
		arch_io_write8(dev.io + R_STATUS, S_FAILED);
	}
	dev.io = 0;
	return EXO_ERR_NOT_FOUND;
}

/* The ring: descriptors, available ring, then the used ring on a page. */
static int ring_alloc(void)
{
	uint32_t n = dev.qsize;
	uint32_t used_off = align_up(16 * n + 2 * (3 + n), 4096);
	uint32_t bytes = used_off + align_up(2 * 3 + 8 * n, 4096);
	paddr_t pa;
	uint8_t *va;

	if (frame_alloc_contig(&kframes, bytes / 4096, 1, FRAME_OWNER_KERNEL,
			       &pa)) {
		return EXO_ERR_NO_MEMORY;
	}
	va = phys_to_virt(pa);
	memset(va, 0, bytes);
	dev.desc = (struct vring_desc *)va;
	dev.avail = (volatile uint16_t *)(va + 16 * n);
	dev.used = (volatile uint16_t *)(va + used_off);
	for (uint32_t i = 0; i < VBLK_SLOTS; i++) {
		if (kframe_alloc_zeroed(FRAME_OWNER_KERNEL, &dev.slot_pa[i])) {
			return EXO_ERR_NO_MEMORY;
		}
		dev.slot[i] = phys_to_virt(dev.slot_pa[i]);
	}
	arch_io_write32(dev.io + R_QUEUE_PFN, (uint32_t)(pa >> 12));
	return 0;
}

int vblk_init(void)
{
	uint8_t d, f;
	uint16_t id;
	uint32_t bar, features, cmd;
	int err;

	if (find(&d, &f, &id)) {
		log_info("disk", "no virtio-blk device on PCI bus 0");
		return EXO_ERR_NOT_FOUND;
	}
	if (id == VIRTIO_BLK_MODERN) {
		return refuse("a modern-only device (no legacy I/O BAR)");
	}
	bar = arch_pci_read32(0, d, f, PCI_BAR0);
	if (!(bar & 1)) {
		return refuse("BAR0 is not an I/O BAR");
	}
	dev.io = (uint16_t)(bar & 0xfffc);
	dev.irq = (uint8_t)arch_pci_read32(0, d, f, PCI_IRQ);
	if (dev.irq == 0 || dev.irq > 15 || dev.irq == 2) {
		return refuse("no usable legacy interrupt line");
	}
	cmd = arch_pci_read32(0, d, f, PCI_COMMAND);
	arch_pci_write32(0, d, f, PCI_COMMAND,
			 (cmd & 0xffff) | CMD_IO | CMD_MASTER);

	arch_io_write8(dev.io + R_STATUS, 0); /* reset */
	arch_io_write8(dev.io + R_STATUS, S_ACKNOWLEDGE);
	arch_io_write8(dev.io + R_STATUS, S_ACKNOWLEDGE | S_DRIVER);
	features = arch_io_read32(dev.io + R_DEVICE_FEATURES);
	if (!(features & F_RING_INDIRECT)) {
		return refuse("no indirect descriptors");
	}
	if (features & F_BLK_RO) {
		return refuse("the device is read-only");
	}
	dev.flush = (features & F_BLK_FLUSH) != 0;
	arch_io_write32(dev.io + R_DRIVER_FEATURES,
			F_RING_INDIRECT | (features & F_BLK_FLUSH));

	arch_io_write16(dev.io + R_QUEUE_SELECT, 0);
	dev.qsize = arch_io_read16(dev.io + R_QUEUE_SIZE);
	if (dev.qsize < VBLK_SLOTS || (dev.qsize & (dev.qsize - 1))) {
		return refuse("queue 0 is too small");
	}
	err = ring_alloc();
	if (err) {
		return refuse("no memory for the ring");
	}
	dev.sectors = (uint64_t)arch_io_read32(dev.io + R_CONFIG) |
		      (uint64_t)arch_io_read32(dev.io + R_CONFIG + 4) << 32;
	arch_io_write8(dev.io + R_STATUS,
		       S_ACKNOWLEDGE | S_DRIVER | S_DRIVER_OK);
	dev.present = true;
	arch_irq_unmask(dev.irq);
	log_info("disk",
		 "virtio-blk at 00:%02x.%u, I/O 0x%x, IRQ %u, queue %u, "
		 "%lu sectors (%lu KiB)%s",
		 d, f, dev.io, dev.irq, dev.qsize, (unsigned long)dev.sectors,
		 (unsigned long)(dev.sectors / 2),
		 dev.flush ? ", write cache" : "");
	return 0;
}

uint64_t vblk_sectors(void)
{
	return dev.present ? dev.sectors : 0;
}

bool vblk_has_flush(void)
{
	return dev.flush;
}

void vblk_start(uint32_t slot, uint32_t type, uint64_t sector,
		const paddr_t *pages, uint32_t npages)
{
	struct slot_page *s = dev.slot[slot];
	paddr_t spa = dev.slot_pa[slot];
	uint32_t n = 0;
	uint16_t idx;

	s->hdr.type = type;
	s->hdr.reserved = 0;
	s->hdr.sector = type == VBLK_T_FLUSH ? 0 : sector;
	s->status = 0xff;
	s->table[n++] = (struct vring_desc){ spa, sizeof(s->hdr), D_NEXT, 1 };
	for (uint32_t i = 0; i < npages; i++, n++) {
		s->table[n] = (struct vring_desc){
			pages[i], 4096,
			(uint16_t)(D_NEXT | (type == VBLK_T_IN ? D_WRITE : 0)),
			(uint16_t)(n + 1)
		};
	}
	s->table[n++] = (struct vring_desc){
		spa + __builtin_offsetof(struct slot_page, status), 1, D_WRITE,
		0
	};

	/* Ring descriptor @slot is always request slot @slot's. */
	dev.desc[slot] = (struct vring_desc){
		spa + __builtin_offsetof(struct slot_page, table),
		(uint32_t)(n * sizeof(struct vring_desc)), D_INDIRECT, 0
	};
	idx = dev.avail_idx++;
	dev.avail[2 + idx % dev.qsize] = (uint16_t)slot;
	arch_dma_barrier();
	dev.avail[1] = dev.avail_idx;
	arch_dma_barrier();
	arch_io_write16(dev.io + R_QUEUE_NOTIFY, 0);
}

bool vblk_interrupt(unsigned irq)
{
	if (!dev.present || irq != dev.irq) {
		return false;
	}
	/* Reading the ISR acknowledges it and lowers the line. */
	(void)arch_io_read8(dev.io + R_ISR);
	arch_dma_barrier();
	while (dev.used_seen != dev.used[1]) {
		const volatile uint32_t *e =
			(const volatile uint32_t *)(dev.used + 2) +
			2 * (dev.used_seen % dev.qsize);
		uint32_t slot = e[0];

		dev.used_seen++;
		if (slot >= VBLK_SLOTS) {
			log_error("disk", "device completed unknown slot %u",
				  slot);
			continue;
		}
		vblk_done(slot, dev.slot[slot]->status == 0 ? 0 : EXO_ERR_IO);
	}
	return true;
}
