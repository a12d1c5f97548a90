#!/usr/bin/env python3
"""ctest lab.cli: what needs no network namespaces.

    test_cli.py BIN_DIR

- every lab/<name>/scenario.py loads and validates, and its README.md has
  the sections of the format (lab/README.md, "Adding a scenario");
- `list` works without root (as user nobody when we are root) and shows
  every scenario with its outcome and lesson;
- `run`, `shell` and `down` without root exit 2 saying root is needed;
- an unknown scenario, an unknown --client, and a variant a scenario
  cannot do exit 2 with a message that says what to do;
- without the kernel's FTP helper, the ALG scenario is skipped, saying why;
- the ASCII drawing of each layout names every node and capture point."""
import os
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402

sys.path.insert(0, os.path.join(labtest.TOP, "lab"))
import labkit  # noqa: E402
from labkit import layouts, runner  # noqa: E402
import topo  # noqa: E402

README_SECTIONS = ("## The lesson", "## What happens on the wire", "## What to look at",
                   "## Try next")


def as_nobody():
    """argv prefix that drops root (setpriv), or [] when we are not root."""
    if os.geteuid() != 0:
        return []
    return ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"]


def lab(args, user=()):
    r = subprocess.run(list(user) + [sys.executable, labtest.LAB] + list(args),
                       capture_output=True, text=True, timeout=60,
                       env=dict(os.environ, PYTHONDONTWRITEBYTECODE="1"))
    return r.returncode, r.stdout + r.stderr


def main():
    problems = []
    scns = labkit.load_all()
    names = [s.name for s in scns]
    if len(names) < 5:
        problems.append("fewer than 5 scenarios: %s" % names)
    for s in scns:
        with open(os.path.join(s.folder, "README.md")) as f:
            readme = f.read()
        if not readme.startswith("# %s" % s.name):
            problems.append("lab/%s/README.md does not start with '# %s'" % (s.name, s.name))
        problems += ["lab/%s/README.md has no %r section" % (s.name, sec)
                     for sec in README_SECTIONS if sec not in readme]
        for server in labkit.SERVERS:
            for client in labkit.CLIENTS:
                why = s.variant_problem(server, client)
                if why and s.name not in why:
                    problems.append("%s: a variant message that does not name it: %s"
                                    % (s.name, why))

    nobody = as_nobody()
    code, out = lab(["list"], nobody)
    if code != 0:
        problems.append("list as nobody: exit %d: %s" % (code, out))
    for s in scns:
        if not any(line.split()[:1] == [s.name] and s.outcome_text() in line
                   for line in out.splitlines()):
            problems.append("list does not show %s with its outcome:\n%s" % (s.name, out))
    if nobody or os.geteuid() != 0:
        for args in (["run", "passive-direct"], ["shell", "passive-direct", "client"],
                     ["down"]):
            code, out = lab(args, nobody)
            if code != 2 or "root" not in out:
                problems.append("%s without root: exit %d: %s" % (" ".join(args), code, out))
    code, out = lab(["run", "no-such-scenario"], nobody)
    if code != 2 or "lab list" not in out:
        problems.append("run no-such-scenario: exit %d: %s" % (code, out))
    code, out = lab(["run", "passive-direct", "--client", "wget"], nobody)
    if code != 2:
        problems.append("run --client wget: exit %d: %s" % (code, out))

    # a variant a scenario cannot do: a message naming it and what it can do
    one = labkit.load("passive-direct")
    one.clients = ("curl",)
    one.not_with = {"lftp": "it hides the PASV lesson"}
    why = one.variant_problem("ftplab", "lftp")
    if not why or "--client curl" not in why or "hides the PASV lesson" not in why:
        problems.append("variant message: %r" % why)
    eprt = labkit.load("active-direct")
    eprt.phases[0].action = labkit.Download("data.bin", mode="eprt")
    why = eprt.variant_problem("ftplab", "lftp")
    if not why or "EPRT" not in why:
        problems.append("lftp cannot do EPRT over IPv4, but: %r" % why)

    # no kernel FTP helper: the ALG scenario is skipped (lab.py exit 77), saying why
    saved = topo._alg_status
    topo._alg_status = (False, "nf_conntrack_ftp: missing (simulated)")
    try:
        scn = labkit.load("active-behind-nat-kernel-alg")
        runner.check_variant(scn, "ftplab", "curl",
                             runner.Lab(scn, "ftplab", "curl", sys.argv[1], "/nonexistent"))
        problems.append("no Skip without the kernel FTP helper")
    except labkit.Skip as e:
        if "FTP ALG" not in str(e) or "simulated" not in str(e):
            problems.append("the Skip does not say why: %s" % e)
    finally:
        topo._alg_status = saved

    for name, lay in layouts.LAYOUTS.items():
        addrs = {(n, i): ["192.0.2.%d/24" % k] for k, (n, a, b) in enumerate(lay.chain, 1)
                 for i in (a, b) if i}
        pic = layouts.draw(lay, addrs, lay.captures)
        for node, _, _ in lay.chain:
            if node not in pic:
                problems.append("layout %s: no %s in the drawing:\n%s" % (name, node, pic))
        for label in lay.captures:
            if "capture %s" % label not in pic:
                problems.append("layout %s: no capture %s in the drawing:\n%s"
                                % (name, label, pic))
    if problems:
        labtest.fail("\n  ".join(problems))
    print("PASS: %d scenarios load, README sections, list without root, refusals, drawings"
          % len(scns))
    return 0


if __name__ == "__main__":
    sys.exit(main())
