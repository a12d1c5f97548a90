#!/usr/bin/env python3
"""ftplab-analyzer's TUI driven under tmux (send-keys, capture-pane) on the
project's captures: the session list, the ladder opened with Enter, the
other views, the filter, w saving a session that batch mode decodes to the
same records, e extracting a transfer, resizing to 80x24 and back, stderr
kept off the screen, and (as root) a live capture on loopback that shows a
session of ftplab-server within a second of its first command.

Each test runs tmux on its own socket (-L) and kills that server at the
end, also on failure. Exits 77 (skipped) when tmux is missing.

    python3 tests/analyzer/test_tui.py BIN_DIR
"""
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
CAPTURES = os.path.join(ROOT, "captures")
sys.path.insert(0, os.path.join(HERE, "..", "server"))
import ftpserver  # noqa: E402

WAIT = 10.0     # the longest any screen may take to show what is expected
POLL = 0.05


def analyzer():
    return os.path.join(ftpserver.BIN_DIR, "ftplab-analyzer")


def batch_json(pcap, *flags):
    out = subprocess.run([analyzer(), "-r", pcap, "--json", *flags], check=True,
                         stdout=subprocess.PIPE, timeout=60).stdout.decode()
    return [json.loads(line) for line in out.splitlines()]


class Tmux:
    """One tmux server (own socket) with one window running cmd."""

    def __init__(self, cmd, width=100, height=30, env=None):
        self.sock = "ftplab-tui-%d-%d" % (os.getpid(), random.randrange(1 << 30))
        envs = []
        for k, v in (env or {}).items():
            envs += ["-e", "%s=%s" % (k, v)]
        self.tmux("new-session", "-d", "-s", "t", "-x", str(width), "-y", str(height),
                  *envs, "--", *cmd)
        self.tmux("set-option", "-t", "t", "remain-on-exit", "on")

    def tmux(self, *args, check=True):
        return subprocess.run(["tmux", "-L", self.sock, "-f", "/dev/null", *args],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=20,
                              check=check, env=dict(os.environ, TERM="xterm-256color",
                                                    LANG="C.UTF-8", LC_ALL="C.UTF-8"))

    def screen(self):
        return self.tmux("capture-pane", "-p", "-t", "t").stdout.decode("utf-8", "replace")

    def keys(self, *keys):
        self.tmux("send-keys", "-t", "t", *keys)

    def literal(self, text):
        self.tmux("send-keys", "-t", "t", "-l", text)

    def resize(self, w, h):
        self.tmux("resize-window", "-t", "t", "-x", str(w), "-y", str(h))

    def wait_for(self, pred, what, timeout=WAIT):
        """Polls the screen until pred(screen) holds; returns the screen."""
        end = time.monotonic() + timeout
        s = ""
        while time.monotonic() < end:
            s = self.screen()
            if pred(s):
                return s
            time.sleep(POLL)
        raise AssertionError("screen never showed %s; last screen:\n%s" % (what, s))

    def wait_text(self, *texts, timeout=WAIT):
        return self.wait_for(lambda s: all(t in s for t in texts), " and ".join(map(repr, texts)),
                             timeout)

    def close(self):
        self.tmux("kill-server", check=False)


class TuiTestCase(unittest.TestCase):
    def run_tui(self, args, **kw):
        """The analyzer in a shell that prints its exit status when it ends
        (tmux's own pane_dead_status is not always there yet)."""
        t = Tmux(["sh", "-c", '"$@"; echo "EXIT=$?"; sleep 120', "sh", analyzer(), *args], **kw)
        self.addCleanup(t.close)
        return t

    def quit(self, t):
        """q until the program exits; its status must be 0."""
        for _ in range(6):
            t.keys("q")
            end = time.monotonic() + 2
            while time.monotonic() < end:
                s = t.screen()
                if "EXIT=" in s:
                    self.assertIn("EXIT=0", s, "exit status")
                    return
                time.sleep(POLL)
        self.fail("the TUI did not exit on q:\n" + t.screen())


class FileTest(TuiTestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="ftplab-tui-")
        cls.merged = os.path.join(cls.tmp, "merged.pcap")
        pcaps = [os.path.join(CAPTURES, n + ".pcap") for n in
                 ("passive", "active", "failed-login", "mismatch-nat", "multiline")]
        subprocess.run(["mergecap", "-F", "pcap", "-w", cls.merged, *pcaps], check=True,
                       timeout=60)

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, ignore_errors=True)

    def test_sessions_listed(self):
        recs = batch_json(self.merged)
        sessions = [r for r in recs if r["type"] == "session"]
        self.assertEqual(len(sessions), 5)
        t = self.run_tui(["-r", self.merged, "--tui"], width=160, height=40)
        s = t.wait_text(*[r["client"] for r in sessions])
        for r in sessions:
            self.assertIn(r["server"], s)
        self.assertIn("alice", s)  # failed-login's user
        self.quit(t)

    def test_ladder_arrows_and_codes(self):
        pcap = os.path.join(CAPTURES, "passive.pcap")
        recs = batch_json(pcap)
        cmds = [r for r in recs if r["type"] == "command"]
        client = [r for r in recs if r["type"] == "session"][0]["client"]
        t = self.run_tui(["-r", pcap, "--tui"], width=120, height=50)
        t.wait_text(client)
        t.keys("Enter")
        s = t.wait_text("USER", "PASV", "227", "RETR", "226")
        for c in cmds[:8]:
            self.assertIn(c["cmd"], s)
            if c["reply_code"]:
                self.assertIn(str(c["reply_code"]), s)
        self.assertTrue("→" in s or "->" in s or ">" in s, "arrows:\n" + s)
        self.assertTrue("←" in s or "<-" in s or "<" in s, "arrows:\n" + s)
        # Tab: the other views of the session, then back to the list
        t.keys("Tab")
        t.wait_text("C:", "S:")  # transcript
        t.keys("Tab")
        t.wait_text("complete")  # transfers
        t.keys("Tab")
        t.keys("Escape")
        self.quit(t)

    def test_ladder_both_legs(self):
        """proxy-legs.pcap: the two sessions of one conversation through a
        proxy; the ladder shows client, NAT/proxy and server, each command on
        both legs."""
        pcap = os.path.join(CAPTURES, "proxy-legs.pcap")
        sessions = [r for r in batch_json(pcap) if r["type"] == "session"]
        self.assertEqual(len(sessions), 2)
        t = self.run_tui(["-r", pcap, "--tui"], width=120, height=60)
        t.wait_text(*[r["client"] for r in sessions])
        t.keys("Enter")
        s = t.wait_text("NAT/proxy", "127.0.0.2:2121", "other leg")
        header = s.split("\n")[:6]
        self.assertTrue(any("Client" in h and "NAT/proxy" in h and "Server" in h for h in header),
                        "three columns:\n" + s)
        self.assertGreaterEqual(s.count("USER anonymous"), 2, "USER on both legs:\n" + s)
        self.quit(t)

    def test_filter_narrows(self):
        t = self.run_tui(["-r", self.merged, "--tui"], width=160, height=40)
        t.wait_text("alice")
        before = t.screen()
        t.keys("/")
        t.literal("alice")
        t.keys("Enter")
        s = t.wait_for(lambda s: s != before and "alice" in s, "the filtered list")
        recs = batch_json(self.merged)
        others = [r["client"] for r in recs if r["type"] == "session" and r["user"] != "alice"]
        for c in others:
            self.assertNotIn(c, s)
        self.quit(t)

    def test_save_session_decodes_same(self):
        pcap = os.path.join(CAPTURES, "mismatch-nat.pcap")
        out = os.path.join(self.tmp, "saved.pcap")
        t = self.run_tui(["-r", self.merged, "--tui"], width=160, height=40)
        want = [r for r in batch_json(pcap) if r["type"] == "session"][0]
        t.wait_text(want["client"])
        t.keys("/")
        t.literal(want["client"])
        t.keys("Enter")
        t.wait_for(lambda s: s.count(want["client"]) >= 1, "the filtered list")
        t.keys("w")
        t.wait_text(".pcap")
        t.keys("C-u")  # the prompt's default name, cleared
        t.literal(out)
        t.keys("Enter")
        t.wait_text("written")
        self.quit(t)

        def strip(recs):
            keep = []
            for r in recs:
                r = {k: v for k, v in r.items() if k not in ("session", "latency_ms")}
                keep.append(r)
            return keep
        self.assertEqual(strip(batch_json(out)), strip(batch_json(pcap)))

    def test_extract_transfer(self):
        pcap = os.path.join(CAPTURES, "passive.pcap")
        xfers = [r for r in batch_json(pcap) if r["type"] == "transfer" and
                 r["direction"] == "download" and r["status"] == "complete"]
        self.assertTrue(xfers)
        d = os.path.join(self.tmp, "extract")
        t = self.run_tui(["-r", pcap, "--tui", "--extract", d], width=120, height=40)
        t.wait_text("127.0.0.1")
        t.keys("Enter")
        t.wait_text("USER")
        t.keys("Tab", "Tab")
        t.wait_text("complete")
        t.keys("e")
        t.wait_text("written")
        self.quit(t)
        import hashlib
        got = set()
        for top, _, files in os.walk(d):
            for name in files:
                with open(os.path.join(top, name), "rb") as f:
                    got.add(hashlib.sha256(f.read()).hexdigest())
        for x in xfers:
            self.assertIn(x["sha256"], got)

    def test_resize_keeps_screen(self):
        t = self.run_tui(["-r", self.merged, "--tui"], width=120, height=40)
        t.wait_text("alice")
        time.sleep(0.3)
        before = t.screen()
        t.resize(80, 24)
        small = t.wait_for(lambda s: len(s.rstrip("\n").split("\n")) <= 24 and "alice" in s,
                           "the 80x24 screen")
        lines = small.rstrip("\n").split("\n")
        self.assertLessEqual(max(len(line) for line in lines), 80)
        t.resize(120, 40)
        t.wait_for(lambda s: s == before, "the same screen as before the resize", timeout=5)
        t.keys("Enter")
        t.wait_text("USER")
        t.resize(80, 24)
        t.wait_for(lambda s: "USER" in s and len(s.rstrip("\n").split("\n")) <= 24,
                   "the ladder at 80x24")
        self.quit(t)

    def test_stderr_off_screen(self):
        """A capture cut in the middle of a frame: the read error goes to the
        status line while the screen is up, and whole to stderr afterwards."""
        src = os.path.join(CAPTURES, "passive.pcap")
        cut = os.path.join(self.tmp, "cut.pcap")
        err = os.path.join(self.tmp, "stderr.txt")
        with open(src, "rb") as f:
            data = f.read()
        with open(cut, "wb") as f:
            f.write(data[:len(data) * 2 // 3])
        t = Tmux(["sh", "-c", "%s -r %s --tui 2>%s; echo EXIT=$?; sleep 30" %
                  (analyzer(), cut, err)], width=120, height=30)
        self.addCleanup(t.close)
        t.wait_text("127.0.0.1")
        time.sleep(0.5)
        s = t.screen()
        first = s.split("\n")[0]
        self.assertNotIn("ftplab-analyzer:", first)
        rows = s.rstrip("\n").split("\n")
        for i, line in enumerate(rows[:-2]):
            self.assertNotIn("truncated", line.lower(), "stderr text on row %d:\n%s" % (i, s))
        t.keys("q")
        t.wait_text("EXIT=")
        with open(err) as f:
            self.assertIn("truncated", f.read().lower())


class LiveTest(ftpserver.ServerTestCase, TuiTestCase):
    @classmethod
    def setUpClass(cls):
        if os.geteuid() != 0:
            raise unittest.SkipTest("a live capture needs root")
        base = random.randrange(40000, 60000, 100)
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-q", "--pasv-ports",
                                         "%d-%d" % (base, base + 99)])
        cls.srv.write("pub/hello.txt", b"hello\n" * 100)

    def test_session_within_a_second(self):
        import ftplib
        port = self.srv.port
        t = self.run_tui(["-i", "lo", "-f", "tcp port %d" % port, "--tui"], width=140,
                         height=30)
        t.wait_text("live")
        time.sleep(0.5)  # the capture is in place (the status line says live)
        ftp = ftplib.FTP()
        ftp.connect("127.0.0.1", port, timeout=10)
        t0 = time.monotonic()
        ftp.login()
        t.wait_text(":%d" % port, timeout=1.0 + (time.monotonic() - t0))
        ftp.quit()
        self.quit(t)


def main():
    if shutil.which("tmux") is None:
        print("tmux not installed: skipped")
        return 77
    if len(sys.argv) > 1:
        ftpserver.BIN_DIR = os.path.abspath(sys.argv.pop(1))
    prog = unittest.main(exit=False, verbosity=2)
    return 0 if prog.result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
