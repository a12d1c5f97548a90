#!/usr/bin/env python3
"""An IPv6 client in front of an IPv4 server: the proxy listens on [::1],
its upstream is 127.0.0.1. curl -g 'ftp://[::1]:PORT/f' downloads and
uploads in EPSV and EPRT mode; the server's log shows only IPv4 commands
(EPSV, or EPRT |1|127.0.0.1|...|, or PASV/PORT with --server-data), never
an address of family 2. Skipped when ::1 is not available.

    python3 tests/proxy/test_ipv6.py BIN_DIR
"""
import os
import shutil
import tempfile
import unittest

import proxylib  # first: puts tests/server on sys.path
import ftpserver  # noqa: E402
from proxylib import ProxyTestCase, curl, reply_to, server_commands

DATA_VERBS = ("PASV", "EPSV", "PORT", "EPRT", "LPRT", "LPSV")


@unittest.skipUnless(ftpserver.ipv6_loopback_available(), "::1 is not available")
class Ipv6ToIpv4Test(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw", "-v"])
        cls.data = os.urandom(1 << 20)
        cls.srv.write("f.bin", cls.data)
        up = "127.0.0.1:%d" % cls.srv.port
        cls.proxy = cls.make_class_proxy(host="::1", upstream=up)
        cls.proxy_pasv = cls.make_class_proxy(["--server-data", "passive"], host="::1",
                                              upstream=up)
        cls.proxy_port = cls.make_class_proxy(["--server-data", "active"], host="::1",
                                              upstream=up)
        cls.local = tempfile.mkdtemp(prefix="ftplab-proxy-v6-")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)

    def fetch(self, proxy, opts, verb, want_server):
        """Download through proxy; returns the data command the server saw."""
        out = os.path.join(self.local, "out.bin")
        slog, plog = len(self.srv.log()), len(proxy.log())
        r = curl("-g", *opts, "-o", out, proxy.url("f.bin"))
        self.assertCurlOk(r)
        self.assertRegex(r.stderr, r"Connected to ::1 ")
        with open(out, "rb") as f:
            self.assertTrue(f.read() == self.data, "download differs")
        got = reply_to(r.stderr, verb)
        if verb == "EPSV":
            self.assertRegex(got, r"^229 .*\(\|\|\|\d+\|\)")
        else:
            self.assertEqual(got, "200 EPRT command successful.")
        seen = [c for _, c in server_commands(self.srv.log()[slog:])
                if c.split()[0] in DATA_VERBS]
        self.assertEqual(len(seen), 1, seen)
        self.assertRegex(seen[0], want_server)
        # the proxy's transcript: an IPv6 client, an IPv4 server side
        m = proxy.wait_log(r"#\d+ C>P %s\b.* \| P>S .*" % verb, start=plog)
        self.assertIsNotNone(m)
        self.assertIn("::1", m.group(0))
        return seen[0]

    def test_epsv(self):
        self.fetch(self.proxy, [], "EPSV", r"^EPSV$")

    def test_eprt(self):
        cmd = self.fetch(self.proxy, ["-P", "-"], "EPRT", r"^EPRT \|1\|127\.0\.0\.1\|\d+\|$")
        self.assertNotIn("|2|", cmd)

    def test_epsv_to_pasv(self):
        self.fetch(self.proxy_pasv, [], "EPSV", r"^PASV$")

    def test_eprt_to_port(self):
        self.fetch(self.proxy_port, ["-P", "-"], "EPRT", r"^PORT 127,0,0,1,\d+,\d+$")

    def test_epsv_to_port(self):
        self.fetch(self.proxy_port, [], "EPSV", r"^PORT 127,0,0,1,\d+,\d+$")

    def test_eprt_to_pasv(self):
        self.fetch(self.proxy_pasv, ["-P", "-"], "EPRT", r"^PASV$")

    def test_upload_eprt_and_epsv(self):
        src = os.path.join(self.local, "up.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(654321))
        for opts, name in (([], "v6-epsv.bin"), (["-P", "-"], "v6-eprt.bin")):
            r = curl("-g", *opts, "-T", src, self.proxy.url(name))
            self.assertCurlOk(r)
            self.assertSameFile(self.srv.rpath(name), src)

    def test_pasv_from_ipv6_client(self):
        """PASV cannot carry the proxy's IPv6 address: refused, EPSV works."""
        c = self.proxy.control(login=("anonymous", "v6@example.com"))
        self.addCleanup(c.close)
        slog = len(self.srv.log())
        code, text = c.cmd("PASV")
        self.assertEqual(code, 425, text)  # "PASV is for IPv4; use EPSV."
        self.assertNotIn("PASV", [x for _, x in server_commands(self.srv.log()[slog:])])
        port = c.epsv()
        d = ftpserver.connect_data("::1", port)
        self.addCleanup(d.close)
        c.expect("TYPE I", 200)
        code, text = c.cmd("RETR f.bin")
        self.assertIn(code, (125, 150), text)
        self.assertTrue(ftpserver.recv_all(d) == self.data)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("QUIT")[0], 221)


if __name__ == "__main__":
    proxylib.main()
