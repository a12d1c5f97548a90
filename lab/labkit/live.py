"""`run --live`: ftplab-analyzer's screens (its TUI), live on the middle box
(the NAT box), while the scenario's clients run; `./ftplab demo` uses it on
a terminal. A Live object is both the runner's around_client hook and the
write function of its Printer:

  1. before the first phase's client, it prints what is about to happen and
     how to go on (q), waits for Enter (at most ENTER_WAIT seconds), and
     starts `ftplab-analyzer -i any -f tcp --tui --duration CAPTURE_SECONDS`
     inside the node, in the foreground of this terminal;
  2. START_DELAY seconds later the client runs (bounded as always; its
     output goes to the out folder, never to the screen), and so do the
     next phases' clients: every session of the scenario shows up in the
     screens, while the scenario's own captures go on as without --live.
     What `run` prints meanwhile is held back, and printed when the
     screens close;
  3. after the last phase's client it waits for the student to press q
     (on the session list); the screens close by themselves IDLE_LIMIT
     seconds after the last client ended, so that nothing waits forever.

Nothing else changes: the captures, the analyzer's text of each, the
verdict and the files are those of a plain run. close() (lab.py calls it
whatever happens) stops the screens if they are still up and prints what
was held back."""
import os
import select
import subprocess
import sys
import textwrap
import time

START_DELAY = 1.5        # seconds between the screens opening and the first client
CAPTURE_SECONDS = 300    # the live capture's --duration (the screens stay after it)
IDLE_LIMIT = 600         # seconds the screens may stay open after the last client ended
IDLE_ENV = "FTPLAB_LAB_LIVE_IDLE"   # tests: another IDLE_LIMIT
ENTER_WAIT = 20          # seconds the heading waits for Enter before opening the screens


def unusable():
    """None when the screens can be shown (standard input and output are a
    terminal), else why not."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return "standard input and output are not a terminal"
    if os.environ.get("TERM", "dumb") in ("", "dumb"):
        return "TERM is dumb"
    return None


def watch_node(scn, phase):
    """The node the screens watch: the middle box the phase captures on
    (the NAT box), else the node of its first capture."""
    nodes = [n for n, _ in scn.captures_for(phase).values()]
    middle = [n for n in nodes if n not in ("client", "server")]
    return (middle or nodes)[0]


def wait_enter(timeout):
    """Wait for a line on the terminal (Enter), at most timeout seconds;
    True when it came."""
    try:
        r, _, _ = select.select([sys.stdin], [], [], timeout)
        if r:
            os.read(sys.stdin.fileno(), 4096)
            return True
    except (OSError, ValueError):
        pass
    return False


def idle_limit():
    try:
        return max(1.0, float(os.environ.get(IDLE_ENV, IDLE_LIMIT)))
    except ValueError:
        return IDLE_LIMIT


def minutes(secs):
    return "%g minutes" % (secs / 60) if secs >= 60 else "%g s" % secs


def restore_terminal():
    """In case the screens ended without restoring the terminal (killed)."""
    subprocess.run(["stty", "sane"], stdin=sys.stdin, stderr=subprocess.DEVNULL, check=False)
    sys.stdout.write("\033[?1049l\033[?25h")   # leave the alternate screen, show the cursor
    sys.stdout.flush()


class Live:
    def __init__(self):
        self.tui = None          # the screens' process while they are up
        self.opened = False      # once per run
        self.held = []           # what the Printer wrote while the screens were up

    # -- the Printer's write
    def write(self, s):
        if self.tui is not None and self.tui.poll() is not None:
            self._closed()       # q pressed early: what comes next prints at once
        if self.tui is not None:
            self.held.append(s)
        else:
            sys.stdout.write(s)
            sys.stdout.flush()

    def say(self, s=""):
        sys.stdout.write(s + "\n")
        sys.stdout.flush()

    # -- the runner's around_client
    def __call__(self, lab, phase, run_client):
        if not self.opened:
            self.open(lab, phase)
        res = run_client()
        if lab.phase_no >= len(lab.scenario.phases) and self.tui is not None:
            self.wait()
        return res

    def open(self, lab, phase):
        self.opened = True
        node = watch_node(lab.scenario, phase)
        n = len(lab.scenario.phases)
        title = "Live: ftplab-analyzer's screens on %s (-i any: both of its sides)" % node
        self.say()
        self.say("-- %s %s" % (title, "-" * max(3, 74 - len(title))))
        self.say("  $ ip netns exec %s ftplab-analyzer -i any -f tcp" % lab.t.ns(node))
        nexts = "" if n == 1 else ", then the next phase's" if n == 2 else \
            ", then the next %d phases'" % (n - 1)
        for ln in textwrap.wrap(
                "The client starts %g s after the screens open%s; each FTP session appears "
                "as a row (through a NAT: one row per side). Enter opens a session's ladder, "
                "Tab its other views, Esc goes back, ? shows the keys." % (START_DELAY, nexts),
                76):
            self.say("  " + ln)
        self.say()
        self.say("  >>> Press q on the session list to close the screens and go on. <<<")
        self.say("  (They close by themselves %s after the last client ends.)"
                 % minutes(idle_limit()))
        self.say()
        sys.stdout.write("  Press Enter to open them (they open by themselves in %d s) "
                         % ENTER_WAIT)
        sys.stdout.flush()
        if not wait_enter(ENTER_WAIT):
            self.say()
        argv = [lab.bin("ftplab-analyzer"), "-i", "any", "-f", "tcp", "--tui",
                "--duration", str(CAPTURE_SECONDS)]
        # in this terminal's foreground process group (not a session of its
        # own): the screens read the keys and get SIGWINCH
        self.tui = lab.t.popen(node, argv, stdin=None, start_new_session=False)
        time.sleep(START_DELAY)

    def wait(self):
        """After the last client: until q, at most the idle limit."""
        idle = idle_limit()
        try:
            self.tui.wait(timeout=idle)
        except subprocess.TimeoutExpired:
            self.stop()
            self.held.insert(0, "(the screens were closed %s after the last client ended)\n"
                             % minutes(idle))
        self._closed()

    def stop(self):
        if self.tui is not None and self.tui.poll() is None:
            self.tui.terminate()        # it restores the terminal on SIGTERM
            try:
                self.tui.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.tui.kill()
                self.tui.wait(timeout=5)
            restore_terminal()

    def _closed(self):
        code = self.tui.returncode if self.tui is not None else None
        self.tui = None
        if code not in (0, None):
            self.say("(the analyzer's screens ended with status %s)" % code)
        self.say("(screens closed; what `run` printed meanwhile follows)")
        held, self.held = self.held, []
        for s in held:
            sys.stdout.write(s)
        sys.stdout.flush()

    def close(self):
        """Whatever happened: the screens stopped, what was held printed."""
        if self.tui is not None:
            self.stop()
            self._closed()
