#!/usr/bin/env python3
"""record_tool.py - the Python half of captures/record.sh.

    record_tool.py make-root DIR [--big]    the served tree (deterministic content)
    record_tool.py client NAME HOST PORT ROOT WORK
                                            play capture NAME's client side
    record_tool.py check NAME PCAP PORT     check that PCAP holds what NAME should
    record_tool.py password                 print alice's password (for the users file)
    record_tool.py pcapng IN OUT            rewrite a pcap file as pcapng
    record_tool.py summary FILE...          one table row per capture

record.sh owns the network namespace, tcpdump and the server; this file owns
what goes over the wire and the checks of what was captured. Everything a
client sends or receives is generated from fixed seeds, so a re-recording
carries the same bytes (only timestamps, ports and TCP details differ).
"""
import ftplib
import io
import os
import random
import re
import socket
import struct
import subprocess
import sys
import time

FIXED_MTIME = 1704164645  # 2024-01-02 03:04:05 UTC, for every served file
ALICE_PASSWORD = "correct horse"
ANON_PASSWORD = "capture@example.com"
NAT_PASV_ADDRESS = "203.0.113.5"  # record.sh gives it to --pasv-address
NAT_CLIENT_ADDRESS = "192.0.2.10"  # the "private" address a NATed client would send
ABORT_AFTER = 8192  # bytes read before ABOR


# --- content -----------------------------------------------------------------

def blob(seed, size):
    """SIZE bytes that only depend on SEED."""
    return random.Random(seed).randbytes(size)


def text(seed, lines):
    """LINES lines of printable text (LF ends) that only depend on SEED."""
    rng = random.Random(seed)
    words = ("data control passive active port reply command transfer "
             "segment listing binary ascii abort login").split()
    out = []
    for i in range(lines):
        out.append("%03d %s" % (i + 1, " ".join(rng.choice(words) for _ in range(8))))
    return ("\n".join(out) + "\n").encode()


HELLO = b"Hello from ftplab.\nThis file came over an FTP data connection.\n"
README = text("readme.txt", 40)  # ~2.5 KiB of text, for TYPE A
DATA = blob("data.bin", 5000)
UPLOAD = blob("upload.bin", 3000)
APPEND = text("append.txt", 12)
ASCII_UP = text("ascii-upload.txt", 10)
BIG_SIZE = 4 << 20


def make_root(root, big):
    files = {
        "pub/hello.txt": HELLO,
        "pub/readme.txt": README,
        "pub/data.bin": DATA,
        "incoming/log.txt": b"first line of log.txt\n",
        "home/alice/notes.txt": b"alice's notes\n",
    }
    if big:
        files["pub/big.bin"] = blob("big.bin", BIG_SIZE)
    for rel in sorted(files):  # creation order fixes the listing order on tmpfs
        path = os.path.join(root, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as f:
            f.write(files[rel])
    for d, dirs, names in os.walk(root, topdown=False):
        for n in names + dirs:
            os.utime(os.path.join(d, n), (FIXED_MTIME, FIXED_MTIME))
    os.utime(root, (FIXED_MTIME, FIXED_MTIME))


# --- clients -----------------------------------------------------------------

def expect(cond, what):
    if not cond:
        raise SystemExit("client: " + what)


def ftp_open(host, port, user="anonymous", password=ANON_PASSWORD):
    f = ftplib.FTP(timeout=20)
    f.connect(host, port)
    if user:
        f.login(user, password)
    return f


def retr(f, path):
    buf = bytearray()
    f.retrbinary("RETR " + path, buf.extend)
    return bytes(buf)


def refused(f, line, code):
    """Send LINE and expect the error reply CODE."""
    try:
        resp = f.sendcmd(line)
    except ftplib.Error as e:
        resp = str(e)
    expect(resp.startswith(code), "%s: wanted %s, got %r" % (line, code, resp))


def run(argv, **kw):
    subprocess.run(argv, check=True, timeout=60, **kw)


def client_passive(host, port, root, work):
    # curl, PASV instead of EPSV; two URLs in one run share one session
    url = "ftp://%s:%d" % (host, port)
    run(["curl", "-sS", "--disable-epsv",
         "-o", work + "/list.txt", url + "/pub/",
         "-o", work + "/data.bin", url + "/pub/data.bin"])
    expect(open(work + "/data.bin", "rb").read() == DATA, "data.bin differs")
    expect(b"data.bin" in open(work + "/list.txt", "rb").read(), "listing")


def client_active(host, port, root, work):
    f = ftp_open(host, port)
    f.set_pasv(False)  # PORT
    expect(retr(f, "pub/data.bin") == DATA, "RETR data.bin")
    f.storbinary("STOR incoming/upload.bin", io.BytesIO(UPLOAD))
    f.quit()
    expect(open(root + "/incoming/upload.bin", "rb").read() == UPLOAD, "upload")


def client_ipv6(host, port, root, work):
    f = ftp_open(host, port)  # over IPv6 ftplib uses EPSV, and EPRT when active
    expect(retr(f, "pub/data.bin") == DATA, "EPSV RETR")
    f.set_pasv(False)
    expect(retr(f, "pub/readme.txt") == README, "EPRT RETR")
    f.quit()


def client_multiline(host, port, root, work):
    f = ftp_open(host, port, user=None)
    expect(f.welcome.count("\n") >= 4, "banner has one line")
    f.login("anonymous", ANON_PASSWORD)
    for line in ("FEAT", "HELP", "STAT", "SITE HELP", "STAT pub", "MLST pub/hello.txt"):
        resp = f.sendcmd(line)
        expect("\n" in resp or line == "SITE HELP", line + ": one-line reply " + resp)
    f.quit()


def client_split(host, port, root, work):
    f = ftp_open(host, port)
    f.sendcmd("SYST")
    f.pwd()
    f.sendcmd("FEAT")
    expect(retr(f, "pub/hello.txt") == HELLO, "RETR hello.txt")
    f.quit()


def abort_start(host, port):
    f = ftp_open(host, port)
    f.voidcmd("TYPE I")
    conn = f.transfercmd("RETR pub/big.bin")
    got = 0
    while got < ABORT_AFTER:
        chunk = conn.recv(ABORT_AFTER - got)
        expect(chunk, "data ended early")
        got += len(chunk)
    return f, conn


def abort_finish(f, conn):
    resp = f.getmultiline()
    expect(resp.startswith("226"), "after 426: " + resp)
    conn.close()
    f.voidcmd("NOOP")
    f.quit()


def client_abort(host, port, root, work):
    # ftplib's abort(): "ABOR\r\n" sent with MSG_OOB (the last byte is urgent)
    f, conn = abort_start(host, port)
    resp = f.abort()
    expect(resp.startswith("426"), "ABOR: " + resp)
    abort_finish(f, conn)


def client_abort_telnet(host, port, root, work):
    # RFC 959 4.1.3 / BSD ftp: Telnet IP, then Synch (IAC urgent, DM), then ABOR
    f, conn = abort_start(host, port)
    f.sock.sendall(b"\xff\xf4\xff", socket.MSG_OOB)
    f.sock.sendall(b"\xf2ABOR\r\n")
    resp = f.getmultiline()
    expect(resp.startswith("426"), "ABOR: " + resp)
    abort_finish(f, conn)


def client_failed_login(host, port, root, work):
    f = ftp_open(host, port, user=None)
    refused(f, "PWD", "530")  # before login
    refused(f, "USER anonymous", "530")  # anonymous is off with --users
    expect(f.sendcmd("USER alice").startswith("331"), "USER alice")
    refused(f, "PASS wrong password", "530")
    f.login("alice", ALICE_PASSWORD)
    f.pwd()
    lines = []
    f.retrlines("LIST", lines.append)
    expect(any("notes.txt" in x for x in lines), "alice's home")
    f.quit()


def client_mismatch(host, port, root, work):
    f = ftp_open(host, port)
    resp = f.sendcmd("PASV")  # announces NAT_PASV_ADDRESS
    expect(NAT_PASV_ADDRESS.replace(".", ",") in resp, "227: " + resp)
    # ftplib ignores the 227 address (connects to the control peer): data flows
    expect(retr(f, "pub/hello.txt") == HELLO, "RETR through the 227 port")
    refused(f, "PORT %s,195,80" % NAT_CLIENT_ADDRESS.replace(".", ","), "501")
    refused(f, "EPRT |1|%s|50000|" % NAT_CLIENT_ADDRESS, "501")
    f.quit()


def client_port_2121(host, port, root, work):
    # lftp: FEAT, OPTS, HOST, PASV, MLSD, SIZE, MDTM, RETR
    script = ("set cmd:interactive no; set ftp:ssl-allow no; "
              "open -u anonymous,%s ftp://%s:%d; cls -l pub; "
              "get pub/hello.txt -o %s/hello.txt; bye" % (ANON_PASSWORD, host, port, work))
    out = subprocess.run(["lftp", "-c", script], check=True, timeout=60,
                         env=dict(os.environ, HOME=work), capture_output=True)
    expect(b"pub/data.bin" in out.stdout, "lftp cls")
    expect(open(work + "/hello.txt", "rb").read() == HELLO, "lftp get")


def client_resume_append(host, port, root, work):
    # curl (EPSV over IPv4): a resumed download (REST), then an append (APPE)
    url = "ftp://%s:%d" % (host, port)
    with open(work + "/data.bin", "wb") as f:
        f.write(DATA[:2000])
    run(["curl", "-sS", "-C", "-", "-o", work + "/data.bin", url + "/pub/data.bin"])
    expect(open(work + "/data.bin", "rb").read() == DATA, "resumed data.bin")
    with open(work + "/append.txt", "wb") as f:
        f.write(APPEND)
    run(["curl", "-sS", "--append", "-T", work + "/append.txt", url + "/incoming/log.txt"])
    got = open(root + "/incoming/log.txt", "rb").read()
    expect(got == b"first line of log.txt\n" + APPEND, "appended log.txt")


def client_ascii(host, port, root, work):
    f = ftp_open(host, port)
    lines = []
    f.retrlines("LIST pub", lines.append)  # retrlines sends TYPE A
    f.retrlines("NLST pub", lines.append)
    facts = list(f.mlsd("pub"))
    expect(len(facts) >= 3, "MLSD")
    text_lines = []
    f.retrlines("RETR pub/readme.txt", text_lines.append)
    expect(("\n".join(text_lines) + "\n").encode() == README, "ASCII RETR")
    f.storlines("STOR incoming/ascii.txt", io.BytesIO(ASCII_UP))  # CRLF on the wire
    f.quit()
    expect(open(root + "/incoming/ascii.txt", "rb").read() == ASCII_UP, "ASCII STOR")


def client_file_commands(host, port, root, work):
    f = ftp_open(host, port)
    f.mkd("incoming/new")
    f.cwd("incoming/new")
    f.storbinary("STOR draft.bin", io.BytesIO(UPLOAD))
    f.rename("draft.bin", "final.bin")  # RNFR 350, RNTO 250
    expect(f.size("final.bin") == len(UPLOAD), "SIZE")
    f.sendcmd("MFMT 20240102030405 final.bin")
    expect(f.sendcmd("MDTM final.bin") == "213 20240102030405", "MDTM")
    f.cwd("..")
    refused(f, "RMD new", "550")  # not empty
    f.delete("new/final.bin")
    f.rmd("new")
    f.sendcmd("CDUP")
    refused(f, "RETR pub/missing.bin", "550")
    refused(f, "FROB", "500")
    f.quit()


CLIENTS = {
    "passive": client_passive,
    "active": client_active,
    "ipv6-eprt-epsv": client_ipv6,
    "multiline": client_multiline,
    "split-replies": client_split,
    "abort": client_abort,
    "abort-telnet": client_abort_telnet,
    "failed-login": client_failed_login,
    "mismatch-nat": client_mismatch,
    "port-2121": client_port_2121,
    "resume-append": client_resume_append,
    "ascii-listings": client_ascii,
    "file-commands": client_file_commands,
    "proxy-legs": client_passive,
}


# --- reading what was captured ---------------------------------------------------

class Conn:
    """One TCP connection: endpoints, both byte streams, segment sizes."""

    def __init__(self, client, server):
        self.client, self.server = client, server
        self.data = {client: bytearray(), server: bytearray()}  # by sender
        self.next = {}
        self.segments = {client: [], server: []}  # payload sizes by sender
        self.urgent = []  # (sender, offset in its stream) of URG segments

    def add(self, src, seq, flags, payload, urg):
        if flags & 0x02:  # SYN
            self.next[src] = (seq + 1) & 0xFFFFFFFF
            return
        if not payload or src not in self.next:
            return
        skip = (self.next[src] - seq) & 0xFFFFFFFF
        if skip >= len(payload):
            return  # a retransmission
        self.segments[src].append(len(payload))
        if flags & 0x20:
            self.urgent.append((src, len(self.data[src]) + urg - 1 - skip))
        self.data[src] += payload[skip:]
        self.next[src] = (seq + len(payload)) & 0xFFFFFFFF


def frames(path):
    """The link-layer frames of a pcap or pcapng file (Ethernet only)."""
    raw = open(path, "rb").read()
    if raw[:4] == b"\x0a\x0d\x0d\x0a":  # pcapng, little-endian as we write it
        off = 0
        while off + 12 <= len(raw):
            kind, n = struct.unpack("<II", raw[off:off + 8])
            if kind == 1 and struct.unpack("<H", raw[off + 8:off + 10])[0] != 1:
                raise SystemExit("%s: link type is not Ethernet" % path)
            if kind == 6:
                incl = struct.unpack("<I", raw[off + 20:off + 24])[0]
                yield raw[off + 28:off + 28 + incl]
            off += n
        return
    order = {b"\xd4\xc3\xb2\xa1": "<", b"\xa1\xb2\xc3\xd4": ">",
             b"\x4d\x3c\xb2\xa1": "<", b"\xa1\xb2\x3c\x4d": ">"}[raw[:4]]
    if struct.unpack(order + "I", raw[20:24])[0] != 1:
        raise SystemExit("%s: link type is not Ethernet" % path)
    off = 24
    while off + 16 <= len(raw):
        incl = struct.unpack(order + "I", raw[off + 8:off + 12])[0]
        yield raw[off + 16:off + 16 + incl]
        off += 16 + incl


def read_pcap(path):
    """(packet count, [Conn] in the order of their first SYN)."""
    conns, ordered, count = {}, [], 0
    for pkt in frames(path):
        count += 1
        ethertype = struct.unpack("!H", pkt[12:14])[0]
        ip = pkt[14:]
        if ethertype == 0x0800:
            ihl = (ip[0] & 15) * 4
            proto, total = ip[9], struct.unpack("!H", ip[2:4])[0]
            src = socket.inet_ntop(socket.AF_INET, ip[12:16])
            dst = socket.inet_ntop(socket.AF_INET, ip[16:20])
            tcp = ip[ihl:total]
        elif ethertype == 0x86DD:
            proto, plen = ip[6], struct.unpack("!H", ip[4:6])[0]
            src = socket.inet_ntop(socket.AF_INET6, ip[8:24])
            dst = socket.inet_ntop(socket.AF_INET6, ip[24:40])
            tcp = ip[40:40 + plen]
        else:
            continue
        if proto != 6:
            continue
        sport, dport, seq = struct.unpack("!HHI", tcp[:8])
        doff, flags = (tcp[12] >> 4) * 4, tcp[13]
        urg = struct.unpack("!H", tcp[18:20])[0] if flags & 0x20 else 0
        a, b = (src, sport), (dst, dport)
        key = frozenset((a, b))
        if key not in conns:
            if flags & 0x12 != 0x02:
                continue  # joined midway: not ours to judge
            conns[key] = Conn(a, b)
            ordered.append(conns[key])
        conns[key].add(a, seq, flags, tcp[doff:], urg)
    return count, ordered


def strip_telnet(data):
    return re.sub(rb"\xff[\xf0-\xfe]", b"", data)


def commands(conn):
    text = strip_telnet(bytes(conn.data[conn.client]))
    return [ln.split(b" ")[0].upper().decode() for ln in text.split(b"\r\n") if ln]


def replies(conn):
    """Reply codes in order; a multi-line reply counts once, with a '-' mark."""
    out, pending = [], None
    for ln in bytes(conn.data[conn.server]).split(b"\r\n"):
        if pending:
            if ln[:4] == pending + b" ":
                pending = None
            continue
        m = re.match(rb"(\d{3})([ -])", ln)
        if m:
            if m[2] == b"-":
                pending = m[1]
                out.append(m[1].decode() + "-")
            else:
                out.append(m[1].decode())
    return out


def in_order(want, have):
    """WANT is a subsequence of HAVE; "1xx" stands for any 1yz reply (125 or
    150 depends on whether the passive data connection was open in time),
    "2xx-" for any multi-line 2yz reply."""
    it = iter(have)
    return all(any(x == w or (w[1:3] == "xx" and x[0] == w[0] and x[3:] == w[3:]) for x in it) for w in want)


# what each capture must show: the command verbs and reply codes in order
# (a subsequence of the control connection's), and the data connections' sizes
SPECS = {
    # through ftplab-proxy: each command, reply and data connection twice
    "proxy-legs": dict(cmds="USER PASS PWD CWD PASV TYPE LIST PASV TYPE SIZE RETR QUIT",
                       codes="220 331 230 257 250 227 200 226 227 200 213 226 221",
                       data=[None, None, None, None]),
    "passive": dict(cmds="USER PASS PWD CWD PASV TYPE LIST PASV TYPE SIZE RETR QUIT",
                    codes="220 331 230 257 250 227 200 226 227 200 213 226 221",
                    data=[None, 5000]),
    "active": dict(cmds="USER PASS TYPE PORT RETR TYPE PORT STOR QUIT",
                   codes="220 331 230 200 200 1xx 226 200 200 1xx 226 221",
                   data=[5000, 3000]),
    "ipv6-eprt-epsv": dict(cmds="USER PASS TYPE EPSV RETR TYPE EPRT RETR QUIT",
                           codes="220 331 230 200 229 1xx 226 200 200 1xx 226 221",
                           data=[5000, len(README)]),
    "multiline": dict(cmds="USER PASS FEAT HELP STAT SITE STAT MLST QUIT",
                      codes="220- 331 230 211- 214- 211- 214 2xx- 250- 221", data=[]),
    "split-replies": dict(cmds="USER PASS SYST PWD FEAT TYPE PASV RETR QUIT",
                          codes="220 331 230 215 257 211- 200 227 1xx 226 221",
                          data=[len(HELLO)]),
    "abort": dict(cmds="USER PASS TYPE PASV RETR ABOR NOOP QUIT",
                  codes="220 331 230 200 227 1xx 426 226 200 221", data=[None]),
    "abort-telnet": dict(cmds="USER PASS TYPE PASV RETR ABOR NOOP QUIT",
                         codes="220 331 230 200 227 1xx 426 226 200 221", data=[None]),
    "failed-login": dict(cmds="PWD USER USER PASS USER PASS PWD TYPE PASV LIST QUIT",
                         codes="220 530 530 331 530 331 230 257 200 227 1xx 226 221",
                         data=[None]),
    "mismatch-nat": dict(cmds="USER PASS PASV TYPE PASV RETR PORT EPRT QUIT",
                         codes="220 331 230 227 200 227 1xx 226 501 501 221",
                         data=[len(HELLO)]),
    "port-2121": dict(cmds="FEAT USER PASS PWD PASV MLSD SIZE MDTM PASV RETR QUIT",
                      codes="220 211- 331 230 257 227 226 213 213 227 226 221",
                      data=[None, len(HELLO)]),
    "resume-append": dict(cmds="USER PASS EPSV TYPE SIZE REST RETR QUIT "
                               "USER PASS CWD EPSV TYPE APPE QUIT",
                          codes="220 331 230 229 200 213 350 226 221 "
                                "220 331 230 250 229 200 226 221",
                          data=[3000, len(APPEND)]),
    "ascii-listings": dict(cmds="USER PASS TYPE PASV LIST TYPE PASV NLST TYPE PASV MLSD "
                                "TYPE PASV RETR TYPE PASV STOR QUIT",
                           codes="220 331 230 200 227 226 200 227 226 200 227 226 "
                                 "200 227 226 200 227 226 221",
                           data=[None, None, None, len(README) + 40, len(ASCII_UP) + 10]),
    "file-commands": dict(cmds="USER PASS MKD CWD TYPE PASV STOR RNFR RNTO SIZE MFMT MDTM "
                               "CDUP RMD DELE RMD CDUP RETR FROB QUIT",
                          codes="220 331 230 257 250 200 227 226 350 250 213 213 213 "
                                "250 550 250 250 250 550 500 221",
                          data=[3000]),
}


PROXY_UPSTREAM_PORT = 2121  # record.sh: the server behind the proxy


def check(name, path, ctrl_port):
    count, conns = read_pcap(path)
    spec = SPECS[name]
    ports = (ctrl_port, PROXY_UPSTREAM_PORT) if name == "proxy-legs" else (ctrl_port,)
    ctrl = [c for c in conns if c.server[1] in ports]
    data = [c for c in conns if c.server[1] not in ports]
    problems = []
    if not ctrl:
        raise SystemExit("%s: no control connection on port %d" % (name, ctrl_port))
    cmds = [v for c in ctrl for v in commands(c)]
    codes = [r for c in ctrl for r in replies(c)]
    if not in_order(spec["cmds"].split(), cmds):
        problems.append("commands %s, wanted %s" % (cmds, spec["cmds"]))
    if not in_order(spec["codes"].split(), codes):
        problems.append("replies %s, wanted %s" % (codes, spec["codes"]))
    sizes = [len(c.data[c.client]) + len(c.data[c.server]) for c in data]
    want = spec["data"]
    if len(sizes) != len(want) or any(w is not None and w != s for w, s in zip(want, sizes)):
        problems.append("data connections carry %s bytes, wanted %s" % (sizes, want))
    problems += extra_checks(name, ctrl, data)
    if problems:
        raise SystemExit("%s: %s" % (path, "; ".join(problems)))
    print("%s: %d packets, %d control + %d data connections: ok"
          % (os.path.basename(path), count, len(ctrl), len(data)))


def extra_checks(name, ctrl, data):
    c = ctrl[0]
    server = bytes(c.data[c.server])
    p = []
    if name == "proxy-legs":
        legs = [commands(x) for x in ctrl]
        if len(ctrl) != 2 or legs[0] != legs[1]:
            p.append("wanted two control connections with the same commands: %s" % legs)
        sizes = sorted(len(x.data[x.client]) + len(x.data[x.server]) for x in data)
        if sizes.count(5000) != 2:
            p.append("the 5000-byte file should cross both legs: %s" % sizes)
    if name == "split-replies":
        sizes = c.segments[c.server]
        if len(sizes) < 200 or max(sizes) != 1:
            p.append("replies not split: %d segments, largest %d" % (len(sizes), max(sizes)))
    if name == "active":
        if any(d.client != c.server[:1] + (c.server[1] - 1,) for d in data):
            p.append("active data not from port L-1: %s" % [d.client for d in data])
    if name == "ipv6-eprt-epsv":
        if any(":" not in x.client[0] for x in ctrl + data):
            p.append("not all IPv6")
        if b"229 " not in server or b"EPRT |2|::1|" not in bytes(c.data[c.client]):
            p.append("no EPSV/EPRT")
    if name == "multiline" and server.count(b"\r\n", 0, server.find(b"220 ")) < 4:
        p.append("banner has fewer than 5 lines")
    if name in ("abort", "abort-telnet"):
        got = len(data[0].data[data[0].server])
        if not ABORT_AFTER <= got < BIG_SIZE // 4:
            p.append("aborted transfer carried %d bytes" % got)
        if not c.urgent:
            p.append("no urgent data in the control connection")
        if name == "abort-telnet" and b"\xff\xf4\xff\xf2ABOR\r\n" not in bytes(c.data[c.client]):
            p.append("no IAC IP IAC DM before ABOR")
    if name == "mismatch-nat":
        if b"(203,0,113,5," not in server:
            p.append("227 does not announce %s" % NAT_PASV_ADDRESS)
        if any(d.server[0] != c.server[0] for d in data):
            p.append("a data connection went elsewhere than the server")
    if name == "port-2121" and c.server[1] != 2121:
        p.append("control port %d" % c.server[1])
    return p


# --- pcap to pcapng ---------------------------------------------------------------

def to_pcapng(src, dst):
    raw = open(src, "rb").read()
    order = "<" if raw[:4] in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1") else ">"
    nano = raw[:4] in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    snap, link = struct.unpack(order + "II", raw[16:24])

    def block(kind, body):
        body += b"\0" * (-len(body) % 4)
        n = len(body) + 12
        return struct.pack("<II", kind, n) + body + struct.pack("<I", n)

    def option(code, value):
        return struct.pack("<HH", code, len(value)) + value + b"\0" * (-len(value) % 4)

    out = [block(0x0A0D0D0A, struct.pack("<IHHq", 0x1A2B3C4D, 1, 0, -1)
                 + option(4, b"ftplab captures/record_tool.py") + option(0, b"")),
           block(1, struct.pack("<HHI", link, 0, snap) + option(2, b"lo")
                 + option(9, bytes([9 if nano else 6])) + option(0, b""))]
    off = 24
    while off + 16 <= len(raw):
        sec, frac, incl, orig = struct.unpack(order + "IIII", raw[off:off + 16])
        ts = sec * (10**9 if nano else 10**6) + frac
        out.append(block(6, struct.pack("<IIIII", 0, ts >> 32, ts & 0xFFFFFFFF, incl, orig)
                         + raw[off + 16:off + 16 + incl]))
        off += 16 + incl
    with open(dst, "wb") as f:
        f.write(b"".join(out))


def summary(paths):
    """One Markdown table row per file: name, packets, connections, size."""
    for path in paths:
        count, conns = read_pcap(path)
        print("| %s | %d | %d | %d |" % (os.path.basename(path), count, len(conns),
                                         os.path.getsize(path)))


def main(argv):
    cmd = argv[1] if len(argv) > 1 else ""
    if cmd == "make-root" and len(argv) in (3, 4):
        make_root(argv[2], argv[3:] == ["--big"])
    elif cmd == "client" and len(argv) == 7 and argv[2] in CLIENTS:
        t0 = time.monotonic()
        CLIENTS[argv[2]](argv[3], int(argv[4]), argv[5], argv[6])
        print("client %s: done in %.1f s" % (argv[2], time.monotonic() - t0))
    elif cmd == "check" and len(argv) == 5:
        check(argv[2], argv[3], int(argv[4]))
    elif cmd == "password" and len(argv) == 2:
        print(ALICE_PASSWORD)
    elif cmd == "pcapng" and len(argv) == 4:
        to_pcapng(argv[2], argv[3])
    elif cmd == "summary":
        summary(argv[2:])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
