#!/usr/bin/env python3
"""ftplab-proxy against hostile or unusual input on both sides: a server
announcing a third host in 227, FTP bounce attempts, commands one byte per
send(), an overlong command line, AUTH TLS, 1000 sessions (no fd or memory
growth), pipelined commands, multi-line replies, and replies split one byte
per TCP segment.

    python3 tests/proxy/test_hostile.py BIN_DIR
"""
import os
import socket
import threading
import time
import unittest

import proxylib
from proxylib import ProxyTestCase, curl, server_commands
import ftpserver  # noqa: E402 (on sys.path through proxylib)
from ftpserver import connect_data, port_arg, recv_all

ANON = ("anonymous", "hostile@example.com")
THIRD = "127.0.0.3"   # the host a faulty server announces in 227
THIEF = "127.0.0.2"   # another loopback address: binding it needs no root


class HostileCase(ProxyTestCase):
    server_args = ("--anonymous", "rw", "-v")
    proxy_args = ()

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(cls.server_args)
        cls.proxy = cls.make_class_proxy(cls.proxy_args, upstream="127.0.0.1:%d" % cls.srv.port)

    def ctl(self, login=ANON, proxy=None):
        c = (proxy or self.proxy).control(login=login)
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c

    def passive_get(self, c, name, epsv=False):
        if epsv:
            d = connect_data("127.0.0.1", c.epsv())
        else:
            d = c.pasv_connect()
        try:
            code, text = c.cmd("RETR " + name)
            self.assertIn(code, (125, 150), text)
            data = recv_all(d)
        finally:
            d.close()
        self.assertEqual(c.reply()[0], 226)
        return data


class PasvAddressMismatchTest(HostileCase):
    """(a) A server announcing 127.0.0.3 in its 227 (behind a NAT that does
    not know its address): the proxy connects to the server's control
    address instead and logs pasv-address-mismatch."""
    server_args = ("--anonymous", "ro", "-v", "--fault", "pasv-address=" + THIRD)
    proxy_args = ("--server-data", "passive")

    def test_the_fault_is_real(self):
        c = self.srv.control(login=ANON)
        self.addCleanup(c.close)
        self.assertEqual(c.pasv()[0], THIRD)

    def test_download_through_proxy(self):
        data = os.urandom(400000)
        self.srv.write("m.bin", data)
        plog = len(self.proxy.log())
        for epsv in (False, True):  # the client's PASV or EPSV; the server gets PASV
            c = self.ctl()
            c.expect("TYPE I", 200)
            self.assertTrue(self.passive_get(c, "m.bin", epsv=epsv) == data)
            c.cmd("QUIT")
        m = self.proxy.wait_log(r"#\d+ pasv-address-mismatch: 227 announced 127\.0\.0\.3:\d+ "
                                r"but the server is 127\.0\.0\.1:\d+", start=plog)
        self.assertIsNotNone(m, "no pasv-address-mismatch in the proxy log")
        ev = [e for e in self.proxy.events() if e["type"] == "pasv-address-mismatch"]
        self.assertGreaterEqual(len(ev), 2)
        self.assertIn("127.0.0.3", ev[-1]["message"])

    def test_client_never_sees_the_third_host(self):
        c = self.ctl()
        host, _ = c.pasv()
        self.assertEqual(host, "127.0.0.1")


class BounceTest(HostileCase):
    """(b) PORT/EPRT toward another address or a privileged port: 501 from
    the proxy, nothing sent upstream, no connection to the third party."""

    def test_port_to_another_address(self):
        ls = ftpserver.listen_active(THIEF)
        self.addCleanup(ls.close)
        port = ls.getsockname()[1]
        self.srv.write("b.txt", b"bounce")
        c = self.ctl()
        slog, plog = len(self.srv.log()), len(self.proxy.log())
        for line in ("PORT " + port_arg(THIEF, port), "EPRT |1|%s|%d|" % (THIEF, port),
                     "PORT 127,0,0,1,0,80", "EPRT |1|127.0.0.1|21|"):
            code, text = c.cmd(line)
            self.assertEqual(code, 501, "%s: %s" % (line, text))
        self.assertEqual(c.cmd("NOOP")[0], 200)  # in step with the server
        seen = [x for _, x in server_commands(self.srv.log()[slog:])]
        self.assertEqual(seen, ["NOOP"], "bounce commands reached the server")
        self.assertIsNotNone(self.proxy.wait_log(
            r"#\d+ bounce-refused: PORT to 127\.0\.0\.2:%d refused" % port, start=plog))
        # no transfer reaches the third party
        code, text = c.cmd("RETR b.txt")
        self.assertGreaterEqual(code, 400, text)
        ls.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            ls.accept()

    def test_pasv_theft(self):
        """A connection to the proxy's PASV port from another address is
        closed and logged; the real client still gets its data."""
        data = os.urandom(50000)
        self.srv.write("secret.bin", data)
        c = self.ctl()
        c.expect("TYPE I", 200)
        plog = len(self.proxy.log())
        host, port = c.pasv()
        thief = connect_data(host, port, src=THIEF)
        self.addCleanup(thief.close)
        thief.settimeout(5)
        try:
            got = thief.recv(100)
        except ConnectionResetError:
            got = b""
        self.assertEqual(got, b"", "the thief's connection was not closed")
        self.assertIsNotNone(self.proxy.wait_log(
            r"#\d+ data-refused: client-side data connection from 127\.0\.0\.2:\d+ refused",
            start=plog))
        real = connect_data(host, port)
        self.addCleanup(real.close)
        code, text = c.cmd("RETR secret.bin")
        self.assertIn(code, (125, 150), text)
        self.assertTrue(recv_all(real) == data)
        self.assertEqual(c.reply()[0], 226)

    def test_malformed_port(self):
        c = self.ctl()
        slog = len(self.srv.log())
        for line in ("PORT 1,2,3", "PORT 127,0,0,1,300,1", "EPRT |9|127.0.0.1|5000|",
                     "EPRT garbage", "PORT"):
            code, text = c.cmd(line)
            self.assertIn(code, (501, 522), "%s: %s" % (line, text))
        self.assertEqual(c.cmd("EPRT |9|127.0.0.1|5000|")[0], 522)
        self.assertEqual([x for _, x in server_commands(self.srv.log()[slog:])], [])
        self.assertEqual(c.cmd("NOOP")[0], 200)


class FramingTest(HostileCase):
    def test_one_byte_per_send(self):
        """(c) Every command one byte per send(), transfers included."""
        self.srv.write("tiny.txt", b"one byte at a time\n")
        c = self.ctl(login=None)

        def send_slowly(line):
            for i in range(len(line)):
                c.sock.send(line[i:i + 1])
                time.sleep(0.001)

        for line, want in ((b"USER anonymous\r\n", 331), (b"PASS x@\r\n", 230),
                           (b"TYPE I\r\n", 200), (b"PWD\r\n", 257)):
            send_slowly(line)
            code, text = c.reply()
            self.assertEqual(code, want, text)
        send_slowly(b"PASV\r\n")
        code, text = c.reply()
        self.assertEqual(code, 227, text)
        d = connect_data(*ftpserver.parse_227(text))
        self.addCleanup(d.close)
        send_slowly(b"RETR tiny.txt\r\n")
        self.assertIn(c.reply()[0], (125, 150))
        self.assertEqual(recv_all(d), b"one byte at a time\n")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # and a PORT, one byte at a time
        ls = ftpserver.listen_active()
        self.addCleanup(ls.close)
        send_slowly(("PORT %s\r\n" % port_arg("127.0.0.1", ls.getsockname()[1])).encode())
        self.assertEqual(c.reply(), (200, "200 PORT command successful."))
        send_slowly(b"RETR tiny.txt\r\n")
        a, _ = ls.accept()
        self.addCleanup(a.close)
        self.assertIn(c.reply()[0], (125, 150))
        self.assertEqual(recv_all(a), b"one byte at a time\n")
        self.assertEqual(c.reply()[0], 226)

    def test_overlong_line(self):
        """(d) A 10 KiB command line: one 500, then the session goes on."""
        c = self.ctl()
        slog, plog = len(self.srv.log()), len(self.proxy.log())
        c.send(b"NOOP " + b"A" * 10240 + b"\r\n")
        code, text = c.reply()
        self.assertEqual(code, 500, text)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("PWD")[0], 257)
        # nothing of the long line went upstream
        seen = [x for _, x in server_commands(self.srv.log()[slog:])]
        self.assertFalse([x for x in seen if "AAAA" in x], "the long line reached the server")
        self.assertEqual([x for x in seen if x != "QUIT"], ["NOOP", "PWD"])
        self.assertIsNotNone(self.proxy.wait_log(r"#\d+ violation: client line longer", start=plog))
        # the same line arriving in pieces
        for _ in range(5):
            c.send(b"B" * 2048)
            time.sleep(0.01)
        c.send(b"\r\nSYST\r\n")
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.reply()[0], 215)

    def test_pipelined(self):
        """(g) Three commands in one send: three replies, in order."""
        c = self.ctl()
        c.send(b"TYPE I\r\nPWD\r\nNOOP\r\n")
        replies = [c.reply() for _ in range(3)]
        self.assertEqual([r[0] for r in replies], [200, 257, 200], replies)
        self.assertIn('"/"', replies[1][1])
        self.assertEqual(c.cmd("NOOP")[0], 200)  # nothing left over

    def test_pipelined_many(self):
        c = self.ctl()
        n = 300
        c.send(b"NOOP\r\n" * n + b"SYST\r\n")
        for i in range(n):
            self.assertEqual(c.reply()[0], 200, "reply %d" % i)
        self.assertEqual(c.reply()[0], 215)

    def test_pipelined_with_local_replies(self):
        """Replies the proxy gives itself (534 to AUTH, 501 to a bounce)
        keep their place among the server's replies."""
        c = self.ctl()
        c.send(b"PWD\r\nAUTH TLS\r\nNOOP\r\nPORT 127,0,0,2,200,1\r\nSYST\r\n")
        codes = [c.reply()[0] for _ in range(5)]
        self.assertEqual(codes, [257, 534, 200, 501, 215])

    def test_auth_tls_refused(self):
        """(e) AUTH TLS -> 534; the session goes on in clear."""
        self.srv.write("auth/list-me.txt", b"x")
        c = self.ctl(login=None)
        slog, plog = len(self.srv.log()), len(self.proxy.log())
        code, text = c.cmd("AUTH TLS")
        self.assertEqual(code, 534, text)
        self.assertEqual(c.cmd("AUTH SSL")[0], 534)
        c.login(*ANON)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        code, text = c.cmd("LIST /auth")
        self.assertIn(code, (125, 150), text)
        self.assertIn(b"list-me.txt", recv_all(d))
        self.assertEqual(c.reply()[0], 226)
        self.assertNotIn("AUTH", [x.split()[0] for _, x in
                                  server_commands(self.srv.log()[slog:])])
        self.assertIsNotNone(self.proxy.wait_log(r"#\d+ auth-refused: ", start=plog))

    def test_lftp_with_tls_allowed_falls_back(self):
        """A real client that tries AUTH TLS first (lftp ftp:ssl-allow yes)
        goes on in clear after the 534."""
        self.srv.write("tls/f.txt", b"in clear\n")
        home = self.srv.path("lftp-home")
        os.makedirs(home, exist_ok=True)
        out = self.srv.path("lftp-f.txt")
        plog = len(self.proxy.log())
        r = proxylib.lftp(self.proxy.url(""), "get /tls/f.txt -o '%s'" % out, home=home,
                          extra=["set ftp:ssl-allow yes", "set ftp:ssl-force no"])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        with open(out, "rb") as f:
            self.assertEqual(f.read(), b"in clear\n")
        self.assertIsNotNone(self.proxy.wait_log(r"#\d+ auth-refused: ", start=plog))


class MultilineTest(HostileCase):
    """(h) Multi-line replies pass intact: a 5-line banner, FEAT."""
    server_args = ("--anonymous", "ro", "-v", "--fault", "multiline-banner=5")

    def raw_banner_and_feat(self, host, port):
        with ftpserver.Control(host, port) as c:
            banner = c.reply_raw()
            c.login(*ANON)
            c.send("FEAT\r\n")
            feat = c.reply_raw()
            help_ = None
            c.send("HELP\r\n")
            help_ = c.reply_raw()
            return banner, feat, help_

    def test_banner_and_feat(self):
        direct = self.raw_banner_and_feat(self.srv.host, self.srv.port)
        proxied = self.raw_banner_and_feat(self.proxy.host, self.proxy.port)
        banner, feat, help_ = proxied
        self.assertEqual(banner[0], 220)
        self.assertEqual(len(banner[1]), 5, banner)
        self.assertTrue(banner[1][0].startswith(b"220-"), banner)
        self.assertTrue(banner[1][4].startswith(b"220 "), banner)
        self.assertEqual(feat[0], 211)
        self.assertGreater(len(feat[1]), 2)
        self.assertIn(b" EPSV", feat[1])
        self.assertEqual(proxied, direct, "a multi-line reply changed on its way through")


class SplitRepliesTest(HostileCase):
    """(i) Every reply one byte per segment (slow by design: about 0.2 s a
    reply): the proxy reassembles the 227 and 229 it must rewrite."""
    server_args = ("--anonymous", "ro", "-v", "--fault", "split-replies")

    def test_passive_download(self):
        data = os.urandom(250000)
        self.srv.write("s.bin", data)
        slog = len(self.srv.log())
        c = self.ctl()
        c.expect("TYPE I", 200)
        for epsv in (False, True):  # same mode: the server answers 227, then 229
            self.assertTrue(self.passive_get(c, "s.bin", epsv=epsv) == data)
        self.assertEqual(c.cmd("QUIT")[0], 221)
        seen = [x for _, x in server_commands(self.srv.log()[slog:])]
        self.assertIn("PASV", seen)
        self.assertIn("EPSV", seen)

    def test_curl_through_split_replies(self):
        out = self.srv.path("curl-s.bin")
        self.srv.write("c.bin", os.urandom(100000))
        r = curl("--disable-epsv", "-o", out, self.proxy.url("c.bin"))
        self.assertCurlOk(r)
        with open(out, "rb") as a:
            self.assertTrue(a.read() == self.srv.read("c.bin"))


class ManySessionsTest(HostileCase):
    """(f) 1000 sessions opened and closed, 50 at a time: afterwards the
    proxy holds as many file descriptors as before and its RSS is back
    near where it was."""
    server_args = ("--anonymous", "ro", "-q", "--max-per-ip", "200")
    proxy_args = ("--max-per-ip", "200")
    TOTAL, BATCH = 1000, 50

    def one_session(self, errors):
        try:
            with ftpserver.Control(self.proxy.host, self.proxy.port) as c:
                code, text = c.reply()
                if code != 220:
                    raise AssertionError("banner %d %s" % (code, text))
                code, text = c.cmd("QUIT")
                if code != 221:
                    raise AssertionError("QUIT %d %s" % (code, text))
                if not c.closed(timeout=10):
                    raise AssertionError("not closed after 221")
        except Exception as e:  # collected, reported by the test
            errors.append(repr(e))

    def wait_for(self, cond, timeout=10.0):
        deadline = time.monotonic() + timeout
        while not cond() and time.monotonic() < deadline:
            time.sleep(0.05)
        return cond()

    def test_thousand_sessions(self):
        # warm up: libevent and the allocator reach their steady state
        errors = []
        for _ in range(self.BATCH):
            self.one_session(errors)
        self.assertEqual(errors, [])
        self.wait_for(lambda: "#%d close" % self.BATCH in self.proxy.log())
        fds0, rss0 = self.proxy.fd_count(), self.proxy.rss_kib()
        for _ in range(self.TOTAL // self.BATCH):
            threads = [threading.Thread(target=self.one_session, args=(errors,))
                       for _ in range(self.BATCH)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(60)
            self.assertFalse(any(t.is_alive() for t in threads), "a session hung")
        self.assertEqual(errors, [], "%d sessions failed" % len(errors))
        last = self.BATCH + self.TOTAL
        self.assertTrue(self.wait_for(lambda: "#%d close" % last in self.proxy.log()),
                        "session #%d never closed" % last)
        self.assertTrue(self.wait_for(lambda: self.proxy.fd_count() <= fds0 + 2),
                        "fds: %d before, %d after" % (fds0, self.proxy.fd_count()))
        # an ASan build keeps freed memory in quarantine: allow more there
        slack = 64 << 10 if proxylib.is_sanitized() else 2 << 10  # KiB
        rss1 = self.proxy.rss_kib()
        self.assertLess(rss1 - rss0, slack, "RSS %d KiB before, %d KiB after" % (rss0, rss1))
        self.assertEqual(self.proxy.log().count(" close: "), last)
        # and the proxy still works
        c = self.ctl()
        self.assertEqual(c.cmd("NOOP")[0], 200)


if __name__ == "__main__":
    proxylib.main()
