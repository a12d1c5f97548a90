/* session.c - a control connection's life: start, input, timers, teardown. */
#include "session.h"

#include <errno.h>
#include <event2/event.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "dataconn.h"
#include "iptable.h"
#include "log.h"
#include "server.h"
#include "xfer.h"

static void on_read(evutil_socket_t fd, short what, void *arg);
static void on_timer(evutil_socket_t fd, short what, void *arg);

void session_enter(struct session *s)
{
	s->depth++;
}

static void session_free(struct session *s)
{
	free(s->cwd);
	free(s->user);
	free(s->rnfr);
	free(s->held);
	free(s->backlog);
	free(s->line_store);
	free(s);
}

void session_leave(struct session *s)
{
	if (--s->depth == 0 && s->state == SESS_DEAD)
		session_free(s);
}

static void set_reading(struct session *s, bool on)
{
	if (on == s->reading || s->state == SESS_DEAD)
		return;
	if (on)
		event_add(s->ev_read, NULL);
	else
		event_del(s->ev_read);
	s->reading = on;
}

/* Every session shares two timeout lengths: libevent's common timeouts make
 * re-arming one (after every command) O(1) instead of a heap update. */
static const struct timeval *common_timeout(struct server *srv, int slot, unsigned secs)
{
	if (srv->common_tv[slot] == NULL || srv->common_secs[slot] != secs) {
		struct timeval tv = {.tv_sec = secs};

		srv->common_tv[slot] = event_base_init_common_timeout(srv->base, &tv);
		srv->common_secs[slot] = secs;
	}
	return srv->common_tv[slot];
}

void session_touch(struct session *s)
{
	const struct server_config *c = &s->srv->cfg;
	bool ready = s->state == SESS_READY;
	const struct timeval *tv;

	if (s->state == SESS_LOGIN_DELAY || s->state == SESS_DEAD)
		return;
	tv = common_timeout(s->srv, ready, ready ? c->idle_timeout : c->login_timeout);
	if (tv == NULL) {
		struct timeval plain = {.tv_sec = ready ? c->idle_timeout : c->login_timeout};

		evtimer_add(s->timer, &plain);
		return;
	}
	evtimer_add(s->timer, tv);
}

void session_start(struct server *srv, int fd, const struct ftp_hostport *peer,
                   const struct ftp_hostport *local)
{
	struct session *s = calloc(1, sizeof(*s));

	if (s == NULL || (s->cwd = strdup("/")) == NULL) {
		free(s);
		close(fd);
		return;
	}
	s->srv = srv;
	s->id = ++srv->next_id;
	s->fd = fd;
	s->peer = *peer;
	s->local = *local;
	s->rootfd = srv->rootfd;
	s->pasv_fd = -1;
	s->data_fd = -1;
	s->connect_fd = -1;
	s->type = TYPE_ASCII;
	s->mlst_facts = ~0u;
	/* TCP_NODELAY and SO_OOBINLINE come from the listener (server.c):
	 * accepted sockets inherit them, two system calls less per session. */
	linebuf_init(&s->lb, srv->linebuf, sizeof(srv->linebuf), true);
	s->ev_read = event_new(srv->base, fd, EV_READ | EV_PERSIST, on_read, s);
	s->timer = evtimer_new(srv->base, on_timer, s);
	s->next = srv->sessions;
	if (srv->sessions)
		srv->sessions->prev = s;
	srv->sessions = s;
	srv->nsessions++;
	iptable_add(srv->per_ip, &peer->addr);
	if (s->ev_read == NULL || s->timer == NULL) {
		session_close(s, "out of memory");
		return;
	}
	session_enter(s);
	log_event(s, "connect", "connection from client on server");
	commands_banner(s);
	set_reading(s, true);
	session_touch(s);
	session_leave(s);
}

void session_close(struct session *s, const char *why)
{
	struct server *srv = s->srv;

	if (s->state == SESS_DEAD)
		return;
	log_event(s, "close", "%s", why);
	xfer_abort(s, false);
	dataconn_reset(s);
	if (s->rootfd != srv->rootfd && s->rootfd >= 0)
		close(s->rootfd);
	session_out_free(s);
	if (s->ev_read)
		event_free(s->ev_read);
	if (s->timer)
		event_free(s->timer);
	close(s->fd);
	iptable_remove(srv->per_ip, &s->peer.addr);
	if (s->prev)
		s->prev->next = s->next;
	else
		srv->sessions = s->next;
	if (s->next)
		s->next->prev = s->prev;
	srv->nsessions--;
	s->state = SESS_DEAD;
	if (s->depth == 0)
		session_free(s);
}

void session_shutdown(struct session *s, const char *why)
{
	session_reply(s, 421, "%s", why);
	s->state = SESS_CLOSING;
	set_reading(s, false);
	if (s->out_len == 0 && s->delayed == NULL)
		session_close(s, why);
}

/* Input waits during a login delay or the last reply, while too many
 * commands are held, or while the client does not read what we send. */
static bool blocked(const struct session *s)
{
	return s->state == SESS_LOGIN_DELAY || s->state == SESS_CLOSING ||
	       s->state == SESS_DEAD || s->held_len > SESSION_HELD_MAX || session_out_busy(s);
}

static void save_backlog(struct session *s, const char *p, size_t n)
{
	char *nb;

	if (n == 0)
		return;
	nb = realloc(s->backlog, s->backlog_len + n);
	if (nb == NULL) {
		session_close(s, "out of memory");
		return;
	}
	memcpy(nb + s->backlog_len, p, n);
	s->backlog = nb;
	s->backlog_len += n;
}

/* A partial line stays in the session's own storage between reads; a
 * session at a line boundary uses none. */
static void keep_partial_line(struct session *s)
{
	struct server *srv = s->srv;

	if (linebuf_pending(&s->lb) == 0 && s->line_store != NULL) {
		linebuf_set_storage(&s->lb, srv->linebuf);
		free(s->line_store);
		s->line_store = NULL;
	} else if (linebuf_pending(&s->lb) > 0 && s->line_store == NULL) {
		s->line_store = malloc(sizeof(srv->linebuf));
		if (s->line_store == NULL) {
			session_close(s, "out of memory");
			return;
		}
		linebuf_set_storage(&s->lb, s->line_store);
	}
}

static void process_input(struct session *s, const char *p, size_t n)
{
	size_t off = 0;

	while (off < n && s->state != SESS_DEAD) {
		struct linebuf_line line;
		size_t used = 0;
		enum linebuf_status st;

		if (blocked(s)) {
			save_backlog(s, p + off, n - off);
			set_reading(s, false);
			break;
		}
		st = linebuf_feed(&s->lb, p + off, n - off, &used, &line);
		off += used;
		if (st == LINEBUF_LINE)
			commands_line(s, line.p, line.len, line.flags);
		else if (st == LINEBUF_TOOLONG)
			commands_overlong(s, line.len);
	}
	if (s->state != SESS_DEAD)
		keep_partial_line(s);
}

static void on_read(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;
	char *buf = s->srv->readbuf;
	ssize_t n;

	(void)what;
	n = recv(fd, buf, SERVER_READ_CHUNK, 0);
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	session_enter(s);
	if (n <= 0) {
		session_close(s, n == 0 ? "client closed the connection" : strerror(errno));
	} else {
		if (s->state != SESS_CLOSING)
			session_touch(s);
		process_input(s, buf, (size_t)n);
	}
	session_leave(s);
}

static void replay_one(struct session *s)
{
	char line[LINEBUF_DEFAULT_MAX];
	size_t len = (size_t)(unsigned char)s->held[0] << 8 | (unsigned char)s->held[1];

	memcpy(line, s->held + 2, len);
	s->held_len -= len + 2;
	memmove(s->held, s->held + len + 2, s->held_len);
	if (s->held_len == 0) {
		free(s->held);
		s->held = NULL;
	}
	commands_line(s, line, len, 0);
}

void session_resume(struct session *s)
{
	if (s->state == SESS_DEAD)
		return;
	session_enter(s);
	if (!s->replaying) {
		/* Held commands run in order until one starts a transfer again. */
		s->replaying = true;
		while (s->held_len > 0 && s->xfer == NULL && s->state != SESS_DEAD &&
		       s->state != SESS_LOGIN_DELAY && s->state != SESS_CLOSING)
			replay_one(s);
		s->replaying = false;
	}
	if (s->state != SESS_DEAD && !blocked(s) && s->backlog_len > 0) {
		char *b = s->backlog;
		size_t len = s->backlog_len;

		s->backlog = NULL;
		s->backlog_len = 0;
		process_input(s, b, len);
		free(b);
	}
	if (s->state != SESS_DEAD && !blocked(s) && s->backlog_len == 0)
		set_reading(s, true);
	session_leave(s);
}

static void on_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	if (s->state == SESS_LOGIN_DELAY) {
		commands_login_delay_done(s);
	} else if (s->xfer != NULL) {
		session_touch(s); /* a transfer keeps the session alive */
	} else if (s->state == SESS_CLOSING) {
		session_close(s, "closing");
	} else {
		session_shutdown(s, s->state == SESS_READY ? "Idle timeout, closing control connection."
		                                           : "Login timeout, closing control connection.");
	}
	session_leave(s);
}

void session_log(const struct session *s, const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_event(s, "info", "%s", msg);
}
