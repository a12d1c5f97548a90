"""The scenario format: Scenario (what lab/<name>/scenario.py declares),
Phase (one step: middle boxes, a client action, captures, the expected
outcome as checks), and the loader of lab/<name>/scenario.py files."""
import dataclasses
import importlib.util
import os
import re

WORKS = "works"     # the phase's client action must succeed
FAILS = "fails"     # ... must fail, in the way the checks describe

LAB_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class UsageError(Exception):
    """A wrong command line: unknown scenario, a variant the scenario cannot
    do, not root. lab.py exits 2 with the message."""


class Skip(Exception):
    """This machine cannot run the scenario (no kernel FTP helper, vsftpd or
    lftp not installed). lab.py exits 77 (ctest: skipped) with the message."""


@dataclasses.dataclass
class Phase:
    """One step of a scenario, run on the scenario's topology and server.

    name        what the step does, in a few words ("active download through the bare NAT")
    action      the client's action: Download(...), Upload(...), Listing(...), or an
                object with describe(lab, client) and run(lab, client) -> ClientResult
    expect      WORKS or FAILS: what the student should see happen
    because     one sentence: why it works or fails (printed with the verdict)
    checks      the expected outcome, as checks over the analyzer's JSON records of
                the captures and over the client's result (labkit.expect); all
                must hold for the outcome to be the expected one
    middleboxes what runs between client and server in this phase (KernelAlg(),
                TransparentProxy(), Firewall(...), Netem(...)...): set up before
                the captures start, removed after the phase (kept with --keep
                after the last phase)
    captures    {label: (node, iface)}: replaces the scenario's captures for this phase
    server      a ServerSetup that replaces the scenario's for this phase (the
                server is restarted with it)
    tag         a short word for the file names of a multi-phase scenario's
                phase: "2-fxp-outside.pcap" (default: "2-outside.pcap")
    note        printed after the verdict: what else the student sees and why
                (e.g. a diagnostic that is not the lesson's)
    analyzer_args  extra ftplab-analyzer options for this phase's captures, after
                the scenario's (e.g. ("--slow-reply", "100"), ("--show-passwords",))
    """
    name: str
    action: object
    expect: str
    because: str
    checks: list
    middleboxes: list = dataclasses.field(default_factory=list)
    captures: dict = None
    server: object = None
    tag: str = None
    note: str = None
    analyzer_args: tuple = ()


@dataclasses.dataclass
class Scenario:
    """What lab/<name>/scenario.py declares as `scenario = Scenario(...)`.

    title       a short title ("Active mode behind a NAT, no ALG")
    lesson      one line: what the student learns (shown by `list` and `run`)
    phases      [Phase, ...], run in order on one topology
    layout      "direct", "nat", "server-nat", "firewall", "ipv6-proxy" (labkit.layouts) or a Layout
    layout_options  keyword arguments for the layout (e.g. {"ipv6": True})
    server      ServerSetup: files served, anonymous access, passive ports, options
    servers     the --server variants that make sense, the default first
    clients     the --client variants that make sense, the default first
    not_with    {variant: why}: an explanation printed when someone asks for a
                variant that is not in servers/clients
    captures    {label: (node, iface)}, client side first; default: the layout's
    outcome     the expected outcome as `list` prints it; default: from the phases
                ("works", "fails", "fails, then works")
    explore     commands worth trying in the kept lab (printed by run --keep)
    order       position in `list` (the issue's order)
    timeout     seconds its test (tests/lab/run_scenario.py) gives a run, plus a
                margin; the ctest TIMEOUT of lab.* is 120
    analyzer_args  extra ftplab-analyzer options for every capture (both the --json
                the checks read and the --text people read), e.g. ("--slow-reply", "100")
    """
    title: str
    lesson: str
    phases: list
    layout: object = "nat"
    layout_options: dict = dataclasses.field(default_factory=dict)
    server: object = None
    servers: tuple = ("ftplab", "vsftpd")
    clients: tuple = ("curl", "lftp", "ftplib")
    not_with: dict = dataclasses.field(default_factory=dict)
    captures: dict = None
    outcome: str = None
    explore: tuple = ()
    order: int = 99
    timeout: int = 60
    analyzer_args: tuple = ()
    name: str = None          # set by the loader: the folder's name
    folder: str = None

    # -- derived
    def outcome_text(self):
        if self.outcome:
            return self.outcome
        seen = []
        for p in self.phases:
            if not seen or seen[-1] != p.expect:
                seen.append(p.expect)
        return ", then ".join(seen)

    def get_layout(self):
        from .layouts import LAYOUTS
        if isinstance(self.layout, str):
            return LAYOUTS[self.layout]
        return self.layout

    def captures_for(self, phase):
        return dict(phase.captures or self.captures or self.get_layout().captures)

    def server_setup(self, phase=None):
        from .servers import ServerSetup
        return (phase and phase.server) or self.server or ServerSetup()

    # -- checks on the declaration
    def validate(self):
        """Raise ValueError naming what is wrong in the declaration."""
        from .clients import CLIENTS, Transfer
        from .layouts import LAYOUTS, Layout
        from .servers import SERVERS
        where = "lab/%s/scenario.py" % self.name
        if isinstance(self.layout, str) and self.layout not in LAYOUTS:
            raise ValueError("%s: unknown layout %r (have: %s)"
                             % (where, self.layout, ", ".join(LAYOUTS)))
        if not isinstance(self.layout, (str, Layout)):
            raise ValueError("%s: layout must be a name or a Layout" % where)
        for kind, have, table in (("server", self.servers, SERVERS),
                                  ("client", self.clients, CLIENTS)):
            if not have or any(v not in table for v in have):
                raise ValueError("%s: %ss must be a non-empty subset of %s"
                                 % (where, kind, ", ".join(table)))
        if not self.phases:
            raise ValueError("%s: no phases" % where)
        for owner in [self] + list(self.phases):
            args = owner.analyzer_args
            if isinstance(args, str) or not all(isinstance(a, str) for a in args):
                raise ValueError("%s: analyzer_args must be a tuple of strings, e.g. "
                                 "(\"--slow-reply\", \"100\")" % where)
        for i, p in enumerate(self.phases, 1):
            what = "%s: phase %d (%s)" % (where, i, p.name)
            if p.tag is not None and not re.match(r"^[a-z0-9][a-z0-9-]{0,15}$", p.tag):
                raise ValueError("%s: tag must be a short word: [a-z0-9-], 16 at most" % what)
            if p.expect not in (WORKS, FAILS):
                raise ValueError("%s: expect must be WORKS or FAILS" % what)
            if not p.checks:
                raise ValueError("%s: no checks (a phase that cannot fail teaches nothing)"
                                 % what)
            labels = self.captures_for(p)
            for c in p.checks:
                for on in getattr(c, "captures", ()):
                    if on not in labels:
                        raise ValueError("%s: check %r reads capture %r; the captures are %s"
                                         % (what, c.text, on, ", ".join(labels)))
            a = p.action
            if isinstance(a, Transfer):
                a.validate(what)
            elif not (hasattr(a, "run") and hasattr(a, "describe")):
                raise ValueError("%s: action must be a Transfer or have run() and describe()"
                                 % what)
        if self.folder and not os.path.exists(os.path.join(self.folder, "README.md")):
            raise ValueError("%s: no README.md next to it (the lesson)" % where)

    def variant_problem(self, server, client):
        """None when --server server --client client can run this scenario,
        else a message for people."""
        from .clients import CLIENTS, Transfer
        for kind, want, have in (("server", server, self.servers),
                                 ("client", client, self.clients)):
            if want not in have:
                why = self.not_with.get(want)
                return ("scenario %s does not run with --%s %s%s; it runs with --%s %s"
                        % (self.name, kind, want, ": " + why if why else "",
                           kind, " or ".join(have)))
        for p in self.phases:
            if isinstance(p.action, Transfer):
                why = CLIENTS[client]().cannot(p.action, self.get_layout(), self.layout_options)
                if why:
                    return "scenario %s, phase %r: %s" % (self.name, p.name, why)
        return None


# ---------------------------------------------------------------- loading

NAME_RE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def names(lab_dir=LAB_DIR):
    """Folder names of lab/ that hold a scenario.py."""
    out = []
    for d in sorted(os.listdir(lab_dir)):
        if NAME_RE.match(d) and os.path.isfile(os.path.join(lab_dir, d, "scenario.py")):
            out.append(d)
    return out


def load(name, lab_dir=LAB_DIR):
    """The Scenario of lab/<name>/scenario.py, validated. UsageError when
    there is no such scenario."""
    if not NAME_RE.match(name or "") or name not in names(lab_dir):
        raise UsageError("no scenario %r; `./ftplab lab list` shows them (%s)"
                         % (name, ", ".join(names(lab_dir))))
    folder = os.path.join(lab_dir, name)
    path = os.path.join(folder, "scenario.py")
    spec = importlib.util.spec_from_file_location("lab_scenario_" + name.replace("-", "_"), path)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    scn = getattr(mod, "scenario", None)
    if not isinstance(scn, Scenario):
        raise ValueError("%s: defines no `scenario = Scenario(...)`" % path)
    scn.name, scn.folder = name, folder
    scn.validate()
    return scn


def load_all(lab_dir=LAB_DIR):
    """Every scenario, in the order of `list`."""
    return sorted((load(n, lab_dir) for n in names(lab_dir)), key=lambda s: (s.order, s.name))
