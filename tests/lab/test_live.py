#!/usr/bin/env python3
"""ctest lab.live: `lab.py run SCENARIO --live` on a terminal (a tmux pane,
100x30, on a tmux server of its own), what `./ftplab demo` does as root on
a terminal.

    test_live.py BIN_DIR

  1. active-behind-nat (two phases): the heading asks for Enter and says
     how to go on (q); after Enter the analyzer's screens show, live on the
     NAT box, the four sessions of the two phases (inside and outside);
     q closes them, what `run` printed meanwhile follows, and the run ends
     `RESULT: as expected`, exit 0;
  2. active-behind-nat-proxy with FTPLAB_LAB_LIVE_IDLE=2 and no q: the
     screens close by themselves 2 s after the client, and the run ends
     with exit 0 (nothing can wait forever);
and nothing is left behind. Exit 77 without root or tmux."""
import os
import shutil
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402

SOCKET = "ftplab-test-live-%d" % os.getpid()


def tmux(*args, check=True):
    r = subprocess.run(["tmux", "-L", SOCKET, "-f", "/dev/null"] + list(args),
                       capture_output=True, text=True, timeout=30)
    if check and r.returncode != 0:
        labtest.fail("tmux %s: %s" % (" ".join(args), r.stderr.strip()))
    return r.stdout


def screen():
    return tmux("capture-pane", "-p", "-t", "live")


def history():
    return tmux("capture-pane", "-p", "-J", "-S", "-2000", "-t", "live")


def wait_screen(text, timeout, where=screen):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if text in where():
            return
        time.sleep(0.1)
    print(where())
    labtest.fail("no %r on the terminal within %.0f s" % (text, timeout))


def start(bin_dir, scenario, out, done, env=""):
    cmd = ("%s python3 %s --bin %s run %s --live --out %s; echo EXIT=$? > %s; sleep 600"
           % (env, labtest.LAB, bin_dir, scenario, out, done))
    tmux("new-session", "-d", "-s", "live", "-x", "100", "-y", "30",
         "env PYTHONDONTWRITEBYTECODE=1 TERM=xterm-256color LANG=C.UTF-8 bash -c '%s'" % cmd)


def wait_done(done, timeout):
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if os.path.exists(done) and open(done).read().strip():
            return open(done).read().strip()
        time.sleep(0.1)
    print(history())
    labtest.fail("the run did not end within %.0f s" % timeout)


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    labtest.skip_unless_root()
    if not shutil.which("tmux"):
        print("SKIPPED: tmux is not installed (./ftplab setup)")
        sys.exit(labtest.SKIP)
    labtest.refuse_if_lab_up()
    rules = labtest.host_rules()
    tmp = tempfile.mkdtemp(prefix="ftplab-test-live-")
    try:
        # 1: Enter, the four sessions live, q
        done = os.path.join(tmp, "done1")
        start(bin_dir, "active-behind-nat", os.path.join(tmp, "out1"), done)
        wait_screen("Press Enter to open them", 30)
        h = history()
        for t in ("Live: ftplab-analyzer's screens on nat",
                  "Press q on the session list to close the screens and go on"):
            if t not in h:
                labtest.fail("the heading has no %r:\n%s" % (t, h))
        tmux("send-keys", "-t", "live", "Enter")
        wait_screen("Sessions: 4 of 4", 30)
        s = screen()
        for t in ("10.0.1.2:", "198.51.100.1:", "198.51.100.2:21", "live"):
            if t not in s:
                labtest.fail("the screens have no %r:\n%s" % (t, s))
        print(s)
        tmux("send-keys", "-t", "live", "q")
        code = wait_done(done, 60)
        h = history()
        if code != "EXIT=0":
            print(h)
            labtest.fail("run --live: %s" % code)
        for t in ("(screens closed; what `run` printed meanwhile follows)",
                  "-- Phase 2/2", "RESULT: as expected"):
            if t not in h:
                print(h)
                labtest.fail("after the screens: no %r" % t)
        tmux("kill-session", "-t", "live")

        # 2: no q: closed by the idle limit
        done = os.path.join(tmp, "done2")
        start(bin_dir, "active-behind-nat-proxy", os.path.join(tmp, "out2"), done,
              env="FTPLAB_LAB_LIVE_IDLE=2")
        wait_screen("Press Enter to open them", 30)
        tmux("send-keys", "-t", "live", "Enter")
        wait_screen("Sessions: 2 of 2", 30)
        code = wait_done(done, 60)
        h = history()
        if code != "EXIT=0" or "the screens were closed 2 s after the last client ended" \
                not in h or "RESULT: as expected" not in h:
            print(h)
            labtest.fail("run --live without q: %s" % code)
        tmux("kill-session", "-t", "live")
        left = labtest.leftovers(rules)
        if left:
            labtest.fail("left behind: " + "; ".join(left))
    finally:
        tmux("kill-server", check=False)
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: lab.live")


if __name__ == "__main__":
    main()
