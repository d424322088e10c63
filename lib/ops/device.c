// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Adding and removing a device with its blocks awaited, and undoing a
 * journaled device change by the backend the journal names: what add,
 * remove, run and restore share.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/timeout.h"
#include "ops/backend.h"
#include "ops/device.h"
#include "ops/session.h"
#include "sensors/block.h"
#include "sensors/uevent.h"

static void uevents_freep(struct mp_uevents **u)
{
	mp_uevents_free(*u);
}
#define _cleanup_uevents_ _cleanup_(uevents_freep)

/* Where a change stopped and why; returns r. */
static int stop(struct mp_device_change *c, enum mp_device_stage stage, int r, const char *fmt, ...)
	_printf_(4, 5);
static int stop(struct mp_device_change *c, enum mp_device_stage stage, int r, const char *fmt, ...)
{
	va_list ap;

	c->stage = stage;
	va_start(ap, fmt);
	vsnprintf(c->why, sizeof(c->why), fmt, ap);
	va_end(ap);
	return r;
}

/* The journal's record of a device. */
static void ref_of(struct mp_device_ref *ref, const char *backend, const struct mp_device *d)
{
	memset(ref, 0, sizeof(*ref));
	snprintf(ref->backend, sizeof(ref->backend), "%s", backend);
	snprintf(ref->id, sizeof(ref->id), "%s", d->id);
	ref->addr = d->addr;
	ref->size = d->size;
}

/* Wait for the blocks of c->dev to be there (present) or gone, watched by u. */
static int await_blocks(struct mp_uevents *u, const struct mp_root *root, bool present,
			unsigned timeout_ms, struct mp_device_change *c)
{
	const struct mp_device *d = &c->dev;
	uint64_t bs;
	int r;

	r = mp_block_size(root, &bs, NULL, 0);
	if (r == 0)
		r = mp_device_blocks(d, bs, &c->first, &c->last);
	if (r < 0)
		return stop(c, MP_DEVICE_RANGE, r, "device %s has no range", d->id);
	r = mp_uevents_wait_blocks(u, c->first, c->last, present, timeout_ms);
	if (r < 0 && present)
		return stop(c, MP_DEVICE_WAIT, r,
			    "added %s %s at 0x%" PRIx64 ", but memory%" PRIu64 "-%" PRIu64
			    " did not appear within the timeout",
			    mp_dev_type_name(d->type), d->id, d->addr, c->first, c->last);
	if (r < 0)
		return stop(c, MP_DEVICE_WAIT, r,
			    "removed %s, but memory%" PRIu64 "-%" PRIu64
			    " still there after the timeout",
			    d->id, c->first, c->last);
	return 0;
}

/*
 * virtio-mem: the device's region, and which of its blocks are there. Its
 * driver chooses which blocks a grow plugs and a shrink unplugs (in big
 * block mode, in subblock mode from the last block, offline blocks first:
 * drivers/virtio/virtio_mem.c), so the blocks of a change are learned from
 * sysfs before and after it, never from the device's address.
 */
struct vmem_blocks {
	uint64_t bs, first, n; /* the region: blocks first..first+n-1 */
	uint8_t *there;	       /* n flags, before the change */
};

static void vmem_blocks_clear(struct vmem_blocks *v)
{
	free(v->there);
	v->there = NULL;
}

static bool block_there(const struct mp_root *root, uint64_t b)
{
	char path[96];

	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64, b);
	return mp_exists(root, path) == 1;
}

/* The region of d (a query's device: addr and max_size) and its blocks now. */
static int vmem_blocks_read(const struct mp_root *root, const struct mp_device *d,
			    struct vmem_blocks *v)
{
	int r = mp_block_size(root, &v->bs, NULL, 0);

	if (r < 0)
		return r;
	if (!d->max_size)
		return -EINVAL;
	v->first = d->addr / v->bs;
	v->n = (d->addr + d->max_size - 1) / v->bs - v->first + 1;
	v->there = calloc(v->n, 1);
	if (!v->there)
		return -ENOMEM;
	for (uint64_t i = 0; i < v->n; i++)
		v->there[i] = block_there(root, v->first + i);
	return 0;
}

/* The virtio-mem device the change is about: o->id's, or the first one. */
static int vmem_find(struct mp_backend *be, const char *id, struct mp_device *out)
{
	struct mp_device *devs = NULL;
	size_t n = 0;
	int r = -ENODEV;

	if (!be->ops->query || be->ops->query(be, &devs, &n) < 0)
		return -ENODEV;
	for (size_t i = 0; i < n && r < 0; i++)
		if (devs[i].type == MP_DEV_VIRTIO_MEM && (!id || !strcmp(devs[i].id, id))) {
			*out = devs[i];
			r = 0;
		}
	free(devs);
	return r;
}

/*
 * Wait until size bytes of blocks came (grow) or went, and put the range
 * of those that changed in c->first..c->last (c->nblocks of them: fewer
 * than the range when the driver chose blocks apart).
 */
static int vmem_await(const struct mp_root *root, struct vmem_blocks *v, bool grow, uint64_t size,
		      unsigned timeout_ms, struct mp_device_change *c)
{
	uint64_t want = size / v->bs, end = mp_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		uint64_t n = 0;

		for (uint64_t i = 0; i < v->n; i++) {
			if (v->there[i] == grow || block_there(root, v->first + i) != grow)
				continue;
			if (!n++)
				c->first = v->first + i;
			c->last = v->first + i;
		}
		c->nblocks = n;
		if (n >= want)
			break;
		if (mp_now_ns() >= end) {
			if (!n)
				c->first = c->last = v->first;
			return stop(c, MP_DEVICE_WAIT, -ETIMEDOUT,
				    "%s %s by %" PRIu64 " blocks, but %" PRIu64
				    " %s within the timeout",
				    grow ? "grew" : "shrank", c->dev.id, want, n,
				    grow ? "appeared" : "went");
		}
		poll(NULL, 0, 20);
	}
	if (grow)
		c->dev.addr = c->first * v->bs; /* where the driver put it */
	return 0;
}

/*
 * Before a change: for a virtio-mem device (vmem, named id) its region's
 * blocks into v, else a uevent monitor into u. 0, or c->stage WATCH.
 */
static int watch(struct mp_backend *be, bool vmem, const char *id, struct vmem_blocks *v,
		 struct mp_uevents **u, struct mp_device_change *c)
{
	struct mp_device vd;
	int r;

	if (!vmem) {
		r = mp_uevents_new(be->root, u);
		if (r < 0)
			return stop(c, MP_DEVICE_WATCH, r, "cannot watch uevents: %s",
				    strerror(-r));
		return 0;
	}
	r = vmem_find(be, id, &vd);
	if (r == 0)
		r = vmem_blocks_read(be->root, &vd, v);
	if (r < 0)
		return stop(c, MP_DEVICE_WATCH, r, "cannot read the virtio-mem device's blocks: %s",
			    strerror(-r));
	return 0;
}

int mp_device_add(struct mp_backend *be, struct mp_session *s, uint64_t size,
		  const struct mp_add_opts *o, unsigned timeout_ms, struct mp_device_change *c)
{
	_cleanup_uevents_ struct mp_uevents *u = NULL;
	struct mp_device_ref ref;
	char h[32];
	int r;

	_cleanup_(vmem_blocks_clear) struct vmem_blocks v = { 0 };

	memset(c, 0, sizeof(*c));
	/*
	 * watching from before the add: no event comes too early; virtio-mem:
	 * its blocks before the grow, those that appear are its own
	 */
	r = watch(be, o && o->type == MP_DEV_VIRTIO_MEM, o ? o->id : NULL, &v, &u, c);
	if (r < 0)
		return r;
	r = be->ops->add(be, size, o, &c->dev);
	if (r < 0)
		return stop(c, MP_DEVICE_BACKEND, r, "add of %s through %s failed: %s",
			    size ? mp_human_size(size, h, sizeof(h)) : "memory", be->ops->name,
			    be->why);
	if (s) {
		ref_of(&ref, be->ops->name, &c->dev);
		c->journal_err = mp_session_journal_device(s, &ref);
	}
	if (v.there) {
		r = vmem_await(be->root, &v, true, size, timeout_ms, c);
		/* the blocks that appeared are the session's, wherever the driver put them */
		if (s && c->nblocks)
			mp_session_added_blocks(s, c->first, c->last);
		return r;
	}
	return await_blocks(u, be->root, true, timeout_ms, c);
}

int mp_device_remove(struct mp_backend *be, struct mp_session *s, const struct mp_device *d,
		     bool readd, unsigned timeout_ms, struct mp_device_change *c)
{
	_cleanup_uevents_ struct mp_uevents *u = NULL;
	struct mp_device_ref ref;
	int r;

	_cleanup_(vmem_blocks_clear) struct vmem_blocks v = { 0 };

	memset(c, 0, sizeof(*c));
	c->dev = *d;
	/* virtio-mem: its blocks before the shrink, those that go are the driver's choice */
	r = watch(be, d->type == MP_DEV_VIRTIO_MEM, d->id, &v, &u, c);
	if (r < 0)
		return r;
	if (s && readd) {
		ref_of(&ref, be->ops->name, d);
		r = mp_session_journal_removed(s, &ref);
		if (r < 0)
			return stop(c, MP_DEVICE_JOURNAL, r, "cannot journal the removal: %s",
				    strerror(-r));
	}
	r = be->ops->remove(be, d);
	if (r < 0)
		return stop(c, MP_DEVICE_BACKEND, r, "remove of %s failed: %s", d->id, be->why);
	/* one the session added itself: nothing to undo any more */
	if (s)
		mp_session_device_removed(s, d->id);
	if (v.there)
		return vmem_await(be->root, &v, false, d->size, timeout_ms, c);
	return await_blocks(u, be->root, false, timeout_ms, c);
}

/*
 * The backend to use: be when it is the one named (its open QMP connection
 * stays the only user of a guest's port), else own, set up and probed here
 * (on failure with the reason in own->why).
 */
static int pick(struct mp_backend *be, struct mp_backend *own, const char *name,
		const struct mp_root *root, const struct mp_log *log, unsigned timeout_ms,
		struct mp_backend **out)
{
	int r;

	if (be && be->ops && !strcmp(be->ops->name, name)) {
		*out = be;
		return 0;
	}
	r = mp_backend_open(own, name, root, log, NULL, (int)timeout_ms);
	if (r == 0)
		*out = own;
	return r;
}

/* Whether the backend lists a virtio-mem device of that id. */
static bool virtio_mem(struct mp_backend *b, const char *id)
{
	struct mp_device *devs = NULL;
	size_t n = 0;
	bool found = false;

	if (!b->ops->query || b->ops->query(b, &devs, &n) < 0)
		return false;
	for (size_t i = 0; i < n && !found; i++)
		found = devs[i].type == MP_DEV_VIRTIO_MEM && !strcmp(devs[i].id, id);
	free(devs);
	return found;
}

/* Add back a removed device at its address, and wait for its blocks. */
static int add_back(struct mp_backend *b, const struct mp_device_ref *ref, unsigned timeout_ms,
		    char *why, size_t len)
{
	struct mp_add_opts o = MP_ADD_OPTS_INIT;
	struct mp_device_change c;
	int r;

	o.type = MP_DEV_DIMM;
	o.addr = ref->addr;
	if (virtio_mem(b, ref->id)) {
		/* a virtio-mem device stays when it shrinks: it grows back */
		o.type = MP_DEV_VIRTIO_MEM;
		o.addr = 0;
		o.id = ref->id;
	}
	if (!strcmp(b->ops->name, "dax"))
		b->target = ref->id; /* the instance, given to kmem again */
	r = mp_device_add(b, NULL, ref->size, &o, timeout_ms, &c);
	if (c.stage == MP_DEVICE_BACKEND)
		snprintf(why, len, "%s", b->why);
	else if (c.stage >= MP_DEVICE_RANGE)
		snprintf(why, len, "added back as %s, but its blocks did not appear: %s", c.dev.id,
			 strerror(-r));
	else if (r < 0)
		snprintf(why, len, "%s", c.why);
	return r;
}

/* Remove a device the session added, as the journal names it. */
static int take_away(struct mp_backend *b, const struct mp_device_ref *ref, char *why, size_t len)
{
	struct mp_device d = { .type = MP_DEV_ANY,
			       .addr = ref->addr,
			       .size = ref->size,
			       .node = -1 };
	int r;

	snprintf(d.id, sizeof(d.id), "%s", ref->id);
	r = b->ops->remove(b, &d);
	if (r < 0)
		snprintf(why, len, "%s", b->why);
	return r;
}

int mp_device_undo(struct mp_backend *be, const struct mp_root *root, const struct mp_log *log,
		   unsigned timeout_ms, bool readd, const struct mp_device_ref *ref, char *why,
		   size_t len)
{
	struct mp_backend own = { 0 }, *b = NULL;
	/* an ACPI eject is undone by adding the DIMM back through QMP */
	bool acpi = readd && !strcmp(ref->backend, "acpi");
	int r;

	if (!timeout_ms)
		timeout_ms = 3600000;
	r = pick(be, &own, acpi ? "qmp" : ref->backend, root, log, timeout_ms, &b);
	if (r < 0 && acpi && (r == -ENODEV || r == -ENOENT)) {
		snprintf(why, len, "no QMP here to add it back (%s)", own.why);
		return 1;
	}
	if (r < 0) {
		snprintf(why, len, "%s", own.why);
		return r;
	}
	r = readd ? add_back(b, ref, timeout_ms, why, len) : take_away(b, ref, why, len);
	if (b == &own)
		mp_backend_close(&own);
	return r;
}

int mp_dimm_kernel(const struct mp_root *root, char *why, size_t len)
{
	char buf[16];

	/*
	 * acpi_memory_hotplug_init() (drivers/acpi/acpi_memhotplug.c) adds the
	 * "memory" hotplug profile, which is this folder; without
	 * CONFIG_ACPI_HOTPLUG_MEMORY or with acpi_no_memhotplug there is none
	 */
	if (mp_exists(root, "/sys/firmware/acpi/hotplug/memory") != 1) {
		snprintf(why, len,
			 "the kernel has no ACPI memory hotplug (no /sys/firmware/acpi/hotplug/memory: "
			 "CONFIG_ACPI_HOTPLUG_MEMORY), so it would never see a pc-dimm");
		return 0;
	}
	if (mp_read_str(root, "/sys/firmware/acpi/hotplug/memory/enabled", buf, sizeof(buf)) > 0 &&
	    !strcmp(buf, "0")) {
		snprintf(why, len,
			 "the kernel's ACPI memory hotplug is disabled "
			 "(/sys/firmware/acpi/hotplug/memory/enabled is 0), so it would never see a "
			 "pc-dimm");
		return 0;
	}
	snprintf(why, len, "the kernel has ACPI memory hotplug");
	return 1;
}

int mp_device_type_choose(struct mp_backend *be, enum mp_dev_type want, enum mp_dev_type *out,
			  char *how, size_t len)
{
	char kwhy[200];
	int kernel = mp_dimm_kernel(be->root, kwhy, sizeof(kwhy));
	struct mp_device vd;
	bool vmem = vmem_find(be, NULL, &vd) == 0;
	unsigned free_slots = 0, total = 0;
	int slots = mp_qmp_dimm_slots(be, &free_slots, &total);

	*out = MP_DEV_DIMM;
	if (!kernel && !vmem) {
		snprintf(how, len,
			 "%s, and QEMU has no virtio-mem device (memplug-vm --virtio-mem SIZE)",
			 kwhy);
		return -ENODEV;
	}
	if (want == MP_DEV_DIMM) {
		if (!kernel) {
			snprintf(how, len, "%s; QEMU's virtio-mem device %s would work", kwhy,
				 vd.id);
			return -ENODEV;
		}
		snprintf(how, len, "pc-dimm, as asked (%s)", kwhy);
		return 0;
	}
	if (want == MP_DEV_VIRTIO_MEM) {
		if (!vmem) {
			snprintf(how, len,
				 "QEMU has no virtio-mem device (query-memory-devices lists none; "
				 "memplug-vm --virtio-mem SIZE)");
			return -ENODEV;
		}
		*out = MP_DEV_VIRTIO_MEM;
		snprintf(how, len, "virtio-mem %s, as asked", vd.id);
		return 0;
	}
	if (kernel && slots == 0 && free_slots) {
		snprintf(how, len, "pc-dimm: %s and QEMU %u free DIMM slot%s of %u", kwhy,
			 free_slots, free_slots == 1 ? "" : "s", total);
		return 0;
	}
	if (vmem) {
		*out = MP_DEV_VIRTIO_MEM;
		if (!kernel)
			snprintf(how, len, "virtio-mem %s: %s", vd.id, kwhy);
		else if (slots == 0)
			snprintf(how, len,
				 "virtio-mem %s: QEMU has no free DIMM slot (%u, all taken)", vd.id,
				 total);
		else
			snprintf(how, len, "virtio-mem %s: QEMU does not say its DIMM slots (%s)",
				 vd.id, be->why);
		return 0;
	}
	/* no slot known and no virtio-mem: a pc-dimm, whose add says why if it fails */
	snprintf(how, len, "pc-dimm: %s (QEMU lists no virtio-mem device)", kwhy);
	return 0;
}
