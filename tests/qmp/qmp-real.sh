#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The QMP client and the qmp backend against a real QEMU that boots nothing:
# a paused (-S) TCG machine with hotplug slots accepts object-add and
# device_add pc-dimm, and query-memory-devices shows the DIMMs. What QEMU
# reports is read with socat and perl, not with the code under test.
# Without a guest OS nobody ejects a DIMM or plugs virtio-mem memory, so
# device_del and a virtio-mem resize must time out cleanly. Then peers that
# are not QEMU: each a one-line reason and exit status 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

QEMU=${QEMU:-$(command -v qemu-system-x86_64 || true)}
[ -n "$QEMU" ] && [ -x "$QEMU" ] || skip "qemu-system-x86_64 is not installed"
if [ -n "${MEMPLUG_NO_QEMU:-}" ]; then
	MAY_SKIP_IN_CI=1 skip "MEMPLUG_NO_QEMU is set"
fi
command -v socat >/dev/null || skip "socat is not installed"
command -v perl >/dev/null || skip "perl is not installed"
DRIVER=$top_builddir/tests/qmp/qmp-driver
[ -x "$DRIVER" ] || fail "$DRIVER is not built"

sock=$WORK/qmp.sock
pids=
cleanup() {
	for p in $pids; do
		kill "$p" 2>/dev/null || true
	done
}
trap cleanup EXIT
trap 'exit 99' INT TERM

# start_qemu [QEMU ARGS...]: a paused machine with 4 DIMM slots, its pid in $qpid
start_qemu() {
	rm -f "$sock"
	"$QEMU" -M pc -m 512M,slots=4,maxmem=8G -S -display none -nodefaults \
		-qmp "unix:$sock,server=on,wait=off" "$@" 2>"$WORK/qemu.err" &
	qpid=$!
	pids="$pids $qpid"
	i=0
	while [ ! -S "$sock" ]; do
		kill -0 "$qpid" 2>/dev/null || fail "QEMU died: $(cat "$WORK/qemu.err")"
		i=$((i + 1))
		[ $i -lt 100 ] || fail "no QMP socket after 10 s"
		sleep 0.1
	done
}
stop_qemu() {
	kill "$qpid"
	wait "$qpid" 2>/dev/null || true
}

start_qemu

# QEMU's own answer to query-memory-devices, as "type id addr size" lines.
raw_devices() {
	printf '%s\n' '{"execute":"qmp_capabilities"}' \
		'{"execute":"query-memory-devices","id":"raw"}' |
		socat -t 2 - "UNIX-CONNECT:$sock" | tr -d '\r' | grep '"id": "raw"' |
		perl -MJSON::PP -ne 'for (@{decode_json($_)->{return}}) {
			my $d = $_->{data};
			printf "%s %s %s %s\n", $_->{type}, $d->{id}, $d->{addr} // $d->{memaddr}, $d->{size};
		}'
}

ms() {
	echo $(($(date +%s%N) / 1000000))
}

# memplug qmp: a query on a fresh machine lists nothing.
run qmp --qmp "$sock" query-memory-devices
[ "$(rc)" = 0 ] || fail "memplug qmp query-memory-devices: exit $(rc): $(cat "$WORK/err")"
[ "$(tr -d ' \n' <"$WORK/out")" = "[]" ] || fail "not an empty list: $(cat "$WORK/out")"
echo "ok memplug qmp query-memory-devices"

# Two DIMMs through the backend.
"$DRIVER" "$sock" 5000 add 128M >"$WORK/add1" 2>"$WORK/err" || fail "add 1: $(cat "$WORK/err")"
"$DRIVER" "$sock" 5000 add 256M >"$WORK/add2" 2>"$WORK/err" || fail "add 2: $(cat "$WORK/err")"
read -r id1 mem1 addr1 size1 first1 last1 <"$WORK/add1"
read -r id2 mem2 addr2 size2 first2 last2 <"$WORK/add2"
[ "$id1" != "$id2" ] && [ "$mem1" != "$mem2" ] || fail "ids collide: $id1/$mem1 and $id2/$mem2"
case $id1 in mp-dimm-*) ;; *) fail "unexpected id $id1" ;; esac
raw_devices >"$WORK/raw"
grep -q "^dimm $id1 $addr1 $size1\$" "$WORK/raw" || fail "QEMU reports $(cat "$WORK/raw"), add printed $(cat "$WORK/add1")"
grep -q "^dimm $id2 $addr2 $size2\$" "$WORK/raw" || fail "QEMU reports $(cat "$WORK/raw"), add printed $(cat "$WORK/add2")"
# DESIGN.md: with -m 512M,slots=4,maxmem=... the first DIMM lands at 4 GiB
[ "$addr1" = $((4 << 30)) ] || fail "first DIMM at $addr1, not at 4 GiB"
[ "$size1" = $((128 << 20)) ] && [ "$size2" = $((256 << 20)) ] || fail "sizes $size1 $size2"
# The blocks follow from what QEMU reports (128 MiB blocks).
[ "$first1" = $((addr1 / 134217728)) ] && [ "$last1" = $(((addr1 + size1 - 1) / 134217728)) ] ||
	fail "blocks $first1-$last1 for $addr1+$size1"
[ "$first2" = $((addr2 / 134217728)) ] && [ "$last2" = $(((addr2 + size2 - 1) / 134217728)) ] ||
	fail "blocks $first2-$last2 for $addr2+$size2"
echo "ok two DIMMs: $id1 at $addr1 (blocks $first1-$last1), $id2 at $addr2 (blocks $first2-$last2)"

# The backend's query agrees with QEMU's.
"$DRIVER" "$sock" 5000 query >"$WORK/query" 2>"$WORK/err" || fail "query: $(cat "$WORK/err")"
grep -q "^dimm $id1 $mem1 $addr1 $size1 0\$" "$WORK/query" || fail "query: $(cat "$WORK/query")"
grep -q "^dimm $id2 $mem2 $addr2 $size2 0\$" "$WORK/query" || fail "query: $(cat "$WORK/query")"
echo "ok query"

# A third DIMM at an address we choose, just past the second.
want=$((addr2 + size2 + (1 << 30)))
"$DRIVER" "$sock" 5000 add 128M "$want" >"$WORK/add3" 2>"$WORK/err" || fail "add 3: $(cat "$WORK/err")"
read -r id3 _ addr3 _ <"$WORK/add3"
[ "$addr3" = "$want" ] || fail "asked for $want, got $addr3"
raw_devices | grep -q "^dimm $id3 $want " || fail "QEMU does not show $id3 at $want"
echo "ok DIMM at a given address"

# No guest OS: device_del is accepted but never completes.
t0=$(ms)
set +e
"$DRIVER" "$sock" 2000 remove dimm "$id1" >"$WORK/out" 2>"$WORK/err"
st=$?
set -e
t=$(($(ms) - t0))
[ "$st" = 2 ] || fail "remove without a guest: exit $st, $(cat "$WORK/err")"
[ "$(wc -l <"$WORK/err")" = 1 ] || fail "remove: not one line: $(cat "$WORK/err")"
grep -q "no DEVICE_DELETED within 2000 ms" "$WORK/err" || fail "remove: $(cat "$WORK/err")"
[ "$t" -ge 2000 ] && [ "$t" -lt 3500 ] || fail "remove took $t ms for a 2000 ms timeout"
raw_devices | grep -q "^dimm $id1 " || fail "$id1 is gone, yet no guest ejected it"
echo "ok device_del times out in $t ms: $(cat "$WORK/err")"

# The same through memplug qmp --wait-event.
t0=$(ms)
run qmp --qmp "$sock" --timeout 1 --wait-event DEVICE_DELETED device_del "{\"id\":\"$id2\"}"
t=$(($(ms) - t0))
[ "$(rc)" = 2 ] || fail "memplug qmp device_del: exit $(rc)"
[ "$(wc -l <"$WORK/err")" = 1 ] && grep -q "no DEVICE_DELETED event" "$WORK/err" ||
	fail "memplug qmp device_del: $(cat "$WORK/err")"
[ "$t" -lt 2500 ] || fail "memplug qmp --timeout 1 took $t ms"
echo "ok memplug qmp --wait-event times out in $t ms"

# QMP errors: a one-line reason with QEMU's words, exit 2.
run qmp --qmp "$sock" device_add "{\"driver\":\"pc-dimm\",\"id\":\"$id1\",\"memdev\":\"$mem1\"}"
[ "$(rc)" = 2 ] && [ "$(wc -l <"$WORK/err")" = 1 ] && grep -q "device_add: .*(GenericError)" "$WORK/err" ||
	fail "duplicate device_add: exit $(rc), $(cat "$WORK/err")"
run qmp --qmp "$sock" no-such-command
[ "$(rc)" = 2 ] && grep -q "CommandNotFound" "$WORK/err" || fail "no-such-command: $(cat "$WORK/err")"
echo "ok QMP errors"

# QEMU serves one QMP client at a time: while another holds the socket,
# memplug gives up in time and says why.
socat -u OPEN:/dev/null,ignoreeof "UNIX-CONNECT:$sock" 2>/dev/null &
hpid=$!
pids="$pids $hpid"
sleep 0.3
t0=$(ms)
run qmp --qmp "$sock" --timeout 1 query-status
t=$(($(ms) - t0))
kill "$hpid"
[ "$(rc)" = 2 ] && grep -q "another client holds it" "$WORK/err" ||
	fail "socket held by another client: exit $(rc), $(cat "$WORK/err")"
[ "$t" -lt 2500 ] || fail "held socket: took $t ms with --timeout 1"
echo "ok $(cat "$WORK/err")"

stop_qemu

# virtio-mem: QEMU takes the new requested-size, nobody plugs it; after the
# timeout memplug sets requested-size back to what the device holds (0), so
# that a driver that comes late does not change memory behind its back.
start_qemu -object memory-backend-ram,id=vmem0,size=1G \
	-device virtio-mem-pci,id=vm0,memdev=vmem0,requested-size=0
"$DRIVER" "$sock" 5000 query >"$WORK/query" 2>"$WORK/err" || fail "query: $(cat "$WORK/err")"
grep -q "^virtio-mem vm0 vmem0 $((4 << 30)) 0 " "$WORK/query" || fail "query: $(cat "$WORK/query")"
t0=$(ms)
set +e
"$DRIVER" "$sock" 1000 add-vmem 256M >"$WORK/out" 2>"$WORK/err"
st=$?
set -e
[ "$st" = 2 ] && grep -q "vm0: size 0, not the requested 268435456 after 1000 ms" "$WORK/err" ||
	fail "virtio-mem without a guest: exit $st, $(cat "$WORK/err")"
t=$(($(ms) - t0))
[ "$t" -lt 2500 ] || fail "virtio-mem: took $t ms for a 1000 ms timeout"
printf '%s\n' '{"execute":"qmp_capabilities"}' '{"execute":"qom-get","arguments":{"path":"/machine/peripheral/vm0","property":"requested-size"},"id":"rs"}' |
	socat -t 2 - "UNIX-CONNECT:$sock" | grep -q '"return": 0' || fail "requested-size was not set back to 0 after the timeout"
echo "ok virtio-mem resize times out in $t ms: $(cat "$WORK/err")"

stop_qemu

# Peers that are not QEMU.
peer() {	# NAME SHELL-COMMAND: a socat listening on $WORK/NAME.sock
	printf '%s\n' "$2" >"$WORK/$1.peer"
	listen_peer "$1"
}
expect_bad() {	# PATH TEXT
	t0=$(ms)
	run qmp --qmp "$1" --timeout 1 query-status
	t=$(($(ms) - t0))
	[ "$(rc)" = 2 ] || fail "$1: exit $(rc), want 2"
	[ "$(wc -l <"$WORK/err")" = 1 ] || fail "$1: not one line: $(cat "$WORK/err")"
	grep -q "$2" "$WORK/err" || fail "$1: $(cat "$WORK/err")"
	[ ! -s "$WORK/out" ] || fail "$1: printed $(cat "$WORK/out")"
	[ "$t" -lt 2500 ] || fail "$1: took $t ms with --timeout 1"
	echo "ok $(cat "$WORK/err")"
}
peer garbage 'echo "HTTP/1.1 400 Bad Request"; sleep 3'
expect_bad "$WORK/garbage.sock" "not QMP: bytes that are not JSON"
peer array "echo '[1, 2, 3]'; sleep 3"
expect_bad "$WORK/array.sock" "not a JSON object"
peer closes 'printf "{\"QMP\": {\"version\": {}"'
expect_bad "$WORK/closes.sock" "closed the connection in the middle of a message"
peer silent 'sleep 3'
expect_bad "$WORK/silent.sock" "no answer to qmp_capabilities within 1000 ms"
# a socket file nobody listens on any more
socat "UNIX-LISTEN:$WORK/stale.sock" - </dev/null >/dev/null 2>&1 &
spid=$!
pids="$pids $spid"
i=0
while [ ! -S "$WORK/stale.sock" ]; do
	i=$((i + 1)); [ $i -lt 50 ] || fail "socat did not listen"; sleep 0.1
done
kill -9 "$spid"
wait "$spid" 2>/dev/null || true
expect_bad "$WORK/stale.sock" "cannot connect to .*: Connection refused"
expect_bad "$WORK/nosuch.sock" "No such file"
expect_bad /dev/null "closed the connection"
expect_bad /dev/zero "bytes that are not JSON were skipped"
