#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Kernel differences learned, not assumed (issue 12): in a guest of each
# kernel, busybox reads what /proc/kpageflags says for an offline block's
# page (NOPAGE as documented, or 0 as on 7.2). memplug run then reports no
# kpageflags finding, and exactly one kernel-interface note about
# kpageflags where the kernel reads 0 (none where it reads NOPAGE), in the
# text, the KTAP (a diagnostic, the subtest ok) and the JSON reports; with
# --strict the kernel's differences are findings (exit 1) and without any
# the run is clean of them.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/kernel.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 900 --slots 8 --maxmem 8G --dimm 128M \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	word=$(cat "$o/offline-word")
	case $word in
	0) want=1 ;;
	1048576) want=0 ;; # 1 << 20: KPF_NOPAGE
	*) fail "$k: an offline block's page reads $word, neither NOPAGE nor 0" ;;
	esac
	j=$o/run.json
	kpf=$(jq '[.findings[] | select(.note != true and (.what | test("read as online memory")))] | length' "$j")
	[ "$kpf" = 0 ] || fail "$k: $kpf kpageflags findings: $(jq -c '[.findings[] | select(.note != true)][0]' "$j")"
	notes=$(jq '[.findings[] | select(.kind == "kernel-interface" and (.what | test("kpageflags")))] | length' "$j")
	[ "$notes" = "$want" ] || fail "$k: $notes kernel-interface notes about kpageflags, not $want (offline page reads $word)"
	[ "$(jq '[.findings[] | select(.kind == "kernel-interface" and .note != true)] | length' "$j")" = 0 ] ||
		fail "$k: a kernel-interface note counted as a finding without --strict"
	[ "$(jq -r .kernel_interface.kpageflags_absent "$j")" = "$([ "$want" = 1 ] && echo zero || echo nopage)" ] ||
		fail "$k: kernel_interface says $(jq -c .kernel_interface "$j")"
	n=$(jq '[.findings[] | select(.kind == "kernel-interface")] | length' "$j")
	[ "$(grep -c '# note: kernel-interface:' "$o/run.ktap")" = "$n" ] || fail "$k: KTAP has not the $n notes"
	grep -q '^    ok 7 kernel-interface' "$o/run.ktap" || fail "$k: KTAP kernel-interface subtest not ok"
	[ "$(grep -c '^note: kernel-interface:' "$o/run.err")" = "$n" ] || fail "$k: the text report has not the $n notes"
	# --strict: the kernel's differences count
	src=$(cat "$o/strict.rc")
	if [ "$n" -gt 0 ]; then
		[ "$src" = 1 ] || fail "$k: --strict with $n differences exited $src: $(tail -n 3 "$o/strict.out")"
		grep -q '^kernel-interface:' "$o/strict.out" || fail "$k: --strict does not print the difference as a finding"
	else
		! grep -q 'kernel-interface' "$o/strict.out" || fail "$k: --strict names a difference the run did not"
	fi
	echo "$k: offline page reads $word; $n kernel-interface note(s), $notes about kpageflags; run exit $(cat "$o/run.rc"), --strict exit $src"
done
