#!/usr/bin/env bash
# bench/server.sh - ftplab-server side by side with vsftpd, on loopback, in one
# run: RETR/STOR throughput, sessions per second, NOOP round trips per second,
# memory per idle logged-in session. Reports ratios against the targets in
# bench/results/server.md (--quick: server-quick.md). Run by hand, as root:
#   ./ftplab bench server   or   bench/server.sh [BINDIR] [--quick] [--only LIST]
# See bench/README.md for what is measured and how.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$top/bench

usage() {
	cat <<'USAGE'
Usage: bench/server.sh [BINDIR] [OPTION]...
Benchmarks ftplab-server (from BINDIR, default build/bin) against vsftpd on
loopback and writes bench/results/server.md. Run as root; installs vsftpd with
apt-get if it is missing. Takes a few minutes and both cores: run it on a
quiet machine.

  --quick              smoke test (< 1 min): 64 MiB files, 2 s runs, 1,000 idle
                       sessions; writes server-quick.md, never server.md
  --only LIST          run a subset: comma-separated of xfer,sessions,noop,idle
  --size-mib N         RETR/STOR file size (default 1024)
  --runs N             RETR/STOR runs, best kept (default 3)
  --seconds S          duration of the sessions and NOOP runs (default 10)
  --idle-sessions N    idle sessions for the memory test (default 10000)
  --out FILE           write the results there instead
  --keep               keep the temporary folder (files, server logs)
  -h, --help           this text
USAGE
}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# --- options -------------------------------------------------------------
quick=0 only=xfer,sessions,noop,idle out='' keep=0 bindir=''
size_mib='' runs='' secs='' idle_n=''
while (($#)); do
	case $1 in
	--quick) quick=1 ;;
	--only) only=${2:?--only needs a list}; shift ;;
	--only=*) only=${1#*=} ;;
	--size-mib) size_mib=${2:?}; shift ;;
	--runs) runs=${2:?}; shift ;;
	--seconds) secs=${2:?}; shift ;;
	--idle-sessions) idle_n=${2:?}; shift ;;
	--out) out=${2:?}; shift ;;
	--keep) keep=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) bindir=$1 ;;
	esac
	shift
done
if ((quick)); then
	: "${size_mib:=64}" "${runs:=3}" "${secs:=2}" "${idle_n:=1000}"
	: "${out:=$here/results/server-quick.md}"
fi
: "${size_mib:=1024}" "${runs:=3}" "${secs:=10}" "${idle_n:=10000}"
: "${out:=$here/results/server.md}" "${bindir:=$top/build/bin}"
[[ $bindir == /* ]] || bindir=$PWD/$bindir
for n in "$size_mib" "$runs" "$secs" "$idle_n"; do
	[[ $n =~ ^[1-9][0-9]{0,6}$ ]] || die "not a positive number: $n"
done
for t in ${only//,/ }; do
	[[ $t =~ ^(xfer|sessions|noop|idle)$ ]] || die "--only: unknown test $t"
done
want() { [[ ,$only, == *,$1,* ]]; }
size=$((size_mib << 20))
small=65536

((EUID == 0)) || die "run as root: vsftpd needs it (it drops to the ftp user)"
server=$bindir/ftplab-server
[[ -x $server ]] || die "no $server: run ./ftplab build first"

# --- state cleaned up on any exit ---------------------------------------------
work='' fpid='' vpid='' load_pid='' idle_pid='' policy_made=''
stop_pid() { # PID: TERM, up to 5 s, then KILL; only our own children
	local pid=$1 i
	kill -TERM "$pid" 2>/dev/null || return 0
	for ((i = 0; i < 50; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
}
# vsftpd: the session processes first (the listener reaps them), then the
# listener and anything left in its process group (setsid: the group is its pid).
stop_vsftpd() {
	local pids i
	[[ -n $vpid ]] || return 0
	mapfile -t pids < <(descendants "$vpid" | tail -n +2)
	if ((${#pids[@]})); then
		kill -TERM "${pids[@]}" 2>/dev/null || true
		for ((i = 0; i < 50; i++)); do
			(($(descendants "$vpid" | wc -l) <= 1)) && break
			sleep 0.1
		done
	fi
	kill -TERM -- "-$vpid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		kill -0 -- "-$vpid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "-$vpid" "${pids[@]}" 2>/dev/null || true
	wait "$vpid" 2>/dev/null || true
	for ((i = 0; i < 100 && $(vsftpd_orphans) > 0; i++)); do sleep 0.1; done
	vpid=''
}
# vsftpd leaves exited session processes to init (ppid 1); some inits reap
# them only every few seconds. Counted (never signalled) to let them go.
vsftpd_orphans() { ps -o stat=,ppid= -C vsftpd 2>/dev/null | awk '$1 ~ /^Z/ && $2 == 1' | wc -l; }
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local rc=$?
	trap - EXIT INT TERM HUP PIPE
	[[ -n $load_pid ]] && stop_pid "$load_pid"
	[[ -n $idle_pid ]] && stop_pid "$idle_pid"
	stop_vsftpd
	[[ -n $fpid ]] && stop_pid "$fpid"
	[[ -n $policy_made ]] && rm -f /usr/sbin/policy-rc.d
	if [[ -n $work ]]; then
		if ((keep)); then say "kept $work"; else rm -rf "$work"; fi
	fi
	exit "$rc"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

# PID and all its descendants, from the ppid fields of /proc/*/stat.
descendants() {
	{ cat /proc/[0-9]*/stat 2>/dev/null || true; } | awk -v root="$1" '
		{ s = $0; sub(/.*\) /, "", s); split(s, f, " "); kids[f[2]] = kids[f[2]] " " $1 }
		END { q[1] = root; n = 1
		      for (i = 1; i <= n; i++) { print q[i]; m = split(kids[q[i]], k, " ")
		                                  for (j = 1; j <= m; j++) q[++n] = k[j] } }'
}
pss_kib() { # PID...: the sum of their PSS, KiB
	printf '/proc/%s/smaps_rollup\n' "$@" | xargs cat 2>/dev/null |
		awk '/^Pss:/ { s += $2 } END { print s + 0 }' || true
}

# --- vsftpd, tools, files ------------------------------------------------------
install_vsftpd() {
	command -v apt-get >/dev/null || die "vsftpd is missing and there is no apt-get"
	say "installing vsftpd with apt-get (its system service is not started)"
	if [[ ! -e /usr/sbin/policy-rc.d ]]; then # keep the package from starting a daemon on :21
		printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
		chmod 755 /usr/sbin/policy-rc.d
		policy_made=1
	fi
	export DEBIAN_FRONTEND=noninteractive
	apt-get install -y -q --no-install-recommends vsftpd >&2 ||
		{ apt-get update -q >&2 && apt-get install -y -q --no-install-recommends vsftpd >&2; }
	[[ -n $policy_made ]] && rm -f /usr/sbin/policy-rc.d && policy_made=
	if [[ -d /run/systemd/system ]]; then
		systemctl disable --now vsftpd.service >/dev/null 2>&1 || true
		say "disabled the vsftpd.service that the package enabled"
	fi
}
[[ -x /usr/sbin/vsftpd ]] || install_vsftpd
vsftpd_version=$(dpkg-query -W -f='${Version}' vsftpd 2>/dev/null || echo unknown)
getent passwd ftp >/dev/null || die "vsftpd needs the user ftp (made by the vsftpd package)"

avail=$(df --output=avail -B1 /dev/shm 2>/dev/null | tail -1 || echo 0)
need=$((2 * size + (1 << 30))) # the file, one upload, logs, and room for others
if ((avail > need)); then base=/dev/shm fs="tmpfs /dev/shm"; else base=/var/tmp fs="disk /var/tmp"; fi
work=$(mktemp -d "$base/ftplab-bench.XXXXXX")
chmod 755 "$work"
root=$work/root
mkdir -p "$root/incoming" "$work/empty"
chmod 755 "$root" "$work/empty"
chmod 777 "$root/incoming"
say "files in $work ($fs); writing the ${size_mib} MiB file"
want xfer && dd if=/dev/zero of="$root/big" bs=1M count="$size_mib" status=none
head -c "$small" /dev/urandom >"$root/small"
find "$root" -maxdepth 1 -type f -exec chmod 644 {} +

ftpload=$bindir/ftpload
if [[ ! -x $ftpload || $here/ftpload.c -nt $ftpload ]]; then
	ftpload=$work/ftpload
	gcc -std=c17 -O2 -Wall -Wextra -Werror -o "$ftpload" "$here/ftpload.c" || die "cannot build ftpload"
fi

hard=$(ulimit -Hn)
nofile=65536
[[ $hard != unlimited ]] && ((hard < nofile)) && nofile=$hard
ulimit -n "$nofile"
((nofile >= idle_n + 100)) || die "ulimit -n is at most $nofile: too low for $idle_n sessions"
if want idle; then # vsftpd needs two processes per session
	pid_max=$(cat /proc/sys/kernel/pid_max)
	procs=(/proc/[0-9]*)
	nprocs=${#procs[@]}
	((2 * idle_n + nprocs + 1000 < pid_max)) ||
		say "warning: kernel.pid_max is $pid_max, $nprocs processes run: vsftpd may not fork $((2 * idle_n))"
fi

# --- ports and servers ------------------------------------------------------------
read -r eph_lo eph_hi </proc/sys/net/ipv4/ip_local_port_range
if ((eph_hi <= 65535 - 4400)); then pasv=$((eph_hi + 1)); else pasv=$((eph_lo - 4400)); fi
free_port() { # a port nobody listens on, outside the ephemeral and passive ranges
	local p
	for p in $(shuf -i 20000-29999 -n 50); do
		[[ -z $(ss -Htln "sport = :$p") ]] && { echo "$p"; return; }
	done
	die "no free port found"
}
fport=$(free_port)
vport=$(free_port)
[[ $vport != "$fport" ]] || vport=$(free_port)
declare -A port=([ftplab]=$fport [vsftpd]=$vport)
declare -A src=([ftplab]=2:8 [vsftpd]=10:8) # client source addresses 127.0.0.A..

wait_listen() { # NAME PORT PID LOG
	local i
	for ((i = 0; i < 100; i++)); do
		kill -0 "$3" 2>/dev/null || { tail -5 "$4" >&2; die "$1 exited at start"; }
		(exec 3<>"/dev/tcp/127.0.0.1/$2") 2>/dev/null && return 0
		sleep 0.1
	done
	die "$1 does not listen on 127.0.0.1:$2"
}

# --quiet: vsftpd with xferlog off writes no routine log lines either.
setsid "$server" -r "$root" -l "127.0.0.1:$fport" --anonymous=rw --max-sessions 20000 \
	--max-per-ip 20000 --idle-timeout 600 --login-timeout 600 --quiet \
	--pasv-ports "$pasv-$((pasv + 2199))" </dev/null 2>"$work/ftplab.log" &
fpid=$!

cat >"$work/vsftpd.conf" <<EOF
listen=YES
listen_ipv6=NO
listen_address=127.0.0.1
listen_port=$vport
background=NO
anonymous_enable=YES
local_enable=NO
anon_root=$root
write_enable=YES
anon_upload_enable=YES
anon_mkdir_write_enable=YES
anon_other_write_enable=YES
chown_uploads=NO
pasv_enable=YES
pasv_min_port=$((pasv + 2200))
pasv_max_port=$((pasv + 4399))
max_clients=20000
max_per_ip=20000
idle_session_timeout=600
data_connection_timeout=600
seccomp_sandbox=NO
isolate=NO
isolate_network=NO
use_localtime=NO
xferlog_enable=NO
secure_chroot_dir=$work/empty
EOF
setsid /usr/sbin/vsftpd "$work/vsftpd.conf" </dev/null 2>"$work/vsftpd.log" &
vpid=$!
wait_listen ftplab-server "$fport" "$fpid" "$work/ftplab.log"
wait_listen vsftpd "$vport" "$vpid" "$work/vsftpd.log"
[[ $(cat "/proc/$vpid/comm") == vsftpd ]] || die "vsftpd is not pid $vpid"
say "ftplab-server on 127.0.0.1:$fport (pid $fpid), vsftpd on 127.0.0.1:$vport (pid $vpid)"

# --- measuring ----------------------------------------------------------------------
# ftpload runs in the background so that Ctrl-C reaches our trap at once;
# its result line lands in $res. Its status is ignored: errors are in the line.
res=
load() {
	"$ftpload" "$@" >"$work/load.out" 2>>"$work/load.err" &
	load_pid=$!
	wait "$load_pid" || true
	load_pid=
	res=$(tail -1 "$work/load.out")
}
kv() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$2"; } # KEY LINE
settle() { # let vsftpd's session processes of the last test exit (at most 30 s)
	local i
	for ((i = 0; i < 300; i++)); do
		(($(descendants "$vpid" | wc -l) <= 1 && $(vsftpd_orphans) == 0)) && return
		sleep 0.1
	done
	say "vsftpd still has session processes after 30 s"
}
declare -A val err
note() { notes+=("$*"); say "$*"; }
notes=()

test_xfer() {
	local r s ok mbps got cmd
	for cmd in retr stor; do
		for s in ftplab vsftpd; do val[$cmd.$s]=0 err[$cmd.$s]=0; done
	done
	for ((r = 1; r <= runs; r++)); do
		for s in ftplab vsftpd; do
			load retr 127.0.0.1 "${port[$s]}" --file /big --size "$size" --seconds 600 \
				--sources "${src[$s]}"
			ok=$(kv ok "$res") mbps=$(kv mbps "$res")
			if [[ $ok == 1 && $(kv bytes "$res") == "$size" ]]; then
				val[retr.$s]=$(awk -v a="${val[retr.$s]}" -v b="$mbps" 'BEGIN { print (b > a ? b : a) }')
			else
				err[retr.$s]=$((${err[retr.$s]} + 1))
				note "RETR from $s failed: ${res:-no output}"
			fi
			rm -f "$root/incoming/up"
			load stor 127.0.0.1 "${port[$s]}" --file /incoming/up --size "$size" --seconds 600 \
				--sources "${src[$s]}"
			ok=$(kv ok "$res") mbps=$(kv mbps "$res")
			got=$(stat -c %s "$root/incoming/up" 2>/dev/null || echo 0)
			if [[ $ok == 1 && $got == "$size" ]]; then
				val[stor.$s]=$(awk -v a="${val[stor.$s]}" -v b="$mbps" 'BEGIN { print (b > a ? b : a) }')
			else
				err[stor.$s]=$((${err[stor.$s]} + 1))
				note "STOR to $s failed (file has $got bytes): ${res:-no output}"
			fi
			rm -f "$root/incoming/up"
			say "run $r/$runs $s: RETR ${val[retr.$s]} MB/s, STOR ${val[stor.$s]} MB/s (best so far)"
		done
	done
}

test_sessions() {
	local c s
	for c in 16 64; do
		for s in ftplab vsftpd; do
			settle
			load sessions 127.0.0.1 "${port[$s]}" --clients "$c" --seconds "$secs" \
				--max $((secs * 200000)) --file /small --size "$small" --sources "${src[$s]}"
			val[sess$c.$s]=$(kv rate "$res") err[sess$c.$s]=$(kv errors "$res")
			[[ -n ${val[sess$c.$s]} ]] || { val[sess$c.$s]=0 err[sess$c.$s]=1; }
			[[ ${err[sess$c.$s]} == 0 ]] || note "sessions x$c on $s: $res"
			say "sessions x$c $s: $res"
		done
	done
}

test_noop() {
	local s
	for s in ftplab vsftpd; do
		settle
		load noop 127.0.0.1 "${port[$s]}" --clients 16 --seconds "$secs" --sources "${src[$s]}"
		val[noop.$s]=$(kv rate "$res") err[noop.$s]=$(kv errors "$res")
		[[ -n ${val[noop.$s]} ]] || { val[noop.$s]=0 err[noop.$s]=1; }
		[[ ${err[noop.$s]} == 0 ]] || note "NOOP on $s: $res"
		say "noop x16 $s: $res"
	done
}

server_pids() { if [[ $1 == ftplab ]]; then echo "$fpid"; else descendants "$vpid"; fi; }

idle_one() { # NAME
	local s=$1 before after ok e i line pids cap=$((60 + idle_n / 20)) outf=$work/idle-$1.out
	settle
	sleep 0.5
	: >"$outf" # before the background job starts: no stale "ready" line
	mapfile -t pids < <(server_pids "$s")
	before=$(pss_kib "${pids[@]}")
	"$ftpload" idle 127.0.0.1 "${port[$s]}" --clients "$idle_n" --seconds "$cap" --hold 900 \
		--sources "${src[$s]}" >"$outf" 2>>"$work/load.err" &
	idle_pid=$!
	for ((i = 0; i < (cap + 10) * 5; i++)); do
		grep -q '^ready' "$outf" && break
		kill -0 "$idle_pid" 2>/dev/null || break
		sleep 0.2
	done
	line=$(grep '^ready' "$outf" || true)
	sleep 1
	mapfile -t pids < <(server_pids "$s")
	after=$(pss_kib "${pids[@]}")
	stop_pid "$idle_pid"
	idle_pid=
	line="$line | $(tail -1 "$outf")"
	ok=$(kv ok "$line") e=$(kv errors "$line")
	e=${e:-1}
	[[ $ok == "$idle_n" ]] || e=$((e + 1))
	[[ $(kv dropped "$line") == 0 ]] || e=$((e + 1))
	err[idle.$s]=$e
	val[idle.$s]=$(awk -v a="$after" -v b="$before" -v n="${ok:-0}" 'BEGIN { printf "%.1f", n ? (a - b) / n : 0 }')
	((e == 0)) || note "idle sessions on $s: $line"
	note "idle: $s PSS $before KiB before, $after KiB with $ok sessions (${#pids[@]} processes, opened in $(kv seconds "$line") s): ${val[idle.$s]} KiB per session"
}
test_idle() { idle_one ftplab; idle_one vsftpd; settle; }

started=$(date -u '+%Y-%m-%d %H:%M UTC')
load_avg=$(cut -d' ' -f1-3 /proc/loadavg)
# Memory first, while both servers are fresh: a heap grown by earlier tests
# would hide part of what the idle sessions cost.
want idle && test_idle
want xfer && test_xfer
want sessions && test_sessions
want noop && test_noop
stop_vsftpd
stop_pid "$fpid"
fpid=

# --- report ------------------------------------------------------------------------
any_err=0
rows=()
row() { # METRIC KEY KIND(ratio|max) TARGET TARGET_TEXT
	local f=${val[$2.ftplab]:-} v=${val[$2.vsftpd]:-} fe=${err[$2.ftplab]:-0} ve=${err[$2.vsftpd]:-0}
	local ratio verdict fc vc
	ratio=$(awk -v f="$f" -v v="$v" 'BEGIN { if (v > 0 && f > 0) printf "%.3g×", f / v; else print "—" }')
	if ((fe || ve)); then
		verdict=ERRORS any_err=1
	elif [[ $3 == ratio ]]; then
		verdict=$(awk -v f="$f" -v v="$v" -v t="$4" 'BEGIN { print (v > 0 && f / v >= t) ? "PASS" : "MISS" }')
	else
		verdict=$(awk -v f="$f" -v t="$4" 'BEGIN { print (f <= t) ? "PASS" : "MISS" }')
	fi
	fc=$f vc=$v
	((fe)) && fc="$f ($fe errors)"
	((ve)) && vc="$v ($ve errors)"
	rows+=("| $1 | $fc | $vc | $ratio | $5 | $verdict |")
}
fmt_n() { printf "%'d" "$1"; }
want xfer && row "RETR $size_mib MiB, best of $runs (MB/s)" retr ratio 1.0 "≥ 1.0× vsftpd"
want xfer && row "STOR $size_mib MiB, best of $runs (MB/s)" stor ratio 1.0 "≥ 1.0× vsftpd"
want sessions && row "sessions/s, 16 clients (64 KiB RETR each)" sess16 ratio 15 "≥ 15× vsftpd"
want sessions && row "sessions/s, 64 clients (64 KiB RETR each)" sess64 ratio 15 "≥ 15× vsftpd"
want noop && row "NOOP round trips/s, 16 sessions" noop ratio 1.5 "≥ 1.5× vsftpd"
want idle && row "PSS per idle session, $(fmt_n "$idle_n") sessions (KiB)" idle max 4 \
	"≤ 4 KiB (lower is better)"

cpu=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)
mem=$(awk '/^MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)
mkdir -p "$(dirname "$out")"
{
	echo "# ftplab-server vs vsftpd"
	echo
	echo "- date: $started"
	echo "- machine: ${cpu:-unknown CPU}, $(nproc) cores, $mem memory, Linux $(uname -r)"
	echo "- versions: $("$server" --version | head -1) ($server); vsftpd $vsftpd_version (Debian package)"
	echo "- load average at the start: $load_avg (the benchmark wants an otherwise idle machine)"
	echo "- run: $( ((quick)) && echo "--quick (smoke test, not a result)" || echo full); tests: $only;" \
		"files on $fs; ${secs} s per sessions/NOOP run; $(fmt_n "$idle_n") idle sessions"
	echo
	echo "| metric | ftplab-server | vsftpd | ratio | target | verdict |"
	echo "|---|---|---|---|---|---|"
	printf '%s\n' "${rows[@]}"
	echo
	echo "Ratio = ftplab-server / vsftpd. MB/s = 10^6 bytes/s. A session = connect, banner, USER," \
		"PASS, TYPE I, EPSV, RETR of a 64 KiB file (all bytes and the 226), QUIT, close." \
		"PSS per session = (PSS with the sessions open - PSS before) / sessions; for vsftpd" \
		"summed over the listener and all its descendants. ERRORS: some transfers or sessions" \
		"failed (counts in the cells), the numbers are not to be trusted. See bench/README.md."
	if ((${#notes[@]})); then
		echo
		echo "Notes:"
		printf -- '- %s\n' "${notes[@]}"
	fi
	if [[ -s $work/load.err ]]; then
		echo
		echo "First errors reported by ftpload:"
		echo
		sort "$work/load.err" | uniq -c | sort -rn | head -10 | sed 's/^/    /'
	fi
} >"$out"
echo
printf '%s\n' "| metric | ftplab-server | vsftpd | ratio | target | verdict |" "|---|---|---|---|---|---|" "${rows[@]}"
echo
say "results in ${out#"$top"/}"
exit "$any_err"
