// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <numa.h>
#include <numaif.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include "base/timeout.h"
#include "ops/workload.h"
#include "sensors/kpf.h"

#ifndef MADV_POPULATE_WRITE
#define MADV_POPULATE_WRITE 23 /* Linux 5.14 */
#endif
#ifndef MAP_HUGE_2MB
#define MAP_HUGE_2MB (21 << 26)
#endif

#define PM_PRESENT (UINT64_C(1) << 63)
#define PM_PFN_MASK ((UINT64_C(1) << 55) - 1)

static const char *const kind_names[] = {
	[MP_WL_4K] = "4k",
	[MP_WL_THP] = "thp",
	[MP_WL_HUGETLB] = "hugetlb",
};

const char *mp_wl_kind_name(enum mp_wl_kind k)
{
	return (unsigned)k < ARRAY_SIZE(kind_names) ? kind_names[k] : "?";
}

int mp_wl_kind_parse(const char *s, enum mp_wl_kind *out)
{
	for (size_t i = 0; i < ARRAY_SIZE(kind_names); i++)
		if (!strcmp(s, kind_names[i])) {
			*out = (enum mp_wl_kind)i;
			return 0;
		}
	return -EINVAL;
}

/* ---- the pattern ---- */

uint64_t mp_wl_word(uint64_t seed, uint64_t page, uint64_t word)
{
	/* (page, word) packed without overlap for pages under 2^44 and words under
	 * 2^20, then splitmix64's finaliser: a bijection, so no two (page, word)
	 * give the same value */
	uint64_t x = seed ^ (page << 20) ^ word;

	x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
	x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
	return x ^ (x >> 31);
}

void mp_wl_fill(void *buf, size_t len, size_t page_size, uint64_t seed)
{
	size_t wpp = page_size / 8;

	for (size_t p = 0; p < len / page_size; p++) {
		uint64_t *w = (uint64_t *)((char *)buf + p * page_size);

		for (size_t i = 0; i < wpp; i++)
			w[i] = mp_wl_word(seed, p, i);
	}
}

int mp_wl_verify(const void *buf, size_t len, size_t page_size, uint64_t seed,
		 struct mp_wl_bad *bad)
{
	size_t wpp = page_size / 8;

	memset(bad, 0, sizeof(*bad));
	for (size_t p = 0; p < len / page_size; p++) {
		const uint64_t *w = (const uint64_t *)((const char *)buf + p * page_size);

		for (size_t i = 0; i < wpp; i++) {
			uint64_t want = mp_wl_word(seed, p, i), got = w[i];
			uint8_t eb[8], gb[8];
			unsigned k = 0;

			if (got == want)
				continue;
			if (!bad->bad_pages++) {
				memcpy(eb, &want, 8);
				memcpy(gb, &got, 8);
				while (eb[k] == gb[k])
					k++;
				bad->offset = p * page_size + i * 8 + k;
				bad->page = p;
				bad->expected = eb[k];
				bad->found = gb[k];
			}
			break; /* the next page */
		}
	}
	return bad->bad_pages ? -EILSEQ : 0;
}

int mp_wl_thp_mode(const struct mp_root *root, char *mode, size_t len)
{
	char buf[128], *a, *b;
	ssize_t r = mp_read_str(root, MP_SYS_THP_ENABLED, buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	a = strchr(buf, '[');
	b = a ? strchr(a, ']') : NULL;
	if (!b)
		return -EINVAL;
	snprintf(mode, len, "%.*s", (int)(b - a - 1), a + 1);
	return 0;
}

/* ---- the child ---- */

enum { REQ_PLACE = 1, REQ_CHECK, REQ_STOP };

struct req {
	int op;
	uint64_t pfn_first, pfn_last;
};

struct reply {
	int err;
	char why[160];
	struct mp_wl_place place;
	struct mp_wl_verdict verdict;
};

struct mp_wl {
	struct mp_wl_opts o;
	pid_t pid;
	int to, from; /* request and reply pipes */
	uint64_t bytes;
};

/* The child's own state. */
struct child {
	const struct mp_root *root;
	struct mp_wl_opts o;
	size_t ps;
	char *mem;
	uint64_t len;
	uint64_t *pfn; /* per base page, at the last placement; 0 unknown */
};

static int child_map(struct child *c, char *why, size_t wlen)
{
	uint64_t align = c->o.kind == MP_WL_4K ? c->ps : MP_WL_HUGE_SIZE;
	int flags = MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE;
	char *p;

	c->len = (c->o.size + align - 1) / align * align;
	if (c->o.kind == MP_WL_HUGETLB) {
		p = mmap(NULL, c->len, PROT_READ | PROT_WRITE, flags | MAP_HUGETLB | MAP_HUGE_2MB,
			 -1, 0);
		if (p == MAP_FAILED) {
			snprintf(why, wlen, "mmap MAP_HUGETLB %" PRIu64 " bytes: %s", c->len,
				 strerror(errno));
			return -errno;
		}
	} else {
		/* THP: 2 MiB aligned, the slack given back */
		uint64_t slack = align - c->ps;
		char *raw = mmap(NULL, c->len + slack, PROT_READ | PROT_WRITE, flags, -1, 0);
		uintptr_t a;

		if (raw == MAP_FAILED) {
			snprintf(why, wlen, "mmap %" PRIu64 " bytes: %s", c->len, strerror(errno));
			return -errno;
		}
		a = ((uintptr_t)raw + align - 1) & ~(uintptr_t)(align - 1);
		p = (char *)a;
		if (p > raw)
			munmap(raw, (size_t)(p - raw));
		if ((uint64_t)(p - raw) < slack)
			munmap(p + c->len, (size_t)(slack - (uint64_t)(p - raw)));
		if (madvise(p, c->len, c->o.kind == MP_WL_THP ? MADV_HUGEPAGE : MADV_NOHUGEPAGE) <
		    0) {
			snprintf(why, wlen, "madvise %s: %s",
				 c->o.kind == MP_WL_THP ? "MADV_HUGEPAGE" : "MADV_NOHUGEPAGE",
				 strerror(errno));
			return -errno;
		}
	}
	c->mem = p;
	if (c->o.node >= 0) {
		struct bitmask *m;
		int r = 0;

		if (numa_available() < 0 || c->o.node > numa_max_possible_node()) {
			snprintf(why, wlen, "node %d: no NUMA support for it", c->o.node);
			return -ENODEV;
		}
		m = numa_allocate_nodemask();
		if (!m)
			return -ENOMEM;
		numa_bitmask_setbit(m, (unsigned)c->o.node);
		if (mbind(p, c->len, MPOL_BIND, m->maskp, m->size + 1, 0) < 0) {
			r = -errno;
			snprintf(why, wlen, "mbind MPOL_BIND node %d: %s", c->o.node,
				 strerror(errno));
		}
		numa_free_nodemask(m);
		if (r < 0)
			return r;
	}
	/* fault everything in now: a node that cannot give it says ENOMEM, not SIGBUS */
	if (madvise(p, c->len, MADV_POPULATE_WRITE) < 0) {
		if (errno != EINVAL) {
			snprintf(why, wlen, "populating %" PRIu64 " bytes on node %d: %s", c->len,
				 c->o.node, strerror(errno));
			return -errno;
		}
		for (uint64_t off = 0; off < c->len; off += c->ps)
			c->mem[off] = 0;
	}
	mp_wl_fill(c->mem, c->len, c->ps, c->o.seed);
	c->pfn = calloc(c->len / c->ps, sizeof(*c->pfn));
	return c->pfn ? 0 : -ENOMEM;
}

static int child_place(struct child *c, const struct req *q, struct reply *rp)
{
	struct mp_wl_place *pl = &rp->place;
	uint64_t n = c->len / c->ps, chunk = MP_WL_HUGE_SIZE / c->ps, buf[512];
	int fd = mp_open(c->root, "/proc/self/pagemap", O_RDONLY), kfd;

	memset(pl, 0, sizeof(*pl));
	pl->pages = n;
	if (fd < 0) {
		snprintf(rp->why, sizeof(rp->why), "/proc/self/pagemap: %s", strerror(-fd));
		return fd;
	}
	for (uint64_t i = 0; i < n;) {
		uint64_t k = n - i < ARRAY_SIZE(buf) ? n - i : ARRAY_SIZE(buf);
		off_t at = (off_t)(((uintptr_t)c->mem / c->ps + i) * 8);
		ssize_t got = pread(fd, buf, k * 8, at);

		if (got < (ssize_t)(k * 8)) {
			snprintf(rp->why, sizeof(rp->why), "/proc/self/pagemap: %s",
				 got < 0 ? strerror(errno) : "short read");
			close(fd);
			return got < 0 ? -errno : -EIO;
		}
		for (uint64_t j = 0; j < k; j++, i++) {
			uint64_t pfn = buf[j] & PM_PRESENT ? buf[j] & PM_PFN_MASK : 0;

			c->pfn[i] = pfn;
			if (!pfn)
				continue;
			pl->present++;
			if (pfn < q->pfn_first || pfn > q->pfn_last)
				continue;
			if (!pl->in_range++ || pfn < pl->pfn_min)
				pl->pfn_min = pfn;
			if (pfn > pl->pfn_max)
				pl->pfn_max = pfn;
		}
	}
	close(fd);
	pl->have_pfns = pl->present > 0;
	/* huge or not: the flags of each 2 MiB chunk's first page */
	kfd = pl->have_pfns ? mp_open(c->root, "/proc/kpageflags", O_RDONLY) : -ENOENT;
	if (kfd < 0)
		return 0;
	pl->have_flags = true;
	for (uint64_t i = 0; i + chunk <= n; i += chunk) {
		uint64_t fl;

		if (!c->pfn[i] || pread(kfd, &fl, 8, (off_t)(c->pfn[i] * 8)) != 8) {
			pl->have_flags = false;
			break;
		}
		if (fl & ((UINT64_C(1) << KPF_THP) | (UINT64_C(1) << KPF_HUGE)))
			pl->huge += chunk;
	}
	close(kfd);
	return 0;
}

static void child_check(struct child *c, struct reply *rp)
{
	struct mp_wl_verdict *v = &rp->verdict;

	memset(v, 0, sizeof(*v));
	v->bytes = c->len;
	if (mp_wl_verify(c->mem, c->len, c->ps, c->o.seed, &v->first) < 0) {
		v->bad = true;
		v->pfn_before = c->pfn[v->first.page];
	}
}

static int write_all(int fd, const void *p, size_t n)
{
	while (n) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -EPIPE;
		p = (const char *)p + w;
		n -= (size_t)w;
	}
	return 0;
}

/* Read exactly n bytes; 0, -EPIPE on end of file, -ETIMEDOUT past the deadline. */
static int read_all(int fd, void *p, size_t n, uint64_t deadline_ns)
{
	while (n) {
		struct pollfd pf = { .fd = fd, .events = POLLIN };
		uint64_t now = mp_now_ns();
		ssize_t r;

		if (deadline_ns) {
			if (now >= deadline_ns)
				return -ETIMEDOUT;
			if (poll(&pf, 1, (int)((deadline_ns - now) / 1000000 + 1)) == 0)
				continue;
		}
		r = read(fd, p, n);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -EPIPE;
		p = (char *)p + r;
		n -= (size_t)r;
	}
	return 0;
}

static _Noreturn void child_main(const struct mp_root *root, const struct mp_wl_opts *o, int in,
				 int out)
{
	struct child c = { .root = root, .o = *o, .ps = (size_t)sysconf(_SC_PAGESIZE) };
	struct reply rp = { 0 };
	struct req q;

	/* the parent decides when it ends: its SIGINT is not ours; its death is */
	signal(SIGINT, SIG_IGN);
	signal(SIGHUP, SIG_IGN);
	signal(SIGTERM, SIG_DFL);
	signal(SIGPIPE, SIG_IGN);
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	rp.err = child_map(&c, rp.why, sizeof(rp.why));
	if (write_all(out, &rp, sizeof(rp)) < 0 || rp.err < 0)
		_exit(rp.err < 0 ? 1 : 2);
	while (read_all(in, &q, sizeof(q), 0) == 0) {
		memset(&rp, 0, sizeof(rp));
		if (q.op == REQ_PLACE)
			rp.err = child_place(&c, &q, &rp);
		else if (q.op == REQ_CHECK)
			child_check(&c, &rp);
		else
			break;
		if (write_all(out, &rp, sizeof(rp)) < 0)
			break;
	}
	_exit(0);
}

/* ---- the parent's side ---- */

static void reap(struct mp_wl *w, bool kill_it)
{
	if (w->to >= 0)
		close(w->to);
	if (w->from >= 0)
		close(w->from);
	w->to = w->from = -1;
	if (w->pid > 0) {
		uint64_t end = mp_now_ns() + 5000000000ULL;

		if (kill_it)
			kill(w->pid, SIGKILL);
		/* the child ends on end of file; a child that does not is killed */
		while (waitpid(w->pid, NULL, WNOHANG) == 0) {
			if (mp_now_ns() > end) {
				kill(w->pid, SIGKILL);
				waitpid(w->pid, NULL, 0);
				break;
			}
			poll(NULL, 0, 10);
		}
		w->pid = -1;
	}
}

static int ask(struct mp_wl *w, const struct req *q, struct reply *rp, char *why, size_t wlen)
{
	unsigned ms = w->o.timeout_ms ? w->o.timeout_ms : 60000;
	int r;

	if (w->pid <= 0) {
		snprintf(why, wlen, "the workload has ended");
		return -ESRCH;
	}
	r = q ? write_all(w->to, q, sizeof(*q)) : 0;
	if (r == 0)
		r = read_all(w->from, rp, sizeof(*rp), mp_now_ns() + (uint64_t)ms * 1000000ULL);
	if (r == -ETIMEDOUT) {
		snprintf(why, wlen, "the workload did not answer within %u ms", ms);
		reap(w, true);
		return r;
	}
	if (r < 0) {
		int st = 0;

		waitpid(w->pid, &st, 0);
		w->pid = -1;
		if (WIFSIGNALED(st))
			snprintf(why, wlen, "the workload died of signal %d (%s)", WTERMSIG(st),
				 strsignal(WTERMSIG(st)));
		else
			snprintf(why, wlen, "the workload ended (status %d)", WEXITSTATUS(st));
		reap(w, false);
		return -EPIPE;
	}
	if (rp->err < 0)
		snprintf(why, wlen, "%s", rp->why[0] ? rp->why : strerror(-rp->err));
	return rp->err;
}

int mp_wl_start(const struct mp_root *root, const struct mp_wl_opts *o, struct mp_wl **out,
		char *why, size_t wlen)
{
	struct mp_wl *w = calloc(1, sizeof(*w));
	struct reply rp;
	int to[2], from[2], r;

	*out = NULL;
	if (!w)
		return -ENOMEM;
	if (!o->size || (unsigned)o->kind >= MP_WL_NKINDS) {
		free(w);
		snprintf(why, wlen, "a workload needs a size and a kind");
		return -EINVAL;
	}
	w->o = *o;
	w->to = w->from = -1;
	if (pipe2(to, O_CLOEXEC) < 0) {
		free(w);
		return -errno;
	}
	if (pipe2(from, O_CLOEXEC) < 0) {
		r = -errno;
		close(to[0]);
		close(to[1]);
		free(w);
		return r;
	}
	fflush(NULL);
	w->pid = fork();
	if (w->pid == 0) {
		close(to[1]);
		close(from[0]);
		child_main(root, o, to[0], from[1]);
	}
	r = w->pid < 0 ? -errno : 0;
	close(to[0]);
	close(from[1]);
	w->to = to[1];
	w->from = from[0];
	if (r < 0) {
		snprintf(why, wlen, "fork: %s", strerror(-r));
		reap(w, false);
		free(w);
		return r;
	}
	r = ask(w, NULL, &rp, why, wlen);
	if (r < 0) {
		reap(w, true);
		free(w);
		return r;
	}
	{
		uint64_t a = o->kind == MP_WL_4K ? (uint64_t)sysconf(_SC_PAGESIZE)
						 : MP_WL_HUGE_SIZE;

		w->bytes = (o->size + a - 1) / a * a;
	}
	*out = w;
	return 0;
}

int mp_wl_place(struct mp_wl *w, uint64_t pfn_first, uint64_t pfn_last, struct mp_wl_place *out,
		char *why, size_t wlen)
{
	struct req q = { .op = REQ_PLACE, .pfn_first = pfn_first, .pfn_last = pfn_last };
	struct reply rp;
	int r = ask(w, &q, &rp, why, wlen);

	if (r == 0)
		*out = rp.place;
	return r;
}

int mp_wl_check(struct mp_wl *w, struct mp_wl_verdict *v, char *why, size_t wlen)
{
	struct req q = { .op = REQ_CHECK };
	struct reply rp;
	int r = ask(w, &q, &rp, why, wlen);

	if (r == 0)
		*v = rp.verdict;
	return r;
}

void mp_wl_stop(struct mp_wl *w)
{
	struct req q = { .op = REQ_STOP };

	if (!w)
		return;
	if (w->to >= 0)
		write_all(w->to, &q, sizeof(q));
	reap(w, false);
	free(w);
}

const struct mp_wl_opts *mp_wl_opts(const struct mp_wl *w)
{
	return &w->o;
}

uint64_t mp_wl_bytes(const struct mp_wl *w)
{
	return w->bytes;
}
