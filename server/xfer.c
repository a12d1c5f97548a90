/* xfer.c - moving the bytes of a transfer between a file (or a listing)
 * and the data connection. */
#include "xfer.h"

#include <errno.h>
#include <event2/event.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#include "ascii.h"
#include "commands.h"
#include "dataconn.h"
#include "fsjail.h"
#include "ftplab/reply.h"
#include "log.h"
#include "server.h"
#include "session.h"

#define XFER_BUF 65536            /* ASCII and listing output */
#define SENDFILE_CHUNK (4u << 20)

enum xfer_dir { XD_DOWN, XD_UP };

/* What one step of a transfer leaves: more to do now, wait for the socket
 * (or the rate limit), or the transfer has ended (and is freed). */
enum step { STEP_MORE, STEP_WAIT, STEP_END };

struct xfer {
	struct session *s;
	enum ftp_cmd cmd;
	enum xfer_dir dir;
	int fd;                       /* data socket, -1 until connected */
	bool connected;
	int file_fd;
	struct listing *list;
	bool ascii;
	struct ascii_state as;
	uint64_t offset, size, bytes;
	char *buf;                    /* pending output (ASCII, listings) */
	size_t buf_len, buf_off;
	struct event *ev, *throttle;
	struct event *stall;          /* --data-timeout without progress */
	struct timeval start, last;
	unsigned kbps;                /* 0: unlimited */
	double tokens;
	uint64_t drop_after;          /* fault drop-data-after, UINT64_MAX: off */
	int pipe[2];                  /* binary uploads: socket -> pipe -> file */
	bool splice_ok;
	int tmp_dirfd;
	char tmp_name[64];
	char *final_name;
	char path[VPATH_MAX + 1];
};

static void on_data(evutil_socket_t fd, short what, void *arg);
static enum step pump(struct session *s);

static void xfer_free(struct xfer *x, bool keep_upload)
{
	if (x->ev)
		event_free(x->ev);
	if (x->throttle)
		event_free(x->throttle);
	if (x->stall)
		event_free(x->stall);
	if (x->fd >= 0)
		close(x->fd);
	if (x->file_fd >= 0)
		close(x->file_fd);
	if (x->pipe[0] >= 0) {
		close(x->pipe[0]);
		close(x->pipe[1]);
	}
	if (x->list) {
		listing_close(x->list);
		free(x->list);
	}
	if (x->tmp_dirfd >= 0) {
		if (!keep_upload)
			unlinkat(x->tmp_dirfd, x->tmp_name, 0);
		close(x->tmp_dirfd);
	}
	free(x->final_name);
	free(x->buf);
	free(x);
}

static double elapsed(const struct xfer *x)
{
	struct timeval now, d;

	gettimeofday(&now, NULL);
	timersub(&now, &x->start, &d);
	return (double)d.tv_sec + (double)d.tv_usec / 1e6;
}

static void log_done(struct session *s, const struct xfer *x, bool complete, int code)
{
	struct xfer_record r = {
		.cmd = cmd_name(x->cmd), .path = x->path, .bytes = x->bytes,
		.seconds = x->connected ? elapsed(x) : 0, .ascii = x->ascii,
		.upload = x->dir == XD_UP, .complete = complete, .reply_code = code,
	};

	if (x->list == NULL)
		log_transfer(s, &r);
}

/* The one end of every transfer: reply, log, free, and (resume) let held
 * commands run. */
static void end_xfer(struct session *s, bool resume, int code, const char *fmt, va_list ap)
{
	struct xfer *x = s->xfer;
	bool ok = code == FTP_R_TRANSFER_COMPLETE;

	s->xfer = NULL;
	if (ok && x->list == NULL) {
		if (x->dir == XD_UP) {
			s->bytes_in += x->bytes;
			s->files_in++;
		} else {
			s->bytes_out += x->bytes;
			s->files_out++;
		}
	}
	if (x->fd >= 0) {
		close(x->fd); /* the kernel sends what is queued, then FIN */
		x->fd = -1;
	}
	session_vreply(s, code, fmt, ap);
	log_done(s, x, ok, code);
	xfer_free(x, ok);
	session_touch(s);
	if (resume)
		session_resume(s);
}

static void finish(struct session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish(struct session *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_xfer(s, true, code, fmt, ap);
	va_end(ap);
}

static void finish_quiet(struct session *s, int code, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static void finish_quiet(struct session *s, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	end_xfer(s, false, code, fmt, ap);
	va_end(ap);
}

static unsigned rate_for(const struct server_config *c)
{
	unsigned a = c->rate_limit_kbps, b = c->faults.slow_data_kbps;

	if (a == 0 || (b != 0 && b < a))
		return b;
	return a;
}

void xfer_begin(struct session *s, const struct xfer_source *src)
{
	const struct server_config *c = &s->srv->cfg;
	struct xfer *x = calloc(1, sizeof(*x));
	bool up = cmd_info(src->cmd)->xfer == FTP_XFER_UPLOAD;
	int fd;

	if (x == NULL) {
		session_close(s, "out of memory");
		return;
	}
	*x = (struct xfer){.s = s, .cmd = src->cmd, .dir = up ? XD_UP : XD_DOWN, .fd = -1,
	                   .file_fd = src->file_fd, .list = src->list,
	                   .ascii = s->type == TYPE_ASCII || src->list != NULL,
	                   .offset = src->offset, .size = src->size, .kbps = rate_for(c),
	                   .drop_after = c->faults.drop_data_after_set ? c->faults.drop_data_after
	                                                               : UINT64_MAX,
	                   .tmp_dirfd = src->tmp_dirfd, .pipe = {-1, -1}};
	snprintf(x->path, sizeof(x->path), "%s", src->path);
	if (src->tmp_name) {
		snprintf(x->tmp_name, sizeof(x->tmp_name), "%s", src->tmp_name);
		x->final_name = strdup(src->final_name);
	}
	ascii_init(&x->as);
	s->xfer = x;
	if (c->faults.refuse_data) {
		log_event(s, "fault", "refuse-data: no data connection for %s", cmd_name(x->cmd));
		dataconn_reset(s);
		finish(s, FTP_R_CANT_OPEN_DATA, "Can't open data connection (lab fault refuse-data).");
		return;
	}
	switch (dataconn_open(s, &fd)) {
	case DATA_OPEN_NOW:
		if (x->cmd == FTP_CMD_STOU) /* RFC 1123 4.1.2.9: "FILE: name" */
			session_reply(s, FTP_R_DATA_ALREADY_OPEN, "FILE: %s", vpath_basename(x->path));
		else
			session_reply(s, FTP_R_DATA_ALREADY_OPEN,
			              "Data connection already open; %s %s.",
			              up ? "receiving" : "sending", x->path);
		xfer_connected(s, fd);
		return;
	case DATA_OPEN_LATER:
		if (x->cmd == FTP_CMD_STOU)
			session_reply(s, FTP_R_FILE_STATUS_OK, "FILE: %s", vpath_basename(x->path));
		else if (x->list == NULL && !up)
			session_reply(s, FTP_R_FILE_STATUS_OK,
			              "Opening %s mode data connection for %s (%llu bytes).",
			              x->ascii ? "ASCII" : "BINARY", x->path, (unsigned long long)x->size);
		else
			session_reply(s, FTP_R_FILE_STATUS_OK, "Opening %s mode data connection for %s.",
			              x->ascii ? "ASCII" : "BINARY", x->path);
		return;
	case DATA_OPEN_NONE:
		finish(s, FTP_R_CANT_OPEN_DATA, "Use PORT, EPRT, PASV or EPSV first.");
		return;
	case DATA_OPEN_FAILED:
		break;
	}
	finish(s, FTP_R_CANT_OPEN_DATA, "Can't open data connection.");
}

static void on_stall(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	if (s->xfer != NULL) {
		log_event(s, "data-stalled", "no data moved for %u s", s->srv->cfg.data_timeout);
		finish(s, FTP_R_TRANSFER_ABORTED, "Transfer aborted: no data moved for %u s.",
		       s->srv->cfg.data_timeout);
	}
	session_leave(s);
}

void xfer_connected(struct session *s, int fd)
{
	struct timeval tv = {.tv_sec = s->srv->cfg.data_timeout};

	struct xfer *x = s->xfer;

	if (x == NULL) {
		if (fd >= 0)
			close(fd);
		return;
	}
	if (fd < 0) {
		finish(s, FTP_R_CANT_OPEN_DATA, "Can't open data connection.");
		return;
	}
	x->fd = fd;
	x->connected = true;
	gettimeofday(&x->start, NULL);
	x->last = x->start;
	x->tokens = x->kbps * 1024.0 / 20; /* a 50 ms burst */
	x->ev = event_new(s->srv->base, fd, (x->dir == XD_UP ? EV_READ : EV_WRITE) | EV_PERSIST,
	                  on_data, s);
	x->stall = evtimer_new(s->srv->base, on_stall, s);
	if (x->ev == NULL || x->stall == NULL || evtimer_add(x->stall, &tv) < 0) {
		finish(s, FTP_R_LOCAL_ERROR, "Local error: out of memory.");
		return;
	}
	if (x->file_fd >= 0 && x->offset > 0 && x->dir == XD_UP &&
	    lseek(x->file_fd, (off_t)x->offset, SEEK_SET) < 0) {
		finish(s, FTP_R_LOCAL_ERROR, "Can't seek to the REST offset.");
		return;
	}
	x->splice_ok = x->dir == XD_UP && !x->ascii &&
	               !(fcntl(x->file_fd, F_GETFL) & O_APPEND);
	/* A new data socket is writable: a small download ends right here,
	 * without ever being registered with the event loop. */
	if (x->dir == XD_DOWN && pump(s) == STEP_END)
		return;
	if (s->xfer == x && !(x->throttle && evtimer_pending(x->throttle, NULL)))
		event_add(x->ev, NULL);
}

static void on_throttle(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	if (s->xfer && s->xfer->ev)
		event_add(s->xfer->ev, NULL);
}

/* How many bytes the rate limit lets through now; 0 pauses the transfer
 * until enough time has passed. */
static size_t allowance(struct session *s, struct xfer *x, size_t want)
{
	double rate = x->kbps * 1024.0, burst = rate / 20 > 1460 ? rate / 20 : 1460;
	struct timeval now, d, wait;
	double secs;

	if (x->kbps == 0)
		return want;
	gettimeofday(&now, NULL);
	timersub(&now, &x->last, &d);
	x->last = now;
	x->tokens += ((double)d.tv_sec + (double)d.tv_usec / 1e6) * rate;
	if (x->tokens > burst)
		x->tokens = burst;
	/* Whole segments only: sending the scrap of a few bytes that built up
	 * since the last burst would put a tiny segment on the wire each time. */
	if (x->tokens >= (double)(want < 1460 ? want : 1460))
		return want < x->tokens ? want : (size_t)x->tokens;
	secs = ((double)(want < 1460 ? want : 1460) - x->tokens) / rate;
	wait.tv_sec = (time_t)secs;
	wait.tv_usec = (suseconds_t)((secs - (double)wait.tv_sec) * 1e6) + 1000;
	if (x->throttle == NULL)
		x->throttle = evtimer_new(s->srv->base, on_throttle, s);
	event_del(x->ev);
	if (x->throttle)
		evtimer_add(x->throttle, &wait);
	return 0;
}

static void account(struct xfer *x, size_t n)
{
	struct timeval tv = {.tv_sec = x->s->srv->cfg.data_timeout};

	if (n > 0 && x->stall)
		evtimer_add(x->stall, &tv);
	x->bytes += n;
	if (x->kbps)
		x->tokens -= (double)n;
}

/* fault drop-data-after=N: how much may still go before the cut. */
static size_t before_drop(const struct xfer *x, size_t want)
{
	uint64_t left = x->drop_after - x->bytes;

	return (x->drop_after != UINT64_MAX && left < want) ? (size_t)left : want;
}

static bool drop_now(struct session *s, struct xfer *x)
{
	struct linger lg = {1, 0};

	if (x->drop_after == UINT64_MAX || x->bytes < x->drop_after)
		return false;
	log_event(s, "fault", "drop-data-after=%llu: closing the data connection",
	          (unsigned long long)x->drop_after);
	setsockopt(x->fd, SOL_SOCKET, SO_LINGER, &lg, sizeof(lg)); /* RST */
	close(x->fd);
	x->fd = -1;
	finish(s, FTP_R_TRANSFER_ABORTED, "Connection closed; transfer aborted (lab fault "
	       "drop-data-after=%llu).", (unsigned long long)x->drop_after);
	return true;
}

static void broken(struct session *s, const char *what)
{
	finish(s, FTP_R_TRANSFER_ABORTED, "Connection closed; transfer aborted (%s: %s).", what,
	       strerror(errno));
}

/* ASCII files and listings: fill x->buf; 0 at the end. */
static ssize_t refill(struct session *s, struct xfer *x)
{
	if (x->buf == NULL && (x->buf = malloc(XFER_BUF)) == NULL)
		return -1;
	x->buf_off = 0;
	if (x->list) {
		x->buf_len = listing_next(x->list, x->buf, XFER_BUF);
	} else {
		size_t used;
		ssize_t n = pread(x->file_fd, s->srv->iobuf, XFER_BUF / 2, (off_t)x->offset);

		if (n < 0)
			return -1;
		x->offset += (uint64_t)n;
		x->buf_len = ascii_to_crlf(&x->as, s->srv->iobuf, (size_t)n, x->buf, XFER_BUF, &used);
	}
	return (ssize_t)x->buf_len;
}

static void done_down(struct session *s, struct xfer *x)
{
	finish(s, FTP_R_TRANSFER_COMPLETE, "Transfer complete (%llu bytes).",
	       (unsigned long long)x->bytes);
}

/* One step of a download. */
static enum step step_down(struct session *s, struct xfer *x)
{
	size_t want;
	ssize_t n;

	if (x->list == NULL && !x->ascii) {
		if (x->offset >= x->size) {
			done_down(s, x);
			return STEP_END;
		}
		want = x->size - x->offset < SENDFILE_CHUNK ? (size_t)(x->size - x->offset)
		                                             : SENDFILE_CHUNK;
		want = allowance(s, x, before_drop(x, want));
		if (want == 0)
			return STEP_WAIT;
		off_t off = (off_t)x->offset;
		n = sendfile(x->fd, x->file_fd, &off, want);
		if (n == 0) {
			done_down(s, x); /* the file shrank */
			return STEP_END;
		}
		if (n > 0)
			x->offset += (uint64_t)n;
	} else {
		if (x->buf_off == x->buf_len) {
			n = refill(s, x);
			if (n <= 0) {
				if (n < 0)
					finish(s, FTP_R_LOCAL_ERROR, "Local error: read failed.");
				else
					done_down(s, x);
				return STEP_END;
			}
		}
		want = allowance(s, x, before_drop(x, x->buf_len - x->buf_off));
		if (want == 0)
			return STEP_WAIT;
		n = send(x->fd, x->buf + x->buf_off, want, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n > 0)
			x->buf_off += (size_t)n;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return STEP_WAIT;
		broken(s, "send");
		return STEP_END;
	}
	account(x, (size_t)n);
	return drop_now(s, x) ? STEP_END : STEP_MORE;
}

static int write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

static void storage_error(struct session *s)
{
	int e = errno;

	if (e == EFBIG || e == EDQUOT)
		finish(s, FTP_R_EXCEEDED_STORAGE, "Transfer aborted: storage allocation exceeded.");
	else if (e == ENOSPC)
		finish(s, FTP_R_NO_STORAGE, "Transfer aborted: insufficient storage space.");
	else
		finish(s, FTP_R_LOCAL_ERROR, "Transfer aborted: write error (%s).", strerror(e));
}

static void done_up(struct session *s, struct xfer *x)
{
	char tail[1];
	size_t n = x->ascii ? ascii_flush(&x->as, tail) : 0;
	int fd = x->file_fd;

	x->file_fd = -1;
	if ((n && write_all(fd, tail, n) < 0) || close(fd) < 0) {
		storage_error(s);
		return;
	}
	if (x->tmp_dirfd >= 0 &&
	    renameat(x->tmp_dirfd, x->tmp_name, x->tmp_dirfd, x->final_name) < 0) {
		finish(s, FTP_R_LOCAL_ERROR, "Transfer aborted: rename failed (%s).", strerror(errno));
		return;
	}
	if (x->tmp_dirfd >= 0)
		x->tmp_name[0] = '\0';
	finish(s, FTP_R_TRANSFER_COMPLETE, "Transfer complete (%llu bytes).",
	       (unsigned long long)x->bytes);
}

/* Binary uploads without copies: socket -> pipe -> file with splice(2).
 * Returns bytes moved, 0 at EOF, -1 with errno (EAGAIN: wait), or -2 when
 * the file side failed (errno says why). */
static ssize_t splice_up(struct xfer *x, size_t want)
{
	ssize_t n, out = 0;

	if (x->pipe[0] < 0) {
		if (pipe2(x->pipe, O_NONBLOCK | O_CLOEXEC) < 0)
			return -1;
		(void)fcntl(x->pipe[1], F_SETPIPE_SZ, 1 << 20);
	}
	n = splice(x->fd, NULL, x->pipe[1], NULL, want, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (n <= 0)
		return n;
	while (out < n) {
		ssize_t w = splice(x->pipe[0], NULL, x->file_fd, NULL, (size_t)(n - out), SPLICE_F_MOVE);

		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return -2;
		out += w;
	}
	return n;
}

/* Where upload bytes go: the file, through ASCII conversion for TYPE A. */
static int sink(struct xfer *x, const char *data, size_t len)
{
	if (x->ascii) {
		if (x->buf == NULL && (x->buf = malloc(XFER_BUF + 1)) == NULL) {
			errno = ENOMEM;
			return -1;
		}
		len = ascii_from_crlf(&x->as, data, len, x->buf);
		data = x->buf;
	}
	return write_all(x->file_fd, data, len);
}

/* One step of an upload. */
static enum step step_up(struct session *s, struct xfer *x)
{
	size_t want = allowance(s, x, before_drop(x, x->ascii ? XFER_BUF : s->srv->iobuf_size));
	ssize_t n;

	if (want == 0)
		return STEP_WAIT;
	if (x->splice_ok) {
		n = splice_up(x, want);
		if (n == -2 && errno == EINVAL && x->bytes == 0) {
			/* a file system or file that cannot take splice: read/write,
			 * with what is already in the pipe written first */
			x->splice_ok = false;
			if (x->pipe[0] >= 0) {
				ssize_t k;

				while ((k = read(x->pipe[0], s->srv->iobuf, s->srv->iobuf_size)) > 0) {
					if (sink(x, s->srv->iobuf, (size_t)k) < 0) {
						storage_error(s);
						return STEP_END;
					}
					account(x, (size_t)k);
				}
			}
			return STEP_MORE;
		}
		if (n == -2) {
			storage_error(s);
			return STEP_END;
		}
	} else {
		n = recv(x->fd, s->srv->iobuf, want, MSG_DONTWAIT);
		if (n > 0 && sink(x, s->srv->iobuf, (size_t)n) < 0) {
			storage_error(s);
			return STEP_END;
		}
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return STEP_WAIT;
		broken(s, "recv");
		return STEP_END;
	}
	if (n == 0) {
		done_up(s, x);
		return STEP_END;
	}
	account(x, (size_t)n);
	return drop_now(s, x) ? STEP_END : STEP_MORE;
}

/* Move data until the socket would block, the rate limit pauses, or the
 * transfer ends (bounded, so one transfer does not starve the others). */
static enum step pump(struct session *s)
{
	enum step st = STEP_WAIT;

	for (int round = 0; round < 16; round++) {
		struct xfer *x = s->xfer;

		st = x->dir == XD_UP ? step_up(s, x) : step_down(s, x);
		if (st != STEP_MORE)
			break;
	}
	return st;
}

static void on_data(evutil_socket_t fd, short what, void *arg)
{
	struct session *s = arg;

	(void)fd;
	(void)what;
	session_enter(s);
	if (s->xfer != NULL)
		pump(s);
	session_leave(s);
}

void xfer_abort(struct session *s, bool reply)
{
	if (s->xfer == NULL)
		return;
	dataconn_cancel(s);
	if (reply) {
		/* ABOR's own 226 must follow before held input runs. */
		finish_quiet(s, FTP_R_TRANSFER_ABORTED, "Transfer aborted.");
		return;
	}
	log_done(s, s->xfer, false, 0);
	xfer_free(s->xfer, false);
	s->xfer = NULL;
}

void xfer_progress(const struct session *s, char *buf, size_t cap)
{
	const struct xfer *x = s->xfer;

	if (!x->connected)
		snprintf(buf, cap, "%s %s: waiting for the data connection.", cmd_name(x->cmd),
		         x->path);
	else if (x->dir == XD_DOWN && x->list == NULL)
		snprintf(buf, cap, "%s %s: %llu of %llu bytes sent.", cmd_name(x->cmd), x->path,
		         (unsigned long long)x->bytes, (unsigned long long)x->size);
	else
		snprintf(buf, cap, "%s %s: %llu bytes %s.", cmd_name(x->cmd), x->path,
		         (unsigned long long)x->bytes, x->dir == XD_UP ? "received" : "sent");
}
