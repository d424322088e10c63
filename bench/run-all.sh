#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# Run every benchmark of the project (bench/*.sh but this one), each side by
# side with its peer as the script itself arranges, and write the figures
# with the machine and the method into bench/RESULTS.md (or the file given).
#   bench/run-all.sh [OUT]          (memplug built in the source tree, or MEMPLUG=...)
# A benchmark that fails is recorded as failed with its last lines; the
# others still run, and the exit status is then 1.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$top/bench/RESULTS.md}
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.b"' EXIT INT TERM
status=0

cpu=$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)
{
	echo "# Benchmark results"
	echo
	echo "Written by \`bench/run-all.sh\` on $(date -u '+%Y-%m-%d %H:%M UTC'); run it again"
	echo "to regenerate this file. Each section is one script of \`bench/\`: its"
	echo "method (the script's own header) and what it printed."
	echo
	echo "## Machine"
	echo
	echo "- CPU: ${cpu:-unknown} ($(nproc) CPUs online)"
	echo "- kernel: $(uname -srm)"
	echo "- memory: $(awk '/^MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	# as memplug-vm decides: /dev/kvm usable and the CPU has VT-x or SVM
	if [ -r /dev/kvm ] && [ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo; then
		echo "- QEMU accelerator: KVM"
	else
		echo "- QEMU accelerator: TCG (no usable /dev/kvm)"
	fi
	echo "- load average at the start: $(cut -d' ' -f1-3 /proc/loadavg) (other work on the"
	echo "  machine skews wall times; compare figures of one run, not across runs)"
	echo "- memplug $(git -C "$top" describe --always --dirty 2>/dev/null || echo '?'),"
	echo "  $(${LSMEM:-lsmem} --version 2>/dev/null || echo 'no lsmem'),"
	echo "  $(qemu-system-x86_64 --version 2>/dev/null | head -n 1 || echo 'no QEMU')"
} >"$tmp"

for b in "$top"/bench/*.sh; do
	name=$(basename "$b")
	[ "$name" != run-all.sh ] || continue
	echo "bench/run-all.sh: $name ..." >&2
	{
		echo
		echo "## $name"
		echo
		echo "Method:"
		echo
		# the header comment, up to the first line that is not one
		sed -n '2,/^[^#]/p' "$b" | sed -n 's/^# \{0,1\}//p' | sed 's/^/    /'
		echo
		echo "Results:"
		echo
	} >>"$tmp"
	t0=$(date +%s)
	interp=sh
	[ "$(head -n 1 "$b")" != '#!/bin/bash' ] || interp=bash
	if (cd "$top" && "$interp" "$b") >"$tmp.b" 2>&1; then
		res="took $(($(date +%s) - t0)) s"
	else
		res="FAILED after $(($(date +%s) - t0)) s"
		status=1
	fi
	{
		echo '```'
		tail -n 60 "$tmp.b"
		echo '```'
		echo
		echo "($name $res.)"
	} >>"$tmp"
done
mv "$tmp" "$out"
echo "bench/run-all.sh: wrote $out" >&2
exit $status
