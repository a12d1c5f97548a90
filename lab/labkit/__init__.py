"""labkit - the machinery of `./ftplab lab` (lab/lab.py): a scenario is a
folder lab/<name>/ with a README.md (the lesson) and a scenario.py that
declares, with the names exported here, the layout, the server, the phases
(middle boxes, client action, captures) and the expected outcome as checks
over ftplab-analyzer's JSON. See lab/README.md, "Adding a scenario".

    from labkit import *            # in lab/<name>/scenario.py

    scenario = Scenario(
        order=2, title="Active mode, no NAT",
        lesson="In active mode (PORT) the server opens the data connection to the client",
        layout="direct",
        phases=[Phase("active download", action=Download("data.bin", mode="active"),
                      expect=WORKS, because="...",
                      checks=[client_ok(), transfer(on="wire", mode="active",
                                                    data_from="@server_own", data_to="@client")])])

Modules: spec (Scenario, Phase, loading), layouts (topologies, drawing),
servers (ftplab-server, vsftpd), clients (curl, lftp, ftplib), middleboxes
(ALG, proxy, firewall, netem), expect (checks), runner (run), report
(printing), state (the kept lab: shell, down); shaping (SlowLink: tc tbf and
netem; LoginBan: a small fail2ban), actions_extra (Abort, GuessPasswords),
expect_extra (their checks), extra_tools.py (their helpers, run in the
namespaces).
"""
import os
import sys

TOP = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
NETNS = os.path.join(TOP, "tests", "netns")     # topo.py lives there; imported, not copied
if NETNS not in sys.path:
    sys.path.insert(0, NETNS)

from .spec import FAILS, WORKS, Phase, Scenario, Skip, UsageError, load, load_all  # noqa: E402
from .servers import SERVERS, ServerSetup  # noqa: E402
from .layouts import LAYOUTS, Layout  # noqa: E402
from .clients import CLIENTS, ClientResult, Download, Listing, Transfer, Upload  # noqa: E402
from .middleboxes import (Firewall, KernelAlg, Middlebox, Netem, ReverseProxy,  # noqa: E402
                          TransparentProxy)
from .expect import (Check, announced, check, client_failed, client_ok,  # noqa: E402
                     command, diagnostic, no_command, no_complete_transfer, no_diagnostic,
                     no_transfer, only, session, transfer)
from .shaping import LoginBan, SlowLink, qdisc_status  # noqa: E402
from .actions_extra import Abort, GuessPasswords  # noqa: E402
from .expect_extra import (aborted_transfer, answered_within, applies_if,  # noqa: E402
                           control_latency, failed_logins_from, file_has, output_has,
                           rate_below, replies, sessions)

__all__ = [
    "Scenario", "Phase", "ServerSetup", "WORKS", "FAILS", "Skip", "UsageError",
    "Layout", "LAYOUTS", "Transfer", "Download", "Upload", "Listing", "ClientResult",
    "CLIENTS", "SERVERS",
    "Middlebox", "KernelAlg", "TransparentProxy", "ReverseProxy", "Firewall", "Netem",
    "Check", "check", "only", "client_ok", "client_failed", "transfer", "no_transfer",
    "no_complete_transfer", "diagnostic", "no_diagnostic", "command", "announced",
    "no_command", "session",
    "load", "load_all",
    # shaping.py, actions_extra.py, expect_extra.py (abort-mid-transfer, slow-link,
    # bruteforce-login)
    "SlowLink", "LoginBan", "qdisc_status", "Abort", "GuessPasswords",
    "aborted_transfer", "answered_within", "replies", "sessions", "failed_logins_from",
    "rate_below", "control_latency", "applies_if", "output_has", "file_has",
]
