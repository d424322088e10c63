#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug online/offline in guests of the Debian kernels (MEMPLUG_KERNEL): each zone, the
# read-back, restore at exit, boot memory refused, EBUSY on the block that
# holds the kernel, the lock, and SIGINT at a random moment of a 20-block
# online, ten times, with everything offline again afterwards.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/ops.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 400 --slots 8 --maxmem 8G \
		--dimm 512M --dimm 512M --dimm 512M --dimm 512M --dimm 512M \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest ops: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep -c '^interrupt' "$o/stdout") interrupts restored; $(grep ' ok$' "$o/stdout" | tr '\n' ';')"
done
