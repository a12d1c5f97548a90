"""The lab that is up: its namespaces are always "ftplab-lab-<node>", and
/run/ftplab-lab/state.json says which scenario made them, whether it is
still running (its pid) or kept (run --keep), and what to remove. /run is
a tmpfs, like /run/netns: both are gone after a reboot, together.

busy() is why a new run must wait, shell() enters a node of the kept lab,
down() removes it (idempotent)."""
import contextlib
import fcntl
import json
import os
import shutil
import signal
import subprocess
import time

import topo  # tests/netns/topo.py (labkit/__init__.py puts it on sys.path)

PREFIX = "ftplab-lab"
STATE_DIR = "/run/ftplab-lab"
STATE = os.path.join(STATE_DIR, "state.json")


def read():
    try:
        with open(STATE) as f:
            return json.load(f)
    except (OSError, ValueError):
        return None


def write(state):
    os.makedirs(STATE_DIR, mode=0o755, exist_ok=True)
    tmp = STATE + ".tmp"
    with open(tmp, "w") as f:
        json.dump(state, f, indent=1)
    os.replace(tmp, STATE)


@contextlib.contextmanager
def locked():
    """An exclusive lock around busy() and write(): two runs starting at
    once cannot both find the lab free."""
    os.makedirs(STATE_DIR, mode=0o755, exist_ok=True)
    fd = os.open(os.path.join(STATE_DIR, "lock"), os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def clear():
    try:
        os.unlink(STATE)
    except FileNotFoundError:
        pass


def namespaces():
    return [n for n in topo.netns_list() if n.startswith(PREFIX + "-")]


def _alive(pid):
    try:
        os.kill(pid, 0)
    except OSError:
        return False
    try:
        with open("/proc/%d/stat" % pid) as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def busy():
    """None when a new lab can start, else why not (for people)."""
    st = read()
    if st and st.get("kept"):
        return ("the lab %(scenario)s is up (kept with --keep at %(started)s): explore it with "
                "`./ftplab lab shell %(scenario)s client`, remove it with `./ftplab lab down`"
                % st)
    if st and st.get("pid") != os.getpid() and _alive(st.get("pid", 0)):
        return ("the lab %s is running right now (pid %d, started %s): wait for it, or stop "
                "it with Ctrl-C" % (st["scenario"], st["pid"], st["started"]))
    left = namespaces()
    if left:
        return ("namespaces of an interrupted lab are left (%s): `./ftplab lab down` "
                "removes them" % ", ".join(left))
    return None


def down(say=print):
    """Stop every process inside ftplab-lab-* namespaces and delete them,
    with the kept lab's files; says what it removed. Returns 0, or 1 when
    something could not be removed (a run in progress is left alone)."""
    st = read() or {}
    if not st.get("kept") and st.get("pid") and st["pid"] != os.getpid() and _alive(st["pid"]):
        say("the lab %s is running (pid %d); it removes everything itself when it ends "
            "(Ctrl-C it to stop it now)" % (st["scenario"], st["pid"]))
        return 1
    left = topo.leftovers(PREFIX)
    pids = [p for p in left.pids if p != os.getpid()]
    removed = False
    if pids:
        say("stopping: " + ", ".join("%d (%s)" % (p, topo._cmdline(p)[:70]) for p in pids))
        for p in pids:
            _kill(p, signal.SIGTERM)
        end = time.monotonic() + topo.STOP_GRACE
        while time.monotonic() < end and any(_alive(p) for p in pids):
            time.sleep(0.05)
        for p in pids:
            if _alive(p):
                _kill(p, signal.SIGKILL)
        removed = True
    gone = []
    for ns in left.namespaces:
        if subprocess.run([topo.IP, "netns", "del", ns], capture_output=True,
                          timeout=10).returncode == 0:
            gone.append(ns)
    if gone:
        say("deleted namespaces (with their links and iptables rules): " + ", ".join(gone))
        removed = True
    tmp = st.get("tmp")
    if tmp and os.path.basename(tmp).startswith(PREFIX + "-") and os.path.isdir(tmp):
        shutil.rmtree(tmp, ignore_errors=True)
        say("removed %s (the served files and the client's downloads)" % tmp)
        removed = True
    if st:
        clear()
        if st.get("scenario"):
            say("the lab %s is down; its captures stay in %s" % (st["scenario"], st.get("out")))
    if not removed and not st:
        say("nothing to remove: no lab is up")
    still = topo.leftovers(PREFIX)
    if still:
        say("could not remove: " + still.describe())
        return 1
    return 0


def _kill(pid, sig):
    try:
        os.kill(pid, sig)
    except OSError:
        pass


def shell(scenario, node, command, bin_dir):
    """A shell (bash) inside node of the kept lab; command: run it with
    bash -c instead of an interactive shell. Returns its exit status, or
    raises ValueError with a message for people."""
    st = read()
    if not st or not st.get("kept"):
        why = busy()
        raise ValueError("no lab is kept up%s; start one with `./ftplab lab run %s --keep`"
                         % (" (%s)" % why if why else "", scenario))
    if st["scenario"] != scenario:
        raise ValueError("the lab that is up is %s, not %s: `./ftplab lab shell %s %s`"
                         % (st["scenario"], scenario, st["scenario"], node))
    ns = st["nodes"].get(node)
    if not ns or ns not in topo.netns_list():
        raise ValueError("no node %r in the lab %s; its nodes: %s"
                         % (node, scenario, ", ".join(st["nodes"])))
    env = dict(os.environ)
    env["PATH"] = bin_dir + os.pathsep + env.get("PATH", "")
    env["FTPLAB_LAB"] = scenario
    env["FTPLAB_NODE"] = node
    for k, v in st.get("vars", {}).items():
        env["LAB_" + k.upper()] = v
    home = os.path.join(st["tmp"], "root" if node == "server" else node)
    cwd = home if os.path.isdir(home) else "/"
    if command is not None:
        argv = ["bash", "-c", command]
    else:
        rc = os.path.join(st["tmp"], "bashrc")
        with open(rc, "w") as f:
            f.write('[ -f ~/.bashrc ] && . ~/.bashrc\nPS1="[lab %s:%s] \\w\\$ "\n'
                    'echo "inside the namespace %s; addresses: $(ip -br -4 addr | '
                    'grep -v ^lo | tr -s " " | tr "\\n" " ")"\n'
                    'echo "LAB_* variables: $(env | grep ^LAB_ | tr "\\n" " ")"\n'
                    'echo "exit (or Ctrl-D) leaves the namespace"\n' % (scenario, node, ns))
        argv = ["bash", "--rcfile", rc, "-i"]
    return subprocess.call([topo.IP, "netns", "exec", ns] + argv, env=env, cwd=cwd)
