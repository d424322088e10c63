// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The "return" of query-memory-devices: the input through json_tokener as
 * the QMP client does, then mp_qmp_parse_memory_devices() and
 * mp_device_blocks() on every device.
 */
#include <assert.h>
#include <json-c/json.h>
#include <string.h>

#include "fuzz.h"
#include "ops/backend.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct json_object *o;
	struct mp_device *d;
	char why[256] = "";
	size_t n;

	if (!tok || size > 1 << 20)
		abort();
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (mp_qmp_parse_memory_devices(o, &d, &n, why, sizeof(why)) == 0) {
		for (size_t i = 0; i < n; i++) {
			uint64_t first, last;

			assert(strlen(d[i].id) < sizeof(d[i].id));
			if (mp_device_blocks(&d[i], 128u << 20, &first, &last) == 0)
				assert(first <= last);
		}
		free(d);
	} else {
		assert(why[0]);
	}
	json_object_put(o);
	return 0;
}
