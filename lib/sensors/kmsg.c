// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "sensors/kmsg.h"

/*
 * In the order tried; the first that matches names the record. The first
 * group is what mm/ logs when offlining or removing is refused, an outcome
 * the caller sees as EBUSY (or the notifier's errno), not a kernel bug:
 * offline_pages() reports a failure only with pr_debug "memory offlining
 * [mem ...] failed due to REASON" (notifier failure, unmovable page,
 * failure to isolate range, signal backoff, ...); do_migrate_range()
 * warns "failed to isolate pfn" / "migrating pfn N failed ret:E" and
 * dump_page()s the page ("isolation failed", "migration failure");
 * has_unmovable_pages() dump_page()s "unmovable page"; try_remove_memory()
 * says "removing memory fails, because memory [...] is onlined". "Offline
 * failed" is what some kernels and drivers print for the same refusal.
 * Any other dump_page() ("nonzero mapcount", "bad page" ...) follows a BUG.
 */
static const struct {
	const char *pat;
	bool refused;
} patterns[] = {
	{ "page dumped because: migration failure", true },
	{ "page dumped because: isolation failed", true },
	{ "page dumped because: unmovable page", true },
	{ "migrating pfn ", true },
	{ "failed to isolate pfn ", true },
	{ "memory offlining [", true },
	{ "Offline failed", true },
	{ "removing memory fails, because memory", true },
	{ "WARNING:", false }, /* WARN_ON(): "WARNING: CPU: 0 PID: 1 at mm/..." */
	{ "BUG:", false },     /* "BUG: Bad page state", "BUG: unable to handle" */
	{ "kernel BUG at", false },
	{ "Oops", false },
	{ "general protection fault", false },
	{ "page dumped because", false },
	{ "stuck online", false },
	{ "Memory failure:", false }, /* hwpoison handling */
	{ "Kernel panic", false },
	{ "list_add corruption", false },
	{ "list_del corruption", false },
	{ "refcount_t:", false },
	{ "RCU detected stall", false },
	{ "soft lockup", false },
	{ "hung_task", false },
	{ "blocked for more than", false },
};

static const char *classify(const char *msg, size_t len, bool *refused)
{
	char buf[1024];

	*refused = false;
	if (len >= sizeof(buf))
		len = sizeof(buf) - 1;
	memcpy(buf, msg, len);
	buf[len] = '\0';
	/* the line that closes a warning's dump is no second finding */
	if (!strncmp(buf, "---[ end trace", 14))
		return NULL;
	for (size_t i = 0; i < ARRAY_SIZE(patterns); i++)
		if (strstr(buf, patterns[i].pat)) {
			*refused = patterns[i].refused;
			return patterns[i].pat;
		}
	return NULL;
}

const char *mp_kmsg_classify(const char *msg, size_t len)
{
	bool refused;

	return classify(msg, len, &refused);
}

bool mp_kmsg_refusal(const char *msg, size_t len)
{
	bool refused;

	return classify(msg, len, &refused) && refused;
}

uint64_t mp_kmsg_pfn(const char *msg, size_t len)
{
	static const char key[] = "Memory failure: ";
	char buf[64];
	const char *p;
	uint64_t v;
	size_t n;

	if (len < sizeof(key) + 2 || memcmp(msg, key, sizeof(key) - 1))
		return UINT64_MAX;
	p = msg + sizeof(key) - 1;
	n = (size_t)(msg + len - p);
	if (n >= sizeof(buf))
		n = sizeof(buf) - 1;
	memcpy(buf, p, n);
	buf[n] = '\0';
	if (strncmp(buf, "0x", 2) || !strchr(buf, ':'))
		return UINT64_MAX;
	*strchr(buf, ':') = '\0';
	return mp_parse_u64(buf, 16, &v) ? UINT64_MAX : v;
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

/* ---- classified records ---- */

void mp_kmsg_log_clear(struct mp_kmsg_log *log)
{
	for (size_t i = 0; i < log->n; i++)
		free(log->v[i].text);
	free(log->v);
	memset(log, 0, sizeof(*log));
}

/* The sequence number of a /dev/kmsg record ("prio,seq,ts,flags;"). */
static bool record_seq(const char *line, size_t n, uint64_t *seq)
{
	const char *c = memchr(line, ',', n);
	char buf[24];
	size_t k;

	if (!c || line[0] < '0' || line[0] > '9')
		return false;
	c++;
	for (k = 0; c + k < line + n && k < sizeof(buf) - 1 && c[k] >= '0' && c[k] <= '9'; k++)
		buf[k] = c[k];
	buf[k] = '\0';
	return k && c + k < line + n && c[k] == ',' && !mp_parse_u64(buf, 10, seq);
}

static int keep_rec(struct mp_kmsg_log *log, uint64_t seq, const char *msg, size_t len)
{
	bool refused;
	const char *pat = classify(msg, len, &refused);
	struct mp_kmsg_rec *nv;

	if (!pat)
		return 0;
	nv = realloc(log->v, (log->n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	log->v = nv;
	nv = &log->v[log->n];
	nv->seq = seq;
	nv->pattern = pat;
	nv->refused = refused;
	nv->pfn = mp_kmsg_pfn(msg, len);
	nv->text = strndup(msg, len);
	if (!nv->text)
		return -ENOMEM;
	log->n++;
	return 0;
}

/* One line of either shape: its record kept when it classifies. */
static int keep_line(struct mp_kmsg_log *log, const char *line, size_t n)
{
	const char *msg;
	size_t ml;
	uint64_t seq;

	if (!mp_kmsg_record(line, n, &msg, &ml))
		return 0;
	if (!record_seq(line, n, &seq))
		seq = 0;
	return keep_rec(log, seq, msg, ml);
}

int mp_kmsg_scan(const char *buf, size_t len, struct mp_kmsg_log *log)
{
	const char *p = buf, *end = buf + len;
	size_t from = log->n;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		int r = keep_line(log, p, (size_t)((nl ? nl : end) - p));

		if (r < 0)
			return r;
		p = nl ? nl + 1 : end;
	}
	return (int)(log->n - from);
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

int mp_kmsg_poll(struct mp_kmsg *k, struct mp_kmsg_log *log)
{
	char rec[8192];
	size_t from = log->n;

	for (;;) {
		ssize_t r = read(k->fd, rec, sizeof(rec) - 1);
		const char *nl;
		int a;

		if (r < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EPIPE) /* overwritten records: go on from here */
				continue;
			if (errno == EAGAIN)
				break;
			return -errno;
		}
		if (r == 0)
			break;
		/* one record per read; its dictionary lines follow a newline */
		nl = memchr(rec, '\n', (size_t)r);
		a = keep_line(log, rec, nl ? (size_t)(nl - rec) : (size_t)r);
		if (a < 0)
			return a;
	}
	return (int)(log->n - from);
}

void mp_kmsg_close(struct mp_kmsg *k)
{
	if (!k)
		return;
	close(k->fd);
	free(k);
}

/* ---- /dev/kmsg by sequence number ---- */

static int take_line(struct mp_kmsg_log *log, uint64_t after, bool keep, const char *line, size_t n)
{
	const char *msg;
	size_t ml;
	uint64_t seq;

	if (!record_seq(line, n, &seq) || !mp_kmsg_record(line, n, &msg, &ml))
		return 0;
	if (!log->any || seq < log->first_seq)
		log->first_seq = seq;
	if (!log->any || seq > log->last_seq)
		log->last_seq = seq;
	log->any = true;
	if (keep && seq > after)
		return keep_rec(log, seq, msg, ml);
	return 0;
}

int mp_kmsg_read(const struct mp_root *root, uint64_t after, bool keep, struct mp_kmsg_log *log,
		 struct mp_avail *avail)
{
	/* a record is at most about 8 KiB (PRINTK_MESSAGE_MAX, with its prefix);
	 * a recorded tree's regular file is read in chunks split at newlines */
	char buf[16384];
	size_t have = 0;
	int fd, r = 0;

	memset(log, 0, sizeof(*log));
	fd = mp_open(root, "/dev/kmsg", O_RDONLY | O_NONBLOCK);
	if (fd < 0) {
		mp_avail_set(avail, false, "cannot open /dev/kmsg: %s", strerror(-fd));
		return fd;
	}
	for (;;) {
		ssize_t got = read(fd, buf + have, sizeof(buf) - 1 - have);
		char *p, *nl;

		if (got < 0) {
			if (errno == EINTR || errno == EPIPE) /* overwritten meanwhile: go on */
				continue;
			if (errno == EAGAIN)
				break;
			r = -errno;
			mp_avail_set(avail, false, "cannot read /dev/kmsg: %s", strerror(errno));
			goto out;
		}
		if (got == 0)
			break;
		have += (size_t)got;
		buf[have] = '\0';
		p = buf;
		while ((nl = memchr(p, '\n', have - (size_t)(p - buf)))) {
			r = take_line(log, after, keep, p, (size_t)(nl - p));
			if (r < 0)
				goto out;
			p = nl + 1;
		}
		have -= (size_t)(p - buf);
		memmove(buf, p, have);
		if (have == sizeof(buf) - 1) /* a line longer than the buffer: drop it */
			have = 0;
	}
	if (have && (r = take_line(log, after, keep, buf, have)) < 0)
		goto out;
	mp_avail_set(avail, true, "/dev/kmsg");
out:
	close(fd);
	if (r < 0)
		mp_kmsg_log_clear(log);
	return r;
}
