#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# The kernel's kselftest runner (tools/testing/selftests/run_kselftest.sh and
# kselftest/runner.sh, GPL-2.0 as their SPDX lines say) from Debian's
# linux-source-6.1 package, fetched once into the cache with a private apt
# state as memplug-vm fetches kernels (the system's apt configuration is
# never touched), only those two files extracted. Not committed: they are the
# kernel's. Prints the folder holding them (a kselftest install tree lacking
# only its collections).
#
#   tests/qemu/ksft-runner.sh        (MEMPLUG_VM_CACHE as memplug-vm)
set -eu
cache=${MEMPLUG_VM_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/memplug-vm}/kselftest
pkg=linux-source-6.1
if [ -f "$cache/runner/run_kselftest.sh" ] && [ -f "$cache/runner/kselftest/runner.sh" ]; then
	echo "$cache/runner"
	exit 0
fi
say() { echo "ksft-runner: $*" >&2; }
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
[ -r "$keyring" ] || { say "$keyring missing (Debian: debian-archive-keyring)"; exit 2; }
command -v apt-get >/dev/null && command -v dpkg-deb >/dev/null || { say "needs apt-get and dpkg-deb"; exit 2; }
mirror=${MEMPLUG_VM_MIRROR:-$(sed -n 's|^URIs:[[:space:]]*\([^[:space:]]*/debian\)/*[[:space:]]*$|\1|p' \
	/etc/apt/sources.list.d/*.sources 2>/dev/null | head -n 1)}
mirror=${mirror:-http://deb.debian.org/debian}
a=$cache/apt
mkdir -p "$a/lists/partial" "$a/cache/archives/partial" "$a/dl"
exec 9>"$cache/lock"
flock -w 900 9 || { say "$cache is locked"; exit 2; }
if [ -f "$cache/runner/run_kselftest.sh" ]; then
	echo "$cache/runner"
	exit 0
fi
echo "deb [signed-by=$keyring] $mirror bookworm main" >"$a/sources.list"
set -- -o "Dir::Etc::SourceList=$a/sources.list" -o Dir::Etc::SourceParts=/dev/null \
	-o "Dir::State::Lists=$a/lists" -o "Dir::Cache=$a/cache" -o Dir::State::status=/dev/null \
	-o Dir::Etc::Preferences=/dev/null -o Dir::Etc::PreferencesParts=/dev/null \
	-o Acquire::Languages=none -o APT::Architectures=amd64 -o "APT::Sandbox::User=$(id -un)"
say "fetching $pkg (about 140 MB) into $cache"
apt-get -q "$@" update >"$a/update.log" 2>&1 || { say "apt-get update failed, see $a/update.log"; exit 2; }
rm -f "$a/dl/"*.deb
(cd "$a/dl" && apt-get -q "$@" download "$pkg") >"$a/download.log" 2>&1 ||
	{ say "apt-get download $pkg failed, see $a/download.log"; exit 2; }
deb=$(find "$a/dl" -name "${pkg}_*.deb" | head -n 1)
[ -n "$deb" ] || { say "no $pkg .deb"; exit 2; }
rm -rf "$cache/runner.new"
mkdir -p "$cache/runner.new"
# the package holds usr/src/linux-source-6.1.tar.xz: take the two files out
dpkg-deb --fsys-tarfile "$deb" | tar -xOf - "./usr/src/$pkg.tar.xz" | xz -dc |
	tar -xf - -C "$cache/runner.new" --strip-components=4 \
		"$pkg/tools/testing/selftests/run_kselftest.sh" \
		"$pkg/tools/testing/selftests/kselftest/runner.sh"
[ -f "$cache/runner.new/run_kselftest.sh" ] && [ -f "$cache/runner.new/kselftest/runner.sh" ] ||
	{ say "$pkg has no kselftest runner"; exit 2; }
echo "${deb##*/}" >"$cache/runner.new/package"
rm -f "$deb"
rm -rf "$cache/runner"
mv "$cache/runner.new" "$cache/runner"
echo "$cache/runner"
