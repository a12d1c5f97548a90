/* test_linebuf.c - line framing, overlong lines, NUL, CR, Telnet IAC.
 * Every case is fed whole, one byte at a time, and in 2- and 7-byte chunks,
 * and must give the same events each way. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/linebuf.h"

#define MAX_EVENTS 6

struct event {
	enum linebuf_status st;
	const char *text; /* NULL ends the list */
	size_t len;
	unsigned flags;
};

struct lb_case {
	const char *name;
	const char *in;
	size_t in_len;
	size_t max;
	bool telnet;
	struct event ev[MAX_EVENTS + 1];
	size_t pending; /* linebuf_pending() at the end */
};

#define S(x) x, sizeof(x) - 1
#define L(x, f) {LINEBUF_LINE, x, sizeof(x) - 1, f}
#define T(x, f) {LINEBUF_TOOLONG, x, sizeof(x) - 1, f}
#define IAC "\xff"

static const struct lb_case cases[] = {
	{"crlf", S("USER a\r\n"), 4096, true, {L("USER a", 0)}, 0},
	{"bare lf", S("USER a\n"), 4096, true, {L("USER a", LINEBUF_F_BARE_LF)}, 0},
	{"pipelined", S("USER a\r\nPASS b\r\nPWD\r\n"), 4096, true,
	 {L("USER a", 0), L("PASS b", 0), L("PWD", 0)}, 0},
	{"partial kept", S("USER a\r\nPAS"), 4096, true, {L("USER a", 0)}, 3},
	{"cr pending", S("NOOP\r"), 4096, true, {{0}}, 5},
	{"empty line", S("\r\n"), 4096, true, {L("", 0)}, 0},
	{"empty lines", S("\n\r\n"), 4096, true, {L("", LINEBUF_F_BARE_LF), L("", 0)}, 0},
	{"cr without lf", S("A\rB\r\n"), 4096, true, {L("A\rB", LINEBUF_F_BARE_CR)}, 0},
	{"cr cr lf", S("A\r\r\n"), 4096, true, {L("A\r", LINEBUF_F_BARE_CR)}, 0},
	{"telnet cr nul", S("A\r\0B\r\n"), 4096, true, {L("A\rB", LINEBUF_F_BARE_CR)}, 0},
	{"raw cr nul", S("A\r\0B\r\n"), 4096, false,
	 {L("A\r\0B", LINEBUF_F_BARE_CR | LINEBUF_F_NUL)}, 0},
	{"nul", S("RETR a\0b\r\n"), 4096, true, {L("RETR a\0b", LINEBUF_F_NUL)}, 0},
	{"nul first", S("\0\r\nNOOP\r\n"), 4096, true, {L("\0", LINEBUF_F_NUL), L("NOOP", 0)}, 0},
	{"exactly max", S("abcd\r\n"), 4, true, {L("abcd", 0)}, 0},
	{"max plus one", S("abcde\r\nNOOP\r\n"), 4, true, {T("abcd", 0), L("NOOP", 0)}, 0},
	{"overlong then good", S("abcdefghij\r\nPWD\r\n"), 4, true, {T("abcd", 0), L("PWD", 0)}, 0},
	{"overlong bare lf", S("abcdefgh\nPWD\n"), 4, true,
	 {T("abcd", 0), L("PWD", LINEBUF_F_BARE_LF)}, 0},
	{"two overlong", S("abcdefgh\r\nijklmnop\r\nQUIT\r\n"), 4, true,
	 {T("abcd", 0), T("ijkl", 0), L("QUIT", 0)}, 0},
	{"overlong unfinished", S("abcdefgh"), 4, true, {T("abcd", 0)}, 0},
	{"overlong at cr", S("abcd\rX\r\nPWD\r\n"), 4, true,
	 {T("abcd", LINEBUF_F_BARE_CR), L("PWD", 0)}, 0},
	{"overlong keeps flags", S("a\0cdef\r\nPWD\r\n"), 4, true,
	 {T("a\0cd", LINEBUF_F_NUL), L("PWD", 0)}, 0},
	{"iac iac", S("RETR a" IAC IAC "b\r\n"), 4096, true,
	 {L("RETR a\xff" "b", LINEBUF_F_IAC_IAC)}, 0},
	{"iac iac raw", S("A" IAC IAC "\r\n"), 4096, false, {L("A\xff\xff", 0)}, 0},
	{"iac ip dm abor", S(IAC "\xf4" IAC "\xf2" "ABOR\r\n"), 4096, true,
	 {L("ABOR", LINEBUF_F_TELNET | LINEBUF_F_URGENT)}, 0},
	{"iac will", S("NO" IAC "\xfb\x01" "OP\r\n"), 4096, true, {L("NOOP", LINEBUF_F_TELNET)}, 0},
	{"iac wont dont do", S(IAC "\xfc\x03" IAC "\xfe\x01" IAC "\xfd\x18" "PWD\r\n"), 4096, true,
	 {L("PWD", LINEBUF_F_TELNET)}, 0},
	{"iac will lf option", S("A" IAC "\xfb\nB\r\n"), 4096, true, {L("AB", LINEBUF_F_TELNET)}, 0},
	{"iac nop ayt", S("A" IAC "\xf1" IAC "\xf6" "B\r\n"), 4096, true,
	 {L("AB", LINEBUF_F_TELNET)}, 0},
	{"iac sb se", S("A" IAC "\xfa\x18\x01\r\n" IAC "\xf0" "B\r\n"), 4096, true,
	 {L("AB", LINEBUF_F_TELNET)}, 0},
	{"iac sb iac iac", S("A" IAC "\xfa\x18" IAC IAC "x" IAC "\xf0" "B\r\n"), 4096, true,
	 {L("AB", LINEBUF_F_TELNET)}, 0},
	{"iac not a command", S("A" IAC "BC\r\n"), 4096, true, {L("ABC", LINEBUF_F_TELNET)}, 0},
	{"iac at end pending", S("NOOP\r\n" IAC), 4096, true, {L("NOOP", 0)}, 0},
	{"iac iac counts once", S(IAC IAC IAC IAC "\r\n"), 2, true,
	 {L("\xff\xff", LINEBUF_F_IAC_IAC)}, 0},
	{"iac ip does not count", S(IAC "\xf4" IAC "\xf4" "ab\r\n"), 2, true,
	 {L("ab", LINEBUF_F_TELNET | LINEBUF_F_URGENT)}, 0},
	{"flags reset per line", S("A\0\r\nB\r\n"), 4096, true, {L("A\0", LINEBUF_F_NUL), L("B", 0)}, 0},
	{"8-bit utf8", S("CWD \xc3\xa9t\xc3\xa9\r\n"), 4096, true, {L("CWD \xc3\xa9t\xc3\xa9", 0)}, 0},
	{"max 1", S("a\r\nbb\r\nc\r\n"), 1, true, {L("a", 0), T("b", 0), L("c", 0)}, 0},
};

/* Feed the case in chunks of `chunk` bytes; compare every event. */
static void run_case(const struct lb_case *c, size_t chunk)
{
	char *store = malloc(c->max);
	char *in = malloc(c->in_len ? c->in_len : 1);
	struct linebuf lb;
	size_t off = 0, nev = 0;

	assert_non_null(store);
	assert_non_null(in);
	memcpy(in, c->in, c->in_len); /* exact size: ASan sees any over-read */
	linebuf_init(&lb, store, c->max, c->telnet);
	while (off < c->in_len) {
		size_t n = c->in_len - off < chunk ? c->in_len - off : chunk;
		size_t used = 0;
		struct linebuf_line line;
		enum linebuf_status st = linebuf_feed(&lb, in + off, n, &used, &line);

		assert_true(used <= n);
		off += used;
		if (st == LINEBUF_NEED_MORE) {
			assert_int_equal(used, n);
			continue;
		}
		assert_true(used > 0);
		if (nev >= MAX_EVENTS || c->ev[nev].text == NULL)
			fail_msg("%s (chunk %zu): unexpected event %d", c->name, chunk, st);
		const struct event *e = &c->ev[nev++];
		if (st != e->st || line.len != e->len || memcmp(line.p, e->text, e->len) != 0 ||
		    line.flags != e->flags)
			fail_msg("%s (chunk %zu) event %zu: got status %d len %zu flags %#x, "
			         "want status %d len %zu flags %#x",
			         c->name, chunk, nev, st, line.len, line.flags, e->st, e->len, e->flags);
	}
	if (nev < MAX_EVENTS && c->ev[nev].text != NULL)
		fail_msg("%s (chunk %zu): missing event %zu", c->name, chunk, nev + 1);
	assert_int_equal(linebuf_pending(&lb), c->pending);
	free(store);
	free(in);
}

static void test_table(void **state)
{
	static const size_t chunks[] = {SIZE_MAX, 1, 2, 7};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		for (size_t k = 0; k < sizeof(chunks) / sizeof(chunks[0]); k++)
			run_case(&cases[i], chunks[k]);
}

/* A 1 MiB line without LF costs no more than max bytes, and the next
 * command after it is intact. */
static void test_huge_line_bounded(void **state)
{
	char store[16];
	static char junk[1 << 20];
	struct linebuf lb;
	struct linebuf_line line;
	size_t used, total = 0, toolong = 0;

	(void)state;
	memset(junk, 'A', sizeof(junk));
	linebuf_init(&lb, store, sizeof(store), true);
	while (total < sizeof(junk)) {
		enum linebuf_status st = linebuf_feed(&lb, junk + total, sizeof(junk) - total, &used, &line);
		total += used;
		if (st == LINEBUF_TOOLONG)
			toolong++;
		else
			assert_int_equal(st, LINEBUF_NEED_MORE);
	}
	assert_int_equal(toolong, 1);
	assert_int_equal(linebuf_pending(&lb), 0);
	assert_int_equal(linebuf_feed(&lb, "x\r\nQUIT\r\n", 9, &used, &line), LINEBUF_LINE);
	assert_int_equal(used, 9);
	assert_int_equal(line.len, 4);
	assert_memory_equal(line.p, "QUIT", 4);
}

static void test_reset(void **state)
{
	char store[64];
	struct linebuf lb;
	struct linebuf_line line;
	size_t used;

	(void)state;
	linebuf_init(&lb, store, sizeof(store), true);
	assert_int_equal(linebuf_feed(&lb, "PAR" IAC, 4, &used, &line), LINEBUF_NEED_MORE);
	assert_int_equal(linebuf_pending(&lb), 3);
	linebuf_reset(&lb);
	assert_int_equal(linebuf_pending(&lb), 0);
	/* Without the reset this would be "PAR" + 0xff (the old IAC and the
	 * first new one) followed by IAC 'X'. */
	assert_int_equal(linebuf_feed(&lb, IAC IAC "X\r\n", 5, &used, &line), LINEBUF_LINE);
	assert_int_equal(line.len, 2);
	assert_memory_equal(line.p, "\xffX", 2);
}

/* Moving the partial line to other storage keeps it, and the line ends
 * there; the old storage is no longer touched. */
static void test_set_storage(void **state)
{
	char shared[16], own[16];
	struct linebuf lb;
	struct linebuf_line line;
	size_t used;

	(void)state;
	linebuf_init(&lb, shared, sizeof(shared), true);
	assert_int_equal(linebuf_feed(&lb, "RETR fi", 7, &used, &line), LINEBUF_NEED_MORE);
	linebuf_set_storage(&lb, own);
	memset(shared, 'Z', sizeof(shared));
	assert_int_equal(linebuf_feed(&lb, "le\r\n", 4, &used, &line), LINEBUF_LINE);
	assert_ptr_equal(line.p, own);
	assert_int_equal(line.len, 9);
	assert_memory_equal(line.p, "RETR file", 9);
	linebuf_set_storage(&lb, shared);
	assert_int_equal(linebuf_feed(&lb, "PWD\r\n", 5, &used, &line), LINEBUF_LINE);
	assert_ptr_equal(line.p, shared);
	assert_memory_equal(line.p, "PWD", 3);
}

/* Everything a feed reports, as text: each line's bytes, length and flags. */
static void transcript(const unsigned char *in, size_t n, size_t step, char *out, size_t cap)
{
	char store[64];
	struct linebuf lb;
	size_t o = 0;

	linebuf_init(&lb, store, 16, true); /* 16: the 8-byte scan meets the maximum too */
	for (size_t at = 0; at < n; at += step) {
		const unsigned char *p = in + at;
		size_t left = n - at < step ? n - at : step;

		while (left > 0) {
			struct linebuf_line l;
			size_t used = 0;
			enum linebuf_status st = linebuf_feed(&lb, p, left, &used, &l);

			p += used;
			left -= used;
			if (st == LINEBUF_NEED_MORE)
				break;
			o += (size_t)snprintf(out + o, cap - o, "%d:%zu:%u:", (int)st, l.len, l.flags);
			for (size_t i = 0; i < l.len; i++)
				o += (size_t)snprintf(out + o, cap - o, "%02x", (unsigned char)l.p[i]);
			o += (size_t)snprintf(out + o, cap - o, "|");
		}
	}
	assert_true(o < cap);
}

/* The eight-bytes-at-a-time scan: a special byte at every position of a
 * 40-byte input reads the same fed whole as fed one byte at a time. */
static void test_word_scan_positions(void **state)
{
	static const unsigned char specials[] = {'\n', '\r', 0, 0xff, 0xfe, 0x80, ' '};
	unsigned char in[40];
	char whole[2048], bytes[2048];

	(void)state;
	for (size_t k = 0; k < sizeof(specials); k++)
		for (size_t pos = 0; pos < sizeof(in); pos++) {
			memset(in, 'a', sizeof(in));
			in[pos] = specials[k];
			in[sizeof(in) - 1] = '\n';
			transcript(in, sizeof(in), sizeof(in), whole, sizeof(whole));
			transcript(in, sizeof(in), 1, bytes, sizeof(bytes));
			if (strcmp(whole, bytes) != 0)
				fail_msg("byte 0x%02x at %zu: %s fed whole, %s byte by byte", specials[k], pos,
				         whole, bytes);
		}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_huge_line_bounded),
		cmocka_unit_test(test_reset),
		cmocka_unit_test(test_set_storage),
		cmocka_unit_test(test_word_scan_positions),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
