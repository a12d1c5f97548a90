#!/usr/bin/env bash
# curl against ftplab-server: passive (EPSV, and PASV with --disable-epsv) and
# active (-P -, EPRT and PORT) downloads, uploads (-T), resumed downloads and
# uploads (-C -), and directory listings.
#
#   tests/server/test_curl.sh BIN_DIR
set -euo pipefail
bin=$(cd "${1:?usage: test_curl.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server_lib.sh
source "$here/server_lib.sh"
command -v curl >/dev/null || fail "curl is not installed"

tmp=$(mktemp -d)
trap server_cleanup EXIT
mkdir -p "$tmp/root/dir/sub" "$tmp/local"
make_file "$tmp/root/data.bin" 300000
make_file "$tmp/root/dir/a.txt" 10
make_file "$tmp/root/dir/b.bin" 20
make_file "$tmp/local/up.bin" 250000

server_start --anonymous rw
url="ftp://127.0.0.1:$port"
c() { curl --silent --show-error --max-time 30 --user anonymous:curl@example.com "$@"; }

echo "passive download (EPSV)"
c -v -o "$tmp/local/p.bin" "$url/data.bin" 2>"$tmp/curl.err"
cmp "$tmp/root/data.bin" "$tmp/local/p.bin" || fail "EPSV download differs"
grep -q '^> EPSV' "$tmp/curl.err" || fail "curl did not use EPSV"
grep -q '^> PASV' "$tmp/curl.err" && fail "curl fell back to PASV"

echo "passive download (PASV, --disable-epsv)"
c -v --disable-epsv -o "$tmp/local/p2.bin" "$url/data.bin" 2>"$tmp/curl.err"
cmp "$tmp/root/data.bin" "$tmp/local/p2.bin" || fail "PASV download differs"
grep -q '^> PASV' "$tmp/curl.err" || fail "curl did not use PASV"
grep -q '^> EPSV' "$tmp/curl.err" && fail "curl used EPSV despite --disable-epsv"

echo "active download (-P -: EPRT)"
c -v -P - -o "$tmp/local/a.bin" "$url/data.bin" 2>"$tmp/curl.err"
cmp "$tmp/root/data.bin" "$tmp/local/a.bin" || fail "EPRT download differs"
grep -q '^> EPRT |1|127.0.0.1|' "$tmp/curl.err" || fail "curl did not use EPRT"

echo "active download (-P 127.0.0.1 --disable-eprt: PORT)"
c -v -P 127.0.0.1 --disable-eprt -o "$tmp/local/a2.bin" "$url/data.bin" 2>"$tmp/curl.err"
cmp "$tmp/root/data.bin" "$tmp/local/a2.bin" || fail "PORT download differs"
grep -q '^> PORT 127,0,0,1,' "$tmp/curl.err" || fail "curl did not use PORT"

echo "upload (-T), passive and active"
c -T "$tmp/local/up.bin" "$url/up.bin"
cmp "$tmp/local/up.bin" "$tmp/root/up.bin" || fail "upload differs"
c -P - -T "$tmp/local/up.bin" "$url/dir/up-active.bin"
cmp "$tmp/local/up.bin" "$tmp/root/dir/up-active.bin" || fail "active upload differs"

echo "resumed download (-C -)"
head -c 123456 "$tmp/root/data.bin" >"$tmp/local/part.bin"
c -v -C - -o "$tmp/local/part.bin" "$url/data.bin" 2>"$tmp/curl.err"
grep -q '^> REST 123456' "$tmp/curl.err" || fail "curl did not send REST 123456"
cmp "$tmp/root/data.bin" "$tmp/local/part.bin" || fail "resumed download differs"

echo "resumed upload (-C -)"
head -c 100000 "$tmp/local/up.bin" >"$tmp/root/resume.bin"
c -v -C - -T "$tmp/local/up.bin" "$url/resume.bin" 2>"$tmp/curl.err"
grep -Eq '^> (APPE|STOR) resume.bin' "$tmp/curl.err" || fail "no APPE/STOR in the resumed upload"
cmp "$tmp/local/up.bin" "$tmp/root/resume.bin" || fail "resumed upload differs"

echo "directory listing (LIST and NLST)"
c "$url/dir/" >"$tmp/list.txt"
for name in a.txt b.bin sub up-active.bin; do
	grep -Eq "^[-d].* $name\$" <(tr -d '\r' <"$tmp/list.txt") || fail "LIST lacks $name"
done
grep -Eq '^d.* sub$' <(tr -d '\r' <"$tmp/list.txt") || fail "sub is not shown as a directory"
c --list-only "$url/dir/" | tr -d '\r' | sort >"$tmp/nlst.txt"
printf '%s\n' a.txt b.bin sub up-active.bin | diff - "$tmp/nlst.txt" || fail "NLST differs"

echo "a missing file is an error (550 -> curl exit 78)"
rc=0
c -o "$tmp/local/none" "$url/no-such-file" 2>/dev/null || rc=$?
((rc == 78)) || fail "curl exit status $rc for a missing file, want 78"

echo "quote commands (-Q): MKD and DELE"
c -Q "MKD made-by-curl" -Q "DELE up.bin" "$url/" >/dev/null
[[ -d $tmp/root/made-by-curl ]] || fail "MKD did not create the directory"
[[ ! -e $tmp/root/up.bin ]] || fail "DELE did not remove up.bin"

server_stop || fail "ftplab-server exited with status $? after SIGTERM"
echo "curl: all passed"
