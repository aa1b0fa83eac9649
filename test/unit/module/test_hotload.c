/* SPDX-License-Identifier: MIT */
/* Hot-load frames on the host: the checksum and the receiver. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <exo/errors.h>
#include <libos/hotload.h>

static void test_cksum_is_posix(void **state)
{
	/* printf 123456789 | cksum */
	assert_int_equal(hotload_cksum("123456789", 9), 930766865u);
	/* printf '' | cksum */
	assert_int_equal(hotload_cksum("", 0), 4294967295u);
}

static size_t frame(uint8_t *out, const char *junk, const uint8_t *img,
		    uint32_t len)
{
	struct hotload_hdr h = { HOTLOAD_MAGIC, len, hotload_cksum(img, len),
				 0 };
	size_t n = strlen(junk);

	memcpy(out, junk, n);
	memcpy(out + n, &h, sizeof(h));
	memcpy(out + n + sizeof(h), img, len);
	return n + sizeof(h) + len;
}

static void test_frames(void **state)
{
	uint8_t img[3000], buf[4096];
	struct hotload_rx rx = { 0 };
	size_t n, used, off = 0;
	int r = 0;

	for (size_t i = 0; i < sizeof(img); i++) {
		img[i] = (uint8_t)(i * 7);
	}
	/* Junk first (with a false start of the magic), fed in odd pieces. */
	n = frame(buf, "noise AXH AAX", img, sizeof(img));
	while (off < n && r == 0) {
		size_t piece = n - off < 17 ? n - off : 17;

		r = hotload_rx_feed(&rx, buf + off, piece, &used);
		off += used;
	}
	assert_int_equal(r, 1);
	assert_int_equal(off, n);
	assert_int_equal(rx.hdr.length, sizeof(img));
	assert_memory_equal(rx.image, img, sizeof(img));
	assert_int_equal(rx.skipped, 13);
	free(rx.image);

	/* A flipped byte: refused, and the receiver starts over. */
	memset(&rx, 0, sizeof(rx));
	n = frame(buf, "", img, sizeof(img));
	buf[100] ^= 1;
	assert_int_equal(hotload_rx_feed(&rx, buf, n, &used), EXO_ERR_CORRUPT);
	assert_null(rx.image);
	assert_int_equal(rx.have, 0);

	/* Absurd lengths. */
	{
		struct hotload_hdr h = { HOTLOAD_MAGIC, HOTLOAD_MAX + 1, 0, 0 };

		assert_int_equal(
			hotload_rx_feed(&rx, (uint8_t *)&h, sizeof(h), &used),
			EXO_ERR_TOO_BIG);
		h.length = 0;
		assert_int_equal(
			hotload_rx_feed(&rx, (uint8_t *)&h, sizeof(h), &used),
			EXO_ERR_TOO_BIG);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cksum_is_posix),
		cmocka_unit_test(test_frames),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
