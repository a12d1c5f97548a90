/* reply.h - FTP replies: named codes, an incremental parser, a formatter.
 *
 * The parser follows RFC 959 section 4.2: "123-text" opens a multi-line reply
 * that only "123 text" (the same code and a space) closes; inner lines, even
 * ones that start with other digits, are text. It is bounded: at most
 * max_lines lines and the caller's text buffer are kept; a longer reply is
 * still read to its end and returned flagged REPLY_F_TRUNCATED.
 */
#ifndef FTPLAB_REPLY_H
#define FTPLAB_REPLY_H

#include <stdbool.h>
#include <stddef.h>

#include "ftplab/linebuf.h"
#include "ftplab/status.h"

/*  code  name                    default text */
#define FTP_REPLY_CODES(X) \
	X(110, RESTART_MARKER,        "Restart marker reply.") \
	X(120, READY_SOON,            "Service ready in a few minutes.") \
	X(125, DATA_ALREADY_OPEN,     "Data connection already open; transfer starting.") \
	X(150, FILE_STATUS_OK,        "File status okay; about to open data connection.") \
	X(200, OK,                    "Command okay.") \
	X(202, SUPERFLUOUS,           "Command not implemented, superfluous at this site.") \
	X(211, SYSTEM_STATUS,         "System status.") \
	X(212, DIR_STATUS,            "Directory status.") \
	X(213, FILE_STATUS,           "File status.") \
	X(214, HELP,                  "Help message.") \
	X(215, SYSTEM_TYPE,           "UNIX Type: L8") \
	X(220, SERVICE_READY,         "Service ready for new user.") \
	X(221, CLOSING,               "Service closing control connection.") \
	X(225, DATA_OPEN,             "Data connection open; no transfer in progress.") \
	X(226, TRANSFER_COMPLETE,     "Closing data connection; requested file action successful.") \
	X(227, PASSIVE,               "Entering Passive Mode.") \
	X(229, EXT_PASSIVE,           "Entering Extended Passive Mode.") \
	X(230, LOGGED_IN,             "User logged in, proceed.") \
	X(234, AUTH_OK,               "Security mechanism accepted.") \
	X(250, FILE_ACTION_OK,        "Requested file action okay, completed.") \
	X(257, PATH_CREATED,          "Pathname created.") \
	X(331, NEED_PASSWORD,         "User name okay, need password.") \
	X(332, NEED_ACCOUNT,          "Need account for login.") \
	X(350, PENDING,               "Requested file action pending further information.") \
	X(421, SERVICE_UNAVAILABLE,   "Service not available, closing control connection.") \
	X(425, CANT_OPEN_DATA,        "Can't open data connection.") \
	X(426, TRANSFER_ABORTED,      "Connection closed; transfer aborted.") \
	X(450, FILE_BUSY,             "Requested file action not taken.") \
	X(451, LOCAL_ERROR,           "Requested action aborted: local error in processing.") \
	X(452, NO_STORAGE,            "Requested action not taken: insufficient storage space.") \
	X(500, SYNTAX_ERROR,          "Syntax error, command unrecognized.") \
	X(501, ARG_SYNTAX_ERROR,      "Syntax error in parameters or arguments.") \
	X(502, NOT_IMPLEMENTED,       "Command not implemented.") \
	X(503, BAD_SEQUENCE,          "Bad sequence of commands.") \
	X(504, PARAM_NOT_IMPLEMENTED, "Command not implemented for that parameter.") \
	X(522, BAD_FAMILY,            "Network protocol not supported, use (1,2).") \
	X(530, NOT_LOGGED_IN,         "Not logged in.") \
	X(532, NEED_ACCOUNT_STORE,    "Need account for storing files.") \
	X(534, POLICY_DENIED,         "Request denied for policy reasons.") \
	X(550, FILE_UNAVAILABLE,      "Requested action not taken: file unavailable.") \
	X(551, PAGE_TYPE_UNKNOWN,     "Requested action aborted: page type unknown.") \
	X(552, EXCEEDED_STORAGE,      "Requested file action aborted: exceeded storage allocation.") \
	X(553, BAD_FILENAME,          "Requested action not taken: file name not allowed.") \
	X(554, BAD_REST,              "Requested action not taken: invalid REST parameter.")

enum ftp_reply_code {
#define REPLY_ENUM_(code, name, text) FTP_R_##name = code,
	FTP_REPLY_CODES(REPLY_ENUM_)
#undef REPLY_ENUM_
};

/* Default text of a known code, NULL for others. */
const char *reply_code_text(int code);
/* Symbolic name of a known code ("CANT_OPEN_DATA"), NULL for others. */
const char *reply_code_name(int code);

enum reply_status {
	REPLY_NEED_MORE = 0, /* input used up, no reply complete */
	REPLY_DONE,          /* a complete reply is in *out */
	REPLY_MALFORMED,     /* a line that is not a reply; *out describes it */
};

/* Why a line is not a reply (REPLY_MALFORMED). */
enum reply_error {
	REPLY_ERR_NONE = 0,
	REPLY_ERR_NO_CODE,       /* does not start with three digits ("99 x", "hello") */
	REPLY_ERR_CODE_RANGE,    /* three digits outside 100..699 ("099", "700") */
	REPLY_ERR_NO_SEPARATOR,  /* three digits not followed by space or '-' ("230_") */
};

enum reply_flag {
	REPLY_F_TRUNCATED = 1u << 0, /* more lines or bytes than kept */
	REPLY_F_NO_TEXT = 1u << 1,   /* a bare code without space or text ("200") */
	REPLY_F_LONG_LINE = 1u << 2, /* a line passed the line maximum */
	REPLY_F_NUL = 1u << 3,       /* a NUL byte in the reply */
};

#define REPLY_DEFAULT_MAX_LINES 1000

struct reply_parser {
	struct linebuf lb;   /* for reply_feed */
	char *text;          /* caller's text storage */
	size_t text_cap;
	size_t text_len;
	size_t max_lines;
	size_t nlines;
	unsigned flags;
	int code;            /* of the open multi-line reply, 0 when none */
};

struct reply {
	int code;            /* 100..699, or what could be read for MALFORMED (0 if none) */
	bool multiline;
	size_t nlines;       /* lines on the wire */
	const char *text;    /* lines joined by '\n', code prefixes removed; valid
	                        until the next call; for MALFORMED the raw line */
	size_t len;
	unsigned flags;      /* enum reply_flag */
	enum reply_error error;
};

/* line_storage: line_max bytes for reply_feed's framing (may be NULL when only
 * reply_feed_line is used); text_storage: text_cap >= 1 bytes for the text. */
void reply_parser_init(struct reply_parser *rp, char *line_storage, size_t line_max,
                       char *text_storage, size_t text_cap, size_t max_lines);
void reply_parser_reset(struct reply_parser *rp);
/* True inside a multi-line reply. */
bool reply_parser_busy(const struct reply_parser *rp);

/* Take one line (without CRLF). */
enum reply_status reply_feed_line(struct reply_parser *rp, const char *line, size_t len,
                                  struct reply *out);

/* Take stream bytes; stops at the first complete or malformed reply, with
 * *consumed telling how many bytes were used. */
enum reply_status reply_feed(struct reply_parser *rp, const void *data, size_t n,
                             size_t *consumed, struct reply *out);

/* Format a reply: text lines separated by '\n' make a multi-line reply
 * ("code-first", inner lines, "code last"); an inner line that starts with a
 * digit is indented by one space (RFC 959). CR and NUL in text become spaces.
 * Writes CRLF-terminated lines to buf and a NUL after them; FTP_ENOSPACE if
 * cap is too small, FTP_ERANGE for a code outside 100..699. */
enum ftp_status reply_format(char *buf, size_t cap, size_t *out_len, int code,
                             const char *text, size_t text_len);

#endif
