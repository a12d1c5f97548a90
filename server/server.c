/* server.c - the process: the served root, listeners and the accept path
 * with its limits, logs, signals (SIGTERM drains, SIGHUP reloads). */
#include "server.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>

#include "fsjail.h"
#include "ftplab/reply.h"
#include "iptable.h"
#include "log.h"
#include "net.h"
#include "session.h"

#define STOP_DEADLINE_S 30 /* SIGTERM: transfers get this long to finish */

int server_open_root(struct server *srv, char *err, size_t errlen)
{
	const char *root = srv->cfg.root[0] ? srv->cfg.root : ".";

	if (jail_probe() < 0) {
		snprintf(err, errlen, "openat2(RESOLVE_IN_ROOT) is not available (Linux >= 5.6 "
		         "needed): %s", strerror(errno));
		return -1;
	}
	srv->rootfd = jail_open_root(root);
	if (srv->rootfd < 0) {
		snprintf(err, errlen, "root %s: %s", root, strerror(errno));
		return -1;
	}
	return 0;
}

static void refuse(int fd, int code, const char *text)
{
	char buf[256];
	size_t len;

	if (reply_format(buf, sizeof(buf), &len, code, text, strlen(text)) == FTP_OK)
		(void)!write(fd, buf, len);
	close(fd);
}

static void on_resume_accept(evutil_socket_t fd, short what, void *arg)
{
	struct event *ev = arg;

	(void)fd;
	(void)what;
	event_add(ev, NULL);
}

/* Out of descriptors: a readable listener would call us again at once, so
 * stop accepting for 100 ms instead of spinning (connections wait in the
 * backlog meanwhile). */
static void pause_accept(struct server *srv, int lfd)
{
	static const struct timeval later = {0, 100000};

	for (size_t i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].fd != lfd)
			continue;
		event_del(srv->listeners[i].ev);
		event_base_once(srv->base, -1, EV_TIMEOUT, on_resume_accept, srv->listeners[i].ev,
		                &later);
	}
}

static void on_accept(evutil_socket_t lfd, short what, void *arg)
{
	struct server *srv = arg;
	struct sockaddr_storage ss;
	socklen_t len = sizeof(ss);
	struct ftp_hostport peer, local;
	int fd;

	(void)what;
	for (int i = 0; i < 64; i++) {
		len = sizeof(ss);
		fd = accept4(lfd, (struct sockaddr *)&ss, &len, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd < 0) {
			if (errno == EMFILE || errno == ENFILE) {
				log_server("accept: %s; pausing new sessions for 100 ms", strerror(errno));
				pause_accept(srv, lfd);
			}
			return;
		}
		net_from_sockaddr((struct sockaddr *)&ss, &peer);
		if (net_local(fd, &local) < 0) {
			close(fd);
			continue;
		}
		if (srv->stopping)
			refuse(fd, FTP_R_SERVICE_UNAVAILABLE, "Server shutting down.");
		else if (srv->nsessions >= srv->cfg.max_sessions)
			refuse(fd, FTP_R_SERVICE_UNAVAILABLE, "Too many sessions, try later.");
		else if (iptable_count(srv->per_ip, &peer.addr) >= srv->cfg.max_per_ip)
			refuse(fd, FTP_R_SERVICE_UNAVAILABLE, "Too many sessions from your address.");
		else
			session_start(srv, fd, &peer, &local);
	}
}

/* Room for many sessions: raise the descriptor limit to its hard maximum. */
static void raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

/* Options every control connection needs, set once on the listener:
 * accepted sockets inherit them. No Nagle delay for replies; urgent bytes
 * (the Telnet Synch before ABOR, RFC 959 4.1.3) stay in the stream, where
 * the line buffer removes IAC DM, instead of being cut out of the line. */
static void control_socket_options(int fd)
{
	int one = 1;

	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_OOBINLINE, &one, sizeof(one));
}

int server_listen_all(struct server *srv, char *err, size_t errlen)
{
	char ep[ADDR_ENDPOINT_STRLEN];

	raise_fd_limit();
	for (size_t i = 0; i < srv->cfg.nlisten; i++) {
		struct listener *l = &srv->listeners[i];

		l->addr = srv->cfg.listen[i];
		addr_format_endpoint(ep, sizeof(ep), &l->addr);
		l->fd = net_listen(&l->addr, 1024);
		if (l->fd < 0) {
			snprintf(err, errlen, "listen on %s: %s", ep, strerror(errno));
			return -1;
		}
		control_socket_options(l->fd);
		l->ev = event_new(srv->base, l->fd, EV_READ | EV_PERSIST, on_accept, srv);
		if (l->ev == NULL || event_add(l->ev, NULL) < 0) {
			snprintf(err, errlen, "listen on %s: event setup failed", ep);
			return -1;
		}
		srv->nlisteners++;
		log_server("listening on %s", ep);
	}
	return 0;
}

static FILE *open_log(const char *path, char *err, size_t errlen)
{
	FILE *f = fopen(path, "ae");

	if (f == NULL)
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
	return f;
}

int server_open_logs(struct server *srv, char *err, size_t errlen)
{
	if (srv->cfg.xferlog[0] && (srv->xferlog = open_log(srv->cfg.xferlog, err, errlen)) == NULL)
		return -1;
	if (srv->cfg.log_json[0] && (srv->jsonlog = open_log(srv->cfg.log_json, err, errlen)) == NULL)
		return -1;
	return 0;
}

static void close_listeners(struct server *srv)
{
	for (size_t i = 0; i < srv->nlisteners; i++) {
		if (srv->listeners[i].ev)
			event_free(srv->listeners[i].ev);
		close(srv->listeners[i].fd);
	}
	srv->nlisteners = 0;
}

/* SIGTERM: idle sessions get 421 now; those with a transfer when it ends
 * (or at the deadline); then the loop exits. */
static void stop_check(struct server *srv, bool deadline)
{
	struct session *s = srv->sessions, *next;

	for (; s != NULL; s = next) {
		next = s->next;
		if ((s->xfer == NULL || deadline) && s->state != SESS_CLOSING)
			session_shutdown(s, "Server shutting down.");
	}
	if (srv->sessions == NULL || deadline)
		event_base_loopexit(srv->base, NULL);
}

static void on_stop_tick(evutil_socket_t fd, short what, void *arg)
{
	struct server *srv = arg;
	static const struct timeval tick = {0, 200000};

	(void)fd;
	(void)what;
	stop_check(srv, false);
	evtimer_add(srv->stop_timer, &tick);
}

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct server *srv = arg;
	struct timeval deadline = {STOP_DEADLINE_S, 0}, tick = {0, 0};

	(void)what;
	if (sig == SIGHUP) {
		server_reload(srv);
		return;
	}
	if (srv->stopping) {
		stop_check(srv, true);
		return;
	}
	log_server("%s: no new sessions; finishing transfers (at most %d s)",
	           sig == SIGTERM ? "SIGTERM" : "SIGINT", STOP_DEADLINE_S);
	srv->stopping = true;
	close_listeners(srv);
	srv->stop_timer = evtimer_new(srv->base, on_stop_tick, srv);
	evtimer_add(srv->stop_timer, &tick);
	event_base_loopexit(srv->base, &deadline);
}

int server_install_signals(struct server *srv)
{
	signal(SIGPIPE, SIG_IGN);
	signal(SIGXFSZ, SIG_IGN); /* RLIMIT_FSIZE: write() says EFBIG instead */
	srv->sig_term = evsignal_new(srv->base, SIGTERM, on_signal, srv);
	srv->sig_int = evsignal_new(srv->base, SIGINT, on_signal, srv);
	srv->sig_hup = evsignal_new(srv->base, SIGHUP, on_signal, srv);
	if (!srv->sig_term || !srv->sig_int || !srv->sig_hup)
		return -1;
	evsignal_add(srv->sig_term, NULL);
	evsignal_add(srv->sig_int, NULL);
	evsignal_add(srv->sig_hup, NULL);
	return 0;
}

void server_free(struct server *srv)
{
	while (srv->sessions)
		session_close(srv->sessions, "server exit");
	close_listeners(srv);
	if (srv->sig_term)
		event_free(srv->sig_term);
	if (srv->sig_int)
		event_free(srv->sig_int);
	if (srv->sig_hup)
		event_free(srv->sig_hup);
	if (srv->stop_timer)
		event_free(srv->stop_timer);
	iptable_free(srv->per_ip);
	users_free(&srv->users);
	if (srv->xferlog)
		fclose(srv->xferlog);
	if (srv->jsonlog)
		fclose(srv->jsonlog);
	if (srv->rootfd >= 0)
		close(srv->rootfd);
	free(srv->iobuf);
	if (srv->base)
		event_base_free(srv->base);
}

#define CONFIG_FILE_MAX (1 << 20)

int server_read_config(struct server_config *cfg, const char *path, char *err, size_t errlen)
{
	char *text = malloc(CONFIG_FILE_MAX + 1), msg[512];
	int fd = open(path, O_RDONLY | O_CLOEXEC), rc = -1;
	ssize_t n = -1;

	if (text != NULL && fd >= 0)
		n = read(fd, text, CONFIG_FILE_MAX + 1);
	if (n < 0 || n > CONFIG_FILE_MAX) {
		snprintf(err, errlen, "%s: %s", path, n < 0 ? strerror(errno) : "larger than 1 MiB");
	} else if (config_parse_text(cfg, text, (size_t)n, msg, sizeof(msg)) < 0) {
		snprintf(err, errlen, "%s:%s", path, msg);
	} else {
		snprintf(cfg->config_file, sizeof(cfg->config_file), "%s", path);
		rc = 0;
	}
	if (fd >= 0)
		close(fd);
	free(text);
	return rc;
}

int server_load_users(const struct server_config *cfg, struct user_db *db, char *err,
                      size_t errlen)
{
	memset(db, 0, sizeof(*db));
	if (cfg->users_file[0] == '\0')
		return 0;
	return users_load(db, cfg->users_file, err, errlen);
}

void server_reload(struct server *srv)
{
	struct server_config cfg;
	struct user_db db;
	char err[1024];

	/* What the process started with: defaults, the file (re-read), then
	 * the command line over it. */
	config_defaults(&cfg);
	if (srv->cfg.config_file[0] &&
	    server_read_config(&cfg, srv->cfg.config_file, err, sizeof(err)) < 0) {
		log_server("SIGHUP: config not reloaded: %s", err);
		return;
	}
	if (srv->apply_args && srv->apply_args(srv, &cfg, err, sizeof(err)) < 0) {
		log_server("SIGHUP: config not reloaded: %s", err);
		return;
	}
	config_finish(&cfg);
	if (server_load_users(&cfg, &db, err, sizeof(err)) < 0) {
		log_server("SIGHUP: users not reloaded: %s", err);
		return;
	}
	/* Listeners and the root stay as they are: they need a restart. */
	memcpy(cfg.listen, srv->cfg.listen, sizeof(cfg.listen));
	cfg.nlisten = srv->cfg.nlisten;
	memcpy(cfg.root, srv->cfg.root, sizeof(cfg.root));
	memcpy(cfg.config_file, srv->cfg.config_file, sizeof(cfg.config_file));
	cfg.log_passwords = srv->cfg.log_passwords;
	srv->cfg = cfg;
	users_free(&srv->users);
	srv->users = db;
	log_server("SIGHUP: configuration reloaded (%zu users)", db.n);
}
