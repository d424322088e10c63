// SPDX-License-Identifier: GPL-2.0-or-later
/* memplug restore: undo what a memplug that did not finish left in its journal. */
#include "config.h"

#include <stdbool.h>

#include "memplug.h"
#include "ops/device.h"
#include "ops/session.h"

#define MP_DEFAULT_TIMEOUT_S 60

struct restore_args {
	struct mp_ctx *ctx;
	struct mp_session_opts opts;
};

static error_t restore_parse(int key, char *arg, struct argp_state *state)
{
	struct restore_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		state->child_inputs[1] = &a->opts;
		return 0;
	case ARGP_KEY_ARG:
		mp_usage(state, "restore takes no arguments");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp restore_argp = {
	NULL,
	restore_parse,
	NULL,
	"Undo what a memplug that did not finish left in /run/memplug.journal, newest first.",
	mp_change_only_children,
	NULL,
	NULL
};

/* A dead memplug's devices, undone through the backends its journal names. */
struct restore_dev {
	struct mp_ctx *ctx;
	const struct mp_root *root;
	unsigned timeout_ms;
};

static int restore_remove(void *userdata, const struct mp_device_ref *ref, char *why, size_t len)
{
	struct restore_dev *d = userdata;

	return mp_device_undo(NULL, d->root, &d->ctx->log, d->timeout_ms, false, ref, why, len);
}

static int restore_readd(void *userdata, const struct mp_device_ref *ref, char *why, size_t len)
{
	struct restore_dev *d = userdata;

	return mp_device_undo(NULL, d->root, &d->ctx->log, d->timeout_ms, true, ref, why, len);
}

int cmd_restore(struct mp_ctx *ctx, int argc, char **argv)
{
	struct restore_args a = {
		.ctx = ctx,
		.opts = { .timeout_ms = MP_DEFAULT_TIMEOUT_S * 1000, .recover = true },
	};
	_cleanup_root_ struct mp_root *root = NULL;
	struct mp_session *s = NULL;
	struct restore_dev dev = { .ctx = ctx };
	int r;

	if (argp_parse(&restore_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	r = mp_ctx_root(ctx, &root);
	if (r)
		return r;
	dev.root = root;
	dev.timeout_ms = a.opts.timeout_ms;
	a.opts.remove_device = restore_remove;
	a.opts.readd_device = restore_readd;
	a.opts.userdata = &dev;
	r = mp_ctx_session(ctx, root, &a.opts, &s);
	if (r)
		return r;
	ctx->verbose = ctx->verbose ? ctx->verbose : 1; /* say what was restored */
	return mp_ctx_session_end(ctx, s, true, MP_EXIT_OK);
}
