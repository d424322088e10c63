#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The vmemmap page tables walked through /proc/kcore. On each Debian kernel
# (KERNELS; no debugfs ptdump there), one boot with memmap_on_memory=1 and
# 1 GiB of boot memory (eight blocks: only one sizeof(struct page) maps
# them): adding a DIMM makes the walk show a new vmemmap of exactly its
# pages x sizeof(struct page) (the kernel's own figure, kcore.pl), rounded to
# the mapping size, removing it makes it go, and memplug check --baseline
# after the cycle says the struct page size came from the page tables
# (kcore), with no finding. On ../shared/kernels' page80 kernel (a skip of
# that part, with a message, where it is absent) kcore and ptdump agree at
# every step of two neighbours' add and removal, the shared PMD kept while
# either lives and gone with the last, and the neighbours scenario of
# memplug run (its step checks walking only the step's window) runs clean.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
command -v perl >/dev/null 2>&1 || skip "perl not installed"

guest_script "$top_srcdir/tests/qemu/kcore.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --mem 1G --timeout 600 \
		--append "memhp_default_state=offline memory_hotplug.memmap_on_memory=1" \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest kcore: done" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	res=$(perl "$top_srcdir/tests/qemu/kcore.pl" "$o" 2>&1) || fail "$k: $res"
	sp=$(echo "$res" | sed -n 's/^struct page \([0-9]*\) bytes.*/\1/p')
	[ "$(cat "$o/check.rc")" = 0 ] && grep -q "^0 findings" "$o/check.out" ||
		fail "$k: check --baseline after the cycle: $(cat "$o/check.out" "$o/check.err")"
	grep -q "^struct page: *$sp bytes, from the vmemmap page tables (kcore)$" "$o/check.out" ||
		fail "$k: check --baseline did not take struct page $sp from kcore: $(cat "$o/check.out")"
	echo "$k: $res"
done

kernel=${MEMPLUG_VM_KERNEL:-$SHARED/kernels/bzImage-6.12-page80-ptdump}
if [ ! -r "$kernel" ]; then
	echo "SKIP (page80 part): no $kernel (a 6.12 kernel with an 80-byte struct page and PTDUMP_DEBUGFS)"
	exit 0
fi
guest_script "$top_srcdir/tests/qemu/kcore-page80.guest"
o=$WORK/page80
vm "$o" --kernel "$kernel" --timeout 600 --append no_timer_check --script "$WORK/guest.sh" ||
	{ vm_log "$o"; fail "page80: guest run failed"; }
grep -q "guest kcore-page80: done" "$o/stdout" || { vm_log "$o"; fail "page80: no verdict"; }
res=$(perl "$top_srcdir/tests/qemu/kcore-page80.pl" "$o" 2>&1) || fail "page80: $res"
[ "$(cat "$o/run.rc")" = 0 ] || fail "page80: the neighbours run exited $(cat "$o/run.rc"): $(tail -n 20 "$o/run.out" "$o/run.err")"
grep -q "^result: clean" "$o/run.out" || fail "page80: the neighbours run was not clean: $(cat "$o/run.out")"
echo "page80: $res; neighbours run: $(grep "^neighbours" "$o/run.out" | tr -s ' '), end check $(grep "^end check" "$o/run.out" | tr -s ' ' | cut -d' ' -f3)"
