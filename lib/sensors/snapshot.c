// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/timeout.h"
#include "sensors/kcore.h"
#include "sensors/origin.h"
#include "sensors/snapshot.h"

void mp_snapshot_free(struct mp_snapshot *s)
{
	if (!s)
		return;
	free(s->blocks);
	mp_counters_clear(&s->meminfo);
	mp_counters_clear(&s->vmstat);
	mp_zoneinfo_clear(&s->zones);
	mp_ptdump_clear(&s->pt);
	mp_ptdump_clear(&s->kpt);
	mp_kmsg_log_clear(&s->kmsg);
	free(s);
}

static int cmp_sblock(const void *a, const void *b)
{
	const struct mp_snap_block *x = a, *y = b;

	return x->id < y->id ? -1 : x->id > y->id;
}

const struct mp_snap_block *mp_snapshot_block(const struct mp_snapshot *s, uint64_t id)
{
	struct mp_snap_block key = { .id = id };

	if (!s->nblocks)
		return NULL;
	return bsearch(&key, s->blocks, s->nblocks, sizeof(key), cmp_sblock);
}

ssize_t mp_snapshot_runs(const struct mp_snapshot *s, struct mp_pfn_run **out)
{
	uint64_t bp = s->block_size / s->page_size;
	struct mp_pfn_run *r = calloc(s->nblocks + 1, sizeof(*r));
	size_t n = 0;

	if (!r)
		return -ENOMEM;
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mp_snap_block *b = &s->blocks[i];

		if (!b->present)
			continue;
		if (n && r[n - 1].end == b->id * bp)
			r[n - 1].end += bp;
		else
			r[n++] = (struct mp_pfn_run){ b->id * bp, (b->id + 1) * bp };
	}
	*out = r;
	return (ssize_t)n;
}

static struct mp_snapshot *snap_new(void)
{
	struct mp_snapshot *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->meminfo.node = s->vmstat.node = -1;
	return s;
}

static void set_free_reading(struct mp_snapshot *s, uint64_t v)
{
	if (!s->nreadings || v < s->free_min)
		s->free_min = v;
	if (!s->nreadings || v > s->free_max)
		s->free_max = v;
	s->free_mean = (s->free_mean * s->nreadings + v) / (s->nreadings + 1);
	s->nreadings++;
}

/* ---- live ---- */

static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/*
 * A write that may take long (drop_caches, compact_memory) in a child,
 * bounded by a wall-clock timeout: 0, -ETIMEDOUT (the child is killed and
 * left to the kernel) or -errno.
 */
static int write_bounded(const struct mp_root *root, const char *path, const char *val,
			 unsigned timeout_ms)
{
	uint64_t end = now_ms() + timeout_ms;
	int status;
	pid_t pid = fork();

	if (pid < 0)
		return -errno;
	if (pid == 0)
		_exit(mp_write_str(root, path, val) < 0 ? 1 : 0);
	for (;;) {
		pid_t w = waitpid(pid, &status, WNOHANG);

		if (w == pid)
			return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -EIO;
		if (w < 0 && errno != EINTR)
			return -errno;
		if (now_ms() >= end) {
			kill(pid, SIGKILL);
			waitpid(pid, &status, 0);
			return -ETIMEDOUT;
		}
		poll(NULL, 0, 20);
	}
}

static void settle(struct mp_root *root, const struct mp_snap_opts *o, const struct mp_log *log,
		   struct mp_snapshot *s)
{
	int r1, r2;

	if (mp_root_is_sysroot(root)) {
		snprintf(s->settle_note, sizeof(s->settle_note), "not settled: a recorded tree");
		return;
	}
	r1 = write_bounded(root, "/proc/sys/vm/drop_caches", "3", o->settle_timeout_ms);
	r2 = write_bounded(root, "/proc/sys/vm/compact_memory", "1", o->settle_timeout_ms);
	s->settled = r1 == 0 && r2 == 0;
	snprintf(s->settle_note, sizeof(s->settle_note), "drop_caches %s, compact_memory %s",
		 r1 ? strerror(-r1) : "ok", r2 ? strerror(-r2) : "ok");
	mp_logf(log, MP_LOG_INFO, "settle: %s", s->settle_note);
}

/*
 * A sampled request of a block of bp pages: its head (bp/32: a memmap on
 * memory takes 1/64 of it with a 64-byte struct page) and slice seq % 16,
 * read as one range with a hole between them.
 */
static void sample(struct mp_kpf_request *rq, unsigned seq, uint64_t bp)
{
	uint64_t w = bp / MP_KPF_SLICES, slice = seq % MP_KPF_SLICES;

	rq->npages = (slice + 1) * w;
	if (slice) {
		rq->hole_start = rq->first_pfn + bp / 32;
		rq->hole_len = slice * w - bp / 32;
	}
}

/* What could not be read and why, in o->why when asked for; returns r. */
static int failed(const struct mp_snap_opts *o, const char *what, int r)
{
	if (o->why)
		snprintf(o->why, o->wlen, "%s: %s", r == -ENOMEM ? "memory" : what, strerror(-r));
	return r;
}

/* The blocks the memory folder lists, and the gone ones o->extra_ids asks for. */
static int read_blocks(struct mp_root *root, const struct mp_snap_opts *o, const struct mp_log *log,
		       struct mp_snapshot *s)
{
	_cleanup_memory_ struct mp_memory *mem = NULL;
	int r = mp_memory_read(root, MP_READ_STATE | MP_READ_ZONES, log, &mem);

	if (r < 0)
		return r;
	s->block_size = mem->block_size;
	s->blocks = calloc(mem->nblocks + o->nextra + 1, sizeof(*s->blocks));
	if (!s->blocks)
		return -ENOMEM;
	for (size_t i = 0; i < mem->nblocks; i++) {
		const struct mp_block *b = &mem->blocks[i];
		struct mp_snap_block *sb = &s->blocks[s->nblocks++];

		sb->id = b->id;
		sb->state = b->state;
		sb->present = true;
		if (b->state == MP_STATE_ONLINE && !strchr(b->zones, ' ') &&
		    strlen(b->zones) < sizeof(sb->zone))
			memcpy(sb->zone, b->zones, strlen(b->zones) + 1);
	}
	for (size_t i = 0; i < o->nextra; i++)
		if (!mp_memory_find(mem, o->extra_ids[i]))
			s->blocks[s->nblocks++] = (struct mp_snap_block){ .id = o->extra_ids[i] };
	qsort(s->blocks, s->nblocks, sizeof(*s->blocks), cmp_sblock);
	return 0;
}

/* nr_free_pages in o->readings readings of vmstat, o->reading_gap_ms apart. */
static int read_free(struct mp_root *root, const struct mp_snap_opts *o, struct mp_snapshot *s)
{
	for (unsigned i = 0; i < (o->readings ? o->readings : 1); i++) {
		int r;

		if (i)
			poll(NULL, 0, (int)o->reading_gap_ms);
		r = mp_vmstat_read(root, &s->vmstat);
		if (r < 0)
			return r;
		set_free_reading(s, mp_counters_val(&s->vmstat, "nr_free_pages", 0));
	}
	return 0;
}

/* Resident anonymous and shmem memory and page tables of one process, in kB. */
static int own_kb(const struct mp_root *root, const char *pid, uint64_t *kb)
{
	static const char *const keys[] = { "RssAnon", "RssShmem", "VmPTE" };
	_cleanup_(mp_counters_clear) struct mp_counters c = { .node = -1 };
	_cleanup_free_ char *buf = NULL;
	char path[96];
	ssize_t n;

	snprintf(path, sizeof(path), "/proc/%s/status", pid);
	n = mp_read_all(root, path, &buf);
	if (n < 0)
		return (int)n;
	if (mp_meminfo_parse(buf, (size_t)n, &c) < 0)
		return -EBADMSG;
	for (size_t i = 0; i < ARRAY_SIZE(keys); i++) {
		uint64_t v;

		if (mp_counters_get(&c, keys[i], &v) < 0)
			return -ENODATA;
		*kb += v;
	}
	return 0;
}

/*
 * memplug's own footprint, in pages: its process and the children of each
 * of its threads (a workload). -errno when its own status cannot be read.
 */
static int read_own(const struct mp_root *root, uint64_t page_size, uint64_t *pages)
{
	DIR *d = mp_opendir(root, "/proc/self/task");
	struct dirent *de;
	uint64_t kb = 0;
	int r = own_kb(root, "self", &kb);

	if (r < 0 || !d) {
		if (d)
			closedir(d);
		return r < 0 ? r : -errno;
	}
	while ((de = readdir(d))) {
		_cleanup_free_ char *kids = NULL;
		char path[96], *save = NULL;

		if (de->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "/proc/self/task/%.20s/children", de->d_name);
		if (mp_read_all(root, path, &kids) < 0)
			continue;
		for (char *k = strtok_r(kids, " \n", &save); k; k = strtok_r(NULL, " \n", &save))
			own_kb(root, k, &kb); /* one that just ended has nothing left */
	}
	closedir(d);
	*pages = kb * 1024 / page_size;
	return 0;
}

/*
 * The reading of o->reuse that still holds for b: with o->kpf_only, for a
 * block not in it whose state did not change; else NULL (read it again).
 */
static const struct mp_snap_block *kpf_reusable(const struct mp_snap_opts *o,
						const struct mp_snap_block *b)
{
	const struct mp_snap_block *old;

	if (!o->nkpf_only || !o->reuse)
		return NULL;
	for (size_t k = 0; k < o->nkpf_only; k++)
		if (o->kpf_only[k] == b->id)
			return NULL;
	old = mp_snapshot_block(o->reuse, b->id);
	if (!old || !old->have_kpf || old->present != b->present || old->state != b->state)
		return NULL;
	return old;
}

/*
 * kpageflags of each block (a sample of it with o->kpf_sample), or the
 * reading before where it still holds. 0 or -ENOMEM: what cannot be read
 * is said in kpf_avail.
 */
static int read_kpf(struct mp_root *root, const struct mp_snap_opts *o, struct mp_snapshot *s)
{
	uint64_t bp = s->block_size / s->page_size;
	_cleanup_free_ struct mp_kpf_request *rq = NULL;
	_cleanup_free_ size_t *idx = NULL;
	size_t nr = 0;

	if (!o->kpf) {
		mp_avail_set(&s->kpf_avail, false, "not asked for");
		return 0;
	}
	rq = calloc(s->nblocks + 1, sizeof(*rq));
	idx = calloc(s->nblocks + 1, sizeof(*idx));
	if (!rq || !idx)
		return -ENOMEM;
	for (size_t i = 0; i < s->nblocks; i++) {
		struct mp_snap_block *b = &s->blocks[i];
		const struct mp_snap_block *old = kpf_reusable(o, b);

		if (old) {
			b->have_kpf = true;
			b->kpf = old->kpf;
			continue;
		}
		idx[nr] = i;
		rq[nr] = (struct mp_kpf_request){ .first_pfn = b->id * bp, .npages = bp };
		if (o->kpf_sample && o->nkpf_only && o->reuse && bp >= 32 * MP_KPF_SLICES)
			sample(&rq[nr], o->kpf_sample_seq + (unsigned)b->id, bp);
		nr++;
	}
	if (!nr) {
		if (o->reuse)
			s->kpf_avail = o->reuse->kpf_avail;
		return 0;
	}
	mp_kpf_read(root, rq, nr, false, 2, &s->kpf_avail);
	if (!s->kpf_avail.ok)
		return 0;
	for (size_t k = 0; k < nr; k++) {
		s->blocks[idx[k]].have_kpf = !rq[k].err;
		s->blocks[idx[k]].kpf = rq[k].sum;
	}
	return 0;
}

/*
 * The holes of each block: its pages that no System RAM of /proc/iomem
 * covers (a boot block may start in one, arm64's memory0); none where iomem
 * shows no addresses. 0 or -ENOMEM.
 */
static int read_holes(struct mp_root *root, struct mp_snapshot *s)
{
	_cleanup_free_ struct mp_ram_range *ram = NULL;
	ssize_t n = mp_iomem_ram_read(root, &ram);

	if (n < 0)
		return (int)n;
	for (size_t i = 0; n > 0 && i < s->nblocks; i++)
		s->blocks[i].hole_pages = mp_ram_holes(ram, (size_t)n,
						       s->blocks[i].id * s->block_size,
						       s->block_size) /
					  s->page_size;
	return 0;
}

static int copy_pt(const struct mp_ptdump *from, struct mp_ptdump *to)
{
	mp_ptdump_clear(to);
	to->base = from->base;
	to->pfn0 = from->pfn0;
	if (!from->n)
		return 0;
	to->r = malloc(from->n * sizeof(*to->r));
	if (!to->r)
		return -ENOMEM;
	memcpy(to->r, from->r, from->n * sizeof(*to->r));
	to->n = from->n;
	return 0;
}

/*
 * The part of the vmemmap the struct pages of the step's blocks
 * (o->kpf_only) can lie in, for any sizeof(struct page) from 32 to 256
 * bytes, in whole GiB (one PMD table each); lo == hi == 0: all of it.
 */
static void step_window(const struct mp_snap_opts *o, const struct mp_snapshot *s,
			const struct mp_ptdump *pt, uint64_t *lo, uint64_t *hi)
{
	uint64_t bp = s->block_size / s->page_size, f = UINT64_MAX, e = 0, g = UINT64_C(1) << 30;

	*lo = *hi = 0;
	for (size_t i = 0; i < o->nkpf_only; i++) {
		if (o->kpf_only[i] == UINT64_MAX || o->kpf_only[i] > (UINT64_C(1) << 40))
			continue;
		f = o->kpf_only[i] * bp < f ? o->kpf_only[i] * bp : f;
		e = (o->kpf_only[i] + 1) * bp > e ? (o->kpf_only[i] + 1) * bp : e;
	}
	if (f >= e)
		return;
	/* PFNs from the one at the base (pfn0, below all RAM) */
	f -= pt->pfn0;
	e -= pt->pfn0;
	*lo = pt->base + f * 32 / g * g;
	*hi = pt->base + (e * 256 + g - 1) / g * g;
}

/*
 * The vmemmap page tables: debugfs ptdump where the kernel has it (and the
 * kcore walk beside it, to compare), else the kcore walk; after a step of
 * a boot without ptdump only the step's window is walked again. When not
 * asked for, o->reuse's (a step that adds and removes nothing leaves them
 * be). 0 or -ENOMEM: what cannot be read is said in pt_avail.
 */
static int read_pt_from(struct mp_root *root, const struct mp_snap_opts *o, struct mp_snapshot *s,
			uint64_t *kcore_ns, uint64_t *ptdump_ns, uint64_t *ksyms_ns)
{
	const struct mp_snapshot *old = o->reuse;
	struct mp_ptdump part = { 0 };
	char pwhy[sizeof(s->pt_avail.why)];
	uint64_t lo = 0, hi = 0;
	int r;

	if (!o->ptdump) {
		if (!old || !old->pt.n) {
			mp_avail_set(&s->pt_avail, false, "not asked for");
			mp_avail_set(&s->kcore_avail, false, "not asked for");
			return 0;
		}
		s->pt_avail = old->pt_avail;
		s->kcore_avail = old->kcore_avail;
		memcpy(s->pt_src, old->pt_src, sizeof(s->pt_src));
		if ((r = copy_pt(&old->pt, &s->pt)) < 0)
			return r;
		return copy_pt(&old->kpt, &s->kpt);
	}
	if (old && old->pt.n && !strcmp(old->pt_src, "kcore")) {
		step_window(o, s, &old->pt, &lo, &hi);
		if (lo < hi && (r = copy_pt(&old->pt, &s->pt)) < 0)
			return r;
		*kcore_ns = mp_now_ns();
		r = mp_kcore_pt_read(root, lo, hi, &part, &s->pt_avail, ksyms_ns);
		*kcore_ns = mp_now_ns() - *kcore_ns;
		if (r == 0 && lo < hi)
			r = mp_ptdump_splice(&s->pt, &part, lo, hi);
		else if (r == 0)
			r = copy_pt(&part, &s->pt);
		mp_ptdump_clear(&part);
		s->kcore_avail = s->pt_avail;
		if (r < 0)
			mp_ptdump_clear(&s->pt);
		else
			snprintf(s->pt_src, sizeof(s->pt_src), "kcore");
		return r == -ENOMEM ? r : 0;
	}
	*ptdump_ns = mp_now_ns();
	r = mp_ptdump_read(root, &s->pt, &s->pt_avail);
	*ptdump_ns = mp_now_ns() - *ptdump_ns;
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		snprintf(s->pt_src, sizeof(s->pt_src), "ptdump");
		if (old)
			step_window(o, s, &s->pt, &lo, &hi);
		*kcore_ns = mp_now_ns();
		r = mp_kcore_pt_read(root, lo, hi, &s->kpt, &s->kcore_avail, ksyms_ns);
		*kcore_ns = mp_now_ns() - *kcore_ns;
		return r == -ENOMEM ? r : 0;
	}
	memcpy(pwhy, s->pt_avail.why, sizeof(pwhy));
	*kcore_ns = mp_now_ns();
	r = mp_kcore_pt_read(root, 0, 0, &s->pt, &s->kcore_avail, ksyms_ns);
	*kcore_ns = mp_now_ns() - *kcore_ns;
	if (r == -ENOMEM)
		return r;
	if (r == 0) {
		snprintf(s->pt_src, sizeof(s->pt_src), "kcore");
		s->pt_avail = s->kcore_avail;
	} else {
		mp_avail_set(&s->pt_avail, false, "%.100s; %.150s", pwhy, s->kcore_avail.why);
	}
	return 0;
}

/* The same, timed: ptdump's reading and the kcore walk (-v). */
static int read_pt(struct mp_root *root, const struct mp_snap_opts *o, const struct mp_log *log,
		   struct mp_snapshot *s)
{
	uint64_t k = 0, p = 0, y = 0;
	int r = read_pt_from(root, o, s, &k, &p, &y);

	/* kallsyms is read once a process (and boot): apart from the walk */
	if (o->ptdump)
		mp_logf(log, MP_LOG_INFO,
			"vmemmap page tables from %s, %zu ranges: debugfs ptdump %.2f ms, kcore "
			"walk %.2f ms (and /proc/kallsyms %.2f ms)",
			s->pt_src[0] ? s->pt_src : "nowhere", s->pt.n, (double)p / 1e6,
			(double)(k - y) / 1e6, (double)y / 1e6);
	return r;
}

/*
 * The kernel log's sequence numbers, and with o->kmsg_keep the records
 * after o->kmsg_after. 0 or -ENOMEM: what cannot be read is said in
 * kmsg_avail.
 */
static int read_kmsg(struct mp_root *root, const struct mp_snap_opts *o, struct mp_snapshot *s)
{
	int r;

	if (!o->kmsg) {
		mp_avail_set(&s->kmsg_avail, false, "not asked for");
		return 0;
	}
	r = mp_kmsg_read(root, o->kmsg_after, o->kmsg_keep, &s->kmsg, &s->kmsg_avail);
	if (r == -ENOMEM)
		return r;
	if (r == 0 && !s->kmsg.any)
		mp_avail_set(&s->kmsg_avail, false, "/dev/kmsg holds no record");
	return 0;
}

/* The kernel, boot and tree the snapshot is of; what is not there stays "". */
static void read_origin(const struct mp_root *root, struct mp_snapshot *s)
{
	/* a tree's own release, never this machine's (mp_kernel_release's fallback) */
	if (mp_root_is_sysroot(root))
		mp_read_str(root, "/proc/sys/kernel/osrelease", s->kernel, sizeof(s->kernel));
	else
		mp_kernel_release(root, s->kernel, sizeof(s->kernel));
	if (mp_read_str(root, "/proc/sys/kernel/random/boot_id", s->boot_id, sizeof(s->boot_id)) <
	    0)
		s->boot_id[0] = '\0';
	if (mp_root_is_sysroot(root))
		mp_root_show(root, "", s->sysroot, sizeof(s->sysroot));
	s->have_origin = true;
}

static bool same_tree(const char *a, const char *b)
{
	char ra[PATH_MAX], rb[PATH_MAX];

	if (!strcmp(a, b))
		return true;
	return *a && *b && realpath(a, ra) && realpath(b, rb) && !strcmp(ra, rb);
}

int mp_snapshot_same_system(const struct mp_snapshot *base, const struct mp_snapshot *now,
			    char *why, size_t len)
{
	if (base->block_size != now->block_size || base->page_size != now->page_size) {
		snprintf(why, len,
			 "the baseline is of another machine (blocks of %" PRIu64
			 " bytes and pages of %" PRIu64 ", here %" PRIu64 " and %" PRIu64 ")",
			 base->block_size, base->page_size, now->block_size, now->page_size);
		return -EINVAL;
	}
	if (!base->have_origin || !now->have_origin)
		return 0;
	if (!same_tree(base->sysroot, now->sysroot)) {
		snprintf(why, len, "the baseline is of %s%s, this check of %s%s",
			 base->sysroot[0] ? "the tree " : "the live system", base->sysroot,
			 now->sysroot[0] ? "the tree " : "the live system", now->sysroot);
		return -EXDEV;
	}
	if (base->kernel[0] && now->kernel[0] && strcmp(base->kernel, now->kernel)) {
		snprintf(why, len, "the baseline is of kernel %s, this is %s", base->kernel,
			 now->kernel);
		return -EXDEV;
	}
	if (base->boot_id[0] && now->boot_id[0] && strcmp(base->boot_id, now->boot_id)) {
		snprintf(why, len, "the baseline is of boot %s, this is boot %s (rebooted)",
			 base->boot_id, now->boot_id);
		return -EXDEV;
	}
	return 0;
}

int mp_snapshot_take(struct mp_root *root, const struct mp_snap_opts *o, const struct mp_log *log,
		     struct mp_snapshot **out)
{
	_cleanup_snapshot_ struct mp_snapshot *s = snap_new();
	uint64_t p0 = 0, p1 = 0;
	int r, own0;

	if (!s)
		return -ENOMEM;
	s->page_size = mp_page_size();
	read_origin(root, s);
	if ((r = read_blocks(root, o, log, s)) < 0)
		return failed(o, MP_SYS_MEMORY, r);
	if (o->settle)
		settle(root, o, log, s);
	if ((r = mp_meminfo_read(root, &s->meminfo)) < 0)
		return failed(o, "/proc/meminfo", r);
	if ((r = mp_zoneinfo_read(root, &s->zones)) < 0)
		return failed(o, "/proc/zoneinfo", r);
	/* memplug's own memory around the free-page readings: the mean of before and after */
	own0 = mp_root_is_sysroot(root) ? -ENOENT : read_own(root, s->page_size, &p0);
	if ((r = read_free(root, o, s)) < 0)
		return failed(o, "/proc/vmstat", r);
	if (own0 == 0 && read_own(root, s->page_size, &p1) == 0) {
		s->have_own = true;
		s->own_pages = (p0 + p1) / 2;
	}
	/* the log last, so that it covers every reading above */
	if ((r = read_kpf(root, o, s)) < 0 || (r = read_holes(root, s)) < 0 ||
	    (r = read_pt(root, o, log, s)) < 0 || (r = read_kmsg(root, o, s)) < 0)
		return failed(o, "memory", r);
	*out = s;
	s = NULL;
	return 0;
}

/* ---- recorded ---- */

static char *slurp(const char *dir, const char *name, size_t *len)
{
	char path[4096];
	FILE *f;
	char *buf = NULL;
	size_t cap = 0, n = 0;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "rb");
	if (!f)
		return NULL;
	for (;;) {
		size_t k;

		if (cap - n < 65536) {
			char *nb = realloc(buf, cap + 1048576);

			if (!nb) {
				free(buf);
				fclose(f);
				return NULL;
			}
			buf = nb;
			cap += 1048576;
		}
		k = fread(buf + n, 1, cap - n - 1, f);
		n += k;
		if (k == 0)
			break;
	}
	fclose(f);
	buf[n] = '\0';
	*len = n;
	return buf;
}

int mp_snapshot_load_recorded(const char *dir, uint64_t block_size, uint64_t page_size,
			      struct mp_snapshot **out)
{
	struct mp_snapshot *s = snap_new();
	char *t;
	size_t len, cap = 0;
	int r = -EBADMSG;
	const char *base;

	if (!s)
		return -ENOMEM;
	base = strrchr(dir, '/');
	snprintf(s->step, sizeof(s->step), "%s", base && base[1] ? base + 1 : dir);
	s->block_size = block_size;
	s->page_size = page_size;
	if (!(t = slurp(dir, "meminfo", &len)) || (r = mp_meminfo_parse(t, len, &s->meminfo)) < 0)
		goto fail;
	free(t);
	if (!(t = slurp(dir, "vmstat", &len)) || (r = mp_vmstat_parse(t, len, &s->vmstat)) < 0)
		goto fail;
	free(t);
	set_free_reading(s, mp_counters_val(&s->vmstat, "nr_free_pages", 0));
	if (!(t = slurp(dir, "zoneinfo", &len)) || (r = mp_zoneinfo_parse(t, len, &s->zones)) < 0)
		goto fail;
	free(t);
	if (!(t = slurp(dir, "block-states", &len)))
		goto fail;
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		char name[64], state[32], zone[32] = "", more[32] = "";
		struct mp_snap_block *b;
		unsigned long long id;

		if (sscanf(line, "%63s %31s %31s %31s", name, state, zone, more) < 2 ||
		    sscanf(name, "memory%llu", &id) != 1)
			continue;
		if (s->nblocks == cap) {
			struct mp_snap_block *nb;

			cap = cap ? cap * 2 : 16;
			nb = realloc(s->blocks, cap * sizeof(*nb));
			if (!nb) {
				r = -ENOMEM;
				goto fail;
			}
			s->blocks = nb;
		}
		b = &s->blocks[s->nblocks++];
		memset(b, 0, sizeof(*b));
		b->id = id;
		b->present = true;
		b->state = mp_state_parse(state);
		if (b->state == MP_STATE_ONLINE && !more[0] && strlen(zone) < sizeof(b->zone))
			snprintf(b->zone, sizeof(b->zone), "%s", zone);
	}
	free(t);
	t = NULL;
	qsort(s->blocks, s->nblocks, sizeof(*s->blocks), cmp_sblock);
	mp_avail_set(&s->kpf_avail, true, "recorded");
	mp_avail_set(&s->kmsg_avail, false, "not recorded");
	for (size_t i = 0; i < s->nblocks; i++) {
		struct mp_snap_block *b = &s->blocks[i];
		char name[64];
		uint64_t bp = block_size / page_size;

		snprintf(name, sizeof(name), "kpageflags-memory%" PRIu64 ".bin", b->id);
		t = slurp(dir, name, &len);
		if (!t)
			continue;
		mp_kpf_summary_init(&b->kpf, b->id * bp, bp);
		for (size_t k = 0; k + 8 <= len && k / 8 < bp; k += 8) {
			uint64_t w = 0;

			for (int j = 7; j >= 0; j--)
				w = w << 8 | (unsigned char)t[k + (size_t)j];
			mp_kpf_summary_add(&b->kpf, &w, 1);
		}
		b->have_kpf = true;
		free(t);
	}
	t = slurp(dir, "ptdump-kernel.txt", &len);
	if (t) {
		r = mp_ptdump_parse(t, len, &s->pt);
		if (r < 0)
			goto fail;
		mp_avail_set(&s->pt_avail, true, "recorded");
		snprintf(s->pt_src, sizeof(s->pt_src), "ptdump");
		free(t);
	} else {
		mp_avail_set(&s->pt_avail, false, "not recorded");
	}
	*out = s;
	return 0;
fail:
	free(t);
	mp_snapshot_free(s);
	return r < 0 ? r : -EBADMSG;
}

/* ---- JSON ---- */

static struct json_object *hex(uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "0x%" PRIx64, v);
	return json_object_new_string(buf);
}

static struct json_object *pt_json(const struct mp_ptdump *pt)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < pt->n; i++) {
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "start", hex(pt->r[i].start));
		json_object_object_add(j, "end", hex(pt->r[i].end));
		json_object_object_add(j, "level",
				       json_object_new_string(mp_pt_level_name(pt->r[i].level)));
		json_object_object_add(j, "mapped", json_object_new_boolean(pt->r[i].mapped));
		json_object_array_add(a, j);
	}
	return a;
}

static struct json_object *counters_json(const struct mp_counters *c)
{
	struct json_object *o = json_object_new_object();

	for (size_t i = 0; i < c->n; i++)
		json_object_object_add(o, c->v[i].name, json_object_new_uint64(c->v[i].value));
	return o;
}

static struct json_object *avail_json(const struct mp_avail *a)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "ok", json_object_new_boolean(a->ok));
	json_object_object_add(o, "why", json_object_new_string(a->why));
	return o;
}

struct json_object *mp_snapshot_to_json(const struct mp_snapshot *s)
{
	struct json_object *o = json_object_new_object(), *a, *f;

	json_object_object_add(o, "memplug_snapshot", json_object_new_int(1));
	json_object_object_add(o, "step", json_object_new_string(s->step));
	json_object_object_add(o, "page_size", json_object_new_uint64(s->page_size));
	json_object_object_add(o, "block_size", json_object_new_uint64(s->block_size));
#define ADD_STR(k, v) json_object_object_add(o, k, (v)[0] ? json_object_new_string(v) : NULL)
	ADD_STR("kernel", s->kernel);
	ADD_STR("boot_id", s->boot_id);
	ADD_STR("sysroot", s->sysroot);
#undef ADD_STR
	a = json_object_new_array();
	for (size_t i = 0; i < s->nblocks; i++) {
		const struct mp_snap_block *b = &s->blocks[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "id", json_object_new_uint64(b->id));
		json_object_object_add(j, "present", json_object_new_boolean(b->present));
		json_object_object_add(j, "state", json_object_new_string(mp_state_name(b->state)));
		json_object_object_add(j, "zone", json_object_new_string(b->zone));
		if (b->have_kpf) {
			struct json_object *k = json_object_new_object(), *bits;

			for (int c = 0; c < MP_KPC_COUNT; c++)
				json_object_object_add(k, mp_kpf_class_name((enum mp_kpf_class)c),
						       json_object_new_uint64(b->kpf.cls[c]));
			json_object_object_add(k, "hosted",
					       json_object_new_uint64(b->kpf.self_hosted));
			json_object_object_add(k, "hwpoison_pages",
					       json_object_new_uint64(b->kpf.nhwpoison));
			json_object_object_add(k, "first_hwpoison", hex(b->kpf.first_hwpoison));
			bits = json_object_new_object();
			for (unsigned bit = 0; bit < 64; bit++) {
				char nm[16];

				if (!b->kpf.bits[bit])
					continue;
				snprintf(nm, sizeof(nm), "bit%u", bit);
				json_object_object_add(bits,
						       mp_kpf_name(bit) ? mp_kpf_name(bit) : nm,
						       json_object_new_uint64(b->kpf.bits[bit]));
			}
			json_object_object_add(k, "flags", bits);
			json_object_object_add(j, "kpageflags", k);
		}
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "blocks", a);
	json_object_object_add(o, "meminfo", counters_json(&s->meminfo));
	json_object_object_add(o, "vmstat", counters_json(&s->vmstat));
	a = json_object_new_array();
	for (size_t i = 0; i < s->zones.n; i++) {
		const struct mp_zone *z = &s->zones.z[i];
		struct json_object *j = json_object_new_object();

		json_object_object_add(j, "node", json_object_new_int(z->node));
		json_object_object_add(j, "zone", json_object_new_string(z->name));
		json_object_object_add(j, "free", json_object_new_uint64(z->free));
		json_object_object_add(j, "spanned", json_object_new_uint64(z->spanned));
		json_object_object_add(j, "present", json_object_new_uint64(z->present));
		json_object_object_add(j, "managed", json_object_new_uint64(z->managed));
		json_object_object_add(j, "start_pfn", json_object_new_uint64(z->start_pfn));
		if (z->have_pcp)
			json_object_object_add(j, "pcp", json_object_new_uint64(z->pcp));
		json_object_array_add(a, j);
	}
	json_object_object_add(o, "zones", a);
	f = json_object_new_object();
	json_object_object_add(f, "readings", json_object_new_uint64(s->nreadings));
	json_object_object_add(f, "min", json_object_new_uint64(s->free_min));
	json_object_object_add(f, "max", json_object_new_uint64(s->free_max));
	json_object_object_add(f, "mean", json_object_new_uint64(s->free_mean));
	json_object_object_add(f, "settled", json_object_new_boolean(s->settled));
	json_object_object_add(f, "settle", json_object_new_string(s->settle_note));
	json_object_object_add(o, "free_pages", f);
	json_object_object_add(o, "kpageflags", avail_json(&s->kpf_avail));
	json_object_object_add(o, "ptdump", avail_json(&s->pt_avail));
	json_object_object_add(o, "vmemmap_source", json_object_new_string(s->pt_src));
	json_object_object_add(o, "kcore", avail_json(&s->kcore_avail));
	f = avail_json(&s->kmsg_avail);
	if (s->kmsg_avail.ok) {
		json_object_object_add(f, "first_seq", json_object_new_uint64(s->kmsg.first_seq));
		json_object_object_add(f, "last_seq", json_object_new_uint64(s->kmsg.last_seq));
	}
	json_object_object_add(o, "kmsg", f);
	if (s->pt.n)
		json_object_object_add(o, "vmemmap", pt_json(&s->pt));
	/* arm64: the PFN whose struct page is the vmemmap's first (x86: 0, left out) */
	if (s->pt.n && s->pt.pfn0)
		json_object_object_add(o, "vmemmap_pfn0", hex(s->pt.pfn0));
	/* the kcore walk beside ptdump's, for a reader to compare */
	if (s->kpt.n)
		json_object_object_add(o, "vmemmap_kcore", pt_json(&s->kpt));
	return o;
}

static uint64_t ju64(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v))
		return 0;
	if (json_object_is_type(v, json_type_string)) {
		uint64_t x = 0;

		mp_parse_u64(json_object_get_string(v), 0, &x);
		return x;
	}
	return json_object_get_uint64(v);
}

static const char *jstr(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return "";
	return json_object_get_string(v);
}

static bool jbool(struct json_object *o, const char *key)
{
	struct json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_get_boolean(v);
}

static int counters_from(struct json_object *o, const char *key, struct mp_counters *c)
{
	struct json_object *obj;

	if (!json_object_object_get_ex(o, key, &obj) || !json_object_is_type(obj, json_type_object))
		return -EBADMSG;
	json_object_object_foreach(obj, k, v)
	{
		int r = mp_counters_set(c, k, json_object_get_uint64(v));

		if (r == -ENOMEM)
			return r;
	}
	return 0;
}

int mp_snapshot_from_json(struct json_object *o, struct mp_snapshot **out)
{
	struct mp_snapshot *s = snap_new();
	struct json_object *a, *f;
	int r = -EBADMSG;

	if (!s)
		return -ENOMEM;
	if (!json_object_is_type(o, json_type_object) || ju64(o, "memplug_snapshot") != 1)
		goto fail;
	snprintf(s->step, sizeof(s->step), "%s", jstr(o, "step"));
	s->page_size = ju64(o, "page_size");
	s->block_size = ju64(o, "block_size");
	if (!s->page_size || !s->block_size || s->block_size % s->page_size)
		goto fail;
	s->have_origin = json_object_object_get_ex(o, "kernel", NULL);
	snprintf(s->kernel, sizeof(s->kernel), "%s", jstr(o, "kernel"));
	snprintf(s->boot_id, sizeof(s->boot_id), "%s", jstr(o, "boot_id"));
	snprintf(s->sysroot, sizeof(s->sysroot), "%s", jstr(o, "sysroot"));
	if (!json_object_object_get_ex(o, "blocks", &a) || !json_object_is_type(a, json_type_array))
		goto fail;
	s->nblocks = json_object_array_length(a);
	s->blocks = calloc(s->nblocks + 1, sizeof(*s->blocks));
	if (!s->blocks) {
		r = -ENOMEM;
		goto fail;
	}
	for (size_t i = 0; i < s->nblocks; i++) {
		struct json_object *j = json_object_array_get_idx(a, i), *k, *bits;
		struct mp_snap_block *b = &s->blocks[i];
		uint64_t bp = s->block_size / s->page_size;

		b->id = ju64(j, "id");
		if (b->id >= UINT64_MAX / bp) /* its PFNs would wrap */
			goto fail;
		b->present = jbool(j, "present");
		b->state = mp_state_parse(jstr(j, "state"));
		snprintf(b->zone, sizeof(b->zone), "%s", jstr(j, "zone"));
		if (!json_object_object_get_ex(j, "kpageflags", &k))
			continue;
		b->have_kpf = true;
		mp_kpf_summary_init(&b->kpf, b->id * bp, bp);
		b->kpf.seen = bp;
		b->kpf.lead_open = false;
		for (int c = 0; c < MP_KPC_COUNT; c++)
			b->kpf.cls[c] = ju64(k, mp_kpf_class_name((enum mp_kpf_class)c));
		b->kpf.self_hosted = ju64(k, "hosted");
		b->kpf.nhwpoison = ju64(k, "hwpoison_pages");
		b->kpf.first_hwpoison = ju64(k, "first_hwpoison");
		if (json_object_object_get_ex(k, "flags", &bits))
			for (unsigned bit = 0; bit < 64; bit++) {
				char nm[16];

				snprintf(nm, sizeof(nm), "bit%u", bit);
				b->kpf.bits[bit] =
					ju64(bits, mp_kpf_name(bit) ? mp_kpf_name(bit) : nm);
			}
	}
	qsort(s->blocks, s->nblocks, sizeof(*s->blocks), cmp_sblock);
	for (size_t i = 1; i < s->nblocks; i++)
		if (s->blocks[i].id == s->blocks[i - 1].id) /* one block twice */
			goto fail;
	if ((r = counters_from(o, "meminfo", &s->meminfo)) < 0 ||
	    (r = counters_from(o, "vmstat", &s->vmstat)) < 0)
		goto fail;
	if (json_object_object_get_ex(o, "zones", &a) && json_object_is_type(a, json_type_array)) {
		s->zones.n = json_object_array_length(a);
		s->zones.z = calloc(s->zones.n + 1, sizeof(*s->zones.z));
		if (!s->zones.z) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < s->zones.n; i++) {
			struct json_object *j = json_object_array_get_idx(a, i);
			struct mp_zone *z = &s->zones.z[i];

			z->node = (int)ju64(j, "node");
			snprintf(z->name, sizeof(z->name), "%s", jstr(j, "zone"));
			z->free = ju64(j, "free");
			z->spanned = ju64(j, "spanned");
			z->present = ju64(j, "present");
			z->managed = ju64(j, "managed");
			z->start_pfn = ju64(j, "start_pfn");
			z->have_pcp = json_object_object_get_ex(j, "pcp", NULL);
			z->pcp = ju64(j, "pcp");
		}
	}
	if (json_object_object_get_ex(o, "free_pages", &f)) {
		s->nreadings = (unsigned)ju64(f, "readings");
		s->free_min = ju64(f, "min");
		s->free_max = ju64(f, "max");
		s->free_mean = ju64(f, "mean");
		s->settled = jbool(f, "settled");
		snprintf(s->settle_note, sizeof(s->settle_note), "%s", jstr(f, "settle"));
	}
	if (json_object_object_get_ex(o, "kpageflags", &f))
		mp_avail_set(&s->kpf_avail, jbool(f, "ok"), "%s", jstr(f, "why"));
	if (json_object_object_get_ex(o, "ptdump", &f))
		mp_avail_set(&s->pt_avail, jbool(f, "ok"), "%s", jstr(f, "why"));
	mp_avail_set(&s->kcore_avail, false, "not in the snapshot");
	if (json_object_object_get_ex(o, "kcore", &f))
		mp_avail_set(&s->kcore_avail, jbool(f, "ok"), "%s", jstr(f, "why"));
	/* a baseline from before kcore was walked has its page tables from ptdump */
	snprintf(s->pt_src, sizeof(s->pt_src), "%s",
		 json_object_object_get_ex(o, "vmemmap_source", &f) ? jstr(o, "vmemmap_source")
								    : "ptdump");
	/* a baseline from before the kernel log was recorded has none */
	mp_avail_set(&s->kmsg_avail, false, "not in the snapshot");
	if (json_object_object_get_ex(o, "kmsg", &f)) {
		struct json_object *v;

		mp_avail_set(&s->kmsg_avail,
			     jbool(f, "ok") && json_object_object_get_ex(f, "last_seq", &v), "%s",
			     jstr(f, "why"));
		s->kmsg.any = s->kmsg_avail.ok;
		s->kmsg.first_seq = ju64(f, "first_seq");
		s->kmsg.last_seq = ju64(f, "last_seq");
	}
	if (json_object_object_get_ex(o, "vmemmap", &a) &&
	    json_object_is_type(a, json_type_array)) {
		s->pt.n = json_object_array_length(a);
		s->pt.r = calloc(s->pt.n + 1, sizeof(*s->pt.r));
		if (!s->pt.r) {
			r = -ENOMEM;
			goto fail;
		}
		for (size_t i = 0; i < s->pt.n; i++) {
			struct json_object *j = json_object_array_get_idx(a, i);
			struct mp_pt_range *pr = &s->pt.r[i];
			const char *lv = jstr(j, "level");

			pr->start = ju64(j, "start");
			pr->end = ju64(j, "end");
			pr->mapped = jbool(j, "mapped");
			for (unsigned l = MP_PT_PTE; l <= MP_PT_PGD; l++)
				if (!strcmp(lv, mp_pt_level_name((enum mp_pt_level)l)))
					pr->level = (enum mp_pt_level)l;
			if (pr->end <= pr->start || pr->level == MP_PT_NONE) {
				r = -EBADMSG;
				goto fail;
			}
		}
		s->pt.base = s->pt.r[0].start;
		s->pt.pfn0 = ju64(o, "vmemmap_pfn0");
	}
	*out = s;
	return 0;
fail:
	mp_snapshot_free(s);
	return r;
}

bool mp_snapshot_pcp(const struct mp_snapshot *s, uint64_t *out)
{
	bool have = false;

	*out = 0;
	for (size_t i = 0; i < s->zones.n; i++) {
		have |= s->zones.z[i].have_pcp;
		*out += s->zones.z[i].pcp;
	}
	return have;
}
