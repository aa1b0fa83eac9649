/* SPDX-License-Identifier: MIT */
/*
 * Hot-load: module images sent from the host into a running system over
 * the auxiliary serial line (COM2; scripts/hotload), for init, the only
 * environment that may read it (the aux_read system call).
 *
 * A frame is a struct hotload_hdr then @length bytes of image. The
 * checksum is POSIX cksum's (CRC-32, polynomial 0x04c11db7, of the bytes
 * then their count), so the sender needs nothing but coreutils. Bytes
 * before a frame's magic are skipped.
 */
#ifndef LIBOS_HOTLOAD_H
#define LIBOS_HOTLOAD_H

#include <stddef.h>
#include <stdint.h>

#define HOTLOAD_MAGIC 0x4c485841u /* "AXHL" */
#define HOTLOAD_MAX (1u << 20) /* largest image accepted */

struct hotload_hdr {
	uint32_t magic; /* HOTLOAD_MAGIC */
	uint32_t length; /* bytes of image that follow, 1..HOTLOAD_MAX */
	uint32_t cksum; /* hotload_cksum of them */
	uint32_t reserved; /* 0 */
};
_Static_assert(sizeof(struct hotload_hdr) == 16, "hotload header");

/* POSIX cksum of @len bytes at @buf. */
uint32_t hotload_cksum(const void *buf, uint64_t len);

/* A receiver, fed bytes as they come. Zero it to start. */
struct hotload_rx {
	struct hotload_hdr hdr;
	uint32_t have; /* header bytes, then image bytes, received */
	int in_image; /* the header is complete and sound */
	uint8_t *image; /* from malloc, once the header is in */
	uint64_t skipped; /* bytes before the magic */
};

/*
 * hotload_rx_feed - take @n bytes from @buf. Return: 0 (more to come), 1
 * (a frame is complete: rx->image holds rx->hdr.length bytes, now the
 * caller's to free), or an error after which @rx is reset:
 * EXO_ERR_TOO_BIG (length 0 or over HOTLOAD_MAX), EXO_ERR_CORRUPT
 * (checksum), EXO_ERR_NO_MEMORY. Bytes after a complete frame are not
 * consumed: *@used says how many were.
 */
int hotload_rx_feed(struct hotload_rx *rx, const uint8_t *buf, size_t n,
		    size_t *used);

/*
 * hotload_receive - wait for one frame on the auxiliary line, at most
 * @timeout_ticks timer ticks, yielding between polls.
 * Return: 0 with *@image (malloc) and *@size, or EXO_ERR_BUSY (timed out),
 * EXO_ERR_NOT_FOUND (no auxiliary line), EXO_ERR_DENIED (not init), or
 * hotload_rx_feed's errors.
 */
int hotload_receive(void **image, uint64_t *size, uint64_t timeout_ticks);

#endif
