// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug snapshot and memplug check: take every sensor's reading, save it
 * as a baseline, and later check the invariants now and against it.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdio.h>
#include <string.h>

#include "checks/checker.h"
#include "memplug.h"
#include "sensors/snapshot.h"

enum {
	OPT_SETTLE = 0x100,
	OPT_NO_SETTLE,
	OPT_READINGS,
	OPT_BASELINE,
	OPT_STRUCT_PAGE,
	OPT_TOLERANCE,
	OPT_INJECTED,
	OPT_STEP,
};

struct snap_args {
	struct mp_ctx *ctx;
	bool check;
	const char *output, *baseline, *step;
	bool json;
	int settle; /* -1 default, 0 no, 1 yes */
	unsigned readings;
	unsigned struct_page;
	uint64_t tolerance;
	uint64_t injected[64];
	size_t ninjected;
	char why[300]; /* why a snapshot could not be taken */
};

static const struct argp_option snapshot_options[] = {
	{ "output", 'o', "FILE", 0, "Write the snapshot as JSON to FILE (a baseline)", 0 },
	{ "json", 'J', NULL, 0, "Print the snapshot as JSON on stdout", 0 },
	{ "settle", OPT_SETTLE, NULL, 0,
	  "Drop caches and compact memory first (default: only in a QEMU guest)", 0 },
	{ "no-settle", OPT_NO_SETTLE, NULL, 0, "Never drop caches or compact", 0 },
	{ "readings", OPT_READINGS, "N", 0, "Read nr_free_pages N times, 100 ms apart (default 5)",
	  0 },
	{ 0 }
};

static const struct argp_option check_options[] = {
	{ "baseline", OPT_BASELINE, "FILE", 0,
	  "Also check against this snapshot (memplug snapshot -o)", 0 },
	{ "output", 'o', "FILE", 0,
	  "Write the snapshot this check took as JSON to FILE (the next step's baseline)", 0 },
	{ "json", 'J', NULL, 0, "JSON output: {\"check\":{...},\"findings\":[...]}", 0 },
	{ "settle", OPT_SETTLE, NULL, 0,
	  "Drop caches and compact memory first (default: only in a QEMU guest)", 0 },
	{ "no-settle", OPT_NO_SETTLE, NULL, 0, "Never drop caches or compact", 0 },
	{ "readings", OPT_READINGS, "N", 0, "Read nr_free_pages N times, 100 ms apart (default 5)",
	  0 },
	{ "struct-page-size", OPT_STRUCT_PAGE, "BYTES", 0,
	  "sizeof(struct page) of the running kernel, when it cannot be derived", 0 },
	{ "free-tolerance", OPT_TOLERANCE, "PAGES", 0,
	  "Free pages that may be missing (default: from the noise, at least 1024)", 0 },
	{ "injected", OPT_INJECTED, "PFN", 0, "A PFN memplug poisoned itself (repeatable)", 0 },
	{ "step", OPT_STEP, "NAME", 0, "Name the step in the findings", 0 },
	{ 0 }
};

static error_t snap_parse(int key, char *arg, struct argp_state *state)
{
	struct snap_args *a = state->input;
	uint64_t v;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case 'o':
		a->output = arg;
		return 0;
	case 'J':
		a->json = true;
		return 0;
	case OPT_SETTLE:
		a->settle = 1;
		return 0;
	case OPT_NO_SETTLE:
		a->settle = 0;
		return 0;
	case OPT_READINGS:
		if (mp_parse_u64(arg, 10, &v) || !v || v > 1000)
			argp_error(state, "--readings takes 1 to 1000, not \"%s\"", arg);
		a->readings = (unsigned)v;
		return 0;
	case OPT_BASELINE:
		a->baseline = arg;
		return 0;
	case OPT_STRUCT_PAGE:
		if (mp_parse_u64(arg, 10, &v) || v < 32 || v > 256 || v % 8)
			argp_error(state, "--struct-page-size takes a multiple of 8, 32 to 256");
		a->struct_page = (unsigned)v;
		return 0;
	case OPT_TOLERANCE:
		if (mp_parse_u64(arg, 10, &v) || !v)
			argp_error(state, "--free-tolerance takes a page count above 0");
		a->tolerance = v;
		return 0;
	case OPT_INJECTED:
		if (mp_parse_u64(arg, 0, &v))
			argp_error(state, "--injected takes a PFN, not \"%s\"", arg);
		if (a->ninjected == ARRAY_SIZE(a->injected))
			argp_error(state, "at most %zu --injected PFNs", ARRAY_SIZE(a->injected));
		a->injected[a->ninjected++] = v;
		return 0;
	case OPT_STEP:
		a->step = arg;
		return 0;
	case ARGP_KEY_ARG:
		argp_error(state, "no arguments are taken");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp_child children[] = { { &mp_common_argp, 0, NULL, 0 }, { 0 } };

static const struct argp snapshot_argp = {
	snapshot_options,
	snap_parse,
	NULL,
	"Take a snapshot of every sensor: blocks, kpageflags per block, meminfo, vmstat,\n"
	"zoneinfo, the vmemmap page tables where debugfs has them, nr_free_pages read\n"
	"several times for the noise.\v"
	"Settling (drop_caches, compact_memory; each bounded by 10 s) happens only on the\n"
	"live system, in a QEMU guest or when --settle asks. See memplug(8).",
	children,
	NULL,
	NULL
};

static const struct argp check_argp = {
	check_options,
	snap_parse,
	NULL,
	"Check the invariants now, and against a baseline; exit 1 on a finding.\v"
	"Now: online blocks have no NOPAGE page, offline blocks only NOPAGE pages, no HWPOISON\n"
	"memplug did not inject, spanned >= present >= managed, every present block's struct\n"
	"pages mapped. Against the baseline: zone present/managed and MemTotal moved by the\n"
	"blocks onlined and offlined less the memmap pages they host, nr_memmap_pages by the\n"
	"memmap of the blocks added and removed, no vmemmap mapping left that no present block\n"
	"explains (a 2 MiB one is flagged PMD-sized), and when the blocks are back as in the\n"
	"baseline: free pages, slab and page tables within the tolerance printed; the kernel\n"
	"log after the baseline's position: WARNING, BUG, Oops, bad pages, memory failures\n"
	"(refused offlines, and failures on --injected PFNs, are notes, not findings).\n"
	"See memplug(8).",
	children,
	NULL,
	NULL
};

/* The test guests are QEMU: there settling by default is harmless. */
/* json-c's last error, without the newline it ends in (a reason is one line). */
static const char *json_err(void)
{
	static char buf[256];
	const char *e = json_util_get_last_err();

	snprintf(buf, sizeof(buf), "%s", e ? e : "unknown error");
	return mp_rstrip(buf);
}

static bool in_qemu_guest(struct mp_root *root)
{
	char v[64];

	return mp_read_str(root, "/sys/class/dmi/id/sys_vendor", v, sizeof(v)) > 0 &&
	       strstr(v, "QEMU");
}

static int take(struct snap_args *a, struct mp_root *root, const struct mp_snapshot *base,
		struct mp_snapshot **out)
{
	_cleanup_free_ uint64_t *extra = NULL;
	struct mp_snap_opts o = {
		.kpf = true,
		.ptdump = true,
		.readings = a->readings ? a->readings : 5,
		.reading_gap_ms = 100,
		.settle_timeout_ms = 10000,
		.kmsg = true,
	};
	int r;

	o.settle = a->settle == 1 ||
		   (a->settle == -1 && !mp_root_is_sysroot(root) && in_qemu_guest(root));
	if (base && base->nblocks) {
		extra = calloc(base->nblocks, sizeof(*extra));
		if (!extra)
			return -ENOMEM;
		for (size_t i = 0; i < base->nblocks; i++)
			extra[i] = base->blocks[i].id;
		o.extra_ids = extra;
		o.nextra = base->nblocks;
	}
	if (base && base->kmsg_avail.ok) {
		o.kmsg_keep = true;
		o.kmsg_after = base->kmsg.last_seq;
	}
	o.why = a->why;
	o.wlen = sizeof(a->why);
	r = mp_snapshot_take(root, &o, &a->ctx->log, out);
	if (r == 0 && a->step)
		snprintf((*out)->step, sizeof((*out)->step), "%s", a->step);
	return r;
}

static int open_take(struct snap_args *a, struct mp_root **root, const struct mp_snapshot *base,
		     struct mp_snapshot **s)
{
	int r = mp_ctx_root(a->ctx, root);

	if (r)
		return r;
	r = take(a, *root, base, s);
	if (r == -ENODEV) {
		mp_err("the kernel has no memory hotplug interface (no %s/block_size_bytes)",
		       MP_SYS_MEMORY);
		return MP_EXIT_SKIP;
	}
	if (r < 0) {
		mp_err("cannot take a snapshot: %s", a->why[0] ? a->why : strerror(-r));
		return MP_EXIT_USAGE;
	}
	if (!(*s)->kpf_avail.ok)
		mp_err("kpageflags not read: %s", (*s)->kpf_avail.why);
	if (!(*s)->pt_avail.ok)
		mp_logf(&a->ctx->log, MP_LOG_INFO, "vmemmap page tables not read: %s",
			(*s)->pt_avail.why);
	if (!(*s)->kmsg_avail.ok)
		mp_logf(&a->ctx->log, MP_LOG_INFO, "kernel log not read: %s", (*s)->kmsg_avail.why);
	return 0;
}

static int finish(int r)
{
	if (fflush(stdout) != 0 && r == MP_EXIT_OK) {
		mp_err("write error: %s", strerror(errno));
		return MP_EXIT_USAGE;
	}
	return r;
}

static int save(const struct mp_snapshot *s, const char *file)
{
	struct json_object *j = mp_snapshot_to_json(s);
	int r = 0;

	if (json_object_to_file_ext(file, j, JSON_C_TO_STRING_PRETTY) < 0) {
		mp_err("cannot write %s: %s", file, json_util_get_last_err());
		r = MP_EXIT_USAGE;
	}
	json_object_put(j);
	return r;
}

static void summary(const struct mp_snapshot *s, FILE *f)
{
	size_t on = 0, present = 0;

	for (size_t i = 0; i < s->nblocks; i++) {
		present += s->blocks[i].present;
		on += s->blocks[i].present && s->blocks[i].state == MP_STATE_ONLINE;
	}
	fprintf(f, "blocks:          %zu (%zu online) of %" PRIu64 " MiB\n", present, on,
		s->block_size >> 20);
	fprintf(f, "MemTotal:        %" PRIu64 " kB\n",
		mp_counters_val(&s->meminfo, "MemTotal", 0));
	fprintf(f,
		"nr_free_pages:   %" PRIu64 " (min %" PRIu64 ", max %" PRIu64
		" over %u readings)\n",
		s->free_mean, s->free_min, s->free_max, s->nreadings);
	if (s->settle_note[0])
		fprintf(f, "settled:         %s\n", s->settle_note);
	fprintf(f, "nr_memmap_pages: ");
	if (mp_counters_val(&s->vmstat, "nr_memmap_pages", UINT64_MAX) == UINT64_MAX)
		fprintf(f, "- (the kernel has no such counter before 6.11)\n");
	else
		fprintf(f, "%" PRIu64 "\n", mp_counters_val(&s->vmstat, "nr_memmap_pages", 0));
	fprintf(f, "kpageflags:      %s\n", s->kpf_avail.ok ? "read" : s->kpf_avail.why);
	fprintf(f, "kernel log:      ");
	if (s->kmsg_avail.ok)
		fprintf(f, "records %" PRIu64 "..%" PRIu64 "\n", s->kmsg.first_seq,
			s->kmsg.last_seq);
	else
		fprintf(f, "%s\n", s->kmsg_avail.why);
	fprintf(f, "vmemmap:         %s", s->pt_avail.ok ? "" : s->pt_avail.why);
	if (s->pt.n)
		fprintf(f, "base 0x%" PRIx64 ", %zu ranges", s->pt.base, s->pt.n);
	fputc('\n', f);
}

int cmd_snapshot(struct mp_ctx *ctx, int argc, char **argv)
{
	struct snap_args a = { .ctx = ctx, .settle = -1 };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_snapshot_ struct mp_snapshot *s = NULL;
	struct json_object *j;
	int r;

	if (argp_parse(&snapshot_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	r = open_take(&a, &root, NULL, &s);
	if (r)
		return r;
	j = mp_snapshot_to_json(s);
	if (a.output && json_object_to_file_ext(a.output, j, JSON_C_TO_STRING_PRETTY) < 0) {
		mp_err("cannot write %s: %s", a.output, json_err());
		json_object_put(j);
		return MP_EXIT_USAGE;
	}
	if (a.json)
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED));
	else
		summary(s, stdout);
	json_object_put(j);
	return finish(MP_EXIT_OK);
}

int cmd_check(struct mp_ctx *ctx, int argc, char **argv)
{
	struct snap_args a = { .ctx = ctx, .settle = -1, .check = true };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_snapshot_ struct mp_snapshot *s = NULL, *base = NULL;
	struct mp_findings f = { 0 };
	struct mp_check_info info;
	struct mp_check_opts o = { 0 };
	_cleanup_memory_ struct mp_memory *mem = NULL;
	struct mp_kernel k;
	int r;

	if (argp_parse(&check_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	if (a.baseline) {
		struct json_object *j = json_object_from_file(a.baseline);

		if (!j) {
			mp_err("cannot read the baseline %s: %s", a.baseline, json_err());
			return MP_EXIT_USAGE;
		}
		r = mp_snapshot_from_json(j, &base);
		json_object_put(j);
		if (r < 0) {
			mp_err("%s is not a memplug snapshot", a.baseline);
			return MP_EXIT_USAGE;
		}
	}
	r = open_take(&a, &root, base, &s);
	if (r)
		return r;
	if (base && (base->block_size != s->block_size || base->page_size != s->page_size)) {
		mp_err("the baseline is of another machine (block or page size differ)");
		return MP_EXIT_USAGE;
	}
	o.struct_page = a.struct_page;
	o.free_tolerance = a.tolerance;
	o.injected = a.injected;
	o.ninjected = a.ninjected;
	o.step = a.step ? a.step : "";
	/* what the kernel does where the checks rely on it; its differences as notes */
	mp_kernel_init(&k);
	if (mp_memory_read(root, MP_READ_STATE | MP_READ_ZONES, &a.ctx->log, &mem) == 0)
		mp_kernel_probe(root, mem, &k);
	o.kernel = &k;
	if (mp_check_kernel_notes(&k, false, o.step, &f) < 0 ||
	    mp_check(base, s, &o, &f, &info) < 0) {
		mp_err("out of memory");
		mp_findings_clear(&f);
		return MP_EXIT_USAGE;
	}
	if (a.output && save(s, a.output)) {
		mp_findings_clear(&f);
		return MP_EXIT_USAGE;
	}
	if (a.json) {
		struct json_object *j = json_object_new_object(), *c = json_object_new_object();

		json_object_object_add(c, "struct_page",
				       info.struct_page ? json_object_new_int(info.struct_page)
							: NULL);
		json_object_object_add(c, "struct_page_source",
				       json_object_new_string(info.struct_page_src));
		json_object_object_add(c, "free_compared",
				       json_object_new_boolean(info.free_compared));
		json_object_object_add(c, "free_loss",
				       info.free_compared ? json_object_new_int64(info.free_loss)
							  : NULL);
		json_object_object_add(c, "tolerance",
				       info.free_compared ? json_object_new_uint64(info.tolerance)
							  : NULL);
		json_object_object_add(c, "tolerance_source",
				       json_object_new_string(info.tolerance_src));
		json_object_object_add(c, "notes", json_object_new_string(info.notes));
		json_object_object_add(c, "kmsg_compared",
				       json_object_new_boolean(info.kmsg_compared));
		json_object_object_add(c, "kmsg_from",
				       info.kmsg_compared ? json_object_new_uint64(info.kmsg_from)
							  : NULL);
		json_object_object_add(c, "kmsg_to",
				       info.kmsg_compared ? json_object_new_uint64(info.kmsg_to)
							  : NULL);
		json_object_object_add(c, "kernel_interface", mp_kernel_to_json(&k));
		json_object_object_add(j, "check", c);
		json_object_object_add(j, "findings", mp_findings_to_json(&f));
		puts(json_object_to_json_string_ext(j, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED));
		json_object_put(j);
	} else {
		printf("struct page:     ");
		if (info.struct_page)
			printf("%u bytes, from %s\n", info.struct_page, info.struct_page_src);
		else
			printf("%s\n", info.struct_page_src);
		if (info.free_compared)
			printf("free pages:      %" PRId64
			       " missing against the baseline, tolerance %" PRIu64 " (%s)\n",
			       info.free_loss, info.tolerance, info.tolerance_src);
		if (info.kmsg_compared)
			printf("kernel log:      records %" PRIu64 "..%" PRIu64 " read\n",
			       info.kmsg_from + 1, info.kmsg_to);
		if (info.notes[0])
			printf("notes:           %s\n", info.notes);
		for (size_t i = 0; i < f.n; i++)
			mp_finding_print(&f.v[i], stdout);
		printf("%zu finding%s", mp_findings_count(&f),
		       mp_findings_count(&f) == 1 ? "" : "s");
		if (f.n > mp_findings_count(&f))
			printf(" (%zu note%s)", f.n - mp_findings_count(&f),
			       f.n - mp_findings_count(&f) == 1 ? "" : "s");
		putchar('\n');
	}
	r = mp_findings_count(&f) ? MP_EXIT_FINDINGS : MP_EXIT_OK;
	mp_findings_clear(&f);
	return finish(r);
}
