#!/usr/bin/env python3
"""normalize.py - make ftplab-analyzer's --text or --json output of a lab
capture the same on every recording of it (captures/lab/, written by
`./ftplab lab record`; tests/golden/run.sh applies it to the rows of a
TESTLIST that carry --normalize).

    normalize.py < ANALYZER_OUTPUT > NORMALIZED
    normalize.py FILE...          each FILE in place (run.sh: one process for all rows)

A recorded pcap never changes, so the analyzer's output on it is already
deterministic; what this removes is what differs between two recordings
of the same scenario, so that the expected files stay the same when the
captures are made again:

  times       "+0.012" line prefixes -> "+T"; latencies "(43 us)", "(0.4 ms)",
              "(2.500 s)" -> "(T)"; a transfer's "in 0.002 s (465.0 MB/s)" ->
              "in T (R)"; a session's ", 0.004 s" -> ", T s"; "took 1200 ms" ->
              "took T ms" and "latency_ms=120.337" (a slow-reply's evidence) ->
              "latency_ms=T"; JSON ts, ts_start, ts_end, duration_s, latency_ms ->
              "T"
  ports       every TCP port >= 1024 (the clients' ephemeral ports, the passive
              and proxy data ports, which the programs pick at random) except
              2121 -> P1, P2, ... numbered in order of first appearance, the
              same number wherever the same port appears: "10.0.1.2:35133",
              "[2001:db8::2]:35133", PORT/227 "10,0,1,2,137,61" -> "10,0,1,2,P1",
              EPRT "|1|10.0.1.2|35133|", 229 "(|||35133|)", JSON "resp_p":35133;
              ports below 1024 (21, 20) and 2121 stay
  125/150     the preliminary reply of a transfer, 125 (the data connection
              was already open) or 150 (it is being opened): a race between the
              client's connection and its command -> 1xx
  1xx size    the size a 150 reply announces ("150 Opening ... (2097152 bytes)"),
              which a 125 reply does not: when no SIZE reply gave it first, a
              transfer's " of 2097152 announced" goes, and its command's JSON
              file_size and the transfer's announced_size become "S"
  aborted     the bytes an aborted transfer carried before the ABOR took effect
              (a race too): "download, 100447 bytes in T (R), aborted (426)" ->
              "N bytes", JSON "bytes":"N" in a transfer whose status is aborted

Everything else (commands, replies, addresses, byte counts, sha256 of the
served files, which `lab record` makes from fixed seeds) is kept."""
import json
import re
import sys

KEEP_PORTS = {2121}

TIME_KEYS = ("ts", "ts_start", "ts_end", "duration_s", "latency_ms")
JSON_TIME = re.compile(r'"(%s)":"?-?\d+(?:\.\d+)?"?' % "|".join(TIME_KEYS))
JSON_PORT = re.compile(r'"(resp_p|orig_p)":(\d+)')
JSON_PRELIM = re.compile(r'"prelim_code":1(?:25|50)\b')

TEXT_PREFIX = re.compile(r"^(#(?:\d+|-) )[+-]\d+\.\d{3} ", re.M)
TEXT_PREFIX_UTC = re.compile(r"^(#(?:\d+|-) )\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z ", re.M)
DURATION = r"\d+(?:\.\d+)? (?:us|ms|s)"
TEXT_XFER_TIME = re.compile(r" in %s \(\d+(?:\.\d+)? [kMGT]?B/s\)" % DURATION)
TEXT_LATENCY = re.compile(r" \(%s\)$" % DURATION, re.M)
TEXT_SESSION_TIME = re.compile(r", \d+\.\d{3} s(?=(?:, encrypted after AUTH TLS)?$)", re.M)
TEXT_PRELIM = re.compile(r"  <1(?:25|50) <")
TOOK = re.compile(r"\btook \d+ ms\b")
EVIDENCE_LATENCY = re.compile(r"\blatency_ms=\d+(?:\.\d+)?\b")
TEXT_ABORTED = re.compile(r"^(#\S+ \S+ DATA .*?, [a-z?]+, )\d+( bytes(?: of \d+ announced)?"
                          r"(?: in T \(R\))?, aborted \()", re.M)
JSON_ABORTED = re.compile(r'^(\{"type":"transfer",.*?"bytes":)\d+(?=,.*"status":"aborted")',
                          re.M)

# ports: "a.b.c.d:PORT", "]:PORT", "h1,h2,h3,h4,p1,p2", "|1|a.b.c.d|PORT|", "(|||PORT|)"
IPV4 = r"(?:\d{1,3}\.){3}\d{1,3}"
PORT_PATTERNS = re.compile(
    r"(?P<v4>\b%s:)(?P<p_v4>\d{1,5})\b"
    r"|(?P<v6>\]:)(?P<p_v6>\d{1,5})\b"
    r"|(?P<hp>\b\d{1,3},\d{1,3},\d{1,3},\d{1,3},)(?P<p1>\d{1,3}),(?P<p2>\d{1,3})\b"
    r"|(?P<ep>\|[12]\|[0-9A-Fa-f:.]+\|)(?P<p_ep>\d{1,5})(?=\|)"
    r"|(?P<epsv>\(\|\|\|)(?P<p_epsv>\d{1,5})(?=\|\))"
    r'|(?P<js>"(?:resp_p|orig_p)":)(?P<p_js>\d{1,5})\b' % IPV4)


class Ports:
    """Port -> "P<n>", n in order of first appearance."""

    def __init__(self):
        self.names = {}

    def name(self, port):
        if port < 1024 or port > 65535 or port in KEEP_PORTS:
            return None
        if port not in self.names:
            self.names[port] = "P%d" % (len(self.names) + 1)
        return self.names[port]

    def sub(self, m):
        g = m.groupdict()
        if g["p1"] is not None:
            p1, p2 = int(g["p1"]), int(g["p2"])
            if p1 > 255 or p2 > 255:
                return m.group(0)
            n = self.name(p1 * 256 + p2)
            return g["hp"] + n if n else m.group(0)
        for pre, num in (("v4", "p_v4"), ("v6", "p_v6"), ("ep", "p_ep"), ("epsv", "p_epsv")):
            if g[pre] is not None:
                n = self.name(int(g[num]))
                return g[pre] + n if n else m.group(0)
        n = self.name(int(g["p_js"]))
        return g["js"] + '"%s"' % n if n else m.group(0)


TEXT_CMD = re.compile(r"^#(\S+) \S+ C> (\S+) (.*?)  (<1xx )?<(\d{3})")
TEXT_DATA = re.compile(r"^#(\S+) \S+ DATA (\S+) (.*?): ")


def announced_by_1xx(text):
    """The "1xx size" rule: what only a 150 (not a 125) reply tells."""
    sized, pending, out = set(), set(), []
    for line in text.split("\n"):
        if line.startswith('{"type":"command"') or line.startswith('{"type":"transfer"'):
            try:
                r = json.loads(line)
            except ValueError:
                out.append(line)
                continue
            key = (r.get("session"), r.get("cmd"), r.get("arg"))
            if r["type"] == "command":
                if r.get("cmd") == "SIZE" and r.get("reply_code") == 213:
                    sized.add((key[0], key[2]))
                elif r.get("prelim_code") == "1xx" and (key[0], key[2]) not in sized:
                    line = re.sub(r'"file_size":(?:\d+|null)', '"file_size":"S"', line, count=1)
                    pending.add(key)
            elif key in pending:
                line = re.sub(r'"announced_size":(?:\d+|null)', '"announced_size":"S"', line,
                              count=1)
                pending.discard(key)
        else:
            m = TEXT_CMD.match(line)
            if m and m.group(2) == "SIZE" and m.group(5) == "213":
                sized.add((m.group(1), m.group(3)))
            elif m and m.group(4) and (m.group(1), m.group(3)) not in sized:
                pending.add((m.group(1), m.group(2), m.group(3)))
            m = TEXT_DATA.match(line)
            if m and (m.group(1), m.group(2), m.group(3)) in pending:
                line = re.sub(r" of \d+ announced", "", line, count=1)
                pending.discard((m.group(1), m.group(2), m.group(3)))
        out.append(line)
    return "\n".join(out)


def normalize(text):
    """The whole output of one analyzer run (text or JSON lines), normalised."""
    text = JSON_TIME.sub(r'"\1":"T"', text)
    text = JSON_PRELIM.sub('"prelim_code":"1xx"', text)
    text = TEXT_PREFIX.sub(r"\1+T ", text)
    text = TEXT_PREFIX_UTC.sub(r"\1T ", text)
    text = TEXT_XFER_TIME.sub(" in T (R)", text)
    text = TEXT_LATENCY.sub(" (T)", text)
    text = TEXT_SESSION_TIME.sub(", T s", text)
    text = TEXT_PRELIM.sub("  <1xx <", text)
    text = announced_by_1xx(text)
    text = TOOK.sub("took T ms", text)
    text = EVIDENCE_LATENCY.sub("latency_ms=T", text)
    text = TEXT_ABORTED.sub(r"\1N\2", text)
    text = JSON_ABORTED.sub(r'\1"N"', text)
    return PORT_PATTERNS.sub(Ports().sub, text)


def main(argv):
    if len(argv) > 1 and argv[1].startswith("-"):
        sys.stderr.write(__doc__.split("\n\n")[1] + "\n")
        return 2
    if len(argv) == 1:
        data = sys.stdin.buffer.read().decode("utf-8", "surrogateescape")
        sys.stdout.buffer.write(normalize(data).encode("utf-8", "surrogateescape"))
        return 0
    for path in argv[1:]:
        with open(path, "rb") as f:
            data = f.read().decode("utf-8", "surrogateescape")
        with open(path, "wb") as f:
            f.write(normalize(data).encode("utf-8", "surrogateescape"))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
