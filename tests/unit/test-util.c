// SPDX-License-Identifier: GPL-2.0-or-later
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "base/util.h"
#include "check-main.h"

START_TEST(test_parse_u64)
{
	uint64_t v;

	ck_assert_int_eq(mp_parse_u64("8000000\n", 16, &v), 0);
	ck_assert_uint_eq(v, 0x8000000);
	ck_assert_int_eq(mp_parse_u64("0x8000000", 16, &v), 0);
	ck_assert_uint_eq(v, 134217728);
	ck_assert_int_eq(mp_parse_u64("42", 10, &v), 0);
	ck_assert_uint_eq(v, 42);
	ck_assert_int_eq(mp_parse_u64("18446744073709551615", 10, &v), 0);
	ck_assert_uint_eq(v, UINT64_MAX);
	ck_assert_int_eq(mp_parse_u64("18446744073709551616", 10, &v), -ERANGE);
	ck_assert_int_eq(mp_parse_u64("", 10, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64("-1", 10, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64("+1", 10, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64("12 34", 10, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64("zz", 16, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64("0x", 16, &v), -EINVAL);
	ck_assert_int_eq(mp_parse_u64(NULL, 10, &v), -EINVAL);
}
END_TEST

START_TEST(test_parse_size)
{
	uint64_t v;

	ck_assert_int_eq(mp_parse_size("128M", &v), 0);
	ck_assert_uint_eq(v, 128ULL << 20);
	ck_assert_int_eq(mp_parse_size("1G", &v), 0);
	ck_assert_uint_eq(v, 1ULL << 30);
	ck_assert_int_eq(mp_parse_size("2GiB", &v), 0);
	ck_assert_uint_eq(v, 2ULL << 30);
	ck_assert_int_eq(mp_parse_size("4096", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(mp_parse_size("0x1000", &v), 0);
	ck_assert_uint_eq(v, 4096);
	ck_assert_int_eq(mp_parse_size("16E", &v), -ERANGE);
	ck_assert_int_eq(mp_parse_size("1Q", &v), -EINVAL);
	ck_assert_int_eq(mp_parse_size("M", &v), -EINVAL);
	ck_assert_int_eq(mp_parse_size("1MB2", &v), -EINVAL);
	ck_assert_int_eq(mp_parse_size("-1M", &v), -EINVAL);
}
END_TEST

/* lsmem's rounding: three digits after the point, rounded half up to one. */
START_TEST(test_human_size)
{
	char b[32];

	ck_assert_str_eq(mp_human_size(0, b, sizeof(b)), "0B");
	ck_assert_str_eq(mp_human_size(1023, b, sizeof(b)), "1023B");
	ck_assert_str_eq(mp_human_size(1024, b, sizeof(b)), "1K");
	ck_assert_str_eq(mp_human_size(1536, b, sizeof(b)), "1.5K");
	ck_assert_str_eq(mp_human_size(128ULL << 20, b, sizeof(b)), "128M");
	/* 23 blocks of 128M = 2.875G, shown by lsmem as 2.9G */
	ck_assert_str_eq(mp_human_size(23 * (128ULL << 20), b, sizeof(b)), "2.9G");
	/* 1048575 B = 1023.999K rounds up into the next integer */
	ck_assert_str_eq(mp_human_size(1048575, b, sizeof(b)), "1024K");
	ck_assert_str_eq(mp_human_size(UINT64_MAX, b, sizeof(b)), "16E");
}
END_TEST

START_TEST(test_rstrip)
{
	char s[] = "online \n\t";

	ck_assert_str_eq(mp_rstrip(s), "online");
}
END_TEST

int main(void)
{
	Suite *s = suite_create("util");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, test_parse_u64);
	tcase_add_test(tc, test_parse_size);
	tcase_add_test(tc, test_human_size);
	tcase_add_test(tc, test_rstrip);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
