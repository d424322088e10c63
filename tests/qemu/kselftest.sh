#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The kselftest collection under the kernel's own runner, in a guest of each
# Debian kernel (one boot each): run_kselftest.sh and kselftest/runner.sh
# from Debian's linux-source-6.1 (tests/qemu/ksft-runner.sh), the collection
# installed by `make kselftest-install` into the same tree, the tree carried
# into the guest by memplug-vm --add. On the clean kernel the runner says
# "ok 1 selftests: memplug: memplug_smoke.sh" over memplug's nested KTAP (a
# test per scenario, ladder and churn, and the end check, six checks each
# ok, valid KTAP v1 under the runner's "# ");
# with the memory notifier's error injection armed at MEM_GOING_OFFLINE it
# says "not ok ... # exit=3", not a skip, memplug says why it could not
# restore, and the kernel log has an injected error for each offline the
# trace shows failed.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug
runner=$("$top_srcdir/tests/qemu/ksft-runner.sh" 2>"$WORK/runner.err") ||
	skip "cannot fetch the kselftest runner: $(tail -n 1 "$WORK/runner.err")"

t=$WORK/root/opt/ksft
mkdir -p "$t/kselftest"
cp "$runner/run_kselftest.sh" "$t/"
cp "$runner/kselftest/runner.sh" "$t/kselftest/"
make -s -C "$top_builddir" kselftest-install KSFT_INSTALL_PATH="$t" >"$WORK/install.out" ||
	fail "make kselftest-install failed"
[ "$(cat "$t/kselftest-list.txt")" = memplug:memplug_smoke.sh ] || fail "kselftest-list.txt: $(cat "$t/kselftest-list.txt")"
grep -qx 'timeout=[0-9]*' "$t/memplug/settings" || fail "settings: $(cat "$t/memplug/settings")"
cmp -s "$t/memplug/memplug" "$MEMPLUG" || cmp -s "$t/memplug/memplug" "$(dirname "$MEMPLUG")/.libs/memplug" ||
	fail "the installed memplug is not the built one"
# a second install does not list the collection twice
make -s -C "$top_builddir" kselftest-install KSFT_INSTALL_PATH="$t" >/dev/null
[ "$(wc -l <"$t/kselftest-list.txt")" = 1 ] || fail "a second install listed memplug again"

# nested DIR NAME TESTS...: the KTAP memplug printed, the runner's "# "
# taken away, is valid KTAP v1 with the tests TESTS in that order, six
# checks each
nested() {
	n_d=$1 n_n=$2
	shift 2
	sed -n '/^# KTAP version 1$/,/^# \(not \)\{0,1\}ok [0-9]* restore_and_end_check$/s/^# //p' \
		"$n_d/$n_n.tap" >"$n_d/$n_n.ktap"
	awk -f "$top_srcdir/tests/ktap-check.awk" "$n_d/$n_n.ktap" >"$n_d/$n_n.ktapcheck" ||
		fail "$n_n: the nested KTAP: $(cat "$n_d/$n_n.ktapcheck")"
	[ "$(sed -n 's/^\(not \)\{0,1\}ok [0-9]* \([^ ]*\).*/\2/p' "$n_d/$n_n.ktap" | tr '\n' ' ')" = "$* " ] ||
		fail "$n_n: the tests are not $*: $(cat "$n_d/$n_n.ktap")"
	[ "$(grep -c '^    \(not \)\{0,1\}ok [1-6] \(state\|corruption\|accounting\|leak\|kernel-log\|uevent\)$' \
		"$n_d/$n_n.ktap")" = $((6 * $#)) ] || fail "$n_n: not six checks in each test: $(cat "$n_d/$n_n.ktap")"
}

for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --slots 8 --maxmem 8G --timeout 900 --boot-timeout 300 --modules-load memory-notifier-error-inject \
		--add "$WORK/root" --script "$top_srcdir/tests/qemu/kselftest.guest" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	# clean
	[ "$(cat "$o/clean.rc")" = 0 ] || fail "$k: run_kselftest.sh exited $(cat "$o/clean.rc"): $(cat "$o/clean.err")"
	[ "$(sed -n 1,3p "$o/clean.tap")" = "TAP version 13
1..1
# selftests: memplug: memplug_smoke.sh" ] || fail "$k clean: the runner's header: $(head -n 3 "$o/clean.tap")"
	grep -qx 'ok 1 selftests: memplug: memplug_smoke.sh' "$o/clean.tap" ||
		fail "$k clean: no ok line: $(cat "$o/clean.tap")"
	nested "$o" clean ladder churn restore_and_end_check
	! grep -q 'not ok' "$o/clean.ktap" || fail "$k clean: memplug's KTAP has a 'not ok': $(cat "$o/clean.ktap")"
	# planted: the kernel refused every offline
	[ "$(cat "$o/planted.armed" 2>/dev/null)" = -12 ] || fail "$k: the injection was not armed: $(cat "$o/planted.err")"
	grep -qx 'not ok 1 selftests: memplug: memplug_smoke.sh # exit=3' "$o/planted.tap" ||
		fail "$k planted: not 'not ok ... # exit=3': $(cat "$o/planted.tap")"
	! grep -q 'SKIP' "$o/planted.tap" || fail "$k planted: a skip"
	nested "$o" planted ladder restore_and_end_check
	grep -q '^# # memplug: could not restore memory[0-9]* to offline: Cannot allocate memory$' "$o/planted.tap" ||
		fail "$k planted: memplug did not say why it could not restore"
	failed=$(sed -n 's/^offline \([0-9]*\) .*-> failed ENOMEM$/\1/p' "$o/planted/trace")
	[ -n "$failed" ] || fail "$k planted: no failed offline in the trace"
	# each offline write that failed went through the notifier that refused it
	inj=$(grep -c 'Injecting error (-12) to MEM_GOING_OFFLINE' "$o/planted.dmesg") || :
	[ "$inj" -ge "$(echo $failed | wc -w)" ] ||
		fail "$k planted: $(echo $failed | wc -w) failed offlines in the trace, $inj injections in the kernel log"
	! grep -q 'Injecting error' "$o/clean.dmesg" || fail "$k clean: an injection in the kernel log"
	echo "$k: clean: $(grep -c '^ok' "$o/clean.ktap") of 3 ok; planted: $(grep '^not ok' "$o/planted.tap"), failed offlines of" $failed
done
