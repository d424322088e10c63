# SPDX-License-Identifier: GPL-2.0-or-later
# shellcheck shell=sh
# QMP from inside a memplug-vm guest, for busybox sh: `. /lib/memplug-vm/qmp.sh`.
#
# The host joins its QMP socket to the virtio-serial port org.qemu.qmp, so the
# port is one QMP session for the whole boot: the first opener finds the
# greeting, later openers find a session that has already negotiated. qmp_open
# copes with both. QEMU writes one JSON object per line, "return" or "error"
# first in a reply and "timestamp" first in an event; these helpers rely on it.
#
#   qmp_open                       open fd 3 on the port, negotiate
#   qmp JSON [SECS]                send a command, print its reply line;
#                                  0 on return, 1 on error, 2 on no reply
#   qmp_wait_event NAME [SECS] [TEXT]
#                                  print the first event NAME (whose line holds
#                                  TEXT, if given) seen since qmp_open; 0 or 2
#   qmp_dimm_add ID SIZE [NODE]    object-add memory-backend-ram mem-ID +
#                                  device_add pc-dimm ID
#   qmp_dimm_del ID [SECS]         device_del ID, wait for DEVICE_DELETED,
#                                  object-del mem-ID; 1 when the guest refused
#   qmp_json_num KEY < LINE        print the numbers that follow "KEY":

: "${MEMPLUG_VM_QMP:=/dev/virtio-ports/org.qemu.qmp}"
QMP_EVENTS=${QMP_EVENTS:-/run/qmp-events}
qmp_cr=$(printf '\r')

qmp_open() {
	exec 3<>"$MEMPLUG_VM_QMP" || return 2
	: >"$QMP_EVENTS"
	qmp_r=$(qmp '{"execute":"qmp_capabilities"}' 10)
	case $? in
	0) return 0 ;;
	1) case $qmp_r in *"already complete"*) return 0 ;; esac ;;
	esac
	echo "qmp_open: $qmp_r" >&2
	return 2
}

# One line from fd 3 into qmp_line; events are appended to $QMP_EVENTS.
# Returns 1 on timeout, 3 on an event or greeting (already handled).
qmp_read() {
	# shellcheck disable=SC3045 # busybox sh has read -t
	IFS= read -r -t "$1" qmp_line <&3 || return 1
	qmp_line=${qmp_line%"$qmp_cr"}
	case $qmp_line in
	'{"timestamp"'*)
		printf '%s\n' "$qmp_line" >>"$QMP_EVENTS"
		return 3
		;;
	'{"return"'* | '{"error"'*) return 0 ;;
	esac
	return 3
}

qmp() {
	printf '%s\n' "$1" >&3
	qmp_deadline=$(($(date +%s) + ${2:-30}))
	while [ "$(date +%s)" -le $qmp_deadline ]; do
		qmp_read 1
		case $? in
		0)
			printf '%s\n' "$qmp_line"
			case $qmp_line in '{"return"'*) return 0 ;; esac
			return 1
			;;
		esac
	done
	echo "qmp: no reply to $1" >&2
	return 2
}

# The first line of $QMP_EVENTS naming event $1 (and holding $2): print it,
# drop it from the file.
qmp_take_event() {
	awk -v ev="$1" -v txt="$2" -v out="$QMP_EVENTS.new" '
		!done && (index($0, "\"event\": \"" ev "\"") || index($0, "\"event\":\"" ev "\"")) &&
		(txt == "" || index($0, txt)) { print; done = 1; next }
		{ print > out }
		END { close(out); exit !done }' "$QMP_EVENTS" >/run/qmp-event.$$
	qmp_s=$?
	mv "$QMP_EVENTS.new" "$QMP_EVENTS" 2>/dev/null || : >"$QMP_EVENTS"
	cat /run/qmp-event.$$
	rm -f /run/qmp-event.$$
	return $qmp_s
}

qmp_wait_event() {
	qmp_deadline=$(($(date +%s) + ${2:-30}))
	while :; do
		qmp_take_event "$1" "${3:-}" && return 0
		[ "$(date +%s)" -le $qmp_deadline ] || break
		qmp_read 1
	done
	echo "qmp_wait_event: no $1${3:+ with $3} within ${2:-30} s" >&2
	return 2
}

qmp_dimm_add() {
	qmp "{\"execute\":\"object-add\",\"arguments\":{\"qom-type\":\"memory-backend-ram\",\"id\":\"mem-$1\",\"size\":$2}}" >/dev/null &&
		qmp "{\"execute\":\"device_add\",\"arguments\":{\"driver\":\"pc-dimm\",\"id\":\"$1\",\"memdev\":\"mem-$1\"${3:+,\"node\":$3}}}" >/dev/null
}

qmp_dimm_del() {
	qmp "{\"execute\":\"device_del\",\"arguments\":{\"id\":\"$1\"}}" >/dev/null || return 1
	qmp_wait_event DEVICE_DELETED "${2:-30}" "\"device\": \"$1\"" >/dev/null || return 1
	qmp "{\"execute\":\"object-del\",\"arguments\":{\"id\":\"mem-$1\"}}" >/dev/null
}

qmp_json_num() {
	sed 's/[,{}]/\n/g' | sed -n "s/^ *\"$1\": *\\([0-9][0-9]*\\).*/\\1/p"
}
