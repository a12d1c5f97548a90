# abort-mid-transfer: the lesson is in README.md next to this file.
import os

import labkit
from labkit import (WORKS, Abort, Phase, Scenario, ServerSetup, aborted_transfer,
                    answered_within, client_ok, command, no_complete_transfer, only)

EXTRA_TOOLS = os.path.join(labkit.TOP, "lab", "labkit", "extra_tools.py")
SIZE = 2 << 20       # big.bin: 2 MiB, 32 s at 64 KiB/s: the abort comes long before its end
AFTER = 100000       # bytes the client takes before it aborts (about 1.5 s)


def named(text, c):
    """c with another sentence in the verdict."""
    c.text = text
    return c


scenario = Scenario(
    order=10,
    title="Aborting a download mid-way (ABOR)",
    lesson="ABOR goes on the control connection while the data connection is busy: urgent "
           "data makes the server look, it stops sending, answers 426 for the transfer, "
           "then 226 (or 225) for the ABOR",
    layout="direct",
    server=ServerSetup(
        files={"big.bin": SIZE,
               "hello.txt": "Hello from the ftplab lab.\nThis file came over an FTP data "
                            "connection.\n"},
        ftplab_args=("--rate-limit", "64"),             # KiB/s per data connection
        vsftpd_conf={"anon_max_rate": "65536",          # bytes/s
                     # without it vsftpd reads no ABOR while it sends (the default: NO)
                     "async_abor_enable": "YES"}),
    servers=("ftplab", "vsftpd"),
    clients=("ftplib", "curl", "lftp"),
    phases=[Phase(
        "download big.bin at 64 KiB/s and abort it after about 100 kB",
        action=Abort("big.bin", after=AFTER, after_seconds=1.5),
        expect=WORKS,
        because="the client sent ABOR on the control connection while the data "
                "connection was still carrying big.bin; the server stopped sending and "
                "closed the data connection, answered the RETR with 426 and the ABOR "
                "with 226 (vsftpd: 225 when the ABOR came without urgent data), and the "
                "control connection went on (NOOP or QUIT answered)",
        checks=[
            client_ok(),
            command("RETR", on="wire", arg="big.bin", reply_code=426),
            command("ABOR", on="wire", reply_code=(225, 226)),
            # the server reacted to the ABOR itself (extra_tools.py closes the data
            # connection only when no reply came within 5 s; vsftpd may finish a
            # rate-limiting sleep of up to a second or two first)
            answered_within("ABOR", on="wire", ms=3000),
            aborted_transfer(on="wire", cmd="RETR", size=SIZE),
            no_complete_transfer(on="wire"),
            # what each server answers: ftplab-server 226 always; vsftpd 226 to an urgent
            # ABOR (async_abor_enable), 225 "No transfer to ABOR" to curl's plain one,
            # read only after the transfer had failed
            named("wire: ftplab-server answers the ABOR 226",
                  only(command("ABOR", on="wire", reply_code=226), server="ftplab")),
            named("wire: vsftpd answers an urgent ABOR (ftplib, lftp) 226",
                  only(command("ABOR", on="wire", reply_code=226), server="vsftpd",
                       client=("ftplib", "lftp"))),
            named("wire: vsftpd answers curl's plain ABOR 225 (the transfer had already "
                  "failed when it read it)",
                  only(command("ABOR", on="wire", reply_code=225), server="vsftpd",
                       client="curl")),
        ],
    )],
    explore=(
        "./ftplab lab shell abort-mid-transfer client -c 'curl -v --disable-epsv "
        "-r 0-299999 -o part.bin ftp://@server/big.bin'   # curl: a plain ABOR after 300 kB",
        "./ftplab lab shell abort-mid-transfer client -c 'python3 %s abort @server 21 "
        "big.bin part.bin 300000 15'   # IP, Synch (urgent), ABOR" % EXTRA_TOOLS,
    ),
)
