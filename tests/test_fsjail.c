/* test_fsjail.c - jail decisions on a real directory tree: every path,
 * symlinks included, resolves inside the root. The tree:
 *   root/file            "inside"
 *   root/dir/f           "deep"
 *   root/etc/passwd      "jailed" (what a link to /etc must reach)
 *   root/abs -> /etc     root/rel -> ../../../..     root/in -> dir/f
 *   root/pw -> /etc/passwd   root/loop -> loop
 *   outside/secret       beside root: never reachable */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "fsjail.h"

static char top[256];
static int rootfd = -1;

static void put(const char *rel, const char *text)
{
	char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", top, rel);
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
}

static void link_to(const char *target, const char *rel)
{
	char path[512];

	snprintf(path, sizeof(path), "%s/root/%s", top, rel);
	assert_int_equal(symlink(target, path), 0);
}

static int setup(void **state)
{
	char path[512];

	(void)state;
	snprintf(top, sizeof(top), "/tmp/ftplab-jail.XXXXXX");
	if (mkdtemp(top) == NULL)
		return -1;
	for (const char *d = "root\0root/dir\0root/etc\0outside\0"; *d; d += strlen(d) + 1) {
		snprintf(path, sizeof(path), "%s/%s", top, d);
		mkdir(path, 0755);
	}
	put("root/file", "inside");
	put("root/dir/f", "deep");
	put("root/etc/passwd", "jailed");
	put("outside/secret", "SECRET");
	link_to("/etc", "abs");
	link_to("../../../..", "rel");
	link_to("dir/f", "in");
	link_to("/etc/passwd", "pw");
	link_to("loop", "loop");
	link_to("../outside/secret", "up");
	snprintf(path, sizeof(path), "%s/root", top);
	rootfd = jail_open_root(path);
	return rootfd < 0 ? -1 : 0;
}

static int teardown(void **state)
{
	char cmd[600];

	(void)state;
	close(rootfd);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", top);
	return system(cmd) == 0 ? 0 : -1;
}

struct read_case {
	const char *vpath;
	const char *content; /* NULL: must fail with err */
	int err;
};

static const struct read_case read_cases[] = {
	{"/file", "inside", 0},
	{"/dir/f", "deep", 0},
	{"/in", "deep", 0},                  /* a link inside the root works */
	{"/abs/passwd", "jailed", 0},        /* /etc means <root>/etc */
	{"/pw", "jailed", 0},
	{"/rel/file", "inside", 0},          /* ../../.. stops at the root */
	{"/rel/rel/rel/etc/passwd", "jailed", 0},
	{"/up", NULL, ENOENT},               /* ../outside/secret is <root>/outside/secret */
	{"/loop", NULL, ELOOP},
	{"/nothing", NULL, ENOENT},
	{"/file/x", NULL, ENOTDIR},
};

static void test_reads_stay_inside(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(read_cases) / sizeof(read_cases[0]); i++) {
		const struct read_case *c = &read_cases[i];
		char buf[64] = {0};
		int fd = jail_open(rootfd, c->vpath, O_RDONLY, 0);

		if (c->content == NULL) {
			if (fd >= 0 || errno != c->err)
				fail_msg("%s: fd %d errno %d, want failure with %d", c->vpath, fd, errno,
				         c->err);
			continue;
		}
		if (fd < 0)
			fail_msg("%s: %s", c->vpath, strerror(errno));
		assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
		close(fd);
		if (strcmp(buf, c->content) != 0)
			fail_msg("%s: read '%s', want '%s'", c->vpath, buf, c->content);
	}
}

/* Writes through links land inside too; names act on the link itself. */
static void test_writes_stay_inside(void **state)
{
	struct stat st;
	char path[512];
	const char *base;
	int fd;

	(void)state;
	/* mkdir through an absolute link to /etc: <root>/etc/new */
	assert_int_equal(jail_mkdir(rootfd, "/abs/new", 0755), 0);
	snprintf(path, sizeof(path), "%s/root/etc/new", top);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(jail_rmdir(rootfd, "/abs/new"), 0);
	/* create through a link to a file outside: <root>/outside/secret, a new file */
	fd = jail_open(rootfd, "/up", O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd >= 0) /* <root>/outside does not exist: ENOENT is fine too */
		close(fd);
	snprintf(path, sizeof(path), "%s/outside/secret", top);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_size, 6); /* untouched */
	/* unlink of a link removes the link, not its target */
	link_to("file", "victim");
	assert_int_equal(jail_unlink(rootfd, "/victim"), 0);
	assert_int_equal(jail_stat(rootfd, "/file", &st), 0);
	/* rename across a link to /etc stays in <root>/etc */
	put("root/mv", "m");
	assert_int_equal(jail_rename(rootfd, "/mv", "/abs/mv"), 0);
	snprintf(path, sizeof(path), "%s/root/etc/mv", top);
	assert_int_equal(stat(path, &st), 0);
	/* the root itself has no parent to act in */
	assert_int_equal(jail_parent(rootfd, "/", &base), -1);
	assert_int_equal(errno, EPERM);
	assert_int_equal(jail_unlink(rootfd, "/"), -1);
}

static void test_chmod_and_mtime_follow_inside(void **state)
{
	struct stat st;
	char path[512];

	(void)state;
	/* /pw is a link to /etc/passwd: chmod must change <root>/etc/passwd */
	assert_int_equal(jail_chmod(rootfd, "/pw", 0600), 0);
	snprintf(path, sizeof(path), "%s/root/etc/passwd", top);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat("/etc/passwd", &st), 0);
	assert_int_not_equal(st.st_mode & 0777, 0600);
	assert_int_equal(jail_set_mtime(rootfd, "/file", 1000000000), 0);
	assert_int_equal(jail_stat(rootfd, "/file", &st), 0);
	assert_int_equal(st.st_mtime, 1000000000);
}

static void test_temp_files(void **state)
{
	char name[64];
	int dirfd, fd;

	(void)state;
	fd = jail_create_temp(rootfd, "/dir/upload.bin", name, sizeof(name), &dirfd);
	assert_true(fd >= 0);
	assert_true(jail_is_temp_name(name));
	assert_false(jail_is_temp_name("upload.bin"));
	assert_int_equal(write(fd, "x", 1), 1);
	close(fd);
	assert_int_equal(renameat(dirfd, name, dirfd, "upload.bin"), 0);
	close(dirfd);
	assert_int_equal(jail_unlink(rootfd, "/dir/upload.bin"), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reads_stay_inside),
		cmocka_unit_test(test_writes_stay_inside),
		cmocka_unit_test(test_chmod_and_mtime_follow_inside),
		cmocka_unit_test(test_temp_files),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
