#!/usr/bin/env python3
"""ftplab-proxy --workers N: one parent accepting and counting, N worker
processes relaying. Sessions are spread over the workers, the limits hold
over all of them, a killed worker is replaced and its sessions are counted
out, SIGTERM stops every process with status 0 (and, in the ASan build, no
leak in any of them).

    python3 tests/proxy/test_workers.py BIN_DIR
"""
import os
import re
import signal
import time

import proxylib
from proxylib import ProxyTestCase
from ftpserver import Control

ANON = ("anonymous", "workers@example.com")


def children(pid):
    with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
        return sorted(int(x) for x in f.read().split())


def sockets(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("socket:"):
                n += 1
        except OSError:
            pass
    return n


def alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False


class WorkersTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-q"])
        cls.data = os.urandom((2 << 20) + 17)
        cls.srv.write("f.bin", cls.data)

    def proxy(self, *args):
        p = self.new_proxy(["--workers", "2"] + list(args),
                           upstream="127.0.0.1:%d" % self.srv.port)
        self.assertTrue(p.wait_log(r"worker 2: pid \d+"), p.log())
        return p

    def workers(self, p):
        pids = [int(x) for x in re.findall(r"worker \d: pid (\d+)", p.log())]
        self.assertEqual(sorted(pids[-2:]), children(p.pid))
        return pids[-2:]

    def banner(self, p, src=None):
        c = Control(p.host, p.port, src=src)
        self.addCleanup(c.close)
        return c, c.reply()

    def admitted_eventually(self, p, src=None, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            c, (code, text) = self.banner(p, src)
            if code == 220 or time.monotonic() > deadline:
                self.assertEqual(code, 220, text)
                return c
            c.close()
            time.sleep(0.05)

    def test_downloads_and_spread(self):
        """Sequential downloads are byte-identical; four sessions held at
        once sit two on each worker (the least busy gets the next)."""
        p = self.proxy()
        w = self.workers(p)
        for i in range(4):
            out = os.path.join(p.tmp, "o%d" % i)
            r = proxylib.curl("-o", out, p.url("f.bin"))
            self.assertCurlOk(r)
            with open(out, "rb") as f:
                self.assertTrue(f.read() == self.data, "download %d differs" % i)
        before = [sockets(x) for x in w]
        held = [p.control(login=ANON) for _ in range(4)]
        for c in held:
            self.addCleanup(c.close)
            self.assertEqual(c.cmd("NOOP")[0], 200)
        after = [sockets(x) for x in w]
        # two sessions each: a client and a server socket per session
        self.assertEqual([a - b for a, b in zip(after, before)], [4, 4], (before, after))
        ids = [int(x) for x in re.findall(r"#(\d+) connect:", p.log())]
        self.assertEqual(sorted(ids), list(range(1, 9)))   # ids unique over the workers

    def test_limits_over_all_workers(self):
        p = self.proxy("--max-per-ip", "2", "--max-sessions", "3")
        a, (code, _) = self.banner(p)
        self.assertEqual(code, 220)
        b, (code, _) = self.banner(p)
        self.assertEqual(code, 220)
        c, (code, text) = self.banner(p)
        self.assertEqual(code, 421, text)
        self.assertIn("from your address", text)
        d, (code, _) = self.banner(p, src="127.0.0.2")
        self.assertEqual(code, 220)
        e, (code, text) = self.banner(p, src="127.0.0.3")
        self.assertEqual(code, 421, text)
        self.assertIn("Too many sessions", text)
        # a session ends in a worker: the parent counts it out
        a.login(*ANON)
        self.assertEqual(a.cmd("QUIT")[0], 221)
        self.admitted_eventually(p)
        self.assertEqual(self.banner(p)[1][0], 421)

    def test_killed_worker_replaced(self):
        """SIGKILL to one worker: its session is gone, the other's goes on,
        the parent starts a new worker and counts the lost session out."""
        p = self.proxy("--max-per-ip", "2")
        w = self.workers(p)
        x = p.control(login=ANON)
        y = p.control(login=ANON)
        self.addCleanup(x.close)
        self.addCleanup(y.close)
        self.assertEqual(sockets(w[0]) - 2, sockets(w[1]) - 2)   # one each
        os.kill(w[0], signal.SIGKILL)
        self.assertTrue(p.wait_log(r"worker 1 \(pid %d\) killed by signal 9; starting another "
                                   r"in 1 s" % w[0]), p.log())
        self.assertTrue(p.wait_log(r"worker 1: pid (?!%d)\d+" % w[0]), p.log())
        new = self.workers(p)
        self.assertNotIn(w[0], new)
        self.assertIn(w[1], new)
        survivors = []
        for c in (x, y):
            try:
                survivors.append(c.cmd("NOOP")[0] == 200)
            except (OSError, AssertionError, EOFError):
                survivors.append(False)
        self.assertEqual(sorted(survivors), [False, True])
        # the dead worker's session no longer counts: two from one address again
        self.admitted_eventually(p).close()
        for _ in range(50):   # until the parent has counted that close (bounded: 5 s)
            r = proxylib.curl("-o", os.path.join(p.tmp, "after"), p.url("f.bin"))
            if "421 Too many sessions" not in r.stderr:
                break
            time.sleep(0.1)
        self.assertCurlOk(r)

    def test_sigterm_stops_all(self):
        p = self.proxy()
        w = self.workers(p)
        c = p.control(login=ANON)
        self.addCleanup(c.close)
        p.stop()                        # exit status 0 and no sanitizer report
        for pid in w:
            deadline = time.monotonic() + 5
            while alive(pid) and time.monotonic() < deadline:
                time.sleep(0.02)
            self.assertFalse(alive(pid), "worker %d outlived the parent" % pid)
        self.assertIn("all workers stopped: exiting", p.log_text)


if __name__ == "__main__":
    proxylib.main()
