#!/usr/bin/env bash
# The demo run by ./ftplab demo. BIN is the folder holding the programs.
# Until the server and the lab scenarios land, it shows the library's
# programs and says what is coming.
set -euo pipefail
bin=${1:?usage: demo.sh BIN}

echo "ftplab $("$bin/ftplab-server" --version | awk '{print $2}') is built in $bin:"
for p in ftplab-server ftplab-proxy ftplab-analyzer; do
	printf '  %-16s %s\n' "$p" "$("$bin/$p" --help | sed -n 3p)"
done
cat <<'TEXT'

Coming next: ftplab-server on 127.0.0.1 with a real client session, then the
lab scenarios (active FTP behind a NAT failing, and the kernel ALG and
ftplab-proxy fixing it) with the analyzer explaining each capture.
TEXT
