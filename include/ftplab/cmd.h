/* cmd.h - FTP commands: one table, and the parser of a command line.
 *
 * FTP_COMMANDS is the single list of every verb we know (RFC 959, 2228, 2389,
 * 2428, 3659, 7151, 1639 and the X-aliases of RFC 775). It generates the enum,
 * the names and each verb's properties; programs index their handler tables
 * with enum ftp_cmd.
 */
#ifndef FTPLAB_CMD_H
#define FTPLAB_CMD_H

#include <stdbool.h>
#include <stddef.h>

#include "ftplab/status.h"

/* Longest verb we accept; longer words are FTP_ETOOLONG (RFC 959: 3 or 4). */
#define CMD_VERB_MAX 8

enum cmd_arg {
	CMD_ARG_NONE,     /* takes no argument */
	CMD_ARG_REQUIRED, /* needs one */
	CMD_ARG_OPTIONAL,
};

/* What a data connection opened by a command carries. */
enum ftp_xfer {
	FTP_XFER_NONE = 0,
	FTP_XFER_DOWNLOAD, /* a file from the server: RETR */
	FTP_XFER_UPLOAD,   /* a file to the server: STOR STOU APPE */
	FTP_XFER_LISTING,  /* a directory listing from the server: LIST NLST MLSD */
};

enum cmd_flag {
	CMD_F_LOGIN = 1u << 0,  /* needs a logged-in user */
	CMD_F_PATH = 1u << 1,   /* the argument is a pathname */
	CMD_F_SECRET = 1u << 2, /* the argument is a secret: mask it in logs */
	CMD_F_ASYNC = 1u << 3,  /* allowed while a transfer is in progress */
	CMD_F_SECURITY = 1u << 4, /* RFC 2228 security extension */
};

/*  verb   argument policy   flags                                      data connection */
#define FTP_COMMANDS(X) \
	X(ABOR, CMD_ARG_NONE,     CMD_F_ASYNC,                               FTP_XFER_NONE) \
	X(ACCT, CMD_ARG_REQUIRED, CMD_F_SECRET,                              FTP_XFER_NONE) \
	X(ADAT, CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(ALLO, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(APPE, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_UPLOAD) \
	X(AUTH, CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(CCC,  CMD_ARG_NONE,     CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(CDUP, CMD_ARG_NONE,     CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(CONF, CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(CWD,  CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(DELE, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(ENC,  CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(EPRT, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(EPSV, CMD_ARG_OPTIONAL, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(FEAT, CMD_ARG_NONE,     0,                                         FTP_XFER_NONE) \
	X(HELP, CMD_ARG_OPTIONAL, 0,                                         FTP_XFER_NONE) \
	X(HOST, CMD_ARG_REQUIRED, 0,                                         FTP_XFER_NONE) \
	X(LANG, CMD_ARG_OPTIONAL, 0,                                         FTP_XFER_NONE) \
	X(LIST, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_LISTING) \
	X(LPRT, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(LPSV, CMD_ARG_NONE,     CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(MDTM, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(MFMT, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(MIC,  CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(MKD,  CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(MLSD, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_LISTING) \
	X(MLST, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(MODE, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(NLST, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_LISTING) \
	X(NOOP, CMD_ARG_NONE,     CMD_F_ASYNC,                               FTP_XFER_NONE) \
	X(OPTS, CMD_ARG_REQUIRED, 0,                                         FTP_XFER_NONE) \
	X(PASS, CMD_ARG_OPTIONAL, CMD_F_SECRET,                              FTP_XFER_NONE) \
	X(PASV, CMD_ARG_NONE,     CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(PBSZ, CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(PORT, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(PROT, CMD_ARG_REQUIRED, CMD_F_SECURITY,                            FTP_XFER_NONE) \
	X(PWD,  CMD_ARG_NONE,     CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(QUIT, CMD_ARG_NONE,     CMD_F_ASYNC,                               FTP_XFER_NONE) \
	X(REIN, CMD_ARG_NONE,     0,                                         FTP_XFER_NONE) \
	X(REST, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(RETR, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_DOWNLOAD) \
	X(RMD,  CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(RNFR, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(RNTO, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(SITE, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(SIZE, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(SMNT, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_NONE) \
	X(STAT, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH | CMD_F_ASYNC,    FTP_XFER_NONE) \
	X(STOR, CMD_ARG_REQUIRED, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_UPLOAD) \
	X(STOU, CMD_ARG_OPTIONAL, CMD_F_LOGIN | CMD_F_PATH,                  FTP_XFER_UPLOAD) \
	X(STRU, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(SYST, CMD_ARG_NONE,     0,                                         FTP_XFER_NONE) \
	X(TYPE, CMD_ARG_REQUIRED, CMD_F_LOGIN,                               FTP_XFER_NONE) \
	X(USER, CMD_ARG_REQUIRED, 0,                                         FTP_XFER_NONE)

enum ftp_cmd {
	FTP_CMD_UNKNOWN = 0,
#define CMD_ENUM_(name, arg, flags, xfer) FTP_CMD_##name,
	FTP_COMMANDS(CMD_ENUM_)
#undef CMD_ENUM_
	FTP_CMD__COUNT
};

struct cmd_info {
	const char *name;
	enum cmd_arg arg;
	unsigned flags;     /* enum cmd_flag */
	enum ftp_xfer xfer; /* FTP_XFER_NONE unless it uses a data connection */
};

struct cmd_parsed {
	enum ftp_cmd cmd;             /* FTP_CMD_UNKNOWN for a verb not in the table */
	char verb[CMD_VERB_MAX + 1];  /* as sent, upper-cased, NUL-terminated */
	size_t verb_len;
	bool alias;                   /* sent as an X-alias (XCWD for CWD, ...) */
	bool has_arg;                 /* a non-empty argument follows */
	const char *arg;              /* points into the line; not NUL-terminated */
	size_t arg_len;
};

/* The properties of a command; cmd_info(FTP_CMD_UNKNOWN) has name "?". */
const struct cmd_info *cmd_info(enum ftp_cmd cmd);
const char *cmd_name(enum ftp_cmd cmd);

/* Case-insensitive lookup of a verb, X-aliases included; FTP_CMD_UNKNOWN if
 * not in the table. *alias (may be NULL) tells an X-alias. */
enum ftp_cmd cmd_lookup(const char *verb, size_t len, bool *alias);

/* Split a line (without CRLF) into verb and argument. The argument is
 * everything after the single space that follows the verb, inner and trailing
 * spaces kept. Statuses: FTP_EEMPTY (empty line), FTP_ENUL (a NUL byte
 * anywhere), FTP_ETOOLONG (verb longer than CMD_VERB_MAX), FTP_ESYNTAX (verb
 * empty or not made of letters). On every status but FTP_EEMPTY the
 * verb (truncated) is filled in for reporting. */
enum ftp_status cmd_parse(const char *line, size_t len, struct cmd_parsed *out);

/* Check a parsed command's argument against its policy: FTP_EEMPTY when a
 * required argument is missing, FTP_ESYNTAX when a command that takes none
 * got one (spaces alone do not count). */
enum ftp_status cmd_check_arg(const struct cmd_parsed *pc);

#endif
