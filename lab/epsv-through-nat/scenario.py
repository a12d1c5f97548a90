# epsv-through-nat: the lesson is in README.md next to this file.
from labkit import (FAILS, WORKS, Download, Phase, Scenario, ServerSetup, announced,
                    client_failed, client_ok, command, diagnostic, no_complete_transfer,
                    no_diagnostic, transfer)

scenario = Scenario(
    order=8,
    title="EPSV through a NAT, and EPRT",
    lesson="EPSV's 229 reply names only a port, so a NAT has no address to get wrong; "
           "EPRT, like PORT, still carries the client's private address",
    layout="nat",
    server=ServerSetup(),
    clients=("curl", "ftplib"),
    not_with={"lftp": "lftp sends EPRT only on an IPv6 control connection (over IPv4 it "
                      "sends PORT, which is active-behind-nat's lesson); its EPSV works "
                      "like curl's: try `set ftp:prefer-epsv yes` in `lab shell`"},
    phases=[
        Phase(
            "EPSV download through the bare NAT (no ALG, no proxy)",
            tag="epsv",
            action=Download("data.bin", mode="epsv"),
            expect=WORKS,
            because="the 229 reply said only |||port|; the client connected to that port "
                    "at the address it already talks to, 198.51.100.2, from behind the "
                    "NAT like its control connection: nothing in the FTP dialogue names "
                    "an address, so the NAT has nothing to rewrite",
            checks=[
                client_ok(),
                command("EPSV", on="inside", reply_code=229),
                command("EPSV", on="outside", reply_code=229),
                # the 229 names no address: the data connection goes to the control's peer
                announced("EPSV", "@server_own", on="outside", reply_code=229),
                no_diagnostic("pasv-address-mismatch", on="outside"),
                no_diagnostic("port-address-mismatch", on="outside"),
                no_diagnostic("pasv-address-mismatch", on="inside"),
                transfer(on="inside", mode="epsv", data_from="@client",
                         data_to="@server_own"),
                transfer(on="outside", mode="epsv", data_from="@nat_public",
                         data_to="@server_own"),
            ],
        ),
        Phase(
            "EPRT download through the same NAT",
            tag="eprt",
            action=Download("data.bin", mode="eprt"),
            expect=FAILS,
            because="EPRT |1|10.0.1.2|port| names the client's private address as text, "
                    "exactly like PORT; the NAT did not rewrite it, and the server refused "
                    "a data connection to an address that is not the client's (198.51.100.1 "
                    "on the wire)",
            checks=[
                client_failed(),
                announced("EPRT", "@client", on="inside"),
                no_diagnostic("port-address-mismatch", on="inside"),
                diagnostic("port-address-mismatch", on="outside", announced="@client",
                           client="@nat_public"),
                command("EPRT", on="outside", reply_code="5xx"),
                no_complete_transfer(on="outside"),
            ],
        ),
    ],
    explore=(
        "./ftplab lab shell epsv-through-nat client -c 'curl -v ftp://@server/hello.txt'"
        "   # EPSV (curl's default)",
        "./ftplab lab shell epsv-through-nat client -c 'curl -v --disable-epsv "
        "ftp://@server/hello.txt'   # PASV: works too",
        "./ftplab lab shell epsv-through-nat client -c 'curl -v -P - "
        "ftp://@server/hello.txt'   # EPRT, then PORT: both refused",
    ),
)
