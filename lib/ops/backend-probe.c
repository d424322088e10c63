// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The probe backend: /sys/devices/system/memory/probe takes the physical
 * address of a block to add (CONFIG_ARCH_MEMORY_PROBE; Debian's kernels do
 * not have it). Memory added that way cannot be removed from user space.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/timeout.h"
#include "ops/backend.h"

#define PROBE MP_SYS_MEMORY "/probe"

static int probe_probe(struct mp_backend *be)
{
	if (mp_exists(be->root, PROBE) != 1) {
		snprintf(be->why, sizeof(be->why),
			 "no %s: the kernel is built without CONFIG_ARCH_MEMORY_PROBE", PROBE);
		return -ENODEV;
	}
	return 0;
}

static int probe_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *o,
		     struct mp_device *out)
{
	char val[32];
	uint64_t bs;
	int r;

	if (!o->addr) {
		snprintf(be->why, sizeof(be->why),
			 "probe needs --addr: the kernel does not choose");
		return -EINVAL;
	}
	r = mp_read_u64(be->root, MP_SYS_MEMORY "/block_size_bytes", 16, &bs);
	if (r < 0 || !bs || size != bs || o->addr % bs) {
		snprintf(be->why, sizeof(be->why),
			 "probe adds one block at a time, at a block-aligned address");
		return -EINVAL;
	}
	snprintf(val, sizeof(val), "0x%" PRIx64, o->addr);
	r = mp_write_str_timeout(be->root, PROBE, val, (unsigned)be->timeout_ms, NULL);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "write of %s to %s: %s", val, PROBE,
			 strerror(-r));
		return r;
	}
	*out = (struct mp_device){ .type = MP_DEV_OTHER, .addr = o->addr, .size = size, .node = -1 };
	snprintf(out->id, sizeof(out->id), "probe-0x%" PRIx64, o->addr);
	return 0;
}

static int probe_remove(struct mp_backend *be, const struct mp_device *dev)
{
	snprintf(be->why, sizeof(be->why),
		 "memory added through the probe file cannot be removed from user space");
	return -EOPNOTSUPP;
}

const struct mp_backend_ops mp_backend_probe = {
	.name = "probe",
	.probe = probe_probe,
	.add = probe_add,
	.remove = probe_remove,
};
