/* control.c - the two control streams: client commands (forwarded, or
 * rewritten when they set up a data connection) and server replies
 * (forwarded line by line, or answered by the proxy for its own data
 * commands). A FIFO says what each forwarded command waits for. */
#include <netdb.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "ftplab/reply.h"
#include "net.h"
#include "proxy.h"

void control_reply_now(struct psession *ps, int code, const char *text)
{
	char buf[1024];
	size_t len;

	if (reply_format(buf, sizeof(buf), &len, code, text, strlen(text)) == FTP_OK)
		pside_send(ps, &ps->c, buf, len);
}

static void push_pending(struct psession *ps, enum pend_kind k);

void control_reply(struct psession *ps, int code, const char *text)
{
	char buf[1024];
	size_t len;
	struct local_reply *lr;

	if (ps->state != PS_RELAY || ps->pend_count == 0 || ps->pend_count >= PROXY_PENDING_MAX) {
		control_reply_now(ps, code, text);
		return;
	}
	if (reply_format(buf, sizeof(buf), &len, code, text, strlen(text)) != FTP_OK)
		return;
	lr = malloc(sizeof(*lr) + len);
	if (lr == NULL) {
		psession_close(ps, "out of memory");
		return;
	}
	lr->next = NULL;
	lr->len = len;
	memcpy(lr->data, buf, len);
	if (ps->locals_tail)
		ps->locals_tail->next = lr;
	else
		ps->locals = lr;
	ps->locals_tail = lr;
	push_pending(ps, PEND_LOCAL);
}

void control_free(struct psession *ps)
{
	while (ps->locals) {
		struct local_reply *lr = ps->locals;

		ps->locals = lr->next;
		free(lr);
	}
	ps->locals_tail = NULL;
}

static void push_pending(struct psession *ps, enum pend_kind k)
{
	ps->pending[(ps->pend_head + ps->pend_count) % PROXY_PENDING_MAX] = k;
	if (ps->pend_count < PROXY_PENDING_MAX)
		ps->pend_count++;
}

static enum pend_kind head_pending(const struct psession *ps)
{
	return ps->pend_count ? ps->pending[ps->pend_head] : PEND_PLAIN;
}

static void pop_pending(struct psession *ps)
{
	if (ps->pend_count == 0)
		return;
	ps->pend_head = (ps->pend_head + 1) % PROXY_PENDING_MAX;
	ps->pend_count--;
}

/* Our own replies whose turn has come go out now. */
static void flush_locals(struct psession *ps)
{
	while (ps->pend_count > 0 && ps->pending[ps->pend_head] == PEND_LOCAL && ps->locals) {
		struct local_reply *lr = ps->locals;

		pop_pending(ps);
		ps->locals = lr->next;
		if (ps->locals == NULL)
			ps->locals_tail = NULL;
		pside_send(ps, &ps->c, lr->data, lr->len);
		free(lr);
		if (ps->state == PS_DEAD)
			return;
	}
}

/* A line and its CRLF in one write: one segment, one system call. */
static void send_line(struct psession *ps, struct pside *side, const char *line, size_t len)
{
	char buf[PROXY_LINE_MAX + 2];

	if (len > PROXY_LINE_MAX)
		len = PROXY_LINE_MAX;
	memcpy(buf, line, len);
	memcpy(buf + len, "\r\n", 2);
	pside_send(ps, side, buf, len + 2);
}

static void send_upstream(struct psession *ps, const char *line, size_t len, bool crlf)
{
	if (crlf)
		send_line(ps, &ps->s, line, len);
	else
		pside_send(ps, &ps->s, line, len);
}

/* Forward mode: USER user@host[:port] picks the server. */
static void forward_login(struct psession *ps, const struct client_req *cr)
{
	struct ftp_hostport dst = {.port = cr->port};
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	const char *host = cr->host;
	char bare[REWRITE_HOST_MAX];
	size_t n = strlen(host);

	if (n >= 2 && host[0] == '[' && host[n - 1] == ']') {
		snprintf(bare, sizeof(bare), "%.*s", (int)(n - 2), host + 1);
		host = bare;
	}
	if (addr_parse(host, strlen(host), &dst.addr) != FTP_OK) {
		/* A name: resolved here, blocking (numeric hosts never wait). */
		if (getaddrinfo(host, NULL, &hints, &res) != 0 || res == NULL) {
			control_reply(ps, FTP_R_NOT_LOGGED_IN, "Unknown host.");
			return;
		}
		struct ftp_hostport tmp;

		net_from_sockaddr(res->ai_addr, &tmp);
		dst.addr = tmp.addr;
		freeaddrinfo(res);
	}
	snprintf(ps->fwd_user, sizeof(ps->fwd_user), "%s", cr->user);
	ps->upstream = dst; /* so the JSON log names the server from this event on */
	plog(ps, "forward", "USER %s@%s:%u", cr->user, cr->host, (unsigned)cr->port);
	psession_connect_upstream(ps, &dst);
	if (ps->state == PS_CONNECTING)
		push_pending(ps, PEND_BANNER);
}

static void wait_user_line(struct psession *ps, const struct client_req *cr)
{
	if (cr->kind == CREQ_USER_AT)
		forward_login(ps, cr);
	else if (cr->kind == CREQ_BAD_ARG && cr->cmd == FTP_CMD_USER)
		control_reply(ps, FTP_R_ARG_SYNTAX_ERROR, "Use USER user@host[:port].");
	else if (cr->cmd == FTP_CMD_QUIT) {
		control_reply(ps, FTP_R_CLOSING, "Goodbye.");
		psession_linger_close(ps, "client said QUIT");
	} else
		control_reply(ps, FTP_R_NOT_LOGGED_IN, "Log in with USER user@host[:port] first.");
}

static void refuse_locally(struct psession *ps, const struct client_req *cr)
{
	switch (cr->kind) {
	case CREQ_AUTH:
		plog(ps, "auth-refused", "AUTH refused: a relay that rewrites PORT/PASV cannot "
		     "see inside TLS; the session goes on in clear");
		control_reply(ps, FTP_R_POLICY_DENIED, "ftplab-proxy relays FTP in clear only: "
		              "AUTH refused (FTPS cannot be rewritten).");
		break;
	case CREQ_EPSV_ALL:
		ps->epsv_all = true;
		control_reply(ps, FTP_R_OK, "EPSV ALL ok.");
		break;
	default: /* CREQ_BAD_ARG */
		if (cr->st == FTP_EFAMILY)
			control_reply(ps, FTP_R_BAD_FAMILY, reply_code_text(FTP_R_BAD_FAMILY));
		else
			control_reply(ps, FTP_R_ARG_SYNTAX_ERROR, "Bad address or port.");
		break;
	}
}

void control_client_line(struct psession *ps, const char *line, size_t len)
{
	struct client_req cr;
	char up[160];
	size_t ulen;

	rewrite_client_line(line, len, ps->px->cfg.mode == PMODE_FORWARD && ps->state == PS_WAIT_USER,
	                    &cr);
	if (ps->state == PS_WAIT_USER) {
		wait_user_line(ps, &cr);
		return;
	}
	if (ps->state != PS_RELAY)
		return;
	switch (cr.kind) {
	case CREQ_AUTH:
	case CREQ_EPSV_ALL:
	case CREQ_BAD_ARG:
		refuse_locally(ps, &cr);
		return;
	case CREQ_PORT:
	case CREQ_EPRT:
	case CREQ_PASV:
	case CREQ_EPSV:
		if (ps->epsv_all && cr.kind != CREQ_EPSV) {
			control_reply(ps, FTP_R_BAD_SEQUENCE, "Only EPSV after EPSV ALL.");
			return;
		}
		if (datapath_begin(ps, &cr, line, len, up, sizeof(up), &ulen) < 0)
			return;
		send_upstream(ps, up, ulen, false);
		push_pending(ps, rewrite_upstream_is_active(ps->dp.up) ? PEND_DATA_PORT : PEND_DATA_PASV);
		return;
	default:
		break;
	}
	if (cr.cmd == FTP_CMD_PASS)
		plog(ps, "C>S", "PASS ****");
	else
		plog(ps, "C>S", "%.*s", (int)len, line);
	send_upstream(ps, line, len, true);
	push_pending(ps, PEND_PLAIN);
	if (cmd_info(cr.cmd)->xfer != FTP_XFER_NONE)
		datapath_transfer_started(ps);
}

/* The forward-mode banner is ours; the server's is swallowed, then USER. */
static void banner_done(struct psession *ps, const struct reply *r)
{
	char line[REWRITE_USER_MAX + 8];
	int n;

	if (r->code != FTP_R_SERVICE_READY) {
		control_reply_now(ps, r->code, r->text);
		psession_linger_close(ps, "server refused the session");
		return;
	}
	n = snprintf(line, sizeof(line), "USER %s", ps->fwd_user);
	send_upstream(ps, line, (size_t)n, true);
	push_pending(ps, PEND_PLAIN);
}

void control_server_line(struct psession *ps, const char *line, size_t len)
{
	enum pend_kind k = head_pending(ps);
	struct reply r;
	enum reply_status st = reply_feed_line(&ps->rp, line, len, &r);

	if (k == PEND_PLAIN) {
		plog(ps, "S>C", "%.*s", (int)len, line);
		send_line(ps, &ps->c, line, len);
	}
	if (st != REPLY_DONE || r.code < 200)
		return; /* more lines, a preliminary 1xx, or a line that is no reply */
	pop_pending(ps);
	if (k == PEND_BANNER)
		banner_done(ps, &r);
	else if (k == PEND_DATA_PASV || k == PEND_DATA_PORT)
		datapath_server_reply(ps, k, &r);
	if (ps->state != PS_DEAD)
		flush_locals(ps);
	psession_update_reading(ps);
}
