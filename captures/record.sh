#!/usr/bin/env bash
# record.sh - (re)record ftplab's reference FTP captures, captures/*.pcap.
#
#   captures/record.sh [BINDIR] [NAME...]
#
# BINDIR holds ftplab-server (default: build/bin of this tree). With NAMEs
# (e.g. passive abort) only those captures are recorded again; by default all.
# Run as root: each capture is recorded in a private network namespace, on
# its own loopback (127.0.0.1, ::1), so no other traffic of the machine gets
# in and the server can use port 21; tcpdump writes what lo carries. Every
# capture is checked (record_tool.py check) before it replaces the old file;
# a failed check leaves the old one in place and stops the run.
#
# The Python half, record_tool.py, makes the served files (fixed seeds, fixed
# mtimes) and plays the clients: curl, lftp, Python ftplib, raw sockets.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
bin=$here/../build/bin
if [[ $# -gt 0 && -d $1 ]]; then
	bin=$1
	shift
fi
bin=$(cd "$bin" && pwd)
tool=$here/record_tool.py
all="passive active ipv6-eprt-epsv multiline split-replies abort abort-telnet
failed-login mismatch-nat port-2121 resume-append ascii-listings file-commands
proxy-legs"

die() {
	echo "record.sh: $*" >&2
	exit 1
}

# Outside: check, then run this script again in new network and mount
# namespaces (they vanish with the last process in them).
if [[ ${FTPLAB_RECORD_INNER:-} != 1 ]]; then
	((EUID == 0)) || die "run as root (network namespace, tcpdump)"
	[[ -x $bin/ftplab-server ]] || die "no ftplab-server in $bin (build first)"
	for t in tcpdump curl lftp python3 unshare ip; do
		command -v "$t" >/dev/null || die "$t is not installed"
	done
	for name in "$@"; do
		[[ " ${all//$'\n'/ } " == *" $name "* ]] || die "unknown capture $name (known: ${all//$'\n'/ })"
	done
	exec env FTPLAB_RECORD_INNER=1 unshare --net --mount --propagation private -- \
		bash "$here/record.sh" "$bin" "$@"
fi

ip link set lo up
work=$(mktemp -d /tmp/ftplab-captures.XXXXXX)
# tmpfs: directory listings come out in creation order, the same every time
mount -t tmpfs -o size=64m,mode=0700 ftplab-captures "$work"

server_pid=
proxy_pid=
tcpdump_pid=
stop() { # PID SIGNAL: stop our process PID, then SIGKILL after 10 s
	local i
	[[ -n $1 ]] || return 0
	kill "-$2" "$1" 2>/dev/null || true
	for ((i = 0; i < 100; i++)); do
		kill -0 "$1" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$1" 2>/dev/null || true
	wait "$1" 2>/dev/null || true
}
cleanup() {
	local rc=$?
	stop "$proxy_pid" TERM
	stop "$server_pid" TERM
	stop "$tcpdump_pid" INT
	if ((rc != 0)); then
		for log in "$work"/*/server.log "$work"/*/proxy.log "$work"/*/tcpdump.log; do
			[[ -s $log ]] && { echo "--- $log" >&2; tail -n 40 "$log" >&2; }
		done
	fi
	umount "$work" 2>/dev/null || true
	rmdir "$work" 2>/dev/null || true
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

wait_for() { # FILE PATTERN PID: wait up to 10 s for PATTERN in FILE
	local i
	for ((i = 0; i < 100; i++)); do
		grep -qF -- "$2" "$1" 2>/dev/null && return 0
		kill -0 "$3" 2>/dev/null || die "$(basename "$1" .log) exited: $(tail -n 3 "$1")"
		sleep 0.1
	done
	die "timed out waiting for '$2' in $1"
}

# record NAME HOST PORT [SERVER-OPTION...]: record captures/NAME.pcap
record() {
	local name=$1 host=$2 port=$3 dir=$work/$1 listen
	shift 3
	mkdir -p "$dir/root" "$dir/client"
	if [[ $name == abort* ]]; then
		python3 "$tool" make-root "$dir/root" --big
	else
		python3 "$tool" make-root "$dir/root"
	fi
	if [[ $name == failed-login ]]; then
		echo "alice:$(python3 "$tool" password | "$bin/ftplab-server" --hash-password):/home/alice:rw" \
			>"$dir/users.txt"
	fi
	listen=$host:$port
	[[ $host == *:* ]] && listen="[$host]:$port"

	# --immediate-mode: without it packets still buffered at SIGINT are lost
	tcpdump -i lo -s 0 -U --immediate-mode -Z root -w "$dir/$name.pcap" tcp \
		2>"$dir/tcpdump.log" &
	tcpdump_pid=$!
	wait_for "$dir/tcpdump.log" "listening on lo" "$tcpdump_pid"
	sleep 0.3 # "listening" is printed just before the capture really starts

	if [[ $name == proxy-legs ]]; then # the server behind ftplab-proxy: both legs on lo
		TZ=UTC "$bin/ftplab-server" -r "$dir/root" -l 127.0.0.2:2121 -v "$@" \
			</dev/null 2>"$dir/server.log" &
		server_pid=$!
		wait_for "$dir/server.log" "listening on 127.0.0.2:2121" "$server_pid"
		"$bin/ftplab-proxy" -l "$listen" --upstream 127.0.0.2:2121 --data-ports 40000-40099 \
			-v </dev/null 2>"$dir/proxy.log" &
		proxy_pid=$!
		wait_for "$dir/proxy.log" "listening on $listen" "$proxy_pid"
	else
		TZ=UTC "$bin/ftplab-server" -r "$dir/root" -l "$listen" -v "$@" \
			</dev/null 2>"$dir/server.log" &
		server_pid=$!
		wait_for "$dir/server.log" "listening on $listen" "$server_pid"
	fi

	python3 "$tool" client "$name" "$host" "$port" "$dir/root" "$dir/client"

	stop "$proxy_pid" TERM
	proxy_pid=
	stop "$server_pid" TERM
	server_pid=
	sleep 0.3 # the last FIN and ACK
	stop "$tcpdump_pid" INT
	tcpdump_pid=
	# tcpdump must read it all (no "truncated dump file"), then our own check
	tcpdump -nn -r "$dir/$name.pcap" >/dev/null 2>"$dir/read.log" ||
		die "tcpdump cannot read $name.pcap: $(tail -n 1 "$dir/read.log")"
	python3 "$tool" check "$name" "$dir/$name.pcap" "$port"
	install -m 0644 "$dir/$name.pcap" "$here/$name.pcap.new"
	mv -f "$here/$name.pcap.new" "$here/$name.pcap"
	if [[ $name == passive ]]; then # the same packets as pcapng
		python3 "$tool" pcapng "$here/passive.pcap" "$here/passive.pcapng.new"
		python3 "$tool" check passive "$here/passive.pcapng.new" "$port"
		chmod 0644 "$here/passive.pcapng.new"
		mv -f "$here/passive.pcapng.new" "$here/passive.pcapng"
	fi
}

wanted() { [[ $# -eq 0 ]] || [[ " $* " == *" $name "* ]]; }

for name in $all; do
	wanted "$@" || continue
	echo "== $name"
	case $name in
	passive) record "$name" 127.0.0.1 21 ;;
	active) record "$name" 127.0.0.1 21 --anonymous rw ;;
	ipv6-eprt-epsv) record "$name" ::1 21 ;;
	multiline) record "$name" 127.0.0.1 21 --fault multiline-banner=5 ;;
	split-replies) record "$name" 127.0.0.1 21 --fault split-replies ;;
	abort | abort-telnet) record "$name" 127.0.0.1 21 --rate-limit 16 ;;
	failed-login) record "$name" 127.0.0.1 21 --users "$work/$name/users.txt" ;;
	mismatch-nat) record "$name" 127.0.0.1 21 --pasv-address 203.0.113.5 ;;
	port-2121) record "$name" 127.0.0.1 2121 ;;
	proxy-legs) record "$name" 127.0.0.1 21 ;;
	resume-append | ascii-listings | file-commands)
		record "$name" 127.0.0.1 21 --anonymous rw ;;
	esac
done

echo "== summary (| file | packets | TCP connections | bytes |)"
python3 "$tool" summary "$here"/*.pcap "$here"/*.pcapng
if command -v tshark >/dev/null; then
	for f in "$here"/*.pcap; do
		echo "tshark: $(basename "$f"): $(tshark -r "$f" -Y ftp 2>/dev/null | wc -l) FTP packets"
	done
fi
