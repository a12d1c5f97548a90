#!/usr/bin/env python3
"""ftplab-proxy as a reverse proxy (--upstream) in front of ftplab-server,
driven by curl and lftp on loopback: downloads and uploads in every data
mode (EPSV, PASV, EPRT, PORT), byte for byte, with the -v transcript showing
each rewrite; lftp mirror and mirror -R of a nested tree.

    python3 tests/proxy/test_reverse.py BIN_DIR
"""
import ftplib
import io
import os
import shutil
import tempfile

import proxylib
from proxylib import ProxyTestCase, curl, lftp, reply_to, server_commands
from ftpserver import recv_all  # on sys.path through proxylib

SIZE = 2 << 20  # 2 MiB

# curl options -> (what curl sends, the proxy's own reply code to it)
MODES = {
    "epsv": ([], "EPSV", 229),
    "pasv": (["--disable-epsv"], "PASV", 227),
    "eprt": (["-P", "-"], "EPRT", 200),
    "port": (["-P", "-", "--disable-eprt"], "PORT", 200),
}


class CurlTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw", "-v"])
        cls.data = os.urandom(SIZE)
        cls.srv.write("big.bin", cls.data)
        cls.proxy = cls.make_class_proxy(upstream="127.0.0.1:%d" % cls.srv.port)
        cls.local = tempfile.mkdtemp(prefix="ftplab-proxy-curl-")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)
        cls.upload_src = os.path.join(cls.local, "upload.bin")
        with open(cls.upload_src, "wb") as f:
            f.write(os.urandom(SIZE + 12345))

    def check_transcript(self, start, verb):
        """The -v transcript has the rewrite line C>P VERB ... | P>S VERB."""
        m = self.proxy.wait_log(r"#(\d+) C>P %s\b.* \| P>S %s\b" % (verb, verb), start=start)
        self.assertIsNotNone(m, "no C>P %s | P>S %s transcript line" % (verb, verb))
        m = self.proxy.wait_log(r"#%s data-close: data connection closed: (\d+) bytes "
                                % m.group(1) +
                                r"client->server, (\d+) bytes server->client", start=start)
        self.assertIsNotNone(m, "no data-close line")
        return int(m.group(1)), int(m.group(2))

    def download(self, mode):
        opts, verb, code = MODES[mode]
        out = os.path.join(self.local, "down-%s.bin" % mode)
        slog, plog = len(self.srv.log()), len(self.proxy.log())
        r = curl(*opts, "-o", out, self.proxy.url("big.bin"))
        self.assertCurlOk(r)
        self.assertSameFile(out, self.srv.rpath("big.bin"))
        got = reply_to(r.stderr, verb)
        self.assertTrue(got.startswith("%d " % code), "%s answered %r" % (verb, got))
        up, down = self.check_transcript(plog, verb)
        self.assertEqual((up, down), (0, SIZE))
        # same mode: the server saw the same kind of command
        cmds = [c for _, c in server_commands(self.srv.log()[slog:])]
        self.assertIn(verb, [c.split()[0] for c in cmds])
        self.assertIn("RETR big.bin", cmds)

    def upload(self, mode):
        opts, verb, _ = MODES[mode]
        name = "up-%s.bin" % mode
        plog = len(self.proxy.log())
        r = curl(*opts, "-T", self.upload_src, self.proxy.url(name))
        self.assertCurlOk(r)
        self.assertRegex(r.stderr, r"(?m)^> STOR %s" % name)
        self.assertSameFile(self.srv.rpath(name), self.upload_src)
        up, down = self.check_transcript(plog, verb)
        self.assertEqual((up, down), (os.path.getsize(self.upload_src), 0))

    def test_download_epsv(self):
        self.download("epsv")

    def test_download_pasv(self):
        self.download("pasv")

    def test_download_eprt(self):
        self.download("eprt")

    def test_download_port(self):
        self.download("port")

    def test_upload_passive(self):
        self.upload("epsv")

    def test_upload_pasv(self):
        self.upload("pasv")

    def test_upload_active(self):
        self.upload("eprt")

    def test_upload_port(self):
        self.upload("port")

    def test_list_and_quote(self):
        self.srv.write("dir/a.txt", b"a\n")
        r = curl(self.proxy.url("dir/"))
        self.assertCurlOk(r)
        self.assertRegex(r.stdout, r"(?m) a\.txt\r?$")
        r = curl("-Q", "MKD made-through-proxy", self.proxy.url(""), "-o", os.devnull)
        self.assertCurlOk(r)
        self.assertTrue(os.path.isdir(self.srv.rpath("made-through-proxy")))

    def test_missing_file_is_550(self):
        r = curl("-o", os.path.join(self.local, "nothing"), self.proxy.url("nothing.bin"))
        self.assertEqual(r.returncode, 78, r.stderr)  # curl: remote file not found
        self.assertRegex(r.stderr, r"(?m)^< 550 ")


class NextTransferTest(ProxyTestCase):
    """The data path after a transfer that did not happen (550 for a missing
    file: the client closes its data socket while the server keeps its own)
    or after a client that keeps its socket past EOF: the next PASV/PORT
    replaces what is left, as it does on the server itself."""

    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "ro", "-v"])
        cls.data = os.urandom(70000)
        cls.srv.write("f.bin", cls.data)
        cls.proxy = cls.make_class_proxy(upstream="127.0.0.1:%d" % cls.srv.port)

    def test_ftplib_after_550(self):
        f = ftplib.FTP()
        f.connect(self.proxy.host, self.proxy.port, timeout=10)
        self.addCleanup(f.close)
        f.login("anonymous", "x@")
        for pasv in (True, False):
            f.set_pasv(pasv)
            for _ in range(3):
                with self.assertRaises(ftplib.error_perm) as cm:
                    f.retrbinary("RETR missing.bin", lambda b: None)
                self.assertTrue(str(cm.exception).startswith("550"), cm.exception)
                buf = io.BytesIO()
                self.assertTrue(f.retrbinary("RETR f.bin", buf.write).startswith("226"))
                self.assertTrue(buf.getvalue() == self.data)
                self.assertEqual(f.nlst(), ["f.bin"])
        f.quit()

    def test_curl_after_550(self):
        out = os.path.join(self.srv.tmp, "c-%s.bin")
        for opts in ([], ["-P", "-"]):
            r = curl(*opts, "-o", out % "1", self.proxy.url("missing.bin"),
                     "-o", out % "2", self.proxy.url("f.bin"))
            self.assertRegex(r.stderr, r"(?m)^< 550 ")
            self.assertRegex(r.stderr, r"Re-using existing connection|Reusing existing")
            with open(out % "2", "rb") as f:
                self.assertTrue(f.read() == self.data, r.stderr[-3000:])

    def test_data_socket_kept_after_eof(self):
        c = self.proxy.control(login=("anonymous", "x@"))
        self.addCleanup(c.close)
        c.expect("TYPE I", 200)
        kept = []
        for _ in range(3):
            d = c.pasv_connect()  # a PASV while the last socket is still open
            kept.append(d)
            self.addCleanup(d.close)
            code, text = c.cmd("RETR f.bin")
            self.assertIn(code, (125, 150), text)
            self.assertTrue(recv_all(d) == self.data)
            self.assertEqual(c.reply()[0], 226)


class LftpTest(ProxyTestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = cls.make_class_server(["--anonymous", "rw"])
        cls.proxy = cls.make_class_proxy(upstream="127.0.0.1:%d" % cls.srv.port)
        cls.local = tempfile.mkdtemp(prefix="ftplab-proxy-lftp-")
        cls.addClassCleanup(shutil.rmtree, cls.local, True)
        cls.home = os.path.join(cls.local, "home")  # no ~/.lftprc of the user's
        os.mkdir(cls.home)
        cls.src = os.path.join(cls.local, "src")
        files = {"top.bin": 70000, "a/one.bin": 1, "a/b/two.bin": 4096,
                 "a/b/c/three.bin": 300000, "a/b/c/d/deep file.bin": 999, "x/y/z.bin": 20000}
        for rel, size in files.items():
            p = os.path.join(cls.src, rel)
            os.makedirs(os.path.dirname(p), exist_ok=True)
            with open(p, "wb") as f:
                f.write(os.urandom(size))
        os.makedirs(os.path.join(cls.src, "empty dir"))
        open(os.path.join(cls.src, "x", "empty.txt"), "wb").close()

    def lftp(self, commands, passive):
        r = lftp(self.proxy.url(""), commands, passive=passive, home=self.home)
        self.assertEqual(r.returncode, 0, "lftp failed:\n%s\n%s" % (r.stdout, r.stderr))
        return r

    def diff(self, a, b):
        r = proxylib.subprocess.run(["diff", "-r", a, b], capture_output=True, text=True,
                                    timeout=60)
        self.assertEqual(r.returncode, 0, "trees differ:\n" + r.stdout + r.stderr)

    def mirror_both_ways(self, passive, tag):
        self.lftp("mirror -R --no-perms '%s' /%s" % (self.src, tag), passive)
        self.diff(self.src, self.srv.rpath(tag))
        down = os.path.join(self.local, "down-" + tag)
        self.lftp("mirror /%s '%s'" % (tag, down), passive)
        self.diff(self.src, down)

    def test_mirror_passive(self):
        start = len(self.proxy.log())
        self.mirror_both_ways(True, "pas")
        text = self.proxy.log()[start:]
        self.assertRegex(text, r"C>P (PASV|EPSV)")
        self.assertNotRegex(text, r"data-(failed|refused)")
        self.assertNotIn("A transfer is in progress", text)

    def test_mirror_active(self):
        start = len(self.proxy.log())
        self.mirror_both_ways(False, "act")
        text = self.proxy.log()[start:]
        self.assertRegex(text, r"C>P (PORT|EPRT)")
        self.assertNotRegex(text, r"data-(failed|refused)")

    def test_lftp_ls(self):
        self.srv.write("ls/file one.txt", b"12345")
        r = self.lftp("cls -l /ls", True)
        self.assertRegex(r.stdout, r"(?m)^-.* 5 .*file one\.txt$")


if __name__ == "__main__":
    proxylib.main()
