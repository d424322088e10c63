# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# Helpers of the QEMU guest tests (sourced after ../lib.sh), POSIX sh like
# the other tests (automake runs them with $(SHELL)).
# A test boots Debian's kernels (MEMPLUG_KERNEL: a list of what memplug-vm's
# --debian takes, "6.1 6.12 7.2" by default) with contrib/qemu/memplug-vm and
# checks what memplug says in the guest against what the guest's own sysfs
# and QEMU's QMP say.

# shellcheck disable=SC2154 # set by ../lib.sh
VM=$top_srcdir/contrib/qemu/memplug-vm
KERNELS=${MEMPLUG_KERNEL:-6.1 6.12 7.2}

# Skip (77) where the guest tests cannot run. MEMPLUG_NO_QEMU=1 is a
# deliberate opt-out (check-asan), so it skips even under CI. The argument
# says whether the test needs memplug built: memplug or nomemplug.
# VM_ARCH_ARGS (--arch arm64) names the kernels' architecture.
qemu_prereq() {
	if [ -n "${MEMPLUG_NO_QEMU:-}" ]; then
		echo "SKIP: MEMPLUG_NO_QEMU is set" >&2
		exit 77
	fi
	for t in qemu-system-x86_64 socat cpio busybox jq; do
		command -v "$t" >/dev/null 2>&1 || skip "$t not installed"
	done
	[ "$1" = nomemplug ] || [ -x "$MEMPLUG" ] || skip "memplug not built ($MEMPLUG)"
	for k in $KERNELS; do
		# shellcheck disable=SC2086 # VM_ARCH_ARGS: --arch arm64 or nothing
		"$VM" ${VM_ARCH_ARGS:-} --debian "$k" --fetch-only >/dev/null 2>"$WORK/fetch-$k.err" && continue
		# a name memplug-vm refuses is a mistake, not a reason to skip
		! grep -q -e '--debian takes' -e 'not a version' "$WORK/fetch-$k.err" ||
			fail "MEMPLUG_KERNEL: $(tail -n 1 "$WORK/fetch-$k.err")"
		skip "cannot fetch Debian's $k kernel: $(tail -n 1 "$WORK/fetch-$k.err")"
	done
}

# guest_script FILE: the guest side of a test, with guest-snapshot.sh before it,
# in $WORK/guest.sh (memplug-vm --script takes one file).
guest_script() {
	cat "$top_srcdir/tests/qemu/guest-snapshot.sh" "$1" >"$WORK/guest.sh"
}

# vm OUTDIR ARGS...: run memplug-vm with its --out in OUTDIR, stdout and
# stderr in OUTDIR/stdout and OUTDIR/stderr; prints nothing, returns its status.
vm() {
	vm_o=$1
	vm_rc=0
	shift
	mkdir -p "$vm_o"
	"$VM" --memplug "$MEMPLUG" --out "$vm_o" "$@" >"$vm_o/stdout" 2>"$vm_o/stderr" || vm_rc=$?
	return $vm_rc
}

# Why a guest run failed, for the log.
vm_log() {
	echo "--- $1/stderr" >&2
	tail -n 40 "$1/stderr" >&2
}

# snapshot_check DIR NAME: NAME.json (memplug list --json --blocks -b) agrees
# with NAME.sysfs (lines "N state node" read by busybox in the same guest):
# the same blocks, each with the same state and node, a range of exactly
# block N, and size the block size. Prints the block count.
snapshot_check() {
	d=$1
	n=$2
	bs=$(cat "$d/block_size")
	[ "$(cat "$d/$n.rc")" = 0 ] || fail "$n: memplug list exited $(cat "$d/$n.rc"): $(cat "$d/$n.err")"
	want=$(sort -n "$d/$n.sysfs")
	got=$(jq -r '.memory[] | "\(.block) \(.state) \(.node)"' "$d/$n.json" | sort -n)
	[ "$got" = "$want" ] || {
		echo "$want" >"$d/$n.want"
		echo "$got" >"$d/$n.got"
		diff "$d/$n.want" "$d/$n.got" >&2 || :
		fail "$n: memplug list (+) disagrees with sysfs (-)"
	}
	jq -r '.memory[] | "\(.block) \(.range) \(.size)"' "$d/$n.json" |
		while read -r b range size; do
			[ "$range" = "$(printf '0x%016x-0x%016x' $((b * bs)) $(((b + 1) * bs - 1)))" ] ||
				fail "$n: block $b has range $range (block size $bs)"
			[ "$size" = "$bs" ] || fail "$n: block $b has size $size, not $bs"
		done
	wc -l <"$d/$n.sysfs"
}

# dimm_blocks BS < QUERY-MEMORY-DEVICES-REPLY: the memory block numbers of
# every pc-dimm, one a line.
dimm_blocks() {
	jq -r --argjson bs "$1" '.return[]? | select(.type == "dimm") | .data |
		range(.addr / $bs; (.addr + .size) / $bs)'
}

# blocks_in DIR NAME STATE BLOCK...: each BLOCK is listed in NAME.json with STATE.
blocks_in() {
	d=$1
	n=$2
	st=$3
	shift 3
	for b in "$@"; do
		s=$(jq -r --arg b "$b" '.memory[] | select(.block == $b) | .state' "$d/$n.json")
		[ "$s" = "$st" ] || fail "$n: block $b is '${s:-missing}', not $st"
	done
}
