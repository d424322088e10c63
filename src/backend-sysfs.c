// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Backends that add memory from inside the machine through sysfs:
 *
 *   probe  /sys/devices/system/memory/probe takes the physical address of a
 *          block to add (CONFIG_ARCH_MEMORY_PROBE; Debian's kernels do not
 *          have it). Memory added that way cannot be removed from user
 *          space.
 *   dax    a device-dax instance (/sys/bus/dax/devices/daxX.Y) given to the
 *          kernel as System RAM by the kmem driver, and taken back by
 *          unbinding it (its blocks offline first); --qmp names the
 *          instance (default: the first one not bound to kmem). Where the
 *          kernel has the attribute, memmap_on_memory is left as the
 *          instance has it and reported.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "backend.h"
#include "timeout.h"

#define PROBE MP_SYS_MEMORY "/probe"
#define DAX_DEVS "/sys/bus/dax/devices"
#define KMEM "/sys/bus/dax/drivers/kmem"
#define DEVICE_DAX "/sys/bus/dax/drivers/device_dax"

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
		snprintf(be->why, sizeof(be->why), "probe needs --addr: the kernel does not choose");
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
		snprintf(be->why, sizeof(be->why), "write of %s to %s: %s", val, PROBE, strerror(-r));
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

static int dax_probe(struct mp_backend *be)
{
	if (mp_exists(be->root, DAX_DEVS) != 1) {
		snprintf(be->why, sizeof(be->why),
			 "no %s: no device-dax here (modules device_dax, dax_pmem, kmem)", DAX_DEVS);
		return -ENODEV;
	}
	if (mp_exists(be->root, KMEM) != 1) {
		snprintf(be->why, sizeof(be->why), "no %s: load the kmem module", KMEM);
		return -ENODEV;
	}
	return 0;
}

/* The instance's range from its resource and size attributes. */
static int dax_range(struct mp_backend *be, const char *name, struct mp_device *d)
{
	char path[160];
	int r;

	snprintf(path, sizeof(path), DAX_DEVS "/%s/resource", name);
	r = mp_read_u64(be->root, path, 16, &d->addr);
	if (r == 0) {
		snprintf(path, sizeof(path), DAX_DEVS "/%.63s/size", name);
		r = mp_read_u64(be->root, path, 10, &d->size);
	}
	if (r < 0 || !d->size)
		snprintf(be->why, sizeof(be->why), "%s: cannot read its resource and size", name);
	return r < 0 ? r : d->size ? 0 : -EBADMSG;
}

static bool bound_to(struct mp_backend *be, const char *name, const char *driver)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%.63s", driver, name);
	return mp_exists(be->root, path) == 1;
}

static int dax_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *o,
		   struct mp_device *out)
{
	char name[64] = "";
	DIR *d;
	struct dirent *de;
	int r;

	if (be->target) {
		snprintf(name, sizeof(name), "%s", be->target);
	} else {
		d = mp_opendir(be->root, DAX_DEVS);
		while (d && (de = readdir(d)))
			if (!strncmp(de->d_name, "dax", 3) && !bound_to(be, de->d_name, KMEM)) {
				snprintf(name, sizeof(name), "%.63s", de->d_name);
				break;
			}
		if (d)
			closedir(d);
	}
	if (!name[0] || strchr(name, '/')) {
		snprintf(be->why, sizeof(be->why), "no device-dax instance free for kmem");
		return -ENODEV;
	}
	memset(out, 0, sizeof(*out));
	out->type = MP_DEV_OTHER;
	out->node = -1;
	snprintf(out->id, sizeof(out->id), "%s", name);
	r = dax_range(be, name, out);
	if (r < 0)
		return r;
	if (size && size != out->size) {
		snprintf(be->why, sizeof(be->why), "%s holds %" PRIu64 " bytes, not %" PRIu64, name,
			 out->size, size);
		return -EINVAL;
	}
	if (bound_to(be, name, DEVICE_DAX)) {
		r = mp_write_str_timeout(be->root, DEVICE_DAX "/unbind", name,
					 (unsigned)be->timeout_ms, NULL);
		if (r < 0) {
			snprintf(be->why, sizeof(be->why), "unbind %s from device_dax: %s", name,
				 strerror(-r));
			return r;
		}
	}
	r = mp_write_str_timeout(be->root, KMEM "/new_id", name, (unsigned)be->timeout_ms, NULL);
	if (r < 0 && !bound_to(be, name, KMEM))
		r = mp_write_str_timeout(be->root, KMEM "/bind", name, (unsigned)be->timeout_ms, NULL);
	if (r < 0 && !bound_to(be, name, KMEM)) {
		snprintf(be->why, sizeof(be->why), "bind %s to kmem: %s", name, strerror(-r));
		return r;
	}
	return 0;
}

static int dax_remove(struct mp_backend *be, const struct mp_device *dev)
{
	int r;

	if (!bound_to(be, dev->id, KMEM)) {
		snprintf(be->why, sizeof(be->why), "%s is not bound to kmem", dev->id);
		return -EINVAL;
	}
	r = mp_write_str_timeout(be->root, KMEM "/unbind", dev->id, (unsigned)be->timeout_ms, NULL);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "unbind %s from kmem: %s (are its blocks offline?)",
			 dev->id, strerror(-r));
		return r;
	}
	return 0;
}

static int dax_query(struct mp_backend *be, struct mp_device **devs, size_t *n)
{
	DIR *d = mp_opendir(be->root, DAX_DEVS);
	struct mp_device *v = NULL;
	struct dirent *de;
	size_t nv = 0;

	while (d && (de = readdir(d))) {
		struct mp_device x = { .type = MP_DEV_OTHER, .node = -1 }, *nvp;

		if (strncmp(de->d_name, "dax", 3) || !bound_to(be, de->d_name, KMEM))
			continue;
		snprintf(x.id, sizeof(x.id), "%.63s", de->d_name);
		if (dax_range(be, de->d_name, &x) < 0)
			continue;
		nvp = realloc(v, (nv + 1) * sizeof(*v));
		if (!nvp)
			break;
		v = nvp;
		v[nv++] = x;
	}
	if (d)
		closedir(d);
	*devs = v;
	*n = nv;
	return 0;
}

const struct mp_backend_ops mp_backend_dax = {
	.name = "dax",
	.probe = dax_probe,
	.add = dax_add,
	.remove = dax_remove,
	.query = dax_query,
};
