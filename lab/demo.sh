#!/usr/bin/env bash
# The demo run by ./ftplab demo: ftplab-server on loopback with a real client
# (curl), in passive and active mode, with the server's own transcript of
# both connections. BIN is the folder holding the programs. Until the lab
# scenarios land (NAT on network namespaces), this is the main job.
set -euo pipefail
bin=${1:?usage: demo.sh BIN}
top=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)

work=$(mktemp -d /tmp/ftplab-demo.XXXXXX)
pid=
cleanup() {
	[[ -n $pid ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/root/pub"
printf 'Hello from ftplab.\nThis file came over an FTP data connection.\n' >"$work/root/pub/hello.txt"
head -c 1048576 /dev/urandom >"$work/root/pub/random.bin"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$bin/ftplab-server" -r "$work/root" -l "127.0.0.1:$port" --anonymous=rw -v \
	2>"$work/server.log" &
pid=$!
for _ in $(seq 50); do
	(echo >"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
	sleep 0.1
done

step() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
url=ftp://127.0.0.1:$port

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

step "What the server saw (its transcript; C> commands, S> replies, events)"
sed -E 's/^[0-9T:.Z-]+ //' "$work/server.log" | grep -v '^ftplab-server: listening' | head -60

step "ftplab-analyzer explains a capture of a server behind NAT (captures/mismatch-nat.pcap)"
"$bin/ftplab-analyzer" -r "$top/captures/mismatch-nat.pcap" --explain | head -40

cat <<'TEXT'

Look for the two connections of each transfer: EPSV/PASV (229/227) tells the
client which port to connect to; PORT/EPRT tells the server where to connect
back; in the analyzer's transcript, each command is paired with its reply, each
transfer with the connection that carried it, and the diagnostics say what a
NAT did to the addresses. Coming next: the lab (./ftplab lab), where active FTP
fails behind a NAT and the kernel's ALG or ftplab-proxy fixes it.
TEXT
