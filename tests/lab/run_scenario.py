#!/usr/bin/env python3
"""ctest lab.<scenario>[.<variant>]: run one lab scenario and check it.

    run_scenario.py BIN_DIR SCENARIO [--server S] [--client C]

Runs `lab/lab.py run SCENARIO --out TMPDIR` and requires exit status 0: the
runner's own checks of the analyzer's JSON (lab/SCENARIO/scenario.py) held,
failures included where the scenario must fail. Then re-checks from what it
saved (result.json, the .jsonl of each capture, the pcaps):
  - every phase as expected, no check false;
  - every capture a pcap with packets, decoded into JSON records;
  - a phase that WORKS: the client succeeded; for a download, some capture
    holds a complete transfer whose sha256 is that of the client's file;
  - a phase that FAILS: the client's exit status is not 0; for a download,
    no capture holds a complete transfer of it;
and that nothing is left: no ftplab-lab-* namespace, no state file, no
process of the run, the lab's folder removed, the host's iptables rules
unchanged. Exit 77 (skipped) without root or when the scenario cannot run
here (e.g. no kernel FTP helper)."""
import os
import shutil
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402
import topo  # noqa: E402


def scenario_timeout(name):
    """The scenario's own bound (Scenario.timeout), plus a margin."""
    sys.path.insert(0, os.path.join(labtest.TOP, "lab"))
    try:
        import labkit
        return labkit.load(name).timeout + 30
    except Exception:          # the run itself will say what is wrong with it
        return 90


def recheck(result):
    problems = []
    if not result.get("ok"):
        problems.append("result.json says ok=false")
    for i, ph in enumerate(result["phases"], 1):
        where = "phase %d (%s)" % (i, ph["name"])
        if not ph["as_expected"]:
            problems.append("%s: not as expected" % where)
        problems += ["%s: %s" % (where, f["text"]) for f in ph["facts"] if f["ok"] is False]
        complete = []
        for label, cap in ph["captures"].items():
            ok, why = topo.pcap_check(cap["pcap"])
            if not ok:
                problems.append("%s: capture %s: %s" % (where, label, why))
            try:
                recs = labtest.read_jsonl(cap["json_path"])
            except (OSError, ValueError) as e:
                problems.append("%s: %s: %s" % (where, cap["json_path"], e))
                continue
            complete += [r for r in recs if r.get("type") == "transfer"
                         and r.get("status") == "complete"]
        client, action = ph["client"], ph["action"]
        download = action.get("op") == "get"
        if ph["expect"] == "works":
            if not client["ok"]:
                problems.append("%s: the client did not succeed: %s" % (where, client["summary"]))
            if download and not any(r.get("sha256") == client["sha256"] for r in complete):
                problems.append("%s: no capture has a complete transfer with the sha256 of "
                                "the client's file" % where)
        else:
            if client["exit"] == 0:
                problems.append("%s: the client's exit status is 0" % where)
            done = [r for r in complete if r.get("cmd") == "RETR"
                    and r.get("arg") == action.get("path")]
            if download and done:
                problems.append("%s: a capture has a complete RETR %s" % (where, action["path"]))
    return problems


def main():
    if len(sys.argv) < 3:
        sys.exit(__doc__)
    bin_dir, name, variant = sys.argv[1], sys.argv[2], sys.argv[3:]
    labtest.skip_unless_root()
    labtest.refuse_if_lab_up()
    rules = labtest.host_rules()
    out = tempfile.mkdtemp(prefix="ftplab-labtest-")
    try:
        code, text = labtest.lab(["run", name, "--out", out] + variant, bin_dir,
                                 timeout=scenario_timeout(name))
        if code == labtest.SKIP:
            print("SKIPPED: lab.py could not run %s here (see above)" % name)
            return labtest.SKIP
        result = labtest.read_result(out) if os.path.exists(
            os.path.join(out, "result.json")) else None
        left = labtest.leftovers(rules, result, out)
        if code != 0:
            labtest.fail("lab.py run %s %s: exit %d (0: the expected outcome)%s"
                         % (name, " ".join(variant), code,
                            "; and it left: " + "; ".join(left) if left else ""))
        problems = recheck(result)
        if left:
            problems.append("left behind: " + "; ".join(left))
        if problems:
            labtest.fail("\n  ".join(["%s:" % " ".join([name] + variant)] + problems))
        print("PASS: %s: %s in %.1f s, nothing left behind"
              % (" ".join([name] + variant), ", ".join(p["expect"] for p in result["phases"]),
                 result["seconds"]))
        return 0
    finally:
        shutil.rmtree(out, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
