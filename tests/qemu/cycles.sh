#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# 50 cycles of hot-add (online movable) and hot-remove in guests of both
# Debian kernels, memplug check after every step and against the baseline at
# the end: a healthy kernel gives zero findings (no false alarms).
# MEMPLUG_CYCLES changes the count.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
# no_timer_check: under TCG on a loaded host the boot-time IO-APIC timer
# check can fail and panic ("IO-APIC + timer doesn't work!")

guest_script "$top_srcdir/tests/qemu/cycles.guest"
n=${MEMPLUG_CYCLES:-50}
for k in $KERNELS; do
	o=$WORK/$k
	t=$(date +%s)
	vm "$o" --debian "$k" --timeout 900 --append no_timer_check --script "$WORK/guest.sh" -- "$n" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest cycles: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep -v passed "$o/stdout" | tr '\n' ';') wall $(($(date +%s) - t)) s"
done
