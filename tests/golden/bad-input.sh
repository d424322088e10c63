#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Bad input to every command that list-bad.sh, state-tree.sh and qmp-real.sh
# do not already cover: malformed arguments of add, remove, qmp, restore,
# online, offline, pages, snapshot, check and run; a journal, a lock,
# /proc/iomem and /proc/kpageflags that are truncated, folders or FIFOs;
# QMP peers (not QEMU: socat, so this runs without QEMU and under
# check-asan) that close in the middle of a reply or answer with garbage or
# the wrong shape. Each gives its documented exit status
# (memplug(8): 2 usage or environment, 4 skip), a one-line reason on stderr,
# nothing on stdout, and leaves the tree as it was (a checksum listing of
# every file, its mode and size, before and after).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

src=$(tree host-6.18)	# the block numbers named below are this tree's
T=$WORK/t
rm -rf "$T"
cp -a "$src" "$T"

# Every file with its type, mode and size, and the checksum of each regular
# one; but the lock file, which stays once made (unlinking a lock others may
# wait on is a race), holding the pid of its last holder.
sums() {
	(cd "$T" && find . ! -path ./run/memplug.lock -printf '%y %m %s %p\n' | sort &&
		find . -type f ! -path ./run/memplug.lock -exec md5sum {} + | sort)
}

# The reason: one line, "memplug: " and memplug's words, as util-linux
# says it (no argp hint over three lines, no `...' quotes, no library's
# function names).
one_line() {
	[ "$(wc -l <"$WORK/err")" = 1 ] && grep -q '^memplug: ' "$WORK/err" &&
		! grep -q "\`\|json_object\|^memplug [a-z]*:" "$WORK/err"
}

# expect STATUS ARGS...: memplug ARGS --sysroot T exits STATUS with a
# one-line reason, prints nothing and changes nothing.
expect() {
	want=$1
	shift
	sums >"$WORK/before"
	t0=$(date +%s)
	set +e
	timeout 30 "$MEMPLUG" "$@" --sysroot "$T" >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	set -e
	[ "$(rc)" != 124 ] || fail "\"memplug $*\" hangs"
	[ "$(rc)" = "$want" ] || fail "\"memplug $*\": exit $(rc), want $want: $(cat "$WORK/err")"
	one_line || fail "\"memplug $*\": not a one-line reason: $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "\"memplug $*\": printed $(head -c 200 "$WORK/out")"
	sums >"$WORK/after"
	cmp -s "$WORK/before" "$WORK/after" ||
		fail "\"memplug $*\" changed the tree: $(diff "$WORK/before" "$WORK/after")"
	echo "ok $want memplug $* ($(head -n 1 "$WORK/err" | cut -c1-100))"
	[ $(($(date +%s) - t0)) -lt 10 ] || fail "\"memplug $*\" took $(($(date +%s) - t0)) s"
}

# Malformed arguments: usage errors.
expect 2 add
expect 2 add 0
expect 2 add 12Q
expect 2 add -- -1G
expect 2 add 18446744073709551616
expect 2 add 128M 256M
expect 2 add --backend nosuch 128M
expect 2 add --online sideways 128M
expect 2 add --type floppy 128M
expect 2 add --addr zz 128M
expect 2 add --memmap-on-memory yes 128M
expect 2 add --backend dax --memmap-on-memory maybe
expect 2 add --node x 128M
expect 2 add --timeout -5 128M
expect 2 remove
expect 2 remove --backend nosuch 5
expect 2 remove 5-x
expect 2 remove ,
expect 2 qmp
expect 2 qmp query-status '{bad'
expect 2 qmp query-status '[1]'
expect 2 qmp --timeout x query-status
expect 2 restore extra
expect 2 offline ''
expect 2 offline 0x1000-0x0
expect 2 online --zone
expect 2 online --zone '' 5
expect 2 offline --timeout 1e9 5
expect 2 offline memory99999999999999999999
expect 2 list --output ''
expect 2 nosuch 5
expect 2 list --nosuch
expect 2 online --zone
expect 2 online --zone Device 5
expect 2 help nosuch
expect 2

# No QMP port in the tree: the qmp backend cannot work here, a skip.
expect 4 add 128M
expect 4 remove 5
expect 2 qmp query-status

# The journal truncated, a folder, a FIFO (it must not block).
mkdir -p "$T/run"
printf 'state 5 onl' >"$T/run/memplug.journal"
expect 2 restore
expect 2 online 5
rm "$T/run/memplug.journal"
mkdir "$T/run/memplug.journal"
expect 2 restore
expect 2 offline --allow-boot-memory 5
rmdir "$T/run/memplug.journal"
mkfifo "$T/run/memplug.journal"
expect 2 restore
rm "$T/run/memplug.journal"

# The lock a folder.
rm -rf "$T/run"
mkdir -p "$T/run/memplug.lock"
expect 2 offline --allow-boot-memory 5
rm -rf "$T/run"

# /proc/iomem a FIFO or a folder: read as empty, never waited on; the lock
# and journal memplug makes are rw-r--r-- (less the umask), not mode 000.
for kind in fifo dir; do
	rm -rf "$T/proc/iomem" "$T/run"
	mkdir -p "$T/proc"
	if [ $kind = fifo ]; then mkfifo "$T/proc/iomem"; else mkdir "$T/proc/iomem"; fi
	set +e
	(umask 022 && timeout 10 "$MEMPLUG" offline --sysroot "$T" --allow-boot-memory --no-restore 5 \
		>"$WORK/out" 2>"$WORK/err")
	echo $? >"$WORK/rc"
	set -e
	[ "$(rc)" = 0 ] || fail "/proc/iomem a $kind: exit $(rc): $(cat "$WORK/err")"
	[ "$(cat "$T/sys/devices/system/memory/memory5/state")" = offline ] || fail "/proc/iomem a $kind: not written"
	[ "$(stat -c %a "$T/run/memplug.lock")" = 644 ] ||
		fail "the lock is made with mode $(stat -c %a "$T/run/memplug.lock")"
	echo online >"$T/sys/devices/system/memory/memory5/state"
	echo "ok /proc/iomem a $kind"
done
rm -rf "$T/proc/iomem" "$T/run"

# pages, snapshot, check and run: arguments (check-bad.sh has more, on
# this machine's own /proc).
expect 2 pages x
expect 2 pages --nosuch
expect 2 pages 99999
expect 2 pages node:9
expect 2 pages zone:bogus
expect 2 pages state:bogus
expect 2 pages 512M
expect 2 list node:9
expect 2 list zone:bogus
expect 2 list state:bogus
expect 2 snapshot --readings x
expect 2 snapshot extra
expect 2 check extra
expect 2 check --baseline "$WORK/nosuch.json"
grep -q "^memplug: cannot read the baseline .*/nosuch.json: No such file or directory\$" "$WORK/err" ||
	fail "check --baseline nosuch: $(cat "$WORK/err")"
expect 2 run --scenario nosuch
# one meaning per letter, as lsmem's: -o columns, -n --noheadings, -S --split
expect 2 snapshot -o BLOCK,STATE
expect 2 check -o next.json
expect 2 run -S inject
expect 2 online -n 5
expect 2 shrink -o out nosuch.trace
[ ! -e BLOCK,STATE ] || fail "snapshot -o BLOCK,STATE wrote a file of that name"
expect 2 run --steps 0
expect 2 run --size 0
expect 2 run --seed -1
expect 2 run --dry-run
expect 2 run -n
expect 2 restore -n
expect 2 restore --no-restore
expect 2 shrink -n "$WORK/nosuch.trace"
expect 2 shrink --no-restore "$WORK/nosuch.trace"
expect 2 replay --no-restore "$WORK/nosuch.trace"
expect 2 run 5-x
printf '{"memplug_snapshot": 1, "blocks": 7' >"$WORK/cut.json"
expect 2 check --baseline "$WORK/cut.json"

# A baseline of another boot (boot_id), kernel or tree: refused in one line
# (exit 2); --force compares (no refusal; 4 here, the tree has no kpageflags).
mkdir -p "$T/proc/sys/kernel/random"
echo 6e2a0c4e-1111-4b7c-9d6e-0123456789ab >"$T/proc/sys/kernel/random/boot_id"
"$MEMPLUG" snapshot --sysroot "$T" --readings 1 --save "$WORK/boot1.json" >/dev/null 2>&1 ||
	fail "snapshot of boot 1"
grep -q '"boot_id": *"6e2a0c4e-1111-4b7c-9d6e-0123456789ab"' "$WORK/boot1.json" ||
	fail "no boot_id in the snapshot: $(head -c 300 "$WORK/boot1.json")"
echo 6e2a0c4e-2222-4b7c-9d6e-0123456789ab >"$T/proc/sys/kernel/random/boot_id"
expect 2 check --readings 1 --baseline "$WORK/boot1.json"
grep -q "boot 6e2a0c4e-1111.*this is boot 6e2a0c4e-2222.*--force" "$WORK/err" ||
	fail "another boot: $(cat "$WORK/err")"
run check --sysroot "$T" --readings 1 --force --baseline "$WORK/boot1.json"
[ "$(rc)" != 2 ] && grep -q "compared as --force asks" "$WORK/err" ||
	fail "check --force: exit $(rc): $(cat "$WORK/err")"
rm -rf "$T/proc/sys/kernel/random"
echo "ok check --force compares a baseline of another boot"

# contrib/smoke's options without their value: a one-line reason, exit 2,
# before anything is built or booted.
for o in --kernel --duration --seed; do
	set +e
	sh "$top_srcdir/contrib/smoke" $o >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	set -e
	[ "$(rc)" = 2 ] && [ "$(cat "$WORK/err")" = "smoke: $o needs a value" ] ||
		fail "contrib/smoke $o: exit $(rc): $(cat "$WORK/err")"
	echo "ok 2 contrib/smoke $o"
done

# /proc/kpageflags missing, a folder, a FIFO (never waited on): exit 2.
expect 2 pages 0-1
mkdir -p "$T/proc"
mkdir "$T/proc/kpageflags"
expect 2 pages 0-1
rmdir "$T/proc/kpageflags"
mkfifo "$T/proc/kpageflags"
expect 2 pages 0-1
grep -q "not a regular file" "$WORK/err" || fail "kpageflags FIFO: $(cat "$WORK/err")"
rm "$T/proc/kpageflags"

# Truncated, also in the middle of a word: what lies past its end has no
# memmap (NOPAGE), as for a removed block at the top; the rest is counted.
kpf=$SHARED/fixtures/ptdump/struct-page-64/1-after-add-A-online/kpageflags-memory32.bin
if [ -f "$kpf" ]; then
	head -c 4100 "$kpf" >"$T/proc/kpageflags"
	run pages --sysroot "$T" 0-1
	[ "$(rc)" = 0 ] || fail "truncated kpageflags: exit $(rc): $(cat "$WORK/err")"
	# 512 whole words: block 0 has 512 pages read, the rest NOPAGE; block 1 all NOPAGE
	awk '$1 == 0 && $4 != 32768 - 512 { exit 1 } $1 == 1 && $4 != 32768 { exit 1 }' "$WORK/out" ||
		fail "truncated kpageflags: $(cat "$WORK/out")"
	rm "$T/proc/kpageflags"
	echo "ok truncated kpageflags"
fi

# /proc/meminfo of 65 MiB (sparse): no kernel file is that large; refused
# with its name, not read to the end.
truncate -s 65M "$T/proc/meminfo"
expect 2 snapshot
grep -q "cannot take a snapshot: /proc/meminfo: File too large" "$WORK/err" ||
	fail "huge meminfo: $(cat "$WORK/err")"
rm "$T/proc/meminfo"
echo "ok huge meminfo"
rmdir "$T/proc" 2>/dev/null || true

# QMP peers that are not QEMU.
command -v socat >/dev/null 2>&1 || skip "socat is not installed"
pids=
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null || true; done
}
trap cleanup EXIT
trap 'exit 99' INT TERM
# peer NAME SCRIPT: a unix socket at $WORK/NAME.sock whose every client gets
# SCRIPT (sh) on stdin and stdout; reply ANSWER answers the next command
# with its own id.
peer() {
	cat >"$WORK/$1.peer" <<EOS
reply() {
	read -r l
	id=\$(printf '%s' "\$l" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
	printf "\$1\r\n" "\$id"
}
greet() {
	printf '{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\r\n'
	reply '{"return": {}, "id": "%s"}'
}
$2
EOS
	listen_peer "$1"
}
peer midreply 'greet; reply "{\"return\": [{\"type\": \"dimm\", \"data\": {\"addr\": 42"; exit 0'
expect 2 qmp --qmp "$WORK/midreply.sock" --timeout 2 query-memory-devices
grep -q "closed the connection in the middle of a message" "$WORK/err" || fail "midreply: $(cat "$WORK/err")"
expect 2 add --qmp "$WORK/midreply.sock" --timeout 2 128M
expect 2 remove --qmp "$WORK/midreply.sock" --timeout 2 --device dimm0
peer garbage 'greet; read -r l; echo "HTTP/1.1 400 Bad Request"; sleep 3'
expect 2 qmp --qmp "$WORK/garbage.sock" --timeout 2 query-status
grep -q "not QMP" "$WORK/err" || fail "garbage: $(cat "$WORK/err")"
expect 2 add --qmp "$WORK/garbage.sock" --timeout 2 128M
peer shape 'greet; reply "{\"return\": {\"not\": \"a list\"}, \"id\": \"%s\"}"; sleep 3'
expect 2 add --qmp "$WORK/shape.sock" --timeout 2 128M
peer devices 'greet; reply "{\"return\": [{\"type\": \"dimm\", \"data\": {\"addr\": -1, \"size\": 1}}], \"id\": \"%s\"}"; sleep 3'
expect 2 remove --qmp "$WORK/devices.sock" --timeout 2 --device dimm0
grep -q "query-memory-devices" "$WORK/err" || fail "devices: $(cat "$WORK/err")"
