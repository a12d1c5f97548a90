#!/usr/bin/env python3
"""Every command ftplab-server implements, driven by Python's ftplib and by
a raw control connection where exact reply codes matter.

    python3 tests/server/test_ftplib.py BIN_DIR
"""
import ftplib
import io
import os
import random
import re
import shutil
import socket
import struct
import time
import unittest

import ftpserver
from ftpserver import ServerTestCase, connect_data, port_arg, recv_all

ANON = ("anonymous", "guest@example.com")


def rand_bytes(n, seed):
    return random.Random(seed).randbytes(n)


class FtplibCase(ServerTestCase):
    """One anonymous read-write server per class, fresh root."""
    server_args = ("--anonymous", "rw")

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(cls.server_args)

    def ftp(self, login=True):
        f = ftplib.FTP(timeout=ftpserver.IO_TIMEOUT)
        f.connect(self.srv.host, self.srv.port)
        self.addCleanup(f.close)
        if login:
            f.login(*ANON)
        return f

    def ctl(self, login=ANON):
        c = self.srv.control(login=login)
        self.addCleanup(c.close)
        return c

    def code(self, ftp, line):
        """The reply code of one command sent with ftplib."""
        try:
            return int(ftp.sendcmd(line)[:3])
        except ftplib.Error as e:
            return int(str(e)[:3])


class LoginTest(FtplibCase):
    def test_commands_before_login_get_530(self):
        c = self.ctl(login=None)
        for line in ("PWD", "CWD /", "LIST", "RETR x", "STOR x", "PASV", "TYPE I", "MKD d",
                     "XPWD", "SIZE x", "MLST", "STAT"):
            self.assertEqual(c.cmd(line)[0], 530, line)
        # these need no login
        self.assertEqual(c.cmd("SYST")[0], 215)
        self.assertEqual(c.cmd("FEAT")[0], 211)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("HELP")[0], 214)

    def test_user_pass_acct(self):
        c = self.ctl(login=None)
        self.assertEqual(c.cmd("PASS x")[0], 503)  # PASS before USER
        self.assertEqual(c.cmd("USER anonymous")[0], 331)
        code, text = c.cmd("PASS guest@example.com")
        self.assertEqual(code, 230, text)
        self.assertEqual(c.cmd("ACCT billing")[0], 202)
        self.assertEqual(c.cmd("PASS again")[0], 230)   # already logged in
        self.assertEqual(c.cmd("USER other")[0], 530)   # REIN first
        self.assertEqual(c.cmd("PWD")[0], 257)

    def test_ftplib_login_and_quit(self):
        f = self.ftp(login=False)
        self.assertTrue(f.getwelcome().startswith("220"))
        self.assertTrue(f.login(*ANON).startswith("230"))
        self.assertTrue(f.quit().startswith("221"))

    def test_quit_closes_connection(self):
        c = self.ctl()
        code, text = c.cmd("QUIT")
        self.assertEqual(code, 221)
        self.assertTrue(c.closed(), "the server kept the connection after 221")

    def test_rein_logs_out_and_resets(self):
        self.srv.write("reindir/f", b"x")
        c = self.ctl()
        c.expect("CWD reindir", 250)
        c.expect("TYPE I", 200)
        self.assertEqual(c.cmd("REIN")[0], 220)
        self.assertEqual(c.cmd("PWD")[0], 530)
        c.login(*ANON)
        self.assertIn('"/"', c.expect("PWD", 257))
        # TYPE went back to ASCII: SIZE counts CRs again
        self.srv.write("lf.txt", b"a\nb\n")
        self.assertEqual(c.expect("SIZE lf.txt", 213), "213 6")

    def test_host(self):
        c = self.ctl(login=None)
        self.assertEqual(c.cmd("HOST ftp.example.com")[0], 220)
        self.assertEqual(c.cmd("HOST bad/name")[0], 501)
        c.expect("USER anonymous", 331)
        self.assertEqual(c.cmd("HOST ftp.example.com")[0], 503)
        c.expect("PASS x@", 230)
        self.assertEqual(c.cmd("HOST ftp.example.com")[0], 503)

    def test_syntax_errors(self):
        c = self.ctl()
        self.assertEqual(c.cmd("FROB x")[0], 500)
        self.assertEqual(c.cmd("AUTH TLS")[0], 502)
        self.assertEqual(c.cmd("PBSZ 0")[0], 502)
        for line in ("CWD", "MKD", "RETR", "STOR", "DELE", "RNFR", "TYPE", "PORT", "USER"):
            self.assertEqual(c.cmd(line)[0], 501, line)
        self.assertEqual(c.cmd("NOOP now")[0], 501)  # takes no argument
        self.assertEqual(c.cmd("NOOP")[0], 200)      # and the session goes on


class FsTest(FtplibCase):
    def test_cwd_cdup_pwd_and_x_aliases(self):
        self.srv.write("a/b/c/file", b"x")
        f = self.ftp()
        self.assertEqual(f.pwd(), "/")
        self.assertTrue(f.cwd("a/b").startswith("250"))
        self.assertEqual(f.pwd(), "/a/b")
        self.assertEqual(f.sendcmd("CDUP")[:3], "250")
        self.assertEqual(f.pwd(), "/a")
        self.assertEqual(f.sendcmd("XCWD b/c")[:3], "250")
        self.assertIn('"/a/b/c"', f.sendcmd("XPWD"))
        self.assertEqual(f.sendcmd("XCUP")[:3], "250")
        self.assertIn('"/a/b"', f.sendcmd("XPWD"))
        self.assertEqual(self.code(f, "CWD /nonexistent"), 550)
        self.assertEqual(self.code(f, "CWD /a/b/c/file"), 550)  # not a directory
        self.assertEqual(f.pwd(), "/a/b")  # unchanged by failures
        f.cwd("/")
        self.assertEqual(f.sendcmd("CDUP")[:3], "250")  # CDUP at the root stays there
        self.assertEqual(f.pwd(), "/")

    def test_mkd_rmd_and_x_aliases(self):
        f = self.ftp()
        self.assertEqual(f.mkd("newdir"), "/newdir")
        self.assertTrue(os.path.isdir(self.srv.rpath("newdir")))
        self.assertEqual(self.code(f, "MKD newdir"), 550)  # exists
        resp = f.sendcmd("XMKD newdir/sub")
        self.assertTrue(resp.startswith('257 "/newdir/sub"'), resp)
        self.assertTrue(os.path.isdir(self.srv.rpath("newdir", "sub")))
        self.assertEqual(self.code(f, "RMD newdir"), 550)  # not empty
        self.assertEqual(f.sendcmd("XRMD newdir/sub")[:3], "250")
        self.assertTrue(f.rmd("newdir").startswith("250"))
        self.assertFalse(os.path.exists(self.srv.rpath("newdir")))
        self.assertEqual(self.code(f, "RMD newdir"), 550)

    def test_mkd_quotes_double_quotes(self):
        c = self.ctl()
        code, text = c.cmd('MKD q"uote')
        self.assertEqual(code, 257)
        self.assertTrue(text.startswith('257 "/q""uote"'), text)
        self.assertTrue(os.path.isdir(self.srv.rpath('q"uote')))

    def test_dele(self):
        self.srv.write("victim.txt", b"bye")
        os.makedirs(self.srv.rpath("adir"), exist_ok=True)
        f = self.ftp()
        self.assertTrue(f.delete("victim.txt").startswith("250"))
        self.assertFalse(os.path.exists(self.srv.rpath("victim.txt")))
        self.assertEqual(self.code(f, "DELE victim.txt"), 550)
        self.assertEqual(self.code(f, "DELE adir"), 550)
        self.assertTrue(os.path.isdir(self.srv.rpath("adir")))

    def test_rnfr_rnto(self):
        self.srv.write("old.txt", b"content")
        f = self.ftp()
        self.assertTrue(f.rename("old.txt", "new.txt").startswith("250"))
        self.assertEqual(self.srv.read("new.txt"), b"content")
        self.assertFalse(os.path.exists(self.srv.rpath("old.txt")))
        c = self.ctl()
        self.assertEqual(c.cmd("RNTO x")[0], 503)          # no RNFR
        self.assertEqual(c.cmd("RNFR missing")[0], 550)
        self.assertEqual(c.cmd("RNFR new.txt")[0], 350)
        self.assertEqual(c.cmd("NOOP")[0], 200)
        self.assertEqual(c.cmd("RNTO other.txt")[0], 503)  # RNFR must come right before
        self.assertTrue(os.path.exists(self.srv.rpath("new.txt")))

    def test_size_ascii_vs_binary(self):
        self.srv.write("lines.txt", b"one\ntwo\nthree\n")
        os.makedirs(self.srv.rpath("sizedir"), exist_ok=True)
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.assertEqual(c.expect("SIZE lines.txt", 213), "213 14")
        c.expect("TYPE A", 200)
        self.assertEqual(c.expect("SIZE lines.txt", 213), "213 17")
        self.assertEqual(c.cmd("SIZE sizedir")[0], 550)
        self.assertEqual(c.cmd("SIZE nothere")[0], 550)
        f = self.ftp()
        f.voidcmd("TYPE I")
        self.assertEqual(f.size("lines.txt"), 14)

    def test_mdtm_mfmt(self):
        p = self.srv.write("dated.txt", b"x")
        os.utime(p, (1000000000, 1000000000))  # 2001-09-09 01:46:40 UTC
        c = self.ctl()
        self.assertEqual(c.expect("MDTM dated.txt", 213), "213 20010909014640")
        text = c.expect("MFMT 20200229123456 dated.txt", 213)
        self.assertIn("Modify=20200229123456", text)
        self.assertEqual(int(os.stat(p).st_mtime), 1582979696)
        self.assertEqual(c.expect("MDTM dated.txt", 213), "213 20200229123456")
        self.assertEqual(c.cmd("MFMT 2020 dated.txt")[0], 501)
        self.assertEqual(c.cmd("MFMT 20200229123456 nothere")[0], 550)
        self.assertEqual(c.cmd("MDTM nothere")[0], 550)

    def test_site(self):
        p = self.srv.write("mode.txt", b"x", mode=0o644)
        c = self.ctl()
        self.assertIn("CHMOD", c.expect("SITE HELP", 214))
        c.expect("SITE CHMOD 600 mode.txt", 200)
        self.assertEqual(os.stat(p).st_mode & 0o777, 0o600)
        c.expect("SITE CHMOD 0755 mode.txt", 200)
        self.assertEqual(os.stat(p).st_mode & 0o777, 0o755)
        self.assertEqual(c.cmd("SITE CHMOD xyz mode.txt")[0], 501)
        self.assertEqual(c.cmd("SITE CHMOD 644 nothere")[0], 550)
        self.assertEqual(c.cmd("SITE FROB")[0], 504)


class TypeModeStruTest(FtplibCase):
    def test_type(self):
        self.srv.write("t.txt", b"a\nb\n")
        c = self.ctl()
        for arg in ("A", "A N", "a", "I", "L 8", "i"):
            self.assertEqual(c.cmd("TYPE " + arg)[0], 200, arg)
        self.assertEqual(c.expect("SIZE t.txt", 213), "213 4")  # TYPE i: binary
        c.expect("TYPE A N", 200)
        self.assertEqual(c.expect("SIZE t.txt", 213), "213 6")
        c.expect("TYPE L 8", 200)
        self.assertEqual(c.expect("SIZE t.txt", 213), "213 4")
        for arg in ("E", "A T", "L 7"):
            self.assertEqual(c.cmd("TYPE " + arg)[0], 504, arg)
        for arg in ("Z", "junk", "9"):
            self.assertEqual(c.cmd("TYPE " + arg)[0], 501, arg)
        self.assertEqual(c.expect("SIZE t.txt", 213), "213 4")  # refused TYPEs change nothing

    def test_mode_and_stru(self):
        c = self.ctl()
        self.assertEqual(c.cmd("MODE S")[0], 200)
        self.assertEqual(c.cmd("MODE s")[0], 200)
        self.assertEqual(c.cmd("MODE B")[0], 504)
        self.assertEqual(c.cmd("MODE C")[0], 504)
        self.assertEqual(c.cmd("MODE X")[0], 501)
        self.assertEqual(c.cmd("STRU F")[0], 200)
        self.assertEqual(c.cmd("STRU R")[0], 504)
        self.assertEqual(c.cmd("STRU P")[0], 504)
        self.assertEqual(c.cmd("STRU Q")[0], 501)


class TransferTest(FtplibCase):
    def test_retr_binary(self):
        data = rand_bytes(300 * 1024 + 7, 1)
        self.srv.write("bin.dat", data)
        f = self.ftp()
        out = io.BytesIO()
        resp = f.retrbinary("RETR bin.dat", out.write)
        self.assertTrue(resp.startswith("226"), resp)
        self.assertEqual(out.getvalue(), data)

    def test_retr_missing_and_directory(self):
        os.makedirs(self.srv.rpath("dir1"), exist_ok=True)
        c = self.ctl()
        c.pasv()
        self.assertEqual(c.cmd("RETR nothere")[0], 550)
        self.assertEqual(c.cmd("RETR dir1")[0], 550)

    def test_transfer_without_port_or_pasv_is_425(self):
        self.srv.write("f425", b"precious")
        c = self.ctl()
        self.assertEqual(c.cmd("RETR f425")[0], 425)
        for line in ("STOR f425", "APPE f425", "STOU", "LIST", "NLST", "MLSD"):
            self.assertEqual(c.cmd(line)[0], 425, line)
        self.assertEqual(self.srv.read("f425"), b"precious")  # not truncated by STOR
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_stor_binary(self):
        data = rand_bytes(200 * 1024 + 3, 2)
        f = self.ftp()
        resp = f.storbinary("STOR up.dat", io.BytesIO(data))
        self.assertTrue(resp.startswith("226"), resp)
        self.assertEqual(self.srv.read("up.dat"), data)
        # STOR replaces
        f.storbinary("STOR up.dat", io.BytesIO(b"short"))
        self.assertEqual(self.srv.read("up.dat"), b"short")

    def test_type_a_download_lf_to_crlf(self):
        self.srv.write("unix.txt", b"line1\nline2\r\nline3\n\nend")
        c = self.ctl()
        c.expect("TYPE A", 200)
        d = c.pasv_connect()
        self.assertIn(c.cmd("RETR unix.txt")[0], (125, 150))
        got = recv_all(d)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, b"line1\r\nline2\r\nline3\r\n\r\nend")
        # the same file in TYPE I is untouched
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        c.cmd("RETR unix.txt")
        got = recv_all(d)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, b"line1\nline2\r\nline3\n\nend")

    def test_type_a_upload_crlf_to_lf(self):
        f = self.ftp()
        f.voidcmd("TYPE A")
        conn = f.transfercmd("STOR dos.txt")
        conn.sendall(b"alpha\r\nbeta\r\n\r\ngamma")
        conn.close()
        self.assertTrue(f.voidresp().startswith("226"))
        self.assertEqual(self.srv.read("dos.txt"), b"alpha\nbeta\n\ngamma")
        # and ftplib's own line-mode upload
        f.storlines("STOR lines.txt", io.BytesIO(b"x\ny\n"))
        self.assertEqual(self.srv.read("lines.txt"), b"x\ny\n")

    def test_type_a_size_matches_download_across_buffers(self):
        r = random.Random(5)
        body = bytearray()
        while len(body) < 150000:  # several of the server's read buffers
            body += bytes([r.choice(b"abcdef ")]) * r.randint(0, 60)
            body += r.choice([b"\n", b"\r\n", b"\r"])
        edge = bytearray(b"x" * 70000)  # CRLF split exactly at 32 KiB boundaries
        edge[32767:32769] = b"\r\n"
        edge[65535:65537] = b"\r\n"
        cases = {"mix.txt": bytes(body), "edge.txt": bytes(edge),
                 "lfedge.txt": b"y" * 32767 + b"\n" + b"z" * 40000, "crend.txt": b"abc\r"}
        c = self.ctl()
        c.expect("TYPE A", 200)
        for name, data in cases.items():
            self.srv.write(name, data)
            want = re.sub(rb"(?<!\r)\n", b"\r\n", data)
            size = int(c.expect("SIZE " + name, 213).split()[1])
            d = c.pasv_connect()
            self.assertIn(c.cmd("RETR " + name)[0], (125, 150))
            got = recv_all(d)
            d.close()
            self.assertEqual(c.reply()[0], 226)
            self.assertEqual(got, want, name)
            self.assertEqual(size, len(got), name)

    def test_type_a_upload_cr_split_across_segments(self):
        c = self.ctl()
        c.expect("TYPE A", 200)
        d = c.pasv_connect()
        self.assertIn(c.cmd("STOR split.txt")[0], (125, 150))
        d.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for part in (b"a\r", b"\nb\r", b"\n", b"c\rd", b"\r"):
            d.sendall(part)
            time.sleep(0.05)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # CRLF becomes LF even when split; a CR alone stays, also at the end
        self.assertEqual(self.srv.read("split.txt"), b"a\nb\nc\rd\r")

    def test_ftplib_retrlines(self):
        self.srv.write("rl.txt", b"a\nbb\nccc\n")
        f = self.ftp()
        lines = []
        f.retrlines("RETR rl.txt", lines.append)
        self.assertEqual(lines, ["a", "bb", "ccc"])

    def test_appe(self):
        self.srv.write("log.txt", b"first\n")
        f = self.ftp()
        resp = f.storbinary("APPE log.txt", io.BytesIO(b"second\n"))
        self.assertTrue(resp.startswith("226"))
        self.assertEqual(self.srv.read("log.txt"), b"first\nsecond\n")
        f.storbinary("APPE fresh.txt", io.BytesIO(b"new"))  # APPE creates
        self.assertEqual(self.srv.read("fresh.txt"), b"new")

    def test_stou(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        h, p = c.pasv()
        code, text = c.cmd("STOU")
        self.assertIn(code, (125, 150), text)
        m = re.search(r"FILE: (\S+)", text)
        self.assertIsNotNone(m, "STOU's 1xx reply must name the file: " + text)
        d = connect_data(h, p)
        d.sendall(b"unique content")
        d.close()
        code, text = c.reply()
        self.assertEqual(code, 226, "STOU: one 1xx reply, then 226; got %d %s" % (code, text))
        self.assertEqual(self.srv.read(m.group(1)), b"unique content")
        # a second STOU picks another name
        d = c.pasv_connect()
        code, text2 = c.cmd("STOU")
        self.assertIn(code, (125, 150))
        d.sendall(b"2")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        name2 = re.search(r"FILE: (\S+)", text2).group(1)
        self.assertNotEqual(name2, m.group(1))

    def test_ftplib_stou(self):
        f = self.ftp()
        f.voidcmd("TYPE I")
        conn, _ = f.ntransfercmd("STOU")
        conn.sendall(b"via ftplib")
        conn.close()
        self.assertTrue(f.voidresp().startswith("226"))

    def test_rest_retr(self):
        data = rand_bytes(100000, 3)
        self.srv.write("rest.dat", data)
        f = self.ftp()
        f.voidcmd("TYPE I")
        out = io.BytesIO()
        f.retrbinary("RETR rest.dat", out.write, rest=12345)
        self.assertEqual(out.getvalue(), data[12345:])
        # REST applies to one transfer only
        out = io.BytesIO()
        f.retrbinary("RETR rest.dat", out.write)
        self.assertEqual(out.getvalue(), data)
        # REST STREAM resets the offset to 0
        c = self.ctl()
        c.expect("TYPE I", 200)
        c.expect("REST 500", 350)
        self.assertEqual(c.cmd("REST STREAM")[0], 350)
        d = c.pasv_connect()
        c.cmd("RETR rest.dat")
        got = recv_all(d)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, data)

    def test_rest_errors(self):
        self.srv.write("small.dat", b"0123456789")
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.assertEqual(c.cmd("REST abc")[0], 501)
        self.assertEqual(c.cmd("REST -5")[0], 501)
        c.expect("REST 11", 350)
        c.pasv()
        self.assertEqual(c.cmd("RETR small.dat")[0], 554)  # past the end
        c.expect("REST 10", 350)  # exactly the end: nothing left, still fine
        d = c.pasv_connect()
        self.assertIn(c.cmd("RETR small.dat")[0], (125, 150))
        self.assertEqual(recv_all(d), b"")
        d.close()
        self.assertEqual(c.reply()[0], 226)

    def test_rest_stor(self):
        self.srv.write("resume.dat", b"AAAAAAAAAAjunkjunk")
        f = self.ftp()
        f.voidcmd("TYPE I")
        f.storbinary("STOR resume.dat", io.BytesIO(b"BBBBB"), rest=10)
        self.assertEqual(self.srv.read("resume.dat"), b"AAAAAAAAAABBBBB")

    def test_rest_appe(self):
        self.srv.write("rappe.dat", b"0123456789")
        c = self.ctl()
        c.expect("TYPE I", 200)
        c.expect("REST 4", 350)
        d = c.pasv_connect()
        self.assertIn(c.cmd("APPE rappe.dat")[0], (125, 150))
        d.sendall(b"xy")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(self.srv.read("rappe.dat"), b"0123xy")

    def test_allo(self):
        c = self.ctl()
        self.assertIn(c.cmd("ALLO 1000")[0], (200, 202))
        self.assertIn(c.cmd("ALLO 1000 R 100")[0], (200, 202))
        self.assertEqual(c.cmd("ALLO")[0], 501)

    def test_125_when_connected_before_retr_else_150(self):
        self.srv.write("pre.txt", b"preconnected")
        c = self.ctl()
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        c.expect("NOOP", 200)  # lets the server accept the connection first
        code, text = c.cmd("RETR pre.txt")
        self.assertEqual(code, 125, text)
        self.assertEqual(recv_all(d), b"preconnected")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # not connected yet: 150
        h, p = c.pasv()
        code, text = c.cmd("RETR pre.txt")
        self.assertEqual(code, 150, text)
        d = connect_data(h, p)
        self.assertEqual(recv_all(d), b"preconnected")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # the same for an upload and a listing
        d = c.pasv_connect()
        c.expect("NOOP", 200)
        self.assertEqual(c.cmd("STOR pre2.txt")[0], 125)
        d.sendall(b"up")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        h, p = c.pasv()
        self.assertEqual(c.cmd("NLST")[0], 150)
        d = connect_data(h, p)
        self.assertIn(b"pre2.txt", recv_all(d))
        d.close()
        self.assertEqual(c.reply()[0], 226)


class ListingTest(FtplibCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.srv.write("visible.txt", b"12345")
        cls.srv.write(".hidden", b"h")
        cls.srv.write("sub/inner.txt", b"in")

    def listing(self, c, line):
        d = c.pasv_connect()
        code, text = c.cmd(line)
        self.assertIn(code, (125, 150), text)
        data = recv_all(d)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        return data

    def test_list(self):
        c = self.ctl()
        data = self.listing(c, "LIST")
        self.assertTrue(data.endswith(b"\r\n"))
        lines = data.decode().split("\r\n")[:-1]
        names = [ln.split()[-1] for ln in lines]
        self.assertIn("visible.txt", names)
        self.assertIn("sub", names)
        self.assertNotIn(".hidden", names)
        vis = [ln for ln in lines if ln.endswith(" visible.txt")][0]
        self.assertTrue(vis.startswith("-rw"), vis)
        self.assertEqual(vis.split()[4], "5")  # size column
        sub = [ln for ln in lines if ln.endswith(" sub")][0]
        self.assertTrue(sub.startswith("d"), sub)
        # -a shows dot files, -l is the default format
        names_a = [ln.split()[-1] for ln in self.listing(c, "LIST -a").decode().split("\r\n")[:-1]]
        self.assertIn(".hidden", names_a)
        self.assertEqual(self.listing(c, "LIST -l"), data)
        # a path, and a single file
        self.assertIn(b"inner.txt", self.listing(c, "LIST sub"))
        one = self.listing(c, "LIST visible.txt").decode().split("\r\n")[:-1]
        self.assertEqual(len(one), 1)
        self.assertTrue(one[0].endswith("visible.txt"))
        c.pasv()
        self.assertEqual(c.cmd("LIST nothere")[0], 550)

    def test_nlst(self):
        c = self.ctl()
        names = self.listing(c, "NLST").decode().split("\r\n")[:-1]
        self.assertEqual(sorted(names), ["sub", "visible.txt"])
        names = self.listing(c, "NLST -a").decode().split("\r\n")[:-1]
        self.assertIn(".hidden", names)
        long = self.listing(c, "NLST -l").decode()
        self.assertNotIn(".hidden", long)
        f = self.ftp()
        self.assertEqual(sorted(f.nlst()), ["sub", "visible.txt"])

    def test_mlsd(self):
        f = self.ftp()
        entries = dict(f.mlsd())
        self.assertIn("visible.txt", entries)
        self.assertIn(".hidden", entries)  # MLSD shows every name
        v = entries["visible.txt"]
        self.assertEqual(v["type"], "file")
        self.assertEqual(v["size"], "5")
        self.assertRegex(v["modify"], r"^\d{14}(\.\d+)?$")
        self.assertIn("r", v["perm"])
        self.assertTrue(v["unique"])
        self.assertEqual(entries["sub"]["type"], "dir")
        self.assertNotEqual(entries["sub"]["unique"], v["unique"])
        c = self.ctl()
        c.pasv()
        self.assertEqual(c.cmd("MLSD visible.txt")[0], 550)  # not a directory

    def test_big_directory(self):
        n = 2500
        d = self.srv.rpath("many")
        os.makedirs(d, exist_ok=True)
        self.addCleanup(shutil.rmtree, d, True)
        for i in range(n):  # long names: several listing buffers
            open(os.path.join(d, "f%04d_%s" % (i, "n" * 100)), "w").close()
        c = self.ctl()
        for line in ("NLST many", "LIST many", "MLSD many"):
            data = self.listing(c, line)
            lines = data.split(b"\r\n")[:-1]
            self.assertEqual(len(lines), n, line)
            self.assertEqual(len(set(lines)), n, line)
        code, text = c.cmd("STAT many")
        self.assertEqual(code, 213)
        self.assertEqual(len(re.findall(r"f\d{4}_n", text)), n)

    def test_mlst_and_opts_mlst(self):
        c = self.ctl()
        code, lines = None, None
        c.send("MLST visible.txt\r\n")
        code, lines = c.reply_raw()
        self.assertEqual(code, 250)
        self.assertEqual(len(lines), 3)
        fact_line = lines[1].decode()
        self.assertTrue(fact_line.startswith(" "), fact_line)
        facts, _, name = fact_line[1:].partition(" ")
        self.assertEqual(name, "/visible.txt")
        keys = [kv.split("=")[0].lower() for kv in facts.rstrip(";").split(";")]
        self.assertEqual(sorted(keys), ["modify", "perm", "size", "type", "unique"])
        text = c.expect("OPTS MLST type;size;", 200)
        self.assertIn("type;size;", text)
        code, lines = None, None
        c.send("MLST visible.txt\r\n")
        code, lines = c.reply_raw()
        self.assertEqual(lines[1].decode(), " type=file;size=5; /visible.txt")
        # FEAT marks the selected facts with '*'
        feat = c.expect("FEAT", 211)
        self.assertRegex(feat, r"MLST type\*;size\*;modify;")
        # MLST without an argument: the cwd
        self.assertIn("type=dir", c.expect("MLST", 250))
        self.assertEqual(c.cmd("MLST nothere")[0], 550)
        self.assertEqual(c.cmd("OPTS MLST")[0], 200)  # no facts at all is allowed
        c.send("MLST visible.txt\r\n")
        self.assertEqual(c.reply_raw()[1][1].decode(), "  /visible.txt")


class InfoTest(FtplibCase):
    def test_feat(self):
        c = self.ctl(login=None)
        code, lines = None, None
        c.send("FEAT\r\n")
        code, lines = c.reply_raw()
        self.assertEqual(code, 211)
        feats = [ln.decode().strip() for ln in lines[1:-1]]
        for ln in lines[1:-1]:
            self.assertTrue(ln.startswith(b" "), ln)  # RFC 2389: one space first
        for want in ("EPRT", "EPSV", "MDTM", "REST STREAM", "SIZE", "UTF8", "PASV", "MFMT"):
            self.assertIn(want, feats)
        self.assertTrue(any(f.startswith("MLST type") for f in feats), feats)

    def test_opts_utf8_and_unknown(self):
        c = self.ctl()
        self.assertEqual(c.cmd("OPTS UTF8 ON")[0], 200)
        self.assertEqual(c.cmd("OPTS UTF8 OFF")[0], 200)
        self.assertEqual(c.cmd("OPTS FROB")[0], 501)
        self.assertEqual(c.cmd("OPTS MLST nofact;")[0], 200)  # unknown facts are ignored

    def test_utf8_file_name(self):
        name = "h\u00e9llo-\u65e5\u672c.txt"
        self.srv.write(name, b"utf8")
        f = self.ftp()
        f.encoding = "utf-8"
        f.sendcmd("OPTS UTF8 ON")
        self.assertIn(name, f.nlst())
        out = io.BytesIO()
        f.retrbinary("RETR " + name, out.write)
        self.assertEqual(out.getvalue(), b"utf8")

    def test_syst_noop_help(self):
        c = self.ctl()
        self.assertEqual(c.cmd("SYST"), (215, "215 UNIX Type: L8"))
        self.assertEqual(c.cmd("NOOP")[0], 200)
        code, text = c.cmd("HELP")
        self.assertEqual(code, 214)
        self.assertTrue(text.startswith("214-"))
        for verb in ("RETR", "STOR", "EPSV", "MLSD", "SITE"):
            self.assertIn(verb, text)
        self.assertEqual(c.cmd("HELP RETR")[0], 214)
        self.assertEqual(c.cmd("HELP FROB")[0], 501)

    def test_stat_server(self):
        c = self.ctl()
        code, text = c.cmd("STAT")
        self.assertEqual(code, 211)
        self.assertTrue(text.startswith("211-"))
        self.assertIn("127.0.0.1", text)
        self.assertIn("anonymous", text)
        self.assertTrue(text.endswith("211 End of status"))

    def test_stat_path_lists_on_control_connection(self):
        self.srv.write("statdir/one.txt", b"1")
        self.srv.write("statdir/two.txt", b"22")
        c = self.ctl()
        code, text = c.cmd("STAT statdir")
        self.assertIn(code, (211, 212, 213), text)
        self.assertIn("one.txt", text)
        self.assertIn("two.txt", text)
        self.assertEqual(text.splitlines()[-1][:4], "%d " % code)
        self.assertEqual(c.cmd("STAT nothere")[0], 550)


class DataCommandsTest(FtplibCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.data = rand_bytes(70000, 4)
        cls.srv.write("d.bin", cls.data)

    def active_retr(self, c, verb):
        ls = ftpserver.listen_active()
        try:
            port = ls.getsockname()[1]
            arg = port_arg("127.0.0.1", port) if verb == "PORT" else "|1|127.0.0.1|%d|" % port
            c.expect("%s %s" % (verb, arg), 200)
            code, text = c.cmd("RETR d.bin")
            self.assertEqual(code, 150, text)
            d, addr = ls.accept()
            self.assertEqual(addr[0], "127.0.0.1")
            got = recv_all(d)
            d.close()
        finally:
            ls.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(got, self.data)

    def test_port_and_eprt(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.active_retr(c, "PORT")
        self.active_retr(c, "EPRT")
        self.assertEqual(c.cmd("PORT 1,2,3")[0], 501)
        self.assertEqual(c.cmd("PORT 127,0,0,1,300,1")[0], 501)
        self.assertEqual(c.cmd("EPRT |1|junk|5000|")[0], 501)

    def test_ftplib_active(self):
        f = self.ftp()
        f.set_pasv(False)
        out = io.BytesIO()
        f.retrbinary("RETR d.bin", out.write)
        self.assertEqual(out.getvalue(), self.data)

    def test_pasv_and_epsv(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        host, port = c.pasv()
        self.assertEqual(host, "127.0.0.1")
        self.assertGreater(port, 0)
        d = connect_data(host, port)
        self.assertIn(c.cmd("RETR d.bin")[0], (125, 150))
        self.assertEqual(recv_all(d), self.data)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        for epsv in ("EPSV", "EPSV 1"):
            code, text = c.cmd(epsv)
            self.assertEqual(code, 229, text)
            d = connect_data("127.0.0.1", ftpserver.parse_229(text))
            self.assertIn(c.cmd("RETR d.bin")[0], (125, 150))
            self.assertEqual(recv_all(d), self.data)
            d.close()
            self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("EPSV 2")[0], 522)  # IPv6 on an IPv4 connection
        self.assertEqual(c.cmd("EPSV 3")[0], 522)
        self.assertEqual(c.cmd("EPRT |3|foo|5000|")[0], 522)
        self.assertEqual(c.cmd("EPSV junk")[0], 501)

    def test_each_pasv_serves_one_transfer(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        c.cmd("RETR d.bin")
        recv_all(d)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("RETR d.bin")[0], 425)

    def test_epsv_all(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        self.assertEqual(c.cmd("EPSV ALL")[0], 200)
        self.assertEqual(c.cmd("PORT " + port_arg("127.0.0.1", 40000))[0], 503)
        self.assertEqual(c.cmd("PASV")[0], 503)
        self.assertEqual(c.cmd("EPRT |1|127.0.0.1|40000|")[0], 503)
        port = c.epsv()
        d = connect_data("127.0.0.1", port)
        self.assertIn(c.cmd("RETR d.bin")[0], (125, 150))
        self.assertEqual(recv_all(d), self.data)
        d.close()
        self.assertEqual(c.reply()[0], 226)


class AborStatTest(FtplibCase):
    """A big file and a rate limit, so the transfer is really in progress."""
    server_args = ("--anonymous", "rw", "--rate-limit", "256")
    SIZE = 8 << 20

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        with open(cls.srv.rpath("big.bin"), "wb") as f:
            f.truncate(cls.SIZE)

    def start_retr(self, c):
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("RETR big.bin")[0], (125, 150))
        got = 0
        end = time.monotonic() + 10
        while got < 32768 and time.monotonic() < end:
            chunk = d.recv(65536)
            self.assertTrue(chunk, "data connection closed early")
            got += len(chunk)
        self.assertGreaterEqual(got, 32768)
        return d, got

    def test_abor_mid_transfer(self):
        c = self.ctl()
        d, got = self.start_retr(c)
        # Telnet IP, then the Synch (IAC DM, urgent) and ABOR, as RFC 959 says
        c.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)
        c.send(b"\xf2ABOR\r\n")
        code1, text1 = c.reply()
        code2, text2 = c.reply()
        self.assertEqual((code1, code2), (426, 226), "%s / %s" % (text1, text2))
        rest = recv_all(d)
        self.assertLess(got + len(rest), self.SIZE, "the whole file went through")
        self.assertEqual(c.cmd("NOOP")[0], 200)  # the session goes on

    def test_ftplib_abort(self):
        f = self.ftp()
        f.voidcmd("TYPE I")
        conn = f.transfercmd("RETR big.bin")
        self.addCleanup(conn.close)
        self.assertTrue(conn.recv(65536))
        resp = f.abort()
        self.assertTrue(resp.startswith("426"), resp)
        self.assertTrue(f.getresp().startswith("226"))
        self.assertTrue(f.voidcmd("NOOP").startswith("200"))

    def test_stat_during_transfer(self):
        c = self.ctl()
        d, got = self.start_retr(c)
        code, text = c.cmd("STAT")
        self.assertIn(code, (211, 213), text)
        m = re.search(r"(\d+) of (\d+) bytes", text)
        self.assertIsNotNone(m, text)
        self.assertGreater(int(m.group(1)), 0)
        self.assertEqual(int(m.group(2)), self.SIZE)
        self.assertIn("big.bin", text)
        self.assertEqual(c.cmd("ABOR")[0], 426)
        self.assertEqual(c.reply()[0], 226)

    def test_command_held_during_transfer_runs_after_it(self):
        self.srv.write("small.bin", b"s" * 1000)
        c = self.ctl()
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        c.send("RETR small.bin\r\nSIZE small.bin\r\n")
        self.assertIn(c.reply()[0], (125, 150))
        self.assertEqual(recv_all(d), b"s" * 1000)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.reply(), (213, "213 1000"))

    def test_abor_after_held_command(self):
        c = self.ctl()
        d, got = self.start_retr(c)
        c.send("NOOP\r\nABOR\r\n")
        c.sock.settimeout(5)
        codes = [c.reply()[0] for _ in range(3)]
        self.assertEqual(codes, [426, 226, 200])

    def test_abor_while_waiting_for_the_data_connection(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        h, p = c.pasv()
        self.assertEqual(c.cmd("RETR big.bin")[0], 150)
        self.assertEqual(c.cmd("ABOR")[0], 426)
        self.assertEqual(c.reply()[0], 226)
        # the passive listener went with the transfer: no stale connection later
        with self.assertRaises(ConnectionRefusedError):
            connect_data(h, p).close()
        self.assertEqual(c.cmd("RETR big.bin")[0], 425)

    def test_client_closes_data_connection_mid_transfer(self):
        c = self.ctl()
        d, got = self.start_retr(c)
        d.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        d.close()  # a reset
        code, text = c.reply()
        self.assertEqual(code, 426, text)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_stat_during_upload(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("STOR stat-up.bin")[0], (125, 150))
        d.sendall(b"u" * 5000)
        deadline = time.monotonic() + 10
        text = ""
        while "5000 bytes" not in text and time.monotonic() < deadline:
            code, text = c.cmd("STAT")
            self.assertIn(code, (211, 213), text)
            time.sleep(0.05)
        self.assertIn("5000 bytes received", text)
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(self.srv.read("stat-up.bin"), b"u" * 5000)

    def test_abor_upload(self):
        c = self.ctl()
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("STOR abor-up.bin")[0], (125, 150))
        d.sendall(b"x" * 4096)
        code, text = c.cmd("ABOR")
        self.assertEqual(code, 426, text)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.cmd("NOOP")[0], 200)


if __name__ == "__main__":
    ftpserver.main()
