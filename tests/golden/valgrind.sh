#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Memcheck on the commands that read and write recorded trees: no invalid
# read or write, no use of uninitialised memory, no leak (definite or
# possible) on any path. list in every output shape and on a bad tree, then
# offline, --dry-run, online, restore and a refused journal on a copy;
# snapshot, check, pages and run; memplug qmp against a peer that answers and one that breaks off. Skips
# (77) without valgrind and on a sanitizer build (check-asan), where ASan
# already checks the same.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

command -v valgrind >/dev/null 2>&1 || skip "valgrind is not installed"
if ldd "$MEMPLUG" 2>/dev/null | grep -q 'libasan\|libubsan'; then
	MAY_SKIP_IN_CI=1 skip "memplug is built with sanitizers"
fi

# vg EXPECTED-STATUS ARGS...: memplug under memcheck; a memcheck error is 97.
vg() {
	want=$1
	shift
	set +e
	valgrind -q --error-exitcode=97 --leak-check=full --show-leak-kinds=definite,possible \
		--errors-for-leak-kinds=definite,possible --track-fds=no \
		"$MEMPLUG" "$@" >"$WORK/out" 2>"$WORK/err"
	got=$?
	set -e
	[ "$got" != 97 ] || fail "memcheck on \"memplug $*\": $(head -n 40 "$WORK/err")"
	[ "$got" = "$want" ] || fail "\"memplug $*\" under valgrind: exit $got, want $want: $(cat "$WORK/err")"
	echo "ok memplug $*"
}

mem=sys/devices/system/memory
for t in $(trees); do
	src=$(tree "$t")
	vg 0 list --sysroot "$src"
	vg 0 list --sysroot "$src" --blocks --output-all
	vg 0 list --sysroot "$src" -J -b
	vg 0 list --sysroot "$src" -r -n --summary=never 1-3,node:0
	vg 2 list --sysroot "$src" 99999
	vg 2 list --sysroot "$src" -o NOSUCH

	rm -rf "$WORK/t"
	cp -a "$src" "$WORK/t"
	echo bogus >"$WORK/t/$mem/memory2/state"
	vg 3 list --sysroot "$WORK/t"

	# the sensors: snapshot, check against a saved one, pages on a kpageflags
	# cut short (the recorded guest's, tests/fixtures/steps)
	rm -rf "$WORK/t"
	cp -a "$src" "$WORK/t"
	vg 0 snapshot --sysroot "$WORK/t" --readings 1 --no-settle --save "$WORK/base.json"
	# (the tree has no /proc/kpageflags: check never says clean, 4)
	vg 4 check --sysroot "$WORK/t" --readings 1 --no-settle --baseline "$WORK/base.json"
	vg 0 snapshot --sysroot "$WORK/t" --readings 1 --no-settle -J
	# run on a tree: no backend to add with is a skip (4); with no adds
	# (--max-devices 0) the runner, the scenarios and the trace writer go
	# through their paths on blocks 1-3 (a tree keeps the word written,
	# "online_movable", which reads back as no state: a state finding, 1)
	vg 4 run --sysroot "$WORK/t" --steps 30 --seed 7 --dir "$WORK/run"
	vg 1 run --sysroot "$WORK/t" --steps 30 --seed 7 --dir "$WORK/run" --max-devices 0 \
		--allow-boot-memory 1-3
	rm -rf "$WORK/t"
	cp -a "$src" "$WORK/t"
	kpf=$STEPS/ptdump/struct-page-64/1-after-add-A-online/kpageflags-memory32.bin
	[ -f "$kpf" ] || fail "$kpf missing (make check unpacks tests/fixtures/steps/steps.tar.xz)"
	mkdir -p "$WORK/t/proc"
	head -c 100000 "$kpf" >"$WORK/t/proc/kpageflags"
	vg 0 pages --sysroot "$WORK/t"
	vg 0 pages --sysroot "$WORK/t" 0-3

	rm -rf "$WORK/t"
	cp -a "$src" "$WORK/t"
	vg 0 offline --sysroot "$WORK/t" --allow-boot-memory --dry-run 256M
	vg 0 offline --sysroot "$WORK/t" --allow-boot-memory 2-3
	vg 3 offline --sysroot "$WORK/t" 2
	vg 0 online --sysroot "$WORK/t" --no-restore 2
	mkdir -p "$WORK/t/run"
	printf 'state 2 online Normal\nstate 3 offline -\nundone 1\n' >"$WORK/t/run/memplug.journal"
	vg 2 online --sysroot "$WORK/t" 1
	vg 0 restore --sysroot "$WORK/t"
	printf 'state 2 online\n' >"$WORK/t/run/memplug.journal"
	vg 2 restore --sysroot "$WORK/t"
done

# memplug qmp against a peer (socat) that answers as QEMU does, and one that
# closes in the middle of its reply.
command -v socat >/dev/null 2>&1 || skip "socat is not installed"
pids=
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done' EXIT
peer() {	# NAME REPLY-TO-THE-COMMAND (printf format, %s the id)
	cat >"$WORK/$1.peer" <<EOS
printf '{"QMP": {"version": {"qemu": {"major": 7}}, "capabilities": []}}\r\n'
for r in '{"return": {}, "id": "%s"}' '$2'; do
	read -r l
	id=\$(printf '%s' "\$l" | sed -n 's/.*"id": *"\([^"]*\)".*/\1/p')
	printf "\$r\r\n" "\$id"
done
EOS
	socat "UNIX-LISTEN:$WORK/$1.sock,fork" "SYSTEM:sh $WORK/$1.peer" 2>/dev/null &
	pids="$pids $!"
	i=0
	while [ ! -S "$WORK/$1.sock" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "socat did not listen"; sleep 0.1
	done
}
devices=$(sed 's/"id": "rec"/"id": "%s"/' "$top_srcdir/tests/fixtures/qmp/query-memory-devices.json")
peer good "$devices"
vg 0 qmp --qmp "$WORK/good.sock" --timeout 5 query-memory-devices
grep -q dimm2 "$WORK/out" || fail "qmp: $(cat "$WORK/out")"
peer cut '{"return": [{"type": "dimm", "da'
vg 2 qmp --qmp "$WORK/cut.sock" --timeout 5 query-memory-devices
