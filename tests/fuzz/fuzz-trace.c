// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * A run's trace file (memplug run writes it, a replay reads it back):
 * mp_trace_parse, and each step formatted again.
 */
#include <assert.h>
#include <stdio.h>

#include "fuzz.h"
#include "runner/trace.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_trace t = { 0 };
	char why[256] = "", line[512];
	FILE *f;

	if (mp_trace_parse((const char *)data, size, &t, why, sizeof(why)) == 0) {
		for (size_t i = 0; i < t.n; i++)
			mp_trace_format_step(&t.steps[i], line, sizeof(line));
		f = fopen("/dev/null", "w");
		if (f) {
			mp_trace_write_header(f, &t.h);
			fclose(f);
		}
	} else {
		assert(why[0]);
	}
	mp_trace_clear(&t);
	return 0;
}
