/* SPDX-License-Identifier: MIT */
/*
 * Hot-load, as init: serve kv from the built-in kv.list under a workload,
 * wait for a module image on the auxiliary serial line (scripts/hotload
 * sends it), swap to it with the state, and go on with every key intact.
 */
#include <stdint.h>
#include <string.h>

#include <libos/hotload.h>
#include <libos/kv.h>
#include <libos/module_slot.h>
#include <libos/runtime.h>

#include "check.h"

#define KEYS 100

static uint8_t page[EXO_PAGE_SIZE] __attribute__((aligned(EXO_PAGE_SIZE)));

/* Only init may read the line. */
static int child_reads(uint64_t arg)
{
	return exo_aux_read((uint64_t)page, 16, 0, 0, 0, 0) == EXO_ERR_DENIED
		       ? 0
		       : 1;
}
#define WAIT_TICKS 60000 /* a minute at 1 kHz */

int main(void)
{
	const struct module_desc *d;
	struct module_swap_report r;
	void *image;
	uint64_t size, v;

	check_begin("hotload");
	step("aux_read: checked arguments, init only");
	CHECK_EQ(exo_aux_read((uint64_t)page, 0, 0, 0, 0, 0), 0);
	CHECK_EQ(exo_aux_read((uint64_t)page, EXO_PAGE_SIZE + 1, 0, 0, 0, 0),
		 EXO_ERR_TOO_BIG);
	CHECK_EQ(exo_aux_read((uint64_t)page + 8, EXO_PAGE_SIZE, 0, 0, 0, 0),
		 EXO_ERR_FAULT); /* crosses into the next page */
	CHECK_EQ(exo_aux_read(0x10000, 16, 0, 0, 0, 0), EXO_ERR_FAULT);
	child_expect_exit(child_spawn(child_reads, 0), 0);
	CHECK_EQ(kv_start("kv.list"), 0);
	CHECK_EQ(module_healing_enable(), 0);
	for (uint64_t k = 1; k <= KEYS; k++) {
		CHECK_EQ(kv_put(k, k * k), 0);
	}
	printf("hotload: waiting for an image on the auxiliary line\n");
	CHECK_EQ(hotload_receive(&image, &size, WAIT_TICKS), 0);
	printf("hotload: received %lu bytes, cksum %u\n", (unsigned long)size,
	       hotload_cksum(image, size));
	/* The image stays in memory while it is loaded: it is never freed. */
	CHECK_EQ(module_slot_swap_image(&kv_slot, image, size, &r), 0);
	d = module_slot_current(&kv_slot);
	printf("hotload: now serving %s %u.%u.%u, downtime %lu cycles\n",
	       d->name, d->impl_major, d->impl_minor, d->impl_patch,
	       (unsigned long)r.downtime);
	for (uint64_t k = 1; k <= KEYS; k++) {
		CHECK_EQ(kv_get(k, &v), 0);
		CHECK_EQ(v, k * k);
		CHECK_EQ(kv_put(k, v + 1), 0);
	}
	CHECK_EQ(kv_count(), KEYS);
	printf("hotload: all %d keys intact after the swap\n", KEYS);
	module_slot_fini(&kv_slot);
	return check_end();
}
