/* test_vpath.c - joining and normalising virtual paths, never above "/".
 * cwd, arg and the output are heap buffers of their exact size (no NUL after
 * the inputs), so ASan reports any access past the lengths given. */
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

#include "ftplab/vpath.h"

#define S(x) x, sizeof(x) - 1
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))
#define BIG (VPATH_MAX + 1) /* room for any result */

/* vpath_join with every buffer of its exact size; the result is copied to
 * res (BIG bytes) on FTP_OK. */
static enum ftp_status join(const char *cwd, size_t cwd_len, const char *arg, size_t arg_len,
                            size_t cap, char *res, size_t *res_len)
{
	char *c = dup_exact(cwd, cwd_len), *a = dup_exact(arg, arg_len);
	char *out = malloc(cap ? cap : 1);
	size_t len = 0;
	enum ftp_status st;

	assert_non_null(out);
	st = vpath_join(c, cwd_len, a, arg_len, out, cap, &len);
	if (st == FTP_OK) {
		assert_true(len < cap && len < BIG);
		memcpy(res, out, len + 1);
		*res_len = len;
	}
	free(c);
	free(a);
	free(out);
	return st;
}

/* ---- vpath_join ---- */

struct join_case {
	const char *name;
	const char *cwd;
	size_t cwd_len;
	const char *in; /* the argument */
	size_t in_len;
	size_t cap;
	enum ftp_status st;
	const char *want;
};

static const struct join_case join_cases[] = {
	{"root and name", S("/"), S("a"), BIG, FTP_OK, "/a"},
	{"dotdot", S("/a/b"), S(".."), BIG, FTP_OK, "/a"},
	{"dotdot above root", S("/"), S("../../.."), BIG, FTP_OK, "/"},
	{"absolute arg", S("/a"), S("/b"), BIG, FTP_OK, "/b"},
	{"absolute arg with dotdot", S("/a/b"), S("/../c"), BIG, FTP_OK, "/c"},
	{"arg is root", S("/a"), S("/"), BIG, FTP_OK, "/"},
	{"empty arg", S("/a"), S(""), BIG, FTP_OK, "/a"},
	{"empty arg unnormalised cwd", S("/a//b/./"), S(""), BIG, FTP_OK, "/a/b"},
	{"repeated slashes", S("/"), S("//a///b//"), BIG, FTP_OK, "/a/b"},
	{"repeated slashes ignore cwd", S("/x"), S("//a///b//"), BIG, FTP_OK, "/a/b"},
	{"dot", S("/a"), S("."), BIG, FTP_OK, "/a"},
	{"dots and slashes", S("/a"), S("./././"), BIG, FTP_OK, "/a"},
	{"dot dotdot mix", S("/c"), S("a/./b/../c"), BIG, FTP_OK, "/c/a/c"},
	{"dotdot past root from deep", S("/a/b/c/d"), S("../../../../../.."), BIG, FTP_OK, "/"},
	{"dotdot past root then name", S("/a/b/c"), S("../../../../x"), BIG, FTP_OK, "/x"},
	{"climb and back", S("/"), S("a/b/../../.."), BIG, FTP_OK, "/"},
	{"trailing dotdot slash", S("/a/b"), S("../c/./d/"), BIG, FTP_OK, "/a/c/d"},
	{"three dots is a name", S("/"), S("..."), BIG, FTP_OK, "/..."},
	{"dotdot prefix is a name", S("/"), S("..a"), BIG, FTP_OK, "/..a"},
	{"dotdot suffix is a name", S("/"), S("a.."), BIG, FTP_OK, "/a.."},
	{"hidden name", S("/"), S(".a/.b"), BIG, FTP_OK, "/.a/.b"},
	{"backslash is a name", S("/"), S("\\..\\x"), BIG, FTP_OK, "/\\..\\x"},
	{"spaces kept", S("/"), S(" a / b "), BIG, FTP_OK, "/ a / b "},
	{"utf8 kept", S("/"), S("\xc3\xa9t\xc3\xa9"), BIG, FTP_OK, "/\xc3\xa9t\xc3\xa9"},
	{"root and empty", S("/"), S(""), BIG, FTP_OK, "/"},
	{"empty cwd and arg", S(""), S(""), BIG, FTP_OK, "/"},
	{"empty cwd", S(""), S("a"), BIG, FTP_OK, "/a"},
	{"relative cwd", S("a/b"), S("c"), BIG, FTP_OK, "/a/b/c"},
	{"relative cwd above root", S("a/../.."), S("x"), BIG, FTP_OK, "/x"},
	{"unnormalised cwd", S("//a//./b/"), S("c"), BIG, FTP_OK, "/a/b/c"},
	{"cwd with dotdot", S("/a/../b"), S("c"), BIG, FTP_OK, "/b/c"},
	{"nul in arg", S("/"), S("a\0b"), BIG, FTP_ENUL, NULL},
	{"nul arg", S("/"), S("\0"), BIG, FTP_ENUL, NULL},
	{"nul in cwd", S("/a\0"), S("b"), BIG, FTP_ENUL, NULL},
	{"nul in cwd, absolute arg", S("/a\0"), S("/b"), BIG, FTP_ENUL, NULL},
	{"cap exact", S("/"), S("abc"), 5, FTP_OK, "/abc"},
	{"cap one short", S("/"), S("abc"), 4, FTP_ENOSPACE, NULL},
	{"cap 2 root", S("/"), S("../.."), 2, FTP_OK, "/"},
	{"cap 2 name", S("/"), S("a"), 2, FTP_ENOSPACE, NULL},
	{"cap 1", S("/"), S(""), 1, FTP_ENOSPACE, NULL},
	{"cap 0", S("/"), S(""), 0, FTP_ENOSPACE, NULL},
	/* Was a bug, fixed: the header says FTP_ENOSPACE "when it [the result] does not fit
	 * in cap", but vpath_join also fails when a path on the way (cwd, or arg
	 * before its "..") does not fit, although the result does: both cases
	 * below return FTP_ENOSPACE. */
	{"long on the way, short at the end", S("/"), S("abcdefghij/.."), 4, FTP_OK, "/"},
	{"cwd longer than cap, result fits", S("/a"), S(".."), 2, FTP_OK, "/"},
};

static void test_join(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(join_cases); i++) {
		const struct join_case *c = &join_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *res = malloc(BIG), *again = malloc(BIG), *dir = malloc(BIG);
		size_t len = 0, len2 = 0;

		assert_non_null(res);
		assert_non_null(again);
		assert_non_null(dir);
		CHECK_INT(&x, join(c->cwd, c->cwd_len, c->in, c->in_len, c->cap, res,
		                   &len), c->st);
		if (c->st == FTP_OK) {
			CHECK_STR(&x, res, c->want);
			CHECK_INT(&x, len, strlen(c->want));
			/* a normalised path is a fixed point */
			CHECK_INT(&x, join("/", 1, res, len, BIG, again, &len2), FTP_OK);
			CHECK_STR(&x, again, c->want);
			CHECK_INT(&x, join(res, len, "", 0, BIG, again, &len2), FTP_OK);
			CHECK_STR(&x, again, c->want);
			/* ".." from it is its dirname */
			CHECK_INT(&x, join(res, len, "..", 2, BIG, again, &len2), FTP_OK);
			CHECK_INT(&x, vpath_dirname(res, dir, BIG), FTP_OK);
			CHECK_STR(&x, again, dir);
		}
		free(res);
		free(again);
		free(dir);
	}
}

/* ---- long paths around VPATH_MAX ---- */

struct long_case {
	const char *name;
	size_t cwd_comps, cwd_comp_len; /* cwd: "/x..x" repeated */
	size_t arg_comps, arg_comp_len; /* arg: "y..y/" repeated */
	const char *arg_tail;           /* appended to arg */
	size_t cap;
	enum ftp_status st;
	size_t want_len;
};

static const struct long_case long_cases[] = {
	{"result of VPATH_MAX", 0, 0, 1, VPATH_MAX - 1, "", BIG, FTP_OK, VPATH_MAX},
	{"result of VPATH_MAX + 1", 0, 0, 1, VPATH_MAX, "", BIG, FTP_ETOOLONG, 0},
	{"two names to VPATH_MAX", 0, 0, 2, VPATH_MAX / 2 - 1, "", BIG, FTP_OK, VPATH_MAX},
	{"two names past VPATH_MAX", 0, 0, 2, VPATH_MAX / 2, "", BIG, FTP_ETOOLONG, 0},
	{"many short names to VPATH_MAX", 0, 0, VPATH_MAX / 2, 1, "", BIG, FTP_OK, VPATH_MAX},
	{"one short name too many", 0, 0, VPATH_MAX / 2 + 1, 1, "", BIG, FTP_ETOOLONG, 0},
	{"VPATH_MAX without room for NUL", 0, 0, 1, VPATH_MAX - 1, "", VPATH_MAX, FTP_ENOSPACE, 0},
	{"cwd plus arg past VPATH_MAX", 1, VPATH_MAX - 2, 1, 1, "", BIG, FTP_ETOOLONG, 0},
	{"cwd plus arg to VPATH_MAX", 1, VPATH_MAX - 3, 1, 1, "", BIG, FTP_OK, VPATH_MAX},
	{"long cwd, dotdot", 1, VPATH_MAX - 1, 0, 0, "..", BIG, FTP_OK, 1},
	{"long cwd, absolute arg", 1, VPATH_MAX - 1, 0, 0, "/a", BIG, FTP_OK, 2},
	/* Was a bug, fixed: the result "/" is short, but the path on the way (4097 bytes)
	 * passes VPATH_MAX and vpath_join returns FTP_ETOOLONG; the header says
	 * FTP_ETOOLONG "when the result passes VPATH_MAX". */
	{"too long on the way only", 0, 0, 1, VPATH_MAX, "..", BIG, FTP_OK, 1},
};

static char *repeat_path(size_t comps, size_t comp_len, char fill, bool lead_slash,
                         const char *tail, size_t *len)
{
	size_t n = comps * (comp_len + 1) + strlen(tail), o = 0;
	char *p = malloc(n ? n : 1);

	assert_non_null(p);
	for (size_t k = 0; k < comps; k++) {
		if (lead_slash)
			p[o++] = '/';
		memset(p + o, fill, comp_len);
		o += comp_len;
		if (!lead_slash)
			p[o++] = '/';
	}
	memcpy(p + o, tail, strlen(tail));
	*len = n;
	return p;
}

static void test_long(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(long_cases); i++) {
		const struct long_case *c = &long_cases[i];
		size_t cwd_len, arg_len, len = 0;
		char *cwd = repeat_path(c->cwd_comps, c->cwd_comp_len, 'x', true, "", &cwd_len);
		char *arg = repeat_path(c->arg_comps, c->arg_comp_len, 'y', false, c->arg_tail,
		                        &arg_len);
		char *res = malloc(BIG);
		const struct ctx x = {c->name, c->arg_tail, strlen(c->arg_tail)};

		assert_non_null(res);
		CHECK_INT(&x, join(cwd, cwd_len, arg, arg_len, c->cap, res, &len),
		          c->st);
		if (c->st == FTP_OK) {
			CHECK_INT(&x, len, c->want_len);
			CHECK_INT(&x, strlen(res), c->want_len);
			CHECK_INT(&x, res[0], '/');
			CHECK_INT(&x, len > 1 && res[len - 1] == '/', false);
		}
		free(cwd);
		free(arg);
		free(res);
	}
}

/* ---- vpath_relative, vpath_basename, vpath_dirname ---- */

struct parts_case {
	const char *name;
	const char *in; /* a normalised path */
	size_t in_len;
	const char *rel, *base, *dir;
};

static const struct parts_case parts_cases[] = {
	{"root", S("/"), ".", "/", "/"},
	{"one name", S("/a"), "a", "a", "/"},
	{"two names", S("/a/b"), "a/b", "b", "/a"},
	{"three names", S("/a/b/c"), "a/b/c", "c", "/a/b"},
	{"three dots", S("/..."), "...", "...", "/"},
	{"spaces", S("/a b/c d"), "a b/c d", "c d", "/a b"},
	{"hidden", S("/home/.ssh"), "home/.ssh", ".ssh", "/home"},
	{"long names", S("/abcdef/ghijkl"), "abcdef/ghijkl", "ghijkl", "/abcdef"},
};

static void test_parts(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(parts_cases); i++) {
		const struct parts_case *c = &parts_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len + 1); /* with its NUL */
		char *dir = malloc(strlen(c->dir) + 1);     /* exactly enough */

		assert_non_null(dir);
		CHECK_STR(&x, vpath_relative(in), c->rel);
		CHECK_STR(&x, vpath_basename(in), c->base);
		CHECK_INT(&x, vpath_dirname(in, dir, strlen(c->dir) + 1), FTP_OK);
		CHECK_STR(&x, dir, c->dir);
		/* one byte less does not fit */
		CHECK_INT(&x, vpath_dirname(in, dir, strlen(c->dir)), FTP_ENOSPACE);
		free(in);
		free(dir);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_join),
		cmocka_unit_test(test_long),
		cmocka_unit_test(test_parts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
