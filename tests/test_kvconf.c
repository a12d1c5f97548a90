/* test_kvconf.c - the configuration-file syntax: what reaches the callback,
 * and the line-numbered errors. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/kvconf.h"

struct record {
	char seen[512]; /* "name=value;" or "name;" per call */
	int fail_on;    /* fail the nth call (1-based), 0: never */
	int calls;
};

static int record(void *ctx, const char *name, const char *value, char *err, size_t errlen)
{
	struct record *r = ctx;
	size_t len = strlen(r->seen);

	if (++r->calls == r->fail_on) {
		snprintf(err, errlen, "bad %s", name);
		return -1;
	}
	snprintf(r->seen + len, sizeof(r->seen) - len, value ? "%s=%s;" : "%s;", name, value);
	return 0;
}

struct kv_case {
	const char *name;
	const char *text;
	size_t len;       /* 0: strlen */
	int fail_on;
	int rc;
	const char *seen;
	const char *err;
};

static const struct kv_case cases[] = {
	{"empty", "", 0, 0, 0, "", ""},
	{"one", "listen = 127.0.0.1:21\n", 0, 0, 0, "listen=127.0.0.1:21;", ""},
	{"no final newline", "a=1", 0, 0, 0, "a=1;", ""},
	{"blanks trimmed", " \t a \t = \t x y \t\r\n", 0, 0, 0, "a=x y;", ""},
	{"bare flag", "quiet\n", 0, 0, 0, "quiet;", ""},
	{"empty value", "a =\n", 0, 0, 0, "a=;", ""},
	{"equals in value", "map = 10.0.0.0/8=192.0.2.1\n", 0, 0, 0, "map=10.0.0.0/8=192.0.2.1;", ""},
	{"comments and blanks", "# c\n\n   # indented\nb=2\n", 0, 0, 0, "b=2;", ""},
	{"hash inside value", "a = x#y\n", 0, 0, 0, "a=x#y;", ""},
	{"crlf", "a=1\r\nb=2\r\n", 0, 0, 0, "a=1;b=2;", ""},
	{"no name", "=x\n", 0, 0, -1, "", "1: no option name before '='"},
	{"callback error line 2", "a=1\nb=2\nc=3\n", 0, 2, -1, "a=1;", "2: bad b"},
	{"nul", "a=1\nb=\0x\n", 9, 0, -1, "a=1;", "2: NUL byte in the line"},
};

static void test_table(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct kv_case *c = &cases[i];
		struct record r = {.fail_on = c->fail_on};
		char err[256] = "";
		size_t len = c->len ? c->len : strlen(c->text);
		char *text = malloc(len ? len : 1);
		int rc;

		memcpy(text, c->text, len); /* exact size: ASan sees over-reads */
		rc = kvconf_parse(text, len, record, &r, err, sizeof(err));
		free(text);
		if (rc != c->rc || strcmp(r.seen, c->seen) != 0 || strcmp(err, c->err) != 0)
			fail_msg("%s: rc %d seen '%s' err '%s'", c->name, rc, r.seen, err);
	}
}

static void test_long_line(void **state)
{
	char *text = malloc(KVCONF_LINE_MAX + 8);
	struct record r = {0};
	char err[128] = "";

	(void)state;
	memset(text, 'a', KVCONF_LINE_MAX + 8);
	memcpy(text, "k=", 2);
	text[KVCONF_LINE_MAX] = '\n'; /* a line of exactly the maximum */
	assert_int_equal(kvconf_parse(text, KVCONF_LINE_MAX + 1, record, &r, err, sizeof(err)), 0);
	assert_int_equal(r.calls, 1);
	text[KVCONF_LINE_MAX] = 'a'; /* one byte more */
	assert_int_equal(kvconf_parse(text, KVCONF_LINE_MAX + 1, record, &r, err, sizeof(err)), -1);
	assert_string_equal(err, "1: line longer than 8192 bytes");
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_table),
		cmocka_unit_test(test_long_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
