#!/usr/bin/env bash
# Every program answers --help and --version with status 0 and says its name,
# and refuses an unknown option with a non-zero status.
set -u
bin=$1
fail=0
for p in ftplab-server ftplab-proxy ftplab-analyzer; do
	out=$("$bin/$p" --help 2>&1) || { echo "FAIL: $p --help exited $?"; fail=1; }
	grep -q "Usage: $p" <<<"$out" || { echo "FAIL: $p --help has no usage line"; fail=1; }
	out=$("$bin/$p" --version 2>&1) || { echo "FAIL: $p --version exited $?"; fail=1; }
	grep -Eq "^$p [0-9]+\.[0-9]+\.[0-9]+" <<<"$out" || { echo "FAIL: $p --version: $out"; fail=1; }
	if "$bin/$p" --no-such-option >/dev/null 2>&1; then
		echo "FAIL: $p accepted --no-such-option"; fail=1
	fi
done
((fail == 0)) && echo "programs answer --help and --version"
exit $fail
