/* test_proxy_replies.c - ftplab-proxy's pure decisions on the way back and
 * around: server 227/229, what the client is told, --allow-dest rules and
 * the teaching transcript (the way to the server is test_proxy_rewrite.c).
 *
 * Every input is copied into a heap buffer of its exact size (no NUL after
 * it), so ASan reports any read past the (pointer, length) given. Outputs
 * start filled with garbage, so a field left unset cannot pass. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tablecheck.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rewrite.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define IN(x) .in = x, .in_len = sizeof(x) - 1
#define V4(w, x, y, z) .family = FTP_AF_INET, .b = {w, x, y, z}
#define V6(...) .family = FTP_AF_INET6, .b = {__VA_ARGS__}
#define DB8 0x20, 0x01, 0x0d, 0xb8 /* 2001:db8:: */

#define HP4(a, b, c, d, p) {{FTP_AF_INET, {a, b, c, d}}, p}
#define HP6(p, ...) {{FTP_AF_INET6, {__VA_ARGS__}}, p}

/* ---- server replies ---- */

struct sr_case {
	const char *name;
	const char *lines[3];
	enum sreply kind;
	enum ftp_family family;
	uint8_t b[16];
	uint16_t port;
};

static const struct sr_case sr_cases[] = {
	{"227", {"227 Entering Passive Mode (192,0,2,1,4,1)."}, SREPLY_PASV, V4(192, 0, 2, 1),
	 1025},
	{"227 no parentheses", {"227 Entering Passive Mode 198,51,100,9,195,80"}, SREPLY_PASV,
	 V4(198, 51, 100, 9), 50000},
	{"227 equals", {"227 =10,0,0,1,0,21"}, SREPLY_PASV, V4(10, 0, 0, 1), 21},
	{"227 zero address", {"227 Entering Passive Mode (0,0,0,0,4,1)"}, SREPLY_PASV,
	 V4(0, 0, 0, 0), 1025},
	{"227 multi-line", {"227-Entering Passive Mode", "227 (192,0,2,1,4,1)"}, SREPLY_PASV,
	 V4(192, 0, 2, 1), 1025},
	{"227 five numbers", {"227 Entering Passive Mode (192,0,2,1,4)."}, .kind = SREPLY_BAD_PASV},
	{"227 octet 300", {"227 Entering Passive Mode (192,0,2,300,4,1)."}, .kind = SREPLY_BAD_PASV},
	{"227 port 0", {"227 Entering Passive Mode (192,0,2,1,0,0)."}, .kind = SREPLY_BAD_PASV},
	{"227 no tuple", {"227 Entering Passive Mode."}, .kind = SREPLY_BAD_PASV},
	{"227 bare code", {"227"}, .kind = SREPLY_BAD_PASV},
	{"229", {"229 Entering Extended Passive Mode (|||2121|)"}, SREPLY_EPSV, .port = 2121},
	{"229 bang", {"229 Entering Extended Passive Mode (!!!2121!)"}, SREPLY_EPSV, .port = 2121},
	{"229 65535", {"229 Entering Extended Passive Mode (|||65535|)"}, SREPLY_EPSV,
	 .port = 65535},
	{"229 port 0", {"229 Entering Extended Passive Mode (|||0|)"}, .kind = SREPLY_BAD_PASV},
	{"229 port 65536", {"229 Entering Extended Passive Mode (|||65536|)"}, .kind = SREPLY_BAD_PASV},
	{"229 two delimiters", {"229 Entering Extended Passive Mode (||2121|)"}, .kind = SREPLY_BAD_PASV},
	{"229 no tuple", {"229 Entering Extended Passive Mode"}, .kind = SREPLY_BAD_PASV},
	{"200", {"200 PORT command successful."}, .kind = SREPLY_OTHER},
	{"226 with six numbers", {"226 Transfer complete (1,2,3,4,5,6)."}, .kind = SREPLY_OTHER},
	{"228 long passive", {"228 Entering Long Passive Mode (4,4,1,2,3,4,2,4,1)"}, .kind = SREPLY_OTHER},
	{"425", {"425 Can't open data connection."}, .kind = SREPLY_OTHER},
	{"522", {"522 Network protocol not supported, use (1,2)"}, .kind = SREPLY_OTHER},
	{"150 with tuple", {"150 (|||2121|)"}, .kind = SREPLY_OTHER},
};

static void test_server_replies(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(sr_cases); i++) {
		const struct sr_case *c = &sr_cases[i];
		const struct ctx x = {c->name, c->lines[0], strlen(c->lines[0])};
		char text[512];
		struct reply_parser rp;
		struct reply r;
		struct server_reply sr;
		enum reply_status rs = REPLY_NEED_MORE;

		reply_parser_init(&rp, NULL, 0, text, sizeof(text), 0);
		for (size_t k = 0; k < 3 && c->lines[k] != NULL; k++)
			rs = reply_feed_line(&rp, c->lines[k], strlen(c->lines[k]), &r);
		CHECK_INT(&x, rs, REPLY_DONE);
		memset(&sr, 0xa5, sizeof(sr));
		rewrite_server_reply(&r, &sr);
		CHECK_INT(&x, sr.kind, c->kind);
		CHECK_INT(&x, sr.hp.addr.family, c->family);
		CHECK_MEM(&x, sr.hp.addr.b, c->b, 16);
		CHECK_INT(&x, sr.hp.port, c->port);
	}
}

/* A line that is no reply announces nothing, whatever digits it starts with. */
static void test_server_reply_malformed(void **state)
{
	struct reply r = {227, false, 1, "227_(192,0,2,1,4,1)", 19, 0, REPLY_ERR_NO_SEPARATOR};
	struct server_reply sr;

	(void)state;
	memset(&sr, 0xa5, sizeof(sr));
	rewrite_server_reply(&r, &sr);
	assert_int_equal(sr.kind, SREPLY_OTHER);
	assert_int_equal(sr.hp.port, 0);
	assert_int_equal(sr.hp.addr.family, FTP_AF_NONE);

	r = (struct reply){229, false, 1, "(|||21|)", 8, 0, REPLY_ERR_NONE};
	rewrite_server_reply(&r, &sr);
	assert_int_equal(sr.kind, SREPLY_EPSV);
	assert_int_equal(sr.hp.port, 21);
}

/* ---- what the client is told ---- */

enum cr_kind { CR_PASV, CR_EPSV, CR_PORT_OK, CR_EPRT_OK };

struct cr_case {
	const char *name;
	enum cr_kind what;
	struct ftp_hostport hp; /* CR_PASV; CR_EPSV uses hp.port */
	size_t cap;
	enum ftp_status st;
	const char *want;
};

static const struct cr_case cr_cases[] = {
	{"227", CR_PASV, HP4(203, 0, 113, 5, 50000), 80, FTP_OK,
	 "227 Entering Passive Mode (203,0,113,5,195,80).\r\n"},
	{"227 port 1", CR_PASV, HP4(10, 0, 0, 1, 1), 80, FTP_OK,
	 "227 Entering Passive Mode (10,0,0,1,0,1).\r\n"},
	{"227 port 65535", CR_PASV, HP4(10, 0, 0, 1, 65535), 80, FTP_OK,
	 "227 Entering Passive Mode (10,0,0,1,255,255).\r\n"},
	{"227 v6", CR_PASV, HP6(2121, DB8, [15] = 1), 80, FTP_EFAMILY, ""},
	{"227 port 0", CR_PASV, HP4(10, 0, 0, 1, 0), 80, FTP_ERANGE, ""},
	{"227 exact fit", CR_PASV, HP4(1, 2, 3, 4, 5), 44, FTP_OK,
	 "227 Entering Passive Mode (1,2,3,4,0,5).\r\n"},
	{"227 one short", CR_PASV, HP4(1, 2, 3, 4, 5), 42, FTP_ENOSPACE, ""},
	{"229", CR_EPSV, HP4(0, 0, 0, 0, 2121), 80, FTP_OK,
	 "229 Entering Extended Passive Mode (|||2121|)\r\n"},
	{"229 65535", CR_EPSV, HP4(0, 0, 0, 0, 65535), 80, FTP_OK,
	 "229 Entering Extended Passive Mode (|||65535|)\r\n"},
	{"229 port 0", CR_EPSV, HP4(0, 0, 0, 0, 0), 80, FTP_ERANGE, ""},
	{"229 one short", CR_EPSV, HP4(0, 0, 0, 0, 1), 44, FTP_ENOSPACE, ""},
	{"229 exact fit", CR_EPSV, HP4(0, 0, 0, 0, 1), 45, FTP_OK,
	 "229 Entering Extended Passive Mode (|||1|)\r\n"},
	{"200 port", CR_PORT_OK, HP4(0, 0, 0, 0, 0), 80, FTP_OK, "200 PORT command successful.\r\n"},
	{"200 eprt", CR_EPRT_OK, HP4(0, 0, 0, 0, 0), 80, FTP_OK, "200 EPRT command successful.\r\n"},
	{"200 one short", CR_PORT_OK, HP4(0, 0, 0, 0, 0), 30, FTP_ENOSPACE, ""},
	{"200 no room", CR_EPRT_OK, HP4(0, 0, 0, 0, 0), 1, FTP_ENOSPACE, ""},
};

static void test_client_replies(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(cr_cases); i++) {
		const struct cr_case *c = &cr_cases[i];
		const struct ctx x = {c->name, "", 0};
		char *buf = malloc(c->cap);
		size_t len = 999;
		enum ftp_status st = FTP_OK;

		assert_non_null(buf);
		memset(buf, 'x', c->cap);
		switch (c->what) {
		case CR_PASV:
			st = rewrite_format_client_pasv(buf, c->cap, &len, &c->hp);
			break;
		case CR_EPSV:
			st = rewrite_format_client_epsv(buf, c->cap, &len, c->hp.port);
			break;
		case CR_PORT_OK:
		case CR_EPRT_OK:
			st = rewrite_format_client_port_ok(buf, c->cap, &len, c->what == CR_EPRT_OK);
			break;
		}
		CHECK_INT(&x, st, c->st);
		CHECK_STR(&x, buf, c->want);
		CHECK_INT(&x, len, c->st == FTP_OK ? strlen(c->want) : 999);
		free(buf);
	}
}

/* ---- --allow-dest ---- */

struct dr_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	enum ftp_family family;
	uint8_t b[16];
	unsigned prefix;
	uint16_t lo, hi;
};

static const struct dr_case dr_cases[] = {
	{"v4 block", IN("198.51.100.0/24"), FTP_OK, V4(198, 51, 100, 0), 24, 1, 65535},
	{"v4 host", IN("198.51.100.2"), FTP_OK, V4(198, 51, 100, 2), 32, 1, 65535},
	{"v4 host port", IN("198.51.100.2:21"), FTP_OK, V4(198, 51, 100, 2), 32, 21, 21},
	{"v4 block all ports", IN("192.0.2.0/24:1-65535"), FTP_OK, V4(192, 0, 2, 0), 24, 1, 65535},
	{"v4 block range", IN("192.0.2.0/24:1000-2000"), FTP_OK, V4(192, 0, 2, 0), 24, 1000, 2000},
	{"v4 range of one", IN("192.0.2.0/24:21-21"), FTP_OK, V4(192, 0, 2, 0), 24, 21, 21},
	{"v4 /0", IN("0.0.0.0/0"), FTP_OK, V4(0, 0, 0, 0), 0, 1, 65535},
	{"v6 block range", IN("[2001:db8::]/32:21-2121"), FTP_OK, V6(DB8), 32, 21, 2121},
	{"v6 host port", IN("[2001:db8::1]:21"), FTP_OK, V6(DB8, [15] = 1), 128, 21, 21},
	{"v6 block bracketed", IN("[2001:db8::]/32"), FTP_OK, V6(DB8), 32, 1, 65535},
	{"v6 host bracketed", IN("[2001:db8::1]"), FTP_OK, V6(DB8, [15] = 1), 128, 1, 65535},
	{"v6 block bare", IN("2001:db8::/32"), FTP_OK, V6(DB8), 32, 1, 65535},
	/* Bare IPv6 takes no ports: the last group is part of the address. */
	{"v6 bare is all address", IN("2001:db8::1:21"), FTP_OK, V6(DB8, [13] = 1, [15] = 0x21),
	 128, 1, 65535},
	{"v6 mapped", IN("::ffff:192.0.2.0/120"), FTP_OK, V4(192, 0, 2, 0), 24, 1, 65535},
	{"v4 prefix 33", IN("198.51.100.0/33"), FTP_ERANGE},
	{"v6 prefix 129", IN("[2001:db8::]/129:21"), FTP_ERANGE},
	{"port 0", IN("198.51.100.0/24:0"), FTP_ERANGE},
	{"port 65536", IN("198.51.100.0/24:65536"), FTP_ERANGE},
	{"range reversed", IN("198.51.100.0/24:2000-1000"), FTP_ERANGE},
	{"range to 0", IN("198.51.100.0/24:0-10"), FTP_ERANGE},
	{"empty ports", IN("198.51.100.0/24:"), FTP_ESYNTAX},
	{"letter port", IN("198.51.100.0/24:ftp"), FTP_ESYNTAX},
	{"open range", IN("198.51.100.0/24:21-"), FTP_ESYNTAX},
	{"three ports", IN("198.51.100.0/24:1-2-3"), FTP_ESYNTAX},
	{"two colons v4", IN("1.2.3.4:21:22"), FTP_ESYNTAX},
	{"empty", IN(""), FTP_ESYNTAX},
	{"name", IN("ftp.example.com:21"), FTP_ESYNTAX},
	{"v4 in brackets", IN("[198.51.100.1]:21"), FTP_ESYNTAX},
	{"unclosed bracket", IN("[2001:db8::1:21"), FTP_ESYNTAX},
	{"junk after bracket", IN("[2001:db8::1]x"), FTP_ESYNTAX},
	{"empty prefix", IN("198.51.100.0/"), FTP_ESYNTAX},
	{"space", IN("198.51.100.0/24 :21"), FTP_ESYNTAX},
	{"nul", IN("198.51.100.0/24\0"), FTP_ENUL},
};

static void test_dest_rules(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(dr_cases); i++) {
		const struct dr_case *c = &dr_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct dest_rule r;

		memset(&r, 0xa5, sizeof(r));
		CHECK_INT(&x, rewrite_parse_dest_rule(in, c->in_len, &r), c->st);
		CHECK_INT(&x, r.net.addr.family, c->family);
		CHECK_MEM(&x, r.net.addr.b, c->b, 16);
		CHECK_INT(&x, r.net.prefix, c->prefix);
		CHECK_INT(&x, r.lo, c->lo);
		CHECK_INT(&x, r.hi, c->hi);
		free(in);
	}
}

struct da_case {
	const char *name;
	struct ftp_hostport dst;
	bool want;       /* with the three rules */
	bool want_first; /* with the first rule only */
};

static const struct da_case da_cases[] = {
	{"v4 in block", HP4(198, 51, 100, 9, 21), true, true},
	{"v4 in block high port", HP4(198, 51, 100, 255, 65535), true, true},
	{"v4 next block", HP4(198, 51, 101, 1, 21), false, false},
	{"v4 host port", HP4(192, 0, 2, 7, 21), true, false},
	{"v4 host other port", HP4(192, 0, 2, 7, 20), false, false},
	{"v4 next host", HP4(192, 0, 2, 8, 21), false, false},
	{"v6 in block low", HP6(21, DB8, [15] = 5), true, false},
	{"v6 in block high", HP6(2121, DB8, 0xff, 0xff, [15] = 5), true, false},
	{"v6 above range", HP6(2122, DB8, [15] = 5), false, false},
	{"v6 below range", HP6(20, DB8, [15] = 5), false, false},
	{"v6 other block", HP6(21, 0x20, 0x01, 0x0d, 0xb9, [15] = 1), false, false},
	{"v6 mapped v4 in block", HP6(21, [10] = 0xff, [11] = 0xff, 198, 51, 100, 9), true, true},
	{"v6 mapped v4 outside", HP6(21, [10] = 0xff, [11] = 0xff, 203, 0, 113, 1), false, false},
	{"v4 with the v6 block's bytes", HP4(0x20, 0x01, 0x0d, 0xb8, 21), false, false},
	{"no family", {{FTP_AF_NONE, {198, 51, 100, 9}}, 21}, false, false},
};

static void test_dest_allowed(void **state)
{
	static const char *const specs[] = {"198.51.100.0/24", "[2001:db8::]/32:21-2121",
	                                    "192.0.2.7:21"};
	struct dest_rule rules[3];

	(void)state;
	for (size_t i = 0; i < COUNT(specs); i++)
		assert_int_equal(rewrite_parse_dest_rule(specs[i], strlen(specs[i]), &rules[i]),
		                 FTP_OK);
	for (size_t i = 0; i < COUNT(da_cases); i++) {
		const struct da_case *c = &da_cases[i];
		const struct ctx x = {c->name, "", 0};

		CHECK_INT(&x, rewrite_dest_allowed(rules, COUNT(rules), &c->dst), c->want);
		CHECK_INT(&x, rewrite_dest_allowed(rules, 1, &c->dst), c->want_first);
		CHECK_INT(&x, rewrite_dest_allowed(NULL, 0, &c->dst), true); /* no rules */
	}
}

/* ---- the teaching transcript ---- */

struct tr_case {
	const char *name;
	const char *cl;
	size_t cl_len;
	const char *up; /* NULL: none */
	size_t up_len;
	const char *note;
	size_t cap;
	const char *want;
};

#define CL(x) x, sizeof(x) - 1
#define UPL(x) x, sizeof(x) - 1
#define NOUP NULL, 0

static const struct tr_case tr_cases[] = {
	{"header example", CL("PORT 10,0,1,2,195,80"), UPL("PORT 198,51,100,1,156,64"),
	 "client 10.0.1.2:50000 -> proxy 198.51.100.1:40000", 256,
	 "C>P PORT 10,0,1,2,195,80 | P>S PORT 198,51,100,1,156,64 "
	 "(client 10.0.1.2:50000 -> proxy 198.51.100.1:40000)"},
	{"line ends dropped", CL("PASV\r\n"), UPL("EPSV\r\n"), NULL, 256, "C>P PASV | P>S EPSV"},
	{"client only", CL("EPSV ALL"), NOUP, NULL, 256, "C>P EPSV ALL"},
	{"client and note", CL("AUTH TLS"), NOUP, "refused: FTPS cannot be rewritten", 256,
	 "C>P AUTH TLS (refused: FTPS cannot be rewritten)"},
	{"empty note", CL("PASV"), UPL("PASV"), "", 256, "C>P PASV | P>S PASV ()"},
	{"empty client line", CL(""), NOUP, NULL, 256, "C>P "},
	{"pass masked", CL("PASS hunter2"), UPL("PASS hunter2\r\n"), NULL, 256,
	 "C>P PASS **** | P>S PASS ****"},
	{"pass lowercase", CL("pass hunter2"), NOUP, NULL, 256, "C>P pass ****"},
	{"pass without argument", CL("PASS"), NOUP, NULL, 256, "C>P PASS"},
	{"pass space only", CL("PASS "), NOUP, NULL, 256, "C>P PASS ****"},
	{"pass after telnet", CL("\xff\xf4\xff\xf2PASS hunter2"), NOUP, NULL, 256,
	 "C>P PASS ****"},
	{"pass with telnet in verb", CL("PA\xff\xf1SS hunter2"), NOUP, NULL, 256, "C>P PASS ****"},
	{"pass nul", CL("PASS\0hunter2"), NOUP, NULL, 256, "C>P PASS ****"},
	{"pass tab", CL("PASS\thunter2"), NOUP, NULL, 256, "C>P PASS ****"},
	{"pass lf", CL("PASS\nhunter2"), NOUP, NULL, 256, "C>P PASS ****"},
	{"acct masked", CL("ACCT project-7"), NOUP, NULL, 256, "C>P ACCT ****"},
	{"passwd is no pass", CL("PASSWD x"), NOUP, NULL, 256, "C>P PASSWD x"},
	{"user shown", CL("USER alice@ftp.example.com"), UPL("USER alice"), "forward", 256,
	 "C>P USER alice@ftp.example.com | P>S USER alice (forward)"},
	{"control bytes", CL("RETR a\x1b[31mb\x7f"), NOUP, NULL, 256,
	 "C>P RETR a\\x1b[31mb\\x7f"},
	{"telnet bytes shown", CL("\xff\xf4\xff\xf2" "ABOR"), NOUP, NULL, 256,
	 "C>P \\xff\\xf4\\xff\\xf2ABOR"},
	{"inner cr", CL("RETR a\rb"), NOUP, NULL, 256, "C>P RETR a\\x0db"},
	{"backslash", CL("CWD a\\b"), NOUP, NULL, 256, "C>P CWD a\\\\b"},
	{"utf-8 kept", CL("RETR caf\xc3\xa9"), NOUP, NULL, 256, "C>P RETR caf\xc3\xa9"},
	{"c1 control", CL("RETR \xc2\x9b" "1m"), NOUP, NULL, 256, "C>P RETR \\xc2\\x9b1m"},
	{"nul shown", CL("RETR a\0b"), NOUP, NULL, 256, "C>P RETR a\\x00b"},
	{"note escaped", CL("PASV"), NOUP, "bad\nnote\\", 256, "C>P PASV (bad\\x0anote\\\\)"},
	{"exact fit", CL("PASV"), UPL("EPSV"), NULL, 20, "C>P PASV | P>S EPSV"},
	{"one short", CL("PASV"), UPL("EPSV"), NULL, 19, "C>P PASV | P>S ..."},
	{"cut in client line", CL("PORT 10,0,1,2,195,80"), UPL("PORT 1,2,3,4,5,6"), "n", 10,
	 "C>P PO..."},
	{"cut before an escape", CL("RETR \x01\x02"), NOUP, NULL, 16, "C>P RETR ..."},
	{"escape that fits", CL("RETR \x01\x02"), NOUP, NULL, 17, "C>P RETR \\x01..."},
	{"escapes exact fit", CL("RETR \x01\x02"), NOUP, NULL, 18, "C>P RETR \\x01\\x02"},
	{"cut in note", CL("PASV"), NOUP, "0123456789", 16, "C>P PASV (01..."},
	{"cap 5", CL("PASV"), NOUP, NULL, 5, "..."},
	{"cap 4", CL("PASV"), NOUP, NULL, 4, ""},
	{"cap 1", CL("PASV"), NOUP, NULL, 1, ""},
};

static void test_transcript(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(tr_cases); i++) {
		const struct tr_case *c = &tr_cases[i];
		const struct ctx x = {c->name, c->cl, c->cl_len};
		char *cl = dup_exact(c->cl, c->cl_len);
		char *up = c->up != NULL ? dup_exact(c->up, c->up_len) : NULL;
		char *buf = malloc(c->cap);
		size_t len;

		assert_non_null(buf);
		memset(buf, 'x', c->cap);
		len = rewrite_transcript(buf, c->cap, cl, c->cl_len, up, c->up_len, c->note);
		CHECK_STR(&x, buf, c->want);
		CHECK_INT(&x, len, strlen(c->want));
		free(buf);
		free(up);
		free(cl);
	}
}

/* cap 0 writes nothing; a long line is cut cleanly and the result stays
 * within cap whatever the bytes. */
static void test_transcript_bounds(void **state)
{
	static char line[5000], buf[300];
	char none[1] = {'x'};

	(void)state;
	assert_int_equal(rewrite_transcript(none, 0, "PASV", 4, NULL, 0, NULL), 0);
	assert_int_equal(none[0], 'x');
	for (size_t i = 0; i < sizeof(line); i++)
		line[i] = (char)(i * 7 + 3);
	for (size_t cap = 1; cap <= sizeof(buf); cap++) {
		size_t len;

		memset(buf, 'x', sizeof(buf));
		len = rewrite_transcript(buf, cap, line, sizeof(line), line, 100, "note");
		assert_true(len < cap);
		assert_int_equal(strlen(buf), len);
		assert_true(cap <= 4 || strcmp(buf + len - 3, "...") == 0);
		for (size_t k = cap; k < sizeof(buf); k++)
			assert_int_equal(buf[k], 'x');
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_server_replies),
		cmocka_unit_test(test_server_reply_malformed),
		cmocka_unit_test(test_client_replies),
		cmocka_unit_test(test_dest_rules),
		cmocka_unit_test(test_dest_allowed),
		cmocka_unit_test(test_transcript),
		cmocka_unit_test(test_transcript_bounds),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
