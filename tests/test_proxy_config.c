/* test_proxy_config.c - ftplab-proxy settings: every option with good and bad
 * values, the config-file syntax and what pconfig_finish chooses and fills.
 *
 * As in test_server_config.c, a case's effect is checked on a text dump of
 * the whole config: the tokens that differ from the starting config must be
 * exactly the ones the case lists, so a setter that touches another field
 * fails too. A failing call must leave the config byte for byte as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define DUMP_CAP 16384
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

struct dump {
	char *buf;
	size_t len;
};

__attribute__((format(printf, 2, 3)))
static void put(struct dump *d, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(d->buf + d->len, DUMP_CAP - d->len, fmt, ap);
	va_end(ap);
	assert_true(n >= 0 && (size_t)n < DUMP_CAP - d->len);
	d->len += (size_t)n;
}

static const char *addr_text(const struct ftp_addr *a, char *buf)
{
	if (addr_format(buf, ADDR_STRLEN, a) != FTP_OK)
		strcpy(buf, "?");
	return buf;
}

static void dump_allow(struct dump *d, const struct proxy_config *c)
{
	char a[ADDR_STRLEN];

	put(d, "nallow=%zu ", c->nallow);
	for (size_t i = 0; i < c->nallow; i++)
		put(d, "allow=%s/%u:%u-%u ", addr_text(&c->allow[i].net.addr, a),
		    c->allow[i].net.prefix, c->allow[i].lo, c->allow[i].hi);
}

/* " key=value key=value ... " with a space at each end. */
static void dump_config(const struct proxy_config *c, char *buf)
{
	static const char *const modes[] = {"none", "reverse", "transparent", "forward"};
	struct dump d = {buf, 0};
	char a[ADDR_ENDPOINT_STRLEN];

	put(&d, " nlisten=%zu ", c->nlisten);
	for (size_t i = 0; i < c->nlisten; i++) {
		assert_int_equal(addr_format_endpoint(a, sizeof(a), &c->listen[i]), FTP_OK);
		put(&d, "listen=%s ", a);
	}
	put(&d, "mode=%s upstream=%s:%u ", modes[c->mode], c->upstream_host, c->upstream_port);
	put(&d, "transparent=%d forward=%d ", c->transparent, c->forward);
	put(&d, "public-address=%s ",
	    c->public_address_set ? addr_text(&c->public_address, a) : "none");
	put(&d, "outside-address=%s ",
	    c->outside_address_set ? addr_text(&c->outside_address, a) : "none");
	put(&d, "data-ports=%u-%u server-data=%s ", c->data_min, c->data_max,
	    rewrite_server_data_name(c->server_data));
	put(&d, "data-path=%s ", c->data_path == DPATH_KERNEL ? "kernel" : "relay");
	dump_allow(&d, c);
	put(&d, "max-sessions=%u max-per-ip=%u ", c->max_sessions, c->max_per_ip);
	put(&d, "workers=%u ", c->workers);
	put(&d, "idle-timeout=%u connect-timeout=%u ", c->idle_timeout, c->connect_timeout);
	put(&d, "log-json=%s verbose=%d config-file=%s ", c->log_json, c->verbose,
	    c->config_file);
}

/* Does the space-separated list contain tok[0..n)? */
static bool has_token(const char *list, const char *tok, size_t n)
{
	for (const char *p = list; (p = strstr(p, " ")) != NULL; p++)
		if (strncmp(p + 1, tok, n) == 0 && p[1 + n] == ' ')
			return true;
	return false;
}

/* The tokens of `after` not in `before` must be exactly those in `want`. */
static void check_diff(const char *what, const char *before, const char *after, const char *want)
{
	char padded[1024];
	const char *p = after;

	snprintf(padded, sizeof(padded), " %s ", want);
	while (*p != '\0') {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n > 0 && !has_token(before, p, n) && !has_token(padded, p, n))
			fail_msg("%s: unexpected change '%.*s' (want '%s')", what, (int)n, p, want);
		p += n;
	}
	for (p = padded; *p != '\0';) {
		size_t n;

		while (*p == ' ')
			p++;
		n = strcspn(p, " ");
		if (n > 0 && !has_token(after, p, n))
			fail_msg("%s: missing '%.*s' in%s", what, (int)n, p, after);
		p += n;
	}
}

/* rc 0 must change exactly `want`; rc -1 must give the error `want` and
 * change nothing. */
static void check_result(const char *what, const struct proxy_config *before,
                         const struct proxy_config *after, int rc, int want_rc,
                         const char *err, const char *want)
{
	static char d1[DUMP_CAP], d2[DUMP_CAP];

	if (rc != want_rc)
		fail_msg("%s: rc %d, want %d (err '%s')", what, rc, want_rc, rc ? err : "");
	if (rc != 0) {
		if (strcmp(err, want) != 0)
			fail_msg("%s:\n got error '%s'\nwant error '%s'", what, err, want);
		if (memcmp(before, after, sizeof(*before)) != 0)
			fail_msg("%s: a failing call changed the config", what);
		return;
	}
	dump_config(before, d1);
	dump_config(after, d2);
	check_diff(what, d1, d2, want);
}

struct set_case {
	const char *name;
	const char *value;
	int rc;
	const char *want; /* rc 0: changed "key=value" tokens; rc -1: the error */
};

#define PORTS_ERR(v) "--data-ports: '" v "' is not A-B with 1 <= A <= B <= 65535"
#define LISTEN_ERR(v, why) \
	"--listen: '" v "' is not ADDR:PORT with port 1..65535, e.g. 127.0.0.1:2100 or " \
	"[::1]:2100 (" why ")"
#define UP_ERR(v, why) \
	"--upstream: '" v "' is not HOST:PORT with a name, an IPv4 address or [IPv6] and " \
	"port 1..65535, e.g. ftp.example.com:21 or [2001:db8::1]:21 (" why ")"
#define ALLOW_ERR(v, why) \
	"--allow-dest: '" v "' is not CIDR[:PORT[-PORT]], e.g. 198.51.100.0/24:21 or " \
	"[2001:db8::]/32:21-2121 (" why ")"
#define NUM_ERR(o, v, range) "--" o ": '" v "' is not a number in " range
#define FLAG_ERR(o, v) "--" o ": '" v "' is not yes|no|true|false|on|off|1|0"
#define PUB_ERR(v) "--public-address: '" v "' is not an IPv4 address (227 replies carry IPv4 only)"
#define OUT_ERR(v) "--outside-address: '" v "' is not an IPv4 or IPv6 address"
#define SD_ERR(v) "--server-data: '" v "' is not same, passive, epsv, active or eprt"

static const struct set_case set_cases[] = {
	{"listen", "0.0.0.0:21", 0, "nlisten=1 listen=0.0.0.0:21"},
	{"listen", "[::]:2100", 0, "nlisten=1 listen=[::]:2100"},
	{"listen", "[::ffff:127.0.0.1]:21", 0, "nlisten=1 listen=127.0.0.1:21"},
	{"listen", "127.0.0.1:65535", 0, "nlisten=1 listen=127.0.0.1:65535"},
	{"listen", "127.0.0.1:65536", -1, LISTEN_ERR("127.0.0.1:65536", "value out of range")},
	{"listen", "127.0.0.1:0", -1, LISTEN_ERR("127.0.0.1:0", "value out of range")},
	{"listen", "127.0.0.1", -1, LISTEN_ERR("127.0.0.1", "syntax error")},
	{"listen", "localhost:21", -1, LISTEN_ERR("localhost:21", "syntax error")},
	{"listen", "", -1, LISTEN_ERR("", "empty")},
	{"listen", NULL, -1, "--listen: needs a value (ADDR:PORT)"},
	{"upstream", "ftp.example.com:21", 0, "upstream=ftp.example.com:21"},
	{"upstream", "192.0.2.10:2121", 0, "upstream=192.0.2.10:2121"},
	{"upstream", "[2001:db8::10]:21", 0, "upstream=2001:db8::10:21"},
	{"upstream", "h:65535", 0, "upstream=h:65535"},
	{"upstream", "ftp.example.com", -1, UP_ERR("ftp.example.com", "syntax error")},
	{"upstream", "ftp.example.com:0", -1, UP_ERR("ftp.example.com:0", "value out of range")},
	{"upstream", "h:65536", -1, UP_ERR("h:65536", "value out of range")},
	{"upstream", "2001:db8::10:21", -1, UP_ERR("2001:db8::10:21", "syntax error")},
	{"upstream", "[192.0.2.1]:21", -1, UP_ERR("[192.0.2.1]:21", "syntax error")},
	{"upstream", "ftp_x.example:21", -1, UP_ERR("ftp_x.example:21", "syntax error")},
	{"upstream", "192.0.2.300:21", -1, UP_ERR("192.0.2.300:21", "syntax error")},
	{"upstream", "", -1, UP_ERR("", "syntax error")},
	{"upstream", "a\tb:21", -1, UP_ERR("a\\x09b:21", "syntax error")},
	{"upstream", NULL, -1, "--upstream: needs a value (HOST:PORT)"},
	{"transparent", NULL, 0, "transparent=1"},
	{"transparent", "yes", 0, "transparent=1"},
	{"transparent", "maybe", -1, FLAG_ERR("transparent", "maybe")},
	{"forward", NULL, 0, "forward=1"},
	{"forward", "ON", 0, "forward=1"},
	{"forward", "", -1, FLAG_ERR("forward", "")},
	{"allow-dest", "198.51.100.0/24", 0, "nallow=1 allow=198.51.100.0/24:1-65535"},
	{"allow-dest", "198.51.100.2:21", 0, "nallow=1 allow=198.51.100.2/32:21-21"},
	{"allow-dest", "[2001:db8::]/32:21-2121", 0, "nallow=1 allow=2001:db8::/32:21-2121"},
	{"allow-dest", "2001:db8::/32", 0, "nallow=1 allow=2001:db8::/32:1-65535"},
	{"allow-dest", "198.51.100.0/33", -1, ALLOW_ERR("198.51.100.0/33", "value out of range")},
	{"allow-dest", "198.51.100.0/24:2000-1000", -1,
	 ALLOW_ERR("198.51.100.0/24:2000-1000", "value out of range")},
	{"allow-dest", "ftp.example.com", -1, ALLOW_ERR("ftp.example.com", "syntax error")},
	{"allow-dest", "", -1, ALLOW_ERR("", "syntax error")},
	{"public-address", "203.0.113.9", 0, "public-address=203.0.113.9"},
	{"public-address", "::ffff:192.0.2.1", 0, "public-address=192.0.2.1"},
	{"public-address", "2001:db8::1", -1, PUB_ERR("2001:db8::1")},
	{"public-address", "proxy.example", -1, PUB_ERR("proxy.example")},
	{"outside-address", "198.51.100.1", 0, "outside-address=198.51.100.1"},
	{"outside-address", "2001:db8::1", 0, "outside-address=2001:db8::1"},
	{"outside-address", "198.51.100.256", -1, OUT_ERR("198.51.100.256")},
	{"outside-address", "", -1, OUT_ERR("")},
	{"data-ports", "40000-40100", 0, "data-ports=40000-40100"},
	{"data-ports", "1-65535", 0, "data-ports=1-65535"},
	{"data-ports", "5000-5000", 0, "data-ports=5000-5000"},
	{"data-ports", "70000-1", -1, PORTS_ERR("70000-1")},
	{"data-ports", "2048-1024", -1, PORTS_ERR("2048-1024")},
	{"data-ports", "0-10", -1, PORTS_ERR("0-10")},
	{"data-ports", "1024", -1, PORTS_ERR("1024")},
	{"data-ports", "1-2-3", -1, PORTS_ERR("1-2-3")},
	{"server-data", "passive", 0, "server-data=passive"},
	{"server-data", "epsv", 0, "server-data=epsv"},
	{"server-data", "active", 0, "server-data=active"},
	{"server-data", "eprt", 0, "server-data=eprt"},
	{"server-data", "same", 0, ""},
	{"server-data", "PASV", -1, SD_ERR("PASV")},
	{"server-data", "", -1, SD_ERR("")},
	{"server-data", NULL, -1, "--server-data: needs a value (MODE)"},
	{"data-path", "kernel", 0, "data-path=kernel"},
	{"data-path", "relay", 0, ""},
	{"data-path", "Kernel", -1, "--data-path: 'Kernel' is not relay or kernel"},
	{"data-path", "", -1, "--data-path: '' is not relay or kernel"},
	{"data-path", NULL, -1, "--data-path: needs a value (PATH)"},
	{"max-sessions", "1", 0, "max-sessions=1"},
	{"max-sessions", "1000000", 0, "max-sessions=1000000"},
	{"max-sessions", "0", -1, NUM_ERR("max-sessions", "0", "1..1000000")},
	{"max-sessions", "1000001", -1, NUM_ERR("max-sessions", "1000001", "1..1000000")},
	{"max-sessions", "18446744073709551617", -1,
	 NUM_ERR("max-sessions", "18446744073709551617", "1..1000000")},
	{"max-sessions", "-1", -1, NUM_ERR("max-sessions", "-1", "1..1000000")},
	{"max-per-ip", "7", 0, "max-per-ip=7"},
	{"workers", "2", 0, "workers=2"},
	{"workers", "64", 0, "workers=64"},
	{"workers", "1", 0, ""},
	{"workers", "0", -1, NUM_ERR("workers", "0", "1..64")},
	{"workers", "65", -1, NUM_ERR("workers", "65", "1..64")},
	{"max-per-ip", "0", -1, NUM_ERR("max-per-ip", "0", "1..1000000")},
	{"idle-timeout", "86400", 0, "idle-timeout=86400"},
	{"idle-timeout", "86401", -1, NUM_ERR("idle-timeout", "86401", "1..86400")},
	{"connect-timeout", "1", 0, "connect-timeout=1"},
	{"connect-timeout", "600", 0, "connect-timeout=600"},
	{"connect-timeout", "601", -1, NUM_ERR("connect-timeout", "601", "1..600")},
	{"connect-timeout", "0", -1, NUM_ERR("connect-timeout", "0", "1..600")},
	{"connect-timeout", "1.5", -1, NUM_ERR("connect-timeout", "1.5", "1..600")},
	{"log-json", "/tmp/proxy.jsonl", 0, "log-json=/tmp/proxy.jsonl"},
	{"log-json", "", -1, "--log-json: the value is empty"},
	{"log-json", "/tmp/a\x1b" "b", -1, "--log-json: '/tmp/a\\x1bb' contains a control byte"},
	{"verbose", NULL, 0, "verbose=1"},
	{"verbose", "true", 0, "verbose=1"},
	{"verbose", "2", -1, FLAG_ERR("verbose", "2")},
	{"root", "/srv", -1, "unknown option 'root'"},
	{"Listen", "127.0.0.1:21", -1, "unknown option 'Listen'"},
	{"v", NULL, -1, "unknown option 'v'"},
	{"a\x01", "1", -1, "unknown option 'a\\x01'"},
	{"", "1", -1, "unknown option ''"},
};

static void test_set_table(void **state)
{
	static struct proxy_config before, after;
	char what[256], err[512];

	(void)state;
	for (size_t i = 0; i < COUNT(set_cases); i++) {
		const struct set_case *t = &set_cases[i];
		int rc;

		snprintf(what, sizeof(what), "set case %zu (%s = %s)", i, t->name,
		         t->value ? t->value : "NULL");
		pconfig_defaults(&before);
		after = before;
		strcpy(err, "untouched");
		rc = pconfig_set(&after, t->name, t->value, err, sizeof(err));
		check_result(what, &before, &after, rc, t->rc, err, t->want);
	}
}

/* A flag set on and then off again, for each flag. */
static void test_set_flag_off(void **state)
{
	static const char *const flags[] = {"transparent", "forward", "verbose"};
	static const char *const offs[] = {"no", "false", "OFF", "0"};
	static struct proxy_config c, d;
	char err[256];

	(void)state;
	pconfig_defaults(&d);
	for (size_t i = 0; i < COUNT(flags); i++) {
		for (size_t k = 0; k < COUNT(offs); k++) {
			pconfig_defaults(&c);
			assert_int_equal(pconfig_set(&c, flags[i], NULL, err, sizeof(err)), 0);
			assert_memory_not_equal(&c, &d, sizeof(c));
			assert_int_equal(pconfig_set(&c, flags[i], offs[k], err, sizeof(err)), 0);
			assert_memory_equal(&c, &d, sizeof(c));
		}
	}
}

/* listen and allow-dest append up to their limits, then fail; upstream
 * given twice keeps the last. */
static void test_set_repeatable(void **state)
{
	static struct proxy_config c;
	char v[64], err[256];

	(void)state;
	pconfig_defaults(&c);
	for (int i = 1; i <= PCONFIG_MAX_LISTEN; i++) {
		snprintf(v, sizeof(v), "127.0.0.1:%d", i);
		assert_int_equal(pconfig_set(&c, "listen", v, err, sizeof(err)), 0);
		assert_int_equal(c.nlisten, (size_t)i);
		assert_int_equal(c.listen[i - 1].port, i);
	}
	assert_int_equal(pconfig_set(&c, "listen", "127.0.0.1:17", err, sizeof(err)), -1);
	assert_string_equal(err, "--listen: '127.0.0.1:17' is one address too many (at most 16)");
	assert_int_equal(pconfig_set(&c, "listen", "127.0.0.1:3", err, sizeof(err)), -1);
	assert_string_equal(err, "--listen: '127.0.0.1:3' is given twice");
	assert_int_equal(c.nlisten, PCONFIG_MAX_LISTEN);

	for (int i = 0; i < PCONFIG_MAX_ALLOW; i++) {
		snprintf(v, sizeof(v), "10.%d.0.0/16:%d", i, i + 1);
		assert_int_equal(pconfig_set(&c, "allow-dest", v, err, sizeof(err)), 0);
	}
	assert_int_equal(c.nallow, PCONFIG_MAX_ALLOW);
	assert_int_equal(c.allow[63].net.addr.b[1], 63);
	assert_int_equal(c.allow[63].net.prefix, 16);
	assert_int_equal(c.allow[63].lo, 64);
	assert_int_equal(c.allow[63].hi, 64);
	assert_int_equal(pconfig_set(&c, "allow-dest", "10.99.0.0/16", err, sizeof(err)), -1);
	assert_string_equal(err, "--allow-dest: '10.99.0.0/16' is one rule too many (at most 64)");
	assert_int_equal(c.nallow, PCONFIG_MAX_ALLOW);

	assert_int_equal(pconfig_set(&c, "upstream", "a.example:21", err, sizeof(err)), 0);
	assert_int_equal(pconfig_set(&c, "upstream", "b.example:2121", err, sizeof(err)), 0);
	assert_string_equal(c.upstream_host, "b.example");
	assert_int_equal(c.upstream_port, 2121);
}

/* Long values: paths up to PCONFIG_PATH_MAX - 1 bytes, upstream names up
 * to 253; long bad values are cut in messages; a small err buffer is
 * truncated, never overrun. */
static void test_set_long_values(void **state)
{
	static struct proxy_config c;
	static char v[PCONFIG_PATH_MAX + 1];
	char err[1024], want[1024], small[8];

	(void)state;
	pconfig_defaults(&c);
	memset(v, 'a', PCONFIG_PATH_MAX - 1);
	v[PCONFIG_PATH_MAX - 1] = '\0';
	assert_int_equal(pconfig_set(&c, "log-json", v, err, sizeof(err)), 0);
	assert_int_equal(strlen(c.log_json), PCONFIG_PATH_MAX - 1);
	pconfig_defaults(&c);
	v[PCONFIG_PATH_MAX - 1] = 'a';
	v[PCONFIG_PATH_MAX] = '\0';
	assert_int_equal(pconfig_set(&c, "log-json", v, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--log-json: '%.80s...' is longer than 4095 bytes", v);
	assert_string_equal(err, want);
	assert_string_equal(c.log_json, "");

	memset(v, 'h', 253);
	memcpy(v + 253, ":21", 4);
	assert_int_equal(pconfig_set(&c, "upstream", v, err, sizeof(err)), 0);
	assert_int_equal(strlen(c.upstream_host), 253);
	pconfig_defaults(&c);
	memset(v, 'h', 254);
	memcpy(v + 254, ":21", 4);
	assert_int_equal(pconfig_set(&c, "upstream", v, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--upstream: '%.80s...' is not HOST:PORT with a name, an IPv4 "
	         "address or [IPv6] and port 1..65535, e.g. ftp.example.com:21 or "
	         "[2001:db8::1]:21 (too long)", v);
	assert_string_equal(err, want);
	assert_string_equal(c.upstream_host, "");

	assert_int_equal(pconfig_set(&c, "server-data", v, small, sizeof(small)), -1);
	assert_string_equal(small, "--serve");
	assert_int_equal(pconfig_set(&c, "nope", "x", small, 0), -1);
}

static void test_options_table(void **state)
{
	static const char *const names[] = {
		"listen", "upstream", "transparent", "forward", "allow-dest", "public-address",
		"outside-address", "data-ports", "server-data", "data-path", "max-sessions", "max-per-ip",
		"workers", "idle-timeout", "connect-timeout", "log-json", "verbose",
	};
	static struct proxy_config c;
	size_t n;
	const struct pconfig_option *o = pconfig_options(&n);
	char err[256];

	(void)state;
	assert_int_equal(n, COUNT(names));
	for (size_t i = 0; i < n; i++) {
		assert_string_equal(o[i].name, names[i]);
		assert_non_null(o[i].help);
		/* --help: 30 columns of option, then the help, within 100 columns. */
		assert_true(strlen(o[i].help) > 10 && strlen(o[i].help) <= 70);
		assert_null(strchr(o[i].help, '\n'));
		assert_int_equal(o[i].value_name != NULL, o[i].takes_value);
		/* Every row reaches a setter: flags take NULL, the others need a value. */
		pconfig_defaults(&c);
		err[0] = '\0';
		if (o[i].takes_value) {
			char want[128];

			assert_int_equal(pconfig_set(&c, o[i].name, NULL, err, sizeof(err)), -1);
			snprintf(want, sizeof(want), "--%s: needs a value (%s)", o[i].name,
			         o[i].value_name);
			assert_string_equal(err, want);
		} else {
			assert_int_equal(pconfig_set(&c, o[i].name, NULL, err, sizeof(err)), 0);
		}
		assert_int_equal(o[i].short_opt, i == 0 ? 'l' : i == n - 1 ? 'v' : 0);
	}
	assert_ptr_equal(pconfig_options(NULL), o);
}

struct text_case {
	const char *text;
	size_t len;
	int rc;
	const char *want;
};

#define T(x) x, sizeof(x) - 1
#define ALPHA26 "abcdefghijklmnopqrstuvwxyz"
#define ALPHA80 ALPHA26 ALPHA26 ALPHA26 "ab"

static const struct text_case text_cases[] = {
	{T(""), 0, ""},
	{T("\n\n  \n\t\n"), 0, ""},
	{T("upstream = ftp.example.com:21\nidle-timeout=30\n"), 0,
	 "upstream=ftp.example.com:21 idle-timeout=30"},
	{T("# comment\n   # indented comment\n\nmax-per-ip = 7\n"), 0, "max-per-ip=7"},
	{T("#max-per-ip = 7\n"), 0, ""},
	{T("log-json = /tmp/p\r\nforward\r\n"), 0, "log-json=/tmp/p forward=1"},
	{T("log-json = /tmp/p#x\n"), 0, "log-json=/tmp/p#x"},
	{T("transparent\nverbose = yes\n"), 0, "transparent=1 verbose=1"},
	{T("verbose\nverbose = no\n"), 0, ""},
	{T("connect-timeout = 5"), 0, "connect-timeout=5"},
	{T("\tconnect-timeout\t=\t5\t\n"), 0, "connect-timeout=5"},
	{T("listen = 127.0.0.1:21\nlisten = [::1]:21\n"), 0,
	 "nlisten=2 listen=127.0.0.1:21 listen=[::1]:21"},
	{T("allow-dest = 198.51.100.0/24:21\nallow-dest=[2001:db8::1]:2121\n"), 0,
	 "nallow=2 allow=198.51.100.0/24:21-21 allow=2001:db8::1/128:2121-2121"},
	{T("server-data = eprt\ndata-ports = 50000-50010\n"), 0,
	 "server-data=eprt data-ports=50000-50010"},
	{T("max-sessions = 5\nmax-sessions = 6\n"), 0, "max-sessions=6"},
	{T("upstream = h:21\nbogus = 1\n"), -1, "2: unknown option 'bogus'"},
	{T("\n\nconnect-timeout = 0\n"), -1, "3: connect-timeout: '0' is not a number in 1..600"},
	{T("# a\r\n\r\nfoo\r\n"), -1, "3: unknown option 'foo'"},
	{T("upstream\n"), -1, "1: upstream: needs a value (HOST:PORT)"},
	{T("--forward\n"), -1, "1: unknown option '--forward'"},
	{T("= x\n"), -1, "1: no option name before '='"},
	{T("forward = \n"), -1, "1: forward: '' is not yes|no|true|false|on|off|1|0"},
	{T("allow-dest = 10.0.0.0/8 = 1\n"), -1,
	 "1: allow-dest: '10.0.0.0/8 = 1' is not CIDR[:PORT[-PORT]], e.g. 198.51.100.0/24:21 or "
	 "[2001:db8::]/32:21-2121 (syntax error)"},
	{T("log-json = /a\rverbose\n"), -1, "1: log-json: '/a\\x0dverbose' contains a control byte"},
	{T("upstream = h\0:21\n"), -1, "1: NUL byte in the line"},
	{T("# ok\n\0\n"), -1, "2: NUL byte in the line"},
	{T("max sessions = 3\n"), -1, "1: unknown option 'max sessions'"},
	{T(ALPHA80 "cdefghij\n"), -1, "1: unknown option '" ALPHA80 "...'"},
	{T("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk = 1\n"), -1,
	 "1: unknown option 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk'"},
};

static void test_text_table(void **state)
{
	static struct proxy_config before, after;
	char what[256], err[1024];

	(void)state;
	for (size_t i = 0; i < COUNT(text_cases); i++) {
		const struct text_case *t = &text_cases[i];
		int rc;

		snprintf(what, sizeof(what), "text case %zu", i);
		pconfig_defaults(&before);
		after = before;
		strcpy(err, "untouched");
		rc = pconfig_parse_text(&after, t->text, t->len, err, sizeof(err));
		/* Lines before a failing one stay applied: only check errors' text. */
		if (t->rc != 0) {
			if (rc != -1 || strcmp(err, t->want) != 0)
				fail_msg("%s: rc %d err '%s', want -1 '%s'", what, rc, err,
				         t->want);
			continue;
		}
		check_result(what, &before, &after, rc, t->rc, err, t->want);
	}
}

/* 8192 bytes of line are fine (CRLF not counted), 8193 are not. */
static void test_text_long_lines(void **state)
{
	static struct proxy_config c;
	static char text[3 * 8200];
	char err[256];
	size_t n;

	(void)state;
	pconfig_defaults(&c);
	text[0] = '#';
	memset(text + 1, 'x', 8191);
	memcpy(text + 8192, "\r\nidle-timeout = 9\n", 19);
	assert_int_equal(pconfig_parse_text(&c, text, 8192 + 19, err, sizeof(err)), 0);
	assert_int_equal(c.idle_timeout, 9);

	memset(text + 8192, 'x', 1);
	memcpy(text + 8193, "\nidle-timeout = 8\n", 18);
	assert_int_equal(pconfig_parse_text(&c, text, 8193 + 18, err, sizeof(err)), -1);
	assert_string_equal(err, "1: line longer than 8192 bytes");
	assert_int_equal(c.idle_timeout, 9);

	/* A value of 4096 bytes fits in a line but not in a path. */
	n = (size_t)snprintf(text, sizeof(text), "max-per-ip = 2\nlog-json = ");
	memset(text + n, 'r', PCONFIG_PATH_MAX);
	n += PCONFIG_PATH_MAX;
	assert_int_equal(pconfig_parse_text(&c, text, n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2: log-json: 'rrrr"));
	assert_non_null(strstr(err, "...' is longer than 4095 bytes"));
	assert_int_equal(c.max_per_ip, 2);
	assert_string_equal(c.log_json, "");
}

struct finish_case {
	const char *text;
	int rc;
	const char *want; /* rc 0: changes from the defaults after text and finish; -1: error */
};

#define DEFAULTS_FILLED "nlisten=1 listen=127.0.0.1:2100 data-ports=49152-65535"
#define MODE_ERR "choose one of --upstream HOST:PORT, --transparent, --forward"

static const struct finish_case finish_cases[] = {
	{"upstream = ftp.example.com:21", 0,
	 "upstream=ftp.example.com:21 mode=reverse " DEFAULTS_FILLED},
	{"transparent", 0, "transparent=1 mode=transparent " DEFAULTS_FILLED},
	{"forward", 0, "forward=1 mode=forward " DEFAULTS_FILLED},
	{"forward\nallow-dest = 198.51.100.0/24", 0,
	 "forward=1 mode=forward nallow=1 allow=198.51.100.0/24:1-65535 " DEFAULTS_FILLED},
	{"upstream = h:21\nallow-dest = 192.0.2.0/24:21", 0,
	 "upstream=h:21 mode=reverse nallow=1 allow=192.0.2.0/24:21-21 " DEFAULTS_FILLED},
	{"transparent\nlisten = [::]:21\nlisten = 0.0.0.0:21", 0,
	 "transparent=1 mode=transparent nlisten=2 listen=[::]:21 listen=0.0.0.0:21 "
	 "data-ports=49152-65535"},
	{"forward\ndata-ports = 40000-40009", 0,
	 "forward=1 mode=forward nlisten=1 listen=127.0.0.1:2100 data-ports=40000-40009"},
	{"transparent = no\nforward", 0, "forward=1 mode=forward " DEFAULTS_FILLED},
	{"", -1, MODE_ERR},
	{"allow-dest = 198.51.100.0/24\nverbose", -1, MODE_ERR},
	{"transparent = off", -1, MODE_ERR},
	{"upstream = h:21\ntransparent", -1, MODE_ERR " (--upstream and --transparent were both given)"},
	{"forward\ntransparent", -1, MODE_ERR " (--transparent and --forward were both given)"},
	{"forward\nupstream = h:21\ntransparent", -1,
	 MODE_ERR " (--upstream and --transparent were both given)"},
};

static void test_finish_table(void **state)
{
	static struct proxy_config before, after, parsed;
	char what[256], err[256];

	(void)state;
	for (size_t i = 0; i < COUNT(finish_cases); i++) {
		const struct finish_case *t = &finish_cases[i];
		int rc;

		snprintf(what, sizeof(what), "finish case %zu (%s)", i, t->text);
		pconfig_defaults(&before);
		after = before;
		assert_int_equal(pconfig_parse_text(&after, t->text, strlen(t->text), err,
		                                    sizeof(err)), 0);
		parsed = after;
		strcpy(err, "untouched");
		rc = pconfig_finish(&after, err, sizeof(err));
		if (rc != 0) {
			check_result(what, &parsed, &after, rc, t->rc, err, t->want);
			continue;
		}
		check_result(what, &before, &after, rc, t->rc, err, t->want);
		/* Idempotent. */
		parsed = after;
		assert_int_equal(pconfig_finish(&after, err, sizeof(err)), 0);
		assert_memory_equal(&parsed, &after, sizeof(after));
	}
}

static void test_defaults(void **state)
{
	static struct proxy_config c;
	static char d[DUMP_CAP];

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	pconfig_defaults(&c);
	dump_config(&c, d);
	assert_string_equal(d, " nlisten=0 mode=none upstream=:0 transparent=0 forward=0 "
	                       "public-address=none outside-address=none data-ports=0-0 "
	                       "server-data=same data-path=relay nallow=0 max-sessions=10000 "
	                       "max-per-ip=50 workers=1 idle-timeout=300 connect-timeout=10 log-json= verbose=0 "
	                       "config-file= ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_table),
		cmocka_unit_test(test_set_table),
		cmocka_unit_test(test_set_flag_off),
		cmocka_unit_test(test_set_repeatable),
		cmocka_unit_test(test_set_long_values),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_text_long_lines),
		cmocka_unit_test(test_finish_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
