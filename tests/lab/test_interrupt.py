#!/usr/bin/env python3
"""ctest lab.interrupt: a run stopped half-way removes everything.

    test_interrupt.py BIN_DIR

Starts `lab.py run active-behind-nat-proxy` with FTPLAB_LAB_TEST_HOLD (the
runner waits before the client runs, with the namespaces, the server, the
proxy and the captures up), checks that they are up, then sends SIGINT
(Ctrl-C) and, in a second run, SIGTERM. lab.py must exit 130 / 143 saying
it removed everything, and nothing may be left: namespaces, state file,
processes, the lab's folder, the host's iptables rules."""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
import topo  # noqa: E402

SCN = "active-behind-nat-proxy"


def one(bin_dir, sig, want_code, want_text):
    rules = labtest.host_rules()
    out = tempfile.mkdtemp(prefix="ftplab-labtest-")
    log = os.path.join(out, "lab-output")
    env = dict(os.environ, FTPLAB_LAB_TEST_HOLD="20", PYTHONDONTWRITEBYTECODE="1")
    with open(log, "w") as f:
        p = subprocess.Popen([sys.executable, labtest.LAB, "--bin", bin_dir, "run", SCN,
                              "--out", out], stdout=f, stderr=subprocess.STDOUT, env=env)
    try:
        labtest.wait_for(lambda: "holding" in topo._read(log) or p.poll() is not None, 30,
                         "'holding' in lab.py's output")
        if p.poll() is not None:
            labtest.fail("lab.py ended before the signal:\n" + topo._read(log))
        with open(labtest.STATE) as f:
            st = json.load(f)
        up = topo.leftovers("ftplab-lab")
        if len(up.namespaces) != 3 or len(up.pids) < 4:   # server, proxy, 2 tcpdumps
            labtest.fail("not up before the signal: %s" % up.describe())
        p.send_signal(sig)
        try:
            code = p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
            labtest.fail("lab.py did not end within 30 s of signal %d" % sig)
        text = topo._read(log)
        sys.stdout.write(text)
        if code != want_code or want_text not in text:
            labtest.fail("signal %d: exit %s, wanted %d and %r" % (sig, code, want_code,
                                                                  want_text))
        left = labtest.leftovers(rules, None, out)
        left += ["process %d (%s)" % (pid, topo._cmdline(pid)) for pid in up.pids
                 if labtest.alive(pid)]
        if os.path.exists(st["tmp"]):
            left.append("the lab's folder %s" % st["tmp"])
        if left:
            labtest.fail("after signal %d: %s" % (sig, "; ".join(left)))
        print("PASS: signal %d: exit %d, %d namespaces and %d processes removed"
              % (sig, code, len(up.namespaces), len(up.pids)))
    finally:
        if p.poll() is None:
            p.kill()
            p.wait()
        shutil.rmtree(out, ignore_errors=True)


def main():
    bin_dir = sys.argv[1]
    labtest.skip_unless_root()
    labtest.refuse_if_lab_up()
    start = time.monotonic()
    one(bin_dir, signal.SIGINT, 130, "interrupted")
    one(bin_dir, signal.SIGTERM, 143, "terminated")
    print("PASS: SIGINT and SIGTERM mid-run, nothing left (%.1f s)" % (time.monotonic() - start))
    return 0


if __name__ == "__main__":
    sys.exit(main())
