#!/usr/bin/env python3
"""./ftplab lab: teaching scenarios on network namespaces.

    lab.py list                                   the scenarios (no root needed)
    lab.py run SCENARIO [--server ftplab|vsftpd] [--client curl|lftp|ftplib]
                        [--keep] [--live] [--out DIR]   build, run, explain, remove
    lab.py shell SCENARIO NODE [-c COMMAND]       a shell in a node of the kept lab
    lab.py down                                   remove the kept (or a left) lab
    lab.py record [SCENARIO...] [--captures DIR]  the captures as golden tests (captures/lab/)

Exit status: 0 the outcome was the expected one (an expected failure
included), 1 it was not (or an error), 2 a wrong command line, a lab
already up, or not root, 77 this machine cannot run the scenario (no kernel
FTP helper, vsftpd missing...), 130/143 interrupted (everything removed).

Each scenario is lab/<name>/ (README.md: the lesson; scenario.py: the
declaration); the machinery is lab/labkit/. See lab/README.md."""
import argparse
import os
import shutil
import sys
import textwrap

sys.dont_write_bytecode = True      # no root-owned __pycache__ in lab/ and tests/netns/
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import labkit  # noqa: E402
from labkit import live, record, runner, state  # noqa: E402
from labkit.report import Printer  # noqa: E402
from labkit.spec import Skip, UsageError  # noqa: E402

import topo  # noqa: E402  (tests/netns/topo.py, put on sys.path by labkit)

EXIT_EXPECTED, EXIT_UNEXPECTED, EXIT_USAGE, EXIT_SKIP = 0, 1, 2, 77


def build_dir():
    d = os.environ.get("FTPLAB_BUILD_DIR") or os.path.join(labkit.TOP, "build")
    return d if os.path.isabs(d) else os.path.join(labkit.TOP, d)


def need_root(what):
    reason = topo.netns_unavailable()
    if reason:
        raise UsageError("`lab %s` builds network namespaces, which needs root: %s "
                         "(try: sudo ./ftplab lab %s)" % (what, reason, what))


def cmd_list(args):
    scns = labkit.load_all()
    w = max([len("SCENARIO")] + [len(s.name) for s in scns])
    ow = max([len("OUTCOME")] + [len(s.outcome_text()) for s in scns])
    width = max(60, shutil.get_terminal_size((100, 24)).columns - w - ow - 5)
    print("%-*s  %-*s  %s" % (w, "SCENARIO", ow, "OUTCOME", "LESSON"))
    for s in scns:
        text = s.lesson
        if args.verbose:
            text += " [%s; --server %s; --client %s]" % (
                s.title, "|".join(s.servers), "|".join(s.clients))
        lines = textwrap.wrap(text, width) or [""]
        print("%-*s  %-*s  %s" % (w, s.name, ow, s.outcome_text(), lines[0]))
        for more in lines[1:]:
            print("%*s  %s" % (w + ow + 2, "", more))
    print("\nRun one: ./ftplab lab run SCENARIO (as root); its lesson: lab/SCENARIO/README.md")
    return EXIT_EXPECTED


def cmd_run(args):
    scn = labkit.load(args.scenario)
    server = args.server or scn.servers[0]
    client = args.client or scn.clients[0]
    problem = scn.variant_problem(server, client)
    if problem:
        raise UsageError(problem)
    need_root("run")
    out = os.path.abspath(args.out or os.path.join(build_dir(), "lab", scn.name))
    bin_dir = os.path.abspath(args.bin or os.path.join(build_dir(), "bin"))
    screens = None
    if args.live:
        why = live.unusable()
        if why:
            print("(--live: no screens, %s: the text of each capture follows)" % why)
        else:
            screens = live.Live()
    try:
        result = runner.run(scn, server, client, out, bin_dir, keep=args.keep,
                            printer=Printer(write=screens.write) if screens else None,
                            around_client=screens)
    finally:
        if screens:
            screens.close()
    return EXIT_EXPECTED if result.ok else EXIT_UNEXPECTED


def cmd_shell(args):
    need_root("shell")
    bin_dir = os.path.abspath(args.bin or os.path.join(build_dir(), "bin"))
    try:
        return state.shell(args.scenario, args.node, args.command, bin_dir)
    except ValueError as e:
        raise UsageError(str(e))


def cmd_down(args):
    need_root("down")
    return state.down()


def cmd_record(args):
    need_root("record")
    bin_dir = os.path.abspath(args.bin or os.path.join(build_dir(), "bin"))
    if args.file_size < 0:
        raise UsageError("--file-size must be 0 (the scenario's own sizes) or more")
    return record.record(args.scenarios, bin_dir, captures=args.captures,
                         file_size=args.file_size,
                         out_root=os.path.join(build_dir(), "lab", "record"),
                         verbose=args.verbose)


def parser():
    p = argparse.ArgumentParser(
        prog="./ftplab lab", description="Teaching scenarios for FTP on network namespaces: "
        "client, NAT box or firewall, server; captures on each side, explained by "
        "ftplab-analyzer.", epilog="Lessons: lab/README.md and lab/SCENARIO/README.md.")
    p.add_argument("--bin", help="the folder of ftplab-server, -proxy, -analyzer "
                   "(default: build/bin)")
    sub = p.add_subparsers(dest="cmd", metavar="COMMAND")
    ls = sub.add_parser("list", help="the scenarios, their lessons and expected outcomes")
    ls.add_argument("-v", "--verbose", action="store_true", help="also titles and variants")
    r = sub.add_parser("run", help="run a scenario: build it, run the transfer, explain, remove")
    r.add_argument("scenario")
    r.add_argument("--server", choices=sorted(labkit.SERVERS), help="default: the scenario's")
    r.add_argument("--client", choices=sorted(labkit.CLIENTS), help="default: the scenario's")
    r.add_argument("--keep", action="store_true",
                   help="leave the namespaces, server and proxy up for exploring")
    r.add_argument("--out", help="where the captures and the analyzer's output go "
                   "(default: build/lab/SCENARIO)")
    r.add_argument("--live", action="store_true",
                   help="on a terminal: ftplab-analyzer's screens, live on the middle box, "
                   "while the scenario's clients run (q on the session list goes on)")
    s = sub.add_parser("shell", help="a shell inside a node of the kept lab")
    s.add_argument("scenario")
    s.add_argument("node", help="client, server, nat, ... (the scenario's nodes)")
    s.add_argument("-c", dest="command", help="run COMMAND (bash -c) instead of a shell")
    sub.add_parser("down", help="remove the kept lab (namespaces, processes, files)")
    rec = sub.add_parser(
        "record", help="run scenarios and install their captures with the analyzer's "
        "expected output into captures/lab/ (the golden tests)",
        description="Run each SCENARIO (default: all) with its default server and client, "
        "and install each capture as captures/lab/SCENARIO[-PHASE]-SIDE.pcap with the "
        "analyzer's --text --explain and --json output, normalised (times, random ports), "
        "as its .expected and -json.expected files, and the rows of captures/lab/TESTLIST "
        "(tests/golden/run.sh). See lab/README.md.")
    rec.add_argument("scenarios", nargs="*", metavar="SCENARIO", help="default: every scenario")
    rec.add_argument("--captures", metavar="DIR",
                     help="install there instead of captures/lab (e.g. for a test)")
    rec.add_argument("--file-size", type=int, default=record.FILE_SIZE, metavar="BYTES",
                     help="bytes of each random file served or uploaded (default %d; 0: the "
                     "scenario's own sizes, 1 MiB for data.bin)" % record.FILE_SIZE)
    rec.add_argument("-v", "--verbose", action="store_true",
                     help="print each run as `run` does (default: into build/lab/record/SCENARIO.log)")
    return p


def main(argv=None):
    p = parser()
    args = p.parse_args(argv)
    if not args.cmd:
        p.print_help(sys.stderr)
        return EXIT_USAGE
    runner.install_signal_handlers()
    try:
        return {"list": cmd_list, "run": cmd_run, "shell": cmd_shell,
                "down": cmd_down, "record": cmd_record}[args.cmd](args)
    except UsageError as e:
        sys.stderr.write("ftplab lab: %s\n" % e)
        return EXIT_USAGE
    except Skip as e:
        sys.stderr.write("SKIPPED: ftplab lab %s: %s\n" % (getattr(args, "scenario", ""), e))
        return EXIT_SKIP
    except KeyboardInterrupt:
        sys.stderr.write("\nftplab lab: interrupted; the namespaces and processes are removed\n")
        return 130
    except BrokenPipeError:
        # whoever read our output went away (| head); the lab is removed all the same
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_UNEXPECTED
    except (topo.TopologyError, OSError, ValueError) as e:
        # a command that builds or runs the lab failed; everything is removed
        sys.stderr.write("ftplab lab: error: %s\n" % e)
        return EXIT_UNEXPECTED
    except runner.Terminated as e:
        sys.stderr.write("ftplab lab: terminated (signal %d); the namespaces and processes "
                         "are removed\n" % e.sig)
        return 128 + e.sig


if __name__ == "__main__":
    sys.exit(main())
