/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A steady loss per cycle is a leak even under noise: the least-squares
 * slope of free pages over a scenario's cycles (one reading a cycle), and
 * the verdict on it. The churn scenario's check.
 */
#ifndef MEMPLUG_SLOPE_H
#define MEMPLUG_SLOPE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A line through fewer points says nothing: two always fit. */
#define MP_SLOPE_MIN_POINTS 3
/* A leak: at least this many cycles, */
#define MP_LEAK_MIN_CYCLES 8
/* more than half a PMD's worth of 4 KiB pages lost a cycle, */
#define MP_LEAK_MIN_PAGES 256
/* and a line that explains the readings (R^2). */
#define MP_LEAK_MIN_R2 0.8
/* "about a PMD": a loss within MP_PMD_SLACK pages of a PMD's 512 (2 MiB) a cycle. */
#define MP_PMD_PAGES 512
#define MP_PMD_SLACK 64

/* The least-squares line y = intercept + slope * i through (i, y[i]). */
struct mp_slope {
	size_t n;	  /* points */
	double slope;	  /* per point (cycle) */
	double intercept; /* at i = 0 */
	double r2;	  /* the share of y's variance the line explains; 0 when y is flat */
};

/* Fit the line through y[0..n-1]; -EINVAL for fewer than MP_SLOPE_MIN_POINTS. */
int mp_slope_fit(const uint64_t *y, size_t n, struct mp_slope *out);

/*
 * Whether a fit of free pages over cycles is a leak: over at least
 * MP_LEAK_MIN_CYCLES cycles, more than MP_LEAK_MIN_PAGES lost a cycle, with
 * R^2 at least MP_LEAK_MIN_R2. When it is, the finding's text goes to what
 * ("free pages fall by 512 pages a cycle over 10 cycles (R^2 1.00), about a PMD").
 */
bool mp_slope_leak(const struct mp_slope *f, char *what, size_t len);

#endif
