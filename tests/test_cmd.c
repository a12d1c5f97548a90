/* test_cmd.c - the command table, verb lookup, line parsing, argument policy.
 * Lines are copied into heap buffers of their exact size (no NUL after
 * them), so ASan reports any read past the (pointer, length) given. */
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

#include "ftplab/cmd.h"

#define S(x) x, sizeof(x) - 1
#define COUNT(a) (sizeof(a) / sizeof((a)[0]))

/* ---- cmd_parse ---- */

struct parse_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_status st;
	const char *verb;  /* upper-cased, truncated; checked on every status */
	/* checked on FTP_OK: */
	enum ftp_cmd cmd;
	bool alias;
	bool has_arg;
	const char *arg;   /* expected argument bytes (arg_len of them) */
	size_t arg_len;
	size_t arg_off;    /* where the argument starts in the line */
};

#define NOARG false, "", 0, 0
#define ARG(x, off) true, x, sizeof(x) - 1, off

static const struct parse_case parse_cases[] = {
	{"arg with inner and trailing spaces", S("RETR file name with  spaces "), FTP_OK, "RETR",
	 FTP_CMD_RETR, false, ARG("file name with  spaces ", 5)},
	{"lower case", S("retr x"), FTP_OK, "RETR", FTP_CMD_RETR, false, ARG("x", 5)},
	{"mixed case", S("ReTr x"), FTP_OK, "RETR", FTP_CMD_RETR, false, ARG("x", 5)},
	{"no arg", S("RETR"), FTP_OK, "RETR", FTP_CMD_RETR, false, NOARG},
	{"three letters", S("PWD"), FTP_OK, "PWD", FTP_CMD_PWD, false, NOARG},
	{"XCWD", S("XCWD /tmp"), FTP_OK, "XCWD", FTP_CMD_CWD, true, ARG("/tmp", 5)},
	{"XPWD", S("XPWD"), FTP_OK, "XPWD", FTP_CMD_PWD, true, NOARG},
	{"xmkd lower", S("xmkd d"), FTP_OK, "XMKD", FTP_CMD_MKD, true, ARG("d", 5)},
	{"XRMD", S("XRMD d"), FTP_OK, "XRMD", FTP_CMD_RMD, true, ARG("d", 5)},
	{"XCUP", S("XCUP"), FTP_OK, "XCUP", FTP_CMD_CDUP, true, NOARG},
	{"CWD is not an alias", S("CWD /tmp"), FTP_OK, "CWD", FTP_CMD_CWD, false, ARG("/tmp", 4)},
	{"unknown verb", S("FOO"), FTP_OK, "FOO", FTP_CMD_UNKNOWN, false, NOARG},
	{"unknown verb with arg", S("FOO bar baz"), FTP_OK, "FOO", FTP_CMD_UNKNOWN, false,
	 ARG("bar baz", 4)},
	{"one letter", S("A"), FTP_OK, "A", FTP_CMD_UNKNOWN, false, NOARG},
	{"8 letters", S("ABCDEFGH"), FTP_OK, "ABCDEFGH", FTP_CMD_UNKNOWN, false, NOARG},
	{"prefix of a verb", S("RET x"), FTP_OK, "RET", FTP_CMD_UNKNOWN, false, ARG("x", 4)},
	{"verb plus a letter", S("RETRX x"), FTP_OK, "RETRX", FTP_CMD_UNKNOWN, false, ARG("x", 6)},
	{"only a space after verb", S("CWD "), FTP_OK, "CWD", FTP_CMD_CWD, false, false, "", 0, 4},
	{"two spaces after verb", S("CWD  "), FTP_OK, "CWD", FTP_CMD_CWD, false, ARG(" ", 4)},
	{"leading space in arg kept", S("STOR  a"), FTP_OK, "STOR", FTP_CMD_STOR, false,
	 ARG(" a", 5)},
	{"CR kept in arg", S("NOOP x\r"), FTP_OK, "NOOP", FTP_CMD_NOOP, false, ARG("x\r", 5)},
	{"8-bit arg kept", S("CWD \xc3\xa9\xff"), FTP_OK, "CWD", FTP_CMD_CWD, false,
	 ARG("\xc3\xa9\xff", 4)},
	{"password", S("PASS secret word"), FTP_OK, "PASS", FTP_CMD_PASS, false,
	 ARG("secret word", 5)},
	{"empty", S(""), FTP_EEMPTY, "", FTP_CMD_UNKNOWN, false, NOARG},
	{"nul in arg", S("RETR a\0b"), FTP_ENUL, "RETR", FTP_CMD_UNKNOWN, false, NOARG},
	{"nul at end", S("NOOP x\0"), FTP_ENUL, "NOOP", FTP_CMD_UNKNOWN, false, NOARG},
	{"9 letters", S("ABCDEFGHI"), FTP_ETOOLONG, "ABCDEFGH", FTP_CMD_UNKNOWN, false, NOARG},
	{"9 letters lower with arg", S("abcdefghi x"), FTP_ETOOLONG, "ABCDEFGH", FTP_CMD_UNKNOWN,
	 false, NOARG},
	{"long verb and nul", S("ABCDEFGHIJ\0"), FTP_ENUL, "ABCDEFGH", FTP_CMD_UNKNOWN, false,
	 NOARG},
	{"digit in verb", S("RE1R"), FTP_ESYNTAX, "RE1R", FTP_CMD_UNKNOWN, false, NOARG},
	{"digit in verb with arg", S("re1r x"), FTP_ESYNTAX, "RE1R", FTP_CMD_UNKNOWN, false,
	 NOARG},
	{"leading space", S(" RETR x"), FTP_ESYNTAX, "", FTP_CMD_UNKNOWN, false, NOARG},
	{"tab after verb", S("RETR\tx"), FTP_ESYNTAX, "RETR\tX", FTP_CMD_UNKNOWN, false, NOARG},
	{"8-bit verb", S("R\xc3\xa9TR x"), FTP_ESYNTAX, "R\xc3\xa9TR", FTP_CMD_UNKNOWN, false,
	 NOARG},
};

static void test_parse(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(parse_cases); i++) {
		const struct parse_case *c = &parse_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct cmd_parsed pc;

		memset(&pc, 0xa5, sizeof(pc));
		CHECK_INT(&x, cmd_parse(in, c->in_len, &pc), c->st);
		CHECK_INT(&x, pc.verb_len, strlen(c->verb));
		CHECK_INT(&x, pc.verb[pc.verb_len], '\0');
		CHECK_STR(&x, pc.verb, c->verb);
		if (c->st == FTP_OK) {
			CHECK_INT(&x, pc.cmd, c->cmd);
			CHECK_INT(&x, pc.alias, c->alias);
			CHECK_INT(&x, pc.has_arg, c->has_arg);
			CHECK_INT(&x, pc.arg_len, c->arg_len);
			if (c->arg_len > 0) {
				CHECK_INT(&x, pc.arg == in + c->arg_off, true);
				if (memcmp(pc.arg, c->arg, c->arg_len) != 0)
					FAIL(&x, "%s: wrong argument bytes", c->name);
			}
		}
		free(in);
	}
}

/* ---- cmd_check_arg ---- */

struct check_case {
	const char *name;
	const char *in; /* a line that cmd_parse takes */
	size_t in_len;
	enum ftp_status st;
};

static const struct check_case check_cases[] = {
	{"none: PWD", S("PWD"), FTP_OK},
	{"none: PWD and a space", S("PWD "), FTP_OK},
	{"none: PWD and spaces", S("PWD   "), FTP_OK},
	{"none: PWD x", S("PWD x"), FTP_ESYNTAX},
	{"none: PWD spaces then x", S("PWD   x"), FTP_ESYNTAX},
	{"none: XPWD x", S("XPWD x"), FTP_ESYNTAX},
	{"none: CDUP x", S("CDUP x"), FTP_ESYNTAX},
	{"none: NOOP x", S("NOOP x"), FTP_ESYNTAX},
	{"none: QUIT bye", S("QUIT bye"), FTP_ESYNTAX},
	{"required: CWD", S("CWD"), FTP_EEMPTY},
	{"required: CWD and a space", S("CWD "), FTP_EEMPTY},
	{"required: XCWD", S("XCWD"), FTP_EEMPTY},
	{"required: USER", S("USER"), FTP_EEMPTY},
	{"required: CWD /", S("CWD /"), FTP_OK},
	{"required: RETR a b", S("RETR a b"), FTP_OK},
	{"optional: LIST", S("LIST"), FTP_OK},
	{"optional: LIST -la", S("LIST -la"), FTP_OK},
	{"optional: PASS", S("PASS"), FTP_OK},
	{"optional: EPSV ALL", S("EPSV ALL"), FTP_OK},
	{"unknown verb", S("FOO x"), FTP_OK},
};

static void test_check_arg(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(check_cases); i++) {
		const struct check_case *c = &check_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		struct cmd_parsed pc;

		CHECK_INT(&x, cmd_parse(in, c->in_len, &pc), FTP_OK);
		CHECK_INT(&x, cmd_check_arg(&pc), c->st);
		free(in);
	}
}

/* ---- the table ---- */

struct info_case {
	const char *name;
	enum ftp_cmd cmd;
	enum cmd_arg arg;
	unsigned flags;
	enum ftp_xfer xfer;
};

#define LP (CMD_F_LOGIN | CMD_F_PATH)

static const struct info_case info_cases[] = {
	{"RETR", FTP_CMD_RETR, CMD_ARG_REQUIRED, LP, FTP_XFER_DOWNLOAD},
	{"STOR", FTP_CMD_STOR, CMD_ARG_REQUIRED, LP, FTP_XFER_UPLOAD},
	{"STOU", FTP_CMD_STOU, CMD_ARG_OPTIONAL, LP, FTP_XFER_UPLOAD},
	{"APPE", FTP_CMD_APPE, CMD_ARG_REQUIRED, LP, FTP_XFER_UPLOAD},
	{"LIST", FTP_CMD_LIST, CMD_ARG_OPTIONAL, LP, FTP_XFER_LISTING},
	{"NLST", FTP_CMD_NLST, CMD_ARG_OPTIONAL, LP, FTP_XFER_LISTING},
	{"MLSD", FTP_CMD_MLSD, CMD_ARG_OPTIONAL, LP, FTP_XFER_LISTING},
	{"MLST", FTP_CMD_MLST, CMD_ARG_OPTIONAL, LP, FTP_XFER_NONE},
	{"CWD", FTP_CMD_CWD, CMD_ARG_REQUIRED, LP, FTP_XFER_NONE},
	{"CDUP", FTP_CMD_CDUP, CMD_ARG_NONE, CMD_F_LOGIN, FTP_XFER_NONE},
	{"PWD", FTP_CMD_PWD, CMD_ARG_NONE, CMD_F_LOGIN, FTP_XFER_NONE},
	{"USER", FTP_CMD_USER, CMD_ARG_REQUIRED, 0, FTP_XFER_NONE},
	{"PASS", FTP_CMD_PASS, CMD_ARG_OPTIONAL, CMD_F_SECRET, FTP_XFER_NONE},
	{"ACCT", FTP_CMD_ACCT, CMD_ARG_REQUIRED, CMD_F_SECRET, FTP_XFER_NONE},
	{"QUIT", FTP_CMD_QUIT, CMD_ARG_NONE, CMD_F_ASYNC, FTP_XFER_NONE},
	{"ABOR", FTP_CMD_ABOR, CMD_ARG_NONE, CMD_F_ASYNC, FTP_XFER_NONE},
	{"STAT", FTP_CMD_STAT, CMD_ARG_OPTIONAL, LP | CMD_F_ASYNC, FTP_XFER_NONE},
	{"NOOP", FTP_CMD_NOOP, CMD_ARG_NONE, CMD_F_ASYNC, FTP_XFER_NONE},
	{"FEAT", FTP_CMD_FEAT, CMD_ARG_NONE, 0, FTP_XFER_NONE},
	{"HELP", FTP_CMD_HELP, CMD_ARG_OPTIONAL, 0, FTP_XFER_NONE},
	{"HOST", FTP_CMD_HOST, CMD_ARG_REQUIRED, 0, FTP_XFER_NONE},
	{"AUTH", FTP_CMD_AUTH, CMD_ARG_REQUIRED, CMD_F_SECURITY, FTP_XFER_NONE},
	{"PORT", FTP_CMD_PORT, CMD_ARG_REQUIRED, CMD_F_LOGIN, FTP_XFER_NONE},
	{"EPSV", FTP_CMD_EPSV, CMD_ARG_OPTIONAL, CMD_F_LOGIN, FTP_XFER_NONE},
};

static void test_info(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(info_cases); i++) {
		const struct info_case *c = &info_cases[i];
		const struct ctx x = {c->name, c->name, strlen(c->name)};
		const struct cmd_info *ci = cmd_info(c->cmd);

		CHECK_STR(&x, ci->name, c->name);
		CHECK_INT(&x, ci->arg, c->arg);
		CHECK_INT(&x, ci->flags, c->flags);
		CHECK_INT(&x, ci->xfer, c->xfer);
		CHECK_INT(&x, cmd_lookup(c->name, strlen(c->name), NULL), c->cmd);
	}
}

/* Properties every row of the table must have. */
static void test_table_rows(void **state)
{
	(void)state;
	for (int i = 1; i < FTP_CMD__COUNT; i++) {
		enum ftp_cmd cmd = (enum ftp_cmd)i;
		const struct cmd_info *ci = cmd_info(cmd);
		const struct ctx x = {ci->name, ci->name, strlen(ci->name)};
		char lower[CMD_VERB_MAX + 1];
		size_t n = strlen(ci->name);
		bool alias = true;

		CHECK_INT(&x, n >= 3 && n <= 4, true);
		CHECK_STR(&x, cmd_name(cmd), ci->name);
		CHECK_INT(&x, cmd_lookup(ci->name, n, &alias), cmd);
		CHECK_INT(&x, alias, false);
		for (size_t k = 0; k <= n; k++)
			lower[k] = (char)(ci->name[k] >= 'A' && ci->name[k] <= 'Z' ?
			                  ci->name[k] - 'A' + 'a' : ci->name[k]);
		CHECK_INT(&x, cmd_lookup(lower, n, NULL), cmd);
		/* a prefix is another word */
		CHECK_INT(&x, cmd_lookup(ci->name, n - 1, NULL) == cmd, false);
		/* a data connection is for a logged-in user, with a path */
		if (ci->xfer != FTP_XFER_NONE)
			CHECK_INT(&x, ci->flags & LP, LP);
		/* only PASS and ACCT carry secrets */
		CHECK_INT(&x, (ci->flags & CMD_F_SECRET) != 0,
		          cmd == FTP_CMD_PASS || cmd == FTP_CMD_ACCT);
		/* only ABOR, STAT, QUIT and NOOP run during a transfer */
		CHECK_INT(&x, (ci->flags & CMD_F_ASYNC) != 0,
		          cmd == FTP_CMD_ABOR || cmd == FTP_CMD_STAT || cmd == FTP_CMD_QUIT ||
		          cmd == FTP_CMD_NOOP);
	}
}

/* ---- cmd_lookup and out-of-range values ---- */

struct lookup_case {
	const char *name;
	const char *in;
	size_t in_len;
	enum ftp_cmd cmd;
	bool alias;
};

static const struct lookup_case lookup_cases[] = {
	{"RETR", S("RETR"), FTP_CMD_RETR, false},
	{"retr", S("retr"), FTP_CMD_RETR, false},
	{"XCUP", S("XCUP"), FTP_CMD_CDUP, true},
	{"xcwd", S("xcwd"), FTP_CMD_CWD, true},
	{"XMKD", S("XMKD"), FTP_CMD_MKD, true},
	{"XPWD", S("XPWD"), FTP_CMD_PWD, true},
	{"XRMD", S("XRMD"), FTP_CMD_RMD, true},
	{"XRETR", S("XRETR"), FTP_CMD_UNKNOWN, false},
	{"empty", S(""), FTP_CMD_UNKNOWN, false},
	{"?", S("?"), FTP_CMD_UNKNOWN, false},
	{"RET", S("RET"), FTP_CMD_UNKNOWN, false},
	{"RETRR", S("RETRR"), FTP_CMD_UNKNOWN, false},
	{"length stops the word", S("RETRIEVE"), FTP_CMD_UNKNOWN, false},
	{"nul inside", S("RE\0R"), FTP_CMD_UNKNOWN, false},
};

static void test_lookup(void **state)
{
	(void)state;
	for (size_t i = 0; i < COUNT(lookup_cases); i++) {
		const struct lookup_case *c = &lookup_cases[i];
		const struct ctx x = {c->name, c->in, c->in_len};
		char *in = dup_exact(c->in, c->in_len);
		bool alias = !c->alias;

		CHECK_INT(&x, cmd_lookup(in, c->in_len, &alias), c->cmd);
		CHECK_INT(&x, alias, c->alias);
		CHECK_INT(&x, cmd_lookup(in, c->in_len, NULL), c->cmd);
		free(in);
	}
	/* the length given is what counts, not a NUL */
	assert_int_equal(cmd_lookup("RETRIEVE", 4, NULL), FTP_CMD_RETR);
}

static void test_unknown_and_out_of_range(void **state)
{
	static const unsigned values[] = {FTP_CMD_UNKNOWN, FTP_CMD__COUNT, FTP_CMD__COUNT + 1,
	                                  1000, UINT32_MAX};
	const struct cmd_info *unknown = cmd_info(FTP_CMD_UNKNOWN);

	(void)state;
	assert_non_null(unknown);
	assert_string_equal(unknown->name, "?");
	assert_int_equal(unknown->xfer, FTP_XFER_NONE);
	assert_int_equal(unknown->flags, 0);
	for (size_t i = 0; i < COUNT(values); i++) {
		enum ftp_cmd cmd = (enum ftp_cmd)values[i];

		if (cmd_info(cmd) != unknown || strcmp(cmd_name(cmd), "?") != 0)
			fail_msg("value %u is not the unknown command", values[i]);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse),
		cmocka_unit_test(test_check_arg),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_table_rows),
		cmocka_unit_test(test_lookup),
		cmocka_unit_test(test_unknown_and_out_of_range),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
