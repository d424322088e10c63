// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The word and number parsers every sysfs file and argument goes through:
 * mp_parse_u64 (bases 0, 10, 16), mp_parse_size, mp_state_parse,
 * mp_zones_valid, mp_rstrip, mp_human_size on what they return, and the
 * uevent words (mp_uevent_action_parse, mp_uevent_block).
 */
#include <assert.h>
#include <string.h>

#include "base/util.h"
#include "fuzz.h"
#include "sensors/block.h"
#include "sensors/uevent.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), human[32];
	static const int bases[] = { 0, 10, 16 };
	enum mp_state st;
	uint64_t v;

	for (size_t i = 0; i < sizeof(bases) / sizeof(bases[0]); i++)
		if (mp_parse_u64(s, bases[i], &v) == 0)
			mp_human_size(v, human, sizeof(human));
	if (mp_parse_size(s, &v) == 0) {
		mp_human_size(v, human, sizeof(human));
		assert(strlen(human) < sizeof(human) - 1);
	}
	st = mp_state_parse(s);
	assert(st == MP_STATE_UNKNOWN || !strcmp(mp_state_name(st), s));
	if (mp_zones_valid(s))
		assert(s[0] != ' ' && s[strlen(s) - 1] != ' ' && !strstr(s, "  "));
	mp_uevent_action_parse(s);
	mp_uevent_block(s, &v);
	mp_rstrip(s);
	free(s);
	return 0;
}
