// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/kpageflags and /proc/kpagecount over PFN ranges: one class per
 * page, the count of every flag, and the memmap pages a memmap_on_memory
 * block hosts at its start. 8 bytes per PFN; offline and removed sections
 * read NOPAGE up to 6.12 (pfn_to_online_page() is NULL there,
 * fs/proc/page.c) and 0 on 7.2 (kernel.h learns which), and reads past the
 * highest dumpable PFN return nothing.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "sensors/kpf.h"
#include "sensors/sensor.h"

static const char *const class_names[MP_KPC_COUNT] = {
	[MP_KPC_NOPAGE] = "nopage", [MP_KPC_HWPOISON] = "hwpoison", [MP_KPC_OFFLINE] = "offline",
	[MP_KPC_BUDDY] = "buddy",   [MP_KPC_SLAB] = "slab",	    [MP_KPC_LRU] = "lru",
	[MP_KPC_MEMMAP] = "memmap", [MP_KPC_RESERVED] = "reserved", [MP_KPC_OTHER] = "other",
};

const char *mp_kpf_class_name(enum mp_kpf_class c)
{
	return (unsigned)c < MP_KPC_COUNT ? class_names[c] : "?";
}

/* The names tools/mm/page-types.c prints (long form). */
static const char *const flag_names[64] = {
	[KPF_LOCKED] = "locked",
	[KPF_ERROR] = "error",
	[KPF_REFERENCED] = "referenced",
	[KPF_UPTODATE] = "uptodate",
	[KPF_DIRTY] = "dirty",
	[KPF_LRU] = "lru",
	[KPF_ACTIVE] = "active",
	[KPF_SLAB] = "slab",
	[KPF_WRITEBACK] = "writeback",
	[KPF_RECLAIM] = "reclaim",
	[KPF_BUDDY] = "buddy",
	[KPF_MMAP] = "mmap",
	[KPF_ANON] = "anonymous",
	[KPF_SWAPCACHE] = "swapcache",
	[KPF_SWAPBACKED] = "swapbacked",
	[KPF_COMPOUND_HEAD] = "compound_head",
	[KPF_COMPOUND_TAIL] = "compound_tail",
	[KPF_HUGE] = "huge",
	[KPF_UNEVICTABLE] = "unevictable",
	[KPF_HWPOISON] = "hwpoison",
	[KPF_NOPAGE] = "nopage",
	[KPF_KSM] = "ksm",
	[KPF_THP] = "thp",
	[KPF_OFFLINE] = "offline",
	[KPF_ZERO_PAGE] = "zero_page",
	[KPF_IDLE] = "idle_page",
	[KPF_PGTABLE] = "pgtable",
	[KPF_RESERVED] = "reserved",
	[KPF_MLOCKED] = "mlocked",
	[KPF_MAPPEDTODISK] = "mappedtodisk",
	[KPF_PRIVATE] = "private",
	[KPF_PRIVATE_2] = "private_2",
	[KPF_OWNER_PRIVATE] = "owner_private",
	[KPF_ARCH] = "arch",
	[KPF_UNCACHED] = "uncached",
	[KPF_SOFTDIRTY] = "softdirty",
	[KPF_ARCH_2] = "arch_2",
};

const char *mp_kpf_name(unsigned bit)
{
	return bit < 64 ? flag_names[bit] : NULL;
}

void mp_kpf_summary_init(struct mp_kpf_summary *s, uint64_t first_pfn, uint64_t npages)
{
	memset(s, 0, sizeof(*s));
	s->first_pfn = first_pfn;
	s->npages = npages;
	s->lead_open = true;
}

static enum mp_kpf_class classify(uint64_t f)
{
	if (f & KPF_BIT(KPF_NOPAGE))
		return MP_KPC_NOPAGE;
	if (f & KPF_BIT(KPF_HWPOISON))
		return MP_KPC_HWPOISON;
	if (f & KPF_BIT(KPF_OFFLINE))
		return MP_KPC_OFFLINE;
	if (f & KPF_BIT(KPF_BUDDY))
		return MP_KPC_BUDDY;
	if (f & KPF_BIT(KPF_SLAB))
		return MP_KPC_SLAB;
	if (f & KPF_BIT(KPF_LRU))
		return MP_KPC_LRU;
	if (mp_kpf_self_hosted(f))
		return MP_KPC_MEMMAP;
	if (f & KPF_BIT(KPF_RESERVED))
		return MP_KPC_RESERVED;
	return MP_KPC_OTHER;
}

/* A run of n pages with the same flags f, the first at PFN pfn. */
static void add_run(struct mp_kpf_summary *s, uint64_t f, uint64_t pfn, uint64_t n)
{
	enum mp_kpf_class c = classify(f);
	uint64_t b = f;

	s->cls[c] += n;
	if (!f)
		s->zero += n;
	while (b) {
		s->bits[__builtin_ctzll(b)] += n;
		b &= b - 1;
	}
	if (f & KPF_BIT(KPF_HWPOISON)) {
		if (!s->nhwpoison)
			s->first_hwpoison = pfn;
		s->nhwpoison += n;
	}
	if (s->lead_open) {
		if (c == MP_KPC_MEMMAP)
			s->self_hosted += n;
		else
			s->lead_open = false;
	}
}

void mp_kpf_summary_add(struct mp_kpf_summary *s, const uint64_t *w, size_t n)
{
	uint64_t pfn = s->first_pfn + s->seen + s->skipped;
	size_t i = 0;

	while (i < n) {
		size_t j = i + 1;

		while (j < n && w[j] == w[i])
			j++;
		add_run(s, w[i], pfn + i, j - i);
		i = j;
	}
	s->seen += n;
}

void mp_kpf_summary_add_beyond(struct mp_kpf_summary *s, uint64_t n)
{
	add_run(s, KPF_BIT(KPF_NOPAGE), s->first_pfn + s->seen + s->skipped, n);
	s->beyond += n;
	s->seen += n;
}

void mp_kpc_summary_add(struct mp_kpf_summary *s, const uint64_t *c, size_t n)
{
	s->have_count = true;
	for (size_t i = 0; i < n; i++) {
		if (c[i]) {
			s->mapped++;
			s->mapcount += c[i];
		}
	}
}

/* ---- the reader ---- */

struct job {
	int flags_fd, count_fd;
	struct mp_kpf_request *req;
	size_t n, first, step; /* requests first, first + step, ... */
	int err;
};

static ssize_t pread_full(int fd, void *buf, size_t len, off_t off)
{
	size_t got = 0;

	while (got < len) {
		ssize_t r = pread(fd, (char *)buf + got, len - got, off + (off_t)got);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		if (r == 0)
			break;
		got += (size_t)r;
	}
	return (ssize_t)got;
}

static int read_one(struct job *j, struct mp_kpf_request *rq, uint64_t *buf)
{
	uint64_t pfn = rq->first_pfn, left = rq->npages;

	mp_kpf_summary_init(&rq->sum, rq->first_pfn, rq->npages);
	while (left) {
		size_t want = left < MP_KPF_BATCH ? (size_t)left : MP_KPF_BATCH;
		ssize_t r;
		size_t got;

		if (rq->hole_len && pfn == rq->hole_start) {
			uint64_t h = rq->hole_len < left ? rq->hole_len : left;

			rq->sum.skipped += h;
			rq->sum.lead_open = false; /* the lead ends where reading stops */
			pfn += h;
			left -= h;
			continue;
		}
		if (rq->hole_len && pfn < rq->hole_start && rq->hole_start - pfn < want)
			want = (size_t)(rq->hole_start - pfn);
		r = pread_full(j->flags_fd, buf, want * 8, (off_t)(pfn * 8));
		if (r < 0)
			return (int)r;
		got = (size_t)r / 8;
		mp_kpf_summary_add(&rq->sum, buf, got);
		if (j->count_fd >= 0 && got) {
			r = pread_full(j->count_fd, buf, got * 8, (off_t)(pfn * 8));
			if (r < 0)
				return (int)r;
			mp_kpc_summary_add(&rq->sum, buf, (size_t)r / 8);
		}
		if (got < want) {
			/* past the last dumpable PFN: no memmap there (a hole ahead stays unread) */
			uint64_t rest = left - got, h = 0;

			if (rq->hole_len && pfn + got <= rq->hole_start)
				h = rq->hole_len < rest ? rq->hole_len : rest;
			mp_kpf_summary_add_beyond(&rq->sum, rest - h);
			rq->sum.skipped += h;
			break;
		}
		pfn += got;
		left -= got;
	}
	return 0;
}

static void *run_job(void *arg)
{
	struct job *j = arg;
	uint64_t *buf = malloc(MP_KPF_BATCH * sizeof(uint64_t));

	if (!buf) {
		j->err = -ENOMEM;
		return NULL;
	}
	for (size_t i = j->first; i < j->n; i += j->step) {
		j->req[i].err = read_one(j, &j->req[i], buf);
		if (j->req[i].err && !j->err)
			j->err = j->req[i].err;
	}
	free(buf);
	return NULL;
}

/* open_kpage()'s error for a file that is neither regular nor a folder */
#define EFTYPE_NOT_REG EINVAL
#define why_open(e) ((e) == -EFTYPE_NOT_REG ? "not a regular file" : strerror(-(e)))

/*
 * Open a /proc/kpage* file: never waiting (a FIFO in a recorded tree would
 * block open() for good), and only a regular file, as proc's are.
 */
static int open_kpage(const struct mp_root *root, const char *path)
{
	int fd = mp_open(root, path, O_RDONLY | O_NONBLOCK);
	struct stat st;

	if (fd < 0)
		return fd;
	if (fstat(fd, &st) < 0) {
		int e = -errno;

		close(fd);
		return e;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		return S_ISDIR(st.st_mode) ? -EISDIR : -EFTYPE_NOT_REG;
	}
	return fd;
}

int mp_kpf_read(const struct mp_root *root, struct mp_kpf_request *req, size_t n, bool count,
		int threads, struct mp_avail *avail)
{
	_cleanup_close_ int ffd = open_kpage(root, "/proc/kpageflags");
	_cleanup_close_ int cfd = -1;
	struct job jobs[2];
	uint64_t total = 0;
	pthread_t th;
	int nth = 1, r = 0;

	if (ffd < 0) {
		mp_avail_set(avail, false, "cannot open /proc/kpageflags: %s%s", why_open(ffd),
			     ffd == -EACCES || ffd == -EPERM ? " (root only)" : "");
		return ffd;
	}
	if (count) {
		cfd = open_kpage(root, "/proc/kpagecount");
		if (cfd < 0) {
			mp_avail_set(avail, false, "cannot open /proc/kpagecount: %s",
				     why_open(cfd));
			return cfd;
		}
	}
	mp_avail_set(avail, true, "ok");
	for (size_t i = 0; i < n; i++)
		total += req[i].npages;
	if (threads > 1 && total > MP_KPF_THREAD_MIN && n > 1)
		nth = 2;
	for (int t = 0; t < nth; t++)
		jobs[t] = (struct job){ ffd, cfd, req, n, (size_t)t, (size_t)nth, 0 };
	if (nth == 2 && pthread_create(&th, NULL, run_job, &jobs[1]) != 0) {
		/* run both halves here */
		jobs[0].step = 1;
		nth = 1;
	}
	run_job(&jobs[0]);
	if (nth == 2)
		pthread_join(th, NULL);
	for (int t = 0; t < nth; t++)
		if (jobs[t].err && !r)
			r = jobs[t].err;
	return r;
}
