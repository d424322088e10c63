// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "base/timeout.h"
#include "checks/checker.h"
#include "ops/backend.h"
#include "ops/device.h"
#include "ops/session.h"
#include "ops/workload.h"
#include "runner/run.h"
#include "sensors/block.h"
#include "sensors/kmsg.h"
#include "sensors/kpf.h"
#include "sensors/snapshot.h"

#define MP_RUN_MAX_DEVS 64
#define MP_INJECT_DIR "/sys/kernel/debug/notifier-error-inject/memory/actions"

struct run_dev {
	bool present;
	struct mp_device d;
};

struct mp_run {
	struct mp_root *root;
	const struct mp_log *log;
	struct mp_run_opts o;
	struct mp_session *s;
	struct mp_session_opts so;
	struct mp_backend be;
	bool be_up;
	struct run_dev devs[MP_RUN_MAX_DEVS + 1]; /* D1.. */
	struct mp_snapshot *base, *prev;
	struct mp_snap_opts snap;
	struct mp_kmsg *kmsg;
	struct mp_findings findings;
	struct mp_op_stats stats[MP_T_NOPS];
	unsigned steps;
	bool armed_online, armed_offline; /* notifier error injection */
	unsigned refusal_logs;		  /* kernel log lines of refused offlines */
	uint64_t *check_free;		  /* nr_free_pages at each check step */
	size_t ncheck_free;
	int restore_failed;
	FILE *trace, *timeline;
	bool finished;
	size_t streamed;		/* findings written to o.stream */
	struct mp_kernel kernel;	/* what the kernel was seen to do */
	struct mp_wl *wl;		/* the workload step's process */
	char hp_path[128], hp_orig[32]; /* a huge page pool it raised, and its size before */
	/* device_type virtio-mem: the device run's adds grow, its region's blocks */
	bool vmem;
	struct mp_device vm;
	uint64_t vm_first, vm_last;
	/* PG_offline pages of vm0's region before a remove (full read; -1: not read),
	 * and the pages that remove gave back, for the step's check */
	int64_t vm_off_before;
	uint64_t given_back;
	bool chg_valid; /* the blocks the last add or remove changed (virtio-mem) */
	uint64_t chg_first, chg_last;
};

const struct mp_findings *mp_run_findings(const struct mp_run *r)
{
	return &r->findings;
}

const struct mp_op_stats *mp_run_stats(const struct mp_run *r)
{
	return r->stats;
}

unsigned mp_run_steps_done(const struct mp_run *r)
{
	return r->steps;
}

const struct mp_kernel *mp_run_kernel(const struct mp_run *r)
{
	return &r->kernel;
}

/*
 * Probe the kernel (all of it at the start, only what is still unknown
 * later: kpageflags with no memmap online needs a hole or an offline
 * block) and note each new difference once.
 */
static void probe_kernel(struct mp_run *r, bool all, const char *step)
{
	_cleanup_memory_ struct mp_memory *mem = NULL;

	if (!all && r->kernel.kpf_absent != MP_KPF_ABSENT_UNKNOWN)
		return;
	/* quiet: the snapshot of the step says what is wrong with a block */
	if (mp_memory_read(r->root, MP_READ_STATE | MP_READ_ZONES, NULL, &mem) < 0)
		return;
	if (all)
		mp_kernel_probe(r->root, mem, &r->kernel);
	else
		mp_kernel_probe_kpf(r->root, mem, &r->kernel);
	mp_check_kernel_notes(&r->kernel, r->o.strict, step, &r->findings);
}

size_t mp_run_check_readings(const struct mp_run *r, const uint64_t **free_pages)
{
	*free_pages = r->check_free;
	return r->ncheck_free;
}

struct mp_finding *mp_run_add_finding(struct mp_run *r, enum mp_finding_kind kind, const char *step,
				      const char *what)
{
	return mp_findings_add(&r->findings, kind, -1, step, "%s", what);
}

const struct mp_trace_header *mp_run_header(const struct mp_run *r)
{
	return &r->o.header;
}

int mp_run_vmem(const struct mp_run *r, uint64_t *first, uint64_t *last, int *node)
{
	if (!r->vmem)
		return -ENODEV;
	*first = r->vm_first;
	*last = r->vm_last;
	*node = r->vm.node;
	return 0;
}

int mp_run_restore_failed(const struct mp_run *r)
{
	return r->restore_failed;
}

bool mp_run_stopped(const struct mp_run *r)
{
	return mp_stop_signal != 0;
}

/* The backend, set up and probed at the first step that needs it (again after a failure). */
static int backend_up(struct mp_run *r)
{
	int e;

	if (r->be_up)
		return 0;
	e = mp_backend_open(&r->be, r->o.backend ? r->o.backend : "qmp", r->root, r->log,
			    r->o.target, (int)(r->o.timeout_ms ? r->o.timeout_ms : 60000));
	if (e < 0)
		return e;
	r->be_up = true;
	return 0;
}

static int undo(struct mp_run *r, bool readd, const struct mp_device_ref *ref, char *why,
		size_t len)
{
	int e = backend_up(r);

	/* the run's own backend when it is up (one user of the guest's QMP port) */
	return mp_device_undo(e == 0 ? &r->be : NULL, r->root, r->log, r->o.timeout_ms, readd, ref,
			      why, len);
}

static int undo_add(void *ud, const struct mp_device_ref *ref, char *why, size_t len)
{
	return undo(ud, false, ref, why, len);
}

static int undo_remove(void *ud, const struct mp_device_ref *ref, char *why, size_t len)
{
	return undo(ud, true, ref, why, len);
}

static void outcome(struct mp_trace_step *st, const char *o, const char *fmt, ...) _printf_(3, 4);

/*
 * device_type virtio-mem: the device the adds grow (the first QEMU lists)
 * and the blocks of its region. -ENODEV with why when there is none.
 */
static int vmem_find(struct mp_run *r, char *why, size_t wlen)
{
	struct mp_device *devs = NULL;
	size_t n = 0;
	int e = backend_up(r);

	if (e == 0 && (!r->be.ops->query || r->be.ops->query(&r->be, &devs, &n) < 0))
		e = -ENODEV;
	if (e < 0) {
		snprintf(why, wlen, "virtio-mem needs the qmp backend: %s", r->be.why);
		return e;
	}
	for (size_t i = 0; i < n && !r->vmem; i++)
		if (devs[i].type == MP_DEV_VIRTIO_MEM) {
			r->vm = devs[i];
			r->vmem = true;
		}
	free(devs);
	if (!r->vmem || !r->vm.max_size) {
		snprintf(why, wlen,
			 "the trace plugs virtio-mem, but QEMU lists no virtio-mem device "
			 "(memplug-vm --virtio-mem SIZE)");
		r->vmem = false;
		return -ENODEV;
	}
	r->vm_first = r->vm.addr / r->o.header.block_size;
	r->vm_last = (r->vm.addr + r->vm.max_size - 1) / r->o.header.block_size;
	return 0;
}

/*
 * The present blocks of the virtio-mem region and how many of their pages
 * are PG_offline (/proc/kpageflags): in subblock mode the driver unplugs
 * parts of an online block by taking their pages and marking them so
 * ("fake offline", drivers/virtio/virtio_mem.c), and removes a block only
 * once all of it is unplugged and it could be offlined, retrying later when
 * not. 0, or -errno with why when kpageflags could not be read.
 */
static int vmem_offline(struct mp_run *r, uint64_t *there, uint64_t *offline, uint64_t *ps,
			char *why, size_t wlen)
{
	uint64_t bs = r->o.header.block_size, n = r->vm_last - r->vm_first + 1, k = 0;
	struct mp_kpf_request *req = calloc(n, sizeof(*req));
	struct mp_avail av = { 0 };
	char path[96];
	long sz = sysconf(_SC_PAGESIZE);
	int e;

	*there = *offline = 0;
	*ps = r->base && r->base->page_size ? r->base->page_size : (uint64_t)(sz > 0 ? sz : 4096);
	if (!req) {
		snprintf(why, wlen, "%s", strerror(ENOMEM));
		return -ENOMEM;
	}
	for (uint64_t b = r->vm_first; b <= r->vm_last; b++) {
		snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64, b);
		if (mp_exists(r->root, path) != 1)
			continue;
		req[k].first_pfn = b * bs / *ps;
		req[k++].npages = bs / *ps;
	}
	*there = k;
	e = k ? mp_kpf_read(r->root, req, k, false, 1, &av) : 0;
	for (uint64_t i = 0; e == 0 && i < k; i++)
		*offline += req[i].sum.bits[KPF_OFFLINE];
	if (e < 0)
		snprintf(why, wlen, "%s", av.why[0] ? av.why : strerror(-e));
	free(req);
	return e;
}

/*
 * What QEMU says the device holds is what the kernel has of its region:
 * its present blocks, less the pages the driver unplugged from blocks it
 * could not remove yet (PG_offline).
 */
static void vmem_account(struct mp_run *r, const char *name)
{
	struct mp_device *devs = NULL;
	size_t n = 0;
	uint64_t there = 0, off = 0, ps = 0, size = UINT64_MAX, bs = r->o.header.block_size;
	char why[256];
	int e;

	if (r->be.ops->query(&r->be, &devs, &n) < 0) {
		mp_findings_add(&r->findings, MP_FIND_STATE, -1, name,
				"cannot ask QEMU how much virtio-mem %s holds: %s", r->vm.id,
				r->be.why);
		return;
	}
	for (size_t i = 0; i < n; i++)
		if (!strcmp(devs[i].id, r->vm.id))
			size = devs[i].size;
	free(devs);
	e = vmem_offline(r, &there, &off, &ps, why, sizeof(why));
	if (e == 0 && size == there * bs - off * ps) {
		if (off)
			mp_logf(r->log, MP_LOG_INFO,
				"%s: virtio-mem %s: %" PRIu64 " pages of its %" PRIu64
				" present blocks unplugged by the driver (PG_offline), their "
				"removal pending",
				name, r->vm.id, off, there);
		return;
	}
	if (e < 0 && size == there * bs)
		return; /* nothing to explain: the blocks alone match */
	if (e < 0)
		mp_findings_add(&r->findings, MP_FIND_STATE, -1, name,
				"virtio-mem %s: QEMU says %" PRIu64
				" bytes are plugged, the kernel has %" PRIu64
				" blocks of its region (%" PRIu64
				" bytes), and its PG_offline pages could not be read: %s",
				r->vm.id, size, there, there * bs, why);
	else
		mp_findings_add(&r->findings, MP_FIND_STATE, -1, name,
				"virtio-mem %s: QEMU says %" PRIu64
				" bytes are plugged, the kernel has %" PRIu64
				" blocks of its region (%" PRIu64 " bytes) with %" PRIu64
				" pages PG_offline (%" PRIu64 " bytes)",
				r->vm.id, size, there, there * bs, off, off * ps);
}

/* The note of a change: its blocks, and how many when the driver chose blocks apart. */
static void change_note(struct mp_run *r, struct mp_trace_step *st,
			const struct mp_device_change *c)
{
	if (r->vmem && c->nblocks != c->last - c->first + 1)
		outcome(st, "done", "memory%" PRIu64 "-%" PRIu64 " (%" PRIu64 " of them)", c->first,
			c->last, c->nblocks);
	else
		outcome(st, "done", "memory%" PRIu64 "-%" PRIu64, c->first, c->last);
	r->chg_valid = r->vmem;
	r->chg_first = c->first;
	r->chg_last = c->last;
}

static int take(struct mp_run *r, bool settle, unsigned readings, struct mp_snapshot **out)
{
	struct mp_snap_opts o = r->snap;

	o.settle = settle;
	o.readings = readings;
	return mp_snapshot_take(r->root, &o, r->log, out);
}

int mp_run_new(struct mp_root *root, const struct mp_log *log, const struct mp_run_opts *o,
	       struct mp_run **out, char *why, size_t wlen)
{
	struct mp_run *r = calloc(1, sizeof(*r));
	struct mp_avail av;
	char path[4096], buf[64];
	int e;

	if (!r)
		return -ENOMEM;
	r->root = root;
	r->log = log;
	r->o = *o;
	r->o.header.version = 1;
	if (!r->o.timeout_ms)
		r->o.timeout_ms = 60000;
	e = mp_block_size(root, &r->o.header.block_size, why, wlen);
	if (e < 0) {
		free(r);
		return e;
	}
	mp_kernel_release(root, r->o.header.kernel, sizeof(r->o.header.kernel));
	if (mp_read_str(root, MP_SYS_MHP_PARAMS "/memmap_on_memory", buf, sizeof(buf)) > 0)
		snprintf(r->o.header.memmap_on_memory, sizeof(r->o.header.memmap_on_memory),
			 "%.15s", buf);
	snprintf(r->o.header.backend, sizeof(r->o.header.backend), "%s",
		 o->backend ? o->backend : "qmp");

	r->so = (struct mp_session_opts){
		.timeout_ms = r->o.timeout_ms,
		.allow_boot_memory = o->allow_boot_memory,
		.remove_device = undo_add,
		.readd_device = undo_remove,
		.userdata = r,
	};
	e = mp_session_signals();
	if (e == 0)
		e = mp_session_new(root, log, &r->so, &r->s, why, wlen);
	if (e < 0) {
		free(r);
		return e;
	}

	r->snap = (struct mp_snap_opts){ .kpf = true,
					 .ptdump = true,
					 .readings = 1,
					 .reading_gap_ms = 50,
					 .settle_timeout_ms = 10000 };
	e = take(r, !mp_root_is_sysroot(root), 5, &r->base);
	if (e < 0) {
		snprintf(why, wlen, "cannot take the baseline snapshot: %s", strerror(-e));
		goto fail;
	}
	snprintf(r->base->step, sizeof(r->base->step), "baseline");
	mp_kernel_init(&r->kernel);
	probe_kernel(r, true, "start");
	if (mp_kmsg_open(root, &r->kmsg, &av) < 0)
		mp_logf(log, MP_LOG_INFO, "no kernel log: %s", av.why);
	if (!strcmp(r->o.header.device_type, "virtio-mem")) {
		e = vmem_find(r, why, wlen);
		if (e < 0)
			goto fail;
	}

	if (o->dir) {
		if (mkdir(o->dir, 0755) < 0 && errno != EEXIST) {
			e = -errno;
			snprintf(why, wlen, "cannot create the run folder %s: %s", o->dir,
				 strerror(errno));
			goto fail;
		}
		snprintf(path, sizeof(path), "%s/timeline.csv", o->dir);
		r->timeline = fopen(path, "we");
		if (r->timeline)
			fprintf(r->timeline,
				"step,operation,free_pages,nr_memmap_pages,online_blocks,"
				"vmemmap_mapped_bytes,findings\n");
	}
	if (o->trace_path || o->dir) {
		if (o->trace_path)
			snprintf(path, sizeof(path), "%s", o->trace_path);
		else
			snprintf(path, sizeof(path), "%s/trace", o->dir);
		r->trace = fopen(path, "we");
		if (!r->trace) {
			e = -errno;
			snprintf(why, wlen, "cannot write the trace %s: %s", path, strerror(errno));
			goto fail;
		}
		mp_trace_write_header(r->trace, &r->o.header);
		fflush(r->trace);
	}
	if (o->stream) {
		mp_trace_write_header(o->stream, &r->o.header);
		fflush(o->stream);
	}
	*out = r;
	return 0;
fail:
	mp_run_finish(r);
	mp_run_free(r);
	return e;
}

static void stat_add(struct mp_op_stats *s, uint64_t ns, bool failed)
{
	if (s->n == s->cap) {
		size_t nc = s->cap ? s->cap * 2 : 64;
		uint64_t *v = realloc(s->ns, nc * sizeof(*v));

		if (!v)
			return;
		s->ns = v;
		s->cap = nc;
	}
	s->ns[s->n++] = ns;
	s->failed += failed;
}

static void outcome(struct mp_trace_step *st, const char *o, const char *fmt, ...)
{
	va_list ap;

	snprintf(st->outcome, sizeof(st->outcome), "%s", o);
	st->note[0] = '\0';
	if (fmt) {
		va_start(ap, fmt);
		vsnprintf(st->note, sizeof(st->note), fmt, ap);
		va_end(ap);
	}
}

static const char *errno_name(int e)
{
	switch (-e) {
	case EBUSY:
		return "EBUSY";
	case EINVAL:
		return "EINVAL";
	case EAGAIN:
		return "EAGAIN";
	case ENOMEM:
		return "ENOMEM";
	case ETIMEDOUT:
		return "ETIMEDOUT";
	case EINTR:
		return "EINTR";
	case EPERM:
		return "EPERM";
	case ENOENT:
		return "ENOENT";
	case EIO:
		return "EIO";
	default:
		return "error";
	}
}

static enum mp_target target_of(enum mp_trace_op op)
{
	switch (op) {
	case MP_T_ONLINE_KERNEL:
		return MP_ONLINE_KERNEL;
	case MP_T_ONLINE_MOVABLE:
		return MP_ONLINE_MOVABLE;
	case MP_T_OFFLINE:
		return MP_OFFLINE;
	default:
		return MP_ONLINE;
	}
}

static int step_state(struct mp_run *r, struct mp_trace_step *st, const char *name)
{
	struct mp_step s;
	bool armed = st->op == MP_T_OFFLINE ? r->armed_offline : r->armed_online;
	struct mp_finding *f;

	mp_block_set(r->s, st->block, target_of(st->op), &s);
	switch (s.outcome) {
	case MP_DONE:
		outcome(st, "done", "%s", s.after == MP_STATE_ONLINE ? s.zones_after : "");
		break;
	case MP_ALREADY:
		outcome(st, "already", "%s", s.zones_after);
		break;
	case MP_WRONG:
		outcome(st, "wrong", "%s", s.why);
		f = mp_findings_add(&r->findings, MP_FIND_STATE, (int64_t)st->block, name, "%s",
				    s.why);
		(void)f;
		break;
	case MP_RACE:
		outcome(st, "race", NULL);
		break;
	case MP_REFUSED:
		outcome(st, "refused", NULL);
		break;
	case MP_TIMEOUT:
		outcome(st, "timeout", "%.1fs", (double)s.elapsed_ns / 1e9);
		mp_findings_add(&r->findings, MP_FIND_STATE, (int64_t)st->block, name,
				"%s did not finish within the timeout (%.1f s); the state reads %s",
				mp_trace_op_name(st->op), (double)s.elapsed_ns / 1e9,
				mp_state_name(s.after));
		break;
	case MP_INTERRUPTED:
		outcome(st, "interrupted", NULL);
		break;
	case MP_FAILED:
		outcome(st, "failed", "%s", s.err ? errno_name(s.err) : "");
		if (armed)
			mp_findings_add(&r->findings, MP_FIND_INJECTED, (int64_t)st->block, name,
					"%s failed with %s while an error was injected at %s",
					mp_trace_op_name(st->op), errno_name(s.err),
					st->op == MP_T_OFFLINE ? "MEM_GOING_OFFLINE"
							       : "MEM_GOING_ONLINE");
		break;
	case MP_DRY_RUN:
		outcome(st, "dry-run", NULL);
		break;
	}
	stat_add(&r->stats[st->op], s.elapsed_ns, s.outcome != MP_DONE && s.outcome != MP_ALREADY);
	return 0;
}

/*
 * With auto_online_blocks set the kernel onlines the new blocks itself,
 * after they appear: wait for it, or the check would read a block half-way
 * through onlining (pages online, state still offline).
 */
static void await_auto_online(struct mp_run *r, uint64_t first, uint64_t last)
{
	uint64_t end = mp_now_ns() + (uint64_t)r->o.timeout_ms * 1000000ULL, b = first;
	char auto_online[32];

	if (mp_read_str(r->root, MP_SYS_MEMORY "/auto_online_blocks", auto_online,
			sizeof(auto_online)) <= 0 ||
	    !strcmp(auto_online, "offline"))
		return;
	while (b <= last && mp_now_ns() < end) {
		char path[96], buf[32];

		snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", b);
		if (mp_read_str(r->root, path, buf, sizeof(buf)) > 0 && !strcmp(buf, "online"))
			b++;
		else
			poll(NULL, 0, 10);
	}
	if (b <= last)
		mp_findings_add(&r->findings, MP_FIND_STATE, (int64_t)b, "add",
				"auto_online_blocks is %s but memory%" PRIu64
				" was not online within %u ms",
				auto_online, b, r->o.timeout_ms);
}

static int step_add(struct mp_run *r, struct mp_trace_step *st)
{
	struct mp_add_opts ao = MP_ADD_OPTS_INIT;
	struct mp_device_change c;
	uint64_t t0 = mp_now_ns();
	int e;

	if (!st->dev || st->dev > MP_RUN_MAX_DEVS || r->devs[st->dev].present) {
		outcome(st, "refused", "D%u in use", st->dev);
		return 0;
	}
	e = backend_up(r);
	if (e < 0) {
		outcome(st, "failed", "backend: %.80s", r->be.why);
		return e;
	}
	ao.type = MP_DEV_DIMM;
	ao.addr = st->addr;
	ao.node = st->node;
	if (r->vmem) {
		/* the device grows where its driver chooses, on its own node */
		ao.type = MP_DEV_VIRTIO_MEM;
		ao.id = r->vm.id;
		ao.addr = 0;
		ao.node = -1;
	}
	e = mp_device_add(&r->be, r->s, st->size, &ao, r->o.timeout_ms, &c);
	if (e < 0 && c.stage < MP_DEVICE_RANGE) {
		outcome(st, "failed", "%.90s", r->be.why[0] ? r->be.why : strerror(-e));
		stat_add(&r->stats[st->op], mp_now_ns() - t0, true);
		return 0;
	}
	r->devs[st->dev] = (struct run_dev){ .present = true, .d = c.dev };
	st->addr = c.dev.addr; /* a replay puts it at the same place */
	stat_add(&r->stats[st->op], mp_now_ns() - t0, e < 0);
	if (e < 0) {
		outcome(st, "timeout", "memory%" PRIu64 "-%" PRIu64 " did not appear", c.first,
			c.last);
		mp_findings_add(&r->findings, MP_FIND_UEVENT, (int64_t)c.first, "add",
				"D%u added at 0x%" PRIx64 " but memory%" PRIu64 "-%" PRIu64
				" did not appear within %u ms",
				st->dev, c.dev.addr, c.first, c.last, r->o.timeout_ms);
		return 0;
	}
	await_auto_online(r, c.first, c.last);
	change_note(r, st, &c);
	return 0;
}

/*
 * A virtio-mem shrink whose blocks did not all go: the driver may have
 * unplugged their memory (PG_offline) and left the blocks to remove later,
 * when offlining them fails (drivers/virtio/virtio_mem.c retries on its
 * own). That is an outcome, said in the step's note; true when the pages of
 * the blocks that stayed are PG_offline, false (a finding) when they are
 * not or kpageflags could not be read.
 */
static bool vmem_pending(struct mp_run *r, struct mp_trace_step *st,
			 const struct mp_device_change *c)
{
	uint64_t bs = r->o.header.block_size, there, off, ps, want = c->dev.size / bs;
	char why[256];

	if (vmem_offline(r, &there, &off, &ps, why, sizeof(why)) < 0) {
		mp_logf(r->log, MP_LOG_WARN,
			"cannot read the PG_offline pages of virtio-mem %s: %s", r->vm.id, why);
		return false;
	}
	if (off * ps < (want - c->nblocks) * bs)
		return false;
	/* what this remove gave back: not free pages, and not lost */
	if (r->vm_off_before >= 0 && off >= (uint64_t)r->vm_off_before)
		r->given_back = off - (uint64_t)r->vm_off_before;
	/* the note holds 95 characters */
	outcome(st, "done",
		"%" PRIu64 "/%" PRIu64 " blocks went, %" PRIu64
		" pages PG_offline (unplugged): removal pending",
		c->nblocks, want, off);
	return true;
}

static int step_remove(struct mp_run *r, struct mp_trace_step *st)
{
	struct run_dev *rd = st->dev && st->dev <= MP_RUN_MAX_DEVS ? &r->devs[st->dev] : NULL;
	struct mp_device_change c;
	uint64_t t0 = mp_now_ns();
	int e;

	if (!rd || !rd->present) {
		outcome(st, "refused", "no D%u", st->dev);
		return 0;
	}
	e = backend_up(r);
	if (e < 0) {
		outcome(st, "failed", "backend: %.80s", r->be.why);
		return e;
	}
	r->vm_off_before = -1;
	if (r->vmem) {
		uint64_t there, off, ps;
		char why[256];

		if (vmem_offline(r, &there, &off, &ps, why, sizeof(why)) == 0)
			r->vm_off_before = (int64_t)off;
	}
	/* memplug's own add: once it is gone, the session has nothing to undo */
	e = mp_device_remove(&r->be, r->s, &rd->d, false, r->o.timeout_ms, &c);
	if (e < 0 && c.stage < MP_DEVICE_RANGE) {
		/* blocks that cannot be offlined fail the eject: an outcome */
		outcome(st, "failed", "%.90s", r->be.why[0] ? r->be.why : strerror(-e));
		stat_add(&r->stats[st->op], mp_now_ns() - t0, true);
		return 0;
	}
	rd->present = false;
	if (e < 0 && r->vmem && vmem_pending(r, st, &c)) {
		/*
		 * the driver unplugged the memory: the blocks go when it can
		 * offline them; no change noted, so the step's check reads every
		 * block's kpageflags in full and counts the PG_offline pages
		 */
		stat_add(&r->stats[st->op], mp_now_ns() - t0, false);
		return 0;
	}
	stat_add(&r->stats[st->op], mp_now_ns() - t0, e < 0);
	if (e < 0) {
		outcome(st, "timeout", "memory%" PRIu64 "-%" PRIu64 " still there", c.first,
			c.last);
		mp_findings_add(&r->findings, MP_FIND_UEVENT, (int64_t)c.first, "remove",
				"D%u removed but memory%" PRIu64 "-%" PRIu64
				" still there after %u ms",
				st->dev, c.first, c.last, r->o.timeout_ms);
		return 0;
	}
	change_note(r, st, &c);
	return 0;
}

static int inject_write(struct mp_run *r, const char *point, int err)
{
	char path[160], val[16];

	snprintf(path, sizeof(path), MP_INJECT_DIR "/%s/error", point);
	snprintf(val, sizeof(val), "%d", err);
	return mp_write_str_timeout(r->root, path, val, r->o.timeout_ms, NULL);
}

static int step_inject(struct mp_run *r, struct mp_trace_step *st)
{
	bool offline = !strcmp(st->point, "MEM_GOING_OFFLINE");
	int e;

	if (!strcmp(st->point, MP_INJECT_SYSRQ_CRASH)) {
		if (!r->o.allow_crash) {
			outcome(st, "refused", "crashes the kernel: only in a memplug-vm guest");
			return 0;
		}
		mp_logf(r->log, MP_LOG_WARN, "crashing the kernel on purpose (sysrq c)");
		e = mp_write_str(r->root, "/proc/sysrq-trigger", "c");
		outcome(st, "failed", "%s", errno_name(e < 0 ? e : -EAGAIN));
		return 0;
	}
	if (!offline && strcmp(st->point, "MEM_GOING_ONLINE")) {
		outcome(st, "refused", "unknown point");
		return 0;
	}
	e = inject_write(r, st->point, st->err);
	if (e < 0) {
		outcome(st, "failed", "%s (memory-notifier-error-inject loaded?)", errno_name(e));
		return 0;
	}
	if (offline)
		r->armed_offline = st->err != 0;
	else
		r->armed_online = st->err != 0;
	outcome(st, "done", NULL);
	return 0;
}

static int step_auto_online(struct mp_run *r, struct mp_trace_step *st)
{
	static const char *const ok[] = { "offline", "online", "online_kernel", "online_movable" };
	char why[256];
	size_t i;
	int e;

	for (i = 0; i < ARRAY_SIZE(ok) && strcmp(st->point, ok[i]); i++)
		;
	if (i == ARRAY_SIZE(ok)) {
		outcome(st, "refused", "not a value of auto_online_blocks");
		return 0;
	}
	/* journaled: the session writes the old value back at the end */
	e = mp_session_set_attr(r->s, MP_SYS_MEMORY "/auto_online_blocks", st->point, why,
				sizeof(why));
	stat_add(&r->stats[st->op], 0, e < 0);
	if (e == -EINVAL)
		outcome(st, "failed", "%s", why);
	else if (e < 0)
		outcome(st, "failed", "%s", errno_name(e));
	else
		outcome(st, "done", NULL);
	return 0;
}

/* A storm: writers and readers racing on a few blocks. */
struct storm {
	struct mp_run *r;
	uint64_t first, last, end_ns;
	unsigned writes, ok, ebusy, einval, eagain, other, reads;
};

struct storm_arg {
	struct storm *sm;
	unsigned seed;
};

static void *storm_thread(void *arg)
{
	struct storm *sm = ((struct storm_arg *)arg)->sm;
	/* movable only: what a storm onlines must be able to go again */
	static const char *const words[] = { "online_movable", "offline" };
	unsigned x = ((struct storm_arg *)arg)->seed;

	while (mp_now_ns() < sm->end_ns && !mp_stop_signal) {
		uint64_t b;
		char path[96], buf[64];
		int e;

		x = x * 1103515245u + 12345u;
		b = sm->first + (x >> 8) % (sm->last - sm->first + 1);
		if ((x >> 4) % 3 == 0) {
			snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/valid_zones",
				 b);
			mp_read_str(sm->r->root, path, buf, sizeof(buf));
			__atomic_fetch_add(&sm->reads, 1, __ATOMIC_RELAXED);
			continue;
		}
		snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", b);
		e = mp_write_str_timeout(sm->r->root, path, words[(x >> 12) % 2],
					 sm->r->o.timeout_ms, NULL);
		__atomic_fetch_add(&sm->writes, 1, __ATOMIC_RELAXED);
		__atomic_fetch_add(e == 0	  ? &sm->ok
				   : e == -EBUSY  ? &sm->ebusy
				   : e == -EINVAL ? &sm->einval
				   : e == -EAGAIN ? &sm->eagain
						  : &sm->other,
				   1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static int step_storm(struct mp_run *r, struct mp_trace_step *st, const char *name)
{
	struct storm sm = { .r = r, .first = st->block, .last = st->block_last };
	pthread_t t[4];
	struct storm_arg args[4];
	size_t nt = 0;
	uint64_t t0 = mp_now_ns();

	if (st->block_last < st->block || st->block_last - st->block > 64 || !st->duration_ms) {
		outcome(st, "refused",
			"storm takes FIRST-LAST (65 blocks at most) and milliseconds");
		return 0;
	}
	/* journaled first, one by one: the racing writers bypass the journal */
	for (uint64_t b = sm.first; b <= sm.last; b++)
		if (mp_session_journal_block(r->s, b) < 0) {
			outcome(st, "refused", "memory%" PRIu64 " is not there", b);
			return 0;
		}
	sm.end_ns = t0 + (uint64_t)st->duration_ms * 1000000ULL;
	for (unsigned i = 0; i < ARRAY_SIZE(t); i++) {
		args[nt] =
			(struct storm_arg){ &sm, (unsigned)(r->o.header.seed + r->steps * 7 + i) };
		if (pthread_create(&t[nt], NULL, storm_thread, &args[nt]) == 0)
			nt++;
	}
	for (size_t i = 0; i < nt; i++)
		pthread_join(t[i], NULL);
	stat_add(&r->stats[st->op], mp_now_ns() - t0, false);
	/* the end state: every block online or offline, none stuck half-way */
	for (uint64_t b = sm.first; b <= sm.last; b++) {
		char path[96], buf[64];

		snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", b);
		if (mp_read_str(r->root, path, buf, sizeof(buf)) < 0 ||
		    (strcmp(buf, "online") && strcmp(buf, "offline")))
			mp_findings_add(&r->findings, MP_FIND_STATE, (int64_t)b, name,
					"after the storm the state reads \"%s\"", buf);
	}
	outcome(st, "done", "%u writes: %u ok, %u EBUSY, %u EINVAL, %u EAGAIN, %u other; %u reads",
		sm.writes, sm.ok, sm.ebusy, sm.einval, sm.eagain, sm.other, sm.reads);
	return 0;
}

static void pool_put_back(struct mp_run *r)
{
	int e;

	if (!r->hp_path[0])
		return;
	e = mp_write_str_timeout(r->root, r->hp_path, r->hp_orig, r->o.timeout_ms, NULL);
	if (e < 0 && e != -ENOENT)
		mp_logf(r->log, MP_LOG_WARN,
			"could not put %s back to %s yet: %s (the journal will)", r->hp_path,
			r->hp_orig, strerror(-e));
	r->hp_path[0] = '\0';
}

/*
 * Huge pages for a hugetlb workload: the node's 2 MiB pool raised until it
 * has enough free pages. What is journaled and put back is the pool's total:
 * migrating a pool page moves it to the target node, so the node's own count
 * would not bring the machine back. 0 with o->size lowered to what the
 * kernel gave, or 1 when it gave none (skip: not every kernel or node can).
 */
static int pool_raise(struct mp_run *r, struct mp_trace_step *st, struct mp_wl_opts *o)
{
	static const char total[] = "/sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
	char dir[72], path[128], val[32], old[32];
	uint64_t need = (o->size + MP_WL_HUGE_SIZE - 1) / MP_WL_HUGE_SIZE, nr, fr;
	int e;

	snprintf(dir, sizeof(dir), MP_SYS_NODE "/node%d/hugepages/hugepages-2048kB", o->node);
	snprintf(path, sizeof(path), "%s/free_hugepages", dir);
	if (mp_read_u64(r->root, path, 10, &fr) < 0) {
		outcome(st, "skipped", "no 2 MiB huge page pool on node %d", o->node);
		return 1;
	}
	snprintf(path, sizeof(path), "%s/nr_hugepages", dir);
	if (fr < need) {
		char why[200] = "cannot read the pool's size";

		e = mp_read_str(r->root, total, old, sizeof(old)) < 0 ? -EIO : 0;
		if (e == 0)
			e = mp_session_set_attr(r->s, total, NULL, why, sizeof(why));
		if (e == 0 && mp_read_u64(r->root, path, 10, &nr) < 0)
			e = -EIO;
		if (e < 0) {
			outcome(st, "failed", "%.90s", why);
			return -EIO;
		}
		snprintf(r->hp_path, sizeof(r->hp_path), "%s", total);
		snprintf(r->hp_orig, sizeof(r->hp_orig), "%s", old);
		snprintf(val, sizeof(val), "%" PRIu64, nr + need - fr);
		/* the kernel gives what it can: read back what it gave */
		mp_write_str_timeout(r->root, path, val, r->o.timeout_ms, NULL);
		snprintf(path, sizeof(path), "%s/free_hugepages", dir);
		if (mp_read_u64(r->root, path, 10, &fr) < 0)
			fr = 0;
	}
	if (!fr) {
		pool_put_back(r);
		outcome(st, "skipped", "node %d gave none of %" PRIu64 " 2 MiB huge pages", o->node,
			need);
		return 1;
	}
	if (fr < need)
		o->size = fr * MP_WL_HUGE_SIZE;
	return 0;
}

static void wl_start(struct mp_run *r, struct mp_trace_step *st)
{
	struct mp_wl_opts o = { .size = st->size,
				.node = st->node,
				.seed = r->o.header.seed ^ ((uint64_t)r->steps << 32),
				.timeout_ms = r->o.timeout_ms };
	char why[200], mode[16], sz[32];
	int e;

	if (r->wl) {
		outcome(st, "refused", "a workload runs already");
		return;
	}
	if (mp_wl_kind_parse(st->kind, &o.kind) < 0) {
		outcome(st, "refused", "unknown kind");
		return;
	}
	if (o.kind == MP_WL_THP && mp_wl_thp_mode(r->root, mode, sizeof(mode)) < 0) {
		outcome(st, "skipped", "no THP (no %s)", MP_SYS_THP_ENABLED);
		return;
	}
	if (o.kind == MP_WL_THP && !strcmp(mode, "never")) {
		outcome(st, "skipped", "THP disabled (transparent_hugepage/enabled: never)");
		return;
	}
	if (o.kind == MP_WL_HUGETLB) {
		if (o.node < 0) {
			outcome(st, "refused", "hugetlb needs node=");
			return;
		}
		if (pool_raise(r, st, &o))
			return;
	}
	e = mp_wl_start(r->root, &o, &r->wl, why, sizeof(why));
	if (e < 0) {
		pool_put_back(r);
		outcome(st, "failed", "%s: %.80s", errno_name(e), why);
		return;
	}
	outcome(st, "done", "%s on node %d", mp_human_size(mp_wl_bytes(r->wl), sz, sizeof(sz)),
		o.node);
}

static void wl_place(struct mp_run *r, struct mp_trace_step *st)
{
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), bs = r->o.header.block_size;
	struct mp_wl_place pl;
	char why[200], huge[32] = "";
	int e;

	if (!r->wl) {
		outcome(st, "refused", "no workload");
		return;
	}
	e = mp_wl_place(r->wl, st->block * bs / ps, (st->block_last + 1) * bs / ps - 1, &pl, why,
			sizeof(why));
	if (e < 0) {
		outcome(st, "failed", "%.90s", why);
		return;
	}
	if (!pl.have_pfns) {
		outcome(st, "unknown", "no PFNs in /proc/self/pagemap (root needed)");
		return;
	}
	if (pl.have_flags)
		snprintf(huge, sizeof(huge), " huge %" PRIu64, pl.huge);
	if (!pl.in_range)
		outcome(st, "unplaced", "0 of %" PRIu64 " pages in memory%" PRIu64 "-%" PRIu64 "%s",
			pl.pages, st->block, st->block_last, huge);
	else
		outcome(st, "done",
			"%" PRIu64 " of %" PRIu64 " pages in memory%" PRIu64 "-%" PRIu64
			" pfn 0x%" PRIx64 "-0x%" PRIx64 "%s",
			pl.in_range, pl.pages, st->block, st->block_last, pl.pfn_min, pl.pfn_max,
			huge);
}

/* Every byte against the pattern; a wrong one is corruption. 0 or -errno (it died). */
static int wl_verify(struct mp_run *r, struct mp_trace_step *st, const char *name)
{
	const struct mp_wl_opts *o = mp_wl_opts(r->wl);
	uint64_t ps = (uint64_t)sysconf(_SC_PAGESIZE), bs = r->o.header.block_size;
	struct mp_wl_verdict v;
	struct mp_finding *f;
	char why[200], sz[32];
	int e = mp_wl_check(r->wl, &v, why, sizeof(why));

	if (e < 0) {
		outcome(st, "failed", "%.90s", why);
		return e;
	}
	if (!v.bad) {
		outcome(st, "done", "%" PRIu64 " bytes ok", v.bytes);
		return 0;
	}
	outcome(st, "corrupt", "page %" PRIu64 " offset 0x%" PRIx64 ": 0x%02x not 0x%02x",
		v.first.page, v.first.offset, v.first.found, v.first.expected);
	f = mp_findings_add(&r->findings, MP_FIND_CORRUPTION,
			    v.pfn_before && bs ? (int64_t)(v.pfn_before * ps / bs) : -1, name,
			    "workload (%s, %s on node %d): the byte at offset 0x%" PRIx64
			    " (page %" PRIu64 ", PFN 0x%" PRIx64
			    " when last placed) reads 0x%02x, not 0x%02x; %" PRIu64 " page%s wrong",
			    mp_wl_kind_name(o->kind),
			    mp_human_size(mp_wl_bytes(r->wl), sz, sizeof(sz)), o->node,
			    v.first.offset, v.first.page, v.pfn_before, v.first.found,
			    v.first.expected, v.first.bad_pages, v.first.bad_pages == 1 ? "" : "s");
	mp_finding_numbers(f, v.first.expected, v.first.found, "byte");
	if (v.pfn_before)
		mp_finding_pfns(f, v.pfn_before, v.pfn_before);
	return 0;
}

static void wl_stop(struct mp_run *r)
{
	mp_wl_stop(r->wl);
	r->wl = NULL;
	pool_put_back(r);
}

static int step_workload(struct mp_run *r, struct mp_trace_step *st, const char *name)
{
	uint64_t t0 = mp_now_ns();

	if (!strcmp(st->point, "start")) {
		wl_start(r, st);
	} else if (!strcmp(st->point, "place")) {
		wl_place(r, st);
	} else if (!strcmp(st->point, "verify")) {
		if (!r->wl)
			outcome(st, "refused", "no workload");
		else if (wl_verify(r, st, name) < 0)
			wl_stop(r); /* it died: nothing left to ask */
	} else if (!strcmp(st->point, "stop")) {
		if (!r->wl) {
			outcome(st, "refused", "no workload");
		} else {
			wl_stop(r);
			outcome(st, "done", NULL);
		}
	} else {
		outcome(st, "refused", "unknown workload step");
	}
	stat_add(&r->stats[st->op], mp_now_ns() - t0,
		 strcmp(st->outcome, "done") && strcmp(st->outcome, "skipped"));
	return 0;
}

static uint64_t vmemmap_bytes(const struct mp_snapshot *s)
{
	uint64_t n = 0;

	for (size_t i = 0; i < s->pt.n; i++)
		if (s->pt.r[i].mapped)
			n += s->pt.r[i].end - s->pt.r[i].start;
	return n;
}

/*
 * What the kernel logs when it refuses an offline (has_unmovable_pages()
 * dumps the page, offline_pages() says "Offline failed", device_offline()
 * failing an eject): after a step that was refused these are the refusal
 * itself, an outcome, not a kernel bug. Anywhere else they stay findings.
 */
static bool refusal_text(const char *t)
{
	return t && (strstr(t, "page dumped because: unmovable page") ||
		     strstr(t, "page dumped because: isolation failed") ||
		     strstr(t, "Offline failed") || strstr(t, "offlining"));
}

static void poll_kmsg(struct mp_run *r, const char *name, bool refused)
{
	_cleanup_kmsg_log_ struct mp_kmsg_log log = { 0 };
	size_t from = r->findings.n, k = from;

	if (!r->kmsg)
		return;
	mp_kmsg_poll(r->kmsg, &log);
	mp_check_kmsg_records(&log, name, &r->findings);
	if (!refused)
		return;
	for (size_t i = from; i < r->findings.n; i++) {
		struct mp_finding *f = &r->findings.v[i];

		if (f->kind == MP_FIND_KERNEL_LOG && refusal_text(f->text)) {
			r->refusal_logs++;
			free(f->text);
			continue;
		}
		r->findings.v[k++] = *f;
	}
	r->findings.n = k;
}

/*
 * The blocks a step can have changed; 0 when it can have changed anything
 * (a check, a storm's neighbours are listed, an injection changes nothing).
 */
static size_t touched(const struct mp_run *r, const struct mp_trace_step *st, uint64_t *v,
		      size_t max)
{
	uint64_t f, l;
	size_t n = 0;

	switch (st->op) {
	case MP_T_ONLINE:
	case MP_T_ONLINE_KERNEL:
	case MP_T_ONLINE_MOVABLE:
	case MP_T_OFFLINE:
		v[n++] = st->block;
		return n;
	case MP_T_STORM:
		for (uint64_t b = st->block; b <= st->block_last && n < max; b++)
			v[n++] = b;
		return n;
	case MP_T_ADD:
	case MP_T_REMOVE:
		if (r->vmem) { /* what the driver chose */
			for (f = r->chg_first; r->chg_valid && f <= r->chg_last && n < max; f++)
				v[n++] = f;
			return n;
		}
		if (!st->dev || st->dev > MP_RUN_MAX_DEVS ||
		    mp_device_blocks(&r->devs[st->dev].d, r->o.header.block_size, &f, &l) < 0)
			return 0;
		for (uint64_t b = f; b <= l && n < max; b++)
			v[n++] = b;
		return n;
	default:
		return 0;
	}
}

/* The invariants after a step, against the previous reading. */
static void check_step(struct mp_run *r, const struct mp_trace_step *st, const char *name,
		       bool full, bool refused)
{
	struct mp_snapshot *now = NULL;
	struct mp_check_opts co = { .struct_page = r->o.struct_page,
				    .step = name,
				    .kernel = &r->kernel,
				    .given_back = r->given_back };
	struct mp_snap_opts so = r->snap;
	struct mp_check_info info;
	uint64_t ids[64];

	r->given_back = 0;
	size_t online = 0, nids = full ? 0 : touched(r, st, ids, ARRAY_SIZE(ids));

	poll_kmsg(r, name, refused);
	if (!r->o.check_steps && !full)
		return;
	/*
	 * Read only what the step can have changed: the kpageflags of its
	 * blocks (a sample, unless --step-kpageflags all: a block's flags cost
	 * about as much to read as onlining it under TCG), the page tables when
	 * memory came or went; the rest of the previous reading stands. A check
	 * step reads everything.
	 */
	so.readings = 1;
	so.settle = false;
	if (!full && r->prev &&
	    (nids || st->op == MP_T_INJECT || st->op == MP_T_AUTO_ONLINE ||
	     st->op == MP_T_WORKLOAD)) {
		so.reuse = r->prev;
		so.kpf_only = ids;
		so.nkpf_only = nids ? nids : 1;
		if (!nids)
			ids[0] = UINT64_MAX; /* none */
		so.ptdump = st->op == MP_T_ADD || st->op == MP_T_REMOVE;
		so.kpf_sample = !r->o.step_kpf_all;
		so.kpf_sample_seq = r->steps;
	}
	/* the memory a workload takes or gives back is its own, not a leak */
	if (st->op == MP_T_WORKLOAD)
		co.free_tolerance = INT64_MAX;
	probe_kernel(r, false, name);
	if (mp_snapshot_take(r->root, &so, r->log, &now) < 0)
		return;
	snprintf(now->step, sizeof(now->step), "%s", name);
	memset(&info, 0, sizeof(info));
	mp_check(r->prev ? r->prev : r->base, now, &co, &r->findings, &info);
	for (size_t i = 0; i < now->nblocks; i++)
		online += now->blocks[i].present && now->blocks[i].state == MP_STATE_ONLINE;
	if (full) {
		uint64_t *v = realloc(r->check_free, (r->ncheck_free + 1) * sizeof(*v));

		uint64_t pcp = 0;

		if (v) {
			r->check_free = v;
			/*
			 * free pages wait on the per-cpu lists too: count them, or
			 * they add noise; and memplug's own memory is not the
			 * kernel's: counted as free, its growth is no slope
			 */
			mp_snapshot_pcp(now, &pcp);
			v[r->ncheck_free++] = mp_counters_val(&now->vmstat, "nr_free_pages", 0) +
					      pcp + (now->have_own ? now->own_pages : 0);
		}
	}
	if (r->timeline)
		fprintf(r->timeline, "%u,%s,%" PRIu64 ",%" PRIu64 ",%zu,%" PRIu64 ",%zu\n",
			r->steps, name, mp_counters_val(&now->vmstat, "nr_free_pages", 0),
			mp_counters_val(&now->vmstat, "nr_memmap_pages", 0), online,
			vmemmap_bytes(now), r->findings.n);
	mp_snapshot_free(r->prev);
	r->prev = now;
}

int mp_run_step(struct mp_run *r, struct mp_trace_step *st)
{
	char line[256], name[64];
	uint64_t t0 = mp_now_ns();
	int e = 0;

	st->outcome[0] = st->note[0] = '\0';
	r->chg_valid = false;
	r->steps++;
	snprintf(name, sizeof(name), "%u:%s", r->steps, mp_trace_op_name(st->op));
	if (r->o.stream) { /* before the step: if the kernel dies in it, the host knows which */
		mp_trace_format_step(st, line, sizeof(line));
		fprintf(r->o.stream, "# step %u: %s\n", r->steps, line);
		fflush(r->o.stream);
	}
	switch (st->op) {
	case MP_T_ADD:
		e = step_add(r, st);
		break;
	case MP_T_REMOVE:
		e = step_remove(r, st);
		break;
	case MP_T_ONLINE:
	case MP_T_ONLINE_KERNEL:
	case MP_T_ONLINE_MOVABLE:
	case MP_T_OFFLINE:
		e = step_state(r, st, name);
		break;
	case MP_T_INJECT:
		e = step_inject(r, st);
		break;
	case MP_T_CHECK:
		outcome(st, "done", NULL);
		stat_add(&r->stats[st->op], mp_now_ns() - t0, false);
		break;
	case MP_T_AUTO_ONLINE:
		e = step_auto_online(r, st);
		break;
	case MP_T_STORM:
		e = step_storm(r, st, name);
		break;
	case MP_T_WORKLOAD:
		e = step_workload(r, st, name);
		break;
	case MP_T_NOPS:
		outcome(st, "refused", NULL);
		break;
	}
	if (r->vmem && r->be_up && (st->op == MP_T_ADD || st->op == MP_T_REMOVE) &&
	    strcmp(st->outcome, "refused"))
		vmem_account(r, name);
	check_step(r, st, name, st->op == MP_T_CHECK,
		   !strcmp(st->outcome, "failed") || !strcmp(st->outcome, "timeout") ||
			   !strcmp(st->outcome, "interrupted"));
	if (r->trace) {
		mp_trace_format_step(st, line, sizeof(line));
		fprintf(r->trace, "%s\n", line);
		fflush(r->trace);
	}
	if (r->o.stream) { /* the step done, and the report so far: its findings */
		mp_trace_format_step(st, line, sizeof(line));
		fprintf(r->o.stream, "%s\n", line);
		for (size_t i = r->streamed; i < r->findings.n; i++) {
			struct mp_finding one = r->findings.v[i];

			one.text = NULL; /* one line a finding: the stream stays a trace */
			fprintf(r->o.stream, "# finding: ");
			mp_finding_print(&one, r->o.stream);
		}
		r->streamed = r->findings.n;
		fflush(r->o.stream);
	}
	return e;
}

int mp_run_finish(struct mp_run *r)
{
	struct mp_snapshot *end = NULL;
	struct mp_check_opts co = { .struct_page = r->o.struct_page,
				    .step = "end",
				    .kernel = &r->kernel };
	struct mp_check_info info;
	int failed = 0;

	if (r->finished)
		return 0;
	r->finished = true;
	if (r->wl) {
		/* a workload still running: every byte once more, then it ends */
		struct mp_trace_step st = { .op = MP_T_WORKLOAD, .node = -1 };

		wl_verify(r, &st, "end");
		mp_logf(r->log, MP_LOG_INFO,
			"the workload still running at the end: verify -> %s %s", st.outcome,
			st.note);
		wl_stop(r);
	}
	if (r->armed_offline)
		inject_write(r, "MEM_GOING_OFFLINE", 0);
	if (r->armed_online)
		inject_write(r, "MEM_GOING_ONLINE", 0);
	if (r->s) {
		/*
		 * Memory onlined to a kernel zone can hold unmovable pages for
		 * good: the kernel refusing to give it back is its right, said
		 * in the log and in the exit status, not a finding.
		 */
		failed = mp_session_restore(r->s);
		r->restore_failed = failed;
		mp_session_free(r->s);
		r->s = NULL;
	}
	/* the restore's offlines may have been refused and tried again: their log is that */
	poll_kmsg(r, "end", true);
	if (r->base && take(r, !mp_root_is_sysroot(r->root), 5, &end) == 0) {
		snprintf(end->step, sizeof(end->step), "end");
		memset(&info, 0, sizeof(info));
		mp_check(r->base, end, &co, &r->findings, &info);
		mp_logf(r->log, MP_LOG_INFO,
			"end check: free pages %" PRId64
			" lower than at the start, tolerance %" PRIu64 " (%s)",
			info.free_loss, info.tolerance, info.tolerance_src);
		mp_snapshot_free(end);
	}
	return failed ? -EIO : 0;
}

void mp_run_free(struct mp_run *r)
{
	if (!r)
		return;
	if (!r->finished)
		mp_run_finish(r);
	mp_wl_stop(r->wl);
	if (r->be_up)
		mp_backend_close(&r->be);
	if (r->trace)
		fclose(r->trace);
	if (r->timeline)
		fclose(r->timeline);
	mp_kmsg_close(r->kmsg);
	mp_snapshot_free(r->base);
	mp_snapshot_free(r->prev);
	mp_findings_clear(&r->findings);
	free(r->check_free);
	for (size_t i = 0; i < ARRAY_SIZE(r->stats); i++)
		free(r->stats[i].ns);
	free(r);
}
