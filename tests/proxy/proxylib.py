"""proxylib.py - run build/bin/ftplab-proxy in front of ftplab-server for
integration tests.

Builds on tests/server/ftpserver.py (imported, not copied): the same rules
hold. Everything talks to loopback only (127.0.0.0/8 and ::1), every wait is
bounded in time, and every process started is stopped (SIGTERM, then
SIGKILL), failure included. A proxy stopped with check=True must exit 0 on
SIGTERM: under an ASan build a leak makes it exit non-zero, which fails the
test. A test file is run as

    python3 tests/proxy/test_NAME.py BIN_DIR [unittest arguments]

and ends with `proxylib.main()`.
"""
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "server"))

import ftpserver  # noqa: E402
from ftpserver import Control, free_port, LOOPBACK  # noqa: E402,F401

START_TIMEOUT = ftpserver.START_TIMEOUT
STOP_TIMEOUT = ftpserver.STOP_TIMEOUT
CURL_TIMEOUT = 60    # seconds for one curl or lftp run (each also has --max-time)
SANITIZER_MARKERS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:")

_live = []


def proxy_binary():
    return os.path.join(ftpserver.BIN_DIR, "ftplab-proxy")


def is_sanitized(path=None):
    """True when the binary is an ASan build (slower, larger RSS)."""
    path = path or proxy_binary()
    try:
        with open(path, "rb") as f:
            return b"__asan_init" in f.read()
    except OSError:
        return False


def endpoint(host, port):
    return ("[%s]:%d" if ":" in host else "%s:%d") % (host, port)


class Proxy:
    """One ftplab-proxy process; its stderr (the -v transcript) goes to
    tmp/proxy.log (self.log()), and --log-json to tmp/proxy.json when
    json=True (self.events())."""

    def __init__(self, args=(), host=LOOPBACK, upstream=None, verbose=True, json_log=True):
        self.tmp = tempfile.mkdtemp(prefix="ftplab-proxy-test-")
        self.log_path = os.path.join(self.tmp, "proxy.log")
        self.json_path = os.path.join(self.tmp, "proxy.json") if json_log else None
        self.args = list(args)
        if upstream is not None:
            self.args = ["--upstream", upstream] + self.args
        if verbose:
            self.args.append("-v")
        if self.json_path:
            self.args += ["--log-json", self.json_path]
        self.host = host
        self.proc = None
        self.port = None
        self.returncode = None
        self.log_text = ""
        self.json_text = ""

    @property
    def pid(self):
        return self.proc.pid

    def start(self):
        cmd = []
        for _ in range(3):
            self.port = free_port(self.host)
            cmd = [proxy_binary(), "-l", endpoint(self.host, self.port)] + self.args
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             preexec_fn=ftpserver._set_pdeathsig)
            finally:
                log.close()
            _live.append(self)
            want = "listening on " + endpoint(self.host, self.port)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline and self.proc.poll() is None:
                if want in self.log():
                    return self
                time.sleep(0.02)
            if self.proc.poll() is None:
                break
            _live.remove(self)
            self.proc = None
            if "Address already in use" not in self.log():
                break
        text = self.log()
        self.stop(check=False)
        raise AssertionError("ftplab-proxy did not start: %s\n--- proxy log ---\n%s"
                             % (" ".join(cmd), text))

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return self.log_text

    def events(self):
        """The --log-json events, one dict per line."""
        if not self.json_path:
            return []
        try:
            with open(self.json_path, "r", errors="replace") as f:
                text = f.read()
        except OSError:
            text = self.json_text
        return [json.loads(line) for line in text.splitlines() if line.strip()]

    def wait_log(self, pattern, timeout=10.0, start=0):
        """The first match of regex pattern in the log after offset start,
        waiting at most timeout seconds; None when it never shows."""
        rx = re.compile(pattern, re.M)
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(self.log(), start)
            if m or time.monotonic() > deadline:
                return m
            time.sleep(0.02)

    def session_of(self, sock, timeout=10.0):
        """The proxy's session id for the client socket sock (from the
        --log-json connect event naming sock's address)."""
        host, port = sock.getsockname()[:2]
        want = endpoint(host, port)
        deadline = time.monotonic() + timeout
        while True:
            for e in self.events():
                if e["type"] == "connect" and e["client"] == want:
                    return e["session"]
            if time.monotonic() > deadline:
                raise AssertionError("no connect event for client %s" % want)
            time.sleep(0.02)

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    # -- resources of the running process (Linux /proc)
    def fd_count(self):
        return len(os.listdir("/proc/%d/fd" % self.pid))

    def rss_kib(self):
        with open("/proc/%d/status" % self.pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
        raise AssertionError("no VmRSS for pid %d" % self.pid)

    def stop(self, check=True):
        """SIGTERM, SIGKILL after STOP_TIMEOUT. With check, an exit status
        other than 0 or a sanitizer report in the log is an error."""
        if self.proc is None:
            return self.returncode
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=30)
        self.returncode = self.proc.returncode
        self.proc = None
        if self in _live:
            _live.remove(self)
        self.log_text = self.log()
        if self.json_path and os.path.exists(self.json_path):
            with open(self.json_path, errors="replace") as f:
                self.json_text = f.read()
        if check and self.returncode != 0:
            raise AssertionError("ftplab-proxy exited with status %s on SIGTERM\n"
                                 "--- proxy log ---\n%s"
                                 % (self.returncode, self.log_text[-20000:]))
        if check:
            for marker in SANITIZER_MARKERS:
                if marker in self.log_text:
                    raise AssertionError("sanitizer report in the proxy log:\n"
                                         + self.log_text[-20000:])
        return self.returncode

    def cleanup(self, check=True):
        try:
            self.stop(check=check)
        finally:
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- clients
    def control(self, login=None, src=None, timeout=ftpserver.IO_TIMEOUT):
        c = Control(self.host, self.port, src=src, timeout=timeout)
        code, text = c.reply()
        if code != 220:
            c.close()
            raise AssertionError("banner through the proxy: %d %s" % (code, text))
        if login:
            c.login(*login)
        return c

    def url(self, path=""):
        host = "[%s]" % self.host if ":" in self.host else self.host
        return "ftp://%s:%d/%s" % (host, self.port, path)


def _kill_all():
    for p in list(_live):
        if p.proc is not None and p.proc.poll() is None:
            p.proc.kill()


import atexit  # noqa: E402
atexit.register(_kill_all)


def curl(*args, timeout=CURL_TIMEOUT, user="anonymous:curl@example.com"):
    """curl -v ARGS (bounded); returns the CompletedProcess (text stderr)."""
    cmd = ["curl", "--silent", "--show-error", "-v", "--max-time", str(timeout - 10),
           "--connect-timeout", "10", "--user", user] + list(args)
    return subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                          errors="replace", timeout=timeout)


def lftp(url, commands, passive=True, home=None, extra=(), timeout=CURL_TIMEOUT * 2):
    """lftp -c with fixed settings (no TLS, no retries) against url."""
    settings = ["set cmd:fail-exit yes", "set net:max-retries 1", "set net:timeout 15",
                "set net:reconnect-interval-base 1", "set ftp:ssl-allow no",
                "set ftp:passive-mode %s" % ("on" if passive else "off"),
                "set xfer:clobber on", "set cmd:interactive no"] + list(extra)
    script = "\n".join(settings + ["open -u anonymous,lftp@example.com %s" % url, commands])
    env = dict(os.environ, HOME=home or tempfile.gettempdir())
    return subprocess.run(["lftp", "-c", script], stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, errors="replace", timeout=timeout, env=env)


def reply_to(curl_stderr, verb):
    """The first reply line curl -v shows after it sent verb ("" if none)."""
    m = re.search(r"(?m)^> %s\b.*\n(?:(?!< ).*\n)*?(< \d{3}[ -].*)$" % re.escape(verb),
                  curl_stderr)
    return m.group(1)[2:] if m else ""


def server_commands(log_text):
    """The commands a ftplab-server -v log shows it received: [(session, line)]."""
    return [(int(m.group(1)), m.group(2))
            for m in re.finditer(r"^\S+ #(\d+) C> (.*)$", log_text, re.M)]


def server_sessions(log_text):
    """The session ids a ftplab-server log shows as connected."""
    return [int(m.group(1)) for m in re.finditer(r"^\S+ #(\d+) connect ", log_text, re.M)]


class ProxyTestCase(ftpserver.ServerTestCase):
    """ServerTestCase with proxies: new_proxy() per test, make_class_proxy()
    per class; both are stopped with their exit status checked (the SIGTERM
    check), and their logs are printed when a test fails."""

    _class_proxies = []

    @classmethod
    def make_class_proxy(cls, args=(), **kw):
        p = Proxy(args, **kw)
        cls._class_proxies = list(cls._class_proxies) + [p]
        cls.addClassCleanup(p.cleanup)
        p.start()
        return p

    def new_proxy(self, args=(), start=True, **kw):
        p = Proxy(args, **kw)
        self._test_proxies.append(p)
        self.addCleanup(p.cleanup)
        if start:
            p.start()
        return p

    def run(self, result=None):
        self._test_proxies = []
        if result is None:
            result = self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            for p in self._test_proxies + list(type(self)._class_proxies):
                text = p.log() if p.proc is not None else p.log_text
                sys.stderr.write("\n--- ftplab-proxy log (%s) ---\n%s\n--- end of log ---\n"
                                 % (self.id(), text[-20000:]))
        return out

    # helpers shared by the test files
    def assertSameFile(self, a, b):
        with open(a, "rb") as fa, open(b, "rb") as fb:
            da, db = fa.read(), fb.read()
        self.assertTrue(da == db, "%s (%d bytes) and %s (%d bytes) differ"
                        % (a, len(da), b, len(db)))

    def assertCurlOk(self, r):
        self.assertEqual(r.returncode, 0, "curl failed (%d):\n%s" % (r.returncode,
                                                                       r.stderr[-6000:]))


def main():
    """python3 test_x.py BIN_DIR [unittest args]"""
    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        ftpserver.BIN_DIR = os.path.abspath(argv[1])
    if not os.access(proxy_binary(), os.X_OK):
        sys.stderr.write("no executable %s\n" % proxy_binary())
        sys.exit(2)
    ftpserver.main()
