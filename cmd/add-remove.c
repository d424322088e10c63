// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug add, memplug remove: hot-add and hot-remove memory through a
 * backend, journaled like every change, the new or vanished blocks awaited
 * through the kernel's uevents with a timeout.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memplug.h"
#include "ops/backend.h"
#include "ops/device.h"
#include "ops/session.h"
#include "sensors/block.h"

#define MP_DEFAULT_TIMEOUT_S 60

struct dev_args {
	struct mp_ctx *ctx;
	struct mp_session_opts opts; /* first: the change options write here */
	bool no_restore;
	const char *backend;
	const char *target; /* --qmp */
	struct mp_add_opts add;
	bool have_online;
	enum mp_target online;
	uint64_t size;
	struct mp_selector sel;
	const char *device; /* remove by device id */
	bool remove;
	struct mp_backend be;
	struct mp_session *s; /* while one runs */
};

enum {
	OPT_BACKEND = 'B',
	OPT_QMP = 0x200,
	OPT_TYPE,
	OPT_ADDR,
	OPT_NODE,
	OPT_ONLINE,
	OPT_DEVICE,
	OPT_MEMMAP
};

static const struct argp_option add_options[] = {
	{ "backend", OPT_BACKEND, "NAME", 0, "How to add: qmp (default), dax or probe", 0 },
	{ "qmp", OPT_QMP, "PATH", 0,
	  "QMP socket or port (default: the guest's org.qemu.qmp port); dax: the instance", 0 },
	{ "type", OPT_TYPE, "TYPE", 0, "dimm (default) or virtio-mem", 0 },
	{ "addr", OPT_ADDR, "ADDR", 0, "Physical address of a DIMM (default: QEMU picks)", 0 },
	{ "node", OPT_NODE, "N", 0, "NUMA node of a DIMM", 0 },
	{ "online", OPT_ONLINE, "ZONE", 0, "Online the new blocks: auto, kernel or movable", 0 },
	{ "memmap-on-memory", OPT_MEMMAP, "yes|no", 0,
	  "dax: set the instance's memmap_on_memory first (put back at the end)", 0 },
	{ 0 }
};

static const struct argp_option remove_options[] = {
	{ "backend", OPT_BACKEND, "NAME", 0, "How to remove: qmp (default), acpi or dax", 0 },
	{ "qmp", OPT_QMP, "PATH", 0, "QMP socket or port (default: the guest's org.qemu.qmp port)",
	  0 },
	{ "device", OPT_DEVICE, "ID", 0, "The device to remove (else the one holding BLOCKS)", 0 },
	{ 0 }
};

static error_t dev_parse(int key, char *arg, struct argp_state *state)
{
	struct dev_args *a = state->input;
	char err[200];
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		state->child_inputs[1] = &a->opts;
		return 0;
	case OPT_BACKEND:
		if (!mp_backend_find(arg))
			mp_usage(state, "unknown backend \"%s\" (qmp, acpi, dax, probe)", arg);
		a->backend = arg;
		return 0;
	case OPT_QMP:
		a->target = arg;
		return 0;
	case OPT_TYPE:
		if (!strcmp(arg, "dimm"))
			a->add.type = MP_DEV_DIMM;
		else if (!strcmp(arg, "virtio-mem"))
			a->add.type = MP_DEV_VIRTIO_MEM;
		else
			mp_usage(state, "--type takes dimm or virtio-mem, not \"%s\"", arg);
		return 0;
	case OPT_ADDR:
		if (mp_parse_u64(arg, 0, &v) < 0)
			mp_usage(state, "--addr takes an address such as 0x100000000, not \"%s\"",
				 arg);
		a->add.addr = v;
		return 0;
	case OPT_NODE:
		if (mp_parse_u64(arg, 10, &v) < 0 || v > 1024)
			mp_usage(state, "--node takes a node number, not \"%s\"", arg);
		a->add.node = (int)v;
		return 0;
	case OPT_ONLINE:
		a->have_online = true;
		if (mp_parse_zone(arg, &a->online) < 0)
			mp_usage(state, "--online takes " MP_ZONE_WORDS ", not \"%s\"", arg);
		return 0;
	case OPT_DEVICE:
		a->device = arg;
		return 0;
	case OPT_MEMMAP:
		if (!strcmp(arg, "yes") || !strcmp(arg, "no"))
			a->add.memmap_on_memory = !strcmp(arg, "yes");
		else
			mp_usage(state, "--memmap-on-memory takes yes or no, not \"%s\"", arg);
		return 0;
	case ARGP_KEY_ARG:
		if (a->remove) {
			if (mp_selector_parse(arg, &a->sel, err, sizeof(err)) < 0)
				mp_usage(state, "%s", err);
			return 0;
		}
		if (a->size)
			mp_usage(state, "one SIZE only");
		if (mp_parse_size(arg, &a->size) < 0 || !a->size)
			mp_usage(state, "\"%s\" is not a size (256M, 1G)", arg);
		return 0;
	case ARGP_KEY_END:
		/* a dax instance has its own size */
		if (!a->remove && !a->size && !(a->backend && !strcmp(a->backend, "dax")))
			mp_usage(state, "how much? (SIZE such as 256M)");
		if (a->add.memmap_on_memory >= 0 && !(a->backend && !strcmp(a->backend, "dax")))
			mp_usage(state, "--memmap-on-memory is for --backend dax");
		if (a->remove && !a->device && !a->sel.nranges && !a->sel.nphys)
			mp_usage(state, "which memory? (--device ID, or the blocks: 32-33)");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp add_argp = {
	add_options,
	dev_parse,
	"SIZE",
	"Hot-add SIZE of memory and wait for its blocks; --online onlines them.\v"
	"dax takes the instance's size when SIZE is not given. The device is removed\n"
	"again at the end unless --no-restore. See memplug(8).",
	mp_change_children,
	NULL,
	NULL
};

static const struct argp remove_argp = {
	remove_options,
	dev_parse,
	"[BLOCKS...]",
	"Hot-remove the device holding BLOCKS (or --device ID): its online blocks are\n"
	"offlined first, then it is removed and its blocks awaited gone.\v"
	"It is added back at the end unless --no-restore (qmp DIMMs). See memplug(8).",
	mp_change_children,
	NULL,
	NULL
};

/* The session's undo of an add (remove the device again) and of a remove (add it back). */
static int undo_add(void *userdata, const struct mp_device_ref *ref, char *why, size_t len)
{
	struct dev_args *a = userdata;

	return mp_device_undo(&a->be, a->be.root, &a->ctx->log, (unsigned)a->be.timeout_ms, false,
			      ref, why, len);
}

static int undo_remove(void *userdata, const struct mp_device_ref *ref, char *why, size_t len)
{
	struct dev_args *a = userdata;

	return mp_device_undo(&a->be, a->be.root, &a->ctx->log, (unsigned)a->be.timeout_ms, true,
			      ref, why, len);
}

/* The backend's setting changes, journaled in the running session. */
static int set_attr(void *userdata, const char *path, const char *value, char *why, size_t len)
{
	struct dev_args *a = userdata;

	if (!a->s) {
		snprintf(why, len, "no session to journal %s", path);
		return -EINVAL;
	}
	return mp_session_set_attr(a->s, path, value, why, len);
}

/* Every write and wait: --timeout, 0 an hour. */
static unsigned timeout_ms(const struct dev_args *a)
{
	return a->opts.timeout_ms ? a->opts.timeout_ms : 3600000;
}

/* Set up and probe the backend, or say why not. */
static int backend_up(struct dev_args *a, struct mp_root *root)
{
	const char *name = a->backend ? a->backend : "qmp";
	int r;

	r = mp_backend_open(&a->be, name, root, &a->ctx->log, a->target, (int)timeout_ms(a));
	if (r < 0 && !a->be.ops) {
		mp_err("unknown backend %s", name);
		return MP_EXIT_USAGE;
	}
	if (r < 0) {
		mp_err("backend %s cannot work here: %s", name, a->be.why);
		/* no way to add memory here is a skip; a path the user named that fails is not */
		return !a->target && (r == -ENODEV || r == -ENOENT) ? MP_EXIT_SKIP : MP_EXIT_USAGE;
	}
	mp_logf(&a->ctx->log, MP_LOG_INFO, "backend %s", name);
	return 0;
}

/* Online the new blocks as --online asks; returns the worse exit status. */
static int online_blocks(struct dev_args *a, struct mp_session *s, uint64_t first, uint64_t last)
{
	int status = MP_EXIT_OK;

	for (uint64_t b = first; b <= last && !mp_stop_signal; b++) {
		struct mp_step st;

		mp_block_set(s, b, a->online, &st);
		if (st.outcome == MP_DONE || st.outcome == MP_ALREADY)
			printf("memory%" PRIu64 ": %s -> %s (%s)\n", b, mp_state_name(st.before),
			       mp_state_name(st.after), st.zones_after);
		else
			mp_err("memory%" PRIu64 ": %s: %s %s", b, mp_target_name(a->online),
			       mp_outcome_name(st.outcome), st.why[0] ? st.why : strerror(-st.err));
		status = mp_step_status(&st, status);
	}
	return status;
}

/* End the session of a change: a signal makes a clean end partial. */
static int change_end(struct dev_args *a, struct mp_session *s, int status)
{
	if (mp_stop_signal && status == MP_EXIT_OK)
		status = MP_EXIT_PARTIAL;
	return mp_ctx_session_end(a->ctx, s, !a->no_restore, status);
}

static int do_add(struct dev_args *a, struct mp_root *root, uint64_t bs)
{
	struct mp_session *s = NULL;
	struct mp_device_change c;
	const struct mp_device *d = &c.dev;
	char h[32], h2[32];
	int r;

	if (a->size % bs) {
		mp_err("%s is not a multiple of the block size (%s)",
		       mp_human_size(a->size, h, sizeof(h)), mp_human_size(bs, h2, sizeof(h2)));
		return MP_EXIT_USAGE;
	}
	if (!strcmp(a->be.ops->name, "qmp") &&
	    (a->add.type == MP_DEV_DIMM || a->add.type == MP_DEV_ANY)) {
		/* a pc-dimm the kernel never sees would stay plugged in QEMU for nothing */
		enum mp_dev_type t;
		char how[400];

		if (mp_device_type_choose(&a->be, MP_DEV_DIMM, &t, how, sizeof(how)) < 0) {
			mp_err("cannot add a pc-dimm: %s (--type virtio-mem)", how);
			return MP_EXIT_USAGE;
		}
	}
	if (a->opts.dry_run) {
		printf("would add %s through %s\n",
		       a->size ? mp_human_size(a->size, h, sizeof(h)) : "an instance",
		       a->be.ops->name);
		return MP_EXIT_OK;
	}
	a->opts.remove_device = undo_add;
	a->opts.userdata = a;
	r = mp_ctx_session(a->ctx, root, &a->opts, &s);
	if (r)
		return r;
	a->s = s;
	a->add.set_attr = set_attr;
	a->add.userdata = a;
	r = mp_device_add(&a->be, s, a->size, &a->add, timeout_ms(a), &c);
	if (c.journal_err)
		mp_err("cannot journal device %s: %s", d->id, strerror(-c.journal_err));
	if (c.stage == MP_DEVICE_WATCH) {
		mp_err("%s", c.why);
		return mp_ctx_session_end(a->ctx, s, true, MP_EXIT_USAGE);
	}
	if (r < 0) {
		mp_err("%s", c.why);
		return change_end(a, s, MP_EXIT_PARTIAL);
	}
	printf("added %s %s at 0x%" PRIx64 " (%s): memory%" PRIu64 "-%" PRIu64 "\n",
	       mp_dev_type_name(d->type), d->id, d->addr, mp_human_size(d->size, h, sizeof(h)),
	       c.first, c.last);
	fflush(stdout);
	return change_end(a, s, a->have_online ? online_blocks(a, s, c.first, c.last) : MP_EXIT_OK);
}

/* "memory34-35, memory38": the blocks of [first, last] that the selection lacks */
static void lacking(struct mp_block *const *v, size_t nv, uint64_t first, uint64_t last, char *buf,
		    size_t len)
{
	size_t n = 0, k = 0;

	buf[0] = '\0';
	for (uint64_t b = first; b <= last; b++) {
		uint64_t e = b;

		while (k < nv && v[k]->id < b)
			k++;
		if (k < nv && v[k]->id == b)
			continue;
		while (e < last && !(k < nv && v[k]->id == e + 1))
			e++;
		if (e == b)
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%smemory%" PRIu64,
					      n ? ", " : "", b);
		else
			n += (size_t)snprintf(buf + n, n < len ? len - n : 0,
					      "%smemory%" PRIu64 "-%" PRIu64, n ? ", " : "", b, e);
		b = e;
	}
}

/*
 * The devices to remove, in *out (pointers into devs): --device
 * ID, the device holding the one block named, or every device holding a
 * block named, each of which must have all its blocks named (a range that
 * cuts a device is refused, with the device and the blocks it lacks).
 * Returns an exit status or 0.
 */
static int find_devices(struct dev_args *a, const struct mp_memory *mem,
			const struct mp_device *devs, size_t n, uint64_t bs,
			const struct mp_device **out, size_t *nout)
{
	_cleanup_free_ struct mp_block **v = NULL;
	uint64_t first, last;
	ssize_t nv = 0;
	char err[200];

	*nout = 0;
	if (a->device) {
		for (size_t i = 0; i < n; i++)
			if (!strcmp(devs[i].id, a->device) &&
			    mp_device_blocks(&devs[i], bs, &first, &last) == 0) {
				out[(*nout)++] = &devs[i];
				return 0;
			}
		mp_err("no %s device %s", a->be.ops->name, a->device);
		return MP_EXIT_USAGE;
	}
	nv = mp_selector_resolve(&a->sel, mem, MP_SEL_LIST, &v, err, sizeof(err));
	if (nv <= 0) {
		mp_err("%s", nv < 0 ? err : "no block matches");
		return MP_EXIT_USAGE;
	}
	for (ssize_t i = 0; i < nv; i++) {
		bool held = false;

		for (size_t k = 0; k < n && !held; k++)
			held = mp_device_blocks(&devs[k], bs, &first, &last) == 0 &&
			       v[i]->id >= first && v[i]->id <= last;
		if (!held) {
			mp_err("memory%" PRIu64 " belongs to no %s device", v[i]->id,
			       a->be.ops->name);
			return MP_EXIT_USAGE;
		}
	}
	for (size_t k = 0; k < n; k++) {
		bool any = false;
		char lack[200];

		if (mp_device_blocks(&devs[k], bs, &first, &last) < 0)
			continue;
		for (ssize_t i = 0; i < nv && !any; i++)
			any = v[i]->id >= first && v[i]->id <= last;
		if (!any)
			continue;
		/* one block names the device that holds it; a range must not cut one */
		lacking(v, (size_t)nv, first, last, lack, sizeof(lack));
		if (lack[0] && nv > 1) {
			mp_err("the blocks named cut %s %s (memory%" PRIu64 "-%" PRIu64
			       "): %s not named; a device goes whole",
			       mp_dev_type_name(devs[k].type), devs[k].id, first, last, lack);
			return MP_EXIT_USAGE;
		}
		out[(*nout)++] = &devs[k];
	}
	return 0;
}

/* Offline the device's online blocks, highest first, so that a refusal is named. */
static int offline_blocks(struct mp_session *s, const struct mp_memory *mem,
			  const struct mp_device *d, uint64_t first, uint64_t last)
{
	for (uint64_t b = last + 1; b-- > first && !mp_stop_signal;) {
		const struct mp_block *blk = mp_memory_find(mem, b);
		struct mp_step st;

		if (!blk || blk->state == MP_STATE_OFFLINE)
			continue;
		mp_block_set(s, b, MP_OFFLINE, &st);
		if (st.outcome != MP_DONE && st.outcome != MP_ALREADY) {
			mp_err("memory%" PRIu64 ": offline %s: %s; %s not removed", b,
			       mp_outcome_name(st.outcome), st.why[0] ? st.why : strerror(-st.err),
			       d->id);
			return MP_EXIT_PARTIAL;
		}
		printf("memory%" PRIu64 ": online -> offline\n", b);
	}
	return MP_EXIT_OK;
}

static int do_remove(struct dev_args *a, struct mp_root *root, uint64_t bs)
{
	_cleanup_memory_ struct mp_memory *mem = NULL;
	_cleanup_free_ struct mp_device *devs = NULL;
	_cleanup_free_ const struct mp_device **sel = NULL;
	struct mp_session *s = NULL;
	const struct mp_device *d;
	struct mp_device_change c;
	uint64_t first, last;
	size_t n = 0, nsel;
	char h[32];
	int status, r;

	r = a->be.ops->query ? a->be.ops->query(&a->be, &devs, &n) : -EOPNOTSUPP;
	if (r < 0) {
		mp_err("cannot list the %s devices: %s", a->be.ops->name, a->be.why);
		return MP_EXIT_USAGE;
	}
	r = mp_memory_read(root, MP_READ_STATE | MP_READ_ZONES | MP_READ_NODE, &a->ctx->log, &mem);
	if (r < 0) {
		mp_err("cannot read %s: %s", MP_SYS_MEMORY, strerror(-r));
		return MP_EXIT_USAGE;
	}
	sel = calloc(n ? n : 1, sizeof(*sel));
	if (!sel) {
		mp_err("out of memory");
		return MP_EXIT_USAGE;
	}
	r = find_devices(a, mem, devs, n, bs, sel, &nsel);
	if (r)
		return r;
	if (a->opts.dry_run) {
		for (size_t i = 0; i < nsel; i++) {
			d = sel[i];
			mp_device_blocks(d, bs, &first, &last);
			printf("would offline memory%" PRIu64 "-%" PRIu64
			       " and remove %s %s (%s at 0x%" PRIx64 ")\n",
			       first, last, mp_dev_type_name(d->type), d->id,
			       mp_human_size(d->size, h, sizeof(h)), d->addr);
		}
		return MP_EXIT_OK;
	}
	a->opts.readd_device = strcmp(a->be.ops->name, "probe") ? undo_remove : NULL;
	a->opts.userdata = a;
	a->opts.allow_boot_memory = true; /* the device's blocks are hot-plugged by definition */
	r = mp_ctx_session(a->ctx, root, &a->opts, &s);
	if (r)
		return r;
	/* one device after the other, each offlined first; the first failure stops */
	for (size_t i = 0; i < nsel && !mp_stop_signal; i++) {
		d = sel[i];
		mp_device_blocks(d, bs, &first, &last);
		status = offline_blocks(s, mem, d, first, last);
		if (status || mp_stop_signal)
			return change_end(a, s, status);
		r = mp_device_remove(&a->be, s, d, true, timeout_ms(a), &c);
		if (r < 0) {
			mp_err("%s", c.why);
			return change_end(a, s,
					  c.stage <= MP_DEVICE_JOURNAL ? MP_EXIT_USAGE
								       : MP_EXIT_PARTIAL);
		}
		printf("removed %s %s at 0x%" PRIx64 " (%s): memory%" PRIu64 "-%" PRIu64 " gone\n",
		       mp_dev_type_name(d->type), d->id, d->addr,
		       mp_human_size(d->size, h, sizeof(h)), first, last);
		fflush(stdout);
	}
	return change_end(a, s, MP_EXIT_OK);
}

static void dev_args_clear(struct dev_args *a)
{
	mp_backend_close(&a->be);
	mp_selector_clear(&a->sel);
}

static int device_cmd(struct mp_ctx *ctx, int argc, char **argv, bool remove)
{
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_(dev_args_clear) struct dev_args a = {
		.ctx = ctx,
		.opts = { .timeout_ms = MP_DEFAULT_TIMEOUT_S * 1000 },
		.add = MP_ADD_OPTS_INIT,
		.remove = remove,
	};
	char why[200];
	uint64_t bs;
	int r;

	if (argp_parse(remove ? &remove_argp : &add_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	a.no_restore = a.opts.no_restore;
	r = mp_ctx_root(ctx, &root);
	if (r)
		return r;
	r = mp_block_size(root, &bs, why, sizeof(why));
	if (r < 0) {
		mp_err("%s", why);
		return r == -ENODEV ? MP_EXIT_SKIP : MP_EXIT_USAGE;
	}
	r = backend_up(&a, root);
	if (r)
		return r;
	return remove ? do_remove(&a, root, bs) : do_add(&a, root, bs);
}

int cmd_add(struct mp_ctx *ctx, int argc, char **argv)
{
	return device_cmd(ctx, argc, argv, false);
}

int cmd_remove(struct mp_ctx *ctx, int argc, char **argv)
{
	return device_cmd(ctx, argc, argv, true);
}
