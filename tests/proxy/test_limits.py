#!/usr/bin/env python3
"""ftplab-proxy's limits: --max-sessions (the next connection gets 421),
--max-per-ip (421 for a second connection from one address, other
addresses still served, the count drops when sessions end), and
--idle-timeout (421 after the idle time, not before; a long transfer is not
idle).

    python3 tests/proxy/test_limits.py BIN_DIR
"""
import os
import time

import proxylib
from proxylib import ProxyTestCase
from ftpserver import Control, recv_all  # on sys.path through proxylib

ANON = ("anonymous", "limits@example.com")


class LimitCase(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-q"])

    def connect(self, proxy, src=None):
        c = Control(proxy.host, proxy.port, src=src)
        self.addCleanup(c.close)
        return c

    def banner(self, proxy, src=None):
        c = self.connect(proxy, src)
        return c, c.reply()

    def assert_refused(self, proxy, text, src=None):
        c, (code, reply) = self.banner(proxy, src)
        self.assertEqual(code, 421, reply)
        self.assertIn(text, reply)
        self.assertTrue(c.closed(), "a refused connection stays open")

    def quit(self, c):
        self.assertEqual(c.cmd("QUIT")[0], 221)
        self.assertTrue(c.closed())

    def admitted_eventually(self, proxy, src=None, timeout=5.0):
        """A new session is admitted within timeout (the proxy counts a
        closed session down when it sees the close)."""
        deadline = time.monotonic() + timeout
        while True:
            c, (code, text) = self.banner(proxy, src)
            if code == 220 or time.monotonic() > deadline:
                self.assertEqual(code, 220, text)
                return c
            c.close()
            time.sleep(0.05)


class MaxSessionsTest(LimitCase):
    def test_third_session_refused(self):
        proxy = self.new_proxy(["--max-sessions", "2"], upstream="127.0.0.1:%d" % self.srv.port)
        a, (code, _) = self.banner(proxy)
        self.assertEqual(code, 220)
        b, (code, _) = self.banner(proxy, src="127.0.0.2")
        self.assertEqual(code, 220)
        self.assert_refused(proxy, "Too many sessions", src="127.0.0.3")
        self.assert_refused(proxy, "Too many sessions")
        # both admitted sessions still work
        a.login(*ANON)
        b.login(*ANON)
        self.assertEqual(a.cmd("NOOP")[0], 200)
        # one leaves: room for one more, not two
        self.quit(a)
        c = self.admitted_eventually(proxy, src="127.0.0.3")
        self.assert_refused(proxy, "Too many sessions")
        c.login(*ANON)
        self.assertEqual(b.cmd("PWD")[0], 257)
        proxy.stop()


class MaxPerIpTest(LimitCase):
    def test_one_per_address(self):
        proxy = self.new_proxy(["--max-per-ip", "1"], upstream="127.0.0.1:%d" % self.srv.port)
        a, (code, _) = self.banner(proxy)
        self.assertEqual(code, 220)
        self.assert_refused(proxy, "from your address")
        # another address is counted on its own
        b, (code, _) = self.banner(proxy, src="127.0.0.2")
        self.assertEqual(code, 220)
        self.assert_refused(proxy, "from your address", src="127.0.0.2")
        # the count drops when the session ends, again and again
        for _ in range(5):
            self.quit(a)
            a = self.admitted_eventually(proxy)
            self.assert_refused(proxy, "from your address")
        a.login(*ANON)
        b.login(*ANON)
        proxy.stop()


class IdleTimeoutTest(LimitCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-q", "--rate-limit", "200"])
        cls.srv.write("slow.bin", os.urandom(700 << 10))  # about 3.5 s at 200 KiB/s
        cls.proxy = cls.make_class_proxy(["--idle-timeout", "2"],
                                         upstream="127.0.0.1:%d" % cls.srv.port)

    def test_idle_session_closed(self):
        c = self.proxy.control(login=ANON, timeout=15)
        self.addCleanup(c.close)
        plog = len(self.proxy.log())
        t0 = time.monotonic()
        self.assertEqual(c.cmd("NOOP")[0], 200)
        c.sock.settimeout(15)
        code, text = c.reply()
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 421, text)
        self.assertIn("Idle timeout", text)
        self.assertGreaterEqual(elapsed, 2.0)
        self.assertLess(elapsed, 8.0)
        self.assertTrue(c.closed())
        self.assertIsNotNone(self.proxy.wait_log(r"#\d+ close: timeout", start=plog))

    def test_activity_keeps_it_open(self):
        c = self.proxy.control(login=ANON)
        self.addCleanup(c.close)
        for _ in range(4):  # 4 x 0.8 s > 2 s, never idle for 2 s
            time.sleep(0.8)
            self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_long_transfer_not_idle(self):
        """A transfer longer than the idle timeout is not cut."""
        c = self.proxy.control(login=ANON, timeout=30)
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        t0 = time.monotonic()
        code, text = c.cmd("RETR slow.bin")
        self.assertIn(code, (125, 150), text)
        data = recv_all(d, timeout=30)
        d.close()
        self.assertGreater(time.monotonic() - t0, 2.5)
        self.assertTrue(data == self.srv.read("slow.bin"), "%d bytes" % len(data))
        code, text = c.reply()
        self.assertEqual(code, 226, text)
        self.assertEqual(c.cmd("NOOP")[0], 200)


if __name__ == "__main__":
    proxylib.main()
