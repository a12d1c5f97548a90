"""The expected outcome of a phase, as checks over what the analyzer decoded
from each capture (its JSON records, docs/analyzer-json.md) and over the
client's result. Each check is a Check: a sentence (text) and a function of
the evidence returning (ok, detail). `on` names a capture ("inside",
"outside", "wire", ...); addresses may be "@name" (the layout's vars).

    client_ok()                         the client's exit status 0 (and the file verified)
    client_failed()                     the client's exit status not 0
    transfer(on, status="complete", cmd=, mode=, file=, data_from=, data_to=)
    no_transfer(on) / no_complete_transfer(on)
    diagnostic(kind, on, **evidence) / no_diagnostic(kind, on)
    command(cmd, on, arg=REGEX, reply_code=200 | "2xx" | (425, 426))
    announced(cmd, addr, on)            PORT/EPRT/PASV/EPSV's data_channel.resp_h == addr
    no_command(cmd, on)                 no command record of this verb
    session(on, client=, server=)       a session (control connection) between these hosts
    only(check, server=, client=)       the check applies to these variants only
    check(text, fn, on=())              your own: fn(ev) -> (ok, detail)

The evidence `ev`: ev.records[label] (the capture's records), ev.client
(ClientResult), ev.action, ev.files ({name: sha256}), ev.server, ev.client_kind,
ev.resolve("@name")."""
import dataclasses
import re


@dataclasses.dataclass
class Fact:
    ok: object          # True, False, or None (not applicable to this variant)
    text: str
    detail: str = ""

    def line(self):
        mark = {True: "[ok]", False: "[NO]", None: "[--]"}[self.ok]
        return "%s %s%s" % (mark, self.text, " -- " + self.detail if self.detail else "")


class Check:
    def __init__(self, text, fn, captures=(), servers=None, clients=None):
        self.text, self.fn, self.captures = text, fn, tuple(captures)
        self.servers, self.clients = servers, clients

    def evaluate(self, ev):
        if (self.servers and ev.server not in self.servers) or \
                (self.clients and ev.client_kind not in self.clients):
            return Fact(None, self.text, "not checked with --server %s --client %s"
                        % (ev.server, ev.client_kind))
        try:
            ok, detail = self.fn(ev)
        except (KeyError, ValueError, TypeError) as e:
            ok, detail = False, "the check itself failed: %s: %s" % (type(e).__name__, e)
        return Fact(bool(ok), name_addresses(self.text, ev), detail)


NICE = {"client": "the client", "server": "the server", "server_own": "the server",
        "nat_public": "the NAT's public address", "nat_inside": "the NAT's inside address",
        "fw_outside": "the firewall's outside address",
        "fw_inside": "the firewall's inside address",
        "proxy6": "the proxy's IPv6 address", "proxy4": "the proxy's IPv4 address"}


def name_addresses(text, ev):
    """"from @client" -> "from 10.0.1.2 (the client)", for the verdict."""
    def sub(m):
        try:
            addr = ev.resolve(m.group(0))
        except KeyError:
            return m.group(0)
        return "%s (%s)" % (addr, NICE.get(m.group(1), m.group(1)))
    return re.sub(r"@(\w+)", sub, text)


def check(text, fn, on=()):
    """A check of your own: fn(ev) -> (ok, detail); on: the captures it reads."""
    return Check(text, fn, (on,) if isinstance(on, str) else on)


def only(c, server=None, client=None):
    """c, applied only with these --server / --client variants (a name or a tuple)."""
    c.servers = (server,) if isinstance(server, str) else server
    c.clients = (client,) if isinstance(client, str) else client
    return c


# ---------------------------------------------------------------- helpers

def host_of(endpoint):
    """"198.51.100.1:20" -> "198.51.100.1", "[2001:db8::1]:21" -> "2001:db8::1"."""
    if endpoint is None:
        return None
    if endpoint.startswith("["):
        return endpoint[1:endpoint.index("]")]
    return endpoint.rsplit(":", 1)[0] if endpoint.count(":") == 1 else endpoint


def of_type(ev, on, typ):
    return [r for r in ev.records.get(on, []) if r.get("type") == typ]


def describe_transfer(r):
    conn = ("%s -> %s" % (r["data_client"], r.get("data_server") or "?")
            if r.get("data_client") else "no data connection")
    return "%s %s: %s %s, %d bytes, %s (%s)" % (
        r["cmd"], r.get("arg") or "", r.get("mode") or "no mode", conn, r.get("bytes", 0),
        r["status"], r.get("reply_code"))


def _transfers_seen(ev, on):
    ts = of_type(ev, on, "transfer")
    return "; ".join(describe_transfer(r) for r in ts) if ts else "no transfer record"


def _code_ok(code, want):
    if want is None:
        return True
    if code is None:
        return False
    if isinstance(want, str):                 # "2xx", "4xx", "5xx"
        return str(code)[0] == want[0]
    if isinstance(want, (tuple, list, set)):
        return code in want
    return code == want


# ---------------------------------------------------------------- the checks

def client_ok():
    def fn(ev):
        return ev.client.ok, ev.client.summary
    return Check("the client succeeded", fn)


def client_failed():
    def fn(ev):
        return ev.client.exit != 0, ev.client.summary
    return Check("the client failed", fn)


def transfer(on, status="complete", cmd=None, mode=None, file="auto", data_from=None,
             data_to=None):
    """A transfer record on capture `on` with this status (and cmd, mode,
    data_from/data_to: the hosts that opened/accepted the data connection).
    file: for a complete download, its sha256 must be that server file's
    ("auto": the phase's download)."""
    parts = ["a %s%s transfer" % (status, " " + cmd if cmd else "")]
    if mode:
        parts.append("in %s mode" % mode)
    if data_from:
        parts.append("data connection from %s" % data_from)
    if data_to:
        parts.append("to %s" % data_to)

    def fn(ev):
        want_sha = None
        name = file
        if name == "auto":
            a = ev.action
            name = a.path if getattr(a, "op", None) == "get" and a.path in ev.files else None
        if name and status == "complete":
            want_sha = ev.files[name]
        for r in of_type(ev, on, "transfer"):
            if r["status"] != status or (cmd and r["cmd"] != cmd) or (mode and r["mode"] != mode):
                continue
            if data_from and host_of(r.get("data_client")) != ev.resolve(data_from):
                continue
            if data_to and host_of(r.get("data_server")) != ev.resolve(data_to):
                continue
            if want_sha and r.get("sha256") != want_sha:
                continue
            return True, describe_transfer(r) + (", sha256 = %s's" % name if want_sha else "")
        return False, _transfers_seen(ev, on)
    text = "%s: %s" % (on, ", ".join(parts))
    if file not in ("auto", None):
        text += " of %s" % file
    return Check(text, fn, (on,))


def no_transfer(on):
    def fn(ev):
        ts = of_type(ev, on, "transfer")
        return not ts, _transfers_seen(ev, on)
    return Check("%s: no data transfer at all" % on, fn, (on,))


def no_complete_transfer(on):
    def fn(ev):
        done = [r for r in of_type(ev, on, "transfer") if r["status"] == "complete"]
        return not done, _transfers_seen(ev, on)
    return Check("%s: no complete data transfer" % on, fn, (on,))


def _evidence_ok(have, want, ev):
    for k, v in want.items():
        got, v = have.get(k), ev.resolve(v)
        if got != v and host_of(got) != v:
            return False
    return True


def diagnostic(kind, on, **evidence):
    """A diagnostic of this kind on capture `on` (with these evidence
    values; an address matches an "address:port" too)."""
    def fn(ev):
        ds = of_type(ev, on, "diagnostic")
        for d in ds:
            if d["kind"] == kind and _evidence_ok(d.get("evidence") or {}, evidence, ev):
                return True, d["message"]
        return False, "diagnostics seen: %s" % (", ".join(d["kind"] for d in ds) or "none")
    extra = "".join(" %s=%s" % kv for kv in evidence.items())
    return Check("%s: diagnostic %s%s" % (on, kind, extra), fn, (on,))


def no_diagnostic(kind, on):
    def fn(ev):
        ds = [d for d in of_type(ev, on, "diagnostic") if d["kind"] == kind]
        return not ds, ds[0]["message"] if ds else ""
    return Check("%s: no %s diagnostic" % (on, kind), fn, (on,))


def command(cmd, on, arg=None, reply_code=None):
    """A command record on `on`: cmd, its argument matching the regex arg,
    its final reply code (an int, "2xx"-style, or a tuple of ints)."""
    def fn(ev):
        seen = []
        for r in of_type(ev, on, "command"):
            if r["cmd"] != cmd:
                continue
            line = " ".join(x for x in (cmd, r.get("arg")) if x)
            seen.append("%s -> %s" % (line, r.get("reply_code")))
            if arg is not None and not re.search(arg, r.get("arg") or ""):
                continue
            if _code_ok(r.get("reply_code"), reply_code):
                return True, "%s -> %s %s" % (line, r.get("reply_code"), r.get("reply") or "")
        return False, "seen: %s" % ("; ".join(seen) or "no %s at all" % cmd)
    text = "%s: %s%s%s" % (on, cmd, " matching /%s/" % arg if arg else "",
                           " answered %s" % (reply_code,) if reply_code is not None else "")
    return Check(text, fn, (on,))


def announced(cmd, addr, on, reply_code=None):
    """A PORT/EPRT/PASV/EPSV on `on` whose data channel names addr (the
    analyzer's data_channel.resp_h: the address that will accept the data
    connection, as announced)."""
    def fn(ev):
        want, seen = ev.resolve(addr), []
        for r in of_type(ev, on, "command"):
            dc = r.get("data_channel")
            if r["cmd"] != cmd or not dc:
                continue
            seen.append("%s %s" % (cmd, r.get("arg") or ""))
            if dc["resp_h"] == want and _code_ok(r.get("reply_code"), reply_code):
                return True, "%s %s (announces %s:%s) -> %s" % (
                    cmd, r.get("arg") or "", dc["resp_h"], dc["resp_p"], r.get("reply_code"))
        return False, "seen: %s" % ("; ".join(seen) or "no %s" % cmd)
    return Check("%s: %s announces %s" % (on, cmd, addr), fn, (on,))


def no_command(cmd, on):
    """No command record of this verb on `on` (e.g. no EPSV on the IPv4
    side of a proxy that was told to use PASV there)."""
    def fn(ev):
        seen = ["%s %s -> %s" % (cmd, r.get("arg") or "", r.get("reply_code"))
                for r in of_type(ev, on, "command") if r["cmd"] == cmd]
        return not seen, "; ".join(seen) or "none"
    return Check("%s: no %s command" % (on, cmd), fn, (on,))


def session(on, client=None, server=None):
    """A session record (a control connection) on `on` whose client and
    server endpoints are these hosts ("@name" or an address)."""
    def fn(ev):
        seen = []
        for r in of_type(ev, on, "session"):
            seen.append("%s -> %s" % (r.get("client"), r.get("server")))
            if client and host_of(r.get("client")) != ev.resolve(client):
                continue
            if server and host_of(r.get("server")) != ev.resolve(server):
                continue
            return True, "control connection %s -> %s, login %s, %d commands" % (
                r.get("client"), r.get("server"), r.get("login"), r.get("commands", 0))
        return False, "sessions seen: %s" % ("; ".join(seen) or "none")
    parts = (["from %s" % client] if client else []) + (["to %s" % server] if server else [])
    return Check("%s: a control connection %s" % (on, " ".join(parts)), fn, (on,))
