/* test_server_users.c - the virtual users file: line syntax, loading with its
 * bounds and errors, yescrypt hashing and log-in checks. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "users.h"

#define H "$y$j9T$salt$hash" /* shape only: these lines are never checked */
#define N64 "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789.-"
#define FIELDS_ERR(n) n " fields, want 4: name:crypt-hash:home:ro|rw"
#define NAME_ERR(v) "user name '" v "' is not 1..64 bytes of A-Z a-z 0-9 . _ @ -"

struct line_case {
	const char *line;
	size_t len;
	int rc;
	const char *want; /* rc 0: "name|hash|home|ro or rw"; rc -1: the error */
};

#define L(x) x, sizeof(x) - 1

static const struct line_case line_cases[] = {
	{L("alice:" H ":/home/alice:rw"), 0, "alice|" H "|/home/alice|rw"},
	{L("bob:$6$salt$xyz:/:ro"), 0, "bob|$6$salt$xyz|/|ro"},
	{L("a.b_c@d-e:" H ":/a/../b:ro"), 0, "a.b_c@d-e|" H "|/b|ro"},
	{L("u:" H "://srv//ftp/./pub/:rw"), 0, "u|" H "|/srv/ftp/pub|rw"},
	{L("u:" H ":/../..:ro"), 0, "u|" H "|/|ro"},
	{L("u:" H ":/home/with space:ro"), 0, "u|" H "|/home/with space|ro"},
	{L("locked:!:/:ro"), 0, "locked|!|/|ro"},
	{L("sha:$5$rounds=5000$salt$abc:/:ro"), 0, "sha|$5$rounds=5000$salt$abc|/|ro"},
	{L(N64 ":" H ":/:ro"), 0, N64 "|" H "|/|ro"},
	{L(""), 1, NULL},
	{L("  \t "), 1, NULL},
	{L("# alice:" H ":/:rw"), 1, NULL},
	{L("   #indented"), 1, NULL},
	{L(N64 "x:" H ":/:ro"), -1, NAME_ERR(N64 "x")},
	{L("al ice:" H ":/:ro"), -1, NAME_ERR("al ice")},
	{L("al/ice:" H ":/:ro"), -1, NAME_ERR("al/ice")},
	{L("\xc3\xa9lise:" H ":/:ro"), -1, NAME_ERR("\xc3\xa9lise")},
	{L("a\x1b[2J:" H ":/:ro"), -1, NAME_ERR("a\\x1b[2J")},
	{L(":" H ":/:ro"), -1, NAME_ERR("")},
	{L("alice"), -1, FIELDS_ERR("1")},
	{L("alice:" H ":/"), -1, FIELDS_ERR("3")},
	{L("alice:" H ":/:rw:extra"), -1, FIELDS_ERR("5")},
	{L("alice:" H ":/:rw:"), -1, FIELDS_ERR("5")},
	{L("alice::/:rw"), -1, "the password hash is empty"},
	{L("alice:$y$ x:/:rw"), -1,
	 "the password hash has a byte that is not printable ASCII at 4"},
	{L("alice:$y$\xc3\xa9:/:rw"), -1,
	 "the password hash has a byte that is not printable ASCII at 4"},
	{L("alice:" H "::rw"), -1, "home '' is not an absolute virtual path like /home/alice"},
	{L("alice:" H ":home/alice:rw"), -1,
	 "home 'home/alice' is not an absolute virtual path like /home/alice"},
	{L("alice:" H ":/a\tb:rw"), -1, "home '/a\\x09b' has a control byte"},
	{L("alice:" H ":/:RW"), -1, "mode 'RW' is not ro or rw"},
	{L("alice:" H ":/:r"), -1, "mode 'r' is not ro or rw"},
	{L("alice:" H ":/:"), -1, "mode '' is not ro or rw"},
	{L("alice:" H ":/:rw "), -1, "mode 'rw ' is not ro or rw"},
	{L("alice:" H ":/:rw\r"), -1, "mode 'rw\\x0d' is not ro or rw"},
	{L("alice:" H "\0:/:rw"), -1, "NUL byte in the line"},
	{L("#\0"), -1, "NUL byte in the line"},
};

static void test_parse_line_table(void **state)
{
	struct user_entry *e = malloc(sizeof(*e));
	char err[256], got[4500];

	(void)state;
	assert_non_null(e);
	for (size_t i = 0; i < sizeof(line_cases) / sizeof(line_cases[0]); i++) {
		const struct line_case *t = &line_cases[i];
		int rc;

		memset(e, 0x5a, sizeof(*e));
		strcpy(err, "untouched");
		rc = users_parse_line(t->line, t->len, e, err, sizeof(err));
		if (rc != t->rc)
			fail_msg("line case %zu: rc %d, want %d (err '%s')", i, rc, t->rc, err);
		if (rc == -1 && strcmp(err, t->want) != 0)
			fail_msg("line case %zu:\n got error '%s'\nwant error '%s'", i, err,
			         t->want);
		if (rc == 1 && e->name[0] != 0x5a)
			fail_msg("line case %zu: a blank line wrote the entry", i);
		if (rc != 0)
			continue;
		snprintf(got, sizeof(got), "%s|%s|%s|%s", e->name, e->hash, e->home,
		         e->rw ? "rw" : "ro");
		if (strcmp(got, t->want) != 0)
			fail_msg("line case %zu: got '%s', want '%s'", i, got, t->want);
	}
	free(e);
}

/* Field-length edges: a 255-byte hash fits, 256 does not; a home of
 * VPATH_MAX bytes fits, one more does not. */
static void test_parse_line_lengths(void **state)
{
	struct user_entry *e = malloc(sizeof(*e));
	char *line = malloc(8192);
	char err[256];
	int n;

	(void)state;
	assert_non_null(e);
	assert_non_null(line);
	memcpy(line, "u:", 2);
	memset(line + 2, 'x', 255);
	memcpy(line + 257, ":/:ro", 5);
	assert_int_equal(users_parse_line(line, 262, e, err, sizeof(err)), 0);
	assert_int_equal(strlen(e->hash), 255);
	memset(line + 2, 'x', 256);
	memcpy(line + 258, ":/:ro", 5);
	assert_int_equal(users_parse_line(line, 263, e, err, sizeof(err)), -1);
	assert_string_equal(err, "the password hash is longer than 255 bytes");

	n = sprintf(line, "u:" H ":");
	line[n++] = '/';
	memset(line + n, 'd', VPATH_MAX - 1);
	n += VPATH_MAX - 1;
	memcpy(line + n, ":rw", 3);
	assert_int_equal(users_parse_line(line, (size_t)n + 3, e, err, sizeof(err)), 0);
	assert_int_equal(strlen(e->home), VPATH_MAX);
	memmove(line + n + 1, line + n, 3);
	line[n] = 'd';
	assert_int_equal(users_parse_line(line, (size_t)n + 4, e, err, sizeof(err)), -1);
	assert_non_null(strstr(err, "...' is longer than 4096 bytes"));
	free(line);
	free(e);
}

/* Write data to a new temporary file; its name goes to path. */
static void write_temp(char *path, size_t cap, const char *data, size_t len)
{
	const char *dir = getenv("TMPDIR");
	int fd;

	snprintf(path, cap, "%s/ftplab-users-XXXXXX", dir != NULL && dir[0] ? dir : "/tmp");
	fd = mkstemp(path);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, data, len), (ssize_t)len);
	assert_int_equal(close(fd), 0);
}

static void test_hash_round_trip(void **state)
{
	struct user_entry u = {"alice", "", "/", true};
	char other[128];

	(void)state;
	assert_int_equal(users_hash_password("s3cret pass", u.hash, sizeof(u.hash)), 0);
	assert_memory_equal(u.hash, "$y$", 3);
	assert_true(users_check_password(&u, "s3cret pass"));
	assert_false(users_check_password(&u, "s3cret pasS"));
	assert_false(users_check_password(&u, "s3cret pas"));
	assert_false(users_check_password(&u, ""));
	assert_false(users_check_password(&u, NULL));
	assert_false(users_check_password(NULL, "s3cret pass"));
	/* A fresh salt each time. */
	assert_int_equal(users_hash_password("s3cret pass", other, sizeof(other)), 0);
	assert_string_not_equal(u.hash, other);
	/* Too small a buffer. */
	assert_int_equal(users_hash_password("x", other, 20), -1);
	/* The empty password is a password like any other. */
	assert_int_equal(users_hash_password("", u.hash, sizeof(u.hash)), 0);
	assert_true(users_check_password(&u, ""));
	assert_false(users_check_password(&u, " "));
	/* A cut hash matches nothing, not even what its prefix would. */
	assert_int_equal(users_hash_password("pw", u.hash, sizeof(u.hash)), 0);
	u.hash[strlen(u.hash) - 1] = '\0';
	assert_false(users_check_password(&u, "pw"));
	u.hash[strlen(u.hash) - 20] = '\0';
	assert_false(users_check_password(&u, "pw"));
}

/* Hashes crypt cannot use lock the account. */
static void test_check_locked(void **state)
{
	static const char *const locked[] = {"!", "*", "!$y$j9T$salt$hash", "x"};

	(void)state;
	for (size_t i = 0; i < sizeof(locked) / sizeof(locked[0]); i++) {
		struct user_entry u = {"bob", "", "/", false};

		strcpy(u.hash, locked[i]);
		assert_false(users_check_password(&u, ""));
		assert_false(users_check_password(&u, locked[i]));
		assert_false(users_check_password(&u, "*0"));
	}
}

static double time_auth(const struct user_db *db, const char *name, const char *pw)
{
	double best = 1e9;

	for (int i = 0; i < 3; i++) {
		struct timespec a, b;
		double t;

		clock_gettime(CLOCK_MONOTONIC, &a);
		assert_false(users_authenticate(db, name, pw, NULL));
		clock_gettime(CLOCK_MONOTONIC, &b);
		t = (double)(b.tv_sec - a.tv_sec) + (double)(b.tv_nsec - a.tv_nsec) / 1e9;
		if (t < best)
			best = t;
	}
	return best;
}

static void test_authenticate(void **state)
{
	char hash[128], hash_empty[128], text[512], path[256], err[256];
	struct user_db db;
	const struct user_entry *u = (const void *)&db;
	double known, unknown;
	int n, rc;

	(void)state;
	assert_int_equal(users_hash_password("pw-alice", hash, sizeof(hash)), 0);
	assert_int_equal(users_hash_password("", hash_empty, sizeof(hash_empty)), 0);
	n = snprintf(text, sizeof(text), "alice:%s:/home/alice:rw\nbob:!:/:ro\nempty:%s:/:ro\n",
	             hash, hash_empty);
	write_temp(path, sizeof(path), text, (size_t)n);
	rc = users_load(&db, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);

	assert_true(users_authenticate(&db, "alice", "pw-alice", &u));
	assert_non_null(u);
	assert_string_equal(u->name, "alice");
	assert_string_equal(u->home, "/home/alice");
	assert_false(users_authenticate(&db, "alice", "pw-bob", &u));
	assert_null(u);
	u = (const void *)&db;
	assert_false(users_authenticate(&db, "carol", "pw-alice", &u));
	assert_null(u);
	assert_false(users_authenticate(&db, "Alice", "pw-alice", NULL));
	assert_false(users_authenticate(&db, "bob", "", NULL));
	assert_false(users_authenticate(&db, NULL, "pw-alice", NULL));
	assert_false(users_authenticate(&db, "alice", NULL, NULL));
	/* No password at all is not the empty password. */
	assert_true(users_authenticate(&db, "empty", "", NULL));
	assert_false(users_authenticate(&db, "empty", NULL, NULL));
	assert_false(users_authenticate(NULL, "alice", "pw-alice", NULL));
	/* The dummy hash itself is not a way in for unknown names. */
	assert_false(users_authenticate(&db, "nobody", "", NULL));

	/* An unknown name costs a crypt too (yescrypt: milliseconds, not the
	 * microseconds of a failed lookup). */
	known = time_auth(&db, "alice", "wrong");
	unknown = time_auth(&db, "carol", "wrong");
	if (unknown < known / 10)
		fail_msg("unknown user took %.6f s, known user %.6f s", unknown, known);
	users_free(&db);
	assert_null(db.users);
	assert_int_equal(db.n, 0);
}

struct load_case {
	const char *text;
	int rc;
	const char *want; /* rc 0: "name:home:mode ..." in file order; -1: the error after PATH */
	size_t max_bytes, max_users;
};

static const struct load_case load_cases[] = {
	{"# users\n\nalice:" H ":/home/alice:rw\r\n  # bob is away\nbob:" H ":/:ro\ncarol:" H
	 ":/x/../y:ro",
	 0, "alice:/home/alice:rw bob:/:ro carol:/y:ro", USERS_FILE_MAX, USERS_MAX},
	{"", 0, "", USERS_FILE_MAX, USERS_MAX},
	{"# only a comment\n", 0, "", USERS_FILE_MAX, USERS_MAX},
	{"alice:" H ":/:rw\n# c\n\nbob:" H ":/:xx\ncarol:" H ":/:ro\n", -1,
	 ":4: mode 'xx' is not ro or rw", USERS_FILE_MAX, USERS_MAX},
	{"alice:" H ":/:rw\nbob:" H ":/:ro\n#\nalice:" H ":/:ro\n", -1,
	 ":4: user 'alice' is already on line 1", USERS_FILE_MAX, USERS_MAX},
	{"bob\n", -1, ":1: " FIELDS_ERR("1"), USERS_FILE_MAX, USERS_MAX},
	{"a:" H ":/:ro\nb:" H ":/:ro\n#\nc:" H ":/:ro\n", 0, "a:/:ro b:/:ro c:/:ro", 100, 3},
	{"a:" H ":/:ro\nb:" H ":/:ro\n#\nc:" H ":/:ro\nd:" H ":/:ro\n", -1, ":5: more than 3 users",
	 100, 3},
	{"a:" H ":/:ro\n", 0, "a:/:ro", 24, 3},
	{"a:" H ":/:ro\n", -1, ": larger than 23 bytes", 23, 3},
};

static void test_load_table(void **state)
{
	char path[256], err[512], want[512], got[512];
	struct user_db db;

	(void)state;
	for (size_t i = 0; i < sizeof(load_cases) / sizeof(load_cases[0]); i++) {
		const struct load_case *t = &load_cases[i];
		size_t len = 0;
		int rc;

		write_temp(path, sizeof(path), t->text, strlen(t->text));
		strcpy(err, "untouched");
		rc = users_load_bounded(&db, path, t->max_bytes, t->max_users, err, sizeof(err));
		unlink(path);
		if (rc != t->rc)
			fail_msg("load case %zu: rc %d, want %d (err '%s')", i, rc, t->rc, err);
		if (rc != 0) {
			snprintf(want, sizeof(want), "%s%s", path, t->want);
			assert_string_equal(err, want);
			assert_null(db.users);
			assert_null(db.by_name);
			assert_int_equal(db.n, 0);
			continue;
		}
		got[0] = '\0';
		for (size_t k = 0; k < db.n; k++) {
			const struct user_entry *u = &db.users[k];

			len += (size_t)snprintf(got + len, sizeof(got) - len, "%s%s:%s:%s",
			                        k > 0 ? " " : "", u->name, u->home,
			                        u->rw ? "rw" : "ro");
			assert_ptr_equal(users_find(&db, u->name), u);
		}
		assert_string_equal(got, t->want);
		assert_null(users_find(&db, "zed"));
		assert_null(users_find(&db, ""));
		users_free(&db);
	}
}

/* users_find over many names (the sorted index), and the real size bound. */
static void test_load_many(void **state)
{
	static char text[USERS_FILE_MAX + 2];
	char path[256], err[256], name[16];
	struct user_db db;
	size_t n = 0;
	int rc;

	(void)state;
	for (int i = 2000; i > 0; i--)
		n += (size_t)sprintf(text + n, "u%d:" H ":/u/%d:%s\n", i, i, i % 2 ? "rw" : "ro");
	write_temp(path, sizeof(path), text, n);
	rc = users_load(&db, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(db.n, 2000);
	for (int i = 1; i <= 2000; i++) {
		const struct user_entry *u;

		snprintf(name, sizeof(name), "u%d", i);
		u = users_find(&db, name);
		assert_non_null(u);
		assert_string_equal(u->name, name);
		assert_int_equal(u->rw, i % 2);
		assert_int_equal(atoi(u->home + 3), i);
	}
	assert_null(users_find(&db, "u0"));
	assert_null(users_find(&db, "u2001"));
	users_free(&db);

	/* Exactly USERS_FILE_MAX bytes load; one more byte does not. */
	memset(text, '#', USERS_FILE_MAX + 1);
	for (size_t i = 99; i < USERS_FILE_MAX; i += 100)
		text[i] = '\n';
	write_temp(path, sizeof(path), text, USERS_FILE_MAX);
	rc = users_load(&db, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, 0);
	assert_int_equal(db.n, 0);
	users_free(&db);
	write_temp(path, sizeof(path), text, USERS_FILE_MAX + 1);
	rc = users_load(&db, path, err, sizeof(err));
	unlink(path);
	assert_int_equal(rc, -1);
	assert_non_null(strstr(err, ": larger than 1048576 bytes"));
}

static void test_load_missing(void **state)
{
	struct user_db db;
	char err[256];

	(void)state;
	assert_int_equal(users_load(&db, "/nonexistent/ftplab-users", err, sizeof(err)), -1);
	assert_string_equal(err, "/nonexistent/ftplab-users: No such file or directory");
	assert_int_equal(db.n, 0);
	assert_null(users_find(&db, "alice"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_line_table),
		cmocka_unit_test(test_parse_line_lengths),
		cmocka_unit_test(test_hash_round_trip),
		cmocka_unit_test(test_check_locked),
		cmocka_unit_test(test_authenticate),
		cmocka_unit_test(test_load_table),
		cmocka_unit_test(test_load_many),
		cmocka_unit_test(test_load_missing),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
