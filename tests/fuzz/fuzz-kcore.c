// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kcore reader and page-table walker: the input is a 4-byte length,
 * that many bytes of /proc/kallsyms, then an ELF core image (seeds: the
 * synthetic kcore files of tests/unit/test-kcore.c, written with
 * MP_KCORE_SEED_DIR). kallsyms parsed, the image opened, the whole
 * vmemmap walked and a window of it spliced in, as the snapshot does.
 */
#include <assert.h>

#include "fuzz.h"
#include "sensors/kcore.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_ptdump pt = { 0 }, part = { 0 };
	struct mp_kcore k;
	struct mp_ksyms s;
	uint32_t n;
	char why[200];
	uint64_t at;

	if (size < 4)
		return 0;
	memcpy(&n, data, 4);
	if (n > size - 4)
		return 0;
	if (mp_kallsyms_parse((const char *)data + 4, n, &s) < 0)
		return 0;
	if (mp_kcore_open_mem(&k, data + 4 + n, size - 4 - n, why, sizeof(why)) < 0) {
		assert(memchr(why, '\0', sizeof(why)) && !strchr(why, '\n'));
		return 0;
	}
	if (mp_kcore_walk(&k, &s, 0, 0, &pt, why, sizeof(why)) == 0) {
		for (size_t i = 1; i < pt.n; i++)
			assert(pt.r[i].start == pt.r[i - 1].end);
		assert(mp_ptdump_same(&pt, &pt, 0, UINT64_MAX, &at));
		if (mp_kcore_walk(&k, &s, pt.base + (1u << 30), pt.base + (2u << 30), &part, why,
				  sizeof(why)) == 0 &&
		    mp_ptdump_splice(&pt, &part, pt.base + (1u << 30), pt.base + (2u << 30)) == 0)
			for (size_t i = 1; i < pt.n; i++)
				assert(pt.r[i].start >= pt.r[i - 1].start);
	} else {
		assert(pt.n == 0 && !strchr(why, '\n'));
	}
	mp_ptdump_clear(&pt);
	mp_ptdump_clear(&part);
	mp_kcore_close(&k);
	return 0;
}
