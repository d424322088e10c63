// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sensor-kmsg.h"

/* In the order tried; the first that matches names the finding. */
static const char *const patterns[] = {
	"WARNING:",		/* WARN_ON(): "WARNING: CPU: 0 PID: 1 at mm/..." */
	"BUG:",			/* "BUG: Bad page state", "BUG: unable to handle" */
	"kernel BUG at",
	"Oops",
	"general protection fault",
	"page dumped because",	/* dump_page(): bad or unmovable page */
	"Offline failed",
	"memory offlining [",	/* pr_debug on failure: "memory offlining [mem ...] failed due to" */
	"stuck online",
	"Memory failure:",	/* hwpoison handling */
	"Kernel panic",
	"list_add corruption",
	"list_del corruption",
	"refcount_t:",
	"RCU detected stall",
	"soft lockup",
	"hung_task",
	"blocked for more than",
};

const char *mp_kmsg_classify(const char *msg, size_t len)
{
	char buf[1024];

	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if (strstr(buf, patterns[i])) {
			/* the line that closes a warning's dump is no second finding */
			if (!strncmp(buf, "---[ end trace", 14))
				return NULL;
			return patterns[i];
		}
	return NULL;
}

bool mp_kmsg_record(const char *line, size_t n, const char **msg, size_t *len)
{
	const char *semi, *end = line + n;

	while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		end = line + --n;
	if (!n || line[0] == ' ')
		return false;
	if (line[0] == '[') {
		const char *close = memchr(line, ']', n);

		if (!close)
			return false;
		*msg = close + 1;
		if (*msg < end && **msg == ' ')
			(*msg)++;
		*len = (size_t)(end - *msg);
		return true;
	}
	semi = memchr(line, ';', n);
	if (!semi || line[0] < '0' || line[0] > '9')
		return false;
	for (const char *p = line; p < semi; p++)
		if (!strchr("0123456789,-+cA", *p) && !(*p >= 'a' && *p <= 'z'))
			return false;
	*msg = semi + 1;
	*len = (size_t)(end - *msg);
	return true;
}

static int add(const char *msg, size_t len, const char *step, struct mp_findings *out)
{
	const char *what = mp_kmsg_classify(msg, len);
	struct mp_finding *x;

	if (!what)
		return 0;
	x = mp_findings_add(out, MP_FIND_KERNEL_LOG, -1, step, "kernel log: %s", what);
	if (!x)
		return -ENOMEM;
	x->text = strndup(msg, len);
	return x->text ? 1 : -ENOMEM;
}

int mp_kmsg_scan(const char *buf, size_t len, const char *step, struct mp_findings *out)
{
	const char *p = buf, *end = buf + len;
	int n = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *msg;
		size_t l = (size_t)((nl ? nl : end) - p), ml;

		if (mp_kmsg_record(p, l, &msg, &ml)) {
			int r = add(msg, ml, step, out);

			if (r < 0)
				return r;
			n += r;
		}
		p = nl ? nl + 1 : end;
	}
	return n;
}

struct mp_kmsg {
	int fd;
};

int mp_kmsg_open(const struct mp_root *root, struct mp_kmsg **out, struct mp_avail *avail)
{
	struct mp_kmsg *k;
	int fd = mp_open(root, "/dev/kmsg", O_RDONLY | O_NONBLOCK);

	if (fd < 0) {
		mp_avail_set(avail, false, "cannot open /dev/kmsg: %s", strerror(-fd));
		return fd;
	}
	if (lseek(fd, 0, SEEK_END) < 0 && !mp_root_is_sysroot(root)) {
		int e = -errno;

		close(fd);
		mp_avail_set(avail, false, "cannot seek /dev/kmsg: %s", strerror(-e));
		return e;
	}
	k = calloc(1, sizeof(*k));
	if (!k) {
		close(fd);
		return -ENOMEM;
	}
	k->fd = fd;
	mp_avail_set(avail, true, "/dev/kmsg");
	*out = k;
	return 0;
}

int mp_kmsg_poll(struct mp_kmsg *k, const char *step, struct mp_findings *out)
{
	char rec[8192];
	int n = 0;

	for (;;) {
		ssize_t r = read(k->fd, rec, sizeof(rec) - 1);
		const char *msg;
		size_t ml;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE)	/* overwritten records: go on from here */
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (r == 0)
			break;
		/* one record per read; its dictionary lines follow a newline */
		{
			const char *nl = memchr(rec, '\n', (size_t)r);
			size_t l = nl ? (size_t)(nl - rec) : (size_t)r;

			if (mp_kmsg_record(rec, l, &msg, &ml)) {
				int a = add(msg, ml, step, out);

				if (a < 0)
					return a;
				n += a;
			}
		}
	}
	return n;
}

void mp_kmsg_close(struct mp_kmsg *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}
