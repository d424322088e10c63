// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The kernel page-table dump (debugfs page_tables/kernel): mp_ptdump_parse,
 * then what the checker asks of it: mapped bytes, the mappings no present
 * PFN explains, and the sizes of struct page that fit.
 */
#include <assert.h>

#include "fuzz.h"
#include "sensors/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct mp_pfn_run runs[] = { { 0, 0x8000 }, { 0x100000, 0x110000 } };
	struct mp_ptdump pt = { 0 };
	struct mp_pt_range out[16];
	unsigned fits[32];
	ssize_t n;

	if (mp_ptdump_parse((const char *)data, size, &pt) == 0) {
		for (size_t i = 1; i < pt.n; i++)
			assert(pt.r[i].start >= pt.r[i - 1].start);
		mp_ptdump_mapped(&pt, pt.base, pt.base + (1ull << 30));
		mp_ptdump_mapped(&pt, 0, UINT64_MAX);
		n = mp_ptdump_unexplained(&pt, 64, runs, 2, out, 16);
		assert(n <= 16);
		n = mp_ptdump_unexplained(&pt, 80, runs, 2, out, 16);
		assert(n <= 16);
		assert(mp_struct_page_fit(&pt, runs, 2, fits, 32) <= 32);
	}
	mp_ptdump_clear(&pt);
	return 0;
}
