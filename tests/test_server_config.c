/* test_server_config.c - ftplab-server settings: every option with good and bad
 * values, lab faults, the config-file syntax and the defaults config_finish fills.
 *
 * A case's effect is checked on a text dump of the whole config: the tokens that
 * differ from the starting config must be exactly the ones the case lists, so a
 * setter that touches another field fails too. A failing call must leave the
 * config byte for byte as it was. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

#define DUMP_CAP 16384

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

static void dump_faults(struct dump *d, const struct faults *f)
{
	char a[ADDR_STRLEN];

	put(d, "fault.pasv-address=%s ",
	    f->pasv_address_set ? addr_text(&f->pasv_address, a) : "none");
	put(d, "fault.reply-delay=%u ", f->reply_delay_ms);
	if (f->drop_data_after_set)
		put(d, "fault.drop-data-after=%" PRIu64 " ", f->drop_data_after);
	else
		put(d, "fault.drop-data-after=none ");
	put(d, "fault.refuse-data=%d fault.slow-data=%u ", f->refuse_data, f->slow_data_kbps);
	put(d, "fault.multiline-banner=%u fault.split-replies=%d ", f->multiline_banner,
	    f->split_replies);
}

/* " key=value key=value ... " with a space at each end. */
static void dump_config(const struct server_config *c, char *buf)
{
	static const char *const anon[] = {"default", "off", "ro", "rw"};
	struct dump d = {buf, 0};
	char a[ADDR_ENDPOINT_STRLEN];

	put(&d, " nlisten=%zu ", c->nlisten);
	for (size_t i = 0; i < c->nlisten; i++) {
		assert_int_equal(addr_format_endpoint(a, sizeof(a), &c->listen[i]), FTP_OK);
		put(&d, "listen=%s ", a);
	}
	put(&d, "root=%s users=%s anonymous=%s ", c->root, c->users_file, anon[c->anonymous]);
	put(&d, "pasv-ports=%u-%u ", c->pasv_min, c->pasv_max);
	put(&d, "pasv-address=%s ", c->pasv_address_set ? addr_text(&c->pasv_address, a) : "none");
	put(&d, "npasv-map=%zu ", c->npasv_map);
	for (size_t i = 0; i < c->npasv_map; i++) {
		put(&d, "pasv-map=%s/%u", addr_text(&c->pasv_map[i].net.addr, a),
		    c->pasv_map[i].net.prefix);
		put(&d, "=%s ", addr_text(&c->pasv_map[i].addr, a));
	}
	put(&d, "max-sessions=%u max-per-ip=%u ", c->max_sessions, c->max_per_ip);
	put(&d, "idle-timeout=%u login-timeout=%u data-timeout=%u ", c->idle_timeout,
	    c->login_timeout, c->data_timeout);
	put(&d, "rate-limit=%u atomic-uploads=%d allow-fxp=%d ", c->rate_limit_kbps,
	    c->atomic_uploads, c->allow_fxp);
	put(&d, "xferlog=%s log-json=%s log-passwords=%d ", c->xferlog, c->log_json,
	    c->log_passwords);
	dump_faults(&d, &c->faults);
	put(&d, "config-file=%s ", c->config_file);
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

/* Run one call on a fresh config: rc 0 must change exactly `want`; rc -1
 * must give the error `want` and change nothing. */
static void check_result(const char *what, const struct server_config *before,
                         const struct server_config *after, int rc, int want_rc,
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

#define PORTS_ERR(v) "--pasv-ports: '" v "' is not A-B with 1 <= A <= B <= 65535"
#define LISTEN_ERR(v, why) \
	"--listen: '" v "' is not ADDR:PORT with port 1..65535, e.g. 127.0.0.1:2121 or " \
	"[::1]:2121 (" why ")"
#define NUM_ERR(o, v, range) "--" o ": '" v "' is not a number in " range
#define FLAG_ERR(o, v) "--" o ": '" v "' is not yes|no|true|false|on|off|1|0"
#define MAP_ERR(v) "--pasv-address-map: '" v "' is not CIDR=IPv4, e.g. 10.0.0.0/8=203.0.113.7"
#define IP4_ERR(v) "--pasv-address: '" v "' is not an IPv4 address (227 replies carry IPv4 only)"

static const struct set_case set_cases[] = {
	{"listen", "0.0.0.0:21", 0, "nlisten=1 listen=0.0.0.0:21"},
	{"listen", "[::1]:2121", 0, "nlisten=1 listen=[::1]:2121"},
	{"listen", "[::ffff:127.0.0.1]:21", 0, "nlisten=1 listen=127.0.0.1:21"},
	{"listen", "127.0.0.1:65535", 0, "nlisten=1 listen=127.0.0.1:65535"},
	{"listen", "127.0.0.1:65536", -1, LISTEN_ERR("127.0.0.1:65536", "value out of range")},
	{"listen", "127.0.0.1:0", -1, LISTEN_ERR("127.0.0.1:0", "value out of range")},
	{"listen", "127.0.0.1", -1, LISTEN_ERR("127.0.0.1", "syntax error")},
	{"listen", "::1:21", -1, LISTEN_ERR("::1:21", "syntax error")},
	{"listen", "localhost:21", -1, LISTEN_ERR("localhost:21", "syntax error")},
	{"listen", "", -1, LISTEN_ERR("", "empty")},
	{"listen", NULL, -1, "--listen: needs a value (ADDR:PORT)"},
	{"root", "/srv/ftp", 0, "root=/srv/ftp"},
	{"root", "", -1, "--root: the value is empty"},
	{"root", "/srv\rx", -1, "--root: '/srv\\x0dx' contains a control byte"},
	{"root", NULL, -1, "--root: needs a value (DIR)"},
	{"users", "/etc/ftplab/users", 0, "users=/etc/ftplab/users"},
	{"anonymous", "ro", 0, "anonymous=ro"},
	{"anonymous", "rw", 0, "anonymous=rw"},
	{"anonymous", "off", 0, "anonymous=off"},
	{"anonymous", "RO", -1, "--anonymous: 'RO' is not ro, rw or off"},
	{"anonymous", "", -1, "--anonymous: '' is not ro, rw or off"},
	{"pasv-ports", "1024-2048", 0, "pasv-ports=1024-2048"},
	{"pasv-ports", "1-65535", 0, "pasv-ports=1-65535"},
	{"pasv-ports", "5000-5000", 0, "pasv-ports=5000-5000"},
	{"pasv-ports", "70000-1", -1, PORTS_ERR("70000-1")},
	{"pasv-ports", "2048-1024", -1, PORTS_ERR("2048-1024")},
	{"pasv-ports", "0-10", -1, PORTS_ERR("0-10")},
	{"pasv-ports", "65535-65536", -1, PORTS_ERR("65535-65536")},
	{"pasv-ports", "1024", -1, PORTS_ERR("1024")},
	{"pasv-ports", "1024-", -1, PORTS_ERR("1024-")},
	{"pasv-ports", "-5", -1, PORTS_ERR("-5")},
	{"pasv-ports", "+1-2", -1, PORTS_ERR("+1-2")},
	{"pasv-ports", " 1-2", -1, PORTS_ERR(" 1-2")},
	{"pasv-ports", "1-2-3", -1, PORTS_ERR("1-2-3")},
	{"pasv-address", "203.0.113.9", 0, "pasv-address=203.0.113.9"},
	{"pasv-address", "::ffff:192.0.2.1", 0, "pasv-address=192.0.2.1"},
	{"pasv-address", "2001:db8::1", -1, IP4_ERR("2001:db8::1")},
	{"pasv-address", "ftp.example", -1, IP4_ERR("ftp.example")},
	{"pasv-address", "192.0.2.256", -1, IP4_ERR("192.0.2.256")},
	{"pasv-address-map", "10.0.0.0/8=203.0.113.7", 0,
	 "npasv-map=1 pasv-map=10.0.0.0/8=203.0.113.7"},
	{"pasv-address-map", "2001:db8::/32=198.51.100.1", 0,
	 "npasv-map=1 pasv-map=2001:db8::/32=198.51.100.1"},
	{"pasv-address-map", "192.0.2.7=198.51.100.1", 0,
	 "npasv-map=1 pasv-map=192.0.2.7/32=198.51.100.1"},
	{"pasv-address-map", "10.0.0.0/8", -1, MAP_ERR("10.0.0.0/8")},
	{"pasv-address-map", "10.0.0.0/33=192.0.2.1", -1, MAP_ERR("10.0.0.0/33=192.0.2.1")},
	{"pasv-address-map", "10.0.0.0/8=::1", -1, MAP_ERR("10.0.0.0/8=::1")},
	{"pasv-address-map", "10.0.0.0/8=1.2.3.4=5", -1, MAP_ERR("10.0.0.0/8=1.2.3.4=5")},
	{"max-sessions", "1", 0, "max-sessions=1"},
	{"max-sessions", "1000000", 0, "max-sessions=1000000"},
	{"max-sessions", "0001000", 0, "max-sessions=1000"},
	{"max-sessions", "0", -1, NUM_ERR("max-sessions", "0", "1..1000000")},
	{"max-sessions", "1000001", -1, NUM_ERR("max-sessions", "1000001", "1..1000000")},
	{"max-sessions", "99999999999999999999", -1,
	 NUM_ERR("max-sessions", "99999999999999999999", "1..1000000")},
	{"max-sessions", "18446744073709551617", -1,
	 NUM_ERR("max-sessions", "18446744073709551617", "1..1000000")},
	{"max-sessions", "-1", -1, NUM_ERR("max-sessions", "-1", "1..1000000")},
	{"max-sessions", "", -1, NUM_ERR("max-sessions", "", "1..1000000")},
	{"max-sessions", "12abc", -1, NUM_ERR("max-sessions", "12abc", "1..1000000")},
	{"max-sessions", "0x10", -1, NUM_ERR("max-sessions", "0x10", "1..1000000")},
	{"max-sessions", " 5", -1, NUM_ERR("max-sessions", " 5", "1..1000000")},
	{"max-per-ip", "1000000", 0, "max-per-ip=1000000"},
	{"max-per-ip", "0", -1, NUM_ERR("max-per-ip", "0", "1..1000000")},
	{"idle-timeout", "86400", 0, "idle-timeout=86400"},
	{"idle-timeout", "86401", -1, NUM_ERR("idle-timeout", "86401", "1..86400")},
	{"idle-timeout", "0", -1, NUM_ERR("idle-timeout", "0", "1..86400")},
	{"login-timeout", "1", 0, "login-timeout=1"},
	{"login-timeout", "1.5", -1, NUM_ERR("login-timeout", "1.5", "1..86400")},
	{"data-timeout", "120", 0, "data-timeout=120"},
	{"data-timeout", "86401", -1, NUM_ERR("data-timeout", "86401", "1..86400")},
	{"rate-limit", "10000000", 0, "rate-limit=10000000"},
	{"rate-limit", "10000001", -1, NUM_ERR("rate-limit", "10000001", "0..10000000")},
	{"atomic-uploads", NULL, 0, "atomic-uploads=1"},
	{"atomic-uploads", "yes", 0, "atomic-uploads=1"},
	{"atomic-uploads", "maybe", -1, FLAG_ERR("atomic-uploads", "maybe")},
	{"atomic-uploads", "", -1, FLAG_ERR("atomic-uploads", "")},
	{"allow-fxp", "TRUE", 0, "allow-fxp=1"},
	{"allow-fxp", "on", 0, "allow-fxp=1"},
	{"allow-fxp", "2", -1, FLAG_ERR("allow-fxp", "2")},
	{"log-passwords", "1", 0, "log-passwords=1"},
	{"xferlog", "/var/log/xferlog", 0, "xferlog=/var/log/xferlog"},
	{"log-json", "/tmp/ftp.jsonl", 0, "log-json=/tmp/ftp.jsonl"},
	{"log-json", "", -1, "--log-json: the value is empty"},
	{"fault", "refuse-data", 0, "fault.refuse-data=1"},
	{"fault", "reply-delay=x", -1, "--fault: reply-delay: 'x' is not a number in 0..60000"},
	{"port", "21", -1, "unknown option 'port'"},
	{"Listen", "127.0.0.1:21", -1, "unknown option 'Listen'"},
	{"a\x01", "1", -1, "unknown option 'a\\x01'"},
	{"", "1", -1, "unknown option ''"},
};

static void test_set_table(void **state)
{
	static struct server_config before, after;
	char what[256], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
		const struct set_case *t = &set_cases[i];
		int rc;

		snprintf(what, sizeof(what), "set case %zu (%s = %s)", i, t->name,
		         t->value ? t->value : "NULL");
		config_defaults(&before);
		after = before;
		strcpy(err, "untouched");
		rc = config_set(&after, t->name, t->value, err, sizeof(err));
		check_result(what, &before, &after, rc, t->rc, err, t->want);
	}
}

/* A flag set on and then off again, for each flag. */
static void test_set_flag_off(void **state)
{
	static const char *const flags[] = {"atomic-uploads", "allow-fxp", "log-passwords"};
	static const char *const offs[] = {"no", "false", "OFF", "0"};
	static struct server_config c, d;
	char err[256];

	(void)state;
	config_defaults(&d);
	for (size_t i = 0; i < 3; i++) {
		for (size_t k = 0; k < 4; k++) {
			config_defaults(&c);
			assert_int_equal(config_set(&c, flags[i], NULL, err, sizeof(err)), 0);
			assert_memory_not_equal(&c, &d, sizeof(c));
			assert_int_equal(config_set(&c, flags[i], offs[k], err, sizeof(err)), 0);
			assert_memory_equal(&c, &d, sizeof(c));
		}
	}
}

/* listen and pasv-address-map append up to their limits, then fail. */
static void test_set_repeatable_limits(void **state)
{
	static struct server_config c;
	char v[64], err[256];

	(void)state;
	config_defaults(&c);
	for (int i = 1; i <= CONFIG_MAX_LISTEN; i++) {
		snprintf(v, sizeof(v), "127.0.0.1:%d", i);
		assert_int_equal(config_set(&c, "listen", v, err, sizeof(err)), 0);
		assert_int_equal(c.nlisten, (size_t)i);
		assert_int_equal(c.listen[i - 1].port, i);
	}
	assert_int_equal(config_set(&c, "listen", "127.0.0.1:17", err, sizeof(err)), -1);
	assert_string_equal(err, "--listen: '127.0.0.1:17' is one address too many (at most 16)");
	assert_int_equal(c.nlisten, CONFIG_MAX_LISTEN);
	assert_int_equal(config_set(&c, "listen", "127.0.0.1:3", err, sizeof(err)), -1);
	assert_string_equal(err, "--listen: '127.0.0.1:3' is given twice");

	config_defaults(&c);
	for (int i = 0; i < CONFIG_MAX_PASV_MAP; i++) {
		snprintf(v, sizeof(v), "10.%d.0.0/16=203.0.113.%d", i, i);
		assert_int_equal(config_set(&c, "pasv-address-map", v, err, sizeof(err)), 0);
	}
	assert_int_equal(c.npasv_map, CONFIG_MAX_PASV_MAP);
	assert_int_equal(c.pasv_map[31].net.addr.b[1], 31);
	assert_int_equal(c.pasv_map[31].net.prefix, 16);
	assert_int_equal(c.pasv_map[31].addr.b[3], 31);
	assert_int_equal(config_set(&c, "pasv-address-map", "10.99.0.0/16=192.0.2.1", err,
	                            sizeof(err)), -1);
	assert_string_equal(err, "--pasv-address-map: '10.99.0.0/16=192.0.2.1' is one mapping "
	                         "too many (at most 32)");
	assert_int_equal(c.npasv_map, CONFIG_MAX_PASV_MAP);
}

/* Paths up to CONFIG_PATH_MAX - 1 bytes; long bad values are cut in messages;
 * a small err buffer is truncated, never overrun. */
static void test_set_long_values(void **state)
{
	static struct server_config c;
	static char v[CONFIG_PATH_MAX + 1];
	char err[512], want[512], small[8];

	(void)state;
	config_defaults(&c);
	memset(v, 'a', CONFIG_PATH_MAX - 1);
	v[CONFIG_PATH_MAX - 1] = '\0';
	assert_int_equal(config_set(&c, "root", v, err, sizeof(err)), 0);
	assert_int_equal(strlen(c.root), CONFIG_PATH_MAX - 1);
	v[CONFIG_PATH_MAX - 1] = 'a';
	v[CONFIG_PATH_MAX] = '\0';
	assert_int_equal(config_set(&c, "xferlog", v, err, sizeof(err)), -1);
	snprintf(want, sizeof(want), "--xferlog: '%.80s...' is longer than 4095 bytes", v);
	assert_string_equal(err, want);
	assert_string_equal(c.xferlog, "");

	assert_int_equal(config_set(&c, "anonymous", v, small, sizeof(small)), -1);
	assert_string_equal(small, "--anony");
	assert_int_equal(config_set(&c, "nope", "x", small, 0), -1);
}

static void test_options_table(void **state)
{
	static struct server_config c;
	size_t n, nshort = 0;
	const struct config_option *o = config_options(&n);
	char err[256];

	(void)state;
	assert_int_equal(n, 20);
	for (size_t i = 0; i < n; i++) {
		assert_non_null(o[i].name);
		assert_non_null(o[i].help);
		/* --help: 30 columns of option, then the help, within 100 columns. */
		assert_true(strlen(o[i].help) > 10 && strlen(o[i].help) <= 70);
		assert_null(strchr(o[i].help, '\n'));
		assert_int_equal(o[i].value_name != NULL, o[i].takes_value);
		for (size_t k = 0; k < i; k++)
			assert_string_not_equal(o[i].name, o[k].name);
		/* Every row reaches a setter: flags take NULL, the others need a value. */
		config_defaults(&c);
		err[0] = '\0';
		if (o[i].takes_value) {
			char want[128];

			assert_int_equal(config_set(&c, o[i].name, NULL, err, sizeof(err)), -1);
			snprintf(want, sizeof(want), "--%s: needs a value (%s)", o[i].name,
			         o[i].value_name);
			assert_string_equal(err, want);
		} else {
			assert_int_equal(config_set(&c, o[i].name, NULL, err, sizeof(err)), 0);
		}
		nshort += o[i].short_opt != 0;
	}
	assert_int_equal(nshort, 3); /* -l, -r, -q */
	assert_string_equal(o[0].name, "listen");
	assert_int_equal(o[0].short_opt, 'l');
	assert_string_equal(o[1].name, "root");
	assert_int_equal(o[1].short_opt, 'r');
	assert_ptr_equal(config_options(NULL), o);
}

#define FAULTS_VALID \
	" (valid: pasv-address=IP, reply-delay=MS, drop-data-after=BYTES, refuse-data, " \
	"slow-data=KBPS, multiline-banner=N, split-replies)"

static const struct set_case fault_cases[] = {
	{NULL, "pasv-address=192.0.2.1", 0, "fault.pasv-address=192.0.2.1"},
	{NULL, "pasv-address", -1, "pasv-address needs an argument: pasv-address=IP"},
	{NULL, "pasv-address=2001:db8::1", -1,
	 "pasv-address: '2001:db8::1' is not an IPv4 address"},
	{NULL, "reply-delay=250", 0, "fault.reply-delay=250"},
	{NULL, "reply-delay=60000", 0, "fault.reply-delay=60000"},
	{NULL, "reply-delay=60001", -1, "reply-delay: '60001' is not a number in 0..60000"},
	{NULL, "reply-delay=", -1, "reply-delay needs an argument: reply-delay=MS"},
	{NULL, "drop-data-after=0", 0, "fault.drop-data-after=0"},
	{NULL, "drop-data-after=18446744073709551615", 0,
	 "fault.drop-data-after=18446744073709551615"},
	{NULL, "drop-data-after=18446744073709551616", -1,
	 "drop-data-after: '18446744073709551616' is not a number in 0..18446744073709551615"},
	{NULL, "drop-data-after=-1", -1,
	 "drop-data-after: '-1' is not a number in 0..18446744073709551615"},
	{NULL, "refuse-data", 0, "fault.refuse-data=1"},
	{NULL, "refuse-data=1", -1, "refuse-data takes no argument"},
	{NULL, "slow-data=1", 0, "fault.slow-data=1"},
	{NULL, "slow-data=0", -1, "slow-data: '0' is not a number in 1..10000000"},
	{NULL, "slow-data=10000001", -1, "slow-data: '10000001' is not a number in 1..10000000"},
	{NULL, "multiline-banner=1000", 0, "fault.multiline-banner=1000"},
	{NULL, "multiline-banner=1001", -1, "multiline-banner: '1001' is not a number in 1..1000"},
	{NULL, "multiline-banner", -1, "multiline-banner needs an argument: multiline-banner=N"},
	{NULL, "split-replies", 0, "fault.split-replies=1"},
	{NULL, "split-replies=", -1, "split-replies takes no argument"},
	{NULL, "bogus", -1, "unknown fault 'bogus'" FAULTS_VALID},
	{NULL, "bogus=3", -1, "unknown fault 'bogus'" FAULTS_VALID},
	{NULL, "Refuse-data", -1, "unknown fault 'Refuse-data'" FAULTS_VALID},
	{NULL, "", -1, "unknown fault ''" FAULTS_VALID},
	{NULL, "=1", -1, "unknown fault ''" FAULTS_VALID},
};

static void test_faults_table(void **state)
{
	static struct server_config before, after;
	char what[256], err[512];

	(void)state;
	for (size_t i = 0; i < sizeof(fault_cases) / sizeof(fault_cases[0]); i++) {
		const struct set_case *t = &fault_cases[i];
		int rc;

		snprintf(what, sizeof(what), "fault case %zu (%s)", i, t->value);
		config_defaults(&before);
		after = before;
		strcpy(err, "untouched");
		rc = faults_parse(&after.faults, t->value, err, sizeof(err));
		check_result(what, &before, &after, rc, t->rc, err, t->want);
	}
}

/* Faults accumulate: each spec sets its own field only. */
static void test_faults_combined(void **state)
{
	struct faults f = {0};
	char err[256];

	(void)state;
	assert_int_equal(faults_parse(&f, "reply-delay=5", err, sizeof(err)), 0);
	assert_int_equal(faults_parse(&f, "split-replies", err, sizeof(err)), 0);
	assert_int_equal(faults_parse(&f, "drop-data-after=1048576", err, sizeof(err)), 0);
	assert_int_equal(f.reply_delay_ms, 5);
	assert_true(f.split_replies);
	assert_true(f.drop_data_after_set);
	assert_int_equal(f.drop_data_after, 1048576);
	assert_false(f.refuse_data);
	assert_int_equal(f.multiline_banner, 0);
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
	{T("root = /srv\nidle-timeout=30\n"), 0, "root=/srv idle-timeout=30"},
	{T("# comment\n   # indented comment\n\nmax-per-ip = 7\n"), 0, "max-per-ip=7"},
	{T("#max-per-ip = 7\n"), 0, ""},
	{T("root = /srv\r\nallow-fxp\r\n"), 0, "root=/srv allow-fxp=1"},
	{T("pasv-address-map = 10.0.0.0/8=203.0.113.7\n"), 0,
	 "npasv-map=1 pasv-map=10.0.0.0/8=203.0.113.7"},
	{T("pasv-address-map=10.0.0.0/8 = 203.0.113.7\n"), -1,
	 "1: pasv-address-map: '10.0.0.0/8 = 203.0.113.7' is not CIDR=IPv4, e.g. "
	 "10.0.0.0/8=203.0.113.7"},
	{T("root = /srv#x\n"), 0, "root=/srv#x"},
	{T("atomic-uploads\nlog-passwords = yes\n"), 0, "atomic-uploads=1 log-passwords=1"},
	{T("allow-fxp\nallow-fxp = no\n"), 0, ""},
	{T("idle-timeout = 10"), 0, "idle-timeout=10"},
	{T("\tidle-timeout\t=\t10\t\n"), 0, "idle-timeout=10"},
	{T("listen = 127.0.0.1:21\nlisten = [::1]:21\n"), 0,
	 "nlisten=2 listen=127.0.0.1:21 listen=[::1]:21"},
	{T("fault = reply-delay=100\nfault=refuse-data\n"), 0,
	 "fault.reply-delay=100 fault.refuse-data=1"},
	{T("max-sessions = 5\nmax-sessions = 6\n"), 0, "max-sessions=6"},
	{T("root = /srv\nbogus = 1\n"), -1, "2: unknown option 'bogus'"},
	{T("\n\nidle-timeout = 0\n"), -1, "3: idle-timeout: '0' is not a number in 1..86400"},
	{T("# a\r\n\r\nfoo\r\n"), -1, "3: unknown option 'foo'"},
	{T("root\n"), -1, "1: root: needs a value (DIR)"},
	{T("--root = /srv\n"), -1, "1: unknown option '--root'"},
	{T("= x\n"), -1, "1: no option name before '='"},
	{T("atomic-uploads = \n"), -1, "1: atomic-uploads: '' is not yes|no|true|false|on|off|1|0"},
	{T("root = /a\rmax-per-ip = 3\n"), -1,
	 "1: root: '/a\\x0dmax-per-ip = 3' contains a control byte"},
	{T("root = /s\0rv\n"), -1, "1: NUL byte in the line"},
	{T("# ok\n\0\n"), -1, "2: NUL byte in the line"},
	{T("max sessions = 3\n"), -1, "1: unknown option 'max sessions'"},
	{T("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl = 1\n"), -1,
	 "1: unknown option 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijkl'"},
	{T(ALPHA80 "cdefghij\n"), -1, "1: unknown option '" ALPHA80 "...'"},
	{T("abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk = 1\n"), -1,
	 "1: unknown option 'abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghijk'"},
};

static void test_text_table(void **state)
{
	static struct server_config before, after;
	char what[256], err[1024];

	(void)state;
	for (size_t i = 0; i < sizeof(text_cases) / sizeof(text_cases[0]); i++) {
		const struct text_case *t = &text_cases[i];
		int rc;

		snprintf(what, sizeof(what), "text case %zu", i);
		config_defaults(&before);
		after = before;
		strcpy(err, "untouched");
		rc = config_parse_text(&after, t->text, t->len, err, sizeof(err));
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
	static struct server_config c;
	static char text[3 * 8200];
	char err[256];
	size_t n;

	(void)state;
	config_defaults(&c);
	text[0] = '#';
	memset(text + 1, 'x', 8191);
	memcpy(text + 8192, "\r\nidle-timeout = 9\n", 19);
	assert_int_equal(config_parse_text(&c, text, 8192 + 19, err, sizeof(err)), 0);
	assert_int_equal(c.idle_timeout, 9);

	memset(text + 8192, 'x', 1);
	memcpy(text + 8193, "\nidle-timeout = 8\n", 18);
	assert_int_equal(config_parse_text(&c, text, 8193 + 18, err, sizeof(err)), -1);
	assert_string_equal(err, "1: line longer than 8192 bytes");
	assert_int_equal(c.idle_timeout, 9);

	/* A value of 4096 bytes fits in a line but not in a path. */
	n = (size_t)snprintf(text, sizeof(text), "max-per-ip = 2\nroot = ");
	memset(text + n, 'r', CONFIG_PATH_MAX);
	n += CONFIG_PATH_MAX;
	assert_int_equal(config_parse_text(&c, text, n, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "2: root: 'rrrr"));
	assert_non_null(strstr(err, "...' is longer than 4095 bytes"));
	assert_int_equal(c.max_per_ip, 2);
	assert_string_equal(c.root, "");
}

struct finish_case {
	const char *text;
	const char *want; /* changes from config_defaults after text and finish */
};

static const struct finish_case finish_cases[] = {
	{"", "anonymous=ro nlisten=1 listen=127.0.0.1:2121"},
	{"users = /etc/u", "users=/etc/u anonymous=off nlisten=1 listen=127.0.0.1:2121"},
	{"users = /etc/u\nanonymous = ro",
	 "users=/etc/u anonymous=ro nlisten=1 listen=127.0.0.1:2121"},
	{"anonymous = off", "anonymous=off nlisten=1 listen=127.0.0.1:2121"},
	{"anonymous = rw", "anonymous=rw nlisten=1 listen=127.0.0.1:2121"},
	{"listen = [::]:21", "anonymous=ro nlisten=1 listen=[::]:21"},
	{"listen = [::]:21\nlisten=0.0.0.0:21",
	 "anonymous=ro nlisten=2 listen=[::]:21 listen=0.0.0.0:21"},
};

static void test_finish_table(void **state)
{
	static struct server_config before, after;
	char what[256], err[256];

	(void)state;
	for (size_t i = 0; i < sizeof(finish_cases) / sizeof(finish_cases[0]); i++) {
		const struct finish_case *t = &finish_cases[i];

		snprintf(what, sizeof(what), "finish case %zu", i);
		config_defaults(&before);
		after = before;
		assert_int_equal(config_parse_text(&after, t->text, strlen(t->text), err,
		                                   sizeof(err)), 0);
		config_finish(&after);
		check_result(what, &before, &after, 0, 0, err, t->want);
		/* Idempotent. */
		before = after;
		config_finish(&after);
		assert_memory_equal(&before, &after, sizeof(after));
	}
}

static void test_defaults(void **state)
{
	static struct server_config c;
	static char d[DUMP_CAP];

	(void)state;
	memset(&c, 0x5a, sizeof(c));
	config_defaults(&c);
	dump_config(&c, d);
	assert_string_equal(d, " nlisten=0 root= users= anonymous=default pasv-ports=0-0 "
	                       "pasv-address=none npasv-map=0 max-sessions=10000 max-per-ip=50 "
	                       "idle-timeout=300 login-timeout=60 data-timeout=60 rate-limit=0 "
	                       "atomic-uploads=0 allow-fxp=0 xferlog= log-json= log-passwords=0 "
	                       "fault.pasv-address=none fault.reply-delay=0 "
	                       "fault.drop-data-after=none fault.refuse-data=0 fault.slow-data=0 "
	                       "fault.multiline-banner=0 fault.split-replies=0 config-file= ");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_options_table),
		cmocka_unit_test(test_set_table),
		cmocka_unit_test(test_set_flag_off),
		cmocka_unit_test(test_set_repeatable_limits),
		cmocka_unit_test(test_set_long_values),
		cmocka_unit_test(test_faults_table),
		cmocka_unit_test(test_faults_combined),
		cmocka_unit_test(test_text_table),
		cmocka_unit_test(test_text_long_lines),
		cmocka_unit_test(test_finish_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
