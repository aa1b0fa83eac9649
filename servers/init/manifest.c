/* SPDX-License-Identifier: MIT */
/*
 * Reading the boot manifest one line at a time. The text is a boot module,
 * so it is read-only and untrusted: the words are copied into the entry,
 * never written in place, and nothing past @size is read. A line's words
 * with their NULs never need more than the line's length plus one, which
 * is what the entry's buffer holds.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#include "manifest.h"

void manifest_init(struct manifest *m, const char *text, size_t size)
{
	m->text = text;
	m->size = size;
	m->pos = 0;
	m->line = 0;
	m->error = NULL;
}

static int fail(struct manifest *m, int err, const char *why)
{
	m->error = why;
	return err;
}

static bool blank(char c)
{
	return c == ' ' || c == '\t';
}

/* Tabs are blanks; every other control character is refused. */
static bool control(char c)
{
	return ((unsigned char)c < 0x20 && c != '\t') || c == 0x7f;
}

/*
 * Split @s (@len characters) into words in @e->buf.
 * Return: the number of words, or an error with @m->error set.
 */
static int split(struct manifest *m, const char *s, size_t len,
		 struct manifest_entry *e, bool quoted[])
{
	size_t i = 0, out = 0;
	int n = 0;

	while (i < len) {
		if (blank(s[i])) {
			i++;
			continue;
		}
		if (s[i] == '#') {
			break;
		}
		if (n == MANIFEST_WORDS_MAX) {
			return fail(m, EXO_ERR_TOO_BIG, "more than 16 words");
		}
		e->argv[n] = &e->buf[out];
		quoted[n] = s[i] == '"';
		if (quoted[n]) {
			for (i++; i < len && s[i] != '"'; i++) {
				if (control(s[i])) {
					return fail(m, EXO_ERR_INVALID,
						    "control character");
				}
				e->buf[out++] = s[i];
			}
			if (i == len) {
				return fail(m, EXO_ERR_INVALID,
					    "unterminated quote");
			}
			i++;
			if (i < len && !blank(s[i])) {
				return fail(m, EXO_ERR_INVALID,
					    "text right after a closing quote");
			}
		} else {
			for (; i < len && !blank(s[i]); i++) {
				if (s[i] == '"') {
					return fail(m, EXO_ERR_INVALID,
						    "quote inside a word");
				}
				if (control(s[i])) {
					return fail(m, EXO_ERR_INVALID,
						    "control character");
				}
				e->buf[out++] = s[i];
			}
		}
		e->buf[out++] = '\0';
		n++;
	}
	return n;
}

/* Is word @i the unquoted keyword @kw? */
static bool keyword(const struct manifest_entry *e, const bool quoted[], int i,
		    const char *kw)
{
	return !quoted[i] && strcmp(e->argv[i], kw) == 0;
}

/* A decimal number below 2^64 at *@s; *@s moves past it. */
static bool number(const char **s, uint64_t *out)
{
	uint64_t v = 0, d;
	int digits = 0;

	while (**s >= '0' && **s <= '9') {
		d = (uint64_t)(**s - '0');
		if (v > (UINT64_MAX - d) / 10) {
			return false;
		}
		v = v * 10 + d;
		digits++;
		(*s)++;
	}
	*out = v;
	return digits > 0;
}

/* `disk=START+COUNT` or `disk=START+COUNT:ro` into @e. */
static int parse_disk(struct manifest *m, const char *w,
		      struct manifest_entry *e)
{
	const char *s = w + 5;

	if (e->flags & MANIFEST_DISK) {
		return fail(m, EXO_ERR_INVALID, "more than one `disk=`");
	}
	if (!number(&s, &e->disk_start) || *s++ != '+' ||
	    !number(&s, &e->disk_blocks) || (*s && strcmp(s, ":ro") != 0)) {
		return fail(m, EXO_ERR_INVALID,
			    "`disk=` wants START+COUNT or START+COUNT:ro "
			    "(blocks, decimal)");
	}
	if (e->disk_blocks == 0 ||
	    e->disk_start + e->disk_blocks < e->disk_start) {
		return fail(m, EXO_ERR_INVALID,
			    "`disk=` range is empty or wraps");
	}
	e->flags |= MANIFEST_DISK | (*s ? MANIFEST_DISK_RO : 0);
	return 0;
}

/* Return: 1 (an entry), 0 (nothing on the line), or an error. */
static int parse_line(struct manifest *m, const char *s, size_t len,
		      struct manifest_entry *e)
{
	bool quoted[MANIFEST_WORDS_MAX];
	int n = split(m, s, len, e, quoted);
	int first = 0;

	if (n <= 0) {
		return n;
	}
	e->line = m->line;
	e->flags = 0;
	e->disk_start = 0;
	e->disk_blocks = 0;
	if (keyword(e, quoted, 0, "wait")) {
		if (n > 1) {
			return fail(m, EXO_ERR_INVALID,
				    "nothing may follow `wait`");
		}
		e->kind = MANIFEST_WAIT;
		e->argc = 0;
		e->argv[0] = NULL;
		return 1;
	}
	/* Options, in any order, before the program. */
	for (;; first++) {
		const char *w = e->argv[first];
		int err;

		if (keyword(e, quoted, first, "with-modules")) {
			if (e->flags & MANIFEST_MODULES) {
				return fail(m, EXO_ERR_INVALID,
					    "more than one `with-modules`");
			}
			e->flags |= MANIFEST_MODULES;
		} else if (!quoted[first] && strncmp(w, "disk=", 5) == 0) {
			err = parse_disk(m, w, e);
			if (err) {
				return err;
			}
		} else {
			break;
		}
		if (first + 1 == n) {
			return fail(m, EXO_ERR_INVALID,
				    e->flags & MANIFEST_DISK &&
						    !keyword(e, quoted, first,
							     "with-modules")
					    ? "`disk=` needs a program"
					    : "`with-modules` needs a program");
		}
	}
	if (e->argv[first][0] == '\0') {
		return fail(m, EXO_ERR_INVALID, "empty program name");
	}
	if (strlen(e->argv[first]) > MANIFEST_NAME_MAX) {
		return fail(m, EXO_ERR_TOO_BIG,
			    "program name longer than 47 characters");
	}
	e->kind = MANIFEST_RUN;
	e->argc = (uint32_t)(n - first);
	for (int i = 0; i < n - first; i++) {
		e->argv[i] = e->argv[i + first];
	}
	e->argv[e->argc] = NULL;
	return 1;
}

int manifest_next(struct manifest *m, struct manifest_entry *e)
{
	while (m->pos < m->size) {
		const char *s = m->text + m->pos;
		size_t rest = m->size - m->pos;
		size_t len = 0;
		int r;

		while (len < rest && s[len] != '\n') {
			len++;
		}
		m->pos += len < rest ? len + 1 : len;
		m->line++;
		if (len > 0 && s[len - 1] == '\r') {
			len--;
		}
		if (len > MANIFEST_LINE_MAX) {
			return fail(m, EXO_ERR_TOO_BIG,
				    "line longer than 255 characters");
		}
		r = parse_line(m, s, len, e);
		if (r != 0) {
			return r;
		}
	}
	return 0;
}
