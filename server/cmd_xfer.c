/* cmd_xfer.c - commands that move data: RETR STOR STOU APPE LIST NLST MLSD,
 * and REST and ABOR around them. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "dataconn.h"
#include "fsjail.h"
#include "ftplab/reply.h"
#include "listfmt.h"
#include "server.h"
#include "session.h"
#include "xfer.h"

void cmd_rest(struct session *s, const struct cmd_parsed *pc)
{
	const char *p = pc->arg;
	unsigned long long v = 0;

	if (strncmp(p, "STREAM", 6) == 0 && p[6] == '\0') { /* RFC 3659 REST STREAM */
		s->rest = 0;
		session_reply(s, FTP_R_PENDING, "Restarting at 0.");
		return;
	}
	for (; *p; p++) {
		if (*p < '0' || *p > '9' || v > (UINT64_MAX - 9) / 10) {
			session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "REST takes a byte offset.");
			return;
		}
		v = v * 10 + (unsigned long long)(*p - '0');
	}
	s->rest = v;
	session_reply(s, FTP_R_PENDING, "Restarting at %llu. Send STOR, APPE or RETR.", v);
}

void cmd_retr(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];
	struct stat st;
	uint64_t rest = s->rest;
	int fd;

	s->rest = 0;
	if (commands_path(s, pc->arg, path) < 0)
		return;
	fd = jail_open(s->rootfd, path, O_RDONLY | O_NONBLOCK, 0);
	if (fd < 0 || fstat(fd, &st) < 0) {
		commands_fs_error(s, "RETR");
		if (fd >= 0)
			close(fd);
		return;
	}
	if (!S_ISREG(st.st_mode)) {
		close(fd);
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "Not a plain file.");
		return;
	}
	if (rest > (uint64_t)st.st_size) {
		close(fd);
		session_reply(s, FTP_R_BAD_REST, "REST offset %llu is past the end (%lld bytes).",
		              (unsigned long long)rest, (long long)st.st_size);
		return;
	}
	xfer_begin(s, &(struct xfer_source){.cmd = pc->cmd, .path = path, .file_fd = fd,
	                                     .offset = rest, .size = (uint64_t)st.st_size,
	                                     .tmp_dirfd = -1});
}

/* Open the sink of an upload; with --atomic-uploads a hidden temporary file
 * that is renamed over the target when the transfer completes. */
static void store(struct session *s, enum ftp_cmd cmd, const char *path, bool append,
                  bool exclusive)
{
	uint64_t rest = s->rest;
	char tmp[64];
	int dirfd = -1, fd;
	bool atomic = s->srv->cfg.atomic_uploads && !append && rest == 0;
	int flags = O_WRONLY | O_CREAT | (exclusive ? O_EXCL : 0) |
	            (append ? O_APPEND : (rest ? 0 : O_TRUNC));

	s->rest = 0;
	if (s->data_fd < 0 && s->data_mode == DATA_NONE) {
		/* 425 before the file is opened: O_TRUNC must not empty it for nothing */
		session_reply(s, FTP_R_CANT_OPEN_DATA, "Use PORT, EPRT, PASV or EPSV first.");
		return;
	}
	if (atomic)
		fd = jail_create_temp(s->rootfd, path, tmp, sizeof(tmp), &dirfd);
	else
		fd = jail_open(s->rootfd, path, flags, 0644);
	if (fd < 0) {
		commands_fs_error(s, cmd_name(cmd));
		return;
	}
	if (atomic)
		fchmod(fd, 0644);
	if (rest > 0 && ftruncate(fd, (off_t)rest) < 0) {
		close(fd);
		commands_fs_error(s, cmd_name(cmd));
		return;
	}
	xfer_begin(s, &(struct xfer_source){.cmd = cmd, .path = path, .file_fd = fd,
	                                     .offset = rest, .tmp_dirfd = dirfd,
	                                     .tmp_name = atomic ? tmp : NULL,
	                                     .final_name = vpath_basename(path)});
}

void cmd_stor(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];

	if (commands_writable(s) && commands_path(s, pc->arg, path) == 0)
		store(s, pc->cmd, path, false, false);
}

void cmd_appe(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1];

	if (commands_writable(s) && commands_path(s, pc->arg, path) == 0)
		store(s, pc->cmd, path, true, false);
}

/* STOU: a name of our choosing in the cwd (or based on the argument). */
void cmd_stou(struct session *s, const struct cmd_parsed *pc)
{
	char name[VPATH_MAX + 1], path[VPATH_MAX + 1];
	const char *base = pc->has_arg ? pc->arg : "ftplab";

	if (!commands_writable(s))
		return;
	for (int i = 0; i < 100; i++) {
		unsigned r = 0;
		struct stat st;

		(void)getrandom(&r, sizeof(r), GRND_NONBLOCK);
		snprintf(name, sizeof(name), "%.200s.%08x", base, r ^ (unsigned)i);
		if (commands_path(s, name, path) < 0)
			return;
		if (jail_stat(s->rootfd, path, &st) < 0 && errno == ENOENT) {
			s->rest = 0; /* xfer_begin's one 1xx reply says "FILE: name" */
			store(s, pc->cmd, path, false, true);
			return;
		}
	}
	session_reply(s, FTP_R_BAD_FILENAME, "Could not find a unique name.");
}

static void list(struct session *s, const struct cmd_parsed *pc, enum listing_kind kind)
{
	char path[VPATH_MAX + 1];
	const char *arg = pc->arg;
	size_t alen = strlen(arg);
	unsigned opts = 0;
	struct listing *l;

	if (kind != LISTING_MLSD)
		listfmt_split_list_arg(pc->arg, strlen(pc->arg), &opts, &arg, &alen);
	if (alen > VPATH_MAX) {
		session_reply(s, FTP_R_BAD_FILENAME, "Path too long.");
		return;
	}
	char argcopy[VPATH_MAX + 1];
	memcpy(argcopy, arg, alen);
	argcopy[alen] = '\0';
	if (commands_path(s, argcopy, path) < 0)
		return;
	l = malloc(sizeof(*l));
	if (l == NULL) {
		session_close(s, "out of memory");
		return;
	}
	if (listing_open(l, kind, s->rootfd, path, opts & LISTFMT_OPT_ALL, s->writable,
	                 s->mlst_facts) < 0) {
		free(l);
		if (errno == ENOTDIR)
			session_reply(s, FTP_R_FILE_UNAVAILABLE, "MLSD needs a directory.");
		else
			commands_fs_error(s, cmd_name(pc->cmd));
		return;
	}
	xfer_begin(s, &(struct xfer_source){.cmd = pc->cmd, .path = path, .file_fd = -1,
	                                     .list = l, .tmp_dirfd = -1});
}

void cmd_list(struct session *s, const struct cmd_parsed *pc)
{
	list(s, pc, LISTING_LS);
}

void cmd_nlst(struct session *s, const struct cmd_parsed *pc)
{
	list(s, pc, LISTING_NAMES);
}

void cmd_mlsd(struct session *s, const struct cmd_parsed *pc)
{
	list(s, pc, LISTING_MLSD);
}

void cmd_abor(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	if (s->xfer != NULL) {
		xfer_abort(s, true);
		dataconn_reset(s); /* a PASV listener must not outlive the ABOR either */
		session_reply(s, FTP_R_TRANSFER_COMPLETE, "ABOR successful.");
		session_resume(s); /* commands held during the transfer run now */
		return;
	}
	dataconn_reset(s);
	session_reply(s, FTP_R_DATA_OPEN, "No transfer to abort.");
}
