#!/bin/sh
# The README's main-job command works from a fresh clone: contrib/smoke
# builds memplug there, boots Debian's 6.12 guest and runs the default smoke
# run, whose report ends clean and which exits 0, everything put back. (The
# --install part is what .ci/run does.)
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq nomemplug
command -v git >/dev/null || skip "no git"
git -C "$top_srcdir" rev-parse --git-dir >/dev/null 2>&1 || skip "not a git checkout"
grep -q '^contrib/smoke --install$' "$top_srcdir/README.md" || fail "README's main-job command is not contrib/smoke --install"

git clone -q "$top_srcdir" "$WORK/clone"
# the clone builds its own memplug; the working tree's uncommitted state is not in it
(cd "$WORK/clone" && contrib/smoke --duration 20 --seed 11) >"$WORK/out" 2>"$WORK/err" && rc=0 || rc=$?
# 0 only: a smoke run that ends with the guest not as it began (3) is no pass
[ "$rc" = 0 ] || { tail -n 30 "$WORK/err" >&2; fail "contrib/smoke exited $rc: $(grep '^result' "$WORK/out")"; }
grep -q '^memplug run: seed 11' "$WORK/out" || fail "no run: $(tail -n 5 "$WORK/out")"
grep -q '^result: clean$' "$WORK/out" || fail "the smoke run was not clean: $(cat "$WORK/out")"
echo "smoke from a fresh clone: $(grep -m1 'steps in' "$WORK/out")"
