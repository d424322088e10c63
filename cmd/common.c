// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What the commands share: the error printer, the root context, the common
 * options (--sysroot, --verbose), the options of every command that
 * changes memory, and the session those commands open and end.
 */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "memplug.h"
#include "ops/session.h"

static void verr(const char *fmt, va_list ap)
{
	fputs("memplug: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

void mp_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
}

void mp_usage(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr(fmt, ap);
	va_end(ap);
	argp_state_help(state, stderr, ARGP_HELP_EXIT_ERR);
}

/*
 * argp's error stream: what argp says itself passes, but its hint after
 * getopt's one-line error ("Try `memplug --help' or ...", wrapped over
 * lines) is dropped; getopt's line says "memplug: " (argv[0]).
 */
static ssize_t hint_filter(void *cookie, const char *buf, size_t len)
{
	bool *dropping = cookie;
	size_t keep = len;

	for (size_t i = 0; i < len && !*dropping; i++)
		if ((i == 0 || buf[i - 1] == '\n') && !strncmp(buf + i, "Try ", 4)) {
			keep = i;
			*dropping = true;
		}
	if (!*dropping || keep < len)
		fwrite(buf, 1, keep, stderr);
	return (ssize_t)len;
}

static FILE *argp_err_stream(void)
{
	static bool dropping;
	static FILE *f;

	if (!f) {
		f = fopencookie(&dropping, "w", (cookie_io_functions_t){ .write = hint_filter });
		if (f)
			setvbuf(f, NULL, _IONBF, 0);
	}
	return f ? f : stderr;
}

static void log_stderr(void *userdata, enum mp_prio prio, const char *msg)
{
	const struct mp_ctx *ctx = userdata;

	if (prio >= MP_LOG_INFO && ctx->verbose < (prio == MP_LOG_DEBUG ? 2 : 1))
		return;
	fprintf(stderr, "memplug: %s\n", msg);
}

void mp_ctx_init(struct mp_ctx *ctx)
{
	*ctx = (struct mp_ctx){ .log = { log_stderr, ctx } };
}

int mp_ctx_root(struct mp_ctx *ctx, struct mp_root **root)
{
	int r = mp_root_new(ctx->sysroot, root);

	if (r < 0) {
		mp_err("cannot open root %s: %s", ctx->sysroot ? ctx->sysroot : "/", strerror(-r));
		return MP_EXIT_USAGE;
	}
	return 0;
}

enum { OPT_SYSROOT = 's', OPT_VERBOSE = 'v', OPT_HELP = 'h' };

static const struct argp_option common_options[] = {
	/* -h as lsmem, chmem and daxctl take it: --help (argp's -? too) */
	{ NULL, OPT_HELP, NULL, OPTION_HIDDEN, NULL, -1 },
	{ "sysroot", OPT_SYSROOT, "DIR", 0,
	  "Read and write /sys, /proc, /dev and debugfs under DIR (a recorded tree)", -1 },
	{ "verbose", OPT_VERBOSE, NULL, 0, "Say more on stderr (twice: debug)", -1 },
	{ 0 }
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct mp_ctx *ctx = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		/*
		 * --help and --usage name the command ("Usage: memplug list"),
		 * getopt's errors start "memplug: " as every other (its argv[0]).
		 * argp names the program after this key: from argv[0] while
		 * state->argv is the argv it was given, else from
		 * program_invocation_short_name, which main set to the command.
		 */
		if (ctx->name && state->argc > 0) {
			static char **copy; /* lives as long as the process */

			free(copy);
			copy = calloc((size_t)state->argc + 1, sizeof(*copy));
			if (copy) {
				memcpy(copy, state->argv, (size_t)state->argc * sizeof(*copy));
				state->argv = copy;
			}
		}
		state->err_stream = argp_err_stream();
		return 0;
	case OPT_HELP:
		argp_state_help(state, state->out_stream, ARGP_HELP_STD_HELP);
		return 0;
	case OPT_SYSROOT:
		if (!*arg)
			mp_usage(state, "--sysroot needs a folder");
		ctx->sysroot = arg;
		return 0;
	case OPT_VERBOSE:
		ctx->verbose++;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

const struct argp mp_common_argp = { common_options, common_parse, NULL, NULL, NULL, NULL, NULL };

const struct argp_child mp_common_children[] = { { &mp_common_argp, 0, NULL, 0 }, { 0 } };

enum { OPT_TIMEOUT = 't', OPT_DRY_RUN = 0x100, OPT_NO_RESTORE, OPT_ALLOW_BOOT, OPT_OLD_N = 'n' };

static const struct argp_option change_options[] = {
	{ "timeout", OPT_TIMEOUT, "SECS", 0,
	  "Bound every write by SECS seconds of wall clock (default 60; 0: none)", 1 },
	{ "allow-boot-memory", OPT_ALLOW_BOOT, NULL, 0,
	  "Allow offlining memory that was there at boot", 1 },
	{ 0 }
};
static const struct argp_option dry_run_options[] = {
	{ "dry-run", OPT_DRY_RUN, NULL, 0, "Print the plan, write nothing", 1 },
	{ NULL, OPT_OLD_N, NULL, OPTION_HIDDEN, NULL, 1 },
	{ 0 }
};
static const struct argp_option keep_options[] = {
	{ "no-restore", OPT_NO_RESTORE, NULL, 0,
	  "Keep the end state (default: put everything back at the end)", 1 },
	{ 0 }
};

/* The options of every command that changes memory; input: the session opts. */
static error_t change_parse(int key, char *arg, struct argp_state *state)
{
	struct mp_session_opts *o = state->input;
	uint64_t v;

	switch (key) {
	case OPT_TIMEOUT:
		if (mp_parse_u64(arg, 10, &v) < 0 || v > 86400)
			mp_usage(state, "--timeout takes whole seconds from 0 to 86400, not \"%s\"",
				 arg);
		o->timeout_ms = (unsigned)v * 1000;
		return 0;
	case OPT_DRY_RUN:
		o->dry_run = true;
		return 0;
	case OPT_OLD_N:
		mp_letter_elsewhere(state, key, "--dry-run prints the plan");
		return 0;
	case OPT_NO_RESTORE:
		o->no_restore = true;
		return 0;
	case OPT_ALLOW_BOOT:
		o->allow_boot_memory = true;
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

/* --timeout and --allow-boot-memory with n of --dry-run and --no-restore. */
static error_t change_parse_n(int key, char *arg, struct argp_state *state, size_t n)
{
	if (key != ARGP_KEY_INIT)
		return change_parse(key, arg, state);
	for (size_t i = 0; i < n; i++)
		state->child_inputs[i] = state->input;
	return 0;
}

static error_t change_parse_1(int key, char *arg, struct argp_state *state)
{
	return change_parse_n(key, arg, state, 1);
}

static error_t change_parse_2(int key, char *arg, struct argp_state *state)
{
	return change_parse_n(key, arg, state, 2);
}

static const struct argp dry_run_argp = {
	dry_run_options, change_parse, NULL, NULL, NULL, NULL, NULL
};
static const struct argp keep_argp = { keep_options, change_parse, NULL, NULL, NULL, NULL, NULL };
static const struct argp_child dry_run_keep[] = { { &dry_run_argp, 0, NULL, 0 },
						  { &keep_argp, 0, NULL, 0 },
						  { 0 } };
static const struct argp_child dry_run_only[] = { { &dry_run_argp, 0, NULL, 0 }, { 0 } };

/* Each command lists (in --help) and takes only the options it uses. */
const struct argp mp_change_argp = { change_options, change_parse_2, NULL, NULL,
				     dry_run_keep,   NULL,	     NULL };
static const struct argp change_keep_argp = { change_options,	change_parse_1, NULL, NULL,
					      dry_run_keep + 1, NULL,		NULL };
static const struct argp change_dry_run_argp = { change_options, change_parse_1, NULL, NULL,
						 dry_run_only,	 NULL,		 NULL };
static const struct argp change_only_argp = { change_options, change_parse, NULL, NULL,
					      NULL,	      NULL,	    NULL };

const struct argp_child mp_change_children[] = { { &mp_common_argp, 0, NULL, 0 },
						 { &mp_change_argp, 0, NULL, 0 },
						 { 0 } };
const struct argp_child mp_change_keep_children[] = { { &mp_common_argp, 0, NULL, 0 },
						      { &change_keep_argp, 0, NULL, 0 },
						      { 0 } };
const struct argp_child mp_change_dry_run_children[] = { { &mp_common_argp, 0, NULL, 0 },
							 { &change_dry_run_argp, 0, NULL, 0 },
							 { 0 } };
const struct argp_child mp_change_only_children[] = { { &mp_common_argp, 0, NULL, 0 },
						      { &change_only_argp, 0, NULL, 0 },
						      { 0 } };

/* Open a session, or print why not; returns an exit status or 0. */
int mp_ctx_session(struct mp_ctx *ctx, struct mp_root *root, const struct mp_session_opts *opts,
		   struct mp_session **s)
{
	char why[600];
	int r;

	r = mp_session_signals();
	if (r == 0)
		r = mp_session_new(root, &ctx->log, opts, s, why, sizeof(why));
	if (r == -ENODEV) {
		mp_err("%s", why);
		return MP_EXIT_SKIP;
	}
	if (r < 0) {
		mp_err("%s", why);
		return MP_EXIT_USAGE;
	}
	return 0;
}

void mp_letter_elsewhere(const struct argp_state *state, int key, const char *instead)
{
	const char *is = key == 'o'   ? "the column list (--output LIST)"
			 : key == 'n' ? "--noheadings"
			 : key == 'S' ? "--split LIST"
				      : "something else";

	mp_usage(state, "-%c is %s in memplug, as in lsmem; here %s", key, is, instead);
}

int mp_parse_zone(const char *arg, enum mp_target *t)
{
	/* ours, the state file's words, and chmem's zone names, in any case */
	static const struct {
		const char *word;
		enum mp_target t;
	} words[] = {
		{ "auto", MP_ONLINE },
		{ "online", MP_ONLINE },
		{ "kernel", MP_ONLINE_KERNEL },
		{ "online_kernel", MP_ONLINE_KERNEL },
		{ "Normal", MP_ONLINE_KERNEL },
		{ "movable", MP_ONLINE_MOVABLE },
		{ "online_movable", MP_ONLINE_MOVABLE },
	};

	for (size_t i = 0; i < ARRAY_SIZE(words); i++)
		if (!strcasecmp(arg, words[i].word)) {
			*t = words[i].t;
			return 0;
		}
	return -EINVAL;
}

int mp_step_status(const struct mp_step *st, int status)
{
	if (st->outcome == MP_WRONG)
		return MP_EXIT_FINDINGS;
	if (st->outcome >= MP_REFUSED && st->outcome != MP_RACE && status == MP_EXIT_OK)
		return MP_EXIT_PARTIAL;
	return status;
}

/* End a session: restore unless asked not to; returns the worse exit status. */
int mp_ctx_session_end(struct mp_ctx *ctx, struct mp_session *s, bool restore, int status)
{
	int failed;

	if (mp_stop_signal)
		mp_err("stopped by signal %d", (int)mp_stop_signal);
	if (!restore) {
		mp_session_accept(s);
		mp_session_free(s);
		return status;
	}
	failed = mp_session_restore(s);
	mp_session_free(s);
	if (failed) {
		mp_err("%d change%s could not be undone; the journal /run/memplug.journal keeps "
		       "them and 'memplug restore' retries",
		       failed, failed == 1 ? "" : "s");
		return status == MP_EXIT_FINDINGS ? status : MP_EXIT_PARTIAL;
	}
	return status;
}

bool mp_in_vm(void)
{
	const char *v = getenv("MEMPLUG_VM");

	return v && !strcmp(v, "1");
}

FILE *mp_vm_trace_stream(void)
{
	static FILE *f;
	static bool tried;
	const char *path = getenv("MEMPLUG_VM_TRACE");

	if (tried || !mp_in_vm() || !path || !*path)
		return f;
	tried = true;
	f = fopen(path, "we");
	if (!f)
		mp_err("cannot open the trace port %s: %s; the host will not see the steps", path,
		       strerror(errno));
	return f;
}
