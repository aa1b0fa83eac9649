/* SPDX-License-Identifier: MIT */
/*
 * Status codes of the kernel ABI. 0 is success; failures are negative
 * EXO_ERR_* values, grouped by what went wrong. The libOS maps them to errno.
 */
#ifndef EXO_ERRORS_H
#define EXO_ERRORS_H

#include <stdint.h>

typedef int64_t exo_status_t;

#define EXO_OK 0

/* Argument: the caller passed something malformed. */
#define EXO_ERR_INVALID -1 /* an argument is out of range or malformed */
#define EXO_ERR_ALIGN -2 /* an address or size is not suitably aligned */
#define EXO_ERR_FAULT -3 /* a user pointer is not mapped or not accessible */
#define EXO_ERR_TOO_BIG -4 /* a size or count exceeds a fixed limit */
#define EXO_ERR_NOSYS -5 /* no such system call or operation */

/* State: the request is well formed but the object is in the wrong state. */
#define EXO_ERR_STATE -16 /* the object is not in a state that allows this */
#define EXO_ERR_BUSY -17 /* the resource is in use by someone else */
#define EXO_ERR_EXISTS -18 /* the thing to create already exists */
#define EXO_ERR_NOT_FOUND -19 /* no such object */
#define EXO_ERR_NOT_DIR -20 /* a path component is not a directory */
#define EXO_ERR_IS_DIR -21 /* the object is a directory */
#define EXO_ERR_NOT_EMPTY -22 /* the directory is not empty */

/* Rights: the caller may not do this. */
#define EXO_ERR_DENIED -32 /* the caller lacks the right or ownership */

/* Resource: the system has run out of something. */
#define EXO_ERR_NO_MEMORY -48 /* no free frames or kernel memory */
#define EXO_ERR_LIMIT -49 /* a table or quota is full */
#define EXO_ERR_NO_SPACE -50 /* the device or file system is full */

/* I/O: a device or medium failed. */
#define EXO_ERR_IO -64 /* a device reported an error */
#define EXO_ERR_CORRUPT -65 /* data read back failed a consistency check */

/* A short constant name for a status, e.g. "EXO_ERR_INVALID". */
static inline const char *exo_status_name(exo_status_t s)
{
	switch (s) {
	case EXO_OK:
		return "EXO_OK";
	case EXO_ERR_INVALID:
		return "EXO_ERR_INVALID";
	case EXO_ERR_ALIGN:
		return "EXO_ERR_ALIGN";
	case EXO_ERR_FAULT:
		return "EXO_ERR_FAULT";
	case EXO_ERR_TOO_BIG:
		return "EXO_ERR_TOO_BIG";
	case EXO_ERR_NOSYS:
		return "EXO_ERR_NOSYS";
	case EXO_ERR_STATE:
		return "EXO_ERR_STATE";
	case EXO_ERR_BUSY:
		return "EXO_ERR_BUSY";
	case EXO_ERR_EXISTS:
		return "EXO_ERR_EXISTS";
	case EXO_ERR_NOT_FOUND:
		return "EXO_ERR_NOT_FOUND";
	case EXO_ERR_NOT_DIR:
		return "EXO_ERR_NOT_DIR";
	case EXO_ERR_IS_DIR:
		return "EXO_ERR_IS_DIR";
	case EXO_ERR_NOT_EMPTY:
		return "EXO_ERR_NOT_EMPTY";
	case EXO_ERR_DENIED:
		return "EXO_ERR_DENIED";
	case EXO_ERR_NO_MEMORY:
		return "EXO_ERR_NO_MEMORY";
	case EXO_ERR_LIMIT:
		return "EXO_ERR_LIMIT";
	case EXO_ERR_NO_SPACE:
		return "EXO_ERR_NO_SPACE";
	case EXO_ERR_IO:
		return "EXO_ERR_IO";
	case EXO_ERR_CORRUPT:
		return "EXO_ERR_CORRUPT";
	default:
		return "EXO_ERR_?";
	}
}

#endif
