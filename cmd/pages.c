// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug pages: what /proc/kpageflags says about each memory block. One
 * row per block: its pages by class (the classes add up to PAGES), the
 * memmap pages it hosts at its start, and optionally the mapped pages of
 * /proc/kpagecount and the count of every flag under page-types' names.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>

#include "memplug.h"
#include "sensors/block.h"
#include "sensors/sensor.h"

struct pages_args {
	struct mp_ctx *ctx;
	bool json, raw, noheadings, count, flags;
	struct mp_selector sel;
};

static const struct argp_option pages_options[] = {
	{ "json", 'J', NULL, 0, "JSON output: {\"pages\":[...]}", 0 },
	{ "raw", 'r', NULL, 0, "Raw output format", 0 },
	{ "noheadings", 'n', NULL, 0, "Do not print a header line", 0 },
	{ "count", 'c', NULL, 0, "Also read /proc/kpagecount: MAPPED and MAPCOUNT columns", 0 },
	{ "flags", 'f', NULL, 0, "Add a FLAGS column: every flag set, with its page count", 0 },
	{ 0 }
};

static error_t pages_parse(int key, char *arg, struct argp_state *state)
{
	struct pages_args *a = state->input;
	char err[160];

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case 'J':
		a->json = true;
		return 0;
	case 'r':
		a->raw = true;
		return 0;
	case 'n':
		a->noheadings = true;
		return 0;
	case 'c':
		a->count = true;
		return 0;
	case 'f':
		a->flags = true;
		return 0;
	case ARGP_KEY_ARG:
		if (mp_selector_parse(arg, &a->sel, err, sizeof(err)) < 0)
			argp_error(state, "%s", err);
		return 0;
	case ARGP_KEY_END:
		if (a->json && a->raw)
			argp_error(state, "--json and --raw exclude each other");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp pages_argp = {
	pages_options,
	pages_parse,
	"[BLOCKS...]",
	"Summarise /proc/kpageflags per memory block (root only).\v"
	"BLOCKS: memory32, 32, 32-39, or comma lists of these; all blocks when none. A block "
	"named on its own that does not exist (removed) is read too and shown as absent.\n"
	"Columns: BLOCK STATE PAGES, then the class of every page (in this order, so they add "
	"up to PAGES): NOPAGE (no memmap online), HWPOISON, OFFLINE (PageOffline), BUDDY "
	"(free), SLAB, LRU, MEMMAP (memmap pages: OWNER_PRIVATE alone, "
	"PG_vmemmap_self_hosted), RESERVED, OTHER; then HOSTED: the memmap pages the block "
	"hosts at its start.\n"
	"Blocks with HWPOISON pages are named on stderr with their first poisoned PFN. "
	"See memplug(8).",
	mp_common_children,
	NULL,
	NULL
};

struct row {
	uint64_t id;
	const char *state;
	struct mp_kpf_request rq;
};

static int set_u64(struct libscols_line *ln, size_t col, uint64_t v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%" PRIu64, v);
	return scols_line_set_data(ln, col, buf) ? -ENOMEM : 0;
}

static char *flags_text(const struct mp_kpf_summary *s)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	bool first = true;

	if (!f)
		return NULL;
	for (unsigned b = 0; b < 64; b++) {
		if (!s->bits[b])
			continue;
		if (mp_kpf_name(b))
			fprintf(f, "%s%s:%" PRIu64, first ? "" : ",", mp_kpf_name(b), s->bits[b]);
		else
			fprintf(f, "%sbit%u:%" PRIu64, first ? "" : ",", b, s->bits[b]);
		first = false;
	}
	fclose(f);
	return text;
}

static int print_rows(const struct pages_args *a, const struct row *rows, size_t n)
{
	struct libscols_table *tb = scols_new_table();
	const char *names[32];
	size_t ncols = 0;
	int r = -ENOMEM;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_json(tb, a->json);
	scols_table_enable_raw(tb, a->raw);
	scols_table_enable_noheadings(tb, a->noheadings);
	if (a->json)
		scols_table_set_name(tb, "pages");
	names[ncols++] = "BLOCK";
	names[ncols++] = "STATE";
	names[ncols++] = "PAGES";
	for (int c = 0; c < MP_KPC_COUNT; c++)
		names[ncols++] = NULL; /* the classes, named below */
	names[ncols++] = "HOSTED";
	if (a->count) {
		names[ncols++] = "MAPPED";
		names[ncols++] = "MAPCOUNT";
	}
	if (a->flags)
		names[ncols++] = "FLAGS";
	for (size_t i = 0; i < ncols; i++) {
		char up[32];
		const char *name = names[i];
		struct libscols_column *cl;

		if (!name) {
			const char *cn = mp_kpf_class_name((enum mp_kpf_class)(i - 3));
			size_t k;

			for (k = 0; cn[k] && k < sizeof(up) - 1; k++)
				up[k] = (char)(cn[k] >= 'a' && cn[k] <= 'z' ? cn[k] - 32 : cn[k]);
			up[k] = '\0';
			name = up;
		}
		cl = scols_table_new_column(tb, name, 0,
					    !strcmp(name, "FLAGS") || !strcmp(name, "STATE")
						    ? 0
						    : SCOLS_FL_RIGHT);
		if (!cl)
			goto out;
		if (a->json)
			scols_column_set_json_type(cl, i == 1 || !strcmp(name, "FLAGS")
							       ? SCOLS_JSON_STRING
							       : SCOLS_JSON_NUMBER);
	}
	for (size_t i = 0; i < n; i++) {
		const struct mp_kpf_summary *s = &rows[i].rq.sum;
		struct libscols_line *ln = scols_table_new_line(tb, NULL);
		size_t col = 0;

		if (!ln)
			goto out;
		if (set_u64(ln, col++, rows[i].id) < 0 ||
		    scols_line_set_data(ln, col++, rows[i].state) || set_u64(ln, col++, s->npages))
			goto out;
		for (int c = 0; c < MP_KPC_COUNT; c++) {
			if (set_u64(ln, col++, s->cls[c]) < 0)
				goto out;
		}
		if (set_u64(ln, col++, s->self_hosted) < 0)
			goto out;
		if (a->count &&
		    (set_u64(ln, col++, s->mapped) < 0 || set_u64(ln, col++, s->mapcount) < 0))
			goto out;
		if (a->flags) {
			char *t = flags_text(s);

			if (!t || scols_line_refer_data(ln, col++, t)) {
				free(t);
				goto out;
			}
		}
	}
	r = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
	return r;
}

int cmd_pages(struct mp_ctx *ctx, int argc, char **argv)
{
	struct pages_args a = { .ctx = ctx };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_memory_ struct mp_memory *mem = NULL;
	_cleanup_free_ struct row *rows = NULL;
	struct mp_kpf_request *rq = NULL;
	struct mp_avail avail = { 0 };
	size_t n = 0, cap, nbad = 0;
	uint64_t bpages;
	int r;

	if (argp_parse(&pages_argp, argc, argv, 0, NULL, &a)) {
		mp_selector_clear(&a.sel);
		return MP_EXIT_USAGE;
	}
	r = mp_ctx_root(ctx, &root);
	if (r)
		goto out;
	r = mp_memory_read(root, MP_READ_STATE, &ctx->log, &mem);
	if (r == -ENODEV) {
		mp_err("the kernel has no memory hotplug interface (no %s/block_size_bytes)",
		       MP_SYS_MEMORY);
		r = MP_EXIT_SKIP;
		goto out;
	}
	if (r < 0) {
		mp_err("cannot read %s: %s", MP_SYS_MEMORY, strerror(-r));
		r = MP_EXIT_USAGE;
		goto out;
	}
	bpages = mem->block_size / mp_page_size();
	cap = mem->nblocks + 1;
	for (size_t i = 0; i < a.sel.nranges; i++)
		if (a.sel.ranges[i].first == a.sel.ranges[i].last)
			cap++;
	rows = calloc(cap, sizeof(*rows));
	if (!rows) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < mem->nblocks; i++) {
		const struct mp_block *b = &mem->blocks[i];

		if (a.sel.nranges && !mp_selector_match(&a.sel, b->id))
			continue;
		if (b->err) {
			nbad++;
			continue;
		}
		rows[n].id = b->id;
		rows[n].state = mp_state_name(b->state);
		n++;
	}
	/* single named blocks that are not there (removed): their PFNs still read */
	for (size_t i = 0; i < a.sel.nranges; i++) {
		const struct mp_id_range *rg = &a.sel.ranges[i];
		bool any = false;

		for (size_t j = 0; j < mem->nblocks && !any; j++)
			any = mem->blocks[j].id >= rg->first && mem->blocks[j].id <= rg->last;
		if (any)
			continue;
		if (rg->first != rg->last) {
			mp_err("no memory block in %" PRIu64 "-%" PRIu64, rg->first, rg->last);
			r = MP_EXIT_USAGE;
			goto out;
		}
		rows[n].id = rg->first;
		rows[n].state = "absent";
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].rq.first_pfn = rows[i].id * bpages;
		rows[i].rq.npages = bpages;
	}
	/* requests are read in place: gather them, then copy back */
	rq = calloc(n ? n : 1, sizeof(*rq));
	if (!rq) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rq[i] = rows[i].rq;
	r = mp_kpf_read(root, rq, n, a.count, 2, &avail);
	if (!avail.ok) {
		mp_err("%s", avail.why);
		r = geteuid() ? MP_EXIT_SKIP : MP_EXIT_USAGE;
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		rows[i].rq = rq[i];
		if (rq[i].err) {
			mp_err("memory%" PRIu64 ": cannot read its PFNs: %s", rows[i].id,
			       strerror(-rq[i].err));
			nbad++;
		}
	}
	r = print_rows(&a, rows, n);
	if (r < 0) {
		mp_err("cannot print the table: %s", strerror(-r));
		r = MP_EXIT_USAGE;
		goto out;
	}
	/* poisoned pages are corruption: name where, beside the table */
	for (size_t i = 0; i < n; i++)
		if (rows[i].rq.sum.nhwpoison)
			mp_err("memory%" PRIu64 ": %" PRIu64
			       " HWPOISON page%s, the first at PFN 0x%" PRIx64,
			       rows[i].id, rows[i].rq.sum.nhwpoison,
			       rows[i].rq.sum.nhwpoison == 1 ? "" : "s",
			       rows[i].rq.sum.first_hwpoison);
	r = nbad ? MP_EXIT_PARTIAL : MP_EXIT_OK;
out:
	free(rq);
	mp_selector_clear(&a.sel);
	if (fflush(stdout) != 0 && r == MP_EXIT_OK) {
		mp_err("write error: %s", strerror(errno));
		r = MP_EXIT_USAGE;
	}
	return r;
}
