/* SPDX-License-Identifier: MIT */
/*
 * Disk requests. A request is checked completely before anything
 * changes: the extent capability and its rights, the range inside the
 * extent, every page of the buffer (mapped, user, writable when the
 * device writes it), the caller's queue and a free request slot. Only
 * then are the frames pinned and the request started.
 *
 * Lifetime: the pinned frames are released when the device completes the
 * request, whatever happened meanwhile. If the caller unmapped or freed
 * the buffer, or ended, the frames stay allocated until then (frame_free
 * says BUSY), so the device never writes a frame that changed hands. A
 * completion for an environment that ended is dropped. Revoking an extent
 * stops new requests; requests already on the device complete and their
 * completions are delivered.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <arch/mmu.h>
#include <arch/pci.h>
#include <exo/abi.h>
#include <exo/errors.h>

#include "cap/cap.h"
#include "disk/disk.h"
#include "disk/virtio_blk.h"
#include "env/env.h"
#include "ipc/ipc.h"
#include "log/log.h"
#include "mm/kmem.h"
#include "syscall/syscall.h"
#include "vm/vm.h"

#define SECTORS_PER_BLOCK (EXO_DISK_BLOCK / 512)

_Static_assert(EXO_DISK_MAX_BLOCKS <= VBLK_MAX_PAGES,
	       "a request's pages fit its descriptor table");
_Static_assert(EXO_DISK_BLOCK == EXO_PAGE_SIZE, "a block is a page");

struct request {
	bool busy;
	exo_envid_t owner;
	uint64_t tag;
	uint32_t npages;
	paddr_t pages[EXO_DISK_MAX_BLOCKS];
};

/* One environment's requests: in flight, and completed but uncollected. */
struct client {
	exo_envid_t id; /* the environment this describes; stale otherwise */
	uint32_t inflight;
	uint32_t ndone;
	struct exo_disk_completion done[EXO_DISK_QUEUE];
};

static struct vblk dev;
static bool present;
static uint64_t device_blocks;
static struct request reqs[VBLK_SLOTS];
static uint32_t nbusy;
static struct client clients[NENV];

static struct client *client_of(struct env *e)
{
	struct client *c = &clients[e->id % NENV];

	if (c->id != e->id) {
		/* The slot's last user ended: its records went with it. */
		c->id = e->id;
		c->inflight = 0;
		c->ndone = 0;
	}
	return c;
}

/* The machine, for the driver. */

static uint32_t hw_pci_read32(void *ctx, uint8_t d, uint8_t f, uint8_t off)
{
	return arch_pci_read32(0, d, f, off);
}

static void hw_pci_write32(void *ctx, uint8_t d, uint8_t f, uint8_t off,
			   uint32_t v)
{
	arch_pci_write32(0, d, f, off, v);
}

static uint32_t hw_io_read(void *ctx, uint16_t port, int size)
{
	return size == 1   ? arch_io_read8(port)
	       : size == 2 ? arch_io_read16(port)
			   : arch_io_read32(port);
}

static void hw_io_write(void *ctx, uint16_t port, int size, uint32_t v)
{
	if (size == 1) {
		arch_io_write8(port, (uint8_t)v);
	} else if (size == 2) {
		arch_io_write16(port, (uint16_t)v);
	} else {
		arch_io_write32(port, v);
	}
}

static void hw_barrier(void *ctx)
{
	arch_dma_barrier();
}

static void hw_irq_unmask(void *ctx, unsigned irq)
{
	arch_irq_unmask(irq);
}

static void *hw_alloc_pages(void *ctx, uint32_t n, paddr_t *pa)
{
	void *va;

	if (frame_alloc_contig(&kframes, n, 1, FRAME_OWNER_KERNEL, pa)) {
		return NULL;
	}
	va = phys_to_virt(*pa);
	memset(va, 0, (size_t)n * FRAME_SIZE);
	return va;
}

static void request_done(void *ctx, uint32_t slot, int status);

static const struct vblk_hw kernel_hw = {
	.pci_read32 = hw_pci_read32,
	.pci_write32 = hw_pci_write32,
	.io_read = hw_io_read,
	.io_write = hw_io_write,
	.barrier = hw_barrier,
	.irq_unmask = hw_irq_unmask,
	.alloc_pages = hw_alloc_pages,
	.done = request_done,
};

void disk_init(void)
{
	if (vblk_init(&dev, &kernel_hw)) {
		return;
	}
	device_blocks = dev.sectors / SECTORS_PER_BLOCK;
	present = device_blocks != 0;
}

int disk_give_root(struct env *e)
{
	if (!present) {
		return EXO_ERR_NOT_FOUND;
	}
	return cap_create_extent(&kcaps, e->id,
				 EXO_CAP_R | EXO_CAP_W | EXO_CAP_GRANT, 0,
				 device_blocks);
}

bool disk_busy(void)
{
	return nbusy != 0;
}

void kernel_irq(unsigned irq)
{
	if (!vblk_interrupt(&dev, irq)) {
		log_warn("trap", "unexpected IRQ %u", irq);
	}
}

/* Record @status for @r's owner, if it is still there, and notify it. */
static void complete(struct request *r, int status)
{
	struct env *e = env_lookup(r->owner);
	struct client *c;

	if (!e) {
		log_info("disk", "a request of ended environment %x completed",
			 r->owner);
		return;
	}
	c = client_of(e);
	c->inflight--;
	c->done[c->ndone].tag = r->tag;
	c->done[c->ndone].status = status;
	c->ndone++;
	ipc_notify(e, EXO_NOTIFY_DISK);
}

static void request_done(void *ctx, uint32_t slot, int status)
{
	struct request *r = &reqs[slot];

	if (!r->busy) {
		log_error("disk", "completion for idle request slot %u", slot);
		return;
	}
	for (uint32_t i = 0; i < r->npages; i++) {
		frame_unref(&kframes, r->pages[i]);
	}
	r->busy = false;
	nbusy--;
	complete(r, status);
}

int64_t sys_disk_info(uint64_t slot, uint64_t uinfo, uint64_t a2, uint64_t a3,
		      uint64_t a4, uint64_t a5)
{
	struct exo_disk_info info;
	struct cap *c;
	int err = cap_lookup(&kcaps, curenv->id, (int64_t)slot, EXO_CAP_DISK, 0,
			     &c);

	if (err) {
		return err;
	}
	info.start = c->object;
	info.blocks = c->length;
	info.rights = c->rights;
	info.block_size = EXO_DISK_BLOCK;
	info.device_blocks = device_blocks;
	return copy_to_user(curenv, uinfo, &info, sizeof(info));
}

int64_t sys_disk_derive(uint64_t slot, uint64_t to_id, uint64_t off,
			uint64_t count, uint64_t rights, uint64_t a5)
{
	struct env *to = env_resolve(curenv, (exo_envid_t)to_id);

	if (!to) {
		return EXO_ERR_NOT_FOUND;
	}
	if (rights & ~(uint64_t)EXO_CAP_ALL) {
		return EXO_ERR_INVALID;
	}
	return cap_derive_extent(&kcaps, curenv->id, (int64_t)slot, to->id, off,
				 count, (uint16_t)rights);
}

int64_t sys_disk_submit(uint64_t slot, uint64_t op, uint64_t block,
			uint64_t count, uint64_t ubuf, uint64_t tag)
{
	static paddr_t pages[EXO_DISK_MAX_BLOCKS];
	struct client *cl;
	struct request *r = NULL;
	struct cap *c;
	uint32_t type, s;
	int err;

	/* Check everything; nothing changes until the commit below. */
	switch (op) {
	case EXO_DISK_READ:
		type = VBLK_T_IN;
		break;
	case EXO_DISK_WRITE:
		type = VBLK_T_OUT;
		break;
	case EXO_DISK_FLUSH:
		type = VBLK_T_FLUSH;
		break;
	default:
		return EXO_ERR_INVALID;
	}
	err = cap_lookup(&kcaps, curenv->id, (int64_t)slot, EXO_CAP_DISK,
			 op == EXO_DISK_READ ? EXO_CAP_R : EXO_CAP_W, &c);
	if (err) {
		return err;
	}
	if (op == EXO_DISK_FLUSH) {
		if (block || count || ubuf) {
			return EXO_ERR_INVALID;
		}
	} else {
		if (count > EXO_DISK_MAX_BLOCKS) {
			return EXO_ERR_TOO_BIG;
		}
		err = cap_extent_check(c, block, count);
		if (err) {
			return err;
		}
		if (ubuf & (EXO_PAGE_SIZE - 1)) {
			return EXO_ERR_ALIGN;
		}
		for (uint64_t i = 0; i < count; i++) {
			const struct frame *f;

			err = vm_user_frame(curenv, ubuf + i * EXO_PAGE_SIZE,
					    op == EXO_DISK_READ, &pages[i]);
			if (err) {
				return err;
			}
			f = frame_lookup(&kframes, pages[i]);
			if (!f || f->state != FRAME_USED ||
			    f->refcount >= UINT16_MAX - EXO_DISK_MAX_BLOCKS) {
				return EXO_ERR_LIMIT;
			}
		}
	}
	cl = client_of(curenv);
	if (cl->inflight + cl->ndone >= EXO_DISK_QUEUE) {
		return EXO_ERR_LIMIT;
	}
	for (s = 0; s < VBLK_SLOTS; s++) {
		if (!reqs[s].busy) {
			r = &reqs[s];
			break;
		}
	}
	if (!r) {
		return EXO_ERR_BUSY;
	}

	/* Commit: nothing below can fail. */
	cl->inflight++;
	if (op == EXO_DISK_FLUSH && !dev.flush) {
		/* No write cache: completed writes are durable already. */
		struct request now = { .owner = curenv->id, .tag = tag };

		complete(&now, 0);
		return 0;
	}
	r->busy = true;
	r->owner = curenv->id;
	r->tag = tag;
	r->npages = op == EXO_DISK_FLUSH ? 0 : (uint32_t)count;
	for (uint32_t i = 0; i < r->npages; i++) {
		r->pages[i] = pages[i];
		frame_ref(&kframes, pages[i]);
	}
	nbusy++;
	vblk_start(&dev, s, type, (c->object + block) * SECTORS_PER_BLOCK,
		   r->pages, r->npages);
	return 0;
}

int64_t sys_disk_complete(uint64_t ubuf, uint64_t max, uint64_t a2, uint64_t a3,
			  uint64_t a4, uint64_t a5)
{
	struct client *cl = client_of(curenv);
	uint32_t n;

	if (max == 0) {
		return EXO_ERR_INVALID;
	}
	n = cl->ndone < max ? cl->ndone : (uint32_t)max;
	if (n == 0) {
		return 0;
	}
	if (copy_to_user(curenv, ubuf, cl->done, n * sizeof(cl->done[0]))) {
		return EXO_ERR_FAULT;
	}
	for (uint32_t i = n; i < cl->ndone; i++) {
		cl->done[i - n] = cl->done[i];
	}
	cl->ndone -= n;
	return n;
}
