/* model_int.h - the FTP model's private state, shared by model.c (control
 * streams) and xfer.c (expectations, data connections, transfers). */
#ifndef FTPLAB_ANALYZER_MODEL_INT_H
#define FTPLAB_ANALYZER_MODEL_INT_H

#include <openssl/evp.h>

#include "ftplab/linebuf.h"
#include "ftplab/reply.h"
#include "model.h"

#define M_LINE_MAX 4096      /* a command or reply line kept (longer: flagged) */
#define M_TEXT_MAX 8192      /* a reply's text kept */
#define M_PEND_MAX 64        /* commands awaiting their reply (Zeek: 20) */
#define M_DEFER_MAX 4        /* diagnostics held while a reply is applied */
#define M_XFER_MAX 8         /* transfers awaiting their reply or their connection */
#define M_ARG_MAX 4096       /* argument bytes kept per command (Suricata: 4,096 too) */
#define M_VERB_SHOWN 40      /* bytes of a command word kept for reporting */

struct xfer;

struct pend {
	double ts;
	enum ftp_cmd cmd;
	char verb[M_VERB_SHOWN];    /* as sent; an overlong word cut and marked "..." */
	char *arg;                  /* copy (masked if secret), NULL if none: argbuf or malloc'd */
	size_t arg_len;
	bool masked, truncated;
	int prelim;
	char *cwd;                  /* malloc'd, at the time of the command */
	struct an_data_channel dc;
	struct xfer *x;             /* the transfer a data command started */
	char argbuf[64];            /* short arguments and cwds need no malloc */
	char cwdbuf[64];
};

/* The data connection a session expects (one at a time, as in FTP). */
struct expect {
	bool set;
	enum an_mode mode;
	struct ftp_hostport resp;   /* the listener, as announced */
	struct ftp_addr resp_alt;   /* PASV: the server's own address (clients that
	                             * ignore the 227 address go there) */
	struct ftp_addr orig;       /* the control peer that must connect */
	double ts;
	struct mdata *flow;         /* the latest connection that matched */
	bool syn_seen, synack_seen, rst_seen;
	bool used;                  /* a transfer command came while it was set */
	double ts_syn;              /* the latest connection attempt seen */
	struct msession *s;
	struct expect *next, *prev; /* the model's list for this port */
	bool indexed;
};

struct mdata {
	struct model *m;
	struct msession *s;         /* NULL once the session is gone */
	struct xfer *x;             /* the transfer it carries, when known */
	struct ftp_hostport orig, resp;
	enum an_mode mode;
	double ts_first, ts_last;
	uint64_t bytes_orig, bytes_resp; /* before a transfer claimed it */
	bool syn, synack, fin_orig, fin_resp, rst;
	unsigned gaps;
	uint64_t gap_bytes;
	struct mdata *dnext, *dprev; /* the session's data connections */
};

struct xfer {
	struct an_transfer t;
	char verb[M_VERB_SHOWN];
	char *arg;
	struct msession *s;
	struct mdata *flow;
	bool reply_done, flow_done, had_flow, aborting, hash_ok;
	EVP_MD_CTX *md;
	void *file;                 /* extraction */
	char path[4096];
};

struct msession {
	struct an_session pub;
	struct model *m;
	struct msession *next, *prev;
	struct linebuf clb;
	struct reply_parser rp;
	unsigned phead, pcount;
	bool banner_seen, opaque, anonymous, creds_reported;
	char password[256];
	bool password_set;
	struct expect exp;
	struct xfer *xfers[M_XFER_MAX];
	unsigned nxfers;
	bool size_set;              /* SIZE's 213 for size_name */
	uint64_t size_value;
	char size_name[256];
	double ts_last;
	struct mdata *datas;        /* data connections that point here */
	/* Storage, not state: not zeroed when a session starts (a pending
	 * entry is cleared when it is taken). */
	char cline[M_LINE_MAX];
	char rline[M_LINE_MAX];
	char rtext[M_TEXT_MAX];
	struct pend pend[M_PEND_MAX];
};

struct model {
	struct an_config cfg;
	struct an_sink sink;
	struct an_extract_ops ext;
	bool has_ext;
	unsigned next_id;
	struct msession *sessions;
	struct expect **by_port;    /* 65536 list heads */
	/* Diagnostics found while a reply is applied wait until its command is
	 * reported: a reader sees the command, then what was wrong with it. */
	bool deferring;
	unsigned ndefer;
	struct an_diag defer[M_DEFER_MAX];
};

/* model.c */
/* From here to m_diag_flush, m_diag_emit holds diagnostics back (at most
 * M_DEFER_MAX; more are emitted at once). */
void m_diag_defer(struct model *m);
void m_diag_flush(struct model *m);
/* Report the oldest waiting command with reply r (NULL: none) and drop it. */
void pend_report_head(struct msession *s, const struct reply *r, double ts);
void m_emit(struct model *m, const struct an_event *ev);
/* A diagnostic: m_diag_init (message), m_diag_add (evidence), m_diag_emit. */
void m_diag_init(struct an_diag *d, struct msession *s, double ts, enum an_diag_kind k,
                 const char *fmt, ...) __attribute__((format(printf, 5, 6)));
void m_diag_add(struct an_diag *d, const char *key, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
void m_diag_emit(struct msession *s, const struct an_diag *d);
const char *m_ep(const struct ftp_hostport *hp, char *buf, size_t cap);
/* n bytes of src (no NUL needed) into dst as a C string, cut to fit. */
void m_copy(char *dst, size_t cap, const char *src, size_t n);
const char *m_addr(const struct ftp_addr *a, char *buf, size_t cap);

/* xfer.c */
void xfer_expect_port(struct msession *s, struct pend *p, enum an_mode mode,
                      const struct ftp_hostport *hp);
void xfer_expect_pasv(struct msession *s, struct pend *p, enum an_mode mode,
                      const struct ftp_hostport *hp, double ts);
void xfer_expect_drop(struct msession *s);
void xfer_start(struct msession *s, struct pend *p);
void xfer_reply(struct msession *s, struct xfer *x, int code, double ts);
void xfer_abort_seen(struct msession *s);
void xfer_session_end(struct msession *s, double ts);

#endif
