#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug add and remove through the dax backend in guests of both Debian
# kernels: legacy pmem (memmap=SIZE!START) made a device-dax instance, given
# to the kernel with kmem and taken back, online in each zone, kept and
# undone; memmap_on_memory where the kernel has the attribute (booted with
# memory_hotplug.memmap_on_memory=1), refused where it has not.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/dax.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 400 --pmem 640M \
		--append "memhp_default_state=offline memory_hotplug.memmap_on_memory=1" \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest dax: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep -v passed "$o/stdout" | tr '\n' ';')"
done
