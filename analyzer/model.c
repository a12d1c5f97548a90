/* model.c - FTP control streams to sessions: command lines (libftplab's
 * linebuf and cmd), replies (reply parser: multi-line assembly), each
 * command paired with its final reply in order (pipelining), session state
 * and the diagnostics of the control channel. Data connections and
 * transfers are xfer.c's. Pure: no I/O; events go to the sink. */
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "ftplab/hostport.h"
#include "ftplab/textesc.h"
#include "ftplab/vpath.h"
#include "model_int.h"

#define SLOW_REPLY_DEFAULT_MS 5000.0

static const char MASK[] = "****";

/* ---------------------------------------------------------------- helpers */

void m_emit(struct model *m, const struct an_event *ev)
{
	if (m->sink.event)
		m->sink.event(m->sink.ctx, ev);
}

const char *m_ep(const struct ftp_hostport *hp, char *buf, size_t cap)
{
	if (addr_format_endpoint(buf, cap, hp) != FTP_OK)
		snprintf(buf, cap, "?");
	return buf;
}

void m_copy(char *dst, size_t cap, const char *src, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	if (n)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

const char *m_addr(const struct ftp_addr *a, char *buf, size_t cap)
{
	if (addr_format(buf, cap, a) != FTP_OK)
		snprintf(buf, cap, "?");
	return buf;
}

void m_diag_init(struct an_diag *d, struct msession *s, double ts, enum an_diag_kind k,
                 const char *fmt, ...)
{
	va_list ap;

	/* the header; message and evidence are written below (the evidence
	 * array, 1.3 KB, is read only up to nev) */
	memset(d, 0, offsetof(struct an_diag, message));
	d->nev = 0;
	d->s = s ? &s->pub : NULL;
	d->ts = ts;
	d->kind = k;
	va_start(ap, fmt);
	vsnprintf(d->message, sizeof(d->message), fmt, ap);
	va_end(ap);
}

void m_diag_add(struct an_diag *d, const char *key, const char *fmt, ...)
{
	va_list ap;

	if (d->nev >= AN_EVIDENCE_MAX)
		return;
	d->ev[d->nev].key = key;
	va_start(ap, fmt);
	if (strcmp(fmt, "%s") == 0) { /* most evidence: a string as it is */
		const char *v = va_arg(ap, const char *);

		if (v == NULL)
			v = "(null)"; /* as printf writes it */
		m_copy(d->ev[d->nev].value, sizeof(d->ev[d->nev].value), v, strlen(v));
	} else {
		vsnprintf(d->ev[d->nev].value, sizeof(d->ev[d->nev].value), fmt, ap);
	}
	va_end(ap);
	d->nev++;
}

static void diag_event(struct model *m, const struct an_diag *d)
{
	struct an_event ev = {.type = AN_EV_DIAG, .s = d->s};

	ev.u.diag = d;
	m_emit(m, &ev);
}

void m_diag_emit(struct msession *s, const struct an_diag *d)
{
	struct model *m = s->m;

	if (m->deferring && m->ndefer < M_DEFER_MAX) {
		struct an_diag *k = &m->defer[m->ndefer++];

		memcpy(k, d, offsetof(struct an_diag, ev)); /* header and message */
		k->nev = d->nev;
		memcpy(k->ev, d->ev, d->nev * sizeof(d->ev[0]));
		return;
	}
	diag_event(m, d);
}

void m_diag_defer(struct model *m)
{
	m->deferring = true;
}

void m_diag_flush(struct model *m)
{
	m->deferring = false;
	for (unsigned i = 0; i < m->ndefer; i++)
		diag_event(m, &m->defer[i]);
	m->ndefer = 0;
}

/* Network bytes made printable for a message. */
static const char *esc(const char *p, size_t n, char *buf, size_t cap)
{
	bool cut;

	textesc(buf, cap, p, n, &cut);
	return buf;
}

/* ---------------------------------------------------------------- model */

struct model *model_new(const struct an_config *cfg, const struct an_sink *sink,
                        const struct an_extract_ops *ext)
{
	struct model *m = calloc(1, sizeof(*m));

	if (m == NULL)
		return NULL;
	m->by_port = calloc(65536, sizeof(*m->by_port));
	if (m->by_port == NULL) {
		free(m);
		return NULL;
	}
	m->cfg = *cfg;
	if (m->cfg.slow_reply_ms <= 0)
		m->cfg.slow_reply_ms = SLOW_REPLY_DEFAULT_MS;
	m->sink = *sink;
	if (ext && ext->open) {
		m->ext = *ext;
		m->has_ext = true;
	}
	return m;
}

void model_free(struct model *m, double ts)
{
	if (m == NULL)
		return;
	while (m->sessions)
		model_session_close(m->sessions, ts);
	free(m->by_port);
	free(m);
}

unsigned model_next_id(struct model *m)
{
	return ++m->next_id;
}

struct msession *model_session_open(struct model *m, unsigned id, const struct ftp_hostport *client,
                                    const struct ftp_hostport *server, double ts)
{
	struct msession *s = malloc(sizeof(*s));
	struct an_event ev = {.type = AN_EV_SESSION_OPEN};

	if (s == NULL)
		return NULL;
	memset(s, 0, offsetof(struct msession, cline)); /* the rest is storage */
	s->m = m;
	s->pub.id = id ? id : model_next_id(m);
	s->pub.client = *client;
	s->pub.server = *server;
	s->pub.ts_start = s->pub.ts_end = s->ts_last = ts;
	linebuf_init(&s->clb, s->cline, sizeof(s->cline), true);
	reply_parser_init(&s->rp, s->rline, sizeof(s->rline), s->rtext, sizeof(s->rtext), 0);
	s->next = m->sessions;
	if (m->sessions)
		m->sessions->prev = s;
	m->sessions = s;
	ev.s = &s->pub;
	m_emit(m, &ev);
	return s;
}

bool model_session_opaque(const struct msession *s)
{
	return s->opaque;
}

/* ---------------------------------------------------------------- commands */

static void pend_free(struct pend *p)
{
	if (p->arg != p->argbuf)
		free(p->arg);
	if (p->cwd != p->cwdbuf)
		free(p->cwd);
	p->arg = p->cwd = NULL;
}

/* A copy in the entry's own buffer when it fits, else on the heap. */
static char *pend_dup(char *small, size_t cap, const char *src, size_t n)
{
	char *d = n < cap ? small : malloc(n + 1);

	if (d) {
		memcpy(d, src, n);
		d[n] = '\0';
	}
	return d;
}

void pend_report_head(struct msession *s, const struct reply *r, double ts)
{
	struct pend *p = &s->pend[s->phead];
	struct an_command c = {.s = &s->pub, .ts = p->ts, .cmd = p->cmd, .verb = p->verb};
	struct an_event ev = {.type = AN_EV_COMMAND, .s = &s->pub};

	c.arg = (struct an_bytes){p->arg, p->arg_len};
	c.arg_masked = p->masked;
	c.arg_truncated = p->truncated;
	c.reply_code = r && r->error == REPLY_ERR_NONE ? r->code : 0;
	c.reply = r ? (struct an_bytes){r->text, r->len} : (struct an_bytes){NULL, 0};
	c.reply_truncated = r && (r->flags & (REPLY_F_TRUNCATED | REPLY_F_LONG_LINE));
	c.reply_lines = r ? (unsigned)r->nlines : 0;
	c.prelim_code = p->prelim;
	c.latency_ms = r ? (ts - p->ts) * 1000.0 : -1.0;
	c.cwd = p->cwd ? p->cwd : "";
	c.user = s->pub.user;
	c.password = (struct an_bytes){s->password, strlen(s->password)};
	c.password_set = s->password_set;
	c.dc = p->dc;
	if (s->size_set && p->arg && strlen(s->size_name) == p->arg_len &&
	    memcmp(s->size_name, p->arg, p->arg_len) == 0) {
		c.file_size_set = true;
		c.file_size = s->size_value;
	}
	if (p->x && p->x->t.size_announced) {
		c.file_size_set = true;
		c.file_size = p->x->t.announced_size;
	}
	ev.u.cmd = &c;
	s->pub.commands++;
	m_emit(s->m, &ev);
	pend_free(p);
	s->phead = (s->phead + 1) % M_PEND_MAX;
	s->pcount--;
}

static bool is_anonymous(const char *u)
{
	/* Zeek's guest_ids: their passwords are e-mail addresses, shown. */
	return strcasecmp(u, "anonymous") == 0 || strcasecmp(u, "ftp") == 0 ||
	       strcasecmp(u, "ftpuser") == 0 || strcasecmp(u, "guest") == 0;
}

static void set_arg(struct msession *s, struct pend *p, const struct cmd_parsed *pc)
{
	const struct cmd_info *ci = cmd_info(pc->cmd);
	size_t n = pc->arg_len < M_ARG_MAX ? pc->arg_len : M_ARG_MAX;

	if (!pc->has_arg)
		return;
	if ((ci->flags & CMD_F_SECRET) && !s->m->cfg.show_passwords &&
	    !(pc->cmd == FTP_CMD_PASS && s->anonymous)) {
		p->arg = pend_dup(p->argbuf, sizeof(p->argbuf), MASK, strlen(MASK));
		p->arg_len = p->arg ? strlen(MASK) : 0;
		p->masked = true;
		return;
	}
	p->truncated |= pc->arg_len > M_ARG_MAX;
	p->arg = pend_dup(p->argbuf, sizeof(p->argbuf), pc->arg, n);
	p->arg_len = p->arg ? n : 0;
}

static void on_user_pass(struct msession *s, const struct cmd_parsed *pc, struct pend *p,
                         double ts)
{
	size_t n = pc->arg_len < sizeof(s->pub.user) - 1 ? pc->arg_len : sizeof(s->pub.user) - 1;
	struct an_diag d;

	if (pc->cmd == FTP_CMD_USER) {
		if (n > 0) /* "USER" alone has no argument (arg is NULL) */
			memcpy(s->pub.user, pc->arg, n);
		s->pub.user[n] = '\0';
		s->pub.gen++;
		s->anonymous = is_anonymous(s->pub.user);
		return;
	}
	m_copy(s->password, sizeof(s->password), p->arg ? p->arg : "", p->arg ? p->arg_len : 0);
	s->password_set = true;
	if (s->anonymous || s->creds_reported || s->pub.encrypted || !pc->has_arg)
		return;
	s->creds_reported = true;
	m_diag_init(&d, s, ts, AN_DIAG_CLEARTEXT_CREDENTIALS,
	            "user %s sent a password in clear text on the control connection",
	            esc(s->pub.user, strlen(s->pub.user), (char[160]){0}, 160));
	m_diag_add(&d, "user", "%s", esc(s->pub.user, strlen(s->pub.user), (char[160]){0}, 160));
	m_diag_emit(s, &d);
}

static void on_port_cmd(struct msession *s, const struct cmd_parsed *pc, struct pend *p)
{
	struct ftp_hostport hp;
	bool eprt = pc->cmd == FTP_CMD_EPRT;
	enum ftp_status st = eprt ? hostport_parse_eprt(pc->arg, pc->arg_len, &hp)
	                          : hostport_parse_port(pc->arg, pc->arg_len, &hp);

	if (st != FTP_OK)
		return; /* the server answers 501; nothing is expected */
	xfer_expect_port(s, p, eprt ? AN_MODE_EPRT : AN_MODE_ACTIVE, &hp);
}

static void malformed_command(struct msession *s, double ts, const struct linebuf_line *l,
                              enum ftp_status st)
{
	struct an_diag d;
	char b[160];

	m_diag_init(&d, s, ts, AN_DIAG_MALFORMED_COMMAND, "the client sent a line that is not "
	            "an FTP command (%s): %s", ftp_status_str(st), esc(l->p, l->len, b, sizeof(b)));
	m_diag_add(&d, "line", "%s", b);
	m_diag_add(&d, "length", "%zu", l->len);
	m_diag_emit(s, &d);
}

/* The command word as sent, for a line that did not parse: up to
 * M_VERB_SHOWN - 4 bytes of it, "..." when longer. */
static void raw_verb(char *out, const struct linebuf_line *l)
{
	size_t n = 0;

	while (n < l->len && l->p[n] != ' ')
		n++;
	if (n > M_VERB_SHOWN - 4)
		snprintf(out, M_VERB_SHOWN, "%.*s...", M_VERB_SHOWN - 4, l->p);
	else
		snprintf(out, M_VERB_SHOWN, "%.*s", (int)n, l->p);
}

static void on_command(struct msession *s, double ts, const struct linebuf_line *l, bool toolong)
{
	struct cmd_parsed pc;
	enum ftp_status st = cmd_parse(l->p, l->len, &pc);
	struct pend *p;

	if (st == FTP_EEMPTY && !toolong)
		return;
	if (st != FTP_OK || toolong)
		malformed_command(s, ts, l, toolong ? FTP_ETOOLONG : st);
	if (s->pcount == M_PEND_MAX)
		pend_report_head(s, NULL, ts); /* a reply lost long ago */
	p = &s->pend[(s->phead + s->pcount) % M_PEND_MAX];
	s->pcount++;
	memset(p, 0, offsetof(struct pend, argbuf));
	p->ts = ts;
	p->cmd = st == FTP_OK ? pc.cmd : FTP_CMD_UNKNOWN;
	if (st == FTP_OK)
		m_copy(p->verb, sizeof(p->verb), pc.verb, strlen(pc.verb));
	else
		raw_verb(p->verb, l);
	p->cwd = s->pub.cwd[0] ? pend_dup(p->cwdbuf, sizeof(p->cwdbuf), s->pub.cwd,
	                                  strlen(s->pub.cwd)) : NULL;
	if (st != FTP_OK)
		return;
	/* An overlong line keeps its start: the verb and the first bytes of
	 * the argument, marked as cut. */
	p->truncated = toolong;
	set_arg(s, p, &pc);
	if (pc.cmd == FTP_CMD_USER || pc.cmd == FTP_CMD_PASS)
		on_user_pass(s, &pc, p, ts);
	else if ((pc.cmd == FTP_CMD_PORT || pc.cmd == FTP_CMD_EPRT) && !toolong)
		on_port_cmd(s, &pc, p);
	else if (pc.cmd == FTP_CMD_ABOR)
		xfer_abort_seen(s);
	else if (cmd_info(pc.cmd)->xfer != FTP_XFER_NONE)
		xfer_start(s, p);
}

void model_client_bytes(struct msession *s, double ts, const uint8_t *p, size_t n)
{
	s->ts_last = ts;
	while (n > 0 && !s->opaque) {
		struct linebuf_line l;
		size_t used = 0;
		enum linebuf_status st = linebuf_feed(&s->clb, p, n, &used, &l);

		p += used;
		n -= used;
		if (st == LINEBUF_TOOLONG || st == LINEBUF_LINE)
			on_command(s, ts, &l, st == LINEBUF_TOOLONG);
		if (st == LINEBUF_NEED_MORE)
			break;
	}
}

void model_session_close(struct msession *s, double ts)
{
	struct model *m = s->m;
	struct an_event ev = {.type = AN_EV_SESSION_CLOSE, .s = &s->pub};

	while (s->pcount > 0)
		pend_report_head(s, NULL, ts);
	xfer_session_end(s, ts);
	s->pub.ts_end = ts > s->ts_last ? ts : s->ts_last;
	m_emit(m, &ev);
	if (s->prev)
		s->prev->next = s->next;
	else
		m->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	free(s);
}

void model_flow_diag(struct model *m, const struct ftp_hostport *a, const struct ftp_hostport *b,
                     double ts, enum an_diag_kind k, const char *message,
                     const char *evidence_key, const char *evidence)
{
	struct an_diag d;
	struct an_event ev = {.type = AN_EV_DIAG, .s = NULL};

	memset(&d, 0, sizeof(d));
	d.a = *a;
	d.b = *b;
	d.ts = ts;
	d.kind = k;
	snprintf(d.message, sizeof(d.message), "%s", message);
	if (evidence_key) {
		d.ev[0].key = evidence_key;
		snprintf(d.ev[0].value, sizeof(d.ev[0].value), "%s", evidence);
		d.nev = 1;
	}
	ev.u.diag = &d;
	m_emit(m, &ev);
}
