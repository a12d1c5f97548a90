#!/usr/bin/env python3
"""test_bigretr.py - large downloads to a fast reader.

Regression: a download whose socket never filled during the first pump of
the data connection was never registered with the event loop, so it sat
until the data timeout (426 "no data moved"). curl reads fast enough to
leave the socket empty; several sizes and both passive and active mode.
"""
import os
import subprocess

import ftpserver


class BigRetrTest(ftpserver.unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.srv = ftpserver.Server(["--data-timeout", "3"])
        for mib in (64, 256):
            path = cls.srv.rpath("sparse%d.bin" % mib)
            with open(path, "wb") as f:
                f.truncate(mib << 20)  # sparse: sendfile reads zeros, no disk
        cls.srv.start()

    @classmethod
    def tearDownClass(cls):
        cls.srv.cleanup()

    def fetch(self, name, active=False):
        url = "ftp://127.0.0.1:%d/%s" % (self.srv.port, name)
        cmd = ["curl", "-sS", "--max-time", "30", "-o", "/dev/null", "-w", "%{size_download}"]
        if active:
            cmd += ["-P", "-"]
        out = subprocess.run(cmd + [url], capture_output=True, text=True, timeout=60)
        return out.returncode, out.stdout.strip(), out.stderr

    def test_fast_reader_gets_everything(self):
        for mib in (64, 256):
            for active in (False, True):
                for _ in range(3):
                    rc, size, err = self.fetch("sparse%d.bin" % mib, active)
                    self.assertEqual(rc, 0, "%d MiB active=%s: %s\n%s" %
                                     (mib, active, err, self.srv.log()))
                    self.assertEqual(int(size), mib << 20)


if __name__ == "__main__":
    ftpserver.main()
