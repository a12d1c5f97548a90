/* ftplab-proxy: a transparent FTP proxy that rewrites PORT/PASV/EPRT/EPSV
 * and relays both connections. main() only wires: options, listeners,
 * signals, the event loop. */
#include <errno.h>
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"
#include "ftplab/version.h"
#include "iptable.h"
#include "listen.h"
#include "proxy.h"

#define MAX_OPTS 40
enum { OPT_VERSION = 1000, OPT_TABLE };

static void usage(FILE *f)
{
	size_t n;
	const struct pconfig_option *o = pconfig_options(&n);

	fprintf(f, "Usage: ftplab-proxy [OPTION]... (--upstream HOST:PORT | --transparent | --forward)\n"
	           "An FTP proxy that rewrites PORT/PASV/EPRT/EPSV for NAT and relays both the\n"
	           "control and the data connections, explaining every rewrite (-v).\n\n"
	           "  -c, --config FILE            read options from FILE (\"name = value\" lines)\n");
	for (size_t i = 0; i < n; i++) {
		char left[64], lead[8] = "    ";

		if (o[i].short_opt)
			snprintf(lead, sizeof(lead), "-%c, ", o[i].short_opt);
		snprintf(left, sizeof(left), "%s--%s%s%s", lead, o[i].name,
		         o[i].takes_value ? " " : "", o[i].takes_value ? o[i].value_name : "");
		fprintf(f, "  %-28s %s\n", left, o[i].help);
	}
	fprintf(f, "  -h, --help                   this text\n"
	           "      --version                print the version and exit\n\n"
	           "Transparent mode, on a NAT box: port 21 and the data ports of forwarded traffic\n"
	           "go to the proxy (clients reach data ports at the server's address):\n"
	           "  iptables -t nat -A PREROUTING -i IN -p tcp --dport 21 -j REDIRECT --to-ports 2100\n"
	           "  iptables -t nat -A PREROUTING -i IN -p tcp --dport 40000:40999 -j REDIRECT\n"
	           "  ftplab-proxy --transparent -l 0.0.0.0:2100 --data-ports 40000-40999\n"
	           "(TPROXY works too, with IP_TRANSPARENT sockets: see the man page.)\n"
	           "See ftplab-proxy(8).\n");
}

static void build_options(struct option *lo, char *shorts)
{
	size_t n, k = 0;
	const struct pconfig_option *o = pconfig_options(&n);
	char *sp = shorts;

	*sp++ = ':';
	for (size_t i = 0; i < n && k < MAX_OPTS - 4; i++, k++) {
		lo[k] = (struct option){o[i].name, o[i].takes_value ? required_argument : no_argument,
		                        NULL, o[i].short_opt ? o[i].short_opt : OPT_TABLE + (int)i};
		if (o[i].short_opt) {
			*sp++ = (char)o[i].short_opt;
			if (o[i].takes_value)
				*sp++ = ':';
		}
	}
	lo[k++] = (struct option){"config", required_argument, NULL, 'c'};
	lo[k++] = (struct option){"help", no_argument, NULL, 'h'};
	lo[k++] = (struct option){"version", no_argument, NULL, OPT_VERSION};
	lo[k] = (struct option){0};
	strcpy(sp, "c:h");
}

static int read_file(struct proxy_config *c, const char *path, char *err, size_t errlen)
{
	static char text[1 << 20];
	char msg[512];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -1;
	}
	n = fread(text, 1, sizeof(text), f);
	fclose(f);
	if (pconfig_parse_text(c, text, n, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s:%s", path, msg);
		return -1;
	}
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(int argc, char **argv, struct proxy_config *cfg)
{
	struct option lo[MAX_OPTS];
	char shorts[2 * MAX_OPTS], err[1024];
	int c;

	build_options(lo, shorts);
	for (int pass = 0; pass < 2; pass++) {
		optind = 1;
		opterr = 0;
		while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
			const char *name = NULL;

			for (const struct option *l = lo; l->name; l++)
				if (l->val == c)
					name = l->name;
			if (c == '?' || c == ':') {
				fprintf(stderr, "ftplab-proxy: %s option '%s'\n",
				        c == ':' ? "missing value for" : "unknown", argv[optind - 1]);
				return 2;
			}
			if (c == 'h' || c == OPT_VERSION) {
				if (c == 'h')
					usage(stdout);
				else
					printf("ftplab-proxy %s\n", FTPLAB_VERSION);
				return 0;
			}
			if (pass == 0 && c == 'c' && read_file(cfg, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "ftplab-proxy: %s\n", err);
				return 2;
			}
			if (pass == 0 || c == 'c')
				continue;
			if (pconfig_set(cfg, name, optarg, err, sizeof(err)) < 0) {
				fprintf(stderr, "ftplab-proxy: %s\n", err);
				return 2;
			}
		}
	}
	if (optind < argc) {
		fprintf(stderr, "ftplab-proxy: unexpected argument '%s'\n", argv[optind]);
		return 2;
	}
	if (pconfig_finish(cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ftplab-proxy: %s (see --help)\n", err);
		return 2;
	}
	return -1;
}

int main(int argc, char **argv)
{
	static struct proxy px;
	char err[1024] = "out of memory";
	int rc;

	pconfig_defaults(&px.cfg);
	px.chan = -1;
	rc = parse_args(argc, argv, &px.cfg);
	if (rc >= 0)
		return rc;
	px.per_ip = iptable_new();
	if (px.cfg.log_json[0] && (px.jsonlog = fopen(px.cfg.log_json, "ae")) == NULL)
		snprintf(err, sizeof(err), "%.512s: %s", px.cfg.log_json, strerror(errno));
	if (!px.per_ip || (px.cfg.log_json[0] && !px.jsonlog) ||
	    proxy_resolve_upstream(&px, err, sizeof(err)) < 0 ||
	    proxy_bind_all(&px, err, sizeof(err)) < 0) {
		fprintf(stderr, "ftplab-proxy: %s\n", err);
		proxy_free(&px);
		return 1;
	}
	plog_process("ftplab-proxy %s, %s mode, server data connections: %s, data path: %s, "
	             "%u process%s", FTPLAB_VERSION, px.cfg.mode == PMODE_REVERSE ? "reverse"
	             : px.cfg.mode == PMODE_TRANSPARENT ? "transparent" : "forward",
	             rewrite_server_data_name(px.cfg.server_data),
	             px.cfg.data_path == DPATH_KERNEL ? "kernel (nftables)" : "relay",
	             px.cfg.workers, px.cfg.workers > 1 ? "es (workers) and a parent" : "");
	return px.cfg.workers > 1 ? workers_run(&px) : proxy_serve(&px);
}
