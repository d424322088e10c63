#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Install memplug as the kselftest collection "memplug" into a kselftest
# install tree (the folder holding run_kselftest.sh and kselftest-list.txt):
# KSFT_INSTALL_PATH/memplug/{memplug_smoke.sh,memplug,settings} and the line
# memplug:memplug_smoke.sh in KSFT_INSTALL_PATH/kselftest-list.txt (once).
#
#   contrib/kselftest/install.sh KSFT_INSTALL_PATH MEMPLUG-BINARY
# (`make kselftest-install KSFT_INSTALL_PATH=DIR` calls it.)
set -eu
[ $# = 2 ] || { echo "usage: $0 KSFT_INSTALL_PATH MEMPLUG-BINARY" >&2; exit 2; }
dst=$1 bin=$2
here=$(cd "$(dirname "$0")" && pwd)
[ -x "$bin" ] || { echo "$0: $bin is not executable" >&2; exit 2; }
# a libtool wrapper script: take the real binary
if head -c 4096 "$bin" | grep -q libtool && [ -x "$(dirname "$bin")/.libs/memplug" ]; then
	bin=$(dirname "$bin")/.libs/memplug
fi
mkdir -p "$dst/memplug"
cp "$bin" "$dst/memplug/memplug"
cp "$here/memplug_smoke.sh" "$dst/memplug/memplug_smoke.sh"
cp "$here/settings" "$dst/memplug/settings"
chmod 755 "$dst/memplug/memplug" "$dst/memplug/memplug_smoke.sh"
chmod 644 "$dst/memplug/settings"
touch "$dst/kselftest-list.txt"
grep -qx 'memplug:memplug_smoke.sh' "$dst/kselftest-list.txt" ||
	echo 'memplug:memplug_smoke.sh' >>"$dst/kselftest-list.txt"
echo "installed the kselftest collection memplug into $dst"
