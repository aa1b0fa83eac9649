/* SPDX-License-Identifier: MIT */
/*
 * What every file-system implementation shares: the "fs" slot, path
 * parsing, CRC-32C, the mount-error message and the exported-state
 * record.
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>
#include <libos/fs_impl.h>

LIBOS_DEFAULT_USE(fs); /* fs.ram, ram.c */

LIBOS_SLOT(fs_slot) = {
	.iface = "fs",
	.major = FS_IFACE_MAJOR,
	.minor = FS_IFACE_MINOR,
	.ops_size = sizeof(struct fs_type_ops),
};

static char mount_error[96];

int fs_mount_fail(int err, const char *why)
{
	size_t n = strlen(why);

	if (n >= sizeof(mount_error)) {
		n = sizeof(mount_error) - 1;
	}
	memcpy(mount_error, why, n);
	mount_error[n] = '\0';
	return err;
}

const char *fs_mount_error(void)
{
	return mount_error;
}

int fs_path_next(const char **p, const char **name, size_t *len)
{
	const char *s = *p;
	size_t n = 0;

	while (*s == '/') {
		s++;
	}
	if (*s == '\0') {
		*p = s;
		return 0;
	}
	while (s[n] != '\0' && s[n] != '/') {
		if (n > FS_NAME_MAX) {
			return EXO_ERR_TOO_BIG;
		}
		n++;
	}
	if (n > FS_NAME_MAX) {
		return EXO_ERR_TOO_BIG;
	}
	if ((n == 1 && s[0] == '.') || (n == 2 && s[0] == '.' && s[1] == '.')) {
		return EXO_ERR_INVALID;
	}
	*name = s;
	*len = n;
	*p = s + n;
	return 1;
}

int fs_path_split(const char *path, size_t *parent_end, const char **name,
		  size_t *len)
{
	const char *p = path, *last = NULL, *c;
	size_t n, last_len = 0;
	int r;

	if (strlen(path) >= FS_PATH_MAX) {
		return EXO_ERR_INVALID;
	}
	while ((r = fs_path_next(&p, &c, &n)) == 1) {
		last = c;
		last_len = n;
	}
	if (r < 0) {
		return r;
	}
	if (!last) {
		return EXO_ERR_INVALID;
	}
	*parent_end = (size_t)(last - path);
	*name = last;
	*len = last_len;
	return 0;
}

/* Slicing-by-8 tables, built on first use. */
static uint32_t crc_table[8][256];
static int crc_ready;

static void crc_init(void)
{
	for (uint32_t i = 0; i < 256; i++) {
		uint32_t c = i;

		for (int k = 0; k < 8; k++) {
			c = (c >> 1) ^ (0x82f63b78u & (0u - (c & 1)));
		}
		crc_table[0][i] = c;
	}
	for (uint32_t i = 0; i < 256; i++) {
		for (int t = 1; t < 8; t++) {
			uint32_t c = crc_table[t - 1][i];

			crc_table[t][i] = (c >> 8) ^ crc_table[0][c & 0xff];
		}
	}
	crc_ready = 1;
}

uint32_t fs_crc32c(uint32_t crc, const void *p, size_t n)
{
	const uint8_t *b = p;

	if (!crc_ready) {
		crc_init();
	}
	crc = ~crc;
	while (n && ((uintptr_t)b & 7)) {
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *b++) & 0xff];
		n--;
	}
	while (n >= 8) {
		uint64_t w;

		memcpy(&w, b, 8);
		w ^= crc;
		crc = crc_table[7][w & 0xff] ^ crc_table[6][(w >> 8) & 0xff] ^
		      crc_table[5][(w >> 16) & 0xff] ^
		      crc_table[4][(w >> 24) & 0xff] ^
		      crc_table[3][(w >> 32) & 0xff] ^
		      crc_table[2][(w >> 40) & 0xff] ^
		      crc_table[1][(w >> 48) & 0xff] ^ crc_table[0][w >> 56];
		b += 8;
		n -= 8;
	}
	while (n--) {
		crc = (crc >> 8) ^ crc_table[0][(crc ^ *b++) & 0xff];
	}
	return ~crc;
}

uint64_t fs_sum64(uint64_t sum, const void *p, size_t n)
{
	const uint64_t *w = p;

	for (size_t i = 0; i < n / 8; i++) {
		sum = (sum ^ w[i]) * 0x9e3779b97f4a7c15ull;
		sum ^= sum >> 32;
	}
	return sum;
}

int fs_state_check(const void *buf, size_t len)
{
	struct fs_state_header h;
	uint32_t crc;

	if (len < sizeof(h)) {
		return EXO_ERR_CORRUPT;
	}
	memcpy(&h, buf, sizeof(h));
	if (h.magic != FS_STATE_MAGIC) {
		return EXO_ERR_CORRUPT;
	}
	if (h.version > FS_STATE_VERSION) {
		return EXO_ERR_NOSYS;
	}
	if (h.version == 0 || h.length != len ||
	    h.length != fs_state_size(h.nhandles, h.nblocks)) {
		return EXO_ERR_CORRUPT;
	}
	crc = h.crc;
	h.crc = 0;
	if (fs_crc32c(fs_crc32c(0, &h, sizeof(h)),
		      (const uint8_t *)buf + sizeof(h),
		      len - sizeof(h)) != crc) {
		return EXO_ERR_CORRUPT;
	}
	return 0;
}

size_t fs_state_seal(void *buf, uint16_t nhandles, uint32_t nblocks)
{
	struct fs_state_header h = {
		.magic = FS_STATE_MAGIC,
		.version = FS_STATE_VERSION,
		.nhandles = nhandles,
		.nblocks = nblocks,
		.length = (uint32_t)fs_state_size(nhandles, nblocks),
	};

	h.crc = fs_crc32c(fs_crc32c(0, &h, sizeof(h)),
			  (const uint8_t *)buf + sizeof(h),
			  h.length - sizeof(h));
	memcpy(buf, &h, sizeof(h));
	return h.length;
}

int fs_handle_alloc(struct fs_handle *t)
{
	for (int i = 0; i < FS_MAX_HANDLES; i++) {
		if (!t[i].used) {
			memset(&t[i], 0, sizeof(t[i]));
			t[i].used = 1;
			return i;
		}
	}
	return EXO_ERR_LIMIT;
}

struct fs_handle *fs_handle_get(struct fs_handle *t, int h)
{
	if (h < 0 || h >= FS_MAX_HANDLES || !t[h].used) {
		return NULL;
	}
	return &t[h];
}

int fs_handle_close(struct fs_handle *t, int h)
{
	struct fs_handle *fh = fs_handle_get(t, h);

	if (!fh) {
		return EXO_ERR_INVALID;
	}
	fh->used = 0;
	return 0;
}

int64_t fs_handles_export(const struct fs_handle *t, const uint64_t *blocks,
			  uint32_t nblocks, void *buf, size_t cap)
{
	uint16_t n = 0;
	uint8_t *p;

	for (int i = 0; i < FS_MAX_HANDLES; i++) {
		n += t[i].used ? 1 : 0;
	}
	if (fs_state_size(n, nblocks) > cap) {
		return EXO_ERR_TOO_BIG;
	}
	p = (uint8_t *)buf + sizeof(struct fs_state_header);
	for (int i = 0; i < FS_MAX_HANDLES; i++) {
		struct fs_state_handle e;

		if (!t[i].used) {
			continue;
		}
		e.handle = i;
		e.flags = t[i].flags;
		e.ino = t[i].ino;
		e.gen = t[i].gen;
		e.offset = t[i].offset;
		memcpy(p, &e, sizeof(e));
		p += sizeof(e);
	}
	if (nblocks) {
		memcpy(p, blocks, (size_t)nblocks * 8);
	}
	return (int64_t)fs_state_seal(buf, n, nblocks);
}

int fs_handles_import(struct fs_handle *t, const void *buf, size_t len,
		      int (*valid)(void *ctx, uint64_t ino, uint64_t gen,
				   uint32_t flags),
		      void *ctx, const uint8_t **blocks, uint32_t *nblocks)
{
	struct fs_state_header h;
	const uint8_t *p;
	int err;

	err = fs_state_check(buf, len);
	if (err) {
		return err;
	}
	for (int i = 0; i < FS_MAX_HANDLES; i++) {
		if (t[i].used) {
			return EXO_ERR_BUSY;
		}
	}
	memcpy(&h, buf, sizeof(h));
	p = (const uint8_t *)buf + sizeof(h);
	/* Check every entry before taking any. */
	for (uint16_t i = 0; i < h.nhandles; i++) {
		struct fs_state_handle e;

		memcpy(&e, p + (size_t)i * sizeof(e), sizeof(e));
		if (e.handle < 0 || e.handle >= FS_MAX_HANDLES ||
		    (e.offset >> 62) != 0) {
			return EXO_ERR_CORRUPT;
		}
		for (uint16_t j = 0; j < i; j++) {
			struct fs_state_handle o;

			memcpy(&o, p + (size_t)j * sizeof(o), sizeof(o));
			if (o.handle == e.handle) {
				return EXO_ERR_CORRUPT;
			}
		}
		err = valid(ctx, e.ino, e.gen, e.flags);
		if (err) {
			return err;
		}
	}
	for (uint16_t i = 0; i < h.nhandles; i++) {
		struct fs_state_handle e;

		memcpy(&e, p + (size_t)i * sizeof(e), sizeof(e));
		t[e.handle].used = 1;
		t[e.handle].flags = e.flags;
		t[e.handle].ino = e.ino;
		t[e.handle].gen = e.gen;
		t[e.handle].offset = e.offset;
	}
	*blocks = p + (size_t)h.nhandles * sizeof(struct fs_state_handle);
	*nblocks = h.nblocks;
	return 0;
}
