/* tablecheck.h - what the table-driven cmocka tests share: a case's
 * context, checks that print the failing case's name and its bytes
 * (unprintable ones as \xNN), and exact-size copies of inputs so that
 * AddressSanitizer sees any read past them. Include after <cmocka.h>. */
#ifndef FTPLAB_TESTS_TABLECHECK_H
#define FTPLAB_TESTS_TABLECHECK_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* What a failing check prints: the case's name and its bytes. */
struct ctx {
	const char *name;
	const void *in;
	size_t in_len;
};

static inline void show_input(const struct ctx *x)
{
	const unsigned char *s = x->in;
	char buf[256];
	size_t o = 0;

	for (size_t i = 0; i < x->in_len && o + 5 < sizeof(buf); i++) {
		if (s[i] >= 0x20 && s[i] < 0x7f && s[i] != '\\' && s[i] != '"')
			buf[o++] = (char)s[i];
		else
			o += (size_t)snprintf(buf + o, sizeof(buf) - o, "\\x%02x", s[i]);
	}
	buf[o] = '\0';
	print_message("case \"%s\": bytes \"%s\" (%zu bytes)\n", x->name, buf, x->in_len);
}

#define FAIL(x, ...) do { \
	show_input(x); \
	fail_msg(__VA_ARGS__); \
} while (0)

#define CHECK_INT(x, got, want) do { \
	long long g_ = (long long)(got), w_ = (long long)(want); \
	if (g_ != w_) \
		FAIL(x, "%s: %s is %lld, want %lld", (x)->name, #got, g_, w_); \
} while (0)

#define CHECK_STR(x, got, want) do { \
	if (strcmp((got), (want)) != 0) \
		FAIL(x, "%s: %s is \"%s\", want \"%s\"", (x)->name, #got, (got), (want)); \
} while (0)

#define CHECK_MEM(x, got, want, n) do { \
	if (memcmp((got), (want), (n)) != 0) \
		FAIL(x, "%s: %s differs from the expected value", (x)->name, #got); \
} while (0)

static inline char *dup_exact(const void *p, size_t n)
{
	char *d = malloc(n ? n : 1);

	assert_non_null(d);
	if (n)
		memcpy(d, p, n);
	return d;
}

#endif
