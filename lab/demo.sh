#!/usr/bin/env bash
# The demo run by ./ftplab demo (after setup and build). BIN is the folder
# holding the programs.
#
# As root (network namespaces available): three lab scenarios in turn,
# through lab/lab.py: active FTP failing behind a NAT, ftplab-proxy on the
# NAT box fixing it, and a server behind a NAT announcing its private
# address. On a terminal, ftplab-analyzer's screens show each transfer
# live on the NAT box (`run --live`: q goes on); otherwise (CI, a pipe)
# each run prints its text: what ran, the analyzer's transcript of both
# sides of the NAT, the verdict.
#
# Otherwise: on loopback, ftplab-server with curl in passive and active
# mode, ftplab-proxy in front of it, the analyzer on a bundled capture,
# and what root adds.
set -uo pipefail
bin=$(cd "${1:?usage: demo.sh BIN}" && pwd)
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
export FTPLAB_BUILD_DIR=${FTPLAB_BUILD_DIR:-$(dirname "$bin")}
export PYTHONDONTWRITEBYTECODE=1
scenarios=(active-behind-nat active-behind-nat-proxy server-behind-nat-wrong-pasv)

if [[ -t 1 ]]; then
	step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
else
	step() { printf '\n== %s\n' "$*"; }
fi

# why network namespaces cannot be built here (empty: they can)
netns_reason() {
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import topo; print(topo.netns_unavailable() or "")' \
		"$top/tests/netns" 2>/dev/null || echo "python3 could not probe network namespaces"
}

# wait while another process runs a lab (not a kept one); 1 when it cannot
wait_free() {
	python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); from labkit import record
try: record.wait_until_free(print)
except Exception: sys.exit(1)' "$top/lab"
}

lab_demo() {
	local live=() s rc n=0 failed=0 ran=() skipped=()
	if [[ -t 0 && -t 1 && ${TERM:-dumb} != dumb ]]; then
		live=(--live)
	fi
	step "ftplab demo: FTP through a NAT, on network namespaces (client, NAT box, server)"
	cat <<-TEXT
	Each scenario builds a small network of Linux network namespaces, runs a
	real FTP transfer (curl) through the NAT box, captures the packets on
	both of its sides, has ftplab-analyzer explain them, says whether the
	outcome is the one the scenario teaches, and removes everything.
	TEXT
	if ((${#live[@]})); then
		echo "On this terminal, ftplab-analyzer's screens show each transfer live on the"
		echo "NAT box: press q on their session list to go on."
	fi
	for s in "${scenarios[@]}"; do
		if [[ ! -f $top/lab/$s/scenario.py ]]; then
			n=$((n + 1))
			step "Scenario $n of ${#scenarios[@]}: $s: skipped (this checkout has no lab/$s yet)"
			skipped+=("$s")
			continue
		fi
		n=$((n + 1))
		step "Scenario $n of ${#scenarios[@]}: $s"
		# a lab someone else is running right now: wait for it (2 minutes at
		# most), and again if another one started in between (exit 2)
		for _ in 1 2 3; do
			wait_free
			python3 "$top/lab/lab.py" --bin "$bin" run "$s" "${live[@]}"
			rc=$?
			((rc == 2)) && wait_free && continue
			break
		done
		case $rc in
		130 | 143) echo "ftplab demo: interrupted"; return "$rc" ;;
		0) ran+=("$s") ;;
		77) skipped+=("$s (this machine cannot run it)") ;;
		2) failed=1; skipped+=("$s (not run: see lab.py's message above)") ;;
		*) failed=1; ran+=("$s (UNEXPECTED: exit $rc)") ;;
		esac
	done
	step "What the demo showed"
	for s in "${ran[@]}"; do echo "  ran:     $s"; done
	for s in "${skipped[@]}"; do echo "  skipped: $s"; done
	cat <<-TEXT

	Each run kept its captures, the analyzer's text and JSON of each, and
	the logs in $FTPLAB_BUILD_DIR/lab/SCENARIO/. Next:
	  ./ftplab lab list                                 every scenario and its lesson
	  ./ftplab lab run active-behind-nat-proxy --keep   leave the lab up, then
	  ./ftplab lab shell active-behind-nat-proxy client a shell on the client
	  ./ftplab lab down                                 remove it
	  $bin/ftplab-analyzer -r $FTPLAB_BUILD_DIR/lab/active-behind-nat-proxy/outside.pcap
	The lessons: lab/README.md and lab/SCENARIO/README.md.
	TEXT
	return $failed
}

work=
pids=()
# shellcheck disable=SC2317  # called by the trap
cleanup() {
	local p
	for p in "${pids[@]}"; do kill "$p" 2>/dev/null && wait "$p" 2>/dev/null; done
	[[ -n $work ]] && rm -rf "$work"
}

loopback_demo() {
	local why=$1 port pport url
	work=$(mktemp -d /tmp/ftplab-demo.XXXXXX)
	trap cleanup EXIT
	trap 'exit 130' INT
	trap 'exit 143' TERM
	set -e

	mkdir -p "$work/root/pub"
	printf 'Hello from ftplab.\nThis file came over an FTP data connection.\n' >"$work/root/pub/hello.txt"
	head -c 1048576 /dev/urandom >"$work/root/pub/random.bin"

	free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
	# (its log says so: a probe connection would show in the transcripts)
	wait_listening() {
		for _ in $(seq 50); do
			grep -q ': listening on' "$1" 2>/dev/null && return 0
			sleep 0.1
		done
		echo "not listening: $(cat "$1")" >&2
		return 1
	}
	port=$(free_port)
	"$bin/ftplab-server" -r "$work/root" -l "127.0.0.1:$port" --anonymous=rw -v \
		2>"$work/server.log" &
	pids+=($!)
	wait_listening "$work/server.log"
	url=ftp://127.0.0.1:$port

	step "ftplab demo on loopback (127.0.0.1); no lab scenarios here: $why"
	step "ftplab-server $("$bin/ftplab-server" --version | awk '{print $2}') serves $work/root on 127.0.0.1:$port"
	step "curl lists /pub (passive mode: the client opens the data connection)"
	curl -sS "$url/pub/"
	step "curl downloads hello.txt"
	curl -sS "$url/pub/hello.txt"
	step "curl downloads random.bin in active mode (-P -: the server connects back)"
	curl -sS -P - "$url/pub/random.bin" -o "$work/random.bin"
	cmp "$work/random.bin" "$work/root/pub/random.bin" && echo "1 MiB received, identical to the original"
	step "curl uploads a file"
	echo "uploaded by curl" | curl -sS -T - "$url/pub/upload.txt"
	cat "$work/root/pub/upload.txt"

	step "What the server saw (its transcript, C> commands, S> replies, events; the logins left out)"
	sed -E 's/^[0-9T:.Z-]+ //' "$work/server.log" |
		grep -v -E '^ftplab-server: |C> (USER|PASS|PWD|CWD)|S> (220|331|230|257|250) |login \[' | head -80 || true

	pport=$(free_port)
	"$bin/ftplab-proxy" --upstream "127.0.0.1:$port" -l "127.0.0.1:$pport" -v \
		2>"$work/proxy.log" &
	pids+=($!)
	wait_listening "$work/proxy.log"
	step "ftplab-proxy on 127.0.0.1:$pport in front of the server; curl fetches hello.txt through it"
	curl -sS --disable-epsv "ftp://127.0.0.1:$pport/pub/hello.txt"
	sleep 0.2
	step "What the proxy did (-v: each rewrite of PASV/PORT on one line)"
	sed -E 's/^[0-9T:.Z-]+ //' "$work/proxy.log" | grep -v '^ftplab-proxy: ' | head -40 || true

	step "ftplab-analyzer explains a capture of a server behind NAT (captures/mismatch-nat.pcap)"
	"$bin/ftplab-analyzer" -r "$top/captures/mismatch-nat.pcap" --explain | head -40 || true

	step "What root adds"
	cat <<-TEXT
	As root, ./ftplab demo builds small networks of network namespaces
	(client, NAT box, server) and runs three lab scenarios in them:
	${scenarios[0]} (active FTP fails: the PORT names a private
	address), ${scenarios[1]} (ftplab-proxy on the NAT box fixes it)
	and ${scenarios[2]} (a server behind NAT announces its
	private address in 227). Each captures both sides of the NAT and has
	ftplab-analyzer explain them; on a terminal its screens show the
	transfer live on the NAT box. Run: sudo ./ftplab demo
	The scenarios and their lessons: ./ftplab lab list, lab/README.md.
	TEXT
}

why=$(netns_reason)
if [[ -z $why ]]; then
	lab_demo
else
	loopback_demo "$why"
fi
