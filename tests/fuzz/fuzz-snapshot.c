// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A saved snapshot (memplug snapshot --save FILE, the baseline memplug check
 * reads): the input through json_tokener, mp_snapshot_from_json, then
 * back to JSON and its PFN runs.
 */
#include <assert.h>
#include <json-c/json.h>

#include "fuzz.h"
#include "sensors/sensor.h"
#include "sensors/snapshot.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_tokener *tok = json_tokener_new();
	struct mp_snapshot *s = NULL;
	struct mp_pfn_run *runs;
	struct json_object *o;

	if (!tok)
		abort();
	o = json_tokener_parse_ex(tok, (const char *)data, (int)size);
	json_tokener_free(tok);
	if (mp_snapshot_from_json(o, &s) == 0) {
		struct json_object *back = mp_snapshot_to_json(s);
		ssize_t n = mp_snapshot_runs(s, &runs);

		if (n >= 0) {
			for (ssize_t i = 0; i < n; i++)
				assert(runs[i].first <= runs[i].end);
			free(runs);
		}
		json_object_put(back);
		mp_snapshot_free(s);
	}
	json_object_put(o);
	return 0;
}
