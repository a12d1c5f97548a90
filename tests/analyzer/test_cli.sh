#!/usr/bin/env bash
# ftplab-analyzer's command line end to end on the project's captures:
# standard input and gzip input give the same records as the file, --extract
# writes exactly the complete transfers (sha256 as reported, names inside
# DIR), bad input gets a clear message and a non-zero status (never a crash),
# -c stops early, -w copies what was read, --list-diagnostics lists them all.
#   tests/analyzer/test_cli.sh BIN_DIR
set -uo pipefail
bin=${1:?usage: test_cli.sh BIN_DIR}
ana=$bin/ftplab-analyzer
top=$(cd "$(dirname "$0")/../.." && pwd)
caps=$top/captures
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
ok() { echo "ok: $*"; }
bad() { echo "FAIL: $*"; fail=1; }

ref=$("$ana" -r "$caps/active.pcap" --json) || bad "reading active.pcap"
[[ $("$ana" -r - --json <"$caps/active.pcap") == "$ref" ]] && ok "stdin" || bad "stdin differs"
gzip -c "$caps/active.pcap" >"$tmp/a.pcap.gz"
[[ $("$ana" -r "$tmp/a.pcap.gz" --json) == "$ref" ]] && ok ".gz" || bad ".gz differs"
[[ $("$ana" -r - --json <"$tmp/a.pcap.gz") == "$ref" ]] && ok "gzip on stdin" || bad "gzip stdin"

# --extract: one file per complete transfer, its sha256 the one reported
out=$("$ana" -r "$caps/active.pcap" --json --extract "$tmp/x") || bad "--extract exit"
n=0
while IFS=$'\t' read -r path sha; do
	n=$((n + 1))
	[[ $path == "$tmp/x/"* && $path != *..* ]] || bad "extracted outside DIR: $path"
	[[ $(sha256sum "$path" | cut -d' ' -f1) == "$sha" ]] || bad "sha256 of $path"
done < <(python3 -c '
import json, sys
for l in sys.stdin:
    r = json.loads(l)
    if r["type"] == "transfer" and r["status"] == "complete":
        print("%s\t%s" % (r["extracted"], r["sha256"]))' <<<"$out")
((n == 2)) && [[ $(ls "$tmp/x" | wc -l) == 2 ]] && ok "--extract: 2 files" || bad "--extract: $n"
# an aborted transfer leaves no file
"$ana" -r "$caps/abort.pcap" --extract "$tmp/y" >/dev/null || bad "--extract abort"
[[ -z $(ls "$tmp/y") ]] && ok "aborted transfer not extracted" || bad "abort extracted"

# bad input: clear messages, status 1, no crash
check_err() { # expected-status pattern command...
	local want=$1 pat=$2; shift 2
	local e rc
	e=$("$@" 2>&1 >/dev/null); rc=$?
	if ((rc == want)) && grep -q -- "$pat" <<<"$e"; then ok "$pat"; else bad "$* -> $rc: $e"; fi
}
check_err 1 "No such file" "$ana" -r "$tmp/none.pcap"
head -c 24 "$caps/active.pcap" >"$tmp/hdr.pcap"
head -c 3000 "$caps/active.pcap" >"$tmp/cut.pcap"
echo "not a capture at all" >"$tmp/junk.pcap"
check_err 1 "unknown file format\|bad dump file format" "$ana" -r "$tmp/junk.pcap"
"$ana" -r "$tmp/hdr.pcap" >/dev/null 2>&1 && ok "header only: empty output" || bad "header only"
e=$("$ana" -r "$tmp/cut.pcap" 2>&1 >/dev/null); rc=$?
((rc <= 1)) && ok "truncated file: status $rc ($e)" || bad "truncated: $rc"
python3 - "$tmp/dlt.pcap" <<'PY'
import struct, sys
with open(sys.argv[1], "wb") as f:   # link type 147 (USER0): not decodable
    f.write(struct.pack("<IHHiIII", 0xa1b2c3d4, 2, 4, 0, 0, 65535, 147))
    f.write(struct.pack("<IIII", 1, 0, 4, 4) + b"abcd")
PY
check_err 1 "link type 147" "$ana" -r "$tmp/dlt.pcap"
check_err 2 "give one of -r FILE or -i IFACE" "$ana"
check_err 2 "not a list of ports" "$ana" -r x --ports 0
check_err 2 "unknown option" "$ana" --bogus

# -c and -w
"$ana" -r "$caps/active.pcap" -c 10 -w "$tmp/ten.pcap" --stats >/dev/null 2>"$tmp/st" || bad "-c"
grep -q "^ftplab-analyzer: 10 packets" "$tmp/st" && ok "-c 10" || bad "-c: $(cat "$tmp/st")"
[[ $(tcpdump -r "$tmp/ten.pcap" 2>/dev/null | wc -l) == 10 ]] && ok "-w 10 frames" || bad "-w"

kinds=$("$ana" --list-diagnostics | grep -c '^[a-z]')
((kinds >= 14)) && ok "$kinds diagnostics listed" || bad "--list-diagnostics: $kinds"
((fail == 0)) && echo "analyzer command line: all passed"
exit $fail
