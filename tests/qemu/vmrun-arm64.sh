#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# tests/qemu/vmrun.sh in Debian's arm64 guests (make check-arm64): memplug run
# must choose virtio-mem by itself there (no ACPI memory hotplug), refuse
# add --type dimm, and run random and churn clean. MEMPLUG_ARM64 and
# MEMPLUG_ARM64_KERNEL as in tests/qemu/arm64.sh.
: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
MEMPLUG=${MEMPLUG_ARM64:-$top_builddir/tests/work/arm64-build/cmd/memplug}
MEMPLUG_KERNEL=${MEMPLUG_ARM64_KERNEL:-6.12 7.2}
VM_ARCH_ARGS="--arch arm64"
export top_srcdir top_builddir MEMPLUG MEMPLUG_KERNEL VM_ARCH_ARGS
[ -x "$MEMPLUG" ] || { echo "FAIL: no arm64 memplug at $MEMPLUG (make check-arm64 cross-builds it)" >&2; exit 1; }
exec sh "$top_srcdir/tests/qemu/vmrun.sh"
