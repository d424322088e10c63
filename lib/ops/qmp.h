/* SPDX-License-Identifier: GPL-2.0-or-later */
/*
 * A small QMP (QEMU Machine Protocol) client.
 *
 * It talks to QEMU over a unix socket on the host, or from inside a guest
 * over the virtio-serial port named org.qemu.qmp (/dev/virtio-ports/
 * org.qemu.qmp, or the /dev/vportNpM whose /sys/class/virtio-ports/vportNpM/
 * name reads org.qemu.qmp). A virtio-serial port has no connect or close: the
 * QMP session behind it may be past its greeting and capabilities already,
 * so the handshake waits only briefly for a greeting, then sends
 * qmp_capabilities and takes "already negotiated" as success.
 *
 * Every command carries a fresh "id" and only the reply with that id is
 * taken; stale replies (a previous user's, or one that came after a
 * timeout) are skipped. Events that arrive meanwhile are queued for
 * mp_qmp_wait_event(). Every wait is bounded by a wall-clock timeout.
 *
 * Errors are negative errno values, each with a one-line reason from
 * mp_qmp_why():
 *   -ETIMEDOUT   nothing (or not the whole answer) within the timeout
 *   -ECONNRESET  the peer closed the connection (mid-message or not)
 *   -EPROTO      bytes that are not JSON (garbage)
 *   -EBADMSG     JSON of the wrong shape: not an object, neither return,
 *                error, event nor greeting, "return" of the wrong type
 *   -EMSGSIZE    one message larger than MP_QMP_MAX_MSG
 *   -EREMOTEIO   QEMU answered {"error": ...}; mp_qmp_error_class() has the
 *                class and mp_qmp_why() "CLASS: desc"
 *   -EOPNOTSUPP  the same, for class CommandNotFound
 *   -ENODEV      the same, for class DeviceNotFound
 *   others       from connect(), open(), read(), write()
 * After -ECONNRESET, -EPROTO, -EMSGSIZE or a failed read/write the
 * connection is unusable and every later call returns the same error.
 */
#ifndef MEMPLUG_QMP_H
#define MEMPLUG_QMP_H

#include <json-c/json.h>
#include <stdbool.h>
#include <stdint.h>

#include "base/log.h"
#include "base/path.h"

#define MP_QMP_PORT_NAME "org.qemu.qmp"
#define MP_QMP_MAX_MSG (16u << 20)
/* How long the handshake waits for a greeting before it sends qmp_capabilities. */
#define MP_QMP_GREETING_MS 500

struct mp_qmp;

/*
 * Find the guest's QMP port: /dev/virtio-ports/org.qemu.qmp, else the
 * /dev/vport* whose /sys/class/virtio-ports/.../name is org.qemu.qmp, both
 * under the root. Writes the path (as under the root) into buf. Returns 0
 * or -ENOENT.
 */
int mp_qmp_find_port(const struct mp_root *root, char *buf, size_t len);

/*
 * Connect and shake hands. path: a unix socket or a character device (or
 * FIFO-free anything openable read-write), taken as it is on this machine;
 * NULL: find the guest port under root (root may be NULL then for "/").
 * On failure *out is still set when the object could be made, so that the
 * caller can read mp_qmp_why(); free it with mp_qmp_free() either way.
 */
int mp_qmp_open(const struct mp_root *root, const char *path, int timeout_ms,
		const struct mp_log *log, struct mp_qmp **out);

/* Wrap a connected fd (a socket or a character device); takes ownership. */
int mp_qmp_new_fd(int fd, const struct mp_log *log, struct mp_qmp **out);

/*
 * Read the greeting (waiting at most greeting_ms for it), then negotiate
 * capabilities within timeout_ms. Accepts {"return": {}} or a
 * CommandNotFound error saying negotiation is already complete.
 */
int mp_qmp_handshake(struct mp_qmp *q, int greeting_ms, int timeout_ms);

void mp_qmp_free(struct mp_qmp *q);
static inline void mp_qmp_freep(struct mp_qmp **q)
{
	mp_qmp_free(*q);
}
#define _cleanup_qmp_ _cleanup_(mp_qmp_freep)

/*
 * Run one command. args: an object or NULL (borrowed). On success *reply
 * (when reply is not NULL) holds a new reference to the "return" value.
 * mp_qmp_execute_type() also checks the type of "return" (-EBADMSG).
 * mp_qmp_execute_str() takes the arguments as JSON text (-EINVAL when it
 * does not parse to an object).
 */
int mp_qmp_execute(struct mp_qmp *q, const char *cmd, struct json_object *args,
		   struct json_object **reply, int timeout_ms);
int mp_qmp_execute_type(struct mp_qmp *q, const char *cmd, struct json_object *args, json_type type,
			struct json_object **reply, int timeout_ms);
int mp_qmp_execute_str(struct mp_qmp *q, const char *cmd, const char *args_json,
		       struct json_object **reply, int timeout_ms);

/*
 * An event matcher: true when ev (the whole event object: "event",
 * "data", "timestamp") is the one waited for.
 */
typedef bool (*mp_qmp_match_fn)(struct json_object *ev, void *arg);

/*
 * Wait for an event: the first queued one that matches, else read until
 * one arrives or timeout_ms passes (-ETIMEDOUT; 0 only looks at what is
 * already there). name: the event name, or NULL for any (then match
 * decides); match: NULL for any of that name. The event is taken off the
 * queue; *ev gets a new reference when ev is not NULL.
 */
int mp_qmp_wait_event(struct mp_qmp *q, const char *name, mp_qmp_match_fn match, void *arg,
		      int timeout_ms, struct json_object **ev);

/* A matcher for events whose data.device (or data.info.device) equals arg. */
bool mp_qmp_match_device(struct json_object *ev, void *arg);

/* Called for every event as it arrives (also queued). */
void mp_qmp_set_event_cb(struct mp_qmp *q, void (*cb)(struct json_object *ev, void *arg),
			 void *arg);

/* The greeting object (borrowed; NULL when none came). */
struct json_object *mp_qmp_greeting(const struct mp_qmp *q);

/* Number of queued events. */
size_t mp_qmp_pending_events(const struct mp_qmp *q);

/* The one-line reason of the last failure ("" when none). */
const char *mp_qmp_why(const struct mp_qmp *q);

/* The class of the last QMP error reply ("" when the last failure was not one). */
const char *mp_qmp_error_class(const struct mp_qmp *q);

/*
 * For tests and fuzzers: fixed command ids ("mp-TAG-SEQ" with this tag,
 * instead of a random one) and, with lenient, the resync after bytes that
 * are not JSON that a character device gets.
 */
void mp_qmp_set_test_mode(struct mp_qmp *q, uint32_t tag, bool lenient);

/* Milliseconds on CLOCK_MONOTONIC, for deadlines. */
int64_t mp_qmp_now_ms(void);

#endif
