/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Backends: the ways to add and remove memory. Each is a small table of
 * operations on one struct mp_backend; the runner, device undo (device.c)
 * and the command line call them without knowing which one it is.
 *
 *   qmp    pc-dimm and virtio-mem through QEMU's QMP, from the host or from
 *          inside the guest over the org.qemu.qmp virtio-serial port
 *   acpi   an ACPI eject of a DIMM from inside the guest (backend-acpi.c)
 *   dax    a device-dax instance given to kmem and taken back (backend-dax.c)
 *   probe  the probe file (CONFIG_ARCH_MEMORY_PROBE; backend-probe.c)
 *
 * Conventions: 0 or -errno; a failure leaves a one-line reason in be->why
 * that the caller can print as it is. Every operation is bounded by
 * be->timeout_ms of wall-clock time. Nothing prints, nothing exits.
 */
#ifndef MEMPLUG_BACKEND_H
#define MEMPLUG_BACKEND_H

#include <stdint.h>

#include "base/log.h"
#include "base/path.h"

enum mp_dev_type {
	MP_DEV_ANY = 0, /* in mp_add_opts: the backend's default */
	MP_DEV_DIMM,	/* pc-dimm (QMP type "dimm") */
	MP_DEV_VIRTIO_MEM,
	MP_DEV_OTHER, /* nvdimm, virtio-pmem, sgx-epc, ...: listed, not driven */
};

/* "dimm", "virtio-mem", "other" */
const char *mp_dev_type_name(enum mp_dev_type t);

/*
 * One piece of hot-pluggable memory, as a backend added it or as a query
 * lists it.
 *
 * For a pc-dimm: addr and size are the DIMM's range.
 * For virtio-mem: addr is the start of the device's region (max_size long);
 * in a query, size is what the guest has plugged; as the result of add(),
 * size is what that add() plugged, and remove() of it unplugs that much
 * again (requested-size goes down by size).
 */
struct mp_device {
	enum mp_dev_type type;
	char id[64];	 /* the device id (QEMU's "id"; "" when it has none) */
	char memdev[64]; /* its memory backend object, without "/objects/" */
	uint64_t addr;	 /* first byte */
	uint64_t size;	 /* bytes */
	int node;	 /* NUMA node, -1 unknown */
	/* virtio-mem only */
	uint64_t requested_size, max_size, block_size;
};

/*
 * The memory blocks [*first, *last] that [addr, addr + size) touches, for
 * the kernel's block_size. -EINVAL when size or block_size is 0.
 */
int mp_device_blocks(const struct mp_device *d, uint64_t block_size, uint64_t *first,
		     uint64_t *last);

struct mp_add_opts {
	enum mp_dev_type type; /* MP_DEV_ANY: the backend's default (qmp: dimm) */
	uint64_t addr;	       /* 0: the backend (QEMU) chooses */
	int node;	       /* -1: default */
	const char *id;	       /* virtio-mem: the device to grow; NULL: the first one */
	int memmap_on_memory;  /* dax: set the instance's attribute to 0 or 1; -1: keep */
	/*
	 * Changes a setting for the backend, journaled so that it is written
	 * back at the end (mp_session_set_attr); NULL: the backend changes none.
	 */
	int (*set_attr)(void *userdata, const char *path, const char *value, char *why, size_t len);
	void *userdata;
};
#define MP_ADD_OPTS_INIT                                                                       \
	{                                                                                      \
		.type = MP_DEV_ANY, .addr = 0, .node = -1, .id = NULL, .memmap_on_memory = -1, \
		.set_attr = NULL, .userdata = NULL                                             \
	}

struct mp_backend;

struct mp_backend_ops {
	const char *name;
	/* Can this backend work here? 0, or -errno with be->why. May connect. */
	int (*probe)(struct mp_backend *be);
	/* Add size bytes; *out describes what was added. */
	int (*add)(struct mp_backend *be, uint64_t size, const struct mp_add_opts *opts,
		   struct mp_device *out);
	/* Remove what add() added (or what query() listed). */
	int (*remove)(struct mp_backend *be, const struct mp_device *dev);
	/* List the devices; *devs is malloc'ed (free()). May be NULL. */
	int (*query)(struct mp_backend *be, struct mp_device **devs, size_t *n);
	/* Free priv. */
	void (*close)(struct mp_backend *be);
};

struct mp_backend {
	const struct mp_backend_ops *ops;
	const struct mp_root *root; /* borrowed; /dev and /sys are found through it */
	const struct mp_log *log;   /* borrowed */
	const char *target;	    /* backend-specific; qmp: socket or port path, NULL = find */
	int timeout_ms;		    /* bound on one operation */
	void *priv;		    /* the backend's state */
	char why[512];		    /* one-line reason of the last failure */
};

/* ---- the table of backends (backends.c) ---- */

/* The backend of that name, or NULL. */
const struct mp_backend_ops *mp_backend_find(const char *name);

/* Set up be (nothing is opened until the first operation). -ENOENT: no such backend. */
int mp_backend_init(struct mp_backend *be, const char *name, const struct mp_root *root,
		    const struct mp_log *log, const char *target, int timeout_ms);
/*
 * Set up be and probe it: whether it can work here. On failure be is closed
 * again with the reason in be->why (be->ops NULL when there is no backend of
 * that name). Returns 0 or -errno.
 */
int mp_backend_open(struct mp_backend *be, const char *name, const struct mp_root *root,
		    const struct mp_log *log, const char *target, int timeout_ms);
/* Release what the backend holds (be->why stays); be can be initialised again. */
void mp_backend_close(struct mp_backend *be);

extern const struct mp_backend_ops mp_backend_qmp;
extern const struct mp_backend_ops mp_backend_acpi;
extern const struct mp_backend_ops mp_backend_dax;
extern const struct mp_backend_ops mp_backend_probe;

/* ---- pieces of the qmp backend, for tests and for callers holding a connection ---- */
struct mp_qmp;
struct json_object;

/*
 * QEMU's DIMM slots (query-acpi-ospm-status): how many, how many without a
 * device. 0, or -errno with be->why (a QEMU without ACPI memory hotplug).
 */
int mp_qmp_dimm_slots(struct mp_backend *be, unsigned *free_slots, unsigned *total);

/* Make be use the connection q (taking it over) instead of opening one. */
int mp_backend_qmp_attach(struct mp_backend *be, struct mp_qmp *q);

/*
 * Parse the "return" of query-memory-devices. -EBADMSG with why for a
 * reply of the wrong shape.
 */
int mp_qmp_parse_memory_devices(struct json_object *ret, struct mp_device **devs, size_t *n,
				char *why, size_t len);

#endif
