/* psession.c - a proxied session's life: accept, the upstream connection,
 * the two control sockets' I/O, timers, teardown. */
#include <errno.h>
#include <event2/event.h>
#include <linux/netfilter_ipv4.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "iptable.h"
#include "net.h"
#include "proxy.h"

#ifndef IP6T_SO_ORIGINAL_DST
#define IP6T_SO_ORIGINAL_DST 80
#endif

#define OUT_MAX (4u << 20)

static void on_read(evutil_socket_t fd, short what, void *arg);
void psession_update_reading(struct psession *ps);
static void on_write(evutil_socket_t fd, short what, void *arg);
static void on_timer(evutil_socket_t fd, short what, void *arg);
static void side_reading(struct pside *side, bool on);

void psession_enter(struct psession *ps)
{
	ps->depth++;
}

static void side_free(struct pside *side)
{
	if (side->ev_read)
		event_free(side->ev_read);
	if (side->ev_write)
		event_free(side->ev_write);
	if (side->fd >= 0)
		close(side->fd);
	free(side->line_store);
	free(side->out);
	memset(side, 0, sizeof(*side));
	side->fd = -1;
}

void psession_leave(struct psession *ps)
{
	if (--ps->depth == 0 && ps->state == PS_DEAD)
		free(ps);
}

void psession_close(struct psession *ps, const char *why)
{
	struct proxy *px = ps->px;

	if (ps->state == PS_DEAD)
		return;
	plog(ps, "close", "%s", why);
	/* Before side_free, which clears c.peer: the per-address count must
	 * drop for the address it was raised for. */
	iptable_remove(px->per_ip, &ps->c.peer.addr);
	datapath_reset(ps);
	control_free(ps);
	side_free(&ps->c);
	side_free(&ps->s);
	if (ps->timer)
		event_free(ps->timer);
	if (ps->prev)
		ps->prev->next = ps->next;
	else
		px->sessions = ps->next;
	if (ps->next)
		ps->next->prev = ps->prev;
	px->nsessions--;
	if (px->chan >= 0)
		workers_session_closed(px, ps->slot);
	ps->state = PS_DEAD;
	if (ps->depth == 0)
		free(ps);
}

void psession_linger_close(struct psession *ps, const char *why)
{
	struct timeval tv = {5, 0};

	if (ps->state == PS_DEAD)
		return;
	if (ps->c.out_len == 0) {
		psession_close(ps, why);
		return;
	}
	plog(ps, "closing", "%s", why);
	ps->state = PS_CLOSING;
	side_reading(&ps->c, false);
	side_reading(&ps->s, false);
	evtimer_add(ps->timer, &tv);
}

void psession_touch(struct psession *ps)
{
	struct timeval tv = {.tv_sec = ps->state == PS_CONNECTING ? ps->px->cfg.connect_timeout
	                                                          : ps->px->cfg.idle_timeout};

	if (ps->state != PS_DEAD)
		evtimer_add(ps->timer, &tv);
}

static void side_reading(struct pside *side, bool on)
{
	if (side->ev_read == NULL || on == side->reading)
		return;
	if (on)
		event_add(side->ev_read, NULL);
	else
		event_del(side->ev_read);
	side->reading = on;
}

static int side_init(struct psession *ps, struct pside *side, int fd)
{
	int one = 1;

	side->fd = fd;
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
	net_local(fd, &side->local);
	net_peer(fd, &side->peer);
	/* Raw framing: lines are forwarded byte for byte (IAC included). */
	linebuf_init(&side->lb, ps->px->linebuf, sizeof(ps->px->linebuf), false);
	side->ev_read = event_new(ps->px->base, fd, EV_READ | EV_PERSIST, on_read, ps);
	side->ev_write = event_new(ps->px->base, fd, EV_WRITE | EV_PERSIST, on_write, ps);
	return side->ev_read && side->ev_write ? 0 : -1;
}

/* The original destination of a connection redirected to us (REDIRECT or
 * DNAT in iptables/nftables): SO_ORIGINAL_DST / IP6T_SO_ORIGINAL_DST. */
static int original_dst(int fd, const struct ftp_hostport *local, struct ftp_hostport *out)
{
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	int rc = local->addr.family == FTP_AF_INET6
	                 ? getsockopt(fd, SOL_IPV6, IP6T_SO_ORIGINAL_DST, &ss, &len)
	                 : getsockopt(fd, SOL_IP, SO_ORIGINAL_DST, &ss, &len);

	if (rc < 0)
		return -1;
	net_from_sockaddr((struct sockaddr *)&ss, out);
	return 0;
}

static bool own_port(const struct proxy *px, uint16_t port)
{
	for (size_t i = 0; i < px->nlisteners; i++)
		if (px->listeners[i].addr.port == port)
			return true;
	return false;
}

static void start_upstream(struct psession *ps)
{
	const struct proxy_config *c = &ps->px->cfg;
	struct ftp_hostport dst;

	if (c->mode == PMODE_FORWARD) {
		ps->state = PS_WAIT_USER;
		control_reply(ps, FTP_R_SERVICE_READY,
		              "ftplab-proxy ready: log in as USER user@host[:port].");
		psession_touch(ps);
		return;
	}
	if (c->mode == PMODE_TRANSPARENT) {
		/* REDIRECT/DNAT: conntrack knows the original destination. TPROXY:
		 * the connection's own local address is it. A connection to one of
		 * our listen ports as such was not redirected at all. */
		if (original_dst(ps->c.fd, &ps->c.local, &dst) < 0)
			dst = ps->c.local;
		ps->tproxy = addr_equal(&dst.addr, &ps->c.local.addr) && dst.port == ps->c.local.port;
		if (ps->tproxy && own_port(ps->px, ps->c.local.port)) {
			control_reply(ps, FTP_R_SERVICE_UNAVAILABLE,
			              "No original destination: this connection was not redirected.");
			psession_linger_close(ps, "no original destination");
			return;
		}
		if (ps->tproxy)
			plog(ps, "tproxy", "intercepted with TPROXY: the client's server is its own "
			     "destination");
	} else {
		dst = ps->px->upstream; /* reverse: resolved by main at start */
	}
	psession_connect_upstream(ps, &dst);
}

void psession_start(struct proxy *px, int fd, const struct ftp_hostport *peer,
                    const struct ftp_hostport *local, uint64_t id, uint32_t slot)
{
	struct psession *ps = calloc(1, sizeof(*ps));

	if (ps == NULL) {
		close(fd);
		if (px->chan >= 0)
			workers_session_closed(px, slot);
		return;
	}
	ps->px = px;
	ps->id = id;
	ps->slot = slot;
	ps->c.fd = ps->s.fd = -1;
	ps->dp.clisten = ps->dp.slisten = ps->dp.cfd = ps->dp.sfd = -1;
	reply_parser_init(&ps->rp, NULL, 0, ps->reply_text, sizeof(ps->reply_text), 0);
	ps->next = px->sessions;
	if (px->sessions)
		px->sessions->prev = ps;
	px->sessions = ps;
	px->nsessions++;
	ps->c.peer = *peer;
	iptable_add(px->per_ip, &peer->addr);
	ps->timer = evtimer_new(px->base, on_timer, ps);
	psession_enter(ps);
	if (side_init(ps, &ps->c, fd) < 0 || ps->timer == NULL) {
		psession_close(ps, "out of memory");
	} else {
		ps->c.local = *local;
		plog(ps, "connect", "client connected");
		start_upstream(ps);
		psession_update_reading(ps);
	}
	psession_leave(ps);
}

/* Reading follows back-pressure: a side is read only while the other side's
 * output is short, and the client only while few replies are outstanding. */
void psession_update_reading(struct psession *ps)
{
	bool relay = ps->state == PS_RELAY;

	if (ps->state == PS_DEAD)
		return;
	side_reading(&ps->c, (relay || ps->state == PS_WAIT_USER) && ps->s.out_len < 65536 &&
	                         ps->pend_count < PROXY_PENDING_MAX - 1);
	side_reading(&ps->s, relay && ps->c.out_len < 65536);
}

static bool side_flush(struct psession *ps, struct pside *side)
{
	size_t sent = 0;

	while (sent < side->out_len) {
		ssize_t n = send(side->fd, side->out + sent, side->out_len - sent,
		                 MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN)
			break;
		if (n <= 0) {
			psession_close(ps, side == &ps->c ? "client write failed" : "server write failed");
			return false;
		}
		sent += (size_t)n;
	}
	memmove(side->out, side->out + sent, side->out_len - sent);
	side->out_len -= sent;
	if (side->out_len == 0) {
		event_del(side->ev_write);
		free(side->out);
		side->out = NULL;
		side->out_cap = 0;
	} else {
		event_add(side->ev_write, NULL);
	}
	return true;
}

void pside_send(struct psession *ps, struct pside *side, const char *p, size_t n)
{
	if (ps->state == PS_DEAD || side->fd < 0)
		return;
	if (side->out_len == 0) {
		/* Nothing waits: send at once, queue only what the socket did not
		 * take (the common case costs no allocation). */
		ssize_t sent = send(side->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (sent < 0 && errno != EAGAIN && errno != EINTR) {
			psession_close(ps, side == &ps->c ? "client write failed" : "server write failed");
			return;
		}
		if (sent > 0) {
			p += sent;
			n -= (size_t)sent;
		}
		if (n == 0)
			return;
	}
	if (side->out_len + n > OUT_MAX) {
		psession_close(ps, "peer does not read");
		return;
	}
	if (side->out_len + n > side->out_cap) {
		size_t cap = side->out_cap ? side->out_cap : 1024;
		char *nb;

		while (cap < side->out_len + n)
			cap *= 2;
		nb = realloc(side->out, cap);
		if (nb == NULL) {
			psession_close(ps, "out of memory");
			return;
		}
		side->out = nb;
		side->out_cap = cap;
	}
	memcpy(side->out + side->out_len, p, n);
	side->out_len += n;
	if (side->out_len == n)
		side_flush(ps, side);
}

static void keep_partial_line(struct psession *ps, struct pside *side)
{
	if (linebuf_pending(&side->lb) == 0 && side->line_store != NULL) {
		linebuf_set_storage(&side->lb, ps->px->linebuf);
		free(side->line_store);
		side->line_store = NULL;
	} else if (linebuf_pending(&side->lb) > 0 && side->line_store == NULL) {
		side->line_store = malloc(PROXY_LINE_MAX);
		if (side->line_store == NULL) {
			psession_close(ps, "out of memory");
			return;
		}
		linebuf_set_storage(&side->lb, side->line_store);
	}
}

static void take_input(struct psession *ps, struct pside *side, const char *p, size_t n)
{
	size_t off = 0;

	while (off < n && ps->state != PS_DEAD) {
		struct linebuf_line line;
		size_t used = 0;
		enum linebuf_status st = linebuf_feed(&side->lb, p + off, n - off, &used, &line);

		off += used;
		if (st == LINEBUF_NEED_MORE)
			break;
		if (st == LINEBUF_TOOLONG) {
			plog(ps, "violation", "%s line longer than %d bytes dropped",
			     side == &ps->c ? "client" : "server", PROXY_LINE_MAX);
			if (side == &ps->c)
				control_reply(ps, FTP_R_SYNTAX_ERROR, "Command line too long.");
			continue;
		}
		if (side == &ps->c)
			control_client_line(ps, line.p, line.len);
		else
			control_server_line(ps, line.p, line.len);
	}
	if (ps->state != PS_DEAD)
		keep_partial_line(ps, side);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct psession *ps = arg;
	struct pside *side = fd == ps->c.fd ? &ps->c : &ps->s;
	ssize_t n;

	(void)what;
	n = recv(fd, ps->px->readbuf, sizeof(ps->px->readbuf), 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	psession_enter(ps);
	if (n <= 0) {
		psession_linger_close(ps, side == &ps->c ? "client closed the connection"
		                                         : "server closed the connection");
	} else {
		psession_touch(ps);
		take_input(ps, side, ps->px->readbuf, (size_t)n);
		psession_update_reading(ps);
	}
	psession_leave(ps);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct psession *ps = arg;
	struct pside *side = fd == ps->c.fd ? &ps->c : &ps->s;

	(void)what;
	psession_enter(ps);
	if (side_flush(ps, side)) {
		if (ps->state == PS_CLOSING && ps->c.out_len == 0)
			psession_close(ps, "closed after the last reply");
		else
			psession_update_reading(ps);
	}
	psession_leave(ps);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct psession *ps = arg;

	(void)fd;
	(void)what;
	psession_enter(ps);
	if (ps->dp.state == DP_RELAY) {
		psession_touch(ps); /* a data transfer keeps the session alive */
	} else if (ps->state == PS_CLOSING) {
		psession_close(ps, "closing");
	} else {
		control_reply_now(ps, FTP_R_SERVICE_UNAVAILABLE,
		              ps->state == PS_CONNECTING ? "Cannot reach the server (timeout)."
		                                         : "Idle timeout, closing control connection.");
		psession_linger_close(ps, "timeout");
	}
	psession_leave(ps);
}

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct psession *ps = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	psession_enter(ps);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	event_free(ps->s.ev_write);
	ps->s.ev_write = NULL;
	if (err != 0) {
		char text[160];

		plog(ps, "upstream-failed", "connect to the server failed: %s", strerror(err));
		snprintf(text, sizeof(text), "Cannot reach the server: %s.", strerror(err));
		close(fd);
		ps->s.fd = -1;
		control_reply_now(ps, FTP_R_SERVICE_UNAVAILABLE, text);
		psession_linger_close(ps, "upstream connect failed");
	} else if (side_init(ps, &ps->s, fd) < 0) {
		psession_close(ps, "out of memory");
	} else {
		plog(ps, "upstream", "connected to the server");
		ps->state = PS_RELAY;
		psession_touch(ps);
		psession_update_reading(ps);
	}
	psession_leave(ps);
}

void psession_connect_upstream(struct psession *ps, const struct ftp_hostport *dst)
{
	const struct proxy_config *c = &ps->px->cfg;
	struct ftp_hostport src = {0};
	bool bound;
	int fd;

	ps->upstream = *dst;
	if (!rewrite_dest_allowed(c->allow, c->nallow, dst)) {
		plog(ps, "refused", "destination not in --allow-dest");
		control_reply_now(ps, FTP_R_SERVICE_UNAVAILABLE, "Destination not allowed by this proxy.");
		psession_linger_close(ps, "destination refused");
		return;
	}
	if (c->outside_address_set && c->outside_address.family == dst->addr.family)
		src.addr = c->outside_address;
	fd = net_connect(dst, src.addr.family ? &src : NULL, &bound);
	if (fd >= 0)
		ps->s.ev_write = event_new(ps->px->base, fd, EV_WRITE, on_connected, ps);
	if (fd < 0 || ps->s.ev_write == NULL || event_add(ps->s.ev_write, NULL) < 0) {
		if (fd >= 0)
			close(fd);
		control_reply_now(ps, FTP_R_SERVICE_UNAVAILABLE, "Cannot reach the server.");
		psession_linger_close(ps, "upstream connect failed");
		return;
	}
	ps->s.fd = fd;
	ps->state = PS_CONNECTING;
	side_reading(&ps->c, false);
	psession_touch(ps);
}
