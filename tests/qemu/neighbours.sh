#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The vmemmap PMD two neighbouring sections share (struct page of 80 bytes):
# kept while either neighbour lives, gone with the last, and memplug check
# quiet all along. Needs ../shared/kernels/bzImage-6.12-page80-ptdump
# (MEMPLUG_VM_KERNEL) and skips without it: users do not have that kernel.
# (The checker's detection of a leaked or freed shared PMD is covered by the
# unit tests on the doctored recorded steps, tests/unit/test-check.c.)
MAY_SKIP_IN_CI=1
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
KERNELS=
qemu_prereq memplug
# no_timer_check: under TCG on a loaded host the boot-time IO-APIC timer
# check can fail and panic ("IO-APIC + timer doesn't work!")
kernel=${MEMPLUG_VM_KERNEL:-$SHARED/kernels/bzImage-6.12-page80-ptdump}
[ -r "$kernel" ] || skip "no $kernel (a 6.12 kernel with an 80-byte struct page and PTDUMP_DEBUGFS)"

guest_script "$top_srcdir/tests/qemu/neighbours.guest"
o=$WORK/page80
vm "$o" --kernel "$kernel" --timeout 300 --append no_timer_check --script "$WORK/guest.sh" ||
	{ vm_log "$o"; fail "guest run failed"; }
grep -q "guest neighbours: all checks passed" "$o/stdout" || { vm_log "$o"; fail "no verdict"; }
echo "page80: $(grep -v passed "$o/stdout" | tr '\n' ';')"
