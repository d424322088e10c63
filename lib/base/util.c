// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"

int mp_parse_u64(const char *s, int base, uint64_t *out)
{
	unsigned long long v;
	char *end;

	if (!s)
		return -EINVAL;
	while (isspace((unsigned char)*s))
		s++;
	/* strtoull accepts a sign; a size or a block number never has one */
	if (!isxdigit((unsigned char)*s))
		return -EINVAL;
	if (base == 16 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X'))
		s += 2;
	errno = 0;
	v = strtoull(s, &end, base);
	if (errno == ERANGE)
		return -ERANGE;
	if (end == s)
		return -EINVAL;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return -EINVAL;
	*out = v;
	return 0;
}

int mp_parse_size(const char *s, uint64_t *out)
{
	static const char units[] = "KMGTPE";
	unsigned long long v;
	const char *u;
	char *end;
	int shift = 0;

	if (!s || !isdigit((unsigned char)*s))
		return -EINVAL;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno == ERANGE)
		return -ERANGE;
	if (*end) {
		u = strchr(units, toupper((unsigned char)*end));
		if (!u || !*end)
			return -EINVAL;
		shift = 10 * (int)(u - units + 1);
		end++;
		if (!strcmp(end, "iB") || !strcmp(end, "B"))
			end += strlen(end);
		if (*end)
			return -EINVAL;
		if (shift >= 64 || v > (UINT64_MAX >> shift))
			return -ERANGE;
	}
	*out = (uint64_t)v << shift;
	return 0;
}

char *mp_human_size(uint64_t bytes, char *buf, size_t len)
{
	static const char letters[] = "BKMGTPE";
	uint64_t dec, frac = 0;
	int exp = 0;

	while (exp < 60 && bytes >= (1ULL << (exp + 10)))
		exp += 10;
	dec = bytes >> exp;
	if (exp) {
		/* three digits after the point, rounded half up to one */
		frac = bytes & ((1ULL << exp) - 1);
		if (frac >= UINT64_MAX / 1000)
			frac = ((frac >> 10) * 1000) >> (exp - 10);
		else
			frac = (frac * 1000) >> exp;
		frac = (frac + 50) / 100;
		if (frac == 10) {
			dec++;
			frac = 0;
		}
	}
	if (frac)
		snprintf(buf, len, "%" PRIu64 ".%" PRIu64 "%c", dec, frac, letters[exp / 10]);
	else
		snprintf(buf, len, "%" PRIu64 "%c", dec, letters[exp / 10]);
	return buf;
}

char *mp_rstrip(char *s)
{
	size_t n = strlen(s);

	while (n && isspace((unsigned char)s[n - 1]))
		s[--n] = '\0';
	return s;
}
