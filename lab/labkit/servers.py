"""The FTP servers a scenario can run (--server): ftplab-server and vsftpd,
both configured from one ServerSetup so that a scenario says what it needs
(files, anonymous access, passive ports, the address to announce) and not
how each server spells it."""
import dataclasses
import hashlib
import os

DEFAULT_FILES = {
    "data.bin": 1 << 20,   # 1 MiB of random bytes: the file the transfers fetch
    "hello.txt": "Hello from the ftplab lab.\nThis file came over an FTP data connection.\n",
}


@dataclasses.dataclass
class ServerSetup:
    """What the server serves and how; addresses may be "@name" (layout vars).

    files         {name: size in bytes (random content) or str/bytes content}
    anonymous     "ro" or "rw" (rw also gives an incoming/ folder anyone may write)
    pasv_ports    (first, last) passive-mode ports
    pasv_address  the address to announce in 227 replies (None: the server's own)
    allow_fxp     accept PORT/EPRT naming another address than the client's
    listen        the address to listen on (default "@server_own"), port
    ftplab_args   extra ftplab-server options (a scenario using them should
                  run with servers=("ftplab",) or give vsftpd_conf the same)
    vsftpd_conf   extra vsftpd.conf settings
    """
    files: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_FILES))
    anonymous: str = "ro"
    pasv_ports: tuple = (50000, 50099)
    pasv_address: str = None
    allow_fxp: bool = False
    listen: str = "@server_own"
    port: int = 21
    ftplab_args: tuple = ()
    vsftpd_conf: dict = dataclasses.field(default_factory=dict)


def make_root(lab, setup):
    """The folder served as "/", readable by vsftpd's user ftp; returns
    (path, {name: sha256})."""
    os.chmod(lab.t.tmp, 0o755)
    root = os.path.join(lab.t.tmp, "root")
    os.makedirs(root, exist_ok=True)
    os.chmod(root, 0o755)
    sums = {}
    for name, content in setup.files.items():
        path = os.path.join(root, name)
        if isinstance(content, int):
            data = os.urandom(content)
        else:
            data = content.encode() if isinstance(content, str) else content
        with open(path, "wb") as f:
            f.write(data)
        os.chmod(path, 0o644)
        sums[name] = hashlib.sha256(data).hexdigest()
    if setup.anonymous == "rw":
        inc = os.path.join(root, "incoming")
        os.makedirs(inc, exist_ok=True)
        os.chmod(inc, 0o777)
    return root, sums


class FtplabServer:
    name = "ftplab"
    program = "ftplab-server"

    def requires(self, lab):
        path = lab.bin("ftplab-server")
        if not os.access(path, os.X_OK):
            return "no executable %s (./ftplab build)" % path
        return None

    def start(self, lab, setup, root):
        addr = lab.resolve(setup.listen)
        listen = "[%s]:%d" % (addr, setup.port) if ":" in addr else "%s:%d" % (addr, setup.port)
        args = ["--anonymous=" + setup.anonymous, "-r", root, "-l", listen, "-v",
                "--pasv-ports", "%d-%d" % tuple(setup.pasv_ports)]
        if setup.pasv_address:
            args += ["--pasv-address", lab.resolve(setup.pasv_address)]
        if setup.allow_fxp:
            args.append("--allow-fxp")
        args += list(setup.ftplab_args)
        log = lab.server_log_name()
        proc = lab.spawn("server", [lab.bin("ftplab-server")] + args, wait_port=setup.port,
                         log=log)
        lab.ran("server", "ftplab-server " + " ".join(args), "log: %s, every "
                "command and reply as the server saw them (-v)" % log)
        return proc


class VsftpdServer:
    name = "vsftpd"
    program = "vsftpd"
    BIN = "/usr/sbin/vsftpd"

    def requires(self, lab):
        if not os.access(self.BIN, os.X_OK):
            return "vsftpd is not installed (%s; ./ftplab setup installs it)" % self.BIN
        return None

    def start(self, lab, setup, root):
        addr = lab.resolve(setup.listen)
        empty = os.path.join(lab.t.tmp, "vsftpd-empty")   # secure_chroot_dir: empty, root's
        os.makedirs(empty, 0o755, exist_ok=True)
        log = lab.out_path(lab.server_log_name())
        v6 = ":" in addr
        conf = {
            "listen": "NO" if v6 else "YES", "listen_ipv6": "YES" if v6 else "NO",
            ("listen_address6" if v6 else "listen_address"): addr,
            "listen_port": str(setup.port), "background": "NO",
            "anonymous_enable": "YES", "local_enable": "NO", "anon_root": root,
            "no_anon_password": "YES", "write_enable": "YES" if setup.anonymous == "rw" else "NO",
            "anon_upload_enable": "YES" if setup.anonymous == "rw" else "NO",
            "anon_mkdir_write_enable": "NO", "anon_umask": "022",
            "pasv_enable": "YES", "pasv_min_port": str(setup.pasv_ports[0]),
            "pasv_max_port": str(setup.pasv_ports[1]), "port_enable": "YES",
            # (YES: a PORT to an unreachable address ends in "500 OOPS: vsf_sysutil_bind")
            "connect_from_port_20": "NO",
            "seccomp_sandbox": "NO", "isolate": "NO", "isolate_network": "NO",
            "secure_chroot_dir": empty, "use_localtime": "NO",
            "xferlog_enable": "YES", "xferlog_std_format": "NO", "log_ftp_protocol": "YES",
            "vsftpd_log_file": log, "dual_log_enable": "NO", "syslog_enable": "NO",
        }
        if setup.pasv_address:
            conf["pasv_address"] = lab.resolve(setup.pasv_address)
            conf["pasv_addr_resolve"] = "NO"
        if setup.allow_fxp:
            conf["port_promiscuous"] = "YES"
        conf.update(setup.vsftpd_conf)
        path = os.path.join(lab.t.tmp, "vsftpd.conf")
        with open(path, "w") as f:
            f.write("".join("%s=%s\n" % kv for kv in conf.items()))
        proc = lab.spawn("server", [self.BIN, path], wait_port=setup.port,
                         log=lab.server_log_name("server-stderr.log"))
        shown = ", ".join("%s=%s" % (k, conf[k]) for k in (
            "listen_address6" if ":" in addr else "listen_address", "pasv_min_port",
            "pasv_max_port", "port_enable") + (("pasv_address",) if setup.pasv_address else ())
            + (("port_promiscuous",) if setup.allow_fxp else ()))
        lab.ran("server", "vsftpd %s (%s)" % (path, shown),
                "log: %s, every command and reply (log_ftp_protocol)" % os.path.basename(log))
        return proc


SERVERS = {"ftplab": FtplabServer, "vsftpd": VsftpdServer}
