/* SPDX-License-Identifier: MIT */
/*
 * Host tests of the virtio-blk driver against the fake device of
 * test/fakes/virtio_blk_dev.c: finding the function on bus 0, the legacy
 * negotiation, every refusal, requests as a strict device expects them
 * (indirect tables, data direction, status), data round trips, flushes,
 * device errors, completions in any order, interrupts of other lines, all
 * slots in flight, and the 16-bit ring indices wrapping.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <exo/errors.h>

#include "disk/virtio_blk.h"
#include "fakes/virtio_blk_dev.h"
#include "log/log.h"

static struct fake_vblk *f;
static struct vblk_hw hw;
static struct vblk v;
static char logbuf[8192];
static size_t loglen;

static void log_sink(const char *s, size_t len)
{
	if (loglen + len < sizeof(logbuf)) {
		memcpy(logbuf + loglen, s, len);
		loglen += len;
		logbuf[loglen] = '\0';
	}
}

static int setup(void **state)
{
	f = aligned_alloc(4096, (sizeof(*f) + 4095) & ~(size_t)4095);
	assert_non_null(f);
	fake_vblk_reset(f, &hw);
	loglen = 0;
	logbuf[0] = '\0';
	log_init(log_sink, NULL);
	return 0;
}

static int teardown(void **state)
{
	free(f);
	return 0;
}

static void test_init(void **state)
{
	assert_int_equal(vblk_init(&v, &hw), 0);
	assert_true(v.present);
	assert_int_equal(v.io, 0xc040);
	assert_int_equal(v.irq, 11);
	assert_int_equal(v.qsize, 256);
	assert_int_equal(v.sectors, FAKE_DISK_SECTORS);
	assert_true(v.flush);
	/* Reset, acknowledge, driver, driver ready, in that order. */
	assert_int_equal(f->nstatus, 4);
	assert_int_equal(f->status_log[0], 0);
	assert_int_equal(f->status_log[1], 1);
	assert_int_equal(f->status_log[2], 3);
	assert_int_equal(f->status_log[3], 7);
	assert_int_equal(f->driver_features, 1u << 28 | 1u << 9);
	assert_int_equal(f->command & 5, 5); /* I/O space, bus master */
	assert_int_not_equal(f->queue_pfn, 0);
	assert_int_equal(f->unmasked_irq, 11);
	assert_int_equal(f->fn_probes, 0); /* single-function slots only */
	assert_non_null(strstr(logbuf, "virtio-blk at 00:04.0, I/O 0xc040, "
				       "IRQ 11, queue 256, 4096 sectors"));
}

static void test_features_taken_only_if_offered(void **state)
{
	f->features = 1u << 28 | 1u << 0 | 1u << 6; /* no FLUSH; others */
	assert_int_equal(vblk_init(&v, &hw), 0);
	assert_false(v.flush);
	assert_int_equal(f->driver_features, 1u << 28);
}

static void test_multifunction(void **state)
{
	f->pci_dev = 7;
	f->pci_fn = 3;
	f->multifunction = true;
	assert_int_equal(vblk_init(&v, &hw), 0);
	assert_non_null(strstr(logbuf, "virtio-blk at 00:07.3"));
}

static void test_no_device(void **state)
{
	f->present = false;
	assert_int_equal(vblk_init(&v, &hw), EXO_ERR_NOT_FOUND);
	assert_false(v.present);
	assert_non_null(strstr(logbuf, "no virtio-blk device on PCI bus 0"));
	assert_false(vblk_interrupt(&v, 11));
}

/* vblk_init refuses with @why in the log, and tells the device it failed. */
static void expect_refusal(const char *why, int status_written)
{
	assert_int_equal(vblk_init(&v, &hw), EXO_ERR_NOT_FOUND);
	assert_false(v.present);
	assert_non_null(strstr(logbuf, why));
	if (status_written) {
		assert_int_equal(f->status_log[f->nstatus - 1], 128);
	} else {
		assert_int_equal(f->nstatus, 0);
	}
	assert_int_equal(f->unmasked_irq, -1);
	assert_false(vblk_interrupt(&v, f->irq_line));
}

static void test_refusals(void **state)
{
	f->device_id = 0x1042;
	expect_refusal("modern-only", 0);
	fake_vblk_reset(f, &hw);
	f->bar0 = 0xfebf0000; /* a memory BAR */
	expect_refusal("BAR0 is not an I/O BAR", 0);
	fake_vblk_reset(f, &hw);
	f->irq_line = 0;
	expect_refusal("no usable legacy interrupt line", 1);
	fake_vblk_reset(f, &hw);
	f->irq_line = 0xff;
	expect_refusal("no usable legacy interrupt line", 1);
	fake_vblk_reset(f, &hw);
	f->irq_line = 2;
	expect_refusal("no usable legacy interrupt line", 1);
	fake_vblk_reset(f, &hw);
	f->features = 1u << 9;
	expect_refusal("no indirect descriptors", 1);
	fake_vblk_reset(f, &hw);
	f->features |= 1u << 5;
	expect_refusal("read-only", 1);
	fake_vblk_reset(f, &hw);
	f->qsize = 32;
	expect_refusal("queue 0 is too small", 1);
	fake_vblk_reset(f, &hw);
	f->qsize = 96; /* not a power of two */
	expect_refusal("queue 0 is too small", 1);
	fake_vblk_reset(f, &hw);
	f->alloc_budget = 10; /* the ring, but not every slot page */
	expect_refusal("no memory for the ring", 1);
}

static void fill(uint64_t pa, uint8_t seed)
{
	uint8_t *p = fake_vblk_mem(f, pa, 4096);

	for (int i = 0; i < 4096; i++) {
		p[i] = (uint8_t)(seed + i * 7);
	}
}

static void interrupt(void)
{
	assert_true(vblk_interrupt(&v, 11));
}

static void test_write_read_flush(void **state)
{
	paddr_t out[3], in[3];

	assert_int_equal(vblk_init(&v, &hw), 0);
	for (int i = 0; i < 3; i++) {
		out[i] = fake_vblk_page(f);
		in[i] = fake_vblk_page(f);
		fill(out[i], (uint8_t)(i * 50 + 1));
	}
	vblk_start(&v, 5, VBLK_T_OUT, 80, out, 3);
	assert_int_equal(f->notifies, 1);
	assert_int_equal(f->npending, 1);
	assert_int_equal(f->pending[0].head, 5);
	assert_int_equal(f->pending[0].type, VBLK_T_OUT);
	assert_int_equal(f->pending[0].sector, 80);
	assert_int_equal(f->done_count, 0);
	assert_int_equal(fake_vblk_process(f, false), 1);
	interrupt();
	assert_int_equal(f->done_count, 1);
	assert_int_equal(f->done_slot[0], 5);
	assert_int_equal(f->done_status[0], 0);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(f->disk[80 + 8 * i],
				    fake_vblk_mem(f, out[i], 4096), 4096);
	}

	vblk_start(&v, 5, VBLK_T_IN, 80, in, 3);
	fake_vblk_process(f, false);
	interrupt();
	assert_int_equal(f->done_count, 2);
	for (int i = 0; i < 3; i++) {
		assert_memory_equal(fake_vblk_mem(f, in[i], 4096),
				    fake_vblk_mem(f, out[i], 4096), 4096);
	}

	vblk_start(&v, 9, VBLK_T_FLUSH, 1234, NULL, 0);
	assert_int_equal(f->pending[0].type, VBLK_T_FLUSH);
	assert_int_equal(f->pending[0].sector, 0);
	fake_vblk_process(f, false);
	interrupt();
	assert_int_equal(f->done_slot[2], 9);
	assert_int_equal(f->done_status[2], 0);
}

static void test_device_error(void **state)
{
	paddr_t p[2];

	assert_int_equal(vblk_init(&v, &hw), 0);
	p[0] = fake_vblk_page(f);
	p[1] = fake_vblk_page(f);
	f->fail_sector = 21;
	vblk_start(&v, 0, VBLK_T_IN, 16, p, 2); /* sectors 16..31 */
	vblk_start(&v, 1, VBLK_T_IN, 0, p, 1);
	fake_vblk_process(f, false);
	interrupt();
	assert_int_equal(f->done_count, 2);
	assert_int_equal(f->done_slot[0], 0);
	assert_int_equal(f->done_status[0], EXO_ERR_IO);
	assert_int_equal(f->done_slot[1], 1);
	assert_int_equal(f->done_status[1], 0);
}

static void test_out_of_order_and_other_lines(void **state)
{
	paddr_t p;

	assert_int_equal(vblk_init(&v, &hw), 0);
	p = fake_vblk_page(f);
	for (uint32_t s = 0; s < 10; s++) {
		vblk_start(&v, s, VBLK_T_OUT, 8 * s, &p, 1);
	}
	assert_int_equal(fake_vblk_process(f, true), 10);
	/* Another device's interrupt: not ours, nothing taken. */
	assert_false(vblk_interrupt(&v, 10));
	assert_false(vblk_interrupt(&v, 0));
	assert_int_equal(f->isr_reads, 0);
	assert_int_equal(f->done_count, 0);
	interrupt();
	assert_int_equal(f->isr_reads, 1);
	assert_int_equal(f->done_count, 10);
	for (uint32_t i = 0; i < 10; i++) {
		assert_int_equal(f->done_slot[i], 9 - i);
	}
	/* A spurious interrupt after that completes nothing more. */
	interrupt();
	assert_int_equal(f->done_count, 10);
}

static void test_all_slots(void **state)
{
	paddr_t pages[VBLK_MAX_PAGES];
	uint64_t seen = 0;

	f->qsize = VBLK_SLOTS; /* the smallest queue accepted */
	assert_int_equal(vblk_init(&v, &hw), 0);
	for (int i = 0; i < VBLK_MAX_PAGES; i++) {
		pages[i] = fake_vblk_page(f);
	}
	for (int round = 0; round < 5; round++) {
		for (uint32_t s = 0; s < VBLK_SLOTS; s++) {
			vblk_start(&v, s, VBLK_T_IN, 0, pages,
				   s % VBLK_MAX_PAGES + 1);
		}
		assert_int_equal(f->npending, VBLK_SLOTS);
		fake_vblk_process(f, round % 2);
		f->done_count = 0;
		interrupt();
		assert_int_equal(f->done_count, VBLK_SLOTS);
		seen = 0;
		for (uint32_t i = 0; i < VBLK_SLOTS; i++) {
			seen |= 1ul << f->done_slot[i];
		}
		assert_int_equal(seen, ~0ul);
	}
}

static void test_indices_wrap(void **state)
{
	paddr_t p;

	assert_int_equal(vblk_init(&v, &hw), 0);
	p = fake_vblk_page(f);
	/* Past 65535 ring entries, two at a time. */
	for (uint32_t i = 0; i < 70000; i += 2) {
		vblk_start(&v, i % VBLK_SLOTS, VBLK_T_IN, 0, &p, 1);
		vblk_start(&v, (i + 1) % VBLK_SLOTS, VBLK_T_IN, 8, &p, 1);
		assert_int_equal(fake_vblk_process(f, i % 4 == 0), 2);
		f->done_count = 0;
		interrupt();
		assert_int_equal(f->done_count, 2);
	}
	assert_int_equal(v.avail_idx, (uint16_t)70000);
	assert_int_equal(v.used_seen, (uint16_t)70000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_init, setup, teardown),
		cmocka_unit_test_setup_teardown(
			test_features_taken_only_if_offered, setup, teardown),
		cmocka_unit_test_setup_teardown(test_multifunction, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_no_device, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_refusals, setup, teardown),
		cmocka_unit_test_setup_teardown(test_write_read_flush, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_device_error, setup,
						teardown),
		cmocka_unit_test_setup_teardown(
			test_out_of_order_and_other_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_all_slots, setup,
						teardown),
		cmocka_unit_test_setup_teardown(test_indices_wrap, setup,
						teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
