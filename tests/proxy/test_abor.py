#!/usr/bin/env python3
"""ABOR through ftplab-proxy in the middle of a slow transfer (the server
sends 200 KiB/s of an 8 MiB file): the client gets 426 then 226, the proxy
logs the data connection closed well short of 8 MiB, and the next transfer
on the same session works, byte for byte.

    python3 tests/proxy/test_abor.py BIN_DIR
"""
import os
import socket
import time

import proxylib
from proxylib import ProxyTestCase, server_commands
import ftpserver  # noqa: E402 (on sys.path through proxylib)
from ftpserver import connect_data, port_arg, recv_all

ANON = ("anonymous", "abor@example.com")
BIG = 8 << 20


class AborTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-v", "--rate-limit", "200"])
        cls.srv.write("big.bin", os.urandom(BIG))
        cls.small = os.urandom(30000)
        cls.srv.write("small.bin", cls.small)
        cls.proxy = cls.make_class_proxy(upstream="127.0.0.1:%d" % cls.srv.port)

    def ctl(self):
        c = self.proxy.control(login=ANON)
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        c.expect("TYPE I", 200)
        return c

    def read_some(self, d, want=64 << 10, timeout=10.0):
        got = 0
        deadline = time.monotonic() + timeout
        while got < want and time.monotonic() < deadline:
            chunk = d.recv(65536)
            if not chunk:
                break
            got += len(chunk)
        self.assertGreaterEqual(got, want, "the transfer did not start")
        return got

    def abort_and_check(self, c, d, abor_bytes, plog):
        c.send(abor_bytes)
        code, text = c.reply()
        self.assertEqual(code, 426, text)
        code, text = c.reply()
        self.assertEqual(code, 226, text)
        d.close()
        m = self.proxy.wait_log(r"#%d data-close: data connection closed: 0 bytes "
                                % self.proxy.session_of(c.sock) +
                                r"client->server, (\d+) bytes server->client", start=plog)
        self.assertIsNotNone(m, "the proxy did not log the data connection closed")
        self.assertLess(int(m.group(1)), BIG // 2)

    def next_transfer_works(self, c):
        d = c.pasv_connect()
        code, text = c.cmd("RETR small.bin")
        self.assertIn(code, (125, 150), text)
        self.assertTrue(recv_all(d) == self.small, "the next transfer differs")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_abor_passive(self):
        c = self.ctl()
        plog, slog = len(self.proxy.log()), len(self.srv.log())
        d = c.pasv_connect()
        code, text = c.cmd("RETR big.bin")
        self.assertIn(code, (125, 150), text)
        self.read_some(d)
        self.abort_and_check(c, d, b"ABOR\r\n", plog)
        self.assertIn("ABOR", [x for _, x in server_commands(self.srv.log()[slog:])])
        self.next_transfer_works(c)

    def test_abor_with_telnet_synch(self):
        """IAC IP, IAC DM as urgent data, then ABOR (RFC 959 4.1.3)."""
        c = self.ctl()
        plog = len(self.proxy.log())
        d = connect_data("127.0.0.1", c.epsv())
        code, text = c.cmd("RETR big.bin")
        self.assertIn(code, (125, 150), text)
        self.read_some(d)
        c.sock.send(b"\xff\xf4\xff", socket.MSG_OOB)
        self.abort_and_check(c, d, b"\xf2ABOR\r\n", plog)
        self.next_transfer_works(c)

    def test_abor_active(self):
        c = self.ctl()
        plog = len(self.proxy.log())
        ls = ftpserver.listen_active()
        self.addCleanup(ls.close)
        c.expect("PORT " + port_arg("127.0.0.1", ls.getsockname()[1]), 200)
        code, text = c.cmd("RETR big.bin")
        self.assertIn(code, (125, 150), text)
        d, _ = ls.accept()
        d.settimeout(10)
        self.read_some(d)
        self.abort_and_check(c, d, b"ABOR\r\n", plog)
        self.next_transfer_works(c)

    def test_abor_without_transfer(self):
        c = self.ctl()
        self.assertEqual(c.cmd("ABOR")[0], 225)
        self.next_transfer_works(c)


class ShutdownTest(ProxyTestCase):
    """SIGTERM with sessions in every state (a transfer being relayed, a
    PASV set up but unused, a PORT pending, a session still connecting its
    banner): the proxy exits 0 at once, with nothing leaked (ASan builds),
    and every client sees its connection closed."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-q", "--rate-limit", "200"])
        cls.srv.write("big.bin", os.urandom(BIG))

    def test_sigterm_with_live_sessions(self):
        proxy = self.new_proxy(upstream="127.0.0.1:%d" % self.srv.port)
        clients = []
        # a transfer in progress
        c = proxy.control(login=ANON)
        clients.append(c)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        clients.append(ftpserver.Control(sock=d))
        code, text = c.cmd("RETR big.bin")
        self.assertIn(code, (125, 150), text)
        self.assertGreater(len(d.recv(65536)), 0)
        # a PASV listener nobody connected to
        c2 = proxy.control(login=ANON)
        clients.append(c2)
        c2.pasv()
        # a PORT waiting for its transfer
        ls = ftpserver.listen_active()
        self.addCleanup(ls.close)
        c3 = proxy.control(login=ANON)
        clients.append(c3)
        c3.expect("PORT " + port_arg("127.0.0.1", ls.getsockname()[1]), 200)
        # a half-sent command line
        c4 = proxy.control()
        clients.append(c4)
        c4.send(b"USER anon")
        for x in clients:
            self.addCleanup(x.close)
        self.assertIsNotNone(proxy.wait_log(r"#\d+ data-open: "))
        t0 = time.monotonic()
        proxy.stop()  # exit status 0 within STOP_TIMEOUT, else an error
        self.assertLess(time.monotonic() - t0, 5.0)
        self.assertIn("SIGTERM: exiting", proxy.log_text)
        for x in clients:
            self.assertTrue(x.closed(timeout=5), "a client connection stayed open")


if __name__ == "__main__":
    proxylib.main()
