// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug snapshot and memplug check: take every sensor's reading, save it
 * as a baseline, and later check the invariants now and against it.
 */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
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
	OPT_FORCE,
	OPT_SAVE = 'w',
	OPT_OLD_O = 'o',
};

struct snap_args {
	struct mp_ctx *ctx;
	bool check;
	const char *output, *baseline, *step;
	bool json, force;
	int settle; /* -1 default, 0 no, 1 yes */
	unsigned readings;
	unsigned struct_page;
	uint64_t tolerance;
	uint64_t injected[64];
	size_t ninjected;
	char why[300]; /* why a snapshot could not be taken */
};

static const struct argp_option snapshot_options[] = {
	{ "save", OPT_SAVE, "FILE", 0, "Write the snapshot as JSON to FILE (a baseline)", 0 },
	{ NULL, OPT_OLD_O, "LIST", OPTION_HIDDEN, NULL, 0 },
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
	  "Also check against this snapshot (memplug snapshot --save)", 0 },
	{ "save", OPT_SAVE, "FILE", 0,
	  "Write the snapshot this check took as JSON to FILE (the next step's baseline)", 0 },
	{ NULL, OPT_OLD_O, "LIST", OPTION_HIDDEN, NULL, 0 },
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
	{ "force", OPT_FORCE, NULL, 0,
	  "Compare with a baseline of another tree, kernel or boot all the same", 0 },
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
	case OPT_SAVE:
		a->output = arg;
		return 0;
	case OPT_OLD_O:
		mp_letter_elsewhere(state, key, "--save FILE (-w) writes the snapshot");
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
			mp_usage(state, "--readings takes 1 to 1000, not \"%s\"", arg);
		a->readings = (unsigned)v;
		return 0;
	case OPT_BASELINE:
		a->baseline = arg;
		return 0;
	case OPT_STRUCT_PAGE:
		if (mp_parse_u64(arg, 10, &v) || v < 32 || v > 256 || v % 8)
			mp_usage(state, "--struct-page-size takes a multiple of 8, 32 to 256");
		a->struct_page = (unsigned)v;
		return 0;
	case OPT_TOLERANCE:
		if (mp_parse_u64(arg, 10, &v) || !v)
			mp_usage(state, "--free-tolerance takes a page count above 0");
		a->tolerance = v;
		return 0;
	case OPT_INJECTED:
		if (mp_parse_u64(arg, 0, &v))
			mp_usage(state, "--injected takes a PFN, not \"%s\"", arg);
		if (a->ninjected == ARRAY_SIZE(a->injected))
			mp_usage(state, "at most %zu --injected PFNs", ARRAY_SIZE(a->injected));
		a->injected[a->ninjected++] = v;
		return 0;
	case OPT_STEP:
		a->step = arg;
		return 0;
	case OPT_FORCE:
		a->force = true;
		return 0;
	case ARGP_KEY_ARG:
		mp_usage(state, "no arguments are taken");
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
	"Take a snapshot of every sensor: blocks, kpageflags per block, meminfo, vmstat, "
	"zoneinfo, the vmemmap page tables (debugfs ptdump, else walked through /proc/kcore), nr_free_pages read "
	"several times for the noise.\v"
	"Settling (drop_caches, compact_memory; each bounded by 10 s) happens only on the "
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
	"Now: online blocks have no NOPAGE page (but in holes, where /proc/iomem has no System "
	"RAM), offline blocks only NOPAGE pages, no HWPOISON "
	"memplug did not inject, spanned >= present >= managed, every present block's struct "
	"pages mapped.\n"
	"Against the baseline: zone present/managed and MemTotal moved by the blocks onlined "
	"and offlined less the memmap pages they host, nr_memmap_pages by the memmap of the "
	"blocks added and removed, no vmemmap mapping left that no present block explains (a "
	"2 MiB one is flagged PMD-sized), and when the blocks are back as in the baseline: "
	"free pages, slab and page tables within the tolerance printed; the kernel log after "
	"the baseline's position: WARNING, BUG, Oops, bad pages, memory failures (refused "
	"offlines, and failures on --injected PFNs, are notes, not findings).\n"
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
		mp_logf(&a->ctx->log, MP_LOG_INFO, "kpageflags not read: %s", (*s)->kpf_avail.why);
	if (!(*s)->pt_avail.ok)
		mp_logf(&a->ctx->log, MP_LOG_INFO, "vmemmap page tables not read: %s",
			(*s)->pt_avail.why);
	if (!(*s)->kmsg_avail.ok)
		mp_logf(&a->ctx->log, MP_LOG_INFO, "kernel log not read: %s", (*s)->kmsg_avail.why);
	return 0;
}

/* A reading the kernel has but refused this user (not root, a lockdown). */
static bool denied(const struct mp_avail *v)
{
	return !v->ok && (strstr(v->why, strerror(EACCES)) || strstr(v->why, strerror(EPERM)));
}

/*
 * What the snapshot could not read, into buf ("" when whole): kpageflags
 * whatever the reason when kpf_needed (check's invariants read it), and
 * every reading this user was refused. Returns MP_EXIT_SKIP when kpageflags
 * is among them and kpf_needed, MP_EXIT_PARTIAL for the rest, else 0.
 */
static int not_read(const struct mp_snapshot *s, bool kpf_needed, char *buf, size_t len)
{
	const struct {
		const char *what;
		const struct mp_avail *v;
		bool needed;
	} r[] = {
		{ "kpageflags", &s->kpf_avail, kpf_needed },
		{ "vmemmap page tables", &s->pt_avail, false },
		{ "kernel log", &s->kmsg_avail, false },
	};
	int status = 0;
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < ARRAY_SIZE(r); i++) {
		if (r[i].v->ok || !(r[i].needed || denied(r[i].v)))
			continue;
		n += (size_t)snprintf(buf + n, n < len ? len - n : 0, "%s%s (%s)", n ? "; " : "",
				      r[i].what, r[i].v->why);
		if (!status || r[i].needed)
			status = r[i].needed ? MP_EXIT_SKIP : MP_EXIT_PARTIAL;
	}
	return status;
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
	fprintf(f, "vmemmap:         %s", s->pt_avail.why);
	if (s->pt.n)
		fprintf(f, "; base 0x%" PRIx64 ", %zu ranges", s->pt.base, s->pt.n);
	fputc('\n', f);
}

/* The baseline file as a snapshot, or say why not in memplug's words (exit status). */
static int read_baseline(const char *file, struct mp_snapshot **base)
{
	_cleanup_close_ int fd = open(file, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	_cleanup_free_ char *text = NULL;
	enum json_tokener_error jerr;
	struct json_object *j;
	size_t len;
	int r;

	if (fd < 0) {
		mp_err("cannot read the baseline %s: %s", file, strerror(errno));
		return MP_EXIT_USAGE;
	}
	r = mp_read_fd(fd, MP_READ_ALL_MAX, &text, &len);
	if (r < 0) {
		mp_err("cannot read the baseline %s: %s", file, strerror(-r));
		return MP_EXIT_USAGE;
	}
	j = json_tokener_parse_verbose(text, &jerr);
	if (!j) {
		mp_err("the baseline %s is not JSON: %s", file, json_tokener_error_desc(jerr));
		return MP_EXIT_USAGE;
	}
	r = mp_snapshot_from_json(j, base);
	json_object_put(j);
	if (r < 0) {
		mp_err("%s is not a memplug snapshot", file);
		return MP_EXIT_USAGE;
	}
	return 0;
}

int cmd_snapshot(struct mp_ctx *ctx, int argc, char **argv)
{
	struct snap_args a = { .ctx = ctx, .settle = -1 };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_snapshot_ struct mp_snapshot *s = NULL;
	struct json_object *j;
	char why[600];
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
	/* a snapshot this user could not take whole says so, and exits 3 */
	r = not_read(s, false, why, sizeof(why));
	if (r) {
		if (!a.json)
			printf("partial:         not read: %s\n", why);
		mp_err("a partial snapshot: not read: %s", why);
	}
	return finish(r);
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
	char why[700];
	int r, lack;

	if (argp_parse(&check_argp, argc, argv, 0, NULL, &a))
		return MP_EXIT_USAGE;
	if (a.baseline) {
		r = read_baseline(a.baseline, &base);
		if (r)
			return r;
	}
	r = open_take(&a, &root, base, &s);
	if (r)
		return r;
	if (base) {
		r = mp_snapshot_same_system(base, s, why, sizeof(why));
		if (r == -EINVAL || (r < 0 && !a.force)) {
			mp_err("%s%s", why, r == -EINVAL ? "" : "; --force compares anyway");
			return MP_EXIT_USAGE;
		}
		if (r < 0)
			mp_logf(&ctx->log, MP_LOG_WARN, "%s; compared as --force asks", why);
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
	/* what could not be read is said; without kpageflags nothing is clean */
	lack = not_read(s, true, why, sizeof(why));
	if (a.json) {
		struct json_object *j = json_object_new_object(), *c = json_object_new_object();

		json_object_object_add(c, "not_read", why[0] ? json_object_new_string(why) : NULL);

		json_object_object_add(c, "struct_page",
				       info.struct_page ? json_object_new_int(info.struct_page)
							: NULL);
		json_object_object_add(c, "struct_page_source",
				       json_object_new_string(info.struct_page_src));
		json_object_object_add(c, "vmemmap_source",
				       s->pt.n ? json_object_new_string(s->pt_src) : NULL);
		json_object_object_add(c, "vmemmap_status", json_object_new_int(s->pt.n ? 0 : 4));
		json_object_object_add(c, "vmemmap_why", json_object_new_string(s->pt_avail.why));
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
		/* the page-table sensor skipped (4) alone: the rest of the check stands */
		if (s->pt.n)
			printf("vmemmap:         %s\n", s->pt_avail.why);
		else
			printf("vmemmap:         skipped (4): %s\n", s->pt_avail.why);
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
		if (lack)
			printf(", %s: not read: %s", lack == MP_EXIT_SKIP ? "skipped" : "partial",
			       why);
		putchar('\n');
	}
	r = mp_findings_count(&f) ? MP_EXIT_FINDINGS : lack;
	if (lack && r != MP_EXIT_FINDINGS)
		mp_err("%s: not read: %s",
		       lack == MP_EXIT_SKIP ? "check skipped" : "a partial check", why);
	mp_findings_clear(&f);
	return finish(r);
}
