#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# memplug check and snapshot as a user who is not root (nobody, through
# setpriv), on a recorded tree whose /proc/kpage* are root's as on a real
# machine, and on this machine's own read-only interfaces: a check that
# could not read kpageflags never says clean (exit 4, skip, with the
# reason); a reading this user was refused makes a snapshot, or a check
# that read kpageflags, partial (exit 3), said in the report.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/lib.sh"

[ "$(id -u)" = 0 ] || skip "needs root to run memplug as nobody"
command -v setpriv >/dev/null 2>&1 || skip "no setpriv (util-linux)"
id nobody >/dev/null 2>&1 || skip "no user nobody"

# A folder nobody can read, wherever the build is.
D=$(mktemp -d /tmp/memplug-nonroot.XXXXXX)
trap 'rm -rf "$D"' EXIT
chmod 755 "$D"
tar -C "$D" -xJf "$top_srcdir/tests/fixtures/trees-kpf/guest-6.12-kpf.tar.xz"
R=$D/guest-6.12-kpf
chmod -R a+rX "$D"
chmod 400 "$R/proc/kpageflags" "$R/proc/kpagecount"
cp "$MEMPLUG" "$D/memplug"	# the build may be where nobody cannot go

# as_nobody NAME ARGS...: memplug ARGS as nobody; out, err, rc in $WORK/NAME.*
as_nobody() {
	n=$1
	shift
	set +e
	setpriv --reuid=nobody --regid="$(id -g nobody)" --clear-groups "$D/memplug" "$@" \
		>"$WORK/$n.out" 2>"$WORK/$n.err"
	echo $? >"$WORK/$n.rc"
	set -e
}

as_nobody check check -s "$R" --readings 1
[ "$(cat "$WORK/check.rc")" = 4 ] || fail "check as nobody: exit $(cat "$WORK/check.rc"), want 4"
grep -q "^memplug: check skipped: not read: kpageflags (.*Permission denied" "$WORK/check.err" ||
	fail "check as nobody: $(cat "$WORK/check.err")"
[ "$(wc -l <"$WORK/check.err")" = 1 ] || fail "check as nobody: $(cat "$WORK/check.err")"
tail -n 1 "$WORK/check.out" | grep -q "skipped: not read: kpageflags" ||
	fail "check as nobody says clean: $(tail -n 1 "$WORK/check.out")"
as_nobody check-json check -s "$R" --readings 1 -J
[ "$(cat "$WORK/check-json.rc")" = 4 ] || fail "check -J as nobody: exit $(cat "$WORK/check-json.rc")"
jq -e '.check.not_read | test("kpageflags")' "$WORK/check-json.out" >/dev/null ||
	fail "check -J as nobody: no not_read: $(head -c 400 "$WORK/check-json.out")"
echo "ok check as nobody on the tree: exit 4, $(cat "$WORK/check.err")"

as_nobody snap snapshot -s "$R" --readings 1
[ "$(cat "$WORK/snap.rc")" = 3 ] || fail "snapshot as nobody: exit $(cat "$WORK/snap.rc"), want 3"
grep -q "^partial: *not read: kpageflags" "$WORK/snap.out" ||
	fail "snapshot as nobody: $(cat "$WORK/snap.out")"
echo "ok snapshot as nobody on the tree: exit 3"

# kpageflags readable, the kernel log refused: a partial check (exit 3).
chmod 444 "$R/proc/kpageflags"
mkdir -p "$R/dev"
: >"$R/dev/kmsg"
chmod 400 "$R/dev/kmsg"
as_nobody partial check -s "$R" --readings 1
[ "$(cat "$WORK/partial.rc")" = 3 ] || fail "partial check: exit $(cat "$WORK/partial.rc"): $(cat "$WORK/partial.err")"
tail -n 1 "$WORK/partial.out" | grep -q "partial: not read: kernel log (.*Permission denied" ||
	fail "partial check: $(tail -n 1 "$WORK/partial.out")"
echo "ok check as nobody, kernel log refused: exit 3"

# This machine's own /proc/kpageflags (root only), read-only commands.
if [ -e /proc/kpageflags ] && [ -e /sys/devices/system/memory/block_size_bytes ]; then
	as_nobody host check --readings 1 --no-settle
	[ "$(cat "$WORK/host.rc")" = 4 ] || fail "check as nobody here: exit $(cat "$WORK/host.rc"): $(cat "$WORK/host.err")"
	grep -q "kpageflags" "$WORK/host.err" || fail "check as nobody here: $(cat "$WORK/host.err")"
	as_nobody host-snap snapshot --readings 1 --no-settle
	[ "$(cat "$WORK/host-snap.rc")" = 3 ] ||
		fail "snapshot as nobody here: exit $(cat "$WORK/host-snap.rc"): $(cat "$WORK/host-snap.err")"
	echo "ok check (4) and snapshot (3) as nobody on this machine"
else
	echo "this machine has no /proc/kpageflags or memory hotplug: its part not run"
fi
