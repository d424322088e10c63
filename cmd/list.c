// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * memplug list: the lsmem of memplug. Ranges of like blocks, merged as lsmem
 * merges them, or one row per block; the same column table gives text, raw
 * and JSON through libsmartcols.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <libsmartcols.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "memplug.h"
#include "sensors/block.h"

enum {
	COL_RANGE,
	COL_START,
	COL_END,
	COL_SIZE,
	COL_STATE,
	COL_REMOVABLE,
	COL_BLOCK,
	COL_NODE,
	COL_ZONES,
	COL_MEMMAP,
	NCOLS
};

struct coldesc {
	const char *name;
	double whint;
	int flags;
	int json;	/* SCOLS_JSON_*, SIZE is decided at run time */
	bool split;	/* ranges split where the value changes */
	unsigned reads; /* MP_READ_* it needs */
	const char *help;
};

static const struct coldesc coldescs[NCOLS] = {
	[COL_RANGE] = { "RANGE", 0, 0, SCOLS_JSON_STRING, false, 0,
			"start and end address of the memory range" },
	[COL_START] = { "START", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, false, 0,
			"start address of the memory range" },
	[COL_END] = { "END", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, false, 0,
		      "end address of the memory range" },
	[COL_SIZE] = { "SIZE", 5, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, false, 0,
		       "size of the memory range" },
	[COL_STATE] = { "STATE", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, true, MP_READ_STATE,
			"online status of the memory range" },
	[COL_REMOVABLE] = { "REMOVABLE", 0, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN, true,
			    MP_READ_REMOVABLE | MP_READ_STATE,
			    "memory is removable (kernel's word)" },
	[COL_BLOCK] = { "BLOCK", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, false, 0,
			"memory block number or blocks range" },
	[COL_NODE] = { "NODE", 0, SCOLS_FL_RIGHT, SCOLS_JSON_NUMBER, true, MP_READ_NODE,
		       "NUMA node of the memory" },
	[COL_ZONES] = { "ZONES", 0, SCOLS_FL_RIGHT, SCOLS_JSON_STRING, true, MP_READ_ZONES,
			"zone of online memory, zones offline memory can go to" },
	[COL_MEMMAP] = { "MEMMAP", 0, SCOLS_FL_RIGHT, SCOLS_JSON_BOOLEAN, true, MP_READ_MEMMAP,
			 "memmap hosted inside the block (memmap_on_memory)" },
};

static const int default_cols[] = { COL_RANGE, COL_SIZE, COL_STATE, COL_REMOVABLE,
				    COL_BLOCK, COL_NODE, COL_ZONES, COL_MEMMAP };

enum summary_mode { SUMMARY_DEFAULT, SUMMARY_ALWAYS, SUMMARY_ONLY, SUMMARY_NEVER };

struct list_args {
	struct mp_ctx *ctx;
	int cols[NCOLS * 2];
	size_t ncols;
	bool split[NCOLS];
	bool split_given;
	bool blocks, json, raw, bytes, noheadings;
	enum summary_mode summary;
	struct mp_selector sel;
};

static int column_id(const char *name, size_t len)
{
	for (int i = 0; i < NCOLS; i++)
		if (strlen(coldescs[i].name) == len && !strncasecmp(name, coldescs[i].name, len))
			return i;
	return -1;
}

/* "A,B,C" into ids; returns -1 with the bad name reported. */
static int parse_columns(struct argp_state *state, const char *list, int *ids, size_t *n,
			 size_t max)
{
	const char *p = list;

	if (!*p)
		mp_usage(state, "empty column list");
	while (*p) {
		size_t len = strcspn(p, ",");
		int id = column_id(p, len);

		if (id < 0)
			mp_usage(state, "unknown column: %.*s", (int)len, p);
		if (*n >= max)
			mp_usage(state, "too many columns (at most %zu)", max);
		ids[(*n)++] = id;
		p += len;
		if (*p == ',')
			p++;
	}
	return 0;
}

enum { OPT_OUTPUT_ALL = 0x100, OPT_SUMMARY };

static const struct argp_option list_options[] = {
	{ "blocks", 'a', NULL, 0, "One row per memory block, no merging", 0 },
	{ "all", 0, NULL, OPTION_ALIAS, NULL, 0 },
	{ "bytes", 'b', NULL, 0, "Print SIZE in bytes rather than in human-readable form", 0 },
	{ "json", 'J', NULL, 0, "JSON output, in lsmem's shape: {\"memory\":[...]}", 0 },
	{ "noheadings", 'n', NULL, 0, "Do not print a header line", 0 },
	{ "output", 'o', "LIST", 0, "Output columns (+LIST adds to the default)", 0 },
	{ "output-all", OPT_OUTPUT_ALL, NULL, 0, "Output all columns", 0 },
	{ "raw", 'r', NULL, 0, "Raw output format", 0 },
	{ "split", 'S', "LIST", 0,
	  "Split ranges by these columns (default: the shown ones of STATE, REMOVABLE, NODE, "
	  "ZONES, MEMMAP)",
	  0 },
	{ "summary", OPT_SUMMARY, "WHEN", OPTION_ARG_OPTIONAL,
	  "Print the summary: always, only or never (default: after a text table)", 0 },
	{ 0 }
};

static error_t list_parse(int key, char *arg, struct argp_state *state)
{
	struct list_args *a = state->input;
	char err[160];
	int ids[NCOLS * 2];
	size_t n = 0;

	switch (key) {
	case ARGP_KEY_INIT:
		state->child_inputs[0] = a->ctx;
		return 0;
	case 'a':
		a->blocks = true;
		return 0;
	case 'b':
		a->bytes = true;
		return 0;
	case 'J':
		a->json = true;
		return 0;
	case 'n':
		a->noheadings = true;
		return 0;
	case 'r':
		a->raw = true;
		return 0;
	case 'o':
		if (*arg == '+') {
			if (!a->ncols) {
				memcpy(a->cols, default_cols, sizeof(default_cols));
				a->ncols = ARRAY_SIZE(default_cols);
			}
			arg++;
		} else {
			a->ncols = 0;
		}
		parse_columns(state, arg, ids, &n, ARRAY_SIZE(ids));
		for (size_t i = 0; i < n; i++) {
			size_t j;

			/* a column asked for twice is shown once */
			for (j = 0; j < a->ncols && a->cols[j] != ids[i]; j++)
				;
			if (j == a->ncols)
				a->cols[a->ncols++] = ids[i];
		}
		return 0;
	case OPT_OUTPUT_ALL:
		for (a->ncols = 0; a->ncols < NCOLS; a->ncols++)
			a->cols[a->ncols] = (int)a->ncols;
		return 0;
	case 'S':
		parse_columns(state, arg, ids, &n, ARRAY_SIZE(ids));
		memset(a->split, 0, sizeof(a->split));
		for (size_t i = 0; i < n; i++) {
			if (!coldescs[ids[i]].split)
				mp_usage(state, "ranges cannot be split by %s",
					 coldescs[ids[i]].name);
			a->split[ids[i]] = true;
		}
		a->split_given = true;
		return 0;
	case OPT_SUMMARY:
		if (!arg || !strcmp(arg, "only"))
			a->summary = SUMMARY_ONLY;
		else if (!strcmp(arg, "always"))
			a->summary = SUMMARY_ALWAYS;
		else if (!strcmp(arg, "never"))
			a->summary = SUMMARY_NEVER;
		else
			mp_usage(state, "--summary takes always, only or never, not \"%s\"", arg);
		return 0;
	case ARGP_KEY_ARG:
		if (mp_selector_parse(arg, &a->sel, err, sizeof(err)) < 0)
			mp_usage(state, "%s", err);
		return 0;
	case ARGP_KEY_END:
		if (a->json && a->raw)
			mp_usage(state, "--json and --raw exclude each other");
		if (a->json && a->summary == SUMMARY_ALWAYS)
			mp_usage(state, "with --json, --summary=only prints the summary as JSON");
		return 0;
	default:
		return ARGP_ERR_UNKNOWN;
	}
}

static const struct argp list_argp = {
	list_options,
	list_parse,
	"[BLOCKS...]",
	"List the memory blocks, merged into ranges of like blocks.\v"
	"BLOCKS: memory32, 32, 32-39, 0xSTART-0xEND, node:N, zone:NAME, state:STATE, or comma "
	"lists of these; all blocks when none.\n"
	"Columns: RANGE START END SIZE STATE REMOVABLE BLOCK NODE ZONES MEMMAP.\n"
	"MEMMAP says whether a block hosts its own memmap (memmap_on_memory): \"no\" when the "
	"memory_hotplug.memmap_on_memory parameter is off, else read from /proc/kpageflags for "
	"online blocks (root only), \"-\" where it cannot be told. See memplug(8).",
	mp_common_children,
	NULL,
	NULL
};

/* A run of consecutive like blocks: [first, first + count). */
struct row {
	const struct mp_block *first;
	size_t count;
};

static bool same(const struct list_args *a, const struct mp_block *x, const struct mp_block *y)
{
	if (a->blocks || y->id != x->id + 1)
		return false;
	if (a->split[COL_STATE] && x->state != y->state)
		return false;
	/* lsmem only shows REMOVABLE for online memory */
	if (a->split[COL_REMOVABLE] && x->removable != y->removable &&
	    (x->state == MP_STATE_ONLINE || y->state == MP_STATE_ONLINE))
		return false;
	if (a->split[COL_NODE] && x->node != y->node)
		return false;
	if (a->split[COL_ZONES] && strcmp(x->zones, y->zones))
		return false;
	if (a->split[COL_MEMMAP] && x->memmap != y->memmap)
		return false;
	return true;
}

static int set_cell(struct libscols_line *ln, size_t i, const char *s)
{
	return scols_line_set_data(ln, i, s) ? -ENOMEM : 0;
}

/* Text shows "-" where a value cannot be told; JSON shows null. */
static const char *unknown(const struct list_args *a)
{
	return a->json ? NULL : "-";
}

static int add_row(const struct list_args *a, const struct mp_memory *mem,
		   struct libscols_table *tb, const struct row *r)
{
	const struct mp_block *b = r->first;
	uint64_t start = b->id * mem->block_size;
	uint64_t size = r->count * mem->block_size;
	struct libscols_line *ln = scols_table_new_line(tb, NULL);
	char buf[96];

	if (!ln)
		return -ENOMEM;
	for (size_t i = 0; i < a->ncols; i++) {
		const char *s = NULL;

		switch (a->cols[i]) {
		case COL_RANGE:
			snprintf(buf, sizeof(buf), "0x%016" PRIx64 "-0x%016" PRIx64, start,
				 start + size - 1);
			s = buf;
			break;
		case COL_START:
			snprintf(buf, sizeof(buf), "0x%016" PRIx64, start);
			s = buf;
			break;
		case COL_END:
			snprintf(buf, sizeof(buf), "0x%016" PRIx64, start + size - 1);
			s = buf;
			break;
		case COL_SIZE:
			if (a->bytes)
				snprintf(buf, sizeof(buf), "%" PRIu64, size);
			else
				mp_human_size(size, buf, sizeof(buf));
			s = buf;
			break;
		case COL_STATE:
			s = b->state == MP_STATE_GOING_OFFLINE ? "on->off"
							       : mp_state_name(b->state);
			break;
		case COL_REMOVABLE:
			/* libsmartcols' JSON boolean reads "yes"/"no" (n/N/0: false) */
			if (b->state == MP_STATE_ONLINE && b->removable >= 0)
				s = b->removable ? "yes" : "no";
			else if (!a->json)
				s = b->state == MP_STATE_ONLINE ? "-" : "";
			break;
		case COL_BLOCK:
			if (r->count == 1)
				snprintf(buf, sizeof(buf), "%" PRIu64, b->id);
			else
				snprintf(buf, sizeof(buf), "%" PRIu64 "-%" PRIu64, b->id,
					 b->id + r->count - 1);
			s = buf;
			break;
		case COL_NODE:
			if (b->node >= 0) {
				snprintf(buf, sizeof(buf), "%d", b->node);
				s = buf;
			} else {
				s = unknown(a);
			}
			break;
		case COL_ZONES:
			if (b->zones[0]) {
				snprintf(buf, sizeof(buf), "%s", b->zones);
				for (char *p = buf; *p; p++)
					if (*p == ' ')
						*p = '/';
				s = buf;
			} else {
				s = unknown(a);
			}
			break;
		case COL_MEMMAP:
			if (b->memmap == MP_MEMMAP_UNKNOWN)
				s = unknown(a);
			else
				s = b->memmap == MP_MEMMAP_SELF ? "yes" : "no";
			break;
		}
		if (s && set_cell(ln, i, s) < 0)
			return -ENOMEM;
	}
	return 0;
}

static int print_table(const struct list_args *a, const struct mp_memory *mem,
		       const struct mp_block *const *sel, size_t nsel)
{
	struct libscols_table *tb = scols_new_table();
	int r = -ENOMEM;

	if (!tb)
		return -ENOMEM;
	scols_table_enable_raw(tb, a->raw);
	scols_table_enable_json(tb, a->json);
	scols_table_enable_noheadings(tb, a->noheadings);
	if (a->json)
		scols_table_set_name(tb, "memory");
	for (size_t i = 0; i < a->ncols; i++) {
		const struct coldesc *cd = &coldescs[a->cols[i]];
		struct libscols_column *cl =
			scols_table_new_column(tb, cd->name, cd->whint, cd->flags);

		if (!cl)
			goto out;
		if (a->json)
			scols_column_set_json_type(cl, a->cols[i] == COL_SIZE && a->bytes
							       ? SCOLS_JSON_NUMBER
							       : cd->json);
	}
	for (size_t i = 0; i < nsel;) {
		struct row row = { sel[i], 1 };

		while (i + row.count < nsel && same(a, sel[i + row.count - 1], sel[i + row.count]))
			row.count++;
		r = add_row(a, mem, tb, &row);
		if (r < 0)
			goto out;
		i += row.count;
	}
	r = scols_print_table(tb) ? -EIO : 0;
out:
	scols_unref_table(tb);
	return r;
}

static const char *or_dash(const char *s)
{
	return *s ? s : "-";
}

static void print_summary(const struct list_args *a, const struct mp_memory *mem, uint64_t online,
			  uint64_t offline)
{
	char b1[32], b2[32], b3[32];

	if (a->json) {
		struct json_object *o = json_object_new_object(), *s = json_object_new_object();

		json_object_object_add(s, "block_size", json_object_new_uint64(mem->block_size));
		json_object_object_add(s, "online", json_object_new_uint64(online));
		json_object_object_add(s, "offline", json_object_new_uint64(offline));
#define ADD_STR(k, v) json_object_object_add(s, k, (v)[0] ? json_object_new_string(v) : NULL)
		ADD_STR("auto_online_blocks", mem->auto_online_blocks);
		ADD_STR("memmap_on_memory", mem->memmap_on_memory);
		ADD_STR("online_policy", mem->online_policy);
#undef ADD_STR
		json_object_object_add(o, "summary", s);
		puts(json_object_to_json_string_ext(o, JSON_C_TO_STRING_PRETTY |
							       JSON_C_TO_STRING_SPACED));
		json_object_put(o);
		return;
	}
	if (a->bytes) {
		snprintf(b1, sizeof(b1), "%" PRIu64, mem->block_size);
		snprintf(b2, sizeof(b2), "%" PRIu64, online);
		snprintf(b3, sizeof(b3), "%" PRIu64, offline);
	} else {
		mp_human_size(mem->block_size, b1, sizeof(b1));
		mp_human_size(online, b2, sizeof(b2));
		mp_human_size(offline, b3, sizeof(b3));
	}
	printf("%-23s %15s\n", "Memory block size:", b1);
	printf("%-23s %15s\n", "Total online memory:", b2);
	printf("%-23s %15s\n", "Total offline memory:", b3);
	printf("%-23s %15s\n", "Auto-online blocks:", or_dash(mem->auto_online_blocks));
	printf("%-23s %15s\n", "memmap_on_memory:", or_dash(mem->memmap_on_memory));
	printf("%-23s %15s\n", "Online policy:", or_dash(mem->online_policy));
}

int cmd_list(struct mp_ctx *ctx, int argc, char **argv)
{
	struct list_args a = { .ctx = ctx };
	_cleanup_root_ struct mp_root *root = NULL;
	_cleanup_memory_ struct mp_memory *mem = NULL;
	_cleanup_free_ struct mp_block **sel = NULL;
	uint64_t online = 0, offline = 0;
	unsigned what = 0;
	ssize_t nsel;
	size_t ngood = 0;
	char err[200];
	bool table, summary;
	int r;

	r = argp_parse(&list_argp, argc, argv, 0, NULL, &a);
	if (r) {
		mp_selector_clear(&a.sel);
		return MP_EXIT_USAGE;
	}
	if (!a.ncols) {
		memcpy(a.cols, default_cols, sizeof(default_cols));
		a.ncols = ARRAY_SIZE(default_cols);
	}
	for (size_t i = 0; i < a.ncols; i++) {
		what |= coldescs[a.cols[i]].reads;
		if (!a.split_given && coldescs[a.cols[i]].split)
			a.split[a.cols[i]] = true;
	}
	for (int i = 0; i < NCOLS; i++)
		if (a.split[i])
			what |= coldescs[i].reads;
	table = a.summary != SUMMARY_ONLY;
	summary = a.summary == SUMMARY_ALWAYS || a.summary == SUMMARY_ONLY ||
		  (a.summary == SUMMARY_DEFAULT && !a.json && !a.raw);
	if (summary || a.sel.states)
		what |= MP_READ_STATE;
	if (a.sel.nnodes)
		what |= MP_READ_NODE;
	if (a.sel.nzones)
		what |= MP_READ_ZONES;

	r = mp_ctx_root(ctx, &root);
	if (r)
		goto out;
	r = mp_memory_read(root, what, &ctx->log, &mem);
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
	nsel = mp_selector_resolve(&a.sel, mem, MP_SEL_LIST, &sel, err, sizeof(err));
	if (nsel < 0) {
		mp_err("%s", err);
		r = MP_EXIT_USAGE;
		goto out;
	}
	/* as a block number that is not there: said, and no empty table */
	if (!nsel && !mp_selector_empty(&a.sel)) {
		mp_err("no memory block matches the selection");
		r = MP_EXIT_USAGE;
		goto out;
	}
	/* blocks that could not be read were named on stderr already */
	for (ssize_t i = 0, k = 0; i < nsel; i++) {
		const struct mp_block *b = sel[i];

		if (b->err)
			continue;
		sel[k++] = sel[i];
		ngood = (size_t)k;
		if (b->state == MP_STATE_ONLINE)
			online += mem->block_size;
		else
			offline += mem->block_size;
	}
	if (table) {
		r = print_table(&a, mem, (const struct mp_block *const *)sel, ngood);
		if (r < 0) {
			mp_err("cannot print the table: %s", strerror(-r));
			r = MP_EXIT_USAGE;
			goto out;
		}
		if (summary && !a.json)
			putchar('\n');
	}
	if (summary)
		print_summary(&a, mem, online, offline);
	r = mem->nbad ? MP_EXIT_PARTIAL : MP_EXIT_OK;
	if (mem->nbad)
		mp_err("%zu block%s could not be read (see above); the rest is listed", mem->nbad,
		       mem->nbad == 1 ? "" : "s");
out:
	mp_selector_clear(&a.sel);
	if (fflush(stdout) != 0 && r == MP_EXIT_OK) {
		mp_err("write error: %s", strerror(errno));
		r = MP_EXIT_USAGE;
	}
	return r;
}
