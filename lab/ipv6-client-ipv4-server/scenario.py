# ipv6-client-ipv4-server: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, Phase, ReverseProxy, Scenario, ServerSetup, announced,
                    client_ok, command, no_command, no_diagnostic, session, transfer)

PROXY = "[@proxy6]:21"

# lftp decides EPRT-or-PORT from the host it dials: give it the literal IPv6 address
PROXY_ADDR = "2001:db8:1::1"

scenario = Scenario(
    order=9,
    title="An IPv6-only client, an IPv4-only server, ftplab-proxy between them",
    lesson="A dual-stack FTP proxy joins an IPv6-only client to an IPv4-only server: "
           "it speaks EPSV/EPRT on one side and PASV/PORT on the other",
    layout="ipv6-proxy",
    server=ServerSetup(),
    phases=[
        Phase(
            "EPSV download over IPv6; the proxy uses PASV over IPv4",
            tag="epsv",
            middleboxes=[ReverseProxy(listen=PROXY, upstream="@server_own:21", node="proxy",
                                      data_ports=(40000, 40999),
                                      args=["--server-data", "passive"])],
            action=Download("data.bin", mode="epsv", host=PROXY_ADDR),
            expect=WORKS,
            because="the client, which has only IPv6, connected to the proxy's IPv6 "
                    "address and asked EPSV (PASV cannot express an IPv6 address); the "
                    "proxy answered 229 with a port of its own, sent the server a PASV "
                    "over IPv4, connected to the 227's port and relayed the file from one "
                    "data connection to the other",
            checks=[
                client_ok(),
                # IPv6 side: the client and the proxy, EPSV
                session(on="ipv6", client="@client", server="@proxy6"),
                command("EPSV", on="ipv6", reply_code=229),
                no_command("PASV", on="ipv6"),
                transfer(on="ipv6", mode="epsv", data_from="@client", data_to="@proxy6"),
                # IPv4 side: the proxy and the server, PASV
                session(on="ipv4", client="@proxy4", server="@server_own"),
                announced("PASV", "@server_own", on="ipv4", reply_code=227),
                no_command("EPSV", on="ipv4"),
                no_diagnostic("pasv-address-mismatch", on="ipv4"),
                transfer(on="ipv4", mode="passive", data_from="@proxy4",
                         data_to="@server_own"),
            ],
        ),
        Phase(
            "EPRT download over IPv6; the proxy uses PORT over IPv4",
            tag="eprt",
            middleboxes=[ReverseProxy(listen=PROXY, upstream="@server_own:21", node="proxy",
                                      data_ports=(40000, 40999),
                                      args=["--server-data", "active"])],
            action=Download("data.bin", mode="eprt", host=PROXY_ADDR),
            expect=WORKS,
            because="the client sent EPRT |2|2001:db8:1::2|port| (PORT cannot express an "
                    "IPv6 address); the proxy opened a port of its own on 198.51.100.1 "
                    "and sent the server PORT 198,51,100,1,...; the server connected there, "
                    "and the proxy connected to the client's EPRT over IPv6 and relayed",
            checks=[
                client_ok(),
                session(on="ipv6", client="@client", server="@proxy6"),
                announced("EPRT", "@client", on="ipv6", reply_code=200),
                no_command("PORT", on="ipv6"),
                transfer(on="ipv6", mode="eprt", data_from="@proxy6", data_to="@client"),
                session(on="ipv4", client="@proxy4", server="@server_own"),
                announced("PORT", "@proxy4", on="ipv4", reply_code=200),
                no_command("EPRT", on="ipv4"),
                no_diagnostic("port-address-mismatch", on="ipv4"),
                transfer(on="ipv4", mode="active", data_from="@server_own",
                         data_to="@proxy4"),
            ],
        ),
    ],
    explore=(
        "./ftplab lab shell ipv6-client-ipv4-server client -c 'ip addr; ip route; "
        "ip -6 route'",
        "./ftplab lab shell ipv6-client-ipv4-server client -c 'curl -v -g "
        "ftp://[@proxy6]/hello.txt'",
        "./ftplab lab shell ipv6-client-ipv4-server client -c 'curl -v -g -P - "
        "ftp://[@proxy6]/hello.txt'",
        "./ftplab lab shell ipv6-client-ipv4-server proxy -c 'ss -tln'",
    ),
)
