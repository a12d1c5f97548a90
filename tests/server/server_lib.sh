# shellcheck shell=bash
# server_lib.sh - start and stop ftplab-server from a bash test (sourced).
#
#   server_start ARGS...   start it on a free 127.0.0.1 port with root $tmp/root;
#                          sets $port and $pid; logs to $tmp/server.log
#   server_stop            SIGTERM, then SIGKILL after 15 s; returns its status
#   fail MESSAGE           print MESSAGE and exit 1 (the EXIT trap cleans up)
#
# The caller sets bin (the directory of ftplab-server) and runs
#   tmp=$(mktemp -d); trap server_cleanup EXIT
# so the server and the temporary directory go away however the test ends.

# shellcheck disable=SC2154 # bin and tmp are the caller's
pid=
port=

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

free_port() {
	python3 -c 'import socket
s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

server_start() {
	local i
	mkdir -p "$tmp/root"
	for _ in 1 2 3; do
		port=$(free_port)
		"$bin/ftplab-server" -l "127.0.0.1:$port" -r "$tmp/root" "$@" \
			</dev/null >>"$tmp/server.log" 2>&1 &
		pid=$!
		for ((i = 0; i < 150; i++)); do
			grep -q "listening on 127.0.0.1:$port" "$tmp/server.log" 2>/dev/null && return 0
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			break # running but not listening: give up
		fi
		wait "$pid" || true
		pid=
		grep -q "Address already in use" "$tmp/server.log" || break
	done
	fail "ftplab-server did not start"
}

# Exit status of the server after SIGTERM (SIGKILL after 15 s: status 137).
server_stop() {
	local i rc=0
	[[ -n $pid ]] || return 0
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 150; i++)); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$pid" 2>/dev/null || true
	wait "$pid" || rc=$?
	pid=
	return "$rc"
}

server_cleanup() {
	local rc=$?
	server_stop || true
	if ((rc != 0)) && [[ -f $tmp/server.log ]]; then
		echo "--- ftplab-server log ---" >&2
		tail -n 200 "$tmp/server.log" >&2
		echo "--- end of log ---" >&2
	fi
	rm -rf "$tmp"
	exit "$rc"
}

# Deterministic binary content: file NAME of SIZE bytes (the name seeds it).
# shellcheck disable=SC2094
make_file() {
	python3 -c 'import random, sys
sys.stdout.buffer.write(random.Random(sys.argv[2]).randbytes(int(sys.argv[1])))' "$2" "$1" >"$1"
}
