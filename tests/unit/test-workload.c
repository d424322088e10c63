// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The pressure workload's verifier on plain memory: every change the test
 * makes itself (one byte at a random offset, two pages swapped, a page
 * zeroed, a page duplicated) is caught at the byte the test changed; and a
 * workload child with no NUMA binding answers over its pipe.
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include "base/path.h"
#include "check-main.h"
#include "ops/workload.h"

#define PS 4096
#define NPAGES 64
#define LEN (PS * NPAGES)

static uint8_t *filled(uint64_t seed)
{
	uint8_t *b = aligned_alloc(PS, LEN);
	struct mp_wl_bad bad;

	ck_assert_ptr_nonnull(b);
	mp_wl_fill(b, LEN, PS, seed);
	ck_assert_int_eq(mp_wl_verify(b, LEN, PS, seed, &bad), 0);
	ck_assert_uint_eq(bad.bad_pages, 0);
	return b;
}

/* The verifier names the first wrong byte in page (the test changed it) and counts the pages. */
static void caught(const uint8_t *b, uint64_t seed, size_t page, uint64_t pages,
		   struct mp_wl_bad *bad)
{
	ck_assert_int_eq(mp_wl_verify(b, LEN, PS, seed, bad), -EILSEQ);
	ck_assert_uint_eq(bad->page, page);
	ck_assert_uint_eq(bad->offset / PS, page);
	ck_assert_uint_eq(bad->bad_pages, pages);
}

START_TEST(test_fill_verify)
{
	uint8_t *b = filled(42);
	struct mp_wl_bad bad;

	/* another seed is another pattern: every page reads wrong */
	ck_assert_int_eq(mp_wl_verify(b, LEN, PS, 43, &bad), -EILSEQ);
	ck_assert_uint_eq(bad.bad_pages, NPAGES);
	ck_assert_uint_eq(bad.offset, 0);
	free(b);
}
END_TEST

START_TEST(test_one_byte)
{
	unsigned seed = (unsigned)time(NULL) ^ (unsigned)getpid();

	for (int round = 0; round < 200; round++) {
		uint8_t *b = filled((uint64_t)round);
		size_t off = (size_t)rand_r(&seed) % LEN;
		uint8_t was = b[off], now = (uint8_t)(was ^ (1u << (rand_r(&seed) % 8)));
		struct mp_wl_bad bad;

		b[off] = now;
		ck_assert_int_eq(mp_wl_verify(b, LEN, PS, (uint64_t)round, &bad), -EILSEQ);
		ck_assert_msg(bad.offset == off, "changed byte %zu, verifier names %llu", off,
			      (unsigned long long)bad.offset);
		ck_assert_uint_eq(bad.page, off / PS);
		ck_assert_uint_eq(bad.expected, was);
		ck_assert_uint_eq(bad.found, now);
		ck_assert_uint_eq(bad.bad_pages, 1);
		free(b);
	}
}
END_TEST

START_TEST(test_swap_pages)
{
	uint8_t *b = filled(7), tmp[PS];
	struct mp_wl_bad bad;
	size_t p = 9, q = 41;

	memcpy(tmp, b + p * PS, PS);
	memcpy(b + p * PS, b + q * PS, PS);
	memcpy(b + q * PS, tmp, PS);
	caught(b, 7, p, 2, &bad);
	free(b);
}
END_TEST

START_TEST(test_zero_page)
{
	uint8_t *b = filled(0);
	struct mp_wl_bad bad;
	size_t p = NPAGES - 1;

	memset(b + p * PS, 0, PS);
	caught(b, 0, p, 1, &bad);
	ck_assert_uint_eq(bad.found, 0);
	free(b);
}
END_TEST

START_TEST(test_duplicate_page)
{
	uint8_t *b = filled(99);
	struct mp_wl_bad bad;

	/* page 3's contents appear again at page 4 (a migration copying the wrong source) */
	memcpy(b + 4 * PS, b + 3 * PS, PS);
	caught(b, 99, 4, 1, &bad);
	free(b);
}
END_TEST

START_TEST(test_kind_names)
{
	enum mp_wl_kind k;

	for (int i = 0; i < MP_WL_NKINDS; i++) {
		ck_assert_int_eq(mp_wl_kind_parse(mp_wl_kind_name((enum mp_wl_kind)i), &k), 0);
		ck_assert_int_eq(k, i);
	}
	ck_assert_int_eq(mp_wl_kind_parse("2m", &k), -EINVAL);
}
END_TEST

/* The child process on plain memory (node -1: no binding), as the runner drives it. */
START_TEST(test_child)
{
	struct mp_wl_opts o = { .kind = MP_WL_4K,
				.size = 1 << 20,
				.node = -1,
				.seed = 5,
				.timeout_ms = 30000 };
	struct mp_root *root;
	struct mp_wl *w;
	struct mp_wl_verdict v;
	struct mp_wl_place pl;
	char why[200] = "";

	ck_assert_int_eq(mp_root_new(NULL, &root), 0);
	ck_assert_int_eq(mp_wl_start(root, &o, &w, why, sizeof(why)), 0);
	ck_assert_uint_eq(mp_wl_bytes(w), 1 << 20);
	ck_assert_int_eq(mp_wl_check(w, &v, why, sizeof(why)), 0);
	ck_assert(!v.bad);
	ck_assert_uint_eq(v.bytes, 1 << 20);
	/* placement: PFNs only for root; the page count either way */
	ck_assert_int_eq(mp_wl_place(w, 0, UINT64_MAX, &pl, why, sizeof(why)), 0);
	ck_assert_uint_eq(pl.pages, (1 << 20) / (uint64_t)sysconf(_SC_PAGESIZE));
	ck_assert(pl.have_pfns ? pl.in_range == pl.present : pl.in_range == 0);
	mp_wl_stop(w);
	/* no size: refused before any fork */
	o.size = 0;
	ck_assert_int_eq(mp_wl_start(root, &o, &w, why, sizeof(why)), -EINVAL);
	ck_assert_ptr_null(w);
	mp_root_free(root);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("workload");
	TCase *tc = tcase_create("verify");

	tcase_add_test(tc, test_fill_verify);
	tcase_add_test(tc, test_one_byte);
	tcase_add_test(tc, test_swap_pages);
	tcase_add_test(tc, test_zero_page);
	tcase_add_test(tc, test_duplicate_page);
	tcase_add_test(tc, test_kind_names);
	tcase_add_test(tc, test_child);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
