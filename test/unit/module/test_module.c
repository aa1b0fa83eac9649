/* SPDX-License-Identifier: MIT */
/*
 * The module loader and gated slots on the host, with real module images
 * (built by axo_add_module) mapped with mmap and run: every refusal the
 * loader makes, swaps with state, drain and its deadline, import refusal,
 * health-window rollback, and healing of faults and overruns (a SIGSEGV or
 * SIGVTALRM handler stands in for the libOS's upcall: its ticks are 2 ms
 * of this process's own running time, so a busy host cannot make an
 * ordinary call look like an overrun).
 */
#define _GNU_SOURCE
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <ucontext.h>

#include <cmocka.h>

#include <exo/errors.h>
#include <libos/kv.h>
#include <libos/module_slot.h>
#include <libos/slot.h>

#include "elf/elf64.h"
#include "module_host.h"

/* Host side of the framework: a fake clock (test/fakes/module_host.c maps the images). */

static int mapped; /* images mapped and not unmapped */
static uint64_t now, step = 10, ticks_now;
static int relax_calls, drain_after = -1;
/* A caller inside the kv slot, as another thread would be. */
static struct module_call other_caller;
static char last_log[256];

static uint64_t fake_cycles(void)
{
	return now += step;
}

static uint64_t fake_ticks(void)
{
	return ticks_now;
}

static void fake_relax(void)
{
	relax_calls++;
	if (drain_after >= 0 && relax_calls >= drain_after &&
	    module_call_top == &other_caller) {
		module_call_top = other_caller.prev; /* the caller left */
	}
}

static void fake_log(const char *line)
{
	snprintf(last_log, sizeof(last_log), "%s", line);
	printf("  log: %s\n", line);
}

static uint64_t host_cycles(void)
{
	return now;
}

static void host_yield(void)
{
}

static const struct module_export host_syms[] = {
	{ "memcpy", (const void *)memcpy, 0 },
	{ "memset", (const void *)memset, 0 },
	{ "memmove", (const void *)memmove, 0 },
	{ "module_cycles", (const void *)host_cycles, 0 },
	{ "module_yield", (const void *)host_yield, 1 },
};

/* The table version the libOS offers (its entries here are all 1.0). */
static const struct module_exports host_exports = {
	.major = MODULE_EXPORTS_MAJOR,
	.minor = MODULE_EXPORTS_MINOR,
	.count = 4,
	.sym = host_syms,
};

static const struct module_sys host_sys = {
	.cycles = fake_cycles,
	.ticks = fake_ticks,
	.relax = fake_relax,
	.log = fake_log,
	.exports = &host_exports,
	.mops = &module_host_mops,
	.mctx = &mapped,
};

const struct module_sys *module_sys = &host_sys;

/* Module image files. */

struct file {
	uint8_t *bytes;
	size_t size;
};

static struct file read_image(const char *path)
{
	struct file f = { 0 };
	FILE *fp = fopen(path, "rb");

	assert_non_null(fp);
	fseek(fp, 0, SEEK_END);
	f.size = (size_t)ftell(fp);
	fseek(fp, 0, SEEK_SET);
	f.bytes = malloc(f.size);
	assert_non_null(f.bytes);
	assert_int_equal(fread(f.bytes, 1, f.size, fp), f.size);
	fclose(fp);
	return f;
}

static const struct module_want kv_want = {
	.iface = "kv",
	.major = KV_IFACE_MAJOR,
	.minor = KV_IFACE_MINOR,
	.ops_size = sizeof(struct kv_ops),
};

/* Load @f expecting @err and an error message containing @msg. */
static void expect_refusal(const struct file *f, size_t size,
			   const struct module_want *want, int err,
			   const char *msg)
{
	struct module_image m;
	int before = mapped;
	int got = module_image_load(&m, f->bytes, size, &host_exports, want,
				    &module_host_mops, &mapped);

	printf("  refused: %s (%s)\n", m.error, exo_status_name(got));
	assert_int_equal(got, err);
	assert_non_null(strstr(m.error, msg));
	assert_int_equal(mapped, before); /* nothing left mapped */
}

/* The file offset of the descriptor ("AXOM" then ABI 1.x). */
static size_t desc_offset(const struct file *f)
{
	for (size_t i = 0; i + 8 <= f->size; i += 8) {
		uint32_t magic;

		memcpy(&magic, f->bytes + i, 4);
		if (magic == MODULE_DESC_MAGIC) {
			return i;
		}
	}
	fail_msg("no descriptor in the image");
	return 0;
}

/* d_val of dynamic tag @tag (the images map offset = address there). */
static uint64_t dyn_val(const struct file *f, int64_t tag)
{
	struct elf64_ehdr eh;

	memcpy(&eh, f->bytes, sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;

		memcpy(&ph, f->bytes + eh.e_phoff + i * sizeof(ph), sizeof(ph));
		if (ph.p_type != PT_DYNAMIC) {
			continue;
		}
		for (uint64_t o = 0; o < ph.p_filesz; o += 16) {
			int64_t t;
			uint64_t v;

			memcpy(&t, f->bytes + ph.p_offset + o, 8);
			memcpy(&v, f->bytes + ph.p_offset + o + 8, 8);
			if (t == tag) {
				return v;
			}
		}
	}
	fail_msg("no dynamic tag %ld", (long)tag);
	return 0;
}

static struct file copy(const struct file *f)
{
	struct file c = { malloc(f->size), f->size };

	memcpy(c.bytes, f->bytes, f->size);
	return c;
}

static void test_load_good(void **state)
{
	struct file f = read_image(KV_HASH_IMAGE);
	struct module_image m;
	void *self;
	uint64_t v = 0;
	const struct kv_ops *ops;

	assert_int_equal(module_image_load(&m, f.bytes, f.size, &host_exports,
					   &kv_want, &module_host_mops, &mapped),
			 0);
	assert_string_equal(m.desc->name, "kv.hash");
	assert_int_equal(m.desc->state_version, 2);
	assert_true(module_image_has_pc(&m, (uint64_t)(uintptr_t)m.desc->init));
	/* Run the relocated code: imports resolved to the host's memset. */
	assert_int_equal(m.desc->init(&self), 0);
	ops = m.desc->ops;
	assert_int_equal(ops->put(self, 7, 49), 0);
	assert_int_equal(ops->get(self, 7, &v), 0);
	assert_int_equal(v, 49);
	assert_int_equal(ops->get(self, 8, &v), EXO_ERR_NOT_FOUND);
	/* Data is writable, text is not: a reset gives fresh data. */
	assert_int_equal(module_image_reset(&m), 0);
	assert_int_equal(m.desc->init(&self), 0);
	assert_int_equal(ops->count(self), 0);
	module_image_unload(&m);
	assert_int_equal(mapped, 0);
	free(f.bytes);
}

static void test_refusals(void **state)
{
	struct file good = read_image(KV_LIST_IMAGE), f;
	struct module_want newer = kv_want;
	struct elf64_ehdr eh;
	size_t d;
	uint64_t rela;

	/* Bad magic. */
	f = copy(&good);
	f.bytes[1] = 'X';
	expect_refusal(&f, f.size, NULL, EXO_ERR_INVALID, "bad magic");
	free(f.bytes);

	/* Truncated: no header; program headers cut; a segment cut. */
	expect_refusal(&good, 40, NULL, EXO_ERR_INVALID, "truncated");
	expect_refusal(&good, 100, NULL, EXO_ERR_INVALID, "truncated");
	expect_refusal(&good, good.size / 2, NULL, EXO_ERR_INVALID,
		       "truncated");

	/* Not a shared object. */
	f = copy(&good);
	f.bytes[16] = ET_EXEC;
	expect_refusal(&f, f.size, NULL, EXO_ERR_INVALID, "ET_DYN");
	free(f.bytes);

	/* Module ABI major mismatch (in the file) and a real ABI 2 image. */
	f = copy(&good);
	d = desc_offset(&f);
	f.bytes[d + 4] = 2;
	expect_refusal(&f, f.size, NULL, EXO_ERR_NOSYS, "module ABI 2.0");
	free(f.bytes);
	f = read_image(KV_TEST_ABI2_IMAGE);
	expect_refusal(&f, f.size, &kv_want, EXO_ERR_NOSYS, "module ABI 2.0");
	free(f.bytes);

	/* A newer module ABI minor than the loader's. */
	f = copy(&good);
	f.bytes[d + 6] = MODULE_ABI_MINOR + 1;
	expect_refusal(&f, f.size, NULL, EXO_ERR_NOSYS, "newer than");
	free(f.bytes);

	/* An export table minor newer than the loader's. */
	f = copy(&good);
	f.bytes[d + 10] = MODULE_EXPORTS_MINOR + 1;
	expect_refusal(&f, f.size, NULL, EXO_ERR_NOSYS,
		       "export table 1.2 is not offered (1.1)");
	free(f.bytes);

	/* A module built against export table 1.0 still loads (1.1 only
	 * added entries). */
	f = copy(&good);
	f.bytes[d + 10] = 0;
	{
		struct module_image m;

		assert_int_equal(module_image_load(&m, f.bytes, f.size,
						   &host_exports, &kv_want,
						   &module_host_mops, &mapped),
				 0);
		assert_int_equal(m.desc->exports_minor, 0);
		module_image_unload(&m);
	}
	free(f.bytes);

	/* An image may not claim to stand for a LIBOS_IMPL record. */
	f = copy(&good);
	f.bytes[d + 90] = MODULE_DESC_IMPL;
	expect_refusal(&f, f.size, NULL, EXO_ERR_INVALID,
		       "descriptor flags 0x1 are not 0");
	free(f.bytes);

	/* The slot needs interface minor 1: the module's 1.0 is older. */
	newer.minor = 1;
	expect_refusal(&good, good.size, &newer, EXO_ERR_NOSYS,
		       "interface kv 1.0 is older than 1.1");
	newer = kv_want;
	newer.iface = "sched";
	expect_refusal(&good, good.size, &newer, EXO_ERR_NOSYS,
		       "interface \"kv\" is not \"sched\"");
	newer = kv_want;
	newer.ops_size = 64;
	expect_refusal(&good, good.size, &newer, EXO_ERR_NOSYS,
		       "ops table of 32 bytes, 64 needed");

	/* A missing import: a real image importing fopen, and a renamed one. */
	f = read_image(KV_TEST_IMPORT_IMAGE);
	expect_refusal(&f, f.size, &kv_want, EXO_ERR_NOT_FOUND,
		       "import \"fopen\" is not in the export table");
	free(f.bytes);
	f = copy(&good);
	{
		uint8_t *p = memmem(f.bytes, f.size, "memset", 7);

		assert_non_null(p);
		p[5] = 'x';
	}
	expect_refusal(&f, f.size, &kv_want, EXO_ERR_NOT_FOUND,
		       "import \"memsex\"");
	free(f.bytes);

	/* An import newer than the table version the module names. */
	{
		struct module_export syms[4];
		struct module_exports ex = host_exports;
		struct module_image m;

		memcpy(syms, host_syms, sizeof(syms));
		syms[1].since_minor = 1; /* memset */
		ex.sym = syms;
		ex.minor = 1;
		f = copy(&good);
		f.bytes[d + 10] = 0; /* built against 1.0 */
		assert_int_equal(module_image_load(&m, f.bytes, f.size, &ex,
						   NULL, &module_host_mops, &mapped),
				 EXO_ERR_NOT_FOUND);
		free(f.bytes);
		assert_non_null(strstr(m.error, "import \"memset\" is export "
						"table 1.1, the module names "
						"1.0"));
	}

	/* A relocation out of bounds, and one of a type not supported. */
	rela = dyn_val(&good, 7 /* DT_RELA */);
	f = copy(&good);
	{
		uint64_t off = 0x7fff0000;

		memcpy(f.bytes + rela, &off, 8);
	}
	expect_refusal(&f, f.size, NULL, EXO_ERR_INVALID,
		       "relocation 0 at 0x7fff0000 is out of bounds");
	free(f.bytes);
	f = copy(&good);
	{
		uint64_t off;

		memcpy(&off, f.bytes + rela, 8);
		memcpy(f.bytes + rela + 8, &(uint64_t){ 2 }, 8);
		(void)off;
	}
	expect_refusal(&f, f.size, NULL, EXO_ERR_NOSYS,
		       "relocation type 2 (R_X86_64_PC32) is not supported");
	free(f.bytes);

	/* A writable and executable segment. */
	f = copy(&good);
	memcpy(&eh, f.bytes, sizeof(eh));
	for (int i = 0; i < eh.e_phnum; i++) {
		struct elf64_phdr ph;
		size_t at = eh.e_phoff + i * sizeof(ph);

		memcpy(&ph, f.bytes + at, sizeof(ph));
		if (ph.p_type == PT_LOAD && (ph.p_flags & PF_X)) {
			ph.p_flags |= PF_W;
			memcpy(f.bytes + at, &ph, sizeof(ph));
		}
	}
	expect_refusal(&f, f.size, NULL, EXO_ERR_DENIED,
		       "is writable and executable");
	free(f.bytes);

	/* Program headers pointing past the end. */
	f = copy(&good);
	memcpy(&eh, f.bytes, sizeof(eh));
	eh.e_phoff = f.size - 8;
	memcpy(f.bytes, &eh, sizeof(eh));
	expect_refusal(&f, f.size, NULL, EXO_ERR_INVALID,
		       "program headers past the end");
	free(f.bytes);
	free(good.bytes);
}

static void test_state_blob(void **state)
{
	const struct module_desc *d = module_builtin_find("kv.list");
	void *self, *blob;
	uint64_t size;
	uint8_t *b;

	assert_non_null(d);
	assert_int_equal(d->init(&self), 0);
	for (uint64_t k = 1; k <= 10; k++) {
		assert_int_equal(
			((const struct kv_ops *)d->ops)->put(self, k, k * k),
			0);
	}
	assert_int_equal(module_state_export_blob(d, self, 1, &blob, &size), 0);
	assert_int_equal(size, sizeof(struct module_state_hdr) + 8 + 160);
	assert_int_equal(module_state_check(blob, size), 0);
	assert_int_equal(module_state_import_blob(d, self, blob, size), 0);
	/* A flipped bit in the payload: checksum mismatch, refused. */
	b = blob;
	b[sizeof(struct module_state_hdr) + 20] ^= 0x10;
	assert_int_equal(module_state_check(blob, size), EXO_ERR_CORRUPT);
	assert_int_equal(module_state_import_blob(d, self, blob, size),
			 EXO_ERR_CORRUPT);
	b[sizeof(struct module_state_hdr) + 20] ^= 0x10;
	/* Truncated, and not a blob. */
	assert_int_equal(module_state_check(blob, size - 1), EXO_ERR_INVALID);
	b[0] ^= 1;
	assert_int_equal(module_state_check(blob, size), EXO_ERR_INVALID);
	b[0] ^= 1;
	/* A format kv.list does not read. */
	((struct module_state_hdr *)blob)->version = 2;
	assert_int_equal(module_state_import_blob(d, self, blob, size),
			 EXO_ERR_NOSYS);
	free(blob);
}

/*
 * The frame's checksum, word at a time, is its definition at any length
 * and alignment, and a blob whose payload has any bit flipped is refused.
 */
static uint64_t state_checksum(const void *p, size_t n)
{
	return module_state_checksum(p, n);
}

static void test_state_checksum(void **state)
{
	uint8_t *blob = malloc(sizeof(struct module_state_hdr) + 75);
	struct module_state_hdr *h = (struct module_state_hdr *)blob;

	module_host_check_sum(state_checksum);
	h->magic = MODULE_STATE_MAGIC;
	h->version = 1;
	h->reserved = 0;
	h->length = 75;
	for (size_t i = 0; i < 75; i++) {
		((uint8_t *)(h + 1))[i] = (uint8_t)(i * 37 + 11);
	}
	h->checksum = module_state_checksum(h + 1, 75);
	assert_int_equal(module_state_check(blob, sizeof(*h) + 75), 0);
	for (size_t i = 0; i < 75; i++) {
		for (int bit = 0; bit < 8; bit++) {
			blob[sizeof(*h) + i] ^= (uint8_t)(1u << bit);
			assert_int_equal(
				module_state_check(blob, sizeof(*h) + 75),
				EXO_ERR_CORRUPT);
			blob[sizeof(*h) + i] ^= (uint8_t)(1u << bit);
		}
	}
	free(blob);
}

/* Slots. */

static struct file img_hash, img_list, img_refuse, img_sick, img_crash,
	img_loop;

/* Pretend a caller is inside the kv slot until fake_relax lets it go. */
static void enter_other_caller(void)
{
	other_caller.prev = module_call_top;
	other_caller.slot = (uintptr_t)&kv_slot;
	module_call_top = &other_caller;
}

static int slot_setup(void **state)
{
	module_call_top = NULL;
	module_slot_fini(&kv_slot);
	assert_int_equal(kv_count(), EXO_ERR_STATE);
	memset(&kv_slot.gate, 0, sizeof(kv_slot.gate));
	memset(&kv_slot.stats, 0, sizeof(kv_slot.stats));
	kv_slot.failures = 0;
	kv_slot.budget_ticks = 0;
	kv_slot.drain_cycles = 0;
	relax_calls = 0;
	drain_after = -1;
	assert_int_equal(kv_start("kv.list"), 0);
	for (uint64_t k = 1; k <= 100; k++) {
		assert_int_equal(kv_put(k, k * 3), 0);
	}
	return 0;
}

static void expect_keys(uint64_t n)
{
	uint64_t v;

	for (uint64_t k = 1; k <= n; k++) {
		assert_int_equal(kv_get(k, &v), 0);
		assert_int_equal(v, k * 3);
	}
}

static void expect_all(uint64_t n)
{
	uint64_t v;

	assert_int_equal(kv_count(), (int64_t)n);
	for (uint64_t k = 1; k <= n; k++) {
		assert_int_equal(kv_get(k, &v), 0);
		assert_int_equal(v, k * 3);
	}
}

static void test_swap_with_state(void **state)
{
	struct module_swap_report r;
	char line[512];

	slot_setup(state);
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 0);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.hash");
	assert_int_equal(r.state_version, 1); /* kv.list writes only 1 */
	assert_int_equal(r.state_bytes, 8 + 100 * 16);
	assert_true(r.downtime > 0 && r.downtime <= r.total);
	assert_non_null(strstr(last_log, "swap kv.list 1.0.0 (built in) -> "
					 "kv.hash 2.0.0: downtime"));
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_WATCH);
	expect_all(100);
	/* The window ends after its calls: healthy, the old one retires. */
	for (int i = 0; i < MODULE_WINDOW_CALLS; i++) {
		kv_count();
	}
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_OPEN);
	assert_false(kv_slot.prev.live);
	assert_string_equal(kv_slot.prev.desc->name, "kv.list");
	/* And back to kv.list (an image now): format 2 down to 1. */
	assert_int_equal(module_slot_swap_image(&kv_slot, img_list.bytes,
						img_list.size, &r),
			 0);
	assert_int_equal(r.state_version, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_non_null(kv_slot.cur.image);
	expect_all(100);
	module_slot_describe(&kv_slot, line, sizeof(line));
	printf("  %s\n", line);
	assert_non_null(strstr(line, "kv 1.0: kv.list 1.0.0, previous kv.hash "
				     "2.0.0, gate open"));
	/* Explicit rollback: kv.hash again, with the updates since. */
	assert_int_equal(kv_put(1000, 3000), 0);
	assert_int_equal(module_slot_rollback(&kv_slot, &r), 0);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.hash");
	{
		uint64_t v;

		assert_int_equal(kv_get(1000, &v), 0);
		assert_int_equal(v, 3000);
	}
	assert_int_equal(kv_count(), 101);
	expect_keys(100);
}

static void test_swap_drains(void **state)
{
	struct module_swap_report r;

	slot_setup(state);
	enter_other_caller();
	drain_after = 3; /* it leaves while the swap waits */
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 0);
	assert_int_equal(relax_calls, 3);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.hash");
	expect_all(100);
}

static void test_swap_deadline_aborts(void **state)
{
	struct module_swap_report r;
	int before;

	slot_setup(state);
	before = mapped;
	enter_other_caller(); /* a caller that never leaves */
	kv_slot.drain_cycles = 1000;
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 EXO_ERR_BUSY);
	assert_non_null(strstr(r.why, "did not drain before the deadline"));
	assert_true(relax_calls > 0);
	assert_int_equal(mapped, before); /* the new image is gone */
	module_call_top = NULL;
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_OPEN);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_int_equal(kv_slot.stats.aborts, 1);
	expect_all(100); /* the old one serves on */
}

static void test_import_refusal_aborts(void **state)
{
	struct module_swap_report r;
	int before;

	slot_setup(state);
	before = mapped;
	assert_int_equal(module_slot_swap_image(&kv_slot, img_refuse.bytes,
						img_refuse.size, &r),
			 EXO_ERR_INVALID);
	assert_non_null(strstr(r.why, "import_state refused format 1"));
	assert_int_equal(mapped, before);
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_OPEN);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	expect_all(100);
	/* A module whose interface does not fit never gets near the gate. */
	kv_slot.want.minor = 1;
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 EXO_ERR_NOSYS);
	kv_slot.want.minor = 0;
	assert_non_null(strstr(r.why, "older than 1.1"));
	expect_all(100);
}

static void test_health_rollback(void **state)
{
	struct module_swap_report r;

	slot_setup(state);
	assert_int_equal(module_slot_swap_image(&kv_slot, img_sick.bytes,
						img_sick.size, &r),
			 EXO_ERR_CORRUPT);
	assert_non_null(strstr(r.why, "health check failed: rolled back"));
	assert_int_equal(kv_slot.stats.rollbacks, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_OPEN);
	expect_all(100);
}

/* Faults and overruns: signals stand in for the libOS's upcalls. */

static void to_frame(const ucontext_t *uc, struct exo_upcall_frame *f)
{
	const greg_t *g = uc->uc_mcontext.gregs;

	f->regs.rax = g[REG_RAX];
	f->regs.rbx = g[REG_RBX];
	f->regs.rcx = g[REG_RCX];
	f->regs.rdx = g[REG_RDX];
	f->regs.rsi = g[REG_RSI];
	f->regs.rdi = g[REG_RDI];
	f->regs.rbp = g[REG_RBP];
	f->regs.rsp = g[REG_RSP];
	f->regs.r12 = g[REG_R12];
	f->regs.r13 = g[REG_R13];
	f->regs.r14 = g[REG_R14];
	f->regs.r15 = g[REG_R15];
	f->regs.rip = g[REG_RIP];
	f->regs.rflags = g[REG_EFL];
}

static void from_frame(ucontext_t *uc, const struct exo_upcall_frame *f)
{
	greg_t *g = uc->uc_mcontext.gregs;

	g[REG_RAX] = (greg_t)f->regs.rax;
	g[REG_RBX] = (greg_t)f->regs.rbx;
	g[REG_RBP] = (greg_t)f->regs.rbp;
	g[REG_RSP] = (greg_t)f->regs.rsp;
	g[REG_R12] = (greg_t)f->regs.r12;
	g[REG_R13] = (greg_t)f->regs.r13;
	g[REG_R14] = (greg_t)f->regs.r14;
	g[REG_R15] = (greg_t)f->regs.r15;
	g[REG_RIP] = (greg_t)f->regs.rip;
	g[REG_EFL] = (greg_t)f->regs.rflags;
}

static int upcalls_taken;

static void on_signal(int sig, siginfo_t *si, void *ctx)
{
	struct exo_upcall_frame f = { 0 };

	to_frame(ctx, &f);
	f.kind = sig == SIGVTALRM ? EXO_UPCALL_PREEMPT : EXO_UPCALL_FAULT;
	f.vector = sig == SIGSEGV ? 14 : 0;
	f.addr = (uint64_t)(uintptr_t)si->si_addr;
	if (sig == SIGVTALRM) {
		ticks_now++;
	}
	if (module_upcall(&f)) {
		upcalls_taken++;
		from_frame(ctx, &f);
	} else if (sig != SIGVTALRM) {
		abort(); /* a fault outside any module: the test is broken */
	}
}

static void signals(int on)
{
	struct sigaction sa = { 0 };
	struct itimerval it = { { 0, 2000 }, { 0, 2000 } };

	sa.sa_sigaction = on ? on_signal : NULL;
	sa.sa_flags = on ? SA_SIGINFO | SA_NODEFER : 0;
	if (!on) {
		sa.sa_handler = SIG_DFL;
		memset(&it, 0, sizeof(it));
	}
	sigaction(SIGSEGV, &sa, NULL);
	sigaction(SIGVTALRM, &sa, NULL);
	setitimer(ITIMER_VIRTUAL, &it, NULL);
}

static void test_fault_restores_then_escalates(void **state)
{
	struct module_swap_report r;
	uint64_t v;

	slot_setup(state);
	kv_slot.window_calls = 0; /* no window: healing escalates */
	assert_int_equal(module_slot_swap_image(&kv_slot, img_crash.bytes,
						img_crash.size, &r),
			 0);
	kv_slot.window_calls = MODULE_WINDOW_CALLS;
	kv_count(); /* ends the (empty) window: kv.list retires */
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_OPEN);
	module_slot_checkpoint(&kv_slot);
	signals(1);
	/* First fault: the call fails, the module is restored. */
	assert_int_equal(kv_put(0xdead, 1), EXO_ERR_FAULT);
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_HEAL);
	assert_null(module_call_top);
	/* Heals on entry: a fresh instance with the checkpoint. */
	assert_int_equal(kv_count(), 100);
	assert_int_equal(kv_get(77, &v), 0);
	assert_int_equal(v, 77 * 3);
	assert_int_equal(kv_slot.stats.restores, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name,
			    "kv.test.crash");
	/* Again soon after: rolled back to the previous module. */
	assert_int_equal(kv_put(0xdead, 1), EXO_ERR_FAULT);
	expect_all(100);
	assert_int_equal(kv_slot.stats.rollbacks, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_int_equal(kv_get(0xdead, &v), EXO_ERR_NOT_FOUND);
	signals(0);
	assert_int_equal(kv_slot.stats.faults, 2);
}

static void test_fault_in_window_rolls_back(void **state)
{
	struct module_swap_report r;

	slot_setup(state);
	assert_int_equal(module_slot_swap_image(&kv_slot, img_crash.bytes,
						img_crash.size, &r),
			 0);
	signals(1);
	assert_int_equal(kv_put(0xdead, 1), EXO_ERR_FAULT);
	expect_all(100);
	signals(0);
	assert_int_equal(kv_slot.stats.rollbacks, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
}

static void test_watchdog(void **state)
{
	struct module_swap_report r;
	uint64_t v;

	slot_setup(state);
	kv_slot.budget_ticks = 5;
	assert_int_equal(module_slot_swap_image(&kv_slot, img_loop.bytes,
						img_loop.size, &r),
			 0);
	signals(1);
	upcalls_taken = 0;
	assert_int_equal(kv_get(0x100f, &v), EXO_ERR_BUSY);
	assert_int_equal(upcalls_taken, 1);
	assert_true(ticks_now >= 5);
	expect_all(100);
	signals(0);
	assert_int_equal(kv_slot.stats.overruns, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
}

static void test_fallback_and_refusal(void **state)
{
	struct module_swap_report r;

	/* No previous module: restore, then the built-in, then refuse. */
	slot_setup(state);
	kv_slot.window_calls = 0;
	assert_int_equal(module_slot_swap_image(&kv_slot, img_crash.bytes,
						img_crash.size, &r),
			 0);
	kv_count();
	kv_slot.prev = (struct module_inst){ 0 }; /* forget kv.list */
	kv_slot.window_calls = MODULE_WINDOW_CALLS;
	module_slot_checkpoint(&kv_slot);
	signals(1);
	assert_int_equal(kv_put(0xdead, 1), EXO_ERR_FAULT);
	assert_int_equal(kv_count(), 100);
	assert_int_equal(kv_slot.stats.restores, 1);
	assert_int_equal(kv_put(0xdead, 1), EXO_ERR_FAULT);
	expect_all(100);
	assert_int_equal(kv_slot.stats.fallbacks, 1);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_null(kv_slot.cur.image);
	signals(0);
	/* With no built-in either, a failing module ends up refused. */
	kv_slot.builtin = NULL;
	kv_slot.failures = 3;
	module_slot_report(&kv_slot, EXO_ERR_CORRUPT);
	assert_int_equal(kv_put(1, 1), EXO_ERR_STATE);
	assert_int_equal(kv_slot.gate.state, MODULE_GATE_REFUSED);
	assert_int_equal(kv_count(), EXO_ERR_STATE);
	assert_int_equal(kv_slot.stats.refusals, 1);
}

/* An implementation announced the old way, with LIBOS_IMPL. */
static struct {
	uint64_t n;
	struct kv_pair p[KV_CAPACITY];
} tiny;

static int tiny_put(void *self, uint64_t k, uint64_t v)
{
	for (uint64_t i = 0; i < tiny.n; i++) {
		if (tiny.p[i].key == k) {
			tiny.p[i].value = v;
			return 0;
		}
	}
	if (tiny.n == KV_CAPACITY) {
		return EXO_ERR_LIMIT;
	}
	tiny.p[tiny.n].key = k;
	tiny.p[tiny.n++].value = v;
	return 0;
}

static int tiny_get(void *self, uint64_t k, uint64_t *v)
{
	for (uint64_t i = 0; i < tiny.n; i++) {
		if (tiny.p[i].key == k) {
			*v = tiny.p[i].value;
			return 0;
		}
	}
	return EXO_ERR_NOT_FOUND;
}

static int tiny_del(void *self, uint64_t k)
{
	return EXO_ERR_NOSYS;
}

static int64_t tiny_count(void *self)
{
	return (int64_t)tiny.n;
}

static int tiny_init(void *self)
{
	tiny.n = 0;
	return 0;
}

static int64_t tiny_export(void *self, uint16_t version, void *buf,
			   uint64_t cap)
{
	uint64_t need = 8 + tiny.n * sizeof(struct kv_pair);

	if (!buf || cap < need) {
		return buf ? EXO_ERR_TOO_BIG : (int64_t)need;
	}
	memcpy(buf, &tiny, need);
	return (int64_t)need;
}

static int tiny_refuses; /* its import refuses everything */
static int tiny_sick; /* its health check fails */

static int tiny_health(void *self)
{
	return tiny_sick ? EXO_ERR_CORRUPT : 0;
}

static int tiny_import(void *self, uint16_t version, const void *buf,
		       uint64_t len)
{
	uint64_t n;

	if (tiny_refuses) {
		return EXO_ERR_INVALID;
	}
	memcpy(&n, buf, 8);
	if (n > KV_CAPACITY || len != 8 + n * sizeof(struct kv_pair)) {
		return EXO_ERR_INVALID;
	}
	memcpy(&tiny, buf, len);
	return 0;
}

static const struct kv_ops tiny_ops = { tiny_put, tiny_get, tiny_del,
					tiny_count };

LIBOS_IMPL(tiny_impl) = {
	.iface = "kv",
	.major = 1,
	.minor = 0,
	.name = "kv.tiny",
	.ops_size = sizeof(struct kv_ops),
	.ops = &tiny_ops,
	.self = &tiny,
	.init = tiny_init,
	.priority = LIBOS_PRIO_APP,
	.impl_major = 0,
	.impl_minor = 3,
	.state_version = 1,
	.state_min = 1,
	.export_state = tiny_export,
	.import_state = tiny_import,
	.health = tiny_health,
};

static void test_libos_impl_swaps(void **state)
{
	const struct module_desc *d = module_desc_of_impl(&tiny_impl);
	struct module_swap_report r;

	slot_setup(state);
	assert_non_null(d);
	assert_ptr_equal(module_desc_of_impl(&tiny_impl), d);
	assert_string_equal(d->name, "kv.tiny");
	assert_int_equal(d->impl_minor, 3);
	/* kv.list (a module) -> kv.tiny (a LIBOS_IMPL) -> kv.hash (an image) */
	assert_int_equal(module_slot_swap(&kv_slot, d, NULL, &r), 0);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.tiny");
	assert_ptr_equal(kv_slot.self, &tiny);
	expect_all(100);
	assert_int_equal(kv_del(5), EXO_ERR_NOSYS); /* its own answer */
	assert_int_equal(module_slot_swap(&kv_slot, d, NULL, &r),
			 EXO_ERR_EXISTS);
	for (int i = 0; i < MODULE_WINDOW_CALLS; i++) {
		kv_count();
	}
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 0);
	expect_all(100);
	/* And back by rollback: its one instance again, with the state. */
	assert_int_equal(kv_put(500, 1500), 0);
	assert_int_equal(module_slot_rollback(&kv_slot, &r), 0);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.tiny");
	assert_int_equal(kv_count(), 101);
	expect_keys(100);
	/* Not a linked-in record. */
	{
		struct libos_impl fake = tiny_impl;

		assert_null(module_desc_of_impl(&fake));
	}
}

/* Arguments that are calls: they must not clobber the gate's registers. */
/*
 * A restore that fails once the failed instance was made fresh (init
 * again; an image's data reset): the rollback that follows must bring
 * the previous module back with the last checkpoint, not with the state
 * of the emptied instance. (It once brought kv.list back empty.)
 */
static void test_failed_restore_rolls_back_to_checkpoint(void **state)
{
	const struct module_desc *d = module_desc_of_impl(&tiny_impl);
	struct module_swap_report r;

	slot_setup(state);
	kv_slot.window_calls = 0; /* no window: healing escalates */
	assert_int_equal(module_slot_swap(&kv_slot, d, NULL, &r), 0);
	kv_slot.window_calls = MODULE_WINDOW_CALLS;
	kv_count(); /* ends the (empty) window: kv.list retires */
	assert_false(kv_slot.prev.live);
	for (uint64_t k = 101; k <= 110; k++) {
		assert_int_equal(kv_put(k, k * 3), 0);
	}
	/* The caller saw a wrong answer; kv.tiny cannot be restored. */
	tiny_refuses = 1;
	module_slot_report(&kv_slot, EXO_ERR_CORRUPT);
	expect_all(110);
	tiny_refuses = 0;
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_int_equal(kv_slot.stats.restores, 0);
	assert_int_equal(kv_slot.stats.rollbacks, 1);
	assert_non_null(strstr(last_log, "rollback kv.tiny 0.3.0 (built in) "
					 "-> kv.list 1.0.0 (built in)"));
}

/*
 * Checkpoints are written in a format the modules healing may go back to
 * read: after kv.list -> kv.hash (formats 1..2), format 1, so that a
 * rollback to kv.list when kv.hash cannot be asked any more starts from
 * it (in format 2 kv.list refused it, and the slot ended up refused).
 */
static void test_checkpoint_format_for_rollback(void **state)
{
	struct module_swap_report r;

	slot_setup(state);
	assert_int_equal(module_slot_swap_image(&kv_slot, img_hash.bytes,
						img_hash.size, &r),
			 0);
	for (int i = 0; i < MODULE_WINDOW_CALLS + 1; i++) {
		kv_count();
	}
	assert_false(kv_slot.prev.live); /* the window closed */
	assert_int_equal(kv_put(101, 303), 0);
	assert_int_equal(module_slot_checkpoint(&kv_slot), 0);
	assert_int_equal(
		((const struct module_state_hdr *)kv_slot.ckpt)->version, 1);
	/* kv.hash can no longer be asked: back to kv.list from it. */
	kv_slot.cur.live = 0;
	kv_slot.failures = 1;
	module_slot_report(&kv_slot, EXO_ERR_CORRUPT);
	expect_all(101);
	assert_string_equal(module_slot_current(&kv_slot)->name, "kv.list");
	assert_int_equal(kv_slot.stats.rollbacks, 1);
}

/*
 * A stray write of a module that went wild may land on the checkpoint in
 * the heap: healing takes it back from its read-only copy.
 */
static void test_damaged_checkpoint_taken_from_copy(void **state)
{
	const struct module_desc *d = module_desc_of_impl(&tiny_impl);
	struct module_swap_report r;
	int before;

	slot_setup(state);
	kv_slot.window_calls = 0;
	assert_int_equal(module_slot_swap(&kv_slot, d, NULL, &r), 0);
	kv_slot.window_calls = MODULE_WINDOW_CALLS;
	kv_count(); /* ends the (empty) window: kv.list retires */
	before = mapped;
	assert_int_equal(module_slot_checkpoint(&kv_slot), 0);
	assert_non_null(kv_slot.ckpt_ro);
	assert_ptr_equal(kv_slot.ckpt_ro_of, kv_slot.ckpt);
	assert_int_equal(mapped, before); /* the older copy went */
	/* The copy is read-only; the heap's is damaged; kv.tiny is sick. */
	assert_int_equal(mprotect((void *)(uintptr_t)kv_slot.ckpt_ro,
				  kv_slot.ckpt_ro_span, PROT_READ),
			 0);
	((uint8_t *)kv_slot.ckpt)[sizeof(struct module_state_hdr) + 40] ^= 4;
	assert_int_equal(module_state_check(kv_slot.ckpt, kv_slot.ckpt_size),
			 EXO_ERR_CORRUPT);
	tiny_sick = 1;
	module_slot_report(&kv_slot, EXO_ERR_CORRUPT);
	kv_count(); /* heals: restored from the copy */
	tiny_sick = 0;
	assert_non_null(strstr(last_log, "restored kv.tiny"));
	assert_int_equal(kv_slot.stats.restores, 1);
	expect_all(100);
	assert_int_equal(module_state_check(kv_slot.ckpt, kv_slot.ckpt_size),
			 0);
	/*
	 * With no sound copy either there is no state to start from: the
	 * restore, rollback and fallback are refused rather than starting
	 * empty, and so is the slot.
	 */
	((uint8_t *)kv_slot.ckpt)[sizeof(struct module_state_hdr) + 40] ^= 4;
	kv_slot.ckpt_ro_of = NULL;
	kv_slot.failures = 0;
	tiny_sick = 1;
	module_slot_report(&kv_slot, EXO_ERR_CORRUPT);
	assert_int_equal(kv_count(), EXO_ERR_STATE);
	tiny_sick = 0;
	assert_int_equal(kv_slot.stats.restores, 1);
	assert_int_equal(kv_slot.stats.refusals, 1);
}

static __attribute__((noinline)) uint64_t through_call(uint64_t x)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lu", (unsigned long)x);
	return strtoull(buf, NULL, 10);
}

static void test_gate_args_with_calls(void **state)
{
	uint64_t v = 0;

	slot_setup(state);
	assert_int_equal(kv_put(through_call(4242), through_call(17)), 0);
	assert_int_equal(kv_get(through_call(4242), &v), 0);
	assert_int_equal(v, 17);
	assert_int_equal(kv_del(through_call(4242)), 0);
	assert_int_equal(kv_count(), 100);
}

static void test_slot_fini(void **state)
{
	slot_setup(state);
	module_slot_fini(&kv_slot);
	assert_int_equal(mapped, 0); /* every image unloaded */
	assert_null(kv_slot.ckpt);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_load_good),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_state_blob),
		cmocka_unit_test(test_state_checksum),
		cmocka_unit_test(test_swap_with_state),
		cmocka_unit_test(test_swap_drains),
		cmocka_unit_test(test_swap_deadline_aborts),
		cmocka_unit_test(test_import_refusal_aborts),
		cmocka_unit_test(test_health_rollback),
		cmocka_unit_test(test_fault_restores_then_escalates),
		cmocka_unit_test(test_fault_in_window_rolls_back),
		cmocka_unit_test(test_watchdog),
		cmocka_unit_test(test_fallback_and_refusal),
		cmocka_unit_test(test_libos_impl_swaps),
		cmocka_unit_test(test_failed_restore_rolls_back_to_checkpoint),
		cmocka_unit_test(test_checkpoint_format_for_rollback),
		cmocka_unit_test(test_damaged_checkpoint_taken_from_copy),
		cmocka_unit_test(test_gate_args_with_calls),
		cmocka_unit_test(test_slot_fini),
	};

	img_hash = read_image(KV_HASH_IMAGE);
	img_list = read_image(KV_LIST_IMAGE);
	img_refuse = read_image(KV_TEST_REFUSE_IMAGE);
	img_sick = read_image(KV_TEST_SICK_IMAGE);
	img_crash = read_image(KV_TEST_CRASH_IMAGE);
	img_loop = read_image(KV_TEST_LOOP_IMAGE);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
