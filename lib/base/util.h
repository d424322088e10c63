/* SPDX-License-Identifier: GPL-2.0-or-later */
/* Small helpers shared by every memplug module. */
#ifndef MEMPLUG_UTIL_H
#define MEMPLUG_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <unistd.h>

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#define _cleanup_(x) __attribute__((cleanup(x)))

static inline void freep(void *p)
{
	free(*(void **)p);
}
#define _cleanup_free_ _cleanup_(freep)

static inline void closep(int *fd)
{
	if (*fd >= 0)
		close(*fd);
}
#define _cleanup_close_ _cleanup_(closep)

#define _printf_(a, b) __attribute__((format(printf, a, b)))

/* Exit statuses of the command line, documented in memplug(8). */
enum {
	MP_EXIT_OK = 0,	      /* ran, nothing wrong */
	MP_EXIT_FINDINGS = 1, /* ran, found a leak, corruption or broken invariant */
	MP_EXIT_USAGE = 2,    /* usage or environment error */
	MP_EXIT_PARTIAL = 3,  /* ran, but some blocks could not be read */
	MP_EXIT_SKIP = 4,     /* skipped: kselftest's KSFT_SKIP */
};

/*
 * Parse an unsigned decimal or (with base 16, or a 0x prefix when base is 0)
 * hexadecimal number that fills the whole of s up to optional trailing
 * whitespace. Returns 0 or -EINVAL / -ERANGE.
 */
int mp_parse_u64(const char *s, int base, uint64_t *out);

/*
 * A size such as "128M", "1G", "4096" (bytes) or "0x8000000".
 * Suffixes K, M, G, T, P, E (powers of 1024), optional "iB" or "B".
 */
int mp_parse_size(const char *s, uint64_t *out);

/* lsmem's human size ("128M", "2.9G", "0B"), written into buf. */
char *mp_human_size(uint64_t bytes, char *buf, size_t len);

/* Strip trailing whitespace (the newline sysfs adds) in place. */
char *mp_rstrip(char *s);

#endif
