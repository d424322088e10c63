#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memmap_on_memory on, in guests of the Debian kernels (MEMPLUG_KERNEL) booted with
# memory_hotplug.memmap_on_memory=1 and one-block DIMMs (6.1 puts the memmap
# on the memory only when a DIMM is one block): MemTotal grows by less than
# the block (its memmap lives in it), memplug list says MEMMAP yes, and the
# neighbours and churn scenarios run clean (the checks account for the
# self-hosted memmap).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/memmap.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 600 --slots 8 \
		--append "memhp_default_state=offline memory_hotplug.memmap_on_memory=1" \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest memmap: done" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	for sc in neighbours churn; do
		[ "$(cat "$o/$sc.rc")" = 0 ] || fail "$k $sc: exit $(cat "$o/$sc.rc"): $(cat "$o/$sc.err") $(jq -c .findings "$o/$sc.json")"
		real=$(jq '[.findings[] | select(.note != true)] | length' "$o/$sc.json")
		[ "$real" = 0 ] || fail "$k $sc: $real findings"
	done
	echo "$k: $(grep -v done "$o/stdout" | tr '\n' ';')"
done
