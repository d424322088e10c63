// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug run: adversarial scenarios through the runner, with a check after
 * every step, everything restored and the baseline checked at the end; a
 * human summary, a JSON report and KTAP.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "base/timeout.h"
#include "checks/slope.h"
#include "memplug.h"
#include "ops/backend.h"
#include "ops/device.h"
#include "ops/session.h"
#include "runner/report.h"
#include "runner/run.h"
#include "runner/scenario.h"

struct run_args {
	struct mp_ctx *ctx;
	struct mp_session_opts opts; /* --timeout, --dry-run, ... (mp_change_argp) */
	const char *scenarios[16];
	size_t nscenarios;
	uint64_t seed;
	bool have_seed;
	unsigned steps;
	unsigned duration_s;
	const char *backend, *target, *dir, *trace, *json;
	bool ktap;
	bool no_step_checks;
	bool step_kpf_all;
	bool strict;
	uint64_t dimm_size;
	unsigned max_devs;
	enum mp_dev_type dev_type; /* --device-type; MP_DEV_ANY: chosen at run time */
	enum mp_dev_type chosen;   /* what the adds plug (qmp); MP_DEV_ANY: not asked */
	char chosen_how[400];	   /* and what taught it */
	struct mp_selector sel;
	char dir_buf[64]; /* the default --dir */
	bool progress;	  /* a step counter on stderr (a terminal, no --ktap) */
};

enum {
	OPT_OLD_S = 'S',
	OPT_SCENARIO = 0x2ff,
	OPT_SEED = 0x300,
	OPT_STEPS,
	OPT_DURATION,
	OPT_BACKEND,
	OPT_QMP,
	OPT_DIR,
	OPT_TRACE,
	OPT_JSON,
	OPT_KTAP,
	OPT_SIZE,
	OPT_MAXDEV,
	OPT_LIST,
	OPT_NOSTEP,
	OPT_STEPKPF,
	OPT_STRICT,
	OPT_DEVTYPE
};

static const struct argp_option run_options[] = {
	{ "scenario", OPT_SCENARIO, "NAME", 0,
	  "random (default), ladder, zones, neighbours, churn, storm, autoonline, inject, "
	  "pressure; repeatable",
	  0 },
	{ NULL, OPT_OLD_S, "NAME", OPTION_HIDDEN, NULL, 0 },
	{ "seed", OPT_SEED, "N", 0, "Seed of the random choices (default: from the clock, printed)",
	  0 },
	{ "steps", OPT_STEPS, "N", 0, "Steps per scenario (default 100)", 0 },
	{ "duration", OPT_DURATION, "SECS", 0, "Stop each scenario after SECS seconds instead", 0 },
	{ "backend", OPT_BACKEND, "NAME", 0, "How to add and remove memory: qmp (default)", 0 },
	{ "qmp", OPT_QMP, "PATH", 0, "QMP socket or port (default: the guest's org.qemu.qmp)", 0 },
	{ "size", OPT_SIZE, "SIZE", 0, "Size of the DIMMs to add (default 256M)", 0 },
	{ "max-devices", OPT_MAXDEV, "N", 0, "DIMMs added at once at most (default 2)", 0 },
	{ "device-type", OPT_DEVTYPE, "TYPE", 0,
	  "What the adds plug: dimm or virtio-mem (default: a pc-dimm where the kernel has "
	  "ACPI memory hotplug and QEMU a free slot, else QEMU's virtio-mem device)",
	  0 },
	{ "dir", OPT_DIR, "DIR", 0, "Run folder for trace and timeline (default memplug-run-SEED)",
	  0 },
	{ "trace", OPT_TRACE, "FILE", 0, "Write the trace there instead of DIR/trace", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write the full report as JSON", 0 },
	{ "ktap", OPT_KTAP, NULL, 0, "KTAP v1 on stdout (the summary goes to stderr)", 0 },
	{ "list-scenarios", OPT_LIST, NULL, 0, "Print the scenarios and what they aim at", 0 },
	{ "no-step-checks", OPT_NOSTEP, NULL, 0,
	  "Check only at check steps and at the end (the read-back and the kernel log stay)", 0 },
	{ "step-kpageflags", OPT_STEPKPF, "HOW", 0,
	  "After a step, read the kpageflags of the blocks it touched in part (sample: a "
	  "turning sixteenth and the head, the default) or all of them (all); check steps "
	  "and the end read all",
	  0 },
	{ "strict", OPT_STRICT, NULL, 0,
	  "Count each way the kernel differs from its documented interface (a kernel-interface "
	  "note) as a finding",
	  0 },
	{ 0 }
};

static error_t run_parse(int key, char *arg, struct argp_state *state)
{
	struct run_args *a = state->input;
	char err[200];
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		state->child_inputs[1] = &a->opts;
		return 0;
	case OPT_OLD_S:
		mp_letter_elsewhere(state, key, "--scenario NAME picks a scenario");
		return 0;
	case OPT_SCENARIO:
		if (!mp_scenario_find(arg))
			mp_usage(state, "no scenario \"%s\" (--list-scenarios)", arg);
		if (a->nscenarios == ARRAY_SIZE(a->scenarios))
			mp_usage(state, "too many --scenario");
		a->scenarios[a->nscenarios++] = arg;
		return 0;
	case OPT_SEED:
		if (mp_parse_u64(arg, 0, &a->seed) < 0)
			mp_usage(state, "--seed takes a number, not \"%s\"", arg);
		a->have_seed = true;
		return 0;
	case OPT_STEPS:
		if (mp_parse_u64(arg, 10, &v) < 0 || !v || v > 10000000)
			mp_usage(state, "--steps takes 1 to 10000000, not \"%s\"", arg);
		a->steps = (unsigned)v;
		return 0;
	case OPT_DURATION:
		if (mp_parse_u64(arg, 10, &v) < 0 || !v || v > 30 * 86400)
			mp_usage(state, "--duration takes whole seconds, not \"%s\"", arg);
		a->duration_s = (unsigned)v;
		return 0;
	case OPT_BACKEND:
		if (!mp_backend_find(arg))
			mp_usage(state, "unknown backend \"%s\" (qmp, acpi, dax, probe)", arg);
		a->backend = arg;
		return 0;
	case OPT_QMP:
		a->target = arg;
		return 0;
	case OPT_SIZE:
		if (mp_parse_size(arg, &a->dimm_size) < 0 || !a->dimm_size)
			mp_usage(state, "--size takes a size such as 256M, not \"%s\"", arg);
		return 0;
	case OPT_MAXDEV:
		if (mp_parse_u64(arg, 10, &v) < 0 || v > MP_GEN_MAX_DEVS)
			mp_usage(state, "--max-devices takes 0 to %d, not \"%s\"", MP_GEN_MAX_DEVS,
				 arg);
		a->max_devs = (unsigned)v;
		return 0;
	case OPT_DEVTYPE:
		if (strcmp(arg, "dimm") && strcmp(arg, "virtio-mem"))
			mp_usage(state, "--device-type takes dimm or virtio-mem, not \"%s\"", arg);
		a->dev_type = !strcmp(arg, "dimm") ? MP_DEV_DIMM : MP_DEV_VIRTIO_MEM;
		return 0;
	case OPT_DIR:
		a->dir = arg;
		return 0;
	case OPT_TRACE:
		a->trace = arg;
		return 0;
	case OPT_JSON:
		a->json = arg;
		return 0;
	case OPT_KTAP:
		a->ktap = true;
		return 0;
	case OPT_STEPKPF:
		if (strcmp(arg, "all") && strcmp(arg, "sample"))
			mp_usage(state, "--step-kpageflags takes sample or all, not \"%s\"", arg);
		a->step_kpf_all = !strcmp(arg, "all");
		return 0;
	case OPT_NOSTEP:
		a->no_step_checks = true;
		return 0;
	case OPT_STRICT:
		a->strict = true;
		return 0;
	case OPT_LIST:
		for (size_t i = 0; i < mp_nscenarios; i++)
			printf("%-11s %s\n", mp_scenarios[i].name, mp_scenarios[i].doc);
		exit(0);
	case ARGP_KEY_ARG:
		if (mp_selector_parse(arg, &a->sel, err, sizeof(err)) < 0)
			mp_usage(state, "%s", err);
		if (a->sel.nphys || a->sel.nnodes || a->sel.nzones || a->sel.states || a->sel.size)
			mp_usage(state, "run takes blocks by number (32, 32-39), not \"%s\"", arg);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp run_argp = {
	run_options,
	run_parse,
	"[BLOCKS...]",
	"Run adversarial scenarios: add, online, offline and remove memory, checking every "
	"invariant after each step; restore everything and check against the start at the end.\v"
	"BLOCKS: blocks that exist already (cold-plugged DIMMs) the scenarios may online and "
	"offline besides the DIMMs they add. Exit status: 0 clean, 1 findings, 2 usage or "
	"environment, 3 partial (a change the kernel kept, or one not undone), 4 skipped. "
	"See memplug(8).",
	mp_change_keep_children,
	NULL,
	NULL
};

/*
 * A steady loss of free pages (nr_free_pages and the per-cpu lists) over
 * churn's check steps, one a cycle, is a leak (checks/slope.h).
 */
static void churn_slope(struct mp_run *r, size_t from, size_t to, FILE *out)
{
	const uint64_t *v;
	size_t n = mp_run_check_readings(r, &v);
	struct mp_slope f;
	char what[200];

	if (to > n)
		to = n;
	if (to < from || mp_slope_fit(v + from, to - from, &f) < 0)
		return;
	fprintf(out,
		"churn: free pages (with the per-cpu lists) per cycle: slope %+.1f pages (R^2 %.2f) over %zu cycles\n",
		f.slope, f.r2, f.n);
	if (mp_slope_leak(&f, what, sizeof(what)))
		mp_run_add_finding(r, MP_FIND_LEAK, "churn", what);
}

static bool inject_available(const struct mp_root *root)
{
	return mp_exists(root, "/sys/kernel/debug/notifier-error-inject/memory/actions/"
			       "MEM_GOING_OFFLINE/error") == 1;
}

static void run_args_clear(struct run_args *a)
{
	mp_selector_clear(&a->sel);
}

/* What the options leave open: the random scenario, a seed from the clock, DIR from it. */
static void run_defaults(struct run_args *a)
{
	if (!a->nscenarios)
		a->scenarios[a->nscenarios++] = "random";
	if (!a->have_seed)
		a->seed = (uint64_t)time(NULL) ^ ((uint64_t)getpid() << 32);
	if (!a->dir) {
		snprintf(a->dir_buf, sizeof(a->dir_buf), "memplug-run-%" PRIu64, a->seed);
		a->dir = a->dir_buf;
	}
	a->progress = isatty(STDERR_FILENO) && !a->ktap;
}

/*
 * Why the run cannot start, on stderr; with --ktap a skip (status 4) is
 * also a KTAP document on stdout that says it: the header, a plan of one
 * and "ok 1 run # SKIP reason". Returns status.
 */
_printf_(3, 4) static int refuse(const struct run_args *a, int status, const char *fmt, ...)
{
	char why[700];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	mp_err("%s", why);
	if (a->ktap && status == MP_EXIT_SKIP)
		printf("KTAP version 1\n1..1\nok 1 run # SKIP %s\n", why);
	return status;
}

/*
 * What the scenarios need, said before anything changes: the error
 * injection for inject, a --size of whole blocks, a backend that works here
 * when they add memory. Returns an exit status or 0.
 */
static int preflight(struct run_args *a, struct mp_root *root)
{
	struct mp_backend be;
	uint64_t bs;
	char h1[32], h2[32];
	int e;

	for (size_t i = 0; i < a->nscenarios; i++)
		if (!strcmp(a->scenarios[i], "inject") && !inject_available(root))
			return refuse(a, a->nscenarios == 1 ? MP_EXIT_SKIP : MP_EXIT_USAGE,
				      "scenario inject needs memory notifier error injection "
				      "(CONFIG_MEMORY_NOTIFIER_ERROR_INJECT, module "
				      "memory-notifier-error-inject, debugfs mounted)");
	/* none: the runner says why */
	if (mp_block_size(root, &bs, NULL, 0) < 0)
		return 0;
	if (a->dimm_size % bs) {
		mp_err("--size %s is not a multiple of the block size (%s)",
		       mp_human_size(a->dimm_size, h1, sizeof(h1)),
		       mp_human_size(bs, h2, sizeof(h2)));
		return MP_EXIT_USAGE;
	}
	if (!a->max_devs)
		return 0;
	e = mp_backend_open(&be, a->backend ? a->backend : "qmp", root, &a->ctx->log, a->target,
			    (int)(a->opts.timeout_ms ? a->opts.timeout_ms : 60000));
	if (e < 0 && !be.ops)
		return 0;
	if (e < 0)
		return refuse(
			a,
			!a->target && (e == -ENODEV || e == -ENOENT) ? MP_EXIT_SKIP : MP_EXIT_USAGE,
			"backend %s cannot work here: %s (--max-devices 0 runs on BLOCKS alone)",
			be.ops->name, be.why);
	if (strcmp(be.ops->name, "qmp")) {
		mp_backend_close(&be);
		return 0;
	}
	e = mp_device_type_choose(&be, a->dev_type, &a->chosen, a->chosen_how,
				  sizeof(a->chosen_how));
	mp_backend_close(&be);
	if (e < 0)
		return refuse(a, MP_EXIT_SKIP, "no memory to add here: %s", a->chosen_how);
	for (size_t i = 0; i < a->nscenarios && a->chosen == MP_DEV_VIRTIO_MEM; i++) {
		const struct mp_scenario *sc = mp_scenario_find(a->scenarios[i]);

		if (sc->dimm_only)
			return refuse(a, a->nscenarios == 1 ? MP_EXIT_SKIP : MP_EXIT_USAGE,
				      "scenario %s cannot run on virtio-mem: %s (%s)", sc->name,
				      sc->dimm_only, a->chosen_how);
	}
	return 0;
}

/* The runner for the options, or print why not (an exit status). */
static int run_start(struct run_args *a, struct mp_root *root, struct mp_run **r)
{
	struct mp_run_opts ro = {
		.backend = a->backend,
		.target = a->target,
		.timeout_ms = a->opts.timeout_ms,
		.allow_boot_memory = a->opts.allow_boot_memory,
		.check_steps = !a->no_step_checks,
		.step_kpf_all = a->step_kpf_all,
		.strict = a->strict,
		.dir = a->dir,
		.trace_path = a->trace,
		.header.seed = a->seed,
		.stream = mp_vm_trace_stream(),
		.allow_crash = mp_in_vm(),
	};
	char why[600];
	int e;

	snprintf(ro.header.scenario, sizeof(ro.header.scenario), "%s", a->scenarios[0]);
	if (a->chosen != MP_DEV_ANY)
		snprintf(ro.header.device_type, sizeof(ro.header.device_type), "%s",
			 mp_dev_type_name(a->chosen));
	e = mp_run_new(root, &a->ctx->log, &ro, r, why, sizeof(why));
	if (e < 0)
		return refuse(a, e == -ENODEV ? MP_EXIT_SKIP : MP_EXIT_USAGE, "%s", why);
	return 0;
}

/*
 * Scenario k: its steps (or seconds) through the runner, churn's slope,
 * a line of the report. devs (MP_GEN_MAX_DEVS + 1 of them): the devices
 * the scenarios before it left, and those it leaves.
 */
static void run_scenario(struct run_args *a, struct mp_run *r, struct mp_root *root,
			 struct mp_report *rep, size_t k, struct mp_gen_dev *devs)
{
	const struct mp_scenario *sc = mp_scenario_find(a->scenarios[k]);
	struct mp_gen g = {
		.root = root,
		.block_size = mp_run_header(r)->block_size,
		.dimm_size = a->dimm_size,
		.max_devs = a->max_devs,
		.inject_ok = inject_available(root),
		.blocks = a->sel.nranges ? &a->sel : NULL,
	};
	uint64_t t0 = mp_now_ns(), end = t0 + (uint64_t)a->duration_s * 1000000000ULL;
	size_t f0 = mp_run_findings(r)->n;
	const uint64_t *cr;
	size_t c0 = mp_run_check_readings(r, &cr);
	unsigned n = 0;

	g.vmem = mp_run_vmem(r, &g.vmem_first, &g.vmem_last, &g.vmem_node) == 0;
	mp_gen_init(&g, sc, a->seed + k);
	memcpy(g.devs, devs, sizeof(g.devs));
	while (!mp_run_stopped(r) && (a->duration_s ? mp_now_ns() < end : n < a->steps)) {
		struct mp_trace_step st;

		if (mp_gen_next(&g, &st) < 0) {
			mp_logf(&a->ctx->log, MP_LOG_WARN, "%s: nothing left to do after %u steps",
				sc->name, n);
			break;
		}
		mp_run_step(r, &st);
		mp_gen_update(&g, &st);
		n++;
		if (a->progress) {
			double s = (double)(mp_now_ns() - t0) / 1e9;

			fprintf(stderr, "\r%s: step %u%s%u, %.1f ops/s, findings %zu   ", sc->name,
				n, a->duration_s ? " in " : "/",
				a->duration_s ? (unsigned)s : a->steps, s > 0 ? n / s : 0.0,
				mp_run_findings(r)->n);
		}
	}
	memcpy(devs, g.devs, sizeof(g.devs));
	if (!strcmp(sc->name, "churn"))
		churn_slope(r, c0, mp_run_check_readings(r, &cr), a->ktap ? stderr : stdout);
	if (a->progress)
		fputc('\n', stderr);
	mp_report_scenario(rep, sc->name, n, (double)(mp_now_ns() - t0) / 1e9, f0,
			   mp_run_findings(r)->n);
}

/* The summary, KTAP and JSON of a finished run; returns the exit status. */
static int run_report(const struct run_args *a, const struct mp_run *r, const struct mp_report *rep)
{
	int status = mp_report_print_text(rep, a->ktap ? stderr : stdout);
	int failed = mp_run_restore_failed(r);

	if (failed) {
		mp_err("%d change%s could not be undone: the kernel keeps that memory (see above); "
		       "/run/memplug.journal holds them for 'memplug restore'",
		       failed, failed == 1 ? "" : "s");
		if (status == MP_EXIT_OK)
			status = MP_EXIT_PARTIAL;
	}
	if (a->ktap)
		mp_report_print_ktap(rep, stdout);
	if (a->json && mp_report_write_json(rep, a->json) < 0) {
		mp_err("cannot write %s: %s", a->json, strerror(errno));
		status = status ? status : MP_EXIT_USAGE;
	}
	return status;
}

int cmd_run(struct mp_ctx *ctx, int argc, char **argv)
{
	_cleanup_(run_args_clear) struct run_args a = {
		.ctx = ctx,
		.opts = { .timeout_ms = 60000 },
		.steps = 100,
		.dimm_size = 256ULL << 20,
		.max_devs = 2,
	};
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_run_ struct mp_run *r = NULL;
	_cleanup_(mp_report_clear) struct mp_report rep = { 0 };
	/* the devices one scenario added are there for the next */
	struct mp_gen_dev devs[MP_GEN_MAX_DEVS + 1] = { 0 };
	int e;

	/* from the start: a signal during the checks before the run ends it cleanly */
	e = mp_session_signals();
	if (e < 0) {
		mp_err("cannot install the signal handlers: %s", strerror(-e));
		return MP_EXIT_USAGE;
	}
	if (argp_parse(&run_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	run_defaults(&a);
	e = mp_ctx_root(ctx, &root);
	if (e)
		return e;
	e = preflight(&a, root);
	if (e)
		return e;
	e = run_start(&a, root, &r);
	if (e)
		return e;
	mp_report_init(&rep, a.seed, mp_run_header(r)->kernel, r);
	fprintf(a.ktap ? stderr : stdout, "memplug run: seed %" PRIu64 ", run folder %s\n", a.seed,
		a.dir);
	if (a.chosen_how[0])
		fprintf(a.ktap ? stderr : stdout, "memplug run: adds plug %s\n", a.chosen_how);
	for (size_t k = 0; k < a.nscenarios && !mp_run_stopped(r); k++)
		run_scenario(&a, r, root, &rep, k, devs);
	if (mp_run_stopped(r))
		mp_err("stopped by signal %d; restoring", (int)mp_stop_signal);
	mp_run_finish(r);
	mp_report_end(&rep);
	return run_report(&a, r, &rep);
}
