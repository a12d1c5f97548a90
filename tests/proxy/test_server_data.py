#!/usr/bin/env python3
"""--server-data: the proxy converts between the client's data mode and the
one it uses toward the server. For each of same, passive, epsv, active and
eprt, curl in each of its four modes (EPSV, PASV, EPRT, PORT) downloads a
file byte for byte; the client sees the reply of its own kind (229, 227,
200) while the server's -v log shows the command the proxy actually sent
(passive->PASV, epsv->EPSV, active->PORT, eprt->EPRT, same->the client's).

    python3 tests/proxy/test_server_data.py BIN_DIR
"""
import os
import shutil
import tempfile

import proxylib
from proxylib import ProxyTestCase, curl, reply_to, server_commands

# client mode: curl options, the verb curl sends, the reply it must get
CLIENT = {
    "EPSV": ([], 229),
    "PASV": (["--disable-epsv"], 227),
    "EPRT": (["-P", "-"], 200),
    "PORT": (["-P", "-", "--disable-eprt"], 200),
}
# --server-data mode -> the verb the server must see (None: the client's own)
SERVER_DATA = {"same": None, "passive": "PASV", "epsv": "EPSV", "active": "PORT", "eprt": "EPRT"}
DATA_VERBS = ("PASV", "EPSV", "PORT", "EPRT", "LPRT", "LPSV")


class ServerDataTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-v"])
        cls.data = os.urandom(300000)
        cls.srv.write("f.bin", cls.data)
        cls.proxies = {}
        for mode in SERVER_DATA:
            cls.proxies[mode] = cls.make_class_proxy(
                ["--server-data", mode], upstream="127.0.0.1:%d" % cls.srv.port)
        cls.local = tempfile.mkdtemp(prefix="ftplab-proxy-sd-")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)

    def run_mode(self, mode):
        proxy = self.proxies[mode]
        self.assertIn("server data connections: %s" % mode, proxy.log())
        for verb, (opts, code) in CLIENT.items():
            with self.subTest(client=verb):
                want = SERVER_DATA[mode] or verb
                out = os.path.join(self.local, "%s-%s.bin" % (mode, verb))
                slog, plog = len(self.srv.log()), len(proxy.log())
                r = curl(*opts, "-o", out, proxy.url("f.bin"))
                self.assertCurlOk(r)
                with open(out, "rb") as f:
                    self.assertTrue(f.read() == self.data, "download differs")
                # the client: its own command and its own kind of reply
                got = reply_to(r.stderr, verb)
                self.assertTrue(got.startswith("%d " % code), "%s answered %r" % (verb, got))
                if verb == "EPSV":
                    self.assertRegex(got, r"\(\|\|\|\d+\|\)")
                elif verb == "PASV":
                    self.assertRegex(got, r"\(127,0,0,1,\d+,\d+\)")
                else:
                    self.assertEqual(got, "200 %s command successful." % verb)
                # the server: exactly one data command, the converted one
                seen = [c for _, c in server_commands(self.srv.log()[slog:])
                        if c.split()[0] in DATA_VERBS]
                self.assertEqual(len(seen), 1, seen)
                self.assertEqual(seen[0].split()[0], want, seen)
                if want == "PORT":
                    self.assertRegex(seen[0], r"^PORT 127,0,0,1,\d+,\d+$")
                elif want == "EPRT":
                    self.assertRegex(seen[0], r"^EPRT \|1\|127\.0\.0\.1\|\d+\|$")
                else:
                    self.assertEqual(seen[0], want)
                # the proxy's transcript says both
                m = proxy.wait_log(r"#(\d+) C>P %s\b.* \| P>S %s\b" % (verb, want),
                                   start=plog)
                self.assertIsNotNone(m, "no transcript line C>P %s | P>S %s" % (verb, want))
                m = proxy.wait_log(r"#%s data-close: data connection closed: 0 bytes "
                                   r"client->server, %d bytes server->client"
                                   % (m.group(1), len(self.data)), start=plog)
                self.assertIsNotNone(m, "no data-close with the file's size")

    def test_same(self):
        self.run_mode("same")

    def test_passive(self):
        self.run_mode("passive")

    def test_epsv(self):
        self.run_mode("epsv")

    def test_active(self):
        self.run_mode("active")

    def test_eprt(self):
        self.run_mode("eprt")

    def test_refusal_after_conversion(self):
        """A refused upload (read-only server) after a converted data setup:
        the client gets the server's own 55x."""
        src = os.path.join(self.local, "up.bin")
        with open(src, "wb") as f:
            f.write(os.urandom(123457))
        for mode, opts in (("active", []), ("passive", ["-P", "-"])):
            # the server is read-only: the upload is refused (550/553) after
            # the data setup, and the client sees the server's refusal
            slog = len(self.srv.log())
            r = curl(*opts, "-T", src, self.proxies[mode].url("up-%s.bin" % mode))
            self.assertNotEqual(r.returncode, 0)
            self.assertRegex(r.stderr, r"(?m)^< 55\d ")
            self.assertIn("STOR up-%s.bin" % mode,
                          [c for _, c in server_commands(self.srv.log()[slog:])])


class ServerDataUploadTest(ProxyTestCase):
    """Uploads with conversion, byte for byte, on a read-write server."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw", "-v"])
        cls.local = tempfile.mkdtemp(prefix="ftplab-proxy-sdu-")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)
        cls.src = os.path.join(cls.local, "up.bin")
        with open(cls.src, "wb") as f:
            f.write(os.urandom(777777))

    def test_uploads(self):
        for mode in ("passive", "epsv", "active", "eprt"):
            proxy = self.new_proxy(["--server-data", mode],
                                   upstream="127.0.0.1:%d" % self.srv.port)
            for verb in ("EPSV", "PORT"):
                with self.subTest(mode=mode, client=verb):
                    name = "up-%s-%s.bin" % (mode, verb)
                    slog = len(self.srv.log())
                    r = curl(*CLIENT[verb][0], "-T", self.src, proxy.url(name))
                    self.assertCurlOk(r)
                    self.assertSameFile(self.srv.rpath(name), self.src)
                    seen = [c.split()[0] for _, c in server_commands(self.srv.log()[slog:])
                            if c.split()[0] in DATA_VERBS]
                    self.assertEqual(seen, [SERVER_DATA[mode]])
            proxy.stop()  # exit status 0 on SIGTERM


if __name__ == "__main__":
    proxylib.main()
