#!/usr/bin/env python3
"""The topologies of topo.py: each layout routes what it must and nothing
more, links have the MTU asked for, the REDIRECT a transparent proxy needs
works, and close() leaves no namespace and no process behind: after a normal
end, an exception, SIGINT, SIGTERM, and (with sweep_stale) SIGKILL.

    python3 tests/netns/test_topology.py [BIN_DIR]    (as root)
"""
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import topo  # noqa: E402
from topo import Topology  # noqa: E402

HERE = os.path.dirname(os.path.abspath(__file__))


def gone(pid):
    """True when pid no longer runs (bounded wait of 3 s)."""
    end = time.monotonic() + 3
    while time.monotonic() < end:
        if not topo._alive(pid):
            return True
        time.sleep(0.02)
    return False


class TopoCase(unittest.TestCase):
    def setUp(self):
        topo.skip_unless_root(self)

    def assertNothingLeft(self, t):
        left = topo.leftovers(t.prefix)
        self.assertFalse(left, left.describe())
        self.assertEqual([n for n in topo.netns_list() if n.startswith(t.prefix + "-")], [])

    def sleeper(self, t, node):
        p = t.popen(node, ["sleep", "60"])
        self.assertIn(p.pid, t.pids(), "the sleeper runs inside %s" % node)
        return p


class Layouts(TopoCase):
    def test_client_behind_nat(self):
        with Topology.nat() as t:
            self.assertEqual(sorted(t.nodes), ["client", "nat", "server"])
            for node in t.nodes.values():
                self.assertTrue(node.startswith("ftplab-%d-" % os.getpid()), node)
            self.assertEqual((t.client_addr, t.server_addr), ("10.0.1.2", "198.51.100.2"))
            # client -> server works, through the NAT
            r = t.ping("client", "198.51.100.2")
            self.assertTrue(r, r.detail)
            # the server has no route to the private side
            r = t.ping("server", "10.0.1.2")
            self.assertFalse(r, r.detail)
            self.assertIn("unreachable", r.detail)
            # ... and even with one, the NAT drops new inbound connections
            t.add_route("server", "10.0.1.0/24", "198.51.100.1")
            r = t.ping("server", "10.0.1.2", timeout=0.5)
            self.assertFalse(r, r.detail)
            self.assertIn("no reply", r.detail)
            # the server sees the NAT's address, not the client's
            echo = t.spawn_peer_echo("server", "0.0.0.0", 21)
            r = t.tcp_request("client", "198.51.100.2", 21)
            self.assertTrue(r, r.detail)
            self.assertRegex(r.detail, r"^peer=198\.51\.100\.1:\d+ local=198\.51\.100\.2:21 ")
            for node, iface in (("client", "eth0"), ("nat", "lan0"), ("nat", "wan0"),
                                ("server", "eth0")):
                self.assertEqual(t.mtu(node, iface), 1500, "%s %s" % (node, iface))
            self.assertIn("-A POSTROUTING -o wan0 -j MASQUERADE",
                          t.iptables("nat", "-t", "nat", "-S"))
            self.assertEqual(t.run("nat", ["cat", "/proc/sys/net/ipv4/ip_forward"]).stdout, "1\n")
            # the host's own forwarding switch is not ours to change
        self.assertNothingLeft(t)
        self.assertTrue(gone(echo.pid))

    def test_server_behind_nat(self):
        with Topology.nat(server_behind_nat=True) as t:
            self.assertEqual((t.client_addr, t.server_addr), ("203.0.113.2", "203.0.113.1"))
            r = t.ping("client", "203.0.113.1")
            self.assertTrue(r, r.detail)
            r = t.ping("client", "10.0.2.2")
            self.assertFalse(r, r.detail)
            self.assertIn("unreachable", r.detail)
            r = t.ping("server", "203.0.113.2")        # out through the NAT
            self.assertTrue(r, r.detail)
            # port 21 and the passive range reach the server; the client is seen as itself
            t.spawn_peer_echo("server", "0.0.0.0", 21)
            t.spawn_peer_echo("server", "0.0.0.0", 50042)
            t.spawn_peer_echo("server", "0.0.0.0", 22)
            r = t.tcp_request("client", "203.0.113.1", 21)
            self.assertRegex(r.detail, r"^peer=203\.0\.113\.2:\d+ local=10\.0\.2\.2:21 ")
            r = t.tcp_request("client", "203.0.113.1", 50042)
            self.assertRegex(r.detail, r"^peer=203\.0\.113\.2:\d+ local=10\.0\.2\.2:50042 ")
            r = t.tcp_request("client", "203.0.113.1", 22)   # not forwarded
            self.assertFalse(r, r.detail)
            self.assertIn("refused", r.detail)
            # what the server opens (active mode) leaves masqueraded
            t.spawn_peer_echo("client", "0.0.0.0", 40000)
            r = t.tcp_request("server", "203.0.113.2", 40000)
            self.assertRegex(r.detail, r"^peer=203\.0\.113\.1:\d+ ")
            for node, iface in (("client", "eth0"), ("nat", "wan0"), ("nat", "lan0"),
                                ("server", "eth0")):
                self.assertEqual(t.mtu(node, iface), 1500, "%s %s" % (node, iface))
        self.assertNothingLeft(t)

    def test_direct(self):
        with Topology.direct() as t:
            self.assertEqual(sorted(t.nodes), ["client", "server"])
            for a, b in (("client", "192.0.2.1"), ("server", "192.0.2.2")):
                r = t.ping(a, b)
                self.assertTrue(r, r.detail)
            r = t.ping("client", "198.51.100.2")     # nothing else is reachable
            self.assertFalse(r, r.detail)
            echo = t.spawn_peer_echo("server", "192.0.2.1", 21)
            r = t.tcp_request("client", "192.0.2.1", 21)
            self.assertRegex(r.detail, r"^peer=192\.0\.2\.2:\d+ local=192\.0\.2\.1:21 ")
            self.assertEqual(t.mtu("client", "eth0"), 1500)
            self.assertEqual(t.mtu("server", "eth0"), 1500)
        self.assertNothingLeft(t)
        self.assertTrue(gone(echo.pid))

    def test_mtu_option(self):
        with Topology.nat(mtu=1280) as t:
            for node, iface in (("client", "eth0"), ("nat", "lan0"), ("nat", "wan0"),
                                ("server", "eth0")):
                self.assertEqual(t.mtu(node, iface), 1280, "%s %s" % (node, iface))
        self.assertNothingLeft(t)

    def test_ipv6(self):
        with Topology.nat(ipv6=True) as t:
            r = t.ping("client", "2001:db8:2::2")
            self.assertTrue(r, r.detail)
            r = t.ping("server", "2001:db8:1::2")
            self.assertFalse(r, r.detail)
            t.spawn_peer_echo("server", "::", 21)
            r = t.tcp_request("client", "2001:db8:2::2", 21)
            self.assertRegex(r.detail, r"^peer=2001:db8:2::1:\d+ ")  # masqueraded
            self.assertEqual(t.addr("server", v6=True), "2001:db8:2::2")
        self.assertNothingLeft(t)

    def test_redirect_for_transparent_proxy(self):
        """What ftplab-proxy will stand on: port 21 from the inside is
        redirected to a local port of the NAT namespace, SO_ORIGINAL_DST
        gives the real server, and the proxy's own connection to the
        server is not redirected."""
        with Topology.nat() as t:
            t.spawn_peer_echo("server", "0.0.0.0", 21)
            r = t.tcp_request("client", "198.51.100.2", 21)
            self.assertRegex(r.detail, r"local=198\.51\.100\.2:21 ")   # before: the server
            rule = t.redirect(port=21, to_port=2121)
            self.assertEqual(rule, ["-t", "nat", "-A", "PREROUTING", "-i", "lan0", "-p", "tcp",
                                    "--dport", "21", "-j", "REDIRECT", "--to-ports", "2121"])
            t.spawn_peer_echo("nat", "0.0.0.0", 2121)
            r = t.tcp_request("client", "198.51.100.2", 21)
            self.assertTrue(r, r.detail)
            self.assertRegex(r.detail, r"^peer=10\.0\.1\.2:\d+ local=10\.0\.1\.1:2121 "
                                       r"orig=198\.51\.100\.2:21$")
            r = t.tcp_request("nat", "198.51.100.2", 21)               # the proxy's side
            self.assertRegex(r.detail, r"^peer=198\.51\.100\.1:\d+ local=198\.51\.100\.2:21 ")
        self.assertNothingLeft(t)

    def test_ftp_alg_rule(self):
        ok, why = topo.ftp_alg_status()
        if not ok:
            self.skipTest("kernel FTP ALG not available: " + why)
        with Topology.nat() as t:
            t.enable_ftp_alg()
            self.assertIn("-A PREROUTING -p tcp -m tcp --dport 21 -j CT --helper ftp",
                          t.iptables("nat", "-t", "raw", "-S"))
        self.assertNothingLeft(t)


class Cleanup(TopoCase):
    def test_leftovers_sees_a_live_topology(self):
        t = Topology.nat()
        try:
            p = self.sleeper(t, "server")
            left = topo.leftovers(t.prefix)
            self.assertEqual(left.namespaces, sorted(t.nodes.values()))
            self.assertIn(p.pid, left.pids)
            self.assertTrue(left)
        finally:
            t.close()
        self.assertNothingLeft(t)
        self.assertFalse(os.path.exists(t.tmp))

    def test_close_stops_everything(self):
        t = Topology.nat()
        procs = [self.sleeper(t, n) for n in ("client", "nat", "server")]
        cap = t.capture("nat", "wan0")
        # a stray the topology did not start: detached, only findable by namespace
        t.run("server", ["sh", "-c", "setsid sleep 61 >/dev/null 2>&1 < /dev/null &"],
              check=True, timeout=10)
        strays = [p for p in t.pids() if p not in [x.pid for x in procs + [cap]]]
        self.assertEqual(len(strays), 1, strays)
        t.close()
        t.close()  # idempotent
        self.assertNothingLeft(t)
        for p in procs + [cap]:
            self.assertIsNotNone(p.returncode)
        self.assertTrue(gone(strays[0]), "the stray sleep was killed")

    def test_cleanup_after_exception(self):
        with self.assertRaises(ZeroDivisionError):
            with Topology.nat(server_behind_nat=True) as t:
                p = self.sleeper(t, "nat")
                1 / 0
        self.assertNothingLeft(t)
        self.assertTrue(gone(p.pid))

    def test_failed_build_cleans_up(self):
        t = Topology()
        try:
            t.add_node("a")
            with self.assertRaises(topo.TopologyError):
                t.add_link("a", "eth0", "a", "eth0")  # the same name twice in one namespace
        finally:
            t.close()
        self.assertNothingLeft(t)

    def test_prefix_collision_refused(self):
        with Topology.direct() as t:
            with self.assertRaises(topo.TopologyError):
                Topology(prefix=t.prefix)
        self.assertNothingLeft(t)

    # SIGINT as in an interactive run (a shell's `&` starts us with it ignored)
    CHILD = textwrap.dedent("""
        import os, signal, sys, time
        signal.signal(signal.SIGINT, signal.default_int_handler)
        sys.path.insert(0, sys.argv[1])
        import topo
        t = topo.Topology.nat(prefix="ftplabtest-%d-1" % os.getpid())
        p = t.popen("server", ["sleep", "60"])
        print("READY %s %d" % (t.prefix, p.pid), flush=True)
        with t:
            time.sleep(60)
    """)

    def child(self):
        """A process that builds a topology and waits: (Popen, prefix, pid of its sleeper)."""
        c = subprocess.Popen([sys.executable, "-c", self.CHILD, HERE], stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True, preexec_fn=topo._pdeathsig)
        self.addCleanup(self._reap, c)
        line = ""
        end = time.monotonic() + 20
        while time.monotonic() < end and not line.startswith("READY"):
            line = c.stdout.readline()
            if not line and c.poll() is not None:
                break
        if not line.startswith("READY"):
            c.kill()
            self.fail("child: %r %s" % (line, c.stderr.read()))
        _, prefix, pid = line.split()
        self.addCleanup(self._force_clean, prefix)
        self.assertTrue(topo.leftovers(prefix).namespaces)
        return c, prefix, int(pid)

    @staticmethod
    def _reap(c):
        if c.poll() is None:
            c.kill()
            c.wait(timeout=10)
        c.stdout.close()
        c.stderr.close()

    @staticmethod
    def _force_clean(prefix):
        for n in topo.netns_list():
            if n.startswith(prefix + "-"):
                topo._kill_pids(topo.netns_pids(n))
                subprocess.run([topo.IP, "netns", "del", n], timeout=10)

    def test_sigterm_cleans_up(self):
        c, prefix, pid = self.child()
        c.send_signal(signal.SIGTERM)
        self.assertEqual(c.wait(timeout=15), -signal.SIGTERM)  # still dies of the signal
        self.assertFalse(topo.leftovers(prefix), topo.leftovers(prefix).describe())
        self.assertTrue(gone(pid))

    def test_sigint_cleans_up(self):
        c, prefix, pid = self.child()
        c.send_signal(signal.SIGINT)
        rc = c.wait(timeout=15)
        self.assertIn("KeyboardInterrupt", c.stderr.read())
        self.assertNotEqual(rc, 0)
        self.assertFalse(topo.leftovers(prefix), topo.leftovers(prefix).describe())
        self.assertTrue(gone(pid))

    def test_sigkill_then_sweep(self):
        """SIGKILL cannot be caught: PDEATHSIG takes the processes along,
        the namespaces stay until sweep_stale() removes them."""
        c, prefix, pid = self.child()
        c.kill()
        c.wait(timeout=15)
        self.assertTrue(gone(pid), "the child's sleeper dies with it (PR_SET_PDEATHSIG)")
        stale = topo.leftovers(prefix)
        self.assertEqual(stale.pids, [])
        self.assertEqual(len(stale.namespaces), 3, "the namespaces survive SIGKILL")
        # (the child's prefix is not "ftplab-<pid>-", and this sweep takes only
        # the child's, so that runs in parallel leave each other alone)
        removed = topo.sweep_stale(re.compile(r"^ftplabtest-(%d)-" % c.pid))
        self.assertEqual(sorted(removed), stale.namespaces)
        self.assertFalse(topo.leftovers(prefix), topo.leftovers(prefix).describe())
        # a namespace of a live process is never swept
        with Topology.direct() as t:
            self.assertEqual([n for n in topo.sweep_stale() if n.startswith(t.prefix)], [])
            self.assertEqual(topo.sweep_stale(re.compile(r"^(?:ftplab|ftplabtest)-(%d)-"
                                                         % os.getpid())), [])
            self.assertEqual(len(topo.leftovers(t.prefix).namespaces), 2)


if __name__ == "__main__":
    topo.test_main()
