// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug online, memplug offline: change blocks' states through the
 * session (journal, timeout, read-back, restore at the end).
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "memplug.h"
#include "ops/device.h"
#include "ops/session.h"
#include "sensors/block.h"

#define MP_DEFAULT_TIMEOUT_S 60

struct state_args {
	struct mp_ctx *ctx;
	enum mp_target target;
	bool offline;
	struct mp_selector sel;
	struct mp_session_opts opts;
};

enum { OPT_ZONE = 'z' };

static const struct argp_option online_options[] = {
	{ "zone", OPT_ZONE, "ZONE", 0,
	  "auto (write \"online\"), kernel (\"online_kernel\") or movable (\"online_movable\")",
	  0 },
	{ 0 }
};

static error_t state_parse(int key, char *arg, struct argp_state *state)
{
	struct state_args *a = state->input;
	char err[200];

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		state->child_inputs[1] = &a->opts;
		return 0;
	case OPT_ZONE:
		if (mp_parse_zone(arg, &a->target) < 0)
			mp_usage(state, "--zone takes " MP_ZONE_WORDS ", not \"%s\"", arg);
		return 0;
	case ARGP_KEY_ARG:
		if (mp_selector_parse(arg, &a->sel, err, sizeof(err)) < 0)
			mp_usage(state, "%s", err);
		return 0;
	case ARGP_KEY_NO_ARGS:
		mp_usage(state,
			 "which blocks? (BLOCKS: 32, 32-39, node:1, zone:movable, 512M, ...)");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp online_argp = {
	online_options,
	state_parse,
	"BLOCKS...",
	"Online memory blocks, lowest first; read each back (state and zone).\v"
	"Everything is put back at the end unless --no-restore. See memplug(8).",
	mp_change_children,
	NULL,
	NULL
};

static const struct argp offline_argp = {
	NULL,
	state_parse,
	"BLOCKS...",
	"Offline memory blocks, highest first; read each back.\v"
	"Memory that was there at boot is refused unless --allow-boot-memory. Everything is "
	"put back at the end unless --no-restore. See memplug(8).",
	mp_change_children,
	NULL,
	NULL
};

static void print_step(const struct mp_step *st)
{
	char zone[MP_ZONES_LEN + 8] = "";

	if (st->after == MP_STATE_ONLINE && st->zones_after[0])
		snprintf(zone, sizeof(zone), " (%s)", st->zones_after);
	switch (st->outcome) {
	case MP_DONE:
		printf("memory%" PRIu64 ": %s -> %s%s in %" PRIu64 " ms\n", st->block,
		       mp_state_name(st->before), mp_target_name(st->target), zone,
		       st->elapsed_ns / 1000000);
		break;
	case MP_ALREADY:
		printf("memory%" PRIu64 ": already %s%s%s%s\n", st->block, mp_state_name(st->after),
		       zone, st->why[0] ? ": " : "", st->why);
		break;
	case MP_DRY_RUN:
		printf("memory%" PRIu64 ": would write %s (now %s)\n", st->block,
		       mp_target_name(st->target), mp_state_name(st->before));
		break;
	case MP_REFUSED:
		mp_err("memory%" PRIu64 ": refused: %s", st->block, st->why);
		break;
	case MP_WRONG:
		printf("memory%" PRIu64 ": FINDING state: %s\n", st->block, st->why);
		break;
	case MP_RACE:
		printf("memory%" PRIu64 ": race: %s\n", st->block, st->why);
		break;
	case MP_TIMEOUT:
		mp_err("memory%" PRIu64 ": %s timed out after %.1f s; the state reads %s%s",
		       st->block, mp_target_name(st->target), (double)st->elapsed_ns / 1e9,
		       mp_state_name(st->after), zone);
		break;
	case MP_INTERRUPTED:
		mp_err("memory%" PRIu64 ": %s interrupted; the state reads %s", st->block,
		       mp_target_name(st->target), mp_state_name(st->after));
		break;
	case MP_FAILED:
		mp_err("memory%" PRIu64 ": %s failed: %s; the state reads %s%s", st->block,
		       mp_target_name(st->target), st->why[0] ? st->why : strerror(-st->err),
		       mp_state_name(st->after), zone);
		break;
	}
	fflush(stdout);
}

static int change_states(struct mp_ctx *ctx, struct state_args *a)
{
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_memory_ struct mp_memory *mem = NULL;
	_cleanup_free_ struct mp_block **v = NULL;
	struct mp_session *s = NULL;
	int status = MP_EXIT_OK, r;
	char err[200];
	ssize_t n;

	if (a->opts.timeout_ms == 0 && !a->opts.dry_run)
		mp_logf(&ctx->log, MP_LOG_INFO, "writes are not bounded (--timeout 0)");
	r = mp_ctx_root(ctx, &root);
	if (r)
		return r;
	r = mp_memory_read(root, MP_READ_STATE | MP_READ_ZONES | MP_READ_NODE, &ctx->log, &mem);
	if (r == -ENODEV) {
		mp_err("the kernel has no memory hotplug interface (no %s)", MP_SYS_MEMORY);
		return MP_EXIT_SKIP;
	}
	if (r < 0) {
		mp_err("cannot read %s: %s", MP_SYS_MEMORY, strerror(-r));
		return MP_EXIT_USAGE;
	}
	n = mp_selector_resolve(&a->sel, mem, a->offline ? MP_SEL_OFFLINE : MP_SEL_ONLINE, &v, err,
				sizeof(err));
	if (n < 0) {
		mp_err("%s", err);
		return MP_EXIT_USAGE;
	}
	if (n == 0) {
		mp_err("no block matches");
		return MP_EXIT_USAGE;
	}
	r = mp_ctx_session(ctx, root, &a->opts, &s);
	if (r)
		return r;
	for (ssize_t i = 0; i < n && !mp_stop_signal; i++) {
		/* online lowest first, offline highest first */
		const struct mp_block *b = v[a->offline ? n - 1 - i : i];
		struct mp_step st;

		mp_block_set(s, b->id, a->target, &st);
		print_step(&st);
		status = mp_step_status(&st, status);
	}
	if (mp_stop_signal && status == MP_EXIT_OK)
		status = MP_EXIT_PARTIAL;
	return mp_ctx_session_end(ctx, s, !a->opts.no_restore && !a->opts.dry_run, status);
}

static int state_cmd(struct mp_ctx *ctx, int argc, char **argv, bool offline)
{
	struct state_args a = {
		.ctx = ctx,
		.target = offline ? MP_OFFLINE : MP_ONLINE,
		.offline = offline,
		.opts = { .timeout_ms = MP_DEFAULT_TIMEOUT_S * 1000 },
	};
	int r;

	if (argp_parse(offline ? &offline_argp : &online_argp, argc, argv, 0, NULL, &a)) {
		mp_selector_clear(&a.sel);
		return MP_EXIT_USAGE;
	}
	r = change_states(ctx, &a);
	mp_selector_clear(&a.sel);
	return r;
}

int cmd_online(struct mp_ctx *ctx, int argc, char **argv)
{
	return state_cmd(ctx, argc, argv, false);
}

int cmd_offline(struct mp_ctx *ctx, int argc, char **argv)
{
	return state_cmd(ctx, argc, argv, true);
}
