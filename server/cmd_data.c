/* cmd_data.c - PORT EPRT PASV EPSV: how the next data connection is made. */
#include <string.h>

#include "commands.h"
#include "dataconn.h"
#include "ftplab/hostport.h"
#include "ftplab/reply.h"
#include "log.h"
#include "session.h"

/* After EPSV ALL only EPSV may set up data connections (RFC 2428 4). */
static bool epsv_all_refuses(struct session *s, const char *verb)
{
	if (!s->epsv_all)
		return false;
	session_reply(s, FTP_R_BAD_SEQUENCE, "%s refused after EPSV ALL.", verb);
	return true;
}

void cmd_port(struct session *s, const struct cmd_parsed *pc)
{
	struct ftp_hostport hp;

	if (epsv_all_refuses(s, "PORT"))
		return;
	switch (hostport_parse_port(pc->arg, strlen(pc->arg), &hp)) {
	case FTP_OK:
		dataconn_active(s, &hp, false);
		return;
	case FTP_ERANGE:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "PORT: a number is out of range.");
		return;
	default:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "PORT: use h1,h2,h3,h4,p1,p2.");
		return;
	}
}

void cmd_eprt(struct session *s, const struct cmd_parsed *pc)
{
	struct ftp_hostport hp;

	if (epsv_all_refuses(s, "EPRT"))
		return;
	switch (hostport_parse_eprt(pc->arg, strlen(pc->arg), &hp)) {
	case FTP_OK:
		dataconn_active(s, &hp, true);
		return;
	case FTP_EFAMILY:
		session_reply(s, FTP_R_BAD_FAMILY, "%s", reply_code_text(FTP_R_BAD_FAMILY));
		return;
	case FTP_ERANGE:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "EPRT: port out of range.");
		return;
	default:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "EPRT: use |1|a.b.c.d|port| or |2|ipv6|port|.");
		return;
	}
}

void cmd_pasv(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	if (!epsv_all_refuses(s, "PASV"))
		dataconn_passive(s, false);
}

void cmd_epsv(struct session *s, const struct cmd_parsed *pc)
{
	enum epsv_arg a;
	enum ftp_family fam = s->local.addr.family;

	switch (hostport_parse_epsv_arg(pc->arg, strlen(pc->arg), &a)) {
	case FTP_OK:
		break;
	case FTP_EFAMILY:
		session_reply(s, FTP_R_BAD_FAMILY, "%s", reply_code_text(FTP_R_BAD_FAMILY));
		return;
	default:
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "EPSV: use EPSV, EPSV 1, EPSV 2 or EPSV ALL.");
		return;
	}
	if (a == EPSV_ARG_ALL) {
		s->epsv_all = true;
		session_reply(s, FTP_R_OK, "EPSV ALL ok: only EPSV from now on.");
		return;
	}
	if ((a == EPSV_ARG_INET && fam != FTP_AF_INET) || (a == EPSV_ARG_INET6 && fam != FTP_AF_INET6)) {
		session_reply(s, FTP_R_BAD_FAMILY, "Network protocol not supported, use (%d).",
		              fam == FTP_AF_INET ? 1 : 2);
		return;
	}
	dataconn_passive(s, true);
}
