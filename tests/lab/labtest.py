"""Helpers of the lab tests (tests/lab/*.py): run lab/lab.py, and check that
a run left nothing behind. Standard library only; the tests need root and
exit 77 (ctest: skipped) with the reason otherwise."""
import json
import os
import signal
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(os.path.dirname(HERE))
LAB = os.path.join(TOP, "lab", "lab.py")
sys.path.insert(0, os.path.join(TOP, "tests", "netns"))
import topo  # noqa: E402

SKIP = 77
PREFIX = "ftplab-lab"
STATE = "/run/ftplab-lab/state.json"


def skip_unless_root():
    reason = topo.netns_unavailable()
    if reason:
        print("SKIPPED: %s" % reason)
        sys.exit(SKIP)


def fail(msg):
    print("FAIL: %s" % msg)
    sys.exit(1)


def lab(args, bin_dir, timeout=120, env=None, echo=True):
    """lab.py ARGS, bounded: SIGTERM at the timeout (lab.py then removes its
    lab), SIGKILL 15 s later, then `lab.py down`. Returns (exit, output)."""
    e = dict(os.environ, PYTHONDONTWRITEBYTECODE="1", **(env or {}))
    p = subprocess.Popen([sys.executable, LAB, "--bin", bin_dir] + list(args),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=e)
    try:
        out, _ = p.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGTERM)
        try:
            out, _ = p.communicate(timeout=15)
        except subprocess.TimeoutExpired:
            p.kill()
            out, _ = p.communicate()
        subprocess.run([sys.executable, LAB, "down"], timeout=60)
        out += "\n(lab.py killed after %d s)" % timeout
    if echo:
        sys.stdout.write(out)
        sys.stdout.flush()
    return p.returncode, out


def host_rules():
    """The host's own firewall rules (no counters): the lab must never
    touch them."""
    out = []
    for tool in ("iptables", "ip6tables"):
        exe = topo._which(tool)
        if not exe:
            continue
        for table in ("filter", "nat", "raw", "mangle"):
            r = subprocess.run([exe, "-w", "5", "-t", table, "-S"], capture_output=True,
                               text=True, timeout=30)
            out.append("%s %s: %s" % (tool, table, r.stdout if r.returncode == 0 else "-"))
    return out


def alive(pid, args=None):
    """pid runs (not a zombie) and, when args are given, its command line
    is the end of args (ip netns exec NS PROGRAM ARGS execs PROGRAM ARGS)."""
    try:
        with open("/proc/%d/stat" % pid) as f:
            if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                return False
        with open("/proc/%d/cmdline" % pid, "rb") as f:
            cmd = [c.decode(errors="replace") for c in f.read().split(b"\0") if c]
    except OSError:
        return False
    return args is None or (bool(cmd) and list(args)[-len(cmd):] == cmd)


def leftovers(rules_before, result=None, out_dir=None):
    """What a finished run left behind: a list of sentences (empty: nothing)."""
    left = []
    ns = [n for n in topo.netns_list() if n.startswith(PREFIX + "-")]
    if ns:
        left.append("namespaces: " + ", ".join(ns))
    if os.path.exists(STATE):
        left.append("the state file %s" % STATE)
    if result:
        for p in result.get("procs", []):
            if alive(p["pid"], p["args"]):
                left.append("process %d (%s)" % (p["pid"], p["what"]))
        if result.get("tmp") and os.path.exists(result["tmp"]):
            left.append("the lab's folder %s" % result["tmp"])
    if out_dir:
        r = subprocess.run(["pgrep", "-f", out_dir], capture_output=True, text=True)
        pids = [x for x in r.stdout.split() if x.isdigit() and int(x) != os.getpid()]
        if pids:
            left.append("processes naming %s: %s" % (out_dir, ", ".join(pids)))
    for pid in topo.leftovers(PREFIX).pids:
        left.append("process %d in a lab namespace (%s)" % (pid, topo._cmdline(pid)))
    if host_rules() != rules_before:
        left.append("the host's iptables rules changed")
    return left


def refuse_if_lab_up():
    """A student's kept lab is not ours to remove: fail instead."""
    ns = [n for n in topo.netns_list() if n.startswith(PREFIX + "-")]
    if ns or os.path.exists(STATE):
        fail("a lab is up already (%s): remove it first with ./ftplab lab down"
             % (", ".join(ns) or STATE))


def read_result(out_dir):
    path = os.path.join(out_dir, "result.json")
    try:
        with open(path) as f:
            return json.load(f)
    except (OSError, ValueError) as e:
        fail("no result.json in %s: %s" % (out_dir, e))


def read_jsonl(path):
    with open(path) as f:
        return [json.loads(line) for line in f if line.strip()]


def wait_for(cond, timeout, what):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if cond():
            return
        time.sleep(0.05)
    fail("no %s within %.0f s" % (what, timeout))
