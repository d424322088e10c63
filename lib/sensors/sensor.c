// SPDX-License-Identifier: GPL-2.0-or-later
/* What every sensor shares: availability, the page size. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <unistd.h>

#include "sensors/sensor.h"

void mp_avail_set(struct mp_avail *a, bool ok, const char *fmt, ...)
{
	va_list ap;

	a->ok = ok;
	va_start(ap, fmt);
	vsnprintf(a->why, sizeof(a->why), fmt, ap);
	va_end(ap);
}

uint64_t mp_page_size(void)
{
	long ps = sysconf(_SC_PAGESIZE);

	return ps > 0 ? (uint64_t)ps : 4096;
}
