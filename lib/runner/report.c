// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <string.h>

#include "base/timeout.h"
#include "base/util.h"
#include "runner/report.h"

void mp_report_init(struct mp_report *rep, uint64_t seed, const char *kernel,
		    const struct mp_run *r)
{
	memset(rep, 0, sizeof(*rep));
	rep->seed = seed;
	snprintf(rep->kernel, sizeof(rep->kernel), "%s", kernel ? kernel : "unknown");
	rep->run = r;
	rep->t0 = mp_now_ns();
}

void mp_report_scenario(struct mp_report *rep, const char *name, unsigned steps, double seconds,
			size_t f_first, size_t f_end)
{
	struct mp_report_scenario *s;

	if (rep->nsc == MP_REPORT_MAX_SCENARIOS)
		return;
	s = &rep->sc[rep->nsc++];
	snprintf(s->name, sizeof(s->name), "%s", name);
	s->steps = steps;
	s->seconds = seconds;
	/* the first scenario owns what came before it (the kernel probe's notes) */
	s->f_first = rep->nsc == 1 ? 0 : f_first;
	s->f_end = f_end;
}

void mp_report_end(struct mp_report *rep)
{
	rep->f_end_check = rep->nsc ? rep->sc[rep->nsc - 1].f_end : 0;
	rep->seconds = (double)(mp_now_ns() - rep->t0) / 1e9;
}

void mp_report_clear(struct mp_report *rep)
{
	memset(rep, 0, sizeof(*rep));
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* The p-th percentile in ms of n latencies (sorts a copy). */
static double percentile(const struct mp_op_stats *s, unsigned p)
{
	uint64_t *v;
	double r;

	if (!s->n)
		return 0;
	v = malloc(s->n * sizeof(*v));
	if (!v)
		return 0;
	memcpy(v, s->ns, s->n * sizeof(*v));
	qsort(v, s->n, sizeof(*v), cmp_u64);
	r = (double)v[(s->n - 1) * p / 100] / 1e6;
	free(v);
	return r;
}

static size_t real_findings(const struct mp_findings *f, size_t from, size_t to)
{
	size_t n = 0;

	for (size_t i = from; i < to && i < f->n; i++)
		n += !mp_finding_is_note(&f->v[i]);
	return n;
}

int mp_report_print_text(const struct mp_report *rep, FILE *f)
{
	const struct mp_findings *fi = mp_run_findings(rep->run);
	const struct mp_op_stats *st = mp_run_stats(rep->run);
	unsigned steps = 0;
	size_t real = real_findings(fi, 0, fi->n), injected = 0, refused = 0;
	int kept = mp_run_restore_failed(rep->run);

	for (size_t i = 0; i < fi->n; i++) {
		injected += fi->v[i].kind == MP_FIND_INJECTED;
		refused += fi->v[i].kind == MP_FIND_REFUSED;
	}

	for (size_t i = 0; i < rep->nsc; i++)
		steps += rep->sc[i].steps;
	fprintf(f, "memplug run: %u steps in %.1f s, seed %" PRIu64 ", kernel %s\n", steps,
		rep->seconds, rep->seed, rep->kernel);
	fprintf(f, "%-12s %7s %9s %9s\n", "scenario", "steps", "seconds", "findings");
	for (size_t i = 0; i < rep->nsc; i++)
		fprintf(f, "%-12s %7u %9.1f %9zu\n", rep->sc[i].name, rep->sc[i].steps,
			rep->sc[i].seconds,
			real_findings(fi, rep->sc[i].f_first, rep->sc[i].f_end));
	fprintf(f, "%-12s %7s %9s %9zu\n", "end check", "", "",
		real_findings(fi, rep->f_end_check, fi->n));
	fprintf(f, "%-16s %6s %7s %9s %9s\n", "operation", "n", "failed", "p50 ms", "p99 ms");
	for (int op = 0; op < MP_T_NOPS; op++) {
		if (!st[op].n)
			continue;
		fprintf(f, "%-16s %6u %7u %9.1f %9.1f\n", mp_trace_op_name((enum mp_trace_op)op),
			st[op].n, st[op].failed, percentile(&st[op], 50), percentile(&st[op], 99));
	}
	for (size_t i = 0; i < fi->n; i++)
		if (!mp_finding_is_note(&fi->v[i]))
			mp_finding_print(&fi->v[i], f);
	/* each once a run: every one is printed */
	for (size_t i = 0; i < fi->n; i++)
		if (fi->v[i].kind == MP_FIND_KERNEL_INTERFACE && mp_finding_is_note(&fi->v[i]))
			mp_finding_print(&fi->v[i], f);
	if (injected)
		fprintf(f, "expected: %zu operation%s failed under injected errors\n", injected,
			injected == 1 ? "" : "s");
	if (refused)
		fprintf(f, "notes: %zu kernel log line%s of refused offlines\n", refused,
			refused == 1 ? "" : "s");
	if (!real && kept) {
		/* not clean: the machine is not as the run found it (exit 3, man page) */
		fprintf(f,
			"result: kept: the kernel would not give back memory onlined to a "
			"kernel zone (%d change%s not undone, said above)\n",
			kept, kept == 1 ? "" : "s");
		return MP_EXIT_PARTIAL;
	}
	fprintf(f, "result: %s\n", real ? "FINDINGS" : "clean");
	return real ? MP_EXIT_FINDINGS : MP_EXIT_OK;
}

static const enum mp_finding_kind ktap_kinds[] = {
	MP_FIND_STATE,	    MP_FIND_CORRUPTION, MP_FIND_ACCOUNTING,	  MP_FIND_LEAK,
	MP_FIND_KERNEL_LOG, MP_FIND_UEVENT,	MP_FIND_KERNEL_INTERFACE,
};

/* One test with a subtest per check; findings (and kernel-interface notes,
 * which fail nothing unless --strict) as diagnostics. */
static void ktap_test(FILE *f, unsigned num, const char *name, const struct mp_findings *fi,
		      size_t from, size_t to, const char *extra)
{
	bool ok_all = true;

	fprintf(f, "    KTAP version 1\n    # Subtest: %s\n    1..%zu\n", name,
		ARRAY_SIZE(ktap_kinds));
	for (size_t k = 0; k < ARRAY_SIZE(ktap_kinds); k++) {
		size_t n = 0;

		for (size_t i = from; i < to && i < fi->n; i++) {
			if (fi->v[i].kind != ktap_kinds[k])
				continue;
			n += !mp_finding_is_note(&fi->v[i]);
			fprintf(f, "    # ");
			mp_finding_print(&fi->v[i], f);
		}
		fprintf(f, "    %s %zu %s\n", n ? "not ok" : "ok", k + 1,
			mp_finding_kind_name(ktap_kinds[k]));
		ok_all &= !n;
	}
	fprintf(f, "%s %u %s%s%s\n", ok_all ? "ok" : "not ok", num, name, extra ? " # " : "",
		extra ? extra : "");
}

void mp_report_print_ktap(const struct mp_report *rep, FILE *f)
{
	const struct mp_findings *fi = mp_run_findings(rep->run);
	char note[64];

	fprintf(f, "KTAP version 1\n1..%zu\n", rep->nsc + 1);
	fprintf(f, "# memplug run seed=%" PRIu64 " kernel=%s\n", rep->seed, rep->kernel);
	for (size_t i = 0; i < rep->nsc; i++) {
		size_t inj = 0;

		for (size_t k = rep->sc[i].f_first; k < rep->sc[i].f_end && k < fi->n; k++)
			inj += fi->v[k].kind == MP_FIND_INJECTED;
		snprintf(note, sizeof(note), "%u steps, %zu injected failures", rep->sc[i].steps,
			 inj);
		ktap_test(f, (unsigned)i + 1, rep->sc[i].name, fi, rep->sc[i].f_first,
			  rep->sc[i].f_end, NULL);
		fprintf(f, "# %s: %s\n", rep->sc[i].name, note);
	}
	ktap_test(f, (unsigned)rep->nsc + 1, "restore_and_end_check", fi, rep->f_end_check, fi->n,
		  NULL);
}

int mp_report_write_json(const struct mp_report *rep, const char *path)
{
	const struct mp_findings *fi = mp_run_findings(rep->run);
	const struct mp_op_stats *st = mp_run_stats(rep->run);
	struct json_object *o = json_object_new_object(), *sc = json_object_new_array();
	struct json_object *ops = json_object_new_object();
	size_t real = real_findings(fi, 0, fi->n);
	int r;

	json_object_object_add(o, "seed", json_object_new_uint64(rep->seed));
	json_object_object_add(o, "kernel", json_object_new_string(rep->kernel));
	json_object_object_add(o, "kernel_interface", mp_kernel_to_json(mp_run_kernel(rep->run)));
	json_object_object_add(o, "seconds", json_object_new_double(rep->seconds));
	for (size_t i = 0; i < rep->nsc; i++) {
		struct json_object *s = json_object_new_object();

		json_object_object_add(s, "name", json_object_new_string(rep->sc[i].name));
		json_object_object_add(s, "steps", json_object_new_int((int)rep->sc[i].steps));
		json_object_object_add(s, "seconds", json_object_new_double(rep->sc[i].seconds));
		json_object_object_add(s, "findings",
				       json_object_new_int((int)real_findings(fi,
									      rep->sc[i].f_first,
									      rep->sc[i].f_end)));
		json_object_array_add(sc, s);
	}
	json_object_object_add(o, "scenarios", sc);
	for (int op = 0; op < MP_T_NOPS; op++) {
		struct json_object *x;

		if (!st[op].n)
			continue;
		x = json_object_new_object();
		json_object_object_add(x, "n", json_object_new_int((int)st[op].n));
		json_object_object_add(x, "failed", json_object_new_int((int)st[op].failed));
		json_object_object_add(x, "p50_ms",
				       json_object_new_double(percentile(&st[op], 50)));
		json_object_object_add(x, "p99_ms",
				       json_object_new_double(percentile(&st[op], 99)));
		json_object_object_add(ops, mp_trace_op_name((enum mp_trace_op)op), x);
	}
	json_object_object_add(o, "operations", ops);
	json_object_object_add(o, "findings", mp_findings_to_json(fi));
	json_object_object_add(o, "result",
			       json_object_new_string(real ? "findings"
						      : rep->run && mp_run_restore_failed(rep->run)
							      ? "kept"
							      : "clean"));
	r = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	json_object_put(o);
	return r < 0 ? -EIO : 0;
}
