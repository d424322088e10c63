#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What memplug run and add plug, chosen from the kernel (a recorded tree,
# with or without /sys/firmware/acpi/hotplug/memory, the profile the
# kernel's ACPI memory hotplug adds) and QEMU (a QMP peer, not QEMU: socat,
# answering query-memory-devices with a virtio-mem device or none and
# query-acpi-ospm-status with its DIMM slots): a scenario that needs DIMMs
# skips on virtio-mem with its reason (exit 4, KTAP "ok 1 run # SKIP"),
# --device-type dimm and add --type dimm on a kernel without ACPI memory
# hotplug are refused with the reason (4 for run, 2 for add) before QEMU is
# asked to plug anything (the peer's log has no object-add or device_add),
# and the tree is as it was.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
command -v socat >/dev/null 2>&1 || skip "socat is not installed"

T=$(tree guest-6.12)
rm -rf "$T/sys/firmware/acpi/hotplug/memory"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 99' INT TERM

VMEM='{"type": "virtio-mem", "data": {"memaddr": 5368709120, "node": 0, "requested-size": 0, "size": 0, "max-size": 1073741824, "block-size": 2097152, "memdev": "/objects/vmem0", "id": "vm0"}}'
FREE='{"slot": "0", "slot-type": "DIMM", "source": 0, "status": 0}'
TAKEN='{"slot": "1", "slot-type": "DIMM", "source": 0, "status": 0, "device": "/machine/peripheral/dimm1"}'
# qemu NAME DEVICES SLOTS: a peer answering the two queries, {} to the rest; its commands in NAME.log
qemu() {
	cat >"$WORK/$1.peer" <<EOS
printf '{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\r\n'
while read -r l; do
	printf '%s\n' "\$l" >>"$WORK/$1.log"
	id=\$(printf '%s' "\$l" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
	case \$l in
	*query-memory-devices*) printf '{"return": [$2], "id": "%s"}\r\n' "\$id" ;;
	*query-acpi-ospm-status*) printf '{"return": [$3], "id": "%s"}\r\n' "\$id" ;;
	*) printf '{"return": {}, "id": "%s"}\r\n' "\$id" ;;
	esac
done
EOS
	: >"$WORK/$1.log"
	listen_peer "$1"
}
sums() {
	(cd "$T" && find . ! -path ./run/memplug.lock -printf '%y %m %s %p\n' | sort &&
		find . -type f ! -path ./run/memplug.lock -exec md5sum {} + | sort)
}
# expect STATUS PEER TEXT ARGS...: memplug ARGS --qmp PEER --sysroot T exits
# STATUS with a one-line reason holding TEXT, plugs nothing, changes nothing
expect() {
	want=$1 peer=$2 text=$3
	shift 3
	sums >"$WORK/before"
	set +e
	timeout 30 "$MEMPLUG" "$@" --qmp "$WORK/$peer.sock" --timeout 5 --sysroot "$T" \
		>"$WORK/out" 2>"$WORK/err"
	rc=$?
	set -e
	[ "$rc" = "$want" ] || fail "\"memplug $*\" ($peer): exit $rc, want $want: $(cat "$WORK/err")"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "\"memplug $*\": not one line: $(cat "$WORK/err")"
	grep -q -- "$text" "$WORK/err" || fail "\"memplug $*\" ($peer): $(cat "$WORK/err")"
	! grep -q 'object-add\|device_add\|qom-set' "$WORK/$peer.log" ||
		fail "\"memplug $*\" ($peer) asked QEMU to plug: $(cat "$WORK/$peer.log")"
	sums >"$WORK/after"
	cmp -s "$WORK/before" "$WORK/after" || fail "\"memplug $*\" changed the tree"
	echo "ok $want memplug $* ($peer): $(cut -c1-140 "$WORK/err")"
}

qemu vmem "$VMEM" "$FREE"
qemu none "" "$FREE"
# no ACPI memory hotplug in the kernel: virtio-mem, and neighbours cannot run there
expect 4 vmem "scenario neighbours cannot run on virtio-mem: it needs two DIMMs" \
	run --scenario neighbours --seed 1
expect 2 vmem "scenario neighbours cannot run on virtio-mem" \
	run --scenario random --scenario neighbours --seed 1
expect 4 vmem "no memory to add here: the kernel has no ACPI memory hotplug .*virtio-mem device vm0 would work" \
	run --device-type dimm --seed 1
expect 4 none "the kernel has no ACPI memory hotplug.*QEMU has no virtio-mem device" \
	run --seed 1
expect 2 vmem "cannot add a pc-dimm: the kernel has no ACPI memory hotplug (no /sys/firmware/acpi/hotplug/memory: CONFIG_ACPI_HOTPLUG_MEMORY).*virtio-mem device vm0 would work (--type virtio-mem)" \
	add --type dimm 128M
expect 2 none "cannot add a pc-dimm: the kernel has no ACPI memory hotplug.*QEMU has no virtio-mem device" \
	add 128M
# --ktap: the skip is a KTAP document too
"$MEMPLUG" run --scenario neighbours --seed 1 --ktap --qmp "$WORK/vmem.sock" --sysroot "$T" \
	>"$WORK/out" 2>"$WORK/err" && fail "neighbours --ktap: exit 0"
grep -q "^ok 1 run # SKIP scenario neighbours cannot run on virtio-mem: " "$WORK/out" ||
	fail "neighbours --ktap: $(cat "$WORK/out")"
awk -f "$top_srcdir/tests/ktap-check.awk" "$WORK/out" >/dev/null || fail "neighbours --ktap: not KTAP"
echo "ok KTAP skip"

# ACPI memory hotplug there, but every DIMM slot taken: virtio-mem
mkdir -p "$T/sys/firmware/acpi/hotplug/memory"
echo 1 >"$T/sys/firmware/acpi/hotplug/memory/enabled"
qemu full "$VMEM" "$TAKEN"
expect 4 full "virtio-mem vm0: QEMU has no free DIMM slot (1, all taken)" \
	run --scenario neighbours --seed 1
# and switched off by the user (enabled 0): as if absent
echo 0 >"$T/sys/firmware/acpi/hotplug/memory/enabled"
expect 2 vmem "the kernel's ACPI memory hotplug is disabled" add --type dimm 128M
