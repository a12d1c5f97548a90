"""run(): one scenario from start to end. Builds the layout (namespaces
ftplab-lab-<node>), prepares and starts the server, then for each phase sets
up its middle boxes, starts the captures, runs the client's action, stops
the captures, decodes each with ftplab-analyzer (--json for the checks,
--text --explain for people), checks the expected outcome, and removes
everything at the end (or leaves it up with keep=True).

run() returns a RunResult: per phase the client's result, the checks'
facts and, per capture, the pcap, the analyzer's JSON (file and parsed
records) and text. It is also saved as result.json in the out folder. A
recorder (`lab record`, labkit/record.py) takes the captures from it
rather than run anything again. The hooks file_content and around_client
(see Lab) serve `lab record` (small seeded files) and `run --live`."""
import dataclasses
import json
import os
import re
import signal
import subprocess
import time

import topo  # tests/netns/topo.py (labkit/__init__.py puts it on sys.path)

from . import clients, layouts, state
from .clients import CLIENTS
from .expect import Fact
from .report import Printer
from .spec import Skip, UsageError
from .servers import SERVERS, make_root

CAPTURE_BUFFER_KIB = 32768   # tcpdump -B
SETTLE = 0.3            # seconds after the client, for the last packets to be captured
ANALYZER_TIMEOUT = 60
HOLD_ENV = "FTPLAB_LAB_TEST_HOLD"   # tests: seconds to wait before the client runs


class Terminated(BaseException):
    """SIGTERM or SIGHUP arrived (SIGINT raises KeyboardInterrupt)."""

    def __init__(self, sig):
        super().__init__("signal %d" % sig)
        self.sig = sig


def install_signal_handlers():
    """SIGTERM/SIGHUP raise Terminated, so that every `finally` runs. Call
    before the first Topology: topo's own handlers (which close every open
    topology first) chain to these."""
    def handler(sig, frame):
        raise Terminated(sig)
    for sig in (signal.SIGTERM, signal.SIGHUP):
        if signal.getsignal(sig) != signal.SIG_IGN:
            signal.signal(sig, handler)


# ---------------------------------------------------------------- results

@dataclasses.dataclass
class CaptureResult:
    label: str
    node: str
    iface: str
    pcap: str
    json_path: str
    text_path: str
    records: list
    text: str
    analyzer_error: str = ""


@dataclasses.dataclass
class PhaseResult:
    name: str
    expect: str
    because: str
    as_expected: bool
    facts: list
    client: object
    captures: dict
    ran: list
    action: dict


@dataclasses.dataclass
class RunResult:
    scenario: str
    server: str
    client: str
    ok: bool
    out_dir: str
    phases: list
    kept: bool
    nodes: dict
    vars: dict
    procs: list
    tmp: str
    files: dict
    seconds: float = 0.0

    def as_dict(self):
        d = dataclasses.asdict(self)
        for p in d["phases"]:
            for c in p["captures"].values():
                c.pop("records")       # they are in the .jsonl files
                c.pop("text")
        return d


# ---------------------------------------------------------------- the lab context

class Lab:
    """What servers, clients, middle boxes and custom actions see of a run:
    t (the topo.Topology), vars, files ({name: sha256} of the served files),
    root (the served folder), and helpers."""

    def __init__(self, scenario, server, client, bin_dir, out_dir):
        self.scenario, self.server, self.client_kind = scenario, server, client
        self.bin_dir, self.out_dir = bin_dir, out_dir
        self.t = None
        self.vars = {}
        self.files = {}
        self.root = None
        self.phase_prefix = ""
        self.phase_no = 0
        self.ran_lines = []
        self.procs = []          # [(node, what, Popen)]
        # hooks of run() (None: the plain run): file_content(name, content) ->
        # the content served instead (`lab record`: small files from fixed
        # seeds); around_client(lab, phase, run_client) -> ClientResult runs
        # the client's action (run_client()) with something around it (`run
        # --live`: the analyzer's screens on the middle box)
        self.file_content = None
        self.around_client = None

    def bin(self, name):
        return os.path.join(self.bin_dir, name)

    def resolve(self, value):
        """"@name" (anywhere in the string, e.g. "@nat_public:2121") -> the
        layout's address of that name."""
        if not isinstance(value, str) or "@" not in value:
            return value

        def sub(m):
            if m.group(1) not in self.vars:
                raise KeyError("no address @%s in this layout (have: %s)"
                               % (m.group(1), ", ".join("@" + k for k in self.vars)))
            return self.vars[m.group(1)]
        return re.sub(r"@(\w+)", sub, value)

    def home(self, node):
        """A folder for node's files (the client's downloads), under t.tmp."""
        path = os.path.join(self.t.tmp, node)
        os.makedirs(path, exist_ok=True)
        return path

    def out_path(self, name):
        return os.path.join(self.out_dir, name)

    def spawn(self, node, argv, wait_port=None, log=None):
        """A long-running process in node (server, proxy), its output in the
        out folder (log), ready when wait_port listens."""
        proc = self.t.spawn_server(node, list(map(str, argv)), wait_port=wait_port,
                                   log=self.out_path(log) if log else None)
        self.procs.append((node, os.path.basename(str(argv[0])), proc))
        return proc

    def server_log_name(self, name="server.log"):
        """server.log; "3-server.log" for a server (re)started in phase 3."""
        return name if self.phase_no <= 1 else "%d-%s" % (self.phase_no, name)

    def ran(self, who, what, note=""):
        """Record a line of "what ran" (printed before the client runs)."""
        self.ran_lines.append((who, what, note))

    def run_client(self, argv, tool, explain=None, timeout=clients.RUN_TIMEOUT, log=None):
        """Run a client command line in the client node (bounded); a ClientResult."""
        return clients.run_argv(self, argv, tool, explain, timeout, log)


# ---------------------------------------------------------------- run

def check_variant(scn, server, client, lab):
    why = scn.variant_problem(server, client)
    if why:
        raise UsageError(why)
    reasons = [SERVERS[server]().requires(lab), CLIENTS[client]().requires()]
    for p in scn.phases:
        reasons += [mb.requires(lab) for mb in p.middleboxes]
    reasons = [r for r in reasons if r]
    if reasons:
        raise Skip("; ".join(reasons))


def prepare_out(out_dir):
    """The out folder, emptied of an earlier run's files."""
    os.makedirs(out_dir, exist_ok=True)
    for f in os.listdir(out_dir):
        if re.search(r"\.(pcap|jsonl|txt|log)$", f) or f == "result.json":
            os.unlink(os.path.join(out_dir, f))


def capture(t, node, iface, path, timeout=topo.READY_TIMEOUT):
    """tcpdump on iface in node into path, as topo's capture() but with a
    32 MiB kernel buffer (-B): with the default one, a 1 MiB transfer over
    veth at memory speed loses packets at the capture point."""
    if not topo._which("tcpdump"):
        raise Skip("tcpdump is not installed (./ftplab setup)")
    errlog = path + ".log"
    with open(errlog, "ab") as f:
        proc = t.popen(node, [topo.TCPDUMP, "-n", "-i", iface, "-U", "--immediate-mode",
                              "-B", str(CAPTURE_BUFFER_KIB), "-Z", "root", "-s", "0", "-w", path],
                       stdout=f, stderr=subprocess.STDOUT)
    proc.pcap_path, proc.log_path = path, errlog
    end = time.monotonic() + timeout
    while "listening on" not in topo._read(errlog):
        if proc.poll() is not None or time.monotonic() > end:
            t.stop(proc)
            raise topo.TopologyError("tcpdump on %s:%s did not start: %s"
                                     % (node, iface, topo._read(errlog).strip()))
        time.sleep(0.02)
    return proc


def analyze(lab, label, node, iface, pcap, extra=()):
    """ftplab-analyzer --json and --text --explain of pcap, with the
    scenario's and phase's analyzer_args (extra) on both."""
    base = pcap[:-len(".pcap")]
    jpath, tpath = base + ".jsonl", base + ".txt"
    exe = lab.bin("ftplab-analyzer")
    extra = list(extra)
    err = ""
    r = subprocess.run([exe, "-r", pcap] + extra + ["--json", "-o", jpath], capture_output=True,
                       text=True, timeout=ANALYZER_TIMEOUT)
    if r.returncode != 0:
        err = "ftplab-analyzer --json: exit %d: %s" % (r.returncode, r.stderr.strip())
    records = []
    try:
        with open(jpath) as f:
            records = [json.loads(ln) for ln in f if ln.strip()]
    except (OSError, ValueError) as e:
        err = err or "reading %s: %s" % (jpath, e)
    r = subprocess.run([exe, "-r", pcap] + extra + ["--text", "--explain", "-o", tpath],
                       capture_output=True, text=True, timeout=ANALYZER_TIMEOUT)
    text = topo._read(tpath)
    if r.returncode != 0:
        text += "\n(ftplab-analyzer --text: exit %d: %s)" % (r.returncode, r.stderr.strip())
    return CaptureResult(label, node, iface, pcap, jpath, tpath, records, text, err)


class Evidence:
    """What the checks read (labkit.expect)."""

    def __init__(self, lab, phase, client_res, caps):
        self.records = {k: c.records for k, c in caps.items()}
        self.client = client_res
        self.action = phase.action
        self.files = lab.files
        self.server, self.client_kind = lab.server, lab.client_kind
        self.resolve = lab.resolve


def run(scn, server, client, out_dir, bin_dir, keep=False, printer=None, file_content=None,
        around_client=None):
    """Run scenario scn with the --server/--client variants; return a
    RunResult. Raises UsageError (wrong variant, a lab is up), Skip (this
    machine cannot), KeyboardInterrupt/Terminated (after removing all).
    file_content and around_client: the hooks described in Lab."""
    pr = printer or Printer()
    started = time.monotonic()
    lab = Lab(scn, server, client, bin_dir, out_dir)
    lab.file_content, lab.around_client = file_content, around_client
    check_variant(scn, server, client, lab)
    layout = scn.get_layout()
    st = {"scenario": scn.name, "server": server, "client": client, "pid": os.getpid(),
          "kept": False, "started": time.strftime("%Y-%m-%d %H:%M:%S"), "out": out_dir}
    with state.locked():
        why = state.busy()
        if why:
            raise UsageError("cannot run %s now: %s" % (scn.name, why))
        state.write(st)
    prepare_out(out_dir)
    kept = False
    t = None
    try:
        pr.header(scn, server, client)
        t = layout.build(state.PREFIX, keep, **scn.layout_options)
        lab.t = t
        lab.vars = layout.vars(t)
        st.update(nodes=dict(t.nodes), tmp=t.tmp, vars=lab.vars)
        state.write(st)
        pr.topology(layouts.draw(layout, t.addrs, scn.captures_for(scn.phases[0])),
                    layout.notes, t.nodes)
        phases = run_phases(lab, scn, keep, pr)
        ok = all(p.as_expected for p in phases)
        result = RunResult(scn.name, server, client, ok, out_dir, phases, keep, dict(t.nodes),
                           lab.vars, [dict(node=n, what=w, pid=p.pid, args=list(map(str, p.args)))
                                      for n, w, p in lab.procs], t.tmp, dict(lab.files))
        if keep:
            st.update(kept=True, procs=result.procs)
            state.write(st)
            t.release()
            kept = True
        else:
            t.close(verify=False)
        result.seconds = round(time.monotonic() - started, 2)
        with open(os.path.join(out_dir, "result.json"), "w") as f:
            json.dump(result.as_dict(), f, indent=1, default=str)
        finish(pr, scn, result, lab, t)
        return result
    finally:
        if t is not None and not kept:
            t.close(verify=False)
        if not kept:
            state.clear()
        give_to_sudo_user(out_dir)


def run_phases(lab, scn, keep, pr):
    results = []
    server_proc, current = None, None
    n = len(scn.phases)
    for i, phase in enumerate(scn.phases, 1):
        lab.phase_prefix = "" if n == 1 else "%d-%s" % (i, phase.tag + "-" if phase.tag else "")
        lab.ran_lines = []
        lab.phase_no = i
        pr.section("Phase %d/%d: %s" % (i, n, phase.name) if n > 1 else phase.name)
        setup = scn.server_setup(phase)
        if setup is not current:
            if server_proc is not None:
                lab.t.stop(server_proc)
            served = setup
            if lab.file_content:
                served = dataclasses.replace(setup, files={
                    name: lab.file_content(name, content) for name, content in setup.files.items()})
            lab.root, lab.files = make_root(lab, served)
            server_proc = SERVERS[lab.server]().start(lab, setup, lab.root)
            current = setup
        else:
            lab.ran("server", "(still running from the phase before)")
        boxes = []
        try:
            for mb in phase.middleboxes:
                boxes.append(mb)
                mb.setup(lab)
            results.append(run_phase(lab, scn, phase, pr))
        finally:
            if not (keep and i == n):
                for mb in reversed(boxes):
                    mb.teardown(lab)
    return results


def run_phase(lab, scn, phase, pr):
    t = lab.t
    caps = {}
    for label, (node, iface) in scn.captures_for(phase).items():
        path = lab.out_path("%s%s.pcap" % (lab.phase_prefix, label))
        caps[label] = (node, iface, capture(t, node, iface, path))
        lab.ran("capture", "%s = tcpdump -i %s in %s -> %s" % (label, iface, node,
                                                                os.path.basename(path)))
    lab.ran("client", phase.action.describe(lab, lab.client_kind))
    pr.line("What runs:")
    pr.ran(lab.ran_lines)
    hold = os.environ.get(HOLD_ENV)
    if hold:
        pr.line("(%s: holding %s s before the client runs)" % (HOLD_ENV, hold))
        time.sleep(min(float(hold), 30.0))
    if lab.around_client:
        res = lab.around_client(lab, phase, lambda: phase.action.run(lab, lab.client_kind))
    else:
        res = phase.action.run(lab, lab.client_kind)
    pr.client(res)
    time.sleep(SETTLE)
    for label, (node, iface, proc) in caps.items():
        t.stop(proc)
        m = re.search(r"(\d+) packets? dropped by kernel", topo._read(proc.log_path))
        if m and int(m.group(1)):
            pr.line("  (capture %s: tcpdump says %s packets were dropped by the kernel: gaps the "
                    "analyzer reports there are the capture's, not the network's)"
                    % (label, m.group(1)))
        try:
            os.unlink(proc.log_path)       # tcpdump's own chatter
        except OSError:
            pass
    extra = tuple(scn.analyzer_args) + tuple(phase.analyzer_args)
    analyzed = {label: analyze(lab, label, node, iface, proc.pcap_path, extra)
                for label, (node, iface, proc) in caps.items()}
    for c in analyzed.values():
        if extra:
            pr.analyzer(c.label, c.node, c.iface, c.pcap, c.text, c.text_path, args=extra)
        else:
            pr.analyzer(c.label, c.node, c.iface, c.pcap, c.text, c.text_path)
    ev = Evidence(lab, phase, res, analyzed)
    facts = [c.evaluate(ev) for c in phase.checks]
    facts += [Fact(False, "the analyzer decoded %s" % c.label, c.analyzer_error)
              for c in analyzed.values() if c.analyzer_error]
    as_expected = all(f.ok is not False for f in facts)
    pr.verdict(phase, facts, as_expected)
    action = (dataclasses.asdict(phase.action) if dataclasses.is_dataclass(phase.action)
              else {"op": "custom", "describe": phase.action.describe(lab, lab.client_kind)})
    return PhaseResult(phase.name, phase.expect, phase.because, as_expected, facts, res,
                       analyzed, list(lab.ran_lines), action)


def finish(pr, scn, result, lab, t):
    paths = []
    for p in result.phases:
        for c in p.captures.values():
            paths += [c.pcap, c.json_path, c.text_path]
        if p.client.log_path:
            paths.append(p.client.log_path)
    paths += sorted(lab.out_path(f) for f in os.listdir(lab.out_dir)
                    if f.endswith(".log") and lab.out_path(f) not in paths)
    paths.append(lab.out_path("result.json"))
    pr.files(result.out_dir, paths)
    if result.kept:
        pr.section("The lab stays up (--keep)")
        pr.line("  namespaces: " + ", ".join(t.nodes.values()))
        for node, what, proc in lab.procs:
            if proc.poll() is None:
                pr.line("  running:    %s (pid %d) in %s" % (what, proc.pid, node))
        pr.line("Explore it:")
        pr.line("  ./ftplab lab shell %s client   # a shell inside the client's namespace"
                % scn.name)
        for cmd in scn.explore:
            pr.line("  " + lab.resolve(cmd))
        pr.line("  ./ftplab lab shell %s %s -c 'ftplab-analyzer -i %s --text'   # watch live"
                % ((scn.name,) + scn.captures_for(scn.phases[-1])[
                    list(scn.captures_for(scn.phases[-1]))[-1]]))
        pr.line("Remove it: ./ftplab lab down")
    else:
        pr.line()
        pr.para("Cleanup: deleted the namespaces %s with their links and iptables rules; "
                "stopped every process." % ", ".join(t.nodes.values()), "", "  ")
    pr.line()
    n = len(result.phases)
    if result.ok:
        what = ["%s%s" % ("failed" if p.expect == "fails" else "worked",
                          " in phase %d" % i if n > 1 else "")
                for i, p in enumerate(result.phases, 1)]
        pr.line("RESULT: as expected: %s (%.1f s)" % (", ".join(what), result.seconds))
    else:
        pr.line("RESULT: UNEXPECTED in %s (%.1f s)" % (", ".join(
            "phase %d (%s)" % (i, p.name) for i, p in enumerate(result.phases, 1)
            if not p.as_expected), result.seconds))


def give_to_sudo_user(out_dir):
    """Under sudo, the captures belong to the user who ran sudo."""
    uid, gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if not (uid and gid and uid.isdigit() and gid.isdigit()) or not os.path.isdir(out_dir):
        return
    for base, dirs, files in os.walk(out_dir):
        for name in [base] + [os.path.join(base, f) for f in files]:
            try:
                os.chown(name, int(uid), int(gid))
            except OSError:
                pass
