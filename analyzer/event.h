/* event.h - what the analyzer's engine reports: sessions, banners, commands
 * paired with their replies, data transfers and diagnostics. The engine
 * (model.c, engine.c) fills these and hands each to a sink; the writers
 * (out_text.c, out_json.c, out_zeek.c) and later the TUI read them. Byte
 * strings come from the network: they are (pointer, length) pairs that may
 * hold any byte, valid only during the sink call; writers escape them. */
#ifndef FTPLAB_ANALYZER_EVENT_H
#define FTPLAB_ANALYZER_EVENT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ftplab/addr.h"
#include "ftplab/cmd.h"

struct an_bytes {
	const char *p;
	size_t n;
};

enum an_login {
	AN_LOGIN_NONE = 0, /* no USER/PASS answered yet */
	AN_LOGIN_OK,       /* 230 */
	AN_LOGIN_FAILED,   /* 530 (or 430/...) to USER or PASS, and never 230 */
};

/* How a data connection was set up. */
enum an_mode {
	AN_MODE_NONE = 0,
	AN_MODE_ACTIVE,  /* PORT */
	AN_MODE_PASSIVE, /* PASV / 227 */
	AN_MODE_EPRT,
	AN_MODE_EPSV,
};

enum an_xfer_status {
	AN_XFER_COMPLETE = 0, /* 2xx final reply, all bytes seen (no gap, FIN seen) */
	AN_XFER_ABORTED,      /* 426 or ABOR */
	AN_XFER_FAILED,       /* 4xx/5xx final reply, or no data connection */
	AN_XFER_INCOMPLETE,   /* the capture misses part of it (gap, no FIN, no reply) */
};

/* A session as the session record shows it; also the state the other
 * records point to. */
struct an_session {
	unsigned id;                   /* 1, 2, ... in order of first packet */
	struct ftp_hostport client, server;
	double ts_start, ts_end;
	char user[256];                /* last USER argument (escaped by writers), "" none */
	enum an_login login;
	unsigned commands, transfers;
	bool encrypted;                /* AUTH TLS/SSL accepted (234): not decoded after */
	char cwd[1024];                /* tracked from PWD/CWD/CDUP replies; "" unknown */
	unsigned gen;                  /* changes whenever user or cwd does */
};

struct an_data_channel {           /* Zeek's data_channel fields */
	bool set;
	bool passive;
	struct ftp_hostport orig, resp; /* orig: who connects; resp: who listens (port) */
};

struct an_command {
	const struct an_session *s;
	double ts;                     /* when the command was sent */
	enum ftp_cmd cmd;              /* FTP_CMD_UNKNOWN for verbs not in the table */
	const char *verb;              /* as sent, upper-cased */
	struct an_bytes arg;           /* masked ("****") when the argument is a secret
	                                * (PASS of a non-anonymous user, ACCT) unless
	                                * --show-passwords */
	bool arg_masked;
	bool arg_truncated;            /* the line was longer than kept: arg is its start */
	int reply_code;                /* 0: no reply before the session ended, or a
	                                * line that was no reply (then in reply) */
	struct an_bytes reply;         /* the final reply, lines joined by '\n', code
	                                * prefixes removed */
	bool reply_truncated;          /* more reply bytes or lines than kept */
	unsigned reply_lines;
	int prelim_code;               /* a 1xx before it (150, 125), or 0 */
	double latency_ms;             /* command to final reply; < 0 without reply */
	const char *cwd;               /* at the time of the command; "" unknown */
	/* For Zeek's ftp.log. */
	const char *user;              /* USER at the time ("<unknown>" style is the writer's) */
	struct an_bytes password;      /* the last PASS argument as the policy shows it */
	bool password_set;
	bool file_size_set;            /* from SIZE's 213 or 150 "(N bytes)" */
	uint64_t file_size;
	struct an_data_channel dc;     /* PORT/EPRT/PASV/EPSV: the expected connection */
};

struct an_transfer {
	const struct an_session *s;
	enum ftp_cmd cmd;              /* RETR STOR STOU APPE LIST NLST MLSD */
	const char *verb;
	struct an_bytes arg;
	enum an_mode mode;
	struct ftp_hostport data_client, data_server; /* who connected, who listened */
	enum ftp_xfer direction;       /* download, upload, listing */
	uint64_t bytes;                /* data bytes seen (payload, reassembled) */
	double ts_start, duration_s;   /* first data packet (SYN) to last */
	enum an_xfer_status status;
	int reply_code;                /* final reply of the data command, 0 none */
	bool syn_seen, fin_seen, rst_seen;
	unsigned gaps;
	uint64_t gap_bytes;
	bool size_announced;           /* SIZE or "150 ... (N bytes)" */
	uint64_t announced_size;
	bool sha256_set;               /* complete and hashed (or extracted) */
	char sha256[65];
	const char *extracted;         /* the file written by --extract, or NULL */
};

#define AN_EVIDENCE_MAX 8

struct an_evidence {
	const char *key;
	char value[160];
};

/* X(name, "kind") of each diagnostic; the explanations are in diag.c. */
#define AN_DIAGS(X) \
	X(PASV_ADDRESS_MISMATCH, "pasv-address-mismatch") \
	X(PORT_ADDRESS_MISMATCH, "port-address-mismatch") \
	X(DATA_CONNECTION_FAILED, "data-connection-failed") \
	X(DATA_REFUSED, "data-refused") \
	X(BOUNCE_ATTEMPT, "bounce-attempt") \
	X(CLEARTEXT_CREDENTIALS, "cleartext-credentials") \
	X(SLOW_REPLY, "slow-reply") \
	X(MALFORMED_REPLY, "malformed-reply") \
	X(MALFORMED_COMMAND, "malformed-command") \
	X(UNSOLICITED_REPLY, "unsolicited-reply") \
	X(TRUNCATED_TRANSFER, "truncated-transfer") \
	X(CONTENT_GAP, "content-gap") \
	X(NOT_FTP, "not-ftp") \
	X(ENCRYPTED, "encrypted-control")

enum an_diag_kind {
#define AN_DIAG_ENUM_(name, kind) AN_DIAG_##name,
	AN_DIAGS(AN_DIAG_ENUM_)
#undef AN_DIAG_ENUM_
	AN_DIAG__COUNT
};

struct an_diag {
	const struct an_session *s;    /* NULL for a flow that is no session (not-ftp) */
	struct ftp_hostport a, b;      /* the flow's endpoints when s is NULL */
	double ts;
	enum an_diag_kind kind;
	char message[512];             /* one sentence, plain ASCII, built from escaped data */
	struct an_evidence ev[AN_EVIDENCE_MAX];
	unsigned nev;
};

const char *an_diag_name(enum an_diag_kind k);
/* One paragraph for learners: what it means and what to do about it. */
const char *an_diag_explain(enum an_diag_kind k);
/* By name; AN_DIAG__COUNT when unknown. */
enum an_diag_kind an_diag_lookup(const char *name);

enum an_event_type {
	AN_EV_SESSION_OPEN = 0, /* first packet of a control connection recognised as FTP */
	AN_EV_BANNER,           /* the server's greeting (220, or 120/421) */
	AN_EV_COMMAND,          /* a command and its final reply (or none, at the end) */
	AN_EV_TRANSFER,         /* a data transfer, once its reply and its connection ended */
	AN_EV_DIAG,
	AN_EV_SESSION_CLOSE,    /* the session record */
};

struct an_event {
	enum an_event_type type;
	const struct an_session *s;    /* every type but a session-less DIAG */
	union {
		struct {               /* AN_EV_BANNER */
			double ts;
			int code;
			struct an_bytes text;
		} banner;
		const struct an_command *cmd;
		const struct an_transfer *xfer;
		const struct an_diag *diag;
	} u;
};

struct an_sink {
	void (*event)(void *ctx, const struct an_event *ev);
	void *ctx;
};

#endif
