# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Guest side, sourced by the guest scripts of tests/qemu: snapshot NAME saves
# `memplug list --json --blocks -b` and, read by busybox at the same moment,
# the sysfs view ("N state node" per block) into $MEMPLUG_OUT.
M=/sys/devices/system/memory
O=$MEMPLUG_OUT
printf '%d\n' "0x$(cat $M/block_size_bytes)" >"$O/block_size"

snapshot() {
	memplug list --json --blocks -b >"$O/$1.json" 2>"$O/$1.err"
	echo $? >"$O/$1.rc"
	for d in "$M"/memory[0-9]*; do
		node=-
		for l in "$d"/node[0-9]*; do [ -e "$l" ] && node=${l##*/node}; done
		echo "${d##*/memory} $(cat "$d/state") $node"
	done >"$O/$1.sysfs"
}
