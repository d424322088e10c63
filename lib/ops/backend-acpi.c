// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The acpi backend: remove hot-plugged memory from inside the guest by
 * ejecting its ACPI memory device (PNP0C80), the way a button press would.
 * The device is the one whose physical_node links name the blocks; the
 * kernel offlines them itself and fails the eject when it cannot (OST 0x82
 * on the QEMU side). ACPI cannot add memory: that takes the platform (qmp).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/timeout.h"
#include "ops/backend.h"
#include "sensors/origin.h"
#include "sensors/uevent.h"

static int acpi_probe(struct mp_backend *be)
{
	if (mp_exists(be->root, "/sys/bus/acpi/devices") != 1) {
		snprintf(be->why, sizeof(be->why), "no ACPI here (/sys/bus/acpi/devices)");
		return -ENODEV;
	}
	return 0;
}

static int acpi_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *opts,
		    struct mp_device *out)
{
	snprintf(be->why, sizeof(be->why),
		 "ACPI can eject memory but not add it; add with --backend qmp");
	return -EOPNOTSUPP;
}

static int block_size(struct mp_backend *be, uint64_t *bs)
{
	int r = mp_read_u64(be->root, MP_SYS_MEMORY "/block_size_bytes", 16, bs);

	if (r < 0 || !*bs) {
		snprintf(be->why, sizeof(be->why), "cannot read block_size_bytes");
		return r < 0 ? r : -EBADMSG;
	}
	return 0;
}

/* List the ACPI memory devices with the range their blocks cover. */
static int acpi_query(struct mp_backend *be, struct mp_device **devs, size_t *n)
{
	struct mp_origin *o = NULL;
	struct mp_device *v = NULL;
	size_t nv = 0;
	uint64_t bs;
	ssize_t no;
	int r;

	r = block_size(be, &bs);
	if (r < 0)
		return r;
	no = mp_origins_read(be->root, bs, &o);
	if (no < 0)
		return (int)no;
	for (ssize_t i = 0; i < no; i++) {
		size_t k;

		if (strncmp(o[i].device, "PNP0C80:", 8))
			continue;
		for (k = 0; k < nv && strcmp(v[k].id, o[i].device); k++)
			;
		if (k == nv) {
			struct mp_device *nd = realloc(v, (nv + 1) * sizeof(*nd));

			if (!nd) {
				free(v);
				free(o);
				return -ENOMEM;
			}
			v = nd;
			memset(&v[nv], 0, sizeof(v[nv]));
			v[nv].type = MP_DEV_DIMM;
			v[nv].node = -1;
			snprintf(v[nv].id, sizeof(v[nv].id), "%s", o[i].device);
			v[nv].addr = o[i].first * bs;
			v[nv].size = bs;
			nv++;
			continue;
		}
		/* grow the range to cover this block too */
		{
			uint64_t lo = v[k].addr < o[i].first * bs ? v[k].addr : o[i].first * bs;
			uint64_t hi = v[k].addr + v[k].size > (o[i].first + 1) * bs
					      ? v[k].addr + v[k].size
					      : (o[i].first + 1) * bs;

			v[k].addr = lo;
			v[k].size = hi - lo;
		}
	}
	free(o);
	*devs = v;
	*n = nv;
	return 0;
}

static int acpi_remove(struct mp_backend *be, const struct mp_device *dev)
{
	struct mp_uevents *u = NULL;
	char path[128];
	uint64_t bs, first, last;
	int r;

	if (strncmp(dev->id, "PNP0C80:", 8) || strchr(dev->id, '/')) {
		snprintf(be->why, sizeof(be->why), "%s is not an ACPI memory device", dev->id);
		return -EINVAL;
	}
	r = block_size(be, &bs);
	if (r < 0)
		return r;
	r = mp_device_blocks(dev, bs, &first, &last);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "%s: no range", dev->id);
		return r;
	}
	r = mp_uevents_new(be->root, &u);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "cannot watch uevents: %s", strerror(-r));
		return r;
	}
	snprintf(path, sizeof(path), "/sys/bus/acpi/devices/%s/eject", dev->id);
	r = mp_write_str_timeout(be->root, path, "1", (unsigned)be->timeout_ms, NULL);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "eject of %s: %s", dev->id, strerror(-r));
		goto out;
	}
	/* the eject runs in the kernel's hotplug work: wait for the blocks to go */
	r = mp_uevents_wait_blocks(u, first, last, false, (unsigned)be->timeout_ms);
	if (r < 0)
		snprintf(be->why, sizeof(be->why),
			 "%s ejected but memory%" PRIu64 "-%" PRIu64 " still there after %d ms "
			 "(blocks that cannot be offlined make the eject fail)",
			 dev->id, first, last, be->timeout_ms);
out:
	mp_uevents_free(u);
	return r;
}

const struct mp_backend_ops mp_backend_acpi = {
	.name = "acpi",
	.probe = acpi_probe,
	.add = acpi_add,
	.remove = acpi_remove,
	.query = acpi_query,
};
