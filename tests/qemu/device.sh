#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug add and remove in guests of the Debian kernels (MEMPLUG_KERNEL): through QMP over
# the guest's org.qemu.qmp port and through an ACPI eject; kept, onlined, and
# undone at the end (a removal adds the DIMM back where it was, online in
# its zone again), checked against QEMU's query-memory-devices and sysfs;
# then virtio-mem memory (a guest with a virtio-mem-pci device) the same way.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/device.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 400 --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest device: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep -v passed "$o/stdout" | tr '\n' ';')"
done
cat "$top_srcdir/tests/qemu/guest-snapshot.sh" "$top_srcdir/tests/qemu/vmem.guest" >"$WORK/vmem.sh"
for k in $KERNELS; do
	o=$WORK/$k-vmem
	vm "$o" --debian "$k" --timeout 400 --virtio-mem 1G --script "$WORK/vmem.sh" ||
		{ vm_log "$o"; fail "$k: virtio-mem guest run failed"; }
	grep -q "guest vmem: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: virtio-mem: no verdict"; }
	echo "$k: $(grep -v passed "$o/stdout" | tr '\n' ';')"
done
