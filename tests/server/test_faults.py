#!/usr/bin/env python3
"""The lab faults of ftplab-server (--fault NAME[=ARG]): each one makes the
server misbehave in one documented way, and only that way.

Timing checks are lower bounds only: a loaded machine is slower, never faster.

    python3 tests/server/test_faults.py BIN_DIR
"""
import os
import time

import ftpserver
from ftpserver import ServerTestCase, connect_data, recv_all

ANON = ("anonymous", "fault@example.com")


class FaultCase(ServerTestCase):
    def fault_server(self, *faults, extra=()):
        args = ["--anonymous", "rw"] + list(extra)
        for f in faults:
            args += ["--fault", f]
        return self.new_server(args)

    def ctl(self, srv, login=ANON):
        c = srv.control(login=login)
        self.addCleanup(c.close)
        return c


class FaultTest(FaultCase):
    def test_pasv_address(self):
        srv = self.fault_server("pasv-address=192.0.2.7")
        srv.write("p.txt", b"pasv")
        c = self.ctl(srv)
        code, text = c.cmd("PASV")
        self.assertEqual(code, 227, text)
        host, port = ftpserver.parse_227(text)
        self.assertEqual(host, "192.0.2.7")
        # the port is real: a client that ignores the address still gets its data
        # (we connect to loopback only, never to the documentation address)
        d = connect_data("127.0.0.1", port)
        self.assertIn(c.cmd("RETR p.txt")[0], (125, 150))
        self.assertEqual(recv_all(d), b"pasv")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("EPSV")[0], 229)  # EPSV carries no address

    def test_reply_delay(self):
        srv = self.fault_server("reply-delay=300")
        t0 = time.monotonic()
        c = srv.control()  # reads the banner
        self.addCleanup(c.close)
        self.assertGreaterEqual(time.monotonic() - t0, 0.3)
        for line, code in (("NOOP", 200), ("USER anonymous", 331), ("PASS x@", 230),
                           ("PWD", 257)):
            t0 = time.monotonic()
            self.assertEqual(c.cmd(line)[0], code)
            self.assertGreaterEqual(time.monotonic() - t0, 0.3, line)
        # replies keep their order when commands are pipelined
        c.send("SYST\r\nNOOP\r\nFROB\r\n")
        self.assertEqual([c.reply()[0] for _ in range(3)], [215, 200, 500])

    def test_drop_data_after(self):
        srv = self.fault_server("drop-data-after=1000")
        srv.write("big.bin", os.urandom(100 * 1024))
        c = self.ctl(srv)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.assertIn(c.cmd("RETR big.bin")[0], (125, 150))
        got = recv_all(d)  # a reset may eat what was in flight: at most 1000
        d.close()
        self.assertLessEqual(len(got), 1000)
        code, text = c.reply()
        self.assertEqual(code, 426, text)
        self.assertIn("1000", text)
        # uploads are cut the same way
        d = c.pasv_connect()
        self.assertIn(c.cmd("STOR up.bin")[0], (125, 150))
        try:
            d.sendall(os.urandom(100 * 1024))
        except (BrokenPipeError, ConnectionResetError):
            pass
        d.close()
        self.assertEqual(c.reply()[0], 426)
        self.assertLessEqual(os.path.getsize(srv.rpath("up.bin")), 1000)
        # a small transfer below the limit is untouched
        srv.write("small.bin", b"s" * 500)
        d = c.pasv_connect()
        c.cmd("RETR small.bin")
        self.assertEqual(recv_all(d), b"s" * 500)
        d.close()
        self.assertEqual(c.reply()[0], 226)

    def test_refuse_data(self):
        srv = self.fault_server("refuse-data")
        srv.write("r.txt", b"r")
        c = self.ctl(srv)
        for line in ("RETR r.txt", "LIST", "NLST", "STOR new.txt", "MLSD"):
            code, text = c.cmd("PASV")
            self.assertEqual(code, 227, text)
            self.assertEqual(c.cmd(line)[0], 425, line)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_slow_data(self):
        srv = self.fault_server("slow-data=50")
        data = os.urandom(100 * 1024)
        srv.write("slow.bin", data)
        c = self.ctl(srv)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        t0 = time.monotonic()
        self.assertIn(c.cmd("RETR slow.bin")[0], (125, 150))
        got = recv_all(d, timeout=60)
        elapsed = time.monotonic() - t0
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, data)
        self.assertGreaterEqual(elapsed, 1.5, "100 KiB at 50 KiB/s took %.2f s" % elapsed)

    def test_multiline_banner(self):
        srv = self.fault_server("multiline-banner=5")
        c = ftpserver.Control(srv.host, srv.port)
        self.addCleanup(c.close)
        code, lines = c.reply_raw()
        self.assertEqual(code, 220)
        self.assertEqual(len(lines), 5, lines)
        self.assertTrue(lines[0].startswith(b"220-"))
        self.assertTrue(lines[-1].startswith(b"220 "))
        for ln in lines[1:-1]:
            self.assertFalse(ln.startswith(b"220 "), ln)
        c.login(*ANON)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_split_replies(self):
        srv = self.fault_server("split-replies")
        c = self.ctl(srv)
        c.recv_sizes.clear()
        t0 = time.monotonic()
        c.send("FEAT\r\n")
        code, lines = c.reply_raw()
        elapsed = time.monotonic() - t0
        self.assertEqual(code, 211)
        self.assertTrue(lines[-1].startswith(b"211 "))
        self.assertIn(b" EPSV", lines)
        nbytes = sum(len(ln) + 2 for ln in lines)
        self.assertEqual(sum(c.recv_sizes), nbytes)  # nothing more, nothing less
        # it arrives a byte at a time: in several recv() calls, the first of one
        # byte (we wait for it), and no faster than one byte per 2 ms timer tick
        # (lower bounds only: a slow client may find several bytes queued)
        self.assertGreater(len(c.recv_sizes), 1, c.recv_sizes)
        self.assertEqual(c.recv_sizes[0], 1, c.recv_sizes)
        self.assertGreaterEqual(elapsed, nbytes * 0.0015)
        # pipelined replies stay whole and in order
        c.send("SYST\r\nPWD\r\nNOOP\r\n")
        self.assertEqual(c.reply(), (215, "215 UNIX Type: L8"))
        self.assertEqual(c.reply()[0], 257)
        self.assertEqual(c.reply()[0], 200)

    def test_unknown_fault_is_refused(self):
        srv = ftpserver.Server(["--fault", "no-such-fault"])
        self.addCleanup(srv.cleanup, False)
        with self.assertRaises(AssertionError):
            srv.start()


if __name__ == "__main__":
    ftpserver.main()
