# active-behind-nat: the lesson is in README.md next to this file.
from labkit import (FAILS, Download, Phase, Scenario, ServerSetup, announced, client_failed,
                    command, diagnostic, no_complete_transfer, no_diagnostic, transfer)

scenario = Scenario(
    order=3,
    title="Active mode behind a NAT, without an ALG",
    lesson="Active FTP breaks behind NAT: the PORT names the client's private address, "
           "which the NAT does not rewrite",
    layout="nat",
    server=ServerSetup(),
    phases=[
        Phase(
            "active (PORT) download through the bare NAT",
            tag="refused",
            action=Download("data.bin", mode="active"),
            expect=FAILS,
            because="the PORT command crossed the NAT unchanged and still named "
                    "10.0.1.2, while the server saw the client as 198.51.100.1; the "
                    "server refused a data connection to an address that is not the "
                    "client's (5xx to PORT), so there was no transfer at all",
            checks=[
                client_failed(),
                # inside: the PORT agrees with the client's address on the wire
                announced("PORT", "@client", on="inside"),
                no_diagnostic("port-address-mismatch", on="inside"),
                # outside: the same PORT, now from the NAT's address: the mismatch
                diagnostic("port-address-mismatch", on="outside", announced="@client",
                           client="@nat_public"),
                command("PORT", on="outside", reply_code="5xx"),
                no_complete_transfer(on="outside"),
            ],
        ),
        Phase(
            "the same, with a server that obeys any PORT (FXP allowed)",
            tag="fxp",
            server=ServerSetup(allow_fxp=True),
            action=Download("data.bin", mode="active"),
            expect=FAILS,
            because="this server accepted the PORT (200) and tried to connect to "
                    "10.0.1.2, a private address it has no route to: the RETR got "
                    "425 and no data connection ever reached the wire",
            checks=[
                client_failed(),
                diagnostic("port-address-mismatch", on="outside", announced="@client"),
                command("PORT", on="outside", reply_code=200),
                command("RETR", on="outside", reply_code=425),
                diagnostic("data-refused", on="outside"),
                transfer(on="outside", status="failed", cmd="RETR"),
            ],
        ),
    ],
    explore=(
        "./ftplab lab shell active-behind-nat client -c 'curl -v -P - --disable-eprt "
        "ftp://@server/hello.txt'   # fails: 425 (the kept server allows FXP)",
        "./ftplab lab shell active-behind-nat client -c 'curl -v --disable-epsv "
        "ftp://@server/hello.txt'   # passive mode works",
        "./ftplab lab shell active-behind-nat nat -c 'cat /proc/net/nf_conntrack'",
    ),
)
