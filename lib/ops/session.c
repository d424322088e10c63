// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeout.h"
#include "ops/session.h"
#include "sensors/kpf.h"
#include "sensors/origin.h"
#include "sensors/sensor.h"

#define MP_RUN_DIR "/run"
#define MP_LOCK_FILE MP_RUN_DIR "/memplug.lock"
#define MP_JOURNAL_FILE MP_RUN_DIR "/memplug.journal"
#define MP_JOURNAL_MAX (4u << 20)

volatile sig_atomic_t mp_stop_signal;

static const char *const target_names[] = {
	[MP_ONLINE] = "online",
	[MP_ONLINE_KERNEL] = "online_kernel",
	[MP_ONLINE_MOVABLE] = "online_movable",
	[MP_OFFLINE] = "offline",
};

const char *mp_target_name(enum mp_target t)
{
	return target_names[t];
}

static const char *const outcome_names[] = {
	[MP_DONE] = "done",	  [MP_ALREADY] = "already",	    [MP_DRY_RUN] = "dry-run",
	[MP_REFUSED] = "refused", [MP_FAILED] = "failed",	    [MP_RACE] = "race",
	[MP_TIMEOUT] = "timeout", [MP_INTERRUPTED] = "interrupted", [MP_WRONG] = "wrong",
};

const char *mp_outcome_name(enum mp_outcome o)
{
	return outcome_names[o];
}

struct mp_session {
	struct mp_root *root;
	const struct mp_log *log;
	struct mp_session_opts opts;
	int lock_fd;
	int journal_fd;
	struct mp_journal_entry *journal;
	size_t njournal;
	struct mp_origin *origins;
	size_t norigins;
	uint64_t *added; /* blocks that appeared through this session */
	size_t nadded;
	uint64_t *kept; /* blocks whose offline the kernel refused to the end of a try */
	size_t nkept;
};

static void on_stop(int sig)
{
	mp_stop_signal = sig;
}

int mp_session_signals(void)
{
	static const int sigs[] = { SIGINT, SIGTERM, SIGHUP };
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop; /* no SA_RESTART: a blocked write returns EINTR */
	sigemptyset(&sa.sa_mask);
	for (size_t i = 0; i < ARRAY_SIZE(sigs); i++)
		if (sigaction(sigs[i], &sa, NULL) < 0)
			return -errno;
	return mp_timeout_init();
}

static int journal_write(struct mp_session *s, const char *fmt, ...) _printf_(2, 3);
static int journal_write(struct mp_session *s, const char *fmt, ...)
{
	char line[256];
	va_list ap;
	int n;

	if (s->journal_fd < 0)
		return 0;
	va_start(ap, fmt);
	n = vsnprintf(line, sizeof(line), fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(line))
		return -EINVAL;
	if (write(s->journal_fd, line, (size_t)n) != n)
		return -errno ? -errno : -EIO;
	return 0;
}

static int journal_add(struct mp_session *s, const struct mp_journal_entry *e)
{
	struct mp_journal_entry *nj = realloc(s->journal, (s->njournal + 1) * sizeof(*nj));
	int r;

	if (!nj)
		return -ENOMEM;
	s->journal = nj;
	if (e->kind == MP_J_STATE)
		r = journal_write(s, "state %" PRIu64 " %s %s\n", e->block, mp_state_name(e->state),
				  e->zone[0] ? e->zone : "-");
	else if (e->kind == MP_J_ATTR)
		r = journal_write(s, "attr %s %s\n", e->path, e->value);
	else
		r = journal_write(s, "%s %s %s 0x%" PRIx64 " %" PRIu64 "\n",
				  e->kind == MP_J_DEVICE ? "device" : "removed", e->dev.backend,
				  e->dev.id, e->dev.addr, e->dev.size);
	if (r < 0)
		return r;
	s->journal[s->njournal++] = *e;
	return 0;
}

static void journal_undone(struct mp_session *s, size_t i)
{
	s->journal[i].undone = true;
	journal_write(s, "undone %zu\n", i);
}

/* An attribute a journal may write back to: under /sys or /proc/sys, no "..". */
static bool attr_path_ok(const char *p)
{
	return (!strncmp(p, "/sys/", 5) || !strncmp(p, "/proc/sys/", 10)) && !strstr(p, "/..");
}

/* Parse one journal line (NUL-terminated, no newline) into entries. */
static int journal_line(char *line, struct mp_journal_entry **v, size_t *n)
{
	struct mp_journal_entry e = { 0 }, *nv;
	char a[64], b[192], c[64], d[64], f5[64], extra[2];
	size_t idx;
	int k;

	mp_rstrip(line);
	if (!line[0] || line[0] == '#')
		return 0;
	k = sscanf(line, "%63s %191s %63s %63s %63s %1s", a, b, c, d, f5, extra);
	if (k == 4 && !strcmp(a, "state") && mp_parse_u64(b, 10, &e.block) == 0 &&
	    mp_state_parse(c) != MP_STATE_UNKNOWN && strlen(d) < sizeof(e.zone)) {
		e.kind = MP_J_STATE;
		e.state = mp_state_parse(c);
		if (strcmp(d, "-"))
			snprintf(e.zone, sizeof(e.zone), "%s", d);
	} else if (k == 5 && (!strcmp(a, "device") || !strcmp(a, "removed")) &&
		   strlen(b) < sizeof(e.dev.backend) && strlen(c) < sizeof(e.dev.id) &&
		   !strncmp(d, "0x", 2) && mp_parse_u64(d, 16, &e.dev.addr) == 0 &&
		   mp_parse_u64(f5, 10, &e.dev.size) == 0) {
		e.kind = !strcmp(a, "device") ? MP_J_DEVICE : MP_J_REMOVED;
		snprintf(e.dev.backend, sizeof(e.dev.backend), "%s", b);
		snprintf(e.dev.id, sizeof(e.dev.id), "%s", c);
	} else if (k == 3 && !strcmp(a, "attr") && attr_path_ok(b) && strlen(b) < sizeof(e.path) &&
		   strlen(c) < sizeof(e.value)) {
		e.kind = MP_J_ATTR;
		snprintf(e.path, sizeof(e.path), "%s", b);
		snprintf(e.value, sizeof(e.value), "%s", c);
	} else if (k == 2 && !strcmp(a, "undone") && sscanf(b, "%zu%1s", &idx, extra) == 1 &&
		   idx < *n) {
		(*v)[idx].undone = true;
		return 0;
	} else {
		return -EBADMSG;
	}
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[(*n)++] = e;
	return 0;
}

int mp_journal_parse(const char *buf, size_t len, struct mp_journal_entry **out, size_t *n,
		     char *why, size_t wlen)
{
	struct mp_journal_entry *v = NULL;
	size_t nv = 0, pos = 0;
	unsigned lineno = 0;
	int r = 0;

	*out = NULL;
	*n = 0;
	while (r == 0 && pos < len) {
		const char *p = buf + pos, *nl = memchr(p, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - p) : len - pos;
		char line[512];

		lineno++;
		pos += ll + (nl != NULL);
		if (ll >= sizeof(line) || memchr(p, '\0', ll)) {
			snprintf(why, wlen, "journal line %u: %s", lineno,
				 ll >= sizeof(line) ? "too long" : "holds a NUL byte");
			r = -EBADMSG;
			break;
		}
		memcpy(line, p, ll);
		line[ll] = '\0';
		r = journal_line(line, &v, &nv);
		if (r == -EBADMSG)
			snprintf(why, wlen, "journal line %u: cannot parse \"%.80s\"", lineno,
				 line);
		else if (r < 0)
			snprintf(why, wlen, "journal line %u: %s", lineno, strerror(-r));
	}
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	*n = nv;
	return 0;
}

/* Read back the journal file into the session (it has no entries yet). */
static int load_journal(struct mp_session *s, char *why, size_t len)
{
	_cleanup_close_ int fd = mp_open(s->root, MP_JOURNAL_FILE, O_RDONLY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t size = 0;
	struct stat st;
	int r;

	if (fd == -ENOENT)
		return 0;
	if (fd < 0) {
		snprintf(why, len, "cannot read the journal: %s", strerror(-fd));
		return fd;
	}
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		snprintf(why, len, "cannot read the journal: not a regular file");
		return -EINVAL;
	}
	r = mp_read_fd(fd, MP_JOURNAL_MAX, &buf, &size);
	if (r == -EFBIG)
		snprintf(why, len, "cannot read the journal: larger than %u bytes", MP_JOURNAL_MAX);
	else if (r < 0)
		snprintf(why, len, "cannot read the journal: %s", strerror(-r));
	if (r < 0)
		return r;
	return mp_journal_parse(buf, size, &s->journal, &s->njournal, why, len);
}

int mp_session_new(struct mp_root *root, const struct mp_log *log,
		   const struct mp_session_opts *opts, struct mp_session **out, char *why,
		   size_t len)
{
	struct mp_session *s;
	char buf[64], shown[512];
	uint64_t bs;
	ssize_t n;
	int r;

	s = calloc(1, sizeof(*s));
	if (!s)
		return -ENOMEM;
	s->root = root;
	s->log = log;
	s->opts = *opts;
	s->lock_fd = -1;
	s->journal_fd = -1;

	r = mp_block_size(root, &bs, why, len);
	if (r < 0)
		goto fail;
	n = mp_origins_read(root, bs, &s->origins);
	if (n < 0) {
		snprintf(why, len, "cannot tell boot memory from hot-plugged memory: %s",
			 strerror((int)-n));
		r = (int)n;
		goto fail;
	}
	s->norigins = (size_t)n;
	if (opts->dry_run) {
		*out = s;
		return 0;
	}

	r = mp_mkdir(root, MP_RUN_DIR, 0755);
	if (r == 0) {
		s->lock_fd = mp_open(root, MP_LOCK_FILE, O_RDWR | O_CREAT);
		r = s->lock_fd < 0 ? s->lock_fd : 0;
	}
	if (r < 0) {
		snprintf(why, len, "cannot create the lock %s: %s",
			 mp_root_show(root, MP_LOCK_FILE, shown, sizeof(shown)), strerror(-r));
		goto fail;
	}
	if (flock(s->lock_fd, LOCK_EX | LOCK_NB) < 0) {
		ssize_t k = pread(s->lock_fd, buf, sizeof(buf) - 1, 0);

		buf[k > 0 ? k : 0] = '\0';
		snprintf(why, len, "another memplug (pid %s) is changing memory: %s is locked",
			 k > 0 ? mp_rstrip(buf) : "?",
			 mp_root_show(root, MP_LOCK_FILE, shown, sizeof(shown)));
		r = -EBUSY;
		goto fail;
	}
	if (ftruncate(s->lock_fd, 0) == 0) {
		n = snprintf(buf, sizeof(buf), "%d\n", (int)getpid());
		if (pwrite(s->lock_fd, buf, (size_t)n, 0) != n)
			mp_logf(log, MP_LOG_DEBUG, "cannot write the pid into the lock");
	}

	/* an unfinished journal: a memplug died with changes not undone */
	if (opts->recover) {
		r = load_journal(s, why, len);
		if (r < 0)
			goto fail;
		s->journal_fd = mp_open(root, MP_JOURNAL_FILE, O_WRONLY | O_APPEND);
		if (s->journal_fd < 0 && s->journal_fd != -ENOENT) {
			r = s->journal_fd;
			snprintf(why, len, "cannot reopen the journal: %s", strerror(-r));
			goto fail;
		}
		*out = s;
		return 0;
	}
	r = (int)mp_read_str(root, MP_JOURNAL_FILE, buf, sizeof(buf));
	if (r > 0 || r == -EFBIG) {
		snprintf(why, len,
			 "%s holds changes a memplug made and did not undo; "
			 "'memplug restore' undoes them",
			 mp_root_show(root, MP_JOURNAL_FILE, shown, sizeof(shown)));
		r = -EEXIST;
		goto fail;
	}
	s->journal_fd = mp_open(root, MP_JOURNAL_FILE, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND);
	if (s->journal_fd < 0) {
		r = s->journal_fd;
		snprintf(why, len, "cannot create the journal %s: %s",
			 mp_root_show(root, MP_JOURNAL_FILE, shown, sizeof(shown)), strerror(-r));
		goto fail;
	}
	journal_write(s, "# memplug journal, pid %d\n", (int)getpid());
	*out = s;
	return 0;
fail:
	mp_session_free(s);
	return r;
}

void mp_session_accept(struct mp_session *s)
{
	for (size_t i = 0; i < s->njournal; i++)
		s->journal[i].undone = true;
}

void mp_session_free(struct mp_session *s)
{
	size_t left = 0;

	if (!s)
		return;
	for (size_t i = 0; i < s->njournal; i++)
		left += !s->journal[i].undone;
	if (s->journal_fd >= 0) {
		close(s->journal_fd);
		if (!left)
			mp_unlink(s->root, MP_JOURNAL_FILE);
	}
	if (s->lock_fd >= 0)
		close(s->lock_fd); /* releases the flock */
	free(s->journal);
	free(s->origins);
	free(s->added);
	free(s->kept);
	free(s);
}

int mp_session_added_blocks(struct mp_session *s, uint64_t first, uint64_t last)
{
	for (uint64_t b = first; b <= last; b++) {
		uint64_t *na = realloc(s->added, (s->nadded + 1) * sizeof(*na));

		if (!na)
			return -ENOMEM;
		s->added = na;
		s->added[s->nadded++] = b;
	}
	return 0;
}

int mp_session_journal_device(struct mp_session *s, const struct mp_device_ref *dev)
{
	struct mp_journal_entry e = { .kind = MP_J_DEVICE, .dev = *dev };
	uint64_t bs;
	int r = journal_add(s, &e);

	if (r < 0 || !dev->size || mp_block_size(s->root, &bs, NULL, 0) < 0)
		return r;
	/* its blocks are hot-plugged memory */
	return mp_session_added_blocks(s, dev->addr / bs, (dev->addr + dev->size - 1) / bs);
}

int mp_session_journal_removed(struct mp_session *s, const struct mp_device_ref *dev)
{
	struct mp_journal_entry e = { .kind = MP_J_REMOVED, .dev = *dev };

	return journal_add(s, &e);
}

void mp_session_device_removed(struct mp_session *s, const char *id)
{
	for (size_t i = s->njournal; i-- > 0;)
		if (s->journal[i].kind == MP_J_DEVICE && !s->journal[i].undone &&
		    !strcmp(s->journal[i].dev.id, id)) {
			journal_undone(s, i);
			return;
		}
}

int mp_session_set_attr(struct mp_session *s, const char *path, const char *value, char *why,
			size_t len)
{
	struct mp_journal_entry e = { .kind = MP_J_ATTR };
	char old[sizeof(e.value) + 1];
	int r;

	if (!attr_path_ok(path) || strlen(path) >= sizeof(e.path)) {
		snprintf(why, len, "%s: not an attribute memplug changes", path);
		return -EINVAL;
	}
	r = mp_read_str(s->root, path, old, sizeof(old));
	if (r < 0) {
		snprintf(why, len, "%s: %s", path, strerror(-r));
		return r;
	}
	mp_rstrip(old);
	if (value && !strcmp(old, value))
		return 0;
	if (!old[0] || strlen(old) >= sizeof(e.value) || strpbrk(old, " \t\n")) {
		snprintf(why, len, "%s holds \"%.40s\", which could not be written back", path,
			 old);
		return -EINVAL;
	}
	snprintf(e.path, sizeof(e.path), "%s", path);
	snprintf(e.value, sizeof(e.value), "%s", old);
	r = journal_add(s, &e);
	if (r < 0) {
		snprintf(why, len, "cannot journal %s: %s", path, strerror(-r));
		return r;
	}
	if (!value)
		return 0;
	r = mp_write_str_timeout(s->root, path, value, s->opts.timeout_ms, NULL);
	if (r < 0) {
		snprintf(why, len, "write of %s to %s: %s", value, path, strerror(-r));
		journal_undone(s, s->njournal - 1);
	}
	return r;
}

bool mp_session_block_hotplugged(const struct mp_session *s, uint64_t id)
{
	if (mp_origin_of(s->origins, s->norigins, id))
		return true;
	for (size_t i = 0; i < s->nadded; i++)
		if (s->added[i] == id)
			return true;
	return false;
}

/* Read a block's state and valid_zones; -errno when they cannot be read. */
static int read_state(struct mp_session *s, uint64_t id, enum mp_state *st, char *zones, size_t len)
{
	char path[128], buf[64];
	ssize_t r;

	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", id);
	r = mp_read_str(s->root, path, buf, sizeof(buf));
	if (r < 0)
		return (int)r;
	*st = mp_state_parse(buf);
	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/valid_zones", id);
	r = mp_read_str(s->root, path, zones, len);
	if (r < 0)
		zones[0] = '\0';
	return 0;
}

static bool is_online(enum mp_target t)
{
	return t != MP_OFFLINE;
}

/* Whether an online block's zone is what the target asked for. */
static bool zone_ok(enum mp_target t, const char *zone)
{
	if (t == MP_ONLINE_MOVABLE)
		return !strcasecmp(zone, "Movable");
	if (t == MP_ONLINE_KERNEL)
		return strcasecmp(zone, "Movable") != 0;
	return true;
}

static bool reached(enum mp_target t, enum mp_state st)
{
	return is_online(t) ? st == MP_STATE_ONLINE : st == MP_STATE_OFFLINE;
}

int mp_block_set(struct mp_session *s, uint64_t id, enum mp_target target, struct mp_step *st)
{
	struct mp_journal_entry e = { .kind = MP_J_STATE, .block = id };
	char path[128];
	int r;

	memset(st, 0, sizeof(*st));
	st->block = id;
	st->target = target;
	r = read_state(s, id, &st->before, st->zones_before, sizeof(st->zones_before));
	if (r < 0) {
		st->outcome = MP_FAILED;
		st->err = r;
		snprintf(st->why, sizeof(st->why), "cannot read memory%" PRIu64 "/state: %s", id,
			 strerror(-r));
		return r;
	}
	if (reached(target, st->before)) {
		st->outcome = MP_ALREADY;
		st->after = st->before;
		memcpy(st->zones_after, st->zones_before, sizeof(st->zones_after));
		if (is_online(target) && !zone_ok(target, st->zones_before))
			snprintf(st->why, sizeof(st->why), "not %s",
				 target == MP_ONLINE_MOVABLE ? "Movable" : "a kernel zone");
		return 1;
	}
	if (target == MP_OFFLINE && !s->opts.allow_boot_memory &&
	    !mp_session_block_hotplugged(s, id)) {
		st->outcome = MP_REFUSED;
		st->after = st->before;
		snprintf(st->why, sizeof(st->why),
			 "memory%" PRIu64 " was there at boot; --allow-boot-memory offlines it",
			 id);
		return -EPERM;
	}
	if (s->opts.dry_run) {
		st->outcome = MP_DRY_RUN;
		st->after = st->before;
		return 1;
	}
	if (mp_stop_signal) {
		st->outcome = MP_INTERRUPTED;
		st->err = -EINTR;
		st->after = st->before;
		return -EINTR;
	}

	/* journaled before it is made */
	e.state = st->before;
	if (st->before == MP_STATE_ONLINE)
		snprintf(e.zone, sizeof(e.zone), "%.15s", st->zones_before);
	r = journal_add(s, &e);
	if (r < 0) {
		st->outcome = MP_FAILED;
		st->err = r;
		snprintf(st->why, sizeof(st->why), "cannot journal the change: %s", strerror(-r));
		return r;
	}

	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", id);
	st->err = mp_write_str_timeout(s->root, path, mp_target_name(target), s->opts.timeout_ms,
				       &st->elapsed_ns);
	if (read_state(s, id, &st->after, st->zones_after, sizeof(st->zones_after)) < 0)
		st->after = MP_STATE_UNKNOWN;

	if (st->err == 0) {
		if (!reached(target, st->after)) {
			st->outcome = MP_WRONG;
			snprintf(st->why, sizeof(st->why),
				 "the write of \"%s\" succeeded but the state reads %s",
				 mp_target_name(target), mp_state_name(st->after));
		} else if (is_online(target) && !zone_ok(target, st->zones_after)) {
			st->outcome = MP_WRONG;
			snprintf(st->why, sizeof(st->why), "asked %s, the block is online in %s",
				 mp_target_name(target), st->zones_after);
		} else {
			st->outcome = MP_DONE;
		}
	} else if (reached(target, st->after)) {
		st->outcome = MP_RACE;
		snprintf(st->why, sizeof(st->why),
			 "the write failed (%s) but the block is %s: someone else changed it",
			 strerror(-st->err), mp_state_name(st->after));
	} else if (st->err == -ETIMEDOUT) {
		st->outcome = MP_TIMEOUT;
	} else if (st->err == -EINTR) {
		st->outcome = MP_INTERRUPTED;
	} else {
		st->outcome = MP_FAILED;
	}
	/* nothing changed: nothing to undo */
	if (st->after == st->before && strcmp(st->zones_after, st->zones_before) == 0)
		journal_undone(s, s->njournal - 1);
	return st->outcome == MP_DONE ? 0 : st->err ? st->err : -EPROTO;
}

int mp_session_journal_block(struct mp_session *s, uint64_t id)
{
	struct mp_journal_entry e = { .kind = MP_J_STATE, .block = id };
	char zones[MP_ZONES_LEN];
	int r = read_state(s, id, &e.state, zones, sizeof(zones));

	if (r < 0)
		return r;
	if (e.state == MP_STATE_ONLINE)
		snprintf(e.zone, sizeof(e.zone), "%.15s", zones);
	return journal_add(s, &e);
}

/* The write that puts a block back into a journaled state. */
static enum mp_target restore_target(const struct mp_journal_entry *e)
{
	if (e->state != MP_STATE_ONLINE)
		return MP_OFFLINE;
	return strcasecmp(e->zone, "Movable") ? MP_ONLINE_KERNEL : MP_ONLINE_MOVABLE;
}

/*
 * The undo of each kind of journal entry: 0 when the entry is done with
 * (put back, or nothing left to put back), -errno when it could not be
 * (logged; it stays in the journal).
 */

/*
 * What the kernel keeps in a block it would not offline: its pages by
 * kpageflags class, those that are neither free nor without a memmap.
 */
static void say_kept(struct mp_session *s, uint64_t id, const char *zones, int err, unsigned tries)
{
	static const enum mp_kpf_class in_use[] = { MP_KPC_SLAB,     MP_KPC_LRU,   MP_KPC_MEMMAP,
						    MP_KPC_RESERVED, MP_KPC_OTHER, MP_KPC_HWPOISON,
						    MP_KPC_OFFLINE };
	struct mp_kpf_request rq = { 0 };
	struct mp_avail av;
	char what[256] = "";
	size_t len = 0;
	uint64_t bs;

	if (mp_block_size(s->root, &bs, NULL, 0) == 0) {
		rq.first_pfn = id * (bs / mp_page_size());
		rq.npages = bs / mp_page_size();
		if (mp_kpf_read(s->root, &rq, 1, false, 1, &av) < 0 || rq.err < 0)
			rq.sum.seen = 0;
	}
	for (size_t i = 0; rq.sum.seen && i < ARRAY_SIZE(in_use) && len < sizeof(what); i++)
		if (rq.sum.cls[in_use[i]])
			len += (size_t)snprintf(what + len, sizeof(what) - len, "%s%" PRIu64 " %s",
						len ? ", " : "", rq.sum.cls[in_use[i]],
						mp_kpf_class_name(in_use[i]));
	if (rq.sum.seen && rq.sum.bits[KPF_PGTABLE] && len < sizeof(what))
		snprintf(what + len, sizeof(what) - len, " (%" PRIu64 " of them page tables)",
			 rq.sum.bits[KPF_PGTABLE]);
	mp_logf(s->log, MP_LOG_ERR,
		"memory%" PRIu64 " stays online%s%s: the kernel keeps pages there it will not move "
		"(%s after %u tries, caches dropped and memory compacted before each)%s%s",
		id, zones[0] ? " in " : "", zones, strerror(-err), tries,
		what[0] ? "; in use there by kpageflags: " : "", what);
}

/*
 * The kernel's own remedies for a refused offline: caches dropped, the
 * slabs they emptied given back (SLUB keeps empty slabs on its partial
 * lists until a cache's shrink file is written), memory compacted.
 */
static void make_room(struct mp_session *s, unsigned ms)
{
	DIR *d;
	struct dirent *de;

	mp_write_str_timeout(s->root, "/proc/sys/vm/drop_caches", "3", ms, NULL);
	d = mp_opendir(s->root, "/sys/kernel/slab");
	while (d && (de = readdir(d))) {
		char path[320];

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/sys/kernel/slab/%.255s/shrink", de->d_name);
		mp_write_str_timeout(s->root, path, "1", ms, NULL);
	}
	if (d)
		closedir(d);
	mp_write_str_timeout(s->root, "/proc/sys/vm/compact_memory", "1", ms, NULL);
}

/*
 * Offline block id to put it back: a refusal (EBUSY, a migration that does
 * not end) tried again after make_room() until the session's timeout, each
 * try bounded by what is left of it. 0, or -errno with the kept pages said.
 */
static int offline_for_good(struct mp_session *s, uint64_t id, const char *zones)
{
	uint64_t total = (uint64_t)(s->opts.timeout_ms ? s->opts.timeout_ms : 60000) * 1000000ULL;
	uint64_t t0 = mp_now_ns();
	unsigned tries = 0;
	char path[128];
	int r;

	/* tried to the end once already in this restore (its state, then its device) */
	for (size_t i = 0; i < s->nkept; i++)
		if (s->kept[i] == id)
			return -EBUSY;
	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", id);
	for (;;) {
		uint64_t spent = mp_now_ns() - t0;
		unsigned left = spent < total ? (unsigned)((total - spent) / 1000000ULL) : 0;

		if (tries)
			make_room(s, left < 2000 ? left + 1 : 2000);
		r = mp_write_str_timeout(s->root, path, "offline", left < 10000 ? left + 1 : 10000,
					 NULL);
		tries++;
		if (r == 0 || (r != -EBUSY && r != -ETIMEDOUT && r != -EAGAIN && r != -EINTR))
			break;
		if (mp_now_ns() - t0 >= total)
			break;
		poll(NULL, 0, 100);
	}
	if (r < 0 && r != -ENOENT && (r == -EBUSY || r == -ETIMEDOUT || r == -EAGAIN)) {
		uint64_t *nk = realloc(s->kept, (s->nkept + 1) * sizeof(*nk));

		say_kept(s, id, zones, r, tries);
		if (nk) {
			s->kept = nk;
			s->kept[s->nkept++] = id;
		}
	} else if (r == 0 && tries > 1)
		mp_logf(s->log, MP_LOG_INFO,
			"memory%" PRIu64 " went offline at try %u, caches dropped and memory "
			"compacted before it",
			id, tries);
	return r;
}

/* A block's state and zone, written back unless it is so already or gone. */
static int undo_state(struct mp_session *s, const struct mp_journal_entry *e)
{
	enum mp_target t = restore_target(e);
	enum mp_state now;
	char zones[MP_ZONES_LEN], path[128];
	int r = read_state(s, e->block, &now, zones, sizeof(zones));

	/* the block went with its device: nothing to put back (ENODEV: kernfs
	 * says so of a file whose block is being removed, as virtio-mem's
	 * driver does on its own after a shrink) */
	if (r == -ENOENT || r == -ENODEV)
		return 0;
	if (r < 0 || now == MP_STATE_UNKNOWN) {
		/* never write to a block whose state cannot be told */
		mp_logf(s->log, MP_LOG_ERR,
			"memory%" PRIu64 ": cannot read its state (%s); not restored to %s",
			e->block, r < 0 ? strerror(-r) : "unknown", mp_target_name(t));
		return r < 0 ? r : -EIO;
	}
	if (reached(t, now) && (!is_online(t) || zone_ok(t, zones)))
		return 0;
	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", e->block);
	if (t == MP_OFFLINE)
		r = offline_for_good(s, e->block, zones);
	else
		r = mp_write_str_timeout(s->root, path, mp_target_name(t), s->opts.timeout_ms,
					 NULL);
	if (r == -ENOENT || r == -ENODEV)
		return 0; /* gone with its device meanwhile */
	if (r < 0) {
		mp_logf(s->log, MP_LOG_ERR, "could not restore memory%" PRIu64 " to %s: %s",
			e->block, mp_target_name(t), strerror(-r));
		return r;
	}
	mp_logf(s->log, MP_LOG_INFO, "restored memory%" PRIu64 " to %s", e->block,
		mp_target_name(t));
	return 0;
}

/*
 * A device the session added: removed again, its blocks that are online
 * (the kernel's auto-onlining, a change not journaled) offlined first as a
 * restore does it: the eject offlines each block only once.
 */
static int undo_device(struct mp_session *s, const struct mp_journal_entry *e)
{
	char why[200] = "", zones[MP_ZONES_LEN];
	uint64_t bs;
	enum mp_state now;
	int r;

	if (e->dev.size && mp_block_size(s->root, &bs, NULL, 0) == 0)
		for (uint64_t b = e->dev.addr / bs; b <= (e->dev.addr + e->dev.size - 1) / bs; b++)
			if (read_state(s, b, &now, zones, sizeof(zones)) == 0 &&
			    now == MP_STATE_ONLINE && offline_for_good(s, b, zones) < 0)
				return -EBUSY; /* said; removing would fail the same way */
	r = s->opts.remove_device
		    ? s->opts.remove_device(s->opts.userdata, &e->dev, why, sizeof(why))
		    : -ENOTSUP;

	if (r < 0) {
		mp_logf(s->log, MP_LOG_ERR, "could not remove %s device %s: %s", e->dev.backend,
			e->dev.id, why[0] ? why : strerror(-r));
		return r;
	}
	mp_logf(s->log, MP_LOG_INFO, "restored: removed %s device %s", e->dev.backend, e->dev.id);
	return 0;
}

/* A device the session removed: added back, where it can be. */
static int undo_removed(struct mp_session *s, const struct mp_journal_entry *e)
{
	char why[200] = "";
	int r;

	if (!s->opts.readd_device) {
		mp_logf(s->log, MP_LOG_WARN,
			"%s device %s stays removed: that backend cannot add it back",
			e->dev.backend, e->dev.id);
		return 0;
	}
	r = s->opts.readd_device(s->opts.userdata, &e->dev, why, sizeof(why));
	if (r > 0) {
		mp_logf(s->log, MP_LOG_WARN, "%s device %s stays removed: %s", e->dev.backend,
			e->dev.id, why);
		return 0;
	}
	if (r < 0) {
		mp_logf(s->log, MP_LOG_ERR, "could not add back %s device %s: %s", e->dev.backend,
			e->dev.id, why[0] ? why : strerror(-r));
		return r;
	}
	mp_logf(s->log, MP_LOG_INFO, "restored: added %s device %s back at 0x%" PRIx64,
		e->dev.backend, e->dev.id, e->dev.addr);
	return 0;
}

/* An attribute: its old value written back. */
static int undo_attr(struct mp_session *s, const struct mp_journal_entry *e)
{
	int r = mp_write_str_timeout(s->root, e->path, e->value, s->opts.timeout_ms, NULL);

	if (r < 0) {
		mp_logf(s->log, MP_LOG_ERR, "could not put %s back to %s: %s", e->path, e->value,
			strerror(-r));
		return r;
	}
	mp_logf(s->log, MP_LOG_INFO, "restored %s to %s", e->path, e->value);
	return 0;
}

/* An older change of a block whose newer one could not be undone waits. */
static bool waits(const struct mp_session *s, size_t i)
{
	const struct mp_journal_entry *e = &s->journal[i];

	if (e->kind != MP_J_STATE)
		return false;
	for (size_t k = i + 1; k < s->njournal; k++)
		if (s->journal[k].kind == MP_J_STATE && !s->journal[k].undone &&
		    s->journal[k].block == e->block)
			return true;
	return false;
}

int mp_session_restore(struct mp_session *s)
{
	static int (*const undo[])(struct mp_session * s, const struct mp_journal_entry *e) = {
		[MP_J_STATE] = undo_state,
		[MP_J_DEVICE] = undo_device,
		[MP_J_REMOVED] = undo_removed,
		[MP_J_ATTR] = undo_attr,
	};
	sigset_t hold, old;
	int failed = 0;

	sigemptyset(&hold);
	sigaddset(&hold, SIGINT);
	sigaddset(&hold, SIGTERM);
	sigaddset(&hold, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &hold, &old);
	for (size_t i = s->njournal; i-- > 0;) {
		if (s->journal[i].undone)
			continue;
		if (waits(s, i) || undo[s->journal[i].kind](s, &s->journal[i]) < 0)
			failed++;
		else
			journal_undone(s, i);
	}
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	return failed;
}
