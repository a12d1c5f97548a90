/* test_listfmt.c - LIST lines (file types, special bits, recent/old/future
 * dates, wide fields, hostile names), MLSx facts, OPTS MLST, FEAT, MDTM and
 * MFMT times, LIST option words. Every formatter case is also written into
 * buffers one byte too small, of one byte and of none, with a canary after
 * the given capacity. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "listfmt.h"

#define S(x) x, sizeof(x) - 1
#define NOW ((time_t)1795694400)   /* 2026-11-26 12:00:00 UTC */
#define T0 ((time_t)1795666320)    /* 2026-11-26 04:12:00 UTC */
#define HALF_YEAR ((time_t)15778476)
#define GIB5 5368709120LL
#define CANARY 0x5a
#define ALL LISTFMT_FACTS_ALL
#define F_T LISTFMT_FACT_TYPE
#define F_S LISTFMT_FACT_SIZE
#define F_M LISTFMT_FACT_MODIFY
#define F_P LISTFMT_FACT_PERM
#define F_U LISTFMT_FACT_UNIQUE
#define W LISTFMT_PERM_WRITE

/* One formatter call: writes into buf[0..cap), returns the length. */
typedef size_t (*fmt_fn)(char *buf, size_t cap, const void *arg);

/* want is written exactly with room for its NUL; with less room the
 * formatter returns 0, leaves "" and touches nothing past cap. */
static void check_format(const char *name, fmt_fn fn, const void *arg, const char *want,
                         size_t want_len)
{
	size_t caps[] = {want_len + 1, want_len + 64, want_len, want_len / 2, 1, 0};

	for (size_t k = 0; k < sizeof(caps) / sizeof(caps[0]); k++) {
		size_t cap = caps[k], slack = 16;
		char *buf = malloc(cap + slack);
		bool fits = cap > want_len;
		size_t got;

		assert_non_null(buf);
		memset(buf, CANARY, cap + slack);
		got = fn(buf, cap, arg);
		if (fits && (got != want_len || memcmp(buf, want, want_len) != 0 ||
		             buf[want_len] != '\0'))
			fail_msg("%s (cap %zu): got %zu '%.*s', want %zu '%s'", name, cap, got,
			         (int)got, buf, want_len, want);
		if (!fits && (got != 0 || (cap > 0 && buf[0] != '\0')))
			fail_msg("%s (cap %zu): returned %zu, want 0 and \"\"", name, cap, got);
		for (size_t i = cap; i < cap + slack; i++) {
			if ((unsigned char)buf[i] != CANARY)
				fail_msg("%s (cap %zu): wrote byte %zu", name, cap, i);
		}
		free(buf);
	}
}

struct ls_case {
	const char *name;
	mode_t mode;
	unsigned long nlink;
	long long size;
	time_t mtime;
	const char *fname;
	size_t fname_len;
	const char *want;
};

#define FT(x) (S_IFREG | (x))
#define DR(x) (S_IFDIR | (x))
#define LS(perm, links, size) perm " " links " ftp      ftp      " size " "

static const struct ls_case ls_cases[] = {
	{"dir", DR(0755), 2, 4096, T0, S("name"),
	 LS("drwxr-xr-x", "   2", "    4096") "Nov 26 04:12 name\r\n"},
	{"file", FT(0644), 1, 123, T0, S("f"),
	 LS("-rw-r--r--", "   1", "     123") "Nov 26 04:12 f\r\n"},
	{"symlink", S_IFLNK | 0777, 1, 6, T0, S("l -> target"),
	 LS("lrwxrwxrwx", "   1", "       6") "Nov 26 04:12 l -> target\r\n"},
	{"chardev", S_IFCHR | 0620, 1, 0, T0, S("tty"),
	 LS("crw--w----", "   1", "       0") "Nov 26 04:12 tty\r\n"},
	{"blockdev", S_IFBLK | 0660, 1, 0, T0, S("sda"),
	 LS("brw-rw----", "   1", "       0") "Nov 26 04:12 sda\r\n"},
	{"fifo", S_IFIFO | 0600, 1, 0, T0, S("p"),
	 LS("prw-------", "   1", "       0") "Nov 26 04:12 p\r\n"},
	{"socket", S_IFSOCK | 0755, 1, 0, T0, S("s"),
	 LS("srwxr-xr-x", "   1", "       0") "Nov 26 04:12 s\r\n"},
	{"setuid", FT(04755), 1, 1, T0, S("x"),
	 LS("-rwsr-xr-x", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"setuid no x", FT(04644), 1, 1, T0, S("x"),
	 LS("-rwSr--r--", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"setgid", FT(02755), 1, 1, T0, S("x"),
	 LS("-rwxr-sr-x", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"setgid no x", FT(02644), 1, 1, T0, S("x"),
	 LS("-rw-r-Sr--", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"sticky", DR(01777), 3, 4096, T0, S("tmp"),
	 LS("drwxrwxrwt", "   3", "    4096") "Nov 26 04:12 tmp\r\n"},
	{"sticky no x", DR(01770), 3, 4096, T0, S("t"),
	 LS("drwxrwx--T", "   3", "    4096") "Nov 26 04:12 t\r\n"},
	{"all special", FT(07777), 1, 1, T0, S("x"),
	 LS("-rwsrwsrwt", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"all special no x", FT(07666), 1, 1, T0, S("x"),
	 LS("-rwSrwSrwT", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"mode 0", FT(0), 1, 1, T0, S("x"),
	 LS("----------", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"r w x apart", FT(0421), 1, 1, T0, S("x"),
	 LS("-r---w---x", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"w x r apart", FT(0214), 1, 1, T0, S("x"),
	 LS("--w---xr--", "   1", "       1") "Nov 26 04:12 x\r\n"},
	{"old", FT(0644), 1, 9, 1551607200, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Mar 03  2019 o\r\n"},
	{"six months exactly", FT(0644), 1, 9, NOW - HALF_YEAR, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "May 27  2026 o\r\n"},
	{"six months less 1s", FT(0644), 1, 9, NOW - HALF_YEAR + 1, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "May 27 21:05 o\r\n"},
	{"now", FT(0644), 1, 9, NOW, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Nov 26 12:00 o\r\n"},
	{"future 1h", FT(0644), 1, 9, NOW + 3600, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Nov 26 13:00 o\r\n"},
	{"future 1h+1s", FT(0644), 1, 9, NOW + 3601, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Nov 26  2026 o\r\n"},
	{"day zero-padded", FT(0644), 1, 9, 1793866140, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Nov 05 08:09 o\r\n"},
	{"epoch", FT(0644), 1, 9, 0, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Jan 01  1970 o\r\n"},
	{"before epoch", FT(0644), 1, 9, -1, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Dec 31  1969 o\r\n"},
	{"leap day", FT(0644), 1, 9, 1709164800, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Feb 29  2024 o\r\n"},
	{"2038", FT(0644), 1, 9, 2147483648, S("o"),
	 LS("-rw-r--r--", "   1", "       9") "Jan 19  2038 o\r\n"},
	{"size 8 digits", FT(0644), 1, 12345678, T0, S("m"),
	 LS("-rw-r--r--", "   1", "12345678") "Nov 26 04:12 m\r\n"},
	{"size > 4 GiB", FT(0644), 1, GIB5, T0, S("big"),
	 LS("-rw-r--r--", "   1", "5368709120") "Nov 26 04:12 big\r\n"},
	{"size max", FT(0644), 1, INT64_MAX, T0, S("huge"),
	 LS("-rw-r--r--", "   1", "9223372036854775807") "Nov 26 04:12 huge\r\n"},
	{"links 4 digits", DR(0755), 9999, 4096, T0, S("d"),
	 LS("drwxr-xr-x", "9999", "    4096") "Nov 26 04:12 d\r\n"},
	{"links 5 digits", DR(0755), 12345, 4096, T0, S("d"),
	 LS("drwxr-xr-x", "12345", "    4096") "Nov 26 04:12 d\r\n"},
	{"name with spaces", FT(0644), 1, 1, T0, S(" my  file.txt "),
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12  my  file.txt \r\n"},
	{"name with crlf", FT(0644), 1, 1, T0, S("a\r\nb"),
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12 a??b\r\n"},
	{"name with lf", FT(0644), 1, 1, T0, S("a\n"),
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12 a?\r\n"},
	{"name with nul", FT(0644), 1, 1, T0, S("a\0b"),
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12 a?b\r\n"},
	{"name utf-8 and 0xff", FT(0644), 1, 1, T0, S("\xc3\xa9t\xc3\xa9\xff"),
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12 \xc3\xa9t\xc3\xa9\xff\r\n"},
	{"empty name", FT(0644), 1, 1, T0, "", 0,
	 LS("-rw-r--r--", "   1", "       1") "Nov 26 04:12 \r\n"},
};

static size_t call_ls(char *buf, size_t cap, const void *arg)
{
	const struct ls_case *c = arg;
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = c->mode;
	st.st_nlink = c->nlink;
	st.st_size = c->size;
	st.st_mtime = c->mtime;
	return listfmt_ls(buf, cap, &st, c->fname, c->fname_len, NOW);
}

static void test_ls(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(ls_cases) / sizeof(ls_cases[0]); i++)
		check_format(ls_cases[i].name, call_ls, &ls_cases[i], ls_cases[i].want,
		             strlen(ls_cases[i].want));
}

struct mlsx_case {
	const char *name;
	mode_t mode;
	long long size;
	time_t mtime;
	unsigned long long dev, ino;
	unsigned facts, perms;
	const char *type;
	const char *fname;
	size_t fname_len;
	const char *want;
};

#define FILE_ FT(0644), 123, T0, 0x803, 0x1b2
#define DIR_ DR(0755), 4096, T0, 0x803, 0x2
#define MOD "modify=20261126041200;"
#define OTHER(type, size) (type) | 0600, size, T0, 1, 2 /* mode size mtime dev ino */

static const struct mlsx_case mlsx_cases[] = {
	{"file all", FILE_, ALL, 0, NULL, S("f"),
	 "type=file;size=123;" MOD "perm=r;unique=803g1b2; f\r\n"},
	{"file all writable", FILE_, ALL, W, NULL, S("f"),
	 "type=file;size=123;" MOD "perm=adfrw;unique=803g1b2; f\r\n"},
	{"dir all", DIR_, ALL, 0, NULL, S("d"), "type=dir;" MOD "perm=el;unique=803g2; d\r\n"},
	{"dir all writable", DIR_, ALL, W, NULL, S("d"),
	 "type=dir;" MOD "perm=cdeflmp;unique=803g2; d\r\n"},
	{"cdir", DIR_, ALL, W, "cdir", S("."), "type=cdir;" MOD "perm=cdeflmp;unique=803g2; .\r\n"},
	{"pdir", DIR_, ALL, 0, "pdir", S(".."), "type=pdir;" MOD "perm=el;unique=803g2; ..\r\n"},
	{"override without type", DIR_, F_P, 0, "cdir", S("."), "perm=el; .\r\n"},
	{"no facts", FILE_, 0, W, NULL, S("f"), " f\r\n"},
	{"type", FILE_, F_T, 0, NULL, S("f"), "type=file; f\r\n"},
	{"size", FILE_, F_S, 0, NULL, S("f"), "size=123; f\r\n"},
	{"modify", FILE_, F_M, 0, NULL, S("f"), MOD " f\r\n"},
	{"perm", FILE_, F_P, 0, NULL, S("f"), "perm=r; f\r\n"},
	{"unique", FILE_, F_U, 0, NULL, S("f"), "unique=803g1b2; f\r\n"},
	{"type size", FILE_, F_T | F_S, 0, NULL, S("f"), "type=file;size=123; f\r\n"},
	{"modify unique", FILE_, F_M | F_U, 0, NULL, S("f"), MOD "unique=803g1b2; f\r\n"},
	{"dir size only", DIR_, F_S, 0, NULL, S("d"), " d\r\n"},
	{"dir size unique", DIR_, F_S | F_U, 0, NULL, S("d"), "unique=803g2; d\r\n"},
	{"symlink", OTHER(S_IFLNK, 6), F_T | F_S, 0, NULL, S("l"),
	 "type=OS.unix=symlink;size=6; l\r\n"},
	{"chardev", OTHER(S_IFCHR, 0), F_T, 0, NULL, S("c"), "type=OS.unix=chardev; c\r\n"},
	{"blockdev", OTHER(S_IFBLK, 0), F_T, 0, NULL, S("b"), "type=OS.unix=blockdev; b\r\n"},
	{"fifo", OTHER(S_IFIFO, 0), F_T, 0, NULL, S("p"), "type=OS.unix=fifo; p\r\n"},
	{"socket", OTHER(S_IFSOCK, 0), F_T, 0, NULL, S("s"), "type=OS.unix=socket; s\r\n"},
	{"size > 4 GiB", OTHER(S_IFREG, GIB5), F_S, 0, NULL, S("big"), "size=5368709120; big\r\n"},
	{"size 0", OTHER(S_IFREG, 0), F_S, 0, NULL, S("e"), "size=0; e\r\n"},
	{"unique wide", FT(0644), 1, T0, 0xfd01, 0xffffffffffULL, F_U, 0, NULL, S("f"),
	 "unique=fd01gffffffffff; f\r\n"},
	{"unique zero", FT(0644), 1, T0, 0, 0, F_U, 0, NULL, S("f"), "unique=0g0; f\r\n"},
	{"modify epoch", FT(0644), 1, 0, 1, 2, F_M, 0, NULL, S("f"),
	 "modify=19700101000000; f\r\n"},
	{"modify year 10000 left out", FT(0644), 1, 253402300800, 1, 2, F_T | F_M, 0, NULL, S("f"),
	 "type=file; f\r\n"},
	{"name crlf nul", FILE_, F_T, 0, NULL, S("a\rb\nc\0d"), "type=file; a?b?c?d\r\n"},
	{"name with '; '", FILE_, F_T, 0, NULL, S("a; b=c;"), "type=file; a; b=c;\r\n"},
	{"name leading space", FILE_, F_T, 0, NULL, S(" x"), "type=file;  x\r\n"},
};

static size_t call_mlsx(char *buf, size_t cap, const void *arg)
{
	const struct mlsx_case *c = arg;
	struct stat st;

	memset(&st, 0, sizeof(st));
	st.st_mode = c->mode;
	st.st_size = c->size;
	st.st_mtime = c->mtime;
	st.st_dev = c->dev;
	st.st_ino = c->ino;
	return listfmt_mlsx(buf, cap, &st, c->fname, c->fname_len, c->facts, c->perms, c->type);
}

static void test_mlsx(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mlsx_cases) / sizeof(mlsx_cases[0]); i++)
		check_format(mlsx_cases[i].name, call_mlsx, &mlsx_cases[i], mlsx_cases[i].want,
		             strlen(mlsx_cases[i].want));
}

struct opts_case {
	const char *name;
	const char *arg;
	size_t len;
	int ret;
	unsigned facts; /* when ret == 0 */
};

static const struct opts_case opts_cases[] = {
	{"three", S("type;size;modify;"), 0, F_T | F_S | F_M},
	{"all", S("type;size;modify;perm;unique;"), 0, ALL},
	{"mixed case", S("TYPE;Size;MoDiFy;"), 0, F_T | F_S | F_M},
	{"no trailing ;", S("type;size"), 0, F_T | F_S},
	{"empty", "", 0, 0, 0},
	{"only ;", S(";"), 0, 0},
	{"unknown ignored", S("foo;type;media-type;"), 0, F_T},
	{"unknown only", S("UNIX.mode;charset;"), 0, 0},
	{"empty names", S("type;;size;;"), 0, F_T | F_S},
	{"blanks around", S(" type ; size\t;"), 0, F_T | F_S},
	{"longer name", S("types;"), 0, 0},
	{"prefix name", S("typ;siz;"), 0, 0},
	{"repeated", S("perm;perm;unique;"), 0, F_P | F_U},
	{"nul", S("type\0;size;"), -1, 0},
	{"crlf", S("type;\r\n"), -1, 0},
};

static void test_opts_mlst(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(opts_cases) / sizeof(opts_cases[0]); i++) {
		const struct opts_case *c = &opts_cases[i];
		unsigned facts = 0xdead;
		int ret = listfmt_parse_opts_mlst(c->arg, c->len, &facts);

		if (ret != c->ret || (ret == 0 && facts != c->facts) ||
		    (ret != 0 && facts != 0xdead))
			fail_msg("%s: got %d facts %#x, want %d %#x", c->name, ret, facts, c->ret,
			         c->facts);
	}
	/* n == 0 needs no text at all. */
	{
		unsigned facts = 1;

		assert_int_equal(listfmt_parse_opts_mlst(NULL, 0, &facts), 0);
		assert_int_equal(facts, 0);
	}
}

struct facts_text_case {
	const char *name;
	size_t (*fn)(char *buf, size_t cap, unsigned facts);
	unsigned facts;
	const char *want;
};

static const struct facts_text_case facts_text_cases[] = {
	{"feat all", listfmt_feat_mlst, ALL, "MLST type*;size*;modify*;perm*;unique*;"},
	{"feat none", listfmt_feat_mlst, 0, "MLST type;size;modify;perm;unique;"},
	{"feat three", listfmt_feat_mlst, F_T | F_S | F_M, "MLST type*;size*;modify*;perm;unique;"},
	{"feat unique", listfmt_feat_mlst, F_U, "MLST type;size;modify;perm;unique*;"},
	{"reply all", listfmt_opts_mlst_reply, ALL, "MLST OPTS type;size;modify;perm;unique;"},
	{"reply none", listfmt_opts_mlst_reply, 0, "MLST OPTS"},
	{"reply two", listfmt_opts_mlst_reply, F_S | F_U, "MLST OPTS size;unique;"},
	{"reply unknown bits", listfmt_opts_mlst_reply, 0x100, "MLST OPTS"},
};

static size_t call_facts_text(char *buf, size_t cap, const void *arg)
{
	const struct facts_text_case *c = arg;

	return c->fn(buf, cap, c->facts);
}

static void test_facts_text(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(facts_text_cases) / sizeof(facts_text_cases[0]); i++)
		check_format(facts_text_cases[i].name, call_facts_text, &facts_text_cases[i],
		             facts_text_cases[i].want, strlen(facts_text_cases[i].want));
}

struct mdtm_case {
	const char *name;
	time_t t;
	const char *want; /* "" when it cannot be written */
};

static const struct mdtm_case mdtm_cases[] = {
	{"epoch", 0, "19700101000000"},
	{"t0", T0, "20261126041200"},
	{"before epoch", -1, "19691231235959"},
	{"leap day", 1709164800, "20240229000000"},
	{"2000 leap day", 951782400, "20000229000000"},
	{"2^31", 2147483648, "20380119031408"},
	{"2^32", 4294967296, "21060207062816"},
	{"last of 9999", 253402300799, "99991231235959"},
	{"year 10000", 253402300800, ""},
	{"year 0", -62167219200, "00000101000000"},
	{"year -1", -62167219201, ""},
	{"time_t max", INT64_MAX, ""},
	{"time_t min", INT64_MIN, ""},
};

static size_t call_mdtm(char *buf, size_t cap, const void *arg)
{
	return listfmt_mdtm(buf, cap, ((const struct mdtm_case *)arg)->t);
}

static void test_mdtm(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(mdtm_cases) / sizeof(mdtm_cases[0]); i++) {
		const struct mdtm_case *c = &mdtm_cases[i];
		char buf[64];

		if (c->want[0] != '\0') {
			check_format(c->name, call_mdtm, c, c->want, strlen(c->want));
			continue;
		}
		memset(buf, CANARY, sizeof(buf));
		if (listfmt_mdtm(buf, sizeof(buf), c->t) != 0 || buf[0] != '\0')
			fail_msg("%s: written as '%s', want nothing", c->name, buf);
	}
}

struct time_case {
	const char *name;
	const char *text;
	size_t len;
	int ret;
	time_t t; /* when ret == 0 */
};

static const struct time_case time_cases[] = {
	{"epoch", S("19700101000000"), 0, 0},
	{"t0", S("20261126041200"), 0, T0},
	{"leap day 2024", S("20240229000000"), 0, 1709164800},
	{"not leap 2023", S("20230229000000"), -1, 0},
	{"leap 2000", S("20000229000000"), 0, 951782400},
	{"not leap 1900", S("19000229000000"), -1, 0},
	{"before epoch", S("19691231235959"), 0, -1},
	{"2^31", S("20380119031408"), 0, 2147483648},
	{"2^32", S("21060207062816"), 0, 4294967296},
	{"last of 9999", S("99991231235959"), 0, 253402300799},
	{"year 1", S("00010101000000"), 0, -62135596800},
	{"fraction", S("20261126041200.123"), 0, T0},
	{"fraction one digit", S("20261126041200.9"), 0, T0},
	{"fraction long", S("20261126041200.123456789012345678901234567890"), 0, T0},
	{"dot alone", S("20261126041200."), -1, 0},
	{"fraction not digits", S("20261126041200.12a"), -1, 0},
	{"comma fraction", S("20261126041200,5"), -1, 0},
	{"13 digits", S("2026112604120"), -1, 0},
	{"15 digits", S("202611260412000"), -1, 0},
	{"empty", "", 0, -1, 0},
	{"month 0", S("20260026041200"), -1, 0},
	{"month 13", S("20261326041200"), -1, 0},
	{"day 0", S("20261100041200"), -1, 0},
	{"nov 31", S("20261131041200"), -1, 0},
	{"dec 31", S("20261231000000"), 0, 1798675200},
	{"hour 24", S("20261126241200"), -1, 0},
	{"minute 60", S("20261126046000"), -1, 0},
	{"leap second", S("20261126041260"), 0, T0 + 60},
	{"second 61", S("20261126041261"), -1, 0},
	{"punctuated", S("2026-11-26 04:"), -1, 0},
	{"sign", S("+0261126041200"), -1, 0},
	{"trailing nul", S("20261126041200\0"), -1, 0},
	{"trailing space", S("20261126041200 "), -1, 0},
};

static void test_parse_time(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(time_cases) / sizeof(time_cases[0]); i++) {
		const struct time_case *c = &time_cases[i];
		char *p = malloc(c->len + 1); /* exactly the text: reads past it are caught */
		time_t t = 12345;
		int ret;

		assert_non_null(p);
		memcpy(p, c->text, c->len);
		ret = listfmt_parse_time(p, c->len, &t);
		if (ret != c->ret || (ret == 0 && t != c->t) || (ret != 0 && t != 12345))
			fail_msg("%s: got %d t %lld, want %d %lld", c->name, ret, (long long)t,
			         c->ret, (long long)c->t);
		free(p);
	}
}

/* MDTM and MFMT agree: every written time reads back as itself. */
static void test_time_round_trip(void **state)
{
	static const time_t ts[] = {0, 1, 59, 86399, 86400, 951782399, 951782400, 1709164800,
	                            T0, 2147483647, 2147483648, 4294967296, 253402300799, -1,
	                            -86401, -62167219200};
	(void)state;
	for (size_t i = 0; i < sizeof(ts) / sizeof(ts[0]); i++) {
		char buf[LISTFMT_TIME_LEN + 1];
		time_t back = 0;

		assert_int_equal(listfmt_mdtm(buf, sizeof(buf), ts[i]), LISTFMT_TIME_LEN);
		if (listfmt_parse_time(buf, LISTFMT_TIME_LEN, &back) != 0 || back != ts[i])
			fail_msg("%lld: '%s' read back as %lld", (long long)ts[i], buf,
			         (long long)back);
	}
}

struct split_case {
	const char *name;
	const char *arg;
	unsigned flags;
	const char *path;
};

#define OA LISTFMT_OPT_ALL
#define OL LISTFMT_OPT_LONG

static const struct split_case split_cases[] = {
	{"-la path", "-la /x", OA | OL, "/x"},
	{"-l alone", "-l", OL, ""},
	{"empty", "", 0, ""},
	{"-my file", "-my file", 0, "-my file"},
	{"dir name", "dir name", 0, "dir name"},
	{"-a -l x", "-a -l x", OA | OL, "x"},
	{"-al", "-al", OA | OL, ""},
	{"-a", "-a", OA, ""},
	{"other letters", "-RtF sub", 0, "sub"},
	{"-A is not -a", "-A", 0, ""},
	{"dash alone", "-", 0, "-"},
	{"double dash", "--", 0, "--"},
	{"dash digit", "-1", 0, "-1"},
	{"dash dot", "-l -x.txt", OL, "-x.txt"},
	{"option then blanks", "-l  spaced name  ", OL, "spaced name  "},
	{"trailing blank", "-la ", OA | OL, ""},
	{"leading blanks", "  /x", 0, "/x"},
	{"tab", "-a\t/x", OA, "/x"},
	{"option after path", "x -l", 0, "x -l"},
	{"option-like after path", "-l x -a", OL, "x -a"},
	{"unknown letter", "-laz /x", 0, "-laz /x"},
};

static void test_split_list_arg(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(split_cases) / sizeof(split_cases[0]); i++) {
		const struct split_case *c = &split_cases[i];
		size_t n = strlen(c->arg), plen = 99;
		char *arg = malloc(n + 1);
		const char *path = NULL;
		unsigned flags = 0xdead;

		assert_non_null(arg);
		memcpy(arg, c->arg, n); /* no NUL after it: reads past n are caught */
		listfmt_split_list_arg(arg, n, &flags, &path, &plen);
		if (flags != c->flags || path == NULL || plen != strlen(c->path) ||
		    memcmp(path, c->path, plen) != 0 || (plen > 0 && path != arg + n - plen))
			fail_msg("%s: got flags %#x path '%.*s', want %#x '%s'", c->name, flags,
			         path ? (int)plen : 0, path ? path : "", c->flags, c->path);
		free(arg);
	}
	{
		const char *path = NULL;
		size_t plen = 99;
		unsigned flags = 7;

		listfmt_split_list_arg(NULL, 0, &flags, &path, &plen);
		assert_int_equal(flags, 0);
		assert_non_null(path);
		assert_int_equal(plen, 0);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ls),
		cmocka_unit_test(test_mlsx),
		cmocka_unit_test(test_opts_mlst),
		cmocka_unit_test(test_facts_text),
		cmocka_unit_test(test_mdtm),
		cmocka_unit_test(test_parse_time),
		cmocka_unit_test(test_time_round_trip),
		cmocka_unit_test(test_split_list_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
