/* SPDX-License-Identifier: MIT */
/* errno, the kernel's status codes as errno values, and their messages. */
#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <exo/errors.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

int errno;

int errno_from_exo(int64_t status)
{
	if (status >= 0) {
		return 0;
	}
	switch (status) {
	case EXO_ERR_INVALID:
	case EXO_ERR_ALIGN:
	case EXO_ERR_STATE:
		return EINVAL;
	case EXO_ERR_FAULT:
		return EFAULT;
	case EXO_ERR_TOO_BIG:
		return E2BIG;
	case EXO_ERR_NOSYS:
		return ENOSYS;
	case EXO_ERR_BUSY:
		return EBUSY;
	case EXO_ERR_EXISTS:
		return EEXIST;
	case EXO_ERR_NOT_FOUND:
		return ENOENT;
	case EXO_ERR_NOT_DIR:
		return ENOTDIR;
	case EXO_ERR_IS_DIR:
		return EISDIR;
	case EXO_ERR_NOT_EMPTY:
		return ENOTEMPTY;
	case EXO_ERR_DENIED:
		return EACCES;
	case EXO_ERR_NO_MEMORY:
		return ENOMEM;
	case EXO_ERR_LIMIT:
		return EAGAIN;
	case EXO_ERR_NO_SPACE:
		return ENOSPC;
	case EXO_ERR_IO:
		return EIO;
	case EXO_ERR_CORRUPT:
		return EBADMSG;
	default:
		return EIO;
	}
}

static const char *const messages[] = {
	[0] = "Success",
	[EPERM] = "Operation not permitted",
	[ENOENT] = "No such file or directory",
	[ESRCH] = "No such process",
	[EINTR] = "Interrupted system call",
	[EIO] = "Input/output error",
	[ENXIO] = "No such device or address",
	[E2BIG] = "Argument list too long",
	[ENOEXEC] = "Exec format error",
	[EBADF] = "Bad file descriptor",
	[ECHILD] = "No child processes",
	[EAGAIN] = "Resource temporarily unavailable",
	[ENOMEM] = "Cannot allocate memory",
	[EACCES] = "Permission denied",
	[EFAULT] = "Bad address",
	[EBUSY] = "Device or resource busy",
	[EEXIST] = "File exists",
	[EXDEV] = "Invalid cross-device link",
	[ENODEV] = "No such device",
	[ENOTDIR] = "Not a directory",
	[EISDIR] = "Is a directory",
	[EINVAL] = "Invalid argument",
	[ENFILE] = "Too many open files in system",
	[EMFILE] = "Too many open files",
	[ENOTTY] = "Inappropriate ioctl for device",
	[EFBIG] = "File too large",
	[ENOSPC] = "No space left on device",
	[ESPIPE] = "Illegal seek",
	[EROFS] = "Read-only file system",
	[EMLINK] = "Too many links",
	[EPIPE] = "Broken pipe",
	[EDOM] = "Numerical argument out of domain",
	[ERANGE] = "Numerical result out of range",
	[EDEADLK] = "Resource deadlock avoided",
	[ENAMETOOLONG] = "File name too long",
	[ENOSYS] = "Function not implemented",
	[ENOTEMPTY] = "Directory not empty",
	[ELOOP] = "Too many levels of symbolic links",
	[EBADMSG] = "Bad message",
	[EOVERFLOW] = "Value too large for defined data type",
	[EILSEQ] = "Invalid or incomplete multibyte or wide character",
	[ENOTSUP] = "Operation not supported",
	[ETIMEDOUT] = "Connection timed out",
	[ECANCELED] = "Operation canceled",
};

char *strerror(int errnum)
{
	static char unknown[32];
	const char *prefix = "Unknown error ";
	char digits[12];
	unsigned int u;
	size_t n = 0, i;

	if (errnum >= 0 && (size_t)errnum < ARRAY_LEN(messages) &&
	    messages[errnum]) {
		/* C's prototype is not const; callers must not write. */
		return (char *)messages[errnum];
	}
	u = errnum < 0 ? 0u - (unsigned int)errnum : (unsigned int)errnum;
	do {
		digits[n++] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	strcpy(unknown, prefix);
	i = strlen(unknown);
	if (errnum < 0) {
		unknown[i++] = '-';
	}
	while (n) {
		unknown[i++] = digits[--n];
	}
	unknown[i] = '\0';
	return unknown;
}
