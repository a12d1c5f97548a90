#!/usr/bin/env python3
"""ftplab-proxy --data-path kernel: the same NAT flows as test_proxy_nat.py,
with the data connections translated by netfilter (the proxy's own nftables
table) instead of relayed by the proxy.

  TransparentKernel*   client 10.0.1.2 -- [nat: MASQUERADE, REDIRECT 21 -> proxy
                       :2121] -- server 198.51.100.2, against ftplab-server and
                       vsftpd: active and passive, downloads and uploads, byte-
                       identical; the transcript says "handed to the kernel" and
                       the proxy relays nothing; the table is gone at exit.
  ReverseKernel        client 203.0.113.2 -- [nat, proxy --upstream] -- server
                       10.0.2.2 announcing its private address.

Each test also checks what must stay with the relay (active<->passive
conversion), and that a connection to the reserved port from anyone but the
expected peer is refused by the proxy, as with the relay.

    python3 tests/netns/test_proxy_kernel.py BIN_DIR    (as root)
"""
import json
import os
import re
import shutil
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import test_proxy_nat as base  # noqa: E402
import topo  # noqa: E402
from test_proxy_nat import (DATA_PORTS, FILE_SIZE, PROXY_PORT, UP_SIZE,  # noqa: E402
                            ProxyCase, ReverseFlows, TransparentFlows, Vsftpd)

KERNEL = ("--data-path", "kernel")

# A client that stops between its PASV and its RETR, so that the test can
# try the announced port from elsewhere first: prints the port, waits for
# the file argv[3] to exist, then downloads big.bin and prints its size.
PAUSED_CLIENT = r"""
import ftplib, os, sys, time
f = ftplib.FTP()
f.connect(sys.argv[1], int(sys.argv[2]), timeout=10)
f.login()
f.voidcmd("TYPE I")
host, port = ftplib.parse227(f.sendcmd("PASV"))
print(host, port, flush=True)
end = time.monotonic() + 20
while not os.path.exists(sys.argv[3]) and time.monotonic() < end:
    time.sleep(0.02)
s = f.transfercmd("RETR big.bin")
n = 0
while True:
    b = s.recv(65536)
    if not b:
        break
    n += len(b)
s.close()
f.voidresp()
f.quit()
print(n, flush=True)
"""


def nft_tables(t, node):
    r = t.run(node, ["nft", "-j", "list", "tables"], check=True)
    return [x["table"]["name"] for x in json.loads(r.stdout)["nftables"] if "table" in x]


def setUpModule():
    if shutil.which("nft") is None:
        raise unittest.SkipTest("nft (Debian package nftables) is not installed")


def tearDownModule():
    base.tearDownModule()


class KernelCase:
    """Mixin: the proxy runs with --data-path kernel; assertRelayed becomes
    "the kernel carried it" (the proxy's byte counts are not available)."""

    def assertRelayed(self, up=0, down=0):
        log = self.proxy_log()
        self.assertRegex(log, r"data-kernel: data connection from \S+ to \S+ handed to the "
                              r"kernel: it goes to \S+, from \S+")
        self.assertNotIn("data-open", log)
        self.assertNotIn("kernel-missed", log)
        self.assertNotIn("kernel-failed", log)
        self.assertNotIn("data-failed", log)
        self.assertNotIn("data-refused", log)

    def test_table_of_our_own(self):
        """One table named after the proxy's pid, with its maps and hooks."""
        name = "ftplab_proxy_%d" % self.proxy_pid()
        self.assertIn(name, nft_tables(self.t, self.proxy_node))
        r = self.t.run(self.proxy_node, ["nft", "list", "table", "inet", name], check=True)
        for m in ("dnat4", "snat4", "dnat6", "snat6", "hook prerouting", "hook postrouting"):
            self.assertIn(m, r.stdout)

    def test_conversion_stays_with_the_relay(self):
        """--server-data passive turns the client's PORT into PASV: the
        kernel cannot, so that transfer is relayed, and the log says why."""
        self.restart_proxy(list(self.proxy_args) + ["--server-data", "passive"])
        self.srv_mark = len(self.srv.log())
        self.download(self.url_host, "-P", "-", "--disable-eprt", port=self.url_port)
        log = self.proxy_log()
        self.assertIn("kernel-skipped: kernel data path not used: active<->passive conversion "
                      "needs the relay", log)
        self.assertRegex(log, r"data-close: data connection closed: 0 bytes client->server, "
                              r"%d bytes server->client" % FILE_SIZE)

    def test_table_removed_at_exit(self):
        """SIGTERM: the proxy deletes its table (and elements) before it exits."""
        name = "ftplab_proxy_%d" % self.proxy_pid()
        self.restart_proxy(list(self.proxy_args))
        self.assertNotIn(name, nft_tables(self.t, self.proxy_node))
        self.assertIn("ftplab_proxy_%d" % self.proxy_pid(), nft_tables(self.t, self.proxy_node))

    def proxy_pid(self):
        """The proxy's own pid (the Popen is `ip netns exec`, which execs it)."""
        return self.proxy.pid

    def test_other_peer_refused(self):
        """Between PASV and RETR, a connection to the announced port from
        the server's side (not the client) is not translated: it reaches
        the proxy's reserved socket, which refuses it; the client's own
        transfer then goes through the kernel."""
        go = os.path.join(self.t.tmp, "go-%s" % self._testMethodName)
        p = self.t.popen("client", [sys.executable, "-u", "-c", PAUSED_CLIENT,
                                    self.url_host, str(self.url_port or 21), go],
                         stdout=__import__("subprocess").PIPE, text=True)
        try:
            host, port = p.stdout.readline().split()
            r = self.t.tcp_request(self.intruder, host, int(port), timeout=2)
            end = time.monotonic() + 5
            while "data-refused" not in self.proxy_log() and time.monotonic() < end:
                time.sleep(0.02)
            self.assertRegex(self.proxy_log(), r"data-refused: client-side data connection from "
                                               r"%s:\d+ refused" % re.escape(self.intruder_addr))
            self.assertEqual(r.detail.strip(), "", r.detail)   # nothing served to it
            open(go, "w").close()
            out, _ = p.communicate(timeout=30)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
        self.assertEqual(p.returncode, 0, out)
        self.assertEqual(out.split()[-1], str(FILE_SIZE))
        self.assertIn("data-kernel", self.proxy_log())


def accept_dnat(t, node="nat"):
    """The NAT box's stateful FORWARD policy drops new connections from
    outside; the kernel path's translated connections are DNAT'ed ones,
    which a firewall lets through with one rule (OpenWrt's "ct status dnat
    accept" for port forwards), documented in ftplab-proxy(8)."""
    t.iptables(node, "-I", "FORWARD", "-m", "conntrack", "--ctstate", "DNAT", "-j", "ACCEPT")


class TransparentKernelBase(KernelCase, TransparentFlows, ProxyCase):
    @classmethod
    def build(cls):
        t = base.TransparentFlows.build.__func__(cls)
        try:
            accept_dnat(t)
        except BaseException:
            t.close(verify=False)
            raise
        return t


class TransparentKernel(TransparentKernelBase):
    proxy_args = TransparentFlows.proxy_args + KERNEL
    url_port = None
    intruder, intruder_addr = "nat", "10.0.1.1"

    start_servers = classmethod(base.TransparentProxy.start_servers.__func__)

    def test_active_eprt_download(self):
        self.check_active_eprt_download()

    def test_active_port_download(self):
        self.check_active_port_download()

    def test_active_eprt_upload(self):
        self.check_active_upload()

    def test_active_port_upload(self):
        self.check_active_upload("--disable-eprt")

    def test_passive_epsv_download(self):
        self.check_passive_epsv()

    def test_passive_pasv_upload(self):
        self.check_passive_pasv_upload("--no-ftp-skip-pasv-ip")

    def test_passive_without_the_data_port_redirect(self):
        """With only the REDIRECT of port 21 (the relay also needs one for
        the data ports, see test_proxy_nat.py's skipped test): the client
        dials the server's address with the proxy's port after EPSV, and
        after PASV when it skips the 227 address (curl's default); the
        kernel path translates both."""
        self.t.iptables("nat", *self.data_redirect("-D"))
        self.addCleanup(self.t.iptables, "nat", *self.data_redirect("-A"))
        self.check_passive_epsv()
        self.proxy_mark = len(self.proxy.log())
        self.download(self.url_host, "--disable-epsv")
        self.assertRelayed(down=FILE_SIZE)

    def test_server_sees_the_proxy(self):
        """The server's data peer is the proxy's outside address, in both
        directions (its own data-peer check passes)."""
        self.download(self.url_host)
        self.download(self.url_host, "-P", "-")
        self.assertNotIn("10.0.1.2", self.server_log())


class TransparentKernelVsftpd(TransparentKernelBase):
    server_kind = "vsftpd"
    upload_dir = "incoming/"
    proxy_args = TransparentFlows.proxy_args + KERNEL
    url_port = None
    intruder, intruder_addr = "nat", "10.0.1.1"

    @classmethod
    def start_servers(cls):
        return Vsftpd(cls.t, "server", "198.51.100.2", cls.root, base.PASV_PORTS)

    def test_active_eprt_download(self):
        self.check_active_eprt_download()

    def test_active_port_upload(self):
        self.check_active_upload("--disable-eprt")

    def test_passive_epsv_download(self):
        self.check_passive_epsv()

    def test_passive_pasv_upload(self):
        self.check_passive_pasv_upload("--no-ftp-skip-pasv-ip")

    test_other_peer_refused = None   # server-agnostic: TransparentKernel runs it


class ReverseKernel(KernelCase, ReverseFlows, ProxyCase):
    proxy_args = ReverseFlows.proxy_args + KERNEL
    url_port = PROXY_PORT
    intruder, intruder_addr = "nat", "203.0.113.1"   # from the NAT box itself

    start_servers = classmethod(base.ReverseProxy.start_servers.__func__)
    assertServerPasv = base.ReverseProxy.assertServerPasv

    def test_epsv_upload(self):
        self.upload(self.url_host, port=PROXY_PORT)
        self.assertRelayed(up=UP_SIZE)

    def test_0_baseline_pasv_without_proxy_fails(self):
        super().test_0_baseline_pasv_without_proxy_fails()


del ProxyCase, TransparentFlows, ReverseFlows, TransparentKernelBase   # no tests of their own

if __name__ == "__main__":
    topo.test_main()
