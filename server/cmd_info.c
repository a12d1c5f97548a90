/* cmd_info.c - commands that tell or set: SYST FEAT OPTS HELP NOOP STAT
 * TYPE MODE STRU ALLO MLST. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "commands.h"
#include "fsjail.h"
#include "ftplab/addr.h"
#include "ftplab/reply.h"
#include "listfmt.h"
#include "listing.h"
#include "server.h"
#include "session.h"
#include "xfer.h"

#define STAT_LIST_MAX (1u << 20) /* a STAT listing on the control connection */

void cmd_syst(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	session_reply(s, FTP_R_SYSTEM_TYPE, "%s", reply_code_text(FTP_R_SYSTEM_TYPE));
}

void cmd_feat(struct session *s, const struct cmd_parsed *pc)
{
	char mlst[128];

	(void)pc;
	listfmt_feat_mlst(mlst, sizeof(mlst), s->mlst_facts);
	session_reply(s, FTP_R_SYSTEM_STATUS,
	              "Features:\n EPRT\n EPSV\n HOST\n MDTM\n MFMT\n %s\n PASV\n REST STREAM\n"
	              " SIZE\n TVFS\n UTF8\nEnd",
	              mlst);
}

void cmd_opts(struct session *s, const struct cmd_parsed *pc)
{
	const char *a = pc->arg;

	if (strncasecmp(a, "UTF8", 4) == 0 && (a[4] == '\0' || a[4] == ' ')) {
		s->utf8 = strcasecmp(a + 4, " OFF") != 0;
		session_reply(s, FTP_R_OK, "UTF8 mode %s.", s->utf8 ? "on" : "off");
		return;
	}
	if (strncasecmp(a, "MLST", 4) == 0 && (a[4] == '\0' || a[4] == ' ')) {
		char text[128];
		const char *facts = a[4] ? a + 5 : "";
		unsigned sel;

		if (listfmt_parse_opts_mlst(facts, strlen(facts), &sel) < 0) {
			session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Bad MLST options.");
			return;
		}
		s->mlst_facts = sel;
		listfmt_opts_mlst_reply(text, sizeof(text), sel);
		session_reply(s, FTP_R_OK, "%s", text);
		return;
	}
	session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Unknown option.");
}

void cmd_help(struct session *s, const struct cmd_parsed *pc)
{
	char list[1024];
	size_t len = 0;

	if (pc->has_arg) {
		bool alias;
		enum ftp_cmd c = cmd_lookup(pc->arg, strlen(pc->arg), &alias);

		if (c == FTP_CMD_UNKNOWN)
			session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Unknown command %s.", pc->arg);
		else
			session_reply(s, FTP_R_HELP, "Syntax: %s%s", cmd_name(c),
			              cmd_info(c)->arg == CMD_ARG_NONE       ? ""
			              : cmd_info(c)->arg == CMD_ARG_REQUIRED ? " <argument>"
			                                                     : " [argument]");
		return;
	}
	for (int c = 1; c < FTP_CMD__COUNT && len + 16 < sizeof(list); c++)
		len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", (c - 1) % 12 ? " " : "\n ",
		                        cmd_name((enum ftp_cmd)c));
	session_reply(s, FTP_R_HELP, "The following commands are recognized:%s\nHelp OK.", list);
}

void cmd_noop(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	session_reply(s, FTP_R_OK, "NOOP ok.");
}

static void stat_server(struct session *s)
{
	char peer[ADDR_STRLEN];

	addr_format(peer, sizeof(peer), &s->peer.addr);
	session_reply(s, FTP_R_SYSTEM_STATUS,
	              "ftplab FTP server status:\n Connected to %s\n Logged in as %s\n TYPE: %s\n"
	              " Session timeout in seconds is %u\n Control connection is plain text\n"
	              " Data connections will be plain text\n %llu bytes in %u files sent, "
	              "%llu bytes in %u files received\nEnd of status",
	              peer, s->anonymous ? "anonymous" : (s->user ? s->user : "nobody"),
	              s->type == TYPE_ASCII ? "ASCII" : "BINARY", s->srv->cfg.idle_timeout,
	              (unsigned long long)s->bytes_out, s->files_out,
	              (unsigned long long)s->bytes_in, s->files_in);
}

/* STAT path: the LIST output over the control connection, in one reply. */
static void stat_path(struct session *s, const char *arg)
{
	char path[VPATH_MAX + 1], *text, *out;
	struct listing l;
	size_t len, outlen, n;

	if (commands_path(s, arg, path) < 0)
		return;
	if (listing_open(&l, LISTING_LS, s->rootfd, path, false, s->writable, 0) < 0) {
		commands_fs_error(s, "STAT");
		return;
	}
	text = malloc(STAT_LIST_MAX);
	out = malloc(STAT_LIST_MAX + 4096);
	if (text == NULL || out == NULL) {
		free(text);
		free(out);
		listing_close(&l);
		session_close(s, "out of memory");
		return;
	}
	len = (size_t)snprintf(text, STAT_LIST_MAX, "Status of %s:\n", path);
	while (len + 65536 < STAT_LIST_MAX && (n = listing_next(&l, text + len, 65536)) > 0)
		len += n;
	listing_close(&l);
	for (size_t i = 0, o = 0; i <= len; i++) /* CRLF lines -> '\n' lines */
		if (i == len || text[i] != '\r')
			text[o++] = i == len ? '\0' : text[i];
	len = strlen(text);
	len += (size_t)snprintf(text + len, STAT_LIST_MAX - len, "End of status");
	if (reply_format(out, STAT_LIST_MAX + 4096, &outlen, FTP_R_FILE_STATUS, text, len) == FTP_OK)
		session_send(s, out, outlen);
	free(text);
	free(out);
}

void cmd_stat(struct session *s, const struct cmd_parsed *pc)
{
	if (s->xfer != NULL) {
		char line[VPATH_MAX + 128];

		xfer_progress(s, line, sizeof(line));
		session_reply(s, FTP_R_FILE_STATUS, "Status: %s", line);
	} else if (pc->has_arg) {
		stat_path(s, pc->arg);
	} else {
		stat_server(s);
	}
}

void cmd_type(struct session *s, const struct cmd_parsed *pc)
{
	const char *a = pc->arg;

	if (strcasecmp(a, "I") == 0 || strcasecmp(a, "L 8") == 0) {
		s->type = TYPE_IMAGE;
		session_reply(s, FTP_R_OK, "Switching to Binary mode.");
	} else if (strcasecmp(a, "A") == 0 || strcasecmp(a, "A N") == 0) {
		s->type = TYPE_ASCII;
		session_reply(s, FTP_R_OK, "Switching to ASCII mode.");
	} else if (strchr("AaEeLl", a[0]) != NULL) {
		session_reply(s, FTP_R_PARAM_NOT_IMPLEMENTED, "TYPE %s is not supported.", a);
	} else {
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Unknown TYPE %s.", a);
	}
}

/* MODE and STRU: one supported letter, other RFC 959 letters 504. */
static void one_letter(struct session *s, const char *arg, const char *name, char ok,
                       const char *known)
{
	char c = (char)toupper((unsigned char)arg[0]);

	if (arg[0] != '\0' && arg[1] == '\0' && c == ok)
		session_reply(s, FTP_R_OK, "%s set to %c.", name, ok);
	else if (arg[0] != '\0' && arg[1] == '\0' && strchr(known, c))
		session_reply(s, FTP_R_PARAM_NOT_IMPLEMENTED, "%s %c is not supported.", name, c);
	else
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Unknown %s.", name);
}

void cmd_mode(struct session *s, const struct cmd_parsed *pc)
{
	one_letter(s, pc->arg, "MODE", 'S', "BC");
}

void cmd_stru(struct session *s, const struct cmd_parsed *pc)
{
	one_letter(s, pc->arg, "STRU", 'F', "RP");
}

void cmd_allo(struct session *s, const struct cmd_parsed *pc)
{
	(void)pc;
	session_reply(s, FTP_R_SUPERFLUOUS, "ALLO not needed here.");
}

void cmd_mlst(struct session *s, const struct cmd_parsed *pc)
{
	char path[VPATH_MAX + 1], line[2 * VPATH_MAX + 512];
	struct stat st;
	size_t n;

	if (commands_path(s, pc->has_arg ? pc->arg : ".", path) < 0)
		return;
	if (jail_stat(s->rootfd, path, &st) < 0) {
		commands_fs_error(s, "MLST");
		return;
	}
	n = listfmt_mlsx(line, sizeof(line), &st, path, strlen(path), s->mlst_facts,
	                 s->writable ? LISTFMT_PERM_WRITE : 0, NULL);
	if (n >= 2)
		line[n - 2] = '\0'; /* the reply adds its own CRLF */
	session_reply(s, FTP_R_FILE_ACTION_OK, "Listing %s\n %s\nEnd", path, line);
}
