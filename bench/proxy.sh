#!/usr/bin/env bash
# bench/proxy.sh - ftplab-proxy (transparent, on a NAT box) side by side with
# the kernel FTP ALG and with no middlebox at all, in one run on one
# client -- NAT -- server namespace topology: RETR throughput, NOOP latency,
# sessions per second, memory per proxied idle session. Writes
# bench/results/proxy.md (--quick: proxy-quick.md) and prints it. As root:
#   bench/proxy.sh [BINDIR] [--quick] [--only LIST]
# The measuring is done by bench/proxy_bench.py (it builds the namespaces with
# tests/netns/topo.py, which removes them, their rules and every process
# started in them on exit, Ctrl-C included). See bench/README.md.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$top/bench

usage() {
	cat <<'USAGE'
Usage: bench/proxy.sh [BINDIR] [OPTION]...
Benchmarks ftplab-proxy (from BINDIR, default build/bin) in transparent mode on
a NAT box against the kernel FTP ALG and against no NAT, inside network
namespaces it creates and removes; writes bench/results/proxy.md. Run as root.
Takes about 5 minutes and both cores: run it on a quiet machine.

  --quick              smoke test (< 1 min): 64 MiB, 1 run, 500 NOOPs, 2 s
                       sessions runs, 1,000 idle sessions; writes proxy-quick.md
  --only LIST          a subset: comma-separated of xfer,noop,sessions,idle
  --size-mib N         RETR file size (default 1024)
  --runs N             RETR runs per path, best kept (default 5)
  --noops N            NOOPs of the latency test (default 2000)
  --seconds S          duration of each sessions-per-second run (default 5)
  --idle-sessions N    proxied idle sessions for the memory test (default 10000)
  --out FILE           write the results there instead
  --keep               keep the topology's temporary folder (logs)
  -h, --help           this text
USAGE
}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

quick=0 only=xfer,noop,sessions,idle out='' keep=0 bindir=''
size_mib='' runs='' noops='' secs='' idle_n=''
while (($#)); do
	case $1 in
	--quick) quick=1 ;;
	--only) only=${2:?--only needs a list}; shift ;;
	--only=*) only=${1#*=} ;;
	--size-mib) size_mib=${2:?}; shift ;;
	--runs) runs=${2:?}; shift ;;
	--noops) noops=${2:?}; shift ;;
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
	: "${size_mib:=64}" "${runs:=1}" "${noops:=500}" "${secs:=2}" "${idle_n:=1000}"
	: "${out:=$here/results/proxy-quick.md}"
fi
: "${size_mib:=1024}" "${runs:=5}" "${noops:=2000}" "${secs:=5}" "${idle_n:=10000}"
: "${out:=$here/results/proxy.md}" "${bindir:=$top/build/bin}"
[[ $bindir == /* ]] || bindir=$PWD/$bindir
[[ $out == /* ]] || out=$PWD/$out
for n in "$size_mib" "$runs" "$noops" "$secs" "$idle_n"; do
	[[ $n =~ ^[1-9][0-9]{0,6}$ ]] || die "not a positive number: $n"
done
((idle_n <= 100000 && runs <= 20 && secs <= 600)) || die "--idle-sessions ≤ 100000, --runs ≤ 20, --seconds ≤ 600"
for t in ${only//,/ }; do
	[[ $t =~ ^(xfer|noop|sessions|idle)$ ]] || die "--only: unknown test $t"
done
((EUID == 0)) || die "run as root: network namespaces and iptables need it"
for b in ftplab-server ftplab-proxy; do
	[[ -x $bindir/$b ]] || die "no $bindir/$b: run ./ftplab build first"
done
for c in python3 curl ip iptables; do
	command -v "$c" >/dev/null || die "$c is missing (./ftplab setup installs it)"
done

# Two fds per proxied session (client and server sockets), one per session in
# the client and in the server: raise the soft limit to the hard one (it is
# inherited by every process started in the namespaces).
hard=$(ulimit -Hn)
[[ $hard == unlimited ]] && hard=1048576
nofile=$((hard < 65536 ? hard : 65536))
ulimit -n "$nofile"
need=$((2 * idle_n + 64))
((nofile >= need)) || say "ulimit -n is at most $nofile: the proxy cannot hold $idle_n sessions" \
	"($need fds); the idle test measures as many as fit and says so"

# proxy_bench.py runs in the background, in its own process group, so that
# Ctrl-C reaches this trap at once; the trap hands the signal on and waits
# (bounded) for topo's close() to remove namespaces, rules and processes.
py_pid=
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local st=$? i
	trap - EXIT INT TERM HUP PIPE
	if [[ -n $py_pid ]] && kill -0 "$py_pid" 2>/dev/null; then
		kill -TERM "$py_pid" 2>/dev/null || true
		for ((i = 0; i < 150; i++)); do
			kill -0 "$py_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$py_pid" 2>/dev/null && kill -KILL "$py_pid" 2>/dev/null
		wait "$py_pid" 2>/dev/null || true
	fi
	exit "$st"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE

args=(run "$bindir" "$out" --size-mib "$size_mib" --runs "$runs" --noops "$noops"
	--seconds "$secs" --idle-sessions "$idle_n" --only "$only")
((quick)) && args+=(--quick)
((keep)) && args+=(--keep)
rm -f "$out"
setsid python3 "$here/proxy_bench.py" "${args[@]}" </dev/null &
py_pid=$!
st=0
wait "$py_pid" || st=$?
py_pid=
[[ -s $out ]] || { say "no results (status $st)"; exit 1; }
echo
cat "$out"
echo
say "results in ${out#"$top"/}"
exit "$((st == 0 ? 0 : 1))"
