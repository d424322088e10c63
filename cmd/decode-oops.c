// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug decode-oops: the first kernel crash of a console log (an oops, a
 * BUG, a panic, a lockup, a hung task; a WARNING is not one), its header,
 * and its faulting address decoded to the struct page's PFN, memory block
 * and device (lib/checks/crash.c). memplug-vm runs it on the host on a
 * guest's console; with --trace it names the step memplug had in flight
 * and writes the trace up to it. --kernel-bases, in a guest, prints the
 * running kernel's vmemmap_base and page_offset_base (KASLR moves them).
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks/crash.h"
#include "memplug.h"
#include "runner/trace.h"
#include "sensors/kcore.h"

#define MAX_OWNERS 64

struct decode_args {
	struct mp_ctx *ctx;
	const char *file;
	struct mp_crash_layout l;
	struct mp_crash_owner owners[MAX_OWNERS];
	const char *blocks, *trace, *write_trace, *json, *ktap;
	bool signature, bases, bases_given;
};

enum {
	OPT_VMEMMAP = 0x300,
	OPT_PAGE_OFFSET,
	OPT_STRUCT_PAGE,
	OPT_BLOCK_SIZE,
	OPT_BLOCKS,
	OPT_TRACE,
	OPT_WRITE_TRACE,
	OPT_JSON,
	OPT_KTAP,
	OPT_SIGNATURE,
	OPT_BASES,
};

static const struct argp_option decode_options[] = {
	{ "vmemmap-base", OPT_VMEMMAP, "VA", 0,
	  "Where the vmemmap starts (default 0xffffea0000000000, the base without KASLR)", 0 },
	{ "page-offset-base", OPT_PAGE_OFFSET, "VA", 0,
	  "Where the direct map starts (default 0xffff888000000000, without KASLR)", 0 },
	{ "struct-page", OPT_STRUCT_PAGE, "BYTES", 0,
	  "sizeof(struct page) (default: each size from 56 to 128 that lands in a known device, "
	  "else 64)",
	  0 },
	{ "block-size", OPT_BLOCK_SIZE, "SIZE", 0, "The memory block size (block_size_bytes)", 0 },
	{ "blocks", OPT_BLOCKS, "FILE", 0,
	  "Devices and their blocks, one a line: FIRST[-LAST] NAME (decimal block numbers)", 0 },
	{ "trace", OPT_TRACE, "FILE", 0,
	  "The trace memplug streamed as it ran (memplug-vm's trace.log): names the step in "
	  "flight",
	  0 },
	{ "write-trace", OPT_WRITE_TRACE, "OUT", 0,
	  "Write the trace up to and with the step in flight to OUT (for memplug shrink)", 0 },
	{ "json", OPT_JSON, "FILE", 0, "Write a JSON report with the crash finding to FILE", 0 },
	{ "ktap", OPT_KTAP, "FILE", 0, "Write the crash finding as KTAP to FILE", 0 },
	{ "signature", OPT_SIGNATURE, NULL, 0,
	  "Print only the crash's signature (kind, RIP function or panic message, struct page "
	  "owner), one line",
	  0 },
	{ "kernel-bases", OPT_BASES, NULL, 0,
	  "Print the running kernel's vmemmap_base and page_offset_base (root; from kallsyms "
	  "and /proc/kcore; on arm64 the struct page of PFN 0 and the linear map's physical 0 "
	  "from kcore's VMCOREINFO) and exit",
	  0 },
	{ 0 }
};

static int parse_addr(const char *s, uint64_t *v)
{
	return mp_parse_u64(s, 16, v) < 0 || !*v ? -EINVAL : 0;
}

static int load_blocks(struct decode_args *a, struct argp_state *state)
{
	FILE *f = fopen(a->blocks, "re");
	char line[256];
	unsigned n = 0;

	if (!f)
		argp_failure(state, MP_EXIT_USAGE, errno, "cannot read --blocks %s", a->blocks);
	while (fgets(line, sizeof(line), f)) {
		struct mp_crash_owner *o = &a->owners[a->l.nowners];
		char name[48];
		unsigned long long first, last;
		int k;

		n++;
		if (line[0] == '#' || line[strspn(line, " \t")] == '\n')
			continue;
		if (sscanf(line, "%llu-%llu %47s", &first, &last, name) == 3)
			k = 3;
		else if (sscanf(line, "%llu %47s", &first, name) == 2)
			k = 2, last = first;
		else
			k = 0;
		if (!k || last < first)
			argp_failure(state, MP_EXIT_USAGE, 0,
				     "--blocks %s: line %u: not \"FIRST[-LAST] NAME\"", a->blocks,
				     n);
		if (a->l.nowners == MAX_OWNERS)
			argp_failure(state, MP_EXIT_USAGE, 0, "--blocks %s: more than %d devices",
				     a->blocks, MAX_OWNERS);
		o->first = first;
		o->last = last;
		snprintf(o->name, sizeof(o->name), "%s", name);
		a->l.nowners++;
	}
	fclose(f);
	a->l.owners = a->owners;
	return 0;
}

static error_t decode_parse(int key, char *arg, struct argp_state *state)
{
	struct decode_args *a = state->input;
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case OPT_VMEMMAP:
	case OPT_PAGE_OFFSET:
		if (parse_addr(arg, &v) < 0)
			mp_usage(state, "not a kernel address: \"%s\"", arg);
		*(key == OPT_VMEMMAP ? &a->l.vmemmap_base : &a->l.page_offset_base) = v;
		a->bases_given = true;
		return 0;
	case OPT_STRUCT_PAGE:
		if (mp_parse_u64(arg, 10, &v) < 0 || v < 32 || v > 256)
			mp_usage(state, "--struct-page takes 32 to 256 bytes, not \"%s\"", arg);
		a->l.struct_page = (unsigned)v;
		return 0;
	case OPT_BLOCK_SIZE:
		if (mp_parse_size(arg, &v) < 0 || !v || (v & (v - 1)))
			mp_usage(state, "--block-size takes a power of two, not \"%s\"", arg);
		a->l.block_size = v;
		return 0;
	case OPT_BLOCKS:
		a->blocks = arg;
		return 0;
	case OPT_TRACE:
		a->trace = arg;
		return 0;
	case OPT_WRITE_TRACE:
		a->write_trace = arg;
		return 0;
	case OPT_JSON:
		a->json = arg;
		return 0;
	case OPT_KTAP:
		a->ktap = arg;
		return 0;
	case OPT_SIGNATURE:
		a->signature = true;
		return 0;
	case OPT_BASES:
		a->bases = true;
		return 0;
	case ARGP_KEY_ARG:
		if (a->file)
			mp_usage(state, "one console log only (\"%s\")", arg);
		a->file = arg;
		return 0;
	case ARGP_KEY_END:
		if (a->blocks)
			load_blocks(a, state);
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp decode_argp = {
	decode_options,
	decode_parse,
	"[CONSOLE-LOG]",
	"Find the first kernel crash in a console log (default: standard input) and decode its "
	"faulting address.\v"
	"A crash is an oops (BUG: unable to handle ..., a NULL dereference, a general "
	"protection fault), a BUG (kernel BUG at ..., BUG: other than bad page state and the "
	"like), a panic, a soft or hard lockup, or a hung task; a WARNING is not one. Printed: "
	"its header (the BUG/Oops line, the RIP, CR2, the call trace and the taint, without "
	"the register dump), and where the faulting address (\"for address: X\", else CR2) "
	"lies: in the vmemmap it is the struct page of PFN (X - vmemmap base) / sizeof(struct "
	"page), in the direct map PFN (X - page_offset_base) / 4096; then the PFN's memory "
	"block and the device of --blocks that holds it. Exit 0 no crash, 1 a crash, 2 usage "
	"error or unreadable input.",
	mp_common_children,
	NULL,
	NULL
};

/* The streamed trace: the lines since the last header; the step in flight. */
struct stream {
	char *kept; /* header and completed steps, one a line */
	char inflight[256];
	unsigned step; /* its number */
	char last[4][256];
	unsigned nlast;
	struct mp_crash_owner owners[MAX_OWNERS]; /* from its adds */
	size_t nowners;
};

/* "add D2 256M ... -> done memory34-35": D2 owns blocks 34-35. */
static void stream_owner(struct stream *s, const char *line)
{
	struct mp_crash_owner *o = &s->owners[s->nowners];
	unsigned long long first, last;
	const char *p = strstr(line, " -> done memory");
	unsigned dev;
	int k;

	if (strncmp(line, "add D", 5) || !p || s->nowners == MAX_OWNERS ||
	    sscanf(line + 5, "%u", &dev) != 1)
		return;
	k = sscanf(p + 15, "%llu-%llu", &first, &last);
	if (k < 1)
		return;
	o->first = first;
	o->last = k == 2 ? last : first;
	snprintf(o->name, sizeof(o->name), "D%u", dev);
	s->nowners++;
}

static int read_stream(const char *path, struct stream *s)
{
	FILE *f = fopen(path, "re"), *k;
	size_t klen = 0;
	char line[512];

	memset(s, 0, sizeof(*s));
	if (!f)
		return -errno;
	k = open_memstream(&s->kept, &klen);
	if (!k) {
		fclose(f);
		return -ENOMEM;
	}
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\r\n")] = '\0';
		if (!strncmp(line, "memplug-trace ", 14)) { /* a new run: start again */
			fclose(k);
			free(s->kept);
			s->kept = NULL;
			klen = 0;
			k = open_memstream(&s->kept, &klen);
			if (!k)
				break;
			s->inflight[0] = '\0';
			s->nlast = 0;
			s->nowners = 0;
		}
		if (!strncmp(line, "# step ", 7)) {
			char *p = strchr(line + 7, ':');

			s->step = (unsigned)strtoul(line + 7, NULL, 10);
			snprintf(s->inflight, sizeof(s->inflight), "%.255s", p ? p + 2 : "");
			continue;
		}
		/* comments, and the text lines of a streamed finding */
		if (line[0] == '#' || line[0] == ' ' || line[0] == '\t' || !line[0])
			continue;
		fprintf(k, "%s\n", line);
		stream_owner(s, line);
		if (strstr(line, " -> ")) { /* a step done */
			s->inflight[0] = '\0';
			memmove(s->last[0], s->last[1], sizeof(s->last[0]) * 3);
			snprintf(s->last[3], sizeof(s->last[3]), "%.255s", line);
			if (s->nlast < 4)
				s->nlast++;
		}
	}
	fclose(f);
	if (!k || fclose(k))
		return -ENOMEM;
	return 0;
}

static int write_trace(const char *path, const struct stream *s)
{
	FILE *f = fopen(path, "we");

	if (!f)
		return -errno;
	fprintf(f, "# memplug decode-oops: the trace up to the step the kernel crashed in\n");
	fputs(s->kept ? s->kept : "", f);
	if (s->inflight[0])
		fprintf(f, "%s\n", s->inflight);
	return fclose(f) ? -errno : 0;
}

static int write_json(const char *path, const struct mp_findings *fi, const struct stream *s,
		      const char *sig)
{
	struct json_object *o = json_object_new_object();
	int r;

	json_object_object_add(o, "findings", mp_findings_to_json(fi));
	json_object_object_add(o, "signature", json_object_new_string(sig));
	if (s && s->inflight[0]) {
		json_object_object_add(o, "step_in_flight", json_object_new_string(s->inflight));
		json_object_object_add(o, "step_number", json_object_new_int((int)s->step));
	}
	json_object_object_add(o, "result", json_object_new_string("findings"));
	r = json_object_to_file_ext(path, o, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED);
	json_object_put(o);
	return r < 0 ? -EIO : 0;
}

static int write_ktap(const char *path, const struct mp_crash *c, const struct mp_findings *fi)
{
	FILE *f = fopen(path, "we");
	const char *p;

	if (!f)
		return -errno;
	struct mp_finding one = fi->v[0];

	one.text = NULL; /* the header follows, a diagnostic a line */
	fprintf(f, "KTAP version 1\n1..1\n# ");
	mp_finding_print(&one, f);
	for (p = c->header; p && *p;) {
		size_t n = strcspn(p, "\n");

		fprintf(f, "# %.*s\n", (int)n, p);
		p += n + (p[n] == '\n');
	}
	fprintf(f, "not ok 1 crash\n");
	return fclose(f) ? -errno : 0;
}

static int kernel_bases(struct mp_ctx *ctx)
{
	_cleanup_root_ struct mp_root *root = NULL;
	uint64_t v[2];
	char why[300];
	int r = mp_ctx_root(ctx, &root);

	if (r)
		return r;
	if (mp_kcore_bases(root, &v[0], &v[1], why, sizeof(why)) < 0) {
		mp_err("cannot read vmemmap_base and page_offset_base: %s", why);
		return MP_EXIT_USAGE;
	}
	printf("vmemmap_base 0x%" PRIx64 "\npage_offset_base 0x%" PRIx64 "\n", v[0], v[1]);
	return MP_EXIT_OK;
}

int cmd_decode_oops(struct mp_ctx *ctx, int argc, char **argv)
{
	struct decode_args a = { .ctx = ctx };
	struct mp_findings fi = { 0 };
	struct mp_crash c;
	struct stream st, *s = NULL;
	_cleanup_free_ char *buf = NULL;
	size_t len = 0;
	char sig[256], stepname[96] = "";
	int fd, r;

	if (argp_parse(&decode_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	if (a.bases)
		return kernel_bases(ctx);
	if (!a.l.vmemmap_base && !a.l.page_offset_base) {
		a.l.vmemmap_base = MP_VMEMMAP_BASE_NOKASLR;
		a.l.page_offset_base = MP_PAGE_OFFSET_NOKASLR;
	}
	fd = a.file ? open(a.file, O_RDONLY | O_CLOEXEC) : STDIN_FILENO;
	if (fd < 0 || mp_read_fd(fd, MP_READ_ALL_MAX, &buf, &len) < 0) {
		mp_err("cannot read %s: %s", a.file ? a.file : "standard input", strerror(errno));
		return MP_EXIT_USAGE;
	}
	if (a.file)
		close(fd);
	if (a.trace) {
		r = read_stream(a.trace, &st);
		if (r < 0) {
			mp_err("cannot read --trace %s: %s", a.trace, strerror(-r));
			return MP_EXIT_USAGE;
		}
		s = &st;
		/* the trace's devices, after those of --blocks */
		for (size_t i = 0; i < st.nowners && a.l.nowners < MAX_OWNERS; i++)
			a.owners[a.l.nowners++] = st.owners[i];
		a.l.owners = a.owners;
	}
	if (mp_crash_parse(buf, len, &c) < 0) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	mp_crash_decode(&c, &a.l);
	mp_crash_signature(&c, sig, sizeof(sig));
	if (a.signature) {
		printf("%s\n", sig);
		r = c.found ? MP_EXIT_FINDINGS : MP_EXIT_OK;
		goto out;
	}
	if (!c.found) {
		printf("no kernel crash in %s\n", a.file ? a.file : "standard input");
		r = MP_EXIT_OK;
		goto out;
	}
	if (s && s->inflight[0])
		snprintf(stepname, sizeof(stepname), "%u:%.80s", s->step, s->inflight);
	printf("kernel crash (%s): %s\n", c.kind, c.headline);
	if (c.rip[0])
		printf("RIP: %s\n", c.rip);
	if (c.have_addr)
		printf("CR2/fault address: 0x%016" PRIx64 "\n", c.addr);
	if (c.taint[0])
		printf("taint: %s\n", c.taint);
	if (c.panic[0] && strcmp(c.panic, c.headline))
		printf("%s\n", c.panic);
	mp_crash_print_decoded(&c, stdout);
	if (c.region == MP_CRASH_VMEMMAP && !a.bases_given)
		printf("(vmemmap base 0x%016" PRIx64 " assumed: a kernel without KASLR)\n",
		       a.l.vmemmap_base);
	if (s) {
		for (unsigned i = 4 - s->nlast; i < 4; i++)
			printf("step done:      %s\n", s->last[i]);
		if (s->inflight[0])
			printf("step in flight: %u: %s\n", s->step, s->inflight);
		else
			printf("step in flight: none (memplug was between steps or had not started)\n");
	}
	printf("--- crash header\n%s---\n", c.header ? c.header : "");
	mp_crash_finding(&c, stepname[0] ? stepname : NULL, &fi);
	r = MP_EXIT_FINDINGS;
	if (!fi.n) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	if (a.write_trace && s && write_trace(a.write_trace, s) < 0) {
		mp_err("cannot write %s: %s", a.write_trace, strerror(errno));
		r = MP_EXIT_USAGE;
	}
	if (a.json && write_json(a.json, &fi, s, sig) < 0) {
		mp_err("cannot write %s", a.json);
		r = MP_EXIT_USAGE;
	}
	if (a.ktap && write_ktap(a.ktap, &c, &fi) < 0) {
		mp_err("cannot write %s: %s", a.ktap, strerror(errno));
		r = MP_EXIT_USAGE;
	}
out:
	if (s)
		free(s->kept);
	mp_findings_clear(&fi);
	mp_crash_clear(&c);
	return r;
}
