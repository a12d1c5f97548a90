#!/usr/bin/env python3
"""ctest lab.record: `lab.py record` into a temporary captures folder.

    test_record.py BIN_DIR

Records passive-direct (one phase, a transfer with a sha256) and
active-behind-nat (two tagged phases, two sides) with --captures TMPDIR,
then checks:
  - exit 0; every row of TMPDIR/TESTLIST names files that exist, one pcap
    per capture named SCENARIO[-TAG]-SIDE.pcap, with a text and a JSON row
    carrying --normalize; the pcaps are small (the served file is 16 KiB);
  - tests/golden/run.sh BIN_DIR TMPDIR/TESTLIST passes: the expected files
    are what the golden runner computes, with the same normaliser;
  - the expected files hold no time or random port (normalised) but the
    sha256 of the seeded data.bin;
  - a second record gives identical expected files and TESTLIST (the pcaps
    differ: new times, new ports);
  - an unknown scenario is refused (exit 2) before anything runs;
  - nothing is left (namespaces, processes, state file, host rules).
Exit 77 without root."""
import filecmp
import os
import re
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labtest  # noqa: E402

SCENARIOS = ["passive-direct", "active-behind-nat"]
WANT_PCAPS = ["active-behind-nat-fxp-inside.pcap", "active-behind-nat-fxp-outside.pcap",
              "active-behind-nat-refused-inside.pcap", "active-behind-nat-refused-outside.pcap",
              "passive-direct-wire.pcap"]
MAX_PCAP = 100 * 1024


def record(bin_dir, captures, *extra):
    return labtest.lab(["record"] + SCENARIOS + ["--captures", captures] + list(extra),
                       bin_dir, timeout=180)


def expected_files(d):
    return sorted(f for f in os.listdir(d) if f.endswith(".expected"))


def main():
    bin_dir = os.path.abspath(sys.argv[1])
    labtest.skip_unless_root()
    labtest.refuse_if_lab_up()
    rules = labtest.host_rules()
    tmp = tempfile.mkdtemp(prefix="ftplab-test-record-")
    try:
        first, second = os.path.join(tmp, "first"), os.path.join(tmp, "second")
        code, out = record(bin_dir, first)
        if code != 0:
            labtest.fail("record exited %s" % code)
        pcaps = sorted(f for f in os.listdir(first) if f.endswith(".pcap"))
        if pcaps != WANT_PCAPS:
            labtest.fail("pcaps %s, want %s" % (pcaps, WANT_PCAPS))
        for p in pcaps:
            size = os.path.getsize(os.path.join(first, p))
            if not 0 < size <= MAX_PCAP:
                labtest.fail("%s: %d bytes (want 1..%d)" % (p, size, MAX_PCAP))
        rows = [ln.split() for ln in open(os.path.join(first, "TESTLIST"))
                if ln.strip() and not ln.startswith("#")]
        if len(rows) != 2 * len(pcaps):
            labtest.fail("%d TESTLIST rows for %d pcaps" % (len(rows), len(pcaps)))
        for r in rows:
            if "--normalize" not in r[3:] or not r[0].startswith("lab-"):
                labtest.fail("row without --normalize or lab- name: %s" % " ".join(r))
            for f in r[1:3]:
                if not os.path.isfile(os.path.join(first, f)):
                    labtest.fail("row %s names a missing file %s" % (r[0], f))
        if sorted(set(r[2] for r in rows)) != expected_files(first):
            labtest.fail("expected files and TESTLIST rows differ")

        g = subprocess.run([os.path.join(labtest.TOP, "tests", "golden", "run.sh"), bin_dir,
                            os.path.join(first, "TESTLIST")], capture_output=True, text=True,
                           timeout=120)
        print(g.stdout + g.stderr)
        if g.returncode != 0:
            labtest.fail("tests/golden/run.sh on the recorded TESTLIST failed")

        text = open(os.path.join(first, "passive-direct-wire.expected")).read()
        js = open(os.path.join(first, "passive-direct-wire-json.expected")).read()
        if not re.search(r"^#1 \+T OPEN 192\.0\.2\.2:P1 -> 192\.0\.2\.1:21$", text, re.M):
            labtest.fail("the text's OPEN line is not normalised:\n" + text)
        if (re.search(r"\+\d+\.\d{3} |\d:\d{4,5}\b|,\d+,\d+\)", text)
                or re.search(r'"ts":\d|\d:\d{4,5}\b|"resp_p":\d', js)):
            labtest.fail("a time or a port left in the expected files:\n" + text)
        sha = re.search(r"sha256 ([0-9a-f]{64})", text)
        if not sha or sha.group(1) not in js or "16384 bytes" not in text:
            labtest.fail("no sha256 of the 16 KiB data.bin in the expected files")

        code, out = record(bin_dir, second)
        if code != 0:
            labtest.fail("the second record exited %s" % code)
        names = expected_files(first) + ["TESTLIST"]
        same, diff, err = filecmp.cmpfiles(first, second, names, shallow=False)
        if diff or err or expected_files(second) != expected_files(first):
            for f in diff:
                subprocess.run(["diff", "-u", os.path.join(first, f), os.path.join(second, f)])
            labtest.fail("a second record differs: %s %s" % (diff, err))
        print("second record: %d expected files and TESTLIST identical" % (len(same) - 1))

        code, out = labtest.lab(["record", "no-such-scenario", "--captures", second], bin_dir,
                                timeout=60)
        if code != 2 or "no scenario" not in out:
            labtest.fail("record of an unknown scenario: exit %s" % code)

        left = labtest.leftovers(rules)
        if left:
            labtest.fail("left behind: " + "; ".join(left))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("PASS: lab.record")


if __name__ == "__main__":
    main()
