# active-behind-nat-kernel-alg: the lesson is in README.md next to this file.
from labkit import (WORKS, Download, KernelAlg, Phase, Scenario, announced, client_ok,
                    no_diagnostic, transfer)

scenario = Scenario(
    order=4,
    title="Active mode behind a NAT with the kernel's FTP ALG",
    lesson="The kernel's FTP helper (nf_conntrack_ftp, attached with the CT target) "
           "rewrites the PORT on its way out and lets the server's data connection in",
    layout="nat",
    phases=[Phase(
        "active (PORT) download through the NAT with the kernel FTP ALG",
        middleboxes=[KernelAlg("nat", 21)],
        action=Download("data.bin", mode="active"),
        expect=WORKS,
        because="the ALG read the PORT in the control connection and rewrote "
                "10,0,1,2 into 198,51,100,1 (and the port into one it maps back); "
                "it expected the server's data connection and let it through the "
                "NAT as RELATED, to the client",
        checks=[
            client_ok(),
            # the lesson: the same PORT, two addresses
            announced("PORT", "@client", on="inside", reply_code=200),
            announced("PORT", "@nat_public", on="outside", reply_code=200),
            no_diagnostic("port-address-mismatch", on="outside"),
            transfer(on="outside", mode="active", data_from="@server_own",
                     data_to="@nat_public"),
            transfer(on="inside", mode="active", data_from="@server_own", data_to="@client"),
        ],
    )],
    explore=(
        "./ftplab lab shell active-behind-nat-kernel-alg nat -c 'iptables -t raw -S'",
        "./ftplab lab shell active-behind-nat-kernel-alg client -c 'curl -v -P - "
        "--disable-eprt ftp://@server/hello.txt'",
    ),
)
