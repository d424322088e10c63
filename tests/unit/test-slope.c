// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The churn leak heuristic: the least-squares slope of free pages over
 * cycles and the verdict on it. Every expected number is worked out by hand
 * from the series beside it (x is the cycle 0..n-1; mx, my the means; dx, dy
 * the deviations from them; slope = Sdxdy / Sdxdx, r2 = Sdxdy^2 / (Sdxdx Sdydy)).
 */
#include <check.h>
#include <errno.h>
#include <stdint.h>

#include "check-main.h"
#include "checks/slope.h"

#define TOL 1e-9

static void fit(const uint64_t *y, size_t n, struct mp_slope *f)
{
	ck_assert_int_eq(mp_slope_fit(y, n, f), 0);
	ck_assert_uint_eq(f->n, n);
}

/* The fit of y is that line; leak: the finding's text, or NULL for none. */
static void expect(const uint64_t *y, size_t n, double slope, double intercept, double r2,
		   const char *leak)
{
	struct mp_slope f;
	char what[200] = "";

	fit(y, n, &f);
	ck_assert_double_eq_tol(f.slope, slope, TOL);
	ck_assert_double_eq_tol(f.intercept, intercept, TOL);
	ck_assert_double_eq_tol(f.r2, r2, TOL);
	ck_assert_int_eq(mp_slope_leak(&f, what, sizeof(what)), (leak != NULL));
	ck_assert_str_eq(what, leak ? leak : "");
}

#define PMD_10 "free pages fall by 512 pages a cycle over 10 cycles (R^2 1.00), about a PMD"

START_TEST(test_fit_small)
{
	/* mx 1, my 12; dy -2 0 2: Sdxdy 4, Sdxdx 2, Sdydy 8 */
	static const uint64_t up[] = { 10, 12, 14 };
	/* mx 1, my 2; dy -1 1 0: Sdxdy 1, Sdxdx 2, Sdydy 2 */
	static const uint64_t zig[] = { 1, 3, 2 };
	/* mx 1.5, my 7; dx -1.5 -0.5 0.5 1.5, dy 2 0 1 -3: Sdxdy -7, Sdxdx 5, Sdydy 14 */
	static const uint64_t down[] = { 9, 7, 8, 4 };

	expect(up, 3, 2, 10, 1, NULL);
	expect(zig, 3, 0.5, 1.5, 0.25, NULL);  /* 2 - 0.5 * 1; 1 / (2 * 2) */
	expect(down, 4, -1.4, 9.1, 0.7, NULL); /* -7 / 5; 7 + 1.4 * 1.5; 49 / 70 */
}
END_TEST

START_TEST(test_leak_pmd)
{
	/* 512 pages (2 MiB) kept every cycle, over 10 cycles */
	static const uint64_t y[] = { 1000000, 999488, 998976, 998464, 997952,
				      997440,  996928, 996416, 995904, 995392 };

	expect(y, 10, -512, 1000000, 1, PMD_10);
}
END_TEST

START_TEST(test_leak_pmd_noisy)
{
	/*
	 * The same with noise +100 -100 0 0 0 0 0 0 -100 +100: it sums to 0
	 * and is the same read backwards, so Sdx*noise is 0 and the slope stays
	 * -512. Sdxdx 82.5 (2 * (0.25 + 2.25 + 6.25 + 12.25 + 20.25)), and
	 * Sdydy = 512^2 * 82.5 + 4 * 100^2 = 21626880 + 40000.
	 */
	static const uint64_t y[] = { 1000100, 999388, 998976, 998464, 997952,
				      997440,  996928, 996416, 995804, 995492 };

	expect(y, 10, -512, 1000000, 21626880.0 / 21666880.0, PMD_10);
}
END_TEST

START_TEST(test_flat_noisy)
{
	/* up and down by 200 to 300 pages, the same read backwards: no slope at all */
	static const uint64_t y[] = { 1000300, 999700, 1000200, 999800, 1000000,
				      1000000, 999800, 1000200, 999700, 1000300 };

	expect(y, 10, 0, 1000000, 0, NULL);
}
END_TEST

START_TEST(test_falling_but_noisy)
{
	/*
	 * 300 pages a cycle under noise +500 -500 +500 -500 -500 +500 -500 +500
	 * (sums to 0, the same backwards): slope -300, Sdxdx 42, and
	 * r2 = 300^2 * 42 / (300^2 * 42 + 8 * 500^2) = 3780000 / 5780000,
	 * below 0.8: the line does not explain the readings, no leak.
	 */
	static const uint64_t y[] = { 1000500, 999200, 999900, 998600,
				      998300,  999000, 997700, 998400 };

	expect(y, 8, -300, 1000000, 3780000.0 / 5780000.0, NULL);
}
END_TEST

/* n cycles losing k pages each from 500000: the line is exact */
static void steady(size_t n, unsigned k, const char *leak)
{
	uint64_t y[16];

	for (size_t i = 0; i < n; i++)
		y[i] = 500000 - (uint64_t)k * i;
	expect(y, n, -(double)k, 500000, 1, leak);
}

START_TEST(test_thresholds)
{
	/* 7 cycles are too few however steady; 8 are enough */
	steady(7, 512, NULL);
	steady(8, 512,
	       "free pages fall by 512 pages a cycle over 8 cycles (R^2 1.00), about a PMD");
	/* more than half a PMD: 256 is not, 257 is */
	steady(10, 256, NULL);
	steady(10, 257, "free pages fall by 257 pages a cycle over 10 cycles (R^2 1.00)");
	/* about a PMD: strictly between 448 and 576 pages */
	steady(10, 448, "free pages fall by 448 pages a cycle over 10 cycles (R^2 1.00)");
	steady(10, 449,
	       "free pages fall by 449 pages a cycle over 10 cycles (R^2 1.00), about a PMD");
	steady(10, 575,
	       "free pages fall by 575 pages a cycle over 10 cycles (R^2 1.00), about a PMD");
	steady(10, 576, "free pages fall by 576 pages a cycle over 10 cycles (R^2 1.00)");
}
END_TEST

START_TEST(test_gaining)
{
	/* memory coming back is no leak: 512 pages more each cycle */
	static const uint64_t y[] = { 1000, 1512, 2024, 2536, 3048, 3560, 4072, 4584, 5096 };

	expect(y, 9, 512, 1000, 1, NULL);
}
END_TEST

START_TEST(test_edges)
{
	static const uint64_t y[] = { 7, 7, 7, 7, 7, 7, 7, 7, 7, 7 };
	struct mp_slope f = { .n = 99 };

	/* fewer than 3 points: no line */
	ck_assert_int_eq(mp_slope_fit(y, 0, &f), -EINVAL);
	ck_assert_int_eq(mp_slope_fit(y, 1, &f), -EINVAL);
	ck_assert_int_eq(mp_slope_fit(y, 2, &f), -EINVAL);
	ck_assert_uint_eq(f.n, 99); /* untouched */
	/* a constant series: flat, and nothing for the line to explain */
	expect(y, 3, 0, 7, 0, NULL);
	expect(y, 10, 0, 7, 0, NULL);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("slope");
	TCase *tc = tcase_create("slope");

	tcase_add_test(tc, test_fit_small);
	tcase_add_test(tc, test_leak_pmd);
	tcase_add_test(tc, test_leak_pmd_noisy);
	tcase_add_test(tc, test_flat_noisy);
	tcase_add_test(tc, test_falling_but_noisy);
	tcase_add_test(tc, test_thresholds);
	tcase_add_test(tc, test_gaining);
	tcase_add_test(tc, test_edges);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
