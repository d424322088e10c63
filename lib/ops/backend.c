// SPDX-License-Identifier: GPL-2.0-or-later
/* What every backend and its callers share; the table of backends is backends.c. */
#include "config.h"

#include <errno.h>

#include "ops/backend.h"

const char *mp_dev_type_name(enum mp_dev_type t)
{
	switch (t) {
	case MP_DEV_DIMM:
		return "dimm";
	case MP_DEV_VIRTIO_MEM:
		return "virtio-mem";
	case MP_DEV_ANY:
		return "any";
	default:
		return "other";
	}
}

int mp_device_blocks(const struct mp_device *d, uint64_t block_size, uint64_t *first,
		     uint64_t *last)
{
	if (!d->size || !block_size || d->addr + d->size - 1 < d->addr)
		return -EINVAL;
	*first = d->addr / block_size;
	*last = (d->addr + d->size - 1) / block_size;
	return 0;
}
