/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * One root context for every file memplug touches under /sys, /proc, /dev
 * and debugfs. Paths are written as on the real machine ("/sys/devices/...")
 * and resolved with openat() against a directory fd of "/" or of the
 * --sysroot folder, so one binary runs on a live kernel, in a guest and on a
 * recorded tree.
 */
#ifndef MEMPLUG_PATH_H
#define MEMPLUG_PATH_H

#include <dirent.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "base/util.h"

#define MP_SYS_MEMORY "/sys/devices/system/memory"
#define MP_SYS_NODE "/sys/devices/system/node"
#define MP_SYS_MHP_PARAMS "/sys/module/memory_hotplug/parameters"

struct mp_root;

/* sysroot NULL or "/" means the live system. Returns 0 or -errno. */
int mp_root_new(const char *sysroot, struct mp_root **out);
void mp_root_free(struct mp_root *root);
static inline void mp_root_freep(struct mp_root **r)
{
	mp_root_free(*r);
}
#define _cleanup_root_ _cleanup_(mp_root_freep)

/* True when running on a recorded tree rather than the live system. */
bool mp_root_is_sysroot(const struct mp_root *root);

/* The path as a user sees it (with the sysroot in front), for messages. */
const char *mp_root_show(const struct mp_root *root, const char *path, char *buf, size_t len);

/*
 * openat() relative to the root; returns an fd or -errno. O_CLOEXEC is added;
 * a file made with O_CREAT gets mode 0644 (less the umask).
 */
int mp_open(const struct mp_root *root, const char *path, int flags);

/* opendir() relative to the root; NULL with errno set. */
DIR *mp_opendir(const struct mp_root *root, const char *path);

/* Like faccessat(F_OK): 1 exists, 0 not, -errno on other errors. */
int mp_exists(const struct mp_root *root, const char *path);

/*
 * Read fd to its end into a malloc'ed, NUL-terminated buffer (*out, to
 * free; *len its length), grown up to max bytes. Returns 0; -EFBIG when the
 * file holds max bytes or more; or the -errno of a failed read (EINTR is
 * retried). On every return but -ENOMEM, *out holds what was read so far.
 */
int mp_read_fd(int fd, size_t max, char **out, size_t *len);

/*
 * Read a whole (proc or sysfs) text file, any size, into a malloc'ed
 * NUL-terminated buffer. Returns the length or -errno.
 */
ssize_t mp_read_all(const struct mp_root *root, const char *path, char **out);
/* mp_read_all() refuses (-EFBIG) more than this: /proc/zoneinfo or a ptdump are far smaller */
#define MP_READ_ALL_MAX (64u << 20)

/*
 * Read a whole (small) file into buf, NUL-terminated and with trailing
 * whitespace stripped. Returns the length or -errno; -EFBIG when it does not
 * fit.
 */
ssize_t mp_read_str(const struct mp_root *root, const char *path, char *buf, size_t len);

/* Same on an fd-relative path (dirfd from mp_open(..., O_DIRECTORY|O_PATH)). */
ssize_t mp_read_str_at(int dirfd, const char *path, char *buf, size_t len);

/* Read an unsigned number (base 10, 16 or 0) filling the whole file. */
int mp_read_u64(const struct mp_root *root, const char *path, int base, uint64_t *out);

/*
 * Write val with one write() on an fd opened O_WRONLY|O_TRUNC|O_CLOEXEC.
 * Returns 0 or -errno (a short write is -EIO).
 */
int mp_write_str(const struct mp_root *root, const char *path, const char *val);

/* mkdir relative to the root; 0 when it exists already, or -errno. */
int mp_mkdir(const struct mp_root *root, const char *path, mode_t mode);

/* unlink relative to the root; 0 or -errno. */
int mp_unlink(const struct mp_root *root, const char *path);

/*
 * Where debugfs is mounted, found in the mount table under the root
 * (/proc/self/mounts, else /proc/mounts). NULL when it is not mounted.
 */
const char *mp_debugfs(struct mp_root *root);

#endif
