/* test_addr.c - addresses, endpoints and CIDR blocks: parse, format, compare.
 * Inputs are copied into heap buffers of their exact size (no NUL after
 * them), so ASan reports any read past the (pointer, length) given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tablecheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/addr.h"

#define S(x) x, sizeof(x) - 1
#define V4(a, b, c, d) FTP_AF_INET, {a, b, c, d}
#define V6(...) FTP_AF_INET6, {__VA_ARGS__}
#define NOADDR FTP_AF_NONE, {0}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define DOC6 0x20, 0x01, 0x0d, 0xb8 /* 2001:db8::/32 */

static void check_addr(const struct ctx *x, const struct ftp_addr *got, enum ftp_family family,
                       const uint8_t b[16])
{
	CHECK_INT(x, got->family, family);
	for (size_t k = 0; k < 16; k++)
		CHECK_INT(x, got->b[k], b[k]);
}

/* Parse text that must be a valid address; raw_mapped turns an IPv4 result
 * into the un-normalised ::ffff:a.b.c.d form a socket may give. */
static struct ftp_addr make_addr(const char *text, bool raw_mapped)
{
	struct ftp_addr a;

	memset(&a, 0, sizeof(a));
	if (text == NULL)
		return a; /* FTP_AF_NONE */
	if (addr_parse(text, strlen(text), &a) != FTP_OK)
		fail_msg("bad address in the test table: %s", text);
	if (raw_mapped) {
		assert_int_equal(a.family, FTP_AF_INET);
		memmove(a.b + 12, a.b, 4);
		memset(a.b, 0, 10);
		a.b[10] = a.b[11] = 0xff;
		a.family = FTP_AF_INET6;
	}
	return a;
}

/* ---- addr_parse ---- */

struct addr_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum ftp_family family; /* FTP_AF_NONE and zeros on any error */
	uint8_t b[16];
};

static const struct addr_case addr_cases[] = {
	{"v4", S("192.0.2.1"), FTP_OK, V4(192, 0, 2, 1)},
	{"v4 zeros", S("0.0.0.0"), FTP_OK, V4(0, 0, 0, 0)},
	{"v4 broadcast", S("255.255.255.255"), FTP_OK, V4(255, 255, 255, 255)},
	{"v4 octet 256", S("256.0.0.1"), FTP_ESYNTAX, NOADDR},
	{"v4 three parts", S("1.2.3"), FTP_ESYNTAX, NOADDR},
	{"v4 five parts", S("1.2.3.4.5"), FTP_ESYNTAX, NOADDR},
	{"v4 leading space", S(" 1.2.3.4"), FTP_ESYNTAX, NOADDR},
	{"v4 trailing space", S("1.2.3.4 "), FTP_ESYNTAX, NOADDR},
	{"v6", S("2001:db8::1"), FTP_OK, V6(DOC6, [15] = 1)},
	{"v6 unspecified", S("::"), FTP_OK, V6(0)},
	{"v6 loopback", S("::1"), FTP_OK, V6([15] = 1)},
	{"v6 upper case", S("2001:DB8::ABCD"), FTP_OK, V6(DOC6, [14] = 0xab, 0xcd)},
	{"v6 full", S("2001:0db8:0000:0000:0000:0000:0000:0001"), FTP_OK, V6(DOC6, [15] = 1)},
	{"v6 longest text", S("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255"), FTP_OK,
	 V6(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	    0xff, 0xff)},
	{"mapped becomes v4", S("::ffff:192.0.2.1"), FTP_OK, V4(192, 0, 2, 1)},
	{"mapped hex becomes v4", S("::ffff:c000:201"), FTP_OK, V4(192, 0, 2, 1)},
	{"compat stays v6", S("::192.0.2.1"), FTP_OK, V6([12] = 192, 0, 2, 1)},
	{"v6 nine groups", S("1:2:3:4:5:6:7:8:9"), FTP_ESYNTAX, NOADDR},
	{"v6 two ::", S("1::2::3"), FTP_ESYNTAX, NOADDR},
	{"v6 zone", S("fe80::1%eth0"), FTP_ESYNTAX, NOADDR},
	{"bracketed", S("[::1]"), FTP_ESYNTAX, NOADDR},
	{"garbage", S("example.com"), FTP_ESYNTAX, NOADDR},
	{"too long", S("1.2.3.4xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
	 FTP_ESYNTAX, NOADDR},
	{"46 chars", S("ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.2550"), FTP_ESYNTAX, NOADDR},
	{"empty", S(""), FTP_EEMPTY, NOADDR},
	{"nul", S("1.2.3.4\0"), FTP_ENUL, NOADDR},
	{"nul inside", S("::\0" "1"), FTP_ENUL, NOADDR},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(addr_cases); i++) {
		const struct addr_case *c = &addr_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct ftp_addr a;

		memset(&a, 0xa5, sizeof(a));
		CHECK_INT(&x, addr_parse(in, c->in_len, &a), c->st);
		check_addr(&x, &a, c->family, c->b);
		free(in);
	}
}

/* ---- addr_parse_endpoint ---- */

struct ep_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum ftp_family family; /* checked on FTP_OK */
	uint8_t b[16];
	uint16_t port;
};

static const struct ep_case ep_cases[] = {
	{"v4", S("127.0.0.1:2121"), FTP_OK, V4(127, 0, 0, 1), 2121},
	{"v6 loopback", S("[::1]:21"), FTP_OK, V6([15] = 1), 21},
	{"v6 port 65535", S("[2001:db8::1]:65535"), FTP_OK, V6(DOC6, [15] = 1), 65535},
	{"v4 port 1", S("0.0.0.0:1"), FTP_OK, V4(0, 0, 0, 0), 1},
	{"port leading zeros", S("1.2.3.4:021"), FTP_OK, V4(1, 2, 3, 4), 21},
	{"bracketed mapped", S("[::ffff:192.0.2.1]:21"), FTP_OK, V4(192, 0, 2, 1), 21},
	{"port 0", S("127.0.0.1:0"), FTP_ERANGE, NOADDR, 0},
	{"port 65536", S("127.0.0.1:65536"), FTP_ERANGE, NOADDR, 0},
	{"v6 port 0", S("[::1]:0"), FTP_ERANGE, NOADDR, 0},
	{"v6 port 65536", S("[::1]:65536"), FTP_ERANGE, NOADDR, 0},
	{"port huge", S("1.2.3.4:99999999999999999999"), FTP_ERANGE, NOADDR, 0},
	{"port 2^64 + 21", S("1.2.3.4:18446744073709551637"), FTP_ERANGE, NOADDR, 0},
	{"missing port", S("127.0.0.1"), FTP_ESYNTAX, NOADDR, 0},
	{"empty port", S("127.0.0.1:"), FTP_ESYNTAX, NOADDR, 0},
	{"v6 missing port", S("[::1]"), FTP_ESYNTAX, NOADDR, 0},
	{"v6 empty port", S("[::1]:"), FTP_ESYNTAX, NOADDR, 0},
	{"v6 no colon", S("[::1]21"), FTP_ESYNTAX, NOADDR, 0},
	{"v6 unclosed", S("[::1:21"), FTP_ESYNTAX, NOADDR, 0},
	{"v6 without brackets", S("::1:21"), FTP_ESYNTAX, NOADDR, 0},
	{"v4 in brackets", S("[1.2.3.4]:21"), FTP_ESYNTAX, NOADDR, 0},
	{"empty host", S(":21"), FTP_ESYNTAX, NOADDR, 0},
	{"empty brackets", S("[]:21"), FTP_ESYNTAX, NOADDR, 0},
	{"two colons", S("1.2.3.4:21:"), FTP_ESYNTAX, NOADDR, 0},
	{"port junk", S("1.2.3.4:21x"), FTP_ESYNTAX, NOADDR, 0},
	{"port negative", S("1.2.3.4:-1"), FTP_ESYNTAX, NOADDR, 0},
	{"host name", S("ftp.example:21"), FTP_ESYNTAX, NOADDR, 0},
	{"nul in host", S("127.0.0.1\0:21"), FTP_ENUL, NOADDR, 0},
	{"empty", S(""), FTP_EEMPTY, NOADDR, 0},
};

static void test_parse_endpoint(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(ep_cases); i++) {
		const struct ep_case *c = &ep_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct ftp_hostport hp;

		memset(&hp, 0xa5, sizeof(hp));
		CHECK_INT(&x, addr_parse_endpoint(in, c->in_len, &hp), c->st);
		if (c->st == FTP_OK) {
			check_addr(&x, &hp.addr, c->family, c->b);
			CHECK_INT(&x, hp.port, c->port);
		}
		free(in);
	}
}

/* ---- addr_parse_cidr ---- */

struct cidr_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum ftp_family family; /* checked on FTP_OK */
	uint8_t b[16];
	unsigned prefix;
};

static const struct cidr_case cidr_cases[] = {
	{"v4 /24", S("192.0.2.0/24"), FTP_OK, V4(192, 0, 2, 0), 24},
	{"v4 /0", S("0.0.0.0/0"), FTP_OK, V4(0, 0, 0, 0), 0},
	{"v4 /32", S("192.0.2.1/32"), FTP_OK, V4(192, 0, 2, 1), 32},
	{"v4 /33", S("192.0.2.0/33"), FTP_ERANGE, NOADDR, 0},
	{"v4 prefix leading zero", S("192.0.2.0/024"), FTP_OK, V4(192, 0, 2, 0), 24},
	{"v4 host", S("192.0.2.1"), FTP_OK, V4(192, 0, 2, 1), 32},
	{"v6 /32", S("2001:db8::/32"), FTP_OK, V6(DOC6), 32},
	{"v6 /128", S("2001:db8::1/128"), FTP_OK, V6(DOC6, [15] = 1), 128},
	{"v6 /129", S("2001:db8::/129"), FTP_ERANGE, NOADDR, 0},
	{"v6 /33 ok", S("2001:db8::/33"), FTP_OK, V6(DOC6), 33},
	{"v6 host", S("2001:db8::1"), FTP_OK, V6(DOC6, [15] = 1), 128},
	{"mapped host is v4", S("::ffff:192.0.2.1"), FTP_OK, V4(192, 0, 2, 1), 32},
	{"prefix huge", S("10.0.0.0/99999999999999999999"), FTP_ERANGE, NOADDR, 0},
	{"prefix 2^64 + 24", S("10.0.0.0/18446744073709551640"), FTP_ERANGE, NOADDR, 0},
	{"empty prefix", S("192.0.2.0/"), FTP_ESYNTAX, NOADDR, 0},
	{"prefix letter", S("192.0.2.0/x"), FTP_ESYNTAX, NOADDR, 0},
	{"prefix negative", S("192.0.2.0/-1"), FTP_ESYNTAX, NOADDR, 0},
	{"two slashes", S("192.0.2.0/24/8"), FTP_ESYNTAX, NOADDR, 0},
	{"bad address", S("192.0.2/24"), FTP_ESYNTAX, NOADDR, 0},
	{"empty", S(""), FTP_EEMPTY, NOADDR, 0},
};

static void test_parse_cidr(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(cidr_cases); i++) {
		const struct cidr_case *c = &cidr_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct ftp_cidr cidr;

		memset(&cidr, 0xa5, sizeof(cidr));
		CHECK_INT(&x, addr_parse_cidr(in, c->in_len, &cidr), c->st);
		if (c->st == FTP_OK) {
			check_addr(&x, &cidr.addr, c->family, c->b);
			CHECK_INT(&x, cidr.prefix, c->prefix);
		}
		free(in);
	}
}

/* ---- addr_cidr_contains ---- */

struct contains_case {
	const char *name;
	const char *cidr;
	const char *addr;
	bool raw_mapped; /* the address as ::ffff:a.b.c.d, not normalised */
	bool want;
};

static const struct contains_case contains_cases[] = {
	{"v4 /0 any v4", "0.0.0.0/0", "203.0.113.9", false, true},
	{"v4 /0 not v6", "0.0.0.0/0", "::1", false, false},
	{"v6 /0 any v6", "::/0", "2001:db8::1", false, true},
	{"v6 /0 not v4", "::/0", "192.0.2.1", false, false},
	{"v4 /1 low half", "0.0.0.0/1", "127.255.255.255", false, true},
	{"v4 /1 high half", "0.0.0.0/1", "128.0.0.0", false, false},
	{"/24 last", "192.0.2.0/24", "192.0.2.255", false, true},
	{"/24 next block", "192.0.2.0/24", "192.0.3.0", false, false},
	{"/24 previous block", "192.0.2.0/24", "192.0.1.255", false, false},
	{"/24 host bits in block", "192.0.2.77/24", "192.0.2.1", false, true},
	{"/25 low in", "192.0.2.0/25", "192.0.2.127", false, true},
	{"/25 low out", "192.0.2.0/25", "192.0.2.128", false, false},
	{"/25 high in", "192.0.2.128/25", "192.0.2.128", false, true},
	{"/25 high out", "192.0.2.128/25", "192.0.2.127", false, false},
	{"/31 pair", "192.0.2.0/31", "192.0.2.1", false, true},
	{"/31 outside", "192.0.2.0/31", "192.0.2.2", false, false},
	{"/32 same", "192.0.2.1/32", "192.0.2.1", false, true},
	{"/32 other", "192.0.2.1/32", "192.0.2.2", false, false},
	{"host block", "192.0.2.1", "192.0.2.1", false, true},
	{"v6 /32 in", "2001:db8::/32", "2001:db8:ffff::1", false, true},
	{"v6 /32 out", "2001:db8::/32", "2001:db9::1", false, false},
	{"v6 /33 in", "2001:db8::/33", "2001:db8:7fff::", false, true},
	{"v6 /33 out", "2001:db8::/33", "2001:db8:8000::", false, false},
	{"v6 /128 same", "2001:db8::1/128", "2001:db8::1", false, true},
	{"v6 /128 other", "2001:db8::1/128", "2001:db8::2", false, false},
	{"v6 block, v4 address", "2001:db8::/32", "192.0.2.1", false, false},
	{"mapped in v4 block", "10.0.0.0/8", "10.1.2.3", true, true},
	{"mapped outside v4 block", "10.0.0.0/8", "11.0.0.1", true, false},
	{"mapped, v6 block", "::/0", "10.1.2.3", true, false},
};

static void test_cidr_contains(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(contains_cases); i++) {
		const struct contains_case *c = &contains_cases[i];
		const struct ctx x = {c->name, c->addr, strlen(c->addr)};
		struct ftp_addr a = make_addr(c->addr, c->raw_mapped);
		struct ftp_cidr cidr;

		CHECK_INT(&x, addr_parse_cidr(c->cidr, strlen(c->cidr), &cidr), FTP_OK);
		CHECK_INT(&x, addr_cidr_contains(&cidr, &a), c->want);
	}
}

/* ---- addr_format, addr_format_endpoint ---- */

struct format_case {
	const char *name;
	enum ftp_family family;
	uint8_t b[16];
	uint16_t port;
	enum ftp_status st;
	const char *want;    /* addr_format, on FTP_OK */
	const char *want_ep; /* addr_format_endpoint, on FTP_OK */
};

static const struct format_case format_cases[] = {
	{"v4", V4(192, 0, 2, 1), 21, FTP_OK, "192.0.2.1", "192.0.2.1:21"},
	{"v4 zeros", V4(0, 0, 0, 0), 0, FTP_OK, "0.0.0.0", "0.0.0.0:0"},
	{"v4 max", V4(255, 255, 255, 255), 65535, FTP_OK, "255.255.255.255",
	 "255.255.255.255:65535"},
	{"v6", V6(DOC6, [15] = 1), 21, FTP_OK, "2001:db8::1", "[2001:db8::1]:21"},
	{"v6 loopback", V6([15] = 1), 65535, FTP_OK, "::1", "[::1]:65535"},
	{"v6 unspecified", V6(0), 2121, FTP_OK, "::", "[::]:2121"},
	{"v6 longest", V6(0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe, 0xff, 0xfe,
	                  0xff, 0xfe, 0xff, 0xfe), 65535, FTP_OK,
	 "fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe",
	 "[fffe:fffe:fffe:fffe:fffe:fffe:fffe:fffe]:65535"},
	{"v6 mapped kept", V6([10] = 0xff, 0xff, 192, 0, 2, 1), 21, FTP_OK, "::ffff:192.0.2.1",
	 "[::ffff:192.0.2.1]:21"},
	{"no family", NOADDR, 21, FTP_EFAMILY, NULL, NULL},
};

/* Format into a heap buffer of exactly cap bytes. */
static enum ftp_status format_into(bool endpoint, const struct ftp_hostport *hp, size_t cap,
                                   char *copy, size_t copy_cap)
{
	char *buf = malloc(cap ? cap : 1);
	enum ftp_status st;

	assert_non_null(buf);
	st = endpoint ? addr_format_endpoint(buf, cap, hp) : addr_format(buf, cap, &hp->addr);
	if (st == FTP_OK)
		snprintf(copy, copy_cap, "%s", buf);
	free(buf);
	return st;
}

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(format_cases); i++) {
		const struct format_case *c = &format_cases[i];
		const struct ctx x = {c->name, NULL, 0};
		struct ftp_hostport hp;
		char got[128];

		memset(&hp, 0, sizeof(hp));
		hp.addr.family = c->family;
		memcpy(hp.addr.b, c->b, sizeof(hp.addr.b));
		hp.port = c->port;

		/* the documented sizes are enough */
		CHECK_INT(&x, format_into(false, &hp, ADDR_STRLEN, got, sizeof(got)), c->st);
		CHECK_INT(&x, format_into(true, &hp, ADDR_ENDPOINT_STRLEN, got, sizeof(got)),
		          c->st);
		if (c->st != FTP_OK)
			continue;
		/* exactly the room needed, then one byte less */
		size_t n = strlen(c->want), m = strlen(c->want_ep);

		CHECK_INT(&x, format_into(false, &hp, n + 1, got, sizeof(got)), FTP_OK);
		CHECK_STR(&x, got, c->want);
		CHECK_INT(&x, format_into(false, &hp, n, got, sizeof(got)), FTP_ENOSPACE);
		CHECK_INT(&x, format_into(true, &hp, m + 1, got, sizeof(got)), FTP_OK);
		CHECK_STR(&x, got, c->want_ep);
		CHECK_INT(&x, format_into(true, &hp, m, got, sizeof(got)), FTP_ENOSPACE);
	}
}

/* ---- addr_equal, addr_is_loopback ---- */

struct equal_case {
	const char *name;
	const char *a; /* NULL: a zeroed struct (FTP_AF_NONE) */
	bool a_mapped;
	const char *b;
	bool b_mapped;
	bool want;
};

static const struct equal_case equal_cases[] = {
	{"v4 same", "192.0.2.1", false, "192.0.2.1", false, true},
	{"v4 other", "192.0.2.1", false, "192.0.2.2", false, false},
	{"v4 and mapped", "192.0.2.1", false, "192.0.2.1", true, true},
	{"mapped and v4", "192.0.2.1", true, "192.0.2.1", false, true},
	{"mapped and other v4", "192.0.2.1", true, "192.0.2.9", false, false},
	{"v6 same", "2001:db8::1", false, "2001:db8::1", false, true},
	{"v6 other", "2001:db8::1", false, "2001:db8::2", false, false},
	{"v6 loopback and v4 loopback", "::1", false, "127.0.0.1", false, false},
	{"v4 zeros and v6 zeros", "0.0.0.0", false, "::", false, false},
	{"none and none", NULL, false, NULL, false, false},
	{"none and v4 zeros", NULL, false, "0.0.0.0", false, false},
};

static void test_equal(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(equal_cases); i++) {
		const struct equal_case *c = &equal_cases[i];
		const struct ctx x = {c->name, NULL, 0};
		struct ftp_addr a = make_addr(c->a, c->a_mapped);
		struct ftp_addr b = make_addr(c->b, c->b_mapped);

		CHECK_INT(&x, addr_equal(&a, &b), c->want);
		CHECK_INT(&x, addr_equal(&b, &a), c->want);
	}
}

struct loopback_case {
	const char *name;
	const char *addr;
	bool raw_mapped;
	bool want;
};

static const struct loopback_case loopback_cases[] = {
	{"127.0.0.1", "127.0.0.1", false, true},
	{"127.255.255.254", "127.255.255.254", false, true},
	{"126.255.255.255", "126.255.255.255", false, false},
	{"128.0.0.1", "128.0.0.1", false, false},
	{"0.0.0.0", "0.0.0.0", false, false},
	{"::1", "::1", false, true},
	{"::2", "::2", false, false},
	{"::", "::", false, false},
	{"::1:0", "::1:0", false, false},
	{"parsed ::ffff:127.0.0.1", "::ffff:127.0.0.1", false, true},
	/* Was a bug, fixed: addr_is_loopback() does not unmap, unlike addr_equal() and
	 * addr_cidr_contains(): a raw ::ffff:127.0.0.1 (as a dual-stack socket
	 * reports an IPv4 peer) is 127/8 but is not seen as loopback. */
	{"raw mapped 127.0.0.1", "127.0.0.1", true, true},
	{"raw mapped 10.0.0.1", "10.0.0.1", true, false},
};

static void test_loopback(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(loopback_cases); i++) {
		const struct loopback_case *c = &loopback_cases[i];
		const struct ctx x = {c->name, c->addr, strlen(c->addr)};
		struct ftp_addr a = make_addr(c->addr, c->raw_mapped);

		CHECK_INT(&x, addr_is_loopback(&a), c->want);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_parse_endpoint),
		cmocka_unit_test(test_parse_cidr),
		cmocka_unit_test(test_cidr_contains),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_equal),
		cmocka_unit_test(test_loopback),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
