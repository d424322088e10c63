// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/kpageflags and /proc/kpagecount words: the summary of a PFN range
 * (mp_kpf_summary_add, in pieces of the sizes the input's first byte sets,
 * then mp_kpc_summary_add and mp_kpf_summary_add_beyond). The classes of a
 * range add up to its pages, whatever the flags.
 */
#include <assert.h>
#include <string.h>

#include "fuzz.h"
#include "sensors/sensor.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mp_kpf_summary s;
	uint64_t *w, total = 0;
	size_t n, piece, beyond;

	if (size < 2)
		return 0;
	piece = 1 + data[0] % 64;
	beyond = data[1] % 8;
	n = (size - 2) / 8;
	w = malloc(n ? n * 8 : 1);
	if (!w)
		abort();
	memcpy(w, data + 2, n * 8);
	mp_kpf_summary_init(&s, 0x100000, n + beyond);
	for (size_t i = 0; i < n; i += piece)
		mp_kpf_summary_add(&s, w + i, n - i < piece ? n - i : piece);
	mp_kpc_summary_add(&s, w, n);
	mp_kpf_summary_add_beyond(&s, beyond);
	for (int c = 0; c < MP_KPC_COUNT; c++) {
		total += s.cls[c];
		assert(mp_kpf_class_name((enum mp_kpf_class)c));
	}
	assert(total == n + beyond);
	assert(s.self_hosted <= n);
	for (unsigned b = 0; b < 64; b++)
		mp_kpf_name(b);
	free(w);
	return 0;
}
