// SPDX-License-Identifier: GPL-2.0-or-later
/* Kernel crashes in a console log, and their faulting address decoded (see crash.h). */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "checks/crash.h"

#define HEADER_MAX_LINES 160

/* "[   12.345678] text" -> "text"; also drops a leading "<N>" level. */
static const char *strip_prefix(const char *s)
{
	if (*s == '<' && isdigit((unsigned char)s[1]) && s[2] == '>')
		s += 3;
	if (*s == '[') {
		const char *e = strchr(s, ']');

		if (e)
			s = e + 1 + (e[1] == ' ');
	}
	return s;
}

/* BUG lines that report and carry on (memplug's kernel-log check reports them). */
static const char *const not_fatal[] = {
	"BUG: Bad page state",
	"BUG: Bad page map",
	"BUG: Bad rss-counter",
	"BUG: sleeping function",
	"BUG: scheduling while atomic",
	"BUG: workqueue lockup",
	"BUG: MAX_LOCKDEP",
};

const char *mp_crash_line_kind(const char *line)
{
	const char *s = strip_prefix(line);

	if (strstr(s, "BUG: soft lockup"))
		return "soft-lockup";
	if (strstr(s, "Watchdog detected hard LOCKUP"))
		return "hard-lockup";
	if (!strncmp(s, "INFO: task ", 11) && strstr(s, "blocked for more than"))
		return "hung-task";
	if (!strncmp(s, "BUG: unable to handle", 21) ||
	    !strncmp(s, "BUG: kernel NULL pointer dereference", 36) || !strncmp(s, "Oops: ", 6) ||
	    !strncmp(s, "general protection fault", 24))
		return "oops";
	if (!strncmp(s, "kernel BUG at ", 14))
		return "bug";
	if (!strncmp(s, "BUG: ", 5)) {
		for (size_t i = 0; i < ARRAY_SIZE(not_fatal); i++)
			if (!strncmp(s, not_fatal[i], strlen(not_fatal[i])))
				return NULL;
		return "bug";
	}
	if (!strncmp(s, "Kernel panic - not syncing", 26))
		return "panic";
	return NULL;
}

/* Register dump and code bytes: noise in a header a person reads. */
static bool register_line(const char *s)
{
	static const char *const p[] = { "RSP:", "RAX:", "RDX:", "RBP:", "R10:",  "R13:", "FS:",
					 "CS:",	 "DR0:", "DR3:", "DR6:", "Code:", "PKRU:" };

	for (size_t i = 0; i < ARRAY_SIZE(p); i++)
		if (!strncmp(s, p[i], strlen(p[i])))
			return true;
	return false;
}

static void copy_line(char *dst, size_t len, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
	while (n && isspace((unsigned char)dst[n - 1]))
		dst[--n] = '\0';
}

static bool parse_hex(const char *s, uint64_t *v)
{
	char *end;

	while (*s == ' ')
		s++;
	if (!isxdigit((unsigned char)*s))
		return false;
	*v = strtoull(s, &end, 16);
	return end != s;
}

/* What one line of the header says: RIP, address, taint, panic. */
static void header_line(struct mp_crash *c, const char *s)
{
	const char *p;
	uint64_t v;

	if (!c->rip[0] && !strncmp(s, "RIP: ", 5) && (p = strchr(s + 5, ':')) &&
	    !strncmp(s + 5, "0010", 4)) {
		copy_line(c->rip, sizeof(c->rip), p + 1);
		copy_line(c->func, sizeof(c->func), c->rip);
		c->func[strcspn(c->func, "+ ")] = '\0';
	}
	if ((p = strstr(s, "for address: ")) || (p = strstr(s, "dereference, address: "))) {
		if (parse_hex(strchr(p, ':') + 1, &v)) {
			c->addr = v;
			c->have_addr = true;
		}
	} else if (!c->have_addr && !strncmp(s, "CR2: ", 5) && parse_hex(s + 5, &v)) {
		c->addr = v;
		c->have_addr = true;
	}
	if (!c->taint[0] && !strncmp(s, "CPU: ", 5)) {
		if (strstr(s, " Not tainted"))
			snprintf(c->taint, sizeof(c->taint), "Not tainted");
		else if ((p = strstr(s, " Tainted: "))) {
			size_t n = 1;

			while (p[n] && !isdigit((unsigned char)p[n]))
				n++;
			snprintf(c->taint, sizeof(c->taint), "%.*s", (int)(n - 1), p + 1);
			copy_line(c->taint, sizeof(c->taint), c->taint);
		}
	}
	if (!c->panic[0] && !strncmp(s, "Kernel panic - not syncing", 26))
		copy_line(c->panic, sizeof(c->panic), s);
}

int mp_crash_parse(const char *text, size_t len, struct mp_crash *c)
{
	const char *p = text, *end = text + len;
	FILE *h = NULL;
	size_t hlen = 0;
	unsigned lines = 0;
	char line[512];

	memset(c, 0, sizeof(*c));
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);
		const char *s, *kind;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		line[strcspn(line, "\r")] = '\0';
		p = nl ? nl + 1 : end;
		s = strip_prefix(line);
		if (!c->found) {
			kind = mp_crash_line_kind(line);
			if (!kind)
				continue;
			c->found = true;
			snprintf(c->kind, sizeof(c->kind), "%s", kind);
			copy_line(c->headline, sizeof(c->headline), s);
			h = open_memstream(&c->header, &hlen);
			if (!h)
				return -ENOMEM;
		}
		header_line(c, s);
		if (!register_line(s))
			fprintf(h, "%s\n", s);
		if (++lines >= HEADER_MAX_LINES || !strncmp(s, "---[ end Kernel panic", 21))
			break;
	}
	if (h && fclose(h))
		return -ENOMEM;
	return 0;
}

void mp_crash_clear(struct mp_crash *c)
{
	free(c->header);
	memset(c, 0, sizeof(*c));
}

static const struct mp_crash_owner *owner_of(const struct mp_crash_layout *l, uint64_t block)
{
	for (size_t i = 0; i < l->nowners; i++)
		if (block >= l->owners[i].first && block <= l->owners[i].last)
			return &l->owners[i];
	return NULL;
}

static void guess(struct mp_crash *c, const struct mp_crash_layout *l, unsigned sp, uint64_t off)
{
	unsigned ps = l->page_size ? l->page_size : 4096, unit = sp ? sp : ps;
	struct mp_crash_guess *g = &c->guess[c->nguess++];
	const struct mp_crash_owner *o;

	g->struct_page = sp;
	g->pfn = off / unit;
	g->offset = (unsigned)(off % unit);
	g->block = l->block_size ? (int64_t)(g->pfn * ps / l->block_size) : -1;
	o = g->block >= 0 ? owner_of(l, (uint64_t)g->block) : NULL;
	snprintf(g->owner, sizeof(g->owner), "%s", o ? o->name : "");
}

void mp_crash_decode(struct mp_crash *c, const struct mp_crash_layout *l)
{
	uint64_t off;

	c->nguess = 0;
	c->region = c->have_addr ? MP_CRASH_ADDR_OTHER : MP_CRASH_ADDR_NONE;
	if (!c->have_addr)
		return;
	/* the vmemmap is 1 TiB (4-level) from its base; the direct map below it */
	if (l->vmemmap_base && c->addr >= l->vmemmap_base &&
	    c->addr - l->vmemmap_base < (1ULL << 40)) {
		off = c->addr - l->vmemmap_base;
		c->region = MP_CRASH_VMEMMAP;
		if (l->struct_page) {
			guess(c, l, l->struct_page, off);
			return;
		}
		/* each size that lands in a device memplug-vm knows; else 64, assumed */
		for (unsigned sp = 56; sp <= 128 && c->nguess < MP_CRASH_MAX_GUESS; sp += 8) {
			guess(c, l, sp, off);
			if (!c->guess[c->nguess - 1].owner[0])
				c->nguess--;
		}
		if (!c->nguess)
			guess(c, l, 64, off);
		return;
	}
	if (l->page_offset_base && c->addr >= l->page_offset_base &&
	    c->addr - l->page_offset_base < (1ULL << 44) &&
	    (!l->vmemmap_base || c->addr < l->vmemmap_base)) {
		c->region = MP_CRASH_DIRECT;
		guess(c, l, 0, c->addr - l->page_offset_base);
	}
}

static void print_guess(const struct mp_crash_guess *g, FILE *f)
{
	fprintf(f, "PFN 0x%" PRIx64, g->pfn);
	if (g->block >= 0)
		fprintf(f, " in memory%" PRId64, g->block);
	if (g->owner[0])
		fprintf(f, " of %s", g->owner);
	else if (g->block >= 0)
		fprintf(f, " (boot memory or no device known)");
}

void mp_crash_print_decoded(const struct mp_crash *c, FILE *f)
{
	if (!c->have_addr)
		return;
	fprintf(f, "faulting address 0x%016" PRIx64, c->addr);
	switch (c->region) {
	case MP_CRASH_VMEMMAP:
		fprintf(f, " is in the vmemmap: the struct page of ");
		for (unsigned i = 0; i < c->nguess; i++) {
			if (i)
				fprintf(f, "; or, with %u-byte struct pages, ",
					c->guess[i].struct_page);
			print_guess(&c->guess[i], f);
			if (!i)
				fprintf(f, " (byte %u of its struct page of %u bytes)",
					c->guess[i].offset, c->guess[i].struct_page);
		}
		break;
	case MP_CRASH_DIRECT:
		fprintf(f, " is in the direct map: byte 0x%x of ", c->guess[0].offset);
		print_guess(&c->guess[0], f);
		break;
	default:
		fprintf(f, " is neither in the vmemmap nor in the direct map");
		break;
	}
	fputc('\n', f);
}

void mp_crash_signature(const struct mp_crash *c, char *buf, size_t len)
{
	const char *what = c->func[0] ? c->func : c->panic[0] ? c->panic : c->headline;
	const char *owner = "";

	if (c->region == MP_CRASH_VMEMMAP && c->nguess && c->guess[0].owner[0])
		owner = c->guess[0].owner;
	if (!c->found)
		snprintf(buf, len, "none");
	else
		snprintf(buf, len, "%s %s|%s", c->kind, what, owner);
}

struct mp_finding *mp_crash_finding(const struct mp_crash *c, const char *step,
				    struct mp_findings *f)
{
	const struct mp_crash_guess *g = c->nguess ? &c->guess[0] : NULL;
	struct mp_finding *x;
	char where[160] = "";

	if (g && c->region == MP_CRASH_VMEMMAP)
		snprintf(where, sizeof(where), "; the struct page of PFN 0x%" PRIx64 "%s%s%s",
			 g->pfn, g->owner[0] ? " (" : "", g->owner, g->owner[0] ? ")" : "");
	else if (g)
		snprintf(where, sizeof(where), "; the direct map at PFN 0x%" PRIx64, g->pfn);
	x = mp_findings_add(f, MP_FIND_CRASH, g ? g->block : -1, step ? step : "",
			    "kernel %s: %.90s%s%s%s", c->kind, c->headline,
			    c->func[0] ? " in " : "", c->func, where);
	if (x && g)
		mp_finding_pfns(x, g->pfn, g->pfn);
	if (x && c->header)
		x->text = strdup(c->header);
	return x;
}
