/* SPDX-License-Identifier: MIT */
/*
 * Receiving hot-load frames. The parser is pure (hotload_rx_feed, tested
 * on the host); hotload_receive polls the auxiliary line for it.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/hotload.h>

static uint32_t crc_byte(uint32_t crc, uint8_t b)
{
	crc ^= (uint32_t)b << 24;
	for (int i = 0; i < 8; i++) {
		crc = crc & 0x80000000u ? (crc << 1) ^ 0x04c11db7u : crc << 1;
	}
	return crc;
}

uint32_t hotload_cksum(const void *buf, uint64_t len)
{
	const uint8_t *p = buf;
	uint32_t crc = 0;

	for (uint64_t i = 0; i < len; i++) {
		crc = crc_byte(crc, p[i]);
	}
	for (uint64_t n = len; n; n >>= 8) {
		crc = crc_byte(crc, (uint8_t)n);
	}
	return ~crc;
}

static void rx_reset(struct hotload_rx *rx)
{
	free(rx->image);
	memset(rx, 0, sizeof(*rx));
}

int hotload_rx_feed(struct hotload_rx *rx, const uint8_t *buf, size_t n,
		    size_t *used)
{
	size_t i = 0;

	while (i < n) {
		if (!rx->in_image) {
			uint8_t *h = (uint8_t *)&rx->hdr;
			static const uint8_t magic[4] = { 'A', 'X', 'H', 'L' };

			/* Until the magic is whole, resynchronise. */
			if (rx->have < 4 && buf[i] != magic[rx->have]) {
				rx->skipped += rx->have;
				rx->have = 0;
				if (buf[i] == magic[0]) {
					h[rx->have++] = buf[i];
				} else {
					rx->skipped++;
				}
				i++;
				continue;
			}
			h[rx->have++] = buf[i++];
			if (rx->have < sizeof(rx->hdr)) {
				continue;
			}
			if (rx->hdr.length == 0 ||
			    rx->hdr.length > HOTLOAD_MAX) {
				*used = i;
				rx_reset(rx);
				return EXO_ERR_TOO_BIG;
			}
			rx->image = malloc(rx->hdr.length);
			if (!rx->image) {
				*used = i;
				rx_reset(rx);
				return EXO_ERR_NO_MEMORY;
			}
			rx->in_image = 1;
			rx->have = 0;
			continue;
		}
		{
			size_t take = rx->hdr.length - rx->have;

			if (take > n - i) {
				take = n - i;
			}
			memcpy(rx->image + rx->have, buf + i, take);
			rx->have += (uint32_t)take;
			i += take;
		}
		if (rx->have == rx->hdr.length) {
			*used = i;
			if (hotload_cksum(rx->image, rx->hdr.length) !=
			    rx->hdr.cksum) {
				rx_reset(rx);
				return EXO_ERR_CORRUPT;
			}
			return 1;
		}
	}
	*used = i;
	return 0;
}
