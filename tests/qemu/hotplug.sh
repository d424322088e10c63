#!/bin/sh
# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck source-path=SCRIPTDIR
# Steps 2-4 of the guest tests, one boot per Debian kernel: two 256 MiB DIMMs
# hot-added from the host's QMP, two more from inside the guest over the QMP
# bridge, all onlined movable, offlined and removed. memplug list must agree
# with sysfs at each step and show the DIMMs' blocks (numbers from QMP's
# query-memory-devices and the guest's block size) in the right state;
# block count and MemTotal must come back.
. "$(dirname "$0")/../lib.sh"
. "$(dirname "$0")/lib.sh"
qemu_prereq memplug

guest_script "$top_srcdir/tests/qemu/hotplug.guest"
cat >"$WORK/host.qmp" <<'QMP'
{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"mem-h1","size":268435456}}
{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"h1","memdev":"mem-h1"}}
{"execute":"object-add","arguments":{"qom-type":"memory-backend-ram","id":"mem-h2","size":268435456}}
{"execute":"device_add","arguments":{"driver":"pc-dimm","id":"h2","memdev":"mem-h2"}}
{"execute":"query-memory-devices"}
QMP

for k in $KERNELS; do
	o=$WORK/$k
	vm "$o" --debian "$k" --timeout 300 --qmp-script "$WORK/host.qmp" --script "$WORK/guest.sh" ||
		{ vm_log "$o"; fail "$k: guest run failed"; }
	bs=$(cat "$o/block_size")
	hb=$(tail -n 1 "$o/qmp-script.replies" | dimm_blocks "$bs")
	all=$(dimm_blocks "$bs" <"$o/qmd-guest.json")
	[ "$(echo "$hb" | wc -l)" = 4 ] || fail "$k: host DIMMs hold blocks $hb, not 4 blocks"
	[ "$(echo "$all" | wc -l)" = 8 ] || fail "$k: all DIMMs hold blocks $all, not 8 blocks"
	for s in host-added guest-added online offline removed; do
		snapshot_check "$o" $s >/dev/null
	done
	# shellcheck disable=SC2086
	{
		blocks_in "$o" host-added offline $hb
		blocks_in "$o" guest-added offline $all
		blocks_in "$o" online online $all
		blocks_in "$o" offline offline $all
	}
	for b in $all; do
		z=$(jq -r --arg b "$b" '.memory[] | select(.block == $b) | .zones' "$o/online.json")
		[ "$z" = Movable ] || fail "$k: onlined movable, block $b lists zones $z"
		[ -z "$(jq -r --arg b "$b" '.memory[] | select(.block == $b) | .block' "$o/removed.json")" ] ||
			fail "$k: block $b still listed after removal"
	done
	# onlining 8 blocks raised MemTotal by 8 blocks, unless memmap_on_memory
	# keeps some of each block for its memmap
	delta=$(cat "$o/memtotal-delta-kb")
	full=$((8 * bs / 1024))
	case $(cat "$o/memmap_on_memory" 2>/dev/null) in
	Y* | y* | 1*) [ "$delta" -le "$full" ] && [ "$delta" -gt $((full * 9 / 10)) ] ;;
	*) [ "$delta" = "$full" ] ;;
	esac || fail "$k: MemTotal rose by $delta kB on onlining $full kB"
	# shellcheck disable=SC2046,SC2086
	echo "$k: host and guest DIMM adds, online movable, offline and remove seen alike by memplug list and sysfs; blocks" $(printf '%s ' $all)
done
