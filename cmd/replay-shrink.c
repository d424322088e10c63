// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug replay: run a trace again, every check on, through the runner.
 * memplug shrink: delta debugging (lib/runner/shrink.c) of a failing trace down to
 * the few steps that still give the finding, each trial from the restored
 * start state (a fresh runner), or with --fresh-guest in a new QEMU guest
 * per trial (run on the host, through memplug-vm).
 */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "base/timeout.h"
#include "checks/checker.h"
#include "memplug.h"
#include "ops/session.h"
#include "runner/report.h"
#include "runner/run.h"
#include "runner/shrink.h"
#include "runner/trace.h"
#include "sensors/block.h"
#include "sensors/sensor.h"
#include "sensors/snapshot.h"

#define DEFAULT_TIMEOUT_S 60
#define INFORMATIONAL "injected" /* findings that alone do not make exit 1 */
#define CRASH "crash"		 /* the kernel died: memplug-vm exits 127 */
#define VM_EXIT_CRASH 127

struct replay_args {
	struct mp_ctx *ctx;
	const char *file;
	const char *qmp;
	const char *until; /* replay --fail-on, shrink --until */
	const char *out;   /* shrink -o */
	unsigned max_trials;
	bool fresh_guest;
	const char *vm; /* memplug-vm */
	char **vm_argv; /* after -- */
	int vm_argc;
	bool shrink;
	struct mp_session_opts opts;
};

enum {
	OPT_QMP = 0x200,
	OPT_FAIL_ON,
	OPT_UNTIL = 'u',
	OPT_OUT = 'w',
	OPT_OLD_O = 'o',
	OPT_MAX_TRIALS = 0x210,
	OPT_FRESH_GUEST,
	OPT_VM
};

static const struct argp_option replay_options[] = {
	{ "qmp", OPT_QMP, "PATH", 0,
	  "QEMU's QMP socket, for traces that add and remove (default: the guest's "
	  "org.qemu.qmp port)",
	  0 },
	{ "fail-on", OPT_FAIL_ON, "KIND", 0,
	  "Exit 1 only for a finding of KIND (leak, corruption, accounting, state, kernel-log, "
	  "uevent, injected); default: any finding but injected",
	  0 },
	{ 0 }
};

static const struct argp_option shrink_options[] = {
	{ "qmp", OPT_QMP, "PATH", 0, "QEMU's QMP socket (as for replay)", 0 },
	{ "until", OPT_UNTIL, "KIND", 0,
	  "Keep the steps that still give a finding of KIND (default: the kind of the whole "
	  "trace's first finding, not counting injected ones when there are others); crash "
	  "(with --fresh-guest): the steps that still crash the kernel the same way",
	  0 },
	{ "save", OPT_OUT, "OUT", 0, "Write the shrunk trace to OUT (default FILE.min)", 0 },
	{ NULL, OPT_OLD_O, "OUT", OPTION_HIDDEN, NULL, 0 },
	{ "max-trials", OPT_MAX_TRIALS, "N", 0,
	  "Stop after N trials with the smallest trace so far (default: no limit)", 0 },
	{ "fresh-guest", OPT_FRESH_GUEST, NULL, 0,
	  "On the host: run each trial as 'memplug replay' in a new QEMU guest booted by "
	  "memplug-vm with the options after --",
	  0 },
	{ "vm", OPT_VM, "PATH", 0, "The harness for --fresh-guest (default: memplug-vm)", 0 },
	{ 0 }
};

static bool kind_known(const char *k)
{
	if (!strcmp(k, INFORMATIONAL))
		return true;
	for (int i = 0; i < 64; i++) {
		const char *n = mp_finding_kind_name((enum mp_finding_kind)i);

		if (!strcmp(n, "?"))
			break;
		if (!strcmp(n, k))
			return true;
	}
	return false;
}

static error_t replay_parse(int key, char *arg, struct argp_state *state)
{
	struct replay_args *a = state->input;
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		state->child_inputs[1] = &a->opts;
		return 0;
	case OPT_QMP:
		a->qmp = arg;
		return 0;
	case OPT_FAIL_ON:
	case OPT_UNTIL:
		if (!kind_known(arg))
			mp_usage(state,
				 "no finding kind \"%s\" (leak, corruption, accounting, state, "
				 "kernel-log, uevent, crash, injected)",
				 arg);
		a->until = arg;
		return 0;
	case OPT_OUT:
		a->out = arg;
		return 0;
	case OPT_OLD_O:
		mp_letter_elsewhere(state, key, "--save OUT (-w) writes the shrunk trace");
		return 0;
	case OPT_MAX_TRIALS:
		if (mp_parse_u64(arg, 10, &v) < 0 || v == 0 || v > 1000000)
			mp_usage(state, "--max-trials takes 1 to 1000000, not \"%s\"", arg);
		a->max_trials = (unsigned)v;
		return 0;
	case OPT_FRESH_GUEST:
		a->fresh_guest = true;
		return 0;
	case OPT_VM:
		a->vm = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (a->file) {
			if (!a->shrink || !a->fresh_guest)
				mp_usage(state,
					 "one trace FILE only (\"%s\"); harness options go "
					 "after -- with --fresh-guest",
					 arg);
			/* the rest (after --) goes to memplug-vm */
			a->vm_argv = &state->argv[state->next - 1];
			a->vm_argc = state->argc - state->next + 1;
			state->next = state->argc;
			return 0;
		}
		a->file = arg;
		return 0;
	case ARGP_KEY_NO_ARGS:
		mp_usage(state, "which trace? (memplug %s FILE)", a->shrink ? "shrink" : "replay");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp replay_argp = {
	replay_options,
	replay_parse,
	"FILE",
	"Run a trace again (one operation a line, see TRACE FORMAT in memplug(8)) with every "
	"check on, and report as 'memplug run' does.\v"
	"A trace of another kernel release is run after a warning; one of another memory "
	"block size is refused (its block numbers would name other memory). --dry-run parses "
	"the trace and prints its steps. FILE - reads standard input. Exit 0 nothing found, "
	"1 findings, 2 a bad trace (\"line N: reason\") or environment.",
	mp_change_dry_run_children,
	NULL,
	NULL
};

static const struct argp shrink_argp = {
	shrink_options,
	replay_parse,
	"FILE [-- MEMPLUG-VM-OPTIONS...]",
	"Shrink a failing trace to the fewest steps that still give its finding (delta "
	"debugging, ddmin), each trial from the restored start state; write it to FILE.min.\v"
	"A step that needs a dropped step is left out of the trial with it: a remove of DN "
	"without its add, an online or offline of a block only a dropped add made. A trace "
	"that gives no finding is said to, and nothing is written (exit 0). With "
	"--fresh-guest, run on the host, each trial boots a new guest: memplug-vm "
	"MEMPLUG-VM-OPTIONS --script (memplug replay of the candidate). Exit 0 shrunk or "
	"nothing to shrink, 2 usage or environment error.",
	mp_change_only_children,
	NULL,
	NULL
};

/* The running kernel's release and block size, to compare with the header's. */
static int check_header(struct mp_ctx *ctx, struct mp_root *root, const struct mp_trace *t)
{
	char buf[128];
	uint64_t bs;

	if (mp_read_str(root, MP_SYS_MEMORY "/block_size_bytes", buf, sizeof(buf)) < 0 ||
	    mp_parse_u64(buf, 16, &bs) < 0) {
		mp_err("cannot read the memory block size (%s/block_size_bytes): no memory hotplug?",
		       MP_SYS_MEMORY);
		return MP_EXIT_SKIP;
	}
	if (bs != t->h.block_size) {
		mp_err("the trace was recorded with memory blocks of 0x%" PRIx64 " bytes, this "
		       "kernel's are 0x%" PRIx64 ": its block numbers would name other memory",
		       t->h.block_size, bs);
		return MP_EXIT_USAGE;
	}
	if (mp_kernel_release(root, buf, sizeof(buf)) < 0)
		return 0;
	if (strcmp(buf, t->h.kernel))
		mp_err("warning: the trace was recorded on kernel %s, this is %s; running it anyway",
		       t->h.kernel, buf);
	if (mp_read_str(root, MP_SYS_MHP_PARAMS "/memmap_on_memory", buf, sizeof(buf)) >= 0 &&
	    strcmp(t->h.memmap_on_memory, "-") && strcmp(mp_rstrip(buf), t->h.memmap_on_memory))
		mp_err("warning: the trace was recorded with memmap_on_memory %s, this kernel has "
		       "%s; running it anyway",
		       t->h.memmap_on_memory, buf);
	return 0;
}

/* One run of t through the runner: new, steps, finish; r->findings kept. */
struct trial_out {
	struct mp_trace t; /* with outcomes */
	char kinds[8][24]; /* of the findings, in order of first appearance */
	unsigned nkinds;
	unsigned nfindings;
	bool stopped;
	int report_status; /* with report: mp_report_print_text()'s */
	int restore_failed;
};

static void note_kind(struct trial_out *o, const char *k)
{
	for (unsigned i = 0; i < o->nkinds; i++)
		if (!strcmp(o->kinds[i], k))
			return;
	if (o->nkinds < ARRAY_SIZE(o->kinds))
		snprintf(o->kinds[o->nkinds++], sizeof(o->kinds[0]), "%s", k);
}

static bool has_kind(const struct trial_out *o, const char *k)
{
	for (unsigned i = 0; i < o->nkinds; i++)
		if (!strcmp(o->kinds[i], k))
			return true;
	return false;
}

/*
 * Run t; when report, print each step, then the report that memplug run
 * prints. Returns 0 (ran: see o) or an exit status.
 */
static int run_trace(struct replay_args *a, struct mp_root *root, const struct mp_trace *t,
		     bool report, struct trial_out *o)
{
	struct mp_run_opts ro = {
		.backend = t->h.backend,
		.target = a->qmp,
		.timeout_ms = a->opts.timeout_ms,
		.allow_boot_memory = a->opts.allow_boot_memory,
		.check_steps = true,
		.header = t->h,
		.stream = mp_vm_trace_stream(),
		.allow_crash = mp_in_vm(),
	};
	const struct mp_findings *f;
	struct mp_report rep = { 0 };
	struct mp_run *r = NULL;
	char why[600], line[256];
	uint64_t t0 = mp_now_ns();
	size_t i;
	int rc;

	memset(o, 0, sizeof(*o));
	o->t.h = t->h;
	o->t.steps = calloc(t->n ? t->n : 1, sizeof(*o->t.steps));
	if (!o->t.steps)
		return MP_EXIT_USAGE;
	memcpy(o->t.steps, t->steps, t->n * sizeof(*t->steps));
	o->t.n = t->n;
	rc = mp_run_new(root, &a->ctx->log, &ro, &r, why, sizeof(why));
	if (rc < 0) {
		mp_err("%s", why);
		return rc == -ENODEV ? MP_EXIT_SKIP : MP_EXIT_USAGE;
	}
	if (report)
		mp_report_init(&rep, t->h.seed, mp_run_header(r)->kernel, r);
	for (i = 0; i < o->t.n && !mp_run_stopped(r); i++) {
		struct mp_trace_step *st = &o->t.steps[i];

		st->outcome[0] = st->note[0] = '\0';
		mp_run_step(r, st);
		if (report) {
			mp_trace_format_step(st, line, sizeof(line));
			printf("%4zu  %s\n", i + 1, line);
			fflush(stdout);
		}
	}
	o->stopped = mp_run_stopped(r);
	if (report) {
		mp_report_scenario(&rep, "replay", (unsigned)i, (double)(mp_now_ns() - t0) / 1e9, 0,
				   mp_run_findings(r)->n);
		if (o->stopped)
			mp_err("stopped by signal %d; restoring", (int)mp_stop_signal);
	}
	mp_run_finish(r);
	o->restore_failed = mp_run_restore_failed(r);
	f = mp_run_findings(r);
	for (i = 0; f && i < f->n; i++) {
		/* a kernel-interface note is how the kernel is, not what a step did */
		if (f->v[i].kind == MP_FIND_KERNEL_INTERFACE && !f->v[i].strict)
			continue;
		note_kind(o, mp_finding_kind_name(f->v[i].kind));
		o->nfindings++;
	}
	if (report) {
		mp_report_end(&rep);
		o->report_status = mp_report_print_text(&rep, stdout);
		mp_report_clear(&rep);
	}
	if (o->restore_failed)
		mp_err("%d change%s could not be undone: the kernel keeps that memory; "
		       "/run/memplug.journal holds them for 'memplug restore'",
		       o->restore_failed, o->restore_failed == 1 ? "" : "s");
	mp_run_free(r);
	return 0;
}

static void summary(const struct trial_out *o, size_t nsteps)
{
	printf("replay: %zu step%s; ", nsteps, nsteps == 1 ? "" : "s");
	if (!o->nfindings) {
		printf("no findings\n");
		return;
	}
	printf("%u finding%s:", o->nfindings, o->nfindings == 1 ? "" : "s");
	for (unsigned i = 0; i < o->nkinds; i++)
		printf(" %s", o->kinds[i]);
	putchar('\n');
}

/* Whether the findings make exit 1: of KIND, or any but the informational. */
static bool failing(const struct trial_out *o, const char *until)
{
	if (until)
		return has_kind(o, until);
	for (unsigned i = 0; i < o->nkinds; i++)
		if (strcmp(o->kinds[i], INFORMATIONAL))
			return true;
	return false;
}

static int load(const char *file, struct mp_trace *t)
{
	char why[600];

	if (mp_trace_load(file, t, why, sizeof(why)) < 0) {
		mp_err("%s", why);
		return MP_EXIT_USAGE;
	}
	return 0;
}

static void print_trace(const struct mp_trace *t)
{
	char line[256];

	mp_trace_write_header(stdout, &t->h);
	for (size_t i = 0; i < t->n; i++) {
		mp_trace_format_step(&t->steps[i], line, sizeof(line));
		printf("%s\n", line);
	}
}

int cmd_replay(struct mp_ctx *ctx, int argc, char **argv)
{
	struct replay_args a = {
		.ctx = ctx,
		.opts = { .timeout_ms = DEFAULT_TIMEOUT_S * 1000 },
	};
	_cleanup_root_ struct mp_root *root = NULL;
	struct mp_trace t;
	struct trial_out o;
	int r;

	if (argp_parse(&replay_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	r = load(a.file, &t);
	if (r)
		return r;
	if (a.opts.dry_run) {
		print_trace(&t);
		mp_trace_clear(&t);
		return MP_EXIT_OK;
	}
	r = mp_ctx_root(ctx, &root);
	if (r == 0)
		r = check_header(ctx, root, &t);
	if (r == 0)
		r = run_trace(&a, root, &t, true, &o);
	if (r == 0) {
		summary(&o, o.t.n);
		r = a.until ? (failing(&o, a.until) ? MP_EXIT_FINDINGS : MP_EXIT_OK)
			    : o.report_status;
		if (r == MP_EXIT_OK && (o.stopped || o.restore_failed))
			r = MP_EXIT_PARTIAL;
		mp_trace_clear(&o.t);
	}
	mp_trace_clear(&t);
	return r;
}

/* shrink ------------------------------------------------------------------ */

struct shrink_run {
	struct replay_args *a;
	struct mp_root *root;
	const char *kind;
	unsigned trial;
	char tmp[64];		   /* --fresh-guest: the guest script */
	char outdir[64];	   /* --fresh-guest: memplug-vm's --out */
	char sig[256];		   /* --until crash: the whole trace's crash signature */
	struct mp_snapshot *start; /* in place: the kernel before the first run */
	bool tainted;		   /* a trial left the kernel changed for good */
	int error;		   /* an exit status that stopped the search */
};

/* Kinds whose evidence can outlive a run (a mapping, pages, a state): worth comparing. */
static bool lasting_kind(const char *k)
{
	return !strcmp(k, "leak") || !strcmp(k, "accounting") || !strcmp(k, "state") ||
	       !strcmp(k, "corruption");
}

static struct mp_snapshot *take_start(struct shrink_run *s)
{
	struct mp_snap_opts so = { .kpf = true,
				   .ptdump = true,
				   .readings = 5,
				   .reading_gap_ms = 50,
				   .settle = !mp_root_is_sysroot(s->root),
				   .settle_timeout_ms = 10000 };
	struct mp_snapshot *snap = NULL;

	if (mp_snapshot_take(s->root, &so, &s->a->ctx->log, &snap) < 0)
		return NULL;
	return snap;
}

/*
 * Whether the kernel, restored after a run, still holds a finding of the
 * kind being shrunk against the reading before the first run: then every
 * later trial starts from it, and trials are not independent (a leaked
 * vmemmap mapping or pages stay for good). 1 tainted (said), 0 not.
 */
static int kernel_kept(struct shrink_run *s, const char *after)
{
	struct mp_check_opts co = { .step = "before the next trial" };
	struct mp_findings f = { 0 };
	struct mp_check_info info = { 0 };
	struct mp_snapshot *now;
	bool kept = false;

	if (!s->start || !lasting_kind(s->kind))
		return 0;
	now = take_start(s);
	if (!now)
		return 0;
	mp_check(s->start, now, &co, &f, &info);
	for (size_t i = 0; i < f.n && !kept; i++) {
		if (strcmp(mp_finding_kind_name(f.v[i].kind), s->kind))
			continue;
		kept = true;
		mp_err("%s left the kernel changed for good: before the next trial it already "
		       "gives the %s finding:",
		       after, s->kind);
		mp_finding_print(&f.v[i], stderr);
		mp_err("trials in this guest are not independent (each starts from what an "
		       "earlier one left) and cannot settle which steps cause it: run "
		       "'memplug shrink --fresh-guest %s' on the host, a new guest per trial",
		       s->a->file);
	}
	mp_findings_clear(&f);
	mp_snapshot_free(now);
	s->tainted = kept;
	return kept;
}

static int trial_in_place(const struct mp_trace *t, void *userdata)
{
	struct shrink_run *s = userdata;
	struct trial_out o;
	int r = run_trace(s->a, s->root, t, false, &o);

	if (r) {
		s->error = r;
		return -EIO;
	}
	mp_trace_clear(&o.t);
	if (o.stopped) {
		s->error = MP_EXIT_PARTIAL;
		return -EINTR;
	}
	r = has_kind(&o, s->kind);
	s->trial++;
	mp_logf(&s->a->ctx->log, MP_LOG_INFO, "trial %u: %zu steps: %s", s->trial, t->n,
		r ? "reproduced" : "gone");
	if (r && kernel_kept(s, "this trial")) {
		s->error = MP_EXIT_PARTIAL;
		return -EAGAIN;
	}
	return r;
}

/* The guest script: the candidate in a here-document, then memplug replay. */
static int write_guest_script(const char *path, const struct mp_trace *t, const char *kind)
{
	FILE *f = fopen(path, "we");
	char line[256];

	if (!f)
		return -errno;
	fputs("# memplug shrink --fresh-guest: one trial\n"
	      "cat >\"$MEMPLUG_OUT/trial.trace\" <<'MEMPLUG_TRACE_END'\n",
	      f);
	mp_trace_write_header(f, &t->h);
	for (size_t i = 0; i < t->n; i++) {
		mp_trace_format_step(&t->steps[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	fputs("MEMPLUG_TRACE_END\n", f);
	if (kind)
		fprintf(f, "memplug replay --fail-on %s \"$MEMPLUG_OUT/trial.trace\"\n", kind);
	else
		fputs("memplug replay \"$MEMPLUG_OUT/trial.trace\"\n", f);
	return fclose(f) ? -errno : 0;
}

/*
 * Run memplug-vm ARGS --script SCRIPT; its stdout (the guest's) in *outp
 * when asked. Returns the harness's exit status, or -errno.
 */
static int run_vm(struct shrink_run *s, char **outp)
{
	struct replay_args *a = s->a;
	char **argv = calloc((size_t)a->vm_argc + 7, sizeof(*argv));
	char *buf = NULL;
	size_t len = 0;
	int pfd[2], status, n = 0;
	pid_t pid;
	FILE *out;

	if (!argv)
		return -ENOMEM;
	argv[n++] = (char *)a->vm;
	for (int i = 0; i < a->vm_argc; i++)
		argv[n++] = a->vm_argv[i];
	if (s->outdir[0]) {
		argv[n++] = (char *)"--out";
		argv[n++] = s->outdir;
	}
	argv[n++] = (char *)"--script";
	argv[n++] = s->tmp;
	if (pipe2(pfd, O_CLOEXEC) < 0) {
		free(argv);
		return -errno;
	}
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		free(argv);
		close(pfd[0]);
		close(pfd[1]);
		return -errno;
	}
	if (pid == 0) {
		dup2(pfd[1], STDOUT_FILENO);
		if (!a->ctx->verbose) { /* the guest's and the harness's chatter */
			int null = open("/dev/null", O_WRONLY | O_CLOEXEC);

			if (null >= 0)
				dup2(null, STDERR_FILENO);
		}
		execvp(argv[0], argv);
		fprintf(stderr, "memplug: cannot run %s: %s\n", argv[0], strerror(errno));
		_exit(127);
	}
	free(argv);
	close(pfd[1]);
	out = open_memstream(&buf, &len);
	for (;;) {
		char b[4096];
		ssize_t got = read(pfd[0], b, sizeof(b));

		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			break;
		if (out)
			fwrite(b, 1, (size_t)got, out);
	}
	close(pfd[0]);
	if (out)
		fclose(out);
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR) {
			free(buf);
			return -errno;
		}
	if (outp)
		*outp = buf;
	else
		free(buf);
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

/* The crash signature memplug-vm's decode-oops wrote to OUTDIR/crash.json, or "". */
static void crash_signature(const struct shrink_run *s, char *sig, size_t len)
{
	char path[128];
	struct json_object *o, *v;

	sig[0] = '\0';
	snprintf(path, sizeof(path), "%s/crash.json", s->outdir);
	o = json_object_from_file(path);
	if (o && json_object_object_get_ex(o, "signature", &v))
		snprintf(sig, len, "%s", json_object_get_string(v));
	json_object_put(o);
	unlink(path);
}

/*
 * The same crash: "KIND FUNCTION|OWNER" with the same kind and function
 * (the RIP's, else the panic message), or the same struct page owner.
 */
static bool same_crash(const char *a, const char *b)
{
	const char *pa = strchr(a, '|'), *pb = strchr(b, '|');

	if (!pa || !pb)
		return false;
	if (pa - a == pb - b && !strncmp(a, b, (size_t)(pa - a)))
		return true;
	return pa[1] && !strcmp(pa, pb);
}

static int trial_fresh(const struct mp_trace *t, void *userdata)
{
	struct shrink_run *s = userdata;
	bool crash = !strcmp(s->kind, CRASH);
	int r = write_guest_script(s->tmp, t, crash ? NULL : s->kind);

	if (r < 0) {
		mp_err("cannot write %s: %s", s->tmp, strerror(-r));
		s->error = MP_EXIT_USAGE;
		return r;
	}
	r = run_vm(s, NULL);
	s->trial++;
	if (r < 0 || r == 125 || r == 126) {
		mp_err("trial %u: %s %s (exit %d): stopping", s->trial, s->a->vm,
		       r == 126 ? "could not boot the guest" : "failed", r);
		s->error = MP_EXIT_USAGE;
		return -EIO;
	}
	if (crash) {
		char sig[256];

		crash_signature(s, sig, sizeof(sig));
		r = r == VM_EXIT_CRASH && same_crash(sig, s->sig);
		mp_logf(&s->a->ctx->log, MP_LOG_INFO, "trial %u: %zu steps: %s: %s", s->trial, t->n,
			sig[0] ? sig : "no crash", r ? "reproduced" : "gone");
		return r;
	}
	mp_logf(&s->a->ctx->log, MP_LOG_INFO, "trial %u: %zu steps: guest exit %d: %s", s->trial,
		t->n, r, r == 1 ? "reproduced" : "gone");
	if (r == 124 || r == 127)
		mp_err("trial %u: the guest %s; counted as not reproduced", s->trial,
		       r == 124 ? "timed out" : "panicked");
	return r == 1;
}

/* The kind the full run gives in a guest, from replay's summary line. */
static int fresh_full_run(struct shrink_run *s, const struct mp_trace *t, char *kind, size_t len)
{
	char *out = NULL, *p;
	bool crash = s->a->until && !strcmp(s->a->until, CRASH);
	int r = write_guest_script(s->tmp, t, crash ? NULL : s->a->until);

	if (r < 0) {
		mp_err("cannot write %s: %s", s->tmp, strerror(-r));
		return MP_EXIT_USAGE;
	}
	r = run_vm(s, &out);
	if (crash) {
		free(out);
		kind[0] = '\0';
		if (r == VM_EXIT_CRASH) {
			crash_signature(s, s->sig, sizeof(s->sig));
			snprintf(kind, len, "%s", CRASH);
			printf("shrink: the whole trace crashes the kernel: %s\n",
			       s->sig[0] ? s->sig
					 : "(no signature: memplug-vm without decode-oops?)");
			return 0;
		}
		if (r < 0 || r >= 124) {
			mp_err("the whole trace in a guest: %s exited %d", s->a->vm, r);
			return MP_EXIT_USAGE;
		}
		return 0;
	}
	if (r < 0 || r > 1) {
		mp_err("the whole trace in a guest: %s exited %d%s", s->a->vm, r,
		       r == 2 ? " (see its standard error)" : "");
		free(out);
		return MP_EXIT_USAGE;
	}
	kind[0] = '\0';
	p = out ? strstr(out, "\nreplay: ") : NULL;
	if (p && (p = strstr(p, " finding")) && (p = strchr(p, ':'))) {
		/* the first kind but injected, else injected */
		char *save, *w;

		p[strcspn(p, "\n")] = '\0';
		for (w = strtok_r(p + 1, " ", &save); w; w = strtok_r(NULL, " ", &save))
			if (!kind[0] || (!strcmp(kind, INFORMATIONAL) && strcmp(w, INFORMATIONAL)))
				snprintf(kind, len, "%s", w);
	}
	if (s->a->until)
		snprintf(kind, len, "%s", r == 1 ? s->a->until : "");
	free(out);
	return 0;
}

static int write_min(const char *path, const struct mp_trace *t, const char *from, size_t n0,
		     const struct mp_shrink_result *res, const char *kind, double secs, bool fresh,
		     bool confirmed)
{
	FILE *f = fopen(path, "we");
	char line[256];

	if (!f) {
		mp_err("cannot write %s: %s", path, strerror(errno));
		return MP_EXIT_USAGE;
	}
	fprintf(f, "# shrunk by memplug shrink%s from %s:\n", fresh ? " --fresh-guest" : "", from);
	fprintf(f,
		"# %zu steps -> %zu, ddmin in %u trials (%u run, %u answered from memory), "
		"%.1f s\n",
		n0, t->n, res->stats.trials, res->runs, res->stats.cached, secs);
	fprintf(f, "# kept: the steps that still give a finding of kind %s%s\n", kind,
		res->stats.capped ? " (--max-trials reached: small, not minimal)" : "");
	fprintf(f, "# trials left out steps whose add was dropped (dependency closure)\n");
	if (!fresh)
		fprintf(f, "# outcomes: %s\n",
			confirmed
				? "of a last run of this trace, which reproduced it"
				: "of a last run of this trace, which did NOT reproduce it (flaky?)");
	mp_trace_write_header(f, &t->h);
	for (size_t i = 0; i < t->n; i++) {
		mp_trace_format_step(&t->steps[i], line, sizeof(line));
		fprintf(f, "%s\n", line);
	}
	if (fclose(f)) {
		mp_err("cannot write %s: %s", path, strerror(errno));
		return MP_EXIT_USAGE;
	}
	return 0;
}

/* A folder memplug-vm filled (no subfolders), and the folder. */
static void rm_dir(const char *path)
{
	DIR *d = opendir(path);
	struct dirent *e;

	while (d && (e = readdir(d)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			unlinkat(dirfd(d), e->d_name, 0);
	if (d)
		closedir(d);
	rmdir(path);
}

/* OUT.sh, the guest script of the shrunk trace, and the one command that runs it. */
static int reproducer(const struct replay_args *a, const char *outpath, const struct mp_trace *t,
		      const char *kind)
{
	_cleanup_free_ char *sh = NULL;
	bool crash = !strcmp(kind, CRASH);
	int r;

	if (asprintf(&sh, "%s.sh", outpath) < 0)
		return MP_EXIT_USAGE;
	r = write_guest_script(sh, t, crash ? NULL : kind);
	if (r < 0) {
		mp_err("cannot write %s: %s", sh, strerror(-r));
		return MP_EXIT_USAGE;
	}
	/* on stdout, and as the last comment of OUT */
	for (int k = 0; k < 2; k++) {
		FILE *f = k ? fopen(outpath, "ae") : stdout;

		if (!f)
			break;
		fprintf(f, "%sreproduce (exit %s): %s", k ? "# " : "",
			crash ? "127, the same crash" : "1", a->vm);
		for (int i = 0; i < a->vm_argc; i++)
			fprintf(f, " %s", a->vm_argv[i]);
		fprintf(f, " --script %s\n", sh);
		if (k)
			fclose(f);
	}
	return 0;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int cmd_shrink(struct mp_ctx *ctx, int argc, char **argv)
{
	struct replay_args a = {
		.ctx = ctx,
		.shrink = true,
		.vm = "memplug-vm",
		.opts = { .timeout_ms = DEFAULT_TIMEOUT_S * 1000 },
	};
	_cleanup_root_ struct mp_root *root = NULL;
	struct shrink_run s = { .a = &a, .tmp = "" };
	struct mp_shrink_result res = { 0 };
	struct mp_trace t, min = { 0 };
	struct trial_out o = { 0 };
	_cleanup_free_ char *outpath = NULL;
	char kind[24] = "";
	bool confirmed = true;
	double t0 = now_s();
	int r;

	if (argp_parse(&shrink_argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return MP_EXIT_USAGE;
	if (a.vm_argc && !a.fresh_guest) {
		mp_err("options after the trace are memplug-vm's, for --fresh-guest");
		return MP_EXIT_USAGE;
	}
	if (a.until && !strcmp(a.until, CRASH) && !a.fresh_guest) {
		mp_err("--until crash needs --fresh-guest: a crash ends the guest it happens in");
		return MP_EXIT_USAGE;
	}
	r = load(a.file, &t);
	if (r)
		return r;
	if (a.out)
		outpath = strdup(a.out);
	else if (asprintf(&outpath, "%s.min", a.file) < 0)
		outpath = NULL;
	if (!outpath) {
		mp_trace_clear(&t);
		return MP_EXIT_USAGE;
	}

	/* the whole trace, once: which finding to keep */
	if (a.fresh_guest) {
		int fd;

		snprintf(s.tmp, sizeof(s.tmp), "/tmp/memplug-shrink-XXXXXX");
		fd = mkstemp(s.tmp);
		if (fd < 0) {
			mp_err("cannot create a temporary file: %s", strerror(errno));
			r = MP_EXIT_USAGE;
			goto out;
		}
		close(fd);
		snprintf(s.outdir, sizeof(s.outdir), "/tmp/memplug-shrink-out-XXXXXX");
		if (!mkdtemp(s.outdir)) {
			mp_err("cannot create a temporary folder: %s", strerror(errno));
			s.outdir[0] = '\0';
			r = MP_EXIT_USAGE;
			goto out;
		}
		r = fresh_full_run(&s, &t, kind, sizeof(kind));
		if (r)
			goto out;
	} else {
		r = mp_ctx_root(ctx, &root);
		if (r == 0)
			r = check_header(ctx, root, &t);
		s.root = root;
		if (r == 0) /* to see whether a run leaves the kernel changed for good */
			s.start = take_start(&s);
		if (r == 0)
			r = run_trace(&a, root, &t, false, &o);
		if (r)
			goto out;
		mp_trace_clear(&o.t);
		if (a.until)
			snprintf(kind, sizeof(kind), "%s", has_kind(&o, a.until) ? a.until : "");
		else
			for (unsigned i = 0; i < o.nkinds; i++)
				if (!kind[0] || (!strcmp(kind, INFORMATIONAL) &&
						 strcmp(o.kinds[i], INFORMATIONAL)))
					snprintf(kind, sizeof(kind), "%s", o.kinds[i]);
	}
	if (!kind[0]) {
		printf("shrink: %s: %zu step%s give%s no finding%s%s: nothing to shrink, nothing "
		       "written\n",
		       a.file, t.n, t.n == 1 ? "" : "s", t.n == 1 ? "s" : "",
		       a.until ? " of kind " : "", a.until ? a.until : "");
		r = MP_EXIT_OK;
		goto out;
	}
	s.root = root;
	s.kind = kind;
	if (!a.fresh_guest && kernel_kept(&s, "the whole trace")) {
		r = MP_EXIT_PARTIAL;
		goto out;
	}
	printf("shrink: %s: %zu steps give a finding of kind %s; shrinking\n", a.file, t.n, kind);
	fflush(stdout);
	r = mp_shrink_trace(&t, a.fresh_guest ? trial_fresh : trial_in_place, &s, a.max_trials,
			    &res);
	if (r < 0) {
		if (!s.error)
			mp_err("shrink: %s", strerror(-r));
		r = s.error ? s.error : MP_EXIT_USAGE;
		goto out;
	}
	if (mp_trace_subset(&t, res.idx, res.n, &min) < 0) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	if (!a.fresh_guest) {
		/* once more, for its outcomes, and to see that it reproduces */
		r = run_trace(&a, root, &min, false, &o);
		if (r)
			goto out;
		confirmed = has_kind(&o, kind);
		mp_trace_clear(&min);
		min = o.t;
		o.t = (struct mp_trace){ 0 };
		if (!confirmed)
			mp_err("warning: the shrunk trace did not give a %s finding on a last run: "
			       "the finding may be flaky",
			       kind);
	}
	r = write_min(outpath, &min, a.file, t.n, &res, kind, now_s() - t0, a.fresh_guest,
		      confirmed);
	if (r == 0) {
		char line[256];

		printf("shrink: %zu steps -> %zu in %u trials (%.1f s); written to %s:\n", t.n,
		       min.n, res.stats.trials, now_s() - t0, outpath);
		for (size_t i = 0; i < min.n; i++) {
			mp_trace_format_step(&min.steps[i], line, sizeof(line));
			printf("  %s\n", line);
		}
		if (a.fresh_guest)
			r = reproducer(&a, outpath, &min, kind);
	}
out:
	if (s.tmp[0])
		unlink(s.tmp);
	if (s.outdir[0])
		rm_dir(s.outdir);
	mp_snapshot_free(s.start);
	mp_shrink_result_clear(&res);
	mp_trace_clear(&min);
	mp_trace_clear(&t);
	return r;
}
