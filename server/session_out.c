/* session_out.c - the control connection's output: replies, the queue of
 * unsent bytes, and the reply-delay and split-replies lab faults. */
#include <errno.h>
#include <event2/event.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>

#include "ftplab/reply.h"
#include "log.h"
#include "server.h"
#include "session.h"

#define OUT_BUSY_BYTES (64 * 1024)  /* stop reading commands past this */
#define OUT_MAX_BYTES (4 << 20)     /* a client this far behind is dropped */

struct delayed_reply {
	struct delayed_reply *next;
	struct timeval due;
	size_t len;
	char data[];
};

static void on_write(evutil_socket_t fd, short what, void *arg);
static void on_out_timer(evutil_socket_t fd, short what, void *arg);

bool session_out_busy(const struct session *s)
{
	return s->out_len > OUT_BUSY_BYTES;
}

void session_out_free(struct session *s)
{
	while (s->delayed) {
		struct delayed_reply *d = s->delayed;

		s->delayed = d->next;
		free(d);
	}
	if (s->ev_write)
		event_free(s->ev_write);
	if (s->out_timer)
		event_free(s->out_timer);
	s->ev_write = s->out_timer = NULL;
	free(s->out);
	s->out = NULL;
	s->out_len = s->out_cap = 0;
}

static bool queue(struct session *s, const char *p, size_t n)
{
	if (s->out_len + n > OUT_MAX_BYTES) {
		session_close(s, "client does not read its replies");
		return false;
	}
	if (s->out_len + n > s->out_cap) {
		size_t cap = s->out_cap ? s->out_cap : 512;
		char *nb;

		while (cap < s->out_len + n)
			cap *= 2;
		nb = realloc(s->out, cap);
		if (nb == NULL) {
			session_close(s, "out of memory");
			return false;
		}
		s->out = nb;
		s->out_cap = cap;
	}
	memcpy(s->out + s->out_len, p, n);
	s->out_len += n;
	return true;
}

static bool ensure_event(struct session *s, struct event **ev, bool timer)
{
	if (*ev == NULL)
		*ev = timer ? evtimer_new(s->srv->base, on_out_timer, s)
		            : event_new(s->srv->base, s->fd, EV_WRITE | EV_PERSIST, on_write, s);
	if (*ev == NULL)
		session_close(s, "out of memory");
	return *ev != NULL;
}

/* The queue is empty: drop its memory, and finish a closing session. */
static void drained(struct session *s)
{
	if (s->ev_write)
		event_del(s->ev_write);
	free(s->out);
	s->out = NULL;
	s->out_len = s->out_cap = 0;
	if (s->state == SESS_CLOSING && s->delayed == NULL)
		session_close(s, "closed after the last reply");
	else if (!s->reading)
		session_resume(s); /* input may have waited for the queue */
}

/* Send what we can now; with split-replies, one byte per segment per tick. */
static void flush(struct session *s)
{
	bool split = s->srv->cfg.faults.split_replies;
	size_t sent = 0;

	while (sent < s->out_len) {
		size_t chunk = split ? 1 : s->out_len - sent;
		ssize_t n = send(s->fd, s->out + sent, chunk, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN) {
			session_close(s, "control connection write failed");
			return;
		}
		if (n > 0)
			sent += (size_t)n;
		if (n < 0 || split)
			break;
	}
	memmove(s->out, s->out + sent, s->out_len - sent);
	s->out_len -= sent;
	if (s->out_len == 0) {
		drained(s);
	} else if (split) {
		struct timeval tick = {0, 2000};

		if (ensure_event(s, &s->out_timer, true))
			evtimer_add(s->out_timer, &tick);
	} else if (ensure_event(s, &s->ev_write, false)) {
		event_add(s->ev_write, NULL);
	}
}

void session_send(struct session *s, const char *p, size_t n)
{
	unsigned delay = s->srv->cfg.faults.reply_delay_ms;

	if (s->state == SESS_DEAD)
		return;
	if (delay > 0) {
		struct delayed_reply *d = malloc(sizeof(*d) + n), **tail = &s->delayed;
		struct timeval now, wait = {delay / 1000, (delay % 1000) * 1000};

		if (d == NULL || !ensure_event(s, &s->out_timer, true)) {
			free(d);
			return;
		}
		gettimeofday(&now, NULL);
		timeradd(&now, &wait, &d->due);
		d->next = NULL;
		d->len = n;
		memcpy(d->data, p, n);
		while (*tail)
			tail = &(*tail)->next;
		*tail = d;
		if (s->delayed == d)
			evtimer_add(s->out_timer, &wait);
		return;
	}
	if (s->out_len == 0 && !s->srv->cfg.faults.split_replies) {
		/* Nothing waits: send at once and queue only what the socket
		 * did not take (the common case costs no allocation). */
		ssize_t sent = send(s->fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);

		if (sent < 0 && errno != EAGAIN && errno != EINTR) {
			session_close(s, "control connection write failed");
			return;
		}
		if (sent > 0) {
			p += sent;
			n -= (size_t)sent;
		}
		if (n == 0)
			return;
	}
	if (!queue(s, p, n))
		return;
	if (s->out_len == n) /* nothing was waiting before these bytes */
		flush(s);
}

/* reply-delay: move the replies that are due to the output. */
static void release_due(struct session *s)
{
	struct timeval now;

	gettimeofday(&now, NULL);
	while (s->delayed && !timercmp(&s->delayed->due, &now, >)) {
		struct delayed_reply *d = s->delayed;

		s->delayed = d->next;
		if (!queue(s, d->data, d->len)) {
			free(d);
			return;
		}
		free(d);
	}
	if (s->delayed) {
		struct timeval wait;

		timersub(&s->delayed->due, &now, &wait);
		evtimer_add(s->out_timer, &wait);
	}
}

static void on_out_timer(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	if (s->delayed)
		release_due(s);
	if (s->state != SESS_DEAD && s->out_len > 0)
		flush(s);
	session_leave(s);
}

static void on_write(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	flush(s);
	session_leave(s);
}

void session_vreply(struct session *s, int code, const char *fmt, va_list ap)
{
	char text[8192], out[8192 + 512];
	size_t len;
	int n = vsnprintf(text, sizeof(text), fmt, ap);

	if (n < 0)
		return;
	if ((size_t)n >= sizeof(text))
		n = sizeof(text) - 1;
	if (reply_format(out, sizeof(out), &len, code, text, (size_t)n) != FTP_OK)
		return;
	log_reply(s, code, text, (size_t)n);
	session_send(s, out, len);
}

void session_reply(struct session *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	session_vreply(s, code, fmt, ap);
	va_end(ap);
}
