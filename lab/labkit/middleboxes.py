"""What a phase puts between client and server: the kernel's FTP helper,
ftplab-proxy (transparent or reverse), firewall rules, a slow link (tc
netem). Each is a Middlebox: setup(lab) before the phase's captures start,
teardown(lab) after the phase (not after the last phase with --keep).

A new kind is a subclass with setup(lab); self.rule(lab, node, ...) adds an
iptables rule and self.spawn(lab, ...) starts a process, both undone by the
default teardown(); lab.ran(who, what) records what the student should
know ran ("what ran" in the output)."""
import os

import topo  # tests/netns/topo.py (labkit/__init__.py puts it on sys.path)


class Middlebox:
    def requires(self, lab):
        """None, or why this machine cannot run it (lab.py then skips, exit 77)."""
        return None

    def setup(self, lab):
        raise NotImplementedError

    def teardown(self, lab):
        for proc in reversed(getattr(self, "_procs", [])):
            lab.t.stop(proc)
        for node, ip6, args in reversed(getattr(self, "_rules", [])):
            undo = list(args)
            i = next(i for i, a in enumerate(undo) if a in ("-A", "-I"))
            if undo[i] == "-I" and i + 2 < len(undo) and undo[i + 2].isdigit():
                del undo[i + 2]            # -I CHAIN N: the position is not part of the rule
            undo[i] = "-D"
            try:
                (lab.t.ip6tables if ip6 else lab.t.iptables)(node, *undo)
            except topo.TopologyError:
                pass
        self._procs, self._rules = [], []

    # -- helpers for subclasses
    def rule(self, lab, node, *args, ip6=False):
        """iptables (ip6tables) ARGS in node, with -A or -I; removed by teardown()."""
        args = [str(a) for a in args]
        (lab.t.ip6tables if ip6 else lab.t.iptables)(node, *args)
        self.__dict__.setdefault("_rules", []).append((node, ip6, args))
        return args

    def spawn(self, lab, node, argv, wait_port=None, log=None):
        proc = lab.spawn(node, argv, wait_port=wait_port, log=log)
        self.__dict__.setdefault("_procs", []).append(proc)
        return proc


class KernelAlg(Middlebox):
    """The kernel's FTP helper (nf_conntrack_ftp + nf_nat_ftp) attached to
    TCP port `port` in `node` with the CT target (Linux >= 6.0 attaches no
    helper by itself):
        iptables -t raw -A PREROUTING -p tcp --dport 21 -j CT --helper ftp"""

    def __init__(self, node="nat", port=21):
        self.node, self.port = node, port

    def requires(self, lab):
        ok, why = topo.ftp_alg_status()
        return None if ok else "the kernel has no FTP ALG here: " + why

    def setup(self, lab):
        args = self.rule(lab, self.node, "-t", "raw", "-A", "PREROUTING", "-p", "tcp",
                         "--dport", self.port, "-j", "CT", "--helper", "ftp")
        lab.ran(self.node, "iptables " + " ".join(args),
                "the kernel FTP ALG follows the control connection, rewrites "
                "PORT/EPRT/227/229 and lets the data connection in as RELATED; "
                + topo.ftp_alg_status()[1])


class TransparentProxy(Middlebox):
    """ftplab-proxy --transparent on the NAT box: the client's connections to
    port 21 (and to the proxy's data ports, for passive mode) are redirected
    to it; it rewrites PORT/EPRT/PASV/EPSV and relays the data.
        iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 21 -j REDIRECT --to-ports 2121
        iptables -t nat -A PREROUTING -i lan0 -p tcp --dport 40000:40999 -j REDIRECT
        ftplab-proxy --transparent -l 0.0.0.0:2121 --data-ports 40000-40999 -v"""

    def __init__(self, node="nat", in_iface="lan0", port=2121, data_ports=(40000, 40999),
                 args=()):
        self.node, self.in_iface, self.port = node, in_iface, port
        self.data_ports, self.args = data_ports, list(args)

    def requires(self, lab):
        p = lab.bin("ftplab-proxy")
        return None if os.access(p, os.X_OK) else "no executable %s (./ftplab build)" % p

    def setup(self, lab):
        r1 = self.rule(lab, self.node, "-t", "nat", "-A", "PREROUTING", "-i", self.in_iface,
                       "-p", "tcp", "--dport", 21, "-j", "REDIRECT", "--to-ports", self.port)
        r2 = self.rule(lab, self.node, "-t", "nat", "-A", "PREROUTING", "-i", self.in_iface,
                       "-p", "tcp", "--dport", "%d:%d" % tuple(self.data_ports), "-j", "REDIRECT")
        args = ["--transparent", "-l", "0.0.0.0:%d" % self.port,
                "--data-ports", "%d-%d" % tuple(self.data_ports), "-v"] + self.args
        self.spawn(lab, self.node, [lab.bin("ftplab-proxy")] + args, wait_port=self.port,
                   log="%sproxy.log" % lab.phase_prefix)
        lab.ran(self.node, "iptables " + " ".join(r1), "the client's control connection "
                "goes to the proxy instead of through the NAT")
        lab.ran(self.node, "iptables " + " ".join(r2), "and its passive-mode data "
                "connections to the proxy's data ports")
        lab.ran(self.node, "ftplab-proxy " + " ".join(args),
                "log: %sproxy.log, every rewrite (-v): C>P client to proxy, P>S proxy "
                "to server" % lab.phase_prefix)


class ReverseProxy(Middlebox):
    """ftplab-proxy in front of a server (--upstream), listening on `listen`
    (e.g. "@nat_public:2121"); clients dial that address."""

    def __init__(self, listen, upstream="@server_own:21", node="nat", data_ports=(40000, 40999),
                 args=()):
        self.listen, self.upstream, self.node = listen, upstream, node
        self.data_ports, self.args = data_ports, list(args)

    def requires(self, lab):
        p = lab.bin("ftplab-proxy")
        return None if os.access(p, os.X_OK) else "no executable %s (./ftplab build)" % p

    def setup(self, lab):
        listen = lab.resolve(self.listen)
        args = ["--upstream", lab.resolve(self.upstream), "-l", listen,
                "--data-ports", "%d-%d" % tuple(self.data_ports), "-v"] + self.args
        self.spawn(lab, self.node, [lab.bin("ftplab-proxy")] + args,
                   wait_port=int(listen.rsplit(":", 1)[1]), log="%sproxy.log" % lab.phase_prefix)
        lab.ran(self.node, "ftplab-proxy " + " ".join(args),
                "log: %sproxy.log, every rewrite (-v)" % lab.phase_prefix)


class Firewall(Middlebox):
    """iptables rules in node, e.g.
        Firewall("fw", ["-A", "FORWARD", "-p", "tcp", "--dport", "21", "-j", "ACCEPT"], ...)
    each rule a list of iptables arguments (with -A or -I; "@name" is replaced
    by the layout's address); ip6=True for ip6tables."""

    def __init__(self, node, *rules, ip6=False, why=""):
        self.node, self.rules, self.ip6, self.why = node, [list(r) for r in rules], ip6, why

    def setup(self, lab):
        for r in self.rules:
            args = self.rule(lab, self.node, *[lab.resolve(str(a)) for a in r], ip6=self.ip6)
            lab.ran(self.node, "%s %s" % ("ip6tables" if self.ip6 else "iptables",
                                          " ".join(args)), self.why)


class Netem(Middlebox):
    """A slow or lossy link: tc qdisc add dev IFACE root netem SPEC in node,
    e.g. Netem("nat", "wan0", "delay 50ms rate 2mbit")."""

    def __init__(self, node, iface, spec, why=""):
        self.node, self.iface, self.spec, self.why = node, iface, spec, why

    def requires(self, lab):
        return None if topo._which("tc") else "no tc command (iproute2)"

    def setup(self, lab):
        argv = ["tc", "qdisc", "add", "dev", self.iface, "root", "netem"] + self.spec.split()
        lab.t.run(self.node, argv, check=True)
        lab.ran(self.node, " ".join(argv), self.why)

    def teardown(self, lab):
        lab.t.run(self.node, ["tc", "qdisc", "del", "dev", self.iface, "root"])
        super().teardown(lab)
