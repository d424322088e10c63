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
#include <sys/types.h>

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

/*
 * The physical ranges that /proc/iomem names "System RAM" (any such name,
 * at any depth: "System RAM (virtio_mem)" sits inside its device's range),
 * sorted and merged. A boot block may reach past them into a hole with no
 * memmap at all (arm64's virt machine: memory0 spans a 64 MiB hole before
 * the flash that edk2 reports), so its PFNs there read NOPAGE.
 */
struct mp_ram_range {
	uint64_t first, last; /* bytes, inclusive */
};
/*
 * Fill *out (to free) from the text of /proc/iomem; returns the count, 0
 * where it names no System RAM with an address (0-0 without CAP_SYS_ADMIN),
 * or -ENOMEM.
 */
ssize_t mp_iomem_ram(const char *buf, size_t len, struct mp_ram_range **out);
/* The same from the live (or sysroot's) /proc/iomem; 0 where unreadable. */
ssize_t mp_iomem_ram_read(const struct mp_root *root, struct mp_ram_range **out);
/* The bytes of [first, first + size) outside every range of r. */
uint64_t mp_ram_holes(const struct mp_ram_range *r, size_t n, uint64_t first, uint64_t size);

/* The device of a block in a list from mp_origins_read(), or NULL. */
const char *mp_origin_of(const struct mp_origin *o, size_t n, uint64_t block);

#endif
