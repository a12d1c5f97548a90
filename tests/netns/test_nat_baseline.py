#!/usr/bin/env python3
"""The NAT lesson, measured with the real ftplab-server and curl, before any
proxy: behind a masquerading NAT, passive mode works and active mode breaks;
the kernel FTP ALG (nf_conntrack_ftp + nf_nat_ftp) repairs active mode by
rewriting PORT/EPRT. And the mirror image, a server behind NAT: PASV
announces an unreachable private address unless --pasv-address says
otherwise.

    python3 tests/netns/test_nat_baseline.py BIN_DIR    (as root)
"""
import hashlib
import os
import re
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import topo  # noqa: E402
from topo import Topology  # noqa: E402

FILE_SIZE = 1 << 20
CURL_TIME = 15   # --max-time of every transfer


def sha(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 16), b""):
            h.update(chunk)
    return h.hexdigest()


class FtpOverNat(unittest.TestCase):
    """One topology and one ftplab-server per class (setUpClass), closed
    by a class cleanup even when setUpClass fails half-way."""

    layout = dict()
    listen = "198.51.100.2:21"
    server_args = ()
    url_host = "198.51.100.2"

    @classmethod
    def setUpClass(cls):
        reason = topo.netns_unavailable()
        if reason:
            raise unittest.SkipTest(reason)
        server = os.path.join(topo.BIN_DIR, "ftplab-server")
        if not os.access(server, os.X_OK):
            raise AssertionError("no executable %s" % server)
        cls.t = Topology.nat(**cls.layout)
        cls.addClassCleanup(cls.t.close)
        cls.root = os.path.join(cls.t.tmp, "root")
        os.mkdir(cls.root)
        with open(os.path.join(cls.root, "big.bin"), "wb") as f:
            f.write(os.urandom(FILE_SIZE))
        cls.want = sha(os.path.join(cls.root, "big.bin"))
        cls.prepare()
        port = int(cls.listen.rsplit(":", 1)[1])
        cls.srv = cls.t.spawn_server("server", server, ["--anonymous=rw", "-r", cls.root,
                                                        "-l", cls.listen, "-v"]
                                     + list(cls.server_args), wait_port=port, timeout=5)

    @classmethod
    def prepare(cls):
        """Hook: runs after the topology is built, before the server starts."""

    def setUp(self):
        self.out = os.path.join(self.t.tmp, "%s.out" % self._testMethodName)
        self.log_mark = len(self.srv.log())

    def curl(self, *opts, url=None):
        """curl from the client namespace, downloading big.bin into self.out."""
        url = url or "ftp://%s/big.bin" % self.url_host
        return self.t.run("client", ["curl", "-sS", "--max-time", str(CURL_TIME),
                                     "--connect-timeout", "5", "-o", self.out]
                          + list(opts) + [url], timeout=CURL_TIME + 15)

    def new_log(self):
        """The server's log lines written since this test began."""
        return self.srv.log()[self.log_mark:]

    def context(self, r):
        return "curl exit %d: %s\n--- server log ---\n%s" % (
            r.returncode, r.stderr.strip(), self.new_log()[-6000:])

    def assertDownloaded(self, r):
        self.assertEqual(r.returncode, 0, self.context(r))
        self.assertEqual(os.path.getsize(self.out), FILE_SIZE, self.context(r))
        self.assertEqual(sha(self.out), self.want, "the download differs from big.bin")
        self.assertRegex(self.new_log(), r"transfer \[[0-9.]+:\d+\] RETR /big\.bin: "
                                         r"%d bytes .*complete \(226\)" % FILE_SIZE)

    def assertNotDownloaded(self, r):
        self.assertNotEqual(r.returncode, 0, self.context(r))
        if os.path.exists(self.out):
            self.assertNotEqual(sha(self.out), self.want)

    def capture_both_sides(self):
        """tcpdump on the NAT's inside and outside interfaces."""
        return (self.t.capture("nat", self.t.inside_if, filter=["tcp"]),
                self.t.capture("nat", self.t.outside_if, filter=["tcp"]))

    def stop_and_read(self, cap):
        self.t.stop(cap)
        ok, why = topo.pcap_check(cap.pcap_path)
        self.assertTrue(ok, "%s: %s" % (cap.pcap_path, why))
        with open(cap.pcap_path, "rb") as f:
            return f.read()


class ClientBehindNat(FtpOverNat):
    """client 10.0.1.2 -- NAT (masquerade) -- server 198.51.100.2, no ALG."""

    def test_passive_epsv(self):
        r = self.curl()
        self.assertDownloaded(r)
        log = self.new_log()
        self.assertIn("C> EPSV", log)
        # the server never sees the client's private address
        self.assertRegex(log, r"#\d+ connect \[198\.51\.100\.1:\d+\]")
        self.assertNotIn("10.0.1.2", log)

    def test_passive_pasv(self):
        r = self.curl("--disable-epsv", "--no-ftp-skip-pasv-ip")  # use the 227 address
        self.assertDownloaded(r)
        log = self.new_log()
        self.assertIn("C> PASV", log)
        self.assertRegex(log, r"S> 227 .*\(198,51,100,2,\d+,\d+\)")

    def test_active_breaks_behind_nat(self):
        """curl -P - announces 10.0.1.2 (its own address) in EPRT, then in
        PORT; the server sees the control connection come from the NAT
        (198.51.100.1) and refuses both with 501 (no PORT bounce). Active
        FTP breaks behind NAT."""
        inside, outside = self.capture_both_sides()
        r = self.curl("-P", "-")
        pin, pout = self.stop_and_read(inside), self.stop_and_read(outside)
        self.assertNotDownloaded(r)
        self.assertEqual(r.returncode, 30, self.context(r))   # CURLE_FTP_PORT_FAILED
        log = self.new_log()
        self.assertRegex(log, r"C> EPRT \|1\|10\.0\.1\.2\|\d+\|")
        self.assertRegex(log, r"bounce-refused \[198\.51\.100\.1:\d+\] EPRT to 10\.0\.1\.2:\d+")
        self.assertRegex(log, r"C> PORT 10,0,1,2,\d+,\d+")
        self.assertRegex(log, r"bounce-refused \[198\.51\.100\.1:\d+\] PORT to 10\.0\.1\.2:\d+")
        self.assertGreaterEqual(log.count("S> 501 "), 2)
        self.assertNotIn("RETR", log)
        # the command crosses the NAT unchanged: the private address leaks out
        for name, data in (("inside", pin), ("outside", pout)):
            self.assertIn(b"EPRT |1|10.0.1.2|", data, name)
            self.assertIn(b"PORT 10,0,1,2,", data, name)

    def test_active_port_only_breaks(self):
        r = self.curl("-P", "-", "--disable-eprt")
        self.assertNotDownloaded(r)
        log = self.new_log()
        self.assertRegex(log, r"C> PORT 10,0,1,2,\d+,\d+")
        self.assertIn("S> 501 ", log)
        self.assertNotIn("EPRT", log)


class ClientBehindNatWithKernelAlg(FtpOverNat):
    """The same, with the kernel FTP helper attached in the NAT namespace:
        iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp"""

    @classmethod
    def prepare(cls):
        try:
            cls.t.enable_ftp_alg("nat", 21)
        except topo.Unavailable as e:
            raise unittest.SkipTest(str(e))

    def test_active_eprt_works(self):
        inside, outside = self.capture_both_sides()
        r = self.curl("-P", "-")
        pin, pout = self.stop_and_read(inside), self.stop_and_read(outside)
        self.assertDownloaded(r)
        log = self.new_log()
        self.assertRegex(log, r"C> EPRT \|1\|198\.51\.100\.1\|\d+\|")   # rewritten by the ALG
        self.assertRegex(log, r"S> 200 EPRT")
        self.assertNotIn("bounce-refused", log)
        self.assertNotIn("10.0.1.2", log)
        # the evidence on the wire: private address inside, public outside
        self.assertIn(b"EPRT |1|10.0.1.2|", pin)
        self.assertNotIn(b"|1|198.51.100.1|", pin)
        self.assertIn(b"EPRT |1|198.51.100.1|", pout)
        self.assertNotIn(b"|1|10.0.1.2|", pout)

    def test_active_port_works(self):
        r = self.curl("-P", "-", "--disable-eprt")
        self.assertDownloaded(r)
        log = self.new_log()
        self.assertRegex(log, r"C> PORT 198,51,100,1,\d+,\d+")
        self.assertNotIn("bounce-refused", log)

    def test_passive_still_works(self):
        self.assertDownloaded(self.curl("--disable-epsv", "--no-ftp-skip-pasv-ip"))


class ServerBehindNat(FtpOverNat):
    """client 203.0.113.2 -- NAT (DNAT 21 and 50000-50099) -- server 10.0.2.2.
    One server announces its own (private) address in 227, a second one
    (port 2121, also forwarded) announces the NAT's with --pasv-address."""

    layout = dict(server_behind_nat=True, pasv_ports=(50000, 50099))
    listen = "10.0.2.2:21"
    server_args = ("--pasv-ports", "50000-50049")
    url_host = "203.0.113.1"

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.t.iptables("nat", "-t", "nat", "-A", "PREROUTING", "-i", cls.t.outside_if,
                       "-p", "tcp", "--dport", "2121", "-j", "DNAT",
                       "--to-destination", "10.0.2.2")
        server = os.path.join(topo.BIN_DIR, "ftplab-server")
        cls.fixed = cls.t.spawn_server("server", server, [
            "--anonymous=ro", "-r", cls.root, "-l", "10.0.2.2:2121", "-v",
            "--pasv-ports", "50050-50099", "--pasv-address", "203.0.113.1"],
            wait_port=2121, timeout=5)

    def test_epsv_works(self):
        self.assertDownloaded(self.curl())

    def test_pasv_announces_private_address(self):
        # curl >= 7.74 ignores the 227 address by default (--ftp-skip-pasv-ip),
        # which hides the lesson; other clients (lftp, ftplib, browsers) do not
        r = self.curl("--disable-epsv", "--no-ftp-skip-pasv-ip")
        self.assertNotDownloaded(r)
        self.assertEqual(r.returncode, 7, self.context(r))   # CURLE_COULDNT_CONNECT
        log = self.new_log()
        self.assertRegex(log, r"S> 227 .*\(10,0,2,2,\d+,\d+\)")
        self.assertNotIn("transfer [", log)

    def test_pasv_with_pasv_address_works(self):
        mark = len(self.fixed.log())
        r = self.curl("--disable-epsv", "--no-ftp-skip-pasv-ip",
                      url="ftp://203.0.113.1:2121/big.bin")
        log = self.fixed.log()[mark:]
        self.assertEqual(r.returncode, 0, "%s\n%s" % (r.stderr, log))
        self.assertEqual(sha(self.out), self.want)
        m = re.search(r"S> 227 .*\(203,0,113,1,(\d+),(\d+)\)", log)
        self.assertTrue(m, log)
        self.assertTrue(50050 <= int(m.group(1)) * 256 + int(m.group(2)) <= 50099)

    def test_active_works(self):
        """The client is not behind NAT: its PORT is its real address, and
        the server's outgoing data connection is masqueraded."""
        r = self.curl("-P", "-")
        self.assertDownloaded(r)
        self.assertRegex(self.new_log(), r"C> EPRT \|1\|203\.0\.113\.2\|\d+\|")


if __name__ == "__main__":
    topo.test_main()
