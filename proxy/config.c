/* config.c - ftplab-proxy settings: the option table, defaults, validation of
 * every value, the config-file syntax and the choice of mode.
 *
 * Pure code: no I/O, no globals but const tables. As in the server's
 * config.c, one X-macro list gives both the public table (getopt_long,
 * --help, config-file keys) and the setter of each option, so the two cannot
 * drift apart. A setter changes nothing in the config when it fails.
 */
#include "config.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "ftplab/kvconf.h"
#include "ftplab/optset.h"
#include "ftplab/textesc.h"

#define DEFAULT_LISTEN_PORT 2100
#define DEFAULT_DATA_MIN 49152
#define DEFAULT_DATA_MAX 65535

/* The configuration a setter works on. */
#define CFG(x) ((struct proxy_config *)(x)->cfg)

_Static_assert(PCONFIG_PATH_MAX == OPTSET_PATH_MAX, "path fields are OPTSET_PATH_MAX bytes");

static int set_listen(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct proxy_config *c = CFG(x);
	struct ftp_hostport hp;
	enum ftp_status st = addr_parse_endpoint(v, strlen(v), &hp);

	(void)o;
	if (st != FTP_OK)
		return optset_fail(
			x,
			"'%s' is not ADDR:PORT with port 1..65535, e.g. 127.0.0.1:2100 or "
			"[::1]:2100 (%s)",
			optset_shown(x, v), ftp_status_str(st));
	for (size_t i = 0; i < c->nlisten; i++)
		if (addr_equal(&c->listen[i].addr, &hp.addr) && c->listen[i].port == hp.port)
			return optset_fail(x, "'%s' is given twice", optset_shown(x, v));
	if (c->nlisten >= PCONFIG_MAX_LISTEN)
		return optset_fail(x, "'%s' is one address too many (at most %d)",
				   optset_shown(x, v), PCONFIG_MAX_LISTEN);
	c->listen[c->nlisten++] = hp;
	return 0;
}

static int set_upstream(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct proxy_config *c = CFG(x);
	char host[PCONFIG_HOST_MAX];
	uint16_t port;
	enum ftp_status st = rewrite_parse_host_port(v, strlen(v), 0, host, sizeof(host), &port);

	(void)o;
	if (st != FTP_OK)
		return optset_fail(
			x,
			"'%s' is not HOST:PORT with a name, an IPv4 address or [IPv6] and "
			"port 1..65535, e.g. ftp.example.com:21 or [2001:db8::1]:21 (%s)",
			optset_shown(x, v), ftp_status_str(st));
	memcpy(c->upstream_host, host, sizeof(host));
	c->upstream_port = port;
	return 0;
}

static int set_allow_dest(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct proxy_config *c = CFG(x);
	struct dest_rule r;
	enum ftp_status st = rewrite_parse_dest_rule(v, strlen(v), &r);

	(void)o;
	if (st != FTP_OK)
		return optset_fail(x, "'%s' is not CIDR[:PORT[-PORT]], e.g. 198.51.100.0/24:21 or "
		            "[2001:db8::]/32:21-2121 (%s)", optset_shown(x, v), ftp_status_str(st));
	if (c->nallow >= PCONFIG_MAX_ALLOW)
		return optset_fail(x, "'%s' is one rule too many (at most %d)", optset_shown(x, v),
		            PCONFIG_MAX_ALLOW);
	c->allow[c->nallow++] = r;
	return 0;
}

/* 227 replies carry IPv4 only, so the address announced to clients is IPv4. */
static int set_public_address(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct ftp_addr a;

	(void)o;
	if (addr_parse(v, strlen(v), &a) != FTP_OK || a.family != FTP_AF_INET)
		return optset_fail(x, "'%s' is not an IPv4 address (227 replies carry IPv4 only)",
		            optset_shown(x, v));
	CFG(x)->public_address = a;
	CFG(x)->public_address_set = true;
	return 0;
}

/* Toward servers EPRT carries either family. */
static int set_outside_address(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct ftp_addr a;

	(void)o;
	if (addr_parse(v, strlen(v), &a) != FTP_OK)
		return optset_fail(x, "'%s' is not an IPv4 or IPv6 address", optset_shown(x, v));
	CFG(x)->outside_address = a;
	CFG(x)->outside_address_set = true;
	return 0;
}

static int set_data_ports(struct optset *x, const struct optset_impl *o, const char *v)
{
	const char *dash = strchr(v, '-');
	uint64_t a, b;

	(void)o;
	if (dash == NULL || optset_parse_u64(v, (size_t)(dash - v), 1, 65535, &a) != 0 ||
	    optset_parse_u64(dash + 1, strlen(dash + 1), 1, 65535, &b) != 0 || a > b)
		return optset_fail(x, "'%s' is not A-B with 1 <= A <= B <= 65535",
				   optset_shown(x, v));
	CFG(x)->data_min = (uint16_t)a;
	CFG(x)->data_max = (uint16_t)b;
	return 0;
}

static int set_server_data(struct optset *x, const struct optset_impl *o, const char *v)
{
	enum server_data sd;

	(void)o;
	if (rewrite_parse_server_data(v, &sd) != 0)
		return optset_fail(x, "'%s' is not same, passive, epsv, active or eprt",
				   optset_shown(x, v));
	CFG(x)->server_data = sd;
	return 0;
}

static int set_data_path(struct optset *x, const struct optset_impl *o, const char *v)
{
	(void)o;
	if (strcmp(v, "relay") == 0)
		CFG(x)->data_path = DPATH_RELAY;
	else if (strcmp(v, "kernel") == 0)
		CFG(x)->data_path = DPATH_KERNEL;
	else
		return optset_fail(x, "'%s' is not relay or kernel", optset_shown(x, v));
	return 0;
}

#define OFF(f) offsetof(struct proxy_config, f)

/* Each row: name, short option, takes a value, value name, help;
 * then the setter, its field, and bounds for numbers. */
#define PCONFIG_OPTION_LIST(X)                                                                  \
	X("listen", 'l', true, "ADDR:PORT",                                                     \
	  "listen on ADDR:PORT, e.g. [::]:21 (repeatable; 127.0.0.1:2100)",                     \
	  set_listen, 0, 0, 0)                                                                  \
	X("upstream", 0, true, "HOST:PORT",                                                     \
	  "reverse proxy: send every client to the server HOST:PORT",                           \
	  set_upstream, 0, 0, 0)                                                                \
	X("transparent", 0, false, NULL,                                                        \
	  "transparent proxy: go where the client was going (iptables)",                        \
	  optset_set_flag, OFF(transparent), 0, 0)                                                     \
	X("forward", 0, false, NULL,                                                            \
	  "forward proxy: USER user@host[:port] names the server",                              \
	  optset_set_flag, OFF(forward), 0, 0)                                                         \
	X("allow-dest", 0, true, "CIDR[:PORTS]",                                                \
	  "only reach servers in CIDR, on PORT or LO-HI (repeatable)",                          \
	  set_allow_dest, 0, 0, 0)                                                              \
	X("public-address", 0, true, "IP",                                                      \
	  "announce IPv4 address IP to clients in 227 (default: the local one)",                \
	  set_public_address, 0, 0, 0)                                                          \
	X("outside-address", 0, true, "IP",                                                     \
	  "use address IP toward servers (default: chosen by routing)",                         \
	  set_outside_address, 0, 0, 0)                                                         \
	X("data-ports", 0, true, "A-B",                                                         \
	  "take data-connection ports from A-B (default: 49152-65535)",                         \
	  set_data_ports, 0, 0, 0)                                                              \
	X("server-data", 0, true, "MODE",                                                       \
	  "data connections to servers: same|passive|epsv|active|eprt",                         \
	  set_server_data, 0, 0, 0)                                                             \
	X("data-path", 0, true, "PATH",                                                         \
	  "relay: the proxy carries data; kernel: netfilter does (nftables)",                   \
	  set_data_path, 0, 0, 0)                                                               \
	X("max-sessions", 0, true, "N",                                                         \
	  "relay at most N sessions at once (default 10000)",                                   \
	  optset_set_uint, OFF(max_sessions), 1, 1000000)                                              \
	X("max-per-ip", 0, true, "N",                                                           \
	  "relay at most N sessions per client address (default 50)",                           \
	  optset_set_uint, OFF(max_per_ip), 1, 1000000)                                                \
	X("workers", 0, true, "N",                                                              \
	  "serve with N processes; one parent passes them the sessions (1)",                     \
	  optset_set_uint, OFF(workers), 1, PCONFIG_MAX_WORKERS)                                      \
	X("idle-timeout", 0, true, "S",                                                         \
	  "close a session idle for S seconds (default 300)",                                   \
	  optset_set_uint, OFF(idle_timeout), 1, 86400)                                                \
	X("connect-timeout", 0, true, "S",                                                      \
	  "give up connecting to a server after S seconds (default 10)",                        \
	  optset_set_uint, OFF(connect_timeout), 1, 600)                                               \
	X("log-json", 0, true, "FILE",                                                          \
	  "append session events to FILE as JSON lines",                                        \
	  optset_set_path, OFF(log_json), 0, 0)                                                        \
	X("verbose", 'v', false, NULL,                                                          \
	  "show every rewrite as a transcript line on stderr",                                  \
	  optset_set_flag, OFF(verbose), 0, 0)

#define OPTION_ROW(name, sh, tv, vn, help, set, off, lo, hi) {name, sh, tv, vn, help},
#define IMPL_ROW(name, sh, tv, vn, help, set, off, lo, hi) {set, off, lo, hi},

static const struct pconfig_option options[] = {PCONFIG_OPTION_LIST(OPTION_ROW)};
static const struct optset_impl impls[] = {PCONFIG_OPTION_LIST(IMPL_ROW)};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

const struct pconfig_option *pconfig_options(size_t *count)
{
	if (count != NULL)
		*count = NOPTIONS;
	return options;
}

void pconfig_defaults(struct proxy_config *c)
{
	memset(c, 0, sizeof(*c));
	c->mode = PMODE_NONE;
	c->server_data = SD_SAME;
	c->max_sessions = 10000;
	c->max_per_ip = 50;
	c->workers = 1;
	c->idle_timeout = 300;
	c->connect_timeout = 10;
}

/* pconfig_set with the option named as dash + name in messages. */
static int option_set(struct proxy_config *c, const char *name, const char *value,
                      const char *dash, char *err, size_t errlen)
{
	struct optset x = {c, dash, name, err, errlen, ""};

	for (size_t i = 0; i < NOPTIONS; i++) {
		if (strcmp(name, options[i].name) != 0)
			continue;
		if (options[i].takes_value && value == NULL)
			return optset_fail(&x, "needs a value (%s)", options[i].value_name);
		return impls[i].set(&x, &impls[i], value);
	}
	if (errlen > 0)
		snprintf(err, errlen, "unknown option '%s'", optset_shown(&x, name));
	return -1;
}

int pconfig_set(struct proxy_config *c, const char *name, const char *value, char *err,
                size_t errlen)
{
	return option_set(c, name, value, "--", err, errlen);
}

/* The file's lines go through the shared kvconf syntax; names are the
 * long options, named without "--" in messages. */
static int file_setting(void *ctx, const char *name, const char *value, char *err,
                        size_t errlen)
{
	return option_set(ctx, name, value, "", err, errlen);
}

int pconfig_parse_text(struct proxy_config *c, const char *text, size_t len, char *err,
                       size_t errlen)
{
	return kvconf_parse(text, len, file_setting, c, err, errlen);
}

#define MODE_CHOICE "choose one of --upstream HOST:PORT, --transparent, --forward"

/* The mode the flags ask for; the error when it is not exactly one. */
static int choose_mode(const struct proxy_config *c, enum proxy_mode *mode, char *err,
                       size_t errlen)
{
	static const char *const names[] = {"--upstream", "--transparent", "--forward"};
	bool given[] = {c->upstream_host[0] != '\0', c->transparent, c->forward};
	const char *first = NULL, *second = NULL;
	size_t count = 0;

	for (size_t i = 0; i < 3; i++) {
		if (!given[i])
			continue;
		if (count++ == 0) {
			first = names[i];
			*mode = (enum proxy_mode)(PMODE_REVERSE + i);
		} else if (second == NULL) {
			second = names[i];
		}
	}
	if (count == 1)
		return 0;
	if (errlen > 0 && count == 0)
		snprintf(err, errlen, "%s", MODE_CHOICE);
	else if (errlen > 0)
		snprintf(err, errlen, "%s (%s and %s were both given)", MODE_CHOICE, first,
		         second);
	return -1;
}

int pconfig_finish(struct proxy_config *c, char *err, size_t errlen)
{
	enum proxy_mode mode = PMODE_NONE;

	if (choose_mode(c, &mode, err, errlen) != 0)
		return -1;
	c->mode = mode;
	if (c->nlisten == 0) {
		static const uint8_t loopback[4] = {127, 0, 0, 1};

		memset(&c->listen[0], 0, sizeof(c->listen[0]));
		c->listen[0].addr.family = FTP_AF_INET;
		memcpy(c->listen[0].addr.b, loopback, sizeof(loopback));
		c->listen[0].port = DEFAULT_LISTEN_PORT;
		c->nlisten = 1;
	}
	if (c->data_min == 0 && c->data_max == 0) {
		c->data_min = DEFAULT_DATA_MIN;
		c->data_max = DEFAULT_DATA_MAX;
	}
	return 0;
}
