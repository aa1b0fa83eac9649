/* SPDX-License-Identifier: MIT */
/*
 * The boot manifest: which programs init starts, with their arguments
 * and the disk extent each gets (docs/manifest.md). A line is a program to start, `wait`, or nothing;
 * words are separated by blanks, "double quotes" make one word of several,
 * and # starts a comment. The parser reads text it must not trust (a boot
 * module) without changing it, and reports the first rule a line breaks,
 * with its number, then goes on with the next line.
 */
#ifndef INIT_MANIFEST_H
#define INIT_MANIFEST_H

#include <stddef.h>
#include <stdint.h>

#define MANIFEST_LINE_MAX 255 /* characters per line, the newline aside */
#define MANIFEST_WORDS_MAX 16 /* words per line, keywords included */
#define MANIFEST_NAME_MAX 47 /* a program name: a boot module's name */

/* What a line says. */
#define MANIFEST_RUN 1 /* start argv[0] with argv */
#define MANIFEST_WAIT 2 /* wait until everything started so far ended */

/* MANIFEST_RUN flags. */
#define MANIFEST_MODULES 0x1u /* `with-modules`: share the boot modules */
#define MANIFEST_DISK 0x2u /* `disk=START+COUNT[:ro]`: grant an extent */
#define MANIFEST_DISK_RO 0x4u /* ... read-only (`:ro`) */

struct manifest_entry {
	uint32_t kind; /* MANIFEST_RUN or MANIFEST_WAIT */
	uint32_t flags; /* MANIFEST_* flags */
	uint32_t line; /* 1-based */
	uint32_t argc; /* >= 1 for MANIFEST_RUN */
	uint64_t disk_start; /* MANIFEST_DISK: first block of the extent... */
	uint64_t disk_blocks; /* ...and its length (>= 1, no wrap) */
	const char *argv[MANIFEST_WORDS_MAX + 1]; /* into buf; NULL-ended */
	char buf[MANIFEST_LINE_MAX + 1]; /* the words, each NUL-ended */
};

struct manifest {
	const char *text;
	size_t size;
	size_t pos; /* start of the next line */
	uint32_t line; /* number of the last line read */
	const char *error; /* after a failure: the rule broken */
};

/* manifest_init - read @size bytes of @text from the start. */
void manifest_init(struct manifest *m, const char *text, size_t size);

/*
 * manifest_next - the next line that says something.
 * @m: the manifest being read
 * @e: filled with the line's entry on success
 *
 * Blank lines and comments are skipped; a final line needs no newline, and
 * a carriage return before a newline is ignored. Calling again after a
 * failure goes on with the following line, so every bad line can be
 * reported.
 *
 * Return: 1 (an entry in @e), 0 (the end), or, with @m->error saying why
 * and @m->line where:
 * EXO_ERR_TOO_BIG (a line longer than MANIFEST_LINE_MAX, more than
 * MANIFEST_WORDS_MAX words, a program name longer than MANIFEST_NAME_MAX),
 * EXO_ERR_INVALID (a control character or NUL, an unterminated quote, a
 * quote inside a word or a word right after a closing quote, `wait` with
 * words after it, `with-modules` or `disk=` without a program, an empty
 * program name, a malformed, empty or wrapping `disk=` range, two
 * `disk=` or `with-modules` on a line).
 */
int manifest_next(struct manifest *m, struct manifest_entry *e);

#endif
