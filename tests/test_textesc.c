/* test_textesc.c - UTF-8 validation and escaping of untrusted bytes.
 * Inputs and outputs are heap buffers of their exact size, so ASan reports
 * any access past the lengths given. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tablecheck.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/textesc.h"

#define S(x) x, sizeof(x) - 1
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- utf8_seq_len ---- */

struct utf8_case {
	const char *name;
	const char *in;
	size_t in_len; /* n: the bytes available */
	size_t want;
};

static const struct utf8_case utf8_cases[] = {
	{"ascii", S("A"), 1},
	{"nul", S("\0"), 1},
	{"U+007F", S("\x7f"), 1},
	{"ascii, more follows", S("AB"), 1},
	{"U+0080", S("\xc2\x80"), 2},
	{"U+00E9", S("\xc3\xa9"), 2},
	{"U+07FF", S("\xdf\xbf"), 2},
	{"U+0800", S("\xe0\xa0\x80"), 3},
	{"U+20AC", S("\xe2\x82\xac"), 3},
	{"U+D7FF", S("\xed\x9f\xbf"), 3},
	{"U+E000", S("\xee\x80\x80"), 3},
	{"U+FFFF", S("\xef\xbf\xbf"), 3},
	{"U+10000", S("\xf0\x90\x80\x80"), 4},
	{"U+1F600", S("\xf0\x9f\x98\x80"), 4},
	{"U+10FFFF", S("\xf4\x8f\xbf\xbf"), 4},
	{"2 bytes, more follows", S("\xc3\xa9xyz"), 2},
	{"past U+10FFFF", S("\xf4\x90\x80\x80"), 0},
	{"overlong C0 80", S("\xc0\x80"), 0},
	{"overlong C1 BF", S("\xc1\xbf"), 0},
	{"overlong E0 80 80", S("\xe0\x80\x80"), 0},
	{"overlong U+07FF in 3", S("\xe0\x9f\xbf"), 0},
	{"overlong F0 80 80 80", S("\xf0\x80\x80\x80"), 0},
	{"overlong U+FFFF in 4", S("\xf0\x8f\xbf\xbf"), 0},
	{"surrogate ED A0 80", S("\xed\xa0\x80"), 0},
	{"surrogate ED BF BF", S("\xed\xbf\xbf"), 0},
	{"F5", S("\xf5\x80\x80\x80"), 0},
	{"F8", S("\xf8\x88\x80\x80\x80"), 0},
	{"FF", S("\xff"), 0},
	{"lone continuation 80", S("\x80"), 0},
	{"lone continuation BF", S("\xbf"), 0},
	{"2-byte start, n 1", S("\xc2"), 0},
	{"3-byte start, n 2", S("\xe2\x82"), 0},
	{"4-byte start, n 3", S("\xf0\x9f\x98"), 0},
	{"bad 2nd byte of 2", S("\xc2\x41"), 0},
	{"bad 2nd byte of 3", S("\xe2\x28\xa1"), 0},
	{"bad 3rd byte of 3", S("\xe2\x82\x28"), 0},
	{"bad 4th byte of 4", S("\xf0\x9f\x98\x41"), 0},
	{"continuation C0 in 2nd", S("\xc3\xc0"), 0},
};

static void test_utf8_seq_len(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		unsigned char *in = (unsigned char *)dup_exact(c->in, c->in_len);

		CHECK_INT(&x, utf8_seq_len(in, c->in_len), c->want);
		free(in);
	}
}

/* A valid sequence given fewer bytes than it needs is not valid, and only
 * the n bytes given are read (the buffer ends there). */
static void test_utf8_short_n(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(utf8_cases); i++) {
		const struct utf8_case *c = &utf8_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};

		if (c->want < 2)
			continue;
		for (size_t n = 1; n < c->want; n++) {
			unsigned char *in = (unsigned char *)dup_exact(c->in, n);

			CHECK_INT(&x, utf8_seq_len(in, n), 0);
			free(in);
		}
	}
	/* Was a bug, fixed: utf8_seq_len(p, 0) reads p[0] before it looks at n; the
	 * header speaks of "the sequence at p[0..n)", which is empty. ASan:
	 * heap-buffer-overflow READ of size 1 in utf8_seq_len (textesc.c:8). */
	{
		unsigned char *buf = malloc(1);
		const struct ctx x = {"n 0 at the end of a buffer", NULL, 0};

		assert_non_null(buf);
		buf[0] = 'A';
		CHECK_INT(&x, utf8_seq_len(buf + 1, 0), 0);
		free(buf);
	}
}

/* ---- textesc ---- */

struct esc_case {
	const char *name;
	const char *in;
	size_t in_len;
	size_t cap;       /* the output buffer, NUL included */
	const char *want; /* NUL-terminated output */
	bool truncated;
};

static const struct esc_case esc_cases[] = {
	{"printable", S("hello, world"), 64, "hello, world", false},
	{"printable punctuation", S(" !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~"), 64,
	 " !\"#$%&'()*+,-./:;<=>?@[]^_`{|}~", false},
	{"empty", S(""), 1, "", false},
	{"control 01", S("\x01"), 8, "\\x01", false},
	{"control 1f", S("\x1f"), 8, "\\x1f", false},
	{"lf", S("a\nb"), 16, "a\\x0ab", false},
	{"cr", S("a\rb"), 16, "a\\x0db", false},
	{"tab", S("\t"), 8, "\\x09", false},
	{"escape sequence", S("\x1b[31mred"), 32, "\\x1b[31mred", false},
	{"DEL", S("\x7f"), 8, "\\x7f", false},
	{"nul", S("a\0b"), 16, "a\\x00b", false},
	{"backslash", S("\\"), 8, "\\\\", false},
	{"backslash x", S("\\x41"), 8, "\\\\x41", false},
	{"utf8 2 3 4 bytes", S("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80"), 16,
	 "\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80", false},
	{"lone 80", S("\x80"), 8, "\\x80", false},
	{"ff", S("\xff"), 8, "\\xff", false},
	{"overlong C0 80", S("\xc0\x80"), 16, "\\xc0\\x80", false},
	{"surrogate", S("\xed\xa0\x80"), 16, "\\xed\\xa0\\x80", false},
	{"truncated sequence", S("\xe2\x82"), 16, "\\xe2\\x82", false},
	{"truncated sequence then ascii", S("a\xe2\x82z"), 16, "a\\xe2\\x82z", false},
	{"past U+10FFFF", S("\xf4\x90\x80\x80"), 32, "\\xf4\\x90\\x80\\x80", false},
	{"latin-1", S("caf\xe9"), 16, "caf\\xe9", false},
	{"exact fit", S("abc"), 4, "abc", false},
	{"one byte short", S("abcd"), 4, "abc", true},
	{"cap 1", S("a"), 1, "", true},
	{"escape does not fit", S("ab\x01"), 6, "ab", true},
	{"escape fits exactly", S("ab\x01"), 7, "ab\\x01", false},
	{"backslash does not fit", S("\\"), 2, "", true},
	{"backslash fits exactly", S("\\"), 3, "\\\\", false},
	{"utf8 not split", S("a\xe2\x82\xac"), 4, "a", true},
	{"utf8 fits exactly", S("a\xe2\x82\xac"), 5, "a\xe2\x82\xac", false},
	{"stops at first escape that does not fit", S("a\x01" "b"), 4, "a", true},
};

static void test_textesc(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(esc_cases); i++) {
		const struct esc_case *c = &esc_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		unsigned char *in = (unsigned char *)dup_exact(c->in, c->in_len);
		char *out = malloc(c->cap); /* exact: ASan sees a write past cap */
		bool truncated = !c->truncated;
		size_t len;

		assert_non_null(out);
		memset(out, 'Z', c->cap);
		len = textesc(out, c->cap, in, c->in_len, &truncated);
		CHECK_INT(&x, len, strlen(c->want));
		CHECK_INT(&x, out[len], '\0');
		CHECK_STR(&x, out, c->want);
		CHECK_INT(&x, truncated, c->truncated);
		for (size_t k = 0; k < len; k++) {
			unsigned char b = (unsigned char)out[k];

			if (b < 0x20 || b == 0x7f)
				FAIL(&x, "%s: control byte %#x in the output", c->name, b);
		}
		/* truncated may be NULL */
		memset(out, 'Z', c->cap);
		CHECK_INT(&x, textesc(out, c->cap, in, c->in_len, NULL), strlen(c->want));
		CHECK_STR(&x, out, c->want);
		free(in);
		free(out);
	}
}

/* Every byte value on its own: kept if printable ASCII, else \xNN (\\ for
 * backslash), and never more than 4 bytes. */
static void test_textesc_all_bytes(void **state)
{
	(void)state;
	for (unsigned v = 0; v < 256; v++) {
		unsigned char in = (unsigned char)v;
		char out[8], want[8];
		const struct ctx x = {"single byte", &in, 1};
		bool truncated = true;

		if (v == '\\')
			snprintf(want, sizeof(want), "\\\\");
		else if (v >= 0x20 && v < 0x7f)
			snprintf(want, sizeof(want), "%c", (char)v);
		else
			snprintf(want, sizeof(want), "\\x%02x", v);
		CHECK_INT(&x, textesc(out, sizeof(out), &in, 1, &truncated), strlen(want));
		CHECK_STR(&x, out, want);
		CHECK_INT(&x, truncated, false);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_seq_len),
		cmocka_unit_test(test_utf8_short_n),
		cmocka_unit_test(test_textesc),
		cmocka_unit_test(test_textesc_all_bytes),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
