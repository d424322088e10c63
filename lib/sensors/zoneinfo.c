// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * /proc/zoneinfo: per node and zone, the page counts the hotplug
 * accounting moves. A zone starts at "Node 0, zone   Normal"; inside it
 * "pages free N", "spanned N", "present N", "managed N", "start_pfn: N" and,
 * summed over the cpus, the "count: N" of each per-cpu page list (free pages
 * that nr_free_pages does not count); the other stats are skipped.
 */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "sensors/sensor.h"

void mp_zoneinfo_clear(struct mp_zoneinfo *zi)
{
	free(zi->z);
	zi->z = NULL;
	zi->n = 0;
}

const struct mp_zone *mp_zoneinfo_find(const struct mp_zoneinfo *zi, int node, const char *name)
{
	for (size_t i = 0; i < zi->n; i++)
		if (zi->z[i].node == node && !strcmp(zi->z[i].name, name))
			return &zi->z[i];
	return NULL;
}

#define WORD(t, len, w) ((len) == sizeof(w) - 1 && !memcmp((t), (w), sizeof(w) - 1))

int mp_zoneinfo_parse(const char *buf, size_t len, struct mp_zoneinfo *zi)
{
	const char *p = buf, *end = buf + len;
	struct mp_zone *cur = NULL;
	size_t cap = 0;

	mp_zoneinfo_clear(zi);
	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = (size_t)((nl ? nl : end) - p);
		char line[256], key[32], name[MP_ZONE_NAME_LEN + 8];
		const char *tok;
		unsigned long long v;
		size_t tl;
		int node;

		if (n >= sizeof(line))
			n = sizeof(line) - 1;
		memcpy(line, p, n);
		line[n] = '\0';
		p = nl ? nl + 1 : end;

		/* most lines are counters nobody reads here: look at the first word first */
		tok = line;
		while (isspace((unsigned char)*tok))
			tok++;
		tl = strcspn(tok, " \t\n\v\f\r");
		if (!strncmp(line, "Node", 4) &&
		    sscanf(line, "Node %d, zone %23s", &node, name) == 2) {
			if (node < 0 || strlen(name) >= MP_ZONE_NAME_LEN) {
				cur = NULL;
				continue;
			}
			if (zi->n == cap) {
				struct mp_zone *nz;

				cap = cap ? cap * 2 : 8;
				nz = realloc(zi->z, cap * sizeof(*nz));
				if (!nz)
					return -ENOMEM;
				zi->z = nz;
			}
			cur = &zi->z[zi->n++];
			memset(cur, 0, sizeof(*cur));
			cur->node = node;
			snprintf(cur->name, sizeof(cur->name), "%s", name);
			continue;
		}
		if (!cur)
			continue;
		if (!strncmp(tok, "pages", 5)) {
			if (sscanf(line, " pages free %llu", &v) == 1)
				cur->free = v;
			continue;
		}
		if (!strncmp(tok, "count:", 6)) {
			if (sscanf(line, " count: %llu", &v) == 1) {
				cur->pcp += v;
				cur->have_pcp = true;
			}
			continue;
		}
		if (!strncmp(tok, "start_pfn:", 10)) {
			if (sscanf(line, " start_pfn: %llu", &v) == 1) {
				cur->start_pfn = v;
				cur->have_start_pfn = true;
			}
			continue;
		}
		if (!WORD(tok, tl, "spanned") && !WORD(tok, tl, "present") &&
		    !WORD(tok, tl, "managed"))
			continue;
		if (sscanf(line, " %31s %llu", key, &v) != 2)
			continue;
		if (!strcmp(key, "spanned"))
			cur->spanned = v;
		else if (!strcmp(key, "present"))
			cur->present = v;
		else if (!strcmp(key, "managed"))
			cur->managed = v;
	}
	return zi->n ? 0 : -EBADMSG;
}

int mp_zoneinfo_read(const struct mp_root *root, struct mp_zoneinfo *zi)
{
	_cleanup_free_ char *buf = NULL;
	ssize_t n = mp_read_all(root, "/proc/zoneinfo", &buf);

	if (n < 0)
		return (int)n;
	return mp_zoneinfo_parse(buf, (size_t)n, zi);
}
