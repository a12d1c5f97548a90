/* dataconn.c - PASV/EPSV listeners and PORT/EPRT connects, with the peer
 * checks that stop PASV theft and FTP bounce. */
#include "dataconn.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "ftplab/hostport.h"
#include "ftplab/reply.h"
#include "log.h"
#include "net.h"
#include "server.h"
#include "session.h"
#include "xfer.h"

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void free_event(struct event **ev)
{
	if (*ev)
		event_free(*ev);
	*ev = NULL;
}

void dataconn_cancel(struct session *s)
{
	free_event(&s->connect_ev);
	close_fd(&s->connect_fd);
	free_event(&s->data_timer);
	s->data_waiting = false;
}

void dataconn_reset(struct session *s)
{
	dataconn_cancel(s);
	free_event(&s->pasv_ev);
	close_fd(&s->pasv_fd);
	close_fd(&s->data_fd);
	s->data_mode = DATA_NONE;
}

/* The connection a waiting transfer gets, or -1 when it failed. */
static void deliver(struct session *s, int fd)
{
	free_event(&s->data_timer);
	s->data_waiting = false;
	xfer_connected(s, fd);
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct session *s = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ftp_hostport from;
	char a[ADDR_ENDPOINT_STRLEN], b[ADDR_STRLEN];
	int fd;

	(void)what;
	fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
	if (fd < 0)
		return;
	session_enter(s);
	net_from_sockaddr((struct sockaddr *)&ss, &from);
	if (!addr_equal(&from.addr, &s->peer.addr)) {
		/* PASV theft: only the control connection's peer may connect. */
		addr_format_endpoint(a, sizeof(a), &from);
		addr_format(b, sizeof(b), &s->peer.addr);
		log_event(s, "data-refused", "data connection from %s refused (expected %s)", a, b);
		close(fd);
		session_leave(s);
		return;
	}
	free_event(&s->pasv_ev);
	close_fd(&s->pasv_fd);
	s->data_mode = DATA_NONE; /* each PASV serves one transfer */
	if (s->data_waiting) {
		deliver(s, fd);
	} else {
		close_fd(&s->data_fd);
		s->data_fd = fd; /* early: the transfer command will answer 125 */
	}
	session_leave(s);
}

/* The address a 227 tells this client: fault, per-network map, fixed, or
 * the address the client reached. */
static struct ftp_addr advertised(const struct session *s)
{
	const struct server_config *c = &s->srv->cfg;

	if (c->faults.pasv_address_set)
		return c->faults.pasv_address;
	for (size_t i = 0; i < c->npasv_map; i++)
		if (addr_cidr_contains(&c->pasv_map[i].net, &s->peer.addr))
			return c->pasv_map[i].addr;
	if (c->pasv_address_set)
		return c->pasv_address;
	return s->local.addr;
}

void dataconn_passive(struct session *s, bool extended)
{
	const struct server_config *c = &s->srv->cfg;
	struct ftp_hostport hp;
	char text[HOSTPORT_STRLEN];
	int fd;

	if (!extended && s->local.addr.family != FTP_AF_INET) {
		session_reply(s, FTP_R_CANT_OPEN_DATA, "PASV is for IPv4; use EPSV.");
		return;
	}
	dataconn_reset(s);
	fd = net_listen_range(&s->local.addr, c->pasv_min, c->pasv_max);
	if (fd < 0 || net_local(fd, &hp) < 0) {
		if (fd >= 0)
			close(fd);
		session_reply(s, FTP_R_CANT_OPEN_DATA, "Can't open passive connection: %s.",
		              strerror(errno));
		return;
	}
	s->pasv_fd = fd;
	s->pasv_ev = event_new(s->srv->base, fd, EV_READ | EV_PERSIST, on_accept, s);
	if (s->pasv_ev == NULL || event_add(s->pasv_ev, NULL) < 0) {
		dataconn_reset(s);
		session_reply(s, FTP_R_CANT_OPEN_DATA, "Can't open passive connection.");
		return;
	}
	s->data_mode = extended ? DATA_EPSV : DATA_PASV;
	if (extended) {
		hostport_format_epsv(text, sizeof(text), NULL, hp.port);
		session_reply(s, FTP_R_EXT_PASSIVE, "%s", text);
		return;
	}
	hp.addr = advertised(s);
	if (c->faults.pasv_address_set)
		log_event(s, "fault", "pasv-address: advertising a wrong address");
	if (hostport_format_pasv(text, sizeof(text), NULL, &hp) != FTP_OK) {
		dataconn_reset(s);
		session_reply(s, FTP_R_CANT_OPEN_DATA, "No IPv4 address to advertise; use EPSV.");
		return;
	}
	session_reply(s, FTP_R_PASSIVE, "%s", text);
}

void dataconn_active(struct session *s, const struct ftp_hostport *target, bool extended)
{
	char a[ADDR_ENDPOINT_STRLEN];

	addr_format_endpoint(a, sizeof(a), target);
	if (!s->srv->cfg.allow_fxp && !addr_equal(&target->addr, &s->peer.addr)) {
		log_event(s, "bounce-refused", "%s to %s refused: not the client's address",
		          extended ? "EPRT" : "PORT", a);
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR,
		              "Data connections go to your own address only.");
		return;
	}
	if (target->port < 1024) {
		log_event(s, "bounce-refused", "%s to privileged port %s refused",
		          extended ? "EPRT" : "PORT", a);
		session_reply(s, FTP_R_ARG_SYNTAX_ERROR, "Data ports below 1024 are refused.");
		return;
	}
	dataconn_reset(s);
	s->data_target = *target;
	s->data_mode = extended ? DATA_EPRT : DATA_PORT;
	session_reply(s, FTP_R_OK, "%s command successful.", extended ? "EPRT" : "PORT");
}

static void on_connected(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	int err = 0;
	socklen_t len = sizeof(err);

	(void)what;
	session_enter(s);
	free_event(&s->connect_ev);
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	s->connect_fd = -1;
	if (err != 0) {
		close(fd);
		log_event(s, "data-failed", "connect to the client failed: %s", strerror(err));
		deliver(s, -1);
	} else {
		deliver(s, fd);
	}
	session_leave(s);
}

static void on_data_timeout(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	log_event(s, "data-failed", "no data connection within %u s", s->srv->cfg.data_timeout);
	free_event(&s->connect_ev);
	close_fd(&s->connect_fd);
	deliver(s, -1);
	session_leave(s);
}

/* PORT/EPRT: connect from port L-1 of the control connection's address. */
static int start_connect(struct session *s)
{
	struct ftp_hostport src = s->local;
	bool bound;

	src.port = s->local.port > 1 ? (uint16_t)(s->local.port - 1) : 0;
	s->connect_fd = net_connect(&s->data_target, &src, &bound);
	if (s->connect_fd < 0)
		return -1;
	if (!bound && !s->srv->active_port_warned) {
		s->srv->active_port_warned = true;
		log_server("active data connections come from ephemeral ports: port %u (L-1) "
		           "cannot be bound", (unsigned)src.port);
	}
	s->connect_ev = event_new(s->srv->base, s->connect_fd, EV_WRITE, on_connected, s);
	if (s->connect_ev == NULL || event_add(s->connect_ev, NULL) < 0) {
		free_event(&s->connect_ev);
		close_fd(&s->connect_fd);
		return -1;
	}
	return 0;
}

enum dataconn_result dataconn_open(struct session *s, int *fd)
{
	struct timeval tv = {.tv_sec = s->srv->cfg.data_timeout};

	*fd = -1;
	if (s->data_fd >= 0) {
		*fd = s->data_fd;
		s->data_fd = -1;
		s->data_mode = DATA_NONE;
		return DATA_OPEN_NOW;
	}
	if (s->data_mode == DATA_NONE)
		return DATA_OPEN_NONE;
	if ((s->data_mode == DATA_PORT || s->data_mode == DATA_EPRT) && start_connect(s) < 0) {
		log_event(s, "data-failed", "connect to the client failed: %s", strerror(errno));
		s->data_mode = DATA_NONE; /* each PORT serves one transfer */
		return DATA_OPEN_FAILED;
	}
	s->data_timer = evtimer_new(s->srv->base, on_data_timeout, s);
	if (s->data_timer == NULL || evtimer_add(s->data_timer, &tv) < 0) {
		log_event(s, "data-failed", "out of memory");
		dataconn_reset(s);
		return DATA_OPEN_FAILED;
	}
	s->data_waiting = true;
	if (s->data_mode == DATA_PORT || s->data_mode == DATA_EPRT)
		s->data_mode = DATA_NONE; /* each PORT serves one transfer */
	return DATA_OPEN_LATER;
}
