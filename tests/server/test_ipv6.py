#!/usr/bin/env python3
"""ftplab-server listening on [::1]: EPSV and EPRT (RFC 2428) over IPv6.

    python3 tests/server/test_ipv6.py BIN_DIR
"""
import ftplib
import io
import os
import unittest

import ftpserver
from ftpserver import ServerTestCase, connect_data, recv_all

HAVE_V6 = ftpserver.ipv6_loopback_available()


@unittest.skipUnless(HAVE_V6, "no IPv6 loopback (::1) on this machine")
class Ipv6Test(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw"], host="::1")
        cls.data = os.urandom(80000)
        cls.srv.write("six.bin", cls.data)

    def ctl(self):
        c = self.srv.control(login=("anonymous", "v6@example.com"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        return c

    def test_epsv(self):
        c = self.ctl()
        for arg in ("EPSV", "EPSV 2"):
            code, text = c.cmd(arg)
            self.assertEqual(code, 229, text)
            d = connect_data("::1", ftpserver.parse_229(text))
            self.assertIn(c.cmd("RETR six.bin")[0], (125, 150))
            self.assertEqual(recv_all(d), self.data)
            d.close()
            self.assertEqual(c.reply()[0], 226)
        code, text = c.cmd("EPSV 1")  # IPv4 on an IPv6 connection
        self.assertEqual(code, 522, text)
        self.assertIn("(2)", text)

    def test_eprt(self):
        c = self.ctl()
        ls = ftpserver.listen_active("::1")
        self.addCleanup(ls.close)
        c.expect("EPRT |2|::1|%d|" % ls.getsockname()[1], 200)
        self.assertEqual(c.cmd("RETR six.bin")[0], 150)
        d, addr = ls.accept()
        self.assertEqual(addr[0], "::1")
        self.assertEqual(recv_all(d), self.data)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # an upload the same way
        c.expect("EPRT |2|::1|%d|" % ls.getsockname()[1], 200)
        self.assertEqual(c.cmd("STOR six-up.bin")[0], 150)
        d, _ = ls.accept()
        d.sendall(b"over ipv6")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(self.srv.read("six-up.bin"), b"over ipv6")

    def test_ipv4_commands_refused(self):
        c = self.ctl()
        code, text = c.cmd("PASV")
        self.assertIn(code // 100, (4, 5), text)  # no IPv4 address to give
        self.assertNotEqual(code, 227)
        code, text = c.cmd("EPRT |1|127.0.0.1|40000|")
        self.assertGreaterEqual(code, 500, text)  # not the client's address
        code, text = c.cmd("EPRT |2|::2|40000|")
        self.assertGreaterEqual(code, 500, text)  # bounce to another address
        self.assertEqual(c.cmd("EPRT |2|::1|80|")[0] // 100, 5)  # privileged port

    def test_ftplib_over_ipv6(self):
        f = ftplib.FTP(timeout=ftpserver.IO_TIMEOUT)
        self.addCleanup(f.close)
        f.connect("::1", self.srv.port)
        f.login("anonymous", "v6@example.com")
        out = io.BytesIO()
        f.retrbinary("RETR six.bin", out.write)  # ftplib uses EPSV on IPv6
        self.assertEqual(out.getvalue(), self.data)
        self.assertIn("six.bin", f.nlst())
        f.set_pasv(False)  # and EPRT
        out = io.BytesIO()
        f.retrbinary("RETR six.bin", out.write)
        self.assertEqual(out.getvalue(), self.data)

    def test_stat_shows_ipv6_peer(self):
        c = self.ctl()
        self.assertIn("::1", c.expect("STAT", 211))


if __name__ == "__main__":
    ftpserver.main()
