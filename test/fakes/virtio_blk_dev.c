/* SPDX-License-Identifier: MIT */
/* The fake virtio-blk device of virtio_blk_dev.h. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <string.h>
#include <cmocka.h>

#include "fakes/virtio_blk_dev.h"

#define IO_BASE 0xc040

static uint32_t pci_read32(void *ctx, uint8_t d, uint8_t fn, uint8_t off)
{
	struct fake_vblk *f = ctx;

	assert_true(d < 32 && fn < 8 && off % 4 == 0);
	if (fn != 0) {
		f->fn_probes++;
	}
	if (!f->present || d != f->pci_dev) {
		return 0xffffffffu;
	}
	if (fn != f->pci_fn) {
		/* Function 0 of a multi-function slot: some other device. */
		if (fn == 0 && f->multifunction) {
			return off == 0x0c ? 0x00800000u
			       : off == 0  ? 0x70008086u
					   : 0;
		}
		return 0xffffffffu;
	}
	switch (off) {
	case 0x00:
		return (uint32_t)f->device_id << 16 | 0x1af4;
	case 0x04:
		return f->command;
	case 0x0c:
		return f->multifunction ? 0x00800000u : 0;
	case 0x10:
		return f->bar0;
	case 0x3c:
		return 0x0100 | f->irq_line;
	default:
		return 0;
	}
}

static void pci_write32(void *ctx, uint8_t d, uint8_t fn, uint8_t off,
			uint32_t v)
{
	struct fake_vblk *f = ctx;

	assert_int_equal(d, f->pci_dev);
	assert_int_equal(fn, f->pci_fn);
	assert_int_equal(off, 0x04); /* only the command register */
	f->command = v;
}

uint8_t *fake_vblk_mem(struct fake_vblk *f, uint64_t pa, uint32_t len)
{
	uint64_t off;

	assert_true(pa >= FAKE_MEM_BASE);
	off = pa - FAKE_MEM_BASE;
	assert_true(off + len <= (uint64_t)f->mem_used * 4096);
	return &f->mem[0][0] + off;
}

uint64_t fake_vblk_page(struct fake_vblk *f)
{
	assert_true(f->mem_used < FAKE_MEM_PAGES);
	return FAKE_MEM_BASE + (uint64_t)f->mem_used++ * 4096;
}

/* The ring, where the driver said it is. */
static uint8_t *ring(struct fake_vblk *f)
{
	return fake_vblk_mem(f, (uint64_t)f->queue_pfn << 12, 4096);
}

static uint32_t used_offset(struct fake_vblk *f)
{
	uint32_t n = f->qsize;

	return (16 * n + 2 * (3 + n) + 4095) & ~4095u;
}

static struct vring_desc desc_at(struct fake_vblk *f, uint64_t pa)
{
	struct vring_desc d;

	memcpy(&d, fake_vblk_mem(f, pa, sizeof(d)), sizeof(d));
	return d;
}

/* Take one request off the available ring, checking every descriptor. */
static void take(struct fake_vblk *f, uint16_t head)
{
	uint64_t ring_pa = (uint64_t)f->queue_pfn << 12;
	struct fake_request *r = &f->pending[f->npending++];
	struct vring_desc d = desc_at(f, ring_pa + 16ul * head), h, s;
	struct virtio_blk_header hdr;
	uint32_t n;

	assert_true(f->npending <= FAKE_MAX_PENDING);
	assert_true(head < f->qsize);
	assert_int_equal(d.flags, VRING_DESC_F_INDIRECT);
	assert_int_equal(d.len % 16, 0);
	n = d.len / 16;
	assert_true(n >= 2 && n <= VBLK_MAX_PAGES + 2);

	h = desc_at(f, d.addr);
	assert_int_equal(h.len, sizeof(hdr));
	assert_int_equal(h.flags, VRING_DESC_F_NEXT);
	assert_int_equal(h.next, 1);
	memcpy(&hdr, fake_vblk_mem(f, h.addr, sizeof(hdr)), sizeof(hdr));
	assert_int_equal(hdr.reserved, 0);
	r->head = head;
	r->type = hdr.type;
	r->sector = hdr.sector;
	r->npages = n - 2;
	assert_true(hdr.type == 0 || hdr.type == 1 || hdr.type == 4);
	if (hdr.type == 4) {
		assert_int_equal(r->npages, 0);
		assert_int_equal(hdr.sector, 0);
	} else {
		assert_true(r->npages >= 1);
	}
	for (uint32_t i = 0; i < r->npages; i++) {
		struct vring_desc p = desc_at(f, d.addr + 16ul * (i + 1));

		assert_int_equal(p.len, 4096);
		assert_int_equal(p.addr % 4096, 0);
		assert_int_equal(
			p.flags,
			VRING_DESC_F_NEXT |
				(hdr.type == 0 ? VRING_DESC_F_WRITE : 0));
		assert_int_equal(p.next, i + 2);
		r->pages[i] = p.addr;
	}
	s = desc_at(f, d.addr + 16ul * (n - 1));
	assert_int_equal(s.len, 1);
	assert_int_equal(s.flags, VRING_DESC_F_WRITE);
	r->status_pa = s.addr;
}

static void notify(struct fake_vblk *f)
{
	uint8_t *rg = ring(f);
	volatile uint16_t *avail = (volatile uint16_t *)(rg + 16 * f->qsize);

	f->notifies++;
	while (f->last_avail != avail[1]) {
		take(f, avail[2 + f->last_avail % f->qsize]);
		f->last_avail++;
	}
}

uint32_t fake_vblk_process(struct fake_vblk *f, bool reverse)
{
	uint8_t *rg = f->npending ? ring(f) : NULL;
	uint32_t n = f->npending;

	for (uint32_t k = 0; k < n; k++) {
		struct fake_request *r = &f->pending[reverse ? n - 1 - k : k];
		volatile uint16_t *used =
			(volatile uint16_t *)(rg + used_offset(f));
		volatile uint32_t *e = (volatile uint32_t *)(used + 2) +
				       2 * (f->used_idx % f->qsize);
		uint8_t status = 0;

		for (uint32_t i = 0; i < r->npages; i++) {
			uint64_t sec = r->sector + 8ul * i;
			uint8_t *p = fake_vblk_mem(f, r->pages[i], 4096);

			if (sec + 8 > FAKE_DISK_SECTORS ||
			    (f->fail_sector >= sec &&
			     f->fail_sector < sec + 8)) {
				status = 1;
				break;
			}
			if (r->type == 0) {
				memcpy(p, f->disk[sec], 4096);
			} else {
				memcpy(f->disk[sec], p, 4096);
			}
		}
		*fake_vblk_mem(f, r->status_pa, 1) = status;
		e[0] = r->head;
		e[1] = r->type == 0 ? 4096 * r->npages + 1 : 1;
		f->used_idx++;
		used[1] = f->used_idx;
	}
	f->npending = 0;
	if (n) {
		f->isr |= 1;
	}
	return n;
}

static uint32_t io_read(void *ctx, uint16_t port, int size)
{
	struct fake_vblk *f = ctx;
	uint16_t reg = (uint16_t)(port - IO_BASE);
	uint32_t v;

	switch (reg) {
	case 0x00:
		assert_int_equal(size, 4);
		return f->features;
	case 0x0c:
		assert_int_equal(size, 2);
		return f->qsize;
	case 0x13:
		assert_int_equal(size, 1);
		f->isr_reads++;
		v = f->isr;
		f->isr = 0;
		return v;
	case 0x14:
		assert_int_equal(size, 4);
		return FAKE_DISK_SECTORS;
	case 0x18:
		assert_int_equal(size, 4);
		return 0;
	default:
		fail_msg("read of I/O register 0x%x", reg);
		return 0;
	}
}

static void io_write(void *ctx, uint16_t port, int size, uint32_t v)
{
	struct fake_vblk *f = ctx;
	uint16_t reg = (uint16_t)(port - IO_BASE);

	switch (reg) {
	case 0x04:
		assert_int_equal(size, 4);
		f->driver_features = v;
		break;
	case 0x08:
		assert_int_equal(size, 4);
		f->queue_pfn = v;
		break;
	case 0x0e:
		assert_int_equal(size, 2);
		assert_int_equal(v, 0);
		break;
	case 0x10:
		assert_int_equal(size, 2);
		assert_int_equal(v, 0);
		notify(f);
		break;
	case 0x12:
		assert_int_equal(size, 1);
		assert_true(f->nstatus < sizeof(f->status_log));
		f->status_log[f->nstatus++] = (uint8_t)v;
		break;
	default:
		fail_msg("write of I/O register 0x%x", reg);
	}
}

static void barrier(void *ctx)
{
}

static void irq_unmask(void *ctx, unsigned irq)
{
	struct fake_vblk *f = ctx;

	f->unmasked_irq = (int)irq;
}

static void *alloc_pages(void *ctx, uint32_t n, paddr_t *pa)
{
	struct fake_vblk *f = ctx;
	uint64_t first;

	if (n > f->alloc_budget || f->mem_used + n > FAKE_MEM_PAGES) {
		return NULL;
	}
	f->alloc_budget -= n;
	first = f->mem_used;
	f->mem_used += n;
	memset(f->mem[first], 0, (size_t)n * 4096);
	*pa = FAKE_MEM_BASE + first * 4096;
	return f->mem[first];
}

static void done(void *ctx, uint32_t slot, int status)
{
	struct fake_vblk *f = ctx;

	assert_true(f->done_count < 4 * FAKE_MAX_PENDING);
	f->done_slot[f->done_count] = slot;
	f->done_status[f->done_count] = status;
	f->done_count++;
}

void fake_vblk_reset(struct fake_vblk *f, struct vblk_hw *hw)
{
	memset(f, 0, offsetof(struct fake_vblk, mem));
	f->pci_dev = 4;
	f->device_id = 0x1001;
	f->bar0 = IO_BASE | 1;
	f->irq_line = 11;
	f->features = 1u << 28 | 1u << 9;
	f->qsize = 256;
	f->alloc_budget = FAKE_MEM_PAGES;
	f->present = true;
	f->fail_sector = ~0ul;
	f->unmasked_irq = -1;
	memset(f->disk, 0, sizeof(f->disk));
	*hw = (struct vblk_hw){
		.pci_read32 = pci_read32,
		.pci_write32 = pci_write32,
		.io_read = io_read,
		.io_write = io_write,
		.barrier = barrier,
		.irq_unmask = irq_unmask,
		.alloc_pages = alloc_pages,
		.done = done,
		.ctx = f,
	};
}
