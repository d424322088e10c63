/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Kernel uevents of the memory subsystem, through libudev's netlink monitor
 * on the "kernel" group: it sees raw kernel events with or without udevd,
 * as in a bare initramfs. Operations start a monitor before they act and then
 * wait for the events they expect, with a timeout, instead of sleeping; as a
 * sensor, the events collected are compared with those an operation expects
 * (mp_uevents_compare): the missing and the extra ones, which the checker
 * makes findings of.
 */
#ifndef MEMPLUG_UEVENT_H
#define MEMPLUG_UEVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "base/path.h"
#include "base/util.h"

struct mp_uevent_rec {
	char action[16]; /* add, remove, online, offline, change */
	uint64_t block;	 /* N of memoryN */
	uint64_t seq;	 /* SEQNUM */
};

struct mp_uevents;

enum mp_uevent_action { MP_UE_ADD, MP_UE_REMOVE, MP_UE_ONLINE, MP_UE_OFFLINE, MP_UE_OTHER };

/* An event an operation expects. */
struct mp_uevent {
	enum mp_uevent_action action;
	uint64_t block; /* memoryN */
};

const char *mp_uevent_action_name(enum mp_uevent_action a);
enum mp_uevent_action mp_uevent_action_parse(const char *s);
/* "memory32" (or a devpath ending in it) to 32; -EINVAL otherwise. */
int mp_uevent_block(const char *devpath, uint64_t *block);

/*
 * Start listening. On a recorded tree (--sysroot) there are no events and
 * waits look at the files only. Returns 0 or -errno.
 */
int mp_uevents_new(const struct mp_root *root, struct mp_uevents **out);
void mp_uevents_free(struct mp_uevents *u);

/*
 * Wait until every block in [first, last] is present (want_present) or gone,
 * as the memory folder shows it, taking add/remove events as the moments to
 * look again; at most timeout_ms. Returns 0, -ETIMEDOUT or -errno.
 */
int mp_uevents_wait_blocks(struct mp_uevents *u, uint64_t first, uint64_t last, bool want_present,
			   unsigned timeout_ms);

/* The events received so far (and not yet taken), oldest first. */
size_t mp_uevents_take(struct mp_uevents *u, struct mp_uevent_rec *out, size_t max);

/* The events that came other than expected. */
struct mp_uevent_diff {
	size_t nmissing, nextra;
	struct mp_uevent *missing;   /* expected and did not come, in the order expected */
	struct mp_uevent_rec *extra; /* came and were not expected, oldest first */
};

/*
 * Take the events received so far and compare them with the n expected,
 * each event matching one expected at most. Returns 0 or -ENOMEM (the
 * events then left to take).
 */
int mp_uevents_compare(struct mp_uevents *u, const struct mp_uevent *expected, size_t n,
		       struct mp_uevent_diff *d);
void mp_uevent_diff_clear(struct mp_uevent_diff *d);
#define _cleanup_uevent_diff_ _cleanup_(mp_uevent_diff_clear)

#endif
