#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck source-path=SCRIPTDIR
# The reduced arm64 set (`make check-arm64`), one boot per Debian arm64 kernel
# (MEMPLUG_ARM64_KERNEL, "6.12 7.2" by default) with memplug cross-built for
# arm64 (MEMPLUG_ARM64): a 1 GiB virtio-mem device grown by 512 MiB, onlined
# movable, offlined and shrunk again (tests/qemu/arm64.guest), memplug check
# --baseline clean against the start. memplug list must agree with sysfs at
# each step; the blocks are those of vm0's range in QEMU's
# query-memory-devices; the guest ends as it began. Before: --dimm refused
# (125) where the kernel's config lacks ACPI memory hotplug, and an x86-64
# memplug refused. In the same boot, tests/qemu/kcore-arm64.guest: the
# vmemmap page tables walked through /proc/kcore show a virtio-mem grow's
# memmap appear and go, sized by the kernel's own nr_memmap_pages
# (tests/qemu/kcore-arm64.pl).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
KERNELS=${MEMPLUG_ARM64_KERNEL:-6.12 7.2}
MEMPLUG=${MEMPLUG_ARM64:-$top_builddir/tests/work/arm64-build/cmd/memplug}

if [ -n "${MEMPLUG_NO_QEMU:-}" ]; then
	echo "SKIP: MEMPLUG_NO_QEMU is set" >&2
	exit 77
fi
for t in qemu-system-aarch64 aarch64-linux-gnu-gcc readelf socat cpio jq; do
	command -v "$t" >/dev/null 2>&1 || skip "$t not installed (contrib/ci/arm64-deps)"
done
[ -r /usr/share/qemu-efi-aarch64/QEMU_EFI.fd ] || skip "qemu-efi-aarch64 not installed (contrib/ci/arm64-deps)"
if [ ! -x "$MEMPLUG" ]; then
	log=$top_builddir/tests/work/arm64-build.log
	[ ! -f "$log" ] || tail -n 20 "$log" >&2
	fail "no arm64 memplug at $MEMPLUG (make check-arm64 cross-builds it)"
fi
for k in $KERNELS; do
	"$VM" --arch arm64 --debian "$k" --fetch-only >/dev/null 2>"$WORK/fetch-$k.err" && continue
	! grep -q -e '--debian takes' -e 'not a version' "$WORK/fetch-$k.err" ||
		fail "MEMPLUG_ARM64_KERNEL: $(tail -n 1 "$WORK/fetch-$k.err")"
	skip "cannot fetch Debian's arm64 $k kernel: $(tail -n 1 "$WORK/fetch-$k.err")"
done

# No boot: what memplug-vm refuses on arm64, with its reason and 125. --dimm
# where the kernel's own config (kept beside it in the cache) has no ACPI
# memory hotplug; an x86-64 memplug.
for k in $KERNELS; do
	cfg=$(dirname "$("$VM" --arch arm64 --debian "$k" --fetch-only | head -n 1)")/config
	[ -f "$cfg" ] || fail "$k: no config beside the cached kernel"
	grep -q '^CONFIG_ACPI_HOTPLUG_MEMORY=y' "$cfg" && continue
	rc=0
	"$VM" --arch arm64 --debian "$k" --dimm 128M --memplug "$MEMPLUG" -- list >"$WORK/dimm.out" 2>"$WORK/dimm.err" || rc=$?
	[ $rc = 125 ] && grep -q 'no CONFIG_ACPI_HOTPLUG_MEMORY=y' "$WORK/dimm.err" ||
		fail "$k: --dimm on a kernel without ACPI_HOTPLUG_MEMORY: exit $rc, $(cat "$WORK/dimm.err")"
done
if [ -x "$top_builddir/cmd/memplug" ] && [ "$(od -An -tu2 -j18 -N2 "$top_builddir/cmd/memplug" | tr -d ' ')" = 62 ]; then
	rc=0
	"$VM" --arch arm64 --debian "${KERNELS%% *}" --memplug "$top_builddir/cmd/memplug" -- list \
		>"$WORK/x86.out" 2>"$WORK/x86.err" || rc=$?
	[ $rc = 125 ] && grep -q 'is an x86-64 binary' "$WORK/x86.err" ||
		fail "an x86-64 --memplug on arm64: exit $rc, $(cat "$WORK/x86.err")"
fi

cat "$top_srcdir/tests/qemu/arm64.guest" "$top_srcdir/tests/qemu/kcore-arm64.guest" >"$WORK/both.guest"
guest_script "$WORK/both.guest"
for k in $KERNELS; do
	o=$WORK/$k
	t0=$(date +%s)
	vm "$o" --arch arm64 --debian "$k" --virtio-mem 1G --timeout 600 --boot-timeout 400 \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	case $(cat "$o/release") in
	*arm64*) ;;
	*) fail "$k: the guest ran $(cat "$o/release"), not an arm64 kernel" ;;
	esac
	for s in before added online offline removed; do
		snapshot_check "$o" $s >/dev/null
	done
	read -r b1 e1 <"$o/vm0-blocks"
	# shellcheck disable=SC2046
	{
		blocks_in "$o" added offline $(seq "$b1" "$e1")
		blocks_in "$o" online online $(seq "$b1" "$e1")
		blocks_in "$o" offline offline $(seq "$b1" "$e1")
	}
	for b in $(seq "$b1" "$e1"); do
		z=$(jq -r --arg b "$b" '.memory[] | select(.block == $b) | .zones' "$o/online.json")
		[ "$z" = Movable ] || fail "$k: onlined movable, block $b lists zones $z"
		[ -z "$(jq -r --arg b "$b" '.memory[] | select(.block == $b) | .block' "$o/removed.json")" ] ||
			fail "$k: block $b still listed after the shrink"
	done
	grep -q '^0 findings' "$o/stdout" || fail "$k: memplug check --baseline: $(cat "$o/stdout")"
	# the same boot: the vmemmap walked through /proc/kcore (kcore-arm64.guest)
	grep -q '^guest kcore-arm64: done' "$o/stdout" || { vm_log "$o"; fail "$k: kcore part: no verdict"; }
	[ "$(cat "$o/kcheck.rc")" = 0 ] || fail "$k: check --baseline after the kcore cycle: $(cat "$o/kcheck.out")"
	kc=$(perl "$top_srcdir/tests/qemu/kcore-arm64.pl" "$o") || fail "$k: kcore walk"
	echo "$k: kcore: $kc"
	echo "$k ($(cat "$o/release")): virtio-mem grow, online movable, offline, shrink, check --baseline clean; memory$b1-$e1; $(($(date +%s) - t0)) s"
done
