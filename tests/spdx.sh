#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The licence: COPYING at the root is the GPL version 2 text, and every
# source file and script (C, shell, bash, awk, perl, the guest scripts, the
# bash completion) carries the line "SPDX-License-Identifier:
# GPL-2.0-or-later" in its first three lines.
. "${top_srcdir:-$(dirname "$0")/..}/tests/lib.sh"

c=$top_srcdir/COPYING
[ -f "$c" ] || fail "no COPYING at the root of the sources"
grep -q '^ *GNU GENERAL PUBLIC LICENSE$' "$c" && grep -q '^ *Version 2, June 1991$' "$c" ||
	fail "COPYING is not the GPL version 2"
grep -q 'any later version' "$c" || fail "COPYING: no \"any later version\" clause"
echo "ok COPYING: GPL version 2"

cd "$top_srcdir"
n=0 bad=
for f in $(find autogen.sh .ci cmd lib tests contrib bench -type f \
	! -path 'tests/work/*' ! -path 'tests/expected/*' ! -path 'tests/fuzz/corpus/*' \
	! -path 'tests/fixtures/trees*' ! -path 'tests/fixtures/steps/*' ! -path 'tests/fixtures/traces/*' \
	! -path 'tests/fixtures/qmp/*.json' ! -path 'contrib/findings/*' \
	! -name '*.o' ! -name '*.a' ! -name '*.md' ! -name '*.log' ! -name '*.trs' \
	! -name 'Makemodule.am' ! -name '.dirstamp' ! -path '*/.deps/*' 2>/dev/null | sort); do
	case $f in
	*.c | *.h | *.sh | *.guest | *.pl | *.awk | contrib/bash-completion/*) ;;
	*) head -c 2 "$f" | grep -q '^#!' || continue ;;
	esac
	n=$((n + 1))
	head -n 3 "$f" | grep -q 'SPDX-License-Identifier: GPL-2.0-or-later' || bad="$bad $f"
done
[ -z "$bad" ] || fail "no SPDX-License-Identifier: GPL-2.0-or-later line:$bad"
[ "$n" -ge 100 ] || fail "only $n files looked at"
echo "ok $n files carry SPDX-License-Identifier: GPL-2.0-or-later"
