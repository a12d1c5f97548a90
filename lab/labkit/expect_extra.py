"""More checks over the analyzer's JSON (see labkit.expect for the basic
ones and the Check/Fact machinery), for aborts, slow links and login
attacks:

    aborted_transfer(on, cmd="RETR", size=N)   a transfer "aborted", 0 < bytes < N
    replies(cmd, on, code, at_least=1, at_most=None)   how many cmd got code
    sessions(on, login="failed", at_least=1, at_most=None)   session records by login
    failed_logins_from(on, client="@client", at_least=1, at_most=None)
                                        PASS answered 5xx, counted per client address
                                        (what an analyst does with jq, see
                                        lab/bruteforce-login/README.md)
    answered_within(cmd, on, ms)        a cmd whose final reply came within ms
    rate_below(on, limit, factor=2.0)   a complete transfer's bytes/duration_s below
                                        factor x limit (bytes/s, or a SlowLink)
    control_latency(on, link, slow=True)   the replies to control commands (not
                                        RETR, LIST...) took >= 80% of the link's
                                        control delay (slow=True) or < 50% (False);
                                        not applicable when the run had no delay
    applies_if(check, cond, why)        check, or "[--] not applicable: why" when
                                        cond(ev) is false
    output_has(regex, text=None)        the client's dialogue matches regex
    file_has(path, regex, text)         a file of the run (path: a str or a callable
                                        returning one) matches regex

Every check is written to be fail-able: run without the middle box or the
fault that makes the lesson, it says [NO]."""
import re
import statistics

from .expect import Check, Fact, _code_ok, describe_transfer, host_of, name_addresses, of_type

TRANSFER_CMDS = {"RETR", "STOR", "STOU", "APPE", "LIST", "NLST", "MLSD"}


class Check3(Check):
    """A Check whose fn may return ok=None: not applicable to this run
    (e.g. the delay a check is about was not possible on this machine)."""

    def evaluate(self, ev):
        if (self.servers and ev.server not in self.servers) or \
                (self.clients and ev.client_kind not in self.clients):
            return Fact(None, self.text, "not checked with --server %s --client %s"
                        % (ev.server, ev.client_kind))
        try:
            ok, detail = self.fn(ev)
        except (KeyError, ValueError, TypeError, OSError) as e:
            ok, detail = False, "the check itself failed: %s: %s" % (type(e).__name__, e)
        return Fact(None if ok is None else bool(ok), name_addresses(self.text, ev), detail)


def _count_ok(n, at_least, at_most):
    return n >= (at_least or 0) and (at_most is None or n <= at_most)


def _bounds(at_least, at_most):
    if at_most == 0:
        return "no"
    if at_most is None:
        return "at least %d" % at_least
    if at_least == at_most:
        return "exactly %d" % at_least
    return "%d to %d" % (at_least, at_most)


def aborted_transfer(on, cmd="RETR", size=None):
    """A transfer record with status "aborted" (426 or ABOR) that carried
    some bytes but fewer than size (the whole file)."""
    def fn(ev):
        ts = of_type(ev, on, "transfer")
        for r in ts:
            if r["status"] != "aborted" or r["cmd"] != cmd:
                continue
            whole = size or r.get("announced_size")
            if r.get("bytes", 0) <= 0 or (whole and r["bytes"] >= whole):
                continue
            return True, describe_transfer(r) + (" (the file has %d)" % whole if whole else "")
        return False, "; ".join(describe_transfer(r) for r in ts) or "no transfer record"
    return Check("%s: an aborted %s that carried fewer bytes than the file%s"
                 % (on, cmd, " (%d)" % size if size else ""), fn, (on,))


def replies(cmd, on, code, at_least=1, at_most=None):
    """How many `cmd` command records have the final reply `code` (an int,
    "5xx", or a tuple)."""
    def fn(ev):
        rs = [r for r in of_type(ev, on, "command") if r["cmd"] == cmd]
        hit = [r for r in rs if _code_ok(r.get("reply_code"), code)]
        codes = {}
        for r in rs:
            codes[r.get("reply_code")] = codes.get(r.get("reply_code"), 0) + 1
        seen = ", ".join("%s x%d" % kv for kv in codes.items()) or "none"
        return _count_ok(len(hit), at_least, at_most), "%d %s answered %s (all %s replies: %s)" % (
            len(hit), cmd, code, cmd, seen)
    return Check("%s: %s %s answered %s" % (on, _bounds(at_least, at_most), cmd, code),
                 fn, (on,))


def sessions(on, login=None, at_least=1, at_most=None):
    """How many session records (control connections) with this login
    ("ok", "failed", "none"; None: any)."""
    def fn(ev):
        ss = of_type(ev, on, "session")
        hit = [s for s in ss if login is None or s.get("login") == login]
        return _count_ok(len(hit), at_least, at_most), "%d of %d sessions: %s" % (
            len(hit), len(ss), ", ".join("#%s %s login %s" % (s["session"], s.get("user"),
                                                            s.get("login")) for s in ss) or "none")
    n = _bounds(at_least, at_most)
    return Check("%s: %s session%s%s" % (on, n, "" if n.endswith(" 1") else "s",
                                        " with login %s" % login if login else ""), fn, (on,))


def failed_logins_by_address(records):
    """{client address: PASS commands answered 5xx} from a capture's
    records: each command's session, each session's client."""
    client = {s["session"]: host_of(s.get("client")) for s in records
              if s.get("type") == "session"}
    out = {}
    for r in records:
        if r.get("type") == "command" and r.get("cmd") == "PASS" and \
                _code_ok(r.get("reply_code"), "5xx"):
            addr = client.get(r.get("session"), "?")
            out[addr] = out.get(addr, 0) + 1
    return out


def failed_logins_from(on, client="@client", at_least=1, at_most=None):
    """The failed logins (PASS answered 5xx) of one client address, counted
    across all its sessions."""
    def fn(ev):
        counts = failed_logins_by_address(ev.records.get(on, []))
        n = counts.get(ev.resolve(client), 0)
        return _count_ok(n, at_least, at_most), "failed logins per address: %s" % (
            ", ".join("%s: %d" % kv for kv in sorted(counts.items())) or "none")
    return Check("%s: %s failed logins (PASS answered 5xx) from %s"
                 % (on, _bounds(at_least, at_most), client), fn, (on,))


def rate_below(on, limit, factor=2.0, cmd="RETR"):
    """A complete `cmd` transfer whose average rate (bytes / duration_s) is
    below factor x limit; limit in bytes/s, or an object with .rate_bytes
    (a SlowLink)."""
    def lim():
        return float(getattr(limit, "rate_bytes", limit))

    def fn(ev):
        ts = [r for r in of_type(ev, on, "transfer") if r["cmd"] == cmd
              and r["status"] == "complete"]
        if not ts:
            return False, "no complete %s" % cmd
        worst = None
        for r in ts:
            secs = r.get("duration_s") or 0.0
            rate = r["bytes"] / secs if secs > 0 else float("inf")
            worst = max(worst or 0.0, rate)
        return worst < factor * lim(), "%s: %.0f bytes/s (%.2f x the limit of %.0f bytes/s)" % (
            describe_transfer(ts[0]), worst, worst / lim(), lim())
    text = "%s: the %s went at less than %gx the link's rate" % (on, cmd, factor)
    return Check(text, fn, (on,))


def answered_within(cmd, on, ms):
    """A `cmd` command record whose final reply came within ms milliseconds
    (its latency_ms)."""
    def fn(ev):
        seen = []
        for r in of_type(ev, on, "command"):
            if r["cmd"] != cmd:
                continue
            lat = r.get("latency_ms")
            seen.append("%s -> %s after %s ms" % (cmd, r.get("reply_code"),
                                                 "?" if lat is None else "%.1f" % lat))
            if lat is not None and lat <= ms:
                return True, seen[-1]
        return False, "; ".join(seen) or "no %s" % cmd
    return Check("%s: %s answered within %g ms" % (on, cmd, ms), fn, (on,))


def _control_latencies(ev, on):
    return [(r["cmd"], r["latency_ms"]) for r in of_type(ev, on, "command")
            if r["cmd"] not in TRANSFER_CMDS and r.get("latency_ms") is not None]


def control_latency(on, link, slow=True):
    """slow=True: at least 3, and 80%, of the control commands' replies took
    >= 0.8 x link.control_delay_ms; slow=False: their median is below half
    of it. Not applicable when link.control_delay_ms is None (no delay was
    possible in this run)."""
    def fn(ev):
        d = link.control_delay_ms
        if link.netem is None:
            return False, "the slow link was not set up in this phase"
        if d is None:
            return None, "no delay in this run: %s" % link.describe()
        lat = _control_latencies(ev, on)
        if not lat:
            return False, "no control command with a reply"
        shown = ", ".join("%s %.1f ms" % (c, ms) for c, ms in lat[:8]) + \
            (" ..." if len(lat) > 8 else "")
        if slow:
            n = sum(1 for _, ms in lat if ms >= 0.8 * d)
            return n >= 3 and n >= 0.8 * len(lat), "%d of %d at least %.0f ms: %s" % (
                n, len(lat), 0.8 * d, shown)
        med = statistics.median(ms for _, ms in lat)
        return med < 0.5 * d, "median %.1f ms (half the delay: %.0f ms): %s" % (med, 0.5 * d, shown)
    what = ("slow: the replies to control commands came about the delay late" if slow else
            "fast: the replies to control commands came at once (no delay between here and "
            "the server)")
    return Check3("%s: %s" % (on, what), fn, (on,))


def applies_if(c, cond, why):
    """c, or not applicable ([--] why) when cond(ev) is false."""
    inner = c.fn

    def fn(ev):
        if not cond(ev):
            return None, why
        return inner(ev)
    return Check3(c.text, fn, c.captures, c.servers, c.clients)


def output_has(regex, text=None):
    """The client's dialogue (its whole log) matches regex."""
    def fn(ev):
        out = ev.client.output or ""
        try:
            with open(ev.client.log_path, errors="replace") as f:
                out = f.read()
        except (OSError, TypeError):
            pass
        m = re.search(regex, out, re.M)
        return bool(m), m.group(0).strip()[:200] if m else "not in %s" % ev.client.log_path
    return Check(text or "the client's dialogue says /%s/" % regex, fn)


def file_has(path, regex, text):
    """A file of the run (path, or a callable giving it at check time)
    matches regex."""
    def fn(ev):
        p = path() if callable(path) else path
        try:
            with open(p, errors="replace") as f:
                data = f.read()
        except (OSError, TypeError) as e:
            return False, "cannot read %s: %s" % (p, e)
        found = re.findall(regex, data, re.M)
        return bool(found), ("; ".join(x if isinstance(x, str) else " ".join(x)
                                       for x in found)[:240] if found else "not in %s" % p)
    return Check(text, fn)
