/* xfer.c - data connections: the expectation a session's PORT/EPRT or
 * 227/229 sets up, the TCP connection that matches it, the transfer a data
 * command (RETR STOR STOU APPE LIST NLST MLSD) makes of it, and the
 * diagnostics of that path (address mismatches, bounce, refusals, failed
 * and truncated transfers). Pure but for sha256 (OpenSSL) and the caller's
 * extraction callbacks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode.h"
#include "model_int.h"

/* ---------------------------------------------------------------- expectations */

static void unindex(struct model *m, struct expect *e)
{
	if (!e->indexed)
		return;
	if (e->prev)
		e->prev->next = e->next;
	else
		m->by_port[e->resp.port] = e->next;
	if (e->next)
		e->next->prev = e->prev;
	e->next = e->prev = NULL;
	e->indexed = false;
}

/* An announced connection that was tried but never answered, and that no
 * transfer command followed (the client gave up before sending one): the
 * transfer diagnostics cannot say it, so the end of the expectation does. */
static void expect_end_diag(struct msession *s)
{
	const struct expect *e = &s->exp;
	char a[ADDR_ENDPOINT_STRLEN];
	struct an_diag d;

	if (!e->set || e->used || !e->syn_seen || e->synack_seen)
		return;
	m_ep(&e->resp, a, sizeof(a));
	m_diag_init(&d, s, e->ts_syn, AN_DIAG_DATA_CONNECTION_FAILED, "the data connection to %s "
	            "was tried but %s, and no transfer command followed", a,
	            e->rst_seen ? "answered by RST: nothing listened there (a wrong address "
	                          "after NAT, or a firewall rejecting it)"
	                        : "its SYN was never answered: dropped by a firewall or NAT "
	                          "on the way");
	m_diag_add(&d, "announced", "%s", a);
	m_diag_add(&d, "mode", "%s", e->mode == AN_MODE_ACTIVE ? "active" :
	           e->mode == AN_MODE_EPRT ? "eprt" : e->mode == AN_MODE_EPSV ? "epsv" : "passive");
	m_diag_emit(s, &d);
}

static void expect_set(struct msession *s, enum an_mode mode, const struct ftp_hostport *resp,
                       const struct ftp_addr *alt, const struct ftp_addr *orig, double ts)
{
	struct expect *e = &s->exp;
	struct model *m = s->m;

	expect_end_diag(s);
	unindex(m, e);
	memset(e, 0, sizeof(*e));
	e->set = true;
	e->mode = mode;
	e->resp = *resp;
	if (alt)
		e->resp_alt = *alt;
	e->orig = *orig;
	e->ts = ts;
	e->s = s;
	e->next = m->by_port[resp->port];
	if (e->next)
		e->next->prev = e;
	m->by_port[resp->port] = e;
	e->indexed = true;
}

void xfer_expect_drop(struct msession *s)
{
	expect_end_diag(s);
	unindex(s->m, &s->exp);
	s->exp.set = false;
	s->exp.flow = NULL;
}

/* Private and special ranges: a PORT there is a client behind NAT, not a
 * third host. */
static bool addr_private(const struct ftp_addr *a)
{
	const uint8_t *b = a->b;

	if (a->family == FTP_AF_INET)
		return b[0] == 10 || (b[0] == 172 && (b[1] & 0xf0) == 16) ||
		       (b[0] == 192 && b[1] == 168) || (b[0] == 100 && (b[1] & 0xc0) == 64) ||
		       (b[0] == 169 && b[1] == 254) || b[0] == 127;
	return (b[0] & 0xfe) == 0xfc || (b[0] == 0xfe && (b[1] & 0xc0) == 0x80);
}

static void port_diag(struct msession *s, const struct pend *p, const struct ftp_hostport *hp)
{
	struct an_diag d;
	char a[ADDR_ENDPOINT_STRLEN], c[ADDR_STRLEN];
	bool nat = addr_private(&hp->addr) && !addr_private(&s->pub.client.addr);
	bool third = !addr_private(&hp->addr) || hp->port < 1024;

	if (addr_equal(&hp->addr, &s->pub.client.addr))
		return;
	m_ep(hp, a, sizeof(a));
	m_addr(&s->pub.client.addr, c, sizeof(c));
	if (third && !nat)
		m_diag_init(&d, s, p->ts, AN_DIAG_BOUNCE_ATTEMPT, "%s asks the server to connect to "
		            "%s, a third host (the client is %s): an FTP bounce", p->verb, a, c);
	else
		m_diag_init(&d, s, p->ts, AN_DIAG_PORT_ADDRESS_MISMATCH, "%s names %s but the client "
		            "is %s on the wire: a client behind NAT without an FTP ALG", p->verb, a, c);
	m_diag_add(&d, "announced", "%s", a);
	m_diag_add(&d, "client", "%s", c);
	m_diag_emit(s, &d);
}

void xfer_expect_port(struct msession *s, struct pend *p, enum an_mode mode,
                      const struct ftp_hostport *hp)
{
	p->dc = (struct an_data_channel){true, false, {s->pub.server.addr, 0}, *hp};
	port_diag(s, p, hp);
	/* The connection may come to the client's own address with that port
	 * (a NAT or ALG between the capture and the client). */
	expect_set(s, mode, hp, &s->pub.client.addr, &s->pub.server.addr, p->ts);
}

void xfer_expect_pasv(struct msession *s, struct pend *p, enum an_mode mode,
                      const struct ftp_hostport *hp, double ts)
{
	char a[ADDR_ENDPOINT_STRLEN], b[ADDR_STRLEN];
	struct an_diag d;

	p->dc = (struct an_data_channel){true, true, {s->pub.client.addr, 0}, *hp};
	if (mode == AN_MODE_PASSIVE && !addr_equal(&hp->addr, &s->pub.server.addr)) {
		m_ep(hp, a, sizeof(a));
		m_addr(&s->pub.server.addr, b, sizeof(b));
		m_diag_init(&d, s, ts, AN_DIAG_PASV_ADDRESS_MISMATCH, "227 announced %s but the "
		            "server is %s on the wire: a server behind NAT", a, b);
		m_diag_add(&d, "announced", "%s", a);
		m_diag_add(&d, "server", "%s", b);
		m_diag_emit(s, &d);
	}
	expect_set(s, mode, hp, &s->pub.server.addr, &s->pub.client.addr, ts);
}

/* ---------------------------------------------------------------- transfers */

static bool sender_is_orig(const struct xfer *x)
{
	/* The server connects in active modes; downloads come from the server. */
	bool server_connects = x->t.mode == AN_MODE_ACTIVE || x->t.mode == AN_MODE_EPRT;
	bool from_server = x->t.direction != FTP_XFER_UPLOAD;

	return server_connects == from_server;
}

static void bind_flow(struct xfer *x, struct mdata *d)
{
	struct model *m = x->s->m;

	x->flow = d;
	x->had_flow = true;
	d->x = x;
	x->t.data_client = d->orig;
	x->t.data_server = d->resp;
	x->t.ts_start = d->ts_first;
	x->t.syn_seen = d->syn;
	x->t.bytes = sender_is_orig(x) ? d->bytes_orig : d->bytes_resp;
	x->hash_ok = x->t.bytes == 0;
	if (m->cfg.hash && x->hash_ok && (x->md = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestInit_ex(x->md, EVP_sha256(), NULL) != 1) {
		EVP_MD_CTX_free(x->md);
		x->md = NULL;
	}
	if (m->has_ext && x->hash_ok)
		x->file = m->ext.open(m->ext.ctx, &x->t, x->path, sizeof(x->path));
}

void xfer_start(struct msession *s, struct pend *p)
{
	struct xfer *x = calloc(1, sizeof(*x));
	const struct expect *e = &s->exp;

	if (x == NULL)
		return;
	if (s->nxfers == M_XFER_MAX) {
		free(x);
		return; /* eight transfers unanswered: no more tracking */
	}
	x->s = s;
	m_copy(x->verb, sizeof(x->verb), p->verb, strlen(p->verb));
	x->arg = p->arg ? strdup(p->arg) : NULL;
	x->t.s = &s->pub;
	x->t.cmd = p->cmd;
	x->t.verb = x->verb;
	x->t.arg = (struct an_bytes){x->arg, x->arg ? p->arg_len : 0};
	x->t.direction = cmd_info(p->cmd)->xfer;
	x->t.mode = e->set ? e->mode : AN_MODE_NONE;
	s->exp.used = e->set;
	x->t.ts_start = p->ts;
	if (e->set)
		x->t.data_server = e->resp; /* data_client: when a connection is seen */
	if (s->size_set && x->arg && strcmp(s->size_name, x->arg) == 0) {
		x->t.size_announced = true;
		x->t.announced_size = s->size_value;
	}
	s->xfers[s->nxfers++] = x;
	p->x = x;
	if (e->set && e->flow && e->flow->x == NULL)
		bind_flow(x, e->flow);
}

void xfer_abort_seen(struct msession *s)
{
	for (unsigned i = 0; i < s->nxfers; i++)
		if (!s->xfers[i]->reply_done)
			s->xfers[i]->aborting = true;
}

static enum an_xfer_status status_of(const struct xfer *x)
{
	int c = x->t.reply_code;

	if (x->aborting || c == 426)
		return AN_XFER_ABORTED;
	if (c == 0)
		return AN_XFER_INCOMPLETE;
	if (c >= 400)
		return AN_XFER_FAILED;
	if (!x->had_flow || x->t.gaps > 0 || !x->t.fin_seen ||
	    (x->t.size_announced && x->t.bytes < x->t.announced_size))
		return AN_XFER_INCOMPLETE;
	return AN_XFER_COMPLETE;
}

/* Why the data connection did not work, from what the capture shows. */
static const char *cause(const struct msession *s, const struct xfer *x)
{
	const struct expect *e = &s->exp;

	if (x->t.rst_seen && x->t.bytes == 0)
		return "its SYN was answered by RST: nothing listened there (a wrong address "
		       "after NAT, or a firewall rejecting it)";
	if (e->set && e->syn_seen && !e->synack_seen)
		return "its SYN was never answered: dropped by a firewall or NAT on the way";
	if (x->had_flow && !x->t.syn_seen)
		return "the connection was already open when the capture started";
	if (x->had_flow)
		return "the connection was open and closed early";
	return "no connection attempt reached the capture point: blocked or misdirected "
	       "before it (active mode from behind NAT, or an address the peer cannot reach)";
}

static void failure_diags(struct msession *s, struct xfer *x, double ts)
{
	struct an_diag d;
	int c = x->t.reply_code;

	if (c == 425 || c == 426) {
		m_diag_init(&d, s, ts, AN_DIAG_DATA_REFUSED, "%s got %d: %s", x->verb, c,
		            c == 426 ? "the data connection was closed or reset during the transfer"
		                     : cause(s, x));
		m_diag_add(&d, "command", "%s", x->verb);
		m_diag_add(&d, "reply_code", "%d", c);
		m_diag_emit(s, &d);
	} else if (x->t.mode != AN_MODE_NONE && c / 100 == 2 && !x->had_flow) {
		/* The server says it worked; the capture shows no connection. */
		m_diag_init(&d, s, ts, AN_DIAG_DATA_CONNECTION_FAILED, "the data connection of %s "
		            "was not seen: %s", x->verb, cause(s, x));
		m_diag_add(&d, "command", "%s", x->verb);
		m_diag_add(&d, "reply_code", "%d", c);
		m_diag_emit(s, &d);
	}
}

static void truncated_diag(struct msession *s, struct xfer *x, double ts)
{
	struct an_diag d;

	m_diag_init(&d, s, ts, AN_DIAG_TRUNCATED_TRANSFER, "%s carried %llu bytes%s%llu%s%s",
	            x->verb, (unsigned long long)x->t.bytes,
	            x->t.size_announced ? " of the " : "",
	            (unsigned long long)(x->t.size_announced ? x->t.announced_size : 0),
	            x->t.size_announced ? " announced" : "",
	            x->t.gaps ? "; the capture has gaps in it" : "; its end is not in the capture");
	m_diag_add(&d, "bytes", "%llu", (unsigned long long)x->t.bytes);
	if (x->t.size_announced)
		m_diag_add(&d, "announced", "%llu", (unsigned long long)x->t.announced_size);
	m_diag_add(&d, "gap_bytes", "%llu", (unsigned long long)x->t.gap_bytes);
	m_diag_emit(s, &d);
}

static void hash_final(struct xfer *x)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned n = 0;

	if (x->md && x->t.status == AN_XFER_COMPLETE && EVP_DigestFinal_ex(x->md, md, &n) == 1) {
		static const char hex[] = "0123456789abcdef";

		for (unsigned i = 0; i < n && i < 32; i++) {
			x->t.sha256[2 * i] = hex[md[i] >> 4];
			x->t.sha256[2 * i + 1] = hex[md[i] & 15];
		}
		x->t.sha256[2 * (n < 32 ? n : 32)] = '\0';
		x->t.sha256_set = true;
	}
	EVP_MD_CTX_free(x->md);
	x->md = NULL;
}

static void finish(struct msession *s, struct xfer *x, double ts)
{
	struct model *m = s->m;
	struct an_event ev = {.type = AN_EV_TRANSFER, .s = &s->pub};
	bool keep;

	if (x->flow)
		x->t.duration_s = x->flow->ts_last - x->t.ts_start;
	x->t.status = status_of(x);
	/* An ABOR the user asked for, or a session that ended first, is no failure. */
	if (!x->aborting && x->t.reply_code != 0 &&
	    (x->t.status == AN_XFER_FAILED || x->t.status == AN_XFER_ABORTED ||
	     (x->t.status == AN_XFER_INCOMPLETE && !x->had_flow)))
		failure_diags(s, x, ts);
	if (x->t.status == AN_XFER_INCOMPLETE && x->had_flow)
		truncated_diag(s, x, ts);
	hash_final(x);
	keep = x->t.status == AN_XFER_COMPLETE;
	if (x->file) {
		m->ext.close(m->ext.ctx, x->file, keep);
		x->t.extracted = keep ? x->path : NULL;
	}
	ev.u.xfer = &x->t;
	s->pub.transfers++;
	m_emit(m, &ev);
	if (x->flow)
		x->flow->x = NULL;
	for (unsigned i = 0; i < s->nxfers; i++)
		if (s->xfers[i] == x) {
			s->xfers[i] = s->xfers[--s->nxfers];
			break;
		}
	free(x->arg);
	free(x);
}

static void maybe_finish(struct msession *s, struct xfer *x, double ts)
{
	if (x->reply_done && (x->flow_done || !x->had_flow))
		finish(s, x, ts);
}

void xfer_reply(struct msession *s, struct xfer *x, int code, double ts)
{
	x->t.reply_code = code;
	x->reply_done = true;
	/* A refused transfer never gets its connection; an open one ends soon. */
	if (code >= 400 && x->flow == NULL)
		x->flow_done = true;
	maybe_finish(s, x, ts);
}

void xfer_session_end(struct msession *s, double ts)
{
	while (s->nxfers > 0) {
		struct xfer *x = s->xfers[0];

		x->reply_done = true;
		finish(s, x, ts);
	}
	for (struct mdata *d = s->datas; d; d = d->dnext)
		d->s = NULL;
	s->datas = NULL;
	xfer_expect_drop(s);
}

/* ---------------------------------------------------------------- data connections */

struct mdata *model_data_match(struct model *m, const struct ftp_hostport *orig,
                               const struct ftp_hostport *resp, double ts, bool syn)
{
	struct expect *e;
	struct mdata *d;
	struct msession *s;

	for (e = m->by_port[resp->port]; e; e = e->next)
		if ((addr_equal(&resp->addr, &e->resp.addr) ||
		     (e->resp_alt.family && addr_equal(&resp->addr, &e->resp_alt))) &&
		    addr_equal(&orig->addr, &e->orig))
			break;
	/* Active mode: a connection to exactly the announced address and port
	 * from another host is still the one the PORT asked for (a proxy or an
	 * ALG box connects in the server's stead; data_client shows who). */
	for (struct expect *a = m->by_port[resp->port]; e == NULL && a; a = a->next)
		if ((a->mode == AN_MODE_ACTIVE || a->mode == AN_MODE_EPRT) && !a->flow &&
		    addr_equal(&resp->addr, &a->resp.addr))
			e = a;
	if (e == NULL || (d = calloc(1, sizeof(*d))) == NULL)
		return NULL;
	s = e->s;
	d->m = m;
	d->s = s;
	d->orig = *orig;
	d->resp = *resp;
	d->mode = e->mode;
	d->ts_first = d->ts_last = ts;
	d->syn = syn;
	e->syn_seen |= syn;
	if (syn)
		e->ts_syn = ts;
	e->flow = d;
	d->dnext = s->datas;
	if (s->datas)
		s->datas->dprev = d;
	s->datas = d;
	for (unsigned i = 0; i < s->nxfers; i++)
		if (!s->xfers[i]->had_flow && !s->xfers[i]->reply_done) {
			bind_flow(s->xfers[i], d);
			break;
		}
	return d;
}

void model_data_packet(struct mdata *d, double ts, bool from_orig, uint8_t flags)
{
	struct expect *e = d->s ? &d->s->exp : NULL;

	d->ts_last = ts;
	if ((flags & TCPF_SYN) && (flags & TCPF_ACK) && !from_orig)
		d->synack = true;
	if (flags & TCPF_FIN)
		*(from_orig ? &d->fin_orig : &d->fin_resp) = true;
	if (flags & TCPF_RST)
		d->rst = true;
	if (e && e->flow == d) {
		e->synack_seen |= d->synack;
		e->rst_seen |= d->rst;
	}
	if (d->x) {
		d->x->t.fin_seen = d->fin_orig || d->fin_resp;
		d->x->t.rst_seen = d->rst;
	}
}

void model_data_bytes(struct mdata *d, double ts, bool from_orig, const uint8_t *p, size_t n)
{
	struct xfer *x = d->x;
	struct model *m = d->m;

	d->ts_last = ts;
	if (x == NULL) {
		*(from_orig ? &d->bytes_orig : &d->bytes_resp) += n;
		return;
	}
	if (from_orig != sender_is_orig(x))
		return; /* the receiver's side carries nothing in FTP */
	x->t.bytes += n;
	if (x->md && EVP_DigestUpdate(x->md, p, n) != 1) {
		EVP_MD_CTX_free(x->md);
		x->md = NULL;
	}
	if (x->file && m->ext.write(m->ext.ctx, x->file, p, n) < 0) {
		m->ext.close(m->ext.ctx, x->file, false);
		x->file = NULL;
	}
}

void model_data_gap(struct mdata *d, double ts, uint64_t n)
{
	d->ts_last = ts;
	d->gaps++;
	d->gap_bytes += n;
	if (d->x) {
		d->x->t.gaps++;
		d->x->t.gap_bytes += n;
	}
}

void model_data_close(struct mdata *d, double ts)
{
	struct xfer *x = d->x;
	struct msession *s = d->s;

	d->ts_last = ts;
	if (s) {
		if (s->exp.flow == d)
			s->exp.flow = NULL;
		if (d->dprev)
			d->dprev->dnext = d->dnext;
		else
			s->datas = d->dnext;
		if (d->dnext)
			d->dnext->dprev = d->dprev;
	}
	if (x) {
		x->flow = NULL;
		x->flow_done = true;
		x->t.duration_s = d->ts_last - x->t.ts_start;
		x->t.fin_seen = d->fin_orig || d->fin_resp;
		x->t.rst_seen = d->rst;
		maybe_finish(x->s, x, ts);
	}
	free(d);
}
