// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sensors/origin.h"

static int add(struct mp_origin **v, size_t *n, uint64_t first, uint64_t last, const char *dev)
{
	struct mp_origin *nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n].first = first;
	nv[*n].last = last;
	snprintf(nv[*n].device, sizeof(nv[*n].device), "%s", dev);
	(*n)++;
	return 0;
}

static int read_acpi(const struct mp_root *root, struct mp_origin **v, size_t *n)
{
	DIR *d = mp_opendir(root, "/sys/bus/acpi/devices");
	struct dirent *de;
	int r = 0;

	if (!d)
		return 0; /* no ACPI: nothing to add */
	while (r == 0 && (de = readdir(d))) {
		char path[300];
		DIR *dd;
		struct dirent *le;

		if (strncmp(de->d_name, "PNP0C80:", 8))
			continue;
		snprintf(path, sizeof(path), "/sys/bus/acpi/devices/%s", de->d_name);
		dd = mp_opendir(root, path);
		if (!dd)
			continue;
		while (r == 0 && (le = readdir(dd))) {
			char target[512];
			const char *base;
			ssize_t len;
			uint64_t id;

			if (strncmp(le->d_name, "physical_node", 13))
				continue;
			len = readlinkat(dirfd(dd), le->d_name, target, sizeof(target) - 1);
			if (len <= 0)
				continue;
			target[len] = '\0';
			base = strrchr(target, '/');
			base = base ? base + 1 : target;
			if (strncmp(base, "memory", 6) || mp_parse_u64(base + 6, 10, &id) < 0)
				continue;
			r = add(v, n, id, id, de->d_name);
		}
		closedir(dd);
	}
	closedir(d);
	return r;
}

/*
 * The next line "START-END : NAME" of a /proc/iomem text from *pos, at any
 * depth (kmem's range sits inside its dax instance, itself inside the region;
 * virtio_mem's inside its device); false at the end. Lines of other shapes,
 * and the long ones (none of interest is), are skipped.
 */
static bool iomem_next(const char *buf, size_t len, size_t *pos, unsigned long long *start,
		       unsigned long long *end, char name[128])
{
	while (*pos < len) {
		const char *p = buf + *pos, *nl = memchr(p, '\n', len - *pos);
		size_t ll = nl ? (size_t)(nl - p) : len - *pos;
		char line[256];

		*pos += ll + (nl != NULL);
		while (ll && (*p == ' ' || *p == '\t'))
			p++, ll--;
		if (!ll || ll >= sizeof(line))
			continue;
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (sscanf(line, "%llx-%llx : %127[^\n]", start, end, name) == 3)
			return true;
	}
	return false;
}

int mp_iomem_origins(const char *buf, size_t len, uint64_t block_size, struct mp_origin **v,
		     size_t *n)
{
	unsigned long long start, end;
	char name[128];
	size_t pos = 0;
	int r = 0;

	while (r == 0 && iomem_next(buf, len, &pos, &start, &end, name)) {
		const char *dev;

		if (!strcmp(name, "System RAM (kmem)"))
			dev = "kmem";
		else if (!strcmp(name, "System RAM (virtio_mem)"))
			dev = "virtio_mem";
		else
			continue;
		if (end <= start) /* addresses read 0 without CAP_SYS_ADMIN */
			continue;
		r = add(v, n, start / block_size, end / block_size, dev);
	}
	return r;
}

/* /proc/iomem into *buf (to free); 0 or -ENOMEM, *len 0 where unreadable. */
static int slurp_iomem(const struct mp_root *root, char **buf, size_t *len)
{
	_cleanup_close_ int fd = mp_open(root, "/proc/iomem", O_RDONLY | O_NONBLOCK);

	*buf = NULL;
	*len = 0;
	if (fd < 0)
		return 0;
	/*
	 * The kernel's is a few kB: read no more of a stray file; unreadable
	 * as a whole (EISDIR, EAGAIN of a FIFO) is nothing, what was read counts
	 */
	if (mp_read_fd(fd, 4u << 20, buf, len) == -ENOMEM)
		return -ENOMEM;
	return 0;
}

static int read_iomem(const struct mp_root *root, uint64_t block_size, struct mp_origin **v,
		      size_t *n)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	int r = slurp_iomem(root, &buf, &size);

	if (r < 0)
		return r;
	return buf ? mp_iomem_origins(buf, size, block_size, v, n) : 0;
}

static int cmp_range(const void *a, const void *b)
{
	const struct mp_ram_range *x = a, *y = b;

	return x->first < y->first ? -1 : x->first > y->first;
}

ssize_t mp_iomem_ram(const char *buf, size_t len, struct mp_ram_range **out)
{
	struct mp_ram_range *v = NULL;
	unsigned long long start, end;
	char name[128];
	size_t pos = 0, n = 0, m = 0;

	while (iomem_next(buf, len, &pos, &start, &end, name)) {
		struct mp_ram_range *nv;

		if (strncmp(name, "System RAM", 10) || end <= start)
			continue;
		nv = realloc(v, (n + 1) * sizeof(*v));
		if (!nv) {
			free(v);
			return -ENOMEM;
		}
		v = nv;
		v[n++] = (struct mp_ram_range){ .first = start, .last = end };
	}
	if (n)
		qsort(v, n, sizeof(*v), cmp_range);
	for (size_t i = 0; i < n; i++) {
		if (m && v[i].first <= v[m - 1].last + 1) {
			if (v[i].last > v[m - 1].last)
				v[m - 1].last = v[i].last;
		} else {
			v[m++] = v[i];
		}
	}
	*out = v;
	return (ssize_t)m;
}

ssize_t mp_iomem_ram_read(const struct mp_root *root, struct mp_ram_range **out)
{
	_cleanup_free_ char *buf = NULL;
	size_t size;
	int r = slurp_iomem(root, &buf, &size);

	*out = NULL;
	if (r < 0)
		return r;
	return buf ? mp_iomem_ram(buf, size, out) : 0;
}

uint64_t mp_ram_holes(const struct mp_ram_range *r, size_t n, uint64_t first, uint64_t size)
{
	uint64_t last = first + size - 1, covered = 0;

	for (size_t i = 0; i < n; i++) {
		uint64_t a = r[i].first > first ? r[i].first : first;
		uint64_t b = r[i].last < last ? r[i].last : last;

		if (a <= b)
			covered += b - a + 1;
	}
	return size - covered;
}

ssize_t mp_origins_read(const struct mp_root *root, uint64_t block_size, struct mp_origin **out)
{
	struct mp_origin *v = NULL;
	size_t n = 0;
	int r;

	r = read_acpi(root, &v, &n);
	if (r == 0)
		r = read_iomem(root, block_size, &v, &n);
	if (r < 0) {
		free(v);
		return r;
	}
	*out = v;
	return (ssize_t)n;
}

const char *mp_origin_of(const struct mp_origin *o, size_t n, uint64_t block)
{
	for (size_t i = 0; i < n; i++)
		if (o[i].first <= block && block <= o[i].last)
			return o[i].device;
	return NULL;
}
