/* listen.c - the proxy's listeners, the accept path with its limits, and
 * signals (SIGTERM/SIGINT: stop). */
#include <errno.h>
#include <event2/event.h>
#include <netdb.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "ftplab/reply.h"
#include "iptable.h"
#include "listen.h"
#include "net.h"
#include "proxy.h"

void proxy_refuse(int fd, const char *text)
{
	char buf[256];
	size_t len;

	if (reply_format(buf, sizeof(buf), &len, FTP_R_SERVICE_UNAVAILABLE, text, strlen(text)) ==
	    FTP_OK)
		(void)!write(fd, buf, len);
	close(fd);
}

static void on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	event_add(arg, NULL);
}

/* Out of descriptors: stop accepting for 100 ms instead of spinning on a
 * listener that stays readable. */
static void pause_accept(struct proxy *px, int lfd)
{
	static const struct timeval later = {0, 100000};

	for (size_t i = 0; i < px->nlisteners; i++) {
		if (px->listeners[i].fd != lfd)
			continue;
		event_del(px->listeners[i].ev);
		event_base_once(px->base, -1, EV_TIMEOUT, on_resume_accept, px->listeners[i].ev,
		                &later);
	}
}

/* Accept what is waiting on lfd (at most 64), with the limits; -1 when
 * out of descriptors (the caller pauses accepting). */
int proxy_accept_ready(struct proxy *px, int lfd)
{
	for (int i = 0; i < 64; i++) {
		struct sockaddr_storage ss;
		socklen_t len = sizeof(ss);
		struct ftp_hostport peer, local;
		int fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);

		if (fd < 0) {
			if (errno != EMFILE && errno != ENFILE)
				return 0;
			plog_process("accept: %s; pausing new sessions for 100 ms", strerror(errno));
			return -1;
		}
		net_from_sockaddr((struct sockaddr *)&ss, &peer);
		if (net_local(fd, &local) < 0) {
			close(fd);
		} else if (px->nsessions >= px->cfg.max_sessions) {
			proxy_refuse(fd, "Too many sessions, try later.");
		} else if (iptable_count(px->per_ip, &peer.addr) >= px->cfg.max_per_ip) {
			proxy_refuse(fd, "Too many sessions from your address.");
		} else if (px->parent != NULL) {
			workers_handoff(px, fd, &peer, &local);
		} else {
			psession_start(px, fd, &peer, &local, ++px->next_id, 0);
		}
	}
	return 0;
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct proxy *px = arg;

	(void)what;
	if (proxy_accept_ready(px, lfd) < 0)
		pause_accept(px, lfd);
}

int proxy_bind_all(struct proxy *px, char *err, size_t errlen)
{
	struct rlimit rl;
	char ep[ADDR_ENDPOINT_STRLEN];

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
	for (size_t i = 0; i < px->cfg.nlisten; i++) {
		struct plistener *l = &px->listeners[i];

		l->addr = px->cfg.listen[i];
		addr_format_endpoint(ep, sizeof(ep), &l->addr);
		/* IP_TRANSPARENT lets TPROXY hand us connections for other hosts
		 * (harmless with REDIRECT; ignored without CAP_NET_ADMIN). */
		l->fd = net_listen_t(&l->addr, 1024, px->cfg.mode == PMODE_TRANSPARENT);
		if (l->fd < 0) {
			snprintf(err, errlen, "listen on %s: %s", ep, strerror(errno));
			return -1;
		}
		px->nlisteners++;
		plog_process("listening on %s", ep);
	}
	return 0;
}

int proxy_listen_events(struct proxy *px)
{
	for (size_t i = 0; i < px->nlisteners; i++) {
		struct plistener *l = &px->listeners[i];

		l->ev = event_new(px->base, l->fd, EV_READ | EV_PERSIST, on_accept, px);
		if (l->ev == NULL || event_add(l->ev, NULL) < 0)
			return -1;
	}
	return 0;
}

void proxy_close_listeners(struct proxy *px)
{
	for (size_t i = 0; i < px->nlisteners; i++) {
		if (px->listeners[i].ev)
			event_free(px->listeners[i].ev);
		close(px->listeners[i].fd);
	}
	px->nlisteners = 0;
}

/* --data-path kernel: our own nftables table, removed at exit. */
int proxy_open_kpath(struct proxy *px, char *err, size_t errlen)
{
	char table[KPATH_TABLE_MAX], msg[512];

	if (px->cfg.data_path != DPATH_KERNEL)
		return 0;
	kpath_table_name(table, sizeof(table), (long)getpid());
	px->kpath = kpath_open(table, msg, sizeof(msg));
	if (px->kpath == NULL) {
		snprintf(err, errlen, "--data-path kernel: cannot create nftables table inet %s: "
		         "%s (it needs CAP_NET_ADMIN and nf_tables)", table, msg);
		return -1;
	}
	if (!kpath_forwarding(px->kpath, FTP_AF_INET))
		plog_process("--data-path kernel: net.ipv4.ip_forward is 0, IPv4 data connections "
		             "will be relayed");
	if (!kpath_forwarding(px->kpath, FTP_AF_INET6))
		plog_process("--data-path kernel: net.ipv6.conf.all.forwarding is 0, IPv6 data "
		             "connections will be relayed");
	return 0;
}

/* One process serving its own listeners (--workers 1) or, in a worker,
 * the sessions its parent passes (chan >= 0): returns the exit status. */
int proxy_serve(struct proxy *px)
{
	char err[1024] = "event setup failed";

	px->base = event_base_new();
	if (px->base == NULL || (px->chan < 0 && proxy_listen_events(px) < 0) ||
	    (px->chan >= 0 && workers_channel_events(px) < 0) ||
	    proxy_open_kpath(px, err, sizeof(err)) < 0 || proxy_install_signals(px) < 0) {
		fprintf(stderr, "ftplab-proxy: %s\n", err);
		proxy_free(px);
		return 1;
	}
	event_base_dispatch(px->base);
	proxy_free(px);
	return 0;
}

int proxy_resolve_upstream(struct proxy *px, char *err, size_t errlen)
{
	struct addrinfo hints = {.ai_socktype = SOCK_STREAM}, *res = NULL;
	const char *h = px->cfg.upstream_host;
	char bare[PCONFIG_HOST_MAX];
	size_t n = strlen(h);
	int rc;

	if (px->cfg.mode != PMODE_REVERSE)
		return 0;
	if (n >= 2 && h[0] == '[' && h[n - 1] == ']') {
		snprintf(bare, sizeof(bare), "%.*s", (int)(n - 2), h + 1);
		h = bare;
	}
	rc = getaddrinfo(h, NULL, &hints, &res);
	if (rc != 0 || res == NULL) {
		snprintf(err, errlen, "--upstream %s: %s", px->cfg.upstream_host, gai_strerror(rc));
		return -1;
	}
	net_from_sockaddr(res->ai_addr, &px->upstream);
	px->upstream.port = px->cfg.upstream_port;
	freeaddrinfo(res);
	return 0;
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct proxy *px = arg;

	(void)what;
	plog_process("%s: exiting", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	px->stopping = true;
	event_base_loopexit(px->base, NULL);
}

int proxy_install_signals(struct proxy *px)
{
	signal(SIGPIPE, SIG_IGN); /* splice to a closed socket: EPIPE, not death */
	px->sig_term = evsignal_new(px->base, SIGTERM, on_signal, px);
	px->sig_int = evsignal_new(px->base, SIGINT, on_signal, px);
	if (!px->sig_term || !px->sig_int)
		return -1;
	evsignal_add(px->sig_term, NULL);
	evsignal_add(px->sig_int, NULL);
	return 0;
}

void proxy_free(struct proxy *px)
{
	while (px->sessions)
		psession_close(px->sessions, "proxy exit");
	proxy_close_listeners(px);
	workers_free(px);
	if (px->sig_term)
		event_free(px->sig_term);
	if (px->sig_int)
		event_free(px->sig_int);
	iptable_free(px->per_ip);
	kpath_close(px->kpath); /* after the sessions: they delete their flows */
	if (px->jsonlog)
		fclose(px->jsonlog);
	if (px->base)
		event_base_free(px->base);
}
