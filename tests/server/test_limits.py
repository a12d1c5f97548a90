#!/usr/bin/env python3
"""Logins, permissions and limits of ftplab-server: failed logins, virtual
users (read-only, read-write, home directories), session limits, a full disk
(RLIMIT_FSIZE), atomic uploads, SIGTERM and SIGHUP.

    python3 tests/server/test_limits.py BIN_DIR
"""
import os
import signal
import socket
import time
import unittest

import ftpserver
from ftpserver import ServerTestCase, connect_data, recv_all

PASSWORDS = {"alice": "alice-secret-1", "bob": "bob-secret-2", "carol": "carol-secret-3",
             "dave": "dave-secret-4"}
_hashes = {}


def users_line(name, home="/", mode="rw"):
    if name not in _hashes:
        _hashes[name] = ftpserver.hash_password(PASSWORDS[name])
    return "%s:%s:%s:%s\n" % (name, _hashes[name], home, mode)


def wait_listdir(path, want, timeout=5.0):
    """os.listdir(path), sorted, once it equals want (or at the timeout)."""
    deadline = time.monotonic() + timeout
    names = sorted(os.listdir(path))
    while names != sorted(want) and time.monotonic() < deadline:
        time.sleep(0.02)
        names = sorted(os.listdir(path))
    return names


def write_users(path, *lines):
    tmp = path + ".new"
    with open(tmp, "w") as f:
        f.write("# test users\n" + "".join(lines))
    os.replace(tmp, path)


class UsersTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        srv = ftpserver.Server()
        cls.users = srv.path("users")
        write_users(cls.users, users_line("alice", "/", "rw"), users_line("bob", "/", "ro"),
                    users_line("carol", "/home/carol", "rw"))
        srv.args = ["--users", cls.users]
        os.makedirs(srv.rpath("home", "carol"))
        srv.write("pub/readme.txt", b"public")
        cls._class_servers = [srv]
        cls.addClassCleanup(srv.cleanup)
        srv.start()
        cls.srv = srv

    def ctl(self, login=None):
        c = self.srv.control(login=login)
        self.addCleanup(c.close)
        return c

    def test_hash_password_is_crypt(self):
        h1 = ftpserver.hash_password("pw-to-hash")
        h2 = ftpserver.hash_password("pw-to-hash")
        self.assertRegex(h1, r"^\$[0-9a-z]+\$")
        self.assertNotIn("pw-to-hash", h1)
        self.assertNotEqual(h1, h2)  # a fresh salt each time

    def test_three_failed_logins_close_the_session(self):
        c = self.ctl()
        t0 = time.monotonic()
        for i in range(3):
            self.assertEqual(c.cmd("USER alice")[0], 331)
            code, text = c.cmd("PASS wrong-%d" % i)
            self.assertEqual(code, 530, text)
        self.assertGreaterEqual(time.monotonic() - t0, 2.5)  # each failure is delayed
        code, text = c.reply()  # the session is closed with 421
        self.assertEqual(code, 421, text)
        self.assertTrue(c.closed(), "the session stayed open after 3 failed logins")

    def test_no_fourth_guess_by_pipelining(self):
        c = self.ctl()
        c.send("USER alice\r\nPASS bad1\r\nUSER alice\r\nPASS bad2\r\nUSER alice\r\n"
               "PASS bad3\r\nUSER alice\r\nPASS %s\r\nMKD pipelined-guess\r\n"
               % PASSWORDS["alice"])
        codes = []
        try:
            for _ in range(10):
                codes.append(c.reply()[0])
        except (EOFError, ConnectionResetError):
            pass
        self.assertEqual(codes, [331, 530, 331, 530, 331, 530, 421])
        self.assertFalse(os.path.exists(self.srv.rpath("pipelined-guess")))

    def test_unknown_user_and_anonymous_refused(self):
        c = self.ctl()
        c.expect("USER nosuchuser", 331)  # no hint that the name is unknown
        self.assertEqual(c.cmd("PASS whatever")[0], 530)
        self.assertEqual(c.cmd("USER anonymous")[0], 530)  # off with --users
        c.login("alice", PASSWORDS["alice"])  # a failure or two do not lock out

    def test_read_write_user(self):
        c = self.ctl(("alice", PASSWORDS["alice"]))
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.assertIn(c.cmd("STOR alice.txt")[0], (125, 150))
        d.sendall(b"by alice")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(self.srv.read("alice.txt"), b"by alice")
        c.expect("MKD alicedir", 257)
        c.expect("RMD alicedir", 250)
        c.expect("DELE alice.txt", 250)

    def test_read_only_user(self):
        self.srv.write("ro-target.txt", b"keep")
        c = self.ctl(("bob", PASSWORDS["bob"]))
        c.expect("TYPE I", 200)
        c.pasv()
        self.assertEqual(c.cmd("STOR bob.txt")[0], 550)
        c.pasv()
        self.assertEqual(c.cmd("APPE ro-target.txt")[0], 550)
        c.pasv()
        self.assertEqual(c.cmd("STOU")[0], 550)
        self.assertEqual(c.cmd("MKD bobdir")[0], 550)
        self.assertEqual(c.cmd("DELE ro-target.txt")[0], 550)
        self.assertEqual(c.cmd("RNFR ro-target.txt")[0], 550)
        self.assertEqual(c.cmd("SITE CHMOD 777 ro-target.txt")[0], 550)
        self.assertEqual(c.cmd("MFMT 20200101000000 ro-target.txt")[0], 550)
        self.assertFalse(os.path.exists(self.srv.rpath("bob.txt")))
        self.assertEqual(self.srv.read("ro-target.txt"), b"keep")
        # but reading works
        d = c.pasv_connect()
        self.assertIn(c.cmd("RETR pub/readme.txt")[0], (125, 150))
        self.assertEqual(recv_all(d), b"public")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        # and MLST shows no write permissions
        text = c.expect("MLST ro-target.txt", 250)
        perm = text.split("perm=")[1].split(";")[0]
        self.assertNotIn("w", perm)
        self.assertNotIn("d", perm)

    def test_home_directory_is_the_root(self):
        self.srv.write("home/carol/mine.txt", b"carol's")
        c = self.ctl(("carol", PASSWORDS["carol"]))
        self.assertIn('"/"', c.expect("PWD", 257))
        c.expect("TYPE I", 200)
        self.assertEqual(c.expect("SIZE mine.txt", 213), "213 7")
        self.assertEqual(c.cmd("SIZE /pub/readme.txt")[0], 550)
        self.assertEqual(c.cmd("SIZE ../../pub/readme.txt")[0], 550)
        c.expect("CWD ../..", 250)
        self.assertIn('"/"', c.expect("PWD", 257))
        c.expect("MKD sub", 257)
        self.assertTrue(os.path.isdir(self.srv.rpath("home", "carol", "sub")))

    def test_reinit_then_other_user(self):
        c = self.ctl(("bob", PASSWORDS["bob"]))
        self.assertEqual(c.cmd("MKD x-bob")[0], 550)
        c.expect("REIN", 220)
        c.login("alice", PASSWORDS["alice"])
        c.expect("MKD x-alice", 257)


class SessionLimitsTest(ServerTestCase):
    def test_max_sessions(self):
        srv = self.new_server(["--anonymous", "ro", "--max-sessions", "2"])
        a = srv.control()
        self.addCleanup(a.close)
        b = srv.control()
        self.addCleanup(b.close)
        third = ftpserver.Control(srv.host, srv.port)
        self.addCleanup(third.close)
        code, text = third.reply()
        self.assertEqual(code, 421, text)
        self.assertTrue(third.closed())
        # a freed slot can be taken again
        a.expect("QUIT", 221)
        self.assertTrue(a.closed())
        c = srv.control()
        self.addCleanup(c.close)
        self.assertEqual(c.cmd("NOOP")[0], 200)

    def test_max_per_ip(self):
        srv = self.new_server(["--anonymous", "ro", "--max-per-ip", "1"])
        a = srv.control()
        self.addCleanup(a.close)
        second = ftpserver.Control(srv.host, srv.port)
        self.addCleanup(second.close)
        self.assertEqual(second.reply()[0], 421)
        self.assertTrue(second.closed())
        other = srv.control(src="127.0.0.2")  # another client address is counted apart
        self.addCleanup(other.close)
        other.login("anonymous", "x@")
        self.assertEqual(a.cmd("NOOP")[0], 200)
        a.expect("QUIT", 221)  # the address's slot is free again
        self.assertTrue(a.closed())
        again = srv.control(("anonymous", "x@"))
        self.addCleanup(again.close)
        self.assertEqual(again.cmd("NOOP")[0], 200)


class DiskFullTest(ServerTestCase):
    LIMIT = 100000

    def upload(self, srv, name, data, cmd="STOR"):
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        code, text = c.cmd("%s %s" % (cmd, name))
        self.assertIn(code, (125, 150), text)
        try:
            d.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the server may stop reading once the write failed
        d.close()
        return c.reply()

    def test_efbig_gives_552(self):
        srv = self.new_server(["--anonymous", "rw"], fsize=self.LIMIT)
        code, text = self.upload(srv, "huge.bin", b"z" * (3 * self.LIMIT))
        self.assertEqual(code, 552, text)
        self.assertLessEqual(os.path.getsize(srv.rpath("huge.bin")), self.LIMIT)
        # a file under the limit still goes through
        code, text = self.upload(srv, "fits.bin", b"f" * 1000)
        self.assertEqual(code, 226, text)
        self.assertEqual(srv.read("fits.bin"), b"f" * 1000)

    def test_efbig_with_atomic_uploads_leaves_no_partial_file(self):
        srv = self.new_server(["--anonymous", "rw", "--atomic-uploads"], fsize=self.LIMIT)
        srv.write("keep.bin", b"original")
        code, text = self.upload(srv, "keep.bin", b"n" * (3 * self.LIMIT))
        self.assertEqual(code, 552, text)
        self.assertEqual(srv.read("keep.bin"), b"original")  # the full original
        code, text = self.upload(srv, "new.bin", b"n" * (3 * self.LIMIT))
        self.assertEqual(code, 552, text)
        self.assertFalse(os.path.exists(srv.rpath("new.bin")))  # or nothing
        # no temporary file is left: the server removes it right after its reply
        self.assertEqual(wait_listdir(srv.root, ["keep.bin"]), ["keep.bin"])


class AtomicUploadTest(ServerTestCase):
    def test_upload_invisible_until_complete(self):
        srv = self.new_server(["--anonymous", "rw", "--atomic-uploads"])
        srv.write("doc.txt", b"version 1")
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("STOR doc.txt")[0], (125, 150))
        d.sendall(b"version 2, " + b"x" * 100000)
        time.sleep(0.3)
        self.assertEqual(srv.read("doc.txt"), b"version 1")  # still the old one
        self.assertFalse(os.path.exists(srv.rpath("new.txt")))
        # another client does not see the temporary file
        o = srv.control(("anonymous", "x@"))
        self.addCleanup(o.close)
        od = o.pasv_connect()
        o.cmd("NLST -a")
        names = recv_all(od).split(b"\r\n")[:-1]
        od.close()
        self.assertEqual(o.reply()[0], 226)
        self.assertEqual(names, [b"doc.txt"])
        d.sendall(b"end")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(srv.read("doc.txt"), b"version 2, " + b"x" * 100000 + b"end")
        self.assertEqual(wait_listdir(srv.root, ["doc.txt"]), ["doc.txt"])
        self.assertEqual(os.stat(srv.rpath("doc.txt")).st_mode & 0o777, 0o644)

    def test_aborted_upload_keeps_the_original(self):
        srv = self.new_server(["--anonymous", "rw", "--atomic-uploads"])
        srv.write("doc.txt", b"version 1")
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("STOR doc.txt")[0], (125, 150))
        d.sendall(b"partial")
        time.sleep(0.1)
        self.assertEqual(c.cmd("ABOR")[0], 426)
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(srv.read("doc.txt"), b"version 1")
        self.assertEqual(wait_listdir(srv.root, ["doc.txt"]), ["doc.txt"])
        # a client whose control connection drops mid-upload leaves nothing behind
        # either (the data connection stays open: its EOF would mean "complete")
        d2 = c.pasv_connect()
        self.addCleanup(d2.close)
        self.assertIn(c.cmd("STOR other.txt")[0], (125, 150))
        d2.sendall(b"half")
        c.close()
        self.assertEqual(recv_all(d2, timeout=5), b"")  # the server closes it
        self.assertEqual(wait_listdir(srv.root, ["doc.txt"]), ["doc.txt"])


class SignalTest(ServerTestCase):
    def test_sigterm_finishes_the_transfer_then_exits_0(self):
        srv = self.new_server(["--anonymous", "ro", "--rate-limit", "512"])
        size = 1 << 20  # about 2 s at 512 KiB/s
        data = os.urandom(size)
        srv.write("f.bin", data)
        idle = srv.control(("anonymous", "x@"))
        self.addCleanup(idle.close)
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("RETR f.bin")[0], (125, 150))
        first = d.recv(65536)
        self.assertTrue(first)
        srv.signal(signal.SIGTERM)
        # the idle session is told at once
        self.assertEqual(idle.reply()[0], 421)
        self.assertTrue(idle.closed())
        # by then the listener is closed: no new sessions
        with self.assertRaises(ConnectionRefusedError):
            socket.create_connection((srv.host, srv.port), timeout=5).close()
        self.assertIsNone(srv.proc.poll(), "exited before the transfer ended")
        rest = recv_all(d)
        self.assertEqual(first + rest, data)  # the transfer completed
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(c.reply()[0], 421)
        self.assertTrue(c.closed())
        self.assertEqual(srv.wait(20), 0, "exit status after SIGTERM (ASan: leaks?)")
        self.assertIn("exiting", srv.log())

    def test_second_sigterm_stops_at_once(self):
        srv = self.new_server(["--anonymous", "ro", "--rate-limit", "100"])
        with open(srv.rpath("big.bin"), "wb") as f:
            f.truncate(4 << 20)  # 40 s at 100 KiB/s
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        d = c.pasv_connect()
        self.addCleanup(d.close)
        self.assertIn(c.cmd("RETR big.bin")[0], (125, 150))
        self.assertTrue(d.recv(1000))
        waiting = srv.control(("anonymous", "x@"))  # a transfer waiting for its connection
        self.addCleanup(waiting.close)
        waiting.pasv()
        self.assertEqual(waiting.cmd("RETR big.bin")[0], 150)
        srv.signal(signal.SIGTERM)
        time.sleep(0.3)
        self.assertIsNone(srv.proc.poll())  # still finishing the transfers
        srv.signal(signal.SIGTERM)
        self.assertEqual(srv.wait(15), 0)
        for conn in (c, waiting):
            self.assertEqual(conn.reply()[0], 421)
            self.assertTrue(conn.closed())

    def test_sigterm_idle_exits_0(self):
        srv = self.new_server(["--anonymous", "ro"])
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        srv.signal(signal.SIGTERM)
        self.assertEqual(c.reply()[0], 421)
        self.assertEqual(srv.wait(15), 0)

    def test_sighup_reloads_users(self):
        srv = self.new_server(start=False)
        users = srv.path("users")
        write_users(users, users_line("alice"))
        srv.args = ["--users", users]
        srv.start()
        c = srv.control()
        self.addCleanup(c.close)
        c.expect("USER dave", 331)
        self.assertEqual(c.cmd("PASS " + PASSWORDS["dave"])[0], 530)
        write_users(users, users_line("dave", "/", "ro"))
        before = srv.log().count("SIGHUP")
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and srv.log().count("SIGHUP") == before:
            time.sleep(0.05)
        self.assertIn("reloaded", srv.log())
        c.login("dave", PASSWORDS["dave"])
        self.assertEqual(c.cmd("MKD x")[0], 550)  # dave is read-only
        a = srv.control()
        self.addCleanup(a.close)
        a.expect("USER alice", 331)
        self.assertEqual(a.cmd("PASS " + PASSWORDS["alice"])[0], 530)  # alice is gone

    def test_sighup_keeps_command_line_options(self):
        srv = self.new_server(start=False)
        conf = srv.path("ftplab.conf")
        with open(conf, "w") as f:
            f.write("idle-timeout = 100\n")
        srv.args = ["-c", conf, "--anonymous", "rw"]
        srv.start()
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("MKD before", 257)
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "SIGHUP" not in srv.log():
            time.sleep(0.05)
        c2 = srv.control(("anonymous", "x@"))
        self.addCleanup(c2.close)
        self.assertIn("100", c2.expect("STAT", 211))  # the file was read again
        c2.expect("MKD after", 257)  # and --anonymous rw still holds

    def test_sighup_with_a_broken_users_file_keeps_the_old_users(self):
        srv = self.new_server(start=False)
        users = srv.path("users")
        write_users(users, users_line("alice"))
        srv.args = ["--users", users]
        srv.start()
        write_users(users, "this line is not a user\n")
        srv.signal(signal.SIGHUP)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and "SIGHUP" not in srv.log():
            time.sleep(0.05)
        self.assertIn("not reloaded", srv.log())
        c = srv.control(("alice", PASSWORDS["alice"]))
        c.close()


class TimeoutTest(ServerTestCase):
    def test_idle_login_and_data_timeouts(self):
        srv = self.new_server(["--anonymous", "ro", "--idle-timeout", "2", "--login-timeout",
                               "2", "--data-timeout", "1"])
        srv.write("a.txt", b"a")
        idle = srv.control(("anonymous", "x@"))
        self.addCleanup(idle.close)
        anon = srv.control()
        self.addCleanup(anon.close)
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        # PASV and never connect: 425 after the data timeout
        c.pasv()
        t0 = time.monotonic()
        self.assertEqual(c.cmd("RETR a.txt")[0], 150)
        self.assertEqual(c.reply()[0], 425)
        self.assertGreaterEqual(time.monotonic() - t0, 0.9)
        # PORT to a port where nobody listens: 425 at once or at the timeout
        ls = ftpserver.listen_active()
        port = ls.getsockname()[1]
        ls.close()
        c.expect("PORT " + ftpserver.port_arg("127.0.0.1", port), 200)
        self.assertEqual(c.cmd("RETR a.txt")[0], 150)
        self.assertEqual(c.reply()[0], 425)
        for conn, word in ((idle, "Idle"), (anon, "Login")):
            code, text = conn.reply()
            self.assertEqual(code, 421, text)
            self.assertIn(word, text)
            self.assertTrue(conn.closed())


class PasvOptionsTest(ServerTestCase):
    def test_pasv_ports_and_address_map(self):
        for attempt in range(3):  # another process may take the free port meanwhile
            p = ftpserver.free_port()
            srv = self.new_server(["--anonymous", "ro", "--pasv-ports", "%d-%d" % (p, p),
                                   "--pasv-address-map", "10.0.0.0/8=198.51.100.1",
                                   "--pasv-address-map", "127.0.0.0/8=192.0.2.9"])
            c = srv.control(("anonymous", "x@"))
            self.addCleanup(c.close)
            code, text = c.cmd("PASV")
            if code == 227:
                break
        self.assertEqual(code, 227, text)
        srv.write("a.txt", b"a")
        host, port = ftpserver.parse_227(text)
        self.assertEqual((host, port), ("192.0.2.9", p))  # the first matching map entry
        o = srv.control(("anonymous", "x@"))
        self.addCleanup(o.close)
        self.assertEqual(o.cmd("PASV")[0], 425)  # the only port is taken
        d = connect_data("127.0.0.1", port)
        self.assertIn(c.cmd("RETR a.txt")[0], (125, 150))
        self.assertEqual(recv_all(d), b"a")
        d.close()
        self.assertEqual(c.reply()[0], 226)
        self.assertEqual(ftpserver.parse_229(o.expect("EPSV", 229)), p)  # free again

    def test_pasv_address(self):
        srv = self.new_server(["--anonymous", "ro", "--pasv-address", "203.0.113.5"])
        c = srv.control(("anonymous", "x@"))
        self.addCleanup(c.close)
        self.assertEqual(c.pasv()[0], "203.0.113.5")


if __name__ == "__main__":
    ftpserver.main()
