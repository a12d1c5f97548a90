"""Middle boxes that shape or police traffic rather than forward it:

    SlowLink(node, iface, rate="1mbit", delay="120ms", loss="0.5%",
             fallback_reply_delay=120)
        a slow link out of iface: a tbf rate limit (sch_tbf) and, where the
        kernel has sch_netem, netem delay and loss in front of it. Without
        sch_netem (some kernels lack it: CONFIG_NET_SCH_NETEM unset) the run
        says so, and the control channel is made slow by the server instead:
        ftplab-server is restarted with --fault reply-delay=MS. After setup,
        .netem (bool), .netem_error, .control_delay_ms and .delay_by ("link",
        "server" or None) say what was done; checks read them
        (expect_extra.control_latency). After the phase the server is
        started again without the fault if the next phase keeps it.

    LoginBan(node="server", maxretry=3, port=21)
        a small fail2ban in the server's namespace: follows the server's log
        and, after maxretry failed logins from one address, refuses that
        address's new connections to port 21 (iptables chain f2b-ftp, as
        fail2ban's own chains are named f2b-<jail>). Its log:
        [N-]fail2ban.log. .banned (after the phase) lists what it banned.

qdisc_status(kind) says whether the kernel has a queueing discipline,
probed in a throwaway network namespace (unshare --net), never in the
host's."""
import dataclasses
import os
import re
import shutil
import subprocess
import sys
import time

import topo  # tests/netns/topo.py (labkit/__init__.py puts it on sys.path)

from .middleboxes import Middlebox

EXTRA_TOOLS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "extra_tools.py")

_qdisc_status = {}

PROBE_ARGS = {"netem": ["delay", "1ms"], "tbf": ["rate", "1mbit", "burst", "16kb",
                                                 "latency", "300ms"]}


def qdisc_status(kind):
    """(available, why) for a tc qdisc kind ("netem", "tbf"): tried on lo
    of a new, empty network namespace that vanishes with the probe (the
    host's interfaces and qdiscs are not touched). Probed once."""
    if kind in _qdisc_status:
        return _qdisc_status[kind]
    tc, unshare = shutil.which("tc"), shutil.which("unshare")
    if not tc:
        res = (False, "no tc command (iproute2)")
    elif not unshare:
        res = (True, "not probed (no unshare command)")
    else:
        try:
            r = subprocess.run([unshare, "--net", tc, "qdisc", "add", "dev", "lo", "root", kind]
                               + PROBE_ARGS.get(kind, []), capture_output=True, text=True,
                               timeout=10)
            res = ((True, "sch_%s: available" % kind) if r.returncode == 0 else
                   (False, "sch_%s: %s" % (kind, (r.stderr or r.stdout).strip()
                                           or "exit %d" % r.returncode)))
        except (OSError, subprocess.SubprocessError) as e:
            res = (True, "not probed (%s)" % e)
    _qdisc_status[kind] = res
    return res


class SlowLink(Middlebox):
    """tc on `iface` of `node` (egress: what leaves node through iface):

        tc qdisc add dev IFACE root handle 1: netem delay DELAY loss LOSS
        tc qdisc add dev IFACE parent 1:1 handle 10: tbf rate RATE burst BURST latency LAT

    (tbf at the root when there is no sch_netem). delay=None or loss=None
    leaves that part out; fallback_reply_delay=None: no fallback."""

    def __init__(self, node, iface, rate="1mbit", burst="16kb", latency="300ms",
                 delay="120ms", loss="0.5%", fallback_reply_delay=120, why=""):
        self.node, self.iface, self.rate, self.burst = node, iface, rate, burst
        self.latency, self.delay, self.loss = latency, delay, loss
        self.fallback_reply_delay, self.why = fallback_reply_delay, why
        self.netem = None
        self.netem_error = ""
        self.control_delay_ms = None
        self.delay_by = None
        self._restarted = None     # (setup, proc) of the fallback's server

    @property
    def rate_bytes(self):
        """The tbf rate in bytes per second (tc's units: kbit = 1000 bit/s)."""
        m = re.match(r"^(\d+(?:\.\d+)?)(bit|kbit|mbit|gbit|bps|kbps|mbps)$", self.rate)
        if not m:
            raise ValueError("rate %r: write it like 1mbit or 512kbit" % self.rate)
        n, unit = float(m.group(1)), m.group(2)
        mult = {"bit": 1, "kbit": 1e3, "mbit": 1e6, "gbit": 1e9,
                "bps": 8, "kbps": 8e3, "mbps": 8e6}[unit]
        return n * mult / 8

    def requires(self, lab):
        ok, why = qdisc_status("tbf")
        return None if ok else "the kernel cannot rate-limit a link here: " + why

    def setup(self, lab):
        self.netem, self.netem_error, self.control_delay_ms, self.delay_by = False, "", None, None
        spec = []
        if self.delay:
            spec += ["delay", self.delay]
        if self.loss:
            spec += ["loss", self.loss]
        tbf_at = ["root", "handle", "1:"]
        if spec:
            argv = ["tc", "qdisc", "add", "dev", self.iface, "root", "handle", "1:", "netem"] + spec
            r = lab.t.run(self.node, argv)
            if r.returncode == 0:
                self.netem = True
                tbf_at = ["parent", "1:1", "handle", "10:"]
                if self.delay:
                    self.control_delay_ms = _ms(self.delay)
                    self.delay_by = "link"
                lab.ran(self.node, " ".join(argv),
                        "sch_netem: every packet leaving %s waits %s%s" % (
                            self.iface, self.delay or "0ms",
                            ", and %s of them are dropped" % self.loss if self.loss else ""))
            else:
                self.netem_error = (r.stderr or r.stdout or "exit %d" % r.returncode).strip()
                lab.ran(self.node, " ".join(argv),
                        "FAILED: %s -- this kernel has no sch_netem (CONFIG_NET_SCH_NETEM), so "
                        "no delay and no loss on the link" % self.netem_error)
        argv = ["tc", "qdisc", "add", "dev", self.iface] + tbf_at + [
            "tbf", "rate", self.rate, "burst", self.burst, "latency", self.latency]
        lab.t.run(self.node, argv, check=True)
        lab.ran(self.node, " ".join(argv),
                "sch_tbf: at most %s (%.0f bytes/s) leaves %s; a queue of up to %s, then drops%s"
                % (self.rate, self.rate_bytes, self.iface, self.latency,
                   ". " + self.why if self.why else ""))
        if spec and not self.netem and self.delay and self.fallback_reply_delay:
            self._fallback(lab)

    def _fallback(self, lab):
        """No netem: make the control channel slow at the server instead."""
        from .servers import SERVERS
        ms = int(self.fallback_reply_delay)
        if lab.server != "ftplab":
            lab.ran("server", "(no fallback)", "vsftpd cannot delay its replies: without "
                    "sch_netem the control channel stays fast in this run, only the rate "
                    "limit remains (the latency checks do not apply)")
            return
        phase = lab.scenario.phases[lab.phase_no - 1] if lab.phase_no else None
        setup = lab.scenario.server_setup(phase)
        self._stop_servers(lab)
        fault = ("--fault", "reply-delay=%d" % ms)
        lab.ran("server", "(stopped, to start again with --fault reply-delay=%d)" % ms,
                "instead of the link's delay, ftplab-server sends every reply %d ms late" % ms)
        self._restarted = (setup, SERVERS["ftplab"]().start(lab, dataclasses.replace(
            setup, ftplab_args=tuple(setup.ftplab_args) + fault), lab.root))
        self.control_delay_ms = ms
        self.delay_by = "server"

    @staticmethod
    def _stop_servers(lab):
        for node, _, proc in lab.procs:
            if node == "server" and proc.poll() is None:
                lab.t.stop(proc)

    def _undo_fallback(self, lab):
        """After the phase: the server as the runner believes it to be. When
        the next phase keeps the same ServerSetup, ftplab-server runs again
        without the fault; otherwise the runner starts the next one itself."""
        setup, proc = self._restarted
        self._restarted = None
        phases = lab.scenario.phases
        nxt = phases[lab.phase_no] if lab.phase_no < len(phases) else None
        if nxt is None:
            return                           # the end: the topology stops it
        from .servers import SERVERS
        lab.t.stop(proc)
        if lab.scenario.server_setup(nxt) is setup:
            SERVERS["ftplab"]().start(lab, setup, lab.root)

    def teardown(self, lab):
        try:
            lab.t.run(self.node, ["tc", "qdisc", "del", "dev", self.iface, "root"], timeout=10)
        except Exception:        # the namespace may be gone already
            pass
        if getattr(self, "_restarted", None):
            self._undo_fallback(lab)
        super().teardown(lab)

    def describe(self):
        """One line for people: what this run's link was."""
        parts = ["tbf %s" % self.rate]
        if self.netem:
            parts.append("netem %s" % " ".join(x for x in (
                "delay " + self.delay if self.delay else "",
                "loss " + self.loss if self.loss else "") if x))
        elif self.netem is False and self.delay:
            parts.append("no netem (%s)" % (self.netem_error or "not available"))
        if self.delay_by == "server":
            parts.append("ftplab-server --fault reply-delay=%d" % self.control_delay_ms)
        return ", ".join(parts)


def _ms(text):
    m = re.match(r"^(\d+(?:\.\d+)?)(us|ms|s)?$", text)
    if not m:
        raise ValueError("a time like 120ms: %r" % text)
    return float(m.group(1)) * {"us": 1e-3, "ms": 1.0, "s": 1000.0, None: 1.0}[m.group(2)]


class LoginBan(Middlebox):
    """A fail2ban-like ban of the addresses that fail to log in maxretry
    times: extra_tools.py banwatch in node, following the server's log
    (ftplab-server -v writes `login-failed [ADDR:PORT] ...`)."""

    CHAIN = "f2b-ftp"

    def __init__(self, node="server", maxretry=3, port=21, why=""):
        self.node, self.maxretry, self.port, self.why = node, maxretry, port, why
        self.log_path = None

    def requires(self, lab):
        if lab.server != "ftplab":
            return "LoginBan reads ftplab-server's log"
        return None

    def setup(self, lab):
        server_log = lab.out_path(lab.server_log_name())
        for n in range(lab.phase_no, 0, -1):        # the log of the server now running
            name = "server.log" if n <= 1 else "%d-server.log" % n
            if os.path.exists(lab.out_path(name)):
                server_log = lab.out_path(name)
                break
        lab.t.iptables(self.node, "-N", self.CHAIN)
        self._chain = True
        jump = self.rule(lab, self.node, "-I", "INPUT", "-p", "tcp", "--dport", self.port,
                         "-j", self.CHAIN)
        log = "%sfail2ban.log" % lab.phase_prefix
        self.log_path = lab.out_path(log)
        argv = [sys.executable, EXTRA_TOOLS, "banwatch", server_log, self.CHAIN, str(self.port),
                str(self.maxretry), "1800"]
        proc = self.spawn(lab, self.node, argv, log=log)
        end = time.monotonic() + topo.READY_TIMEOUT
        while "watching" not in _read(self.log_path):
            if proc.poll() is not None or time.monotonic() > end:
                raise topo.TopologyError("banwatch did not start: %s" % _read(self.log_path))
            time.sleep(0.02)
        lab.ran(self.node, "iptables -N %s; iptables %s" % (self.CHAIN, " ".join(jump)),
                "new connections to port %s go through the chain %s first (empty for now)"
                % (self.port, self.CHAIN))
        lab.ran(self.node, "python3 extra_tools.py banwatch %s %s %s %s 1800" % (
            os.path.basename(server_log), self.CHAIN, self.port, self.maxretry),
            "a small fail2ban: after %d login-failed lines from one address in the server's "
            "log, `iptables -A %s -s ADDR -p tcp --dport %s --syn -j REJECT`; log: %s%s"
            % (self.maxretry, self.CHAIN, self.port, log, ". " + self.why if self.why else ""))

    @property
    def banned(self):
        return re.findall(r"\] Ban (\S+):", _read(self.log_path)) if self.log_path else []

    def teardown(self, lab):
        super().teardown(lab)           # stops banwatch, removes the jump
        if getattr(self, "_chain", False):
            for args in (("-F", self.CHAIN), ("-X", self.CHAIN)):
                try:
                    lab.t.iptables(self.node, *args)
                except Exception:
                    pass
            self._chain = False


def _read(path):
    try:
        with open(path, errors="replace") as f:
            return f.read()
    except OSError:
        return ""
