/* config.c - ftplab-server settings: the option table, defaults, validation of
 * every value, the config-file syntax and lab faults.
 *
 * Pure code: no I/O, no globals but const tables. One X-macro list gives both
 * the public table (getopt_long, --help, config-file keys) and the setter of
 * each option, so the two cannot drift apart. A setter changes nothing in the
 * config when it fails.
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

/* 227 replies carry IPv4 only, so every address announced in them is IPv4. */
static int parse_ipv4(const char *s, size_t n, struct ftp_addr *out)
{
	return addr_parse(s, n, out) == FTP_OK && out->family == FTP_AF_INET ? 0 : -1;
}

/* The configuration a setter works on. */
#define CFG(x) ((struct server_config *)(x)->cfg)

_Static_assert(CONFIG_PATH_MAX == OPTSET_PATH_MAX, "path fields are OPTSET_PATH_MAX bytes");

static int set_listen(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct server_config *c = CFG(x);
	struct ftp_hostport hp;
	enum ftp_status st = addr_parse_endpoint(v, strlen(v), &hp);

	(void)o;
	if (st != FTP_OK)
		return optset_fail(
			x,
			"'%s' is not ADDR:PORT with port 1..65535, e.g. 127.0.0.1:2121 or "
			"[::1]:2121 (%s)",
			optset_shown(x, v), ftp_status_str(st));
	for (size_t i = 0; i < c->nlisten; i++)
		if (addr_equal(&c->listen[i].addr, &hp.addr) && c->listen[i].port == hp.port)
			return optset_fail(x, "'%s' is given twice", optset_shown(x, v));
	if (c->nlisten >= CONFIG_MAX_LISTEN)
		return optset_fail(x, "'%s' is one address too many (at most %d)",
				   optset_shown(x, v), CONFIG_MAX_LISTEN);
	c->listen[c->nlisten++] = hp;
	return 0;
}

static int set_anonymous(struct optset *x, const struct optset_impl *o, const char *v)
{
	static const struct {
		const char *word;
		enum anon_mode mode;
	} modes[] = {{"ro", ANON_RO}, {"rw", ANON_RW}, {"off", ANON_OFF}};

	(void)o;
	for (size_t i = 0; i < sizeof(modes) / sizeof(modes[0]); i++) {
		if (strcmp(v, modes[i].word) == 0) {
			CFG(x)->anonymous = modes[i].mode;
			return 0;
		}
	}
	return optset_fail(x, "'%s' is not ro, rw or off", optset_shown(x, v));
}

static int set_pasv_ports(struct optset *x, const struct optset_impl *o, const char *v)
{
	const char *dash = strchr(v, '-');
	uint64_t a, b;

	(void)o;
	if (dash == NULL || optset_parse_u64(v, (size_t)(dash - v), 1, 65535, &a) != 0 ||
	    optset_parse_u64(dash + 1, strlen(dash + 1), 1, 65535, &b) != 0 || a > b)
		return optset_fail(x, "'%s' is not A-B with 1 <= A <= B <= 65535",
				   optset_shown(x, v));
	CFG(x)->pasv_min = (uint16_t)a;
	CFG(x)->pasv_max = (uint16_t)b;
	return 0;
}

static int set_pasv_address(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct ftp_addr a;

	(void)o;
	if (parse_ipv4(v, strlen(v), &a) != 0)
		return optset_fail(x, "'%s' is not an IPv4 address (227 replies carry IPv4 only)",
		            optset_shown(x, v));
	CFG(x)->pasv_address = a;
	CFG(x)->pasv_address_set = true;
	return 0;
}

static int set_pasv_map(struct optset *x, const struct optset_impl *o, const char *v)
{
	struct server_config *c = CFG(x);
	const char *eq = strchr(v, '=');
	struct pasv_map m;

	(void)o;
	if (eq == NULL || addr_parse_cidr(v, (size_t)(eq - v), &m.net) != FTP_OK ||
	    parse_ipv4(eq + 1, strlen(eq + 1), &m.addr) != 0)
		return optset_fail(x, "'%s' is not CIDR=IPv4, e.g. 10.0.0.0/8=203.0.113.7",
				   optset_shown(x, v));
	if (c->npasv_map >= CONFIG_MAX_PASV_MAP)
		return optset_fail(x, "'%s' is one mapping too many (at most %d)",
				   optset_shown(x, v), CONFIG_MAX_PASV_MAP);
	c->pasv_map[c->npasv_map++] = m;
	return 0;
}

static int set_fault(struct optset *x, const struct optset_impl *o, const char *v)
{
	char ferr[512];

	(void)o;
	if (faults_parse(&CFG(x)->faults, v, ferr, sizeof(ferr)) != 0)
		return optset_fail(x, "%s", ferr);
	return 0;
}

#define OFF(f) offsetof(struct server_config, f)

/* Each row: name, short option, takes a value, value name, help;
 * then the setter, its field, and bounds for numbers. */
#define CONFIG_OPTION_LIST(X)                                                                   \
	X("listen", 'l', true, "ADDR:PORT",                                                     \
	  "listen on ADDR:PORT, e.g. [::]:21 (repeatable; 127.0.0.1:2121)",                     \
	  set_listen, 0, 0, 0)                                                                  \
	X("root", 'r', true, "DIR",                                                             \
	  "serve DIR as \"/\" (default: the current directory)",                                \
	  optset_set_path, OFF(root), 0, 0)                                                            \
	X("users", 0, true, "FILE",                                                             \
	  "virtual users, one name:crypt-hash:home:ro|rw per line",                             \
	  optset_set_path, OFF(users_file), 0, 0)                                                      \
	X("anonymous", 0, true, "ro|rw|off",                                                    \
	  "anonymous logins (default: ro without --users, else off)",                           \
	  set_anonymous, 0, 0, 0)                                                               \
	X("pasv-ports", 0, true, "A-B",                                                         \
	  "take passive-mode ports from A-B (default: 49152-65535)",                                    \
	  set_pasv_ports, 0, 0, 0)                                                              \
	X("pasv-address", 0, true, "IP",                                                        \
	  "announce IPv4 address IP in 227 (default: the local one)",                           \
	  set_pasv_address, 0, 0, 0)                                                            \
	X("pasv-address-map", 0, true, "CIDR=IP",                                               \
	  "announce IP in 227 to clients in CIDR (repeatable)",                                 \
	  set_pasv_map, 0, 0, 0)                                                                \
	X("max-sessions", 0, true, "N",                                                         \
	  "serve at most N sessions at once (default 10000)",                                   \
	  optset_set_uint, OFF(max_sessions), 1, 1000000)                                              \
	X("max-per-ip", 0, true, "N",                                                           \
	  "serve at most N sessions per client address (default 50)",                           \
	  optset_set_uint, OFF(max_per_ip), 1, 1000000)                                                \
	X("idle-timeout", 0, true, "S",                                                         \
	  "close a session idle for S seconds (default 300)",                                   \
	  optset_set_uint, OFF(idle_timeout), 1, 86400)                                                \
	X("login-timeout", 0, true, "S",                                                        \
	  "close a session not logged in after S seconds (default 60)",                         \
	  optset_set_uint, OFF(login_timeout), 1, 86400)                                               \
	X("data-timeout", 0, true, "S",                                                         \
	  "abort a data connection stalled for S seconds (default 60)",                         \
	  optset_set_uint, OFF(data_timeout), 1, 86400)                                                \
	X("rate-limit", 0, true, "KBPS",                                                        \
	  "limit each data connection to KBPS KiB/s (default 0: none)",                         \
	  optset_set_uint, OFF(rate_limit_kbps), 0, 10000000)                                          \
	X("atomic-uploads", 0, false, NULL,                                                     \
	  "upload to a temporary file, renamed when complete",                                  \
	  optset_set_flag, OFF(atomic_uploads), 0, 0)                                                  \
	X("allow-fxp", 0, false, NULL,                                                          \
	  "allow PORT and EPRT to other hosts than the client (FXP)",                           \
	  optset_set_flag, OFF(allow_fxp), 0, 0)                                                       \
	X("xferlog", 0, true, "FILE",                                                           \
	  "append one xferlog line per transfer to FILE",                                       \
	  optset_set_path, OFF(xferlog), 0, 0)                                                         \
	X("log-json", 0, true, "FILE",                                                          \
	  "append session events to FILE as JSON lines",                                        \
	  optset_set_path, OFF(log_json), 0, 0)                                                        \
	X("log-passwords", 0, false, NULL,                                                      \
	  "log passwords in clear (default: masked)",                                           \
	  optset_set_flag, OFF(log_passwords), 0, 0)                                                   \
	X("quiet", 'q', false, NULL,                                                            \
	  "log only refusals, failures and faults on stderr",                                   \
	  optset_set_flag, OFF(quiet), 0, 0)                                                           \
	X("fault", 0, true, "NAME[=ARG]",                                                       \
	  "misbehave on purpose for labs (repeatable; see the man page)",                       \
	  set_fault, 0, 0, 0)

#define OPTION_ROW(name, sh, tv, vn, help, set, off, lo, hi) {name, sh, tv, vn, help},
#define IMPL_ROW(name, sh, tv, vn, help, set, off, lo, hi) {set, off, lo, hi},

static const struct config_option options[] = {CONFIG_OPTION_LIST(OPTION_ROW)};
static const struct optset_impl impls[] = {CONFIG_OPTION_LIST(IMPL_ROW)};

#define NOPTIONS (sizeof(options) / sizeof(options[0]))

const struct config_option *config_options(size_t *count)
{
	if (count != NULL)
		*count = NOPTIONS;
	return options;
}

void config_defaults(struct server_config *c)
{
	memset(c, 0, sizeof(*c));
	c->anonymous = ANON_DEFAULT;
	c->max_sessions = 10000;
	c->max_per_ip = 50;
	c->idle_timeout = 300;
	c->login_timeout = 60;
	c->data_timeout = 60;
}

/* config_set with the option named as dash + name in messages. */
static int option_set(struct server_config *c, const char *name, const char *value,
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

int config_set(struct server_config *c, const char *name, const char *value, char *err,
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

int config_parse_text(struct server_config *c, const char *text, size_t len, char *err,
                      size_t errlen)
{
	return kvconf_parse(text, len, file_setting, c, err, errlen);
}

void config_finish(struct server_config *c)
{
	if (c->anonymous == ANON_DEFAULT)
		c->anonymous = c->users_file[0] == '\0' ? ANON_RO : ANON_OFF;
	if (c->nlisten == 0) {
		static const uint8_t loopback[4] = {127, 0, 0, 1};

		memset(&c->listen[0], 0, sizeof(c->listen[0]));
		c->listen[0].addr.family = FTP_AF_INET;
		memcpy(c->listen[0].addr.b, loopback, sizeof(loopback));
		c->listen[0].port = 2121;
		c->nlisten = 1;
	}
}

/* Lab faults. Each row says what argument the fault takes and how to apply it. */
enum fault_arg { FAULT_ARG_NONE, FAULT_ARG_IPV4, FAULT_ARG_NUMBER };

struct fault_kind {
	const char *name;
	enum fault_arg arg;
	const char *arg_name;
	uint64_t lo, hi;
	void (*apply)(struct faults *f, uint64_t n, const struct ftp_addr *a);
};

static void apply_pasv_address(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)n;
	f->pasv_address = *a;
	f->pasv_address_set = true;
}

static void apply_reply_delay(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)a;
	f->reply_delay_ms = (unsigned)n;
}

static void apply_drop_data_after(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)a;
	f->drop_data_after = n;
	f->drop_data_after_set = true;
}

static void apply_refuse_data(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)n;
	(void)a;
	f->refuse_data = true;
}

static void apply_slow_data(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)a;
	f->slow_data_kbps = (unsigned)n;
}

static void apply_multiline_banner(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)a;
	f->multiline_banner = (unsigned)n;
}

static void apply_split_replies(struct faults *f, uint64_t n, const struct ftp_addr *a)
{
	(void)n;
	(void)a;
	f->split_replies = true;
}

static const struct fault_kind fault_kinds[] = {
	{"pasv-address", FAULT_ARG_IPV4, "IP", 0, 0, apply_pasv_address},
	{"reply-delay", FAULT_ARG_NUMBER, "MS", 0, 60000, apply_reply_delay},
	{"drop-data-after", FAULT_ARG_NUMBER, "BYTES", 0, UINT64_MAX, apply_drop_data_after},
	{"refuse-data", FAULT_ARG_NONE, NULL, 0, 0, apply_refuse_data},
	{"slow-data", FAULT_ARG_NUMBER, "KBPS", 1, 10000000, apply_slow_data},
	{"multiline-banner", FAULT_ARG_NUMBER, "N", 1, 1000, apply_multiline_banner},
	{"split-replies", FAULT_ARG_NONE, NULL, 0, 0, apply_split_replies},
};

#define NFAULTS (sizeof(fault_kinds) / sizeof(fault_kinds[0]))

/* "unknown fault 'x' (valid: pasv-address=IP, ..., split-replies)" */
static int fail_unknown_fault(const char *spec, size_t nlen, char *err, size_t errlen)
{
	char name[OPTSET_SHOW_CAP];
	size_t used;

	if (errlen == 0)
		return -1;
	used = (size_t)snprintf(err, errlen, "unknown fault '%s' (valid:",
	                        optset_show(name, sizeof(name), spec, nlen));
	for (size_t i = 0; i < NFAULTS && used < errlen; i++) {
		const struct fault_kind *k = &fault_kinds[i];

		used += (size_t)snprintf(err + used, errlen - used, " %s%s%s%s", k->name,
		                         k->arg_name != NULL ? "=" : "",
		                         k->arg_name != NULL ? k->arg_name : "",
		                         i + 1 < NFAULTS ? "," : ")");
	}
	return -1;
}

/* The argument of fault k into *n or *a: 0, or -1 with a message in err. */
static int fault_parse_arg(const struct fault_kind *k, const char *arg, uint64_t *n,
                           struct ftp_addr *a, char *err, size_t errlen)
{
	char buf[OPTSET_SHOW_CAP];

	if (k->arg == FAULT_ARG_NONE) {
		if (arg == NULL)
			return 0;
		snprintf(err, errlen, "%s takes no argument", k->name);
		return -1;
	}
	if (arg == NULL || arg[0] == '\0') {
		snprintf(err, errlen, "%s needs an argument: %s=%s", k->name, k->name, k->arg_name);
		return -1;
	}
	optset_show(buf, sizeof(buf), arg, strlen(arg));
	if (k->arg == FAULT_ARG_IPV4) {
		if (parse_ipv4(arg, strlen(arg), a) == 0)
			return 0;
		snprintf(err, errlen, "%s: '%s' is not an IPv4 address", k->name, buf);
		return -1;
	}
	if (optset_parse_u64(arg, strlen(arg), k->lo, k->hi, n) == 0)
		return 0;
	snprintf(err, errlen, "%s: '%s' is not a number in %" PRIu64 "..%" PRIu64, k->name, buf,
	         k->lo, k->hi);
	return -1;
}

int faults_parse(struct faults *f, const char *spec, char *err, size_t errlen)
{
	const char *eq = strchr(spec, '=');
	size_t nlen = eq != NULL ? (size_t)(eq - spec) : strlen(spec);

	for (size_t i = 0; i < NFAULTS; i++) {
		const struct fault_kind *k = &fault_kinds[i];
		struct ftp_addr a = {0};
		uint64_t n = 0;

		if (strlen(k->name) != nlen || memcmp(spec, k->name, nlen) != 0)
			continue;
		if (fault_parse_arg(k, eq != NULL ? eq + 1 : NULL, &n, &a, err, errlen) != 0)
			return -1;
		k->apply(f, n, &a);
		return 0;
	}
	return fail_unknown_fault(spec, nlen, err, errlen);
}
