#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug run on virtio-mem in guests of the Debian kernels (MEMPLUG_KERNEL),
# one boot each with a 1G virtio-mem device: --device-type virtio-mem; the
# neighbours scenario skips with its reason (exit 4, KTAP "ok 1 run # SKIP");
# random and churn run clean (exit 0, no finding), and so does the replay of
# random's trace; their adds and removes are done on vm0 (the trace says
# device_type virtio-mem and names the blocks that came and went), and each
# leaves the blocks and states of the start (sysfs) with vm0 back at 0
# (QEMU's query-memory-devices). Where the
# kernel has no ACPI memory hotplug (Debian's arm64 kernels) run must choose
# virtio-mem by itself and add --type dimm is refused with nothing plugged.
# VM_ARCH_ARGS: --arch arm64, with MEMPLUG the arm64 build and MEMPLUG_KERNEL
# the arm64 kernels (tests/qemu/vmrun-arm64.sh, make check-arm64).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/vmrun.guest"
for k in $KERNELS; do
	o=$WORK/$k
	t0=$(date +%s)
	# shellcheck disable=SC2086
	vm "$o" ${VM_ARCH_ARGS:-} --debian "$k" --timeout 300 --virtio-mem 1G --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest vmrun: done" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	grep -q "scenario neighbours cannot run on virtio-mem: .*DIMM" "$o/neighbours.err" ||
		fail "$k neighbours: no reason: $(cat "$o/neighbours.err")"
	for sc in random churn; do
		rc=$(cat "$o/$sc.rc")
		[ "$rc" = 0 ] || { cat "$o/$sc.err" >&2; fail "$k $sc: exit $rc"; }
		awk -f "$top_srcdir/tests/ktap-check.awk" "$o/$sc.ktap" >"$o/$sc.ktapcheck" ||
			fail "$k $sc: $(cat "$o/$sc.ktapcheck")"
		[ "$(jq -r .result "$o/$sc.json")" = clean ] ||
			fail "$k $sc: report $(jq -c '[.result, .findings]' "$o/$sc.json")"
		real=$(jq '[.findings[] | select(.note != true)] | length' "$o/$sc.json")
		[ "$real" = 0 ] || fail "$k $sc: $real findings: $(jq -c .findings "$o/$sc.json")"
		grep -qx 'device_type virtio-mem' "$o/$sc.trace" || fail "$k $sc: trace header: $(head -n 8 "$o/$sc.trace")"
		adds=$(grep -c '^add .* -> done memory' "$o/$sc.trace") || :
		rms=$(grep -c '^remove .* -> done memory' "$o/$sc.trace") || :
		[ "$adds" -gt 0 ] && [ "$rms" -gt 0 ] ||
			fail "$k $sc: $adds adds and $rms removes done: $(grep '^\(add\|remove\)' "$o/$sc.trace")"
	done
	echo "$k: $(grep -h ': exit\|acpi\|dimm:' "$o/stdout" | tr '\n' ';') $(($(date +%s) - t0)) s"
done
