# active-direct: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, Phase, Scenario, announced, client_ok, no_diagnostic,
                    transfer)

scenario = Scenario(
    order=2,
    title="Active mode (PORT) on a direct link",
    lesson="In active mode the server opens the data connection, to the address and "
           "port the client's PORT names",
    layout="direct",
    phases=[Phase(
        "active (PORT) download of data.bin",
        action=Download("data.bin", mode="active"),
        expect=WORKS,
        because="the client listened on a port, named it with PORT 192,0,2,2,p1,p2, "
                "and the server connected to it: the data connection went from the "
                "server to the client",
        checks=[
            client_ok(),
            announced("PORT", "@client", on="wire", reply_code=200),
            transfer(on="wire", mode="active", data_from="@server_own", data_to="@client"),
            no_diagnostic("port-address-mismatch", on="wire"),
        ],
    )],
    explore=(
        "./ftplab lab shell active-direct client -c 'curl -v -P - --disable-eprt "
        "ftp://@server/hello.txt'",
    ),
)
