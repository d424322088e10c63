// SPDX-License-Identifier: GPL-2.0-or-later
/* What every sensor shares: availability, the page size, the kernel's release. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <sys/utsname.h>
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

int mp_kernel_release(const struct mp_root *root, char *buf, size_t len)
{
	struct utsname u;

	if (mp_read_str(root, "/proc/sys/kernel/osrelease", buf, len) > 0)
		return 0;
	if (uname(&u) < 0) {
		buf[0] = '\0';
		return -errno;
	}
	snprintf(buf, len, "%s", u.release);
	return 0;
}
