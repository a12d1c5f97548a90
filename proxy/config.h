/* config.h - ftplab-proxy settings: one table drives getopt_long, the
 * config file (-c FILE, "name = value" lines) and --help, as in the server. */
#ifndef FTPLAB_PROXY_CONFIG_H
#define FTPLAB_PROXY_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"
#include "rewrite.h"

#define PCONFIG_MAX_LISTEN 16
#define PCONFIG_MAX_ALLOW 64
#define PCONFIG_PATH_MAX 4096
#define PCONFIG_HOST_MAX 256
#define PCONFIG_MAX_WORKERS 64

enum proxy_mode {
	PMODE_NONE = 0,    /* not chosen yet: config_finish fails */
	PMODE_REVERSE,     /* --upstream HOST:PORT: every client goes there */
	PMODE_TRANSPARENT, /* --transparent: the original destination (SO_ORIGINAL_DST) */
	PMODE_FORWARD,     /* --forward: USER user@host[:port] names the server */
};

enum data_path {
	DPATH_RELAY = 0, /* the proxy relays every data connection (splice) */
	DPATH_KERNEL,    /* netfilter translates them when it can (kpath.h) */
};

struct proxy_config {
	struct ftp_hostport listen[PCONFIG_MAX_LISTEN]; /* -l, --listen ADDR:PORT (repeatable) */
	size_t nlisten;                                 /* 0: config_finish sets 127.0.0.1:2100 */
	enum proxy_mode mode;
	char upstream_host[PCONFIG_HOST_MAX];          /* --upstream HOST:PORT (name or literal) */
	uint16_t upstream_port;
	bool transparent, forward;                     /* the flags as given */
	bool public_address_set;                       /* --public-address IP */
	struct ftp_addr public_address;
	bool outside_address_set;                      /* --outside-address IP */
	struct ftp_addr outside_address;
	uint16_t data_min, data_max;                   /* --data-ports A-B (0,0: 49152-65535) */
	enum server_data server_data;                  /* --server-data same|passive|epsv|active|eprt */
	enum data_path data_path;                      /* --data-path relay|kernel */
	struct dest_rule allow[PCONFIG_MAX_ALLOW];     /* --allow-dest CIDR[:PORTS] (repeatable) */
	size_t nallow;
	unsigned max_sessions;                         /* --max-sessions N (10000) */
	unsigned max_per_ip;                           /* --max-per-ip N (50) */
	unsigned workers;                              /* --workers N (1: no parent process) */
	unsigned idle_timeout;                         /* --idle-timeout S (300) */
	unsigned connect_timeout;                      /* --connect-timeout S (10) */
	char log_json[PCONFIG_PATH_MAX];               /* --log-json FILE */
	bool verbose;                                  /* -v: the teaching transcript on stderr */
	char config_file[PCONFIG_PATH_MAX];            /* -c FILE */
};

struct pconfig_option {
	const char *name;
	int short_opt;
	bool takes_value;
	const char *value_name;
	const char *help;
};
const struct pconfig_option *pconfig_options(size_t *count);

void pconfig_defaults(struct proxy_config *c);
/* Set one option by long name; value NULL for flags. 0, or -1 with err. */
int pconfig_set(struct proxy_config *c, const char *name, const char *value, char *err,
                size_t errlen);
/* "name = value" lines, '#' comments; errors "LINE: message". */
int pconfig_parse_text(struct proxy_config *c, const char *text, size_t len, char *err,
                       size_t errlen);
/* Choose the mode (exactly one of --upstream, --transparent, --forward),
 * fill defaults. 0, or -1 with err (no mode, or two). */
int pconfig_finish(struct proxy_config *c, char *err, size_t errlen);

#endif
