/* cmd_fs.c - commands on names: CWD CDUP PWD MKD RMD DELE RNFR RNTO SIZE
 * MDTM MFMT SITE. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "commands.h"
#include "fsjail.h"
#include "ftplab/reply.h"
#include "listfmt.h"
#include "session.h"

#define ASCII_SIZE_SCAN_MAX (64ull << 20)

/* A path for a 257 reply: RFC 959 doubles the quotes inside. */
static void quote_path(const char *p, char *out, size_t cap)
{
	size_t o = 0;

	for (; *p && o + 3 < cap; p++) {
		if (*p == '"')
			out[o++] = '"';
		out[o++] = *p;
	}
	out[o] = '\0';
}

void cmd_pwd(struct session *s, const struct cmd_parsed *pc)
{
	char q[2 * VPATH_MAX + 2];

	(void)pc;
	quote_path(s->cwd, q, sizeof(q));
	session_reply(s, FTP_R_PATH_CREATED, "\"%s\" is the current directory.", q);
}

static void change_dir(struct session *s, const char *arg)
{
	char path[VPATH_MAX + 1];
	struct stat st;
	char *copy;

	if (commands_path(s, arg, path) < 0)
		return;
	if (jail_stat(s->rootfd, path, &st) < 0) {
		commands_fs_error(s, "CWD");
		return;
	}
	if (!S_ISDIR(st.st_mode)) {
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "Not a directory.");
		return;
	}
	copy = strdup(path);
	if (copy == NULL) {
		session_close(s, "out of memory");
		return;
	}
	free(s->cwd);
	s->cwd = copy;
	session_reply(s, FTP_R_FILE_ACTION_OK, "Directory changed to %s.", s->cwd);
}

void cmd_cwd(struct session *s, const struct cmd_parsed *pc)
{
	change_dir(s, pc->arg);
}

void cmd_cdup(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	change_dir(s, "..");
}

void cmd_mkd(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1], q[2 * VPATH_MAX + 2];

	if (!commands_writable(s) || commands_path(s, pc->arg, path) < 0)
		return;
	if (jail_mkdir(s->rootfd, path, 0755) < 0) {
		if (errno == EEXIST)
			session_reply(s, FTP_R_FILE_UNAVAILABLE, "%s already exists.", path);
		else
			commands_fs_error(s, "MKD");
		return;
	}
	quote_path(path, q, sizeof(q));
	session_reply(s, FTP_R_PATH_CREATED, "\"%s\" created.", q);
}

void cmd_rmd(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];

	if (!commands_writable(s) || commands_path(s, pc->arg, path) < 0)
		return;
	if (jail_rmdir(s->rootfd, path) < 0) {
		if (errno == ENOTEMPTY || errno == EEXIST)
			session_reply(s, FTP_R_FILE_UNAVAILABLE, "Directory not empty.");
		else
			commands_fs_error(s, "RMD");
		return;
	}
	session_reply(s, FTP_R_FILE_ACTION_OK, "Directory removed.");
}

void cmd_dele(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];

	if (!commands_writable(s) || commands_path(s, pc->arg, path) < 0)
		return;
	if (jail_unlink(s->rootfd, path) < 0) {
		if (errno == EISDIR)
			session_reply(s, FTP_R_FILE_UNAVAILABLE, "Is a directory: use RMD.");
		else
			commands_fs_error(s, "DELE");
		return;
	}
	session_reply(s, FTP_R_FILE_ACTION_OK, "File deleted.");
}

void cmd_rnfr(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];
	struct stat st;

	if (!commands_writable(s) || commands_path(s, pc->arg, path) < 0)
		return;
	if (jail_stat(s->rootfd, path, &st) < 0) {
		commands_fs_error(s, "RNFR");
		return;
	}
	free(s->rnfr);
	s->rnfr = strdup(path);
	if (s->rnfr == NULL) {
		session_close(s, "out of memory");
		return;
	}
	session_reply(s, FTP_R_PENDING, "Ready for RNTO.");
}

void cmd_rnto(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];
	char *from = s->rnfr;

	if (from == NULL) {
		session_reply(s, FTP_R_BAD_SEQUENCE, "RNFR first.");
		return;
	}
	s->rnfr = NULL;
	if (commands_path(s, pc->arg, path) == 0) {
		if (jail_rename(s->rootfd, from, path) < 0)
			commands_fs_error(s, "RNTO");
		else
			session_reply(s, FTP_R_FILE_ACTION_OK, "Renamed.");
	}
	free(from);
}

/* Bytes a TYPE A download of the file would send (each bare LF gains a CR). */
static int ascii_size(int rootfd, const char *path, const struct stat *st, unsigned long long *out)
{
	char buf[65536];
	unsigned long long size = 0;
	char prev = 0;
	ssize_t n;
	int fd;

	if ((unsigned long long)st->st_size > ASCII_SIZE_SCAN_MAX)
		return -1;
	fd = jail_open(rootfd, path, O_RDONLY, 0);
	if (fd < 0)
		return -1;
	while ((n = read(fd, buf, sizeof(buf))) > 0) {
		for (ssize_t i = 0; i < n; i++) {
			size += (buf[i] == '\n' && prev != '\r') ? 2 : 1;
			prev = buf[i];
		}
	}
	close(fd);
	*out = size;
	return n < 0 ? -1 : 0;
}

static int regular_file(struct session *s, const char *arg, char *path, struct stat *st)
{
	if (commands_path(s, arg, path) < 0)
		return -1;
	if (jail_stat(s->rootfd, path, st) < 0) {
		commands_fs_error(s, "File");
		return -1;
	}
	if (!S_ISREG(st->st_mode)) {
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "Not a plain file.");
		return -1;
	}
	return 0;
}

void cmd_size(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];
	struct stat st;
	unsigned long long size;

	if (regular_file(s, pc->arg, path, &st) < 0)
		return;
	size = (unsigned long long)st.st_size;
	if (s->type == TYPE_ASCII && ascii_size(s->rootfd, path, &st, &size) < 0) {
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "SIZE in ASCII mode is not available for "
		              "this file; use TYPE I.");
		return;
	}
	session_reply(s, FTP_R_FILE_STATUS, "%llu", size);
}

void cmd_mdtm(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1], ts[32];
	struct stat st;

	if (regular_file(s, pc->arg, path, &st) < 0)
		return;
	listfmt_mdtm(ts, sizeof(ts), st.st_mtime);
	session_reply(s, FTP_R_FILE_STATUS, "%s", ts);
}

/* MFMT YYYYMMDDHHMMSS path (draft-somers-ftp-mfxx). */
void cmd_mfmt(struct session *s, const struct cmd_parsed *pc)
{
	const char *sp = strchr(pc->arg, ' ');
	char path[VPATH_MAX + 1], ts[32];
	time_t t;

	if (sp == NULL || listfmt_parse_time(pc->arg, (size_t)(sp - pc->arg), &t) < 0) {
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Use MFMT YYYYMMDDHHMMSS path.");
		return;
	}
	if (!commands_writable(s) || commands_path(s, sp + 1, path) < 0)
		return;
	if (jail_set_mtime(s->rootfd, path, t) < 0) {
		commands_fs_error(s, "MFMT");
		return;
	}
	listfmt_mdtm(ts, sizeof(ts), t);
	session_reply(s, FTP_R_FILE_STATUS, "Modify=%s; %s", ts, sp + 1);
}

static void site_chmod(struct session *s, const char *args)
{
	char path[VPATH_MAX + 1];
	char *end;
	unsigned long mode = strtoul(args, &end, 8);

	if (end == args || *end != ' ' || mode > 07777) {
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Use SITE CHMOD <octal mode> <path>.");
		return;
	}
	if (!commands_writable(s) || commands_path(s, end + 1, path) < 0)
		return;
	if (jail_chmod(s->rootfd, path, (mode_t)(mode & 0777)) < 0) {
		commands_fs_error(s, "SITE CHMOD");
		return;
	}
	session_reply(s, FTP_R_OK, "SITE CHMOD command ok.");
}

void cmd_site(struct session *s, const struct cmd_parsed *pc)
{
	if (strncasecmp(pc->arg, "CHMOD ", 6) == 0)
		site_chmod(s, pc->arg + 6);
	else if (strcasecmp(pc->arg, "HELP") == 0)
		session_reply(s, FTP_R_HELP, "SITE commands: CHMOD HELP");
	else
		session_reply(s, FTP_R_PARAM_NOT_IMPLEMENTED, "Unknown SITE command.");
}
