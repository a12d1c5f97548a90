/* ftpload - a small FTP load generator for bench/server.sh.
 *
 * One thread, non-blocking sockets, one epoll loop; every client is a small
 * state machine driven by complete replies (multi-line replies included).
 * Loopback only. Every run is capped in time (--seconds), in count (--max)
 * and in errors (--max-errors). Results go to stdout as one line of
 * key=value pairs; the first errors are explained on stderr. */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <arpa/inet.h>
#include <errno.h>
#include <getopt.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum mode { M_SESSIONS, M_NOOP, M_IDLE, M_RETR, M_STOR };
enum step { ST_FREE, ST_BANNER, ST_USER, ST_PASS, ST_TYPE, ST_EPSV, ST_XFER,
            ST_QUIT, ST_NOOP, ST_IDLE };
static const char *const step_name[] = { "free", "banner", "USER", "PASS", "TYPE",
	"EPSV", "transfer", "QUIT", "NOOP", "idle" };

struct client {
	int ctl, data;
	enum step step;
	int multi;                 /* code of the multi-line reply in progress, or 0 */
	bool got_final, data_done, got_221;
	uint64_t moved;            /* data bytes read or written */
	struct in_addr src;
	size_t len;
	char buf[1024];            /* control input not yet framed into lines */
};

static struct opts {
	enum mode mode;
	struct in_addr host;
	int port, clients, batch, src_first, src_count;
	double seconds, hold;
	uint64_t max, max_errors, size;
	const char *file;
	bool type_i;
} o = { .clients = 1, .batch = 32, .seconds = 10, .hold = 600, .max = 10000000, .max_errors = 1000,
        .src_count = 0, .type_i = true };

static struct client *cl;
static int ep;
static uint64_t n_ok, n_err, n_started, n_dropped;
static int n_ready;            /* clients logged in (noop, idle) */
static int n_active;           /* clients with a connection */
static double t_start, t_end, t_xfer;
static volatile sig_atomic_t got_signal;
static char iobuf[1 << 20];    /* RETR data is read into it, STOR data (zeros) sent from it */

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void on_signal(int sig) { got_signal = sig; }

static void usage(FILE *f)
{
	fputs("Usage: ftpload MODE HOST PORT [OPTION]...\n"
	      "A small FTP load generator (loopback only) for bench/server.sh.\n\n"
	      "Modes:\n"
	      "  sessions  each client repeats: connect, banner, USER anonymous, PASS x,\n"
	      "            TYPE I, EPSV, RETR --file (checking --size bytes and the 226), QUIT\n"
	      "  noop      --clients sessions log in, then each repeats NOOP / 200\n"
	      "  idle      open --clients logged-in sessions, print \"ready ...\", then hold\n"
	      "            them until stdin closes, SIGTERM/SIGINT or --hold seconds\n"
	      "  retr      one session: RETR --file, expecting exactly --size bytes\n"
	      "  stor      one session: STOR --size bytes of zeros to --file\n\n"
	      "Options:\n"
	      "  -c, --clients N     concurrent clients (default 1)\n"
	      "  -s, --seconds S     duration (sessions, noop) or cap (others; default 10)\n"
	      "  -n, --max N         stop after N sessions (default 10000000)\n"
	      "  -e, --max-errors N  give up after N errors (default 1000)\n"
	      "  -f, --file PATH     the file to RETR or STOR (FTP path)\n"
	      "  -b, --size BYTES    the expected/sent size of --file\n"
	      "      --batch N       noop, idle: at most N clients logging in at once (32)\n"
	      "      --hold S        idle: hold the sessions at most S seconds (default 600)\n"
	      "      --sources A:K   bind clients to 127.0.0.A ... 127.0.0.(A+K-1)\n"
	      "      --no-type       do not send TYPE I before EPSV\n"
	      "  -h, --help          this text\n\n"
	      "Output: one line \"MODE ok=N errors=N seconds=S rate=R ...\"; exit status 0\n"
	      "if there were no errors and at least one success, else 1 (2: bad usage).\n", f);
}

static void fail(struct client *c, const char *why, const char *line, size_t n);

static void fail_sys(struct client *c, const char *why)
{
	const char *e = strerror(errno);
	fail(c, why, e, strlen(e));
}

static int tcp_connect(struct in_addr src, int port, bool nodelay)
{
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	int one = 1;
	if (nodelay)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
	if (src.s_addr != htonl(INADDR_ANY)) {
		struct sockaddr_in sa = { .sin_family = AF_INET, .sin_addr = src };
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof one);
		if (bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0)
			goto fail;
	}
	struct sockaddr_in sa = { .sin_family = AF_INET, .sin_port = htons((uint16_t)port),
	                          .sin_addr = o.host };
	if (connect(fd, (struct sockaddr *)&sa, sizeof sa) < 0 && errno != EINPROGRESS)
		goto fail;
	return fd;
fail:;
	int e = errno;
	close(fd);
	errno = e;
	return -1;
}

static bool watch(int fd, uint32_t events, size_t id, bool data)
{
	struct epoll_event ev = { .events = events, .data.u64 = id * 2 + data };
	return epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) == 0;
}

static void close_fd(int *fd)
{
	if (*fd >= 0)
		close(*fd);
	*fd = -1;
}

static void client_close(struct client *c)
{
	if (c->ctl >= 0)
		n_active--;
	close_fd(&c->ctl);
	close_fd(&c->data);
	c->step = ST_FREE;
}

static void client_start(struct client *c)
{
	size_t id = (size_t)(c - cl);
	c->step = ST_BANNER;
	c->multi = 0;
	c->len = 0;
	c->data = -1;
	n_started++;
	c->ctl = tcp_connect(c->src, o.port, true);
	if (c->ctl < 0) {
		fail_sys(c, "connect");
		return;
	}
	n_active++;
	if (!watch(c->ctl, EPOLLIN, id, false))
		fail_sys(c, "epoll_ctl");
}

static void fail(struct client *c, const char *why, const char *line, size_t n)
{
	while (n > 0 && (line[n - 1] == '\n' || line[n - 1] == '\r'))
		n--;
	if (n_err < 5)
		fprintf(stderr, "ftpload: client %zu in %s: %s: %.*s\n", (size_t)(c - cl),
		        step_name[c->step], why, (int)(n > 200 ? 200 : n), line);
	n_err++;
	client_close(c);
}

static void send_cmd(struct client *c, enum step next, const char *verb, const char *arg)
{
	char line[1100];
	int n = snprintf(line, sizeof line, "%s%s%s\r\n", verb, arg ? " " : "", arg ? arg : "");
	c->step = next;
	if (n < 0 || (size_t)n >= sizeof line)
		fail(c, "command too long", "", 0);
	else if (send(c->ctl, line, (size_t)n, MSG_NOSIGNAL) != n)
		fail_sys(c, "send");
}

/* The session's transfer is over when the final reply came and the data
 * connection is done (EOF read, or all bytes sent and closed). */
static void xfer_check(struct client *c)
{
	if (!c->got_final || !c->data_done)
		return;
	if (c->moved != o.size) {
		char m[64];
		snprintf(m, sizeof m, "%llu bytes, expected %llu", (unsigned long long)c->moved,
		         (unsigned long long)o.size);
		fail(c, "wrong size", m, strlen(m));
		return;
	}
	if (o.mode == M_RETR || o.mode == M_STOR)
		t_end = now();
	send_cmd(c, ST_QUIT, "QUIT", NULL);
}

static void start_data(struct client *c, const char *line, size_t n)
{
	const char *p = memchr(line, '(', n);
	unsigned port = 0;
	char d;
	if (!p || sscanf(p, "(%c%*c%*c%u", &d, &port) != 2 || port == 0 || port > 65535) {
		fail(c, "bad 229", line, n);
		return;
	}
	c->data = tcp_connect(c->src, (int)port, false);
	if (c->data < 0) {
		fail_sys(c, "data connect");
		return;
	}
	c->moved = 0;
	c->got_final = c->data_done = false;
	uint32_t ev = o.mode == M_STOR ? EPOLLOUT : EPOLLIN;
	if (!watch(c->data, ev, (size_t)(c - cl), true)) {
		fail_sys(c, "epoll_ctl");
		return;
	}
	if (o.mode == M_RETR || o.mode == M_STOR)
		t_xfer = now();
	send_cmd(c, ST_XFER, o.mode == M_STOR ? "STOR" : "RETR", o.file);
}

static void logged_in(struct client *c)
{
	if (o.mode == M_NOOP || o.mode == M_IDLE) {
		n_ready++;
		c->step = ST_IDLE;
		if (o.mode == M_NOOP && t_start > 0)
			send_cmd(c, ST_NOOP, "NOOP", NULL);
	} else if (o.type_i) {
		send_cmd(c, ST_TYPE, "TYPE I", NULL);
	} else {
		send_cmd(c, ST_EPSV, "EPSV", NULL);
	}
}

static void noop_again(struct client *c)
{
	if (now() < t_end) {
		n_ok++;
		send_cmd(c, ST_NOOP, "NOOP", NULL);
	} else {
		c->step = ST_IDLE;
	}
}

/* One complete reply: its CODE and last line. Preliminary replies are skipped. */
static void on_reply(struct client *c, int code, const char *line, size_t n)
{
	enum step s = c->step;
	if ((s == ST_BANNER && code == 120) || (s == ST_XFER && (code == 125 || code == 150)))
		return;
	if (s == ST_BANNER && code == 220)
		send_cmd(c, ST_USER, "USER", "anonymous");
	else if (s == ST_USER && code == 331)
		send_cmd(c, ST_PASS, "PASS", "x");
	else if ((s == ST_USER || s == ST_PASS) && code == 230)
		logged_in(c);
	else if (s == ST_TYPE && code == 200)
		send_cmd(c, ST_EPSV, "EPSV", NULL);
	else if (s == ST_EPSV && code == 229)
		start_data(c, line, n);
	else if (s == ST_XFER && (code == 226 || code == 250)) {
		c->got_final = true;
		xfer_check(c);
	} else if (s == ST_QUIT && code == 221)
		c->got_221 = true; /* then wait for the server to close */
	else if (s == ST_NOOP && code == 200)
		noop_again(c);
	else
		fail(c, "unexpected reply", line, n);
}

/* Frames control input into lines and lines into replies. */
static void on_ctl(struct client *c)
{
	ssize_t r = recv(c->ctl, c->buf + c->len, sizeof c->buf - c->len, 0);
	if (r < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (r <= 0) {
		if (r == 0 && c->step == ST_QUIT && c->got_221) {
			n_ok += o.mode == M_SESSIONS;
			client_close(c);
		} else if (c->step == ST_IDLE && o.mode == M_IDLE && t_start > 0) {
			n_dropped++;
			client_close(c);
		} else if (r < 0) {
			fail_sys(c, "control connection");
		} else {
			fail(c, "control connection", "closed by the server", 20);
		}
		return;
	}
	c->len += (size_t)r;
	char *p = c->buf, *end = c->buf + c->len, *nl;
	while (c->ctl >= 0 && (nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
		size_t n = (size_t)(nl - p) + 1;
		bool coded = n >= 5 && p[0] >= '1' && p[0] <= '5' && p[1] >= '0' && p[1] <= '9' &&
		             p[2] >= '0' && p[2] <= '9';
		int code = coded ? (p[0] - '0') * 100 + (p[1] - '0') * 10 + (p[2] - '0') : 0;
		if (c->multi == 0 && coded && p[3] == '-') {
			c->multi = code;
		} else if (c->multi == 0 && coded && (p[3] == ' ' || p[3] == '\r' || p[3] == '\n')) {
			on_reply(c, code, p, n);
		} else if (c->multi == 0) {
			fail(c, "malformed reply", p, n);
			return;
		} else if (code == c->multi && p[3] == ' ') {
			c->multi = 0;
			on_reply(c, code, p, n);
		}
		p = nl + 1;
	}
	if (c->ctl < 0)
		return;
	c->len = (size_t)(end - p);
	memmove(c->buf, p, c->len);
	if (c->len == sizeof c->buf)
		fail(c, "overlong reply line", c->buf, 80);
}

static void on_data(struct client *c)
{
	ssize_t r;
	if (o.mode == M_STOR) {
		uint64_t left = o.size - c->moved;
		r = left ? send(c->data, iobuf, left < sizeof iobuf ? left : sizeof iobuf,
		                MSG_NOSIGNAL) : 0;
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			fail_sys(c, "data send");
			return;
		}
		c->moved += (uint64_t)r;
		if (c->moved == o.size) {
			close_fd(&c->data);
			c->data_done = true;
			xfer_check(c);
		}
		return;
	}
	for (int i = 0; i < 16; i++) {
		r = recv(c->data, iobuf, sizeof iobuf, 0);
		if (r < 0 && errno == EAGAIN)
			return;
		if (r < 0) {
			fail_sys(c, "data recv");
			return;
		}
		if (r == 0) {
			close_fd(&c->data);
			c->data_done = true;
			xfer_check(c);
			return;
		}
		c->moved += (uint64_t)r;
	}
}

/* Starts clients on free slots. sessions: every free slot, until the time or
 * the count runs out. Others: each slot once, at most --batch logging in at once. */
static void refill(double t)
{
	if (o.mode != M_SESSIONS) {
		while (n_started < (uint64_t)o.clients && n_err < o.max_errors &&
		       (long long)n_started - n_ready - (long long)n_err < o.batch)
			client_start(&cl[n_started]);
		return;
	}
	for (int i = 0; i < o.clients && t < t_end && n_started < o.max && n_err < o.max_errors; i++)
		if (cl[i].step == ST_FREE)
			client_start(&cl[i]);
}

static void run_loop(double cap, bool (*done)(void))
{
	struct epoll_event evs[256];
	double t;
	while (!got_signal && (t = now()) < cap && !done() && n_err < o.max_errors) {
		refill(t);
		int n = epoll_wait(ep, evs, 256, 50);
		for (int i = 0; i < n; i++) {
			struct client *c = &cl[evs[i].data.u64 / 2];
			if (evs[i].data.u64 & 1) {
				if (c->data >= 0)
					on_data(c);
			} else if (c->ctl >= 0) {
				on_ctl(c);
			}
		}
	}
}

static bool sessions_done(void) { return n_active == 0 && (now() >= t_end || n_started >= o.max); }
static bool all_ready(void) { return n_ready + (int)n_err >= o.clients; }
static bool noop_done(void) { return now() >= t_end; }
static bool one_done(void) { return n_started > 0 && n_active == 0; }

static uint64_t num(const char *s, const char *what, uint64_t max)
{
	char *e;
	errno = 0;
	unsigned long long v = strtoull(s, &e, 10);
	if (errno || *e || e == s || v > max) {
		fprintf(stderr, "ftpload: bad %s: %s\n", what, s);
		exit(2);
	}
	return v;
}

static void parse(int argc, char **argv)
{
	static const char *const modes[] = { "sessions", "noop", "idle", "retr", "stor" };
	static const struct option lo[] = {
		{ "clients", 1, 0, 'c' }, { "seconds", 1, 0, 's' }, { "max", 1, 0, 'n' },
		{ "max-errors", 1, 0, 'e' }, { "file", 1, 0, 'f' }, { "size", 1, 0, 'b' },
		{ "hold", 1, 0, 'H' }, { "sources", 1, 0, 'S' }, { "no-type", 0, 0, 'T' },
		{ "batch", 1, 0, 'B' }, { "help", 0, 0, 'h' }, { 0, 0, 0, 0 } };
	int ch;
	unsigned a, k;
	while ((ch = getopt_long(argc, argv, "c:s:n:e:f:b:h", lo, NULL)) != -1) {
		switch (ch) {
		case 'c': o.clients = (int)num(optarg, "--clients", 1000000); break;
		case 's': o.seconds = (double)num(optarg, "--seconds", 86400); break;
		case 'n': o.max = num(optarg, "--max", UINT64_MAX); break;
		case 'e': o.max_errors = num(optarg, "--max-errors", UINT64_MAX); break;
		case 'f': o.file = optarg; break;
		case 'b': o.size = num(optarg, "--size", UINT64_MAX); break;
		case 'H': o.hold = (double)num(optarg, "--hold", 86400); break;
		case 'T': o.type_i = false; break;
		case 'B': o.batch = (int)num(optarg, "--batch", 100000); break;
		case 'S':
			if (sscanf(optarg, "%u:%u", &a, &k) != 2 || a < 1 || k < 1 || a + k > 255) {
				fprintf(stderr, "ftpload: bad --sources: %s\n", optarg);
				exit(2);
			}
			o.src_first = (int)a;
			o.src_count = (int)k;
			break;
		case 'h': usage(stdout); exit(0);
		default: usage(stderr); exit(2);
		}
	}
	if (argc - optind != 3 || o.clients < 1 || o.batch < 1) {
		usage(stderr);
		exit(2);
	}
	size_t m;
	for (m = 0; m < 5 && strcmp(argv[optind], modes[m]) != 0; m++)
		;
	if (m == 5) {
		fprintf(stderr, "ftpload: unknown mode: %s\n", argv[optind]);
		exit(2);
	}
	o.mode = (enum mode)m;
	if (inet_pton(AF_INET, argv[optind + 1], &o.host) != 1 ||
	    (ntohl(o.host.s_addr) >> 24) != 127) {
		fprintf(stderr, "ftpload: HOST must be an IPv4 loopback address (127.x.y.z)\n");
		exit(2);
	}
	o.port = (int)num(argv[optind + 2], "PORT", 65535);
	if ((o.mode == M_SESSIONS || o.mode == M_RETR || o.mode == M_STOR) && !o.file) {
		fprintf(stderr, "ftpload: %s needs --file and --size\n", modes[m]);
		exit(2);
	}
	if (o.mode == M_RETR || o.mode == M_STOR)
		o.clients = 1;
}

static void setup(void)
{
	struct rlimit rl;
	/* idle and noop sessions hold no data connection: one fd each */
	rlim_t per = (o.mode == M_IDLE || o.mode == M_NOOP) ? 1 : 2;
	rlim_t need = (rlim_t)o.clients * per + 32;
	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < need) {
		rl.rlim_cur = rl.rlim_max < need ? rl.rlim_max : need;
		setrlimit(RLIMIT_NOFILE, &rl);
		if (rl.rlim_cur < need) {
			fprintf(stderr, "ftpload: %d clients need %llu file descriptors; the limit is "
			        "%llu (ulimit -n)\n", o.clients, (unsigned long long)need,
			        (unsigned long long)rl.rlim_cur);
			exit(2);
		}
	}
	struct sigaction sa = { .sa_handler = on_signal };
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	ep = epoll_create1(EPOLL_CLOEXEC);
	cl = calloc((size_t)o.clients, sizeof *cl);
	if (ep < 0 || !cl) {
		perror("ftpload: setup");
		exit(1);
	}
	for (int i = 0; i < o.clients; i++) {
		cl[i].ctl = cl[i].data = -1;
		if (o.src_count)
			cl[i].src.s_addr = htonl(0x7f000000u | (uint32_t)(o.src_first + i % o.src_count));
	}
}

static void close_all(void)
{
	for (int i = 0; i < o.clients; i++)
		if (cl[i].step != ST_FREE)
			client_close(&cl[i]);
}

/* idle: hold until stdin closes (if it is a pipe or a tty), a signal, or --hold. */
static void hold(void)
{
	struct epoll_event ev = { .events = EPOLLIN, .data.u64 = UINT64_MAX };
	epoll_ctl(ep, EPOLL_CTL_ADD, 0, &ev); /* fails for /dev/null: then signals only */
	double cap = now() + o.hold;
	struct epoll_event evs[64];
	while (!got_signal && now() < cap) {
		int n = epoll_wait(ep, evs, 64, 200);
		for (int i = 0; i < n; i++) {
			if (evs[i].data.u64 == UINT64_MAX) {
				char b[256];
				if (read(0, b, sizeof b) <= 0)
					return;
			} else if (!(evs[i].data.u64 & 1) && cl[evs[i].data.u64 / 2].ctl >= 0) {
				on_ctl(&cl[evs[i].data.u64 / 2]);
			}
		}
	}
}

int main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return 2;
	}
	if (!strcmp(argv[1], "-h") || !strcmp(argv[1], "--help")) {
		usage(stdout);
		return 0;
	}
	parse(argc, argv);
	setup();
	double t0 = now(), secs = 0;
	switch (o.mode) {
	case M_SESSIONS:
		t_start = t0;
		t_end = t0 + o.seconds;
		run_loop(t_end, sessions_done);
		secs = (now() < t_end ? now() : t_end) - t0;
		close_all();
		break;
	case M_NOOP:
		run_loop(t0 + 30, all_ready); /* log in, at most 30 s */
		t_start = now();
		t_end = t_start + o.seconds;
		for (int i = 0; i < o.clients; i++)
			if (cl[i].step == ST_IDLE)
				send_cmd(&cl[i], ST_NOOP, "NOOP", NULL);
		run_loop(t_end, noop_done);
		secs = now() - t_start;
		close_all();
		break;
	case M_IDLE:
		run_loop(t0 + o.seconds, all_ready);
		t_start = now();
		printf("ready ok=%d errors=%llu seconds=%.3f\n", n_ready, (unsigned long long)n_err,
		       t_start - t0);
		fflush(stdout);
		hold();
		printf("idle ok=%d errors=%llu dropped=%llu held=%.3f\n", n_ready,
		       (unsigned long long)n_err, (unsigned long long)n_dropped, now() - t_start);
		close_all();
		return n_err || n_dropped || n_ready < o.clients;
	case M_RETR:
	case M_STOR:
		run_loop(t0 + o.seconds, one_done);
		if (n_err == 0 && n_active == 0 && t_end > t_xfer) {
			n_ok = 1;
			secs = t_end - t_xfer;
		}
		close_all();
		if (n_ok == 0 && n_err == 0) {
			n_err = 1;
			fprintf(stderr, "ftpload: %s did not finish in %.0f s\n", argv[optind], o.seconds);
		}
		printf("%s ok=%llu errors=%llu bytes=%llu seconds=%.6f mbps=%.1f\n", argv[optind],
		       (unsigned long long)n_ok, (unsigned long long)n_err,
		       (unsigned long long)(n_ok ? o.size : 0), secs,
		       n_ok && secs > 0 ? (double)o.size / secs / 1e6 : 0.0);
		return n_err || !n_ok;
	}
	if (got_signal)
		fprintf(stderr, "ftpload: interrupted\n");
	printf("%s ok=%llu errors=%llu seconds=%.3f rate=%.1f\n", argv[optind],
	       (unsigned long long)n_ok, (unsigned long long)n_err, secs,
	       secs > 0 ? (double)n_ok / secs : 0.0);
	return n_err || !n_ok || got_signal;
}
