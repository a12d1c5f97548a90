#!/usr/bin/env python3
"""ctest lab.keep: `run --keep`, `shell`, `down`.

    test_keep.py BIN_DIR

run active-behind-nat-proxy --keep leaves the namespaces, ftplab-server and
ftplab-proxy up after lab.py has exited; `shell SCENARIO NODE -c CMD` runs
inside a node (its exit status passed on) and reaches the kept server
through the kept proxy; a second `run` is refused naming the kept lab;
`shell` with another scenario or an unknown node is refused; `down` stops
and deletes everything and says so, and a second `down` is a no-op."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
import topo  # noqa: E402

SCN = "active-behind-nat-proxy"


def expect(code, out, want_code, *texts):
    if code != want_code:
        labtest.fail("exit %d, wanted %d:\n%s" % (code, want_code, out))
    for t in texts:
        if t not in out:
            labtest.fail("no %r in:\n%s" % (t, out))


def main():
    bin_dir = sys.argv[1]
    labtest.skip_unless_root()
    labtest.refuse_if_lab_up()
    rules = labtest.host_rules()
    out = tempfile.mkdtemp(prefix="ftplab-labtest-")
    downed = False
    try:
        code, text = labtest.lab(["run", SCN, "--keep", "--out", out], bin_dir)
        expect(code, text, 0, "The lab stays up (--keep)", "./ftplab lab down")
        result = labtest.read_result(out)
        # after lab.py's exit: namespaces, server and proxy still up, listening
        ns = sorted(n for n in topo.netns_list() if n.startswith("ftplab-lab-"))
        if ns != ["ftplab-lab-client", "ftplab-lab-nat", "ftplab-lab-server"]:
            labtest.fail("namespaces after run --keep: %s" % ns)
        procs = {p["what"]: p for p in result["procs"]}
        for what in ("ftplab-server", "ftplab-proxy"):
            if what not in procs or not labtest.alive(procs[what]["pid"], procs[what]["args"]):
                labtest.fail("%s is not running after run --keep: %s" % (what, procs))
        for node, port in (("server", 21), ("nat", 2121)):
            code, text = labtest.lab(["shell", SCN, node, "-c", "cat /proc/net/tcp"], bin_dir,
                                     echo=False)
            if code != 0 or ":%04X 00000000:0000 0A" % port not in text:
                labtest.fail("nothing listens on %d in %s:\n%s" % (port, node, text))
        # shell: non-interactive commands inside the client's namespace
        code, text = labtest.lab(["shell", SCN, "client", "-c", "ip -br -4 addr"], bin_dir)
        expect(code, text, 0, "10.0.1.2/24")
        code, text = labtest.lab(["shell", SCN, "client", "-c",
                                  "curl -sS --max-time 10 -P - --disable-eprt "
                                  "ftp://$LAB_SERVER/hello.txt"], bin_dir)
        expect(code, text, 0, "Hello from the ftplab lab.")
        code, text = labtest.lab(["shell", SCN, "client", "-c", "exit 3"], bin_dir)
        expect(code, text, 3)
        # refusals, each naming the kept lab
        code, text = labtest.lab(["shell", "passive-direct", "client", "-c", "true"], bin_dir)
        expect(code, text, 2, "the lab that is up is %s" % SCN)
        code, text = labtest.lab(["shell", SCN, "router", "-c", "true"], bin_dir)
        expect(code, text, 2, "no node 'router'", "client, nat, server")
        code, text = labtest.lab(["run", "passive-direct", "--out", out], bin_dir)
        expect(code, text, 2, "the lab %s is up" % SCN, "./ftplab lab down")
        # down, twice
        code, text = labtest.lab(["down"], bin_dir)
        downed = True
        expect(code, text, 0, "stopping:", "deleted namespaces", "ftplab-lab-client",
               "is down")
        left = labtest.leftovers(rules, result, out)
        if left:
            labtest.fail("after down: " + "; ".join(left))
        code, text = labtest.lab(["down"], bin_dir)
        expect(code, text, 0, "nothing to remove")
        code, text = labtest.lab(["shell", SCN, "client", "-c", "true"], bin_dir)
        expect(code, text, 2, "no lab is kept up")
        print("PASS: run --keep, shell, refusals, down, down again")
        return 0
    finally:
        if not downed:
            labtest.lab(["down"], bin_dir)
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
