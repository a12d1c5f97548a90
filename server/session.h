/* session.h - one FTP control connection and everything it owns.
 *
 * A session has exactly one teardown path, session_close(); every failure
 * reaches it. Its data connection state is one explicit enum. Memory per
 * idle session is the struct below, its cwd, and two libevent events: the
 * line buffer and the output queue exist only while they hold bytes.
 */
#ifndef FTPLAB_SERVER_SESSION_H
#define FTPLAB_SERVER_SESSION_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include "ftplab/addr.h"
#include "ftplab/cmd.h"
#include "ftplab/linebuf.h"

struct server;
struct event;
struct xfer;
struct user_entry;
struct delayed_reply;

/* Bytes of commands held during a transfer before input stops being read. */
#define SESSION_HELD_MAX 8192

enum session_state {
	SESS_AUTH_USER = 0,  /* waiting for USER */
	SESS_AUTH_PASS,      /* USER given, waiting for PASS */
	SESS_LOGIN_DELAY,    /* a failed PASS: the reply waits on a timer */
	SESS_READY,          /* logged in, idle */
	SESS_CLOSING,        /* flushing the last reply, then close */
	SESS_DEAD,           /* torn down; freed when its callback returns */
};

/* How the next data connection is to be made. */
enum data_mode {
	DATA_NONE = 0,
	DATA_PORT,   /* PORT: we connect to the client */
	DATA_EPRT,   /* EPRT: the same, RFC 2428 form */
	DATA_PASV,   /* PASV: the client connects to our listener */
	DATA_EPSV,   /* EPSV: the same, RFC 2428 form */
};

enum xfer_type { TYPE_ASCII = 0, TYPE_IMAGE };

struct session {
	struct session *next, *prev;
	struct server *srv;
	uint64_t id;
	int fd;
	struct ftp_hostport peer;   /* the client, as seen on the control connection */
	struct ftp_hostport local;  /* the address it reached */
	enum session_state state;
	struct event *ev_read;
	struct event *ev_write;     /* armed only while out_len > 0 */
	struct event *timer;        /* idle, login and login-delay timeout */

	/* control input */
	struct linebuf lb;
	char *line_store;           /* own storage while half a line is pending */
	char *backlog;              /* unprocessed pipelined input while busy */
	size_t backlog_len;
	bool reading;               /* ev_read is armed */

	/* control output */
	char *out;                  /* bytes not yet sent */
	size_t out_len, out_cap;
	struct delayed_reply *delayed; /* reply-delay fault: replies not yet due */
	struct event *out_timer;    /* reply-delay and split-replies faults */
	unsigned depth;             /* nesting of callbacks running for it */

	/* login */
	char *user;                 /* USER name (malloc) */
	bool anonymous;
	bool writable;
	unsigned failed_logins;
	int rootfd;                 /* the user's jail: server root or their home */

	/* file system view */
	char *cwd;                  /* virtual cwd, normalised (malloc) */
	char *rnfr;                 /* pending rename source (virtual path) */
	uint64_t rest;              /* REST offset for the next transfer */
	enum xfer_type type;
	unsigned mlst_facts;        /* OPTS MLST selection */
	bool epsv_all;              /* EPSV ALL: PORT/PASV/EPRT refused */
	bool utf8;

	/* data connection */
	enum data_mode data_mode;
	struct ftp_hostport data_target; /* PORT/EPRT destination */
	int pasv_fd;                /* PASV/EPSV listener, -1 when none */
	struct event *pasv_ev;
	int data_fd;                /* an accepted PASV connection waiting, -1 */
	int connect_fd;             /* PORT/EPRT connect in progress, -1 */
	struct event *connect_ev;
	struct event *data_timer;   /* how long a transfer waits for its connection */
	bool data_waiting;          /* a transfer waits for its data connection */
	struct xfer *xfer;          /* the transfer in progress, NULL when none */
	char *held;                 /* commands waiting for a transfer's end: */
	size_t held_len;            /*   records of a 2-byte length and the line */
	bool replaying;             /* session_resume is running held commands */
	uint64_t bytes_in, bytes_out;
	unsigned files_in, files_out;
};

/* Accept a new control connection (takes fd). */
void session_start(struct server *srv, int fd, const struct ftp_hostport *peer,
                   const struct ftp_hostport *local);

/* The one teardown: close everything the session owns and free it. */
void session_close(struct session *s, const char *why);

/* Send a reply with a formatted text ('\n' in text makes a multi-line reply). */
void session_reply(struct session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void session_vreply(struct session *s, int code, const char *fmt, va_list ap);
/* Send raw, already formatted bytes on the control connection. */
void session_send(struct session *s, const char *p, size_t n);

/* Called when a transfer or delayed action ends: process held input. */
void session_resume(struct session *s);

/* Every libevent callback working on a session brackets its work with these;
 * a session closed inside is freed at the outermost leave. */
void session_enter(struct session *s);
void session_leave(struct session *s);

/* Output (session_out.c). */
bool session_out_busy(const struct session *s); /* too much unsent: stop reading */
void session_out_free(struct session *s);

/* Re-arm the idle timer (login timeout before login). */
void session_touch(struct session *s);

/* Reply 421 and close (limits, shutdown). */
void session_shutdown(struct session *s, const char *why);

/* Logging with the session id; bytes are escaped by the caller's format args
 * going through log_escaped(). */
void session_log(const struct session *s, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
