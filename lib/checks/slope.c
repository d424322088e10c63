// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <stdio.h>

#include "checks/slope.h"

int mp_slope_fit(const uint64_t *y, size_t n, struct mp_slope *out)
{
	double mx = (double)(n - 1) / 2, my = 0, sxx = 0, sxy = 0, syy = 0;

	if (n < MP_SLOPE_MIN_POINTS)
		return -EINVAL;
	for (size_t i = 0; i < n; i++)
		my += (double)y[i];
	my /= (double)n;
	/* sums of deviations from the means: no cancellation of large totals */
	for (size_t i = 0; i < n; i++) {
		double dx = (double)i - mx, dy = (double)y[i] - my;

		sxx += dx * dx;
		sxy += dx * dy;
		syy += dy * dy;
	}
	out->n = n;
	out->slope = sxy / sxx;
	out->intercept = my - out->slope * mx;
	out->r2 = syy > 0 ? sxy * sxy / (sxx * syy) : 0;
	return 0;
}

bool mp_slope_leak(const struct mp_slope *f, char *what, size_t len)
{
	double loss = -f->slope;
	bool pmd = loss > MP_PMD_PAGES - MP_PMD_SLACK && loss < MP_PMD_PAGES + MP_PMD_SLACK;

	if (f->n < MP_LEAK_MIN_CYCLES || loss <= MP_LEAK_MIN_PAGES || f->r2 < MP_LEAK_MIN_R2)
		return false;
	snprintf(what, len, "free pages fall by %.0f pages a cycle over %zu cycles (R^2 %.2f)%s",
		 loss, f->n, f->r2, pmd ? ", about a PMD" : "");
	return true;
}
