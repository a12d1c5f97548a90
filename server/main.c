/* ftplab-server: the reference FTP server. main() only wires: options,
 * the served root, users, logs, listeners, signals, the event loop. */
#include <event2/event.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "ftplab/version.h"
#include "iptable.h"
#include "log.h"
#include "server.h"
#include "users.h"

#define IOBUF_SIZE (256 * 1024)
#define MAX_OPTS 48

enum { OPT_HELP = 1000, OPT_VERSION, OPT_HASH, OPT_VERBOSE, OPT_TABLE };

static void usage(FILE *f)
{
	size_t n;
	const struct config_option *o = config_options(&n);

	fprintf(f, "Usage: ftplab-server [OPTION]...\n"
	           "A reference FTP server (RFC 959, 2389, 2428, 3659, 7151). With no options it\n"
	           "serves the current directory read-only to anonymous users on 127.0.0.1:2121.\n\n");
	fprintf(f, "  -c, --config FILE            read options from FILE (\"name = value\" lines)\n");
	for (size_t i = 0; i < n; i++) {
		char left[64], lead[8] = "    ";

		if (o[i].short_opt)
			snprintf(lead, sizeof(lead), "-%c, ", o[i].short_opt);
		snprintf(left, sizeof(left), "%s--%s%s%s", lead, o[i].name,
		         o[i].takes_value ? " " : "", o[i].takes_value ? o[i].value_name : "");
		fprintf(f, "  %-28s %s\n", left, o[i].help);
	}
	fprintf(f, "  -v, --verbose                log every command and reply on stderr\n"
	           "      --hash-password          read a password on stdin, print its hash, exit\n"
	           "  -h, --help                   this text\n"
	           "      --version                print the version and exit\n\n"
	           "Signals: SIGTERM finishes transfers and exits; SIGHUP reloads -c FILE and users.\n"
	           "See ftplab-server(8).\n");
}

static int hash_password(void)
{
	char pw[1024], hash[256];
	size_t len;

	if (fgets(pw, sizeof(pw), stdin) == NULL) {
		fprintf(stderr, "ftplab-server: no password on stdin\n");
		return 1;
	}
	len = strcspn(pw, "\r\n");
	pw[len] = '\0';
	if (users_hash_password(pw, hash, sizeof(hash)) < 0) {
		fprintf(stderr, "ftplab-server: hashing failed\n");
		return 1;
	}
	printf("%s\n", hash);
	return 0;
}

/* getopt_long's table from the config table, plus main's own options. */
static void build_options(struct option *lo, char *shorts)
{
	size_t n, k = 0;
	const struct config_option *o = config_options(&n);
	char *sp = shorts;

	*sp++ = ':';
	for (size_t i = 0; i < n && k < MAX_OPTS - 6; i++, k++) {
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
	lo[k++] = (struct option){"hash-password", no_argument, NULL, OPT_HASH};
	lo[k++] = (struct option){"verbose", no_argument, NULL, 'v'};
	lo[k] = (struct option){0};
	strcpy(sp, "c:hv");
}

static const char *option_name(int c, const struct option *lo)
{
	for (; lo->name; lo++)
		if (lo->val == c)
			return lo->name;
	return NULL;
}

/* The options that set the configuration, applied over cfg (at start and
 * again on SIGHUP, over the reloaded file). 0, or -1 with err. */
static int apply_args(struct server *srv, struct server_config *cfg, char *err, size_t errlen)
{
	struct option lo[MAX_OPTS];
	char shorts[2 * MAX_OPTS];
	bool cmdline_listen = false;
	int c;

	build_options(lo, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(srv->argc, srv->argv, shorts, lo, NULL)) != -1) {
		if (c == 'v') {
			srv->verbose = true;
			continue;
		}
		if (c == 'c' || c == 'h' || c == OPT_VERSION || c == OPT_HASH)
			continue;
		if (c == 'l' && !cmdline_listen) {
			cfg->nlisten = 0; /* the command line replaces the file's */
			cmdline_listen = true;
		}
		if (config_set(cfg, option_name(c, lo), optarg, err, errlen) < 0)
			return -1;
	}
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int parse_args(struct server *srv)
{
	struct option lo[MAX_OPTS];
	char shorts[2 * MAX_OPTS], err[1024];
	int c;

	build_options(lo, shorts);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(srv->argc, srv->argv, shorts, lo, NULL)) != -1) {
		if (c == '?' || c == ':') {
			fprintf(stderr, "ftplab-server: %s option '%s'\n",
			        c == ':' ? "missing value for" : "unknown", srv->argv[optind - 1]);
			return 2;
		}
		if (c == 'h') {
			usage(stdout);
			return 0;
		}
		if (c == OPT_VERSION) {
			printf("ftplab-server %s\n", FTPLAB_VERSION);
			return 0;
		}
		if (c == OPT_HASH)
			return hash_password();
		if (c == 'c' && server_read_config(&srv->cfg, optarg, err, sizeof(err)) < 0) {
			fprintf(stderr, "ftplab-server: %s\n", err);
			return 2;
		}
	}
	if (optind < srv->argc) {
		fprintf(stderr, "ftplab-server: unexpected argument '%s'\n", srv->argv[optind]);
		return 2;
	}
	if (apply_args(srv, &srv->cfg, err, sizeof(err)) < 0) {
		fprintf(stderr, "ftplab-server: %s\n", err);
		return 2;
	}
	config_finish(&srv->cfg);
	return -1;
}

int main(int argc, char **argv)
{
	struct server srv = {.rootfd = -1, .argc = argc, .argv = argv, .apply_args = apply_args};
	char err[1024];
	int rc;

	config_defaults(&srv.cfg);
	rc = parse_args(&srv);
	if (rc >= 0)
		return rc;
	srv.base = event_base_new();
	srv.per_ip = iptable_new();
	srv.iobuf_size = IOBUF_SIZE;
	srv.iobuf = malloc(IOBUF_SIZE);
	if (!srv.base || !srv.per_ip || !srv.iobuf)
		snprintf(err, sizeof(err), "out of memory");
	if (!srv.base || !srv.per_ip || !srv.iobuf || server_open_root(&srv, err, sizeof(err)) < 0 ||
	    server_load_users(&srv.cfg, &srv.users, err, sizeof(err)) < 0 ||
	    server_open_logs(&srv, err, sizeof(err)) < 0 ||
	    server_listen_all(&srv, err, sizeof(err)) < 0 || server_install_signals(&srv) < 0) {
		fprintf(stderr, "ftplab-server: %s\n", err);
		server_free(&srv);
		return 1;
	}
	log_server("ftplab-server %s serving %s (anonymous %s)", FTPLAB_VERSION,
	           srv.cfg.root[0] ? srv.cfg.root : ".",
	           srv.cfg.anonymous == ANON_OFF ? "off" : srv.cfg.anonymous == ANON_RW ? "rw" : "ro");
	event_base_dispatch(srv.base);
	log_server("exiting");
	server_free(&srv);
	return 0;
}
