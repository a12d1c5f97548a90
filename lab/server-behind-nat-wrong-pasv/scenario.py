# server-behind-nat-wrong-pasv: the lesson is in README.md next to this file.
from labkit import (FAILS, WORKS, Download, Firewall, Phase, ReverseProxy, Scenario,
                    ServerSetup, announced, client_failed, client_ok, command, diagnostic,
                    no_complete_transfer, no_diagnostic, transfer)

scenario = Scenario(
    order=6,
    title="A server behind a NAT that announces its private address",
    lesson="Passive FTP breaks when the server sits behind a NAT and does not know its "
           "public address: its 227 reply sends the client to 10.0.2.2",
    layout="server-nat",
    server=ServerSetup(),
    phases=[
        Phase(
            "passive (PASV) download, the client trusts the 227 address",
            tag="wrong",
            action=Download("data.bin", mode="passive", trust_pasv=True),
            expect=FAILS,
            because="the server wrote its own address, 10,0,2,2, into the 227 reply; the "
                    "NAT forwarded the control connection but does not rewrite what is "
                    "written inside it, and the client, which trusts the 227, tried to "
                    "connect to 10.0.2.2: an address it has no route to",
            checks=[
                client_failed(),
                command("PASV", on="outside", reply_code=227),
                announced("PASV", "@server_own", on="outside"),
                diagnostic("pasv-address-mismatch", on="outside", announced="@server_own",
                           server="@nat_public"),
                # inside, the same 227 is right: the server is 10.0.2.2 there
                no_diagnostic("pasv-address-mismatch", on="inside"),
                no_complete_transfer(on="outside"),
            ],
        ),
        Phase(
            "the same server, a client that ignores the 227 address",
            tag="ignore",
            action=Download("data.bin", mode="passive", trust_pasv=False),
            expect=WORKS,
            because="the server still announced 10,0,2,2, but this client took only the "
                    "port from the 227 and connected to the address of its control "
                    "connection, 203.0.113.1; the NAT forwards the passive ports (DNAT) "
                    "to 10.0.2.2, so the data connection arrived",
            note="the mismatch is still on the wire (outside); modern clients do this by "
                 "default (curl --ftp-skip-pasv-ip, lftp ftp:fix-pasv-address, Python's "
                 "ftplib), which is why a misconfigured server can go unnoticed for years",
            checks=[
                client_ok(),
                diagnostic("pasv-address-mismatch", on="outside", announced="@server_own",
                           server="@nat_public"),
                transfer(on="outside", mode="passive", data_from="@client",
                         data_to="@nat_public"),
                transfer(on="inside", mode="passive", data_from="@client",
                         data_to="@server_own"),
            ],
        ),
        Phase(
            "the same, through ftplab-proxy on the NAT box",
            tag="proxy",
            middleboxes=[
                Firewall("nat", ["-t", "nat", "-I", "PREROUTING", "1", "-i", "wan0", "-p", "tcp",
                                 "--dport", "21", "-j", "REDIRECT", "--to-ports", "2121"],
                         why="connections to port 21 arriving on wan0 go to the proxy "
                             "(inserted before the DNAT of port 21 to the server)"),
                ReverseProxy(listen="@nat_public:2121", upstream="@server_own:21", node="nat",
                             data_ports=(40000, 40999)),
            ],
            action=Download("data.bin", mode="passive", trust_pasv=True),
            expect=WORKS,
            because="the client's control connection ended at ftplab-proxy on the NAT box, "
                    "which answered the client's PASV itself, with the address the client "
                    "reached, 203.0.113.1, and one of its own ports; it opened its own data "
                    "connection to the server inside and relayed the file",
            checks=[
                client_ok(),
                announced("PASV", "@nat_public", on="outside", reply_code=227),
                no_diagnostic("pasv-address-mismatch", on="outside"),
                transfer(on="outside", mode="passive", data_from="@client",
                         data_to="@nat_public"),
                announced("PASV", "@server_own", on="inside", reply_code=227),
                transfer(on="inside", mode="passive", data_from="@nat_inside",
                         data_to="@server_own"),
            ],
        ),
        Phase(
            "the admin's fix: the server announces its public address",
            tag="fixed",
            server=ServerSetup(pasv_address="@nat_public"),
            action=Download("data.bin", mode="passive", trust_pasv=True),
            expect=WORKS,
            because="the server was told its public address (--pasv-address / vsftpd "
                    "pasv_address) and wrote 203,0,113,1 into the 227; the client "
                    "connected there and the NAT's DNAT of the passive ports forwarded it "
                    "to 10.0.2.2",
            note="inside, the analyzer now flags the 227 (it names 203.0.113.1, but the "
                 "server is 10.0.2.2 on that wire): seen from inside the NAT, the right "
                 "public address is a mismatch",
            checks=[
                client_ok(),
                announced("PASV", "@nat_public", on="outside", reply_code=227),
                no_diagnostic("pasv-address-mismatch", on="outside"),
                transfer(on="outside", mode="passive", data_from="@client",
                         data_to="@nat_public"),
                transfer(on="inside", mode="passive", data_from="@client",
                         data_to="@server_own"),
                diagnostic("pasv-address-mismatch", on="inside", announced="@nat_public",
                           server="@server_own"),
            ],
        ),
    ],
    explore=(
        "./ftplab lab shell server-behind-nat-wrong-pasv client -c 'curl -v --disable-epsv "
        "--no-ftp-skip-pasv-ip ftp://@server/hello.txt'   # the kept server is phase 4's",
        "./ftplab lab shell server-behind-nat-wrong-pasv client -c 'curl -v "
        "ftp://@server/hello.txt'   # EPSV: 229 names no address",
        "./ftplab lab shell server-behind-nat-wrong-pasv nat -c 'iptables -t nat -S'",
    ),
)
