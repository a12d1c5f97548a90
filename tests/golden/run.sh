#!/usr/bin/env bash
# tests/golden/run.sh - the analyzer's golden tests, tcpdump TESTLIST style:
# each row of captures/TESTLIST is "name pcap expected flags...": run
#   ftplab-analyzer -r captures/PCAP FLAGS
# and compare its standard output with captures/EXPECTED byte for byte.
#   tests/golden/run.sh BIN_DIR            check every row (exit 1 on a difference)
#   tests/golden/run.sh BIN_DIR --update   rewrite the expected files
# Standard error must stay empty (a sanitizer report fails the row).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:?usage: run.sh BIN_DIR [--update]}
update=0
[[ ${2:-} == --update ]] && update=1
ana=$bin/ftplab-analyzer
caps=$top/captures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0

while read -r name pcap expected flags; do
	[[ -z $name || $name == \#* ]] && continue
	# shellcheck disable=SC2086
	timeout 120 "$ana" -r "$caps/$pcap" $flags >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if ((update)); then
		cp "$tmp/out" "$caps/$expected"
	fi
	if ((rc != 0)) || [[ -s $tmp/err ]]; then
		echo "FAIL $name: exit $rc, stderr:"; head -20 "$tmp/err"
		fail=$((fail + 1))
	elif ! cmp -s "$tmp/out" "$caps/$expected"; then
		echo "FAIL $name: output differs from captures/$expected:"
		diff -u "$caps/$expected" "$tmp/out" | head -40
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done <"$caps/TESTLIST"
echo "golden: $pass passed, $fail failed"
((fail == 0 && pass > 0))
