// SPDX-License-Identifier: GPL-2.0-or-later
/* Writing traces; reading them is trace-parse.c. */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "base/util.h"
#include "runner/trace.h"

static const char *const op_names[] = {
	[MP_T_ADD] = "add",
	[MP_T_REMOVE] = "remove",
	[MP_T_ONLINE] = "online",
	[MP_T_ONLINE_KERNEL] = "online_kernel",
	[MP_T_ONLINE_MOVABLE] = "online_movable",
	[MP_T_OFFLINE] = "offline",
	[MP_T_INJECT] = "inject",
	[MP_T_CHECK] = "check",
	[MP_T_AUTO_ONLINE] = "auto_online",
	[MP_T_STORM] = "storm",
	[MP_T_WORKLOAD] = "workload",
};

const char *mp_trace_op_name(enum mp_trace_op op)
{
	return (unsigned)op < ARRAY_SIZE(op_names) ? op_names[op] : "?";
}

/* A size the way a person writes it: 256M rather than 268435456. */
static void size_word(uint64_t v, char *buf, size_t len)
{
	static const char units[] = "KMGTPE";
	int u = -1;

	while (v && !(v & 1023) && u < 5) {
		v >>= 10;
		u++;
	}
	if (u < 0)
		snprintf(buf, len, "%" PRIu64, v);
	else
		snprintf(buf, len, "%" PRIu64 "%c", v, units[u]);
}

void mp_trace_format_step(const struct mp_trace_step *st, char *buf, size_t len)
{
	char args[128] = "", sz[32];
	int n;

	switch (st->op) {
	case MP_T_ADD:
		size_word(st->size, sz, sizeof(sz));
		n = snprintf(args, sizeof(args), " D%u %s", st->dev, sz);
		if (st->addr && n > 0 && (size_t)n < sizeof(args))
			n += snprintf(args + n, sizeof(args) - (size_t)n, " addr=0x%" PRIx64,
				      st->addr);
		if (st->node >= 0 && n > 0 && (size_t)n < sizeof(args))
			snprintf(args + n, sizeof(args) - (size_t)n, " node=%d", st->node);
		break;
	case MP_T_REMOVE:
		snprintf(args, sizeof(args), " D%u", st->dev);
		break;
	case MP_T_ONLINE:
	case MP_T_ONLINE_KERNEL:
	case MP_T_ONLINE_MOVABLE:
	case MP_T_OFFLINE:
		snprintf(args, sizeof(args), " %" PRIu64, st->block);
		break;
	case MP_T_INJECT:
		if (!strcmp(st->point, MP_INJECT_SYSRQ_CRASH))
			snprintf(args, sizeof(args), " %s", st->point);
		else
			snprintf(args, sizeof(args), " %s %d", st->point, st->err);
		break;
	case MP_T_CHECK:
		break;
	case MP_T_AUTO_ONLINE:
		snprintf(args, sizeof(args), " %s", st->point);
		break;
	case MP_T_STORM:
		snprintf(args, sizeof(args), " %" PRIu64 "-%" PRIu64 " %u", st->block,
			 st->block_last, st->duration_ms);
		break;
	case MP_T_WORKLOAD:
		if (!strcmp(st->point, "start")) {
			size_word(st->size, sz, sizeof(sz));
			n = snprintf(args, sizeof(args), " start size=%s kind=%s", sz, st->kind);
			if (st->node >= 0 && n > 0 && (size_t)n < sizeof(args))
				snprintf(args + n, sizeof(args) - (size_t)n, " node=%d", st->node);
		} else if (!strcmp(st->point, "place")) {
			snprintf(args, sizeof(args), " place %" PRIu64 "-%" PRIu64, st->block,
				 st->block_last);
		} else {
			snprintf(args, sizeof(args), " %s", st->point);
		}
		break;
	case MP_T_NOPS:
		break;
	}
	n = snprintf(buf, len, "%s%s", mp_trace_op_name(st->op), args);
	if (st->outcome[0] && n > 0 && (size_t)n < len)
		snprintf(buf + n, len - (size_t)n, "%*s-> %s%s%s", n < 30 ? 30 - n : 1, "",
			 st->outcome, st->note[0] ? " " : "", st->note);
}

void mp_trace_write_header(FILE *f, const struct mp_trace_header *h)
{
	fprintf(f, "memplug-trace %u\n", h->version ? h->version : 1);
	fprintf(f, "seed %" PRIu64 "\n", h->seed);
	fprintf(f, "kernel %s\n", h->kernel[0] ? h->kernel : "unknown");
	fprintf(f, "block_size 0x%" PRIx64 "\n", h->block_size);
	fprintf(f, "memmap_on_memory %s\n", h->memmap_on_memory[0] ? h->memmap_on_memory : "-");
	fprintf(f, "backend %s\n", h->backend[0] ? h->backend : "qmp");
	if (h->scenario[0])
		fprintf(f, "scenario %s\n", h->scenario);
	if (h->device_type[0])
		fprintf(f, "device_type %s\n", h->device_type);
}
