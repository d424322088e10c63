/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * What a run (or a replay) reports: a human summary, KTAP v1 for kselftest
 * runners, LAVA and KernelCI, and a JSON report. It borrows the runner's
 * findings and operation statistics.
 */
#ifndef MEMPLUG_REPORT_H
#define MEMPLUG_REPORT_H

#include <stdint.h>
#include <stdio.h>

#include "runner/run.h"

#define MP_REPORT_MAX_SCENARIOS 16

struct mp_report_scenario {
	char name[32];
	unsigned steps;
	double seconds;
	size_t f_first, f_end; /* its findings: [f_first, f_end) of the run's list */
};

struct mp_report {
	uint64_t seed;
	char kernel[96];
	const struct mp_run *run;
	struct mp_report_scenario sc[MP_REPORT_MAX_SCENARIOS];
	size_t nsc;
	size_t f_end_check; /* findings from here on came at the end */
	uint64_t t0;
	double seconds;
};

void mp_report_init(struct mp_report *rep, uint64_t seed, const char *kernel,
		    const struct mp_run *r);
void mp_report_scenario(struct mp_report *rep, const char *name, unsigned steps, double seconds,
			size_t f_first, size_t f_end);
/* After mp_run_finish(): the end check's findings are the rest. */
void mp_report_end(struct mp_report *rep);
/* The summary; returns the exit status: 1 when a finding other than "injected". */
int mp_report_print_text(const struct mp_report *rep, FILE *f);
void mp_report_print_ktap(const struct mp_report *rep, FILE *f);
int mp_report_write_json(const struct mp_report *rep, const char *path);
void mp_report_clear(struct mp_report *rep);

#endif
