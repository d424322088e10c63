// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <libudev.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>

#include "base/timeout.h"
#include "sensors/uevent.h"

#define MP_UEVENT_MAX 4096

static const char *const action_names[] = { "add", "remove", "online", "offline", "other" };

const char *mp_uevent_action_name(enum mp_uevent_action a)
{
	return (unsigned)a < ARRAY_SIZE(action_names) ? action_names[a] : "other";
}

enum mp_uevent_action mp_uevent_action_parse(const char *s)
{
	for (unsigned i = 0; i < MP_UE_OTHER; i++)
		if (s && !strcmp(s, action_names[i]))
			return (enum mp_uevent_action)i;
	return MP_UE_OTHER;
}

int mp_uevent_block(const char *devpath, uint64_t *block)
{
	const char *name = devpath ? strrchr(devpath, '/') : NULL;

	name = name ? name + 1 : devpath;
	if (!name || strncmp(name, "memory", 6) || !name[6])
		return -EINVAL;
	return mp_parse_u64(name + 6, 10, block);
}

struct mp_uevents {
	const struct mp_root *root;
	struct udev *udev;
	struct udev_monitor *mon;
	struct mp_uevent_rec *ev;
	size_t nev;
};

int mp_uevents_new(const struct mp_root *root, struct mp_uevents **out)
{
	struct mp_uevents *u = calloc(1, sizeof(*u));
	int r = 0;

	if (!u)
		return -ENOMEM;
	u->root = root;
	u->ev = calloc(MP_UEVENT_MAX, sizeof(*u->ev));
	if (!u->ev) {
		free(u);
		return -ENOMEM;
	}
	if (!mp_root_is_sysroot(root)) {
		u->udev = udev_new();
		if (u->udev)
			u->mon = udev_monitor_new_from_netlink(u->udev, "kernel");
		if (!u->mon)
			r = -errno ? -errno : -ENOSYS;
		else if (udev_monitor_filter_add_match_subsystem_devtype(u->mon, "memory", NULL) <
				 0 ||
			 udev_monitor_enable_receiving(u->mon) < 0)
			r = -EIO;
		if (r < 0) {
			mp_uevents_free(u);
			return r;
		}
	}
	*out = u;
	return 0;
}

void mp_uevents_free(struct mp_uevents *u)
{
	if (!u)
		return;
	if (u->mon)
		udev_monitor_unref(u->mon);
	if (u->udev)
		udev_unref(u->udev);
	free(u->ev);
	free(u);
}

/* Take what the socket holds now, without blocking. */
static void drain(struct mp_uevents *u)
{
	struct udev_device *d;

	if (!u->mon)
		return;
	while ((d = udev_monitor_receive_device(u->mon))) {
		const char *name = udev_device_get_sysname(d);
		const char *action = udev_device_get_action(d);
		const char *seq = udev_device_get_property_value(d, "SEQNUM");
		struct mp_uevent_rec e = { 0 };

		if (name && action && mp_uevent_block(name, &e.block) == 0 &&
		    u->nev < MP_UEVENT_MAX) {
			snprintf(e.action, sizeof(e.action), "%s", action);
			if (seq)
				mp_parse_u64(seq, 10, &e.seq);
			u->ev[u->nev++] = e;
		}
		udev_device_unref(d);
	}
}

/* Whether a present block's node link is there yet (or nodes are not). */
static bool node_linked(struct mp_uevents *u, uint64_t b)
{
	char path[96];
	struct dirent *de;
	bool linked = false;
	DIR *d;

	if (mp_exists(u->root, MP_SYS_NODE) != 1)
		return true;
	snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64, b);
	d = mp_opendir(u->root, path);
	if (!d)
		return false;
	while (!linked && (de = readdir(d)))
		linked = !strncmp(de->d_name, "node", 4) && de->d_name[4] >= '0' &&
			 de->d_name[4] <= '9';
	closedir(d);
	return linked;
}

/*
 * A hot-added block is there once its node link is: the kernel creates the
 * block device first (the "add" uevent) and only then sets its node
 * (register_memory_blocks_under_node()). Reading valid_zones in between
 * makes zone_for_pfn_range() use node -1: Debian's 6.12.95 oopses on it.
 */
static bool blocks_as_wanted(struct mp_uevents *u, uint64_t first, uint64_t last, bool present)
{
	for (uint64_t b = first; b <= last; b++) {
		char path[96];

		snprintf(path, sizeof(path), MP_SYS_MEMORY "/memory%" PRIu64 "/state", b);
		if ((mp_exists(u->root, path) == 1) != present)
			return false;
		if (present && !node_linked(u, b))
			return false;
	}
	return true;
}

int mp_uevents_wait_blocks(struct mp_uevents *u, uint64_t first, uint64_t last, bool want_present,
			   unsigned timeout_ms)
{
	uint64_t end = mp_now_ns() + (uint64_t)timeout_ms * 1000000ULL;

	for (;;) {
		struct pollfd pfd;
		uint64_t now;
		int left, r;

		drain(u);
		if (blocks_as_wanted(u, first, last, want_present))
			return 0;
		now = mp_now_ns();
		if (now >= end)
			return -ETIMEDOUT;
		left = (int)((end - now) / 1000000ULL) + 1;
		if (!u->mon) {
			/* a recorded tree sends no events: look again now and then */
			poll(NULL, 0, left < 50 ? left : 50);
			continue;
		}
		/* an event is the moment to look again; a quiet 200 ms too */
		pfd.fd = udev_monitor_get_fd(u->mon);
		pfd.events = POLLIN;
		r = poll(&pfd, 1, left < 200 ? left : 200);
		if (r < 0 && errno != EINTR)
			return -errno;
	}
}

size_t mp_uevents_take(struct mp_uevents *u, struct mp_uevent_rec *out, size_t max)
{
	size_t n;

	drain(u);
	n = u->nev < max ? u->nev : max;
	memcpy(out, u->ev, n * sizeof(*out));
	memmove(u->ev, u->ev + n, (u->nev - n) * sizeof(*u->ev));
	u->nev -= n;
	return n;
}

int mp_uevents_compare(struct mp_uevents *u, const struct mp_uevent *expected, size_t n,
		       struct mp_uevent_diff *d)
{
	_cleanup_free_ bool *used = NULL;

	drain(u);
	memset(d, 0, sizeof(*d));
	used = calloc(u->nev + 1, sizeof(*used));
	d->missing = calloc(n + 1, sizeof(*d->missing));
	d->extra = calloc(u->nev + 1, sizeof(*d->extra));
	if (!used || !d->missing || !d->extra) {
		mp_uevent_diff_clear(d);
		return -ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < u->nev && !found; j++)
			if (!used[j] &&
			    mp_uevent_action_parse(u->ev[j].action) == expected[i].action &&
			    u->ev[j].block == expected[i].block)
				found = used[j] = true;
		if (!found)
			d->missing[d->nmissing++] = expected[i];
	}
	for (size_t j = 0; j < u->nev; j++)
		if (!used[j])
			d->extra[d->nextra++] = u->ev[j];
	u->nev = 0;
	return 0;
}

void mp_uevent_diff_clear(struct mp_uevent_diff *d)
{
	free(d->missing);
	free(d->extra);
	memset(d, 0, sizeof(*d));
}
