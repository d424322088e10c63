// SPDX-License-Identifier: GPL-2.0-or-later
/* The journal file that memplug restore reads back: mp_journal_parse(). */
#include <assert.h>
#include <errno.h>
#include <string.h>

#include "fuzz.h"
#include "ops/session.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_journal_entry *e;
	char why[256] = "";
	size_t n;
	int r = mp_journal_parse((const char *)data, size, &e, &n, why, sizeof(why));

	if (r < 0) {
		assert(r == -EBADMSG || r == -ENOMEM);
		assert(!strncmp(why, "journal line ", 13));
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		assert(e[i].kind == MP_J_STATE || e[i].kind == MP_J_DEVICE ||
		       e[i].kind == MP_J_REMOVED || e[i].kind == MP_J_ATTR);
		assert(e[i].kind != MP_J_ATTR || (strstr(e[i].path, "/..") == NULL &&
						  strlen(e[i].value) < sizeof(e[i].value)));
		assert(strlen(e[i].zone) < sizeof(e[i].zone));
		assert(strlen(e[i].dev.id) < sizeof(e[i].dev.id));
		assert(e[i].kind != MP_J_STATE || e[i].state != MP_STATE_UNKNOWN);
	}
	free(e);
	return 0;
}
