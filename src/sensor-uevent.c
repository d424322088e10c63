// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <libudev.h>
#include <poll.h>
#include <string.h>
#include <time.h>

#include "sensor-uevent.h"

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

struct mp_uevent_mon {
	struct udev *udev;
	struct udev_monitor *mon;
	size_t n, cap;
	struct mp_uevent *seen;
};

int mp_uevent_start(struct mp_uevent_mon **out, struct mp_avail *avail)
{
	struct mp_uevent_mon *m = calloc(1, sizeof(*m));

	if (!m)
		return -ENOMEM;
	m->udev = udev_new();
	if (m->udev)
		m->mon = udev_monitor_new_from_netlink(m->udev, "kernel");
	if (!m->mon || udev_monitor_filter_add_match_subsystem_devtype(m->mon, "memory", NULL) < 0 ||
	    udev_monitor_enable_receiving(m->mon) < 0) {
		mp_avail_set(avail, false, "cannot listen to kernel uevents (netlink)");
		mp_uevent_stop(m);
		return -EPERM;
	}
	mp_avail_set(avail, true, "kernel netlink, subsystem memory");
	*out = m;
	return 0;
}

static int push(struct mp_uevent_mon *m, struct mp_uevent e)
{
	if (m->n == m->cap) {
		size_t cap = m->cap ? m->cap * 2 : 16;
		struct mp_uevent *nv = realloc(m->seen, cap * sizeof(*nv));

		if (!nv)
			return -ENOMEM;
		m->seen = nv;
		m->cap = cap;
	}
	m->seen[m->n++] = e;
	return 0;
}

int mp_uevent_poll(struct mp_uevent_mon *m, int timeout_ms)
{
	struct pollfd p = { .fd = udev_monitor_get_fd(m->mon), .events = POLLIN };
	int got = 0;

	while (poll(&p, 1, got ? 0 : timeout_ms) > 0) {
		struct udev_device *d = udev_monitor_receive_device(m->mon);
		struct mp_uevent e = { .block = UINT64_MAX };

		if (!d)
			break;
		e.action = mp_uevent_action_parse(udev_device_get_action(d));
		mp_uevent_block(udev_device_get_devpath(d), &e.block);
		udev_device_unref(d);
		if (push(m, e) < 0)
			return -ENOMEM;
		got++;
	}
	return got;
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int mp_uevent_wait(struct mp_uevent_mon *m, enum mp_uevent_action action, int timeout_ms,
		   uint64_t *block)
{
	long long end = now_ms() + timeout_ms;

	for (;;) {
		long long left;
		int r;

		for (size_t i = 0; i < m->n; i++) {
			if (m->seen[i].action != action ||
			    (*block != UINT64_MAX && m->seen[i].block != *block))
				continue;
			*block = m->seen[i].block;
			memmove(&m->seen[i], &m->seen[i + 1], (m->n - i - 1) * sizeof(*m->seen));
			m->n--;
			return 0;
		}
		left = end - now_ms();
		if (left <= 0)
			return -ETIMEDOUT;
		r = mp_uevent_poll(m, (int)left);
		if (r < 0)
			return r;
	}
}

int mp_uevent_verify(struct mp_uevent_mon *m, const struct mp_uevent *expected, size_t n,
		     const char *step, struct mp_findings *out)
{
	bool *used = calloc(m->n + 1, sizeof(*used));
	int r = 0;

	if (!used)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		bool found = false;

		for (size_t j = 0; j < m->n && !found; j++)
			if (!used[j] && m->seen[j].action == expected[i].action &&
			    m->seen[j].block == expected[i].block)
				found = used[j] = true;
		if (!found && !mp_findings_add(out, MP_FIND_UEVENT, (int64_t)expected[i].block, step,
					       "expected uevent %s of memory%" PRIu64 " did not come",
					       mp_uevent_action_name(expected[i].action),
					       expected[i].block)) {
			r = -ENOMEM;
			goto out;
		}
	}
	for (size_t j = 0; j < m->n; j++)
		if (!used[j] &&
		    !mp_findings_add(out, MP_FIND_UEVENT,
				     m->seen[j].block == UINT64_MAX ? -1 : (int64_t)m->seen[j].block,
				     step, "unexpected uevent %s",
				     mp_uevent_action_name(m->seen[j].action))) {
			r = -ENOMEM;
			goto out;
		}
out:
	free(used);
	m->n = 0;
	return r;
}

void mp_uevent_stop(struct mp_uevent_mon *m)
{
	if (!m)
		return;
	if (m->mon)
		udev_monitor_unref(m->mon);
	if (m->udev)
		udev_unref(m->udev);
	free(m->seen);
	free(m);
}
