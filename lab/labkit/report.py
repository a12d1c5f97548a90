"""What `run` prints, for students: a header, the topology, what ran, the
client's result, the analyzer's transcript of each capture, the verdict and
the files. Plain ASCII, 80 columns where it can."""
import os
import textwrap

WIDTH = 78
MAX_ANALYZER_LINES = 120   # per capture; the whole text is in the .txt file


class Printer:
    def __init__(self, write=None):
        import sys
        self.write = write or (lambda s: (sys.stdout.write(s), sys.stdout.flush()))

    def line(self, s=""):
        self.write(s + "\n")

    def para(self, text, first="", rest=None):
        """text wrapped to WIDTH, after first on the first line and rest
        (default: as many spaces) on the others."""
        rest = " " * len(first) if rest is None else rest
        for ln in textwrap.wrap(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                                break_on_hyphens=False, break_long_words=False) or [first]:
            self.line(ln)

    def banner(self, title):
        self.line("=" * 3 + " " + title + " " + "=" * max(3, WIDTH - len(title) - 5))

    def section(self, title):
        self.line()
        self.line("-- " + title + " " + "-" * max(3, WIDTH - len(title) - 4))

    def indent(self, text, by="  "):
        for ln in text.rstrip("\n").splitlines():
            self.line(by + ln)

    def header(self, scn, server, client):
        self.banner("ftplab lab: " + scn.name)
        self.line(scn.title)
        self.para(scn.lesson, "Lesson:   ")
        self.line("Expected: " + scn.outcome_text())
        others = []
        if len(scn.servers) > 1:
            others.append("--server " + "|".join(scn.servers))
        if len(scn.clients) > 1:
            others.append("--client " + "|".join(scn.clients))
        self.line("Variant:  --server %s --client %s%s" % (
            server, client, "   (variants: %s)" % " ".join(others) if others else ""))
        self.line("README:   lab/%s/README.md (the lesson in full)" % scn.name)

    def topology(self, drawing, notes, nodes):
        self.section("Topology")
        self.indent(drawing)
        self.line()
        self.indent("\n".join(notes))
        self.line("  namespaces: " + ", ".join(nodes.values()))

    def ran(self, lines):
        for who, what, note in lines:
            self.line("  %-7s %s" % (who, what))
            if note:
                self.line("  %-7s # %s" % ("", note))

    def client(self, res):
        self.line()
        self.para(res.summary, "Client result: ", "  ")
        if res.log_path:
            self.line("  (its whole dialogue: %s)" % res.log_path)

    def analyzer(self, label, node, iface, pcap, text, text_path, args=()):
        self.section("The analyzer on capture %s (%s:%s)" % (label, node, iface))
        self.line("  $ ftplab-analyzer -r %s%s --text --explain"
                  % (pcap, "".join(" " + a for a in args)))
        lines = text.rstrip("\n").splitlines() or ["(no FTP in this capture)"]
        for ln in lines[:MAX_ANALYZER_LINES]:
            self.line("  " + ln)
        if len(lines) > MAX_ANALYZER_LINES:
            self.line("  ... %d more lines in %s" % (len(lines) - MAX_ANALYZER_LINES, text_path))

    def verdict(self, phase, facts, as_expected):
        self.section("Verdict")
        for f in facts:
            self.para(f.line(), "  ", "       ")
        self.line()
        if as_expected and phase.expect == "fails":
            self.para("FAILED, as this scenario shows: " + phase.because, "", "  ")
        elif as_expected:
            self.para("WORKED: " + phase.because, "", "  ")
        else:
            bad = [f.text for f in facts if f.ok is False]
            self.para("UNEXPECTED: this phase should have %s (%s), but not: %s" % (
                "failed" if phase.expect == "fails" else "worked", phase.because,
                "; ".join(bad)), "", "  ")
        if phase.note:
            self.line()
            self.para(phase.note, "Note: ", "  ")

    def files(self, out_dir, paths):
        self.section("Files (kept in %s)" % out_dir)
        for p in paths:
            try:
                size = os.path.getsize(p)
            except OSError:
                size = 0
            self.line("  %-44s %9d bytes" % (os.path.relpath(p, out_dir), size))
        self.line("  Open a .pcap in Wireshark, or: ftplab-analyzer -r FILE (its screens, on a "
                  "terminal)")
