#!/usr/bin/env python3
"""ctest lab.demo: lab/demo.sh (what `./ftplab demo` runs after setup and
build) without a terminal, as CI runs it (CI=true, standard input
/dev/null, output to a pipe).

    test_demo.py BIN_DIR

  - as root with network namespaces: the lab path: exit 0 within 90 s, the
    headings, each of the three scenarios that exists run to `RESULT: as
    expected` (one that does not exist yet is named as skipped), no live
    screens (no terminal), nothing left behind;
  - as a user without root (nobody, through setpriv, when this runs as
    root; else the user running it): the loopback path: exit 0, the
    headings (server, curl, proxy, the analyzer on a bundled capture, what
    root adds), its temporary folder removed."""
import glob
import os
import shutil
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
import topo  # noqa: E402

DEMO = os.path.join(labtest.TOP, "lab", "demo.sh")
SCENARIOS = ["active-behind-nat", "active-behind-nat-proxy", "server-behind-nat-wrong-pasv"]
LOOPBACK_HEADINGS = [
    "== ftplab demo on loopback (127.0.0.1); no lab scenarios here: ",
    "== curl lists /pub (passive mode",
    "1 MiB received, identical to the original",
    "== What the server saw",
    "C> EPRT |1|127.0.0.1|",
    "== ftplab-proxy on 127.0.0.1:",
    "C>P PASV | P>S PASV",
    "== ftplab-analyzer explains a capture of a server behind NAT",
    "pasv-address-mismatch",
    "== What root adds",
    "sudo ./ftplab demo",
]


def run_demo(bin_dir, prefix=(), timeout=90):
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "CI": "true", "HOME": "/tmp",
           "LANG": "C.UTF-8", "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.monotonic()
    try:
        r = subprocess.run(list(prefix) + [DEMO, bin_dir], stdin=subprocess.DEVNULL,
                           stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           errors="replace", env=env, timeout=timeout, cwd="/tmp")
    except subprocess.TimeoutExpired as e:
        sys.stdout.write((e.output or b"").decode(errors="replace")
                         if isinstance(e.output, bytes) else (e.output or ""))
        labtest.fail("demo.sh did not end within %d s" % timeout)
    secs = time.monotonic() - start
    sys.stdout.write(r.stdout)
    print("(demo.sh: exit %d after %.1f s)" % (r.returncode, secs))
    return r.returncode, r.stdout, secs


def need(out, texts, what):
    for t in texts:
        if t not in out:
            labtest.fail("%s: no %r in the output" % (what, t))


def lab_path(bin_dir):
    labtest.refuse_if_lab_up()
    rules = labtest.host_rules()
    code, out, secs = run_demo(bin_dir)
    if code != 0:
        labtest.fail("demo.sh (root) exited %d" % code)
    need(out, ["== ftplab demo: FTP through a NAT, on network namespaces",
               "== What the demo showed", "./ftplab lab list"], "root")
    if "Live:" in out or "Press q" in out:
        labtest.fail("live screens offered without a terminal")
    for i, s in enumerate(SCENARIOS, 1):
        if os.path.isfile(os.path.join(labtest.TOP, "lab", s, "scenario.py")):
            need(out, ["== Scenario %d of 3: %s\n" % (i, s), "=== ftplab lab: %s " % s,
                       "  ran:     %s\n" % s], s)
        else:
            need(out, ["== Scenario %d of 3: %s: skipped" % (i, s), "  skipped: %s" % s], s)
    ran = sum(os.path.isfile(os.path.join(labtest.TOP, "lab", s, "scenario.py"))
              for s in SCENARIOS)
    if out.count("RESULT: as expected") != ran:
        labtest.fail("%d `RESULT: as expected` for %d scenarios" % (
            out.count("RESULT: as expected"), ran))
    left = labtest.leftovers(rules)
    if left:
        labtest.fail("left behind: " + "; ".join(left))
    print("root path: %d scenarios in %.1f s" % (ran, secs))


def loopback_path(bin_dir, prefix=()):
    before = set(glob.glob("/tmp/ftplab-demo.*"))
    code, out, secs = run_demo(bin_dir, prefix)
    if code != 0:
        labtest.fail("demo.sh (no root) exited %d" % code)
    need(out, LOOPBACK_HEADINGS, "loopback")
    left = set(glob.glob("/tmp/ftplab-demo.*")) - before
    if left:
        labtest.fail("demo.sh left %s" % ", ".join(sorted(left)))
    print("loopback path in %.1f s" % secs)


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    if os.geteuid() != 0:
        loopback_path(bin_dir)
    else:
        if topo.netns_unavailable():
            print("(no network namespaces here: %s; only the loopback path)"
                  % topo.netns_unavailable())
        else:
            lab_path(bin_dir)
        setpriv = shutil.which("setpriv")
        nobody = [setpriv, "--reuid=nobody", "--regid=nogroup", "--clear-groups"]
        probe = subprocess.run(nobody + ["test", "-r", DEMO, "-a", "-x",
                                         os.path.join(bin_dir, "ftplab-proxy")],
                               capture_output=True) if setpriv else None
        if probe is None or probe.returncode != 0:
            print("(the loopback path as nobody: skipped: no setpriv, or nobody cannot read "
                  "%s or run %s)" % (DEMO, bin_dir))
            if topo.netns_unavailable():
                loopback_path(bin_dir)     # as root, without namespaces: the loopback path
        else:
            loopback_path(bin_dir, nobody)
    print("PASS: lab.demo")


if __name__ == "__main__":
    main()
