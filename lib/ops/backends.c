// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The backends by name: the one table of them all, and setting one up and
 * closing it. Apart from backend.c (the helpers every backend and its
 * callers share), so that the backends, which use those helpers, and the
 * table, which uses the backends, do not use each other.
 */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "ops/backend.h"

static const struct mp_backend_ops *const backends[] = {
	&mp_backend_qmp,
	&mp_backend_acpi,
	&mp_backend_dax,
	&mp_backend_probe,
};

const struct mp_backend_ops *mp_backend_find(const char *name)
{
	for (size_t i = 0; i < ARRAY_SIZE(backends); i++)
		if (!strcmp(backends[i]->name, name))
			return backends[i];
	return NULL;
}

int mp_backend_init(struct mp_backend *be, const char *name, const struct mp_root *root,
		    const struct mp_log *log, const char *target, int timeout_ms)
{
	memset(be, 0, sizeof(*be));
	be->ops = mp_backend_find(name);
	if (!be->ops)
		return -ENOENT;
	be->root = root;
	be->log = log;
	be->target = target;
	be->timeout_ms = timeout_ms;
	return 0;
}

int mp_backend_open(struct mp_backend *be, const char *name, const struct mp_root *root,
		    const struct mp_log *log, const char *target, int timeout_ms)
{
	int r = mp_backend_init(be, name, root, log, target, timeout_ms);

	if (r < 0) {
		snprintf(be->why, sizeof(be->why), "no backend \"%s\"", name);
		return r;
	}
	r = be->ops->probe ? be->ops->probe(be) : 0;
	if (r < 0)
		mp_backend_close(be); /* what probe set up */
	return r;
}

void mp_backend_close(struct mp_backend *be)
{
	if (be->ops && be->ops->close)
		be->ops->close(be);
	be->priv = NULL;
}
