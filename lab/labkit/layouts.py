"""The topologies scenarios name: "direct", "nat", "server-nat", each built
by tests/netns/topo.py, plus what the lab needs to know about them: the
chain of nodes from client to server (for the drawing), where to capture,
and the named addresses scenarios use as "@name" (e.g. "@nat_public").

A custom layout is a Layout(name, build, chain, captures, vars, notes):
build(prefix, persist, **options) returns a topo.Topology whose namespaces
are "<prefix>-<node>"; vars(t) returns {name: address} and must give at
least "client" (the client's own address), "server" (what the client dials)
and "server_own" (the address the server listens on)."""
import dataclasses

import topo  # tests/netns/topo.py (labkit/__init__.py puts it on sys.path)


@dataclasses.dataclass
class Layout:
    name: str
    build: object           # build(prefix, persist, **options) -> topo.Topology
    chain: list             # [(node, iface toward the client, iface toward the server)]
                            # (None where there is none: the client's left, the server's right)
    captures: dict          # {label: (node, iface)}, client side first
    vars: object            # vars(t) -> {"client": ..., "server": ..., "server_own": ..., ...}
    notes: tuple = ()       # lines describing the middle nodes, shown under the drawing


def _direct_vars(t):
    v = {"client": "192.0.2.2", "server": "192.0.2.1", "server_own": "192.0.2.1"}
    if any(":" in c for cs in t.addrs.values() for c in cs):
        v.update(client6="2001:db8:5::2", server6="2001:db8:5::1")
    return v


def _nat_vars(t):
    v = {"client": "10.0.1.2", "nat_inside": "10.0.1.1", "nat_public": "198.51.100.1",
         "server": "198.51.100.2", "server_own": "198.51.100.2"}
    if any(":" in c for cs in t.addrs.values() for c in cs):
        v.update(client6="2001:db8:1::2", nat_inside6="2001:db8:1::1",
                 nat_public6="2001:db8:2::1", server6="2001:db8:2::2")
    return v


def _server_nat_vars(t):
    v = {"client": "203.0.113.2", "nat_public": "203.0.113.1", "server": "203.0.113.1",
         "nat_inside": "10.0.2.1", "server_own": "10.0.2.2"}
    if any(":" in c for cs in t.addrs.values() for c in cs):
        v.update(client6="2001:db8:4::2", nat_public6="2001:db8:4::1", server6="2001:db8:4::1",
                 nat_inside6="2001:db8:3::1", server_own6="2001:db8:3::2")
    return v


LAYOUTS = {
    "direct": Layout(
        "direct",
        lambda prefix, persist, **o: topo.Topology.direct(prefix=prefix, persist=persist, **o),
        [("client", None, "eth0"), ("server", "eth0", None)],
        {"wire": ("client", "eth0")},
        _direct_vars,
        ("one link, no NAT, no firewall: every packet goes as it was sent",)),
    "nat": Layout(
        "nat",
        lambda prefix, persist, **o: topo.Topology.nat(prefix=prefix, persist=persist, **o),
        [("client", None, "eth0"), ("nat", "lan0", "wan0"), ("server", "eth0", None)],
        {"inside": ("nat", "lan0"), "outside": ("nat", "wan0")},
        _nat_vars,
        ("nat: a home router: forwards, masquerades what leaves wan0 as 198.51.100.1,",
         "     drops new connections from wan0 to lan0 (only replies and RELATED pass)",
         "client: default route via 10.0.1.1; server: no route to 10.0.0.0/8")),
    "server-nat": Layout(
        "server-nat",
        lambda prefix, persist, **o: topo.Topology.nat(prefix=prefix, persist=persist,
                                                       server_behind_nat=True, **o),
        [("client", None, "eth0"), ("nat", "wan0", "lan0"), ("server", "eth0", None)],
        {"outside": ("nat", "wan0"), "inside": ("nat", "lan0")},
        _server_nat_vars,
        ("nat: forwards TCP 21 and 50000-50099 arriving on wan0 (203.0.113.1) to the",
         "     server 10.0.2.2 (DNAT), masquerades what the server sends out",
         "server: default route via 10.0.2.1; clients dial 203.0.113.1")),
}


# ---------------------------------------------------------------- more layouts

def _build_firewall(prefix, persist, pasv_ports=(50000, 50099)):
    """client 192.0.2.2/24 eth0 -- wan0 192.0.2.1 [fw] lan0 198.51.100.1/24 -- eth0
    198.51.100.2/24 server: a router without NAT whose FORWARD policy is DROP,
    with two rules: ESTABLISHED,RELATED pass, and new connections from wan0 to
    the server's TCP port 21. Nothing else, so no data connection either way."""
    t = topo.Topology(prefix, persist=persist)
    try:
        t.layout = "firewall"
        for n in ("client", "fw", "server"):
            t.add_node(n)
        t.add_link("client", "eth0", "fw", "wan0")
        t.add_link("fw", "lan0", "server", "eth0")
        t.add_addr("client", "eth0", "192.0.2.2/24")
        t.add_addr("fw", "wan0", "192.0.2.1/24")
        t.add_addr("fw", "lan0", "198.51.100.1/24")
        t.add_addr("server", "eth0", "198.51.100.2/24")
        t.add_route("client", "default", "192.0.2.1")
        t.add_route("server", "default", "198.51.100.1")
        t.sysctl("fw", "net/ipv4/ip_forward", 1)
        t.iptables("fw", "-P", "FORWARD", "DROP")
        t.iptables("fw", "-A", "FORWARD", "-m", "conntrack", "--ctstate",
                   "ESTABLISHED,RELATED", "-j", "ACCEPT")
        t.iptables("fw", "-A", "FORWARD", "-i", "wan0", "-o", "lan0", "-p", "tcp",
                   "--dport", "21", "-m", "conntrack", "--ctstate", "NEW", "-j", "ACCEPT")
        t.client_addr, t.server_addr = "192.0.2.2", "198.51.100.2"
        t.inside_if, t.outside_if = "lan0", "wan0"
        t.pasv_ports = tuple(pasv_ports)
    except BaseException:
        t.close(verify=False)
        raise
    return t


def _firewall_vars(t):
    return {"client": "192.0.2.2", "fw_outside": "192.0.2.1", "fw_inside": "198.51.100.1",
            "server": "198.51.100.2", "server_own": "198.51.100.2"}


def _build_ipv6_proxy(prefix, persist):
    """client 2001:db8:1::2/64 (IPv6 only) eth0 -- lan0 2001:db8:1::1 [proxy] wan0
    198.51.100.1/24 -- eth0 198.51.100.2/24 server (IPv4 only: IPv6 disabled).
    The proxy node does not route (no forwarding): only a program on it, such
    as ftplab-proxy, joins the two networks."""
    t = topo.Topology(prefix, persist=persist)
    try:
        t.layout = "ipv6-proxy"
        for n in ("client", "proxy", "server"):
            t.add_node(n)
        for key in ("all", "default"):
            t.sysctl("server", "net/ipv6/conf/%s/disable_ipv6" % key, 1)
        t.add_link("client", "eth0", "proxy", "lan0")
        t.add_link("proxy", "wan0", "server", "eth0")
        t.sysctl("server", "net/ipv6/conf/eth0/disable_ipv6", 1)
        t.add_addr("client", "eth0", "2001:db8:1::2/64")
        t.add_addr("proxy", "lan0", "2001:db8:1::1/64")
        t.add_addr("proxy", "wan0", "198.51.100.1/24")
        t.add_addr("server", "eth0", "198.51.100.2/24")
        t.client_addr, t.server_addr = "2001:db8:1::2", "2001:db8:1::1"
        t.inside_if, t.outside_if = "lan0", "wan0"
    except BaseException:
        t.close(verify=False)
        raise
    return t


def _ipv6_proxy_vars(t):
    return {"client": "2001:db8:1::2", "proxy6": "2001:db8:1::1", "proxy4": "198.51.100.1",
            "server": "2001:db8:1::1", "server_own": "198.51.100.2"}


LAYOUTS["firewall"] = Layout(
    "firewall",
    lambda prefix, persist, **o: _build_firewall(prefix, persist, **o),
    [("client", None, "eth0"), ("fw", "wan0", "lan0"), ("server", "eth0", None)],
    {"outside": ("fw", "wan0"), "inside": ("fw", "lan0")},
    _firewall_vars,
    ("fw: a router, no NAT; iptables FORWARD policy DROP, and two rules:",
     "    -m conntrack --ctstate ESTABLISHED,RELATED -j ACCEPT",
     "    -i wan0 -o lan0 -p tcp --dport 21 -m conntrack --ctstate NEW -j ACCEPT",
     "client: default route via 192.0.2.1; server: default route via 198.51.100.1"))

LAYOUTS["ipv6-proxy"] = Layout(
    "ipv6-proxy",
    lambda prefix, persist, **o: _build_ipv6_proxy(prefix, persist, **o),
    [("client", None, "eth0"), ("proxy", "lan0", "wan0"), ("server", "eth0", None)],
    {"ipv6": ("proxy", "lan0"), "ipv4": ("proxy", "wan0")},
    _ipv6_proxy_vars,
    ("client: IPv6 only; server: IPv4 only (IPv6 disabled in its namespace)",
     "proxy: dual-stack, does not route (no forwarding): the two sides share no",
     "       protocol, only a program on the proxy node can join them"))


# ---------------------------------------------------------------- drawing

GAP = 6   # the link between two boxes: "+------+"


def draw(layout, addrs, captures):
    """An ASCII drawing of layout's chain, with each interface's addresses
    (addrs: {(node, iface): [cidr]}) and a ^ under each capture point."""
    boxes = []
    for node, left, right in layout.chain:
        lcol = [left] + list(addrs.get((node, left), [])) if left else []
        rcol = [right] + list(addrs.get((node, right), [])) if right else []
        rows = max(len(lcol), len(rcol), 1)
        lcol += [""] * (rows - len(lcol))
        rcol += [""] * (rows - len(rcol))
        inner = max([len(node)] + [len(a) + len(b) + (3 if a and b else 0)
                                   for a, b in zip(lcol, rcol)]) + 2
        lines = [node.center(inner)]
        for a, b in zip(lcol, rcol):
            lines.append(" " + a + " " * (inner - 2 - len(a) - len(b)) + b + " ")
        boxes.append((node, left, right, inner, lines))
    height = max(len(b[4]) for b in boxes)
    rows = [""] * (height + 2)
    starts = {}
    col = 1
    for i, (node, left, right, inner, lines) in enumerate(boxes):
        starts[node] = (col, col + inner + 1)
        lines = lines + [" " * inner] * (height - len(lines))
        pad = lambda s: s if len(s) >= col else s + " " * (col - len(s))  # noqa: E731
        rows[0] = pad(rows[0]) + "+" + "-" * inner + "+"
        for r, text in enumerate(lines, 1):
            lft = "+" if (r == 2 and left) else "|"
            rgt = "+" if (r == 2 and right) else "|"
            rows[r] = pad(rows[r]) + lft + text + rgt
            if r == 2 and right and i + 1 < len(boxes):
                rows[r] += "-" * GAP
        rows[height + 1] = pad(rows[height + 1]) + "+" + "-" * inner + "+"
        col += inner + 2 + GAP
    marks = []
    for label, (node, iface) in captures.items():
        if node not in starts:
            continue
        chain = {n: (lf, rt) for n, lf, rt in layout.chain}
        lo, hi = starts[node]
        at = lo if iface == chain[node][0] else hi if iface == chain[node][1] else (lo + hi) // 2
        marks.append((at, "^ capture %s (%s:%s)" % (label, node, iface)))
    lines = [r.rstrip() for r in rows]
    while marks:
        line, rest, end = "", [], -1
        for at, text in sorted(marks):
            if at > end:
                line += " " * (at - len(line)) + text
                end = len(line) + 1
            else:
                rest.append((at, text))
        lines.append(line)
        marks = rest
    return "\n".join(lines)
