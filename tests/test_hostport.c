/* test_hostport.c - PORT, 227, EPRT, 229 and EPSV: parse, format, round trip.
 * Every input is copied into a heap buffer of its exact size (no NUL after
 * it), so ASan reports any read past the (pointer, length) given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tablecheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/hostport.h"

#define S(x) x, sizeof(x) - 1
#define V4(a, b, c, d) FTP_AF_INET, {a, b, c, d}
#define V6(...) FTP_AF_INET6, {__VA_ARGS__}
#define NOADDR FTP_AF_NONE, {0}
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- parsers that give a host and a port ---- */

struct hp_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum ftp_family family; /* FTP_AF_NONE and zeros on any error */
	uint8_t b[16];
	uint16_t port;
};

static const struct hp_case port_cases[] = {
	{"basic", S("192,0,2,1,4,1"), FTP_OK, V4(192, 0, 2, 1), 1025},
	{"octets 255", S("255,255,255,255,0,1"), FTP_OK, V4(255, 255, 255, 255), 1},
	{"octets 0", S("0,0,0,0,0,21"), FTP_OK, V4(0, 0, 0, 0), 21},
	{"first octet 256", S("256,0,2,1,4,1"), FTP_ERANGE, NOADDR, 0},
	{"fourth octet 256", S("192,0,2,256,4,1"), FTP_ERANGE, NOADDR, 0},
	{"port 0", S("192,0,2,1,0,0"), FTP_ERANGE, NOADDR, 0},
	{"port 1", S("192,0,2,1,0,1"), FTP_OK, V4(192, 0, 2, 1), 1},
	{"port 256", S("192,0,2,1,1,0"), FTP_OK, V4(192, 0, 2, 1), 256},
	{"port 65535", S("192,0,2,1,255,255"), FTP_OK, V4(192, 0, 2, 1), 65535},
	{"p1 256", S("192,0,2,1,256,0"), FTP_ERANGE, NOADDR, 0},
	{"p2 256", S("192,0,2,1,0,256"), FTP_ERANGE, NOADDR, 0},
	{"five fields", S("192,0,2,1,4"), FTP_ESYNTAX, NOADDR, 0},
	{"seven fields", S("192,0,2,1,4,1,7"), FTP_ESYNTAX, NOADDR, 0},
	{"spaces around", S(" 192 , 0,2 ,1, 4,1 "), FTP_OK, V4(192, 0, 2, 1), 1025},
	{"tabs", S("\t192,\t0\t,2,1,4,1\t"), FTP_OK, V4(192, 0, 2, 1), 1025},
	{"space inside number", S("19 2,0,2,1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"nul inside", S("192,0,2,1,4\0,1"), FTP_ENUL, NOADDR, 0},
	{"nul at end", S("192,0,2,1,4,1\0"), FTP_ENUL, NOADDR, 0},
	{"empty", S(""), FTP_EEMPTY, NOADDR, 0},
	{"spaces only", S("   "), FTP_ESYNTAX, NOADDR, 0},
	{"letters", S("a,b,c,d,e,f"), FTP_ESYNTAX, NOADDR, 0},
	{"hex", S("0x10,0,0,1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"negative", S("-1,0,2,1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"plus sign", S("+1,0,2,1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"empty field", S("192,,2,1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"commas only", S(",,"), FTP_ESYNTAX, NOADDR, 0},
	{"trailing junk", S("1,2,3,4,5,6x"), FTP_ESYNTAX, NOADDR, 0},
	{"trailing comma", S("1,2,3,4,5,6,"), FTP_ESYNTAX, NOADDR, 0},
	{"dotted", S("192.0.2.1,4,1"), FTP_ESYNTAX, NOADDR, 0},
	{"huge octet", S("99999999999999999999,0,2,1,4,1"), FTP_ERANGE, NOADDR, 0},
	{"huge port", S("1,2,3,4,99999999999999999999,1"), FTP_ERANGE, NOADDR, 0},
	/* 2^64 + 1 and 2^64 + 4: wrapping arithmetic would see 1 and 4 */
	{"octet 2^64 + 1", S("18446744073709551617,0,2,1,4,1"), FTP_ERANGE, NOADDR, 0},
	{"p1 2^64 + 4", S("192,0,2,1,18446744073709551620,1"), FTP_ERANGE, NOADDR, 0},
	{"leading zeros", S("010,000,002,001,004,001"), FTP_OK, V4(10, 0, 2, 1), 1025},
};

static const struct hp_case pasv_cases[] = {
	{"rfc 959 form", S("Entering Passive Mode (192,0,2,1,195,80)."), FTP_OK,
	 V4(192, 0, 2, 1), 50000},
	{"no parentheses", S("Entering Passive Mode 192,0,2,1,195,80"), FTP_OK,
	 V4(192, 0, 2, 1), 50000},
	{"equals", S("=192,0,2,1,195,80"), FTP_OK, V4(192, 0, 2, 1), 50000},
	{"bare tuple", S("10,1,2,3,0,21"), FTP_OK, V4(10, 1, 2, 3), 21},
	{"number before tuple", S("Entering Passive Mode for 2 s (10,0,0,1,4,1)"), FTP_OK,
	 V4(10, 0, 0, 1), 1025},
	{"short list before tuple", S("Mode 1,2,3 (10,0,0,1,4,1)"), FTP_OK, V4(10, 0, 0, 1), 1025},
	{"spaces inside", S("Entering Passive Mode ( 192, 0 ,2,1 , 195 ,80 )"), FTP_OK,
	 V4(192, 0, 2, 1), 50000},
	{"tabs inside", S("Entering Passive Mode (192,\t0,2,1,195\t,80)"), FTP_OK,
	 V4(192, 0, 2, 1), 50000},
	{"port 65535", S("(192,0,2,1,255,255)"), FTP_OK, V4(192, 0, 2, 1), 65535},
	{"octet 256", S("Entering Passive Mode (192,0,2,256,4,1)."), FTP_ERANGE, NOADDR, 0},
	{"first octet 300", S("Entering Passive Mode (300,0,2,1,4,1)."), FTP_ERANGE, NOADDR, 0},
	{"p1 256", S("(192,0,2,1,256,1)"), FTP_ERANGE, NOADDR, 0},
	{"port 0", S("(192,0,2,1,0,0)"), FTP_ERANGE, NOADDR, 0},
	{"huge number", S("(99999999999999999999,0,0,1,4,1)"), FTP_ERANGE, NOADDR, 0},
	{"no tuple", S("Entering Passive Mode."), FTP_ESYNTAX, NOADDR, 0},
	{"five numbers", S("Entering Passive Mode (192,0,2,1,4)."), FTP_ESYNTAX, NOADDR, 0},
	{"empty", S(""), FTP_ESYNTAX, NOADDR, 0},
	{"letters in tuple", S("(192,0,2,x,4,1)"), FTP_ESYNTAX, NOADDR, 0},
};

static const struct hp_case eprt_cases[] = {
	{"v4", S("|1|192.0.2.1|6446|"), FTP_OK, V4(192, 0, 2, 1), 6446},
	{"v6", S("|2|2001:db8::1|6446|"), FTP_OK, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 6446},
	{"v6 loopback", S("|2|::1|21|"), FTP_OK, V6([15] = 1), 21},
	{"bang delimiter", S("!1!192.0.2.1!6446!"), FTP_OK, V4(192, 0, 2, 1), 6446},
	{"tilde delimiter v6", S("~2~::1~21~"), FTP_OK, V6([15] = 1), 21},
	{"trailing spaces", S("|1|192.0.2.1|6446|  "), FTP_OK, V4(192, 0, 2, 1), 6446},
	{"mapped v6 becomes v4", S("|2|::ffff:192.0.2.1|21|"), FTP_OK, V4(192, 0, 2, 1), 21},
	{"port 65535", S("|1|192.0.2.1|65535|"), FTP_OK, V4(192, 0, 2, 1), 65535},
	{"port leading zeros", S("|1|192.0.2.1|00021|"), FTP_OK, V4(192, 0, 2, 1), 21},
	{"family 3", S("|3|192.0.2.1|6446|"), FTP_EFAMILY, NOADDR, 0},
	{"family 0", S("|0|192.0.2.1|6446|"), FTP_EFAMILY, NOADDR, 0},
	{"family huge", S("|99999999999999999999|192.0.2.1|6446|"), FTP_EFAMILY, NOADDR, 0},
	{"family 1 with v6", S("|1|2001:db8::1|6446|"), FTP_ESYNTAX, NOADDR, 0},
	{"family 1 with mapped", S("|1|::ffff:192.0.2.1|21|"), FTP_ESYNTAX, NOADDR, 0},
	{"family 2 with v4", S("|2|192.0.2.1|6446|"), FTP_ESYNTAX, NOADDR, 0},
	{"family letter", S("|a|192.0.2.1|6446|"), FTP_ESYNTAX, NOADDR, 0},
	{"empty family", S("||192.0.2.1|6446|"), FTP_ESYNTAX, NOADDR, 0},
	{"port 0", S("|1|192.0.2.1|0|"), FTP_ERANGE, NOADDR, 0},
	{"port 65536", S("|1|192.0.2.1|65536|"), FTP_ERANGE, NOADDR, 0},
	{"port huge", S("|1|192.0.2.1|99999999999999999999|"), FTP_ERANGE, NOADDR, 0},
	{"port 2^64 + 21", S("|1|192.0.2.1|18446744073709551637|"), FTP_ERANGE, NOADDR, 0},
	{"family 2^64 + 1", S("|18446744073709551617|192.0.2.1|21|"), FTP_EFAMILY, NOADDR, 0},
	{"port with sign", S("|1|192.0.2.1|+21|"), FTP_ESYNTAX, NOADDR, 0},
	{"empty port", S("|1|192.0.2.1||"), FTP_ESYNTAX, NOADDR, 0},
	{"missing final delimiter", S("|1|192.0.2.1|6446"), FTP_ESYNTAX, NOADDR, 0},
	{"mismatched final delimiter", S("|1|192.0.2.1|6446!"), FTP_ESYNTAX, NOADDR, 0},
	{"extra field", S("|1|192.0.2.1|6446|x|"), FTP_ESYNTAX, NOADDR, 0},
	{"extra empty field", S("|1|192.0.2.1|6446||"), FTP_ESYNTAX, NOADDR, 0},
	{"too few fields", S("|1|192.0.2.1|"), FTP_ESYNTAX, NOADDR, 0},
	{"empty address", S("|1||6446|"), FTP_ESYNTAX, NOADDR, 0},
	{"bad address", S("|1|192.0.2|6446|"), FTP_ESYNTAX, NOADDR, 0},
	/* '8' as the delimiter would give the fields 1, 192.0.2.1 and 6446. */
	{"digit delimiter", S("818192.0.2.1864468"), FTP_ESYNTAX, NOADDR, 0},
	{"space delimiter", S(" 1 192.0.2.1 6446 "), FTP_ESYNTAX, NOADDR, 0},
	{"DEL delimiter", S("\x7f" "1\x7f" "192.0.2.1\x7f" "6446\x7f"), FTP_ESYNTAX, NOADDR, 0},
	{"nul", S("|1|192.0.2.1\0|6446|"), FTP_ENUL, NOADDR, 0},
	{"empty", S(""), FTP_EEMPTY, NOADDR, 0},
};

typedef enum ftp_status (*hp_parser)(const char *p, size_t n, struct ftp_hostport *out);

static void run_hp_cases(const struct hp_case *cases, size_t count, hp_parser parse)
{
	for (size_t i = 0; i < count; i++) {
		const struct hp_case *c = &cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct ftp_hostport hp;
		enum ftp_status st;

		memset(&hp, 0xa5, sizeof(hp)); /* a stale value must not survive */
		st = parse(in, c->in_len, &hp);
		CHECK_INT(&x, st, c->st);
		CHECK_INT(&x, hp.addr.family, c->family);
		for (size_t k = 0; k < sizeof(hp.addr.b); k++)
			CHECK_INT(&x, hp.addr.b[k], c->b[k]);
		CHECK_INT(&x, hp.port, c->port);
		free(in);
	}
}

static void test_parse_port(void **state)
{
	(void)state;
	run_hp_cases(port_cases, COUNT(port_cases), hostport_parse_port);
}

static void test_parse_pasv(void **state)
{
	(void)state;
	run_hp_cases(pasv_cases, COUNT(pasv_cases), hostport_parse_pasv);
}

static void test_parse_eprt(void **state)
{
	(void)state;
	run_hp_cases(eprt_cases, COUNT(eprt_cases), hostport_parse_eprt);
}

/* ---- 229 reply ---- */

struct epsv_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	uint16_t port; /* 0 on any error */
};

static const struct epsv_case epsv_cases[] = {
	{"rfc 2428 form", S("Entering Extended Passive Mode (|||6446|)"), FTP_OK, 6446},
	{"bang delimiter", S("Entering Extended Passive Mode (!!!6446!)"), FTP_OK, 6446},
	{"no parentheses", S("Entering Extended Passive Mode |||6446|"), FTP_OK, 6446},
	{"bare", S("|||21|"), FTP_OK, 21},
	{"port 1", S("(|||1|)"), FTP_OK, 1},
	{"port 65535", S("(|||65535|)"), FTP_OK, 65535},
	{"delimiters in text before", S("Mode |x| (|||6446|)"), FTP_OK, 6446},
	{"port 0", S("Entering Extended Passive Mode (|||0|)"), FTP_ERANGE, 0},
	{"port 65536", S("Entering Extended Passive Mode (|||65536|)"), FTP_ERANGE, 0},
	{"port huge", S("(|||99999999999999999999|)"), FTP_ERANGE, 0},
	{"port 2^64 + 21", S("(|||18446744073709551637|)"), FTP_ERANGE, 0},
	{"garbage", S("Entering Extended Passive Mode"), FTP_ESYNTAX, 0},
	{"two delimiters", S("(||6446|)"), FTP_ESYNTAX, 0},
	{"mixed delimiters", S("(||!6446|)"), FTP_ESYNTAX, 0},
	{"no closing delimiter", S("(|||6446)"), FTP_ESYNTAX, 0},
	{"letter in port", S("(|||64a6|)"), FTP_ESYNTAX, 0},
	{"address given", S("(|1|192.0.2.1|6446|)"), FTP_ESYNTAX, 0},
	{"empty", S(""), FTP_ESYNTAX, 0},
};

static void test_parse_epsv(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(epsv_cases); i++) {
		const struct epsv_case *c = &epsv_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		uint16_t port = 0xa5a5;
		enum ftp_status st = hostport_parse_epsv(in, c->in_len, &port);

		CHECK_INT(&x, st, c->st);
		CHECK_INT(&x, port, c->port);
		free(in);
	}
}

/* ---- EPSV argument ---- */

struct epsv_arg_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum epsv_arg arg; /* EPSV_ARG_ANY on any error */
};

static const struct epsv_arg_case epsv_arg_cases[] = {
	{"none", S(""), FTP_OK, EPSV_ARG_ANY},
	{"1", S("1"), FTP_OK, EPSV_ARG_INET},
	{"2", S("2"), FTP_OK, EPSV_ARG_INET6},
	{"ALL", S("ALL"), FTP_OK, EPSV_ARG_ALL},
	{"all", S("all"), FTP_OK, EPSV_ARG_ALL},
	{"All", S("All"), FTP_OK, EPSV_ARG_ALL},
	{"trailing space", S("1 "), FTP_OK, EPSV_ARG_INET},
	{"3", S("3"), FTP_EFAMILY, EPSV_ARG_ANY},
	{"0", S("0"), FTP_EFAMILY, EPSV_ARG_ANY},
	{"12", S("12"), FTP_EFAMILY, EPSV_ARG_ANY},
	{"2^64 + 1", S("18446744073709551617"), FTP_EFAMILY, EPSV_ARG_ANY},
	{"x", S("x"), FTP_ESYNTAX, EPSV_ARG_ANY},
	{"ALLX", S("ALLX"), FTP_ESYNTAX, EPSV_ARG_ANY},
	{"AL", S("AL"), FTP_ESYNTAX, EPSV_ARG_ANY},
	{"-1", S("-1"), FTP_ESYNTAX, EPSV_ARG_ANY},
	{"nul", S("1\0"), FTP_ENUL, EPSV_ARG_ANY},
};

static void test_parse_epsv_arg(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(epsv_arg_cases); i++) {
		const struct epsv_arg_case *c = &epsv_arg_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		enum epsv_arg arg = (enum epsv_arg)77;
		enum ftp_status st = hostport_parse_epsv_arg(in, c->in_len, &arg);

		CHECK_INT(&x, st, c->st);
		CHECK_INT(&x, arg, c->arg);
		free(in);
	}
}

/* ---- formatters ---- */

enum fmt_kind { FMT_PORT, FMT_PASV, FMT_EPRT, FMT_EPSV };

struct fmt_case {
	const char *name;
	enum fmt_kind kind;
	enum ftp_family family;
	uint8_t b[16];
	uint16_t port;
	size_t cap;          /* 0: HOSTPORT_STRLEN */
	enum ftp_status st;
	const char *want;    /* on FTP_OK */
};

static const struct fmt_case fmt_cases[] = {
	{"port", FMT_PORT, V4(192, 0, 2, 1), 1025, 0, FTP_OK, "192,0,2,1,4,1"},
	{"port max", FMT_PORT, V4(255, 255, 255, 255), 65535, 0, FTP_OK,
	 "255,255,255,255,255,255"},
	{"port zeros", FMT_PORT, V4(0, 0, 0, 0), 1, 0, FTP_OK, "0,0,0,0,0,1"},
	{"port mapped v6", FMT_PORT, V6([10] = 0xff, 0xff, 192, 0, 2, 1), 21, 0, FTP_OK,
	 "192,0,2,1,0,21"},
	{"port exact cap", FMT_PORT, V4(192, 0, 2, 1), 1025, 14, FTP_OK, "192,0,2,1,4,1"},
	{"port cap one short", FMT_PORT, V4(192, 0, 2, 1), 1025, 13, FTP_ENOSPACE, NULL},
	{"port v6", FMT_PORT, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 21, 0, FTP_EFAMILY,
	 NULL},
	{"port no family", FMT_PORT, NOADDR, 21, 0, FTP_EFAMILY, NULL},
	{"pasv", FMT_PASV, V4(192, 0, 2, 1), 50000, 0, FTP_OK,
	 "Entering Passive Mode (192,0,2,1,195,80)."},
	{"pasv exact cap", FMT_PASV, V4(10, 0, 0, 1), 1025, 38, FTP_OK,
	 "Entering Passive Mode (10,0,0,1,4,1)."},
	{"pasv small cap", FMT_PASV, V4(10, 0, 0, 1), 1025, 37, FTP_ENOSPACE, NULL},
	{"pasv v6", FMT_PASV, V6([15] = 1), 21, 0, FTP_EFAMILY, NULL},
	{"eprt v4", FMT_EPRT, V4(192, 0, 2, 1), 2121, 0, FTP_OK, "|1|192.0.2.1|2121|"},
	{"eprt v6", FMT_EPRT, V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 2121, 0, FTP_OK,
	 "|2|2001:db8::1|2121|"},
	{"eprt v6 exact cap", FMT_EPRT, V6([15] = 1), 65535, 14, FTP_OK, "|2|::1|65535|"},
	{"eprt small cap", FMT_EPRT, V6([15] = 1), 65535, 13, FTP_ENOSPACE, NULL},
	{"eprt no family", FMT_EPRT, NOADDR, 21, 0, FTP_EFAMILY, NULL},
	{"epsv", FMT_EPSV, NOADDR, 2121, 0, FTP_OK, "Entering Extended Passive Mode (|||2121|)"},
	{"epsv 65535", FMT_EPSV, NOADDR, 65535, 0, FTP_OK,
	 "Entering Extended Passive Mode (|||65535|)"},
	{"epsv exact cap", FMT_EPSV, NOADDR, 21, 40, FTP_OK,
	 "Entering Extended Passive Mode (|||21|)"},
	{"epsv small cap", FMT_EPSV, NOADDR, 21, 39, FTP_ENOSPACE, NULL},
};

static enum ftp_status do_format(enum fmt_kind kind, char *buf, size_t cap, size_t *len,
                              const struct ftp_hostport *hp)
{
	switch (kind) {
	case FMT_PORT: return hostport_format_port(buf, cap, len, hp);
	case FMT_PASV: return hostport_format_pasv(buf, cap, len, hp);
	case FMT_EPRT: return hostport_format_eprt(buf, cap, len, hp);
	case FMT_EPSV: return hostport_format_epsv(buf, cap, len, hp->port);
	}
	fail_msg("bad kind %d", kind);
	return FTP_ESYNTAX;
}

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(fmt_cases); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		const struct ctx x = {c->name, NULL, 0};
		size_t cap = c->cap ? c->cap : HOSTPORT_STRLEN;
		char *buf = malloc(cap); /* exact: ASan sees a write past cap */
		struct ftp_hostport hp;
		size_t len = 12345;
		enum ftp_status st;

		assert_non_null(buf);
		memset(&hp, 0, sizeof(hp));
		hp.addr.family = c->family;
		memcpy(hp.addr.b, c->b, sizeof(hp.addr.b));
		hp.port = c->port;
		st = do_format(c->kind, buf, cap, &len, &hp);
		CHECK_INT(&x, st, c->st);
		if (c->st == FTP_OK) {
			CHECK_STR(&x, buf, c->want);
			CHECK_INT(&x, len, strlen(c->want));
			/* out_len may be NULL */
			memset(buf, 0, cap);
			CHECK_INT(&x, do_format(c->kind, buf, cap, NULL, &hp), FTP_OK);
			CHECK_STR(&x, buf, c->want);
		}
		free(buf);
	}
}

/* ---- parse(format(x)) == x ---- */

struct rt_case {
	const char *name;
	enum ftp_family family;
	uint8_t b[16];
	uint16_t port;
};

static const struct rt_case rt_cases[] = {
	{"v4 1025", V4(192, 0, 2, 1), 1025},
	{"v4 zeros port 1", V4(0, 0, 0, 0), 1},
	{"v4 max", V4(255, 255, 255, 255), 65535},
	{"v4 port 256", V4(10, 1, 2, 3), 256},
	{"v4 port 255", V4(127, 0, 0, 1), 255},
	{"v6 loopback", V6([15] = 1), 21},
	{"v6 doc", V6(0x20, 0x01, 0x0d, 0xb8, [15] = 1), 65535},
	{"v6 link local", V6(0xfe, 0x80, [11] = 1, [13] = 0xff, 0x12, 0x34), 50000},
	{"v6 all ones", V6(0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
	                   0xff, 0xff, 0xff, 0xff), 2},
};

static void check_same(const struct ctx *x, const struct rt_case *c,
                       const struct ftp_hostport *got)
{
	if (got->addr.family != c->family || memcmp(got->addr.b, c->b, 16) != 0 ||
	    got->port != c->port)
		FAIL(x, "%s: the round trip changed the value (family %d port %u)", c->name,
		     got->addr.family, got->port);
}

static void test_round_trip(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(rt_cases); i++) {
		const struct rt_case *c = &rt_cases[i];
		struct ftp_hostport hp, got;
		char buf[HOSTPORT_STRLEN];
		struct ctx x = {c->name, buf, 0}; /* shows the formatted text */
		uint16_t port;

		memset(&hp, 0, sizeof(hp));
		hp.addr.family = c->family;
		memcpy(hp.addr.b, c->b, sizeof(hp.addr.b));
		hp.port = c->port;

		CHECK_INT(&x, hostport_format_eprt(buf, sizeof(buf), &x.in_len, &hp), FTP_OK);
		CHECK_INT(&x, hostport_parse_eprt(buf, x.in_len, &got), FTP_OK);
		check_same(&x, c, &got);

		CHECK_INT(&x, hostport_format_epsv(buf, sizeof(buf), &x.in_len, c->port), FTP_OK);
		CHECK_INT(&x, hostport_parse_epsv(buf, x.in_len, &port), FTP_OK);
		CHECK_INT(&x, port, c->port);

		if (c->family != FTP_AF_INET)
			continue;
		CHECK_INT(&x, hostport_format_port(buf, sizeof(buf), &x.in_len, &hp), FTP_OK);
		CHECK_INT(&x, hostport_parse_port(buf, x.in_len, &got), FTP_OK);
		check_same(&x, c, &got);

		CHECK_INT(&x, hostport_format_pasv(buf, sizeof(buf), &x.in_len, &hp), FTP_OK);
		CHECK_INT(&x, hostport_parse_pasv(buf, x.in_len, &got), FTP_OK);
		check_same(&x, c, &got);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_port),
		cmocka_unit_test(test_parse_pasv),
		cmocka_unit_test(test_parse_eprt),
		cmocka_unit_test(test_parse_epsv),
		cmocka_unit_test(test_parse_epsv_arg),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_round_trip),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
