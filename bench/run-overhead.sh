#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# What memplug run's checks cost: in one guest (Debian's kernel, TCG here),
# N online_movable/offline steps on cold-plugged DIMM blocks three ways, in
# the same boot:
#   shell    a bare busybox loop writing the same states (the kernel
#            selftest's way)
#   nocheck  memplug run --scenario ladder --no-step-checks (read-back and
#            kernel log only)
#   checked  memplug run --scenario ladder (every invariant after every step,
#            the kpageflags of the touched block sampled: the default)
#   full     the same with --step-kpageflags all (every page of the touched
#            block read after every step)
# and prints seconds and ratios. Target (issue 6): checks add at most 10%
# over the shell loop.
#
#   bench/run-overhead.sh [STEPS] [6.1|6.12] [ROUNDS]   (default 200, 6.12, 5)
#
# The four run one after the other ROUNDS times in one boot; the medians count.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
steps=${1:-200}
kernel=${2:-6.12}
rounds=${3:-5}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cat >"$work/guest.sh" <<GUEST
M=/sys/devices/system/memory
ms() { cat /proc/uptime | awk '{printf "%d", \$1 * 1000}'; }
blocks=\$(for l in /sys/bus/acpi/devices/PNP0C80:*/physical_node*; do b=\$(readlink \$l); echo \${b##*/memory}; done | sort -n)
set -- \$blocks
first=\$1; last=\$(echo \$blocks | awk '{print \$NF}')
run() { memplug run --scenario ladder --max-devices 0 --steps $steps --seed 1 --dir /tmp/r "\$@" \$first-\$last >/dev/null 2>&1; rm -rf /tmp/r; }
round=0
while [ \$round -lt $rounds ]; do
	t0=\$(ms); i=0
	while [ \$i -lt $steps ]; do
		for b in \$blocks; do
			[ \$i -lt $steps ] || break
			if [ "\$(cat \$M/memory\$b/state)" = offline ]; then echo online_movable > \$M/memory\$b/state; else echo offline > \$M/memory\$b/state; fi
			i=\$((i + 1))
		done
	done
	shell=\$((\$(ms) - t0))
	for b in \$blocks; do echo offline > \$M/memory\$b/state 2>/dev/null; done
	t1=\$(ms)
	run --no-step-checks
	t2=\$(ms)
	run
	t3=\$(ms)
	run --step-kpageflags all
	t4=\$(ms)
	echo "round shell \$shell nocheck \$((t2 - t1)) checked \$((t3 - t2)) full \$((t4 - t3))"
	round=\$((round + 1))
done
GUEST
"$top/contrib/qemu/memplug-vm" --debian "$kernel" --dimm 256M --dimm 256M --timeout 1800 \
	--script "$work/guest.sh" 2>/dev/null | grep '^round ' >"$work/rounds" || :
[ "$(wc -l <"$work/rounds")" = "$rounds" ] || { echo "run-overhead: the guest gave $(wc -l <"$work/rounds") of $rounds rounds" >&2; exit 1; }
med() {	# the median of column $1 of the rounds
	awk -v c="$1" '{print $c}' "$work/rounds" | sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'
}
set -- x "$(med 3)" x "$(med 5)" x "$(med 7)" x "$(med 9)"
accel=TCG
[ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo && accel=KVM
echo "memplug run overhead, Debian $kernel guest under $accel, $steps online/offline steps on 4 blocks, medians of $rounds rounds"
echo "machine: $(nproc) cpus, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -n 1)"
printf '%-48s %8s ms\n' "bare shell loop" "$2" "memplug run, no step checks" "$4" \
	"memplug run, every check each step (default)" "$6" \
	"memplug run, every check, all kpageflags" "$8"
awk -v s="$2" -v n="$4" -v c="$6" -v f="$8" 'BEGIN {
	printf "checks cost %+.0f%% over the shell loop (%+.0f%% over memplug without them); with all kpageflags %+.0f%% (%+.0f%%)\n",
		(c - s) * 100 / s, (c - n) * 100 / n, (f - s) * 100 / s, (f - n) * 100 / n }'
