/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Devices that bring memory: added and removed through a backend, journaled,
 * their blocks awaited through the kernel's uevents; and those changes undone.
 */
#ifndef MEMPLUG_DEVICE_H
#define MEMPLUG_DEVICE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/log.h"
#include "base/path.h"
#include "ops/backend.h"
#include "ops/session.h"

/* Where an add or a remove stopped. */
enum mp_device_stage {
	MP_DEVICE_DONE,	   /* changed, its blocks came or went */
	MP_DEVICE_WATCH,   /* the uevent monitor did not start: nothing changed */
	MP_DEVICE_JOURNAL, /* the removal could not be journaled: nothing changed */
	MP_DEVICE_BACKEND, /* the backend failed (be->why): nothing changed */
	MP_DEVICE_RANGE,   /* changed, but which blocks is not known */
	MP_DEVICE_WAIT,	   /* changed, but its blocks did not come or go in time */
};

/* What became of an add or a remove. */
struct mp_device_change {
	enum mp_device_stage stage;
	struct mp_device dev; /* what was added, or removed */
	uint64_t first, last; /* its blocks, from MP_DEVICE_WAIT on */
	uint64_t nblocks;     /* virtio-mem: how many of first..last came or went */
	int journal_err;      /* add: -errno when the journal missed the device (it stays added) */
	char why[640];	      /* the reason, a line to print as it is */
};

/*
 * Add size bytes through be (open and probed) and wait up to timeout_ms for
 * the new blocks, watching uevents from before the add. With s the device is
 * journaled as soon as it is there, so that restore removes it. Returns 0,
 * or -errno with c->stage and c->why saying where and why it stopped.
 */
int mp_device_add(struct mp_backend *be, struct mp_session *s, uint64_t size,
		  const struct mp_add_opts *o, unsigned timeout_ms, struct mp_device_change *c);

/*
 * Remove d through be and wait up to timeout_ms for its blocks to go. With s,
 * a device the session added has that add marked undone once it is gone;
 * readd journals the removal first, so that restore adds the device back.
 * Returns 0, or -errno with c->stage and c->why.
 */
int mp_device_remove(struct mp_backend *be, struct mp_session *s, const struct mp_device *d,
		     bool readd, unsigned timeout_ms, struct mp_device_change *c);

/*
 * Undo a journaled device change through the backend ref names: remove
 * what was added, or (readd) add back what was removed — a DIMM at its
 * address, an ACPI eject through QMP, a dax instance to kmem — and wait
 * for its blocks. be: an open backend, used when it is the one named (else
 * one is set up and closed here). Returns 0, 1 when the device cannot be
 * added back here (no QMP for an ACPI eject; why says so), or -errno with
 * the reason in why.
 */
int mp_device_undo(struct mp_backend *be, const struct mp_root *root, const struct mp_log *log,
		   unsigned timeout_ms, bool readd, const struct mp_device_ref *ref, char *why,
		   size_t len);

/*
 * Whether the kernel sees pc-dimms: 1 when it has ACPI memory hotplug, 0
 * when not, with why saying what is missing (or what it has).
 */
int mp_dimm_kernel(const struct mp_root *root, char *why, size_t len);

/*
 * The kind of device memplug's adds plug through be (qmp, open): want when
 * it is MP_DEV_DIMM or MP_DEV_VIRTIO_MEM (-ENODEV with the reason in how
 * when it cannot work here); for MP_DEV_ANY chosen from what the kernel and
 * QEMU offer: a pc-dimm when the kernel has ACPI memory hotplug and QEMU a
 * free DIMM slot, else virtio-mem when QEMU has a virtio-mem device.
 * how: one line saying what taught the choice.
 */
int mp_device_type_choose(struct mp_backend *be, enum mp_dev_type want, enum mp_dev_type *out,
			  char *how, size_t len);

#endif
