#!/usr/bin/env python3
"""ftplab-proxy --forward: the client names the server in USER
user@host:port (ftplib); the proxy connects there, logs in as user, and
relays listings and transfers. --allow-dest refuses other destinations with
421 before any connection reaches the server.

    python3 tests/proxy/test_forward.py BIN_DIR
"""
import ftplib
import io
import os

import proxylib
from proxylib import ProxyTestCase, server_commands, server_sessions
import ftpserver  # noqa: E402 (on sys.path through proxylib)

TIMEOUT = ftpserver.IO_TIMEOUT


class ForwardTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw", "-v"])
        cls.data = os.urandom(500000)
        cls.srv.write("pub/f.bin", cls.data)
        cls.srv.write("pub/readme.txt", b"hello\r\n")
        cls.proxy = cls.make_class_proxy(["--forward"])

    def ftp(self, proxy=None):
        proxy = proxy or self.proxy
        f = ftplib.FTP()
        f.connect(proxy.host, proxy.port, timeout=TIMEOUT)
        self.addCleanup(f.close)
        return f

    def login_user(self):
        return "anonymous@127.0.0.1:%d" % self.srv.port

    def test_banner_is_the_proxys(self):
        f = self.ftp()
        self.assertTrue(f.getwelcome().startswith("220 "), f.getwelcome())
        self.assertIn("USER user@host", f.getwelcome())

    def test_login_list_download_passive(self):
        slog, plog = len(self.srv.log()), len(self.proxy.log())
        f = self.ftp()
        resp = f.login(self.login_user(), "fwd@example.com")
        self.assertTrue(resp.startswith("230"), resp)
        self.assertEqual(sorted(f.nlst("pub")), ["f.bin", "readme.txt"])
        lines = []
        f.retrlines("LIST pub", lines.append)
        self.assertEqual(len(lines), 2, lines)
        self.assertRegex(lines[0] + lines[1], r" %d .*f\.bin" % len(self.data))
        buf = io.BytesIO()
        self.assertTrue(f.retrbinary("RETR pub/f.bin", buf.write).startswith("226"))
        self.assertTrue(buf.getvalue() == self.data)
        self.assertTrue(f.quit().startswith("221"))
        # the proxy logged the destination, the server saw a plain USER
        self.assertIsNotNone(self.proxy.wait_log(
            r"#\d+ forward: USER anonymous@127\.0\.0\.1:%d" % self.srv.port, start=plog))
        cmds = [c for _, c in server_commands(self.srv.log()[slog:])]
        self.assertEqual(cmds[0], "USER anonymous")
        self.assertIn("RETR pub/f.bin", cmds)
        # the server's 220 was swallowed: the client saw only the proxy's
        self.assertIn("ftplab-proxy ready", f.getwelcome())

    def test_active_upload_and_download(self):
        f = self.ftp()
        f.login(self.login_user(), "fwd@example.com")
        f.set_pasv(False)
        up = os.urandom(200000)
        self.assertTrue(f.storbinary("STOR fwd-up.bin", io.BytesIO(up)).startswith("226"))
        self.assertTrue(self.srv.read("fwd-up.bin") == up)
        buf = io.BytesIO()
        f.retrbinary("RETR fwd-up.bin", buf.write)
        self.assertTrue(buf.getvalue() == up)
        f.quit()

    def test_json_log_names_the_server(self):
        plog = len(self.proxy.log())
        f = self.ftp()
        f.login(self.login_user(), "x@")
        f.quit()
        m = self.proxy.wait_log(r"#(\d+) forward: USER anonymous@", start=plog)
        self.assertIsNotNone(m)
        sid = int(m.group(1))
        self.assertIsNotNone(self.proxy.wait_log(r"#%d close: " % sid, start=plog))
        want = "127.0.0.1:%d" % self.srv.port
        mine = [e for e in self.proxy.events() if e["session"] == sid]
        ev = [e for e in mine if e["type"] == "forward"]
        self.assertEqual(len(ev), 1, "no forward event in --log-json")
        self.assertEqual(ev[0].get("server"), want, ev[0])
        later = [e.get("server") for e in mine if e["type"] in ("upstream", "close")]
        self.assertEqual(later, [want, want])

    def test_plain_user_refused(self):
        f = self.ftp()
        with self.assertRaises(ftplib.error_perm) as cm:
            f.login("anonymous", "x@")
        self.assertTrue(str(cm.exception).startswith("530"), cm.exception)
        with self.assertRaises(ftplib.error_perm) as cm:
            f.sendcmd("USER bad@")
        self.assertTrue(str(cm.exception).startswith("501"), cm.exception)
        self.assertTrue(f.quit().startswith("221"))

    def test_unreachable_server(self):
        port = ftpserver.free_port()  # nothing listens there
        f = self.ftp()
        with self.assertRaises(ftplib.error_temp) as cm:
            f.login("anonymous@127.0.0.1:%d" % port, "x@")
        self.assertTrue(str(cm.exception).startswith("421"), cm.exception)


class AllowDestTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-v"])
        cls.srv.write("f.txt", b"allowed\n")

    def try_login(self, proxy):
        f = ftplib.FTP()
        f.connect(proxy.host, proxy.port, timeout=TIMEOUT)
        self.addCleanup(f.close)
        return f, f.login("anonymous@127.0.0.1:%d" % self.srv.port, "x@")

    def refused(self, rule):
        proxy = self.new_proxy(["--forward", "--allow-dest", rule])
        before = server_sessions(self.srv.log())
        with self.assertRaises(ftplib.error_temp) as cm:
            self.try_login(proxy)
        self.assertEqual(str(cm.exception), "421 Destination not allowed by this proxy.")
        self.assertIsNotNone(proxy.wait_log(r"#\d+ refused: destination not in --allow-dest"))
        self.assertEqual(server_sessions(self.srv.log()), before,
                         "a connection reached the server")
        proxy.stop()

    def test_other_network_refused(self):
        self.refused("127.0.0.2/32")

    def test_other_ports_refused(self):
        self.refused("127.0.0.1/32:1-1023")

    def test_allowed_destination(self):
        proxy = self.new_proxy(["--forward", "--allow-dest", "127.0.0.2/32",
                                "--allow-dest", "127.0.0.0/24:%d" % self.srv.port])
        f, resp = self.try_login(proxy)
        self.assertTrue(resp.startswith("230"), resp)
        buf = io.BytesIO()
        f.retrbinary("RETR f.txt", buf.write)
        self.assertEqual(buf.getvalue(), b"allowed\n")
        f.quit()


if __name__ == "__main__":
    proxylib.main()
