// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Reading traces (the writer is trace.c; the format is in trace.h and in
 * memplug(8), TRACE FORMAT). Strict: the first line that is not exactly
 * what the writer would write, give or take spaces, comments and the
 * outcomes, stops the parse with its number and the reason.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "base/util.h"
#include "runner/trace.h"

#define MAX_LINE 4096 /* bytes of one line, newline excluded */
#define MAX_WORDS 8
#define MAX_DEV 65535 /* D1 .. D65535 */
#define MAX_NODE 1023 /* the kernel's MAX_NUMNODES is at most 1024 */
#define MAX_FILE (64u << 20)

struct pstate {
	struct mp_trace *t;
	size_t cap;
	unsigned line;
	char *why;
	size_t wlen;
	/* header keys seen, in this order */
	bool have[8];
	bool *ever; /* DN: whether an add of it came before */
};

enum { H_VERSION, H_SEED, H_KERNEL, H_BLOCK_SIZE, H_MEMMAP, H_BACKEND, H_SCENARIO, H_DEVTYPE };
static const char *const hkeys[] = {
	[H_VERSION] = "memplug-trace",	 [H_SEED] = "seed",
	[H_KERNEL] = "kernel",		 [H_BLOCK_SIZE] = "block_size",
	[H_MEMMAP] = "memmap_on_memory", [H_BACKEND] = "backend",
	[H_SCENARIO] = "scenario",	 [H_DEVTYPE] = "device_type",
};

static int fail(struct pstate *p, const char *fmt, ...) _printf_(2, 3);
static int fail(struct pstate *p, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (!p->why || !p->wlen)
		return -EINVAL;
	n = snprintf(p->why, p->wlen, "line %u: ", p->line);
	if (n < 0 || (size_t)n >= p->wlen)
		return -EINVAL;
	va_start(ap, fmt);
	vsnprintf(p->why + n, p->wlen - (size_t)n, fmt, ap);
	va_end(ap);
	return -EINVAL;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Split s (modified) into at most MAX_WORDS words; -1 when there are more. */
static int split(char *s, char **w)
{
	int n = 0;

	for (;;) {
		while (is_space(*s))
			s++;
		if (!*s)
			return n;
		if (n == MAX_WORDS)
			return -1;
		w[n++] = s;
		while (*s && !is_space(*s))
			s++;
		if (*s)
			*s++ = '\0';
	}
}

/* A decimal number with an optional minus, whole word. */
static int parse_int(const char *s, long min, long max, long *out)
{
	const char *d = s[0] == '-' ? s + 1 : s;
	uint64_t v;

	if (*d < '0' || *d > '9' || mp_parse_u64(d, 10, &v) < 0 || strpbrk(d, " \t"))
		return -EINVAL;
	if (v > (uint64_t)LONG_MAX)
		return -ERANGE;
	*out = s[0] == '-' ? -(long)v : (long)v;
	return *out < min || *out > max ? -ERANGE : 0;
}

static int parse_dec(const char *s, uint64_t *out)
{
	if (*s < '0' || *s > '9')
		return -EINVAL;
	return mp_parse_u64(s, 10, out);
}

/* "D7" -> 7; D0 is not a name (devices count from D1). */
static int parse_dev(struct pstate *p, const char *op, const char *s, unsigned *out)
{
	uint64_t v;

	if (s[0] != 'D' || parse_dec(s + 1, &v) < 0)
		return fail(p, "%s needs a device name D1, D2, ..., not \"%s\"", op, s);
	if (v == 0 || v > MAX_DEV)
		return fail(p, "device names run from D1 to D%u, not \"%s\"", MAX_DEV, s);
	*out = (unsigned)v;
	return 0;
}

static int copy_word(struct pstate *p, const char *what, const char *s, char *dst, size_t len)
{
	if (strlen(s) >= len)
		return fail(p, "%s \"%.40s%s\" is longer than %zu bytes", what, s,
			    strlen(s) > 40 ? "..." : "", len - 1);
	strcpy(dst, s);
	return 0;
}

static int header_line(struct pstate *p, int key, char **w, int nw)
{
	struct mp_trace_header *h = &p->t->h;
	uint64_t v;

	if (p->have[key])
		return fail(p, "%s given twice", hkeys[key]);
	if (nw != 2)
		return fail(p, "%s takes one value", hkeys[key]);
	p->have[key] = true;
	switch (key) {
	case H_SEED:
		if (parse_dec(w[1], &h->seed) < 0)
			return fail(p, "seed must be a decimal number, not \"%s\"", w[1]);
		return 0;
	case H_KERNEL:
		return copy_word(p, "kernel release", w[1], h->kernel, sizeof(h->kernel));
	case H_BLOCK_SIZE:
		if (mp_parse_u64(w[1], 0, &v) < 0 || v == 0 || (v & (v - 1)))
			return fail(p, "block_size must be a power of two (0x8000000), not \"%s\"",
				    w[1]);
		h->block_size = v;
		return 0;
	case H_MEMMAP:
		return copy_word(p, "memmap_on_memory", w[1], h->memmap_on_memory,
				 sizeof(h->memmap_on_memory));
	case H_BACKEND:
		return copy_word(p, "backend", w[1], h->backend, sizeof(h->backend));
	case H_SCENARIO:
		return copy_word(p, "scenario", w[1], h->scenario, sizeof(h->scenario));
	case H_DEVTYPE:
		if (strcmp(w[1], "dimm") && strcmp(w[1], "virtio-mem"))
			return fail(p, "device_type is dimm or virtio-mem, not \"%.40s\"", w[1]);
		return copy_word(p, "device_type", w[1], h->device_type, sizeof(h->device_type));
	}
	return 0;
}

/* The header is complete before the first operation. */
static int header_done(struct pstate *p)
{
	for (int k = H_SEED; k < H_SCENARIO; k++)
		if (!p->have[k])
			return fail(p,
				    "the header has no %s (seed, kernel, block_size, "
				    "memmap_on_memory and backend come before the first operation)",
				    hkeys[k]);
	return 0;
}

static int parse_op(const char *s, enum mp_trace_op *op)
{
	for (int i = MP_T_ADD; i < MP_T_NOPS; i++)
		if (!strcmp(s, mp_trace_op_name((enum mp_trace_op)i))) {
			*op = (enum mp_trace_op)i;
			return 0;
		}
	return -EINVAL;
}

static int nargs(struct pstate *p, const char *op, int nw, int min, int max, const char *what)
{
	if (nw - 1 < min)
		return fail(p, "%s needs %s", op, what);
	if (nw - 1 > max)
		return fail(p, "%s takes %s, and nothing more", op, what);
	return 0;
}

static int add_args(struct pstate *p, struct mp_trace_step *st, char **w, int nw)
{
	bool have_addr = false, have_node = false;
	uint64_t v;
	int r;

	r = nargs(p, "add", nw, 2, 4,
		  "a device name and a size (add D1 256M [addr=ADDR] [node=N])");
	if (r < 0)
		return r;
	r = parse_dev(p, "add", w[1], &st->dev);
	if (r < 0)
		return r;
	if (mp_parse_size(w[2], &st->size) < 0 || st->size == 0)
		return fail(p, "add: \"%s\" is not a size (256M, 1G, 268435456)", w[2]);
	for (int i = 3; i < nw; i++) {
		if (!strncmp(w[i], "addr=", 5)) {
			if (have_addr)
				return fail(p, "add: addr= given twice");
			have_addr = true;
			if (mp_parse_u64(w[i] + 5, 0, &st->addr) < 0)
				return fail(p, "add: \"%s\" is not an address (addr=0x100000000)",
					    w[i]);
		} else if (!strncmp(w[i], "node=", 5)) {
			if (have_node)
				return fail(p, "add: node= given twice");
			have_node = true;
			if (parse_dec(w[i] + 5, &v) < 0 || v > MAX_NODE)
				return fail(p, "add: \"%s\" is not a node (node=0 to node=%d)",
					    w[i], MAX_NODE);
			st->node = (int)v;
		} else {
			return fail(p, "add: unknown argument \"%s\" (addr=ADDR, node=N)", w[i]);
		}
	}
	/* an add of a name still added is a step like any: the one before may have failed */
	p->ever[st->dev] = true;
	return 0;
}

/* FIRST-LAST (or one block), at most 65 blocks: storm, workload place. */
static int parse_blocks(const char *s, struct mp_trace_step *st)
{
	char buf[64], *dash;

	if (strlen(s) >= sizeof(buf))
		return -EINVAL;
	strcpy(buf, s);
	dash = strchr(buf, '-');
	if (dash)
		*dash = '\0';
	if (parse_dec(buf, &st->block) < 0)
		return -EINVAL;
	st->block_last = st->block;
	if (dash && parse_dec(dash + 1, &st->block_last) < 0)
		return -EINVAL;
	return st->block_last < st->block || st->block_last - st->block > 64 ? -ERANGE : 0;
}

/* workload start size=SIZE kind=KIND [node=N] | place FIRST-LAST | verify | stop */
static int workload_args(struct pstate *p, struct mp_trace_step *st, char **w, int nw)
{
	static const char *const kinds[] = { "4k", "thp", "hugetlb" };
	bool have_node = false;
	uint64_t v;
	int r;

	if (nw < 2)
		return fail(p, "workload needs start, place, verify or stop");
	if (!strcmp(w[1], "verify") || !strcmp(w[1], "stop")) {
		r = nargs(p, "workload", nw, 1, 1, "verify or stop, and nothing more");
		if (r == 0)
			strcpy(st->point, w[1]);
		return r;
	}
	if (!strcmp(w[1], "place")) {
		r = nargs(p, "workload", nw, 2, 2, "place and blocks (workload place 32-33)");
		if (r < 0)
			return r;
		if (parse_blocks(w[2], st) < 0)
			return fail(p, "workload place: the blocks are FIRST-LAST, 65 at most");
		strcpy(st->point, "place");
		return 0;
	}
	if (strcmp(w[1], "start"))
		return fail(p, "workload: \"%s\" is not start, place, verify or stop", w[1]);
	r = nargs(p, "workload", nw, 3, 4, "start size=SIZE kind=4k|thp|hugetlb [node=N]");
	if (r < 0)
		return r;
	strcpy(st->point, "start");
	for (int i = 2; i < nw; i++) {
		if (!strncmp(w[i], "size=", 5)) {
			if (st->size)
				return fail(p, "workload: size= given twice");
			if (mp_parse_size(w[i] + 5, &st->size) < 0 || !st->size)
				return fail(p, "workload: \"%s\" is not a size (size=64M)", w[i]);
		} else if (!strncmp(w[i], "kind=", 5)) {
			if (st->kind[0])
				return fail(p, "workload: kind= given twice");
			for (size_t k = 0; k < ARRAY_SIZE(kinds); k++)
				if (!strcmp(w[i] + 5, kinds[k]))
					strcpy(st->kind, kinds[k]);
			if (!st->kind[0])
				return fail(p,
					    "workload: \"%s\" is not kind=4k, kind=thp or "
					    "kind=hugetlb",
					    w[i]);
		} else if (!strncmp(w[i], "node=", 5)) {
			if (have_node)
				return fail(p, "workload: node= given twice");
			have_node = true;
			if (parse_dec(w[i] + 5, &v) < 0 || v > MAX_NODE)
				return fail(p, "workload: \"%s\" is not a node (node=0 to node=%d)",
					    w[i], MAX_NODE);
			st->node = (int)v;
		} else {
			return fail(p, "workload: unknown argument \"%s\" (size=, kind=, node=)",
				    w[i]);
		}
	}
	if (!st->size || !st->kind[0])
		return fail(p, "workload start needs size= and kind=");
	return 0;
}

static int step_args(struct pstate *p, struct mp_trace_step *st, char **w, int nw)
{
	const char *op = w[0];
	long e;
	int r;

	switch (st->op) {
	case MP_T_ADD:
		return add_args(p, st, w, nw);
	case MP_T_REMOVE:
		r = nargs(p, op, nw, 1, 1, "a device name (remove D1)");
		if (r < 0 || (r = parse_dev(p, op, w[1], &st->dev)) < 0)
			return r;
		if (!p->ever[st->dev])
			return fail(p, "remove: D%u was never added", st->dev);
		return 0;
	case MP_T_ONLINE:
	case MP_T_ONLINE_KERNEL:
	case MP_T_ONLINE_MOVABLE:
	case MP_T_OFFLINE:
		if (nw == 1)
			return fail(p, "%s needs a block number", op);
		r = nargs(p, op, nw, 1, 1, "one block number");
		if (r < 0)
			return r;
		if (parse_dec(w[1], &st->block) < 0)
			return fail(p, "%s: \"%s\" is not a block number (decimal, as in memory32)",
				    op, w[1]);
		return 0;
	case MP_T_INJECT:
		if (nw == 2 && !strcmp(w[1], MP_INJECT_SYSRQ_CRASH)) {
			strcpy(st->point, w[1]);
			return 0;
		}
		r = nargs(p, op, nw, 2, 2,
			  "a point and an error (inject MEM_GOING_OFFLINE -12; 0 disarms)");
		if (r < 0)
			return r;
		if (strcmp(w[1], "MEM_GOING_ONLINE") && strcmp(w[1], "MEM_GOING_OFFLINE"))
			return fail(p,
				    "inject: the point is MEM_GOING_ONLINE or MEM_GOING_OFFLINE, "
				    "not \"%s\"",
				    w[1]);
		strcpy(st->point, w[1]);
		if (parse_int(w[2], -4095, 0, &e) < 0)
			return fail(p,
				    "inject: the error is 0 or a negative errno (-4095 to -1), "
				    "not \"%s\"",
				    w[2]);
		st->err = (int)e;
		return 0;
	case MP_T_CHECK:
		return nargs(p, op, nw, 0, 0, "no arguments");
	case MP_T_AUTO_ONLINE:
		r = nargs(p, op, nw, 1, 1,
			  "a value (offline, online, online_kernel, online_movable)");
		if (r < 0)
			return r;
		if (strcmp(w[1], "offline") && strcmp(w[1], "online") &&
		    strcmp(w[1], "online_kernel") && strcmp(w[1], "online_movable"))
			return fail(p,
				    "auto_online: \"%s\" is not offline, online, online_kernel "
				    "or online_movable",
				    w[1]);
		strcpy(st->point, w[1]);
		return 0;
	case MP_T_STORM: {
		uint64_t ms;

		r = nargs(p, op, nw, 2, 2, "blocks and milliseconds (storm 32-35 2000)");
		if (r < 0)
			return r;
		if (parse_blocks(w[1], st) < 0)
			return fail(p, "storm: the blocks are FIRST-LAST, 65 at most");
		if (parse_dec(w[2], &ms) < 0 || !ms || ms > 3600000)
			return fail(p,
				    "storm: \"%s\" is not a duration in milliseconds (1 to 3600000)",
				    w[2]);
		st->duration_ms = (unsigned)ms;
		return 0;
	}
	case MP_T_WORKLOAD:
		return workload_args(p, st, w, nw);
	case MP_T_NOPS:
		break;
	}
	return 0;
}

/* "-> outcome [note...]" */
static int outcome(struct pstate *p, struct mp_trace_step *st, char *s)
{
	char *end;
	size_t n;

	while (is_space(*s))
		s++;
	n = strcspn(s, " \t");
	if (!n)
		return fail(p, "\"->\" needs an outcome after it (done, failed, ...)");
	if (n >= sizeof(st->outcome))
		return fail(p, "outcome \"%.*s\" is longer than %zu bytes", (int)n, s,
			    sizeof(st->outcome) - 1);
	memcpy(st->outcome, s, n);
	st->outcome[n] = '\0';
	s += n;
	while (is_space(*s))
		s++;
	end = s + strlen(s);
	while (end > s && is_space(end[-1]))
		end--;
	if ((size_t)(end - s) >= sizeof(st->note))
		return fail(p, "the note after the outcome is longer than %zu bytes",
			    sizeof(st->note) - 1);
	memcpy(st->note, s, (size_t)(end - s));
	st->note[end - s] = '\0';
	return 0;
}

static int op_line(struct pstate *p, enum mp_trace_op op, char *s)
{
	struct mp_trace_step *st;
	char *arrow, *w[MAX_WORDS];
	int nw, r;

	if (p->t->n == p->cap) {
		size_t cap = p->cap ? 2 * p->cap : 64;
		struct mp_trace_step *v = realloc(p->t->steps, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		p->t->steps = v;
		p->cap = cap;
	}
	st = &p->t->steps[p->t->n];
	memset(st, 0, sizeof(*st));
	st->op = op;
	st->node = -1;
	arrow = strstr(s, "->");
	if (arrow) {
		if (arrow > s && !is_space(arrow[-1]))
			return fail(p, "\"->\" must follow a space");
		*arrow = '\0';
		r = outcome(p, st, arrow + 2);
		if (r < 0)
			return r;
	}
	nw = split(s, w);
	if (nw < 0)
		return fail(p, "too many words for %s", mp_trace_op_name(op));
	r = step_args(p, st, w, nw);
	if (r < 0)
		return r;
	p->t->n++;
	return 0;
}

/* One line, NUL-terminated, without its newline. */
static int line(struct pstate *p, char *s)
{
	char first[32], *w[MAX_WORDS];
	size_t n;
	enum mp_trace_op op;
	int key;

	while (is_space(*s))
		s++;
	if (!*s || *s == '#')
		return 0;
	n = strcspn(s, " \t");
	snprintf(first, sizeof(first), "%.*s", (int)(n < sizeof(first) ? n : sizeof(first) - 1), s);
	if (!p->have[H_VERSION]) {
		char *copy = s;
		long v;
		int nw;

		if (strcmp(first, hkeys[H_VERSION]))
			return fail(
				p,
				"not a memplug trace (the first line must be \"memplug-trace 1\")");
		if (strlen(s) > 40 || (nw = split(copy, w)) != 2)
			return fail(p, "memplug-trace takes one value, the format version");
		if (parse_int(w[1], 1, 1000000, &v) < 0)
			return fail(p, "\"%s\" is not a format version", w[1]);
		if (v != 1)
			return fail(p, "trace format version %ld; this memplug reads version 1", v);
		p->t->h.version = 1;
		p->have[H_VERSION] = true;
		return 0;
	}
	if (parse_op(first, &op) == 0) {
		if (p->t->n == 0) {
			int r = header_done(p);

			if (r < 0)
				return r;
		}
		return op_line(p, op, s);
	}
	for (key = H_VERSION; key <= H_DEVTYPE; key++)
		if (!strcmp(first, hkeys[key]))
			break;
	if (key > H_DEVTYPE)
		return fail(p,
			    "unknown operation \"%s\" (add, remove, online, online_kernel, "
			    "online_movable, offline, inject, check, auto_online, storm, "
			    "workload)",
			    first);
	if (p->t->n)
		return fail(p, "header line \"%s\" after the first operation", first);
	if (key == H_VERSION)
		return fail(p, "memplug-trace given twice");
	{
		char *wv[MAX_WORDS];
		int nw = split(s, wv);

		return header_line(p, key, wv, nw < 0 ? MAX_WORDS + 1 : nw);
	}
}

int mp_trace_parse(const char *buf, size_t len, struct mp_trace *out, char *why, size_t wlen)
{
	struct pstate p = { .t = out, .why = why, .wlen = wlen };
	char lb[MAX_LINE + 1];
	size_t i = 0;
	int r = 0;

	memset(out, 0, sizeof(*out));
	if (why && wlen)
		why[0] = '\0';
	p.ever = calloc(MAX_DEV + 1, sizeof(*p.ever));
	if (!p.ever) {
		r = -ENOMEM;
		goto out;
	}
	while (i < len) {
		size_t n = 0;

		p.line++;
		for (; i < len && buf[i] != '\n'; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c == '\0') {
				r = fail(&p, "NUL byte: not a text file");
				goto out;
			}
			if ((c < 0x20 && c != '\t') || c >= 0x7f) {
				r = fail(&p, "byte 0x%02x at column %zu is not printable ASCII", c,
					 n + 1);
				goto out;
			}
			if (n == MAX_LINE) {
				r = fail(&p, "longer than %d bytes", MAX_LINE);
				goto out;
			}
			lb[n++] = (char)c;
		}
		i++; /* the newline */
		lb[n] = '\0';
		r = line(&p, lb);
		if (r < 0)
			goto out;
	}
	if (!p.have[H_VERSION]) {
		p.line = p.line ? p.line : 1;
		r = fail(&p, "not a memplug trace (empty: no \"memplug-trace 1\" line)");
	} else if (out->n == 0) {
		p.line++;
		r = header_done(&p);
	}
out:
	free(p.ever);
	if (r < 0)
		mp_trace_clear(out);
	return r;
}

int mp_trace_load(const char *path, struct mp_trace *out, char *why, size_t wlen)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "re") : stdin;
	char *buf = NULL;
	size_t len = 0, cap = 0;
	int r;

	memset(out, 0, sizeof(*out));
	if (!f) {
		r = -errno;
		snprintf(why, wlen, "cannot read %s: %s", path, strerror(-r));
		return r;
	}
	for (;;) {
		size_t got;

		if (len == cap) {
			char *nb;

			if (cap >= MAX_FILE) {
				snprintf(why, wlen, "%s: larger than %u MiB: not a trace", path,
					 MAX_FILE >> 20);
				r = -EFBIG;
				goto out;
			}
			cap = cap ? 2 * cap : 65536;
			nb = realloc(buf, cap);
			if (!nb) {
				r = -ENOMEM;
				snprintf(why, wlen, "%s: out of memory", path);
				goto out;
			}
			buf = nb;
		}
		got = fread(buf + len, 1, cap - len, f);
		len += got;
		if (got == 0)
			break;
	}
	if (ferror(f)) {
		r = -EIO;
		snprintf(why, wlen, "cannot read %s: %s", path, strerror(EIO));
		goto out;
	}
	{
		char inner[300];

		r = mp_trace_parse(buf, len, out, inner, sizeof(inner));
		if (r < 0)
			snprintf(why, wlen, "%s: %s", path, inner);
	}
out:
	if (f != stdin)
		fclose(f);
	free(buf);
	return r;
}

void mp_trace_clear(struct mp_trace *t)
{
	free(t->steps);
	memset(t, 0, sizeof(*t));
}
