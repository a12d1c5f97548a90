#!/usr/bin/env python3
"""ftplab-server at the byte level, over raw sockets: framing (split and
pipelined commands, Telnet IAC, NUL, overlong lines, bare CR), and the
security checks (FTP bounce, PASV theft, the root jail).

    python3 tests/server/test_raw.py BIN_DIR
"""
import os
import socket
import time

import ftpserver
from ftpserver import ServerTestCase, connect_data, port_arg, recv_all

ANON = ("anonymous", "raw@example.com")
THIEF = "127.0.0.2"  # another loopback address: binding it needs no root


class RawCase(ServerTestCase):
    server_args = ("--anonymous", "rw")

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(cls.server_args)

    def ctl(self, login=ANON):
        c = self.srv.control(login=login)
        self.addCleanup(c.close)
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return c


class FramingTest(RawCase):
    def test_command_one_byte_per_send(self):
        c = self.ctl(login=None)
        for line in (b"USER anonymous\r\n", b"PASS raw@example.com\r\n", b"PWD\r\n"):
            for i in range(len(line)):
                c.sock.send(line[i:i + 1])
                time.sleep(0.001)
            code, text = c.reply()
            self.assertIn(code, (331, 230, 257), text)
        self.assertIn('"/"', text)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_pipelined_commands_answered_in_order(self):
        self.srv.write("pipe.txt", b"abc\n")
        c = self.ctl(login=None)
        c.send(b"USER anonymous\r\nPASS x@\r\nPWD\r\nTYPE I\r\nSIZE pipe.txt\r\nSYST\r\n"
               b"FROB\r\nCWD /nothere\r\nNOOP\r\n")
        codes = [c.reply()[0] for _ in range(9)]
        self.assertEqual(codes, [331, 230, 257, 200, 213, 215, 500, 550, 200])

    def test_pipelined_transfer_and_commands(self):
        self.srv.write("pipe2.txt", b"pipelined")
        c = self.ctl()
        h, p = c.pasv()
        d = connect_data(h, p)
        c.send(b"TYPE I\r\nRETR pipe2.txt\r\nSIZE pipe2.txt\r\nNOOP\r\n")
        self.assertEqual(c.reply()[0], 200)
        self.assertIn(c.reply()[0], (125, 150))
        self.assertEqual(recv_all(d), b"pipelined")
        d.close()
        self.assertEqual([c.reply()[0] for _ in range(3)], [226, 213, 200])

    def test_many_pipelined_lines(self):
        c = self.ctl()
        n = 500  # more than a read's worth of input, bounded
        c.send(b"NOOP\r\n" * n + b"SYST\r\n")
        for _ in range(n):
            self.assertEqual(c.reply()[0], 200)
        self.assertEqual(c.reply()[0], 215)

    def test_telnet_ip_dm_before_abor(self):
        c = self.ctl()
        # IAC IP, then IAC DM as urgent data (the Synch), then ABOR
        c.sock.send(b"\xff\xf4\xff", socket.MSG_OOB)
        c.send(b"\xf2ABOR\r\n")
        code, text = c.reply()
        self.assertIn(code, (225, 226), text)
        # not urgent: IAC sequences in the middle of the stream go too
        c.send(b"\xff\xf4\xff\xf2ABOR\r\n")
        self.assertIn(c.reply()[0], (225, 226))
        c.send(b"NO\xff\xfb\x01OP\r\n")  # IAC WILL ECHO inside a verb
        self.assertEqual(c.reply()[0], 200)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_iac_iac_in_file_name(self):
        name = b"iac\xffname"
        with open(os.path.join(self.srv.root.encode(), name), "wb") as f:
            f.write(b"12345")
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.assertEqual(c.cmd(b"SIZE iac\xff\xffname".decode("latin-1")), (213, "213 5"))
        c.send(b"MKD dir\xff\xffiac\r\n")
        self.assertEqual(c.reply()[0], 257)
        self.assertTrue(os.path.isdir(os.path.join(self.srv.root.encode(), b"dir\xffiac")))
        # a single IAC before a normal byte is a Telnet command, not part of the name
        self.assertEqual(c.cmd(b"SIZE iac\xff\xf1\xffname".decode("latin-1"))[0], 550)
        # NLST sends the 0xFF byte as it is on the data connection
        d = c.pasv_connect()
        c.cmd("NLST")
        names = recv_all(d).split(b"\r\n")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertIn(name, names)

    def test_nul_byte(self):
        c = self.ctl()
        self.assertEqual(c.cmd("NOOP\x00")[0], 501)
        self.assertEqual(c.cmd("CWD a\x00b")[0], 501)
        self.assertEqual(c.cmd("RETR \x00")[0], 501)
        self.assertIn('"/"', c.expect("PWD", 257))  # the session survives

    def test_overlong_line(self):
        c = self.ctl()
        c.send(b"NOOP " + b"A" * 8192 + b"\r\n")
        code, text = c.reply()
        self.assertEqual(code, 500, text)
        c.send(b"NOOP\r\n")
        self.assertEqual(c.reply()[0], 200)  # one 500 only, then the next line works
        # an overlong line arriving in pieces
        for _ in range(4):
            c.send(b"B" * 2048)
        c.send(b"\r\nSYST\r\n")
        self.assertEqual(c.reply()[0], 500)
        self.assertEqual(c.reply()[0], 215)

    def test_cr_without_lf(self):
        c = self.ctl()
        c.send(b"NO\rOP\r\n")             # a bare CR inside a line
        self.assertEqual(c.reply()[0], 500)
        c.send(b"NOOP\r")                 # CRLF split across two sends
        time.sleep(0.1)
        c.send(b"\n")
        self.assertEqual(c.reply()[0], 200)
        c.send(b"SYST\n")                 # a bare LF ends a line too
        self.assertEqual(c.reply()[0], 215)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_empty_line(self):
        c = self.ctl()
        self.assertEqual(c.cmd("")[0], 500)
        self.assertEqual(c.cmd("NOOP")[0], 200)


class BounceTest(RawCase):
    def test_port_to_another_address_refused(self):
        self.srv.write("b.txt", b"bounce")
        ls = ftpserver.listen_active(THIEF)
        self.addCleanup(ls.close)
        port = ls.getsockname()[1]
        c = self.ctl()
        code, text = c.cmd("PORT " + port_arg(THIEF, port))
        self.assertGreaterEqual(code, 500, text)
        code, text = c.cmd("EPRT |1|%s|%d|" % (THIEF, port))
        self.assertGreaterEqual(code, 500, text)
        # and no transfer reaches the other address
        self.assertEqual(c.cmd("RETR b.txt")[0], 425)
        ls.settimeout(0.3)
        with self.assertRaises(socket.timeout):
            ls.accept()

    def test_port_to_privileged_port_refused(self):
        c = self.ctl()
        code, text = c.cmd("PORT 127,0,0,1,0,80")
        self.assertGreaterEqual(code, 500, text)
        code, text = c.cmd("EPRT |1|127.0.0.1|80|")
        self.assertGreaterEqual(code, 500, text)
        self.assertEqual(c.cmd("PORT 127,0,0,1,0,0")[0] // 100, 5)

    def test_port_to_own_address_allowed(self):
        ls = ftpserver.listen_active("127.0.0.1")
        self.addCleanup(ls.close)
        c = self.ctl()
        self.assertEqual(c.cmd("PORT " + port_arg("127.0.0.1", ls.getsockname()[1]))[0], 200)


class PasvTheftTest(RawCase):
    def test_connection_from_other_address_is_closed(self):
        data = os.urandom(50000)
        self.srv.write("secret.bin", data)
        c = self.ctl()
        c.expect("TYPE I", 200)
        host, port = c.pasv()
        thief = connect_data(host, port, src=THIEF)
        self.addCleanup(thief.close)
        thief.settimeout(5)
        try:
            got = thief.recv(100)
        except ConnectionResetError:
            got = b""
        self.assertEqual(got, b"", "the thief's connection was not closed")
        # the real client still gets its data
        real = connect_data(host, port)
        self.addCleanup(real.close)
        code, text = c.cmd("RETR secret.bin")
        self.assertIn(code, (125, 150), text)
        self.assertEqual(recv_all(real), data)
        self.assertEqual(c.reply()[0], 226)

    def test_thief_after_retr_gets_nothing(self):
        data = os.urandom(20000)
        self.srv.write("secret2.bin", data)
        c = self.ctl()
        c.expect("TYPE I", 200)
        host, port = c.pasv()
        self.assertEqual(c.cmd("RETR secret2.bin")[0], 150)
        thief = connect_data(host, port, src=THIEF)
        self.addCleanup(thief.close)
        try:
            self.assertEqual(recv_all(thief, timeout=5), b"")
        except ConnectionResetError:
            pass
        real = connect_data(host, port)
        self.addCleanup(real.close)
        self.assertEqual(recv_all(real), data)
        self.assertEqual(c.reply()[0], 226)


class JailTest(RawCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        os.symlink("/etc", cls.srv.rpath("etclink"))
        os.symlink("../../../../../../../etc", cls.srv.rpath("rellink"))
        os.symlink("/etc/passwd", cls.srv.rpath("passwdlink"))
        cls.srv.write("inside/file.txt", b"inside")
        os.symlink("/inside", cls.srv.rpath("goodlink"))  # absolute, but in the jail

    def retr(self, c, path):
        h, p = c.pasv()
        code, text = c.cmd("RETR " + path)
        if code in (125, 150):
            d = connect_data(h, p)
            data = recv_all(d)
            d.close()
            c.reply()
            return code, data
        return code, b""

    def test_symlink_to_etc_does_not_leak(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        for path in ("etclink/passwd", "/etclink/passwd", "rellink/passwd", "passwdlink",
                     "../etc/passwd", "/../../etc/passwd", "../../../../../../etc/passwd",
                     "etclink/../../etc/passwd"):
            code, data = self.retr(c, path)
            self.assertNotIn(b"root:", data, path)
            self.assertEqual(code, 550, path)
        for path in ("etclink/passwd", "passwdlink", "rellink/passwd"):
            self.assertEqual(c.cmd("SIZE " + path)[0], 550, path)
        self.assertEqual(c.cmd("CWD etclink")[0], 550)
        self.assertEqual(c.cmd("CWD rellink")[0], 550)
        # STAT and LIST do not show /etc's contents
        code, text = c.cmd("STAT etclink/")
        self.assertNotIn("passwd", text)
        d = c.pasv_connect()
        code, _ = c.cmd("LIST etclink/")
        if code in (125, 150):
            self.assertNotIn(b"passwd", recv_all(d))
            c.reply()
        d.close()

    def test_symlink_inside_the_jail_works(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        code, data = self.retr(c, "goodlink/file.txt")
        self.assertEqual((code, data), (150, b"inside"))

    def test_dotdot_stays_in_the_root(self):
        c = self.ctl()
        for path in ("..", "../..", "/../../..", "inside/../../.."):
            code, text = c.cmd("CWD " + path)
            self.assertEqual(code, 250, text)
            self.assertIn('"/"', c.expect("PWD", 257), path)
        c.expect("CWD inside", 250)
        c.expect("CDUP", 250)
        c.expect("CDUP", 250)
        self.assertIn('"/"', c.expect("PWD", 257))
        c.expect("TYPE I", 200)
        code, data = self.retr(c, "../../../../etc/passwd")
        self.assertEqual(code, 550)

    def test_writes_do_not_escape(self):
        # writes aim at a directory of our own outside the root, never at /etc
        outside = self.srv.path("outside")
        os.makedirs(outside, exist_ok=True)
        secret = os.path.join(outside, "secret.txt")
        with open(secret, "wb") as f:
            f.write(b"outside")
        os.chmod(secret, 0o644)
        for name, target in (("outdir", outside), ("outfile", secret)):
            if not os.path.lexists(self.srv.rpath(name)):
                os.symlink(target, self.srv.rpath(name))
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.assertEqual(c.cmd("MKD outdir/made")[0], 550)
        self.assertEqual(c.cmd("MKD ../outside/made")[0], 550)  # /outside: not in the root
        self.assertEqual(c.cmd("SITE CHMOD 600 outfile")[0], 550)
        self.assertEqual(c.cmd("MFMT 20000101000000 outfile")[0], 550)
        self.assertEqual(c.cmd("DELE outdir/secret.txt")[0], 550)
        self.assertEqual(c.cmd("RNFR outdir/secret.txt")[0], 550)
        c.pasv()
        self.assertEqual(c.cmd("STOR outdir/new.txt")[0], 550)
        c.pasv()
        self.assertEqual(c.cmd("APPE outfile")[0], 550)
        self.assertEqual(sorted(os.listdir(outside)), ["secret.txt"])
        with open(secret, "rb") as f:
            self.assertEqual(f.read(), b"outside")
        self.assertEqual(os.stat(secret).st_mode & 0o777, 0o644)
        # the link itself can go: DELE never follows it
        self.assertEqual(c.cmd("DELE outfile")[0], 250)
        self.assertTrue(os.path.exists(secret))


if __name__ == "__main__":
    ftpserver.main()
