"""The clients a scenario can drive (--client): curl, lftp and Python's
ftplib, each translating one Transfer (download, upload or listing in one
of four data-connection modes) into its own command line, bounded in time.

Modes (the analyzer's `mode` of a transfer has the same names):
    passive  PASV, the client connects to the address:port of the 227 reply
    epsv     EPSV (RFC 2428), the client connects to the server's address
    active   PORT, the server connects to the client
    eprt     EPRT (RFC 2428), the server connects to the client

    mode     curl                        lftp                         ftplib
    passive  --disable-epsv              ftp:passive-mode on,         set_pasv(True)
             --no-ftp-skip-pasv-ip       prefer-epsv no
    epsv     (default)                   ... prefer-epsv yes          set_pasv(True) + EPSV
    active   -P - --disable-eprt         ftp:passive-mode off         set_pasv(False)
    eprt     -P -                        (IPv6 only)                  set_pasv(False) + EPRT

By default the clients use the address of a 227 reply as RFC 959 says
(trust_pasv=True): curl >= 7.74, lftp (ftp:fix-pasv-address) and ftplib
(trust_server_pasv_ipv4_address) otherwise replace a private one by the
server's, which hides the server-behind-NAT lesson."""
import dataclasses
import hashlib
import os
import re
import shlex
import shutil
import subprocess
import sys
import time

MODES = ("passive", "epsv", "active", "eprt")
MAX_TIME = 15        # seconds: the clients' own bound of a transfer
CONNECT_TIME = 5     # seconds: their bound of a connection attempt
RUN_TIMEOUT = 30     # seconds: the hard bound (the client is killed)
FTPLIB_CLIENT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "ftplib_client.py")


@dataclasses.dataclass
class Transfer:
    """One client action. Addresses may be "@name" (layout vars).

    op          "get" (download), "put" (upload), "ls" (listing)
    path        the remote path ("data.bin", "incoming/up.bin", "" for the listing)
    mode        passive | epsv | active | eprt
    host, port  what the client dials (default: "@server", 21)
    user, password  default anonymous
    trust_pasv  use the address of a 227 reply (see the module's text)
    size        put: bytes of the random file uploaded
    """
    op: str = "get"
    path: str = "data.bin"
    mode: str = "passive"
    host: str = "@server"
    port: int = 21
    user: str = None
    password: str = None
    trust_pasv: bool = True
    size: int = 1 << 19

    def validate(self, what):
        if self.op not in ("get", "put", "ls"):
            raise ValueError("%s: op must be get, put or ls" % what)
        if self.mode not in MODES:
            raise ValueError("%s: mode must be one of %s" % (what, ", ".join(MODES)))

    def describe(self, lab, client):
        return CLIENTS[client]().command(lab, self, self.local(lab))

    def local(self, lab):
        """The client's file: where a download lands, what an upload sends."""
        name = os.path.basename(self.path.rstrip("/")) or "listing"
        return os.path.join(lab.home("client"), "%s%s" % (lab.phase_prefix, name))

    def run(self, lab, client):
        tool = CLIENTS[client]()
        local = self.local(lab)
        if os.path.exists(local):
            os.unlink(local)
        if self.op == "put":
            with open(local, "wb") as f:
                f.write(os.urandom(self.size))
        res = lab.run_client(tool.argv(lab, self, local), tool=tool.name,
                             explain=tool.explain_exit)
        res.local = local
        if self.op == "get" and os.path.exists(local):
            res.sha256 = sha256(local)
            want = lab.files.get(self.path)
            if res.exit == 0 and want and res.sha256 != want:
                res.ok = False
                res.summary += "; but the file differs from the server's (sha256 %s)" % res.sha256
            elif res.exit == 0 and want:
                res.summary += "; %s received, sha256 equal to the server's" % self.path
        if self.op == "put" and res.exit == 0:
            stored = os.path.join(lab.root, self.path)
            if not os.path.exists(stored) or sha256(stored) != sha256(local):
                res.ok = False
                res.summary += "; but the server's copy differs or is missing"
            else:
                res.summary += "; the server's copy is identical"
        return res


def Download(path="data.bin", mode="passive", **kw):
    """A download of path (the server's file) in mode."""
    return Transfer(op="get", path=path, mode=mode, **kw)


def Upload(path="incoming/upload.bin", mode="passive", **kw):
    """An upload of a random file to path (needs ServerSetup(anonymous="rw"))."""
    return Transfer(op="put", path=path, mode=mode, **kw)


def Listing(path="", mode="passive", **kw):
    """A directory listing (LIST) in mode."""
    return Transfer(op="ls", path=path, mode=mode, **kw)


@dataclasses.dataclass
class ClientResult:
    """What a client did: the printable command, its exit status (None when
    it was killed at the time bound), seconds, ok (exit 0 and, for
    transfers, the file verified), a one-line summary and its output."""
    tool: str
    command: str
    exit: object
    seconds: float
    ok: bool
    summary: str
    output: str = ""
    log_path: str = None
    local: str = None
    sha256: str = None

    def as_dict(self):
        return dataclasses.asdict(self)


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


# an error reply (4xx, 5xx) in the dialogue each client prints:
# curl -v "< 501 ...", lftp -d "<--- 501 ...", ftplib debug "*resp* '501 ...'"
ERROR_REPLY = re.compile(r"^(?:< |<--- |\*resp\* ')([45]\d\d[ -].*)$", re.M)


def url_host(host):
    return "[%s]" % host if ":" in host else host


# ---------------------------------------------------------------- the clients

class Curl:
    name = "curl"
    EXITS = {
        6: "could not resolve the host",
        7: "could not connect (refused, unreachable or dropped)",
        8: "a reply curl did not understand",
        9: "access to the file denied",
        10: "active mode: the server's data connection never came (an error reply instead)",
        12: "active mode: timed out waiting for the server to connect back",
        13: "curl could not use the PASV/EPSV reply",
        19: "RETR failed: the server answered it with an error",
        25: "the upload failed (STOR refused)",
        28: "timed out: nothing arrived in time",
        30: "the server refused PORT/EPRT; curl 7.88 then prints a misleading inet_ntop() text",
        56: "a connection was reset",
        67: "login refused",
        78: "no such remote file",
    }

    def requires(self):
        return None if shutil.which("curl") else "curl is not installed"

    def cannot(self, action, layout, options):
        return None

    def argv(self, lab, a, local):
        host = lab.resolve(a.host)
        argv = ["curl", "-sS", "-v", "--max-time", str(MAX_TIME),
                "--connect-timeout", str(CONNECT_TIME)]
        argv += {"passive": ["--disable-epsv"], "epsv": [],
                 "active": ["-P", "-", "--disable-eprt"], "eprt": ["-P", "-"]}[a.mode]
        if a.mode == "passive" and a.trust_pasv:
            argv.append("--no-ftp-skip-pasv-ip")
        if ":" in host:
            argv.append("-g")
        if a.user:
            argv += ["-u", "%s:%s" % (a.user, a.password or "")]
        url = "ftp://%s%s/%s" % (url_host(host), "" if a.port == 21 else ":%d" % a.port, a.path)
        if a.op == "put":
            argv += ["-T", local]
        else:
            if a.op == "ls" and not url.endswith("/"):
                url += "/"
            argv += ["-o", local]
        return argv + [url]

    def command(self, lab, a, local):
        return shlex.join(self.argv(lab, a, local))

    def explain_exit(self, code):
        return self.EXITS.get(code, "")


class Lftp:
    name = "lftp"

    def requires(self):
        return None if shutil.which("lftp") else "lftp is not installed (./ftplab setup)"

    def cannot(self, action, layout, options):
        host = action.host  # "@server6"-style names are the layout's IPv6 addresses
        if action.mode == "eprt" and ":" not in host and not (
                host.startswith("@") and host.endswith("6")):
            return ("lftp sends EPRT only on an IPv6 control connection (on IPv4 it sends "
                    "PORT); use --client curl or ftplib for EPRT over IPv4")
        return None

    def script(self, lab, a, local):
        host = lab.resolve(a.host)
        passive = a.mode in ("passive", "epsv")
        cmds = ["set cmd:fail-exit yes", "set net:timeout %d" % CONNECT_TIME,
                "set net:max-retries 1", "set net:reconnect-interval-base 1",
                "set ftp:ssl-allow no",
                "set ftp:passive-mode %s" % ("on" if passive else "off"),
                "set ftp:auto-passive-mode no",
                "set ftp:prefer-epsv %s" % ("yes" if a.mode == "epsv" else "no"),
                "set ftp:fix-pasv-address %s" % ("no" if a.trust_pasv else "yes")]
        user = "-u %s,%s " % (shlex.quote(a.user), shlex.quote(a.password or "")) if a.user else ""
        cmds.append("open %sftp://%s%s" % (user, url_host(host),
                                           "" if a.port == 21 else ":%d" % a.port))
        if a.op == "get":
            cmds.append("get %s -o %s" % (shlex.quote(a.path), shlex.quote(local)))
        elif a.op == "put":
            cmds.append("put %s -o %s" % (shlex.quote(local), shlex.quote(a.path)))
        else:
            cmds.append("cls -l %s > %s" % (shlex.quote(a.path or "."), shlex.quote(local)))
        return "; ".join(cmds)

    def argv(self, lab, a, local):
        return ["timeout", "-k", "2", str(MAX_TIME + 5), "lftp", "-d", "-c",
                self.script(lab, a, local)]

    def command(self, lab, a, local):
        return shlex.join(["lftp", "-c", self.script(lab, a, local)])

    def explain_exit(self, code):
        return {1: "a command failed",
                124: "timed out: killed after %d s" % (MAX_TIME + 5)}.get(code, "")


class Ftplib:
    name = "ftplib"

    def requires(self):
        return None

    def cannot(self, action, layout, options):
        return None

    def argv(self, lab, a, local):
        return [sys.executable, FTPLIB_CLIENT, lab.resolve(a.host), str(a.port), a.mode, a.op,
                a.path, local, a.user or "anonymous", a.password or "lab@example.com",
                "1" if a.trust_pasv else "0", str(MAX_TIME)]

    def command(self, lab, a, local):
        return shlex.join(["python3"] + self.argv(lab, a, local)[1:])

    def explain_exit(self, code):
        return {1: "the server refused, or the transfer failed",
                2: "a network error (connection refused, unreachable or timed out)"}.get(code, "")


CLIENTS = {"curl": Curl, "lftp": Lftp, "ftplib": Ftplib}


def run_argv(lab, argv, tool, explain=None, timeout=RUN_TIMEOUT, log=None):
    """Run a client command line in the client node, bounded; its output goes
    to the out folder. Returns a ClientResult (ok: exit status 0)."""
    log = log or "%sclient.log" % lab.phase_prefix
    start = time.monotonic()
    try:
        r = lab.t.run("client", argv, timeout=timeout, cwd=lab.home("client"),
                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                      errors="replace")
        code, out = r.returncode, r.stdout or ""
    except subprocess.TimeoutExpired as e:
        code = None
        out = (e.output or b"").decode(errors="replace") if isinstance(e.output, bytes) \
            else (e.output or "")
    secs = time.monotonic() - start
    path = lab.out_path(log)
    with open(path, "w") as f:
        f.write("$ %s\n%s" % (shlex.join(argv), out))
    if code is None:
        summary = "%s killed after %.0f s (no end in sight)" % (tool, timeout)
    else:
        why = explain(code) if explain and code else ""
        last = [ln for ln in out.splitlines() if ln.strip()
                and not ln.startswith(("*", "<", ">", "---"))]
        summary = "%s exit %d after %.2f s%s" % (tool, code, secs, " (%s)" % why if why else "")
        if code and last:
            summary += ": " + last[-1].strip()[:200]
        errors = ERROR_REPLY.findall(out)
        if code and errors and errors[-1].strip().rstrip("'") not in summary:
            summary += "; the server's last error reply: " + errors[-1].strip().rstrip("'")[:120]
    return ClientResult(tool, shlex.join(argv), code, round(secs, 3), code == 0, summary,
                        out[-4000:], path)
