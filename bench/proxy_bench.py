#!/usr/bin/env python3
"""bench/proxy_bench.py - the measuring half of bench/proxy.sh.

    proxy_bench.py run BIN_DIR OUT [--quick] [--size-mib N] [--runs N]
                   [--noops N] [--seconds S] [--idle-sessions N] [--keep]
    proxy_bench.py client MODE ...     (runs inside a namespace; see client_main)

`run` builds one topo.Topology.nat() (client 10.0.1.2 -- nat 10.0.1.1 /
198.51.100.1 -- server 198.51.100.2), starts ftplab-server on
198.51.100.2:21 and ftplab-proxy --transparent on the NAT box, and switches
the NAT box between three rule sets:

    plain   MASQUERADE only (the layout's own rules)
    alg     + iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp
    proxy   + REDIRECT -i lan0 tcp 21 -> PROXY_PORT and tcp DATA_PORTS (keeps the port)
    kproxy  + REDIRECT -i lan0 tcp 21 -> KPROXY_PORT, where a second ftplab-proxy runs
            with --data-path kernel, and FORWARD -m conntrack --ctstate DNAT -j ACCEPT
            (the layout's FORWARD policy drops new connections from outside)
    wproxy  + REDIRECT -i lan0 tcp 21 -> WPROXY_PORT, a third ftplab-proxy with
            --workers IDLE_WORKERS (for the idle sessions: more than one process's
            descriptors)

It measures RETR throughput (curl), NOOP latency, sessions per second and
proxied idle sessions (the small asyncio/socket clients below, because
ftpload talks only to 127.0.0.0/8), then writes the results table to OUT.
Everything (namespaces, processes, rules) goes with the topology's close(),
also on SIGINT/SIGTERM (topo installs the handlers). bench/README.md says
what is measured and how.
"""
import argparse
import asyncio
import os
import platform
import resource
import signal
import socket
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)

SERVER = "198.51.100.2"
PROXY_PORT = 2100
KPROXY_PORT = 2101              # the --data-path kernel proxy
WPROXY_PORT = 2102              # the --workers proxy of the idle-sessions test
IDLE_WORKERS = 2                # one process holds (fd hard limit - reserve) / 2 sessions
DATA_PORTS = (40000, 40999)     # the proxy's --data-ports (REDIRECTed from lan0)
PASV_PORTS = (50000, 50999)     # the server's passive ports: disjoint from DATA_PORTS
SMALL = 65536                   # the file of each session (sessions/s)
FD_RESERVE = 64                 # fds the proxy needs besides 2 per session


# ================================================================ clients
# These run inside a namespace: python3 proxy_bench.py client MODE ARGS.
# Each prints one "key=value ..." line.

def _expect(f, code):
    """Read one (possibly multi-line) reply from file f; return its text,
    raise if its code is not code."""
    line = f.readline()
    if not line:
        raise ConnectionError("connection closed")
    text = line
    if len(line) > 3 and line[3:4] == b"-":
        end = line[:3] + b" "
        while True:
            line = f.readline()
            if not line:
                raise ConnectionError("connection closed")
            text += line
            if line.startswith(end):
                break
    if not text.startswith(code.encode()):
        raise ConnectionError("expected %s, got %r" % (code, text[:80]))
    return text


def client_noop(host, port, count):
    """One session: login, then count NOOPs one after the other; the round
    trip of each (send to the complete 200) in microseconds."""
    s = socket.create_connection((host, port), timeout=10)
    s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    f = s.makefile("rb")
    _expect(f, "220")
    s.sendall(b"USER anonymous\r\n")
    _expect(f, "331")
    s.sendall(b"PASS x\r\n")
    _expect(f, "230")
    for _ in range(min(50, count)):          # warm-up, not counted
        s.sendall(b"NOOP\r\n")
        _expect(f, "200")
    lat = []
    clock = time.perf_counter_ns
    for _ in range(count):
        t0 = clock()
        s.sendall(b"NOOP\r\n")
        _expect(f, "200")
        lat.append((clock() - t0) / 1000.0)
    s.sendall(b"QUIT\r\n")
    s.close()
    lat.sort()

    def pct(p):
        return lat[min(len(lat) - 1, int(p * len(lat)))]
    print("noop ok=%d p50=%.1f p99=%.1f mean=%.1f" % (len(lat), pct(0.50), pct(0.99),
                                                      sum(lat) / len(lat)))


async def _reply(r, code):
    line = await r.readline()
    if not line:
        raise ConnectionError("connection closed")
    text = line
    if len(line) > 3 and line[3:4] == b"-":
        end = line[:3] + b" "
        while not line.startswith(end):
            line = await r.readline()
            if not line:
                raise ConnectionError("connection closed")
            text += line
    if not text.startswith(code.encode()):
        raise ConnectionError("expected %s, got %r" % (code, text[:80]))
    return text


async def _login(host, port):
    r, w = await asyncio.open_connection(host, port)
    await _reply(r, "220")
    w.write(b"USER anonymous\r\n")
    await _reply(r, "331")
    w.write(b"PASS x\r\n")
    await _reply(r, "230")
    return r, w


async def _one_session(host, port, path, size):
    r, w = await _login(host, port)
    w.write(b"TYPE I\r\n")
    await _reply(r, "200")
    w.write(b"EPSV\r\n")
    t = await _reply(r, "229")
    dport = int(t.split(b"|||")[1].split(b"|")[0])
    dr, dw = await asyncio.open_connection(host, dport)
    w.write(b"RETR " + path.encode() + b"\r\n")
    await _reply(r, "1")                # 150, or 125 when the data connection is open
    got = 0
    while True:
        b = await dr.read(1 << 16)
        if not b:
            break
        got += len(b)
    dw.close()
    await _reply(r, "226")
    if got != size:
        raise ConnectionError("RETR gave %d bytes, not %d" % (got, size))
    w.write(b"QUIT\r\n")
    await _reply(r, "221")
    await r.read()                      # the server's (or the proxy's) close
    w.close()


async def _sessions(host, port, clients, seconds, path, size, max_errors=100):
    ok = errors = 0
    first = []
    end = time.monotonic() + seconds

    async def worker():
        nonlocal ok, errors
        while time.monotonic() < end and errors < max_errors:
            try:
                await asyncio.wait_for(_one_session(host, port, path, size),
                                       max(0.1, end - time.monotonic()))
                if time.monotonic() <= end:
                    ok += 1
            except asyncio.TimeoutError:
                pass                     # cut by the deadline: not counted
            except (OSError, ConnectionError, ValueError, IndexError) as e:
                errors += 1
                if len(first) < 5:
                    first.append(str(e))
    t0 = time.monotonic()
    await asyncio.gather(*(worker() for _ in range(clients)))
    secs = time.monotonic() - t0
    for e in first:
        print("sessions: " + e, file=sys.stderr)
    print("sessions ok=%d errors=%d seconds=%.3f rate=%.1f" % (ok, errors, secs, ok / secs))


async def _idle(host, port, n, batch, cap, hold):
    """Open n logged-in sessions (at most batch logging in at once, all
    within cap seconds), print "ready ...", hold until stdin closes or
    hold seconds, then report how many the other side closed meanwhile."""
    conns = []
    errors = 0
    first = []
    sem = asyncio.Semaphore(batch)
    t0 = time.monotonic()

    async def one():
        nonlocal errors
        async with sem:
            try:
                conns.append(await asyncio.wait_for(_login(host, port), 30))
            except (OSError, ConnectionError, asyncio.TimeoutError) as e:
                errors += 1
                if len(first) < 5:
                    first.append(repr(e))
    try:
        await asyncio.wait_for(asyncio.gather(*(one() for _ in range(n))), cap)
    except asyncio.TimeoutError:
        errors += 1
        first.append("not all sessions opened within %d s" % cap)
    secs = time.monotonic() - t0
    for e in first:
        print("idle: " + e, file=sys.stderr)
    print("ready ok=%d errors=%d seconds=%.3f" % (len(conns), errors, secs), flush=True)
    loop = asyncio.get_running_loop()
    try:
        await asyncio.wait_for(loop.run_in_executor(None, sys.stdin.read), hold)
    except asyncio.TimeoutError:
        pass
    dropped = 0
    for r, w in conns:                   # closed by the far side while idle?
        if r.at_eof() or w.is_closing():
            dropped += 1
        w.close()
    print("idle ok=%d errors=%d dropped=%d" % (len(conns), errors, dropped), flush=True)


def client_main(argv):
    mode, host, port = argv[0], argv[1], int(argv[2])
    if mode == "noop":
        client_noop(host, port, int(argv[3]))
    elif mode == "sessions":
        asyncio.run(_sessions(host, port, int(argv[3]), float(argv[4]), argv[5], int(argv[6])))
    elif mode == "idle":
        soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
        asyncio.run(_idle(host, port, int(argv[3]), int(argv[4]), float(argv[5]),
                          float(argv[6])))
    else:
        sys.exit("unknown client mode " + mode)


# ================================================================ the run

def kv(line, key):
    for f in line.split():
        if f.startswith(key + "="):
            return f[len(key) + 1:]
    return None


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def pss_kib(pid):
    with open("/proc/%d/smaps_rollup" % pid) as f:
        for line in f:
            if line.startswith("Pss:"):
                return int(line.split()[1])
    raise RuntimeError("no Pss in smaps_rollup of %d" % pid)


class Bench:
    def __init__(self, a):
        sys.path.insert(0, os.path.join(TOP, "tests", "netns"))
        import topo
        self.topo = topo
        self.a = a
        self.bin = a.bindir
        self.val = {}           # key -> value
        self.err = {}           # key -> error count
        self.notes = []
        self.rules = "plain"

    def note(self, msg):
        self.notes.append(msg)
        say(msg)

    def fail(self, key, msg):
        self.err[key] = self.err.get(key, 0) + 1
        self.note(msg)

    # -- the rule sets of the NAT box
    def alg_rule(self, op):
        return ["-t", "raw", op, "PREROUTING", "-p", "tcp", "--dport", "21",
                "-j", "CT", "--helper", "ftp"]

    def redirect_rules(self, op):
        return [["-t", "nat", op, "PREROUTING", "-i", "lan0", "-p", "tcp", "--dport", "21",
                 "-j", "REDIRECT", "--to-ports", str(PROXY_PORT)],
                ["-t", "nat", op, "PREROUTING", "-i", "lan0", "-p", "tcp", "--dport",
                 "%d:%d" % DATA_PORTS, "-j", "REDIRECT"]]

    def kproxy_rules(self, op):
        return [["-t", "nat", op, "PREROUTING", "-i", "lan0", "-p", "tcp", "--dport", "21",
                 "-j", "REDIRECT", "--to-ports", str(KPROXY_PORT)],
                [op if op == "-D" else "-I", "FORWARD", "-m", "conntrack", "--ctstate", "DNAT",
                 "-j", "ACCEPT"]]

    def wproxy_rules(self, op):
        return [["-t", "nat", op, "PREROUTING", "-i", "lan0", "-p", "tcp", "--dport", "21",
                 "-j", "REDIRECT", "--to-ports", str(WPROXY_PORT)]]

    def rule_set(self, name):
        return {"proxy": self.redirect_rules, "kproxy": self.kproxy_rules,
                "wproxy": self.wproxy_rules}[name]

    def set_rules(self, want):
        if want == self.rules:
            return
        t = self.t
        if self.rules == "alg":
            t.iptables("nat", *self.alg_rule("-D"))
        elif self.rules != "plain":
            for r in self.rule_set(self.rules)("-D"):
                t.iptables("nat", *r)
        self.rules = "plain"
        if want == "alg":
            if not self.alg_ok:
                raise RuntimeError("no kernel FTP ALG")
            t.iptables("nat", *self.alg_rule("-A"))
        elif want != "plain":
            for r in self.rule_set(want)("-A"):
                t.iptables("nat", *r)
        self.rules = want

    # -- set-up
    def start(self):
        topo, a = self.topo, self.a
        topo.sweep_stale()
        self.t = t = topo.Topology.nat(prefix="ftplab-%d-bench" % os.getpid(),
                                       keep_files=a.keep)
        self.root = os.path.join(t.tmp, "root")
        os.mkdir(self.root, 0o755)
        self.size = a.size_mib << 20
        with open(os.path.join(self.root, "big"), "wb") as f:
            f.truncate(self.size)                 # sparse: reads are zeros from memory
        with open(os.path.join(self.root, "small"), "wb") as f:
            f.write(os.urandom(SMALL))
        self.srv = t.spawn_server("server", os.path.join(self.bin, "ftplab-server"), [
            "-r", self.root, "-l", "%s:21" % SERVER, "--anonymous=rw", "-q",
            "--max-sessions", "20000", "--max-per-ip", "20000", "--idle-timeout", "600",
            "--login-timeout", "600", "--pasv-ports", "%d-%d" % PASV_PORTS], wait_port=21)
        hard = resource.getrlimit(resource.RLIMIT_NOFILE)[1]
        self.idle_fit = IDLE_WORKERS * max(1, (hard - FD_RESERVE) // 2)
        self.proxy = t.spawn_server("nat", os.path.join(self.bin, "ftplab-proxy"), [
            "--transparent", "-l", "0.0.0.0:%d" % PROXY_PORT,
            "--data-ports", "%d-%d" % DATA_PORTS, "--max-sessions", "20000",
            "--max-per-ip", "20000", "--idle-timeout", "600"], wait_port=PROXY_PORT)
        self.kproxy = t.spawn_server("nat", os.path.join(self.bin, "ftplab-proxy"), [
            "--transparent", "-l", "0.0.0.0:%d" % KPROXY_PORT, "--data-path", "kernel",
            "--data-ports", "%d-%d" % DATA_PORTS, "--idle-timeout", "600", "-v"],
            wait_port=KPROXY_PORT)
        self.wproxy = t.spawn_server("nat", os.path.join(self.bin, "ftplab-proxy"), [
            "--transparent", "-l", "0.0.0.0:%d" % WPROXY_PORT, "--workers", str(IDLE_WORKERS),
            "--max-sessions", "20000", "--max-per-ip", "20000", "--idle-timeout", "900"],
            wait_port=WPROXY_PORT)
        for p in (self.proxy, self.kproxy, self.wproxy):
            with open("/proc/%d/comm" % p.pid) as f:
                comm = f.read().strip()
            if comm != "ftplab-proxy":
                raise RuntimeError("pid %d is %s, not ftplab-proxy" % (p.pid, comm))
        self.alg_ok, self.alg_why = topo.ftp_alg_status()
        if not self.alg_ok:
            self.note("kernel FTP ALG unavailable (%s): (b) not measured" % self.alg_why)
        say("topology %s: server %s:21 (pid %d), proxy on nat :%d (pid %d)" % (
            t.prefix, SERVER, self.srv.pid, PROXY_PORT, self.proxy.pid))

    def client(self, node, args, timeout):
        r = self.t.run(node, [sys.executable, os.path.abspath(__file__), "client"] + args,
                       timeout=timeout)
        line = (r.stdout.strip().splitlines() or [""])[-1]
        if r.stderr.strip():
            errs = r.stderr.strip().splitlines()
            self.note("%s client %s, first error of %d shown: %s" % (
                node, args[0], len(errs), errs[0][:200]))
        return line

    # -- RETR
    def curl_retr(self, node, active):
        url = "ftp://%s/big" % SERVER
        argv = ["curl", "-sS", "--max-time", "600", "--connect-timeout", "5", "-o", "/dev/null",
                "-w", "%{size_download} %{time_pretransfer} %{time_total}\\n"]
        argv += ["-P", "-"] if active else []
        r = self.t.run(node, argv + [url], timeout=660)
        try:
            got, pre, total = r.stdout.split()
            got, secs = int(got), float(total) - float(pre)
        except ValueError:
            got, secs = 0, 0.0
        if r.returncode != 0 or got != self.size or secs <= 0:
            return None, "curl exit %d, %d bytes: %s" % (r.returncode, got, r.stderr.strip()[:200])
        return got / secs / 1e6, None

    def test_xfer(self):
        cases = [("retr.direct", "plain", "nat", False),
                 ("retr.alg", "alg", "client", True),
                 ("retr.proxy", "proxy", "client", True),
                 ("retr.kproxy", "kproxy", "client", True)]
        self.curl_retr("nat", False)     # warm-up, not counted
        for run in range(1, self.a.runs + 1):
            for key, rules, node, active in cases:
                if rules == "alg" and not self.alg_ok:
                    continue
                self.set_rules(rules)
                mbps, why = self.curl_retr(node, active)
                if mbps is None:
                    self.fail(key, "%s run %d failed: %s" % (key, run, why))
                else:
                    self.val[key] = max(self.val.get(key, 0.0), mbps)
            say("RETR run %d/%d: direct %.0f, ALG %.0f, proxy relay %.0f, proxy kernel path %.0f "
                "MB/s (best so far)" % (
                    run, self.a.runs, self.val.get("retr.direct", 0), self.val.get("retr.alg", 0),
                    self.val.get("retr.proxy", 0), self.val.get("retr.kproxy", 0)))
        self.set_rules("plain")
        # (d) really went through the kernel path, not a relay
        klog = self.kproxy.log()
        if "data-kernel" not in klog or "data-open" in klog:
            self.fail("retr.kproxy", "the --data-path kernel proxy did not hand its transfers "
                      "to the kernel: " + klog[-300:])
        # the proxy really relayed (c): its session log counts transfers
        self.check_proxy_alive("after RETR")

    # -- NOOP latency
    def test_noop(self):
        for key, rules in (("noop.direct", "plain"), ("noop.proxy", "proxy")):
            self.set_rules(rules)
            line = self.client("client", ["noop", SERVER, "21", str(self.a.noops)],
                               timeout=120)
            say("%s: %s" % (key, line))
            if kv(line, "ok") != str(self.a.noops):
                self.fail(key, "%s failed: %s" % (key, line or "no output"))
                continue
            self.val[key + ".p50"] = float(kv(line, "p50"))
            self.val[key + ".p99"] = float(kv(line, "p99"))
        self.set_rules("plain")

    # -- sessions per second
    def test_sessions(self):
        for key, rules in (("sess.direct", "plain"), ("sess.proxy", "proxy")):
            self.set_rules(rules)
            time.sleep(1)       # let TIME_WAIT of the last test settle a little
            line = self.client("client", ["sessions", SERVER, "21", "16", str(self.a.seconds),
                                          "/small", str(SMALL)], timeout=self.a.seconds + 60)
            say("%s: %s" % (key, line))
            rate = kv(line, "rate")
            if rate is None:
                self.fail(key, "%s: no result: %s" % (key, line or "no output"))
                continue
            self.val[key] = float(rate)
            e = int(kv(line, "errors") or 0)
            if e:
                self.err[key] = self.err.get(key, 0) + e
        self.set_rules("plain")

    # -- idle sessions through the proxy
    def test_idle(self):
        want = self.a.idle_sessions
        n = min(want, self.idle_fit)
        self.idle_n = n
        if n < want:
            self.note("idle: the file-descriptor hard limit (%d) lets %d workers hold at most "
                      "%d sessions (2 fds each, %d reserved): measuring %d, not %d" % (
                          resource.getrlimit(resource.RLIMIT_NOFILE)[1], IDLE_WORKERS,
                          self.idle_fit, FD_RESERVE, n, want))
        self.set_rules("wproxy")
        time.sleep(0.5)
        procs = self.wproxy_pids()
        before = sum(pss_kib(x) for x in procs)
        cap = 60 + n // 50
        p = self.t.popen("client", [sys.executable, os.path.abspath(__file__), "client", "idle",
                                    SERVER, "21", str(n), "64", str(cap), "900"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True)
        ready = ""
        try:
            ready = p.stdout.readline().strip()   # bounded by cap inside the client
            time.sleep(1)
            after = sum(pss_kib(x) for x in procs)
            nfd = sum(len(os.listdir("/proc/%d/fd" % x)) for x in procs)
            out, errtext = p.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            self.t.stop(p)
            out, errtext = "", "the idle client did not finish"
        final = (out.strip().splitlines() or [""])[-1]
        say("idle: %s | %s" % (ready, final))
        ok = int(kv(ready, "ok") or 0)
        e = int(kv(ready, "errors") or 1)
        if ok != n:
            e += 1
        if kv(final, "dropped") != "0":
            e += 1
        if errtext.strip():
            self.note("idle client: " + " / ".join(errtext.strip().splitlines()[:5]))
        self.err["idle"] = e
        self.val["idle.ok"] = ok
        self.val["idle"] = (after - before) / ok if ok else 0.0
        self.note("idle: ftplab-proxy --workers %d (parent and workers, pids %s): PSS %d KiB "
                  "before, %d KiB with %d sessions (%d fds open in all, opened in %s s): %.1f "
                  "KiB per session" % (IDLE_WORKERS, ", ".join(map(str, procs)), before, after,
                                       ok, nfd, kv(ready, "seconds"), self.val["idle"]))
        if e:
            self.note("idle sessions: %s | %s" % (ready, final))
        self.set_rules("plain")
        if self.wproxy.poll() is not None or len(self.wproxy_pids()) != 1 + IDLE_WORKERS:
            self.fail("idle", "the --workers proxy lost a process: " + self.wproxy.log()[-500:])

    def wproxy_pids(self):
        """The --workers proxy's parent and its workers."""
        pid = self.wproxy.pid
        with open("/proc/%d/task/%d/children" % (pid, pid)) as f:
            return [pid] + [int(x) for x in f.read().split()]

    def check_proxy_alive(self, when):
        if self.proxy.poll() is not None:
            self.fail("proxy", "ftplab-proxy exited %s (status %s); log tail: %s" % (
                when, self.proxy.returncode, self.proxy.log()[-500:]))
            raise RuntimeError("ftplab-proxy died")

    # -- report
    def report(self, started, load_avg):
        a = self.a
        rows = []
        any_err = False

        def verdict(keys, ok):
            nonlocal any_err
            if any(self.err.get(k) for k in keys):
                any_err = True
                return "ERRORS"
            return "PASS" if ok else "MISS"

        def cell(key, fmt="%.0f"):
            if key not in self.val:
                return "—"
            s = fmt % self.val[key]
            base = key.rsplit(".", 1)[0] if key.endswith((".p50", ".p99")) else key
            if self.err.get(base):
                s += " (%d errors)" % self.err[base]
            return s

        mib = a.size_mib
        rows.append(("RETR %d MiB, (a) direct, no NAT, passive (MB/s)" % mib,
                     cell("retr.direct"), "reference", "—"))
        rows.append(("RETR %d MiB, (b) NAT + kernel ALG, active (MB/s)" % mib,
                     cell("retr.alg"), "reference", "—" if self.alg_ok else "not measured"))
        rows.append(("RETR %d MiB, (c) NAT + ftplab-proxy transparent, active, relay "
                     "(--data-path relay, the default) (MB/s)" % mib,
                     cell("retr.proxy"), "reference", "—"))
        rows.append(("RETR %d MiB, (d) NAT + ftplab-proxy transparent, active, --data-path "
                     "kernel (MB/s)" % mib, cell("retr.kproxy"), "reference", "—"))
        b, c = self.val.get("retr.alg", 0), self.val.get("retr.proxy", 0)
        d = self.val.get("retr.kproxy", 0)
        rows.append(("RETR ratio (d)/(b): ftplab-proxy (kernel data path) vs the kernel ALG, "
                     "best of %d each" % a.runs, "%.3g×" % (d / b) if b and d else "—",
                     "≥ 0.9×", verdict(["retr.alg", "retr.kproxy"], b > 0 and d / b >= 0.9)))
        rows.append(("RETR ratio (c)/(b): the relay vs the kernel ALG",
                     "%.3g×" % (c / b) if b and c else "—", "information",
                     "ERRORS" if self.err.get("retr.proxy") else "—"))
        rows.append(("RETR ratio (c)/(a)", "%.3g×" % (c / self.val["retr.direct"])
                     if c and self.val.get("retr.direct") else "—", "information", "—"))
        for k, name in (("p50", "p50"), ("p99", "p99")):
            rows.append(("NOOP round trip %s, %d NOOPs, direct (through plain NAT) / proxied (µs)"
                         % (name, a.noops),
                         "%s / %s" % (cell("noop.direct." + k, "%.1f"),
                                      cell("noop.proxy." + k, "%.1f")), "information", "—"))
        d50, p50 = self.val.get("noop.direct.p50"), self.val.get("noop.proxy.p50")
        added = p50 - d50 if d50 is not None and p50 is not None else None
        rows.append(("added latency p50 (proxied − direct, µs)",
                     "%.1f" % added if added is not None else "—", "≤ 30 µs",
                     verdict(["noop.direct", "noop.proxy"], added is not None and added <= 30)))
        rows.append(("sessions/s, 16 clients, %g s, direct (through plain NAT) / proxied"
                     % a.seconds, "%s / %s" % (cell("sess.direct", "%.1f"),
                                               cell("sess.proxy", "%.1f")), "information", "—"))
        sd, sp = self.val.get("sess.direct"), self.val.get("sess.proxy")
        rows.append(("sessions/s ratio proxied/direct",
                     "%.3g×" % (sp / sd) if sd and sp else "—", "information",
                     "ERRORS" if self.err.get("sess.direct") or self.err.get("sess.proxy")
                     else "—"))
        if "idle" in self.val:
            n, want = self.idle_n, a.idle_sessions
            name = ("proxy PSS per idle proxied session, %s sessions, --workers %d (KiB)"
                    % (format(n, ","), IDLE_WORKERS))
            v = verdict(["idle"], self.val["idle.ok"] == n)
            if n < want:
                name += " — only %s of the %s asked for fit the fd limit" % (
                    format(n, ","), format(want, ","))
                if v == "PASS":
                    v = "NOT MEASURED at %s (held %s)" % (format(want, ","), format(n, ","))
            elif v == "PASS":
                v = "held"
            rows.append((name, "%.2f (%s logged in)" % (self.val["idle"],
                                                        format(self.val["idle.ok"], ",")),
                         "all %s logged in and held" % format(want, ","), v))
        if self.err.get("proxy"):
            any_err = True

        cpu = "unknown CPU"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1048576

        def version(b):
            r = subprocess.run([os.path.join(self.bin, b), "--version"], capture_output=True,
                               text=True, timeout=10)
            return (r.stdout.strip().splitlines() or ["?"])[0]
        curl = subprocess.run(["curl", "--version"], capture_output=True, text=True,
                              timeout=10).stdout.split()[1]
        lines = [
            "# ftplab-proxy: transparent proxy vs the kernel FTP ALG",
            "",
            "- date: " + started,
            "- machine: %s, %d cores, %.1f GiB memory, Linux %s" % (cpu, os.cpu_count(), mem,
                                                                  platform.release()),
            "- versions: %s; %s; curl %s; Python %s" % (version("ftplab-proxy"),
                                                       version("ftplab-server"), curl,
                                                       platform.python_version()),
            "- kernel FTP ALG: %s" % self.alg_why,
            "- load average at the start: %s (the benchmark wants an otherwise idle machine)"
            % load_avg,
            "- run: %s; RETR file %d MiB (sparse, in the page cache); %d NOOPs; %g s sessions "
            "runs; %s idle sessions asked, fd hard limit %d" % (
                "--quick (smoke test, not a result)" if a.quick else "full", a.size_mib,
                a.noops, a.seconds, format(a.idle_sessions, ","),
                resource.getrlimit(resource.RLIMIT_NOFILE)[1]),
            "- topology: client 10.0.1.2 — lan0 10.0.1.1 [nat] wan0 198.51.100.1 — server "
            "198.51.100.2:21 (ftplab-server -q --anonymous=rw); (a) runs curl in the nat "
            "namespace itself, straight to the server; proxy: ftplab-proxy --transparent "
            "-l 0.0.0.0:%d --data-ports %d-%d, REDIRECT of tcp 21 and %d:%d on lan0; (d): a "
            "second ftplab-proxy --transparent --data-path kernel on :%d, REDIRECT of tcp 21 "
            "only, and FORWARD accepting DNAT'ed connections" % (
                PROXY_PORT, DATA_PORTS[0], DATA_PORTS[1], DATA_PORTS[0], DATA_PORTS[1],
                KPROXY_PORT),
            "",
            "| metric | value(s) | target | verdict |",
            "|---|---|---|---|",
        ] + ["| %s | %s | %s | %s |" % r for r in rows] + [
            "",
            "MB/s = 10^6 bytes/s, from curl's pretransfer time to the end (best of %d). "
            "NOOP: one session, sequential NOOPs after 50 unmeasured ones, each timed from send "
            "to the complete 200 (Python client, the same for both paths). A session = connect, "
            "banner, USER, PASS, TYPE I, EPSV, RETR of a 64 KiB file, 226, QUIT, 221, close "
            "(asyncio client, 16 concurrent). PSS per session = (proxy PSS with the sessions "
            "open − before) / sessions, from /proc/PID/smaps_rollup; kernel socket memory is "
            "not counted. See bench/README.md." % a.runs,
        ]
        if self.notes:
            lines += ["", "Notes:"] + ["- " + n for n in self.notes]
        text = "\n".join(lines) + "\n"
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
        return any_err


def run_main(argv):
    p = argparse.ArgumentParser(prog="proxy_bench.py run")
    p.add_argument("bindir")
    p.add_argument("out")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--size-mib", type=int, default=1024)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--noops", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=5)
    p.add_argument("--idle-sessions", type=int, default=10000)
    p.add_argument("--only", default="xfer,noop,sessions,idle")
    p.add_argument("--keep", action="store_true")
    a = p.parse_args(argv)
    only = set(a.only.split(","))
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    with open("/proc/loadavg") as f:
        load_avg = " ".join(f.read().split()[:3])
    b = Bench(a)
    status = 0
    try:
        b.start()
        try:
            # memory first, while the proxy is fresh (as bench/server.sh does)
            if "idle" in only:
                b.test_idle()
            if "xfer" in only:
                b.test_xfer()
            if "noop" in only:
                b.test_noop()
            if "sessions" in only:
                b.test_sessions()
            b.check_proxy_alive("at the end")
        except (RuntimeError, b.topo.TopologyError, subprocess.TimeoutExpired) as e:
            b.fail("proxy", "benchmark stopped: %s" % e)
        if b.report(started, load_avg):
            status = 1
    finally:
        if getattr(b, "t", None) is not None:
            b.t.close()
    return status


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "client":
        signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
        client_main(sys.argv[2:])
    elif len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(run_main(sys.argv[2:]))
    else:
        sys.exit("usage: proxy_bench.py run BIN_DIR OUT [options] | client MODE ...")
