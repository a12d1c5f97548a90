/* test_proxy_rewrite.c - ftplab-proxy's pure decisions on the way to the
 * server: client lines, USER@, --server-data, the upstream choice and the
 * lines sent upstream (the way back is test_proxy_replies.c).
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

/* ---- client lines ---- */

struct cl_case {
	const char *name;
	const char *in;
	size_t in_len;
	bool fwd;
	enum creq kind;
	enum ftp_cmd cmd;
	enum ftp_status st;
	enum ftp_family family; /* hp: CREQ_PORT, CREQ_EPRT */
	uint8_t b[16];
	uint16_t port;
	enum epsv_arg epsv;
	const char *user; /* CREQ_USER_AT */
	const char *host;
	uint16_t uport;
};

#define BAD(c, s) .kind = CREQ_BAD_ARG, .cmd = FTP_CMD_##c, .st = s
#define FWD(c) .kind = CREQ_FORWARD, .cmd = FTP_CMD_##c
#define AT(u, h, p) .kind = CREQ_USER_AT, .cmd = FTP_CMD_USER, .user = u, .host = h, .uport = p

static const struct cl_case cl_cases[] = {
	/* PORT */
	{"port", IN("PORT 192,0,2,1,4,1"), 0, CREQ_PORT, FTP_CMD_PORT, FTP_OK, V4(192, 0, 2, 1),
	 1025},
	{"port lowercase", IN("port 10,0,1,2,195,80"), 0, CREQ_PORT, FTP_CMD_PORT, FTP_OK,
	 V4(10, 0, 1, 2), 50000},
	{"port 65535", IN("Port 192,0,2,1,255,255"), 0, CREQ_PORT, FTP_CMD_PORT, FTP_OK,
	 V4(192, 0, 2, 1), 65535},
	{"port in forward mode", IN("PORT 192,0,2,1,4,1"), .fwd = 1, CREQ_PORT, FTP_CMD_PORT,
	 FTP_OK, V4(192, 0, 2, 1), 1025},
	{"port five fields", IN("PORT 192,0,2,1,4"), BAD(PORT, FTP_ESYNTAX)},
	{"port octet 256", IN("PORT 192,0,2,256,4,1"), BAD(PORT, FTP_ERANGE)},
	{"port port 0", IN("PORT 192,0,2,1,0,0"), BAD(PORT, FTP_ERANGE)},
	{"port p1 256", IN("PORT 192,0,2,1,256,1"), BAD(PORT, FTP_ERANGE)},
	{"port no argument", IN("PORT"), BAD(PORT, FTP_ESYNTAX)},
	{"port space only", IN("PORT "), BAD(PORT, FTP_ESYNTAX)},
	{"port letters", IN("PORT a,b,c,d,e,f"), BAD(PORT, FTP_ESYNTAX)},
	{"port nul", IN("PORT 192,0,2,1,4,1\0"), BAD(PORT, FTP_ENUL)},
	/* EPRT */
	{"eprt v4", IN("EPRT |1|192.0.2.1|2121|"), 0, CREQ_EPRT, FTP_CMD_EPRT, FTP_OK,
	 V4(192, 0, 2, 1), 2121},
	{"eprt v6", IN("EPRT |2|2001:db8::1|2121|"), 0, CREQ_EPRT, FTP_CMD_EPRT, FTP_OK,
	 V6(DB8, [15] = 1), 2121},
	{"eprt bang", IN("eprt !1!192.0.2.1!2121!"), 0, CREQ_EPRT, FTP_CMD_EPRT, FTP_OK,
	 V4(192, 0, 2, 1), 2121},
	{"eprt mapped", IN("EPRT |2|::ffff:192.0.2.1|21|"), 0, CREQ_EPRT, FTP_CMD_EPRT, FTP_OK,
	 V4(192, 0, 2, 1), 21},
	{"eprt family 3", IN("EPRT |3|192.0.2.1|2121|"), BAD(EPRT, FTP_EFAMILY)},
	{"eprt family 1 with v6", IN("EPRT |1|2001:db8::1|2121|"), BAD(EPRT, FTP_ESYNTAX)},
	{"eprt port 65536", IN("EPRT |1|192.0.2.1|65536|"), BAD(EPRT, FTP_ERANGE)},
	{"eprt port 0", IN("EPRT |2|::1|0|"), BAD(EPRT, FTP_ERANGE)},
	{"eprt mismatched delimiters", IN("EPRT |1|192.0.2.1|2121!"), BAD(EPRT, FTP_ESYNTAX)},
	{"eprt no argument", IN("EPRT"), BAD(EPRT, FTP_ESYNTAX)},
	/* PASV, EPSV */
	{"pasv", IN("PASV"), 0, CREQ_PASV, FTP_CMD_PASV},
	{"pasv lowercase", IN("pasv"), 0, CREQ_PASV, FTP_CMD_PASV},
	{"pasv trailing spaces", IN("PASV  "), 0, CREQ_PASV, FTP_CMD_PASV},
	{"pasv with argument", IN("PASV 1"), BAD(PASV, FTP_ESYNTAX)},
	{"epsv", IN("EPSV"), 0, CREQ_EPSV, FTP_CMD_EPSV, .epsv = EPSV_ARG_ANY},
	{"epsv 1", IN("EPSV 1"), 0, CREQ_EPSV, FTP_CMD_EPSV, .epsv = EPSV_ARG_INET},
	{"epsv 2", IN("epsv 2"), 0, CREQ_EPSV, FTP_CMD_EPSV, .epsv = EPSV_ARG_INET6},
	{"epsv all", IN("EPSV ALL"), 0, CREQ_EPSV_ALL, FTP_CMD_EPSV, .epsv = EPSV_ARG_ALL},
	{"epsv all lowercase", IN("epsv all"), 0, CREQ_EPSV_ALL, FTP_CMD_EPSV,
	 .epsv = EPSV_ARG_ALL},
	{"epsv 3", IN("EPSV 3"), BAD(EPSV, FTP_EFAMILY)},
	{"epsv word", IN("EPSV ANY"), BAD(EPSV, FTP_ESYNTAX)},
	{"epsv nul", IN("EPSV 1\0"), BAD(EPSV, FTP_ENUL)},
	/* AUTH */
	{"auth tls", IN("AUTH TLS"), 0, CREQ_AUTH, FTP_CMD_AUTH},
	{"auth ssl lowercase", IN("auth ssl"), 0, CREQ_AUTH, FTP_CMD_AUTH},
	{"auth without argument", IN("AUTH"), 0, CREQ_AUTH, FTP_CMD_AUTH},
	{"auth unknown mechanism", IN("AUTH GSSAPI"), 0, CREQ_AUTH, FTP_CMD_AUTH},
	/* Telnet: removed for the classification */
	{"iac ip iac dm abor", IN("\xff\xf4\xff\xf2" "ABOR"), FWD(ABOR)},
	{"iac ip abor lowercase", IN("\xff\xf4" "abor"), FWD(ABOR)},
	{"iac before port", IN("\xff\xf4\xff\xf2PORT 192,0,2,1,4,1"), 0, CREQ_PORT, FTP_CMD_PORT,
	 FTP_OK, V4(192, 0, 2, 1), 1025},
	{"iac will inside port", IN("PORT 192,0,\xff\xfb\x01" "2,1,4,1"), 0, CREQ_PORT,
	 FTP_CMD_PORT, FTP_OK, V4(192, 0, 2, 1), 1025},
	{"iac sb inside pasv", IN("PA\xff\xfa\x18\x01\xff\xf0SV"), 0, CREQ_PASV, FTP_CMD_PASV},
	{"iac iac in verb", IN("PO\xff\xffRT 192,0,2,1,4,1"), FWD(UNKNOWN)},
	{"iac ip stat", IN("\xff\xf4\xff\xf2STAT"), FWD(STAT)},
	/* forwarded */
	{"retr", IN("RETR file.txt"), FWD(RETR)},
	{"x-alias", IN("XPWD"), FWD(PWD)},
	{"lprt", IN("LPRT 4,4,192,0,2,1,2,4,1"), FWD(LPRT)},
	{"lpsv", IN("LPSV"), FWD(LPSV)},
	{"empty line", IN(""), FWD(UNKNOWN)},
	{"unknown verb", IN("XYZZY"), FWD(UNKNOWN)},
	{"digits verb", IN("1234 x"), FWD(UNKNOWN)},
	{"verb too long", IN("PORTPORTPORT 1,2,3,4,5,6"), FWD(UNKNOWN)},
	{"nul in retr", IN("RETR a\0b"), FWD(RETR)},
	{"nul in verb", IN("PO\0RT 1,2,3,4,0,21"), FWD(UNKNOWN)},
	{"leading space", IN(" PORT 192,0,2,1,4,1"), FWD(UNKNOWN)},
	{"pass", IN("PASS secret"), FWD(PASS)},
	{"pbsz", IN("PBSZ 0"), FWD(PBSZ)},
	/* USER */
	{"user plain forward mode", IN("USER anonymous"), .fwd = 1, FWD(USER)},
	{"user plain", IN("USER anonymous"), FWD(USER)},
	{"user at not forward mode", IN("USER alice@ftp.example.com"), FWD(USER)},
	{"user at", IN("USER alice@ftp.example.com"), .fwd = 1,
	 AT("alice", "ftp.example.com", 21)},
	{"user at lowercase", IN("user bob@192.0.2.7:2121"), .fwd = 1,
	 AT("bob", "192.0.2.7", 2121)},
	{"user two @", IN("USER a@b@host:2121"), .fwd = 1, AT("a@b", "host", 2121)},
	{"user at v6", IN("USER u@[2001:db8::1]:2121"), .fwd = 1, AT("u", "2001:db8::1", 2121)},
	{"user at v6 default port", IN("USER u@[::1]"), .fwd = 1, AT("u", "::1", 21)},
	{"user at trailing spaces", IN("USER u@h.example  "), .fwd = 1, AT("u", "h.example", 21)},
	{"user at port 65535", IN("USER u@host:65535"), .fwd = 1, AT("u", "host", 65535)},
	{"user at port 0", IN("USER u@host:0"), .fwd = 1, BAD(USER, FTP_ERANGE)},
	{"user at port 65536", IN("USER u@host:65536"), .fwd = 1, BAD(USER, FTP_ERANGE)},
	{"user at empty port", IN("USER u@host:"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at port letters", IN("USER u@host:ftp"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at empty user", IN("USER @host"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at empty host", IN("USER u@"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at bad host char", IN("USER u@ho_st"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at bare v6", IN("USER u@2001:db8::1"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at bracketed v4", IN("USER u@[192.0.2.1]:21"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at bad v4", IN("USER u@192.0.2.999"), .fwd = 1, BAD(USER, FTP_ESYNTAX)},
	{"user at nul", IN("USER u\0@host"), .fwd = 1, BAD(USER, FTP_ENUL)},
	{"user at nul not forward", IN("USER u\0@host"), FWD(USER)},
};

static void check_client_req(const struct ctx *x, const struct cl_case *c,
                             const struct client_req *r)
{
	static const uint8_t zero[16];

	CHECK_INT(x, r->kind, c->kind);
	CHECK_INT(x, r->cmd, c->cmd);
	CHECK_INT(x, r->st, c->st);
	CHECK_INT(x, r->hp.addr.family, c->family);
	CHECK_MEM(x, r->hp.addr.b, c->b, 16);
	CHECK_INT(x, r->hp.port, c->port);
	CHECK_INT(x, r->epsv, c->epsv);
	CHECK_STR(x, r->user, c->user ? c->user : "");
	CHECK_STR(x, r->host, c->host ? c->host : "");
	CHECK_INT(x, r->port, c->uport);
	if (c->family == FTP_AF_NONE)
		CHECK_MEM(x, r->hp.addr.b, zero, 16);
}

static void test_client_lines(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(cl_cases); i++) {
		const struct cl_case *c = &cl_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct client_req r;

		memset(&r, 0xa5, sizeof(r));
		rewrite_client_line(in, c->in_len, c->fwd, &r);
		check_client_req(&x, c, &r);
		free(in);
	}
}

/* Lines whose Telnet-free copy does not fit the proxy's 4096 bytes: a
 * command the proxy acts on is refused, never forwarded unread. */
static void test_client_long_lines(void **state)
{
	static char line[6000];
	struct client_req r;
	size_t n;

	(void)state;
	n = (size_t)snprintf(line, sizeof(line), "PORT \xff\xf1");
	memset(line + n, '1', 5000);
	n += 5000;
	rewrite_client_line(line, n, false, &r);
	assert_int_equal(r.kind, CREQ_BAD_ARG);
	assert_int_equal(r.cmd, FTP_CMD_PORT);
	assert_int_equal(r.st, FTP_ETOOLONG);

	memcpy(line, "RETR ", 5);
	rewrite_client_line(line, n, false, &r);
	assert_int_equal(r.kind, CREQ_FORWARD);
	assert_int_equal(r.cmd, FTP_CMD_RETR);

	/* Without Telnet the line is parsed where it is: a long PORT is bad. */
	memcpy(line, "PORT 1", 6);
	rewrite_client_line(line, 5000, false, &r);
	assert_int_equal(r.kind, CREQ_BAD_ARG);
	assert_int_equal(r.st, FTP_ESYNTAX);

	/* A LF inside a line with Telnet: the rest cannot be read either. */
	n = (size_t)snprintf(line, sizeof(line), "EPSV\xff\xf1\n1");
	rewrite_client_line(line, n, false, &r);
	assert_int_equal(r.kind, CREQ_BAD_ARG);
	assert_int_equal(r.st, FTP_ETOOLONG);

	/* USER with a user name one byte too long, and just short enough. */
	for (size_t ulen = REWRITE_USER_MAX - 1; ulen <= REWRITE_USER_MAX; ulen++) {
		n = (size_t)snprintf(line, sizeof(line), "USER ");
		memset(line + n, 'u', ulen);
		memcpy(line + n + ulen, "@host", 5);
		rewrite_client_line(line, n + ulen + 5, true, &r);
		if (ulen == REWRITE_USER_MAX) {
			assert_int_equal(r.kind, CREQ_BAD_ARG);
			assert_int_equal(r.st, FTP_ETOOLONG);
			assert_string_equal(r.user, "");
		} else {
			assert_int_equal(r.kind, CREQ_USER_AT);
			assert_int_equal(strlen(r.user), ulen);
			assert_string_equal(r.host, "host");
			assert_int_equal(r.port, 21);
		}
	}
}

/* ---- user@host[:port] and host:port ---- */

struct at_case {
	const char *name;
	const char *in;
	size_t in_len;
	size_t ucap, hcap;
	enum ftp_status st;
	const char *user, *host;
	uint16_t port;
};

static const struct at_case at_cases[] = {
	{"basic", IN("alice@ftp.example.com"), 256, 256, FTP_OK, "alice", "ftp.example.com", 21},
	{"port", IN("alice@ftp.example.com:2121"), 256, 256, FTP_OK, "alice", "ftp.example.com",
	 2121},
	{"last @", IN("me@corp@host"), 256, 256, FTP_OK, "me@corp", "host", 21},
	{"v4", IN("u@198.51.100.7:21"), 256, 256, FTP_OK, "u", "198.51.100.7", 21},
	{"v6", IN("u@[2001:db8::1]:2121"), 256, 256, FTP_OK, "u", "2001:db8::1", 2121},
	{"v6 mapped", IN("u@[::ffff:192.0.2.1]"), 256, 256, FTP_OK, "u", "::ffff:192.0.2.1", 21},
	{"port leading zeros", IN("u@h:0021"), 256, 256, FTP_OK, "u", "h", 21},
	{"user with space", IN("a b@h"), 256, 256, FTP_OK, "a b", "h", 21},
	{"trailing dot", IN("u@ftp.example."), 256, 256, FTP_OK, "u", "ftp.example.", 21},
	{"user fits cap", IN("abc@h"), 4, 256, FTP_OK, "abc", "h", 21},
	{"user over cap", IN("abcd@h"), 4, 256, FTP_ETOOLONG},
	{"host fits cap", IN("u@abc"), 256, 4, FTP_OK, "u", "abc", 21},
	{"host over cap", IN("u@abcd"), 256, 4, FTP_ETOOLONG},
	{"v6 over cap", IN("u@[2001:db8::1]"), 256, 8, FTP_ETOOLONG},
	{"no @", IN("alice"), 256, 256, FTP_ESYNTAX},
	{"empty", IN(""), 256, 256, FTP_ESYNTAX},
	{"empty user", IN("@h"), 256, 256, FTP_ESYNTAX},
	{"empty host", IN("u@"), 256, 256, FTP_ESYNTAX},
	{"empty host with port", IN("u@:21"), 256, 256, FTP_ESYNTAX},
	{"leading dot", IN("u@.example"), 256, 256, FTP_ESYNTAX},
	{"leading dash", IN("u@-h"), 256, 256, FTP_ESYNTAX},
	{"double dot", IN("u@a..b"), 256, 256, FTP_ESYNTAX},
	{"underscore", IN("u@a_b"), 256, 256, FTP_ESYNTAX},
	{"utf-8 host", IN("u@caf\xc3\xa9.example"), 256, 256, FTP_ESYNTAX},
	{"numeric not v4", IN("u@1.2.3"), 256, 256, FTP_ESYNTAX},
	{"octet 256", IN("u@1.2.3.256"), 256, 256, FTP_ESYNTAX},
	{"port 0", IN("u@h:0"), 256, 256, FTP_ERANGE},
	{"port 65536", IN("u@h:65536"), 256, 256, FTP_ERANGE},
	{"port huge", IN("u@h:99999999999999999999"), 256, 256, FTP_ERANGE},
	{"port sign", IN("u@h:+21"), 256, 256, FTP_ESYNTAX},
	{"two colons", IN("u@h:21:22"), 256, 256, FTP_ESYNTAX},
	{"v6 unclosed", IN("u@[2001:db8::1"), 256, 256, FTP_ESYNTAX},
	{"v6 junk after", IN("u@[::1]x"), 256, 256, FTP_ESYNTAX},
	{"v6 zone", IN("u@[fe80::1%eth0]"), 256, 256, FTP_ESYNTAX},
	{"v6 empty", IN("u@[]"), 256, 256, FTP_ESYNTAX},
	{"nul in user", IN("u\0@h"), 256, 256, FTP_ENUL},
	{"nul in host", IN("u@h\0"), 256, 256, FTP_ENUL},
};

static void test_user_at(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(at_cases); i++) {
		const struct at_case *c = &at_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		char user[256], host[256];
		uint16_t port = 7;

		memset(user, 'x', sizeof(user));
		memset(host, 'x', sizeof(host));
		CHECK_INT(&x, rewrite_parse_user_at(in, c->in_len, user, c->ucap, host, c->hcap,
		                                    &port), c->st);
		CHECK_STR(&x, user, c->user ? c->user : "");
		CHECK_STR(&x, host, c->host ? c->host : "");
		CHECK_INT(&x, port, c->port);
		free(in);
	}
}

/* Names up to 253 bytes; the port required when there is no default. */
static void test_host_port(void **state)
{
	char name253[254], s[300], host[300];
	uint16_t port;

	(void)state;
	for (size_t i = 0; i < 253; i++) /* labels of 63 letters */
		name253[i] = i % 64 == 63 ? '.' : (char)('a' + i % 26);
	name253[253] = '\0';
	assert_int_equal(rewrite_parse_host_port(name253, 253, 21, host, sizeof(host), &port),
	                 FTP_OK);
	assert_string_equal(host, name253);
	assert_int_equal(port, 21);
	snprintf(s, sizeof(s), "%sa:21", name253);
	assert_int_equal(rewrite_parse_host_port(s, strlen(s), 0, host, sizeof(host), &port),
	                 FTP_ETOOLONG);
	assert_string_equal(host, "");
	assert_int_equal(port, 0);

	assert_int_equal(rewrite_parse_host_port("ftp.example.com", 15, 0, host, sizeof(host),
	                                         &port), FTP_ESYNTAX);
	assert_int_equal(rewrite_parse_host_port("[::1]", 5, 0, host, sizeof(host), &port),
	                 FTP_ESYNTAX);
	assert_int_equal(rewrite_parse_host_port("[::1]:990", 9, 0, host, sizeof(host), &port),
	                 FTP_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 990);
	assert_int_equal(rewrite_parse_host_port("192.0.2.1:21", 12, 0, host, sizeof(host),
	                                         &port), FTP_OK);
	assert_string_equal(host, "192.0.2.1");
	assert_int_equal(rewrite_parse_host_port("", 0, 0, host, sizeof(host), &port),
	                 FTP_ESYNTAX);
	assert_int_equal(rewrite_parse_host_port(NULL, 0, 21, host, sizeof(host), &port),
	                 FTP_ESYNTAX);
}

/* ---- --server-data ---- */

static void test_server_data_names(void **state)
{
	static const char *const names[] = {"same", "passive", "epsv", "active", "eprt"};
	static const char *const bad[] = {"", "SAME", "pasv", "port", "same ", "epsv2"};
	enum server_data sd;

	(void)state;
	for (size_t i = 0; i < COUNT(names); i++) {
		sd = (enum server_data)99;
		assert_int_equal(rewrite_parse_server_data(names[i], &sd), 0);
		assert_int_equal(sd, i);
		assert_string_equal(rewrite_server_data_name(sd), names[i]);
	}
	assert_int_equal(SD_SAME, 0);
	assert_int_equal(SD_EPRT, 4);
	for (size_t i = 0; i < COUNT(bad); i++) {
		sd = SD_ACTIVE;
		assert_int_equal(rewrite_parse_server_data(bad[i], &sd), -1);
		assert_int_equal(sd, SD_ACTIVE);
	}
	assert_int_equal(rewrite_parse_server_data(NULL, &sd), -1);
	assert_string_equal(rewrite_server_data_name((enum server_data)5), "?");
}

/* ---- the upstream choice: every sd x client kind x family ---- */

struct up_case {
	enum server_data sd;
	enum creq client;
	enum ftp_family fam;
	enum upstream want;
};

#define V4F FTP_AF_INET
#define V6F FTP_AF_INET6

static const struct up_case up_cases[] = {
	{SD_SAME, CREQ_PORT, V4F, UP_PORT},       {SD_SAME, CREQ_PORT, V6F, UP_EPRT},
	{SD_SAME, CREQ_EPRT, V4F, UP_EPRT},       {SD_SAME, CREQ_EPRT, V6F, UP_EPRT},
	{SD_SAME, CREQ_PASV, V4F, UP_PASV},       {SD_SAME, CREQ_PASV, V6F, UP_EPSV},
	{SD_SAME, CREQ_EPSV, V4F, UP_EPSV},       {SD_SAME, CREQ_EPSV, V6F, UP_EPSV},
	{SD_SAME, CREQ_EPSV_ALL, V4F, UP_EPSV},   {SD_SAME, CREQ_FORWARD, V4F, UP_PASV},
	{SD_SAME, CREQ_FORWARD, V6F, UP_EPSV},    {SD_SAME, CREQ_PORT, FTP_AF_NONE, UP_PORT},
	{SD_PASSIVE, CREQ_PORT, V4F, UP_PASV},    {SD_PASSIVE, CREQ_PORT, V6F, UP_EPSV},
	{SD_PASSIVE, CREQ_EPRT, V4F, UP_PASV},    {SD_PASSIVE, CREQ_EPRT, V6F, UP_EPSV},
	{SD_PASSIVE, CREQ_PASV, V4F, UP_PASV},    {SD_PASSIVE, CREQ_PASV, V6F, UP_EPSV},
	{SD_PASSIVE, CREQ_EPSV, V4F, UP_PASV},    {SD_PASSIVE, CREQ_EPSV, V6F, UP_EPSV},
	{SD_EPSV, CREQ_PORT, V4F, UP_EPSV},       {SD_EPSV, CREQ_PORT, V6F, UP_EPSV},
	{SD_EPSV, CREQ_EPRT, V4F, UP_EPSV},       {SD_EPSV, CREQ_EPRT, V6F, UP_EPSV},
	{SD_EPSV, CREQ_PASV, V4F, UP_EPSV},       {SD_EPSV, CREQ_PASV, V6F, UP_EPSV},
	{SD_EPSV, CREQ_EPSV, V4F, UP_EPSV},       {SD_EPSV, CREQ_EPSV, V6F, UP_EPSV},
	{SD_ACTIVE, CREQ_PORT, V4F, UP_PORT},     {SD_ACTIVE, CREQ_PORT, V6F, UP_EPRT},
	{SD_ACTIVE, CREQ_EPRT, V4F, UP_PORT},     {SD_ACTIVE, CREQ_EPRT, V6F, UP_EPRT},
	{SD_ACTIVE, CREQ_PASV, V4F, UP_PORT},     {SD_ACTIVE, CREQ_PASV, V6F, UP_EPRT},
	{SD_ACTIVE, CREQ_EPSV, V4F, UP_PORT},     {SD_ACTIVE, CREQ_EPSV, V6F, UP_EPRT},
	{SD_EPRT, CREQ_PORT, V4F, UP_EPRT},       {SD_EPRT, CREQ_PORT, V6F, UP_EPRT},
	{SD_EPRT, CREQ_EPRT, V4F, UP_EPRT},       {SD_EPRT, CREQ_EPRT, V6F, UP_EPRT},
	{SD_EPRT, CREQ_PASV, V4F, UP_EPRT},       {SD_EPRT, CREQ_PASV, V6F, UP_EPRT},
	{SD_EPRT, CREQ_EPSV, V4F, UP_EPRT},       {SD_EPRT, CREQ_EPSV, V6F, UP_EPRT},
};

static void test_upstream_choice(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(up_cases); i++) {
		const struct up_case *c = &up_cases[i];
		enum upstream got = rewrite_upstream(c->sd, c->client, c->fam);

		if (got != c->want)
			fail_msg("upstream case %zu (sd %s, client %d, family %d): got %d, want %d",
			         i, rewrite_server_data_name(c->sd), c->client, c->fam, got, c->want);
	}
	assert_true(rewrite_upstream_is_active(UP_PORT));
	assert_true(rewrite_upstream_is_active(UP_EPRT));
	assert_false(rewrite_upstream_is_active(UP_PASV));
	assert_false(rewrite_upstream_is_active(UP_EPSV));
}

/* ---- the line sent upstream ---- */

struct fmt_case {
	const char *name;
	enum upstream up;
	struct ftp_hostport listen;
	size_t cap;
	enum ftp_status st;
	const char *want;
};

#define HP4(a, b, c, d, p) {{FTP_AF_INET, {a, b, c, d}}, p}
#define HP6(p, ...) {{FTP_AF_INET6, {__VA_ARGS__}}, p}

static const struct fmt_case fmt_cases[] = {
	{"port", UP_PORT, HP4(198, 51, 100, 1, 40000), 64, FTP_OK,
	 "PORT 198,51,100,1,156,64\r\n"},
	{"port 65535", UP_PORT, HP4(10, 0, 0, 1, 65535), 64, FTP_OK, "PORT 10,0,0,1,255,255\r\n"},
	{"port 1", UP_PORT, HP4(0, 0, 0, 0, 1), 64, FTP_OK, "PORT 0,0,0,0,0,1\r\n"},
	{"eprt v4", UP_EPRT, HP4(198, 51, 100, 1, 40000), 64, FTP_OK,
	 "EPRT |1|198.51.100.1|40000|\r\n"},
	{"eprt v6", UP_EPRT, HP6(40000, DB8, [15] = 5), 64, FTP_OK,
	 "EPRT |2|2001:db8::5|40000|\r\n"},
	{"pasv", UP_PASV, HP4(0, 0, 0, 0, 0), 64, FTP_OK, "PASV\r\n"},
	{"epsv", UP_EPSV, HP6(0, 0), 64, FTP_OK, "EPSV\r\n"},
	{"port v6 listener", UP_PORT, HP6(40000, DB8, [15] = 5), 64, FTP_EFAMILY, ""},
	{"port no family", UP_PORT, {{FTP_AF_NONE, {0}}, 21}, 64, FTP_EFAMILY, ""},
	{"eprt no family", UP_EPRT, {{FTP_AF_NONE, {0}}, 21}, 64, FTP_EFAMILY, ""},
	{"port 0", UP_PORT, HP4(198, 51, 100, 1, 0), 64, FTP_ERANGE, ""},
	{"eprt port 0", UP_EPRT, HP4(198, 51, 100, 1, 0), 64, FTP_ERANGE, ""},
	{"port exact fit", UP_PORT, HP4(1, 2, 3, 4, 5), 19, FTP_OK, "PORT 1,2,3,4,0,5\r\n"},
	{"port one short", UP_PORT, HP4(1, 2, 3, 4, 5), 18, FTP_ENOSPACE, ""},
	{"pasv exact fit", UP_PASV, HP4(0, 0, 0, 0, 0), 7, FTP_OK, "PASV\r\n"},
	{"pasv one short", UP_PASV, HP4(0, 0, 0, 0, 0), 6, FTP_ENOSPACE, ""},
};

static void test_format_upstream(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(fmt_cases); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		const struct ctx x = {c->name, "", 0};
		char *buf = malloc(c->cap);
		size_t len = 999;

		assert_non_null(buf);
		memset(buf, 'x', c->cap);
		CHECK_INT(&x, rewrite_format_upstream(buf, c->cap, &len, c->up, &c->listen), c->st);
		CHECK_STR(&x, buf, c->want);
		CHECK_INT(&x, len, c->st == FTP_OK ? strlen(c->want) : 999);
		free(buf);
	}
}

/* Passive kinds need no listener; len may be NULL. */
static void test_format_upstream_null(void **state)
{
	char buf[16];

	(void)state;
	assert_int_equal(rewrite_format_upstream(buf, sizeof(buf), NULL, UP_EPSV, NULL), FTP_OK);
	assert_string_equal(buf, "EPSV\r\n");
	assert_int_equal(rewrite_format_upstream(buf, sizeof(buf), NULL, UP_PASV, NULL), FTP_OK);
	assert_string_equal(buf, "PASV\r\n");
	assert_int_equal(rewrite_format_upstream(buf, 0, NULL, UP_PASV, NULL), FTP_ENOSPACE);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_client_lines),
		cmocka_unit_test(test_client_long_lines),
		cmocka_unit_test(test_user_at),
		cmocka_unit_test(test_host_port),
		cmocka_unit_test(test_server_data_names),
		cmocka_unit_test(test_upstream_choice),
		cmocka_unit_test(test_format_upstream),
		cmocka_unit_test(test_format_upstream_null),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
