#!/usr/bin/env python3
"""Helpers the lab runs inside its namespaces (standard library only, like
ftplib_client.py), for labkit/actions_extra.py and labkit/shaping.py:

    extra_tools.py abort HOST PORT PATH LOCAL AFTER TIMEOUT [rfc959|ftplib]
        anonymous login, RETR PATH in passive mode; after AFTER bytes, abort:
        rfc959 (default): Telnet IP, then the Synch (IAC as TCP urgent data,
        then DM) and "ABOR" (RFC 959 4.1.3, what BSD ftp and lftp send);
        ftplib: ftplib's abort(), "ABOR\\r\\n" sent with MSG_OOB (only its
        last byte is urgent). Then reads the replies (426 then 226, or 225),
        NOOP to show that the control connection is still in step, QUIT.
        Exit 0: the server acknowledged the abort; 1: it did not (or the
        whole file came first); 2: a network error.

    extra_tools.py guess HOST PORT USER TIMEOUT PASSWORD...
        USER/PASS with each PASSWORD in turn, reconnecting whenever the
        server closes the control connection (421 after too many failures).
        Exit 0: one was right (printed); 1: none was; 2: the connection
        was refused or timed out (banned?) before the list ended.

    extra_tools.py banwatch LOG CHAIN PORT MAXRETRY MAX_SECONDS
        A small fail2ban: follows LOG (ftplab-server's, from its current
        end) and, when an address has MAXRETRY `login-failed` lines, adds
        iptables -A CHAIN -s ADDR -p tcp --dport PORT --syn -j REJECT
        (its new connections are refused). Ends on SIGTERM or after
        MAX_SECONDS."""
import ftplib
import os
import re
import select
import signal
import socket
import subprocess
import sys
import time

IAC, IP, DM = b"\xff", b"\xf4", b"\xf2"


def say(*a):
    print(*a, flush=True)


# ---------------------------------------------------------------- abort

def abort(host, port, path, local, after, timeout, style="rfc959"):
    f = ftplib.FTP(timeout=timeout)
    f.set_debuglevel(1)
    try:
        say(f.connect(host, port))
        f.login("anonymous", "lab@example.com")
        f.voidcmd("TYPE I")
        f.set_pasv(True)
        conn = f.transfercmd("RETR " + path)
        got = 0
        with open(local, "wb") as out:
            while got < after:
                chunk = conn.recv(min(65536, after - got))
                if not chunk:
                    break
                out.write(chunk)
                got += len(chunk)
        if got < after:
            say("-- the data connection ended after %d bytes, before the abort point (%d): "
                "nothing to abort" % (got, after))
            conn.close()
            say(f.getmultiline())
            f.quit()
            return 1
        say("-- %d bytes of %s read; aborting the transfer on the control connection" % (got, path))
        if style == "ftplib":
            say("-- ftplib's abort(): 'ABOR\\r\\n' sent with MSG_OOB (its last byte urgent)")
            f.sock.sendall(b"ABOR\r\n", socket.MSG_OOB)
        else:
            say("-- RFC 959 4.1.3: IAC IP (interrupt process), then the Synch: IAC sent as "
                "TCP urgent data (MSG_OOB), then IAC DM (data mark), then 'ABOR\\r\\n'")
            f.sock.sendall(IAC + IP + IAC, socket.MSG_OOB)
            f.sock.sendall(DM + b"ABOR\r\n")
        say("*cmd* 'ABOR'  (the data connection is left open: the server must close it)")
        replies = []
        if not select.select([f.sock], [], [], 5)[0]:
            say("-- no reply within 5 s: the server is still sending and did not read the "
                "ABOR; closing the data connection, as curl and lftp do at once")
            conn.close()
        replies.append(f.getmultiline())
        say("*resp* %r" % replies[-1])
        if replies[-1][:3] == "426":
            replies.append(f.getmultiline())
            say("*resp* %r" % replies[-1])
        conn.close()
        noop = f.voidcmd("NOOP")
        f.quit()
        codes = [r[:3] for r in replies]
        ok = codes[-1] in ("225", "226") and noop.startswith("200")
        say("-- replies to the abort: %s; %s" % (
            ", ".join(codes), "acknowledged" if ok else "NOT acknowledged"))
        return 0 if ok else 1
    except ftplib.Error as e:
        say("ftplib: the server said: %s" % e)
        return 1
    except (OSError, EOFError) as e:
        say("ftplib: network error: %s" % (getattr(e, "strerror", None) or e
                                            or type(e).__name__))
        return 2


# ---------------------------------------------------------------- guess

def guess(host, port, user, timeout, passwords):
    f = None
    tries = conns = 0
    todo = list(passwords)
    while todo:
        pw = todo[0]
        if f is None:
            f = ftplib.FTP(timeout=timeout)
            f.set_debuglevel(1)
            conns += 1
            try:
                say("-- connection %d" % conns)
                say(f.connect(host, port))
            except (OSError, EOFError) as e:
                say("-- connection %d failed: %s: the server (or a firewall in front of it) "
                    "no longer accepts us; giving up after %d guesses"
                    % (conns, getattr(e, "strerror", None) or e or type(e).__name__, tries))
                return 2
        try:
            f.sendcmd("USER " + user)
            tries += 1
            say("-- guess %d: %s" % (tries, pw))
            resp = f.sendcmd("PASS " + pw)
            say("-- found: %s:%s (%s) after %d guesses on %d connections"
                % (user, pw, resp, tries, conns))
            try:
                f.quit()
            except (ftplib.Error, OSError, EOFError):
                pass
            return 0
        except ftplib.error_perm as e:           # 530: wrong, next password
            say("-- wrong: %s" % e)
            todo.pop(0)
        except (ftplib.error_temp, OSError, EOFError) as e:   # 421 or closed: reconnect
            say("-- the server closed the session (%s); reconnecting" % (str(e) or "EOF"))
            try:
                f.close()
            except OSError:
                pass
            f = None
    say("-- none of the %d passwords was right" % len(passwords))
    return 1


# ---------------------------------------------------------------- banwatch

# ftplab-server -v: "... #3 login-failed [192.0.2.2:41234] failed login for alice (1 of 3)"
FAILED = re.compile(r"login-failed \[\[?([0-9A-Fa-f.:]+?)\]?:\d+\]")


def banwatch(log, chain, port, maxretry, max_seconds):
    stop = []
    signal.signal(signal.SIGTERM, lambda *a: stop.append(1))
    end = time.monotonic() + max_seconds
    counts, banned = {}, set()
    with open(log, "rb") as f:
        f.seek(0, os.SEEK_END)
        say("banwatch: watching %s for login-failed lines; maxretry %d; ban: iptables -A %s "
            "-s ADDR -p tcp --dport %d --syn -j REJECT" % (log, maxretry, chain, port))
        buf = b""
        while not stop and time.monotonic() < end:
            chunk = f.read()
            if not chunk:
                time.sleep(0.05)
                continue
            buf += chunk
            *lines, buf = buf.split(b"\n")
            for line in lines:
                m = FAILED.search(line.decode(errors="replace"))
                if not m:
                    continue
                addr = m.group(1)
                counts[addr] = counts.get(addr, 0) + 1
                say("banwatch: [ftp] Found %s - failure %d of %d" % (addr, counts[addr], maxretry))
                if counts[addr] >= maxretry and addr not in banned:
                    banned.add(addr)
                    argv = ["ip6tables" if ":" in addr else "iptables", "-w", "5", "-A", chain,
                            "-s", addr, "-p", "tcp", "--dport", str(port), "--syn", "-j",
                            "REJECT", "--reject-with",
                            "icmp6-port-unreachable" if ":" in addr else "icmp-port-unreachable"]
                    r = subprocess.run(argv, capture_output=True, text=True, timeout=10)
                    say("banwatch: [ftp] Ban %s: %s%s" % (
                        addr, " ".join(argv),
                        "" if r.returncode == 0 else " FAILED: " + r.stderr.strip()))
    say("banwatch: stopping (%s)" % ("SIGTERM" if stop else "time is up"))
    return 0


def main(argv):
    if len(argv) >= 7 and argv[0] == "abort":
        return abort(argv[1], int(argv[2]), argv[3], argv[4], int(argv[5]), float(argv[6]),
                     argv[7] if len(argv) > 7 else "rfc959")
    if len(argv) >= 6 and argv[0] == "guess":
        return guess(argv[1], int(argv[2]), argv[3], float(argv[4]), argv[5:])
    if len(argv) == 6 and argv[0] == "banwatch":
        return banwatch(argv[1], argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
