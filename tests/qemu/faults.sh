#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Faults injected in Debian guests: an offline refused by the memory
# notifier's error injection (memplug offline exits 3 with the errno, and
# memplug check finds no leak), and a hwpoisoned PFN of a hot-added block
# (memplug check and memplug pages name it). Both Debian kernels ship the
# two modules.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
# no_timer_check: under TCG on a loaded host the boot-time IO-APIC timer
# check can fail and panic ("IO-APIC + timer doesn't work!")

guest_script "$top_srcdir/tests/qemu/faults.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 300 --append no_timer_check --modules-load memory-notifier-error-inject,hwpoison-inject \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest faults: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep -v passed "$o/stdout" | tr '\n' ';')"
done
