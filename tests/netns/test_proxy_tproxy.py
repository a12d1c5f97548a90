#!/usr/bin/env python3
"""ftplab-proxy as a TPROXY transparent proxy on the NAT box: no address
translation at all for intercepted connections. The router's mangle table
hands connections to port 21 (and to the proxy's data ports) to the proxy's
IP_TRANSPARENT sockets; the proxy sees the client's real destination as its
own local address and uses that address on the client side, so the client
believes it talks to 198.51.100.2 throughout, in passive and active mode.

    python3 tests/netns/test_proxy_tproxy.py BIN_DIR    (as root)
"""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import topo  # noqa: E402
from test_nat_baseline import FtpOverNat  # noqa: E402

DATA_PORTS = "40000-40999"


class TproxyTransparent(FtpOverNat):
    @classmethod
    def prepare(cls):
        t = cls.t
        lan = t.inside_if
        # The standard TPROXY recipe: packets of our transparent sockets stay
        # local (-m socket), new connections to 21 and to our data ports go
        # to the proxy, and marked packets are delivered locally.
        t.iptables("nat", "-t", "mangle", "-N", "DIVERT")
        t.iptables("nat", "-t", "mangle", "-A", "PREROUTING", "-p", "tcp", "-m", "socket",
                   "--transparent", "-j", "DIVERT")
        t.iptables("nat", "-t", "mangle", "-A", "DIVERT", "-j", "MARK", "--set-mark", "1")
        t.iptables("nat", "-t", "mangle", "-A", "DIVERT", "-j", "ACCEPT")
        t.iptables("nat", "-t", "mangle", "-A", "PREROUTING", "-i", lan, "-p", "tcp",
                   "--dport", "21", "-j", "TPROXY", "--on-port", "2121",
                   "--tproxy-mark", "0x1/0x1")
        t.iptables("nat", "-t", "mangle", "-A", "PREROUTING", "-i", lan, "-p", "tcp",
                   "--dport", DATA_PORTS.replace("-", ":"), "-j", "TPROXY", "--on-port", "0",
                   "--tproxy-mark", "0x1/0x1")
        t.ip("nat", "rule", "add", "fwmark", "1", "lookup", "100")
        t.ip("nat", "route", "add", "local", "0.0.0.0/0", "dev", "lo", "table", "100")
        proxy = os.path.join(topo.BIN_DIR, "ftplab-proxy")
        cls.proxy = t.spawn_server("nat", proxy, ["--transparent", "-l", "0.0.0.0:2121",
                                                  "--data-ports", DATA_PORTS, "-v"],
                                   wait_port=2121, timeout=5)

    def setUp(self):
        super().setUp()
        self.proxy_mark = len(self.proxy.log())

    def proxy_log(self):
        """The proxy's log lines written since this test began."""
        return self.proxy.log()[self.proxy_mark:]

    def assertThroughProxy(self):
        log = self.proxy_log()
        self.assertIn("intercepted with TPROXY", log)
        self.assertRegex(log, r"data-close: .* %d bytes server->client" % (1 << 20))
        # the server sees the proxy's own address, never the client's
        self.assertNotIn("10.0.1.2", self.new_log())

    def test_passive_epsv(self):
        r = self.curl()
        self.assertDownloaded(r)
        self.assertThroughProxy()

    def test_passive_pasv_announces_the_server(self):
        """The 227 the client gets names the server's address (the proxy's
        listener is bound to it transparently), so even clients that trust
        the 227 address work."""
        r = self.curl("--disable-epsv", "--no-ftp-skip-pasv-ip", "-v")
        self.assertDownloaded(r)
        self.assertRegex(r.stderr, r"227 Entering Passive Mode \(198,51,100,2,")
        self.assertThroughProxy()

    def test_active_eprt(self):
        """The proxy connects to the client from 198.51.100.2, the address
        the client expects its data connection from."""
        r = self.curl("-P", "-")
        self.assertDownloaded(r)
        self.assertThroughProxy()
        self.assertRegex(self.proxy_log(), r"C>P EPRT \|1\|10\.0\.1\.2\|")

    def test_active_port(self):
        r = self.curl("-P", "-", "--disable-eprt")
        self.assertDownloaded(r)
        self.assertThroughProxy()


if __name__ == "__main__":
    topo.test_main()
