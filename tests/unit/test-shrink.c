// SPDX-License-Identifier: GPL-2.0-or-later
/* ddmin with fake predicates, and the trace-level shrink with fake trials. */
#include <check.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "check-main.h"
#include "runner/shrink.h"

/* The predicate fails when every one of need[] is in the subset. */
struct need {
	const size_t *v;
	size_t n;
	unsigned calls;
	int error_at; /* return -EIO at this call (1-based); 0 never */
};

static bool has(const size_t *idx, size_t n, size_t x)
{
	for (size_t i = 0; i < n; i++)
		if (idx[i] == x)
			return true;
	return false;
}

static int needs_all(const size_t *idx, size_t n, void *userdata)
{
	struct need *nd = userdata;

	nd->calls++;
	for (size_t i = 1; i < n; i++)
		ck_assert_uint_lt(idx[i - 1], idx[i]); /* ascending, no repeats */
	if (nd->error_at && nd->calls == (unsigned)nd->error_at)
		return -EIO;
	for (size_t i = 0; i < nd->n; i++)
		if (!has(idx, n, nd->v[i]))
			return 0;
	return 1;
}

static size_t *range(size_t n)
{
	size_t *v = malloc(n * sizeof(*v));

	for (size_t i = 0; i < n; i++)
		v[i] = i;
	return v;
}

/* At most 4 k ceil(log2 n) + 4 trials for k needed steps of n. */
static void expect_min(size_t total, const size_t *need, size_t nneed)
{
	unsigned lg = 0, max_trials;

	while ((1ull << lg) < total)
		lg++;
	max_trials = 4 * (unsigned)nneed * lg + 4;
	struct need nd = { need, nneed, 0, 0 };
	struct mp_ddmin_stats st;
	size_t *all = range(total), *out, nout;

	ck_assert_int_eq(mp_ddmin(all, total, needs_all, &nd, 0, &out, &nout, &st), 0);
	ck_assert_uint_eq(nout, nneed);
	for (size_t i = 0; i < nneed; i++)
		ck_assert_uint_eq(out[i], need[i]);
	ck_assert_uint_eq(st.trials, nd.calls);
	ck_assert(!st.capped);
	ck_assert_uint_le(st.trials, max_trials);
	printf("ddmin: %zu of %zu in %u trials (%u answered from memory)\n", nneed, total,
	       st.trials, st.cached);
	free(all);
	free(out);
}

START_TEST(test_three_of_200)
{
	static const size_t need[] = { 3, 17, 40 };

	/* far below one trial per step (200): each needed step costs a few log2(200) */
	expect_min(200, need, 3);
}
END_TEST

START_TEST(test_shapes)
{
	static const size_t one[] = { 199 }, first[] = { 0 }, ends[] = { 0, 2999 },
			    all4[] = { 0, 1, 2, 3 }, mid[] = { 1000, 1001, 1002 };

	expect_min(200, one, 1);
	expect_min(1, first, 1);
	expect_min(3000, ends, 2);
	expect_min(4, all4, 4);
	expect_min(3000, mid, 3);
}
END_TEST

/* (5 and 6) or 9: ddmin finds one of them, and it is 1-minimal */
static int either(const size_t *idx, size_t n, void *userdata)
{
	(void)userdata;
	return (has(idx, n, 5) && has(idx, n, 6)) || has(idx, n, 9);
}

START_TEST(test_one_minimal)
{
	size_t *all = range(20), *out, nout;
	struct mp_ddmin_stats st;

	ck_assert_int_eq(mp_ddmin(all, 20, either, NULL, 0, &out, &nout, &st), 0);
	ck_assert(either(out, nout, NULL));
	for (size_t k = 0; k < nout; k++) { /* drop any one: it passes */
		size_t less[20], m = 0;

		for (size_t i = 0; i < nout; i++)
			if (i != k)
				less[m++] = out[i];
		ck_assert(!either(less, m, NULL));
	}
	free(all);
	free(out);
}
END_TEST

START_TEST(test_error_and_cap)
{
	static const size_t need[] = { 3, 17, 40 };
	struct need nd = { need, 3, 0, 5 };
	struct mp_ddmin_stats st;
	size_t *all = range(200), *out, nout;

	ck_assert_int_eq(mp_ddmin(all, 200, needs_all, &nd, 0, &out, &nout, &st), -EIO);
	ck_assert_ptr_null(out);
	ck_assert_uint_eq(nout, 0);
	/* capped: a failing set, not the smallest */
	nd = (struct need){ need, 3, 0, 0 };
	ck_assert_int_eq(mp_ddmin(all, 200, needs_all, &nd, 6, &out, &nout, &st), 0);
	ck_assert(st.capped);
	ck_assert_uint_eq(st.trials, 6);
	ck_assert_uint_gt(nout, 3);
	ck_assert_int_eq(needs_all(out, nout, &nd), 1);
	free(out);
	free(all);
}
END_TEST

/* A trace of n steps, steps set by the caller. */
static void trace_init(struct mp_trace *t, size_t n)
{
	memset(t, 0, sizeof(*t));
	t->h.version = 1;
	t->h.block_size = 0x8000000;
	strcpy(t->h.backend, "qmp");
	t->steps = calloc(n, sizeof(*t->steps));
	t->n = n;
	for (size_t i = 0; i < n; i++) {
		t->steps[i].op = MP_T_CHECK;
		t->steps[i].node = -1;
	}
}

START_TEST(test_deps)
{
	struct mp_trace t;
	ssize_t dep[9];
	size_t all[9], out[9], n;

	trace_init(&t, 9);
	t.steps[0] = (struct mp_trace_step){ .op = MP_T_ADD,
					     .dev = 1,
					     .size = 256ULL << 20,
					     .addr = 0x100000000ULL,
					     .node = -1 };
	t.steps[1] = (struct mp_trace_step){ .op = MP_T_ONLINE_MOVABLE, .block = 33 };
	t.steps[2] = (struct mp_trace_step){ .op = MP_T_ADD,
					     .dev = 2,
					     .size = 128ULL << 20,
					     .node = -1,
					     .outcome = "done",
					     .note = "memory34" };
	t.steps[3] = (struct mp_trace_step){ .op = MP_T_ONLINE, .block = 34 };
	t.steps[4] = (struct mp_trace_step){ .op = MP_T_OFFLINE, .block = 5 };
	t.steps[5] = (struct mp_trace_step){ .op = MP_T_REMOVE, .dev = 1 };
	t.steps[6] = (struct mp_trace_step){ .op = MP_T_ADD,
					     .dev = 1,
					     .size = 256ULL << 20,
					     .node = -1,
					     .outcome = "done",
					     .note = "memory32-33" };
	t.steps[7] = (struct mp_trace_step){ .op = MP_T_OFFLINE, .block = 32 };
	t.steps[8] = (struct mp_trace_step){ .op = MP_T_REMOVE, .dev = 1 };
	mp_trace_deps(&t, dep);
	ck_assert_int_eq(dep[0], -1);
	ck_assert_int_eq(dep[1], 0);
	ck_assert_int_eq(dep[2], -1);
	ck_assert_int_eq(dep[3], 2);
	ck_assert_int_eq(dep[4], -1); /* boot memory */
	ck_assert_int_eq(dep[5], 0);
	ck_assert_int_eq(dep[6], -1);
	ck_assert_int_eq(dep[7], 6); /* from the outcome's memory32-33 */
	ck_assert_int_eq(dep[8], 6);
	for (size_t i = 0; i < 9; i++)
		all[i] = i;
	n = mp_trace_close(dep, all, 9, out);
	ck_assert_uint_eq(n, 9);
	/* without step 0: its online and its remove go; without 6: 7 and 8 */
	{
		size_t s[] = { 1, 2, 3, 4, 5, 7, 8 };

		n = mp_trace_close(dep, s, 7, s);
		ck_assert_uint_eq(n, 3);
		ck_assert_uint_eq(s[0], 2);
		ck_assert_uint_eq(s[1], 3);
		ck_assert_uint_eq(s[2], 4);
	}
	mp_trace_clear(&t);
}
END_TEST

/* A workload's place, verify and stop depend on the start before them. */
START_TEST(test_deps_workload)
{
	static const char *const point[] = { "start", "place", "verify", "stop", "start", "verify" };
	struct mp_trace t;
	ssize_t dep[7];
	size_t s[] = { 0, 2, 3, 4, 5, 6 }, n;

	trace_init(&t, 7);
	t.steps[0] = (struct mp_trace_step){ .op = MP_T_CHECK };
	for (size_t i = 0; i < 6; i++) {
		t.steps[i + 1] = (struct mp_trace_step){ .op = MP_T_WORKLOAD };
		snprintf(t.steps[i + 1].point, sizeof(t.steps[i + 1].point), "%s", point[i]);
	}
	mp_trace_deps(&t, dep);
	ck_assert_int_eq(dep[1], -1);
	ck_assert_int_eq(dep[2], 1);
	ck_assert_int_eq(dep[3], 1);
	ck_assert_int_eq(dep[4], 1);
	ck_assert_int_eq(dep[5], -1);
	ck_assert_int_eq(dep[6], 5);
	/* without the first start, its place, verify and stop go; the second stays whole */
	n = mp_trace_close(dep, s, 6, s);
	ck_assert_uint_eq(n, 3);
	ck_assert_uint_eq(s[0], 0);
	ck_assert_uint_eq(s[1], 5);
	ck_assert_uint_eq(s[2], 6);
	mp_trace_clear(&t);
}
END_TEST

/*
 * A fake kernel for trials: block 32 (cold-plugged) starts offline; the
 * finding is an offline of 32 while it is online and MEM_GOING_OFFLINE
 * is armed. A remove of a device that is not there would make the fake
 * fail the test outright: closures must never produce it.
 */
static int fake_trial(const struct mp_trace *t, void *userdata)
{
	unsigned *runs = userdata;
	bool online = false, armed = false, present[8] = { false };
	int found = 0;

	(*runs)++;
	for (size_t i = 0; i < t->n; i++) {
		const struct mp_trace_step *st = &t->steps[i];

		ck_assert_str_eq(st->outcome, "");
		switch (st->op) {
		case MP_T_ADD:
			present[st->dev] = true;
			break;
		case MP_T_REMOVE:
			ck_assert_msg(present[st->dev], "remove D%u without its add", st->dev);
			present[st->dev] = false;
			break;
		case MP_T_ONLINE_MOVABLE:
		case MP_T_ONLINE:
			if (st->block == 32)
				online = true;
			break;
		case MP_T_OFFLINE:
			if (st->block == 32 && online && armed)
				found = 1;
			else if (st->block == 32)
				online = false;
			break;
		case MP_T_INJECT:
			armed = st->err != 0;
			break;
		default:
			break;
		}
	}
	return found;
}

START_TEST(test_shrink_trace)
{
	struct mp_shrink_result res;
	struct mp_trace t;
	unsigned runs = 0, seed = 7;
	const size_t n = 240;
	char line[200];

	trace_init(&t, n);
	/* noise: adds and removes of D1..D7 at 0x200000000+, on and offline of 40-50 */
	for (size_t i = 0; i < n; i++) {
		struct mp_trace_step *st = &t.steps[i];
		unsigned r = (seed = seed * 1103515245 + 12345) >> 16;

		if (i % 10 == 0) {
			*st = (struct mp_trace_step){ .op = MP_T_ADD,
						      .dev = 1 + (unsigned)(i / 10) % 7,
						      .size = 128ULL << 20,
						      .node = -1,
						      .addr = 0x200000000ULL +
							      (i / 10 % 7) * 0x8000000 };
		} else if (i % 10 == 9) {
			*st = (struct mp_trace_step){ .op = MP_T_REMOVE,
						      .dev = 1 + (unsigned)(i / 10) % 7 };
		} else {
			*st = (struct mp_trace_step){ .op = r % 2 ? MP_T_ONLINE_MOVABLE
								  : MP_T_OFFLINE,
						      .block = r % 3 ? 40 + r % 10 : 32 };
		}
	}
	/* the failure, spread out: the last online of 32 before 180, then the triple */
	t.steps[101] = (struct mp_trace_step){ .op = MP_T_ONLINE_MOVABLE, .block = 32 };
	for (size_t i = 102; i < 180; i++)
		if (t.steps[i].block == 32)
			t.steps[i] = (struct mp_trace_step){ .op = MP_T_CHECK };
	t.steps[151] = (struct mp_trace_step){ .op = MP_T_INJECT,
					       .point = "MEM_GOING_OFFLINE",
					       .err = -12 };
	t.steps[171] = (struct mp_trace_step){ .op = MP_T_OFFLINE, .block = 32 };
	t.steps[176] = (struct mp_trace_step){ .op = MP_T_INJECT, .point = "MEM_GOING_OFFLINE" };
	ck_assert_int_eq(fake_trial(&t, &runs), 1);
	ck_assert_int_eq(mp_shrink_trace(&t, fake_trial, &runs, 0, &res), 0);
	ck_assert_uint_eq(res.n, 3);
	ck_assert_uint_eq(res.idx[0], 101);
	ck_assert_uint_eq(res.idx[1], 151);
	ck_assert_uint_eq(res.idx[2], 171);
	ck_assert_uint_eq(res.runs + 1, runs);
	ck_assert_uint_le(res.runs, res.stats.trials);
	for (size_t i = 0; i < res.n; i++) {
		mp_trace_format_step(&t.steps[res.idx[i]], line, sizeof(line));
		printf("  %s\n", line);
	}
	printf("shrink: %zu steps to %zu in %u trials, %u run\n", n, res.n, res.stats.trials,
	       res.runs);
	ck_assert_uint_le(res.stats.trials, 4 * 3 * 8 + 4); /* as expect_min */
	mp_shrink_result_clear(&res);
	mp_trace_clear(&t);
}
END_TEST

int main(void)
{
	Suite *s = suite_create("shrink");
	TCase *tc = tcase_create("ddmin");

	tcase_add_test(tc, test_three_of_200);
	tcase_add_test(tc, test_shapes);
	tcase_add_test(tc, test_one_minimal);
	tcase_add_test(tc, test_error_and_cap);
	tcase_add_test(tc, test_deps);
	tcase_add_test(tc, test_deps_workload);
	tcase_add_test(tc, test_shrink_trace);
	suite_add_tcase(s, tc);
	return mp_check_run(s);
}
