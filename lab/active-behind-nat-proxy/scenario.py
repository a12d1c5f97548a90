# active-behind-nat-proxy: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, Phase, Scenario, TransparentProxy, announced, client_ok,
                    no_diagnostic, transfer)

scenario = Scenario(
    order=5,
    title="Active mode behind a NAT through ftplab-proxy",
    lesson="A transparent FTP proxy on the NAT box ends the client's control "
           "connection and opens its own: its PORT names its public address",
    layout="nat",
    phases=[Phase(
        "active (PORT) download through ftplab-proxy on the NAT box",
        middleboxes=[TransparentProxy("nat", "lan0", port=2121, data_ports=(40000, 40999))],
        action=Download("data.bin", mode="active"),
        expect=WORKS,
        note="on the inside the data connection of the client's PORT comes from the "
             "proxy, 10.0.1.1, not from the server: the analyzer's inside transfer shows "
             "data_client 10.0.1.1; a transparent proxy is not invisible (README.md)",
        because="the NAT box redirected the client's connection to port 21 to "
                "ftplab-proxy, which sent the server its own PORT naming "
                "198.51.100.1 and one of its ports, took the server's data "
                "connection there, and relayed the data to 10.0.1.2 over a second "
                "data connection it opened to the client's PORT",
        checks=[
            client_ok(),
            announced("PORT", "@client", on="inside", reply_code=200),
            announced("PORT", "@nat_public", on="outside", reply_code=200),
            no_diagnostic("port-address-mismatch", on="outside"),
            # outside: the server's data connection goes to the proxy's port on the
            # NAT box; inside, the proxy opens a second one to the client's PORT,
            # from its own inside address
            transfer(on="outside", mode="active", data_from="@server_own",
                     data_to="@nat_public"),
            transfer(on="inside", mode="active", data_from="@nat_inside", data_to="@client"),
        ],
    )],
    explore=(
        "./ftplab lab shell active-behind-nat-proxy nat -c 'iptables -t nat -S PREROUTING'",
        "./ftplab lab shell active-behind-nat-proxy client -c 'curl -v -P - "
        "--disable-eprt ftp://@server/hello.txt'",
    ),
)
