# slow-link: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, Phase, Scenario, ServerSetup, SlowLink, applies_if,
                    client_ok, control_latency, diagnostic, rate_below, transfer)

SIZE = 256 << 10        # slow.bin: 256 KiB, about 2.1 s at 1 Mbit/s
SLOW_MS = 100           # the analyzer's --slow-reply threshold

# The NAT's lan0 is the slow link toward the client: what leaves lan0 (the
# server's replies and data) is rate-limited by tbf, and, where the kernel has
# sch_netem, delayed by 120 ms and 0.5% of it lost. Without sch_netem the run
# says so and ftplab-server delays every reply by 120 ms instead.
LINK = SlowLink("nat", "lan0", rate="1mbit", burst="16kb", latency="300ms",
                delay="120ms", loss="0.5%", fallback_reply_delay=120,
                why="a slow DSL line or a congested Wi-Fi, between the client and the NAT")


def had_delay(ev):
    """The run had a delay (netem's, or the server's): LINK set up and not
    (no sch_netem and vsftpd) without one."""
    return LINK.netem is None or LINK.control_delay_ms is not None


scenario = Scenario(
    order=11,
    title="A slow link: 1 Mbit/s, 120 ms of delay, some loss",
    lesson="On a slow link every reply waits a round trip and a transfer goes no faster "
           "than the link: the analyzer's latencies and rates show where the time goes",
    layout="nat",
    server=ServerSetup(files={"slow.bin": SIZE,
                              "hello.txt": "Hello from the ftplab lab.\nThis file came over an "
                                           "FTP data connection.\n"}),
    servers=("ftplab", "vsftpd"),
    clients=("curl", "lftp", "ftplib"),
    analyzer_args=("--slow-reply", str(SLOW_MS)),
    phases=[Phase(
        "passive download of slow.bin (256 KiB) over a 1 Mbit/s link",
        middleboxes=[LINK],
        action=Download("slow.bin", mode="passive"),
        expect=WORKS,
        because="the download completed, at about the link's 1 Mbit/s (125 kB/s): "
                "TCP slowed down to what the link carries; and, where the run had a "
                "delay (netem's, or the server's), every reply reached the client that "
                "much late, which the analyzer measures as each command's latency and "
                "reports as slow-reply above --slow-reply 100",
        checks=[
            client_ok(),
            transfer(on="inside", mode="passive", data_from="@client"),
            rate_below(on="inside", limit=LINK, factor=2.0),
            rate_below(on="outside", limit=LINK, factor=2.0),
            control_latency(on="inside", link=LINK, slow=True),
            # PASV: a control command every client sends here (a RETR's latency is
            # its transfer's, flagged even on a fast link when the file is big)
            applies_if(diagnostic("slow-reply", on="inside", command="PASV"), had_delay,
                       "no delay in this run (no sch_netem, and vsftpd cannot delay replies)"),
            # where is the delay? netem delays on the link (after the outside capture,
            # so the outside sees fast replies); the fallback delays in the server
            # (both captures see it)
            applies_if(control_latency(on="outside", link=LINK, slow=False),
                       lambda ev: LINK.delay_by == "link",
                       "only when netem delays the link (see What runs)"),
            applies_if(control_latency(on="outside", link=LINK, slow=True),
                       lambda ev: LINK.delay_by == "server",
                       "only when the server delays its replies (no sch_netem, ftplab-server)"),
        ],
    )],
    explore=(
        "./ftplab lab shell slow-link nat -c 'tc -s qdisc show dev lan0'   # the shaper's counters",
        "./ftplab lab shell slow-link client -c 'curl -v --disable-epsv -o /dev/null "
        "ftp://@server/slow.bin'   # once more, with the rate on curl's progress line",
    ),
)
