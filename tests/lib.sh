# SPDX-License-Identifier: GPL-2.0-or-later
# Shared helpers of the shell tests (sourced). Automake's convention:
# exit 0 pass, 1 fail, 77 skip, 99 hard error.
set -eu

: "${top_srcdir:=$(cd "$(dirname "$0")/../.." && pwd)}"
: "${top_builddir:=$top_srcdir}"
: "${MEMPLUG:=$top_builddir/cmd/memplug}"
TREES=$top_srcdir/tests/fixtures/trees
SHARED=${MEMPLUG_SHARED:-$top_srcdir/../shared}
# The recorded guest steps (tests/fixtures/steps/steps.tar.xz), unpacked by
# `make check` (check_DATA) into the build tree.
STEPS=${MEMPLUG_SHARED_FIXTURES:-$top_builddir/tests/work/steps}

# A fresh work folder per test, under the build tree, never the source tree.
WORK=$top_builddir/tests/work/$(basename "$0" .sh)
rm -rf "$WORK"
mkdir -p "$WORK"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# Under CI=true a skip is a failure, unless the test says it may skip there
# (MAY_SKIP_IN_CI=1: it needs something CI does not promise, such as the
# kernels in ../shared/kernels).
skip() {
	if [ "${CI:-}" = true ] && [ -z "${MAY_SKIP_IN_CI:-}" ]; then
		echo "FAIL (a skip under CI): $*" >&2
		exit 1
	fi
	echo "SKIP: $*" >&2
	exit 77
}

# Extract a recorded tree; prints its root.
tree() {
	tar -C "$WORK" -xJf "$TREES/$1.tar.xz"
	echo "$WORK/$1"
}

# The names of the recorded trees.
trees() {
	for t in "$TREES"/*.tar.xz; do
		t=${t##*/}
		echo "${t%.tar.xz}"
	done
}

# Run memplug, keeping stdout, stderr and status in $WORK/out, err, rc.
run() {
	set +e
	"$MEMPLUG" "$@" >"$WORK/out" 2>"$WORK/err"
	echo $? >"$WORK/rc"
	set -e
}

rc() {
	cat "$WORK/rc"
}

# listen_peer NAME: socat on the unix socket $WORK/NAME.sock, giving every
# client the shell script $WORK/NAME.peer on its stdin and stdout (socat
# parses braces in an address: the script goes in a file); its pid joins
# $pids, for the caller's cleanup. Returns once the socket is there.
listen_peer() {
	socat "UNIX-LISTEN:$WORK/$1.sock,fork" "SYSTEM:sh $WORK/$1.peer" 2>"$WORK/$1.err" &
	pids="$pids $!"
	i=0
	while [ ! -S "$WORK/$1.sock" ]; do
		i=$((i + 1)); [ $i -lt 50 ] || fail "socat did not listen"; sleep 0.1
	done
}
