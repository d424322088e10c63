/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * Operations that change memory: each is journaled before it is made, bounded
 * by a wall-clock timeout, read back afterwards, and undone (newest first)
 * when the session ends, on error and on SIGINT/SIGTERM.
 */
#ifndef MEMPLUG_SESSION_H
#define MEMPLUG_SESSION_H

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/path.h"
#include "sensors/block.h"

/* The words the state file takes. */
enum mp_target {
	MP_ONLINE,	   /* "online": the kernel picks the zone */
	MP_ONLINE_KERNEL,  /* "online_kernel" */
	MP_ONLINE_MOVABLE, /* "online_movable" */
	MP_OFFLINE,	   /* "offline" */
};

const char *mp_target_name(enum mp_target t);

/* What became of one step. */
enum mp_outcome {
	MP_DONE,	/* written, read back as asked */
	MP_ALREADY,	/* was so already: nothing written */
	MP_DRY_RUN,	/* --dry-run: nothing written */
	MP_REFUSED,	/* not attempted (boot memory, ...) */
	MP_FAILED,	/* the kernel said no (EBUSY, EINVAL, ...): an outcome, not a bug */
	MP_RACE,	/* the write failed but the block is as asked: someone else did it */
	MP_TIMEOUT,	/* the write did not finish within the timeout */
	MP_INTERRUPTED, /* a signal stopped it */
	MP_WRONG,	/* written, but the read-back is not what was asked: a finding */
};

const char *mp_outcome_name(enum mp_outcome o);

struct mp_step {
	uint64_t block;
	enum mp_target target;
	enum mp_outcome outcome;
	int err; /* -errno of the write, 0 */
	uint64_t elapsed_ns;
	enum mp_state before, after;
	char zones_before[MP_ZONES_LEN];
	char zones_after[MP_ZONES_LEN];
	char why[160]; /* for REFUSED and WRONG: the reason */
};

/* A device this session added (restored by removing it). */
struct mp_device_ref {
	char backend[16];
	char id[64];
	uint64_t addr, size;
};

/*
 * A journaled change: a block's state, a device added (undo: remove) or
 * removed (undo: add back), or a sysfs or /proc/sys attribute (undo: write
 * its old value back).
 */
struct mp_journal_entry {
	enum { MP_J_STATE, MP_J_DEVICE, MP_J_REMOVED, MP_J_ATTR } kind;
	bool undone;
	/* MP_J_STATE: the block's state and zone before the change */
	uint64_t block;
	enum mp_state state;
	char zone[16];
	/* MP_J_DEVICE, MP_J_REMOVED */
	struct mp_device_ref dev;
	/* MP_J_ATTR: the file (under /sys or /proc/sys) and its value before */
	char path[160];
	char value[64];
};

/*
 * Parse the text of a journal file: "state ID STATE ZONE", "device|removed
 * BACKEND ID 0xADDR SIZE", "attr PATH VALUE" and "undone INDEX" lines, "#"
 * comments. Strict: a
 * bad line is -EBADMSG with a reason naming its number in why. *out (to
 * free; NULL when empty) and *n get the entries.
 */
int mp_journal_parse(const char *buf, size_t len, struct mp_journal_entry **out, size_t *n,
		     char *why, size_t wlen);

struct mp_session_opts {
	unsigned timeout_ms; /* every write; 0: none */
	bool dry_run;
	bool allow_boot_memory;
	bool recover;	 /* take over an unfinished journal (memplug restore) */
	bool no_restore; /* the caller keeps the end state (not used here) */
	/* removes a device for restore; NULL when the session adds none */
	int (*remove_device)(void *userdata, const struct mp_device_ref *dev, char *why,
			     size_t len);
	/*
	 * adds a removed device back at its address; NULL: removals are not
	 * undone; returning 1 (with why) says it cannot be here, and it stays
	 * removed
	 */
	int (*readd_device)(void *userdata, const struct mp_device_ref *dev, char *why, size_t len);
	void *userdata;
};

struct mp_session;

/* Set by the SIGINT/SIGTERM handler that mp_session_signals() installs. */
extern volatile sig_atomic_t mp_stop_signal;

/* Catch SIGINT, SIGTERM and SIGHUP (no SA_RESTART), and SIGALRM for timeouts. */
int mp_session_signals(void);

/*
 * Start a session that changes memory: takes the lock (/run/memplug.lock
 * under the root) and opens the journal (/run/memplug.journal). Refuses,
 * with the reason in why, when another memplug holds the lock or an
 * unfinished journal is there. Returns 0, -EBUSY, -EEXIST or -errno.
 */
int mp_session_new(struct mp_root *root, const struct mp_log *log,
		   const struct mp_session_opts *opts, struct mp_session **out, char *why,
		   size_t len);

/*
 * Undo everything the journal holds, newest first; SIGINT and SIGTERM are held
 * back meanwhile (timeouts still apply). Returns the number of entries that
 * could not be undone (each logged), 0 when all came back.
 */
int mp_session_restore(struct mp_session *s);

/* Keep the end state (--no-restore): the journal has nothing left to undo. */
void mp_session_accept(struct mp_session *s);

/* Release the lock; the journal file goes when nothing is left to undo. */
void mp_session_free(struct mp_session *s);

/* Record a device the session added (before its blocks appear). */
int mp_session_journal_device(struct mp_session *s, const struct mp_device_ref *dev);
/* Record a device about to be removed (undone by adding it back). */
int mp_session_journal_removed(struct mp_session *s, const struct mp_device_ref *dev);
/* Mark a journaled device as removed. */
void mp_session_device_removed(struct mp_session *s, const char *id);
/*
 * Blocks first..last came through this session (a virtio-mem grow, whose
 * driver chose them): hot-plugged memory it may change without
 * --allow-boot-memory.
 */
int mp_session_added_blocks(struct mp_session *s, uint64_t first, uint64_t last);

/*
 * Write value to the attribute at path (under /sys or /proc/sys, read and
 * written through the session's root), journaled with the value it had, so
 * that restore writes that back. Nothing is journaled when it already holds
 * value. -EINVAL when the old value is not one word (it could not be
 * written back); the reason is in why. value NULL journals the value it
 * holds now and writes nothing, for a change made another way (a huge page
 * pool's total, raised through one node's share).
 */
int mp_session_set_attr(struct mp_session *s, const char *path, const char *value, char *why,
			size_t len);

/*
 * Journal a block's state as it is now, for changes made outside
 * mp_block_set() (a storm's racing writers): restore puts it back.
 */
int mp_session_journal_block(struct mp_session *s, uint64_t id);

/* Whether a block may be offlined by this session (boot memory needs consent). */
bool mp_session_block_hotplugged(const struct mp_session *s, uint64_t id);

/*
 * Change one block's state, journaled, bounded, read back. Returns 0 for
 * MP_DONE, 1 for ALREADY or DRY_RUN, negative otherwise (step says why).
 */
int mp_block_set(struct mp_session *s, uint64_t id, enum mp_target target, struct mp_step *step);

#endif
