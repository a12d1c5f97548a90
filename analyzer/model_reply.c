/* model_reply.c - the server side of an FTP session: replies (multi-line
 * assembled by libftplab's reply parser) paired in order with the commands
 * waiting for them, and what each reply changes: login, cwd, the passive
 * expectation, AUTH TLS, transfers. Pure: no I/O. */
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ftplab/hostport.h"
#include "ftplab/textesc.h"
#include "ftplab/vpath.h"
#include "model_int.h"

/* Zeek's weird names for replies that are not replies. */
static const char *reply_weird(enum reply_error e)
{
	switch (e) {
	case REPLY_ERR_NO_CODE: return "FTP_reply_missing_code";
	case REPLY_ERR_CODE_RANGE: return "FTP_invalid_reply_code";
	case REPLY_ERR_NO_SEPARATOR: return "FTP_reply_missing_space";
	default: return "FTP_malformed_reply";
	}
}

static void malformed_reply(struct msession *s, double ts, const struct reply *r)
{
	struct an_diag d;
	char b[160];
	bool cut;

	textesc(b, sizeof(b), r->text, r->len, &cut);
	m_diag_init(&d, s, ts, AN_DIAG_MALFORMED_REPLY, "the server sent a line that is not a "
	            "reply (%s): %s", reply_weird(r->error), b);
	m_diag_add(&d, "line", "%s", b);
	m_diag_add(&d, "weird", "%s", reply_weird(r->error));
	m_diag_emit(s, &d);
}

static void banner(struct msession *s, double ts, const struct reply *r)
{
	struct an_event ev = {.type = AN_EV_BANNER, .s = &s->pub};

	ev.u.banner.ts = ts;
	ev.u.banner.code = r->code;
	ev.u.banner.text = (struct an_bytes){r->text, r->len};
	if (r->code != 120) /* 120: "ready in n minutes", a 220 follows */
		s->banner_seen = true;
	m_emit(s->m, &ev);
}

static void unsolicited(struct msession *s, double ts, const struct reply *r)
{
	struct an_diag d;
	char b[160];
	bool cut;

	textesc(b, sizeof(b), r->text, r->len, &cut);
	m_diag_init(&d, s, ts, AN_DIAG_UNSOLICITED_REPLY, "reply %d came when no command was "
	            "waiting for one: %s", r->code, b);
	m_diag_add(&d, "code", "%d", r->code);
	m_diag_emit(s, &d);
}

static void slow(struct msession *s, const struct pend *p, int code, double ts)
{
	struct an_diag d;
	double ms = (ts - p->ts) * 1000.0;

	if (ms <= s->m->cfg.slow_reply_ms)
		return;
	m_diag_init(&d, s, ts, AN_DIAG_SLOW_REPLY, "%s took %.0f ms to be answered (%d), more "
	            "than %.0f ms", p->verb, ms, code, s->m->cfg.slow_reply_ms);
	m_diag_add(&d, "command", "%s", p->verb);
	m_diag_add(&d, "latency_ms", "%.3f", ms);
	m_diag_add(&d, "threshold_ms", "%.0f", s->m->cfg.slow_reply_ms);
	m_diag_emit(s, &d);
}

/* 257 "path" ...: the path, with "" inside quotes meaning one quote. */
static bool parse_257(const struct reply *r, char *out, size_t cap)
{
	const char *p = memchr(r->text, '"', r->len), *end = r->text + r->len;
	size_t o = 0;

	if (p == NULL)
		return false;
	for (p++; p < end && o + 1 < cap; p++) {
		if (*p == '"' && (p + 1 >= end || p[1] != '"'))
			break;
		if (*p == '"')
			p++;
		out[o++] = *p;
	}
	out[o] = '\0';
	return p < end && o > 0 && out[0] == '/';
}

static void set_cwd(struct msession *s, const struct pend *p)
{
	char out[sizeof(s->pub.cwd)];
	size_t n;

	if (p->cmd == FTP_CMD_CDUP) {
		if (s->pub.cwd[0] && vpath_dirname(s->pub.cwd, out, sizeof(out)) == FTP_OK)
			m_copy(s->pub.cwd, sizeof(s->pub.cwd), out, strlen(out));
		return;
	}
	/* A relative CWD from an unknown cwd stays unknown. */
	if (p->masked || p->arg == NULL || (p->arg[0] != '/' && s->pub.cwd[0] == '\0'))
		return;
	if (vpath_join(s->pub.cwd, strlen(s->pub.cwd), p->arg, p->arg_len, out, sizeof(out), &n) ==
	    FTP_OK)
		memcpy(s->pub.cwd, out, n + 1);
}

/* SIZE's 213 and "150 ... (N bytes)". */
static bool parse_size(const char *t, size_t n, uint64_t *v)
{
	uint64_t x = 0;
	size_t i = 0, digits = 0;

	while (i < n && t[i] == ' ')
		i++;
	for (; i < n && isdigit((unsigned char)t[i]) && digits < 19; i++, digits++)
		x = x * 10 + (uint64_t)(t[i] - '0');
	*v = x;
	return digits > 0;
}

static void reply_effects(struct msession *s, struct pend *p, const struct reply *r, double ts)
{
	struct ftp_hostport hp;
	uint16_t port;
	int c = r->code;

	s->pub.gen++; /* user or cwd may change below: the writers' copies go stale */
	switch (p->cmd) {
	case FTP_CMD_USER:
	case FTP_CMD_PASS:
		if (c == 230)
			s->pub.login = AN_LOGIN_OK;
		else if (c >= 400 && s->pub.login != AN_LOGIN_OK)
			s->pub.login = AN_LOGIN_FAILED;
		break;
	case FTP_CMD_REIN:
		if (c / 100 == 2) {
			s->pub.login = AN_LOGIN_NONE;
			s->pub.user[0] = '\0';
		}
		break;
	case FTP_CMD_PWD:
		if (c == 257)
			(void)parse_257(r, s->pub.cwd, sizeof(s->pub.cwd));
		break;
	case FTP_CMD_CWD:
	case FTP_CMD_CDUP:
		if (c / 100 == 2)
			set_cwd(s, p);
		break;
	case FTP_CMD_PASV:
		if (c == 227 && hostport_parse_pasv(r->text, r->len, &hp) == FTP_OK)
			xfer_expect_pasv(s, p, AN_MODE_PASSIVE, &hp, ts);
		break;
	case FTP_CMD_EPSV:
		if (c == 229 && hostport_parse_epsv(r->text, r->len, &port) == FTP_OK) {
			hp.addr = s->pub.server.addr;
			hp.port = port;
			xfer_expect_pasv(s, p, AN_MODE_EPSV, &hp, ts);
		}
		break;
	case FTP_CMD_PORT:
	case FTP_CMD_EPRT:
		if (c / 100 != 2)
			xfer_expect_drop(s);
		break;
	case FTP_CMD_SIZE:
		if (c == 213 && p->arg && !p->masked)
			s->size_set = parse_size(r->text, r->len, &s->size_value);
		if (s->size_set)
			m_copy(s->size_name, sizeof(s->size_name), p->arg, p->arg_len);
		break;
	case FTP_CMD_AUTH:
		if (c == 234)
			s->opaque = s->pub.encrypted = true;
		break;
	default:
		break;
	}
}

/* "150 Opening ... (1234 bytes)": the size announced. */
/* A 1xx: the server answered (a slow one is judged here, not at the final
 * reply, which waits for the transfer); the size in "150 ... (N bytes)". */
static void prelim(struct msession *s, struct pend *p, const struct reply *r, double ts)
{
	const char *o = NULL;
	uint64_t v;

	if (p->prelim == 0)
		slow(s, p, r->code, ts);
	p->prelim = r->code;
	for (size_t i = r->len; i-- > 0;)
		if (r->text[i] == '(') {
			o = r->text + i + 1;
			break;
		}
	if (p->x && o && parse_size(o, (size_t)(r->text + r->len - o), &v) &&
	    memmem(o, (size_t)(r->text + r->len - o), "bytes", 5)) {
		p->x->t.size_announced = true;
		p->x->t.announced_size = v;
	}
}

static void encrypted_note(struct msession *s, double ts)
{
	struct an_diag d;

	m_diag_init(&d, s, ts, AN_DIAG_ENCRYPTED, "AUTH accepted (234): the rest of the control "
	            "connection is TLS and is not decoded");
	m_diag_emit(s, &d);
}

static void on_reply(struct msession *s, double ts, const struct reply *r)
{
	struct pend *p;
	struct xfer *x;

	/* The greeting, also when the client did not wait for it (pipelined
	 * USER before the 220: no reply to a command is 220 or 120). */
	if (!s->banner_seen && (s->pcount == 0 || r->code == 220 || r->code == 120)) {
		banner(s, ts, r);
		return;
	}
	if (s->pcount == 0) {
		unsolicited(s, ts, r);
		return;
	}
	p = &s->pend[s->phead];
	if (r->code < 200) {
		prelim(s, p, r, ts);
		return;
	}
	x = p->x;
	m_diag_defer(s->m); /* what the reply shows about the command: after it */
	if (p->prelim == 0)
		slow(s, p, r->code, ts);
	reply_effects(s, p, r, ts);
	pend_report_head(s, r, ts); /* the command before its transfer */
	m_diag_flush(s->m);
	if (x)
		xfer_reply(s, x, r->code, ts);
	if (s->opaque)
		encrypted_note(s, ts);
}

void model_server_bytes(struct msession *s, double ts, const uint8_t *p, size_t n)
{
	s->ts_last = ts;
	while (n > 0 && !s->opaque) {
		struct reply r;
		size_t used = 0;
		enum reply_status st = reply_feed(&s->rp, p, n, &used, &r);

		p += used;
		n -= used;
		if (st == REPLY_MALFORMED) {
			malformed_reply(s, ts, &r);
			/* It stands where the reply should be: the command waiting for
			 * it gets it (as Zeek and Suricata pair it), or every later
			 * reply would shift onto the wrong command. */
			if (s->pcount > 0 && s->banner_seen)
				pend_report_head(s, &r, ts);
		} else if (st == REPLY_DONE)
			on_reply(s, ts, &r);
		else
			break;
	}
}

void model_control_gap(struct msession *s, double ts, bool from_client, uint64_t off,
                       uint64_t n)
{
	struct an_diag d;

	m_diag_init(&d, s, ts, AN_DIAG_CONTENT_GAP, "%llu bytes of the %s side of the control "
	            "connection are missing from the capture", (unsigned long long)n,
	            from_client ? "client" : "server");
	m_diag_add(&d, "offset", "%llu", (unsigned long long)off);
	m_diag_add(&d, "bytes", "%llu", (unsigned long long)n);
	m_diag_emit(s, &d);
	/* The line or reply being assembled lost its middle: start afresh. */
	if (from_client)
		linebuf_reset(&s->clb);
	else
		reply_parser_reset(&s->rp);
}
