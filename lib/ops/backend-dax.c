// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The dax backend: a device-dax instance (/sys/bus/dax/devices/daxX.Y)
 * given to the kernel as System RAM by the kmem driver, and taken back by
 * unbinding it (its blocks offline first) and binding it to device_dax
 * again; --qmp names the instance (default: the first one not bound to
 * kmem). The device is the instance's range cut to whole memory blocks, as
 * kmem adds it. Where the kernel has the attribute (6.8), memmap_on_memory
 * is set as asked, journaled, and reported.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/timeout.h"
#include "ops/backend.h"

#define DAX_DEVS "/sys/bus/dax/devices"
#define KMEM "/sys/bus/dax/drivers/kmem"
#define DEVICE_DAX "/sys/bus/dax/drivers/device_dax"

static int dax_probe(struct mp_backend *be)
{
	if (mp_exists(be->root, DAX_DEVS) != 1) {
		snprintf(be->why, sizeof(be->why),
			 "no %s: no device-dax here (modules device_dax, dax_pmem, kmem)",
			 DAX_DEVS);
		return -ENODEV;
	}
	if (mp_exists(be->root, KMEM) != 1) {
		snprintf(be->why, sizeof(be->why), "no %s: load the kmem module", KMEM);
		return -ENODEV;
	}
	return 0;
}

/*
 * The part of the instance kmem gives the kernel: its resource and size
 * attributes, the start rounded up and the end down to whole memory blocks
 * (what dev_dax_kmem_probe() adds), and its target_node.
 */
static int dax_range(struct mp_backend *be, const char *name, struct mp_device *d)
{
	uint64_t start, size, bs, end, node;
	char path[160];
	int r;

	snprintf(path, sizeof(path), DAX_DEVS "/%.63s/resource", name);
	r = mp_read_u64(be->root, path, 16, &start);
	if (r == 0) {
		snprintf(path, sizeof(path), DAX_DEVS "/%.63s/size", name);
		r = mp_read_u64(be->root, path, 10, &size);
	}
	if (r == 0)
		r = mp_read_u64(be->root, MP_SYS_MEMORY "/block_size_bytes", 16, &bs);
	if (r < 0 || !bs || !size || start + size < start) {
		snprintf(be->why, sizeof(be->why), "%.63s: cannot read its resource and size",
			 name);
		return r < 0 ? r : -EBADMSG;
	}
	end = (start + size) / bs * bs;
	start = (start + bs - 1) / bs * bs;
	if (end <= start) {
		snprintf(be->why, sizeof(be->why), "%.63s holds no whole memory block", name);
		return -EINVAL;
	}
	d->addr = start;
	d->size = end - start;
	snprintf(path, sizeof(path), DAX_DEVS "/%.63s/target_node", name);
	d->node = mp_read_u64(be->root, path, 10, &node) == 0 && node < 4096 ? (int)node : -1;
	return 0;
}

static bool bound_to(struct mp_backend *be, const char *name, const char *driver)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/%.63s", driver, name);
	return mp_exists(be->root, path) == 1;
}

/* Write the instance name to a driver's file (bind, unbind, new_id, remove_id). */
static int drv_write(struct mp_backend *be, const char *driver, const char *file, const char *name)
{
	char path[256];

	snprintf(path, sizeof(path), "%s/%s", driver, file);
	return mp_write_str_timeout(be->root, path, name, (unsigned)be->timeout_ms, NULL);
}

/* Hand the instance to driver: new_id (the dax bus binds on it), else bind. */
static int dax_bind(struct mp_backend *be, const char *name, const char *driver)
{
	int r = drv_write(be, driver, "new_id", name);

	if (bound_to(be, name, driver))
		return 0;
	r = drv_write(be, driver, "bind", name);
	if (bound_to(be, name, driver))
		return 0;
	snprintf(be->why, sizeof(be->why), "bind %.63s to %s: %s", name, strrchr(driver, '/') + 1,
		 strerror(r < 0 ? -r : ENODEV));
	return r < 0 ? r : -ENODEV;
}

/* Where the kernel has the attribute: set it as asked (journaled), and say what it is. */
static int dax_memmap(struct mp_backend *be, const char *name, const struct mp_add_opts *o)
{
	char path[160], val[8] = "";
	int r;

	snprintf(path, sizeof(path), DAX_DEVS "/%.63s/memmap_on_memory", name);
	if (mp_exists(be->root, path) != 1) {
		if (o->memmap_on_memory < 0)
			return 0;
		snprintf(be->why, sizeof(be->why),
			 "%.63s has no memmap_on_memory attribute: the kernel predates it", name);
		return -EOPNOTSUPP;
	}
	if (o->memmap_on_memory >= 0) {
		if (!o->set_attr) {
			snprintf(be->why, sizeof(be->why), "cannot journal %s", path);
			return -EINVAL;
		}
		r = o->set_attr(o->userdata, path, o->memmap_on_memory ? "1" : "0", be->why,
				sizeof(be->why));
		if (r < 0)
			return r;
	}
	if (mp_read_str(be->root, path, val, sizeof(val)) > 0)
		mp_logf(be->log, MP_LOG_INFO, "%s: memmap_on_memory %s", name, mp_rstrip(val));
	return 0;
}

static int dax_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *o,
		   struct mp_device *out)
{
	char name[64] = "", h[32], h2[32];
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
	if (!name[0] || strchr(name, '/') || !strcmp(name, "..")) {
		snprintf(be->why, sizeof(be->why), "no device-dax instance free for kmem");
		return -ENODEV;
	}
	memset(out, 0, sizeof(*out));
	out->type = MP_DEV_OTHER;
	snprintf(out->id, sizeof(out->id), "%s", name);
	r = dax_range(be, name, out);
	if (r < 0)
		return r;
	if (size && size != out->size) {
		snprintf(be->why, sizeof(be->why), "%s gives %s in whole blocks, not %s", name,
			 mp_human_size(out->size, h, sizeof(h)),
			 mp_human_size(size, h2, sizeof(h2)));
		return -EINVAL;
	}
	if (bound_to(be, name, KMEM)) {
		snprintf(be->why, sizeof(be->why), "%s is already bound to kmem", name);
		return -EBUSY;
	}
	if (bound_to(be, name, DEVICE_DAX)) {
		r = drv_write(be, DEVICE_DAX, "unbind", name);
		if (r < 0) {
			snprintf(be->why, sizeof(be->why), "unbind %s from device_dax: %s", name,
				 strerror(-r));
			return r;
		}
	}
	/* the attribute can change only while kmem does not hold the instance */
	r = dax_memmap(be, name, o);
	if (r == 0)
		r = dax_bind(be, name, KMEM);
	if (r < 0 && !bound_to(be, name, DEVICE_DAX)) {
		char why[sizeof(be->why)];

		/* as it was; the first reason stays */
		memcpy(why, be->why, sizeof(why));
		dax_bind(be, name, DEVICE_DAX);
		memcpy(be->why, why, sizeof(why));
	}
	return r;
}

/* Give the instance back to device_dax: kmem removes its memory (blocks offline first). */
static int dax_remove(struct mp_backend *be, const struct mp_device *dev)
{
	char why[sizeof(be->why)];
	int r;

	if (!bound_to(be, dev->id, KMEM)) {
		snprintf(be->why, sizeof(be->why), "%s is not bound to kmem", dev->id);
		return -EINVAL;
	}
	r = drv_write(be, KMEM, "unbind", dev->id);
	if (r < 0) {
		snprintf(be->why, sizeof(be->why),
			 "unbind %s from kmem: %s (are its blocks offline?)", dev->id,
			 strerror(-r));
		return r;
	}
	/* kmem keeps the id from new_id: drop it, so that a rescan does not bind it again */
	drv_write(be, KMEM, "remove_id", dev->id);
	r = dax_bind(be, dev->id, DEVICE_DAX);
	if (r < 0) {
		snprintf(why, sizeof(why), "%s", be->why);
		snprintf(be->why, sizeof(be->why), "%s left kmem, but: %.400s", dev->id, why);
	}
	return r;
}

static int dax_query(struct mp_backend *be, struct mp_device **devs, size_t *n)
{
	DIR *d = mp_opendir(be->root, DAX_DEVS);
	struct mp_device *v = NULL;
	struct dirent *de;
	size_t nv = 0;

	while (d && (de = readdir(d))) {
		struct mp_device x = { .type = MP_DEV_OTHER }, *nvp;

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
