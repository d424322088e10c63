// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Undoing a journaled device change by the backend the journal names: what
 * add, remove, run and restore share.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ops/backend.h"
#include "ops/device.h"
#include "ops/session.h"
#include "sensors/uevent.h"

/*
 * The backend to use: be when it is the one named (its open QMP connection
 * stays the only user of a guest's port), else own, set up and probed here.
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
	r = mp_backend_init(own, name, root, log, NULL, (int)timeout_ms);
	if (r < 0) {
		snprintf(own->why, sizeof(own->why), "no backend \"%s\"", name);
		return r;
	}
	*out = own;
	return own->ops->probe ? own->ops->probe(own) : 0;
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

int mp_device_undo(struct mp_backend *be, const struct mp_root *root, const struct mp_log *log,
		   unsigned timeout_ms, bool readd, const struct mp_device_ref *ref, char *why,
		   size_t len)
{
	struct mp_backend own = { 0 }, *b = NULL;
	struct mp_add_opts o = MP_ADD_OPTS_INIT;
	struct mp_uevents *u = NULL;
	struct mp_device d = { .type = MP_DEV_ANY, .addr = ref->addr, .size = ref->size,
			       .node = -1 };
	const char *name = ref->backend;
	uint64_t bs, first, last;
	int r;

	if (!timeout_ms)
		timeout_ms = 3600000;
	snprintf(d.id, sizeof(d.id), "%s", ref->id);
	/* an ACPI eject is undone by adding the DIMM back through QMP */
	if (readd && !strcmp(name, "acpi"))
		name = "qmp";
	r = pick(be, &own, name, root, log, timeout_ms, &b);
	if (r < 0 && readd && !strcmp(ref->backend, "acpi") && (r == -ENODEV || r == -ENOENT)) {
		snprintf(why, len, "no QMP here to add it back (%s)", b ? b->why : own.why);
		r = 1;
		goto out;
	}
	if (r < 0) {
		snprintf(why, len, "%s", b ? b->why : own.why);
		goto out;
	}
	if (!readd) {
		r = b->ops->remove(b, &d);
		if (r < 0)
			snprintf(why, len, "%s", b->why);
		goto out;
	}
	r = mp_uevents_new(root, &u);
	if (r < 0) {
		snprintf(why, len, "cannot watch uevents: %s", strerror(-r));
		goto out;
	}
	o.type = MP_DEV_DIMM;
	o.addr = ref->addr;
	if (virtio_mem(b, ref->id)) {
		/* a virtio-mem device stays when it shrinks: it grows back */
		o.type = MP_DEV_VIRTIO_MEM;
		o.addr = 0;
		o.id = ref->id;
	}
	if (!strcmp(b->ops->name, "dax"))
		b->target = ref->id;	/* the instance, given to kmem again */
	r = b->ops->add(b, ref->size, &o, &d);
	if (r < 0) {
		snprintf(why, len, "%s", b->why);
		goto out;
	}
	r = mp_read_u64(root, MP_SYS_MEMORY "/block_size_bytes", 16, &bs);
	if (r == 0)
		r = mp_device_blocks(&d, bs, &first, &last);
	if (r == 0)
		r = mp_uevents_wait_blocks(u, first, last, true, timeout_ms);
	if (r < 0)
		snprintf(why, len, "added back as %s, but its blocks did not appear: %s", d.id,
			 strerror(-r));
out:
	mp_uevents_free(u);
	if (b == &own || (!b && own.ops))
		mp_backend_close(&own);
	return r;
}
