// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Adding and removing a device with its blocks awaited, and undoing a
 * journaled device change by the backend the journal names: what add,
 * remove, run and restore share.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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

int mp_device_add(struct mp_backend *be, struct mp_session *s, uint64_t size,
		  const struct mp_add_opts *o, unsigned timeout_ms, struct mp_device_change *c)
{
	_cleanup_uevents_ struct mp_uevents *u = NULL;
	struct mp_device_ref ref;
	char h[32];
	int r;

	memset(c, 0, sizeof(*c));
	/* watching from before the add: no event comes too early */
	r = mp_uevents_new(be->root, &u);
	if (r < 0)
		return stop(c, MP_DEVICE_WATCH, r, "cannot watch uevents: %s", strerror(-r));
	r = be->ops->add(be, size, o, &c->dev);
	if (r < 0)
		return stop(c, MP_DEVICE_BACKEND, r, "add of %s through %s failed: %s",
			    size ? mp_human_size(size, h, sizeof(h)) : "memory", be->ops->name,
			    be->why);
	if (s) {
		ref_of(&ref, be->ops->name, &c->dev);
		c->journal_err = mp_session_journal_device(s, &ref);
	}
	return await_blocks(u, be->root, true, timeout_ms, c);
}

int mp_device_remove(struct mp_backend *be, struct mp_session *s, const struct mp_device *d,
		     bool readd, unsigned timeout_ms, struct mp_device_change *c)
{
	_cleanup_uevents_ struct mp_uevents *u = NULL;
	struct mp_device_ref ref;
	int r;

	memset(c, 0, sizeof(*c));
	c->dev = *d;
	r = mp_uevents_new(be->root, &u);
	if (r < 0)
		return stop(c, MP_DEVICE_WATCH, r, "cannot watch uevents: %s", strerror(-r));
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
