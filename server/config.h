/* config.h - ftplab-server settings: one table drives the command line
 * (getopt_long), the config file (-c FILE, "name = value" lines) and --help. */
#ifndef FTPLAB_SERVER_CONFIG_H
#define FTPLAB_SERVER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"

#define CONFIG_MAX_LISTEN 16
#define CONFIG_MAX_PASV_MAP 32
#define CONFIG_PATH_MAX 4096

enum anon_mode { ANON_DEFAULT = 0, ANON_OFF, ANON_RO, ANON_RW };

/* Lab faults: misbehaviour on purpose (--fault NAME[=ARG], repeatable). */
struct faults {
	bool pasv_address_set;        /* pasv-address=IP: advertise this address in 227 */
	struct ftp_addr pasv_address;
	unsigned reply_delay_ms;      /* reply-delay=MS: wait before every reply */
	bool drop_data_after_set;     /* drop-data-after=BYTES: close data mid-transfer */
	uint64_t drop_data_after;
	bool refuse_data;             /* refuse-data: every data connection fails, 425 */
	unsigned slow_data_kbps;      /* slow-data=KBPS: throttle data connections */
	unsigned multiline_banner;    /* multiline-banner=N: a 220- banner of N lines */
	bool split_replies;           /* split-replies: one byte per TCP segment */
};

struct pasv_map {
	struct ftp_cidr net; /* clients in this network ... */
	struct ftp_addr addr; /* ... are told this address in 227 */
};

struct server_config {
	struct ftp_hostport listen[CONFIG_MAX_LISTEN]; /* -l, --listen ADDR:PORT */
	size_t nlisten;                                /* 0: 127.0.0.1:2121 */
	char root[CONFIG_PATH_MAX];                    /* -r, --root DIR ("" = cwd) */
	char users_file[CONFIG_PATH_MAX];              /* --users FILE ("" = none) */
	enum anon_mode anonymous;                      /* --anonymous=ro|rw|off */
	uint16_t pasv_min, pasv_max;                   /* --pasv-ports A-B (0,0: any) */
	bool pasv_address_set;                         /* --pasv-address IP */
	struct ftp_addr pasv_address;
	struct pasv_map pasv_map[CONFIG_MAX_PASV_MAP]; /* --pasv-address-map CIDR=IP */
	size_t npasv_map;
	unsigned max_sessions;                         /* --max-sessions N (default 10000... see .c) */
	unsigned max_per_ip;                           /* --max-per-ip N */
	unsigned idle_timeout;                         /* --idle-timeout S */
	unsigned login_timeout;                        /* --login-timeout S */
	unsigned data_timeout;                         /* --data-timeout S */
	unsigned rate_limit_kbps;                      /* --rate-limit KBPS (0: none) */
	bool atomic_uploads;                           /* --atomic-uploads */
	bool allow_fxp;                                /* --allow-fxp: PORT to other hosts */
	char xferlog[CONFIG_PATH_MAX];                 /* --xferlog FILE */
	char log_json[CONFIG_PATH_MAX];                /* --log-json FILE */
	bool log_passwords;                            /* --log-passwords (off: masked) */
	bool quiet;                                    /* -q, --quiet: only refusals and failures */
	struct faults faults;                          /* --fault NAME[=ARG] */
	char config_file[CONFIG_PATH_MAX];             /* -c FILE (for SIGHUP reload) */
};

/* One row per setting; main.c builds getopt_long's table and --help from it.
 * Options that only make sense on the command line (-c, --help, --version,
 * --hash-password) are main.c's own. */
struct config_option {
	const char *name;     /* long name, also the config-file key */
	int short_opt;        /* 0 when none */
	bool takes_value;     /* false for flags */
	const char *value_name; /* e.g. "ADDR:PORT" for --help */
	const char *help;
};
const struct config_option *config_options(size_t *count);

/* Defaults: see config.c (no arguments = anonymous read-only on 127.0.0.1:2121). */
void config_defaults(struct server_config *c);

/* Set one option by its long name ("listen", "pasv-ports", "fault", ...).
 * value may be NULL for flags. Returns 0, or -1 with a message in err. */
int config_set(struct server_config *c, const char *name, const char *value, char *err,
               size_t errlen);

/* Apply a config file's text: "name = value" lines, '#' comments, blank lines,
 * flags as "name" or "name = yes|no|true|false|1|0". Returns 0, or -1 with
 * "LINE: message" in err. */
int config_parse_text(struct server_config *c, const char *text, size_t len, char *err,
                      size_t errlen);

/* Fill what defaults depend on (anonymous: ro without users, off with). */
void config_finish(struct server_config *c);

/* Parse one fault spec "NAME[=ARG]" into f. Returns 0 or -1 with err. */
int faults_parse(struct faults *f, const char *spec, char *err, size_t errlen);

#endif
