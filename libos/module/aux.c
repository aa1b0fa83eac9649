/* SPDX-License-Identifier: MIT */
/* Waiting for a hot-load frame on the auxiliary line (init only). */
#include <stdint.h>

#include <exo/errors.h>
#include <libos/exo.h>
#include <libos/hotload.h>

int hotload_receive(void **image, uint64_t *size, uint64_t timeout_ticks)
{
	static uint8_t buf[256];
	struct hotload_rx rx = { 0 };
	uint64_t t0 = exo_sys_info()->ticks;

	for (;;) {
		int64_t n =
			exo_aux_read((uint64_t)buf, sizeof(buf), 0, 0, 0, 0);
		size_t off = 0;

		if (n < 0) {
			return (int)n;
		}
		while (off < (size_t)n) {
			size_t used;
			int r = hotload_rx_feed(&rx, buf + off, (size_t)n - off,
						&used);

			off += used;
			if (r < 0) {
				return r;
			}
			if (r == 1) {
				*image = rx.image;
				*size = rx.hdr.length;
				return 0;
			}
		}
		if (n == 0) {
			if (exo_sys_info()->ticks - t0 > timeout_ticks) {
				return EXO_ERR_BUSY;
			}
			exo_yield(EXO_ENV_ANY, 0, 0, 0, 0, 0);
		}
	}
}
