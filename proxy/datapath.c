/* datapath.c - the data connection of a proxied transfer: our listeners
 * (one per side that connects to us), our connects (to an active client,
 * to a passive server), peer checks on both sides, and the relay. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "ftplab/hostport.h"
#include "net.h"
#include "proxy.h"
#include "relay.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_ev(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

void datapath_reset(struct psession *ps)
{
	struct datapath *dp = &ps->dp;

	free_ev(&dp->cev);
	free_ev(&dp->sev);
	close_fd(&dp->clisten);
	close_fd(&dp->slisten);
	close_fd(&dp->cfd);
	close_fd(&dp->sfd);
	if (dp->relay)
		relay_free(dp->relay);
	dp->relay = NULL;
	if (dp->kflow_set)
		kpath_del(ps->px->kpath, &dp->kflow);
	dp->kflow_set = dp->kernel = false;
	dp->cconnecting = dp->sconnecting = false;
	dp->state = DP_NONE;
}

static bool client_active(const struct datapath *dp)
{
	return dp->client_kind == CREQ_PORT || dp->client_kind == CREQ_EPRT;
}

static const char *ep(const struct ftp_hostport *hp, char *buf)
{
	addr_format_endpoint(buf, ADDR_ENDPOINT_STRLEN, hp);
	return buf;
}

static void on_relay_done(struct relay *r, const struct relay_stats *st, void *arg)
{
	struct psession *ps = arg;
	struct timeval now, d;

	(void)r;
	gettimeofday(&now, NULL);
	timersub(&now, &ps->dp.start, &d);
	plog(ps, "data-close", "data connection closed: %llu bytes client->server, %llu bytes "
	     "server->client in %.3f s%s%s", (unsigned long long)st->a_to_b,
	     (unsigned long long)st->b_to_a, (double)d.tv_sec + (double)d.tv_usec / 1e6,
	     st->error ? ", ended by " : "", st->error ? strerror(st->error_errno) : "");
	ps->dp.cfd = ps->dp.sfd = -1; /* the relay closed them */
	ps->dp.relay = NULL;          /* freed by relay_free below */
	relay_free(r);
	datapath_reset(ps);
	psession_touch(ps);
}

/* Both sides connected: relay them (client = a, server = b). */
static void maybe_relay(struct psession *ps)
{
	struct datapath *dp = &ps->dp;

	if (dp->cfd < 0 || dp->sfd < 0 || dp->relay != NULL)
		return;
	free_ev(&dp->cev);
	free_ev(&dp->sev);
	close_fd(&dp->clisten);
	close_fd(&dp->slisten);
	gettimeofday(&dp->start, NULL);
	dp->relay = relay_start(ps->px->base, dp->cfd, dp->sfd, on_relay_done, ps);
	if (dp->relay == NULL) {
		dp->cfd = dp->sfd = -1; /* relay_start closed them */
		plog(ps, "data-failed", "cannot relay the data connection");
		datapath_reset(ps);
		return;
	}
	dp->state = DP_RELAY;
	plog(ps, "data-open", "data connection open: relaying client <-> server");
}

static void start_connect(struct psession *ps, bool client_side);

/* The expected peer reached our own socket: netfilter did not translate
 * its connection (it did not pass through this host's prerouting, say).
 * Relay this one instead. */
static void kernel_missed(struct psession *ps, bool client_side)
{
	plog(ps, "kernel-missed", "the %s's data connection reached the proxy itself, not the "
	     "kernel path (is this host routing it?): relaying it",
	     client_side ? "client" : "server");
	ps->dp.kernel = false;
	start_connect(ps, !client_side);
}

/* An accept on one of our listeners: only the expected peer may connect. */
static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct psession *ps = arg;
	struct datapath *dp = &ps->dp;
	bool client_side = lfd == dp->clisten;
	const struct ftp_addr *want = client_side ? &ps->c.peer.addr : &ps->s.peer.addr;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ftp_hostport from;
	char a[ADDR_ENDPOINT_STRLEN];
	int fd;

	(void)what;
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	psession_enter(ps);
	net_from_sockaddr((struct sockaddr *)&ss, &from);
	if (!addr_equal(&from.addr, want)) {
		plog(ps, "data-refused", "%s-side data connection from %s refused",
		     client_side ? "client" : "server", ep(&from, a));
		close(fd);
	} else {
		close_fd(client_side ? &dp->cfd : &dp->sfd);
		*(client_side ? &dp->cfd : &dp->sfd) = fd;
		if (dp->kernel)
			kernel_missed(ps, client_side);
		maybe_relay(ps);
	}
	psession_leave(ps);
}

static int open_listener(struct psession *ps, const struct ftp_addr *addr, int *fd,
                         struct ftp_hostport *bound, struct event **ev)
{
	const struct proxy_config *c = &ps->px->cfg;

	/* With TPROXY our client-side listener takes the server's address. */
	*fd = net_listen_range_t(addr, c->data_min, c->data_max,
	                         ps->tproxy && addr_equal(addr, &ps->c.local.addr));
	if (*fd < 0 || net_local(*fd, bound) < 0)
		return -1;
	*ev = event_new(ps->px->base, *fd, EV_READ | EV_PERSIST, on_accept, ps);
	return *ev && event_add(*ev, NULL) == 0 ? 0 : -1;
}

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct psession *ps = arg;
	struct datapath *dp = &ps->dp;
	bool client_side = dp->cconnecting && fd == dp->cfd;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	psession_enter(ps);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	*(client_side ? &dp->cconnecting : &dp->sconnecting) = false;
	free_ev(client_side ? &dp->cev : &dp->sev);
	if (err != 0) {
		plog(ps, "data-failed", "connect to the %s's data port failed: %s",
		     client_side ? "client" : "server", strerror(err));
		datapath_reset(ps); /* the server will answer 425 or 426 itself */
	} else {
		maybe_relay(ps);
	}
	psession_leave(ps);
}

/* Connect to a data port: the active client's, or the passive server's. */
static void start_connect(struct psession *ps, bool client_side)
{
	struct datapath *dp = &ps->dp;
	const struct ftp_hostport *dst = client_side ? &dp->client_target : &dp->server_target;
	struct ftp_hostport src = {.addr = client_side ? ps->c.local.addr : ps->s.local.addr};
	int *fd = client_side ? &dp->cfd : &dp->sfd;
	struct event **ev = client_side ? &dp->cev : &dp->sev;
	bool bound;

	if (*fd >= 0)
		return;
	*fd = net_connect_t(dst, &src, &bound, client_side && ps->tproxy);
	if (*fd >= 0)
		*ev = event_new(ps->px->base, *fd, EV_WRITE, on_connected, ps);
	if (*fd < 0 || *ev == NULL || event_add(*ev, NULL) < 0) {
		plog(ps, "data-failed", "cannot connect to the %s's data port",
		     client_side ? "client" : "server");
		datapath_reset(ps);
		return;
	}
	*(client_side ? &dp->cconnecting : &dp->sconnecting) = true;
}

/* Can netfilter carry this transfer? Only what keeps the direction and the
 * family, with forwarding on, and not for TPROXY sockets (they hold the
 * server's address already). */
static const char *kernel_refusal(struct psession *ps, bool cactive)
{
	const struct datapath *dp = &ps->dp;

	if (ps->px->kpath == NULL)
		return "";
	if (ps->tproxy)
		return "TPROXY sessions are relayed";
	if (rewrite_upstream_is_active(dp->up) != cactive)
		return "active<->passive conversion needs the relay";
	if (ps->c.peer.addr.family != ps->s.peer.addr.family)
		return "IPv4<->IPv6 translation needs the relay";
	if (!kpath_forwarding(ps->px->kpath, ps->c.peer.addr.family))
		return "this host does not forward that family (sysctl forwarding is 0)";
	return NULL;
}

/* Hand the expected connection to the kernel; false (logged) to relay. */
static bool kernel_add(struct psession *ps, const struct ftp_addr *peer,
                       const struct ftp_hostport *ours, const struct ftp_hostport *to,
                       const struct ftp_addr *snat)
{
	struct datapath *dp = &ps->dp;
	char err[256], a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN], c[ADDR_STRLEN];
	char d[ADDR_STRLEN];
	struct ftp_addr also = {FTP_AF_NONE, {0}};

	/* A transparent client may dial the server's address with our port (it
	 * ignores the 227 address, or got a 229): translate that one too. */
	if (ps->px->cfg.mode == PMODE_TRANSPARENT && !client_active(dp) &&
	    !addr_equal(&ps->s.peer.addr, &ours->addr))
		also = ps->s.peer.addr;
	dp->kflow = (struct kpath_flow){*peer, *ours, *to, *snat, also};
	if (kpath_add(ps->px->kpath, &dp->kflow, err, sizeof(err)) < 0) {
		plog(ps, "kernel-failed", "kernel data path refused (%s): relaying", err);
		dp->kernel = false;
		return false;
	}
	dp->kflow_set = true;
	addr_format(c, sizeof(c), peer);
	addr_format(d, sizeof(d), snat);
	plog(ps, "data-kernel", "data connection from %s to %s handed to the kernel: it goes to "
	     "%s, from %s", c, ep(ours, a), ep(to, b), d);
	return true;
}

/* What the client is told for its PASV/EPSV: our client-side listener, at
 * --public-address when given. */
static int client_passive_reply(struct psession *ps, char *buf, size_t cap, size_t *len)
{
	struct ftp_hostport hp = ps->dp.clisten_addr;

	if (ps->px->cfg.public_address_set && ps->dp.client_kind == CREQ_PASV)
		hp.addr = ps->px->cfg.public_address;
	if (ps->dp.client_kind == CREQ_EPSV)
		return rewrite_format_client_epsv(buf, cap, len, hp.port) == FTP_OK ? 0 : -1;
	return rewrite_format_client_pasv(buf, cap, len, &hp) == FTP_OK ? 0 : -1;
}

/* PORT/EPRT only to the client itself, never to a privileged port. */
static bool client_target_ok(struct psession *ps, const struct client_req *cr)
{
	char a[ADDR_ENDPOINT_STRLEN];

	if (addr_equal(&cr->hp.addr, &ps->c.peer.addr) && cr->hp.port >= 1024)
		return true;
	plog(ps, "bounce-refused", "%s to %s refused: only the client's own address, ports >= 1024",
	     cr->kind == CREQ_PORT ? "PORT" : "EPRT", ep(&cr->hp, a));
	control_reply(ps, FTP_R_ARG_SYNTAX_ERROR, "Data connections go to your own address only.");
	return false;
}

static void kernel_decide(struct psession *ps, bool cactive)
{
	const char *why = kernel_refusal(ps, cactive);

	ps->dp.kernel = why == NULL;
	if (why && *why)
		plog(ps, "kernel-skipped", "kernel data path not used: %s", why);
}

int datapath_begin(struct psession *ps, const struct client_req *cr, const char *line,
                   size_t line_len, char *buf, size_t cap, size_t *len)
{
	struct datapath *dp = &ps->dp;
	const struct proxy_config *c = &ps->px->cfg;
	struct ftp_addr out = ps->s.local.addr;
	bool cactive = cr->kind == CREQ_PORT || cr->kind == CREQ_EPRT;

	if (dp->state == DP_RELAY && !relay_half_done(dp->relay)) {
		control_reply(ps, FTP_R_BAD_SEQUENCE, "A transfer is in progress.");
		return -1;
	}
	if (dp->state == DP_RELAY) {
		/* One side is finished (the client closed after a refused RETR, or
		 * keeps its socket after EOF): the new setup replaces what is left,
		 * as the server's own PASV/PORT would. */
		struct relay_stats st;

		relay_get_stats(dp->relay, &st);
		on_relay_done(dp->relay, &st, ps);
	}
	if (cactive && !client_target_ok(ps, cr))
		return -1;
	datapath_reset(ps);
	dp->client_kind = cr->kind;
	dp->up = rewrite_upstream(c->server_data, cr->kind, ps->s.peer.addr.family);
	snprintf(dp->client_line, sizeof(dp->client_line), "%.*s",
	         (int)(line_len < sizeof(dp->client_line) ? line_len : sizeof(dp->client_line) - 1),
	         line);
	if (cactive)
		dp->client_target = cr->hp;
	if (cr->kind == CREQ_PASV && ps->c.local.addr.family != FTP_AF_INET &&
	    !c->public_address_set) {
		control_reply(ps, FTP_R_CANT_OPEN_DATA, "PASV is for IPv4; use EPSV.");
		return -1;
	}
	if (c->outside_address_set && c->outside_address.family == ps->s.local.addr.family)
		out = c->outside_address;
	if ((!cactive && open_listener(ps, &ps->c.local.addr, &dp->clisten, &dp->clisten_addr,
	                               &dp->cev) < 0) ||
	    (rewrite_upstream_is_active(dp->up) &&
	     open_listener(ps, &out, &dp->slisten, &dp->slisten_addr, &dp->sev) < 0) ||
	    rewrite_format_upstream(buf, cap, len, dp->up, &dp->slisten_addr) != FTP_OK) {
		datapath_reset(ps);
		control_reply(ps, FTP_R_CANT_OPEN_DATA, "Proxy cannot open a data port.");
		return -1;
	}
	kernel_decide(ps, cactive);
	if (dp->kernel && cactive)
		kernel_add(ps, &ps->s.peer.addr, &dp->slisten_addr, &dp->client_target,
		           &ps->c.local.addr);
	dp->state = DP_SETUP;
	return 0;
}

static void transcript(struct psession *ps, const char *up_line, const char *note)
{
	char buf[1024];
	char upl[160];
	size_t n = strlen(up_line);

	snprintf(upl, sizeof(upl), "%.*s", (int)(n >= 2 ? n - 2 : n), up_line); /* no CRLF */
	rewrite_transcript(buf, sizeof(buf), ps->dp.client_line, strlen(ps->dp.client_line), upl,
	                   strlen(upl), note);
	plog(ps, "rewrite", "%s", buf);
}

void datapath_server_reply(struct psession *ps, enum pend_kind pk, const struct reply *r)
{
	struct datapath *dp = &ps->dp;
	struct server_reply sr;
	char out[256], note[256], a[ADDR_ENDPOINT_STRLEN], b[ADDR_ENDPOINT_STRLEN];
	size_t len;
	bool ok;

	rewrite_server_reply(r, &sr);
	ok = pk == PEND_DATA_PORT ? (r->code >= 200 && r->code < 300)
	                          : (sr.kind == SREPLY_PASV || sr.kind == SREPLY_EPSV);
	if (dp->state != DP_SETUP || !ok) {
		datapath_reset(ps);
		control_reply_now(ps, r->code, r->text); /* the server's own refusal */
		return;
	}
	if (pk == PEND_DATA_PASV) {
		/* Always the server's control address, whatever the 227 says. */
		dp->server_target.addr = ps->s.peer.addr;
		dp->server_target.port = sr.hp.port;
		if (sr.kind == SREPLY_PASV && !addr_equal(&sr.hp.addr, &ps->s.peer.addr))
			plog(ps, "pasv-address-mismatch", "227 announced %s but the server is %s: "
			     "a server behind NAT; connecting to its control address",
			     ep(&sr.hp, a), ep(&dp->server_target, b));
		if (!dp->kernel || !kernel_add(ps, &ps->c.peer.addr, &dp->clisten_addr,
		                               &dp->server_target, &ps->s.local.addr))
			start_connect(ps, false);
	}
	if (client_active(dp)) {
		ok = rewrite_format_client_port_ok(out, sizeof(out), &len,
		                                   dp->client_kind == CREQ_EPRT) == FTP_OK;
		snprintf(note, sizeof(note), "client %s -> proxy %s", ep(&dp->client_target, a),
		         pk == PEND_DATA_PORT ? ep(&dp->slisten_addr, b) : "(passive to server)");
	} else {
		ok = client_passive_reply(ps, out, sizeof(out), &len) == 0;
		snprintf(note, sizeof(note), "server %s -> proxy %s",
		         pk == PEND_DATA_PASV ? ep(&dp->server_target, a) : "(active to proxy)",
		         ep(&dp->clisten_addr, b));
	}
	if (!ok) {
		datapath_reset(ps);
		control_reply_now(ps, FTP_R_CANT_OPEN_DATA, "Proxy cannot express its data address.");
		return;
	}
	{
		char upline[160];
		size_t ul;

		if (rewrite_format_upstream(upline, sizeof(upline), &ul, dp->up, &dp->slisten_addr) !=
		    FTP_OK)
			upline[0] = '\0';
		transcript(ps, upline, note);
	}
	pside_send(ps, &ps->c, out, len);
	dp->state = DP_READY;
}

void datapath_transfer_started(struct psession *ps)
{
	struct datapath *dp = &ps->dp;

	if ((dp->state == DP_SETUP || dp->state == DP_READY) && client_active(dp) && !dp->kernel)
		start_connect(ps, true);
}
