// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel log, as /dev/kmsg records or dmesg text: mp_kmsg_scan and
 * the findings the checker makes of its records, and mp_kmsg_record plus
 * mp_kmsg_classify on every line.
 */
#include <assert.h>
#include <string.h>

#include "checks/checker.h"
#include "fuzz.h"
#include "sensors/kmsg.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	struct mp_kmsg_log log = { 0 };
	struct mp_findings f = { 0 };
	size_t pos = 0;

	mp_kmsg_scan(buf, size, &log);
	mp_check_kmsg_records(&log, "fuzz", &f);
	mp_kmsg_log_clear(&log);
	mp_findings_clear(&f);
	while (pos < size) {
		const char *nl = memchr(buf + pos, '\n', size - pos), *msg;
		size_t ll = nl ? (size_t)(nl - buf - pos) : size - pos, mlen;

		if (mp_kmsg_record(buf + pos, ll, &msg, &mlen)) {
			assert(msg >= buf + pos && msg + mlen <= buf + pos + ll);
			mp_kmsg_classify(msg, mlen);
		}
		pos += ll + 1;
	}
	return 0;
}
