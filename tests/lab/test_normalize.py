#!/usr/bin/env python3
"""ctest lab.normalize: tests/golden/normalize.py, the normaliser of the
lab's golden rows (captures/lab/, `./ftplab lab record`), on hand-made
analyzer output: two recordings of one session that differ only in times,
ports and 125/150 normalise to the same text; the same port gets the same
name in every spelling (ip:port, PORT/227 h1,..,p1,p2, EPRT, 229, JSON
resp_p); ports below 1024 and 2121 stay; an aborted transfer's bytes
become N; the size only a 150 reply announces (no SIZE before) goes or
becomes S; addresses, other byte counts, sha256 and every other number
stay; normalising twice changes nothing. No root."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
NORMALIZE = os.path.join(os.path.dirname(HERE), "golden", "normalize.py")

TEXT = """\
#1 +0.000 OPEN 10.0.1.2:{c} -> 198.51.100.2:21
#1 +0.001 S> 220 ftplab FTP server ready.
#1 +0.001 C> USER anonymous  <331 Anonymous login ok. ({lat})
#1 +0.002 C> PORT 10,0,1,2,{hp}  <200 PORT command successful. (0.1 ms)
#1 +0.002 C> PASV  <227 Entering Passive Mode (192,0,2,1,{pp}). (2.500 s)
#1 +0.003 C> EPRT |1|10.0.1.2|{d}|  <200 EPRT command successful. (12 us)
#1 +0.003 C> EPSV  <229 Entering Extended Passive Mode (|||{p}|) (12 us)
#1 +0.004 C> RETR data.bin  <{prelim} <226 Transfer complete (16384 bytes). (1.7 ms)
#1 +0.004 DATA RETR data.bin: active 198.51.100.2:20 -> 10.0.1.2:{d}, download, 16384 bytes in {took} ({rate}), complete (226), sha256 e66fe2dfc74d8bd9b6157393366911b4fbca5627370b6ef6d50664b9fb398ef1
#1 +0.005 ! port-address-mismatch: PORT names 10.0.1.2:{d} but the client is 198.51.100.1 [announced=10.0.1.2:{d}, client=198.51.100.1]
#1 +0.005 C> RETR big.bin  <{prelim} <426 Transfer aborted. (0.2 ms)
#1 +0.006 DATA RETR big.bin: passive 10.0.1.2:{c6} -> 192.0.2.1:{p}, download, {ab} bytes{ann} in {took} ({rate}), aborted (426), reset (RST)
#1 +0.007 ! slow-reply: USER took {ms} ms to be answered (331), more than 100 ms [command=USER, latency_ms={lms}, threshold_ms=100]
#2 +0.000 OPEN [2001:db8:1::2]:{c6} -> [2001:db8:2::2]:2121
#1 {close} CLOSE 10.0.1.2:{c} -> 198.51.100.2:21: user anonymous, login ok, 5 commands, 1 transfer, {secs} s
"""
JSON = """\
{{"type":"command","session":1,"ts":{ts},"cmd":"SIZE","arg":"data.bin","reply_code":213,"latency_ms":{lms},"prelim_code":null,"file_size":16384}}
{{"type":"command","session":1,"ts":{ts},"cmd":"PORT","arg":"10,0,1,2,{hp}","reply_code":200,"latency_ms":{lms},"prelim_code":null,"data_channel":{{"passive":false,"orig_h":"198.51.100.2","resp_h":"10.0.1.2","resp_p":{d}}}}}
{{"type":"command","session":1,"ts":{ts},"cmd":"RETR","arg":"data.bin","reply_code":226,"latency_ms":{lms},"prelim_code":{prelim},"file_size":16384}}
{{"type":"transfer","session":1,"data_client":"198.51.100.2:20","data_server":"10.0.1.2:{d}","bytes":16384,"ts_start":{ts},"duration_s":{lms},"status":"complete","sha256":"e66f"}}
{{"type":"command","session":1,"ts":{ts},"cmd":"RETR","arg":"big.bin","reply_code":426,"latency_ms":{lms},"prelim_code":{prelim},"file_size":{fs}}}
{{"type":"transfer","session":1,"cmd":"RETR","arg":"big.bin","bytes":{ab},"ts_start":{ts},"duration_s":{lms},"status":"aborted","reply_code":426,"announced_size":{fs}}}
{{"type":"diagnostic","session":1,"ts":{ts},"kind":"slow-reply","message":"RETR took {ms} ms to be answered (226)","evidence":{{"latency_ms":"{lms}","threshold_ms":"5000"}}}}
"""


def fill(tmpl, c, d, p, c6, prelim, t):
    return tmpl.format(c=c, d=d, hp="%d,%d" % divmod(d, 256), pp="%d,%d" % divmod(p, 256), p=p,
                       c6=c6, prelim=prelim, lat=t[0], took=t[1], rate=t[2], close=t[3],
                       secs=t[4], ts=t[5], lms=t[6], ms=t[7], ab=t[8],
                       # a 150 announces the size, a 125 does not
                       ann=" of 2097152 announced" if prelim == 150 else "",
                       fs=2097152 if prelim == 150 else "null")


def normalize(text):
    r = subprocess.run([sys.executable, NORMALIZE], input=text.encode(), capture_output=True,
                       timeout=30)
    if r.returncode != 0 or r.stderr:
        fail("normalize.py: exit %d: %s" % (r.returncode, r.stderr.decode()))
    return r.stdout.decode()


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def main():
    t1 = ("43 us", "0.002 s", "8.2 MB/s", "+0.005", "0.005", "1795690519.677270", "0.042", "6000",
          100447)
    t2 = ("0.4 ms", "95 us", "172.5 MB/s", "+1.250", "1.250", "1795699999.000001", "12.500", "5210",
          100336)
    for tmpl, what in ((TEXT, "text"), (JSON, "JSON")):
        a = normalize(fill(tmpl, 42020, 35133, 50012, 51000, 150, t1))
        b = normalize(fill(tmpl, 58752, 57221, 50087, 33333, 125, t2))
        if a != b:
            fail("%s: two recordings normalise differently:\n%s\n---\n%s" % (what, a, b))
        if normalize(a) != a:
            fail("%s: normalising twice changes it" % what)
        print(a)
    a = normalize(fill(TEXT, 42020, 35133, 50012, 51000, 150, t1))
    want = [
        "#1 +T OPEN 10.0.1.2:P1 -> 198.51.100.2:21",
        "#1 +T C> USER anonymous  <331 Anonymous login ok. (T)",
        "#1 +T C> PORT 10,0,1,2,P2  <200 PORT command successful. (T)",
        "#1 +T C> PASV  <227 Entering Passive Mode (192,0,2,1,P3). (T)",
        "#1 +T C> EPRT |1|10.0.1.2|P2|  <200 EPRT command successful. (T)",
        "#1 +T C> EPSV  <229 Entering Extended Passive Mode (|||P3|) (T)",
        "#1 +T C> RETR data.bin  <1xx <226 Transfer complete (16384 bytes). (T)",
        "#1 +T DATA RETR data.bin: active 198.51.100.2:20 -> 10.0.1.2:P2, download, 16384 "
        "bytes in T (R), complete (226), sha256 "
        "e66fe2dfc74d8bd9b6157393366911b4fbca5627370b6ef6d50664b9fb398ef1",
        "[announced=10.0.1.2:P2, client=198.51.100.1]",
        "#1 +T DATA RETR big.bin: passive 10.0.1.2:P4 -> 192.0.2.1:P3, download, N bytes in T (R), "
        "aborted (426), reset (RST)",
        "[command=USER, latency_ms=T, threshold_ms=100]",
        "#2 +T OPEN [2001:db8:1::2]:P4 -> [2001:db8:2::2]:2121",
        "#1 +T CLOSE 10.0.1.2:P1 -> 198.51.100.2:21: user anonymous, login ok, 5 commands, "
        "1 transfer, T s",
    ]
    for w in want:
        if w not in a:
            fail("text: no %r in:\n%s" % (w, a))
    j = normalize(fill(JSON, 42020, 35133, 50012, 51000, 150, t1))
    for w in ('"ts":"T"', '"arg":"10,0,1,2,P1"', '"resp_p":"P1"', '"latency_ms":"T"',
              '"prelim_code":"1xx"', '"data_client":"198.51.100.2:20"',
              '"data_server":"10.0.1.2:P1"', '"duration_s":"T"', '"bytes":16384',
              '"file_size":16384', "took T ms", '"threshold_ms":"5000"',
              '"arg":"big.bin","bytes":"N"', '"prelim_code":"1xx","file_size":"S"',
              '"announced_size":"S"'):
        if w not in j:
            fail("JSON: no %s in:\n%s" % (w, j))
    print("PASS: lab.normalize")


if __name__ == "__main__":
    main()
