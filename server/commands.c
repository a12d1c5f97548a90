/* commands.c - parse a command line, check it against the command table,
 * and call its handler. */
#include "commands.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/reply.h"
#include "log.h"
#include "server.h"
#include "session.h"

typedef void (*cmd_handler)(struct session *s, const struct cmd_parsed *pc);

static const cmd_handler handlers[FTP_CMD__COUNT] = {
	[FTP_CMD_USER] = cmd_user, [FTP_CMD_PASS] = cmd_pass, [FTP_CMD_ACCT] = cmd_acct,
	[FTP_CMD_REIN] = cmd_rein, [FTP_CMD_QUIT] = cmd_quit, [FTP_CMD_HOST] = cmd_host,
	[FTP_CMD_CWD] = cmd_cwd,   [FTP_CMD_CDUP] = cmd_cdup, [FTP_CMD_PWD] = cmd_pwd,
	[FTP_CMD_MKD] = cmd_mkd,   [FTP_CMD_RMD] = cmd_rmd,   [FTP_CMD_DELE] = cmd_dele,
	[FTP_CMD_RNFR] = cmd_rnfr, [FTP_CMD_RNTO] = cmd_rnto, [FTP_CMD_SIZE] = cmd_size,
	[FTP_CMD_MDTM] = cmd_mdtm, [FTP_CMD_MFMT] = cmd_mfmt, [FTP_CMD_SITE] = cmd_site,
	[FTP_CMD_SYST] = cmd_syst, [FTP_CMD_FEAT] = cmd_feat, [FTP_CMD_OPTS] = cmd_opts,
	[FTP_CMD_HELP] = cmd_help, [FTP_CMD_NOOP] = cmd_noop, [FTP_CMD_STAT] = cmd_stat,
	[FTP_CMD_TYPE] = cmd_type, [FTP_CMD_MODE] = cmd_mode, [FTP_CMD_STRU] = cmd_stru,
	[FTP_CMD_ALLO] = cmd_allo, [FTP_CMD_MLST] = cmd_mlst, [FTP_CMD_PORT] = cmd_port,
	[FTP_CMD_EPRT] = cmd_eprt, [FTP_CMD_PASV] = cmd_pasv, [FTP_CMD_EPSV] = cmd_epsv,
	[FTP_CMD_RETR] = cmd_retr, [FTP_CMD_STOR] = cmd_stor, [FTP_CMD_STOU] = cmd_stou,
	[FTP_CMD_APPE] = cmd_appe, [FTP_CMD_REST] = cmd_rest, [FTP_CMD_ABOR] = cmd_abor,
	[FTP_CMD_LIST] = cmd_list, [FTP_CMD_NLST] = cmd_nlst, [FTP_CMD_MLSD] = cmd_mlsd,
};

void commands_overlong(struct session *s, size_t max)
{
	log_event(s, "violation", "command line longer than %zu bytes", max);
	session_reply(s, FTP_R_SYNTAX_ERROR, "Command line too long (at most %zu bytes).", max);
}

/* During a transfer only ABOR and STAT are taken at once (RFC 959 4.1.3);
 * anything else waits, in order, for the transfer's final reply. Commands
 * arriving while held ones are still queued go behind them. */
static bool hold_for_transfer(struct session *s, const struct cmd_parsed *pc,
                              const char *line, size_t len)
{
	bool urgent = pc != NULL && (pc->cmd == FTP_CMD_ABOR || pc->cmd == FTP_CMD_STAT);
	char *nb;

	if (s->replaying || (s->xfer == NULL && s->held_len == 0) || (s->xfer != NULL && urgent))
		return false;
	nb = realloc(s->held, s->held_len + len + 2);
	if (nb == NULL) {
		session_close(s, "out of memory");
		return true;
	}
	nb[s->held_len] = (char)(len >> 8);
	nb[s->held_len + 1] = (char)(len & 0xff);
	memcpy(nb + s->held_len + 2, line, len);
	s->held = nb;
	s->held_len += len + 2;
	return true;
}

static bool syntax_ok(struct session *s, enum ftp_status st, const struct cmd_parsed *pc)
{
	switch (st) {
	case FTP_OK:
		return true;
	case FTP_EEMPTY:
		session_reply(s, FTP_R_SYNTAX_ERROR, "Empty command.");
		break;
	case FTP_ENUL:
		log_event(s, "violation", "NUL byte in a %s command", pc->verb);
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "NUL byte in command.");
		break;
	default:
		session_reply(s, FTP_R_SYNTAX_ERROR, "Command not understood.");
		break;
	}
	return false;
}

static bool allowed(struct session *s, const struct cmd_parsed *pc)
{
	const struct cmd_info *info = cmd_info(pc->cmd);

	if (pc->cmd == FTP_CMD_UNKNOWN) {
		session_reply(s, FTP_R_SYNTAX_ERROR, "Unknown command %s.", pc->verb);
		return false;
	}
	if (handlers[pc->cmd] == NULL) {
		session_reply(s, FTP_R_NOT_IMPLEMENTED, "%s is not supported by this server.", info->name);
		return false;
	}
	switch (cmd_check_arg(pc)) {
	case FTP_EEMPTY:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "%s needs an argument.", info->name);
		return false;
	case FTP_ESYNTAX:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "%s takes no argument.", info->name);
		return false;
	default:
		break;
	}
	if ((info->flags & CMD_F_LOGIN) && s->state != SESS_READY) {
		session_reply(s, FTP_R_NOT_LOGGED_IN, "Please log in with USER and PASS.");
		return false;
	}
	return true;
}

void commands_line(struct session *s, const char *line, size_t len, unsigned lb_flags)
{
	char copy[LINEBUF_DEFAULT_MAX + 1];
	struct cmd_parsed pc;
	enum ftp_status st;

	(void)lb_flags;
	if (len > LINEBUF_DEFAULT_MAX)
		len = LINEBUF_DEFAULT_MAX;
	memcpy(copy, line, len);
	copy[len] = '\0';
	st = cmd_parse(copy, len, &pc);
	if (st == FTP_OK && !s->replaying) /* a held command was logged on arrival */
		log_command(s, pc.verb, pc.arg, pc.arg_len);
	if (hold_for_transfer(s, st == FTP_OK ? &pc : NULL, copy, len))
		return;
	if (!syntax_ok(s, st, &pc) || !allowed(s, &pc))
		return;
	if (pc.cmd != FTP_CMD_RNTO && s->rnfr != NULL) {
		free(s->rnfr); /* RNFR must be followed at once by RNTO */
		s->rnfr = NULL;
	}
	if (!pc.has_arg)
		pc.arg = "";
	handlers[pc.cmd](s, &pc);
}

int commands_path(struct session *s, const char *arg, char *out)
{
	switch (vpath_join(s->cwd, strlen(s->cwd), arg, strlen(arg), out, VPATH_MAX + 1, NULL)) {
	case FTP_OK:
		return 0;
	case FTP_ENUL:
		session_reply(s, FTP_R_BAD_FILENAME, "NUL byte in path.");
		return -1;
	default:
		session_reply(s, FTP_R_BAD_FILENAME, "Path too long.");
		return -1;
	}
}

void commands_fs_error(struct session *s, const char *what)
{
	int e = errno;

	switch (e) {
	case ENOENT:
	case ENOTDIR:
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "%s: no such file or directory.", what);
		break;
	case EACCES:
	case EPERM:
	case EROFS:
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "%s: permission denied.", what);
		break;
	case EXDEV:
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "%s: outside the served tree.", what);
		break;
	case ENOSPC:
		session_reply(s, FTP_R_NO_STORAGE, "%s: no space left on device.", what);
		break;
	case EDQUOT:
	case EFBIG:
		session_reply(s, FTP_R_EXCEEDED_STORAGE, "%s: storage allocation exceeded.", what);
		break;
	case ENAMETOOLONG:
		session_reply(s, FTP_R_BAD_FILENAME, "%s: name too long.", what);
		break;
	default:
		session_reply(s, FTP_R_FILE_UNAVAILABLE, "%s: %s.", what, strerror(e));
		break;
	}
}

bool commands_writable(struct session *s)
{
	if (s->writable)
		return true;
	session_reply(s, FTP_R_FILE_UNAVAILABLE, "Permission denied: this login is read-only.");
	return false;
}
