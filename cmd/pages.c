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
#include <stdlib.h>
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
			mp_usage(state, "%s", err);
		return 0;
	case ARGP_KEY_END:
		if (a->json && a->raw)
			mp_usage(state, "--json and --raw exclude each other");
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
	"BLOCKS: memory32, 32, 32-39, 0xSTART-0xEND, node:N, zone:NAME, state:STATE, or comma "
	"lists of these, as for list; all blocks when none. A block "
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

/*
 * The single blocks the selector names on their own that are not there,
 * as rows "absent" at the start of rows; returns their count.
 */
static size_t absent_blocks(const struct mp_selector *sel, const struct mp_memory *mem,
			    struct row *rows)
{
	size_t n = 0;

	for (size_t i = 0; i < sel->nranges; i++) {
		const struct mp_id_range *rg = &sel->ranges[i];
		bool any = false;

		if (rg->first != rg->last)
			continue;
		for (size_t j = 0; j < mem->nblocks && !any; j++)
			any = mem->blocks[j].id == rg->first;
		if (!any)
			rows[n++] = (struct row){ .id = rg->first, .state = "absent" };
	}
	return n;
}

/* Take the absent blocks (rows[0..n)) out of the selector's numbers. */
static void drop_absent(struct mp_selector *sel, const struct row *rows, size_t n)
{
	size_t k = 0;

	for (size_t i = 0; i < sel->nranges; i++) {
		const struct mp_id_range *rg = &sel->ranges[i];
		bool gone = false;

		for (size_t j = 0; j < n && !gone; j++)
			gone = rg->first == rg->last && rg->first == rows[j].id;
		if (!gone)
			sel->ranges[k++] = *rg;
	}
	sel->nranges = k;
}

static int row_cmp(const void *x, const void *y)
{
	const struct row *a = x, *b = y;

	return a->id < b->id ? -1 : a->id > b->id;
}

int cmd_pages(struct mp_ctx *ctx, int argc, char **argv)
{
	struct pages_args a = { .ctx = ctx };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_memory_ struct mp_memory *mem = NULL;
	_cleanup_free_ struct row *rows = NULL;
	_cleanup_free_ struct mp_block **sel = NULL;
	struct mp_kpf_request *rq = NULL;
	struct mp_avail avail = { 0 };
	size_t n = 0, nabsent, nbad = 0;
	ssize_t nsel;
	char err[200];
	uint64_t bpages;
	int r;

	if (argp_parse(&pages_argp, argc, argv, 0, NULL, &a)) {
		mp_selector_clear(&a.sel);
		return MP_EXIT_USAGE;
	}
	r = mp_ctx_root(ctx, &root);
	if (r)
		goto out;
	r = mp_memory_read(root,
			   MP_READ_STATE | (a.sel.nnodes ? MP_READ_NODE : 0) |
				   (a.sel.nzones ? MP_READ_ZONES : 0),
			   &ctx->log, &mem);
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
	rows = calloc(mem->nblocks + a.sel.nranges + 1, sizeof(*rows));
	if (!rows) {
		r = MP_EXIT_USAGE;
		goto out;
	}
	/*
	 * A single block named on its own that is not there (removed): its
	 * PFNs still read. Taken out of the selection, which resolves the rest
	 * as list does; not with a filter, which an absent block cannot match.
	 */
	nabsent = absent_blocks(&a.sel, mem, rows);
	if (nabsent == a.sel.nranges + a.sel.nphys && nabsent && !a.sel.nnodes && !a.sel.nzones &&
	    !a.sel.states) {
		nsel = 0;
	} else {
		if (a.sel.nnodes || a.sel.nzones || a.sel.states)
			nabsent = 0;
		else
			drop_absent(&a.sel, rows, nabsent);
		nsel = mp_selector_resolve(&a.sel, mem, MP_SEL_LIST, &sel, err, sizeof(err));
		if (nsel < 0) {
			mp_err("%s", err);
			r = MP_EXIT_USAGE;
			goto out;
		}
		if (!nsel && !nabsent) {
			mp_err("no memory block matches the selection");
			r = MP_EXIT_USAGE;
			goto out;
		}
	}
	for (ssize_t i = 0; i < nsel; i++) {
		if (sel[i]->err) {
			nbad++;
			continue;
		}
		rows[nabsent + n].id = sel[i]->id;
		rows[nabsent + n].state = mp_state_name(sel[i]->state);
		n++;
	}
	n += nabsent;
	qsort(rows, n, sizeof(*rows), row_cmp);
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
		/* a block that is not there, past the memmap the kernel has: none */
		if (!strcmp(rows[i].state, "absent") && rq[i].sum.beyond == bpages) {
			mp_err("no memory block memory%" PRIu64
			       ", and /proc/kpageflags ends before its PFNs",
			       rows[i].id);
			r = MP_EXIT_USAGE;
			goto out;
		}
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
