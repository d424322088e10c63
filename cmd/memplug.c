// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug - a memory-hotplug exerciser. This file is the thin command line:
 * it picks the command and hands it the common context; each command lives
 * in its own file beside this one; what they share is in common.c.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "memplug.h"

const char *argp_program_version = PACKAGE_STRING;
const char *argp_program_bug_address = NULL;

struct command {
	const char *name;
	int (*fn)(struct mp_ctx *ctx, int argc, char **argv);
	const char *help;
};

static int cmd_help(struct mp_ctx *ctx, int argc, char **argv);

static const struct command commands[] = {
	{ "run", cmd_run, "Adversarial scenarios, every check after each step (main job)" },
	{ "list", cmd_list, "List memory blocks and ranges (lsmem's view, with zones, memmap)" },
	{ "online", cmd_online, "Online blocks (--zone auto|kernel|movable), read them back" },
	{ "offline", cmd_offline, "Offline blocks, read them back" },
	{ "add", cmd_add, "Hot-add memory (--backend qmp), wait for its blocks" },
	{ "remove", cmd_remove, "Hot-remove a device (--backend qmp|acpi), wait for it to go" },
	{ "restore", cmd_restore, "Undo what an unfinished memplug left in its journal" },
	{ "snapshot", cmd_snapshot, "Read every sensor now; --save FILE keeps it as a baseline" },
	{ "check", cmd_check, "Check the invariants now and against a baseline" },
	{ "pages", cmd_pages, "/proc/kpageflags per block: free, in use, no memmap, poisoned" },
	{ "qmp", cmd_qmp, "Send one QMP command to QEMU and print the reply (debugging)" },
	{ "replay", cmd_replay, "Run a trace again with every check on; exit 1 on findings" },
	{ "shrink", cmd_shrink, "Shrink a failing trace to the steps that still give its finding" },
	{ "decode-oops", cmd_decode_oops,
	  "Decode a console log's crash: struct page, block, device" },
	{ "help", cmd_help, "Describe memplug, or a command: memplug help COMMAND (as --help)" },
};

static const struct command *find_command(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(commands); i++)
		if (!strcmp(name, commands[i].name))
			return &commands[i];
	return NULL;
}

struct top_args {
	struct mp_ctx *ctx;
	const struct command *cmd;
	int cmd_argc;
	char **cmd_argv;
};

static error_t top_parse(int key, char *arg, struct argp_state *state)
{
	struct top_args *a = state->input;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case ARGP_KEY_ARG:
		a->cmd = find_command(arg);
		if (!a->cmd)
			mp_usage(state, "unknown command \"%s\" (memplug help lists them)", arg);
		/* the command parses the rest itself, from its own name on */
		a->cmd_argc = state->argc - state->next + 1;
		a->cmd_argv = &state->argv[state->next - 1];
		state->next = state->argc;
		return 0;
	case ARGP_KEY_NO_ARGS:
		mp_usage(state, "a command is needed");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static char *top_help_filter(int key, const char *text, void *input)
{
	char *s;
	size_t i, len = 0;
	FILE *f;

	if (key != ARGP_KEY_HELP_POST_DOC)
		return (char *)text;
	f = open_memstream(&s, &len);
	if (!f)
		return (char *)text;
	fputs("Commands:\n", f);
	for (i = 0; i < ARRAY_SIZE(commands); i++)
		fprintf(f, "  %-11s %s\n", commands[i].name, commands[i].help);
	fputs("\n'memplug COMMAND --help' describes a command. Exit status: 0 nothing wrong, "
	      "1 findings, 2 usage or environment error, 3 partial (not all that was asked could be done), "
	      "4 skipped. See memplug(8).",
	      f);
	fclose(f);
	return s;
}

static const struct argp top_argp = { NULL,
				      top_parse,
				      "COMMAND [ARGS...]",
				      "memplug -- drive and check Linux memory hotplug.\v",
				      mp_common_children,
				      top_help_filter,
				      NULL };

/* memplug help [COMMAND]: what --help prints, of memplug or of COMMAND. */
static int cmd_help(struct mp_ctx *ctx, int argc, char **argv)
{
	const struct command *c;
	char name[64], dash_help[] = "--help";
	char *args[] = { argv[0], dash_help, NULL };

	if (argc > 2) {
		mp_err("help takes one command at most");
		return MP_EXIT_USAGE;
	}
	if (argc < 2) {
		argp_help(&top_argp, stdout, ARGP_HELP_STD_HELP, (char *)"memplug");
		return MP_EXIT_OK;
	}
	c = find_command(argv[1]);
	if (!c || c->fn == cmd_help) {
		mp_err("no command \"%s\" (memplug help lists them)", argv[1]);
		return MP_EXIT_USAGE;
	}
	snprintf(name, sizeof(name), "memplug %s", c->name);
	ctx->name = program_invocation_short_name = name;
	return c->fn(ctx, 2, args);
}

int main(int argc, char **argv)
{
	struct mp_ctx ctx;
	struct top_args a = { .ctx = &ctx };
	char name[64];

	argp_err_exit_status = MP_EXIT_USAGE;
	mp_ctx_init(&ctx);
	/* getopt's errors start with argv[0]: "memplug: ", as every error */
	argv[0] = (char *)"memplug";
	if (argp_parse(&top_argp, argc, argv, ARGP_IN_ORDER, NULL, &a))
		return MP_EXIT_USAGE;
	snprintf(name, sizeof(name), "memplug %s", a.cmd->name);
	ctx.name = program_invocation_short_name = name; /* see common_parse */
	a.cmd_argv[0] = argv[0];
	return a.cmd->fn(&ctx, a.cmd_argc, a.cmd_argv);
}
