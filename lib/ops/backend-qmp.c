// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * The qmp backend: pc-dimm and virtio-mem through QEMU's QMP.
 *
 * pc-dimm add:    object-add {qom-type memory-backend-ram, id, size},
 *                 device_add {driver pc-dimm, id, memdev[, addr][, node]},
 *                 then query-memory-devices for the address QEMU chose.
 * pc-dimm remove: device_del {id}, wait for DEVICE_DELETED (the guest's OS
 *                 ejected it; an ACPI_DEVICE_OST with a failure status says
 *                 it refused), then object-del.
 * virtio-mem:     qom-set /machine/peripheral/ID requested-size, then wait
 *                 until query-memory-devices shows size == requested-size.
 */
#include "config.h"

#include <errno.h>
#include <inttypes.h>
#include <json-c/json.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "ops/backend.h"
#include "ops/qmp.h"

struct qmp_priv {
	struct mp_qmp *q;
	unsigned n; /* the next device number of this process */
};

/* How often a virtio-mem resize is polled. */
#define POLL_MS 100
#define QUERY_SLACK_MS 500

_printf_(3, 4) static int fail(struct mp_backend *be, int err, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(be->why, sizeof(be->why), fmt, ap);
	va_end(ap);
	return err;
}

static int fail_qmp(struct mp_backend *be, int err)
{
	struct qmp_priv *p = be->priv;

	return fail(be, err, "%s", mp_qmp_why(p->q));
}

static int left(int64_t deadline)
{
	int64_t d = deadline - mp_qmp_now_ms();

	return d < 0 ? 0 : d > INT32_MAX ? INT32_MAX : (int)d;
}

static struct qmp_priv *priv_of(struct mp_backend *be)
{
	if (!be->priv)
		be->priv = calloc(1, sizeof(struct qmp_priv));
	return be->priv;
}

int mp_backend_qmp_attach(struct mp_backend *be, struct mp_qmp *q)
{
	struct qmp_priv *p = priv_of(be);

	if (!p) {
		mp_qmp_free(q);
		return -ENOMEM;
	}
	mp_qmp_free(p->q);
	p->q = q;
	return 0;
}

static int connect_qmp(struct mp_backend *be)
{
	struct qmp_priv *p = priv_of(be);
	int r;

	if (!p)
		return fail(be, -ENOMEM, "out of memory");
	if (p->q)
		return 0;
	r = mp_qmp_open(be->root, be->target, be->timeout_ms, be->log, &p->q);
	if (r < 0) {
		fail(be, r, "%s", mp_qmp_why(p->q));
		mp_qmp_free(p->q);
		p->q = NULL;
	}
	return r;
}

static void qmp_close(struct mp_backend *be)
{
	struct qmp_priv *p = be->priv;

	if (!p)
		return;
	mp_qmp_free(p->q);
	free(p);
	be->priv = NULL;
}

/* ---- query-memory-devices ---------------------------------------------- */

static int get_u64(struct json_object *data, const char *key, bool need, uint64_t *out, char *why,
		   size_t len)
{
	struct json_object *v;

	if (!json_object_object_get_ex(data, key, &v)) {
		if (!need)
			return 0;
		snprintf(why, len, "query-memory-devices: a device without \"%s\"", key);
		return -EBADMSG;
	}
	if (!json_object_is_type(v, json_type_int) || json_object_get_int64(v) < 0) {
		snprintf(why, len, "query-memory-devices: \"%s\" is not a number >= 0: %.40s", key,
			 json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN));
		return -EBADMSG;
	}
	/* above INT64_MAX, get_int64 saturates and get_uint64 is right */
	*out = json_object_get_uint64(v);
	return 0;
}

static int get_str(struct json_object *data, const char *key, char *buf, size_t size, char *why,
		   size_t len)
{
	struct json_object *v;
	const char *s;

	buf[0] = '\0';
	if (!json_object_object_get_ex(data, key, &v))
		return 0;
	if (!json_object_is_type(v, json_type_string)) {
		snprintf(why, len, "query-memory-devices: \"%s\" is not a string", key);
		return -EBADMSG;
	}
	s = json_object_get_string(v);
	if (!strcmp(key, "memdev") && !strncmp(s, "/objects/", 9))
		s += 9;
	if (strlen(s) >= size) {
		snprintf(why, len, "query-memory-devices: \"%s\" longer than %zu bytes", key,
			 size - 1);
		return -EBADMSG;
	}
	memcpy(buf, s, strlen(s) + 1);
	return 0;
}

static int parse_device(struct json_object *o, struct mp_device *d, char *why, size_t len)
{
	struct json_object *t, *data;
	const char *type;
	uint64_t node = UINT64_MAX;
	int r;

	memset(d, 0, sizeof(*d));
	if (!json_object_is_type(o, json_type_object) ||
	    !json_object_object_get_ex(o, "type", &t) ||
	    !json_object_is_type(t, json_type_string) ||
	    !json_object_object_get_ex(o, "data", &data) ||
	    !json_object_is_type(data, json_type_object)) {
		snprintf(why, len,
			 "query-memory-devices: an entry that is not "
			 "{\"type\": STRING, \"data\": OBJECT}");
		return -EBADMSG;
	}
	type = json_object_get_string(t);
	d->type = !strcmp(type, "dimm")		? MP_DEV_DIMM
		  : !strcmp(type, "virtio-mem") ? MP_DEV_VIRTIO_MEM
						: MP_DEV_OTHER;
	r = get_str(data, "id", d->id, sizeof(d->id), why, len);
	if (!r)
		r = get_str(data, "memdev", d->memdev, sizeof(d->memdev), why, len);
	if (!r)
		r = get_u64(data,
			    json_object_object_get_ex(data, "memaddr", NULL) ? "memaddr" : "addr",
			    d->type != MP_DEV_OTHER, &d->addr, why, len);
	if (!r)
		r = get_u64(data, "size", d->type != MP_DEV_OTHER, &d->size, why, len);
	if (!r)
		r = get_u64(data, "node", false, &node, why, len);
	if (!r && d->type == MP_DEV_VIRTIO_MEM) {
		r = get_u64(data, "requested-size", true, &d->requested_size, why, len);
		if (!r)
			r = get_u64(data, "max-size", true, &d->max_size, why, len);
		if (!r)
			r = get_u64(data, "block-size", true, &d->block_size, why, len);
	}
	d->node = node <= INT32_MAX ? (int)node : -1;
	return r;
}

int mp_qmp_parse_memory_devices(struct json_object *ret, struct mp_device **devs, size_t *n,
				char *why, size_t len)
{
	struct mp_device *d;
	size_t cnt;

	*devs = NULL;
	*n = 0;
	if (!json_object_is_type(ret, json_type_array)) {
		snprintf(why, len, "query-memory-devices: the return is not an array");
		return -EBADMSG;
	}
	cnt = json_object_array_length(ret);
	d = calloc(cnt ? cnt : 1, sizeof(*d));
	if (!d)
		return -ENOMEM;
	for (size_t i = 0; i < cnt; i++) {
		int r = parse_device(json_object_array_get_idx(ret, i), &d[i], why, len);

		if (r < 0) {
			free(d);
			return r;
		}
	}
	*devs = d;
	*n = cnt;
	return 0;
}

static int query_devices(struct mp_backend *be, int timeout_ms, struct mp_device **devs, size_t *n)
{
	struct qmp_priv *p = be->priv;
	struct json_object *ret;
	int r;

	r = mp_qmp_execute_type(p->q, "query-memory-devices", NULL, json_type_array, &ret,
				timeout_ms);
	if (r < 0)
		return fail_qmp(be, r);
	r = mp_qmp_parse_memory_devices(ret, devs, n, be->why, sizeof(be->why));
	json_object_put(ret);
	return r;
}

static int qmp_query(struct mp_backend *be, struct mp_device **devs, size_t *n)
{
	int r = connect_qmp(be);

	if (r < 0)
		return r;
	return query_devices(be, be->timeout_ms, devs, n);
}

static int find_device(struct mp_backend *be, int64_t deadline, const char *id,
		       enum mp_dev_type type, struct mp_device *out)
{
	_cleanup_free_ struct mp_device *devs = NULL;
	size_t n;
	int r = query_devices(be, left(deadline), &devs, &n);

	if (r < 0)
		return r;
	for (size_t i = 0; i < n; i++) {
		if (id ? !strcmp(devs[i].id, id) : devs[i].type == type) {
			*out = devs[i];
			return 0;
		}
	}
	if (id)
		return fail(be, -ENODEV, "query-memory-devices does not list a device \"%s\"", id);
	return fail(be, -ENODEV, "query-memory-devices lists no %s device", mp_dev_type_name(type));
}

static int qmp_probe(struct mp_backend *be)
{
	_cleanup_free_ struct mp_device *devs = NULL;
	size_t n;

	return qmp_query(be, &devs, &n);
}

/* ---- pc-dimm ------------------------------------------------------------ */

/* The names under a QOM path (qom-list), as one string "\nname\nname\n". */
static int qom_names(struct mp_backend *be, const char *path, int timeout_ms, char **out)
{
	struct qmp_priv *p = be->priv;
	struct json_object *args = json_object_new_object(), *ret = NULL;
	size_t len = 0;
	FILE *f;
	int r;

	*out = NULL;
	json_object_object_add(args, "path", json_object_new_string(path));
	r = mp_qmp_execute_type(p->q, "qom-list", args, json_type_array, &ret, timeout_ms);
	json_object_put(args);
	if (r < 0)
		return fail_qmp(be, r);
	f = open_memstream(out, &len);
	if (!f) {
		json_object_put(ret);
		return -ENOMEM;
	}
	fputc('\n', f);
	for (size_t i = 0; i < json_object_array_length(ret); i++) {
		struct json_object *name;

		if (json_object_object_get_ex(json_object_array_get_idx(ret, i), "name", &name))
			fprintf(f, "%s\n", json_object_get_string(name));
	}
	fclose(f);
	json_object_put(ret);
	return 0;
}

static bool listed(const char *names, const char *name)
{
	char key[80];

	snprintf(key, sizeof(key), "\n%s\n", name);
	return strstr(names, key) != NULL;
}

/* Device and memdev ids no device or object in this QEMU has. */
static int pick_ids(struct mp_backend *be, int64_t deadline, char *id, char *memdev, size_t len)
{
	struct qmp_priv *p = be->priv;
	_cleanup_free_ char *devices = NULL, *objects = NULL;
	int r;

	r = qom_names(be, "/machine/peripheral", left(deadline), &devices);
	if (!r)
		r = qom_names(be, "/objects", left(deadline), &objects);
	if (r < 0)
		return r;
	for (;; p->n++) {
		snprintf(id, len, "mp-dimm-%ld-%u", (long)getpid(), p->n);
		snprintf(memdev, len, "mp-mem-%ld-%u", (long)getpid(), p->n);
		if (!listed(devices, id) && !listed(objects, memdev))
			break;
	}
	p->n++;
	return 0;
}

static int del_object(struct mp_backend *be, const char *memdev, int timeout_ms)
{
	struct qmp_priv *p = be->priv;
	struct json_object *args = json_object_new_object();
	int r;

	json_object_object_add(args, "id", json_object_new_string(memdev));
	r = mp_qmp_execute(p->q, "object-del", args, NULL, timeout_ms);
	json_object_put(args);
	return r;
}

static int dimm_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *o,
		    struct mp_device *out)
{
	struct qmp_priv *p = be->priv;
	int64_t deadline = mp_qmp_now_ms() + be->timeout_ms;
	char id[64], memdev[64];
	struct json_object *args;
	int r;

	r = pick_ids(be, deadline, id, memdev, sizeof(id));
	if (r < 0)
		return r;
	args = json_object_new_object();
	json_object_object_add(args, "qom-type", json_object_new_string("memory-backend-ram"));
	json_object_object_add(args, "id", json_object_new_string(memdev));
	json_object_object_add(args, "size", json_object_new_uint64(size));
	r = mp_qmp_execute(p->q, "object-add", args, NULL, left(deadline));
	json_object_put(args);
	if (r < 0)
		return fail_qmp(be, r);

	args = json_object_new_object();
	json_object_object_add(args, "driver", json_object_new_string("pc-dimm"));
	json_object_object_add(args, "id", json_object_new_string(id));
	json_object_object_add(args, "memdev", json_object_new_string(memdev));
	if (o->addr)
		json_object_object_add(args, "addr", json_object_new_uint64(o->addr));
	if (o->node >= 0)
		json_object_object_add(args, "node", json_object_new_int(o->node));
	r = mp_qmp_execute(p->q, "device_add", args, NULL, left(deadline));
	json_object_put(args);
	if (r < 0) {
		fail_qmp(be, r);
		if (del_object(be, memdev, left(deadline)) < 0)
			mp_logf(be->log, MP_LOG_WARN, "qmp: could not delete %s again: %s", memdev,
				mp_qmp_why(p->q));
		return r;
	}
	r = find_device(be, deadline, id, MP_DEV_DIMM, out);
	if (r < 0)
		return r;
	mp_logf(be->log, MP_LOG_INFO, "qmp: added %s (%s) at 0x%" PRIx64 ", %" PRIu64 " bytes",
		out->id, out->memdev, out->addr, out->size);
	return 0;
}

struct removal {
	const char *id;
};

static bool removal_event(struct json_object *ev, void *arg)
{
	struct removal *rm = arg;
	const char *name = json_object_get_string(json_object_object_get(ev, "event"));

	if (strcmp(name, "DEVICE_DELETED") && strcmp(name, "ACPI_DEVICE_OST"))
		return false;
	return mp_qmp_match_device(ev, (void *)rm->id);
}

/* ACPI _OST status codes of an eject (ACPI 6.x, table 6.x "_OST Status"). */
static const char *ost_status(int64_t st)
{
	switch (st) {
	case 0x01:
		return "non-specific failure";
	case 0x80:
		return "ejection not supported";
	case 0x81:
		return "device in use";
	case 0x82:
		return "device busy";
	case 0x83:
		return "ejection dependency busy";
	default:
		return "failure";
	}
}

static int dimm_remove(struct mp_backend *be, const struct mp_device *dev)
{
	struct qmp_priv *p = be->priv;
	int64_t start = mp_qmp_now_ms(), deadline = start + be->timeout_ms;
	struct removal rm = { dev->id };
	struct mp_device cur;
	struct json_object *args;
	const char *memdev = dev->memdev;
	int r;

	if (!dev->id[0])
		return fail(be, -EINVAL, "a pc-dimm without an id cannot be removed through QMP");
	if (!memdev[0]) {
		r = find_device(be, deadline, dev->id, MP_DEV_DIMM, &cur);
		if (r < 0)
			return r;
		memdev = cur.memdev;
	}
	args = json_object_new_object();
	json_object_object_add(args, "id", json_object_new_string(dev->id));
	r = mp_qmp_execute(p->q, "device_del", args, NULL, left(deadline));
	json_object_put(args);
	if (r < 0)
		return fail_qmp(be, r);

	for (;;) {
		struct json_object *ev, *data, *v;
		const char *name;
		int64_t st;

		r = mp_qmp_wait_event(p->q, NULL, removal_event, &rm, left(deadline), &ev);
		if (r == -ETIMEDOUT)
			return fail(be, r,
				    "device_del %s: no DEVICE_DELETED within %d ms (the guest "
				    "did not eject it: no ACPI OS running, or its memory could not "
				    "be offlined)",
				    dev->id, be->timeout_ms);
		if (r < 0)
			return fail_qmp(be, r);
		name = json_object_get_string(json_object_object_get(ev, "event"));
		if (!strcmp(name, "DEVICE_DELETED")) {
			json_object_put(ev);
			break;
		}
		/* ACPI_DEVICE_OST: 0 done, 0x84 in progress, others refused */
		st = 0;
		if (json_object_object_get_ex(ev, "data", &data) &&
		    json_object_object_get_ex(data, "info", &data) &&
		    json_object_object_get_ex(data, "status", &v))
			st = json_object_get_int64(v);
		mp_logf(be->log, MP_LOG_DEBUG, "qmp: %s", json_object_to_json_string(ev));
		json_object_put(ev);
		if (st != 0 && st != 0x84)
			return fail(be, -EBUSY,
				    "device_del %s: the guest refused to eject it: ACPI "
				    "_OST status 0x%" PRIx64 " (%s)",
				    dev->id, (uint64_t)st, ost_status(st));
	}
	mp_logf(be->log, MP_LOG_INFO, "qmp: %s deleted after %" PRId64 " ms", dev->id,
		mp_qmp_now_ms() - start);
	r = del_object(be, memdev, left(deadline));
	if (r < 0)
		return fail_qmp(be, r);
	return 0;
}

/* ---- virtio-mem --------------------------------------------------------- */

static int vmem_resize(struct mp_backend *be, const struct mp_device *dev, uint64_t want,
		       int64_t deadline, struct mp_device *now)
{
	struct qmp_priv *p = be->priv;
	struct json_object *args;
	char path[128];
	int r;

	if (want > dev->max_size)
		return fail(be, -ENOSPC, "%s: %" PRIu64 " bytes requested, max-size is %" PRIu64,
			    dev->id, want, dev->max_size);
	if (dev->block_size && want % dev->block_size)
		return fail(be, -EINVAL,
			    "%s: %" PRIu64 " is not a multiple of its block-size %" PRIu64, dev->id,
			    want, dev->block_size);
	snprintf(path, sizeof(path), "/machine/peripheral/%s", dev->id);
	args = json_object_new_object();
	json_object_object_add(args, "path", json_object_new_string(path));
	json_object_object_add(args, "property", json_object_new_string("requested-size"));
	json_object_object_add(args, "value", json_object_new_uint64(want));
	r = mp_qmp_execute(p->q, "qom-set", args, NULL, left(deadline));
	json_object_put(args);
	if (r < 0)
		return fail_qmp(be, r);
	for (;;) {
		int64_t next = mp_qmp_now_ms() + POLL_MS;

		/* a last look may overrun the deadline by QUERY_SLACK_MS at most */
		r = find_device(be, deadline + QUERY_SLACK_MS, dev->id, MP_DEV_VIRTIO_MEM, now);
		if (r < 0)
			return r;
		if (now->size == want)
			break;
		if (mp_qmp_now_ms() >= deadline) {
			/*
			 * Ask for what it has: the driver would go on plugging or
			 * unplugging after the step, behind the caller's back.
			 */
			uint64_t has = now->size;

			args = json_object_new_object();
			json_object_object_add(args, "path", json_object_new_string(path));
			json_object_object_add(args, "property",
					       json_object_new_string("requested-size"));
			json_object_object_add(args, "value", json_object_new_uint64(has));
			if (mp_qmp_execute(p->q, "qom-set", args, NULL, QUERY_SLACK_MS) < 0)
				mp_logf(be->log, MP_LOG_WARN,
					"qmp: %s: could not set requested-size back to %" PRIu64
					": %s",
					dev->id, has, mp_qmp_why(p->q));
			json_object_put(args);
			return fail(be, -ETIMEDOUT,
				    "%s: size %" PRIu64 ", not the requested %" PRIu64
				    " after %d ms (is the guest's virtio_mem driver running?); "
				    "requested-size set to %" PRIu64,
				    dev->id, has, want, be->timeout_ms, has);
		}
		/* wakes up early on MEMORY_DEVICE_SIZE_CHANGE */
		r = mp_qmp_wait_event(p->q, "MEMORY_DEVICE_SIZE_CHANGE", NULL, NULL,
				      left(next < deadline ? next : deadline), NULL);
		if (r < 0 && r != -ETIMEDOUT)
			return fail_qmp(be, r);
	}
	return 0;
}

static int vmem_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *o,
		    struct mp_device *out)
{
	int64_t deadline = mp_qmp_now_ms() + be->timeout_ms;
	struct mp_device dev, now;
	int r;

	if (o->addr)
		return fail(be, -EINVAL, "virtio-mem chooses its own addresses");
	r = find_device(be, deadline, o->id, MP_DEV_VIRTIO_MEM, &dev);
	if (r < 0)
		return r;
	if (dev.type != MP_DEV_VIRTIO_MEM)
		return fail(be, -EINVAL, "%s is a %s, not a virtio-mem device", dev.id,
			    mp_dev_type_name(dev.type));
	r = vmem_resize(be, &dev, dev.requested_size + size, deadline, &now);
	if (r < 0)
		return r;
	*out = now;
	out->size = size;
	return 0;
}

static int vmem_remove(struct mp_backend *be, const struct mp_device *d)
{
	int64_t deadline = mp_qmp_now_ms() + be->timeout_ms;
	struct mp_device dev, now;
	int r;

	r = find_device(be, deadline, d->id, MP_DEV_VIRTIO_MEM, &dev);
	if (r < 0)
		return r;
	return vmem_resize(be, &dev,
			   dev.requested_size > d->size ? dev.requested_size - d->size : 0,
			   deadline, &now);
}

/* ---- DIMM slots ---------------------------------------------------------- */

int mp_qmp_dimm_slots(struct mp_backend *be, unsigned *free_slots, unsigned *total)
{
	struct qmp_priv *p;
	struct json_object *ret;
	size_t n;
	int r;

	*free_slots = *total = 0;
	if (!be->ops || strcmp(be->ops->name, "qmp"))
		return fail(be, -EOPNOTSUPP, "DIMM slots are known through QMP only");
	r = connect_qmp(be);
	if (r < 0)
		return r;
	p = be->priv;
	/* one entry a slot of QEMU's ACPI memory hotplug (hw/acpi/memory_hotplug.c), "device" when taken */
	r = mp_qmp_execute_type(p->q, "query-acpi-ospm-status", NULL, json_type_array, &ret,
				be->timeout_ms);
	if (r < 0)
		return fail_qmp(be, r);
	n = json_object_array_length(ret);
	for (size_t i = 0; i < n; i++) {
		struct json_object *e = json_object_array_get_idx(ret, i), *t;

		if (!json_object_object_get_ex(e, "slot-type", &t) ||
		    strcmp(json_object_get_string(t), "DIMM"))
			continue;
		(*total)++;
		*free_slots += !json_object_object_get_ex(e, "device", NULL);
	}
	json_object_put(ret);
	return 0;
}

/* ---- the operations ----------------------------------------------------- */

static int qmp_add(struct mp_backend *be, uint64_t size, const struct mp_add_opts *opts,
		   struct mp_device *out)
{
	static const struct mp_add_opts defaults = MP_ADD_OPTS_INIT;
	int r;

	if (!opts)
		opts = &defaults;
	if (!size)
		return fail(be, -EINVAL, "cannot add 0 bytes");
	r = connect_qmp(be);
	if (r < 0)
		return r;
	switch (opts->type) {
	case MP_DEV_ANY:
	case MP_DEV_DIMM:
		return dimm_add(be, size, opts, out);
	case MP_DEV_VIRTIO_MEM:
		return vmem_add(be, size, opts, out);
	default:
		return fail(be, -EOPNOTSUPP, "the qmp backend adds dimm and virtio-mem only");
	}
}

static int qmp_remove(struct mp_backend *be, const struct mp_device *dev)
{
	struct mp_device found;
	int r = connect_qmp(be);

	if (r < 0)
		return r;
	if (dev->type == MP_DEV_ANY) {
		/* by id alone (a journal's): QEMU says what it is */
		r = find_device(be, mp_qmp_now_ms() + be->timeout_ms, dev->id, MP_DEV_ANY, &found);
		if (r < 0)
			return r;
		found.size = dev->size; /* virtio-mem: what to take back */
		dev = &found;
	}
	switch (dev->type) {
	case MP_DEV_DIMM:
		return dimm_remove(be, dev);
	case MP_DEV_VIRTIO_MEM:
		return vmem_remove(be, dev);
	default:
		return fail(be, -EOPNOTSUPP, "the qmp backend removes dimm and virtio-mem only");
	}
}

const struct mp_backend_ops mp_backend_qmp = {
	.name = "qmp",
	.probe = qmp_probe,
	.add = qmp_add,
	.remove = qmp_remove,
	.query = qmp_query,
	.close = qmp_close,
};
