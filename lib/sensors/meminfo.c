// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Named counters: /proc/meminfo, /sys/devices/system/node/nodeN/meminfo and
 * /proc/vmstat.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "sensors/sensor.h"

void mp_counters_clear(struct mp_counters *c)
{
	free(c->v);
	free(c->slot);
	c->v = NULL;
	c->slot = NULL;
	c->n = c->nslot = 0;
	c->node = -1;
}

/* FNV-1a: vmstat has ~180 names, looked up once each per reading and by the checks */
static size_t name_hash(const char *name)
{
	uint32_t h = 2166136261u;

	for (; *name; name++)
		h = (h ^ (unsigned char)*name) * 16777619u;
	return h;
}

/* The slot of name: its entry, or the empty slot where it would go. */
static uint32_t *slot_of(const struct mp_counters *c, const char *name)
{
	size_t mask = c->nslot - 1, i = name_hash(name) & mask;

	while (c->slot[i] && strcmp(c->v[c->slot[i] - 1].name, name))
		i = (i + 1) & mask;
	return &c->slot[i];
}

static struct mp_counter *find(const struct mp_counters *c, const char *name)
{
	uint32_t *sl;

	if (!c->nslot)
		return NULL;
	sl = slot_of(c, name);
	return *sl ? &c->v[*sl - 1] : NULL;
}

/* Keep the table at most half full: rebuild it twice as large. */
static int grow_slots(struct mp_counters *c)
{
	size_t ns = c->nslot ? c->nslot * 2 : 64;
	uint32_t *old = c->slot;

	if ((c->n + 1) * 2 <= c->nslot)
		return 0;
	c->slot = calloc(ns, sizeof(*c->slot));
	if (!c->slot) {
		c->slot = old;
		return -ENOMEM;
	}
	c->nslot = ns;
	free(old);
	for (size_t i = 0; i < c->n; i++)
		*slot_of(c, c->v[i].name) = (uint32_t)i + 1;
	return 0;
}

int mp_counters_get(const struct mp_counters *c, const char *name, uint64_t *out)
{
	const struct mp_counter *k = find(c, name);

	if (!k)
		return -ENOENT;
	*out = k->value;
	return 0;
}

uint64_t mp_counters_val(const struct mp_counters *c, const char *name, uint64_t dflt)
{
	const struct mp_counter *k = find(c, name);

	return k ? k->value : dflt;
}

int mp_counters_set(struct mp_counters *c, const char *name, uint64_t value)
{
	struct mp_counter *k = find(c, name);

	if (!k) {
		struct mp_counter *nv;
		size_t len = strlen(name);

		if (len >= sizeof(k->name))
			return -ENAMETOOLONG;
		if (c->n >= UINT32_MAX - 1 || grow_slots(c) < 0)
			return -ENOMEM;
		if (c->n == 0 || (c->n >= 16 && !(c->n & (c->n - 1)))) {
			size_t cap = c->n < 16 ? 16 : c->n * 2;

			nv = realloc(c->v, cap * sizeof(*nv));
			if (!nv)
				return -ENOMEM;
			c->v = nv;
		}
		k = &c->v[c->n++];
		memcpy(k->name, name, len + 1);
		*slot_of(c, name) = (uint32_t)c->n;
	}
	k->value = value;
	return 0;
}

/* One line of at most len bytes from *p; advances *p past the newline. */
static size_t next_line(const char **p, const char *end, char *line, size_t cap)
{
	const char *s = *p, *nl = memchr(s, '\n', (size_t)(end - s));
	size_t n = (size_t)((nl ? nl : end) - s);

	*p = nl ? nl + 1 : end;
	if (n >= cap)
		n = cap - 1;
	memcpy(line, s, n);
	line[n] = '\0';
	return n;
}

/* A decimal number filling the token. */
static bool parse_num(const char *s, uint64_t *out)
{
	return isdigit((unsigned char)*s) && mp_parse_u64(s, 10, out) == 0;
}

int mp_meminfo_parse(const char *buf, size_t len, struct mp_counters *c)
{
	const char *p = buf, *end = buf + len;
	char line[256];
	size_t good = 0;
	int r;

	mp_counters_clear(c);
	while (p < end) {
		char *s = line, *colon, *val, *unit;
		uint64_t v;
		int node;

		next_line(&p, end, line, sizeof(line));
		if (!strncmp(s, "Node ", 5)) {
			char *q;

			node = (int)strtol(s + 5, &q, 10);
			if (q == s + 5 || *q != ' ' || node < 0)
				continue;
			if (c->node >= 0 && c->node != node)
				continue; /* one node per file */
			c->node = node;
			s = q;
			while (*s == ' ')
				s++;
		}
		colon = strchr(s, ':');
		if (!colon || colon == s || memchr(s, ' ', (size_t)(colon - s)))
			continue;
		*colon = '\0';
		val = colon + 1;
		while (*val == ' ' || *val == '\t')
			val++;
		unit = val;
		while (isdigit((unsigned char)*unit))
			unit++;
		if (*unit) {
			*unit++ = '\0';
			while (*unit == ' ')
				unit++;
			if (*unit && strcmp(mp_rstrip(unit), "kB"))
				continue;
		}
		if (!parse_num(val, &v))
			continue;
		r = mp_counters_set(c, s, v);
		if (r == -ENOMEM)
			return r;
		if (!r)
			good++;
	}
	return good ? 0 : -EBADMSG;
}

int mp_vmstat_parse(const char *buf, size_t len, struct mp_counters *c)
{
	const char *p = buf, *end = buf + len;
	char line[256];
	size_t good = 0;
	int r;

	mp_counters_clear(c);
	while (p < end) {
		char *name = line, *val;
		size_t nl, vl;
		uint64_t v;

		/* "name value": two words, no more (a tokenizer, not sscanf: ~180 lines a reading) */
		next_line(&p, end, line, sizeof(line));
		while (isspace((unsigned char)*name))
			name++;
		nl = strcspn(name, " \t\n\v\f\r");
		val = name + nl;
		while (isspace((unsigned char)*val))
			val++;
		vl = strcspn(val, " \t\n\v\f\r");
		if (!nl || nl > 63 || !vl || vl > 31 || val[vl + strspn(val + vl, " \t\n\v\f\r")])
			continue;
		name[nl] = '\0';
		val[vl] = '\0';
		if (!parse_num(val, &v))
			continue;
		r = mp_counters_set(c, name, v);
		if (r == -ENOMEM)
			return r;
		if (!r)
			good++;
	}
	return good ? 0 : -EBADMSG;
}

static int read_parse(const struct mp_root *root, const char *path,
		      int (*parse)(const char *, size_t, struct mp_counters *),
		      struct mp_counters *c)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = mp_read_all(root, path, &buf);

	if (n < 0)
		return (int)n;
	return parse(buf, (size_t)n, c);
}

int mp_meminfo_read(const struct mp_root *root, struct mp_counters *c)
{
	c->node = -1;
	return read_parse(root, "/proc/meminfo", mp_meminfo_parse, c);
}

int mp_node_meminfo_read(const struct mp_root *root, int node, struct mp_counters *c)
{
	char path[128];

	snprintf(path, sizeof(path), MP_SYS_NODE "/node%d/meminfo", node);
	c->node = -1;
	return read_parse(root, path, mp_meminfo_parse, c);
}

int mp_vmstat_read(const struct mp_root *root, struct mp_counters *c)
{
	c->node = -1;
	return read_parse(root, "/proc/vmstat", mp_vmstat_parse, c);
}
