// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/iomem as mp_origins_read() takes it: mp_iomem_origins() with the
 * block size the first byte picks, then mp_origin_of() on a few blocks.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "sensors/origin.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint64_t sizes[] = { 128u << 20, 1, 16u << 20, 2ull << 30 };
	struct mp_origin *o = NULL;
	size_t n = 0;
	uint64_t bs;

	if (!size)
		return 0;
	bs = sizes[data[0] % 4];
	if (mp_iomem_origins((const char *)data + 1, size - 1, bs, &o, &n) < 0)
		abort();
	for (size_t i = 0; i < n; i++) {
		assert(o[i].first <= o[i].last);
		assert(mp_origin_of(o, n, o[i].first) && mp_origin_of(o, n, o[i].last));
		assert(!strcmp(o[i].device, "kmem") || !strcmp(o[i].device, "virtio_mem"));
	}
	mp_origin_of(o, n, 0);
	mp_origin_of(o, n, UINT64_MAX);
	free(o);
	return 0;
}
