#!/usr/bin/env python3
"""ftplab-proxy across real NATs, with curl, ftplab-server and vsftpd.

  TransparentProxy*    client 10.0.1.2 -- [nat: MASQUERADE, REDIRECT 21 -> proxy
                       :2121] -- server 198.51.100.2. Active mode, which breaks
                       behind the bare NAT, works through the proxy: it rewrites
                       PORT/EPRT 10.0.1.2 into 198.51.100.1 and relays the data.
  ReverseProxy*        client 203.0.113.2 -- [nat 203.0.113.1: DNAT 21 and
                       50000-50099 to 10.0.2.2, proxy on :2121] -- server
                       10.0.2.2 announcing its private address in 227. Passive
                       mode, which breaks through the bare DNAT, works through the
                       proxy: it answers the client with 203.0.113.1.
  Ipv6ClientIpv4Server client 2001:db8:1::2 (IPv6 only) -- [proxy] -- server
                       198.51.100.2 (IPv4 only): EPSV and EPRT |2| in front,
                       IPv4 commands only behind.

Each class is one topology (setUpClass) with ftplab-server (-v) or vsftpd
(protocol log), and the proxy with -v; the tests assert byte-identical files
both ways, curl's exit codes, the proxy's transcript lines and the server's
log, and captures on both sides of the NAT. Everything is removed by the
topology's close(); tearDownModule checks that nothing of any topology is
left.

    python3 tests/netns/test_proxy_nat.py BIN_DIR    (as root)
"""
import hashlib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import topo  # noqa: E402
from topo import Topology  # noqa: E402

FILE_SIZE = 1 << 20          # big.bin, served for downloads
UP_SIZE = (1 << 19) + 4321   # up.bin, the client's file for uploads (odd size)
CURL_TIME = 15               # --max-time of every transfer
PROXY_PORT = 2121            # where the REDIRECT of port 21 / the reverse proxy listens
DATA_PORTS = (40000, 40999)  # the proxy's --data-ports: outside the DNAT'd 50000-50099
PASV_PORTS = (50000, 50099)  # the servers' passive ports (forwarded by the server-NAT)

PREFIXES = []                # every topology of this file, for tearDownModule


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


def write_random(path, size):
    with open(path, "wb") as f:
        f.write(os.urandom(size))
    os.chmod(path, 0o644)
    return sha(path)


def leftovers(prefix):
    """topo.leftovers(prefix), less the processes that sit in a namespace
    another run has named: the kernel recycles the inode numbers of
    deleted namespaces, so a concurrent test file (ctest -j) may own a new
    namespace with the inode of one of ours, which topo.leftovers() would
    count as ours."""
    left = topo.leftovers(prefix)
    others = set()
    for n in topo.netns_list():
        if n != prefix and not n.startswith(prefix + "-"):
            try:
                others.add(os.stat("/run/netns/" + n).st_ino)
            except OSError:
                pass

    def netns_inode(pid):
        try:
            return os.stat("/proc/%d/ns/net" % pid).st_ino
        except OSError:
            return None
    return topo.Leftovers(left.namespaces, [p for p in left.pids if netns_inode(p) not in others])


def tearDownModule():
    """Nothing of any topology of this file survives: no namespace, no
    process (each close() checks its own; this is the file-wide check)."""
    left = [(p, leftovers(p)) for p in PREFIXES]
    left = [(p, x) for p, x in left if x]
    if left:
        raise AssertionError("leftovers: " + "; ".join("%s: %s" % (p, x.describe())
                                                       for p, x in left))
    mine = [n for n in topo.netns_list() if n.startswith("ftplab-%d-" % os.getpid())]
    if mine:
        raise AssertionError("namespaces left: " + ", ".join(mine))


# ---------------------------------------------------------------- servers

class Vsftpd:
    """vsftpd (Debian's /usr/sbin/vsftpd) in the foreground inside a
    namespace, anonymous read and upload into incoming/, protocol log in a
    file (log() reads it, like a spawn_server process)."""

    BIN = "/usr/sbin/vsftpd"

    def __init__(self, t, node, address, root, pasv_ports):
        empty = os.path.join(t.tmp, "vsftpd-empty")   # secure_chroot_dir: empty, root's
        os.makedirs(empty, 0o755, exist_ok=True)
        self.log_path = os.path.join(t.tmp, "vsftpd-%s.log" % node)
        conf = {
            "listen": "YES", "listen_ipv6": "NO", "listen_address": address,
            "listen_port": "21", "background": "NO",
            "anonymous_enable": "YES", "local_enable": "NO", "anon_root": root,
            "no_anon_password": "YES", "write_enable": "YES", "anon_upload_enable": "YES",
            "anon_other_write_enable": "YES", "anon_mkdir_write_enable": "YES",
            "anon_umask": "022", "allow_writeable_chroot": "YES",
            "pasv_enable": "YES", "pasv_min_port": str(pasv_ports[0]),
            "pasv_max_port": str(pasv_ports[1]), "port_enable": "YES",
            "connect_from_port_20": "NO",
            "seccomp_sandbox": "NO", "isolate": "NO", "isolate_network": "NO",
            "secure_chroot_dir": empty, "use_localtime": "NO",
            # the protocol log (commands and replies) in our own file
            "xferlog_enable": "YES", "xferlog_std_format": "NO", "log_ftp_protocol": "YES",
            "vsftpd_log_file": self.log_path, "dual_log_enable": "NO", "syslog_enable": "NO",
        }
        self.conf_path = os.path.join(t.tmp, "vsftpd-%s.conf" % node)
        with open(self.conf_path, "w") as f:
            f.write("".join("%s=%s\n" % kv for kv in conf.items()))
        self.proc = t.spawn_server(node, self.BIN, [self.conf_path], wait_port=21)

    def log(self):
        try:
            with open(self.log_path, errors="replace") as f:
                return f.read()
        except OSError:
            return ""


def vsftpd_root(tmp):
    """A vsftpd anonymous root: readable by user ftp, big.bin, incoming/ 0777."""
    root = os.path.join(tmp, "vsroot")
    os.mkdir(root, 0o755)
    os.chmod(root, 0o755)
    inc = os.path.join(root, "incoming")
    os.mkdir(inc)
    os.chmod(inc, 0o777)
    return root


# ---------------------------------------------------------------- the base

class ProxyCase(unittest.TestCase):
    """One topology, one server and one ftplab-proxy per class (setUpClass),
    closed by a class cleanup even when setUpClass fails half-way.
    Subclasses give build() (the topology), start_servers() and
    proxy_args; every download() and upload() checks the file, curl's exit
    code and the server's own record of the transfer."""

    server_kind = "ftplab"       # or "vsftpd"
    proxy_node = "nat"
    proxy_args = ()
    proxy_port = PROXY_PORT
    upload_dir = ""              # "incoming/" for vsftpd

    @classmethod
    def build(cls):
        raise NotImplementedError

    @classmethod
    def setUpClass(cls):
        reason = topo.netns_unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        cls.server_bin = os.path.join(topo.BIN_DIR, "ftplab-server")
        cls.proxy_bin = os.path.join(topo.BIN_DIR, "ftplab-proxy")
        for b in (cls.server_bin, cls.proxy_bin):
            if not os.access(b, os.X_OK):
                raise AssertionError("no executable %s" % b)
        if cls.server_kind == "vsftpd" and not os.access(Vsftpd.BIN, os.X_OK):
            raise unittest.SkipTest("vsftpd is not installed (%s)" % Vsftpd.BIN)
        cls.t = cls.build()
        PREFIXES.append(cls.t.prefix)
        cls.addClassCleanup(cls.close_topology, cls.t)
        if cls.server_kind == "vsftpd":
            os.chmod(cls.t.tmp, 0o755)   # the path to vsftpd's root, for user ftp
            cls.root = vsftpd_root(cls.t.tmp)
        else:
            cls.root = os.path.join(cls.t.tmp, "root")
            os.mkdir(cls.root)
        cls.want = write_random(os.path.join(cls.root, "big.bin"), FILE_SIZE)
        cls.up_src = os.path.join(cls.t.tmp, "up.bin")
        cls.up_want = write_random(cls.up_src, UP_SIZE)
        cls.srv = cls.start_servers()
        cls.proxy = cls.start_proxy(cls.proxy_args)

    @classmethod
    def close_topology(cls, t):
        t.close()      # raises if a namespace or a process survives
        left = leftovers(t.prefix)
        assert not left, left.describe()

    @classmethod
    def start_servers(cls):
        raise NotImplementedError

    @classmethod
    def start_proxy(cls, args):
        return cls.t.spawn_server(cls.proxy_node, cls.proxy_bin,
                                  list(args) + ["--data-ports", "%d-%d" % DATA_PORTS, "-v"],
                                  wait_port=cls.proxy_port)

    def restart_proxy(self, args):
        """Replace the class's proxy by one with args for this test; the
        class's own comes back afterwards."""
        self.t.stop(self.proxy)
        cls = type(self)
        cls.proxy = cls.start_proxy(args)
        self.proxy_mark = 0

        def restore():
            self.t.stop(cls.proxy)
            cls.proxy = cls.start_proxy(cls.proxy_args)
        self.addCleanup(restore)

    def setUp(self):
        self.out = os.path.join(self.t.tmp, "%s.out" % self._testMethodName)
        self.proxy_mark = len(self.proxy.log())
        self.srv_mark = len(self.srv.log())

    # -- logs
    def proxy_log(self):
        """The proxy's transcript since this test began."""
        return self.proxy.log()[self.proxy_mark:]

    def server_log(self):
        return self.srv.log()[self.srv_mark:]

    def context(self, r):
        return ("curl exit %d\n--- curl ---\n%s\n--- proxy ---\n%s\n--- server ---\n%s" % (
            r.returncode, r.stderr.strip()[-3000:], self.proxy_log()[-4000:],
            self.server_log()[-4000:]))

    # -- transfers
    def curl(self, url, *opts, upload=None):
        """curl -v from the client: download url into self.out, or upload
        the file upload to url (-T)."""
        io = ["-T", upload] if upload else ["-o", self.out]
        return self.t.run("client", ["curl", "-sS", "-v", "--max-time", str(CURL_TIME),
                                     "--connect-timeout", "5"] + io + list(opts) + [url],
                          timeout=CURL_TIME + 15)

    def download(self, host, *opts, port=None):
        r = self.curl("ftp://%s%s/big.bin" % (host, ":%d" % port if port else ""), *opts)
        self.assertDownloaded(r)
        self.assertServerTransfer("RETR", "/big.bin", FILE_SIZE)
        return r

    def upload(self, host, *opts, port=None):
        name = "up-%s.bin" % self._testMethodName
        url = "ftp://%s%s/%s%s" % (host, ":%d" % port if port else "", self.upload_dir, name)
        dest = os.path.join(self.root, self.upload_dir, name)
        r = self.curl(url, *opts, upload=self.up_src)
        self.assertEqual(r.returncode, 0, self.context(r))
        self.assertTrue(os.path.exists(dest), "no %s\n%s" % (dest, self.context(r)))
        self.assertEqual(os.path.getsize(dest), UP_SIZE, self.context(r))
        self.assertEqual(sha(dest), self.up_want, "the upload differs from up.bin")
        self.assertServerTransfer("STOR", "/" + self.upload_dir + name, UP_SIZE)
        return r

    def assertServerTransfer(self, verb, path, size):
        """The server's own log has the complete transfer, from the address
        it should see (the proxy's, never the client's)."""
        peer = re.escape(self.server_sees)
        if self.server_kind == "vsftpd":
            what = "DOWNLOAD" if verb == "RETR" else "UPLOAD"
            pattern = r'OK %s: Client "%s", "%s", %d bytes' % (what, peer, re.escape(path), size)
        else:
            pattern = (r"transfer \[%s:\d+\] %s %s: %d bytes .*complete \(226\)"
                       % (peer, verb, re.escape(path), size))
        self.assertRegex(self.server_log(), pattern)

    def assertDownloaded(self, r):
        self.assertEqual(r.returncode, 0, self.context(r))
        self.assertEqual(os.path.getsize(self.out), FILE_SIZE, self.context(r))
        self.assertEqual(sha(self.out), self.want, "the download differs from big.bin")

    def assertNotDownloaded(self, r, code=None):
        self.assertNotEqual(r.returncode, 0, self.context(r))
        if code is not None:
            self.assertEqual(r.returncode, code, self.context(r))
        if os.path.exists(self.out):
            self.assertNotEqual(sha(self.out), self.want)

    def assertRelayed(self, up=0, down=0):
        """The proxy's transcript shows the data connection relayed with
        these byte counts (client->server, server->client)."""
        log = self.proxy_log()
        self.assertIn("data-open: data connection open: relaying client <-> server", log)
        self.assertRegex(log, r"data-close: data connection closed: %d bytes client->server, "
                              r"%d bytes server->client" % (up, down))
        self.assertNotIn("data-failed", log)
        self.assertNotIn("data-refused", log)


# ---------------------------------------------------------------- client behind NAT

class TransparentFlows:
    """The flows through the transparent proxy (a mixin: TransparentProxy
    runs them against ftplab-server, TransparentProxyVsftpd against vsftpd).

    client 10.0.1.2 -- lan0 [nat] wan0 198.51.100.1 -- server 198.51.100.2,
    with on the NAT box
        iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 21 -j REDIRECT --to-ports 2121
        iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 40000:40999 -j REDIRECT
        ftplab-proxy --transparent -l 0.0.0.0:2121 --data-ports 40000-40999 -v
    The second rule is needed for passive mode: after EPSV (and after PASV,
    for the clients that ignore the 227 address, curl >= 7.74 among them)
    the client connects to the server's address, 198.51.100.2:PORT; the rule
    takes that connection to the proxy's listener on 10.0.1.1:PORT (REDIRECT
    keeps the port). See test_epsv_with_only_the_port_21_redirect."""

    url_host = "198.51.100.2"
    server_sees = "198.51.100.1"
    proxy_args = ("--transparent", "-l", "0.0.0.0:%d" % PROXY_PORT)

    @classmethod
    def build(cls):
        t = Topology.nat()
        try:
            t.redirect("nat", 21, PROXY_PORT)
            t.iptables("nat", *cls.data_redirect("-A"))
        except BaseException:
            t.close(verify=False)
            raise
        return t

    @staticmethod
    def data_redirect(op):
        return ["-t", "nat", op, "PREROUTING", "-i", "lan0", "-p", "tcp",
                "--dport", "%d:%d" % DATA_PORTS, "-j", "REDIRECT"]

    # -- the shared flows (run against ftplab-server and vsftpd)
    def check_active_eprt_download(self):
        r = self.download(self.url_host, "-P", "-")
        log = self.proxy_log()
        self.assertRegex(log, r"#\d+ C>P EPRT \|1\|10\.0\.1\.2\|\d+\| \| "
                              r"P>S EPRT \|1\|198\.51\.100\.1\|\d+\| \(client 10\.0\.1\.2:\d+ "
                              r"-> proxy 198\.51\.100\.1:\d+\)")
        self.assertRelayed(down=FILE_SIZE)
        self.assertNotIn("bounce-refused", log)
        return r

    def check_active_port_download(self):
        r = self.download(self.url_host, "-P", "-", "--disable-eprt")
        log = self.proxy_log()
        self.assertRegex(log, r"#\d+ C>P PORT 10,0,1,2,\d+,\d+ \| P>S PORT 198,51,100,1,\d+,\d+ ")
        self.assertNotIn("EPRT", log)
        self.assertRelayed(down=FILE_SIZE)
        return r

    def check_active_upload(self, *opts):
        r = self.upload(self.url_host, "-P", "-", *opts)
        verb = "PORT 10,0,1,2," if opts else "EPRT |1|10.0.1.2|"
        self.assertIn("C>P " + verb, self.proxy_log())
        self.assertRelayed(up=UP_SIZE)
        return r

    def check_passive_epsv(self):
        r = self.download(self.url_host)
        self.assertRegex(self.proxy_log(), r"C>P EPSV \| P>S EPSV \(server 198\.51\.100\.2:\d+ "
                                           r"-> proxy 10\.0\.1\.1:4\d{4}\)")
        self.assertRelayed(down=FILE_SIZE)
        return r

    def check_passive_pasv_upload(self, *opts):
        r = self.upload(self.url_host, "--disable-epsv", *opts)
        self.assertIn("C>P PASV | P>S PASV", self.proxy_log())
        self.assertRegex(r.stderr, r"< 227 .*\(10,0,1,1,\d+,\d+\)")   # the proxy's own
        self.assertRelayed(up=UP_SIZE)
        return r


class TransparentProxy(TransparentFlows, ProxyCase):
    """ftplab-server -v on 198.51.100.2:21 (and :2100, which is not
    redirected: the path without the proxy)."""

    @classmethod
    def start_servers(cls):
        return cls.t.spawn_server("server", cls.server_bin, [
            "--anonymous=rw", "-r", cls.root, "-l", "198.51.100.2:21",
            "-l", "198.51.100.2:2100", "-v"], wait_port=21)

    def test_0_baseline_active_without_proxy_fails(self):
        """Port 2100 is not redirected: the server sees EPRT/PORT 10.0.1.2
        from 198.51.100.1 and refuses both (curl exit 30)."""
        r = self.curl("ftp://198.51.100.2:2100/big.bin", "-P", "-")
        self.assertNotDownloaded(r, code=30)   # CURLE_FTP_PORT_FAILED
        self.assertRegex(self.server_log(), r"bounce-refused \[198\.51\.100\.1:\d+\] "
                                            r"PORT to 10\.0\.1\.2:\d+")
        self.assertEqual(self.proxy_log(), "")  # it did not go through the proxy

    def test_active_eprt_download(self):
        inside = self.t.capture("nat", "lan0", filter=["tcp"])
        outside = self.t.capture("nat", "wan0", filter=["tcp"])
        self.check_active_eprt_download()
        pin, pout = self.stop_capture(inside), self.stop_capture(outside)
        self.assertServerAccepted("EPRT")
        slog = self.server_log()
        self.assertNotIn("10.0.1.2", slog)
        self.assertNotIn("bounce-refused", slog)
        # the wire: the client's private address inside, the proxy's outside
        self.assertIn(b"EPRT |1|10.0.1.2|", pin)
        self.assertNotIn(b"|1|198.51.100.1|", pin)
        self.assertIn(b"EPRT |1|198.51.100.1|", pout)
        self.assertNotIn(b"|1|10.0.1.2|", pout)

    def stop_capture(self, cap):
        self.t.stop(cap)
        ok, why = topo.pcap_check(cap.pcap_path)
        self.assertTrue(ok, "%s: %s" % (cap.pcap_path, why))
        with open(cap.pcap_path, "rb") as f:
            return f.read()

    def assertServerAccepted(self, verb):
        """ftplab-server got PORT/EPRT with the proxy's address and said 200."""
        arg = (r"PORT 198,51,100,1,\d+,\d+" if verb == "PORT"
               else r"EPRT \|1\|198\.51\.100\.1\|\d+\|")
        self.assertRegex(self.server_log(), r"C> %s\s+.*S> 200 " % arg)

    def test_active_port_download(self):
        self.check_active_port_download()
        self.assertServerAccepted("PORT")
        slog = self.server_log()
        self.assertNotIn("EPRT", slog)
        self.assertNotIn("10,0,1,2", slog)

    def test_active_eprt_upload(self):
        self.check_active_upload()
        self.assertServerAccepted("EPRT")

    def test_active_port_upload(self):
        self.check_active_upload("--disable-eprt")
        self.assertServerAccepted("PORT")

    def test_passive_epsv_download_and_upload(self):
        self.check_passive_epsv()
        self.assertIn("C> EPSV", self.server_log())
        self.proxy_mark = len(self.proxy.log())
        self.upload(self.url_host)
        self.assertRelayed(up=UP_SIZE)

    def test_passive_pasv_download(self):
        """The 227 the client gets names the proxy (10.0.1.1), not the
        server; curl uses it with --no-ftp-skip-pasv-ip."""
        r = self.download(self.url_host, "--disable-epsv", "--no-ftp-skip-pasv-ip")
        self.assertRegex(r.stderr, r"< 227 .*\(10,0,1,1,\d+,\d+\)")
        self.assertRegex(self.proxy_log(), r"C>P PASV \| P>S PASV \(server 198\.51\.100\.2:\d+ "
                                           r"-> proxy 10\.0\.1\.1:\d+\)")
        self.assertRegex(self.server_log(), r"S> 227 .*\(198,51,100,2,\d+,\d+\)")
        self.assertRelayed(down=FILE_SIZE)

    def test_passive_pasv_upload(self):
        self.check_passive_pasv_upload()     # curl's default: the 227 address skipped

    def test_server_data_passive(self):
        """--server-data passive: the client's active mode becomes passive
        toward the server, which sees PASV and never PORT or EPRT."""
        self.restart_proxy(list(self.proxy_args) + ["--server-data", "passive"])
        self.srv_mark = len(self.srv.log())
        self.download(self.url_host, "-P", "-")
        self.upload(self.url_host, "-P", "-", "--disable-eprt")
        plog = self.proxy_log()
        self.assertRegex(plog, r"C>P EPRT \|1\|10\.0\.1\.2\|\d+\| \| P>S PASV "
                               r"\(client 10\.0\.1\.2:\d+ -> proxy \(passive to server\)\)")
        self.assertRegex(plog, r"C>P PORT 10,0,1,2,\d+,\d+ \| P>S PASV ")
        slog = self.server_log()
        self.assertEqual(slog.count("C> PASV"), 2, slog)
        self.assertNotRegex(slog, r"C> (PORT|EPRT)")

    @unittest.skip("BUG: with only the documented REDIRECT of port 21 (ftplab-proxy(8)), "
                   "EPSV fails: the client dials 198.51.100.2:<229 port>, which the NAT "
                   "forwards to the server instead of the proxy's listener on 10.0.1.1 "
                   "(curl exit 7). The class adds a REDIRECT of --data-ports as a workaround.")
    def test_epsv_with_only_the_port_21_redirect(self):
        self.t.iptables("nat", *self.data_redirect("-D"))
        self.addCleanup(self.t.iptables, "nat", *self.data_redirect("-A"))
        self.check_passive_epsv()


class TransparentProxyVsftpd(TransparentFlows, ProxyCase):
    """The same flows with vsftpd on 198.51.100.2:21: a server we did not write."""

    server_kind = "vsftpd"
    upload_dir = "incoming/"

    @classmethod
    def start_servers(cls):
        return Vsftpd(cls.t, "server", "198.51.100.2", cls.root, PASV_PORTS)

    def vsftpd_saw(self, pattern):
        self.assertRegex(self.server_log(), r'FTP (command|response): Client "198\.51\.100\.1", '
                                            r'"%s' % pattern)

    def test_active_eprt_download(self):
        self.check_active_eprt_download()
        self.vsftpd_saw(r"EPRT \|1\|198\.51\.100\.1\|\d+\|")
        self.vsftpd_saw(r"200 EPRT command successful")
        self.assertNotIn("10.0.1.2", self.server_log())

    def test_active_port_download(self):
        self.check_active_port_download()
        self.vsftpd_saw(r"PORT 198,51,100,1,\d+,\d+")
        self.vsftpd_saw(r"200 PORT command successful")

    def test_active_eprt_upload(self):
        self.check_active_upload()
        self.vsftpd_saw(r"EPRT \|1\|198\.51\.100\.1\|\d+\|")

    def test_active_port_upload(self):
        self.check_active_upload("--disable-eprt")
        self.vsftpd_saw(r"PORT 198,51,100,1,")

    def test_passive_epsv_download(self):
        self.check_passive_epsv()
        self.vsftpd_saw(r"229 Entering Extended Passive Mode")

    def test_passive_pasv_upload(self):
        self.check_passive_pasv_upload("--no-ftp-skip-pasv-ip")
        self.vsftpd_saw(r"227 Entering Passive Mode \(198,51,100,2,")


# ---------------------------------------------------------------- server behind NAT

class ReverseFlows:
    """The flows through the reverse proxy (a mixin: ReverseProxy runs them
    against ftplab-server, ReverseProxyVsftpd against vsftpd).

    client 203.0.113.2 -- wan0 203.0.113.1 [nat] lan0 10.0.2.1 -- server
    10.0.2.2, the NAT forwarding ports 21 and 50000-50099 to the server,
    whose 227 announces its private 10.0.2.2. The proxy runs on the NAT box
    on port 2121, which the NAT does not forward:
        ftplab-proxy --upstream 10.0.2.2:21 -l 203.0.113.1:2121 --data-ports 40000-40999
    (Taking port 21 itself would mean deleting the DNAT rule of the layout;
    leaving it in place keeps the bare path, ftp://203.0.113.1/, for the
    baseline. The proxy's data ports stay outside 50000-50099, which the
    DNAT would send to the server.)"""

    url_host = "203.0.113.1"
    server_sees = "10.0.2.1"
    proxy_args = ("--upstream", "10.0.2.2:21", "-l", "203.0.113.1:%d" % PROXY_PORT)

    @classmethod
    def build(cls):
        return Topology.nat(server_behind_nat=True, pasv_ports=PASV_PORTS)

    def test_0_baseline_pasv_without_proxy_fails(self):
        r = self.curl("ftp://203.0.113.1/big.bin", "--disable-epsv", "--no-ftp-skip-pasv-ip")
        self.assertNotDownloaded(r, code=7)     # CURLE_COULDNT_CONNECT to 10.0.2.2
        self.assertRegex(r.stderr, r"< 227 .*\(10,0,2,2,\d+,\d+\)")
        self.assertEqual(self.proxy_log(), "")

    def test_pasv_download(self):
        r = self.download(self.url_host, "--disable-epsv", "--no-ftp-skip-pasv-ip",
                          port=PROXY_PORT)
        # the client is told the proxy's outside address and one of its data ports
        m = re.search(r"< 227 .*\(203,0,113,1,(\d+),(\d+)\)", r.stderr)
        self.assertTrue(m, self.context(r))
        self.assertTrue(DATA_PORTS[0] <= int(m.group(1)) * 256 + int(m.group(2)) <= DATA_PORTS[1])
        self.assertNotIn("10,0,2,2", r.stderr)
        self.assertRegex(self.proxy_log(), r"C>P PASV \| P>S PASV \(server 10\.0\.2\.2:5\d{4} "
                                           r"-> proxy 203\.0\.113\.1:%d\)"
                                           % (int(m.group(1)) * 256 + int(m.group(2))))
        self.assertRelayed(down=FILE_SIZE)
        self.assertServerPasv()

    def test_pasv_upload(self):
        r = self.upload(self.url_host, "--disable-epsv", "--no-ftp-skip-pasv-ip", port=PROXY_PORT)
        self.assertRegex(r.stderr, r"< 227 .*\(203,0,113,1,\d+,\d+\)")
        self.assertRelayed(up=UP_SIZE)

    def test_epsv_download(self):
        r = self.download(self.url_host, port=PROXY_PORT)
        self.assertRegex(r.stderr, r"< 229 .*\(\|\|\|4\d{4}\|\)")
        log = self.proxy_log()
        self.assertRegex(log, r"C>P EPSV \| P>S EPSV \(server 10\.0\.2\.2:5\d{4} "
                              r"-> proxy 203\.0\.113\.1:4\d{4}\)")
        self.assertNotIn("pasv-address-mismatch", log)
        self.assertRelayed(down=FILE_SIZE)


class ReverseProxy(ReverseFlows, ProxyCase):
    """ftplab-server -v on 10.0.2.2:21, 227 announcing 10.0.2.2 (its default)."""

    @classmethod
    def start_servers(cls):
        return cls.t.spawn_server("server", cls.server_bin, [
            "--anonymous=rw", "-r", cls.root, "-l", "10.0.2.2:21", "-v",
            "--pasv-ports", "%d-%d" % PASV_PORTS], wait_port=21)

    def assertServerPasv(self):
        slog = self.server_log()
        self.assertRegex(slog, r"S> 227 .*\(10,0,2,2,\d+,\d+\)")
        self.assertNotIn("pasv-address-mismatch", self.proxy_log())

    def test_epsv_upload(self):
        self.upload(self.url_host, port=PROXY_PORT)
        self.assertRelayed(up=UP_SIZE)

    def test_pasv_mismatch_is_logged_and_ignored(self):
        """A server configured for outside clients (--pasv-address
        203.0.113.1) tells the proxy, which is inside, an address that is
        not its own: the proxy logs pasv-address-mismatch and connects to
        the server's control address anyway."""
        self.t.spawn_server("server", self.server_bin, [
            "--anonymous=ro", "-r", self.root, "-l", "10.0.2.2:2122", "-v",
            "--pasv-ports", "%d-%d" % PASV_PORTS, "--pasv-address", "203.0.113.1"],
            wait_port=2122)
        px = self.t.spawn_server("nat", self.proxy_bin, [
            "--upstream", "10.0.2.2:2122", "-l", "203.0.113.1:2122",
            "--data-ports", "%d-%d" % DATA_PORTS, "-v"], wait_port=2122)
        r = self.curl("ftp://203.0.113.1:2122/big.bin", "--disable-epsv", "--no-ftp-skip-pasv-ip")
        self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stderr, px.log()))
        self.assertEqual(sha(self.out), self.want)
        self.assertRegex(px.log(), r"pasv-address-mismatch: 227 announced 203\.0\.113\.1:\d+ but "
                                   r"the server is 10\.0\.2\.2:\d+")
        self.assertRegex(r.stderr, r"< 227 .*\(203,0,113,1,\d+,\d+\)")


class ReverseProxyVsftpd(ReverseFlows, ProxyCase):
    """vsftpd on 10.0.2.2:21 with its default 227 (its local address, 10.0.2.2)."""

    server_kind = "vsftpd"
    upload_dir = "incoming/"

    @classmethod
    def start_servers(cls):
        return Vsftpd(cls.t, "server", "10.0.2.2", cls.root, PASV_PORTS)

    def assertServerPasv(self):
        self.assertRegex(self.server_log(), r'FTP response: Client "10\.0\.2\.1", '
                                            r'"227 Entering Passive Mode \(10,0,2,2,')


# ---------------------------------------------------------------- IPv6 client, IPv4 server

class Ipv6ClientIpv4Server(ProxyCase):
    """client 2001:db8:1::2/64 only -- lan0 2001:db8:1::1 [proxy] wan0
    198.51.100.1 -- server 198.51.100.2/24 only (IPv6 disabled there):
        ftplab-proxy --upstream 198.51.100.2:21 -l [2001:db8:1::1]:21"""

    proxy_node = "proxy"
    proxy_port = 21
    server_sees = "198.51.100.1"
    proxy_args = ("--upstream", "198.51.100.2:21", "-l", "[2001:db8:1::1]:21")
    host = "[2001:db8:1::1]"      # curl -g 'ftp://[2001:db8:1::1]/big.bin'

    @classmethod
    def build(cls):
        t = Topology()
        try:
            for n in ("client", "proxy", "server"):
                t.add_node(n)
            t.sysctl("server", "net/ipv6/conf/all/disable_ipv6", 1)
            t.sysctl("server", "net/ipv6/conf/default/disable_ipv6", 1)
            t.add_link("client", "eth0", "proxy", "lan0")
            t.add_link("proxy", "wan0", "server", "eth0")
            t.sysctl("server", "net/ipv6/conf/eth0/disable_ipv6", 1)
            t.add_addr("client", "eth0", "2001:db8:1::2/64")
            t.add_addr("proxy", "lan0", "2001:db8:1::1/64")
            t.add_addr("proxy", "wan0", "198.51.100.1/24")
            t.add_addr("server", "eth0", "198.51.100.2/24")
        except BaseException:
            t.close(verify=False)
            raise
        return t

    @classmethod
    def start_servers(cls):
        return cls.t.spawn_server("server", cls.server_bin, [
            "--anonymous=ro", "-r", cls.root, "-l", "198.51.100.2:21", "-v"], wait_port=21)

    def test_0_layout(self):
        """The client has no IPv4 address, the server no IPv6 address."""
        self.assertEqual(self.t.ip("server", "-6", "addr", "show").strip(), "")
        self.assertNotRegex(self.t.ip("client", "-4", "addr", "show"), r"inet (?!127\.)")
        self.assertFalse(self.t.tcp_request("client", "198.51.100.2", 21, timeout=1))

    def assertIpv4Only(self):
        slog = self.server_log()
        self.assertNotIn("|2|", slog)
        self.assertNotIn("2001:db8", slog)
        self.assertRegex(slog, r"connect \[198\.51\.100\.1:\d+\]")

    def test_epsv(self):
        self.download(self.host, "-g")
        self.assertRegex(self.proxy_log(), r"C>P EPSV \| P>S EPSV \(server 198\.51\.100\.2:\d+ "
                                           r"-> proxy \[2001:db8:1::1\]:\d+\)")
        self.assertRelayed(down=FILE_SIZE)
        self.assertIn("C> EPSV", self.server_log())
        self.assertIpv4Only()

    def test_eprt(self):
        self.download(self.host, "-g", "-P", "-")
        self.assertRegex(self.proxy_log(), r"C>P EPRT \|2\|2001:db8:1::2\|\d+\| \| "
                                           r"P>S EPRT \|1\|198\.51\.100\.1\|\d+\|")
        self.assertRelayed(down=FILE_SIZE)
        self.assertRegex(self.server_log(), r"C> EPRT \|1\|198\.51\.100\.1\|\d+\|\s+.*S> 200 ")
        self.assertIpv4Only()


if __name__ == "__main__":
    topo.test_main()
