#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck source-path=SCRIPTDIR
# contrib/qemu/memplug-vm itself, on Debian's kernel (the last of
# MEMPLUG_KERNEL, 7.2 by default), with busybox scripts in place of memplug:
# the guest's status, stdout, stderr and files come back; timeout, panic and a
# guest that never reaches /init give 124, 127 and 126; a failing --qmp-script
# gives 125; --numa with --dimm SIZE@NODE, --virtio-mem and --pmem give the
# guest what they say.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq nomemplug
for k in $KERNELS; do :; done

# run NAME ARGS...: memplug-vm, status in $rc, output in $WORK/NAME/
run_vm() {
	n=$1
	shift
	mkdir -p "$WORK/$n"
	rc=0
	"$VM" --debian "$k" --out "$WORK/$n/out" "$@" >"$WORK/$n/stdout" 2>"$WORK/$n/stderr" || rc=$?
}
expect() {
	[ "$rc" = "$2" ] || { vm_log "$WORK/$1"; fail "$1: memplug-vm exited $rc, not $2"; }
}

cat >"$WORK/status.sh" <<'GUEST'
echo "out: $#:$1:$2"
echo "err: $(uname -r)" >&2
echo data >"$MEMPLUG_OUT/file.txt"
exit 3
GUEST
run_vm status --script "$WORK/status.sh" -- "a b" "it's"
expect status 3
[ "$(cat "$WORK/status/stdout")" = "out: 2:a b:it's" ] || fail "status: stdout is $(cat "$WORK/status/stdout")"
grep -q "^err: $k" "$WORK/status/stderr" || fail "status: no guest stderr"
[ "$(cat "$WORK/status/out/file.txt")" = data ] || fail "status: \$MEMPLUG_OUT file did not come back"
grep -q '^memplug-vm: /init reached' "$WORK/status/out/console.log" || fail "status: no console.log in --out"

echo 'sleep 600' >"$WORK/hang.sh"
run_vm timeout --script "$WORK/hang.sh" --timeout 30
expect timeout 124

echo 'echo c >/proc/sysrq-trigger; sleep 60' >"$WORK/panic.sh"
run_vm panic --script "$WORK/panic.sh"
expect panic 127
grep -q 'Kernel panic' "$WORK/panic/stderr" || fail "panic: no console tail on stderr"

run_vm noinit --script "$WORK/hang.sh" --append rdinit=/no/such/init
expect noinit 126

echo '{"execute":"no-such-command"}' >"$WORK/bad.qmp"
run_vm badqmp --script "$WORK/hang.sh" --qmp-script "$WORK/bad.qmp"
expect badqmp 125

# NUMA: a cold-plugged DIMM on node 1 shows up there, offline.
cat >"$WORK/numa.sh" <<'GUEST'
M=/sys/devices/system/memory
[ -d /sys/devices/system/node/node1 ] || { echo "no node1"; exit 1; }
for d in $M/memory[0-9]*; do
	[ -e $d/node1 ] && echo "$(cat $d/phys_index) $(cat $d/state)"
done
exit 0
GUEST
run_vm numa --script "$WORK/numa.sh" --numa 2 --smp 2 --dimm 256M@1
expect numa 0
grep -q ' offline$' "$WORK/numa/stdout" || fail "numa: no offline block on node 1: $(cat "$WORK/numa/stdout")"

# virtio-mem: in-guest qom-set of requested-size plugs Movable blocks and
# unplugs them again (it relies on auto-onlining).
cat >"$WORK/vmem.sh" <<'GUEST'
. /lib/memplug-vm/qmp.sh
M=/sys/devices/system/memory
n0=$(ls -d $M/memory[0-9]* | wc -l)
qmp_open || exit 1
setsize() {
	qmp "{\"execute\":\"qom-set\",\"arguments\":{\"path\":\"/machine/peripheral/vm0\",\"property\":\"requested-size\",\"value\":$1}}" >/dev/null
}
wait_n() {
	for i in $(seq 100); do
		[ "$(ls -d $M/memory[0-9]* | wc -l)" = "$1" ] && return 0
		sleep 0.2
	done
	echo "block count $(ls -d $M/memory[0-9]* | wc -l), not $1"
	exit 1
}
setsize 268435456 || exit 1
wait_n $((n0 + 2))
grep -l online_movable /dev/null $M/memory*/state >/dev/null
for d in $M/memory[0-9]*; do echo "$(cat $d/state) $(cat $d/valid_zones)"; done | grep -c '^online Movable' >"$MEMPLUG_OUT/movable"
setsize 0 || exit 1
wait_n $n0
echo ok
GUEST
run_vm vmem --script "$WORK/vmem.sh" --virtio-mem 1G --append memhp_default_state=online_movable
expect vmem 0
[ "$(cat "$WORK/vmem/out/movable")" = 2 ] || fail "vmem: $(cat "$WORK/vmem/out/movable") Movable blocks, not 2"

# legacy pmem: /dev/pmem0 of the size asked for
echo 'cat /sys/block/pmem0/size' >"$WORK/pmem.sh"
run_vm pmem --script "$WORK/pmem.sh" --pmem 256M
expect pmem 0
[ "$(cat "$WORK/pmem/stdout")" = $((256 * 2048)) ] || fail "pmem: pmem0 has $(cat "$WORK/pmem/stdout") sectors"

echo "$k: memplug-vm statuses 3, 124, 127, 126, 125; --numa/--dimm@node, --virtio-mem, --pmem work"
