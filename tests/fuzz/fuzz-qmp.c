// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * What a QMP peer sends: the input is written to the other end of a
 * socketpair, which is then shut for writing, and the client shakes hands,
 * runs query-memory-devices and waits for an event, as the qmp backend does.
 * Command ids are fixed (mp-00000000-1, -2, ...) so that replies can match;
 * bit 0 of the first byte picks the lenient resync of a character device.
 */
#include <assert.h>
#include <errno.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "fuzz.h"
#include "ops/backend.h"
#include "ops/qmp.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct json_object *ret = NULL, *ev = NULL;
	struct mp_device *devs;
	struct mp_qmp *q;
	char why[256];
	size_t n;
	int sv[2], r;

	/* a stream socket holds ~200 kB: stay below, so that the write never blocks */
	if (!size || size > 65536)
		return 0;
	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, sv) < 0)
		abort();
	if (size > 1 && write(sv[1], data + 1, size - 1) != (ssize_t)(size - 1))
		abort();
	shutdown(sv[1], SHUT_WR);
	if (mp_qmp_new_fd(sv[0], NULL, &q) < 0)
		abort();
	mp_qmp_set_test_mode(q, 0, data[0] & 1);
	r = mp_qmp_handshake(q, 1000, 1000);
	assert(r <= 0);
	assert(r == 0 || mp_qmp_why(q)[0]);
	if (r == 0) {
		r = mp_qmp_execute_type(q, "query-memory-devices", NULL, json_type_array, &ret,
					1000);
		if (r == 0) {
			assert(json_object_is_type(ret, json_type_array));
			if (mp_qmp_parse_memory_devices(ret, &devs, &n, why, sizeof(why)) == 0)
				free(devs);
			json_object_put(ret);
		}
		r = mp_qmp_wait_event(q, "DEVICE_DELETED", mp_qmp_match_device, (void *)"dimm0",
				      1000, &ev);
		if (r == 0)
			json_object_put(ev);
		r = mp_qmp_execute_str(q, "qom-get", "{\"path\": \"/machine\"}", &ret, 1000);
		if (r == 0)
			json_object_put(ret);
	}
	mp_qmp_free(q);
	close(sv[1]);
	return 0;
}
