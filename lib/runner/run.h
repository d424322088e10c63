/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * The runner: executes trace steps one by one through the session (journal,
 * timeouts, read-back), the backend and the sensors, checking after each
 * step what that step can have changed; at the end restores everything and
 * runs the baseline check. memplug run feeds it steps from a scenario,
 * replay from a trace file, shrink from subsets of a trace (each trial a
 * fresh runner: new -> steps -> finish -> free).
 */
#ifndef MEMPLUG_RUN_H
#define MEMPLUG_RUN_H

#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/path.h"
#include "checks/finding.h"
#include "runner/trace.h"
#include "sensors/kernel.h"

struct mp_run_opts {
	const char *backend; /* "qmp" (default) */
	const char *target;  /* --qmp PATH; NULL: find the guest's port */
	unsigned timeout_ms; /* every write and wait */
	bool allow_boot_memory;
	bool check_steps;	/* invariants after each step (default on) */
	bool step_kpf_all;	/* after a step, all kpageflags of its blocks, not a sample */
	const char *dir;	/* run folder: trace, timeline.csv; NULL: none */
	const char *trace_path; /* the trace there (default DIR/trace) */
	struct mp_trace_header header; /* seed and scenario set by the caller */
	unsigned struct_page;	       /* 0: derive */
	FILE *stream;	  /* each step as it starts, flushed (memplug-vm's trace port) */
	bool allow_crash; /* inject sysrq-crash may crash the kernel (a memplug-vm guest) */
	bool strict;	  /* kernel-interface differences are findings */
};

/* Per operation kind: how many and how long. */
struct mp_op_stats {
	unsigned n, failed;
	uint64_t *ns; /* each latency, for percentiles */
	size_t cap;
};

struct mp_run;

/* Start: session, backend (when the trace adds), sensors, baseline snapshot. */
int mp_run_new(struct mp_root *root, const struct mp_log *log, const struct mp_run_opts *o,
	       struct mp_run **out, char *why, size_t wlen);

/* Execute one step; fills st->outcome and note; findings go to the run's list. */
int mp_run_step(struct mp_run *r, struct mp_trace_step *st);

/* Restore everything, then check against the baseline. */
int mp_run_finish(struct mp_run *r);

const struct mp_findings *mp_run_findings(const struct mp_run *r);
const struct mp_op_stats *mp_run_stats(const struct mp_run *r); /* indexed by enum mp_trace_op */
unsigned mp_run_steps_done(const struct mp_run *r);
/* What the run learned about the kernel (kernel.h). */
const struct mp_kernel *mp_run_kernel(const struct mp_run *r);
/* The trace header as the run filled it (kernel, block size, ...). */
const struct mp_trace_header *mp_run_header(const struct mp_run *r);
/*
 * device_type virtio-mem: the blocks of the device's region and its node
 * (-1 unknown). -ENODEV when the run plugs DIMMs.
 */
int mp_run_vmem(const struct mp_run *r, uint64_t *first, uint64_t *last, int *node);
/* Free pages (nr_free_pages and the per-cpu lists) at every check step so far (for per-cycle slopes). */
size_t mp_run_check_readings(const struct mp_run *r, const uint64_t **free_pages);
/* Add a finding of the caller's (a slope over a scenario's cycles). */
struct mp_finding *mp_run_add_finding(struct mp_run *r, enum mp_finding_kind kind, const char *step,
				      const char *what);
/* How many changes mp_run_finish() could not undo (the kernel kept them). */
int mp_run_restore_failed(const struct mp_run *r);
bool mp_run_stopped(const struct mp_run *r); /* SIGINT/SIGTERM */
void mp_run_free(struct mp_run *r);
static inline void mp_run_freep(struct mp_run **r)
{
	mp_run_free(*r);
}
#define _cleanup_run_ _cleanup_(mp_run_freep)

#endif
