#!/usr/bin/env python3
"""ftplab-analyzer capturing live on the loopback interface while
ftplab-server serves real clients (curl and Python's ftplib): SIGINT ends
the capture with every session reported, the transfers' sha256 match the
files, -w saves what was read and reading that file back gives the same
records; -c N stops the capture by itself. Needs root (a packet socket):
exits 77 (skipped) without it.

    python3 tests/analyzer/test_live.py BIN_DIR
"""
import hashlib
import json
import os
import random
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "server"))
import ftpserver  # noqa: E402

START_TIMEOUT = 10.0


def analyzer():
    return os.path.join(ftpserver.BIN_DIR, "ftplab-analyzer")


def socket_inodes(pid):
    out = set()
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            link = os.readlink("/proc/%d/fd/%s" % (pid, fd))
        except OSError:
            continue
        if link.startswith("socket:["):
            out.add(link[8:-1])
    return out


def capturing(pid):
    """The process holds a packet socket (libpcap is capturing)."""
    with open("/proc/net/packet") as f:
        packet = {line.split()[8] for line in f.readlines()[1:] if len(line.split()) > 8}
    return bool(socket_inodes(pid) & packet)


class LiveTest(ftpserver.ServerTestCase):
    @classmethod
    def setUpClass(cls):
        base = random.randrange(40000, 60000, 100)
        cls.pasv = (base, base + 99)
        cls.srv = cls.make_class_server(["--anonymous", "rw", "-q", "--pasv-ports",
                                         "%d-%d" % cls.pasv])
        cls.data = os.urandom(300000)
        cls.srv.write("pub/file.bin", cls.data)
        os.chmod(cls.srv.path("root", "pub"), 0o777)

    def start(self, *args):
        tmp = self.srv.tmp
        out = os.path.join(tmp, "live-%s.json" % self._testMethodName)
        err = open(os.path.join(tmp, "live-%s.err" % self._testMethodName), "w+")
        filt = "tcp port %d or tcp portrange %d-%d" % (self.srv.port, *self.pasv)
        p = subprocess.Popen([analyzer(), "-i", "lo", "-f", filt, "--ports",
                              str(self.srv.port), "--json", "-o", out] + list(args),
                             stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
        self.addCleanup(lambda: p.poll() is None and (p.kill(), p.wait()))
        deadline = time.monotonic() + START_TIMEOUT
        while True:     # "listening on lo": the capture and its filter are in place
            err.seek(0)
            text = err.read()
            if "listening on lo" in text and capturing(p.pid):
                break
            if p.poll() is not None or time.monotonic() > deadline:
                self.fail("the analyzer did not start capturing: " + text)
            time.sleep(0.02)
        return p, out, err

    def records(self, path):
        with open(path) as f:
            return [json.loads(line) for line in f if line.strip()]

    def test_sigint_reports_everything(self):
        saved = os.path.join(self.srv.tmp, "saved.pcap")
        p, out, err = self.start("-w", saved, "--stats", "--duration", "120")
        url = "ftp://127.0.0.1:%d/pub/file.bin" % self.srv.port
        r = subprocess.run(["curl", "-sS", "--max-time", "30", "-o", os.devnull, url],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        c = self.srv.control(login=("anonymous", "live@example.com"))
        c.cmd("TYPE I")
        s = c.pasv_connect()
        c.send("STOR pub/up.bin\r\n")
        self.assertIn(c.reply()[0], (125, 150))
        s.sendall(self.data[:123457])
        s.close()
        self.assertEqual(c.reply()[0], 226)
        c.cmd("QUIT")
        c.close()
        time.sleep(0.3)                    # the last packets reach the capture
        p.send_signal(signal.SIGINT)
        self.assertEqual(p.wait(timeout=30), 0)
        err.seek(0)
        errtext = err.read()
        self.assertIn("packets", errtext)   # --stats, with the live counters
        self.assertIn("received", errtext)
        recs = self.records(out)
        sessions = [x for x in recs if x["type"] == "session"]
        self.assertEqual(len(sessions), 2, recs)
        self.assertTrue(all(x["user"] == "anonymous" and x["login"] == "ok" for x in sessions),
                        json.dumps(recs, indent=1)[-6000:])
        xfers = [x for x in recs if x["type"] == "transfer"]
        want = {("RETR", hashlib.sha256(self.data).hexdigest(), len(self.data)),
                ("STOR", hashlib.sha256(self.data[:123457]).hexdigest(), 123457)}
        got = {(x["cmd"], x["sha256"], x["bytes"]) for x in xfers if x["status"] == "complete"}
        self.assertEqual(got, want, xfers)
        # the saved capture, read back, tells the same
        again = subprocess.run([analyzer(), "-r", saved, "--ports", str(self.srv.port),
                                "--json"], capture_output=True, text=True, timeout=60)
        self.assertEqual(again.returncode, 0, again.stderr)
        self.assertEqual([json.loads(x) for x in again.stdout.splitlines()], recs)

    def test_count_stops_by_itself(self):
        p, out, err = self.start("-c", "6")
        c = self.srv.control(login=("anonymous", "live@example.com"))
        for _ in range(5):
            c.cmd("NOOP")
        c.close()
        self.assertEqual(p.wait(timeout=30), 0)


if __name__ == "__main__":
    if os.geteuid() != 0:
        sys.stderr.write("SKIPPED: a live capture needs root\n")
        sys.exit(77)
    ftpserver.main()
