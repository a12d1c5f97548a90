#!/usr/bin/env python3
"""bench/analyzer_bench.py - the measuring half of bench/analyzer.sh.

    analyzer_bench.py run BIN_DIR OUT WORK [--quick] [--runs N] [--timeout S]
                      [--min-packets N] [--data-mib N] [--captures DIR] [--cache DIR]
    analyzer_bench.py make-large OUT [--min-packets N] [--captures DIR]
    analyzer_bench.py make-data OUT [--data-mib N]

`run` makes two captures in WORK (or takes them from the --cache folder):

  large  the FTP traces of ../shared/captures (zeek/*.pcap and suricata-verify's
         but irc/; the project's captures/*.pcap when that folder is missing)
         replayed one after the other, copy after copy, until there are at least
         --min-packets packets. Copy k rewrites every IPv4 and IPv6 address (in
         the headers and, with the same width, in PORT, 227 and EPRT; see map4
         and map6), so each copy's flows are distinct; time stamps keep
         increasing; IPv4 header and TCP/UDP checksums are updated
         incrementally (RFC 1624).
  data   one synthetic FTP session over Ethernet/IPv4: banner, USER, PASS,
         TYPE I, PASV/227, RETR, 150, a --data-mib MiB data connection in
         1448-byte segments (SYN, SYN-ACK, ACK, one ACK per two segments from
         the receiver, FIN both ways; the sequence numbers cross 2^32), 226,
         QUIT, 221. Valid checksums.

Then it checks ftplab-analyzer's JSON on both (the large: copies x the counts
of one copy; the data: one complete transfer of the right size and SHA-256),
checks that the peers run, and times, alternating, best of --runs:

  ftplab-analyzer -r F --json
  tshark -r F -Y ftp -T fields -e ftp.request.command -e ftp.request.arg -e ftp.response.code
  tcpdump -nn -r F

each with standard output to /dev/null: wall time (time.monotonic around
Popen and os.wait4), CPU time (os.wait4), peak RSS (GNU time's %M: see
run_timed for why not os.wait4's). The results table goes to OUT. See
bench/README.md.
"""
import argparse
import collections
import glob
import hashlib
import ipaddress
import json
import math
import os
import platform
import random
import re
import signal
import struct
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
TOP = os.path.dirname(HERE)
GEN_VERSION = 2                  # bump when the generated files change (cache key)

PCAP_GLOBAL = struct.Struct("<IHHiIII")
PCAP_REC = struct.Struct("<IIII")
SNAPLEN = 262144
LINKTYPE_ETHERNET = 1
T0_US = 1_700_000_000 * 1_000_000   # first time stamp of the generated captures
TRACE_GAP_US = 1_000_000            # between two replayed traces
STEP4 = 37                          # copy k shifts the free octets of IPv4 addresses by k*STEP4
STEP6 = 4099                        # and a group of IPv6 ones by k*STEP6 (see map6)


def say(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


# ============================================================== pcap input
def read_pcap(path):
    """(linktype, [(ts_us, orig_len, frame)]) of a classic pcap file."""
    with open(path, "rb") as f:
        b = f.read()
    magic = b[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        e = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        e = ">"
    else:
        raise ValueError("%s: not a pcap file (pcapng is not read here)" % path)
    nano = magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d")
    linktype = struct.unpack(e + "I", b[20:24])[0] & 0x0FFFFFFF
    rec = struct.Struct(e + "IIII")
    out, off = [], 24
    while off + 16 <= len(b):
        sec, frac, incl, orig = rec.unpack_from(b, off)
        off += 16
        if off + incl > len(b):
            break                       # a truncated last record
        us = frac // 1000 if nano else frac
        out.append((sec * 1_000_000 + us, orig, b[off:off + incl]))
        off += incl
    return linktype, out


ETH_SRC = b"\x02\x00\x00\x00\x00\x01"
ETH_DST = b"\x02\x00\x00\x00\x00\x02"


def to_ethernet(linktype, frame):
    """The frame as Ethernet (the link types of the traces: EN10MB, NULL, LOOP,
    RAW, LINUX_SLL); None for what cannot be carried over."""
    if linktype == 1:
        return frame
    if linktype in (0, 108):            # BSD loopback: a 4-byte address family
        if len(frame) < 4:
            return None
        fam = struct.unpack("<I" if linktype == 0 else ">I", frame[:4])[0]
        if fam > 0xFFFF:                # a NULL header written in the other byte order
            fam = struct.unpack(">I" if linktype == 0 else "<I", frame[:4])[0]
        et = 0x0800 if fam == 2 else 0x86DD if fam in (10, 24, 28, 30) else None
        return None if et is None else ETH_DST + ETH_SRC + struct.pack("!H", et) + frame[4:]
    if linktype in (101, 12, 14):       # raw IP
        if not frame:
            return None
        et = 0x0800 if frame[0] >> 4 == 4 else 0x86DD
        return ETH_DST + ETH_SRC + struct.pack("!H", et) + frame
    if linktype == 113 and len(frame) >= 16:   # Linux cooked
        return ETH_DST + ETH_SRC + frame[14:16] + frame[16:]
    return None


# ============================================================== checksums
def fold(s):
    while s >> 16:
        s = (s & 0xFFFF) + (s >> 16)
    return s


def sum16(b):
    if len(b) & 1:
        b = bytes(b) + b"\0"
    return sum(struct.unpack("!%dH" % (len(b) // 2), b))


def ck_update(ck, old_sum, new_sum):
    """RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m')."""
    x = (~ck & 0xFFFF) + (~fold(old_sum) & 0xFFFF) + fold(new_sum)
    return ~fold(x) & 0xFFFF


def ck_full(b):
    return ~fold(sum16(b)) & 0xFFFF


# ============================================================== address rewriting
_CLS = ((0, 10), (10, 90), (100, 156))      # one-, two-, three-digit octets: (first, count)
_CLS6 = ((0x1, 0xF), (0x10, 0xF0), (0x100, 0xF00), (0x1000, 0xF000))   # by hex digits


def _cls(v):
    return _CLS[0 if v < 10 else 1 if v < 100 else 2]


def _free4(o):
    """The octets of an IPv4 address that copies may change: 2-4, or 3-4 when
    the second octet says whether the address is private or special
    (100.64/10, 169.254/16, 172.16/12, 192.168/16: the analyzer tells NAT from
    a bounce by that)."""
    return (2, 3) if o[0] in (100, 169, 172, 192) else (1, 2, 3)


def capacity4(o):
    """How many copies of address o map4 keeps distinct."""
    n = 1
    for i in _free4(o):
        n *= _cls(o[i])[1]
    return n


def map4(o, k):
    """Copy k's version of IPv4 octets o (a 4-tuple): the free octets (see
    _free4) shifted together by k*STEP4 among the numbers of the same widths,
    so that the text of the address keeps its length (PORT and 227 keep their
    byte counts) and its class."""
    if k == 0:
        return o
    idx = _free4(o)
    cls = [_cls(o[i]) for i in idx]
    x = 0
    for i, (lo, n) in zip(idx, cls):
        x = x * n + (o[i] - lo)
    total = 1
    for _, n in cls:
        total *= n
    x = (x + k * STEP4) % total
    out = list(o)
    for i, (lo, n) in reversed(list(zip(idx, cls))):
        out[i] = lo + x % n
        x //= n
    return tuple(out)


def _group6(groups):
    """The index of the IPv6 group that copies change: the first one after the
    first group with two or more hex digits, else with one; None when all are
    zero. The first group (private, link-local) stays."""
    for least in (0x10, 0x1):
        for i in range(1, 8):
            if groups[i] >= least:
                return i
    return None


def capacity6(groups):
    i = _group6(groups)
    return 1 if i is None else _CLS6[len("%x" % groups[i]) - 1][1]


def map6(groups, k):
    """Copy k's version of an IPv6 address (8 groups): one group (_group6)
    shifted by k*STEP6 among the values of as many hex digits. Zero groups stay
    zero and widths stay, so the text keeps its length and its '::'."""
    i = _group6(groups)
    if k == 0 or i is None:
        return groups
    g = groups[i]
    lo, n = _CLS6[len("%x" % g) - 1]
    return groups[:i] + (lo + (g - lo + k * STEP6) % n,) + groups[i + 1:]


RE_CAND = re.compile(rb"PORT|227|EPRT", re.I)
RE_COMMA = re.compile(rb"(?<![0-9])([0-9]{1,3}),([0-9]{1,3}),([0-9]{1,3}),([0-9]{1,3}),"
                      rb"([0-9]{1,3}),([0-9]{1,3})(?![0-9])")
RE_EPRT = re.compile(rb"([!-~])([12])\1([0-9A-Fa-f:.]{2,45})\1([0-9]{1,5})\1")


def _octets_text(texts, k):
    vals = tuple(int(t) for t in texts)
    if max(vals) > 255:
        return None
    new = map4(vals, k)
    return [str(v).zfill(len(t)).encode() for v, t in zip(new, texts)]


class Rewriter:
    """Rewrites one copy's frames (Ethernet, IPv4/IPv6 with TCP/UDP/ICMPv6)."""

    def __init__(self, k):
        self.k = k
        self.cache = {}
        self.unmapped = 0               # EPRT |2| texts that could not keep their length

    def addr(self, a):
        r = self.cache.get(a)
        if r is None:
            if len(a) == 8:             # an IPv4 source and destination
                r = bytes(map4(tuple(a[:4]), self.k) + map4(tuple(a[4:]), self.k))
            else:                       # one IPv6 address
                r = struct.pack("!8H", *map6(struct.unpack("!8H", a), self.k))
            self.cache[a] = r
        return r

    def _comma(self, m):
        t = _octets_text(m.groups()[:4], self.k)
        if t is None:
            return m.group(0)
        return b",".join(t + [m.group(5), m.group(6)])

    def _eprt(self, m):
        d, af, text, port = m.groups()
        if af == b"1":
            parts = text.split(b".")
            if len(parts) != 4 or not all(p.isdigit() and 0 < len(p) <= 3 for p in parts):
                return m.group(0)
            t = _octets_text(parts, self.k)
            if t is None:
                return m.group(0)
            new = b".".join(t)
        else:
            try:
                a = ipaddress.IPv6Address(text.decode())
            except ValueError:
                return m.group(0)
            b = ipaddress.IPv6Address(struct.pack("!8H", *map6(struct.unpack(
                "!8H", a.packed), self.k)))
            s = text.decode()
            new = None
            for form in (lambda x: x.compressed, lambda x: x.exploded):
                if form(a) == s.lower():
                    new = form(b).upper() if s.isupper() else form(b)
                    break
            if new is None or len(new) != len(s):
                self.unmapped += 1
                return m.group(0)
            new = new.encode()
        return d + af + d + new + d + port + d

    def payload(self, p):
        p2 = RE_COMMA.sub(self._comma, p)
        return RE_EPRT.sub(self._eprt, p2)

    def frame(self, frame, info):
        """The rewritten frame; info from parse_frame()."""
        ver, l3, ihl, proto, l4, ckoff, pay, cand = info
        b = bytearray(frame)
        if ver == 4:
            old = bytes(b[l3 + 12:l3 + 20])
            new = self.addr(old)
            b[l3 + 12:l3 + 20] = new
            so, sn = sum16(old), sum16(new)
            if len(b) >= l3 + ihl:
                ck = struct.unpack_from("!H", b, l3 + 10)[0]
                struct.pack_into("!H", b, l3 + 10, ck_update(ck, so, sn))
        else:
            o1, o2 = bytes(b[l3 + 8:l3 + 24]), bytes(b[l3 + 24:l3 + 40])
            n1, n2 = self.addr(o1), self.addr(o2)
            b[l3 + 8:l3 + 24] = n1
            b[l3 + 24:l3 + 40] = n2
            so, sn = sum16(o1 + o2), sum16(n1 + n2)
        if cand:
            p_old = bytes(b[pay:])
            p_new = self.payload(p_old)
            if p_new != p_old:
                assert len(p_new) == len(p_old)
                b[pay:] = p_new
                so += sum16(p_old)
                sn += sum16(p_new)
        if ckoff is not None:
            ck = struct.unpack_from("!H", b, ckoff)[0]
            if not (proto == 17 and ck == 0):       # UDP without a checksum keeps none
                ck = ck_update(ck, so, sn)
                if proto == 17 and ck == 0:
                    ck = 0xFFFF
                struct.pack_into("!H", b, ckoff, ck)
        return bytes(b)


def parse_frame(frame):
    """What Rewriter.frame needs, or None for a frame left as it is (not IP)."""
    off, n = 12, len(frame)
    if n < 14:
        return None
    et = struct.unpack_from("!H", frame, off)[0]
    while et in (0x8100, 0x88A8) and n >= off + 6:
        off += 4
        et = struct.unpack_from("!H", frame, off)[0]
    l3 = off + 2
    if et == 0x0800 and n >= l3 + 20 and frame[l3] >> 4 == 4:
        ihl = (frame[l3] & 15) * 4
        proto = frame[l3 + 9]
        fragmented = struct.unpack_from("!H", frame, l3 + 6)[0] & 0x3FFF
        l4 = None if fragmented else l3 + ihl
        ver = 4
    elif et == 0x86DD and n >= l3 + 40 and frame[l3] >> 4 == 6:
        ihl, proto, l4, ver = 40, frame[l3 + 6], l3 + 40, 6
    else:
        return None
    ckoff = pay = None
    cand = False
    if l4 is not None:
        if proto == 6 and n >= l4 + 20:
            ckoff = l4 + 16
            pay = l4 + (frame[l4 + 12] >> 4) * 4
            cand = pay < n and RE_CAND.search(frame, pay) is not None
        elif proto == 17 and n >= l4 + 8:
            ckoff = l4 + 6
        elif proto == 58 and ver == 6 and n >= l4 + 4:
            ckoff = l4 + 2
    return (ver, l3, ihl, proto, l4, ckoff, pay, cand)


# ============================================================== the large capture
def find_traces(captures):
    """The FTP traces to replay and a sentence on where they came from."""
    shared = captures or os.path.join(os.path.dirname(TOP), "shared", "captures")
    files = []
    if os.path.isdir(shared):
        files += sorted(glob.glob(os.path.join(shared, "zeek", "*.pcap")))
        # every suricata-verify pcap but irc/, the one trace that is not FTP
        # (its test checks that it is not taken for FTP; see the README there)
        for p in sorted(glob.glob(os.path.join(shared, "suricata-verify", "**", "*.pcap"),
                                  recursive=True)):
            if "irc" not in p.split(os.sep):
                files.append(p)
    if files:
        return files, "the %d FTP traces of %s (zeek/*.pcap and suricata-verify's but " \
            "irc/, which is not FTP)" % (len(files), os.path.relpath(shared, TOP))
    files = sorted(glob.glob(os.path.join(TOP, "captures", "*.pcap")))
    if not files:
        raise SystemExit("no traces: neither %s nor captures/*.pcap" % shared)
    return files, "FALLBACK: %s is missing; the project's own %d captures/*.pcap" % (
        shared, len(files))


def load_traces(files):
    """[(name, [(ts_us, orig_len, ethernet frame, parse_frame info)])] and the
    number of copies whose flows are all distinct (the smallest over the
    address pairs of lcm(capacity of each end))."""
    traces, limit, seen = [], 1 << 30, set()
    for path in files:
        lt, pkts = read_pcap(path)
        out = []
        for ts, orig, fr in pkts:
            e = to_ethernet(lt, fr)
            if e is None:
                continue
            info = parse_frame(e)
            if info is not None:
                l3 = info[1]
                pair = e[l3 + 12:l3 + 20] if info[0] == 4 else e[l3 + 8:l3 + 40]
                if pair not in seen:
                    seen.add(pair)
                    if info[0] == 4:
                        caps = capacity4(tuple(pair[:4])), capacity4(tuple(pair[4:]))
                    else:
                        caps = (capacity6(struct.unpack("!8H", pair[:16])),
                                capacity6(struct.unpack("!8H", pair[16:])))
                    limit = min(limit, math.lcm(*caps))
            out.append((ts, orig + len(e) - len(fr), e, info))
        if out:
            traces.append((os.path.basename(path), out))
    return traces, limit


def write_global(f):
    f.write(PCAP_GLOBAL.pack(0xA1B2C3D4, 2, 4, 0, 0, SNAPLEN, LINKTYPE_ETHERNET))


def make_large(out, min_packets, captures=None, copies=None):
    """Writes the replayed capture; returns its description (a dict)."""
    files, origin = find_traces(captures)
    traces, distinct = load_traces(files)
    per_copy = sum(len(p) for _, p in traces)
    if copies is None:
        copies = max(1, math.ceil(min_packets / per_copy))
    t, last, packets, unmapped = T0_US, 0, 0, 0
    with open(out, "wb") as f:
        write_global(f)
        for k in range(copies):
            rw = Rewriter(k)
            buf = []
            for _, pkts in traces:
                base = t - pkts[0][0]
                for ts, orig, fr, info in pkts:
                    ts = max(ts + base, last)
                    last = ts
                    if k and info is not None:
                        fr = rw.frame(fr, info)
                    buf.append(PCAP_REC.pack(ts // 1_000_000, ts % 1_000_000, len(fr),
                                             max(orig, len(fr))))
                    buf.append(fr)
                t = last + TRACE_GAP_US
            packets += len(buf) // 2
            unmapped += rw.unmapped
            f.write(b"".join(buf))
    return {"packets": packets, "bytes": os.path.getsize(out), "copies": copies,
            "per_copy": per_copy, "traces": len(traces), "origin": origin,
            "eprt_unmapped": unmapped, "distinct_copies": distinct}


# ============================================================== the data-heavy capture
MSS = 1448
CHUNKS = 724                        # the data repeats every CHUNKS*MSS bytes (~1 MiB)
CLIENT, SERVER = bytes([192, 0, 2, 10]), bytes([198, 51, 100, 20])
MAC_C, MAC_S = b"\x02\x00\x5e\x00\x00\x0a", b"\x02\x00\x5e\x00\x00\x14"
CTRL_PORT, DATA_CPORT, DATA_SPORT = 50122, 50124, 40016
SEG_US = 10                         # one full segment per 10 µs: 1.16 Gbit/s


class Conn:
    """One TCP connection of the synthetic session; the slow path builds any
    packet with full checksums (the control connection, the handshakes)."""

    def __init__(self, cport, sport, cisn, sisn):
        self.port = {True: cport, False: sport}
        self.seq = {True: cisn, False: sisn}
        self.ipid = {True: 0x1000, False: 0x8000}

    def packet(self, from_client, flags, payload=b"", syn=False, ts_us=0):
        c = from_client
        src, dst = (CLIENT, SERVER) if c else (SERVER, CLIENT)
        tsval = ((900_000 if c else 100_000) + ts_us // 1000) & 0xFFFFFFFF
        tsecr = ((100_000 if c else 900_000) + ts_us // 1000) & 0xFFFFFFFF
        if syn:     # MSS 1460, SACK permitted, time stamps, window scale 7
            opts = b"\x02\x04\x05\xb4\x04\x02\x08\x0a" + struct.pack("!II", tsval, 0) + \
                b"\x01\x03\x03\x07"
        else:
            opts = b"\x01\x01\x08\x0a" + struct.pack("!II", tsval, tsecr)
        ack = self.seq[not c] if flags & 0x10 else 0
        hl = 20 + len(opts)
        win = 64240 if syn else (8192 if c else 502)
        tcp = struct.pack("!HHIIBBHHH", self.port[c], self.port[not c], self.seq[c], ack,
                          (hl // 4) << 4, flags, win, 0, 0) + opts + payload
        pseudo = src + dst + struct.pack("!HH", 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", ck_full(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), self.ipid[c], 0x4000, 64, 6,
                         0, src, dst)
        ip = ip[:10] + struct.pack("!H", ck_full(ip)) + ip[12:]
        self.ipid[c] = (self.ipid[c] + 1) & 0xFFFF
        self.seq[c] = (self.seq[c] + len(payload) + (1 if flags & 0x03 else 0)) & 0xFFFFFFFF
        eth = (MAC_S + MAC_C if c else MAC_C + MAC_S) + b"\x08\x00"
        return eth + ip + tcp


class Writer:
    def __init__(self, f):
        self.f, self.buf, self.n, self.t = f, [], 0, T0_US

    def add(self, frame, ts=None):
        if ts is not None:
            self.t = ts
        self.buf.append(PCAP_REC.pack(self.t // 1_000_000, self.t % 1_000_000, len(frame),
                                      len(frame)))
        self.buf.append(frame)
        self.n += 1

    def flush(self):
        self.f.write(b"".join(self.buf))
        self.buf = []


def _data_segments(w, d, size, chunks, sums, h):
    """The data connection's payload, server to client, one ACK from the client
    per two segments: the fast path (header templates, incremental checksums).
    Returns the number of data segments written."""
    full = size // MSS
    hdr = struct.Struct("!18sH4sH12sI8sH6sII")          # eth+ip ... tcp options: 66 bytes
    ip_len = 20 + 32 + MSS
    pre_d = MAC_C + MAC_S + b"\x08\x00" + b"\x45\x00" + struct.pack("!H", ip_len)
    pre_a = MAC_S + MAC_C + b"\x08\x00" + b"\x45\x00" + struct.pack("!H", 52)
    mid = b"\x40\x00\x40\x06"
    sock_d = SERVER + CLIENT + struct.pack("!HH", DATA_SPORT, DATA_CPORT)
    sock_a = CLIENT + SERVER + struct.pack("!HH", DATA_CPORT, DATA_SPORT)
    cseq = d.seq[True]
    fl_d = struct.pack("!IHH", cseq, 0x8010, 502)        # ack, offset 8 + ACK, window
    tail = b"\x00\x00\x01\x01\x08\x0a"
    w4 = lambda b: sum(struct.unpack("!%dH" % (len(b) // 2), b))  # noqa: E731
    ipsum_d = 0x4500 + ip_len + 0x4000 + 0x4006 + w4(SERVER + CLIENT)
    ipsum_a = 0x4500 + 52 + 0x4000 + 0x4006 + w4(CLIENT + SERVER)
    tcpsum_d = w4(SERVER + CLIENT) + 6 + 32 + MSS + DATA_SPORT + DATA_CPORT + \
        w4(fl_d) + 0x0101 + 0x080A
    tcpsum_a0 = w4(CLIENT + SERVER) + 6 + 32 + DATA_CPORT + DATA_SPORT + (cseq >> 16) + \
        (cseq & 0xFFFF) + 0x8010 + 8192 + 0x0101 + 0x080A
    sseq, sid, cid = d.seq[False], d.ipid[False], d.ipid[True]
    t = w.t
    rec, mk, buf = PCAP_REC.pack, hdr.pack, w.buf
    dlen, alen = 66 + MSS, 66
    for i in range(full):
        t += SEG_US
        tsv = (100_000 + t // 1000) & 0xFFFFFFFF
        tse = (900_000 + t // 1000) & 0xFFFFFFFF
        j = i % CHUNKS
        ipck = ~fold(ipsum_d + sid) & 0xFFFF
        tck = ~fold(tcpsum_d + (sseq >> 16) + (sseq & 0xFFFF) + (tsv >> 16) + (tsv & 0xFFFF) +
                    (tse >> 16) + (tse & 0xFFFF) + sums[j]) & 0xFFFF
        buf.append(rec(t // 1_000_000, t % 1_000_000, dlen, dlen))
        buf.append(mk(pre_d, sid, mid, ipck, sock_d, sseq, fl_d, tck, tail, tsv, tse))
        buf.append(chunks[j])
        h.update(chunks[j])
        sid = (sid + 1) & 0xFFFF
        sseq = (sseq + MSS) & 0xFFFFFFFF
        if i & 1:                       # the receiver acks every second segment
            ta = t + 3
            tsv_c = (900_000 + ta // 1000) & 0xFFFFFFFF
            ipck = ~fold(ipsum_a + cid) & 0xFFFF
            tck = ~fold(tcpsum_a0 + (sseq >> 16) + (sseq & 0xFFFF) + (tsv_c >> 16) +
                        (tsv_c & 0xFFFF) + (tsv >> 16) + (tsv & 0xFFFF)) & 0xFFFF
            buf.append(rec(ta // 1_000_000, ta % 1_000_000, alen, alen))
            buf.append(mk(pre_a, cid, mid, ipck, sock_a, cseq,
                          struct.pack("!IHH", sseq, 0x8010, 8192), tck, tail, tsv_c, tsv))
            cid = (cid + 1) & 0xFFFF
        if len(buf) > 24000:
            w.f.write(b"".join(buf))
            buf.clear()
    w.n += full + full // 2             # the segments and the ACKs of every second one
    w.t = t
    d.seq[False], d.ipid[False], d.ipid[True] = sseq, sid, cid
    return full


def make_data(out, size):
    """Writes the data-heavy capture; returns its description (a dict)."""
    rnd = random.Random(20251126)
    pattern = rnd.randbytes(CHUNKS * MSS)
    chunks = [pattern[i * MSS:(i + 1) * MSS] for i in range(CHUNKS)]
    sums = [sum16(c) for c in chunks]
    h = hashlib.sha256()
    name = "big.bin"
    ctl = Conn(CTRL_PORT, 21, 0x1F2E3D4C, 0x5A6B7C8D)
    # the server's ISN puts the 2^32 wrap 256 MiB into the data (or in the middle)
    sisn = (2**32 - min(256 << 20, max(size // 2, 1))) & 0xFFFFFFFF
    dat = Conn(DATA_CPORT, DATA_SPORT, 0x0BADF00D, sisn)
    ms = 1000
    with open(out, "wb") as f:
        write_global(f)
        w = Writer(f)
        t = T0_US

        def step(conn, c, flags, payload=b"", syn=False, dt=200):
            nonlocal t
            t += dt
            w.add(conn.packet(c, flags, payload, syn, t), t)

        def exchange(cmd, reply, rtt=300):
            if cmd is not None:
                step(ctl, True, 0x18, cmd, dt=5 * ms)
                step(ctl, False, 0x10, dt=rtt // 2)          # the server's ACK
            if reply is not None:
                step(ctl, False, 0x18, reply, dt=rtt)
                step(ctl, True, 0x10, dt=rtt // 2)           # the client's ACK

        step(ctl, True, 0x02, syn=True)                      # SYN
        step(ctl, False, 0x12, syn=True)                     # SYN-ACK
        step(ctl, True, 0x10)                                # ACK
        exchange(None, b"220 (vsFTPd 3.0.3)\r\n")
        exchange(b"USER anonymous\r\n", b"331 Please specify the password.\r\n")
        exchange(b"PASS bench@example.org\r\n", b"230 Login successful.\r\n")
        exchange(b"TYPE I\r\n", b"200 Switching to Binary mode.\r\n")
        hp = b"%d,%d,%d,%d,%d,%d" % (tuple(SERVER) + (DATA_SPORT >> 8, DATA_SPORT & 255))
        exchange(b"PASV\r\n", b"227 Entering Passive Mode (" + hp + b").\r\n")
        exchange(b"RETR " + name.encode() + b"\r\n", None)
        step(dat, True, 0x02, syn=True, dt=300)
        step(dat, False, 0x12, syn=True)
        step(dat, True, 0x10)
        step(ctl, False, 0x18, b"150 Opening BINARY mode data connection for %s (%d bytes)."
             b"\r\n" % (name.encode(), size))
        step(ctl, True, 0x10, dt=100)
        w.flush()
        w.t = t
        nfull = _data_segments(w, dat, size, chunks, sums, h)
        t = w.t
        rest = size - nfull * MSS
        if rest:
            last = chunks[nfull % CHUNKS][:rest]
            h.update(last)
            step(dat, False, 0x18, last, dt=SEG_US)
            step(dat, True, 0x10, dt=3)
        step(dat, False, 0x11, dt=SEG_US)                    # FIN
        step(dat, True, 0x10, dt=40)
        step(dat, True, 0x11, dt=10)                         # the client's FIN
        step(dat, False, 0x10)
        exchange(None, b"226 Transfer complete.\r\n")
        exchange(b"QUIT\r\n", b"221 Goodbye.\r\n")
        step(ctl, False, 0x11)                               # the server closes first
        step(ctl, True, 0x11, dt=100)
        step(ctl, False, 0x10)
        w.flush()
    return {"packets": w.n, "bytes": os.path.getsize(out), "size": size, "file": name,
            "sha256": h.hexdigest(), "segments": nfull + (1 if rest else 0),
            "isn_server": sisn}


# ============================================================== running the tools
class Child:
    """The one child process running at a time (signals kill its group)."""
    pid = None


def _children(pid):
    kids = []
    for st in glob.glob("/proc/[0-9]*/stat"):
        try:
            with open(st) as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if fields[1] == str(pid):
            kids.append(int(st.split("/")[2]))
    return kids


def kill_child():
    """Kills the running tool: first the tool under GNU time, so that time
    reaps it (no orphan left to init as a zombie) and exits, then, after at
    most 2 s, whatever is left of the process group."""
    pid = Child.pid
    if not pid:
        return
    kids = _children(pid) if TIME else []
    for k in kids:
        try:
            os.kill(k, signal.SIGKILL)
        except OSError:
            pass
    for _ in range(200 if kids else 0):
        if Child.pid != pid or not os.path.exists("/proc/%d" % pid):
            return
        try:
            with open("/proc/%d/stat" % pid) as f:
                if f.read().rsplit(")", 1)[1].split()[0] == "Z":
                    break               # exited, waiting to be reaped
        except (OSError, IndexError):
            return
        time.sleep(0.01)
    try:
        os.killpg(pid, signal.SIGKILL)
    except OSError:
        pass


def gnu_time():
    """/usr/bin/time when it is GNU time (Debian package time), else None."""
    t = "/usr/bin/time"
    try:
        r = subprocess.run([t, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return t if "GNU" in r.stdout + r.stderr else None


TIME = gnu_time()


def run_timed(cmd, timeout, stdout=subprocess.DEVNULL, errfile=None):
    """Runs cmd, standard output to stdout; returns a dict: wall (s), rss (KiB),
    rss_exact, cpu (user+sys s), rc, timed_out, err (stderr text).

    The CPU times come from os.wait4 on the child. Its ru_maxrss does not give
    the tool's peak RSS: a child forked (or vforked) from this Python starts
    with the parent's pages, and the kernel keeps the old memory's high-water
    mark across execve (signal->maxrss), so every tool would show at least this
    Python's peak (some 100 MB after making the captures). GNU time, a 1 MB
    process, forks the tool and reports the tool's own ru_maxrss (%M); without
    it the os.wait4 figure is kept as an upper bound (rss_exact False)."""
    errf = open(errfile, "w+b") if errfile else subprocess.DEVNULL
    rssf = (errfile or "/tmp/ftplab-bench-rss") + ".rss"
    full = [TIME, "-f", "%M", "-o", rssf, "--"] + cmd if TIME else cmd
    env = dict(os.environ, LC_ALL="C")
    killed = []

    def on_timeout():
        killed.append(1)
        kill_child()
    t0 = time.monotonic()
    p = subprocess.Popen(full, stdin=subprocess.DEVNULL, stdout=stdout, stderr=errf, env=env,
                         start_new_session=True)
    Child.pid = p.pid
    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    try:
        _, status, ru = os.wait4(p.pid, 0)
    finally:
        t1 = time.monotonic()
        timer.cancel()
        Child.pid = None
    p.returncode = os.waitstatus_to_exitcode(status)
    err = ""
    if errfile:
        errf.seek(0)
        err = errf.read().decode(errors="replace")
        errf.close()
    rss, exact = ru.ru_maxrss, False
    if TIME:
        try:
            with open(rssf) as f:
                rss, exact = int(f.read().split()[-1]), True
        except (OSError, ValueError, IndexError):
            pass
        if os.path.exists(rssf):
            os.unlink(rssf)
    return {"wall": t1 - t0, "rss": rss, "rss_exact": exact, "cpu": ru.ru_utime + ru.ru_stime,
            "rc": p.returncode, "timed_out": bool(killed), "err": err}


def count_lines(cmd, timeout):
    """Runs cmd and counts the lines of its standard output (the peers' check)."""
    env = dict(os.environ, LC_ALL="C")
    p = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                         stderr=subprocess.DEVNULL, env=env, start_new_session=True)
    Child.pid = p.pid
    killed = []

    def on_timeout():
        killed.append(1)
        kill_child()
    timer = threading.Timer(timeout, on_timeout)
    timer.start()
    n = 0
    try:
        while True:
            b = p.stdout.read(1 << 20)
            if not b:
                break
            n += b.count(b"\n")
        rc = p.wait()
    finally:
        timer.cancel()
        Child.pid = None
    return n, rc, bool(killed)


def analyzer_json(binary, pcap, out, timeout):
    """Runs ftplab-analyzer --json --stats into out; returns (records, stats text, rc)."""
    r = run_timed([binary, "-r", pcap, "--json", "--stats", "-o", out], timeout,
                  errfile=out + ".err")
    recs = []
    if os.path.exists(out):
        with open(out) as f:
            for line in f:
                recs.append(json.loads(line))
        os.unlink(out)
    os.unlink(out + ".err")
    return recs, r


def summarize(recs):
    c = collections.Counter()
    for o in recs:
        c[o["type"]] += 1
        if o["type"] == "transfer":
            c["transfer." + o["status"]] += 1
        elif o["type"] == "diagnostic":
            c["diagnostic." + o["kind"]] += 1
    return c


def stats_flows(err):
    m = re.search(r"(\d+) flows \(", err)
    return int(m.group(1)) if m else None


def stats_packets(err):
    m = re.search(r": (\d+) packets \(", err)
    return int(m.group(1)) if m else None


# ============================================================== the benchmark
TOOLS = ("ftplab", "tshark", "tcpdump")
NAME = {"ftplab": "ftplab-analyzer", "tshark": "tshark", "tcpdump": "tcpdump"}
LABEL = {"large": "large", "data": "data-heavy"}


class Bench:
    def __init__(self, a):
        self.a = a
        self.binary = os.path.join(a.bindir, "ftplab-analyzer")
        self.notes, self.errors, self.checks = [], collections.Counter(), []
        self.files = {}
        self.runs = collections.defaultdict(list)     # (tool, file) -> [result]

    def note(self, msg):
        self.notes.append(msg)
        say(msg)

    def fail(self, key, msg):
        self.errors[key] += 1
        self.note("ERROR: " + msg)

    def cmd(self, tool, pcap):
        if tool == "ftplab":
            return [self.binary, "-r", pcap, "--json"]
        if tool == "tshark":
            return ["tshark", "-r", pcap, "-Y", "ftp", "-T", "fields", "-e",
                    "ftp.request.command", "-e", "ftp.request.arg", "-e", "ftp.response.code"]
        return ["tcpdump", "-nn", "-r", pcap]

    # -- files
    def cached(self, name, params, make):
        """The file `name` with its description: from the cache when its
        parameters match, else made (in the cache or in WORK)."""
        d = self.a.cache or self.a.work
        os.makedirs(d, exist_ok=True)
        path = os.path.join(d, name + ".pcap")
        meta = path + ".json"
        key = dict(params, gen=GEN_VERSION)
        if self.a.cache and os.path.exists(meta) and os.path.exists(path):
            with open(meta) as f:
                m = json.load(f)
            if m.get("key") == key and m["info"]["bytes"] == os.path.getsize(path):
                say("using the cached %s (%s)" % (os.path.relpath(path, TOP), params))
                return path, m["info"]
        t0 = time.monotonic()
        info = make(path)
        info["gen_s"] = time.monotonic() - t0
        if self.a.cache:
            with open(meta, "w") as f:
                json.dump({"key": key, "info": info}, f)
        return path, info

    def make_files(self):
        a = self.a
        say("making the large capture (>= %s packets)" % format(a.min_packets, ","))
        path, info = self.cached("large-%d" % a.min_packets, {"min_packets": a.min_packets,
                                 "captures": a.captures or ""},
                                 lambda p: make_large(p, a.min_packets, a.captures))
        self.files["large"] = (path, info)
        say("large: %s packets, %s bytes (%d copies of %d traces)" % (
            format(info["packets"], ","), format(info["bytes"], ","), info["copies"],
            info["traces"]))
        say("making the base capture (one copy) for the expected counts")
        bpath, binfo = self.cached("base", {"captures": a.captures or ""},
                                   lambda p: make_large(p, 0, a.captures, copies=1))
        self.files["base"] = (bpath, binfo)
        size = a.data_mib << 20
        say("making the data-heavy capture (%d MiB transfer)" % a.data_mib)
        path, info = self.cached("data-%d" % a.data_mib, {"size": size},
                                 lambda p: make_data(p, size))
        self.files["data"] = (path, info)
        say("data: %s packets, %s bytes (made in %.1f s)" % (
            format(info["packets"], ","), format(info["bytes"], ","), info.get("gen_s", 0)))

    # -- checks
    def check_ours(self):
        a = self.a
        tmp = os.path.join(a.work, "check.jsonl")
        bpath, binfo = self.files["base"]
        path, info = self.files["large"]
        base, rb = analyzer_json(self.binary, bpath, tmp, a.timeout)
        recs, rl = analyzer_json(self.binary, path, tmp, a.timeout)
        want, got = summarize(base), summarize(recs)
        k = info["copies"]
        bad = [key for key in sorted(set(want) | set(got)) if got[key] != k * want[key]]
        fb, fl = stats_flows(rb["err"]), stats_flows(rl["err"])
        pk = stats_packets(rl["err"])
        if rb["rc"] or rl["rc"]:
            self.fail("large", "ftplab-analyzer exited %d/%d on the base/large capture: %s" % (
                rb["rc"], rl["rc"], (rb["err"] + rl["err"])[-300:]))
        elif bad:
            self.fail("large", "large capture: counts are not %d x one copy's: %s" % (k, ", ".join(
                "%s %d (want %d)" % (key, got[key], k * want[key]) for key in bad[:8])))
        elif fb is None or fl != k * fb:
            self.fail("large", "large capture: %s flows, want %d x %s" % (fl, k, fb))
        elif pk != info["packets"]:
            self.fail("large", "large capture: the analyzer read %s packets of %d" % (
                pk, info["packets"]))
        else:
            self.checks.append(
                "large: ftplab-analyzer read all %s packets and reported %d x one copy's "
                "records, exactly: %s sessions, %s commands, %s transfers (%s complete), %s "
                "diagnostics; %s TCP flows (%d x %d: copies' flows are apart)" % (
                    format(pk, ","), k, format(got["session"], ","), format(got["command"], ","),
                    format(got["transfer"], ","), format(got["transfer.complete"], ","),
                    format(got["diagnostic"], ","), format(fl, ","), k, fb))
        path, info = self.files["data"]
        recs, rd = analyzer_json(self.binary, path, tmp, a.timeout)
        got = summarize(recs)
        tr = [o for o in recs if o["type"] == "transfer"]
        t = tr[0] if len(tr) == 1 else {}
        problems = []
        if rd["rc"]:
            problems.append("exit status %d: %s" % (rd["rc"], rd["err"][-300:]))
        if got["session"] != 1 or len(tr) != 1:
            problems.append("%d sessions and %d transfers, want 1 and 1" % (
                got["session"], len(tr)))
        for key, want_v in (("cmd", "RETR"), ("arg", info["file"]), ("status", "complete"),
                            ("bytes", info["size"]), ("sha256", info["sha256"]), ("gaps", 0),
                            ("reply_code", 226), ("mode", "passive")):
            if tr and t.get(key) != want_v:
                problems.append("transfer %s is %r, want %r" % (key, t.get(key), want_v))
        if stats_packets(rd["err"]) != info["packets"]:
            problems.append("read %s packets of %d" % (stats_packets(rd["err"]), info["packets"]))
        if problems:
            self.fail("data", "data-heavy capture: " + "; ".join(problems))
        else:
            self.checks.append(
                "data-heavy: ftplab-analyzer read all %s packets and reported 1 session and 1 "
                "RETR transfer, complete, %s bytes, SHA-256 as generated, no gaps, 226" % (
                    format(info["packets"], ","), format(info["size"], ",")))

    def check_peers(self):
        """One untimed run of each peer per file (also the warm-up): exit status
        0; tcpdump prints one line per packet."""
        for fname in ("large", "data"):
            path, info = self.files[fname]
            for tool in ("tshark", "tcpdump"):
                t0 = time.monotonic()
                n, rc, late = count_lines(self.cmd(tool, path), self.a.timeout)
                say("check %s on %s: %d lines, exit %d, %.1f s" % (tool, fname, n, rc,
                                                                   time.monotonic() - t0))
                if rc != 0:
                    self.fail("%s.%s" % (tool, fname), "%s exited %d on the %s capture%s" % (
                        tool, rc, LABEL[fname], " (killed after --timeout %g s)" % self.a.timeout
                        if late else ""))
                elif tool == "tcpdump" and n != info["packets"]:
                    self.note("tcpdump printed %d lines for the %d packets of the %s capture" % (
                        n, info["packets"], LABEL[fname]))
                else:
                    self.checks.append("%s: %s exited 0 and printed %s lines%s" % (
                        LABEL[fname], tool, format(n, ","),
                        " (one per packet)" if tool == "tcpdump" else
                        " (one per FTP control packet)"))

    # -- timing
    def measure(self):
        a = self.a
        errfile = os.path.join(a.work, "stderr.txt")
        for r in range(a.runs):
            for fname in ("large", "data"):
                path, info = self.files[fname]
                for tool in TOOLS:
                    res = run_timed(self.cmd(tool, path), a.timeout, errfile=errfile)
                    bad = res["rc"] != 0 or res["timed_out"]
                    if tool == "ftplab" and res["err"].strip():
                        bad = True
                    if bad:
                        self.fail("%s.%s" % (tool, fname), "%s on %s, run %d: exit %d%s: %s" % (
                            NAME[tool], LABEL[fname], r + 1, res["rc"],
                            " (timed out)" if res["timed_out"]
                            else "", res["err"][-300:].strip()))
                    else:
                        self.runs[(tool, fname)].append(res)
                    say("run %d/%d %-7s %-5s %7.3f s  %8.1f MB RSS  (cpu %.3f s)" % (
                        r + 1, a.runs, tool, fname, res["wall"], res["rss"] * 1024 / 1e6,
                        res["cpu"]))
        os.path.exists(errfile) and os.unlink(errfile)

    def best(self, tool, fname):
        rs = self.runs.get((tool, fname))
        if not rs:
            return None
        return (min(r["wall"] for r in rs), max(r["rss"] for r in rs) * 1024 / 1e6,
                all(r["rss_exact"] for r in rs))

    # -- report
    def report(self, started, load_start, load_measure):
        a = self.a
        rows = []
        any_err = bool(self.errors)

        def val(tool, fname, what):
            b = self.best(tool, fname)
            if b is None:
                return None
            info = self.files[fname][1]
            if what == "pps":
                return info["packets"] / b[0]
            if what == "mbps":
                return info["bytes"] / b[0] / 1e6
            return b[1]

        def fmt(v, what):
            if v is None:
                return "—"
            if what == "rss":
                return "%.1f" % v if TIME else "≤ %.1f" % v
            return format(round(v), ",") if what == "pps" else "%.1f" % v

        def ratio(x, y):
            return x / y if x is not None and y else None

        def rfmt(x):
            return "—" if x is None else "%.3g×" % x

        def err_of(fname):
            return any(self.errors.get("%s.%s" % (t, fname)) for t in TOOLS) or \
                self.errors.get(fname)

        def row(name, fname, what, target, judge):
            v = {t: val(t, fname, what) for t in TOOLS}
            rt, rd = ratio(v["ftplab"], v["tshark"]), ratio(v["ftplab"], v["tcpdump"])
            if err_of(fname):
                verdict = "ERRORS"
            elif judge is None:
                verdict = "—"
            else:
                verdict = judge(v, rt, rd)
            rows.append("| %s | %s | %s | %s | %s | %s | %s | %s |" % (
                name, fmt(v["ftplab"], what), fmt(v["tshark"], what), fmt(v["tcpdump"], what),
                rfmt(rt), rfmt(rd), target, verdict))

        def rate_judge(v, rt, rd):
            miss = []
            if rt is None or rt < 50:
                miss.append("tshark %s < 50×" % rfmt(rt))
            if rd is None or rd < 5:
                miss.append("tcpdump %s < 5×" % rfmt(rd))
            return "PASS" if not miss else "MISS (%s)" % ", ".join(miss)

        def rss_judge(v, rt, rd):
            if v["ftplab"] is not None and v["ftplab"] <= 64:
                return "PASS"
            return "MISS" if TIME else "NOT MEASURED (no GNU time: an upper bound)"

        lp, dp = self.files["large"][1], self.files["data"][1]
        ln, dn = format(lp["packets"], ","), format(dp["packets"], ",")
        dsize = "%.2f GB" % (dp["bytes"] / 1e9)
        row("packets/s, large capture (%s packets)" % ln, "large", "pps",
            "≥ 50× tshark and ≥ 5× tcpdump", rate_judge)
        row("MB/s, data-heavy capture (%s)" % dsize, "data", "mbps", "—", None)
        row("peak RSS, data-heavy capture (MB)", "data", "rss", "≤ 64 MB", rss_judge)
        row("peak RSS, large capture (MB)", "large", "rss", "—", None)
        row("packets/s, data-heavy capture (%s packets)" % dn, "data", "pps", "—", None)
        row("MB/s, large capture (%.1f MB)" % (lp["bytes"] / 1e6), "large", "mbps", "—", None)

        cpu = "unknown CPU"
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
        with open("/proc/meminfo") as f:
            mem = int(f.readline().split()[1]) / 1048576

        def first_line(cmd):
            try:
                r = subprocess.run(cmd, capture_output=True, text=True, timeout=30)
            except (OSError, subprocess.TimeoutExpired):
                return "?"
            return ((r.stdout or r.stderr).strip().splitlines() or ["?"])[0]

        times = []
        for fname in ("large", "data"):
            for tool in TOOLS:
                rs = self.runs.get((tool, fname), [])
                times.append("| %s | %s | %s | %s | %s |" % (
                    LABEL[fname], NAME[tool], ", ".join("%.3f" % r["wall"] for r in rs) or "—",
                    ", ".join("%.3f" % r["cpu"] for r in rs) or "—",
                    ", ".join("%.1f" % (r["rss"] * 1024 / 1e6) for r in rs) or "—"))
        cmds = ["`%s`" % " ".join(self.cmd(t, "F")).replace(self.binary, "ftplab-analyzer")
                for t in TOOLS]
        if TIME:
            rss_how = ("the tool's ru_maxrss as GNU time reports it (%M; os.wait4's would "
                       "include this Python's own peak, see run_timed)")
        else:
            rss_how = ("os.wait4's ru_maxrss: no GNU time (Debian package time), so an upper "
                       "bound that includes the benchmark's own Python (≤)")
        lines = [
            "# ftplab-analyzer vs tshark and tcpdump",
            "",
            "- date: " + started,
            "- machine: %s, %d cores, %.1f GiB memory, Linux %s" % (cpu, os.cpu_count(), mem,
                                                                  platform.release()),
            "- versions: %s (%s); %s; %s; Python %s" % (
                first_line([self.binary, "--version"]), os.path.relpath(self.binary, TOP),
                first_line(["tshark", "--version"]).rstrip("."),
                first_line(["tcpdump", "--version"]),
                platform.python_version()),
            "- load average at the start: %s; when the timing began: %s (the benchmark wants "
            "an otherwise idle machine)" % (load_start, load_measure),
            "- run: %s; best of %d runs per tool and file, alternating (large: the three "
            "tools, then data-heavy: the three, then again); files on %s" % (
                "--quick (smoke test, not a result)" if a.quick else "full", a.runs, a.fs),
            "- commands (standard output to /dev/null%s): " % (
                ", each started by `/usr/bin/time -f %M` for its peak RSS" if TIME else "") +
            "; ".join(cmds),
            "",
            "Files (%s):" % ("kept in %s, used again while their parameters match" %
                            os.path.relpath(a.cache, TOP) if a.cache else
                            "generated for the run, removed after it"),
            "",
            "- **large**: %s packets, %s bytes: %d copies of %s; %s packets per copy; the "
            "traces one after another, 1 s apart, time stamps increasing. Copy k rewrites every "
            "address, in the headers and in PORT/227/EPRT: the last two or three octets of "
            "IPv4 ones, one group (not the first) of IPv6 ones, each within its text width "
            "(sequence numbers stay right) and its class (private stays private); %s. IPv4 "
            "and TCP/UDP checksums updated (RFC 1624). Made in %.1f s%s" % (
                ln, format(lp["bytes"], ","), lp["copies"], lp["origin"],
                format(lp["per_copy"], ","),
                "so every copy's flows are distinct" if lp["copies"] <= lp["distinct_copies"]
                else "only %d copies are kept apart (addresses such as ::1 have few "
                "rewrites of the same width), so copies k and k+%d reuse some flows' "
                "addresses, never at the same time" % (lp["distinct_copies"],
                                                       lp["distinct_copies"]),
                lp.get("gen_s", 0),
                "; %d EPRT |2| addresses could not be rewritten" % lp["eprt_unmapped"]
                if lp["eprt_unmapped"] else ""),
            "- **data-heavy**: %s packets, %s bytes: one synthetic FTP session over "
            "Ethernet/IPv4 (220, USER, PASS, TYPE I, PASV/227, RETR, 150, 226, QUIT, 221) whose "
            "data connection carries %s bytes (%d MiB) in %s segments of 1448 bytes (TCP time "
            "stamps), SYN/SYN-ACK/ACK and FIN both ways, one ACK from the receiver per two "
            "segments, sequence numbers crossing 2^32 (server ISN %#x), a segment every 10 µs, "
            "valid checksums; made in %.1f s" % (
                dn, format(dp["bytes"], ","), format(dp["size"], ","), dp["size"] >> 20,
                format(dp["segments"], ","), dp["isn_server"], dp.get("gen_s", 0)),
            "",
            "| metric | ftplab-analyzer | tshark | tcpdump | ratio vs tshark | ratio vs tcpdump "
            "| target | verdict |",
            "|---|---|---|---|---|---|---|---|",
        ] + rows + [
            "",
            "packets/s = packets in the file / wall seconds; MB/s = file bytes / wall seconds / "
            "10^6 (best of %d runs); peak RSS = the largest of the runs, in MB (10^6 bytes), "
            "%s. Ratios = ftplab-analyzer / peer (for RSS lower is better). "
            "ftplab-analyzer hashes every complete transfer (SHA-256, its default) and decodes "
            "both the control and the data connections; tshark dissects every frame and "
            "prints the FTP control fields; tcpdump prints one line per packet. See "
            "bench/README.md." % (a.runs, rss_how),
            "",
            "Checks (untimed runs before the timing; they also warm the page cache):",
            "",
        ] + ["- " + c for c in self.checks] + [
            "",
            "Every run (wall s; user+sys CPU s; peak RSS MB):",
            "",
            "| file | tool | wall | CPU | RSS |",
            "|---|---|---|---|---|",
        ] + times
        if self.notes:
            lines += ["", "Notes:"] + ["- " + n for n in self.notes]
        text = "\n".join(lines) + "\n"
        os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
        with open(a.out, "w") as f:
            f.write(text)
        return any_err


def loadavg():
    with open("/proc/loadavg") as f:
        return " ".join(f.read().split()[:3])


def run_main(argv):
    p = argparse.ArgumentParser(prog="analyzer_bench.py run")
    p.add_argument("bindir")
    p.add_argument("out")
    p.add_argument("work")
    p.add_argument("--quick", action="store_true")
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--timeout", type=float, default=900)
    p.add_argument("--min-packets", type=int, default=500_000)
    p.add_argument("--data-mib", type=int, default=1024)
    p.add_argument("--captures", default=None)
    p.add_argument("--cache", default=None)
    p.add_argument("--fs", default="?")
    a = p.parse_args(argv)
    started = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    load_start = loadavg()
    b = Bench(a)
    b.make_files()
    b.check_ours()
    b.check_peers()
    load_measure = loadavg()
    b.measure()
    return 1 if b.report(started, load_start, load_measure) else 0


def make_main(argv, what):
    p = argparse.ArgumentParser(prog="analyzer_bench.py make-" + what)
    p.add_argument("out")
    p.add_argument("--min-packets", type=int, default=500_000)
    p.add_argument("--captures", default=None)
    p.add_argument("--data-mib", type=int, default=1024)
    a = p.parse_args(argv)
    t0 = time.monotonic()
    info = make_large(a.out, a.min_packets, a.captures) if what == "large" else \
        make_data(a.out, a.data_mib << 20)
    info["gen_s"] = round(time.monotonic() - t0, 2)
    print(json.dumps(info))
    return 0


def on_signal(sig, _frame):
    pid = Child.pid
    kill_child()
    if pid:
        try:
            os.waitpid(pid, 0)          # SIGKILLed: reaped at once, no zombie left
        except OSError:
            pass
    sys.exit(128 + sig)


if __name__ == "__main__":
    for s in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(s, on_signal)
    if len(sys.argv) > 1 and sys.argv[1] == "run":
        sys.exit(run_main(sys.argv[2:]))
    elif len(sys.argv) > 1 and sys.argv[1] in ("make-large", "make-data"):
        sys.exit(make_main(sys.argv[2:], sys.argv[1][5:]))
    else:
        sys.exit("usage: analyzer_bench.py run BIN_DIR OUT WORK [options] | make-large OUT "
                 "[--min-packets N] | make-data OUT [--data-mib N]")
