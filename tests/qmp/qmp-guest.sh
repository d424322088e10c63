#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug qmp inside a real guest, over the org.qemu.qmp virtio-serial port
# that contrib/qemu/memplug-vm bridges to QEMU's QMP socket: the port is
# found by itself; the first open reads the greeting, later opens find the
# session negotiated already; a pc-dimm added from inside shows up as the
# memory blocks its address says, and device_del completes (DEVICE_DELETED)
# because the guest's ACPI ejects it. Needs the memplug-vm harness and a
# guest kernel (MEMPLUG_VM_KERNEL, or ../shared/kernels): skips without.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"
MAY_SKIP_IN_CI=1	# a kernel is not promised everywhere

[ -z "${MEMPLUG_NO_QEMU:-}" ] || skip "MEMPLUG_NO_QEMU is set"
VM=${MEMPLUG_VM:-$top_srcdir/contrib/qemu/memplug-vm}
[ -x "$VM" ] || skip "no guest harness at $VM"
KERNEL=${MEMPLUG_VM_KERNEL:-$SHARED/kernels/bzImage-6.12-page80-ptdump}
[ -f "$KERNEL" ] || skip "no guest kernel at $KERNEL (set MEMPLUG_VM_KERNEL)"

cat >"$WORK/guest.sh" <<'GUEST'
set -u
m() { memplug qmp --timeout 20 "$@"; echo "rc=$?"; }
m query-memory-devices
m object-add '{"qom-type":"memory-backend-ram","id":"g1","size":268435456}'
m device_add '{"driver":"pc-dimm","id":"gd1","memdev":"g1"}'
m query-memory-devices
i=0
while [ ! -e /sys/devices/system/memory/memory33 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "blocks: $(cd /sys/devices/system/memory && ls -d memory3[2-9] 2>/dev/null | tr '\n' ' ')"
m --wait-event DEVICE_DELETED device_del '{"id":"gd1"}'
m object-del '{"id":"g1"}'
i=0
while [ -e /sys/devices/system/memory/memory32 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
echo "after: $(cd /sys/devices/system/memory && ls -d memory3[2-9] 2>/dev/null | tr '\n' ' ')"
memplug -vv qmp query-status 2>&1 | grep -c "capabilities were negotiated already"
GUEST

set +e
"$VM" --kernel "$KERNEL" --memplug "$MEMPLUG" --timeout 240 --script "$WORK/guest.sh" \
	>"$WORK/out" 2>"$WORK/err"
st=$?
set -e
[ "$st" = 0 ] || fail "memplug-vm exit $st: $(tail -n 20 "$WORK/err")"
o=$WORK/out
[ "$(grep -c '^rc=0$' "$o")" = 6 ] || fail "not every command succeeded: $(cat "$o" "$WORK/err")"
grep -q '"id": "gd1"' "$o" || fail "gd1 not listed: $(cat "$o")"
addr=$(sed -n 's/.*"addr": \([0-9]*\),.*/\1/p' "$o" | head -n 1)
[ -n "$addr" ] || fail "no addr in $(cat "$o")"
first=$((addr / 134217728))
want="memory$first memory$((first + 1)) "
grep -q "^blocks: $want\$" "$o" || fail "blocks for a 256 MiB DIMM at $addr: want $want, $(grep blocks: "$o")"
grep -q '"event": "DEVICE_DELETED"' "$o" || fail "no DEVICE_DELETED: $(cat "$o")"
grep -q '^after: $' "$o" || fail "blocks left after removal: $(grep after: "$o")"
[ "$(tail -n 1 "$o")" = 1 ] || fail "a later open did not find the session negotiated: $(tail -n 1 "$o")"
echo "ok in-guest QMP: a DIMM at $addr is $want, added and removed from inside"
