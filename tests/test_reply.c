/* test_reply.c - multi-line reply assembly (RFC 959 4.2), malformed replies,
 * bounds, the formatter and the named codes. Stream cases are fed whole and
 * one byte at a time, and in 3-byte chunks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/reply.h"

#define MAX_EVENTS 4

struct rev {
	enum reply_status st;
	int code;
	const char *text; /* NULL ends the list */
	size_t len;
	bool multi;
	size_t nlines;
	unsigned flags;
	enum reply_error err;
};

struct reply_case {
	const char *name;
	const char *in;
	size_t in_len;
	size_t text_cap;
	size_t max_lines;
	struct rev ev[MAX_EVENTS + 1];
	bool busy; /* inside a multi-line reply at the end */
};

#define S(x) x, sizeof(x) - 1
#define D(code, x, multi, n, f) {REPLY_DONE, code, x, sizeof(x) - 1, multi, n, f, REPLY_ERR_NONE}
#define M(code, x, err) {REPLY_MALFORMED, code, x, sizeof(x) - 1, false, 1, 0, err}

static const struct reply_case cases[] = {
	{"single", S("220 ready\r\n"), 512, 0, {D(220, "ready", false, 1, 0)}, false},
	{"bare lf", S("200 ok\n"), 512, 0, {D(200, "ok", false, 1, 0)}, false},
	{"two replies", S("331 pw\r\n230 in\r\n"), 512, 0,
	 {D(331, "pw", false, 1, 0), D(230, "in", false, 1, 0)}, false},
	{"no text", S("200\r\n"), 512, 0, {D(200, "", false, 1, REPLY_F_NO_TEXT)}, false},
	{"space only", S("200 \r\n"), 512, 0, {D(200, "", false, 1, 0)}, false},
	{"multi", S("230-Welcome\r\n230-to ftp\r\n230 Login ok\r\n"), 512, 0,
	 {D(230, "Welcome\nto ftp\nLogin ok", true, 3, 0)}, false},
	{"rfc959 example",
	 S("123-First line\r\nSecond line\r\n  234 A line beginning with numbers\r\n123 The last line\r\n"),
	 512, 0,
	 {D(123, "First line\nSecond line\n  234 A line beginning with numbers\nThe last line", true,
	    4, 0)},
	 false},
	{"inner other code", S("220-hi\r\n221 not the end\r\n220-still\r\n220 end\r\n"), 512, 0,
	 {D(220, "hi\n221 not the end\nstill\nend", true, 4, 0)}, false},
	{"inner digits", S("211-Features:\r\n 2389\r\n500 x\r\n211 End\r\n"), 512, 0,
	 {D(211, "Features:\n 2389\n500 x\nEnd", true, 4, 0)}, false},
	{"terminator bare code", S("250-a\r\n250\r\n"), 512, 0, {D(250, "a\n", true, 2, 0)}, false},
	{"multi then single", S("220-a\r\n220 b\r\n331 c\r\n"), 512, 0,
	 {D(220, "a\nb", true, 2, 0), D(331, "c", false, 1, 0)}, false},
	{"unfinished multi", S("220-a\r\n220-b\r\n"), 512, 0, {{0}}, true},
	{"empty inner line", S("214-x\r\n\r\n214 y\r\n"), 512, 0, {D(214, "x\n\ny", true, 3, 0)}, false},
	{"no code", S("hello\r\n200 ok\r\n"), 512, 0,
	 {M(0, "hello", REPLY_ERR_NO_CODE), D(200, "ok", false, 1, 0)}, false},
	{"two digits", S("99 bad\r\n"), 512, 0, {M(0, "99 bad", REPLY_ERR_NO_CODE)}, false},
	{"empty line", S("\r\n"), 512, 0, {M(0, "", REPLY_ERR_NO_CODE)}, false},
	{"code 099", S("099 x\r\n"), 512, 0, {M(99, "099 x", REPLY_ERR_CODE_RANGE)}, false},
	{"code 700", S("700 x\r\n"), 512, 0, {M(700, "700 x", REPLY_ERR_CODE_RANGE)}, false},
	{"code 631 ok", S("631 base64\r\n"), 512, 0, {D(631, "base64", false, 1, 0)}, false},
	{"missing space", S("230_ok\r\n"), 512, 0, {M(230, "230_ok", REPLY_ERR_NO_SEPARATOR)}, false},
	{"code 4 digits", S("2301 x\r\n"), 512, 0, {M(230, "2301 x", REPLY_ERR_NO_SEPARATOR)}, false},
	{"text truncated", S("220 abcdefghij\r\n"), 5, 0,
	 {D(220, "abcd", false, 1, REPLY_F_TRUNCATED)}, false},
	{"multi truncated", S("220-abc\r\n220-def\r\n220 ghi\r\n"), 6, 0,
	 {D(220, "abc\nd", true, 3, REPLY_F_TRUNCATED)}, false},
	{"too many lines", S("220-a\r\n220-b\r\n220-c\r\n220 d\r\n331 x\r\n"), 512, 2,
	 {D(220, "a\nb", true, 4, REPLY_F_TRUNCATED), D(331, "x", false, 1, 0)}, false},
	{"nul", S("200 a\0b\r\n"), 512, 0, {D(200, "a\0b", false, 1, REPLY_F_NUL)}, false},
	{"iac iac", S("257 \"/\xff\xff\" ok\r\n"), 512, 0, {D(257, "\"/\xff\" ok", false, 1, 0)}, false},
	{"227", S("227 Entering Passive Mode (192,0,2,1,4,1).\r\n"), 512, 0,
	 {D(227, "Entering Passive Mode (192,0,2,1,4,1).", false, 1, 0)}, false},
};

static void check_event(const struct reply_case *c, size_t chunk, size_t idx,
                        enum reply_status st, const struct reply *r)
{
	const struct rev *e = &c->ev[idx];

	if (st != e->st || r->code != e->code || r->len != e->len ||
	    memcmp(r->text, e->text, e->len) != 0 || r->multiline != e->multi ||
	    r->nlines != e->nlines || r->flags != e->flags || r->error != e->err)
		fail_msg("%s (chunk %zu) event %zu: got st %d code %d len %zu '%.*s' multi %d "
		         "lines %zu flags %#x err %d",
		         c->name, chunk, idx + 1, st, r->code, r->len, (int)r->len, r->text,
		         r->multiline, r->nlines, r->flags, r->error);
}

static void run_case(const struct reply_case *c, size_t chunk)
{
	char line[256];
	char *text = malloc(c->text_cap);
	char *in = malloc(c->in_len);
	struct reply_parser rp;
	size_t off = 0, nev = 0;

	assert_non_null(text);
	assert_non_null(in);
	memcpy(in, c->in, c->in_len);
	reply_parser_init(&rp, line, sizeof(line), text, c->text_cap, c->max_lines);
	while (off < c->in_len) {
		size_t n = c->in_len - off < chunk ? c->in_len - off : chunk;
		size_t used = 0;
		struct reply r;
		enum reply_status st = reply_feed(&rp, in + off, n, &used, &r);

		assert_true(used <= n);
		off += used;
		if (st == REPLY_NEED_MORE)
			continue;
		if (nev >= MAX_EVENTS || c->ev[nev].text == NULL)
			fail_msg("%s (chunk %zu): unexpected reply %d", c->name, chunk, r.code);
		check_event(c, chunk, nev++, st, &r);
	}
	if (nev < MAX_EVENTS && c->ev[nev].text != NULL)
		fail_msg("%s (chunk %zu): missing event %zu", c->name, chunk, nev + 1);
	assert_int_equal(reply_parser_busy(&rp), c->busy);
	free(text);
	free(in);
}

static void test_stream_table(void **state)
{
	static const size_t chunks[] = {SIZE_MAX, 1, 3};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			run_case(&cases[i], chunks[k]);
}

/* A reply line longer than the line buffer: kept truncated and flagged, and
 * the next reply is whole. */
static void test_long_line(void **state)
{
	char line[16], text[64];
	static char in[4096];
	struct reply_parser rp;
	struct reply r;
	size_t used, off = 0;
	int n;

	(void)state;
	memset(in, 'x', sizeof(in));
	memcpy(in, "226 ", 4);
	n = snprintf(in + 3000, sizeof(in) - 3000, "\r\n200 next\r\n");
	reply_parser_init(&rp, line, sizeof(line), text, sizeof(text), 0);
	assert_int_equal(reply_feed(&rp, in, 3000 + (size_t)n, &used, &r), REPLY_DONE);
	assert_int_equal(r.code, 226);
	assert_int_equal(r.len, 12);
	assert_true(r.flags & REPLY_F_LONG_LINE);
	assert_true(r.flags & REPLY_F_TRUNCATED);
	off = used;
	assert_int_equal(reply_feed(&rp, in + off, 3000 + (size_t)n - off, &used, &r), REPLY_DONE);
	assert_int_equal(r.code, 200);
	assert_int_equal(r.flags, 0);
	assert_memory_equal(r.text, "next", 4);
}

/* reply_feed_line: callers with their own framing. */
static void test_feed_line(void **state)
{
	char text[128];
	struct reply_parser rp;
	struct reply r;

	(void)state;
	reply_parser_init(&rp, NULL, 0, text, sizeof(text), 0);
	assert_int_equal(reply_feed_line(&rp, "150-a", 5, &r), REPLY_NEED_MORE);
	assert_true(reply_parser_busy(&rp));
	assert_int_equal(reply_feed_line(&rp, "150 b", 5, &r), REPLY_DONE);
	assert_int_equal(r.code, 150);
	assert_string_equal(r.text, "a\nb");
	assert_false(reply_parser_busy(&rp));
	assert_int_equal(reply_feed_line(&rp, "220-x", 5, &r), REPLY_NEED_MORE);
	reply_parser_reset(&rp);
	assert_false(reply_parser_busy(&rp));
	assert_int_equal(reply_feed_line(&rp, "221 bye", 7, &r), REPLY_DONE);
	assert_string_equal(r.text, "bye");
}

struct fmt_case {
	int code;
	const char *text;
	size_t cap;
	enum ftp_status st;
	const char *out;
};

static const struct fmt_case fmt_cases[] = {
	{200, "Command okay.", 64, FTP_OK, "200 Command okay.\r\n"},
	{220, "", 64, FTP_OK, "220 \r\n"},
	{211, "Features:\n MDTM\n SIZE\nEnd", 128, FTP_OK,
	 "211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n"},
	{214, "a\n123 b\nc", 64, FTP_OK, "214-a\r\n 123 b\r\n214 c\r\n"},
	{250, "a\n", 64, FTP_OK, "250-a\r\n250 \r\n"},
	{550, "bad\rname\0x", 64, FTP_OK, "550 bad name x\r\n"},
	{200, "ok", 8, FTP_ENOSPACE, NULL}, /* 8 bytes and the NUL */
	{200, "ok", 9, FTP_OK, "200 ok\r\n"},
	{200, "a\nb", 12, FTP_ENOSPACE, NULL},
	{99, "x", 64, FTP_ERANGE, NULL},
	{700, "x", 64, FTP_ERANGE, NULL},
	{631, "x", 64, FTP_OK, "631 x\r\n"},
};

static void test_format(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(fmt_cases) / sizeof(fmt_cases[0]); i++) {
		const struct fmt_case *c = &fmt_cases[i];
		char *buf = malloc(c->cap);
		size_t len = 0, tlen = strlen(c->text);
		enum ftp_status st;

		if (c->code == 550)
			tlen = 10; /* includes the NUL */
		st = reply_format(buf, c->cap, &len, c->code, c->text, tlen);
		if (st != c->st)
			fail_msg("format case %zu: status %d, want %d", i, st, c->st);
		if (c->out) {
			assert_int_equal(len, strlen(c->out));
			assert_string_equal(buf, c->out);
		}
		free(buf);
	}
}

/* What the formatter writes, the parser reads back to the same text. */
static void test_format_roundtrip(void **state)
{
	static const char *texts[] = {"x", "a\nb", "Features:\n MDTM\n 2389 x\nEnd", "\n\n"};
	char buf[256], line[64], text[256];

	(void)state;
	for (size_t i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		struct reply_parser rp;
		struct reply r;
		size_t len, used;

		assert_int_equal(reply_format(buf, sizeof(buf), &len, 211, texts[i], strlen(texts[i])),
		                 FTP_OK);
		reply_parser_init(&rp, line, sizeof(line), text, sizeof(text), 0);
		assert_int_equal(reply_feed(&rp, buf, len, &used, &r), REPLY_DONE);
		assert_int_equal(used, len);
		assert_int_equal(r.code, 211);
		assert_string_equal(r.text, texts[i]);
	}
}

static void test_codes(void **state)
{
	(void)state;
	assert_int_equal(FTP_R_CANT_OPEN_DATA, 425);
	assert_int_equal(FTP_R_EXT_PASSIVE, 229);
	assert_string_equal(reply_code_name(425), "CANT_OPEN_DATA");
	assert_string_equal(reply_code_text(215), "UNIX Type: L8");
	assert_string_equal(reply_code_text(522), "Network protocol not supported, use (1,2).");
	assert_null(reply_code_text(299));
	assert_null(reply_code_name(0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_table),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_feed_line),
		cmocka_unit_test(test_format),
		cmocka_unit_test(test_format_roundtrip),
		cmocka_unit_test(test_codes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
