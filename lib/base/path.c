// SPDX-License-Identifier: GPL-2.0-or-later
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>
#ifdef __has_include
#if __has_include(<linux/openat2.h>)
#include <linux/openat2.h>
#define MP_HAVE_OPENAT2 1
#endif
#endif

#include "base/path.h"

struct mp_root {
	int dirfd;
	char *prefix;  /* NULL on the live system */
	char *debugfs; /* found mount point, without the prefix */
	bool debugfs_looked;
	bool no_openat2;
};

int mp_root_new(const char *sysroot, struct mp_root **out)
{
	struct mp_root *root;
	const char *dir = "/";

	root = calloc(1, sizeof(*root));
	if (!root)
		return -ENOMEM;
	if (sysroot && strcmp(sysroot, "/") != 0) {
		root->prefix = strdup(sysroot);
		if (!root->prefix) {
			free(root);
			return -ENOMEM;
		}
		dir = sysroot;
	}
	root->dirfd = open(dir, O_PATH | O_DIRECTORY | O_CLOEXEC);
	if (root->dirfd < 0) {
		int e = -errno;

		free(root->prefix);
		free(root);
		return e;
	}
	*out = root;
	return 0;
}

void mp_root_free(struct mp_root *root)
{
	if (!root)
		return;
	close(root->dirfd);
	free(root->prefix);
	free(root->debugfs);
	free(root);
}

bool mp_root_is_sysroot(const struct mp_root *root)
{
	return root->prefix != NULL;
}

const char *mp_root_show(const struct mp_root *root, const char *path, char *buf, size_t len)
{
	snprintf(buf, len, "%s%s", root->prefix ? root->prefix : "", path);
	return buf;
}

static const char *rel(const char *path)
{
	while (*path == '/')
		path++;
	return *path ? path : ".";
}

int mp_open(const struct mp_root *root, const char *path, int flags)
{
	/* a file memplug creates (the lock, the journal): rw-r--r-- less the umask */
	const mode_t mode = flags & O_CREAT ? 0644 : 0;
	int fd;

#ifdef MP_HAVE_OPENAT2
	/*
	 * In a recorded tree an absolute symlink must resolve inside the
	 * tree, never on the machine that reads it.
	 */
	if (root->prefix && !root->no_openat2) {
		struct open_how how = {
			.flags = (uint64_t)(flags | O_CLOEXEC),
			.mode = mode,
			.resolve = RESOLVE_IN_ROOT,
		};

		fd = (int)syscall(SYS_openat2, root->dirfd, rel(path), &how, sizeof(how));
		if (fd >= 0)
			return fd;
		if (errno != ENOSYS && errno != EPERM)
			return -errno;
		((struct mp_root *)root)->no_openat2 = true;
	}
#endif
	fd = openat(root->dirfd, rel(path), flags | O_CLOEXEC, mode);
	return fd < 0 ? -errno : fd;
}

DIR *mp_opendir(const struct mp_root *root, const char *path)
{
	int fd = mp_open(root, path, O_RDONLY | O_DIRECTORY);
	DIR *d;

	if (fd < 0) {
		errno = -fd;
		return NULL;
	}
	d = fdopendir(fd);
	if (!d) {
		int e = errno;

		close(fd);
		errno = e;
	}
	return d;
}

int mp_exists(const struct mp_root *root, const char *path)
{
	int fd = mp_open(root, path, O_PATH);

	if (fd == -ENOENT || fd == -ENOTDIR)
		return 0;
	if (fd < 0)
		return fd;
	close(fd);
	return 1;
}

/*
 * One read() takes a whole sysfs or procfs attribute, and a short read of a
 * regular file means its end: only a full buffer needs a second look.
 */
static ssize_t read_fd_str(int fd, char *buf, size_t len)
{
	size_t n = 0;
	ssize_t r;

	if (len < 2)
		return -EINVAL;
	do {
		r = read(fd, buf, len - 1);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -errno;
	n = (size_t)r;
	while (n == len - 1) {
		char c;

		r = read(fd, &c, 1);
		if (r > 0)
			return -EFBIG;
		if (r == 0 || errno != EINTR)
			break;
	}
	buf[n] = '\0';
	if (memchr(buf, '\0', n))
		return -EILSEQ;
	return (ssize_t)strlen(mp_rstrip(buf));
}

/*
 * Reads open O_NONBLOCK: harmless on sysfs, procfs and regular files, and a
 * FIFO planted in a recorded tree reads empty instead of hanging the reader.
 */
int mp_read_fd(int fd, size_t max, char **out, size_t *len)
{
	size_t size = 0, cap = 0;
	char *buf = malloc(1);
	int r = 0;

	if (!buf)
		return -ENOMEM;
	for (;;) {
		ssize_t k;

		if (size == cap) {
			char *nb;

			if (cap >= max) {
				r = -EFBIG;
				break;
			}
			cap = cap ? cap * 2 : 16384;
			if (cap > max)
				cap = max;
			nb = realloc(buf, cap + 1);
			if (!nb) {
				free(buf);
				return -ENOMEM;
			}
			buf = nb;
		}
		k = read(fd, buf + size, cap - size);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0) {
			r = -errno;
			break;
		}
		if (k == 0)
			break;
		size += (size_t)k;
	}
	buf[size] = '\0';
	*out = buf;
	*len = size;
	return r;
}

ssize_t mp_read_str(const struct mp_root *root, const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = mp_open(root, path, O_RDONLY | O_NONBLOCK);

	if (fd < 0)
		return fd;
	return read_fd_str(fd, buf, len);
}

ssize_t mp_read_str_at(int dirfd, const char *path, char *buf, size_t len)
{
	_cleanup_close_ int fd = openat(dirfd, path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);

	if (fd < 0)
		return -errno;
	return read_fd_str(fd, buf, len);
}

int mp_read_u64(const struct mp_root *root, const char *path, int base, uint64_t *out)
{
	char buf[64];
	ssize_t r = mp_read_str(root, path, buf, sizeof(buf));

	if (r < 0)
		return (int)r;
	return mp_parse_u64(buf, base, out);
}

int mp_write_str(const struct mp_root *root, const char *path, const char *val)
{
	_cleanup_close_ int fd = mp_open(root, path, O_WRONLY | O_TRUNC);
	size_t len = strlen(val);
	ssize_t w;

	if (fd < 0)
		return fd;
	w = write(fd, val, len);
	if (w < 0)
		return -errno;
	return (size_t)w == len ? 0 : -EIO;
}

int mp_mkdir(const struct mp_root *root, const char *path, mode_t mode)
{
	if (mkdirat(root->dirfd, rel(path), mode) < 0 && errno != EEXIST)
		return -errno;
	return 0;
}

int mp_unlink(const struct mp_root *root, const char *path)
{
	return unlinkat(root->dirfd, rel(path), 0) < 0 ? -errno : 0;
}

/* Undo the octal escapes (\040 for a space) of a mounts field, in place. */
static void unescape_mount_field(char *s)
{
	char *d = s;

	while (*s) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '3' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') << 6 | (s[2] - '0') << 3 | (s[3] - '0'));
			s += 4;
		} else {
			*d++ = *s++;
		}
	}
	*d = '\0';
}

const char *mp_debugfs(struct mp_root *root)
{
	static const char *const tables[] = { "/proc/self/mounts", "/proc/mounts" };
	size_t i;

	if (root->debugfs_looked)
		return root->debugfs;
	root->debugfs_looked = true;
	for (i = 0; i < ARRAY_SIZE(tables) && !root->debugfs; i++) {
		int fd = mp_open(root, tables[i], O_RDONLY);
		char line[4096];
		FILE *f;

		if (fd < 0)
			continue;
		f = fdopen(fd, "r");
		if (!f) {
			close(fd);
			continue;
		}
		while (fgets(line, sizeof(line), f)) {
			char dev[256], dir[2048], type[64];

			if (sscanf(line, "%255s %2047s %63s", dev, dir, type) != 3)
				continue;
			if (strcmp(type, "debugfs") != 0)
				continue;
			unescape_mount_field(dir);
			root->debugfs = strdup(dir);
			break;
		}
		fclose(f);
	}
	return root->debugfs;
}

ssize_t mp_read_all(const struct mp_root *root, const char *path, char **out)
{
	_cleanup_close_ int fd = mp_open(root, path, O_RDONLY | O_NONBLOCK);
	size_t len;
	int r;

	if (fd < 0)
		return fd;
	/* no kernel file read this way comes near the bound: a stray file or device */
	*out = NULL;
	r = mp_read_fd(fd, MP_READ_ALL_MAX, out, &len);
	if (r < 0) {
		free(*out);
		*out = NULL;
		return r;
	}
	return (ssize_t)len;
}
