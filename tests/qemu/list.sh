#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck source-path=SCRIPTDIR
# memplug list in a guest of each Debian kernel lists the boot blocks exactly
# as the guest's sysfs has them (step 1 of the guest tests).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

cat >"$WORK/list.guest" <<'GUEST'
snapshot boot
memplug list --json -b >"$O/ranges.json"
GUEST
guest_script "$WORK/list.guest"

for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 240 --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	n=$(snapshot_check "$o" boot)
	[ "$n" -ge 4 ] || fail "$k: $n boot blocks in a 512 MiB guest"
	# the merged ranges cover the same bytes
	total=$(jq '[.memory[].size] | add' "$o/ranges.json")
	[ "$total" = $((n * $(cat "$o/block_size"))) ] ||
		fail "$k: merged ranges hold $total bytes, the blocks $n"
	echo "$k: memplug list agrees with sysfs on $n boot blocks"
done
