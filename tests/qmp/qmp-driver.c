// SPDX-License-Identifier: GPL-2.0-or-later
/*
 * Drive the qmp backend from a test script:
 *
 *   qmp-driver PATH TIMEOUT_MS add SIZE [ADDR [NODE]]   a pc-dimm
 *   qmp-driver PATH TIMEOUT_MS add-vmem SIZE [ID]       grow a virtio-mem device
 *   qmp-driver PATH TIMEOUT_MS remove dimm|virtio-mem ID [SIZE]
 *   qmp-driver PATH TIMEOUT_MS query
 *
 * add prints "ID MEMDEV ADDR SIZE FIRST LAST" (FIRST..LAST: the 128 MiB
 * memory blocks it covers); query prints "TYPE ID MEMDEV ADDR SIZE NODE"
 * per device. PATH "-": find the guest's org.qemu.qmp port. Failures: the
 * backend's one-line reason on stderr, exit 2.
 */
#include "config.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "ops/backend.h"

static void log_stderr(void *userdata, enum mp_prio prio, const char *msg)
{
	if (prio <= MP_LOG_WARN || getenv("QMP_DRIVER_DEBUG"))
		fprintf(stderr, "qmp-driver: %s\n", msg);
}

static uint64_t num(const char *s)
{
	uint64_t v;

	if (mp_parse_size(s, &v) < 0) {
		fprintf(stderr, "qmp-driver: bad number \"%s\"\n", s);
		exit(99);
	}
	return v;
}

int main(int argc, char **argv)
{
	const struct mp_log log = { log_stderr, NULL };
	struct mp_add_opts o = MP_ADD_OPTS_INIT;
	struct mp_backend be;
	struct mp_device d = { 0 }, *devs;
	uint64_t first = 0, last = 0;
	size_t n;
	int r;

	if (argc < 4) {
		fprintf(stderr,
			"usage: qmp-driver PATH TIMEOUT_MS add|add-vmem|remove|query ...\n");
		return 99;
	}
	if (mp_backend_init(&be, "qmp", NULL, &log, strcmp(argv[1], "-") ? argv[1] : NULL,
			    atoi(argv[2])) < 0)
		return 99;
	if (!strcmp(argv[3], "add") && argc >= 5) {
		o.addr = argc > 5 ? num(argv[5]) : 0;
		o.node = argc > 6 ? atoi(argv[6]) : -1;
		r = be.ops->add(&be, num(argv[4]), &o, &d);
		if (r == 0 && mp_device_blocks(&d, 128 << 20, &first, &last) < 0)
			first = last = UINT64_MAX;
		if (r == 0)
			printf("%s %s %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", d.id,
			       d.memdev, d.addr, d.size, first, last);
	} else if (!strcmp(argv[3], "add-vmem") && argc >= 5) {
		o.type = MP_DEV_VIRTIO_MEM;
		o.id = argc > 5 ? argv[5] : NULL;
		r = be.ops->add(&be, num(argv[4]), &o, &d);
		if (r == 0)
			printf("%s %" PRIu64 " %" PRIu64 "\n", d.id, d.addr, d.size);
	} else if (!strcmp(argv[3], "remove") && argc >= 6) {
		d.type = !strcmp(argv[4], "dimm") ? MP_DEV_DIMM : MP_DEV_VIRTIO_MEM;
		snprintf(d.id, sizeof(d.id), "%s", argv[5]);
		d.size = argc > 6 ? num(argv[6]) : 0;
		r = be.ops->remove(&be, &d);
	} else if (!strcmp(argv[3], "query")) {
		r = be.ops->query(&be, &devs, &n);
		for (size_t i = 0; r == 0 && i < n; i++)
			printf("%s %s %s %" PRIu64 " %" PRIu64 " %d\n",
			       mp_dev_type_name(devs[i].type), devs[i].id, devs[i].memdev,
			       devs[i].addr, devs[i].size, devs[i].node);
		if (r == 0)
			free(devs);
	} else {
		fprintf(stderr, "qmp-driver: bad arguments\n");
		return 99;
	}
	if (r < 0)
		fprintf(stderr, "qmp-driver: %s\n", be.why);
	mp_backend_close(&be);
	return r < 0 ? 2 : 0;
}
