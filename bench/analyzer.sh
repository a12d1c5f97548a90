#!/usr/bin/env bash
# bench/analyzer.sh - ftplab-analyzer side by side with tshark and tcpdump, in
# one run, on two generated captures: a large one (>= 500,000 packets, the
# shared FTP traces replayed with distinct flows) and a data-heavy one (one
# FTP session with a 1 GiB RETR, > 1 GB of pcap). Packets/s, MB/s and peak
# RSS, reported as ratios against the targets in bench/results/analyzer.md
# (--quick: analyzer-quick.md). Run by hand (root is not needed):
#   ./ftplab bench analyzer   or   bench/analyzer.sh [BINDIR] [--quick] [--runs N]
# The captures are made and the tools timed by bench/analyzer_bench.py. See
# bench/README.md.
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
here=$top/bench

usage() {
	cat <<'USAGE'
Usage: bench/analyzer.sh [BINDIR] [OPTION]...
Times ftplab-analyzer --json (from BINDIR, default build/bin) against tshark and
tcpdump on a large capture (>= 500,000 packets) and a data-heavy one (a 1 GiB
transfer) that it generates into a temporary folder, and writes
bench/results/analyzer.md. Takes about 3 minutes, 1.3 GB of /dev/shm (or
/var/tmp) and the whole machine (one tool at a time; ftplab-analyzer decodes on
one core and formats on another): run it on a quiet machine.

  --quick              smoke test (< 1 min): >= 50,000 packets, a 64 MiB
                       transfer, 1 run; writes analyzer-quick.md
  --runs N             runs per tool and capture, best kept (default 3)
  --min-packets N      packets of the large capture, at least (default 500000)
  --data-mib N         the data-heavy capture's transfer in MiB (default 1024)
  --timeout S          limit for each run of a tool (default 900)
  --captures DIR       the traces to replay (default ../shared/captures; the
                       project's captures/*.pcap when that is missing)
  --cache              keep the generated captures in build/bench-cache/analyzer
                       and use them again next time (same parameters)
  --out FILE           write the results there instead
  --keep               keep the temporary folder
  -h, --help           this text
USAGE
}

say() { printf 'bench: %s\n' "$*" >&2; }
die() { say "$*"; exit 2; }

quick=0 out='' keep=0 bindir='' cache=0 captures=''
runs='' min_packets='' data_mib='' timeout=''
while (($#)); do
	case $1 in
	--quick) quick=1 ;;
	--runs) runs=${2:?}; shift ;;
	--min-packets) min_packets=${2:?}; shift ;;
	--data-mib) data_mib=${2:?}; shift ;;
	--timeout) timeout=${2:?}; shift ;;
	--captures) captures=${2:?}; shift ;;
	--cache) cache=1 ;;
	--out) out=${2:?}; shift ;;
	--keep) keep=1 ;;
	-h | --help) usage; exit 0 ;;
	-*) usage >&2; exit 2 ;;
	*) bindir=$1 ;;
	esac
	shift
done
if ((quick)); then
	: "${runs:=1}" "${min_packets:=50000}" "${data_mib:=64}" "${timeout:=300}"
	: "${out:=$here/results/analyzer-quick.md}"
fi
: "${runs:=3}" "${min_packets:=500000}" "${data_mib:=1024}" "${timeout:=900}"
: "${out:=$here/results/analyzer.md}" "${bindir:=$top/build/bin}"
[[ $bindir == /* ]] || bindir=$PWD/$bindir
[[ $out == /* ]] || out=$PWD/$out
for n in "$runs" "$min_packets" "$data_mib" "$timeout"; do
	[[ $n =~ ^[1-9][0-9]{0,7}$ ]] || die "not a positive number: $n"
done
((runs <= 20 && data_mib <= 16384 && min_packets <= 1500000 && timeout <= 3600)) ||
	die "--runs ≤ 20, --data-mib ≤ 16384, --min-packets ≤ 1500000, --timeout ≤ 3600"
[[ -x $bindir/ftplab-analyzer ]] || die "no $bindir/ftplab-analyzer: run ./ftplab build first"
for c in python3 tshark tcpdump; do
	command -v "$c" >/dev/null || die "$c is missing (./ftplab setup installs it)"
done
if [[ -n $captures ]]; then
	[[ -d $captures ]] || die "--captures: no folder $captures"
	captures=$(cd "$captures" && pwd)
fi

# The captures live on tmpfs when it has room (no disk in the timings), else
# on /var/tmp. About the data capture plus 10 %, the large one, and room.
need=$(((data_mib << 20) * 11 / 10 + (min_packets * 200) + (256 << 20)))
avail=$(df --output=avail -B1 /dev/shm 2>/dev/null | tail -1 || echo 0)
if ((avail > need)); then
	base=/dev/shm fs="tmpfs /dev/shm"
else
	base=/var/tmp fs="disk /var/tmp"
fi
work='' py_pid=''
# shellcheck disable=SC2317 # run by the trap
cleanup() {
	local st=$? i
	trap - EXIT INT TERM HUP PIPE
	if [[ -n $py_pid ]] && kill -0 "$py_pid" 2>/dev/null; then
		kill -TERM "$py_pid" 2>/dev/null || true # it kills the tool it is running
		for ((i = 0; i < 100; i++)); do
			kill -0 "$py_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -0 "$py_pid" 2>/dev/null && kill -KILL "$py_pid" 2>/dev/null
		wait "$py_pid" 2>/dev/null || true
	fi
	if [[ -n $work ]]; then
		if ((keep)); then say "kept $work"; else rm -rf "$work"; fi
	fi
	exit "$st"
}
trap cleanup EXIT
trap 'say interrupted; exit 130' INT
trap 'exit 143' TERM
trap 'exit 129' HUP
trap 'exit 141' PIPE
work=$(mktemp -d "$base/ftplab-bench-analyzer.XXXXXX")
say "working in $work ($fs)"

((cache)) && fs="build/bench-cache/analyzer (on disk, read from the page cache)"
args=(run "$bindir" "$out" "$work" --runs "$runs" --min-packets "$min_packets"
	--data-mib "$data_mib" --timeout "$timeout" --fs "$fs")
((quick)) && args+=(--quick)
((cache)) && args+=(--cache "$top/build/bench-cache/analyzer")
[[ -n $captures ]] && args+=(--captures "$captures")
rm -f "$out"
# In the background and in its own session, so that Ctrl-C reaches the trap
# at once; the Python kills the tool it runs when it gets SIGTERM.
setsid python3 "$here/analyzer_bench.py" "${args[@]}" </dev/null &
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
