// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug qmp: send one QMP command to QEMU and print the reply. A debugging
 * aid, and a way to see what memplug's QMP backend sees: from the host with
 * --qmp SOCKET, or inside a guest over the org.qemu.qmp virtio-serial port,
 * found by itself.
 */
#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "memplug.h"
#include "ops/qmp.h"

struct qmp_args {
	struct mp_ctx *ctx;
	const char *path;
	const char *cmd;
	const char *json;
	struct json_object *args;
	const char *event;
	int timeout_ms;
};

enum { OPT_QMP = 0x100, OPT_TIMEOUT, OPT_WAIT_EVENT };

static const struct argp_option qmp_options[] = {
	{ "qmp", OPT_QMP, "PATH", 0,
	  "QMP unix socket or character device (default: the guest's org.qemu.qmp port)", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "Give up after this long (default 10)", 0 },
	{ "wait-event", OPT_WAIT_EVENT, "NAME", 0, "Then wait for the event NAME and print it too",
	  0 },
	{ 0 }
};

/* Seconds with an optional fraction, into milliseconds. */
static int parse_seconds(const char *s, int *ms)
{
	char *end;
	double d;

	errno = 0;
	d = strtod(s, &end);
	if (errno || end == s || *end || !(d >= 0) || d > 86400.0 * 365)
		return -EINVAL;
	*ms = (int)(d * 1000 + 0.5);
	return 0;
}

static error_t qmp_parse(int key, char *arg, struct argp_state *state)
{
	struct qmp_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case OPT_QMP:
		if (!*arg)
			mp_usage(state, "--qmp needs a path");
		a->path = arg;
		return 0;
	case OPT_TIMEOUT:
		if (parse_seconds(arg, &a->timeout_ms) < 0)
			mp_usage(state, "--timeout takes seconds, not \"%s\"", arg);
		return 0;
	case OPT_WAIT_EVENT:
		a->event = arg;
		return 0;
	case ARGP_KEY_ARG:
		if (!a->cmd)
			a->cmd = arg;
		else if (!a->json)
			a->json = arg;
		else
			mp_usage(state, "too many arguments: \"%s\"", arg);
		return 0;
	case ARGP_KEY_END:
		if (!a->cmd)
			mp_usage(state, "a QMP command is needed (e.g. query-memory-devices)");
		if (a->json) {
			enum json_tokener_error jerr;

			a->args = json_tokener_parse_verbose(a->json, &jerr);
			if (!json_object_is_type(a->args, json_type_object)) {
				json_object_put(a->args);
				a->args = NULL;
				mp_usage(state, "the arguments are not a JSON object: %s", a->json);
			}
		}
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp qmp_argp = {
	qmp_options,
	qmp_parse,
	"COMMAND [ARGUMENTS-JSON]",
	"Send one QMP command to QEMU and print its return value as JSON.\v"
	"Examples:\n"
	"  memplug qmp --qmp /run/vm/qmp.sock query-memory-devices\n"
	"  memplug qmp object-add \\\n"
	"      '{\"qom-type\":\"memory-backend-ram\",\"id\":\"m1\",\"size\":134217728}'\n"
	"  memplug qmp --wait-event DEVICE_DELETED device_del '{\"id\":\"d1\"}'\n"
	"Without --qmp, the guest's virtio-serial port org.qemu.qmp is used (found under "
	"--sysroot). Exit status 2, with the reason on stderr, when QEMU cannot be reached, "
	"the peer does not speak QMP, the command fails or the timeout passes.",
	mp_common_children,
	NULL,
	NULL
};

static int run(struct mp_ctx *ctx, struct qmp_args *a);

int cmd_qmp(struct mp_ctx *ctx, int argc, char **argv)
{
	struct qmp_args a = { .ctx = ctx, .timeout_ms = 10000 };
	int r;

	if (argp_parse(&qmp_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	r = run(ctx, &a);
	json_object_put(a.args);
	return r;
}

static int run(struct mp_ctx *ctx, struct qmp_args *a)
{
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_qmp_ struct mp_qmp *q = NULL;
	struct json_object *reply = NULL;
	int64_t start;
	int r, left;

	r = mp_ctx_root(ctx, &root);
	if (r)
		return r;
	start = mp_qmp_now_ms();
	r = mp_qmp_open(root, a->path, a->timeout_ms, &ctx->log, &q);
	if (r < 0) {
		mp_err("qmp: %s", mp_qmp_why(q));
		return MP_EXIT_USAGE;
	}
	left = a->timeout_ms - (int)(mp_qmp_now_ms() - start);
	r = mp_qmp_execute(q, a->cmd, a->args, &reply, left > 0 ? left : 0);
	if (r < 0) {
		mp_err("qmp: %s", mp_qmp_why(q));
		return MP_EXIT_USAGE;
	}
	puts(json_object_to_json_string_ext(reply, JSON_C_TO_STRING_PRETTY |
							   JSON_C_TO_STRING_SPACED |
							   JSON_C_TO_STRING_NOSLASHESCAPE));
	json_object_put(reply);
	if (a->event) {
		struct json_object *ev;

		left = a->timeout_ms - (int)(mp_qmp_now_ms() - start);
		r = mp_qmp_wait_event(q, a->event, NULL, NULL, left > 0 ? left : 0, &ev);
		if (r < 0) {
			mp_err("qmp: %s", mp_qmp_why(q));
			return MP_EXIT_USAGE;
		}
		puts(json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PRETTY |
								JSON_C_TO_STRING_SPACED |
								JSON_C_TO_STRING_NOSLASHESCAPE));
		json_object_put(ev);
	}
	return fflush(stdout) ? MP_EXIT_USAGE : MP_EXIT_OK;
}
