#!/usr/bin/env python3
"""The lab's ftplib client: one transfer with Python's ftplib, printing the
dialogue (set_debuglevel(1)).

    python3 ftplib_client.py HOST PORT MODE OP PATH LOCAL USER PASSWORD TRUST_PASV TIMEOUT

MODE passive (PASV), epsv (EPSV), active (PORT), eprt (EPRT); OP get, put
or ls; TRUST_PASV 1: connect to the address of the 227 reply, as RFC 959
says (ftplib's own default since Python 3.9 is to use the server's address).
Exit status: 0 done, 1 the server refused or the transfer failed, 2 a
network error (refused, unreachable, timed out)."""
import ftplib
import socket
import sys


class LabFTP(ftplib.FTP):
    """ftplib.FTP that can also do EPSV and EPRT over IPv4 (it does them
    only over IPv6 by itself)."""
    mode = "passive"

    def makepasv(self):
        if self.mode == "epsv" and self.af == socket.AF_INET:
            return ftplib.parse229(self.sendcmd("EPSV"), self.sock.getpeername())
        return super().makepasv()

    def makeport(self):
        if self.mode == "eprt" and self.af == socket.AF_INET:
            sock = socket.create_server(("", 0), family=self.af, backlog=1)
            self.sendeprt(self.sock.getsockname()[0], sock.getsockname()[1])
            sock.settimeout(self.timeout)
            return sock
        return super().makeport()


def main(argv):
    host, port, mode, op, path, local, user, password, trust, timeout = argv
    f = LabFTP(timeout=float(timeout))
    f.mode = mode
    f.trust_server_pasv_ipv4_address = trust == "1"
    f.set_debuglevel(1)
    try:
        print(f.connect(host, int(port)))
        f.login(user, password)
        f.set_pasv(mode in ("passive", "epsv"))
        if op == "get":
            with open(local, "wb") as out:
                f.retrbinary("RETR " + path, out.write)
        elif op == "put":
            with open(local, "rb") as src:
                f.storbinary("STOR " + path, src)
        else:
            with open(local, "w") as out:
                f.retrlines("LIST" + (" " + path if path else ""),
                            lambda line: out.write(line + "\n"))
        f.quit()
    except ftplib.Error as e:
        print("ftplib: the server said: %s" % e, flush=True)
        return 1
    except (OSError, EOFError) as e:
        print("ftplib: network error: %s" % (e.strerror if getattr(e, "strerror", None)
                                              else e or type(e).__name__), flush=True)
        return 2
    return 0


if __name__ == "__main__":
    if len(sys.argv) != 11:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1:]))
