/* workers.c - --workers N: one parent, N worker processes.
 *
 * The parent owns the listeners and the limits: it accepts, checks
 * --max-sessions and --max-per-ip over all workers, and passes each
 * connection with its session id to the least busy worker (SCM_RIGHTS on a
 * SOCK_SEQPACKET socketpair). A worker runs sessions exactly as a single
 * proxy does and tells the parent when one ends. Each process has its own
 * descriptor table, so N workers hold N times the sessions one process can
 * (two descriptors each), and use N cores.
 *
 * The parent has no libevent base: a poll(2) loop over the listeners, the
 * channels and a signalfd, so that forking a worker later (a respawn) never
 * shares an epoll set. A worker that dies is reaped, its sessions are
 * released from the counts and it is started again a second later. SIGTERM
 * or SIGINT: the parent stops accepting, passes the signal on and exits 0
 * once every worker has (SIGKILL after STOP_DEADLINE_S).
 */
#include <errno.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "iptable.h"
#include "listen.h"
#include "proxy.h"

#define RESPAWN_DELAY_MS 1000
#define PAUSE_MS 100
#define STOP_DEADLINE_S 35
#define SLOTS_FIRST 64

/* Channel messages. Parent -> worker: a session (and its socket). */
struct wmsg_new {
	uint64_t id;
	uint32_t slot;
	struct ftp_hostport peer, local;
};

/* Worker -> parent: that session ended. */
struct wmsg_closed {
	uint32_t slot;
};

struct wslot {
	struct ftp_addr peer;
	uint32_t next_free;
	bool used;
};

struct worker {
	pid_t pid;            /* 0: not running */
	int fd;               /* the parent's end of the channel; -1: none */
	unsigned sessions;
	struct wslot *slots;
	uint32_t cap, free_head;
	long long respawn_at; /* ms on the monotonic clock; 0: none due */
};

struct wparent {
	struct worker w[PCONFIG_MAX_WORKERS];
	unsigned n;
	int sfd;              /* signalfd: SIGTERM, SIGINT, SIGCHLD */
	sigset_t old_mask;    /* what a worker gets back */
	bool stopping;
	long long paused_until, kill_at;
};

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* ---------------------------------------------------------------- slots */

static int slot_take(struct proxy *px, struct worker *w, const struct ftp_addr *peer,
                     uint32_t *slot)
{
	if (w->free_head >= w->cap) {
		uint32_t cap = w->cap ? w->cap * 2 : SLOTS_FIRST;
		struct wslot *s = realloc(w->slots, cap * sizeof(*s));

		if (s == NULL)
			return -1;
		for (uint32_t i = w->cap; i < cap; i++)
			s[i] = (struct wslot){.next_free = i + 1};
		w->free_head = w->cap;
		w->slots = s;
		w->cap = cap;
	}
	*slot = w->free_head;
	w->free_head = w->slots[*slot].next_free;
	w->slots[*slot] = (struct wslot){*peer, 0, true};
	w->sessions++;
	px->nsessions++;
	iptable_add(px->per_ip, peer);
	return 0;
}

static void slot_release(struct proxy *px, struct worker *w, uint32_t slot)
{
	if (slot >= w->cap || !w->slots[slot].used) {
		plog_process("worker pid %d: end of unknown session slot %u ignored", (int)w->pid,
		             (unsigned)slot);
		return;
	}
	iptable_remove(px->per_ip, &w->slots[slot].peer);
	w->slots[slot].used = false;
	w->slots[slot].next_free = w->free_head;
	w->free_head = slot;
	w->sessions--;
	px->nsessions--;
}

/* A worker is gone: its sessions with it. */
static void channel_lost(struct proxy *px, struct worker *w)
{
	for (uint32_t i = 0; i < w->cap; i++)
		if (w->slots[i].used)
			slot_release(px, w, i);
	if (w->fd >= 0)
		close(w->fd);
	w->fd = -1;
}

/* ---------------------------------------------------------------- worker side */

static void on_channel(evutil_socket_t fd, short what, void *arg)
{
	struct proxy *px = arg;

	(void)what;
	for (;;) {
		struct wmsg_new m;
		union {
			struct cmsghdr h;
			char buf[CMSG_SPACE(sizeof(int))];
		} c;
		struct iovec iov = {&m, sizeof(m)};
		struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
		                    .msg_controllen = sizeof(c.buf)};
		ssize_t n = recvmsg(fd, &mh, MSG_DONTWAIT | MSG_CMSG_CLOEXEC);
		struct cmsghdr *ch = n > 0 ? CMSG_FIRSTHDR(&mh) : NULL;
		int sfd = -1;

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			plog_process("worker: the parent is gone (%s); exiting",
			             n == 0 ? "channel closed" : strerror(errno));
			event_base_loopexit(px->base, NULL);
			return;
		}
		if (ch && ch->cmsg_level == SOL_SOCKET && ch->cmsg_type == SCM_RIGHTS &&
		    ch->cmsg_len == CMSG_LEN(sizeof(int)))
			memcpy(&sfd, CMSG_DATA(ch), sizeof(int));
		if ((size_t)n != sizeof(m) || sfd < 0 || (mh.msg_flags & (MSG_TRUNC | MSG_CTRUNC))) {
			plog_process("worker: malformed message from the parent (%zd bytes) ignored", n);
			if (sfd >= 0)
				close(sfd);
			continue;
		}
		psession_start(px, sfd, &m.peer, &m.local, m.id, m.slot);
	}
}

int workers_channel_events(struct proxy *px)
{
	px->chan_ev = event_new(px->base, px->chan, EV_READ | EV_PERSIST, on_channel, px);
	return px->chan_ev && event_add(px->chan_ev, NULL) == 0 ? 0 : -1;
}

void workers_session_closed(struct proxy *px, uint32_t slot)
{
	struct wmsg_closed m = {slot};

	/* Blocking: the parent always reads; a gone parent is EPIPE. */
	while (send(px->chan, &m, sizeof(m), MSG_NOSIGNAL) < 0 && errno == EINTR)
		;
}

/* In the new child: drop everything of the parent's, serve the channel. */
static int worker_main(struct proxy *px, int chan)
{
	struct wparent *wp = px->parent;

	prctl(PR_SET_PDEATHSIG, SIGTERM);
	sigprocmask(SIG_SETMASK, &wp->old_mask, NULL);
	proxy_close_listeners(px);
	workers_free(px); /* the other channels, the signalfd, the slots */
	iptable_free(px->per_ip); /* the parent's counts: this process counts its own */
	px->per_ip = iptable_new();
	px->nsessions = 0;
	px->chan = chan;
	if (px->per_ip == NULL)
		return 1;
	return proxy_serve(px);
}

/* ---------------------------------------------------------------- parent side */

static void spawn(struct proxy *px, unsigned i)
{
	struct worker *w = &px->parent->w[i];
	int sv[2];
	pid_t pid;

	w->respawn_at = 0;
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) < 0) {
		plog_process("worker %u: socketpair: %s; retrying in 1 s", i + 1, strerror(errno));
		w->respawn_at = now_ms() + RESPAWN_DELAY_MS;
		return;
	}
	fflush(NULL); /* nothing buffered is written twice */
	pid = fork();
	if (pid == 0) {
		close(sv[0]);
		exit(worker_main(px, sv[1]));
	}
	close(sv[1]);
	if (pid < 0) {
		plog_process("worker %u: fork: %s; retrying in 1 s", i + 1, strerror(errno));
		close(sv[0]);
		w->respawn_at = now_ms() + RESPAWN_DELAY_MS;
		return;
	}
	(void)!evutil_make_socket_nonblocking(sv[0]);
	w->pid = pid;
	w->fd = sv[0];
	plog_process("worker %u: pid %d", i + 1, (int)pid);
}

void workers_handoff(struct proxy *px, int fd, const struct ftp_hostport *peer,
                     const struct ftp_hostport *local)
{
	struct wparent *wp = px->parent;
	struct worker *best = NULL;
	struct wmsg_new m = {.id = ++px->next_id, .peer = *peer, .local = *local};
	union {
		struct cmsghdr h;
		char buf[CMSG_SPACE(sizeof(int))];
	} c;
	struct iovec iov = {&m, sizeof(m)};
	struct msghdr mh = {.msg_iov = &iov, .msg_iovlen = 1, .msg_control = c.buf,
	                    .msg_controllen = sizeof(c.buf)};
	struct cmsghdr *ch = CMSG_FIRSTHDR(&mh);

	for (unsigned i = 0; i < wp->n; i++)
		if (wp->w[i].fd >= 0 && (best == NULL || wp->w[i].sessions < best->sessions))
			best = &wp->w[i];
	if (best == NULL || slot_take(px, best, &peer->addr, &m.slot) < 0) {
		proxy_refuse(fd, "No worker available, try later.");
		return;
	}
	memset(c.buf, 0, sizeof(c.buf));
	ch->cmsg_level = SOL_SOCKET;
	ch->cmsg_type = SCM_RIGHTS;
	ch->cmsg_len = CMSG_LEN(sizeof(int));
	memcpy(CMSG_DATA(ch), &fd, sizeof(int));
	if (sendmsg(best->fd, &mh, MSG_DONTWAIT | MSG_NOSIGNAL) != (ssize_t)sizeof(m)) {
		plog_process("worker pid %d: cannot pass a session (%s)", (int)best->pid,
		             strerror(errno));
		slot_release(px, best, m.slot);
		proxy_refuse(fd, "Proxy busy, try later.");
		return;
	}
	close(fd);
}

static void read_channel(struct proxy *px, struct worker *w)
{
	for (;;) {
		struct wmsg_closed m;
		ssize_t n = recv(w->fd, &m, sizeof(m), MSG_DONTWAIT);

		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			return;
		if (n <= 0) {
			channel_lost(px, w);
			return;
		}
		if ((size_t)n == sizeof(m))
			slot_release(px, w, m.slot);
	}
}

static void reap(struct proxy *px)
{
	struct wparent *wp = px->parent;
	pid_t pid;
	int st;

	while ((pid = waitpid(-1, &st, WNOHANG)) > 0) {
		for (unsigned i = 0; i < wp->n; i++) {
			struct worker *w = &wp->w[i];

			if (w->pid != pid)
				continue;
			if (!wp->stopping || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
				plog_process("worker %u (pid %d) %s %d%s", i + 1, (int)pid,
				             WIFSIGNALED(st) ? "killed by signal" : "exited with",
				             WIFSIGNALED(st) ? WTERMSIG(st) : WEXITSTATUS(st),
				             wp->stopping ? "" : "; starting another in 1 s");
			channel_lost(px, w);
			w->pid = 0;
			if (!wp->stopping)
				w->respawn_at = now_ms() + RESPAWN_DELAY_MS;
		}
	}
}

static void begin_stop(struct proxy *px, int sig)
{
	struct wparent *wp = px->parent;

	if (wp->stopping)
		return;
	plog_process("%s: stopping the workers", sig == SIGTERM ? "SIGTERM" : "SIGINT");
	wp->stopping = true;
	wp->kill_at = now_ms() + STOP_DEADLINE_S * 1000LL;
	proxy_close_listeners(px);
	for (unsigned i = 0; i < wp->n; i++) {
		wp->w[i].respawn_at = 0;
		if (wp->w[i].pid > 0)
			kill(wp->w[i].pid, SIGTERM);
	}
}

static void read_signals(struct proxy *px)
{
	struct signalfd_siginfo si;

	while (read(px->parent->sfd, &si, sizeof(si)) == (ssize_t)sizeof(si)) {
		if (si.ssi_signo == SIGCHLD)
			reap(px);
		else
			begin_stop(px, (int)si.ssi_signo);
	}
}

/* Timers: respawns, the end of an accept pause, the stop deadline. */
static int next_timeout(const struct wparent *wp, long long now)
{
	long long t = -1;

	for (unsigned i = 0; i < wp->n; i++)
		if (wp->w[i].respawn_at && (t < 0 || wp->w[i].respawn_at < t))
			t = wp->w[i].respawn_at;
	if (wp->paused_until > now && (t < 0 || wp->paused_until < t))
		t = wp->paused_until;
	if (wp->stopping && (t < 0 || wp->kill_at < t))
		t = wp->kill_at;
	return t < 0 ? -1 : t <= now ? 0 : (int)(t - now);
}

static void run_timers(struct proxy *px, long long now)
{
	struct wparent *wp = px->parent;

	for (unsigned i = 0; i < wp->n; i++)
		if (wp->w[i].respawn_at && wp->w[i].respawn_at <= now)
			spawn(px, i);
	if (wp->stopping && now >= wp->kill_at) {
		for (unsigned i = 0; i < wp->n; i++)
			if (wp->w[i].pid > 0)
				kill(wp->w[i].pid, SIGKILL);
		wp->kill_at = now + 1000;
	}
}

static bool any_running(const struct wparent *wp)
{
	for (unsigned i = 0; i < wp->n; i++)
		if (wp->w[i].pid > 0)
			return true;
	return false;
}

static void poll_once(struct proxy *px)
{
	struct wparent *wp = px->parent;
	struct pollfd pf[1 + PCONFIG_MAX_LISTEN + PCONFIG_MAX_WORKERS];
	size_t n = 1, nl = 0;
	long long now = now_ms();
	bool accepting = !wp->stopping && now >= wp->paused_until;

	pf[0] = (struct pollfd){wp->sfd, POLLIN, 0};
	for (size_t i = 0; accepting && i < px->nlisteners; i++, nl++)
		pf[n++] = (struct pollfd){px->listeners[i].fd, POLLIN, 0};
	for (unsigned i = 0; i < wp->n; i++)
		pf[n++] = (struct pollfd){wp->w[i].fd, POLLIN, 0}; /* fd -1: ignored */
	if (poll(pf, n, next_timeout(wp, now)) < 0)
		return; /* EINTR */
	if (pf[0].revents)
		read_signals(px);
	for (size_t i = 0; i < nl && !wp->stopping; i++)
		if ((pf[1 + i].revents & POLLIN) && proxy_accept_ready(px, pf[1 + i].fd) < 0)
			wp->paused_until = now_ms() + PAUSE_MS;
	for (unsigned i = 0; i < wp->n; i++)
		if (pf[1 + nl + i].revents && wp->w[i].fd == pf[1 + nl + i].fd)
			read_channel(px, &wp->w[i]);
	run_timers(px, now_ms());
}

int workers_run(struct proxy *px)
{
	struct wparent *wp = calloc(1, sizeof(*wp));
	sigset_t set;

	if (wp == NULL) {
		fprintf(stderr, "ftplab-proxy: out of memory\n");
		proxy_free(px);
		return 1;
	}
	sigemptyset(&set);
	sigaddset(&set, SIGTERM);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGCHLD);
	signal(SIGPIPE, SIG_IGN);
	sigprocmask(SIG_BLOCK, &set, &wp->old_mask);
	wp->n = px->cfg.workers;
	wp->sfd = signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
	for (unsigned i = 0; i < wp->n; i++)
		wp->w[i].fd = -1;
	px->parent = wp;
	if (wp->sfd < 0) {
		fprintf(stderr, "ftplab-proxy: signalfd: %s\n", strerror(errno));
		proxy_free(px);
		return 1;
	}
	for (unsigned i = 0; i < wp->n; i++)
		spawn(px, i);
	while (!wp->stopping || any_running(wp))
		poll_once(px);
	plog_process("all workers stopped: exiting");
	proxy_free(px);
	return 0;
}

void workers_free(struct proxy *px)
{
	struct wparent *wp = px->parent;

	if (wp == NULL)
		return;
	for (unsigned i = 0; i < wp->n; i++) {
		free(wp->w[i].slots);
		if (wp->w[i].fd >= 0)
			close(wp->w[i].fd);
	}
	if (wp->sfd >= 0)
		close(wp->sfd);
	free(wp);
	px->parent = NULL;
}
