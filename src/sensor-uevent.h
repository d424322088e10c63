/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Memory uevents from the kernel (libudev's "kernel" netlink monitor, so no
 * udevd is needed), filtered to subsystem memory. An operation says which
 * events it expects; a missing or an extra one is a finding.
 */
#ifndef MEMPLUG_SENSOR_UEVENT_H
#define MEMPLUG_SENSOR_UEVENT_H

#include "checker.h"
#include "sensor.h"

enum mp_uevent_action { MP_UE_ADD, MP_UE_REMOVE, MP_UE_ONLINE, MP_UE_OFFLINE, MP_UE_OTHER };

struct mp_uevent {
	enum mp_uevent_action action;
	uint64_t block;		/* memoryN; UINT64_MAX when the device is not a block */
};

const char *mp_uevent_action_name(enum mp_uevent_action a);
enum mp_uevent_action mp_uevent_action_parse(const char *s);
/* "memory32" (or a devpath ending in it) to 32; -EINVAL otherwise. */
int mp_uevent_block(const char *devpath, uint64_t *block);

struct mp_uevent_mon;
int mp_uevent_start(struct mp_uevent_mon **out, struct mp_avail *avail);
/* Collect what arrived, waiting at most timeout_ms for the first. Returns the count. */
int mp_uevent_poll(struct mp_uevent_mon *mon, int timeout_ms);
/*
 * Wait until an event of that action arrives (for any block when *block
 * is UINT64_MAX on entry, else for that one), at most timeout_ms;
 * returns 0 with the block, -ETIMEDOUT, or -errno. The event is consumed.
 */
int mp_uevent_wait(struct mp_uevent_mon *mon, enum mp_uevent_action action, int timeout_ms,
		   uint64_t *block);
/*
 * Compare what was collected with what was expected (n events), then
 * forget both: each missing and each extra event is a uevent finding.
 */
int mp_uevent_verify(struct mp_uevent_mon *mon, const struct mp_uevent *expected, size_t n,
		     const char *step, struct mp_findings *out);
void mp_uevent_stop(struct mp_uevent_mon *mon);

#endif
