// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "ops/qmp.h"

#define MAX_EVENTS 4096

struct mp_qmp {
	int fd;
	bool is_sock;
	bool lenient; /* resync at a line break after garbage (char devices) */
	const struct mp_log *log;
	struct json_tokener *tok;
	char rbuf[8192];
	size_t rpos, rlen;
	size_t msg_bytes; /* bytes of the message being parsed */
	bool partial;	  /* some of a message has been read */
	size_t skipped;	  /* garbage bytes skipped in lenient mode */
	int dead;	  /* the error that made the connection unusable */
	struct json_object *greeting;
	struct json_object **events;
	size_t nev;
	struct json_object *reply;
	char want_id[48];
	uint32_t tag;
	unsigned long seq;
	void (*event_cb)(struct json_object *ev, void *arg);
	void *event_arg;
	char why[512];
	char eclass[64];
};

int64_t mp_qmp_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int left_ms(int64_t deadline)
{
	int64_t d = deadline - mp_qmp_now_ms();

	if (d < 0)
		return 0;
	return d > INT_MAX ? INT_MAX : (int)d;
}

static int deadline_of(int timeout_ms)
{
	return timeout_ms < 0 ? 0 : timeout_ms;
}

_printf_(3, 4) static int fail(struct mp_qmp *q, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(q->why, sizeof(q->why), fmt, ap);
	va_end(ap);
	q->eclass[0] = '\0';
	return err;
}

static int fatal(struct mp_qmp *q, int err)
{
	q->dead = err;
	return err;
}

/* A short, printable excerpt of bytes for a message. */
static const char *excerpt(const char *p, size_t n, char *buf, size_t len)
{
	size_t i;

	if (n > len - 1)
		n = len - 1;
	for (i = 0; i < n; i++)
		buf[i] = isprint((unsigned char)p[i]) ? p[i] : '.';
	buf[i] = '\0';
	return buf;
}

static const char *json_excerpt(struct json_object *o, char *buf, size_t len)
{
	const char *s = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);

	return excerpt(s, strlen(s), buf, len);
}

static bool all_space(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isspace((unsigned char)p[i]))
			return false;
	return true;
}

int mp_qmp_new_fd(int fd, const struct mp_log *log, struct mp_qmp **out)
{
	struct mp_qmp *q;
	struct stat st;
	int fl;

	q = calloc(1, sizeof(*q));
	if (!q) {
		close(fd);
		return -ENOMEM;
	}
	q->fd = fd;
	q->log = log;
	q->tok = json_tokener_new();
	if (!q->tok) {
		mp_qmp_free(q);
		return -ENOMEM;
	}
	if (getrandom(&q->tag, sizeof(q->tag), GRND_NONBLOCK) != sizeof(q->tag))
		q->tag = (uint32_t)getpid() ^ (uint32_t)mp_qmp_now_ms() * 2654435761u;
	*out = q;
	if (fd < 0)
		return 0;
	if (fstat(fd, &st) == 0)
		q->is_sock = S_ISSOCK(st.st_mode);
	fl = fcntl(fd, F_GETFL);
	if (fl < 0 || fcntl(fd, F_SETFL, fl | O_NONBLOCK) < 0)
		return fail(q, -errno, "cannot make the QMP fd non-blocking: %s", strerror(errno));
	return 0;
}

void mp_qmp_free(struct mp_qmp *q)
{
	if (!q)
		return;
	if (q->fd >= 0)
		close(q->fd);
	if (q->tok)
		json_tokener_free(q->tok);
	json_object_put(q->greeting);
	json_object_put(q->reply);
	for (size_t i = 0; i < q->nev; i++)
		json_object_put(q->events[i]);
	free(q->events);
	free(q);
}

const char *mp_qmp_why(const struct mp_qmp *q)
{
	return q ? q->why : "out of memory";
}

const char *mp_qmp_error_class(const struct mp_qmp *q)
{
	return q->eclass;
}

struct json_object *mp_qmp_greeting(const struct mp_qmp *q)
{
	return q->greeting;
}

size_t mp_qmp_pending_events(const struct mp_qmp *q)
{
	return q->nev;
}

void mp_qmp_set_event_cb(struct mp_qmp *q, void (*cb)(struct json_object *ev, void *arg), void *arg)
{
	q->event_cb = cb;
	q->event_arg = arg;
}

void mp_qmp_set_test_mode(struct mp_qmp *q, uint32_t tag, bool lenient)
{
	q->tag = tag;
	q->lenient = lenient;
}

/* Wait until fd is ready for events, or the deadline: 0, -ETIMEDOUT or -errno. */
static int wait_fd(struct mp_qmp *q, short events, int64_t deadline)
{
	struct pollfd p = { .fd = q->fd, .events = events };

	for (;;) {
		int r = poll(&p, 1, left_ms(deadline));

		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -ETIMEDOUT;
		return 0;
	}
}

static int write_all(struct mp_qmp *q, const char *s, size_t len, int64_t deadline)
{
	while (len) {
		ssize_t w;
		int r;

		if (q->is_sock)
			w = send(q->fd, s, len, MSG_NOSIGNAL);
		else
			w = write(q->fd, s, len);
		if (w > 0) {
			s += w;
			len -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && errno != EAGAIN) {
			if (errno == EPIPE || errno == ECONNRESET)
				return fatal(q, fail(q, -ECONNRESET,
						     "the peer closed the connection"));
			return fatal(q, fail(q, -errno, "write: %s", strerror(errno)));
		}
		r = wait_fd(q, POLLOUT, deadline);
		if (r == -ETIMEDOUT)
			return fail(q, r, "could not send within the timeout (peer not reading)");
		if (r < 0)
			return fatal(q, fail(q, r, "poll: %s", strerror(-r)));
	}
	return 0;
}

/*
 * Parse what is buffered. Returns 1 with *out set (which may be NULL for a
 * JSON null) when a whole value was parsed, 0 when more bytes are needed,
 * or an error.
 */
static int parse_buffered(struct mp_qmp *q, struct json_object **out)
{
	while (q->rpos < q->rlen) {
		const char *p = q->rbuf + q->rpos;
		size_t n = q->rlen - q->rpos, used;
		struct json_object *obj = json_tokener_parse_ex(q->tok, p, (int)n);
		enum json_tokener_error jerr = json_tokener_get_error(q->tok);
		char ex[48];

		if (jerr == json_tokener_success) {
			used = json_tokener_get_parse_end(q->tok);
			q->rpos += used;
			json_tokener_reset(q->tok);
			q->msg_bytes = 0;
			q->partial = false;
			*out = obj;
			return 1;
		}
		if (jerr == json_tokener_continue) {
			q->rpos = q->rlen;
			q->msg_bytes += n;
			if (!all_space(p, n))
				q->partial = true;
			if (q->msg_bytes > MP_QMP_MAX_MSG)
				return fatal(q, fail(q, -EMSGSIZE, "a message larger than %u bytes",
						     MP_QMP_MAX_MSG));
			return 0;
		}
		used = json_tokener_get_parse_end(q->tok);
		json_tokener_reset(q->tok);
		q->msg_bytes = 0;
		q->partial = false;
		if (q->lenient) {
			/* a previous user's leftovers: skip to the next line */
			const char *nl = memchr(p, '\n', n);
			size_t skip = nl ? (size_t)(nl - p) + 1 : n;

			mp_logf(q->log, MP_LOG_DEBUG,
				"qmp: skipping %zu bytes that are not JSON: %s", skip,
				excerpt(p, skip, ex, sizeof(ex)));
			q->skipped += skip;
			q->rpos += skip;
			continue;
		}
		(void)used;
		return fatal(q, fail(q, -EPROTO, "not QMP: bytes that are not JSON (%s): \"%s\"",
				     json_tokener_error_desc(jerr), excerpt(p, n, ex, sizeof(ex))));
	}
	return 0;
}

/* Read one whole JSON value. */
static int read_msg(struct mp_qmp *q, int64_t deadline, struct json_object **out)
{
	for (bool first = true;; first = false) {
		ssize_t n;
		int r = parse_buffered(q, out);

		if (r)
			return r < 0 ? r : 0;
		q->rpos = q->rlen = 0;
		/* a peer that never stops sending must not hold us past the deadline */
		r = !first && mp_qmp_now_ms() >= deadline ? -ETIMEDOUT
							  : wait_fd(q, POLLIN, deadline);
		if (r == -ETIMEDOUT)
			return fail(q, r,
				    q->partial ? "only part of a message within the timeout"
					       : "no answer within the timeout");
		if (r < 0)
			return fatal(q, fail(q, r, "poll: %s", strerror(-r)));
		n = read(q->fd, q->rbuf, sizeof(q->rbuf));
		if (n < 0 && (errno == EINTR || errno == EAGAIN))
			continue;
		if (n == 0 || (n < 0 && errno == ECONNRESET))
			return fatal(q, fail(q, -ECONNRESET, "%s%s",
					     q->partial ? "the peer closed the connection in the "
							  "middle of a message"
							: "the peer closed the connection",
					     q->is_sock ? ""
							: " (is the host side of the port "
							  "connected?)"));
		if (n < 0)
			return fatal(q, fail(q, -errno, "read: %s", strerror(errno)));
		q->rlen = (size_t)n;
	}
}

static void queue_event(struct mp_qmp *q, struct json_object *msg)
{
	struct json_object **ev;

	if (q->event_cb)
		q->event_cb(msg, q->event_arg);
	if (q->nev == MAX_EVENTS) {
		mp_logf(q->log, MP_LOG_WARN, "qmp: more than %d events queued, dropping the oldest",
			MAX_EVENTS);
		json_object_put(q->events[0]);
		memmove(q->events, q->events + 1, (q->nev - 1) * sizeof(*q->events));
		q->nev--;
	}
	ev = realloc(q->events, (q->nev + 1) * sizeof(*q->events));
	if (!ev) {
		json_object_put(msg);
		return;
	}
	q->events = ev;
	q->events[q->nev++] = msg;
}

/* Read and sort one message: greeting, event, our reply or a stale one. */
static int pump(struct mp_qmp *q, int64_t deadline)
{
	struct json_object *msg = NULL, *v, *id;
	char ex[64];
	int r = read_msg(q, deadline, &msg);

	if (r < 0)
		return r;
	if (q->lenient && (!json_object_is_type(msg, json_type_object) ||
			   (!json_object_object_get_ex(msg, "QMP", NULL) &&
			    !json_object_object_get_ex(msg, "event", NULL) &&
			    !json_object_object_get_ex(msg, "return", NULL) &&
			    !json_object_object_get_ex(msg, "error", NULL)))) {
		/* a piece of a previous user's message */
		mp_logf(q->log, MP_LOG_DEBUG, "qmp: skipping a stray value: %s",
			json_excerpt(msg, ex, sizeof(ex)));
		q->skipped++;
		json_object_put(msg);
		return 0;
	}
	if (!json_object_is_type(msg, json_type_object)) {
		r = fail(q, -EBADMSG, "not QMP: a message that is not a JSON object: %s",
			 json_excerpt(msg, ex, sizeof(ex)));
		json_object_put(msg);
		return r;
	}
	if (json_object_object_get_ex(msg, "QMP", NULL)) {
		json_object_put(q->greeting);
		q->greeting = msg;
		return 0;
	}
	if (json_object_object_get_ex(msg, "event", &v)) {
		if (!json_object_is_type(v, json_type_string)) {
			json_object_put(msg);
			return fail(q, -EBADMSG, "not QMP: an event whose name is not a string");
		}
		mp_logf(q->log, MP_LOG_DEBUG, "qmp: event %s", json_object_to_json_string(msg));
		queue_event(q, msg);
		return 0;
	}
	if (!json_object_object_get_ex(msg, "return", NULL) &&
	    !json_object_object_get_ex(msg, "error", NULL)) {
		r = fail(q, -EBADMSG, "not QMP: a message with no return, error or event: %s",
			 json_excerpt(msg, ex, sizeof(ex)));
		json_object_put(msg);
		return r;
	}
	if (q->want_id[0] && json_object_object_get_ex(msg, "id", &id) &&
	    json_object_is_type(id, json_type_string) &&
	    !strcmp(json_object_get_string(id), q->want_id)) {
		json_object_put(q->reply);
		q->reply = msg;
		return 0;
	}
	mp_logf(q->log, MP_LOG_DEBUG, "qmp: skipping a reply that is not ours: %s",
		json_object_to_json_string(msg));
	json_object_put(msg);
	return 0;
}

static int error_code(const char *cls)
{
	if (!strcmp(cls, "CommandNotFound"))
		return -EOPNOTSUPP;
	if (!strcmp(cls, "DeviceNotFound"))
		return -ENODEV;
	return -EREMOTEIO;
}

static int take_reply(struct mp_qmp *q, const char *cmd, json_type type, struct json_object **reply)
{
	struct json_object *msg = q->reply, *e, *v;
	const char *cls = "?", *desc = "?";
	int r = 0;

	q->reply = NULL;
	if (json_object_object_get_ex(msg, "error", &e)) {
		if (json_object_object_get_ex(e, "class", &v) &&
		    json_object_is_type(v, json_type_string))
			cls = json_object_get_string(v);
		if (json_object_object_get_ex(e, "desc", &v) &&
		    json_object_is_type(v, json_type_string))
			desc = json_object_get_string(v);
		r = fail(q, error_code(cls), "%s: %s (%s)", cmd, desc, cls);
		snprintf(q->eclass, sizeof(q->eclass), "%s", cls);
	} else if (!json_object_object_get_ex(msg, "return", &v)) {
		r = fail(q, -EBADMSG, "%s: a reply with no return", cmd);
	} else if (type != json_type_null && !json_object_is_type(v, type)) {
		r = fail(q, -EBADMSG, "%s: the reply's return is %s, not %s", cmd,
			 json_type_to_name(json_object_get_type(v)), json_type_to_name(type));
	} else if (reply) {
		*reply = json_object_get(v);
	}
	json_object_put(msg);
	return r;
}

int mp_qmp_execute_type(struct mp_qmp *q, const char *cmd, struct json_object *args, json_type type,
			struct json_object **reply, int timeout_ms)
{
	int64_t deadline = mp_qmp_now_ms() + deadline_of(timeout_ms);
	struct json_object *req;
	const char *s;
	char *line;
	int r;

	if (reply)
		*reply = NULL;
	if (q->dead)
		return q->dead;
	if (q->fd < 0)
		return fail(q, -EBADF, "not connected");
	snprintf(q->want_id, sizeof(q->want_id), "mp-%08x-%lu", q->tag, ++q->seq);
	req = json_object_new_object();
	if (!req)
		return -ENOMEM;
	json_object_object_add(req, "execute", json_object_new_string(cmd));
	if (args)
		json_object_object_add(req, "arguments", json_object_get(args));
	json_object_object_add(req, "id", json_object_new_string(q->want_id));
	s = json_object_to_json_string_ext(req,
					   JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE);
	mp_logf(q->log, MP_LOG_DEBUG, "qmp: -> %s", s);
	if (asprintf(&line, "%s\r\n", s) < 0) {
		json_object_put(req);
		return -ENOMEM;
	}
	json_object_put(req);
	r = write_all(q, line, strlen(line), deadline);
	free(line);
	while (r == 0 && !q->reply)
		r = pump(q, deadline);
	q->want_id[0] = '\0';
	if (r < 0) {
		char why[sizeof(q->why)];

		snprintf(why, sizeof(why), "%s", q->why);
		if (r == -ETIMEDOUT)
			fail(q, r, "%s: %s (%d ms)", cmd, why, timeout_ms);
		else
			fail(q, r, "%s: %s", cmd, why);
		return r;
	}
	return take_reply(q, cmd, type, reply);
}

int mp_qmp_execute(struct mp_qmp *q, const char *cmd, struct json_object *args,
		   struct json_object **reply, int timeout_ms)
{
	return mp_qmp_execute_type(q, cmd, args, json_type_null, reply, timeout_ms);
}

int mp_qmp_execute_str(struct mp_qmp *q, const char *cmd, const char *args_json,
		       struct json_object **reply, int timeout_ms)
{
	struct json_object *args = NULL;
	int r;

	if (reply)
		*reply = NULL;
	if (args_json && *args_json) {
		enum json_tokener_error jerr;

		args = json_tokener_parse_verbose(args_json, &jerr);
		if (!json_object_is_type(args, json_type_object)) {
			json_object_put(args);
			return fail(q, -EINVAL, "the arguments are not a JSON object: %s",
				    args ? "another JSON value" : json_tokener_error_desc(jerr));
		}
	}
	r = mp_qmp_execute(q, cmd, args, reply, timeout_ms);
	json_object_put(args);
	return r;
}

static bool event_matches(struct json_object *ev, const char *name, mp_qmp_match_fn match,
			  void *arg)
{
	struct json_object *v;

	if (name && (!json_object_object_get_ex(ev, "event", &v) ||
		     strcmp(json_object_get_string(v), name)))
		return false;
	return !match || match(ev, arg);
}

static bool take_event(struct mp_qmp *q, const char *name, mp_qmp_match_fn match, void *arg,
		       struct json_object **ev)
{
	for (size_t i = 0; i < q->nev; i++) {
		struct json_object *e = q->events[i];

		if (!event_matches(e, name, match, arg))
			continue;
		memmove(q->events + i, q->events + i + 1, (q->nev - i - 1) * sizeof(*q->events));
		q->nev--;
		if (ev)
			*ev = e;
		else
			json_object_put(e);
		return true;
	}
	return false;
}

int mp_qmp_wait_event(struct mp_qmp *q, const char *name, mp_qmp_match_fn match, void *arg,
		      int timeout_ms, struct json_object **ev)
{
	int64_t deadline = mp_qmp_now_ms() + deadline_of(timeout_ms);

	if (ev)
		*ev = NULL;
	for (;;) {
		int r;

		if (take_event(q, name, match, arg, ev))
			return 0;
		if (q->dead)
			return q->dead;
		r = pump(q, deadline);
		if (r == -ETIMEDOUT)
			return fail(q, r, "no %s event within %d ms", name ? name : "matching",
				    timeout_ms);
		if (r < 0)
			return r;
	}
}

bool mp_qmp_match_device(struct json_object *ev, void *arg)
{
	struct json_object *data, *info, *dev;

	if (!json_object_object_get_ex(ev, "data", &data))
		return false;
	if (json_object_object_get_ex(data, "info", &info))
		data = info;
	if (!json_object_object_get_ex(data, "device", &dev) ||
	    !json_object_is_type(dev, json_type_string))
		return false;
	return !strcmp(json_object_get_string(dev), arg);
}

/* The handshake, bounded by start + timeout_ms. */
static int handshake(struct mp_qmp *q, int greeting_ms, int64_t start, int timeout_ms)
{
	int64_t gdeadline = start + (greeting_ms < timeout_ms ? greeting_ms : timeout_ms);
	int r = 0, left;

	if (q->dead)
		return q->dead;
	while (!q->greeting) {
		r = pump(q, gdeadline);
		if (r == -ETIMEDOUT)
			break;
		if (r < 0)
			return r;
	}
	if (q->greeting)
		mp_logf(q->log, MP_LOG_DEBUG, "qmp: greeting %s",
			json_object_to_json_string(q->greeting));
	else
		mp_logf(q->log, MP_LOG_DEBUG,
			"qmp: no greeting within %d ms, "
			"sending qmp_capabilities anyway",
			greeting_ms);
	left = timeout_ms - (int)(mp_qmp_now_ms() - start);
	r = mp_qmp_execute(q, "qmp_capabilities", NULL, NULL, left > 0 ? left : 0);
	if (r == -EOPNOTSUPP && strstr(q->why, "already")) {
		mp_logf(q->log, MP_LOG_DEBUG, "qmp: capabilities were negotiated already");
		r = 0;
	}
	if (r == -ETIMEDOUT) {
		size_t skipped = q->skipped;

		fail(q, r, "no answer to qmp_capabilities within %d ms%s%s", timeout_ms,
		     q->greeting ? ""
				 : " and no greeting (no QMP server at the other end, "
				   "or another client holds it)",
		     skipped ? "; bytes that are not JSON were skipped" : "");
	}
	q->lenient = false;
	if (r == 0)
		q->why[0] = '\0';
	return r;
}

int mp_qmp_handshake(struct mp_qmp *q, int greeting_ms, int timeout_ms)
{
	return handshake(q, greeting_ms, mp_qmp_now_ms(), timeout_ms);
}

static void closedirp(DIR **d)
{
	if (*d)
		closedir(*d);
}

static int find_by_name(const struct mp_root *root, char *buf, size_t len)
{
	_cleanup_(closedirp) DIR *d = mp_opendir(root, "/sys/class/virtio-ports");
	struct dirent *de;

	if (!d)
		return -ENOENT;
	while ((de = readdir(d))) {
		char p[PATH_MAX], name[128];

		if (de->d_name[0] == '.')
			continue;
		snprintf(p, sizeof(p), "/sys/class/virtio-ports/%s/name", de->d_name);
		if (mp_read_str(root, p, name, sizeof(name)) < 0 || strcmp(name, MP_QMP_PORT_NAME))
			continue;
		snprintf(p, sizeof(p), "/dev/%s", de->d_name);
		if (mp_exists(root, p) != 1)
			continue;
		snprintf(buf, len, "%s", p);
		return 0;
	}
	return -ENOENT;
}

int mp_qmp_find_port(const struct mp_root *root, char *buf, size_t len)
{
	static const char link[] = "/dev/virtio-ports/" MP_QMP_PORT_NAME;

	if (mp_exists(root, link) == 1) {
		snprintf(buf, len, "%s", link);
		return 0;
	}
	return find_by_name(root, buf, len);
}

/*
 * Connect to the socket behind an O_PATH fd through /proc/self/fd (no
 * sun_path length limit, and the root context resolved it), or by name.
 */
static int connect_unix(int pfd, const char *path, int64_t deadline)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	bool via_proc = true;

	if (fd < 0)
		return -errno;
	snprintf(sa.sun_path, sizeof(sa.sun_path), "/proc/self/fd/%d", pfd);
	for (;;) {
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		if (errno == EINTR)
			continue;
		if (errno == ENOENT && via_proc && path && strlen(path) < sizeof(sa.sun_path)) {
			/* no /proc mounted */
			via_proc = false;
			snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
			continue;
		}
		if (errno == EAGAIN && mp_qmp_now_ms() < deadline) {
			/* the listen backlog is full: another client is being served */
			usleep(20000);
			continue;
		}
		int e = errno == EAGAIN ? -ETIMEDOUT : -errno;

		close(fd);
		return e;
	}
}

int mp_qmp_open(const struct mp_root *root, const char *path, int timeout_ms,
		const struct mp_log *log, struct mp_qmp **out)
{
	int64_t start = mp_qmp_now_ms();
	_cleanup_root_ struct mp_root *own = NULL;
	_cleanup_close_ int pfd = -1;
	char found[PATH_MAX], shown[PATH_MAX];
	struct mp_qmp *q;
	struct stat st;
	int r, fd;

	r = mp_qmp_new_fd(-1, log, &q);
	*out = q;
	if (r < 0)
		return r;
	if (!path) {
		if (!root) {
			r = mp_root_new(NULL, &own);
			if (r < 0)
				return fail(q, r, "cannot open /: %s", strerror(-r));
			root = own;
		}
		r = mp_qmp_find_port(root, found, sizeof(found));
		if (r < 0)
			return fail(q, r,
				    "no QMP port in this guest: no %s, and no "
				    "/sys/class/virtio-ports/*/name reading %s (give --qmp PATH)",
				    mp_root_show(root, "/dev/virtio-ports/" MP_QMP_PORT_NAME, shown,
						 sizeof(shown)),
				    MP_QMP_PORT_NAME);
		pfd = mp_open(root, found, O_PATH);
		mp_root_show(root, found, shown, sizeof(shown));
		mp_logf(log, MP_LOG_DEBUG, "qmp: found the QMP port %s", shown);
	} else {
		snprintf(shown, sizeof(shown), "%s", path);
		pfd = open(path, O_PATH | O_CLOEXEC);
		if (pfd < 0)
			pfd = -errno;
	}
	if (pfd < 0)
		return fail(q, pfd, "%s: %s", shown, strerror(-pfd));
	if (fstat(pfd, &st) < 0)
		return fail(q, -errno, "%s: %s", shown, strerror(errno));
	if (S_ISSOCK(st.st_mode)) {
		fd = connect_unix(pfd, path, start + deadline_of(timeout_ms));
		if (fd < 0)
			return fail(q, fd, "cannot connect to %s: %s", shown, strerror(-fd));
	} else if (S_ISCHR(st.st_mode)) {
		fd = path ? open(path, O_RDWR | O_NOCTTY | O_NONBLOCK | O_CLOEXEC)
			  : mp_open(root, found, O_RDWR | O_NOCTTY | O_NONBLOCK);
		if (path && fd < 0)
			fd = -errno;
		if (fd < 0)
			return fail(q, fd, "cannot open %s: %s", shown, strerror(-fd));
	} else {
		return fail(q, -EINVAL, "%s is neither a unix socket nor a character device",
			    shown);
	}
	q->fd = fd;
	q->is_sock = S_ISSOCK(st.st_mode);
	q->lenient = !q->is_sock;
	r = handshake(q, MP_QMP_GREETING_MS, start, timeout_ms);
	if (r < 0) {
		char why[sizeof(q->why)];

		snprintf(why, sizeof(why), "%s", q->why);
		snprintf(q->why, sizeof(q->why), "%.200s: %.300s", shown, why);
	}
	return r;
}
