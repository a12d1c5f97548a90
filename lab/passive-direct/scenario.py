# passive-direct: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, Phase, Scenario, client_ok, command, no_diagnostic,
                    transfer)

scenario = Scenario(
    order=1,
    title="Passive mode (PASV) on a direct link",
    lesson="In passive mode the client opens both connections: control to port 21, "
           "data to the port of the 227 reply",
    layout="direct",
    phases=[Phase(
        "passive (PASV) download of data.bin",
        action=Download("data.bin", mode="passive"),
        expect=WORKS,
        because="the client asked with PASV where to connect, the server answered "
                "192.0.2.1 and a port in 227, and the client opened the data "
                "connection to it",
        checks=[
            client_ok(),
            command("PASV", on="wire", reply_code=227),
            transfer(on="wire", mode="passive", data_from="@client", data_to="@server_own"),
            no_diagnostic("data-connection-failed", on="wire"),
        ],
    )],
    explore=(
        "./ftplab lab shell passive-direct client -c 'curl -v --disable-epsv "
        "ftp://@server/hello.txt'",
    ),
)
