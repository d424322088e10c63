/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Shrinking a failing trace: Zeller and Hildebrandt's delta debugging
 * (ddmin, "Simplifying and Isolating Failure-Inducing Input", 2002) over
 * the steps, with a dependency closure so that a trial never runs a step
 * whose precondition it dropped (a remove of DN whose add is gone, an
 * online or offline of a block that only an add made).
 */
#ifndef MEMPLUG_SHRINK_H
#define MEMPLUG_SHRINK_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/types.h>

#include "runner/trace.h"

/*
 * The predicate: 1 when the subset idx[0..n) (ascending) still fails,
 * 0 when it does not, a negative errno to stop the search.
 */
typedef int (*mp_ddmin_test)(const size_t *idx, size_t n, void *userdata);

struct mp_ddmin_stats {
	unsigned trials; /* calls of the predicate */
	unsigned cached; /* subsets met again, answered from memory */
	bool capped;	 /* max_trials reached: the result is small, not minimal */
};

/*
 * ddmin over idx[0..n) (ascending; the whole set must fail, which the
 * caller has seen). On success *out (malloc'ed, ascending) is a 1-minimal
 * failing subset: removing any one element of it makes the test pass.
 * max_trials 0: no cap. Each distinct subset is tested once. Returns 0,
 * -ENOMEM or the predicate's negative value (then *out is NULL).
 */
int mp_ddmin(const size_t *idx, size_t n, mp_ddmin_test test, void *userdata, unsigned max_trials,
	     size_t **out, size_t *nout, struct mp_ddmin_stats *stats);

/*
 * What each step needs: dep[i] is the index of the step it cannot run
 * without, or -1. A remove of DN needs the latest add of DN before it; an
 * online/offline of block B needs the latest add before it whose range
 * holds B (from addr= and the size, or from the "memoryA-B" of its
 * outcome); everything else needs nothing (blocks present at boot).
 * dep has t->n elements.
 */
void mp_trace_deps(const struct mp_trace *t, ssize_t *dep);

/*
 * The closure of a subset: idx[0..n) (ascending) without the steps whose
 * dependency (transitively) is not in it. Written to out (n elements
 * room, may be idx); returns its length.
 */
size_t mp_trace_close(const ssize_t *dep, const size_t *idx, size_t n, size_t *out);

/* A new trace of the header and the steps idx[0..n), outcomes cleared. */
int mp_trace_subset(const struct mp_trace *t, const size_t *idx, size_t n, struct mp_trace *out);

/* A trial: run trace t from the start state; 1 reproduced, 0 not, <0 stop. */
typedef int (*mp_trial_fn)(const struct mp_trace *t, void *userdata);

struct mp_shrink_result {
	size_t *idx; /* the steps kept (closed), ascending; malloc'ed */
	size_t n;
	struct mp_ddmin_stats stats;
	unsigned runs; /* trials actually run (closures met twice run once) */
};

/*
 * Shrink t with ddmin: every candidate is closed (mp_trace_close), and a
 * closed set already tried, or empty, is not run again (empty: "does not
 * reproduce"). The caller has seen the whole trace reproduce. Returns 0
 * or what mp_ddmin returns.
 */
int mp_shrink_trace(const struct mp_trace *t, mp_trial_fn trial, void *userdata,
		    unsigned max_trials, struct mp_shrink_result *res);
void mp_shrink_result_clear(struct mp_shrink_result *res);

#endif
