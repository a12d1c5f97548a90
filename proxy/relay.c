/* relay.c - one data connection relayed between two sockets: splice(2)
 * socket -> pipe -> socket in each direction, read/write fallback,
 * half-close propagation, byte counts and back-pressure. See relay.h.
 *
 * Each direction (a->b, b->a) is a small state machine (enum dir_state)
 * driven by two level-triggered events: EV_READ on its source, armed only
 * while the direction is RUNNING and its pipe (or buffer) has room, and
 * EV_WRITE on its destination, armed only while bytes are pending. Both
 * events run dir_pump(), which alternates drain and fill until nothing
 * moves or the per-callback budget is spent.
 *
 * The caller must ignore SIGPIPE: splice(2) to a reset socket raises it
 * and, unlike send(2), cannot take MSG_NOSIGNAL. */
#include "relay.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <unistd.h>

#include <event2/event.h>

#define RELAY_PIPE_SIZE (1024 * 1024) /* asked for; the kernel may give less */
#define RELAY_BUF_SIZE (64 * 1024)    /* fallback buffer per direction */
#define RELAY_BUDGET (1024 * 1024)    /* bytes per direction per callback */
#define RELAY_SPLICE_FLAGS (SPLICE_F_NONBLOCK | SPLICE_F_MOVE)

enum dir_state {
	DIR_RUNNING,  /* reading the source, writing the destination */
	DIR_DRAINING, /* source sent FIN: flushing what is pending */
	DIR_DONE,     /* FIN propagated to the destination */
};

struct relay_dir {
	struct relay *r;
	int from, to;            /* indexes into r->fd */
	enum dir_state state;
	struct event *rev, *wev; /* EV_READ on from, EV_WRITE on to */
	int pipe[2];             /* both -1 in fallback mode */
	size_t cap, pending;     /* pipe capacity, bytes in the pipe */
	bool spliced;            /* a splice in worked: no fallback any more */
	bool no_splice;          /* for tests: first splice in "fails" EINVAL */
	bool in_blocked;         /* last splice in found the pipe full */
	char *buf;               /* fallback mode: buf[off..len) pending */
	size_t off, len;
	uint64_t *count;         /* bytes that reached the destination */
};

struct relay {
	struct event_base *base;
	int fd[2];               /* a, b */
	struct relay_dir dir[2]; /* [0] a -> b, [1] b -> a */
	struct relay_stats st;
	relay_done_fn done;
	void *arg;
	bool in_callback, free_pending;
};

static void relay_on_event(evutil_socket_t fd, short what, void *arg);

static size_t dir_pending(const struct relay_dir *d)
{
	return d->buf ? d->len - d->off : d->pending;
}

static bool dir_may_read(const struct relay_dir *d)
{
	if (d->state != DIR_RUNNING || d->in_blocked)
		return false;
	return d->buf ? d->len < RELAY_BUF_SIZE : d->pending < d->cap;
}

static void mark_closed(struct relay_stats *st, int side)
{
	if (side == 0)
		st->a_closed = true;
	else
		st->b_closed = true;
}

/* Record errno as the relay's failure; a reset or EPIPE closed `side`. */
static int dir_error(struct relay_dir *d, int side)
{
	struct relay_stats *st = &d->r->st;

	st->error = true;
	st->error_errno = errno;
	if (errno == ECONNRESET || errno == EPIPE)
		mark_closed(st, side);
	return -1;
}

/* Switch to read/write through a buffer for the rest of this direction. */
static int dir_use_fallback(struct relay_dir *d)
{
	d->buf = malloc(RELAY_BUF_SIZE);
	if (!d->buf) {
		errno = ENOMEM;
		return -1;
	}
	d->off = d->len = 0;
	for (int i = 0; i < 2; i++) {
		if (d->pipe[i] >= 0)
			close(d->pipe[i]);
		d->pipe[i] = -1;
	}
	return 0;
}

static void dir_got_eof(struct relay_dir *d)
{
	d->state = DIR_DRAINING;
	mark_closed(&d->r->st, d->from);
}

/* Fill helpers: > 0 bytes read, 0 nothing now (or EOF), -1 error. */
static ssize_t dir_fill_copy(struct relay_dir *d)
{
	ssize_t n = recv(d->r->fd[d->from], d->buf + d->len, RELAY_BUF_SIZE - d->len, 0);

	if (n > 0) {
		d->len += (size_t)n;
		return n;
	}
	if (n == 0)
		dir_got_eof(d);
	else if (errno != EAGAIN && errno != EINTR)
		return -1;
	return 0;
}

static ssize_t dir_fill_splice(struct relay_dir *d)
{
	ssize_t n = -1;

	errno = EINVAL;
	if (!d->no_splice)
		n = splice(d->r->fd[d->from], NULL, d->pipe[1], NULL, d->cap - d->pending,
		           RELAY_SPLICE_FLAGS);
	if (n > 0) {
		d->pending += (size_t)n;
		d->spliced = true;
		return n;
	}
	if (n == 0) {
		dir_got_eof(d);
		return 0;
	}
	if (errno == EAGAIN || errno == EINTR) {
		/* Either no data or no free pipe slot: with bytes in the
		 * pipe, assume the latter and wait for a drain. */
		d->in_blocked = d->pending > 0;
		return 0;
	}
	if ((errno == EINVAL || errno == ENOSYS) && !d->spliced) {
		if (dir_use_fallback(d) < 0)
			return -1;
		return dir_fill_copy(d);
	}
	return -1;
}

/* Drain helpers: > 0 bytes written, 0 destination full, -1 error. */
static ssize_t dir_drain_copy(struct relay_dir *d)
{
	ssize_t n = send(d->r->fd[d->to], d->buf + d->off, d->len - d->off,
	                 MSG_NOSIGNAL | MSG_DONTWAIT);

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	d->off += (size_t)n;
	if (d->off == d->len)
		d->off = d->len = 0;
	return n;
}

static ssize_t dir_drain_splice(struct relay_dir *d)
{
	ssize_t n = splice(d->pipe[0], NULL, d->r->fd[d->to], NULL, d->pending,
	                   RELAY_SPLICE_FLAGS);

	if (n < 0)
		return (errno == EAGAIN || errno == EINTR) ? 0 : -1;
	d->pending -= (size_t)n;
	return n;
}

static int event_set_armed(struct event *ev, bool on)
{
	bool armed = event_pending(ev, EV_READ | EV_WRITE, NULL) != 0;

	if (on == armed)
		return 0;
	if ((on ? event_add(ev, NULL) : event_del(ev)) < 0) {
		errno = ENOMEM;
		return -1;
	}
	return 0;
}

static int dir_arm(struct relay_dir *d)
{
	if (event_set_armed(d->rev, dir_may_read(d)) < 0 ||
	    event_set_armed(d->wev, dir_pending(d) > 0) < 0)
		return dir_error(d, d->from);
	return 0;
}

/* Move bytes until nothing moves or the budget is spent; propagate the
 * FIN once the source ended and everything pending was written. */
static int dir_pump(struct relay_dir *d)
{
	size_t in = 0, out = 0;
	bool moved = true;
	ssize_t n;

	while (moved && in < RELAY_BUDGET && out < RELAY_BUDGET) {
		moved = false;
		if (dir_pending(d) > 0) {
			n = d->buf ? dir_drain_copy(d) : dir_drain_splice(d);
			if (n < 0)
				return dir_error(d, d->to);
			if (n > 0) {
				*d->count += (uint64_t)n;
				out += (size_t)n;
				d->in_blocked = false;
				moved = true;
			}
		}
		if (dir_may_read(d)) {
			n = d->buf ? dir_fill_copy(d) : dir_fill_splice(d);
			if (n < 0)
				return dir_error(d, d->from);
			in += (size_t)n;
			moved = moved || n > 0;
		}
	}
	if (d->state == DIR_DRAINING && dir_pending(d) == 0) {
		if (shutdown(d->r->fd[d->to], SHUT_WR) < 0)
			return dir_error(d, d->to);
		d->state = DIR_DONE;
	}
	return dir_arm(d);
}

static int dir_init(struct relay *r, int i, bool no_splice)
{
	struct relay_dir *d = &r->dir[i];
	int sz;

	d->r = r;
	d->from = i;
	d->to = 1 - i;
	d->count = i == 0 ? &r->st.a_to_b : &r->st.b_to_a;
	d->rev = event_new(r->base, r->fd[d->from], EV_READ | EV_PERSIST, relay_on_event, d);
	d->wev = event_new(r->base, r->fd[d->to], EV_WRITE | EV_PERSIST, relay_on_event, d);
	d->no_splice = no_splice;
	if (!d->rev || !d->wev || pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
		return -1;
	(void)fcntl(d->pipe[1], F_SETPIPE_SZ, RELAY_PIPE_SIZE);
	sz = fcntl(d->pipe[1], F_GETPIPE_SZ);
	d->cap = sz > 0 ? (size_t)sz : 4096;
	return 0;
}

/* Close sockets and pipes, drop events and buffers; idempotent. */
static void relay_release(struct relay *r)
{
	for (int i = 0; i < 2; i++) {
		struct relay_dir *d = &r->dir[i];

		if (d->rev)
			event_free(d->rev);
		if (d->wev)
			event_free(d->wev);
		d->rev = d->wev = NULL;
		for (int j = 0; j < 2; j++) {
			if (d->pipe[j] >= 0)
				close(d->pipe[j]);
			d->pipe[j] = -1;
		}
		free(d->buf);
		d->buf = NULL;
		d->off = d->len = d->pending = 0;
		if (r->fd[i] >= 0)
			close(r->fd[i]);
		r->fd[i] = -1;
	}
}

/* The one teardown path of a running relay: release, then report. */
static void relay_finish(struct relay *r)
{
	relay_release(r);
	if (r->done) {
		r->in_callback = true;
		r->done(r, &r->st, r->arg);
		r->in_callback = false;
	}
	if (r->free_pending)
		free(r);
}

static void relay_on_event(evutil_socket_t fd, short what, void *arg)
{
	struct relay_dir *d = arg;
	struct relay *r = d->r;

	if (dir_pump(d) < 0 ||
	    (r->dir[0].state == DIR_DONE && r->dir[1].state == DIR_DONE))
		relay_finish(r); /* may free r: touch nothing after it */
}

struct relay *relay_start_opts(struct event_base *base, int a, int b, relay_done_fn done,
                               void *arg, bool no_splice)
{
	struct relay *r = calloc(1, sizeof(*r));

	if (!r) {
		close(a);
		close(b);
		return NULL;
	}
	r->base = base;
	r->fd[0] = a;
	r->fd[1] = b;
	r->done = done;
	r->arg = arg;
	for (int i = 0; i < 2; i++)
		r->dir[i].pipe[0] = r->dir[i].pipe[1] = -1;
	/* splice(2) to a socket blocks unless the socket is O_NONBLOCK. */
	if (evutil_make_socket_nonblocking(a) < 0 || evutil_make_socket_nonblocking(b) < 0 ||
	    dir_init(r, 0, no_splice) < 0 || dir_init(r, 1, no_splice) < 0 ||
	    dir_arm(&r->dir[0]) < 0 || dir_arm(&r->dir[1]) < 0) {
		relay_release(r);
		free(r);
		return NULL;
	}
	return r;
}

struct relay *relay_start(struct event_base *base, int a, int b, relay_done_fn done, void *arg)
{
	return relay_start_opts(base, a, b, done, arg, false);
}

void relay_free(struct relay *r)
{
	if (!r)
		return;
	if (r->in_callback) {
		r->free_pending = true; /* relay_finish frees it on return */
		return;
	}
	relay_release(r);
	free(r);
}

void relay_get_stats(const struct relay *r, struct relay_stats *st)
{
	*st = r->st;
}

bool relay_half_done(const struct relay *r)
{
	return r->dir[0].state == DIR_DONE || r->dir[1].state == DIR_DONE;
}
