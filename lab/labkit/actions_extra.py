"""Client actions beyond a plain transfer (labkit.clients.Transfer), each
with describe(lab, client) and run(lab, client) -> ClientResult, spelled
for each client:

    Abort(path="big.bin", after=100000, after_seconds=1.5)
        start a download (passive mode) and abort it mid-way:
        ftplib  extra_tools.py abort: after `after` bytes, Telnet IP + Synch
                (urgent data) + ABOR (RFC 959 4.1.3), with the data connection
                still open; then NOOP and QUIT (style="ftplib": ftplib's own
                abort(), "ABOR" with MSG_OOB only)
        curl    -r 0-(after-1): once it has the range, curl sends a plain ABOR
                (no urgent data), closes the data connection, waits for the
                426 and QUITs
        lftp    `get &`, `sleep after_seconds`, `kill all`: lftp sends IAC IP,
                IAC DM as urgent data and ABOR, closes the data connection
        ok: the client's exit status 0 and a partial file (0 < size < the
        server's).

    GuessPasswords(user="alice", passwords=(...))
        a password-guessing attack, bounded by the list:
        ftplib  extra_tools.py guess: USER/PASS with each password on one
                control connection, reconnecting when the server closes it
        curl    one curl (one connection, one USER/PASS) per password, in a
                shell loop that stops at the first that logs in (exit 0) or
                at a connection that fails (banned: exit 2)
        ok: a password was right (exit 0); the client fails when none was,
        or when the attacker was cut off."""
import dataclasses
import os
import shlex
import sys

from . import clients
from .clients import CONNECT_TIME, MAX_TIME, url_host

EXTRA_TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra_tools.py")


def _size(path):
    try:
        return os.path.getsize(path)
    except OSError:
        return None


@dataclasses.dataclass
class Abort:
    path: str = "big.bin"
    after: int = 100000           # bytes read before aborting (ftplib, curl)
    after_seconds: float = 1.5    # lftp: seconds before `kill all`
    host: str = "@server"
    port: int = 21
    style: str = "rfc959"         # ftplib: "rfc959" (IP, Synch, ABOR) or "ftplib" (its abort())
    op: str = "abort"             # result.json: what the action did

    def local(self, lab):
        return os.path.join(lab.home("client"), "%s%s" % (lab.phase_prefix,
                                                          os.path.basename(self.path)))

    def argv(self, lab, client, local):
        host = lab.resolve(self.host)
        if client == "ftplib":
            return [sys.executable, EXTRA_TOOLS, "abort", host, str(self.port), self.path, local,
                    str(self.after), str(MAX_TIME), self.style]
        if client == "curl":
            return ["curl", "-sS", "-v", "--max-time", str(MAX_TIME), "--connect-timeout",
                    str(CONNECT_TIME), "--disable-epsv", "--no-ftp-skip-pasv-ip",
                    "-r", "0-%d" % (self.after - 1), "-o", local,
                    "ftp://%s%s/%s" % (url_host(host), "" if self.port == 21 else
                                       ":%d" % self.port, self.path)]
        script = "; ".join([
            "set cmd:fail-exit yes", "set net:timeout %d" % CONNECT_TIME,
            "set net:max-retries 1", "set xfer:clobber on", "set ftp:ssl-allow no",
            "set ftp:passive-mode on", "set ftp:prefer-epsv no",
            "set ftp:fix-pasv-address no",
            "open ftp://%s%s" % (url_host(host), "" if self.port == 21 else ":%d" % self.port),
            "get %s -o %s &" % (shlex.quote(self.path), shlex.quote(local)),
            "sleep %g" % self.after_seconds, "kill all", "sleep 1"])
        return ["timeout", "-k", "2", str(MAX_TIME + 5), "lftp", "-d", "-c", script]

    def describe(self, lab, client):
        argv = self.argv(lab, client, self.local(lab))
        if client == "ftplib":
            return shlex.join(["python3", "extra_tools.py"] + argv[2:])
        if client == "lftp":
            return shlex.join(["lftp", "-c", argv[-1]])
        return shlex.join(argv)

    def run(self, lab, client):
        local = self.local(lab)
        if os.path.exists(local):
            os.unlink(local)
        tool = clients.CLIENTS[client]()
        res = lab.run_client(self.argv(lab, client, local), tool=client,
                             explain=tool.explain_exit)
        res.local = local
        full = _size(os.path.join(lab.root, self.path))
        got = _size(local)
        if res.exit == 0:
            if got is None or full is None:
                res.ok = False
                res.summary += "; but there is no partial file %s" % local
            elif not 0 < got < full:
                res.ok = False
                res.summary += "; but it has %d of the file's %d bytes: no abort mid-way" % (
                    got, full)
            else:
                res.summary += "; it kept %d of the %d bytes of %s and aborted the rest" % (
                    got, full, self.path)
        return res


DEFAULT_PASSWORDS = ("123456", "password", "qwerty", "letmein", "alice", "alice123",
                     "dragon", "monkey", "sunshine")


@dataclasses.dataclass
class GuessPasswords:
    user: str = "alice"
    passwords: tuple = DEFAULT_PASSWORDS
    host: str = "@server"
    port: int = 21
    op: str = "guess"             # result.json: what the action did

    def argv(self, lab, client):
        host = lab.resolve(self.host)
        if client == "ftplib":
            return [sys.executable, EXTRA_TOOLS, "guess", host, str(self.port), self.user,
                    str(CONNECT_TIME)] + list(self.passwords)
        url = "ftp://%s%s/" % (url_host(host), "" if self.port == 21 else ":%d" % self.port)
        curl = ("curl -sS -v --max-time %d --connect-timeout %d -u %s:\"$pw\" -o /dev/null %s"
                % (MAX_TIME, CONNECT_TIME, shlex.quote(self.user), url))
        loop = ("n=0; for pw in %s; do n=$((n+1)); echo \"-- guess $n: $pw\"; %s; rc=$?; "
                "if [ $rc = 0 ]; then echo \"-- found: %s:$pw after $n guesses\"; exit 0; "
                "elif [ $rc != 67 ]; then echo \"-- curl exit $rc (not a refused login): "
                "giving up after $((n-1)) guesses\"; exit 2; fi; done; "
                "echo \"-- none of the $n passwords was right\"; exit 1"
                % (" ".join(shlex.quote(p) for p in self.passwords), curl, self.user))
        return ["bash", "-c", loop]

    def describe(self, lab, client):
        argv = self.argv(lab, client)
        if client == "ftplib":
            return shlex.join(["python3", "extra_tools.py"] + argv[2:])
        return shlex.join(argv)

    def run(self, lab, client):
        explain = {"ftplib": {1: "no password was right",
                              2: "cut off: a connection was refused or timed out"},
                   "curl": {1: "no password was right",
                            2: "cut off: a connection was refused or timed out"}}[client]
        res = lab.run_client(self.argv(lab, client), tool=client,
                             explain=lambda code: explain.get(code, ""),
                             timeout=clients.RUN_TIMEOUT)
        try:
            with open(res.log_path, errors="replace") as f:
                out = f.read().splitlines()
        except (OSError, TypeError):
            out = res.output.splitlines()
        found = [ln for ln in out if ln.startswith("-- found: ")]
        tries = sum(1 for ln in out if ln.startswith("-- guess "))
        if found:
            res.summary += "; " + found[-1][3:]
        else:
            res.summary += "; %d guesses, none logged in" % tries
        return res
