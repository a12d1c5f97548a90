"""ftpserver.py - run build/bin/ftplab-server for integration tests.

Everything here talks to loopback only (127.0.0.0/8 and ::1), bounds every
wait in time, and stops what it starts (SIGTERM, then SIGKILL), failure
included. A test file is run as

    python3 tests/server/test_NAME.py BIN_DIR [unittest arguments]

and ends with `ftpserver.main()`.
"""
import ctypes
import os
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

BIN_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "build", "bin")
LOOPBACK = "127.0.0.1"
START_TIMEOUT = 15.0   # seconds for the server to accept connections
STOP_TIMEOUT = 15.0    # seconds between SIGTERM and SIGKILL
IO_TIMEOUT = 10.0      # every socket operation of a test

_live = []  # every started server, so an exiting interpreter kills them


def server_binary():
    return os.path.join(BIN_DIR, "ftplab-server")


def free_port(host=LOOPBACK):
    """A TCP port on host that nothing listens on right now."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(fam, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def ipv6_loopback_available():
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as s:
            s.bind(("::1", 0))
        return True
    except OSError:
        return False


def hash_password(password):
    """The crypt hash of password, from ftplab-server --hash-password."""
    out = subprocess.run([server_binary(), "--hash-password"], input=password + "\n",
                         capture_output=True, text=True, timeout=30, check=True)
    h = out.stdout.strip()
    if not h.startswith("$"):
        raise AssertionError("--hash-password printed %r" % out.stdout)
    return h


def _set_pdeathsig():
    """Child side: die with the test process, even when it is killed."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - best effort only
        pass


class Server:
    """One ftplab-server process with its own temporary directory:

        tmp/root/        the served root (self.root)
        tmp/server.log   its stdout and stderr (self.log_path)

    args are extra command-line options. fsize caps RLIMIT_FSIZE of the
    server (bytes). probe=False skips the login-free readiness probe that
    opens one control connection and QUITs it.
    """

    def __init__(self, args=(), host=LOOPBACK, fsize=None, probe=True, make_root=True):
        self.tmp = tempfile.mkdtemp(prefix="ftplab-test-")
        self.root = os.path.join(self.tmp, "root")
        if make_root:
            os.mkdir(self.root)
        self.log_path = os.path.join(self.tmp, "server.log")
        self.args = list(args)
        self.host = host
        self.fsize = fsize
        self.probe = probe
        self.proc = None
        self.port = None
        self.returncode = None
        self.log_text = ""

    # -- paths in the temporary directory
    def path(self, *parts):
        return os.path.join(self.tmp, *parts)

    def rpath(self, *parts):
        return os.path.join(self.root, *parts)

    def write(self, rel, data, mode=None):
        """Create root/rel (and its parent directories) holding data."""
        p = self.rpath(rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data if isinstance(data, bytes) else data.encode())
        if mode is not None:
            os.chmod(p, mode)
        return p

    def read(self, rel):
        with open(self.rpath(rel), "rb") as f:
            return f.read()

    # -- process
    def _preexec(self):
        _set_pdeathsig()
        if self.fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (self.fsize, self.fsize))

    def start(self):
        for attempt in range(3):
            self.port = free_port(self.host)
            listen = ("[%s]:%d" if ":" in self.host else "%s:%d") % (self.host, self.port)
            cmd = [server_binary(), "-l", listen, "-r", self.root] + self.args
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=log,
                                             stderr=subprocess.STDOUT,
                                             preexec_fn=self._preexec)
            finally:
                log.close()
            _live.append(self)
            if self._wait_ready():
                return self
            rc = self.proc.poll()
            if rc is None:
                break
            _live.remove(self)
            self.proc = None
            if "Address already in use" not in self.log():
                break  # a real start-up failure: do not retry
        text = self.log()
        self.stop(check=False)
        raise AssertionError("ftplab-server did not start: %s\n--- server log ---\n%s"
                             % (" ".join(cmd), text))

    def _wait_ready(self):
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if "listening on" in self.log():
                return not self.probe or self._probe(deadline)
            time.sleep(0.02)
        return False

    def _probe(self, deadline):
        """Connect, read the banner, QUIT and wait for the close: afterwards
        the probe's session is gone, so limits count only the test's own."""
        while time.monotonic() < deadline:
            try:
                with socket.create_connection((self.host, self.port), timeout=5) as s:
                    s.settimeout(5)
                    c = Control(sock=s)
                    code, _ = c.reply()
                    if code == 220:
                        s.sendall(b"QUIT\r\n")
                        end = time.monotonic() + 5
                        while time.monotonic() < end and s.recv(4096):
                            pass
                    return True
            except OSError:
                time.sleep(0.05)
        return False

    def log(self):
        try:
            with open(self.log_path, "r", errors="replace") as f:
                return f.read()
        except OSError:
            return self.log_text

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def signal(self, sig):
        self.proc.send_signal(sig)

    def wait(self, timeout):
        """The exit status within timeout seconds, or None."""
        try:
            return self.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def stop(self, check=True):
        """SIGTERM, then SIGKILL after STOP_TIMEOUT. With check, a status
        other than 0 (a sanitizer report, a crash, a hang) is an error."""
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
        if check and self.returncode != 0:
            raise AssertionError("ftplab-server exited with status %s\n--- server log ---\n%s"
                                 % (self.returncode, self.log_text[-20000:]))
        if check:
            check_log_clean(self.log_text)
        return self.returncode

    def cleanup(self, check=True):
        try:
            self.stop(check=check)
        finally:
            self.log_text = self.log()
            shutil.rmtree(self.tmp, ignore_errors=True)

    # -- clients
    def control(self, login=None, src=None, timeout=IO_TIMEOUT):
        """A raw control connection; login=(user, password) logs in."""
        c = Control(self.host, self.port, src=src, timeout=timeout)
        code, text = c.reply()
        if code != 220:
            c.close()
            raise AssertionError("banner: %d %s" % (code, text))
        if login:
            c.login(*login)
        return c


def check_log_clean(text):
    for marker in ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer", "runtime error:"):
        if marker in text:
            raise AssertionError("sanitizer report in the server log:\n" + text[-20000:])


def _kill_all():
    for s in list(_live):
        if s.proc is not None and s.proc.poll() is None:
            s.proc.kill()


import atexit  # noqa: E402
atexit.register(_kill_all)

REPLY_RE = re.compile(rb"^(\d{3})([ -])(.*)$")


class Control:
    """A control connection read one reply at a time (multi-line aware)."""

    def __init__(self, host=None, port=None, src=None, timeout=IO_TIMEOUT, sock=None):
        if sock is None:
            fam = socket.AF_INET6 if ":" in host else socket.AF_INET
            sock = socket.socket(fam, socket.SOCK_STREAM)
            sock.settimeout(timeout)
            try:
                if src:
                    sock.bind((src, 0))
                sock.connect((host, port))
            except OSError:
                sock.close()
                raise
        self.sock = sock
        self.buf = b""
        self.recv_sizes = []  # the size of every recv() that returned data

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def send(self, data):
        if isinstance(data, str):
            data = data.encode("latin-1")
        self.sock.sendall(data)

    def _line(self):
        while b"\n" not in self.buf:
            chunk = self.sock.recv(65536)
            if not chunk:
                raise EOFError("connection closed; pending %r" % self.buf)
            self.recv_sizes.append(len(chunk))
            self.buf += chunk
        line, _, self.buf = self.buf.partition(b"\n")
        if not line.endswith(b"\r"):
            raise AssertionError("reply line without CRLF: %r" % line)
        return line[:-1]

    def reply_raw(self):
        """(code, [lines]) of the next reply, lines as bytes without CRLF."""
        first = self._line()
        m = REPLY_RE.match(first)
        if not m:
            raise AssertionError("not a reply line: %r" % first)
        lines = [first]
        if m.group(2) == b"-":
            end = m.group(1) + b" "
            for _ in range(100000):
                line = self._line()
                lines.append(line)
                if line.startswith(end):
                    break
            else:
                raise AssertionError("multi-line reply without an end")
        return int(m.group(1)), lines

    def reply(self):
        code, lines = self.reply_raw()
        return code, b"\n".join(lines).decode("utf-8", "replace")

    def cmd(self, line):
        """Send one command line, return (code, text) of its reply."""
        self.send(line + "\r\n")
        return self.reply()

    def expect(self, line, code):
        got, text = self.cmd(line)
        if got != code:
            raise AssertionError("%s: want %d, got %d %s" % (line, code, got, text))
        return text

    def login(self, user, password):
        code, text = self.cmd("USER " + user)
        if code == 331:
            code, text = self.cmd("PASS " + password)
        if code != 230:
            raise AssertionError("login as %s: %d %s" % (user, code, text))

    def closed(self, timeout=5.0):
        """True when the server closes the connection within timeout."""
        self.sock.settimeout(timeout)
        try:
            end = time.monotonic() + timeout
            while time.monotonic() < end:
                chunk = self.sock.recv(4096)
                if not chunk:
                    return True
                self.buf += chunk
        except (socket.timeout, TimeoutError):
            return False
        except ConnectionResetError:
            return True
        return False

    # -- data connections
    def pasv(self):
        """PASV, returning the (host, port) of the 227."""
        code, text = self.cmd("PASV")
        if code != 227:
            raise AssertionError("PASV: %d %s" % (code, text))
        return parse_227(text)

    def epsv(self):
        code, text = self.cmd("EPSV")
        if code != 229:
            raise AssertionError("EPSV: %d %s" % (code, text))
        return parse_229(text)

    def pasv_connect(self, src=None):
        """PASV and a connected data socket."""
        host, port = self.pasv()
        return connect_data(host, port, src=src)


def parse_227(text):
    m = re.search(r"(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)", text)
    if not m:
        raise AssertionError("227 without h1,h2,h3,h4,p1,p2: %r" % text)
    n = [int(x) for x in m.groups()]
    return "%d.%d.%d.%d" % tuple(n[:4]), n[4] * 256 + n[5]


def parse_229(text):
    m = re.search(r"\(\|\|\|(\d+)\|\)", text)
    if not m:
        raise AssertionError("229 without (|||port|): %r" % text)
    return int(m.group(1))


def connect_data(host, port, src=None, timeout=IO_TIMEOUT):
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        if src:
            s.bind((src, 0))
        s.connect((host, port))
    except OSError:
        s.close()
        raise
    return s


def recv_all(sock, limit=64 << 20, timeout=IO_TIMEOUT * 3):
    """Everything until EOF (bounded in bytes and time)."""
    sock.settimeout(timeout)
    data = bytearray()
    end = time.monotonic() + timeout
    while len(data) < limit:
        if time.monotonic() > end:
            raise AssertionError("data connection: no EOF within %.0f s" % timeout)
        try:
            chunk = sock.recv(1 << 16)
        except ConnectionResetError:
            break
        if not chunk:
            break
        data += chunk
    return bytes(data)


def listen_active(host=LOOPBACK):
    """A listening socket for PORT/EPRT on an ephemeral port."""
    fam = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(fam, socket.SOCK_STREAM)
    s.settimeout(IO_TIMEOUT)
    s.bind((host, 0))
    s.listen(1)
    return s


def port_arg(host, port):
    return "%s,%d,%d" % (host.replace(".", ","), port // 256, port % 256)


class ServerTestCase(unittest.TestCase):
    """Base class: servers made with new_server() are stopped (exit status
    checked) and their temporary directories removed after the test, or, with
    make_class_server(), after the class. On a failure the logs of the
    servers involved are printed."""

    _class_servers = []

    @classmethod
    def make_class_server(cls, args=(), **kw):
        srv = Server(args, **kw)
        cls._class_servers = list(cls._class_servers) + [srv]
        cls.addClassCleanup(srv.cleanup)  # runs even when setUpClass fails
        srv.start()
        return srv

    def new_server(self, args=(), start=True, **kw):
        srv = Server(args, **kw)
        self._test_servers.append(srv)
        self.addCleanup(srv.cleanup)
        if start:
            srv.start()
        return srv

    def run(self, result=None):
        self._test_servers = []
        if result is None:
            result = self.defaultTestResult()
        before = len(result.failures) + len(result.errors)
        out = super().run(result)
        if len(result.failures) + len(result.errors) > before:
            for srv in self._test_servers + list(type(self)._class_servers):
                text = srv.log() if srv.proc is not None else srv.log_text
                sys.stderr.write("\n--- ftplab-server log (%s) ---\n%s\n--- end of log ---\n"
                                 % (self.id(), text[-20000:]))
        return out


def main():
    """python3 test_x.py BIN_DIR [unittest args]"""
    global BIN_DIR
    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        BIN_DIR = os.path.abspath(argv.pop(1))
    if not os.access(server_binary(), os.X_OK):
        sys.stderr.write("no executable %s\n" % server_binary())
        sys.exit(2)
    unittest.main(module="__main__", argv=argv, verbosity=2)
