"""topo.py - network-namespace topologies for ftplab tests and labs (stdlib only).

A Topology is a set of network namespaces joined by veth pairs, with
addresses, routes and iptables rules, plus every process started inside
them. Building one never touches the host's own network namespace: veths are
created directly inside the namespaces, and iptables/sysctl changes are made
inside the namespaces, where they are private to that namespace.

    import topo
    topo.skip_unless_root(self)              # in a TestCase (or as a class decorator)
    with topo.Topology.nat() as t:           # client -- NAT -- server
        srv = t.spawn_server("server", "/path/ftplab-server",
                             ["-l", "198.51.100.2:21", "-r", root], wait_port=21)
        r = t.run("client", ["curl", "-s", "ftp://198.51.100.2/"], timeout=20)

Names: every namespace is "<prefix>-<node>", prefix "ftplab-<pid>-<n>" by
default, so parallel runs never collide and leftovers are recognisable.

Cleanup: close() (also run by `with`, by atexit, and by SIGINT/SIGTERM
handlers) stops every process the topology started (SIGTERM, SIGKILL after
2 s), kills any other process still inside its namespaces, deletes the
namespaces (which removes their veths and iptables rules) and verifies that
neither a namespace with the prefix nor a process in one of them remains.
Processes are started with PR_SET_PDEATHSIG, so a test killed with SIGKILL
takes them along; the namespaces it leaves behind are removed by
sweep_stale(), which tests call at start-up.

See README.md in this folder.
"""
import atexit
import collections
import ctypes
import gzip
import ipaddress
import itertools
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

STOP_GRACE = 2.0       # seconds between SIGTERM and SIGKILL
CMD_TIMEOUT = 30.0     # default bound of every command run with run()
READY_TIMEOUT = 5.0    # default bound of waits for a port or a capture to be ready

PCAP_MAGICS = (b"\xd4\xc3\xb2\xa1", b"\xa1\xb2\xc3\xd4",   # pcap, microseconds
               b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d",   # pcap, nanoseconds
               b"\x0a\x0d\x0d\x0a")                        # pcapng

STALE_RE = re.compile(r"^ftplab-(\d+)-")  # default prefixes: ftplab-<pid>-<n>


class TopologyError(RuntimeError):
    """A command that builds or runs the topology failed."""


class Unavailable(Exception):
    """A facility the caller asked for is missing here (not root, no network
    namespaces, no kernel FTP helper). Tests turn it into a skip."""


def _which(name):
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/sbin:/usr/bin:/bin")


IP = _which("ip") or "ip"
IPTABLES = _which("iptables") or "iptables"
IP6TABLES = _which("ip6tables") or "ip6tables"
TCPDUMP = _which("tcpdump") or "tcpdump"


def _pdeathsig():
    """Child side, before exec: die with the parent (even on its SIGKILL)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - best effort
        pass


def _sh(argv, timeout=CMD_TIMEOUT, check=True, input=None):
    """Run a host-side command (ip, iptables via ip netns exec, ...), bounded."""
    try:
        r = subprocess.run(argv, capture_output=True, text=True, timeout=timeout,
                           input=input, stdin=None if input is not None else subprocess.DEVNULL,
                           preexec_fn=_pdeathsig)
    except subprocess.TimeoutExpired:
        raise TopologyError("%s: no answer within %.0f s" % (" ".join(argv), timeout))
    except OSError as e:
        raise TopologyError("%s: %s" % (" ".join(argv), e))
    if check and r.returncode != 0:
        raise TopologyError("%s: exit %d: %s" % (" ".join(argv), r.returncode,
                                                   (r.stderr or r.stdout).strip()))
    return r


# ---------------------------------------------------------------- inspection

def netns_list():
    """Names of all named network namespaces (ip netns list)."""
    r = _sh([IP, "netns", "list"], check=False)
    return [line.split()[0] for line in r.stdout.splitlines() if line.strip()]


def netns_pids(ns):
    r = _sh([IP, "netns", "pids", ns], check=False)
    return [int(x) for x in r.stdout.split() if x.isdigit()]


def _ns_inode(path):
    try:
        return os.stat(path).st_ino
    except OSError:
        return None


def _pids_in_netns_inodes(inodes):
    """Processes whose network namespace is one of inodes (found through
    /proc, so it also sees namespaces that have no name any more)."""
    if not inodes:
        return []
    found = []
    me = os.getpid()
    for d in os.listdir("/proc"):
        if not d.isdigit() or int(d) == me:
            continue
        if _netns_inode_of(int(d)) in inodes and not _is_zombie(int(d)):
            found.append(int(d))
    return found


def _netns_inode_of(pid):
    try:
        m = re.match(r"net:\[(\d+)\]", os.readlink("/proc/%d/ns/net" % pid))
    except OSError:
        return None
    return int(m.group(1)) if m else None


def _is_zombie(pid):
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] == "Z"
    except (OSError, IndexError):
        return True


def _cmdline(pid):
    try:
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return "?"


class Leftovers(collections.namedtuple("Leftovers", "namespaces pids")):
    """Namespaces and pids still present; falsy when there are none."""

    def __bool__(self):
        return bool(self.namespaces or self.pids)

    def describe(self):
        parts = []
        if self.namespaces:
            parts.append("namespaces: " + ", ".join(self.namespaces))
        if self.pids:
            parts.append("processes: " + ", ".join("%d (%s)" % (p, _cmdline(p))
                                                   for p in self.pids))
        return "; ".join(parts) or "nothing"


_inodes_by_prefix = collections.defaultdict(set)  # every namespace we made, by prefix


def leftovers(prefix):
    """What is left of topology prefix: namespaces named "<prefix>-*" and
    processes inside them or inside any namespace this process created with
    that prefix (even one whose name is gone). Falsy when nothing is left."""
    names = [n for n in netns_list() if n == prefix or n.startswith(prefix + "-")]
    pids = set()
    for n in names:
        pids.update(netns_pids(n))
    pids.update(_pids_in_netns_inodes(_inodes_by_prefix.get(prefix, set())))
    pids.discard(os.getpid())
    return Leftovers(sorted(names), sorted(p for p in pids if not _is_zombie(p)))


def _kill_pids(pids, grace=STOP_GRACE):
    pids = [p for p in pids if p != os.getpid()]
    for p in pids:
        try:
            os.kill(p, signal.SIGTERM)
        except OSError:
            pass
    end = time.monotonic() + grace
    while time.monotonic() < end and any(_alive(p) for p in pids):
        time.sleep(0.02)
    for p in pids:
        if _alive(p):
            try:
                os.kill(p, signal.SIGKILL)
            except OSError:
                pass


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    return not _is_zombie(pid)


def sweep_stale(pattern=STALE_RE):
    """Delete namespaces "ftplab-<pid>-*" (pattern: a regex whose group 1 is
    the pid) whose creating process <pid> is gone (a run killed with
    SIGKILL, e.g. by a ctest timeout), killing what still runs in them.
    Names without that shape (labs use e.g. "ftplab-lab-") are never
    touched. Returns the names removed."""
    removed = []
    for n in netns_list():
        m = pattern.match(n)
        if not m or _alive(int(m.group(1))):
            continue
        _kill_pids(netns_pids(n))
        if _sh([IP, "netns", "del", n], check=False).returncode == 0:
            removed.append(n)
    return removed


# ---------------------------------------------------------------- availability

_root_reason = None


def netns_unavailable():
    """None when this process can build topologies, else the reason why not
    (not root, no ip/iptables, `ip netns add` refused). Probed once."""
    global _root_reason
    if _root_reason is not None:
        return _root_reason or None
    reason = ""
    if os.geteuid() != 0:
        reason = "network-namespace tests need root (uid %d)" % os.geteuid()
    elif not _which("ip"):
        reason = "no `ip` command (iproute2)"
    elif not _which("iptables"):
        reason = "no `iptables` command"
    else:
        probe = "ftplab-%d-probe" % os.getpid()
        r = _sh([IP, "netns", "add", probe], check=False)
        if r.returncode != 0:
            reason = "`ip netns add` failed (no CAP_SYS_ADMIN?): %s" % r.stderr.strip()
        else:
            r = _sh([IP, "netns", "exec", probe, IPTABLES, "-t", "nat", "-S"], check=False)
            if r.returncode != 0:
                reason = "iptables does not work inside a namespace: %s" % r.stderr.strip()
            _sh([IP, "netns", "del", probe], check=False)
    _root_reason = reason
    return reason or None


def need_root():
    """Raise Unavailable unless topologies can be built here."""
    reason = netns_unavailable()
    if reason:
        raise Unavailable(reason)


def skip_unless_root(target):
    """skip_unless_root(self) inside a test, or @skip_unless_root on a
    TestCase class: skip with a clear reason when not root or when network
    namespaces cannot be created."""
    import unittest
    if isinstance(target, type):
        reason = netns_unavailable()
        return unittest.skipIf(bool(reason), reason or "")(target)
    reason = netns_unavailable()
    if reason:
        target.skipTest(reason)


def _kernel_config():
    for path in ("/proc/config.gz", "/boot/config-" + os.uname().release):
        try:
            opener = gzip.open if path.endswith(".gz") else open
            with opener(path, "rt") as f:
                return f.read()
        except OSError:
            continue
    return ""


def _kernel_has(module, config):
    """'loaded', 'built-in' or '' for a kernel module."""
    if os.path.isdir("/sys/module/" + module):
        return "loaded"
    try:
        with open("/proc/modules") as f:
            if any(line.split()[0] == module for line in f):
                return "loaded"
    except OSError:
        pass
    if re.search(r"^%s=y$" % config, _kernel_config(), re.M):
        return "built-in"
    try:
        with open("/proc/kallsyms") as f:
            if re.search(r" %s(_init)?$" % module, f.read(), re.M):
                return "built-in"
    except OSError:
        pass
    return ""


_alg_status = None


def ftp_alg_status():
    """(available, explanation) of the kernel FTP ALG: nf_conntrack_ftp
    (follows PORT/PASV and expects the data connection) and nf_nat_ftp
    (rewrites the addresses through NAT). Loads them with modprobe when there
    is one. Probed once."""
    global _alg_status
    if _alg_status is not None:
        return _alg_status
    notes = []
    modprobe = _which("modprobe")
    if modprobe:
        for m in ("nf_conntrack_ftp", "nf_nat_ftp"):
            r = _sh([modprobe, m], check=False)
            if r.returncode != 0:
                notes.append("modprobe %s: %s" % (m, r.stderr.strip()))
    ok = True
    for m, c in (("nf_conntrack_ftp", "CONFIG_NF_CONNTRACK_FTP"),
                 ("nf_nat_ftp", "CONFIG_NF_NAT_FTP")):
        how = _kernel_has(m, c)
        notes.append("%s: %s" % (m, how or "missing"))
        ok = ok and bool(how)
    if not modprobe:
        notes.append("no modprobe")
    _alg_status = (ok, "; ".join(notes))
    return _alg_status


# ---------------------------------------------------------------- ping / probes

_PING = r"""
import os, select, socket, struct, sys, time
dst, timeout = sys.argv[1], float(sys.argv[2])
v6 = ":" in dst
def csum(b):
    if len(b) % 2: b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16: s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff
fam, proto, req, rep = ((socket.AF_INET6, socket.IPPROTO_ICMPV6, 128, 129) if v6 else
                        (socket.AF_INET, socket.IPPROTO_ICMP, 8, 0))
s = socket.socket(fam, socket.SOCK_RAW, proto)
ident, body = os.getpid() & 0xffff, b"ftplab-ping"
pkt = struct.pack("!BBHHH", req, 0, 0, ident, 1) + body
if not v6:
    pkt = pkt[:2] + struct.pack("!H", csum(pkt)) + pkt[4:]
try:
    s.sendto(pkt, (dst, 0))
except OSError as e:
    print("send to %s: %s" % (dst, e.strerror)); sys.exit(2)
end = time.monotonic() + timeout
while True:
    left = end - time.monotonic()
    if left <= 0 or not select.select([s], [], [], left)[0]:
        print("no reply from %s within %.1f s" % (dst, timeout)); sys.exit(1)
    data, addr = s.recvfrom(4096)
    if not v6:
        data = data[(data[0] & 15) * 4:]
    typ, _, _, rid = struct.unpack("!BBHH", data[:6])
    if typ == rep and rid == ident:
        print("reply from %s" % addr[0]); sys.exit(0)
    if typ in ((1,) if v6 else (3, 11)):
        print("ICMP error type %d from %s" % (typ, addr[0])); sys.exit(1)
"""

_TCP_PROBE = r"""
import socket, sys
host, port, timeout = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
try:
    s = socket.create_connection((host, port), timeout=timeout)
except OSError as e:
    print("connect %s:%d: %s" % (host, port, e.strerror or e)); sys.exit(1)
s.settimeout(timeout)
data = b""
try:
    while len(data) < 65536:
        chunk = s.recv(4096)
        if not chunk: break
        data += chunk
except OSError:
    pass
sys.stdout.write(data.decode("utf-8", "replace")); sys.exit(0)
"""

# A trivial TCP listener: to every connection it writes one line
#   peer=IP:PORT local=IP:PORT orig=IP:PORT
# (orig: SO_ORIGINAL_DST, the destination before a REDIRECT/DNAT, or "-")
# and closes. argv: ADDR PORT.
PEER_ECHO = r"""
import socket, struct, sys
addr, port = sys.argv[1], int(sys.argv[2])
fam = socket.AF_INET6 if ":" in addr else socket.AF_INET
ls = socket.socket(fam, socket.SOCK_STREAM)
ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
ls.bind((addr, port)); ls.listen(16)
print("listening on %s:%d" % (addr, port), flush=True)
while True:
    c, peer = ls.accept()
    local = c.getsockname()
    orig = "-"
    try:
        if fam == socket.AF_INET:
            raw = c.getsockopt(socket.SOL_IP, 80, 16)   # SO_ORIGINAL_DST
            orig = "%s:%d" % (socket.inet_ntoa(raw[4:8]), struct.unpack("!H", raw[2:4])[0])
    except OSError:
        pass
    line = "peer=%s:%d local=%s:%d orig=%s\n" % (peer[0], peer[1], local[0], local[1], orig)
    print(line, end="", flush=True)
    try:
        c.sendall(line.encode())
    finally:
        c.close()
"""


class Result:
    """ok (also the truth value) and detail (what the probe printed)."""

    def __init__(self, ok, detail):
        self.ok, self.detail = ok, detail

    def __bool__(self):
        return self.ok

    def __repr__(self):
        return "Result(%r, %r)" % (self.ok, self.detail)


# ---------------------------------------------------------------- topology

_live = []          # open topologies, closed by atexit and the signal handlers
_counter = itertools.count(1)
_handlers_installed = False


def _close_all():
    for t in list(_live):
        try:
            t.close(verify=False)
        except Exception as e:  # pragma: no cover - keep closing the others
            sys.stderr.write("topo: closing %s: %s\n" % (t.prefix, e))


def _on_signal(sig, frame):
    _close_all()
    prev = _prev_handlers.get(sig, signal.SIG_DFL)
    if callable(prev):
        prev(sig, frame)           # SIGINT: raises KeyboardInterrupt as usual
    elif prev != signal.SIG_IGN:
        signal.signal(sig, signal.SIG_DFL)
        os.kill(os.getpid(), sig)  # die of the signal, as without us


_prev_handlers = {}


def _install_handlers():
    global _handlers_installed
    if _handlers_installed:
        return
    _handlers_installed = True
    atexit.register(_close_all)
    if threading.current_thread() is not threading.main_thread():
        return
    for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        prev = signal.getsignal(sig)
        if prev == signal.SIG_IGN:
            continue
        _prev_handlers[sig] = prev
        signal.signal(sig, _on_signal)


class Topology:
    """Namespaces, veth links, addresses, routes, iptables rules and
    processes, all removed by close().

    Layouts (class methods): nat(), nat(server_behind_nat=True), direct().
    Or build your own: Topology(prefix) then add_node(), add_link(),
    add_addr(), add_route(), sysctl(), iptables()...

    Attributes of the layouts: nodes (short name -> namespace), client_addr
    (the client's own address), server_addr (the address a client dials to
    reach the server), inside_if / outside_if (the NAT node's interfaces),
    tmp (a directory for logs and captures, removed by close() unless
    keep_files).

    persist=True (opt-in, for labs that stay up after their script ends,
    e.g. `./ftplab lab run X --keep`): processes started by popen() do not
    get PR_SET_PDEATHSIG, so they can outlive this Python process. Nothing
    else changes: close() and the atexit/signal cleanup still remove
    everything, until release() hands the topology over to whoever removes
    it later by name (ip netns del <prefix>-*). Use a fixed, recognisable
    prefix with it (e.g. "ftplab-lab")."""

    def __init__(self, prefix=None, keep_files=False, persist=False):
        need_root()
        self.prefix = prefix or "ftplab-%d-%d" % (os.getpid(), next(_counter))
        clash = [n for n in netns_list() if n.startswith(self.prefix + "-")]
        if clash:
            raise TopologyError("namespaces with prefix %s exist already: %s"
                                % (self.prefix, ", ".join(clash)))
        self.nodes = {}
        self.ns_inodes = {}   # node -> inode of its network namespace
        self.addrs = collections.defaultdict(list)  # (node, iface) -> [cidr]
        self.procs = []
        self.closed = False
        self.keep_files = keep_files or bool(os.environ.get("FTPLAB_NETNS_KEEP"))
        self.persist = persist
        self.tmp = tempfile.mkdtemp(prefix=self.prefix + "-")
        self.client_addr = self.server_addr = None
        self.inside_if = self.outside_if = None
        self.pasv_ports = None      # server behind NAT: the forwarded passive range
        self.layout = "custom"
        _install_handlers()
        _live.append(self)

    # -- context manager
    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        # with an exception in flight, report leftovers without masking it
        self.close(verify=exc_type is None)
        return False

    def __repr__(self):
        return "<Topology %s %s: %s>" % (self.layout, self.prefix, ", ".join(self.nodes))

    # -- layouts
    @classmethod
    def nat(cls, prefix=None, server_behind_nat=False, mtu=1500, ipv6=False,
            stateful=True, pasv_ports=(50000, 50099), keep_files=False, persist=False):
        """Client behind NAT (default):

            client 10.0.1.2/24 eth0 -- lan0 10.0.1.1 [nat] wan0 198.51.100.1/24 -- eth0 198.51.100.2/24 server

        The NAT masquerades what leaves wan0; the server has no route to
        10.0.0.0/8. With stateful (default) the NAT also drops new
        connections from wan0 to lan0, as a home router does (related ones,
        e.g. those the kernel FTP helper expects, pass).

        server_behind_nat=True, the server is behind the NAT:

            client 203.0.113.2/24 eth0 -- wan0 203.0.113.1 [nat] lan0 10.0.2.1/24 -- eth0 10.0.2.2/24 server

        with DNAT of TCP port 21 and pasv_ports (inclusive range) from wan0
        to 10.0.2.2, and masquerade of what the server sends out (active
        mode). Clients dial server_addr = 203.0.113.1.

        ipv6=True adds 2001:db8:1::/64 inside and 2001:db8:2::/64 outside
        (server behind NAT: 2001:db8:3::/64 inside, 2001:db8:4::/64 outside),
        masqueraded with ip6tables the same way."""
        t = cls(prefix, keep_files=keep_files, persist=persist)
        try:
            if server_behind_nat:
                t._build_server_nat(mtu, ipv6, pasv_ports)
            else:
                t._build_client_nat(mtu, ipv6, stateful)
        except BaseException:
            t.close(verify=False)
            raise
        return t

    @classmethod
    def direct(cls, prefix=None, mtu=1500, ipv6=False, keep_files=False, persist=False):
        """client 192.0.2.2/24 eth0 -- eth0 192.0.2.1/24 server, no NAT
        (ipv6: 2001:db8:5::2 and 2001:db8:5::1)."""
        t = cls(prefix, keep_files=keep_files, persist=persist)
        try:
            t.layout = "direct"
            t.add_node("client")
            t.add_node("server")
            t.add_link("client", "eth0", "server", "eth0", mtu=mtu)
            t.add_addr("client", "eth0", "192.0.2.2/24")
            t.add_addr("server", "eth0", "192.0.2.1/24")
            if ipv6:
                t.add_addr("client", "eth0", "2001:db8:5::2/64")
                t.add_addr("server", "eth0", "2001:db8:5::1/64")
            t.client_addr, t.server_addr = "192.0.2.2", "192.0.2.1"
        except BaseException:
            t.close(verify=False)
            raise
        return t

    def _build_client_nat(self, mtu, ipv6, stateful):
        self.layout = "client-nat"
        self.inside_if, self.outside_if = "lan0", "wan0"
        for n in ("client", "nat", "server"):
            self.add_node(n)
        self.add_link("client", "eth0", "nat", "lan0", mtu=mtu)
        self.add_link("nat", "wan0", "server", "eth0", mtu=mtu)
        self.add_addr("client", "eth0", "10.0.1.2/24")
        self.add_addr("nat", "lan0", "10.0.1.1/24")
        self.add_addr("nat", "wan0", "198.51.100.1/24")
        self.add_addr("server", "eth0", "198.51.100.2/24")
        self.add_route("client", "default", "10.0.1.1")
        self.sysctl("nat", "net/ipv4/ip_forward", 1)
        self.iptables("nat", "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE")
        if stateful:
            self._stateful_forward("nat", "wan0", "lan0", v6=False)
        if ipv6:
            self.add_addr("client", "eth0", "2001:db8:1::2/64")
            self.add_addr("nat", "lan0", "2001:db8:1::1/64")
            self.add_addr("nat", "wan0", "2001:db8:2::1/64")
            self.add_addr("server", "eth0", "2001:db8:2::2/64")
            self.add_route("client", "default", "2001:db8:1::1", v6=True)
            self.sysctl("nat", "net/ipv6/conf/all/forwarding", 1)
            self.ip6tables("nat", "-t", "nat", "-A", "POSTROUTING", "-o", "wan0",
                           "-j", "MASQUERADE")
            if stateful:
                self._stateful_forward("nat", "wan0", "lan0", v6=True)
        self.client_addr, self.server_addr = "10.0.1.2", "198.51.100.2"

    def _build_server_nat(self, mtu, ipv6, pasv_ports):
        self.layout = "server-nat"
        self.inside_if, self.outside_if = "lan0", "wan0"
        for n in ("client", "nat", "server"):
            self.add_node(n)
        self.add_link("client", "eth0", "nat", "wan0", mtu=mtu)
        self.add_link("nat", "lan0", "server", "eth0", mtu=mtu)
        self.add_addr("client", "eth0", "203.0.113.2/24")
        self.add_addr("nat", "wan0", "203.0.113.1/24")
        self.add_addr("nat", "lan0", "10.0.2.1/24")
        self.add_addr("server", "eth0", "10.0.2.2/24")
        self.add_route("server", "default", "10.0.2.1")
        self.sysctl("nat", "net/ipv4/ip_forward", 1)
        ports = ["21"]
        if pasv_ports:
            ports.append("%d:%d" % tuple(pasv_ports))
        for p in ports:
            self.iptables("nat", "-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-p", "tcp",
                          "--dport", p, "-j", "DNAT", "--to-destination", "10.0.2.2")
        self.iptables("nat", "-t", "nat", "-A", "POSTROUTING", "-o", "wan0", "-j", "MASQUERADE")
        if ipv6:
            self.add_addr("client", "eth0", "2001:db8:4::2/64")
            self.add_addr("nat", "wan0", "2001:db8:4::1/64")
            self.add_addr("nat", "lan0", "2001:db8:3::1/64")
            self.add_addr("server", "eth0", "2001:db8:3::2/64")
            self.add_route("server", "default", "2001:db8:3::1", v6=True)
            self.sysctl("nat", "net/ipv6/conf/all/forwarding", 1)
            for p in ports:
                self.ip6tables("nat", "-t", "nat", "-A", "PREROUTING", "-i", "wan0", "-p", "tcp",
                               "--dport", p, "-j", "DNAT", "--to-destination", "2001:db8:3::2")
            self.ip6tables("nat", "-t", "nat", "-A", "POSTROUTING", "-o", "wan0",
                           "-j", "MASQUERADE")
        self.client_addr, self.server_addr = "203.0.113.2", "203.0.113.1"
        self.pasv_ports = tuple(pasv_ports) if pasv_ports else None

    def _stateful_forward(self, node, outside, inside, v6):
        ipt = self.ip6tables if v6 else self.iptables
        ipt(node, "-A", "FORWARD", "-i", outside, "-o", inside, "-m", "conntrack",
            "--ctstate", "ESTABLISHED,RELATED", "-j", "ACCEPT")
        ipt(node, "-A", "FORWARD", "-i", outside, "-o", inside, "-j", "DROP")

    # -- building blocks
    def ns(self, node):
        """The namespace name of node."""
        try:
            return self.nodes[node]
        except KeyError:
            raise KeyError("no node %r in %r" % (node, self))

    def add_node(self, node):
        if not re.match(r"^[A-Za-z0-9_]+$", node):
            raise ValueError("node names are [A-Za-z0-9_]+: %r" % node)
        ns = "%s-%s" % (self.prefix, node)
        if node in self.nodes:
            raise TopologyError("node %r exists already" % node)
        self.nodes[node] = ns          # first, so that an interrupted add is cleaned too
        _sh([IP, "netns", "add", ns])
        ino = _ns_inode("/run/netns/" + ns) or _ns_inode("/var/run/netns/" + ns)
        if ino:
            _inodes_by_prefix[self.prefix].add(ino)
            self.ns_inodes[node] = ino
        self.ip(node, "link", "set", "lo", "up")
        return ns

    def ip(self, node, *args):
        """`ip -n NS args`, checked."""
        return _sh([IP, "-n", self.ns(node)] + [str(a) for a in args]).stdout

    def add_link(self, a, a_if, b, b_if, mtu=1500):
        """A veth pair a:a_if <-> b:b_if, created inside the namespaces."""
        self.ip(a, "link", "add", a_if, "mtu", mtu, "type", "veth",
                "peer", "name", b_if, "mtu", mtu, "netns", self.ns(b))
        self.ip(a, "link", "set", a_if, "up")
        self.ip(b, "link", "set", b_if, "up")

    def add_addr(self, node, iface, cidr):
        extra = ["nodad"] if ":" in cidr else []   # IPv6: usable at once, no DAD wait
        self.ip(node, "addr", "add", cidr, "dev", iface, *extra)
        self.addrs[(node, iface)].append(cidr)

    def add_route(self, node, dest, via, v6=False):
        self.ip(node, "-6" if v6 else "-4", "route", "add", dest, "via", via)

    def sysctl(self, node, key, value):
        """Write /proc/sys/KEY inside node (key with / or . separators)."""
        path = "/proc/sys/" + key.replace(".", "/")
        self.run(node, ["sh", "-c", 'printf "%s\\n" "$1" > "$2"', "sh", str(value), path],
                 check=True, timeout=10)

    def addr(self, node, iface=None, v6=False):
        """The first IPv4 (or IPv6) address of node (on iface), no prefix length."""
        for (n, i), cidrs in self.addrs.items():
            if n == node and (iface is None or i == iface):
                for c in cidrs:
                    if (":" in c) == v6:
                        return c.split("/")[0]
        raise KeyError("no %s address on %s %s" % ("IPv6" if v6 else "IPv4", node, iface or ""))

    # -- running commands
    def cmd(self, node, argv):
        """argv prefixed so that it runs inside node."""
        return [IP, "netns", "exec", self.ns(node)] + [str(a) for a in argv]

    def run(self, node, argv, timeout=CMD_TIMEOUT, check=False, **kw):
        """subprocess.run(argv) inside node, bounded by timeout. Output is
        captured as text unless stdout/stderr/capture_output/text are given."""
        if not {"stdout", "stderr", "capture_output"} & set(kw):
            kw["capture_output"] = True
            kw.setdefault("text", True)
        if "input" not in kw:
            kw.setdefault("stdin", subprocess.DEVNULL)
        r = subprocess.run(self.cmd(node, argv), timeout=timeout, preexec_fn=_pdeathsig, **kw)
        if check and r.returncode != 0:
            err = r.stderr or r.stdout or ""
            if isinstance(err, bytes):
                err = err.decode(errors="replace")
            raise TopologyError("%s in %s: exit %d: %s" % (
                " ".join(map(str, argv)), node, r.returncode, err.strip()))
        return r

    def popen(self, node, argv, **kw):
        """subprocess.Popen(argv) inside node, in its own session, remembered
        for close(). Returns once the process has entered node's namespace
        (bounded), so pids() and listening() see it at once."""
        kw.setdefault("stdin", subprocess.DEVNULL)
        kw.setdefault("start_new_session", True)
        p = subprocess.Popen(self.cmd(node, argv),
                             preexec_fn=None if self.persist else _pdeathsig, **kw)
        p.node = node
        self.procs.append(p)
        want = self.ns_inodes.get(node)
        end = time.monotonic() + READY_TIMEOUT
        while (want is not None and _netns_inode_of(p.pid) != want and p.poll() is None
               and time.monotonic() < end):
            time.sleep(0.002)
        return p

    def spawn_server(self, node, binary, args=(), log=None, wait_port=None,
                     wait_log=None, timeout=READY_TIMEOUT):
        """Start a long-running process inside node with stdout and stderr in
        log (default: a file in tmp; the path is proc.log_path). Waits until
        TCP wait_port listens in node and/or the text wait_log appears in
        the log, at most timeout seconds; raises TopologyError (with the log)
        if it does not, or if the process exits first."""
        argv = [binary] + list(args) if isinstance(binary, str) else list(binary)
        if log is None:
            log = os.path.join(self.tmp, "%s-%s-%d.log" % (
                node, os.path.basename(argv[0]), len(self.procs)))
        with open(log, "ab") as f:
            p = self.popen(node, argv, stdout=f, stderr=subprocess.STDOUT)
        p.log_path = log
        p.log = lambda: _read(log)
        try:
            if wait_log is not None:
                self._wait(lambda: wait_log in _read(log), p, timeout,
                           "%r in the log of %s" % (wait_log, argv[0]))
            if wait_port is not None:
                self.wait_listen(node, wait_port, timeout=timeout, proc=p)
        except TopologyError as e:
            self.stop(p)
            raise TopologyError("%s\n--- %s ---\n%s" % (e, log, _read(log)[-4000:]))
        return p

    def _wait(self, cond, proc, timeout, what):
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            if cond():
                return
            if proc is not None and proc.poll() is not None:
                raise TopologyError("%s exited with %s while waiting for %s"
                                    % (proc.args[4] if len(proc.args) > 4 else proc.args,
                                       proc.returncode, what))
            time.sleep(0.02)
        raise TopologyError("no %s within %.1f s" % (what, timeout))

    def listening(self, node, proc=None):
        """{(addr, port)} of the TCP sockets listening inside node."""
        texts = []
        if proc is not None and proc.poll() is None:
            # /proc/PID/net shows the namespace PID is in *now*: until `ip
            # netns exec` has switched, that is the host's, so wait for it
            if _netns_inode_of(proc.pid) != self.ns_inodes.get(node):
                return set()
            for f in ("tcp", "tcp6"):
                texts.append(_read("/proc/%d/net/%s" % (proc.pid, f)))
        else:
            texts.append(self.run(node, ["cat", "/proc/net/tcp", "/proc/net/tcp6"],
                                  timeout=10).stdout)
        out = set()
        for text in texts:
            for line in text.splitlines()[1:]:
                f = line.split()
                if len(f) > 3 and f[3] == "0A":
                    a, port = f[1].rsplit(":", 1)
                    out.add((_hex_addr(a), int(port, 16)))
        return out

    def wait_listen(self, node, port, timeout=READY_TIMEOUT, proc=None):
        """Wait (bounded) until something listens on TCP port inside node."""
        self._wait(lambda: any(p == port for _, p in self.listening(node, proc)),
                   proc, timeout, "listener on TCP port %d in %s" % (port, node))

    def capture(self, node, iface, path=None, filter=(), timeout=READY_TIMEOUT):
        """Start tcpdump -U -w path on iface inside node; returns once tcpdump
        listens (bounded). proc.pcap_path is the file; stop(proc) ends it."""
        if not _which("tcpdump"):
            raise Unavailable("no tcpdump")
        if path is None:
            path = os.path.join(self.tmp, "%s-%s-%d.pcap" % (node, iface, len(self.procs)))
        errlog = path + ".log"
        with open(errlog, "ab") as f:
            # --immediate-mode: else TPACKET_V3 holds packets in a kernel block
            # and a capture stopped within a second may hold none
            p = self.popen(node, [TCPDUMP, "-n", "-i", iface, "-U", "--immediate-mode",
                                  "-Z", "root", "-s", "0", "-w", path] + list(filter),
                           stdout=f, stderr=subprocess.STDOUT)
        p.pcap_path = path
        p.log_path = errlog
        try:
            self._wait(lambda: "listening on" in _read(errlog), p, timeout,
                       "tcpdump ready on %s:%s" % (node, iface))
        except TopologyError as e:
            self.stop(p)
            raise TopologyError("%s\n%s" % (e, _read(errlog)))
        return p

    def stop(self, proc, grace=STOP_GRACE):
        """SIGTERM the process (its whole session), SIGKILL after grace
        seconds; returns its exit status."""
        _stop_procs([proc], grace)
        return proc.returncode

    # -- iptables
    def iptables(self, node, *args):
        """iptables ARGS inside node (rules are per namespace and vanish with
        it); returns stdout, raises TopologyError on failure."""
        return self.run(node, [IPTABLES, "-w", "5"] + list(args), check=True).stdout

    def ip6tables(self, node, *args):
        return self.run(node, [IP6TABLES, "-w", "5"] + list(args), check=True).stdout

    def enable_ftp_alg(self, node="nat", port=21):
        """Attach the kernel FTP helper (conntrack + NAT rewriting of
        PORT/EPRT/PASV/EPSV) to TCP port `port` in node with
            iptables -t raw -A PREROUTING -p tcp --dport PORT -j CT --helper ftp
        Raises Unavailable (with the reason) when the kernel lacks it."""
        ok, why = ftp_alg_status()
        if not ok:
            raise Unavailable("kernel FTP ALG not available: " + why)
        try:
            self.iptables(node, "-t", "raw", "-A", "PREROUTING", "-p", "tcp",
                          "--dport", str(port), "-j", "CT", "--helper", "ftp")
        except TopologyError as e:
            raise Unavailable("CT --helper ftp rule refused: %s (%s)" % (e, why))

    def redirect(self, node="nat", port=21, to_port=2121, in_iface=None):
        """Transparent-proxy redirect in node:
            iptables -t nat -A PREROUTING -i IN -p tcp --dport PORT -j REDIRECT --to-ports TO
        (IN defaults to the NAT's inside interface). Returns the argument list."""
        in_iface = in_iface or self.inside_if
        args = ["-t", "nat", "-A", "PREROUTING"] + (["-i", in_iface] if in_iface else []) + [
            "-p", "tcp", "--dport", str(port), "-j", "REDIRECT", "--to-ports", str(to_port)]
        self.iptables(node, *args)
        return args

    # -- probes and inspection
    def ping(self, node, dst, timeout=1.0):
        """One ICMP echo from node to dst (no ping binary needed). Result
        is truthy on a reply; .detail says what happened."""
        r = self.run(node, [sys.executable, "-c", _PING, dst, str(timeout)],
                     timeout=timeout + 10)
        return Result(r.returncode == 0, (r.stdout + r.stderr).strip())

    def tcp_request(self, node, host, port, timeout=2.0):
        """Connect from node to host:port, read until EOF (bounded). Result is
        truthy when the connection was made; .detail is the text received
        or the error."""
        r = self.run(node, [sys.executable, "-c", _TCP_PROBE, host, str(port), str(timeout)],
                     timeout=2 * timeout + 10)
        return Result(r.returncode == 0, r.stdout if r.returncode == 0
                      else (r.stdout + r.stderr).strip())

    def spawn_peer_echo(self, node, addr, port, timeout=READY_TIMEOUT):
        """A trivial TCP listener on addr:port in node that answers every
        connection with "peer=... local=... orig=...\\n" (orig from
        SO_ORIGINAL_DST) and closes it."""
        return self.spawn_server(node, [sys.executable, "-u", "-c", PEER_ECHO, addr, str(port)],
                                 wait_port=port, timeout=timeout)

    def links(self, node):
        """ip -j link show inside node, parsed."""
        return json.loads(self.ip(node, "-j", "link", "show") or "[]")

    def mtu(self, node, iface):
        for link in self.links(node):
            if link.get("ifname") == iface:
                return link.get("mtu")
        raise KeyError("no interface %s in %s" % (iface, node))

    def pids(self):
        """Processes inside the topology's namespaces."""
        out = set()
        for ns in self.nodes.values():
            out.update(netns_pids(ns))
        return sorted(out)

    def leftovers(self):
        return leftovers(self.prefix)

    # -- teardown
    def release(self):
        """persist=True only: leave the namespaces (with their links, rules
        and tmp) and the processes still running in them as they are, for
        after this Python process ends. The topology leaves the atexit and
        signal cleanup, and close() becomes a no-op. Whoever removes it
        later does so by name: leftovers(prefix), then ip netns del.
        Returns {node: namespace}."""
        if not self.persist:
            raise TopologyError("release() needs Topology(persist=True): the processes "
                                "of this topology die with this one (PR_SET_PDEATHSIG)")
        self.closed = True
        self.keep_files = True
        if self in _live:
            _live.remove(self)
        return dict(self.nodes)

    def close(self, verify=True):
        """Stop every process, delete every namespace, remove tmp (unless
        keep_files). Idempotent. With verify, raises TopologyError if a
        namespace or a process of the topology survives; otherwise writes
        the leftovers to stderr."""
        if self.closed:
            return
        self.closed = True
        try:
            _stop_procs(list(reversed(self.procs)), STOP_GRACE)
            _kill_pids(self.pids())              # strays: children, ip netns exec ...
            for ns in list(self.nodes.values()):
                _sh([IP, "netns", "del", ns], check=False)
            left = leftovers(self.prefix)
            if left:                             # one more round, then report
                _kill_pids(left.pids)
                for ns in left.namespaces:
                    _sh([IP, "netns", "del", ns], check=False)
                left = leftovers(self.prefix)
        finally:
            if self in _live:
                _live.remove(self)
            if not self.keep_files:
                shutil.rmtree(self.tmp, ignore_errors=True)
        if left:
            msg = "topology %s left %s" % (self.prefix, left.describe())
            if verify:
                raise TopologyError(msg)
            sys.stderr.write("topo: %s\n" % msg)


def _stop_procs(procs, grace):
    procs = [p for p in procs if p.poll() is None]
    for p in procs:
        _signal_session(p, signal.SIGTERM)
    end = time.monotonic() + grace
    for p in procs:
        try:
            p.wait(timeout=max(0.0, end - time.monotonic()))
        except subprocess.TimeoutExpired:
            pass
    for p in procs:
        if p.poll() is None:
            _signal_session(p, signal.SIGKILL)
            try:
                p.wait(timeout=5)
            except subprocess.TimeoutExpired:  # pragma: no cover - D state
                sys.stderr.write("topo: pid %d survives SIGKILL\n" % p.pid)


def _signal_session(p, sig):
    try:
        os.killpg(p.pid, sig)   # popen() starts a new session: pgid == pid
    except OSError:
        try:
            p.send_signal(sig)
        except OSError:
            pass


def _read(path):
    try:
        with open(path, "r", errors="replace") as f:
            return f.read()
    except OSError:
        return ""


def _hex_addr(h):
    """An address from /proc/net/tcp{,6} (little-endian words)."""
    b = bytes.fromhex(h)
    if len(b) == 4:
        return ".".join(str(x) for x in b[::-1])
    words = [b[i:i + 4][::-1] for i in range(0, 16, 4)]
    return str(ipaddress.IPv6Address(b"".join(words)))


def pcap_check(path):
    """(ok, why): path is a pcap/pcapng file holding at least one packet."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        return False, str(e)
    if data[:4] not in PCAP_MAGICS:
        return False, "not a pcap file (first bytes %r)" % data[:4]
    if data[:4] != PCAP_MAGICS[4] and len(data) <= 24 + 16:
        return False, "pcap header but no packet (%d bytes)" % len(data)
    return True, "%d bytes" % len(data)


# ---------------------------------------------------------------- test entry point

BIN_DIR = os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                        "..", "..", "build", "bin"))


SKIP_EXIT = 77   # ctest SKIP_RETURN_CODE: the whole file cannot run here


def test_main():
    """python3 test_x.py [BIN_DIR] [unittest arguments]: sets BIN_DIR, exits
    with SKIP_EXIT (77) and the reason when topologies cannot be built here
    (not root, no CAP_SYS_ADMIN), removes namespaces left by killed earlier
    runs, runs the tests of __main__."""
    import unittest
    global BIN_DIR
    argv = list(sys.argv)
    if len(argv) > 1 and not argv[1].startswith("-"):
        BIN_DIR = os.path.abspath(argv.pop(1))
    reason = netns_unavailable()
    if reason:
        sys.stderr.write("SKIPPED: %s\n" % reason)
        sys.exit(SKIP_EXIT)
    gone = sweep_stale()
    if gone:
        sys.stderr.write("topo: removed stale namespaces of dead runs: %s\n" % ", ".join(gone))
    unittest.main(module="__main__", argv=argv, verbosity=2)
