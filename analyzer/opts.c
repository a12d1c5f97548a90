/* opts.c - ftplab-analyzer's options (getopt_long) into struct aopts. */
#include "opts.h"

#include <errno.h>
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/version.h"

enum {
	O_DURATION = 1000, O_BUFFER, O_SNAPLEN, O_NOPROMISC, O_PORTS, O_NOHEUR, O_TEXT, O_JSON,
	O_ZEEK, O_STATS, O_EXPLAIN, O_SHOWPW, O_SLOW, O_EXTRACT, O_NOHASH, O_MAXFLOWS,
	O_TIMEOUT, O_OOO, O_OOOTOTAL, O_LISTDIAG, O_UTC, O_VERSION, O_ZEEKCMDS, O_TUI, O_ASCII,
	O_NOCOLOR,
};

static const struct option longopts[] = {
	{"read", required_argument, NULL, 'r'},
	{"interface", required_argument, NULL, 'i'},
	{"filter", required_argument, NULL, 'f'},
	{"write", required_argument, NULL, 'w'},
	{"count", required_argument, NULL, 'c'},
	{"output", required_argument, NULL, 'o'},
	{"duration", required_argument, NULL, O_DURATION},
	{"buffer-mib", required_argument, NULL, O_BUFFER},
	{"snaplen", required_argument, NULL, O_SNAPLEN},
	{"no-promisc", no_argument, NULL, O_NOPROMISC},
	{"ports", required_argument, NULL, O_PORTS},
	{"no-heuristic", no_argument, NULL, O_NOHEUR},
	{"text", no_argument, NULL, O_TEXT},
	{"json", no_argument, NULL, O_JSON},
	{"zeek", no_argument, NULL, O_ZEEK},
	{"tui", no_argument, NULL, O_TUI},
	{"ascii", no_argument, NULL, O_ASCII},
	{"no-color", no_argument, NULL, O_NOCOLOR},
	{"stats", no_argument, NULL, O_STATS},
	{"explain", no_argument, NULL, O_EXPLAIN},
	{"utc", no_argument, NULL, O_UTC},
	{"show-passwords", no_argument, NULL, O_SHOWPW},
	{"slow-reply", required_argument, NULL, O_SLOW},
	{"extract", required_argument, NULL, O_EXTRACT},
	{"no-hash", no_argument, NULL, O_NOHASH},
	{"max-flows", required_argument, NULL, O_MAXFLOWS},
	{"flow-timeout", required_argument, NULL, O_TIMEOUT},
	{"max-ooo-bytes", required_argument, NULL, O_OOO},
	{"max-ooo-total", required_argument, NULL, O_OOOTOTAL},
	{"list-diagnostics", no_argument, NULL, O_LISTDIAG},
	{"zeek-commands", required_argument, NULL, O_ZEEKCMDS},
	{"help", no_argument, NULL, 'h'},
	{"version", no_argument, NULL, O_VERSION},
	{NULL, 0, NULL, 0},
};

void aopts_usage(FILE *f)
{
	fprintf(f,
	        "Usage: ftplab-analyzer (-r FILE | -i IFACE) [OPTION]...\n"
	        "Decodes FTP from a capture: every command paired with its reply, data transfers,\n"
	        "and diagnostics that explain failures (NAT, refused data connections, ...).\n\n"
	        "Input:\n"
	        "  -r, --read FILE        pcap or pcapng file ('-': standard input; .gz is read too)\n"
	        "  -i, --interface IFACE  capture live (immediate mode)\n"
	        "  -f, --filter BPF       a capture filter, e.g. 'tcp'\n"
	        "  -w, --write FILE       save the frames that were read to FILE (pcap)\n"
	        "  -c, --count N          stop after N frames\n"
	        "      --duration S       stop a live capture after S seconds (SIGINT stops it too)\n"
	        "      --buffer-mib N     kernel capture buffer for -i (default 64)\n"
	        "      --snaplen N        bytes kept per frame for -i (default 65600)\n"
	        "      --no-promisc       do not put IFACE in promiscuous mode\n"
	        "FTP:\n"
	        "      --ports LIST       FTP control ports besides 21, e.g. 2121,990\n"
	        "      --no-heuristic     only the FTP ports (no 220-greeting recognition)\n"
	        "      --show-passwords   show PASS arguments (anonymous ones are always shown)\n"
	        "      --slow-reply MS    report replies slower than MS ms (default 5000)\n"
	        "      --extract DIR      write each complete transfer into DIR\n"
	        "      --no-hash          no sha256 of transfers\n"
	        "Output (to standard output, or -o FILE):\n"
	        "      --tui              the screens: sessions, ladder, transcript, transfers,\n"
	        "                         diagnostics (the default on a terminal; ? for keys)\n"
	        "      --ascii            TUI: ASCII lines instead of UTF-8 box drawing\n"
	        "      --no-color         TUI: no colours\n"
	        "      --text             a transcript for people (the default otherwise)\n"
	        "      --json             JSON lines (docs/analyzer-json.md)\n"
	        "      --zeek             an ftp.log in Zeek's format\n"
	        "      --explain          text: explain each kind of diagnostic once\n"
	        "      --zeek-commands L  zeek: log these commands too (e.g. USER,PASS,<init>; *: all)\n"
	        "      --utc              text: absolute UTC times\n"
	        "      --stats            packets, flows, sessions, gaps (and drops) on stderr\n"
	        "      --list-diagnostics every diagnostic with its explanation, then exit\n"
	        "  -o, --output FILE      write there instead of standard output\n"
	        "Limits:\n"
	        "      --max-flows N      TCP flows tracked at once (default 262144)\n"
	        "      --flow-timeout S   a flow idle this long ends (default 900)\n"
	        "      --max-ooo-bytes N  out-of-order bytes kept per direction (default 1 MiB)\n"
	        "      --max-ooo-total N  out-of-order bytes kept in all (default 64 MiB)\n"
	        "  -h, --help             this text\n"
	        "      --version          print the version and exit\n\n"
	        "Example: ftplab-analyzer -r captures/passive.pcap --explain\n"
	        "See ftplab-analyzer(1).\n");
}

static int bad(const char *opt, const char *v, const char *want)
{
	fprintf(stderr, "ftplab-analyzer: %s: '%s' is not %s (see --help)\n", opt, v, want);
	return 2;
}

static bool num(const char *v, double lo, double hi, double *out)
{
	char *end;

	errno = 0;
	*out = strtod(v, &end);
	return errno == 0 && end != v && *end == '\0' && *out >= lo && *out <= hi;
}

static int ports(struct aopts *o, const char *v)
{
	char buf[512];
	double p;

	snprintf(buf, sizeof(buf), "%s", v);
	o->eng.nports = 0;
	o->eng.ports[o->eng.nports++] = 21;
	for (char *t = strtok(buf, ","); t; t = strtok(NULL, ",")) {
		if (!num(t, 1, 65535, &p) || p != (int)p || o->eng.nports >= ENGINE_MAX_PORTS)
			return bad("--ports", v, "a list of ports 1..65535");
		o->eng.ports[o->eng.nports++] = (uint16_t)p;
	}
	return 0;
}

static void set_format(struct aopts *o, enum aout_format f)
{
	o->format = f;
	o->format_set = true;
}

/* The numeric options: 0, or 2 after the message. */
static int number_opt(struct aopts *o, int c, const char *v)
{
	double d;

	switch (c) {
	case 'c':
		if (!num(v, 1, 1e15, &d))
			return bad("-c", v, "a count >= 1");
		o->cap.count = (uint64_t)d;
		return 0;
	case O_DURATION:
		if (!num(v, 0.001, 1e9, &d))
			return bad("--duration", v, "seconds > 0");
		o->cap.duration = d;
		return 0;
	case O_BUFFER:
		if (!num(v, 1, 4096, &d))
			return bad("--buffer-mib", v, "1..4096");
		o->cap.buffer_mib = (unsigned)d;
		return 0;
	case O_SNAPLEN:
		if (!num(v, 64, 262144, &d))
			return bad("--snaplen", v, "64..262144");
		o->cap.snaplen = (unsigned)d;
		return 0;
	case O_SLOW:
		if (!num(v, 0.001, 1e9, &d))
			return bad("--slow-reply", v, "milliseconds > 0");
		o->cfg.slow_reply_ms = d;
		return 0;
	case O_MAXFLOWS:
		if (!num(v, 16, 1e8, &d))
			return bad("--max-flows", v, "16..100000000");
		o->eng.max_flows = (size_t)d;
		return 0;
	case O_TIMEOUT:
		if (!num(v, 1, 1e7, &d))
			return bad("--flow-timeout", v, "seconds >= 1");
		o->eng.flow_timeout = d;
		return 0;
	case O_OOO:
	case O_OOOTOTAL:
		if (!num(v, 1024, 1e12, &d))
			return bad(c == O_OOO ? "--max-ooo-bytes" : "--max-ooo-total", v, ">= 1024");
		*(c == O_OOO ? &o->eng.lim.max_ooo_bytes : &o->eng.max_ooo_total) = (size_t)d;
		return 0;
	default:
		return -1;
	}
}

static int flag_opt(struct aopts *o, int c, const char *v)
{
	switch (c) {
	case 'r': o->cap.file = v; break;
	case 'i': o->cap.iface = v; break;
	case 'f': o->cap.filter = v; break;
	case 'w': o->cap.write_file = v; break;
	case 'o': o->output = v; break;
	case O_NOPROMISC: o->cap.no_promisc = true; break;
	case O_PORTS: return ports(o, v);
	case O_NOHEUR: o->eng.heuristic = false; break;
	case O_TEXT: set_format(o, AOUT_TEXT); break;
	case O_JSON: set_format(o, AOUT_JSON); break;
	case O_ZEEK: set_format(o, AOUT_ZEEK); break;
	case O_TUI: set_format(o, AOUT_TUI); break;
	case O_ASCII: o->ascii = true; break;
	case O_NOCOLOR: o->monochrome = true; break;
	case O_STATS: o->stats = true; break;
	case O_EXPLAIN: o->out.explain = true; break;
	case O_UTC: o->out.utc = true; break;
	case O_SHOWPW: o->cfg.show_passwords = o->out.show_passwords = true; break;
	case O_ZEEKCMDS: o->out.zeek_commands = v; break;
	case O_EXTRACT: o->cfg.extract_dir = v; break;
	case O_NOHASH: o->cfg.hash = false; break;
	case O_LISTDIAG: o->list_diags = true; break;
	default: return number_opt(o, c, v);
	}
	return 0;
}

int aopts_parse(struct aopts *o, int argc, char **argv, bool *exit_now)
{
	int c, rc;

	memset(o, 0, sizeof(*o));
	o->eng.heuristic = true;
	o->cfg.hash = true;
	*exit_now = false;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":r:i:f:w:c:o:h", longopts, NULL)) != -1) {
		if (c == 'h' || c == O_VERSION) {
			if (c == 'h')
				aopts_usage(stdout);
			else
				printf("ftplab-analyzer %s\n", FTPLAB_VERSION);
			*exit_now = true;
			return 0;
		}
		if (c == '?' || c == ':') {
			fprintf(stderr, "ftplab-analyzer: %s option '%s' (see --help)\n",
			        c == ':' ? "missing value for" : "unknown", argv[optind - 1]);
			return 2;
		}
		if ((rc = flag_opt(o, c, optarg)) != 0)
			return rc;
	}
	if (optind < argc) {
		fprintf(stderr, "ftplab-analyzer: unexpected argument '%s' (see --help)\n",
		        argv[optind]);
		return 2;
	}
	if (!o->list_diags && (o->cap.file == NULL) == (o->cap.iface == NULL)) {
		fprintf(stderr, "ftplab-analyzer: give one of -r FILE or -i IFACE (see --help)\n");
		return 2;
	}
	if (o->format == AOUT_TUI && o->output) {
		fprintf(stderr, "ftplab-analyzer: --tui draws on the terminal: -o is for --text, "
		        "--json or --zeek\n");
		return 2;
	}
	if (o->cap.duration > 0 && o->cap.iface == NULL) {
		fprintf(stderr, "ftplab-analyzer: --duration is for live captures (-i)\n");
		return 2;
	}
	return 0;
}

void aopts_default_format(struct aopts *o, bool on_terminal)
{
	if (!o->format_set)
		o->format = on_terminal && o->output == NULL ? AOUT_TUI : AOUT_TEXT;
}
