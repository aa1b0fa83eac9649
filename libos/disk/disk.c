/* SPDX-License-Identifier: MIT */
/*
 * The block device over a disk extent. Completions belong to the whole
 * environment, not to one struct disk: those of the synchronous path are
 * told apart by DISK_TAG_LIBRARY, and any of the caller's own that arrive
 * while a synchronous transfer waits are kept for disk_wait.
 */
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <libos/disk.h>
#include <libos/exo.h>
#include <libos/runtime.h>
#include <libos/slot.h>

#define BLOCK BLOCKDEV_BLOCK_SIZE
#define CHUNK EXO_DISK_MAX_BLOCKS
#define STAGING_PAGES (DISK_DEPTH * CHUNK)

/*
 * A library tag: DISK_TAG_LIBRARY, the transfer's sequence number in bits
 * 40..62, the chunk in bits 8..39, the in-flight index in bits 0..7.
 */
#define TAG_SEQ_SHIFT 40
#define TAG_CHUNK_SHIFT 8
#define SEQ_LIBRARY (DISK_TAG_LIBRARY >> TAG_SEQ_SHIFT)

/* Completions of the caller's requests, in arrival order. */
static struct exo_disk_completion kept[EXO_DISK_QUEUE];
static uint32_t nkept;
static uint32_t outstanding; /* the caller's requests not yet handed back */
static uint64_t seq;
static bool staging_mapped;

/* A new transfer's tag bits above TAG_SEQ_SHIFT, library bit included. */
static uint64_t next_seq(void)
{
	return (seq++ & (SEQ_LIBRARY - 1)) | SEQ_LIBRARY;
}

int64_t disk_extent(void)
{
	struct exo_cap_info ci;

	for (int64_t s = 0; s < EXO_CAP_SLOTS; s++) {
		if (exo_cap_info((uint64_t)s, (uint64_t)&ci, 0, 0, 0, 0) == 0 &&
		    ci.type == EXO_CAP_DISK) {
			return s;
		}
	}
	return EXO_ERR_NOT_FOUND;
}

/*
 * Sleep until a notification arrives. Calls that come meanwhile are
 * refused: this environment is busy with its disk.
 */
static void sleep_for_notification(void)
{
	struct exo_msg m;
	int64_t r;

	m.cap = EXO_CAP_NONE;
	r = exo_ipc_recv_msg(0, &m);
	while (r == EXO_IPC_CALL) {
		m.w[0] = (uint64_t)EXO_ERR_BUSY;
		m.w[1] = m.w[2] = m.w[3] = 0;
		m.cap = EXO_CAP_NONE;
		r = exo_ipc_reply_recv_msg(m.peer, &m);
	}
}

/*
 * Keep a completion of the caller's for disk_wait. There can be at most
 * EXO_DISK_QUEUE of disk_submit's; more only if the caller also submits
 * behind the library's back, and then the newest are dropped.
 */
static void keep(const struct exo_disk_completion *c)
{
	if (nkept < EXO_DISK_QUEUE) {
		kept[nkept++] = *c;
	}
}

/*
 * Collect completions from the kernel: library ones for transfer @want
 * go to @out (up to @max; the count is returned), the caller's are kept.
 * With @block, sleep until at least one of the wanted kind arrived.
 */
static uint32_t collect(uint64_t want, struct exo_disk_completion *out,
			uint32_t max, bool block)
{
	struct exo_disk_completion got[EXO_DISK_QUEUE];
	uint32_t n = 0;
	int64_t r;

	for (;;) {
		r = exo_disk_complete((uint64_t)got, EXO_DISK_QUEUE, 0, 0, 0,
				      0);
		for (int64_t i = 0; i < r; i++) {
			if (!(got[i].tag & DISK_TAG_LIBRARY)) {
				keep(&got[i]);
			} else if (n < max &&
				   got[i].tag >> TAG_SEQ_SHIFT == want) {
				out[n++] = got[i];
			}
		}
		if (n || !block || r < 0) {
			return n;
		}
		sleep_for_notification();
	}
}

static int staging_map(void)
{
	int err;

	if (staging_mapped) {
		return 0;
	}
	err = map_anon(DISK_STAGING_VA, STAGING_PAGES);
	if (err) {
		return err;
	}
	staging_mapped = true;
	return 0;
}

struct flight {
	bool busy;
	uint32_t chunk;
	uint32_t count;
};

/*
 * The kernel takes only buffers whose pages are mapped (and writable for
 * a read), and pins them for the transfer. Memory from the pager may not
 * be there yet (demand-zero) or be shared copy-on-write: touch every page
 * first the way the device will, so the pager makes it present and ours.
 */
static void prefault(uint32_t op, const uint8_t *p, uint32_t nblocks)
{
	for (uint32_t i = 0; i < nblocks; i++) {
		volatile uint8_t *q = (volatile uint8_t *)(p + (uint64_t)i * BLOCK);

		if (op == EXO_DISK_READ) {
			*q = *q;
		} else {
			(void)*q;
		}
	}
}

/* Submit, touching the buffer first (and again should it have gone). */
static int64_t submit(uint64_t slot, uint32_t op, uint64_t block,
		      uint32_t count, uint8_t *buf, uint64_t tag)
{
	int64_t r = EXO_ERR_FAULT;

	for (int tries = 0; tries < 2 && r == EXO_ERR_FAULT; tries++) {
		if (op != EXO_DISK_FLUSH) {
			prefault(op, buf, count);
		}
		r = exo_disk_submit(slot, op, block, count, (uint64_t)buf, tag);
	}
	return r;
}

/*
 * Move @count blocks at @block between the extent and @buf: chunks of
 * CHUNK blocks, DISK_DEPTH in flight. After a failure nothing more is
 * started, what is in flight is waited for, and the first error is
 * returned.
 */
static int transfer(struct disk *d, uint32_t op, uint64_t block, uint32_t count,
		    uint8_t *buf)
{
	struct flight fl[DISK_DEPTH] = { 0 };
	bool direct = ((uint64_t)buf & (BLOCK - 1)) == 0;
	uint32_t nchunks = (count + CHUNK - 1) / CHUNK;
	uint32_t next = 0, inflight = 0;
	uint64_t this_seq;
	int err = 0;

	if (block >= d->bd.nblocks || count > d->bd.nblocks - block) {
		return EXO_ERR_INVALID;
	}
	if (count == 0) {
		return 0;
	}
	if (!direct) {
		err = staging_map();
		if (err) {
			return err;
		}
	}
	this_seq = next_seq();

	while (next < nchunks || inflight) {
		struct exo_disk_completion c[DISK_DEPTH];
		uint32_t n;

		while (!err && next < nchunks && inflight < DISK_DEPTH) {
			uint32_t f = 0, nb;
			uint8_t *p, *user;
			int64_t r;

			while (fl[f].busy) {
				f++;
			}
			nb = count - next * CHUNK < CHUNK ? count - next * CHUNK
							  : CHUNK;
			user = buf + (uint64_t)next * CHUNK * BLOCK;
			p = direct ? user
				   : (uint8_t *)DISK_STAGING_VA +
					     (uint64_t)f * CHUNK * BLOCK;
			if (!direct && op == EXO_DISK_WRITE) {
				memcpy(p, user, (size_t)nb * BLOCK);
			}
			r = submit((uint64_t)d->slot, op,
				   block + (uint64_t)next * CHUNK, nb, p,
				   this_seq << TAG_SEQ_SHIFT |
					   (uint64_t)next << TAG_CHUNK_SHIFT |
					   f);
			if ((r == EXO_ERR_BUSY || r == EXO_ERR_LIMIT) &&
			    inflight) {
				break; /* room comes back as requests end */
			}
			if (r < 0) {
				err = (int)r;
				break;
			}
			fl[f] = (struct flight){ true, next, nb };
			inflight++;
			next++;
		}
		if (!inflight) {
			break;
		}
		n = collect(this_seq, c, DISK_DEPTH, true);
		for (uint32_t i = 0; i < n; i++) {
			uint32_t f = (uint32_t)(c[i].tag & 0xff);

			if (!err && c[i].status < 0) {
				err = (int)c[i].status;
			}
			if (!direct && op == EXO_DISK_READ && !err) {
				memcpy(buf + (uint64_t)fl[f].chunk * CHUNK *
						       BLOCK,
				       (uint8_t *)DISK_STAGING_VA +
					       (uint64_t)f * CHUNK * BLOCK,
				       (size_t)fl[f].count * BLOCK);
			}
			fl[f].busy = false;
			inflight--;
		}
		if (err) {
			next = nchunks; /* start nothing more */
		}
	}
	return err;
}

static int disk_bd_read(struct blockdev *bd, uint64_t block, uint32_t count,
			void *buf)
{
	return transfer(container_of(bd, struct disk, bd), EXO_DISK_READ, block,
			count, buf);
}

static int disk_bd_write(struct blockdev *bd, uint64_t block, uint32_t count,
			 const void *buf)
{
	/* The device only reads @buf for a write. */
	return transfer(container_of(bd, struct disk, bd), EXO_DISK_WRITE,
			block, count, (uint8_t *)buf);
}

static int disk_bd_flush(struct blockdev *bd)
{
	struct disk *d = container_of(bd, struct disk, bd);
	struct exo_disk_completion c;
	uint64_t s = next_seq();
	int64_t r;

	r = exo_disk_submit((uint64_t)d->slot, EXO_DISK_FLUSH, 0, 0, 0,
			    s << TAG_SEQ_SHIFT);
	if (r < 0) {
		return (int)r;
	}
	collect(s, &c, 1, true);
	return (int)c.status;
}

static const struct blockdev_ops disk_bd_ops = {
	.read = disk_bd_read,
	.write = disk_bd_write,
	.flush = disk_bd_flush,
};

int disk_open(struct disk *d, int64_t slot)
{
	struct exo_disk_info info;
	int64_t r;

	r = exo_disk_info((uint64_t)slot, (uint64_t)&info, 0, 0, 0, 0);
	if (r < 0) {
		return (int)r;
	}
	d->bd.ops = &disk_bd_ops;
	d->bd.nblocks = info.blocks;
	d->slot = slot;
	d->start = info.start;
	d->rights = info.rights;
	return 0;
}

int disk_submit(struct disk *d, uint32_t op, uint64_t block, uint32_t count,
		void *buf, uint64_t tag)
{
	int64_t r;

	if (tag & DISK_TAG_LIBRARY) {
		return EXO_ERR_INVALID;
	}
	r = submit((uint64_t)d->slot, op, block, count, (uint8_t *)buf, tag);
	if (r < 0) {
		return (int)r;
	}
	outstanding++;
	return 0;
}

/* Hand back the oldest kept completion. */
static void take_kept(struct exo_disk_completion *out)
{
	*out = kept[0];
	for (uint32_t i = 1; i < nkept; i++) {
		kept[i - 1] = kept[i];
	}
	nkept--;
	if (outstanding) {
		outstanding--;
	}
}

int disk_poll(struct exo_disk_completion *out)
{
	if (!nkept) {
		collect(0, NULL, 0, false);
	}
	if (!nkept) {
		return 0;
	}
	take_kept(out);
	return 1;
}

int disk_wait(struct exo_disk_completion *out)
{
	if (!outstanding) {
		return EXO_ERR_STATE;
	}
	while (!disk_poll(out)) {
		sleep_for_notification();
	}
	return 0;
}
