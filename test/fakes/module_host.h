/* SPDX-License-Identifier: MIT */
/*
 * Module images on the host, for the tests that load real images with the
 * libOS loader: map, protect and unmap with mmap (ctx, when not NULL, is
 * an int counting images mapped and not yet unmapped), and the reference
 * checksum of the module state formats, spelled out byte by byte.
 */
#ifndef FAKES_MODULE_HOST_H
#define FAKES_MODULE_HOST_H

#include <stddef.h>
#include <stdint.h>

#include <libos/module_loader.h>

extern const struct module_map_ops module_host_mops;

/*
 * FNV-1a 64 over @n bytes at @b taken as little-endian 64-bit words (the
 * last one zero-padded): the definition module_words_sum must match.
 */
uint64_t module_host_ref_sum(const uint8_t *b, size_t n);

/*
 * Fail the calling cmocka test unless @sum equals module_host_ref_sum on
 * pseudo-random bytes at every length up to 160 from every alignment, and
 * is the FNV offset basis on none.
 */
void module_host_check_sum(uint64_t (*sum)(const void *p, size_t n));

#endif
