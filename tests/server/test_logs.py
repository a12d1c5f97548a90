#!/usr/bin/env python3
"""ftplab-server's logs: --xferlog lines in xferlog(5) format, --log-json
lines that are valid JSON with a session id, and no password in clear in
either of them nor on stderr (-v logs every command).

    python3 tests/server/test_logs.py BIN_DIR
"""
import json
import os
import re

import ftpserver
from ftpserver import ServerTestCase, recv_all

SECRET = "Sup3r-S3cret-Passw0rd"
ANON_PASS = "anon-secret-mail@example.com"

# xferlog(5): current-time (5 words) transfer-time remote-host file-size filename
# transfer-type special-action-flag direction access-mode username service-name
# authentication-method authenticated-user-id completion-status
XFERLOG_RE = re.compile(
    r"^(?P<date>[A-Z][a-z]{2} [A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \d{4}) "
    r"(?P<secs>\d+) (?P<host>\S+) (?P<size>\d+) (?P<name>\S+) (?P<type>[ab]) "
    r"(?P<action>[CUT_]+) (?P<dir>[oid]) (?P<mode>[agr]) (?P<user>\S+) (?P<service>\S+) "
    r"(?P<auth>[01]) (?P<authuser>\S+) (?P<status>[ci])$")


class LogTest(ServerTestCase):
    @classmethod
    def setUpClass(cls):
        srv = ftpserver.Server()
        cls.users = srv.path("users")
        cls.xferlog = srv.path("xferlog")
        cls.jsonlog = srv.path("log.json")
        with open(cls.users, "w") as f:
            f.write("alice:%s:/:rw\n" % ftpserver.hash_password(SECRET))
        srv.args = ["--users", cls.users, "--anonymous", "rw", "--xferlog", cls.xferlog,
                    "--log-json", cls.jsonlog, "-v"]
        srv.write("down.txt", b"line\n" * 100)
        cls._class_servers = [srv]
        cls.addClassCleanup(srv.cleanup)
        srv.start()
        cls.srv = srv
        cls.run_session()

    @classmethod
    def run_session(cls):
        """Some transfers by alice and by anonymous, and a failed login."""
        srv = cls.srv
        c = srv.control(("alice", SECRET))
        try:
            c.expect("TYPE I", 200)
            d = c.pasv_connect()
            c.cmd("RETR down.txt")
            recv_all(d)
            d.close()
            c.reply()
            c.expect("TYPE A", 200)
            d = c.pasv_connect()
            c.cmd("STOR up load.txt")
            d.sendall(b"a\r\nb\r\n")
            d.close()
            c.reply()
            c.expect("TYPE I", 200)
            d = c.pasv_connect()
            c.cmd("LIST")  # listings are not in the xferlog
            recv_all(d)
            d.close()
            c.reply()
            c.expect("QUIT", 221)
        finally:
            c.close()
        c = srv.control(("anonymous", ANON_PASS))
        try:
            c.expect("TYPE I", 200)
            d = c.pasv_connect()
            c.cmd("RETR down.txt")
            recv_all(d)
            d.close()
            c.reply()
            c.expect("USER x", 530)  # already logged in
        finally:
            c.close()
        c = srv.control()
        try:
            c.expect("USER alice", 331)
            c.expect("PASS wrong-" + SECRET, 530)
        finally:
            c.close()
        # the third session's close must be logged before we read the logs
        probe = srv.control(("anonymous", "x@"))
        probe.expect("QUIT", 221)
        probe.closed()
        probe.close()

    def xfer_lines(self):
        with open(self.xferlog) as f:
            return f.read().splitlines()

    def json_records(self):
        with open(self.jsonlog) as f:
            text = f.read()
        self.assertTrue(text.endswith("\n"))
        return [json.loads(line) for line in text.splitlines()]

    def test_xferlog_format(self):
        lines = self.xfer_lines()
        self.assertEqual(len(lines), 3, lines)
        recs = []
        for line in lines:
            m = XFERLOG_RE.match(line)
            self.assertIsNotNone(m, "not xferlog(5): %r" % line)
            recs.append(m.groupdict())
        down, up, anon = recs
        self.assertEqual((down["host"], down["size"], down["name"], down["type"], down["dir"],
                          down["mode"], down["user"], down["status"]),
                         ("127.0.0.1", "500", "/down.txt", "b", "o", "r", "alice", "c"))
        # the upload: TYPE A, 6 bytes on the wire, a space in the name made '_'
        self.assertEqual((up["name"], up["type"], up["dir"], up["status"]),
                         ("/up_load.txt", "a", "i", "c"))
        self.assertEqual(up["size"], "6")
        self.assertEqual((anon["mode"], anon["user"], anon["dir"]), ("a", "anonymous", "o"))
        self.assertEqual(self.srv.read("up load.txt"), b"a\nb\n")

    def test_json_lines(self):
        recs = self.json_records()
        self.assertGreater(len(recs), 10)
        for r in recs:
            self.assertIsInstance(r.get("session"), int, r)
            self.assertGreater(r["session"], 0)
            self.assertIn(r.get("type"), ("command", "reply", "event", "transfer"), r)
            self.assertIsInstance(r.get("ts"), (int, float))
        transfers = [r for r in recs if r["type"] == "transfer"]
        self.assertEqual(len(transfers), 3)
        t = transfers[0]
        self.assertEqual((t["cmd"], t["path"], t["bytes"], t["direction"], t["status"],
                          t["reply_code"]), ("RETR", "/down.txt", 500, "download", "complete", 226))
        self.assertEqual(transfers[1]["path"], "/up load.txt")
        self.assertEqual(transfers[1]["direction"], "upload")
        # every key once: a duplicate key would hide the record's own "type"
        with open(self.jsonlog) as f:
            for line in f:
                pairs = json.loads(line, object_pairs_hook=lambda kv: kv)
                keys = [k for k, _ in pairs]
                self.assertEqual(len(keys), len(set(keys)), line)
        # commands and replies of one session carry the same id
        alice = [r for r in recs if r["type"] == "command" and r.get("cmd") == "USER"
                 and r.get("arg") == "alice"]
        self.assertTrue(alice)
        sid = alice[0]["session"]
        verbs = [r["cmd"] for r in recs if r["type"] == "command" and r["session"] == sid]
        self.assertEqual(verbs[:4], ["USER", "PASS", "TYPE", "PASV"])
        codes = [r["code"] for r in recs if r["type"] == "reply" and r["session"] == sid]
        self.assertEqual(codes[:3], [220, 331, 230])
        self.assertGreater(len({r["session"] for r in recs}), 3)
        kinds = {r.get("kind") for r in recs if r["type"] == "event"}
        self.assertIn("login", kinds)
        self.assertIn("login-failed", kinds)

    def test_no_password_in_clear(self):
        with open(self.xferlog) as f:
            xfer = f.read()
        with open(self.jsonlog) as f:
            js = f.read()
        stderr = self.srv.log()
        self.assertIn("PASS", stderr)  # -v logs commands: the check below means something
        for name, text in (("xferlog", xfer), ("log-json", js), ("stderr", stderr)):
            self.assertNotIn(SECRET, text, name)
            self.assertNotIn(ANON_PASS, text, name)
        passes = [r for r in self.json_records() if r["type"] == "command" and r["cmd"] == "PASS"]
        self.assertGreaterEqual(len(passes), 3)
        for r in passes:
            self.assertEqual(r["arg"], "****")


class LogPasswordsTest(ServerTestCase):
    def test_log_passwords_flag_shows_them(self):
        srv = self.new_server(start=False)
        jl = srv.path("log.json")
        srv.args = ["--anonymous", "ro", "--log-json", jl, "--log-passwords"]
        srv.start()
        c = srv.control(("anonymous", ANON_PASS))
        c.expect("QUIT", 221)
        c.closed()
        c.close()
        with open(jl) as f:
            recs = [json.loads(line) for line in f]
        self.assertIn(ANON_PASS, [r.get("arg") for r in recs if r.get("cmd") == "PASS"])


if __name__ == "__main__":
    ftpserver.main()
