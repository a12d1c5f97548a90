# firewall-blocks-data: the lesson is in README.md next to this file.
import re

import topo  # tests/netns/topo.py (on sys.path through labkit)

from labkit import (FAILS, WORKS, Download, Firewall, KernelAlg, Phase, Scenario, ServerSetup,
                    announced, check, client_failed, client_ok, command, diagnostic,
                    no_complete_transfer, no_diagnostic, no_transfer, transfer)

PASV_PORTS = (50000, 50099)
DATA_TIMEOUT = 3     # seconds the server waits for a data connection (default 60)


def client_timed_out():
    """The client's own words: it gave up waiting (curl "connect timeout",
    lftp "Timeout", ftplib "timed out"), rather than being refused."""
    def fn(ev):
        m = re.search(r".*time(d)? ?out.*", ev.client.output, re.I)
        return ev.client.exit != 0 and m, m.group(0).strip() if m else ev.client.summary
    return check("the client gave up waiting for a connection (a timeout, not a refusal)", fn)


blocked = Phase(
    "passive (PASV) download through a firewall that lets only port 21 in",
    tag="blocked",
    action=Download("data.bin", mode="passive"),
    expect=FAILS,
    because="the firewall let the control connection to port 21 through, but the "
            "client's data connection to the port of the 227 reply is a new "
            "connection to another port: the FORWARD policy dropped its SYNs, and the "
            "client gave up after its connect timeout",
    note="the client's SYNs to the data port are in the outside capture (tcpdump -r "
         "1-blocked-outside.pcap 'tcp[13] == 2'), none in the inside one; the analyzer "
         "reports no data transfer and no diagnostic, because the client gave up before "
         "it sent RETR: no transfer was asked for (README.md)",
    checks=[
        client_failed(),
        client_timed_out(),
        # the 227 is right: this is not an address problem
        announced("PASV", "@server_own", on="outside", reply_code=227),
        no_diagnostic("pasv-address-mismatch", on="outside"),
        # the client never got its data connection, so it never sent RETR
        no_transfer(on="outside"),
        # inside: the same control connection, and nothing of the data connection
        command("PASV", on="inside", reply_code=227),
        no_transfer(on="inside"),
    ],
)

active = Phase(
    "active (PORT) download through the same firewall",
    tag="active",
    action=Download("data.bin", mode="active"),
    expect=FAILS,
    because="the PORT was accepted, but the server's data connection to the client is a "
            "new connection leaving through the firewall, which the FORWARD policy "
            "dropped as well; the server gave up after %d s and answered 425" % DATA_TIMEOUT,
    checks=[
        client_failed(),
        command("PORT", on="outside", reply_code=200),
        no_diagnostic("port-address-mismatch", on="outside"),
        # inside: the server's SYN, never answered
        command("RETR", on="inside", reply_code=425),
        diagnostic("data-refused", on="inside", reply_code="425"),
        check("inside: the server's SYN is in the capture, and nothing came back",
              lambda ev: next(((r["syn_seen"] and not r["rst_seen"] and r["bytes"] == 0,
                                "%s -> %s: syn_seen %s, rst_seen %s, %d bytes" % (
                                    r["data_client"], r["data_server"], r["syn_seen"],
                                    r["rst_seen"], r["bytes"]))
                               for r in ev.records["inside"] if r.get("type") == "transfer"),
                              (False, "no transfer record")), on="inside"),
        # outside: not even the SYN
        transfer(on="outside", status="failed", cmd="RETR"),
        check("outside: no SYN of the data connection got this far",
              lambda ev: next(((not r["syn_seen"], "syn_seen %s" % r["syn_seen"])
                               for r in ev.records["outside"] if r.get("type") == "transfer"),
                              (False, "no transfer record")), on="outside"),
    ],
)

opened = Phase(
    "the same, with the server's passive ports opened in the firewall",
    tag="open",
    middleboxes=[Firewall(
        "fw", ["-I", "FORWARD", "1", "-i", "wan0", "-o", "lan0", "-p", "tcp", "-d",
               "@server_own", "--dport", "%d:%d" % PASV_PORTS, "-m", "conntrack",
               "--ctstate", "NEW", "-j", "ACCEPT"],
        why="new connections to the server's passive range (ftplab-server "
            "--pasv-ports, vsftpd pasv_min_port/pasv_max_port) may pass too")],
    action=Download("data.bin", mode="passive"),
    expect=WORKS,
    because="the server takes its passive ports from 50000-50099 only, and the "
            "firewall now lets new connections to that range through: the data "
            "connection's SYN reached the server",
    checks=[
        client_ok(),
        no_diagnostic("data-connection-failed", on="outside"),
        transfer(on="outside", mode="passive", data_from="@client", data_to="@server_own"),
        transfer(on="inside", mode="passive", data_from="@client", data_to="@server_own"),
    ],
)

helper = Phase(
    "the firewall without that hole, with the kernel's FTP helper",
    tag="helper",
    middleboxes=[KernelAlg("fw", 21)],
    action=Download("data.bin", mode="passive"),
    expect=WORKS,
    because="the FTP helper read the 227 reply in the control connection and told "
            "conntrack to expect a connection from 192.0.2.2 to 198.51.100.2 and that "
            "port; the client's SYN matched the expectation, so it was RELATED, and "
            "the rule that accepts RELATED let it through (only it: no other port "
            "is open)",
    checks=[
        client_ok(),
        no_diagnostic("data-connection-failed", on="outside"),
        announced("PASV", "@server_own", on="outside", reply_code=227),
        transfer(on="outside", mode="passive", data_from="@client", data_to="@server_own"),
        transfer(on="inside", mode="passive", data_from="@client", data_to="@server_own"),
    ],
)

# The helper phase needs nf_conntrack_ftp; on a kernel without it the scenario
# runs the first three phases only (phase 3 says so in its note).
HELPER_OK, HELPER_WHY = topo.ftp_alg_status()
if not HELPER_OK:
    opened.note = ("phase 4 (the kernel's FTP helper) is left out: this kernel has no "
                   "FTP helper (%s)" % HELPER_WHY)

scenario = Scenario(
    order=7,
    title="A firewall that lets only port 21 through",
    lesson="A firewall that opens only port 21 breaks FTP: the data connection is a "
           "second connection, to a port the control connection announced",
    layout="firewall",
    server=ServerSetup(pasv_ports=PASV_PORTS,
                       ftplab_args=("--data-timeout", str(DATA_TIMEOUT)),
                       vsftpd_conf={"connect_timeout": str(DATA_TIMEOUT),
                                    "accept_timeout": str(DATA_TIMEOUT)}),
    phases=[blocked, active, opened] + ([helper] if HELPER_OK else []),
    clients=("curl", "lftp"),
    not_with={"ftplib": "ftplib waits its whole 15 s timeout in both failing phases (in "
                        "active mode it sits in accept() and never reads the server's 425), "
                        "so a run takes over 30 s; curl and lftp show the same in 10"},
    outcome="fails, then works",
    explore=(
        "./ftplab lab shell firewall-blocks-data fw -c 'iptables -S FORWARD; "
        "iptables -t raw -S PREROUTING'",
        "./ftplab lab shell firewall-blocks-data fw -c 'cat /proc/net/nf_conntrack'",
        "./ftplab lab shell firewall-blocks-data client -c 'curl -v --disable-epsv "
        "ftp://@server/hello.txt'",
    ),
)
