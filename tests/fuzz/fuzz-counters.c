// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/meminfo, nodeN/meminfo and /proc/vmstat: mp_meminfo_parse, mp_vmstat_parse. */
#include <assert.h>

#include "fuzz.h"
#include "sensors/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_counters c = { 0 };
	uint64_t v;

	if (mp_meminfo_parse((const char *)data, size, &c) == 0) {
		for (size_t i = 0; i < c.n; i++)
			assert(mp_counters_get(&c, c.v[i].name, &v) == 0);
		mp_counters_get(&c, "MemFree", &v);
	}
	mp_counters_clear(&c);
	if (mp_vmstat_parse((const char *)data, size, &c) == 0) {
		for (size_t i = 0; i < c.n; i++)
			assert(mp_counters_get(&c, c.v[i].name, &v) == 0);
		mp_counters_val(&c, "nr_memmap_pages", 0);
	}
	mp_counters_clear(&c);
	return 0;
}
