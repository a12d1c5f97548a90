/* test_jsonw.c - the JSON lines writer: exact bytes, escaping, misuse, and
 * never a byte past the caller's buffer.
 * Each case is a list of writer calls and the exact record expected. It runs
 * twice: into a heap buffer of exactly cap bytes (ASan sees any write past
 * it), and into a larger one whose bytes after cap are a canary. Every
 * FTP_OK record is also checked by a small independent JSON validator. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include "tablecheck.h"

#include <limits.h>
#include <math.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/jsonw.h"

#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define W(x) x, sizeof(x) - 1
#define MAX_OPS 32
#define CANARY 0xa5
#define CANARY_LEN 16

/* ---- a small JSON validator, independent of the writer ---- */

static bool is_hex(char c)
{
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

static const char *valid_value(const char *p, const char *end, int depth);

static const char *valid_string(const char *p, const char *end)
{
	if (p >= end || *p++ != '"')
		return NULL;
	while (p < end) {
		unsigned char c = (unsigned char)*p++;

		if (c == '"')
			return p;
		if (c < 0x20 || c == 0x7f) /* jsonw escapes DEL too */
			return NULL;
		if (c != '\\')
			continue;
		if (p >= end)
			return NULL;
		c = (unsigned char)*p++;
		if (c == 'u') {
			if (end - p < 4 || !is_hex(p[0]) || !is_hex(p[1]) || !is_hex(p[2]) ||
			    !is_hex(p[3]))
				return NULL;
			p += 4;
		} else if (strchr("\"\\/bfnrt", c) == NULL || c == '\0') {
			return NULL;
		}
	}
	return NULL;
}

static const char *valid_digits(const char *p, const char *end)
{
	const char *start = p;

	while (p < end && *p >= '0' && *p <= '9')
		p++;
	return p > start ? p : NULL;
}

static const char *valid_number(const char *p, const char *end)
{
	if (p < end && *p == '-')
		p++;
	if (p < end && *p == '0')
		p++;
	else if ((p = valid_digits(p, end)) == NULL)
		return NULL;
	if (p < end && *p == '.' && (p = valid_digits(p + 1, end)) == NULL)
		return NULL;
	if (p < end && (*p == 'e' || *p == 'E')) {
		p++;
		if (p < end && (*p == '+' || *p == '-'))
			p++;
		p = valid_digits(p, end);
	}
	return p;
}

static const char *valid_container(const char *p, const char *end, int depth, char close)
{
	p++;
	if (p < end && *p == close)
		return p + 1;
	for (;;) {
		if (close == '}') {
			if ((p = valid_string(p, end)) == NULL || p >= end || *p++ != ':')
				return NULL;
		}
		if ((p = valid_value(p, end, depth + 1)) == NULL || p >= end)
			return NULL;
		if (*p == close)
			return p + 1;
		if (*p++ != ',')
			return NULL;
	}
}

static const char *valid_value(const char *p, const char *end, int depth)
{
	if (p >= end || depth > 64)
		return NULL;
	switch (*p) {
	case '{': return valid_container(p, end, depth, '}');
	case '[': return valid_container(p, end, depth, ']');
	case '"': return valid_string(p, end);
	case 't': return (end - p >= 4 && memcmp(p, "true", 4) == 0) ? p + 4 : NULL;
	case 'f': return (end - p >= 5 && memcmp(p, "false", 5) == 0) ? p + 5 : NULL;
	case 'n': return (end - p >= 4 && memcmp(p, "null", 4) == 0) ? p + 4 : NULL;
	default: return valid_number(p, end);
	}
}

/* One JSON value, then '\n', then the end. */
static bool valid_record(const char *p, size_t n)
{
	const char *end = p + n, *q = valid_value(p, end, 0);

	return q != NULL && q + 1 == end && *q == '\n';
}

struct validator_case {
	const char *text;
	size_t len;
	bool valid;
};

/* The validator must itself be able to say no. */
static const struct validator_case validator_cases[] = {
	{W("{\"a\":[1,-2.5e+3,\"\\u00e9\\\\x80\",true,false,null]}\n"), true},
	{W("{]\n"), false},
	{W("[}\n"), false},
	{W("12\n"), true},
	{W("1 2\n"), false},
	{W("[1,]\n"), false},
	{W("{\"a\"}\n"), false},
	{W("\"\\x80\"\n"), false},
	{W("\"\x01\"\n"), false},
	{W("[01]\n"), false},
	{W("[1]"), false},
	{W("[1]\n\n"), false},
};

static void test_validator(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(validator_cases); i++) {
		const struct validator_case *c = &validator_cases[i];
		const struct ctx x = {"validator", c->text, c->len};

		CHECK_INT(&x, valid_record(c->text, c->len), c->valid);
	}
}

/* ---- writer cases ---- */

enum op_kind {
	OP_END = 0,
	OP_OBJ, OP_OBJ_END, OP_ARR, OP_ARR_END, OP_KEY,
	OP_STR, OP_CSTR, OP_INT, OP_UINT, OP_DBL, OP_BOOL, OP_NULL,
	OP_FINISH,
};

struct op {
	enum op_kind k;
	const char *s;
	size_t n;
	long long i;
	unsigned long long u;
	double d;
	int dec;
};

#define OB {.k = OP_OBJ}
#define OE {.k = OP_OBJ_END}
#define AB {.k = OP_ARR}
#define AE {.k = OP_ARR_END}
#define KEY(x) {.k = OP_KEY, .s = (x)}
#define STR(x) {.k = OP_STR, .s = (x), .n = sizeof(x) - 1}
#define STRN(x, len) {.k = OP_STR, .s = (x), .n = (len)}
#define CSTR(x) {.k = OP_CSTR, .s = (x)}
#define INT(v) {.k = OP_INT, .i = (v)}
#define UINT(v) {.k = OP_UINT, .u = (v)}
#define DBL(v, dec_) {.k = OP_DBL, .d = (v), .dec = (dec_)}
#define BOOL(v) {.k = OP_BOOL, .i = (v)}
#define NUL_ {.k = OP_NULL}
#define FINISH {.k = OP_FINISH}

struct jw_case {
	const char *name;
	struct op ops[MAX_OPS];
	size_t cap;
	enum ftp_status st;
	const char *want; /* the record on FTP_OK, '\n' included */
	size_t want_len;
};

#define NOOUT NULL, 0

static const struct jw_case cases[] = {
	/* values and structure */
	{"all value types",
	 {OB, KEY("s"), CSTR("x"), KEY("i"), INT(-42), KEY("u"), UINT(ULLONG_MAX), KEY("d"),
	  DBL(1.5, 2), KEY("t"), BOOL(true), KEY("f"), BOOL(false), KEY("n"), NUL_, OE},
	 256, FTP_OK,
	 W("{\"s\":\"x\",\"i\":-42,\"u\":18446744073709551615,\"d\":1.50,\"t\":true,"
	   "\"f\":false,\"n\":null}\n")},
	{"empty object", {OB, OE}, 64, FTP_OK, W("{}\n")},
	{"empty array", {AB, AE}, 64, FTP_OK, W("[]\n")},
	{"nested",
	 {OB, KEY("a"), AB, INT(1), INT(2), OB, KEY("b"), AB, AE, OE, AE, KEY("c"), OB, KEY("d"),
	  OB, OE, OE, KEY("e"), AB, AB, AE, AB, NUL_, AE, AE, OE},
	 256, FTP_OK, W("{\"a\":[1,2,{\"b\":[]}],\"c\":{\"d\":{}},\"e\":[[],[null]]}\n")},
	{"array of every kind",
	 {AB, CSTR("a"), INT(0), BOOL(false), NUL_, OB, OE, AB, AE, UINT(7), DBL(0.25, 2), AE},
	 256, FTP_OK, W("[\"a\",0,false,null,{},[],7,0.25]\n")},
	{"top-level number", {INT(7)}, 64, FTP_OK, W("7\n")},
	{"top-level string", {CSTR("hi")}, 64, FTP_OK, W("\"hi\"\n")},
	{"integer extremes", {AB, INT(LLONG_MIN), INT(LLONG_MAX), UINT(0), AE}, 128, FTP_OK,
	 W("[-9223372036854775808,9223372036854775807,0]\n")},
	{"cstr NULL is null", {AB, CSTR(NULL), CSTR(""), AE}, 64, FTP_OK, W("[null,\"\"]\n")},
	{"string by length", {STRN("abcdef", 3)}, 64, FTP_OK, W("\"abc\"\n")},
	{"empty key", {OB, KEY(""), INT(1), OE}, 64, FTP_OK, W("{\"\":1}\n")},
	/* numbers */
	{"not finite is null",
	 {OB, KEY("nan"), DBL(NAN, 2), KEY("inf"), DBL(INFINITY, 2), KEY("-inf"),
	  DBL(-INFINITY, 2), OE},
	 128, FTP_OK, W("{\"nan\":null,\"inf\":null,\"-inf\":null}\n")},
	{"nan in array keeps commas", {AB, DBL(NAN, 1), INT(1), DBL(NAN, 1), AE}, 64, FTP_OK,
	 W("[null,1,null]\n")},
	{"decimals",
	 {AB, DBL(2.0, 0), DBL(0.5, -1), DBL(0.5, 18), DBL(123.456, 2), DBL(-0.25, 3), AE},
	 128, FTP_OK, W("[2,0.500000,0.500000,123.46,-0.250]\n")},
	{"large double", {AB, DBL(1e15, 2), DBL(1e300, 2), AE}, 128, FTP_OK,
	 W("[1000000000000000,1.0000000000000001e+300]\n")},
	/* escaping */
	{"quote backslash and short escapes", {STR("a\"b\\c\nd\re\tf")}, 64, FTP_OK,
	 W("\"a\\\"b\\\\c\\nd\\re\\tf\"\n")},
	{"other controls as \\u00XX", {STR("\x01\x1f\b\f\x1b")}, 64, FTP_OK,
	 W("\"\\u0001\\u001f\\u0008\\u000c\\u001b\"\n")},
	{"DEL", {STR("\x7f")}, 64, FTP_OK, W("\"\\u007f\"\n")},
	{"embedded NUL", {STR("a\0b")}, 64, FTP_OK, W("\"a\\u0000b\"\n")},
	{"printable kept", {STR(" /'<>&~")}, 64, FTP_OK, W("\" /'<>&~\"\n")},
	{"utf8 2 3 4 bytes kept", {STR("\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80")}, 64, FTP_OK,
	 W("\"\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\"\n")},
	{"U+10FFFF kept", {STR("\xf4\x8f\xbf\xbf")}, 64, FTP_OK, W("\"\xf4\x8f\xbf\xbf\"\n")},
	{"lone 80", {STR("\x80")}, 64, FTP_OK, W("\"\\\\x80\"\n")},
	{"ff", {STR("a\xff" "b")}, 64, FTP_OK, W("\"a\\\\xffb\"\n")},
	{"overlong C0 80", {STR("\xc0\x80")}, 64, FTP_OK, W("\"\\\\xc0\\\\x80\"\n")},
	{"surrogate ED A0 80", {STR("\xed\xa0\x80")}, 64, FTP_OK,
	 W("\"\\\\xed\\\\xa0\\\\x80\"\n")},
	{"truncated E2 82 at end", {STR("\xe2\x82")}, 64, FTP_OK, W("\"\\\\xe2\\\\x82\"\n")},
	{"truncated E2 82 before ascii", {STR("\xe2\x82z")}, 64, FTP_OK,
	 W("\"\\\\xe2\\\\x82z\"\n")},
	{"past U+10FFFF", {STR("\xf4\x90\x80\x80")}, 64, FTP_OK,
	 W("\"\\\\xf4\\\\x90\\\\x80\\\\x80\"\n")},
	{"latin-1 between valid", {STR("\xc3\xa9\xe9\xc3\xa9")}, 64, FTP_OK,
	 W("\"\xc3\xa9\\\\xe9\xc3\xa9\"\n")},
	{"key escaped", {OB, KEY("k\"\n\x01\\"), INT(1), OE}, 64, FTP_OK,
	 W("{\"k\\\"\\n\\u0001\\\\\":1}\n")},
	/* misuse */
	{"object not closed", {OB}, 64, FTP_ESYNTAX, NOOUT},
	{"array not closed", {AB, INT(1)}, 64, FTP_ESYNTAX, NOOUT},
	{"close without open", {OE}, 64, FTP_ESYNTAX, NOOUT},
	{"array close without open", {AE}, 64, FTP_ESYNTAX, NOOUT},
	{"extra close", {AB, AE, AE}, 64, FTP_ESYNTAX, NOOUT},
	{"key without value", {OB, KEY("a"), OE}, 64, FTP_ESYNTAX, NOOUT},
	{"key without value at the end", {OB, KEY("a")}, 64, FTP_ESYNTAX, NOOUT},
	{"value without key", {OB, INT(1), OE}, 64, FTP_ESYNTAX, NOOUT},
	{"second value without key", {OB, KEY("a"), INT(1), INT(2), OE}, 64, FTP_ESYNTAX, NOOUT},
	{"key in array", {AB, KEY("a"), INT(1), AE}, 64, FTP_ESYNTAX, NOOUT},
	{"key at top level", {KEY("a"), INT(1)}, 64, FTP_ESYNTAX, NOOUT},
	{"two keys", {OB, KEY("a"), KEY("b"), INT(1), OE}, 64, FTP_ESYNTAX, NOOUT},
	/* Was a bug, fixed: closing a container with the other kind's call is accepted:
	 * jsonw_finish returns FTP_OK with "{]\n" and "[}\n", which are not
	 * JSON (the header: misuse is "unbalanced or misplaced calls"). */
	{"object closed as array", {OB, AE}, 64, FTP_ESYNTAX, NOOUT},
	{"array closed as object", {AB, INT(1), OE}, 64, FTP_ESYNTAX, NOOUT},
	/* Was a bug, fixed: a second jsonw_finish appends another "\n" and NUL; when the
	 * first one filled the buffer it writes buf[cap], past the buffer
	 * (ASan: heap-buffer-overflow WRITE in jsonw_finish). Any status but
	 * FTP_OK would do here; the defect is the write. */
	{"finish twice", {INT(1), FINISH}, 3, FTP_ESYNTAX, NOOUT},
	/* room */
	{"cap exact", {OB, OE}, 4, FTP_OK, W("{}\n")},
	{"cap one short", {OB, OE}, 3, FTP_ENOSPACE, NOOUT},
	{"array cap exact", {AB, INT(1), AE}, 5, FTP_OK, W("[1]\n")},
	{"array cap one short", {AB, INT(1), AE}, 4, FTP_ENOSPACE, NOOUT},
	{"long string", {OB, KEY("s"), CSTR("0123456789abcdef"), OE}, 16, FTP_ENOSPACE, NOOUT},
	{"\\u escape cap exact", {STR("\x01")}, 10, FTP_OK, W("\"\\u0001\"\n")},
	{"\\u escape does not fit", {STR("\x01")}, 9, FTP_ENOSPACE, NOOUT},
	{"\\\\x escape cap exact", {STR("\xff")}, 9, FTP_OK, W("\"\\\\xff\"\n")},
	{"\\\\x escape does not fit", {STR("\xff")}, 8, FTP_ENOSPACE, NOOUT},
	{"utf8 cap exact", {STR("\xe2\x82\xac")}, 7, FTP_OK, W("\"\xe2\x82\xac\"\n")},
	{"utf8 does not fit", {STR("\xe2\x82\xac")}, 6, FTP_ENOSPACE, NOOUT},
	{"number cap exact", {INT(1)}, 3, FTP_OK, W("1\n")},
	{"cap 2", {INT(1)}, 2, FTP_ENOSPACE, NOOUT},
	{"cap 1", {INT(1)}, 1, FTP_ENOSPACE, NOOUT},
	{"cap 0", {INT(1)}, 0, FTP_ENOSPACE, NOOUT},
	{"cap 0, nothing written", {{.k = OP_END}}, 0, FTP_ENOSPACE, NOOUT},
};

static void apply_ops(struct jsonw *w, const struct op *ops)
{
	for (size_t k = 0; k < MAX_OPS && ops[k].k != OP_END; k++) {
		const struct op *o = &ops[k];
		char *copy;

		switch (o->k) {
		case OP_END: break;
		case OP_OBJ: jsonw_object_begin(w); break;
		case OP_OBJ_END: jsonw_object_end(w); break;
		case OP_ARR: jsonw_array_begin(w); break;
		case OP_ARR_END: jsonw_array_end(w); break;
		case OP_KEY: jsonw_key(w, o->s); break;
		case OP_STR:
			/* exact size, no NUL: ASan sees a read past n */
			copy = malloc(o->n ? o->n : 1);
			assert_non_null(copy);
			memcpy(copy, o->s, o->n);
			jsonw_string(w, copy, o->n);
			free(copy);
			break;
		case OP_CSTR: jsonw_cstr(w, o->s); break;
		case OP_INT: jsonw_int(w, o->i); break;
		case OP_UINT: jsonw_uint(w, o->u); break;
		case OP_DBL: jsonw_double(w, o->d, o->dec); break;
		case OP_BOOL: jsonw_bool(w, o->i != 0); break;
		case OP_NULL: jsonw_null(w); break;
		case OP_FINISH: (void)jsonw_finish(w, NULL); break;
		}
	}
}

static void run_case(const struct jw_case *c, bool canary)
{
	size_t size = canary ? c->cap + CANARY_LEN : (c->cap ? c->cap : 1);
	char *buf = malloc(size);
	struct jsonw w;
	size_t len = 99999;
	enum ftp_status st;
	struct ctx x = {c->name, buf, 0};

	assert_non_null(buf);
	memset(buf, CANARY, size);
	jsonw_init(&w, buf, c->cap);
	apply_ops(&w, c->ops);
	st = jsonw_finish(&w, &len);
	x.in_len = w.len < c->cap ? w.len : 0; /* what was written, for a failure */
	CHECK_INT(&x, st, c->st);
	if (canary) {
		for (size_t k = c->cap; k < size; k++)
			if ((unsigned char)buf[k] != CANARY)
				FAIL(&x, "%s: byte %zu past cap %zu was written", c->name,
				     k - c->cap, c->cap);
	}
	if (st == FTP_OK) {
		CHECK_INT(&x, len, c->want_len);
		if (memcmp(buf, c->want, c->want_len) != 0)
			FAIL(&x, "%s: the record is not the one expected", c->name);
		CHECK_INT(&x, buf[len], '\0');
		if (!valid_record(buf, len))
			FAIL(&x, "%s: the record is not valid JSON", c->name);
	}
	free(buf);
}

static void test_cases(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(cases); i++) {
		run_case(&cases[i], false);
		run_case(&cases[i], true);
	}
}

/* ---- nesting depth ---- */

struct depth_case {
	const char *name;
	unsigned depth; /* arrays opened, then closed */
	enum ftp_status st;
};

static const struct depth_case depth_cases[] = {
	{"depth 1", 1, FTP_OK},
	{"depth 31", JSONW_MAX_DEPTH - 1, FTP_OK},
	{"depth 32", JSONW_MAX_DEPTH, FTP_ESYNTAX},
	{"depth 40", JSONW_MAX_DEPTH + 8, FTP_ESYNTAX},
};

static void test_depth(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(depth_cases); i++) {
		const struct depth_case *c = &depth_cases[i];
		char buf[256], want[256];
		struct jsonw w;
		size_t len = 0;
		struct ctx x = {c->name, buf, 0};

		jsonw_init(&w, buf, sizeof(buf));
		for (unsigned d = 0; d < c->depth; d++)
			jsonw_array_begin(&w);
		for (unsigned d = 0; d < c->depth; d++)
			jsonw_array_end(&w);
		CHECK_INT(&x, jsonw_finish(&w, &len), c->st);
		if (c->st != FTP_OK)
			continue;
		memset(want, '[', c->depth);
		memset(want + c->depth, ']', c->depth);
		want[2 * c->depth] = '\n';
		x.in_len = len;
		CHECK_INT(&x, len, 2 * c->depth + 1);
		if (memcmp(buf, want, len) != 0 || !valid_record(buf, len))
			FAIL(&x, "%s: wrong record", c->name);
	}
}

/* jsonw_double formats without printf in the common case: it must print
 * exactly what "%.*f" prints, halves included (8.3135 is 8.31349999...). */
static void test_double_like_printf(void **state)
{
	static const double edges[] = {0, -0.0, 0.5, 1.5, 2.5, 0.0625, 8.3135, 5.7955, 8.4205,
	                               0.0005, 999999.9999995, 1795678546.739150, -0.0001,
	                               1e14, 9e14, 123456789.123456789};
	unsigned long x = 12345;
	char buf[128], ref[128];
	size_t len;

	(void)state;
	for (int i = 0; i < 400000; i++) {
		double v;
		int d = i % 10;
		struct jsonw w;

		x = x * 6364136223846793005ul + 1442695040888963407ul;
		if (i < (int)(sizeof(edges) / sizeof(edges[0])) * 10)
			v = edges[i / 10];
		else if (i % 3 == 0)
			v = (double)(x >> 11) / 9007199254740992.0 * 1000.0;
		else if (i % 3 == 1)
			v = 1795678546.0 + (double)(x % 1000000) / 1e6;
		else
			v = -(double)(x % 100000) / 1e4;
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_double(&w, v, d);
		assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
		buf[len - 1] = '\0';
		snprintf(ref, sizeof(ref), "%.*f", d, v);
		if (strcmp(buf, ref) != 0)
			fail_msg("%.17g with %d decimals: %s, printf says %s", v, d, buf, ref);
	}
}

/* The word-at-a-time scan: one special byte at every position of a
 * 24-byte string is escaped exactly as when it comes alone. */
static void escape_one(const unsigned char *p, size_t n, char *out, size_t cap)
{
	struct jsonw w;
	char buf[64];
	size_t len, o = 0;

	for (size_t i = 0; i < n; i++) {
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_string(&w, p + i, 1);
		assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
		assert_true(o + len < cap);
		memcpy(out + o, buf + 1, len - 3); /* without the quotes and the newline */
		o += len - 3;
	}
	out[o] = '\0';
}

static void test_escape_every_position(void **state)
{
	static const unsigned char specials[] = {0x00, 0x01, 0x1f, '"', '\\', 0x7f, 0x80,
	                                         0xc3, 0xff, '\n', '\t', ' ', '~'};
	unsigned char in[24];
	char want[256], got[256];
	size_t len;

	(void)state;
	for (size_t k = 0; k < sizeof(specials); k++)
		for (size_t pos = 0; pos < sizeof(in); pos++) {
			struct jsonw w;

			memset(in, 'a', sizeof(in));
			in[pos] = specials[k];
			escape_one(in, sizeof(in), want + 1, sizeof(want) - 3);
			want[0] = '"';
			strcat(want, "\"\n");
			jsonw_init(&w, got, sizeof(got));
			jsonw_string(&w, in, sizeof(in));
			assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
			if (strcmp(got, want) != 0)
				fail_msg("byte 0x%02x at %zu: %s instead of %s", specials[k], pos, got, want);
		}
}

/* Keys are copied a word at a time: a key of every length from 0 to 20,
 * plain or with one special byte at each position, is written exactly as
 * the same bytes written as a string value. */
static void test_key_every_length(void **state)
{
	static const unsigned char specials[] = {0, '"', '\\', 0x1f, 0x7f, 0x80, 'b'};
	char key[24], got[256], want[256];
	size_t len;

	(void)state;
	for (size_t n = 0; n <= 20; n++)
		for (size_t k = 0; k < sizeof(specials); k++)
			for (size_t pos = 0; pos < (n ? n : 1); pos++) {
				struct jsonw w;

				memset(key, 'a', sizeof(key));
				if (n)
					key[pos] = (char)specials[k];
				jsonw_init(&w, got, sizeof(got));
				jsonw_object_begin(&w);
				jsonw_key_n(&w, "x", 1);
				jsonw_int(&w, 1);
				jsonw_key_n(&w, key, n);
				jsonw_int(&w, 2);
				jsonw_object_end(&w);
				assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
				jsonw_init(&w, want + 7, sizeof(want) - 16);
				jsonw_string(&w, key, n);
				assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
				memcpy(want, "{\"x\":1,", 7);
				memcpy(want + 7 + len - 1, ":2}\n", 5);
				if (strcmp(got, want) != 0)
					fail_msg("key of %zu bytes, 0x%02x at %zu: %s instead of %s", n,
					         specials[k], pos, got, want);
			}
}

/* Integers as printf writes them, at every digit count and the limits. */
static void test_int_like_printf(void **state)
{
	static const long long edges[] = {0, 1, 9, 10, 99, 100, 101, 999, 1000, -1, -9, -10,
	                                  -100, LLONG_MAX, LLONG_MIN, LLONG_MIN + 1};
	unsigned long long x = 7;
	char buf[64], ref[64];
	size_t len;

	(void)state;
	for (int i = 0; i < 200000; i++) {
		struct jsonw w;
		unsigned long long u;
		long long v;

		x = x * 6364136223846793005ull + 1442695040888963407ull;
		u = i < 64 ? (i ? 1ull << (i - 1) : ULLONG_MAX) : x >> (x % 64);
		v = i < (int)(sizeof(edges) / sizeof(edges[0])) ? edges[i] : (long long)u;
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_uint(&w, u);
		assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
		buf[len - 1] = '\0';
		snprintf(ref, sizeof(ref), "%llu", u);
		if (strcmp(buf, ref) != 0)
			fail_msg("%s instead of %s", buf, ref);
		jsonw_init(&w, buf, sizeof(buf));
		jsonw_int(&w, v);
		assert_int_equal(jsonw_finish(&w, &len), FTP_OK);
		buf[len - 1] = '\0';
		snprintf(ref, sizeof(ref), "%lld", v);
		if (strcmp(buf, ref) != 0)
			fail_msg("%s instead of %s", buf, ref);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validator),
		cmocka_unit_test(test_double_like_printf),
		cmocka_unit_test(test_escape_every_position),
		cmocka_unit_test(test_key_every_length),
		cmocka_unit_test(test_int_like_printf),
		cmocka_unit_test(test_cases),
		cmocka_unit_test(test_depth),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
