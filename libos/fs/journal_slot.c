/* SPDX-License-Identifier: MIT */
/*
 * MODULES fs.journal: fs.journal serves the "fs" slot instead of fs.ram.
 * The file system itself is always in the libOS (journal.c), so a program
 * can mount a disk whichever type its slot holds.
 */
#include <libos/fs_impl.h>

FS_IMPL(journal_impl, "fs.journal", &fs_journal_type, &fs_journal_type_ops,
	LIBOS_PRIO_MODULE);
