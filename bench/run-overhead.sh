#!/bin/sh
# What memplug run's checks cost: in one guest (Debian's kernel, TCG here),
# N online_movable/offline steps on cold-plugged DIMM blocks three ways, in
# the same boot:
#   shell    a bare busybox loop writing the same states (the kernel
#            selftest's way)
#   nocheck  memplug run --scenario ladder --no-step-checks (read-back and
#            kernel log only)
#   checked  memplug run --scenario ladder (every invariant after every step)
# and prints seconds and ratios. Target (issue 6): checks add at most 10%.
#
#   bench/run-overhead.sh [STEPS] [6.1|6.12]      (default 200, 6.12)
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
steps=${1:-200}
kernel=${2:-6.12}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT INT TERM
cat >"$work/guest.sh" <<GUEST
M=/sys/devices/system/memory
ms() { cat /proc/uptime | awk '{printf "%d", \$1 * 1000}'; }
blocks=\$(for l in /sys/bus/acpi/devices/PNP0C80:*/physical_node*; do b=\$(readlink \$l); echo \${b##*/memory}; done | sort -n)
set -- \$blocks
first=\$1; last=\$(echo \$blocks | awk '{print \$NF}')
t0=\$(ms); i=0
while [ \$i -lt $steps ]; do
	for b in \$blocks; do
		[ \$i -lt $steps ] || break
		if [ "\$(cat \$M/memory\$b/state)" = offline ]; then echo online_movable > \$M/memory\$b/state; else echo offline > \$M/memory\$b/state; fi
		i=\$((i + 1))
	done
done
t1=\$(ms)
for b in \$blocks; do echo offline > \$M/memory\$b/state 2>/dev/null; done
memplug run --scenario ladder --max-devices 0 --no-step-checks --steps $steps --seed 1 --dir /tmp/a \$first-\$last >/dev/null 2>&1
t2=\$(ms)
memplug run --scenario ladder --max-devices 0 --steps $steps --seed 1 --dir /tmp/b \$first-\$last >/dev/null 2>&1
t3=\$(ms)
echo "shell \$((t1 - t0)) nocheck \$((t2 - t1)) checked \$((t3 - t2))"
GUEST
out=$("$top/contrib/qemu/memplug-vm" --debian "$kernel" --dimm 256M --dimm 256M --timeout 1200 \
	--script "$work/guest.sh" 2>/dev/null | tail -n 1)
set -- $out
accel=TCG
[ -w /dev/kvm ] && grep -qw -e vmx -e svm /proc/cpuinfo && accel=KVM
echo "memplug run overhead, Debian $kernel guest under $accel, $steps online/offline steps on 4 blocks"
echo "machine: $(nproc) cpus, $(sed -n 's/^model name\t: //p' /proc/cpuinfo | head -n 1)"
printf '%-36s %8s ms\n' "bare shell loop" "$2" "memplug run, no step checks" "$4" "memplug run, every check each step" "$6"
awk -v s="$2" -v n="$4" -v c="$6" 'BEGIN {
	printf "checks cost %.0f%% over memplug without them, %.0f%% over the shell loop\n", (c - n) * 100 / n, (c - s) * 100 / s }'
