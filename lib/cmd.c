/* cmd.c - the FTP command table and the command-line parser. */
#include "ftplab/cmd.h"

#include <string.h>

static const struct cmd_info cmd_table[FTP_CMD__COUNT] = {
	[FTP_CMD_UNKNOWN] = {"?", CMD_ARG_OPTIONAL, 0, FTP_XFER_NONE},
#define CMD_ROW_(name, arg, flags, xfer) [FTP_CMD_##name] = {#name, arg, flags, xfer},
	FTP_COMMANDS(CMD_ROW_)
#undef CMD_ROW_
};

/* RFC 775's experimental names, still sent by some clients. */
static const struct {
	const char *alias;
	enum ftp_cmd cmd;
} cmd_aliases[] = {
	{"XCUP", FTP_CMD_CDUP}, {"XCWD", FTP_CMD_CWD}, {"XMKD", FTP_CMD_MKD},
	{"XPWD", FTP_CMD_PWD},  {"XRMD", FTP_CMD_RMD},
};

const struct cmd_info *cmd_info(enum ftp_cmd cmd)
{
	if ((unsigned)cmd >= FTP_CMD__COUNT)
		cmd = FTP_CMD_UNKNOWN;
	return &cmd_table[cmd];
}

const char *cmd_name(enum ftp_cmd cmd)
{
	return cmd_info(cmd)->name;
}

static char upper(char c)
{
	return (c >= 'a' && c <= 'z') ? (char)(c - 'a' + 'A') : c;
}

static bool word_equals(const char *word, const char *verb, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (word[i] == '\0' || upper(verb[i]) != word[i])
			return false;
	}
	return word[len] == '\0';
}

enum ftp_cmd cmd_lookup(const char *verb, size_t len, bool *alias)
{
	size_t i;

	if (alias)
		*alias = false;
	if (len == 0)
		return FTP_CMD_UNKNOWN;
	for (i = 1; i < FTP_CMD__COUNT; i++) {
		/* The first letter rejects most entries without a call. */
		if (cmd_table[i].name[0] == upper(verb[0]) &&
		    word_equals(cmd_table[i].name, verb, len))
			return (enum ftp_cmd)i;
	}
	for (i = 0; i < sizeof(cmd_aliases) / sizeof(cmd_aliases[0]); i++) {
		if (word_equals(cmd_aliases[i].alias, verb, len)) {
			if (alias)
				*alias = true;
			return cmd_aliases[i].cmd;
		}
	}
	return FTP_CMD_UNKNOWN;
}

static bool is_alpha(char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

enum ftp_status cmd_parse(const char *line, size_t len, struct cmd_parsed *out)
{
	size_t vlen = 0, copy;
	bool letters = true;

	memset(out, 0, sizeof(*out));
	if (len == 0)
		return FTP_EEMPTY;
	while (vlen < len && line[vlen] != ' ') {
		if (!is_alpha(line[vlen]))
			letters = false;
		vlen++;
	}
	copy = vlen < CMD_VERB_MAX ? vlen : CMD_VERB_MAX;
	for (size_t i = 0; i < copy; i++)
		out->verb[i] = upper(line[i]);
	out->verb_len = copy;
	if (memchr(line, '\0', len) != NULL)
		return FTP_ENUL;
	if (vlen > CMD_VERB_MAX)
		return FTP_ETOOLONG;
	if (vlen == 0 || !letters)
		return FTP_ESYNTAX;
	out->cmd = cmd_lookup(line, vlen, &out->alias);
	if (vlen < len) {
		out->arg = line + vlen + 1;
		out->arg_len = len - vlen - 1;
		out->has_arg = out->arg_len > 0;
	}
	return FTP_OK;
}

static bool all_spaces(const char *p, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (p[i] != ' ')
			return false;
	}
	return true;
}

enum ftp_status cmd_check_arg(const struct cmd_parsed *pc)
{
	switch (cmd_info(pc->cmd)->arg) {
	case CMD_ARG_NONE:
		return (pc->has_arg && !all_spaces(pc->arg, pc->arg_len)) ? FTP_ESYNTAX : FTP_OK;
	case CMD_ARG_REQUIRED:
		return pc->has_arg ? FTP_OK : FTP_EEMPTY;
	case CMD_ARG_OPTIONAL:
		break;
	}
	return FTP_OK;
}
