#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck source-path=SCRIPTDIR
# A kernel crash in a memplug-vm guest, made on purpose (a trace step
# `inject sysrq-crash`, on Debian's kernel, the last of MEMPLUG_KERNEL):
# memplug-vm exits 127 at once, names the crash and the step in flight,
# and writes the crash as a finding of kind crash (crash.json, crash.ktap,
# crash.txt), the streamed trace (trace.log) and the trace up to the step
# in flight (crash.trace); an oops that does not panic
# (--no-panic-on-oops, a BUG line on /dev/kmsg) stops the guest within
# seconds, its address decoded to the struct page of D1; then memplug
# shrink --fresh-guest --until crash cuts a 4-step trace to the one step
# that crashes (about 6 boots).
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
for k in $KERNELS; do :; done

cat >"$WORK/crash.trace" <<'TRACE'
memplug-trace 1
seed 1
kernel any
block_size 0x8000000
memmap_on_memory -
backend qmp
auto_online offline
check
inject sysrq-crash
auto_online offline
TRACE
{
	echo "cat >\"\$MEMPLUG_OUT/t.trace\" <<'END'"
	cat "$WORK/crash.trace"
	echo END
	# shellcheck disable=SC2016 # expanded in the guest
	echo 'memplug replay "$MEMPLUG_OUT/t.trace"'
} >"$WORK/replay.sh"

o=$WORK/run
rc=0
vm "$o" --debian "$k" --script "$WORK/replay.sh" || rc=$?
[ "$rc" = 127 ] || { vm_log "$o"; fail "memplug-vm exited $rc, not 127 (kernel crash)"; }
# the guest's own console says when it crashed; the harness how soon it stopped
grep -q 'sysrq: Trigger a crash' "$o/console.log" || fail "the console shows no sysrq crash"
grep -q -e 'the guest ended with it' -e 'the guest stopped [0-9] s after' -e 'the guest stopped 1[0-5] s after' \
	"$o/stderr" || { vm_log "$o"; fail "the guest was not stopped within 15 s of the crash"; }
grep -q 'Kernel panic - not syncing: sysrq triggered crash' "$o/stderr" || fail "no crash header on stderr"
grep -q 'sysrq_handle_crash' "$o/stderr" || fail "no call trace on stderr"
grep -q 'step in flight: 3: inject sysrq-crash' "$o/stderr" || { vm_log "$o"; fail "the step in flight is not named"; }
# what memplug streamed: the two steps done, the third started
[ "$(grep -c -e '^auto_online offline .*-> done' -e '^check .*-> done' "$o/trace.log")" = 2 ] ||
	fail "trace.log: $(cat "$o/trace.log")"
grep -q '^# step 3: inject sysrq-crash' "$o/trace.log" || fail "trace.log has no step 3"
[ "$(jq -r '.findings[0].kind' "$o/crash.json")" = crash ] || fail "crash.json: $(cat "$o/crash.json")"
[ "$(jq -r '.findings[0].step' "$o/crash.json")" = "3:inject sysrq-crash" ] || fail "crash.json names another step"
grep -q '^not ok 1 crash' "$o/crash.ktap" || fail "crash.ktap: $(cat "$o/crash.ktap")"
[ "$(tail -n 1 "$o/crash.trace")" = "inject sysrq-crash" ] || fail "crash.trace: $(cat "$o/crash.trace")"
# KASLR: the bases /init read from the guest's kallsyms and kcore
grep -q '^memplug-vm: vmemmap_base 0x' "$o/console.log" || fail "no vmemmap_base on the console"
echo "$k: crash: exit 127, $(grep -o 'the guest [a-z]* [^;]*' "$o/stderr" | head -n 1), step in flight named"

# --no-panic-on-oops, and an oops that does not end the guest: a BUG line
# written to /dev/kmsg after a replay that added and removed D1 (blocks
# 32-33), its address in D1's memmap by the vmemmap_base of this boot
# (KASLR). The harness must stop the guest within seconds, decode the
# address to PFN 0x100010 in memory32 of D1, and keep the step list.
cat >"$WORK/fake.sh" <<'GUEST'
cat >"$MEMPLUG_OUT/t.trace" <<'END'
memplug-trace 1
seed 1
kernel any
block_size 0x8000000
memmap_on_memory -
backend qmp
add D1 256M
END
memplug replay "$MEMPLUG_OUT/t.trace" >/dev/null 2>&1
b=$(memplug decode-oops --kernel-bases | sed -n 's/^vmemmap_base 0x//p')
hi=$(echo "$b" | sed 's/........$//')
lo=$(echo "$b" | sed 's/.*\(........\)$/\1/')
# PFN 0x100010 (memory32) times 64 bytes
a=$(printf '%s%08x' "$hi" $((0x$lo + 0x100010 * 64)))
echo "BUG: unable to handle page fault for address: $a" >/dev/kmsg
sleep 600
GUEST
o=$WORK/fake
rc=0
vm "$o" --debian "$k" --no-panic-on-oops --timeout 600 --script "$WORK/fake.sh" || rc=$?
[ "$rc" = 127 ] || { vm_log "$o"; fail "fake oops: memplug-vm exited $rc, not 127"; }
grep -q -e 'the guest stopped [0-9] s after' -e 'the guest stopped 1[0-5] s after' "$o/stderr" ||
	{ vm_log "$o"; fail "fake oops: the guest was not stopped within 15 s"; }
grep -q 'is in the vmemmap: the struct page of PFN 0x100010 in memory32 of D1 (byte 0 of its struct page of 64 bytes)' \
	"$o/stderr" || { vm_log "$o"; fail "fake oops: the address is not decoded to D1's PFN 0x100010"; }
! grep -q 'oops=panic' "$o/console.log" || fail "--no-panic-on-oops still passed oops=panic"
[ "$(jq -r '.findings[0].block' "$o/crash.json")" = 32 ] || fail "fake oops: crash.json: $(cat "$o/crash.json")"
echo "$k: an oops that does not panic: stopped within 15 s, decoded to PFN 0x100010 of D1"

# shrink --fresh-guest --until crash: of four steps one crashes
sed -e 's/^check$/auto_online online_movable/' "$WORK/crash.trace" >"$WORK/four.trace"
rc=0
"$MEMPLUG" shrink --fresh-guest --vm "$VM" --until crash -w "$WORK/four.min" "$WORK/four.trace" \
	-- --debian "$k" --memplug "$MEMPLUG" >"$WORK/shrink.out" 2>"$WORK/shrink.err" || rc=$?
cat "$WORK/shrink.out"
[ "$rc" = 0 ] || { tail -n 20 "$WORK/shrink.err" >&2; fail "shrink exited $rc"; }
[ "$(grep -v '^#' "$WORK/four.min" | grep -c -v -e '^memplug-trace' -e '^seed' -e '^kernel' \
	-e '^block_size' -e '^memmap_on_memory' -e '^backend')" = 1 ] || fail "four.min: $(cat "$WORK/four.min")"
grep -q '^inject sysrq-crash' "$WORK/four.min" || fail "four.min keeps another step: $(cat "$WORK/four.min")"
grep -q "^reproduce (exit 127, the same crash): $VM --debian $k --memplug $MEMPLUG --script $WORK/four.min.sh" \
	"$WORK/shrink.out" || fail "no reproducer line"
[ -s "$WORK/four.min.sh" ] || fail "no four.min.sh"
echo "$k: shrink --fresh-guest --until crash: 4 steps -> 1 (inject sysrq-crash)"
