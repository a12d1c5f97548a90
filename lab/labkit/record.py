"""`lab record`: the lab's captures become golden tests of the analyzer.

For each scenario (default: all), run it once with its default server and
client (runner.run, as `lab run` does), and install what it captured into
captures/lab/ (or --captures DIR):

    <scenario>[-<phase tag>]-<side>.pcap     each capture of each phase (the
                                             tag, or the phase's number, only
                                             when the scenario has several)
    <same>.expected                          ftplab-analyzer --text --explain
    <same>-json.expected                     ftplab-analyzer --json

each expected file passed through tests/golden/normalize.py (times, the
ports the programs pick at random, 125/150), and the rows of
captures/lab/TESTLIST, which tests/golden/run.sh (ctest analyzer.golden)
runs with the same normaliser: a recorded pcap never changes, and a new
recording of a scenario gives the same expected files.

So that the captures stay small and their sha256 the same, the served
random files (data.bin: 1 MiB) and uploads are made FILE_SIZE bytes from a
fixed seed; a scenario whose outcome is not the expected one with small
files (one that needs a long transfer) is recorded again with its own
sizes, still seeded. A scenario that does not come out as expected, or
that cannot run here (skipped), leaves its files as they were."""
import dataclasses
import importlib.util
import os
import random
import re
import shutil
import subprocess
import sys
import time

from . import TOP, clients, runner, state
from .clients import Transfer
from .report import Printer
from .spec import Skip, UsageError, load, names

FILE_SIZE = 16 * 1024        # bytes of each random file served or uploaded while recording
CAPTURES = os.path.join(TOP, "captures", "lab")
NORMALIZER = os.path.join(TOP, "tests", "golden", "normalize.py")
ANALYZER_TIMEOUT = 120
BUSY_WAIT = 120              # seconds to wait for someone else's lab run to end
# the rows of each capture: (suffix of the expected file and of the row's name, flags)
ROWS = (("", ("--text", "--explain")), ("-json", ("--json",)))
TESTLIST_HEAD = """\
# captures/lab/TESTLIST - the lab's captures as golden tests of the analyzer, written by
# `./ftplab lab record` (lab/labkit/record.py; do not edit by hand: record again).
# tests/golden/run.sh (ctest analyzer.golden) runs them after captures/TESTLIST, in the same
# format (name pcap expected flags...), paths relative to this folder; --normalize: the
# analyzer's output goes through tests/golden/normalize.py first (see README.md).
"""
BLOCK_RE = re.compile(r"^# scenario (\S+):")


def normalizer():
    """tests/golden/normalize.py's normalize(), the one run.sh applies."""
    spec = importlib.util.spec_from_file_location("ftplab_golden_normalize", NORMALIZER)
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod.normalize


def seeded(name, size):
    return random.Random("ftplab lab record %s %d" % (name, size)).randbytes(size)


def file_content(cap):
    """The runner's file_content hook: random files (an int size) become
    min(size, cap) bytes from a seed (cap None: their own size)."""
    def content(name, c):
        if isinstance(c, int):
            n = c if cap is None else min(c, cap)
            return seeded(name, n)
        return c
    return content


class SeededOs:
    """clients.py's `os` while recording: os itself, except that urandom()
    (the content of an Upload's file) gives bytes from a fixed seed, so that
    the upload's sha256 in the expected files is the same on every
    recording."""

    def __init__(self, real, seed):
        self._real, self._rng = real, random.Random(seed)

    def __getattr__(self, name):
        return getattr(self._real, name)

    def urandom(self, n):
        return self._rng.randbytes(n)


def shrink_uploads(scn, cap):
    for p in scn.phases:
        if isinstance(p.action, Transfer) and p.action.op == "put" and p.action.size > cap:
            p.action = dataclasses.replace(p.action, size=cap)


def capture_names(scn):
    """[(phase number, phase, label, base name)] of every capture, in order."""
    out = []
    n = len(scn.phases)
    for i, p in enumerate(scn.phases, 1):
        part = "" if n == 1 else "-" + (p.tag or str(i))
        for label in scn.captures_for(p):
            out.append((i, p, label, "%s%s-%s" % (scn.name, part, label)))
    return out


# ---------------------------------------------------------------- TESTLIST

def read_blocks(path):
    """{scenario: [lines]} of an existing TESTLIST, in file order."""
    blocks, cur = {}, None
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except FileNotFoundError:
        return blocks
    for ln in lines:
        m = BLOCK_RE.match(ln)
        if m:
            cur = m.group(1)
            blocks[cur] = [ln]
        elif cur is not None and ln.strip():
            blocks[cur].append(ln)
    return blocks


def block_files(lines):
    """The files a TESTLIST block names (pcaps and expected files)."""
    files = []
    for ln in lines:
        f = ln.split()
        if len(f) >= 3 and not ln.startswith("#"):
            files += [x for x in f[1:3] if x not in files]
    return files


def write_testlist(path, blocks):
    text = TESTLIST_HEAD
    for name in sorted(blocks):
        text += "\n" + "\n".join(blocks[name]) + "\n"
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        f.write(text)
    os.replace(tmp, path)


# ---------------------------------------------------------------- one scenario

def analyze(bin_dir, pcap, flags):
    """ftplab-analyzer -r pcap FLAGS, as run.sh runs it: its standard output
    (an error when it fails or writes to standard error)."""
    exe = os.path.join(bin_dir, "ftplab-analyzer")
    r = subprocess.run([exe, "-r", pcap] + list(flags), capture_output=True,
                       timeout=ANALYZER_TIMEOUT)
    if r.returncode != 0 or r.stderr:
        raise RuntimeError("ftplab-analyzer -r %s %s: exit %d: %s" % (
            pcap, " ".join(flags), r.returncode, r.stderr.decode(errors="replace").strip()))
    return r.stdout.decode("utf-8", "surrogateescape")


def wait_until_free(say):
    """Wait (bounded) while another process runs a lab; a kept or left lab
    is not waited for (UsageError, as `run` says)."""
    end = time.monotonic() + BUSY_WAIT
    told = False
    while True:
        why = state.busy()
        if not why:
            return
        st = state.read() or {}
        running = (not st.get("kept") and st.get("pid") not in (None, os.getpid())
                   and state._alive(st["pid"]))
        if not running or time.monotonic() > end:
            raise UsageError("cannot record now: %s" % why)
        if not told:
            say("  (waiting: %s)" % why)
            told = True
        time.sleep(0.5)


def run_once(scn, out, bin_dir, cap, verbose, log_path, mode="w"):
    """One run of scn with its default variant, its output in log_path (the
    out folder is emptied of .log files by the run); the RunResult."""
    server, client = scn.servers[0], scn.clients[0]
    os.makedirs(out, exist_ok=True)
    log = open(log_path, mode)
    try:
        pr = Printer() if verbose else Printer(write=log.write)
        saved = clients.os
        clients.os = SeededOs(os, "ftplab lab record %s upload" % scn.name)
        try:
            return runner.run(scn, server, client, out, bin_dir, printer=pr,
                              file_content=file_content(cap))
        finally:
            clients.os = saved
    finally:
        log.close()


def record_one(name, captures, bin_dir, cap, out_root, normalize, blocks, say, verbose):
    """Record scenario name into captures; True when installed, False when
    it did not come out as expected, None when skipped."""
    scn = load(name)
    out = os.path.join(out_root, name)
    log = os.path.join(out_root, name + ".log")
    say("%s: --server %s --client %s, %d phase%s" % (
        name, scn.servers[0], scn.clients[0], len(scn.phases), "s" if len(scn.phases) > 1 else ""))
    if cap:
        shrink_uploads(scn, cap)
    try:
        wait_until_free(say)
        result = run_once(scn, out, bin_dir, cap, verbose, log)
        used = cap
        if not result.ok and cap:
            say("  not as expected with files of %d bytes (%s); again with the scenario's own "
                "sizes" % (cap, "; ".join(f.text for p in result.phases for f in p.facts
                                          if f.ok is False)))
            scn = load(name)
            wait_until_free(say)
            result = run_once(scn, out, bin_dir, None, verbose, log, "a")
            used = None
    except Skip as e:
        say("  SKIPPED (cannot run here: %s); its files stay as they were" % e)
        return None
    if not result.ok:
        for i, p in enumerate(result.phases, 1):
            for f in p.facts:
                if f.ok is False:
                    say("  phase %d: [NO] %s %s" % (i, f.text, f.detail or ""))
        say("  NOT RECORDED: the outcome was not the expected one (%s); its files stay "
            "as they were" % log)
        return False

    # the new files are made in a staging folder (the analyzer reads the pcap
    # as run.sh will); only when all are made do the old ones go
    sizes = "served random files of %d bytes" % used if used else \
        "served files of the scenario's own sizes"
    lines = ["# scenario %s: ./ftplab lab record %s (--server %s --client %s, %s, "
             "from fixed seeds)" % (name, name, result.server, result.client, sizes)]
    installed = []
    last_phase = None
    stage = os.path.join(out, "staged")
    shutil.rmtree(stage, ignore_errors=True)
    os.makedirs(stage)
    for i, phase, label, base in capture_names(scn):
        pr = result.phases[i - 1]
        if i != last_phase:
            lines.append("# phase %d%s: %s (%s)" % (i, " (%s)" % phase.tag if phase.tag else "",
                                                     phase.name, phase.expect))
            last_phase = i
        pcap = base + ".pcap"
        shutil.copyfile(pr.captures[label].pcap, os.path.join(stage, pcap))
        installed.append(pcap)
        # the analyzer's options the scenario gives its captures (e.g. --slow-reply 100)
        extra = tuple(getattr(scn, "analyzer_args", ())) + tuple(getattr(phase, "analyzer_args",
                                                                         ()))
        if any(not a or any(c.isspace() for c in a) for a in extra):
            raise RuntimeError("analyzer_args %r: a TESTLIST row cannot hold an empty option "
                               "or one with spaces" % (extra,))
        for suffix, fmt in ROWS:
            flags = extra + fmt
            expected = base + suffix + ".expected"
            text = normalize(analyze(bin_dir, os.path.join(stage, pcap), flags))
            with open(os.path.join(stage, expected), "w", encoding="utf-8",
                      errors="surrogateescape") as f:
                f.write(text)
            installed.append(expected)
            lines.append(" ".join(["lab-" + base + suffix, pcap, expected, "--normalize"]
                                  + list(flags)))
    for old in block_files(blocks.get(name, [])):
        try:
            os.unlink(os.path.join(captures, old))
        except FileNotFoundError:
            pass
    for f in installed:
        shutil.move(os.path.join(stage, f), os.path.join(captures, f))
    os.rmdir(stage)
    blocks[name] = lines
    give_to_sudo_user([os.path.join(captures, f) for f in installed])
    total = sum(os.path.getsize(os.path.join(captures, f)) for f in installed)
    say("  recorded: %s (%d files, %d bytes; %.1f s)" % (
        ", ".join(f for f in installed if f.endswith(".pcap")), len(installed), total,
        result.seconds))
    return True


def give_to_sudo_user(paths):
    uid, gid = os.environ.get("SUDO_UID"), os.environ.get("SUDO_GID")
    if not (uid and gid and uid.isdigit() and gid.isdigit()):
        return
    for p in paths:
        try:
            os.chown(p, int(uid), int(gid))
        except OSError:
            pass


# ---------------------------------------------------------------- all

def record(scenarios, bin_dir, captures=None, file_size=FILE_SIZE, out_root=None,
           verbose=False, say=None):
    """Record scenarios (default: all) into captures (default captures/lab).
    Returns 0 (all recorded or skipped, at least one recorded), 1 (one did
    not come out as expected, or failed), 77 (every one skipped)."""
    say = say or (lambda s: (sys.stdout.write(s + "\n"), sys.stdout.flush()))
    captures = os.path.abspath(captures or CAPTURES)
    out_root = os.path.abspath(out_root or os.path.join(TOP, "build", "lab", "record"))
    every = names()
    todo = list(dict.fromkeys(scenarios)) or every
    for n in todo:
        load(n)          # an unknown or broken scenario: a UsageError/ValueError before any run
    why = state.busy()
    if why:
        raise UsageError("cannot record now: %s" % why)
    normalize = normalizer()
    os.makedirs(captures, exist_ok=True)
    testlist = os.path.join(captures, "TESTLIST")
    blocks = read_blocks(testlist)
    say("Recording %d scenario%s into %s (each run's output: %s/SCENARIO.log)" % (
        len(todo), "s" if len(todo) > 1 else "", captures, out_root))
    if not scenarios:
        for gone in [b for b in blocks if b not in every]:
            for f in block_files(blocks[gone]):
                try:
                    os.unlink(os.path.join(captures, f))
                except FileNotFoundError:
                    pass
            del blocks[gone]
            say("%s: no such scenario any more: its files removed" % gone)
    outcome = {}
    try:
        for n in todo:
            try:
                outcome[n] = record_one(n, captures, bin_dir, file_size or None, out_root,
                                        normalize, blocks, say, verbose)
            except (RuntimeError, OSError, subprocess.SubprocessError) as e:
                say("  NOT RECORDED: %s" % e)
                outcome[n] = False
    finally:
        write_testlist(testlist, blocks)
        give_to_sudo_user([testlist])
        give_to_sudo_user_tree(out_root)
    done = [n for n, v in outcome.items() if v]
    bad = [n for n, v in outcome.items() if v is False]
    skipped = [n for n, v in outcome.items() if v is None]
    pcaps = [f for f in os.listdir(captures) if f.endswith(".pcap")]
    size = sum(os.path.getsize(os.path.join(captures, f)) for f in os.listdir(captures))
    say("")
    say("Recorded %d, skipped %d%s, not recorded %d%s. %s: %d captures, %d bytes in all." % (
        len(done), len(skipped), " (%s)" % ", ".join(skipped) if skipped else "", len(bad),
        " (%s)" % ", ".join(bad) if bad else "", captures, len(pcaps), size))
    if done:
        say("Check them: tests/golden/run.sh %s%s" % (
            bin_dir, "" if captures == CAPTURES else " " + testlist))
    if bad:
        return 1
    return 0 if done else 77


def give_to_sudo_user_tree(root):
    if os.path.isdir(root):
        for base, dirs, files in os.walk(root):
            give_to_sudo_user([base] + [os.path.join(base, f) for f in files])
