// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
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

int mp_iomem_origins(const char *buf, size_t len, uint64_t block_size, struct mp_origin **v,
		     size_t *n)
{
	size_t pos = 0;
	int r = 0;

	while (r == 0 && pos < len) {
		const char *p = buf + pos, *nl = memchr(p, '\n', len - pos);
		size_t ll = nl ? (size_t)(nl - p) : len - pos;
		unsigned long long start, end;
		char line[256], name[128];
		const char *dev;

		pos += ll + (nl != NULL);
		/*
		 * at any depth: kmem's range sits inside its dax instance, itself
		 * inside the region (pmem, Soft Reserved); no line of interest is long
		 */
		while (ll && (*p == ' ' || *p == '\t'))
			p++, ll--;
		if (!ll || ll >= sizeof(line))
			continue;
		memcpy(line, p, ll);
		line[ll] = '\0';
		if (sscanf(line, "%llx-%llx : %127[^\n]", &start, &end, name) != 3)
			continue;
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

static int read_iomem(const struct mp_root *root, uint64_t block_size, struct mp_origin **v,
		      size_t *n)
{
	_cleanup_close_ int fd = mp_open(root, "/proc/iomem", O_RDONLY | O_NONBLOCK);
	_cleanup_free_ char *buf = NULL;
	size_t size;

	if (fd < 0)
		return 0;
	/*
	 * The kernel's is a few kB: read no more of a stray file; unreadable
	 * as a whole (EISDIR, EAGAIN of a FIFO) is nothing, what was read counts
	 */
	if (mp_read_fd(fd, 4u << 20, &buf, &size) == -ENOMEM)
		return -ENOMEM;
	return mp_iomem_origins(buf, size, block_size, v, n);
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
