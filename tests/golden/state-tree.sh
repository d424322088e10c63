#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The mechanics of memplug online/offline/restore on a recorded tree, where a
# state file is a plain file: the journal, restore at the end, --no-restore,
# the lock, boot-memory refusal, --dry-run, the timeout on a write that
# blocks, and bad arguments. (That the kernel does the right thing is for the
# QEMU tests: a tree only shows what memplug wrote.)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

src=$(tree host-6.18)	# blocks 0-23 and 32-199: every number the test names
mem=sys/devices/system/memory
fresh() {
	rm -rf "$WORK/t"
	cp -a "$src" "$WORK/t"
	T=$WORK/t
}
state() {
	cat "$T/$mem/memory$1/state"
}

# Boot memory is refused for offline, with a reason, and nothing changes.
fresh
run offline --sysroot "$T" 5
[ "$(rc)" = 3 ] || fail "boot memory offline: exit $(rc), want 3"
grep -q "memory5 was there at boot; --allow-boot-memory" "$WORK/err" || fail "refusal: $(cat "$WORK/err")"
[ "$(state 5)" = online ] || fail "refused block changed: $(state 5)"
echo "ok boot memory refused"

# Offline then restore at the end: the write and the undo both happen.
fresh
run offline --sysroot "$T" --allow-boot-memory -v 5-6
[ "$(rc)" = 0 ] || fail "offline 5-6: exit $(rc): $(cat "$WORK/err")"
[ "$(sed -n 1p "$WORK/out")" = "memory6: online -> offline in 0 ms" ] ||
	[ "$(sed -n 1p "$WORK/out" | cut -d' ' -f1-4)" = "memory6: online -> offline" ] ||
	fail "offline goes highest first: $(cat "$WORK/out")"
grep -q "restored memory5 to online_kernel" "$WORK/err" || fail "no restore said: $(cat "$WORK/err")"
# the tree keeps what was written last: the restore's word
[ "$(state 5)" = online_kernel ] && [ "$(state 6)" = online_kernel ] ||
	fail "restore wrote $(state 5) $(state 6)"
[ ! -e "$T/run/memplug.journal" ] || fail "journal left after a full restore"
echo "ok offline and restore"

# --no-restore keeps the end state and leaves no journal.
fresh
run offline --sysroot "$T" --allow-boot-memory --no-restore 5
[ "$(rc)" = 0 ] && [ "$(state 5)" = offline ] || fail "--no-restore: exit $(rc), state $(state 5)"
[ ! -e "$T/run/memplug.journal" ] || fail "journal left after --no-restore"
echo "ok --no-restore"

# --dry-run writes nothing.
fresh
run offline --sysroot "$T" --allow-boot-memory --dry-run 5-7
[ "$(rc)" = 0 ] || fail "dry-run: exit $(rc)"
[ "$(grep -c 'would write offline' "$WORK/out")" = 3 ] || fail "dry-run plan: $(cat "$WORK/out")"
[ "$(state 5)$(state 6)$(state 7)" = onlineonlineonline ] || fail "dry-run wrote"
echo "ok --dry-run"

# Sizes take as chmem: offline from the top.
fresh
run offline --sysroot "$T" --allow-boot-memory --dry-run 256M
top=$(ls "$T/$mem" | sed -n 's/^memory\([0-9]*\)$/\1/p' | sort -n | tail -n 2 | sort -rn | tr '\n' ' ')
got=$(sed 's/^memory\([0-9]*\):.*/\1/' "$WORK/out" | tr '\n' ' ')
[ "$got" = "$top" ] || fail "256M offline took $got, want the top blocks $top"
echo "ok sizes from the top"

# A second memplug is refused while the first holds the lock.
fresh
mkdir -p "$T/run"
flock "$T/run/memplug.lock" sh -c "echo 4242 > '$T/run/memplug.lock'; \"$MEMPLUG\" offline --sysroot '$T' --allow-boot-memory 5 >'$WORK/out' 2>'$WORK/err'; echo \$? > '$WORK/rc'"
[ "$(rc)" = 2 ] || fail "second instance: exit $(rc), want 2"
grep -q "another memplug (pid 4242) is changing memory" "$WORK/err" || fail "lock: $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "lock: more than one line: $(cat "$WORK/err")"
[ "$(state 5)" = online ] || fail "refused instance changed memory5"
echo "ok lock"

# An unfinished journal is refused, and memplug restore undoes it.
fresh
mkdir -p "$T/run"
echo offline >"$T/$mem/memory5/state"
printf '# memplug journal, pid 1\nstate 5 online Normal\n' >"$T/run/memplug.journal"
run online --sysroot "$T" 7
[ "$(rc)" = 2 ] && grep -q "memplug restore" "$WORK/err" || fail "unfinished journal: $(rc) $(cat "$WORK/err")"
run restore --sysroot "$T"
[ "$(rc)" = 0 ] || fail "restore: exit $(rc): $(cat "$WORK/err")"
[ "$(state 5)" = online_kernel ] || fail "restore wrote $(state 5)"
[ ! -e "$T/run/memplug.journal" ] || fail "journal left after restore"
printf 'state 5 online\n' >"$T/run/memplug.journal"
run restore --sysroot "$T"
[ "$(rc)" = 2 ] && grep -q "journal line 1" "$WORK/err" || fail "bad journal: $(rc) $(cat "$WORK/err")"
echo "ok restore of an unfinished journal"

# A write that blocks (a FIFO in place of the state file) ends within the
# timeout plus a second, says so, and leaves nothing half-done.
fresh
rm "$T/$mem/memory5/state"
mkfifo "$T/$mem/memory5/state"
t0=$(date +%s%N)
run offline --sysroot "$T" --allow-boot-memory --timeout 2 5-6
t1=$(date +%s%N)
ms=$(((t1 - t0) / 1000000))
[ "$ms" -lt 3000 ] || fail "timeout 2 s took $ms ms"
[ "$(rc)" = 3 ] || fail "timeout: exit $(rc), want 3"
grep -q "memory5: offline timed out after 2.0 s" "$WORK/err" || fail "timeout message: $(cat "$WORK/err")"
[ "$(state 6)" = online_kernel ] || fail "memory6 not restored after the timeout: $(state 6)"
echo "ok timeout in $ms ms"

# SIGTERM in the middle: everything done so far is put back.
fresh
rm "$T/$mem/memory9/state"
mkfifo "$T/$mem/memory9/state"
"$MEMPLUG" offline --sysroot "$T" --allow-boot-memory --timeout 30 5-12 >"$WORK/out" 2>"$WORK/err" &
pid=$!
i=0
while [ "$i" -lt 50 ] && ! grep -q memory10 "$WORK/out"; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
kill -TERM "$pid"
set +e; wait "$pid"; echo $? >"$WORK/rc"; set -e
[ "$(rc)" = 3 ] || fail "SIGTERM: exit $(rc), want 3: $(cat "$WORK/err")"
grep -q "stopped by signal 15" "$WORK/err" || fail "SIGTERM: $(cat "$WORK/err")"
for n in 10 11 12; do
	[ "$(state $n)" = online_kernel ] || fail "memory$n not restored after SIGTERM: $(state $n)"
done
for n in 5 6 7 8; do
	[ "$(state $n)" = online ] || fail "memory$n touched after SIGTERM: $(state $n)"
done
echo "ok SIGTERM restores"

# Bad arguments: exit 2, one line, nothing changed.
fresh
for args in "online" "online --zone sideways 5" "offline --timeout x 5" "offline --timeout -1 5" \
	    "online 5 --bogus" "offline 99999" "online 100M" "online 1T" "restore 5"; do
	# shellcheck disable=SC2086
	run $args --sysroot "$T"
	[ "$(rc)" = 2 ] || fail "\"memplug $args\": exit $(rc), want 2"
	[ -s "$WORK/err" ] || fail "\"memplug $args\": no reason"
done
[ -z "$(find "$T" -newer "$src" -path '*memory*' -type f)" ] || fail "bad arguments changed the tree"
echo "ok bad arguments"
