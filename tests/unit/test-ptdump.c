// SPDX-License-Identifier: GPL-2.0-or-later
/* The vmemmap page tables of tests/fixtures/steps (ptdump/), step by step. */
#include <check.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "check-main.h"
#include "fixture.h"
#include "sensors/sensor.h"

#define MiB (UINT64_C(1) << 20)
/* tests/fixtures/steps/README.md: no KASLR, vmemmap at 0xffffea0000000000; 128 MiB blocks */
#define BASE UINT64_C(0xffffea0000000000)
#define BLOCK_PAGES 32768

static void load(const char *kind, int step, struct mp_ptdump *pt, struct mp_pfn_run *runs,
		 size_t *nruns)
{
	char rel[256], *text, *p;
	size_t len;

	snprintf(rel, sizeof(rel), "ptdump/%s/%s/ptdump-kernel.txt", kind, fx_steps[step]);
	text = fx_slurp(rel, &len);
	ck_assert_int_eq(mp_ptdump_parse(text, len, pt), 0);
	free(text);
	/* present blocks, merged into runs, straight from the step's blocks file */
	snprintf(rel, sizeof(rel), "ptdump/%s/%s/blocks", kind, fx_steps[step]);
	text = fx_slurp(rel, &len);
	*nruns = 0;
	for (p = text; (p = strstr(p, "memory")); p += 6) {
		uint64_t id = strtoull(p + 6, NULL, 10);

		if (*nruns && runs[*nruns - 1].end == id * BLOCK_PAGES)
			runs[*nruns - 1].end += BLOCK_PAGES;
		else
			runs[(*nruns)++] =
				(struct mp_pfn_run){ id * BLOCK_PAGES, (id + 1) * BLOCK_PAGES };
	}
	free(text);
}

START_TEST(test_parse_steps)
{
	static const char *const kinds[] = { "struct-page-64", "struct-page-80" };

	for (int k = 0; k < 2; k++) {
		struct mp_ptdump pt = { 0 };
		struct mp_pfn_run runs[16];
		size_t nruns;

		load(kinds[k], _i, &pt, runs, &nruns);
		ck_assert_uint_eq(pt.base, BASE);
		ck_assert_int_eq(pt.r[0].level, MP_PT_PMD);
		ck_assert(pt.r[0].mapped);
		ck_assert_int_eq(pt.r[pt.n - 1].level, MP_PT_PGD);
		ck_assert(!pt.r[pt.n - 1].mapped);
		mp_ptdump_clear(&pt);
	}
}
END_TEST

/* The shared PMD at vmemmap + 82..84 MiB: mapped with A, with B, stays
 * after A goes (B uses it), goes with B (tests/fixtures/steps/README.md). */
START_TEST(test_shared_pmd)
{
	static const bool mapped[] = { false, true, true, true, false };
	struct mp_ptdump pt = { 0 };
	struct mp_pfn_run runs[16];
	size_t nruns;

	load("struct-page-80", _i, &pt, runs, &nruns);
	ck_assert_uint_eq(mp_ptdump_mapped(&pt, BASE + 82 * MiB, BASE + 84 * MiB),
			  mapped[_i] ? 2 * MiB : 0);
	/* A's memmap, 80 .. 82.5 MiB: mapped only while A exists */
	ck_assert_uint_eq(mp_ptdump_mapped(&pt, BASE + 80 * MiB, BASE + 82 * MiB),
			  _i == 1 || _i == 2 ? 2 * MiB : 0);
	mp_ptdump_clear(&pt);
}
END_TEST

/* With a hot-added block present, only the true size fits the page tables. */
START_TEST(test_struct_page_fit)
{
	static const char *const kinds[] = { "struct-page-64", "struct-page-80" };
	static const unsigned size[] = { 64, 80 };

	for (int k = 0; k < 2; k++) {
		struct mp_ptdump pt = { 0 };
		struct mp_pfn_run runs[16];
		unsigned fits[32];
		size_t nruns, n;

		load(kinds[k], _i, &pt, runs, &nruns);
		n = mp_struct_page_fit(&pt, runs, nruns, fits, 32);
		ck_assert_msg(n >= 1, "%s step %d: nothing fits", kinds[k], _i);
		if (_i >= 1 && _i <= 3) {
			ck_assert_msg(n == 1, "%s step %d: %zu sizes fit", kinds[k], _i, n);
			ck_assert_uint_eq(fits[0], size[k]);
		} else {
			/* boot memory alone: the PMD rounding leaves more than one */
			bool has = false;

			for (size_t i = 0; i < n; i++)
				has |= fits[i] == size[k];
			ck_assert(has);
		}
		mp_ptdump_clear(&pt);
	}
}
END_TEST

/* A correct kernel: no mapping is left that no present block explains. */
START_TEST(test_nothing_unexplained)
{
	static const char *const kinds[] = { "struct-page-64", "struct-page-80" };
	static const unsigned size[] = { 64, 80 };

	for (int k = 0; k < 2; k++) {
		struct mp_ptdump pt = { 0 };
		struct mp_pfn_run runs[16];
		struct mp_pt_range out[8];
		size_t nruns;

		load(kinds[k], _i, &pt, runs, &nruns);
		ck_assert_int_eq(mp_ptdump_unexplained(&pt, size[k], runs, nruns, out, 8), 0);
		mp_ptdump_clear(&pt);
	}
}
END_TEST

/* Step 4 doctored: the shared PMD line kept. Exactly that PMD is left. */
START_TEST(test_doctored_leak)
{
	static const char kept[] =
		"0xffffea0005200000-0xffffea0005400000           2M     RW         PSE     GLB NX pmd\n";
	struct mp_ptdump pt = { 0 };
	struct mp_pfn_run runs[16];
	struct mp_pt_range out[8];
	size_t nruns, len;
	char *text = fx_slurp("ptdump/struct-page-80/4-after-remove-B/ptdump-kernel.txt", &len);
	char *doc = malloc(len + sizeof(kept) + 200), *at;
	const char *hole = "0xffffea0000a00000-0xffffea0040000000";

	/* split the hole 10M..1G around the kept PMD */
	at = strstr(text, hole);
	ck_assert_ptr_nonnull(at);
	memcpy(doc, text, (size_t)(at - text));
	sprintf(doc + (at - text),
		"0xffffea0000a00000-0xffffea0005200000          72M                               pmd\n"
		"%s"
		"0xffffea0005400000-0xffffea0040000000         940M                               pmd\n"
		"%s",
		kept, strchr(at, '\n') + 1);
	ck_assert_int_eq(mp_ptdump_parse(doc, strlen(doc), &pt), 0);
	{
		struct mp_ptdump orig = { 0 };

		load("struct-page-80", 4, &orig, runs, &nruns);
		mp_ptdump_clear(&orig);
	}
	ck_assert_int_eq(mp_ptdump_unexplained(&pt, 80, runs, nruns, out, 8), 1);
	ck_assert_uint_eq(out[0].start, BASE + 82 * MiB);
	ck_assert_uint_eq(out[0].end, BASE + 84 * MiB);
	ck_assert_int_eq(out[0].level, MP_PT_PMD);
	mp_ptdump_clear(&pt);
	free(doc);
	free(text);
}
END_TEST

START_TEST(test_bad)
{
	struct mp_ptdump pt = { 0 };
	static const char nosec[] = "---[ Kernel Space ]---\n0x0-0x1000 4K RW pte\n";
	static const char badline[] = "---[ Vmemmap ]---\nhello\n";
	static const char arm[] =
		"---[ vmemmap start ]---\n"
		"0xfffffc0000000000-0xfffffc0000200000   2M PMD   RW NX SHD AF BLK UXN\n"
		"0xfffffc0000200000-0xfffffc0040000000 1022M PMD\n"
		"---[ vmemmap end ]---\n";

	ck_assert_int_eq(mp_ptdump_parse(nosec, strlen(nosec), &pt), -ENOENT);
	ck_assert_int_eq(mp_ptdump_parse(badline, strlen(badline), &pt), -EBADMSG);
	ck_assert_int_eq(mp_ptdump_parse(arm, strlen(arm), &pt), 0);
	ck_assert_uint_eq(pt.n, 2);
	ck_assert_uint_eq(pt.base, UINT64_C(0xfffffc0000000000));
	ck_assert(pt.r[0].mapped && !pt.r[1].mapped);
	mp_ptdump_clear(&pt);
}
END_TEST

/*
 * Mapped ranges that claim the whole top of the address space, in 4 KiB
 * entries or ending at 2^64: walked run by run, they end at once (the walk
 * granule by granule took 2^40 steps, or never ended when x + g wrapped).
 */
START_TEST(test_unexplained_huge)
{
	struct mp_pt_range r[2] = {
		{ UINT64_C(0xffff800000000000), UINT64_C(0xfffffffffffff000), MP_PT_PTE, true },
		{ UINT64_C(0xfffffffffffff000), UINT64_MAX, MP_PT_PMD, true },
	};
	struct mp_ptdump pt = { .base = UINT64_C(0xffff800000000000), .n = 2, .r = r };
	const struct mp_pfn_run runs[] = { { 0, 0x8000 }, { 0x100000, 0x108000 } };
	struct mp_pt_range out[8];
	ssize_t n = mp_ptdump_unexplained(&pt, 64, runs, 2, out, 8);

	ck_assert_int_eq(n, 3);
	ck_assert_uint_eq(out[0].start, UINT64_C(0xffff800000000000) + 0x8000 * 64);
	ck_assert_uint_eq(out[0].end, UINT64_C(0xffff800000000000) + 0x100000 * 64);
	ck_assert_uint_eq(out[1].start, UINT64_C(0xffff800000000000) + 0x108000 * 64);
	ck_assert_uint_eq(out[1].end, UINT64_C(0xfffffffffffff000));
	ck_assert_uint_eq(out[2].end, UINT64_MAX);
}
END_TEST

static Suite *suite(void)
{
	Suite *s = suite_create("ptdump");
	TCase *tc = tcase_create("ptdump");

	tcase_add_loop_test(tc, test_parse_steps, 0, 5);
	tcase_add_loop_test(tc, test_shared_pmd, 0, 5);
	tcase_add_loop_test(tc, test_struct_page_fit, 0, 5);
	tcase_add_loop_test(tc, test_nothing_unexplained, 0, 5);
	tcase_add_test(tc, test_doctored_leak);
	tcase_add_test(tc, test_bad);
	tcase_add_test(tc, test_unexplained_huge);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	return mp_check_run(suite());
}
