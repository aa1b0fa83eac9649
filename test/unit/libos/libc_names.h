/* SPDX-License-Identifier: MIT */
/*
 * Forced into the libOS C library sources when the host tests build them:
 * every name they define that the host's C library also has gets the
 * prefix axo_, so both live in one test program and can be compared.
 * libc_test.h declares the renamed functions for the tests.
 */
#define errno axo_errno
#define strerror axo_strerror
#define memchr axo_memchr
#define strrchr axo_strrchr
#define strstr axo_strstr
#define strspn axo_strspn
#define strcspn axo_strcspn
#define strpbrk axo_strpbrk
#define strcpy axo_strcpy
#define strncpy axo_strncpy
#define strcat axo_strcat
#define strncat axo_strncat
#define strdup axo_strdup
#define strndup axo_strndup
#define strtol axo_strtol
#define strtoll axo_strtoll
#define strtoul axo_strtoul
#define strtoull axo_strtoull
#define atoi axo_atoi
#define atol axo_atol
#define atoll axo_atoll
#define abs axo_abs
#define labs axo_labs
#define llabs axo_llabs
#define qsort axo_qsort
#define bsearch axo_bsearch
#define rand axo_rand
#define srand axo_srand
#define snprintf axo_snprintf
#define vsnprintf axo_vsnprintf
#define sprintf axo_sprintf
#define vsprintf axo_vsprintf
#define malloc axo_malloc
#define free axo_free
#define calloc axo_calloc
#define realloc axo_realloc
