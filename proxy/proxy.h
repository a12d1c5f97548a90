/* proxy.h - ftplab-proxy's process and session state, shared by its modules.
 *
 * A session is two control connections (client side, server side) and at
 * most one data path being set up or relayed. It has exactly one teardown,
 * psession_close(); every failure reaches it. */
#ifndef FTPLAB_PROXY_PROXY_H
#define FTPLAB_PROXY_PROXY_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/time.h>

#include "config.h"
#include "kpath.h"
#include "ftplab/linebuf.h"
#include "ftplab/reply.h"
#include "rewrite.h"

struct event_base;
struct event;
struct iptable;
struct relay;
struct psession;

#define PROXY_LINE_MAX 4096
#define PROXY_PENDING_MAX 64   /* forwarded commands awaiting their reply */
#define PROXY_REPLY_TEXT 512   /* reply text kept (227/229 fit easily) */

struct plistener {
	int fd;
	struct ftp_hostport addr;
	struct event *ev;
};

struct proxy {
	struct event_base *base;
	struct proxy_config cfg;
	struct ftp_hostport upstream;  /* reverse mode: --upstream, resolved */
	struct plistener listeners[PCONFIG_MAX_LISTEN];
	size_t nlisteners;
	struct psession *sessions;
	unsigned nsessions;
	struct iptable *per_ip;
	struct kpath *kpath;           /* --data-path kernel: our nftables table */
	struct wparent *parent;        /* --workers N > 1, in the parent: the workers */
	int chan;                      /* in a worker: the channel to the parent; else -1 */
	struct event *chan_ev;
	uint64_t next_id;
	FILE *jsonlog;
	bool stopping;
	char linebuf[PROXY_LINE_MAX];  /* shared line storage (linebuf_set_storage) */
	char readbuf[16384];
	struct event *sig_term, *sig_int;
};

enum psess_state {
	PS_WAIT_USER = 0,  /* forward mode: our banner sent, waiting for USER user@host */
	PS_CONNECTING,     /* connecting to the server */
	PS_RELAY,          /* both control connections up */
	PS_CLOSING,        /* flushing the last bytes to the client */
	PS_DEAD,           /* torn down; freed when the callback returns */
};

/* What a forwarded command waits for. */
enum pend_kind {
	PEND_PLAIN = 0,     /* forward the reply as it comes */
	PEND_BANNER,        /* forward mode: the server's 220, swallowed */
	PEND_DATA_PASV,     /* our PASV/EPSV upstream: 227/229 expected */
	PEND_DATA_PORT,     /* our PORT/EPRT upstream: 200 expected */
	PEND_LOCAL,         /* a reply of our own, sent when its turn comes */
};

/* One control direction: a socket, its line framing, its unsent output. */
struct pside {
	int fd;
	struct ftp_hostport peer, local;
	struct event *ev_read, *ev_write;
	struct linebuf lb;
	char *line_store;   /* own line storage while half a line is pending */
	char *out;          /* unsent bytes */
	size_t out_len, out_cap;
	bool reading;
};

/* The data connection being prepared or relayed. */
enum dp_state { DP_NONE = 0, DP_SETUP, DP_READY, DP_RELAY };

struct datapath {
	enum dp_state state;
	enum creq client_kind;          /* CREQ_PORT/EPRT (client active) or PASV/EPSV */
	enum upstream up;               /* what we asked of the server */
	struct ftp_hostport client_target; /* client active: where the client listens */
	struct ftp_hostport server_target; /* server passive: where the server listens */
	int clisten, slisten;           /* our listeners for each side, -1 when none */
	struct ftp_hostport clisten_addr, slisten_addr;
	int cfd, sfd;                   /* each side's data socket once connected */
	bool cconnecting, sconnecting;  /* a connect() in progress */
	struct event *cev, *sev;        /* accept or connect events */
	struct relay *relay;
	bool kernel;                    /* this transfer goes through kpath, not the relay */
	bool kflow_set;                 /* kflow is in the kernel's maps */
	struct kpath_flow kflow;
	struct timeval start;
	char client_line[128];          /* for the transcript */
};

/* A reply the proxy gives itself while the server still owes replies to
 * earlier commands: it waits its turn (one PEND_LOCAL entry each). */
struct local_reply {
	struct local_reply *next;
	size_t len;
	char data[];
};

struct psession {
	struct psession *next, *prev;
	struct proxy *px;
	uint64_t id;
	uint32_t slot;                  /* in a worker: the parent's record of this session */
	enum psess_state state;
	unsigned depth;
	struct pside c, s;              /* client side, server side */
	struct ftp_hostport upstream;   /* the server's control endpoint */
	struct event *timer;            /* idle and connect timeouts */
	enum pend_kind pending[PROXY_PENDING_MAX];
	unsigned pend_head, pend_count;
	struct reply_parser rp;         /* server replies (framed by s.lb) */
	char reply_text[PROXY_REPLY_TEXT];
	struct datapath dp;
	struct local_reply *locals, *locals_tail;
	bool epsv_all;
	bool tproxy;                    /* TPROXY: our client-side sockets use the server's address */
	char fwd_user[REWRITE_USER_MAX]; /* forward mode: USER to send once connected */
};

/* psession.c */
void psession_start(struct proxy *px, int fd, const struct ftp_hostport *peer,
                    const struct ftp_hostport *local, uint64_t id, uint32_t slot);
void psession_close(struct psession *ps, const char *why);
void psession_enter(struct psession *ps);
void psession_leave(struct psession *ps);
/* Queue bytes on one side (sent at once when possible). */
void pside_send(struct psession *ps, struct pside *side, const char *p, size_t n);
void psession_connect_upstream(struct psession *ps, const struct ftp_hostport *dst);
void psession_touch(struct psession *ps);
/* Close once the client has its last bytes (at once when nothing waits). */
void psession_linger_close(struct psession *ps, const char *why);
/* Re-evaluate which sides are read (back-pressure, outstanding replies). */
void psession_update_reading(struct psession *ps);

/* control.c: the two control streams. */
void control_client_line(struct psession *ps, const char *line, size_t len);
void control_server_line(struct psession *ps, const char *line, size_t len);
/* A local reply to the client ("534 ...\r\n" built from code and text),
 * in its turn among the replies the server still owes... */
void control_reply(struct psession *ps, int code, const char *text);
/* ...or at once (timeouts, failures, replies at the head of the queue). */
void control_reply_now(struct psession *ps, int code, const char *text);
void control_free(struct psession *ps);

/* datapath.c */
void datapath_reset(struct psession *ps);
/* Client PASV/EPSV or PORT/EPRT: set up our side(s); returns the upstream
 * command to send (formatted into buf) or -1 after replying an error. */
int datapath_begin(struct psession *ps, const struct client_req *cr, const char *line,
                   size_t line_len, char *buf, size_t cap, size_t *len);
/* The server answered our data command. */
void datapath_server_reply(struct psession *ps, enum pend_kind pk, const struct reply *r);
/* A transfer command was forwarded: time to connect to an active client. */
void datapath_transfer_started(struct psession *ps);

/* workers.c: --workers N. The parent accepts, applies the limits and
 * passes each connection to the least busy worker (SCM_RIGHTS); a worker
 * tells the parent when a session ends. */
struct wparent;
/* In the parent, after proxy_bind_all: fork the workers, serve; returns
 * the exit status. */
int workers_run(struct proxy *px);
void workers_handoff(struct proxy *px, int fd, const struct ftp_hostport *peer,
                     const struct ftp_hostport *local);
int workers_channel_events(struct proxy *px);
void workers_session_closed(struct proxy *px, uint32_t slot);
void workers_free(struct proxy *px);

/* plog.c: the teaching transcript (-v) and the JSON log. */
void plog(const struct psession *ps, const char *kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void plog_process(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
