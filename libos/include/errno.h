/* SPDX-License-Identifier: MIT */
/*
 * <errno.h>: the error numbers of the POSIX face, with Linux's values so
 * that programs and their test expectations carry over. The libOS sets
 * errno when a call fails; the kernel's own status codes (EXO_ERR_*) are
 * mapped by errno_from_exo().
 */
#ifndef LIBOS_LIBC_ERRNO_H
#define LIBOS_LIBC_ERRNO_H

#include <stdint.h>

/* The last error. One per program: the libOS is single-threaded. */
extern int errno;

#define EPERM 1 /* operation not permitted */
#define ENOENT 2 /* no such file or directory */
#define ESRCH 3 /* no such process */
#define EINTR 4 /* interrupted call */
#define EIO 5 /* input/output error */
#define ENXIO 6 /* no such device or address */
#define E2BIG 7 /* argument list too long */
#define ENOEXEC 8 /* exec format error */
#define EBADF 9 /* bad file descriptor */
#define ECHILD 10 /* no child processes */
#define EAGAIN 11 /* resource temporarily unavailable */
#define EWOULDBLOCK EAGAIN
#define ENOMEM 12 /* out of memory */
#define EACCES 13 /* permission denied */
#define EFAULT 14 /* bad address */
#define EBUSY 16 /* device or resource busy */
#define EEXIST 17 /* file exists */
#define EXDEV 18 /* cross-device link */
#define ENODEV 19 /* no such device */
#define ENOTDIR 20 /* not a directory */
#define EISDIR 21 /* is a directory */
#define EINVAL 22 /* invalid argument */
#define ENFILE 23 /* too many open files in system */
#define EMFILE 24 /* too many open files */
#define ENOTTY 25 /* inappropriate ioctl for device */
#define EFBIG 27 /* file too large */
#define ENOSPC 28 /* no space left on device */
#define ESPIPE 29 /* illegal seek */
#define EROFS 30 /* read-only file system */
#define EMLINK 31 /* too many links */
#define EPIPE 32 /* broken pipe */
#define EDOM 33 /* numerical argument out of domain */
#define ERANGE 34 /* numerical result out of range */
#define EDEADLK 35 /* resource deadlock avoided */
#define ENAMETOOLONG 36 /* file name too long */
#define ENOSYS 38 /* function not implemented */
#define ENOTEMPTY 39 /* directory not empty */
#define ELOOP 40 /* too many levels of symbolic links */
#define EBADMSG 74 /* bad message */
#define EOVERFLOW 75 /* value too large for defined data type */
#define EILSEQ 84 /* invalid or incomplete multibyte character */
#define ENOTSUP 95 /* operation not supported */
#define ETIMEDOUT 110 /* connection timed out */
#define ECANCELED 125 /* operation canceled */

/*
 * errno_from_exo - the errno value for kernel status @status: 0 for
 * success (0 or positive), else
 *   EXO_ERR_INVALID, _ALIGN, _STATE    EINVAL
 *   EXO_ERR_FAULT                      EFAULT
 *   EXO_ERR_TOO_BIG                    E2BIG
 *   EXO_ERR_NOSYS                      ENOSYS
 *   EXO_ERR_BUSY                       EBUSY
 *   EXO_ERR_EXISTS                     EEXIST
 *   EXO_ERR_NOT_FOUND                  ENOENT
 *   EXO_ERR_DENIED                     EACCES
 *   EXO_ERR_NO_MEMORY                  ENOMEM
 *   EXO_ERR_LIMIT                      EAGAIN (a table is full: try later)
 *   EXO_ERR_IO                         EIO
 *   EXO_ERR_CORRUPT                    EBADMSG
 * and EIO for a code it does not know.
 */
int errno_from_exo(int64_t status);

#endif
