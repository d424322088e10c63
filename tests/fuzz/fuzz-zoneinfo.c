// SPDX-License-Identifier: GPL-2.0-or-later
/* /proc/zoneinfo: mp_zoneinfo_parse, then mp_zoneinfo_find on every zone. */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "sensors/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_zoneinfo zi = { 0 };

	if (mp_zoneinfo_parse((const char *)data, size, &zi) == 0) {
		for (size_t i = 0; i < zi.n; i++) {
			assert(strlen(zi.z[i].name) < MP_ZONE_NAME_LEN);
			assert(mp_zoneinfo_find(&zi, zi.z[i].node, zi.z[i].name));
		}
		mp_zoneinfo_find(&zi, 0, "Movable");
	}
	mp_zoneinfo_clear(&zi);
	return 0;
}
