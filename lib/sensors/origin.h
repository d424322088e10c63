/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Which blocks belong to memory that can be hot-removed: an ACPI memory
 * device (PNP0C80, whose physical_node links name its blocks), a dax device
 * given to the kernel by kmem or a virtio-mem device (their "System RAM
 * (kmem)" and "System RAM (virtio_mem)" resources in /proc/iomem). Everything
 * else was there at boot and is refused for offline without consent.
 */
#ifndef MEMPLUG_ORIGIN_H
#define MEMPLUG_ORIGIN_H

#include <stddef.h>
#include <stdint.h>

#include "base/path.h"

struct mp_origin {
	uint64_t first, last; /* the blocks [first, last] (one for an ACPI device) */
	char device[32];      /* "PNP0C80:00", "kmem", "virtio_mem" */
};

/* Fill *out (to free) with the hot-pluggable blocks; returns the count or -errno. */
ssize_t mp_origins_read(const struct mp_root *root, uint64_t block_size, struct mp_origin **out);

/*
 * Append the hot-pluggable ranges of a /proc/iomem text (top-level "System
 * RAM (kmem)" and "System RAM (virtio_mem)" resources) to *v, *n. Lines of
 * other shapes are ignored. Returns 0 or -ENOMEM; block_size must not be 0.
 */
int mp_iomem_origins(const char *buf, size_t len, uint64_t block_size, struct mp_origin **v,
		     size_t *n);

/* The device of a block in a list from mp_origins_read(), or NULL. */
const char *mp_origin_of(const struct mp_origin *o, size_t n, uint64_t block);

#endif
