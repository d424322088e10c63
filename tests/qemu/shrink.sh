#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug replay and shrink in guests of the Debian kernels (MEMPLUG_KERNEL): a trace of
# 200 random steps with a failed offline under memory notifier error
# injection in its middle shrinks (--until injected) to at most three steps
# that still reproduce it; a trace without a finding writes nothing; then,
# on the host, shrink --fresh-guest boots one guest per trial (6.12, a
# shorter trace, to bound the time).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/shrink.guest"
for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 1500 --dimm 512M \
		--modules-load memory-notifier-error-inject \
		--script "$WORK/guest.sh" || { vm_log "$o"; fail "$k: guest run failed"; }
	grep -q "guest shrink: all checks passed" "$o/stdout" || { vm_log "$o"; fail "$k: no verdict"; }
	echo "$k: $(grep ' ok$' "$o/stdout" | tr '\n' ';')"
done

# --fresh-guest from the host: the trace of the last guest above, cut to 24
# steps around its failure, so that each trial is one short boot. About
# 30 boots: run with MEMPLUG_SLOW=1 (not in the default suite, to bound CI).
if [ -z "${MEMPLUG_SLOW:-}" ]; then
	echo "fresh guest: not run (MEMPLUG_SLOW=1 runs it: about 30 boots)"
	exit 0
fi
k=$(echo $KERNELS | awk '{print $NF}')
src=$WORK/$k/big.trace
[ -s "$src" ] || fail "no trace came back from the $k guest"
hdr=$(grep -n -m 1 -e '^online' -e '^offline' -e '^inject' "$src" | cut -d: -f1)
head -n $((hdr - 1)) "$src" >"$WORK/fresh.trace"
grep -e '^online' -e '^offline' -e '^inject' "$src" >"$WORK/ops"
i=$(grep -n 'inject MEM_GOING_OFFLINE -12' "$WORK/ops" | cut -d: -f1)
sed -n "$((i - 12)),$((i + 11))p" "$WORK/ops" >>"$WORK/fresh.trace"
[ "$(grep -c -e '^online' -e '^offline' -e '^inject' "$WORK/fresh.trace")" = 24 ] ||
	fail "fresh.trace: $(cat "$WORK/fresh.trace")"
set +e
"$MEMPLUG" shrink --fresh-guest --vm "$VM" --until injected --save "$WORK/fresh.min" "$WORK/fresh.trace" \
	-- --memplug "$MEMPLUG" --debian "$k" --timeout 300 --dimm 512M \
	--modules-load memory-notifier-error-inject >"$WORK/fresh.out" 2>"$WORK/fresh.err"
r=$?
set -e
[ $r = 0 ] || fail "shrink --fresh-guest: exit $r: $(cat "$WORK/fresh.err")"
n=$(grep -c -e '^online' -e '^offline' -e '^inject' "$WORK/fresh.min")
[ "$n" -le 3 ] || fail "fresh guest: $n steps left: $(cat "$WORK/fresh.min")"
grep -q '^# shrunk by memplug shrink --fresh-guest' "$WORK/fresh.min" || fail "fresh.min: $(head -n 3 "$WORK/fresh.min")"
echo "fresh guest ($k): 24 steps to $n in $(sed -n 's/.* in \([0-9]*\) trials.*/\1/p' "$WORK/fresh.out" | head -n 1) trials"
