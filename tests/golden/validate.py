#!/usr/bin/env python3
"""tests/golden/validate.py - ftplab-analyzer against third parties' expected
outputs: the baselines of Zeek's test suite and the checks of Suricata's
verification suite, for the captures in ../shared/captures
(docs/analyzer-validation.md explains the method and every difference).

    tests/golden/validate.py BIN_DIR                 check (exit 1 on a failure)
    tests/golden/validate.py BIN_DIR --verbose       and show every difference
    tests/golden/validate.py BIN_DIR --update-floor  record today's agreement
    tests/golden/validate.py BIN_DIR --markdown      the tables in Markdown

1. Every capture under the shared folder (*.pcap, *.pcapng, *.cap, gzipped too) is decoded
   in the three formats (--text, --json, --zeek): each run must exit 0 with an
   empty standard error (under AddressSanitizer a report fails it).
2. Zeek: each zeek/baseline/<test>/ftp.log is compared row by row with our
   --zeek output for the trace that test read, with the flags that reproduce
   its script's redefs (logged_commands -> --zeek-commands,
   default_capture_password -> --show-passwords). Rows are aligned per
   connection, in order; compared fields: command, arg, reply_code,
   data_channel.{passive,orig_h,resp_h,resp_p}; user, password, file_size and
   reply_msg are reported as information only. Baselines of other files
   (analyzer.log and violation events, file hashes) give facts too.
3. Suricata: the ftp / ftp_data facts of every suricata-verify test.yaml
   (event_type ftp, ftp_data, alerts with ftp.* fields, ftp-data fileinfo,
   ftp and ftp-data flows) are checked against our --json records; a fact
   agrees when our records contain it (as many times as the check counts,
   when the count does not depend on Suricata's configuration).

It passes when every run of step 1 is clean and every comparison agrees at
least as much as tests/golden/validation-floor.txt records. Without the
shared captures (a fresh clone) it prints why and exits 77 (skipped).
Environment: FTPLAB_SHARED_CAPTURES overrides the captures folder.
"""
import argparse
import collections
import concurrent.futures
import difflib
import gzip
import ipaddress
import json
import os
import re
import struct
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.normpath(os.path.join(HERE, "..", ".."))
FLOOR_FILE = os.path.join(HERE, "validation-floor.txt")
SKIP = 77
RUN_TIMEOUT = 300
PCAP_SUFFIXES = (".pcap", ".pcapng", ".cap")


def captures_dir():
    env = os.environ.get("FTPLAB_SHARED_CAPTURES")
    if env:
        return os.path.abspath(env)
    return os.path.normpath(os.path.join(REPO, "..", "shared", "captures"))


# ---------------------------------------------------------------------------
# Running the analyzer (each (capture, flags) once)
# ---------------------------------------------------------------------------

class Runner:
    def __init__(self, analyzer):
        self.analyzer = analyzer
        self.cache = {}

    def _run(self, pcap, flags):
        cmd = [self.analyzer, "-r", pcap] + list(flags)
        try:
            p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                               timeout=RUN_TIMEOUT)
            return p.returncode, p.stdout, p.stderr
        except subprocess.TimeoutExpired:
            return -1, b"", b"timed out after %d s" % RUN_TIMEOUT

    def prefetch(self, jobs):
        todo = [(p, tuple(f)) for p, f in jobs if (p, tuple(f)) not in self.cache]
        todo = list(dict.fromkeys(todo))
        workers = max(1, min(8, os.cpu_count() or 1))
        with concurrent.futures.ThreadPoolExecutor(workers) as ex:
            for key, res in zip(todo, ex.map(lambda k: self._run(*k), todo)):
                self.cache[key] = res

    def run(self, pcap, flags):
        key = (pcap, tuple(flags))
        if key not in self.cache:
            self.cache[key] = self._run(pcap, flags)
        return self.cache[key]


# ---------------------------------------------------------------------------
# A small pcap / pcapng reader: the TCP connections of a capture, to find
# which trace a baseline was made from without trusting the analyzer.
# ---------------------------------------------------------------------------

def _ip_payload(linktype, frame):
    """(version, ip packet) of a frame, or None."""
    if linktype == 1:  # Ethernet, VLAN tags skipped
        off, etype = 12, None
        while off + 2 <= len(frame):
            etype = struct.unpack_from("!H", frame, off)[0]
            if etype in (0x8100, 0x88A8, 0x9100):
                off += 4
                continue
            break
        pkt = frame[off + 2:]
        return {0x0800: (4, pkt), 0x86DD: (6, pkt)}.get(etype)
    if linktype == 0:  # BSD loopback: address family in host order
        if len(frame) < 4:
            return None
        fam = max(struct.unpack_from("<I", frame)[0], struct.unpack_from(">I", frame)[0])
        return (4, frame[4:]) if fam == 2 else (6, frame[4:]) if fam in (10, 24, 28, 30) else None
    if linktype == 113:  # Linux cooked v1
        etype = struct.unpack_from("!H", frame, 14)[0] if len(frame) >= 16 else 0
        return {0x0800: (4, frame[16:]), 0x86DD: (6, frame[16:])}.get(etype)
    if linktype == 276:  # Linux cooked v2
        etype = struct.unpack_from("!H", frame, 0)[0] if len(frame) >= 20 else 0
        return {0x0800: (4, frame[20:]), 0x86DD: (6, frame[20:])}.get(etype)
    if linktype in (12, 14, 101, 228, 229):  # raw IP
        if not frame:
            return None
        return (frame[0] >> 4, frame)
    return None


def _tcp_ports(version, pkt):
    """(src, sport, dst, dport) of a TCP packet, or None."""
    if version == 4 and len(pkt) >= 20:
        ihl = (pkt[0] & 15) * 4
        frag = struct.unpack_from("!H", pkt, 6)[0] & 0x1FFF
        if pkt[9] != 6 or frag or len(pkt) < ihl + 4:
            return None
        src, dst = ipaddress.ip_address(pkt[12:16]), ipaddress.ip_address(pkt[16:20])
        off = ihl
    elif version == 6 and len(pkt) >= 40:
        nxt, off = pkt[6], 40
        src, dst = ipaddress.ip_address(pkt[8:24]), ipaddress.ip_address(pkt[24:40])
        while nxt in (0, 43, 60, 44) and off + 8 <= len(pkt):
            if nxt == 44:
                if struct.unpack_from("!H", pkt, off + 2)[0] & 0xFFF8:
                    return None
                nxt, off = pkt[off], off + 8
            else:
                nxt, off = pkt[off], off + (pkt[off + 1] + 1) * 8
        if nxt != 6 or len(pkt) < off + 4:
            return None
    else:
        return None
    sport, dport = struct.unpack_from("!HH", pkt, off)
    return (str(src), sport, str(dst), dport)


def _frames(path):
    """(linktype, frame bytes) of each packet of a pcap or pcapng file."""
    with open(path, "rb") as f:
        data = f.read()
    if data[:2] == b"\x1f\x8b":
        data = gzip.decompress(data)
    magic = data[:4]
    little = (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1")  # microseconds, nanoseconds
    if magic in little or magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = "<" if magic in little else ">"
        linktype = struct.unpack_from(e + "I", data, 20)[0] & 0x0FFFFFFF
        off = 24
        while off + 16 <= len(data):
            incl = struct.unpack_from(e + "I", data, off + 8)[0]
            yield linktype, data[off + 16:off + 16 + incl]
            off += 16 + incl
    elif magic == b"\x0a\x0d\x0d\x0a":
        e, off, links = "<", 0, []
        while off + 12 <= len(data):
            btype = struct.unpack_from(e + "I", data, off)[0]
            if btype == 0x0A0D0D0A:
                e = "<" if data[off + 8:off + 12] == b"\x4d\x3c\x2b\x1a" else ">"
                links = []
            blen = struct.unpack_from(e + "I", data, off + 4)[0]
            if blen < 12:
                break
            if btype == 1:
                links.append(struct.unpack_from(e + "H", data, off + 8)[0])
            elif btype == 6 and off + 28 <= len(data):
                ifid, _, _, incl = struct.unpack_from(e + "IIII", data, off + 8)
                if ifid < len(links):
                    yield links[ifid], data[off + 28:off + 28 + incl]
            elif btype == 3 and links:
                yield links[0], data[off + 12:off + blen - 4]
            off += blen


def pcap_connections(path):
    """The TCP 4-tuples seen in a capture, both directions."""
    out = set()
    try:
        for linktype, frame in _frames(path):
            ip = _ip_payload(linktype, frame)
            t = _tcp_ports(*ip) if ip else None
            if t:
                out.add(t)
    except (OSError, EOFError, struct.error, ValueError):
        pass
    return out


# ---------------------------------------------------------------------------
# A YAML subset reader for suricata-verify's test.yaml files (block maps and
# lists, flow lists, quoted and plain scalars, comments), read the way
# PyYAML reads them, so that the test does not need PyYAML.
# ---------------------------------------------------------------------------

def _yaml_scalar(s):
    s = s.strip()
    if s[:1] in ("'", '"'):
        q = s[0]
        end = s.rfind(q)
        body = s[1:end]
        if q == "'":
            return body.replace("''", "'")
        return json.loads('"' + body + '"')
    if s in ("", "~", "null", "Null", "NULL"):
        return None
    if s in ("true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"):
        return True
    if s in ("false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"):
        return False
    if re.fullmatch(r"[-+]?(0|[1-9][0-9_]*)", s):
        return int(s.replace("_", ""))
    if re.fullmatch(r"[-+]?([0-9][0-9_]*)?\.[0-9_]+([eE][-+][0-9]+)?", s):
        return float(s.replace("_", ""))
    return s


def _yaml_flow(s):
    """A flow sequence: [a, 'b', "c"]."""
    inner = s.strip()[1:-1]
    items, cur, q = [], "", None
    for ch in inner:
        if q:
            cur += ch
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
            cur += ch
        elif ch == ",":
            items.append(cur)
            cur = ""
        else:
            cur += ch
    if cur.strip():
        items.append(cur)
    return [_yaml_scalar(i) for i in items]


def _strip_comment(line):
    q = None
    for i, ch in enumerate(line):
        if q:
            if ch == q:
                q = None
        elif ch in "'\"":
            q = ch
        elif ch == "#" and (i == 0 or line[i - 1] in " \t"):
            return line[:i].rstrip()
    return line.rstrip()


def yaml_load(text):
    lines = []
    raw = text.splitlines()
    i = 0
    while i < len(raw):
        line = _strip_comment(raw[i])
        i += 1
        if not line.strip():
            continue
        # a flow sequence spanning lines
        if line.count("[") > line.count("]") and (": [" in line or line.strip().startswith("- [")):
            while line.count("[") > line.count("]") and i < len(raw):
                line += " " + _strip_comment(raw[i]).strip()
                i += 1
        lines.append((len(line) - len(line.lstrip(" ")), line.strip()))
    pos = [0]

    def value_of(s):
        s = s.strip()
        if s.startswith("[") and s.endswith("]"):
            return _yaml_flow(s)
        return _yaml_scalar(s)

    def split_key(s):
        m = re.match(r"""((?:"[^"]*"|'[^']*'|[^:'"])+?):(?:\s+(.*))?$""", s)
        if not m or s.startswith("- "):
            return None
        return _yaml_scalar(m.group(1)), (m.group(2) or "")

    def block(indent):
        if pos[0] >= len(lines):
            return None
        ind, s = lines[pos[0]]
        if s.startswith("- ") or s == "-":
            return seq(ind)
        return mapping(ind)

    def mapping(indent, first=None):
        out = {}
        while pos[0] < len(lines) or first is not None:
            if first is not None:
                s, first = first, None
            else:
                ind, s = lines[pos[0]]
                if ind != indent or s.startswith("- "):
                    break
                pos[0] += 1
            kv = split_key(s)
            if kv is None:
                raise ValueError("yaml: cannot read %r" % s)
            k, v = kv
            if v.strip():
                out[k] = value_of(v)
            elif pos[0] < len(lines) and (lines[pos[0]][0] > indent or
                                          (lines[pos[0]][0] == indent and
                                           lines[pos[0]][1].startswith("- "))):
                out[k] = block(lines[pos[0]][0])
            else:
                out[k] = None
        return out

    def seq(indent):
        out = []
        while pos[0] < len(lines):
            ind, s = lines[pos[0]]
            if ind != indent or not (s.startswith("- ") or s == "-"):
                break
            pos[0] += 1
            rest = s[1:].strip()
            if not rest:
                out.append(block(lines[pos[0]][0]) if pos[0] < len(lines) else None)
                continue
            kv = split_key(rest)
            if kv is not None and not rest.startswith(("'", '"', "[")):
                # "- key: value" opens a mapping whose keys sit at the column of "key"
                col = indent + (len(s) - len(rest))
                out.append(mapping(col, rest))
            else:
                out.append(value_of(rest))
        return out

    return block(0)


# ---------------------------------------------------------------------------
# Zeek
# ---------------------------------------------------------------------------

KEY_FIELDS = ("command", "arg", "reply_code", "data_channel.passive", "data_channel.orig_h",
              "data_channel.resp_h", "data_channel.resp_p")
INFO_FIELDS = ("user", "password", "file_size", "reply_msg")

# Zeek's test scripts (testing/btest/scripts/.../<name>.zeek): the trace each
# reads and its redefs. Traces named .trace in older Zeek are the .pcap here.
ZEEK_TESTS = {
    "scripts.base.protocols.ftp.cwd-navigation": ("cwd-navigation.pcap", {}),
    "scripts.base.protocols.ftp.ftp-auth-tls": (
        "ftp-auth-tls.pcap", {"logged_commands": ["<init>", "AUTH"]}),
    "scripts.base.protocols.ftp.ftp-get-file-size": ("ftp-with-numbers-in-filename.pcap", {}),
    "scripts.base.protocols.ftp.ftp-invalid-reply-code": (
        "ftp-invalid-reply-code.pcap", {"logged_commands": ["USER", "PASS", "SYST", "QUIT"]}),
    "scripts.base.protocols.ftp.ftp-ipv4": ("ipv4.pcap", {}),
    "scripts.base.protocols.ftp.ftp-ipv6": ("ipv6.pcap", {}),
    "scripts.base.protocols.ftp.ftp-max-arg-length": (
        "ipv4.pcap", {"logged_commands": ["CWD", "USER"], "max_arg_length": 13,
                      "max_reply_msg_length": 17}),
    "scripts.base.protocols.ftp.ftp-max-command-length": (
        "fake-long-commands.pcap", {"logged_commands": ["USER", "SYST"]}),
    "scripts.base.protocols.ftp.ftp-max-pending-commands": (
        "fake-server-delays-all.pcap", {"logged_commands": ["USER", "SYST"],
                                        "max_pending_commands": 5}),
    "scripts.base.protocols.ftp.ftp-max-user-length": (
        "ipv4.pcap", {"max_user_length": 4, "max_password_length": 2,
                      "default_capture_password": True}),
    "scripts.base.protocols.ftp.ftp-missing-reply-code": (
        "ftp-missing-reply-code.pcap", {"logged_commands": ["USER", "PASS", "SYST", "QUIT"]}),
    "scripts.base.protocols.ftp.ftp-missing-space-after-reply-code": (
        "ftp-missing-space-after-reply-code.pcap",
        {"logged_commands": ["USER", "PASS", "SYST", "QUIT"]}),
    "scripts.base.protocols.ftp.ftp-multiline-reply": (
        "ipv6-multiline-reply.pcap", {"logged_commands": ["<init>", "USER", "PASS"]}),
    "scripts.base.protocols.ftp.ftp-password-pass-command": (
        "ftp-password-pass-command.pcap", {"logged_commands": ["USER", "PASS", "SYST", "QUIT"],
                                           "default_capture_password": True}),
    "scripts.base.protocols.ftp.ftp-password-pass-command-hidden": (
        "ftp-password-pass-command.pcap", {"logged_commands": ["USER", "PASS", "SYST", "QUIT"],
                                           "default_capture_password": False}),
    "scripts.base.protocols.ftp.ftp-samba-retr": (
        "ipv6-retr-samba.pcap", {"logged_commands": ["USER", "PASS", "RETR"]}),
    "scripts.policy.protocols.ftp.bruteforce": ("bruteforce.pcap", {}),
    "scripts.policy.protocols.ftp.ftp": ("ipv6-multiline-reply.pcap", {}),
}


def zeek_flags(opts):
    """Our flags for a Zeek script's redefs, and the redefs we cannot follow."""
    flags, unsupported = ["--zeek"], []
    for k, v in sorted(opts.items()):
        if k == "logged_commands":
            flags += ["--zeek-commands", ",".join(v)]
        elif k == "default_capture_password":
            if v:
                flags.append("--show-passwords")
        else:
            unsupported.append("%s=%s" % (k, v))
    return flags, unsupported


def zeek_unescape(s):
    return re.sub(r"\\x([0-9a-fA-F]{2})", lambda m: chr(int(m.group(1), 16)), s)


def read_zeek_log(text):
    fields, rows = None, []
    for line in text.splitlines():
        if line.startswith("#fields\t"):
            fields = line.split("\t")[1:]
        elif line.startswith("#") or not line.strip() or fields is None:
            continue
        else:
            vals = line.split("\t")
            rows.append({f: zeek_unescape(v) for f, v in zip(fields, vals)})
    return rows


def conn_of(row):
    return (row.get("id.orig_h"), int(row.get("id.orig_p") or 0),
            row.get("id.resp_h"), int(row.get("id.resp_p") or 0))


def find_trace(conns, traces, hint):
    """The trace holding every connection of a baseline (the hint first)."""
    def holds(t):
        have = traces[t]
        return all((o, op, r, rp) in have or (r, rp, o, op) in have for o, op, r, rp in conns)
    if hint in traces and holds(hint):
        return hint, None
    found = [t for t in sorted(traces) if holds(t)]
    if len(found) == 1:
        return found[0], (None if hint is None else
                          "its connections are in %s, not in %s" % (found[0], hint))
    if hint in traces:
        return hint, "its connections are not in %s (they are in: %s)" % (
            hint, ", ".join(found) or "no trace")
    return (found[0] if found else None), "trace guessed from connections: %s" % (
        ", ".join(found) or "none")


def align(zrows, orows):
    """Pairs (z, o) of rows, per connection and in order; None for a row
    that has no partner."""
    byconn = collections.OrderedDict()
    for r in zrows:
        byconn.setdefault(conn_of(r), ([], []))[0].append(r)
    for r in orows:
        byconn.setdefault(conn_of(r), ([], []))[1].append(r)
    pairs = []
    for zs, os_ in byconn.values():
        sm = difflib.SequenceMatcher(None, [r["command"] for r in zs],
                                     [r["command"] for r in os_], autojunk=False)
        for tag, i1, i2, j1, j2 in sm.get_opcodes():
            if tag == "equal":
                pairs += list(zip(zs[i1:i2], os_[j1:j2]))
            else:
                n = min(i2 - i1, j2 - j1) if tag == "replace" else 0
                pairs += list(zip(zs[i1:i1 + n], os_[j1:j1 + n]))
                pairs += [(z, None) for z in zs[i1 + n:i2]]
                pairs += [(None, o) for o in os_[j1 + n:j2]]
    return pairs


def compare_zeek(name, base_dir, traces, zeek_dir, runner):
    zrows = read_zeek_log(open(os.path.join(base_dir, "ftp.log"), encoding="utf-8",
                               errors="surrogateescape").read())
    hint, opts = ZEEK_TESTS.get(name, (None, {}))
    conns = list(dict.fromkeys(conn_of(r) for r in zrows))
    trace, warn = find_trace(conns, traces, hint)
    res = {"kind": "zeek", "name": name, "trace": trace, "zeek": len(zrows), "ours": 0,
           "agree": 0, "differ": 0, "missing": 0, "extra": 0, "info": 0, "details": [],
           "notes": [], "error": None}
    if name not in ZEEK_TESTS:
        res["notes"].append("test not in validate.py's table: its script's redefs are unknown")
    if warn:
        res["notes"].append(warn)
    flags, unsupported = zeek_flags(opts)
    res["flags"] = " ".join(f if "," not in f and "<" not in f else "'%s'" % f
                            for f in flags[1:]) or "-"
    res["unsupported"] = unsupported
    if trace is None:
        res["error"] = "no trace holds its connections"
        return res
    rc, out, err = runner.run(os.path.join(zeek_dir, trace), flags)
    if rc != 0 or err:
        res["error"] = "analyzer exit %d: %s" % (rc, err.decode(errors="replace")[:200])
        return res
    orows = read_zeek_log(out.decode("utf-8", errors="surrogateescape"))
    res["ours"] = len(orows)
    for z, o in align(zrows, orows):
        if o is None:
            res["missing"] += 1
            res["details"].append("missing: %s" % zrow_str(z))
        elif z is None:
            res["extra"] += 1
            res["details"].append("extra:   %s" % zrow_str(o))
        else:
            bad = [f for f in KEY_FIELDS if z.get(f) != o.get(f)]
            info = [f for f in INFO_FIELDS if z.get(f) != o.get(f)]
            if bad:
                res["differ"] += 1
                res["details"].append("differ:  %s | %s" % (zrow_str(z), "; ".join(
                    "%s zeek %r ours %r" % (f, z.get(f), o.get(f)) for f in bad)))
            else:
                res["agree"] += 1
            if info:
                res["info"] += 1
                res["details"].append("info:    %s | %s" % (zrow_str(z), "; ".join(
                    "%s zeek %r ours %r" % (f, z.get(f), o.get(f)) for f in info)))
    return res


# Baselines checking other outputs than ftp.log: the trace of each (also
# found from the connections they name).
ZEEK_OTHER_TRACES = {
    "core.analyzer-confirmation-violation-info-ftp": "ipv6-violation.pcap",
    "scripts.base.frameworks.file-analysis.ftp": "retr.pcap",
}

_CONN_RE = re.compile(r"\[orig_h=([^,]+), orig_p=(\d+)/tcp, resp_h=([^,]+), resp_p=(\d+)/tcp")


def zeek_other_facts(base_dir):
    """Facts from a baseline's other files: protocol violations (analyzer.log,
    analyzer_violation_info lines) and files (SHA256 of file-analysis output).
    Each: (kind, conn, value)."""
    facts = []
    alog = os.path.join(base_dir, "analyzer.log")
    if os.path.exists(alog):
        for r in read_zeek_log(open(alog, encoding="utf-8", errors="surrogateescape").read()):
            facts.append(("violation", conn_of(r), r.get("failure_data")))
    for fn in (".stdout", "out", "output"):
        path = os.path.join(base_dir, fn)
        if not os.path.exists(path):
            continue
        conn, text = None, open(path, encoding="utf-8", errors="surrogateescape").read()
        for line in text.splitlines():
            m = _CONN_RE.search(line)
            if m:
                conn = (m.group(1), int(m.group(2)), m.group(3), int(m.group(4)))
            if line.startswith("analyzer_violation_info, Analyzer::ANALYZER_FTP,") and m:
                facts.append(("violation", conn, line[m.end():].split("], ", 1)[-1]
                              .split(", ", 1)[-1]))
            elif line.startswith("SHA256: ") and conn:
                facts.append(("file", conn, line.split()[1]))
    return facts


def compare_zeek_other(name, base_dir, traces, zeek_dir, runner):
    facts = zeek_other_facts(base_dir)
    if not facts:
        return None
    hint = ZEEK_OTHER_TRACES.get(name) or ZEEK_TESTS.get(name, (None, {}))[0]
    trace, warn = find_trace(list(dict.fromkeys(c for _, c, _ in facts)), traces, hint)
    res = {"kind": "zeek-other", "name": name, "trace": trace, "facts": len(facts), "agree": 0,
           "differ": 0, "details": [], "notes": [warn] if warn else [], "error": None}
    if trace is None:
        res["error"] = "no trace holds its connections"
        return res
    rc, out, err = runner.run(os.path.join(zeek_dir, trace), ["--json"])
    if rc != 0 or err:
        res["error"] = "analyzer exit %d: %s" % (rc, err.decode(errors="replace")[:200])
        return res
    recs = [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]
    sess = {r["session"]: r for r in recs if r.get("type") == "session"}

    def in_conn(r, conn):
        s = sess.get(r.get("session"), {})
        cli, srv = endpoint(s.get("client")), endpoint(s.get("server"))
        return cli == (conn[0], conn[1]) and srv == (conn[2], conn[3])

    for kind, conn, value in facts:
        if kind == "violation":
            # a malformed line Zeek calls a violation: our malformed-* diagnostic
            ok = any(r.get("type") == "diagnostic" and r.get("kind") in (
                "malformed-reply", "malformed-command") and in_conn(r, conn) and
                (value in (None, "-") or r["evidence"].get("line") == zeek_unescape(value))
                for r in recs)
            what = "violation %r" % value
        else:
            ok = any(r.get("type") == "transfer" and r.get("sha256") == value and
                     {endpoint(r.get("data_client")), endpoint(r.get("data_server"))} ==
                     {(conn[0], conn[1]), (conn[2], conn[3])} for r in recs)
            what = "file sha256 %s" % value
        if ok:
            res["agree"] += 1
        else:
            res["differ"] += 1
            res["details"].append("differ: %s on %s:%d -> %s:%d" % ((what,) + conn))
    return res


def zrow_str(r):
    return "%s:%s %s %s -> %s" % (r.get("id.orig_h"), r.get("id.orig_p"), r.get("command"),
                                  r.get("arg"), r.get("reply_code"))


# ---------------------------------------------------------------------------
# Suricata
# ---------------------------------------------------------------------------

# Suricata's default app-layer.protocols.ftp.max-line-length: longer command
# and reply lines are cut there and flagged *_truncated.
SURICATA_MAX_LINE = 4096

# Tests whose counts depend on Suricata's configuration rather than on the
# trace: their checks are read as "exists" (count >= 1), count 0 is skipped.
CONFIG_ARGS = ("--simulate-ips", "app-layer.protocols.ftp.")
# Tests configured by a suricata.yaml that is not copied here.
CONFIG_FILES = {
    "ftp/ftp-too-long-command-higher-limit":
        "max-line-length raised by its suricata.yaml: truncation flags are not facts",
}

IGNORED_KEYS = {"event_type", "app_proto", "proto", "alert.signature_id", "alert.action",
                "fileinfo.stored", "fileinfo.tx_id", "pcap_cnt"}


def endpoint(s):
    """'1.2.3.4:21' / '[::1]:21' -> (addr, port)."""
    if not s:
        return None, None
    host, _, port = s.rpartition(":")
    return host.strip("[]"), int(port)


class Ours:
    """Our --json records of a capture, in the shapes Suricata logs."""

    def __init__(self, records):
        self.sessions = {r["session"]: r for r in records if r.get("type") == "session"}
        self.tx = []        # Suricata's ftp transactions: the banner and each command
        self.xfers = []     # transfers
        for r in records:
            s = self.sessions.get(r.get("session"), {})
            cli, srv = endpoint(s.get("client")), endpoint(s.get("server"))
            if r.get("type") == "banner":
                self.tx.append({"command": None, "arg": None, "codes": [r["code"]],
                                "replies": (r.get("reply") or "").split("\n"),
                                "prelim_text": True, "dc": None, "replied": True,
                                "src": cli, "dst": srv})
            elif r.get("type") == "command":
                codes = [c for c in (r.get("prelim_code"), r.get("reply_code")) if c]
                replies = r["reply"].split("\n") if r.get("reply") is not None else []
                self.tx.append({"command": r["cmd"], "arg": r.get("arg"), "codes": codes,
                                "replies": replies, "prelim_text": r.get("prelim_code") is None,
                                "dc": r.get("data_channel"),
                                "replied": r.get("reply_code") is not None,
                                "arg_truncated": r.get("arg_truncated", False),
                                "reply_truncated": r.get("reply_truncated", False),
                                "src": cli, "dst": srv})
            elif r.get("type") == "transfer":
                t = dict(r)
                t["seen"] = bool(r.get("syn_seen") or r.get("bytes") or r.get("fin_seen") or
                                 r.get("rst_seen"))
                opener, acceptor = endpoint(r.get("data_client")), endpoint(r.get("data_server"))
                t["src"], t["dst"] = opener, acceptor
                server_side = opener if r.get("mode") in ("active", "eprt") else acceptor
                client_side = acceptor if server_side is opener else opener
                # the sender of the file's bytes: Suricata's fileinfo src
                if r.get("direction") == "upload":
                    t["fsrc"], t["fdst"] = client_side, server_side
                else:
                    t["fsrc"], t["fdst"] = server_side, client_side
                self.xfers.append(t)


def _eq_list(got, want):
    return [str(x) for x in got] == [str(x) for x in want]


def tx_matches(tx, cond):
    """Whether one of our transactions satisfies every condition of a fact."""
    cmd = tx["command"]
    line_arg = tx["arg"] or ""
    cut = max(0, SURICATA_MAX_LINE - len(cmd or "") - 1)
    for key, want in cond:
        if key == "ftp.command":
            if cmd != want:
                return False
        elif key == "ftp.command_data":
            if tx["arg"] is None or line_arg[:cut] != str(want):
                return False
        elif key == "ftp.command_data.__len":
            if len(line_arg[:cut]) != want:
                return False
        elif key == "ftp.command_truncated":     # our own flag, from the bytes we saw
            if bool(tx.get("arg_truncated")) != want:
                return False
        elif key == "ftp.reply_truncated":
            if bool(tx.get("reply_truncated")) != want:
                return False
        elif key in ("ftp.reply", "ftp.completion_code"):
            got = tx["replies"] if key == "ftp.reply" else tx["codes"]
            want = list(want) if isinstance(want, (list, tuple)) else [want]
            if key == "ftp.reply" and not tx["prelim_text"]:
                return False  # we keep the code of a 1xx reply, not its text
            if not _eq_list(got, want):
                return False
        elif key in ("ftp.reply.__contains", "ftp.completion_code.__contains"):
            if key == "ftp.reply.__contains":
                if str(want) not in tx["replies"]:
                    return False
            elif str(want) not in [str(c) for c in tx["codes"]]:
                return False
        elif key == "ftp.reply[0]":
            if not tx["prelim_text"] or not tx["replies"] or tx["replies"][0] != want:
                return False
        elif key == "ftp.dynamic_port":
            if not tx["dc"] or tx["dc"]["resp_p"] != want:
                return False
        elif key == "ftp.mode":
            if not tx["dc"] or tx["dc"]["passive"] != (want == "passive"):
                return False
        elif key == "ftp.reply_received":
            if tx["replied"] != (want in ("yes", True)):
                return False
        elif not _endpoint_cond(tx["src"], tx["dst"], key, want):
            return False
    return True


def _endpoint_cond(src, dst, key, want):
    if key == "src_ip":
        return bool(src) and src[0] == want
    if key == "dest_ip":
        return bool(dst) and dst[0] == want
    if key == "src_port":
        return bool(src) and src[1] == want
    if key == "dest_port":
        return bool(dst) and dst[1] == want
    if key == "ip_v":
        return bool(src) and (":" in src[0]) == (want == 6)
    raise KeyError(key)


def xfer_matches(t, cond, fileinfo):
    for key, want in cond:
        if key == "ftp_data.command":
            if t["cmd"] != want:
                return False
        elif key == "ftp_data.filename":
            name = "<stou>" if t["cmd"] == "STOU" and t["arg"] is None else t["arg"]
            if name != want:
                return False
        elif key == "not-has-key" and want in ("ftp_data.filename", "fileinfo.filename"):
            if t["arg"] is not None:
                return False
        elif key == "fileinfo.filename":
            name = "<stou>" if t["cmd"] == "STOU" and t["arg"] is None else t["arg"]
            if name != want:
                return False
        elif key == "fileinfo.sha256":
            if t["sha256"] != want:
                return False
        elif key == "fileinfo.size":
            if t["bytes"] != want:
                return False
        elif key == "fileinfo.gaps":
            if bool(t["gaps"]) != want:
                return False
        elif key == "fileinfo.state":
            if (t["status"] == "complete") != (want == "CLOSED"):
                return False
        else:
            src, dst = (t["fsrc"], t["fdst"]) if fileinfo else (t["src"], t["dst"])
            if not _endpoint_cond(src, dst, key, want):
                return False
    return True


def fact_of(match, test):
    """(what, conditions) of a check, or None when it says nothing about FTP
    decoding. what: tx (Suricata's ftp records), xfer (ftp_data, fileinfo of
    ftp-data), flows (flow records of ftp or ftp-data)."""
    ev = match.get("event_type")
    keys = set(match)
    ftpkeys = {k for k in keys if k.startswith(("ftp.", "ftp_data."))}
    if ev == "ftp" or (ev == "alert" and any(k.startswith("ftp.") for k in keys)):
        what = "tx"
    elif ev == "ftp_data" or (ev == "alert" and any(k.startswith("ftp_data.") for k in keys)):
        what = "xfer"
    elif ev == "fileinfo" and (match.get("app_proto") == "ftp-data" or ftpkeys):
        what = "fileinfo"
    elif ev == "flow" and match.get("app_proto") in ("ftp", "ftp-data"):
        return ("flows", (("app_proto", match["app_proto"]),))
    else:
        return None
    cond = []
    for k, v in sorted(match.items(), key=lambda kv: kv[0]):
        if k in IGNORED_KEYS or k.startswith("alert."):
            continue
        if k in ("ftp.command_truncated", "ftp.reply_truncated") and test in CONFIG_FILES:
            continue
        if isinstance(v, list):
            v = tuple(v)
        cond.append((k, v))
    if what == "tx" and any(k.startswith("ftp_data.") for k, _ in cond):
        what = "xfer"  # an alert on the data channel
    return (what, tuple(cond))


def eval_fact(ours, fact):
    what, cond = fact
    if what == "flows":
        proto = dict(cond)["app_proto"]
        if proto == "ftp":
            return len(ours.sessions)
        return sum(1 for t in ours.xfers if t["seen"])
    if what == "tx":
        return sum(1 for t in ours.tx if tx_matches(t, cond))
    return sum(1 for t in ours.xfers
               if t["seen"] and xfer_matches(t, cond, what == "fileinfo"))


def fact_str(fact, mode, count):
    what, cond = fact
    c = " ".join("%s=%s" % (k, list(v) if isinstance(v, tuple) else v) for k, v in cond)
    want = {"exact": "= %d" % count, "exists": ">= 1", "none": "= 0"}[mode]
    return "%s[%s] %s" % (what, c or "any", want)


def suricata_facts(sv_dir):
    """{pcap path: {(fact, mode, count): [tests]}} from every test.yaml."""
    facts = collections.OrderedDict()
    tests_dir = os.path.join(sv_dir, "tests")
    for root, _, files in sorted(os.walk(tests_dir)):
        if "test.yaml" not in files:
            continue
        test = os.path.relpath(root, tests_dir)
        with open(os.path.join(root, "test.yaml"), encoding="utf-8") as f:
            doc = yaml_load(f.read()) or {}
        req = doc.get("requires") or {}
        pcap = doc.get("pcap", req.get("pcap") if isinstance(req, dict) else None)
        if pcap is False:
            continue
        if isinstance(pcap, str):
            pcap = os.path.normpath(os.path.join(root, pcap))
        else:
            cands = sorted(f for f in files if f.endswith(PCAP_SUFFIXES))
            if len(cands) != 1:
                continue
            pcap = os.path.join(root, cands[0])
        args = " ".join(str(a) for a in (doc.get("args") or []))
        config = any(a in args for a in CONFIG_ARGS)
        for check in doc.get("checks") or []:
            flt = check.get("filter") if isinstance(check, dict) else None
            if not isinstance(flt, dict) or not isinstance(flt.get("match"), dict):
                continue
            match = flt["match"]
            fact = fact_of(match, test)
            if fact is None:
                continue
            count = flt.get("count")
            exact = not config and match.get("event_type") in ("ftp", "ftp_data", "flow",
                                                               "fileinfo")
            if count == 0:
                if not exact:
                    continue  # absence of alerts or of dropped records: not a fact
                mode = "none"
            elif exact and isinstance(count, int):
                mode = "exact"
            else:
                mode, count = "exists", 1
            tests = facts.setdefault(pcap, collections.OrderedDict()).setdefault(
                (fact, mode, count), [])
            if test not in tests:
                tests.append(test)
    return facts


def compare_suricata(pcap, facts, runner, sv_dir):
    name = os.path.relpath(pcap, os.path.join(sv_dir, "tests"))
    res = {"kind": "suricata", "name": name, "trace": name, "facts": len(facts), "agree": 0,
           "differ": 0, "details": [], "notes": [], "error": None,
           "tests": sorted({t for ts in facts.values() for t in ts})}
    rc, out, err = runner.run(pcap, ["--json", "--show-passwords"])
    if rc != 0 or err:
        res["error"] = "analyzer exit %d: %s" % (rc, err.decode(errors="replace")[:200])
        return res
    records = [json.loads(l) for l in out.decode("utf-8").splitlines() if l.strip()]
    ours = Ours(records)
    for (fact, mode, count), tests in facts.items():
        try:
            n = eval_fact(ours, fact)
        except KeyError as e:  # a field this validator does not map (yet)
            res["differ"] += 1
            res["details"].append("cannot check %s: no mapping for %s (from %s)" % (
                fact_str(fact, mode, count), e, ", ".join(tests)))
            continue
        ok = {"exact": n == count, "exists": n >= 1, "none": n == 0}[mode]
        if ok:
            res["agree"] += 1
        else:
            res["differ"] += 1
            res["details"].append("differ: %s (ours: %d) from %s" % (
                fact_str(fact, mode, count), n, ", ".join(tests)))
    return res


# ---------------------------------------------------------------------------
# Floor, tables, main
# ---------------------------------------------------------------------------

def floor_key(r):
    return "%s %s" % (r["kind"], r["name"])


def read_floor():
    floor = {}
    if not os.path.exists(FLOOR_FILE):
        return floor
    with open(FLOOR_FILE) as f:
        for line in f:
            line = line.split("#", 1)[0].split()
            if len(line) >= 3:
                floor["%s %s" % (line[0], line[1])] = int(line[-1])
    return floor


def write_floor(results):
    with open(FLOOR_FILE, "w") as f:
        f.write("# tests/golden/validation-floor.txt - the agreement floor of\n"
                "# tests/golden/validate.py: rows (Zeek) or facts (Suricata) of each comparison\n"
                "# on which ftplab-analyzer agrees today. A comparison that agrees on fewer\n"
                "# fails the test. Regenerate with: validate.py BIN_DIR --update-floor\n"
                "# zeek | zeek-other  BASELINE  TRACE  AGREEING\n"
                "# suricata           TRACE             AGREEING\n")
        for r in results:
            if r["error"] is None:
                trace = "" if r["trace"] == r["name"] else " " + r["trace"]
                f.write("%s %s%s %d\n" % (r["kind"], r["name"], trace, r["agree"]))


def short_zeek(name):
    return name.replace("scripts.base.protocols.ftp.", "").replace(
        "scripts.policy.protocols.ftp.", "policy/")


def print_tables(results, md):
    zs = [r for r in results if r["kind"] == "zeek"]
    zo = [r for r in results if r["kind"] == "zeek-other"]
    ss = [r for r in results if r["kind"] == "suricata"]
    facts = [("Zeek baseline (other files)", zo, short_zeek), ("Suricata trace", ss, str)]
    if md:
        print("| Zeek test | trace | our flags | rows Zeek / ours | compared | agree | "
              "differ | missing | extra | info differs |")
        print("|---|---|---|---|---|---|---|---|---|---|")
        for r in zs:
            print("| %s | %s | `%s` | %d / %d | %d | %d | %d | %d | %d | %d |" % (
                short_zeek(r["name"]), r["trace"], r["flags"], r["zeek"], r["ours"],
                r["agree"] + r["differ"], r["agree"], r["differ"], r["missing"], r["extra"],
                r["info"]))
        t = {k: sum(r[k] for r in zs) for k in ("zeek", "ours", "agree", "differ", "missing",
                                                "extra", "info")}
        print("| **all %d** | | | %d / %d | %d | %d | %d | %d | %d | %d |" % (
            len(zs), t["zeek"], t["ours"], t["agree"] + t["differ"], t["agree"], t["differ"],
            t["missing"], t["extra"], t["info"]))
        for title, rs, fmt in facts:
            zo_ = rs is zo
            print()
            print("| %s |%s facts | agree | differ |" % (title, " trace |" if zo_ else ""))
            print("|---|%s---|---|---|" % ("---|" if zo_ else ""))
            for r in rs:
                print("| %s |%s %d | %d | %d |" % (
                    fmt(r["name"]), " %s |" % r["trace"] if zo_ else "", r["facts"],
                    r["agree"], r["differ"]))
            print("| **all %d** |%s %d | %d | %d |" % (
                len(rs), " |" if zo_ else "", sum(r["facts"] for r in rs),
                sum(r["agree"] for r in rs), sum(r["differ"] for r in rs)))
        return
    print("Zeek ftp.log baselines: rows aligned per connection; compared: %s" %
          " ".join(KEY_FIELDS))
    print("%-34s %-34s %5s %5s %5s %6s %7s %5s %4s  %s" % (
        "test", "trace", "zeek", "ours", "agree", "differ", "missing", "extra", "info",
        "our flags"))
    for r in zs:
        print("%-34s %-34s %5d %5d %5d %6d %7d %5d %4d  %s%s" % (
            short_zeek(r["name"]), r["trace"], r["zeek"], r["ours"], r["agree"], r["differ"],
            r["missing"], r["extra"], r["info"], r["flags"], "  ERROR" if r["error"] else ""))
    print("%-34s %-34s %5d %5d %5d %6d %7d %5d %4d" % (
        "all %d" % len(zs), "", sum(r["zeek"] for r in zs), sum(r["ours"] for r in zs),
        sum(r["agree"] for r in zs), sum(r["differ"] for r in zs),
        sum(r["missing"] for r in zs), sum(r["extra"] for r in zs), sum(r["info"] for r in zs)))
    for title, rs, fmt in facts:
        print()
        print("%-70s %5s %5s %6s" % (title, "facts", "agree", "differ"))
        for r in rs:
            print("%-70s %5d %5d %6d%s" % (fmt(r["name"]), r["facts"], r["agree"], r["differ"],
                                           "  ERROR" if r["error"] else ""))
        print("%-70s %5d %5d %6d" % ("all %d" % len(rs), sum(r["facts"] for r in rs),
                                     sum(r["agree"] for r in rs), sum(r["differ"] for r in rs)))


def all_pcaps(caps):
    out = []
    for root, dirs, files in os.walk(caps):
        dirs.sort()
        for f in sorted(files):
            if f.endswith(PCAP_SUFFIXES) or f.endswith(tuple(s + ".gz" for s in PCAP_SUFFIXES)):
                out.append(os.path.join(root, f))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("bin_dir")
    ap.add_argument("--verbose", "-v", action="store_true", help="show every difference")
    ap.add_argument("--update-floor", action="store_true", help="record today's agreement")
    ap.add_argument("--markdown", action="store_true", help="print the tables in Markdown")
    a = ap.parse_args()

    caps = captures_dir()
    if not os.path.isdir(caps):
        print("validate: SKIP: no third-party captures at %s "
              "(set FTPLAB_SHARED_CAPTURES to use others)" % caps)
        return SKIP
    analyzer = os.path.join(os.path.abspath(a.bin_dir), "ftplab-analyzer")
    if not os.access(analyzer, os.X_OK):
        print("validate: FAIL: %s is missing (build first)" % analyzer, file=sys.stderr)
        return 1
    runner = Runner(analyzer)
    failures = []

    # 1. every capture, three formats: exit 0, empty stderr
    pcaps = all_pcaps(caps)
    formats = (["--text"], ["--json"], ["--zeek"])
    runner.prefetch([(p, f) for p in pcaps for f in formats])
    clean = 0
    for p in pcaps:
        for f in formats:
            rc, _, err = runner.run(p, f)
            if rc != 0 or err:
                failures.append("decode %s %s: exit %d, stderr: %s" % (
                    os.path.relpath(p, caps), f[0], rc, err.decode(errors="replace")[:500]))
            else:
                clean += 1
    print("decode: %d captures x %d formats: %d clean runs, %d failed" % (
        len(pcaps), len(formats), clean, len(pcaps) * len(formats) - clean))

    # 2. Zeek
    results = []
    zeek_dir = os.path.join(caps, "zeek")
    base_root = os.path.join(zeek_dir, "baseline")
    if os.path.isdir(base_root):
        traces = {f: pcap_connections(os.path.join(zeek_dir, f))
                  for f in sorted(os.listdir(zeek_dir)) if f.endswith(PCAP_SUFFIXES)}
        names = sorted(d for d in os.listdir(base_root)
                       if os.path.exists(os.path.join(base_root, d, "ftp.log")))
        jobs = []
        for n in names:
            hint, opts = ZEEK_TESTS.get(n, (None, {}))
            if hint:
                jobs.append((os.path.join(zeek_dir, hint), zeek_flags(opts)[0]))
        runner.prefetch(jobs)
        for n in names:
            results.append(compare_zeek(n, os.path.join(base_root, n), traces, zeek_dir, runner))
        for n in sorted(os.listdir(base_root)):
            r = compare_zeek_other(n, os.path.join(base_root, n), traces, zeek_dir, runner)
            if r:
                results.append(r)

    # 3. Suricata
    sv_dir = os.path.join(caps, "suricata-verify")
    if os.path.isdir(sv_dir):
        facts = suricata_facts(sv_dir)
        runner.prefetch([(p, ["--json", "--show-passwords"]) for p in facts])
        for p in facts:
            results.append(compare_suricata(p, facts[p], runner, sv_dir))

    print()
    print_tables(results, a.markdown)
    if a.verbose:
        for r in results:
            if r["details"] or r["notes"] or r["error"] or r.get("unsupported"):
                print("\n== %s %s (%s)" % (r["kind"], r["name"], r["trace"]))
                if r.get("unsupported"):
                    print("   Zeek options we lack: %s" % ", ".join(r["unsupported"]))
                for n in r["notes"]:
                    print("   note: %s" % n)
                if r["error"]:
                    print("   ERROR: %s" % r["error"])
                for d in r["details"]:
                    print("   " + d)

    for r in results:
        if r["error"]:
            failures.append("%s %s: %s" % (r["kind"], r["name"], r["error"]))
    if a.update_floor:
        write_floor(results)
        print("\nvalidate: wrote %s" % os.path.relpath(FLOOR_FILE, REPO))
    else:
        floor = read_floor()
        seen = set()
        for r in results:
            k = floor_key(r)
            seen.add(k)
            if k in floor and r["agree"] < floor[k]:
                failures.append("%s: %d agree, the floor is %d" % (k, r["agree"], floor[k]))
            elif k not in floor and r["error"] is None:
                print("validate: note: %s has no floor (run --update-floor)" % k)
        for k in sorted(set(floor) - seen):
            print("validate: note: the floor names %s, which was not compared" % k)
    print()
    if failures:
        for f in failures:
            print("FAIL " + f, file=sys.stderr)
        print("validate: %d failure(s)" % len(failures))
        return 1
    print("validate: OK")
    return 0


if __name__ == "__main__":
    sys.exit(main())
