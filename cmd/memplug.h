/* SPDX-License-Identifier: GPL-2.0-or-later */
/* The command line: what every command gets, and the commands. */
#ifndef MEMPLUG_MEMPLUG_H
#define MEMPLUG_MEMPLUG_H

#include <argp.h>
#include <stdbool.h>
#include <stdio.h>

#include "base/log.h"
#include "base/path.h"

struct mp_ctx {
	const char *name;    /* "memplug list": what --help and --usage call the command */
	const char *sysroot; /* --sysroot, NULL for the live system */
	int verbose;
	struct mp_log log; /* prints "memplug: ..." on stderr */
};

/* No sysroot, not verbose, the log on stderr. */
void mp_ctx_init(struct mp_ctx *ctx);

/* The options every command takes (--sysroot, --verbose), as an argp child. */
extern const struct argp mp_common_argp;
/* The children of a command that changes nothing: mp_common_argp (input: struct mp_ctx). */
extern const struct argp_child mp_common_children[];

/* Open the root context or print why not; returns an exit status or 0. */
int mp_ctx_root(struct mp_ctx *ctx, struct mp_root **root);

/* --timeout, --dry-run, --no-restore, --allow-boot-memory; input: struct mp_session_opts. */
extern const struct argp mp_change_argp;
/*
 * The children of a command that changes memory: mp_common_argp and
 * mp_change_argp (child inputs 0: struct mp_ctx, 1: struct mp_session_opts);
 * the same without --dry-run (keep), without --no-restore (dry_run), or
 * with neither (only: --timeout and --allow-boot-memory), for the commands
 * that have no such option, so that their --help lists only what they take.
 */
extern const struct argp_child mp_change_children[];
extern const struct argp_child mp_change_keep_children[];
extern const struct argp_child mp_change_dry_run_children[];
extern const struct argp_child mp_change_only_children[];

/* Print "memplug: <msg>" on stderr. */
void mp_err(const char *fmt, ...) _printf_(1, 2);
/*
 * A usage error while parsing: "memplug: <msg>" on stderr, one line, as
 * every other error, then argp's exit with status 2 (argp_error would
 * prefix the command's name and add a wrapped hint).
 */
void mp_usage(const struct argp_state *state, const char *fmt, ...) _printf_(2, 3);

/*
 * One meaning per letter across commands, as lsmem has them: -o the column
 * list, -n --noheadings, -S --split. A command where the letter meant
 * something else takes it hidden and refuses it with what to use instead.
 */
void mp_letter_elsewhere(const struct argp_state *state, int key, const char *instead);

struct mp_session;
struct mp_step;
struct mp_session_opts;
enum mp_target;

/*
 * A zone to online to, as --zone and --online take it, in any case: auto
 * (or online), kernel (online_kernel, chmem's Normal), movable
 * (online_movable, chmem's Movable). Returns 0 or -EINVAL.
 */
#define MP_ZONE_WORDS "auto, kernel (Normal) or movable"
int mp_parse_zone(const char *arg, enum mp_target *t);

/* Start a session that changes memory, or print why not (exit status or 0). */
int mp_ctx_session(struct mp_ctx *ctx, struct mp_root *root, const struct mp_session_opts *opts,
		   struct mp_session **s);
/* End it, restoring unless told not to; returns the worse exit status. */
int mp_ctx_session_end(struct mp_ctx *ctx, struct mp_session *s, bool restore, int status);
/*
 * The exit status after one more block change: a wrong read-back is a
 * finding (1); a change refused, failed, timed out or interrupted makes a
 * clean status partial (3); the rest leave it.
 */
int mp_step_status(const struct mp_step *st, int status);

/*
 * Inside a memplug-vm guest (MEMPLUG_VM=1): the host's trace port
 * (MEMPLUG_VM_TRACE), opened once, or NULL; and whether steps may crash
 * the kernel on purpose (inject sysrq-crash).
 */
FILE *mp_vm_trace_stream(void);
bool mp_in_vm(void);

int cmd_list(struct mp_ctx *ctx, int argc, char **argv);
int cmd_online(struct mp_ctx *ctx, int argc, char **argv);
int cmd_offline(struct mp_ctx *ctx, int argc, char **argv);
int cmd_restore(struct mp_ctx *ctx, int argc, char **argv);
int cmd_add(struct mp_ctx *ctx, int argc, char **argv);
int cmd_remove(struct mp_ctx *ctx, int argc, char **argv);
int cmd_run(struct mp_ctx *ctx, int argc, char **argv);
int cmd_qmp(struct mp_ctx *ctx, int argc, char **argv);
int cmd_pages(struct mp_ctx *ctx, int argc, char **argv);
int cmd_snapshot(struct mp_ctx *ctx, int argc, char **argv);
int cmd_check(struct mp_ctx *ctx, int argc, char **argv);
int cmd_replay(struct mp_ctx *ctx, int argc, char **argv);
int cmd_shrink(struct mp_ctx *ctx, int argc, char **argv);
int cmd_decode_oops(struct mp_ctx *ctx, int argc, char **argv);

#endif
