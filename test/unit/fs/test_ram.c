/* SPDX-License-Identifier: MIT */
/* fs.ram through the shared file-system suite. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <libos/fs.h>

#include "fs_suite.h"

static int mount_ram(struct fs **out)
{
	return fs_mount(&fs_ram_type, NULL, NULL, out);
}

int main(void)
{
	const struct CMUnitTest tests[] = { FS_SUITE_TESTS };

	fs_suite_mount = mount_ram;
	fs_suite_remount = NULL;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
