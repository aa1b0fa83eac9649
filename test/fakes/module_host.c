/* SPDX-License-Identifier: MIT */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <sys/mman.h>

#include <cmocka.h>

#include <exo/errors.h>

#include "module_host.h"

static uint64_t host_map(void *ctx, uint64_t size)
{
	void *p = mmap(NULL, size, PROT_READ | PROT_WRITE,
		       MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED) {
		return 0;
	}
	if (ctx) {
		(*(int *)ctx)++;
	}
	return (uint64_t)(uintptr_t)p;
}

static int host_protect(void *ctx, uint64_t va, uint64_t size, uint32_t prot)
{
	int p = PROT_READ;

	(void)ctx;
	if (prot & MODULE_PROT_W) {
		p |= PROT_WRITE;
	}
	if (prot & MODULE_PROT_X) {
		p |= PROT_EXEC;
	}
	return mprotect((void *)(uintptr_t)va, size, p) ? EXO_ERR_INVALID : 0;
}

static void host_unmap(void *ctx, uint64_t va, uint64_t size)
{
	if (ctx) {
		(*(int *)ctx)--;
	}
	munmap((void *)(uintptr_t)va, size);
}

const struct module_map_ops module_host_mops = {
	.map = host_map,
	.protect = host_protect,
	.unmap = host_unmap,
};

uint64_t module_host_ref_sum(const uint8_t *b, size_t n)
{
	uint64_t x = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i += 8) {
		uint64_t w = 0;

		for (size_t j = 0; j < 8 && i + j < n; j++) {
			w |= (uint64_t)b[i + j] << (8 * j);
		}
		x = (x ^ w) * 0x100000001b3ull;
	}
	return x;
}

void module_host_check_sum(uint64_t (*sum)(const void *p, size_t n))
{
	uint8_t buf[160];
	uint64_t seed = 88172645463325252ull;

	for (size_t i = 0; i < sizeof(buf); i++) {
		seed ^= seed << 13;
		seed ^= seed >> 7;
		seed ^= seed << 17;
		buf[i] = (uint8_t)seed;
	}
	assert_int_equal(sum(buf, 0), 0xcbf29ce484222325ull);
	for (size_t off = 0; off < 8; off++) {
		for (size_t n = 0; n + off <= sizeof(buf); n++) {
			assert_int_equal(sum(buf + off, n),
					 module_host_ref_sum(buf + off, n));
		}
	}
}
