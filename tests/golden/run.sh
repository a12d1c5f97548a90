#!/usr/bin/env bash
# tests/golden/run.sh - the analyzer's golden tests, tcpdump TESTLIST style:
# each row of a TESTLIST is "name pcap expected flags...": run
#   ftplab-analyzer -r PCAP FLAGS
# and compare its standard output with EXPECTED byte for byte (PCAP and
# EXPECTED relative to the TESTLIST's folder). A row whose flags include
# --normalize (the lab's captures, captures/lab/TESTLIST, written by
# `./ftplab lab record`) does not pass it to the analyzer: its output goes
# through tests/golden/normalize.py (times, random ports) first, one
# python3 for all such rows.
#   tests/golden/run.sh BIN_DIR                 captures/TESTLIST and captures/lab/TESTLIST
#   tests/golden/run.sh BIN_DIR --update        rewrite the expected files
#   tests/golden/run.sh BIN_DIR [--update] TESTLIST...   only these lists
# Standard error must stay empty (a sanitizer report fails the row).
set -uo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
bin=${1:?usage: run.sh BIN_DIR [--update] [TESTLIST...]}
shift
update=0
if [[ ${1:-} == --update ]]; then
	update=1
	shift
fi
lists=("$@")
if ((${#lists[@]} == 0)); then
	lists=("$top/captures/TESTLIST")
	[[ -f $top/captures/lab/TESTLIST ]] && lists+=("$top/captures/lab/TESTLIST")
fi
ana=$bin/ftplab-analyzer
normalize=$top/tests/golden/normalize.py
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
pass=0 fail=0
# pass 1: run the analyzer for every row; pass 2: normalise the outputs of
# the --normalize rows (one python3 for all), then compare
names=() dirs=() expects=() rcs=() tonorm=()
n=0
for list in "${lists[@]}"; do
	[[ -f $list ]] || { echo "FAIL: no TESTLIST $list"; fail=$((fail + 1)); continue; }
	caps=$(cd "$(dirname "$list")" && pwd)
	while read -r name pcap expected flags; do
		[[ -z $name || $name == \#* ]] && continue
		norm=0
		args=()
		read -r -a words <<<"$flags"
		for f in "${words[@]}"; do
			if [[ $f == --normalize ]]; then norm=1; else args+=("$f"); fi
		done
		n=$((n + 1))
		timeout 120 "$ana" -r "$caps/$pcap" "${args[@]}" >"$tmp/$n.out" 2>"$tmp/$n.err"
		rcs+=($?)
		names+=("$name") dirs+=("$caps") expects+=("$expected")
		((norm)) && tonorm+=("$tmp/$n.out")
	done <"$list"
done
if ((${#tonorm[@]})) && ! python3 "$normalize" "${tonorm[@]}" 2>"$tmp/normalize.err"; then
	echo "FAIL: tests/golden/normalize.py:"; cat "$tmp/normalize.err"
	fail=$((fail + 1))
fi
for ((i = 1; i <= n; i++)); do
	name=${names[i - 1]} caps=${dirs[i - 1]} expected=${expects[i - 1]} rc=${rcs[i - 1]}
	where=${caps#"$top"/}
	if ((update)); then
		cp "$tmp/$i.out" "$caps/$expected"
	fi
	if ((rc != 0)) || [[ -s $tmp/$i.err ]]; then
		echo "FAIL $name: exit $rc, stderr:"; head -20 "$tmp/$i.err"
		fail=$((fail + 1))
	elif ! cmp -s "$tmp/$i.out" "$caps/$expected"; then
		echo "FAIL $name: output differs from $where/$expected:"
		diff -u "$caps/$expected" "$tmp/$i.out" | head -40
		fail=$((fail + 1))
	else
		pass=$((pass + 1))
	fi
done
echo "golden: $pass passed, $fail failed"
((fail == 0 && pass > 0))
