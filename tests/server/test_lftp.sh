#!/usr/bin/env bash
# lftp against ftplab-server: mirror -R (upload) and mirror (download) of a tree
# with nested directories, compared byte for byte, in passive and active mode;
# then ls, mkdir, mv and rm.
#
#   tests/server/test_lftp.sh BIN_DIR
set -euo pipefail
bin=$(cd "${1:?usage: test_lftp.sh BIN_DIR}" && pwd)
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# shellcheck source=server_lib.sh
source "$here/server_lib.sh"
command -v lftp >/dev/null || fail "lftp is not installed"

tmp=$(mktemp -d)
trap server_cleanup EXIT
export HOME=$tmp/home # no ~/.lftprc or ~/.netrc of the user's
mkdir -p "$HOME"

# The tree: nested directories, an empty directory, an empty file, binary files
# of several sizes, names with spaces.
src=$tmp/src
mkdir -p "$src/a/b/c/d" "$src/empty dir" "$src/x/y"
make_file "$src/top.bin" 70000
make_file "$src/a/one.bin" 1
make_file "$src/a/b/two.bin" 4096
make_file "$src/a/b/c/three.bin" 131072
make_file "$src/a/b/c/d/deep file.bin" 999
make_file "$src/x/y/z.bin" 20000
: >"$src/x/empty.txt"
printf 'text\nwith\nlines\n' >"$src/x/lines.txt"

server_start --anonymous rw -v

run_lftp() { # run_lftp PASSIVE(on|off) COMMANDS
	timeout 120 lftp -c "
set cmd:fail-exit yes
set net:max-retries 1
set net:timeout 15
set net:reconnect-interval-base 1
set ftp:ssl-allow no
set ftp:passive-mode $1
set xfer:clobber on
set cmd:interactive no
open -u anonymous,lftp@example.com ftp://127.0.0.1:$port
$2"
}

echo "mirror -R (upload), passive"
run_lftp on "mirror -R --no-perms '$src' /up1"
diff -r "$src" "$tmp/root/up1" || fail "mirror -R tree differs"

echo "mirror -R (upload), active"
run_lftp off "mirror -R --no-perms '$src' /up2"
diff -r "$src" "$tmp/root/up2" || fail "active mirror -R tree differs"

echo "mirror (download), passive"
run_lftp on "mirror /up1 '$tmp/down1'"
diff -r "$src" "$tmp/down1" || fail "mirror tree differs"

echo "mirror (download), active"
run_lftp off "mirror /up2 '$tmp/down2'"
diff -r "$src" "$tmp/down2" || fail "active mirror tree differs"

echo "mirror again: nothing to do, nothing changes"
run_lftp on "mirror /up1 '$tmp/down1'" >"$tmp/again.txt"
diff -r "$src" "$tmp/down1" || fail "second mirror changed the tree"

echo "ls"
run_lftp on "cd /up1; ls" | tr -d '\r' >"$tmp/ls.txt"
for name in top.bin a x "empty dir"; do
	grep -Fq " $name" "$tmp/ls.txt" || fail "ls lacks '$name'"
done
grep -Eq '^d.* a$' "$tmp/ls.txt" || fail "ls does not show a as a directory"
grep -Eq '^-.* 70000 .* top.bin$' "$tmp/ls.txt" || fail "ls does not show top.bin's size"
run_lftp on "cls -1 /up1/a/b" | sort >"$tmp/cls.txt"
printf '%s\n' /up1/a/b/c/ /up1/a/b/two.bin | diff - "$tmp/cls.txt" || fail "cls differs"

echo "mkdir, mv, rm"
run_lftp on "mkdir /up1/newdir; mkdir -p /up1/p/q/r"
[[ -d $tmp/root/up1/newdir && -d $tmp/root/up1/p/q/r ]] || fail "mkdir"
run_lftp on "mv /up1/top.bin /up1/newdir/moved.bin"
[[ ! -e $tmp/root/up1/top.bin ]] || fail "mv left the source"
cmp "$src/top.bin" "$tmp/root/up1/newdir/moved.bin" || fail "mv changed the content"
run_lftp on "rm /up1/newdir/moved.bin"
[[ ! -e $tmp/root/up1/newdir/moved.bin ]] || fail "rm"
run_lftp on "rmdir /up1/newdir"
[[ ! -e $tmp/root/up1/newdir ]] || fail "rmdir"
run_lftp on "rm -r /up2"
[[ ! -e $tmp/root/up2 ]] || fail "rm -r"
rc=0
run_lftp on "rm /up1/no-such-file" 2>/dev/null || rc=$?
((rc != 0)) || fail "rm of a missing file succeeded"

echo "get and put with resume (-c)"
head -c 30000 "$src/top.bin" >"$tmp/partial.bin"
run_lftp on "get -c /up1/a/b/c/three.bin -o '$tmp/three.bin'; put -c '$src/top.bin' -o /up1/top-again.bin"
cmp "$src/a/b/c/three.bin" "$tmp/three.bin" || fail "get"
cmp "$src/top.bin" "$tmp/root/up1/top-again.bin" || fail "put"
head -c 30000 "$src/top.bin" >"$tmp/root/up1/resume.bin"
n=$(grep -c 'C> REST 30000' "$tmp/server.log" || true)
run_lftp on "put -c '$src/top.bin' -o /up1/resume.bin"
cmp "$src/top.bin" "$tmp/root/up1/resume.bin" || fail "put -c (resume)"
(($(grep -c 'C> REST 30000' "$tmp/server.log") == n + 1)) ||
	grep -q 'C> APPE /up1/resume.bin' "$tmp/server.log" || fail "put -c did not resume at 30000"
run_lftp on "get -c /up1/top-again.bin -o '$tmp/partial.bin'"
cmp "$src/top.bin" "$tmp/partial.bin" || fail "get -c (resume)"
(($(grep -c 'C> REST 30000' "$tmp/server.log") >= n + 2)) || fail "get -c did not send REST 30000"

server_stop || fail "ftplab-server exited with status $? after SIGTERM"
echo "lftp: all passed"
